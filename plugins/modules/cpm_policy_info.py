#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpm_policy_info
short_description: List N2WS Backup & Recovery (CPM) policies, their settings, targets and last backups
version_added: 0.1.0
description:
  - Returns the CPM policies the API key's user sees, or those selected by name, id, account, schedule or owner,
    optionally with their options, DR and copy-to-S3 settings, custom tags, targets, last backups and next run times.
  - With O(resource), returns the policies that protect given AWS resources (instance ids, volume ids, names...),
    each with the matching targets (what a pre-change backup needs to know about a host).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  name:
    description:
      - Only the policy of this exact name.
    type: str
  id:
    description:
      - Only the policy with this id.
    type: int
  account:
    description:
      - Only the policies of this backup account (name or id).
    type: str
  schedule:
    description:
      - Only the policies that run on this schedule (name or id).
    type: str
  user:
    description:
      - Only the policies of this owner, a user id (or a user name, which only the root user may look up).
    type: str
  resource:
    description:
      - Only the policies that have one of these AWS resources as a target, given by AWS id (V(i-0abc...),
        V(vol-...), a DB identifier, a table name, a bucket name) or by name (an instance's Name tag).
      - Each policy returned then has C(protects), the matching resources.
    type: list
    elements: str
  include:
    description:
      - What to add to each policy (each costs one or more requests per policy).
      - V(options), V(dr), V(copy_to_s3) (API 1.1.0), V(custom_tags) (API 1.5.0) are the policy's settings.
      - V(targets) lists its targets (every kind).
      - V(last_backup) adds C(last_backup) and C(last_successful_backup).
      - V(run_times) adds the next runs within O(run_times_days) (CPM computes them only for an enabled policy with a
        target and a schedule; otherwise C(run_times) is empty and C(run_times_error) says why).
    type: list
    elements: str
    choices: [options, dr, copy_to_s3, custom_tags, targets, last_backup, run_times]
    default: []
  run_times_days:
    description:
      - Days ahead for V(run_times).
    type: float
    default: 7
  search:
    description:
      - Only the policies whose fields (name, description, name or description of a related schedule) contain every
        word of this (the API's C(search) filter).
    type: str
  ordering:
    description:
      - The API's ordering; a field, C(-) first for descending, several separated by commas (account, enabled,
        generations, name, username).
    type: str
seealso:
  - module: backupdr.cloud.cpm_policy
  - module: backupdr.cloud.cpm_policy_targets
  - module: backupdr.cloud.cpm_backup
"""

EXAMPLES = r"""
- name: Every policy
  backupdr.cloud.cpm_policy_info:
  register: policies

- name: The web policy with its settings, targets and last backups
  backupdr.cloud.cpm_policy_info:
    name: web
    include: [options, dr, copy_to_s3, targets, last_backup]
  register: web

- name: Which policies protect this instance?
  backupdr.cloud.cpm_policy_info:
    resource: [i-37182662be9c663f7]
  register: protecting

- name: Back each of them up before the change
  backupdr.cloud.cpm_backup:
    policy: "{{ item.id }}"
  loop: "{{ protecting.policies }}"
  loop_control:
    label: "{{ item.name }}"
"""

RETURN = r"""
policies:
  description:
    - The policies, as M(backupdr.cloud.cpm_policy) returns one, with what O(include) asked for.
  returned: always
  type: list
  elements: dict
  contains:
    options:
      description: The policy's options.
      type: dict
      returned: with V(options) in O(include)
    dr:
      description: The policy's DR settings (regions by name and id).
      type: dict
      returned: with V(dr) in O(include)
    copy_to_s3:
      description: The copy-to-S3 settings.
      type: dict
      returned: with V(copy_to_s3) in O(include)
    custom_tags:
      description: The custom tags.
      type: list
      elements: dict
      returned: with V(custom_tags) in O(include)
    targets:
      description: The targets, as M(backupdr.cloud.cpm_policy_targets) returns them (C(kind), C(region), C(target_id)...).
      type: list
      elements: dict
      returned: with V(targets) in O(include)
    last_backup:
      description: The latest backup record (C(id), C(status) readable, C(status_code), C(start_time), C(end_time)), or V(null).
      type: dict
      returned: with V(last_backup) in O(include)
    last_successful_backup:
      description: The latest successful backup record, or V(null).
      type: dict
      returned: with V(last_backup) in O(include)
    run_times:
      description: The next runs (C(time) in UTC, C(schedule_name)...).
      type: list
      elements: dict
      returned: with V(run_times) in O(include)
    protects:
      description: With O(resource), the matching resources the policy protects (C(kind), C(aws_id), C(name), C(region)...).
      type: list
      elements: dict
      returned: with O(resource)
  sample:
    - id: 2
      name: web
      account: 1
      enabled: true
      schedules: [3]
      schedule_names: [nightly]
      auto_remove_resource: keep
      auto_remove_resource_code: N
count:
  description: The number of policies returned.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.policies import (
    copy_view, dr_view, options_view, policy_view, tag_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.protected import (
    backup_summary, matches_resource, policy_backups, policy_targets, protected_resources,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.targets import target_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import check_number

FEATURES = {'options': 'policy_options', 'dr': 'policy_dr', 'copy_to_s3': 'policy_copy_to_s3',
            'custom_tags': 'custom_tags', 'run_times': 'policy_run_times'}


def argument_spec():
    return cpm_argument_spec(
        search=dict(type='str'),
        ordering=dict(type='str'),
        name=dict(type='str'),
        id=dict(type='int'),
        account=dict(type='str'),
        schedule=dict(type='str'),
        user=dict(type='str'),
        resource=dict(type='list', elements='str'),
        include=dict(type='list', elements='str', default=[],
                     choices=['options', 'dr', 'copy_to_s3', 'custom_tags', 'targets', 'last_backup', 'run_times']),
        run_times_days=dict(type='float', default=7),
    )


def run(module):
    params = module.params
    days = check_number(params['run_times_days'], 'run_times_days', minimum=0, maximum=3660)
    include = set(params['include'])
    client = CPMClient(params, warn=module.warn)
    for item in include:
        if item in FEATURES:
            client.require(FEATURES[item], 'include')
    refs = Refs(client)
    policies = select(client, refs, params)
    protects = {}
    if params.get('resource'):
        resources = protected_resources(client, policies=policies, backups=False)
        for res in resources:
            if matches_resource(res, params['resource']):
                for pid in res['policy_ids']:
                    protects.setdefault(pid, []).append(res)
        policies = [p for p in policies if as_id(p['id']) in protects]
    out = []
    for policy in policies:
        pid = as_id(policy['id'])
        view = policy_view(policy, refs)
        if params.get('resource'):
            view['protects'] = protects.get(pid, [])
        if 'options' in include and policy.get('name') != 'cpmdata':
            view['options'] = options_view(client.get('policies/%d/options/' % pid, feature='policy_options'))
        if 'dr' in include:
            view['dr'] = dr_view(client.get('policies/%d/dr/' % pid, feature='policy_dr'), refs)
        if 'copy_to_s3' in include:
            view['copy_to_s3'] = copy_view(client.get('policies/%d/copy_to_s3/' % pid, feature='policy_copy_to_s3'))
        if 'custom_tags' in include:
            view['custom_tags'] = [tag_view(t) for t in client.list('policies/%d/custom_tags/' % pid,
                                                                    feature='custom_tags')]
        if 'targets' in include:
            view['targets'] = [target_view(kind, item) for kind, item in policy_targets(client, pid)]
        if 'last_backup' in include:
            latest, success = policy_backups(client, pid)
            view['last_backup'] = backup_summary(latest)
            view['last_successful_backup'] = backup_summary(success)
        if 'run_times' in include:
            try:
                view['run_times'] = client.get('policies/%d/run_times/' % pid, {'days_ahead': days},
                                               feature='policy_run_times') or []
            except ApiError as err:
                if err.status != 400:
                    raise
                view['run_times'] = []
                view['run_times_error'] = err.message
        out.append(view)
    client.finish(module)
    module.exit_json(changed=False, policies=out, count=len(out))


def select(client, refs, params):
    if params.get('id') is not None:
        found = client.get_or_none('policies/%d/' % params['id'], feature='policies')
        items = [found] if found else []
    else:
        query = {'ordering': params.get('ordering') or None}
        terms = ' '.join(t for t in (params.get('name'), params.get('search')) if t)
        if terms:
            query['search'] = terms
        if params.get('account') not in (None, ''):
            query['account'] = refs.account_id(params['account'], 'account')
        if params.get('user') not in (None, ''):
            query['user'] = refs.user_id(params['user'], 'user')
        if params.get('schedule') not in (None, ''):
            query['schedules'] = refs.schedule_id(params['schedule'], 'schedule')
        items = client.list('policies/', query, feature='policies')
    if params.get('name'):
        items = [p for p in items if p.get('name') == params['name']]
    return items


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
