#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET captured_vpcs/ account (and the list's filters)
# api: GET captured_vpcs/{id}/ id
# api: GET captured_vpcs/logs/ logs=true

DOCUMENTATION = r"""
module: cpm_captured_vpc_info
short_description: List the VPCs N2WS Backup & Recovery (CPM) captured, and the log of the last VPC clone
version_added: 0.2.0
description:
  - Returns the captured VPCs (C(GET /api/captured_vpcs/), API 1.4.0) of the backup accounts whose C(capture_vpcs)
    is on (M(backupdr.cloud.cpm_account)), optionally only the latest capture of each VPC.
  - With O(logs), also the log of the last VPC clone (C(GET /api/captured_vpcs/logs/)).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  id:
    description:
      - Only the captured VPC record with this id.
    type: int
  account:
    description:
      - Only the VPCs of this backup account (name or id).
    type: str
  region:
    description:
      - Only the VPCs of this AWS region (such as V(us-east-1)).
    type: str
  vpc:
    description:
      - Only the captures of this VPC, by its AWS id (V(vpc-...)) or its name.
    type: str
  latest:
    description:
      - Only the latest capture of each VPC (CPM keeps one record per capture).
    type: bool
    default: false
  logs:
    description:
      - Add RV(clone_log), the log of the last VPC clone.
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cpm_vpc_clone
  - module: backupdr.cloud.cpm_captured_vpc_template
"""

EXAMPLES = r"""
- name: Capture the VPCs of account main
  backupdr.cloud.cpm_account:
    name: main
    capture_vpcs: true

- name: The latest capture of every VPC of account main
  backupdr.cloud.cpm_captured_vpc_info:
    account: main
    latest: true
  register: vpcs
"""

RETURN = r"""
captured_vpcs:
  description: The captured VPC records (C(id), C(account), C(name), C(region), C(vpc_aws_id), C(capture_time), C(template_size)).
  returned: always
  type: list
  elements: dict
  sample: [{id: 1, account: 1, name: main-vpc-us-east-1, region: us-east-1, vpc_aws_id: vpc-20555688691b79152,
            capture_time: "2026-11-30T08:00:00.000000Z", template_size: 2456}]
clone_log:
  description: With O(logs), the log lines of the last VPC clone (C(log), C(log_time), C(log_type)).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.vpcs import latest_only, vpc_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def argument_spec():
    return cpm_argument_spec(
        id=dict(type='int'),
        account=dict(type='str'),
        region=dict(type='str'),
        vpc=dict(type='str'),
        latest=dict(type='bool', default=False),
        logs=dict(type='bool', default=False),
    )


def run(module):
    params = module.params
    client = CPMClient(params, warn=module.warn)
    client.require('captured_vpcs')
    refs = Refs(client, module)
    query = {}
    region_ids = refs.region_ids([params['region']], 'region') if params.get('region') else []
    if params.get('account'):
        query['account'] = refs.account_id(params['account'], 'account')
    if region_ids:
        query['region'] = region_ids[0]
    if params.get('id') is not None:
        found = client.get_or_none('captured_vpcs/%d/' % params['id'], feature='captured_vpcs')
        items = [found] if found else []
    else:
        items = client.list('captured_vpcs/', query, feature='captured_vpcs')
    if params.get('region'):
        items = [v for v in items if v.get('region') == params['region']]
    if params.get('vpc'):
        items = [v for v in items if params['vpc'] in (v.get('vpc_aws_id'), v.get('name'))]
    if params['latest']:
        items = latest_only(items)
    log = []
    if params['logs']:
        answer = client.get('captured_vpcs/logs/', feature='captured_vpcs')
        log = answer if isinstance(answer, list) else (answer or {}).get('results', []) or []
    client.finish(module)
    module.exit_json(changed=False, captured_vpcs=[vpc_view(v) for v in items], clone_log=log)


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
