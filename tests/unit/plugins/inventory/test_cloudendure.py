# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the CloudEndure inventory plugin."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.inventory.cloudendure import (
    host_address, link, machine_groups, machine_matches, name_hosts,
)

SOURCE = {'id': 'i-1', 'name': 'web', 'is_replica': False, 'role': 'primary', 'location': 'AWS US East (N. Virginia)',
          'replicationState': 'Replicated', 'type': 'ec2', 'persistentPublicIps': ['1.2.3.4']}
REPLICA = {'id': 'i-9', 'name': 'web', 'is_replica': True, 'originalId': 'i-1', 'role': 'secondary',
           'location': 'AWS US West (Oregon)', 'replicationState': 'Not Replicated', 'type': 'ec2',
           'persistentPublicIps': None}


def test_names_and_links():
    views = [dict(SOURCE), dict(REPLICA), {'id': 'i-5', 'name': None, 'is_replica': False}]
    pairs, duplicates = name_hosts(views, 'name', '_replica')
    assert [host for host, dummy in pairs] == ['web', 'web_replica', 'i-5'] and duplicates == []
    link(pairs)
    assert views[0]['replica_hosts'] == ['web_replica'] and views[1]['source_host'] == 'web'
    assert views[2]['replica_hosts'] == [] and views[2]['source_host'] is None
    twins = [dict(SOURCE), dict(SOURCE, id='i-2')]
    pairs, duplicates = name_hosts(twins, 'name', '_replica')
    assert [host for host, dummy in pairs] == ['i-1', 'i-2'] and duplicates == ['web']
    assert [host for host, dummy in name_hosts(views, 'id')[0]] == ['i-1', 'i-9', 'i-5']


def test_groups_address_filters():
    assert machine_groups(SOURCE) == ['cloudendure_primary', 'cloudendure_sources', 'cloudendure_replication_replicated',
                                      'cloudendure_type_ec2', 'cloudendure_location_aws_us_east__n__virginia_']
    assert machine_groups(REPLICA)[:3] == ['cloudendure_secondary', 'cloudendure_replicas',
                                           'cloudendure_replication_not_replicated']
    assert host_address(SOURCE) == '1.2.3.4' and host_address(REPLICA) is None
    assert host_address(SOURCE, 'none') is None
    assert machine_matches(SOURCE, ['Replicated'], ['ec2']) and not machine_matches(REPLICA, ['Replicated'], [])
