#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpm_schedule_info
short_description: List N2WS Backup & Recovery (CPM) schedules and their next run times
version_added: 0.1.0
description:
  - Returns the CPM schedules the API key's user sees, or those selected by name, id, owner or policy, with their
    weekdays and disable times, and optionally their next run times.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  name:
    description:
      - Only the schedule of this exact name.
    type: str
  id:
    description:
      - Only the schedule with this id (read directly; none when it does not exist).
    type: int
  user:
    description:
      - Only the schedules of this owner, a user id (or a user name, which only the root user may look up).
    type: str
  policy:
    description:
      - Only the schedules a policy uses, the policy's name or id.
    type: str
  run_times_days:
    description:
      - Add C(run_times), the schedule's run times in the next O(run_times_days) days
        (C(GET /api/schedules/{id}/run_times/), API 1.4.0; a delegate needs C(allow_backup_changes) for it).
    type: float
  search:
    description:
      - Only the schedules whose fields (name, description, name or description of a related policy) contain every
        word of this (the API's C(search) filter).
    type: str
  ordering:
    description:
      - The API's ordering; a field, C(-) first for descending, several separated by commas (allow_on_monday ...
        allow_on_sunday, end_date, every_how_many, every_unit (by frequency), name, start_date, username).
    type: str
seealso:
  - module: backupdr.cloud.cpm_schedule
"""

EXAMPLES = r"""
- name: Every schedule
  backupdr.cloud.cpm_schedule_info:
  register: schedules

- name: The nightly schedule with its runs of the next two days
  backupdr.cloud.cpm_schedule_info:
    name: nightly
    run_times_days: 2
  register: nightly

- name: The schedules by frequency, the most frequent first
  backupdr.cloud.cpm_schedule_info:
    ordering: every_unit
"""

RETURN = r"""
schedules:
  description:
    - The schedules, each as M(backupdr.cloud.cpm_schedule) returns one (C(every_unit) readable, C(days),
      disable times with readable days).
  returned: always
  type: list
  elements: dict
  contains:
    run_times:
      description:
        - With O(run_times_days), the next runs; C(time) is UTC, C(schedule_time) in the schedule's time zone.
      type: list
      elements: dict
      returned: with O(run_times_days)
      sample:
        - schedule_name: nightly
          time: "2026-12-01T01:00:00.000000Z"
          schedule_time: "2026-12-01T02:00:00+01:00"
          schedule_timezone: Europe/Berlin
          system_time: "2026-12-01T01:00:00+00:00"
          system_timezone: UTC
  sample:
    - id: 3
      name: nightly
      every_unit: days
      every_unit_code: D
      every_how_many: 1
      days: [monday, tuesday, wednesday, thursday, friday]
      disable_times: []
count:
  description: The number of schedules returned.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.schedules import schedule_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import check_number


def argument_spec():
    return cpm_argument_spec(
        search=dict(type='str'),
        ordering=dict(type='str'),
        name=dict(type='str'),
        id=dict(type='int'),
        user=dict(type='str'),
        policy=dict(type='str'),
        run_times_days=dict(type='float'),
    )


def run(module):
    params = module.params
    days = check_number(params.get('run_times_days'), 'run_times_days', minimum=0, maximum=3660)
    client = CPMClient(params, warn=module.warn)
    if days is not None:
        client.require('schedule_run_times', 'run_times_days')
    refs = Refs(client)
    if params.get('id') is not None:
        found = client.get_or_none('schedules/%d/' % params['id'], feature='schedules')
        items = [found] if found else []
    else:
        query = {'ordering': params.get('ordering') or None}
        terms = ' '.join(t for t in (params.get('name'), params.get('search')) if t)
        if terms:
            query['search'] = terms
        if params.get('user') not in (None, ''):
            query['user'] = refs.user_id(params['user'], 'user')
        if params.get('policy') not in (None, ''):
            policy = refs.policy(params['policy'], 'policy')
            query['policy'] = as_id(policy['id'])
        items = client.list('schedules/', query, feature='schedules')
    if params.get('name'):
        items = [s for s in items if s.get('name') == params['name']]
    out = []
    for item in items:
        view = schedule_view(item)
        if days is not None:
            view['run_times'] = client.get('schedules/%d/run_times/' % as_id(item['id']), {'days_ahead': days},
                                           feature='schedule_run_times') or []
        out.append(view)
    client.finish(module)
    module.exit_json(changed=False, schedules=out, count=len(out))


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
