#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: POST accounts/backup/{id}/clone_vpc/ account (vpc, to_account, to_region, to_vpc)
# api: GET accounts/backup/{id}/clone_vpc_log/ wait_timeout (the outcome: the last line of the log)

DOCUMENTATION = r"""
module: cpm_vpc_clone
short_description: Clone a VPC N2WS Backup & Recovery (CPM) captured into an account and region, once
version_added: 0.2.0
description:
  - Clones a captured VPC of a backup account into an account and region under a new name
    (C(POST /api/accounts/backup/{id}/clone_vpc/), API 1.3.0), so that instances can be recovered into the same
    network layout elsewhere, and waits (O(wait)) until the clone has ended.
  - "B(How the outcome is determined): CPM gives a clone no id and no status, and answers the request with 200 or
    201 without a body. The module reads the log of the account's clone of that source to that destination
    (C(GET /api/accounts/backup/{id}/clone_vpc_log/?from_region=..&to_account=..&to_region=..&to_vpc=..), API 1.4.0)
    until its last line says how it ended - an C(Error) line, or one that says the clone failed, is a failure; one
    that says it completed or succeeded is a success - and returns the log and how it was read (RV(outcome_from)).
    The log read just before the request is remembered, so that the log of an earlier clone is not taken for this
    one's."
  - "B(Idempotent): when the log of that source and destination already ends successfully, the module reports
    V(changed=false) and sends nothing; a clone that still runs is followed; one that failed is tried again.
    O(clone_again=true) clones whatever the log says."
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  account:
    description:
      - The backup account (name or id) whose captured VPC to clone.
    type: str
    required: true
  vpc:
    description:
      - The captured VPC, by the id of its capture record, or by its AWS id (V(vpc-...)) or name (its latest capture).
    type: str
    required: true
  region:
    description:
      - The AWS region of the VPC, when O(vpc) names VPCs in several regions.
    type: str
  to_account:
    description:
      - The account (name or id) to clone the VPC into.
    type: str
    required: true
  to_region:
    description:
      - The AWS region to clone the VPC into.
    type: str
    required: true
  to_vpc:
    description:
      - The name of the new VPC.
    type: str
    required: true
  bucket_name:
    description:
      - An S3 bucket of O(to_account) in O(to_region) CPM may use for the CloudFormation template.
    type: str
  clone_again:
    description:
      - Clone even when the log shows a successful clone of this VPC to this destination; such a task reports a
        change on every run.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for the clone when O(wait=true).
    type: int
    default: 1800
notes:
  - A delegate needs C(allow_recovery); VPC capture and clone must be in the CPM licence. Following the clone needs API
    1.4.0 (with an older O(api_version), use O(wait=false)).
seealso:
  - module: backupdr.cloud.cpm_captured_vpc_info
  - module: backupdr.cloud.cpm_captured_vpc_template
"""

EXAMPLES = r"""
- name: Capture the VPCs of account main
  backupdr.cloud.cpm_account:
    name: main
    capture_vpcs: true

- name: Clone main's VPC into the DR account in us-west-2 (a re-run changes nothing)
  backupdr.cloud.cpm_vpc_clone:
    account: main
    region: us-east-1
    vpc: main-vpc-us-east-1
    to_account: dr-vault
    to_region: us-west-2
    to_vpc: web-dr
  register: clone

- name: How it ended
  ansible.builtin.debug:
    msg: "{{ clone.clone.state }}: {{ clone.log[-1].log }} (read from {{ clone.outcome_from }})"
"""

RETURN = r"""
clone:
  description:
    - The clone, C(account), C(from_vpc) (the captured VPC record id), C(vpc_aws_id), C(from_region), C(to_account),
      C(to_region), C(to_vpc), C(bucket_name), C(state) (V(successful), V(failed), V(in_progress)) and C(new_vpc_id)
      (when the last log line names one, else V(null)).
  returned: always
  type: dict
  sample: {account: 1, from_vpc: 3, vpc_aws_id: vpc-20555688691b79152, from_region: us-east-1, to_account: 2,
           to_region: us-west-2, to_vpc: web-dr, state: successful, new_vpc_id: vpc-0f1e2d3c4b5a69788}
log:
  description: The clone's log lines (C(log), C(log_time), C(log_type)).
  returned: always
  type: list
  elements: dict
outcome_from:
  description: Where the outcome was read, the clone log request with its query.
  returned: always
  type: str
  sample: "the last line of GET /api/accounts/backup/1/clone_vpc_log/?from_region=us-east-1&to_account=2&to_region=us-west-2&to_vpc=web-dr"
operation:
  description:
    - How the clone went; C(state) (V(success), V(failed), V(running), V(unknown), V(would_start) in check mode),
      C(status), C(attached) (an earlier clone's log was returned or followed), C(adopted), C(waited), C(elapsed).
  returned: always
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.recoveries import account_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs, check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.vpcs import (
    CloneJob, classify_line, find_vpc, new_vpc_id, query_text,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import JobFailed, JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_single_line


def argument_spec():
    return cpm_argument_spec(
        account=dict(type='str', required=True),
        vpc=dict(type='str', required=True),
        region=dict(type='str'),
        to_account=dict(type='str', required=True),
        to_region=dict(type='str', required=True),
        to_vpc=dict(type='str', required=True),
        bucket_name=dict(type='str'),
        clone_again=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=1800),
    )


def run(module):
    params = module.params
    for option in ('region', 'to_region'):
        if params.get(option):
            check_aws_region(params[option], option)
    for option in ('vpc', 'to_vpc', 'bucket_name'):
        if params.get(option):
            check_single_line(params[option], option)
    if not params['to_vpc'].strip():
        raise ValidationError('to_vpc', 'must not be empty')
    client = CPMClient(params, warn=module.warn)
    client.require('clone_vpc', 'account')
    if params['wait']:
        client.require('clone_vpc_log', 'wait')
    refs = Refs(client, module)
    account = refs.account(params['account'], 'account', 'backup')
    region = refs.region_ids([params['region']], 'region')[0] if params.get('region') else None
    vpc = find_vpc(client, params['vpc'], as_id(account['id']), region)
    body = {'from_vpc': as_id(vpc['id']), 'to_account': account_id(refs, params['to_account'], 'to_account'),
            'to_region': params['to_region'], 'to_vpc': params['to_vpc']}
    if params.get('bucket_name'):
        body['bucket_name'] = params['bucket_name']
    job = CloneJob(client, account, vpc, body, clone_again=params['clone_again'])
    runner = JobRunner(module, client, wait=params['wait'], wait_timeout=params['wait_timeout'])
    base = dict(outcome_from='the last line of GET /api/accounts/backup/%d/clone_vpc_log/?%s' % (
        as_id(account['id']), query_text(job)))
    try:
        result = runner.run(job)
    except JobFailed as exc:
        lines = exc.result.observation or []
        client.finish(module)
        module.fail_json(msg='%s; its log ends: %s' % (exc, lines[-1].get('log') if lines else 'nothing yet'),
                         changed=exc.result.changed, clone=clone_view(vpc, body, lines, account),
                         log=lines, operation=exc.result.as_dict(), **base)
    lines = result.observation if isinstance(result.observation, list) else []
    client.finish(module)
    module.exit_json(changed=result.changed, clone=clone_view(vpc, body, lines, account, result.state), log=lines,
                     operation=result.as_dict(), **base)


def clone_view(vpc, body, lines, account, state=None):
    readable = classify_line(lines[-1] if lines else None)[1] if state != 'would_start' else 'would_start'
    return dict(account=as_id(account['id']), from_vpc=as_id(vpc['id']), vpc_aws_id=vpc.get('vpc_aws_id'),
                from_region=vpc.get('region'), to_account=body['to_account'], to_region=body['to_region'],
                to_vpc=body['to_vpc'], bucket_name=body.get('bucket_name'), state=readable,
                new_vpc_id=new_vpc_id(lines) if readable == 'successful' else None)


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
