# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one job engine: start an operation, adopt a lost start, wait, classify.

Every long operation of every service (a failover, imaging a drive, starting
a server, a backup, a restore, a clone...) has the same shape, so it runs
through :class:`JobRunner` with a small :class:`Job` description:

``existing()``
    An operation already running (or done) that satisfies the request; the
    runner attaches to it instead of starting a second one.  Default: none.
``start()``
    Send the one write that starts the operation; return a *handle* (a dict
    with at least ``id``, the operation id when the service gives one).
``find_started()``
    After a lost answer to ``start()``: look for the effect and return a
    handle if the operation is there, else None.  The runner calls it during
    the settle window (``settle.py``) and never sends ``start()`` twice.
``on_start_error(err)``
    A refusal that means "already done" (another run got there first) returns
    :data:`ALREADY`; a refusal the module explains better raises its own
    error; None lets the runner handle ``err``.
``poll(handle)``
    Read the operation's current state (an observation, usually a dict).
``classify(handle, observation)``
    ``(state, status)``: state is one of :data:`RUNNING`, :data:`SUCCESS`,
    :data:`PARTIAL`, :data:`FAILED` or :data:`UNKNOWN` (a status value the
    module does not know: reported as such, never taken for success or
    failure); status is the service's own word for it.

The runner gives every operation the same behaviour: check mode starts
nothing, ``wait=false`` returns the operation id at once, the wait polls at
growing intervals up to ``wait_timeout`` and retries transient read errors
(5xx, resets, timeouts) on the next poll instead of ending the wait, and the
result has one shape (:class:`JobResult`).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import (
    VERIFIED, conclude, look_after_lost, settle_time_of,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import poll_intervals

RUNNING = 'running'
SUCCESS = 'success'
PARTIAL = 'partial'
FAILED = 'failed'
UNKNOWN = 'unknown'
TERMINAL = (SUCCESS, PARTIAL, FAILED)
#: ``on_start_error`` answer: the operation's goal is already reached (nothing to start).
ALREADY = 'already'


def is_transient(err):
    """A read error worth trying again on the next poll (the service or the network hiccupped)."""
    if not isinstance(err, ApiError):
        return False
    if err.code in ('connection',):
        return True
    return err.status is not None and (err.status >= 500 or err.status == 429)


class JobFailed(Exception):
    """An operation ended badly (failed, partial when that fails, timed out, unknown); ``result`` is the
    :class:`JobResult` to return with the failure."""

    def __init__(self, message, result):
        super(JobFailed, self).__init__(message)
        self.result = result


class JobResult:
    """What happened: ``changed``, ``operation_id``, ``state``, ``status``, ``elapsed``, ``waited``,
    ``adopted`` (the start's answer was lost and the operation was found), ``attached`` (an operation
    that was already running was followed instead of starting one), ``observation`` (the last read)."""

    def __init__(self, changed=False, operation_id=None, state=None, status=None, observation=None,
                 adopted=False, attached=False, waited=False, elapsed=0.0, warnings=None):
        self.changed = changed
        self.operation_id = operation_id
        self.state = state
        self.status = status
        self.observation = observation
        self.adopted = adopted
        self.attached = attached
        self.waited = waited
        self.elapsed = elapsed
        self.warnings = list(warnings or [])

    def as_dict(self):
        return dict(operation_id=self.operation_id, state=self.state, status=self.status, adopted=self.adopted,
                    attached=self.attached, waited=self.waited, elapsed=round(self.elapsed, 3))


class Job:
    """Description of one kind of operation (override the hooks)."""

    #: What the operation is, for messages ("test failover of cloud server web-01").
    what = 'operation'
    #: What to check when the outcome of a lost start stays unknown.
    check_hint = 'the service'
    #: False when a started operation leaves nothing ``find_started`` could see (a lost start stays unknown).
    can_verify = True

    def existing(self):
        return None

    def start(self):
        raise NotImplementedError

    def find_started(self):
        return None

    def on_start_error(self, err):  # pylint: disable=unused-argument
        return None

    def poll(self, handle):
        raise NotImplementedError

    def classify(self, handle, observation):
        raise NotImplementedError

    def operation_id(self, handle):
        return handle.get('id') if isinstance(handle, dict) else handle


class JobRunner:
    """Runs :class:`Job` descriptions for one module."""

    def __init__(self, module, client, wait=True, wait_timeout=600, sleep=time.sleep, clock=time.monotonic,
                 initial=0.5, factor=1.5, cap=10.0):
        self.module = module
        self.settle = settle_time_of(client)
        self.wait_enabled = wait
        self.sleep = sleep
        self.clock = clock
        self.started = clock()
        self.deadline = self.started + max(0, wait_timeout or 0)
        self.wait_timeout = wait_timeout
        self.initial, self.factor, self.cap = initial, factor, cap

    def remaining(self):
        return max(0.0, self.deadline - self.clock())

    def elapsed(self):
        return self.clock() - self.started

    # -- start ------------------------------------------------------------------------
    def start(self, job):
        """Start (or attach, or adopt) and return ``(handle, how)``; how is ``started``, ``attached``,
        ``adopted`` or :data:`ALREADY` (handle None)."""
        handle = job.existing()
        if handle is not None:
            return handle, 'attached'
        if self.module.check_mode:
            return None, 'check_mode'
        try:
            return job.start(), 'started'
        except ApiError as err:
            verdict = job.on_start_error(err)
            if verdict == ALREADY:
                return None, ALREADY
            if verdict is not None:
                return verdict, 'started'
            if err.landed is not None:
                raise
            if not job.can_verify:
                err.landed = None
                err.message += ('; the %s leaves nothing to look for, so whether it was applied is unknown: check %s '
                                'before running again' % (job.what, job.check_hint))
                raise err
            outcome = look_after_lost(job.find_started, self.settle, sleep=self.sleep, clock=self.clock)
            if outcome.state == VERIFIED:
                self.module.warn('the answer to the request that starts the %s was lost (%s); the service shows it '
                                 'started: following operation %s'
                                 % (job.what, err.brief(), job.operation_id(outcome.found)))
                return outcome.found, 'adopted'
            raise conclude(err, outcome, 'the %s' % job.what, job.check_hint, self.settle)

    # -- wait -------------------------------------------------------------------------------
    def follow(self, job, handle, timeout=None):
        """Poll until the operation is terminal; return ``(state, status, observation)``.

        Raises :class:`JobFailed` (state RUNNING or UNKNOWN) when the time is up, with the last observation.
        Transient read errors are tried again at the next poll; a non-transient one is raised.
        """
        deadline = self.deadline if timeout is None else self.clock() + timeout
        intervals = poll_intervals(self.initial, self.factor, self.cap)
        last = (RUNNING, None, None)
        poll_error = None
        while True:
            try:
                observation = job.poll(handle)
                poll_error = None
                state, status = job.classify(handle, observation)
                last = (state, status, observation)
                if state in TERMINAL:
                    return last
            except ApiError as err:
                if not is_transient(err):
                    raise
                poll_error = err
            now = self.clock()
            if now >= deadline:
                state, status, observation = last
                result = JobResult(True, job.operation_id(handle), state, status, observation, waited=True,
                                   elapsed=self.elapsed())
                if poll_error is not None:
                    message = ('reading the state of the %s (operation %s) kept failing until wait_timeout=%ss: %s; '
                               'it may still be running' % (job.what, job.operation_id(handle), self.wait_timeout,
                                                            poll_error))
                    result.state = UNKNOWN
                elif state == UNKNOWN:
                    message = ('the %s (operation %s) reports the status %r, which this module does not know; it '
                               'did not settle within wait_timeout=%ss, so its outcome is unknown' % (
                                   job.what, job.operation_id(handle), status, self.wait_timeout))
                else:
                    message = ('the %s (operation %s) is still %s after %ds (wait_timeout=%ss); it goes on: run the '
                               'task again to follow it' % (job.what, job.operation_id(handle), status or state,
                                                            int(self.elapsed()), self.wait_timeout))
                raise JobFailed(message, result)
            self.sleep(min(next(intervals), max(0.0, deadline - now)))

    def run(self, job, fail_on_partial=True):
        """Start (or attach/adopt), wait when asked, classify; returns a :class:`JobResult`.

        Raises :class:`JobFailed` for a failed operation, a partial one when ``fail_on_partial``, and a wait
        that timed out.
        """
        handle, how = self.start(job)
        if how == 'check_mode':
            return JobResult(True, None, 'would_start', elapsed=self.elapsed())
        if how == ALREADY:
            return JobResult(False, None, SUCCESS, 'already', elapsed=self.elapsed())
        result = JobResult(how != 'attached', job.operation_id(handle), RUNNING, adopted=how == 'adopted',
                           attached=how == 'attached', elapsed=self.elapsed())
        if not self.wait_enabled:
            try:
                observation = job.poll(handle)
                result.state, result.status = job.classify(handle, observation)
                result.observation = observation
                result.operation_id = job.operation_id(handle)
            except ApiError as err:
                if not is_transient(err):
                    raise
            result.elapsed = self.elapsed()
            return result
        try:
            state, status, observation = self.follow(job, handle)
        except JobFailed as exc:
            exc.result.operation_id = job.operation_id(handle)  # an id learned while polling
            raise
        result.state, result.status, result.observation = state, status, observation
        result.operation_id = job.operation_id(handle)  # the handle may have learned its id while polling
        result.waited = True
        result.elapsed = self.elapsed()
        if state == FAILED or (state == PARTIAL and fail_on_partial):
            raise JobFailed('the %s (operation %s) ended %s%s' % (
                job.what, result.operation_id, state, ' (%s)' % status if status and status != state else ''), result)
        if state == PARTIAL:
            self.module.warn('the %s (operation %s) ended partially (%s)' % (job.what, result.operation_id, status))
        return result
