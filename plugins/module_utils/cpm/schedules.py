# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM schedules (seed Ch.22): the schedule, its weekdays, its disable times, its future run times.

Readings: ``user`` is create-only (the Ch.2 PUT sample has none);
``every_how_many`` is required in POST and PUT; the weekdays are the seven
``allow_on_*`` flags (every day when a schedule does not show them, as the
Ch.2 list sample); disable times are converged through their own endpoints
(1.2.0: POST and DELETE, no PUT), and sent inline only on create (and, before
API 1.2.0, in the PUT): the seed does not say what an inline list in a PUT
does.  A full-body PUT carries the current disable times unchanged, so that
neither a merging nor a replacing server loses them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import DISABLE_DAY, SCHEDULE_UNIT
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import (
    ChildSet, CPMField, CPMResourceType, DaysField, parse_time_of_day,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, pattern, matches

TIMEZONE_RE = pattern(r'[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+){0,3}')
WRITABLE = ('name', 'description', 'every_unit', 'every_how_many', 'start_date', 'end_date', 'timezone',
            'allow_on_sunday', 'allow_on_monday', 'allow_on_tuesday', 'allow_on_wednesday', 'allow_on_thursday',
            'allow_on_friday', 'allow_on_saturday', 'disable_times')


def _timezone(value):
    text = str(value).strip()
    if text and not matches(TIMEZONE_RE, text):
        raise ValueError('%r is not a time zone name such as Europe/Berlin or UTC' % (value,))
    return text


def schedule_fields():
    return [
        CPMField('name'),
        CPMField('description', nullable=True),
        CPMField('every_unit', kind='code', code=SCHEDULE_UNIT),
        CPMField('every_how_many', kind='int', minimum=1),
        CPMField('start_date', kind='datetime'),
        CPMField('end_date', kind='datetime', nullable=True),
        CPMField('timezone', normalize=_timezone, nullable=True),
        DaysField('days'),
        CPMField('user', kind='raw', create_only=True, parse=as_id),
    ]


def disable_time(item, option):
    """A wanted disable time, canonical: ``(day letter, HH:MM:SS, HH:MM:SS)``."""
    if not isinstance(item, dict):
        raise ValidationError(option, 'expected a dictionary with day, start_time and end_time, got %r' % (item,))
    unknown = set(item) - set(('day', 'start_time', 'end_time'))
    if unknown:
        raise ValidationError(option, 'unknown keys %s (day, start_time, end_time)' % ', '.join(sorted(unknown)))
    for key in ('start_time', 'end_time'):
        if item.get(key) in (None, ''):
            raise ValidationError('%s.%s' % (option, key), 'is required')
    day = DISABLE_DAY.to_api(item.get('day') or 'every_day', '%s.day' % option)
    return (day, parse_time_of_day(item['start_time'], '%s.start_time' % option),
            parse_time_of_day(item['end_time'], '%s.end_time' % option))


def window_identity(item):
    """The identity of a disable time from the API or from :func:`disable_time`."""
    if isinstance(item, tuple):
        return item
    return (item.get('day') or 'A', _hms(item.get('start_time')), _hms(item.get('end_time')))


def _hms(value):
    try:
        return parse_time_of_day(value, 'time')
    except ValidationError:
        return value


def window_body(ident):
    return {'day': ident[0], 'start_time': ident[1], 'end_time': ident[2]}


def window_view(item):
    ident = window_identity(item)
    out = {'day': DISABLE_DAY.readable(ident[0]), 'day_code': ident[0], 'start_time': ident[1], 'end_time': ident[2]}
    if isinstance(item, dict) and item.get('id') is not None:
        out['id'] = item['id']
    return out


class ScheduleType(CPMResourceType):
    kind = 'schedule'
    feature = 'schedules'
    list_path = create_path = 'schedules/'
    get_path = update_path = delete_path = 'schedules/{id}/'
    writable = WRITABLE

    def __init__(self, client, params=None, module=None):
        super(ScheduleType, self).__init__(client, params)
        self.fields = schedule_fields()
        self.refs = Refs(client, module)
        self.module = module
        self._owner = None
        #: The wanted disable times (identities) sent inline on create, or None.
        self.windows = None

    def owner(self):
        if self._owner is None:
            self._owner = self.refs.owner(self.params.get('user'), 'user')
        return self._owner

    def list_params(self):
        if self.params.get('user') not in (None, ''):
            return {'user': self.owner()}
        return {}

    def validate(self, desired):
        start, end = desired.get('start_date'), desired.get('end_date')
        if start is not None and end not in (None, '') and end <= start:
            raise ValidationError('end_date', 'must be later than start_date')

    def resolve(self, desired):
        wanted = dict(desired)
        if wanted.get('user') not in (None, ''):
            wanted['user'] = self.refs.user_id(wanted['user'], 'user')
        return wanted

    def create_defaults(self):
        return {'user': self.owner()}

    def create(self, payload):
        if 'every_how_many' not in payload:
            raise ValidationError('every_how_many', 'is required to create a schedule')
        if self.windows is not None:
            payload = dict(payload, disable_times=[window_body(w) for w in self.windows])
        return super(ScheduleType, self).create(payload)

    def put_body(self, current, payload):
        body = super(ScheduleType, self).put_body(current, payload)
        body['disable_times'] = [window_body(window_identity(w)) for w in current.get('disable_times') or ()]
        if self.windows is not None and not self.client.has('disable_times'):
            body['disable_times'] = [window_body(w) for w in self.windows]  # before 1.2.0: inline only
        return body

    def disable_times(self, schedule_id, warn=None):
        return ChildSet(self.client, 'schedules/%d/disable_times/' % as_id(schedule_id), 'disable time',
                        identity=window_identity, body=window_body, view=window_view, feature='disable_times',
                        warn=warn)

    def view(self, flat):
        return schedule_view(flat)


def schedule_view(flat):
    """A schedule as modules return it: every_unit readable (letter in every_unit_code), days, disable times."""
    if not flat:
        return {}
    out = dict(flat)
    out['every_unit'] = SCHEDULE_UNIT.readable(flat.get('every_unit'))
    out['every_unit_code'] = flat.get('every_unit')
    out['days'] = DaysField().from_api(flat)
    out['disable_times'] = [window_view(w) for w in flat.get('disable_times') or ()]
    return out
