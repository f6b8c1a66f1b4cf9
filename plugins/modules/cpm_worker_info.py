#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET workers/ (always; account, region)
# api: GET workers/{id}/ id
# api: GET workers/{configuration_id}/test/{id}/ id, test_id
# api: GET worker_tags/ tags=true
# api: GET worker_tags/{id}/ tag_id

DOCUMENTATION = r"""
module: cpm_worker_info
short_description: List N2WS Backup & Recovery (CPM) worker configurations, their tests and worker tags
version_added: 0.2.0
description:
  - Returns the worker configurations the API key's user sees (or those of an account, a region, or one by id), a
    worker test session, and the worker tags.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  account:
    description: Only the configurations (and tags) of this backup account (name or id).
    type: str
  region:
    description: Only the configurations of this AWS region.
    type: str
  id:
    description: Only this configuration (read directly).
    type: int
  test_id:
    description: With O(id), also return this test session of the configuration (RV(test)).
    type: int
  tags:
    description: Also return the worker tags (API 1.5.0).
    type: bool
    default: false
  tag_id:
    description: Return only this worker tag in RV(worker_tags) (read directly).
    type: int
seealso:
  - module: backupdr.cloud.cpm_worker
  - module: backupdr.cloud.cpm_worker_tag
"""

EXAMPLES = r"""
- name: The worker configurations and tags of account main
  backupdr.cloud.cpm_worker_info:
    account: main
    tags: true
  register: main_workers
"""

RETURN = r"""
workers:
  description: The configurations, as M(backupdr.cloud.cpm_worker) returns one (with C(region_name)).
  returned: always
  type: list
  elements: dict
test:
  description: With O(test_id), the test session (C(session_status) V(I), V(S) or V(F), C(test_session_fail_desc)).
  returned: with O(test_id)
  type: dict
worker_tags:
  description: With O(tags) or O(tag_id), the worker tags (C(id), C(account), C(key), C(value)).
  returned: with O(tags) or O(tag_id)
  type: list
  elements: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs, check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.workers import WorkerType
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def run(module):
    params = module.params
    region = check_aws_region(params['region'], 'region') if params.get('region') else None
    if params.get('test_id') is not None and params.get('id') is None:
        raise ValidationError('test_id', 'needs id (the configuration tested)')
    client = CPMClient(params, warn=module.warn)
    account_id = None
    if params.get('account') not in (None, ''):
        account = Refs(client, module).account(params['account'], 'account')
        account_id = as_id(account['id']) if account else -1
    rtype = WorkerType(client, params)
    if params.get('id') is not None:
        found = client.get_or_none('workers/%d/' % params['id'], feature='workers')
        items = [found] if found else []
    else:
        items = client.list('workers/', {'account': account_id}, feature='workers')
    out = [rtype.view(w) for w in items]
    out = [w for w in out if (account_id is None or as_id(w.get('account')) == account_id)
           and (region is None or w.get('region_name') == region)]
    result = dict(changed=False, workers=out)
    if params.get('test_id') is not None:
        result['test'] = client.get_or_none('workers/%d/test/%d/' % (params['id'], params['test_id']),
                                            feature='worker_test') or {}
    if params.get('tag_id') is not None:
        found = client.get_or_none('worker_tags/%d/' % params['tag_id'], feature='worker_tags')
        result['worker_tags'] = [found] if found else []
    elif params['tags']:
        tags = client.list('worker_tags/', {'account': account_id}, feature='worker_tags')
        result['worker_tags'] = [t for t in tags if account_id is None or as_id(t.get('account')) == account_id]
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(cpm_argument_spec(
        account=dict(type='str'),
        region=dict(type='str'),
        id=dict(type='int'),
        test_id=dict(type='int'),
        tags=dict(type='bool', default=False),
        tag_id=dict(type='int'),
    ), run)


if __name__ == '__main__':
    main()
