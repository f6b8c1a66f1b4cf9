# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resource control (Ch.18): groups, on/off schedules, instance and RDS targets, start/stop now, operation
records and their logs (D66-D68)."""

from ..core import AdminError
from .api import F, Family, Route, apply_list, exact, forbidden, invalid, iso, not_found, page_response, precondition, validate
from .directory import REGION_BY_NAME
from .helpers import log_entry, log_list, put_mode, register_knobs, str_ids

GROUP_UPDATE = {
    'name': F('str', required=True, blank=False, name_rule=True),
    'description': F('str', nullable=True, default=None, text=True),
    'enabled': F('bool', default=True),
    'auto_remove_resource': F('choice', choices=('N', 'Y', 'A'), default='N'),
    'hibernate': F('bool', default=False),
    'operation_mode': F('choice', choices=('on-off', 'off'), default='on-off'),
    'timeout': F('int', min_value=1, default=30),
}
GROUP_CREATE = dict(GROUP_UPDATE, account=F('pk', required=True, model='backup_account'))
GROUP_FIELDS = ('account', 'auto_remove_resource', 'description', 'enabled', 'hibernate', 'id', 'last_modified', 'name',
                'operation_mode', 'timeout', 'user')
WEEKDAYS = ('M', 'T', 'W', 'H', 'F', 'S', 'U')
SCHEDULE_SPEC = {
    'turn_off_day': F('choice', choices=('A',) + WEEKDAYS, default='A'),
    'turn_off_time': F('time', required=True),
    'turn_on_day': F('choice', choices=WEEKDAYS, nullable=True, default=None),
    'turn_on_time': F('time', required=True),
}
TARGET_SPEC = {'aws_region': F('str', required=True, blank=False), 'aws_resource_id': F('str', required=True, blank=False)}
KINDS = ('instances', 'rds_databases')
KNOBS = {'rc_seconds': 1.0, 'rc_start_delay': 0.0, 'rc_start_body': 'empty', 'rc_schedule_order': 'on_before_off',
         'license_resource_control': True, 'license_max_rc_resources': 0}
KNOB_CHOICES = {'rc_start_body': ('empty', 'record'), 'rc_schedule_order': ('on_before_off', 'off_before_on', 'none')}
RUNNING = ('I', 'P')
FINAL = ('B', 'A', 'S', 'F')
STATUS_TEXT = {'B': 'Operation Successful', 'A': 'Operation Partially Successful',
               'S': 'Operation Partially Successful', 'F': 'Operation Failed'}


def _seconds(hms):
    hours, minutes, seconds = (int(part) for part in hms.split(':'))
    return hours * 3600 + minutes * 60 + seconds


def weekly_off_hours(schedule):
    """Hours per week a schedule row keeps the resources off (D67: turn-on day null = the turn-off day)."""
    off, on = _seconds(schedule['turn_off_time']), _seconds(schedule['turn_on_time'])
    if schedule['turn_off_day'] == 'A':
        if schedule['turn_on_day'] is None:
            return 7 * ((on - off) % 86400) / 3600.0
        return 168.0 - ((off - on) % 86400) / 3600.0  # on once a week until that day's turn-off, else off
    off_moment = WEEKDAYS.index(schedule['turn_off_day']) * 86400 + off
    on_day = schedule['turn_on_day'] or schedule['turn_off_day']
    on_moment = WEEKDAYS.index(on_day) * 86400 + on
    return ((on_moment - off_moment) % (7 * 86400)) / 3600.0


class ResourceControlFamily(Family):
    """``/api/resource_control/groups/...`` and ``/api/resource_control/records/...``."""

    name = 'rc'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.groups = {}
        self.seq = 0
        self.schedules = {}
        self.schedule_seq = 0
        self.targets = {}
        self.target_seq = 0
        self.records = {}
        self.record_seq = 0
        self.running = {}
        self.fail_next = {}

    # -- routes ------------------------------------------------------------------------
    def routes(self):
        base = 'resource_control/groups/'
        return [
            Route('POST', base, self.group_create, '1.2.0', 'backup', 37063),
            Route('GET', base, self.group_list, '1.2.0', None, 37269),
            Route('POST', base + '{group_id}/schedules/', self.schedule_create, '1.2.0', 'backup', 37444),
            Route('GET', base + '{group_id}/schedules/', self.schedule_list, '1.2.0', None, 37629),
            Route('GET', base + '{group_id}/schedules/{id}/', self.schedule_get, '1.2.0', None, 37784),
            Route('DELETE', base + '{group_id}/schedules/{id}/', self.schedule_delete, '1.2.0', 'backup', 37906),
            Route('GET', base + '{group_id}/targets/', self.target_list_all, '1.2.0', None, 37955),
            Route('POST', base + '{group_id}/targets/instances/', self._bind(self.target_create, 'instances'), '1.2.0',
                  'backup', 38062),
            Route('GET', base + '{group_id}/targets/instances/', self._bind(self.target_list, 'instances'), '1.2.0', None,
                  38188),
            Route('GET', base + '{group_id}/targets/instances/{id}/', self._bind(self.target_get, 'instances'), '1.2.0',
                  None, 38298),
            Route('DELETE', base + '{group_id}/targets/instances/{id}/', self._bind(self.target_delete, 'instances'),
                  '1.2.0', 'backup', 38399),
            Route('POST', base + '{group_id}/targets/rds_databases/', self._bind(self.target_create, 'rds_databases'),
                  '1.2.0', 'backup', 38448),
            Route('GET', base + '{group_id}/targets/rds_databases/', self._bind(self.target_list, 'rds_databases'),
                  '1.2.0', None, 38585),
            Route('GET', base + '{group_id}/targets/rds_databases/{id}/', self._bind(self.target_get, 'rds_databases'),
                  '1.2.0', None, 38711),
            Route('DELETE', base + '{group_id}/targets/rds_databases/{id}/',
                  self._bind(self.target_delete, 'rds_databases'), '1.2.0', 'backup', 38828),
            Route('GET', base + '{id}/', self.group_get, '1.2.0', None, 38876),
            Route('PUT', base + '{id}/', self.group_update, '1.2.0', 'backup', 39006),
            Route('DELETE', base + '{id}/', self.group_delete, '1.2.0', 'backup', 39212),
            Route('POST', base + '{id}/start/', self._bind(self.operate, 'start'), '1.2.0', 'backup', 39254),
            Route('POST', base + '{id}/stop/', self._bind(self.operate, 'stop'), '1.2.0', 'backup', 39302),
            Route('GET', 'resource_control/records/', self.record_list, '1.2.0', None, 39350),
            Route('GET', 'resource_control/records/{id}/', self.record_get, '1.2.0', None, 39527),
            Route('DELETE', 'resource_control/records/{id}/', self.record_delete, '1.2.0', 'backup', 39635),
            Route('GET', 'resource_control/records/{id}/logs/', self.record_logs, '1.2.0', None, 39678, csv='both'),
        ]

    @staticmethod
    def _bind(method, kind):
        def handler(call):
            return method(call, kind)
        handler.__doc__ = method.__doc__
        return handler

    # -- housekeeping ----------------------------------------------------------------------
    def advance(self, now):
        accounts = self.svc.accounts.accounts
        for group_id in [g['id'] for g in self.groups.values() if g['account'] not in accounts]:
            self.remove_group(group_id)  # the account was deleted
        for target in list(self.targets.values()):
            gone = target['res'].get('state') == 'terminated' or target['res'].get('status') == 'deleted'
            group = self.groups.get(target['group'])
            if gone and group is not None and group['auto_remove_resource'] in ('Y', 'A'):
                del self.targets[target['id']]
                if group['auto_remove_resource'] == 'A' and getattr(self.svc, 'alerts', None) is not None:
                    self.svc.alerts.add(group['user'], 'W', 'Resource Control', 'Resource removed from group',
                                        'Resource %s no longer exists and was removed from resource control group %s.'
                                        % (target['aws_id'], group['name']), when=now)
        if not self.running:
            return
        duration = float(self.svc.config['rc_seconds'])
        for record in list(self.running.values()):
            begin = record['begin']
            if record['status'] == 'I' and now >= begin + 0.1 * duration:
                record['status'] = 'P'
                record['logs'].append(log_entry(begin + 0.1 * duration, 'Info', 'Operation in progress.'))
            if now >= begin + duration:
                self._finish(record, begin + duration)

    def user_deleted(self, uid):
        """Drop a deleted user's groups (D60)."""
        for group_id in [g['id'] for g in self.groups.values() if g['user'] == uid]:
            self.remove_group(group_id)

    def remove_group(self, group_id):
        """Delete a group with its schedules, targets and operation records (D66)."""
        self.groups.pop(group_id, None)
        for store in (self.schedules, self.targets, self.records):
            for item_id in [i['id'] for i in store.values() if i['group'] == group_id]:
                del store[item_id]
        for record_id in [r for r, rec in self.running.items() if rec['group'] == group_id]:
            del self.running[record_id]

    # -- groups ------------------------------------------------------------------------
    def render_group(self, group):
        """A resource control group."""
        out = dict((name, group.get(name)) for name in GROUP_FIELDS)
        out['last_modified'] = iso(group['last_modified'])
        return out

    def visible_group(self, call, group_id):
        """A group the caller reaches, or 404."""
        group = self.groups.get(group_id)
        if group is None or not call.can_see(group['user']):
            raise not_found()
        return group

    def _unique(self, values, user_id, group_id):
        if not self.svc.config['unique_names']:
            return
        for other in self.groups.values():
            if other['user'] == user_id and other['name'] == values['name'] and other['id'] != group_id:
                raise invalid('name', 'Resource control group with this name already exists.', 'unique')

    def group_create(self, call):
        """POST /api/resource_control/groups/ -> 201 (the owner is the account's owner)"""
        values = validate(GROUP_CREATE, call.body_dict(), self.svc.lookup(call))
        account = self.svc.accounts.accounts[values['account']]
        self._unique(values, account['user'], None)
        self.seq += 1
        group = dict(values, id=self.seq, user=account['user'], last_modified=call.now, savings=None)
        self.groups[group['id']] = group
        return self.svc.respond(call, 201, self.render_group(group))

    def group_list(self, call):
        """GET /api/resource_control/groups/ (filters account, user; search name, account name)"""
        accounts = self.svc.accounts.accounts
        items = [g for g in self.groups.values() if call.can_see(g['user'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda g: g['account'], 'int'), 'user': exact(lambda g: g['user'], 'int')},
            search=[lambda g: g['name'], lambda g: accounts[g['account']]['name'] if g['account'] in accounts else None],
            ordering={'account': lambda g: g['account'], 'enabled': lambda g: g['enabled'], 'name': lambda g: g['name'],
                      'timeout': lambda g: g['timeout'], 'username': lambda g: self.svc.directory.username(g['user'])})
        return page_response(call, items, self.render_group)

    def group_get(self, call):
        """GET /api/resource_control/groups/{id}/"""
        return self.svc.respond(call, 200, self.render_group(self.visible_group(call, call.param_id())))

    def group_update(self, call):
        """PUT /api/resource_control/groups/{id}/ (``account`` is create-only)"""
        group = self.visible_group(call, call.param_id())
        values = validate(GROUP_UPDATE, call.body_dict(), None, current=group, mode=put_mode(self.svc))
        self._unique(values, group['user'], group['id'])
        group.update(values)
        group['last_modified'] = call.now
        return self.svc.respond(call, 200, self.render_group(group))

    def group_delete(self, call):
        """DELETE /api/resource_control/groups/{id}/ -> 204 (schedules, targets and records go too)"""
        self.remove_group(self.visible_group(call, call.param_id())['id'])
        return self.svc.respond(call, 204, None)

    # -- schedules (D67) --------------------------------------------------------------------
    def render_schedule(self, schedule):
        """An on/off schedule row."""
        out = {'group': schedule['group'], 'id': schedule['id'], 'last_modified': iso(schedule['last_modified']),
               'turn_off_day': schedule['turn_off_day'], 'turn_off_time': schedule['turn_off_time'],
               'turn_on_day': schedule['turn_on_day'], 'turn_on_time': schedule['turn_on_time']}
        return str_ids(self.svc, out, ('group',))

    def _check_schedule(self, values):
        rule = self.svc.config['rc_schedule_order']
        same_day = values['turn_on_day'] in (None, values['turn_off_day'])  # a null turn-on day is the turn-off day
        off, on = values['turn_off_time'], values['turn_on_time']
        if same_day and off == on:
            raise invalid('non_field_errors', 'The turn-on time must differ from the turn-off time on the same day.')
        if same_day and rule == 'on_before_off' and off < on:
            raise invalid('non_field_errors', 'On the same day the turn-off time (%s) must be later than the turn-on '
                          'time (%s).' % (off, on))
        if same_day and rule == 'off_before_on' and on < off:
            raise invalid('non_field_errors', 'On the same day the turn-on time (%s) must be later than the turn-off '
                          'time (%s).' % (on, off))

    def schedule_create(self, call):
        """POST /api/resource_control/groups/{group_id}/schedules/ -> 201"""
        group = self.visible_group(call, call.param_id('group_id'))
        values = validate(SCHEDULE_SPEC, call.body_dict())
        self._check_schedule(values)
        self.schedule_seq += 1
        schedule = dict(values, id=self.schedule_seq, group=group['id'], last_modified=call.now)
        self.schedules[schedule['id']] = schedule
        return self.svc.respond(call, 201, self.render_schedule(schedule))

    def schedule_list(self, call):
        """GET /api/resource_control/groups/{group_id}/schedules/ (filter group; ordering as the seed lists)"""
        group = self.visible_group(call, call.param_id('group_id'))
        items = [s for s in self.schedules.values() if s['group'] == group['id']]
        items = apply_list(
            call, items, filters={'group': exact(lambda s: s['group'], 'int')},
            ordering={'account': lambda s: group['account'], 'group': lambda s: s['group'],
                      'last_modified': lambda s: s['last_modified'], 'marked_for_deletion': lambda s: False,
                      'status': lambda s: 0, 'turn_off_day': lambda s: s['turn_off_day'],
                      'turn_on_day': lambda s: s['turn_on_day']})
        return page_response(call, items, self.render_schedule)

    def _schedule(self, call):
        group = self.visible_group(call, call.param_id('group_id'))
        schedule = self.schedules.get(call.param_id())
        if schedule is None or schedule['group'] != group['id']:
            raise not_found()
        return schedule

    def schedule_get(self, call):
        """GET /api/resource_control/groups/{group_id}/schedules/{id}/"""
        return self.svc.respond(call, 200, self.render_schedule(self._schedule(call)))

    def schedule_delete(self, call):
        """DELETE /api/resource_control/groups/{group_id}/schedules/{id}/ -> 204"""
        del self.schedules[self._schedule(call)['id']]
        return self.svc.respond(call, 204, None)

    # -- targets ----------------------------------------------------------------------------
    @staticmethod
    def render_target(target):
        """An instance or RDS target in its kind's shape (RDS iops and storage are strings, L38535-L38569)."""
        res = target['res']
        if target['kind'] == 'instances':
            return {'aws_region': target['region'], 'aws_resource_id': res['aws_id'],
                    'aws_resource_type': res['instance_type'], 'id': target['id'], 'image_id': res['image_id'],
                    'name': res['name'], 'resource_type': 'instances', 'root_device_type': res['root_device_type'],
                    'state': res['state']}
        return {'aws_region': target['region'], 'aws_resource_id': res['aws_id'], 'engine': res['engine'],
                'id': target['id'], 'instance_class': res['db_class'], 'iops': str(res['iops']),
                'publicly_accessible': res['publicly_accessible'], 'resource_type': 'rds_databases',
                'status': res['status'], 'storage': str(res['storage']), 'zone': res['zone']}

    def target_create(self, call, kind):
        """POST /api/resource_control/groups/{group_id}/targets/{instances|rds_databases}/ -> 201"""
        group = self.visible_group(call, call.param_id('group_id'))
        values = validate(TARGET_SPEC, call.body_dict())
        region, aws_id = values['aws_region'], values['aws_resource_id']
        if region not in REGION_BY_NAME:
            raise invalid('aws_region', '"%s" is not a valid choice.' % region, 'invalid_choice')
        inventory = self.svc.inventory
        resource = inventory.find(group['account'], region, kind, aws_id)
        if resource is None:
            if self.svc.config['strict_inventory']:
                raise invalid('aws_resource_id', 'Resource %s was not found in %s.' % (aws_id, region))
            resource = inventory.add_instance(group['account'], region, aws_id, aws_id=aws_id) if kind == 'instances' \
                else inventory.add_simple(group['account'], region, 'rds_databases', aws_id, aws_id=aws_id)
        for other in self.targets.values():
            if other['account'] == group['account'] and other['aws_id'] == resource['aws_id'] and \
                    other['region'] == region:
                where = 'this' if other['group'] == group['id'] else 'another'
                raise invalid('aws_resource_id', 'This resource already belongs to %s resource control group.' % where,
                              'unique')
        limit = self.svc.config['license_max_rc_resources']
        if limit and len(self.targets) >= limit:
            raise forbidden('The number of resources allowed by the license (%d) has been reached.' % limit)
        self.target_seq += 1
        target = {'id': self.target_seq, 'group': group['id'], 'kind': kind, 'account': group['account'],
                  'region': region, 'aws_id': resource['aws_id'], 'res': resource}
        self.targets[target['id']] = target
        group['last_modified'] = call.now
        return self.svc.respond(call, 201, self.render_target(target))

    def _of_group(self, group_id, kind=None):
        return [t for t in self.targets.values() if t['group'] == group_id and (kind is None or t['kind'] == kind)]

    def target_list_all(self, call):
        """GET /api/resource_control/groups/{group_id}/targets/ (instance shape, as the seed's schema; D66)"""
        group = self.visible_group(call, call.param_id('group_id'))

        def render(target):
            if target['kind'] == 'instances':
                return self.render_target(target)
            res = target['res']
            return {'aws_region': target['region'], 'aws_resource_id': res['aws_id'], 'aws_resource_type': res['db_class'],
                    'id': target['id'], 'image_id': None, 'name': res['name'], 'resource_type': 'rds_databases',
                    'root_device_type': None, 'state': res['status']}
        return page_response(call, self._of_group(group['id']), render)

    def target_list(self, call, kind):
        """GET /api/resource_control/groups/{group_id}/targets/{instances|rds_databases}/"""
        group = self.visible_group(call, call.param_id('group_id'))
        return page_response(call, self._of_group(group['id'], kind), self.render_target)

    def _target(self, call, kind):
        group = self.visible_group(call, call.param_id('group_id'))
        target = self.targets.get(call.param_id())
        if target is None or target['group'] != group['id'] or target['kind'] != kind:
            raise not_found()
        return group, target

    def target_get(self, call, kind):
        """GET /api/resource_control/groups/{group_id}/targets/{instances|rds_databases}/{id}/"""
        return self.svc.respond(call, 200, self.render_target(self._target(call, kind)[1]))

    def target_delete(self, call, kind):
        """DELETE /api/resource_control/groups/{group_id}/targets/{instances|rds_databases}/{id}/ -> 204"""
        group, target = self._target(call, kind)
        del self.targets[target['id']]
        group['last_modified'] = call.now
        return self.svc.respond(call, 204, None)

    # -- start / stop now (D68) --------------------------------------------------------------
    def operate(self, call, action):
        """POST /api/resource_control/groups/{id}/start|stop/ -> 202 (``{}``, or the record: knob rc_start_body)"""
        group = self.visible_group(call, call.param_id())
        if not group['enabled']:
            raise precondition('The resource control group is disabled.')
        targets = self._of_group(group['id'])
        if not targets:
            raise precondition('The resource control group has no targets.')
        if action == 'start' and group['operation_mode'] == 'off':
            raise precondition('The resource control group turns its resources off only (operation_mode "off").')
        if any(r['group'] == group['id'] for r in self.running.values()):
            raise precondition('An operation of this resource control group is already in progress.')
        plan = self.fail_next.pop(group['id'], None) or self.fail_next.pop(None, None) or 'B'
        record = self.start(group, action, targets, call.now + float(self.svc.config['rc_start_delay']), plan)
        if self.svc.config['rc_start_body'] == 'record':
            return self.svc.respond(call, 202, self.render_record(record))
        return self.svc.respond(call, 202, {})

    def start(self, group, action, targets, begin, plan='B'):
        """A new operation record (status I from ``begin``)."""
        self.record_seq += 1
        record = {'id': self.record_seq, 'group': group['id'], 'group_name': group['name'], 'account': group['account'],
                  'user': group['user'], 'operation': 'R' if action == 'start' else 'S', 'action': action,
                  'begin': begin, 'end_time': None, 'status': 'I', 'outcome': plan, 'marked_for_deletion': False,
                  'hibernate': group['hibernate'], 'aws_ids': [t['aws_id'] for t in targets],
                  'target_ids': [t['id'] for t in targets], 'logs': []}
        record['logs'].append(log_entry(begin, 'Info', '%s of resource control group %s requested (%d resources).' % (
            'Start' if action == 'start' else 'Stop', group['name'], len(targets))))
        self.records[record['id']] = record
        self.running[record['id']] = record
        if float(self.svc.config['rc_seconds']) <= 0:
            self._finish(record, begin)
        return record

    def _finish(self, record, when):
        outcome = record['outcome']
        starting = record['action'] == 'start'
        failed_first = outcome in ('A', 'S')
        for index, target_id in enumerate(record['target_ids']):
            target = self.targets.get(target_id)
            if target is None:
                continue
            res = target['res']
            ok = outcome == 'B' or (failed_first and index > 0)
            if ok:
                if target['kind'] == 'instances':
                    res['state'] = 'running' if starting else 'stopped'
                else:
                    res['status'] = 'available' if starting else 'stopped'
                verb = 'started' if starting else ('hibernated' if record['hibernate'] and target['kind'] == 'instances'
                                                   else 'stopped')
                record['logs'].append(log_entry(when, 'Info', 'Resource %s %s.' % (res['aws_id'], verb)))
            else:
                record['logs'].append(log_entry(when, 'Error', 'Failed to %s resource %s.' % (
                    'start' if starting else 'stop', res['aws_id'])))
        record['status'] = outcome
        record['end_time'] = when
        record['logs'].append(log_entry(when, 'Info' if outcome == 'B' else 'Error', 'Operation finished: %s.' %
                                        STATUS_TEXT[outcome]))
        self.running.pop(record['id'], None)
        if outcome != 'B' and getattr(self.svc, 'alerts', None) is not None:
            self.svc.alerts.add(record['user'], 'E' if outcome == 'F' else 'W', 'Resource Control',
                                'Resource control operation %s' % STATUS_TEXT[outcome].lower(),
                                'Operation %d of resource control group %s: %s.' % (
                                    record['id'], record['group_name'], STATUS_TEXT[outcome]), when=when)
        if record['marked_for_deletion']:
            self.records.pop(record['id'], None)

    # -- records ----------------------------------------------------------------------------
    def render_record(self, record):
        """An operation record."""
        out = {'account': record['account'], 'end_time': iso(record['end_time']), 'group': record['group'],
               'id': record['id'], 'marked_for_deletion': record['marked_for_deletion'],
               'operation': record['operation'], 'start_time': iso(record['begin']), 'status': record['status']}
        return str_ids(self.svc, out, ('group',))

    def _licensed(self):
        if not self.svc.config['license_resource_control']:
            raise forbidden('Resource control is not enabled in the license.')

    def visible_records(self, call):
        """Records the caller reaches that have started."""
        return [r for r in self.records.values() if call.can_see(r['user']) and r['begin'] <= call.now]

    def record_list(self, call):
        """GET /api/resource_control/records/ (filters, search by resource id, ordering)"""
        self._licensed()
        term = call.q('search')
        items = self.visible_records(call)
        if term and term.strip():
            lowered = term.strip().lower()
            items = [r for r in items if any(lowered in aws_id.lower() for aws_id in r['aws_ids'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda r: r['account'], 'int'), 'group': exact(lambda r: r['group'], 'int'),
                     'id': exact(lambda r: r['id'], 'int'),
                     'marked_for_deletion': exact(lambda r: r['marked_for_deletion'], 'bool'),
                     'status': exact(lambda r: r['status']), 'user': exact(lambda r: r['user'], 'int')},
            ordering={'account': lambda r: r['account'], 'end_time': lambda r: r['end_time'],
                      'group': lambda r: r['group'], 'marked_for_deletion': lambda r: r['marked_for_deletion'],
                      'start_time': lambda r: r['begin'], 'status': lambda r: r['status'],
                      'username': lambda r: self.svc.directory.username(r['user'])})
        return page_response(call, items, self.render_record)

    def _record(self, call):
        record = self.records.get(call.param_id())
        if record is None or not call.can_see(record['user']) or record['begin'] > call.now:
            raise not_found()
        return record

    def record_get(self, call):
        """GET /api/resource_control/records/{id}/"""
        self._licensed()
        return self.svc.respond(call, 200, self.render_record(self._record(call)))

    def record_delete(self, call):
        """DELETE /api/resource_control/records/{id}/ -> 204 (a running one is marked, and goes when it ends)"""
        self._licensed()
        record = self._record(call)
        if record['status'] in RUNNING:
            record['marked_for_deletion'] = True
        else:
            del self.records[record['id']]
        return self.svc.respond(call, 204, None)

    def record_logs(self, call):
        """GET /api/resource_control/records/{id}/logs/ (JSON or text/csv)"""
        record = self._record(call)
        return log_list(call, record['logs'], 'resource_control_record_%d_logs.csv' % record['id'])

    # -- admin -------------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'fail-next-rc-operation' and method == 'POST':
            status = params.get('status', 'F')
            if status not in FINAL:
                raise AdminError(400, 'status must be one of B, A, S, F')
            group = params.get('group')
            if group is not None:
                try:
                    group = int(group)
                except (TypeError, ValueError) as exc:
                    raise AdminError(400, 'group must be an id') from exc
                if group not in self.groups:
                    raise AdminError(404, 'resource control group %s not found' % group)
            self.fail_next[group] = status
            return {'ok': True, 'group': group, 'status': status}
        if action == 'rc-records' and method == 'GET':
            return {'running': sorted(self.running),
                    'records': [dict(self.render_record(r), outcome=r['outcome'], aws_ids=list(r['aws_ids']),
                                     logs=list(r['logs'])) for r in self.records.values()]}
        return NotImplemented
