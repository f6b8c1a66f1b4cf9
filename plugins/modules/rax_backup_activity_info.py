#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rax_backup_activity_info
short_description: List Rackspace Cloud Backup activity (backups, restores, cleanups) of the account or of an agent
version_added: 0.1.0
description:
  - Lists the in-progress and completed backups, restores and cleanups of the account (C(GET activity)) or of one
    agent (C(GET system/activity/{agent}), which includes restores the agent is the source or the destination of).
  - The API lists activity newest first and has no paging or filter; the filters below apply to what it returns.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.rax_backup
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  agent_id:
    description:
      - Only the activity of this agent.
    type: int
  agent_name:
    description:
      - Only the activity of the agent of this machine (unique among the region's agents).
    type: str
  host_server_id:
    description:
      - Only the activity of the agent on this Cloud Server.
    type: str
  type:
    description:
      - Only activity of these types.
    type: list
    elements: str
    choices: [backup, restore, cleanup]
  config_id:
    description:
      - Only the backups and restores of this backup configuration.
    type: int
  running:
    description:
      - V(true) lists only activity that is still running, V(false) only activity that has ended.
    type: bool
seealso:
  - module: backupdr.cloud.rax_backup_info
  - module: backupdr.cloud.rax_restore_info
"""

EXAMPLES = r"""
- name: What runs now in the region
  backupdr.cloud.rax_backup_activity_info:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    region: DFW
    running: true
  register: running

- name: The restores of one agent
  backupdr.cloud.rax_backup_activity_info:
    agent_name: web-01
    type: [restore]
  register: restores
"""

RETURN = r"""
activities:
  description:
    - The activity, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: Id of the backup, restore or cleanup (C(ID)).
      type: int
      sample: 14381
    type:
      description: V(backup), V(restore) or V(cleanup).
      type: str
      sample: restore
    config_id:
      description: The backup configuration (C(ParentId)); V(0) for cleanups.
      type: int
      sample: 170101
    name:
      description: Name of the configuration (C(DisplayName)).
      type: str
      sample: Daily web backup
    config_deleted:
      description: Whether the configuration is deleted.
      type: bool
      sample: false
    source_agent_id:
      description: The agent that made the backup.
      type: int
      sample: 213561
    source_machine_name:
      description: Its machine name.
      type: str
      sample: web-01
    destination_agent_id:
      description: For restores, the agent restored to; else V(null).
      type: int
      sample: 213561
    destination_machine_name:
      description: Its machine name; else V(null).
      type: str
      sample: web-01
    state:
      description: C(CurrentState), as the API writes it.
      type: str
      sample: Completed
    running:
      description: Whether the activity is still running.
      type: bool
      sample: false
    time:
      description: Time of the last change (ISO 8601, UTC).
      type: str
      sample: "2024-05-02T02:35:00Z"
    backup_id:
      description: The backup (the one restored, for restores); V(null) for cleanups.
      type: int
      sample: 368783
count:
  description: Number of entries returned.
  returned: always
  type: int
  sample: 4
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.agents import agent_ref, find_agent
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    RaxBackupClient, exit_info, module_kwargs, rax_backup_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.jobs import activity_view


def argument_spec():
    return rax_backup_argument_spec(
        agent_id=dict(type='int'),
        agent_name=dict(type='str'),
        host_server_id=dict(type='str'),
        type=dict(type='list', elements='str', choices=['backup', 'restore', 'cleanup']),
        config_id=dict(type='int'),
        running=dict(type='bool'),
    )


def run(module):
    params = module.params
    ref = agent_ref(params, required=False)
    client = RaxBackupClient(params)
    if ref is not None:
        rows = client.agent_activity(find_agent(client, ref, detail=False)['MachineAgentId'])
    else:
        rows = client.activity()
    types = set(params['type'] or ())
    out = []
    for row in rows:
        view = activity_view(row)
        if types and view['type'] not in types:
            continue
        if params['config_id'] is not None and view['config_id'] != params['config_id']:
            continue
        if params['running'] is not None and view['running'] != params['running']:
            continue
        out.append(view)
    exit_info(module, client, 'activities', out)


def main():
    run_module(argument_spec(), run, **module_kwargs(mutually_exclusive=[('agent_id', 'agent_name', 'host_server_id')]))


if __name__ == '__main__':
    main()
