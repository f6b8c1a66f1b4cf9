#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET resource_control/groups/ name (the lookup)
# api: GET resource_control/groups/{id}/ id
# api: POST resource_control/groups/ state=present (a new group)
# api: PUT resource_control/groups/{id}/ state=present
# api: DELETE resource_control/groups/{id}/ state=absent
# api: GET resource_control/groups/{group_id}/schedules/ schedules
# api: POST resource_control/groups/{group_id}/schedules/ schedules (a missing row)
# api: DELETE resource_control/groups/{group_id}/schedules/{id}/ schedules (a row no longer wanted)
# api: GET resource_control/groups/{group_id}/targets/instances/ instances
# api: POST resource_control/groups/{group_id}/targets/instances/ instances (a missing instance)
# api: DELETE resource_control/groups/{group_id}/targets/instances/{id}/ instances (an instance no longer wanted)
# api: GET resource_control/groups/{group_id}/targets/rds_databases/ rds_databases
# api: POST resource_control/groups/{group_id}/targets/rds_databases/ rds_databases (a missing database)
# api: DELETE resource_control/groups/{group_id}/targets/rds_databases/{id}/ rds_databases (a database no longer wanted)

DOCUMENTATION = r"""
module: cpm_resource_control_group
short_description: Manage an N2WS Backup & Recovery (CPM) resource control group, its schedules and targets
version_added: 0.2.0
description:
  - Makes sure a resource control group (instances and RDS databases that CPM turns off and on by schedule) exists
    with the given settings, on/off schedules and targets, or that it does not exist (API 1.2.0).
  - The group is found by O(name) among the groups the API key's user sees, or by O(id).
  - O(schedules), O(instances) and O(rds_databases) are each the B(whole) set (CPM has no C(PUT) for them) - missing
    rows and targets are added, others removed, in one task. Omit an option to leave that set as it is.
  - Starting or stopping a group now is M(backupdr.cloud.cpm_resource_control_operation).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  name:
    description: The group's name (letters, digits, C(_) and C(-)). Required unless O(id) is given.
    type: str
  id:
    description: The group's id.
    type: int
  state:
    description: V(present) or V(absent) (deleting a group deletes its schedules, targets and records).
    type: str
    choices: [present, absent]
    default: present
  account:
    description: The backup account of the resources (name or id). Required to create; it cannot change.
    type: str
  description:
    description: The group's description.
    type: str
  enabled:
    description: Whether the schedules apply.
    type: bool
  auto_remove_resource:
    description: What CPM does with a target that no longer exists in AWS.
    type: str
    choices: [keep, remove, remove_and_alert, N, Y, A]
  hibernate:
    description: Hibernate instances instead of stopping them.
    type: bool
  operation_mode:
    description: V(on-off) turns resources off and on; V(off) only off.
    type: str
    choices: [on-off, 'off']
  timeout:
    description: Minutes CPM waits for a resource to change state.
    type: int
  schedules:
    description:
      - The whole set of on/off schedule rows. V([]) removes every row.
      - A row without O(schedules[].turn_on_day) turns the resources on and off on the same day; the turn-off time
        must then be later than the turn-on time (a working period); give O(schedules[].turn_on_day) for downtimes
        that span days.
    type: list
    elements: dict
    suboptions:
      turn_off_day:
        description: The day(s) of the turn-off (the API's letters A, M, T, W, H, F, S, U are accepted too).
        type: str
        default: every_day
        choices: [every_day, monday, tuesday, wednesday, thursday, friday, saturday, sunday, A, M, T, W, H, F, S, U]
      turn_off_time:
        description: The time of the turn-off, V(HH:MM) or V(HH:MM:SS).
        type: str
        required: true
      turn_on_day:
        description: The day of the turn-on (default the turn-off day).
        type: str
        choices: [monday, tuesday, wednesday, thursday, friday, saturday, sunday, M, T, W, H, F, S, U]
      turn_on_time:
        description: The time of the turn-on.
        type: str
        required: true
  instances:
    description: The whole set of EC2 instances of the group. V([]) removes every instance.
    type: list
    elements: dict
    suboptions:
      id:
        description: The instance id, such as V(i-0123456789abcdef0).
        type: str
        required: true
      region:
        description: The instance's AWS region.
        type: str
        required: true
  rds_databases:
    description: The whole set of RDS databases of the group. V([]) removes every database.
    type: list
    elements: dict
    suboptions:
      id:
        description: The DB instance identifier.
        type: str
        required: true
      region:
        description: The database's AWS region.
        type: str
        required: true
seealso:
  - module: backupdr.cloud.cpm_resource_control_group_info
  - module: backupdr.cloud.cpm_resource_control_operation
"""

EXAMPLES = r"""
- name: Web servers of account main on from 07:00 to 20:00 on weekdays, off over the weekend
  backupdr.cloud.cpm_resource_control_group:
    name: web-office-hours
    account: main
    schedules:
      - {turn_off_day: every_day, turn_on_time: "07:00", turn_off_time: "20:00"}
      - {turn_off_day: friday, turn_off_time: "20:00", turn_on_day: monday, turn_on_time: "07:00"}
    instances: "{{ web_instances | default([]) }}"

- name: Delete the group
  backupdr.cloud.cpm_resource_control_group:
    name: web-office-hours
    state: absent
"""

RETURN = r"""
group:
  description:
    - The group as CPM shows it after the task (C(auto_remove_resource) readable, its letter in
      C(auto_remove_resource_code)), with C(schedules), C(instances) and C(rds_databases) when those options are given.
      Empty after a delete.
  returned: always
  type: dict
  sample: {id: 1, name: web-office-hours, account: 1, enabled: true, operation_mode: on-off, timeout: 30,
           auto_remove_resource: keep, auto_remove_resource_code: N, hibernate: false,
           schedules: [{id: 1, turn_off_day: every_day, turn_off_time: "20:00:00", turn_on_day: null,
                        turn_on_time: "07:00:00"}]}
diff:
  description: With C(--diff), the changed options before and after (sets as lists).
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, check_cpm_name, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs, check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource_control import (
    OFF_DAY, ON_DAY, RC_AUTO_REMOVE, GroupType, row_view, schedule_row, schedules_set, target_identity,
    targets_set,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def argument_spec():
    return cpm_argument_spec(
        name=dict(type='str'),
        id=dict(type='int'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        account=dict(type='str'),
        description=dict(type='str'),
        enabled=dict(type='bool'),
        auto_remove_resource=dict(type='str', choices=RC_AUTO_REMOVE.choices()),
        hibernate=dict(type='bool'),
        operation_mode=dict(type='str', choices=['on-off', 'off']),
        timeout=dict(type='int'),
        schedules=dict(type='list', elements='dict', options=dict(
            turn_off_day=dict(type='str', default='every_day', choices=OFF_DAY.choices()),
            turn_off_time=dict(type='str', required=True),
            turn_on_day=dict(type='str', choices=ON_DAY.choices()),
            turn_on_time=dict(type='str', required=True),
        )),
        instances=dict(type='list', elements='dict', options=dict(
            id=dict(type='str', required=True), region=dict(type='str', required=True))),
        rds_databases=dict(type='list', elements='dict', options=dict(
            id=dict(type='str', required=True), region=dict(type='str', required=True))),
    )


def wanted_sets(params):
    """Canonical wanted rows and targets (validated before any request); None for an option not given."""
    rows = None
    if params.get('schedules') is not None:
        rows = []
        for index, item in enumerate(params['schedules']):
            ident = schedule_row(item, 'schedules[%d]' % index)
            if ident not in rows:
                rows.append(ident)
    targets = {}
    for kind in ('instances', 'rds_databases'):
        if params.get(kind) is None:
            continue
        targets[kind] = []
        for index, item in enumerate(params[kind]):
            option = '%s[%d]' % (kind, index)
            region = check_aws_region(item['region'], option + '.region')
            rid = str(item['id']).strip()
            if kind == 'instances' and not (rid.startswith('i-') and rid[2:].isalnum() and rid.isascii()):
                raise ValidationError(option + '.id', '%r is not an EC2 instance id such as i-0123456789abcdef0' % rid)
            if not rid or not rid.isascii() or any(c in rid for c in '/?#% '):
                raise ValidationError(option + '.id', '%r is not an AWS resource id' % rid)
            if (region, rid) not in targets[kind]:
                targets[kind].append((region, rid))
    return rows, targets


def run(module):
    params = module.params
    check_cpm_name(params.get('name'), 'name')
    if params.get('timeout') is not None and params['timeout'] < 1:
        raise ValidationError('timeout', 'must be 1 minute or more')
    rows, targets = wanted_sets(params)
    client = CPMClient(params, warn=module.warn)
    client.require('resource_control')
    rtype = GroupType(client, params)
    engine = CPMEngine(module, rtype)
    wanted = engine.desired()  # every option validated before any request
    current = engine.find()
    if params['state'] == 'absent':
        changed, dummy, diff = engine.absent(current=current)
        client.finish(module)
        module.exit_json(**engine.result(changed, None, diff))
    if params.get('account') not in (None, ''):
        account = Refs(client, module).account(params['account'], 'account')
        wanted['account'] = as_id(account['id']) if account else params['account']
    elif current is None:
        raise ValidationError('account', 'is required to create a resource control group')
    changed, flat, diff = engine.present(current=current, wanted=wanted)
    diff = diff or dict(before={}, after={})
    extra = {}
    group_id = (flat or {}).get('id') if flat else None
    if rows is not None:
        changed |= converge(module, client, group_id, schedules_set, rows, diff, 'schedules', extra,
                            lambda items: sorted((row_view(i) for i in items), key=lambda r: str(sorted(r.items()))))
    for kind, wanted_targets in targets.items():
        changed |= converge(module, client, group_id, lambda c, g, warn=None, kind=kind: targets_set(c, g, kind, warn),
                            wanted_targets, diff, kind, extra,
                            lambda items: sorted('%s/%s' % target_identity(i) for i in items))
    result = engine.result(changed, flat, diff if changed else None)
    result['group'].update(extra)
    client.finish(module)
    module.exit_json(**result)


def converge(module, client, group_id, make, wanted, diff, option, extra, show):
    """One set (schedules, or targets of one kind): ``changed``."""
    if group_id is None:  # check mode, new group: everything would be added
        diff['after'][option] = show(wanted)
        extra[option] = show(wanted)
        return bool(wanted)
    children = make(client, group_id, warn=module.warn)
    have = children.read()
    to_add, to_remove = children.plan(have, wanted)
    if not to_add and not to_remove:
        extra[option] = show(have)
        return False
    diff['before'][option] = show(have)
    diff['after'][option] = show(wanted)
    if module.check_mode:
        extra[option] = show(wanted)
        return True
    children.apply(to_add, to_remove)
    extra[option] = show(children.read())
    return True


def main():
    run_module(argument_spec(), run, required_one_of=[('name', 'id')])


if __name__ == '__main__':
    main()
