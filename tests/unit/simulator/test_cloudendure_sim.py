# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the CloudEndure (original function API) simulator (tests/simulator), run in-process on free ports."""

import json
import os
import sys
import time

import pytest
import requests

SIM_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'simulator'))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position,redefined-outer-name
from backupdr_simulator.cloudendure import CloudEndureService  # noqa: E402
from backupdr_simulator.core import Simulator  # noqa: E402

MAIN = 'dr-admin@example.com'
MAIN_PW = 'sim-cloudendure-Pw4Tq8Zx'
FRESH = 'new-user@example.com'
FRESH_PW = 'sim-cloudendure-New5Hr2p'
INACTIVE = 'inactive@example.com'
INACTIVE_PW = 'sim-cloudendure-Off3Jd9w'
US_EAST = 'AWS US East (N. Virginia)'
US_WEST = 'AWS US West (Oregon)'
EU = 'AWS EU (Ireland)'
GOOGLE = 'Google Cloud US Central'
AZURE = 'Azure East US'
ONPREM = 'Generic (On-Premise)'
WEB_01 = 'i-0a1b2c3d4e5f60001'
WEB_02 = 'i-0a1b2c3d4e5f60002'
APP_01 = 'i-0a1b2c3d4e5f60003'
DB_01 = 'i-0a1b2c3d4e5f60004'
BATCH_01 = 'i-0a1b2c3d4e5f60005'
LEGACY_01 = 'i-0a1b2c3d4e5f60006'
ORDERS_DB = 'orders-db'
OLD_REPLICA = 'i-0f9e8d7c6b5a40101'
BASTION = 'i-0f9e8d7c6b5a40102'
FILESERVER = 'ce-5f0c3a9e2b7d4e61'
ERP_01 = 'ce-7a3d9e1f0b2c4d58'
AWS_CREDS = {'AWS': {'accessKeyId': 'AKIASIMULATOR0000001', 'secretAccessKey': 'sim-aws-secret-Zq3Lm8Rt0Vx2Nb6Kc4Wd'}}
RESOURCE_KEYS = ['id', 'name', 'replicationState', 'errorString', 'cloudState', 'CloudEndureCreationTime',
                 'CloudEndurePointInTime', 'originalId', 'lastConsistencyTime', 'type', 'totalStorageBytes',
                 'replicatedStorageBytes', 'persistentPublicIps']
ALL_FUNCTIONS = ['login', 'logout', 'getAllLocations', 'getUserDetails', 'setUserDetails', 'setPassword', 'listMachines',
                 'startReplication', 'stopReplication', 'clone', 'cleanup', 'completeFailover', 'getStatus',
                 'getAvailableTimestamps', 'getFutureReplicaConfiguration', 'setFutureReplicaConfiguration']
DETAILS_GATED = ['getUserDetails', 'listMachines', 'startReplication', 'stopReplication', 'clone', 'cleanup',
                 'completeFailover', 'getStatus', 'getAvailableTimestamps', 'getFutureReplicaConfiguration',
                 'setFutureReplicaConfiguration']
FAST = {'replication_seconds': 0.3, 'stop_seconds': 0.2, 'clone_seconds': 0.3, 'cleanup_seconds': 0.3,
        'failover_seconds': 0.3, 'boot_seconds': 0.2, 'snapshot_seconds': 1}


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    """One simulator for the module, on free ports."""
    simulator = Simulator([CloudEndureService()], port=0, tls_port=0, quiet=True,
                          state_dir=str(tmp_path_factory.mktemp('simstate')))
    simulator.start()
    yield simulator
    simulator.stop()


class Client:
    """API and admin helpers; ``self.http`` keeps the session cookie like a browser."""

    def __init__(self, simulator):
        self.sim = simulator
        self.base = simulator.http_url + '/cloudendure/latest/'
        self.http = requests.Session()

    def post(self, function, params=None, http=None, data=None):
        """POST a function; returns the response."""
        http = http or self.http
        if data is not None:
            return http.post(self.base + function, data=data, timeout=10)
        return http.post(self.base + function, json={} if params is None else params, timeout=10)

    def call(self, function, params=None, http=None):
        """(error, result) of a call, which must be HTTP 200 (default error_status)."""
        response = self.post(function, params, http)
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body) == ['error', 'result'], body
        return body['error'], body['result']

    def ok(self, function, params=None, http=None):
        """The result of a successful call."""
        error, result = self.call(function, params, http)
        assert error is None, error
        return result

    def err(self, function, expected, params=None, http=None):
        """Assert the error string of a call (result null)."""
        error, result = self.call(function, params, http)
        assert error == expected and result is None, (function, params, error, result)

    def login(self, username=MAIN, password=MAIN_PW, http=None):
        """Log in (the cookie lands in ``http``)."""
        return self.ok('login', {'username': username, 'password': password}, http)

    def new_session(self, username=MAIN, password=MAIN_PW):
        """Another logged-in requests.Session."""
        http = requests.Session()
        self.login(username, password, http)
        return http

    def admin(self, method, name, payload=None, status=200):
        """Call the admin API."""
        response = requests.request(method, self.sim.http_url + '/_sim/' + name, json=payload, timeout=10)
        assert response.status_code == status, response.text
        return response.json()

    def config(self, **knobs):
        """Set CloudEndure knobs."""
        return self.admin('POST', 'config', dict(knobs, service='cloudendure'))

    def machines(self, location=US_EAST):
        """listMachines as a dict id -> resource."""
        return dict((m['id'], m) for m in self.ok('listMachines', {'location': location}))

    def status(self):
        """getStatus result."""
        return self.ok('getStatus')

    def wait_normal(self, timeout=5.0):
        """Poll getStatus until normal; returns the last non-normal status seen (or None)."""
        seen = None
        deadline = time.time() + timeout
        while time.time() < deadline:
            status = self.status()
            if status['status'] == 'normal':
                return seen
            seen = status
            time.sleep(0.02)
        raise AssertionError('status still %s' % seen)

    def account(self, username=MAIN):
        """Admin view of an account."""
        return [a for a in self.admin('GET', 'cloudendure/accounts')['accounts'] if a['username'] == username][0]


@pytest.fixture
def ce(sim):
    """A client on a freshly reset simulator with fast knobs, logged in as the main account."""
    client = Client(sim)
    client.admin('POST', 'reset', {})
    client.config(**FAST)
    client.login()
    yield client
    client.http.close()


def wait_for(predicate, timeout=5.0):
    """Poll until predicate() is truthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('condition not met within %.1fs' % timeout)


def main_details(**changes):
    """The main account's details with changes."""
    details = {'username': MAIN, 'firstName': 'Dana', 'lastName': 'Reyes', 'company': 'Example Corp',
               'originalLocation': US_EAST, 'mirrorLocation': US_WEST, 'credentials': json.loads(json.dumps(AWS_CREDS)),
               'features': [{'pointInTime': True}, {'rdsReplication': True}, {'dnsFailover': False}]}
    details.update(changes)
    return details


# -- transport ----------------------------------------------------------------------------


def test_envelope_paths_methods_and_bodies(ce):
    locations = ce.ok('getAllLocations')
    assert locations == [US_EAST, US_WEST, EU, GOOGLE, AZURE, ONPREM]
    response = ce.post('getAllLocations')
    assert response.headers['Content-Type'] == 'application/json'
    assert response.json() == {'error': None, 'result': locations}
    # empty body = {} ; trailing slash tolerated
    assert ce.http.post(ce.base + 'getAllLocations', timeout=10).json()['result'] == locations
    assert ce.post('getAllLocations/').json()['result'] == locations
    for path in ('latest/storeCredentials', 'latest/getalllocations', 'latest/', 'getAllLocations', 'api/latest/login'):
        response = ce.http.post(ce.sim.http_url + '/cloudendure/' + path, json={}, timeout=10)
        assert response.status_code == 404 and response.json() == {'error': 'Unexpected Error', 'result': None}, path
    response = ce.http.get(ce.base + 'getAllLocations', timeout=10)
    assert response.status_code == 405 and response.headers['Allow'] == 'POST'
    assert response.json() == {'error': 'Unexpected Error', 'result': None}
    for data in ('not json', '[1, 2]', '"x"', '{'):
        response = ce.post('getAllLocations', data=data)
        assert response.status_code == 200 and response.json() == {'error': 'Unexpected Error', 'result': None}
    ce.config(error_status='mapped')
    assert ce.post('getAllLocations', data='[]').status_code == 400
    assert ce.http.get(ce.base + 'getAllLocations', timeout=10).status_code == 405
    # unknown parameters are ignored
    ce.config(error_status='200')
    assert ce.ok('getAllLocations', {'whatever': 1}) == locations


def test_not_logged_in_everywhere(ce):
    anonymous = requests.Session()
    for function in ALL_FUNCTIONS[1:]:
        ce.err(function, 'Not Logged In', http=anonymous)
    anonymous.cookies.set('session', 'forged-value', path='/cloudendure/')
    ce.err('getStatus', 'Not Logged In', http=anonymous)
    response = requests.post(ce.base + 'getStatus', json={}, headers={'Cookie': 'session=bogus; other=1'}, timeout=10)
    assert response.json()['error'] == 'Not Logged In'


# -- login, sessions, lockout ---------------------------------------------------------------


def test_login_cookie_parallel_sessions_and_logout(ce):
    response = ce.post('login', {'username': MAIN.upper(), 'password': MAIN_PW}, http=requests.Session())
    assert response.json() == {'error': None, 'result': None}
    cookie = response.headers['Set-Cookie']
    assert cookie.startswith('session=') and 'Path=/cloudendure/' in cookie and 'HttpOnly' in cookie
    value = cookie.split(';')[0].split('=', 1)[1]
    assert len(value) >= 32
    by_header = {'Cookie': 'session=' + value}
    assert requests.post(ce.base + 'getStatus', json={}, headers=by_header, timeout=10).json()['result'] == {'status': 'normal'}
    second = ce.new_session()
    assert ce.status() == {'status': 'normal'} and ce.ok('getStatus', http=second) == {'status': 'normal'}
    assert ce.account()['sessions'] == 3
    response = ce.post('logout', http=second)
    assert response.json() == {'error': None, 'result': None} and 'Max-Age=0' in response.headers['Set-Cookie']
    ce.err('getStatus', 'Not Logged In', http=second)
    ce.err('logout', 'Not Logged In', http=second)
    # the other sessions live on; logging out a cookie by header
    assert ce.status() == {'status': 'normal'}
    assert requests.post(ce.base + 'logout', json={}, headers=by_header, timeout=10).json()['error'] is None
    assert requests.post(ce.base + 'getStatus', json={}, headers=by_header, timeout=10).json()['error'] == 'Not Logged In'
    assert ce.status() == {'status': 'normal'}
    # a login with a valid cookie is one more session
    ce.login()
    assert ce.account()['sessions'] == 2


def test_login_bad_credentials(ce):
    http = requests.Session()
    for params in ({'username': 'nobody@example.com', 'password': MAIN_PW}, {'username': MAIN, 'password': 'wrong'},
                   {'username': INACTIVE, 'password': INACTIVE_PW}, {'username': MAIN}, {},
                   {'username': MAIN, 'password': 12345678}, {'username': ['x'], 'password': MAIN_PW}):
        ce.admin('POST', 'cloudendure/unlock', {'username': params.get('username') if isinstance(params.get('username'), str)
                                                else MAIN})
        response = ce.post('login', params, http=http)
        assert response.json() == {'error': 'Bad Credentials', 'result': None}, params
        assert 'Set-Cookie' not in response.headers
    ce.login(FRESH, FRESH_PW, http)


def test_lockout_three_failures_then_rearmed_by_every_attempt(ce):
    ce.config(lockout_seconds=0.5, lockout_window_seconds=0.5, error_status='mapped')
    http = requests.Session()
    bad = {'username': MAIN, 'password': 'wrong-password'}
    for _attempt in range(3):
        response = ce.post('login', bad, http=http)
        assert response.status_code == 401 and response.json()['error'] == 'Bad Credentials'
    response = ce.post('login', {'username': MAIN, 'password': MAIN_PW}, http=http)
    assert response.status_code == 429 and response.json() == {'error': 'Too Many Failed Attempts', 'result': None}
    assert response.headers['Retry-After'] == '1' and 'Set-Cookie' not in response.headers
    # another account is not affected; the existing session still works
    ce.login(FRESH, FRESH_PW, requests.Session())
    assert ce.status() == {'status': 'normal'}
    time.sleep(0.3)
    # refused attempts re-arm the lock (default): 0.6 s after the 3rd failure it is still locked
    assert ce.post('login', {'username': MAIN, 'password': MAIN_PW}, http=http).status_code == 429
    time.sleep(0.3)
    assert ce.post('login', {'username': MAIN, 'password': MAIN_PW}, http=http).status_code == 429
    time.sleep(0.55)
    assert ce.post('login', {'username': MAIN, 'password': MAIN_PW}, http=http).status_code == 200
    assert ce.account()['failed_logins'] == 0


def test_lockout_without_rearm_window_and_successive_failures(ce):
    ce.config(lockout_seconds=0.5, lockout_window_seconds=0.5, lockout_rearm_while_locked=False)
    bad = {'username': MAIN, 'password': 'wrong-password'}
    good = {'username': MAIN, 'password': MAIN_PW}
    http = requests.Session()
    # two failures, a pause longer than the window: the streak starts again
    ce.err('login', 'Bad Credentials', bad, http)
    ce.err('login', 'Bad Credentials', bad, http)
    time.sleep(0.55)
    ce.err('login', 'Bad Credentials', bad, http)
    assert ce.account()['failed_logins'] == 1
    ce.ok('login', good, http)
    # three failures lock; refused attempts do not re-arm
    for _attempt in range(3):
        ce.err('login', 'Bad Credentials', bad, http)
    ce.err('login', 'Too Many Failed Attempts', good, http)
    time.sleep(0.25)
    ce.err('login', 'Too Many Failed Attempts', good, http)
    time.sleep(0.3)
    # the lock is over, but a failure within the window after it locks again at once
    ce.err('login', 'Bad Credentials', bad, http)
    ce.err('login', 'Too Many Failed Attempts', good, http)
    time.sleep(0.55)
    ce.ok('login', good, http)
    # unknown usernames lock too (no enumeration); usernames compare case-insensitively
    for _attempt in range(3):
        ce.err('login', 'Bad Credentials', {'username': 'Ghost@example.com', 'password': 'x'}, http)
    ce.err('login', 'Too Many Failed Attempts', {'username': 'ghost@EXAMPLE.com', 'password': 'x'}, http)


def test_admin_lock_unlock(ce):
    assert ce.admin('POST', 'cloudendure/lock', {'username': MAIN, 'seconds': 30})['locked_for'] == 30
    ce.err('login', 'Too Many Failed Attempts', {'username': MAIN, 'password': MAIN_PW}, requests.Session())
    assert ce.account()['locked_for'] > 29
    ce.admin('POST', 'cloudendure/unlock', {'username': MAIN})
    ce.login(http=requests.Session())
    ce.admin('POST', 'cloudendure/lock', {'seconds': -1}, status=400)


def test_session_ttl_and_expire_sessions(ce):
    other = ce.new_session(FRESH, FRESH_PW)
    assert ce.admin('POST', 'cloudendure/expire-sessions', {'username': MAIN})['expired'] == 1
    ce.err('getStatus', 'Not Logged In')
    ce.err('getAllLocations', 'Not Logged In')
    assert ce.ok('getAllLocations', http=other)
    assert ce.admin('POST', 'cloudendure/expire-sessions', {})['expired'] == 1
    ce.err('getAllLocations', 'Not Logged In', http=other)
    ce.config(session_ttl=0.5)
    ce.login()
    time.sleep(0.3)
    assert ce.status() == {'status': 'normal'}  # use keeps it alive (idle timeout)
    time.sleep(0.3)
    assert ce.status() == {'status': 'normal'}
    time.sleep(0.55)
    ce.err('getStatus', 'Not Logged In')
    ce.config(session_ttl=0)
    ce.login()
    time.sleep(0.1)
    assert ce.status() == {'status': 'normal'}


# -- account details ----------------------------------------------------------------------------


def test_user_details_and_details_not_set_gate(ce):
    assert ce.ok('getUserDetails') == main_details()
    fresh = ce.new_session(FRESH, FRESH_PW)
    for function in DETAILS_GATED:
        ce.err(function, 'Details Not Set', {'location': EU, 'machineId': 'x', 'originalLocation': EU}, http=fresh)
    assert ce.ok('getAllLocations', http=fresh)
    details = {'username': FRESH, 'originalLocation': EU, 'mirrorLocation': US_WEST, 'credentials': AWS_CREDS,
               'features': [{'pointInTime': True}]}
    assert ce.ok('setUserDetails', {'userDetails': details}, http=fresh) is None
    assert ce.ok('getUserDetails', http=fresh) == dict(details, firstName='', lastName='', company='')
    assert [m['name'] for m in ce.ok('listMachines', {'location': EU}, http=fresh)] == ['shop-01']
    assert ce.ok('getStatus', http=fresh) == {'status': 'normal'}
    ce.admin('POST', 'cloudendure/clear-details', {'username': FRESH})
    ce.err('getUserDetails', 'Details Not Set', http=fresh)


def test_set_user_details_overwrites_everything(ce):
    details = main_details(firstName='New', features=[{'pointInTime': True}])
    del details['lastName']
    del details['company']
    ce.ok('setUserDetails', {'userDetails': details})
    stored = ce.ok('getUserDetails')
    assert stored['firstName'] == 'New' and stored['lastName'] == '' and stored['company'] == ''
    assert stored['features'] == [{'pointInTime': True}, {'rdsReplication': False}, {'dnsFailover': False}]
    # username compares case-insensitively and stays as stored; extra clouds are accepted
    creds = dict(AWS_CREDS, Google={'accountID': 'acct-1', 'privateKeyJson': '{"k": 1}'})
    ce.ok('setUserDetails', {'userDetails': main_details(username=MAIN.upper(), credentials=creds,
                                                         originalLocation=GOOGLE, mirrorLocation=US_WEST)})
    stored = ce.ok('getUserDetails')
    assert stored['username'] == MAIN and stored['originalLocation'] == GOOGLE and stored['credentials'] == creds


@pytest.mark.parametrize('changes,error', [
    ({'username': 'other@example.com'}, 'Cannot Change Email'),
    ({'username': None}, 'Cannot Change Email'),
    ({'originalLocation': 'Mars'}, 'Unknown Original Location'),
    ({'originalLocation': None}, 'Unknown Original Location'),
    ({'mirrorLocation': 'Moon'}, 'Unknown Mirror Location'),
    ({'mirrorLocation': US_EAST}, 'Unknown Mirror Location'),
    ({'credentials': None}, 'Bad Credentials'),
    ({'credentials': []}, 'Bad Credentials'),
    ({'credentials': {}}, 'Bad Credentials'),
    ({'credentials': {'AWS': {'accessKeyId': 'AKIASIMULATOR0000001', 'secretAccessKey': ''}}}, 'Bad Credentials'),
    ({'credentials': {'AWS': {'accessKeyId': 'AKIASIMULATOR0000001'}}}, 'Bad Credentials'),
    ({'credentials': {'AWS': {'accessKeyId': 'not-a-key-id', 'secretAccessKey': 'x'}}}, 'Bad Credentials'),
    ({'credentials': dict(AWS_CREDS, IBM={'accountID': 'a', 'key': 'b'})}, 'Bad Credentials'),
    ({'credentials': dict(AWS_CREDS, Azure={'accountID': 'a', 'certificateFile': ' '})}, 'Bad Credentials'),
    ({'mirrorLocation': AZURE}, 'Bad Credentials'),
    ({'features': {'pointInTime': True}}, 'Bad Features'),
    ({'features': [{'pointInTime': True, 'rdsReplication': True}]}, 'Bad Features'),
    ({'features': [{'noSuchFeature': True}]}, 'Bad Features'),
    ({'features': [{'pointInTime': 'yes'}]}, 'Bad Features'),
    ({'features': [{'pointInTime': True}, {'pointInTime': False}]}, 'Bad Features'),
    ({'features': None}, 'Bad Features'),
])
def test_set_user_details_errors(ce, changes, error):
    details = main_details(**changes)
    details = dict((key, value) for key, value in details.items() if value is not None)
    ce.err('setUserDetails', error, {'userDetails': details})
    assert ce.ok('getUserDetails') == main_details()


def test_set_user_details_blocked_while_cloning_or_failing_over(ce):
    for status in ('cloning', 'failingOver'):
        ce.admin('POST', 'cloudendure/not-ready', {'seconds': 0.25, 'status': status})
        ce.err('setUserDetails', 'Replica Creation or Failover in Progress', {'userDetails': main_details()})
        ce.wait_normal()
    ce.admin('POST', 'cloudendure/not-ready', {'seconds': 0.25, 'status': 'cleaningUp'})
    ce.ok('setUserDetails', {'userDetails': main_details(company='During cleanup')})
    ce.admin('POST', 'cloudendure/not-ready', {'seconds': 1, 'status': 'cloning'}, status=409)
    ce.admin('POST', 'cloudendure/not-ready', {'seconds': 1, 'status': 'normal'}, status=400)


def test_user_details_param_knob(ce):
    details = main_details(company='Top')
    both = dict(details, userDetails=main_details(company='Nested'))
    ce.err('setUserDetails', 'Cannot Change Email', details)  # default: userDetails only
    ce.err('setUserDetails', 'Cannot Change Email', {'userDetails': 'not an object'})
    ce.ok('setUserDetails', both)
    assert ce.ok('getUserDetails')['company'] == 'Nested'
    ce.config(user_details_param='top-level')
    ce.err('setUserDetails', 'Cannot Change Email', {'userDetails': details})
    ce.ok('setUserDetails', both)
    assert ce.ok('getUserDetails')['company'] == 'Top'
    ce.config(user_details_param='any')
    ce.ok('setUserDetails', main_details(company='Any top'))
    assert ce.ok('getUserDetails')['company'] == 'Any top'
    ce.ok('setUserDetails', both)
    assert ce.ok('getUserDetails')['company'] == 'Nested'


def test_details_secrets_masked(ce):
    ce.config(details_secrets='masked')
    shown = ce.ok('getUserDetails')
    assert shown['credentials'] == {'AWS': {'accessKeyId': 'AKIASIMULATOR0000001', 'secretAccessKey': '********'}}
    ce.err('setUserDetails', 'Bad Credentials', {'userDetails': shown})
    ce.ok('setUserDetails', {'userDetails': main_details()})
    ce.config(details_secrets='returned')
    assert ce.ok('getUserDetails')['credentials'] == AWS_CREDS


def test_set_password_and_old_password_knob(ce):
    other = ce.new_session()
    ce.err('setPassword', 'Incorrect Old Password', {'password': 'new-password-1'})
    ce.err('setPassword', 'Incorrect Old Password', {'password': 'new-password-1', 'oldPassword': 'wrong'})
    for password in ('', 'short', 'x' * 129, 12345678, None, '        '):
        ce.err('setPassword', 'Password Is Illegal', {'password': password, 'oldPassword': MAIN_PW})
    ce.err('setPassword', 'Password Is Illegal', {'oldPassword': MAIN_PW})
    ce.ok('setPassword', {'password': 'new-password-1', 'oldPassword': MAIN_PW})
    ce.err('login', 'Bad Credentials', {'username': MAIN, 'password': MAIN_PW}, requests.Session())
    ce.login(MAIN, 'new-password-1', requests.Session())
    assert ce.ok('getStatus', http=other) == {'status': 'normal'}  # sessions survive
    ce.config(old_password='optional')
    ce.ok('setPassword', {'password': 'new-password-2'})
    ce.err('setPassword', 'Incorrect Old Password', {'password': 'new-password-3', 'oldPassword': 'wrong'})
    ce.config(old_password='ignored')
    ce.ok('setPassword', {'password': 'new-password-3', 'oldPassword': 'wrong'})
    ce.login(MAIN, 'new-password-3', requests.Session())


# -- machines and replication --------------------------------------------------------------------


def test_list_machines(ce):
    primary = ce.ok('listMachines', {'location': US_EAST})
    assert [m['name'] for m in primary] == ['web-01', 'web-02', 'app-01', 'db-01', 'batch-01', 'legacy-01', 'orders-db']
    for machine in primary:
        assert list(machine) == RESOURCE_KEYS
    web = primary[0]
    assert web['replicationState'] == 'Replicated' and web['cloudState'] == 'Running' and web['type'] == 'ec2'
    assert web['totalStorageBytes'] == web['replicatedStorageBytes'] == 28 * 1024 ** 3
    assert web['persistentPublicIps'] == ['54.210.10.11'] and web['errorString'] == ''
    assert web['originalId'] is None and web['CloudEndureCreationTime'] is None and web['CloudEndurePointInTime'] is None
    assert web['lastConsistencyTime'].isdigit() and int(web['lastConsistencyTime']) <= time.time()
    app = primary[2]
    assert app['replicationState'] == 'Not Replicated' and app['lastConsistencyTime'] == ''
    assert app['replicatedStorageBytes'] == 0 and app['persistentPublicIps'] is None
    assert primary[3]['cloudState'] == 'Stopped'
    assert primary[6]['type'] == 'rds' and primary[6]['cloudState'] == 'Available'
    secondary = ce.machines(US_WEST)
    assert secondary[OLD_REPLICA]['originalId'] == WEB_01 and secondary[OLD_REPLICA]['CloudEndureCreationTime'].isdigit()
    assert secondary[BASTION]['originalId'] is None
    assert ce.machines(ONPREM)[FILESERVER]['type'] == 'machine'
    assert ce.ok('listMachines', {'location': GOOGLE}) == []
    for params in ({'location': 'Mars'}, {}, {'location': None}, {'location': [US_EAST]}):
        ce.err('listMachines', 'Unknown Location', params)


def test_start_replication_progress_and_no_op(ce):
    ce.config(replication_seconds=0.6)
    assert ce.ok('startReplication', {'machineId': APP_01}) is None
    first = ce.machines()[APP_01]
    assert first['replicationState'] == 'Replicating' and first['lastConsistencyTime'] == ''
    time.sleep(0.3)
    middle = ce.machines()[APP_01]
    assert 0 < middle['replicatedStorageBytes'] < middle['totalStorageBytes']
    assert middle['replicatedStorageBytes'] >= first['replicatedStorageBytes']
    ce.ok('startReplication', {'machineId': APP_01})  # already started: nothing happens
    done = wait_for(lambda: ce.machines()[APP_01]['replicationState'] == 'Replicated' and ce.machines()[APP_01])
    assert done['replicatedStorageBytes'] == done['totalStorageBytes'] and done['lastConsistencyTime'].isdigit()
    machine = [m for m in ce.admin('GET', 'cloudendure/machines')['machines'] if m['resource']['id'] == APP_01][0]
    assert machine['agent'] == 'running' and machine['agent_source'] == 'remote'


def test_start_replication_errors_and_manual_agent(ce):
    for params in ({'machineId': 'i-nope'}, {'machineId': OLD_REPLICA}, {}, {'machineId': 5}):
        ce.err('startReplication', 'Bad Machine Id', params)
    ce.err('startReplication', 'Machine Is Not Running', {'machineId': DB_01})
    ce.err('startReplication', 'Machine Credentials Missing', {'machineId': BATCH_01})
    ce.err('startReplication', 'Agent Not Running', {'machineId': LEGACY_01})
    ce.err('startReplication', 'Agent Not Running', {'machineId': LEGACY_01, 'shouldInstallAgent': False})
    ce.err('startReplication', 'Unexpected Error', {'machineId': BATCH_01, 'shouldInstallAgent': 'no'})
    # manual install: success, waits for the agent
    ce.ok('startReplication', {'machineId': BATCH_01, 'shouldInstallAgent': False})
    waiting = ce.machines()[BATCH_01]
    assert waiting['replicationState'] == 'Not Replicated'
    assert waiting['errorString'] == 'Waiting for the CloudEndure agent to be installed'
    ce.ok('startReplication', {'machineId': BATCH_01, 'shouldInstallAgent': False})
    ce.admin('POST', 'cloudendure/set-machine', {'id': BATCH_01, 'agent': 'running'})
    started = ce.machines()[BATCH_01]
    assert started['replicationState'] == 'Replicating' and started['errorString'] == ''
    # machine credentials stored later: remote install works
    ce.admin('POST', 'cloudendure/set-machine', {'id': DB_01, 'cloudState': 'Running'})
    ce.ok('startReplication', {'machineId': DB_01})
    # RDS needs no agent
    ce.ok('stopReplication', {'machineId': ORDERS_DB})
    wait_for(lambda: ce.machines()[ORDERS_DB]['replicationState'] == 'Not Replicated')
    ce.ok('startReplication', {'machineId': ORDERS_DB})
    assert ce.machines()[ORDERS_DB]['replicationState'] == 'Replicating'
    ce.admin('POST', 'cloudendure/set-machine', {'id': 'nope'}, status=404)
    ce.admin('POST', 'cloudendure/set-machine', {'id': APP_01, 'agent': 'dead'}, status=400)


def test_stop_replication(ce):
    ce.ok('stopReplication', {'machineId': WEB_01})
    stopping = ce.machines()[WEB_01]
    assert stopping['replicationState'] == 'Stopping Replication' and stopping['lastConsistencyTime'] == ''
    ce.ok('stopReplication', {'machineId': WEB_01})
    wait_for(lambda: ce.machines()[WEB_01]['replicationState'] == 'Not Replicated')
    machine = [m for m in ce.admin('GET', 'cloudendure/machines')['machines'] if m['resource']['id'] == WEB_01][0]
    assert machine['agent'] == 'none'  # the remotely installed agent is removed
    ce.ok('stopReplication', {'machineId': APP_01})  # not replicated: nothing happens
    for params in ({'machineId': 'i-nope'}, {'machineId': BASTION}, {}):
        ce.err('stopReplication', 'Bad Machine Id', params)
    ce.admin('POST', 'cloudendure/set-machine', {'id': WEB_02, 'cloudState': 'Stopped'})
    ce.err('stopReplication', 'Machine Is Not Running', {'machineId': WEB_02})
    ce.admin('POST', 'cloudendure/set-machine', {'id': WEB_02, 'cloudState': 'Running', 'agent': 'stopped'})
    ce.err('stopReplication', 'Agent Not Running', {'machineId': WEB_02})
    ce.admin('POST', 'cloudendure/set-machine', {'id': WEB_02, 'agent': 'running', 'credentials': False})
    ce.err('stopReplication', 'Machine Credentials Missing', {'machineId': WEB_02})
    # a pending manual start is cancelled by a stop
    ce.ok('startReplication', {'machineId': BATCH_01, 'shouldInstallAgent': False})
    ce.ok('stopReplication', {'machineId': BATCH_01})
    assert ce.machines()[BATCH_01]['errorString'] == ''
    ce.admin('POST', 'cloudendure/set-machine', {'id': BATCH_01, 'agent': 'running'})
    assert ce.machines()[BATCH_01]['replicationState'] == 'Not Replicated'


def test_machine_id_param_knob(ce):
    # both (default): either spelling everywhere; two different values -> the id error
    ce.ok('startReplication', {'machineld': APP_01})
    ce.ok('stopReplication', {'machineld': APP_01, 'machineId': APP_01})
    ce.err('stopReplication', 'Bad Machine Id', {'machineld': APP_01, 'machineId': WEB_01})
    ce.ok('getFutureReplicaConfiguration', {'machineld': WEB_01})
    ce.config(machine_id_param='documented')
    ce.err('startReplication', 'Bad Machine Id', {'machineId': BATCH_01})
    ce.err('startReplication', 'Machine Credentials Missing', {'machineld': BATCH_01, 'machineId': 'ignored'})
    ce.err('stopReplication', 'Bad Machine Id', {'machineld': WEB_02})
    ce.err('getFutureReplicaConfiguration', 'Bad Id', {'machineld': WEB_01})
    ce.err('cleanup', 'Bad Ids', {'machinelds': ['i-nope']})
    ce.err('clone', 'Bad Ids', {'originalLocation': US_EAST, 'machineIds': ['i-nope']})
    ce.ok('cleanup', {'machineIds': ['i-nope'], 'machinelds': [WEB_01]})  # machineIds ignored in cleanup
    ce.wait_normal()
    ce.config(machine_id_param='corrected')
    ce.err('startReplication', 'Bad Machine Id', {'machineld': BATCH_01})
    ce.err('startReplication', 'Machine Credentials Missing', {'machineId': BATCH_01, 'machineld': 'ignored'})
    ce.err('cleanup', 'Bad Ids', {'machineIds': ['i-nope'], 'machinelds': [WEB_01]})
    # a client sending both spellings passes every value
    for mode in ('both', 'documented', 'corrected'):
        ce.config(machine_id_param=mode)
        ce.err('startReplication', 'Machine Credentials Missing', {'machineId': BATCH_01, 'machineld': BATCH_01})
        assert ce.ok('getFutureReplicaConfiguration', {'machineId': WEB_01, 'machineld': WEB_01})


# -- knobs: encoding and status ---------------------------------------------------------------------


def test_double_encoded_knob(ce):
    enc = json.dumps
    ce.config(double_encoded='yes')
    response = ce.post('getAllLocations')
    assert isinstance(response.json()['result'], str) and json.loads(response.json()['result'])[0] == US_EAST
    assert ce.ok('getStatus') == enc({'status': 'normal'})
    assert ce.ok('startReplication', {'machineId': enc(APP_01)}) == 'null'
    ce.err('startReplication', 'Bad Machine Id', {'machineId': APP_01})  # plain values are ill-typed
    assert len(json.loads(ce.ok('listMachines', {'location': enc(US_EAST)}))) == 7
    ce.err('listMachines', 'Unknown Location', {'location': US_EAST})
    ce.ok('setUserDetails', {'userDetails': enc(main_details(company='Encoded'))})
    assert json.loads(ce.ok('getUserDetails'))['company'] == 'Encoded'
    http = requests.Session()
    ce.err('login', 'Bad Credentials', {'username': MAIN, 'password': MAIN_PW}, http)
    assert ce.ok('login', {'username': enc(MAIN), 'password': enc(MAIN_PW)}, http) == 'null'
    ce.config(user_details_param='top-level')
    ce.ok('setUserDetails', dict((key, enc(value)) for key, value in main_details(company='Each').items()))
    assert json.loads(ce.ok('getUserDetails'))['company'] == 'Each'
    ce.config(double_encoded='accept', user_details_param='userDetails')
    assert ce.ok('getStatus') == {'status': 'normal'}
    assert len(ce.ok('listMachines', {'location': enc(US_EAST)})) == 7
    assert len(ce.ok('listMachines', {'location': US_EAST})) == 7
    ce.ok('setUserDetails', {'userDetails': enc(main_details(company='Accepted'))})
    ce.ok('setUserDetails', {'userDetails': main_details(company='Plain')})
    assert ce.ok('getUserDetails')['company'] == 'Plain'
    ce.err('clone', 'Bad Ids', {'originalLocation': US_EAST, 'machineIds': enc(['i-nope'])})
    ce.config(double_encoded='no')
    ce.err('listMachines', 'Unknown Location', {'location': enc(US_EAST)})
    ce.err('clone', 'Bad Ids', {'originalLocation': US_EAST, 'machineIds': enc([WEB_01])})


def test_error_status_knob(ce):
    anonymous = requests.Session()

    def status_of(function, params=None, http=None):
        response = ce.post(function, params, http)
        assert list(response.json()) == ['error', 'result'] and response.json()['error']
        return response.status_code
    ce.config(error_status='400')
    assert status_of('getStatus', http=anonymous) == 400
    assert status_of('listMachines', {'location': 'Mars'}) == 400
    assert status_of('startReplication', {'machineId': BATCH_01, 'shouldInstallAgent': 1}) == 500
    ce.config(error_status='mapped')
    expected = [
        ('getStatus', None, anonymous, 401),
        ('login', {'username': MAIN, 'password': 'nope'}, None, 401),
        ('setUserDetails', {'userDetails': main_details(credentials={})}, None, 400),
        ('setPassword', {'password': 'new-password-1', 'oldPassword': 'wrong'}, None, 403),
        ('setPassword', {'password': 'x', 'oldPassword': MAIN_PW}, None, 400),
        ('listMachines', {'location': 'Mars'}, None, 400),
        ('startReplication', {'machineId': 'nope'}, None, 400),
        ('startReplication', {'machineId': DB_01}, None, 409),
        ('startReplication', {'machineId': BATCH_01}, None, 409),
        ('startReplication', {'machineId': LEGACY_01}, None, 409),
        ('startReplication', {'machineId': BATCH_01, 'shouldInstallAgent': 1}, None, 500),
        ('clone', {'originalLocation': US_WEST}, None, 400),
        ('clone', {'originalLocation': US_EAST, 'Timestamp': '1'}, None, 400),
        ('getFutureReplicaConfiguration', {'machineId': APP_01}, None, 400),
    ]
    for function, params, http, status in expected:
        assert status_of(function, params, http) == status, (function, params)
    ce.admin('POST', 'cloudendure/not-ready', {'seconds': 2})
    assert status_of('clone', {'originalLocation': US_EAST}) == 409
    assert status_of('setUserDetails', {'userDetails': main_details()}) == 409
    fresh = ce.new_session(FRESH, FRESH_PW)
    assert status_of('getStatus', http=fresh) == 409


# -- points in time ---------------------------------------------------------------------------------


def test_available_timestamps(ce):
    ce.config(snapshot_seconds=60, timestamp_retention=10)
    stamps = ce.ok('getAvailableTimestamps')
    assert len(stamps) == 10 and all(isinstance(s, str) and s.isdigit() and int(s) % 60 == 0 for s in stamps)
    assert [int(s) for s in stamps] == sorted(int(s) for s in stamps) and int(stamps[-1]) <= time.time()
    assert int(stamps[-1]) - int(stamps[0]) == 9 * 60
    web = ce.machines()[WEB_01]
    # the newest point, or the next one when a minute boundary passed between the two reads
    assert int(web['lastConsistencyTime']) in (int(stamps[-1]), int(stamps[-1]) + 60)
    ce.config(timestamp_retention=1000, snapshot_seconds=10)
    assert 355 <= len(ce.ok('getAvailableTimestamps')) <= 361  # replicated since one hour before the reset
    ce.ok('setUserDetails', {'userDetails': main_details(features=[{'pointInTime': False}])})
    assert ce.ok('getAvailableTimestamps') == []
    ce.err('clone', 'Bad timestamp', {'originalLocation': US_EAST, 'Timestamp': stamps[-1]})
    # points grow while machines stay replicated; none exist before anything was replicated
    fresh = ce.new_session(FRESH, FRESH_PW)
    ce.ok('setUserDetails', {'userDetails': {'username': FRESH, 'originalLocation': EU, 'mirrorLocation': US_WEST,
                                             'credentials': AWS_CREDS, 'features': [{'pointInTime': True}]}}, http=fresh)
    assert ce.ok('getAvailableTimestamps', http=fresh) == []


# -- clone, cleanup, failover ---------------------------------------------------------------------------


def test_clone_deletes_earlier_replicas_then_creates_over_time(ce):
    ce.config(clone_seconds=0.6, boot_seconds=0.8)
    started = time.time()
    ce.ok('clone', {'originalLocation': US_EAST, 'machineIds': [WEB_01]})
    status = ce.status()
    assert status['status'] == 'cloning' and status['log'].startswith(time.strftime('%Y-%m-%d', time.gmtime()))
    assert 'Clone started: 1 instance(s)' in status['log']
    ce.err('clone', 'Not Ready', {'originalLocation': US_EAST})
    ce.err('cleanup', 'Not Ready')
    ce.err('completeFailover', 'Not Ready', {'originalLocation': US_EAST})
    last = ce.wait_normal()
    assert 'Deleting replica %s of %s' % (OLD_REPLICA, WEB_01) in last['log']
    assert ce.status() == {'status': 'normal'}  # the log is gone
    secondary = ce.machines(US_WEST)
    assert OLD_REPLICA not in secondary and BASTION in secondary
    replicas = [m for m in secondary.values() if m['originalId'] == WEB_01]
    assert len(replicas) == 1
    replica = replicas[0]
    assert replica['name'] == 'web-01' and replica['type'] == 'ec2' and replica['replicationState'] == 'Not Replicated'
    assert int(started) <= int(replica['CloudEndureCreationTime']) <= time.time()
    assert replica['CloudEndurePointInTime'] == ce.machines()[WEB_01]['lastConsistencyTime'] or \
        int(replica['CloudEndurePointInTime']) <= int(replica['CloudEndureCreationTime'])
    assert replica['cloudState'] == 'Pending' and len(replica['persistentPublicIps']) == 1
    assert wait_for(lambda: ce.machines(US_WEST)[replica['id']]['cloudState'] == 'Running')
    history = ce.account()['history']
    assert history[-1]['status'] == 'cloning' and history[-1]['result'] == 'succeeded'
    lines = history[-1]['log'].split('\n')
    assert lines[-1].endswith('Clone finished: Success') and all(line.endswith('UTC', 0, 23) for line in lines)
    assert any('Creating replica of %s (web-01)' % WEB_01 in line and 'Success (replica %s)' % replica['id'] in line
               for line in lines)


def test_clone_defaults_timestamp_and_rds(ce):
    ce.config(boot_seconds=0.3, clone_seconds=0)
    stamps = ce.ok('getAvailableTimestamps')
    ce.ok('startReplication', {'machineId': APP_01})  # Replicating: not in the default set
    ce.ok('clone', {'originalLocation': US_EAST, 'Timestamp': stamps[0]})
    ce.wait_normal()
    replicas = dict((m['originalId'], m) for m in ce.machines(US_WEST).values() if m['originalId'])
    assert set(replicas) == {WEB_01, WEB_02, ORDERS_DB}
    assert all(m['CloudEndurePointInTime'] == stamps[0] for m in replicas.values())
    assert replicas[ORDERS_DB]['type'] == 'rds' and replicas[ORDERS_DB]['cloudState'] == 'Creating'
    assert replicas[WEB_02]['persistentPublicIps'] is None
    wait_for(lambda: ce.machines(US_WEST)[replicas[ORDERS_DB]['id']]['cloudState'] == 'Available')
    # a Replicating machine can be named; an integer Timestamp is accepted
    ce.ok('clone', {'originalLocation': US_EAST, 'machineIds': [APP_01, APP_01], 'Timestamp': int(stamps[-1])})
    ce.wait_normal()
    assert len([m for m in ce.machines(US_WEST).values() if m['originalId'] == APP_01]) == 1
    # a Google Secondary: RDS is skipped, machines are type "machine"
    ce.ok('setUserDetails', {'userDetails': main_details(
        mirrorLocation=GOOGLE, credentials=dict(AWS_CREDS, Google={'accountID': 'g', 'privateKeyJson': '{}'}))})
    ce.ok('clone', {'originalLocation': US_EAST, 'machineIds': [WEB_01, ORDERS_DB]})
    assert ce.wait_normal() is None  # clone_seconds 0: done within the call
    google = list(ce.machines(GOOGLE).values())
    assert [(m['originalId'], m['type']) for m in google] == [(WEB_01, 'machine')] and google[0]['id'].startswith('ce-')
    assert 'Skipped (RDS instances need an AWS Secondary Location)' in ce.account()['history'][-1]['log']


def test_clone_errors(ce):
    for params in ({'originalLocation': 'Mars'}, {'originalLocation': US_WEST}, {}, {'originalLocation': 7}):
        ce.err('clone', 'Unknown Original Location', params)
    stamps = ce.ok('getAvailableTimestamps')
    # a point a day after the newest (newer points appear as time goes on: one second later is not safe)
    for stamp in ('1', 'yesterday', str(int(stamps[-1]) + 86400), True, ['1'], '-5'):
        ce.err('clone', 'Bad timestamp', {'originalLocation': US_EAST, 'Timestamp': stamp})
    for ids in (['i-nope'], [APP_01], [OLD_REPLICA], [], WEB_01, [WEB_01, 5], {'a': WEB_01}):
        ce.err('clone', 'Bad Ids', {'originalLocation': US_EAST, 'machineIds': ids})
    ce.err('clone', 'Unexpected Error', {'originalLocation': US_EAST, 'shouldCleanup': 'yes'})
    assert ce.status() == {'status': 'normal'}
    # order: location before Not Ready, Not Ready before timestamp and ids
    ce.admin('POST', 'cloudendure/not-ready', {'seconds': 2})
    ce.err('clone', 'Unknown Original Location', {'originalLocation': US_WEST})
    ce.err('clone', 'Not Ready', {'originalLocation': US_EAST, 'Timestamp': '1', 'machineIds': ['i-nope']})


def test_clone_should_cleanup_deletes_every_cloudendure_resource(ce):
    ce.config(clone_seconds=0)
    ce.ok('clone', {'originalLocation': US_EAST, 'machineIds': [WEB_02]})
    ce.wait_normal()
    assert len([m for m in ce.machines(US_WEST).values() if m['originalId']]) == 2
    ce.ok('clone', {'originalLocation': US_EAST, 'machineIds': [ORDERS_DB], 'shouldCleanup': True})
    ce.wait_normal()
    secondary = ce.machines(US_WEST)
    assert sorted(m['originalId'] or m['name'] for m in secondary.values()) == ['bastion', ORDERS_DB]


def test_fail_next_clone_ends_without_replicas(ce):
    ce.config(clone_seconds=0)
    assert ce.admin('POST', 'cloudendure/fail-next-clone', {})['fail_next_clone'] is True
    ce.ok('clone', {'originalLocation': US_EAST, 'machineIds': [WEB_01, WEB_02]})
    ce.wait_normal()
    assert ce.status() == {'status': 'normal'}
    assert [m['id'] for m in ce.machines(US_WEST).values()] == [BASTION]
    history = ce.account()['history'][-1]
    assert history['result'] == 'failed' and 'Failure: ' in history['log'] and history['log'].endswith('Clone finished: Failure')
    assert ': Skipped' in history['log'] and not ce.account()['fail_next_clone']
    ce.ok('clone', {'originalLocation': US_EAST, 'machineIds': [WEB_01]})
    ce.wait_normal()
    assert len(ce.machines(US_WEST)) == 2


def test_cleanup(ce):
    ce.config(clone_seconds=0)
    ce.ok('clone', {'originalLocation': US_EAST})
    ce.wait_normal()
    assert len(ce.machines(US_WEST)) == 4
    ce.ok('cleanup', {'machineIds': [WEB_02]})
    status = ce.status()
    assert status['status'] == 'cleaningUp' and 'Cleanup started: replicas of 1 instance(s)' in status['log']
    ce.err('clone', 'Not Ready', {'originalLocation': US_EAST})
    ce.wait_normal()
    assert sorted(m['originalId'] or '-' for m in ce.machines(US_WEST).values()) == sorted(['-', ORDERS_DB, WEB_01])
    ce.config(cleanup_seconds=0, stop_seconds=0)
    # without machineIds: every Replicating or Replicated machine of the Primary
    ce.ok('cleanup')
    ce.wait_normal()
    assert list(ce.machines(US_WEST)) == [BASTION]
    ce.ok('cleanup')  # nothing to delete: still a (short) process
    ce.wait_normal()
    for ids in (['i-nope'], [APP_01], [], 'x'):
        ce.err('cleanup', 'Bad Ids', {'machineIds': ids})
    ce.err('cleanup', 'Unexpected Error', {'shouldCleanup': 1})
    # shouldCleanup: every CloudEndure resource, also of machines no longer replicating
    ce.ok('clone', {'originalLocation': US_EAST, 'machineIds': [WEB_01]})
    ce.wait_normal()
    ce.ok('stopReplication', {'machineId': WEB_01})
    wait_for(lambda: ce.machines()[WEB_01]['replicationState'] == 'Not Replicated')
    ce.err('cleanup', 'Bad Ids', {'machineIds': [WEB_01]})
    ce.ok('cleanup', {'shouldCleanup': True})
    ce.wait_normal()
    assert list(ce.machines(US_WEST)) == [BASTION]


def test_complete_failover_swaps_locations(ce):
    ce.config(clone_seconds=0)
    ce.ok('clone', {'originalLocation': US_EAST, 'machineIds': [WEB_01, WEB_02]})
    ce.wait_normal()
    replicas = dict((m['originalId'], m['id']) for m in ce.machines(US_WEST).values() if m['originalId'])
    ce.ok('stopReplication', {'machineId': WEB_02})
    ce.err('completeFailover', 'Unknown Original Location', {'originalLocation': US_WEST})
    ce.err('completeFailover', 'Unknown Original Location', {})
    ce.ok('completeFailover', {'originalLocation': US_EAST})
    assert ce.status()['status'] == 'failingOver'
    ce.err('completeFailover', 'Not Ready', {'originalLocation': US_EAST})
    last = ce.wait_normal()
    assert 'Failover started from %s to %s' % (US_EAST, US_WEST) in last['log']
    details = ce.ok('getUserDetails')
    assert details['originalLocation'] == US_WEST and details['mirrorLocation'] == US_EAST
    old_primary = ce.machines(US_EAST)
    assert all(m['replicationState'] == 'Not Replicated' for m in old_primary.values())
    new_primary = ce.machines(US_WEST)
    assert new_primary[replicas[WEB_01]]['replicationState'] in ('Replicating', 'Replicated')
    assert new_primary[replicas[WEB_02]]['replicationState'] == 'Not Replicated'  # its original had stopped
    assert new_primary[BASTION]['replicationState'] == 'Not Replicated'
    wait_for(lambda: ce.machines(US_WEST)[replicas[WEB_01]]['replicationState'] == 'Replicated')
    assert ce.account()['history'][-1]['log'].endswith('Failover completed: Success')
    # irreversible: the old primary is no longer accepted; the replica replicates and can be cloned back
    ce.err('completeFailover', 'Unknown Original Location', {'originalLocation': US_EAST})
    ce.err('startReplication', 'Bad Machine Id', {'machineId': WEB_01})
    ce.ok('clone', {'originalLocation': US_WEST, 'machineIds': [replicas[WEB_01]]})
    ce.wait_normal()
    assert [m['originalId'] for m in ce.machines(US_EAST).values() if m['originalId']] == [replicas[WEB_01]]


def test_complete_failover_without_clone(ce):
    ce.config(cleanup_seconds=0, failover_seconds=0)
    ce.ok('cleanup', {'shouldCleanup': True})
    ce.wait_normal()
    ce.ok('completeFailover', {'originalLocation': US_EAST})
    ce.wait_normal()
    assert ce.ok('getUserDetails')['originalLocation'] == US_WEST
    assert all(m['replicationState'] == 'Not Replicated' for m in ce.machines(US_EAST).values())
    assert '(0 replica(s) to replicate)' in ce.account()['history'][-1]['log']


def test_admin_not_ready(ce):
    result = ce.admin('POST', 'cloudendure/not-ready', {'seconds': 0.6, 'status': 'failingOver'})
    assert result['status'] == 'failingOver'
    status = ce.status()
    assert status['status'] == 'failingOver' and 'Simulated failingOver period started (admin)' in status['log']
    ce.err('clone', 'Not Ready', {'originalLocation': US_EAST})
    ce.err('cleanup', 'Not Ready', {'machineIds': ['i-nope']})
    ce.err('completeFailover', 'Not Ready', {'originalLocation': US_EAST})
    assert ce.machines()  # reads still work
    ce.wait_normal()
    ce.admin('POST', 'cloudendure/not-ready', {}, status=400)
    ce.admin('POST', 'cloudendure/not-ready', {'seconds': 1, 'username': 'nobody@example.com'}, status=404)


# -- replica configuration ------------------------------------------------------------------------


def test_future_replica_configuration_defaults(ce):
    web1 = ce.ok('getFutureReplicaConfiguration', {'machineId': WEB_01})
    assert list(web1) == ['ElasticIP', 'Volumes', 'InstanceType', 'InstanceSubnet', 'PrivateIPs']
    assert web1 == {
        'ElasticIP': {'value': 'Create New', 'editable': 'true'},
        'Volumes': {'value': {'/dev/xvda': {'replicate': True, 'ssd': 'Copy Origin', 'IOps': None},
                              '/dev/xvdb': {'replicate': True, 'ssd': 'Copy Origin', 'IOps': None}}, 'editable': 'true'},
        'InstanceType': {'value': 'Copy Origin', 'editable': 'true'},
        'InstanceSubnet': {'value': 'Copy Origin', 'editable': 'true'},
        'PrivateIPs': {'value': 'Copy Origin', 'editable': 'true'}}
    web2 = ce.ok('getFutureReplicaConfiguration', {'machineId': WEB_02})
    assert web2['ElasticIP']['value'] is None and web2['InstanceSubnet']['editable'] == 'false'
    rds = ce.ok('getFutureReplicaConfiguration', {'machineId': ORDERS_DB})
    assert rds['ElasticIP']['editable'] == rds['PrivateIPs']['editable'] == 'false' and list(rds['Volumes']['value']) == ['storage']
    for params in ({'machineId': APP_01}, {'machineId': 'i-nope'}, {'machineId': OLD_REPLICA}, {}):
        ce.err('getFutureReplicaConfiguration', 'Bad Id', params)
        ce.err('setFutureReplicaConfiguration', 'Bad Id', dict(params, newConfiguration=web1))
    # a non-AWS source: to AWS, then to Google, then to Azure
    ce.ok('setUserDetails', {'userDetails': main_details(originalLocation=ONPREM, mirrorLocation=US_EAST)})
    ce.ok('startReplication', {'machineId': FILESERVER})
    onprem = ce.ok('getFutureReplicaConfiguration', {'machineId': FILESERVER})
    assert [onprem[key]['value'] for key in ('ElasticIP', 'InstanceType', 'InstanceSubnet', 'PrivateIPs')] == \
        [None, 'm3-large', 'Create New', 'Create New']
    assert onprem['Volumes']['value']['c:'] == {'replicate': True, 'ssd': 'false', 'IOps': None}
    google = dict(AWS_CREDS, Google={'accountID': 'g', 'privateKeyJson': '{}'})
    ce.ok('setUserDetails', {'userDetails': main_details(originalLocation=ONPREM, mirrorLocation=GOOGLE, credentials=google)})
    onprem = ce.ok('getFutureReplicaConfiguration', {'machineId': FILESERVER})
    assert [onprem[key]['value'] for key in ('ElasticIP', 'InstanceType', 'InstanceSubnet', 'PrivateIPs')] == \
        [None, 'n1-standard-2', 'Create New', 'Create New']
    ce.ok('setUserDetails', {'userDetails': main_details(mirrorLocation=AZURE, credentials=dict(
        AWS_CREDS, Azure={'accountID': 'a', 'certificateFile': 'PEM'}))})
    web1 = ce.ok('getFutureReplicaConfiguration', {'machineId': WEB_01})
    assert [web1[key]['value'] for key in ('ElasticIP', 'InstanceType', 'InstanceSubnet', 'PrivateIPs')] == \
        [None, 'Standard_D2s_v3', 'Create New', 'Copy Origin']


def _config(ce, machine_id=WEB_01):
    return ce.ok('getFutureReplicaConfiguration', {'machineId': machine_id})


def test_set_future_replica_configuration_round_trip_and_clone(ce):
    config = _config(ce)
    ce.ok('setFutureReplicaConfiguration', {'machineId': WEB_01, 'newConfiguration': config})
    assert _config(ce) == config
    config['InstanceType']['value'] = 'm5.xlarge'
    config['PrivateIPs']['value'] = ['10.1.2.3']
    config['ElasticIP']['value'] = None
    config['Volumes']['value']['/dev/xvdb'] = {'replicate': True, 'ssd': 'true', 'IOps': 3000}
    config['InstanceSubnet']['value'] = 'subnet-0123456789abcdef0'
    ce.ok('setFutureReplicaConfiguration', {'machineId': WEB_01, 'newConfiguration': config})
    assert _config(ce) == config
    ce.ok('clone', {'originalLocation': US_EAST, 'machineIds': [WEB_01]})
    ce.wait_normal()
    replica = [m for m in ce.admin('GET', 'cloudendure/machines', {'location': US_WEST})['machines']
               if m['resource']['originalId'] == WEB_01][0]
    assert replica['instance_type'] == 'm5.xlarge' and replica['private_ip'] == '10.1.2.3'
    assert replica['subnet'] == 'subnet-0123456789abcdef0' and replica['resource']['persistentPublicIps'] is None
    # non-AWS source: "Generate New" is read as "Create New"
    ce.ok('setUserDetails', {'userDetails': main_details(originalLocation=ONPREM, mirrorLocation=US_EAST)})
    ce.ok('startReplication', {'machineId': FILESERVER})
    onprem = _config(ce, FILESERVER)
    onprem['PrivateIPs']['value'] = 'Generate New'
    ce.ok('setFutureReplicaConfiguration', {'machineId': FILESERVER, 'newConfiguration': onprem})
    assert _config(ce, FILESERVER)['PrivateIPs']['value'] == 'Create New'


def _mutated(config, path, value):
    config = json.loads(json.dumps(config))
    target = config
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return config


@pytest.mark.parametrize('path,value', [
    (('ElasticIP',), KeyError),
    (('Extra',), {'value': 1, 'editable': 'true'}),
    (('InstanceType',), 'm5.large'),
    (('InstanceType', 'editable'), True),
    (('InstanceType', 'other'), 1),
    (('InstanceType', 'value'), ''),
    (('InstanceType', 'value'), 5),
    (('InstanceSubnet', 'value'), None),
    (('ElasticIP', 'value'), 'Reuse'),
    (('PrivateIPs', 'value'), []),
    (('PrivateIPs', 'value'), ['10.0.0.300']),
    (('PrivateIPs', 'value'), '10.0.0.1'),
    (('Volumes', 'value', '/dev/xvdb'), KeyError),
    (('Volumes', 'value', '/dev/sdz'), {'replicate': True, 'ssd': 'true', 'IOps': None}),
    (('Volumes', 'value', '/dev/xvda', 'ssd'), True),
    (('Volumes', 'value', '/dev/xvda', 'IOps'), 0),
    (('Volumes', 'value', '/dev/xvda', 'IOps'), '100'),
    (('Volumes', 'value', '/dev/xvda', 'replicate'), 'false'),
    (('Volumes', 'value', '/dev/xvda', 'extra'), 1),
])
def test_set_future_replica_configuration_bad_format(ce, path, value):
    ce.err('setFutureReplicaConfiguration', 'Bad Configuration Format',
           {'machineId': WEB_01, 'newConfiguration': _mutated(_config(ce), path, value)})


def test_set_future_replica_configuration_editable_and_supported(ce):
    for config in (None, 'x', [1]):
        ce.err('setFutureReplicaConfiguration', 'Bad Configuration Format', {'machineId': WEB_01, 'newConfiguration': config})
    ce.err('setFutureReplicaConfiguration', 'Bad Configuration Format', {'machineId': WEB_01})
    web2 = _config(ce, WEB_02)
    ce.err('setFutureReplicaConfiguration', 'Field Not Editable',
           {'machineId': WEB_02, 'newConfiguration': _mutated(web2, ('InstanceSubnet', 'value'), 'subnet-1')})
    ce.err('setFutureReplicaConfiguration', 'Field Not Editable',
           {'machineId': WEB_02, 'newConfiguration': _mutated(web2, ('InstanceSubnet', 'editable'), 'true')})
    ce.err('setFutureReplicaConfiguration', 'Field Not Editable',
           {'machineId': WEB_02, 'newConfiguration': _mutated(web2, ('InstanceType', 'editable'), 'false')})
    rds = _config(ce, ORDERS_DB)
    ce.err('setFutureReplicaConfiguration', 'Field Not Editable',
           {'machineId': ORDERS_DB, 'newConfiguration': _mutated(rds, ('ElasticIP', 'value'), 'Create New')})
    web1 = _config(ce)
    for path, value in ((('PrivateIPs', 'value'), 'Create New'), (('PrivateIPs', 'value'), 'Generate New'),
                        (('PrivateIPs', 'value'), ['10.0.0.1', '10.0.0.2']),
                        (('Volumes', 'value', '/dev/xvda', 'replicate'), False)):
        ce.err('setFutureReplicaConfiguration', 'Not Supported',
               {'machineId': WEB_01, 'newConfiguration': _mutated(web1, path, value)})
    # Bad Configuration Format comes before Field Not Editable, which comes before Not Supported
    both = _mutated(_mutated(web2, ('InstanceSubnet', 'value'), 'subnet-1'), ('PrivateIPs', 'value'), 'Create New')
    ce.err('setFutureReplicaConfiguration', 'Field Not Editable', {'machineId': WEB_02, 'newConfiguration': both})
    ce.err('setFutureReplicaConfiguration', 'Bad Configuration Format',
           {'machineId': WEB_02, 'newConfiguration': _mutated(both, ('InstanceType', 'value'), '')})
    ce.ok('setUserDetails', {'userDetails': main_details(originalLocation=ONPREM, mirrorLocation=US_EAST)})
    ce.ok('startReplication', {'machineId': FILESERVER})
    onprem = _config(ce, FILESERVER)
    for path in (('InstanceType', 'value'), ('InstanceSubnet', 'value'), ('PrivateIPs', 'value'),
                 ('Volumes', 'value', 'c:', 'ssd')):
        ce.err('setFutureReplicaConfiguration', 'Not Supported',
               {'machineId': FILESERVER, 'newConfiguration': _mutated(onprem, path, 'Copy Origin')})
    assert _config(ce, FILESERVER) == onprem


# -- faults, seeding, admin, credentials ------------------------------------------------------------


def test_injected_faults_in_envelope(ce):
    def fault(kind, **extra):
        ce.admin('POST', 'faults', dict({'service': 'cloudendure', 'fault': kind, 'path': '^latest/getStatus$'}, **extra))
        return ce.post('getStatus')
    response = fault('500')
    assert response.status_code == 500 and response.json() == {'error': 'Unexpected Error', 'result': None}
    response = fault('busy')
    assert response.status_code == 200 and response.json() == {'error': 'Not Ready', 'result': None}
    response = fault('429', retry_after=2)
    assert response.status_code == 429 and response.headers['Retry-After'] == '2'
    assert response.json()['error'] == 'Unexpected Error'
    response = fault('503', retry_after=0.5)
    assert response.status_code == 503 and response.headers['Retry-After'] == '0.5'
    assert fault('502').status_code == 502
    ce.config(error_status='mapped')
    assert fault('busy').status_code == 409
    # a clone whose answer is lost still ran
    ce.config(clone_seconds=2)
    ce.admin('POST', 'faults', {'service': 'cloudendure', 'fault': '500', 'path': '^latest/clone$', 'after': True})
    assert ce.post('clone', {'originalLocation': US_EAST, 'machineIds': [WEB_01]}).status_code == 500
    assert ce.status()['status'] == 'cloning'
    requests_log = ce.admin('GET', 'requests', {'service': 'cloudendure'})['requests']
    assert requests_log[-1]['auth_user'] == MAIN and requests_log[-1]['path'].endswith('/latest/getStatus')


def test_seed_and_admin_machines(ce):
    started = time.time()
    result = ce.admin('POST', 'seed', {'service': 'cloudendure', 'machines': 500, 'replication_state': 'Replicated'})
    assert time.time() - started < 2 and len(result['machines']) == 500 and result['location'] == US_EAST
    listed = ce.ok('listMachines', {'location': US_EAST})
    assert len(listed) == 507 and listed[-1]['name'] == 'bulk-00500' and listed[-1]['replicationState'] == 'Replicated'
    more = ce.admin('POST', 'seed', {'service': 'cloudendure', 'machines': 2, 'location': ONPREM, 'prefix': 'op',
                                     'replication_state': 'Replicating'})
    assert [m['type'] for m in ce.ok('listMachines', {'location': ONPREM})] == ['machine'] * 3
    assert ce.machines(ONPREM)[more['machines'][0]]['replicationState'] == 'Replicating'
    ce.admin('POST', 'seed', {'service': 'cloudendure', 'machines': 1, 'location': 'Mars'}, status=400)
    ce.admin('POST', 'seed', {'service': 'cloudendure', 'machines': -1}, status=400)
    added = ce.admin('POST', 'cloudendure/add-machine',
                     {'name': 'extra', 'replicationState': 'Replicated', 'publicIps': ['1.2.3.4'], 'volumesGiB': [10, 20]})
    machine = ce.machines()[added['machine']['resource']['id']]
    assert machine['name'] == 'extra' and machine['totalStorageBytes'] == 30 * 1024 ** 3
    assert machine['persistentPublicIps'] == ['1.2.3.4']
    ce.admin('POST', 'cloudendure/add-machine', {'id': WEB_01}, status=400)
    ce.admin('POST', 'cloudendure/add-machine', {'type': 'vm'}, status=400)
    ce.admin('GET', 'cloudendure/nothing', status=404)
    accounts = ce.admin('GET', 'cloudendure/accounts')['accounts']
    assert [a['username'] for a in accounts] == [MAIN, FRESH, INACTIVE]
    assert accounts[1]['details'] is None and accounts[2]['activated'] is False


def test_knob_validation_and_credentials(ce):
    ce.admin('POST', 'config', {'service': 'cloudendure', 'error_status': '418'}, status=400)
    ce.admin('POST', 'config', {'service': 'cloudendure', 'double_encoded': True}, status=400)
    ce.admin('POST', 'config', {'service': 'cloudendure', 'machine_id_param': 'typo'}, status=400)
    config = ce.admin('GET', 'config', {'service': 'cloudendure'})['config']
    assert config['error_status'] == '200' and config['double_encoded'] == 'no' and config['lockout_seconds'] == 60.0
    info = ce.sim.ready_info()['services']['cloudendure']
    assert info['url'] == ce.base and info['https_url'] == ce.sim.https_url + '/cloudendure/latest/'
    assert info['vars'] == {'cloudendure_api_url': ce.base, 'cloudendure_https_url': info['https_url'],
                            'cloudendure_username': MAIN, 'cloudendure_password': MAIN_PW}
    assert info['secret_vars'] == ['cloudendure_password']
    response = requests.post(info['https_url'] + 'login', json={'username': MAIN, 'password': MAIN_PW},
                             verify=ce.sim.ca_path, timeout=10)
    assert response.json() == {'error': None, 'result': None} and 'session=' in response.headers['Set-Cookie']
    assert ce.admin('GET', 'requests', {'service': 'cloudendure'})['requests'][-1]['auth_user'] == MAIN
    detached = CloudEndureService().credentials()  # no simulator: no URLs, the same account
    assert detached['vars'] == {'cloudendure_username': MAIN, 'cloudendure_password': MAIN_PW} and 'url' not in detached
