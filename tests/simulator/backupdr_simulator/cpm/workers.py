# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Worker configurations and their test sessions (Ch.28), worker tags (Ch.27): D64, D65."""

from ..core import AdminError
from .api import (ApiError, F, Family, Route, apply_list, exact, forbidden, iso, not_found, page_response, validate)
from .directory import REGION_BY_ID, REGION_BY_NAME
from .helpers import keep_secrets, put_mode, raise_errors, register_knobs, require_flag, str_ids
from .inventory import aws_hex

WORKER_BASE = {
    'account': F('pk', required=True, model='account'),
    'aws_vpc': F('str', required=True, blank=False),
    'aws_security_group': F('str', required=True, blank=False),
    'aws_subnet': F('str', nullable=True, default=None),
    'aws_key_pair': F('str', nullable=True, default=None),
    'requires_http_proxy': F('bool', default=False),
    'http_proxy_address': F('str', nullable=True, default=None),
    'http_proxy_port': F('int', nullable=True, default=None, min_value=1),
    'http_proxy_user_name': F('str', nullable=True, default=None),
    'http_proxy_password_encrypted': F('str', nullable=True, default=None, write_only=True),
}
WORKER_FIELDS = ('account', 'aws_key_pair', 'aws_security_group', 'aws_subnet', 'aws_vpc', 'http_proxy_address',
                 'http_proxy_port', 'http_proxy_user_name', 'id', 'last_modified', 'region', 'requires_http_proxy', 'user')
TAG_SPEC = {
    'account': F('pk', required=True, model='account'),
    'key': F('str', required=True, blank=False),
    'value': F('str', default=''),
}
TEST_RUNNING = 'I'
KNOBS = {'worker_region': 'id', 'worker_network_check': 'none', 'unique_worker_config': True,
         'worker_test_seconds': 1.0, 'license_max_workers': 0}
KNOB_CHOICES = {'worker_region': ('id', 'name'), 'worker_network_check': ('none', 'inventory')}


def network(inventory, account_id, region):
    """(VPC ids, {vpc: subnets}, {vpc: security groups}) of an account's region in the AWS inventory (D64)."""
    vpcs, subnets, groups = set(), {}, {}
    default_vpc = 'vpc-' + aws_hex(account_id, region, 'vpc')
    vpcs.add(default_vpc)
    subnets.setdefault(default_vpc, set()).add('subnet-' + aws_hex(account_id, region, 'subnet'))
    groups.setdefault(default_vpc, set()).add('sg-' + aws_hex(account_id, region, 'sg'))
    for instance in inventory.region(account_id, region)['instances'].values():
        vpc = instance.get('vpc_id')
        if vpc:
            vpcs.add(vpc)
            subnets.setdefault(vpc, set()).add(instance.get('subnet_id'))
            groups.setdefault(vpc, set()).update(instance.get('security_groups') or ())
    return vpcs, subnets, groups


class WorkersFamily(Family):
    """``/api/workers/`` (+ ``{configuration_id}/test/``) and ``/api/worker_tags/``."""

    name = 'workers'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.workers = {}
        self.seq = 0
        self.tests = {}
        self.test_seq = 0
        self.worker_seq = 5000
        self.fail_next = {}
        self.tags = {}
        self.tag_seq = 0

    def routes(self):
        return [
            Route('POST', 'workers/', self.create, '1.1.0', None, 50692),
            Route('GET', 'workers/', self.list, '1.1.0', None, 50906),
            Route('POST', 'workers/{configuration_id}/test/', self.test_start, '1.4.0', None, 51072),
            Route('GET', 'workers/{configuration_id}/test/{id}/', self.test_get, '1.4.0', None, 51163),
            Route('GET', 'workers/{id}/', self.get, '1.1.0', None, 51260),
            Route('PUT', 'workers/{id}/', self.update, '1.1.0', None, 51390),
            Route('DELETE', 'workers/{id}/', self.delete, '1.1.0', None, 51616),
            Route('POST', 'worker_tags/', self.tag_create, '1.5.0', None, 50262),
            Route('GET', 'worker_tags/', self.tag_list, '1.5.0', None, 50359),
            Route('GET', 'worker_tags/{id}/', self.tag_get, '1.5.0', None, 50476),
            Route('PUT', 'worker_tags/{id}/', self.tag_update, '1.5.0', None, 50546),
            Route('DELETE', 'worker_tags/{id}/', self.tag_delete, '1.5.0', None, 50650),
        ]

    # -- housekeeping --------------------------------------------------------------------
    def advance(self, now):
        accounts = self.svc.accounts.accounts
        for worker_id in [w['id'] for w in self.workers.values() if w['account'] not in accounts]:
            self._drop(worker_id)  # the account was deleted: its worker configurations go (D64)
        for tag_id in [t['id'] for t in self.tags.values() if t['account'] not in accounts]:
            del self.tags[tag_id]
        seconds = float(self.svc.config['worker_test_seconds'])
        for session in self.tests.values():
            if session['session_status'] == TEST_RUNNING and now >= session['start'] + seconds:
                self._finish(session, session['start'] + seconds)

    def user_deleted(self, uid):
        """Drop the configurations and tags of a deleted user (D60)."""
        for worker_id in [w['id'] for w in self.workers.values() if w['user'] == uid]:
            self._drop(worker_id)
        for tag_id in [t['id'] for t in self.tags.values() if t['user'] == uid]:
            del self.tags[tag_id]

    def _drop(self, worker_id):
        self.workers.pop(worker_id, None)
        for session_id in [s['id'] for s in self.tests.values() if s['configuration'] == worker_id]:
            del self.tests[session_id]

    # -- worker configurations ----------------------------------------------------------------
    def _spec(self):
        if self.svc.config['worker_region'] == 'id':
            return dict(WORKER_BASE, region=F('int', required=True))
        region = F('str', required=True, blank=False)
        return dict(WORKER_BASE, region=region)

    def region_name(self, worker):
        """The AWS region name of a configuration."""
        region = worker['region']
        return REGION_BY_ID.get(region) if isinstance(region, int) else region

    def render(self, worker):
        """A worker configuration (the proxy password is write-only)."""
        out = dict((name, worker.get(name)) for name in WORKER_FIELDS)
        out['last_modified'] = iso(worker['last_modified'])
        return out

    def _visible(self, call, worker_id):
        worker = self.workers.get(worker_id)
        if worker is None or not call.can_see(worker['user']):
            raise not_found()
        return worker

    def _validate(self, call, current, mode):
        body = call.body_dict()
        values = validate(self._spec(), body, self.svc.lookup(call), current=current, mode=mode)
        keep_secrets(values, body, current or {}, ('http_proxy_password_encrypted',))
        errors = {}
        region = values['region']
        region_name = REGION_BY_ID.get(region) if isinstance(region, int) else (region if region in REGION_BY_NAME
                                                                                else None)
        if region_name is None:
            errors['region'] = [('"%s" is not a valid choice.' % region, 'invalid_choice')]
        if values['requires_http_proxy']:
            for key in ('http_proxy_address', 'http_proxy_port'):
                if not values[key]:
                    errors[key] = [('This field is required when requires_http_proxy is set.', 'required')]
        if values['http_proxy_port'] is not None and values['http_proxy_port'] > 65535:
            errors['http_proxy_port'] = [('Ensure this value is less than or equal to 65535.', 'max_value')]
        raise_errors(errors)
        account = self.svc.accounts.accounts[values['account']]
        if self.svc.config['worker_network_check'] == 'inventory':
            self._check_network(values, account['id'], region_name)
        if self.svc.config['unique_worker_config']:
            for other in self.workers.values():
                if other['account'] == account['id'] and self.region_name(other) == region_name and \
                        (current is None or other['id'] != current['id']):
                    raise ApiError(400, {'non_field_errors': [(
                        'A worker configuration for this account and region already exists.', 'unique')]})
        return values, account

    def _check_network(self, values, account_id, region_name):
        vpcs, subnets, groups = network(self.svc.inventory, account_id, region_name)
        vpc = values['aws_vpc']
        errors = {}
        if vpc not in vpcs:
            errors['aws_vpc'] = [('VPC %s was not found in %s.' % (vpc, region_name), 'invalid')]
        else:
            if values['aws_subnet'] and values['aws_subnet'] not in subnets.get(vpc, ()):
                errors['aws_subnet'] = [('Subnet %s does not belong to VPC %s.' % (values['aws_subnet'], vpc), 'invalid')]
            if values['aws_security_group'] not in groups.get(vpc, ()):
                errors['aws_security_group'] = [('Security group %s does not belong to VPC %s.' % (
                    values['aws_security_group'], vpc), 'invalid')]
        raise_errors(errors)

    def create(self, call):
        """POST /api/workers/ -> 201 (delegates: allow_account_changes; licence limit)"""
        require_flag(call, 'allow_account_changes')
        values, account = self._validate(call, None, 'create')
        limit = self.svc.config['license_max_workers']
        if limit and len(self.workers) >= limit:
            raise forbidden('The maximum number of worker configurations allowed by the license (%d) has been reached.'
                            % limit)
        self.seq += 1
        worker = dict(values, id=self.seq, user=account['user'], last_modified=call.now)
        self.workers[worker['id']] = worker
        return self.svc.respond(call, 201, self.render(worker))

    def list(self, call):
        """GET /api/workers/ (filters account, user; ordering account, region, username)"""
        items = [w for w in self.workers.values() if call.can_see(w['user'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda w: w['account'], 'int'), 'user': exact(lambda w: w['user'], 'int')},
            ordering={'account': lambda w: w['account'], 'region': lambda w: w['region'],
                      'username': lambda w: self.svc.directory.username(w['user'])})
        return page_response(call, items, self.render)

    def get(self, call):
        """GET /api/workers/{id}/"""
        return self.svc.respond(call, 200, self.render(self._visible(call, call.param_id())))

    def update(self, call):
        """PUT /api/workers/{id}/ (account, region, aws_vpc, aws_security_group required; the account may change)"""
        require_flag(call, 'allow_account_changes')
        worker = self._visible(call, call.param_id())
        values, account = self._validate(call, worker, put_mode(self.svc))
        worker.update(values)
        worker['user'] = account['user']
        worker['last_modified'] = call.now
        return self.svc.respond(call, 200, self.render(worker))

    def delete(self, call):
        """DELETE /api/workers/{id}/ -> 204"""
        require_flag(call, 'allow_account_changes')
        worker = self._visible(call, call.param_id())
        self._drop(worker['id'])
        return self.svc.respond(call, 204, None)

    # -- test sessions (D65) --------------------------------------------------------------------
    def render_test(self, session):
        """A worker test session."""
        out = {'configuration': session['configuration'], 'end_time': iso(session['end_time']), 'id': session['id'],
               'session_status': session['session_status'], 'start_time': iso(session['start']),
               'test_session_fail_desc': session['test_session_fail_desc'], 'worker': session['worker']}
        return str_ids(self.svc, out, ('configuration', 'worker'))

    def test_start(self, call):
        """POST /api/workers/{configuration_id}/test/ -> 202 session (I, then S or F after worker_test_seconds)"""
        require_flag(call, 'allow_account_changes')
        worker = self._visible(call, call.param_id('configuration_id'))
        if any(s['configuration'] == worker['id'] and s['session_status'] == TEST_RUNNING for s in self.tests.values()):
            raise ApiError(400, {'non_field_errors': [('A test of this worker configuration is already in progress.',
                                                       'invalid')]})
        plan = self.fail_next.pop(worker['id'], None)
        if plan is None:
            plan = self.fail_next.pop(None, None)
        self.test_seq += 1
        self.worker_seq += 1
        session = {'id': self.test_seq, 'configuration': worker['id'], 'worker': self.worker_seq, 'start': call.now,
                   'end_time': None, 'session_status': TEST_RUNNING, 'test_session_fail_desc': None, 'plan': plan,
                   'user': worker['user']}
        self.tests[session['id']] = session
        if float(self.svc.config['worker_test_seconds']) <= 0:
            self._finish(session, call.now)
        return self.svc.respond(call, 202, self.render_test(session))

    def _finish(self, session, when):
        """S, or F with a description: a planned failure, or a network the AWS inventory does not have (D65)."""
        worker = self.workers.get(session['configuration'])
        problem = session['plan']
        if problem is None and worker is not None:
            problem = self._network_problem(worker)
        session['end_time'] = when
        if problem is None:
            session['session_status'] = 'S'
            return
        session['session_status'] = 'F'
        session['test_session_fail_desc'] = problem
        alerts = getattr(self.svc, 'alerts', None)
        if alerts is not None:
            alerts.add(session['user'], 'E', 'Worker', 'Worker configuration test failed',
                       'Test of worker configuration %d failed: %s' % (session['configuration'], problem), when=when)

    def _network_problem(self, worker):
        region_name = self.region_name(worker)
        if region_name is None or worker['account'] not in self.svc.accounts.accounts:
            return 'The worker configuration refers to an unknown account or region.'
        vpcs, subnets, groups = network(self.svc.inventory, worker['account'], region_name)
        vpc = worker['aws_vpc']
        if vpc not in vpcs:
            return 'Failed to launch worker: VPC %s was not found in %s.' % (vpc, region_name)
        if worker['aws_subnet'] and worker['aws_subnet'] not in subnets.get(vpc, ()):
            return 'Failed to launch worker: subnet %s does not belong to VPC %s.' % (worker['aws_subnet'], vpc)
        if worker['aws_security_group'] not in groups.get(vpc, ()):
            return 'Failed to launch worker: security group %s does not belong to VPC %s.' % (
                worker['aws_security_group'], vpc)
        return None

    def test_get(self, call):
        """GET /api/workers/{configuration_id}/test/{id}/"""
        require_flag(call, 'allow_account_changes')
        worker = self._visible(call, call.param_id('configuration_id'))
        session = self.tests.get(call.param_id())
        if session is None or session['configuration'] != worker['id']:
            raise not_found()
        return self.svc.respond(call, 200, self.render_test(session))

    # -- worker tags -------------------------------------------------------------------------
    @staticmethod
    def render_tag(tag):
        """A worker tag (no owner in the schema)."""
        return {'account': tag['account'], 'id': tag['id'], 'key': tag['key'], 'value': tag['value']}

    def _tag(self, call):
        tag = self.tags.get(call.param_id())
        if tag is None or not call.can_see(tag['user']):
            raise not_found()
        return tag

    def _tag_check(self, values, tag_id):
        errors = {}
        key, value = values['key'], values['value'] or ''
        if len(key) > 127:
            errors['key'] = [('Ensure this field has no more than 127 characters.', 'max_length')]
        elif key.lower().startswith('aws:'):
            errors['key'] = [('Tag keys may not start with "aws:".', 'invalid')]
        if len(value) > 255:
            errors['value'] = [('Ensure this field has no more than 255 characters.', 'max_length')]
        if self.svc.config['unique_names'] and 'key' not in errors:
            for other in self.tags.values():
                if other['account'] == values['account'] and other['key'] == key and other['id'] != tag_id:
                    errors['key'] = [('Worker tag with this account and key already exists.', 'unique')]
        raise_errors(errors)

    def tag_create(self, call):
        """POST /api/worker_tags/ -> 201 (delegates: allow_account_changes)"""
        require_flag(call, 'allow_account_changes')
        values = validate(TAG_SPEC, call.body_dict(), self.svc.lookup(call))
        self._tag_check(values, None)
        self.tag_seq += 1
        tag = dict(values, id=self.tag_seq, user=self.svc.accounts.accounts[values['account']]['user'])
        self.tags[tag['id']] = tag
        return self.svc.respond(call, 201, self.render_tag(tag))

    def tag_list(self, call):
        """GET /api/worker_tags/ (filters account, key, user; search key, value; ordering account, key, username)"""
        items = [t for t in self.tags.values() if call.can_see(t['user'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda t: t['account'], 'int'), 'key': exact(lambda t: t['key']),
                     'user': exact(lambda t: t['user'], 'int')},
            search=[lambda t: t['key'], lambda t: t['value']],
            ordering={'account': lambda t: t['account'], 'key': lambda t: t['key'],
                      'username': lambda t: self.svc.directory.username(t['user'])})
        return page_response(call, items, self.render_tag)

    def tag_get(self, call):
        """GET /api/worker_tags/{id}/"""
        return self.svc.respond(call, 200, self.render_tag(self._tag(call)))

    def tag_update(self, call):
        """PUT /api/worker_tags/{id}/ (account and key required; the account may change)"""
        require_flag(call, 'allow_account_changes')
        tag = self._tag(call)
        values = validate(TAG_SPEC, call.body_dict(), self.svc.lookup(call), current=tag, mode=put_mode(self.svc))
        self._tag_check(values, tag['id'])
        tag.update(values)
        tag['user'] = self.svc.accounts.accounts[values['account']]['user']
        return self.svc.respond(call, 200, self.render_tag(tag))

    def tag_delete(self, call):
        """DELETE /api/worker_tags/{id}/ -> 204"""
        require_flag(call, 'allow_account_changes')
        del self.tags[self._tag(call)['id']]
        return self.svc.respond(call, 204, None)

    # -- admin -------------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'fail-next-worker-test' and method == 'POST':
            configuration = params.get('configuration')
            if configuration is not None:
                try:
                    configuration = int(configuration)
                except (TypeError, ValueError) as exc:
                    raise AdminError(400, 'configuration must be an id') from exc
                if configuration not in self.workers:
                    raise AdminError(404, 'worker configuration %s not found' % configuration)
            description = str(params.get('description') or 'Worker failed to connect to the CPM server.')
            self.fail_next[configuration] = description
            return {'ok': True, 'configuration': configuration, 'description': description}
        if action == 'workers' and method == 'GET':
            return {'workers': [dict((k, v) for k, v in w.items() if k != 'http_proxy_password_encrypted')
                                for w in self.workers.values()],
                    'tests': [self.render_test(s) for s in self.tests.values()],
                    'tags': [dict(t) for t in self.tags.values()]}
        return NotImplemented
