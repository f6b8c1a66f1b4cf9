#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpm_backup_info
short_description: List N2WS Backup & Recovery (CPM) backup records with their snapshots and logs
version_added: 0.1.0
description:
  - Returns CPM backup records (C(GET /api/backups/), API 1.1.0) selected with the seed's filters (policy, account,
    status, DR status, copy-to-S3 status, start date, tracker id, owner, the resources they backed up), newest first
    by default, optionally with their snapshots (per kind), logs and script logs.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  id:
    description:
      - Only the backup record with this id.
    type: int
  policy:
    description:
      - Only the backups of this policy (name or id).
    type: str
  account:
    description:
      - Only the backups of this backup account (name or id).
    type: str
  user:
    description:
      - Only the backups of this owner, a user id (or a user name, which only the root user may look up).
    type: str
  tracker_id:
    description:
      - Only the backup started with this tracker id (what M(backupdr.cloud.cpm_backup) returns as RV(backupdr.cloud.cpm_backup#module:tracker_id)).
    type: int
  status:
    description:
      - Only the backups with this status. The API's letters are accepted too (V(I), V(P), V(B), V(A), V(S), V(D),
        V(F), V(M), V(G)).
    type: str
    choices: [initializing, in_progress, successful, partially_successful, not_all_snapshots_succeeded,
              all_snapshots_deleted, failed, moved_to_s3, moved_to_glacier, I, P, B, A, S, D, F, M, G]
  dr_status:
    description:
      - Only the backups with this DR status (letters V(N), V(P), V(I), V(S), V(C), V(F) accepted too).
    type: str
    choices: [not_applicable, pending, in_progress, skipped, completed, failed, N, P, I, S, C, F]
  s3_copy_status:
    description:
      - Only the backups whose copy to S3 has this status (letters V(Z), V(I), V(P), V(S), V(V), V(F), V(G), V(A),
        V(R), V(X), V(D), V(K) accepted too).
    type: str
    choices: [not_started, initializing, in_progress, completed, all_valid_copied, failed, aborting, aborted,
              partially_copied, expired, all_snapshots_deleted, skipped, Z, I, P, S, V, F, G, A, R, X, D, K]
  start_time:
    description:
      - Only the backups that started at this time (an ISO 8601 date-time), or on this day (V(2026-11-30)), as the
        seed's exact C(start_time) filter does.
    type: str
  is_freezer_item:
    description:
      - Only the backups in the freezer (V(true)) or not in it (V(false)).
    type: bool
  search:
    description:
      - Only the backups whose name or description contain these words (the API's C(search)).
    type: str
  search_by:
    description:
      - Only the backups that backed up a resource, by the seed's C(search_by_*) filters (a full or partial AWS id
        or tag value, a table or bucket name).
    type: dict
    suboptions:
      instance:
        description: An EC2 instance id or tag value.
        type: str
      volume:
        description: An EBS volume id or tag value.
        type: str
      rds:
        description: An RDS database id or tag value.
        type: str
      aurora:
        description: An Aurora cluster id or tag value.
        type: str
      redshift:
        description: A Redshift cluster id.
        type: str
      dynamodb:
        description: A DynamoDB table name or tag value.
        type: str
      efs:
        description: An EFS id or tag value.
        type: str
      s3_sync:
        description: An S3 bucket name (API 1.5.0).
        type: str
  ordering:
    description:
      - The API's ordering; a field, C(-) first for descending, several separated by commas (account, dr_status,
        end_time, is_freezer_item, policy, s3_copy_status, start_time, status, user).
    type: str
    default: -start_time
  limit:
    description:
      - At most this many records (the first ones in O(ordering)); all when not set.
    type: int
  snapshots:
    description:
      - V(none), V(summary) (every snapshot record in one request, small schema with C(snapshot_type)), or
        V(detailed) (the records of every snapshot kind in its own schema, one request per kind; C(snapshots) is then
        a dictionary by kind).
    type: str
    choices: [none, summary, detailed]
    default: none
  logs:
    description:
      - Add each backup's log lines (C(GET /api/backups/{id}/logs/)).
    type: bool
    default: false
  script_logs:
    description:
      - Add each backup's script logs (API 1.4.0).
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cpm_backup
"""

EXAMPLES = r"""
- name: The last 5 backups, newest first, with their snapshots
  backupdr.cloud.cpm_backup_info:
    limit: 5
    snapshots: summary
  register: recent

- name: Failed backups of today, with their logs
  backupdr.cloud.cpm_backup_info:
    status: failed
    start_time: "{{ now(utc=true, fmt='%Y-%m-%d') }}"
    logs: true

- name: The last backup that included an instance
  backupdr.cloud.cpm_backup_info:
    search_by:
      instance: i-37182662be9c663f7
    limit: 1
"""

RETURN = r"""
backups:
  description:
    - The backup records, as M(backupdr.cloud.cpm_backup) returns one (statuses readable, letters in C(*_code)), with
      C(snapshots), C(snapshot_counts), C(logs) and C(script_logs) when asked.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 41
      name: web
      policy: 2
      account: 1
      status: successful
      status_code: B
      status_text: Backup Successful
      dr_status: completed
      dr_status_code: C
      start_time: "2026-11-30T07:40:01.000000Z"
      end_time: "2026-11-30T07:41:12.000000Z"
      is_recoverable: true
count:
  description: The number of records returned.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.backups import Backups, backup_view, snapshot_counts
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import BACKUP_STATUS, DR_STATUS, S3_STATUS
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import parse_datetime
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_number

SEARCH_BY = {'instance': 'search_by_instance', 'volume': 'search_by_volume', 'rds': 'search_by_rds',
             'aurora': 'search_by_aurora', 'redshift': 'search_by_redshift', 'dynamodb': 'search_by_dynamo_db',
             'efs': 'search_by_efs', 's3_sync': 'search_by_s3_sync'}


def argument_spec():
    return cpm_argument_spec(
        id=dict(type='int'),
        policy=dict(type='str'),
        account=dict(type='str'),
        user=dict(type='str'),
        tracker_id=dict(type='int'),
        status=dict(type='str', choices=BACKUP_STATUS.choices()),
        dr_status=dict(type='str', choices=DR_STATUS.choices()),
        s3_copy_status=dict(type='str', choices=S3_STATUS.choices()),
        start_time=dict(type='str'),
        is_freezer_item=dict(type='bool'),
        search=dict(type='str'),
        search_by=dict(type='dict', options=dict((key, dict(type='str')) for key in SEARCH_BY)),
        ordering=dict(type='str', default='-start_time'),
        limit=dict(type='int'),
        snapshots=dict(type='str', choices=['none', 'summary', 'detailed'], default='none'),
        logs=dict(type='bool', default=False),
        script_logs=dict(type='bool', default=False),
    )


def run(module):
    params = module.params
    limit = check_number(params.get('limit'), 'limit', minimum=1, integer=True)
    if params.get('start_time'):
        try:
            parse_datetime(params['start_time'])
        except ValueError as exc:
            raise ValidationError('start_time', str(exc))
    client = CPMClient(params, warn=module.warn)
    client.require('backups')
    if params['script_logs']:
        client.require('script_logs', 'script_logs')
    if (params.get('search_by') or {}).get('s3_sync'):
        client.require('targets_s3syncs', 'search_by.s3_sync')
    refs = Refs(client)
    query = {'ordering': params.get('ordering') or None, 'search': params.get('search') or None}
    for option, code in (('status', BACKUP_STATUS), ('dr_status', DR_STATUS), ('s3_copy_status', S3_STATUS)):
        if params.get(option):
            query[option] = code.to_api(params[option], option)
    for option in ('id', 'tracker_id', 'start_time'):
        if params.get(option) not in (None, ''):
            query[option] = params[option]
    if params.get('is_freezer_item') is not None:
        query['is_freezer_item'] = 'true' if params['is_freezer_item'] else 'false'
    if params.get('policy') not in (None, ''):
        policy = refs.policy(params['policy'], 'policy')
        query['policy'] = policy['id']
    if params.get('account') not in (None, ''):
        query['account'] = refs.account_id(params['account'], 'account')
    if params.get('user') not in (None, ''):
        query['user'] = refs.user_id(params['user'], 'user')
    for key, value in (params.get('search_by') or {}).items():
        if value not in (None, ''):
            query[SEARCH_BY[key]] = value
    backups = Backups(client)
    page = min(limit, 500) if limit else 500
    records = client.list('backups/', query, feature='backups', limit=limit, page_size=page)
    out = []
    for record in records:
        view = backup_view(record)
        if params['snapshots'] == 'summary':
            view['snapshots'] = backups.snapshots(record['id'])
            view['snapshot_counts'] = snapshot_counts(view['snapshots'])
        elif params['snapshots'] == 'detailed':
            view['snapshots'] = backups.snapshots_detailed(record['id'])
            view['snapshot_counts'] = dict((family, len(items)) for family, items in view['snapshots'].items())
        if params['logs']:
            view['logs'] = backups.logs(record['id'])
        if params['script_logs']:
            view['script_logs'] = backups.script_logs(record['id'])
        out.append(view)
    client.finish(module)
    module.exit_json(changed=False, backups=out, count=len(out))


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
