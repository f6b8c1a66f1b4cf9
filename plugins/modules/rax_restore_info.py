#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rax_restore_info
short_description: Read Rackspace Cloud Backup restores and their reports
version_added: 0.1.0
description:
  - With O(restore_id), one restore (C(GET restore/{id})) with its file entries (C(GET restore/files/{id})) and, once
    it has ended, its report (C(GET restore/report/{id})).
  - Without it, the restores in the activity of the account or of one agent (the API has no list of restores), newest
    first, each as the activity shows it.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.rax_backup
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  restore_id:
    description:
      - Id of one restore. An unknown id returns an empty list.
    type: int
  agent_id:
    description:
      - Only restores of backups of this agent or to this agent.
    type: int
  agent_name:
    description:
      - Only restores from or to the agent of this machine (unique among the region's agents).
    type: str
  host_server_id:
    description:
      - Only restores from or to the agent on this Cloud Server.
    type: str
  backup_id:
    description:
      - Only restores of this backup.
    type: int
seealso:
  - module: backupdr.cloud.rax_restore
  - module: backupdr.cloud.rax_backup_activity_info
"""

EXAMPLES = r"""
- name: One restore with its report
  backupdr.cloud.rax_restore_info:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    region: DFW
    restore_id: 14381
  register: one

- name: Its outcome
  ansible.builtin.debug:
    msg: "{{ one.restores[0].state }}: {{ one.report.files_restored | default('not ended') }} files"

- name: Restores to or from web-01
  backupdr.cloud.rax_restore_info:
    agent_name: web-01
  register: web
"""

RETURN = r"""
restores:
  description:
    - With O(restore_id), the restore as M(backupdr.cloud.rax_restore) returns it.
    - Otherwise the restores of the activity, each with C(restore_id), C(backup_id), C(config_id), C(config_name),
      C(source_agent_id), C(source_machine_name), C(destination_agent_id), C(destination_machine_name), C(state) and
      C(time) (of its last change, ISO 8601 UTC).
  returned: always
  type: list
  elements: dict
  sample:
    - restore_id: 14381
      backup_id: 368783
      config_id: 170101
      config_name: Daily web backup
      source_agent_id: 213561
      source_machine_name: web-01
      destination_agent_id: 213561
      destination_machine_name: web-01
      state: Completed
      time: "2024-05-02T14:05:00Z"
report:
  description:
    - With O(restore_id), the report once the restore has ended, else V(null); see M(backupdr.cloud.rax_restore).
  returned: always
  type: dict
  sample: {state: Completed, files_restored: 35, bytes_restored: 18 MB, errors_count: 0, reason: Success, errors: []}
count:
  description: Number of restores returned.
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
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.jobs import (
    activity_view, restore_report_view, restore_state_id, restore_view,
)


def argument_spec():
    return rax_backup_argument_spec(
        restore_id=dict(type='int'),
        agent_id=dict(type='int'),
        agent_name=dict(type='str'),
        host_server_id=dict(type='str'),
        backup_id=dict(type='int'),
    )


def run(module):
    params = module.params
    restore_id = check_agent_id(params['restore_id'], 'restore_id') if params['restore_id'] is not None else None
    ref = agent_ref(params, required=False)
    client = RaxBackupClient(params)
    if restore_id is not None:
        restore = client.get_restore(restore_id)
        if restore is None:
            exit_info(module, client, 'restores', [], report=None)
        report = None
        if restore_state_id(restore) in (3, 4, 5, 8):
            report = restore_report_view(client.restore_report(restore_id))
        exit_info(module, client, 'restores', [restore_view(restore, client.restore_files(restore_id))], report=report)
    if ref is not None:
        rows = client.agent_activity(find_agent(client, ref, detail=False)['MachineAgentId'])
    else:
        rows = client.activity()
    restores = []
    for row in rows:
        view = activity_view(row)
        if view['type'] != 'restore':
            continue
        if params['backup_id'] is not None and view['backup_id'] != params['backup_id']:
            continue
        restores.append(dict(restore_id=view['id'], backup_id=view['backup_id'], config_id=view['config_id'],
                             config_name=view['name'], source_agent_id=view['source_agent_id'],
                             source_machine_name=view['source_machine_name'],
                             destination_agent_id=as_int(view['destination_agent_id']),
                             destination_machine_name=view['destination_machine_name'], state=view['state'],
                             time=view['time']))
    exit_info(module, client, 'restores', restores, report=None)


def main():
    run_module(argument_spec(), run, **module_kwargs(mutually_exclusive=[('agent_id', 'agent_name', 'host_server_id')]))


if __name__ == '__main__':
    main()
