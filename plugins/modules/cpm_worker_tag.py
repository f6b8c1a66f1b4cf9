#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET worker_tags/ account, key (the lookup)
# api: GET worker_tags/{id}/ id
# api: POST worker_tags/ state=present (a new tag)
# api: PUT worker_tags/{id}/ state=present, value
# api: DELETE worker_tags/{id}/ state=absent

DOCUMENTATION = r"""
module: cpm_worker_tag
short_description: Tag the workers N2WS Backup & Recovery (CPM) launches for an account
version_added: 0.2.0
description:
  - Makes sure the workers CPM launches for a backup account carry an AWS tag O(key) with O(value), or not
    (API 1.5.0). A tag is identified by O(account) and O(key).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  account:
    description: The backup account (name or id).
    type: str
    required: true
  key:
    description: The tag key (at most 127 characters, not starting with C(aws:)).
    type: str
    required: true
  value:
    description: The tag value (at most 255 characters). Default an empty value when the tag is created.
    type: str
  id:
    description: The tag's id (to address it directly).
    type: int
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
seealso:
  - module: backupdr.cloud.cpm_worker
  - module: backupdr.cloud.cpm_worker_info
"""

EXAMPLES = r"""
- name: Workers of account main are tagged cost-center=backup
  backupdr.cloud.cpm_worker_tag:
    account: main
    key: cost-center
    value: backup
"""

RETURN = r"""
worker_tag:
  description: The tag as CPM shows it after the task (C(id), C(account), C(key), C(value)); empty after a delete.
  returned: always
  type: dict
  sample: {id: 1, account: 1, key: cost-center, value: backup}
diff:
  description: With C(--diff), the changed options before and after.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.workers import WorkerTagType
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_single_line


def run(module):
    params = module.params
    key = check_single_line(params['key'], 'key', 'tag key')
    if not key or len(key) > 127 or key.lower().startswith('aws:'):
        raise ValidationError('key', 'a tag key has 1 to 127 characters and does not start with aws:')
    if params.get('value') is not None and len(params['value']) > 255:
        raise ValidationError('value', 'a tag value has at most 255 characters')
    client = CPMClient(params, warn=module.warn)
    client.require('worker_tags')
    account = Refs(client, module).account(params['account'], 'account')
    rtype = WorkerTagType(client, params, as_id(account['id']) if account else None)
    engine = CPMEngine(module, rtype)
    wanted = engine.desired()
    current = engine.find() if account else None
    if params['state'] == 'absent':
        changed, dummy, diff = engine.absent(current=current)
        client.finish(module)
        module.exit_json(**engine.result(changed, None, diff))
    if current is None:
        wanted.setdefault('value', '')
    changed, flat, diff = engine.present(current=current, wanted=wanted)
    client.finish(module)
    module.exit_json(**engine.result(changed, flat, diff))


def main():
    run_module(cpm_argument_spec(
        account=dict(type='str', required=True),
        key=dict(type='str', required=True, no_log=False),
        value=dict(type='str'),
        id=dict(type='int'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
    ), run)


if __name__ == '__main__':
    main()
