# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared validators: whole-string ASCII matching, URLs, numbers, header values, separators."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (
    ValidationError, check_header_value, check_known, check_number, check_single_line, check_url, check_uuid,
    is_ipv4, is_uuid, parse_int, strip_secret,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import parse_properties, parse_size

UUID = '5f1c2b7e-8d4a-4c1e-9b3f-6a2d0e7c9b41'


@pytest.mark.parametrize('value', [UUID + '\n', UUID + ' ', ' ' + UUID, UUID[:-1], UUID.replace('5', '\u0665'), None, 1])
def test_uuid_is_matched_whole(value):
    assert not is_uuid(value)
    with pytest.raises(ValidationError) as info:
        check_uuid(value, 'uuid')
    assert info.value.option == 'uuid'


def test_uuid_lower_cased():
    assert check_uuid(UUID.upper(), 'uuid') == UUID


@pytest.mark.parametrize('value, ok', [('10.0.0.1', True), ('10.0.0.1\n', False), ('10.0.0.256', False),
                                       ('\u0661\u0660.0.0.1', False), ('10.0.0', False)])
def test_ipv4(value, ok):
    assert is_ipv4(value) is ok


@pytest.mark.parametrize('value', ['12\n', '\uff11\uff12', '1_000', '1 2', '', 'x', True])
def test_parse_int_refuses(value):
    with pytest.raises(ValueError):
        parse_int(value)


def test_parse_int_accepts():
    assert parse_int(' 42 ') == 42 and parse_int(7) == 7 and parse_int('-3') == -3


@pytest.mark.parametrize('value', ['10G\n', '\uff11\uff10G', '10 G B', '-1', '1.5G'])
def test_sizes_are_matched_whole(value):
    with pytest.raises(ValueError):
        parse_size(value)


def test_sizes():
    assert parse_size('10G') == 10 * 1024 ** 3 and parse_size(' 512 k ') == 512 * 1024


@pytest.mark.parametrize('value, text', [
    ('example.com/api/', 'has no scheme'), ('ftp://x/', "scheme 'ftp'"), ('file:///etc/passwd', "scheme 'file'"),
    ('http://', 'has no host'), ('https://user:pw@host/', 'credentials in the URL'), ('https://h:0/', 'port 0'),
    ('https://ho\nst/', 'separator'), ('https://ho st/', 'spaces'), ('https://h:99999/', 'not a valid URL'),
])
def test_urls(value, text):
    with pytest.raises(ValidationError) as info:
        check_url(value, 'api_url')
    assert text in str(info.value) and info.value.option == 'api_url'


def test_url_ok():
    assert check_url('  https://api.example.com/api/ ', 'api_url') == 'https://api.example.com/api/'


@pytest.mark.parametrize('value', [float('nan'), float('inf'), 'nan', -1, True])
def test_numbers_are_finite_and_bounded(value):
    with pytest.raises(ValidationError):
        check_number(value, 'api_retry_max_delay', minimum=0)


@pytest.mark.parametrize('value', ['a\nb', 'a\u2028b', 'a\u2029b', 'a\x85b', 'a\x1cb', 'a\x1db', 'a\x1eb', 'a\vb',
                                   'a\fb', 'a\rb', 'a\x00b'])
def test_separators_are_refused(value):
    with pytest.raises(ValidationError):
        check_single_line(value, 'name')


def test_header_values_never_echo_secrets():
    with pytest.raises(ValidationError) as info:
        check_header_value('s3cr\u00e9t\u2713', 'api_key')
    assert 's3cr' not in str(info.value) and 'position 7' in str(info.value)
    with pytest.raises(ValidationError) as info:
        check_header_value('abc\r\nX-Injected: 1', 'api_key')
    assert 'X-Injected' not in str(info.value)
    with pytest.raises(ValidationError) as info:
        strip_secret('a b', 'client_secret')
    assert 'a b' not in str(info.value)
    assert strip_secret('  tok \n', 'client_secret') == 'tok'


def test_known_values():
    assert check_known(['stand_by'], ('STAND_BY', 'FAILOVER'), 'status') == (['STAND_BY'], [])
    with pytest.raises(ValidationError) as info:
        check_known(['STANDBY'], ('STAND_BY', 'FAILOVER'), 'status')
    assert "did you mean 'STAND_BY'" in str(info.value)
    assert check_known(['FINALIZING'], ('STAND_BY', 'FAILOVER'), 'status') == (['FINALIZING'], ['FINALIZING'])


def test_text_format_splits_on_newlines_only():
    objects = parse_properties('name x\u2028user:evil 1\nsize 10\n')
    assert objects == [{'name': 'x\u2028user:evil 1', 'size': '10'}]
    assert parse_properties('a 1\r\nb 2\r\n\r\na 3\n') == [{'a': '1', 'b': '2'}, {'a': '3'}]
