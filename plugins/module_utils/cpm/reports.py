# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM reports (Ch.17) and scheduled reports (Ch.21).

* :data:`REPORTS`: every report of the seed with its path, Initial Release
  (feature) and the query parameters the seed documents for it.  A filter of
  another report is refused before any request (CPM would answer 400, or
  silently ignore it).
* Reports are read as JSON (paged like every list) or as CSV
  (``Accept: text/csv``; the server's bytes are written to the file as they
  are).  :func:`parse_csv` reads CSV rows back with their times as ISO 8601
  UTC, whichever form CPM writes (``YYYY-MM-DD HH:MM:SS`` server time, or the
  JSON's ISO strings); the usage reports' last row (``signature:<hex>``) is
  returned apart.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm import administration  # noqa: F401 pylint: disable=unused-import
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import BACKUP_STATUS, DR_STATUS, Code
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMField, CPMResourceType, iso, parse_datetime
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource_control import RC_STATUS
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

#: report -> (path, feature, documented query parameters)
REPORTS = {
    'audit': ('reports/audit/', 'reports', ('event_type', 'from_time', 'ordering', 'original_user', 'search', 'to_time',
                                            'user', 'user_id', 'username')),
    'backups': ('reports/backups/', 'reports', ('account', 'account_name', 'backup_id', 'dr_status', 'from_time',
                                                'is_retry', 'marked_for_deletion', 'ordering', 'policy_name', 'status',
                                                'to_time', 'user', 'username')),
    'protected_resources': ('reports/protected-resources/', 'reports', (
        'account', 'account_name', 'user', 'username')),
    'resource_control_operations': ('reports/resource_control_operations/', 'rc_report', (
        'account', 'account_name', 'from_time', 'group_name', 'marked_for_deletion', 'ordering', 'rc_operation_id',
        'status', 'to_time', 'user', 'username')),
    'snapshots': ('reports/snapshots/', 'reports', ('account', 'from_time', 'to_time')),
    'usage': ('reports/usage/', 'reports', ('account_name', 'ordering', 'username')),
    'usage_anonymized': ('reports/usage/anonymized/', 'reports', ()),
    'usage_detailed': ('reports/usage/detailed/', 'usage_split', ('account_name', 'from_time', 'ordering', 'to_time',
                                                                  'user', 'username')),
    'usage_detailed_anonymous': ('reports/usage/detailed/anonymous/', 'usage_anonymous', (
        'account_name', 'from_time', 'ordering', 'to_time', 'user', 'username')),
    'usage_summary': ('reports/usage/summary/', 'usage_split', ('account_name', 'from_time', 'ordering', 'to_time',
                                                                'user', 'username')),
    'usage_summary_anonymous': ('reports/usage/summary/anonymous/', 'usage_anonymous', (
        'account_name', 'from_time', 'ordering', 'to_time', 'user', 'username')),
}
#: filter option -> kind (``ref_account`` / ``ref_user``: a name or id turned into an id).
FILTERS = {
    'account': 'ref_account', 'account_name': 'str', 'backup_id': 'int', 'dr_status': 'dr_status',
    'event_type': 'str', 'from_time': 'time', 'group_name': 'str', 'is_retry': 'bool', 'marked_for_deletion': 'bool',
    'original_user': 'str', 'policy_name': 'str', 'rc_operation_id': 'int', 'search': 'str', 'status': 'status',
    'to_time': 'time', 'user': 'ref_user', 'user_id': 'int', 'username': 'str', 'ordering': 'str',
}
REPORT_TYPE = Code('report_type', [
    ('A', 'audit', 'Audit'), ('B', 'backups', 'Backup'), ('P', 'protected_resources', 'Protected Resources'),
    ('D', 'unprotected_resources', 'Unprotected Resources'), ('R', 'resource_control_operations',
                                                              'Resource Control Operations'),
    ('S', 'snapshots', 'Snapshots'), ('U', 'usage', 'Usage')])
PERIOD_UNIT = Code('last_period_unit', [('D', 'days', 'Days'), ('W', 'weeks', 'Weeks'), ('O', 'months', 'Months'),
                                        ('Y', 'years', 'Years')])
#: Scheduled report filters that apply to each report type (Ch.21).
SCHEDULED_FILTERS = {'A': ('user', 'last_period'), 'B': ('account', 'user', 'last_period'), 'P': ('account', 'user'),
                     'D': ('account', 'user'), 'R': ('account', 'user', 'last_period'), 'S': ('account', 'last_period'),
                     'U': ('account', 'user', 'last_period')}


def check_filters(report, given):
    """The given filters (option -> value) checked against the report; canonical values (no request)."""
    allowed = REPORTS[report][2]
    out = {}
    for option, value in sorted(given.items()):
        if value is None:
            continue
        if option not in allowed:
            others = sorted(name for name, spec in REPORTS.items() if option in spec[2])
            raise ValidationError(option, 'is not a filter of the %s report (its filters: %s; %s is a filter of %s)' % (
                report, ', '.join(allowed) or 'none', option, ', '.join(others) or 'no report'))
        kind = FILTERS[option]
        if kind == 'time':
            try:
                value = iso(parse_datetime(value))
            except ValueError as exc:
                raise ValidationError(option, str(exc))
        elif kind == 'bool':
            value = 'true' if value else 'false'
        elif kind == 'dr_status':
            value = DR_STATUS.to_api(value, option)
        elif kind == 'status':
            value = (RC_STATUS if report == 'resource_control_operations' else BACKUP_STATUS).to_api(value, option)
        elif kind == 'int':
            if int(value) < 0:
                raise ValidationError(option, 'must not be negative')
        elif isinstance(value, str) and any(ord(c) < 32 for c in value):
            raise ValidationError(option, 'must not contain control characters')
        out[option] = value
    if out.get('from_time') and out.get('to_time') and parse_datetime(out['to_time']) < parse_datetime(out['from_time']):
        raise ValidationError('to_time', 'is before from_time')
    return out


def csv_time(text):
    """A CSV time (``YYYY-MM-DD HH:MM:SS`` UTC or ISO 8601) as ISO 8601 UTC to the second; other text unchanged
    (the server-time form has no fractions, so both forms compare equal)."""
    if not text:
        return text
    try:
        return iso(float(int(parse_datetime(text))))
    except ValueError:
        return text


def parse_csv(content):
    """``(rows, signature)``: the CSV rows as dicts (times in ISO 8601 UTC), and the signature row's value."""
    text = content.decode('utf-8-sig') if isinstance(content, bytes) else content
    lines = list(csv.reader(io.StringIO(text)))
    if not lines:
        return [], None
    header = lines[0]
    rows, signature = [], None
    for line in lines[1:]:
        if len(line) == 1 and line[0].startswith('signature:'):
            signature = line[0][len('signature:'):]
            continue
        if not line:
            continue
        row = {}
        for index, name in enumerate(header):
            value = line[index] if index < len(line) else ''
            row[name] = csv_time(value) if name.endswith('Time') else value
        rows.append(row)
    return rows, signature


def json_times(rows):
    """The report's JSON rows with their ``*_time`` values as ISO 8601 UTC (to compare with :func:`parse_csv`)."""
    out = []
    for row in rows:
        item = dict(row)
        for key, value in row.items():
            if key.endswith('_time') and isinstance(value, str):
                item[key] = csv_time(value)
        out.append(item)
    return out


# -- scheduled reports (Ch.21) ------------------------------------------------------------------------------------

SCHEDULED_WRITABLE = ('name', 'recipients', 'description', 'enabled', 'is_anonymized', 'is_detailed', 'schedules',
                      'filters')


def scheduled_fields():
    return [
        CPMField('name'),
        CPMField('recipients', kind='strs'),
        CPMField('description', nullable=True),
        CPMField('enabled', kind='bool'),
        CPMField('anonymized', key='is_anonymized', kind='bool'),
        CPMField('detailed', key='is_detailed', kind='bool'),
        CPMField('schedules', kind='ids'),
        CPMField('report_type', kind='code', code=REPORT_TYPE, create_only=True),
        CPMField('user', kind='raw', create_only=True, parse=as_id),
        CPMField('filter_account', key='filters.account', kind='raw', parse=as_id, nullable=True),
        CPMField('filter_user', key='filters.user', kind='raw', parse=as_id, nullable=True),
        CPMField('last_period_interval', key='filters.last_period_interval', kind='int', minimum=1),
        CPMField('last_period_unit', key='filters.last_period_unit', kind='code', code=PERIOD_UNIT),
    ]


def check_scheduled(report_type, params):
    """The filters of a scheduled report must apply to its type (checked before any request)."""
    applicable = SCHEDULED_FILTERS[report_type]
    for option, applies in (('filter_account', 'account'), ('filter_user', 'user'),
                            ('last_period_interval', 'last_period'), ('last_period_unit', 'last_period')):
        if params.get(option) not in (None, '') and applies not in applicable:
            raise ValidationError(option, 'does not apply to %s reports (they take %s)' % (
                REPORT_TYPE.readable(report_type), ', '.join(applicable)))
    for option in ('anonymized', 'detailed'):
        if params.get(option) and report_type != 'U':
            raise ValidationError(option, 'applies to usage reports only')
    if (params.get('last_period_interval') is None) != (params.get('last_period_unit') is None):
        raise ValidationError('last_period_unit', 'last_period_interval and last_period_unit go together')
    for address in params.get('recipients') or ():
        local, sep, domain = str(address).partition('@')
        if not sep or not local or '.' not in domain or ' ' in str(address):
            raise ValidationError('recipients', '%r is not an e-mail address' % (address,))


class ScheduledReportType(CPMResourceType):
    kind = 'scheduled_report'
    feature = 'scheduled_reports'
    perm = None
    list_path = create_path = 'scheduled_reports/'
    get_path = update_path = delete_path = 'scheduled_reports/{id}/'
    writable = SCHEDULED_WRITABLE
    name_filter = 'search'

    def __init__(self, client, params=None):
        super(ScheduledReportType, self).__init__(client, params)
        self.fields = scheduled_fields()

    def view(self, flat):
        out = dict(flat or {})
        if flat:
            out['report_type'] = REPORT_TYPE.readable(flat.get('report_type'))
            out['report_type_code'] = flat.get('report_type')
        return out
