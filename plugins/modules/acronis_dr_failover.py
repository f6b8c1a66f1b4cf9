#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: acronis_dr_failover
short_description: Start or stop a test or production failover of an Acronis DR cloud server
version_added: 0.1.0
description:
  - Brings an Acronis Cyber Cloud Disaster Recovery recovery server into the wanted failover state
    (O(failover=test), O(failover=production) or O(failover=none)) through the DR API v2.
  - A server already in the wanted state is not touched. Otherwise one start or stop request is sent, and with
    O(wait=true) the module waits until the task has finished and the server has reached the resulting state.
  - The module reads the server's C(_links) and C(_issues) first, and refuses with the service's own message when the
    API says the action is not allowed now (for example C(SiteNotReady)), before any write.
  - A server switches between test and production failover only through O(failover=none); the module refuses to go
    from one failover straight to the other.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.acronis_dr
  - backupdr.cloud.api
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  server:
    description:
      - UUID or name of the cloud server (a RECOVERY server).
      - A name must be unique among the tenant's cloud servers; if two servers share it, give the UUID.
    type: str
    required: true
  failover:
    description:
      - The wanted failover state.
      - V(test) runs a test failover (an isolated copy; production keeps running).
      - V(production) runs a production failover (the recovery server takes over). Needs O(confirm_production=true).
      - V(none) stops the running failover. Stopping a production failover also needs O(confirm_production=true).
    type: str
    required: true
    choices: [production, test, none]
  backup_id:
    description:
      - Recovery point to start the failover from, with O(archive_id) and O(vault_id) (all three or none).
      - Without a recovery point the latest available one is used.
      - A UUID. Only with O(failover=test) or O(failover=production).
    type: str
  archive_id:
    description:
      - Archive of the recovery point (a UUID). See O(backup_id).
    type: str
  vault_id:
    description:
      - Vault of the recovery point (a UUID). See O(backup_id).
    type: str
  confirm_production:
    description:
      - Must be V(true) to start a production failover, or to stop one that runs.
      - Checked before any request is sent, so a mistyped O(failover) cannot fail over production.
    type: bool
    default: false
  on_busy:
    description:
      - What to do when another task runs on the server (C(ResourceBusy)).
      - V(wait) waits for it to finish (within O(wait_timeout)), then looks at the server again; it may then already
        be in the wanted state.
      - V(fail) fails at once and returns the blocking task UUIDs in RV(blocking_tasks).
    type: str
    choices: [wait, fail]
    default: wait
  wait_timeout:
    description:
      - How many seconds to wait, in total, for a blocking task and for the failover task.
    type: int
    default: 1800
notes:
  - The DR API has no task endpoint; the module follows the task through the server (its C(status) and C(task_uuid)).
seealso:
  - module: backupdr.cloud.acronis_dr_server_info
  - module: backupdr.cloud.acronis_dr_site_info
  - ref: backupdr.cloud.dr_drill role <ansible_collections.backupdr.cloud.dr_drill_role>
    description: Runs a whole DR drill (test failover, your checks, stop).
"""

EXAMPLES = r"""
# The connection (datacenter_url, client_id, client_secret) is given once for a block with module_defaults in the
# first example; the others take it from module_defaults (group/backupdr.cloud.acronis_dr) or from the
# ACRONIS_DATACENTER_URL, ACRONIS_CLIENT_ID and ACRONIS_CLIENT_SECRET environment variables.
- name: A test failover of web-01 and its stop, with one API client for both
  module_defaults:
    group/backupdr.cloud.acronis_dr:
      datacenter_url: https://eu2-cloud.acronis.com
      client_id: "{{ acronis_client_id }}"
      client_secret: "{{ acronis_client_secret }}"
  block:
    - name: Test failover of web-01 from the latest recovery point
      backupdr.cloud.acronis_dr_failover:
        server: web-01
        failover: test
      register: drill

    - name: Stop it again
      backupdr.cloud.acronis_dr_failover:
        server: "{{ drill.server.uuid }}"
        failover: none

- name: Production failover of web-02 from a chosen recovery point, without waiting
  backupdr.cloud.acronis_dr_failover:
    server: 565cf826-5332-4fd8-9109-2b81630e486d
    failover: production
    confirm_production: true
    backup_id: c4d81250-bd8a-4b8f-afd7-e88ea0e5cbf6
    archive_id: b595c974-0c8b-4802-b71b-238b76c4c05e
    vault_id: 0a959777-c0c8-40af-b3d3-9ad972040db8
    wait: false
  register: failover

- name: Report the task
  ansible.builtin.debug:
    msg: "Failover task {{ failover.task_uuid }}"

- name: Fail at once if someone else is working on the server
  backupdr.cloud.acronis_dr_failover:
    server: db-01
    failover: test
    on_busy: fail
"""

RETURN = r"""
task_uuid:
  description:
    - UUID of the task this module started; V(null) when nothing was started.
  returned: always
  type: str
  sample: 0b73115b-2c50-48eb-8432-5119e43837ed
failover:
  description:
    - The server's failover state when the module ended (V(production), V(test), V(none)), or V(null) while a task
      still runs (O(wait=false)).
  returned: always
  type: str
  sample: test
previous_failover:
  description:
    - The failover state the module found.
  returned: always
  type: str
  sample: none
server:
  description:
    - The cloud server as the API last showed it; C(_links) are reduced to their C(rel) names in C(links).
  returned: always
  type: dict
  sample:
    uuid: 1f100401-357b-4d04-a0c0-d1206c947473
    name: web-01
    type: RECOVERY
    status: TEST_FAILOVER
    failover: test
    public_ip: 8.9.10.21
    site_uuid: 40ca099f-c116-4f6c-9730-42a0bff138a2
    _issues: []
    links: [DR_CLOUD_SERVER_PAGE, DR_CLOUD_SERVER_STOP_FAILOVER]
waited_for:
  description:
    - UUIDs of other tasks the module waited for because the server was busy.
  returned: always
  type: list
  elements: str
  sample: []
blocking_tasks:
  description:
    - With O(on_busy=fail), the UUIDs of the tasks that keep the server busy.
  returned: failed
  type: list
  elements: str
  sample: [9c616a68-8011-44fd-be2f-1b2b3a374d84]
elapsed:
  description:
    - Seconds the module spent, waiting included.
  returned: always
  type: float
  sample: 42.5
"""

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.acronis_dr import (
    AcronisDRClient, ACTION, LINK, FailoverRecords, acronis_dr_argument_spec, blocking_issues, busy_issue_tasks,
    busy_tasks, check_uuid, failover_active, failover_mode, failover_reading, issue_text, links, module_kwargs,
    recovery_point,
    server_view, task_running,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError, run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import (
    ALREADY, FAILED, RUNNING, SUCCESS, Job, JobFailed, JobResult, JobRunner,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import pattern

LOOKS_LIKE_UUID = pattern(r'[0-9a-fA-F]{6,}-[0-9a-fA-F-]+')
KIND_TEXT = {'production': 'production failover', 'test': 'test failover', 'none': 'stop of the failover'}


def argument_spec():
    return acronis_dr_argument_spec(
        server=dict(type='str', required=True),
        failover=dict(type='str', required=True, choices=['production', 'test', 'none']),
        backup_id=dict(type='str'),
        archive_id=dict(type='str'),
        vault_id=dict(type='str'),
        confirm_production=dict(type='bool', default=False),
        on_busy=dict(type='str', default='wait', choices=['wait', 'fail']),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=1800),
    )


class Busy(Exception):
    def __init__(self, tasks):
        super(Busy, self).__init__('busy')
        self.tasks = tasks


class BusyInCheckMode(Busy):
    pass


class SettleJob(Job):
    """Waiting for other tasks on the server to end (nothing is started)."""

    def __init__(self, client, server, tasks):
        self.client = client
        self.server = server
        self.what = 'task(s) %s on cloud server %s' % (', '.join(tasks), server.get('name'))

    def poll(self, handle):
        return self.client.reread(self.server)

    def classify(self, handle, observation):
        return (RUNNING if task_running(observation) else SUCCESS), observation.get('status')


class FailoverJob(Job):
    """One failover action: start (or stop), adopt a lost start, follow the task through the server.

    The task is followed through what the seed defines: a running task shows as a ``ResourceBusy`` issue or
    a POWERING_* status; when it has ended, ``recovery.active_failover`` says whether a failover is active.
    Status names (TEST_FAILOVER, FAILOVER) are never needed to tell success from failure.
    """

    check_hint = "the cloud server's status and tasks in the Acronis console"

    def __init__(self, run, server):
        self.run = run
        self.client = run.client
        self.server = server
        self.wanted = run.wanted
        self.was_active = failover_active(server)
        self.what = '%s of cloud server %s' % (KIND_TEXT[self.wanted], server.get('name') or server.get('uuid'))

    def start(self):
        task = self.client.failover_action(self.server['uuid'], self.wanted, self.run.point)
        return dict(id=task, seen=False)

    def find_started(self):
        fresh = self.client.reread(self.server)
        tasks = busy_issue_tasks(fresh)
        if task_running(fresh) or failover_active(fresh) != self.was_active:
            task = tasks[0] if tasks else (fresh.get('task_uuid') if fresh.get('task_uuid') != self.server.get('task_uuid')
                                           else None)
            return dict(id=task, seen=True, server=fresh)
        return None

    def on_start_error(self, err):
        if err.status == 409 and err.code == 'ResourceBusy':
            tasks = list((err.details or {}).get('task_uuids') or []) or busy_tasks(self.server)
            raise Busy(tasks)
        if err.status == 409 and err.code == 'InvalidState':
            fresh = self.client.reread(self.server)
            if failover_mode(fresh, self.run.record()) == self.wanted:
                self.run.module.warn('the API refused the %s (InvalidState) because cloud server %s is already in '
                                     'failover=%s: another run got there first' % (
                                         KIND_TEXT[self.wanted], self.server.get('name'), self.wanted))
                self.run.latest = fresh
                return ALREADY
        return None

    def poll(self, handle):
        server = self.client.reread(self.server)
        self.run.latest = server
        return server

    def classify(self, handle, observation):
        task = handle.get('id')
        if task_running(observation) or (task and task in busy_issue_tasks(observation)):
            handle['seen'] = True
            return RUNNING, observation.get('status')
        if not handle.get('seen') and failover_active(observation) == self.was_active:
            # Our task has not shown yet (the service may take a moment to list it).
            return RUNNING, 'pending'
        reached = failover_active(observation) == (self.wanted != 'none')
        return (SUCCESS if reached else FAILED), observation.get('status')


class Failover:
    """One run of the module: validate, look, act, wait."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.wanted = self.params['failover']
        self.started = time.monotonic()
        self.waited_for = []
        self.task_uuid = None
        self.previous = None
        self.before = None
        self.client = None
        self.latest = None
        self.records = FailoverRecords()
        self.runner = None

    # -- validation (no request yet) ----------------------------------------------
    def validate(self):
        ident = (self.params['server'] or '').strip()
        if not ident:
            raise ValidationError('server', 'give the UUID or the name of a cloud server')
        if LOOKS_LIKE_UUID.fullmatch(ident) and len(ident) >= 30:
            ident = check_uuid(ident, 'server')  # a mistyped UUID is an error, not a name
        self.ident = ident
        self.point = recovery_point(self.params)
        if self.point and self.wanted == 'none':
            raise ValidationError('backup_id', 'a recovery point only applies when starting a failover '
                                               '(failover=test or failover=production)')
        if self.wanted == 'production' and not self.params['confirm_production']:
            raise ValidationError('confirm_production', 'a production failover needs confirm_production=true')
        if self.params['wait_timeout'] < 0:
            raise ValidationError('wait_timeout', 'must not be negative')

    # -- helpers -----------------------------------------------------------------
    def record(self, server=None):
        server = server or self.latest or {}
        return self.records.get(self.client.datacenter_url, server.get('uuid'))

    def mode(self, server):
        return failover_mode(server, self.record(server))

    def stated(self, server):
        """Whether the API itself says which failover runs (else it comes from this host's record)."""
        return failover_reading(server, self.record(server))[1]

    def on_busy(self, server, tasks):
        """Wait for blocking tasks (returning the settled server), or fail listing them."""
        if self.params['on_busy'] == 'fail':
            raise Busy(tasks)
        if self.module.check_mode:
            raise BusyInCheckMode(tasks)
        for task in tasks:
            if task not in self.waited_for:
                self.waited_for.append(task)
        dummy, dummy, server = self.runner.follow(SettleJob(self.client, server, tasks), {})
        return server

    def refusal(self, server):
        """Why the API does not allow the wanted action now (None when it does)."""
        mode = self.mode(server)
        name = server.get('name') or server.get('uuid')
        if mode == 'unknown' and self.wanted != 'none':
            return ('a failover is active on cloud server %s, but the API does not say whether it is a test or a '
                    'production failover (status %r is not one this module knows, and this host did not start it); '
                    'look in the Acronis console, or stop it first (failover=none with confirm_production=true)'
                    % (name, server.get('status')))
        if self.wanted != 'none' and mode in ('test', 'production'):
            return ('cloud server %s is in %s failover; stop it first (failover=none) before starting a %s failover'
                    % (name, mode, self.wanted))
        rel = LINK[self.wanted]
        issues = [i for i in blocking_issues(server, rel)
                  if ((i.get('error') or {}).get('code') != 'ResourceBusy')]
        if issues:
            return 'the API does not allow %s on cloud server %s now: %s' % (
                ACTION[self.wanted], name, '; '.join(issue_text(i) for i in issues))
        if rel not in links(server):
            return ('the API does not offer %s for cloud server %s now (status %s; no %s link)'
                    % (ACTION[self.wanted], name, server.get('status'), rel))
        return None

    # -- the run -------------------------------------------------------------------
    def run(self):
        self.validate()
        self.client = AcronisDRClient(self.params)
        self.runner = JobRunner(self.module, self.client, wait=True, wait_timeout=self.params['wait_timeout'])
        server = self.client.find_server(self.ident)
        if server.get('type') != 'RECOVERY':
            raise ValidationError('server', 'cloud server %s is a %s server; failover applies to RECOVERY servers'
                                  % (server.get('name') or server.get('uuid'), server.get('type')))
        self.latest = server
        self.previous = self.mode(server)
        self.before = dict(failover=self.previous, status=server.get('status'))
        try:
            server = self.converge(server)
        except BusyInCheckMode as busy:
            # Check mode does not wait: the real run would wait, then look again.
            self.module.warn('cloud server %s is busy with task(s) %s; a real run would wait for them and then '
                             'bring it to failover=%s if it is not there yet' % (
                                 server.get('name'), ', '.join(busy.tasks), self.wanted))
            self.module.exit_json(**self.result(True, server))
        except Busy as busy:
            self.module.fail_json(
                msg='cloud server %s is busy with task(s) %s; nothing was changed (on_busy=fail)' % (
                    server.get('name'), ', '.join(busy.tasks)),
                blocking_tasks=busy.tasks, **self.result(False, server))
        except JobFailed as exc:
            last = exc.result.observation or self.latest or server
            self.module.fail_json(msg=str(exc), **self.result(self.task_uuid is not None, last))
        changed = self.task_uuid is not None or (self.module.check_mode and self.mode(server) != self.wanted)
        self.module.exit_json(**self.result(changed, server))

    def converge(self, server):
        while True:
            mode = self.mode(server)
            if mode == self.wanted:
                self.warn_other_point(server)
                return server
            if mode is None:
                server = self.on_busy(server, busy_tasks(server) or [server.get('task_uuid') or 'unknown'])
                continue
            tasks = busy_tasks(server, blocking_issues(server, LINK[self.wanted]))
            if tasks:
                server = self.on_busy(server, tasks)
                continue
            reason = self.refusal(server)
            if reason:
                raise ValidationError('failover', reason)
            if self.wanted == 'none' and not self.params['confirm_production'] and (
                    mode in ('production', 'unknown') or not self.stated(server)):
                raise ValidationError('confirm_production', 'cloud server %s is in %s; stopping it needs '
                                                            'confirm_production=true' % (
                                                                server.get('name'),
                                                                'production failover' if mode == 'production' and
                                                                self.stated(server) else
                                                                'a failover whose kind the API does not state (status '
                                                                '%r), so it may be a production one' % server.get('status')))
            if self.module.check_mode:
                return server
            try:
                return self.act(server)
            except Busy as busy:  # 409 ResourceBusy on the start: wait or report, then look again
                if self.params['on_busy'] == 'fail':
                    raise
                server = self.on_busy(self.client.reread(server), busy.tasks)

    def warn_other_point(self, server):
        if self.point and self.wanted == 'test':
            used = ((server.get('recovery') or {}).get('test_failover') or {}).get('recovery_point') or {}
            if used and dict((k, str(v).upper()) for k, v in used.items()) != self.point:
                self.module.warn('cloud server %s already runs a test failover from another recovery point; '
                                 'stop it (failover=none) to start from the one given' % server.get('name'))

    def act(self, server):
        job = FailoverJob(self, server)
        self.runner.wait_enabled = self.params['wait']
        try:
            handle, how = self.runner.start(job)
        finally:
            self.runner.wait_enabled = True
        if how == ALREADY:
            return self.latest
        self.task_uuid = handle.get('id') or 'unknown'
        if handle.get('server'):
            self.latest = handle['server']
        self.remember(server)
        if not self.params['wait']:
            return self.client.reread(server)
        state, dummy, final = self.runner.follow(job, handle)
        if state == FAILED:
            raise JobFailed('%s task %s ended, but cloud server %s %s (status %s)%s' % (
                ACTION[self.wanted], self.task_uuid, final.get('name'),
                'has no active failover' if self.wanted != 'none' else 'still has an active failover',
                final.get('status'),
                '; issues: ' + '; '.join(issue_text(i) for i in final.get('_issues') or ())
                if final.get('_issues') else ''),
                JobResult(True, self.task_uuid, FAILED, final.get('status'), final, waited=True))
        self.remember(final, finished=True)
        return final

    def remember(self, server, finished=False):
        """Record which kind of failover this host started (for servers whose status names say nothing)."""
        url, uuid = self.client.datacenter_url, server.get('uuid')
        if self.wanted == 'none':
            if finished:
                self.records.clear(url, uuid)
        else:
            self.records.put(url, uuid, self.wanted, self.task_uuid)

    def result(self, changed, server):
        after_mode = self.mode(server)
        after = dict(failover=after_mode, status=server.get('status'))
        if self.module.check_mode and changed:
            after = dict(failover=self.wanted, status=None)
        view = server_view(server)
        view['failover'] = after_mode
        out = dict(changed=changed, task_uuid=self.task_uuid, failover=after_mode, previous_failover=self.previous,
                   server=view, waited_for=self.waited_for, elapsed=round(time.monotonic() - self.started, 3))
        if self.module._diff:
            out['diff'] = dict(before=dict(self.before or {}, server=server.get('name')),
                               after=dict(after, server=server.get('name')))
        warning = self.client.cache_warning() if self.client else None
        if warning:
            self.module.warn(warning)
        return out


def main():
    run_module(argument_spec(), lambda module: Failover(module).run(), **module_kwargs())


if __name__ == '__main__':
    main()
