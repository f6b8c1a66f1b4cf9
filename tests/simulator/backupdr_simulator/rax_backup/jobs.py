# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backups, restores and activity (seed B1-B4, R1-R9, V1, V2) and their progress over time."""

import base64
import binascii

from ..core import Response
from . import rsakeys
from .base import ApiError, StoreBase, bad_request, checked, empty_response, json_response
from .model import (BACKUP_RESTORABLE, REGIONS, RESTORE_STATES, Backup, Cleanup, Restore,
                    RestoreFile, dotnet_date, duration_text, human_size, parse_bool, parse_choice, parse_int, parse_str)

ACTIONS = ('StartManual', 'StopManual')
BACKUP_REASONS = {
    'Completed': ('Success', 'Completed Successfully'),
    'CompletedWithErrors': ('Success', 'Completed With Errors'),
    'Failed': ('BackupFailed', 'The backup could not be completed.'),
    'Stopped': ('StoppedByUser', 'The backup was stopped by a user request.'),
    'Skipped': ('Skipped', 'The backup was skipped: a backup of this configuration was still running.'),
    'Missed': ('Missed', 'The backup was missed: the agent was offline at the scheduled time.'),
}
RESTORE_REASONS = {
    3: ('Success', 'Completed Successfully'),
    8: ('UnableToProcessSomeFiles', 'Some files may not have been restored'),
    5: ('RestoreFailed', 'The restore could not be completed.'),
    4: ('StoppedByUser', 'The restore was stopped by a user request.'),
}
BAD_PASSWORD = ('InvalidEncryptionPassword', 'The encryption password of the backup could not be verified.')


def _error_item(report_id, index, path, code=313, desc='The agent experienced a problem. (Rax)'):
    message = 'Cannot open file "%s". The process cannot access the file because it is being used by another process. .' % path
    return {'BackupReportID': report_id, 'ListIndex': index, 'ErrorType': 101, 'ErrorDesc': desc,
            'ExceptionDesc': message, 'ExceptionDetails': '1: [Fs.cpp: 157-rax::Fs::Open]Error Code(%d): %s' % (code, message),
            'ExceptionCode': code, 'Path': path}


def _join(base, name):
    separator = '\\' if '\\' in base or (len(base) > 1 and base[1] == ':') else '/'
    return base.rstrip('\\/') + separator + name


class JobOps(StoreBase):
    """B1-B4, R1-R9, V1, V2 and the clock."""

    # -- the clock -------------------------------------------------------------------
    def advance(self, now):
        """Start waiting jobs whose agent is online and end the jobs whose time has come (only running jobs are looked at)."""
        if not self.running:
            return
        stop = float(self.config['stop_seconds'])
        for job in sorted(self.running.values(), key=lambda item: item.started):
            worker = job.destination if job.kind == 'Restore' else job.agent
            if job.run_from is None and job.stop_at is None:
                since = self.online_since(worker, now)
                if since is not None:
                    job.run_from = max(job.started, since)
            duration = float(self.config['restore_seconds' if job.kind == 'Restore' else 'backup_seconds'])
            if job.stop_at is not None:
                if now >= job.stop_at + stop:
                    self.finish(job, 4 if job.kind == 'Restore' else 'Stopped', job.stop_at + stop)
            elif job.run_from is not None and now >= job.run_from + job.fail_at * duration:
                self.finish(job, job.outcome, job.run_from + job.fail_at * duration)

    def finish(self, job, state, ended):
        """A job ends: final state and its effects (configuration, agent, vault, reports)."""
        job.final = state
        job.ended = ended
        self.running.pop((job.kind, job.id), None)
        worker = job.destination if job.kind == 'Restore' else job.agent
        worker.last_seen = max(worker.last_seen, ended)
        if job.kind == 'Backup':
            self._finish_backup(job, state, ended)
        elif job.kind == 'Restore':
            self._finish_restore(job, state)
        elif state == 'Completed':
            job.agent.vault_bytes = job.agent.vault_bytes * 9 // 10
        for agent in (worker, job.source if job.kind == 'Restore' else None):
            if agent is not None and agent.deleted and agent.id in self.agents and not self.busy(agent):
                self.purge_agent(agent)

    def backup_stats(self, backup):
        """Deterministic sizes of a backup run (the first full, later ones incremental)."""
        config = backup.config
        earlier = sum(1 for other in config.backups if other is not backup and other.final in BACKUP_RESTORABLE)
        backup.files_searched = 500 + (config.id * 37 + earlier * 11) % 20000
        backup.bytes_searched = backup.files_searched * (150000 + config.id % 90000)
        backup.files_backed_up = backup.files_searched if not earlier else max(1, backup.files_searched // 50)
        backup.bytes_backed_up = backup.bytes_searched if not earlier else backup.bytes_searched // 40

    def _finish_backup(self, backup, state, ended):
        config = backup.config
        agent = backup.agent
        base = config.inclusions[0].path if config.inclusions else ('C:\\' if agent.os.startswith('Windows') else '/')
        if state in BACKUP_RESTORABLE:
            self.backup_stats(backup)
            agent.vault_bytes += backup.bytes_backed_up
            agent.last_success = ended
            config.last_report = backup.id
            if state == 'CompletedWithErrors':
                backup.errors = [_error_item(backup.id, 3210, _join(base, 'tempdb.mdf')),
                                 _error_item(backup.id, 3211, _join(base, 'templog.ldf'))]
        elif state == 'Failed':
            backup.errors = [_error_item(backup.id, 1, base, 5, 'The agent could not read the backup source. (Rax)')]
            config.last_report = None
        elif state == 'Stopped':
            config.last_report = None
        if state not in ('Skipped', 'Missed'):
            config.last_run = ended

    def _finish_restore(self, restore, state):
        backup = restore.backup
        total_files = backup.files_searched or 1
        total_bytes = backup.bytes_searched or 1
        if restore.files:
            included = sum(1 for item in restore.files if item.filter == 1) or 1
            total_files = max(1, min(total_files, 35 * included))
            total_bytes = max(1, total_bytes * total_files // max(1, backup.files_searched))
        share = 1.0 if state in (3, 8) else restore.fail_at * 0.9 if state == 5 else 0.3
        restore.files_restored = int(total_files * share)
        restore.bytes_restored = int(total_bytes * share)
        restore.reason, restore.diagnostics = RESTORE_REASONS[state] if restore.password_ok else BAD_PASSWORD
        path = _join(restore.path, 'locked.dat')
        if state == 8:
            restore.files_restored = max(0, total_files - 1)
            restore.errors = [_error_item(backup.id, 1, path)]
        elif state == 5:
            restore.errors = [_error_item(backup.id, 1, path, 5, 'The restore failed. (Rax)')]

    def restorable(self, config, now):
        """Backups of a configuration that can still be restored (B3), oldest first; retention prunes all but the newest."""
        done = [backup for backup in config.backups if backup.final in BACKUP_RESTORABLE and not backup.expired]
        if config.retention and done:
            newest = max(done, key=lambda backup: backup.ended)
            limit = now - config.retention * 86400
            for backup in done:
                if backup.ended < limit and backup is not newest:
                    backup.expired = True    # pruned for good (a later expiry of the newest does not bring it back)
            done = [backup for backup in done if not backup.expired]
        return done

    # -- creation ------------------------------------------------------------------
    def take_plan(self, kind, target):
        """The first admin-planned outcome for this backup configuration / restore (or any), else None."""
        plans = self.plans[kind]
        for index, plan in enumerate(plans):
            if plan['id'] is None or plan['id'] == target:
                return plans.pop(index)
        return None

    def register(self, job, *agents):
        """Index a new job (tenant activity, agents' activity, running set)."""
        self.tenant_jobs.setdefault(agents[0].tenant, []).append(job)
        for agent in agents:
            if job not in agent.jobs:
                agent.jobs.append(job)

    def start_backup(self, config, now, scheduled=False):
        """A new backup run of a configuration (StartRequested, or StartScheduled)."""
        backup = Backup(self.next_id('backup'), config, now)
        backup.activity_id = self.next_id('activity')
        backup.scheduled = scheduled
        plan = self.take_plan('backup', config.id) or {'state': 'Completed', 'at': 1.0}
        backup.outcome = plan['state']
        backup.fail_at = plan['at']
        self.backups[backup.id] = backup
        config.backups.append(backup)
        self.register(backup, config.agent)
        self.running[('Backup', backup.id)] = backup
        return backup

    def finished_backup(self, config, state, requested, ended):
        """A backup that has already ended (default data, seeding, Skipped/Missed)."""
        backup = Backup(self.next_id('backup'), config, requested)
        backup.activity_id = self.next_id('activity')
        backup.outcome = state
        if state not in ('Skipped', 'Missed'):
            backup.run_from = requested + 5
        self.backups[backup.id] = backup
        config.backups.append(backup)
        self.register(backup, config.agent)
        self.finish(backup, state, ended)
        backup.scheduled = config.frequency != 'Manually'
        return backup

    def start_cleanup(self, agent, now):
        """A vault cleanup (admin): progresses like a backup, ends Completed."""
        cleanup = Cleanup(self.next_id('cleanup'), agent, now)
        cleanup.outcome = 'Completed'
        self.cleanups[cleanup.id] = cleanup
        self.register(cleanup, agent)
        self.running[('Cleanup', cleanup.id)] = cleanup
        return cleanup

    # -- B1 ------------------------------------------------------------------------
    def backup_action(self, ctx):
        """B1 POST backup/action-requested: StartManual (Id = configuration) -> 200 bare BackupId; StopManual (Id = backup) -> 204."""
        self.write_allowed(ctx)
        data = ctx.body()
        action = checked(parse_choice, data, 'Action', ACTIONS)
        target = checked(parse_int, data, 'Id')
        if action == 'StopManual':
            backup = self.find_backup(ctx, target)
            if backup.final is not None:
                raise bad_request('Backup %d is not running (%s).' % (backup.id, backup.final))
            if backup.stop_at is None:
                backup.stop_at = ctx.now
            return empty_response(204)
        config = self.find_config(ctx, target, deleted_ok=False)
        agent = config.agent
        if agent.disabled:
            raise bad_request('Agent %d is disabled.' % agent.id)
        if not config.active:
            raise bad_request('Backup configuration %d is disabled.' % config.id)
        if self.config['offline_work'] == 'reject' and self.online_since(agent, ctx.now) is None:
            raise bad_request('Agent %d is offline: wake up the agents and try again.' % agent.id)
        running = [backup for backup in config.backups if backup.final is None]
        if running and self.config['duplicate_start'] == 'reject':
            raise bad_request('A backup of configuration %d is already running (BackupId %d).' % (config.id, running[-1].id))
        if running and self.config['duplicate_start'] == 'existing':
            backup = running[-1]
        else:
            backup = self.start_backup(config, ctx.now)
        return Response(200, str(backup.id), 'application/json; charset=utf-8')

    # -- B2, B3, B4 ----------------------------------------------------------------
    def render_backup(self, backup, ctx):
        """B2's document."""
        state, since = self.backup_state(backup, ctx.now)
        key = self.public_key(backup.agent, upper=True)
        return {'BackupId': backup.id, 'BackupConfigurationId': backup.config.id, 'CurrentState': state,
                'BackupConfigurationName': backup.config.name, 'MachineAgentId': backup.agent.id,
                'MachineName': backup.agent.name, 'StateChangeTime': dotnet_date(since), 'IsEncrypted': backup.encrypted,
                'EncryptionKey': key}

    def backup_get(self, ctx, backup_id):
        """B2 GET backup/{backupId}"""
        return json_response(200, self.render_backup(self.find_backup(ctx, backup_id), ctx))

    def backup_completed(self, ctx, config_id):
        """B3 GET backup/completed/{backupConfigurationId}: restorable backups, newest first."""
        config = self.find_config(ctx, config_id)
        items = sorted(self.restorable(config, ctx.now), key=lambda backup: (backup.ended, backup.id), reverse=True)
        return json_response(200, [{
            'BackupId': backup.id, 'BackupConfigurationId': config.id, 'BackupConfigurationName': config.name,
            'MachineName': backup.agent.name, 'MachineAgentId': backup.agent.id, 'CompletedTime': dotnet_date(backup.ended),
            'BytesSearched': backup.bytes_searched, 'NumErrors': len(backup.errors)} for backup in items])

    def backup_report(self, ctx, backup_id):
        """B4 GET backup/report/{backupId}: only once the backup has ended (404 before)."""
        backup = self.find_backup(ctx, backup_id)
        if backup.final is None:
            raise ApiError(404, 'The report of backup %d is not available before the backup ends.' % backup.id)
        reason, diagnostics = BACKUP_REASONS[backup.final]
        start = backup.run_from if backup.run_from is not None else backup.started
        return json_response(200, {
            'BackupId': backup.id, 'BackupConfigurationId': backup.config.id,
            'BackupConfigurationName': backup.config.name, 'BackupConfigurationIsDeleted': backup.config.deleted,
            'ComputerName': backup.agent.name, 'MachineAgentId': backup.agent.id, 'State': backup.final,
            'CanRestore': backup in self.restorable(backup.config, ctx.now), 'StartTime': dotnet_date(start),
            'CompletedTime': dotnet_date(backup.ended), 'Duration': duration_text(backup.ended - start),
            'FilesSearched': str(backup.files_searched), 'BytesSearched': human_size(backup.bytes_searched),
            'FilesBackedUp': str(backup.files_backed_up), 'BytesBackedUp': human_size(backup.bytes_backed_up),
            'NumErrors': len(backup.errors), 'Reason': reason, 'Diagnostics': diagnostics,
            'ErrorList': [dict(item) for item in backup.errors]})

    # -- R6 ------------------------------------------------------------------------
    def available_for_restore(self, ctx):
        """R6 GET backup/availableforrestore: configurations (not deleted) with a restorable backup."""
        out = []
        for config in self.configs.values():
            if config.deleted or not self.visible(config.agent, ctx):
                continue
            done = self.restorable(config, ctx.now)
            if not done:
                continue
            pair = rsakeys.key_for(config.agent.id)
            out.append({'BackupConfigurationId': config.id, 'BackupConfigurationName': config.name,
                        'MachineName': config.agent.name, 'MachineAgentId': config.agent.id,
                        'IsEncrypted': config.agent.encrypted, 'PublicKeyHex': self.exponent_value(pair),
                        'PublicKeyMod': pair.modulus_hex, 'Flavor': config.agent.flavor,
                        'LastSuccessfulBackupTime': dotnet_date(max(backup.ended for backup in done))})
        return json_response(200, out)

    # -- restores: R1, R2 ------------------------------------------------------------
    def render_restore(self, restore, ctx):
        """R1/R8's document (plus Inclusions/Exclusions, listed in the response table)."""
        backup = restore.backup
        state, _since = self.restore_state(restore, ctx.now)
        return {
            'RestoreId': restore.id, 'BackupId': backup.id, 'DestinationMachineId': restore.destination.id,
            'OverwriteFiles': restore.overwrite, 'BackupConfigurationId': backup.config.id,
            'BackupConfigurationName': backup.config.name, 'BackupRestorePoint': dotnet_date(backup.ended),
            'BackupMachineId': restore.source.id, 'BackupMachineName': restore.source.name,
            'BackupFlavor': restore.source.flavor, 'DestinationMachineName': restore.destination.name,
            'DestinationPath': restore.path, 'BackupDataCenter': restore.datacenter, 'IsEncrypted': backup.encrypted,
            'EncryptedPassword': restore.encrypted_password, 'PublicKey': self.public_key(restore.destination, upper=True),
            'RestoreStateId': state,
            'Inclusions': [self.render_restore_file(restore, item) for item in restore.files if item.filter == 1],
            'Exclusions': [self.render_restore_file(restore, item) for item in restore.files if item.filter == 2],
        }

    def _restore_fields(self, ctx, data, missing):
        """Backup, source check, destination, path, overwrite, data center of an R1/R2 body."""
        backup_id = checked(parse_int, data, 'BackupId')
        source_id = checked(parse_int, data, 'BackupMachineId')
        destination_id = checked(parse_int, data, 'DestinationMachineId')
        path = checked(parse_str, data, 'DestinationPath')
        overwrite = checked(parse_bool, data, 'OverwriteFiles')
        datacenter = checked(parse_str, data, 'BackupDataCenter', required=False)
        backup = self.backups.get(backup_id)
        if backup is None or backup.agent.tenant != ctx.tenant or backup.agent.deleted:
            raise ApiError(missing, 'Backup %d was not found.' % backup_id if missing == 404 else
                           'Access to the requested resource was denied.')
        if source_id != backup.agent.id:
            raise bad_request('BackupMachineId %d is not the agent of backup %d.' % (source_id, backup.id))
        destination = self.find_agent(ctx, destination_id, missing)
        if backup.config.deleted or backup not in self.restorable(backup.config, ctx.now):
            raise bad_request('Backup %d is not available for restore.' % backup.id)
        if datacenter is not None:
            datacenter = datacenter.strip().upper()
            if datacenter not in REGIONS:
                raise bad_request('BackupDataCenter must be one of %s.' % ', '.join(REGIONS))
            if datacenter != backup.agent.datacenter:
                raise bad_request('Agent %d is not in data center %s.' % (backup.agent.id, datacenter))
        return backup, destination, path, overwrite, datacenter or backup.agent.datacenter

    def restore_create(self, ctx):
        """R1 PUT restore: a restore configuration in state 0 (Creating)."""
        self.write_allowed(ctx)
        backup, destination, path, overwrite, datacenter = self._restore_fields(ctx, ctx.body(), 403)
        restore = Restore(self.next_id('restore'), backup, destination, ctx.now)
        restore.path = path
        restore.overwrite = overwrite
        restore.datacenter = datacenter
        self.restores[restore.id] = restore
        self.register(restore, destination, backup.agent)
        return json_response(200, self.render_restore(restore, ctx))

    def restore_update(self, ctx):
        """R2 POST restore: only while Creating; RestoreStateId is required but not applied (R7 starts)."""
        self.write_allowed(ctx)
        data = ctx.body()
        restore = self.find_restore(ctx, checked(parse_int, data, 'RestoreId'))
        config_id = checked(parse_int, data, 'BackupConfigurationId')
        checked(parse_int, data, 'RestoreStateId', choices=tuple(RESTORE_STATES))
        if restore.outcome is not None:
            raise bad_request('Restore %d can only be updated in the Creating state.' % restore.id)
        backup, destination, path, overwrite, datacenter = self._restore_fields(ctx, data, 404)
        if config_id != backup.config.id:
            raise bad_request('BackupConfigurationId %d is not the configuration of backup %d.' % (config_id, backup.id))
        for agent in (restore.source, restore.destination):
            agent.jobs = [job for job in agent.jobs if job is not restore]
        restore.backup = backup
        restore.source = backup.agent
        restore.destination = destination
        restore.path = path
        restore.overwrite = overwrite
        restore.datacenter = datacenter
        for agent in (destination, backup.agent):
            if restore not in agent.jobs:
                agent.jobs.append(restore)
        return empty_response(204)

    # -- restore files: R3, R4, R5 ---------------------------------------------------
    @staticmethod
    def render_restore_file(restore, item):
        """One R4 entry (FileId added so that R3 can replace an entry)."""
        return {'FilePath': item.path, 'Filter': item.filter, 'RestoreId': restore.id, 'FileItemType': item.item_type,
                'FileId': item.id}

    def restore_file_add(self, ctx):
        """R3 PUT restore/files: one include (Filter 1) or exclude (2) entry; FileItemType 0 file, 1 folder, 2 database."""
        self.write_allowed(ctx)
        data = ctx.body()
        path = checked(parse_str, data, 'FilePath')
        encoded = checked(parse_str, data, 'FilePathEncoded', required=False, allow_empty=True)
        file_filter = checked(parse_int, data, 'Filter', choices=(1, 2))
        item_type = checked(parse_int, data, 'FileItemType', choices=(0, 1, 2))
        file_id = checked(parse_int, data, 'FileId', required=False)
        restore = self.find_restore(ctx, checked(parse_int, data, 'ParentId'))
        if encoded:
            try:
                base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError) as exc:
                raise bad_request('FilePathEncoded is not base64.') from exc
        if restore.outcome is not None:
            raise bad_request('Files can only be changed while restore %d is in the Creating state.' % restore.id)
        if file_id is not None:
            found = [item for item in restore.files if item.id == file_id]
            if not found:
                raise bad_request('FileId %d is not an entry of restore %d.' % (file_id, restore.id))
            found[0].path, found[0].path_encoded, found[0].filter, found[0].item_type = path, encoded, file_filter, item_type
        elif not any((item.path, item.filter, item.item_type) == (path, file_filter, item_type) for item in restore.files):
            restore.files.append(RestoreFile(self.next_id('file'), path, encoded, file_filter, item_type))
        return empty_response(200)

    def restore_files(self, ctx, restore_id):
        """R4 GET restore/files/{restoreId} (optional query filter=1|2 and fileitemtype=0|1|2, any case)."""
        restore = self.find_restore(ctx, restore_id)
        query = dict((key.lower(), value) for key, value in ctx.request.query.items())
        wanted = {}
        for name in ('filter', 'fileitemtype'):
            if name in query:
                try:
                    wanted[name] = int(query[name])
                except ValueError as exc:
                    raise bad_request('The %s query parameter must be an integer.' % name) from exc
        items = [item for item in restore.files if wanted.get('filter', item.filter) == item.filter
                 and wanted.get('fileitemtype', item.item_type) == item.item_type]
        return json_response(200, [self.render_restore_file(restore, item) for item in items])

    def restore_files_delete(self, ctx, restore_id):
        """R5 DELETE restore/files/{restoreId}: the entries (default) or the restore itself (restore_files_delete knob)."""
        self.write_allowed(ctx)
        restore = self.find_restore(ctx, restore_id)
        if self.config['restore_files_delete'] == 'files':
            if restore.outcome is not None:
                raise bad_request('Files can only be changed while restore %d is in the Creating state.' % restore.id)
            restore.files = []
            return empty_response(204)
        if restore.outcome is not None and restore.final is None:
            raise bad_request('Restore %d is running: stop it first.' % restore.id)
        del self.restores[restore.id]
        for agent in (restore.source, restore.destination):
            agent.jobs = [job for job in agent.jobs if job is not restore]
        tenant = restore.destination.tenant
        self.tenant_jobs[tenant] = [job for job in self.tenant_jobs.get(tenant, []) if job is not restore]
        return empty_response(204)

    # -- R7, R8, R9 -------------------------------------------------------------------
    def restore_action(self, ctx):
        """R7 POST restore/action-requested: StartManual (with EncryptedPassword for encrypted backups) or StopManual -> 204."""
        self.write_allowed(ctx)
        data = ctx.body()
        action = checked(parse_choice, data, 'Action', ACTIONS)
        restore = self.find_restore(ctx, checked(parse_int, data, 'Id'))
        if action == 'StopManual':
            if restore.outcome is None:
                raise bad_request('Restore %d has not been started.' % restore.id)
            if restore.final is not None:
                raise bad_request('Restore %d is not running (%s).' % (restore.id, RESTORE_STATES[restore.final]))
            if restore.stop_at is None:
                restore.stop_at = ctx.now
            return empty_response(204)
        if restore.outcome is not None:
            raise bad_request('Restore %d was already started.' % restore.id)
        destination = restore.destination
        if destination.disabled:
            raise bad_request('Agent %d is disabled.' % destination.id)
        if restore.backup not in self.restorable(restore.backup.config, ctx.now):
            raise bad_request('Backup %d is no longer available for restore.' % restore.backup.id)
        if self.config['offline_work'] == 'reject' and self.online_since(destination, ctx.now) is None:
            raise bad_request('Agent %d is offline: wake up the agents and try again.' % destination.id)
        password_ok = True
        if restore.backup.encrypted:
            value = data.get('EncryptedPassword')
            plain = rsakeys.decrypt_hex(rsakeys.key_for(destination.id), value) if isinstance(value, str) else None
            password_ok = plain is not None and plain == restore.source.passphrase
            if not password_ok and self.config['bad_restore_password'] == 'reject':
                raise bad_request('EncryptedPassword is required for an encrypted backup and must be the backup\'s '
                                  'passphrase encrypted with the restore\'s PublicKey.')
            restore.encrypted_password = rsakeys.clean_hex(value)
        plan = self.take_plan('restore', restore.id) or {'state': 3, 'at': 1.0}
        restore.outcome, restore.fail_at = plan['state'], plan['at']
        restore.password_ok = password_ok
        if not password_ok:
            restore.outcome, restore.fail_at = 5, 0.3
        restore.started = ctx.now
        self.running[('Restore', restore.id)] = restore
        return empty_response(204)

    def restore_get(self, ctx, restore_id):
        """R8 GET restore/{restoreId}"""
        return json_response(200, self.render_restore(self.find_restore(ctx, restore_id), ctx))

    def restore_report(self, ctx, restore_id):
        """R9 GET restore/report/{restoreId}: only once the restore has ended (404 before)."""
        restore = self.find_restore(ctx, restore_id)
        if restore.final is None:
            raise ApiError(404, 'The report of restore %d is not available before the restore ends.' % restore.id)
        backup = restore.backup
        start = restore.run_from if restore.run_from is not None else restore.started
        return json_response(200, {
            'BackupConfigurationId': backup.config.id, 'BackupConfigurationName': backup.config.name,
            'BackupReportId': backup.id, 'RestorePoint': dotnet_date(backup.ended), 'StartTime': dotnet_date(start),
            'CompletedTime': dotnet_date(restore.ended), 'Duration': duration_text(restore.ended - start),
            'OriginatingComputerName': restore.source.name, 'State': RESTORE_STATES[restore.final],
            'NumFilesRestored': str(restore.files_restored), 'NumBytesRestored': human_size(restore.bytes_restored),
            'RestoreDestination': restore.destination.name, 'RestoreDestinationMachineId': restore.destination.id,
            'NumErrors': str(len(restore.errors)), 'Reason': restore.reason, 'Diagnostics': restore.diagnostics,
            'ErrorList': [dict(item) for item in restore.errors]})

    # -- activity: V1, V2 ---------------------------------------------------------------
    def activity_row(self, job, now):
        """One activity entry (Backup, Restore or Cleanup)."""
        if job.kind == 'Restore':
            state, since = self.restore_state(job, now)
            config = job.backup.config
            return {'ID': job.id, 'Type': 'Restore', 'ParentId': config.id, 'DisplayName': config.name,
                    'IsBackupConfigurationDeleted': config.deleted, 'SourceMachineAgentId': job.source.id,
                    'SourceMachineName': job.source.name, 'DestinationMachineAgentId': job.destination.id,
                    'DestinationMachineName': job.destination.name, 'CurrentState': RESTORE_STATES[state],
                    'TimeOfActivity': dotnet_date(since), 'BackupId': job.backup.id}, since
        state, since = self.backup_state(job, now)
        if job.kind == 'Cleanup':
            return {'ID': job.id, 'Type': 'Cleanup', 'ParentId': 0, 'DisplayName': 'Cleanup',
                    'IsBackupConfigurationDeleted': False, 'SourceMachineAgentId': job.agent.id,
                    'SourceMachineName': job.agent.name, 'DestinationMachineAgentId': 0, 'DestinationMachineName': '',
                    'CurrentState': state, 'TimeOfActivity': dotnet_date(since), 'BackupId': 0}, since
        config = job.config
        return {'ID': job.id if self.config['backup_activity_id'] == 'backup' else job.activity_id, 'Type': 'Backup',
                'ParentId': config.id, 'DisplayName': config.name, 'IsBackupConfigurationDeleted': config.deleted,
                'SourceMachineAgentId': job.agent.id, 'SourceMachineName': job.agent.name,
                'DestinationMachineAgentId': 0, 'DestinationMachineName': '', 'CurrentState': state,
                'TimeOfActivity': dotnet_date(since), 'BackupId': job.id}, since

    def _activity(self, jobs, now):
        rows = [self.activity_row(job, now) for job in jobs]
        rows.sort(key=lambda pair: (pair[1], pair[0]['ID']), reverse=True)
        return json_response(200, [row for row, _since in rows])

    def agent_activity(self, ctx, agent_id):
        """V1 GET system/activity/{agentId}: the agent's backups, cleanups and restores (as source or destination)."""
        agent = self.find_agent(ctx, agent_id)
        return self._activity(list(agent.jobs), ctx.now)

    def user_activity(self, ctx):
        """V2 GET activity"""
        return self._activity([job for job in self.tenant_jobs.get(ctx.tenant, []) if self.job_visible(job, ctx)], ctx.now)
