# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the inventory plugins share: the pure helpers and the ServiceInventory base class."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from unittest import mock

import pytest

from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.plugin_utils.inventory import (
    ServiceInventory, cache_account, choose_hostnames, group_name, prefixed,
)

try:  # ansible-core 2.19+ templates only trusted expressions, as the ones of a configuration file
    from ansible.template import trust_as_template
except ImportError:  # older ones any
    def trust_as_template(value):
        return value

WEB = {'uuid': '11111111-1111-4111-8111-111111111111', 'name': 'web', 'status': 'ACTIVE', 'ip': '198.18.0.7'}
DB = {'uuid': '22222222-2222-4222-8222-222222222222', 'name': 'db', 'status': 'STOPPED'}
DUP_A = {'uuid': '33333333-3333-4333-8333-333333333333', 'name': 'dup', 'status': 'STOPPED'}
DUP_B = {'uuid': '44444444-4444-4444-8444-444444444444', 'name': 'dup', 'status': 'PAUSED'}
NAMELESS = {'uuid': '55555555-5555-4555-8555-555555555555', 'name': '', 'status': 'DEAD'}


# -- pure helpers ----------------------------------------------------------------------

@pytest.mark.parametrize('prefix, value, lower, expected', [
    ('crosspeer_tag_', 'web', False, 'crosspeer_tag_web'),
    ('crosspeer_tag_', 'web-canary', False, 'crosspeer_tag_web_canary'),
    ('crosspeer_tag_', 'a.b:c d', False, 'crosspeer_tag_a_b_c_d'),
    ('crosspeer_tag_', u'caf\u00e9', False, 'crosspeer_tag_caf_'),
    ('crosspeer_tag_', '2024', False, 'crosspeer_tag_2024'),
    ('crosspeer_tag_', 'Prod', False, 'crosspeer_tag_Prod'),  # case is kept
    ('crosspeer_status_', 'active', False, 'crosspeer_status_active'),
    ('acronis_dr_type_', 'RECOVERY', True, 'acronis_dr_type_recovery'),
    ('acronis_dr_status_', 'STAND_BY', True, 'acronis_dr_status_stand_by'),
    ('acronis_dr_status_', 'TEST_FAILOVER', True, 'acronis_dr_status_test_failover'),
    ('acronis_dr_readiness_', 'WARNING', True, 'acronis_dr_readiness_warning'),
    ('acronis_dr_site_', '40ca099f-c116-4f6c-9730-42a0bff138a2', True,
     'acronis_dr_site_40ca099f_c116_4f6c_9730_42a0bff138a2'),
    ('acronis_dr_site_', 'F3B3B3B3-3B3B-3B3B-3B3B-3B3B3B3B3B3B', True,
     'acronis_dr_site_f3b3b3b3_3b3b_3b3b_3b3b_3b3b3b3b3b3b'),
    ('acronis_dr_status_', 'a.b:c d', True, 'acronis_dr_status_a_b_c_d'),
    ('acronis_dr_status_', u'CAF\u00c9', True, 'acronis_dr_status_caf_'),
    ('acronis_dr_status_', '{{ x }}', True, 'acronis_dr_status____x___'),
])
def test_group_name_is_always_a_valid_group_name(prefix, value, lower, expected):
    assert group_name(prefix, value, lower=lower) == expected


def test_hostnames_from_names_with_duplicates_and_nameless_servers():
    pairs, duplicates = choose_hostnames([WEB, DUP_A, DB, DUP_B, NAMELESS])
    assert [name for name, dummy in pairs] == ['web', DUP_A['uuid'], 'db', DUP_B['uuid'], NAMELESS['uuid']]
    assert [server for dummy, server in pairs] == [WEB, DUP_A, DB, DUP_B, NAMELESS]
    assert duplicates == ['dup']


def test_a_name_is_only_a_duplicate_among_the_given_servers():
    pairs, duplicates = choose_hostnames([WEB, DUP_A])
    assert [name for name, dummy in pairs] == ['web', 'dup']
    assert duplicates == []


def test_hostnames_from_uuids():
    pairs, duplicates = choose_hostnames([WEB, DUP_A, DUP_B], 'uuid')
    assert [name for name, dummy in pairs] == [WEB['uuid'], DUP_A['uuid'], DUP_B['uuid']]
    assert duplicates == []


def test_hostnames_from_another_id_key():
    servers = [{'server': s['uuid'], 'name': s['name']} for s in (WEB, DUP_A, DUP_B)]
    pairs, duplicates = choose_hostnames(servers, 'name', 'server')
    assert [name for name, dummy in pairs] == ['web', DUP_A['uuid'], DUP_B['uuid']]
    assert duplicates == ['dup']
    pairs, duplicates = choose_hostnames(servers, 'uuid', 'server')
    assert [name for name, dummy in pairs] == [WEB['uuid'], DUP_A['uuid'], DUP_B['uuid']]


def test_prefixed():
    variables = {'a': 1, 'b': 2}
    assert prefixed(variables, '') == {'a': 1, 'b': 2}
    assert prefixed(variables, None) == {'a': 1, 'b': 2}
    assert prefixed(variables, 'cp_') == {'cp_a': 1, 'cp_b': 2}
    assert prefixed(variables, '') is not variables


def test_cache_account_depends_on_endpoint_account_and_extra_parts():
    base = cache_account('https://us-east.crosspeer.com/api/', WEB['uuid'])
    assert base == cache_account('https://us-east.crosspeer.com/api/', WEB['uuid'].upper())
    assert base != cache_account('https://us-east.crosspeer.com/api/', DB['uuid'])
    assert base != cache_account('http://127.0.0.1:8450/crosspeer/api/', WEB['uuid'])
    assert base != cache_account('https://us-east.crosspeer.com/api/', WEB['uuid'], 'RECOVERY')
    assert cache_account('https://dc', 'c', None, '') == cache_account('https://dc', 'c', '', None)
    assert len(base) == 12


@pytest.mark.parametrize('args, expected', [
    # The keys the plugins wrote before this helper was shared: existing cache entries stay valid.
    (('https://us-east.crosspeer.com/api/', 'ABC-def'), '781f221e3df0'),
    ((None, None), 'cbe5cfdf7c21'),
    (('https://dev-cloud.acronis.com', 'Client-1', None, ''), 'aa032f7d0b89'),
    (('https://dc', 'c', 'RECOVERY', 'a,b'), '6c48d91216a2'),
    (('https://dc', None, None, ''), 'dce4907296a3'),
])
def test_cache_account_values_are_stable(args, expected):
    assert cache_account(*args) == expected


# -- the base class, with a fake service -----------------------------------------------

class RecordingCache(dict):
    """A cache plugin stand-in that counts writes."""

    def __init__(self, *args, **kwargs):
        super(RecordingCache, self).__init__(*args, **kwargs)
        self.writes = 0

    def __setitem__(self, key, value):
        self.writes += 1
        super(RecordingCache, self).__setitem__(key, value)


class FakeInventory(ServiceInventory):
    """A service of ``SERVERS`` (fetched with one "request"), configured through ``OPTIONS``."""

    NAME = 'backupdr.cloud.fake'
    CONFIG_SUFFIXES = ('fake.yml', 'fake.yaml')
    API_OPTIONS = ('api_url', 'api_user')
    CACHE_LISTS = ('servers', 'extra')
    OPTIONS = dict(api_url='https://fake', api_user='User-1', cache=False, strict=False, hostname_source='name',
                   hostvars_prefix='fake_', ansible_host_source='ip', status=[], filters=[], compose={},
                   groups={}, keyed_groups=[])

    def __init__(self, servers=(), fail=None, **options):
        super(FakeInventory, self).__init__()
        self.servers = list(servers)
        self.fail = fail
        self.requests = 0
        self._options.update(self.OPTIONS, **options)
        self._cache = RecordingCache()

    def get_cache_key(self, path):
        return 'fake_' + path

    def _read_config_data(self, path):
        pass

    def _request(self, params):
        return cache_account(params['api_url'], params['api_user']), ('all',)

    def _fetch(self, params, which):
        assert which == 'all'
        self.requests += 1
        if self.fail:
            raise self.fail
        return dict(servers=[dict(s) for s in self.servers], extra=[])

    def _matcher(self):
        statuses = self.get_option('status')
        return lambda server: not statuses or server['status'] in statuses

    def _host_address(self, server, source):
        return server.get(source)

    def _groups(self, server):
        return [group_name('fake_status_', server['status'], lower=True)]


def run(plugin, cache=True, path='inv.fake.yml'):
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), path, cache=cache)
    return inventory


def cache_key(plugin, path='inv.fake.yml'):
    return 'fake_%s_%s' % (path, cache_account(plugin._options['api_url'], plugin._options['api_user']))


@pytest.mark.parametrize('name, expected', [
    ('fake.yml', True), ('prod.fake.yaml', True), ('inventory.yml', False), ('fake.json', False),
])
def test_verify_file_checks_the_configuration_file_name(tmp_path, name, expected):
    path = tmp_path / name
    path.write_text(u'plugin: backupdr.cloud.fake\n')
    assert FakeInventory().verify_file(str(path)) is expected


def test_verify_file_needs_an_existing_file(tmp_path):
    assert FakeInventory().verify_file(str(tmp_path / 'missing.fake.yml')) is False


def test_hosts_variables_and_groups():
    inventory = run(FakeInventory([WEB, DB, DUP_A, DUP_B, NAMELESS]))
    assert sorted(inventory.hosts) == sorted(['web', 'db', DUP_A['uuid'], DUP_B['uuid'], NAMELESS['uuid']])
    web = inventory.get_host('web').vars
    assert web['fake_name'] == 'web' and web['fake_status'] == 'ACTIVE'
    assert web['ansible_host'] == '198.18.0.7'
    assert 'ansible_host' not in inventory.get_host('db').vars
    assert [h.name for h in inventory.groups['fake_status_stopped'].get_hosts()] == ['db', DUP_A['uuid']]


def test_host_variables_from_the_api_are_never_templates():
    evil = dict(WEB, name="{{ 'tem' ~ 'plate' }}")
    hostvars = run(FakeInventory([evil], hostname_source='uuid')).get_host(WEB['uuid']).vars
    templar = Templar(loader=DataLoader(), variables=hostvars)
    assert templar.template(trust_as_template('{{ fake_name }}')) == "{{ 'tem' ~ 'plate' }}"


def test_duplicate_names_are_named_by_uuid_with_a_warning():
    plugin = FakeInventory([WEB, DUP_A, DUP_B])
    with mock.patch.object(plugin.display, 'warning') as warning:
        run(plugin)
    warning.assert_called_once_with("backupdr.cloud.fake inventory: several servers are named 'dup'; "
                                    "those hosts are named by UUID instead")


def test_a_duplicate_name_left_out_by_a_filter_is_no_duplicate():
    plugin = FakeInventory([WEB, DUP_A, DUP_B], status=['ACTIVE', 'STOPPED'])
    with mock.patch.object(plugin.display, 'warning') as warning:
        assert sorted(run(plugin).hosts) == ['dup', 'web']
    warning.assert_not_called()


def test_uuid_hostnames_and_an_empty_prefix():
    inventory = run(FakeInventory([WEB], hostname_source='uuid', hostvars_prefix=''))
    assert list(inventory.hosts) == [WEB['uuid']]
    assert inventory.get_host(WEB['uuid']).vars['status'] == 'ACTIVE'


def test_without_cache_every_run_reads_and_nothing_is_written():
    plugin = FakeInventory([WEB])
    run(plugin)
    run(plugin)
    assert plugin.requests == 2
    assert plugin._cache == {} and plugin._cache.writes == 0


def test_a_cache_hit_makes_no_request_and_does_not_rewrite_the_entry():
    plugin = FakeInventory([WEB], cache=True)
    run(plugin)
    assert plugin.requests == 1 and plugin._cache.writes == 1
    assert plugin._cache[cache_key(plugin)] == dict(format=1, servers=[WEB], extra=[])
    plugin.servers = [DB]  # the service changed, the cache did not
    assert list(run(plugin).hosts) == ['web']
    assert plugin.requests == 1 and plugin._cache.writes == 1


def test_a_refresh_reads_again_and_rewrites_the_entry():
    plugin = FakeInventory([WEB], cache=True)
    run(plugin)
    plugin.servers = [DB]
    assert list(run(plugin, cache=False).hosts) == ['db']  # --flush-cache, meta: refresh_inventory
    assert plugin.requests == 2 and plugin._cache.writes == 2
    assert plugin._cache[cache_key(plugin)]['servers'] == [DB]


@pytest.mark.parametrize('entry', [
    dict(format=2, servers=[DB], extra=[]),
    dict(format=1, servers=[DB]),  # a list is missing
    dict(format=1, servers={}, extra=[]),
    [DB],
])
def test_an_entry_of_another_format_is_not_used(entry):
    plugin = FakeInventory([WEB], cache=True)
    plugin._cache[cache_key(plugin)] = entry
    assert list(run(plugin).hosts) == ['web']
    assert plugin.requests == 1
    assert plugin._cache[cache_key(plugin)] == dict(format=1, servers=[WEB], extra=[])


def test_the_cache_key_depends_on_the_account():
    plugin = FakeInventory([WEB], cache=True)
    run(plugin)
    plugin._options['api_user'] = 'user-2'
    run(plugin)
    assert plugin.requests == 2 and len(plugin._cache) == 2


@pytest.mark.parametrize('exc', [ApiError('HTTP 401: unauthorized'), ValidationError('api_user', 'missing')])
def test_service_errors_name_the_plugin(exc):
    with pytest.raises(AnsibleError, match=r'^backupdr\.cloud\.fake inventory: '):
        run(FakeInventory([WEB], fail=exc))


def test_filters_see_the_prefixed_variables_and_ansible_host():
    filters = [trust_as_template("fake_status == 'ACTIVE' or fake_name == 'db'"),
               trust_as_template('ansible_host is defined')]
    inventory = run(FakeInventory([WEB, DB], filters=filters))
    assert list(inventory.hosts) == ['web']


def test_a_filter_that_fails_excludes_the_server_unless_strict():
    filters = [trust_as_template('fake_nothing.x > 1')]
    assert list(run(FakeInventory([WEB], filters=filters)).hosts) == []
    with pytest.raises(AnsibleError, match=r"^backupdr\.cloud\.fake inventory: could not evaluate filter "
                                           r"'fake_nothing.x > 1' for server %s: " % WEB['uuid']):
        run(FakeInventory([WEB], filters=filters, strict=True))


def test_constructed_options_use_the_prefixed_variables():
    inventory = run(FakeInventory([WEB, DB], compose={'role': trust_as_template("fake_name ~ '_role'")},
                                  groups={'running': trust_as_template("fake_status == 'ACTIVE'")},
                                  keyed_groups=[{'key': trust_as_template('fake_status'), 'prefix': 'state'}]))
    assert inventory.get_host('web').vars['role'] == 'web_role'
    assert [h.name for h in inventory.groups['running'].get_hosts()] == ['web']
    assert [h.name for h in inventory.groups['state_STOPPED'].get_hosts()] == ['db']


def test_compose_and_filters_never_template_api_data():
    # ansible-core 2.17 templates compose/groups/keyed_groups/filters with the host
    # variables: an API value that looks like a template must stay literal there too.
    evil = dict(WEB, name="{{ 'tem' ~ 'plate' }}")
    inventory = run(FakeInventory([evil], hostname_source='uuid',
                                  compose={'copied': trust_as_template('fake_name')},
                                  groups={'literal': trust_as_template("fake_name is search(' ~ ')")},
                                  filters=[trust_as_template("fake_name != 'template'")]))
    host = inventory.get_host(WEB['uuid'])
    assert host is not None
    assert host.vars['copied'] == "{{ 'tem' ~ 'plate' }}"
    assert [h.name for h in inventory.groups['literal'].get_hosts()] == [WEB['uuid']]
