#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET freezer/ name (before API 1.1.0; after it GET backups/?is_freezer_item=true)

DOCUMENTATION = r"""
module: cpm_freezer_info
short_description: List the N2WS Backup & Recovery (CPM) freezer
version_added: 0.2.0
description:
  - Returns the backups kept in the CPM freezer, newest first, with the API's filters.
  - Reads C(GET /api/backups/?is_freezer_item=true) (what the seed says to use instead of the deprecated
    C(GET /api/freezer/)); with an O(api_version) older than 1.1.0, C(GET /api/freezer/).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  name:
    description:
      - Only the item with exactly this name.
    type: str
  search:
    description:
      - Only the items whose name or description contain these words.
    type: str
  account:
    description:
      - Only the items of this backup account (name or id).
    type: str
  policy:
    description:
      - Only the items of this policy (name or id); not with an O(api_version) older than 1.1.0.
    type: str
seealso:
  - module: backupdr.cloud.cpm_freezer
"""

EXAMPLES = r"""
- name: The freezer
  backupdr.cloud.cpm_freezer_info:
  register: freezer

- name: The audit backups
  backupdr.cloud.cpm_freezer_info:
    search: audit
  register: audits
"""

RETURN = r"""
freezer_items:
  description: The freezer items (backup records, statuses readable as M(backupdr.cloud.cpm_backup_info) returns them).
  returned: always
  type: list
  elements: dict
  sample: [{id: 41, name: audit-2026-q4, description: State before the Q4 audit, policy: 2, status: successful}]
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.snapshots import freezer_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def argument_spec():
    return cpm_argument_spec(
        name=dict(type='str'),
        search=dict(type='str'),
        account=dict(type='str'),
        policy=dict(type='str'),
    )


def run(module):
    params = module.params
    client = CPMClient(params, warn=module.warn)
    refs = Refs(client, module)
    query = {'search': params.get('search') or params.get('name')}
    if params.get('account'):
        query['account'] = refs.account_id(params['account'], 'account')
    if client.has('freezer_records'):
        query.update(is_freezer_item='true', ordering='-start_time')
        if params.get('policy'):
            policy = refs.policy(params['policy'], 'policy')
            query['policy'] = as_id(policy['id']) if policy else -1
        items = client.list('backups/', query, feature='freezer_records')
    else:
        if params.get('policy'):
            raise ValidationError('policy', 'the freezer list before API 1.1.0 has no policy filter')
        items = client.list('freezer/', query, feature='freezer')
    if params.get('name'):
        items = [b for b in items if b.get('name') == params['name']]
    client.finish(module)
    module.exit_json(changed=False, freezer_items=[freezer_view(b) for b in items])


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
