#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET cost_explorer/backup_costs/ gather=backup_costs
# api: GET cost_explorer/backup_costs/{id}/ gather=backup_costs, policy
# api: GET cost_explorer/resource_control_savings/ gather=savings
# api: GET cost_explorer/resource_control_savings/{id}/ gather=savings, group
# api: POST cost_explorer/resource_control_savings/ gather=savings, refresh=true
# api: PUT cost_explorer/resource_control_savings/{id}/ gather=savings, group, refresh=true

DOCUMENTATION = r"""
module: cpm_cost_explorer_info
short_description: Read N2WS Backup & Recovery (CPM) backup costs and resource control savings
version_added: 0.2.0
description:
  - Returns the cost explorer's backup costs per policy (for a period) and the savings resource control groups are
    predicted to make (API 1.4.0), optionally after having CPM recompute the savings (O(refresh), API 1.5.0).
  - CPM caches the savings - a schedule or target change shows after a refresh. A refresh recomputes that cache and
    changes nothing else; the module reports V(changed=false) for it.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  gather:
    description: What to return.
    type: list
    elements: str
    choices: [backup_costs, savings]
    default: [backup_costs, savings]
  policy:
    description: Only the backup costs of this policy (name or id; the last 30 days).
    type: str
  group:
    description: Only the savings of this resource control group (name or id).
    type: str
  start_date:
    description: Start of the backup costs' period, an ISO 8601 date (default 30 days ago).
    type: str
  end_date:
    description: End of the backup costs' period, an ISO 8601 date (default today).
    type: str
  refresh:
    description: Recompute the savings first (every group, or O(group)).
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cpm_resource_control_group
"""

EXAMPLES = r"""
- name: Savings of the resource control groups, recomputed
  backupdr.cloud.cpm_cost_explorer_info:
    gather: [savings]
    refresh: true
  register: cpm_savings
"""

RETURN = r"""
backup_costs:
  description: Per policy, C(blended_costs) (USD) for the period.
  returned: with V(backup_costs)
  type: list
  elements: dict
savings:
  description: Per group, C(total_downtime_hours) and C(total_savings_usd) predicted for a month from C(start_time).
  returned: with V(savings)
  type: list
  elements: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec, find_named, is_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import parse_datetime
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.system import one
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def group_id(client, ref):
    if is_id(ref):
        return as_id(ref)
    items = client.list('resource_control/groups/', {'search': ref}, feature='resource_control')
    group = find_named([g for g in items if g.get('name') == ref], ref, 'group', 'resource control group')
    if group is None:
        raise ValidationError('group', 'no resource control group %r' % ref)
    return as_id(group['id'])


def run(module):
    params = module.params
    dates = {}
    for option in ('start_date', 'end_date'):
        if params.get(option):
            try:
                parse_datetime(params[option])
            except ValueError as exc:
                raise ValidationError(option, str(exc))
            dates[option] = params[option][:10]
    if params.get('policy') and dates:
        raise ValidationError('start_date', 'a single policy\'s costs are for the last 30 days (give no dates with policy)')
    client = CPMClient(params, warn=module.warn)
    client.require('backup_costs')
    result = dict(changed=False)
    gather = params['gather']
    if 'backup_costs' in gather:
        if params.get('policy'):
            policy = Refs(client, module).policy(params['policy'], 'policy')
            result['backup_costs'] = [one(client.get('cost_explorer/backup_costs/%d/' % as_id(policy['id']),
                                                     feature='backup_costs'))]
        else:
            result['backup_costs'] = client.list('cost_explorer/backup_costs/', dates or None, feature='backup_costs')
    if 'savings' in gather:
        gid = group_id(client, params['group']) if params.get('group') else None
        if params['refresh'] and not module.check_mode:
            client.require('savings_refresh', 'refresh')
            if gid is None:
                client.post('cost_explorer/resource_control_savings/', {}, feature='savings_refresh', perm=None,
                            idempotent=True)
            else:
                client.call('PUT', 'cost_explorer/resource_control_savings/%d/' % gid, feature='savings_refresh')
        if gid is None:
            result['savings'] = client.list('cost_explorer/resource_control_savings/', feature='backup_costs')
        else:
            result['savings'] = [one(client.get('cost_explorer/resource_control_savings/%d/' % gid,
                                                feature='backup_costs'))]
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(cpm_argument_spec(
        gather=dict(type='list', elements='str', choices=['backup_costs', 'savings'],
                    default=['backup_costs', 'savings']),
        policy=dict(type='str'),
        group=dict(type='str'),
        start_date=dict(type='str'),
        end_date=dict(type='str'),
        refresh=dict(type='bool', default=False),
    ), run)


if __name__ == '__main__':
    main()
