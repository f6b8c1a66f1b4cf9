# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup configuration operations (seed C1-C7)."""

from .base import ApiError, StoreBase, bad_request, checked, empty_response, json_response
from .model import (FILE_ITEM_TYPES, FREQUENCIES, RETENTIONS, BackupConfig, BadValue, FileEntry, dotnet_date, next_run,
                    parse_bool, parse_choice, parse_int, parse_str)

SCHEDULE_FIELDS = {  # frequency -> the schedule fields it uses (the others are null)
    'Manually': (),
    'Hourly': ('HourInterval',),
    'Daily': ('StartTimeHour', 'StartTimeMinute', 'StartTimeAmPm'),
    'Weekly': ('StartTimeHour', 'StartTimeMinute', 'StartTimeAmPm', 'DayOfWeekId'),
}
ALL_SCHEDULE_FIELDS = ('StartTimeHour', 'StartTimeMinute', 'StartTimeAmPm', 'DayOfWeekId', 'HourInterval')
NAME_MAX = 255


def _parse_ampm(data):
    value = data.get('StartTimeAmPm')
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str) and value.strip().upper() in ('AM', 'PM'):
        return value.strip().upper()
    raise BadValue('StartTimeAmPm must be "AM" or "PM" (or null).')


def _parse_files(data, name):
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, list):
        raise BadValue('%s must be a list of {FilePath, FileItemType} objects.' % name)
    entries = []
    for index, item in enumerate(value):
        if not isinstance(item, dict):
            raise BadValue('%s[%d] must be an object with FilePath and FileItemType.' % (name, index))
        path = parse_str(item, 'FilePath')
        try:
            item_type = parse_choice(item, 'FileItemType', FILE_ITEM_TYPES)
        except BadValue as exc:
            raise BadValue('%s[%d]: %s' % (name, index, exc)) from exc
        entries.append((path, item_type))
    return entries


class ConfigOps(StoreBase):
    """C1-C7."""

    # -- rendering ---------------------------------------------------------------
    def render_config(self, config, ctx, layout='detail'):
        """A configuration as C1 ('create'), C3/C5/C6 ('detail') or C4 ('list') show it."""
        agent = config.agent
        unscheduled = config.frequency in ('Manually', 'Hourly')
        next_time = next_run(config, ctx.now, self.config['manual_next_run'] == 'minvalue')
        if layout == 'create':
            def entry(item):
                return {'FileId': item.id, 'FileItemType': item.item_type, 'FilePath': item.path, 'FilePathEncoded': None,
                        'Filter': 'Include' if item.include else 'Exclude', 'ParentId': config.id}
            return {
                'BackupConfigurationId': config.id, 'BackupConfigurationName': config.name,
                'BackupConfigurationScheduleId': config.schedule_id, 'BackupPostscript': config.postscript,
                'BackupPrescript': config.prescript, 'Datacenter': agent.datacenter, 'DayOfWeekId': config.day_of_week,
                'EncryptionKey': self.public_key(agent, upper=True, exponent_first=True),
                'Exclusions': [entry(item) for item in config.exclusions], 'Flavor': agent.flavor,
                'Frequency': config.frequency, 'HourInterval': config.hour_interval,
                'Inclusions': [entry(item) for item in config.inclusions], 'IsActive': config.active,
                'IsDeleted': config.deleted, 'IsEncrypted': agent.encrypted,
                'LastRunBackupReportId': config.last_report, 'LastRunTime': dotnet_date(config.last_run),
                'MachineAgentId': agent.id, 'MachineName': agent.name, 'MissedBackupActionId': config.missed_action,
                'NextScheduledRunTime': dotnet_date(next_time), 'NotifyFailure': config.notify_failure,
                'NotifyRecipients': config.recipients, 'NotifySuccess': config.notify_success,
                'StartTimeAmPm': '' if unscheduled else config.start_ampm, 'StartTimeHour': config.start_hour,
                'StartTimeMinute': config.start_minute, 'TimeZoneId': config.time_zone,
                'VersionRetention': config.retention,
            }

        def item(entry):
            return {'FilePath': entry.path, 'ParentId': config.id, 'FileItemType': entry.item_type, 'FileId': entry.id}
        out = {
            'BackupConfigurationId': config.id, 'MachineAgentId': agent.id, 'MachineName': agent.name,
            'Flavor': agent.flavor, 'IsEncrypted': agent.encrypted, 'BackupConfigurationName': config.name,
            'IsActive': config.active, 'IsDeleted': config.deleted, 'VersionRetention': config.retention,
            'BackupConfigurationScheduleId': config.schedule_id, 'MissedBackupActionId': config.missed_action,
            'Frequency': config.frequency, 'StartTimeHour': config.start_hour, 'StartTimeMinute': config.start_minute,
            'StartTimeAmPm': '' if unscheduled else config.start_ampm, 'DayOfWeekId': config.day_of_week,
            'HourInterval': config.hour_interval, 'TimeZoneId': config.time_zone,
            'NextScheduledRunTime': dotnet_date(next_time), 'LastRunTime': dotnet_date(config.last_run),
            'LastRunBackupReportId': config.last_report,
        }
        if layout == 'list':
            out['BackupState'] = self.config_backup_state(config, ctx.now)
        out.update({
            'NotifyRecipients': config.recipients, 'NotifySuccess': config.notify_success,
            'NotifyFailure': config.notify_failure, 'Inclusions': [item(entry) for entry in config.inclusions],
            'Exclusions': [item(entry) for entry in config.exclusions],
        })
        return out

    def config_backup_state(self, config, now):
        """BackupState (C4 only): the running backup's state, else the last backup's, else "Not Available"."""
        if not config.backups:
            return 'Not Available'
        return self.backup_state(config.backups[-1], now)[0]

    # -- parsing -------------------------------------------------------------------
    def parse_config(self, ctx, data, config, creating):
        """Validate a C1/C2 body and apply it to ``config`` (400 on the first problem)."""
        try:
            name = parse_str(data, 'BackupConfigurationName', max_length=NAME_MAX).strip()
            active = parse_bool(data, 'IsActive')
            retention = parse_int(data, 'VersionRetention', choices=RETENTIONS)
            missed = parse_int(data, 'MissedBackupActionId', required=False, choices=(1, 2))
            frequency = parse_choice(data, 'Frequency', FREQUENCIES)
            schedule = {
                'StartTimeHour': parse_int(data, 'StartTimeHour', nullable=True, low=1, high=12),
                'StartTimeMinute': parse_int(data, 'StartTimeMinute', nullable=True, low=0, high=59),
                'StartTimeAmPm': _parse_ampm(data),
                'DayOfWeekId': parse_int(data, 'DayOfWeekId', nullable=True, low=0, high=6),
                'HourInterval': parse_int(data, 'HourInterval', nullable=True, low=1, high=23),
            }
            time_zone = parse_str(data, 'TimeZoneId').strip()
            recipients = parse_str(data, 'NotifyRecipients', allow_empty=True)
            notify_success = parse_bool(data, 'NotifySuccess')
            notify_failure = parse_bool(data, 'NotifyFailure')
            inclusions = _parse_files(data, 'Inclusions')
            exclusions = _parse_files(data, 'Exclusions')
            prescript = parse_str(data, 'BackupPrescript', required=False, allow_empty=True)
            postscript = parse_str(data, 'BackupPostscript', required=False, allow_empty=True)
        except BadValue as exc:
            raise bad_request(str(exc)) from exc
        used = SCHEDULE_FIELDS[frequency]
        for field in used:
            if schedule[field] is None:
                raise bad_request('%s is required when Frequency is %s.' % (field, frequency))
        for field in ALL_SCHEDULE_FIELDS:
            if field not in used:
                if schedule[field] is not None and self.config['strict_schedule']:
                    raise bad_request('%s must be null when Frequency is %s.' % (field, frequency))
                schedule[field] = None
        self._check_name(config, name, creating)
        config.name = name
        config.active = active
        config.retention = retention
        if missed is not None:
            config.missed_action = missed
        if frequency != config.frequency or schedule['HourInterval'] != config.hour_interval:
            config.schedule_anchor = ctx.now
        config.frequency = frequency
        config.start_hour = schedule['StartTimeHour']
        config.start_minute = schedule['StartTimeMinute']
        config.start_ampm = schedule['StartTimeAmPm']
        config.day_of_week = schedule['DayOfWeekId']
        config.hour_interval = schedule['HourInterval']
        config.time_zone = time_zone
        config.recipients = recipients
        config.notify_success = notify_success
        config.notify_failure = notify_failure
        if prescript is not None:
            config.prescript = prescript
        if postscript is not None:
            config.postscript = postscript
        keep = not creating and self.config['update_omitted_lists'] == 'keep'
        if inclusions is not None or not keep:
            config.inclusions = self._entries(config.inclusions, inclusions or [], True)
        if exclusions is not None or not keep:
            config.exclusions = self._entries(config.exclusions, exclusions or [], False)

    def _check_name(self, config, name, creating):
        if not self.config['unique_config_names']:
            return
        for config_id in config.agent.configs:
            other = self.configs[config_id]
            if other is not config and not other.deleted and other.name.lower() == name.lower():
                message = 'A backup configuration named "%s" already exists for agent %d.' % (name, config.agent.id)
                raise ApiError(409, message) if creating else bad_request(message)

    def _entries(self, current, wanted, include):
        """File entries; an entry that stays (same path and type) keeps its FileId."""
        old = dict(((entry.path, entry.item_type), entry) for entry in current)
        out = []
        for path, item_type in wanted:
            entry = old.pop((path, item_type), None)
            out.append(entry or FileEntry(self.next_id('file'), path, item_type, include))
        return out

    # -- C1 ------------------------------------------------------------------------
    def config_create(self, ctx):
        """C1 POST backup-configuration"""
        self.write_allowed(ctx)
        data = ctx.body()
        agent = self.find_agent(ctx, checked(parse_int, data, 'MachineAgentId'))
        config = BackupConfig(0, agent, ctx.now)
        self.parse_config(ctx, data, config, creating=True)
        config.id = self.next_id('config')
        config.schedule_id = self.next_id('schedule')
        self.configs[config.id] = config
        agent.configs.append(config.id)
        return json_response(200, self.render_config(config, ctx, 'create'))

    # -- C2 ------------------------------------------------------------------------
    def config_update(self, ctx, config_id):
        """C2 PUT backup-configuration/{id}: the whole configuration, with its BackupConfigurationScheduleId."""
        self.write_allowed(ctx)
        config = self.find_config(ctx, config_id, deleted_ok=False)
        data = ctx.body()
        agent_id = checked(parse_int, data, 'MachineAgentId')
        schedule_id = checked(parse_int, data, 'BackupConfigurationScheduleId')
        if agent_id != config.agent.id:
            raise bad_request('MachineAgentId %d does not match the configuration\'s agent %d.' % (agent_id, config.agent.id))
        if schedule_id != config.schedule_id:
            raise bad_request('BackupConfigurationScheduleId %d does not match the configuration\'s schedule.' % schedule_id)
        self.parse_config(ctx, data, config, creating=False)
        if self.config['new_schedule_id_on_update']:
            config.schedule_id = self.next_id('schedule')
        return empty_response(200)

    # -- C3, C4, C5 ----------------------------------------------------------------
    def config_get(self, ctx, config_id):
        """C3 GET backup-configuration/{id}"""
        return json_response(200, self.render_config(self.find_config(ctx, config_id), ctx))

    def _listed(self, config, ctx):
        return self.visible(config.agent, ctx) and (not config.deleted or self.config['deleted_configs'] == 'visible')

    def config_list(self, ctx):
        """C4 GET backup-configuration"""
        return json_response(200, [self.render_config(config, ctx, 'list') for config in self.configs.values()
                                   if self._listed(config, ctx)])

    def config_for_agent(self, ctx, agent_id):
        """C5 GET backup-configuration/system/{machineAgentId}"""
        agent = self.find_agent(ctx, agent_id)
        configs = [self.configs[config_id] for config_id in agent.configs]
        return json_response(200, [self.render_config(config, ctx) for config in configs if self._listed(config, ctx)])

    # -- C6, C7 --------------------------------------------------------------------
    def config_enable(self, ctx, config_id):
        """C6 POST backup-configuration/enable/{id}"""
        self.write_allowed(ctx)
        config = self.find_config(ctx, config_id, deleted_ok=False)
        config.active = checked(parse_bool, ctx.body(), 'Enable')
        return json_response(200, self.render_config(config, ctx))

    def config_delete(self, ctx, config_id):
        """C7 DELETE backup-configuration/{id}: a soft delete (IsDeleted); its backups stay readable (B2, B4)."""
        self.write_allowed(ctx)
        config = self.find_config(ctx, config_id, deleted_ok=False)
        config.deleted = True
        config.active = False
        return empty_response(200)
