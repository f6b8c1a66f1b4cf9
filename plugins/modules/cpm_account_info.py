#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpm_account_info
short_description: List N2WS Backup & Recovery (CPM) backup and DR accounts
version_added: 0.1.0
description:
  - Returns the CPM backup and DR accounts the API key's user sees (the root user also sees his managed users'
    accounts), or those selected by name, id, kind or owner, optionally with CPM's AWS permission check of each.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  name:
    description:
      - Only the accounts of this exact name.
    type: str
  id:
    description:
      - Only the account with this id.
    type: int
  kind:
    description:
      - V(backup) or V(dr) accounts only, or V(all).
    type: str
    choices: [backup, dr, all]
    default: all
  user:
    description:
      - Only the accounts of this owner, a user id (or a user name, which only the root user may look up).
    type: str
  check_aws_permissions:
    description:
      - Add C(aws_permissions) to each account, CPM's AWS permission check (one request per account, API 1.4.0).
    type: bool
    default: false
  search:
    description:
      - Only the accounts whose fields (name, AWS access key) contain every word of this (the API's C(search) filter).
    type: str
  ordering:
    description:
      - The API's ordering; a field, C(-) first for descending, several separated by commas (authentication, name,
        user).
    type: str
seealso:
  - module: backupdr.cloud.cpm_account
"""

EXAMPLES = r"""
- name: Every account
  backupdr.cloud.cpm_account_info:
  register: accounts

- name: DR accounts with their AWS permission check
  backupdr.cloud.cpm_account_info:
    kind: dr
    check_aws_permissions: true
  register: dr_accounts

- name: Fail when an account cannot be reached
  ansible.builtin.assert:
    that: item.aws_permissions | selectattr('connection', 'ne', 'OK') | list | length == 0
    fail_msg: "CPM cannot reach account {{ item.name }}"
  loop: "{{ dr_accounts.accounts }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
accounts:
  description:
    - The accounts, as M(backupdr.cloud.cpm_account) returns one (C(kind), C(authentication) readable with its
      letter in C(authentication_code), scanned regions by name and id); never a secret key.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 1
      name: main
      kind: backup
      authentication: iam_user
      authentication_code: C
      aws_access_key: AKIASIMMAINACCOUNT01
      account_number: "111111111111"
      scan_regions: [us-east-1]
      scan_region_ids: [1]
      related_policies: [2, 3]
      user: 1
count:
  description: The number of accounts returned.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.accounts import account_view, permission_check
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def argument_spec():
    return cpm_argument_spec(
        search=dict(type='str'),
        ordering=dict(type='str'),
        name=dict(type='str'),
        id=dict(type='int'),
        kind=dict(type='str', choices=['backup', 'dr', 'all'], default='all'),
        user=dict(type='str'),
        check_aws_permissions=dict(type='bool', default=False),
    )


def run(module):
    params = module.params
    client = CPMClient(params, warn=module.warn)
    if params['check_aws_permissions']:
        client.require('check_aws_permissions', 'check_aws_permissions')
    refs = Refs(client)
    kinds = ('backup', 'dr') if params['kind'] == 'all' else (params['kind'],)
    query = {'search': params.get('search') or None, 'ordering': params.get('ordering') or None}
    if params.get('name'):
        query['name'] = params['name']
    if params.get('user') not in (None, ''):
        query['user'] = refs.user_id(params['user'], 'user')
    out = []
    for kind in kinds:
        if params.get('id') is not None:
            found = client.get_or_none('accounts/%s/%d/' % (kind, params['id']), feature='accounts')
            items = [found] if found else []
        else:
            items = client.list('accounts/%s/' % kind, query, feature='accounts')
        for item in items:
            if params.get('name') and item.get('name') != params['name']:
                continue
            view = account_view(item, refs, kind)
            if params['check_aws_permissions']:
                view['aws_permissions'] = permission_check(client, kind, item['id'])
            out.append(view)
    client.finish(module)
    module.exit_json(changed=False, accounts=out, count=len(out))


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
