#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpm_account
short_description: Connect an AWS account to N2WS Backup & Recovery (CPM) as a backup or DR account
version_added: 0.1.0
description:
  - Makes sure a CPM backup account (O(kind=backup)) or DR account (O(kind=dr)) exists with the given AWS
    authentication and scan settings, or that it does not exist (O(state=absent)).
  - Every authentication method of the seed is supported; O(authentication=cpm_instance_role) (the role of the CPM
    instance, root user and delegates only), O(authentication=iam_user) (an access key and a secret key) and
    O(authentication=assume_role) (a role assumed from another backup account).
  - The account is found by O(id), or by O(name) (CPM's exact name filter).
  - Only the options given are compared; a change is written with one full-body C(PUT).
  - The AWS secret key is write-only (CPM never shows it), so it cannot be compared; it is sent when the account is
    created, when the account switches to IAM user keys, and on every run with O(update_secret=always).
  - With O(check_aws_permissions=true) the module runs CPM's AWS permission check and returns its rows (API 1.4.0),
    warning about a connection or group that is not OK.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  name:
    description:
      - Name of the account in CPM. Letters, digits, C(_) and C(-) only (the CPM rule).
      - Required unless O(id) is given. With O(id), a different name renames the account.
    type: str
  id:
    description:
      - CPM id of the account, to address one of several accounts of one name (the root user sees his managed users'
        accounts too) or to rename one.
    type: int
  kind:
    description:
      - V(backup) for an account whose resources are backed up, V(dr) for a DR account that receives copies of
        snapshots (cross-account DR). The kind cannot be changed.
    type: str
    choices: [backup, dr]
    default: backup
  state:
    description:
      - V(present) creates or updates the account, V(absent) deletes it.
      - CPM keeps the account's snapshots when it is deleted (seed L2689). An account that policies still use is
        deleted only with O(force=true).
    type: str
    choices: [present, absent]
    default: present
  force:
    description:
      - Delete the account even when policies use it (CPM may delete or orphan them).
    type: bool
    default: false
  user:
    description:
      - Owner of the account, a user id (or a user name, which only the root user may look up). Only set on creation.
      - Defaults to the user the API key acts for, when CPM lets that be told.
    type: str
  authentication:
    description:
      - How CPM reaches the AWS account. Required to create an account.
      - V(cpm_instance_role) uses the IAM role of the CPM instance (root user and his delegates only).
      - V(iam_user) uses O(aws_access_key) and O(aws_secret_key).
      - V(assume_role) assumes O(role_name) in O(account_number) from the backup account O(assume_from_account),
        with O(external_id) when the role requires one.
      - The API's letters are accepted too (V(R), V(C), V(A)).
    type: str
    choices: [iam_user, cpm_instance_role, assume_role, C, R, A]
  aws_access_key:
    description:
      - AWS access key id, with O(authentication=iam_user). CPM shows it, so it is compared.
    type: str
  aws_secret_key:
    description:
      - AWS secret access key, with O(authentication=iam_user). Never shown by CPM; see O(update_secret).
    type: str
  update_secret:
    description:
      - V(on_create) sends O(aws_secret_key) when the account is created (or switched to IAM user keys) only, so
        that runs stay idempotent.
      - V(always) sends it on every run, which then always reports a change (use it to rotate keys).
    type: str
    choices: [on_create, always]
    default: on_create
  account_number:
    description:
      - The 12-digit AWS account number. Required with O(authentication=assume_role); CPM finds it for the other
        methods when it is not given.
    type: str
  assume_from_account:
    description:
      - The backup account (name or id) that assumes the role, with O(authentication=assume_role).
    type: str
  role_name:
    description:
      - The name of the role to assume (not its ARN), with O(authentication=assume_role).
    type: str
  external_id:
    description:
      - The external id of a cross-account role created with the third-party option.
    type: str
  capture_vpcs:
    description:
      - Include the account in CPM's VPC captures (backup accounts only).
    type: bool
  scan_regions:
    description:
      - AWS regions (names such as V(us-east-1)) CPM scans for resources (backup accounts only). When an account is
        created without it, CPM applies a default region.
    type: list
    elements: str
  scan_resource_types:
    description:
      - Resource types CPM scans, as CPM names them (C(GET /api/resource_types/), API 1.4.0), such as V(instances)
        or V(volumes). An empty list means all types (backup accounts only).
    type: list
    elements: str
  scan_tagged_resources:
    description:
      - Include the account in CPM's tag scans (backup accounts only).
    type: bool
  allow_deleting_snapshots:
    description:
      - Let CPM delete snapshots in this DR account (DR accounts only).
    type: bool
  check_aws_permissions:
    description:
      - Run CPM's AWS permission check of the account after converging it, return its rows in RV(aws_permissions),
        and warn about a connection or a permission group that is not OK (API 1.4.0). Not in check mode for an
        account that does not exist yet.
    type: bool
    default: false
notes:
  - Updating an account needs the cross-account licence in CPM (seed L2400); without it CPM answers 403.
seealso:
  - module: backupdr.cloud.cpm_account_info
  - module: backupdr.cloud.cpm_policy
"""

EXAMPLES = r"""
- name: A backup account reached through the CPM instance role, scanned in two regions
  backupdr.cloud.cpm_account:
    name: prod
    authentication: cpm_instance_role
    scan_regions: [us-east-1, eu-west-1]
    scan_tagged_resources: true
    check_aws_permissions: true
  register: prod

- name: A DR account with IAM user keys (the secret is sent when the account is created)
  backupdr.cloud.cpm_account:
    name: dr-vault-2
    kind: dr
    authentication: iam_user
    aws_access_key: AKIAIOSFODNN7EXAMPLE
    aws_secret_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY  # from a vault
    allow_deleting_snapshots: true

- name: A workload account reached by assuming a role from prod
  backupdr.cloud.cpm_account:
    name: workload-a
    authentication: assume_role
    assume_from_account: prod
    account_number: "210987654321"
    role_name: cpm-backup
    external_id: n2ws-2026

- name: Rotate the DR account's secret key
  backupdr.cloud.cpm_account:
    name: dr-vault-2
    kind: dr
    authentication: iam_user
    aws_access_key: AKIAIOSFODNN7EXAMPLE
    aws_secret_key: je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY  # from a vault
    update_secret: always
"""

RETURN = r"""
account:
  description:
    - The account as CPM shows it (never the secret key), with C(authentication) readable and its letter in
      C(authentication_code), C(kind), and the scanned regions by name (C(scan_regions)) and id (C(scan_region_ids)).
      Empty after a delete.
  returned: always
  type: dict
  sample:
    id: 5
    name: prod
    kind: backup
    authentication: cpm_instance_role
    authentication_code: R
    account_number: "123456789012"
    scan_regions: [eu-west-1, us-east-1]
    scan_region_ids: [1, 5]
    scan_tagged_resources: true
    related_policies: []
    user: 1
aws_permissions:
  description: With O(check_aws_permissions=true), CPM's permission check rows.
  returned: when O(check_aws_permissions=true) and the account exists
  type: list
  elements: dict
  sample:
    - account_name: prod
      account_number: "123456789012"
      connection: OK
      groups: ["EC2: OK", "EBS: OK", "RDS: OK"]
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.accounts import (
    AccountType, permission_check, permission_problems,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, check_cpm_name, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import AUTHENTICATION
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def argument_spec():
    return cpm_argument_spec(
        name=dict(type='str'),
        id=dict(type='int'),
        kind=dict(type='str', choices=['backup', 'dr'], default='backup'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        force=dict(type='bool', default=False),
        user=dict(type='str'),
        authentication=dict(type='str', choices=AUTHENTICATION.choices()),
        aws_access_key=dict(type='str', no_log=False),
        aws_secret_key=dict(type='str', no_log=True),
        update_secret=dict(type='str', choices=['on_create', 'always'], default='on_create'),
        account_number=dict(type='str'),
        assume_from_account=dict(type='str'),
        role_name=dict(type='str'),
        external_id=dict(type='str'),
        capture_vpcs=dict(type='bool'),
        scan_regions=dict(type='list', elements='str'),
        scan_resource_types=dict(type='list', elements='str'),
        scan_tagged_resources=dict(type='bool'),
        allow_deleting_snapshots=dict(type='bool'),
        check_aws_permissions=dict(type='bool', default=False),
    )


def run(module):
    params = module.params
    check_cpm_name(params.get('name'), 'name')
    client = CPMClient(params, warn=module.warn)
    if params['check_aws_permissions']:
        client.require('check_aws_permissions', 'check_aws_permissions')
    rtype = AccountType(client, params, module)
    engine = CPMEngine(module, rtype)
    wanted = engine.desired()  # every option validated before any request
    if params['state'] == 'absent':
        current = engine.find()
        if current and current.get('related_policies') and not params['force']:
            raise ValidationError('force', 'account %s is used by the policies %s; deleting it would leave them '
                                  'without an account (give force=true to delete it anyway)' % (
                                      current.get('name'), ', '.join(str(p) for p in current['related_policies'])))
        changed, dummy, diff = engine.absent(current=current)
        client.finish(module)
        module.exit_json(**engine.result(changed, None, diff and dict(before=rtype.view(current), after={})))
    current = engine.find()
    if current is None and params.get('id') is None:
        check_other_kind(client, rtype, params)
    auth = rtype.check_auth(wanted, current)
    if current is not None and wanted.get('aws_secret_key') not in (None, ''):
        switching = auth == 'C' and current.get('authentication') != 'C'
        if params['update_secret'] == 'always' or switching:
            engine.force = ('aws_secret_key',)
    changed, flat, diff = engine.present(current=current, wanted=wanted)
    result = engine.result(changed, flat, diff)
    if params['check_aws_permissions'] and flat and flat.get('id') is not None and not (
            module.check_mode and current is None):
        rows = permission_check(client, rtype.account_kind, flat['id'])
        for problem in permission_problems(rows):
            module.warn('AWS permission check of account %s: %s' % (flat.get('name'), problem))
        result['aws_permissions'] = rows
    client.finish(module)
    module.exit_json(**result)


def check_other_kind(client, rtype, params):
    """A name already used by an account of the other kind: the kind cannot change (create-only)."""
    other = 'dr' if rtype.account_kind == 'backup' else 'backup'
    query = {'name': params['name']}
    if params.get('user') not in (None, ''):
        query['user'] = rtype.owner()
    found = [a for a in client.list('accounts/%s/' % other, query, feature='accounts') if a.get('name') == params['name']]
    if found:
        raise ValidationError('kind', 'an account named %r exists as a %s account (id %s); the kind of an account '
                              'cannot be changed' % (params['name'], 'DR' if other == 'dr' else 'backup',
                                                     found[0].get('id')))


def main():
    run_module(argument_spec(), run, required_one_of=[('name', 'id')])


if __name__ == '__main__':
    main()
