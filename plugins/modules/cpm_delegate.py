#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET delegates/ username
# api: GET delegates/{id}/ id
# api: POST delegates/ state=present (a new delegate)
# api: PUT delegates/{id}/ state=present (email, permissions)
# api: DELETE delegates/{id}/ state=absent
# api: POST delegates/{id}/reset_password/ password with update_password=always

DOCUMENTATION = r"""
module: cpm_delegate
short_description: Create, update or delete an N2WS Backup & Recovery (CPM) delegate
version_added: 0.2.0
description:
  - Makes sure a CPM delegate (a user who acts for an original user, with a set of permissions) exists with the
    given e-mail address and permissions, or that it does not exist. Only the root user's API key may do this.
  - The delegate is found by O(username) (unique in CPM over users and delegates), or by O(id).
  - The password is write-only - sent on create, and on every run with O(update_password=always)
    (C(POST /api/delegates/{id}/reset_password/)).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  username:
    description:
      - The delegate's user name. Letters, digits, C(_) and C(-). Required unless O(id) is given. It cannot change.
    type: str
  id:
    description:
      - CPM id of the delegate.
    type: int
  state:
    description:
      - V(present) creates or updates the delegate, V(absent) deletes it (his original user's objects stay).
    type: str
    choices: [present, absent]
    default: present
  original_user:
    description:
      - The user the delegate acts for, a user name or id. Required to create a delegate; it cannot change.
    type: str
  password:
    description:
      - The password, write-only. Required to create a delegate.
    type: str
  update_password:
    description:
      - V(on_create) sends O(password) only when the delegate is created; V(always) resets it on every run (the
        task then always reports a change).
    type: str
    choices: [on_create, always]
    default: on_create
  email:
    description:
      - The delegate's e-mail address. An empty string removes it.
    type: str
  permissions:
    description:
      - The whole set of permissions (the others are turned off); V([]) for a read-only delegate.
      - V(account_changes) (change accounts), V(backup_changes) (change policies, schedules, back up, resource
        control), V(recovery) (recover), V(settings_changes) (change settings). The API's names
        (V(allow_backup_changes)...) are accepted too; anything else is refused before any request.
    type: list
    elements: str
seealso:
  - module: backupdr.cloud.cpm_delegate_info
  - module: backupdr.cloud.cpm_user
"""

EXAMPLES = r"""
- name: A delegate of root who may back up and recover, not change accounts
  backupdr.cloud.cpm_delegate:
    username: night-operator
    original_user: root
    password: "{{ night_operator_password | default('Night-op-Pw-5Gh2Ks8d') }}"
    email: ops@example.com
    permissions: [backup_changes, recovery]

- name: Read-only from now on
  backupdr.cloud.cpm_delegate:
    username: night-operator
    permissions: []

- name: Remove the delegate
  backupdr.cloud.cpm_delegate:
    username: night-operator
    state: absent
"""

RETURN = r"""
delegate:
  description:
    - The delegate as CPM shows it after the task (before it in check mode), with C(permissions), the list of the
      permissions it has; empty after a delete. Never a password.
  returned: always
  type: dict
  sample:
    id: 7
    username: night-operator
    email: ops@example.com
    user_type: delegate
    permissions: [allow_backup_changes, allow_recovery]
    profile: {original_user: 1, allow_account_changes: false, allow_backup_changes: true, allow_recovery: true,
              allow_settings_changes: false}
password_reset:
  description: Whether the password was reset (O(update_password=always) on an existing delegate).
  returned: always
  type: bool
diff:
  description: With C(--diff), the changed options before and after.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.administration import flag_list
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, check_cpm_name, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.people import DELEGATE_FLAGS, DelegateType, check_password
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import MASK, run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def argument_spec():
    return cpm_argument_spec(
        username=dict(type='str'),
        id=dict(type='int'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        original_user=dict(type='str'),
        password=dict(type='str', no_log=True),
        update_password=dict(type='str', choices=['on_create', 'always'], default='on_create', no_log=False),
        email=dict(type='str'),
        permissions=dict(type='list', elements='str'),
    )


def delegate_view(flat):
    if not flat:
        return {}
    out = dict(flat)
    out['permissions'] = sorted(f for f in DELEGATE_FLAGS if (flat.get('profile') or {}).get(f) is True)
    return out


class Delegates(DelegateType):
    def view(self, flat):
        return delegate_view(flat)


def run(module):
    params = module.params
    check_cpm_name(params.get('username'), 'username', 'user name')
    password = check_password(params.get('password'), 'password')
    if params.get('permissions') is not None:
        flag_list(params['permissions'], DELEGATE_FLAGS, 'permissions')
    client = CPMClient(params, warn=module.warn)
    rtype = Delegates(client, params)
    engine = CPMEngine(module, rtype)
    wanted = engine.desired()  # every option validated before any request
    current = engine.find()
    if params['state'] == 'absent':
        changed, dummy, diff = engine.absent(current=current)
        client.finish(module)
        module.exit_json(password_reset=False, **engine.result(changed, None, diff))
    if current is None:
        if password is None:
            raise ValidationError('password', 'is required to create delegate %s' % params.get('username'))
        if params.get('original_user') in (None, ''):
            raise ValidationError('original_user', 'is required to create delegate %s' % params.get('username'))
        rtype.create_body = {'password': password, 'profile': {}}
        if 'permissions' not in wanted:
            wanted['permissions'] = []
    if params.get('original_user') not in (None, ''):
        wanted['original_user'] = Refs(client, module).user_id(params['original_user'], 'original_user')
    changed, flat, diff = engine.present(current=current, wanted=wanted)
    reset = False
    if current is not None and params['update_password'] == 'always' and password is not None:
        reset = changed = True
        diff = diff or dict(before={}, after={})
        diff['before']['password'] = MASK
        diff['after']['password'] = MASK + ' (changed)'
        if not module.check_mode:
            client.post('delegates/%d/reset_password/' % current['id'], {'new_password': password},
                        feature='delegates', perm='root')
    client.finish(module)
    module.exit_json(password_reset=reset, **engine.result(changed, flat, diff))


def main():
    run_module(argument_spec(), run, required_one_of=[('username', 'id')])


if __name__ == '__main__':
    main()
