#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpm_policy
short_description: Create, update or delete an N2WS Backup & Recovery (CPM) policy with its options, DR, copy to S3 and custom tags
version_added: 0.1.0
description:
  - Makes sure a CPM backup policy exists for a backup account, with its schedules (by name), generations, state,
    auto-remove and agent scripts, and, in the same task, its options (O(options)), DR settings (O(dr)), copy-to-S3
    settings (O(copy_to_s3)) and custom tags (O(custom_tags)), or that it does not exist (O(state=absent)).
  - The policy is found by O(id), or by O(name) among the policies the API key's user sees (exact match; with
    O(account), among that account's policies when several share the name).
  - Only the options given are compared, key by key. The policy and each settings object are written with one
    full-body C(PUT) each, and only when one of their given keys differs; custom tags (no C(PUT) in the seed) are
    converged as a set.
  - Deleting a policy deletes its snapshots (seed L24039-L24040). It needs O(confirm_delete_snapshots=true), checked
    before any request; check mode and C(--diff) show the policy and how many backup records would lose their
    snapshots.
  - Targets are managed by M(backupdr.cloud.cpm_policy_targets); backups by M(backupdr.cloud.cpm_backup).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  name:
    description:
      - Name of the policy. Letters, digits, C(_) and C(-) only (the CPM rule). V(cpmdata) is CPM's own backup
        policy (root user only; it has no O(options)).
      - Required unless O(id) is given. With O(id), a different name renames the policy.
    type: str
  id:
    description:
      - CPM id of the policy.
    type: int
  state:
    description:
      - V(present) creates or updates the policy, V(absent) deletes it together with its snapshots (see
        O(confirm_delete_snapshots)).
    type: str
    choices: [present, absent]
    default: present
  confirm_delete_snapshots:
    description:
      - Must be V(true) to delete a policy, because CPM deletes the policy's snapshots with it.
    type: bool
    default: false
  account:
    description:
      - The backup account (name or id) whose resources the policy protects. Required to create a policy; it cannot
        be changed afterwards. The policy belongs to the account's owner.
    type: str
  description:
    description:
      - Description of the policy.
    type: str
  enabled:
    description:
      - Whether the policy runs. A disabled policy cannot be backed up (M(backupdr.cloud.cpm_backup) says so).
    type: bool
  generations:
    description:
      - How many generations (backups) CPM keeps.
    type: int
  auto_remove_resource:
    description:
      - What CPM does with targets whose AWS resource no longer exists; V(keep) them (the API's V(N), No), V(remove)
        them (V(Y), Yes), V(remove_and_alert) (V(A), Yes and alert). The API's letters are accepted too.
    type: str
    choices: [keep, remove, remove_and_alert, N, Y, A]
  schedules:
    description:
      - The schedules the policy runs on, by name or id, as a whole set. V([]) removes every schedule.
    type: list
    elements: str
  enable_agent_scripts:
    description:
      - Run the backup agent's scripts (application-consistent backups). The same fact as the policy options'
        C(enable_agent_scripts), written through this option only.
    type: bool
  options:
    description:
      - The policy's options (C(/api/policies/{id}/options/)); only the keys given are compared.
    type: dict
    suboptions:
      agent_script_timeout:
        description: Seconds each script may run.
        type: int
      collect_script_output:
        description: Collect what the scripts write to stderr.
        type: bool
      considered_successful:
        description:
          - When a backup counts as successful. V(no_issues) (V(B)) finished with no issues; V(snapshots_succeeded)
            (V(A)) the snapshots succeeded even if scripts or VSS failed.
        type: str
        choices: [no_issues, snapshots_succeeded, B, A]
      minutes_between_retries:
        description: Minutes between the retries of a failed backup.
        type: int
      num_failures_for_alert:
        description: Failures before CPM raises an alert.
        type: int
      number_of_retries:
        description: Retries after a failed backup.
        type: int
  dr:
    description:
      - The policy's DR settings (C(/api/policies/{id}/dr/)); only the keys given are compared.
    type: dict
    suboptions:
      dr_enabled:
        description: Copy the snapshots to the DR regions (the same fact as the policy's C(dr_enabled)).
        type: bool
      dr_frequency:
        description: Run DR every this many backups.
        type: int
      dr_regions:
        description:
          - AWS regions (names such as V(us-west-2)) to copy snapshots to, as a whole set. Each must be an AWS region
            name and one of the regions CPM offers (C(GET /api/regions/)).
        type: list
        elements: str
      dr_timeout_hours:
        description: Hours after which a DR copy counts as failed.
        type: int
      cross_account_dr:
        description:
          - Copies to a DR account (needs CPM's cross-account licence).
        type: dict
        suboptions:
          dr_account:
            description: The DR account (name or id) to copy to.
            type: str
          dr_account_regions:
            description: AWS regions of the DR account to copy to, as a whole set.
            type: list
            elements: str
          copy_to_snapshot_original_region:
            description: Copy each snapshot to its original region in the DR account.
            type: bool
          dr_keep_original_snapshots:
            description: Keep the original snapshots once copied to the DR account.
            type: bool
  copy_to_s3:
    description:
      - The policy's copy-to-S3 settings (C(/api/policies/{id}/copy_to_s3/), API 1.1.0); only the keys given are
        compared.
    type: dict
    suboptions:
      enabled:
        description: Copy backups to the S3 repository O(copy_to_s3.repository).
        type: bool
      repository:
        description: The S3 repository (name or id).
        type: str
      copy_interval:
        description: Copy every this many backups (generations).
        type: int
      delete_aws_snapshot_after_copy:
        description: Delete the EBS snapshots once copied to S3.
        type: bool
      s3_storage_class:
        description: Storage class of the copies.
        type: str
        choices: [STANDARD, STANDARD_IA, INTELLIGENT_TIERING]
      archive_storage_class:
        description: Storage class of the archive.
        type: str
        choices: [GLACIER, DEEP_ARCHIVE]
      enable_copy_to_glacier:
        description: Archive copies to Glacier.
        type: bool
      copy_to_glacier:
        description: How often to archive.
        type: dict
        suboptions:
          every_how:
            description: Archive every this many O(copy_to_s3.copy_to_glacier.every_unit).
            type: int
          every_unit:
            description: The unit (the letters V(D), V(W), V(O) months, V(Y) are accepted too).
            type: str
            choices: [days, weeks, months, years, D, W, O, Y]
      retain_in_glacier:
        description: How long to keep archives.
        type: dict
        suboptions:
          retain_duration:
            description: Keep archives this many O(copy_to_s3.retain_in_glacier.retain_unit).
            type: int
          retain_unit:
            description: The unit (the letters V(D), V(W), V(O) months, V(Y) are accepted too).
            type: str
            choices: [days, weeks, months, years, D, W, O, Y]
      retention_generation_based:
        description: Retention by number of generations.
        type: dict
        suboptions:
          enabled:
            description: Use this rule.
            type: bool
          num_generations:
            description: Generations to keep.
            type: int
      retention_time_based:
        description: Retention by age.
        type: dict
        suboptions:
          enabled:
            description: Use this rule.
            type: bool
          every_how_many:
            description: Keep copies this many O(copy_to_s3.retention_time_based.every_unit).
            type: int
          every_unit:
            description: The unit (the letters V(D), V(W), V(O) months, V(Y) are accepted too).
            type: str
            choices: [days, weeks, months, years, D, W, O, Y]
  custom_tags:
    description:
      - Custom tags CPM puts on the snapshots of the policy, as a whole set (API 1.5.0). V([]) removes every custom
        tag. A tag is its name, value and prefix flags together (there is no C(PUT)), so changing one removes the old
        tag and adds the new one.
    type: list
    elements: dict
    suboptions:
      tag_name:
        description: Name of the tag (or its prefix with O(custom_tags[].name_is_prefix)).
        type: str
        required: true
      tag_value:
        description: Value of the tag.
        type: str
      name_is_prefix:
        description: Match resource tags whose name starts with O(custom_tags[].tag_name).
        type: bool
        default: false
      value_is_prefix:
        description: Match resource tags whose value starts with O(custom_tags[].tag_value).
        type: bool
        default: false
seealso:
  - module: backupdr.cloud.cpm_policy_info
  - module: backupdr.cloud.cpm_policy_targets
  - module: backupdr.cloud.cpm_backup
  - module: backupdr.cloud.cpm_schedule
"""

EXAMPLES = r"""
- name: A nightly schedule
  backupdr.cloud.cpm_schedule:
    name: nightly
    every_unit: days
    every_how_many: 1

- name: A daily policy for the main account, with retries, DR to us-west-2 and copies to S3
  backupdr.cloud.cpm_policy:
    name: web
    account: main
    schedules: [nightly]
    generations: 14
    auto_remove_resource: remove_and_alert
    options:
      number_of_retries: 2
      considered_successful: snapshots_succeeded
    dr:
      dr_enabled: true
      dr_regions: [us-west-2]
    copy_to_s3:
      enabled: true
      repository: main-repo
      retention_generation_based:
        enabled: true
        num_generations: 8
    custom_tags:
      - tag_name: backup-policy
        tag_value: web
  register: web_policy

- name: Pause it
  backupdr.cloud.cpm_policy:
    name: web
    enabled: false

- name: Delete it with its snapshots
  backupdr.cloud.cpm_policy:
    name: web
    state: absent
    confirm_delete_snapshots: true
"""

RETURN = r"""
policy:
  description:
    - The policy as CPM shows it after the task (before it in check mode), with C(auto_remove_resource) readable (letter
      in C(auto_remove_resource_code)) and its schedules by name in C(schedule_names). Empty after a delete.
  returned: always
  type: dict
  sample:
    id: 2
    name: web
    account: 1
    user: 1
    enabled: true
    generations: 14
    auto_remove_resource: remove_and_alert
    auto_remove_resource_code: A
    schedules: [3]
    schedule_names: [nightly]
    dr_enabled: true
    copy_to_s3_enabled: true
options:
  description: The policy's options (C(considered_successful) readable, letter in C(considered_successful_code)).
  returned: when O(options) is given and the policy exists
  type: dict
  sample: {number_of_retries: 2, considered_successful: snapshots_succeeded, considered_successful_code: A}
dr:
  description: The policy's DR settings, regions by name (C(dr_regions)) and id (C(dr_region_ids)).
  returned: when O(dr) is given and the policy exists
  type: dict
  sample: {dr_enabled: true, dr_regions: [us-west-2], dr_region_ids: [4], dr_frequency: 1, dr_timeout_hours: 8}
copy_to_s3:
  description: The policy's copy-to-S3 settings (units readable, letters in C(*_code)).
  returned: when O(copy_to_s3) is given and the policy exists
  type: dict
  sample: {enabled: true, repository: 1, copy_interval: 1, s3_storage_class: STANDARD}
custom_tags:
  description: The policy's custom tags.
  returned: when O(custom_tags) is given and the policy exists
  type: list
  elements: dict
  sample: [{id: 4, tag_name: backup-policy, tag_value: web, name_is_prefix: false, value_is_prefix: false}]
deleted_backups:
  description:
    - With O(state=absent), the number of the policy's backup records whose snapshots were (in check mode, would be)
      deleted with it; V(null) when it cannot be read (API before 1.1.0).
  returned: when a policy is deleted
  type: int
  sample: 12
diff:
  description:
    - With C(--diff), the changed policy keys, and per settings object (C(options), C(dr), C(copy_to_s3)) the changed
      keys, before and after; C(custom_tags) as lists.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import (
    CPMClient, as_id, check_cpm_name, cpm_argument_spec, unflatten,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import AUTO_REMOVE, CONSIDERED_SUCCESSFUL, PERIOD_UNIT
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.policies import (
    ARCHIVE_STORAGE_CLASSES, S3_STORAGE_CLASSES, PolicyType, check_dr_regions, check_tags, copy_settings,
    copy_view, custom_tags, dr_settings, dr_view, flatten_given, options_settings, options_view, resolve_copy,
    resolve_dr, tag_identity, tag_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import ASSUMED
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine, fail_partial
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

UNIT = dict(type='str', choices=PERIOD_UNIT.choices())


def argument_spec():
    return cpm_argument_spec(
        name=dict(type='str'),
        id=dict(type='int'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        confirm_delete_snapshots=dict(type='bool', default=False),
        account=dict(type='str'),
        description=dict(type='str'),
        enabled=dict(type='bool'),
        generations=dict(type='int'),
        auto_remove_resource=dict(type='str', choices=AUTO_REMOVE.choices()),
        schedules=dict(type='list', elements='str'),
        enable_agent_scripts=dict(type='bool'),
        options=dict(type='dict', options=dict(
            agent_script_timeout=dict(type='int'),
            collect_script_output=dict(type='bool'),
            considered_successful=dict(type='str', choices=CONSIDERED_SUCCESSFUL.choices()),
            minutes_between_retries=dict(type='int'),
            num_failures_for_alert=dict(type='int'),
            number_of_retries=dict(type='int'),
        )),
        dr=dict(type='dict', options=dict(
            dr_enabled=dict(type='bool'),
            dr_frequency=dict(type='int'),
            dr_regions=dict(type='list', elements='str'),
            dr_timeout_hours=dict(type='int'),
            cross_account_dr=dict(type='dict', options=dict(
                dr_account=dict(type='str'),
                dr_account_regions=dict(type='list', elements='str'),
                copy_to_snapshot_original_region=dict(type='bool'),
                dr_keep_original_snapshots=dict(type='bool'),
            )),
        )),
        copy_to_s3=dict(type='dict', options=dict(
            enabled=dict(type='bool'),
            repository=dict(type='str'),
            copy_interval=dict(type='int'),
            delete_aws_snapshot_after_copy=dict(type='bool'),
            s3_storage_class=dict(type='str', choices=list(S3_STORAGE_CLASSES)),
            archive_storage_class=dict(type='str', choices=list(ARCHIVE_STORAGE_CLASSES)),
            enable_copy_to_glacier=dict(type='bool'),
            copy_to_glacier=dict(type='dict', options=dict(every_how=dict(type='int'), every_unit=dict(UNIT))),
            retain_in_glacier=dict(type='dict', options=dict(retain_duration=dict(type='int'),
                                                             retain_unit=dict(UNIT))),
            retention_generation_based=dict(type='dict', options=dict(enabled=dict(type='bool'),
                                                                      num_generations=dict(type='int'))),
            retention_time_based=dict(type='dict', options=dict(enabled=dict(type='bool'),
                                                                every_how_many=dict(type='int'),
                                                                every_unit=dict(UNIT))),
        )),
        custom_tags=dict(type='list', elements='dict', options=dict(
            tag_name=dict(type='str', required=True),
            tag_value=dict(type='str'),
            name_is_prefix=dict(type='bool', default=False),
            value_is_prefix=dict(type='bool', default=False),
        )),
    )


class Sub:
    """One settings object of the policy (options, dr, copy_to_s3): its wanted values and how to read/write it."""

    def __init__(self, key, factory, view, feature, given):
        self.key = key
        self.factory = factory
        self.view = view
        self.feature = feature
        self.given = given
        self.fields = factory(None, 0)
        self.wanted = self.fields.desired(flatten_given(given)) if given is not None else None


def run(module):
    params = module.params
    check_cpm_name(params.get('name'), 'name')
    if params['state'] == 'absent' and not params['confirm_delete_snapshots']:
        raise ValidationError('confirm_delete_snapshots', 'deleting a policy deletes its snapshots too (seed L24039); '
                              'set confirm_delete_snapshots=true to delete policy %s' % (
                                  params.get('name') or params.get('id')))
    client = CPMClient(params, warn=module.warn)
    rtype = PolicyType(client, params, module)
    engine = CPMEngine(module, rtype)
    wanted = engine.desired()  # every option validated before any request
    if params['state'] == 'absent':
        delete(module, client, rtype, engine)
    subs = [
        Sub('options', options_settings, options_view, 'policy_options', params.get('options')),
        Sub('dr', lambda c, i: dr_settings(c, i, rtype.refs), None, 'policy_dr', params.get('dr')),
        Sub('copy_to_s3', copy_settings, copy_view, 'policy_copy_to_s3', params.get('copy_to_s3')),
    ]
    for sub in subs:
        if sub.wanted is not None:
            client.require(sub.feature, sub.key)
    dr = subs[1]
    if dr.wanted is not None:
        check_dr_regions(dr.wanted)
    tags = None
    if params.get('custom_tags') is not None:
        client.require('custom_tags', 'custom_tags')
        tags = check_tags(params['custom_tags'])
    if dr.wanted and 'dr_enabled' in dr.wanted:
        rtype.overlay['dr_enabled'] = dr.wanted['dr_enabled']

    current = engine.find()
    # References of the settings are resolved before any write (a typo fails before the policy changes).
    if dr.wanted is not None:
        dr.wanted = resolve_dr(dr.wanted, rtype.refs)
    if subs[2].wanted is not None:
        subs[2].wanted = resolve_copy(subs[2].wanted, rtype.refs)
    changed, flat, diff = engine.present(current=current, wanted=wanted)
    diff = diff or dict(before={}, after={})
    result = {}
    exists = bool(flat) and flat.get('id') not in (None, ASSUMED) and not (module.check_mode and current is None)
    done = ['policy']
    try:
        for sub in subs:
            if sub.wanted is None:
                continue
            if not exists:
                diff['after'][sub.key] = unflatten(sub.fields.readable(sub.wanted))
                continue
            settings = sub.factory(client, as_id(flat['id']))
            overlay = {}
            if sub.key == 'options' and 'enable_agent_scripts' in wanted:
                overlay['enable_agent_scripts'] = wanted['enable_agent_scripts']
            sub_changed, dummy, after, sub_diff = settings.converge(sub.wanted, module.check_mode, overlay=overlay)
            if sub_changed:
                changed = True
                diff['before'][sub.key] = sub_diff['before']
                diff['after'][sub.key] = sub_diff['after']
            result[sub.key] = view_of(sub, after, rtype)
            done.append(sub.key)
        if tags is not None:
            changed = converge_tags(module, client, flat, exists, tags, diff, result) or changed
    except (ApiError, ValidationError) as exc:
        if changed and not module.check_mode:
            fail_partial(module, exc, dict(policy=rtype.view(flat), **result))
        raise
    if changed and exists and not module.check_mode and len(done) > 1:
        flat = rtype.get(flat['id']) or flat
    if not diff['before'] and not diff['after']:
        diff = None
    out = engine.result(changed, flat, diff)
    out.update(result)
    client.finish(module)
    module.exit_json(**out)


def view_of(sub, obj, rtype):
    if sub.key == 'dr':
        return dr_view(obj, rtype.refs)
    return sub.view(obj) if sub.view else obj


def converge_tags(module, client, flat, exists, tags, diff, result):
    if not exists:
        diff['after']['custom_tags'] = [tag_view(t) for t in tags]
        return False
    children = custom_tags(client, as_id(flat['id']), warn=module.warn)
    have = children.read()
    to_add, to_remove = children.plan(have, tags)
    result['custom_tags'] = [tag_view(t) for t in have]
    if not to_add and not to_remove:
        return False
    diff['before']['custom_tags'] = sorted((tag_view(t) for t in have), key=lambda t: tag_identity(t)[:1])
    diff['after']['custom_tags'] = sorted((tag_view(t) for t in tags), key=lambda t: tag_identity(t)[:1])
    if not module.check_mode:
        children.apply(to_add, to_remove)
        result['custom_tags'] = [tag_view(t) for t in children.read()]
    return True


def delete(module, client, rtype, engine):
    """Delete the policy (confirmed), saying how many backup records lose their snapshots."""
    current = engine.find()
    count = None
    if current is not None and client.has('backups'):
        answer = client.get('backups/', {'policy': as_id(current['id']), 'page': 1, 'page_size': 1},
                            feature='backups')
        count = answer.get('count') if isinstance(answer, dict) else len(answer or [])
        if isinstance(answer, list):  # a server that does not page: count every record
            count = len(client.list('backups/', {'policy': as_id(current['id'])}, feature='backups'))
    changed, dummy, diff = engine.absent(current=current)
    result = engine.result(changed, None, diff and dict(
        before=dict(rtype.view(current), backup_records_losing_snapshots=count), after={}))
    if changed:
        result['deleted_backups'] = count
        module.warn('policy %s %s deleted together with its snapshots (%s backup records)' % (
            current.get('name'), 'would be' if module.check_mode else 'was', 'unknown number of' if count is None
            else count))
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(argument_spec(), run, required_one_of=[('name', 'id')])


if __name__ == '__main__':
    main()
