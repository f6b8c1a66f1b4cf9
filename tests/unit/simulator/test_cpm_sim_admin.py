# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the N2WS CPM simulator, part 3 (administration): users, delegates, identity provider, workers,
worker tags, settings, alerts, system and agents.  Resource control, costs and reports are in
test_cpm_sim_admin_rc.py."""

import bz2
import io
import os
import sys
import tarfile
import time

import pytest
import requests

SIM_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'simulator'))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position
from backupdr_simulator.core import Simulator  # noqa: E402
from backupdr_simulator.cpm import CPMService  # noqa: E402
from backupdr_simulator.cpm.directory import DEFAULT_USERS  # noqa: E402
from backupdr_simulator.cpm.administration import PART3_FAMILIES  # noqa: E402
from backupdr_simulator.cpm.users import DEFAULT_PASSWORDS  # noqa: E402

KEYS = dict((row[1], row[5]) for row in DEFAULT_USERS)
ROOT, TENANT, MANAGED, OPERATOR, AUDITOR = 1, 2, 3, 4, 5
MAIN, DR_VAULT, MANAGED_MAIN, TENANT_MAIN = 1, 2, 3, 4
PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUSIMULATED\n-----END CERTIFICATE-----\n'


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    """One simulator for the module, on free ports."""
    simulator = Simulator([CPMService()], port=0, tls_port=0, quiet=True,
                          state_dir=str(tmp_path_factory.mktemp('simstate')))
    simulator.start()
    yield simulator
    simulator.stop()


class Cpm:
    """Token, API and admin helpers."""

    def __init__(self, simulator):
        self.sim = simulator
        self.api = simulator.http_url + '/cpm/api/'
        self.session = requests.Session()
        self.tokens = {}
        self.keys = dict(KEYS)

    def token(self, who='root'):
        """A cached access token."""
        if who not in self.tokens:
            response = self.session.post(self.api + 'token/obtain/api_key/', json={'api_key': self.keys[who]}, timeout=10)
            assert response.status_code == 200, response.text
            self.tokens[who] = response.json()['access']
        return self.tokens[who]

    def req(self, method, path, who='root', headers=None, **kwargs):
        """An API call with the user's bearer token."""
        merged = {'Authorization': 'Bearer ' + self.token(who)}
        merged.update(headers or {})
        return self.session.request(method, self.api + path, headers=merged, timeout=10, **kwargs)

    def get(self, path, who='root', **kwargs):
        """GET"""
        return self.req('GET', path, who, **kwargs)

    def post(self, path, body=None, who='root', **kwargs):
        """POST JSON"""
        return self.req('POST', path, who, json=body, **kwargs)

    def put(self, path, body=None, who='root', **kwargs):
        """PUT JSON"""
        return self.req('PUT', path, who, json=body, **kwargs)

    def delete(self, path, who='root', **kwargs):
        """DELETE"""
        return self.req('DELETE', path, who, **kwargs)

    @staticmethod
    def ok(response, status=200):
        """Assert a status; return the JSON body (None when empty)."""
        assert response.status_code == status, '%s %s -> %s %s' % (response.request.method, response.request.url,
                                                                   response.status_code, response.text)
        return response.json() if response.content else None

    def admin(self, method, name, payload=None, status=200):
        """Call the admin API."""
        response = requests.request(method, self.sim.http_url + '/_sim/' + name, json=payload, timeout=30)
        assert response.status_code == status, response.text
        return response.json()

    def config(self, **knobs):
        """Set CPM knobs."""
        return self.admin('POST', 'config', dict(knobs, service='cpm'))


def codes(response, status):
    """{field: [code, ...]} of an error response in the seed's envelope."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ['errors'] and len(body['errors']) == 1
    return dict((field, [item['code'] for item in items]) for field, items in body['errors'][0].items())


def wait_for(predicate, timeout=5.0):
    """Poll until predicate() is truthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('condition not met within %.1fs' % timeout)


@pytest.fixture
def cpm(sim):  # pylint: disable=redefined-outer-name
    """A client on a freshly reset simulator with fast background work."""
    client = Cpm(sim)
    client.admin('POST', 'reset', {})
    client.config(backup_seconds=0.2, dr_seconds=0.1, s3_copy_seconds=0.1, worker_test_seconds=0.1,
                  settings_run_seconds=0.05, email_verify_seconds=0.1)
    yield client
    client.session.close()


def new_user(cpm, username='alice', managed=False, **profile):  # pylint: disable=redefined-outer-name
    """POST users/ and return the user."""
    body = {'username': username, 'password': 'Str0ng-secret-pass', 'email': '%s@example.com' % username,
            'profile': dict({'is_managed_user': managed}, **profile)}
    return cpm.ok(cpm.post('users/', body), 201)


# -- credentials ---------------------------------------------------------------------------------


def test_default_passwords_admin(cpm):  # pylint: disable=redefined-outer-name
    passwords = cpm.admin('GET', 'cpm/passwords')['passwords']
    assert passwords['root'] == DEFAULT_PASSWORDS['root'] and set(passwords) == set(DEFAULT_PASSWORDS)
    ready = cpm.sim.ready_info()['services']['cpm']
    # Published for users/me/change_password/, and listed as a secret (CI greps the -vvvv log for it).
    assert ready['vars']['cpm_root_password'] == DEFAULT_PASSWORDS['root'] and 'cpm_root_password' in ready['secret_vars']
    cpm.ok(cpm.post('users/me/change_password/', {'old_password': DEFAULT_PASSWORDS['root'],
                                                  'new_password': 'Fresh-secret-pass'}), 201)
    assert 'root' not in cpm.admin('GET', 'cpm/passwords')['passwords']


def test_route_table_part3(sim):  # pylint: disable=redefined-outer-name
    service = sim.services['cpm']
    table = service.route_table()
    assert len(table) == len(set((m, p) for m, p, _s, _l in table))
    mine = [r for family in service.families if type(family) in PART3_FAMILIES for r in family.routes()]
    assert len(mine) == 136
    assert ('POST', '/api/settings/identifier/', '1.1.0', 44729) in table
    assert ('PUT', '/api/settings/identifier/', '1.4.0', 44854) in table


# -- users (Ch.26) --------------------------------------------------------------------------------


def test_user_create_update_delete(cpm):  # pylint: disable=redefined-outer-name
    user = new_user(cpm, max_instances=10, allow_cost_explorer=False)
    assert user['user_type'] == 'independent' and user['username'] == 'alice' and 'password' not in user
    assert user['profile']['max_instances'] == 10 and user['profile']['allow_cost_explorer'] is False
    assert set(user) == {'email', 'id', 'num_accounts', 'num_frozen_items', 'num_policies', 'profile', 'user_type',
                         'username'}
    assert cpm.ok(cpm.get('users/%d/' % user['id']))['profile']['max_instances'] == 10
    assert cpm.admin('POST', 'cpm/password-check', {'user': 'alice', 'password': 'Str0ng-secret-pass'})['ok']
    # PUT: email and profile; merge keeps what is not sent (D8)
    updated = cpm.ok(cpm.put('users/%d/' % user['id'], {'email': 'new@example.com', 'profile': {'max_accounts': 3}}))
    assert updated['email'] == 'new@example.com' and updated['profile']['max_instances'] == 10
    assert updated['profile']['max_accounts'] == 3
    cpm.config(put_semantics='replace')
    replaced = cpm.ok(cpm.put('users/%d/' % user['id'], {'profile': {'max_accounts': 3}}))
    assert replaced['profile']['max_instances'] == 0 and replaced['email'] == ''
    assert codes(cpm.put('users/%d/' % user['id'], {'email': 'x@example.com'}), 400) == {'profile': ['required']}
    # managed: joins root's applied_managed_users
    managed = new_user(cpm, 'bob', managed=True)
    assert managed['user_type'] == 'managed'
    root = cpm.ok(cpm.get('users/1/'))
    assert managed['id'] in root['profile']['applied_managed_users']
    # delete: 204 (knob: 200), then 404
    assert cpm.delete('users/%d/' % user['id']).status_code == 204
    assert cpm.get('users/%d/' % user['id']).status_code == 404
    cpm.config(user_delete_status='200')
    response = cpm.delete('users/%d/' % managed['id'])
    assert response.status_code == 200 and response.content == b''
    assert managed['id'] not in cpm.ok(cpm.get('users/1/'))['profile']['applied_managed_users']


def test_user_validation_and_permissions(cpm):  # pylint: disable=redefined-outer-name
    bad = cpm.post('users/', {'username': 'bad name', 'password': '123', 'email': 'nope',
                              'profile': {'applied_managed_users': [2], 'max_accounts': -1}})
    assert codes(bad, 400) == {'username': ['invalid'], 'profile.max_accounts': ['min_value']}  # field rules first
    bad = cpm.post('users/', {'username': 'bad', 'password': '123', 'email': 'nope',
                              'profile': {'applied_managed_users': [2]}})
    assert codes(bad, 400) == {'password': ['password_too_short', 'password_entirely_numeric'], 'email': ['invalid'],
                               'profile.applied_managed_users': ['does_not_exist']}
    assert codes(cpm.post('users/', {'username': 'x'}), 400) == {'password': ['required'], 'profile': ['required']}
    assert codes(cpm.post('users/', {'username': 'tenant', 'password': 'Val1d-pass-word', 'profile': {}}),
                 400) == {'username': ['unique']}
    for who in ('tenant', 'operator', 'auditor'):
        assert cpm.post('users/', {'username': 'z'}, who=who).status_code == 403
        assert cpm.put('users/2/', {'profile': {}}, who=who).status_code == 403
        assert cpm.delete('users/2/', who=who).status_code == 403
    cpm.config(license_max_users=2)
    assert cpm.post('users/', {'username': 'over', 'password': 'Val1d-pass-word', 'profile': {}}).status_code == 403
    assert cpm.get('users/4/').status_code == 404  # a delegate is not a user of users/


def test_user_delete_rules_and_cascade(cpm):  # pylint: disable=redefined-outer-name
    assert codes(cpm.delete('users/1/'), 403) == {'detail': ['permission_denied']}
    blocked = cpm.delete('users/1/')
    assert 'Root' in blocked.json()['errors'][0]['detail'][0]['message']
    # tenant has no delegates: give him one, deletion is refused while it exists
    delegate = cpm.ok(cpm.post('delegates/', {'username': 'tenant-ops', 'password': 'Val1d-pass-word',
                                              'profile': {'original_user': TENANT, 'allow_backup_changes': True}}), 201)
    refused = cpm.delete('users/%d/' % TENANT)
    assert codes(refused, 403) == {'detail': ['permission_denied']}
    assert 'delegates' in refused.json()['errors'][0]['detail'][0]['message']
    cpm.ok(cpm.delete('delegates/%d/' % delegate['id']), 204)
    # the tenant owns an account, a policy, a schedule, a worker tag and notifications: all go
    cpm.ok(cpm.post('schedules/', {'name': 'tn', 'every_how_many': 1, 'user': TENANT}, who='tenant'), 201)
    cpm.ok(cpm.post('policies/', {'name': 'tp', 'account': TENANT_MAIN}, who='tenant'), 201)
    cpm.ok(cpm.post('worker_tags/', {'account': TENANT_MAIN, 'key': 'team'}, who='tenant'), 201)
    cpm.ok(cpm.post('settings/notifications/', {'user': TENANT, 'sns_authentication': 'C', 'sns_region': 'us-east-1',
                                                'sns_access_key': 'AKIA1', 'sns_secret_key': 's3cr3t'},
                    who='tenant'), 201)
    assert cpm.delete('users/%d/' % TENANT).status_code == 204
    accounts = cpm.ok(cpm.get('accounts/'))
    assert TENANT_MAIN not in [a['id'] for a in accounts]
    assert all(s['user'] != TENANT for s in cpm.ok(cpm.get('schedules/')))
    assert cpm.ok(cpm.get('worker_tags/')) == [] and cpm.ok(cpm.get('settings/notifications/')) == []
    assert cpm.post('token/obtain/api_key/', {'api_key': KEYS['tenant']}).status_code == 401  # the user is gone


def test_external_users_and_passwords(cpm):  # pylint: disable=redefined-outer-name
    external = cpm.admin('POST', 'cpm/users', {'username': 'sso', 'user_type': 'independent',
                                               'is_external_authentication': True, 'domain_name': 'corp.example'})['user']
    assert cpm.ok(cpm.get('users/%d/' % external['id']))['profile']['domain_name'] == 'corp.example'
    assert cpm.put('users/%d/' % external['id'], {'profile': {}}).status_code == 403
    assert cpm.post('users/%d/reset_password/' % external['id'], {'new_password': 'Val1d-pass-word'}).status_code == 403
    assert codes(cpm.post('delegates/', {'username': 'sso-ops', 'password': 'Val1d-pass-word',
                                         'profile': {'original_user': external['id']}}), 400) == {
        'profile.original_user': ['invalid']}
    # reset another user's password: 201, no body; root cannot reset his own
    response = cpm.post('users/2/reset_password/', {'new_password': 'N3w-secret-pass'})
    assert response.status_code == 201 and response.content == b''
    assert cpm.admin('POST', 'cpm/password-check', {'user': 2, 'password': 'N3w-secret-pass'})['ok']
    assert cpm.post('users/1/reset_password/', {'new_password': 'N3w-root-pass'}).status_code == 403
    assert codes(cpm.post('users/2/reset_password/', {'new_password': 'short'}), 400) == {
        'new_password': ['password_too_short']}
    # own password: old one checked; delegates may change theirs
    wrong = cpm.post('users/me/change_password/', {'old_password': 'nope', 'new_password': 'An0ther-secret-pass'})
    assert codes(wrong, 400) == {'old_password': ['password_incorrect']}
    changed = cpm.post('users/me/change_password/', {'old_password': DEFAULT_PASSWORDS['root'],
                                                     'new_password': 'An0ther-secret-pass'})
    assert changed.status_code == 201 and changed.content == b''
    assert cpm.admin('POST', 'cpm/password-check', {'user': 'root', 'password': 'An0ther-secret-pass'})['ok']
    cpm.ok(cpm.post('users/me/change_password/', {'old_password': DEFAULT_PASSWORDS['operator'],
                                                  'new_password': 'Op3rator-new-pass'}, who='operator'), 201)
    assert codes(cpm.post('users/me/change_password/', {}), 400) == {
        'old_password': ['required'], 'new_password': ['required']}


def test_user_api_key_admin_and_root_profile(cpm):  # pylint: disable=redefined-outer-name
    user = new_user(cpm, 'carol')
    key = cpm.admin('POST', 'cpm/user-api-key', {'user': user['id']})['api_key']
    cpm.keys['carol'] = key
    assert cpm.ok(cpm.get('accounts/', who='carol')) == []
    root = cpm.ok(cpm.put('users/1/', {'email': 'boss@example.com', 'profile': {'max_accounts': 1}}))
    assert root['email'] == 'boss@example.com' and root['profile']['max_accounts'] == 0  # root's profile is fixed


# -- delegates (Ch.10) ----------------------------------------------------------------------------


def test_delegates_crud(cpm):  # pylint: disable=redefined-outer-name
    listed = cpm.ok(cpm.get('delegates/'))
    assert [d['username'] for d in listed] == ['operator', 'auditor']
    operator = listed[0]
    assert operator['user_type'] == 'delegate' and operator['profile']['original_user'] == ROOT
    assert set(operator['profile']) == {'allow_account_changes', 'allow_backup_changes', 'allow_recovery',
                                        'allow_settings_changes', 'domain_name', 'is_external_authentication',
                                        'original_user'}
    created = cpm.ok(cpm.post('delegates/', {'username': 'night-shift', 'password': 'Val1d-pass-word',
                                             'email': 'ns@example.com',
                                             'profile': {'original_user': ROOT, 'allow_recovery': True}}), 201)
    assert created['profile']['allow_recovery'] is True and created['profile']['allow_backup_changes'] is False
    assert 'password' not in created
    assert [d['username'] for d in cpm.ok(cpm.get('delegates/?search=night'))] == ['night-shift']
    assert len(cpm.ok(cpm.get('delegates/?original_user=1'))) == 3
    assert [d['username'] for d in cpm.ok(cpm.get('delegates/?ordering=-username'))][0] == 'operator'
    updated = cpm.ok(cpm.put('delegates/%d/' % created['id'], {'profile': {'allow_settings_changes': True}}))
    assert updated['profile']['allow_settings_changes'] and updated['profile']['allow_recovery']  # merge
    assert codes(cpm.put('delegates/%d/' % created['id'], {'email': 'x@example.com'}), 400) == {'profile': ['required']}
    cpm.ok(cpm.post('delegates/%d/reset_password/' % created['id'], {'new_password': 'R3set-pass-word'}), 201)
    assert cpm.admin('POST', 'cpm/password-check', {'user': 'night-shift', 'password': 'R3set-pass-word'})['ok']
    assert cpm.get('delegates/%d/' % created['id'], who='operator').status_code == 403
    assert cpm.get('delegates/99/').status_code == 404
    assert cpm.get('delegates/2/').status_code == 404  # a user is not a delegate
    assert codes(cpm.post('delegates/', {'username': 'x2', 'password': 'Val1d-pass-word',
                                         'profile': {'original_user': OPERATOR}}), 400) == {
        'profile.original_user': ['does_not_exist']}
    cpm.config(user_delete_status='200')
    assert cpm.delete('delegates/%d/' % created['id']).status_code == 200
    assert cpm.get('delegates/%d/' % created['id']).status_code == 404


# -- identity provider (Ch.23.26-23.40) ------------------------------------------------------------


def test_identity_provider_settings_and_test(cpm):  # pylint: disable=redefined-outer-name
    settings = cpm.ok(cpm.get('settings/identity_provider/'))
    assert settings['directory_service_enabled'] is False and settings['x509cert_filename'] is None
    assert 'x509cert' not in settings and settings['redirect_url'] is None
    missing = cpm.post('settings/identity_provider/', {'directory_service_enabled': True})
    assert codes(missing, 400) == {'entity_id': ['required'], 'signin_url': ['required'], 'x509cert': ['required']}
    body = {'directory_service_enabled': True, 'entity_id': 'urn:idp', 'signin_url': 'https://idp.example/sso',
            'x509cert': PEM, 'nameid_format': 'email', 'cpm_address': 'cpm.example'}
    saved = cpm.ok(cpm.post('settings/identity_provider/', body), 201)
    assert saved['x509cert_filename'] == 'idp_certificate.pem' and 'x509cert' not in saved
    assert codes(cpm.post('settings/identity_provider/', dict(body, signin_url='ftp:/x')), 400) == {
        'signin_url': ['invalid']}
    # replace (default): fields not sent go back to defaults, the certificate (write-only) is kept
    again = cpm.ok(cpm.post('settings/identity_provider/', {'entity_id': 'urn:idp2'}), 201)
    assert again['nameid_format'] == 'unspecified' and again['x509cert_filename'] == 'idp_certificate.pem'
    cpm.ok(cpm.post('settings/identity_provider/', body), 201)
    response = cpm.post('settings/identity_provider/test_connection/', {})
    assert response.status_code == 200 and response.content == b''
    assert cpm.ok(cpm.get('settings/identity_provider/'))['redirect_url'].startswith('https://idp.example/sso?')
    cpm.admin('POST', 'cpm/fail-next-connection-test', {'which': 'idp', 'message': 'bad signature'})
    assert codes(cpm.post('settings/identity_provider/test_connection/', {}), 400) == {'non_field_errors': ['invalid']}
    cpm.config(license_idp=False)
    assert cpm.post('settings/identity_provider/test_connection/', {}).status_code == 403
    address = cpm.ok(cpm.get('settings/identity_provider/cpm_addresses/'))
    assert address == {'address': '127.0.0.1', 'address_type': 'IP'}
    assert cpm.get('settings/identity_provider/', who='tenant').status_code == 403


def test_identity_provider_groups(cpm):  # pylint: disable=redefined-outer-name
    combined = cpm.ok(cpm.get('settings/identity_provider/groups/'))
    assert [g['name'] for g in combined] == ['default-independent', 'default-managed']
    assert all(g['default_group'] for g in combined)
    users = cpm.ok(cpm.post('settings/identity_provider/groups/users/', {'name': 'ops', 'user_type': 'I',
                                                                         'max_instances': 5}), 201)
    assert users['user_type'] == 'I' and users['max_instances'] == 5 and users['default_group'] is False
    assert 'original_username' not in users
    delegates = cpm.ok(cpm.post('settings/identity_provider/groups/delegates/', {
        'name': 'ops-delegates', 'original_username': 'root', 'allow_backup_changes': True}), 201)
    assert delegates['user_type'] == 'D' and 'max_instances' not in delegates
    assert codes(cpm.post('settings/identity_provider/groups/delegates/', {'name': 'ops', 'original_username': 'nobody'}),
                 400) == {'name': ['unique'], 'original_username': ['does_not_exist']}
    assert codes(cpm.post('settings/identity_provider/groups/users/', {'name': 'd', 'user_type': 'D'}), 400) == {
        'user_type': ['invalid_choice']}
    combined = cpm.ok(cpm.get('settings/identity_provider/groups/'))
    assert len(combined) == 4 and set(combined[0]) == set(combined[3])
    assert len(cpm.ok(cpm.get('settings/identity_provider/groups/users/'))) == 3
    got = cpm.ok(cpm.get('settings/identity_provider/groups/delegates/%d/' % delegates['id']))
    assert got['original_username'] == 'root'
    assert cpm.get('settings/identity_provider/groups/users/%d/' % delegates['id']).status_code == 404
    updated = cpm.ok(cpm.put('settings/identity_provider/groups/users/%d/' % users['id'],
                             {'name': 'ops', 'user_type': 'M'}))
    assert updated['user_type'] == 'M' and updated['max_instances'] == 5
    assert codes(cpm.put('settings/identity_provider/groups/users/%d/' % users['id'], {'name': 'ops'}), 400) == {
        'user_type': ['required']}
    assert cpm.delete('settings/identity_provider/groups/users/1/').status_code == 403  # a default group
    assert cpm.delete('settings/identity_provider/groups/users/%d/' % users['id']).status_code == 204
    cpm.config(user_delete_status='200')
    assert cpm.delete('settings/identity_provider/groups/delegates/%d/' % delegates['id']).status_code == 200


# -- workers and worker tags (Ch.27, Ch.28) --------------------------------------------------------


def network(cpm, account=MAIN, region='us-east-1'):  # pylint: disable=redefined-outer-name
    """(vpc, subnet, security group) of the account's region in the simulated AWS inventory."""
    instance = cpm.admin('GET', 'cpm/inventory?account=%d&region=%s&kind=instances' % (account, region))['resources'][0]
    return instance['vpc_id'], instance['subnet_id'], instance['security_groups'][0]


def test_worker_configuration_crud(cpm):  # pylint: disable=redefined-outer-name
    vpc, subnet, group = network(cpm)
    body = {'account': MAIN, 'region': 1, 'aws_vpc': vpc, 'aws_subnet': subnet, 'aws_security_group': group,
            'requires_http_proxy': True, 'http_proxy_address': 'proxy.local', 'http_proxy_port': 3128,
            'http_proxy_user_name': 'w', 'http_proxy_password_encrypted': 'pr0xy-secret'}
    worker = cpm.ok(cpm.post('workers/', body), 201)
    assert 'http_proxy_password_encrypted' not in worker and worker['user'] == ROOT and worker['region'] == 1
    assert set(worker) == {'account', 'aws_key_pair', 'aws_security_group', 'aws_subnet', 'aws_vpc',
                           'http_proxy_address', 'http_proxy_port', 'http_proxy_user_name', 'id', 'last_modified',
                           'region', 'requires_http_proxy', 'user'}
    # one configuration per account and region (knob unique_worker_config)
    assert codes(cpm.post('workers/', body), 400) == {'non_field_errors': ['unique']}
    cpm.config(unique_worker_config=False)
    cpm.ok(cpm.post('workers/', dict(body, requires_http_proxy=False)), 201)
    assert codes(cpm.post('workers/', {'account': MAIN, 'region': 99, 'aws_vpc': 'v', 'aws_security_group': 's',
                                       'requires_http_proxy': True}), 400) == {
        'region': ['invalid_choice'], 'http_proxy_address': ['required'], 'http_proxy_port': ['required']}
    assert codes(cpm.post('workers/', {}), 400) == {'account': ['required'], 'aws_vpc': ['required'],
                                                    'aws_security_group': ['required'], 'region': ['required']}
    # PUT needs account, region, vpc and security group; the write-only password is kept
    updated = cpm.ok(cpm.put('workers/%d/' % worker['id'], {'account': MAIN, 'region': 1, 'aws_vpc': vpc,
                                                            'aws_security_group': group, 'aws_key_pair': 'kp'}))
    assert updated['aws_key_pair'] == 'kp' and updated['http_proxy_port'] == 3128
    assert codes(cpm.put('workers/%d/' % worker['id'], {'aws_key_pair': 'kp'}), 400) == {
        'account': ['required'], 'aws_vpc': ['required'], 'aws_security_group': ['required'], 'region': ['required']}
    stored = cpm.admin('GET', 'cpm/workers')['workers'][0]
    assert 'http_proxy_password_encrypted' not in stored
    assert [w['id'] for w in cpm.ok(cpm.get('workers/?account=1&ordering=-region'))] == [worker['id'], worker['id'] + 1]
    assert cpm.ok(cpm.get('workers/', who='tenant')) == []
    assert cpm.get('workers/%d/' % worker['id'], who='tenant').status_code == 404
    assert cpm.post('workers/', body, who='auditor').status_code == 403  # delegates need allow_account_changes
    assert cpm.delete('workers/%d/' % worker['id']).status_code == 204
    assert cpm.get('workers/%d/' % worker['id']).status_code == 404


def test_worker_region_name_and_network_check(cpm):  # pylint: disable=redefined-outer-name
    vpc, subnet, group = network(cpm)
    cpm.config(worker_region='name', worker_network_check='inventory')
    bad = cpm.post('workers/', {'account': MAIN, 'region': 'us-east-1', 'aws_vpc': vpc, 'aws_subnet': 'subnet-other',
                                'aws_security_group': 'sg-other'})
    assert codes(bad, 400) == {'aws_subnet': ['invalid'], 'aws_security_group': ['invalid']}
    assert codes(cpm.post('workers/', {'account': MAIN, 'region': 'us-east-1', 'aws_vpc': 'vpc-nope',
                                       'aws_security_group': group}), 400) == {'aws_vpc': ['invalid']}
    worker = cpm.ok(cpm.post('workers/', {'account': MAIN, 'region': 'us-east-1', 'aws_vpc': vpc, 'aws_subnet': subnet,
                                          'aws_security_group': group}), 201)
    assert worker['region'] == 'us-east-1'
    assert codes(cpm.post('workers/', {'account': MAIN, 'region': 'mars-1', 'aws_vpc': vpc,
                                       'aws_security_group': group}), 400) == {'region': ['invalid_choice']}


def test_worker_test_sessions(cpm):  # pylint: disable=redefined-outer-name
    vpc, subnet, group = network(cpm)
    good = cpm.ok(cpm.post('workers/', {'account': MAIN, 'region': 1, 'aws_vpc': vpc, 'aws_subnet': subnet,
                                        'aws_security_group': group}), 201)
    session = cpm.ok(cpm.post('workers/%d/test/' % good['id']), 202)
    assert session['session_status'] == 'I' and session['configuration'] == good['id'] and session['end_time'] is None
    assert set(session) == {'configuration', 'end_time', 'id', 'session_status', 'start_time', 'test_session_fail_desc',
                            'worker'}
    assert codes(cpm.post('workers/%d/test/' % good['id']), 400) == {'non_field_errors': ['invalid']}
    path = 'workers/%d/test/%d/' % (good['id'], session['id'])
    done = wait_for(lambda: cpm.ok(cpm.get(path))['session_status'] != 'I' and cpm.ok(cpm.get(path)))
    assert done['session_status'] == 'S' and done['end_time'] and done['test_session_fail_desc'] is None
    # a planned failure, then a network the inventory does not have
    cpm.admin('POST', 'cpm/fail-next-worker-test', {'configuration': good['id'], 'description': 'no route to CPM'})
    failed = cpm.ok(cpm.post('workers/%d/test/' % good['id']), 202)
    path = 'workers/%d/test/%d/' % (good['id'], failed['id'])
    done = wait_for(lambda: cpm.ok(cpm.get(path))['session_status'] != 'I' and cpm.ok(cpm.get(path)))
    assert done['session_status'] == 'F' and done['test_session_fail_desc'] == 'no route to CPM'
    bad = cpm.ok(cpm.post('workers/', {'account': MAIN, 'region': 4, 'aws_vpc': 'vpc-unknown',
                                       'aws_security_group': 'sg-1'}), 201)
    cpm.config(worker_test_seconds=0)
    done = cpm.ok(cpm.post('workers/%d/test/' % bad['id']), 202)
    assert done['session_status'] == 'F' and 'vpc-unknown' in done['test_session_fail_desc']
    assert cpm.get('workers/%d/test/%d/' % (bad['id'], session['id'])).status_code == 404
    alerts = cpm.ok(cpm.get('alerts/'))
    assert [a['category'] for a in alerts] == ['Worker', 'Worker']
    cpm.config(id_type='str')
    as_str = cpm.ok(cpm.get('workers/%s/test/%s/' % (bad['id'], done['id'])))
    assert as_str['configuration'] == str(bad['id']) and isinstance(as_str['worker'], str)


def test_worker_tags(cpm):  # pylint: disable=redefined-outer-name
    tag = cpm.ok(cpm.post('worker_tags/', {'account': MAIN, 'key': 'cost-center', 'value': '42'}), 201)
    assert tag == {'account': MAIN, 'id': tag['id'], 'key': 'cost-center', 'value': '42'}
    assert codes(cpm.post('worker_tags/', {'account': MAIN, 'key': 'cost-center'}), 400) == {'key': ['unique']}
    assert codes(cpm.post('worker_tags/', {'account': MAIN, 'key': 'aws:name'}), 400) == {'key': ['invalid']}
    assert codes(cpm.post('worker_tags/', {'account': 99, 'key': 'k'}), 400) == {'account': ['does_not_exist']}
    cpm.ok(cpm.post('worker_tags/', {'account': MANAGED_MAIN, 'key': 'env', 'value': 'prod'}), 201)
    assert [t['key'] for t in cpm.ok(cpm.get('worker_tags/?ordering=-key'))] == ['env', 'cost-center']
    assert [t['key'] for t in cpm.ok(cpm.get('worker_tags/?key=env'))] == ['env']
    assert [t['key'] for t in cpm.ok(cpm.get('worker_tags/?search=pro'))] == ['env']
    assert [t['key'] for t in cpm.ok(cpm.get('worker_tags/?user=3'))] == ['env']
    moved = cpm.ok(cpm.put('worker_tags/%d/' % tag['id'], {'account': MANAGED_MAIN, 'key': 'cost-center'}))
    assert moved['account'] == MANAGED_MAIN and moved['value'] == '42'
    assert codes(cpm.put('worker_tags/%d/' % tag['id'], {'value': 'x'}), 400) == {'account': ['required'],
                                                                                  'key': ['required']}
    assert cpm.get('worker_tags/%d/' % tag['id'], who='tenant').status_code == 404
    assert cpm.delete('worker_tags/%d/' % tag['id'], who='auditor').status_code == 403
    assert cpm.delete('worker_tags/%d/' % tag['id']).status_code == 204
    # deleting the account drops its tags and worker configurations
    cpm.ok(cpm.delete('accounts/%d/' % MANAGED_MAIN), 204)
    assert cpm.ok(cpm.get('worker_tags/')) == []


# -- settings (Ch.23) -----------------------------------------------------------------------------


SECTION_BODIES = {
    'capture_vpc': {'capture_vpcs': True, 'capture_vpcs_interval': 12},
    'cleanup': {'cleanup_interval': 2, 'cleanup_type': 'snapshots', 'days_until_single_ami_rotation': 7,
                'keep_deleted_backup_records': 10, 'keep_resource_control_records': 10, 'keep_user_audit_logs_days': 10},
    'cost_explorer': {'enabled': False},
    'cpm_log_mode': {'cpm_log_mode': 'DEBUG'},
    'email_identity': {'enabled': True, 'email_address': 'cpm@example.com', 'ses_authentication': 'C',
                       'ses_access_key': 'AKIASES', 'ses_secret_key': 'ses-s3cret', 'ses_region': 'us-east-1'},
    'file_level_recovery': {'enable_file_level_recovery': True, 'use_exisiting_account': True,
                            'existing_account': 'main'},
    'proxy': {'enabled': True, 'address': 'proxy.local', 'port': 8080, 'user': 'p', 'password': 'pr0xy'},
    'security': {'encryption_key_detection': 'A'},
    'tagscan': {'tag_scan_interval': 6, 'scan_resources': True},
}


def test_settings_sections_round_trip(cpm):  # pylint: disable=redefined-outer-name
    for section, body in SECTION_BODIES.items():
        before = cpm.ok(cpm.get('settings/%s/' % section))
        assert isinstance(before, dict), section
        saved = cpm.ok(cpm.post('settings/%s/' % section, body), 201)
        for key, value in body.items():
            if key in ('ses_secret_key', 'password', 'aws_secret_key'):
                assert key not in saved, section
            else:
                assert saved[key] == value, (section, key)
        assert cpm.ok(cpm.get('settings/%s/' % section)) == saved
    view = cpm.admin('GET', 'cpm/settings')
    assert view['sections']['proxy']['password_fingerprint'].startswith('sha256:')
    assert 'password' not in view['sections']['proxy']
    assert set(cpm.ok(cpm.get('settings/cleanup/'))) >= {'last_cleanup_time', 'last_s3_cleanup_time'}


def test_settings_validation_and_modes(cpm):  # pylint: disable=redefined-outer-name
    assert codes(cpm.post('settings/cleanup/', {'cleanup_interval': 0}), 400) == {
        'cleanup_interval': ['min_value'], 'days_until_single_ami_rotation': ['required'],
        'keep_deleted_backup_records': ['required'], 'keep_resource_control_records': ['required'],
        'keep_user_audit_logs_days': ['required']}
    assert codes(cpm.post('settings/security/', {'encryption_key_detection': 'X'}), 400) == {
        'encryption_key_detection': ['invalid_choice']}
    assert codes(cpm.post('settings/email_identity/', {'enabled': True, 'ses_authentication': 'A'}), 400) == {
        'email_address': ['required'], 'ses_region': ['required'], 'ses_account': ['required']}
    assert codes(cpm.post('settings/proxy/', {'enabled': True}), 400) == {'address': ['required'], 'port': ['required']}
    assert codes(cpm.post('settings/file_level_recovery/', {'use_exisiting_account': True, 'existing_account': 'x'}),
                 400) == {'existing_account': ['does_not_exist']}
    # replace (default) vs merge: a key not sent
    cpm.ok(cpm.post('settings/tagscan/', {'tag_scan_interval': 6, 'scan_resources': True}), 201)
    assert cpm.ok(cpm.post('settings/tagscan/', {'tag_scan_interval': 8}), 201)['scan_resources'] is False
    cpm.config(settings_post='merge')
    cpm.ok(cpm.post('settings/tagscan/', {'tag_scan_interval': 6, 'scan_resources': True}), 201)
    assert cpm.ok(cpm.post('settings/tagscan/', {'tag_scan_interval': 8}), 201)['scan_resources'] is True
    cpm.ok(cpm.post('settings/tagscan/', {'tag_scan_interval': 8, 'cleanup_interval': 3}), 201)  # ignored (DRF)
    assert cpm.admin('GET', 'cpm/settings')['ignored_keys'] == [{'section': 'tagscan', 'keys': ['cleanup_interval']}]
    # write-only secrets are kept when not sent, in both modes
    cpm.ok(cpm.post('settings/proxy/', SECTION_BODIES['proxy']), 201)
    cpm.config(settings_post='replace')
    cpm.ok(cpm.post('settings/proxy/', {'enabled': True, 'address': 'proxy.local', 'port': 8080}), 201)
    assert cpm.admin('GET', 'cpm/settings')['sections']['proxy']['password_fingerprint'] is not None


def test_settings_permissions(cpm):  # pylint: disable=redefined-outer-name
    assert cpm.get('settings/cleanup/', who='tenant').status_code == 403
    assert cpm.get('settings/cleanup/', who='operator').status_code == 403  # no allow_settings_changes
    delegate = cpm.ok(cpm.post('delegates/', {'username': 'admin-ops', 'password': 'Val1d-pass-word',
                                              'profile': {'original_user': ROOT, 'allow_settings_changes': True}}), 201)
    key = cpm.admin('POST', 'cpm/user-api-key', {'user': delegate['id']})['api_key']
    cpm.keys['admin-ops'] = key
    assert cpm.get('settings/cleanup/', who='admin-ops').status_code == 200
    cpm.config(settings_delegates='root_only')
    assert cpm.get('settings/cleanup/', who='admin-ops').status_code == 403
    # cost explorer: root and his delegates (writes need allow_settings_changes)
    assert cpm.get('settings/cost_explorer/', who='auditor').status_code == 200
    assert cpm.post('settings/cost_explorer/', {'enabled': True}, who='auditor').status_code == 403
    assert cpm.post('settings/cost_explorer/', {'enabled': True}, who='admin-ops').status_code == 201
    assert cpm.get('settings/cost_explorer/', who='tenant').status_code == 403
    cpm.config(license_capture_vpc=False)
    assert cpm.get('settings/capture_vpc/').status_code == 403
    assert cpm.post('settings/capture_vpc/run/').status_code == 403


def test_identifier_regenerates_only_on_post(cpm):  # pylint: disable=redefined-outer-name
    first = cpm.ok(cpm.get('settings/identifier/'))
    assert first['cpm_name'] == 'cpm-sim' and len(first['cpm_uuid']) == 36
    kept = cpm.ok(cpm.put('settings/identifier/', {'cpm_name': 'prod-cpm'}))
    assert kept == {'cpm_name': 'prod-cpm', 'cpm_uuid': first['cpm_uuid']}
    assert cpm.admin('GET', 'cpm/identifier')['regenerations'] == 0
    regenerated = cpm.ok(cpm.post('settings/identifier/', {'cpm_name': 'prod-cpm'}), 201)
    assert regenerated['cpm_name'] == 'prod-cpm' and regenerated['cpm_uuid'] != first['cpm_uuid']
    view = cpm.admin('GET', 'cpm/identifier')
    assert view['regenerations'] == 1 and view['updates'] == 1 and view['cpm_uuid'] == regenerated['cpm_uuid']
    posts = [r for r in cpm.admin('GET', 'requests?service=cpm')['requests']
             if r['method'] == 'POST' and r['path'].endswith('/settings/identifier/')]
    assert len(posts) == 1
    assert codes(cpm.put('settings/identifier/', {}), 400) == {'cpm_name': ['required']}
    # knob identifier_initial unset: nothing until a POST creates it; PUT is 404
    cpm.admin('POST', 'reset', {'service': 'cpm'})
    cpm.tokens = {}
    cpm.config(identifier_initial='unset')
    assert cpm.ok(cpm.get('settings/identifier/')) == {'cpm_name': None, 'cpm_uuid': None}
    assert codes(cpm.put('settings/identifier/', {'cpm_name': 'x'}), 404) == {'detail': ['not_found']}
    created = cpm.ok(cpm.post('settings/identifier/', {'cpm_name': 'x'}), 201)
    assert cpm.ok(cpm.put('settings/identifier/', {'cpm_name': 'y'}))['cpm_uuid'] == created['cpm_uuid']
    assert cpm.get('settings/identifier/', who='tenant').status_code == 403


def test_settings_runs_and_logs(cpm):  # pylint: disable=redefined-outer-name
    assert cpm.ok(cpm.get('settings/cleanup/logs/')) == []
    response = cpm.post('settings/cleanup/run/')
    assert response.status_code == 202 and response.content == b''
    cpm.config(settings_run_seconds=5)
    cpm.ok(cpm.post('settings/tagscan/run/'), 202)
    assert codes(cpm.post('settings/tagscan/run/'), 400) == {'non_field_errors': ['invalid']}
    cpm.config(settings_run_seconds=0.05)
    wait_for(lambda: cpm.ok(cpm.get('settings/cleanup/'))['last_cleanup_time'])
    logs = cpm.ok(cpm.get('settings/cleanup/logs/'))
    assert logs[0]['log'] == 'Operation cleanup started.' and logs[-1]['log'] == 'Operation cleanup finished.'
    assert set(logs[0]) == {'log', 'log_time', 'log_type'}
    csv_response = cpm.get('settings/cleanup/logs/', headers={'Accept': 'text/csv'})
    assert csv_response.headers['Content-Type'].startswith('text/csv')
    assert csv_response.text.splitlines()[0] == 'Time,Severity,Message' and len(csv_response.text.splitlines()) == \
        len(logs) + 1
    # S3 clean-up logs go to s3_logs
    cpm.ok(cpm.post('settings/cleanup/', dict(SECTION_BODIES['cleanup'], cleanup_type='s3')), 201)
    cpm.ok(cpm.post('settings/cleanup/run/'), 202)
    wait_for(lambda: cpm.ok(cpm.get('settings/cleanup/'))['last_s3_cleanup_time'])
    assert cpm.ok(cpm.get('settings/cleanup/s3_logs/'))[-1]['log'] == 'Operation cleanup s3 finished.'
    assert cpm.ok(cpm.get('settings/cleanup/logs/', who='tenant')) == []  # system lines are root's


def test_tag_scan_and_capture_runs(cpm):  # pylint: disable=redefined-outer-name
    cpm.ok(cpm.put('accounts/backup/1/', {'name': 'main', 'authentication': 'C', 'scan_tagged_resources': True,
                                          'capture_vpcs': True}))
    cpm.admin('POST', 'cpm/inventory', {'account': MAIN, 'region': 'us-east-1', 'kind': 'instances', 'name': 'tagged-1',
                                        'tags': {'cpm backup': 'nightly'}})
    cpm.ok(cpm.post('settings/tagscan/run/'), 202)
    wait_for(lambda: cpm.ok(cpm.get('settings/tagscan/'))['last_resources_scan_time'])
    policies = cpm.ok(cpm.get('policies/?search=nightly'))
    assert [p['name'] for p in policies] == ['nightly'] and policies[0]['created_by_tag']
    assert any('added to policy nightly (created)' in row['log'] for row in cpm.ok(cpm.get('settings/tagscan/logs/')))
    cpm.ok(cpm.post('settings/capture_vpc/run/'), 202)
    wait_for(lambda: cpm.ok(cpm.get('settings/capture_vpc/'))['last_capture_vpcs_time'])
    assert any('Captured VPC vpc-' in row['log'] for row in cpm.ok(cpm.get('settings/capture_vpc/logs/')))


def test_email_identity_verification(cpm):  # pylint: disable=redefined-outer-name
    assert codes(cpm.get('settings/email_identity/verify_status/'), 400) == {'email_address': ['required']}
    status = cpm.ok(cpm.get('settings/email_identity/verify_status/?email_address=a@example.com'))
    assert status == {'email_address': 'a@example.com', 'status': 'NotStarted'}
    response = cpm.post('settings/email_identity/verify/', {'email_address': 'a@example.com'})
    assert response.status_code == 200 and response.content == b''
    assert cpm.ok(cpm.get('settings/email_identity/verify_status/?email_address=a@example.com'))['status'] == 'Pending'
    wait_for(lambda: cpm.ok(cpm.get('settings/email_identity/verify_status/?email_address=a@example.com'))[
        'status'] == 'Success')
    cpm.admin('POST', 'cpm/fail-next-email-verification', {'email_address': 'b@example.com'})
    cpm.ok(cpm.post('settings/email_identity/verify/', {'email_address': 'b@example.com'}), 200)
    wait_for(lambda: cpm.ok(cpm.get('settings/email_identity/verify_status/?email_address=b@example.com'))[
        'status'] == 'Failed')
    cpm.ok(cpm.post('settings/email_identity/', SECTION_BODIES['email_identity']), 201)
    assert cpm.ok(cpm.get('settings/email_identity/verify_status/'))['email_address'] == 'cpm@example.com'
    assert codes(cpm.post('settings/email_identity/verify/', {'email_address': 'not-an-address'}), 400) == {
        'email_address': ['invalid']}


def test_proxy_test_connection(cpm):  # pylint: disable=redefined-outer-name
    assert codes(cpm.post('settings/proxy/test_connection/', {}), 400) == {'non_field_errors': ['invalid']}
    response = cpm.post('settings/proxy/test_connection/', {'enabled': True, 'address': 'p', 'port': 3128})
    assert response.status_code == 200 and response.content == b''
    assert cpm.ok(cpm.get('settings/proxy/'))['enabled'] is False  # a test does not save
    cpm.admin('POST', 'cpm/fail-next-connection-test', {'which': 'proxy'})
    assert cpm.post('settings/proxy/test_connection/', {'enabled': True, 'address': 'p', 'port': 1}).status_code == 400


def test_notifications_per_user(cpm):  # pylint: disable=redefined-outer-name
    body = {'user': ROOT, 'sns_authentication': 'C', 'sns_region': 'us-east-1', 'sns_access_key': 'AKIASNS',
            'sns_secret_key': 'sns-s3cret', 'alerts': {'enabled': True, 'create_new_topic': True, 'add_user_email': True},
            'daily_summary': {'summary_daily_time': '7', 'enable_summary': True, 'use_same_sns_topic': True}}
    record = cpm.ok(cpm.post('settings/notifications/', body), 201)
    assert 'sns_secret_key' not in record and set(record['alerts']) == {'enabled', 'sns_alerts_topic_arn'}
    assert record['alerts']['sns_alerts_topic_arn'].startswith('arn:aws:sns:us-east-1:')
    assert record['daily_summary']['sns_summary_topic_arn'] == record['alerts']['sns_alerts_topic_arn']
    assert record['daily_summary']['summary_daily_time'] == '07:00'
    assert codes(cpm.post('settings/notifications/', body), 400) == {'user': ['unique']}
    assert cpm.ok(cpm.get('settings/notifications/?user=1')) == [record]
    assert cpm.ok(cpm.get('settings/notifications/%d/' % record['id'])) == record
    assert cpm.get('settings/notifications/%d/' % record['id'], who='operator').status_code == 403
    update = {'sns_authentication': 'C', 'sns_region': 'eu-west-1', 'sns_access_key': 'AKIASNS',
              'daily_summary': {'summary_daily_time': '18:30'}}
    updated = cpm.ok(cpm.put('settings/notifications/%d/' % record['id'], update))
    assert updated['sns_region'] == 'eu-west-1' and updated['daily_summary']['summary_daily_time'] == '18:30'
    assert updated['alerts']['enabled'] is True  # merge
    response = cpm.post('settings/notifications/%d/test_daily_summary/' % record['id'])
    assert response.status_code == 200 and response.content == b''
    assert len(cpm.admin('GET', 'cpm/settings')['subscriptions']) == 1
    assert codes(cpm.post('settings/notifications/', {'user': TENANT, 'sns_authentication': 'R', 'sns_region': 'x',
                                                      'daily_summary': {'summary_daily_time': '25'}}, who='tenant'),
                 400) == {'sns_region': ['invalid_choice'], 'daily_summary.summary_daily_time': ['invalid']}
    assert cpm.post('settings/notifications/', {'user': TENANT, 'sns_authentication': 'R', 'sns_region': 'us-east-1'},
                    who='tenant').status_code == 403
    tenant = cpm.ok(cpm.post('settings/notifications/', {'user': TENANT, 'sns_authentication': 'A',
                                                         'sns_region': 'us-east-1', 'sns_account': TENANT_MAIN},
                             who='tenant'), 201)
    assert codes(cpm.post('settings/notifications/%d/test_daily_summary/' % tenant['id'], who='tenant'), 400) == {
        'non_field_errors': ['invalid']}
    assert cpm.post('settings/notifications/', {'user': ROOT}, who='tenant').status_code == 403
    assert [r['user'] for r in cpm.ok(cpm.get('settings/notifications/'))] == [ROOT]  # root does not reach tenants
    assert cpm.ok(cpm.get('settings/notifications/', who='tenant')) == [tenant]


def test_activation_key_patches_and_downloads(cpm):  # pylint: disable=redefined-outer-name
    response = cpm.post('settings/activation_key/', {'activation_key': 'ACT-1234-SECRET'})
    assert response.status_code == 201 and response.content == b''
    view = cpm.admin('GET', 'cpm/settings')
    assert view['activation_keys'][0]['fingerprint'].startswith('sha256:')
    assert 'ACT-1234-SECRET' not in str(view)
    assert codes(cpm.post('settings/activation_key/', {}), 400) == {'activation_key': ['required']}
    assert cpm.post('settings/activation_key/', {'activation_key': 'k'}, who='tenant').status_code == 403
    cpm.ok(cpm.post('settings/upgrade_patches/', {'patch_file': 'cpm-3.1.0-patch1.tar.gz'}), 201)
    assert codes(cpm.post('settings/upgrade_patches/', {'patch_file': 'cpm-3.1.0-patch1.tar.gz'}), 400) == {
        'patch_file': ['unique']}
    patches = cpm.ok(cpm.get('settings/upgrade_patches/'))
    assert patches[0]['name'] == 'cpm-3.1.0-patch1.tar.gz' and patches[0]['supported_versions'] == '3.1.0'
    certificate = cpm.get('settings/cpm_certificate/', headers={'Accept': 'application/json;'})
    assert certificate.status_code == 200 and b'BEGIN CERTIFICATE' in certificate.content
    metadata = cpm.get('settings/cpm_metadata/')
    assert metadata.status_code == 200 and b'EntityDescriptor' in metadata.content
    assert cpm.get('settings/cpm_metadata/', who='tenant').status_code == 403


# -- alerts (Ch.6) -----------------------------------------------------------------------------------


def test_alerts_from_backups_and_deletion(cpm):  # pylint: disable=redefined-outer-name
    assert cpm.ok(cpm.get('alerts/')) == []
    policy = cpm.ok(cpm.post('policies/', {'name': 'p1', 'account': MAIN}), 201)
    instance = cpm.admin('GET', 'cpm/inventory?account=1&region=us-east-1&kind=instances')['resources'][0]
    cpm.ok(cpm.post('policies/%d/targets/instances/' % policy['id'], {'aws_region': 'us-east-1',
                                                                      'aws_resource_id': instance['aws_id']}), 201)
    cpm.admin('POST', 'cpm/fail-next-backup', {'status': 'F'})
    cpm.ok(cpm.post('policies/%d/backups/' % policy['id']), 202)
    alerts = wait_for(lambda: cpm.ok(cpm.get('alerts/')))
    assert alerts[0]['severity'] == 'E' and alerts[0]['category'] == 'Backup' and alerts[0]['policy'] == policy['id']
    assert set(alerts[0]) == {'alert_time', 'category', 'id', 'message_body', 'policy', 'severity', 'title', 'user'}
    assert cpm.ok(cpm.get('alerts/', who='operator')) == alerts  # a delegate sees its original user's
    assert cpm.ok(cpm.get('alerts/', who='tenant')) == []
    assert cpm.get('alerts/%d/' % alerts[0]['id'], who='tenant').status_code == 404
    assert cpm.ok(cpm.get('alerts/%d/' % alerts[0]['id'])) == alerts[0]
    assert cpm.delete('alerts/%d/' % alerts[0]['id']).status_code == 204
    assert cpm.ok(cpm.get('alerts/')) == []  # not produced again
    for severity in ('I', 'C'):
        cpm.admin('POST', 'cpm/alerts', {'user': ROOT, 'severity': severity, 'title': 't'})
    assert len(cpm.ok(cpm.get('alerts/?page=1&page_size=1'))['results']) == 1
    assert cpm.delete('alerts/').status_code == 204
    assert cpm.ok(cpm.get('alerts/')) == []
    assert cpm.delete('alerts/').status_code == 204
    cpm.config(alerts_delete_all_empty='404')
    assert cpm.delete('alerts/').status_code == 404


# -- system and agents (Ch.24, Ch.5) ------------------------------------------------------------------


def test_dashboard_and_timezones(cpm):  # pylint: disable=redefined-outer-name
    state = cpm.ok(cpm.get('system/dashboard/state/'))
    assert state['accounts_num'] == 3 and state['policies_num'] == 0 and state['protected_instances_num'] == 0
    assert len(state) == 18
    policy = cpm.ok(cpm.post('policies/', {'name': 'p1', 'account': MAIN}), 201)
    instance = cpm.admin('GET', 'cpm/inventory?account=1&region=us-east-1&kind=instances')['resources'][0]
    cpm.ok(cpm.post('policies/%d/targets/instances/' % policy['id'], {'aws_region': 'us-east-1',
                                                                      'aws_resource_id': instance['aws_id']}), 201)
    cpm.ok(cpm.post('policies/%d/backups/' % policy['id']), 202)
    activity = wait_for(lambda: cpm.ok(cpm.get('system/dashboard/activity/'))['backup_success_num'] and
                        cpm.ok(cpm.get('system/dashboard/activity/')))
    assert activity['backup_success_num'] == 1 and activity['backup_fail_num'] == 0 and len(activity) == 9
    later = cpm.ok(cpm.get('system/dashboard/activity/?start_time=2999-01-01T00:00:00Z'))
    assert later['backup_success_num'] == 0
    assert codes(cpm.get('system/dashboard/activity/?start_time=soon'), 400) == {'start_time': ['invalid']}
    state = cpm.ok(cpm.get('system/dashboard/state/'))
    assert state['protected_instances_num'] == 1 and state['snapshots_volume_num'] == 2
    assert cpm.ok(cpm.get('system/dashboard/state/', who='tenant'))['accounts_num'] == 1
    zones = cpm.ok(cpm.get('system/timezones/'))
    assert zones[0]['id'] == 'UTC' and all(set(z) == {'id', 'display_name'} for z in zones)
    assert cpm.ok(cpm.get('system/timezones/?page=1&page_size=5'))['count'] == len(zones)
    assert cpm.ok(cpm.get('system/version/')) == {'api_version': '1.5.0', 'cpm_version': '3.1.0'}


def test_support_logs(cpm):  # pylint: disable=redefined-outer-name
    response = cpm.get('system/support_logs/?collect_system_logs=true&collect_worker_logs=true'
                       '&check_aws_permissions=true&collect_backup_logs_period=day',
                       headers={'Accept': 'application/json;'})
    assert response.status_code == 200 and response.headers['Content-Type'] == 'application/x-bzip2'
    assert response.headers['Content-Disposition'].endswith('.tar.bz2"')
    with tarfile.open(fileobj=io.BytesIO(bz2.decompress(response.content))) as archive:
        names = archive.getnames()
    assert 'cpm_support_logs/cpm_server.log' in names and 'cpm_support_logs/aws_permissions.csv' in names
    assert 'cpm_support_logs/system_logs/apache_access.log' in names
    assert KEYS['root'].encode() not in bz2.decompress(response.content)
    assert cpm.get('system/support_logs/', who='operator').status_code == 200
    assert cpm.get('system/support_logs/', who='tenant').status_code == 403
    assert codes(cpm.get('system/support_logs/?collect_backup_logs_period=year'), 400) == {
        'collect_backup_logs_period': ['invalid_choice']}


def test_agents(cpm):  # pylint: disable=redefined-outer-name
    agents = cpm.ok(cpm.get('agents/'))
    assert [a['name'] for a in agents] == ['main-web-1'] and agents[0]['related_policies'] == []
    assert set(agents[0]) == {'aws_instance_id', 'id', 'last_heard_from', 'name', 'related_policies', 'user'}
    instance = cpm.admin('GET', 'cpm/inventory?account=1&region=us-east-1&kind=instances')['resources'][0]
    assert agents[0]['aws_instance_id'] == instance['aws_id']
    policy = cpm.ok(cpm.post('policies/', {'name': 'p1', 'account': MAIN}), 201)
    cpm.ok(cpm.post('policies/%d/targets/instances/' % policy['id'], {'aws_region': 'us-east-1',
                                                                      'aws_resource_id': instance['aws_id']}), 201)
    assert cpm.ok(cpm.get('agents/'))[0]['related_policies'] == ['p1']
    cpm.admin('POST', 'cpm/agents', {'user': TENANT, 'name': 'tenant-agent', 'aws_instance_id': 'i-0123'})
    assert [a['name'] for a in cpm.ok(cpm.get('agents/', who='tenant'))] == ['tenant-agent']
    assert cpm.ok(cpm.get('agents/?user=root'))[0]['name'] == 'main-web-1'
    assert cpm.ok(cpm.get('agents/?search=i-0123')) == []
    assert [a['name'] for a in cpm.ok(cpm.get('agents/?name=main-web-1'))] == ['main-web-1']
    configured = cpm.ok(cpm.post('agents/configuration/', {'agents_configuration': 'timeout=30'}), 201)
    assert configured == {'agents_configuration': 'timeout=30'}
    assert cpm.post('agents/configuration/', {'agents_configuration': 'x'}, who='operator').status_code == 403
    assert codes(cpm.post('agents/configuration/', {}), 400) == {'agents_configuration': ['required']}


def test_no_server_error_on_any_part3_route(cpm):  # pylint: disable=redefined-outer-name
    service = cpm.sim.services['cpm']
    cpm.config(id_type='str')
    failures = []
    for family in service.families:
        if type(family) not in PART3_FAMILIES:
            continue
        for route in family.routes():
            for ident in ('1', '99'):
                path = route.pattern
                for name in ('{id}', '{group_id}', '{configuration_id}', '{scheduled_report_id}'):
                    path = path.replace(name, ident)
                for body in (None, {}):
                    response = cpm.req(route.method, path, json=body)
                    if response.status_code >= 500:
                        failures.append((route.method, path, body, response.status_code))
    assert failures == []
