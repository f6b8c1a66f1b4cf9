#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rax_backup_config_info
short_description: List Rackspace Cloud Backup configurations
version_added: 0.1.0
description:
  - Lists the backup configurations of the region's endpoint (C(GET backup-configuration), with the state of each
    one's last backup), of one agent (C(GET backup-configuration/system/{agent})), or one configuration by id.
  - Deleted configurations are left out unless O(deleted=true) (the API may still show them, with C(deleted=true)).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.rax_backup
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  config_id:
    description:
      - Only the configuration with this id. An unknown id returns an empty list.
    type: int
  agent_id:
    description:
      - Only the configurations of this agent.
    type: int
  agent_name:
    description:
      - Only the configurations of the agent of this machine (unique among the region's agents).
    type: str
  host_server_id:
    description:
      - Only the configurations of the agent on this Cloud Server.
    type: str
  name:
    description:
      - Only configurations with this name.
    type: str
  deleted:
    description:
      - Also return deleted configurations when the API still lists them.
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.rax_backup_config
  - module: backupdr.cloud.rax_backup_info
"""

EXAMPLES = r"""
- name: Every configuration of the region
  backupdr.cloud.rax_backup_config_info:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    region: DFW
  register: configs

- name: Configurations whose last backup failed
  ansible.builtin.debug:
    msg: "{{ configs.configs | selectattr('backup_state', 'equalto', 'Failed') | map(attribute='name') | list }}"

- name: The configurations of one agent
  backupdr.cloud.rax_backup_config_info:
    agent_name: web-01
  register: web
"""

RETURN = r"""
configs:
  description:
    - The configurations, as M(backupdr.cloud.rax_backup_config) returns them (C(config_id), C(agent_id), C(name),
      C(enabled), C(frequency), C(start_time), C(include)...). When all the region's configurations are listed, each
      also has C(backup_state), the state of its last backup (V(Not Available) without one).
  returned: always
  type: list
  elements: dict
  sample:
    - config_id: 170101
      agent_id: 213561
      name: Daily web backup
      enabled: true
      frequency: daily
      start_time: "02:30"
      day_of_week: null
      hour_interval: null
      time_zone: Eastern Standard Time
      retention_days: 30
      include: [{path: /var/www/, type: folder}]
      exclude: [{path: /var/www/cache/, type: folder}]
      last_run: "2024-05-02T02:35:00Z"
      last_backup_id: 368783
      backup_state: Completed
count:
  description: Number of configurations returned.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.agents import (
    agent_ref, check_agent_id, find_agent,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    RaxBackupClient, as_int, exit_info, module_kwargs, rax_backup_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.configs import config_flat, config_view


def argument_spec():
    return rax_backup_argument_spec(
        config_id=dict(type='int'),
        agent_id=dict(type='int'),
        agent_name=dict(type='str'),
        host_server_id=dict(type='str'),
        name=dict(type='str'),
        deleted=dict(type='bool', default=False),
    )


def run(module):
    params = module.params
    config_id = check_agent_id(params['config_id'], 'config_id') if params['config_id'] is not None else None
    ref = agent_ref(params, required=False)
    client = RaxBackupClient(params)
    agent_id = None
    if ref is not None:
        agent_id = as_int(find_agent(client, ref, detail=False).get('MachineAgentId'))
    if config_id is not None:
        found = client.get_config(config_id)
        configs = [found] if found else []
    elif agent_id is not None:
        configs = client.agent_configs(agent_id)
    else:
        configs = client.list_configs()
    flats = [config_flat(c) for c in configs]
    flats = [f for f in flats if (params['deleted'] or not f['deleted'])
             and (agent_id is None or f['agent_id'] == agent_id)
             and (params['name'] is None or f['name'] == params['name'])]
    exit_info(module, client, 'configs', [config_view(f) for f in flats])


def main():
    run_module(argument_spec(), run, **module_kwargs(mutually_exclusive=[('agent_id', 'agent_name', 'host_server_id')]))


if __name__ == '__main__':
    main()
