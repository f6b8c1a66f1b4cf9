# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers and hooks of the backupdr.cloud.crosspeer inventory plugin.

What it shares with the other inventory plugins is tested in
tests/unit/plugins/plugin_utils/test_inventory.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.backupdr.cloud.plugins.inventory.crosspeer import (
    InventoryModule, host_address, server_groups, server_matches, server_view, strip_secrets,
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


def test_server_groups_keep_the_case_and_replace_other_characters():
    assert server_groups(WEB) == ['crosspeer_status_active', 'crosspeer_tag_web', 'crosspeer_tag_prod']
    assert server_groups(dict(DB, tags='Web-Canary a.b:c caf\u00e9')) == [
        'crosspeer_status_stopped', 'crosspeer_tag_Web_Canary', 'crosspeer_tag_a_b_c', 'crosspeer_tag_caf_']
    assert server_groups(DUP_A) == ['crosspeer_status_stopped']  # no tags
    assert server_groups({'server': NAMELESS['server']}) == []


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


def configured(**options):
    """The plugin with these options (no configuration file)."""
    plugin = InventoryModule()
    plugin._options.update(options)
    return plugin


def test_the_cache_account_is_the_endpoint_and_the_user_not_the_key():
    account, args = configured()._request({'api_url': 'https://us-east.crosspeer.com/api/', 'api_user': 'ABC-def',
                                           'api_key': 's3cret'})
    assert account == '781f221e3df0'  # the key of the cache entries written so far
    assert args == ()
    assert account == configured()._request({'api_url': 'https://us-east.crosspeer.com/api/', 'api_user': 'abc-DEF',
                                             'api_key': 'other'})[0]


def test_matcher_uses_the_status_and_tags_options():
    matches = configured(status=['stopped', 'paused'], tags=['web'])._matcher()
    assert [s['name'] for s in [WEB, DB, DUP_A, DUP_B, NAMELESS] if matches(s)] == ['dup']


@pytest.mark.parametrize('name, expected', [
    ('crosspeer.yml', True), ('prod.crosspeer.yaml', True), ('inventory.yml', False), ('crosspeer.json', False),
])
def test_verify_file(tmp_path, name, expected):
    path = tmp_path / name
    path.write_text(u'plugin: backupdr.cloud.crosspeer\n')
    assert InventoryModule().verify_file(str(path)) is expected
