# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Planning and following a clone (L254-288) and a cleanup (L290-313).

A clone first deletes the earlier replicas of its machines in the Secondary Location (L267; with
``shouldCleanup`` everything CloudEndure created there), then creates one replica per machine.  Replicas are
CloudResources of the Secondary Location whose ``originalId`` is the source and whose ``CloudEndurePointInTime``
is the point in time they were made from (L43-45).  A needless clone destroys running replicas, so the plan is
strict about what counts as present.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    RUNNING_CLOUD_STATES, STATE_REPLICATED, epoch,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import replicas_of, short
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.process import ProcessJob
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, PARTIAL, RUNNING, SUCCESS, Job
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import INT_RE, ValidationError

LATEST = 'latest'


def check_point_in_time(value, option='point_in_time'):
    """``latest`` or whole seconds since 1970 (an int or a string of ASCII digits); returns ``latest`` or an int."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ('', LATEST)):
        return LATEST
    if isinstance(value, bool):
        raise ValidationError(option, 'expected "latest" or seconds since 1970-01-01 UTC, got %r' % (value,))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and INT_RE.fullmatch(value.strip()) and not value.strip().startswith(('+', '-')):
        number = int(value.strip())
    else:
        raise ValidationError(option, 'expected "latest" or seconds since 1970-01-01 UTC (as '
                                      'backupdr.cloud.cloudendure_timestamp_info lists them), got %r' % (value,))
    if number <= 0:
        raise ValidationError(option, 'must be a positive number of seconds, got %r' % (value,))
    return number


def identity(machine):
    return (machine.get('id'), machine.get('CloudEndureCreationTime'))


class ClonePlan:
    """Which sources need a clone, what it would destroy, what is present already.

    ``sources``: the source machines (Primary); ``secondary``: the machines of the Secondary Location;
    ``point``: LATEST or an int; ``max_age``: seconds (LATEST only) or None; ``everything``: shouldCleanup.
    """

    def __init__(self, sources, secondary, point, max_age=None, everything=False, now=None):
        self.sources = sources
        self.point = point
        now = time.time() if now is None else now
        self.present = {}
        self.missing = []
        for source in sources:
            fitting = [r for r in replicas_of(secondary, [source.get('id')]) if self.fits(r, point, max_age, now)]
            if fitting:
                self.present[source.get('id')] = fitting
            else:
                self.missing.append(source)
        created = [m for m in secondary if m.get('originalId')]
        if not self.missing:
            self.clone = []
            self.destroy = []
        elif everything:
            # Everything CloudEndure created goes first: every given machine is cloned again.
            self.clone = list(sources)
            self.destroy = created
        else:
            self.clone = list(self.missing)
            self.destroy = replicas_of(secondary, [m.get('id') for m in self.missing])
        self.before = set(identity(m) for m in secondary)

    @staticmethod
    def fits(replica, point, max_age, now):
        made_from = epoch(replica.get('CloudEndurePointInTime'))
        if point != LATEST:
            return made_from == point
        if max_age is None:
            return True
        return made_from is not None and made_from >= now - max_age

    def present_replicas(self):
        out = []
        for source in self.sources:
            out.extend(self.present.get(source.get('id'), ()))
        return out

    def new_replicas(self, secondary):
        ids = set(m.get('id') for m in self.clone)
        return [m for m in secondary if m.get('originalId') in ids and identity(m) not in self.before]


def check_sources(sources, warn):
    """Machines a clone accepts: Replicated, or Replicating with a warning (L288 "Bad Ids" otherwise)."""
    idle = [m for m in sources if m.get('replicationState') not in ('Replicated', 'Replicating')]
    if idle:
        raise ValidationError('machines', 'CloudEndure clones only machines that are Replicated or Replicating: %s. '
                                          'Nothing was changed' % ', '.join(
                                              '%s is %s' % (short(m), m.get('replicationState')) for m in idle))
    copying = [m for m in sources if m.get('replicationState') != STATE_REPLICATED]
    if copying:
        warn('%s %s still in the initial copy (Replicating): CloudEndure accepts the clone, but the API guide does not '
             'say what such a replica contains' % (', '.join(short(m) for m in copying),
                                                   'is' if len(copying) == 1 else 'are'))


class CloneJob(ProcessJob):
    """The clone: one ``clone`` request, then ``cloning`` until ``normal``; success = a new replica per machine."""

    kind = 'clone'
    status_name = 'cloning'
    check_hint = 'the account status and the replicas in the Secondary Location (backupdr.cloud.cloudendure_machine_info)'

    def __init__(self, client, locations, plan, timestamp, everything, keeper=None):
        super(CloneJob, self).__init__(client, keeper)
        self.locations = locations
        self.plan = plan
        self.timestamp = timestamp
        self.everything = everything
        self.replicas = []
        self.what = 'clone of %s to %s' % (', '.join(short(m) for m in plan.clone), locations.secondary)

    def send(self):
        self.client.clone(self.locations.primary, [m['id'] for m in self.plan.clone], self.timestamp, self.everything)

    def visible(self):
        return bool(self.plan.new_replicas(self.client.machines(self.locations.secondary)))

    def outcome(self):
        self.replicas = self.plan.new_replicas(self.client.machines(self.locations.secondary))
        got = set(r.get('originalId') for r in self.replicas)
        wanted = [m.get('id') for m in self.plan.clone]
        if all(w in got for w in wanted):
            return SUCCESS, None
        missing = [m for m in self.plan.clone if m.get('id') not in got]
        return (PARTIAL if got else FAILED), missing


class BootJob(Job):
    """Waiting until the new replicas run (the clone ends before they finish booting, L347)."""

    check_hint = 'the replicas in the Secondary Location'

    def __init__(self, client, locations, replicas):
        self.client = client
        self.locations = locations
        self.ids = [r.get('id') for r in replicas]
        self.what = 'boot of replica(s) %s' % ', '.join(self.ids)

    def poll(self, handle):
        machines = dict((m.get('id'), m) for m in self.client.machines(self.locations.secondary))
        return [machines.get(i) for i in self.ids]

    def classify(self, handle, observation):
        if any(r is None for r in observation):
            return FAILED, 'a replica is gone'
        states = set(r.get('cloudState') for r in observation)
        if states <= set(RUNNING_CLOUD_STATES):
            return SUCCESS, 'Running'
        return RUNNING, ', '.join(sorted(str(s) for s in states))


class CleanupJob(ProcessJob):
    """The cleanup: one ``cleanup`` request, then ``cleaningUp`` until ``normal``; success = the replicas are gone."""

    kind = 'cleanup'
    status_name = 'cleaningUp'
    check_hint = 'the account status and the replicas in the Secondary Location (backupdr.cloud.cloudendure_machine_info)'

    def __init__(self, client, locations, source_ids, doomed, everything, keeper=None):
        super(CleanupJob, self).__init__(client, keeper)
        self.locations = locations
        self.source_ids = source_ids
        self.doomed = doomed
        self.everything = everything
        self.left = []
        self.what = 'cleanup of %s in %s' % ('everything CloudEndure created' if everything else
                                             '%d replica(s)' % len(doomed), locations.secondary)

    def send(self):
        self.client.cleanup(None if self.everything else self.source_ids, self.everything)

    def visible(self):
        return not self._left()

    def _left(self):
        ids = set(identity(m) for m in self.doomed)
        return [m for m in self.client.machines(self.locations.secondary) if identity(m) in ids]

    def outcome(self):
        self.left = self._left()
        if not self.left:
            return SUCCESS, None
        return (PARTIAL if len(self.left) < len(self.doomed) else FAILED), self.left
