#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_failover
short_description: Complete a CloudEndure failover, making the Secondary Location the Primary one
version_added: 0.1.0
description:
  - Completes a failover (C(completeFailover)) based on the latest clone (see M(backupdr.cloud.cloudendure_clone));
    all replication in the Primary Location stops, the Secondary Location becomes the Primary Location and the other
    way round, and the replicas whose original was replicating start replicating back.
  - B(A failover cannot be undone); failing back is another clone and another failover from the new Primary
    Location. The module needs O(confirm_failover=true), checked before any request.
  - The task says what the Primary Location must be afterwards (O(primary_location)), so a re-run after the
    failover changes nothing (C(changed=false)).
  - Refused, before any write, unless O(primary_location) is the current Secondary Location, replicas exist there
    (a clone was made) and the account status is C(normal) (no clone, cleanup or failover running; see
    O(on_not_ready)).
  - Waits until the failover has ended and returns the log the API showed while it ran (the log exists only during
    the operation).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.cloudendure.not_ready
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  primary_location:
    description:
      - The location that must be the Primary Location after the failover, that is the current Secondary Location (or the
        current Primary Location, when the failover is done already).
    type: str
    required: true
  confirm_failover:
    description:
      - Must be V(true). A failover cannot be undone.
    type: bool
    default: false
  wait:
    description:
      - Wait until the failover has ended and the locations have swapped.
      - With V(false), the module returns once the failover has started.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait, in all (a running process first, with O(on_not_ready=wait), then the failover).
    type: int
    default: 3600
seealso:
  - module: backupdr.cloud.cloudendure_clone
  - module: backupdr.cloud.cloudendure_status_info
"""

EXAMPLES = r"""
- name: Fail over to Oregon (a clone was made before)
  backupdr.cloud.cloudendure_failover:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
    primary_location: AWS US West (Oregon)
    confirm_failover: true
  register: failover

- name: What happened
  ansible.builtin.debug:
    var: failover.log
"""

RETURN = r"""
primary_location:
  description: The Primary Location when the module ended.
  returned: always
  type: str
  sample: AWS US West (Oregon)
secondary_location:
  description: The Secondary Location when the module ended.
  returned: always
  type: str
  sample: AWS US East (N. Virginia)
previous_primary_location:
  description: The Primary Location the module found.
  returned: always
  type: str
  sample: AWS US East (N. Virginia)
replicas:
  description:
    - The replicas in the Secondary Location the module found before the failover (the machines that become the
      sources), with C(id), C(name) and C(originalId).
  returned: always
  type: list
  elements: dict
  sample: [{id: i-0f9e8d7c6b5a40101, name: web-01, originalId: i-0a1b2c3d4e5f60001}]
log:
  description: The log the API showed while the failover ran (its last state), one line per step.
  returned: always
  type: list
  elements: str
  sample: ["2024-05-01 10:00:02 UTC Swapping the Primary and Secondary Locations: Success"]
operation:
  description:
    - How the failover went. C(operation_id) is a label made by the module (CloudEndure gives processes no id).
  returned: when a failover was started or would be
  type: dict
  sample: {operation_id: failover-1714558000, state: success, status: normal, adopted: false, attached: false,
           waited: true, elapsed: 3.4}
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    E_NOT_READY, PROTECTED_STATES, SERVICE, STATUS_NORMAL, cloudendure_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import Locations, finish, run, short
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.process import (
    LogKeeper, NotReady, ProcessJob, until_normal,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, SUCCESS, JobFailed, JobResult, JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import check_name

MAX_ROUNDS = 5


def argument_spec():
    return cloudendure_argument_spec(
        primary_location=dict(type='str', required=True),
        confirm_failover=dict(type='bool', default=False),
        on_not_ready=dict(type='str', default='wait', choices=['wait', 'fail']),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=3600),
    )


class FailoverJob(ProcessJob):
    """completeFailover, then ``failingOver`` until ``normal``; success = the locations have swapped."""

    kind = 'failover'
    status_name = 'failingOver'
    check_hint = 'the account status and its Primary Location (backupdr.cloud.cloudendure_location_info)'

    def __init__(self, client, current_primary, target, keeper):
        super(FailoverJob, self).__init__(client, keeper)
        self.current_primary = current_primary
        self.target = target
        self.details = None
        self.what = 'failover from %s to %s' % (current_primary, target)

    def send(self):
        self.client.complete_failover(self.current_primary)

    def swapped(self):
        self.details = self.client.require_details()
        return self.details.get('originalLocation') == self.target

    def visible(self):
        return self.swapped()

    def outcome(self):
        return (SUCCESS if self.swapped() else FAILED), None


def brief(machine):
    return dict(id=machine.get('id'), name=machine.get('name'), originalId=machine.get('originalId'))


class Failover:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.keeper = LogKeeper()

    def run(self):
        target = check_name(self.params['primary_location'], 'primary_location', 'location')
        if not self.params['confirm_failover']:
            raise ValidationError('confirm_failover', 'a failover cannot be undone; it needs confirm_failover=true')
        if self.params['wait_timeout'] < 0:
            raise ValidationError('wait_timeout', 'must not be negative')
        runner = JobRunner(self.module, self.client, wait=True, wait_timeout=self.params['wait_timeout'])
        for dummy in range(MAX_ROUNDS):
            locations = Locations(self.client)
            self.previous = locations.primary
            if locations.primary == target:
                return self.exit(False, locations, [])
            if locations.secondary != target:
                raise ValidationError('primary_location', '%r is not the Secondary Location (%r): a failover makes the '
                                                          'Secondary Location the Primary one (the Primary Location is '
                                                          '%r)' % (target, locations.secondary, locations.primary))
            replicas = [m for m in self.client.machines(locations.secondary) if m.get('originalId')]
            if not replicas:
                raise ValidationError('primary_location', 'no replica exists in %s: a failover completes the latest '
                                                          'clone, so clone the machines first '
                                                          '(backupdr.cloud.cloudendure_clone). Nothing was changed'
                                                          % locations.secondary)
            self.warn_unprotected(locations, replicas)
            status = self.client.status()
            if status.get('status') != STATUS_NORMAL:
                until_normal(self.module, runner, self.client, self.params['on_not_ready'], 'the failover',
                             status=status)
                if self.module.check_mode:
                    break
                continue
            if self.module.check_mode:
                break
            job = FailoverJob(self.client, locations.primary, target, self.keeper)
            try:
                handle, how = runner.start(job)
            except ApiError as err:
                if err.code != E_NOT_READY:
                    raise
                if self.params['on_not_ready'] == 'fail':
                    raise NotReady(self.client.status(), 'the failover', path='completeFailover')
                continue
            return self.follow(runner, job, handle, how, locations, replicas)
        else:
            raise ApiError('the account kept starting other processes; the failover was not started',
                           code=E_NOT_READY, service=SERVICE, landed=False)
        return self.exit(True, locations, replicas, operation=JobResult(True, None, 'would_start').as_dict(),
                         after=(target, locations.primary))

    def warn_unprotected(self, locations, replicas):
        have = set(r.get('originalId') for r in replicas)
        try:
            sources = self.client.machines(locations.primary)
        except ApiError:
            return
        lacking = [m for m in sources if m.get('replicationState') in PROTECTED_STATES and m.get('id') not in have]
        if lacking:
            self.module.warn('replicating machine(s) %s have no replica in %s; the failover does not bring them over'
                             % (', '.join(short(m) for m in lacking), locations.secondary))

    def follow(self, runner, job, handle, how, locations, replicas):
        result = JobResult(True, job.operation_id(handle), 'running', adopted=how == 'adopted', elapsed=runner.elapsed())
        if not self.params['wait']:
            result.status = self.keeper.see(self.client.status()).get('status')
            return self.exit(True, Locations(self.client), replicas, operation=result.as_dict())
        try:
            state, status, dummy = runner.follow(job, handle)
        except JobFailed as exc:
            self.module.fail_json(msg=str(exc), changed=True, operation=exc.result.as_dict(), log=self.keeper.lines,
                                  previous_primary_location=self.previous, replicas=[brief(r) for r in replicas])
        result.state, result.status, result.waited, result.elapsed = state, status, True, runner.elapsed()
        after = Locations(self.client, job.details)
        if state != SUCCESS:
            self.module.fail_json(msg='the failover ended (account status %s), but the Primary Location is still %s; '
                                      'its log: %s' % (status, after.primary,
                                                       ' | '.join(self.keeper.failures() or self.keeper.lines[-5:])
                                                       or 'none seen'),
                                  changed=True, operation=result.as_dict(), log=self.keeper.lines,
                                  primary_location=after.primary, secondary_location=after.secondary,
                                  previous_primary_location=self.previous, replicas=[brief(r) for r in replicas])
        return self.exit(True, after, replicas, operation=result.as_dict())

    def exit(self, changed, locations, replicas, operation=None, after=None):
        primary, secondary = after or (locations.primary, locations.secondary)
        result = dict(changed=changed, primary_location=primary, secondary_location=secondary,
                      previous_primary_location=self.previous, replicas=[brief(r) for r in replicas],
                      log=self.keeper.lines)
        if operation is not None:
            result['operation'] = operation
        if self.module._diff and changed:
            result['diff'] = dict(before=dict(primary_location=self.previous, secondary_location=primary),
                                  after=dict(primary_location=primary, secondary_location=secondary))
        finish(self.module, self.client, **result)


def body(module, client):
    Failover(module, client).run()


def main():
    run(argument_spec(), body)


if __name__ == '__main__':
    main()
