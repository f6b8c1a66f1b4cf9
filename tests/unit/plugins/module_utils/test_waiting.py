# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shared wait/poll and pagination helpers, with a fake clock."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import (
    WaitFailed, WaitTimeout, paginate, poll_intervals, wait_for,
)


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_for_returns_when_ready():
    clock = Clock()
    values = iter([1, 2, 3])
    assert wait_for(lambda: next(values), lambda v: v == 3, 60, sleep=clock.sleep, clock=clock) == 3
    assert clock.sleeps == [0.5, 0.75]


def test_wait_for_times_out_without_oversleeping():
    clock = Clock()
    with pytest.raises(WaitTimeout) as info:
        wait_for(lambda: 'busy', lambda v: False, 5, sleep=clock.sleep, clock=clock, what='imaging')
    assert info.value.last == 'busy'
    assert 'imaging' in str(info.value)
    assert clock.now == pytest.approx(5)


def test_wait_for_stops_on_failure():
    clock = Clock()
    with pytest.raises(WaitFailed) as info:
        wait_for(lambda: 'dead', lambda v: False, 60, failed=lambda v: 'server is %s' % v,
                 sleep=clock.sleep, clock=clock)
    assert 'server is dead' in str(info.value)
    assert clock.sleeps == []


def test_poll_intervals_are_capped():
    gen = poll_intervals(1, 2, 5)
    assert [next(gen) for dummy in range(5)] == [1, 2, 4, 5, 5]


def test_paginate_follows_cursors_and_stops():
    pages = {None: ([1, 2], 'a'), 'a': ([3], 'b'), 'b': ([4], None)}
    assert list(paginate(lambda c: pages[c])) == [1, 2, 3, 4]


def test_paginate_single_page_and_limit():
    assert list(paginate(lambda c: ([1, 2, 3], None))) == [1, 2, 3]
    assert list(paginate(lambda c: ([1, 2, 3], 'x'), limit=2)) == [1, 2]


def test_paginate_guards_against_a_looping_server():
    calls = []

    def page(cursor):
        calls.append(cursor)
        return [cursor], 'same'
    assert list(paginate(page)) == [None, 'same']
    assert len(calls) == 2
