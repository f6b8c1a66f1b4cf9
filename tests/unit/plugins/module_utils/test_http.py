# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry/backoff decisions and error formatting of the shared HTTP layer (pure parts)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import (
    ApiError, backoff_delay, parse_retry_after, should_retry,
)


@pytest.mark.parametrize('method, replayable, status, busy, failure, expected', [
    ('GET', True, 429, False, None, (True, False)),
    ('POST', False, 429, False, None, (True, False)),      # rejected by rate limit: never landed
    ('POST', False, 503, False, None, (False, None)),     # a 5xx to a write: it may have landed
    ('POST', False, 500, False, None, (False, None)),
    ('PUT', True, 500, False, None, (True, None)),        # idempotent write: replayed, outcome unknown meanwhile
    ('POST', False, 409, True, None, (True, False)),       # service says busy: not applied
    ('POST', False, 409, False, None, (False, False)),     # a plain conflict is final
    ('GET', True, 502, False, None, (True, False)),      # a read changes nothing
    ('GET', True, 503, False, None, (True, False)),
    ('POST', False, 502, False, None, (False, None)),      # gateway error: may have landed
    ('POST', True, 504, False, None, (True, None)),        # idempotent write: replay is safe
    ('POST', False, None, False, 'connect', (True, False)),
    ('POST', False, None, False, 'sent', (False, None)),   # reset after sending: never blindly repeat
    ('GET', True, None, False, 'sent', (True, False)),
    ('GET', True, None, False, 'dns', (False, False)),   # a name that does not resolve is not transient
    ('POST', False, None, False, 'dns', (False, False)),
    ('GET', True, 400, False, None, (False, False)),
    ('GET', True, 404, False, None, (False, False)),
    ('GET', True, 500, False, None, (True, False)),      # a 500 to a read is retried like any transient fault
])
def test_should_retry(method, replayable, status, busy, failure, expected):
    assert should_retry(method, replayable, status=status, busy=busy, failure=failure) == expected


def test_should_retry_refused_by_the_service():
    # The service's own code says it refused before processing: not applied, and final.
    assert should_retry('POST', False, status=507, refused=True) == (False, False)


def test_backoff_is_capped_and_jittered():
    assert backoff_delay(1, base=1, cap=30, rand=lambda: 0.0) == 0.5
    assert backoff_delay(1, base=1, cap=30, rand=lambda: 1.0) == 1.0
    assert backoff_delay(3, base=1, cap=30, rand=lambda: 1.0) == 4.0
    assert backoff_delay(20, base=1, cap=30, rand=lambda: 1.0) == 30.0
    delays = [backoff_delay(a, base=0.5, cap=8) for a in range(1, 12)]
    assert max(delays) <= 8


def test_retry_after_is_a_floor():
    assert backoff_delay(1, base=0.1, cap=1, retry_after=7, rand=lambda: 1.0) == 7


def test_parse_retry_after():
    assert parse_retry_after('3') == 3.0
    assert parse_retry_after(' 0 ') == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after('soon') is None
    now = 1700000000.0
    date = email.utils.formatdate(now + 12, usegmt=True)
    assert abs(parse_retry_after(date, now=now) - 12) < 1.5
    assert parse_retry_after(email.utils.formatdate(now - 100, usegmt=True), now=now) == 0.0


def test_api_error_text_names_code_and_path():
    err = ApiError('drive 1 is busy', status=409, code='busy', method='POST', path='drives/1/destroy', service='CrossPeer')
    text = str(err)
    assert 'CrossPeer' in text and 'HTTP 409' in text and 'busy' in text and 'POST drives/1/destroy' in text
    result = err.to_result()
    assert result['status'] == 409 and result['error']['code'] == 'busy'


def test_api_error_unknown_landing_is_said():
    err = ApiError('connection failed', method='POST', path='drives/create', landed=None)
    assert 'may or may not have been applied' in str(err)
    assert err.to_result()['error']['applied'] == 'unknown'
