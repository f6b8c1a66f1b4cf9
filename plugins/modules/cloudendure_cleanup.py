#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_cleanup
short_description: Delete CloudEndure replicas from the Secondary Location
version_added: 0.1.0
description:
  - Makes sure the given machines of the Primary Location have no replicas in the Secondary Location
    (C(cleanup)), or, with O(all_resources=true), that nothing CloudEndure created is left there.
  - Replication of the machines goes on. Machines CloudEndure did not create are never deleted.
  - Nothing to delete means no request that changes anything (C(changed=false)). Check mode and RV(would_destroy)
    list exactly what goes.
  - Waits until the account status is C(normal) again and checks that the replicas are gone.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.cloudendure.not_ready
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  machines:
    description:
      - The source machines whose replicas are deleted, by id or by name in the Primary Location (a name must be
        unique there).
      - CloudEndure cleans up by machine only for machines that are C(Replicating) or C(Replicated); the replicas of
        another machine can only go with O(all_resources=true).
      - Mutually exclusive with O(all_resources); one of them is required.
    type: list
    elements: str
  all_resources:
    description:
      - Delete every resource CloudEndure created in the Secondary Location (C(shouldCleanup)), the replicas of
        every machine included. Needs O(confirm_destroy=true), checked before any request.
    type: bool
    default: false
  confirm_destroy:
    description:
      - Must be V(true) with O(all_resources=true).
    type: bool
    default: false
  wait:
    description:
      - Wait until the cleanup has ended (the account status is C(normal) again) and check that the replicas are gone.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait, in all (a running process first, with O(on_not_ready=wait), then the cleanup).
    type: int
    default: 1800
seealso:
  - module: backupdr.cloud.cloudendure_clone
"""

EXAMPLES = r"""
- name: Delete the replicas of web-01 and web-02 after a DR test
  backupdr.cloud.cloudendure_cleanup:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
    machines: [web-01, web-02]

- name: What would a full cleanup delete?
  backupdr.cloud.cloudendure_cleanup:
    all_resources: true
    confirm_destroy: true
  check_mode: true
  register: preview

- name: Show it
  ansible.builtin.debug:
    msg: "{{ preview.would_destroy | map(attribute='id') | list }}"
"""

RETURN = r"""
would_destroy:
  description:
    - The machines of the Secondary Location the cleanup deletes (or would delete, in check mode), with C(id), C(name)
      and C(originalId).
  returned: always
  type: list
  elements: dict
  sample: [{id: i-0f9e8d7c6b5a40101, name: web-01, originalId: i-0a1b2c3d4e5f60001}]
destroyed:
  description: Ids of the machines that were deleted (empty in check mode and without waiting).
  returned: always
  type: list
  elements: str
  sample: [i-0f9e8d7c6b5a40101]
log:
  description: The log the API showed while the cleanup ran (its last state).
  returned: always
  type: list
  elements: str
  sample: ["2024-05-01 10:00:01 UTC Deleting replica i-0f9e8d7c6b5a40101 of i-0a1b2c3d4e5f60001: Success"]
operation:
  description:
    - How the cleanup went. C(operation_id) is a label made by the module (CloudEndure gives processes no id).
  returned: when a cleanup was started or would be
  type: dict
  sample: {operation_id: cleanup-1714558000, state: success, status: normal, adopted: false, attached: false,
           waited: true, elapsed: 2.1}
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    E_NOT_READY, PROTECTED_STATES, STATUS_NORMAL, check_machine_idents, cloudendure_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.clone import CleanupJob
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import (
    Locations, finish, replicas_of, resolve_machines, run, short,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.process import LogKeeper, NotReady, until_normal
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import SUCCESS, JobFailed, JobResult, JobRunner

MAX_ROUNDS = 5


def argument_spec():
    return cloudendure_argument_spec(
        machines=dict(type='list', elements='str'),
        all_resources=dict(type='bool', default=False),
        confirm_destroy=dict(type='bool', default=False),
        on_not_ready=dict(type='str', default='wait', choices=['wait', 'fail']),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=1800),
    )


def brief(machine):
    return dict(id=machine.get('id'), name=machine.get('name'), originalId=machine.get('originalId'))


class Cleanup:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.keeper = LogKeeper()

    def validate(self):
        params = self.params
        self.everything = params['all_resources']
        if params['machines'] is not None and self.everything:
            raise ValidationError('all_resources', 'give machines or all_resources=true, not both')
        if self.everything and not params['confirm_destroy']:
            raise ValidationError('confirm_destroy', 'all_resources=true deletes every resource CloudEndure created in '
                                                     'the Secondary Location; it needs confirm_destroy=true')
        if not self.everything:
            if not params['machines']:
                raise ValidationError('machines', 'give the machines whose replicas go, or all_resources=true with '
                                                  'confirm_destroy=true')
            self.idents = check_machine_idents(params['machines'], 'machines')
        if params['wait_timeout'] < 0:
            raise ValidationError('wait_timeout', 'must not be negative')

    def plan(self):
        """``(source ids to send, doomed machines)``."""
        secondary = self.client.machines(self.locations.secondary)
        if self.everything:
            return None, [m for m in secondary if m.get('originalId')]
        primary = self.client.machines(self.locations.primary)
        sources = resolve_machines(primary, self.idents, 'machines', self.locations.where('primary'))
        ids, doomed = [], []
        for source in sources:
            replicas = replicas_of(secondary, [source.get('id')])
            if not replicas:
                continue
            if source.get('replicationState') not in PROTECTED_STATES:
                raise ValidationError('machines', '%s is %s: CloudEndure deletes replicas by machine only for machines '
                                                  'that are Replicating or Replicated (Bad Ids); its replicas %s can go '
                                                  'only with all_resources=true and confirm_destroy=true' % (
                                                      short(source), source.get('replicationState'),
                                                      ', '.join(r.get('id') for r in replicas)))
            ids.append(source.get('id'))
            doomed.extend(replicas)
        return ids, doomed

    def run(self):
        self.validate()
        self.locations = Locations(self.client)
        self.runner = JobRunner(self.module, self.client, wait=True, wait_timeout=self.params['wait_timeout'])
        for dummy in range(MAX_ROUNDS):
            ids, doomed = self.plan()
            if not doomed:
                return self.exit(False, [], [])
            status = self.client.status()
            if status.get('status') != STATUS_NORMAL:
                until_normal(self.module, self.runner, self.client, self.params['on_not_ready'],
                             'the cleanup', status=status)
                if self.module.check_mode:
                    break
                continue
            if self.module.check_mode:
                break
            job = CleanupJob(self.client, self.locations, ids, doomed, self.everything, self.keeper)
            try:
                handle, how = self.runner.start(job)
            except ApiError as err:
                if err.code != E_NOT_READY:
                    raise
                if self.params['on_not_ready'] == 'fail':
                    raise NotReady(self.client.status(), 'the cleanup', path='cleanup')
                continue
            return self.follow(job, handle, how, doomed)
        else:
            raise ApiError('the account kept starting other processes; the cleanup was not started',
                           code=E_NOT_READY, service='CloudEndure', landed=False)
        return self.exit(True, doomed, [], operation=JobResult(True, None, 'would_start').as_dict())

    def follow(self, job, handle, how, doomed):
        result = JobResult(True, job.operation_id(handle), 'running', adopted=how == 'adopted',
                           elapsed=self.runner.elapsed())
        if not self.params['wait']:
            result.status = self.keeper.see(self.client.status()).get('status')
            return self.exit(True, doomed, [], operation=result.as_dict())
        try:
            state, status, dummy = self.runner.follow(job, handle)
        except JobFailed as exc:
            self.module.fail_json(msg=str(exc), changed=True, operation=exc.result.as_dict(),
                                  would_destroy=[brief(m) for m in doomed], destroyed=[], log=self.keeper.lines)
        result.state, result.status, result.waited, result.elapsed = state, status, True, self.runner.elapsed()
        left = set(m.get('id') for m in job.left)
        destroyed = [m.get('id') for m in doomed if m.get('id') not in left]
        if state != SUCCESS:
            self.module.fail_json(msg='the cleanup ended (account status %s), but %s %s still in %s; its log: %s' % (
                status, ', '.join(short(m) for m in job.left), 'is' if len(job.left) == 1 else 'are',
                self.locations.secondary, ' | '.join(self.keeper.failures() or self.keeper.lines[-5:]) or 'none seen'),
                changed=bool(destroyed), operation=result.as_dict(), would_destroy=[brief(m) for m in doomed],
                destroyed=destroyed, log=self.keeper.lines)
        return self.exit(True, doomed, destroyed, operation=result.as_dict())

    def exit(self, changed, doomed, destroyed, operation=None):
        result = dict(changed=changed, would_destroy=[brief(m) for m in doomed], destroyed=destroyed,
                      log=self.keeper.lines)
        if operation is not None:
            result['operation'] = operation
        if self.module._diff and changed:
            result['diff'] = dict(before=dict(replicas=sorted(m.get('id') for m in doomed)), after=dict(replicas=[]))
        finish(self.module, self.client, **result)


def body(module, client):
    Cleanup(module, client).run()


def main():
    run(argument_spec(), body)


if __name__ == '__main__':
    main()
