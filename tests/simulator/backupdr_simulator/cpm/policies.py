# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policies (Ch.13): CRUD, options, DR and copy-to-S3 settings, custom tags, run times, backup now, snapshot purges."""

import json

from ..core import Response
from .api import (ApiError, F, Family, Route, apply_list, exact, forbidden, invalid, iso, not_found, page_response,
                  validate)
from .directory import ROOT_ID
from .schedules import days_ahead_param, run_times

FREQ_UNITS = ('O', 'Y', 'D', 'W')
POLICY_SPEC = {
    'name': F('str', required=True, blank=False, name_rule=True),
    'auto_remove_resource': F('choice', choices=('N', 'Y', 'A'), default='N'),
    'description': F('str', nullable=True, default=None, text=True),
    'dr_enabled': F('bool', default=False),
    'enable_agent_scripts': F('bool', default=False),
    'enabled': F('bool', default=True),
    'generations': F('int', min_value=1, default=30),
    'schedules': F('ids', default=[], model='schedule'),
}
POLICY_CREATE_SPEC = dict(POLICY_SPEC, account=F('pk', required=True, model='account'))
POLICY_FIELDS = ('account', 'auto_remove_resource', 'copy_to_s3_enabled', 'created_by_tag', 'description', 'dr_enabled',
                 'enable_agent_scripts', 'enabled', 'generations', 'id', 'is_archive_active', 'is_s3_cleanup_active',
                 'last_dr_recovery_time', 'last_modified', 'last_recovery_time', 'name', 's3_operation_in_progress',
                 'schedules', 'user')
OPTIONS_SPEC = {
    'agent_script_timeout': F('int', min_value=1, default=100),
    'collect_script_output': F('bool', default=False),
    'considered_successful': F('choice', choices=('B', 'A'), default='B'),
    'enable_agent_scripts': F('bool', default=False),
    'minutes_between_retries': F('int', min_value=0, default=20),
    'num_failures_for_alert': F('int', min_value=1, default=1),
    'number_of_retries': F('int', min_value=0, default=3),
}
CROSS_ACCOUNT_SPEC = {
    'copy_to_snapshot_original_region': F('bool', default=False),
    'dr_account': F('pk', nullable=True, default=None, model='dr_account'),
    'dr_account_regions': F('ids', default=[], model='region'),
    'dr_keep_original_snapshots': F('bool', default=True),
}
DR_SPEC = {
    'cross_account_dr': F('obj', spec=CROSS_ACCOUNT_SPEC),
    'dr_enabled': F('bool', default=False),
    'dr_frequency': F('int', min_value=1, default=1),
    'dr_regions': F('ids', default=[], model='region'),
    'dr_timeout_hours': F('int', min_value=1, default=8),
}
COPY_SPEC = {
    'archive_storage_class': F('choice', choices=('GLACIER', 'DEEP_ARCHIVE'), default='GLACIER'),
    'copy_interval': F('int', min_value=1, default=1),
    'copy_to_glacier': F('obj', spec={'every_how': F('int', min_value=1, default=1),
                                      'every_unit': F('choice', choices=FREQ_UNITS, default='O')}),
    'delete_aws_snapshot_after_copy': F('bool', default=False),
    'enable_copy_to_glacier': F('bool', default=False),
    'enabled': F('bool', default=False),
    'repository': F('pk', nullable=True, default=None, model='repository'),
    'retain_in_glacier': F('obj', spec={'retain_duration': F('int', min_value=1, default=1),
                                        'retain_unit': F('choice', choices=FREQ_UNITS, default='Y')}),
    'retention_generation_based': F('obj', spec={'enabled': F('bool', default=True),
                                                 'num_generations': F('int', min_value=1, default=4)}),
    'retention_time_based': F('obj', spec={'enabled': F('bool', default=False),
                                           'every_how_many': F('int', min_value=1, default=1),
                                           'every_unit': F('choice', choices=FREQ_UNITS, default='O')}),
    's3_storage_class': F('choice', choices=('STANDARD', 'STANDARD_IA', 'INTELLIGENT_TIERING'), default='STANDARD'),
}
TAG_SPEC = {
    'tag_name': F('str', required=True, blank=False),
    'tag_value': F('str', nullable=True, default=None),
    'name_is_prefix': F('bool', default=False),
    'value_is_prefix': F('bool', default=False),
}


def _copy(value):
    return json.loads(json.dumps(value))


class PoliciesFamily(Family):
    """``/api/policies/`` and the policy sub-resources (targets are in targets.py, backups in backups.py)."""

    name = 'policies'

    def reset(self):
        self.policies = {}
        self.seq = 0
        self.tag_seq = 0

    def routes(self):
        return [
            Route('POST', 'policies/', self.create, '1.0.0', 'backup', 23117),
            Route('GET', 'policies/', self.list, '1.0.0', None, 23368),
            Route('GET', 'policies/{id}/', self.get, '1.0.0', None, 23603),
            Route('PUT', 'policies/{id}/', self.update, '1.0.0', 'backup', 23782),
            Route('DELETE', 'policies/{id}/', self.delete, '1.0.0', 'backup', 24035),
            Route('POST', 'policies/{id}/backups/', self.backup_now, '1.0.0', 'backup', 24077),
            Route('GET', 'policies/{id}/copy_to_s3/', self.copy_get, '1.1.0', None, 24133),
            Route('PUT', 'policies/{id}/copy_to_s3/', self.copy_put, '1.1.0', 'backup', 24387),
            Route('GET', 'policies/{id}/dr/', self.dr_get, '1.0.0', None, 24866),
            Route('PUT', 'policies/{id}/dr/', self.dr_put, '1.0.0', None, 24995),
            Route('GET', 'policies/{id}/options/', self.options_get, '1.0.0', None, 25204),
            Route('PUT', 'policies/{id}/options/', self.options_put, '1.0.0', None, 25312),
            Route('DELETE', 'policies/{id}/snapshots/', self._purge('native'), '1.0.0', 'backup', 25492),
            Route('DELETE', 'policies/{id}/snapshots/native/', self._purge('native'), '1.3.0', 'backup', 25544),
            Route('DELETE', 'policies/{id}/snapshots/s3/', self._purge('all'), '1.3.0', 'backup', 25592),
            Route('POST', 'policies/{policy_id}/archive/abort/', self.archive_abort, '1.4.0', 'backup', 25640),
            Route('POST', 'policies/{policy_id}/cleanup_s3/abort/', self.cleanup_abort, '1.4.0', 'backup', 25682),
            Route('POST', 'policies/{policy_id}/custom_tags/', self.tag_create, '1.5.0', 'backup', 25724),
            Route('GET', 'policies/{policy_id}/custom_tags/', self.tag_list, '1.5.0', None, 25844),
            Route('GET', 'policies/{policy_id}/custom_tags/{id}/', self.tag_get, '1.5.0', None, 25938),
            Route('DELETE', 'policies/{policy_id}/custom_tags/{id}/', self.tag_delete, '1.5.0', 'backup', 26025),
            Route('GET', 'policies/{policy_id}/run_times/', self.run_times, '1.0.0', None, 26072),
            Route('POST', 'policies/{policy_id}/s3_operations/abort/', self.s3_abort, '1.4.0', 'backup', 26161),
        ]

    # -- model ---------------------------------------------------------------------
    def add(self, values, user_id, now, created_by_tag=False):
        """Store a policy from validated values (sub-resources get their defaults)."""
        self.seq += 1
        policy = {
            'id': self.seq, 'name': values['name'], 'account': values['account'], 'user': user_id,
            'auto_remove_resource': values.get('auto_remove_resource', 'N'), 'description': values.get('description'),
            'enabled': values.get('enabled', True), 'generations': values.get('generations', 30),
            'schedules': list(values.get('schedules') or []), 'last_modified': now, 'created_by_tag': created_by_tag,
            'is_archive_active': False, 'is_s3_cleanup_active': False, 'last_recovery_time': None,
            'last_dr_recovery_time': None, 'options': dict((k, f.default_value()) for k, f in OPTIONS_SPEC.items()),
            'dr': dict((k, f.default_value()) for k, f in DR_SPEC.items()),
            'copy_to_s3': dict((k, f.default_value()) for k, f in COPY_SPEC.items()), 'custom_tags': [],
        }
        policy['dr']['dr_enabled'] = bool(values.get('dr_enabled', False))
        policy['options']['enable_agent_scripts'] = bool(values.get('enable_agent_scripts', False))
        self.policies[policy['id']] = policy
        return policy

    def remove(self, policy, drop_backups=True):
        """Delete a policy with its targets and custom tags; its backup records too unless ``drop_backups`` is False."""
        self.svc.targets.drop_policy(policy['id'])
        if drop_backups:
            self.svc.backups.drop_policy(policy['id'])
        del self.policies[policy['id']]

    def schedule_counts(self):
        """{schedule id: number of policies using it}"""
        counts = {}
        for policy in self.policies.values():
            for schedule_id in policy['schedules']:
                counts[schedule_id] = counts.get(schedule_id, 0) + 1
        return counts

    def render(self, policy):
        """The policy as the API shows it."""
        running = self.svc.backups.s3_running(policy['id'])
        out = {}
        for name in POLICY_FIELDS:
            if name == 'copy_to_s3_enabled':
                out[name] = policy['copy_to_s3']['enabled']
            elif name == 'dr_enabled':
                out[name] = policy['dr']['dr_enabled']
            elif name == 'enable_agent_scripts':
                out[name] = policy['options']['enable_agent_scripts']
            elif name == 's3_operation_in_progress':
                out[name] = running or policy['is_archive_active'] or policy['is_s3_cleanup_active']
            elif name in ('last_modified', 'last_recovery_time', 'last_dr_recovery_time'):
                out[name] = iso(policy[name])
            elif name == 'schedules':
                out[name] = list(policy['schedules'])
            else:
                out[name] = policy[name]
        return out

    def visible(self, call, policy_id):
        """A policy visible to the caller, or 404."""
        policy = self.policies.get(policy_id)
        if policy is None or not call.can_see(policy['user']):
            raise not_found()
        return policy

    def _checks(self, call, values, user_id, policy_id):
        errors = {}
        for schedule_id in values.get('schedules') or []:
            if self.svc.schedules.schedules[schedule_id]['user'] != user_id:
                errors.setdefault('schedules', []).append(
                    ('Invalid pk "%s" - object does not exist.' % schedule_id, 'does_not_exist'))
        if self.svc.config['unique_names']:
            for other in self.policies.values():
                if other['user'] == user_id and other['name'] == values['name'] and other['id'] != policy_id:
                    errors['name'] = [('Policy with this name already exists.', 'unique')]
                    break
        if errors:
            raise ApiError(400, errors)
        if values['name'] == 'cpmdata' and user_id != ROOT_ID:
            raise forbidden("Only the root user is allowed to create a 'cpmdata' policy.")
        if values['name'] == 'cpmdata' and call.user['id'] != ROOT_ID:
            raise forbidden("Only the root user is allowed to create a 'cpmdata' policy.")

    # -- policy handlers ---------------------------------------------------------------
    def create(self, call):
        """POST /api/policies/ -> 201 (the owner is the account's owner)"""
        values = validate(POLICY_CREATE_SPEC, call.body_dict(), self.svc.lookup(call))
        account = self.svc.accounts.accounts[values['account']]
        if account['kind'] != 'backup':
            raise invalid('account', 'Invalid pk "%s" - object does not exist.' % account['id'], 'does_not_exist')
        self._checks(call, values, account['user'], None)
        policy = self.add(values, account['user'], call.now)
        return self.svc.respond(call, 201, self.render(policy))

    def list(self, call):
        """GET /api/policies/"""
        schedules = self.svc.schedules.schedules
        items = [p for p in self.policies.values() if call.can_see(p['user'])]
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
        return page_response(call, items, self.render)

    def get(self, call):
        """GET /api/policies/{id}/"""
        return self.svc.respond(call, 200, self.render(self.visible(call, call.param_id())))

    def update(self, call):
        """PUT /api/policies/{id}/ (``account`` is create-only)"""
        policy = self.visible(call, call.param_id())
        mode = 'merge' if self.svc.config['put_semantics'] == 'merge' else 'replace'
        current = dict(policy, dr_enabled=policy['dr']['dr_enabled'],
                       enable_agent_scripts=policy['options']['enable_agent_scripts'])
        values = validate(POLICY_SPEC, call.body_dict(), self.svc.lookup(call), current=current, mode=mode)
        self._checks(call, values, policy['user'], policy['id'])
        for name in ('name', 'auto_remove_resource', 'description', 'enabled', 'generations'):
            policy[name] = values[name]
        policy['schedules'] = list(values['schedules'])
        policy['dr']['dr_enabled'] = values['dr_enabled']
        policy['options']['enable_agent_scripts'] = values['enable_agent_scripts']
        policy['last_modified'] = call.now
        return self.svc.respond(call, 200, self.render(policy))

    def delete(self, call):
        """DELETE /api/policies/{id}/ -> 204 (its snapshots, i.e. its backup records, go too)"""
        self.remove(self.visible(call, call.param_id()))
        return self.svc.respond(call, 204, None)

    def backup_now(self, call):
        """POST /api/policies/{id}/backups/ -> 202 {tracker_id}; 412 when disabled, without targets or running"""
        policy = self.visible(call, call.param_id())
        tracker = self.svc.backups.start(policy, call.now)
        return self.svc.respond(call, 202, {'tracker_id': tracker})

    # -- singleton sub-resources -------------------------------------------------------
    def _sub_put(self, call, key, spec):
        policy = self.visible(call, call.param_id())
        mode = 'merge' if self.svc.config['put_semantics'] == 'merge' else 'replace'
        values = validate(spec, call.body_dict(), self.svc.lookup(call), current=policy[key], mode=mode)
        return policy, values

    def copy_render(self, policy):
        """copy_to_s3 settings (with the read-only ``resource_type``)."""
        return dict(_copy(policy['copy_to_s3']), resource_type='policy')

    def copy_get(self, call):
        """GET /api/policies/{id}/copy_to_s3/"""
        return self.svc.respond(call, 200, self.copy_render(self.visible(call, call.param_id())))

    def copy_put(self, call):
        """PUT /api/policies/{id}/copy_to_s3/"""
        policy, values = self._sub_put(call, 'copy_to_s3', COPY_SPEC)
        repo_id = values['repository']
        if repo_id is not None and self.svc.directory.repositories[repo_id]['user'] != policy['user']:
            raise invalid('repository', 'Invalid pk "%s" - object does not exist.' % repo_id, 'does_not_exist')
        if values['enabled'] and repo_id is None:
            raise invalid('repository', 'An S3 repository is required to enable Copy to S3.', 'required')
        policy['copy_to_s3'] = values
        policy['last_modified'] = call.now
        return self.svc.respond(call, 200, self.copy_render(policy))

    def dr_render(self, policy):
        """DR settings; the cross-account fields only with the cross-account licence (D17)."""
        out = _copy(policy['dr'])
        if not self.svc.config['license_cross_account']:
            out.pop('cross_account_dr', None)
        return out

    def dr_get(self, call):
        """GET /api/policies/{id}/dr/"""
        return self.svc.respond(call, 200, self.dr_render(self.visible(call, call.param_id())))

    def dr_put(self, call):
        """PUT /api/policies/{id}/dr/ (delegates may, per the seed's permissions)"""
        body = call.body_dict()
        if not self.svc.config['license_cross_account'] and 'cross_account_dr' in body:
            body = dict((k, v) for k, v in body.items() if k != 'cross_account_dr')
            call._body = body  # pylint: disable=protected-access
        policy, values = self._sub_put(call, 'dr', DR_SPEC)
        dr_account = values['cross_account_dr']['dr_account']
        if dr_account is not None and self.svc.accounts.accounts[dr_account]['user'] != policy['user']:
            raise invalid('cross_account_dr.dr_account', 'Invalid pk "%s" - object does not exist.' % dr_account,
                          'does_not_exist')
        policy['dr'] = values
        policy['last_modified'] = call.now
        return self.svc.respond(call, 200, self.dr_render(policy))

    def _options_policy(self, call):
        policy = self.visible(call, call.param_id())
        if policy['name'] == 'cpmdata':
            raise not_found()  # "Policy options will show only if the policy name is NOT cpmdata" (D17)
        return policy

    def options_get(self, call):
        """GET /api/policies/{id}/options/"""
        return self.svc.respond(call, 200, _copy(self._options_policy(call)['options']))

    def options_put(self, call):
        """PUT /api/policies/{id}/options/"""
        self._options_policy(call)
        policy, values = self._sub_put(call, 'options', OPTIONS_SPEC)
        policy['options'] = values
        policy['last_modified'] = call.now
        return self.svc.respond(call, 200, _copy(values))

    # -- purges and aborts -------------------------------------------------------------
    def _purge(self, scope):
        def handler(call):
            policy = self.visible(call, call.param_id())
            self.svc.backups.delete_snapshots(call.now, policy=policy['id'], scope=scope)
            return self.svc.respond(call, 204, None)
        handler.__doc__ = 'DELETE /api/policies/{id}/snapshots/[native/|s3/] -> 204 (%s)' % scope
        return handler

    def archive_abort(self, call):
        """POST /api/policies/{policy_id}/archive/abort/ -> 200, no body"""
        policy = self.visible(call, call.param_id('policy_id'))
        policy['is_archive_active'] = False
        return _empty(200)

    def cleanup_abort(self, call):
        """POST /api/policies/{policy_id}/cleanup_s3/abort/ -> 200, no body"""
        policy = self.visible(call, call.param_id('policy_id'))
        policy['is_s3_cleanup_active'] = False
        return _empty(200)

    def s3_abort(self, call):
        """POST /api/policies/{policy_id}/s3_operations/abort/ -> 201 {} (copies, archive, cleanup)"""
        policy = self.visible(call, call.param_id('policy_id'))
        policy['is_archive_active'] = False
        policy['is_s3_cleanup_active'] = False
        self.svc.backups.abort_s3(call.now, policy=policy['id'])
        return self.svc.respond(call, 201, {})

    # -- custom tags -------------------------------------------------------------------
    @staticmethod
    def render_tag(tag):
        """A custom tag."""
        return {'id': tag['id'], 'name_is_prefix': tag['name_is_prefix'], 'tag_name': tag['tag_name'],
                'tag_value': tag['tag_value'], 'value_is_prefix': tag['value_is_prefix']}

    def tag_create(self, call):
        """POST /api/policies/{policy_id}/custom_tags/ -> 201"""
        policy = self.visible(call, call.param_id('policy_id'))
        values = validate(TAG_SPEC, call.body_dict())
        self.tag_seq += 1
        tag = dict(values, id=self.tag_seq)
        policy['custom_tags'].append(tag)
        return self.svc.respond(call, 201, self.render_tag(tag))

    def tag_list(self, call):
        """GET /api/policies/{policy_id}/custom_tags/"""
        policy = self.visible(call, call.param_id('policy_id'))
        return page_response(call, list(policy['custom_tags']), self.render_tag)

    def _tag(self, call):
        policy = self.visible(call, call.param_id('policy_id'))
        wanted = call.param_id()
        for tag in policy['custom_tags']:
            if tag['id'] == wanted:
                return policy, tag
        raise not_found()

    def tag_get(self, call):
        """GET /api/policies/{policy_id}/custom_tags/{id}/ (an object; the seed says array, D17)"""
        return self.svc.respond(call, 200, self.render_tag(self._tag(call)[1]))

    def tag_delete(self, call):
        """DELETE /api/policies/{policy_id}/custom_tags/{id}/ -> 204"""
        policy, tag = self._tag(call)
        policy['custom_tags'] = [t for t in policy['custom_tags'] if t['id'] != tag['id']]
        return self.svc.respond(call, 204, None)

    # -- run times -------------------------------------------------------------------
    def run_times(self, call):
        """GET /api/policies/{policy_id}/run_times/?days_ahead=N (400 without enabled policy, target, schedule)"""
        policy = self.visible(call, call.param_id('policy_id'))
        days = days_ahead_param(call)
        problems = []
        if not policy['enabled']:
            problems.append('The policy is disabled.')
        if not self.svc.targets.count(policy['id']):
            problems.append('The policy has no valid target.')
        if not policy['schedules']:
            problems.append('The policy has no schedule.')
        if problems:
            raise ApiError(400, {'non_field_errors': [(text, 'invalid') for text in problems]})
        rows = []
        for schedule_id in policy['schedules']:
            schedule = self.svc.schedules.schedules.get(schedule_id)
            if schedule is not None:
                rows.extend(run_times(schedule, call.now, days))
        rows.sort(key=lambda row: row['time'])
        return self.svc.respond(call, 200, rows)


def _empty(status):
    return Response(status, b'', 'application/json')
