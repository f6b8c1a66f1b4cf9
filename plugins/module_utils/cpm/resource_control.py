# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM resource control (Ch.18): groups, on/off schedules, instance and RDS targets, start/stop now, records.

Readings:

* A group is found by name among its owner's groups (names unique per owner);
  ``account`` is create-only.
* Schedules have no PUT: the wanted rows are the whole set, converged with
  POST and DELETE (:class:`~.resource.ChildSet`).  A row is
  ``(turn_off_day, turn_off_time, turn_on_day, turn_on_time)``; a null
  turn-on day means the turn-off day, so a turn-on day equal to the turn-off
  day is the same row.  The seed does not say which order two times of one
  day must have; the modules refuse identical moments and a turn-off before
  the turn-on on the same day (a row is one working period), and rows on
  different days pass whatever CPM's reading.
* Instance and RDS targets have no PUT either: each kind is a set of AWS ids
  (with their region), converged with POST and DELETE.
* Start/stop now answers 202 **without a handle** (an empty body): the
  operation is followed on ``records/?group=<id>&ordering=-start_time``: the
  ids of the group's records are read before the call, and the operation is
  the first record that was not there (it may appear some time after the
  call).  412 means "not now" (group disabled, no target, turn-off only, or an
  operation already running: a running operation of the same kind is
  followed instead of starting another).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm import administration  # noqa: F401 pylint: disable=unused-import
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import Code
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import (
    ChildSet, CPMField, CPMResourceType, parse_time_of_day,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, PARTIAL, RUNNING, SUCCESS, UNKNOWN, Job
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import VERIFIED, look_after_lost, settle_time_of
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

RC_AUTO_REMOVE = Code('auto_remove_resource', [('N', 'keep', 'No'), ('Y', 'remove', 'Yes'),
                                               ('A', 'remove_and_alert', 'Yes and alert')])
OFF_DAY = Code('turn_off_day', [
    ('A', 'every_day', 'Every Day'), ('M', 'monday', 'Monday'), ('T', 'tuesday', 'Tuesday'),
    ('W', 'wednesday', 'Wednesday'), ('H', 'thursday', 'Thursday'), ('F', 'friday', 'Friday'),
    ('S', 'saturday', 'Saturday'), ('U', 'sunday', 'Sunday')])
ON_DAY = Code('turn_on_day', [row for row in OFF_DAY.rows if row[0] != 'A'])
RC_STATUS = Code('status', [('I', 'initializing', 'Initializing'), ('P', 'in_progress', 'In Progress'),
                            ('B', 'successful', 'Operation Successful'),
                            ('A', 'partially_successful', 'Operation Partially Successful'),
                            ('S', 'not_all_succeeded', 'Operation Partially Successful'),
                            ('F', 'failed', 'Operation Failed')])
RC_OPERATION = Code('operation', [('R', 'start', 'Turn On'), ('S', 'stop', 'Turn Off')])
TARGET_KINDS = ('instances', 'rds_databases')
GROUP_WRITABLE = ('name', 'description', 'enabled', 'auto_remove_resource', 'hibernate', 'operation_mode', 'timeout')


def group_fields():
    return [
        CPMField('name'),
        CPMField('description', nullable=True),
        CPMField('enabled', kind='bool'),
        CPMField('auto_remove_resource', kind='code', code=RC_AUTO_REMOVE),
        CPMField('hibernate', kind='bool'),
        CPMField('operation_mode'),
        CPMField('timeout', kind='int', minimum=1),
        CPMField('account', kind='raw', create_only=True, parse=as_id),
    ]


class GroupType(CPMResourceType):
    kind = 'group'
    feature = 'resource_control'
    perm = 'backup'
    list_path = create_path = 'resource_control/groups/'
    get_path = update_path = delete_path = 'resource_control/groups/{id}/'
    writable = GROUP_WRITABLE
    name_filter = 'search'

    def __init__(self, client, params=None):
        super(GroupType, self).__init__(client, params)
        self.fields = group_fields()

    def view(self, flat):
        out = dict(flat or {})
        if flat:
            out['auto_remove_resource'] = RC_AUTO_REMOVE.readable(flat.get('auto_remove_resource'))
            out['auto_remove_resource_code'] = flat.get('auto_remove_resource')
        return out


# -- schedules --------------------------------------------------------------------------------------------------

def schedule_row(item, option):
    """A wanted on/off row, canonical: ``(off day letter, HH:MM:SS, on day letter or None, HH:MM:SS)``."""
    if not isinstance(item, dict):
        raise ValidationError(option, 'expected a dictionary with turn_off_time and turn_on_time')
    off_day = OFF_DAY.to_api(item.get('turn_off_day') or 'every_day', '%s.turn_off_day' % option)
    on_day = item.get('turn_on_day')
    on_day = ON_DAY.to_api(on_day, '%s.turn_on_day' % option) if on_day not in (None, '') else None
    for key in ('turn_off_time', 'turn_on_time'):
        if item.get(key) in (None, ''):
            raise ValidationError('%s.%s' % (option, key), 'is required')
    off = parse_time_of_day(item['turn_off_time'], '%s.turn_off_time' % option)
    on = parse_time_of_day(item['turn_on_time'], '%s.turn_on_time' % option)
    if on_day == off_day:
        on_day = None
    if on_day is None:
        if off == on:
            raise ValidationError(option, 'turn_off_time and turn_on_time are the same moment of the same day')
        if off < on:
            raise ValidationError(option, 'on the same day the turn-off time (%s) is before the turn-on time (%s): a '
                                  'row is one working period (turn on, then turn off later); for a downtime inside '
                                  'a day, or one that spans days, give turn_on_day' % (off, on))
    return (off_day, off, on_day, on)


def row_identity(item):
    if isinstance(item, tuple):
        return item
    off_day = item.get('turn_off_day') or 'A'
    on_day = item.get('turn_on_day') or None
    if on_day == off_day:
        on_day = None
    return (off_day, _hms(item.get('turn_off_time')), on_day, _hms(item.get('turn_on_time')))


def _hms(value):
    try:
        return parse_time_of_day(value, 'time')
    except ValidationError:
        return value


def row_body(ident):
    body = {'turn_off_day': ident[0], 'turn_off_time': ident[1], 'turn_on_time': ident[3]}
    if ident[2] is not None:
        body['turn_on_day'] = ident[2]
    return body


def row_view(item):
    ident = row_identity(item)
    out = {'turn_off_day': OFF_DAY.readable(ident[0]), 'turn_off_time': ident[1],
           'turn_on_day': ON_DAY.readable(ident[2]) if ident[2] else None, 'turn_on_time': ident[3]}
    if isinstance(item, dict) and item.get('id') is not None:
        out['id'] = item['id']
    return out


def schedules_set(client, group_id, warn=None):
    return ChildSet(client, 'resource_control/groups/%d/schedules/' % as_id(group_id), 'on/off schedule',
                    identity=row_identity, body=row_body, view=row_view, feature='resource_control', warn=warn)


# -- targets ------------------------------------------------------------------------------------------------------

def target_identity(item):
    if isinstance(item, tuple):
        return item
    return (item.get('aws_region'), item.get('aws_resource_id'))


def target_body(ident):
    return {'aws_region': ident[0], 'aws_resource_id': ident[1]}


def target_view(item):
    return dict(item) if isinstance(item, dict) else target_body(item)


def targets_set(client, group_id, kind, warn=None):
    return ChildSet(client, 'resource_control/groups/%d/targets/%s/' % (as_id(group_id), kind),
                    kind[:-1].replace('_', ' ') if kind != 'rds_databases' else 'RDS database',
                    identity=target_identity, body=target_body, view=target_view, feature='resource_control', warn=warn)


# -- start / stop now ---------------------------------------------------------------------------------------------

def record_state(record):
    status = (record or {}).get('status')
    if status in ('I', 'P'):
        return RUNNING, RC_STATUS.readable(status)
    if status == 'B':
        return SUCCESS, RC_STATUS.readable(status)
    if status in ('A', 'S'):
        return PARTIAL, RC_STATUS.readable(status)
    if status == 'F':
        return FAILED, RC_STATUS.readable(status)
    return UNKNOWN, status


def record_view(record):
    out = dict(record or {})
    if record:
        out['status'] = RC_STATUS.readable(record.get('status'))
        out['status_code'] = record.get('status')
        out['operation'] = RC_OPERATION.readable(record.get('operation'))
        out['operation_code'] = record.get('operation')
    return out


class OperationJob(Job):
    """Start or stop a group now; the operation is the group's first record that was not there before the call."""

    check_hint = 'the resource control records of the group (GET /api/resource_control/records/?group=ID)'

    def __init__(self, client, group, operation, attach=True):
        self.client = client
        self.group = group
        self.gid = as_id(group['id'])
        self.operation = operation
        self.letter = 'R' if operation == 'start' else 'S'
        self.attach = attach
        self.what = '%s of resource control group %s' % (operation, group.get('name'))
        self.before = None

    def records(self):
        return self.client.list('resource_control/records/', {'group': self.gid, 'ordering': '-start_time'},
                                feature='resource_control')

    def existing(self):
        records = self.records()
        self.before = set(as_id(r.get('id')) for r in records)
        for record in records:
            if record.get('status') in ('I', 'P'):
                if record.get('operation') == self.letter and self.attach:
                    return {'id': as_id(record['id']), 'record': record}
                raise ValidationError('operation', 'operation %s (%s) of group %s is running; CPM runs one at a time: '
                                      'try again when it has ended' % (
                                          record.get('id'), RC_OPERATION.readable(record.get('operation')),
                                          self.group.get('name')))
        return None

    def start(self):
        answer = self.client.post('resource_control/groups/%d/%s/' % (self.gid, self.operation), {},
                                  feature='resource_control', perm='backup')
        if isinstance(answer, dict) and answer.get('id') is not None:
            return {'id': as_id(answer['id']), 'record': answer}  # a server that answers with the record
        try:
            record = self.new_record()  # usually listed at once; else found while polling
        except ApiError:
            record = None
        return {'id': as_id(record['id']) if record else None}

    def find_started(self):
        record = self.new_record()
        return {'id': as_id(record['id']), 'record': record} if record else None

    def new_record(self):
        for record in self.records():
            if as_id(record.get('id')) not in (self.before or set()) and record.get('operation') in (None, self.letter):
                return record
        return None

    def on_start_error(self, err):
        if err.status == 412:
            if self.attach and 'progress' in (err.message or ''):
                # An operation CPM started but does not list yet (records may appear late): follow it when it shows.
                outcome = look_after_lost(self.new_record, settle_time_of(self.client))
                if outcome.state == VERIFIED and outcome.found.get('operation') in (None, self.letter):
                    return {'id': as_id(outcome.found['id']), 'record': outcome.found}
            err.message = ('%s. CPM cannot %s group %s now: it is disabled, has no target, turns resources off only, '
                           'or an operation is running' % (err.message, self.operation, self.group.get('name')))
        return None

    def poll(self, handle):
        if handle.get('id') is None:
            record = self.new_record()
            if record is None:
                return None  # not visible yet: CPM may list the record some time after the call
            handle['id'] = as_id(record['id'])
            return record
        return self.client.get_or_none('resource_control/records/%d/' % handle['id'], feature='resource_control')

    def classify(self, handle, observation):
        if observation is None:
            return RUNNING, 'waiting for the operation record to appear'
        return record_state(observation)

    def operation_id(self, handle):
        return handle.get('id') if isinstance(handle, dict) else handle
