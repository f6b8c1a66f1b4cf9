#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rax_backup_agent_info
short_description: List Rackspace Cloud Backup agents, with their true status when asked
version_added: 0.1.0
description:
  - Lists the Cloud Backup agents of the region's endpoint (C(GET user/agents)), or one agent by id, Cloud Server id
    or machine name.
  - The agent list always says C(Offline) (the API reference says so), so agents read from the list have a C(status) of
    V(null). With O(detail=true) each agent is read on its own (C(GET agent/{id}), several at a time), which
    gives its true C(status), C(host_server_id) and C(last_successful_backup).
  - An agent asked for by O(agent_id) or O(host_server_id) is always read on its own.
  - Agents that are idle stop posting heartbeats and show C(Offline) until they are woken up; use
    M(backupdr.cloud.rax_backup_agent) with O(backupdr.cloud.rax_backup_agent#module:wake=true) to wake them.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.rax_backup
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  agent_id:
    description:
      - Only the agent with this id (C(MachineAgentId)). An unknown id returns an empty list.
    type: int
  host_server_id:
    description:
      - Only the agent running on the Cloud Server with this id (a UUID). An unknown server returns an empty list.
    type: str
  agent_name:
    description:
      - Only the agents of machines with this name (several machines may share a name).
    type: str
  datacenter:
    description:
      - Only agents whose servers are in this data center (such as V(DFW); case does not matter).
    type: str
  detail:
    description:
      - Read each agent on its own for its true C(status), C(host_server_id) and C(last_successful_backup)
        (one request per agent, eight at a time).
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.rax_backup_agent
  - plugin: backupdr.cloud.rax_backup
    plugin_type: inventory
"""

EXAMPLES = r"""
- name: Every agent of the default region
  backupdr.cloud.rax_backup_agent_info:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
  register: agents

- name: Their true status (one request per agent)
  backupdr.cloud.rax_backup_agent_info:
    region: DFW
    detail: true
  register: detailed

- name: Agents that are offline now
  ansible.builtin.debug:
    msg: "{{ detailed.agents | selectattr('status', 'equalto', 'Offline') | map(attribute='name') | list }}"

- name: The agent of one machine
  backupdr.cloud.rax_backup_agent_info:
    agent_name: web-01
  register: web
"""

RETURN = r"""
agents:
  description:
    - The agents.
  returned: always
  type: list
  elements: dict
  contains:
    agent_id:
      description: The agent's id (C(MachineAgentId)).
      type: int
      sample: 213561
    name:
      description: Name of the machine (C(MachineName)); several machines may share one.
      type: str
      sample: web-01
    host_server_id:
      description: Id of the Cloud Server the agent runs on; V(null) for agents read from the list only.
      type: str
      sample: 87c3b6e1-fb1a-41f9-91e5-313ae35a5a06
    datacenter:
      description: Data center of the server.
      type: str
      sample: DFW
    backup_datacenter:
      description:
        - Data center where the agent's backups are stored (C(BackupDataCenter) when the API shows it, else the data
          center in the host name of C(backup_container)); V(null) when neither tells.
      type: str
      sample: DFW
    ip_address:
      description: IP address of the server.
      type: str
      sample: 192.0.2.10
    os:
      description: Operating system.
      type: str
      sample: Ubuntu
    os_version:
      description: Operating system version.
      type: str
      sample: "22.04"
    architecture:
      description: C(64-bit) or C(32-bit).
      type: str
      sample: 64-bit
    agent_version:
      description: Version of the Cloud Backup agent.
      type: str
      sample: 1.05.005848
    flavor:
      description: C(RaxCloudServer) for Rackspace Cloud Servers.
      type: str
      sample: RaxCloudServer
    enabled:
      description: Whether the agent is enabled (not C(IsDisabled)).
      type: bool
      sample: true
    encrypted:
      description: Whether the agent's backups are encrypted.
      type: bool
      sample: false
    use_service_net:
      description: Whether the agent sends its backups over ServiceNet.
      type: bool
      sample: true
    cleanup_allowed:
      description: Whether a cleanup of the vault can be triggered.
      type: bool
      sample: true
    status:
      description:
        - C(Online) or C(Offline) as the agent itself reports it; V(null) for agents read from the list only, whose
          status the API does not tell (use O(detail=true)).
      type: str
      sample: Online
    last_successful_backup:
      description: Time of the last successful backup (ISO 8601, UTC), or V(null); always V(null) from the list.
      type: str
      sample: "2024-05-02T02:35:00Z"
    vault_size:
      description: Size of the agent's backup vault as the API writes it.
      type: str
      sample: 35.3 MB
    vault_size_bytes:
      description: The vault size in bytes (approximate, 1024-based units).
      type: int
      sample: 37014732
    backup_container:
      description: URL of the Cloud Files container holding the backups.
      type: str
      sample: https://storage101.dfw1.clouddrive.com/v1/MossoCloudFS_abc/CloudBackup_v2_0_0f1e2d3c
count:
  description: Number of agents returned.
  returned: always
  type: int
  sample: 3
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.agents import (
    agent_view, check_agent_id, read_details,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    RaxBackupClient, check_region, exit_info, module_kwargs, rax_backup_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import check_single_line, check_uuid


def argument_spec():
    return rax_backup_argument_spec(
        agent_id=dict(type='int'),
        host_server_id=dict(type='str'),
        agent_name=dict(type='str'),
        datacenter=dict(type='str'),
        detail=dict(type='bool', default=False),
    )


def run(module):
    params = module.params
    agent_id = check_agent_id(params['agent_id'], 'agent_id') if params['agent_id'] is not None else None
    server = check_uuid(params['host_server_id'].strip(), 'host_server_id') if params['host_server_id'] else None
    name = check_single_line(params['agent_name'], 'agent_name', 'machine name') if params['agent_name'] else None
    datacenter = check_region(params['datacenter'], 'datacenter')
    client = RaxBackupClient(params)
    if agent_id is not None or server is not None:
        agent = client.get_agent(agent_id) if agent_id is not None else client.agent_by_server(server)
        agents = [agent_view(agent)] if agent is not None else []
    else:
        listed = client.list_agents()
        if params['detail']:
            details = read_details(client, listed)
            agents = [agent_view(details[a['MachineAgentId']]) for a in listed if a.get('MachineAgentId') in details]
        else:
            agents = [agent_view(a, detailed=False) for a in listed]
    agents = [a for a in agents if (name is None or a['name'] == name)
              and (datacenter is None or a['datacenter'] == datacenter)]
    exit_info(module, client, 'agents', agents)


def main():
    run_module(argument_spec(), run, **module_kwargs())


if __name__ == '__main__':
    main()
