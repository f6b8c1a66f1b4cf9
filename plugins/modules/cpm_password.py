#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: POST users/me/change_password/ old_password, new_password

DOCUMENTATION = r"""
module: cpm_password
short_description: Change the password of the N2WS Backup & Recovery (CPM) user of the API key
version_added: 0.2.0
description:
  - Changes the CPM console password of the user (or delegate) the API key belongs to
    (C(POST /api/users/me/change_password/)), given the current one.
  - CPM never shows a password, so the module cannot tell whether the password is already O(new_password). It
    sends the change when asked; a run whose O(old_password) CPM refuses fails, unless
    O(already_changed_ok=true), which then reports V(changed=false) (the usual second run of a play).
  - Other users' passwords are set by M(backupdr.cloud.cpm_user) and M(backupdr.cloud.cpm_delegate)
    (O(backupdr.cloud.cpm_user#module:update_password=always)).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Check mode sends nothing and reports V(changed=true).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
options:
  old_password:
    description:
      - The current password.
    type: str
    required: true
  new_password:
    description:
      - The new password (at least 8 characters, not all digits, not too common, not like the user name).
    type: str
    required: true
  already_changed_ok:
    description:
      - When CPM refuses O(old_password) as incorrect, assume an earlier run already changed the password and report
        V(changed=false) instead of failing.
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cpm_user
"""

EXAMPLES = r"""
- name: Rotate the console password of the API key's user
  backupdr.cloud.cpm_password:
    old_password: "{{ cpm_console_password | default('Old-console-Pw-1') }}"
    new_password: "{{ cpm_console_new_password | default('New-console-Pw-2Xy8') }}"
    already_changed_ok: true
"""

RETURN = r"""
password_changed:
  description: Whether CPM accepted the change in this run.
  returned: always
  type: bool
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm import administration  # noqa: F401 pylint: disable=unused-import
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.people import check_password
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def run(module):
    params = module.params
    old = check_password(params['old_password'], 'old_password')
    new = check_password(params['new_password'], 'new_password')
    if old == new:
        raise ValidationError('new_password', 'is the same as old_password')
    client = CPMClient(params, warn=module.warn)
    client.require('change_password')
    if module.check_mode:
        module.exit_json(changed=True, password_changed=False)
    try:
        client.post('users/me/change_password/', {'old_password': old, 'new_password': new},
                    feature='change_password', perm=None)
    except ApiError as err:
        details = err.details if isinstance(getattr(err, 'details', None), dict) else {}
        incorrect = err.status == 400 and 'old_password' in details
        if incorrect and params['already_changed_ok']:
            client.finish(module)
            module.exit_json(changed=False, password_changed=False)
        raise
    client.finish(module)
    module.exit_json(changed=True, password_changed=True)


def main():
    run_module(cpm_argument_spec(old_password=dict(type='str', required=True, no_log=True),
                                 new_password=dict(type='str', required=True, no_log=True),
                                 already_changed_ok=dict(type='bool', default=False)), run)


if __name__ == '__main__':
    main()
