# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reports (Ch.17): audit, backups, protected resources, resource-control operations, snapshots, usage (and its
anonymized, summary and detailed variants), as JSON or text/csv, with per-report filters (D71-D73, D77).

Every report is computed from the simulator's state when asked.  A report is a list of rows (the JSON items,
plus private ``_`` keys used by filters), filtered, ordered, then rendered as JSON (paged like every list) or as
CSV (``page``/``page_size`` ignored; columns and rules per report, see ``CSV_COLUMNS``).  The same builders serve
the scheduled reports (:mod:`.scheduled_reports`).
"""

import hashlib
import re
import secrets
import time

from ..core import AdminError
from .api import ApiError, Family, Route, forbidden, iso, page_response, parse_datetime
from .backups import SNAPSHOT_TYPE
from .helpers import (check_params, csv_cell, csv_download, csv_text, csv_time, is_root, is_root_delegate, register_knobs, sign_csv,
                      str_ids)

BACKUP_STATUSES = ('I', 'P', 'B', 'A', 'S', 'D', 'F', 'M', 'G')
DR_STATUSES = ('N', 'P', 'I', 'S', 'C', 'F')
RC_STATUSES = ('I', 'P', 'B', 'A', 'S', 'F')
PROTECTED_TYPES = {'instances': 'instance', 'volumes': 'independent_volume', 'rds_databases': 'rds',
                   'rds_clusters': 'aurora', 'redshift_clusters': 'redshift'}
EXTRA_PROTECTED_TYPES = {'dynamodb_tables': 'dynamodb', 'efs': 'efs'}
USAGE_COUNTERS = ('num_controlled_entities', 'num_efs', 'num_gib_of_dynamo_db', 'num_gib_of_independent_volumes',
                  'num_gib_of_rds', 'num_gib_of_redshift', 'num_instances')
TOTAL_LABEL = 'Total Non-Instance Storage (GiB)'
KNOBS = {'report_filter_check': 'strict', 'report_csv_times': 'server', 'protected_resource_kinds': 'documented'}
KNOB_CHOICES = {'report_filter_check': ('strict', 'lenient'), 'report_csv_times': ('server', 'iso'),
                'protected_resource_kinds': ('documented', 'all')}

#: CSV columns per report: (header, JSON field, kind); kind ``time`` follows knob report_csv_times.
CSV_COLUMNS = {
    'audit': (('Event Time', 'event_time', 'time'), ('Username', 'username', 'user'), ('User Type', 'user_type', 'user'),
              ('Delegate of', '_delegate_of', 'user'), ('Event Type', 'event_type', None), ('Log', 'log', None)),
    'backups': (('Backup ID', 'backup_id', None), ('Account Name', 'account_name', None),
                ('AWS Account Number', 'aws_account_number', None), ('Policy Name', 'policy_name', None),
                ('Username', 'username', 'user'), ('Start Time', 'start_time', 'time'), ('End Time', 'end_time', 'time'),
                ('Status', 'status', None), ('Status Before Deletion', 'status_before_deletion', None),
                ('DR Status', 'dr_status', None), ('Archive Status', 'archive_status', None),
                ('S3 Copy Status', 's3_copy_status', None), ('Is Retry', 'is_retry', None),
                ('Marked For Deletion', 'marked_for_deletion', None)),
    'protected_resources': (('Account Name', 'account_name', None), ('Region', 'aws_region', None),
                            ('Resource ID', 'aws_resource_id', None), ('Resource Name', 'aws_resource_name', None),
                            ('Resource Type', 'resource_type', None), ('Policies', 'policies', None),
                            ('Schedules', 'schedules', None), ('Username', 'username', None)),
    'resource_control_operations': (
        ('Operation ID', 'rc_operation_id', None), ('Group Name', 'group_name', None),
        ('Account Name', 'account_name', None), ('AWS Account Number', 'aws_account_number', None),
        ('Username', 'username', 'user'), ('Start Time', 'start_time', 'time'), ('End Time', 'end_time', 'time'),
        ('Status', 'status', None), ('Marked For Deletion', 'marked_for_deletion', None)),
    'snapshots': (('Backup ID', 'backup_id', None), ('Account Name', 'account_name', None),
                  ('AWS Account Number', 'aws_account_number', None),
                  ('Snapshot Account Name', 'snapshot_account_name', None),
                  ('Snapshot AWS Account Number', 'snapshot_aws_account_number', None),
                  ('Policy Name', 'policy_name', None), ('Username', 'username', None),
                  ('Resource ID', 'backed_up_resource_id', None), ('Resource Name', 'backed_up_resource_name', None),
                  ('Instance ID', 'instance_id', None), ('Instance Name', 'instance_name', None),
                  ('Region', 'region', None), ('Snapshot ID', 'snapshot_id', None),
                  ('Snapshot Type', 'snapshot_type', None), ('Start Time', 'start_time', 'time'),
                  ('End Time', 'end_time', 'time'), ('Deletion Time', 'deletion_time', 'time'),
                  ('Status', 'status', None), ('Succeeded', 'succeeded', None),
                  ('CBT Changed Size (MB)', 'cbt_changed_size_mb', None),
                  ('CBT Valid Size (MB)', 'cbt_valid_size_mb', None)),
}
_COUNTER_COLUMNS = (('Instances', 'num_instances', None), ('Controlled Entities', 'num_controlled_entities', None),
                    ('EFS', 'num_efs', None), ('DynamoDB (GiB)', 'num_gib_of_dynamo_db', None),
                    ('Independent Volumes (GiB)', 'num_gib_of_independent_volumes', None),
                    ('RDS (GiB)', 'num_gib_of_rds', None), ('Redshift (GiB)', 'num_gib_of_redshift', None),
                    (TOTAL_LABEL, '_total', None))
CSV_COLUMNS['usage'] = (('Username', 'username', 'user'), ('Account Name', 'account_name', None)) + _COUNTER_COLUMNS
CSV_COLUMNS['usage_anonymized'] = ((('User ID', 'user_id', None), ('Account ID', 'account_id', None),
                                    ('Instances', 'num_instances', None),
                                    ('Controlled Entities', 'controlled_entities', None)) + _COUNTER_COLUMNS[2:])
_EXTENDED = (('Instances', 'num_instances', None), ('Instances with DR', 'num_instances_dr', None),
             ('Instances with S3', 'num_instances_s3', None)) + _COUNTER_COLUMNS[1:-1] + (
    (TOTAL_LABEL, 'total_non_instance_storage', None), ('Capturing VPCs', 'capturing_vpcs', None),
    ('Scanning Tags', 'scanning_tags', None))
CSV_COLUMNS['usage_summary'] = (('Report Time', 'report_time', None), ('User ID', 'user_id', None),
                                ('Username', 'username', None)) + _EXTENDED
CSV_COLUMNS['usage_detailed'] = (('Report Time', 'report_time', None), ('User ID', 'user_id', None),
                                 ('Username', 'username', None), ('Account ID', 'account_id', None),
                                 ('Account Name', 'account_name', None)) + _EXTENDED
SIGNED = ('usage', 'usage_anonymized', 'usage_summary', 'usage_detailed')

#: Query parameters each report documents (besides page and page_size): knob report_filter_check (D71).
PARAMS = {
    'audit': ('event_type', 'from_time', 'ordering', 'original_user', 'search', 'to_time', 'user', 'user_id', 'username'),
    'backups': ('account', 'account_name', 'backup_id', 'dr_status', 'from_time', 'is_retry', 'marked_for_deletion',
                'ordering', 'policy_name', 'status', 'to_time', 'user', 'username'),
    'protected_resources': ('account', 'account_name', 'user', 'username'),
    'resource_control_operations': ('account', 'account_name', 'from_time', 'group_name', 'marked_for_deletion',
                                    'ordering', 'rc_operation_id', 'status', 'to_time', 'user', 'username'),
    'snapshots': ('account', 'from_time', 'to_time'),
    'usage': ('account_name', 'ordering', 'username'),
    'usage_anonymized': (),
    'usage_detailed': ('account_name', 'from_time', 'ordering', 'to_time', 'user', 'username'),
    'usage_summary': ('account_name', 'from_time', 'ordering', 'to_time', 'user', 'username'),
}
#: (param, kind, row key): kinds int, str, bool, choice tuples, from/to (a time at or after / at or before).
FILTERS = {
    'audit': (('event_type', 'str', 'event_type'), ('from_time', 'from', '_time'), ('to_time', 'to', '_time'),
              ('original_user', 'str', 'original_user'), ('user', 'int', '_user'), ('user_id', 'int', '_user'),
              ('username', 'str', 'username')),
    'backups': (('account', 'int', '_account'), ('account_name', 'str', 'account_name'),
                ('backup_id', 'int', '_backup_id'), ('dr_status', DR_STATUSES, 'dr_status'),
                ('from_time', 'from', '_start'), ('to_time', 'to', '_start'), ('is_retry', 'bool', 'is_retry'),
                ('marked_for_deletion', 'bool', 'marked_for_deletion'), ('policy_name', 'str', 'policy_name'),
                ('status', BACKUP_STATUSES, 'status'), ('user', 'int', '_user'), ('username', 'str', 'username')),
    'protected_resources': (('account', 'int', '_account'), ('account_name', 'str', 'account_name'),
                            ('user', 'int', '_user'), ('username', 'str', 'username')),
    'resource_control_operations': (
        ('account', 'int', '_account'), ('account_name', 'str', 'account_name'), ('from_time', 'from', '_start'),
        ('to_time', 'to', '_start'), ('group_name', 'str', 'group_name'),
        ('marked_for_deletion', 'bool', 'marked_for_deletion'), ('rc_operation_id', 'int', '_id'),
        ('status', RC_STATUSES, 'status'), ('user', 'int', '_user'), ('username', 'str', 'username')),
    'snapshots': (('account', 'int', '_account'), ('from_time', 'from', '_start'), ('to_time', 'to', '_start')),
    'usage': (('account_name', 'str', '_account_name'), ('username', 'str', '_username')),
    'usage_anonymized': (),
    'usage_detailed': (('account_name', 'str', '_account_name'), ('from_time', 'from', '_time'),
                       ('to_time', 'to', '_time'), ('user', 'int', '_user'), ('username', 'str', '_username')),
    'usage_summary': (('account_name', 'str', '_account_names'), ('from_time', 'from', '_time'),
                      ('to_time', 'to', '_time'), ('user', 'int', '_user'), ('username', 'str', '_username')),
}
ORDERING = {
    'audit': ('event_time', 'username'),
    'backups': ('account_name', 'backup_id', 'dr_status', 'end_time', 'is_retry', 'marked_for_deletion', 'policy_name',
                'start_time', 'status', 'username'),
    'resource_control_operations': ('account_name', 'end_time', 'group_name', 'marked_for_deletion', 'rc_operation_id',
                                    'start_time', 'status', 'username'),
    'usage': ('account_name', 'username'),
    'usage_detailed': ('account_name', 'username'),
    'usage_summary': ('account_name', 'username'),
}
#: Sort keys of ordering fields that are not plain row values.
SORT_KEYS = {'event_time': '_time', 'backup_id': '_backup_id', 'start_time': '_start', 'end_time': '_end',
             'rc_operation_id': '_id', 'account_name': '_account_name', 'username': '_username'}
#: (path, name, Initial Release, seed line)
ENDPOINTS = (('reports/audit/', 'audit', '1.0.0', 34795), ('reports/backups/', 'backups', '1.0.0', 34990),
             ('reports/protected-resources/', 'protected_resources', '1.0.0', 35286),
             ('reports/resource_control_operations/', 'resource_control_operations', '1.3.0', 35419),
             ('reports/snapshots/', 'snapshots', '1.0.0', 35655), ('reports/usage/', 'usage', '1.0.0', 35873),
             ('reports/usage/anonymized/', 'usage_anonymized', '1.0.0', 36044),
             ('reports/usage/detailed/', 'usage_detailed', '1.3.0', 36156),
             ('reports/usage/detailed/anonymous/', 'usage_detailed_anonymous', '1.4.0', 36387),
             ('reports/usage/summary/', 'usage_summary', '1.3.0', 36619),
             ('reports/usage/summary/anonymous/', 'usage_summary_anonymous', '1.4.0', 36840))


def pseudonym(prefix, name):
    """A stable anonymous name (the "anonymous" usage reports, D77)."""
    if name is None:
        return None
    return '%s-%s' % (prefix, hashlib.sha1(str(name).encode('utf-8')).hexdigest()[:8])


class Scope:
    """Who a report is computed for: the visible owners, the owner, root scope, the time and the query."""

    def __init__(self, visible, owner_id, root_scope, now, params, csv=False):
        self.visible = visible
        self.owner_id = owner_id
        self.root_scope = root_scope
        self.now = now
        self.params = params
        self.csv = csv

    @classmethod
    def of_call(cls, call):
        """The scope of an API call."""
        return cls(call.visible, call.owner['id'] if call.owner else None, is_root(call) or is_root_delegate(call),
                   call.now, dict(call.pairs), call.csv)


class ReportsFamily(Family):
    """``/api/reports/...`` and the audit log they read."""

    name = 'reports'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.audit = []
        self.cursor = None
        self.key = secrets.token_bytes(32)

    def routes(self):
        routes = []
        for path, name, since, line in ENDPOINTS:
            routes.append(Route('GET', path, self._bind(name), since, 'admin' if name == 'audit' else None, line,
                                csv='both'))
        return routes

    def _bind(self, name):
        def handler(call):
            return self.serve(call, name)
        handler.__doc__ = 'GET /api/%s (JSON or text/csv)' % name
        return handler

    # -- the audit log (D77) ----------------------------------------------------------------------
    def advance(self, now):
        simulator = self.svc.simulator
        if simulator is None:
            return
        entries = simulator.requests
        if self.cursor is None:
            self.cursor = entries[-1]['seq'] if entries else 0
            return
        if entries and entries[-1]['seq'] < self.cursor:
            self.cursor = 0  # the request log was reset
        fresh = []
        for entry in reversed(entries):
            if entry['seq'] <= self.cursor:
                break
            fresh.append(entry)
        if not entries:
            self.cursor = 0
            return
        self.cursor = entries[-1]['seq']
        for entry in reversed(fresh):
            self._audit_entry(entry)

    def _audit_entry(self, entry):
        if entry['service'] != self.svc.name or not entry.get('auth_user') or not 200 <= (entry['status'] or 0) < 300:
            return
        path = entry['path'].split('?', 1)[0]
        marker = '/api/'
        if marker not in path:
            return
        api_path = path[path.index(marker) + len(marker):]
        method = entry['method']
        if api_path.startswith('token/obtain'):
            event_type, text = 'Login', 'User %s logged in with an API key.' % entry['auth_user']
        elif method in ('GET', 'HEAD') or api_path.startswith('token/'):
            return
        else:
            event_type = {'PUT': 'Update', 'DELETE': 'Delete'}.get(method, 'Create' if entry['status'] == 201 else 'Action')
            text = '%s %s /api/%s (%s)' % (entry['auth_user'], method, api_path, entry['status'])
        self.add_audit(entry['auth_user'], event_type, text, entry['time'])

    def add_audit(self, username, event_type, text, when):
        """An audit event (the user's type and original user as they are now)."""
        directory = self.svc.directory
        user = next((u for u in directory.users.values() if u['username'] == username), None)
        user_type = user['user_type'] if user else None
        original = username
        if user is not None and user_type == 'delegate':
            original = directory.username(user['original_user'])
        event = {'time': when, 'event_type': event_type, 'log': text, 'username': username, 'user_type': user_type,
                 'original_user': original, 'user_id': user['id'] if user else None}
        self.audit.append(event)
        return event

    def expire_audit(self, horizon):
        """Drop audit events older than ``horizon`` (the cleanup run); return how many."""
        before = len(self.audit)
        self.audit = [e for e in self.audit if e['time'] >= horizon]
        return before - len(self.audit)

    def admin(self, action, method, params):
        if action == 'audit-event' and method == 'POST':
            username = params.get('username', 'root')
            if not any(u['username'] == username for u in self.svc.directory.users.values()):
                raise AdminError(404, 'user %r not found' % (username,))
            when = params.get('time')
            event = self.add_audit(username, str(params.get('event_type') or 'Custom'),
                                   str(params.get('log') or 'An event recorded by the simulator.'),
                                   time.time() if when is None else float(when))
            return {'ok': True, 'event': dict(event, time=iso(event['time']))}
        if action == 'audit' and method == 'GET':
            return {'events': [dict(e, time=iso(e['time'])) for e in self.audit]}
        return NotImplemented

    # -- serving ------------------------------------------------------------------------------
    def serve(self, call, name):
        """One report for an API call: permission, parameters, rows, JSON or CSV."""
        base = name.replace('_anonymous', '')
        if name == 'usage_anonymized' and not (is_root(call) or is_root_delegate(call)):
            raise forbidden()
        check_params(call, PARAMS[base])
        scope = Scope.of_call(call)
        rows = self.rows(name, scope)
        if call.csv:
            return csv_download(self.csv(name, rows, scope), '%s_report.csv' % name)
        return page_response(call, rows, lambda row: str_ids(self.svc, public(row), ('user_id',)))

    def rows(self, name, scope):
        """Filtered and ordered rows of a report."""
        base = name.replace('_anonymous', '')
        rows = getattr(self, '_rows_' + base)(scope)
        rows = apply_filters(rows, scope.params, FILTERS[base])
        if base == 'audit':
            term = scope.params.get('search')
            if term and term.strip():
                words = [w.lower() for w in re.split(r'[\s,]+', term.strip()) if w]
                rows = [r for r in rows if all(w in r['log'].lower() for w in words)]
        if base in ORDERING and scope.params.get('ordering'):
            rows = order(rows, scope.params['ordering'], ORDERING[base])
        if name.endswith('_anonymous'):
            for row in rows:
                row['username'] = pseudonym('user', row['username'])
                if 'account_name' in row:
                    row['account_name'] = pseudonym('account', row['account_name'])
        return rows

    def csv(self, name, rows, scope):
        """CSV text of a report (D72): columns per report; times per knob; username dropped where the seed says."""
        base = name.replace('_anonymous', '')
        columns = CSV_COLUMNS[base]
        if base == 'audit' and scope.params.get('username'):
            columns = tuple(c for c in columns if c[2] != 'user')
        elif base in ('backups', 'resource_control_operations', 'usage') and self._single_user(base, scope):
            columns = tuple(c for c in columns if c[2] != 'user')
        lines = []
        for row in rows:
            line = []
            for _header, key, kind in columns:
                value = row.get(key)
                line.append(csv_time(self.svc, row.get('_' + key + '_epoch')) if kind == 'time' else csv_cell(value))
            lines.append(line)
        text = csv_text([c[0] for c in columns], lines)
        if base in SIGNED:
            text = sign_csv(self.key, text)
        return text

    def _single_user(self, base, scope):
        """"This column will not be included if there is only one applicable user" (L35157, L35565, L35943)."""
        if scope.params.get('user') or scope.params.get('username'):
            return True
        owners = self._usage_owners(scope) if base == 'usage' else scope.visible
        return len(owners) == 1

    # -- builders -----------------------------------------------------------------------------
    def _names(self):
        svc = self.svc
        return svc.accounts.accounts, svc.directory

    def _rows_audit(self, scope):
        rows = []
        for event in self.audit:
            delegate_of = event['original_user'] if event['user_type'] == 'delegate' else 'N/A'
            rows.append({'event_time': iso(event['time']), 'event_type': event['event_type'], 'log': event['log'],
                         'original_user': event['original_user'], 'user_type': event['user_type'],
                         'username': event['username'], '_delegate_of': delegate_of, '_time': event['time'],
                         '_event_time_epoch': event['time'], '_user': event['user_id'], '_username': event['username']})
        return rows

    def _rows_backups(self, scope):
        accounts, directory = self._names()
        rows = []
        for backup in self.svc.backups.backups.values():
            if backup['user'] not in scope.visible or backup['begin'] > scope.now:
                continue
            account = accounts.get(backup['account'])
            deleted = backup['status'] in ('D', 'M', 'G')
            username = directory.username(backup['user'])
            rows.append({'account_name': account['name'] if account else None,
                         'archive_status': backup['glacier_status'],
                         'aws_account_number': account['account_number'] if account else None,
                         'backup_id': str(backup['id']), 'dr_status': backup['dr_status'],
                         'end_time': iso(backup['end_time']), 'is_retry': False,
                         'marked_for_deletion': backup['marked_for_deletion'], 'policy_name': backup['policy_name'],
                         's3_copy_status': backup['s3_status'] if backup['s3_on'] else 'Z',
                         'start_time': iso(backup['start_time']), 'status': backup['status'],
                         'status_before_deletion': backup['outcome'] if deleted else None, 'username': username,
                         '_account': backup['account'], '_account_name': account['name'] if account else '',
                         '_backup_id': backup['id'], '_start': backup['start_time'], '_end': backup['end_time'],
                         '_start_time_epoch': backup['start_time'], '_end_time_epoch': backup['end_time'],
                         '_user': backup['user'], '_username': username or ''})
        return rows

    def _rows_protected_resources(self, scope):
        svc = self.svc
        accounts, directory = self._names()
        kinds = dict(PROTECTED_TYPES)
        if svc.config['protected_resource_kinds'] == 'all':
            kinds.update(EXTRA_PROTECTED_TYPES)
        schedules = svc.schedules.schedules
        grouped = {}
        for target in svc.targets.targets.values():
            if target['kind'] not in kinds:
                continue
            policy = svc.policies.policies.get(target['policy'])
            if policy is None or not (scope.root_scope or policy['user'] in scope.visible):
                continue
            key = (target['account'], target['region'], target['aws_id'])
            row = grouped.get(key)
            if row is None:
                account = accounts.get(target['account'])
                res = target['res']
                row = grouped[key] = {
                    'account_name': account['name'] if account else None, 'aws_region': target['region'],
                    'aws_resource_id': res['aws_id'],
                    'aws_resource_name': res.get('name') if target['kind'] == 'instances' else None,
                    'policies': [], 'resource_type': kinds[target['kind']], 'schedules': [],
                    'username': directory.username(policy['user']), '_account': target['account'],
                    '_user': policy['user']}
            if policy['name'] not in row['policies']:
                row['policies'].append(policy['name'])
            for schedule_id in policy['schedules']:
                schedule = schedules.get(schedule_id)
                if schedule is not None and schedule['name'] not in row['schedules']:
                    row['schedules'].append(schedule['name'])
        for row in grouped.values():
            row['policies'].sort()
            row['schedules'].sort()
        return list(grouped.values())

    def _rows_resource_control_operations(self, scope):
        rc = getattr(self.svc, 'rc', None)
        if rc is None:
            return []
        accounts, directory = self._names()
        rows = []
        for record in rc.records.values():
            if record['user'] not in scope.visible or record['begin'] > scope.now:
                continue
            account = accounts.get(record['account'])
            username = directory.username(record['user'])
            rows.append({'account_name': account['name'] if account else None,
                         'aws_account_number': account['account_number'] if account else None,
                         'end_time': iso(record['end_time']), 'group_name': record['group_name'],
                         'marked_for_deletion': record['marked_for_deletion'], 'rc_operation_id': str(record['id']),
                         'start_time': iso(record['begin']), 'status': record['status'], 'username': username,
                         '_account': record['account'], '_account_name': account['name'] if account else '',
                         '_id': record['id'], '_start': record['begin'], '_end': record['end_time'],
                         '_start_time_epoch': record['begin'], '_end_time_epoch': record['end_time'],
                         '_user': record['user'], '_username': username or ''})
        return rows

    def _rows_snapshots(self, scope):
        svc = self.svc
        accounts, directory = self._names()
        backups = svc.backups.backups
        rows = []
        for record in svc.backups.snapshots.values():
            backup = backups.get(record['backup'])
            if backup is None or record['family'] == 'instances' or backup['user'] not in scope.visible \
                    or backup['begin'] > scope.now:
                continue
            snap_account = accounts.get(record.get('snapshot_account'))
            rows.append({
                'account_name': record['account_name'], 'aws_account_number': record['aws_account_number'],
                'backed_up_resource_id': record['backed_up_resource_id'],
                'backed_up_resource_name': record['backed_up_resource_name'], 'backup_id': str(record['backup']),
                'cbt_changed_size_mb': record.get('cbt_changed_size_mb'),
                'cbt_valid_size_mb': record.get('cbt_valid_size_mb'), 'deletion_time': iso(record['deletion_time']),
                'end_time': iso(record['end_time']), 'instance_id': record.get('instance_id'),
                'instance_name': record.get('instance_name'), 'policy_name': record['policy_name'],
                'region': record['region'],
                'snapshot_account_name': snap_account['name'] if snap_account else None,
                'snapshot_aws_account_number': snap_account['account_number'] if snap_account else None,
                'snapshot_id': record.get('snapshot_id') or record.get('aws_image_id'),
                'snapshot_type': SNAPSHOT_TYPE[record['family']], 'start_time': iso(record['start_time']),
                'status': backup['status'], 'succeeded': bool(record['succeeded']),
                'username': directory.username(backup['user']),
                '_account': record['account_id'],
                '_start': backup['start_time'], '_start_time_epoch': record['start_time'],
                '_end_time_epoch': record['end_time'], '_deletion_time_epoch': record['deletion_time']})
        return rows

    # -- usage (D77) -----------------------------------------------------------------------------
    def _usage_owners(self, scope):
        users = self.svc.directory.users
        if scope.root_scope:
            return set(uid for uid, user in users.items() if user['user_type'] != 'delegate')
        return {scope.owner_id} if scope.owner_id is not None else set()

    def account_usage(self, account):
        """The usage counters of one account (protected resources of its policies, its RC targets)."""
        svc = self.svc
        policies = dict((p['id'], p) for p in svc.policies.policies.values() if p['account'] == account['id'])
        seen = set()
        counters = dict((name, 0) for name in USAGE_COUNTERS + ('num_instances_dr', 'num_instances_s3'))
        dr, s3 = set(), set()
        for target in svc.targets.targets.values():
            policy = policies.get(target['policy'])
            if policy is None:
                continue
            key = (target['kind'], target['region'], target['aws_id'])
            res = target['res']
            if target['kind'] == 'instances':
                if policy['dr']['dr_enabled']:
                    dr.add(key)
                if policy['copy_to_s3']['enabled']:
                    s3.add(key)
            if key in seen:
                continue
            seen.add(key)
            kind = target['kind']
            if kind == 'instances':
                counters['num_instances'] += 1
            elif kind == 'volumes':
                counters['num_gib_of_independent_volumes'] += int(res.get('size') or 0)
            elif kind in ('rds_databases', 'rds_clusters'):
                counters['num_gib_of_rds'] += int(res.get('storage') or 0)
            elif kind == 'redshift_clusters':
                counters['num_gib_of_redshift'] += int(res.get('nodes') or 0) * int(res.get('node_storage') or 0)
            elif kind == 'dynamodb_tables':
                counters['num_gib_of_dynamo_db'] += int(res.get('storage') or 0)
            elif kind == 'efs':
                counters['num_efs'] += 1
        counters['num_instances_dr'] = len(dr)
        counters['num_instances_s3'] = len(s3)
        rc = getattr(svc, 'rc', None)
        if rc is not None:
            counters['num_controlled_entities'] = sum(1 for t in rc.targets.values() if t['account'] == account['id'])
        counters['total'] = sum(counters[k] for k in ('num_gib_of_dynamo_db', 'num_gib_of_independent_volumes',
                                                      'num_gib_of_rds', 'num_gib_of_redshift'))
        return counters

    def _usage_accounts(self, scope):
        owners = self._usage_owners(scope)
        return [a for a in self.svc.accounts.accounts.values() if a['kind'] == 'backup' and a['user'] in owners]

    def _rows_usage(self, scope):
        directory = self.svc.directory
        rows = []
        for account in self._usage_accounts(scope):
            counters = self.account_usage(account)
            username = directory.username(account['user'])
            row = {'account_name': account['name'], 'username': username, '_account_name': account['name'],
                   '_username': username, '_total': counters['total'], '_user': account['user']}
            for name in USAGE_COUNTERS:
                row[name] = counters[name]
            rows.append(row)
        return rows

    def _rows_usage_anonymized(self, scope):
        rows = []
        for account in self._usage_accounts(scope):
            counters = self.account_usage(account)
            row = {'account_id': str(account['id']), 'controlled_entities': counters['num_controlled_entities'],
                   'user_id': str(account['user']), '_total': counters['total']}
            for name in USAGE_COUNTERS[1:]:
                row[name] = counters[name]
            rows.append(row)
        return rows

    def _report_time(self, scope):
        day = time.strftime('%Y-%m-%d', time.gmtime(scope.now))
        return day, parse_datetime(day)

    def _extended(self, counters):
        row = dict((name, str(counters[name])) for name in USAGE_COUNTERS + ('num_instances_dr', 'num_instances_s3'))
        row['total_non_instance_storage'] = str(counters['total'])
        return row

    def _rows_usage_detailed(self, scope):
        directory = self.svc.directory
        day, midnight = self._report_time(scope)
        rows = []
        for account in self._usage_accounts(scope):
            row = self._extended(self.account_usage(account))
            username = directory.username(account['user'])
            row.update(account_id=account['id'], account_name=account['name'],
                       capturing_vpcs=bool(account.get('capture_vpcs')),
                       scanning_tags=bool(account.get('scan_tagged_resources')), report_time=day,
                       user_id=account['user'], username=username, _account_name=account['name'], _username=username,
                       _user=account['user'], _time=midnight)
            rows.append(row)
        return rows

    def _rows_usage_summary(self, scope):
        directory = self.svc.directory
        day, midnight = self._report_time(scope)
        per_user = {}
        for account in self._usage_accounts(scope):
            counters = self.account_usage(account)
            entry = per_user.setdefault(account['user'], {'counters': None, 'vpcs': False, 'tags': False, 'names': []})
            if entry['counters'] is None:
                entry['counters'] = dict(counters)
            else:
                for key, value in counters.items():
                    entry['counters'][key] += value
            entry['vpcs'] = entry['vpcs'] or bool(account.get('capture_vpcs'))
            entry['tags'] = entry['tags'] or bool(account.get('scan_tagged_resources'))
            entry['names'].append(account['name'])
        rows = []
        for uid in sorted(self._usage_owners(scope)):
            entry = per_user.get(uid)
            counters = entry['counters'] if entry else dict(
                (name, 0) for name in USAGE_COUNTERS + ('num_instances_dr', 'num_instances_s3', 'total'))
            row = self._extended(counters)
            username = directory.username(uid)
            row.update(capturing_vpcs=bool(entry and entry['vpcs']), scanning_tags=bool(entry and entry['tags']),
                       report_time=day, user_id=uid, username=username, _account_names=entry['names'] if entry else [],
                       _account_name=(entry['names'][0] if entry and entry['names'] else ''), _username=username,
                       _user=uid, _time=midnight)
            rows.append(row)
        return rows


def public(row):
    """A row without its private keys."""
    return dict((key, value) for key, value in row.items() if not key.startswith('_'))


def _validated(params, filters):
    """(key, kind, wanted) of every filter given, after validating its value (400 otherwise)."""
    wanted = []
    errors = {}
    for param, kind, key in filters:
        raw = params.get(param)
        if raw is None or raw == '':
            continue
        try:
            if kind == 'int':
                value = int(float(raw.strip()))
            elif kind == 'bool':
                lowered = raw.strip().lower()
                if lowered not in ('true', 'false', '1', '0', 'yes', 'no', 'on', 'off'):
                    raise ValueError(raw)
                value = lowered in ('true', '1', 'yes', 'on')
            elif kind in ('from', 'to'):
                value = parse_datetime(raw.strip())
            elif isinstance(kind, tuple):
                if raw not in kind:
                    raise ValueError(raw)
                value = raw
            else:
                value = raw
        except ValueError:
            if kind == 'int':
                errors[param] = [('Enter a number.', 'invalid')]
            elif kind in ('from', 'to'):
                errors[param] = [('Enter a valid date/time.', 'invalid')]
            else:
                errors[param] = [('Select a valid choice. %s is not one of the available choices.' % raw,
                                  'invalid_choice')]
            continue
        wanted.append((key, kind, value))
    if errors:
        raise ApiError(400, errors)
    return wanted


def apply_filters(rows, params, filters):
    """Rows matching every filter given (values validated first)."""
    for key, kind, value in _validated(params, filters):
        if kind == 'from':
            rows = [r for r in rows if r.get(key) is not None and r[key] >= value]
        elif kind == 'to':
            rows = [r for r in rows if r.get(key) is not None and r[key] <= value]
        elif key == '_account_names':
            rows = [r for r in rows if value in r[key]]
        else:
            rows = [r for r in rows if r.get(key) == value]
    return rows


def order(rows, raw, allowed):
    """DRF ordering over the documented fields (``-`` descending, comma lists, unknown ignored, nulls last)."""
    keys = []
    for part in raw.split(','):
        part = part.strip()
        descending = part.startswith('-')
        name = part[1:] if descending else part
        if name in allowed:
            keys.append((SORT_KEYS.get(name, name), descending))
    for key, descending in reversed(keys):
        present = [r for r in rows if r.get(key) is not None]
        missing = [r for r in rows if r.get(key) is None]
        present.sort(key=lambda r, k=key: r[k], reverse=descending)
        rows = missing + present if descending else present + missing
    return rows
