#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: crosspeer_server_info
short_description: Read CrossPeer servers
version_added: 0.1.0
description:
  - List your CrossPeer servers, or read one by O(uuid) or O(name), optionally filtered by tags and status.
  - Makes read requests only. VNC passwords are never returned.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.crosspeer
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  uuid:
    description:
      - UUID of one server. An unknown UUID returns an empty list.
    type: str
  name:
    description:
      - Only servers with this name.
    type: str
  tags:
    description:
      - Only servers carrying at least one of these tags.
    type: list
    elements: str
  status:
    description:
      - Only servers in one of these states.
    type: list
    elements: str
    choices: [active, stopped, paused, dumped, dead]
seealso:
  - module: backupdr.cloud.crosspeer_server
"""

EXAMPLES = r"""
# The connection (api_user, api_key and, for another region, api_url) comes from module_defaults
# (group/backupdr.cloud.crosspeer) or from the CROSSPEER_API_USER, CROSSPEER_API_KEY and CROSSPEER_API_URL
# environment variables.

- name: All my servers
  backupdr.cloud.crosspeer_server_info:
  register: all_servers

- name: Running servers tagged web
  backupdr.cloud.crosspeer_server_info:
    tags: [web]
    status: [active]
  register: web_servers

- name: One server by name
  backupdr.cloud.crosspeer_server_info:
    name: web1
  register: web1

- name: Its first NIC's address
  ansible.builtin.debug:
    msg: "{{ web1.servers[0].nic_0_dhcp_ip | default('none') }}"
"""

RETURN = r"""
servers:
  description:
    - The matching servers, as M(backupdr.cloud.crosspeer_server) returns them (VNC password masked).
  returned: always
  type: list
  elements: dict
  sample:
    - uuid: 4d45ef9a-d7e2-4d93-bb12-1196bd38a98d
      name: web1
      status: active
      cpu: 2000
      smp: auto
      mem: 1024
      persistent: true
      drives: [{device: ide:0:0, drive: 2342473e-82ff-464c-b514-7909a1817ce7, media: disk}]
      boot: [ide:0:0]
      nics: [{model: e1000, dhcp: auto, vlan: null, mac: "52:54:00:12:34:56"}]
      vnc: auto
      vnc_password: "********"
      vnc_tls: false
      tags: [web]
      user_metadata: {}
      user: 5f1c2b7e-8d4a-4c1e-9b3f-6a2d0e7c9b41
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    CrossPeerClient, check_uuid, crosspeer_argument_spec, has_any_tag,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer_server import STATUSES, ServerType
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def argument_spec():
    return crosspeer_argument_spec(
        uuid=dict(type='str'),
        name=dict(type='str'),
        tags=dict(type='list', elements='str', no_log=False),
        status=dict(type='list', elements='str', choices=list(STATUSES)),
    )


def run(module):
    params = module.params
    if params['uuid']:
        params['uuid'] = check_uuid(params['uuid'], 'uuid')
    rtype = ServerType(CrossPeerClient(params), {})
    tagged = has_any_tag(params['tags'])
    statuses = set(params['status'] or STATUSES)
    servers = rtype.select(rid=params['uuid'], name=params['name'],
                           predicate=lambda flat: tagged(flat) and flat.get('status') in statuses)
    module.exit_json(changed=False, servers=[rtype.view(flat) for flat in servers])


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
