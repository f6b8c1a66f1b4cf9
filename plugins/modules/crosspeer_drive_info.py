#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: crosspeer_drive_info
short_description: Read CrossPeer drives
version_added: 0.1.0
description:
  - List your CrossPeer drives, or read one by O(uuid) or O(name).
  - A drive shared with you or a standard drive can be read by O(uuid).
  - Makes read requests only.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.crosspeer
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  uuid:
    description:
      - UUID of one drive. An unknown UUID returns an empty list.
    type: str
  name:
    description:
      - Only drives with this name.
    type: str
  tags:
    description:
      - Only drives carrying at least one of these tags.
    type: list
    elements: str
seealso:
  - module: backupdr.cloud.crosspeer_drive
"""

EXAMPLES = r"""
# The connection (api_user, api_key and, for another region, api_url) comes from module_defaults
# (group/backupdr.cloud.crosspeer) or from the CROSSPEER_API_USER, CROSSPEER_API_KEY and CROSSPEER_API_URL
# environment variables.

- name: All my drives
  backupdr.cloud.crosspeer_drive_info:
  register: all_drives

- name: Drives tagged prod or db
  backupdr.cloud.crosspeer_drive_info:
    tags: [prod, db]
  register: prod_drives

- name: The Debian 6.0 standard drive
  backupdr.cloud.crosspeer_drive_info:
    uuid: 980cf63c-f21e-4382-997b-6541d5809629
  register: debian
"""

RETURN = r"""
drives:
  description: The matching drives, as M(backupdr.cloud.crosspeer_drive) returns them.
  returned: always
  type: list
  elements: dict
  sample:
    - uuid: 20c468ab-1e62-48e6-a6d5-f59b00fbe2f0
      name: db-data
      size: 21474836480
      claim_type: exclusive
      readers: []
      tags: [db, prod]
      user_metadata: {owner: dba-team}
      encryption_cipher: aes-xts-plain
      status: active
      user: 5f1c2b7e-8d4a-4c1e-9b3f-6a2d0e7c9b41
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    CrossPeerClient, DriveType, check_uuid, crosspeer_argument_spec, list_filtered,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def argument_spec():
    return crosspeer_argument_spec(
        uuid=dict(type='str'),
        name=dict(type='str'),
        tags=dict(type='list', elements='str', no_log=False),
    )


def run(module):
    if module.params['uuid']:
        module.params['uuid'] = check_uuid(module.params['uuid'], 'uuid')
    rtype = DriveType(CrossPeerClient(module.params), module.params)
    drives = list_filtered(rtype, uuid=module.params['uuid'], name=module.params['name'],
                           tags=module.params['tags'])
    module.exit_json(changed=False, drives=[rtype.view(d) for d in drives])


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
