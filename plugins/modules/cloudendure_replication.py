#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_replication
short_description: Make CloudEndure replicate machines, or stop replicating them
version_added: 0.1.0
description:
  - Brings machines of the Primary Location to the wanted replication, many machines in one task.
  - O(state=present) starts replication (C(startReplication)) of each machine that is C(Not Replicated); a machine
    that is C(Replicating) or C(Replicated) is left alone (starting it again is a no-op, as the API guide says).
  - O(state=absent) stops replication (C(stopReplication)) of each machine that is C(Replicating) or C(Replicated);
    a machine that is C(Not Replicated) or already C(Stopping Replication) is left alone.
  - Before any write the module checks every machine, so a foreseeable refusal never leaves half of the list done.
    CloudEndure starts and stops replication only while the machine is C(Running) (or C(Available)), and needs its
    agent running and, to install the agent itself, the machine's credentials; the module says which of these
    stands in the way.
  - With O(wait=true), waits until every machine is C(Replicated) (the initial copy is done; O(state=present)) or
    C(Not Replicated) (O(state=absent)), and returns their progress.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  machines:
    description:
      - The machines of the Primary Location, by id or by name. A name must be unique in the Primary Location;
        when two machines share it the module fails before any request that changes anything, listing their ids.
    type: list
    elements: str
    required: true
  state:
    description:
      - V(present) - the machines replicate. V(absent) - they do not.
    type: str
    choices: [present, absent]
    default: present
  install_agent:
    description:
      - Whether CloudEndure installs its agent on the machine itself (C(shouldInstallAgent)), with the machine
        credentials stored in CloudEndure.
      - With V(false), install the agent yourself (see the installer's C(--session) option); replication starts once
        the agent runs, and until then the machine stays C(Not Replicated). Each run then sends C(startReplication)
        again (a no-op for the service) and reports a change only if the machine's state changed.
    type: bool
    default: true
  wait:
    description:
      - Wait until every machine is C(Replicated) (O(state=present)) or C(Not Replicated) (O(state=absent)).
      - The initial copy of a large machine can take hours; without waiting, the module returns once replication
        has started (or is stopping), with the progress so far.
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait with O(wait=true) before failing (replication goes on).
    type: int
    default: 3600
notes:
  - The API guide spells the parameter C(machineld) for startReplication and C(machineId) for stopReplication; the
    module sends both spellings with the same value.
seealso:
  - module: backupdr.cloud.cloudendure_machine_info
  - module: backupdr.cloud.cloudendure_replica_config
"""

EXAMPLES = r"""
- name: Protect two machines
  backupdr.cloud.cloudendure_replication:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
    machines: [web-01, app-01]

- name: Protect app-01 and wait for the initial copy
  backupdr.cloud.cloudendure_replication:
    machines: [app-01]
    wait: true
    wait_timeout: 7200
  register: protected

- name: Stop replicating a machine that is being retired
  backupdr.cloud.cloudendure_replication:
    machines: [i-0a1b2c3d4e5f60003]
    state: absent
"""

RETURN = r"""
machines:
  description:
    - The machines as the API last showed them (see M(backupdr.cloud.cloudendure_machine_info) for the keys), with
      C(progress), the percent of the initial copy.
  returned: always
  type: list
  elements: dict
  sample:
    - id: i-0a1b2c3d4e5f60003
      name: app-01
      replicationState: Replicating
      progress: 42
      errorString: ""
      cloudState: Running
      role: primary
started:
  description: Ids of the machines whose replication the module started (or would start, in check mode).
  returned: always
  type: list
  elements: str
  sample: [i-0a1b2c3d4e5f60003]
stopped:
  description: Ids of the machines whose replication the module stopped (or would stop, in check mode).
  returned: always
  type: list
  elements: str
  sample: []
elapsed:
  description: Seconds the module spent, waiting included.
  returned: always
  type: float
  sample: 3.2
"""

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    PROTECTED_STATES, RUNNING_CLOUD_STATES, STATE_NOT, STATE_REPLICATED, STATE_STOPPING, cloudendure_argument_spec,
    machine_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import (
    Locations, find_sources, finish, run, short,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, RUNNING, SUCCESS, Job, JobFailed, JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import VERIFIED, conclude, look_after_lost

WHY = {
    'Machine Is Not Running': 'start the machine first',
    'Agent Not Running': "start CloudEndure's agent on the machine",
    'Machine Credentials Missing': 'store the machine credentials in the CloudEndure console, or install the agent '
                                   'yourself with install_agent=false',
}


def argument_spec():
    return cloudendure_argument_spec(
        machines=dict(type='list', elements='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        install_agent=dict(type='bool', default=True),
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=3600),
    )


class ReplicationJob(Job):
    """Waiting until every machine has reached the wanted replication state."""

    check_hint = 'the machines (backupdr.cloud.cloudendure_machine_info)'

    def __init__(self, client, locations, ids, wanted):
        self.client = client
        self.locations = locations
        self.ids = ids
        self.wanted = wanted
        self.what = '%s of %d machine(s)' % ('initial copy' if wanted == STATE_REPLICATED else 'stop of replication',
                                             len(ids))

    def poll(self, handle):
        machines = dict((m.get('id'), m) for m in self.client.machines(self.locations.primary))
        return [machines.get(machine_id) for machine_id in self.ids]

    def classify(self, handle, observation):
        if any(m is None for m in observation):
            return FAILED, 'a machine is no longer in the Primary Location'
        states = [m.get('replicationState') for m in observation]
        if all(state == self.wanted for state in states):
            return SUCCESS, self.wanted
        return RUNNING, ', '.join(sorted(set(states)))


class Replication:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.started = time.monotonic()
        self.done_start = []
        self.done_stop = []
        self.latest = {}

    def run(self):
        if not self.params['machines']:
            raise ValidationError('machines', 'give at least one machine (id or name)')
        if self.params['wait_timeout'] < 0:
            raise ValidationError('wait_timeout', 'must not be negative')
        locations = Locations(self.client)
        sources = find_sources(self.client, locations, self.params['machines'], 'machines')
        present = self.params['state'] == 'present'
        todo = [m for m in sources if (m.get('replicationState') not in PROTECTED_STATES if present
                                       else m.get('replicationState') in PROTECTED_STATES)]
        blocked = [m for m in todo if m.get('cloudState') not in RUNNING_CLOUD_STATES]
        if blocked:
            raise ValidationError('machines', 'CloudEndure %s replication only while a machine is Running (or '
                                              'Available); %s: start %s first. Nothing was changed' % (
                                                  'starts' if present else 'stops',
                                                  ', '.join('%s is %s' % (short(m), m.get('cloudState')) for m in blocked),
                                                  'it' if len(blocked) == 1 else 'them'))
        before = dict((short(m), m.get('replicationState')) for m in sources)
        self.latest = dict((m.get('id'), m) for m in sources)
        changed = bool(todo)
        if todo and not self.module.check_mode:
            changed = self.act(locations, todo, present)
        if todo and self.module.check_mode:
            (self.done_start if present else self.done_stop).extend(m.get('id') for m in todo)
        if self.params['wait'] and not self.module.check_mode:
            self.wait(locations, sources, STATE_REPLICATED if present else STATE_NOT, changed)
        elif todo and not self.module.check_mode:
            fresh = dict((m.get('id'), m) for m in self.client.machines(locations.primary))
            self.latest.update((k, fresh[k]) for k in self.latest if k in fresh)
        result = self.result(changed, locations, sources)
        if self.module._diff:
            after = dict(before)
            for machine in todo:
                after[short(machine)] = ('Replicating' if present else STATE_STOPPING) if self.module.check_mode \
                    else self.latest.get(machine.get('id'), machine).get('replicationState')
            result['diff'] = dict(before=dict(replication=before), after=dict(replication=after))
        finish(self.module, self.client, **result)

    def act(self, locations, todo, present):
        install = self.params['install_agent']
        changed = False
        for machine in todo:
            try:
                if present:
                    self.client.start_replication(machine['id'], install)
                    self.done_start.append(machine['id'])
                else:
                    self.stop(locations, machine)
                    self.done_stop.append(machine['id'])
            except ApiError as err:
                hint = WHY.get(err.code)
                if hint:
                    err.message += '; for %s: %s' % (short(machine), hint)
                done = self.done_start + self.done_stop
                if done:
                    err.message += '; already %s: %s' % ('started' if present else 'stopped', ', '.join(done))
                raise
        fresh = dict((m.get('id'), m) for m in self.client.machines(locations.primary))
        for machine in todo:
            now = fresh.get(machine['id'], machine)
            self.latest[machine['id']] = now
            if present and now.get('replicationState') == machine.get('replicationState') and \
                    now.get('errorString') == machine.get('errorString'):
                # startReplication changed nothing the API shows (a machine waiting for its manually installed
                # agent: the call is a no-op, L210).
                if now.get('replicationState') == STATE_NOT:
                    self.module.warn('%s is still Not Replicated after startReplication (errorString: %r); with '
                                     'install_agent=false replication starts once the agent runs on it' % (
                                         short(machine), now.get('errorString') or ''))
                continue
            changed = True
        return changed

    def stop(self, locations, machine):
        """stopReplication is not repeated after a lost answer: its effect is looked for (settle rule)."""
        try:
            self.client.stop_replication(machine['id'])
        except ApiError as err:
            if err.landed is not None:
                raise

            def look():
                for item in self.client.machines(locations.primary):
                    if item.get('id') == machine['id'] and item.get('replicationState') in (STATE_STOPPING, STATE_NOT):
                        return item
                return None
            outcome = look_after_lost(look, self.client.http.settle_time)
            if outcome.state != VERIFIED:
                raise conclude(err, outcome, 'the stop of replication of %s' % short(machine),
                               'the replication state of %s' % short(machine), self.client.http.settle_time)
            self.module.warn('the answer to stopReplication of %s was lost (%s); the machine shows it stopping'
                             % (short(machine), err.message))

    def wait(self, locations, sources, wanted, changed):
        runner = JobRunner(self.module, self.client, wait=True, wait_timeout=self.params['wait_timeout'])
        job = ReplicationJob(self.client, locations, [m.get('id') for m in sources], wanted)
        try:
            state, dummy, machines = runner.follow(job, {'id': 'replication'})
        except JobFailed as exc:
            self.latest.update((m.get('id'), m) for m in exc.result.observation or () if m)
            views = self.result(changed, locations, sources)
            stuck = ', '.join('%s %s (%s%%)' % (short(m), m.get('replicationState'), m.get('progress'))
                              for m in views['machines'] if m.get('replicationState') != wanted)
            self.module.fail_json(msg='%s; not %s yet: %s' % (exc, wanted, stuck), **views)
        self.latest.update((m.get('id'), m) for m in machines if m)
        if state == FAILED:
            raise ApiError('a machine disappeared from the Primary Location while waiting', code='machine_gone')

    def result(self, changed, locations, sources):
        machines = [machine_view(self.latest.get(m.get('id'), m), locations.primary, 'primary') for m in sources]
        return dict(changed=changed, machines=machines, started=self.done_start, stopped=self.done_stop,
                    elapsed=round(time.monotonic() - self.started, 3))


def body(module, client):
    Replication(module, client).run()


def main():
    run(argument_spec(), body)


if __name__ == '__main__':
    main()
