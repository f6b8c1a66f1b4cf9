#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET delegates/ (every delegate, username, original_user)
# api: GET delegates/{id}/ id

DOCUMENTATION = r"""
module: cpm_delegate_info
short_description: List N2WS Backup & Recovery (CPM) delegates
version_added: 0.2.0
description:
  - Returns the CPM delegates, or those of one original user, or one of them, with their permissions. Only the
    root user's API key may list delegates.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  username:
    description:
      - Only the delegate of this exact name.
    type: str
  id:
    description:
      - Only the delegate with this id.
    type: int
  original_user:
    description:
      - Only the delegates of this user (a user name or id).
    type: str
seealso:
  - module: backupdr.cloud.cpm_delegate
"""

EXAMPLES = r"""
- name: The delegates of root
  backupdr.cloud.cpm_delegate_info:
    original_user: root
  register: root_delegates
"""

RETURN = r"""
delegates:
  description: The delegates, as M(backupdr.cloud.cpm_delegate) returns one (with C(permissions)).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 4, username: operator, user_type: delegate, permissions: [allow_account_changes, allow_backup_changes,
                                                                       allow_recovery],
       profile: {original_user: 1}}
count:
  description: The number of delegates returned.
  returned: always
  type: int
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.people import DELEGATE_FLAGS
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def run(module):
    params = module.params
    client = CPMClient(params, warn=module.warn)
    if params.get('id') is not None:
        found = client.get_or_none('delegates/%d/' % params['id'], feature='delegates')
        items = [found] if found else []
    else:
        query = {}
        if params.get('original_user') not in (None, ''):
            query['original_user'] = Refs(client, module).user_id(params['original_user'], 'original_user')
        if params.get('username'):
            query['search'] = params['username']
        items = client.list('delegates/', query, feature='delegates')
        if 'original_user' in query:
            items = [d for d in items if as_id((d.get('profile') or {}).get('original_user')) == query['original_user']]
    if params.get('username'):
        items = [d for d in items if d.get('username') == params['username']]
    out = []
    for item in items:
        view = dict(item)
        view['permissions'] = sorted(f for f in DELEGATE_FLAGS if (item.get('profile') or {}).get(f) is True)
        out.append(view)
    client.finish(module)
    module.exit_json(changed=False, delegates=out, count=len(out))


def main():
    run_module(cpm_argument_spec(username=dict(type='str'), id=dict(type='int'), original_user=dict(type='str')), run)


if __name__ == '__main__':
    main()
