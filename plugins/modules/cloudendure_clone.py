#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_clone
short_description: Create CloudEndure replicas of machines in the Secondary Location, for a DR test or a failover
version_added: 0.1.0
description:
  - Makes sure the given machines of the Primary Location have replicas in the Secondary Location, made from the
    latest state or from a chosen point in time (C(clone)), waits until the account status is C(normal) again and
    the replicas exist, and returns them.
  - B(A clone first deletes the earlier replicas of its machines) (and, with O(cleanup_scope=all), everything
    CloudEndure created in the Secondary Location), so the module is strict about what counts as present, and
    never clones when it need not. A machine counts as cloned when a replica of it exists that was made from
    O(point_in_time) (with V(latest), any replica, or one no older than O(max_age)). Only the machines that are
    missing a replica are cloned; a second run clones nothing.
  - When the clone would delete existing replicas, O(confirm_destroy=true) is required; check mode and the failure
    without it list exactly which replicas would be deleted and which machines would be cloned.
  - The machines must be given (O(machines)) or O(all_machines=true) must say "every Replicated machine"; the API
    itself clones every machine when none is given, and the module never lets that happen by omission.
  - A clone that ends without a replica of every machine is a failure, reported with the log the API showed while
    it ran (the API has no failed status, and its log disappears when the clone ends).
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
      - The source machines of the Primary Location, by id or by name (a name must be unique there). They must be
        C(Replicated) (or C(Replicating), with a warning).
      - Mutually exclusive with O(all_machines); one of them is required.
    type: list
    elements: str
  all_machines:
    description:
      - Clone every machine of the Primary Location that is C(Replicated).
    type: bool
    default: false
  point_in_time:
    description:
      - V(latest) - the latest state ("Now"), or a point in time in seconds since 1970-01-01 UTC, which must be one of
        the points M(backupdr.cloud.cloudendure_timestamp_info) lists (checked before any write).
    type: raw
    default: latest
  max_age:
    description:
      - With O(point_in_time=latest), a replica made from a point in time older than this many seconds (by this
        host's clock) does not count as present, so the machine is cloned again.
      - By default any replica of the machine counts.
    type: int
  cleanup_scope:
    description:
      - What the clone deletes first in the Secondary Location (C(shouldCleanup)).
      - V(machines) - the earlier replicas of the machines being cloned.
      - V(all) - every resource CloudEndure created there, replicas of other machines included. Needs
        O(confirm_destroy=true), checked before any request; every given machine is then cloned again.
    type: str
    choices: [machines, all]
    default: machines
  confirm_destroy:
    description:
      - Must be V(true) when the clone would delete existing replicas (or with O(cleanup_scope=all)).
    type: bool
    default: false
  wait:
    description:
      - Wait until the clone has ended (the account status is C(normal) again) and check that every machine has
        its new replica.
      - With V(false), the module returns once the clone has started.
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait, in all (a running process first, with O(on_not_ready=wait), then the clone, then
        the boot with O(wait_for_boot=true)).
    type: int
    default: 3600
  wait_for_boot:
    description:
      - Also wait until every new replica is C(Running) (C(Available) for a database). The clone ends before its
        replicas finish booting.
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cloudendure_cleanup
  - module: backupdr.cloud.cloudendure_failover
  - module: backupdr.cloud.cloudendure_timestamp_info
  - module: backupdr.cloud.cloudendure_replica_config
"""

EXAMPLES = r"""
- name: Replicas of web-01 and web-02 from the latest state, for a DR test
  backupdr.cloud.cloudendure_clone:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
    machines: [web-01, web-02]
    confirm_destroy: true
    wait_for_boot: true
  register: clone

- name: The replicas' addresses
  ansible.builtin.debug:
    msg: "{{ clone.replicas | map(attribute='persistentPublicIps') | list }}"

- name: What would a clone of every replicated machine delete?
  backupdr.cloud.cloudendure_clone:
    all_machines: true
  check_mode: true
  register: preview

- name: Show it
  ansible.builtin.debug:
    msg: "would delete {{ preview.would_destroy | map(attribute='id') | list }}"
"""

RETURN = r"""
replicas:
  description:
    - The replicas of the machines (see M(backupdr.cloud.cloudendure_machine_info) for the keys) - the ones this run
      created, or the ones that were present already.
  returned: always
  type: list
  elements: dict
  sample:
    - id: i-0c0000000e0d00011
      name: web-01
      originalId: i-0a1b2c3d4e5f60001
      CloudEndurePointInTime: "1714557600"
      CloudEndureCreationTime: "1714558000"
      cloudState: Pending
      persistentPublicIps: [52.95.0.12]
      role: secondary
      is_replica: true
cloned:
  description:
    - Ids of the source machines this run cloned (or would clone, in check mode); empty when nothing was sent.
  returned: always
  type: list
  elements: str
  sample: [i-0a1b2c3d4e5f60001]
would_destroy:
  description:
    - The machines of the Secondary Location the clone deletes first (or would delete, in check mode), with C(id),
      C(name) and C(originalId).
  returned: always
  type: list
  elements: dict
  sample: [{id: i-0f9e8d7c6b5a40101, name: web-01, originalId: i-0a1b2c3d4e5f60001}]
would_create:
  description: The source machines a replica is (or would be) created for, with C(id) and C(name).
  returned: always
  type: list
  elements: dict
  sample: [{id: i-0a1b2c3d4e5f60001, name: web-01}]
point_in_time:
  description: V(latest) or the point in time used (seconds since 1970-01-01 UTC).
  returned: always
  type: str
  sample: latest
log:
  description: The log the API showed while the clone ran (its last state), one line per step.
  returned: always
  type: list
  elements: str
  sample: ["2024-05-01 10:00:01 UTC Creating replica of i-0a1b2c3d4e5f60001 (web-01) in AWS US West (Oregon): Success"]
operation:
  description:
    - How the clone went. C(operation_id) is a label made by the module (CloudEndure gives processes no id);
      C(state) is C(success), C(running) (O(wait=false)) or C(would_start) (check mode).
  returned: when a clone was started or would be
  type: dict
  sample: {operation_id: clone-1714558000, state: success, status: normal, adopted: false, attached: false,
           waited: true, elapsed: 12.5}
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    E_NOT_READY, STATE_REPLICATED, STATUS_NORMAL, check_machine_idents, cloudendure_argument_spec, machine_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.clone import (
    LATEST, BootJob, CloneJob, ClonePlan, check_point_in_time, check_sources,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import (
    Locations, finish, resolve_machines, run, short,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.process import LogKeeper, NotReady, until_normal
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, SUCCESS, JobFailed, JobResult, JobRunner

#: How many times the module plans again after waiting for another process.
MAX_ROUNDS = 5


def argument_spec():
    return cloudendure_argument_spec(
        machines=dict(type='list', elements='str'),
        all_machines=dict(type='bool', default=False),
        point_in_time=dict(type='raw', default=LATEST),
        max_age=dict(type='int'),
        cleanup_scope=dict(type='str', default='machines', choices=['machines', 'all']),
        confirm_destroy=dict(type='bool', default=False),
        on_not_ready=dict(type='str', default='wait', choices=['wait', 'fail']),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=3600),
        wait_for_boot=dict(type='bool', default=False),
    )


def brief(machine, *keys):
    return dict((key, machine.get(key)) for key in ('id', 'name') + keys)


class StartRefused(Exception):
    """The clone request was answered "Not Ready" (another process started meanwhile)."""


class Clone:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.keeper = LogKeeper()
        self.runner = None
        self.locations = None

    def validate(self):
        params = self.params
        if params['machines'] is not None and params['all_machines']:
            raise ValidationError('all_machines', 'give machines or all_machines=true, not both')
        if not params['all_machines']:
            if not params['machines']:
                raise ValidationError('machines', 'give the machines to clone, or all_machines=true to clone every '
                                                  'Replicated machine (a clone without machines would clone them all)')
            self.idents = check_machine_idents(params['machines'], 'machines')
        self.point = check_point_in_time(params['point_in_time'])
        if params['max_age'] is not None:
            if params['max_age'] < 0:
                raise ValidationError('max_age', 'must not be negative')
            if self.point != LATEST:
                raise ValidationError('max_age', 'applies to point_in_time=latest only')
        if params['wait_timeout'] < 0:
            raise ValidationError('wait_timeout', 'must not be negative')
        self.everything = params['cleanup_scope'] == 'all'
        if self.everything and not params['confirm_destroy']:
            raise ValidationError('confirm_destroy', 'cleanup_scope=all deletes every resource CloudEndure created in '
                                                     'the Secondary Location first; it needs confirm_destroy=true')

    def plan(self):
        primary = self.client.machines(self.locations.primary)
        if self.params['all_machines']:
            sources = [m for m in primary if m.get('replicationState') == STATE_REPLICATED]
            if not sources:
                raise ValidationError('all_machines', 'no machine of %s is Replicated' % self.locations.where('primary'))
        else:
            sources = resolve_machines(primary, self.idents, 'machines', self.locations.where('primary'))
            check_sources(sources, self.module.warn)
        if self.point != LATEST:
            available = self.client.timestamps()
            if str(self.point) not in [str(t).strip() for t in available]:
                raise ValidationError('point_in_time', '%s is not one of the %d available points in time%s (see '
                                                       'backupdr.cloud.cloudendure_timestamp_info)' % (
                                                           self.point, len(available),
                                                           ' (%s ... %s)' % (available[0], available[-1]) if available
                                                           else '; the point-in-time feature may not be enabled'))
        secondary = self.client.machines(self.locations.secondary)
        return ClonePlan(sources, secondary, self.point, self.params['max_age'], self.everything)

    def run(self):
        self.validate()
        self.locations = Locations(self.client)
        self.runner = JobRunner(self.module, self.client, wait=True, wait_timeout=self.params['wait_timeout'])
        status = None
        for dummy in range(MAX_ROUNDS):
            plan = self.plan()
            if not plan.clone:
                return self.exit(False, plan, plan.present_replicas())
            if plan.destroy and not self.params['confirm_destroy']:
                self.module.fail_json(
                    msg='confirm_destroy: the clone of %s would first delete %s in %s; set confirm_destroy=true to '
                        'clone anyway. Nothing was changed' % (
                            ', '.join(short(m) for m in plan.clone),
                            ', '.join('%s (replica of %s)' % (short(r), r.get('originalId')) for r in plan.destroy),
                            self.locations.secondary),
                    changed=False, **dict(self.common(plan, plan.present_replicas()), cloned=[]))
            status = self.client.status()
            if status.get('status') != STATUS_NORMAL:
                until_normal(self.module, self.runner, self.client, self.params['on_not_ready'],
                             'the clone', status=status)
                if self.module.check_mode:
                    break
                continue  # plan again: the other process may have changed the replicas
            if self.module.check_mode:
                break
            try:
                return self.start(plan)
            except StartRefused:
                continue
        else:
            raise ApiError('the account kept starting other processes; the clone was not started',
                           code=E_NOT_READY, service='CloudEndure', landed=False)
        return self.exit(True, plan, plan.present_replicas(), operation=JobResult(True, None, 'would_start').as_dict())

    def start(self, plan):
        job = CloneJob(self.client, self.locations, plan, None if self.point == LATEST else self.point,
                       self.everything, self.keeper)
        try:
            handle, how = self.runner.start(job)
        except ApiError as err:
            if err.code != E_NOT_READY:
                raise
            if self.params['on_not_ready'] == 'fail':
                raise NotReady(self.client.status(), 'the clone', path='clone')
            raise StartRefused()
        result = JobResult(True, job.operation_id(handle), 'running', adopted=how == 'adopted', elapsed=self.runner.elapsed())
        if not self.params['wait']:
            status = self.keeper.see(self.client.status())
            result.status = status.get('status')
            return self.exit(True, plan, [], operation=result.as_dict())
        try:
            state, status, dummy = self.runner.follow(job, handle)
        except JobFailed as exc:
            self.fail(str(exc), plan, job.replicas, exc.result.as_dict())
        result.state, result.status, result.waited, result.elapsed = state, status, True, self.runner.elapsed()
        if state != SUCCESS:
            missing = job.detail or plan.clone
            failures = self.keeper.failures()
            self.fail('the clone ended (account status %s) without a replica of %s in %s%s; its log: %s' % (
                status, ', '.join(short(m) for m in missing), self.locations.secondary,
                ' (replicas were created for %s)' % ', '.join(r.get('originalId') for r in job.replicas)
                if job.replicas else '', ' | '.join(failures or self.keeper.lines[-5:]) or 'none seen'),
                plan, job.replicas, result.as_dict(), state=FAILED if state == FAILED else state)
        replicas = job.replicas
        if self.params['wait_for_boot']:
            boot = BootJob(self.client, self.locations, replicas)
            try:
                dummy, dummy, replicas = self.runner.follow(boot, {'id': 'boot'})
            except JobFailed as exc:
                self.fail('the clone succeeded, but %s' % exc, plan, [r for r in exc.result.observation or () if r]
                          or replicas, result.as_dict())
        result.elapsed = self.runner.elapsed()
        return self.exit(True, plan, replicas, operation=result.as_dict())

    def common(self, plan, replicas):
        secondary = self.locations.secondary
        return dict(replicas=[machine_view(r, secondary, 'secondary') for r in replicas if r],
                    cloned=[m.get('id') for m in plan.clone],
                    would_destroy=[brief(m, 'originalId') for m in plan.destroy],
                    would_create=[brief(m) for m in plan.clone],
                    point_in_time=str(self.point), log=self.keeper.lines)

    def diff(self, plan):
        before = dict((short(m), sorted(r.get('id') for r in plan.destroy if r.get('originalId') == m.get('id')))
                      for m in plan.clone)
        after = dict((short(m), 'new replica from point in time %s' % self.point) for m in plan.clone)
        if self.everything:
            before['(every resource CloudEndure created)'] = sorted(r.get('id') for r in plan.destroy)
            after['(every resource CloudEndure created)'] = []
        return dict(before=dict(replicas=before), after=dict(replicas=after))

    def exit(self, changed, plan, replicas, operation=None):
        result = dict(changed=changed, **self.common(plan, replicas))
        if not changed:
            result.update(cloned=[], would_destroy=[], would_create=[])
        if operation is not None:
            result['operation'] = operation
        if self.module._diff and changed:
            result['diff'] = self.diff(plan)
        finish(self.module, self.client, **result)

    def fail(self, msg, plan, replicas, operation, state=None):
        if state is not None:
            operation['state'] = state
        self.module.fail_json(msg=msg, changed=True, operation=operation, **self.common(plan, replicas))


def body(module, client):
    Clone(module, client).run()


def main():
    run(argument_spec(), body)


if __name__ == '__main__':
    main()
