#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpm_backup
short_description: Back up an N2WS Backup & Recovery (CPM) policy now and wait for the backup
version_added: 0.1.0
description:
  - Starts a backup of a CPM policy now (C(POST /api/policies/{id}/backups/), which answers with a tracker id), finds
    its backup record (C(GET /api/backups/?tracker_id=...)) and, with O(wait=true), waits until the record reaches a
    final status; returns the record with its snapshots.
  - A successful backup ends the task; a partial one (C(partially_successful), C(not_all_snapshots_succeeded)) fails
    it unless O(fail_on_partial=false); a failed one fails it. O(wait_for_dr) and O(wait_for_s3_copy) also wait for
    the DR copy and the copy to S3 that follow the backup.
  - Usable as the step before a risky change; with O(skip_if_newer_than), a policy that has a successful backup
    younger than that is not backed up again (V(changed=false), RV(reused)).
  - When a backup of the policy is already running, the module follows that one instead of starting another (CPM
    refuses a second one with 412), unless O(attach=false).
  - CPM answers 412 when the policy cannot be backed up; the module then reads the policy and says why (disabled, no
    target).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  policy:
    description:
      - The policy to back up (name or id).
    type: str
    required: true
  fail_on_partial:
    description:
      - Fail when the backup ends partially (some snapshots failed, or scripts failed), or when a DR copy or copy to S3
        waited for fails.
    type: bool
    default: true
  skip_if_newer_than:
    description:
      - Do not back up when the policy's latest successful backup started less than this long ago; a duration in
        seconds, or with a unit, V(30m), V(2h), V(1d), V(1w).
      - The age is measured with this host's clock against the start time CPM records (UTC).
    type: str
  attach:
    description:
      - When a backup of the policy is already running, follow it instead of starting a new one.
      - With V(false), a running backup makes CPM refuse the request (412) and the task fails.
    type: bool
    default: true
  wait_for_dr:
    description:
      - Also wait until the DR copy of the backup (when the policy has DR) has ended.
    type: bool
    default: false
  wait_for_s3_copy:
    description:
      - Also wait until the copy to S3 (when the policy copies to S3) has ended.
    type: bool
    default: false
  snapshots:
    description:
      - Return the backup's snapshot records (one request, C(GET /api/backups/{id}/snapshots/)) once it has ended.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the backup when O(wait=true). When the time is up the task fails and the backup goes on;
        running the task again follows it.
    type: int
    default: 3600
notes:
  - Following a backup needs API 1.1.0 (the backup records); with an older O(api_version) use O(wait=false).
seealso:
  - module: backupdr.cloud.cpm_backup_info
  - module: backupdr.cloud.cpm_policy
  - module: backupdr.cloud.cpm_policy_info
"""

EXAMPLES = r"""
- name: A policy protecting a volume
  backupdr.cloud.cpm_policy:
    name: web
    account: main

- name: Its target
  backupdr.cloud.cpm_policy_targets:
    policy: web
    targets:
      - {kind: volume, region: us-east-1, id: vol-ac572e225cd6e9379}

- name: Back up policy web before the upgrade, unless it was backed up in the last hour
  backupdr.cloud.cpm_backup:
    policy: web
    skip_if_newer_than: 1h
  register: pre_change

- name: Show the backup
  ansible.builtin.debug:
    msg: "backup {{ pre_change.backup.id }} {{ pre_change.backup.status }}, {{ pre_change.backup.snapshots | length }} snapshots"

- name: Start a backup and do not wait
  backupdr.cloud.cpm_backup:
    policy: web
    wait: false
  register: started

- name: Follow it (attaches to the running backup), with its DR copy
  backupdr.cloud.cpm_backup:
    policy: web
    wait_for_dr: true
    fail_on_partial: false
"""

RETURN = r"""
backup:
  description:
    - The backup record when the module ended (the recent enough one when O(skip_if_newer_than) reused it), with C(status) readable
      (letter in C(status_code), the seed's words in C(status_text)), C(dr_status) and C(s3_copy_status) readable, and
      with O(snapshots) its C(snapshots) and their C(snapshot_counts) per snapshot type. Empty when the record is not
      visible yet (O(wait=false)) and in check mode.
  returned: always
  type: dict
  sample:
    id: 41
    policy: 2
    account: 1
    status: successful
    status_code: B
    status_text: Backup Successful
    dr_status: not_applicable
    dr_status_code: N
    start_time: "2026-11-30T07:40:01.000000Z"
    end_time: "2026-11-30T07:41:12.000000Z"
    snapshot_counts: {ebs: 3, instance: 1}
    snapshots:
      - {id: 301, snapshot_type: ebs, backed_up_resource_id: vol-0a1b2c3d4e5f60718, succeeded: true}
tracker_id:
  description: The tracker id CPM answered with (V(null) when nothing was started).
  returned: always
  type: int
  sample: 1001
reused:
  description:
    - Whether a recent enough successful backup was returned instead of a new one (O(skip_if_newer_than)).
    - (Not called C(skipped), which Ansible would take for a skipped task.)
  returned: always
  type: bool
  sample: false
policy:
  description: The policy (C(id), C(name)).
  returned: always
  type: dict
  sample: {id: 2, name: web}
operation:
  description:
    - How the backup went; C(operation_id) (the tracker id), C(state) (V(success), V(partial), V(failed), V(running),
      V(unknown), V(would_start) in check mode), C(status) (CPM's status), C(attached) (a running backup was followed),
      C(adopted) (the answer to the start was lost and the new record found), C(waited), C(elapsed) (seconds).
  returned: always
  type: dict
  sample: {operation_id: 1001, state: success, status: successful, attached: false, adopted: false, waited: true, elapsed: 71.2}
"""

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.backups import (
    RECENT, BackupJob, Backups, backup_view, parse_age, record_time, snapshot_counts,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import BACKUP_SUCCESS, BACKUP_RUNNING
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import JobFailed, JobRunner, TERMINAL


def argument_spec():
    return cpm_argument_spec(
        policy=dict(type='str', required=True),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=3600),
        fail_on_partial=dict(type='bool', default=True),
        skip_if_newer_than=dict(type='str'),
        attach=dict(type='bool', default=True),
        wait_for_dr=dict(type='bool', default=False),
        wait_for_s3_copy=dict(type='bool', default=False),
        snapshots=dict(type='bool', default=True),
    )


def run(module):
    params = module.params
    age = parse_age(params.get('skip_if_newer_than'), 'skip_if_newer_than')
    client = CPMClient(params, warn=module.warn)
    client.require('backup_now', 'policy')
    if params['wait']:
        client.require('backups', 'wait')
    if age is not None:
        client.require('backups', 'skip_if_newer_than')
    refs = Refs(client, module)
    policy = refs.policy(params['policy'], 'policy')
    if policy is None:  # check mode: an earlier task would create it
        client.finish(module)
        module.exit_json(changed=True, backup={}, tracker_id=None, reused=False,
                         policy=dict(id=None, name=params['policy']),
                         operation=dict(operation_id=None, state='would_start', status=None, attached=False,
                                        adopted=False, waited=False, elapsed=0.0))
    backups = Backups(client)
    recent = backups.recent(policy['id']) if client.has('backups') else []
    base = dict(policy=dict(id=as_id(policy['id']), name=policy.get('name')))
    if age is not None:
        fresh = recent_success(backups, policy, recent, age)
        if fresh is not None:
            client.finish(module)
            module.exit_json(changed=False, reused=True, tracker_id=None, backup=with_snapshots(
                client, backups, fresh, params['snapshots']), operation=dict(
                    operation_id=None, state='success', status='reused', attached=False, adopted=False, waited=False,
                    elapsed=0.0), **base)
    job = BackupJob(client, policy, recent, wait_for_dr=params['wait_for_dr'], wait_for_s3=params['wait_for_s3_copy'],
                    attach=params['attach'], warn=module.warn)
    runner = JobRunner(module, client, wait=params['wait'], wait_timeout=params['wait_timeout'])
    try:
        result = runner.run(job, fail_on_partial=params['fail_on_partial'])
    except JobFailed as exc:
        record = exc.result.observation
        client.finish(module)
        module.fail_json(msg=str(exc), changed=exc.result.changed, reused=False,
                         tracker_id=tracker_of(exc.result), backup=with_snapshots(
                             client, backups, record, params['snapshots'] and exc.result.state in TERMINAL),
                         operation=exc.result.as_dict(), **base)
    record = result.observation if isinstance(result.observation, dict) else None
    client.finish(module)
    module.exit_json(changed=result.changed, reused=False, tracker_id=tracker_of(result),
                     backup=with_snapshots(client, backups, record, params['snapshots'] and result.state in TERMINAL),
                     operation=result.as_dict(), **base)


def recent_success(backups, policy, recent, age):
    """The latest successful record of the policy that started less than ``age`` seconds ago, or None."""
    now = time.time()
    candidates = [r for r in recent if r.get('status') in BACKUP_SUCCESS]
    if not candidates and len(recent) >= RECENT:
        candidates = backups.client.list('backups/', {'policy': as_id(policy['id']), 'status': 'B',
                                                      'ordering': '-start_time'}, feature='backups', limit=1,
                                         page_size=1)
    for record in candidates:
        started = record_time(record, 'start_time')
        if started is not None and now - started <= age:
            return record
    return None


def with_snapshots(client, backups, record, snapshots):
    view = backup_view(record)
    if record and snapshots and record.get('id') is not None and record.get('status') not in BACKUP_RUNNING \
            and client.has('snapshots'):
        view['snapshots'] = backups.snapshots(record['id'])
        view['snapshot_counts'] = snapshot_counts(view['snapshots'])
    return view


def tracker_of(result):
    value = result.operation_id
    return value if isinstance(value, int) else None


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
