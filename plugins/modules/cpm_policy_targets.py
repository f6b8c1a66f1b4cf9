#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpm_policy_targets
short_description: Converge the targets of an N2WS Backup & Recovery (CPM) policy as a set
version_added: 0.1.0
description:
  - Makes the resources listed in O(targets) targets of a CPM policy, with their settings, in one task, for all the
    target kinds of the seed; instances (with their volume selection and per-instance settings), EBS volumes, RDS
    databases, RDS/Aurora clusters, Redshift clusters, DynamoDB tables, EFS file systems and S3 sync.
  - Each target is identified as the seed identifies it; instances, volumes, RDS databases and clusters, Redshift
    clusters and EFS by O(targets[].region) and O(targets[].id) (the AWS resource id), DynamoDB tables by
    O(targets[].region) and O(targets[].name) (the table name), S3 sync targets by O(targets[].name) (the source
    bucket) and O(targets[].destination_bucket_name).
  - Settings given are compared and updated in place where the seed has a C(PUT) (instances, EFS, S3 sync); an
    instance's O(targets[].volumes) selection is converged as a set.
  - With O(purge=true) the targets not listed are removed, except those CPM added itself by tag scanning (C(tagged))
    unless O(purge_tagged=true). Removing every target (an empty O(targets) with O(purge=true)) needs
    O(confirm_purge_all=true).
  - With O(state=absent) the listed targets are removed.
  - The result lists what was added, updated and removed. Reads are one list per target kind involved, so hundreds of
    targets converge in one task.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  policy:
    description:
      - The policy (name or id).
    type: str
    required: true
  state:
    description:
      - V(present) adds (and updates) the listed targets, V(absent) removes them.
    type: str
    choices: [present, absent]
    default: present
  purge:
    description:
      - With O(state=present), remove the targets of the policy that are not listed (of every kind).
    type: bool
    default: false
  purge_tagged:
    description:
      - With O(purge=true), remove also the targets CPM added by tag scanning (C(tagged)); by default they are kept
        and listed in RV(kept_tagged).
    type: bool
    default: false
  confirm_purge_all:
    description:
      - Must be V(true) when O(purge=true) and O(targets) is empty, that is, to remove every target of the policy.
    type: bool
    default: false
  recreate:
    description:
      - When settings of a target differ and the chosen O(api_version) has no C(PUT) for its kind (instances before
        API 1.2.0), remove the target and add it again with the wanted settings. Without it the module fails and
        says so.
    type: bool
    default: false
  targets:
    description:
      - The wanted targets. Only the settings given are compared.
    type: list
    elements: dict
    required: true
    suboptions:
      kind:
        description:
          - The kind of target. The API's family names are accepted too (V(instances), V(volumes), V(rds_databases),
            V(rds_clusters), V(redshift_clusters), V(dynamodb_tables), V(s3syncs)).
        type: str
        required: true
        choices: [dynamodb_table, efs, instance, rds_cluster, rds_database, redshift_cluster, s3_sync, volume,
                  dynamodb_tables, instances, rds_clusters, rds_databases, redshift_clusters, s3syncs, volumes]
      region:
        description:
          - The AWS region (V(us-east-1)) of the resource; required for every kind but V(s3_sync).
        type: str
      id:
        description:
          - The AWS id of the resource (V(i-...), V(vol-...), the DB or cluster identifier, V(fs-...)); required for
            every kind but V(dynamodb_table) and V(s3_sync).
        type: str
      name:
        description:
          - The table name of a V(dynamodb_table), the source bucket of an V(s3_sync).
        type: str
      destination_bucket_name:
        description:
          - The destination bucket of an V(s3_sync) (part of its identity).
        type: str
      ami_backup_option:
        description:
          - Instances; V(no_ami) snapshots only, V(single_ami) an initial AMI then snapshots, V(only_ami) AMIs only.
            The API's letters V(N), V(S), V(O) are accepted too.
        type: str
        choices: [no_ami, single_ami, only_ami, N, S, O]
      ami_reboot_option:
        description: Instances; reboot the instance while creating the AMI.
        type: bool
      aws_root_device:
        description: Instances; the instance's root device.
        type: str
      force_full_s3_copy:
        description: Instances; copy the instance in full (not incrementally) at the next copy to S3.
        type: bool
      which_volumes:
        description:
          - Instances; V(all) volumes, V(include_selected) only those in O(targets[].volumes), V(exclude_selected)
            all but those. The API's letters V(A), V(I), V(X) are accepted too.
        type: str
        choices: [all, include_selected, exclude_selected, A, I, X]
      volumes:
        description:
          - Instances; the selected volumes (AWS volume ids attached to the instance), as a whole set.
        type: list
        elements: str
      application_consistent_backup:
        description: Instances (Windows); application-consistent backup settings.
        type: dict
        suboptions:
          agent_script_timeout:
            description: Seconds before the agent considers the scripts hung.
            type: int
          collect_script_output:
            description: Collect what the scripts write to stderr.
            type: bool
          enable_agent_scripts:
            description: Run scripts on this instance's agent.
            type: bool
          enable_agent_vss:
            description: Take VSS snapshots on the agent.
            type: bool
          use_remote_agent:
            description: Back the instance up with a remote agent.
            type: bool
          vss_volumes:
            description: Volumes for VSS (V(c:,d:)); empty for all.
            type: str
      backup_vault_name:
        description: EFS; the AWS Backup vault.
        type: str
      backup_iam_role_arn:
        description: EFS; the AWS Backup IAM role ARN.
        type: str
      expire_option:
        description:
          - EFS; when recovery points expire. The API's letters V(P), V(N), V(D), V(W), V(M) (months), V(Y) are
            accepted too.
        type: str
        choices: [policy_generations, never, days, weeks, months, years, P, N, D, W, M, Y]
      expire_option_value:
        description: EFS; how many O(targets[].expire_option) units.
        type: int
      move_to_cold_storage_option:
        description:
          - EFS; when recovery points move to cold storage. The API's letters V(N), V(D), V(W), V(M) (months), V(Y)
            are accepted too.
        type: str
        choices: [never, days, weeks, months, years, N, D, W, M, Y]
      move_to_cold_storage_option_value:
        description: EFS; how many O(targets[].move_to_cold_storage_option) units.
        type: int
      destination_account:
        description: S3 sync; the account (name or id) of the destination bucket.
        type: str
      source_prefix:
        description: S3 sync; prefix of the source objects.
        type: str
      destination_prefix:
        description: S3 sync; prefix of the destination objects.
        type: str
      keep_source_prefix:
        description: S3 sync; keep the source prefix in the destination.
        type: bool
      delete_extra:
        description: S3 sync; delete destination objects that are not in the source.
        type: bool
      storage_class:
        description:
          - S3 sync; storage class of the copies. The API's letters V(S), V(R), V(I) are accepted too.
        type: str
        choices: [standard, reduced_redundancy, standard_ia, S, R, I]
notes:
  - The kinds need API versions; instances can be added from API 1.2.0, RDS/Aurora and Redshift clusters and DynamoDB
    tables from 1.1.0, EFS from 1.3.0, S3 sync from 1.5.0. With O(api_version) set, an older version is refused before
    any request.
seealso:
  - module: backupdr.cloud.cpm_policy
  - module: backupdr.cloud.cpm_policy_info
"""

EXAMPLES = r"""
- name: A policy for the main account
  backupdr.cloud.cpm_policy:
    name: web
    account: main

- name: Protect two instances (one with a volume selection), a database and a table
  backupdr.cloud.cpm_policy_targets:
    policy: web
    targets:
      - kind: instance
        region: us-east-1
        id: i-37182662be9c663f7
        ami_backup_option: single_ami
      - kind: instance
        region: us-east-1
        id: i-89c05ff1dcc5130b3
        which_volumes: exclude_selected
        volumes: [vol-c9888984b561176ce]
      - kind: rds_database
        region: us-east-1
        id: main-mysql-1
      - kind: dynamodb_table
        region: us-east-1
        name: main-orders
  register: protected

- name: Exactly these instances, nothing else (targets added by CPM's tag scan are kept)
  backupdr.cloud.cpm_policy_targets:
    policy: web
    purge: true
    targets:
      - {kind: instance, region: us-east-1, id: i-37182662be9c663f7}
      - {kind: instance, region: us-east-1, id: i-89c05ff1dcc5130b3}

- name: Stop protecting the second instance
  backupdr.cloud.cpm_policy_targets:
    policy: web
    state: absent
    targets:
      - kind: instance
        region: us-east-1
        id: i-89c05ff1dcc5130b3

- name: Remove every target of the policy
  backupdr.cloud.cpm_policy_targets:
    policy: web
    purge: true
    confirm_purge_all: true
    targets: []
"""

RETURN = r"""
added:
  description: The targets added (C(kind), the identity keys and C(target_id)); in check mode, those that would be.
  returned: always
  type: list
  elements: dict
  sample: [{kind: instance, region: us-east-1, id: i-0123456789abcdef0, target_id: 17}]
updated:
  description: The targets whose settings or volume selection changed, with C(changes) (before and after).
  returned: always
  type: list
  elements: dict
  sample:
    - kind: instance
      region: us-east-1
      id: i-0fedcba9876543210
      target_id: 12
      changes: {which_volumes: {before: all, after: exclude_selected}}
removed:
  description: The targets removed.
  returned: always
  type: list
  elements: dict
  sample: [{kind: volume, region: us-east-1, id: vol-0123456789abcdef0, target_id: 9}]
kept_tagged:
  description: With O(purge=true), the unlisted targets kept because CPM added them by tag scanning.
  returned: always
  type: list
  elements: dict
  sample: []
targets:
  description:
    - The policy's targets of the kinds involved after the task (before it in check mode), as CPM shows them, with
      C(kind), C(region), C(target_id), coded settings readable (letters in C(*_code)) and, for instances whose
      selection was given, C(volumes).
  returned: always
  type: list
  elements: dict
policy:
  description: The policy (C(id), C(name)).
  returned: always
  type: dict
  sample: {id: 2, name: web}
diff:
  description: With C(--diff), the targets before and after, one line each.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import (
    AMI_BACKUP, EFS_COLD, EFS_EXPIRE, S3SYNC_STORAGE, WHICH_VOLUMES,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import ASSUMED, Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import fail_partial
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.targets import (
    KIND_CHOICES, KINDS, PolicyTargets, identity_view, parse_targets, readable_settings, settings_changes,
    target_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def argument_spec():
    return cpm_argument_spec(
        policy=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        purge=dict(type='bool', default=False),
        purge_tagged=dict(type='bool', default=False),
        confirm_purge_all=dict(type='bool', default=False),
        recreate=dict(type='bool', default=False),
        targets=dict(type='list', elements='dict', required=True, options=dict(
            kind=dict(type='str', required=True, choices=KIND_CHOICES),
            region=dict(type='str'),
            id=dict(type='str'),
            name=dict(type='str'),
            destination_bucket_name=dict(type='str'),
            ami_backup_option=dict(type='str', choices=AMI_BACKUP.choices()),
            ami_reboot_option=dict(type='bool'),
            aws_root_device=dict(type='str'),
            force_full_s3_copy=dict(type='bool'),
            which_volumes=dict(type='str', choices=WHICH_VOLUMES.choices()),
            volumes=dict(type='list', elements='str'),
            application_consistent_backup=dict(type='dict', options=dict(
                agent_script_timeout=dict(type='int'),
                collect_script_output=dict(type='bool'),
                enable_agent_scripts=dict(type='bool'),
                enable_agent_vss=dict(type='bool'),
                use_remote_agent=dict(type='bool'),
                vss_volumes=dict(type='str'),
            )),
            backup_vault_name=dict(type='str'),
            backup_iam_role_arn=dict(type='str'),
            expire_option=dict(type='str', choices=EFS_EXPIRE.choices()),
            expire_option_value=dict(type='int'),
            move_to_cold_storage_option=dict(type='str', choices=EFS_COLD.choices()),
            move_to_cold_storage_option_value=dict(type='int'),
            destination_account=dict(type='str'),
            source_prefix=dict(type='str'),
            destination_prefix=dict(type='str'),
            keep_source_prefix=dict(type='bool'),
            delete_extra=dict(type='bool'),
            storage_class=dict(type='str', choices=S3SYNC_STORAGE.choices()),
        )),
    )


class Plan:
    def __init__(self):
        self.add = []        # Wanted
        self.update = []     # (Wanted, item, changes)
        self.recreate = []   # (Wanted, item, changes)
        self.volumes = []    # (Wanted, item, current selections, to add (ids), to remove (selections))
        self.remove = []     # (kind, item)
        self.kept = []       # (kind, item)

    def empty(self):
        return not (self.add or self.update or self.recreate or self.volumes or self.remove)


def run(module):
    params = module.params
    state = params['state']
    if state == 'absent' and params['purge']:
        raise ValidationError('purge', 'applies to state=present only (state=absent removes the listed targets)')
    wanted = parse_targets(params['targets'], with_settings=state == 'present')
    if params['purge'] and not wanted and not params['confirm_purge_all']:
        raise ValidationError('confirm_purge_all', 'purge=true with an empty targets list removes every target of '
                              'policy %s; set confirm_purge_all=true to do that' % params['policy'])
    client = CPMClient(params, warn=module.warn)
    for item in wanted:
        client.require('targets_%s' % item.kind.family, 'targets[%d].kind' % item.index)
        if state == 'present':
            client.require('targets_add_%s' % item.kind.family, 'targets[%d].kind' % item.index)
    refs = Refs(client, module)
    for item in wanted:
        if item.settings.get('destination_account') not in (None, ''):
            item.settings['destination_account'] = refs.account_id(
                item.settings['destination_account'], 'targets[%d].destination_account' % item.index, 'backup')
    policy = refs.policy(params['policy'], 'policy')
    kinds = dict((item.kind.name, item.kind) for item in wanted)
    if params['purge']:
        for kind in KINDS.values():
            if client.has('targets_%s' % kind.family):
                kinds[kind.name] = kind
    if policy is None:  # check mode: the policy would be created by an earlier task
        plan = Plan()
        plan.add = list(wanted) if state == 'present' else []
        finish(module, client, dict(id=None, name=params['policy']), plan, {}, {}, changed=bool(plan.add))
    reader = PolicyTargets(client, policy['id'], warn=module.warn)
    current = dict((name, reader.read(kind)) for name, kind in sorted(kinds.items()))
    plan = make_plan(client, reader, wanted, current, params)
    if plan.empty() or module.check_mode:
        finish(module, client, policy, plan, current, {}, changed=not plan.empty())
    done = apply(module, client, reader, plan)
    after = dict((name, reader.read(KINDS[name])) for name in sorted(current))
    finish(module, client, policy, plan, after, done, changed=True, before=current)


def make_plan(client, reader, wanted, current, params):
    plan = Plan()
    index = {}
    for name, items in current.items():
        for item in items:
            index[(name,) + KINDS[name].api_identity(item)] = item
    matched = set()
    for want in wanted:
        item = index.get(want.key())
        if params['state'] == 'absent':
            if item is not None:
                plan.remove.append((want.kind, item))
            continue
        if item is None:
            plan.add.append(want)
            continue
        matched.add(want.key())
        changes = settings_changes(want.kind, item, want.settings)
        if changes:
            if reader.available(want.kind, 'update'):
                plan.update.append((want, item, changes))
            elif params['recreate']:
                plan.recreate.append((want, item, changes))
            else:
                raise ValidationError('targets[%d]' % want.index, 'the settings %s of the %s differ, and %s targets '
                                      'cannot be updated in place with API %s; give recreate=true to remove and add '
                                      'it again' % (', '.join(sorted(changes)), want.kind.describe(want.ident),
                                                    want.kind.name, client.api_version))
        if want.volumes is not None:
            selections = reader.volumes(item['id'])
            have = dict((str(s.get('aws_resource_id')), s) for s in selections)
            to_add = [v for v in want.volumes if v not in have]
            to_remove = [s for v, s in sorted(have.items()) if v not in want.volumes]
            if to_add or to_remove:
                plan.volumes.append((want, item, selections, to_add, to_remove))
    if params['purge']:
        for key, item in sorted(index.items(), key=lambda pair: pair[0]):
            if key in matched:
                continue
            kind = KINDS[key[0]]
            if item.get('tagged') and not params['purge_tagged']:
                plan.kept.append((kind, item))
            else:
                plan.remove.append((kind, item))
    return plan


def apply(module, client, reader, plan):
    """The writes: adds (with their volume selections), updates, selections, removals last (protection is kept
    as long as possible when something fails half way)."""
    done = dict(added=[], updated=[], removed=[])
    try:
        for want, item, changes in plan.recreate:
            reader.remove(want.kind, item)
            done['removed'].append(identity_view(want.kind, want.ident))
            plan.add.append(want)
        for want in plan.add:
            created = reader.add(want)
            done['added'].append(dict(identity_view(want.kind, want.ident), target_id=(created or {}).get('id')))
            if want.volumes and created and created.get('id') is not None:
                for volume in want.volumes:
                    reader.add_volume(created['id'], volume)
        for want, item, changes in plan.update:
            reader.update(want.kind, item, changes)
            done['updated'].append(identity_view(want.kind, want.ident))
        for want, item, dummy, to_add, to_remove in plan.volumes:
            for selection in to_remove:
                reader.remove_volume(item['id'], selection)
            for volume in to_add:
                reader.add_volume(item['id'], volume)
            done['updated'].append(identity_view(want.kind, want.ident))
        for kind, item in plan.remove:
            reader.remove(kind, item)
            done['removed'].append(dict(identity_view(kind, kind.api_identity(item)), target_id=item.get('id')))
    except (ApiError, ValidationError) as exc:
        if not any(done.values()):
            raise  # nothing was written: the plain failure
        fail_partial(module, exc, done)
    return done


def line(kind, ident):
    return kind.describe(ident)


def finish(module, client, policy, plan, targets, done, changed, before=None):
    added = [dict(identity_view(w.kind, w.ident), target_id=None) for w in plan.add]
    for entry in done.get('added', ()):
        for item in added:
            if all(item.get(k) == v for k, v in entry.items() if k != 'target_id'):
                item['target_id'] = entry['target_id']
    updated = []
    for want, item, changes in plan.update + plan.recreate:
        updated.append(dict(identity_view(want.kind, want.ident), target_id=item.get('id'), changes=dict(
            (option, dict(before=readable_settings(want.kind, {option: b})[option],
                          after=readable_settings(want.kind, {option: a})[option]))
            for option, (b, a) in changes.items())))
    for want, item, selections, to_add, to_remove in plan.volumes:
        entry = [u for u in updated if u.get('target_id') == item.get('id')]
        have = sorted(str(s.get('aws_resource_id')) for s in selections)
        change = dict(before=have, after=sorted(want.volumes))
        if entry:
            entry[0]['changes']['volumes'] = change
        else:
            updated.append(dict(identity_view(want.kind, want.ident), target_id=item.get('id'),
                                changes=dict(volumes=change)))
    removed = [dict(identity_view(kind, kind.api_identity(item)), target_id=item.get('id')) for kind, item in plan.remove]
    kept = [dict(identity_view(kind, kind.api_identity(item)), target_id=item.get('id')) for kind, item in plan.kept]
    volumes = dict((item.get('id'), want.volumes) for want, item, s, a, r in plan.volumes)
    views = []
    for name, items in sorted(targets.items()):
        for item in items:
            view = target_view(KINDS[name], item)
            if item.get('id') in volumes and not module.check_mode:
                view['volumes'] = volumes[item['id']]
            views.append(view)
    result = dict(changed=changed, added=added, updated=updated, removed=removed, kept_tagged=kept, targets=views,
                  policy=dict(id=as_id(policy.get('id')) if policy.get('id') not in (None, ASSUMED) else None,
                              name=policy.get('name')))
    if changed and module._diff:
        source = before if before is not None else targets
        old = sorted(KINDS[name].describe(KINDS[name].api_identity(i)) for name, items in source.items() for i in items)
        gone = set(KINDS[k.name].describe(k.api_identity(i)) for k, i in plan.remove)
        new = sorted(set(o for o in old if o not in gone) | set(w.kind.describe(w.ident) for w in plan.add))
        result['diff'] = dict(before='\n'.join(old) + '\n' if old else '',
                              after='\n'.join(new) + '\n' if new else '')
    if plan.kept and module.params['purge']:
        module.warn('kept %d target(s) that CPM added by tag scanning (purge_tagged=false): %s' % (
            len(kept), ', '.join(KINDS[k['kind']].describe(tuple(v for key, v in k.items()
                                                                 if key in KINDS[k['kind']].identity))
                                 for k in kept[:10])))
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
