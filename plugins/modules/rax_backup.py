#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rax_backup
short_description: Run (or stop) a Rackspace Cloud Backup backup of a configuration and wait for it
version_added: 0.1.0
description:
  - Starts a backup of a backup configuration (C(POST backup/action-requested) with C(StartManual)) and, with
    O(wait=true), follows it (C(GET backup/{id})) until it has ended, then reads its report.
  - When a backup of the configuration is already running (the agent's activity shows one), the module follows that one
    instead of starting a second.
  - O(skip_if_newer_than) skips the backup when a successful backup of the configuration is younger than that.
  - A start whose answer was lost is never sent again; the module looks in the agent's activity for the backup it
    started (during the settle window, see O(api_timeout)) and follows it.
  - When the agent is C(Offline), work for it waits until it comes back; with O(wake=true) (the default) the module
    wakes the agents of the region first and waits until the agent is C(Online).
  - O(state=stopped) stops the running backup of the configuration (C(StopManual)), if there is one.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.rax_backup
  - backupdr.cloud.api
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  config_id:
    description:
      - Id of the backup configuration. Or O(config_name) with the agent (O(agent_id), O(agent_name) or
        O(host_server_id)).
    type: int
  config_name:
    description:
      - Name of the backup configuration on the agent.
    type: str
  agent_id:
    description:
      - Id of the agent of O(config_name).
    type: int
  agent_name:
    description:
      - Name of the machine of the agent of O(config_name) (unique among the region's agents).
    type: str
  host_server_id:
    description:
      - Id of the Cloud Server of the agent of O(config_name).
    type: str
  state:
    description:
      - V(started) runs a backup (or follows the one that runs); V(stopped) stops the running backup.
    type: str
    choices: [started, stopped]
    default: started
  skip_if_newer_than:
    description:
      - Do not start a backup when a backup of the configuration completed without errors less than this long ago,
        such as V(6h), V(30m), V(1d), V(1h30m) or a number of seconds. The module then reports that backup, unchanged.
    type: str
  allow_partial:
    description:
      - A backup that ends C(CompletedWithErrors) (some files could not be read) fails the module unless this is
        V(true); then it returns with a warning.
    type: bool
    default: false
  wake:
    description:
      - When the agent is C(Offline), wake up the agents of the region and wait (within O(wait_timeout)) until it is
        C(Online) before starting. With V(false) an offline agent fails the module before anything is sent.
      - A backup already running (queued) for an C(Offline) agent is followed after the same wake-up when O(wait=true),
        and the result is C(changed) for the wake-up; with V(false) it is followed with a warning that it may not go on
        until the agent comes back.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the agent to come online and for the backup to end.
    type: int
    default: 3600
notes:
  - A backup that fails (or is stopped, skipped or missed) fails the module with its report.
  - Check mode starts nothing; it says whether a backup would be started, followed or skipped.
seealso:
  - module: backupdr.cloud.rax_backup_info
  - module: backupdr.cloud.rax_backup_config
  - module: backupdr.cloud.rax_restore
"""

EXAMPLES = r"""
- name: Back up web-01 before the upgrade, unless it was backed up in the last 6 hours
  backupdr.cloud.rax_backup:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    region: DFW
    agent_name: web-01
    config_name: Daily web backup
    skip_if_newer_than: 6h
  register: before_upgrade

- name: Report it
  ansible.builtin.debug:
    msg: "Backup {{ before_upgrade.backup.backup_id }} {{ before_upgrade.backup.state }}"

- name: Start a backup and do not wait
  backupdr.cloud.rax_backup:
    agent_name: web-01
    config_name: Daily web backup
    wait: false
  register: started

- name: Stop it
  backupdr.cloud.rax_backup:
    agent_name: web-01
    config_name: Daily web backup
    state: stopped
"""

RETURN = r"""
backup:
  description:
    - The backup started, followed, stopped or (with O(skip_if_newer_than)) found; V({}) when there was none.
  returned: always
  type: dict
  contains:
    backup_id:
      description: Id of the backup.
      type: int
      sample: 368785
    config_id:
      description: Id of its configuration.
      type: int
      sample: 170101
    config_name:
      description: Name of its configuration.
      type: str
      sample: Daily web backup
    agent_id:
      description: Id of the agent.
      type: int
      sample: 213561
    machine_name:
      description: Name of the agent's machine.
      type: str
      sample: web-01
    state:
      description:
        - C(CurrentState), such as C(Completed), C(CompletedWithErrors), C(Failed), C(Stopped), or a running state
          (C(StartRequested), C(Queued), C(Preparing), C(InProgress), C(StopRequested)) with O(wait=false).
      type: str
      sample: Completed
    state_changed:
      description: When it last changed state (ISO 8601, UTC).
      type: str
      sample: "2024-05-02T02:35:00Z"
    encrypted:
      description: Whether the backup is encrypted.
      type: bool
      sample: false
report:
  description:
    - The backup's report once it has ended (C(GET backup/report/{id})), else V(null).
  returned: always
  type: dict
  sample:
    backup_id: 368785
    state: Completed
    can_restore: true
    started: "2024-05-02T02:30:05Z"
    completed: "2024-05-02T02:35:00Z"
    duration: "00:04:55"
    files_searched: 11936
    bytes_searched: 3.7 GB
    files_backed_up: 6
    bytes_backed_up: 178.1 MB
    errors_count: 0
    reason: Success
    diagnostics: Completed Successfully
    errors: []
operation:
  description:
    - How the module got the backup. C(operation_id) is the backup id; C(attached) is V(true) when a running backup
      was followed instead of starting one; C(adopted) when the answer to the start was lost and the backup was found;
      C(state) is the job engine's V(success), V(partial), V(failed), V(running) or V(would_start) (check mode).
  returned: always
  type: dict
  sample: {operation_id: 368785, state: success, status: Completed, attached: false, adopted: false, waited: true,
           elapsed: 12.5}
recent:
  description:
    - V(true) when O(skip_if_newer_than) found a recent enough backup, which RV(backup) is, and no backup was started.
  returned: always
  type: bool
  sample: false
"""

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import JobFailed, JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.agents import (
    agent_label, agent_ref, is_online, wake_and_wait,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    RaxBackupClient, as_bool, as_int, date_epoch, module_kwargs, rax_backup_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.configs import config_flat, find_config
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.jobs import (
    BackupJob, StopBackupJob, backup_report_view, backup_view, completed_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, pattern
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import WaitTimeout

DURATION_RE = pattern(r'(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?')
SECONDS_RE = pattern(r'\d+')


def parse_duration(value, option):
    """``1h30m``, ``6h``, ``2d``, ``45s`` or a number of seconds -> seconds."""
    text = str(value).strip().lower().replace(' ', '')
    if SECONDS_RE.fullmatch(text):
        return int(text)
    match = DURATION_RE.fullmatch(text)
    if not text or not match or not any(match.groups()):
        raise ValidationError(option, 'expected a duration such as 6h, 30m, 1d, 1h30m or a number of seconds, got %r'
                              % (value,))
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds


def argument_spec():
    return rax_backup_argument_spec(
        config_id=dict(type='int'),
        config_name=dict(type='str'),
        agent_id=dict(type='int'),
        agent_name=dict(type='str'),
        host_server_id=dict(type='str'),
        state=dict(type='str', default='started', choices=['started', 'stopped']),
        skip_if_newer_than=dict(type='str'),
        allow_partial=dict(type='bool', default=False),
        wake=dict(type='bool', default=True),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=3600),
    )


class Backup:
    """One run of the module."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = None
        self.latest = None
        self.woke = False

    def validate(self):
        params = self.params
        agent_ref(params, required=False)
        if params['config_id'] is None and not params['config_name']:
            raise ValidationError('config_id', 'give config_id, or config_name with the agent (agent_id, agent_name '
                                               'or host_server_id)')
        self.max_age = None
        if params['skip_if_newer_than'] not in (None, ''):
            if params['state'] != 'started':
                raise ValidationError('skip_if_newer_than', 'is only used with state=started')
            self.max_age = parse_duration(params['skip_if_newer_than'], 'skip_if_newer_than')
        if params['wait_timeout'] < 0:
            raise ValidationError('wait_timeout', 'must not be negative')

    def run(self):
        self.validate()
        params = self.params
        self.client = client = RaxBackupClient(params)
        config = config_flat(find_config(client, params))
        self.runner = JobRunner(self.module, client, wait=params['wait'], wait_timeout=params['wait_timeout'])
        job = BackupJob(client, config, config['agent_id'])
        if params['state'] == 'stopped':
            return self.stop(job, config)
        running = job.existing()
        if running is None:
            skipped = self.recent(config)
            if skipped is not None:
                return self.finish(False, skipped, None, None, recent=True)
            self.before_start(config)
        elif params['wait']:
            # A backup already queued for an Offline agent (a scheduled one, another run's) waits for the agent
            # as a new one would (L1343): wake it before following, or say why the wait may not end.
            self.wake_agent(config, client.get_agent(config['agent_id']), following=True)
        try:
            result = self.runner.run(job, fail_on_partial=not params['allow_partial'])
        except JobFailed as exc:
            failure = exc
        else:
            failure = None
        if failure is not None:
            backup, report = self.outcome(failure.result.operation_id, failure.result.observation)
            self.module.fail_json(msg=self.failure_message(str(failure), report),
                                  changed=failure.result.changed or self.woke, backup=backup, report=report, operation=failure.result.as_dict(), recent=False)
        if job.raced:
            # The start was refused because a backup started meanwhile (by someone else): that one was followed.
            result.changed = False
            result.attached = True
        if result.state == 'would_start':
            return self.finish(True, {}, None, result.as_dict())
        backup, report = self.outcome(result.operation_id, result.observation)
        return self.finish(result.changed, backup, report, result.as_dict())

    def recent(self, config):
        """The newest backup without errors younger than ``skip_if_newer_than`` (B3), or None."""
        if self.max_age is None:
            return None
        now = time.time()
        best = None
        for item in self.client.completed_backups(config['config_id']):
            completed = date_epoch(item.get('CompletedTime'))
            if completed is None or as_int(item.get('NumErrors')) not in (0, None):
                continue
            if now - completed <= self.max_age and (best is None or completed > best[0]):
                best = (completed, item)
        if best is None:
            return None
        view = completed_view(best[1])
        view['state'] = 'Completed'
        return view

    def before_start(self, config):
        """What the API would refuse, checked before the start: a disabled agent or configuration, an offline
        agent (woken when asked)."""
        client = self.client
        if config.get('enabled') is False:
            raise ValidationError('config_id' if self.params['config_id'] is not None else 'config_name',
                                  'configuration %r (%s) is disabled (enabled=false): the API does not start backups '
                                  'of it' % (config['name'], config['config_id']))
        agent = client.get_agent(config['agent_id'])
        if agent is None:
            raise ValidationError('config_id', 'the agent %s of configuration %s is not there' % (
                config['agent_id'], config['config_id']))
        label = agent_label(agent)
        if as_bool(agent.get('IsDisabled')):
            given = [name for name in ('agent_id', 'agent_name', 'host_server_id') if self.params.get(name)]
            raise ValidationError(given[0] if given else 'config_id',
                                  'agent %s is disabled: the API does not start backups on it (enable it with '
                                  'backupdr.cloud.rax_backup_agent)' % label)
        self.wake_agent(config, agent)

    def wake_agent(self, config, agent, following=False):
        """An Offline agent is woken (``wake``) and waited for; without ``wake`` a new backup is refused before
        any write, and following a running one goes on with a warning."""
        if agent is None or is_online(agent):
            return
        label = agent_label(agent)
        if not self.params['wake']:
            if following:
                self.module.warn('agent %s is Offline: the running backup of configuration %r may not go on until it '
                                 'comes back (wake=false)' % (label, config['name']))
                return
            raise ValidationError('wake', 'agent %s is Offline: a backup would wait until it comes back. Set wake=true '
                                          'to wake the agents first, or wake them with backupdr.cloud.rax_backup_agent'
                                  % label)
        if self.module.check_mode:
            self.module.warn('agent %s is Offline; a real run would wake the agents and wait for it' % label)
            if following:
                # Nothing moves until the wake-up check mode does not send: look once, do not wait.
                self.runner.wait_enabled = False
            return
        try:
            wake_and_wait(self.client, agent, self.runner.remaining())
        except WaitTimeout as exc:
            raise ValidationError('wait_timeout', str(exc))
        self.woke = True

    def stop(self, job, config):
        running = job.existing()
        if running is None:
            return self.finish(False, {}, None, None)
        stop = StopBackupJob(self.client, running['id'], 'configuration %r' % config['name'])
        try:
            result = self.runner.run(stop, fail_on_partial=False)
        except JobFailed as exc:
            failure = exc
        else:
            failure = None
        if failure is not None:
            backup, report = self.outcome(failure.result.operation_id, failure.result.observation)
            self.module.fail_json(msg=str(failure), changed=failure.result.changed, backup=backup, report=report,
                                  operation=failure.result.as_dict(), recent=False)
        if result.state == 'would_start':
            return self.finish(True, dict(backup_id=running['id']), None, result.as_dict())
        backup, report = self.outcome(running['id'], result.observation)
        return self.finish(result.changed, backup, report, result.as_dict())

    def outcome(self, backup_id, observation):
        """The backup view and, once it has ended, its report."""
        if not backup_id:
            return {}, None
        backup = observation if isinstance(observation, dict) and observation.get('BackupId') else None
        if backup is None:
            backup = self.client.get_backup(backup_id)
        view = backup_view(backup) if backup else dict(backup_id=backup_id)
        report = None
        if backup and view.get('state') and view['state'] not in ('StartRequested', 'StartScheduled', 'Queued',
                                                                  'Preparing', 'InProgress', 'StopRequested'):
            report = backup_report_view(self.client.backup_report(backup_id))
        return view, report

    @staticmethod
    def failure_message(message, report):
        if report and (report.get('reason') or report.get('errors')):
            details = '; '.join('%s: %s' % (e.get('path'), e.get('exception') or e.get('description'))
                                for e in report.get('errors') or ())[:800]
            message += ' - report: %s (%s)%s' % (report.get('reason'), report.get('diagnostics'),
                                                 ': ' + details if details else '')
        return message

    def finish(self, changed, backup, report, operation, recent=False):
        warning = self.client.cache_warning()
        if warning:
            self.module.warn(warning)
        # Waking the agents is a change of its own (they were Offline), also when a running backup was followed.
        self.module.exit_json(changed=changed or self.woke, backup=backup or {}, report=report, operation=operation or {},
                              recent=recent)


def main():
    run_module(argument_spec(), lambda module: Backup(module).run(),
               **module_kwargs(mutually_exclusive=[('agent_id', 'agent_name', 'host_server_id')]))


if __name__ == '__main__':
    main()
