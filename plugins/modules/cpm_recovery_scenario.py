#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET recovery_scenarios/ name (the lookup, CPM's exact name filter)
# api: GET recovery_scenarios/{id}/ id
# api: POST recovery_scenarios/ state=present (a new scenario)
# api: PUT recovery_scenarios/{id}/ state=present
# api: DELETE recovery_scenarios/{id}/ state=absent
# api: GET recovery_scenarios/{scenario_id}/targets/ targets
# api: POST recovery_scenarios/{scenario_id}/targets/ targets
# api: PUT recovery_scenarios/{scenario_id}/targets/{id}/ targets (configuration, order)
# api: DELETE recovery_scenarios/{scenario_id}/targets/{id}/ purge_targets

DOCUMENTATION = r"""
module: cpm_recovery_scenario
short_description: Manage N2WS Backup & Recovery (CPM) recovery scenarios and their targets
version_added: 0.2.0
description:
  - Creates, updates or deletes a CPM recovery scenario (C(/api/recovery_scenarios/), API 1.4.0), CPM's own DR
    runbook for the backups of one policy, and converges its targets as a set (C(/api/recovery_scenarios/{id}/targets/)).
  - The scenario is found by O(name) (CPM's exact C(name) filter) or O(id). One update of the scenario when a given
    option differs; then, per target, one C(POST), C(PUT) or C(DELETE) where needed.
  - "A target is a resource of the policy to recover in a run: its O(targets[].kind) (including recovery from S3 and
    from DR copies), O(targets[].region), O(targets[].resource) and the recover O(targets[].options), written as the
    target's JSON C(configuration)."
  - A target in a region where the policy protects nothing, or naming a resource the policy does not protect there,
    or a DR or S3 target on a policy without DR or copy to S3, is refused before any write.
  - Run a scenario with M(backupdr.cloud.cpm_recovery_scenario_run); read scenarios, targets and runs with
    M(backupdr.cloud.cpm_recovery_scenario_info).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  name:
    description:
      - The name of the scenario (CPM allows scenarios without a name; such a scenario is managed by O(id)).
    type: str
  id:
    description:
      - The id of an existing scenario (then O(name) renames it).
    type: int
  state:
    description:
      - V(present) or V(absent). Deleting a scenario deletes its targets; the records of its runs stay.
    type: str
    choices: [present, absent]
    default: present
  policy:
    description:
      - The policy (name or id) whose backups the scenario recovers. Required to create a scenario; it cannot be
        changed afterwards.
    type: str
  description:
    description:
      - Free text.
    type: str
  schedule:
    description:
      - A schedule (name or id) on which CPM runs the scenario by itself; V('') for none.
    type: str
  schedule_running_option:
    description:
      - What a scheduled run does, a V(dry_run) (CPM's default) or a real V(recovery). Letters V(D), V(R) accepted.
    type: str
    choices: [dry_run, recovery, D, R]
  recipients:
    description:
      - E-mail addresses CPM sends the run reports to (the whole list).
    type: list
    elements: str
  destination_account:
    description:
      - The account (name or id) the targets recover into by default; V('') for the policy's account.
    type: str
  destination_region:
    description:
      - The AWS region the targets recover into by default (such as V(us-west-2), one CPM offers); V('') for the
        backups' region.
    type: str
  agent_script_timeout:
    description:
      - Seconds the pre- and post-recovery scripts may run.
    type: int
  collect_script_output:
    description:
      - Keep the output of the scripts in the run's log.
    type: bool
  enable_agent_scripts:
    description:
      - Run the pre- and post-recovery scripts.
    type: bool
  endure:
    description:
      - Go on with the next targets when one fails (V(false), CPM's default, stops the run at the first failure).
    type: bool
  targets:
    description:
      - The targets of the scenario, in the order given by O(targets[].order). When given, the list is the whole
        truth (see O(purge_targets)); V([]) with O(purge_targets=true) removes every target.
      - A target is identified by its kind, region and resource; changing one of them replaces the target.
    type: list
    elements: dict
    suboptions:
      kind:
        description:
          - What to recover and from where; the letters CPM uses are accepted too (V(I), V(V), V(R), V(A), V(C), V(D),
            V(E), V(S3I), V(S3V), V(DRV), V(DRR), V(DRA), V(DRE)).
        type: str
        required: true
        choices: [instance, volume, rds_database, rds_cluster, redshift_cluster, dynamodb_table, efs, instance_from_s3,
                  volume_from_s3, dr_volume, dr_rds_database, dr_rds_cluster, dr_efs, I, V, R, A, C, D, E, S3I, S3V, DRV,
                  DRR, DRA, DRE]
      region:
        description:
          - The AWS region of the backed-up resource (the policy must have targets there).
        type: str
        required: true
      resource:
        description:
          - The AWS id of the backed-up resource (a DynamoDB table by its name), as the policy protects it.
        type: str
        required: true
      order:
        description:
          - The place of the target in a run (by default after the others).
        type: int
      options:
        description:
          - Recover options of the target, the options of M(backupdr.cloud.cpm_recovery) that apply to its kind
            (such as C(name), C(zone), C(instance_type), C(worker_configuration)), with readable values.
          - For RDS, Aurora, Redshift and DynamoDB targets, C(name) is optional here; CPM names the new resource.
          - Compared with the target's configuration as parsed JSON.
        type: dict
  purge_targets:
    description:
      - Remove the targets not listed in O(targets). With V(false), O(targets) only adds and updates.
    type: bool
    default: true
notes:
  - Recovery scenarios need API 1.4.0; a delegate needs C(allow_backup_changes).
seealso:
  - module: backupdr.cloud.cpm_recovery_scenario_run
  - module: backupdr.cloud.cpm_recovery_scenario_info
  - module: backupdr.cloud.cpm_recovery
"""

EXAMPLES = r"""
- name: A policy protecting a web server and its database
  backupdr.cloud.cpm_policy:
    name: web
    account: main

- name: Its targets
  backupdr.cloud.cpm_policy_targets:
    policy: web
    targets:
      - {kind: instance, region: us-east-1, id: i-37182662be9c663f7}
      - {kind: rds_database, region: us-east-1, id: main-mysql-1}

- name: The web tier's DR runbook, a dry run every night
  backupdr.cloud.cpm_recovery_scenario:
    name: web-dr
    policy: web
    description: Database first, then the web server
    recipients: [dr-team@example.com]
    endure: false
    targets:
      - kind: rds_database
        region: us-east-1
        resource: main-mysql-1
        order: 1
        options: {db_instance_class: db.m5.large, multi_az: true}
      - kind: instance
        region: us-east-1
        resource: i-37182662be9c663f7
        order: 2
        options: {instance_type: m5.large, zone: us-east-1b, placement: zone}

- name: Remove the scenario
  backupdr.cloud.cpm_recovery_scenario:
    name: web-dr
    state: absent
"""

RETURN = r"""
recovery_scenario:
  description:
    - The scenario after the task (before it, in check mode), with C(schedule_running_option) readable (letter in
      C(schedule_running_option_code)), C(destination_region) as an AWS region name, C(schedule_name), and
      C(target_counts) per kind. Empty after a delete.
  returned: always
  type: dict
  sample:
    id: 3
    name: web-dr
    policy: 2
    endure: false
    schedule_running_option: dry_run
    schedule_running_option_code: D
    recipients: [dr-team@example.com]
    target_counts: {instance: 1, rds_database: 1}
targets:
  description:
    - The targets after the task (the wanted ones in check mode), with C(kind) readable (letter in C(kind_code)) and
      C(configuration) parsed.
  returned: when present
  type: list
  elements: dict
  sample: [{id: 11, kind: rds_database, kind_code: R, aws_region: us-east-1, aws_resource_id: main-mysql-1, order: 1,
            configuration: {db_instance_class: db.m5.large, multi_az: true}}]
added:
  description: The targets added (or that would be), as C({kind, region, resource, order, configuration}).
  returned: always
  type: list
  elements: dict
updated:
  description: The targets whose configuration or order was changed.
  returned: always
  type: list
  elements: dict
removed:
  description: The targets removed.
  returned: always
  type: list
  elements: dict
diff:
  description: With C(--diff), the changed options and the targets before and after.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import SCENARIO_RUNNING_OPTION, SCENARIO_TARGET_TYPE
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import ASSUMED, Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.scenarios import (
    ScenarioType, Targets, check_coverage, describe_target, resolve_targets, target_view, wanted_target,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_name


def argument_spec():
    return cpm_argument_spec(
        name=dict(type='str'),
        id=dict(type='int'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        policy=dict(type='str'),
        description=dict(type='str'),
        schedule=dict(type='str'),
        schedule_running_option=dict(type='str', choices=SCENARIO_RUNNING_OPTION.choices()),
        recipients=dict(type='list', elements='str'),
        destination_account=dict(type='str'),
        destination_region=dict(type='str'),
        agent_script_timeout=dict(type='int'),
        collect_script_output=dict(type='bool'),
        enable_agent_scripts=dict(type='bool'),
        endure=dict(type='bool'),
        targets=dict(type='list', elements='dict', options=dict(
            kind=dict(type='str', required=True, choices=SCENARIO_TARGET_TYPE.choices()),
            region=dict(type='str', required=True),
            resource=dict(type='str', required=True),
            order=dict(type='int'),
            options=dict(type='dict'),
        )),
        purge_targets=dict(type='bool', default=True),
    )


def run(module):
    params = module.params
    check_name(params.get('name'), 'name')
    client = CPMClient(params, warn=module.warn)
    client.require('recovery_scenarios')
    rtype = ScenarioType(client, params, module)
    engine = CPMEngine(module, rtype)
    wanted = engine.desired()
    targets = None
    if params.get('targets') is not None:
        targets = [wanted_target(item, index) for index, item in enumerate(params['targets'])]
        seen = {}
        for target in targets:
            if target.identity() in seen:
                raise ValidationError(target.option, 'is the same target as %s (kind, region and resource)'
                                      % seen[target.identity()])
            seen[target.identity()] = target.option
    if params['state'] == 'absent':
        current = engine.find()
        changed, dummy, diff = engine.absent(current=current)
        client.finish(module)
        module.exit_json(**engine.result(changed, None, diff, added=[], updated=[], removed=[]))
    current = engine.find()
    refs = Refs(client, module)
    if targets is not None:
        resolve_targets(client, refs, targets)
        policy_ref = current.get('policy') if current else params.get('policy')
        policy = refs.policy(policy_ref, 'policy') if policy_ref not in (None, '', ASSUMED) else None
        check_coverage(client, policy, targets)
    changed, flat, diff = engine.present(current=current, wanted=wanted)
    added, updated, removed, after_targets = [], [], [], None
    if targets is not None:
        scenario_id = as_id((flat or {}).get('id')) if (flat or {}).get('id') is not None else None
        children = Targets(client, scenario_id, warn=module.warn) if scenario_id is not None else None
        have = children.read() if children is not None and current is not None else []
        if children is None:  # check mode, the scenario would be created
            to_add, to_update, to_remove = targets, [], []
        else:
            to_add, to_update, to_remove = children.plan(have, targets, params['purge_targets'])
        added = [describe_target(t) for t in to_add]
        updated = [describe_target(t) for dummy, t in to_update]
        removed = [describe_target(t) for t in to_remove]
        if to_add or to_update or to_remove:
            changed = True
            diff = diff or dict(before={}, after={})
            diff['before']['targets'] = [describe_target(t) for t in have]
            keep = [t for t in have if t not in to_remove]
            replaced = dict((id(item), target) for item, target in to_update)
            diff['after']['targets'] = [describe_target(replaced.get(id(t), t)) for t in keep] + added
            if not module.check_mode:
                children.apply(to_add, to_update, to_remove)
        if module.check_mode or children is None:
            after_targets = [dict(describe_target(t)) for t in (diff or {}).get('after', {}).get('targets', [])] \
                if (to_add or to_update or to_remove) else [target_view(t) for t in have]
        else:
            after_targets = [target_view(t) for t in children.read()] if (to_add or to_update or to_remove) else \
                [target_view(t) for t in have]
            if changed and not module.check_mode:
                flat = rtype.get(scenario_id) or flat
    elif flat and flat.get('id') is not None and current is not None:
        after_targets = [target_view(t) for t in Targets(client, flat['id']).read()]
    if diff is not None:
        diff = dict(before=diff.get('before') or {}, after=diff.get('after') or {})
    client.finish(module)
    extra = dict(added=added, updated=updated, removed=removed)
    if after_targets is not None:
        extra['targets'] = after_targets
    module.exit_json(**engine.result(changed, flat, diff, **extra))


def main():
    run_module(argument_spec(), run, required_one_of=[('name', 'id')])


if __name__ == '__main__':
    main()
