# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Schedules (Ch.22): CRUD, disable times (their own endpoints and inline), future run times."""

import calendar
import math
import re
from datetime import datetime, timezone as dt_timezone

from .api import ApiError, F, Family, Route, apply_list, exact, forbidden, invalid, iso, not_found, page_response, validate

try:  # Python 3.9+; time zone data may still be missing on a minimal system
    from zoneinfo import ZoneInfo
except ImportError:  # pragma: no cover
    ZoneInfo = None

UNITS = ('M', 'H', 'D', 'W', 'O')            # the seed's enum order = frequency order (D13)
UNIT_RANK = dict((unit, rank) for rank, unit in enumerate(UNITS))
UNIT_SECONDS = {'M': 60, 'H': 3600, 'D': 86400, 'W': 604800}
DAYS = ('A', 'M', 'T', 'W', 'H', 'F', 'S', 'U')
WEEKDAY_CODES = ('M', 'T', 'W', 'H', 'F', 'S', 'U')   # datetime.weekday() 0..6
WEEKDAY_FLAGS = ('allow_on_monday', 'allow_on_tuesday', 'allow_on_wednesday', 'allow_on_thursday', 'allow_on_friday',
                 'allow_on_saturday', 'allow_on_sunday')
ALLOW_ORDER = ('allow_on_sunday', 'allow_on_monday', 'allow_on_tuesday', 'allow_on_wednesday', 'allow_on_thursday',
               'allow_on_friday', 'allow_on_saturday')
TZ_RE = re.compile(r'^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$')
SYSTEM_TZ = 'UTC'
MAX_RUN_TIMES = 100000

DISABLE_SPEC = {
    'day': F('choice', choices=DAYS, default='A'),
    'start_time': F('time', required=True),
    'end_time': F('time', required=True),
}
UPDATE_SPEC = dict([
    ('name', F('str', required=True, blank=False, name_rule=True)),
    ('description', F('str', nullable=True, default=None, text=True)),
    ('every_unit', F('choice', choices=UNITS, default='D')),
    ('every_how_many', F('int', required=True, min_value=1)),
    ('start_date', F('datetime', nullable=True, default=None)),
    ('end_date', F('datetime', nullable=True, default=None)),
    ('timezone', F('str', nullable=True, default=None)),
    ('disable_times', F('objs', spec=DISABLE_SPEC, default=[])),
] + [(flag, F('bool', default=True)) for flag in ALLOW_ORDER])
CREATE_SPEC = dict(UPDATE_SPEC, user=F('pk', required=True, model='user'))


def zone(name):
    """A tzinfo for a schedule time zone (UTC when unknown or not set)."""
    if name and ZoneInfo is not None:
        try:
            return ZoneInfo(name)
        except Exception:  # pylint: disable=broad-except
            return dt_timezone.utc
    return dt_timezone.utc


def valid_timezone(name):
    """A time zone name CPM would accept (IANA names; any well-formed name when no tz data is installed)."""
    if name in ('UTC', 'GMT'):
        return True
    if not TZ_RE.match(name):
        return False
    if ZoneInfo is None:
        return True
    try:
        ZoneInfo(name)
        return True
    except Exception:  # pylint: disable=broad-except
        try:
            ZoneInfo('Europe/London')
        except Exception:  # pylint: disable=broad-except
            return True  # no tz database at all
        return False


def _add_months(moment, months):
    month = moment.month - 1 + months
    year = moment.year + month // 12
    month = month % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def _disabled(schedule, local):
    minute_of_day = local.strftime('%H:%M:%S')
    code = WEEKDAY_CODES[local.weekday()]
    for window in schedule['disable_times']:
        if window['day'] not in ('A', code):
            continue
        start, end = window['start_time'], window['end_time']
        if (start <= end and start <= minute_of_day < end) or (start > end and (minute_of_day >= start or minute_of_day < end)):
            return True
    return False


def run_times(schedule, now, days_ahead):
    """Future runs of a schedule within ``days_ahead`` days (D13): rows as the run_times endpoints return them."""
    horizon = now + days_ahead * 86400.0
    if schedule['end_date'] is not None:
        horizon = min(horizon, schedule['end_date'])
    start = schedule['start_date']
    tz = zone(schedule['timezone'])
    step, unit = schedule['every_how_many'], schedule['every_unit']
    rows = []
    if unit in UNIT_SECONDS:
        period = step * UNIT_SECONDS[unit]
        first = start if start >= now else start + period * -(-(now - start) // period)
        moments = (first + period * k for k in range(MAX_RUN_TIMES))
    else:
        base = datetime.fromtimestamp(start, dt_timezone.utc)

        def months():
            k = 0
            while k < MAX_RUN_TIMES * 12:
                moment = _add_months(base, k * step).timestamp()
                k += 1
                if moment >= now:
                    yield moment
        moments = months()
    for moment in moments:
        if moment > horizon or len(rows) >= MAX_RUN_TIMES:
            break
        local = datetime.fromtimestamp(moment, tz)
        if not schedule[WEEKDAY_FLAGS[local.weekday()]] or _disabled(schedule, local):
            continue
        system = datetime.fromtimestamp(moment, dt_timezone.utc)
        rows.append({'schedule_name': schedule['name'], 'schedule_time': local.isoformat(),
                     'schedule_timezone': schedule['timezone'] or SYSTEM_TZ, 'system_time': system.isoformat(),
                     'system_timezone': SYSTEM_TZ, 'time': iso(moment)})
    return rows


def days_ahead_param(call):
    """The required ``days_ahead`` query parameter (a non-negative number)."""
    raw = call.q('days_ahead')
    if raw is None or raw == '':
        raise invalid('days_ahead', 'This field is required.', 'required')
    try:
        value = float(raw)
    except ValueError as exc:
        raise invalid('days_ahead', 'A valid number is required.') from exc
    if value < 0 or math.isnan(value) or math.isinf(value):
        raise invalid('days_ahead', 'Ensure this value is greater than or equal to 0.', 'min_value')
    return value


class SchedulesFamily(Family):
    """``/api/schedules/`` and ``/api/schedules/{schedule_id}/disable_times|run_times/``."""

    name = 'schedules'

    def reset(self):
        self.schedules = {}
        self.seq = 0
        self.disable_seq = 0

    def routes(self):
        return [
            Route('POST', 'schedules/', self.create, '1.0.0', 'backup', 41387),
            Route('GET', 'schedules/', self.list, '1.0.0', None, 41773),
            Route('GET', 'schedules/{id}/', self.get, '1.0.0', None, 42066),
            Route('PUT', 'schedules/{id}/', self.update, '1.0.0', 'backup', 42298),
            Route('DELETE', 'schedules/{id}/', self.delete, '1.0.0', 'backup', 42687),
            Route('POST', 'schedules/{schedule_id}/disable_times/', self.disable_create, '1.2.0', 'backup', 42728),
            Route('GET', 'schedules/{schedule_id}/disable_times/', self.disable_list, '1.2.0', None, 42855),
            Route('GET', 'schedules/{schedule_id}/disable_times/{id}/', self.disable_get, '1.2.0', None, 42949),
            Route('DELETE', 'schedules/{schedule_id}/disable_times/{id}/', self.disable_delete, '1.2.0', 'backup', 43034),
            Route('GET', 'schedules/{schedule_id}/run_times/', self.run_times, '1.4.0', 'backup', 43081),
        ]

    # -- model ---------------------------------------------------------------------
    def add(self, values, now):
        """Store a schedule from validated values."""
        self.seq += 1
        schedule = dict(values)
        schedule['id'] = self.seq
        if schedule.get('start_date') is None:
            schedule['start_date'] = now
        schedule['disable_times'] = [self._window(item) for item in values.get('disable_times') or []]
        schedule['last_modified'] = now
        self.schedules[schedule['id']] = schedule
        return schedule

    def _window(self, values, keep_id=None):
        if keep_id is None:
            self.disable_seq += 1
            keep_id = self.disable_seq
        return {'id': keep_id, 'day': values.get('day') or 'A', 'start_time': values['start_time'],
                'end_time': values['end_time']}

    def _check(self, values, schedule_id):
        errors = {}
        if values.get('timezone') is not None and not valid_timezone(values['timezone']):
            errors['timezone'] = [('"%s" is not a valid choice.' % values['timezone'], 'invalid_choice')]
        if values.get('end_date') is not None and values.get('start_date') is not None \
                and values['end_date'] <= values['start_date']:
            errors['end_date'] = [('End date must be later than the start date.', 'invalid')]
        if self.svc.config['unique_names']:
            for other in self.schedules.values():
                if other['user'] == values['user'] and other['name'] == values['name'] and other['id'] != schedule_id:
                    errors['name'] = [('Schedule with this name already exists.', 'unique')]
                    break
        if errors:
            raise ApiError(400, errors)

    @staticmethod
    def render_window(window):
        """A disable time."""
        return {'id': window['id'], 'day': window['day'], 'start_time': window['start_time'],
                'end_time': window['end_time']}

    def renderer(self):
        """Render function sharing one count of the policies per schedule."""
        counts = self.svc.policies.schedule_counts()
        report_counts = self.svc.scheduled_reports.schedule_counts() if hasattr(self.svc, 'scheduled_reports') else {}
        scenario_counts = self.svc.scenarios.count_by_schedule() if hasattr(self.svc, 'scenarios') else {}

        def render(schedule):
            out = {'id': schedule['id'], 'name': schedule['name'], 'description': schedule['description'],
                   'user': schedule['user'], 'every_unit': schedule['every_unit'],
                   'every_how_many': schedule['every_how_many'], 'start_date': iso(schedule['start_date']),
                   'end_date': iso(schedule['end_date']), 'last_modified': iso(schedule['last_modified'])}
            for flag in ALLOW_ORDER:
                out[flag] = schedule[flag]
            out['disable_times'] = [self.render_window(window) for window in schedule['disable_times']]
            out['timezone'] = schedule['timezone']
            out['num_policies'] = counts.get(schedule['id'], 0)
            out['num_recovery_scenarios'] = scenario_counts.get(schedule['id'], 0)  # part 2 (D31)
            out['num_scheduled_reports'] = report_counts.get(schedule['id'], 0)  # part 3 (D78)
            return out
        return render

    def visible(self, call, schedule_id):
        """A schedule visible to the caller, or 404."""
        schedule = self.schedules.get(schedule_id)
        if schedule is None or not call.can_see(schedule['user']):
            raise not_found()
        return schedule

    # -- handlers ------------------------------------------------------------------
    def create(self, call):
        """POST /api/schedules/ -> 201 (Ch.2 sample 2.1.1)"""
        values = validate(CREATE_SPEC, call.body_dict(), self.svc.lookup(call))
        call.check_owner_for_create(values['user'])
        if call.user['user_type'] == 'delegate' and values['user'] != call.owner['id']:
            raise forbidden()
        probe = dict(values, start_date=values['start_date'] if values['start_date'] is not None else call.now)
        self._check(probe, None)
        schedule = self.add(values, call.now)
        return self.svc.respond(call, 201, self.renderer()(schedule))

    def list(self, call):
        """GET /api/schedules/ (Ch.2 sample 2.1.3: every_unit orders by frequency)"""
        policies = self.svc.policies.policies
        items = [s for s in self.schedules.values() if call.can_see(s['user'])]

        def in_policy(schedule, raw):
            try:
                policy = policies.get(int(raw))
            except ValueError as exc:
                raise invalid('policy', 'Select a valid choice. That choice is not one of the available choices.',
                              'invalid_choice') from exc
            return policy is not None and schedule['id'] in policy['schedules']

        def in_report(schedule, raw):
            try:
                report_id = int(raw)
            except ValueError as exc:
                raise invalid('scheduled_report', 'Select a valid choice. That choice is not one of the available '
                              'choices.', 'invalid_choice') from exc
            reports = getattr(self.svc, 'scheduled_reports', None)  # part 3 (D78)
            return reports is not None and reports.uses_schedule(report_id, schedule['id'])

        related = {}
        for policy in policies.values():
            for schedule_id in policy['schedules']:
                related.setdefault(schedule_id, []).extend((policy['name'], policy['description']))
        ordering = dict((flag, _getter(flag)) for flag in ALLOW_ORDER)
        ordering.update({'end_date': lambda s: s['end_date'], 'every_how_many': lambda s: s['every_how_many'],
                         'every_unit': lambda s: UNIT_RANK[s['every_unit']], 'name': lambda s: s['name'],
                         'start_date': lambda s: s['start_date'],
                         'username': lambda s: self.svc.directory.username(s['user'])})
        items = apply_list(
            call, items,
            filters={'policy': exact(None, in_policy), 'scheduled_report': exact(None, in_report),
                     'user': exact(lambda s: s['user'], 'int')},
            search=[lambda s: s['name'], lambda s: s['description'], lambda s: related.get(s['id'], [])],
            ordering=ordering)
        return page_response(call, items, self.renderer())

    def get(self, call):
        """GET /api/schedules/{id}/"""
        return self.svc.respond(call, 200, self.renderer()(self.visible(call, call.param_id())))

    def update(self, call):
        """PUT /api/schedules/{id}/ (Ch.2 sample 2.1.2: ``user`` is not part of the body)"""
        schedule = self.visible(call, call.param_id())
        mode = 'merge' if self.svc.config['put_semantics'] == 'merge' else 'replace'
        current = dict(schedule, disable_times=[self.render_window(w) for w in schedule['disable_times']])
        values = validate(UPDATE_SPEC, call.body_dict(), self.svc.lookup(call), current=current, mode=mode)
        if values['start_date'] is None:
            values['start_date'] = call.now if mode == 'replace' or schedule['start_date'] is None else schedule['start_date']
        self._check(dict(values, user=schedule['user']), schedule['id'])
        body = call.body_dict()
        windows = schedule['disable_times']
        if 'disable_times' in body or mode == 'replace':
            old = dict(((w['day'], w['start_time'], w['end_time']), w['id']) for w in schedule['disable_times'])
            windows = []
            for item in values['disable_times']:
                key = (item.get('day') or 'A', item['start_time'], item['end_time'])
                windows.append(self._window(item, old.pop(key, None)))
        schedule.update(values)
        schedule['disable_times'] = windows
        schedule['last_modified'] = call.now
        return self.svc.respond(call, 200, self.renderer()(schedule))

    def delete(self, call):
        """DELETE /api/schedules/{id}/ -> 204 (policies lose the schedule, D13)"""
        schedule = self.visible(call, call.param_id())
        for policy in self.svc.policies.policies.values():
            if schedule['id'] in policy['schedules']:
                policy['schedules'] = [sid for sid in policy['schedules'] if sid != schedule['id']]
        del self.schedules[schedule['id']]
        return self.svc.respond(call, 204, None)

    # -- disable times -------------------------------------------------------------
    def disable_create(self, call):
        """POST /api/schedules/{schedule_id}/disable_times/ -> 201"""
        schedule = self.visible(call, call.param_id('schedule_id'))
        values = validate(DISABLE_SPEC, call.body_dict())
        window = self._window(values)
        schedule['disable_times'].append(window)
        schedule['last_modified'] = call.now
        return self.svc.respond(call, 201, self.render_window(window))

    def disable_list(self, call):
        """GET /api/schedules/{schedule_id}/disable_times/"""
        schedule = self.visible(call, call.param_id('schedule_id'))
        return page_response(call, list(schedule['disable_times']), self.render_window)

    def _window_of(self, call):
        schedule = self.visible(call, call.param_id('schedule_id'))
        wanted = call.param_id()
        for window in schedule['disable_times']:
            if window['id'] == wanted:
                return schedule, window
        raise not_found()

    def disable_get(self, call):
        """GET /api/schedules/{schedule_id}/disable_times/{id}/"""
        return self.svc.respond(call, 200, self.render_window(self._window_of(call)[1]))

    def disable_delete(self, call):
        """DELETE /api/schedules/{schedule_id}/disable_times/{id}/ -> 204"""
        schedule, window = self._window_of(call)
        schedule['disable_times'] = [w for w in schedule['disable_times'] if w['id'] != window['id']]
        schedule['last_modified'] = call.now
        return self.svc.respond(call, 204, None)

    def run_times(self, call):
        """GET /api/schedules/{schedule_id}/run_times/?days_ahead=N"""
        schedule = self.visible(call, call.param_id('schedule_id'))
        rows = run_times(schedule, call.now, days_ahead_param(call))
        return self.svc.respond(call, 200, rows)


def _getter(key):
    """``item[key]``"""
    return lambda item: item[key]
