#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET resource_control/groups/ (always; name, account)
# api: GET resource_control/groups/{id}/ id
# api: GET resource_control/groups/{group_id}/schedules/ details=true
# api: GET resource_control/groups/{group_id}/schedules/{id}/ id, schedule_id
# api: GET resource_control/groups/{group_id}/targets/ details=true
# api: GET resource_control/groups/{group_id}/targets/instances/{id}/ id, instance_target_id
# api: GET resource_control/groups/{group_id}/targets/rds_databases/{id}/ id, rds_target_id

DOCUMENTATION = r"""
module: cpm_resource_control_group_info
short_description: List N2WS Backup & Recovery (CPM) resource control groups with their schedules and targets
version_added: 0.2.0
description:
  - Returns the resource control groups the API key's user sees (or one, or those of an account), and with
    O(details=true) each group's on/off schedules and targets (API 1.2.0).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  name:
    description: Only the group of this exact name.
    type: str
  id:
    description: Only the group with this id (read directly).
    type: int
  account:
    description: Only the groups of this backup account (name or id).
    type: str
  details:
    description: Add C(schedules) and C(targets) to each group.
    type: bool
    default: false
  schedule_id:
    description: With O(id), return this schedule row in RV(schedule) (read directly).
    type: int
  instance_target_id:
    description: With O(id), return this instance target in RV(target) (read directly).
    type: int
  rds_target_id:
    description: With O(id), return this RDS target in RV(target) (read directly).
    type: int
seealso:
  - module: backupdr.cloud.cpm_resource_control_group
"""

EXAMPLES = r"""
- name: Every group with its schedules and targets
  backupdr.cloud.cpm_resource_control_group_info:
    details: true
  register: rc_groups
"""

RETURN = r"""
groups:
  description: The groups, as M(backupdr.cloud.cpm_resource_control_group) returns one (with C(schedules) and
    C(targets) with O(details)).
  returned: always
  type: list
  elements: dict
schedule:
  description: With O(schedule_id), the schedule row.
  returned: with O(schedule_id)
  type: dict
target:
  description: With O(instance_target_id) or O(rds_target_id), the target.
  returned: with one of them
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource_control import GroupType, row_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

BASE = 'resource_control/groups/'


def run(module):
    params = module.params
    for option in ('schedule_id', 'instance_target_id', 'rds_target_id'):
        if params.get(option) is not None and params.get('id') is None:
            raise ValidationError(option, 'needs id (the group)')
    client = CPMClient(params, warn=module.warn)
    client.require('resource_control')
    rtype = GroupType(client, params)
    if params.get('id') is not None:
        found = client.get_or_none('%s%d/' % (BASE, params['id']), feature='resource_control')
        items = [found] if found else []
    else:
        query = {'search': params.get('name') or None}
        if params.get('account') not in (None, ''):
            account = Refs(client, module).account(params['account'], 'account')
            query['account'] = as_id(account['id']) if account else -1
        items = client.list(BASE, query, feature='resource_control')
        if 'account' in query:
            items = [g for g in items if as_id(g.get('account')) == query['account']]
    if params.get('name'):
        items = [g for g in items if g.get('name') == params['name']]
    out = []
    for item in items:
        view = rtype.view(item)
        if params['details']:
            gid = as_id(item['id'])
            view['schedules'] = [row_view(r) for r in client.list('%s%d/schedules/' % (BASE, gid),
                                                                  feature='resource_control')]
            view['targets'] = client.list('%s%d/targets/' % (BASE, gid), feature='resource_control')
        out.append(view)
    result = dict(changed=False, groups=out)
    if params.get('schedule_id') is not None:
        result['schedule'] = client.get_or_none('%s%d/schedules/%d/' % (BASE, params['id'], params['schedule_id']),
                                                feature='resource_control') or {}
    for option, kind in (('instance_target_id', 'instances'), ('rds_target_id', 'rds_databases')):
        if params.get(option) is not None:
            result['target'] = client.get_or_none('%s%d/targets/%s/%d/' % (BASE, params['id'], kind, params[option]),
                                                  feature='resource_control') or {}
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(cpm_argument_spec(
        name=dict(type='str'),
        id=dict(type='int'),
        account=dict(type='str'),
        details=dict(type='bool', default=False),
        schedule_id=dict(type='int'),
        instance_target_id=dict(type='int'),
        rds_target_id=dict(type='int'),
    ), run)


if __name__ == '__main__':
    main()
