#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET users/ (every user, or username)
# api: GET users/{id}/ id

DOCUMENTATION = r"""
module: cpm_user_info
short_description: List N2WS Backup & Recovery (CPM) users
version_added: 0.2.0
description:
  - Returns the CPM users (independent and managed; delegates are listed by M(backupdr.cloud.cpm_delegate_info)),
    or one of them, with their profile, quotas and counts. Only the root user's API key may list users.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  username:
    description:
      - Only the user of this exact name.
    type: str
  id:
    description:
      - Only the user with this id (read directly; none when it does not exist).
    type: int
seealso:
  - module: backupdr.cloud.cpm_user
"""

EXAMPLES = r"""
- name: Every user
  backupdr.cloud.cpm_user_info:
  register: cpm_users

- name: One user
  backupdr.cloud.cpm_user_info:
    username: tenant
"""

RETURN = r"""
users:
  description: The users, as M(backupdr.cloud.cpm_user) returns one.
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 2, username: tenant, email: "", user_type: independent, num_accounts: 1, num_policies: 0,
       profile: {is_managed_user: false, allow_cost_explorer: true}}
count:
  description: The number of users returned.
  returned: always
  type: int
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def run(module):
    params = module.params
    client = CPMClient(params, warn=module.warn)
    if params.get('id') is not None:
        found = client.get_or_none('users/%d/' % params['id'], feature='users')
        items = [found] if found else []
    else:
        items = client.list('users/', feature='users')
    if params.get('username'):
        items = [u for u in items if u.get('username') == params['username']]
    client.finish(module)
    module.exit_json(changed=False, users=items, count=len(items))


def main():
    run_module(cpm_argument_spec(username=dict(type='str'), id=dict(type='int')), run)


if __name__ == '__main__':
    main()
