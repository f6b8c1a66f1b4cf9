#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET recovery_scenarios/ name (and the list's filters)
# api: GET recovery_scenarios/{id}/ id
# api: GET recovery_scenarios/{scenario_id}/targets/ targets
# api: GET recovery_scenarios/records/ runs
# api: GET recovery_scenarios/records/{id}/logs/ run_logs

DOCUMENTATION = r"""
module: cpm_recovery_scenario_info
short_description: List N2WS Backup & Recovery (CPM) recovery scenarios with their targets, runs and logs
version_added: 0.2.0
description:
  - Returns CPM recovery scenarios (C(GET /api/recovery_scenarios/), API 1.4.0) selected with the API's filters,
    optionally with their targets, the records of their runs (C(GET /api/recovery_scenarios/records/)), each run's
    log and the recovery records it made.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  name:
    description:
      - Only the scenario with exactly this name.
    type: str
  id:
    description:
      - Only the scenario with this id.
    type: int
  policy:
    description:
      - Only the scenarios of this policy (name or id).
    type: str
  account:
    description:
      - Only the scenarios of the policies of this backup account (name or id).
    type: str
  search:
    description:
      - Only the scenarios whose name, description, policy or destination region contain these words.
    type: str
  targets:
    description:
      - Add each scenario's C(targets).
    type: bool
    default: true
  runs:
    description:
      - Add the records of each scenario's runs (newest first) under C(runs), at most this many per scenario
        (V(0) for none).
    type: int
    default: 0
  run_logs:
    description:
      - With O(runs), add each run's C(log) and the C(recoveries) it made.
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cpm_recovery_scenario
  - module: backupdr.cloud.cpm_recovery_scenario_run
"""

EXAMPLES = r"""
- name: Every scenario with its targets
  backupdr.cloud.cpm_recovery_scenario_info:
  register: scenarios

- name: The web-dr scenario with its last three runs, their logs and recoveries
  backupdr.cloud.cpm_recovery_scenario_info:
    name: web-dr
    runs: 3
    run_logs: true
  register: web_dr
"""

RETURN = r"""
recovery_scenarios:
  description:
    - The scenarios, with C(schedule_running_option) readable (letter in C(schedule_running_option_code)),
      C(destination_region) as an AWS region name, C(target_counts) per kind, C(targets) (kind readable,
      configuration parsed) and, with O(runs), C(runs) (status readable, C(seconds), with O(run_logs) C(log) and
      C(recoveries)).
  returned: always
  type: list
  elements: dict
  sample:
    - id: 3
      name: web-dr
      policy: 2
      schedule_running_option: dry_run
      targets: [{id: 11, kind: volume, aws_region: us-east-1, aws_resource_id: vol-ac572e225cd6e9379, order: 1,
                 configuration: {zone: us-east-1b}}]
      runs: [{id: 4, status: successful, dry_run_only: true, seconds: 190.0}]
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.recoveries import recovery_view
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.scenarios import (
    Runs, ScenarioType, Targets, record_view, target_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def argument_spec():
    return cpm_argument_spec(
        name=dict(type='str'),
        id=dict(type='int'),
        policy=dict(type='str'),
        account=dict(type='str'),
        search=dict(type='str'),
        targets=dict(type='bool', default=True),
        runs=dict(type='int', default=0),
        run_logs=dict(type='bool', default=False),
    )


def run(module):
    params = module.params
    if params['runs'] < 0:
        raise ValidationError('runs', 'must not be negative')
    client = CPMClient(params, warn=module.warn)
    client.require('recovery_scenarios')
    refs = Refs(client, module)
    rtype = ScenarioType(client, {}, module)
    if params.get('id') is not None:
        found = rtype.get(params['id'])
        items = [found] if found else []
    else:
        query = {'name': params.get('name'), 'search': params.get('search')}
        if params.get('policy'):
            policy = refs.policy(params['policy'], 'policy')
            query['policy'] = as_id(policy['id']) if policy else -1
        if params.get('account'):
            query['account'] = refs.account_id(params['account'], 'account')
        items = client.list('recovery_scenarios/', query, feature='recovery_scenarios')
        if params.get('name'):
            items = [s for s in items if s.get('name') == params['name']]
    runs = Runs(client)
    out = []
    for item in items:
        view = rtype.view(item)
        if params['targets']:
            view['targets'] = [target_view(t) for t in Targets(client, item['id']).read()]
        if params['runs']:
            records = client.list('recovery_scenarios/records/', {'recovery_scenario': as_id(item['id']),
                                                                  'ordering': '-start_time'},
                                  feature='recovery_scenarios', limit=params['runs'], page_size=params['runs'])
            view['runs'] = []
            for record in records:
                rview = record_view(record)
                if params['run_logs']:
                    rview['log'] = runs.logs(record['id'])
                    rview['recoveries'] = [recovery_view(r) for r in runs.children(record['id'])]
                view['runs'].append(rview)
        out.append(view)
    client.finish(module)
    module.exit_json(changed=False, recovery_scenarios=out)


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
