#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rax_backup_config
short_description: Manage a Rackspace Cloud Backup configuration (what to back up, when, and how long to keep it)
version_added: 0.1.0
description:
  - Creates, updates or deletes the backup configuration O(name) of an agent. A configuration is known by its agent
    and its name, or by O(config_id).
  - Only the options you give are compared; a configuration that already has them is not touched (no write).
    Otherwise one request is sent; an update replaces the whole configuration (C(PUT backup-configuration/{id}),
    with the schedule id read just before), or only toggles it when O(enabled) alone changes.
  - The schedule has the fields of its O(frequency) only; giving a field the frequency does not use fails before any
    request.
  - O(include) and O(exclude) are sets of paths; with O(purge_paths=true) (the default) the paths you give are all the
    paths of the configuration, with O(purge_paths=false) they are added to the ones it has. Paths must be absolute for
    the agent's operating system (C(C:\\...) on Windows, C(/...) elsewhere).
  - Creating by name is serialised on the controller (two runs creating one name take turns), and a second
    configuration of the same name on the agent (made elsewhere at the same moment) is reported.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.rax_backup
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  name:
    description:
      - Name of the configuration (C(BackupConfigurationName)), unique on the agent.
      - Required unless O(config_id) is given; with O(config_id) a different name renames the configuration.
    type: str
  config_id:
    description:
      - Id of an existing configuration (C(BackupConfigurationId)); it is never created by id.
    type: int
  agent_id:
    description:
      - Id of the agent the configuration belongs to. One of O(agent_id), O(agent_name) and O(host_server_id) is
        required unless O(config_id) is given.
    type: int
  agent_name:
    description:
      - Name of the machine of the agent (unique among the region's agents).
    type: str
  host_server_id:
    description:
      - Id of the Cloud Server of the agent.
    type: str
  state:
    description:
      - V(present) creates or updates the configuration; V(absent) deletes it.
      - A deleted configuration's backups can no longer be restored; deleting one that has restorable backups needs
        O(confirm_delete_backups=true).
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description:
      - Whether scheduled backups run (C(IsActive)). Defaults to V(true) on creation.
    type: bool
  retention_days:
    description:
      - How many days backup versions are kept; V(0) keeps them forever. Defaults to V(30) on creation.
    type: int
    choices: [0, 30, 60]
  frequency:
    description:
      - When backups run. V(manually) (only when started), V(hourly) (every O(hour_interval) hours), V(daily) (at
        O(start_time)) or V(weekly) (on O(day_of_week) at O(start_time)). Defaults to V(manually) on creation.
      - Schedule options the frequency does not use must not be given. When the frequency stays, options it uses that
        are not given keep their values.
    type: str
    choices: [manually, hourly, daily, weekly]
  hour_interval:
    description:
      - Hours between backups, 1 to 23; only with O(frequency=hourly).
    type: int
  start_time:
    description:
      - Time of day backups start, as V(HH:MM) on a 24-hour clock (V(19:30)) or with AM/PM (V(7:30 PM)), in
        O(time_zone); only with O(frequency=daily) or O(frequency=weekly).
    type: str
  day_of_week:
    description:
      - Day backups run; only with O(frequency=weekly).
    type: str
    choices: [sunday, monday, tuesday, wednesday, thursday, friday, saturday]
  time_zone:
    description:
      - Time zone of O(start_time), as a Windows time zone id such as V(Eastern Standard Time) or V(UTC).
        Defaults to V(UTC) on creation.
    type: str
  missed_backup_action:
    description:
      - What happens when a scheduled backup was missed (C(MissedBackupActionId)); the API reference describes it as
        when notifications are sent. V(as_soon_as_possible) (1) or V(next_scheduled_time) (2).
    type: str
    choices: [as_soon_as_possible, next_scheduled_time]
  notify_recipients:
    description:
      - Email address notified of backups. Required to create a configuration (the API requires it).
    type: str
  notify_success:
    description:
      - Send an email after successful backups. Defaults to V(false) on creation.
    type: bool
  notify_failure:
    description:
      - Send an email after failed backups. Defaults to V(true) on creation.
    type: bool
  include:
    description:
      - Files and folders to back up.
    type: list
    elements: dict
    suboptions:
      path:
        description:
          - Absolute path on the agent's machine.
        type: str
        required: true
      type:
        description:
          - Whether the path is a file or a folder.
        type: str
        choices: [file, folder]
        default: folder
  exclude:
    description:
      - Files and folders not to back up (inside included folders).
    type: list
    elements: dict
    suboptions:
      path:
        description:
          - Absolute path on the agent's machine.
        type: str
        required: true
      type:
        description:
          - Whether the path is a file or a folder.
        type: str
        choices: [file, folder]
        default: folder
  purge_paths:
    description:
      - With V(true), O(include) and O(exclude), when given, are the whole lists; paths the configuration has and you
        did not give are removed. With V(false) the paths you give are added.
    type: bool
    default: true
  confirm_delete_backups:
    description:
      - Must be V(true) to delete (O(state=absent)) a configuration that still has restorable backups, which can no
        longer be restored once it is deleted.
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.rax_backup_config_info
  - module: backupdr.cloud.rax_backup
"""

EXAMPLES = r"""
- name: Nightly backup of the web root, kept 30 days
  backupdr.cloud.rax_backup_config:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    region: DFW
    agent_name: web-01
    name: Nightly web
    frequency: daily
    start_time: "02:30"
    time_zone: Eastern Standard Time
    retention_days: 30
    notify_recipients: ops@example.com
    include:
      - path: /var/www/
    exclude:
      - path: /var/www/cache/
  register: nightly

- name: Every 4 hours instead
  backupdr.cloud.rax_backup_config:
    agent_name: web-01
    name: Nightly web
    frequency: hourly
    hour_interval: 4

- name: Also back up one file, keeping the other paths
  backupdr.cloud.rax_backup_config:
    agent_name: web-01
    name: Nightly web
    include:
      - path: /etc/nginx/nginx.conf
        type: file
    purge_paths: false

- name: Pause it
  backupdr.cloud.rax_backup_config:
    config_id: "{{ nightly.config.config_id }}"
    enabled: false

- name: Delete it (its backups can no longer be restored)
  backupdr.cloud.rax_backup_config:
    agent_name: web-01
    name: Nightly web
    state: absent
    confirm_delete_backups: true
"""

RETURN = r"""
config:
  description:
    - The configuration as the API shows it after the change (as it would be, in check mode); empty after a deletion.
  returned: always
  type: dict
  contains:
    config_id:
      description: Id of the configuration (C(BackupConfigurationId)).
      type: int
      sample: 170106
    agent_id:
      description: Id of its agent.
      type: int
      sample: 213561
    schedule_id:
      description: Id of its schedule (C(BackupConfigurationScheduleId)).
      type: int
      sample: 173136
    name:
      description: Its name.
      type: str
      sample: Nightly web
    enabled:
      description: Whether scheduled backups run.
      type: bool
      sample: true
    deleted:
      description: Whether it is deleted.
      type: bool
      sample: false
    retention_days:
      description: Days backup versions are kept (V(0) forever).
      type: int
      sample: 30
    frequency:
      description: V(manually), V(hourly), V(daily) or V(weekly).
      type: str
      sample: daily
    hour_interval:
      description: Hours between backups (hourly only), else V(null).
      type: int
      sample: null
    start_time:
      description: Start time, V(HH:MM) on a 24-hour clock (daily and weekly only), else V(null).
      type: str
      sample: "02:30"
    day_of_week:
      description: Day of the week (weekly only), else V(null).
      type: str
      sample: null
    time_zone:
      description: Time zone of the start time.
      type: str
      sample: Eastern Standard Time
    missed_backup_action:
      description: V(as_soon_as_possible) or V(next_scheduled_time).
      type: str
      sample: as_soon_as_possible
    notify_recipients:
      description: Email address notified.
      type: str
      sample: ops@example.com
    notify_success:
      description: Email after successful backups.
      type: bool
      sample: false
    notify_failure:
      description: Email after failed backups.
      type: bool
      sample: true
    include:
      description: Paths backed up, each with C(path) and C(type) (V(file) or V(folder)).
      type: list
      elements: dict
      sample: [{path: /var/www/, type: folder}]
    exclude:
      description: Paths not backed up.
      type: list
      elements: dict
      sample: [{path: /var/www/cache/, type: folder}]
    machine_name:
      description: Name of the agent's machine.
      type: str
      sample: web-01
    encrypted:
      description: Whether the agent's backups are encrypted.
      type: bool
      sample: false
    next_run:
      description: Next scheduled run (ISO 8601, UTC), or V(null).
      type: str
      sample: "2024-05-03T06:30:00Z"
    last_run:
      description: Last run (ISO 8601, UTC), or V(null).
      type: str
      sample: null
    last_backup_id:
      description: Id of the last backup that ran successfully (its report), or V(null).
      type: int
      sample: null
restorable_backups:
  description:
    - With O(state=absent), how many restorable backups the configuration had (they can no longer be restored).
  returned: when O(state=absent)
  type: int
  sample: 3
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ResourceEngine, run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.agents import (
    agent_ref, check_agent_id, find_agent, is_windows,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    RaxBackupClient, as_int, module_kwargs, rax_backup_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.configs import (
    ALL_SCHEDULE_OPTIONS, ConfigType, check_entries, complete_schedule, config_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

PATH_SPEC = dict(path=dict(type='str', required=True), type=dict(type='str', default='folder', choices=['file', 'folder']))


def argument_spec():
    return rax_backup_argument_spec(
        name=dict(type='str'),
        config_id=dict(type='int'),
        agent_id=dict(type='int'),
        agent_name=dict(type='str'),
        host_server_id=dict(type='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        enabled=dict(type='bool'),
        retention_days=dict(type='int', choices=[0, 30, 60]),
        frequency=dict(type='str', choices=['manually', 'hourly', 'daily', 'weekly']),
        hour_interval=dict(type='int'),
        start_time=dict(type='str'),
        day_of_week=dict(type='str', choices=['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday',
                                              'saturday']),
        time_zone=dict(type='str'),
        missed_backup_action=dict(type='str', choices=['as_soon_as_possible', 'next_scheduled_time']),
        notify_recipients=dict(type='str'),
        notify_success=dict(type='bool'),
        notify_failure=dict(type='bool'),
        include=dict(type='list', elements='dict', options=PATH_SPEC),
        exclude=dict(type='list', elements='dict', options=PATH_SPEC),
        purge_paths=dict(type='bool', default=True),
        confirm_delete_backups=dict(type='bool', default=False),
    )


def run(module):
    params = module.params
    for option in ALL_SCHEDULE_OPTIONS + ('time_zone',):
        if params.get(option) == '':
            params[option] = None  # "" and null alike
    config_id = check_agent_id(params['config_id'], 'config_id') if params['config_id'] is not None else None
    ref = agent_ref(params, required=config_id is None)
    if config_id is None and not params['name']:
        raise ValidationError('name', 'give the name of the configuration (or config_id)')
    client = RaxBackupClient(params)
    agent = None
    if config_id is not None:
        raw = client.get_config(config_id)
        agent_id = as_int(raw.get('MachineAgentId')) if raw else None
        if ref is not None:
            agent = find_agent(client, ref, detail=False)
            if raw is not None and as_int(agent.get('MachineAgentId')) != agent_id:
                raise ValidationError('config_id', 'configuration %d belongs to agent %s, not to agent %s' % (
                    config_id, agent_id, agent.get('MachineAgentId')))
        elif raw is not None:
            agent = client.get_agent(agent_id)
    else:
        agent = find_agent(client, ref, detail=False)
        agent_id = as_int(agent.get('MachineAgentId'))
    rtype = ConfigType(client, params, agent_id)
    engine = ResourceEngine(module, rtype)
    if params['state'] == 'absent':
        current = None if config_id is not None and agent_id is None else engine.find()
        restorable = []
        if current is not None:
            restorable = client.completed_backups(current['config_id'])
            if restorable and not params['confirm_delete_backups']:
                raise ValidationError('confirm_delete_backups', 'configuration %r (%s) has %d restorable backup(s), '
                                      'which cannot be restored once it is deleted: set confirm_delete_backups=true'
                                      % (current['name'], current['config_id'], len(restorable)))
        changed, dummy, diff = engine.absent(current=current)
        finish(module, client, changed, None, diff, restorable_backups=len(restorable))
    if agent_id is None:
        raise ValidationError('config_id', 'no backup configuration has the id %d in %s; refusing to create one (omit '
                                           'config_id to create one by name)' % (config_id, client.where()))
    desired = engine.desired()
    windows = is_windows(agent) if agent else None
    for option in ('include', 'exclude'):
        if params[option] is not None:
            check_entries(params[option], option, windows)
    current = engine.find()
    complete_schedule(desired, current, create=current is None)
    if not params['purge_paths'] and current is not None:
        for option in ('include', 'exclude'):
            if option in desired:
                desired[option] = sorted(set(current.get(option) or ()) | set(desired[option]))
    changed, flat, diff = engine.present(current=current, wanted=desired)
    finish(module, client, changed, flat, diff)


def finish(module, client, changed, flat, diff, **extra):
    result = dict(changed=changed, config=config_view(flat))
    if diff is not None and module._diff:
        result['diff'] = dict(before=_readable(diff.get('before')), after=_readable(diff.get('after')))
    result.update(extra)
    warning = client.cache_warning()
    if warning:
        module.warn(warning)
    module.exit_json(**result)


def _readable(side):
    """include/exclude as {path, type} dicts in the diff too."""
    if not isinstance(side, dict):
        return side
    out = config_view(side) if ('include' in side or 'exclude' in side) else dict(side)
    return dict((k, v) for k, v in out.items() if k in side)


def main():
    run_module(argument_spec(), run, **module_kwargs(mutually_exclusive=[('agent_id', 'agent_name', 'host_server_id')]))


if __name__ == '__main__':
    main()
