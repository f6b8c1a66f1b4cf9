# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers and hooks of the backupdr.cloud.acronis_dr inventory plugin.

What it shares with the other inventory plugins is tested in
tests/unit/plugins/plugin_utils/test_inventory.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.backupdr.cloud.plugins.inventory.acronis_dr import (
    InventoryModule, check_auth, check_resource_ids, host_address, host_view, resource_key, server_groups,
    server_matches, site_summary, with_sites,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError

SITE_OK = '40ca099f-c116-4f6c-9730-42a0bff138a2'
SITE_ERR = 'f3b3b3b3-3b3b-3b3b-3b3b-3b3b3b3b3b3b'
SITES = [
    {'tenant_uuid': '9ca5aa60-4cdc-491c-94d5-23b747f7f914', 'uuid': SITE_ERR, 'failover_readiness': 'ERROR',
     'status': 'PROVISIONING', 'default': True, 'task_uuid': 'c108b478-2083-4097-a418-ab3d0d49b938',
     '_issues': [{'domain': 'DisasterRecovery', 'target': SITE_ERR, 'severity': 'ERROR',
                  'error': {'code': 'SiteNotReady', 'domain': 'DisasterRecovery',
                            'message': 'You cannot perform any operations because the DR site is being deployed or removed.'}}],
     '_links': [{'rel': 'DR_SITE_CONNECTIVITY_PAGE', 'type': 'text/html', 'href': 'https://example.com/dr/sites/x'}]},
    {'tenant_uuid': '9ca5aa60-4cdc-491c-94d5-23b747f7f914', 'uuid': SITE_OK, 'failover_readiness': 'OK',
     'status': 'PROVISIONED', 'default': False, '_issues': [],
     '_links': [{'rel': 'DR_SITE_CONNECTIVITY_PAGE', 'type': 'text/html', 'href': 'https://example.com/dr/sites/y'}]},
]
WEB = {'uuid': '1f100401-357b-4d04-a0c0-d1206c947473', 'name': 'web-01', 'type': 'RECOVERY', 'status': 'STAND_BY',
       'public_ip': '8.9.10.21', 'site_uuid': SITE_OK, 'vm': {'cpu': 1, 'os': 'some OS', 'ram_mb': 2048, 'status': 'STOPPED'},
       'recovery': {'resource_id': 'ECCA39E5-5018-4DF4-8429-F8C6FB91F2BC'}, '_issues': [],
       '_links': [{'rel': 'DR_CLOUD_SERVER_PAGE', 'type': 'text/html', 'href': 'https://dc/bc/login?tenant_id=46'},
                  {'rel': 'DR_CLOUD_SERVER_START_FAILOVER_TEST', 'type': 'application/json',
                   'href': 'https://dc/api/dr/v2/servers/1f100401-357b-4d04-a0c0-d1206c947473:start_failover_test'}]}
SQL = {'uuid': '6782e594-781d-4ad2-b8ca-25a0c40f9938', 'name': 'sql-primary', 'type': 'PRIMARY', 'status': 'STARTED',
       'public_ip': '8.9.10.11', 'site_uuid': SITE_OK, 'primary': {'vault_id': '0F8CA93A-E22D-40F2-9D29-49E2FB88BE2E'}}
BLOCKED = {'uuid': '565cf826-5332-4fd8-9109-2b81630e486d', 'name': 'blocked-01', 'type': 'RECOVERY',
           'status': 'POWERING_ON', 'task_uuid': '7db6f670-27db-4729-86e9-0136ea7bf28b', 'site_uuid': SITE_ERR.upper(),
           '_issues': [{'domain': 'DisasterRecovery', 'link': 'DR_CLOUD_SERVER_START_FAILOVER_PROD', 'severity': 'ERROR',
                        'error': {'code': 'ResourceBusy', 'message': 'The resource is busy.',
                                  'context': {'task_uuids': ['7db6f670-27db-4729-86e9-0136ea7bf28b']}}}]}
DUP_A = {'uuid': '33333333-3333-4333-8333-333333333333', 'name': 'dup', 'type': 'RECOVERY', 'status': 'STAND_BY',
         'site_uuid': 'aaaaaaaa-0000-4000-8000-000000000000'}
DUP_B = {'uuid': '44444444-4444-4444-8444-444444444444', 'name': 'dup', 'type': 'RECOVERY', 'status': 'FAILOVER',
         'site_uuid': SITE_OK}
NAMELESS = {'uuid': '55555555-5555-4555-8555-555555555555', 'name': '', 'type': 'RECOVERY', 'status': 'TEST_FAILOVER'}


def views(*servers):
    return with_sites([host_view(s) for s in servers], [site_summary(s) for s in SITES])


def test_site_summary_keeps_readiness_status_default_and_issue_lines():
    assert site_summary(SITES[0]) == {
        'uuid': SITE_ERR, 'failover_readiness': 'ERROR', 'status': 'PROVISIONING', 'default': True,
        'issues': ['SiteNotReady: You cannot perform any operations because the DR site is being deployed or removed.']}
    assert site_summary(SITES[1])['issues'] == []


def test_host_view_is_the_module_view_without_raw_issues_and_hrefs():
    view = host_view(BLOCKED)
    assert '_issues' not in view and '_links' not in view
    assert view['issues'] == ['ResourceBusy: The resource is busy.']
    assert view['failover'] is None  # a task runs
    web = host_view(WEB)
    assert web['links'] == ['DR_CLOUD_SERVER_PAGE', 'DR_CLOUD_SERVER_START_FAILOVER_TEST']
    assert web['failover'] == 'none'
    assert 'href' not in repr(web) and 'tenant_id' not in repr(web)
    assert '_links' in WEB  # the input is not modified


def test_with_sites_attaches_the_site_summary_case_insensitively():
    web, blocked, dup = views(WEB, BLOCKED, DUP_A)
    assert web['site']['failover_readiness'] == 'OK'
    assert blocked['site']['uuid'] == SITE_ERR  # the server's site_uuid is upper case
    assert dup['site'] is None  # a site that is not listed


def test_server_groups():
    web, sql, blocked, dup, nameless = views(WEB, SQL, BLOCKED, DUP_A, NAMELESS)
    site_ok = 'acronis_dr_site_40ca099f_c116_4f6c_9730_42a0bff138a2'
    assert server_groups(web) == ['acronis_dr_type_recovery', 'acronis_dr_status_stand_by', site_ok,
                                  'acronis_dr_readiness_ok']
    assert server_groups(sql) == ['acronis_dr_type_primary', 'acronis_dr_status_started', site_ok,
                                  'acronis_dr_readiness_ok']
    assert server_groups(blocked) == ['acronis_dr_type_recovery', 'acronis_dr_status_powering_on',
                                      'acronis_dr_site_f3b3b3b3_3b3b_3b3b_3b3b_3b3b3b3b3b3b', 'acronis_dr_readiness_error']
    assert server_groups(dup) == ['acronis_dr_type_recovery', 'acronis_dr_status_stand_by',
                                  'acronis_dr_site_aaaaaaaa_0000_4000_8000_000000000000']  # no readiness
    assert server_groups(nameless) == ['acronis_dr_type_recovery', 'acronis_dr_status_test_failover']


@pytest.mark.parametrize('statuses, sites, readiness, expected', [
    ([], [], [], ['web-01', 'sql-primary', 'blocked-01', 'dup', 'dup', '']),
    (['STAND_BY'], [], [], ['web-01', 'dup']),
    (['stand_by', 'failover'], [], [], ['web-01', 'dup', 'dup']),  # case does not matter
    ([], [SITE_ERR], [], ['blocked-01']),  # the server's upper-case site_uuid matches
    ([], [SITE_OK.upper()], [], ['web-01', 'sql-primary', 'dup']),
    ([], [], ['OK'], ['web-01', 'sql-primary', 'dup']),  # unknown sites are left out
    ([], [], ['OK', 'ERROR'], ['web-01', 'sql-primary', 'blocked-01', 'dup']),
    (['STAND_BY'], [], ['OK'], ['web-01']),  # and the readiness
    (['nothing'], [], [], []),
])
def test_server_matches(statuses, sites, readiness, expected):
    selected = [v for v in views(WEB, SQL, BLOCKED, DUP_A, DUP_B, NAMELESS)
                if server_matches(v, statuses, sites, readiness)]
    assert [v['name'] for v in selected] == expected


@pytest.mark.parametrize('view, source, expected', [
    (WEB, 'public_ip', '8.9.10.21'),
    (WEB, 'none', None),
    (DUP_A, 'public_ip', None),
    (dict(DUP_A, public_ip=''), 'public_ip', None),
])
def test_host_address(view, source, expected):
    assert host_address(view, source) == expected


def test_resource_ids_are_validated_like_the_api_does():
    assert check_resource_ids(['ECCA39E5-5018-4DF4-8429-F8C6FB91F2BC', 'abc']) == \
        ['ECCA39E5-5018-4DF4-8429-F8C6FB91F2BC', 'abc']
    assert check_resource_ids(None) == []
    with pytest.raises(ValidationError, match='resource_id'):
        check_resource_ids(['a b'])
    with pytest.raises(ValidationError, match='resource_id'):
        check_resource_ids([''])


@pytest.mark.parametrize('params, option', [
    ({'client_id': 'id', 'client_secret': 's3cret'}, None),
    ({'access_token': 'Tk9vQ2x'}, None),
    ({}, None),  # the client reports missing credentials
    ({'access_token': 'Tk9vQ2x', 'client_id': 'id'}, 'access_token'),
    ({'access_token': 'Tk9vQ2x', 'client_id': 'id', 'client_secret': 's3cret'}, 'access_token'),
    ({'client_id': 'id'}, 'client_secret'),
    ({'client_secret': 's3cret'}, 'client_id'),
])
def test_check_auth(params, option):
    if option is None:
        check_auth(params)
        return
    with pytest.raises(ValidationError) as info:
        check_auth(params)
    assert info.value.option == option
    assert 's3cret' not in str(info.value) and 'Tk9vQ2x' not in str(info.value)


def configured(**options):
    """The plugin with these options (no configuration file)."""
    plugin = InventoryModule()
    plugin._options.update(dict(type=None, resource_id=[]), **options)
    return plugin


def test_resource_key_ignores_case_and_order():
    assert resource_key(['B', 'a']) == resource_key(['A', 'b']) == 'a,b'
    assert resource_key([]) == resource_key(None) == ''


@pytest.mark.parametrize('options, params, account', [
    # The keys of the cache entries written so far.
    ({}, {'datacenter_url': 'https://dev-cloud.acronis.com', 'client_id': 'Client-1', 'client_secret': 's3cret'},
     'aa032f7d0b89'),
    ({'type': 'RECOVERY', 'resource_id': ['B', 'a']},
     {'datacenter_url': 'https://dc/api/dr/v2/', 'client_id': 'C', 'client_secret': 's3cret'}, '6c48d91216a2'),
    ({}, {'datacenter_url': 'https://dc/', 'access_token': 'Tk9vQ2x'}, 'dce4907296a3'),  # no client id
])
def test_the_cache_account_is_the_data_center_client_and_api_filters_not_the_secrets(options, params, account):
    assert configured(**options)._request(params) == (account, (options.get('type'), options.get('resource_id', [])))
    other = dict((k, 'other' if k in ('client_secret', 'access_token') else v) for k, v in params.items())
    assert configured(**options)._request(other)[0] == account


def test_the_cache_account_changes_with_the_api_filters():
    params = {'datacenter_url': 'https://dc', 'client_id': 'c', 'client_secret': 's3cret'}
    accounts = set(configured(**options)._request(params)[0] for options in (
        {}, {'type': 'RECOVERY'}, {'type': 'PRIMARY'}, {'resource_id': ['a']}, {'resource_id': ['b']}))
    assert len(accounts) == 5


@pytest.mark.parametrize('options, params, option', [
    ({}, {'datacenter_url': 'https://dc', 'client_id': 'c'}, 'client_secret'),
    ({'resource_id': ['a b']}, {'datacenter_url': 'https://dc', 'access_token': 'Tk9vQ2x'}, 'resource_id'),
    ({}, {'datacenter_url': 'dc.example.com', 'access_token': 'Tk9vQ2x'}, 'datacenter_url'),
])
def test_invalid_options_are_refused_before_the_cache_is_read(options, params, option):
    with pytest.raises(ValidationError) as info:
        configured(**options)._request(params)
    assert info.value.option == option


def test_matcher_uses_the_status_site_and_readiness_options():
    matches = configured(status=['stand_by'], site_uuid=[], failover_readiness=['OK'])._matcher()
    assert [v['name'] for v in views(WEB, SQL, BLOCKED, DUP_A, DUP_B) if matches(v)] == ['web-01']


@pytest.mark.parametrize('name, expected', [
    ('acronis_dr.yml', True), ('prod.acronis_dr.yaml', True), ('inventory.yml', False), ('acronis_dr.json', False),
    ('crosspeer.yml', False),
])
def test_verify_file(tmp_path, name, expected):
    path = tmp_path / name
    path.write_text(u'plugin: backupdr.cloud.acronis_dr\n')
    assert InventoryModule().verify_file(str(path)) is expected
