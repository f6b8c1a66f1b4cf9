# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Field canonicalisation and per-key diffing of the resource engine (no HTTP)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import DriveType, UserMetadataField
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import (
    MASK, Field, ResourceEngine, ValidationError,
)


class FakeModule:
    def __init__(self, params, check_mode=False):
        self.params = params
        self.check_mode = check_mode
        self._diff = True
        self.warnings = []

    def warn(self, msg):
        self.warnings.append(msg)


def engine_for(**params):
    base = dict(uuid=None, name=None, size=None, claim_type=None, readers=None, tags=None,
                user_metadata=None, encryption_cipher=None, avoid=None)
    base.update(params)
    module = FakeModule(base)
    return ResourceEngine(module, DriveType(client=None, params=base))


CURRENT = {
    'drive': '6a5c1f0e-2b7d-4c1e-9b3f-0a2d0e7c9b41', 'name': 'data', 'size': '1073741824',
    'tags': 'b a', 'user:owner': 'ops', 'user:stale': 'x', 'user:backupdr-image': 'marker',
    'encryption:cipher': 'aes-xts-plain', 'status': 'active',
}


def test_no_change_when_equal():
    engine = engine_for(name='data', size='1G', tags=['a', 'b'], user_metadata={'owner': 'ops', 'stale': 'x'})
    assert engine.changes(CURRENT, engine.desired()) == {}


def test_set_fields_ignore_order_but_see_removals():
    engine = engine_for(tags=['a'])
    assert engine.changes(CURRENT, engine.desired()) == {'tags': (['a', 'b'], ['a'])}
    assert engine.update_payload(CURRENT, engine.changes(CURRENT, engine.desired())) == {'tags': 'a'}


def test_dict_field_removes_unwanted_keys_but_keeps_reserved_markers():
    engine = engine_for(user_metadata={'owner': 'dba'})
    changes = engine.changes(CURRENT, engine.desired())
    payload = engine.update_payload(CURRENT, changes)
    assert payload == {'user:owner': 'dba', 'user:stale': ''}
    assert 'user:backupdr-image' not in payload


def test_empty_list_clears():
    engine = engine_for(tags=[])
    payload = engine.update_payload(CURRENT, engine.changes(CURRENT, engine.desired()))
    assert payload == {'tags': ''}


def test_create_payload_skips_empty_and_unreadable_are_sent():
    engine = engine_for(name='n', size='2M', tags=[], avoid=['6A5C1F0E-2B7D-4C1E-9B3F-0A2D0E7C9B41'])
    payload = engine.create_payload(engine.desired())
    assert payload == {'name': 'n', 'size': str(2 * 1024 * 1024), 'avoid': '6a5c1f0e-2b7d-4c1e-9b3f-0a2d0e7c9b41'}


def test_unreadable_fields_are_not_compared():
    engine = engine_for(avoid=['6a5c1f0e-2b7d-4c1e-9b3f-0a2d0e7c9b41'])
    assert engine.changes(CURRENT, engine.desired()) == {}


def test_bad_input_names_the_option():
    with pytest.raises(ValidationError) as info:
        engine_for(size='ten gigs').desired()
    assert str(info.value).startswith('size:')
    with pytest.raises(ValidationError) as info:
        engine_for(readers=['bob']).desired()
    assert str(info.value).startswith('readers:')


def test_absent_values_fill_defaults():
    engine = engine_for(claim_type='exclusive')
    assert engine.changes(CURRENT, engine.desired()) == {}


def test_shrink_refused():
    engine = engine_for(size='1M')
    changes = engine.changes(CURRENT, engine.desired())
    with pytest.raises(ValidationError) as info:
        engine.rtype.check_update(CURRENT, changes)
    assert 'only grow' in str(info.value)


def test_secret_fields_are_masked():
    field = Field('vnc_password', 'vnc:password', secret=True)
    assert field.mask('s3cret') == MASK
    assert field.mask(None) is None


def test_view_uses_option_names_and_types():
    view = DriveType(client=None).view(CURRENT)
    assert view['uuid'] == CURRENT['drive']
    assert view['size'] == 1073741824
    assert view['tags'] == ['a', 'b']
    assert view['user_metadata'] == {'owner': 'ops', 'stale': 'x'}
    assert view['status'] == 'active'


def test_user_metadata_field_owns_only_user_keys():
    field = UserMetadataField()
    assert field.owned_keys(CURRENT) == {'user:owner', 'user:stale'}
