#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: DELETE accounts/backup/{id}/snapshots/ account (account_type=backup)
# api: DELETE accounts/dr/{id}/snapshots/ account (account_type=dr)
# api: DELETE accounts/{id}/snapshots/ account (without account_type, API 1.3.0)
# api: DELETE policies/{id}/snapshots/ policy (before API 1.3.0)
# api: DELETE policies/{id}/snapshots/native/ policy
# api: DELETE policies/{id}/snapshots/s3/ include_s3=true
# api: DELETE backups/{backup_id}/snapshots/ backup
# api: DELETE backups/{backup_id}/snapshots/dr_efs/{id}/ snapshot_id (kind=dr_efs)
# api: DELETE backups/{backup_id}/snapshots/dr_initial_amis/{id}/ snapshot_id (kind=dr_initial_amis)
# api: DELETE backups/{backup_id}/snapshots/dr_rds_clusters/{id}/ snapshot_id (kind=dr_rds_clusters)
# api: DELETE backups/{backup_id}/snapshots/dr_rds_databases/{id}/ snapshot_id (kind=dr_rds_databases)
# api: DELETE backups/{backup_id}/snapshots/dr_volumes/{id}/ snapshot_id (kind=dr_volumes)
# api: DELETE backups/{backup_id}/snapshots/dynamodb_tables/{id}/ snapshot_id (kind=dynamodb_tables)
# api: DELETE backups/{backup_id}/snapshots/efs/{id}/ snapshot_id (kind=efs)
# api: DELETE backups/{backup_id}/snapshots/initial_amis/{id}/ snapshot_id (kind=initial_amis)
# api: DELETE backups/{backup_id}/snapshots/only_amis/{id}/ snapshot_id (kind=only_amis)
# api: DELETE backups/{backup_id}/snapshots/only_dr_amis/{id}/ snapshot_id (kind=only_dr_amis)
# api: DELETE backups/{backup_id}/snapshots/rds_clusters/{id}/ snapshot_id (kind=rds_clusters)
# api: DELETE backups/{backup_id}/snapshots/rds_databases/{id}/ snapshot_id (kind=rds_databases)
# api: DELETE backups/{backup_id}/snapshots/redshift_clusters/{id}/ snapshot_id (kind=redshift_clusters)
# api: DELETE backups/{backup_id}/snapshots/volumes/{id}/ snapshot_id (kind=volumes)

DOCUMENTATION = r"""
module: cpm_snapshot_cleanup
short_description: Delete N2WS Backup & Recovery (CPM) snapshots of an account, a policy, a backup, or one snapshot
version_added: 0.2.0
description:
  - Deletes backup data in CPM - the snapshots of an O(account) (backup or DR account), of a O(policy) (native
    snapshots, or with O(include_s3) also the copies in S3 and Glacier), of one O(backup), or one snapshot record
    (O(backup), O(kind) and O(snapshot_id)).
  - B(Destructive), so O(confirm_delete=true) is required (checked before any request, also in check mode).
  - First works out exactly which snapshot records would go (RV(snapshots); with C(--diff) they are the diff's
    C(before)); check mode stops there. Then one delete of the scope is sent, only when something would go.
    Running the task again finds nothing left and reports V(changed=false).
  - "The scopes: one snapshot, C(DELETE /api/backups/{id}/snapshots/<kind>/{id}/); a backup,
    C(DELETE /api/backups/{id}/snapshots/) (every snapshot, copies in S3 included); a policy,
    C(DELETE /api/policies/{id}/snapshots/native/) (API 1.3.0; C(snapshots/) before) or C(.../snapshots/s3/) with
    O(include_s3); an account, C(DELETE /api/accounts/{id}/snapshots/) (API 1.3.0), or with O(account_type)
    C(/api/accounts/backup/{id}/snapshots/) or C(/api/accounts/dr/{id}/snapshots/) (the snapshots held in it; for a
    backup account those of its backups, minus DR copies held in another account; for a DR account the DR copies
    held in it)."
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  account:
    description:
      - Delete the snapshots held in this account (name or id).
    type: str
  account_type:
    description:
      - Whether O(account) is a V(backup) or a V(dr) account; by default the kind the name or id is found as.
      - With it, the delete goes to that kind's endpoint; without it, to the endpoint of accounts of either kind
        (API 1.3.0; before that, the kind's own).
    type: str
    choices: [backup, dr]
  policy:
    description:
      - Delete the snapshots of every backup of this policy (name or id).
    type: str
  include_s3:
    description:
      - With O(policy), also the copies in S3 and the Glacier archives (C(snapshots/s3/), API 1.3.0).
    type: bool
    default: false
  backup:
    description:
      - Delete the snapshots of this backup record (every snapshot, copies in S3 included), or with O(snapshot_id)
        one of them.
    type: int
  kind:
    description:
      - With O(snapshot_id), the kind (family) of the snapshot record, as in C(GET /api/backups/{id}/snapshots/<kind>/).
    type: str
    choices: [dr_efs, dr_initial_amis, dr_rds_clusters, dr_rds_databases, dr_volumes, dynamodb_tables, efs,
              initial_amis, only_amis, only_dr_amis, rds_clusters, rds_databases, redshift_clusters, volumes]
  snapshot_id:
    description:
      - The id of one snapshot record of O(backup) to delete (with O(kind)).
    type: int
  confirm_delete:
    description:
      - Must be V(true); deleted snapshots cannot be recovered from.
    type: bool
    default: false
notes:
  - A delegate needs C(allow_backup_changes) (and C(allow_account_changes) for an account's snapshots). CPM documents
    an HTTP 500 for the account deletes; the request is repeated (a delete of what is gone changes nothing).
seealso:
  - module: backupdr.cloud.cpm_backup_info
  - module: backupdr.cloud.cpm_freezer
"""

EXAMPLES = r"""
- name: A policy with a volume
  backupdr.cloud.cpm_policy:
    name: scratch
    account: main

- name: Its target
  backupdr.cloud.cpm_policy_targets:
    policy: scratch
    targets:
      - {kind: volume, region: us-east-1, id: vol-39dce1fe243ad0051}

- name: A backup
  backupdr.cloud.cpm_backup:
    policy: scratch

- name: What would go if the policy's native snapshots were deleted?
  backupdr.cloud.cpm_snapshot_cleanup:
    policy: scratch
    confirm_delete: true
  check_mode: true
  register: would_go

- name: Delete them
  backupdr.cloud.cpm_snapshot_cleanup:
    policy: scratch
    confirm_delete: true
"""

RETURN = r"""
snapshots:
  description:
    - The snapshot records deleted (or that would be, in check mode), each with C(backup), C(snapshot_record),
      C(snapshot_type), C(resource), C(region) and, when CPM shows them, C(family) and C(snapshot_id). Empty when
      nothing was left to delete.
  returned: always
  type: list
  elements: dict
  sample: [{backup: 41, snapshot_record: 301, snapshot_type: ebs, resource: vol-0a1b2c3d4e5f60718, region: us-east-1}]
backups:
  description: The ids of the backup records that lost snapshots.
  returned: always
  type: list
  elements: int
  sample: [41, 42]
request:
  description: The delete request sent (or that would be), C(METHOD path).
  returned: always
  type: str
  sample: DELETE policies/2/snapshots/native/
diff:
  description: With C(--diff), C(before) lists the snapshot records that go, C(after) none.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec, is_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.snapshots import DELETABLE, Preview, item, live
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def argument_spec():
    return cpm_argument_spec(
        account=dict(type='str'),
        account_type=dict(type='str', choices=['backup', 'dr']),
        policy=dict(type='str'),
        include_s3=dict(type='bool', default=False),
        backup=dict(type='int'),
        kind=dict(type='str', choices=list(DELETABLE)),
        snapshot_id=dict(type='int'),
        confirm_delete=dict(type='bool', default=False),
    )


def scope_of(params):
    given = [name for name in ('account', 'policy', 'backup') if params.get(name) not in (None, '')]
    if len(given) != 1:
        raise ValidationError('account', 'give exactly one of account, policy and backup (the scope of the delete)%s' % (
            '; got %s' % ', '.join(given) if given else ''))
    scope = given[0]
    if params.get('snapshot_id') is not None or params.get('kind'):
        if scope != 'backup' or params.get('snapshot_id') is None or not params.get('kind'):
            raise ValidationError('snapshot_id', 'one snapshot is chosen with backup, kind and snapshot_id together')
        scope = 'snapshot'
    if params['include_s3'] and scope != 'policy':
        raise ValidationError('include_s3', 'applies to a policy\'s snapshots only (a backup\'s delete takes its copies '
                              'in S3 too)')
    if params.get('account_type') and scope != 'account':
        raise ValidationError('account_type', 'applies to account only')
    if not params['confirm_delete']:
        raise ValidationError('confirm_delete', 'deleting snapshots destroys backups that cannot be recovered from; '
                              'set confirm_delete=true (check mode then shows exactly what would go)')
    return scope


def account_ref(client, ref, kind):
    """``(id, kind)`` of a backup or DR account."""
    kinds = [kind] if kind else ['backup', 'dr']
    for candidate in kinds:
        if is_id(ref):
            if client.get_or_none('accounts/%s/%d/' % (candidate, as_id(ref)), feature='accounts') is not None:
                return as_id(ref), candidate
        else:
            found = [a for a in client.list('accounts/%s/' % candidate, {'name': str(ref)}, feature='accounts')
                     if a.get('name') == str(ref)]
            if len(found) > 1:
                raise ValidationError('account', '%d accounts are named %r (ids %s); give the id' % (
                    len(found), ref, ', '.join(str(a.get('id')) for a in found)))
            if found:
                return as_id(found[0]['id']), candidate
    raise ValidationError('account', 'no %s account is %s %s' % (
        ' or '.join(kinds), 'numbered' if is_id(ref) else 'named', ref))


def run(module):
    params = module.params
    scope = scope_of(params)
    client = CPMClient(params, warn=module.warn)
    preview = Preview(client)
    if scope == 'snapshot':
        backup = client.get_or_none('backups/%d/' % params['backup'], feature='backups')
        if backup is None:
            raise ValidationError('backup', 'no backup record has the id %s' % params['backup'])
        path = 'backups/%d/snapshots/%s/%d/' % (params['backup'], params['kind'], params['snapshot_id'])
        feature = 'snapshots_%s' % params['kind']
        record = client.get_or_none(path, feature=feature)
        if record is None:
            raise ValidationError('snapshot_id', 'backup %s has no %s snapshot record %s' % (
                params['backup'], params['kind'], params['snapshot_id']))
        going = [item(backup, record, params['kind'])] if live(record) else []
    elif scope == 'backup':
        client.require('snapshots', 'backup')
        backup = client.get_or_none('backups/%d/' % params['backup'], feature='backups')
        if backup is None:
            raise ValidationError('backup', 'no backup record has the id %s' % params['backup'])
        path, feature = 'backups/%d/snapshots/' % params['backup'], 'backup_snapshots_delete'
        going = preview.of_backup(backup)
    elif scope == 'policy':
        client.require('snapshots', 'policy')
        policy = Refs(client, module).policy(params['policy'], 'policy')
        if policy is None:
            raise ValidationError('policy', 'no policy is named %s' % params['policy'])
        pid = as_id(policy['id'])
        if params['include_s3']:
            path, feature = 'policies/%d/snapshots/s3/' % pid, 'policy_snapshots_s3'
        elif client.has('policy_snapshots_native'):
            path, feature = 'policies/%d/snapshots/native/' % pid, 'policy_snapshots_native'
        else:
            path, feature = 'policies/%d/snapshots/' % pid, 'policy_snapshots_delete'
        client.require(feature, 'include_s3' if params['include_s3'] else 'policy')
        going = preview.of_policy(pid, params['include_s3'])
    else:
        client.require('snapshots', 'account')
        account, kind = account_ref(client, params['account'], params.get('account_type'))
        if params.get('account_type') or not client.has('account_snapshots_generic'):
            path, feature = 'accounts/%s/%d/snapshots/' % (kind, account), 'account_snapshots_delete'
        else:
            path, feature = 'accounts/%d/snapshots/' % account, 'account_snapshots_generic'
        going = preview.of_backup_account(account) if kind == 'backup' else preview.of_dr_account(account)
    backups = sorted(set(entry['backup'] for entry in going))
    result = dict(changed=bool(going), snapshots=going, backups=backups, request='DELETE %s' % path)
    if going and module._diff:
        result['diff'] = dict(before=dict(snapshots=going), after=dict(snapshots=[]))
    if going and not module.check_mode:
        deleted = client.delete(path, feature=feature, perm='account' if scope == 'account' else 'backup')
        if not deleted and scope == 'snapshot':
            result['changed'] = False  # gone meanwhile (404)
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
