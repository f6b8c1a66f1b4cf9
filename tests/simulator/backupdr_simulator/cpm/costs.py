# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cost explorer (Ch.9): blended snapshot storage costs per policy, cached resource-control savings (D69)."""

import calendar
import time

from .api import Family, Route, apply_list, exact, forbidden, invalid, iso, not_found, page_response, parse_datetime
from .helpers import empty, register_knobs
from .resource_control import weekly_off_hours

DAY = 86400.0
#: USD per GiB-month of snapshot storage, by snapshot family (others: GENERIC_GIB_MONTH).
GIB_MONTH = {'volumes': 0.05, 'dr_volumes': 0.05, 'copy_to_s3': 0.023, 'rds_databases': 0.095,
             'dr_rds_databases': 0.095, 'rds_clusters': 0.021, 'dr_rds_clusters': 0.021, 'redshift_clusters': 0.024,
             'dynamodb_tables': 0.1, 'efs': 0.05, 'dr_efs': 0.05}
GENERIC_GIB_MONTH = 0.05
#: Assumed snapshot sizes (GiB) of the families whose records carry no size.
DEFAULT_GIB = {'rds_databases': 20, 'dr_rds_databases': 20, 'rds_clusters': 10, 'dr_rds_clusters': 10,
               'redshift_clusters': 160, 'dynamodb_tables': 1, 'efs': 1, 'dr_efs': 1}
INSTANCE_HOURLY = {'t3.micro': 0.0104, 't3.small': 0.0208, 't3.medium': 0.0416, 't3.large': 0.0832, 'm5.large': 0.096}
RDS_HOURLY = {'db.t3.medium': 0.068, 'db.r5.large': 0.25}
DEFAULT_INSTANCE_HOURLY = 0.1
DEFAULT_RDS_HOURLY = 0.2
KNOBS = {'cost_read_shape': 'object'}
KNOB_CHOICES = {'cost_read_shape': ('object', 'array')}


def add_month(epoch):
    """The same moment one calendar month later (UTC)."""
    moment = time.gmtime(epoch)
    year, month = (moment.tm_year + 1, 1) if moment.tm_mon == 12 else (moment.tm_year, moment.tm_mon + 1)
    day = min(moment.tm_mday, calendar.monthrange(year, month)[1])
    return calendar.timegm((year, month, day, moment.tm_hour, moment.tm_min, moment.tm_sec, 0, 0, 0)) + epoch % 1


class CostsFamily(Family):
    """``/api/cost_explorer/backup_costs/`` and ``/api/cost_explorer/resource_control_savings/``."""

    name = 'costs'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.refreshes = 0

    def routes(self):
        base = 'cost_explorer/'
        return [
            Route('GET', base + 'backup_costs/', self.costs_list, '1.4.0', None, 20677),
            Route('GET', base + 'backup_costs/{id}/', self.costs_get, '1.4.0', None, 20828),
            Route('POST', base + 'resource_control_savings/', self.savings_refresh_all, '1.5.0', None, 20911),
            Route('GET', base + 'resource_control_savings/', self.savings_list, '1.4.0', None, 20945),
            Route('GET', base + 'resource_control_savings/{id}/', self.savings_get, '1.4.0', None, 21103),
            Route('PUT', base + 'resource_control_savings/{id}/', self.savings_refresh_one, '1.5.0', None, 21212),
        ]

    # -- permissions -----------------------------------------------------------------------
    def _allowed(self, call, licence=False):
        settings = getattr(self.svc, 'settings', None)
        if settings is not None and not settings.sections['cost_explorer']['enabled']:
            raise forbidden('Cost Explorer is disabled in the CPM settings.')
        if call.owner is None or not call.owner['profile'].get('allow_cost_explorer', True):
            raise forbidden('The user is not allowed to use Cost Explorer.')
        if licence and not self.svc.config['license_resource_control']:
            raise forbidden('Resource control is not enabled in the license.')

    def _shape(self, call, item):
        if self.svc.config['cost_read_shape'] == 'array':
            return self.svc.respond(call, 200, [item])
        return self.svc.respond(call, 200, item)

    # -- backup costs ----------------------------------------------------------------------
    def _frame(self, call):
        def parse(name):
            raw = call.q(name)
            if raw is None or raw.strip() == '':
                return None
            try:
                return parse_datetime(raw.strip())
            except ValueError as exc:
                raise invalid(name, 'Enter a valid date.') from exc
        end = parse('end_date')
        start = parse('start_date')
        if end is None:
            end = call.now
        if start is None:
            start = end - 30 * DAY
        if end < start:
            raise invalid('end_date', 'The end date must not be earlier than the start date.')
        return start, end

    def by_policy(self):
        """{policy id: [backup records]} (one pass over the backups per request)."""
        index = {}
        for backup in self.svc.backups.backups.values():
            index.setdefault(backup['policy'], []).append(backup)
        return index

    def blended_costs(self, backups_of_policy, start, end, now):
        """USD of the snapshot storage of a policy's backups between start and end (D69)."""
        backups = self.svc.backups
        total = 0.0
        for backup in backups_of_policy:
            for record_id in backup['snapshots']:
                record = backups.snapshots.get(record_id)
                if record is None or record['family'] in ('instances', 'initial_amis', 'only_amis', 'dr_initial_amis',
                                                          'only_dr_amis') or not record['succeeded']:
                    continue
                born = record['end_time'] or backup['start_time']
                gone = record['deletion_time'] if record['deletion_time'] is not None else now
                overlap = min(gone, end) - max(born, start)
                if overlap <= 0:
                    continue
                size = record.get('capacity') or DEFAULT_GIB.get(record['family'], 1)
                total += size * GIB_MONTH.get(record['family'], GENERIC_GIB_MONTH) * overlap / (30 * DAY)
        return round(total, 4)

    def _cost_item(self, policy, start, end, now, index):
        return {'blended_costs': self.blended_costs(index.get(policy['id'], ()), start, end, now),
                'end_date': time.strftime('%Y-%m-%d', time.gmtime(end)), 'policy': policy['id'],
                'start_date': time.strftime('%Y-%m-%d', time.gmtime(start)), 'user': policy['user']}

    def costs_list(self, call):
        """GET /api/cost_explorer/backup_costs/ (policy filters; start_date/end_date, default the last 30 days)"""
        self._allowed(call)
        start, end = self._frame(call)
        schedules = self.svc.schedules.schedules
        items = [p for p in self.svc.policies.policies.values() if call.can_see(p['user'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda p: p['account'], 'int'), 'user': exact(lambda p: p['user'], 'int'),
                     'schedules': exact(lambda p: p['schedules'], 'in')},
            search=[lambda p: p['name'], lambda p: p['description'],
                    lambda p: [schedules[s]['name'] for s in p['schedules'] if s in schedules],
                    lambda p: [schedules[s]['description'] for s in p['schedules'] if s in schedules]],
            ordering={'account': lambda p: p['account'], 'enabled': lambda p: p['enabled'],
                      'generations': lambda p: p['generations'], 'name': lambda p: p['name'],
                      'username': lambda p: self.svc.directory.username(p['user'])})
        index = self.by_policy()
        return page_response(call, items, lambda p: self._cost_item(p, start, end, call.now, index))

    def costs_get(self, call):
        """GET /api/cost_explorer/backup_costs/{id}/ ({id} is the policy; the last 30 days; object or array: knob)"""
        self._allowed(call)
        policy = self.svc.policies.visible(call, call.param_id())
        return self._shape(call, self._cost_item(policy, call.now - 30 * DAY, call.now, call.now, self.by_policy()))

    # -- resource control savings -------------------------------------------------------------
    def compute_savings(self, group, now):
        """A fresh savings prediction for a resource control group (one month from now)."""
        rc = self.svc.rc
        end = add_month(now)
        weekly = min(168.0, sum(weekly_off_hours(s) for s in rc.schedules.values() if s['group'] == group['id']))
        downtime = weekly / 168.0 * (end - now) / 3600.0 if group['enabled'] else 0.0
        hourly = 0.0
        for target in rc.targets.values():
            if target['group'] != group['id']:
                continue
            if target['kind'] == 'instances':
                hourly += INSTANCE_HOURLY.get(target['res'].get('instance_type'), DEFAULT_INSTANCE_HOURLY)
            else:
                hourly += RDS_HOURLY.get(target['res'].get('db_class'), DEFAULT_RDS_HOURLY)
        return {'start_time': now, 'end_time': end, 'total_downtime_hours': round(downtime, 2),
                'total_savings_usd': round(downtime * hourly, 2)}

    def _cached(self, group, now):
        if group.get('savings') is None:
            group['savings'] = self.compute_savings(group, now)
        return group['savings']

    def render_savings(self, group, now):
        """A group's cached prediction."""
        cached = self._cached(group, now)
        return {'account': group['account'], 'enabled': group['enabled'], 'end_time': iso(cached['end_time']),
                'id': group['id'], 'name': group['name'], 'start_time': iso(cached['start_time']),
                'total_downtime_hours': cached['total_downtime_hours'],
                'total_savings_usd': cached['total_savings_usd'], 'user': group['user']}

    def savings_list(self, call):
        """GET /api/cost_explorer/resource_control_savings/ (cached: refresh with POST or PUT {id})"""
        self._allowed(call, licence=True)
        accounts = self.svc.accounts.accounts
        items = [g for g in self.svc.rc.groups.values() if call.can_see(g['user'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda g: g['account'], 'int'), 'user': exact(lambda g: g['user'], 'int')},
            search=[lambda g: g['name'], lambda g: accounts[g['account']]['name'] if g['account'] in accounts else None],
            ordering={'account': lambda g: g['account'], 'enabled': lambda g: g['enabled'], 'name': lambda g: g['name'],
                      'timeout': lambda g: g['timeout'], 'username': lambda g: self.svc.directory.username(g['user'])})
        return page_response(call, items, lambda g: self.render_savings(g, call.now))

    def _group(self, call):
        group = self.svc.rc.groups.get(call.param_id())
        if group is None or not call.can_see(group['user']):
            raise not_found()
        return group

    def savings_get(self, call):
        """GET /api/cost_explorer/resource_control_savings/{id}/ (object or array: knob cost_read_shape)"""
        self._allowed(call, licence=True)
        return self._shape(call, self.render_savings(self._group(call), call.now))

    def savings_refresh_all(self, call):
        """POST /api/cost_explorer/resource_control_savings/ -> 200, no body (every group the caller reaches)"""
        self._allowed(call, licence=True)
        for group in self.svc.rc.groups.values():
            if call.can_see(group['user']):
                group['savings'] = self.compute_savings(group, call.now)
        self.refreshes += 1
        return empty(200)

    def savings_refresh_one(self, call):
        """PUT /api/cost_explorer/resource_control_savings/{id}/ (no body) -> 200, no body"""
        self._allowed(call, licence=True)
        group = self._group(call)
        group['savings'] = self.compute_savings(group, call.now)
        self.refreshes += 1
        return empty(200)
