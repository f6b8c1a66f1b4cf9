#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET workers/ account, region (the lookup)
# api: GET workers/{id}/ id
# api: POST workers/ state=present (a new configuration)
# api: PUT workers/{id}/ state=present
# api: DELETE workers/{id}/ state=absent
# api: POST workers/{configuration_id}/test/ test=true
# api: GET workers/{configuration_id}/test/{id}/ test=true (polled)

DOCUMENTATION = r"""
module: cpm_worker
short_description: Configure the workers N2WS Backup & Recovery (CPM) launches for an account in a region
version_added: 0.2.0
description:
  - Makes sure the worker configuration of a backup account in an AWS region (the VPC, subnet, security group, key
    pair and HTTP proxy of the workers CPM launches there for file-level recovery and S3 copies) has the given
    values, or that it does not exist; optionally tests it.
  - B(Identity.) A worker configuration has no name in CPM - the module identifies it by O(account) and O(region),
    one configuration per account and region (CPM refuses a second one). When CPM holds several for the pair, give
    O(id).
  - CPM types C(region) as a region id and describes it as the AWS region; the module takes the AWS name and sends the
    form CPM's own configurations use.
  - Only the options given are compared; a change is one full-body C(PUT).
  - O(test=true) starts CPM's worker test (a worker is launched with the configuration, API 1.4.0) and, with
    O(wait=true), follows the test session until it succeeds or fails (a failure fails the task, with CPM's
    description).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  account:
    description: The backup account (name or id).
    type: str
    required: true
  region:
    description: The AWS region, such as V(us-east-1).
    type: str
    required: true
  id:
    description: The configuration's id, when CPM holds several for O(account) and O(region).
    type: int
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
  vpc:
    description: The VPC the workers are launched in (required to create). An AWS id such as V(vpc-0123456789abcdef0).
    type: str
  security_group:
    description: The security group of the workers (required to create), in O(vpc).
    type: str
  subnet:
    description: The subnet of the workers, in O(vpc); an empty string lets CPM choose.
    type: str
  key_pair:
    description: The EC2 key pair of the workers; an empty string for none.
    type: str
  requires_http_proxy:
    description: Whether the workers reach AWS through an HTTP proxy (then O(http_proxy_address) and O(http_proxy_port)).
    type: bool
  http_proxy_address:
    description: The proxy's address.
    type: str
  http_proxy_port:
    description: The proxy's port.
    type: int
  http_proxy_user:
    description: The proxy user.
    type: str
  http_proxy_password:
    description: The proxy password, write-only (see O(update_password)).
    type: str
  update_password:
    description:
      - V(on_create) sends O(http_proxy_password) when the configuration is created; V(always) on every run (always
        a change).
    type: str
    choices: [on_create, always]
    default: on_create
  test:
    description: Test the configuration (after applying the options); see O(wait).
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cpm_worker_info
  - module: backupdr.cloud.cpm_worker_tag
"""

EXAMPLES = r"""
- name: Workers of account main in us-east-1, tested
  backupdr.cloud.cpm_worker:
    account: main
    region: us-east-1
    vpc: "{{ worker_vpc | default('vpc-0123456789abcdef0') }}"
    subnet: "{{ worker_subnet | default('subnet-0123456789abcdef0') }}"
    security_group: "{{ worker_sg | default('sg-0123456789abcdef0') }}"
    test: "{{ worker_vpc is defined }}"

- name: No worker configuration in us-west-2
  backupdr.cloud.cpm_worker:
    account: main
    region: us-west-2
    state: absent
"""

RETURN = r"""
worker:
  description:
    - The configuration as CPM shows it after the task (C(region) as CPM gives it, C(region_name) the AWS name); never
      the proxy password. Empty after a delete.
  returned: always
  type: dict
  sample: {id: 1, account: 1, region: 1, region_name: us-east-1, aws_vpc: vpc-0a1b2c3d4e5f60718,
           aws_subnet: subnet-0a1b2c3d4e5f60718, aws_security_group: sg-0a1b2c3d4e5f60718, aws_key_pair: null,
           requires_http_proxy: false, user: 1}
test:
  description: With O(test), the test session (C(id), C(session_status), C(test_session_fail_desc)) and the job's
    C(state), C(status) and C(elapsed).
  returned: with O(test)
  type: dict
diff:
  description: With C(--diff), the changed options before and after.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs, check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.workers import WorkerTestJob, WorkerType
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def argument_spec():
    return cpm_argument_spec(
        account=dict(type='str', required=True),
        region=dict(type='str', required=True),
        id=dict(type='int'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        vpc=dict(type='str'),
        security_group=dict(type='str'),
        subnet=dict(type='str'),
        key_pair=dict(type='str', no_log=False),
        requires_http_proxy=dict(type='bool'),
        http_proxy_address=dict(type='str'),
        http_proxy_port=dict(type='int'),
        http_proxy_user=dict(type='str'),
        http_proxy_password=dict(type='str', no_log=True),
        update_password=dict(type='str', choices=['on_create', 'always'], default='on_create', no_log=False),
        test=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
    )


def run(module):
    params = module.params
    region = check_aws_region(params['region'], 'region')
    port = params.get('http_proxy_port')
    if port is not None and not 1 <= port <= 65535:
        raise ValidationError('http_proxy_port', 'must be between 1 and 65535')
    if params.get('requires_http_proxy') and not (params.get('http_proxy_address') and port):
        raise ValidationError('requires_http_proxy', 'needs http_proxy_address and http_proxy_port')
    client = CPMClient(params, warn=module.warn)
    client.require('workers')
    probe = WorkerType(client, params)
    engine = CPMEngine(module, probe)
    wanted = engine.desired()  # every option validated before any request
    if test_needed(params):
        client.require('worker_test', 'test')
    account = Refs(client, module).account(params['account'], 'account')
    account_id = as_id(account['id']) if account else None
    rtype = WorkerType(client, params, account_id, region, warn=module.warn)
    engine = CPMEngine(module, rtype)
    if params.get('id') is not None:
        current = rtype.get(params['id'])
        if current is None:
            raise ValidationError('id', 'no worker configuration has the id %d' % params['id'])
    else:
        current = rtype.find() if account_id is not None else None
    if params['state'] == 'absent':
        changed, dummy, diff = engine.absent(current=current)
        client.finish(module)
        module.exit_json(**engine.result(changed, None, diff))
    if current is None:
        for option in ('vpc', 'security_group'):
            if not wanted.get(option):
                raise ValidationError(option, 'is required to create the worker configuration of account %s in %s' % (
                    params['account'], region))
    elif params['update_password'] == 'always' and params.get('http_proxy_password'):
        engine.force = ('http_proxy_password',)
    changed, flat, diff = engine.present(current=current, wanted=wanted)
    result = engine.result(changed, flat, diff)
    if params['test']:
        if module.check_mode:
            result['test'] = dict(state='would_start')
        else:
            runner = JobRunner(module, client, wait=params['wait'], wait_timeout=params['wait_timeout'])
            outcome = runner.run(WorkerTestJob(client, flat['id']))
            test = outcome.as_dict()
            test.pop('observation', None)
            test['session'] = outcome.observation
            result['test'] = test
            result['changed'] = True
    client.finish(module)
    module.exit_json(**result)


def test_needed(params):
    return params['test'] and params['state'] == 'present'


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
