#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET users/ username
# api: GET users/{id}/ id
# api: POST users/ state=present (a new user)
# api: PUT users/{id}/ state=present (email, profile, quotas)
# api: DELETE users/{id}/ state=absent with delete_user_data=true
# api: POST users/{id}/reset_password/ password with update_password=always

DOCUMENTATION = r"""
module: cpm_user
short_description: Create, update or delete an N2WS Backup & Recovery (CPM) user
version_added: 0.2.0
description:
  - Makes sure a CPM user (an independent or a managed user) exists with the given e-mail address, profile and
    quotas, or that it does not exist (O(state=absent)). Only the root user's API key may do this.
  - The user is found by O(username) (unique in CPM over users and delegates), or by O(id).
  - Only the options given are compared; a change is one full-body C(PUT) carrying the e-mail address and every
    profile key as CPM shows them, with the given ones changed.
  - The password is write-only (CPM never shows it) - it is sent when the user is created, and on every run with
    O(update_password=always) (through C(POST /api/users/{id}/reset_password/)).
  - Deleting a user makes CPM delete that user's accounts, with their policies and backup records; it needs
    O(delete_user_data=true), and CPM refuses it while the user has delegates (the module says so before any write).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  username:
    description:
      - The user name. Letters, digits, C(_) and C(-). Required unless O(id) is given. It cannot be changed.
    type: str
  id:
    description:
      - CPM id of the user (an id that does not exist is an error; a user is never created with a chosen id).
    type: int
  state:
    description:
      - V(present) creates or updates the user, V(absent) deletes it (see O(delete_user_data)).
    type: str
    choices: [present, absent]
    default: present
  password:
    description:
      - The password, write-only. Required to create a user. At least 8 characters, not all digits, not too
        common, not like the user name (CPM's rules).
    type: str
  update_password:
    description:
      - V(on_create) sends O(password) only when the user is created (CPM cannot show it, so it is never compared).
      - V(always) also resets it on every run (C(reset_password/)); the task then always reports a change.
    type: str
    choices: [on_create, always]
    default: on_create
  email:
    description:
      - The user's e-mail address. An empty string removes it.
    type: str
  managed:
    description:
      - Whether the user is a managed user (whose objects the root user and his delegates see and manage), rather
        than an independent one. Only set when the user is created.
    type: bool
  allow_cost_explorer:
    description:
      - Whether the user may use the cost explorer.
    type: bool
  allow_file_level_recovery:
    description:
      - Whether the user may use file-level recovery.
    type: bool
  managed_users:
    description:
      - Ids of the managed users this user manages (the whole set). V([]) for none.
    type: list
    elements: int
  quotas:
    description:
      - Quotas of the user; V(0) means no limit. Only the given ones are compared.
    type: dict
    suboptions:
      max_accounts:
        description: Accounts.
        type: int
      max_instances:
        description: Instances.
        type: int
      max_controlled_entities:
        description: Resources under resource control.
        type: int
      max_independent_ebs_gib:
        description: GiB of independent EBS volumes.
        type: int
      max_rds_gib:
        description: GiB of RDS databases.
        type: int
      max_redshift_gib:
        description: GiB of Redshift clusters.
        type: int
      max_dynamodb_gib:
        description: GiB of DynamoDB tables.
        type: int
  delete_user_data:
    description:
      - Confirms O(state=absent) - deleting a user deletes that user's accounts, their policies and backup records.
      - Without it, O(state=absent) fails before any request when the user exists.
    type: bool
    default: false
notes:
  - Needs the root user's API key (CPM answers 403 to anybody else).
seealso:
  - module: backupdr.cloud.cpm_user_info
  - module: backupdr.cloud.cpm_delegate
  - module: backupdr.cloud.cpm_password
"""

EXAMPLES = r"""
- name: A managed user with quotas
  backupdr.cloud.cpm_user:
    username: team-a
    password: "{{ team_a_password | default('Blue-river-Pw-7Jq2Lm9x') }}"
    email: team-a@example.com
    managed: true
    allow_cost_explorer: false
    quotas:
      max_accounts: 3
      max_instances: 50

- name: Reset the password now
  backupdr.cloud.cpm_user:
    username: team-a
    password: "{{ team_a_new_password | default('Green-hill-Pw-4Rt8Wc1v') }}"
    update_password: always

- name: Delete the user and its accounts
  backupdr.cloud.cpm_user:
    username: team-a
    state: absent
    delete_user_data: true
"""

RETURN = r"""
user:
  description:
    - The user as CPM shows it after the task (before it in check mode); empty after a delete. Never a password.
  returned: always
  type: dict
  sample:
    id: 6
    username: team-a
    email: team-a@example.com
    user_type: managed
    num_accounts: 0
    num_policies: 0
    num_frozen_items: 0
    profile: {allow_cost_explorer: false, allow_file_level_recovery: true, applied_managed_users: [],
              is_managed_user: true, max_accounts: 3, max_instances: 50, max_controlled_entities: 0,
              max_independent_ebs_gib: 0, max_rds_gib: 0, max_redshift_gib: 0, max_dynamodb_gib: 0}
password_reset:
  description: Whether the password was reset (O(update_password=always) on an existing user).
  returned: always
  type: bool
deleted_with_user:
  description: With O(state=absent), what CPM deletes with the user (its accounts and policies, by count).
  returned: when a user is deleted
  type: dict
  sample: {accounts: 2, policies: 3}
diff:
  description: With C(--diff), the changed options before and after (the password as a mask).
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, check_cpm_name, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.people import (
    QUOTAS, UserType, check_password, delegates_of,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import MASK, run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def argument_spec():
    return cpm_argument_spec(
        username=dict(type='str'),
        id=dict(type='int'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        password=dict(type='str', no_log=True),
        update_password=dict(type='str', choices=['on_create', 'always'], default='on_create', no_log=False),
        email=dict(type='str'),
        managed=dict(type='bool'),
        allow_cost_explorer=dict(type='bool'),
        allow_file_level_recovery=dict(type='bool'),
        managed_users=dict(type='list', elements='int'),
        quotas=dict(type='dict', options=dict((q, dict(type='int')) for q in QUOTAS)),
        delete_user_data=dict(type='bool', default=False),
    )


def flatten_quotas(params):
    for name in QUOTAS:
        params['quotas.%s' % name] = (params.get('quotas') or {}).get(name)
        if params['quotas.%s' % name] is not None and params['quotas.%s' % name] < 0:
            raise ValidationError('quotas.%s' % name, 'must be 0 (no limit) or more')


def run(module):
    params = module.params
    check_cpm_name(params.get('username'), 'username', 'user name')
    password = check_password(params.get('password'), 'password')
    flatten_quotas(params)
    client = CPMClient(params, warn=module.warn)
    rtype = UserType(client, params)
    engine = CPMEngine(module, rtype)
    wanted = engine.desired()  # every option validated before any request
    current = engine.find()
    if params['state'] == 'absent':
        absent(module, client, engine, rtype, current)
    if current is None and password is None:
        raise ValidationError('password', 'is required to create user %s' % params.get('username'))
    if current is None:
        rtype.create_body = {'password': password}
    changed, flat, diff = engine.present(current=current, wanted=wanted)
    reset = False
    if current is not None and params['update_password'] == 'always' and password is not None:
        reset = True
        changed = True
        diff = diff or dict(before={}, after={})
        diff['before']['password'] = MASK
        diff['after']['password'] = MASK + ' (changed)'
        if not module.check_mode:
            client.post('users/%d/reset_password/' % current['id'], {'new_password': password}, feature='user_writes',
                        perm='root')
    client.finish(module)
    module.exit_json(password_reset=reset, **engine.result(changed, flat, diff))


def absent(module, client, engine, rtype, current):
    if current is None:
        client.finish(module)
        module.exit_json(**engine.result(False, None, None))
    gone = {'accounts': current.get('num_accounts') or 0, 'policies': current.get('num_policies') or 0}
    if not module.params['delete_user_data']:
        raise ValidationError('delete_user_data', 'deleting user %s also deletes the %d accounts and %d policies of '
                              'the user (and their backup records); give delete_user_data=true to delete it' % (
                                  current.get('username'), gone['accounts'], gone['policies']))
    delegates = delegates_of(client, current['id'])
    if delegates:
        raise ValidationError('state', 'user %s has the delegates %s; CPM does not delete a user with delegates: '
                              'delete them first (backupdr.cloud.cpm_delegate state=absent)' % (
                                  current.get('username'), ', '.join(sorted(d.get('username') for d in delegates))))
    changed, dummy, diff = engine.absent(current=current)
    if diff is not None:
        diff = dict(before=dict(rtype.view(current), deleted_with_user=gone), after={})
    client.finish(module)
    module.exit_json(deleted_with_user=gone, **engine.result(changed, None, diff))


def main():
    run_module(argument_spec(), run, required_one_of=[('username', 'id')])


if __name__ == '__main__':
    main()
