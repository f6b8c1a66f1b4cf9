# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scheduled reports (Ch.21): CRUD, filters validated per report type, run now (D78)."""

from .api import F, Family, Route, apply_list, exact, forbidden, iso, not_found, page_response, validate
from .directory import ROOT_ID
from .helpers import check_email, csv_cell, csv_text, empty, is_root_delegate, put_mode, raise_errors
from .reports import Scope

TYPES = ('A', 'B', 'P', 'D', 'R', 'S', 'U')
TYPE_NAMES = {'A': 'Audit', 'B': 'Backup', 'P': 'Protected Resources', 'D': 'Unprotected Resources',
              'R': 'Resource Control Operations', 'S': 'Snapshots', 'U': 'Usage'}
#: The filters that apply to each report type (knob report_filter_check strict: others -> 400).
APPLICABLE = {'A': ('user', 'last_period'), 'B': ('account', 'user', 'last_period'), 'P': ('account', 'user'),
              'D': ('account', 'user'), 'R': ('account', 'user', 'last_period'), 'S': ('account', 'last_period'),
              'U': ('account', 'user', 'last_period')}
UNIT_SECONDS = {'D': 86400.0, 'W': 7 * 86400.0, 'O': 30 * 86400.0, 'Y': 365 * 86400.0}
FILTER_SPEC = {'account': F('pk', nullable=True, default=None, model='account'),
               'user': F('pk', nullable=True, default=None, model='user'),
               'last_period_interval': F('int', nullable=True, default=None, min_value=1),
               'last_period_unit': F('choice', nullable=True, default=None, choices=('D', 'W', 'O', 'Y'))}
UPDATE_SPEC = {
    'name': F('str', required=True, blank=False),
    'recipients': F('strs', required=True),
    'description': F('str', nullable=True, default=None, text=True),
    'enabled': F('bool', default=True),
    'is_anonymized': F('bool', default=False),
    'is_detailed': F('bool', default=False),
    'schedules': F('ids', default=[], model='schedule'),
    'filters': F('obj', spec=FILTER_SPEC, nullable=True),
}
CREATE_SPEC = dict(UPDATE_SPEC, report_type=F('choice', required=True, choices=TYPES),
                   user=F('pk', required=True, model='user'))
UNPROTECTED = (('instances', 'instance'), ('volumes', 'independent_volume'), ('rds_databases', 'rds'),
               ('rds_clusters', 'aurora'), ('redshift_clusters', 'redshift'), ('dynamodb_tables', 'dynamodb'),
               ('efs', 'efs'))


class ScheduledReportsFamily(Family):
    """``/api/scheduled_reports/``"""

    name = 'scheduled_reports'

    def reset(self):
        self.reports = {}
        self.seq = 0
        self.runs = []

    def routes(self):
        return [
            Route('POST', 'scheduled_reports/', self.create, '1.3.0', None, 40409),
            Route('GET', 'scheduled_reports/', self.list, '1.3.0', None, 40680),
            Route('GET', 'scheduled_reports/{id}/', self.get, '1.3.0', None, 40889),
            Route('PUT', 'scheduled_reports/{id}/', self.update, '1.3.0', None, 41046),
            Route('DELETE', 'scheduled_reports/{id}/', self.delete, '1.3.0', None, 41303),
            Route('POST', 'scheduled_reports/{scheduled_report_id}/run/', self.run, '1.3.0', None, 41347),
        ]

    # -- relations ----------------------------------------------------------------------
    def schedule_counts(self):
        """{schedule id: number of scheduled reports using it} (schedules' num_scheduled_reports)."""
        counts = {}
        schedules = self.svc.schedules.schedules
        for report in self.reports.values():
            for schedule_id in report['schedules']:
                if schedule_id in schedules:
                    counts[schedule_id] = counts.get(schedule_id, 0) + 1
        return counts

    def uses_schedule(self, report_id, schedule_id):
        """Does this scheduled report use that schedule (the schedules list's ``scheduled_report`` filter)?"""
        report = self.reports.get(report_id)
        return report is not None and schedule_id in report['schedules']

    def user_deleted(self, uid):
        """Drop a deleted user's scheduled reports (D60)."""
        for report_id in [r['id'] for r in self.reports.values() if r['user'] == uid]:
            del self.reports[report_id]

    # -- permission and validation ----------------------------------------------------------
    @staticmethod
    def _type_allowed(call, report):
        """Audit reports are root's; anonymized usage reports root's and his delegates' (D78)."""
        if report['report_type'] == 'A' and call.user['id'] != ROOT_ID:
            return False
        if report['report_type'] == 'U' and report.get('is_anonymized') and not (
                call.user['id'] == ROOT_ID or is_root_delegate(call)):
            return False
        return True

    def _check(self, call, values, user_id, report_type, report_id):
        errors = {}
        recipients = values['recipients']
        if not recipients:
            errors['recipients'] = [('This list may not be empty.', 'empty')]
        for address in recipients:
            check_email(errors, 'recipients', address)
        schedules = self.svc.schedules.schedules
        for schedule_id in values['schedules']:
            if schedules[schedule_id]['user'] != user_id:
                errors.setdefault('schedules', []).append(('Invalid pk "%s" - object does not exist.' % schedule_id,
                                                           'does_not_exist'))
        filters = values['filters'] or dict((k, f.default_value()) for k, f in FILTER_SPEC.items())
        values['filters'] = filters
        if (filters['last_period_interval'] is None) != (filters['last_period_unit'] is None):
            errors['filters.last_period_unit'] = [('last_period_interval and last_period_unit go together.', 'invalid')]
        if filters['user'] is not None and not call.can_see(filters['user']):
            errors['filters.user'] = [('Invalid pk "%s" - object does not exist.' % filters['user'], 'does_not_exist')]
        if self.svc.config['report_filter_check'] == 'strict':
            applicable = APPLICABLE[report_type]
            for key in ('account', 'user'):
                if filters[key] is not None and key not in applicable:
                    errors['filters.' + key] = [('This filter does not apply to %s reports.' % TYPE_NAMES[report_type],
                                                 'invalid')]
            if filters['last_period_interval'] is not None and 'last_period' not in applicable:
                errors['filters.last_period_interval'] = [('This filter does not apply to %s reports.' %
                                                           TYPE_NAMES[report_type], 'invalid')]
            for key in ('is_anonymized', 'is_detailed'):
                if values[key] and report_type != 'U':
                    errors[key] = [('Only usage reports can be %s.' % key[3:], 'invalid')]
        if self.svc.config['unique_names']:
            for other in self.reports.values():
                if other['user'] == user_id and other['name'] == values['name'] and other['id'] != report_id:
                    errors['name'] = [('Scheduled report with this name already exists.', 'unique')]
        raise_errors(errors)

    # -- rendering ----------------------------------------------------------------------
    def render(self, report):
        """A scheduled report (schedules that were deleted no longer listed)."""
        schedules = self.svc.schedules.schedules
        return {'description': report['description'], 'enabled': report['enabled'],
                'filters': dict((k, report['filters'][k]) for k in sorted(FILTER_SPEC)), 'id': report['id'],
                'is_anonymized': report['is_anonymized'], 'is_detailed': report['is_detailed'], 'name': report['name'],
                'recipients': list(report['recipients']), 'report_type': report['report_type'],
                'schedules': [s for s in report['schedules'] if s in schedules], 'user': report['user']}

    def _visible(self, call, report_id):
        report = self.reports.get(report_id)
        if report is None or not call.can_see(report['user']) or not self._type_allowed(call, report):
            raise not_found()
        return report

    # -- handlers ----------------------------------------------------------------------
    def create(self, call):
        """POST /api/scheduled_reports/ -> 201"""
        values = validate(CREATE_SPEC, call.body_dict(), self.svc.lookup(call))
        call.check_owner_for_create(values['user'])
        if not self._type_allowed(call, values):
            raise forbidden('You do not have permission to schedule %s reports.' % TYPE_NAMES[values['report_type']])
        self._check(call, values, values['user'], values['report_type'], None)
        self.seq += 1
        report = dict(values, id=self.seq, created=call.now)
        self.reports[report['id']] = report
        return self.svc.respond(call, 201, self.render(report))

    def list(self, call):
        """GET /api/scheduled_reports/ (filters report_type, schedules, user; search; ordering)"""
        schedules = self.svc.schedules.schedules
        items = [r for r in self.reports.values() if call.can_see(r['user']) and self._type_allowed(call, r)]
        items = apply_list(
            call, items,
            filters={'report_type': exact(lambda r: r['report_type']), 'schedules': exact(lambda r: r['schedules'], 'in'),
                     'user': exact(lambda r: r['user'], 'int')},
            search=[lambda r: r['name'], lambda r: r['description'],
                    lambda r: [schedules[s]['name'] for s in r['schedules'] if s in schedules],
                    lambda r: [schedules[s]['description'] for s in r['schedules'] if s in schedules]],
            ordering={'enabled': lambda r: r['enabled'], 'name': lambda r: r['name'],
                      'username': lambda r: self.svc.directory.username(r['user'])})
        return page_response(call, items, self.render)

    def get(self, call):
        """GET /api/scheduled_reports/{id}/"""
        return self.svc.respond(call, 200, self.render(self._visible(call, call.param_id())))

    def update(self, call):
        """PUT /api/scheduled_reports/{id}/ (name and recipients required; report_type and user are create-only)"""
        report = self._visible(call, call.param_id())
        current = dict(report, schedules=[s for s in report['schedules'] if s in self.svc.schedules.schedules])
        values = validate(UPDATE_SPEC, call.body_dict(), self.svc.lookup(call), current=current,
                          mode=put_mode(self.svc))
        probe = dict(report, **values)
        if not self._type_allowed(call, probe):
            raise forbidden()
        self._check(call, values, report['user'], report['report_type'], report['id'])
        report.update(values)
        return self.svc.respond(call, 200, self.render(report))

    def delete(self, call):
        """DELETE /api/scheduled_reports/{id}/ -> 204"""
        del self.reports[self._visible(call, call.param_id())['id']]
        return self.svc.respond(call, 204, None)

    def run(self, call):
        """POST /api/scheduled_reports/{scheduled_report_id}/run/ -> 202, no body (the report is "sent" now)"""
        report = self._visible(call, call.param_id('scheduled_report_id'))
        self.runs.append(self.generate(report, call.now))
        return empty(202)

    # -- producing the report ------------------------------------------------------------------
    def generate(self, report, now):
        """The report a run sends: its CSV and row count (admin ``report-runs`` shows them)."""
        directory = self.svc.directory
        owner = report['user']
        filters = report['filters']
        params = {}
        if filters['user'] is not None:
            params['user'] = str(filters['user'])
        if filters['last_period_interval']:
            start = now - filters['last_period_interval'] * UNIT_SECONDS[filters['last_period_unit']]
            params['from_time'] = iso(start)
        account = self.svc.accounts.accounts.get(filters['account']) if filters['account'] is not None else None
        kind = report['report_type']
        scope = Scope(directory.visible_owners(owner), owner, owner == ROOT_ID, now, params, True)
        reports = self.svc.reports
        if kind == 'D':
            rows = self._unprotected(scope, account)
            header = ('Account Name', 'Region', 'Resource ID', 'Resource Name', 'Resource Type', 'Username')
            keys = ('account_name', 'aws_region', 'aws_resource_id', 'aws_resource_name', 'resource_type', 'username')
            text = csv_text(header, [[csv_cell(row[k]) for k in keys] for row in rows])
            name = 'unprotected_resources'
        else:
            name = {'A': 'audit', 'B': 'backups', 'P': 'protected_resources', 'R': 'resource_control_operations',
                    'S': 'snapshots'}.get(kind)
            if kind == 'U':
                name = 'usage_detailed' if report['is_detailed'] else 'usage_summary'
                if report['is_anonymized']:
                    name += '_anonymous'
                if account is not None:
                    params['account_name'] = account['name']
            elif account is not None:
                params['account'] = str(account['id'])
            if kind == 'S':
                params.pop('user', None)
            if kind == 'A':
                params.pop('account', None)
            rows = reports.rows(name, scope)
            text = reports.csv(name, rows, scope)
        return {'scheduled_report': report['id'], 'name': report['name'], 'report_type': kind, 'report': name,
                'recipients': list(report['recipients']), 'time': now, 'rows': len(rows), 'csv': text}

    def _unprotected(self, scope, account):
        """Resources of the owner's backup accounts that no policy protects (report type D)."""
        svc = self.svc
        protected = set((t['account'], t['region'], t['aws_id']) for t in svc.targets.targets.values())
        rows = []
        for acct in svc.accounts.accounts.values():
            if acct['kind'] != 'backup' or acct['user'] not in scope.visible or (account and acct['id'] != account['id']):
                continue
            svc.inventory.ensure(acct['id'])
            for region, regional in sorted(svc.inventory.estates.get(acct['id'], {}).items()):
                for kind, label in UNPROTECTED:
                    for res in regional.get(kind, {}).values():
                        if kind == 'volumes' and res.get('attached_to'):
                            continue
                        if (acct['id'], region, res['aws_id']) in protected:
                            continue
                        rows.append({'account_name': acct['name'], 'aws_region': region, 'aws_resource_id': res['aws_id'],
                                     'aws_resource_name': res.get('name'), 'resource_type': label,
                                     'username': svc.directory.username(acct['user'])})
        return rows

    # -- admin -------------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'report-runs' and method == 'GET':
            return {'runs': [dict(r, time=iso(r['time'])) for r in self.runs]}
        if action == 'report-runs' and method == 'DELETE':
            self.runs = []
            return {'ok': True}
        return NotImplemented
