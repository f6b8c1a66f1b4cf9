# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the backupdr.cloud.rax_backup inventory plugin.

What it shares with the other inventory plugins is tested in
tests/unit/plugins/plugin_utils/test_inventory.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.inventory.rax_backup import (
    InventoryModule, agent_groups, host_address, host_views, merge_listings,
)
from ansible_collections.backupdr.cloud.plugins.plugin_utils.inventory import choose_hostnames


def agent(agent_id, name, datacenter, **extra):
    out = {'MachineAgentId': agent_id, 'MachineName': name, 'Datacenter': datacenter, 'OperatingSystem': 'Ubuntu',
           'IsDisabled': False, 'IsEncrypted': False, 'IPAddress': '192.0.2.%d' % (agent_id % 250), 'Status': 'Offline'}
    out.update(extra)
    return out


def test_merge_listings_keeps_each_agent_once_in_its_region():
    dfw = [agent(1, 'a', 'DFW'), agent(2, 'b', 'ORD'), agent(3, 'c', 'IAD')]   # a "global" endpoint lists them all
    ord_ = [agent(2, 'b', 'ORD')]
    pairs = merge_listings([('DFW', dfw), ('ORD', ord_)], set(['DFW', 'ORD']))
    assert [(a['MachineAgentId'], region) for a, region in pairs] == [(1, 'DFW'), (2, 'ORD')]
    # without regions (a given endpoint) everything listed is kept
    assert len(merge_listings([('endpoint', dfw)])) == 3


def test_host_views_with_detail_and_configurations():
    pairs = [(agent(1, 'a', 'DFW'), 'DFW'), (agent(2, 'b', 'DFW'), 'DFW')]
    details = {1: agent(1, 'a', 'DFW', Status='Online', HostServerId='x')}
    configs = {1: [{'config_id': 7, 'name': 'n', 'enabled': True, 'frequency': 'daily', 'last_run': None,
                    'last_backup_id': None, 'backup_state': 'Completed', 'include': ['folder:/x']}]}
    views = host_views(pairs, details, configs, detail=True)
    assert [v['agent_id'] for v in views] == [1]  # agent 2 disappeared between the listing and its read
    assert views[0]['status'] == 'Online' and views[0]['region'] == 'DFW'
    assert views[0]['configurations'] == [{'config_id': 7, 'name': 'n', 'enabled': True, 'frequency': 'daily',
                                           'last_run': None, 'last_backup_id': None, 'backup_state': 'Completed'}]
    listed = host_views(pairs, {}, None, detail=False)
    assert [v['status'] for v in listed] == [None, None] and 'configurations' not in listed[0]


def test_groups_and_address():
    view = host_views([(agent(1, 'a', 'LON', OperatingSystem='Windows Server 2012', IsEncrypted=True,
                              IsDisabled=True), 'LON')], {1: agent(1, 'a', 'LON', OperatingSystem='Windows Server 2012',
                                                                   IsEncrypted=True, IsDisabled=True, Status='Online')})[0]
    assert agent_groups(view) == ['rax_backup_dc_lon', 'rax_backup_os_windows_server_2012', 'rax_backup_encrypted',
                                  'rax_backup_disabled', 'rax_backup_online']
    assert 'rax_backup_online' not in agent_groups(dict(view, status=None))
    assert host_address(view) == view['ip_address'] and host_address(view, 'none') is None


def test_hostnames_fall_back_to_the_agent_id():
    plugin = InventoryModule()
    plugin.get_option = lambda name: {'hostname_source': 'name'}[name]
    views = [{'agent_id': 1, 'name': 'web'}, {'agent_id': 2, 'name': 'web'}, {'agent_id': 3, 'name': 'db'}]
    pairs, duplicates = choose_hostnames(plugin._hosts({'agents': views}), 'name', InventoryModule.ID_KEY)
    assert [name for name, dummy in pairs] == ['1', '2', 'db'] and duplicates == ['web']
    assert plugin._host_vars(pairs[2][1]) == views[2]
    plugin.get_option = lambda name: {'hostname_source': 'agent_id'}[name]
    pairs, duplicates = choose_hostnames(plugin._hosts({'agents': views}), 'agent_id', InventoryModule.ID_KEY)
    assert [name for name, dummy in pairs] == ['1', '2', '3'] and duplicates == []
