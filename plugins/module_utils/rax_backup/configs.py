# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Backup configurations (seed C1-C7) as a ResourceType of the resource engine.

A configuration is known by (agent, name), or by its id.  Its canonical form
(``config_flat``) uses the module's option names:

* the schedule keeps only the fields its frequency uses (seed C1 table):
  ``hourly`` -> ``hour_interval``; ``daily`` -> ``start_time``; ``weekly`` ->
  ``start_time`` and ``day_of_week``; ``manually`` -> none.  ``""`` and null are
  the same ("no value"; the seed shows ``StartTimeAmPm: ""`` for Manually);
* ``start_time`` is ``HH:MM`` on a 24-hour clock (the API's StartTimeHour 1-12,
  StartTimeMinute and StartTimeAmPm);
* include and exclude entries are sets of ``<type>:<path>`` (``folder:/var/www/``).

Writes: C1 creates; C2 is a full replacement (every field, with the current
``BackupConfigurationScheduleId`` read just before, and the whole include and
exclude lists, so a service that clears omitted lists loses nothing); C6 when
only ``enabled`` changes; C7 deletes (a soft delete: the configuration's
backups can no longer be restored, so deleting one that has restorable backups
needs a confirmation).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import Field, ResourceType
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.agents import (
    agent_ref, check_agent_id, check_path, find_agent,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import as_bool, as_int, iso_date
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (
    ValidationError, check_name, check_single_line, pattern,
)

FREQUENCIES = ('manually', 'hourly', 'daily', 'weekly')
WIRE_FREQUENCY = {'manually': 'Manually', 'hourly': 'Hourly', 'daily': 'Daily', 'weekly': 'Weekly'}
DAYS = ('sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday')
RETENTIONS = (0, 30, 60)
MISSED_ACTIONS = {1: 'as_soon_as_possible', 2: 'next_scheduled_time'}
MISSED_ACTION_IDS = dict((v, k) for k, v in MISSED_ACTIONS.items())
#: Schedule options each frequency uses (the others must not be given).
SCHEDULE_OPTIONS = {
    'manually': (),
    'hourly': ('hour_interval',),
    'daily': ('start_time',),
    'weekly': ('start_time', 'day_of_week'),
}
ALL_SCHEDULE_OPTIONS = ('hour_interval', 'start_time', 'day_of_week')
FILE_TYPES = ('file', 'folder')
TIME_24_RE = pattern(r'([01]?\d|2[0-3]):([0-5]\d)')
TIME_12_RE = pattern(r'(0?[1-9]|1[0-2]):([0-5]\d)\s*([AaPp][Mm])')
NAME_MAX = 255


# -- schedule values ----------------------------------------------------------------------------


def parse_start_time(value, option='start_time'):
    """``HH:MM`` (24-hour) or ``H:MM AM/PM`` -> canonical ``HH:MM``."""
    text = str(value).strip()
    match = TIME_24_RE.fullmatch(text)
    if match:
        return '%02d:%02d' % (int(match.group(1)), int(match.group(2)))
    match = TIME_12_RE.fullmatch(text)
    if match:
        hour = int(match.group(1)) % 12 + (12 if match.group(3).upper() == 'PM' else 0)
        return '%02d:%s' % (hour, match.group(2))
    raise ValidationError(option, 'expected a time such as 19:30 (24-hour clock) or 7:30 PM, got %r' % (value,))


def wire_start_time(canonical):
    """``HH:MM`` -> (StartTimeHour 1-12, StartTimeMinute, StartTimeAmPm)."""
    hour, minute = (int(part) for part in canonical.split(':'))
    return (hour % 12 or 12), minute, ('PM' if hour >= 12 else 'AM')


def start_time_of(config):
    """Canonical ``HH:MM`` of a configuration's StartTimeHour/Minute/AmPm, or None."""
    hour, minute = as_int(config.get('StartTimeHour')), as_int(config.get('StartTimeMinute'))
    ampm = str(config.get('StartTimeAmPm') or '').strip().upper()
    if hour is None or minute is None or ampm not in ('AM', 'PM') or not 1 <= hour <= 12:
        return None
    return '%02d:%02d' % (hour % 12 + (12 if ampm == 'PM' else 0), minute)


def entry_key(path, item_type):
    return '%s:%s' % (str(item_type).lower(), path)


def split_entry(key):
    item_type, dummy, path = key.partition(':')
    return dict(path=path, type=item_type)


def check_entries(values, option, windows=None):
    """Include/exclude entries (dicts with ``path`` and ``type``) -> sorted set of ``type:path`` keys.

    With ``windows`` (True/False, the agent's OS), paths must be absolute for it."""
    out = set()
    for index, item in enumerate(values or ()):
        where = '%s[%d]' % (option, index)
        if isinstance(item, str):
            item = dict(path=item)
        if not isinstance(item, dict) or not item.get('path'):
            raise ValidationError(where, 'expected a path with its type (file or folder)')
        item_type = str(item.get('type') or 'folder').lower()
        if item_type not in FILE_TYPES:
            raise ValidationError(where + '.type', 'expected file or folder, got %r' % (item.get('type'),))
        path = str(item['path'])
        if windows is None:
            check_single_line(path, where + '.path', 'path')
        else:
            path = check_path(path, where + '.path', windows)
        out.add(entry_key(path, item_type))
    return sorted(out)


# -- the canonical form ---------------------------------------------------------------------------------


def _entries(items):
    out = set()
    for item in items or ():
        if isinstance(item, dict) and item.get('FilePath'):
            out.add(entry_key(item['FilePath'], str(item.get('FileItemType') or 'Folder').lower()))
    return sorted(out)


def config_flat(config):
    """A configuration as the engine compares it: the module's option names, canonical values."""
    frequency = str(config.get('Frequency') or '').strip().lower() or None
    day = as_int(config.get('DayOfWeekId'))
    flat = dict(
        config_id=as_int(config.get('BackupConfigurationId')),
        agent_id=as_int(config.get('MachineAgentId')),
        schedule_id=as_int(config.get('BackupConfigurationScheduleId')),
        name=config.get('BackupConfigurationName'),
        enabled=as_bool(config.get('IsActive')),
        deleted=bool(as_bool(config.get('IsDeleted'))),
        retention_days=as_int(config.get('VersionRetention')),
        frequency=frequency,
        hour_interval=as_int(config.get('HourInterval')) if frequency == 'hourly' else None,
        start_time=start_time_of(config) if frequency in ('daily', 'weekly') else None,
        day_of_week=DAYS[day] if frequency == 'weekly' and day is not None and 0 <= day <= 6 else None,
        time_zone=config.get('TimeZoneId') or None,
        missed_backup_action=MISSED_ACTIONS.get(as_int(config.get('MissedBackupActionId'))),
        notify_recipients=config.get('NotifyRecipients') if config.get('NotifyRecipients') is not None else None,
        notify_success=as_bool(config.get('NotifySuccess')),
        notify_failure=as_bool(config.get('NotifyFailure')),
        include=_entries(config.get('Inclusions')),
        exclude=_entries(config.get('Exclusions')),
        machine_name=config.get('MachineName'),
        encrypted=as_bool(config.get('IsEncrypted')),
        next_run=iso_date(config.get('NextScheduledRunTime')),
        last_run=iso_date(config.get('LastRunTime')),
        last_backup_id=as_int(config.get('LastRunBackupReportId')),
    )
    if 'BackupState' in config:
        flat['backup_state'] = config.get('BackupState')
    return flat


def config_view(flat):
    """A configuration as modules return it: the canonical form with include/exclude as ``{path, type}`` dicts."""
    if not flat:
        return {}
    out = dict(flat)
    for key in ('include', 'exclude'):
        out[key] = [split_entry(item) if isinstance(item, str) else item for item in flat.get(key) or ()]
    return out


class RaxField(Field):
    """A field whose canonical values are the wire-independent flat form (``config_flat``) as they are."""

    def to_api(self, value):
        return {self.key: value}


def _frequency(value):
    text = str(value).strip().lower()
    if text not in FREQUENCIES:
        raise ValueError('expected one of %s, got %r' % (', '.join(FREQUENCIES), value))
    return text


def _day(value):
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return DAYS[value]
    text = str(value).strip().lower()
    for day in DAYS:
        if text in (day, day[:3]):
            return day
    raise ValueError('expected a day of the week (sunday ... saturday), got %r' % (value,))


def _retention(value):
    number = int(value)
    if number not in RETENTIONS:
        raise ValueError('expected 0 (keep forever), 30 or 60 days, got %r' % (value,))
    return number


def _hour_interval(value):
    number = int(value)
    if not 1 <= number <= 23:
        raise ValueError('expected 1 to 23 hours, got %r' % (value,))
    return number


def _missed(value):
    text = str(value).strip().lower()
    if text not in MISSED_ACTION_IDS:
        raise ValueError('expected one of %s, got %r' % (', '.join(sorted(MISSED_ACTION_IDS)), value))
    return text


def _one_line(value):
    return check_single_line(str(value), 'value')


CONFIG_FIELDS = (
    RaxField('name', normalize=lambda v: check_name(v, 'name', 'name', NAME_MAX)),
    RaxField('enabled', kind='bool'),
    RaxField('retention_days', kind='int', normalize=_retention),
    RaxField('frequency', normalize=_frequency),
    RaxField('hour_interval', kind='int', normalize=_hour_interval),
    RaxField('start_time', normalize=parse_start_time),
    RaxField('day_of_week', normalize=_day),
    RaxField('time_zone', normalize=_one_line),
    RaxField('missed_backup_action', normalize=_missed),
    RaxField('notify_recipients', normalize=_one_line),
    RaxField('notify_success', kind='bool'),
    RaxField('notify_failure', kind='bool'),
    RaxField('include', kind='set', normalize=lambda v: check_entries(v, 'include')),
    RaxField('exclude', kind='set', normalize=lambda v: check_entries(v, 'exclude')),
)


def wire_body(agent_id, values, schedule_id=None):
    """The C1 (or, with ``schedule_id``, C2) body of a configuration from canonical values (every field)."""
    frequency = values.get('frequency') or 'manually'
    used = SCHEDULE_OPTIONS[frequency]
    hour = minute = ampm = None
    if 'start_time' in used and values.get('start_time'):
        hour, minute, ampm = wire_start_time(values['start_time'])
    day = values.get('day_of_week') if 'day_of_week' in used else None
    body = {
        'MachineAgentId': int(agent_id),
        'BackupConfigurationName': values['name'],
        'IsActive': bool(values.get('enabled', True)),
        'VersionRetention': int(values['retention_days']),
        'Frequency': WIRE_FREQUENCY[frequency],
        'StartTimeHour': hour,
        'StartTimeMinute': minute,
        'StartTimeAmPm': ampm,
        'DayOfWeekId': DAYS.index(day) if day else None,
        'HourInterval': values.get('hour_interval') if 'hour_interval' in used else None,
        'TimeZoneId': values['time_zone'],
        'NotifyRecipients': values.get('notify_recipients') or '',
        'NotifySuccess': bool(values.get('notify_success')),
        'NotifyFailure': bool(values.get('notify_failure')),
        'Inclusions': [_wire_entry(item) for item in values.get('include') or ()],
        'Exclusions': [_wire_entry(item) for item in values.get('exclude') or ()],
    }
    if values.get('missed_backup_action'):
        body['MissedBackupActionId'] = MISSED_ACTION_IDS[values['missed_backup_action']]
    if schedule_id is not None:
        body['BackupConfigurationScheduleId'] = int(schedule_id)
    return body


def _wire_entry(key):
    item = split_entry(key)
    return {'FilePath': item['path'], 'FileItemType': item['type'].capitalize()}


def complete_schedule(wanted, current, create):
    """Check the schedule options against the frequency (given, else the current one) and fill in, from the
    current configuration, the used fields that were not given when the frequency stays.  Raises
    ValidationError naming the option (no request is sent because of it)."""
    given = [option for option in ALL_SCHEDULE_OPTIONS if wanted.get(option) is not None]
    frequency = wanted.get('frequency') or (current or {}).get('frequency')
    if frequency is None:
        frequency = 'manually'
    if given and not wanted.get('frequency') and current is None:
        raise ValidationError(given[0], 'needs frequency (hourly, daily or weekly)')
    used = SCHEDULE_OPTIONS[frequency]
    for option in given:
        if option not in used:
            raise ValidationError(option, 'is not used by frequency %s (%s)' % (
                frequency, 'it uses %s' % ' and '.join(used) if used else 'it uses no schedule field'))
    for option in used:
        if wanted.get(option) is None:
            if current is not None and current.get(option) is not None:
                continue  # kept (the current frequency uses it too)
            raise ValidationError(option, 'is required when frequency is %s%s' % (
                frequency, '' if current is None else ' (the configuration is %s now)' % current.get('frequency')))
    if wanted.get('frequency') is None and given and current is not None:
        wanted['frequency'] = frequency
    return wanted


class ConfigType(ResourceType):
    """Backup configurations of one agent, by name (or id)."""

    kind = 'backup configuration'
    id_key = 'config_id'
    id_option = 'config_id'
    name_key = 'name'
    name_option = 'name'
    fields = CONFIG_FIELDS

    def __init__(self, client, params, agent_id):
        super(ConfigType, self).__init__(client, params)
        self.agent_id = agent_id
        self.before = None

    def lock_scope(self):
        return '%s|agent %s' % (self.client.scope, self.agent_id)

    def fetch_page(self, cursor):
        configs = [config_flat(c) for c in self.client.agent_configs(self.agent_id)]
        return [c for c in configs if not c['deleted']], None

    def get(self, rid):
        config = self.client.get_config(rid)
        if config is None:
            return None
        flat = config_flat(config)
        return None if flat['deleted'] else flat

    def create_defaults(self):
        return dict(enabled=True, retention_days=30, frequency='manually', time_zone='UTC', notify_success=False,
                    notify_failure=True, include=[], exclude=[])

    def validate(self, desired):
        if desired.get('name') is not None and desired['name'] != desired['name'].strip():
            raise ValidationError('name', 'must not start or end with spaces, got %r' % desired['name'])

    def create(self, payload):
        if payload.get('notify_recipients') is None:
            raise ValidationError('notify_recipients', 'is required to create a backup configuration (the API needs '
                                                       'NotifyRecipients, an email address)')
        try:
            created = self.client.create_config(wire_body(self.agent_id, payload))
        except ApiError as err:
            if err.status == 409:
                err.message += ('; a backup configuration of that name (the service may compare names without case) '
                                'already exists on agent %s' % self.agent_id)
            raise
        if isinstance(created, dict) and created.get('BackupConfigurationId') is not None:
            return config_flat(created)
        return None

    def update(self, current, payload, changes):
        if set(changes) == set(['enabled']):
            answer = self.client.enable_config(current['config_id'], payload['enabled'])
            return config_flat(answer) if isinstance(answer, dict) and answer.get('BackupConfigurationId') else None
        # C2 replaces the whole configuration: read it again now for the current schedule id and lists.
        fresh = self.get(current['config_id']) or current
        values = dict(fresh)
        values.update(payload)
        self.client.update_config(current['config_id'], wire_body(self.agent_id, values, fresh['schedule_id']))
        return None

    def delete(self, current):
        self.client.delete_config(current['config_id'])

    def view(self, flat):
        return config_view(flat)


def find_config(client, params, id_option='config_id', name_option='config_name'):
    """The configuration the options name: ``config_id``, or ``config_name`` with one of the agent options (never
    guessed between two of one name).  Returns the API's document; ValidationError when there is none."""
    ref = agent_ref(params, required=False)
    if params.get(id_option) is not None:
        config_id = check_agent_id(params[id_option], id_option)
        config = client.get_config(config_id)
        if config is None or as_bool(config.get('IsDeleted')):
            raise ValidationError(id_option, 'no backup configuration has the id %d in %s' % (config_id, client.where()))
        if ref is not None:
            agent = find_agent(client, ref, detail=False)
            if as_int(agent.get('MachineAgentId')) != as_int(config.get('MachineAgentId')):
                raise ValidationError(id_option, 'configuration %d belongs to agent %s, not to agent %s' % (
                    config_id, config.get('MachineAgentId'), agent.get('MachineAgentId')))
        return config
    name = params.get(name_option)
    if not name:
        raise ValidationError(id_option, 'give %s, or %s with the agent (agent_id, agent_name or host_server_id)' % (
            id_option, name_option))
    if ref is None:
        raise ValidationError('agent_id', '%s needs the agent it belongs to: give agent_id, agent_name or '
                                          'host_server_id' % name_option)
    agent = find_agent(client, ref, detail=False)
    configs = [c for c in client.agent_configs(agent['MachineAgentId']) if not as_bool(c.get('IsDeleted'))]
    found = [c for c in configs if c.get('BackupConfigurationName') == name]
    if not found:
        raise ValidationError(name_option, 'agent %s has no backup configuration named %r (it has %s)' % (
            agent.get('MachineAgentId'), name,
            ', '.join(sorted(repr(c.get('BackupConfigurationName')) for c in configs)) or 'none'))
    if len(found) > 1:
        raise ValidationError(name_option, '%d configurations of agent %s are named %r (ids %s); give %s' % (
            len(found), agent.get('MachineAgentId'), name,
            ', '.join(sorted(str(c.get('BackupConfigurationId')) for c in found)), id_option))
    return found[0]
