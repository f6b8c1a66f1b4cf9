# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Recovery scenarios (Ch.15): scenarios, their targets, runs (dry or real) and run records with logs (D31-D33)."""

import json
import re
import time

from ..core import AdminError
from .api import (ApiError, F, Family, Route, apply_list, exact, invalid, iso, not_found, page_response,
                  parse_datetime, validate)
from .directory import REGION_BY_ID, REGION_BY_NAME, REGIONS
from .recoveries import RECOVER, RECOVERABLE, logs_response, str_ids, visible_exists

EMAIL_RE = re.compile(r'^[^@\s]+@[^@\s]+\.[^@\s]+$')
SCENARIO_SPEC = {
    'agent_script_timeout': F('int', min_value=1, default=100),
    'collect_script_output': F('bool', default=False),
    'description': F('str', nullable=True, default=None, text=True),
    'enable_agent_scripts': F('bool', default=False),
    'endure': F('bool', default=False),
    'name': F('str', default=''),
    'recipients': F('strs', default=[]),
    'recovery_destination_account': F('pk', nullable=True, default=None, model='account'),
    'recovery_destination_region': F('pk', nullable=True, default=None, model='region'),
    'schedule': F('pk', nullable=True, default=None, model='schedule'),
    'schedule_running_option': F('choice', choices=('D', 'R'), default='D'),
}
SCENARIO_CREATE_SPEC = dict(SCENARIO_SPEC, policy=F('pk', required=True))
TARGET_TYPES = ('I', 'V', 'R', 'A', 'C', 'D', 'E', 'S3I', 'S3V', 'DRV', 'DRR', 'DRA', 'DRE')
TARGET_UPDATE_SPEC = {
    'configuration': F('str', required=True, blank=False),
    'order': F('int', nullable=True, min_value=0, default=None),
    'recovery_type': F('choice', required=True, choices=TARGET_TYPES),
}
TARGET_CREATE_SPEC = dict(TARGET_UPDATE_SPEC, aws_region=F('str', required=True, blank=False),
                          aws_resource_id=F('str', required=True, blank=False))
RECORD_UPDATE_SPEC = {
    'dry_run_only': F('bool', default=False),
    'end_time': F('datetime', required=True),
    'start_time': F('datetime', required=True),
    'status': F('choice', required=True, choices=('P', 'R', 'A', 'F')),
}
RUN_SPEC = {'backup_id': F('pk', required=True), 'dry_run_only': F('bool', default=False)}
# scenario target type -> (snapshot family, recover action, policy target kind)
SOURCE = {
    'I': ('instances', 'recover', 'instances'), 'V': ('volumes', 'recover', 'volumes'),
    'R': ('rds_databases', 'recover', 'rds_databases'), 'A': ('rds_clusters', 'recover', 'rds_clusters'),
    'C': ('redshift_clusters', 'recover', 'redshift_clusters'), 'D': ('dynamodb_tables', 'recover', 'dynamodb_tables'),
    'E': ('efs', 'recover', 'efs'), 'S3I': ('instances', 'recover_from_s3', 'instances'),
    'S3V': ('volumes', 'recover_from_s3', 'volumes'), 'DRV': ('dr_volumes', 'recover', 'volumes'),
    'DRR': ('dr_rds_databases', 'recover', 'rds_databases'), 'DRA': ('dr_rds_clusters', 'recover', 'rds_clusters'),
    'DRE': ('dr_efs', 'recover', 'efs'),
}
REGION_DISP = dict((rid, disp) for rid, _name, disp in REGIONS)
SCENARIO_IDS = ('schedule', 'recovery_destination_account')
RECORD_IDS = ('recovery_scenario',)


def relaxed(spec):
    """The spec with its top-level fields optional (a scenario target's configuration, D32)."""
    out = {}
    for name, field in spec.items():
        copy = F(field.kind, required=False, default=field.default, choices=field.choices, nullable=True,
                 blank=field.blank, name_rule=field.name_rule, spec=field.spec, min_value=field.min_value,
                 model=field.model, write_only=field.write_only, text=field.text)
        out[name] = copy
    return out


class ScenariosFamily(Family):
    """``/api/recovery_scenarios/`` and below."""

    name = 'scenarios'

    def reset(self):
        self.scenarios = {}
        self.records = {}
        self.running = {}
        self.seq = 0
        self.target_seq = 0
        self.record_seq = 0

    def routes(self):
        base = 'recovery_scenarios/'
        return [
            Route('POST', base, self.create, '1.4.0', 'backup', 32522),
            Route('GET', base, self.list, '1.4.0', None, 32751),
            Route('GET', base + 'records/', self.records_list, '1.4.0', None, 32976),
            Route('GET', base + 'records/{id}/', self.record_get, '1.4.0', None, 33148),
            Route('PUT', base + 'records/{id}/', self.record_update, '1.0.0', 'recovery', 33249),
            Route('DELETE', base + 'records/{id}/', self.record_delete, '1.4.0', 'recovery', 33391),
            Route('GET', base + 'records/{id}/logs/', self.record_logs, '1.4.0', None, 33431, csv='both'),
            Route('GET', base + '{id}/', self.get, '1.4.0', None, 33500),
            Route('PUT', base + '{id}/', self.update, '1.4.0', 'backup', 33642),
            Route('DELETE', base + '{id}/', self.delete, '1.4.0', 'backup', 33879),
            Route('POST', base + '{scenario_id}/recover/', self.run, '1.4.0', 'recovery', 33920),
            Route('POST', base + '{scenario_id}/targets/', self.target_create, '1.4.0', 'backup', 34052),
            Route('GET', base + '{scenario_id}/targets/', self.target_list, '1.4.0', None, 34220),
            Route('GET', base + '{scenario_id}/targets/{id}/', self.target_get, '1.4.0', None, 34384),
            Route('PUT', base + '{scenario_id}/targets/{id}/', self.target_update, '1.4.0', 'backup', 34493),
            Route('DELETE', base + '{scenario_id}/targets/{id}/', self.target_delete, '1.4.0', 'backup', 34664),
        ]

    # -- model ---------------------------------------------------------------------------
    def advance(self, now):
        policies = self.svc.policies.policies
        for scenario_id in [s['id'] for s in self.scenarios.values() if s['policy'] not in policies]:
            del self.scenarios[scenario_id]  # a deleted policy takes its scenarios along (D31)
        for record in list(self.running.values()):
            self._drive(record, now)

    def count_by_schedule(self):
        """{schedule id: number of scenarios using it} (the schedules' ``num_recovery_scenarios``)."""
        counts = {}
        for scenario in self.scenarios.values():
            schedule = self._schedule(scenario)
            if schedule is not None:
                counts[schedule] = counts.get(schedule, 0) + 1
        return counts

    def _schedule(self, scenario):
        if scenario['schedule'] is not None and scenario['schedule'] not in self.svc.schedules.schedules:
            scenario['schedule'] = None  # a deleted schedule leaves its scenarios (D31)
        return scenario['schedule']

    def _destination(self, scenario):
        if scenario['recovery_destination_account'] is not None and \
                scenario['recovery_destination_account'] not in self.svc.accounts.accounts:
            scenario['recovery_destination_account'] = None
        return scenario['recovery_destination_account']

    # -- rendering -----------------------------------------------------------------------
    def render(self, scenario):
        """A scenario."""
        counts = {}
        for target in scenario['targets'].values():
            counts[target['recovery_type']] = counts.get(target['recovery_type'], 0) + 1
        out = {'agent_script_timeout': scenario['agent_script_timeout'],
               'collect_script_output': scenario['collect_script_output'], 'description': scenario['description'],
               'enable_agent_scripts': scenario['enable_agent_scripts'], 'endure': scenario['endure'],
               'id': scenario['id'], 'name': scenario['name'], 'policy': scenario['policy'],
               'recipients': list(scenario['recipients']),
               'recovery_destination_account': self._destination(scenario),
               'recovery_destination_region': scenario['recovery_destination_region'],
               'schedule': self._schedule(scenario), 'schedule_running_option': scenario['schedule_running_option'],
               'target_type_count': json.dumps(dict(sorted(counts.items())))}
        return str_ids(self.svc, out, SCENARIO_IDS)

    @staticmethod
    def render_target(target):
        """A scenario target."""
        return {'aws_region': target['aws_region'], 'aws_resource_id': target['aws_resource_id'],
                'configuration': target['configuration'], 'id': target['id'], 'order': target['order'],
                'recovery_type': target['recovery_type']}

    def render_record(self, record):
        """A scenario run record."""
        out = {'backup_record': record['backup_record'], 'backup_record_start_time': iso(record['backup_start']),
               'dry_run_only': record['dry_run'], 'end_time': iso(record['end']), 'id': record['id'],
               'recovery_scenario': record['scenario'], 'start_time': iso(record['begin']), 'status': record['status']}
        return str_ids(self.svc, out, RECORD_IDS)

    # -- lookups -------------------------------------------------------------------------
    def visible(self, call, scenario_id):
        """A scenario visible to the caller, or 404."""
        scenario = self.scenarios.get(scenario_id)
        if scenario is None or not call.can_see(scenario['user']):
            raise not_found()
        return scenario

    def _checks(self, values, user_id):
        errors = {}
        schedule = values.get('schedule')
        if schedule is not None and self.svc.schedules.schedules[schedule]['user'] != user_id:
            errors['schedule'] = [('Invalid pk "%s" - object does not exist.' % schedule, 'does_not_exist')]
        account = values.get('recovery_destination_account')
        if account is not None and self.svc.accounts.accounts[account]['user'] != user_id:
            errors['recovery_destination_account'] = [('Invalid pk "%s" - object does not exist.' % account,
                                                       'does_not_exist')]
        bad = [r for r in values.get('recipients') or [] if not EMAIL_RE.match(r)]
        if bad:
            errors['recipients'] = [('Enter a valid email address.', 'invalid')]
        if errors:
            raise ApiError(400, errors)

    # -- scenario handlers -----------------------------------------------------------------
    def create(self, call):
        """POST /api/recovery_scenarios/ -> 201 (the owner is the policy's owner)"""
        values = validate(SCENARIO_CREATE_SPEC, call.body_dict(), self.svc.lookup(call))
        policy = self.svc.policies.policies.get(values['policy'])
        if policy is None or not call.can_see(policy['user']):
            raise invalid('policy', 'Invalid pk "%s" - object does not exist.' % values['policy'], 'does_not_exist')
        self._checks(values, policy['user'])
        self.seq += 1
        scenario = dict(values, id=self.seq, user=policy['user'], targets={}, created=call.now)
        self.scenarios[scenario['id']] = scenario
        return self.svc.respond(call, 201, self.render(scenario))

    def list(self, call):
        """GET /api/recovery_scenarios/"""
        accounts = self.svc.accounts.accounts
        policies = self.svc.policies.policies

        def policy_field(scenario, name):
            policy = policies.get(scenario['policy'])
            return policy[name] if policy else None

        def account_name(account_id):
            account = accounts.get(account_id)
            return account['name'] if account else None

        def region_names(scenario):
            region = scenario['recovery_destination_region']
            return [REGION_BY_ID.get(region), REGION_DISP.get(region)] if region else []

        items = [s for s in self.scenarios.values() if call.can_see(s['user'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda s: policy_field(s, 'account'), 'int'),
                     'description': exact(lambda s: s['description']), 'name': exact(lambda s: s['name']),
                     'policy': exact(lambda s: s['policy'], 'int'),
                     'recovery_destination_account': exact(self._destination, 'int'),
                     'recovery_destination_region': exact(lambda s: s['recovery_destination_region'], 'int'),
                     'schedule': exact(self._schedule, 'int')},
            search=[lambda s: s['name'], lambda s: s['description'], lambda s: policy_field(s, 'name'),
                    lambda s: policy_field(s, 'description'), region_names],
            ordering={'from_account_name': lambda s: account_name(policy_field(s, 'account')),
                      'name': lambda s: s['name'], 'policy': lambda s: s['policy'],
                      'to_account_name': lambda s: account_name(self._destination(s)),
                      'to_region_name': lambda s: REGION_BY_ID.get(s['recovery_destination_region'])})
        return page_response(call, items, self.render)

    def get(self, call):
        """GET /api/recovery_scenarios/{id}/"""
        return self.svc.respond(call, 200, self.render(self.visible(call, call.param_id())))

    def update(self, call):
        """PUT /api/recovery_scenarios/{id}/ (``policy`` is create-only)"""
        scenario = self.visible(call, call.param_id())
        mode = 'merge' if self.svc.config['put_semantics'] == 'merge' else 'replace'
        current = dict(scenario, schedule=self._schedule(scenario),
                       recovery_destination_account=self._destination(scenario))
        values = validate(SCENARIO_SPEC, call.body_dict(), self.svc.lookup(call), current=current, mode=mode)
        self._checks(values, scenario['user'])
        scenario.update(values)
        return self.svc.respond(call, 200, self.render(scenario))

    def delete(self, call):
        """DELETE /api/recovery_scenarios/{id}/ -> 204 (its targets go too; runs keep their records)"""
        scenario = self.visible(call, call.param_id())
        del self.scenarios[scenario['id']]
        return self.svc.respond(call, 204, None)

    # -- targets ---------------------------------------------------------------------------
    def _covered(self, scenario, values):
        """400 unless the policy protects the resource in that region (D32)."""
        policy = self.svc.policies.policies[scenario['policy']]
        family, _action, kind = SOURCE[values['recovery_type']]
        region, resource = values['aws_region'], values['aws_resource_id']
        if region not in REGION_BY_NAME:
            raise invalid('aws_region', '"%s" is not a valid choice.' % region, 'invalid_choice')
        targets = self.svc.targets
        in_region = [t for t in targets.of_policy(policy['id']) if t['region'] == region]
        if not in_region:
            raise invalid('aws_region', 'Policy %s has no target in region %s.' % (policy['name'], region))
        found = False
        for target in in_region:
            if target['kind'] == kind and resource in (target['aws_id'], target['res'].get('name')):
                found = True
            elif kind == 'volumes' and target['kind'] == 'instances' and \
                    resource in [v['aws_id'] for v in targets.backed_up_volumes(target)]:
                found = True
        if not found:
            raise invalid('aws_resource_id', 'Resource %s in region %s is not protected by policy %s as %s.' % (
                resource, region, policy['name'], kind))
        if family.startswith('dr_') and not policy['dr']['dr_enabled']:
            raise invalid('recovery_type', 'Policy %s has no DR configured.' % policy['name'])
        if values['recovery_type'].startswith('S3') and not policy['copy_to_s3']['enabled']:
            raise invalid('recovery_type', 'Policy %s does not copy to S3.' % policy['name'])

    def parse_configuration(self, scenario, values):
        """The configuration JSON: an object valid for the target type's recover body (required fields optional)."""
        text = values['configuration']
        try:
            config = json.loads(text)
        except ValueError as exc:
            raise invalid('configuration', 'Value must be valid JSON.') from exc
        if not isinstance(config, dict):
            raise invalid('configuration', 'Expected a JSON object.')
        family, action, _kind = SOURCE[values['recovery_type']]
        spec = relaxed(RECOVER[(family, action)][0])
        owners = self.svc.directory.visible_owners(scenario['user'])
        try:
            validate(spec, config, visible_exists(self.svc, owners))
        except ApiError as exc:
            raise ApiError(400, dict(('configuration.%s' % field, items) for field, items in exc.errors.items())) \
                from exc
        return config

    def _target(self, call):
        scenario = self.visible(call, call.param_id('scenario_id'))
        target = scenario['targets'].get(call.param_id())
        if target is None:
            raise not_found()
        return scenario, target

    def target_create(self, call):
        """POST /api/recovery_scenarios/{scenario_id}/targets/ -> 201"""
        scenario = self.visible(call, call.param_id('scenario_id'))
        values = validate(TARGET_CREATE_SPEC, call.body_dict())
        self._covered(scenario, values)
        self.parse_configuration(scenario, values)
        for other in scenario['targets'].values():
            if (other['aws_region'], other['aws_resource_id'], other['recovery_type']) == (
                    values['aws_region'], values['aws_resource_id'], values['recovery_type']):
                raise invalid('aws_resource_id', 'This resource is already a target of the scenario.', 'unique')
        if values['order'] is None:
            values['order'] = max([t['order'] for t in scenario['targets'].values()] or [0]) + 1
        self.target_seq += 1
        target = dict(values, id=self.target_seq)
        scenario['targets'][target['id']] = target
        return self.svc.respond(call, 201, self.render_target(target))

    def target_list(self, call):
        """GET /api/recovery_scenarios/{scenario_id}/targets/"""
        scenario = self.visible(call, call.param_id('scenario_id'))
        items = apply_list(
            call, list(scenario['targets'].values()),
            filters={'aws_resource_id': exact(lambda t: t['aws_resource_id']), 'order': exact(lambda t: t['order'], 'int'),
                     'recovery_type': exact(lambda t: t['recovery_type'])},
            search=[lambda t: t['recovery_type'], lambda t: t['aws_resource_id'], lambda t: t['order']],
            ordering={'aws_resource_id': lambda t: t['aws_resource_id'], 'order': lambda t: t['order'],
                      'recovery_type': lambda t: t['recovery_type']})
        return page_response(call, items, self.render_target)

    def target_get(self, call):
        """GET /api/recovery_scenarios/{scenario_id}/targets/{id}/"""
        return self.svc.respond(call, 200, self.render_target(self._target(call)[1]))

    def target_update(self, call):
        """PUT /api/recovery_scenarios/{scenario_id}/targets/{id}/ (aws_region and aws_resource_id are create-only)"""
        scenario, target = self._target(call)
        mode = 'merge' if self.svc.config['put_semantics'] == 'merge' else 'replace'
        values = validate(TARGET_UPDATE_SPEC, call.body_dict(), current=target, mode=mode)
        merged = dict(target, **values)
        self._covered(scenario, merged)
        self.parse_configuration(scenario, merged)
        if merged['order'] is None:
            merged['order'] = target['order']
        target.update(configuration=merged['configuration'], order=merged['order'],
                      recovery_type=merged['recovery_type'])
        return self.svc.respond(call, 200, self.render_target(target))

    def target_delete(self, call):
        """DELETE /api/recovery_scenarios/{scenario_id}/targets/{id}/ -> 204"""
        scenario, target = self._target(call)
        del scenario['targets'][target['id']]
        return self.svc.respond(call, 204, None)

    # -- runs (D33) --------------------------------------------------------------------------
    def run(self, call):
        """POST /api/recovery_scenarios/{scenario_id}/recover/ {backup_id, dry_run_only} -> 202 record"""
        scenario = self.visible(call, call.param_id('scenario_id'))
        values = validate(RUN_SPEC, call.body_dict())
        backup = self.svc.backups.backups.get(values['backup_id'])
        if backup is None or backup['policy'] != scenario['policy'] or not call.can_see(backup['user']) or \
                backup['begin'] > call.now:
            raise invalid('backup_id', 'Invalid pk "%s" - object does not exist.' % values['backup_id'], 'does_not_exist')
        problems = []
        if backup['status'] not in RECOVERABLE:
            problems.append('Recovery is possible only from a successful backup that was not deleted.')
        if not scenario['targets']:
            problems.append('The recovery scenario has no targets.')
        if problems:
            raise ApiError(400, {'non_field_errors': [(text, 'invalid') for text in problems]})
        record = self.start(scenario, backup, values['dry_run_only'], call.now)
        return self.svc.respond(call, 202, self.render_record(record))

    def start(self, scenario, backup, dry_run, now):
        """A run record (P); its targets recover one after the other in ``order``."""
        self.record_seq += 1
        queue = sorted((dict(t) for t in scenario['targets'].values()), key=lambda t: (t['order'], t['id']))
        record = {'id': self.record_seq, 'scenario': scenario['id'], 'scenario_name': scenario['name'],
                  'settings': dict((k, v) for k, v in scenario.items() if k != 'targets'), 'policy': scenario['policy'],
                  'account': backup['account'], 'user': scenario['user'], 'backup_record': backup['id'],
                  'backup_start': backup['start_time'], 'dry_run': dry_run, 'begin': now, 'end': None, 'status': 'P',
                  'logs': [], 'queue': queue, 'index': 0, 'current': None, 'results': [], 'clock': now,
                  'children': []}
        self.records[record['id']] = record
        self.running[record['id']] = record
        self._log(record, now, 'Info', 'Recovery scenario %s (%d) %sstarted with backup %d: %d target(s).' % (
            scenario['name'] or '-', scenario['id'], 'dry run ' if dry_run else '', backup['id'], len(queue)))
        if scenario['enable_agent_scripts']:
            self._log(record, now, 'Info', 'Running the pre-recovery script (timeout %d s): exit 0.' %
                      scenario['agent_script_timeout'])
            if scenario['collect_script_output']:
                self._log(record, now, 'Info', 'Script output: pre-recovery checks passed.')
        self._drive(record, now)
        return record

    @staticmethod
    def _log(record, when, level, text):
        record['logs'].append({'log': text, 'log_time': iso(when), 'log_type': level})

    def _drive(self, record, now):
        """Advance a run: collect the finished child, start the next target, until one runs or all are done."""
        recoveries = self.svc.recoveries
        settings = record['settings']
        while record['status'] == 'P' and record['id'] in self.running:
            if record['current'] is not None:
                child = recoveries.recoveries.get(record['current'])
                if child is not None:
                    recoveries.step(child, now)
                    if child['status'] == 'P':
                        return
                    record['results'].append(child['status'])
                    record['clock'] = child['end']
                    failed = child['status'] == 'F'
                else:
                    record['results'].append('F')
                    failed = True
                record['current'] = None
                if failed and not settings['endure']:
                    self._skip_rest(record)
                    continue
            if record['index'] >= len(record['queue']):
                self._finish(record)
                return
            target = record['queue'][record['index']]
            record['index'] += 1
            when = record['clock']
            try:
                plan = self._plan(record, target)
            except ApiError as exc:
                messages = '; '.join('%s: %s' % (field, item[0]) for field, items in exc.errors.items() for item in items)
                self._log(record, when, 'Error', 'Target %s %s: cannot be recovered: %s' % (
                    target['recovery_type'], target['aws_resource_id'], messages))
                record['results'].append('F')
                if not settings['endure']:
                    self._skip_rest(record)
                continue
            context = {'scenario_id': record['scenario'], 'scenario_name': record['scenario_name'],
                       'record_id': record['id'], 'dry_run': record['dry_run'], 'start_time': record['begin'],
                       'record': record}
            child = recoveries.start(plan, when, scenario=context)
            record['children'].append(child['id'])
            record['current'] = child['id']

    def _skip_rest(self, record):
        rest = record['queue'][record['index']:]
        if rest:
            self._log(record, record['clock'], 'Warning', 'Skipping %d target(s): a target failed and endure is off.'
                      % len(rest))
            record['results'].extend('F' for _target in rest)
        record['index'] = len(record['queue'])

    def _finish(self, record):
        results = record['results']
        good = sum(1 for r in results if r in ('R', 'A'))
        if results and all(r == 'R' for r in results):
            status = 'R'
        elif good:
            status = 'A'
        else:
            status = 'F'
        when = record['clock']
        settings = record['settings']
        if settings['enable_agent_scripts']:
            self._log(record, when, 'Info', 'Running the post-recovery script: exit 0.')
        record['status'] = status
        record['end'] = when
        self._log(record, when, {'R': 'Info', 'A': 'Warning'}.get(status, 'Error'),
                  'Recovery scenario %sfinished: %s.' % ('dry run ' if record['dry_run'] else '', {
                      'R': 'Recovery Successful', 'A': 'Recovery Partially Successful',
                      'F': 'Recovery Failed'}[status]))
        self.running.pop(record['id'], None)

    def _plan(self, record, target):
        """The recover plan of one target (ApiError when it cannot be recovered)."""
        recoveries, backups = self.svc.recoveries, self.svc.backups
        backup = backups.backups.get(record['backup_record'])
        if backup is None:
            raise ApiError(400, {'backup_id': [('The backup no longer exists.', 'does_not_exist')]})
        family, action, _kind = SOURCE[target['recovery_type']]
        settings = record['settings']
        dest_region = REGION_BY_ID.get(settings['recovery_destination_region'])
        candidates = []
        for record_id in backup['snapshots']:
            snap = backups.snapshots[record_id]
            if snap['family'] != family:
                continue
            if target['aws_resource_id'] not in (snap['backed_up_resource_id'], snap.get('backed_up_resource_name')):
                continue
            if family.startswith('dr_'):
                if dest_region and snap['region'] != dest_region:
                    continue
            elif snap['region'] != target['aws_region']:
                continue
            candidates.append(snap)
        if not candidates:
            raise ApiError(400, {'aws_resource_id': [('No %s snapshot of %s in backup %d.' % (
                family, target['aws_resource_id'], backup['id']), 'does_not_exist')]})
        snap = candidates[0]
        config = json.loads(target['configuration'])
        letter = RECOVER[(family, action)][1]
        destination = self._destination({'recovery_destination_account': settings['recovery_destination_account']})
        suffix = 'rs%d' % record['id']
        if letter in ('R', 'A', 'C') and not config.get('aws_resource_id'):
            config['aws_resource_id'] = '%s-%s' % (snap['backed_up_resource_id'], suffix)
        if letter == 'A' and not config.get('aws_dbinstance_id'):
            config['aws_dbinstance_id'] = '%s-%s-1' % (snap['backed_up_resource_id'], suffix)
        if letter == 'D' and not config.get('aws_resource_name'):
            config['aws_resource_name'] = '%s-%s' % (snap.get('backed_up_resource_name') or snap['backed_up_resource_id'],
                                                     suffix)
        if destination is not None and 'to_account' not in config and letter in ('I', 'V', 'R', 'A'):
            config['to_account'] = str(destination) if letter in ('R', 'A') else destination
        if dest_region and not family.startswith('dr_'):
            if letter == 'I' and 'to_region' not in config:
                config['to_region'] = settings['recovery_destination_region']
            if family == 'volumes' and action == 'recover_from_s3' and 'region' not in config:
                config['region'] = dest_region
        owners = self.svc.directory.visible_owners(record['user'])
        values = validate(RECOVER[(family, action)][0], config, visible_exists(self.svc, owners))
        try:
            return recoveries.prepare(backup, snap, family, action, values, owners)
        except ApiError as exc:
            if exc.status == 412:
                raise ApiError(400, {'non_field_errors': [item for items in exc.errors.values() for item in items]}) \
                    from exc
            raise

    # -- records ---------------------------------------------------------------------------
    def _record(self, call):
        record = self.records.get(call.param_id())
        if record is None or not call.can_see(record['user']):
            raise not_found()
        return record

    def records_list(self, call):
        """GET /api/recovery_scenarios/records/"""
        items = [r for r in self.records.values() if call.can_see(r['user'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda r: r['account'], 'int'),
                     'backup_record': exact(lambda r: r['backup_record'], 'int'),
                     'dry_run_only': exact(lambda r: r['dry_run'], 'bool'), 'policy': exact(lambda r: r['policy'], 'int'),
                     'recovery_scenario': exact(lambda r: r['scenario'], 'int'),
                     'start_time': exact(None, _start_time), 'status': exact(lambda r: r['status']),
                     'user': exact(lambda r: r['user'], 'int')},
            ordering={'backup_time': lambda r: r['backup_start'], 'start_time': lambda r: r['begin']})
        return page_response(call, items, self.render_record)

    def record_get(self, call):
        """GET /api/recovery_scenarios/records/{id}/"""
        return self.svc.respond(call, 200, self.render_record(self._record(call)))

    def record_update(self, call):
        """PUT /api/recovery_scenarios/records/{id}/ (the seed's internal-looking update; stops driving the run)"""
        record = self._record(call)
        values = validate(RECORD_UPDATE_SPEC, call.body_dict())
        record.update(begin=values['start_time'], end=values['end_time'], status=values['status'],
                      dry_run=values['dry_run_only'])
        self.running.pop(record['id'], None)
        return self.svc.respond(call, 200, self.render_record(record))

    def record_delete(self, call):
        """DELETE /api/recovery_scenarios/records/{id}/ -> 204 (a run in progress -> 400)"""
        record = self._record(call)
        if record['status'] == 'P' and record['id'] in self.running:
            raise ApiError(400, {'non_field_errors': [('A recovery scenario run in progress cannot be deleted.',
                                                       'invalid')]})
        del self.records[record['id']]
        return self.svc.respond(call, 204, None)

    def record_logs(self, call):
        """GET /api/recovery_scenarios/records/{id}/logs/ (JSON or text/csv)"""
        record = self._record(call)
        return logs_response(call, record['logs'], 'recovery_scenario_record_%d_logs.csv' % record['id'])

    # -- admin -----------------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'scenario-records' and method == 'GET':
            return {'running': sorted(self.running), 'records': [
                dict(self.render_record(r), children=list(r['children']), results=list(r['results']),
                     logs=list(r['logs'])) for r in self.records.values()]}
        if action == 'run-scheduled-scenario' and method == 'POST':
            return self._admin_scheduled(params)
        return NotImplemented

    def _admin_scheduled(self, params):
        """What the scenario's schedule would do now: run it (dry or real per schedule_running_option) on the
        latest recoverable backup of its policy."""
        try:
            scenario = self.scenarios[int(params.get('scenario'))]
        except (TypeError, ValueError, KeyError) as exc:
            raise AdminError(404, 'scenario %s not found' % params.get('scenario')) from exc
        now = time.time()
        backups = [b for b in self.svc.backups.backups.values() if b['policy'] == scenario['policy']
                   and b['status'] in RECOVERABLE and b['begin'] <= now]
        if not backups or not scenario['targets']:
            raise AdminError(400, 'the scenario has no targets or its policy no recoverable backup')
        backup = max(backups, key=lambda b: b['start_time'])
        record = self.start(scenario, backup, scenario['schedule_running_option'] == 'D', now)
        return {'ok': True, 'record': self.render_record(record)}


def _start_time(record, raw):
    """``start_time``: an exact date-time, or a date (the runs that started that day)."""
    text = raw.strip()
    try:
        wanted = parse_datetime(text)
    except ValueError as exc:
        raise invalid('start_time', 'Enter a valid date/time.') from exc
    if len(text) == 10:
        return wanted <= record['begin'] < wanted + 86400
    return abs(record['begin'] - wanted) < 0.000001 or iso(record['begin']) == text
