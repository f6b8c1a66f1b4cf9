# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one wait/poll helper and the one pagination helper.

Used by modules (``wait``/``wait_timeout``), ``_info`` modules and inventory
plugins alike, so that polling cadence and page walking behave the same
everywhere.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

#: Options for modules with long operations (``backupdr.cloud.wait`` doc fragment).
WAIT_ARGUMENT_SPEC = dict(
    wait=dict(type='bool', default=True),
    wait_timeout=dict(type='int', default=600),
)


class WaitTimeout(Exception):
    """The condition was not met in time; ``last`` is the last value seen."""

    def __init__(self, message, last=None, elapsed=None):
        super(WaitTimeout, self).__init__(message)
        self.last = last
        self.elapsed = elapsed


class WaitFailed(Exception):
    """The polled object reached a state from which it will not recover."""

    def __init__(self, message, last=None):
        super(WaitFailed, self).__init__(message)
        self.last = last


def poll_intervals(initial=0.5, factor=1.5, cap=10.0):
    """Endless generator of growing poll intervals (initial, *factor, capped)."""
    interval = initial
    while True:
        yield interval
        interval = min(cap, interval * factor)


def wait_for(fetch, ready, timeout, failed=None, what='operation', initial=0.5, factor=1.5,
             cap=10.0, sleep=time.sleep, clock=time.monotonic):
    """Call ``fetch()`` until ``ready(value)`` is true; return that value.

    ``failed(value)`` may return a message to stop early with
    :class:`WaitFailed`.  Raises :class:`WaitTimeout` after ``timeout`` seconds.
    ``fetch`` is called once immediately, then after growing intervals, never
    sleeping past the deadline.
    """
    start = clock()
    deadline = start + max(0, timeout)
    intervals = poll_intervals(initial, factor, cap)
    while True:
        value = fetch()
        if failed is not None:
            reason = failed(value)
            if reason:
                raise WaitFailed('%s failed: %s' % (what, reason), last=value)
        if ready(value):
            return value
        now = clock()
        if now >= deadline:
            raise WaitTimeout('timed out after %ds waiting for %s' % (int(now - start), what),
                              last=value, elapsed=now - start)
        sleep(min(next(intervals), max(0.0, deadline - now)))


def paginate(fetch_page, limit=None):
    """Yield items from every page.

    ``fetch_page(cursor)`` returns ``(items, next_cursor)``; the walk starts
    with ``cursor=None`` and stops when ``next_cursor`` is falsy, when a page is
    empty, or when a cursor repeats (a defensive guard against a server that
    loops).  Services without paging (CrossPeer) return ``(items, None)``.
    ``limit`` stops after that many items.
    """
    cursor = None
    seen = set()
    count = 0
    while True:
        items, next_cursor = fetch_page(cursor)
        for item in items or ():
            yield item
            count += 1
            if limit is not None and count >= limit:
                return
        if not next_cursor or not items or next_cursor in seen:
            return
        seen.add(next_cursor)
        cursor = next_cursor
