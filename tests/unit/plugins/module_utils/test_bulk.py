# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet layer (module_utils/bulk.py): shared list reads, locks, per-item results."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils.bulk import (
    HeldLocks, ItemExit, ItemModule, Snapshot, check_parallel, run_bulk,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def test_snapshot_reads_once_and_bypass_reads_fresh():
    calls = []
    snap = Snapshot()

    def fetch():
        calls.append(1)
        return [{'name': 'a'}]
    threads = [threading.Thread(target=lambda: snap.get('k', fetch)) for dummy in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert not snap.fresh()
    with snap.bypass():
        assert snap.fresh()
    assert not snap.fresh()


def test_held_locks_are_released_only_at_the_end(tmp_path):
    locks = HeldLocks(str(tmp_path))
    key = locks.acquire('scope', 'drive', 'a')
    assert locks.acquire('scope', 'drive', 'a') == key  # a second item with the lock: no deadlock
    locks.release(key)
    assert key in locks._held  # pylint: disable=protected-access
    locks.release_all()
    assert not locks._held  # pylint: disable=protected-access


def test_check_parallel():
    assert check_parallel(None) == 8
    with pytest.raises(ValidationError):
        check_parallel(0)
    with pytest.raises(ValidationError):
        check_parallel(33)


class Parent:
    check_mode = False
    _diff = True
    no_log_values = set()

    def __init__(self):
        self.warnings = []
        self.result = None

    def warn(self, message):
        self.warnings.append(message)

    def exit_json(self, **result):
        self.result = result
        raise SystemExit(0)

    def fail_json(self, **result):
        self.result = result
        raise SystemExit(1)


class Client:
    snapshot = None


def test_invalid_items_fail_before_any_item_runs():
    ran = []

    def body(module):
        if module.params['name'] == 'bad':
            raise ValidationError('size', 'must be positive')
        if getattr(module, 'validate_only', False):
            return module.exit_json(changed=False)
        ran.append(module.params['name'])
        return module.exit_json(changed=True)
    parent = Parent()
    with pytest.raises(SystemExit):
        run_bulk(parent, [{'name': 'ok'}, {'name': 'bad'}], dict, body, Client(), 'drives',
                 lambda params: params['name'], (ValidationError,))
    assert ran == []
    assert 'drives[1] (bad): size: must be positive' in parent.result['msg']


def test_one_result_per_item_and_failures_reported_after_all_ran():
    def body(module):
        if getattr(module, 'validate_only', False):
            raise ItemExit({})
        if module.params['name'] == 'b':
            raise ValidationError('size', 'drives can only grow')
        module.warn('note about %s' % module.params['name'])
        module.exit_json(changed=module.params['name'] == 'a', diff=dict(before={}, after={'n': 1}))
    parent = Parent()
    with pytest.raises(SystemExit):
        run_bulk(parent, [{'name': 'a'}, {'name': 'b'}, {'name': 'c'}], dict, body, Client(), 'drives',
                 lambda params: params['name'], (ValidationError,), parallel=2)
    result = parent.result
    assert result['summary'] == {'total': 3, 'changed': 1, 'failed': 1}
    assert [r['name'] for r in result['results']] == ['a', 'b', 'c']
    assert result['results'][1]['failed'] and 'can only grow' in result['results'][1]['msg']
    assert result['diff']['after']['a'] == {'n': 1}
    assert 'drives a: note about a' in parent.warnings
    assert '1 of 3 drives failed' in result['msg']


def test_item_module_collects_its_own_result():
    item = ItemModule(Parent(), {'x': 1})
    with pytest.raises(ItemExit) as done:
        item.exit_json(changed=True)
    assert done.value.result == {'changed': True}
