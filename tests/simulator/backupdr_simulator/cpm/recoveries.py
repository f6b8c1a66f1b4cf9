# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recoveries (Ch.7 recover calls, Ch.14): the 13 recover calls, the instance recovery helpers, recovery records
that progress over time, their logs, the abort of a recovery from S3 (D23-D30).

Also the small helpers the part-2 families share: knob registration, ids rendered as strings, delegate flag
checks and log responses.
"""

import hashlib
import ipaddress
import json
import time

from ..core import AdminError, Response
from .api import (ApiError, F, Family, Route, apply_list, csv_response, exact, forbidden, invalid, iso, not_found,
                  page_response, precondition, validate)
from .directory import REGION_BY_ID, REGION_BY_NAME

# -- shared helpers of the part-2 families ---------------------------------------------------------------------------


def register_knobs(service, defaults, choices=None):
    """Add a family's knobs to the service (instance attributes shadow the class dicts; before the first reset)."""
    service.config_defaults = dict(service.config_defaults, **defaults)
    if choices:
        service.config_choices = dict(service.config_choices, **choices)


def str_ids(service, payload, keys):
    """Render the record references ``keys`` as strings when ``id_type`` is ``str`` (D12; keys service.ID_KEYS lacks)."""
    if service.config['id_type'] != 'str':
        return payload
    if isinstance(payload, list):
        return [str_ids(service, item, keys) for item in payload]
    out = dict(payload)
    for key in keys:
        value = out.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            out[key] = str(value)
    return out


def require_flag(call, *flags):
    """403 unless the caller is not a delegate or has every delegate flag (checked before any object, D4)."""
    user = call.user
    if user['user_type'] == 'delegate' and not all(user['flags'].get(flag) for flag in flags):
        raise forbidden()


def log_line(when, level, text):
    """A ``{log, log_time, log_type}`` row."""
    return {'log': text, 'log_time': iso(when), 'log_type': level}


def logs_response(call, rows, filename):
    """A log list as JSON or text/csv (Accept)."""
    if call.csv:
        return csv_response([(row['log_time'], row['log_type'], row['log']) for row in rows],
                            ('Time', 'Severity', 'Message'), filename)
    return call.svc.respond(call, 200, [dict(row) for row in rows])


def visible_exists(service, visible):
    """``exists(model, pk)`` for validation on behalf of owners ``visible`` (scenario runs have no request)."""
    def exists(model, pk):
        if model in ('account', 'backup_account', 'dr_account'):
            account = service.accounts.accounts.get(pk)
            if account is None or account['user'] not in visible:
                return False
            return model == 'account' or account['kind'] == model.split('_', 1)[0]
        if model == 'region':
            return pk in REGION_BY_ID
        return False
    return exists


def digest(*parts, length=17):
    """Deterministic hex."""
    return hashlib.sha1(':'.join(str(part) for part in parts).encode('utf-8')).hexdigest()[:length]


# -- recover bodies (Ch.7) -----------------------------------------------------------------------------------------

CREDENTIALS = F('obj', nullable=True, default=None, spec={'aws_access_key': F('str', nullable=True, default=None),
                                                          'aws_secret_key': F('str', nullable=True, default=None)})
RETRIEVE = F('obj', nullable=True, default=None, spec={
    'days_to_keep': F('int', nullable=True, min_value=1, default=None),
    'retrieval_tier': F('choice', required=True, choices=('E', 'S', 'B'))})
WORKER = F('obj', nullable=True, default=None, spec={
    'aws_vpc': F('str', required=True, blank=False),
    'aws_subnet': F('str', required=True, blank=False),
    'aws_security_group': F('str', required=True, blank=False),
    'aws_key_pair': F('str', nullable=True, default=None),
    'requires_http_proxy': F('bool', default=False),
    'http_proxy_address': F('str', nullable=True, default=None),
    'http_proxy_port': F('int', nullable=True, min_value=1, default=None),
    'http_proxy_user_name': F('str', nullable=True, default=None),
    'http_proxy_password_encrypted': F('str', nullable=True, default=None)})


def _opt(kind='str', **kwargs):
    return F(kind, nullable=True, default=None, **kwargs)


EFS_SPEC = {
    'credentials': CREDENTIALS,
    'encryption_key': _opt(),
    'iam_role_arn': _opt(),
    'performance_mode': _opt('choice', choices=('generalPurpose', 'maxIO')),
    'preserve_tags': F('bool', default=True),
    'target_efs': F('choice', choices=('N', 'O'), default='N'),
}
RDS_CLUSTER_SPEC = {
    'aws_resource_id': F('str', required=True, blank=False),
    'aws_dbinstance_id': F('str', required=True, blank=False),
    'credentials': CREDENTIALS,
    'db_instance_class': _opt(),
    'instance_type': _opt(),
    'subnet_group_name': _opt(),
    'to_account': _opt(),
    'zone': _opt(),
}
RDS_SPEC = {
    'aws_resource_id': F('str', required=True, blank=False),
    'credentials': CREDENTIALS,
    'db_instance_class': _opt(),
    'iops': _opt('int', min_value=0),
    'multi_az': _opt('bool'),
    'port': _opt('int', min_value=1),
    'publicly_accessible': _opt('bool'),
    'storage_type': _opt('choice', choices=('standard', 'io1', 'gp2')),
    'subnet_group_name': _opt(),
    'to_account': _opt(),
    'zone': _opt(),
}
REDSHIFT_SPEC = {
    'aws_resource_id': F('str', required=True, blank=False),
    'credentials': CREDENTIALS,
    'port': _opt('int', min_value=1),
    'publicly_accessible': _opt('bool'),
    'subnet_group_name': _opt(),
    'zone': _opt(),
}
DYNAMODB_SPEC = {'aws_resource_name': F('str', required=True, blank=False), 'credentials': CREDENTIALS}
VOLUME_SPEC = {
    'attach_behaviour': _opt('choice', choices=('attach_free', 'switch_no_delete', 'switch_and_delete')),
    'attach_to': _opt(),
    'aws_resource_type': _opt(),
    'capacity': _opt('int', min_value=1),
    'credentials': CREDENTIALS,
    'device': _opt(),
    'iops': _opt('int', min_value=0),
    'preserve_tags': F('bool', default=True),
    'to_account': _opt('pk', model='account'),
    'zone': _opt(),
}
VOLUME_S3_SPEC = dict(VOLUME_SPEC, encryption_key=_opt(), region=_opt(), retrieve_options=RETRIEVE,
                      worker_configuration=WORKER)
INSTANCE_VOLUME_SPEC = {
    'capacity': _opt('int', min_value=1),
    'delete_on_termination': _opt('bool'),
    'device': _opt(),
    'iops': _opt('int', min_value=0),
    'preserve_tags': F('bool', default=True),
    'volume_id': F('str', required=True, blank=False),
    'volume_type': _opt('choice', choices=('standard', 'io1', 'gp2', 'st1', 'sc1')),
}
INSTANCE_SPEC = {
    'additional_nics': F('strs', default=[]),
    'ami_handling': _opt('choice', choices=('D', 'L', 'O')),
    'architecture': _opt('choice', choices=('i386', 'x86_64', 'arm64')),
    'auto_assign_public_ip': F('choice', choices=('default', 'enable', 'disable'), default='default'),
    'credentials': CREDENTIALS,
    'disable_api_termination': _opt('bool'),
    'ebs_optimized': _opt('bool'),
    'ena_support': _opt('bool'),
    'enable_user_data': F('bool', default=False),
    'ephemeral_devices': F('objs', default=[], spec={'device': _opt(), 'epehemeral': _opt()}),
    'from_account': _opt('pk', model='account'),
    'image_id': _opt(),
    'instance_profile_arn': _opt(),
    'instance_type': _opt(),
    'instance_volumes': F('objs', default=[], spec=INSTANCE_VOLUME_SPEC),
    'kernel_id': _opt(),
    'key_pair': _opt(),
    'monitored': _opt('bool'),
    'num_instances_to_recover': F('int', min_value=1, default=1),
    'placement': _opt('choice', choices=('Z', 'V', 'G')),
    'placement_group': _opt(),
    'preserve_tags': F('bool', default=True),
    'ram_disk_id': _opt(),
    'restore_from': _opt('choice', choices=('S', 'I')),
    'security_groups': F('strs', default=[]),
    'shutdown_behaviour': _opt('choice', choices=('stop', 'terminate')),
    'tenancy': _opt('choice', choices=('default', 'dedicated', 'host')),
    'to_account': _opt('pk', model='account'),
    'to_region': _opt('pk', model='region'),
    'user_data': _opt(),
    'vpc': F('strs', default=[]),
    'vpc_assign_ip': _opt(),
    'vpc_subnet_id': F('strs', default=[]),
    'zone': _opt(),
}
INSTANCE_S3_SPEC = dict(INSTANCE_SPEC, encryption_key=_opt(), use_default_volume_encryption_keys=_opt('bool'),
                        retrieve_options=RETRIEVE, worker_configuration=WORKER)

# (family, action) -> (body spec, recovery type letter, Initial Release, seed line of the METHOD line)
RECOVER = {
    ('dr_efs', 'recover'): (EFS_SPEC, 'E', '1.5.0', 6674),
    ('dr_rds_clusters', 'recover'): (RDS_CLUSTER_SPEC, 'A', '1.1.0', 7894),
    ('dr_rds_databases', 'recover'): (RDS_SPEC, 'R', '1.1.0', 8849),
    ('dr_volumes', 'recover'): (VOLUME_SPEC, 'V', '1.2.0', 9786),
    ('dynamodb_tables', 'recover'): (DYNAMODB_SPEC, 'D', '1.1.0', 10644),
    ('efs', 'recover'): (EFS_SPEC, 'E', '1.3.0', 11529),
    ('instances', 'recover'): (INSTANCE_SPEC, 'I', '1.3.0', 12949),
    ('instances', 'recover_from_s3'): (INSTANCE_S3_SPEC, 'I', '1.3.0', 13753),
    ('rds_clusters', 'recover'): (RDS_CLUSTER_SPEC, 'A', '1.1.0', 15800),
    ('rds_databases', 'recover'): (RDS_SPEC, 'R', '1.1.0', 16743),
    ('redshift_clusters', 'recover'): (REDSHIFT_SPEC, 'C', '1.1.0', 17678),
    ('volumes', 'recover'): (VOLUME_SPEC, 'V', '1.2.0', 18591),
    ('volumes', 'recover_from_s3'): (VOLUME_S3_SPEC, 'V', '1.2.0', 18966),
}
TYPE_TEXT = {'I': 'instance', 'V': 'volume', 'R': 'RDS database', 'A': 'RDS cluster', 'C': 'Redshift cluster',
             'D': 'DynamoDB table', 'E': 'EFS'}
STATUS_TEXT = {'P': 'In Progress', 'R': 'Recovery Successful', 'A': 'Recovery Partially Successful',
               'F': 'Recovery Failed'}
INVENTORY_KIND = {'I': 'instances', 'V': 'volumes', 'R': 'rds_databases', 'A': 'rds_clusters',
                  'C': 'redshift_clusters', 'D': 'dynamodb_tables', 'E': 'efs'}
RECOVERABLE = ('B', 'A', 'S', 'M', 'G')
RENDER_IDS = ('recovery_scenario_record', 'snapshot_record_id', 'target_account')
KNOBS = {
    'recovery_seconds': 2.0,
    'glacier_retrieve_seconds': 1.0,
    'recovery_concurrency': 'allow',
    'recovery_record_detail': 'seed',
    'recovered_ids_when': 'end',
    'progress_percent_type': 'array',
}
KNOB_CHOICES = {
    'recovery_concurrency': ('allow', 'refuse'),
    'recovery_record_detail': ('seed', 'extended'),
    'recovered_ids_when': ('end', 'start'),
    'progress_percent_type': ('array', 'int'),
}


class RecoveriesFamily(Family):
    """``.../snapshots/<family>/{snapshot_record_id}/recover[_from_s3]/``, instance helpers and ``/api/recoveries/``."""

    name = 'recoveries'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.recoveries = {}
        self.running = {}
        self.seq = 0
        self.plans = []      # fail-next-recovery plans, consumed in order

    # -- routes ------------------------------------------------------------------------
    def routes(self):
        routes = []
        for (family, action), (_spec, _letter, since, line) in sorted(RECOVER.items()):
            pattern = 'backups/{backup_id}/snapshots/%s/{snapshot_record_id}/%s/' % (family, action)
            routes.append(Route('POST', pattern, self._bind(family, action), since, 'recovery', line))
        base = 'backups/{backup_id}/snapshots/instances/{snapshot_id}/'
        routes += [
            Route('GET', base + 'ami/', self.instance_ami, '1.2.0', None, 12594),
            Route('GET', base + 'aws_additional_nics/', self.instance_nics, '1.2.0', None, 12718),
            Route('GET', base + 'find_similar_ami/', self.instance_similar, '1.2.0', None, 12795),
            Route('GET', 'recoveries/', self.list, '1.0.0', None, 31810),
            Route('GET', 'recoveries/{id}/', self.get, '1.0.0', None, 32124),
            Route('DELETE', 'recoveries/{id}/', self.delete, '1.0.0', 'recovery', 32375),
            Route('GET', 'recoveries/{id}/logs/', self.logs, '1.0.0', None, 32415, csv='both'),
            Route('POST', 'recoveries/{recovery_id}/recover_from_s3/abort/', self.abort, '1.3.0', 'backup', 32483),
        ]
        return routes

    def _bind(self, family, action):
        def handler(call):
            return self.recover(call, family, action)
        handler.__doc__ = 'POST /api/backups/{backup_id}/snapshots/%s/{snapshot_record_id}/%s/ -> 202' % (family, action)
        return handler

    # -- the recover calls ---------------------------------------------------------------
    def recover(self, call, family, action):
        """One of the 13 recover calls: 404 unknown snapshot, 400 body, 412 preconditions (D24), 202 record."""
        backups = self.svc.backups
        backup = backups.visible(call, call.param_id('backup_id'))
        record = backups.snapshots.get(call.param_id('snapshot_record_id'))
        if record is None or record['backup'] != backup['id'] or record['family'] != family:
            raise not_found()
        spec = RECOVER[(family, action)][0]
        values = validate(spec, call.body_dict(), self.svc.lookup(call))
        plan = self.prepare(backup, record, family, action, values, call.visible)
        recovery = self.start(plan, call.now)
        return self.svc.respond(call, 202, self.render(recovery))

    def prepare(self, backup, record, family, action, values, visible):
        """Cross-field checks (400) and preconditions (412) of a recover call; return the recovery plan."""
        letter = RECOVER[(family, action)][1]
        from_s3 = action == 'recover_from_s3'
        account = record.get('snapshot_account', backup['account'])
        region = record['region']
        target = {'account': account, 'region': region, 'name': None}
        errors = {}
        if family == 'instances':
            self._instance_checks(backup, record, values, visible, target, errors)
        elif family in ('volumes', 'dr_volumes'):
            self._volume_checks(values, target, errors, from_s3)
        elif letter in ('R', 'A'):
            self._named_checks(values, visible, target, errors, to_account=True)
        elif letter == 'C':
            self._named_checks(values, visible, target, errors, to_account=False)
        elif letter == 'D':
            target['name'] = values['aws_resource_name']
        zone = values.get('zone')
        if zone and not zone.startswith(target['region']):
            errors.setdefault('zone', []).append(('Availability zone %s is not in region %s.' % (zone, target['region']),
                                                  'invalid'))
        glacier = False
        if from_s3:
            copies = self._copies(backup, record)
            glacier = any(copy['tier'] == 'A' for copy in copies)
            if glacier and values.get('retrieve_options') is None:
                errors.setdefault('retrieve_options', []).append(
                    ('This field is required.', 'required'))
            worker = values.get('worker_configuration')
            if worker and worker['requires_http_proxy'] and not worker['http_proxy_address']:
                errors.setdefault('worker_configuration.http_proxy_address', []).append(
                    ('This field is required.', 'required'))
        if errors:
            raise ApiError(400, errors)
        self._preconditions(backup, record, family, from_s3)
        stored = dict((k, v) for k, v in values.items() if k not in ('credentials', 'worker_configuration'))
        if values.get('worker_configuration'):
            stored['worker_configuration'] = dict((k, v) for k, v in values['worker_configuration'].items()
                                                  if k != 'http_proxy_password_encrypted')
        return {'backup': backup, 'record': record, 'family': family, 'letter': letter, 's3': from_s3,
                'glacier': glacier, 'values': stored, 'target': target,
                'credentials': bool(values.get('credentials') and values['credentials'].get('aws_access_key'))}

    def _preconditions(self, backup, record, family, from_s3):
        """412: "Recovery is possible on a successful backup that wasn't deleted" and the other conditions (D24)."""
        if backup['status'] not in RECOVERABLE or backup['marked_for_deletion']:
            raise precondition('Recovery is possible only from a successful backup that was not deleted.')
        if not record['succeeded']:
            raise precondition('This snapshot did not succeed; it cannot be recovered.')
        if from_s3:
            if family == 'volumes' and not record.get('instance_id'):
                raise precondition('Recovery of a volume from S3 is possible only for a volume of an instance backup.')
            if not self._copies(backup, record):
                raise precondition('This backup has no copy in S3 to recover from.')
        elif family == 'instances':
            if not self.instance_volumes(backup, record) and not self._amis(backup, record):
                raise precondition('The snapshots of this instance were deleted.')
        elif record['deletion_time'] is not None:
            raise precondition('This snapshot was deleted.')
        if self.svc.config['recovery_concurrency'] == 'refuse':
            for other in self.running.values():
                if other['snapshot'] == record['id'] and other['status'] == 'P' and not other['dry_run']:
                    raise precondition('A recovery of this snapshot is already in progress (recovery %d).' % other['id'])

    def _copies(self, backup, record):
        """Live copy_to_s3 records of the volumes a recovery from S3 needs."""
        snapshots = self.svc.backups.snapshots
        if record['family'] == 'instances':
            wanted = set(v['backed_up_resource_id'] for v in self.instance_volumes(backup, record, live=False))
        else:
            wanted = {record['backed_up_resource_id']}
        return [snapshots[r] for r in backup['snapshots'] if snapshots[r]['family'] == 'copy_to_s3'
                and snapshots[r]['deletion_time'] is None and snapshots[r]['backed_up_resource_id'] in wanted]

    def instance_volumes(self, backup, record, live=True):
        """Volume snapshot records of an instance in a backup (live ones by default)."""
        snapshots = self.svc.backups.snapshots
        return [snapshots[r] for r in backup['snapshots'] if snapshots[r]['family'] == 'volumes'
                and snapshots[r].get('instance_id') == record['backed_up_resource_id']
                and snapshots[r]['region'] == record['region'] and snapshots[r]['succeeded']
                and (not live or snapshots[r]['deletion_time'] is None)]

    def _amis(self, backup, record):
        snapshots = self.svc.backups.snapshots
        return [snapshots[r] for r in backup['snapshots'] if snapshots[r]['family'] in ('only_amis', 'initial_amis')
                and snapshots[r]['backed_up_resource_id'] == record['backed_up_resource_id']
                and snapshots[r]['succeeded'] and snapshots[r]['deletion_time'] is None]

    def _account_ref(self, value, visible, field, errors):
        """A ``to_account`` sent as a string (RDS, Aurora): a visible account id."""
        try:
            number = int(str(value).strip())
        except ValueError:
            number = None
        account = self.svc.accounts.accounts.get(number) if number is not None else None
        if account is None or account['user'] not in visible:
            errors.setdefault(field, []).append(('Invalid pk "%s" - object does not exist.' % value, 'does_not_exist'))
            return None
        return number

    def _named_checks(self, values, visible, target, errors, to_account):
        target['name'] = values['aws_resource_id']
        if to_account and values.get('to_account') not in (None, ''):
            account = self._account_ref(values['to_account'], visible, 'to_account', errors)
            if account is not None:
                target['account'] = account
        if values.get('storage_type') and values['storage_type'] != 'io1':
            values['iops'] = 0  # "If type is not 'io1', iops = 0"

    def _volume_checks(self, values, target, errors, from_s3):
        if values.get('to_account') is not None:
            target['account'] = values['to_account']
        if from_s3 and values.get('region'):
            if values['region'] not in REGION_BY_NAME:
                errors.setdefault('region', []).append(('"%s" is not a valid choice.' % values['region'],
                                                        'invalid_choice'))
            else:
                target['region'] = values['region']
        if values.get('attach_behaviour') and not values.get('attach_to'):
            errors.setdefault('attach_to', []).append(('This field is required.', 'required'))

    def _instance_checks(self, backup, record, values, visible, target, errors):
        del visible
        if values.get('to_account') is not None:
            target['account'] = values['to_account']
        if values.get('to_region') is not None:
            target['region'] = REGION_BY_ID[values['to_region']]
        windows = record.get('platform') == 'windows'
        if windows and values.get('restore_from') == 'S':
            errors.setdefault('restore_from', []).append(
                ('For windows images we support only image based instances.', 'invalid'))
        if values.get('placement') == 'G' and not values.get('placement_group'):
            errors.setdefault('placement_group', []).append(('This field is required.', 'required'))
        address = values.get('vpc_assign_ip')
        if address:
            try:
                ipaddress.IPv4Address(address)
            except ValueError:
                errors.setdefault('vpc_assign_ip', []).append(('Enter a valid IPv4 address.', 'invalid'))
            if values['num_instances_to_recover'] > 1:
                errors.setdefault('non_field_errors', []).append(
                    ('A fixed IP address can be assigned to one instance only.', 'invalid'))
        known = dict((v['backed_up_resource_id'], v) for v in self.instance_volumes(backup, record, live=False))
        for index, item in enumerate(values.get('instance_volumes') or []):
            if item['volume_id'] not in known:
                errors.setdefault('instance_volumes.%d.volume_id' % index, []).append(
                    ('Volume %s is not a volume of instance %s in this backup.' % (
                        item['volume_id'], record['backed_up_resource_id']), 'does_not_exist'))
        nics = set(nic['id'] for nic in self.nics(record))
        for nic in values.get('additional_nics') or []:
            if nic not in nics:
                errors.setdefault('additional_nics', []).append(
                    ('Invalid network interface "%s".' % nic, 'does_not_exist'))

    # -- records and their progress (D25, D26) ----------------------------------------------
    def start(self, plan, now, scenario=None):
        """Create a recovery record (status P) from a prepared plan."""
        self.seq += 1
        backup, record, letter = plan['backup'], plan['record'], plan['letter']
        outcome = self._take_plan(backup['policy'], letter)
        recovery = {
            'id': self.seq, 'user': backup['user'], 'account': backup['account'], 'policy': backup['policy'],
            'backup_record': backup['id'], 'backup_time': backup['start_time'],
            'frozen_item_name': backup['name'] if backup['is_freezer_item'] else None,
            'snapshot': record['id'], 'family': plan['family'], 'letter': letter, 'source': record['backed_up_resource_id'],
            'source_name': record.get('backed_up_resource_name'), 'target': plan['target'], 'values': plan['values'],
            'begin': now, 'end': None, 'status': 'P', 'outcome': outcome.get('status', 'R'),
            's3': plan['s3'], 'glacier': plan['glacier'], 's3_outcome': outcome.get('s3_recover_status', 'S'),
            's3_status': 'Z', 's3_progress': 0, 'glacier_status': 'Z', 'glacier_progress': 0, 'abort_at': None,
            'logs': [], 'new': [], 'failed_new': [], 'dry_run': bool(scenario and scenario['dry_run']),
            'scenario': scenario,
        }
        recovery['new'] = self._allocate(recovery, plan)
        policy = self.svc.policies.policies.get(backup['policy'])
        if policy is not None and not recovery['dry_run']:
            policy['last_dr_recovery_time' if plan['family'].startswith('dr_') else 'last_recovery_time'] = now
        what = '%s %s' % (TYPE_TEXT[letter], recovery['source'])
        self._log(recovery, now, 'Info', '%sRecovery of %s from backup %d started (snapshot record %d, %s).' % (
            'Dry run: ' if recovery['dry_run'] else '', what, backup['id'], record['id'], plan['family']))
        if plan['credentials']:
            self._log(recovery, now, 'Info', 'Using the supplied AWS credentials for the target account.')
        self.recoveries[recovery['id']] = recovery
        self.running[recovery['id']] = recovery
        self.step(recovery, now)
        return recovery

    def _take_plan(self, policy_id, letter):
        for index, plan in enumerate(self.plans):
            if plan.get('policy') not in (None, policy_id) or plan.get('recovery_type') not in (None, letter):
                continue
            del self.plans[index]
            return plan
        return {}

    def _allocate(self, recovery, plan):
        """(new id, original id, kind, extra) of every resource the recovery creates (allocated at the start)."""
        values, letter, rid = plan['values'], plan['letter'], recovery['id']
        source, target = recovery['source'], plan['target']
        if letter == 'I':
            if values.get('ami_handling') == 'O' and values.get('restore_from') != 'I':
                return [('ami-' + digest('ami', rid), source, 'ami', {})]
            out = []
            volumes = self.instance_volumes(plan['backup'], plan['record'], live=not plan['s3'])
            chosen = values.get('instance_volumes') or []
            if chosen:
                wanted = set(item['volume_id'] for item in chosen)
                root = plan['record'].get('aws_root_device')
                volumes = [v for v in volumes if v['backed_up_resource_id'] in wanted or v.get('device') == root]
            for number in range(values['num_instances_to_recover']):
                out.append(('i-' + digest('instance', rid, number), source, 'instances', {'number': number}))
                for volume in volumes:
                    out.append(('vol-' + digest('volume', rid, number, volume['backed_up_resource_id']),
                                volume['backed_up_resource_id'], 'volumes', {'number': number, 'snap': volume['id']}))
            return out
        if letter == 'V':
            return [('vol-' + digest('volume', rid, source), source, 'volumes', {})]
        if letter == 'E':
            if values.get('target_efs') == 'O':
                return [(source, source, 'efs', {'original': True})]
            return [('fs-' + digest('efs', rid, length=8), source, 'efs', {})]
        return [(target['name'], source, INVENTORY_KIND[letter], {})]

    def advance(self, now):
        for recovery in list(self.running.values()):
            self.step(recovery, now)

    def step(self, recovery, now):
        """Move one recovery along the clock (lazily, with the knobs' current values)."""
        if recovery['status'] != 'P':
            self.running.pop(recovery['id'], None)
            return
        seconds = float(self.svc.config['recovery_seconds'])
        begin = recovery['begin']
        if recovery['s3']:
            phase = begin
            if recovery['glacier']:
                phase = self._glacier(recovery, now, begin)
                if phase is None:
                    return
            self._s3(recovery, now, phase, seconds)
            return
        if now >= begin + seconds:
            self.finish(recovery, begin + seconds, recovery['outcome'])

    def _glacier(self, recovery, now, begin):
        """Glacier retrieval phase: Z -> I -> P -> S; the moment it ended, or None while it runs."""
        seconds = float(self.svc.config['glacier_retrieve_seconds'])
        if recovery['glacier_status'] in ('G', 'A'):
            if recovery['glacier_status'] == 'G' and now >= recovery['abort_at'] + 0.25 * seconds:
                recovery['glacier_status'] = 'A'
                self.finish(recovery, recovery['abort_at'] + 0.25 * seconds, 'F', 'Retrieval from Glacier aborted.')
            return None
        if recovery['glacier_status'] == 'Z':
            recovery['glacier_status'] = 'I'
            tier = (recovery['values'].get('retrieve_options') or {}).get('retrieval_tier') or 'S'
            self._log(recovery, begin, 'Info', 'Retrieving the S3 copies from Glacier (retrieval tier %s).' % tier)
        if now < begin + 0.1 * seconds:
            return None
        recovery['glacier_status'] = 'P'
        recovery['glacier_progress'] = min(99, int(100 * (now - begin) / seconds)) if seconds else 99
        if now < begin + seconds:
            return None
        if recovery['glacier_status'] != 'S':
            recovery['glacier_status'] = 'S'
            recovery['glacier_progress'] = 100
            self._log(recovery, begin + seconds, 'Info', 'Retrieval from Glacier completed.')
        return begin + seconds

    def _s3(self, recovery, now, phase, seconds):
        if recovery['s3_status'] == 'G':
            if now >= recovery['abort_at'] + 0.25 * seconds:
                recovery['s3_status'] = 'A'
                self.finish(recovery, recovery['abort_at'] + 0.25 * seconds, 'F', 'Recovery from S3 aborted.')
            return
        if now < phase:
            return
        if recovery['s3_status'] == 'Z':
            recovery['s3_status'] = 'I'
            self._log(recovery, phase, 'Info', 'Recovery from S3 started: restoring volume data with a worker.')
        if now >= phase + 0.1 * seconds:
            recovery['s3_status'] = 'P'
            recovery['s3_progress'] = min(99, int(100 * (now - phase) / seconds)) if seconds else 99
        if now >= phase + seconds:
            outcome = recovery['s3_outcome']
            recovery['s3_status'] = outcome
            recovery['s3_progress'] = 100 if outcome in ('S', 'V') else recovery['s3_progress']
            status = recovery['outcome']
            if outcome == 'F':
                status = 'F'
            elif outcome == 'R' and status == 'R':
                status = 'A'
            self.finish(recovery, phase + seconds, status)

    def finish(self, recovery, ended, status, reason=None):
        """End a recovery: runtime checks, outcome, recovered resources, logs."""
        if recovery['status'] != 'P':
            return
        conflict = None if status == 'F' else self._conflict(recovery)
        if conflict:
            status, reason = 'F', conflict
        recovery['status'] = status
        recovery['end'] = ended
        self.running.pop(recovery['id'], None)
        new = recovery['new']
        if status == 'F':
            recovery['failed_new'], recovery['new'] = new, []
            self._log(recovery, ended, 'Error', reason or 'Recovery failed: the recovered resources could not be created.')
        elif status == 'A':
            kept = new[:-1] if len(new) > 1 else new
            recovery['failed_new'] = new[len(kept):]
            recovery['new'] = kept
            if recovery['failed_new']:
                lost = recovery['failed_new'][0]
                self._log(recovery, ended, 'Error', 'Recovery of %s (original: %s) failed.' % (lost[0], lost[1]))
            else:
                self._log(recovery, ended, 'Warning', 'The tags of the recovered resource could not be applied.')
        if recovery['dry_run']:
            self._log(recovery, ended, 'Info', 'Dry run: the resources were verified and not created.')
        else:
            for new_id, original, kind, extra in recovery['new']:
                if kind != 'volumes' or recovery['letter'] == 'V':
                    self._log(recovery, ended, 'Info', 'Recovered %s (original: %s).' % (new_id, original))
                del extra
            self._materialise(recovery)
        self._log(recovery, ended, {'R': 'Info', 'A': 'Warning'}.get(status, 'Error'),
                  'Recovery %d finished: %s.' % (recovery['id'], STATUS_TEXT[status]))

    def _conflict(self, recovery):
        """A runtime failure AWS would report (name taken, attach target missing, IP in use), or None."""
        inventory = self.svc.inventory
        target, values, letter = recovery['target'], recovery['values'], recovery['letter']
        account, region = target['account'], target['region']
        if letter in ('R', 'A', 'C'):
            if inventory.find(account, region, INVENTORY_KIND[letter], target['name']) is not None:
                return 'Recovery failed: a resource named %s already exists in %s.' % (target['name'], region)
        if letter == 'D' and inventory.find_table(account, region, target['name']) is not None:
            return 'Recovery failed: table %s already exists in %s.' % (target['name'], region)
        if letter == 'V' and values.get('attach_to'):
            if inventory.find(account, region, 'instances', values['attach_to']) is None:
                return 'Recovery failed: instance %s to attach to was not found in %s.' % (values['attach_to'], region)
        if letter == 'E' and values.get('target_efs') == 'O':
            if inventory.find(account, region, 'efs', recovery['source']) is None:
                return 'Recovery failed: the original file system %s no longer exists.' % recovery['source']
        if letter == 'I' and values.get('vpc_assign_ip'):
            for instance in inventory.region(account, region)['instances'].values():
                if instance.get('ip_address') == values['vpc_assign_ip']:
                    return 'Recovery failed: IP address %s is in use by %s.' % (values['vpc_assign_ip'], instance['aws_id'])
        return None

    def _materialise(self, recovery):
        """Recovered resources appear in the target account's AWS inventory (D27)."""
        inventory, snapshots = self.svc.inventory, self.svc.backups.snapshots
        target, values, letter = recovery['target'], recovery['values'], recovery['letter']
        record = snapshots.get(recovery['snapshot']) or {}
        account, region = target['account'], target['region']
        if account not in self.svc.accounts.accounts:
            return
        tags = {'Name': recovery['source_name'] or recovery['source']} if values.get('preserve_tags', True) else {}
        if letter == 'I':
            instances = [item for item in recovery['new'] if item[2] == 'instances']
            for new_id, _original, _kind, extra in instances:
                volumes = []
                for vol_id, vol_orig, kind, vextra in recovery['new']:
                    if kind == 'volumes' and vextra['number'] == extra['number']:
                        snap = snapshots.get(vextra['snap']) or {}
                        volumes.append({'aws_id': vol_id, 'device': snap.get('device'), 'size': snap.get('capacity', 8),
                                        'type': snap.get('type', 'gp3'), 'original': vol_orig})
                inventory.add_recovered(
                    account, region, 'instances', new_id, name=tags.get('Name') or new_id, tags=tags,
                    platform=record.get('platform', 'linux'),
                    instance_type=values.get('instance_type') or record.get('aws_instance_type') or 't3.medium',
                    ip_address=values.get('vpc_assign_ip'), key_name=values.get('key_pair') or record.get('aws_key_name'),
                    volumes=volumes)
            return
        for new_id, _original, kind, extra in recovery['new']:
            if kind == 'ami' or extra.get('original'):
                continue
            attrs = {}
            if letter == 'V':
                attrs = {'size': values.get('capacity') or record.get('capacity', 100),
                         'volume_type': values.get('aws_resource_type') or record.get('type', 'gp3'),
                         'zone': values.get('zone'), 'attached_to': values.get('attach_to'),
                         'device': values.get('device') if values.get('attach_to') else None}
            inventory.add_recovered(account, region, kind, new_id, name=new_id if letter in 'RACD' else (
                tags.get('Name') or new_id), tags=tags, **attrs)

    def _log(self, recovery, when, level, text):
        recovery['logs'].append(log_line(when, level, text))
        scenario = recovery.get('scenario')
        if scenario is not None and scenario.get('record') is not None:
            scenario['record']['logs'].append(log_line(when, level, 'Target %s: %s' % (recovery['source'], text)))

    # -- rendering (D25) ---------------------------------------------------------------------------
    def _progress(self, value):
        return value if self.svc.config['progress_percent_type'] == 'int' else [value]

    def recovered_ids(self, recovery):
        """``ID (original: ORIGINAL ID),...`` of the resources kept (D26)."""
        if recovery['dry_run']:
            return ''
        if recovery['status'] == 'P' and self.svc.config['recovered_ids_when'] == 'end':
            return ''
        return ','.join('%s (original: %s)' % (new_id, original) for new_id, original, _kind, _extra in recovery['new'])

    def render(self, recovery):
        """A recovery record as the seed shows it (plus the extended fields under the knob)."""
        backup = self.svc.backups.backups.get(recovery['backup_record'])
        scenario = recovery['scenario']
        out = {
            'account': recovery['account'],
            'backup_marked_for_deletion': bool(backup and backup['marked_for_deletion']),
            'backup_record': recovery['backup_record'], 'backup_time': iso(recovery['backup_time']),
            'frozen_item_name': (backup['name'] if backup['is_freezer_item'] else None) if backup
            else recovery['frozen_item_name'],
            'glacier_retrieve_status': {'progress_percent': self._progress(recovery['glacier_progress']),
                                        'status': recovery['glacier_status']},
            'id': recovery['id'], 'policy': recovery['policy'],
            'recovered_resource_ids': self.recovered_ids(recovery),
            'recovery_scenario_id': str(scenario['scenario_id']) if scenario else None,
            'recovery_scenario_name': scenario['scenario_name'] if scenario else None,
            'recovery_scenario_record': scenario['record_id'] if scenario else None,
            'recovery_scenario_record_dry_run_only': scenario['dry_run'] if scenario else None,
            'recovery_scenario_record_start_time': iso(scenario['start_time']) if scenario else None,
            'recovery_time': iso(recovery['begin']), 'recovery_type': recovery['letter'],
            's3_recover_status': {'progress_percent': self._progress(recovery['s3_progress']),
                                  'status': recovery['s3_status']},
            'status': recovery['status'], 'user': recovery['user'],
        }
        if self.svc.config['recovery_record_detail'] == 'extended':
            target = recovery['target']
            out.update(snapshot_record_id=recovery['snapshot'], snapshot_family=recovery['family'],
                       backed_up_resource_id=recovery['source'], target_account=target['account'],
                       target_region=target['region'], target_name=target['name'],
                       recover_from_s3=recovery['s3'])
        return str_ids(self.svc, out, RENDER_IDS)

    # -- /api/recoveries/ ---------------------------------------------------------------------------
    def visible(self, call, recovery_id):
        """A recovery record visible to the caller, or 404."""
        recovery = self.recoveries.get(recovery_id)
        if recovery is None or not call.can_see(recovery['user']):
            raise not_found()
        return recovery

    def list(self, call):
        """GET /api/recoveries/ (filters account, id, policy, recovery_scenario_record, status, user; ordering)"""
        items = [r for r in self.recoveries.values() if call.can_see(r['user'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda r: r['account'], 'int'), 'id': exact(lambda r: r['id'], 'int'),
                     'policy': exact(lambda r: r['policy'], 'int'),
                     'recovery_scenario_record': exact(lambda r: r['scenario']['record_id'] if r['scenario'] else None,
                                                       'int'),
                     'status': exact(lambda r: r['status']), 'user': exact(lambda r: r['user'], 'int')},
            ordering={'account': lambda r: r['account'], 'backup_time': lambda r: r['backup_time'],
                      'policy': lambda r: r['policy'],
                      'recovery_scenario_record': lambda r: r['scenario']['record_id'] if r['scenario'] else None,
                      'recovery_time': lambda r: r['begin'], 'recovery_type': lambda r: r['letter'],
                      'status': lambda r: r['status'], 'user': lambda r: r['user']})
        return page_response(call, items, self.render)

    def get(self, call):
        """GET /api/recoveries/{id}/"""
        return self.svc.respond(call, 200, self.render(self.visible(call, call.param_id())))

    def delete(self, call):
        """DELETE /api/recoveries/{id}/ -> 204 (a recovery in progress -> 400, D28)"""
        recovery = self.visible(call, call.param_id())
        if recovery['status'] == 'P':
            raise ApiError(400, {'non_field_errors': [('A recovery in progress cannot be deleted.', 'invalid')]})
        del self.recoveries[recovery['id']]
        return self.svc.respond(call, 204, None)

    def logs(self, call):
        """GET /api/recoveries/{id}/logs/ (JSON or text/csv)"""
        recovery = self.visible(call, call.param_id())
        return logs_response(call, recovery['logs'], 'recovery_%d_logs.csv' % recovery['id'])

    def abort(self, call):
        """POST /api/recoveries/{recovery_id}/recover_from_s3/abort/ -> 201, no body (G, then A; status F)"""
        recovery = self.visible(call, call.param_id('recovery_id'))
        if not recovery['s3']:
            raise ApiError(400, {'non_field_errors': [('This recovery is not a recovery from S3.', 'invalid')]})
        if recovery['status'] != 'P' or recovery['s3_status'] in ('G', 'A') or recovery['glacier_status'] in ('G', 'A'):
            raise ApiError(400, {'non_field_errors': [('No recovery from S3 is in progress for this recovery.',
                                                       'invalid')]})
        if recovery['glacier'] and recovery['glacier_status'] != 'S':
            recovery['glacier_status'] = 'G'
        else:
            recovery['s3_status'] = 'G'
        recovery['abort_at'] = call.now
        self._log(recovery, call.now, 'Warning', 'Abort of the recovery from S3 requested.')
        return Response(201, b'', 'application/json')

    # -- instance helpers (7.41-7.43) -------------------------------------------------------------------
    def _instance_record(self, call):
        backups = self.svc.backups
        backup = backups.visible(call, call.param_id('backup_id'))
        record = backups.snapshots.get(call.param_id('snapshot_id'))
        if record is None or record['backup'] != backup['id'] or record['family'] != 'instances':
            raise not_found()
        return backup, record

    def instance_ami(self, call):
        """GET .../snapshots/instances/{snapshot_id}/ami/ (the AMIs of the instance in this backup, else its image)"""
        backup, record = self._instance_record(call)
        account = self.svc.accounts.accounts.get(backup['account'])
        number = account['account_number'] if account else None
        images = [(ami['id'], ami['aws_image_id'], '%s AMI of %s' % (ami['family'], record['backed_up_resource_id']))
                  for ami in self._amis(backup, record)]
        if not images:
            images = [(record['id'], record['aws_image_id'], 'Image of %s' % record['backed_up_resource_id'])]
        items = [{'aws_hypervisor': 'xen', 'aws_image_id': image, 'aws_owner_alias': None, 'aws_owner_id': number,
                  'aws_region': record['region'], 'aws_virtualization_type': record.get('aws_virtualization_type'),
                  'description': text, 'id': rid, 'name': 'cpm-%s-%s' % (record['backed_up_resource_id'], backup['id']),
                  'root_device_name': record.get('aws_root_device'), 'root_device_type': 'ebs'}
                 for rid, image, text in images]
        return page_response(call, items, dict)

    @staticmethod
    def nics(record):
        """The additional network interfaces offered for an instance (deterministic)."""
        source = record['backed_up_resource_id']
        out = []
        for index in range(2):
            eni = 'eni-' + digest('eni', source, index)
            out.append({'display_name': '%s (10.0.%d.%d)' % (eni, 100 + index, int(digest(eni, length=2), 16) % 250 + 2),
                        'id': eni})
        return out

    def instance_nics(self, call):
        """GET .../snapshots/instances/{snapshot_id}/aws_additional_nics/"""
        return page_response(call, self.nics(self._instance_record(call)[1]), dict)

    def instance_similar(self, call):
        """GET .../snapshots/instances/{snapshot_id}/find_similar_ami/ (account, aws_region, exact_match)"""
        _backup, record = self._instance_record(call)
        region = call.q('aws_region') or record['region']
        if region not in REGION_BY_NAME:
            raise invalid('aws_region', '"%s" is not a valid choice.' % region, 'invalid_choice')
        account = call.q('account')
        if account:
            try:
                found = self.svc.accounts.accounts.get(int(account))
            except ValueError:
                found = None
            if found is None or not call.can_see(found['user']):
                raise invalid('account', 'Invalid pk "%s" - object does not exist.' % account, 'does_not_exist')
        base = record['aws_image_id']
        name = 'image-%s' % record['backed_up_resource_id']
        candidates = []
        if region == record['region']:
            candidates.append((base, name, 'E'))
        candidates += [('ami-' + digest(base, region, 'N'), name, 'N'),
                       ('ami-' + digest(base, region, 'A'), name + '-v2', 'A')]
        exact_only = (call.q('exact_match') or '').lower() in ('true', '1', 'yes')
        items = [{'aws_hypervisor': 'xen', 'aws_image_id': image, 'aws_region': region,
                  'aws_virtualization_type': record.get('aws_virtualization_type'),
                  'description': 'Image of %s' % record['backed_up_resource_id'], 'kernel_id': None,
                  'match_type': match, 'name': image_name, 'ramdisk_id': None,
                  'root_device_name': record.get('aws_root_device'), 'root_device_type': 'ebs'}
                 for image, image_name, match in candidates if not exact_only or match == 'E']
        return page_response(call, items, dict)

    # -- admin (D29) -------------------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'fail-next-recovery' and method == 'POST':
            return self._admin_plan(params)
        if action == 'recoveries' and method == 'GET':
            return {'running': sorted(self.running), 'planned': list(self.plans),
                    'recoveries': [self._admin_view(r) for r in self.recoveries.values()]}
        if action == 'add-backup' and method == 'POST':
            return self._admin_add_backup(params)
        return NotImplemented

    def _admin_view(self, recovery):
        view = dict((k, v) for k, v in recovery.items() if k not in ('logs', 'scenario'))
        view['new'] = [list(item[:3]) for item in recovery['new']]
        view['failed_new'] = [list(item[:3]) for item in recovery['failed_new']]
        view['logs'] = list(recovery['logs'])
        return json.loads(json.dumps(view, default=str))

    def _admin_plan(self, params):
        plan = {}
        status = params.get('status', 'F')
        if status not in ('R', 'A', 'F'):
            raise AdminError(400, 'status must be R, A or F')
        plan['status'] = status
        if 's3_recover_status' in params:
            if params['s3_recover_status'] not in ('S', 'V', 'R', 'F'):
                raise AdminError(400, 's3_recover_status must be S, V, R or F')
            plan['s3_recover_status'] = params['s3_recover_status']
        if params.get('recovery_type') is not None:
            if params['recovery_type'] not in TYPE_TEXT:
                raise AdminError(400, 'recovery_type must be one of %s' % ', '.join(sorted(TYPE_TEXT)))
            plan['recovery_type'] = params['recovery_type']
        if params.get('policy') is not None:
            try:
                plan['policy'] = int(params['policy'])
            except (TypeError, ValueError) as exc:
                raise AdminError(400, 'policy must be an id') from exc
        try:
            count = int(params.get('count', 1))
        except (TypeError, ValueError) as exc:
            raise AdminError(400, 'count must be an integer') from exc
        for _index in range(max(1, count)):
            self.plans.append(dict(plan))
        return {'ok': True, 'planned': list(self.plans)}

    def _admin_add_backup(self, params):
        """A finished backup of a policy, ``age_seconds`` old, with its snapshots (and DR/S3 copies as configured)."""
        try:
            policy = self.svc.policies.policies[int(params.get('policy'))]
        except (TypeError, ValueError, KeyError) as exc:
            raise AdminError(404, 'policy %s not found' % params.get('policy')) from exc
        status = params.get('status', 'B')
        if status not in ('B', 'A', 'S', 'F'):
            raise AdminError(400, 'status must be B, A, S or F')
        if not self.svc.targets.of_policy(policy['id']):
            raise AdminError(400, 'the policy has no targets')
        try:
            age = float(params.get('age_seconds', 60))
        except (TypeError, ValueError) as exc:
            raise AdminError(400, 'age_seconds must be a number') from exc
        now = time.time()
        backup = self.svc.backups.add_finished(policy, status, now - age, seconds=min(age, 120.0) * 0.5)
        for key in ('dr_end', 's3_end'):  # the DR and S3 phases ended by now, however young the backup
            if backup.get(key) is not None and backup[key] > now:
                backup[key] = now
        snapshots = self.svc.backups.snapshots
        for record_id in backup['snapshots']:
            if snapshots[record_id].get('end_time') is not None and snapshots[record_id]['end_time'] > now:
                snapshots[record_id]['end_time'] = now
        return {'ok': True, 'backup': self.svc.backups.render(backup), 'tracker_id': backup['tracker_id']}
