# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What CPM protects: the policies' targets as resources, with their policies, schedules and last backups.

Used by the inventory plugin (one host per resource) and by ``cpm_policy_info``
(which policies protect a resource).  Reads, per run: the backup accounts, the
policies, the schedules, then per policy its targets (the generic list, 1.1.0,
one request; per kind when an item's kind cannot be told, or before 1.1.0) and
its latest backup records (one request, a second one when the latest
successful backup is older than the first page).  The per-policy reads run in
parallel (``workers``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import (
    BACKUP_FAILED, BACKUP_PARTIAL, BACKUP_RUNNING, BACKUP_STATUS, BACKUP_SUCCESS,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.backups import record_time
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.targets import KINDS, PolicyTargets, target_view

try:
    from concurrent.futures import ThreadPoolExecutor
except ImportError:  # pragma: no cover - Python 2
    ThreadPoolExecutor = None

#: Backup records read per policy to find the latest and the latest successful one.
BACKUP_PAGE = 10
#: Keys of a target kept in a resource's view (besides the identity), when the target has them.
DETAIL_KEYS = ('state', 'status', 'platform', 'aws_resource_type', 'image_id', 'engine', 'aws_resource_class',
               'storage', 'capacity', 'zone', 'encrypted', 'node_type', 'nodes', 'table_arn', 'size_in_bytes',
               'root_device_type', 'destination_bucket_name', 'multi_az')


def resource_identity(kind, item):
    """``(aws id, display name)`` of a target's resource."""
    if kind.name == 's3_sync':
        return str(item.get('name') or ''), item.get('name')
    if kind.name == 'dynamodb_table':
        name = item.get('aws_resource_name')
        return str(item.get('aws_resource_id') or name or ''), name
    return str(item.get('aws_resource_id') or ''), item.get('name') or None


def policy_targets(client, policy_id, kinds=None):
    """``[(kind, target)]`` of a policy; ``kinds``: names of the kinds wanted (None: all)."""
    reader = PolicyTargets(client, policy_id)
    wanted = [KINDS[name] for name in (kinds or sorted(KINDS))]
    if client.has('targets_all'):
        items = reader.read_all()
        if items is not None:
            names = set(k.name for k in wanted)
            return [(kind, item) for kind, item in items if kind.name in names]
    out = []
    for kind in wanted:
        if reader.available(kind):
            out.extend((kind, item) for item in reader.read(kind))
    return out


def policy_backups(client, policy_id):
    """``(latest record, latest successful record)`` of a policy (None when there is none)."""
    if not client.has('backups'):
        return None, None
    records = client.list('backups/', {'policy': as_id(policy_id), 'ordering': '-start_time'}, feature='backups',
                          limit=BACKUP_PAGE, page_size=BACKUP_PAGE)
    latest = records[0] if records else None
    success = None
    for record in records:
        if record.get('status') in BACKUP_SUCCESS:
            success = record
            break
    if success is None and len(records) >= BACKUP_PAGE:
        found = client.list('backups/', {'policy': as_id(policy_id), 'ordering': '-start_time', 'status': 'B'},
                            feature='backups', limit=1, page_size=1)
        success = found[0] if found else None
    return latest, success


def backup_summary(record):
    if not record:
        return None
    status = record.get('status')
    return dict(id=record.get('id'), policy=record.get('policy'), status=BACKUP_STATUS.readable(status),
                status_code=status, start_time=record.get('start_time'), end_time=record.get('end_time'))


def health(latest, success, max_age_hours, now=None):
    """``ok`` (a successful backup within ``max_age_hours``), ``failed`` (else, the latest ended failed or partial),
    ``running`` (else, one runs), ``stale`` (else, an older successful one exists) or ``never``."""
    now = time.time() if now is None else now
    when = record_time(success, 'start_time') if success else None
    if when is not None and (max_age_hours is None or now - when <= max_age_hours * 3600.0):
        return 'ok'
    if latest is not None and latest.get('status') in BACKUP_FAILED + BACKUP_PARTIAL:
        return 'failed'
    if latest is not None and latest.get('status') in BACKUP_RUNNING:
        return 'running'
    if success is not None:
        return 'stale'
    return 'never'


def age_hours(record, now=None):
    """Hours since a backup started (its point in time), or None."""
    when = record_time(record, 'start_time') if record else None
    if when is None:
        return None
    return round(((time.time() if now is None else now) - when) / 3600.0, 2)


def _map(function, items, workers):
    if workers and workers > 1 and ThreadPoolExecutor is not None and len(items) > 1:
        with ThreadPoolExecutor(max_workers=min(workers, len(items))) as pool:
            return list(pool.map(function, items))
    return [function(item) for item in items]


def protected_resources(client, policies=None, accounts=None, kinds=None, backups=True, workers=8,
                        max_age_hours=24.0, now=None):
    """Every resource that is a target of a policy, merged across policies (see the module docstring).

    ``policies``: the policy objects to walk (None: every visible policy); ``accounts``: ``{id: account}``
    (None: read); ``kinds``: target kinds (None: all).
    """
    if accounts is None:
        accounts = dict((as_id(a['id']), a) for a in client.list('accounts/backup/', feature='accounts'))
    if policies is None:
        policies = client.list('policies/', feature='policies')
    schedules = dict((as_id(s['id']), s.get('name')) for s in client.list('schedules/', feature='schedules')) \
        if any(p.get('schedules') for p in policies) else {}

    def per_policy(policy):
        pid = as_id(policy['id'])
        targets = policy_targets(client, pid, kinds)
        latest, success = policy_backups(client, pid) if backups and targets else (None, None)
        return policy, targets, latest, success

    resources = {}
    order = []
    for policy, targets, latest, success in _map(per_policy, list(policies), workers):
        account = accounts.get(as_id(policy.get('account'))) or {}
        pid = as_id(policy['id'])
        for kind, item in targets:
            aws_id, name = resource_identity(kind, item)
            region = item.get('aws_region')
            key = (as_id(policy.get('account')), region, kind.name, aws_id)
            res = resources.get(key)
            if res is None:
                res = dict(kind=kind.name, aws_id=aws_id, name=name, region=region,
                           account_id=as_id(policy.get('account')), account=account.get('name'),
                           account_number=account.get('account_number'), policies=[], policy_ids=[], schedules=[],
                           tagged=False, target_ids=[], _latest=[], _success=[])
                for detail in DETAIL_KEYS:
                    if item.get(detail) is not None:
                        res[detail] = item[detail]
                view = target_view(kind, item)
                for key_name in ('which_volumes', 'ami_backup_option'):
                    if key_name in view:
                        res[key_name] = view[key_name]
                resources[key] = res
                order.append(key)
            res['tagged'] = res['tagged'] or bool(item.get('tagged'))
            if pid not in res['policy_ids']:
                res['policies'].append(policy.get('name'))
                res['policy_ids'].append(pid)
                res['target_ids'].append(as_id(item.get('id')))
            for sid in policy.get('schedules') or ():
                name_of = schedules.get(as_id(sid), str(sid))
                if name_of not in res['schedules']:
                    res['schedules'].append(name_of)
            if latest:
                res['_latest'].append(latest)
            if success:
                res['_success'].append(success)
    out = []
    for key in order:
        res = resources.pop(key)
        latest = _newest(res.pop('_latest'))
        success = _newest(res.pop('_success'))
        if backups:
            res.update(backup_fields(latest, success))
            res['backup_age_hours'] = age_hours(success, now)
            res['backup_health'] = health(latest, success, max_age_hours, now)
        out.append(res)
    return out


def backup_fields(latest, success):
    """The last backups of a resource as flat keys (host variables are cheaper flat)."""
    return dict(last_backup_id=(latest or {}).get('id'), last_backup_policy_id=(latest or {}).get('policy'),
                last_backup_status=BACKUP_STATUS.readable((latest or {}).get('status')),
                last_backup_status_code=(latest or {}).get('status'),
                last_backup_time=(latest or {}).get('start_time'),
                last_successful_backup_id=(success or {}).get('id'),
                last_successful_backup_time=(success or {}).get('start_time'))


def flat_health(view, max_age_hours, now=None):
    """``(backup_health, backup_age_hours)`` from a resource's flat backup fields (a cached entry, at any time)."""
    latest = {'status': view.get('last_backup_status_code'), 'start_time': view.get('last_backup_time')} \
        if view.get('last_backup_id') is not None else None
    success = {'start_time': view.get('last_successful_backup_time')} \
        if view.get('last_successful_backup_id') is not None else None
    return health(latest, success, max_age_hours, now), age_hours(success, now)


def _newest(records):
    best, best_time = None, None
    for record in records:
        when = record_time(record, 'start_time')
        if best is None or (when is not None and (best_time is None or when > best_time)):
            best, best_time = record, when
    return best


def matches_resource(resource, refs):
    """Whether a resource is one of ``refs`` (AWS ids or names)."""
    wanted = set(str(r) for r in refs)
    return resource.get('aws_id') in wanted or (resource.get('name') is not None and resource['name'] in wanted)
