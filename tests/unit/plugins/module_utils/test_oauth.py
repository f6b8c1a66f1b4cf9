# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The token provider and its private file cache (pure parts; no HTTP)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils import oauth
from ansible_collections.backupdr.cloud.plugins.module_utils.oauth import (
    ClientCredentials, TokenCache, parse_token_response, renew_margin, usable,
)


class FakeResponse:
    status_code = 200

    def __init__(self, body):
        self.body = body

    def json(self):
        return self.body


class FakeHttp:
    """Records token requests; answers with a fresh token each time."""
    service = 'test'

    def __init__(self, ttl=3600):
        self.calls = []
        self.ttl = ttl

    def request(self, method, url, **kwargs):
        self.calls.append((method, url, kwargs))
        return FakeResponse({'access_token': 'tok%d' % len(self.calls), 'token_type': 'bearer',
                             'expires_in': self.ttl})


@pytest.fixture(autouse=True)
def clean_memory():
    oauth.forget_memory()
    yield
    oauth.forget_memory()


def test_parse_token_response_expires_in_and_on():
    entry = parse_token_response({'access_token': 'abc', 'token_type': 'bearer', 'expires_in': 100}, now=1000)
    assert entry['expires_at'] == 1100 and entry['lifetime'] == 100
    entry = parse_token_response({'access_token': 'abc', 'expires_on': 5000}, now=1000)
    assert entry['expires_at'] == 5000


@pytest.mark.parametrize('body', [
    None, {}, {'access_token': ''}, {'access_token': 'a b'}, {'access_token': 'abc', 'token_type': 'mac'},
    {'access_token': 'abc\r\nX-Injected: 1'},
])
def test_parse_token_response_rejects_bad_answers(body):
    with pytest.raises(ValueError):
        parse_token_response(body)


def test_renew_margin_and_usable():
    assert renew_margin(7200) == 60
    assert renew_margin(100) == 10
    assert usable({'access_token': 'x', 'expires_at': 1000 + 61, 'lifetime': 7200}, now=1000)
    assert not usable({'access_token': 'x', 'expires_at': 1000 + 59, 'lifetime': 7200}, now=1000)
    assert not usable({'expires_at': 99999}, now=1000)
    assert not usable(None)


def test_cache_files_are_private_and_hold_no_secret(tmp_path):
    cache_dir = tmp_path / 'tokens'
    http = FakeHttp()
    creds = ClientCredentials('https://dc/api/2/idp/token', 'client-1', 'S3cr3t-value', cache=TokenCache(str(cache_dir)))
    assert creds.headers(http) == {'Authorization': 'Bearer tok1'}
    assert stat.S_IMODE(os.stat(str(cache_dir)).st_mode) == 0o700
    files = [f for f in os.listdir(str(cache_dir)) if f.endswith('.json')]
    assert len(files) == 1
    path = os.path.join(str(cache_dir), files[0])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = open(path).read()
    assert 'S3cr3t-value' not in text and 'S3cr3t-value' not in files[0]
    assert json.loads(text)['access_token'] == 'tok1'
    # The secret is sent as HTTP Basic auth, never in the form body.
    method, url, kwargs = http.calls[0]
    assert kwargs['auth'] == ('client-1', 'S3cr3t-value') and 'client_secret' not in kwargs['data']
    assert kwargs['authenticate'] is False


def test_cache_is_shared_between_processes(tmp_path):
    cache = str(tmp_path / 'tokens')
    http = FakeHttp()
    ClientCredentials('https://dc/t', 'c', 's', cache=TokenCache(cache)).headers(http)
    oauth.forget_memory()  # a new process: only the file remains
    again = ClientCredentials('https://dc/t', 'c', 's', cache=TokenCache(cache))
    assert again.headers(http) == {'Authorization': 'Bearer tok1'}
    assert len(http.calls) == 1 and again.source == 'cache'


def test_another_secret_does_not_reuse_the_token(tmp_path):
    cache = str(tmp_path / 'tokens')
    http = FakeHttp()
    ClientCredentials('https://dc/t', 'c', 'secret-a', cache=TokenCache(cache)).headers(http)
    oauth.forget_memory()
    ClientCredentials('https://dc/t', 'c', 'secret-b', cache=TokenCache(cache)).headers(http)
    assert len(http.calls) == 2


def test_refresh_after_401_drops_the_rejected_token(tmp_path):
    cache = str(tmp_path / 'tokens')
    http = FakeHttp()
    creds = ClientCredentials('https://dc/t', 'c', 's', cache=TokenCache(cache))
    first = creds.headers(http)['Authorization']
    assert creds.refresh(http, first) is True
    assert creds.headers(http) == {'Authorization': 'Bearer tok2'}
    oauth.forget_memory()
    assert ClientCredentials('https://dc/t', 'c', 's', cache=TokenCache(cache)).headers(http) == {'Authorization': 'Bearer tok2'}
    assert len(http.calls) == 2


def test_expiring_token_is_renewed(tmp_path):
    now = [1000.0]
    http = FakeHttp(ttl=120)
    creds = ClientCredentials('https://dc/t', 'c', 's', cache=TokenCache(str(tmp_path)), clock=lambda: now[0])
    creds.headers(http)
    now[0] += 100  # 20 s left, margin is 12 s: still usable
    creds.headers(http)
    assert len(http.calls) == 1
    now[0] += 10  # 10 s left: renewed
    assert creds.headers(http) == {'Authorization': 'Bearer tok2'}


def test_unsafe_cache_directory_is_not_used(tmp_path):
    cache_dir = tmp_path / 'shared'
    cache_dir.mkdir()
    os.chmod(str(cache_dir), 0o777)
    http = FakeHttp()
    cache = TokenCache(str(cache_dir))
    ClientCredentials('https://dc/t', 'c', 's', cache=cache).headers(http)
    assert os.listdir(str(cache_dir)) == []
    assert 'accessible to other users' in cache.problem


def test_no_file_cache(tmp_path):
    http = FakeHttp()
    creds = ClientCredentials('https://dc/t', 'c', 's', cache=None)
    creds.headers(http)
    creds.headers(http)
    assert len(http.calls) == 1  # the in-process cache still serves the second request
