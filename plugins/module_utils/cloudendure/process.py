# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CloudEndure's long operations as jobs of the shared job engine (``jobs.py``).

The API has one process at a time per account (clone, cleanup, completeFailover), seen only through
``getStatus`` (L341-360): ``normal``, or ``cloning`` / ``cleaningUp`` / ``failingOver`` with a ``log`` that exists
only while the process runs (L58).  There is no operation id and no failed status: a process has ended when the
status is ``normal`` again, and what it did is read from the result (the replicas in the Secondary Location, the
locations after a failover).  So:

* every job keeps the last log it saw while its process ran (:class:`LogKeeper`), to return it;
* the "operation id" of a result is a label made by the module (``clone-<epoch seconds>``): CloudEndure has none;
* "Not Ready" (another process runs) is waited out through the same engine (:class:`SettleJob`), or reported
  (:class:`NotReady`), as the module's ``on_not_ready`` says.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    E_NOT_READY, PROCESS_STATUSES, SERVICE, STATUS_NORMAL, status_log,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import (
    FAILED, PARTIAL, RUNNING, SUCCESS, UNKNOWN, Job,
)

PROCESS_TEXT = {
    'cloning': 'a clone (replicas are being created)',
    'cleaningUp': 'a cleanup (replicas are being deleted)',
    'failingOver': 'a failover (it is being completed)',
}


def process_text(status):
    name = (status or {}).get('status')
    return PROCESS_TEXT.get(name, 'a process with the status %r' % (name,))


class NotReady(ApiError):
    """The account runs another process ("Not Ready"), and ``on_not_ready=fail``."""

    def __init__(self, status, doing, path='getStatus'):
        lines = status_log(status)
        message = ('the account is busy with %s, so %s cannot start now; nothing was changed (on_not_ready=fail: '
                   'use on_not_ready=wait to wait until the account status is normal again)' % (
                       process_text(status), doing))
        if lines:
            message += '; its log so far: %s' % ' | '.join(lines[-5:])
        super(NotReady, self).__init__(message, code=E_NOT_READY, method='POST', path=path, service=SERVICE,
                                       details=dict(status=(status or {}).get('status'), log=lines), landed=False)


class LogKeeper:
    """The last log lines seen while a process ran (the log is gone once the status is normal, L58)."""

    def __init__(self):
        self.lines = []

    def see(self, status):
        lines = status_log(status)
        if lines:
            self.lines = lines
        return status

    def failures(self):
        return [line for line in self.lines if 'fail' in line.lower()]


def label(kind):
    """The operation label of a result: CloudEndure gives processes no id."""
    return '%s-%d' % (kind, int(time.time()))


def status_state(status):
    """(job state, status name) of a UserStatus while waiting for it to be normal."""
    name = (status or {}).get('status')
    if name == STATUS_NORMAL:
        return SUCCESS, name
    if name in PROCESS_STATUSES:
        return RUNNING, name
    return UNKNOWN, name


class SettleJob(Job):
    """Waiting until the account status is normal again (nothing is started)."""

    check_hint = 'the account status (backupdr.cloud.cloudendure_status_info)'

    def __init__(self, client, status, keeper=None):
        self.client = client
        self.keeper = keeper
        self.what = '%s on the account' % process_text(status)

    def poll(self, handle):
        status = self.client.status()
        if self.keeper is not None:
            self.keeper.see(status)
        return status

    def classify(self, handle, observation):
        return status_state(observation)


def until_normal(module, runner, client, on_not_ready, doing, status=None, keeper=None):
    """The account status once it is normal.

    Busy: ``on_not_ready=fail`` raises :class:`NotReady`; ``wait`` waits through the job engine (within
    ``wait_timeout``).  In check mode nothing is waited for: a warning says what a real run would do, and the
    busy status is returned.
    """
    status = status if status is not None else client.status()
    if status.get('status') == STATUS_NORMAL:
        return status
    if on_not_ready == 'fail':
        raise NotReady(status, doing)
    if module.check_mode:
        module.warn('the account is busy with %s; a real run would wait until its status is normal, then go on with '
                    '%s' % (process_text(status), doing))
        return status
    dummy, dummy, status = runner.follow(SettleJob(client, status, keeper), {'id': 'busy'})
    return status


class ProcessJob(Job):
    """One process this module starts (clone, cleanup, completeFailover).

    Subclasses set ``kind`` (the label prefix), ``status_name`` (what getStatus says while it runs) and implement
    ``send()`` (the one write), ``outcome()`` (``(state, detail)`` once the status is normal again) and
    ``visible()`` (after a lost answer: whether its effect shows although the status is normal).
    """

    kind = 'process'
    status_name = None

    def __init__(self, client, keeper=None):
        self.client = client
        self.keeper = keeper or LogKeeper()
        self.detail = None

    def send(self):
        raise NotImplementedError

    def outcome(self):
        raise NotImplementedError

    def visible(self):
        return False

    def start(self):
        self.send()
        return dict(id=label(self.kind), seen=False)

    def find_started(self):
        status = self.client.status()
        if status.get('status') == self.status_name:
            self.keeper.see(status)
            return dict(id=label(self.kind), seen=True)
        if status.get('status') == STATUS_NORMAL and self.visible():
            return dict(id=label(self.kind), seen=True)
        return None

    def on_start_error(self, err):
        return None

    def poll(self, handle):
        status = self.keeper.see(self.client.status())
        observation = dict(status=status)
        if status.get('status') != self.status_name:
            # Ours has ended (the seed: the status leaves normal only while a process runs).
            observation['outcome'] = self.outcome()
        return observation

    def classify(self, handle, observation):
        name = observation['status'].get('status')
        if name == self.status_name:
            handle['seen'] = True
            return RUNNING, name
        state, self.detail = observation['outcome']
        if state not in (SUCCESS, PARTIAL, FAILED):
            return UNKNOWN, name
        return state, name
