#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET settings/identity_provider/groups/ name (the lookup)
# api: POST settings/identity_provider/groups/users/ kind=users, state=present (a new group)
# api: PUT settings/identity_provider/groups/users/{id}/ kind=users, state=present
# api: DELETE settings/identity_provider/groups/users/{id}/ kind=users, state=absent
# api: POST settings/identity_provider/groups/delegates/ kind=delegates, state=present (a new group)
# api: PUT settings/identity_provider/groups/delegates/{id}/ kind=delegates, state=present
# api: DELETE settings/identity_provider/groups/delegates/{id}/ kind=delegates, state=absent

DOCUMENTATION = r"""
module: cpm_idp_group
short_description: Map an identity provider group to N2WS Backup & Recovery (CPM) users or delegates
version_added: 0.2.0
description:
  - Makes sure an identity provider group mapping exists with the given settings, or that it does not exist.
  - A V(users) group makes its members CPM users (independent or managed) with the given permissions and quotas;
    a V(delegates) group makes them delegates of an existing user with the given permissions.
  - The group is found by O(name) among the groups of its O(kind) (names are unique over both kinds).
  - Updating a group (C(PUT)) needs API 1.4.0; the two default groups cannot be deleted (CPM answers 403).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  name:
    description: The group's name, as the identity provider sends it.
    type: str
    required: true
  kind:
    description: Whether the group's members become users or delegates.
    type: str
    choices: [users, delegates]
    default: users
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description: Whether members of the group may sign in.
    type: bool
  user_type:
    description: With O(kind=users), the type of the users (required to create a users group).
    type: str
    choices: [independent, managed, I, M]
  allow_cost_explorer:
    description: With O(kind=users), whether the users may use the cost explorer.
    type: bool
  allow_file_level_restore:
    description: With O(kind=users), whether the users may use file-level recovery.
    type: bool
  quotas:
    description: With O(kind=users), the users' quotas (V(0) no limit), as in M(backupdr.cloud.cpm_user).
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
  original_username:
    description: With O(kind=delegates), the user the delegates act for (required to create a delegates group).
    type: str
  permissions:
    description:
      - With O(kind=delegates), the whole set of the delegates' permissions (V(account_changes), V(backup_changes),
        V(recovery)); anything else is refused before any request.
    type: list
    elements: str
seealso:
  - module: backupdr.cloud.cpm_idp
  - module: backupdr.cloud.cpm_idp_info
"""

EXAMPLES = r"""
- name: Members of cpm-admins become managed users
  backupdr.cloud.cpm_idp_group:
    name: cpm-admins
    kind: users
    user_type: managed
    quotas:
      max_accounts: 5

- name: Members of cpm-operators become delegates of root who may back up
  backupdr.cloud.cpm_idp_group:
    name: cpm-operators
    kind: delegates
    original_username: root
    permissions: [backup_changes]
"""

RETURN = r"""
group:
  description: The group as CPM shows it after the task; empty after a delete.
  returned: always
  type: dict
  sample: {id: 3, name: cpm-admins, user_type: managed, user_type_code: M, enabled: true, default_group: false,
           max_accounts: 5}
diff:
  description: With C(--diff), the changed options before and after.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.administration import flag_list
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.people import (
    DELEGATE_FLAGS, IDP_USER_TYPE, QUOTAS, IdpGroupType,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

USERS_ONLY = ('user_type', 'allow_cost_explorer', 'allow_file_level_restore', 'quotas')
DELEGATES_ONLY = ('original_username', 'permissions')


def run(module):
    params = module.params
    kind = params['kind']
    for option in USERS_ONLY if kind == 'delegates' else DELEGATES_ONLY:
        if params.get(option) is not None:
            raise ValidationError(option, 'applies to kind=%s groups only' % ('users' if kind == 'delegates'
                                                                              else 'delegates'))
    if params.get('permissions') is not None:
        flag_list(params['permissions'], DELEGATE_FLAGS[:3], 'permissions')
    for name in QUOTAS:
        params['quotas.%s' % name] = (params.get('quotas') or {}).get(name)
    client = CPMClient(params, warn=module.warn)
    rtype = IdpGroupType(client, params)
    engine = CPMEngine(module, rtype)
    wanted = engine.desired()
    current = engine.find()
    if params['state'] == 'absent':
        if current and current.get('default_group'):
            raise ValidationError('name', 'group %s is a default group of CPM; it cannot be deleted (disable it '
                                  'with enabled=false)' % params['name'])
        changed, dummy, diff = engine.absent(current=current)
        client.finish(module)
        module.exit_json(**engine.result(changed, None, diff))
    if current is None:
        if kind == 'users' and 'user_type' not in wanted:
            raise ValidationError('user_type', 'is required to create a users group')
        if kind == 'delegates' and not wanted.get('original_username'):
            raise ValidationError('original_username', 'is required to create a delegates group')
        if kind == 'delegates' and 'permissions' not in wanted:
            wanted['permissions'] = []
    changed, flat, diff = engine.present(current=current, wanted=wanted)
    client.finish(module)
    module.exit_json(**engine.result(changed, flat, diff))


def main():
    run_module(cpm_argument_spec(
        name=dict(type='str', required=True),
        kind=dict(type='str', choices=['users', 'delegates'], default='users'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        enabled=dict(type='bool'),
        user_type=dict(type='str', choices=IDP_USER_TYPE.choices()),
        allow_cost_explorer=dict(type='bool'),
        allow_file_level_restore=dict(type='bool'),
        quotas=dict(type='dict', options=dict((q, dict(type='int')) for q in QUOTAS)),
        original_username=dict(type='str'),
        permissions=dict(type='list', elements='str'),
    ), run)


if __name__ == '__main__':
    main()
