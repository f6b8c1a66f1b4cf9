# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CrossPeer wire formats, sizes and UUIDs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    check_uuid, decode_body, dump_properties, parse_properties, parse_size, user_metadata, uuid_list,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError


@pytest.mark.parametrize('value, expected', [
    (0, 0), (512, 512), ('512', 512), ('1k', 1024), ('1K', 1024), ('4M', 4 * 1024 ** 2),
    ('10G', 10 * 1024 ** 3), (' 2 T ', 2 * 1024 ** 4), ('3g', 3 * 1024 ** 3),
])
def test_parse_size(value, expected):
    assert parse_size(value) == expected


@pytest.mark.parametrize('value', ['', '10X', '-1', '1.5G', 'G', True, '10 GB'])
def test_parse_size_rejects(value):
    with pytest.raises(ValueError):
        parse_size(value)


def test_check_uuid():
    assert check_uuid('AEE5589A-88C3-43EF-BB0A-9CAB6E64192D', 'uuid') == 'aee5589a-88c3-43ef-bb0a-9cab6e64192d'
    with pytest.raises(ValidationError) as info:
        check_uuid('not-a-uuid', 'drives[0].drive')
    assert str(info.value).startswith('drives[0].drive: expected a UUID')


def test_uuid_list_all_users():
    assert uuid_list(['all']) == ['ffffffff-ffff-ffff-ffff-ffffffffffff']
    with pytest.raises(ValueError):
        uuid_list(['bob'])


def test_user_metadata_rules():
    assert user_metadata({'user:env': 'prod', 'team': 3}) == {'env': 'prod', 'team': '3'}
    for bad in ({'has space': 'x'}, {'backupdr-image': 'x'}, {'k': 'two\nlines'}):
        with pytest.raises(ValueError):
            user_metadata(bad)


def test_properties_single_and_multi_objects():
    text = 'name TestServer\ncpu 4000\nmem 2048\n'
    assert parse_properties(text) == [{'name': 'TestServer', 'cpu': '4000', 'mem': '2048'}]
    multi = 'name A\ncpu 2000\n\nname B\ncpu 4000\n'
    assert [o['name'] for o in parse_properties(multi)] == ['A', 'B']


def test_properties_without_blank_line_split_on_repeated_key():
    # The seed's own multi-object example has no blank line between objects.
    text = 'name Testserver1\ncpu 2000\nmem 1024\nname Testserver2\ncpu 4000\nmem 2048\n'
    assert parse_properties(text) == [
        {'name': 'Testserver1', 'cpu': '2000', 'mem': '1024'},
        {'name': 'Testserver2', 'cpu': '4000', 'mem': '2048'},
    ]


def test_property_values_keep_spaces_and_empty_values():
    assert parse_properties('tags a b c\nuser:note hello world\nclaimed\n') == [
        {'tags': 'a b c', 'user:note': 'hello world', 'claimed': ''}]


def test_decode_both_formats_agree():
    text = b'name disk\nsize 1024\ntags a b\n'
    js = json.dumps({'name': 'disk', 'size': 1024, 'tags': 'a b'}).encode()
    as_text = decode_body(text, 'text/plain', 'properties')
    as_json = decode_body(js, 'application/json; charset=utf-8')
    assert as_text == as_json == [{'name': 'disk', 'size': '1024', 'tags': 'a b'}]


def test_decode_json_lists_and_booleans():
    js = json.dumps([{'persistent': True, 'tags': ['x', 'y'], 'cpu': 2000.0}]).encode()
    assert decode_body(js, 'application/json') == [{'persistent': 'true', 'tags': 'x y', 'cpu': '2000'}]


def test_decode_text_list_output():
    body = b'ip 198.51.100.1\nvlan 0b7e4d2a-3c6f-4a8e-8d1b-9e5f2c7a6d30\n'
    assert decode_body(body, 'text/plain', 'list') == [
        ['ip', '198.51.100.1'], ['vlan', '0b7e4d2a-3c6f-4a8e-8d1b-9e5f2c7a6d30']]


def test_decode_empty_body():
    assert decode_body(b'', 'text/plain', None) == []


def test_dump_properties_round_trip():
    flat = {'name': 'x', 'size': 10, 'persistent': True, 'tags': ['a', 'b']}
    assert parse_properties(dump_properties(flat)) == [{'name': 'x', 'size': '10', 'persistent': 'true', 'tags': 'a b'}]
