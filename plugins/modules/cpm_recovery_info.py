#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET recoveries/ status (and every filter of the list)
# api: GET recoveries/{id}/logs/ logs=true

DOCUMENTATION = r"""
module: cpm_recovery_info
short_description: List N2WS Backup & Recovery (CPM) recovery records with their logs
version_added: 0.2.0
description:
  - Returns CPM recovery records (C(GET /api/recoveries/)) selected with the API's filters (id, policy, account,
    owner, status, the recovery scenario run that made them) and the module's own (the backup recovered from, the
    kind), newest first by default, optionally with each record's log.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  id:
    description:
      - Only the recovery record with this id.
    type: int
  policy:
    description:
      - Only the recoveries from backups of this policy (name or id).
    type: str
  account:
    description:
      - Only the recoveries of this backup account (name or id).
    type: str
  user:
    description:
      - Only the recoveries of this owner, a user id (or a user name, which only the root user may look up).
    type: str
  status:
    description:
      - Only the recoveries with this status (the API's letters V(P), V(R), V(A), V(F) accepted too).
    type: str
    choices: [in_progress, successful, partially_successful, failed, P, R, A, F]
  scenario_record:
    description:
      - Only the recoveries made by this run of a recovery scenario (its record id).
    type: int
  backup:
    description:
      - Only the recoveries from this backup record (filtered by the module).
    type: int
  kind:
    description:
      - Only the recoveries of this kind (filtered by the module; letters accepted too).
    type: str
    choices: [instance, volume, rds_database, rds_cluster, redshift_cluster, dynamodb_table, efs, I, V, R, A, C, D, E]
  ordering:
    description:
      - The API's ordering; a field, C(-) first for descending, several separated by commas (account, backup_time,
        policy, recovery_scenario_record, recovery_time, recovery_type, status, user).
    type: str
    default: -recovery_time
  limit:
    description:
      - At most this many records (the first ones in O(ordering)); all when not set.
    type: int
  logs:
    description:
      - Add each record's log lines (C(GET /api/recoveries/{id}/logs/)) under C(log).
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cpm_recovery
"""

EXAMPLES = r"""
- name: The last 10 recoveries
  backupdr.cloud.cpm_recovery_info:
    limit: 10
  register: recent

- name: Failed recoveries of account main, with their logs
  backupdr.cloud.cpm_recovery_info:
    account: main
    status: failed
    logs: true
  register: failed
"""

RETURN = r"""
recoveries:
  description:
    - The recovery records, with C(status) and C(recovery_type) readable (letters in C(status_code) and
      C(recovery_type_code)), the S3 and Glacier phases readable with C(progress_percent) as an integer,
      C(recovered_resources) (the C(recovered_resource_ids) as C({id, original})) and, with O(logs), C(log).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 7
      backup_record: 41
      status: successful
      status_code: R
      recovery_type: volume
      recovered_resources: [{id: vol-0f1e2d3c4b5a69788, original: vol-ac572e225cd6e9379}]
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import RECOVERY_STATUS, RECOVERY_TYPE
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.recoveries import Recoveries, recovery_view
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, pattern, matches

ORDERING_RE = pattern(r'-?[a-z_]+(,-?[a-z_]+)*')


def argument_spec():
    return cpm_argument_spec(
        id=dict(type='int'),
        policy=dict(type='str'),
        account=dict(type='str'),
        user=dict(type='str'),
        status=dict(type='str', choices=RECOVERY_STATUS.choices()),
        scenario_record=dict(type='int'),
        backup=dict(type='int'),
        kind=dict(type='str', choices=RECOVERY_TYPE.choices()),
        ordering=dict(type='str', default='-recovery_time'),
        limit=dict(type='int'),
        logs=dict(type='bool', default=False),
    )


def run(module):
    params = module.params
    if not matches(ORDERING_RE, params['ordering'] or ''):
        raise ValidationError('ordering', '%r is not a field list such as -recovery_time or status,-backup_time'
                              % params['ordering'])
    if params.get('limit') is not None and params['limit'] < 1:
        raise ValidationError('limit', 'must be at least 1')
    status = RECOVERY_STATUS.to_api(params.get('status'), 'status')
    letter = RECOVERY_TYPE.to_api(params.get('kind'), 'kind')
    client = CPMClient(params, warn=module.warn)
    client.require('recoveries')
    refs = Refs(client, module)
    query = {'ordering': params['ordering'], 'status': status, 'id': params.get('id'),
             'recovery_scenario_record': params.get('scenario_record')}
    if params.get('policy'):
        policy = refs.policy(params['policy'], 'policy')
        query['policy'] = as_id(policy['id']) if policy else -1
    if params.get('account'):
        query['account'] = refs.account_id(params['account'], 'account')
    if params.get('user'):
        query['user'] = refs.user_id(params['user'], 'user')
    out = []
    limit = params.get('limit')
    for record in client.pages('recoveries/', query, feature='recoveries'):
        if params.get('backup') is not None and as_id(record.get('backup_record')) != params['backup']:
            continue
        if letter and record.get('recovery_type') != letter:
            continue
        view = recovery_view(record)
        if params['logs']:
            view['log'] = Recoveries(client).logs(record['id'])
        out.append(view)
        if limit is not None and len(out) >= limit:
            break
    client.finish(module)
    module.exit_json(changed=False, recoveries=out)


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
