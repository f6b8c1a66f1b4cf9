#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: acronis_dr_server_info
short_description: Read Acronis DR cloud servers
version_added: 0.1.0
description:
  - Lists the cloud servers (primary and recovery servers) of an Acronis Cyber Cloud Disaster Recovery tenant,
    following the API's cursors through every page (50 servers a page).
  - O(type) and O(resource_id) are filters of the API; O(uuid), O(name) and O(status) are applied to its answer.
  - Makes read requests only; any of the scopes C(dr_service::admin), C(dr::support_operator) or
    C(protection::readonly) may read.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.acronis_dr
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  uuid:
    description:
      - Only the server with this UUID. An unknown UUID returns an empty list.
    type: str
  name:
    description:
      - Only servers with this name.
    type: str
  type:
    description:
      - Only servers of this type.
    type: str
    choices: [PRIMARY, RECOVERY]
  resource_id:
    description:
      - Only recovery servers of these original devices (C(recovery.resource_id)).
    type: list
    elements: str
  status:
    description:
      - Only servers in one of these statuses, such as V(STAND_BY), V(TEST_FAILOVER), V(FAILOVER), V(POWERING_ON),
        V(POWERING_OFF) (case does not matter).
    type: list
    elements: str
seealso:
  - module: backupdr.cloud.acronis_dr_failover
  - module: backupdr.cloud.acronis_dr_site_info
"""

EXAMPLES = r"""
# The connection (datacenter_url, client_id, client_secret) is given as options in the first example; the others
# take it from module_defaults (group/backupdr.cloud.acronis_dr) or from the ACRONIS_DATACENTER_URL,
# ACRONIS_CLIENT_ID and ACRONIS_CLIENT_SECRET environment variables.

- name: Every recovery server
  backupdr.cloud.acronis_dr_server_info:
    datacenter_url: https://eu2-cloud.acronis.com
    client_id: "{{ acronis_client_id }}"
    client_secret: "{{ acronis_client_secret }}"
    type: RECOVERY
  register: recovery

- name: Recovery servers that are in a test failover now
  backupdr.cloud.acronis_dr_server_info:
    type: RECOVERY
    status: [TEST_FAILOVER]
  register: in_test

- name: The recovery server of one protected machine
  backupdr.cloud.acronis_dr_server_info:
    resource_id: [1931FAAF-692D-451F-98A3-DAF721102BEB]
  register: web

- name: Its public address
  ansible.builtin.debug:
    msg: "{{ web.servers[0].public_ip | default('none') }}"
"""

RETURN = r"""
servers:
  description:
    - The matching cloud servers, with the API's fields; C(_links) are reduced to their C(rel) names in C(links), and
      C(failover) says V(production), V(test), V(none), or V(null) while a task runs.
  returned: always
  type: list
  elements: dict
  sample:
    - uuid: 1f100401-357b-4d04-a0c0-d1206c947473
      name: web-01
      type: RECOVERY
      status: STAND_BY
      failover: none
      public_ip: 8.9.10.21
      site_uuid: 40ca099f-c116-4f6c-9730-42a0bff138a2
      vm: {cpu: 1, os: some OS, ram_mb: 2048, status: STOPPED}
      recovery: {resource_id: 1931FAAF-692D-451F-98A3-DAF721102BEB}
      _issues: []
      links: [DR_CLOUD_SERVER_PAGE, DR_CLOUD_SERVER_START_FAILOVER_PROD, DR_CLOUD_SERVER_START_FAILOVER_TEST]
count:
  description: Number of servers returned.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.acronis_dr import (
    AcronisDRClient, acronis_dr_argument_spec, check_resource_ids, check_status_filter, check_uuid, module_kwargs,
    server_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def argument_spec():
    return acronis_dr_argument_spec(
        uuid=dict(type='str'),
        name=dict(type='str'),
        type=dict(type='str', choices=['PRIMARY', 'RECOVERY']),
        resource_id=dict(type='list', elements='str'),
        status=dict(type='list', elements='str'),
    )


def run(module):
    params = module.params
    uuid = check_uuid(params['uuid'], 'uuid') if params['uuid'] else None
    resource_ids = check_resource_ids(params['resource_id'])
    statuses = set(check_status_filter(params['status'], warn=module.warn))
    client = AcronisDRClient(params)
    servers = []
    for server in client.list_servers(params['type'], resource_ids):
        if uuid and str(server.get('uuid', '')).lower() != uuid:
            continue
        if params['name'] is not None and server.get('name') != params['name']:
            continue
        if statuses and str(server.get('status', '')).upper() not in statuses:
            continue
        servers.append(server_view(server))
    client.exit_info(module, 'servers', servers)


def main():
    run_module(argument_spec(), run, **module_kwargs())


if __name__ == '__main__':
    main()
