#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET s3_repositories/ name (and the list's filters)
# api: GET s3_repositories/{id}/ id

DOCUMENTATION = r"""
module: cpm_s3_repository_info
short_description: List N2WS Backup & Recovery (CPM) S3 repositories
version_added: 0.2.0
description:
  - Returns CPM S3 repositories (C(GET /api/s3_repositories/), API 1.1.0) with the API's filters, each with the names
    of the policies that copy to it.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  name:
    description:
      - Only the repository with exactly this name.
    type: str
  id:
    description:
      - Only the repository with this id.
    type: int
  account:
    description:
      - Only the repositories of this backup account (name or id).
    type: str
  search:
    description:
      - Only the repositories whose name or description contain these words.
    type: str
seealso:
  - module: backupdr.cloud.cpm_s3_repository
"""

EXAMPLES = r"""
- name: Every S3 repository
  backupdr.cloud.cpm_s3_repository_info:
  register: repositories

- name: The repositories of account main
  backupdr.cloud.cpm_s3_repository_info:
    account: main
  register: main_repositories
"""

RETURN = r"""
s3_repositories:
  description:
    - The repositories, with C(bucket), C(region), C(deletion_status) readable (letter in C(deletion_status_code)) and
      C(related_policy_names).
  returned: always
  type: list
  elements: dict
  sample: [{id: 1, name: main-repo, account: 1, bucket: cpm-sim-main-repo, region: us-east-1, related_policies: [2],
            related_policy_names: [web], deletion_status: not_applicable}]
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.repositories import repository_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def argument_spec():
    return cpm_argument_spec(
        name=dict(type='str'),
        id=dict(type='int'),
        account=dict(type='str'),
        search=dict(type='str'),
    )


def run(module):
    params = module.params
    client = CPMClient(params, warn=module.warn)
    client.require('s3_repositories')
    refs = Refs(client, module)
    if params.get('id') is not None:
        found = client.get_or_none('s3_repositories/%d/' % params['id'], feature='s3_repositories')
        items = [found] if found else []
    else:
        query = {'search': params.get('search') or params.get('name')}
        if params.get('account'):
            query['account'] = refs.account_id(params['account'], 'account')
        items = client.list('s3_repositories/', query, feature='s3_repositories')
    if params.get('name'):
        items = [r for r in items if r.get('name') == params['name']]
    client.finish(module)
    module.exit_json(changed=False, s3_repositories=[repository_view(r, refs) for r in items])


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
