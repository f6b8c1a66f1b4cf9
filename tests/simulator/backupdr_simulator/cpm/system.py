# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""System (Ch.24: dashboard activity and state, support logs, time zones) and agents (Ch.5): D75, D76.

``GET system/version/``, ``regions/`` and ``resource_types/`` are part 1's (:mod:`.directory`).
"""

import bz2
import io
import tarfile
import time
from datetime import datetime, timezone as dt_timezone

from ..core import AdminError, Response
from .api import CPM_VERSIONS, F, Family, Route, apply_list, exact, invalid, iso, page_response, parse_datetime, validate
from .directory import ROOT_ID
from .helpers import q_bool, require_root_or_delegate
from .inventory import aws_hex

try:  # Python 3.9+
    from zoneinfo import ZoneInfo, available_timezones
except ImportError:  # pragma: no cover
    ZoneInfo = None
    available_timezones = None

FALLBACK_ZONES = ('UTC', 'Africa/Johannesburg', 'America/Chicago', 'America/Los_Angeles', 'America/New_York',
                  'America/Sao_Paulo', 'Asia/Jerusalem', 'Asia/Kolkata', 'Asia/Singapore', 'Asia/Tokyo',
                  'Australia/Sydney', 'Europe/Berlin', 'Europe/London', 'Europe/Paris')
PERIODS = {'day': 86400.0, 'week': 7 * 86400.0, 'month': 30 * 86400.0}
PROTECTED = (('protected_ddb_num', 'dynamodb_tables'), ('protected_efs_num', 'efs'),
             ('protected_instances_num', 'instances'), ('protected_rds_clus_num', 'rds_clusters'),
             ('protected_rds_db_num', 'rds_databases'), ('protected_redshift_num', 'redshift_clusters'),
             ('protected_volumes_num', 'volumes'))
SNAPSHOTS = (('snapshots_ddb_num', 'dynamodb_tables'), ('snapshots_dr_rds_clus_num', 'dr_rds_clusters'),
             ('snapshots_dr_rds_num', 'dr_rds_databases'), ('snapshots_dr_volume_num', 'dr_volumes'),
             ('snapshots_efs_num', 'efs'), ('snapshots_rds_clus_num', 'rds_clusters'),
             ('snapshots_rds_num', 'rds_databases'), ('snapshots_redshift_num', 'redshift_clusters'),
             ('snapshots_volume_num', 'volumes'))


class SystemFamily(Family):
    """``/api/system/dashboard/...``, ``support_logs/``, ``timezones/``; ``/api/agents/``."""

    name = 'system'

    def reset(self):
        self.zones = None
        self.agents = {}
        self.agent_seq = 0
        self.agents_configuration = None
        self.configurations = 0
        self.support_downloads = []

    def populate(self):
        name = 'main-web-1'  # root's instance in account 1 (D20's default estate): one agent after a reset
        self.add_agent(ROOT_ID, name, 'i-' + aws_hex(1, 'us-east-1', 'instance', name), time.time() - 60)

    def add_agent(self, user, name, aws_instance_id, last_heard_from):
        """A backup agent (CPM registers them; there is no create endpoint)."""
        self.agent_seq += 1
        agent = {'id': self.agent_seq, 'user': user, 'name': name, 'aws_instance_id': aws_instance_id,
                 'last_heard_from': last_heard_from}
        self.agents[agent['id']] = agent
        return agent

    def routes(self):
        return [
            Route('GET', 'agents/', self.agents_list, '1.1.0', None, 4327),
            Route('POST', 'agents/configuration/', self.agents_configure, '1.4.0', 'admin', 4468),
            Route('GET', 'system/dashboard/activity/', self.activity, '1.4.0', None, 48584),
            Route('GET', 'system/dashboard/state/', self.state, '1.4.0', None, 48673),
            Route('GET', 'system/support_logs/', self.support_logs, '1.1.0', None, 48801, csv='download'),
            Route('GET', 'system/timezones/', self.timezones, '1.4.0', None, 48877),
        ]

    def user_deleted(self, uid):
        """Drop a deleted user's agents (D60)."""
        for agent_id in [a['id'] for a in self.agents.values() if a['user'] == uid]:
            del self.agents[agent_id]

    # -- dashboard (D75) ----------------------------------------------------------------------
    def activity(self, call):
        """GET /api/system/dashboard/activity/?start_time= (backups started since then; default the last 24 h)"""
        raw = call.q('start_time')
        since = call.now - 86400.0
        if raw:
            try:
                since = parse_datetime(raw.strip())
            except ValueError as exc:
                raise invalid('start_time', 'Enter a valid date/time.') from exc
        counts = dict((key, 0) for key in ('backup_dr_fail_num', 'backup_dr_partial_num', 'backup_dr_success_num',
                                           'backup_fail_num', 'backup_partial_num', 'backup_s3_fail_num',
                                           'backup_s3_partial_num', 'backup_s3_success_num', 'backup_success_num'))
        for backup in self.svc.backups.backups.values():
            if not call.can_see(backup['user']) or backup['start_time'] < since or backup['begin'] > call.now:
                continue
            status = backup['outcome'] if backup['status'] in ('D', 'M', 'G') else backup['status']
            kind = {'B': 'success', 'A': 'partial', 'S': 'partial', 'F': 'fail'}.get(status)
            if kind:
                counts['backup_%s_num' % kind] += 1
            kind = {'C': 'success', 'F': 'fail'}.get(backup['dr_status'])
            if kind:
                counts['backup_dr_%s_num' % kind] += 1
            if backup['s3_on']:
                kind = {'S': 'success', 'V': 'success', 'R': 'partial', 'F': 'fail'}.get(backup['s3_status'])
                if kind:
                    counts['backup_s3_%s_num' % kind] += 1
        return self.svc.respond(call, 200, counts)

    def state(self, call):
        """GET /api/system/dashboard/state/ (accounts, policies, protected resources, snapshots kept)"""
        svc = self.svc
        policies = [p for p in svc.policies.policies.values() if call.can_see(p['user'])]
        out = {'accounts_num': sum(1 for a in svc.accounts.accounts.values() if call.can_see(a['user'])),
               'policies_num': len(policies)}
        ids = set(p['id'] for p in policies)
        per_kind = {}
        for target in svc.targets.targets.values():
            if target['policy'] in ids:
                per_kind[target['kind']] = per_kind.get(target['kind'], 0) + 1
        for key, kind in PROTECTED:
            out[key] = per_kind.get(kind, 0)
        per_family = {}
        for record in svc.backups.snapshots.values():
            if call.can_see(record['user']) and record['deletion_time'] is None and record['succeeded']:
                per_family[record['family']] = per_family.get(record['family'], 0) + 1
        for key, family in SNAPSHOTS:
            out[key] = per_family.get(family, 0)
        return svc.respond(call, 200, dict(sorted(out.items())))

    # -- support logs (D75) ---------------------------------------------------------------------
    def support_logs(self, call):
        """GET /api/system/support_logs/ (root and his delegates): a tar.bz2, whatever Accept says"""
        require_root_or_delegate(call)
        period_name = call.q('collect_backup_logs_period') or 'week'
        if period_name not in PERIODS:
            raise invalid('collect_backup_logs_period', '"%s" is not a valid choice.' % period_name, 'invalid_choice')
        permissions = q_bool(call, 'check_aws_permissions')
        system_logs = q_bool(call, 'collect_system_logs')
        worker_logs = q_bool(call, 'collect_worker_logs')
        svc = self.svc
        members = {}
        version = CPM_VERSIONS[svc.config['api_version']]
        members['cpm_server.log'] = '%s INFO CPM %s (API %s): support logs collected by %s\n' % (
            iso(call.now), version, svc.config['api_version'], call.user['username'])
        since = call.now - PERIODS[period_name]
        lines = []
        for backup in svc.backups.backups.values():
            if backup['start_time'] >= since:
                lines.extend('%s %s backup %d (policy %s): %s\n' % (row['log_time'], row['log_type'].upper(),
                                                                    backup['id'], backup['policy_name'], row['log'])
                             for row in backup['logs'])
        members['backup_logs/backups_%s.log' % period_name] = ''.join(lines)
        if system_logs:
            entries = list(svc.simulator.requests)[-500:] if svc.simulator is not None else []
            members['system_logs/apache_access.log'] = ''.join(
                '%s "%s %s" %s\n' % (iso(e['time']), e['method'], e['path'].split('?', 1)[0], e['status'])
                for e in entries if e['service'] == svc.name)
        if worker_logs:
            workers = getattr(svc, 'workers', None)
            tests = workers.tests.values() if workers is not None else []
            members['worker_logs/workers.log'] = ''.join(
                '%s worker %d test of configuration %d: %s %s\n' % (
                    iso(t['start']), t['worker'], t['configuration'], t['session_status'],
                    t['test_session_fail_desc'] or '') for t in tests)
        if permissions:
            rows = []
            for account in svc.accounts.accounts.values():
                for row in svc.accounts.permission_rows(account):
                    rows.append('%s,%s,%s,%s\n' % (row['account_name'], row['account_number'], row['connection'],
                                                   '; '.join(row['groups'])))
            members['aws_permissions.csv'] = 'Account Name,Account Number,Connection,Groups\n' + ''.join(rows)
        data = io.BytesIO()
        with tarfile.open(fileobj=data, mode='w') as archive:
            for name in sorted(members):
                payload = members[name].encode('utf-8')
                info = tarfile.TarInfo('cpm_support_logs/' + name)
                info.size = len(payload)
                info.mtime = int(call.now)
                archive.addfile(info, io.BytesIO(payload))
        body = bz2.compress(data.getvalue())
        stamp = time.strftime('%Y%m%d%H%M%S', time.gmtime(call.now))
        self.support_downloads.append({'time': call.now, 'user': call.user['id'], 'members': sorted(members)})
        return Response(200, body, 'application/x-bzip2',
                        [('Content-Disposition', 'attachment; filename="cpm_support_logs_%s.tar.bz2"' % stamp)])

    # -- time zones ---------------------------------------------------------------------------
    def _zones(self):
        if self.zones is None:
            names = []
            if available_timezones is not None:
                try:
                    names = sorted(name for name in available_timezones()
                                   if '/' in name and not name.startswith(('Etc/', 'SystemV/', 'posix/', 'right/')))
                except Exception:  # pylint: disable=broad-except
                    names = []
            names = ['UTC'] + names if names else list(FALLBACK_ZONES)
            moment = datetime.now(dt_timezone.utc)
            zones = []
            for name in names:
                offset = '+00:00'
                if ZoneInfo is not None:
                    try:
                        delta = moment.astimezone(ZoneInfo(name)).utcoffset()
                        minutes = int(delta.total_seconds() // 60)
                        offset = '%s%02d:%02d' % ('-' if minutes < 0 else '+', abs(minutes) // 60, abs(minutes) % 60)
                    except Exception:  # pylint: disable=broad-except
                        pass
                zones.append({'display_name': '(UTC%s) %s' % (offset, name.replace('_', ' ')), 'id': name})
            self.zones = zones
        return self.zones

    def timezones(self, call):
        """GET /api/system/timezones/ ({id, display_name}; the IANA names that schedules accept)"""
        return page_response(call, list(self._zones()), dict)

    # -- agents (D76) ---------------------------------------------------------------------------
    def render_agent(self, agent):
        """A backup agent (related_policies: names of the policies protecting its instance)."""
        svc = self.svc
        related = []
        for target in svc.targets.targets.values():
            if target['kind'] == 'instances' and target['aws_id'] == agent['aws_instance_id']:
                policy = svc.policies.policies.get(target['policy'])
                if policy is not None and policy['user'] == agent['user'] and policy['name'] not in related:
                    related.append(policy['name'])
        return {'aws_instance_id': agent['aws_instance_id'], 'id': agent['id'],
                'last_heard_from': iso(agent['last_heard_from']), 'name': agent['name'],
                'related_policies': related, 'user': agent['user']}

    def agents_list(self, call):
        """GET /api/agents/ (filters aws_instance_id, name, user = username or id; search; ordering)"""
        directory = self.svc.directory

        def by_user(agent, raw):
            return raw in (directory.username(agent['user']), str(agent['user']))

        items = [a for a in self.agents.values() if call.can_see(a['user'])]
        items = apply_list(
            call, items,
            filters={'aws_instance_id': exact(lambda a: a['aws_instance_id']), 'name': exact(lambda a: a['name']),
                     'user': exact(None, by_user)},
            search=[lambda a: a['name'], lambda a: a['aws_instance_id']],
            ordering={'aws_instance_id': lambda a: a['aws_instance_id'], 'last_heard_from': lambda a: a['last_heard_from'],
                      'name': lambda a: a['name'], 'user': lambda a: a['user']})
        return page_response(call, items, self.render_agent)

    def agents_configure(self, call):
        """POST /api/agents/configuration/ {agents_configuration} -> 201 (root only; stored as given)"""
        values = validate({'agents_configuration': F('str', required=True, blank=False)}, call.body_dict())
        self.agents_configuration = values['agents_configuration']
        self.configurations += 1
        return self.svc.respond(call, 201, {'agents_configuration': self.agents_configuration})

    # -- admin -------------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'agents' and method == 'GET':
            return {'agents': [self.render_agent(a) for a in self.agents.values()],
                    'agents_configuration': self.agents_configuration, 'configurations': self.configurations}
        if action == 'agents' and method == 'POST':
            user = params.get('user', ROOT_ID)
            if user not in self.svc.directory.users:
                raise AdminError(404, 'user %r not found' % (user,))
            name = params.get('name')
            instance = params.get('aws_instance_id')
            if not isinstance(name, str) or not name or not isinstance(instance, str) or not instance:
                raise AdminError(400, '"name" and "aws_instance_id" are required')
            heard = params.get('last_heard_from')
            heard = time.time() if heard is None else float(heard)
            return {'ok': True, 'agent': self.render_agent(self.add_agent(user, name, instance, heard))}
        if action == 'support-logs' and method == 'GET':
            return {'downloads': list(self.support_downloads)}
        return NotImplemented
