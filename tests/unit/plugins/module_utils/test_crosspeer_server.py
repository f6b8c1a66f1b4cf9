# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The server type's custom fields and hooks (pure, no HTTP)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer_server import (
    DrivesField, NicsField, OnOffField, ServerType,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import MASK, ValidationError

BOOT = '6a5c1f0e-2b7d-4c1e-9b3f-0a2d0e7c9b41'
DATA = '0b7e4d2a-3c6f-4a8e-8d1b-9e5f2c7a6d30'
CD = '37e0f871-8a71-4b15-9478-ada0109dcce5'
VLAN = '8b2e7c1d-4f3a-4e6b-9c2d-1a0f5e7d3b92'


class FakeClient:
    """Answers the two reads ``ServerType.resolve`` makes; records them."""

    def __init__(self, drives, readable=()):
        self.drives = drives
        self.readable = set(readable)
        self.calls = []

    def list_objects(self, path):
        self.calls.append(path)
        return self.drives

    def get_object(self, path):
        self.calls.append(path)
        uuid = path.split('/')[1]
        return {'drive': uuid} if uuid in self.readable else None


# -- drives ---------------------------------------------------------------------------

def test_drives_normalize_sorts_defaults_media_and_lowercases_uuids():
    field = DrivesField()
    value = field.normalize([
        {'device': 'block:1', 'drive': DATA.upper()},
        {'device': 'IDE:1:0', 'drive': CD, 'media': 'cdrom'},
        {'device': 'ide:0:0', 'drive': 'web-boot', 'media': None},
    ])
    assert value == [
        {'device': 'ide:0:0', 'drive': 'web-boot', 'media': 'disk'},
        {'device': 'ide:1:0', 'drive': CD, 'media': 'cdrom'},
        {'device': 'block:1', 'drive': DATA, 'media': 'disk'},
    ]


@pytest.mark.parametrize('items, option, text', [
    ([{'device': 'ide:2:0', 'drive': BOOT}], 'drives[0].device', 'expected ide:BUS:UNIT'),
    ([{'device': 'scsi:1:0', 'drive': BOOT}], 'drives[0].device', 'expected ide:BUS:UNIT'),
    ([{'device': 'block:8', 'drive': BOOT}], 'drives[0].device', 'expected ide:BUS:UNIT'),
    ([{'device': 'ide:0:0', 'drive': BOOT}, {'device': 'ide:0:0', 'drive': DATA}], 'drives[1].device', 'twice'),
    ([{'device': 'ide:0:0', 'drive': ''}], 'drives[0].drive', 'is required'),
    ([{'device': 'ide:0:0', 'drive': 'zzzzzzzz-1111-2222-3333-444444444444'}], 'drives[0].drive', 'not a valid UUID'),
    ([{'device': 'ide:0:0', 'drive': '6a5c1f0e-2b7d-4c1e-9b3f'}], 'drives[0].drive', 'not a valid UUID'),
    ([{'device': 'ide:0:0', 'drive': BOOT, 'media': 'floppy'}], 'drives[0].media', 'disk or cdrom'),
    ([{'device': 'ide:0:0', 'drive': BOOT, 'size': 1}], 'drives[0]', 'unknown keys size'),
    (['ide:0:0'], 'drives[0]', 'expected a dictionary'),
])
def test_drives_normalize_rejects_bad_input(items, option, text):
    with pytest.raises(ValidationError) as err:
        DrivesField().normalize(items)
    assert err.value.option == option
    assert text in str(err.value)


def test_drives_from_api_ignores_counters_and_defaults_media():
    flat = {
        'ide:0:0': BOOT.upper(), 'ide:1:0': CD, 'ide:1:0:media': 'cdrom',
        'ide:0:0:read:bytes': '0', 'ide:0:0:write:requests': '7', 'ide:0:1:media': 'cdrom',
        'boot': 'ide:0:0', 'name': 'web',
    }
    assert DrivesField().from_api(flat) == [
        {'device': 'ide:0:0', 'drive': BOOT, 'media': 'disk'},
        {'device': 'ide:1:0', 'drive': CD, 'media': 'cdrom'},
    ]
    assert DrivesField().from_api({}) == []


def test_drives_to_api_sends_media_explicitly():
    value = [{'device': 'ide:0:0', 'drive': BOOT, 'media': 'disk'}, {'device': 'ide:1:0', 'drive': CD, 'media': 'cdrom'}]
    assert DrivesField().to_api(value) == {
        'ide:0:0': BOOT, 'ide:0:0:media': 'disk', 'ide:1:0': CD, 'ide:1:0:media': 'cdrom',
    }


def test_drives_unset_media_equals_disk():
    field = DrivesField()
    current = field.from_api({'ide:0:0': BOOT})
    wanted = field.normalize([{'device': 'ide:0:0', 'drive': BOOT}])
    assert field.equal(current, wanted)
    assert field.update_keys({'ide:0:0': BOOT}, wanted) == {}


def test_drives_update_keys_only_differences_and_clears_detached():
    field = DrivesField()
    flat = {'ide:0:0': BOOT, 'ide:0:1': DATA, 'ide:0:1:media': 'disk', 'ide:1:0': CD, 'ide:1:0:media': 'cdrom',
            'ide:0:1:read:bytes': '0'}
    wanted = field.normalize([
        {'device': 'ide:0:0', 'drive': BOOT},
        {'device': 'ide:1:0', 'drive': CD, 'media': 'disk'},
        {'device': 'scsi:0:2', 'drive': DATA},
    ])
    assert not field.equal(field.from_api(flat), wanted)
    assert field.update_keys(flat, wanted) == {
        'ide:1:0:media': 'disk',
        'scsi:0:2': DATA, 'scsi:0:2:media': 'disk',
        'ide:0:1': '', 'ide:0:1:media': '',
    }


def test_drives_owned_keys_exclude_counters():
    flat = {'ide:0:0': BOOT, 'ide:0:0:media': 'disk', 'ide:0:0:read:bytes': '0', 'block:3': DATA, 'boot': 'ide:0:0'}
    assert DrivesField().owned_keys(flat) == {'ide:0:0', 'ide:0:0:media', 'block:3'}


def test_drives_removing_all():
    field = DrivesField()
    flat = {'ide:0:0': BOOT, 'ide:0:0:media': 'disk'}
    assert field.normalize([]) == []
    assert field.update_keys(flat, []) == {'ide:0:0': '', 'ide:0:0:media': ''}


# -- nics -------------------------------------------------------------------------------

def test_nics_normalize_defaults_and_canonical_case():
    value = NicsField().normalize([
        {'dhcp': 'AUTO'},
        {'model': 'virtio', 'vlan': VLAN.upper(), 'mac': '02:00:00:AA:BB:01', 'dhcp': ''},
    ])
    assert value == [
        {'model': 'e1000', 'dhcp': 'auto', 'vlan': None, 'mac': None},
        {'model': 'virtio', 'dhcp': None, 'vlan': VLAN, 'mac': '02:00:00:aa:bb:01'},
    ]


@pytest.mark.parametrize('items, option, text', [
    ([{'model': 'ne2000'}], 'nics[0].model', 'expected one of e1000, rtl8139, virtio'),
    ([{'dhcp': '10.0.0.256'}], 'nics[0].dhcp', "IPv4 address or 'auto'"),
    ([{}, {'vlan': 'office'}], 'nics[1].vlan', 'expected a UUID'),
    ([{'mac': '02:00:00:aa:bb'}], 'nics[0].mac', 'MAC address'),
    ([{'ip': '10.0.0.1'}], 'nics[0]', 'unknown keys ip'),
    ('nic0', 'nics', 'expected a list'),
])
def test_nics_normalize_rejects_bad_input(items, option, text):
    with pytest.raises(ValidationError) as err:
        NicsField().normalize(items)
    assert err.value.option == option
    assert text in str(err.value)


def test_nics_from_api_by_index_ignoring_runtime_keys():
    flat = {'nic:1:model': 'virtio', 'nic:1:vlan': VLAN.upper(), 'nic:0:model': 'e1000', 'nic:0:dhcp': 'auto',
            'nic:0:dhcp:ip': '198.18.0.1', 'nic:0:mac': '02:00:00:AA:BB:01'}
    assert NicsField().from_api(flat) == [
        {'model': 'e1000', 'dhcp': 'auto', 'vlan': None, 'mac': '02:00:00:aa:bb:01'},
        {'model': 'virtio', 'dhcp': None, 'vlan': VLAN, 'mac': None},
    ]
    assert NicsField().owned_keys(flat) == {'nic:1:model', 'nic:1:vlan', 'nic:0:model', 'nic:0:dhcp', 'nic:0:mac'}
    assert NicsField().from_api({}) == []


def test_nics_generated_mac_is_not_a_difference():
    field = NicsField()
    flat = {'nic:0:model': 'e1000', 'nic:0:dhcp': 'auto', 'nic:0:mac': '52:54:00:12:34:56'}
    wanted = field.normalize([{'dhcp': 'auto'}])
    assert field.equal(field.from_api(flat), wanted)
    assert field.update_keys(flat, wanted) == {}


def test_nics_wanted_mac_is_compared():
    field = NicsField()
    flat = {'nic:0:model': 'e1000', 'nic:0:mac': '52:54:00:12:34:56'}
    wanted = field.normalize([{'mac': '02:00:00:00:00:01'}])
    assert not field.equal(field.from_api(flat), wanted)
    assert field.update_keys(flat, wanted) == {'nic:0:mac': '02:00:00:00:00:01'}


def test_nics_changing_one_key_keeps_the_generated_mac():
    field = NicsField()
    flat = {'nic:0:model': 'e1000', 'nic:0:dhcp': 'auto', 'nic:0:mac': '52:54:00:12:34:56'}
    wanted = field.normalize([{'model': 'virtio'}])
    assert not field.equal(field.from_api(flat), wanted)
    assert field.update_keys(flat, wanted) == {'nic:0:model': 'virtio', 'nic:0:dhcp': ''}


def test_nics_removing_the_last_nic_clears_its_keys():
    field = NicsField()
    flat = {'nic:0:model': 'e1000', 'nic:0:dhcp': 'auto', 'nic:1:model': 'virtio', 'nic:1:vlan': VLAN,
            'nic:1:mac': '52:54:00:12:34:57', 'nic:1:dhcp:ip': '198.18.0.2'}
    wanted = field.normalize([{'dhcp': 'auto'}])
    assert not field.equal(field.from_api(flat), wanted)
    assert field.update_keys(flat, wanted) == {'nic:1:model': '', 'nic:1:vlan': '', 'nic:1:mac': ''}


def test_nics_adding_a_nic_sends_only_its_set_keys():
    field = NicsField()
    wanted = field.normalize([{'dhcp': 'auto'}, {'model': 'rtl8139', 'vlan': VLAN}])
    assert field.update_keys({'nic:0:model': 'e1000', 'nic:0:dhcp': 'auto'}, wanted) == {
        'nic:1:model': 'rtl8139', 'nic:1:vlan': VLAN,
    }
    create = dict((k, v) for k, v in field.to_api(wanted).items() if v != '')
    assert create == {'nic:0:model': 'e1000', 'nic:0:dhcp': 'auto', 'nic:1:model': 'rtl8139', 'nic:1:vlan': VLAN}


# -- scalar fields and the type -----------------------------------------------------------

def test_vnc_tls_is_on_or_unset():
    field = OnOffField('vnc_tls', 'vnc:tls')
    assert field.to_api(True) == {'vnc:tls': 'on'}
    assert field.to_api(False) == {'vnc:tls': ''}
    assert field.from_api({'vnc:tls': 'on'}) is True
    assert field.from_api({}) is False


def test_scalar_normalizers():
    rtype = ServerType(None, {})
    assert rtype.field('smp').normalize('AUTO') == 'auto'
    assert rtype.field('smp').normalize(4) == '4'
    assert rtype.field('vnc').normalize('auto') == 'auto'
    assert rtype.field('boot').normalize('ide:0:0 IDE:1:0') == ['ide:0:0', 'ide:1:0']
    for option, value in (('smp', 0), ('cpu', -5), ('mem', 'lots'), ('vnc', 'somewhere'), ('boot', ['ide:0:0', 'ide:0:0'])):
        with pytest.raises(ValidationError) as err:
            rtype.field(option).normalize(value)
        assert err.value.option == option


def test_vnc_password_length_without_echoing_it():
    field = ServerType(None, {}).field('vnc_password')
    assert field.normalize('12345678') == '12345678'
    with pytest.raises(ValidationError) as err:
        field.normalize('123456789-secret')
    assert err.value.option == 'vnc_password'
    assert 'at most 8' in str(err.value)
    assert 'secret' not in str(err.value)


def test_view_masks_the_password_and_keeps_state():
    flat = {'server': BOOT, 'name': 'web', 'status': 'active', 'cpu': '2000', 'mem': '512', 'smp': 'auto',
            'persistent': 'true', 'ide:0:0': BOOT, 'ide:0:0:read:bytes': '0', 'boot': 'ide:0:0',
            'nic:0:model': 'e1000', 'nic:0:dhcp': 'auto', 'nic:0:dhcp:ip': '198.18.0.1', 'vnc': 'auto',
            'vnc:password': 'pw', 'vnc:ip': '198.18.0.1', 'smp:cores': '1', 'user:owner': 'me', 'tags': 'b a'}
    view = ServerType(None, {}).view(flat)
    assert view['uuid'] == BOOT
    assert view['vnc_password'] == MASK
    assert view['persistent'] is True
    assert view['cpu'] == 2000
    assert view['drives'] == [{'device': 'ide:0:0', 'drive': BOOT, 'media': 'disk'}]
    assert view['boot'] == ['ide:0:0']
    assert view['nics'] == [{'model': 'e1000', 'dhcp': 'auto', 'vlan': None, 'mac': None}]
    assert view['nic_0_dhcp_ip'] == '198.18.0.1'
    assert view['ide_0_0_read_bytes'] == 0
    assert view['smp_cores'] == 1
    assert view['user_metadata'] == {'owner': 'me'}
    assert view['tags'] == ['a', 'b']
    assert view['vnc_tls'] is False
    assert 'pw' not in [v for v in view.values() if isinstance(v, str)]


def test_create_path_and_defaults():
    assert ServerType(None, {'state': 'started'}).create_path == 'servers/create'
    assert ServerType(None, {'state': 'restarted'}).create_path == 'servers/create'
    assert ServerType(None, {'state': 'present'}).create_path == 'servers/create/stopped'
    assert ServerType(None, {}).create_path == 'servers/create/stopped'
    assert ServerType(None, {}).create_defaults() == {'persistent': True}


def test_validate_checks_boot_against_drives_and_the_uuid():
    params = {'uuid': BOOT.upper()}
    rtype = ServerType(None, params)
    drives = DrivesField().normalize([{'device': 'ide:0:0', 'drive': BOOT}])
    rtype.validate({'boot': ['ide:0:0'], 'drives': drives})
    assert params['uuid'] == BOOT
    with pytest.raises(ValidationError) as err:
        rtype.validate({'boot': ['ide:0:0', 'ide:1:1'], 'drives': drives})
    assert err.value.option == 'boot'
    assert 'ide:1:1 is not attached' in str(err.value)
    with pytest.raises(ValidationError) as err:
        ServerType(None, {'uuid': 'web'}).validate({})
    assert err.value.option == 'uuid'


def test_resolve_names_and_checks_uuids():
    client = FakeClient([{'drive': BOOT, 'name': 'boot'}, {'drive': DATA, 'name': 'data'}], readable=[CD])
    rtype = ServerType(client, {})
    drives = DrivesField().normalize([
        {'device': 'ide:0:0', 'drive': 'boot'},
        {'device': 'ide:0:1', 'drive': DATA},
        {'device': 'ide:1:0', 'drive': CD, 'media': 'cdrom'},
    ])
    out = rtype.resolve({'drives': drives, 'cpu': 1000})
    assert [d['drive'] for d in out['drives']] == [BOOT, DATA, CD]
    assert out['cpu'] == 1000
    assert client.calls == ['drives/info', 'drives/%s/info' % CD]


@pytest.mark.parametrize('ref, text', [
    ('nope', "none of your drives is named 'nope'"),
    ('twin', "2 of your drives are named 'twin'"),
    ('00000000-1111-2222-3333-444444444444', 'no drive with UUID 00000000-1111-2222-3333-444444444444'),
])
def test_resolve_fails_clearly(ref, text):
    client = FakeClient([{'drive': BOOT, 'name': 'twin'}, {'drive': DATA, 'name': 'twin'}])
    drives = DrivesField().normalize([{'device': 'scsi:0:3', 'drive': ref}])
    with pytest.raises(ValidationError) as err:
        ServerType(client, {}).resolve({'drives': drives})
    assert err.value.option == 'drives'
    assert 'device scsi:0:3' in str(err.value)
    assert text in str(err.value)


def test_resolve_without_drives_reads_nothing():
    client = FakeClient([])
    assert ServerType(client, {}).resolve({'name': 'web'}) == {'name': 'web'}
    assert ServerType(client, {}).resolve({'drives': []}) == {'drives': []}
    assert client.calls == []


def test_check_boot_hints_when_boot_was_not_given():
    with pytest.raises(ValidationError) as err:
        ServerType.check_boot(['ide:0:0'], [{'device': 'ide:1:0'}], given=False)
    assert 'give boot as well' in str(err.value)
    ServerType.check_boot([], [], given=False)
