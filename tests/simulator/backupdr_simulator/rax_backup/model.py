# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Records and wire helpers of the simulated Rackspace Cloud Backup API.

Records hold the state; the ``render_*`` functions of ``service.py`` turn them
into the seed's documents.  Helpers here: the .NET date form, human-readable
sizes, durations, the lenient scalar parsers of request bodies and the
schedule arithmetic (NextScheduledRunTime).
"""

import json
import re
import time

REGIONS = ('DFW', 'ORD', 'IAD', 'LON', 'HKG', 'SYD')
FREQUENCIES = ('Manually', 'Hourly', 'Daily', 'Weekly')
RETENTIONS = (0, 30, 60)
FILE_ITEM_TYPES = ('File', 'Folder')

BACKUP_RUNNING = ('StartRequested', 'StartScheduled', 'Queued', 'Preparing', 'InProgress', 'StopRequested')
BACKUP_TERMINAL = ('Completed', 'CompletedWithErrors', 'Failed', 'Stopped', 'Skipped', 'Missed')
BACKUP_RESTORABLE = ('Completed', 'CompletedWithErrors')
# fraction of backup_seconds / restore_seconds at which each phase starts (after the agent is online)
BACKUP_PHASES = (('Queued', 0.1), ('Preparing', 0.2), ('InProgress', 0.4))

RESTORE_STATES = {0: 'Creating', 1: 'Queued', 2: 'InProgress', 3: 'Completed', 4: 'Stopped', 5: 'Failed',
                  6: 'StartRequested', 7: 'StopRequested', 8: 'CompletedWithErrors', 9: 'Preparing'}
RESTORE_STATE_IDS = dict((name, number) for number, name in RESTORE_STATES.items())
RESTORE_TERMINAL = (3, 4, 5, 8)
RESTORE_PHASES = ((1, 0.1), (9, 0.2), (2, 0.4))

# Windows time zone ids -> standard UTC offset in minutes (no daylight saving time is modelled).
TIME_ZONES = {
    'Dateline Standard Time': -720, 'UTC-11': -660, 'Hawaiian Standard Time': -600, 'Alaskan Standard Time': -540,
    'Pacific Standard Time': -480, 'US Mountain Standard Time': -420, 'Mountain Standard Time': -420,
    'Central America Standard Time': -360, 'Central Standard Time': -360, 'Canada Central Standard Time': -360,
    'Eastern Standard Time': -300, 'US Eastern Standard Time': -300, 'Atlantic Standard Time': -240,
    'Newfoundland Standard Time': -210, 'E. South America Standard Time': -180, 'Argentina Standard Time': -180,
    'UTC-02': -120, 'Azores Standard Time': -60, 'UTC': 0, 'GMT Standard Time': 0, 'Greenwich Standard Time': 0,
    'W. Europe Standard Time': 60, 'Central Europe Standard Time': 60, 'Romance Standard Time': 60,
    'Central European Standard Time': 60, 'GTB Standard Time': 120, 'E. Europe Standard Time': 120,
    'FLE Standard Time': 120, 'South Africa Standard Time': 120, 'Israel Standard Time': 120,
    'Russian Standard Time': 180, 'Arabic Standard Time': 180, 'Iran Standard Time': 210, 'Arabian Standard Time': 240,
    'Pakistan Standard Time': 300, 'India Standard Time': 330, 'Nepal Standard Time': 345,
    'Bangladesh Standard Time': 360, 'SE Asia Standard Time': 420, 'China Standard Time': 480,
    'Singapore Standard Time': 480, 'Taipei Standard Time': 480, 'W. Australia Standard Time': 480,
    'Tokyo Standard Time': 540, 'Korea Standard Time': 540, 'Cen. Australia Standard Time': 570,
    'AUS Central Standard Time': 570, 'AUS Eastern Standard Time': 600, 'E. Australia Standard Time': 600,
    'Tasmania Standard Time': 600, 'New Zealand Standard Time': 720, 'Tonga Standard Time': 780,
}
DOTNET_MIN_DATE_MS = -62135578800000   # the seed's "Manually" sentinel (L1129): DateTime.MinValue at UTC-5

_DATE_RE = re.compile(r'"/Date\((-?\d+)\)/"')


class BadValue(ValueError):
    """A request field with an unusable value (the message names the field)."""


# ---------------------------------------------------------------------------
# wire format


def dotnet_date(epoch):
    """Epoch seconds -> the marker the JSON encoder turns into "\\/Date(ms)\\/" (None stays null)."""
    if epoch is None:
        return None
    return '/Date(%d)/' % int(round(epoch * 1000))


def dumps(payload):
    """JSON text with dates escaped as the seed writes them: "\\/Date(1357817400000)\\/"."""
    return _DATE_RE.sub(r'"\\/Date(\1)\\/"', json.dumps(payload))


def human_size(count):
    """Bytes as the seed prints sizes: "35.3 MB", "3.7 GB", "18 MB", "0 B"."""
    value = float(count)
    units = ('B', 'KB', 'MB', 'GB', 'TB', 'PB')
    index = 0
    while value >= 1024 and index < len(units) - 1:
        value /= 1024.0
        index += 1
    text = '%.1f' % value
    if text.endswith('.0'):
        text = text[:-2]
    return '%s %s' % (text, units[index])


def duration_text(seconds):
    """"hh:mm:ss"."""
    seconds = max(0, int(round(seconds)))
    return '%02d:%02d:%02d' % (seconds // 3600, seconds // 60 % 60, seconds % 60)


# ---------------------------------------------------------------------------
# request field parsing (lenient: the seed types every field "String" but its examples use JSON values)


def parse_int(data, name, required=True, nullable=False, choices=None, low=None, high=None):
    """An integer field: a JSON integer or a string of digits (absent counts as null)."""
    value = data.get(name)
    if value is None:
        if nullable or not required:
            return None
        raise BadValue('%s is required.' % name)
    if isinstance(value, bool):
        raise BadValue('%s must be an integer.' % name)
    if isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r'-?\d+', text):
            raise BadValue('%s must be an integer.' % name)
        value = int(text)
    elif isinstance(value, float) and value == int(value):
        value = int(value)
    elif not isinstance(value, int):
        raise BadValue('%s must be an integer.' % name)
    if choices is not None and value not in choices:
        raise BadValue('%s must be one of %s.' % (name, ', '.join(str(choice) for choice in choices)))
    if (low is not None and value < low) or (high is not None and value > high):
        raise BadValue('%s must be between %s and %s.' % (name, low, high))
    return value


def parse_bool(data, name, required=True):
    """A boolean field: JSON true/false or the strings "true"/"false" (any case)."""
    if name not in data or data[name] is None:
        if required:
            raise BadValue('%s is required (true or false).' % name)
        return None
    value = data[name]
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ('true', 'false'):
        return value.strip().lower() == 'true'
    raise BadValue('%s must be true or false.' % name)


def parse_str(data, name, required=True, allow_empty=False, nullable=False, max_length=None):
    """A string field."""
    value = data.get(name)
    if value is None:
        if required and not nullable:
            raise BadValue('%s is required.' % name)
        return None
    if not isinstance(value, str):
        raise BadValue('%s must be a string.' % name)
    if not allow_empty and not value.strip():
        raise BadValue('%s must not be empty.' % name)
    if max_length is not None and len(value) > max_length:
        raise BadValue('%s must be at most %d characters.' % (name, max_length))
    return value


def parse_choice(data, name, choices, required=True):
    """A string from a fixed list, matched case-insensitively, returned in its canonical spelling."""
    value = parse_str(data, name, required=required)
    if value is None:
        return None
    for choice in choices:
        if choice.lower() == value.strip().lower():
            return choice
    raise BadValue('%s must be one of %s.' % (name, ', '.join(choices)))


# ---------------------------------------------------------------------------
# schedules


def next_run(config, now, manual_sentinel=False):
    """NextScheduledRunTime (epoch seconds) of a configuration, or None / the MinValue sentinel for Manually."""
    if config.frequency == 'Manually':
        return DOTNET_MIN_DATE_MS / 1000.0 if manual_sentinel else None
    if not config.active:
        return None
    offset = TIME_ZONES.get(config.time_zone, 0) * 60
    if config.frequency == 'Hourly':
        step = config.hour_interval * 3600
        anchor = config.schedule_anchor
        if now < anchor:
            return anchor
        return anchor + (int((now - anchor) // step) + 1) * step
    hour = config.start_hour % 12 + (12 if config.start_ampm == 'PM' else 0)
    local_now = now + offset
    day_start = local_now - local_now % 86400
    candidate = day_start + hour * 3600 + config.start_minute * 60
    if config.frequency == 'Daily':
        if candidate <= local_now:
            candidate += 86400
        return candidate - offset
    # Weekly: DayOfWeekId 0 = Sunday; epoch day 0 (1970-01-01) was a Thursday (4)
    weekday = (int(day_start // 86400) + 4) % 7
    candidate += ((config.day_of_week - weekday) % 7) * 86400
    if candidate <= local_now:
        candidate += 7 * 86400
    return candidate - offset


# ---------------------------------------------------------------------------
# records


class Agent:
    """A Cloud Backup agent (installed on a server; the API cannot create one)."""

    __slots__ = ('id', 'tenant', 'name', 'datacenter', 'backup_datacenter', 'host_server_id', 'ip', 'os', 'os_version',
                 'architecture', 'version', 'flavor', 'disabled', 'encrypted', 'passphrase', 'service_net',
                 'failover_uri', 'cleanup_allowed', 'log_level', 'vault_bytes', 'container_uuid', 'last_success',
                 'online_from', 'last_seen', 'deleted', 'configs', 'jobs', 'storage_account')

    def __init__(self, agent_id, tenant, name, datacenter):
        self.id = agent_id
        self.tenant = tenant
        self.name = name
        self.datacenter = datacenter
        self.backup_datacenter = datacenter
        self.host_server_id = None
        self.ip = None
        self.os = 'Ubuntu'
        self.os_version = '22.04'
        self.architecture = '64-bit'
        self.version = '1.05.005848'
        self.flavor = 'RaxCloudServer'
        self.disabled = False
        self.encrypted = False
        self.passphrase = None
        self.service_net = True
        self.failover_uri = True
        self.cleanup_allowed = True
        self.log_level = 3
        self.vault_bytes = 0
        self.container_uuid = None
        self.last_success = None
        self.online_from = None     # epoch from which the agent is (or will be, after a wake-up) online; None: offline
        self.last_seen = 0.0        # start of the idle period (idle_seconds)
        self.deleted = False
        self.configs = []           # config ids, creation order
        self.jobs = []              # backups (own), restores (source or destination), cleanups
        self.storage_account = None


class FileEntry:
    """An include or exclude entry of a backup configuration."""

    __slots__ = ('id', 'path', 'item_type', 'include')

    def __init__(self, entry_id, path, item_type, include):
        self.id = entry_id
        self.path = path
        self.item_type = item_type
        self.include = include


class BackupConfig:
    """A backup configuration."""

    __slots__ = ('id', 'agent', 'name', 'active', 'deleted', 'retention', 'schedule_id', 'missed_action', 'frequency',
                 'start_hour', 'start_minute', 'start_ampm', 'day_of_week', 'hour_interval', 'time_zone', 'recipients',
                 'notify_success', 'notify_failure', 'inclusions', 'exclusions', 'prescript', 'postscript',
                 'last_run', 'last_report', 'backups', 'schedule_anchor', 'created')

    def __init__(self, config_id, agent, created):
        self.id = config_id
        self.agent = agent
        self.name = ''
        self.active = True
        self.deleted = False
        self.retention = 30
        self.schedule_id = None
        self.missed_action = 1
        self.frequency = 'Manually'
        self.start_hour = None
        self.start_minute = None
        self.start_ampm = None
        self.day_of_week = None
        self.hour_interval = None
        self.time_zone = 'Eastern Standard Time'
        self.recipients = ''
        self.notify_success = False
        self.notify_failure = True
        self.inclusions = []
        self.exclusions = []
        self.prescript = ''
        self.postscript = ''
        self.last_run = None
        self.last_report = None
        self.backups = []            # Backup records, oldest first
        self.schedule_anchor = created
        self.created = created


class Job:
    """Common part of a backup, a restore and a cleanup: timing and outcome."""

    __slots__ = ('id', 'activity_id', 'requested', 'started', 'run_from', 'stop_at', 'outcome', 'fail_at', 'ended',
                 'final', 'scheduled')
    kind = None

    def __init__(self, job_id, requested):
        self.id = job_id
        self.activity_id = job_id
        self.requested = requested   # creation (a restore is created in Creating, then started)
        self.started = requested     # start request
        self.run_from = None      # when the agent started working on it (None: waiting for the agent)
        self.stop_at = None       # StopManual time
        self.outcome = None       # terminal state planned for the run
        self.fail_at = 1.0        # fraction of the run at which it ends (< 1 for a failure half way)
        self.ended = None
        self.final = None         # terminal state once ended
        self.scheduled = False


class Backup(Job):
    """A backup run of a configuration."""

    __slots__ = ('config', 'agent', 'encrypted', 'datacenter', 'files_searched', 'bytes_searched', 'files_backed_up',
                 'bytes_backed_up', 'errors', 'expired')
    kind = 'Backup'

    def __init__(self, backup_id, config, requested):
        super().__init__(backup_id, requested)
        self.config = config
        self.agent = config.agent
        self.encrypted = config.agent.encrypted
        self.datacenter = config.agent.backup_datacenter
        self.files_searched = 0
        self.bytes_searched = 0
        self.files_backed_up = 0
        self.bytes_backed_up = 0
        self.errors = []
        self.expired = False


class Restore(Job):
    """A restore configuration and its run."""

    __slots__ = ('backup', 'source', 'destination', 'path', 'overwrite', 'datacenter', 'files', 'file_seq', 'password_ok',
                 'encrypted_password', 'files_restored', 'bytes_restored', 'errors', 'reason', 'diagnostics')
    kind = 'Restore'

    def __init__(self, restore_id, backup, destination, requested):
        super().__init__(restore_id, requested)
        self.backup = backup
        self.source = backup.agent
        self.destination = destination
        self.path = ''
        self.overwrite = False
        self.datacenter = backup.agent.datacenter
        self.files = []              # [RestoreFile]
        self.file_seq = 0
        self.password_ok = True
        self.encrypted_password = None
        self.files_restored = 0
        self.bytes_restored = 0
        self.errors = []
        self.reason = ''
        self.diagnostics = ''


class RestoreFile:
    """An include (1) or exclude (2) entry of a restore."""

    __slots__ = ('id', 'path', 'path_encoded', 'filter', 'item_type')

    def __init__(self, file_id, path, path_encoded, file_filter, item_type):
        self.id = file_id
        self.path = path
        self.path_encoded = path_encoded
        self.filter = file_filter
        self.item_type = item_type


class Cleanup(Job):
    """A vault cleanup (only created by the admin API: the seed has no cleanup operation)."""

    __slots__ = ('agent',)
    kind = 'Cleanup'

    def __init__(self, cleanup_id, agent, requested):
        super().__init__(cleanup_id, requested)
        self.agent = agent


def now_time():
    """The clock (one place to read it)."""
    return time.time()
