# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parts of the Rackspace Cloud Backup client: values of the wire format, error bodies, auth options,
Identity answers and the cached Identity token (with a fake HTTP layer; no HTTP is mocked for modules)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils import oauth
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.oauth import TokenCache
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    IdentityToken, RaxBackupClient, as_bool, as_int, busy_detector, check_auth, check_region, date_epoch,
    endpoint_url, error_parser, identity_tokens_url, iso_date, iso_epoch, parse_identity_answer, size_bytes,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

TOKEN = '95b1788906f74d279d03001c6a14f3fe'
ANSWER = {'access': {
    'token': {'id': TOKEN, 'expires': '2030-01-02T03:04:05.678Z', 'tenant': {'id': '1234', 'name': '1234'}},
    'serviceCatalog': [
        {'name': 'cloudFiles', 'type': 'object-store', 'endpoints': [{'region': 'DFW', 'publicURL': 'https://files/'}]},
        {'name': 'cloudBackup', 'type': 'rax:backup', 'endpoints': [
            {'region': 'DFW', 'tenantId': '1234', 'publicURL': 'https://dfw.backup.api.rackspacecloud.com/v1.0/1234'},
            {'region': 'ord', 'tenantId': '1234', 'publicURL': 'https://ord.backup.api.rackspacecloud.com/v1.0/1234/'}]}],
    'user': {'id': '10', 'name': 'u', 'RAX-AUTH:defaultRegion': 'DFW'}}}


class Resp:
    def __init__(self, status, body=None, text=None, reason='Reason', method='GET', url='https://x/v1.0/1/agent/1'):
        self.status_code = status
        self.body = body
        self.text = text if text is not None else (json.dumps(body) if body is not None else '')
        self.reason = reason
        self.request = type('Req', (), {'method': method, 'url': url})()

    def json(self):
        if self.body is None:
            raise ValueError('no json')
        return self.body


@pytest.mark.parametrize('value, expected', [
    ('/Date(1357817400000)/', '2013-01-10T11:30:00Z'),
    ('\\/Date(1357817400000)\\/', None),
    ('/Date(1357817400000-0500)/', '2013-01-10T11:30:00Z'),
    ('/Date(-62135578800000)/', None),
    (None, None),
    ('', None),
    ('2014-11-24T22:05:39.115Z', '2014-11-24T22:05:39Z'),
])
def test_dates(value, expected):
    assert iso_date(value) == expected


def test_iso_epoch_with_offset():
    assert iso_epoch('2014-11-24T22:05:39+01:00') == iso_epoch('2014-11-24T21:05:39Z')
    assert iso_epoch('not a date') is None
    assert date_epoch('/Date(1000)/') == 1.0


@pytest.mark.parametrize('value, expected', [
    ('35.3 MB', int(round(35.3 * 1024 ** 2))), ('0 B', 0), ('3.7 GB', int(round(3.7 * 1024 ** 3))), (10245674584, 10245674584),
    ('18 MB', 18 * 1024 ** 2), ('lots', None), (None, None), (True, None),
])
def test_sizes(value, expected):
    assert size_bytes(value) == expected


def test_ints_and_bools_as_the_seed_writes_them():
    assert as_int(213564) == 213564 and as_int('213564') == 213564 and as_int(' 12 ') == 12
    assert as_int(True) is None and as_int('12a') is None and as_int('١٢') is None and as_int(2.0) == 2
    assert as_bool(True) is True and as_bool('true') is True and as_bool('False') is False
    assert as_bool('yes') is None and as_bool(1) is None


@pytest.mark.parametrize('response, code, message', [
    (Resp(404, {'itemNotFound': {'code': 404, 'message': 'Agent 1 was not found.'}}), 'itemNotFound',
     'Agent 1 was not found.'),
    (Resp(400, {'Message': 'The request is invalid.'}), None, 'The request is invalid.'),
    (Resp(400, {'Message': 'The request is invalid.', 'ExceptionMessage': 'bad id'}), None,
     'The request is invalid. (bad id)'),
    (Resp(400, None, text='plain words'), None, 'plain words'),
    (Resp(400, 'a json string'), None, 'a json string'),
    (Resp(400, None, text=''), None, 'There were one or more errors in the request.'),
    (Resp(500, None, text=''), None, 'Instance fault: a generic server error.'),
    (Resp(418, None, text='', reason='I am a teapot'), None, 'I am a teapot'),
    (Resp(502, None, text='<html><body><h1>502 Bad Gateway</h1></body></html>'), None, '502 Bad Gateway'),
])
def test_error_parser_reads_every_body(response, code, message):
    assert error_parser(response) == (code, message, None)


def test_busy_is_a_409_other_than_a_duplicate_configuration():
    assert busy_detector(Resp(409, method='GET'), None)
    assert not busy_detector(Resp(409, method='POST', url='https://x/v1.0/1/backup-configuration'), None)
    assert not busy_detector(Resp(400), None)


def test_check_auth_modes_and_messages():
    assert check_auth({'auth_token': 'abc', 'backup_url': 'https://x'}) == 'token'
    assert check_auth({'username': 'u', 'api_key': 'k'}) == 'identity'
    assert check_auth({'username': 'u', 'password': 'p'}) == 'identity'
    with pytest.raises(ValidationError) as err:
        check_auth({'auth_token': 'abc'})
    assert err.value.option == 'backup_url'
    with pytest.raises(ValidationError) as err:
        check_auth({'api_key': 'sekrit-key', '_backupdr_env': {'api_key': 'RAX_API_KEY'}})
    assert err.value.option == 'username'
    assert 'RAX_API_KEY' in str(err.value) and 'sekrit' not in str(err.value)
    with pytest.raises(ValidationError) as err:
        check_auth({'auth_token': 'sekrit-token', 'api_key': 'sekrit-key', 'backup_url': 'https://x'})
    assert 'mutually exclusive' in str(err.value) and 'sekrit' not in str(err.value)
    with pytest.raises(ValidationError) as err:
        check_auth({'api_key': 'k'})
    assert err.value.option == 'username'
    with pytest.raises(ValidationError) as err:
        check_auth({'username': 'u'})
    assert err.value.option == 'api_key'


def test_credentials_from_the_task_win_over_the_environment():
    env = {'api_key': 'RAX_API_KEY', 'password': 'RAX_PASSWORD', 'auth_token': 'RAX_AUTH_TOKEN',
           'backup_url': 'RAX_BACKUP_URL'}
    # everything from the environment (the simulator publishes them all): the API key wins
    params = {'username': 'u', 'api_key': 'k', 'password': 'p', 'auth_token': 't', 'backup_url': 'https://b/v1.0/1',
              '_backupdr_env': dict(env)}
    assert check_auth(params) == 'identity'
    assert (params['api_key'], params['password'], params['auth_token'], params['backup_url']) == ('k', None, None, None)
    # a password in the task beats an API key from the environment
    params = {'username': 'u', 'api_key': 'k', 'password': 'p', '_backupdr_env': {'api_key': 'RAX_API_KEY'}}
    assert check_auth(params) == 'identity' and params['api_key'] is None and params['password'] == 'p'
    # a token in the task beats secrets from the environment, and keeps its backup_url
    params = {'username': 'u', 'api_key': 'k', 'auth_token': 't', 'backup_url': 'https://b/v1.0/1',
              '_backupdr_env': {'api_key': 'RAX_API_KEY', 'backup_url': 'RAX_BACKUP_URL'}}
    assert check_auth(params) == 'token' and params['api_key'] is None and params['backup_url']
    # both in the task: refused
    with pytest.raises(ValidationError):
        check_auth({'username': 'u', 'api_key': 'k', 'password': 'p'})


def test_region_and_endpoints():
    assert check_region('dfw') == 'DFW' and check_region(None) is None
    with pytest.raises(ValidationError):
        check_region('D FW')
    assert endpoint_url('https://dfw.backup.api.rackspacecloud.com/v1.0/') == 'https://dfw.backup.api.rackspacecloud.com/v1.0'
    assert endpoint_url('https://h/v1.0', '1234') == 'https://h/v1.0/1234'
    assert endpoint_url('https://h/v1.0/1234', '1234') == 'https://h/v1.0/1234'
    assert endpoint_url('https://h/v1.0', 'a/b') == 'https://h/v1.0/a%2Fb'
    with pytest.raises(ValidationError):
        endpoint_url('https://h/v1.0?x=1')
    assert identity_tokens_url('https://i/v2.0/') == 'https://i/v2.0/tokens'
    assert identity_tokens_url('https://i/v2.0/tokens') == 'https://i/v2.0/tokens'


def test_identity_answer_gives_the_backup_endpoints_by_region():
    entry = parse_identity_answer(ANSWER, now=0)
    assert entry['token'] == TOKEN and entry['tenant_id'] == '1234' and entry['default_region'] == 'DFW'
    assert entry['endpoints'] == {'DFW': 'https://dfw.backup.api.rackspacecloud.com/v1.0/1234',
                                  'ORD': 'https://ord.backup.api.rackspacecloud.com/v1.0/1234'}
    assert entry['expires_at'] == iso_epoch('2030-01-02T03:04:05.678Z')
    assert 'apiKey' not in json.dumps(entry)
    by_name = {'access': dict(ANSWER['access'], serviceCatalog=[{'name': 'cloudBackup', 'endpoints': [
        {'region': 'LON', 'publicURL': 'https://lon/v1.0/1'}]}])}
    assert parse_identity_answer(by_name)['endpoints'] == {'LON': 'https://lon/v1.0/1'}
    for bad in ({}, {'access': {}}, {'access': {'token': {'id': 'a b'}}}):
        with pytest.raises(ValueError):
            parse_identity_answer(bad)


class FakeHttp:
    """Answers Identity's token requests: a new token each time, or a refusal."""
    service = 'test'

    def __init__(self, refuse=False):
        self.calls = []
        self.refuse = refuse

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        if self.refuse:
            raise ApiError('Username or api key is invalid.', status=401, code='unauthorized', method=method, path=url,
                           service='x')
        body = json.loads(json.dumps(ANSWER))
        body['access']['token']['id'] = 'tok%d' % len(self.calls)
        return Resp(200, body)


@pytest.fixture(autouse=True)
def clean_memory():
    oauth.forget_memory()
    yield
    oauth.forget_memory()


def test_identity_token_is_cached_without_the_secret(tmp_path):
    cache = TokenCache(str(tmp_path / 'tokens'))
    http = FakeHttp()
    auth = IdentityToken('https://identity/v2.0', 'User', 'the-api-key', cache=cache)
    assert auth.headers(http) == {'X-Auth-Token': 'tok1'}
    assert auth.current(http)['endpoints']['ORD'].startswith('https://ord.')
    oauth.forget_memory()
    other = IdentityToken('https://identity/v2.0', 'user', 'the-api-key', cache=cache)
    assert other.headers(http) == {'X-Auth-Token': 'tok1'}  # from the file cache, the user name without case
    assert len(http.calls) == 1
    body = http.calls[0][2]['json']
    assert body == {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': 'User', 'apiKey': 'the-api-key'}}}
    files = [name for name in os.listdir(str(tmp_path / 'tokens')) if name.endswith('.json')]
    assert len(files) == 1
    path = str(tmp_path / 'tokens' / files[0])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with open(path) as handle:
        text = handle.read()
    assert 'the-api-key' not in text and 'tok1' in text


def test_refresh_after_401_uses_the_token_this_thread_sent(tmp_path):
    http = FakeHttp()
    auth = IdentityToken('https://identity/v2.0', 'u', 'k', kind='password', tenant_id='1234',
                         cache=TokenCache(str(tmp_path)))
    assert auth.headers(http)['X-Auth-Token'] == 'tok1'
    # the HTTP layer passes the rejected Authorization header, which X-Auth-Token requests do not have
    assert auth.refresh(http, None)
    assert auth.headers(http)['X-Auth-Token'] == 'tok2'
    expected = {'passwordCredentials': {'username': 'u', 'password': 'k'}, 'tenantId': '1234'}
    assert http.calls[1][2]['json']['auth'] == expected


def test_a_refused_key_is_remembered_for_the_other_tasks(tmp_path):
    cache = TokenCache(str(tmp_path))
    http = FakeHttp(refuse=True)
    with pytest.raises(ApiError) as err:
        IdentityToken('https://identity/v2.0', 'u', 'wrong', cache=cache).headers(http)
    assert err.value.service == 'Rackspace Identity' and 'wrong' not in str(err.value)
    oauth.forget_memory()
    with pytest.raises(ApiError) as err:
        IdentityToken('https://identity/v2.0', 'u', 'wrong', cache=cache).headers(http)
    assert 'not tried again' in str(err.value)
    assert len(http.calls) == 1
    # another key is tried
    with pytest.raises(ApiError):
        IdentityToken('https://identity/v2.0', 'u', 'other', cache=cache).headers(http)
    assert len(http.calls) == 2


def test_client_chooses_the_region_from_the_catalog(tmp_path):
    params = dict(identity_url='https://identity/v2.0', username='u', api_key='k', token_cache=False,
                  api_timeout=30, api_retries=0, api_retry_max_delay=1.0)
    client = RaxBackupClient(dict(params, region='ord'))
    client.auth.entry = parse_identity_answer(ANSWER)
    assert client.choose_endpoint(client.auth.entry) == 'https://ord.backup.api.rackspacecloud.com/v1.0/1234'
    client = RaxBackupClient(params)
    assert client.choose_endpoint(parse_identity_answer(ANSWER)).startswith('https://dfw.')
    assert client.region == 'DFW'
    with pytest.raises(ValidationError) as err:
        RaxBackupClient(dict(params, region='SYD')).choose_endpoint(parse_identity_answer(ANSWER))
    assert 'DFW, ORD' in str(err.value)
    with pytest.raises(ValidationError):
        RaxBackupClient(dict(params, api_key=None, username=None, auth_token='bad token', backup_url='https://h/v1.0/1'))
    given = RaxBackupClient(dict(params, api_key=None, username=None, auth_token=TOKEN, backup_url='https://h/v1.0',
                                 tenant_id='1234'))
    assert given.endpoint == 'https://h/v1.0/1234'
    assert given.auth.headers(None) == {'X-Auth-Token': TOKEN}
