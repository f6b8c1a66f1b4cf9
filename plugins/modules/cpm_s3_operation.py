#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: POST policies/{policy_id}/archive/abort/ operation=archive
# api: POST policies/{policy_id}/cleanup_s3/abort/ operation=cleanup
# api: POST policies/{policy_id}/s3_operations/abort/ operation=all
# api: POST backups/{backup_id}/copy_to_s3/abort/ operation=copy_to_s3

DOCUMENTATION = r"""
module: cpm_s3_operation
short_description: Abort the S3 operations of an N2WS Backup & Recovery (CPM) policy or backup while they run
version_added: 0.2.0
description:
  - Aborts a copy to S3 of a backup (C(POST /api/backups/{id}/copy_to_s3/abort/), API 1.3.0), the copies to S3 of a
    policy's backups, a policy's archive to Glacier (C(POST /api/policies/{id}/archive/abort/)), its S3 clean-up
    (C(.../cleanup_s3/abort/)) or all its S3 operations (C(.../s3_operations/abort/)) (API 1.4.0).
  - An abort is sent only while the operation runs (a copy whose C(s3_copy_status) is initializing or in progress; a
    policy whose C(is_archive_active), C(is_s3_cleanup_active) or C(s3_operation_in_progress) is set); otherwise
    nothing is sent and the module reports V(changed=false). A copy already being aborted is followed, not aborted
    again.
  - With O(wait), waits until the operations have stopped.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  operation:
    description:
      - V(copy_to_s3) (of O(backup), or of every backup of O(policy) that copies now), V(archive), V(cleanup), or
        V(all) (copies, archive and clean-up of O(policy)).
    type: str
    choices: [copy_to_s3, archive, cleanup, all]
    required: true
  policy:
    description:
      - The policy (name or id).
    type: str
  backup:
    description:
      - The backup record whose copy to S3 to abort (with O(operation=copy_to_s3)).
    type: int
  state:
    description:
      - V(aborted), the only state.
    type: str
    choices: [aborted]
    default: aborted
notes:
  - A delegate needs C(allow_backup_changes).
seealso:
  - module: backupdr.cloud.cpm_backup
  - module: backupdr.cloud.cpm_policy
"""

EXAMPLES = r"""
- name: A policy that copies to S3
  backupdr.cloud.cpm_policy:
    name: archive-demo
    account: main
    copy_to_s3: {enabled: true, repository: main-repo}

- name: Stop whatever the policy does in S3 (nothing is sent when nothing runs)
  backupdr.cloud.cpm_s3_operation:
    policy: archive-demo
    operation: all
"""

RETURN = r"""
aborted:
  description: What was aborted (or would be in check mode), such as V(copy_to_s3 of backup 41) or V(archive of policy web).
  returned: always
  type: list
  elements: str
  sample: [copy_to_s3 of backup 41]
before:
  description: What ran before the task, C(flags) (the policy's flags that were set) and C(copies) (C({backup, status})).
  returned: always
  type: dict
  sample: {flags: [is_archive_active], copies: []}
after:
  description: The same after the task (after the wait, with O(wait)).
  returned: always
  type: dict
  sample: {flags: [], copies: [{backup: 41, status: aborted, status_code: A}]}
"""

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.repositories import (
    COPY_RUNNING, POLICY_ABORTS, copy_status, copy_view, policy_running, running_copies,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import (
    VERIFIED, conclude, look_after_lost, settle_time_of,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import WaitTimeout, wait_for


def argument_spec():
    return cpm_argument_spec(
        operation=dict(type='str', required=True, choices=['copy_to_s3', 'archive', 'cleanup', 'all']),
        policy=dict(type='str'),
        backup=dict(type='int'),
        state=dict(type='str', choices=['aborted'], default='aborted'),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
    )


def run(module):
    params = module.params
    operation = params['operation']
    if (params.get('policy') is None) == (params.get('backup') is None):
        raise ValidationError('policy', 'give one of policy and backup')
    if params.get('backup') is not None and operation != 'copy_to_s3':
        raise ValidationError('backup', 'a backup has only its copy to S3 to abort (operation=copy_to_s3); the %s '
                              'is a policy\'s' % operation)
    client = CPMClient(params, warn=module.warn)
    client.require('copy_to_s3_abort' if operation == 'copy_to_s3' else 'policy_s3_aborts', 'operation')
    state = State(client, params)
    before = state.read()
    plan = state.plan(before)
    aborted = []
    if not module.check_mode:
        for what, path, done in plan:
            send(module, client, path, what, done)
            aborted.append(what)
    else:
        aborted = [what for what, dummy, dummy2 in plan]
    after = before
    if not module.check_mode and (plan or state.stopping(before)) and params['wait']:
        try:
            after = wait_for(state.read, lambda now: not state.busy(now), params['wait_timeout'],
                             what='the end of the S3 operations')
        except WaitTimeout as exc:
            client.finish(module)
            module.fail_json(msg='%s; the abort was sent' % exc, changed=bool(plan), aborted=aborted,
                             before=state.view(before), after=state.view(exc.last))
    elif not module.check_mode and plan:
        after = state.read()
    client.finish(module)
    module.exit_json(changed=bool(plan), aborted=aborted, before=state.view(before), after=state.view(after))


class State:
    """What runs for the policy or backup asked."""

    def __init__(self, client, params):
        self.client = client
        self.operation = params['operation']
        self.backup_id = params.get('backup')
        self.policy = None
        if params.get('policy') is not None:
            policy = Refs(client).policy(params['policy'], 'policy')
            self.policy = policy

    def read(self):
        out = {'flags': [], 'copies': []}
        if self.backup_id is not None:
            backup = self.client.get_or_none('backups/%d/' % self.backup_id, feature='backups')
            if backup is None:
                raise ValidationError('backup', 'no backup record has the id %s' % self.backup_id)
            out['copies'] = [backup]
            return out
        policy = self.client.get('policies/%d/' % as_id(self.policy['id']), feature='policies')
        if self.operation != 'copy_to_s3':
            out['flags'] = policy_running(policy, self.operation)
        if self.operation in ('copy_to_s3', 'all'):
            out['copies'] = list(running_copies(self.client, policy['id'])) if self.client.has('backups') else []
        return out

    def plan(self, state):
        """``[(what, abort path, feature)]`` of what runs now."""
        if self.operation == 'copy_to_s3':
            return [('copy_to_s3 of backup %s' % b['id'], 'backups/%d/copy_to_s3/abort/' % as_id(b['id']),
                     'copy_to_s3_abort') for b in state['copies'] if copy_status(b) in COPY_RUNNING]
        pid = as_id(self.policy['id'])
        running = state['flags'] or (self.operation == 'all' and any(copy_status(b) in COPY_RUNNING
                                                                     for b in state['copies']))
        if not running:
            return []
        return [('%s of policy %s' % ('S3 operations' if self.operation == 'all' else self.operation,
                                      self.policy.get('name')), POLICY_ABORTS[self.operation] % pid,
                 'policy_s3_aborts')]

    def stopping(self, state):
        return any(copy_status(b) == 'G' for b in state['copies'])

    def busy(self, state):
        return bool(state['flags']) or any(copy_status(b) in COPY_RUNNING + ('G',) for b in state['copies'])

    @staticmethod
    def view(state):
        if not state:
            return {}
        return {'flags': list(state['flags']), 'copies': [copy_view(b) for b in state['copies']]}


def send(module, client, path, what, feature):
    """One abort; a lost answer is looked for (the operation stopping) during the settle window."""
    started = time.time()
    try:
        client.post(path, None, feature=feature)
    except ApiError as err:
        if err.status == 400:
            err.message = 'CPM refused to abort the %s (it may have ended meanwhile): %s' % (what, err.message)
        if err.landed is not None:
            raise
        window = settle_time_of(client)

        def look():
            if path.startswith('backups/'):
                backup = client.get_or_none(path.split('copy_to_s3')[0], feature='backups') or {}
                return copy_status(backup) not in COPY_RUNNING
            policy = client.get(path.split('archive')[0].split('cleanup_s3')[0].split('s3_operations')[0],
                                feature='policies')
            return not any(policy.get(flag) for flag in ('is_archive_active', 'is_s3_cleanup_active'))
        outcome = look_after_lost(look, window)
        if outcome.state != VERIFIED:
            raise conclude(err, outcome, 'the abort of the %s' % what, 'the %s in CPM' % what, window)
        module.warn('the answer to the abort of the %s was lost (%s); CPM shows it stopping (%.1fs)' % (
            what, err.brief(), time.time() - started))


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
