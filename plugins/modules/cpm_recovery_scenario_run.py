#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: POST recovery_scenarios/{scenario_id}/recover/ scenario (dry_run)
# api: GET recovery_scenarios/records/{id}/ id
# api: GET recovery_scenarios/records/ run_again (false: the same run is looked for)
# api: GET recovery_scenarios/records/{id}/logs/ logs
# api: DELETE recovery_scenarios/records/{id}/ state=absent (a run record that has ended)

DOCUMENTATION = r"""
module: cpm_recovery_scenario_run
short_description: Run an N2WS Backup & Recovery (CPM) recovery scenario, as a dry run or for real, and wait
version_added: 0.2.0
description:
  - Runs a CPM recovery scenario on a backup of its policy (C(POST /api/recovery_scenarios/{id}/recover/), API
    1.4.0), as a B(dry run) (the default; CPM checks every target and recovers nothing) or as a real recovery
    (O(dry_run=false)), and follows the run record (C(GET /api/recovery_scenarios/records/{id}/)) through the job
    engine until it is successful, partial or failed.
  - Returns the run record, its log, and per target the recovery record CPM made for it (from
    C(GET /api/recoveries/?recovery_scenario_record=...)), its status, timing and the resources it recovered. A
    target that could not even start has no recovery record (status V(not_started)).
  - The backup is O(backup), or the latest recoverable backup of the scenario's policy (started before O(before)).
  - B(Idempotent) - a run of the same scenario on the same backup, with the same O(dry_run), that did not fail is
    returned (followed while it runs) with V(changed=false) instead of starting another; O(run_again=true) always
    starts a new run (a drill that runs again on an unchanged backup).
  - O(id) follows a run this module (or CPM's schedule) started; with O(state=absent) it deletes that run record
    (C(DELETE /api/recovery_scenarios/records/{id}/)), the run's history (what it recovered stays), unless it runs.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  scenario:
    description:
      - The recovery scenario, by name or id. Required unless O(id) is given.
    type: str
  id:
    description:
      - Follow this run record (its id) instead of starting a run; with O(state=absent), the run record to delete.
    type: int
  state:
    description:
      - V(present) runs the scenario (or follows the run O(id)); V(absent) deletes the run record O(id).
    type: str
    choices: [present, absent]
    default: present
  backup:
    description:
      - The id of the backup to run on; it must be a backup of the scenario's policy.
      - Default the latest recoverable backup of the policy.
    type: int
  before:
    description:
      - Without O(backup), the latest recoverable backup that started at or before this time (ISO 8601).
    type: str
  partial_backups:
    description:
      - Without O(backup), a partially successful backup may be chosen too.
    type: bool
    default: false
  dry_run:
    description:
      - V(true) asks CPM for a dry run (nothing is recovered). V(false) recovers every target for real, creating AWS
        resources.
    type: bool
    default: true
  run_again:
    description:
      - Start a new run even when a run of the scenario on that backup (with that O(dry_run)) exists and did not
        fail; such a task reports a change on every run.
    type: bool
    default: false
  fail_on_partial:
    description:
      - Fail when the run ends partially (some targets failed).
    type: bool
    default: true
  logs:
    description:
      - Return the run's log and each target's recovery record once the run has ended.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the run when O(wait=true); when the time is up the task fails and the run goes on
        (running the task again, or with O(id), follows it).
    type: int
    default: 3600
notes:
  - A delegate needs C(allow_recovery).
seealso:
  - module: backupdr.cloud.cpm_recovery_scenario
  - module: backupdr.cloud.cpm_recovery_scenario_info
"""

EXAMPLES = r"""
- name: A policy protecting a volume
  backupdr.cloud.cpm_policy:
    name: web
    account: main

- name: Its target
  backupdr.cloud.cpm_policy_targets:
    policy: web
    targets:
      - {kind: volume, region: us-east-1, id: vol-ac572e225cd6e9379}

- name: A backup
  backupdr.cloud.cpm_backup:
    policy: web

- name: The scenario
  backupdr.cloud.cpm_recovery_scenario:
    name: web-dr
    policy: web
    targets:
      - {kind: volume, region: us-east-1, resource: vol-ac572e225cd6e9379, options: {zone: us-east-1b}}

- name: A dry run on the latest backup
  backupdr.cloud.cpm_recovery_scenario_run:
    scenario: web-dr
  register: drill

- name: How each target did
  ansible.builtin.debug:
    msg: "{{ drill.targets | map(attribute='status') | list }} in {{ drill.record.seconds }} s"
"""

RETURN = r"""
record:
  description:
    - The run record when the module ended, C(status) readable (V(in_progress), V(successful),
      V(partially_successful), V(failed); letter in C(status_code)), and C(seconds) from C(start_time) to C(end_time).
    - Empty in check mode when a run would start.
  returned: always
  type: dict
  sample: {id: 4, recovery_scenario: 3, backup_record: 41, dry_run_only: true, status: successful, status_code: R,
           start_time: "2026-11-30T08:00:00.000000Z", end_time: "2026-11-30T08:03:10.000000Z", seconds: 190.0}
targets:
  description:
    - Per target of the scenario, in the order CPM runs them, C(id), C(kind), C(region), C(resource), C(order),
      C(configuration), C(status) (the status of its recovery record, or V(not_started) when CPM made none),
      C(recovery) (the record, readable), C(started) and C(ended) (its first and last log line), C(seconds), and
      C(recovered_resources).
  returned: always
  type: list
  elements: dict
  sample:
    - {id: 11, kind: volume, region: us-east-1, resource: vol-ac572e225cd6e9379, status: successful, seconds: 62.0,
       recovered_resources: []}
log:
  description: The run's log lines (C(log), C(log_time), C(log_type)).
  returned: always
  type: list
  elements: dict
scenario:
  description: The scenario (C(id), C(name), C(policy)).
  returned: always
  type: dict
  sample: {id: 3, name: web-dr, policy: 2}
backup:
  description: The backup run on (C(id), C(start_time), C(status)).
  returned: always
  type: dict
  sample: {id: 41, start_time: "2026-11-30T07:40:01.000000Z", status: B}
operation:
  description:
    - How the run went; C(operation_id) (the run record id), C(state) (V(success), V(partial), V(failed),
      V(running), V(unknown), V(would_start) in check mode), C(status), C(attached) (an existing run was returned
      or followed), C(adopted), C(waited), C(elapsed).
  returned: always
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec, is_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.recoveries import RECOVERABLE, RECOVERABLE_PARTIAL, epoch_of
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import iso, parse_datetime
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.scenarios import (
    Runs, RunJob, Targets, record_view, target_outcomes,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import TERMINAL, JobFailed, JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_name


def argument_spec():
    return cpm_argument_spec(
        scenario=dict(type='str'),
        id=dict(type='int'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        backup=dict(type='int'),
        before=dict(type='str'),
        partial_backups=dict(type='bool', default=False),
        dry_run=dict(type='bool', default=True),
        run_again=dict(type='bool', default=False),
        fail_on_partial=dict(type='bool', default=True),
        logs=dict(type='bool', default=True),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=3600),
    )


def find_scenario(client, ref, option='scenario'):
    if is_id(ref):
        found = client.get_or_none('recovery_scenarios/%d/' % as_id(ref), feature='recovery_scenarios')
        if found is None:
            raise ValidationError(option, 'no recovery scenario has the id %s' % ref)
        return found
    items = [s for s in client.list('recovery_scenarios/', {'name': str(ref)}, feature='recovery_scenarios')
             if s.get('name') == str(ref)]
    if len(items) > 1:
        raise ValidationError(option, '%d recovery scenarios are named %r (ids %s); give the id' % (
            len(items), ref, ', '.join(str(s.get('id')) for s in items)))
    if not items:
        raise ValidationError(option, 'no recovery scenario is named %r' % (ref,))
    return items[0]


def choose_backup(client, scenario, backup_id, before, partial):
    statuses = RECOVERABLE + (RECOVERABLE_PARTIAL if partial else ())
    policy = as_id(scenario.get('policy'))
    if backup_id is not None:
        backup = client.get_or_none('backups/%d/' % backup_id, feature='backups')
        if backup is None:
            raise ValidationError('backup', 'no backup record has the id %s' % backup_id)
        if as_id(backup.get('policy')) != policy:
            raise ValidationError('backup', 'backup %s is a backup of policy %s, not of the scenario\'s policy %s' % (
                backup_id, backup.get('policy'), policy))
        if backup.get('status') not in statuses or backup.get('marked_for_deletion'):
            raise ValidationError('backup', 'backup %s cannot be recovered from (status %s%s)' % (
                backup_id, backup.get('status'), ', marked for deletion' if backup.get('marked_for_deletion') else ''))
        return backup
    for backup in client.pages('backups/', {'policy': policy, 'ordering': '-start_time'}, feature='backups',
                               page_size=25):
        started = epoch_of(backup.get('start_time'))
        if before is not None and (started is None or started > before):
            continue
        if backup.get('status') in statuses and not backup.get('marked_for_deletion') and \
                backup.get('is_recoverable') is not False:
            return backup
    raise ValidationError('backup', 'policy %s has no recoverable backup%s to run the scenario on' % (
        policy, ' started before %s' % iso(before) if before is not None else ''))


def brief(item, keys):
    return dict((k, item.get(k)) for k in keys if item and k in item)


def run(module):
    params = module.params
    if params['state'] == 'absent' and params.get('id') is None:
        raise ValidationError('id', 'is required with state=absent (the run record to delete)')
    if params.get('scenario') is None and params.get('id') is None:
        raise ValidationError('scenario', 'is required (or id, to follow a run)')
    check_name(params.get('scenario'), 'scenario')
    before = None
    if params.get('before'):
        try:
            before = parse_datetime(params['before'])
        except ValueError as exc:
            raise ValidationError('before', str(exc))
        if params.get('backup') is not None:
            raise ValidationError('before', 'chooses the backup; give backup or before, not both')
    client = CPMClient(params, warn=module.warn)
    client.require('recovery_scenarios', 'scenario')
    runs = Runs(client)
    if params['state'] == 'absent':
        return delete_record(module, client, runs, params)
    runner = JobRunner(module, client, wait=params['wait'], wait_timeout=params['wait_timeout'])
    if params.get('id') is not None:
        return follow(module, client, runs, runner, params)
    scenario = find_scenario(client, params['scenario'])
    targets = Targets(client, scenario['id']).read()
    if not targets:
        raise ValidationError('scenario', 'recovery scenario %s has no targets: CPM runs only a scenario with targets'
                              % (scenario.get('name') or scenario['id']))
    backup = choose_backup(client, scenario, params.get('backup'), before, params['partial_backups'])
    job = RunJob(client, scenario, backup, params['dry_run'], run_again=params['run_again'])
    base = dict(scenario=brief(scenario, ('id', 'name', 'policy')),
                backup=brief(backup, ('id', 'policy', 'start_time', 'status')))
    try:
        result = runner.run(job, fail_on_partial=params['fail_on_partial'])
    except JobFailed as exc:
        record = exc.result.observation
        ended = exc.result.state in TERMINAL and params['logs']
        client.finish(module)
        module.fail_json(msg=str(exc), changed=exc.result.changed, record=record_view(record),
                         targets=target_outcomes(client, record, targets) if record else [],
                         log=runs.logs(record['id']) if ended and record else [], operation=exc.result.as_dict(),
                         **base)
    record = result.observation if isinstance(result.observation, dict) else None
    ended = result.state in TERMINAL
    client.finish(module)
    module.exit_json(changed=result.changed, record=record_view(record),
                     targets=target_outcomes(client, record, targets) if record and params['logs'] else [],
                     log=runs.logs(record['id']) if record and params['logs'] and ended else [],
                     operation=result.as_dict(), **base)


def delete_record(module, client, runs, params):
    """Delete a run record (its history; what the run recovered stays)."""
    record = runs.get(params['id'])
    if record is None:
        client.finish(module)
        module.exit_json(changed=False, record={}, targets=[], log=[], scenario={}, backup={}, operation=dict(
            operation_id=params['id'], state='success', status='absent', attached=False, adopted=False, waited=False,
            elapsed=0.0))
    if record.get('status') == 'P':
        raise ValidationError('state', 'run %s is still running; CPM deletes only a run that has ended' % params['id'])
    if not module.check_mode:
        client.delete('recovery_scenarios/records/%d/' % params['id'], feature='recovery_scenarios', perm='recovery')
    client.finish(module)
    out = dict(changed=True, record={}, targets=[], log=[], scenario={'id': record.get('recovery_scenario')},
               backup={'id': record.get('backup_record')}, operation=dict(
                   operation_id=params['id'], state='success', status='deleted', attached=False, adopted=False,
                   waited=False, elapsed=0.0))
    if module._diff:
        out['diff'] = dict(before=record_view(record), after={})
    module.exit_json(**out)


def follow(module, client, runs, runner, params):
    record = runs.get(params['id'])
    if record is None:
        raise ValidationError('id', 'no recovery scenario run record has the id %s' % params['id'])
    scenario = client.get_or_none('recovery_scenarios/%d/' % as_id(record.get('recovery_scenario')),
                                  feature='recovery_scenarios') or {}
    if params.get('scenario') and str(params['scenario']) not in (str(scenario.get('id')), scenario.get('name')):
        raise ValidationError('scenario', 'run record %s is a run of scenario %s, not %s' % (
            params['id'], scenario.get('name') or record.get('recovery_scenario'), params['scenario']))
    targets = Targets(client, scenario['id']).read() if scenario.get('id') is not None else []
    job = RunJob(client, scenario or {'id': record.get('recovery_scenario')}, {'id': record.get('backup_record')},
                 record.get('dry_run_only'))
    state, status, observation = runner.follow(job, {'id': as_id(record['id'])}) if params['wait'] else \
        job.classify(None, record) + (record,)
    base = dict(scenario=brief(scenario, ('id', 'name', 'policy')), backup={'id': record.get('backup_record')})
    operation = dict(operation_id=as_id(record['id']), state=state, status=status, attached=True, adopted=False,
                     waited=params['wait'], elapsed=round(runner.elapsed(), 3))
    outcomes = target_outcomes(client, observation, targets) if params['logs'] else []
    log = runs.logs(record['id']) if params['logs'] and state in TERMINAL else []
    client.finish(module)
    if state == 'failed' or (state == 'partial' and params['fail_on_partial']):
        module.fail_json(msg='the run %s of recovery scenario %s ended %s' % (record['id'], scenario.get('name'), state),
                         changed=False, record=record_view(observation), targets=outcomes, log=log,
                         operation=operation, **base)
    module.exit_json(changed=False, record=record_view(observation), targets=outcomes, log=log, operation=operation,
                     **base)


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
