# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the backupdr.cloud.crosspeer inventory plugin."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.backupdr.cloud.plugins.inventory.crosspeer import (
    InventoryModule, cache_account, choose_hostnames, group_name, host_address, prefixed, server_matches,
    server_view, strip_secrets,
)

WEB = {'server': '11111111-1111-4111-8111-111111111111', 'name': 'web', 'status': 'active', 'tags': 'web prod',
       'cpu': '2000', 'mem': '1024', 'nic:0:model': 'e1000', 'nic:0:dhcp': 'auto', 'nic:0:dhcp:ip': '198.18.0.7',
       'vnc:password': 's3cret', 'user:role': 'web'}
DB = {'server': '22222222-2222-4222-8222-222222222222', 'name': 'db', 'status': 'stopped', 'tags': 'db',
      'nic:0:dhcp': '203.0.113.5'}
DUP_A = {'server': '33333333-3333-4333-8333-333333333333', 'name': 'dup', 'status': 'stopped'}
DUP_B = {'server': '44444444-4444-4444-8444-444444444444', 'name': 'dup', 'status': 'paused', 'tags': 'web'}
NAMELESS = {'server': '55555555-5555-4555-8555-555555555555', 'name': '', 'status': 'dead'}


def test_strip_secrets_drops_the_vnc_password_only():
    stripped = strip_secrets(WEB)
    assert 'vnc:password' not in stripped
    assert dict(stripped, **{'vnc:password': 's3cret'}) == WEB
    assert 'vnc:password' in WEB  # the input is not modified


def test_server_view_has_no_secret_at_all():
    view = server_view(WEB)
    assert view['uuid'] == WEB['server']
    assert view['tags'] == ['prod', 'web']
    assert view['user_metadata'] == {'role': 'web'}
    assert view['cpu'] == 2000
    assert 'vnc_password' not in view
    assert 's3cret' not in repr(view)
    assert '********' not in repr(view)


@pytest.mark.parametrize('prefix, value, expected', [
    ('crosspeer_tag_', 'web', 'crosspeer_tag_web'),
    ('crosspeer_tag_', 'web-canary', 'crosspeer_tag_web_canary'),
    ('crosspeer_tag_', 'a.b:c d', 'crosspeer_tag_a_b_c_d'),
    ('crosspeer_tag_', u'caf\u00e9', 'crosspeer_tag_caf_'),
    ('crosspeer_tag_', '2024', 'crosspeer_tag_2024'),
    ('crosspeer_status_', 'active', 'crosspeer_status_active'),
])
def test_group_name_is_always_a_valid_group_name(prefix, value, expected):
    assert group_name(prefix, value) == expected


@pytest.mark.parametrize('statuses, tags, expected', [
    ([], [], ['web', 'db', 'dup', 'dup', '']),
    (['active'], [], ['web']),
    (['stopped', 'paused'], [], ['db', 'dup', 'dup']),
    ([], ['web'], ['web', 'dup']),
    ([], ['db', 'prod'], ['web', 'db']),  # any of the tags
    (['stopped'], ['web', 'db'], ['db']),  # and the status
    ([], ['nothing'], []),
])
def test_server_matches(statuses, tags, expected):
    servers = [WEB, DB, DUP_A, DUP_B, NAMELESS]
    assert [s['name'] for s in servers if server_matches(s, statuses, tags)] == expected


def test_hostnames_from_names_with_duplicates_and_nameless_servers():
    pairs, duplicates = choose_hostnames([WEB, DUP_A, DB, DUP_B, NAMELESS])
    assert [name for name, dummy in pairs] == ['web', DUP_A['server'], 'db', DUP_B['server'], NAMELESS['server']]
    assert [server for dummy, server in pairs] == [WEB, DUP_A, DB, DUP_B, NAMELESS]
    assert duplicates == ['dup']


def test_a_name_is_only_a_duplicate_among_the_given_servers():
    pairs, duplicates = choose_hostnames([WEB, DUP_A])
    assert [name for name, dummy in pairs] == ['web', 'dup']
    assert duplicates == []


def test_hostnames_from_uuids():
    pairs, duplicates = choose_hostnames([WEB, DUP_A, DUP_B], 'uuid')
    assert [name for name, dummy in pairs] == [WEB['server'], DUP_A['server'], DUP_B['server']]
    assert duplicates == []


@pytest.mark.parametrize('flat, source, expected', [
    (WEB, 'dhcp_ip', '198.18.0.7'),  # running: the address it got
    (WEB, 'static_ip', None),  # 'auto' is not an address
    (WEB, 'none', None),
    (DB, 'dhcp_ip', '203.0.113.5'),  # stopped: the static address
    (DB, 'static_ip', '203.0.113.5'),
    (dict(DB, **{'nic:0:dhcp:ip': '203.0.113.5'}), 'dhcp_ip', '203.0.113.5'),
    (DUP_A, 'dhcp_ip', None),
    (DUP_A, 'static_ip', None),
    ({'nic:0:dhcp': 'auto'}, 'dhcp_ip', None),
])
def test_host_address(flat, source, expected):
    assert host_address(flat, source) == expected


def test_prefixed():
    assert prefixed({'a': 1, 'b': 2}, '') == {'a': 1, 'b': 2}
    assert prefixed({'a': 1, 'b': 2}, 'cp_') == {'cp_a': 1, 'cp_b': 2}


def test_cache_account_depends_on_endpoint_and_user_not_on_secrets():
    base = cache_account('https://us-east.crosspeer.com/api/', WEB['server'])
    assert base == cache_account('https://us-east.crosspeer.com/api/', WEB['server'].upper())
    assert base != cache_account('https://us-east.crosspeer.com/api/', DB['server'])
    assert base != cache_account('http://127.0.0.1:8450/crosspeer/api/', WEB['server'])
    assert len(base) == 12


@pytest.mark.parametrize('name, expected', [
    ('crosspeer.yml', True), ('prod.crosspeer.yaml', True), ('inventory.yml', False), ('crosspeer.json', False),
])
def test_verify_file(tmp_path, name, expected):
    path = tmp_path / name
    path.write_text(u'plugin: backupdr.cloud.crosspeer\n')
    assert InventoryModule().verify_file(str(path)) is expected


def test_verify_file_needs_an_existing_file(tmp_path):
    assert InventoryModule().verify_file(str(tmp_path / 'missing.crosspeer.yml')) is False
