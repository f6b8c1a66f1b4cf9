# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alerts (Ch.6): produced by CPM itself (failed or partial backups, DR and copy-to-S3 failures, resource-control
operations, worker tests), listed, read and deleted by their user (D74)."""

import time

from ..core import AdminError
from .api import Family, Route, detail, iso, not_found, page_response
from .helpers import empty, register_knobs

SEVERITIES = ('I', 'W', 'E', 'C')
KNOBS = {'alerts_delete_all_empty': '204'}
KNOB_CHOICES = {'alerts_delete_all_empty': ('204', '404')}
STATUS_TEXT = {'A': 'partially successful', 'S': 'not all snapshots succeeded'}


class AlertsFamily(Family):
    """``/api/alerts/``"""

    name = 'alerts'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.alerts = {}
        self.seq = 0
        self.seen = {}          # backup id -> the phases already alerted ('backup', 'dr', 's3')

    def routes(self):
        return [
            Route('GET', 'alerts/', self.list, '1.2.0', None, 4534),
            Route('DELETE', 'alerts/', self.delete_all, '1.2.0', None, 4637),
            Route('GET', 'alerts/{id}/', self.get, '1.2.0', None, 4666),
            Route('DELETE', 'alerts/{id}/', self.delete, '1.2.0', None, 4762),
        ]

    # -- producing -------------------------------------------------------------------------
    def add(self, user, severity, category, title, message, when, policy=None):
        """A new alert of a user."""
        self.seq += 1
        alert = {'id': self.seq, 'user': user, 'severity': severity, 'category': category, 'title': title,
                 'message_body': message, 'alert_time': when, 'policy': policy}
        self.alerts[alert['id']] = alert
        return alert

    def sync(self):
        """Alerts for finished backups (computed lazily, once per backup and phase: backup, DR, copy to S3)."""
        backups = self.svc.backups.backups
        for backup in backups.values():
            if backup['end_time'] is None:
                continue
            seen = self.seen.setdefault(backup['id'], set())
            if len(seen) == 3:
                continue
            name, policy = backup['policy_name'], backup['policy']
            if 'backup' not in seen:
                seen.add('backup')
                status = backup['outcome'] if backup['status'] in ('D', 'M', 'G') else backup['status']
                if status == 'F':
                    self.add(backup['user'], 'E', 'Backup', 'Backup failed',
                             'Backup %d of policy %s failed.' % (backup['id'], name), backup['end_time'], policy)
                elif status in ('A', 'S'):
                    self.add(backup['user'], 'W', 'Backup', 'Backup partially successful',
                             'Backup %d of policy %s: %s.' % (backup['id'], name, STATUS_TEXT[status]),
                             backup['end_time'], policy)
            if 'dr' not in seen and backup['dr_status'] not in ('P', 'I'):
                seen.add('dr')
                if backup['dr_status'] == 'F':
                    self.add(backup['user'], 'E', 'DR', 'DR copy failed',
                             'DR of backup %d of policy %s failed.' % (backup['id'], name),
                             backup.get('dr_end') or backup['end_time'], policy)
            if 's3' not in seen and (not backup['s3_on'] or backup['s3_status'] not in ('Z', 'I', 'P', 'G')):
                seen.add('s3')
                if backup['s3_on'] and backup['s3_status'] in ('F', 'R'):
                    failed = backup['s3_status'] == 'F'
                    self.add(backup['user'], 'E' if failed else 'W', 'Copy to S3',
                             'Copy to S3 %s' % ('failed' if failed else 'partially copied'),
                             'Copy to S3 of backup %d of policy %s %s.' % (
                                 backup['id'], name, 'failed' if failed else 'copied only part of the snapshots'),
                             backup.get('s3_end') or backup['end_time'], policy)
        if len(self.seen) > len(backups):
            for backup_id in [b for b in self.seen if b not in backups]:
                del self.seen[backup_id]

    # -- API ---------------------------------------------------------------------------
    @staticmethod
    def render(alert):
        """An alert."""
        return {'alert_time': iso(alert['alert_time']), 'category': alert['category'], 'id': alert['id'],
                'message_body': alert['message_body'], 'policy': alert['policy'], 'severity': alert['severity'],
                'title': alert['title'], 'user': alert['user']}

    def _own(self, call):
        self.sync()
        owner = call.owner['id'] if call.owner else None
        return [a for a in self.alerts.values() if a['user'] == owner and a['alert_time'] <= call.now]

    def list(self, call):
        """GET /api/alerts/ (the caller's own alerts; a delegate sees its original user's)"""
        return page_response(call, self._own(call), self.render)

    def _alert(self, call):
        wanted = call.param_id()
        for alert in self._own(call):
            if alert['id'] == wanted:
                return alert
        raise not_found()

    def get(self, call):
        """GET /api/alerts/{id}/"""
        return self.svc.respond(call, 200, self.render(self._alert(call)))

    def delete(self, call):
        """DELETE /api/alerts/{id}/ -> 204"""
        del self.alerts[self._alert(call)['id']]
        return empty(204)

    def delete_all(self, call):
        """DELETE /api/alerts/ -> 204 (every own alert; none left: 204 or 404, knob alerts_delete_all_empty)"""
        own = self._own(call)
        if not own and self.svc.config['alerts_delete_all_empty'] == '404':
            raise detail(404, 'Not found.', 'not_found')
        for alert in own:
            del self.alerts[alert['id']]
        return empty(204)

    def user_deleted(self, uid):
        """Drop a deleted user's alerts (D60)."""
        for alert_id in [a['id'] for a in self.alerts.values() if a['user'] == uid]:
            del self.alerts[alert_id]

    # -- admin -------------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'alerts' and method == 'POST':
            user = params.get('user', 1)
            if user not in self.svc.directory.users:
                raise AdminError(404, 'user %r not found' % (user,))
            severity = params.get('severity', 'E')
            if severity not in SEVERITIES:
                raise AdminError(400, 'severity must be one of I, W, E, C')
            policy = params.get('policy')
            if policy is not None and policy not in self.svc.policies.policies:
                raise AdminError(404, 'policy %r not found' % (policy,))
            alert = self.add(user, severity, str(params.get('category') or 'System'),
                             str(params.get('title') or 'Simulated alert'),
                             str(params.get('message_body') or 'An alert raised by the simulator.'),
                             time.time(), policy)
            return {'ok': True, 'alert': self.render(alert)}
        if action == 'alerts' and method == 'GET':
            self.sync()
            return {'alerts': [self.render(a) for a in self.alerts.values()]}
        return NotImplemented
