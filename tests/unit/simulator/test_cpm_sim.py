# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the N2WS CPM simulator, part 1 (tests/simulator/backupdr_simulator/cpm), run in-process on free ports."""

import base64
import json
import os
import sys
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

KEYS = dict((row[1], row[5]) for row in DEFAULT_USERS)
ROOT, TENANT, MANAGED = 1, 2, 3
MAIN, DR_VAULT, MANAGED_MAIN, TENANT_MAIN = 1, 2, 3, 4
ENVELOPE_KEYS = {'count', 'next', 'previous', 'results'}


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

    def obtain(self, who='root', **kwargs):
        """POST token/obtain/api_key/ (JSON) for a user."""
        return self.session.post(self.api + 'token/obtain/api_key/', json={'api_key': KEYS[who]}, timeout=10, **kwargs)

    def token(self, who='root'):
        """A cached access token."""
        if who not in self.tokens:
            response = self.obtain(who)
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

    def ok(self, response, status=200):
        """Assert a status; return the JSON body (None for 204)."""
        assert response.status_code == status, '%s %s -> %s %s' % (response.request.method, response.request.url,
                                                                   response.status_code, response.text)
        return response.json() if status != 204 and response.content else None

    def admin(self, method, name, payload=None, status=200):
        """Call the admin API."""
        response = requests.request(method, self.sim.http_url + '/_sim/' + name, json=payload, timeout=30)
        assert response.status_code == status, response.text
        return response.json()

    def config(self, **knobs):
        """Set CPM knobs."""
        return self.admin('POST', 'config', dict(knobs, service='cpm'))

    def instances(self, account=MAIN, region='us-east-1'):
        """Inventory instances of an account."""
        return self.admin('GET', 'cpm/inventory?account=%d&region=%s&kind=instances' % (account, region))['resources']

    def policy(self, name='p1', account=MAIN, **fields):
        """Create a policy."""
        return self.ok(self.post('policies/', dict({'name': name, 'account': account}, **fields)), 201)

    def protect(self, policy_id, index=0, **fields):
        """Add an inventory instance of the policy's account as a target."""
        instance = self.instances()[index]
        body = dict({'aws_region': 'us-east-1', 'aws_resource_id': instance['aws_id']}, **fields)
        return self.ok(self.post('policies/%d/targets/instances/' % policy_id, body), 201)


def errors_of(response, status):
    """The ``{field: [{message, code}]}`` object of the seed's error envelope."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ['errors'] and isinstance(body['errors'], list) and len(body['errors']) == 1
    for items in body['errors'][0].values():
        assert all(set(item) == {'message', 'code'} for item in items)
    return body['errors'][0]


def codes(response, status):
    """{field: [code, ...]} of an error response."""
    return dict((field, [item['code'] for item in items]) for field, items in errors_of(response, status).items())


def wait_for(predicate, timeout=5.0):
    """Poll until predicate() is truthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('condition not met within %.1fs' % timeout)


def jwt_claims(token):
    """The payload of a JWT."""
    part = token.split('.')[1]
    return json.loads(base64.urlsafe_b64decode(part + '=' * (-len(part) % 4)))


@pytest.fixture
def cpm(sim):  # pylint: disable=redefined-outer-name
    """A client on a freshly reset simulator with fast backups."""
    client = Cpm(sim)
    client.admin('POST', 'reset', {})
    client.config(backup_seconds=0.2, dr_seconds=0.1, s3_copy_seconds=0.1)
    yield client
    client.session.close()


# -- credentials and tokens ---------------------------------------------------------------------------


def test_credentials_published(sim):  # pylint: disable=redefined-outer-name
    info = sim.ready_info()['services']['cpm']
    assert info['url'] == sim.http_url + '/cpm/api/' and info['https_url'] == sim.https_url + '/cpm/api/'
    variables = info['vars']
    assert variables['cpm_api_url'] == info['url'] and variables['cpm_https_url'] == info['https_url']
    assert variables['cpm_api_key'] == KEYS['root'] and variables['cpm_readonly_api_key'] == KEYS['auditor']
    assert variables['cpm_operator_api_key'] == KEYS['operator'] and variables['cpm_tenant_api_key'] == KEYS['tenant']
    assert set(info['secret_vars']) == {'cpm_api_key', 'cpm_operator_api_key', 'cpm_readonly_api_key',
                                        'cpm_tenant_api_key', 'cpm_root_password'}


def test_token_obtain_json_and_form_refresh(cpm):  # pylint: disable=redefined-outer-name
    before = time.time()
    body = cpm.ok(cpm.obtain())
    assert set(body) == {'access', 'refresh'}
    access, refresh = jwt_claims(body['access']), jwt_claims(body['refresh'])
    assert access['token_type'] == 'access' and refresh['token_type'] == 'refresh' and access['user_id'] == ROOT
    assert before + 3600 <= access['exp'] <= time.time() + 3601 and before + 86400 <= refresh['exp'] <= time.time() + 86401
    form = requests.post(cpm.api + 'token/obtain/api_key/', data={'api_key': KEYS['tenant']}, timeout=10)
    assert form.status_code == 200 and jwt_claims(form.json()['access'])['user_id'] == TENANT
    renewed = requests.post(cpm.api + 'token/refresh/', data={'refresh': body['refresh']}, timeout=10)
    assert renewed.status_code == 200 and list(renewed.json()) == ['access']
    again = requests.post(cpm.api + 'token/refresh/', json={'refresh': body['refresh']}, timeout=10)
    assert again.status_code == 200  # not rotated: the refresh token stays usable
    listed = requests.get(cpm.api + 'users/', headers={'Authorization': 'Bearer ' + renewed.json()['access']}, timeout=10)
    assert listed.status_code == 200 and [u['username'] for u in listed.json()] == ['root', 'tenant', 'managed']
    tokens = cpm.admin('GET', 'cpm/tokens')
    assert tokens['obtain_requests'] == 2 and tokens['refresh_requests'] == 2 and tokens['issued'] == 6
    assert body['access'] not in json.dumps(tokens)
    log = cpm.admin('GET', 'requests?service=cpm')['requests']
    token_calls = [entry for entry in log if '/token/' in entry['path']]
    assert len(token_calls) == 4 and token_calls[0]['auth_user'] == 'root' and token_calls[1]['auth_user'] == 'tenant'


def test_token_errors_and_body_knob(cpm):  # pylint: disable=redefined-outer-name
    url = cpm.api + 'token/obtain/api_key/'
    assert codes(requests.post(url, json={}, timeout=10), 400) == {'api_key': ['required']}
    assert codes(requests.post(url, json={'api_key': '  '}, timeout=10), 400) == {'api_key': ['blank']}
    wrong = requests.post(url, json={'api_key': 'nope'}, timeout=10)
    assert codes(wrong, 401) == {'detail': ['authentication_failed']}
    assert wrong.headers['WWW-Authenticate'] == 'Bearer realm="api"'
    assert codes(requests.post(cpm.api + 'token/refresh/', json={'refresh': 'x.y.z'}, timeout=10), 401) == {
        'detail': ['token_not_valid']}
    access = cpm.ok(cpm.obtain())['access']
    assert codes(requests.post(cpm.api + 'token/refresh/', json={'refresh': access}, timeout=10), 401) == {
        'detail': ['token_not_valid']}
    cpm.config(token_body='json')
    assert codes(requests.post(url, data={'api_key': KEYS['root']}, timeout=10), 415) == {
        'detail': ['unsupported_media_type']}
    assert cpm.obtain().status_code == 200
    cpm.config(token_body='form')
    assert codes(cpm.obtain(), 415) == {'detail': ['unsupported_media_type']}
    assert requests.post(url, data={'api_key': KEYS['root']}, timeout=10).status_code == 200
    cpm.admin('POST', 'config', {'service': 'cpm', 'token_body': 'xml'}, status=400)


def test_bearer_authentication(cpm):  # pylint: disable=redefined-outer-name
    missing = requests.get(cpm.api + 'policies/', timeout=10)
    assert codes(missing, 401) == {'detail': ['not_authenticated']}
    assert missing.headers['WWW-Authenticate'] == 'Bearer realm="api"'
    for header in ('Bearer garbage', 'Bearer a.b.c', 'Token abc'):
        response = requests.get(cpm.api + 'policies/', headers={'Authorization': header}, timeout=10)
        assert response.status_code == 401 and response.headers['WWW-Authenticate'] == 'Bearer realm="api"'
    refresh = cpm.ok(cpm.obtain())['refresh']
    assert codes(requests.get(cpm.api + 'policies/', headers={'Authorization': 'Bearer ' + refresh}, timeout=10),
                 401) == {'detail': ['token_not_valid']}
    # unknown paths are 404 before authentication (URL resolution comes first)
    assert codes(requests.get(cpm.api + 'nothing/', timeout=10), 404) == {'detail': ['not_found']}


def test_token_lifetimes_and_expiry_actions(cpm):  # pylint: disable=redefined-outer-name
    cpm.config(access_ttl=0.3, refresh_ttl=0.8)
    body = cpm.ok(cpm.obtain())
    headers = {'Authorization': 'Bearer ' + body['access']}
    assert requests.get(cpm.api + 'policies/', headers=headers, timeout=10).status_code == 200
    time.sleep(0.35)
    assert codes(requests.get(cpm.api + 'policies/', headers=headers, timeout=10), 401) == {'detail': ['token_not_valid']}
    renewed = requests.post(cpm.api + 'token/refresh/', json={'refresh': body['refresh']}, timeout=10)
    assert renewed.status_code == 200
    time.sleep(0.5)
    assert requests.post(cpm.api + 'token/refresh/', json={'refresh': body['refresh']}, timeout=10).status_code == 401
    cpm.config(access_ttl=3600, refresh_ttl=86400)
    body = cpm.ok(cpm.obtain())
    headers = {'Authorization': 'Bearer ' + body['access']}
    assert cpm.admin('POST', 'cpm/expire-tokens', {'which': 'access'})['expired'] >= 1
    assert requests.get(cpm.api + 'policies/', headers=headers, timeout=10).status_code == 401
    access = cpm.ok(requests.post(cpm.api + 'token/refresh/', json={'refresh': body['refresh']}, timeout=10))['access']
    assert requests.get(cpm.api + 'policies/', headers={'Authorization': 'Bearer ' + access}, timeout=10).status_code == 200
    cpm.admin('POST', 'cpm/expire-tokens', {'which': 'refresh'})
    assert requests.post(cpm.api + 'token/refresh/', json={'refresh': body['refresh']}, timeout=10).status_code == 401
    assert requests.get(cpm.api + 'policies/', headers={'Authorization': 'Bearer ' + access}, timeout=10).status_code == 200
    cpm.admin('POST', 'cpm/expire-tokens', {})
    assert requests.get(cpm.api + 'policies/', headers={'Authorization': 'Bearer ' + access}, timeout=10).status_code == 401
    cpm.admin('POST', 'cpm/expire-tokens', {'which': 'all'}, status=400)


# -- versioning, routing, media types -----------------------------------------------------------------


def test_versions_and_gates(cpm):  # pylint: disable=redefined-outer-name
    plain = cpm.get('system/version/')
    assert cpm.ok(plain) == {'api_version': '1.5.0', 'cpm_version': '3.1.0'}
    assert plain.headers['Content-Type'] == 'application/json'
    for accept in ('application/json;', 'application/json', '*/*', 'application/json; version=1.4.0',
                   'text/html, application/json; version=1.5.0'):
        assert cpm.get('policies/', headers={'Accept': accept}).status_code == 200, accept
    asked = cpm.get('policies/', headers={'Accept': 'application/json; version=1.0'})
    assert asked.status_code == 200 and asked.headers['Content-Type'] == 'application/json; version=1.0'
    assert codes(cpm.get('policies/', headers={'Accept': 'application/json; version=9.9'}), 406) == {
        'detail': ['not_acceptable']}
    assert cpm.get('policies/', headers={'Accept': 'application/json; version=1.0.0.1'}).status_code == 406
    assert codes(cpm.get('policies/', headers={'Accept': 'text/csv'}), 406) == {'detail': ['not_acceptable']}
    assert codes(requests.get(cpm.api + 'policies/', headers={'Accept': 'application/json; version=2'}, timeout=10),
                 406) == {'detail': ['not_acceptable']}  # 406 before 401
    old = {'Accept': 'application/json; version=1.3.0'}
    assert cpm.get('system/version/', headers=old).status_code == 404          # new in 1.4.0
    assert cpm.get('policies/1/custom_tags/', headers=old).status_code == 404  # new in 1.5.0
    assert cpm.get('accounts/', headers={'Accept': 'application/json; version=1.1.0'}).status_code == 404
    assert cpm.get('accounts/backup/', headers={'Accept': 'application/json; version=1.0.0'}).status_code == 200
    policy = cpm.policy()
    instance = cpm.instances()[0]
    early = cpm.post('policies/%d/targets/instances/' % policy['id'],
                     {'aws_region': 'us-east-1', 'aws_resource_id': instance['aws_id']},
                     headers={'Accept': 'application/json; version=1.1.0'})
    assert codes(early, 405) == {'detail': ['method_not_allowed']}  # POST instances is new in 1.2.0, GET in 1.0.0
    cpm.config(version_gate='406')
    assert codes(cpm.get('system/version/', headers=old), 406) == {'detail': ['not_acceptable']}
    cpm.config(api_version='1.4.0', version_gate='404')
    assert cpm.ok(cpm.get('system/version/')) == {'api_version': '1.4.0', 'cpm_version': '3.0.0'}
    assert cpm.get('system/version/', headers={'Accept': 'application/json; version=1.5.0'}).status_code == 406
    assert cpm.get('policies/%d/custom_tags/' % policy['id']).status_code == 404


def test_routing_slash_methods_head(cpm):  # pylint: disable=redefined-outer-name
    redirect = cpm.get('schedules?ordering=name', allow_redirects=False)
    assert redirect.status_code == 301 and redirect.headers['Location'] == '/cpm/api/schedules/?ordering=name'
    assert cpm.ok(cpm.get('schedules')) == []  # requests follows the redirect
    assert cpm.req('POST', 'schedules', json={}).status_code == 404
    patch = cpm.req('PATCH', 'schedules/')
    assert codes(patch, 405) == {'detail': ['method_not_allowed']}
    assert patch.headers['Allow'] == 'GET, HEAD, POST, OPTIONS'
    head = cpm.req('HEAD', 'accounts/')
    assert head.status_code == 200 and head.content == b''
    assert cpm.get('accounts/abc/').status_code == 404
    assert codes(cpm.req('DELETE', 'accounts/backup/'), 405) == {'detail': ['method_not_allowed']}
    token_get = requests.get(cpm.api + 'token/obtain/api_key/', timeout=10)  # no authentication on token views
    assert codes(token_get, 405) == {'detail': ['method_not_allowed']} and token_get.headers['Allow'] == 'POST, OPTIONS'


# -- lists ---------------------------------------------------------------------------------------------


def test_pagination_envelope(cpm):  # pylint: disable=redefined-outer-name
    for index in range(7):
        cpm.ok(cpm.post('schedules/', {'name': 's%d' % index, 'every_how_many': index + 1, 'user': ROOT}), 201)
    bare = cpm.ok(cpm.get('schedules/'))
    assert isinstance(bare, list) and [s['name'] for s in bare] == ['s%d' % i for i in range(7)]
    page1 = cpm.ok(cpm.get('schedules/?page_size=3&ordering=-every_how_many'))
    assert set(page1) == ENVELOPE_KEYS and page1['count'] == 7 and page1['previous'] is None
    assert page1['next'] == cpm.api + 'schedules/?ordering=-every_how_many&page=2&page_size=3'
    assert [s['every_how_many'] for s in page1['results']] == [7, 6, 5]
    page2 = cpm.ok(cpm.session.get(page1['next'], headers={'Authorization': 'Bearer ' + cpm.token()}, timeout=10))
    assert page2['previous'] == cpm.api + 'schedules/?ordering=-every_how_many&page_size=3'
    assert page2['next'] == cpm.api + 'schedules/?ordering=-every_how_many&page=3&page_size=3'
    last = cpm.ok(cpm.get('schedules/?page=last&page_size=3'))
    assert last['next'] is None and [s['name'] for s in last['results']] == ['s6']
    assert codes(cpm.get('schedules/?page=4&page_size=3'), 404) == {'detail': ['not_found']}
    assert cpm.get('schedules/?page=x&page_size=3').status_code == 404
    for off in ('page_size=0', 'page_size=abc', 'page_size=-2', 'page=2'):
        assert isinstance(cpm.ok(cpm.get('schedules/?' + off)), list), off
    empty = cpm.ok(cpm.get('policies/?page=1&page_size=10'))
    assert empty == {'count': 0, 'next': None, 'previous': None, 'results': []}


def test_filters_search_ordering(cpm):  # pylint: disable=redefined-outer-name
    cpm.ok(cpm.post('accounts/backup/', {'name': 'zeta', 'authentication': 'C', 'user': MANAGED,
                                         'aws_access_key': 'AKIAZETA', 'aws_secret_key': 's'}), 201)
    names = [a['name'] for a in cpm.ok(cpm.get('accounts/'))]
    assert names == ['main', 'dr-vault', 'managed-main', 'zeta']  # root sees managed users' accounts
    assert [a['name'] for a in cpm.ok(cpm.get('accounts/?ordering=-name'))] == ['zeta', 'managed-main', 'main', 'dr-vault']
    by_user = [a['name'] for a in cpm.ok(cpm.get('accounts/?ordering=user,-name'))]
    assert by_user == ['main', 'dr-vault', 'zeta', 'managed-main']
    assert [a['name'] for a in cpm.ok(cpm.get('accounts/?ordering=nonsense'))] == names  # unknown fields ignored
    assert [a['name'] for a in cpm.ok(cpm.get('accounts/?user=3'))] == ['managed-main', 'zeta']
    assert [a['name'] for a in cpm.ok(cpm.get('accounts/?name=main'))] == ['main']
    assert [a['name'] for a in cpm.ok(cpm.get('accounts/?search=MAIN'))] == ['main', 'managed-main']
    assert [a['name'] for a in cpm.ok(cpm.get('accounts/?search=akiazeta'))] == ['zeta']
    assert [a['name'] for a in cpm.ok(cpm.get('accounts/?search=managed%20main'))] == ['managed-main']
    assert codes(cpm.get('accounts/?user=abc'), 400) == {'user': ['invalid']}
    assert cpm.ok(cpm.get('accounts/?unknown=1&search=')) == cpm.ok(cpm.get('accounts/'))


def test_id_type_knob(cpm):  # pylint: disable=redefined-outer-name
    policy = cpm.policy(schedules=[])
    cpm.config(id_type='str')
    shown = cpm.ok(cpm.get('policies/%d/' % policy['id']))
    assert shown['id'] == str(policy['id']) and shown['account'] == '1' and shown['user'] == '1'
    account = cpm.ok(cpm.get('accounts/backup/1/'))
    assert account['id'] == '1' and account['related_policies'] == [str(policy['id'])] and account['scan_regions'] == [1]
    schedule = cpm.ok(cpm.post('schedules/', {'name': 's', 'every_how_many': 1, 'user': '1'}), 201)
    assert schedule['id'] == '1' and schedule['user'] == '1'
    updated = cpm.ok(cpm.put('policies/%d/' % policy['id'], {'name': 'p1', 'schedules': ['1']}))
    assert updated['schedules'] == ['1']
    paged = cpm.ok(cpm.get('policies/?page=1&page_size=5'))
    assert paged['results'][0]['id'] == '1'
    cpm.config(id_type='int')
    assert cpm.ok(cpm.get('policies/%d/' % policy['id']))['schedules'] == [1]


# -- errors ----------------------------------------------------------------------------------------------


def test_validation_errors(cpm):  # pylint: disable=redefined-outer-name
    bad = cpm.post('schedules/', {'name': 'bad name!', 'every_unit': 'X', 'every_how_many': 0, 'user': 99,
                                  'start_date': 'yesterday', 'allow_on_monday': 'maybe',
                                  'disable_times': [{'start_time': '25:00'}]})
    assert codes(bad, 400) == {'name': ['invalid'], 'every_unit': ['invalid_choice'], 'every_how_many': ['min_value'],
                               'start_date': ['invalid'], 'disable_times.0.start_time': ['invalid'],
                               'disable_times.0.end_time': ['required'], 'allow_on_monday': ['invalid'],
                               'user': ['does_not_exist']}
    errors = errors_of(bad, 400)
    assert errors['name'][0]['message'] == 'This field contains invalid characters.'
    assert errors['user'][0]['message'] == 'Invalid pk "99" - object does not exist.'
    assert codes(cpm.post('schedules/', {}), 400) == {'name': ['required'], 'every_how_many': ['required'],
                                                      'user': ['required']}
    assert codes(cpm.post('schedules/', {'name': '', 'every_how_many': 'x', 'user': 'abc'}), 400) == {
        'name': ['blank'], 'every_how_many': ['invalid'], 'user': ['incorrect_type']}
    assert codes(cpm.post('schedules/', {'name': None, 'every_how_many': 1, 'user': 1}), 400) == {'name': ['null']}
    assert codes(cpm.post('policies/', [1, 2]), 400) == {'non_field_errors': ['invalid']}
    assert codes(cpm.req('POST', 'policies/', data='{nope', headers={'Content-Type': 'application/json'}), 400) == {
        'detail': ['parse_error']}
    assert codes(cpm.req('POST', 'policies/', data='name=x', headers={'Content-Type': 'application/x-www-form-urlencoded'}),
                 415) == {'detail': ['unsupported_media_type']}
    assert codes(cpm.post('policies/', {'name': 'ok', 'account': 1, 'schedules': 'x'}), 400) == {'schedules': ['not_a_list']}


def test_injected_faults(cpm):  # pylint: disable=redefined-outer-name
    cpm.token()  # token requests are requests too: get one before arming faults
    cpm.admin('POST', 'faults', {'service': 'cpm', 'fault': '429', 'retry_after': 2})
    throttled = cpm.get('policies/')
    assert codes(throttled, 429) == {'detail': ['throttled']} and throttled.headers['Retry-After'] == '2'
    assert 'Expected available in 2 seconds' in throttled.text
    cpm.admin('POST', 'faults', {'service': 'cpm', 'fault': '500'})
    assert codes(cpm.get('policies/'), 500) == {'detail': ['error']}
    cpm.admin('POST', 'faults', {'service': 'cpm', 'fault': 'busy'})
    assert codes(cpm.get('policies/'), 412) == {'detail': ['precondition_failed']}
    for kind in ('502', '503', '504'):
        cpm.admin('POST', 'faults', {'service': 'cpm', 'fault': kind})
        response = cpm.get('policies/')
        assert response.status_code == int(kind) and response.headers['Content-Type'] == 'text/html'
        assert '<center>nginx</center>' in response.text
        assert ('Retry-After' in response.headers) == (kind == '503')
    cpm.admin('POST', 'faults', {'service': 'cpm', 'fault': '500', 'method': 'POST', 'path': '^api/schedules/$',
                                 'after': True})
    lost = cpm.post('schedules/', {'name': 'landed', 'every_how_many': 1, 'user': ROOT})
    assert lost.status_code == 500
    assert [s['name'] for s in cpm.ok(cpm.get('schedules/'))] == ['landed']
    summary = cpm.admin('GET', 'requests?service=cpm')['summary']
    assert summary['by_status']['500'] == 2


# -- permissions -------------------------------------------------------------------------------------------


def test_permissions_delegates_and_tenants(cpm):  # pylint: disable=redefined-outer-name
    # the read-only delegate (auditor) reads root's objects, may not write (403 before any lookup)
    assert [a['id'] for a in cpm.ok(cpm.get('accounts/', who='auditor'))] == [MAIN, DR_VAULT, MANAGED_MAIN]
    assert codes(cpm.get('users/', who='auditor'), 403) == {'detail': ['permission_denied']}
    assert cpm.post('schedules/', {'name': 'x', 'every_how_many': 1, 'user': ROOT}, who='auditor').status_code == 403
    assert cpm.delete('policies/999/', who='auditor').status_code == 403
    assert cpm.put('accounts/backup/1/', {}, who='auditor').status_code == 403
    # the operator delegate writes for root, not for root's managed users
    schedule = cpm.ok(cpm.post('schedules/', {'name': 'ops', 'every_how_many': 1, 'user': ROOT}, who='operator'), 201)
    assert schedule['user'] == ROOT
    assert cpm.post('schedules/', {'name': 'x', 'every_how_many': 1, 'user': MANAGED}, who='operator').status_code == 403
    assert cpm.get('users/', who='operator').status_code == 403
    account = cpm.ok(cpm.post('accounts/backup/', {'name': 'by-op', 'authentication': 'R', 'user': ROOT},
                              who='operator'), 201)
    assert account['account_number'] == '123456789012'
    managed_policy = cpm.policy('of-managed', MANAGED_MAIN)
    assert cpm.get('policies/%d/' % managed_policy['id'], who='operator').status_code == 200  # reads reach them
    assert cpm.delete('policies/%d/' % managed_policy['id'], who='operator').status_code == 404  # writes do not
    assert codes(cpm.post('policies/', {'name': 'x', 'account': MANAGED_MAIN}, who='operator'), 400) == {
        'account': ['does_not_exist']}
    # root creates for managed users; the tenant only for himself and sees only his own objects
    cpm.ok(cpm.post('schedules/', {'name': 'm', 'every_how_many': 1, 'user': MANAGED}), 201)
    assert cpm.post('schedules/', {'name': 't', 'every_how_many': 1, 'user': ROOT}, who='tenant').status_code == 403
    assert codes(cpm.post('schedules/', {'name': 't', 'every_how_many': 1, 'user': 42}, who='tenant'), 400) == {
        'user': ['does_not_exist']}
    assert [a['name'] for a in cpm.ok(cpm.get('accounts/', who='tenant'))] == ['tenant-main']
    assert cpm.get('accounts/1/', who='tenant').status_code == 404
    assert cpm.get('schedules/%d/' % schedule['id'], who='tenant').status_code == 404
    assert cpm.ok(cpm.get('schedules/', who='tenant')) == []
    assert codes(cpm.post('accounts/backup/', {'name': 'r', 'authentication': 'R', 'user': TENANT}, who='tenant'),
                 403) == {'detail': ['permission_denied']}
    assert codes(cpm.post('policies/', {'name': 'x', 'account': MAIN}, who='tenant'), 400) == {
        'account': ['does_not_exist']}
    users = cpm.ok(cpm.get('users/?ordering=-username'))
    assert [u['username'] for u in users] == ['tenant', 'root', 'managed']
    assert users[1]['num_accounts'] == 3 and users[1]['user_type'] == 'root'
    assert cpm.ok(cpm.get('users/3/'))['profile']['is_managed_user'] is True
    assert cpm.get('users/4/').status_code == 404  # delegates are not users


# -- accounts ------------------------------------------------------------------------------------------------


def test_accounts_backup_and_dr(cpm):  # pylint: disable=redefined-outer-name
    created = cpm.ok(cpm.post('accounts/backup/', {
        'name': 'prod_2', 'authentication': 'C', 'user': ROOT, 'aws_access_key': 'AKIAPROD2',
        'aws_secret_key': 'super-secret', 'scan_regions': [1, 4], 'scan_tagged_resources': True,
        'capture_vpcs': True, 'is_dr_account': True}), 201)
    assert 'aws_secret_key' not in created and created['aws_access_key'] == 'AKIAPROD2'
    assert created['is_dr_account'] is False and created['scan_regions'] == [1, 4] and created['scan_resource_types'] == []
    assert len(created['account_number']) == 12 and created['account_number'].isdigit()
    assert set(created) == {'account_number', 'associated_repositories', 'assume_from_account', 'authentication',
                            'aws_access_key', 'capture_vpcs', 'external_id', 'id', 'is_dr_account', 'name',
                            'related_policies', 'role_name', 'scan_regions', 'scan_resource_types',
                            'scan_tagged_resources', 'user'}
    assert 'super-secret' not in json.dumps(cpm.admin('GET', 'cpm/accounts'))
    assert codes(cpm.post('accounts/backup/', {'name': 'c', 'authentication': 'C', 'user': ROOT}), 400) == {
        'aws_access_key': ['required'], 'aws_secret_key': ['required']}
    assert codes(cpm.post('accounts/backup/', {'name': 'prod_2', 'authentication': 'R', 'user': ROOT}), 400) == {
        'name': ['unique']}
    assert codes(cpm.post('accounts/backup/', {'name': 'x', 'authentication': 'R', 'user': ROOT,
                                               'account_number': '12', 'scan_regions': [99]}), 400) == {
        'scan_regions': ['does_not_exist']}
    assert codes(cpm.post('accounts/backup/', {'name': 'x', 'authentication': 'R', 'user': ROOT,
                                               'account_number': '12'}), 400) == {'account_number': ['invalid']}
    assumed = cpm.post('accounts/backup/', {'name': 'cross', 'authentication': 'A', 'user': ROOT,
                                            'assume_from_account': created['id'], 'role_name': 'CPMRole',
                                            'external_id': 'ext-1', 'account_number': '555555555555'})
    assumed = cpm.ok(assumed, 201)
    assert assumed['assume_from_account'] == created['id'] and assumed['external_id'] == 'ext-1'
    assert codes(cpm.post('accounts/backup/', {'name': 'y', 'authentication': 'A', 'user': ROOT,
                                               'assume_from_account': DR_VAULT, 'role_name': 'r',
                                               'account_number': '555555555555'}), 400) == {
        'assume_from_account': ['does_not_exist']}
    dr = cpm.ok(cpm.post('accounts/dr/', {'name': 'dr2', 'authentication': 'C', 'user': ROOT, 'aws_access_key': 'AKIADR2',
                                          'aws_secret_key': 's', 'allow_deleting_snapshots': True}), 201)
    assert dr['is_dr_account'] is True and dr['allow_deleting_snapshots'] is True and 'scan_regions' not in dr
    assert [a['name'] for a in cpm.ok(cpm.get('accounts/dr/'))] == ['dr-vault', 'dr2']
    assert 'dr2' not in [a['name'] for a in cpm.ok(cpm.get('accounts/backup/'))]
    generic = cpm.ok(cpm.get('accounts/%d/' % dr['id']))
    assert generic['is_dr_account'] is True and 'allow_deleting_snapshots' not in generic and 'scan_regions' in generic
    assert cpm.get('accounts/backup/%d/' % dr['id']).status_code == 404
    assert cpm.get('accounts/dr/%d/' % created['id']).status_code == 404


def test_account_put_semantics_and_secret(cpm):  # pylint: disable=redefined-outer-name
    body = {'name': 'acct', 'authentication': 'C', 'user': ROOT, 'aws_access_key': 'AKIA1', 'aws_secret_key': 's1',
            'capture_vpcs': True, 'role_name': 'keep-me'}
    account = cpm.ok(cpm.post('accounts/backup/', body), 201)
    path = 'accounts/backup/%d/' % account['id']
    assert codes(cpm.put(path, {'name': 'acct'}), 400) == {'authentication': ['required']}
    merged = cpm.ok(cpm.put(path, {'name': 'acct2', 'authentication': 'C', 'user': TENANT}))
    assert merged['name'] == 'acct2' and merged['capture_vpcs'] is True and merged['role_name'] == 'keep-me'
    assert merged['user'] == ROOT and merged['aws_access_key'] == 'AKIA1'  # user is create-only; secret kept
    cpm.config(put_semantics='replace')
    replaced = cpm.ok(cpm.put(path, {'name': 'acct2', 'authentication': 'C', 'aws_access_key': 'AKIA1'}))
    assert replaced['capture_vpcs'] is False and replaced['role_name'] is None and replaced['scan_regions'] == [1]
    assert codes(cpm.put(path, {'name': 'acct2', 'authentication': 'C'}), 400) == {'aws_access_key': ['required']}
    cpm.config(license_cross_account=False)
    assert codes(cpm.put(path, {'name': 'acct2', 'authentication': 'R'}), 403) == {'detail': ['permission_denied']}
    assert cpm.post('accounts/dr/', {'name': 'd', 'authentication': 'R', 'user': ROOT}).status_code == 403
    cpm.config(license_cross_account=True, license_max_accounts=5)
    assert cpm.post('accounts/backup/', {'name': 'sixth', 'authentication': 'R', 'user': ROOT}).status_code == 403


def test_account_permissions_check(cpm):  # pylint: disable=redefined-outer-name
    rows = cpm.ok(cpm.get('accounts/backup/1/check_aws_permissions/'))
    assert rows == [{'account_name': 'main', 'account_number': '111111111111', 'connection': 'OK',
                     'groups': ['EC2: OK', 'EBS: OK', 'RDS: OK', 'Aurora: OK', 'Redshift: OK', 'DynamoDB: OK',
                                'EFS: OK', 'S3: OK', 'IAM: OK']}]
    dr_rows = cpm.ok(cpm.get('accounts/dr/2/check_aws_permissions/'))
    assert dr_rows[0]['account_name'] == 'dr-vault' and 'KMS: OK' in dr_rows[0]['groups']
    cpm.admin('POST', 'cpm/account-permissions', {'account': 1, 'connection': 'Failed: AccessDenied',
                                                  'groups': ['EC2: Missing ec2:CreateSnapshot']})
    assert cpm.ok(cpm.get('accounts/backup/1/check_aws_permissions/'))[0]['connection'] == 'Failed: AccessDenied'
    download = cpm.get('accounts/backup/1/check_aws_permissions/download/', headers={'Accept': 'application/json;'})
    assert download.status_code == 200 and download.headers['Content-Type'].startswith('text/csv')
    assert download.text.splitlines()[0] == 'Account Name,Account Number,Connection,Groups'
    assert 'Failed: AccessDenied' in download.text and 'attachment' in download.headers['Content-Disposition']
    assert cpm.get('accounts/backup/2/check_aws_permissions/').status_code == 404
    assert cpm.ok(cpm.get('accounts/backup/1/check_aws_permissions/', who='tenant'), 404)


def test_account_delete_keeps_backups(cpm):  # pylint: disable=redefined-outer-name
    policy = cpm.policy()
    cpm.protect(policy['id'])
    tracker = cpm.ok(cpm.post('policies/%d/backups/' % policy['id']), 202)['tracker_id']
    backup = wait_for(lambda: [b for b in cpm.ok(cpm.get('backups/?tracker_id=%d' % tracker)) if b['status'] == 'B'])[0]
    assert cpm.ok(cpm.get('accounts/1/'))['related_policies'] == [policy['id']]
    assert cpm.ok(cpm.delete('accounts/1/'), 204) is None
    assert cpm.get('accounts/1/').status_code == 404 and cpm.get('policies/%d/' % policy['id']).status_code == 404
    kept = cpm.ok(cpm.get('backups/%d/' % backup['id']))
    assert kept['account'] == 1 and kept['status'] == 'B'
    assert cpm.ok(cpm.get('s3_repositories/')) == []
    assert cpm.delete('accounts/backup/1/').status_code == 404
    assert cpm.ok(cpm.delete('accounts/dr/2/snapshots/'), 204) is None
    assert cpm.ok(cpm.delete('accounts/dr/2/'), 204) is None


# -- schedules -------------------------------------------------------------------------------------------------


def test_schedules_fields_and_disable_times(cpm):  # pylint: disable=redefined-outer-name
    created = cpm.ok(cpm.post('schedules/', {
        'name': 'nightly', 'description': 'every night', 'user': ROOT, 'every_unit': 'D', 'every_how_many': 1,
        'start_date': '2030-01-01T02:00:00+02:00', 'end_date': '2031-01-01', 'timezone': 'Europe/Paris',
        'allow_on_sunday': False, 'disable_times': [{'day': 'M', 'start_time': '01:00', 'end_time': '03:30'}]}), 201)
    assert created['start_date'] == '2030-01-01T00:00:00.000000Z' and created['end_date'] == '2031-01-01T00:00:00.000000Z'
    assert created['allow_on_sunday'] is False and created['allow_on_monday'] is True
    assert created['disable_times'] == [{'id': 1, 'day': 'M', 'start_time': '01:00:00', 'end_time': '03:30:00'}]
    assert created['num_policies'] == 0 and created['timezone'] == 'Europe/Paris'
    sid = created['id']
    window = cpm.ok(cpm.post('schedules/%d/disable_times/' % sid, {'start_time': '22:00', 'end_time': '23:00:30'}), 201)
    assert window == {'id': 2, 'day': 'A', 'start_time': '22:00:00', 'end_time': '23:00:30'}
    assert [w['id'] for w in cpm.ok(cpm.get('schedules/%d/disable_times/' % sid))] == [1, 2]
    assert cpm.ok(cpm.get('schedules/%d/disable_times/?page=1&page_size=1' % sid))['count'] == 2
    assert cpm.ok(cpm.get('schedules/%d/disable_times/2/' % sid)) == window
    assert codes(cpm.post('schedules/%d/disable_times/' % sid, {'day': 'X', 'start_time': 'noon'}), 400) == {
        'day': ['invalid_choice'], 'start_time': ['invalid'], 'end_time': ['required']}
    # an inline list in a PUT replaces the set; unchanged entries keep their ids
    updated = cpm.ok(cpm.put('schedules/%d/' % sid, {'name': 'nightly', 'every_how_many': 1, 'disable_times': [
        {'day': 'A', 'start_time': '22:00:00', 'end_time': '23:00:30'}, {'day': 'U', 'start_time': '00:00',
                                                                         'end_time': '06:00'}]}))
    assert [(w['id'], w['day']) for w in updated['disable_times']] == [(2, 'A'), (3, 'U')]
    assert updated['description'] == 'every night' and updated['timezone'] == 'Europe/Paris'
    assert cpm.ok(cpm.delete('schedules/%d/disable_times/2/' % sid), 204) is None
    assert cpm.get('schedules/%d/disable_times/2/' % sid).status_code == 404
    assert cpm.get('schedules/99/disable_times/').status_code == 404
    assert codes(cpm.post('schedules/', {'name': 'x', 'every_how_many': 1, 'user': ROOT, 'timezone': 'Mars/Base',
                                         'start_date': '2030-01-02', 'end_date': '2030-01-01'}), 400) == {
        'timezone': ['invalid_choice'], 'end_date': ['invalid']}
    cpm.config(put_semantics='replace')
    replaced = cpm.ok(cpm.put('schedules/%d/' % sid, {'name': 'nightly', 'every_how_many': 2}))
    assert replaced['description'] is None and replaced['disable_times'] == [] and replaced['timezone'] is None
    assert replaced['every_unit'] == 'D' and replaced['allow_on_sunday'] is True


def test_schedule_relations_and_run_times(cpm):  # pylint: disable=redefined-outer-name
    start = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(time.time() + 60))
    weekly = cpm.ok(cpm.post('schedules/', {'name': 'weekly', 'user': ROOT, 'every_unit': 'W', 'every_how_many': 1,
                                            'start_date': start}), 201)
    hourly = cpm.ok(cpm.post('schedules/', {'name': 'hourly', 'user': ROOT, 'every_unit': 'H', 'every_how_many': 6,
                                            'start_date': start, 'description': 'quarter-daily'}), 201)
    runs = cpm.ok(cpm.get('schedules/%d/run_times/?days_ahead=15' % weekly['id']))
    assert len(runs) == 3 and set(runs[0]) == {'schedule_name', 'schedule_time', 'schedule_timezone', 'system_time',
                                               'system_timezone', 'time'}
    assert runs[0]['schedule_name'] == 'weekly' and runs[0]['time'] == start.replace('Z', '.000000Z')
    assert len(cpm.ok(cpm.get('schedules/%d/run_times/?days_ahead=1' % hourly['id']))) == 4
    assert codes(cpm.get('schedules/%d/run_times/' % weekly['id']), 400) == {'days_ahead': ['required']}
    assert cpm.get('schedules/%d/run_times/?days_ahead=1' % weekly['id'], who='auditor').status_code == 403
    policy = cpm.policy(schedules=[weekly['id'], hourly['id']], description='gold tier')
    assert cpm.ok(cpm.get('schedules/%d/' % weekly['id']))['num_policies'] == 1
    assert [s['name'] for s in cpm.ok(cpm.get('schedules/?policy=%d' % policy['id']))] == ['weekly', 'hourly']
    assert [s['name'] for s in cpm.ok(cpm.get('schedules/?search=gold'))] == ['weekly', 'hourly']
    assert [s['name'] for s in cpm.ok(cpm.get('schedules/?search=quarter'))] == ['hourly']
    assert cpm.ok(cpm.get('schedules/?scheduled_report=1')) == []
    assert [p['name'] for p in cpm.ok(cpm.get('policies/?search=quarter'))] == ['p1']
    assert [p['name'] for p in cpm.ok(cpm.get('policies/?schedules=%d' % hourly['id']))] == ['p1']
    assert codes(cpm.get('policies/%d/run_times/?days_ahead=2' % policy['id']), 400) == {'non_field_errors': ['invalid']}
    cpm.protect(policy['id'])
    merged = cpm.ok(cpm.get('policies/%d/run_times/?days_ahead=2' % policy['id']))
    assert len(merged) == 9 and merged == sorted(merged, key=lambda row: row['time'])  # 1 weekly + 8 six-hourly
    assert cpm.ok(cpm.delete('schedules/%d/' % hourly['id']), 204) is None
    assert cpm.ok(cpm.get('policies/%d/' % policy['id']))['schedules'] == [weekly['id']]


# -- policies and their settings ---------------------------------------------------------------------------


def test_policy_crud_and_settings(cpm):  # pylint: disable=redefined-outer-name
    schedule = cpm.ok(cpm.post('schedules/', {'name': 'd', 'every_how_many': 1, 'user': ROOT}), 201)
    policy = cpm.policy('gold', schedules=[schedule['id']], generations=7, auto_remove_resource='A')
    assert policy['user'] == ROOT and policy['enabled'] is True and policy['generations'] == 7
    assert policy['created_by_tag'] is False and policy['copy_to_s3_enabled'] is False and policy['dr_enabled'] is False
    pid = policy['id']
    assert codes(cpm.post('policies/', {'name': 'gold', 'account': MAIN}), 400) == {'name': ['unique']}
    assert cpm.post('policies/', {'name': 'gold', 'account': MANAGED_MAIN}).status_code == 201  # another owner
    cpm.config(unique_names=False)
    twin = cpm.ok(cpm.post('policies/', {'name': 'gold', 'account': MAIN}), 201)
    assert cpm.post('schedules/', {'name': 'd', 'every_how_many': 1, 'user': ROOT}).status_code == 201
    cpm.config(unique_names=True)
    cpm.ok(cpm.delete('policies/%d/' % twin['id']), 204)
    assert codes(cpm.post('schedules/', {'name': 'd', 'every_how_many': 1, 'user': ROOT}), 400) == {'name': ['unique']}
    assert codes(cpm.post('policies/', {'name': 'x', 'account': DR_VAULT}), 400) == {'account': ['does_not_exist']}
    assert codes(cpm.post('policies/', {'name': 'x', 'account': MANAGED_MAIN, 'schedules': [schedule['id']]}), 400) == {
        'schedules': ['does_not_exist']}
    assert cpm.post('policies/', {'name': 'cpmdata', 'account': MAIN}, who='operator').status_code == 403
    cpmdata = cpm.policy('cpmdata')
    assert cpm.get('policies/%d/options/' % cpmdata['id']).status_code == 404
    options = cpm.ok(cpm.get('policies/%d/options/' % pid))
    assert options == {'agent_script_timeout': 100, 'collect_script_output': False, 'considered_successful': 'B',
                       'enable_agent_scripts': False, 'minutes_between_retries': 20, 'num_failures_for_alert': 1,
                       'number_of_retries': 3}
    options = cpm.ok(cpm.put('policies/%d/options/' % pid, {'enable_agent_scripts': True, 'number_of_retries': 5},
                             who='auditor'))  # the seed lets any delegate update options
    assert options['number_of_retries'] == 5 and options['minutes_between_retries'] == 20
    assert cpm.ok(cpm.get('policies/%d/' % pid))['enable_agent_scripts'] is True
    dr = cpm.ok(cpm.get('policies/%d/dr/' % pid))
    assert dr == {'cross_account_dr': {'copy_to_snapshot_original_region': False, 'dr_account': None,
                                       'dr_account_regions': [], 'dr_keep_original_snapshots': True},
                  'dr_enabled': False, 'dr_frequency': 1, 'dr_regions': [], 'dr_timeout_hours': 8}
    dr = cpm.ok(cpm.put('policies/%d/dr/' % pid, {'dr_enabled': True, 'dr_regions': [4],
                                                  'cross_account_dr': {'dr_account': DR_VAULT}}))
    assert dr['cross_account_dr']['dr_keep_original_snapshots'] is True and dr['cross_account_dr']['dr_account'] == 2
    assert cpm.ok(cpm.get('policies/%d/' % pid))['dr_enabled'] is True
    assert codes(cpm.put('policies/%d/dr/' % pid, {'cross_account_dr': {'dr_account': MAIN}}), 400) == {
        'cross_account_dr.dr_account': ['does_not_exist']}
    cpm.ok(cpm.put('policies/%d/' % pid, {'name': 'gold', 'dr_enabled': False}))
    assert cpm.ok(cpm.get('policies/%d/dr/' % pid))['dr_enabled'] is False
    cpm.config(license_cross_account=False)
    assert 'cross_account_dr' not in cpm.ok(cpm.get('policies/%d/dr/' % pid))
    cpm.config(license_cross_account=True)
    copy = cpm.ok(cpm.get('policies/%d/copy_to_s3/' % pid))
    assert copy['s3_storage_class'] == 'STANDARD' and copy['archive_storage_class'] == 'GLACIER'
    assert copy['resource_type'] == 'policy'
    assert copy['retention_generation_based'] == {'enabled': True, 'num_generations': 4}
    assert codes(cpm.put('policies/%d/copy_to_s3/' % pid, {'enabled': True}), 400) == {'repository': ['required']}
    copy = cpm.ok(cpm.put('policies/%d/copy_to_s3/' % pid, {'enabled': True, 'repository': 1,
                                                            'copy_to_glacier': {'every_unit': 'Y'}}))
    assert copy['copy_to_glacier'] == {'every_how': 1, 'every_unit': 'Y'}
    assert cpm.ok(cpm.get('policies/%d/' % pid))['copy_to_s3_enabled'] is True
    assert cpm.ok(cpm.get('s3_repositories/1/'))['related_policies'] == [pid]
    assert codes(cpm.put('policies/%d/copy_to_s3/' % pid, {'s3_storage_class': 'GLACIER'}), 400) == {
        's3_storage_class': ['invalid_choice']}
    # PUT of the policy: account is create-only; merge keeps what is not sent, replace resets it
    updated = cpm.ok(cpm.put('policies/%d/' % pid, {'name': 'gold2', 'account': MANAGED_MAIN, 'enabled': False}))
    assert updated['account'] == MAIN and updated['generations'] == 7 and updated['schedules'] == [schedule['id']]
    cpm.config(put_semantics='replace')
    replaced = cpm.ok(cpm.put('policies/%d/' % pid, {'name': 'gold2'}))
    assert replaced['generations'] == 30 and replaced['schedules'] == [] and replaced['enabled'] is True
    assert replaced['auto_remove_resource'] == 'N'
    assert cpm.ok(cpm.put('policies/%d/options/' % pid, {'number_of_retries': 1}))['enable_agent_scripts'] is False


def test_policy_list_and_custom_tags(cpm):  # pylint: disable=redefined-outer-name
    for name, account in (('b', MAIN), ('a', MAIN), ('c', MANAGED_MAIN)):
        cpm.policy(name, account)
    assert [p['name'] for p in cpm.ok(cpm.get('policies/?ordering=name'))] == ['a', 'b', 'c']
    assert [p['name'] for p in cpm.ok(cpm.get('policies/?ordering=-account,name'))] == ['c', 'a', 'b']
    assert [p['name'] for p in cpm.ok(cpm.get('policies/?account=3'))] == ['c']
    assert [p['name'] for p in cpm.ok(cpm.get('policies/?user=3'))] == ['c']
    assert [p['name'] for p in cpm.ok(cpm.get('policies/?ordering=username,name'))] == ['c', 'a', 'b']
    pid = cpm.ok(cpm.get('policies/?search=a'))[0]['id']
    tag_body = {'tag_name': 'env', 'tag_value': 'prod', 'value_is_prefix': True}
    tag = cpm.ok(cpm.post('policies/%d/custom_tags/' % pid, tag_body), 201)
    assert tag == {'id': 1, 'name_is_prefix': False, 'tag_name': 'env', 'tag_value': 'prod', 'value_is_prefix': True}
    assert cpm.ok(cpm.get('policies/%d/custom_tags/1/' % pid)) == tag
    assert cpm.ok(cpm.get('policies/%d/custom_tags/' % pid)) == [tag]
    assert codes(cpm.post('policies/%d/custom_tags/' % pid, {'tag_name': ''}), 400) == {'tag_name': ['blank']}
    assert cpm.get('policies/%d/custom_tags/1/' % (pid + 1)).status_code == 404
    assert cpm.ok(cpm.delete('policies/%d/custom_tags/1/' % pid), 204) is None
    assert cpm.ok(cpm.get('policies/%d/custom_tags/' % pid)) == []
    assert cpm.ok(cpm.delete('policies/%d/' % pid), 204) is None
    assert cpm.get('policies/%d/' % pid).status_code == 404


# -- targets -----------------------------------------------------------------------------------------------------


def _inventory(cpm, kind, region='us-east-1'):  # pylint: disable=redefined-outer-name
    return cpm.admin('GET', 'cpm/inventory?account=1&region=%s&kind=%s' % (region, kind))['resources']


def test_targets_of_every_kind(cpm):  # pylint: disable=redefined-outer-name
    pid = cpm.policy()['id']
    base = 'policies/%d/targets/' % pid
    volume = _inventory(cpm, 'volumes')
    independent = [v for v in volume if v['attached_to'] is None][0]
    bodies = {
        'volumes': {'aws_region': 'us-east-1', 'aws_resource_id': independent['aws_id']},
        'rds_databases': {'aws_region': 'us-east-1', 'aws_resource_id': _inventory(cpm, 'rds_databases')[0]['aws_id']},
        'rds_clusters': {'aws_region': 'us-east-1', 'aws_resource_id': _inventory(cpm, 'rds_clusters')[0]['aws_id']},
        'redshift_clusters': {'aws_region': 'us-east-1',
                              'aws_resource_id': _inventory(cpm, 'redshift_clusters')[0]['aws_id']},
        'dynamodb_tables': {'aws_region': 'us-east-1', 'aws_resource_name': 'main-orders'},
        'efs': {'aws_region': 'us-east-1', 'aws_resource_id': _inventory(cpm, 'efs')[0]['aws_id'], 'expire_option': 'D',
                'expire_option_value': 30},
        's3syncs': {'name': 'main-assets', 'destination_bucket_name': 'dst', 'storage_class': 'I'},
    }
    expected = {
        'volumes': {'aws_region', 'aws_resource_id', 'aws_resource_type', 'capacity', 'created', 'encrypted', 'id',
                    'iops', 'name', 'resource_type', 'status', 'tagged', 'zone'},
        'rds_databases': {'aws_region', 'aws_resource_class', 'aws_resource_id', 'engine', 'id', 'iops', 'multi_az',
                          'publicly_accessible', 'resource_type', 'status', 'storage', 'storage_type', 'tagged', 'zone'},
        'rds_clusters': {'aws_region', 'aws_resource_id', 'engine', 'id', 'resource_type', 'status', 'storage', 'tagged',
                         'zone'},
        'redshift_clusters': {'aws_region', 'aws_resource_id', 'aws_resource_type', 'encrypted', 'id', 'node_storage',
                              'node_type', 'nodes', 'publicly_accessible', 'resource_type', 'status', 'tagged', 'zone'},
        'dynamodb_tables': {'aws_region', 'aws_resource_id', 'aws_resource_name', 'id', 'partition_key',
                            'resource_type', 'sort_key', 'status', 'storage', 'table_arn', 'tagged'},
        'efs': {'aws_region', 'aws_resource_id', 'backup_iam_role_arn', 'backup_vault_name', 'encrypted',
                'expire_option', 'expire_option_value', 'id', 'move_to_cold_storage_option',
                'move_to_cold_storage_option_value', 'name', 'num_mount_targets', 'resource_type', 'size_in_bytes',
                'status', 'tagged'},
        's3syncs': {'creation_date', 'delete_extra', 'destination_account', 'destination_bucket_name',
                    'destination_prefix', 'id', 'is_encrypted', 'keep_source_prefix', 'name', 'source_prefix', 'status',
                    'storage_class'},
    }
    made = {}
    for kind, body in bodies.items():
        made[kind] = cpm.ok(cpm.post(base + kind + '/', body), 201)
        assert set(made[kind]) == expected[kind], kind
        assert cpm.ok(cpm.get(base + '%s/%d/' % (kind, made[kind]['id']))) == made[kind]
        assert cpm.ok(cpm.get(base + kind + '/')) == [made[kind]]
    assert made['dynamodb_tables']['table_arn'].endswith(':table/main-orders') and made['efs']['expire_option'] == 'D'
    instance = cpm.protect(pid, which_volumes='I', ami_backup_option='S',
                           application_consistent_backup={'enable_agent_vss': True})
    assert instance['application_consistent_backup']['enable_agent_vss'] is True
    assert instance['application_consistent_backup']['agent_script_timeout'] == 100 and instance['tagged'] is False
    everything = cpm.ok(cpm.get(base))
    assert [t['id'] for t in everything] == [made[k]['id'] for k in bodies] + [instance['id']]
    assert cpm.ok(cpm.get(base + '?page=2&page_size=5'))['count'] == 8
    # PUT exists for instances, efs and s3syncs only
    put = cpm.ok(cpm.put(base + 'instances/%d/' % instance['id'], {'ami_backup_option': 'O', 'aws_resource_id': 'i-x'}))
    assert put['ami_backup_option'] == 'O' and put['which_volumes'] == 'I' and put['aws_resource_id'] == instance['aws_resource_id']
    cold = {'move_to_cold_storage_option': 'W', 'move_to_cold_storage_option_value': 2}
    efs = cpm.ok(cpm.put(base + 'efs/%d/' % made['efs']['id'], cold))
    assert efs['expire_option_value'] == 30 and efs['move_to_cold_storage_option'] == 'W'
    assert codes(cpm.put(base + 'efs/%d/' % made['efs']['id'], {'expire_option': 'Y', 'expire_option_value': None}),
                 400) == {'expire_option_value': ['required']}
    assert codes(cpm.put(base + 's3syncs/%d/' % made['s3syncs']['id'], {'name': 'main-assets'}), 400) == {
        'destination_bucket_name': ['required']}
    sync = cpm.ok(cpm.put(base + 's3syncs/%d/' % made['s3syncs']['id'], {'name': 'main-backup-copies',
                                                                         'destination_bucket_name': 'dst2'}))
    assert sync['name'] == 'main-backup-copies' and sync['storage_class'] == 'I'
    assert cpm.req('PUT', base + 'volumes/%d/' % made['volumes']['id'], json={}).status_code == 405
    for kind in bodies:
        assert cpm.ok(cpm.delete(base + '%s/%d/' % (kind, made[kind]['id'])), 204) is None
        assert cpm.get(base + '%s/%d/' % (kind, made[kind]['id'])).status_code == 404
    assert [t['id'] for t in cpm.ok(cpm.get(base))] == [instance['id']]


def test_target_validation_and_inventory_knob(cpm):  # pylint: disable=redefined-outer-name
    pid = cpm.policy()['id']
    base = 'policies/%d/targets/instances/' % pid
    assert codes(cpm.post(base, {}), 400) == {'aws_region': ['required'], 'aws_resource_id': ['required']}
    assert codes(cpm.post(base, {'aws_region': 'mars-1', 'aws_resource_id': 'i-1'}), 400) == {
        'aws_region': ['invalid_choice']}
    assert codes(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': 'i-unknown'}), 400) == {
        'aws_resource_id': ['invalid']}
    assert codes(cpm.post(base, {'aws_region': 'us-west-2', 'aws_resource_id': cpm.instances()[0]['aws_id']}), 400) == {
        'aws_resource_id': ['invalid']}
    cpm.protect(pid)
    assert codes(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': cpm.instances()[0]['aws_id']}), 400) == {
        'aws_resource_id': ['unique']}
    assert codes(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': cpm.instances()[1]['aws_id'],
                                 'which_volumes': 'Z'}), 400) == {'which_volumes': ['invalid_choice']}
    assert cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': 'i-x'}, who='auditor').status_code == 403
    assert cpm.get('policies/999/targets/instances/').status_code == 404
    cpm.config(strict_inventory=False)
    invented = cpm.ok(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': 'i-0123456789abcdef0'}), 201)
    assert invented['aws_resource_id'] == 'i-0123456789abcdef0' and invented['name'] == 'i-0123456789abcdef0'
    cpm.config(license_max_instances=2)
    assert cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': 'i-third'}).status_code == 403


def test_instance_volume_selection(cpm):  # pylint: disable=redefined-outer-name
    pid = cpm.policy()['id']
    target = cpm.protect(pid, 1, which_volumes='X')  # main-web-2: three volumes
    volumes = cpm.instances()[1]['volumes']
    base = 'policies/%d/targets/instances/%d/volumes/' % (pid, target['id'])
    chosen = cpm.ok(cpm.post(base, {'aws_resource_id': volumes[2]}), 201)
    assert set(chosen) == {'aws_resource_id', 'aws_resource_type', 'capacity', 'created', 'device', 'encrypted', 'id',
                           'iops', 'name', 'resource_type', 'status', 'zone'}
    assert chosen['device'] == '/dev/xvdc' and chosen['status'] == 'in-use'
    assert cpm.ok(cpm.get(base)) == [chosen] and cpm.ok(cpm.get(base + '%d/' % chosen['id'])) == chosen
    assert codes(cpm.post(base, {'aws_resource_id': volumes[2]}), 400) == {'aws_resource_id': ['unique']}
    assert codes(cpm.post(base, {'aws_resource_id': 'vol-elsewhere'}), 400) == {'aws_resource_id': ['invalid']}
    tracker = cpm.ok(cpm.post('policies/%d/backups/' % pid), 202)['tracker_id']
    backup = wait_for(lambda: [b for b in cpm.ok(cpm.get('backups/?tracker_id=%d' % tracker)) if b['status'] == 'B'])[0]
    snapped = [s['backed_up_resource_id'] for s in cpm.ok(cpm.get('backups/%d/snapshots/volumes/' % backup['id']))]
    assert snapped == volumes[:2]  # X: every volume except the selected one
    assert cpm.ok(cpm.delete(base + '%d/' % chosen['id']), 204) is None
    assert cpm.ok(cpm.get(base)) == []
    assert cpm.get('policies/%d/targets/instances/999/volumes/' % pid).status_code == 404


def test_tag_scan_and_auto_remove(cpm):  # pylint: disable=redefined-outer-name
    pid = cpm.policy(auto_remove_resource='Y')['id']
    instances = cpm.instances()
    scan = cpm.admin('POST', 'cpm/tag-scan', {'account': 1, 'region': 'us-east-1', 'aws_resource_id': instances[0]['aws_id'],
                                              'policy': pid})
    assert scan['target']['tagged'] is True and scan['policy_created'] is False
    assert cpm.ok(cpm.get('policies/%d/targets/instances/' % pid))[0]['tagged'] is True
    created = cpm.admin('POST', 'cpm/tag-scan', {'account': 1, 'aws_resource_id': instances[1]['aws_id'],
                                                 'policy': 'by-tag'})
    assert created['policy_created'] is True
    tagged_policy = cpm.ok(cpm.get('policies/%d/' % created['policy']))
    assert tagged_policy['name'] == 'by-tag' and tagged_policy['created_by_tag'] is True
    keep = cpm.policy('keep', auto_remove_resource='N')['id']
    cpm.protect(keep, 0)
    removed = cpm.admin('DELETE', 'cpm/inventory', {'account': 1, 'region': 'us-east-1',
                                                    'aws_resource_id': instances[0]['aws_id']})
    assert removed['targets_removed'] == 1
    assert cpm.ok(cpm.get('policies/%d/targets/instances/' % pid)) == []
    assert cpm.ok(cpm.get('policies/%d/targets/instances/' % keep))[0]['state'] == 'terminated'
    added = cpm.admin('POST', 'cpm/inventory', {'account': 1, 'region': 'eu-west-1', 'kind': 'instances', 'name': 'new-vm',
                                                'tags': {'cpm backup': 'keep'}})
    assert added['resource']['aws_id'].startswith('i-') and added['resource']['tags']['Name'] == 'new-vm'
    cpm.admin('POST', 'cpm/tag-scan', {'account': 1, 'kind': 'dynamodb_tables', 'aws_resource_name': 'nope',
                                       'policy': pid}, status=404)


# -- backups -------------------------------------------------------------------------------------------------------


def _run_backup(cpm, pid, status='B'):  # pylint: disable=redefined-outer-name
    """Backup now; wait until every phase (backup, DR, copy to S3) is over; return the record."""
    tracker = cpm.ok(cpm.post('policies/%d/backups/' % pid), 202)['tracker_id']
    record = wait_for(lambda: cpm.ok(cpm.get('backups/?tracker_id=%d' % tracker)))[0]
    wait_for(lambda: not cpm.admin('GET', 'cpm/backups/%d' % record['id'])['running'])
    record = cpm.ok(cpm.get('backups/%d/' % record['id']))
    assert record['status'] == status, record
    return record


def test_backup_now_progress_and_snapshots(cpm):  # pylint: disable=redefined-outer-name
    pid = cpm.policy()['id']
    assert codes(cpm.post('policies/%d/backups/' % pid), 412) == {'detail': ['precondition_failed']}  # no targets
    cpm.protect(pid, 0, ami_backup_option='S')
    cpm.ok(cpm.post('policies/%d/targets/rds_databases/' % pid, {
        'aws_region': 'us-east-1', 'aws_resource_id': _inventory(cpm, 'rds_databases')[0]['aws_id']}), 201)
    table = {'aws_region': 'us-east-1', 'aws_resource_name': 'main-orders'}
    cpm.ok(cpm.post('policies/%d/targets/dynamodb_tables/' % pid, table), 201)
    cpm.config(backup_seconds=1.0)
    accepted = cpm.post('policies/%d/backups/' % pid)
    tracker = cpm.ok(accepted, 202)['tracker_id']
    assert set(accepted.json()) == {'tracker_id'} and tracker == 1001
    assert codes(cpm.post('policies/%d/backups/' % pid), 412) == {'detail': ['precondition_failed']}  # running
    first = cpm.ok(cpm.get('backups/?tracker_id=%d' % tracker))
    assert len(first) == 1 and first[0]['status'] in ('I', 'P') and first[0]['end_time'] is None
    backup_id = first[0]['id']
    assert backup_id == 1 and backup_id != tracker
    wait_for(lambda: cpm.ok(cpm.get('backups/%d/' % backup_id))['status'] == 'P')
    cpm.config(backup_seconds=0.2)
    done = wait_for(lambda: [b for b in [cpm.ok(cpm.get('backups/%d/' % backup_id))] if b['status'] == 'B'])[0]
    assert set(done) == {'account', 'description', 'dr_account_regions', 'dr_regions', 'dr_status', 'end_time',
                         'glacier_archive_status', 'id', 'is_freezer_item', 'is_recoverable', 'is_retry',
                         'marked_for_deletion', 'move_to_freezer_enabled', 'name', 'performed_quiecse', 'policy',
                         'retry_scheduled', 's3_copy_status', 'start_time', 'status', 'user'}
    assert done['dr_status'] == 'N' and done['s3_copy_status'] == {'progress_percent': 0, 'status': 'Z'}
    assert done['glacier_archive_status'] == {'progress_percent': '0', 'status': 'Z'}
    assert done['is_recoverable'] is True and done['policy'] == pid and done['end_time'] > done['start_time']
    base = 'backups/%d/snapshots/' % backup_id
    instances = cpm.ok(cpm.get(base + 'instances/'))
    assert len(instances) == 1 and instances[0]['aws_instance_type'] == 't3.medium'
    assert cpm.ok(cpm.get(base + 'instances/%d/' % instances[0]['id'])) == instances[0]
    volumes = cpm.ok(cpm.get(base + 'volumes/'))
    assert len(volumes) == 2 and all(v['instance_id'] == cpm.instances()[0]['aws_id'] for v in volumes)
    assert volumes[0]['backup_id'] == str(backup_id) and isinstance(volumes[0]['snapshot_account_id'], int)
    assert volumes[0]['snapshot_id'].startswith('snap-') and volumes[0]['succeeded'] is True
    assert len(cpm.ok(cpm.get(base + 'initial_amis/'))) == 1
    rds = cpm.ok(cpm.get(base + 'rds_databases/'))
    assert len(rds) == 1 and rds[0]['snapshot_type'] == 'rds'
    dynamo = cpm.ok(cpm.get(base + 'dynamodb_tables/'))
    assert isinstance(dynamo[0]['snapshot_account_id'], str) and dynamo[0]['backed_up_resource_name'] == 'main-orders'
    assert len(cpm.ok(cpm.get(base))) == 5  # every record but the instance metadata, in the seed's small shape
    assert cpm.ok(cpm.get(base + 'volumes/?resource=%s' % volumes[1]['backed_up_resource_id'][4:12]))[0]['id'] == volumes[1]['id']
    assert cpm.ok(cpm.get(base + 'volumes/?aws_region=us-west-2')) == []
    assert len(cpm.ok(cpm.get(base + 'volumes/?region=1&account=1'))) == 2
    assert cpm.ok(cpm.get(base + 'volumes/?page=1&page_size=1'))['count'] == 2
    logs = cpm.ok(cpm.get('backups/%d/logs/' % backup_id))
    assert logs[0]['log'].startswith('Backup of policy p1 started') and set(logs[0]) == {'log', 'log_time', 'log_type'}
    assert logs[-1]['log'] == 'Backup of policy p1 finished: Backup Successful.'
    csv = cpm.get('backups/%d/logs/' % backup_id, headers={'Accept': 'text/csv'})
    assert csv.headers['Content-Type'].startswith('text/csv') and csv.text.splitlines()[0] == 'Time,Severity,Message'
    assert cpm.ok(cpm.get('backups/%d/script_logs/' % backup_id)) == []
    second = _run_backup(cpm, pid)
    assert cpm.ok(cpm.get('backups/%d/snapshots/initial_amis/' % second['id'])) == []  # a single initial AMI
    assert [b['id'] for b in cpm.ok(cpm.get('backups/?policy=%d&ordering=-start_time' % pid))] == [second['id'], backup_id]
    assert cpm.ok(cpm.get('backups/?search_by_instance=main-web-1'))[0]['id'] == backup_id
    assert cpm.ok(cpm.get('backups/?search_by_dynamo_db=orders&status=B'))[0]['policy'] == pid
    assert cpm.ok(cpm.get('backups/?search_by_efs=main')) == []
    today = time.strftime('%Y-%m-%d', time.gmtime())
    assert len(cpm.ok(cpm.get('backups/?start_time=%s' % today))) == 2
    assert cpm.ok(cpm.get('backups/?start_time=%s' % done['start_time']))[0]['id'] == backup_id
    assert cpm.get('backups/%d/' % backup_id, who='tenant').status_code == 404


def test_backup_outcomes_dr_and_s3_copy(cpm):  # pylint: disable=redefined-outer-name
    pid = cpm.policy()['id']
    cpm.protect(pid, 0)
    cpm.ok(cpm.put('policies/%d/dr/' % pid, {'dr_enabled': True, 'dr_regions': [4, 5],
                                             'cross_account_dr': {'dr_account': DR_VAULT, 'dr_account_regions': [6]}}))
    cpm.ok(cpm.put('policies/%d/copy_to_s3/' % pid, {'enabled': True, 'repository': 1}))
    cpm.ok(cpm.put('policies/%d/options/' % pid, {'enable_agent_scripts': True}))
    done = _run_backup(cpm, pid)
    assert done['dr_status'] == 'C' and done['dr_regions'] == 'us-west-2, eu-west-1'
    assert done['dr_account_regions'] == 'eu-central-1' and done['performed_quiecse'] is True
    assert done['s3_copy_status'] == {'progress_percent': 100, 'status': 'S'}
    base = 'backups/%d/snapshots/' % done['id']
    twins = cpm.ok(cpm.get(base + 'dr_volumes/'))
    assert len(twins) == 6 and set(t['region'] for t in twins) == {'us-west-2', 'eu-west-1', 'eu-central-1'}
    native = dict((v['snapshot_id'], v) for v in cpm.ok(cpm.get(base + 'volumes/')))
    assert all(t['original_snap'] in native and t['snapshot_type'] == 'ebs_copy' for t in twins)
    assert set(t['dr_account'] for t in twins) == {None, '2'}
    copies = cpm.ok(cpm.get(base + 'copy_to_s3/'))
    assert len(copies) == 2 and copies[0]['tier'] == 'S' and copies[0]['succeeded'] == 'true'
    assert copies[0]['repository_id'] == '1' and 'snapshot_id' not in copies[0]
    scripts = cpm.ok(cpm.get('backups/%d/script_logs/' % done['id']))
    assert [s['title'] for s in scripts] == ['Before script output', 'After script output']
    assert cpm.ok(cpm.get('backups/%d/script_logs/2/' % done['id'])) == scripts[1]
    assert cpm.get('backups/%d/script_logs/3/' % done['id']).status_code == 404
    # admin-planned outcomes: the next backup fails (DR skipped, copy skipped), then a partial one
    cpm.admin('POST', 'cpm/fail-next-backup', {'policy': pid, 'status': 'F'})
    failed = _run_backup(cpm, pid, 'F')
    assert failed['dr_status'] == 'S' and failed['s3_copy_status']['status'] == 'K' and failed['is_recoverable'] is False
    assert all(v['succeeded'] is False for v in cpm.ok(cpm.get('backups/%d/snapshots/volumes/' % failed['id'])))
    cpm.admin('POST', 'cpm/fail-next-backup', {'status': 'S', 'dr_status': 'F', 's3_copy_status': 'F'})
    partial = _run_backup(cpm, pid, 'S')
    assert partial['dr_status'] == 'F' and partial['s3_copy_status']['status'] == 'F'
    flags = [v['succeeded'] for v in cpm.ok(cpm.get('backups/%d/snapshots/volumes/' % partial['id']))]
    assert flags == [False, True]
    assert cpm.ok(cpm.get('backups/%d/snapshots/dr_volumes/' % partial['id'])) == []
    assert [b['status'] for b in cpm.ok(cpm.get('backups/?ordering=status'))] == ['B', 'F', 'S']
    assert [b['id'] for b in cpm.ok(cpm.get('backups/?dr_status=F'))] == [partial['id']]
    assert [b['id'] for b in cpm.ok(cpm.get('backups/?s3_copy_status=K'))] == [failed['id']]
    cpm.admin('POST', 'cpm/fail-next-backup', {'status': 'X'}, status=400)
    view = cpm.admin('GET', 'cpm/backups/%d' % done['id'])
    assert view['tracker_id'] == 1001 and view['status'] == 'B' and len(view['logs']) >= 4


def test_backup_start_delay_concurrency_and_abort(cpm):  # pylint: disable=redefined-outer-name
    pid = cpm.policy()['id']
    cpm.protect(pid, 0)
    cpm.config(backup_start_delay=0.3, concurrent_backups=True)
    tracker = cpm.ok(cpm.post('policies/%d/backups/' % pid), 202)['tracker_id']
    assert cpm.ok(cpm.get('backups/?tracker_id=%d' % tracker)) == []  # not started yet
    assert cpm.ok(cpm.post('policies/%d/backups/' % pid), 202)['tracker_id'] == tracker + 1
    wait_for(lambda: cpm.ok(cpm.get('backups/?tracker_id=%d' % tracker)))
    cpm.config(backup_start_delay=0.0, concurrent_backups=False)
    wait_for(lambda: len([b for b in cpm.ok(cpm.get('backups/')) if b['status'] == 'B']) == 2)
    cpm.ok(cpm.put('policies/%d/' % pid, {'name': 'p1', 'enabled': False}))
    assert codes(cpm.post('policies/%d/backups/' % pid), 412) == {'detail': ['precondition_failed']}
    cpm.ok(cpm.put('policies/%d/' % pid, {'name': 'p1', 'enabled': True}))
    cpm.ok(cpm.put('policies/%d/copy_to_s3/' % pid, {'enabled': True, 'repository': 1}))
    cpm.config(s3_copy_seconds=5.0)
    tracker = cpm.ok(cpm.post('policies/%d/backups/' % pid), 202)['tracker_id']
    record = wait_for(lambda: [b for b in cpm.ok(cpm.get('backups/?tracker_id=%d' % tracker))
                               if b['s3_copy_status']['status'] in ('I', 'P')])[0]
    assert cpm.ok(cpm.get('policies/%d/' % pid))['s3_operation_in_progress'] is True
    aborted = cpm.post('backups/%d/copy_to_s3/abort/' % record['id'])
    assert aborted.status_code == 201 and aborted.content == b''
    assert cpm.ok(cpm.get('backups/%d/' % record['id']))['s3_copy_status']['status'] == 'G'
    cpm.config(s3_copy_seconds=0.1)
    wait_for(lambda: cpm.ok(cpm.get('backups/%d/' % record['id']))['s3_copy_status']['status'] == 'A')
    assert codes(cpm.post('backups/%d/copy_to_s3/abort/' % record['id']), 400) == {'non_field_errors': ['invalid']}
    assert cpm.ok(cpm.post('policies/%d/s3_operations/abort/' % pid), 201) == {}
    assert cpm.post('policies/%d/archive/abort/' % pid).status_code == 200
    assert cpm.post('policies/%d/cleanup_s3/abort/' % pid).status_code == 200


def test_freezer_and_snapshot_deletion(cpm):  # pylint: disable=redefined-outer-name
    pid = cpm.policy()['id']
    cpm.protect(pid, 0)
    first = _run_backup(cpm, pid)
    assert cpm.put('backups/%d/' % first['id'], {'name': 'x', 'description': 'y'}).status_code == 404
    assert cpm.delete('backups/%d/' % first['id']).status_code == 404
    assert codes(cpm.post('backups/%d/to_freezer/' % first['id'], {'name': 'keep me'}), 400) == {
        'name': ['invalid'], 'description': ['required']}
    frozen = cpm.ok(cpm.post('backups/%d/to_freezer/' % first['id'], {'name': 'keep_me', 'description': 'audit'}), 201)
    assert frozen['name'] == 'keep_me' and 'is_freezer_item' not in frozen and 's3_copy_status' not in frozen
    assert cpm.ok(cpm.get('backups/?is_freezer_item=true'))[0]['id'] == first['id']
    assert codes(cpm.post('backups/%d/to_freezer/' % first['id'], {'name': 'a', 'description': 'b'}), 400) == {
        'non_field_errors': ['invalid']}
    renamed = cpm.ok(cpm.put('backups/%d/' % first['id'], {'name': 'kept', 'description': 'audit 2'}))
    assert renamed['is_freezer_item'] is True and renamed['name'] == 'kept'
    assert cpm.ok(cpm.get('users/'))[0]['num_frozen_items'] == 1
    assert cpm.ok(cpm.delete('backups/%d/' % first['id']), 204) is None
    assert cpm.get('backups/%d/' % first['id']).status_code == 404
    second = _run_backup(cpm, pid)
    volumes = cpm.ok(cpm.get('backups/%d/snapshots/volumes/' % second['id']))
    path = 'backups/%d/snapshots/volumes/%d/' % (second['id'], volumes[0]['id'])
    assert cpm.ok(cpm.delete(path), 204) is None
    assert cpm.ok(cpm.get(path))['deletion_time'] is not None and cpm.delete(path).status_code == 404
    assert cpm.ok(cpm.get('backups/%d/' % second['id']))['status'] == 'B'
    assert cpm.req('DELETE', 'backups/%d/snapshots/instances/1/' % second['id']).status_code == 405
    assert cpm.ok(cpm.delete('backups/%d/snapshots/' % second['id']), 204) is None
    wiped = cpm.ok(cpm.get('backups/%d/' % second['id']))
    assert wiped['status'] == 'D' and wiped['is_recoverable'] is False
    third = _run_backup(cpm, pid)
    assert cpm.ok(cpm.delete('policies/%d/snapshots/native/' % pid), 204) is None
    assert cpm.ok(cpm.get('backups/%d/' % third['id']))['status'] == 'D'
    fourth = _run_backup(cpm, pid)
    assert cpm.ok(cpm.delete('accounts/1/snapshots/'), 204) is None
    assert cpm.ok(cpm.get('backups/%d/' % fourth['id']))['status'] == 'D'
    assert cpm.ok(cpm.delete('policies/%d/' % pid), 204) is None
    assert cpm.ok(cpm.get('backups/')) == []  # a deleted policy takes its backup records along


# -- seeding and speed ---------------------------------------------------------------------------------------------


def test_seed_5000_and_walk(cpm):  # pylint: disable=redefined-outer-name
    started = time.time()
    seeded = cpm.admin('POST', 'seed', {'service': 'cpm', 'resources': 5000, 'policies': 10, 'accounts': 2})
    assert time.time() - started < 5 and seeded['resources'] == 5000 and seeded['backups'] == 8
    assert cpm.admin('POST', 'seed', {'service': 'cpm', 'resources': 10, 'kind': 'efs', 'policies': 1,
                                      'backed_up': 1.0, 'failed': 0})['backups'] == 1
    policies = cpm.ok(cpm.get('policies/?search=bulk1'))
    assert len(policies) == 10 and all(p['schedules'] == [seeded['schedule']] for p in policies)
    statuses = [b['status'] for b in cpm.ok(cpm.get('backups/?ordering=policy'))]
    assert statuses.count('B') == 7 and statuses.count('F') == 2
    walked = 0
    started = time.time()
    for policy in policies:
        url = cpm.api + 'policies/%d/targets/instances/?page=1&page_size=100' % policy['id']
        while url:
            page = cpm.ok(cpm.session.get(url, headers={'Authorization': 'Bearer ' + cpm.token()}, timeout=10))
            walked += len(page['results'])
            url = page['next']
    assert walked == 5000 and time.time() - started < 3.0
    one = cpm.admin('POST', 'seed', {'service': 'cpm', 'resources': 5000, 'policies': 1})
    started = time.time()
    url, walked = cpm.api + 'policies/%d/targets/instances/?page_size=250' % one['policies'][0], 0
    while url:
        page = cpm.ok(cpm.session.get(url, headers={'Authorization': 'Bearer ' + cpm.token()}, timeout=10))
        walked += len(page['results'])
        url = page['next']
    assert walked == 5000 and time.time() - started < 2.0
    snapshots = cpm.ok(cpm.get('backups/?policy=%d' % one['policies'][0]))
    assert len(cpm.ok(cpm.get('backups/%d/snapshots/instances/?page=1&page_size=10' % snapshots[0]['id']))['results']) == 10
    cpm.admin('POST', 'seed', {'service': 'cpm', 'kind': 'nothing'}, status=400)
    cpm.admin('POST', 'seed', {'service': 'cpm', 'backed_up': 0.9, 'failed': 0.5}, status=400)


def test_reference_lists_and_https_links(cpm, sim):  # pylint: disable=redefined-outer-name
    regions = cpm.ok(cpm.get('regions/'))
    assert regions[0] == {'aws_region': 'us-east-1', 'disp_name': 'US East (N. Virginia)', 'id': 1} and len(regions) == 7
    types = cpm.ok(cpm.get('resource_types/'))
    assert [t['name'] for t in types] == ['instances', 'volumes', 'rds_databases', 'rds_clusters', 'redshift_clusters',
                                          'dynamodb_tables', 'efs', 's3syncs']
    repos = cpm.ok(cpm.get('s3_repositories/?account=1&search=main&ordering=-aws_bucket_name'))
    assert repos == [{'account': 1, 'aws_bucket_name': 'cpm-sim-main-repo', 'aws_region': 'us-east-1',
                      'deletion_status': 'N', 'description': 'S3 repository of main', 'id': 1, 'name': 'main-repo',
                      'related_policies': [], 'user': 1}]
    assert cpm.ok(cpm.get('s3_repositories/', who='tenant')) == [] and cpm.get('s3_repositories/1/', who='tenant').status_code == 404
    assert [u['username'] for u in cpm.ok(cpm.get('users/?search=man'))] == ['managed']
    assert cpm.ok(cpm.get('accounts/backup/1/'))['associated_repositories'] == [1]
    secure = requests.get(sim.https_url + '/cpm/api/regions/?page=1&page_size=3', verify=sim.ca_path, timeout=10,
                          headers={'Authorization': 'Bearer ' + cpm.token()})
    assert secure.status_code == 200 and secure.json()['next'] == sim.https_url + '/cpm/api/regions/?page=2&page_size=3'
    listed = cpm.admin('GET', 'cpm/inventory?account=1')['resources']
    kinds = sorted(set(resource['kind'] for resource in listed))
    assert kinds == ['dynamodb_tables', 'efs', 'instances', 'rds_clusters', 'rds_databases', 'redshift_clusters',
                     's3_buckets', 'volumes']
    assert len([r for r in listed if r['kind'] == 'instances']) == 4 and cpm.instances(region='us-west-2')[0]['name'] == 'main-web-west-1'
    cpm.admin('GET', 'cpm/inventory?account=99', status=404)
    cpm.admin('POST', 'cpm/inventory', {'account': 1, 'kind': 'boats', 'name': 'x'}, status=400)
    cpm.admin('POST', 'cpm/nothing', {}, status=404)
    users = cpm.admin('GET', 'cpm/users')['users']
    assert [u['username'] for u in users] == ['root', 'tenant', 'managed', 'operator', 'auditor']
    added = cpm.admin('POST', 'cpm/users', {'username': 'ops2', 'user_type': 'delegate', 'original_user': 2,
                                            'flags': {'allow_backup_changes': True}, 'api_key': 'sim-extra-key'})
    token = requests.post(cpm.api + 'token/obtain/api_key/', json={'api_key': 'sim-extra-key'}, timeout=10).json()['access']
    headers = {'Authorization': 'Bearer ' + token}
    assert [a['name'] for a in requests.get(cpm.api + 'accounts/', headers=headers, timeout=10).json()] == ['tenant-main']
    assert added['user']['flags']['allow_backup_changes'] is True
