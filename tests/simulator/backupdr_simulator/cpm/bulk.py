# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bulk seeding (``POST /_sim/seed {"service": "cpm", ...}``): N protected resources for benchmarks."""

import time

from ..core import AdminError
from .directory import REGION_BY_NAME

KINDS = ('instances', 'volumes', 'rds_databases', 'dynamodb_tables', 'efs')
DEFAULT_REGIONS = ('us-east-1', 'us-west-2', 'eu-west-1')


def _int(params, name, default, minimum=0):
    try:
        value = int(params.get(name, default))
    except (TypeError, ValueError) as exc:
        raise AdminError(400, '%s must be an integer' % name) from exc
    if value < minimum:
        raise AdminError(400, '%s must be at least %d' % (name, minimum))
    return value


def _fraction(params, name, default):
    value = params.get(name, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise AdminError(400, '%s must be a number between 0 and 1' % name)
    return float(value)


def seed(service, params):
    """Create ``resources`` protected resources of ``kind`` spread over accounts, regions and policies (D22).

    Parameters: resources (100), kind (instances|volumes|rds_databases|dynamodb_tables|efs), accounts (3),
    regions (us-east-1, us-west-2, eu-west-1), policies (resources // 50, at least 1), user (1 = root),
    prefix (bulk), backed_up (0.6: share of policies whose last backup succeeded an hour ago),
    failed (0.2: share whose last backup failed; the rest were never backed up), schedule (true: one daily
    schedule attached to every policy).
    """
    resources = _int(params, 'resources', 100)
    kind = params.get('kind', 'instances')
    if kind not in KINDS:
        raise AdminError(400, 'kind must be one of %s' % ', '.join(KINDS))
    account_count = _int(params, 'accounts', 3, 1)
    policy_count = _int(params, 'policies', max(1, resources // 50), 1)
    regions = params.get('regions') or list(DEFAULT_REGIONS)
    if not isinstance(regions, list) or not regions or any(region not in REGION_BY_NAME for region in regions):
        raise AdminError(400, 'regions must be a list of known AWS region names')
    user_id = _int(params, 'user', 1, 1)
    if user_id not in service.directory.users or service.directory.users[user_id]['user_type'] == 'delegate':
        raise AdminError(400, 'user must be a CPM user id (not a delegate)')
    backed_up = _fraction(params, 'backed_up', 0.6)
    failed = _fraction(params, 'failed', 0.2)
    if backed_up + failed > 1:
        raise AdminError(400, 'backed_up + failed must not exceed 1')
    prefix = str(params.get('prefix') or 'bulk')
    run = service.bulk_runs = getattr(service, 'bulk_runs', 0) + 1
    stem = '%s%d' % (prefix, run)
    now = time.time()

    accounts = []
    for index in range(account_count):
        account = service.accounts.add('backup', {
            'name': '%s-acct-%d' % (stem, index + 1), 'user': user_id, 'authentication': 'C',
            'aws_access_key': 'AKIASIMBULK%09d' % (run * 1000 + index), 'aws_secret_key': 'sim-bulk-secret-NOT-REAL'})
        service.inventory.generated.add(account['id'])  # no default estate: only the seeded resources
        accounts.append(account)
    schedule = None
    if params.get('schedule', True):
        schedule = service.schedules.add({'name': '%s-daily' % stem, 'description': 'seeded', 'user': user_id,
                                          'every_unit': 'D', 'every_how_many': 1, 'start_date': now - 86400,
                                          'end_date': None, 'timezone': None, 'allow_on_sunday': True,
                                          'allow_on_monday': True, 'allow_on_tuesday': True,
                                          'allow_on_wednesday': True, 'allow_on_thursday': True,
                                          'allow_on_friday': True, 'allow_on_saturday': True}, now)
    policies = []
    for index in range(policy_count):
        account = accounts[index % account_count]
        policies.append(service.policies.add({'name': '%s-policy-%d' % (stem, index + 1), 'account': account['id'],
                                              'description': 'seeded policy %d' % (index + 1),
                                              'schedules': [schedule['id']] if schedule else []}, user_id, now))
    inventory, targets = service.inventory, service.targets
    for index in range(resources):
        policy = policies[index % policy_count]
        region = regions[(index // policy_count) % len(regions)]
        name = '%s-%s-%05d' % (stem, kind.rstrip('s').replace('_database', 'db').replace('_table', ''), index + 1)
        if kind == 'instances':
            resource = inventory.add_instance(policy['account'], region, name, volumes=1)
            settings = {'ami_backup_option': 'N', 'ami_reboot_option': False, 'aws_root_device': None,
                        'force_full_s3_copy': False, 'which_volumes': 'A',
                        'application_consistent_backup': {'agent_script_timeout': 100, 'collect_script_output': False,
                                                          'enable_agent_scripts': False, 'enable_agent_vss': False,
                                                          'use_remote_agent': False, 'vss_volumes': ''}}
        elif kind == 'volumes':
            resource = inventory.add_volume(policy['account'], region, name)
            settings = {}
        else:
            resource = inventory.add_simple(policy['account'], region, kind, name)
            settings = {} if kind != 'efs' else {
                'backup_iam_role_arn': None, 'backup_vault_name': 'Default', 'expire_option': 'P',
                'expire_option_value': None, 'move_to_cold_storage_option': 'N',
                'move_to_cold_storage_option_value': None}
        targets.add(policy, kind, resource, settings, now=now)
    backups = 0
    ok_count = int(round(policy_count * backed_up))
    fail_count = int(round(policy_count * failed))
    for index, policy in enumerate(policies):
        if index < ok_count:
            service.backups.add_finished(policy, 'B', now - 3600 - index)
        elif index < ok_count + fail_count:
            service.backups.add_finished(policy, 'F', now - 3600 - index)
        else:
            continue
        backups += 1
    return {'accounts': [account['id'] for account in accounts], 'policies': [policies[0]['id'], policies[-1]['id']],
            'resources': resources, 'kind': kind, 'backups': backups, 'schedule': schedule['id'] if schedule else None,
            'prefix': stem}
