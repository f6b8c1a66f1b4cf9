# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Backups and restores as jobs of the job engine, and the views of backups, restores, reports and activity.

Readings:

* A running backup of a configuration is found in the agent's activity (V1):
  a ``Backup`` row whose ``ParentId`` is the configuration and whose
  ``CurrentState`` is not terminal.  Its backup is the row's ``BackupId`` (the
  seed's examples have an ``ID`` that differs from it, L2088/L2099).
* Backup states (B2, L1416): StartRequested, StartScheduled, Queued, Preparing,
  InProgress and StopRequested run; Completed succeeded; CompletedWithErrors is
  partial; Failed, Stopped, Skipped and Missed did not back up.
* Restore states (``RestoreStateId``, L1622): 0 Creating (not started), 6, 1, 9,
  2 and 7 run, 3 Completed, 8 CompletedWithErrors (partial), 5 Failed, 4
  Stopped.  Names are compared without case and spaces ("Completed WithErrors",
  "startRequested" and "Stoprequested" appear in the seed).
* A restore is recognised for a re-run by what it restores: the backup, the
  destination agent, the destination path, overwrite and its file entries,
  looked for in the destination agent's activity (there is no list of restores).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import (
    ALREADY, FAILED, PARTIAL, RUNNING, SUCCESS, UNKNOWN, Job,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    as_bool, as_int, date_epoch, iso_date, size_bytes,
)

BACKUP_RUNNING = ('startrequested', 'startscheduled', 'queued', 'preparing', 'inprogress', 'stoprequested')
BACKUP_OUTCOMES = {'completed': SUCCESS, 'completedwitherrors': PARTIAL, 'failed': FAILED, 'stopped': FAILED,
                   'skipped': FAILED, 'missed': FAILED}
RESTORE_STATES = {0: 'Creating', 1: 'Queued', 2: 'InProgress', 3: 'Completed', 4: 'Stopped', 5: 'Failed',
                  6: 'StartRequested', 7: 'StopRequested', 8: 'CompletedWithErrors', 9: 'Preparing'}
RESTORE_STATE_IDS = dict((name.lower(), number) for number, name in RESTORE_STATES.items())
RESTORE_RUNNING = (6, 1, 9, 2, 7)
RESTORE_OUTCOMES = {3: SUCCESS, 8: PARTIAL, 5: FAILED, 4: FAILED}
RESTORE_FILTERS = {1: 'include', 2: 'exclude'}
RESTORE_FILE_TYPES = {0: 'file', 1: 'folder', 2: 'database'}
RESTORE_FILE_TYPE_IDS = dict((v, k) for k, v in RESTORE_FILE_TYPES.items())


def state_key(value):
    """A state name compared without case and spaces ("Completed WithErrors" = "CompletedWithErrors")."""
    return re.sub(r'\s+', '', str(value or '')).lower()


def backup_outcome(state):
    """The job engine's state for a backup's CurrentState."""
    key = state_key(state)
    if key in BACKUP_RUNNING:
        return RUNNING
    return BACKUP_OUTCOMES.get(key, UNKNOWN)


def restore_state_id(restore):
    """RestoreStateId of an R8 document (a number, a digit string or a state name)."""
    value = restore.get('RestoreStateId') if isinstance(restore, dict) else None
    number = as_int(value)
    if number is None and value is not None:
        number = RESTORE_STATE_IDS.get(state_key(value))
    return number


def restore_outcome(state_id):
    if state_id == 0:
        return RUNNING  # started but not shown yet: keep looking (an unknown state ends as "unknown")
    if state_id in RESTORE_RUNNING:
        return RUNNING
    return RESTORE_OUTCOMES.get(state_id, UNKNOWN)


# -- views ----------------------------------------------------------------------------------------


def error_view(item):
    if not isinstance(item, dict):
        return {'description': str(item)}
    return dict(path=item.get('Path'), description=item.get('ErrorDesc'), exception=item.get('ExceptionDesc'),
                code=item.get('ExceptionCode'), type=item.get('ErrorType'), index=item.get('ListIndex'))


def backup_view(backup):
    """B2."""
    if not backup:
        return {}
    return dict(backup_id=as_int(backup.get('BackupId')), config_id=as_int(backup.get('BackupConfigurationId')),
                config_name=backup.get('BackupConfigurationName'), agent_id=as_int(backup.get('MachineAgentId')),
                machine_name=backup.get('MachineName'), state=backup.get('CurrentState'),
                state_changed=iso_date(backup.get('StateChangeTime')), encrypted=as_bool(backup.get('IsEncrypted')))


def completed_view(item):
    """B3 entry: a restorable backup."""
    return dict(backup_id=as_int(item.get('BackupId')), config_id=as_int(item.get('BackupConfigurationId')),
                config_name=item.get('BackupConfigurationName'), agent_id=as_int(item.get('MachineAgentId')),
                machine_name=item.get('MachineName'), completed=iso_date(item.get('CompletedTime')),
                bytes_searched=size_bytes(item.get('BytesSearched')), errors_count=as_int(item.get('NumErrors')))


def backup_report_view(report):
    """B4."""
    if not report:
        return None
    return dict(backup_id=as_int(report.get('BackupId')), config_id=as_int(report.get('BackupConfigurationId')),
                config_name=report.get('BackupConfigurationName'),
                config_deleted=as_bool(report.get('BackupConfigurationIsDeleted')),
                machine_name=report.get('ComputerName'), agent_id=as_int(report.get('MachineAgentId')),
                state=report.get('State'), can_restore=as_bool(report.get('CanRestore')),
                started=iso_date(report.get('StartTime')), completed=iso_date(report.get('CompletedTime')),
                duration=report.get('Duration'), files_searched=as_int(report.get('FilesSearched')),
                bytes_searched=report.get('BytesSearched'), files_backed_up=as_int(report.get('FilesBackedUp')),
                bytes_backed_up=report.get('BytesBackedUp'), errors_count=as_int(report.get('NumErrors')),
                reason=report.get('Reason'), diagnostics=report.get('Diagnostics'),
                errors=[error_view(item) for item in report.get('ErrorList') or ()])


def available_view(item):
    """R6 entry: a configuration with a restorable backup."""
    return dict(config_id=as_int(item.get('BackupConfigurationId')), config_name=item.get('BackupConfigurationName'),
                agent_id=as_int(item.get('MachineAgentId')), machine_name=item.get('MachineName'),
                encrypted=as_bool(item.get('IsEncrypted')), flavor=item.get('Flavor'),
                last_successful_backup=iso_date(item.get('LastSuccessfulBackupTime')))


def restore_file_view(item):
    return dict(path=item.get('FilePath'), filter=RESTORE_FILTERS.get(as_int(item.get('Filter')), item.get('Filter')),
                type=RESTORE_FILE_TYPES.get(as_int(item.get('FileItemType')), item.get('FileItemType')),
                file_id=as_int(item.get('FileId')))


def restore_view(restore, files=None):
    """R1/R8 (and R4's entries when given)."""
    if not restore:
        return {}
    state_id = restore_state_id(restore)
    out = dict(restore_id=as_int(restore.get('RestoreId')), backup_id=as_int(restore.get('BackupId')),
               config_id=as_int(restore.get('BackupConfigurationId')),
               config_name=restore.get('BackupConfigurationName'),
               source_agent_id=as_int(restore.get('BackupMachineId')),
               source_machine_name=restore.get('BackupMachineName'),
               destination_agent_id=as_int(restore.get('DestinationMachineId')),
               destination_machine_name=restore.get('DestinationMachineName'),
               destination_path=restore.get('DestinationPath'), overwrite=as_bool(restore.get('OverwriteFiles')),
               backup_datacenter=restore.get('BackupDataCenter'), restore_point=iso_date(restore.get('BackupRestorePoint')),
               encrypted=as_bool(restore.get('IsEncrypted')), state_id=state_id,
               state=RESTORE_STATES.get(state_id, str(restore.get('RestoreStateId'))))
    if files is not None:
        views = [restore_file_view(item) for item in files]
    else:
        views = [restore_file_view(item) for item in (restore.get('Inclusions') or []) + (restore.get('Exclusions') or [])
                 if isinstance(item, dict)]
    out['include'] = [dict(path=v['path'], type=v['type']) for v in views if v['filter'] == 'include']
    out['exclude'] = [dict(path=v['path'], type=v['type']) for v in views if v['filter'] == 'exclude']
    return out


def restore_report_view(report):
    """R9."""
    if not report:
        return None
    return dict(config_id=as_int(report.get('BackupConfigurationId')), config_name=report.get('BackupConfigurationName'),
                backup_id=as_int(report.get('BackupReportId')), restore_point=iso_date(report.get('RestorePoint')),
                started=iso_date(report.get('StartTime')), completed=iso_date(report.get('CompletedTime')),
                duration=report.get('Duration'), source_machine_name=report.get('OriginatingComputerName'),
                state=report.get('State'), files_restored=as_int(report.get('NumFilesRestored')),
                bytes_restored=report.get('NumBytesRestored'),
                destination_machine_name=report.get('RestoreDestination'),
                destination_agent_id=as_int(report.get('RestoreDestinationMachineId')),
                errors_count=as_int(report.get('NumErrors')), reason=report.get('Reason'),
                diagnostics=report.get('Diagnostics'),
                errors=[error_view(item) for item in report.get('ErrorList') or ()])


def activity_view(row):
    """V1/V2 entry."""
    kind = str(row.get('Type') or '')
    backup_id = as_int(row.get('BackupId'))
    return dict(id=as_int(row.get('ID')), type=kind.lower() or None, config_id=as_int(row.get('ParentId')),
                name=row.get('DisplayName'), config_deleted=as_bool(row.get('IsBackupConfigurationDeleted')),
                source_agent_id=as_int(row.get('SourceMachineAgentId')), source_machine_name=row.get('SourceMachineName'),
                destination_agent_id=as_int(row.get('DestinationMachineAgentId')) or None,
                destination_machine_name=row.get('DestinationMachineName') or None, state=row.get('CurrentState'),
                time=iso_date(row.get('TimeOfActivity')), backup_id=backup_id or None,
                running=state_key(row.get('CurrentState')) in BACKUP_RUNNING)


def backup_rows(rows, config_id):
    """Backup rows of a configuration in activity, newest first: ``(backup_id, state, epoch)``."""
    out = []
    for row in rows:
        if state_key(row.get('Type')) != 'backup' or as_int(row.get('ParentId')) != config_id:
            continue
        backup_id = as_int(row.get('BackupId')) or as_int(row.get('ID'))
        if backup_id:
            out.append((backup_id, row.get('CurrentState'), date_epoch(row.get('TimeOfActivity')) or 0))
    out.sort(key=lambda item: (item[2], item[0]), reverse=True)
    return out


# -- jobs -------------------------------------------------------------------------------------------


class BackupJob(Job):
    """A backup of one configuration: attach to a running one, else start (B1); follow it through B2."""

    def __init__(self, client, config, agent_id):
        self.client = client
        self.config = config
        self.config_id = config['config_id']
        self.agent_id = agent_id
        self.what = 'backup of configuration %r (%s) on agent %s' % (config.get('name'), self.config_id, agent_id)
        self.check_hint = 'the activity of agent %s (backupdr.cloud.rax_backup_activity_info)' % agent_id
        self.before = None
        self._existing = False  # not looked yet
        self.raced = False

    def _rows(self):
        return backup_rows(self.client.agent_activity(self.agent_id), self.config_id)

    def running(self):
        for backup_id, state, dummy in self._rows():
            if state_key(state) in BACKUP_RUNNING:
                return backup_id
        return None

    def existing(self):
        """The running backup of the configuration (looked up once per run), or None."""
        if self._existing is False:
            rows = self._rows()
            self.before = set(row[0] for row in rows)
            self._existing = None
            for backup_id, state, dummy in rows:
                if state_key(state) in BACKUP_RUNNING:
                    self._existing = dict(id=backup_id)
                    break
        return self._existing

    def start(self):
        return dict(id=self.client.start_backup(self.config_id))

    def on_start_error(self, err):
        if err.status == 400:
            # Refused: a backup of the configuration may have been started meanwhile (a second start is refused).
            running = self.running()
            if running is not None:
                self.raced = True
                return dict(id=running)
        return None

    def find_started(self):
        for backup_id, dummy, dummy2 in self._rows():
            if backup_id not in (self.before or ()):
                return dict(id=backup_id)
        return None

    def poll(self, handle):
        backup = self.client.get_backup(handle['id'])
        if backup is None:
            raise ApiError('backup %s is no longer there (its agent or configuration was deleted)' % handle['id'],
                           status=404, code='gone', service='Rackspace Cloud Backup')
        return backup

    def classify(self, handle, observation):
        state = observation.get('CurrentState')
        return backup_outcome(state), state


class StopBackupJob(Job):
    """Stop a running backup (B1 StopManual) and follow it until it has ended."""

    def __init__(self, client, backup_id, label):
        self.client = client
        self.backup_id = backup_id
        self.what = 'stop of backup %s of %s' % (backup_id, label)
        self.check_hint = 'backup %s (backupdr.cloud.rax_backup_info)' % backup_id

    def start(self):
        self.client.stop_backup(self.backup_id)
        return dict(id=self.backup_id)

    def on_start_error(self, err):
        if err.status == 400:
            backup = self.client.get_backup(self.backup_id)
            if backup is not None and backup_outcome(backup.get('CurrentState')) != RUNNING:
                return ALREADY
        return None

    def find_started(self):
        backup = self.client.get_backup(self.backup_id)
        if backup is not None and state_key(backup.get('CurrentState')) in ('stoprequested', 'stopped'):
            return dict(id=self.backup_id)
        return None

    def poll(self, handle):
        return self.client.get_backup(self.backup_id) or {'CurrentState': 'Stopped'}

    def classify(self, handle, observation):
        state = observation.get('CurrentState')
        outcome = backup_outcome(state)
        return (RUNNING if outcome == RUNNING else SUCCESS if outcome != UNKNOWN else UNKNOWN), state


class RestoreJob(Job):
    """Start a restore that is in Creating (R7 StartManual) and follow it through R8."""

    def __init__(self, client, restore_id, encrypted_password=None, label=''):
        self.client = client
        self.restore_id = restore_id
        self.encrypted_password = encrypted_password
        self.what = 'restore %s%s' % (restore_id, label)
        self.check_hint = 'restore %s (backupdr.cloud.rax_restore_info)' % restore_id

    def start(self):
        self.client.start_restore(self.restore_id, self.encrypted_password)
        return dict(id=self.restore_id)

    def find_started(self):
        restore = self.client.get_restore(self.restore_id)
        if restore is not None and restore_state_id(restore) not in (0, None):
            return dict(id=self.restore_id)
        return None

    def poll(self, handle):
        restore = self.client.get_restore(self.restore_id)
        if restore is None:
            raise ApiError('restore %s is no longer there' % self.restore_id, status=404, code='gone',
                           service='Rackspace Cloud Backup')
        return restore

    def classify(self, handle, observation):
        state_id = restore_state_id(observation)
        return restore_outcome(state_id), RESTORE_STATES.get(state_id, str(observation.get('RestoreStateId')))


class StopRestoreJob(Job):
    """Stop a running restore (R7 StopManual) and follow it until it has ended."""

    def __init__(self, client, restore_id):
        self.client = client
        self.restore_id = restore_id
        self.what = 'stop of restore %s' % restore_id
        self.check_hint = 'restore %s (backupdr.cloud.rax_restore_info)' % restore_id

    def start(self):
        self.client.stop_restore(self.restore_id)
        return dict(id=self.restore_id)

    def on_start_error(self, err):
        if err.status == 400:
            restore = self.client.get_restore(self.restore_id)
            if restore is not None and restore_state_id(restore) not in RESTORE_RUNNING:
                return ALREADY
        return None

    def find_started(self):
        restore = self.client.get_restore(self.restore_id)
        if restore is not None and restore_state_id(restore) in (7, 4):
            return dict(id=self.restore_id)
        return None

    def poll(self, handle):
        return self.client.get_restore(self.restore_id) or {'RestoreStateId': 4}

    def classify(self, handle, observation):
        state_id = restore_state_id(observation)
        if state_id in RESTORE_RUNNING:
            return RUNNING, RESTORE_STATES.get(state_id)
        if state_id in RESTORE_OUTCOMES:
            return SUCCESS, RESTORE_STATES.get(state_id)
        return UNKNOWN, str(observation.get('RestoreStateId'))
