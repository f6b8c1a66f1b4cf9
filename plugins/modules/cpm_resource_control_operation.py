#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: POST resource_control/groups/{id}/start/ operation=start
# api: POST resource_control/groups/{id}/stop/ operation=stop
# api: GET resource_control/records/ operation (followed: the group's new record)
# api: GET resource_control/records/{id}/ operation (polled)
# api: DELETE resource_control/records/{id}/ state=absent, record_id

DOCUMENTATION = r"""
module: cpm_resource_control_operation
short_description: Start or stop an N2WS Backup & Recovery (CPM) resource control group now, or delete a record
version_added: 0.2.0
description:
  - Turns the resources of a resource control group on (O(operation=start)) or off (O(operation=stop)) now, and with
    O(wait=true) waits until CPM's operation has ended (API 1.2.0).
  - B(How the outcome is followed.) CPM answers the start or stop with 202 and no handle. The module reads the ids
    of the group's operation records before the call; after it, the operation is the group's first record
    (C(GET /api/resource_control/records/?group=ID&ordering=-start_time)) that was not there before. It may appear
    some time after the call - the module keeps looking until O(wait_timeout). The record's status then says the
    outcome (C(B) successful; C(A)/C(S) partial, which fails the task unless O(fail_on_partial=false); C(F) failed).
  - When an operation of the same kind is already running for the group, it is followed instead of starting another;
    one of the other kind fails the task (CPM runs one at a time and answers 412).
  - CPM also answers 412 when the group is disabled, has no target, or turns resources off only (for a start).
  - O(state=absent) with O(record_id) deletes an operation record instead (a running one is marked for deletion).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.wait
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Check mode starts nothing and deletes nothing.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  group:
    description: The resource control group (name or id). Required with O(state=present).
    type: str
  operation:
    description: V(start) turns the resources on, V(stop) off. Required with O(state=present).
    type: str
    choices: [start, stop]
  state:
    description: V(present) starts the operation; V(absent) deletes the record O(record_id).
    type: str
    choices: [present, absent]
    default: present
  record_id:
    description: With O(state=absent), the operation record to delete.
    type: int
  fail_on_partial:
    description: Fail the task when the operation is only partially successful.
    type: bool
    default: true
  attach:
    description: Follow a running operation of the same kind instead of failing.
    type: bool
    default: true
seealso:
  - module: backupdr.cloud.cpm_resource_control_group
  - module: backupdr.cloud.cpm_resource_control_record_info
"""

EXAMPLES = r"""
- name: A group of web servers (their instance ids in web_instances)
  backupdr.cloud.cpm_resource_control_group:
    name: web-office-hours
    account: main
    instances: "{{ web_instances | default([]) }}"

- name: Turn the web servers on now, before the office hours
  backupdr.cloud.cpm_resource_control_operation:
    group: web-office-hours
    operation: start
  register: rc_start
  when: web_instances | default([]) | length > 0

- name: Delete an old operation record
  backupdr.cloud.cpm_resource_control_operation:
    record_id: "{{ old_record_id | default(1) }}"
    state: absent
"""

RETURN = r"""
operation:
  description:
    - What happened (C(state) V(success), V(partial), V(failed), V(running) without waiting, V(would_start) in check
      mode; C(status) CPM's readable status; C(operation_id) the record id once it appeared; C(attached) when a
      running operation was followed; C(elapsed) seconds).
  returned: with O(state=present)
  type: dict
  sample: {state: success, status: successful, operation_id: 12, attached: false, waited: true, elapsed: 3.1}
record:
  description: The operation record at the end (C(status) readable, letter in C(status_code); C(operation) V(start) or
    V(stop), letter in C(operation_code)), or the deleted record.
  returned: when there is one
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec, find_named, is_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource_control import OperationJob, record_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def find_group(client, ref):
    if is_id(ref):
        group = client.get_or_none('resource_control/groups/%d/' % as_id(ref), feature='resource_control')
    else:
        items = client.list('resource_control/groups/', {'search': ref}, feature='resource_control')
        group = find_named([g for g in items if g.get('name') == ref], ref, 'group', 'resource control group')
    if group is None:
        raise ValidationError('group', 'no resource control group %r' % (ref,))
    return group


def run(module):
    params = module.params
    if params['state'] == 'absent':
        if params.get('record_id') is None:
            raise ValidationError('record_id', 'is required with state=absent')
        client = CPMClient(params, warn=module.warn)
        path = 'resource_control/records/%d/' % params['record_id']
        record = client.get_or_none(path, feature='resource_control')
        if record is None:
            client.finish(module)
            module.exit_json(changed=False)
        if not module.check_mode:
            client.delete(path, feature='resource_control', perm='backup')
        client.finish(module)
        module.exit_json(changed=True, record=record_view(record))
    for option in ('group', 'operation'):
        if not params.get(option):
            raise ValidationError(option, 'is required with state=present')
    client = CPMClient(params, warn=module.warn)
    client.require('resource_control')
    group = find_group(client, params['group'])
    job = OperationJob(client, group, params['operation'], attach=params['attach'])
    runner = JobRunner(module, client, wait=params['wait'], wait_timeout=params['wait_timeout'])
    outcome = runner.run(job, fail_on_partial=params['fail_on_partial'])
    operation = outcome.as_dict()
    record = operation.pop('observation', None) or outcome.observation
    result = dict(changed=outcome.changed, operation=operation)
    if isinstance(record, dict):
        result['record'] = record_view(record)
        if operation.get('operation_id') is None:
            operation['operation_id'] = record.get('id')
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(cpm_argument_spec(
        group=dict(type='str'),
        operation=dict(type='str', choices=['start', 'stop']),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        record_id=dict(type='int'),
        fail_on_partial=dict(type='bool', default=True),
        attach=dict(type='bool', default=True),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
    ), run)


if __name__ == '__main__':
    main()
