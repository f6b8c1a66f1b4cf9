#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rax_backup_info
short_description: Read Rackspace Cloud Backup backups, their reports, and what can be restored
version_added: 0.1.0
description:
  - With O(backup_id), one backup (C(GET backup/{id})) and, once it has ended, its report (C(GET backup/report/{id})).
  - With a configuration (O(config_id), or O(config_name) with the agent), its completed backups that can still be
    restored, newest first (C(GET backup/completed/{config})).
  - With neither, the configurations that have backups available for restore (C(GET backup/availableforrestore)).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.rax_backup
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  backup_id:
    description:
      - Id of one backup. An unknown id returns an empty RV(backups) list.
    type: int
  report:
    description:
      - With O(backup_id), also read the backup's report when it has ended.
    type: bool
    default: true
  config_id:
    description:
      - Id of a configuration whose restorable backups are listed.
    type: int
  config_name:
    description:
      - Name of the configuration, with O(agent_id), O(agent_name) or O(host_server_id).
    type: str
  agent_id:
    description:
      - Id of the agent of O(config_name).
    type: int
  agent_name:
    description:
      - Name of the machine of the agent of O(config_name).
    type: str
  host_server_id:
    description:
      - Id of the Cloud Server of the agent of O(config_name).
    type: str
seealso:
  - module: backupdr.cloud.rax_backup
  - module: backupdr.cloud.rax_restore
"""

EXAMPLES = r"""
- name: Restorable backups of a configuration
  backupdr.cloud.rax_backup_info:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    region: DFW
    agent_name: web-01
    config_name: Daily web backup
  register: restorable

- name: The newest one, with its report
  backupdr.cloud.rax_backup_info:
    backup_id: "{{ restorable.backups[0].backup_id }}"
  register: newest

- name: Its errors
  ansible.builtin.debug:
    msg: "{{ newest.report.errors | map(attribute='path') | list }}"

- name: Configurations that have something to restore
  backupdr.cloud.rax_backup_info:
  register: available
"""

RETURN = r"""
backups:
  description:
    - With O(backup_id), the backup (C(backup_id), C(config_id), C(config_name), C(agent_id), C(machine_name),
      C(state), C(state_changed), C(encrypted)).
    - With a configuration, its restorable backups, newest first (C(backup_id), C(config_id), C(config_name),
      C(agent_id), C(machine_name), C(completed), C(bytes_searched), C(errors_count)).
  returned: always
  type: list
  elements: dict
  sample:
    - backup_id: 368783
      config_id: 170101
      config_name: Daily web backup
      agent_id: 213561
      machine_name: web-01
      completed: "2024-05-02T02:35:00Z"
      bytes_searched: 3283541270
      errors_count: 0
report:
  description:
    - With O(backup_id), the report of the backup once it has ended, else V(null); see M(backupdr.cloud.rax_backup).
  returned: always
  type: dict
  sample:
    backup_id: 368783
    state: CompletedWithErrors
    can_restore: true
    files_searched: 11936
    bytes_backed_up: 178.1 MB
    errors_count: 2
    reason: Success
    errors:
      - path: C:\data\tempdb.mdf
        description: The agent experienced a problem. (Rax)
        exception: Cannot open file "C:\data\tempdb.mdf"...
        code: 313
        type: 101
        index: 3210
available:
  description:
    - Without O(backup_id) and a configuration, the configurations that have a backup available for restore.
  returned: always
  type: list
  elements: dict
  sample:
    - config_id: 170101
      config_name: Daily web backup
      agent_id: 213561
      machine_name: web-01
      encrypted: false
      flavor: RaxCloudServer
      last_successful_backup: "2024-05-02T02:35:00Z"
count:
  description: Number of items in RV(backups), or in RV(available) when that is what was listed.
  returned: always
  type: int
  sample: 3
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.agents import agent_ref, check_agent_id
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    RaxBackupClient, date_epoch, exit_info, module_kwargs, rax_backup_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.configs import find_config
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.jobs import (
    BACKUP_RUNNING, available_view, backup_report_view, backup_view, completed_view, state_key,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def argument_spec():
    return rax_backup_argument_spec(
        backup_id=dict(type='int'),
        report=dict(type='bool', default=True),
        config_id=dict(type='int'),
        config_name=dict(type='str'),
        agent_id=dict(type='int'),
        agent_name=dict(type='str'),
        host_server_id=dict(type='str'),
    )


def run(module):
    params = module.params
    backup_id = check_agent_id(params['backup_id'], 'backup_id') if params['backup_id'] is not None else None
    by_config = params['config_id'] is not None or bool(params['config_name'])
    if backup_id is not None and by_config:
        raise ValidationError('backup_id', 'give backup_id or a configuration, not both')
    if not by_config and agent_ref(params, required=False) is not None:
        raise ValidationError('config_name', 'the agent options name the agent of config_name: give config_name too')
    client = RaxBackupClient(params)
    if backup_id is not None:
        backup = client.get_backup(backup_id)
        report = None
        if backup is not None and params['report'] and state_key(backup.get('CurrentState')) not in BACKUP_RUNNING:
            report = backup_report_view(client.backup_report(backup_id))
        exit_info(module, client, 'backups', [backup_view(backup)] if backup else [], report=report, available=[])
    if by_config:
        config = find_config(client, params)
        items = sorted(client.completed_backups(config['BackupConfigurationId']),
                       key=lambda item: date_epoch(item.get('CompletedTime')) or 0, reverse=True)
        exit_info(module, client, 'backups', [completed_view(item) for item in items], report=None, available=[])
    available = [available_view(item) for item in client.available_for_restore()]
    exit_info(module, client, 'available', available, backups=[], report=None)


def main():
    run_module(argument_spec(), run, **module_kwargs(mutually_exclusive=[('agent_id', 'agent_name', 'host_server_id')]))


if __name__ == '__main__':
    main()
