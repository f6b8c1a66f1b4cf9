# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the Rackspace Cloud Backup simulator (tests/simulator): Identity, transport, agents, configurations."""

import json
import os
import re
import sys
import time

import pytest
import requests

SIM_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'simulator'))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position,redefined-outer-name
from backupdr_simulator.core import Simulator  # noqa: E402
from backupdr_simulator.rax_backup import RaxBackupService  # noqa: E402

MAIN = {'username': 'sim-rax-user', 'apiKey': 'a3f1c9e27b5d48e0b6c4d2e8f0a1b3c5', 'password': 'Sim-Rax-Passw0rd-Lq8'}
OBSERVER = {'username': 'sim-rax-observer', 'apiKey': '6e2d8b4f1a9c47d3b5e0f2a4c6d8e1f3'}
OTHER = {'username': 'sim-rax-other', 'apiKey': 'd4b6f8a0c2e44f6a8b0d2f4e6a8c0e2b'}
USERS = {'main': MAIN, 'observer': OBSERVER, 'other': OTHER}
TENANT = '930035'
OTHER_TENANT = '930036'
WEB01, WEB02, DB01, APP01, LON01, OTHER01 = 213561, 213562, 213563, 213564, 213565, 213566
DAILY, MANUAL, WEEKLY, HOURLY = 170101, 170102, 170103, 170104
PASSPHRASE = 'sim-rax-vault-passphrase-7Kq2'
A1_KEYS = ['AgentVersion', 'Architecture', 'Flavor', 'BackupVaultSize', 'BackupContainer', 'CleanupAllowed', 'Datacenter',
           'IPAddress', 'IsDisabled', 'IsEncrypted', 'MachineAgentId', 'MachineName', 'OperatingSystem',
           'OperatingSystemVersion', 'PublicKey', 'Status', 'TimeOfLastSuccessfulBackup', 'UseServiceNet', 'HostServerId']
DATE_RE = re.compile(r'^/Date\(-?\d+\)/$')


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    """One simulator (HTTP + HTTPS) for the module."""
    simulator = Simulator([RaxBackupService()], port=0, tls_port=0, quiet=True,
                          state_dir=str(tmp_path_factory.mktemp('raxstate')))
    simulator.start()
    yield simulator
    simulator.stop()


class Rax:
    """Identity, Cloud Backup and admin helpers."""

    def __init__(self, simulator):
        self.sim = simulator
        self.root = simulator.http_url + '/rackspace'
        self.identity = self.root + '/identity/v2.0'
        self.session = requests.Session()
        self.tokens = {}

    def auth(self, user='main', password=False, url=None, **kwargs):
        """POST v2.0/tokens with a user's API key (or password)."""
        creds = USERS[user]
        if password:
            body = {'auth': {'passwordCredentials': {'username': creds['username'], 'password': creds['password']}}}
        else:
            body = {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': creds['username'], 'apiKey': creds['apiKey']}}}
        return self.session.post((url or self.identity) + '/tokens', json=body, timeout=10, **kwargs)

    def token(self, user='main'):
        """A cached token of a user."""
        if user not in self.tokens:
            response = self.auth(user)
            assert response.status_code == 200, response.text
            self.tokens[user] = response.json()['access']['token']['id']
        return self.tokens[user]

    def url(self, path, region='dfw', tenant=TENANT):
        """A Cloud Backup URL."""
        base = '%s/backup/%s/v1.0' % (self.root, region)
        if tenant:
            base += '/' + tenant
        return base + '/' + path

    def call(self, method, path, body=None, user='main', region='dfw', tenant=TENANT, data=None, headers=None, **kwargs):
        """A Cloud Backup request (JSON body unless data is given)."""
        sent = {'X-Auth-Token': self.token(user)} if user else {}
        sent.update(headers or {})
        return self.session.request(method, self.url(path, region, tenant), json=body, data=data, headers=sent,
                                    timeout=10, **kwargs)

    def get(self, path, **kwargs):
        """GET, asserting 200; the decoded JSON."""
        response = self.call('GET', path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def admin(self, method, name, payload=None, status=200):
        """The admin API."""
        response = requests.request(method, self.sim.http_url + '/_sim/' + name, json=payload, timeout=10)
        assert response.status_code == status, response.text
        return response.json()

    def config(self, **knobs):
        """Set rax_backup knobs."""
        return self.admin('POST', 'config', dict(knobs, service='rax_backup'))

    def encrypt(self, agent_id, passphrase):
        """EncryptedPasswordHex of a passphrase for an agent's key (admin helper)."""
        return self.admin('POST', 'rax_backup/encrypt-passphrase', {'MachineAgentId': agent_id,
                                                                    'passphrase': passphrase})['EncryptedPasswordHex']


@pytest.fixture
def rax(sim):
    """A client on a freshly reset simulator."""
    client = Rax(sim)
    client.admin('POST', 'reset', {})
    yield client
    client.session.close()


def fault(response, status, name='', message=None):
    """The Rackspace fault body (error_format rackspace)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert len(body) == 1
    key = next(iter(body))
    assert set(body[key]) == {'code', 'message'} and body[key]['code'] == status
    if name:
        assert key == name
    if message:
        assert message in body[key]['message']
    return body[key]['message']


def wait_for(predicate, timeout=5.0):
    """Poll until predicate() is truthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('condition not met within %.1fs' % timeout)


def config_body(agent_id, name='Nightly', frequency='Daily', **extra):
    """A valid C1 body."""
    body = {'MachineAgentId': agent_id, 'BackupConfigurationName': name, 'IsActive': True, 'VersionRetention': 30,
            'MissedBackupActionId': 1, 'Frequency': frequency, 'StartTimeHour': 11, 'StartTimeMinute': 30,
            'StartTimeAmPm': 'PM', 'DayOfWeekId': None, 'HourInterval': None, 'TimeZoneId': 'UTC',
            'NotifyRecipients': 'ops@example.com', 'NotifySuccess': False, 'NotifyFailure': True,
            'Inclusions': [{'FilePath': '/var/lib/app/', 'FileItemType': 'Folder'}],
            'Exclusions': [{'FilePath': '/var/lib/app/tmp/', 'FileItemType': 'Folder'}]}
    body.update(extra)
    return body


# -- Identity -----------------------------------------------------------------------------


def test_identity_api_key_and_password(rax):
    before = time.time()
    response = rax.auth()
    assert response.status_code == 200 and response.headers['Content-Type'] == 'application/json'
    access = response.json()['access']
    assert set(access) == {'token', 'serviceCatalog', 'user'}
    token = access['token']
    assert re.fullmatch(r'[0-9a-f]{32}', token['id'])
    assert token['tenant'] == {'id': TENANT, 'name': TENANT} and token['RAX-AUTH:authenticatedBy'] == ['APIKEY']
    expires = time.mktime(time.strptime(token['expires'][:19], '%Y-%m-%dT%H:%M:%S')) - time.timezone
    assert re.fullmatch(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z', token['expires'])
    assert before + 86400 - 2 <= expires <= time.time() + 86400 + 1
    assert access['user']['name'] == MAIN['username'] and access['user']['RAX-AUTH:defaultRegion'] == 'DFW'
    assert [role['name'] for role in access['user']['roles']] == ['identity:user-admin']
    catalog = dict((entry['type'], entry) for entry in access['serviceCatalog'])
    assert set(catalog) == {'rax:backup', 'object-store', 'compute'}
    backup = catalog['rax:backup']
    assert backup['name'] == 'cloudBackup'
    assert [e['region'] for e in backup['endpoints']] == ['DFW', 'ORD', 'IAD', 'LON', 'HKG', 'SYD']
    dfw = backup['endpoints'][0]
    assert dfw == {'region': 'DFW', 'tenantId': TENANT, 'publicURL': rax.root + '/backup/dfw/v1.0/' + TENANT}
    assert dfw['publicURL'].rsplit('/', 1)[1] == TENANT    # the account number after the last slash
    agents = requests.get(dfw['publicURL'] + '/user/agents', headers={'X-Auth-Token': token['id']}, timeout=10)
    assert agents.status_code == 200
    # the catalog's other services are listed but not served
    other = requests.get(catalog['compute']['endpoints'][0]['publicURL'], headers={'X-Auth-Token': token['id']}, timeout=10)
    fault(other, 404, 'itemNotFound')
    by_password = rax.auth(password=True)
    assert by_password.status_code == 200
    assert by_password.json()['access']['token']['RAX-AUTH:authenticatedBy'] == ['PASSWORD']
    assert by_password.json()['access']['token']['id'] != token['id']
    # usernames are case-insensitive; tenantId/tenantName may be given
    body = {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': 'SIM-RAX-USER', 'apiKey': MAIN['apiKey']},
                     'tenantId': TENANT}}
    assert rax.session.post(rax.identity + '/tokens', json=body, timeout=10).status_code == 200
    tokens = rax.admin('GET', 'rax_backup/tokens')
    assert tokens['issued'] == 3 and tokens['valid'] == 3 and token['id'] not in json.dumps(tokens)


def test_identity_errors(rax):
    url = rax.identity + '/tokens'
    post = rax.session.post
    fault(post(url, data='{nope', headers={'Content-Type': 'application/json'}, timeout=10), 400, 'badRequest',
          'Invalid json request body')
    fault(post(url, json={'auth': {}}, timeout=10), 400, 'badRequest')
    fault(post(url, json={'nothing': 1}, timeout=10), 400, 'badRequest')
    both = {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': 'a', 'apiKey': 'b'},
                     'passwordCredentials': {'username': 'a', 'password': 'b'}}}
    fault(post(url, json=both, timeout=10), 400, 'badRequest')
    wrong_key = {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': MAIN['username'], 'apiKey': 'x' * 32}}}
    fault(post(url, json=wrong_key, timeout=10), 401, 'unauthorized', 'Username or api key is invalid.')
    wrong_password = {'auth': {'passwordCredentials': {'username': MAIN['username'], 'password': MAIN['apiKey']}}}
    fault(post(url, json=wrong_password, timeout=10), 401, 'unauthorized',
          'Unable to authenticate user with credentials provided.')
    unknown = {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': 'nobody', 'apiKey': MAIN['apiKey']}}}
    fault(post(url, json=unknown, timeout=10), 401, 'unauthorized')
    other_tenant = {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': MAIN['username'], 'apiKey': MAIN['apiKey']},
                             'tenantName': OTHER_TENANT}}
    fault(post(url, json=other_tenant, timeout=10), 401, 'unauthorized')
    fault(post(url, data='a=b', headers={'Content-Type': 'application/x-www-form-urlencoded'}, timeout=10), 415,
          'badMediaType')
    got = rax.session.get(url, timeout=10)
    fault(got, 405, 'badMethod')
    assert got.headers['Allow'] == 'POST, DELETE'
    fault(rax.session.post(rax.identity + '/users', json={}, timeout=10), 404, 'itemNotFound')


def test_identity_https_catalog(rax):
    https_identity = rax.sim.https_url + '/rackspace/identity/v2.0'
    response = rax.auth(url=https_identity, verify=rax.sim.ca_path)
    assert response.status_code == 200
    endpoint = response.json()['access']['serviceCatalog'][0]['endpoints'][0]['publicURL']
    assert endpoint == rax.sim.https_url + '/rackspace/backup/dfw/v1.0/' + TENANT
    token = response.json()['access']['token']['id']
    listed = requests.get(endpoint + '/user/agents', headers={'X-Auth-Token': token}, verify=rax.sim.ca_path, timeout=10)
    assert listed.status_code == 200


def test_token_ttl_expiry_revoke_and_reuse(rax):
    rax.config(token_ttl=1)
    token = rax.auth().json()['access']['token']['id']
    ok = requests.get(rax.url('user/agents'), headers={'X-Auth-Token': token}, timeout=10)
    assert ok.status_code == 200
    time.sleep(1.05)
    expired = requests.get(rax.url('user/agents'), headers={'X-Auth-Token': token}, timeout=10)
    fault(expired, 401, 'unauthorized', 'Either it is expired or invalid.')
    rax.config(token_ttl=3600, reuse_tokens=True)
    first = rax.auth().json()['access']['token']['id']
    assert rax.auth().json()['access']['token']['id'] == first
    assert rax.auth(password=True).json()['access']['token']['id'] == first
    assert rax.admin('POST', 'rax_backup/expire-tokens', {'username': MAIN['username']})['expired'] == 1
    fault(requests.get(rax.url('user/agents'), headers={'X-Auth-Token': first}, timeout=10), 401)
    second = rax.auth().json()['access']['token']['id']
    assert second != first
    revoked = requests.delete(rax.identity + '/tokens', headers={'X-Auth-Token': second}, timeout=10)
    assert revoked.status_code == 204
    fault(requests.get(rax.url('user/agents'), headers={'X-Auth-Token': second}, timeout=10), 401)
    fault(requests.delete(rax.identity + '/tokens', headers={'X-Auth-Token': second}, timeout=10), 401)
    rax.admin('POST', 'rax_backup/expire-tokens', {'username': 'nobody'}, status=404)


# -- transport ----------------------------------------------------------------------------


def test_auth_tenant_routing(rax):
    missing = requests.get(rax.url('user/agents'), timeout=10)
    fault(missing, 401, 'unauthorized', 'The supplied token was not authorized')
    assert missing.headers['WWW-Authenticate'] == "Keystone uri='%s'" % rax.identity
    fault(requests.get(rax.url('user/agents'), headers={'X-Auth-Token': 'f' * 32}, timeout=10), 401)
    # another tenant's token on this tenant's path, and the other way round
    fault(rax.call('GET', 'user/agents', user='other'), 403, 'forbidden', 'Access to the requested resource was denied.')
    other_agents = rax.get('user/agents', user='other', tenant=OTHER_TENANT, region='ord')
    assert [agent['MachineName'] for agent in other_agents] == ['other-web-01']
    fault(rax.call('GET', 'user/agents', region='xyz'), 404, 'itemNotFound')
    fault(rax.call('GET', 'nothing/here'), 404, 'itemNotFound')
    fault(rax.call('GET', 'agent/abc'), 400, 'badRequest', 'machineAgentId must be an integer')
    wrong = rax.call('GET', 'agent/enable')
    fault(wrong, 405, 'badMethod')
    assert wrong.headers['Allow'] == 'POST'
    wrong = rax.call('DELETE', 'backup-configuration/%d' % DAILY)
    assert wrong.status_code == 200
    wrong = rax.call('PATCH', 'restore')
    fault(wrong, 405)
    assert wrong.headers['Allow'] == 'POST, PUT'
    # literal segments match in any case, trailing slash tolerated, region in any case; HEAD
    assert rax.call('GET', 'User/Agents/', region='DFW').status_code == 200
    head = rax.call('HEAD', 'agent/%d' % WEB01)
    assert head.status_code == 200 and head.content == b'' and int(head.headers['Content-Length']) > 100
    # bodies: not JSON -> 400, empty -> 400; the seed's "application/json;" is fine
    fault(rax.call('POST', 'agent/enable', data='{bad', headers={'Content-Type': 'application/json;'}), 400)
    fault(rax.call('POST', 'agent/enable', data=''), 400, 'badRequest', 'A request body is required.')
    enabled = rax.call('POST', 'agent/enable', data=json.dumps({'MachineAgentId': WEB01, 'Enable': 'true'}),
                       headers={'Content-Type': 'application/json;'})
    assert enabled.status_code == 204 and enabled.content == b''
    log = rax.admin('GET', 'requests?service=rax_backup')['requests']
    assert log[-1]['auth_user'] == MAIN['username'] and log[-1]['status'] == 204


def test_tenant_in_path_knob(rax):
    assert rax.call('GET', 'user/agents', tenant=None).status_code == 404
    rax.config(tenant_in_path='optional')
    assert rax.call('GET', 'user/agents', tenant=None).status_code == 200
    assert rax.call('GET', 'user/agents').status_code == 200
    rax.config(tenant_in_path='omitted')
    assert rax.call('GET', 'user/agents', tenant=None).status_code == 200
    fault(rax.call('GET', 'user/agents'), 404)
    catalog = rax.auth().json()['access']['serviceCatalog'][0]['endpoints'][0]
    assert catalog['publicURL'] == rax.root + '/backup/dfw/v1.0' and catalog['tenantId'] == TENANT


def test_region_scope(rax):
    names = [agent['MachineName'] for agent in rax.get('user/agents')]
    assert names == ['web-01', 'web-02']
    assert [agent['MachineName'] for agent in rax.get('user/agents', region='ord')] == ['db-01']
    assert rax.get('user/agents', region='syd') == []
    fault(rax.call('GET', 'agent/%d' % DB01), 404)
    assert [c['BackupConfigurationId'] for c in rax.get('backup-configuration')] == [DAILY, MANUAL, WEEKLY]
    rax.config(region_scope='global')
    assert [agent['MachineName'] for agent in rax.get('user/agents', region='syd')] == [
        'web-01', 'web-02', 'db-01', 'app-01', 'lon-01']
    assert rax.get('agent/%d' % DB01)['Datacenter'] == 'ORD'


def test_error_formats(rax):
    rax.config(error_format='dotnet')
    response = rax.call('GET', 'agent/1')
    assert response.status_code == 404 and list(response.json()) == ['Message']
    rax.config(error_format='plain')
    response = rax.call('GET', 'agent/1')
    assert response.status_code == 404 and response.headers['Content-Type'].startswith('text/plain')
    assert 'Agent 1 was not found' in response.text
    rax.config(error_format='empty')
    response = rax.call('GET', 'agent/1')
    assert response.status_code == 404 and response.content == b'' and response.headers['Content-Length'] == '0'
    rax.admin('POST', 'config', {'service': 'rax_backup', 'error_format': 'xml'}, status=400)


def test_injected_faults_are_rackspace_shaped(rax):
    rax.admin('POST', 'faults', {'service': 'rax_backup', 'path': '^backup/', 'fault': '503', 'retry_after': 2})
    response = rax.call('GET', 'user/agents')
    fault(response, 503, 'serviceUnavailable')
    assert response.headers['Retry-After'] == '2'
    rax.admin('POST', 'faults', {'service': 'rax_backup', 'path': '^identity/', 'fault': '500'})
    fault(rax.auth(), 500, 'identityFault')
    rax.admin('POST', 'faults', {'service': 'rax_backup', 'fault': '429', 'retry_after': 0.5})
    response = rax.call('GET', 'user/agents')
    fault(response, 429, 'overLimit')
    assert response.headers['Retry-After'] == '0.5'
    rax.admin('POST', 'faults', {'service': 'rax_backup', 'fault': '500'})
    fault(rax.call('GET', 'user/agents'), 500, 'instanceFault')
    rax.admin('POST', 'faults', {'service': 'rax_backup', 'fault': 'busy'})
    fault(rax.call('GET', 'user/agents'), 409, 'conflictingRequest')


def test_observer_is_read_only(rax):
    assert len(rax.get('user/agents', user='observer')) == 2
    assert rax.get('agent/%d' % WEB01, user='observer')['MachineAgentId'] == WEB01
    fault(rax.call('POST', 'agent/enable', {'MachineAgentId': WEB01, 'Enable': False}, user='observer'), 403, 'forbidden')
    fault(rax.call('POST', 'user/wakeupagents', user='observer'), 403)
    fault(rax.call('POST', 'backup/action-requested', {'Action': 'StartManual', 'Id': DAILY}, user='observer'), 403)
    assert rax.get('agent/%d' % WEB01)['IsDisabled'] is False


# -- agents -------------------------------------------------------------------------------


def test_agent_layouts_and_lookup(rax):
    agent = rax.get('agent/%d' % WEB01)
    assert list(agent) == A1_KEYS
    assert agent['Status'] == 'Online' and agent['MachineName'] == 'web-01' and agent['Datacenter'] == 'DFW'
    assert DATE_RE.match(agent['TimeOfLastSuccessfulBackup']) and agent['BackupVaultSize'].endswith(' GB')
    assert agent['PublicKey']['ExponentHex'] == 10001 and len(agent['PublicKey']['ModulusHex']) == 512
    assert agent['BackupContainer'].startswith('https://storage101.dfw1.clouddrive.com/v1/MossoCloudFS_')
    raw = rax.call('GET', 'agent/%d' % WEB01).text
    assert '"TimeOfLastSuccessfulBackup": "\\/Date(' in raw      # the seed's escaped form
    by_server = rax.get('agent/server/%s' % agent['HostServerId'].upper())
    assert by_server == agent
    fault(rax.call('GET', 'agent/server/87c3b6e1-fb1a-41f9-91e5-313ae35a5a06'), 404)
    fault(rax.call('GET', 'agent/%d' % OTHER01), 404)
    listed = rax.get('user/agents')
    assert [item['MachineAgentId'] for item in listed] == [WEB01, WEB02]
    assert list(listed[0]) == [key for key in A1_KEYS if key != 'HostServerId']
    assert all(item['Status'] == 'Offline' and item['TimeOfLastSuccessfulBackup'] is None for item in listed)
    rax.config(list_status='actual', exponent_hex='string')
    listed = rax.get('user/agents')
    assert [item['Status'] for item in listed] == ['Online', 'Offline']
    assert DATE_RE.match(listed[0]['TimeOfLastSuccessfulBackup']) and listed[0]['PublicKey']['ExponentHex'] == '10001'
    assert listed[1]['IsEncrypted'] is True


def test_wake_agents_and_idle(rax):
    rax.config(wake_seconds=0.3)
    assert rax.get('agent/%d' % WEB02)['Status'] == 'Offline'
    woken = rax.call('POST', 'user/wakeupagents')
    assert woken.status_code == 200 and woken.content == b'' and woken.headers['Content-Length'] == '0'
    assert rax.get('agent/%d' % WEB02)['Status'] == 'Offline'
    wait_for(lambda: rax.get('agent/%d' % WEB02)['Status'] == 'Online')
    assert rax.get('agent/%d' % APP01, region='iad')['Status'] == 'Offline'   # only this region's agents woke
    rax.config(idle_seconds=0.3)
    wait_for(lambda: rax.get('agent/%d' % WEB02)['Status'] == 'Offline')
    rax.admin('POST', 'rax_backup/agent-status', {'MachineAgentId': WEB02, 'status': 'online'})
    assert rax.admin('GET', 'rax_backup/agents/%d' % WEB02)['Status'] == 'Online'


def test_enable_disable_agent(rax):
    response = rax.call('POST', 'agent/enable', {'MachineAgentId': WEB01, 'Enable': False})
    assert response.status_code == 204 and response.content == b''
    assert rax.get('agent/%d' % WEB01)['IsDisabled'] is True
    fault(rax.call('POST', 'backup/action-requested', {'Action': 'StartManual', 'Id': DAILY}), 400, '', 'disabled')
    assert rax.call('POST', 'agent/enable', {'MachineAgentId': str(WEB01), 'Enable': 'True'}).status_code == 204
    assert rax.get('agent/%d' % WEB01)['IsDisabled'] is False
    fault(rax.call('POST', 'agent/enable', {'MachineAgentId': 999, 'Enable': True}), 403, 'forbidden')
    fault(rax.call('POST', 'agent/enable', {'MachineAgentId': DB01, 'Enable': True}), 403)    # another region
    fault(rax.call('POST', 'agent/enable', {'MachineAgentId': WEB01}), 400, 'badRequest', 'Enable')
    fault(rax.call('POST', 'agent/enable', {'MachineAgentId': WEB01, 'Enable': 'maybe'}), 400)


def test_encrypt_with_the_agent_public_key(rax):
    crypto = pytest.importorskip('cryptography.hazmat.primitives.asymmetric.rsa')
    padding = pytest.importorskip('cryptography.hazmat.primitives.asymmetric.padding')
    key = rax.get('agent/%d' % WEB01)['PublicKey']
    public = crypto.RSAPublicNumbers(int(str(key['ExponentHex']), 16), int(key['ModulusHex'], 16)).public_key()
    cipher = public.encrypt(b'correct horse battery staple', padding.PKCS1v15()).hex()
    wrapped = ' '.join(cipher[index:index + 60] for index in range(0, len(cipher), 60))   # as the seed wraps it
    response = rax.call('POST', 'agent/encrypt', {'MachineAgentId': WEB01, 'EncryptedPasswordHex': wrapped})
    assert response.status_code == 200 and response.headers['Content-Type'].startswith('text/plain')
    assert re.fullmatch(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', response.text)
    assert rax.get('agent/%d' % WEB01)['IsEncrypted'] is True
    new = public.encrypt(b'new passphrase', padding.PKCS1v15()).hex()
    changed = rax.call('POST', 'agent/changeencryption', {'MachineAgentId': WEB01, 'OldEncryptedPasswordHex': cipher,
                                                          'NewEncryptedPasswordHex': new})
    assert changed.status_code == 200 and len(changed.text) == 36


def test_encrypt_errors_and_knobs(rax):
    good = rax.encrypt(WEB01, 'first passphrase')
    fault(rax.call('POST', 'agent/encrypt', {'MachineAgentId': WEB01, 'EncryptedPasswordHex': 'fgh'}), 400)
    fault(rax.call('POST', 'agent/encrypt', {'MachineAgentId': WEB01, 'EncryptedPasswordHex': 'ab' * 256}), 400)
    fault(rax.call('POST', 'agent/encrypt', {'MachineAgentId': WEB01}), 400, '', 'EncryptedPasswordHex')
    fault(rax.call('POST', 'agent/encrypt', {'MachineAgentId': 4, 'EncryptedPasswordHex': good}), 403)
    fault(rax.call('POST', 'agent/changeencryption', {'MachineAgentId': WEB01, 'OldEncryptedPasswordHex': good,
                                                      'NewEncryptedPasswordHex': good}), 400, '', 'not enabled')
    rax.config(scalar_bodies='json')
    response = rax.call('POST', 'agent/encrypt', {'MachineAgentId': WEB01, 'EncryptedPasswordHex': good})
    assert response.status_code == 200 and response.headers['Content-Type'].startswith('application/json')
    assert isinstance(response.json(), str) and len(response.json()) == 36
    # already encrypted: ignored (default) or refused
    again = rax.call('POST', 'agent/encrypt', {'MachineAgentId': WEB01, 'EncryptedPasswordHex': rax.encrypt(WEB01, 'x')})
    assert again.status_code == 200
    rax.config(encrypt_again='reject')
    fault(rax.call('POST', 'agent/encrypt', {'MachineAgentId': WEB01, 'EncryptedPasswordHex': good}), 400)
    wrong_old = rax.encrypt(WEB01, 'not it')
    fault(rax.call('POST', 'agent/changeencryption', {'MachineAgentId': WEB01, 'OldEncryptedPasswordHex': wrong_old,
                                                      'NewEncryptedPasswordHex': good}), 400, '', 'incorrect')
    ok = rax.call('POST', 'agent/changeencryption', {'MachineAgentId': WEB01, 'OldEncryptedPasswordHex': good,
                                                     'NewEncryptedPasswordHex': rax.encrypt(WEB01, 'second')})
    assert ok.status_code == 200
    assert rax.admin('GET', 'rax_backup/agents/%d' % WEB01)['passphrase_set'] is True


def test_update_agent_backup_behaviour(rax):
    response = rax.call('POST', 'agent/%d' % WEB01, {'BackupDataCenter': 'ORD', 'UseServiceNet': False})
    assert response.status_code == 200
    body = response.json()
    assert list(body) == ['AgentVersion', 'Architecture', 'Flavor', 'BackupVaultSize', 'CleanupAllowed', 'Datacenter',
                          'BackupDataCenter', 'IPAddress', 'IsDisabled', 'IsEncrypted', 'MachineAgentId', 'MachineName',
                          'OperatingSystem', 'OperatingSystemVersion', 'PublicKey', 'Status',
                          'TimeOfLastSuccessfulBackup', 'UseServiceNet', 'UseFailoverUri']
    assert body['BackupDataCenter'] == 'ORD' and body['Datacenter'] == 'DFW' and body['UseServiceNet'] is False
    detail = rax.get('agent/%d' % WEB01)
    assert 'BackupDataCenter' not in detail and '//storage101.ord1.' in detail['BackupContainer']
    rax.config(agent_backup_datacenter='always')
    assert rax.get('agent/%d' % WEB01)['BackupDataCenter'] == 'ORD'
    fault(rax.call('POST', 'agent/%d' % WEB01, {'BackupDataCenter': 'DFW'}), 400, '', 'UseServiceNet')
    fault(rax.call('POST', 'agent/%d' % WEB01, {'BackupDataCenter': 'SYD', 'UseServiceNet': True}), 400, '', 'no servers')
    fault(rax.call('POST', 'agent/%d' % WEB01, {'BackupDataCenter': 'XYZ', 'UseServiceNet': True}), 400)
    fault(rax.call('POST', 'agent/777', {'UseServiceNet': True}), 403)
    assert rax.call('POST', 'agent/%d' % WEB01, {'UseServiceNet': 'true'}).json()['UseServiceNet'] is True


def test_log_level(rax):
    form = rax.call('PUT', 'agent/logging', data='MachineAgentId=%d&LoggingLevelId=6' % WEB01,
                    headers={'Content-Type': 'application/x-www-form-urlencoded'})
    assert form.status_code == 200 and form.content == b''
    assert rax.admin('GET', 'rax_backup/agents/%d' % WEB01)['LoggingLevelId'] == 6
    assert rax.call('PUT', 'agent/logging', {'MachineAgentId': WEB01, 'LoggingLevelId': '1'}).status_code == 200
    assert rax.admin('GET', 'rax_backup/agents/%d' % WEB01)['LoggingLevelId'] == 1
    fault(rax.call('PUT', 'agent/logging', {'MachineAgentId': WEB01, 'LoggingLevelId': 7}), 400)
    fault(rax.call('PUT', 'agent/logging', {'MachineAgentId': 12, 'LoggingLevelId': 2}), 403)
    assert 'LoggingLevelId' not in rax.get('agent/%d' % WEB01)


def test_delete_agent(rax):
    host = rax.get('agent/%d' % WEB01)['HostServerId']
    response = rax.call('POST', 'agent/delete', {'MachineAgentId': WEB01})
    assert response.status_code == 204 and response.content == b''
    fault(rax.call('GET', 'agent/%d' % WEB01), 404)
    fault(rax.call('GET', 'agent/server/' + host), 404)
    fault(rax.call('GET', 'backup-configuration/%d' % DAILY), 404)
    assert [agent['MachineAgentId'] for agent in rax.get('user/agents')] == [WEB02]
    assert all(row['SourceMachineAgentId'] != WEB01 for row in rax.get('activity'))
    fault(rax.call('POST', 'agent/delete', {'MachineAgentId': WEB01}), 403)
    rax.config(agent_delete_status='200')
    response = rax.call('POST', 'agent/delete', {'MachineAgentId': WEB02})
    assert response.status_code == 200 and response.json() == {'MachineAgentId': WEB02}


def test_delete_agent_lets_running_backup_finish(rax):
    rax.config(backup_seconds=0.5)
    backup_id = int(rax.call('POST', 'backup/action-requested', {'Action': 'StartManual', 'Id': DAILY}).text)
    assert rax.call('POST', 'agent/delete', {'MachineAgentId': WEB01}).status_code == 204
    fault(rax.call('GET', 'agent/%d' % WEB01), 404)
    assert rax.get('backup/%d' % backup_id)['CurrentState'] in ('StartRequested', 'Queued', 'Preparing', 'InProgress')
    time.sleep(0.55)
    fault(rax.call('GET', 'backup/%d' % backup_id), 404)
    assert rax.admin('GET', 'rax_backup/agents/%d' % WEB01, status=404)


def test_migrate_vault(rax):
    new = rax.admin('POST', 'rax_backup/agents', {'name': 'web-01-rebuilt', 'datacenter': 'DFW'})['MachineAgentId']
    body = {'SourceMachineAgentId': WEB01, 'DestinationMachineAgentID': new}   # the table's spelling
    fault(rax.call('PUT', 'agent/migratevault', {'SourceMachineAgentId': WEB01, 'DestinationMachineAgentId': WEB02}),
          403, '', 'encrypted')
    fault(rax.call('PUT', 'agent/migratevault', {'SourceMachineAgentId': WEB01, 'DestinationMachineAgentId': WEB01}), 403)
    fault(rax.call('PUT', 'agent/migratevault', {'SourceMachineAgentId': WEB01, 'DestinationMachineAgentId': DB01}), 403)
    vault = rax.get('agent/%d' % WEB01)['BackupVaultSize']
    response = rax.call('PUT', 'agent/migratevault', body)
    assert response.status_code == 200 and response.content == b''
    assert rax.get('agent/%d' % new)['BackupVaultSize'] == vault and rax.get('agent/%d' % WEB01)['BackupVaultSize'] == '0 B'
    assert [c['BackupConfigurationId'] for c in rax.get('backup-configuration/system/%d' % new)] == [DAILY, MANUAL]
    assert rax.get('backup-configuration/system/%d' % WEB01) == []
    assert all(item['MachineAgentId'] == new for item in rax.get('backup/completed/%d' % DAILY))
    fault(rax.call('PUT', 'agent/migratevault', {'SourceMachineAgentId': WEB01, 'DestinationMachineAgentId': new}),
          403, '', 'already has backup configurations')


# -- backup configurations -------------------------------------------------------------------


def test_config_create_read_list(rax):
    response = rax.call('POST', 'backup-configuration', config_body(LON01, 'Nightly', 'Weekly', DayOfWeekId=5),
                        region='lon')
    assert response.status_code == 200
    created = response.json()
    assert list(created) == sorted(created)     # C1's example lists the keys alphabetically
    assert created['Datacenter'] == 'LON' and created['MachineName'] == 'lon-01' and created['IsDeleted'] is False
    assert set(created['EncryptionKey']) == {'ExponentHex', 'ModulusHex'}
    assert created['Inclusions'][0] == {'FileId': created['Inclusions'][0]['FileId'], 'FileItemType': 'Folder',
                                        'FilePath': '/var/lib/app/', 'FilePathEncoded': None, 'Filter': 'Include',
                                        'ParentId': created['BackupConfigurationId']}
    assert created['Exclusions'][0]['Filter'] == 'Exclude'
    assert created['LastRunTime'] is None and created['LastRunBackupReportId'] is None
    config_id = created['BackupConfigurationId']
    detail = rax.get('backup-configuration/%d' % config_id, region='lon')
    assert list(detail) == ['BackupConfigurationId', 'MachineAgentId', 'MachineName', 'Flavor', 'IsEncrypted',
                            'BackupConfigurationName', 'IsActive', 'IsDeleted', 'VersionRetention',
                            'BackupConfigurationScheduleId', 'MissedBackupActionId', 'Frequency', 'StartTimeHour',
                            'StartTimeMinute', 'StartTimeAmPm', 'DayOfWeekId', 'HourInterval', 'TimeZoneId',
                            'NextScheduledRunTime', 'LastRunTime', 'LastRunBackupReportId', 'NotifyRecipients',
                            'NotifySuccess', 'NotifyFailure', 'Inclusions', 'Exclusions']
    assert detail['BackupConfigurationScheduleId'] == created['BackupConfigurationScheduleId']
    assert list(detail['Inclusions'][0]) == ['FilePath', 'ParentId', 'FileItemType', 'FileId']
    assert detail['NextScheduledRunTime'] == created['NextScheduledRunTime']
    listed = rax.get('backup-configuration', region='lon')
    assert [item['BackupConfigurationId'] for item in listed] == [config_id]
    assert listed[0]['BackupState'] == 'Not Available'
    assert [item['BackupConfigurationId'] for item in rax.get('backup-configuration/system/%d' % LON01, region='lon')] == [
        config_id]
    fault(rax.call('GET', 'backup-configuration/system/%d' % LON01), 404)      # not in DFW
    fault(rax.call('POST', 'backup-configuration', config_body(99)), 404)


def test_config_validation(rax):
    def create(**extra):
        return rax.call('POST', 'backup-configuration', config_body(WEB01, 'v', **extra))

    fault(create(VersionRetention=15), 400, 'badRequest', 'VersionRetention')
    fault(create(Frequency='Monthly'), 400, '', 'Frequency')
    fault(create(StartTimeAmPm='AM|PM'), 400, '', 'StartTimeAmPm')       # the seed's placeholder (L776)
    fault(create(StartTimeHour=13), 400, '', 'StartTimeHour')
    fault(create(StartTimeMinute=None), 400, '', 'StartTimeMinute is required when Frequency is Daily')
    fault(create(Frequency='Weekly'), 400, '', 'DayOfWeekId')
    fault(create(Frequency='Hourly'), 400, '', 'HourInterval')
    fault(create(IsActive=None), 400, '', 'IsActive')
    fault(create(TimeZoneId=''), 400, '', 'TimeZoneId')
    fault(create(Inclusions=[{'FilePath': '/x', 'FileItemType': 'Disk'}]), 400, '', 'FileItemType')
    fault(create(Inclusions='/x'), 400)
    fault(create(MissedBackupActionId=3), 400)
    body = config_body(WEB01, 'manual')
    del body['MissedBackupActionId']
    body.update(Frequency='manually', Inclusions=[{'FilePath': '/x', 'FileItemType': 'file'}])
    created = rax.call('POST', 'backup-configuration', body).json()
    assert created['Frequency'] == 'Manually' and created['StartTimeHour'] is None and created['StartTimeAmPm'] == ''
    assert created['MissedBackupActionId'] == 1 and created['Inclusions'][0]['FileItemType'] == 'File'
    assert created['NextScheduledRunTime'] is None
    strings = rax.call('POST', 'backup-configuration', config_body(
        str(WEB01), 'strings', IsActive='true', VersionRetention='60', StartTimeHour='7', StartTimeMinute='05'))
    assert strings.status_code == 200 and strings.json()['StartTimeHour'] == 7
    rax.config(strict_schedule=True)
    fault(rax.call('POST', 'backup-configuration', config_body(WEB01, 'strict', 'Hourly', HourInterval=4)), 400, '',
          'must be null')
    assert rax.call('POST', 'backup-configuration', config_body(
        WEB01, 'strict', 'Hourly', HourInterval=4, StartTimeHour=None, StartTimeMinute=None, StartTimeAmPm='')).status_code == 200


def test_config_names_unique_per_agent(rax):
    fault(rax.call('POST', 'backup-configuration', config_body(WEB01, 'daily WEB backup')), 409, 'conflictingRequest')
    other = rax.call('POST', 'backup-configuration', config_body(WEB02, 'Daily web backup'))
    assert other.status_code == 200
    rax.config(unique_config_names=False)
    assert rax.call('POST', 'backup-configuration', config_body(WEB01, 'Daily web backup')).status_code == 200
    rax.config(unique_config_names=True)
    assert rax.call('DELETE', 'backup-configuration/%d' % MANUAL).status_code == 200
    assert rax.call('POST', 'backup-configuration', config_body(WEB01, 'Manual config backup')).status_code == 200


def test_config_update(rax):
    current = rax.get('backup-configuration/%d' % DAILY)
    body = config_body(WEB01, 'Daily web backup v2', BackupConfigurationScheduleId=current['BackupConfigurationScheduleId'],
                       Inclusions=[{'FilePath': '/var/www/', 'FileItemType': 'Folder'},
                                   {'FilePath': '/srv/', 'FileItemType': 'Folder'}])
    del body['Exclusions']
    response = rax.call('PUT', 'backup-configuration/%d' % DAILY, body)
    assert response.status_code == 200 and response.content == b'' and response.headers['Content-Length'] == '0'
    updated = rax.get('backup-configuration/%d' % DAILY)
    assert updated['BackupConfigurationName'] == 'Daily web backup v2' and updated['StartTimeHour'] == 11
    assert updated['Inclusions'][0]['FileId'] == current['Inclusions'][0]['FileId']     # kept
    assert [item['FilePath'] for item in updated['Inclusions']] == ['/var/www/', '/srv/']
    assert updated['Exclusions'] == current['Exclusions']                                 # omitted -> kept
    assert updated['BackupConfigurationScheduleId'] == current['BackupConfigurationScheduleId']
    rax.config(update_omitted_lists='clear', new_schedule_id_on_update=True)
    assert rax.call('PUT', 'backup-configuration/%d' % DAILY, body).status_code == 200
    cleared = rax.get('backup-configuration/%d' % DAILY)
    assert cleared['Exclusions'] == [] and cleared['BackupConfigurationScheduleId'] != current['BackupConfigurationScheduleId']
    fault(rax.call('PUT', 'backup-configuration/%d' % DAILY, body), 400, '', 'BackupConfigurationScheduleId')
    body['BackupConfigurationScheduleId'] = cleared['BackupConfigurationScheduleId']
    fault(rax.call('PUT', 'backup-configuration/%d' % DAILY, dict(body, MachineAgentId=WEB02)), 400, '', 'MachineAgentId')
    fault(rax.call('PUT', 'backup-configuration/%d' % DAILY, dict(body, BackupConfigurationName='Manual config backup')),
          400, '', 'already exists')
    fault(rax.call('PUT', 'backup-configuration/1', body), 404)


def test_config_enable_and_delete(rax):
    response = rax.call('POST', 'backup-configuration/enable/%d' % DAILY, {'Enable': False})
    assert response.status_code == 200
    assert response.json()['IsActive'] is False and response.json()['NextScheduledRunTime'] is None
    fault(rax.call('POST', 'backup/action-requested', {'Action': 'StartManual', 'Id': DAILY}), 400, '', 'disabled')
    assert rax.call('POST', 'backup-configuration/enable/%d' % DAILY, {'Enable': True}).json()['IsActive'] is True
    fault(rax.call('POST', 'backup-configuration/enable/%d' % DAILY, {}), 400)
    deleted = rax.call('DELETE', 'backup-configuration/%d' % DAILY)
    assert deleted.status_code == 200 and deleted.content == b''
    fault(rax.call('GET', 'backup-configuration/%d' % DAILY), 404)
    fault(rax.call('DELETE', 'backup-configuration/%d' % DAILY), 404)
    assert [item['BackupConfigurationId'] for item in rax.get('backup-configuration')] == [MANUAL, WEEKLY]
    assert DAILY not in [item['BackupConfigurationId'] for item in rax.get('backup/availableforrestore')]
    rows = [row for row in rax.get('activity') if row['Type'] == 'Backup' and row['ParentId'] == DAILY]
    assert rows and all(row['IsBackupConfigurationDeleted'] for row in rows)
    rax.config(deleted_configs='visible')
    shown = rax.get('backup-configuration/%d' % DAILY)
    assert shown['IsDeleted'] is True
    assert DAILY in [item['BackupConfigurationId'] for item in rax.get('backup-configuration/system/%d' % WEB01)]
    fault(rax.call('POST', 'backup-configuration/enable/%d' % DAILY, {'Enable': True}), 404)


def test_next_scheduled_run(rax):
    weekly = rax.get('backup-configuration/%d' % WEEKLY)      # Friday 7:30 PM Eastern Standard Time
    when = int(weekly['NextScheduledRunTime'][6:-2]) / 1000.0
    assert time.time() < when <= time.time() + 7 * 86400
    assert time.gmtime(when)[6] == 5 and time.gmtime(when)[3:5] == (0, 30)   # Saturday 00:30 UTC
    daily = rax.get('backup-configuration/%d' % DAILY)         # 2:30 AM Eastern
    when = int(daily['NextScheduledRunTime'][6:-2]) / 1000.0
    assert time.time() < when <= time.time() + 86400 and time.gmtime(when)[3:5] == (7, 30)
    hourly = rax.get('backup-configuration/%d' % HOURLY, region='ord')
    when = int(hourly['NextScheduledRunTime'][6:-2]) / 1000.0
    assert time.time() < when <= time.time() + 4 * 3600 + 1
    assert rax.get('backup-configuration/%d' % MANUAL)['NextScheduledRunTime'] is None
    rax.config(manual_next_run='minvalue')
    assert rax.get('backup-configuration/%d' % MANUAL)['NextScheduledRunTime'] == '/Date(-62135578800000)/'


def test_admin_add_agent_and_validation(rax):
    added = rax.admin('POST', 'rax_backup/agents', {'name': 'new-box', 'datacenter': 'syd', 'online': False,
                                                    'os': 'Windows Server 2022', 'host_server_id': 'abc-123'})
    agent = rax.get('agent/server/ABC-123', region='syd')
    assert agent['MachineAgentId'] == added['MachineAgentId'] and agent['Status'] == 'Offline'
    assert agent['OperatingSystem'] == 'Windows Server 2022'
    rax.admin('POST', 'rax_backup/agents', {'name': ''}, status=400)
    rax.admin('POST', 'rax_backup/agents', {'name': 'x', 'datacenter': 'XXX'}, status=400)
    rax.admin('POST', 'rax_backup/agents', {'name': 'x', 'host_server_id': 'abc-123'}, status=400)
    rax.admin('GET', 'rax_backup/nothing', status=404)
    users = rax.admin('GET', 'rax_backup/users')['users']
    assert [user['username'] for user in users] == ['sim-rax-user', 'sim-rax-observer', 'sim-rax-other']


def test_credentials_published(sim):
    info = sim.ready_info()['services']['rax_backup']
    variables = info['vars']
    assert info['url'] == sim.http_url + '/rackspace/identity/v2.0'
    assert info['https_url'] == sim.https_url + '/rackspace/identity/v2.0'
    assert variables['rax_identity_url'] == info['url'] and variables['rax_identity_https_url'] == info['https_url']
    assert variables['rax_backup_url'] == sim.http_url + '/rackspace/backup/dfw/v1.0/' + TENANT
    assert variables['rax_backup_https_url'] == sim.https_url + '/rackspace/backup/dfw/v1.0/' + TENANT
    assert variables['rax_username'] == MAIN['username'] and variables['rax_api_key'] == MAIN['apiKey']
    assert variables['rax_password'] == MAIN['password'] and variables['rax_tenant_id'] == TENANT
    assert variables['rax_region'] == 'DFW' and variables['rax_backup_passphrase'] == PASSPHRASE
    assert variables['rax_other_username'] == OTHER['username'] and variables['rax_other_tenant_id'] == OTHER_TENANT
    assert set(info['secret_vars']) == {'rax_api_key', 'rax_password', 'rax_backup_passphrase', 'rax_other_api_key',
                                        'rax_other_password', 'rax_observer_api_key', 'rax_observer_password'}
    assert all(name in variables for name in info['secret_vars'])
