# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the Acronis DR API v2 simulator (tests/simulator), run in-process on free ports."""

import base64
import json
import os
import re
import sys
import time

import pytest
import requests

SIM_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'simulator'))
SCRIPTS_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'scripts'))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position
from backupdr_simulator.acronis_dr import CLIENTS, AcronisDRService  # noqa: E402
from backupdr_simulator.core import Simulator  # noqa: E402
from backupdr_simulator.crosspeer import CrossPeerService  # noqa: E402

DOMAIN = 'DisasterRecovery'
TOKEN_RE = re.compile(r'^[0-9a-zA-Z\-\._~+/]+={0,2}$')
SQL_PRIMARY = '6782e594-781d-4ad2-b8ca-25a0c40f9938'
WEB_01 = '1f100401-357b-4d04-a0c0-d1206c947473'
WEB_01_RESOURCE = '1931FAAF-692D-451F-98A3-DAF721102BEB'
WEB_02 = '565cf826-5332-4fd8-9109-2b81630e486d'
DB_01 = 'a3d5c7e9-1b2d-4f6a-8c0e-2d4f6a8c0e01'
DB_01_RESOURCE = '2B7D4F61-8A3C-4E5B-9F70-1C2D3E4F5A6B'
APP_01 = 'b4e6d8f0-2c3e-4a7b-9d1f-3e5a7b9d1f02'
BLOCKED_01 = 'c5f7e9a1-3d4f-4b8c-8e2a-4f6b8c0e2a03'
SITE_ERROR = 'f3b3b3b3-3b3b-3b3b-3b3b-3b3b3b3b3b3b'
SITE_WARNING = '75c45087-0ba7-4580-8de8-1be489b7591d'
SITE_OK = '40ca099f-c116-4f6c-9730-42a0bff138a2'
SITE_DELETED = '9e2c4a6b-8d0f-4e1a-b3c5-d7e9f1a3b5c7'
POINT = {'backup_id': 'c4d81250-bd8a-4b8f-afd7-e88ea0e5cbf6', 'archive_id': 'b595c974-0c8b-4802-b71b-238b76c4c05e',
         'vault_id': '0a959777-c0c8-40af-b3d3-9ad972040db8'}
BASE_RELS = ['DR_CLOUD_SERVER_PAGE', 'DR_CLOUD_SERVER_RECOVERY_POINTS', 'DR_CLOUD_SERVER_REMOTE_CONSOLE_PAGE']
START_RELS = ['DR_CLOUD_SERVER_START_FAILOVER_PROD', 'DR_CLOUD_SERVER_START_FAILOVER_TEST']
STOP_RELS = ['DR_CLOUD_SERVER_STOP_FAILOVER']


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    """One simulator for the module, on free ports (with CrossPeer, as in real use)."""
    simulator = Simulator([CrossPeerService(), AcronisDRService()], port=0, tls_port=0, quiet=True,
                          state_dir=str(tmp_path_factory.mktemp('simstate')))
    simulator.start()
    yield simulator
    simulator.stop()


class Client:
    """Token endpoint, DR API and admin API helpers."""

    def __init__(self, simulator):
        self.sim = simulator
        self.dc = simulator.http_url + '/acronis'
        self.api = self.dc + '/api/dr/v2/'
        self.session = requests.Session()
        self.tokens = {}

    def token_response(self, role=None, auth=None, data=None, **kwargs):
        """POST the token endpoint (Basic auth with the role's credentials unless auth is given)."""
        if role is not None:
            auth = (CLIENTS[role]['client_id'], CLIENTS[role]['client_secret'])
        body = {'grant_type': 'client_credentials'} if data is None else data
        return self.session.post(self.dc + '/api/2/idp/token', data=body, auth=auth, timeout=10, **kwargs)

    def token(self, role='admin'):
        """A (cached) access token of a role."""
        if role not in self.tokens:
            response = self.token_response(role)
            assert response.status_code == 200, response.text
            self.tokens[role] = response.json()['access_token']
        return self.tokens[role]

    def headers(self, role):
        """Authorization header of a role."""
        return {'Authorization': 'Bearer ' + self.token(role)}

    def get(self, path, role='admin', params=None, **kwargs):
        """GET a DR API path."""
        return self.session.get(self.api + path, params=params, headers=self.headers(role), timeout=10, **kwargs)

    def post(self, path, body=None, role='admin', **kwargs):
        """POST a DR API path with a JSON body."""
        return self.session.post(self.api + path, json=body, headers=self.headers(role), timeout=10, **kwargs)

    def server(self, server_uuid):
        """The server as the admin view shows it (public representation)."""
        return self.admin('GET', 'acronis_dr/servers/' + server_uuid)['server']

    def server_via_api(self, resource_id):
        """The RECOVERY server with this resource id, read through the API (as the collection does)."""
        response = self.get('servers', params=[('type', 'RECOVERY'), ('recovery.resource_id', resource_id)])
        assert response.status_code == 200, response.text
        items = response.json()['items']
        assert len(items) == 1
        return items[0]

    def admin(self, method, name, payload=None, status=200):
        """Call the admin API."""
        response = requests.request(method, self.sim.http_url + '/_sim/' + name, json=payload, timeout=10)
        assert response.status_code == status, response.text
        return response.json()

    def config(self, **knobs):
        """Set Acronis DR knobs."""
        return self.admin('POST', 'config', dict(knobs, service='acronis_dr'))


@pytest.fixture
def acr(sim):  # pylint: disable=redefined-outer-name
    """A client on a freshly reset simulator."""
    client = Client(sim)
    client.admin('POST', 'reset', {})
    yield client
    client.session.close()


def dr_error(code, msg, context=None, additional=None):
    """The seed's error document."""
    debug = {'msg': msg} if additional is None else {'additional': additional, 'msg': msg}
    return {'error': {'code': code, 'context': context or {}, 'debug': debug, 'domain': DOMAIN}}


def assert_dr_error(response, status, code):
    """Status, JSON error body of the seed's shape; returns the error object."""
    assert response.status_code == status, response.text
    assert response.headers['Content-Type'] == 'application/json'
    body = response.json()
    assert list(body) == ['error'] and body['error']['domain'] == DOMAIN and body['error']['code'] == code
    assert set(body['error']) == {'code', 'context', 'debug', 'domain'} and 'msg' in body['error']['debug']
    return body['error']


def rels(server):
    """The rel names of a server's links."""
    return [link['rel'] for link in server['_links']]


def wait_for(predicate, timeout=5.0):
    """Poll until predicate() is truthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('condition not met within %.1fs' % timeout)


def all_pages(acr, params, path='servers'):  # pylint: disable=redefined-outer-name
    """Follow after cursors; return the list of page bodies."""
    pages = []
    response = acr.get(path, params=params)
    while True:
        assert response.status_code == 200, response.text
        pages.append(response.json())
        after = pages[-1]['paging'].get('cursors', {}).get('after')
        if not after:
            return pages
        response = acr.get(path, params={'after': after})


# -- token endpoint --------------------------------------------------------------------


def test_token_basic_and_form_auth(acr):  # pylint: disable=redefined-outer-name
    before = int(time.time())
    response = acr.token_response('admin', data={'grant_type': 'client_credentials', 'scope': 'something else'})
    assert response.status_code == 200, response.text
    assert response.headers['Cache-Control'] == 'no-store' and response.headers['Pragma'] == 'no-cache'
    body = response.json()
    assert set(body) == {'access_token', 'token_type', 'expires_in', 'expires_on', 'scope'}
    assert TOKEN_RE.match(body['access_token']) and body['token_type'] == 'bearer'
    assert body['expires_in'] == 7200 and before + 7200 <= body['expires_on'] <= int(time.time()) + 7200
    assert body['scope'] == 'dr_service::admin'
    operator = CLIENTS['operator']
    form = acr.token_response(data={'grant_type': 'client_credentials', 'client_id': operator['client_id'],
                                    'client_secret': operator['client_secret']})
    assert form.status_code == 200 and form.json()['scope'] == 'dr::support_operator'
    assert form.json()['access_token'] != body['access_token']
    for token in (body['access_token'], form.json()['access_token']):
        listed = requests.get(acr.api + 'sites', headers={'Authorization': 'Bearer ' + token}, timeout=10)
        assert listed.status_code == 200
    # a form client_id next to Basic is fine when it names the same client
    same = acr.token_response('readonly', data={'grant_type': 'client_credentials',
                                                'client_id': CLIENTS['readonly']['client_id']})
    assert same.status_code == 200 and same.json()['scope'] == 'protection::readonly'
    tokens = acr.admin('GET', 'acronis_dr/tokens')
    assert tokens['issued'] == 3 and tokens['valid'] == 3 and 'access_token' not in json.dumps(tokens)


def test_token_errors_rfc6749(acr):  # pylint: disable=redefined-outer-name
    admin = CLIENTS['admin']
    wrong = acr.token_response(auth=(admin['client_id'], 'nope'))
    assert wrong.status_code == 401 and wrong.headers['WWW-Authenticate'].startswith('Basic')
    assert wrong.json() == {'error': 'invalid_client', 'error_description': 'Client authentication failed.'}
    unknown = acr.token_response(auth=('00000000-0000-0000-0000-000000000001', admin['client_secret']))
    assert unknown.status_code == 401 and unknown.json()['error'] == 'invalid_client'
    anonymous = acr.token_response()
    assert anonymous.status_code == 401 and anonymous.json()['error'] == 'invalid_client'
    form_wrong = acr.token_response(data={'grant_type': 'client_credentials', 'client_id': admin['client_id'],
                                          'client_secret': 'x'})
    assert form_wrong.status_code == 401 and form_wrong.json()['error'] == 'invalid_client'
    missing = acr.token_response('admin', data={})
    assert missing.status_code == 400 and missing.json()['error'] == 'invalid_request'
    password = acr.token_response('admin', data={'grant_type': 'password', 'username': 'u', 'password': 'p'})
    assert password.status_code == 400 and password.json()['error'] == 'unsupported_grant_type'
    both = acr.token_response('admin', data={'grant_type': 'client_credentials', 'client_secret': admin['client_secret']})
    assert both.status_code == 400 and both.json()['error'] == 'invalid_request'
    as_json = acr.session.post(acr.dc + '/api/2/idp/token', json={'grant_type': 'client_credentials'},
                               auth=(admin['client_id'], admin['client_secret']), timeout=10)
    assert as_json.status_code == 400 and as_json.json()['error'] == 'invalid_request'
    get = requests.get(acr.dc + '/api/2/idp/token', timeout=10)
    assert get.status_code == 405 and get.headers['Allow'] == 'POST' and get.json()['error'] == 'invalid_request'
    for response in (wrong, missing, password, get):
        assert set(response.json()) == {'error', 'error_description'}
        assert response.headers['Content-Type'] == 'application/json'


def test_unauthorized_bodies(acr):  # pylint: disable=redefined-outer-name
    header_invalid = dr_error('Unauthorized', 'Authorization header is invalid.')
    token_invalid = dr_error('Unauthorized', 'Access token is expired or invalid.')
    for headers in ({}, {'Authorization': 'Basic abc'}, {'Authorization': 'Bearer '},
                    {'Authorization': 'Bearer a b'}, {'Authorization': 'bearer ' + acr.token()}):
        response = requests.get(acr.api + 'servers', headers=headers, timeout=10)
        assert response.status_code == 401 and response.json() == header_invalid, headers
        assert response.headers['WWW-Authenticate'].startswith('Bearer')
    unknown = requests.get(acr.api + 'servers', headers={'Authorization': 'Bearer bm90LWEtdG9rZW4='}, timeout=10)
    assert unknown.status_code == 401 and unknown.json() == token_invalid
    # auth comes before routing: an unknown endpoint without a token is 401 too
    assert requests.get(acr.api + 'nothing', timeout=10).status_code == 401
    assert acr.get('nothing').status_code == 404


def test_scopes(acr):  # pylint: disable=redefined-outer-name
    forbidden = dr_error('MethodNotAllowed', 'This method is not allowed for this user account.')
    for role in ('admin', 'operator', 'readonly'):
        assert acr.get('servers', role=role).status_code == 200
        assert acr.get('sites', role=role).status_code == 200
        assert acr.get('sites/' + SITE_OK, role=role).status_code == 200
    response = acr.post('servers/%s:start_failover_test' % WEB_01, {}, role='readonly')
    assert response.status_code == 403 and response.json() == forbidden
    assert acr.post('servers/%s:stop_failover' % APP_01, {}, role='readonly').json() == forbidden
    assert acr.post('servers/%s:start_failover_prod' % WEB_01, {}, role='operator').json() == forbidden
    # the scope is checked before the server is looked up
    unknown = acr.post('servers/%s:start_failover_test' % '11111111-2222-3333-4444-555555555555', {}, role='readonly')
    assert unknown.status_code == 403
    assert acr.post('servers/%s:start_failover_test' % WEB_01, {}, role='operator').status_code == 202
    assert acr.post('servers/%s:start_failover_prod' % DB_01, {}, role='admin').status_code == 202


def test_expire_tokens_and_ttl(acr):  # pylint: disable=redefined-outer-name
    assert acr.get('servers').status_code == 200
    assert acr.admin('POST', 'acronis_dr/expire-tokens', {}) == {'ok': True, 'expired': 1}
    expired = acr.get('servers')
    assert expired.status_code == 401 and expired.json() == dr_error('Unauthorized', 'Access token is expired or invalid.')
    acr.tokens.clear()
    assert acr.get('servers').status_code == 200
    acr.config(token_ttl=0)
    response = acr.token_response('admin')
    assert response.json()['expires_in'] == 0
    fresh = requests.get(acr.api + 'servers', headers={'Authorization': 'Bearer ' + response.json()['access_token']},
                         timeout=10)
    assert fresh.status_code == 401
    assert acr.admin('GET', 'config?service=acronis_dr')['config'] == {
        'token_ttl': 0, 'task_seconds': 2.0, 'failover_status_names': 'named', 'idle_task_uuid': 'cleared'}


# -- listing, paging and filters ---------------------------------------------------------


def test_default_data(acr):  # pylint: disable=redefined-outer-name
    body = acr.get('servers', params={'limit': 50}).json()
    assert body['paging'] == {'count': 6, 'total': 6}
    by_name = dict((item['name'], item) for item in body['items'])
    assert list(by_name) == ['sql-primary', 'web-01', 'web-02', 'db-01', 'app-01', 'blocked-01']
    primary = by_name['sql-primary']
    assert primary['type'] == 'PRIMARY' and primary['status'] == 'STAND_BY' and primary['vm']['status'] == 'STARTED'
    assert primary['public_ip'] == '8.9.10.11' and primary['primary'] == {'vault_id': '0F8CA93A-E22D-40F2-9D29-49E2FB88BE2E'}
    assert primary['_issues'] == [] and rels(primary) == BASE_RELS and 'recovery' not in primary
    web = by_name['web-01']
    assert web['status'] == 'STAND_BY' and web['vm']['status'] == 'STOPPED' and 'task_uuid' not in web
    assert web['recovery']['resource_id'] == WEB_01_RESOURCE and 'active_failover' not in web['recovery']
    assert rels(web) == BASE_RELS + START_RELS and web['_issues'] == []
    assert web['_links'][3]['href'] == acr.api + 'servers/%s:start_failover_prod' % WEB_01
    assert 'public_ip' not in by_name['web-02']
    app = by_name['app-01']
    assert app['status'] == 'TEST_FAILOVER' and app['vm']['status'] == 'STARTED' and rels(app) == BASE_RELS + STOP_RELS
    assert set(app['recovery']['active_failover']) == {'id', 'backup_uri', 'vault_id'}
    assert set(app['recovery']['test_failover']) == {'recovery_point', 'last_start', 'last_task_uuid'}
    assert by_name['blocked-01']['site_uuid'] == SITE_ERROR
    assert all(item['site_uuid'] == SITE_OK for name, item in by_name.items() if name != 'blocked-01')
    assert acr.get('servers').json()['paging']['count'] == 6  # default limit 10
    head = acr.session.head(acr.api + 'servers', headers=acr.headers('admin'), timeout=10)
    assert head.status_code == 200 and head.text == ''


def test_paging_120_servers(acr):  # pylint: disable=redefined-outer-name
    seeded = acr.admin('POST', 'seed', {'service': 'acronis_dr', 'servers': 120, 'prefix': 'bulk'})
    assert len(seeded['servers']) == 120 and seeded['total'] == 126
    pages = all_pages(acr, {'limit': 50})
    assert [page['paging']['count'] for page in pages] == [50, 50, 26]
    assert all(page['paging']['total'] == 126 for page in pages)
    names = [item['name'] for page in pages for item in page['items']]
    assert len(set(item['uuid'] for page in pages for item in page['items'])) == 126
    assert names[:6] == ['sql-primary', 'web-01', 'web-02', 'db-01', 'app-01', 'blocked-01']
    assert names[6:] == ['bulk-%05d' % index for index in range(1, 121)]
    assert set(pages[0]['paging']['cursors']) == {'after'}
    assert set(pages[1]['paging']['cursors']) == {'after', 'before'}
    assert set(pages[2]['paging']['cursors']) == {'before'}
    for page in pages:  # opaque base64url without padding
        for cursor in page['paging']['cursors'].values():
            assert re.match(r'^[A-Za-z0-9_-]+$', cursor)
    back = acr.get('servers', params={'before': pages[2]['paging']['cursors']['before']}).json()
    assert back['items'] == pages[1]['items'] and back['paging'] == pages[1]['paging']
    first = acr.get('servers', params={'before': back['paging']['cursors']['before']}).json()
    assert first['items'] == pages[0]['items'] and 'before' not in first['paging']['cursors']
    # the filter travels in the cursor; other parameters next to a cursor are ignored
    recovery = all_pages(acr, {'type': 'RECOVERY', 'limit': 50})
    assert [page['paging']['total'] for page in recovery] == [125, 125, 125]
    assert all(item['type'] == 'RECOVERY' for page in recovery for item in page['items'])
    after = recovery[0]['paging']['cursors']['after']
    ignored = acr.get('servers', params={'after': after, 'type': 'PRIMARY'}).json()
    assert ignored['items'] == recovery[1]['items'] and ignored['paging']['total'] == 125
    # the new type filter still needs limit/cursor validation
    both = acr.get('servers', params={'limit': 50, 'after': after})
    assert assert_dr_error(both, 400, 'BadRequest')['debug']['msg'] == 'Failed to validate the request against the RAML schema.'
    assert acr.get('servers', params={'limit': 5, 'before': after}).status_code == 400
    assert acr.get('servers', params={'after': after, 'before': after}).status_code == 400
    too_big = acr.get('servers', params={'limit': 51})
    assert too_big.json() == dr_error('BadRequest', 'Failed to validate the request against the RAML schema.',
                                      additional=['limit: 51 is greater than the maximum of 50'])
    for bad in ({'limit': 0}, {'limit': 'ten'}, {'after': ''}, {'after': 'bm9wZQ'}, {'before': '!!'}):
        assert_dr_error(acr.get('servers', params=bad), 400, 'BadRequest')
    empty = acr.get('servers', params={'after': ''}).json()
    assert empty['error']['debug']['additional'] == ['after: "" does not match "\\\\S+"']
    sites_cursor = acr.get('sites', params={'limit': 1}).json()['paging']['cursors']['after']
    assert acr.get('servers', params={'after': sites_cursor}).status_code == 400
    forged = base64.urlsafe_b64encode(json.dumps({'c': 'servers', 'o': 0, 'l': 99, 'f': {}}).encode()).decode().rstrip('=')
    assert acr.get('servers', params={'after': forged}).status_code == 400


def test_filters(acr):  # pylint: disable=redefined-outer-name
    primary = acr.get('servers', params={'type': 'PRIMARY'}).json()
    assert [item['uuid'] for item in primary['items']] == [SQL_PRIMARY] and primary['paging'] == {'count': 1, 'total': 1}
    assert_dr_error(acr.get('servers', params={'type': 'primary'}), 400, 'BadRequest')
    both = acr.get('servers', params=[('recovery.resource_id', WEB_01_RESOURCE), ('recovery.resource_id', DB_01_RESOURCE.lower()),
                                      ('limit', '50')]).json()
    assert [item['uuid'] for item in both['items']] == [WEB_01, DB_01] and both['paging']['total'] == 2
    one = acr.get('servers', params=[('type', 'RECOVERY'), ('recovery.resource_id', WEB_01_RESOURCE.lower())]).json()
    assert [item['uuid'] for item in one['items']] == [WEB_01]
    none = acr.get('servers', params={'recovery.resource_id': 'NO-SUCH-RESOURCE'})
    assert none.json() == {'items': [], 'paging': {'count': 0, 'total': 0}}
    assert acr.get('servers', params=[('type', 'PRIMARY'), ('recovery.resource_id', WEB_01_RESOURCE)]).json()['items'] == []
    invalid = acr.get('servers', params=[('recovery.resource_id', 'a b'), ('recovery.resource_id', 'ok')])
    assert assert_dr_error(invalid, 400, 'BadRequest')['debug']['additional'] == [
        'recovery.resource_id: "a b" does not match "^[a-zA-Z0-9-]+$"']
    assert acr.get('servers', params={'recovery.resource_id': ''}).status_code == 400
    # the resource id filter travels in the cursor too
    acr.admin('POST', 'acronis_dr/servers', {'name': 'twin', 'resource_id': 'SHARED-1'})
    acr.admin('POST', 'acronis_dr/servers', {'name': 'twin', 'resource_id': 'SHARED-1'})
    first = acr.get('servers', params={'recovery.resource_id': 'shared-1', 'limit': 1}).json()
    second = acr.get('servers', params={'after': first['paging']['cursors']['after']}).json()
    assert first['paging']['total'] == second['paging']['total'] == 2
    assert first['items'][0]['uuid'] != second['items'][0]['uuid'] and second['items'][0]['name'] == 'twin'


# -- failover tasks --------------------------------------------------------------------------


def test_test_failover_lifecycle(acr):  # pylint: disable=redefined-outer-name
    acr.config(task_seconds=30)  # held in POWERING_ON/OFF until the knob is lowered
    started = acr.post('servers/%s:start_failover_test' % WEB_01, {'recovery_point': POINT}, role='operator')
    assert started.status_code == 202 and list(started.json()) == ['task_uuid']
    task = started.json()['task_uuid']
    assert re.match(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', task)
    running = acr.server_via_api(WEB_01_RESOURCE)
    assert running['status'] == 'POWERING_ON' and running['task_uuid'] == task and running['vm']['status'] == 'STOPPED'
    assert rels(running) == BASE_RELS + START_RELS + STOP_RELS
    busy_issue = {'domain': DOMAIN, 'error': {'code': 'ResourceBusy', 'context': {'resource_id': WEB_01, 'task_uuids': [task]},
                                              'domain': DOMAIN,
                                              'message': 'The resource is busy, another task is currently in progress. Try again later.'}}
    assert running['_issues'] == [dict(busy_issue, link=rel, target=WEB_01, severity='ERROR')
                                  for rel in START_RELS + STOP_RELS]
    assert running['recovery']['test_failover']['recovery_point'] == POINT
    assert running['recovery']['test_failover']['last_task_uuid'] == task
    assert running['recovery']['active_failover']['vault_id'] == POINT['vault_id']
    for action in ('start_failover_test', 'start_failover_prod', 'stop_failover'):
        busy = acr.post('servers/%s:%s' % (WEB_01, action), {})
        assert busy.status_code == 409 and busy.json() == dr_error(
            'ResourceBusy', 'Resource [%s] is busy with other tasks [%s] that are currently in progress. Try again later.' % (
                WEB_01, task), {'resource_id': WEB_01, 'task_uuids': [task]})
    acr.config(task_seconds=0)
    done = acr.server_via_api(WEB_01_RESOURCE)
    assert done['status'] == 'TEST_FAILOVER'
    assert 'task_uuid' not in done and done['vm']['status'] == 'STARTED' and done['_issues'] == []
    assert rels(done) == BASE_RELS + STOP_RELS
    again = acr.post('servers/%s:start_failover_test' % WEB_01, {})
    assert assert_dr_error(again, 409, 'InvalidState')['context'] == {'resource_id': WEB_01, 'status': 'TEST_FAILOVER'}
    acr.config(task_seconds=30)
    stopped = acr.post('servers/%s:stop_failover' % WEB_01, {}, role='operator')
    assert stopped.status_code == 202
    stopping = acr.server_via_api(WEB_01_RESOURCE)
    assert stopping['status'] == 'POWERING_OFF' and stopping['vm']['status'] == 'STARTED'
    assert 'active_failover' in stopping['recovery'] and stopping['task_uuid'] == stopped.json()['task_uuid']
    acr.config(task_seconds=0)
    back = acr.server_via_api(WEB_01_RESOURCE)
    assert back['status'] == 'STAND_BY'
    assert back['vm']['status'] == 'STOPPED' and 'active_failover' not in back['recovery'] and 'task_uuid' not in back
    assert back['recovery']['test_failover']['last_task_uuid'] == task  # history stays
    assert rels(back) == BASE_RELS + START_RELS
    state = acr.admin('GET', 'acronis_dr/servers/' + WEB_01)
    assert [(t['action'], t['result'], t['recovery_point']) for t in state['tasks']] == [
        ('start_failover_test', 'succeeded', POINT), ('stop_failover', 'succeeded', None)]
    assert state['task'] is None and state['tasks'][0]['client_id'] == CLIENTS['operator']['client_id']
    nothing = acr.post('servers/%s:stop_failover' % WEB_01, {})
    assert assert_dr_error(nothing, 409, 'InvalidState')['context'] == {'resource_id': WEB_01, 'status': 'STAND_BY'}


def test_open_readings(acr):  # pylint: disable=redefined-outer-name
    """D22: unfamiliar steady status names, and the last task_uuid kept on an idle server."""
    acr.config(task_seconds=0, failover_status_names='unfamiliar', idle_task_uuid='kept')
    task = acr.post('servers/%s:start_failover_test' % WEB_01, {}).json()['task_uuid']
    done = acr.server_via_api(WEB_01_RESOURCE)
    assert done['status'] == 'RUNNING' and done['task_uuid'] == task and done['_issues'] == []
    assert 'active_failover' in done['recovery'] and done['recovery']['test_failover']['last_task_uuid'] == task
    again = acr.post('servers/%s:start_failover_test' % WEB_01, {})
    assert assert_dr_error(again, 409, 'InvalidState')['context'] == {'resource_id': WEB_01, 'status': 'RUNNING'}
    stop = acr.post('servers/%s:stop_failover' % WEB_01, {}).json()['task_uuid']
    back = acr.server_via_api(WEB_01_RESOURCE)
    assert back['status'] == 'STAND_BY' and back['task_uuid'] == stop and 'active_failover' not in back['recovery']
    acr.admin('POST', 'config', {'service': 'acronis_dr', 'failover_status_names': 'other'}, status=400)


def test_tasks_progress_with_time(acr):  # pylint: disable=redefined-outer-name
    acr.config(task_seconds=0.2)
    started = time.time()
    task = acr.post('servers/%s:start_failover_test' % DB_01, {}).json()['task_uuid']
    state = acr.admin('GET', 'acronis_dr/servers/' + DB_01)
    assert state['task']['task_uuid'] == task and state['task']['result'] == 'running'
    assert abs(state['task']['ends_at'] - state['task']['started_at'] - 0.2) < 1e-6
    wait_for(lambda: acr.server_via_api(DB_01_RESOURCE)['status'] == 'TEST_FAILOVER')
    assert time.time() - started >= 0.2
    state = acr.admin('GET', 'acronis_dr/servers/' + DB_01)
    assert state['task'] is None and state['tasks'][0]['result'] == 'succeeded'
    assert abs(state['tasks'][0]['ended_at'] - state['tasks'][0]['started_at'] - 0.2) < 1e-6


def test_production_failover_latest_point(acr):  # pylint: disable=redefined-outer-name
    acr.config(task_seconds=0)
    latest = acr.admin('GET', 'acronis_dr/servers/' + DB_01)['latest_recovery_point']
    no_body = acr.session.post(acr.api + 'servers/%s:start_failover_prod' % DB_01, headers=acr.headers('admin'), timeout=10)
    assert no_body.status_code == 202
    server = acr.server_via_api(DB_01_RESOURCE)
    assert server['status'] == 'FAILOVER' and server['vm']['status'] == 'STARTED'
    assert server['recovery']['active_failover']['vault_id'] == latest['vault_id']
    assert latest['backup_id'] in server['recovery']['active_failover']['backup_uri']
    assert 'test_failover' not in server['recovery'] and rels(server) == BASE_RELS + STOP_RELS


def test_fail_next_task(acr):  # pylint: disable=redefined-outer-name
    acr.config(task_seconds=30)
    marked = acr.admin('POST', 'acronis_dr/fail-next-task', {'uuid': WEB_02})
    assert marked == {'ok': True, 'uuid': WEB_02, 'fail_next_task': True}
    task = acr.post('servers/%s:start_failover_test' % WEB_02, {}).json()['task_uuid']
    assert acr.server(WEB_02)['status'] == 'POWERING_ON'
    acr.config(task_seconds=0.05)
    wait_for(lambda: 'task_uuid' not in acr.server(WEB_02))
    failed = acr.server(WEB_02)
    assert failed['status'] == 'STAND_BY' and failed['vm']['status'] == 'STOPPED' and 'active_failover' not in failed['recovery']
    state = acr.admin('GET', 'acronis_dr/servers/' + WEB_02)
    assert state['tasks'][-1]['task_uuid'] == task and state['tasks'][-1]['result'] == 'failed'
    assert (state['uuid'], state['name'], state['type'], state['status']) == (WEB_02, 'web-02', 'RECOVERY', 'STAND_BY')
    assert state['fail_next_task'] is False
    # only the next task fails
    acr.post('servers/%s:start_failover_test' % WEB_02, {})
    wait_for(lambda: acr.server(WEB_02)['status'] == 'TEST_FAILOVER')
    # a failed stop leaves the failover running
    acr.admin('POST', 'acronis_dr/fail-next-task', {'name': 'app-01'})
    acr.config(task_seconds=30)
    acr.post('servers/%s:stop_failover' % APP_01, {})
    assert acr.server(APP_01)['status'] == 'POWERING_OFF'
    acr.config(task_seconds=0)
    assert 'task_uuid' not in acr.server(APP_01)
    app = acr.server(APP_01)
    assert app['status'] == 'TEST_FAILOVER' and app['vm']['status'] == 'STARTED' and 'active_failover' in app['recovery']
    acr.admin('POST', 'acronis_dr/fail-next-task', {'uuid': '11111111-2222-3333-4444-555555555555'}, status=404)


def test_primary_and_site_not_ready(acr):  # pylint: disable=redefined-outer-name
    for action in ('start_failover_test', 'start_failover_prod', 'stop_failover'):
        response = acr.post('servers/%s:%s' % (SQL_PRIMARY, action), {})
        assert assert_dr_error(response, 409, 'InvalidState')['context'] == {'resource_id': SQL_PRIMARY, 'status': 'STAND_BY'}
    blocked = acr.server(BLOCKED_01)
    assert rels(blocked) == BASE_RELS + START_RELS
    assert [(issue['error']['code'], issue['link'], issue['severity'], issue['target']) for issue in blocked['_issues']] == [
        ('SiteNotReady', rel, 'ERROR', BLOCKED_01) for rel in START_RELS]
    assert blocked['_issues'][0]['error']['message'] == \
        'You cannot perform any operations because the DR site is being deployed or removed.'
    refused = acr.post('servers/%s:start_failover_test' % BLOCKED_01, {})
    assert assert_dr_error(refused, 409, 'SiteNotReady')['context'] == {'resource_id': BLOCKED_01, 'site_uuid': SITE_ERROR}
    updated = acr.admin('POST', 'acronis_dr/sites', {'uuid': SITE_ERROR, 'failover_readiness': 'OK', 'status': 'PROVISIONED'})
    assert updated['site']['_issues'] == [] and 'task_uuid' not in updated['site']
    assert acr.server(BLOCKED_01)['_issues'] == []
    assert acr.post('servers/%s:start_failover_test' % BLOCKED_01, {}).status_code == 202


def test_action_validation(acr):  # pylint: disable=redefined-outer-name
    unknown = '11111111-2222-3333-4444-555555555555'
    missing = acr.post('servers/%s:start_failover_test' % unknown, {})
    assert missing.status_code == 404 and missing.json() == dr_error(
        'EntityNotFound', 'Server [%s] was not found in the DR infrastructure.' % unknown)
    assert_dr_error(acr.post('servers/not-a-uuid:start_failover_test', {}), 400, 'BadRequest')
    assert acr.post('servers/%s:start_failover_test' % WEB_01.upper(), {}).status_code == 202
    partial = {'backup_id': POINT['backup_id'], 'archive_id': 'x', 'extra': 1}
    bad_point = acr.post('servers/%s:start_failover_prod' % WEB_02, {'recovery_point': partial})
    assert assert_dr_error(bad_point, 400, 'BadRequest')['debug']['additional'] == [
        'recovery_point.archive_id: "x" does not match "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"',
        'recovery_point.vault_id: required property is missing',
        'recovery_point.extra: additional property is not allowed']
    assert acr.post('servers/%s:start_failover_prod' % WEB_02, {'other': 1}).status_code == 400
    assert acr.post('servers/%s:start_failover_prod' % WEB_02, {'recovery_point': None}).status_code == 400
    assert acr.post('servers/%s:start_failover_prod' % WEB_02, [1]).status_code == 400
    assert acr.post('servers/%s:stop_failover' % APP_01, {'recovery_point': POINT}).status_code == 400
    not_json = acr.session.post(acr.api + 'servers/%s:start_failover_prod' % WEB_02, data='{', timeout=10,
                                headers=dict(acr.headers('admin'), **{'Content-Type': 'application/json'}))
    assert not_json.status_code == 400
    form = acr.session.post(acr.api + 'servers/%s:start_failover_prod' % WEB_02, data={'a': 'b'}, headers=acr.headers('admin'),
                            timeout=10)
    assert form.status_code == 400
    assert acr.server(WEB_02)['status'] == 'STAND_BY'
    assert_dr_error(acr.post('servers/%s:reboot' % WEB_02, {}), 404, 'NotFound')
    assert_dr_error(acr.get('servers/' + WEB_02), 404, 'NotFound')
    put = acr.session.put(acr.api + 'servers', headers=acr.headers('admin'), timeout=10)
    assert assert_dr_error(put, 405, 'MethodNotSupported') and 'GET' in put.headers['Allow']
    assert acr.get('servers/%s:start_failover_prod' % WEB_02).status_code == 405
    encoded = acr.post('servers/%s%%3Astart_failover_prod' % WEB_02, {})
    assert encoded.status_code == 202


# -- sites -------------------------------------------------------------------------------------


def test_sites(acr):  # pylint: disable=redefined-outer-name
    listed = acr.get('sites').json()
    assert [site['uuid'] for site in listed['items']] == [SITE_ERROR, SITE_WARNING, SITE_OK]
    assert listed['paging'] == {'count': 3, 'total': 3}
    error_site, warning_site, ok_site = listed['items']
    assert error_site == {
        'tenant_uuid': '9ca5aa60-4cdc-491c-94d5-23b747f7f914', 'uuid': SITE_ERROR, 'failover_readiness': 'ERROR',
        '_issues': [{'domain': DOMAIN, 'target': SITE_ERROR, 'severity': 'ERROR', 'error': {
            'code': 'SiteNotReady', 'domain': DOMAIN,
            'message': 'You cannot perform any operations because the DR site is being deployed or removed.'}}],
        'status': 'PROVISIONING', 'default': True, 'task_uuid': 'c108b478-2083-4097-a418-ab3d0d49b938',
        '_links': [{'rel': 'DR_SITE_CONNECTIVITY_PAGE', 'type': 'text/html',
                    'href': acr.dc + '/dr/sites/%s/connectivity' % SITE_ERROR}]}
    assert warning_site['_issues'][0]['error']['code'] == 'VPNS2SApplianceNotRegistered'
    assert warning_site['_issues'][0]['severity'] == 'WARNING' and warning_site['status'] == 'PROVISIONED'
    assert ok_site['_issues'] == [] and ok_site['default'] is False and 'task_uuid' not in ok_site
    with_deleted = acr.get('sites', params={'allow_deleted': 'true', 'limit': 2}).json()
    assert with_deleted['paging']['total'] == 4 and with_deleted['paging']['count'] == 2
    rest = acr.get('sites', params={'after': with_deleted['paging']['cursors']['after']}).json()
    assert [site['uuid'] for site in rest['items']] == [SITE_OK, SITE_DELETED] and rest['paging']['total'] == 4
    assert rest['items'][1]['deleted_at'] and 'after' not in rest['paging']['cursors']
    assert acr.get('sites/' + SITE_OK).json() == ok_site
    gone = acr.get('sites/' + SITE_DELETED)
    assert gone.status_code == 404 and gone.json() == dr_error(
        'EntityNotFound', 'Site [%s] was not found in the DR infrastructure.' % SITE_DELETED)
    assert acr.get('sites/' + SITE_DELETED, params={'allow_deleted': 'false'}).status_code == 404
    deleted = acr.get('sites/' + SITE_DELETED, params={'allow_deleted': 'TRUE'}).json()
    assert deleted['uuid'] == SITE_DELETED and deleted['deleted_at'] == '2024-03-01T09:30:00+00:00'
    assert acr.get('sites/11111111-2222-3333-4444-555555555555').status_code == 404
    assert acr.get('sites/nope').status_code == 400
    assert acr.get('sites', params={'allow_deleted': 'yes'}).status_code == 400
    assert acr.get('sites', params={'limit': 51}).status_code == 400
    assert acr.session.post(acr.api + 'sites', headers=acr.headers('admin'), timeout=10).status_code == 405


# -- faults, request log, admin ------------------------------------------------------------------


def test_injected_faults(acr):  # pylint: disable=redefined-outer-name
    acr.config(task_seconds=30)
    acr.admin('POST', 'faults', {'service': 'acronis_dr', 'fault': '429', 'retry_after': 2, 'path': '^api/dr/v2/servers$'})
    limited = acr.get('servers')
    assert limited.status_code == 429 and limited.headers['Retry-After'] == '2'
    assert limited.json() == dr_error('TooManyRequests', (
        'Service failed to process the request due to a high load at the moment. Please try again after number of seconds '
        'that is indicated in the "context.retry_after" field or in the "Retry-After" response header.'), {'retry_after': 2})
    assert acr.get('servers').status_code == 200
    acr.admin('POST', 'faults', {'service': 'acronis_dr', 'fault': '429', 'retry_after': 0.5})
    half = acr.get('sites')
    assert half.headers['Retry-After'] == '0.5' and half.json()['error']['context'] == {'retry_after': 0.5}
    acr.admin('POST', 'faults', {'service': 'acronis_dr', 'fault': 'busy', 'method': 'POST'})
    busy = acr.post('servers/%s:start_failover_test' % WEB_01, {})
    error = assert_dr_error(busy, 409, 'ResourceBusy')
    assert error['context']['resource_id'] == WEB_01 and len(error['context']['task_uuids']) == 1
    assert error['debug']['msg'] == 'Resource [%s] is busy with other tasks [%s] that are currently in progress. Try again later.' % (
        WEB_01, error['context']['task_uuids'][0])
    assert acr.server(WEB_01)['status'] == 'STAND_BY'
    acr.admin('POST', 'faults', {'service': 'acronis_dr', 'fault': '500', 'after': True, 'method': 'POST'})
    internal = acr.post('servers/%s:start_failover_test' % WEB_01, {})
    assert assert_dr_error(internal, 500, 'InternalError')['debug'] == {
        'additional': ['injected fault'], 'msg': 'An error occurred while performing the operation in the DR infrastructure.'}
    assert acr.server(WEB_01)['status'] == 'POWERING_ON'  # the write landed
    acr.admin('POST', 'faults', {'service': 'acronis_dr', 'fault': '503', 'retry_after': 1})
    unavailable = acr.get('servers')
    assert unavailable.status_code == 503 and unavailable.headers['Retry-After'] == '1'
    acr.admin('POST', 'faults', {'service': 'acronis_dr', 'fault': '429', 'path': 'idp/token'})
    assert acr.token_response('admin').status_code == 429


def test_request_log(acr):  # pylint: disable=redefined-outer-name
    acr.token('readonly')
    acr.get('servers', role='readonly')
    acr.post('servers/%s:start_failover_test' % WEB_01, {}, role='readonly')
    requests.get(acr.api + 'sites', timeout=10)
    log = acr.admin('GET', 'requests?service=acronis_dr')
    readonly_id = CLIENTS['readonly']['client_id']
    assert [(e['method'], e['path'], e['status'], e['auth_user']) for e in log['requests']] == [
        ('POST', '/acronis/api/2/idp/token', 200, readonly_id),
        ('GET', '/acronis/api/dr/v2/servers', 200, readonly_id),
        ('POST', '/acronis/api/dr/v2/servers/%s:start_failover_test' % WEB_01, 403, readonly_id),
        ('GET', '/acronis/api/dr/v2/sites', 401, None)]
    assert log['summary'] == {'total': 4, 'reads': 2, 'writes': 2, 'by_status': {'200': 2, '403': 1, '401': 1}}
    assert all(entry['service'] == 'acronis_dr' for entry in log['requests'])


def test_admin_servers_and_duplicates(acr):  # pylint: disable=redefined-outer-name
    added = acr.admin('POST', 'acronis_dr/servers', {'name': 'dup', 'public_ip': '8.9.10.99', 'site_uuid': SITE_WARNING})
    one = added['server']
    assert added['ok'] is True and added['uuid'] == one['uuid'] and added['name'] == 'dup'
    two = acr.admin('POST', 'acronis_dr/servers', {'name': 'dup', 'status': 'FAILOVER', 'vm': {'cpu': 4}})['server']
    assert one['uuid'] != two['uuid'] and one['site_uuid'] == SITE_WARNING and one['public_ip'] == '8.9.10.99'
    assert two['status'] == 'FAILOVER' and two['vm']['cpu'] == 4 and two['vm']['status'] == 'STARTED'
    assert rels(two) == BASE_RELS + STOP_RELS
    named = acr.admin('GET', 'acronis_dr/servers?name=dup')['servers']
    assert [server['uuid'] for server in named] == [one['uuid'], two['uuid']]
    listed = [item['name'] for item in acr.get('servers', params={'limit': 50}).json()['items']]
    assert listed.count('dup') == 2
    primary = acr.admin('POST', 'acronis_dr/servers', {'name': 'p2', 'type': 'PRIMARY'})['server']
    assert primary['status'] == 'STAND_BY' and 'primary' in primary and rels(primary) == BASE_RELS
    acr.admin('POST', 'acronis_dr/fail-next-task', {'name': 'dup'}, status=400)
    acr.admin('POST', 'acronis_dr/servers', {'name': 'x', 'status': 'POWERING_ON'}, status=400)
    acr.admin('POST', 'acronis_dr/servers', {'name': 'x', 'type': 'PRIMARY', 'status': 'FAILOVER'}, status=400)
    acr.admin('POST', 'acronis_dr/servers', {'name': 'x', 'site_uuid': '11111111-2222-3333-4444-555555555555'}, status=404)
    acr.admin('POST', 'acronis_dr/servers', {}, status=400)
    acr.admin('GET', 'acronis_dr/servers/11111111-2222-3333-4444-555555555555', status=404)
    acr.admin('POST', 'acronis_dr/nothing', {}, status=404)
    clients = acr.admin('GET', 'acronis_dr/clients')['clients']
    assert clients['admin']['client_id'] == CLIENTS['admin']['client_id']
    assert acr.admin('POST', 'seed', {'service': 'acronis_dr', 'servers': 2, 'prefix': 'more'})['total'] == 11
    assert acr.admin('POST', 'seed', {'service': 'acronis_dr', 'servers': 1, 'prefix': 'more'})['total'] == 12
    names = [item['name'] for item in acr.get('servers', params={'limit': 50}).json()['items']]
    assert names[-3:] == ['more-00001', 'more-00002', 'more-00003']


def test_links_follow_the_request_url(acr):  # pylint: disable=redefined-outer-name
    https_dc = acr.sim.https_url + '/acronis'
    response = requests.get(https_dc + '/api/dr/v2/servers', params={'limit': 2}, headers=acr.headers('admin'),
                            verify=acr.sim.ca_path, timeout=10)
    web = response.json()['items'][1]
    assert web['_links'][3]['href'] == https_dc + '/api/dr/v2/servers/%s:start_failover_prod' % WEB_01
    localhost = acr.api.replace('127.0.0.1', 'localhost')
    body = requests.get(localhost + 'sites/' + SITE_OK, headers=acr.headers('admin'), timeout=10).json()
    assert body['_links'][0]['href'].startswith(acr.dc.replace('127.0.0.1', 'localhost') + '/dr/sites/')


def test_ready_file_and_sim_script_variables(acr):  # pylint: disable=redefined-outer-name
    info = acr.sim.ready_info(pid=1)
    entry = info['services']['acronis_dr']
    assert entry['url'] == acr.sim.http_url + '/acronis' and entry['https_url'] == acr.sim.https_url + '/acronis'
    assert entry['clients'] == CLIENTS
    assert info['services']['crosspeer']['url'].endswith('/crosspeer/api/')
    if SCRIPTS_DIR not in sys.path:
        sys.path.insert(0, SCRIPTS_DIR)
    import sim as sim_script  # pylint: disable=import-error,import-outside-toplevel
    variables = sim_script.config_vars(json.loads(json.dumps(info)))
    assert variables['acronis_dr_url'] == entry['url'] and variables['acronis_dr_https_url'] == entry['https_url']
    for role in ('admin', 'operator', 'readonly'):
        assert variables['acronis_dr_%s_client_id' % role] == CLIENTS[role]['client_id']
        assert variables['acronis_dr_%s_client_secret' % role] == CLIENTS[role]['client_secret']
    env = sim_script.env_vars(info)
    assert env['ACRONIS_DR_ADMIN_CLIENT_SECRET'] == CLIENTS['admin']['client_secret']
    assert env['CROSSPEER_API_KEY'] == info['services']['crosspeer']['api_key'] and env['SIM_URL'] == acr.sim.http_url


# -- performance -------------------------------------------------------------------------------


def test_paging_5000_servers_is_fast(acr):  # pylint: disable=redefined-outer-name
    started = time.monotonic()
    acr.admin('POST', 'seed', {'service': 'acronis_dr', 'servers': 5000, 'prefix': 'bench'})
    seeded = time.monotonic() - started
    acr.config(task_seconds=60)
    for server in acr.admin('GET', 'acronis_dr/servers')['servers'][10:60]:
        assert acr.post('servers/%s:start_failover_test' % server['uuid'], {}).status_code == 202
    started = time.monotonic()
    pages = all_pages(acr, {'limit': 50})
    elapsed = time.monotonic() - started
    assert len(pages) == 101 and sum(page['paging']['count'] for page in pages) == 5006
    assert sum(1 for page in pages for item in page['items'] if item['status'] == 'POWERING_ON') == 50
    started = time.monotonic()
    for page in pages[:20]:
        resource_ids = [('recovery.resource_id', item['recovery']['resource_id']) for item in page['items'] if 'recovery' in item]
        assert acr.get('servers', params=resource_ids + [('limit', '50')]).json()['paging']['total'] == len(resource_ids)
    filtered = time.monotonic() - started
    assert seeded < 3.0, seeded
    assert elapsed < 10.0, elapsed  # typically well under 1 s for the 101 pages
    assert filtered < 5.0, filtered
