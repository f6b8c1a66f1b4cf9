# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The settle rule: what to say after a write whose answer was lost.

A write whose answer was lost (a timeout, a reset, a 5xx) may still be
applied by the service after the client gave up.  Looking once, right away,
races the service: the look can find nothing while the request is still in
flight, and "nothing happened" would then be false.  The rule, used by the
resource engine and the job engine alike:

* Look for the effect right away, then again at growing intervals, during the
  *settle window* (``HttpClient.settle_time``: ``api_settle_time``, else twice
  ``api_timeout`` and at least 10 s).
* The first look that finds the effect ends the wait: the effect is
  **verified** and adopted (with a warning that says what happened).
* Only when a look made after the whole window has passed still finds
  nothing is the outcome **not applied** ("nothing was created, safe to run
  again").
* When the last look failed itself, the outcome is **unknown**: the write's
  own error is kept, the look's error is added to it, and the message says what
  to check.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import MIN_SETTLE, ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import poll_intervals

VERIFIED = 'verified'
NOT_APPLIED = 'not_applied'
UNKNOWN = 'unknown'


class Look:
    """The outcome of :func:`look_after_lost`: ``state`` (verified, not_applied, unknown), ``found``, ``error``."""

    def __init__(self, state, found=None, error=None, looks=0, elapsed=0.0):
        self.state = state
        self.found = found
        self.error = error
        self.looks = looks
        self.elapsed = elapsed


def settle_time_of(client):
    """The settle window of a service client (its ``HttpClient``), in seconds."""
    http = getattr(client, 'http', client)
    return float(getattr(http, 'settle_time', None) or MIN_SETTLE)


def look_after_lost(look, window, sleep=time.sleep, clock=time.monotonic, initial=0.5, factor=1.5, cap=5.0):
    """Call ``look()`` until it returns something truthy, or until a look made after ``window`` seconds
    still returns nothing.  ``look`` may raise ApiError: a failed look proves nothing."""
    start = clock()
    deadline = start + max(0.0, float(window))
    intervals = poll_intervals(initial, factor, cap)
    looks = 0
    while True:
        error = None
        found = None
        try:
            looks += 1
            found = look()
        except ApiError as exc:
            error = exc
        now = clock()
        if found:
            return Look(VERIFIED, found=found, looks=looks, elapsed=now - start)
        if now >= deadline:
            if error is not None:
                return Look(UNKNOWN, error=error, looks=looks, elapsed=now - start)
            return Look(NOT_APPLIED, looks=looks, elapsed=now - start)
        sleep(min(next(intervals), max(0.0, deadline - now)))


def conclude(err, outcome, what, check, window):
    """Turn a lost write's ApiError into the right failure after a look that did not verify it.

    ``what``: what the write would have made ("a drive named 'x'"); ``check``:
    what the user should check when the outcome is unknown.  Returns the error
    to raise (the original one, amended).
    """
    if outcome.state == NOT_APPLIED:
        err.message += ('; looked for %s during the %gs settle window (%d looks): none appeared, so the request '
                        'was not applied and it is safe to run again' % (what, window, outcome.looks))
        err.landed = False
        return err
    err.landed = None
    if outcome.error is not None:
        err.followed_by(outcome.error, 'looking for %s afterwards' % what)
    err.message += '; whether it was applied is unknown: check %s before running again' % check
    return err
