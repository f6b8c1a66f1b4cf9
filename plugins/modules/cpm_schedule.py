#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cpm_schedule
short_description: Create, update or delete an N2WS Backup & Recovery (CPM) schedule
version_added: 0.1.0
description:
  - Makes sure a CPM schedule exists with the given frequency, weekdays, start and end dates, time zone and disable
    times, or that it does not exist (O(state=absent)).
  - The schedule is found by O(id), or by O(name) among the schedules the API key's user sees (exact match; two
    schedules of one name are never guessed between).
  - Only the options given are compared; a change is written with one full-body C(PUT) that carries every other
    value as CPM shows it, so the result is the same whether CPM replaces or merges on C(PUT).
  - O(disable_times) is the whole set of disable times; missing ones are added and others removed in one task
    (through C(/api/schedules/{id}/disable_times/), API 1.2.0; before that inside the schedule's C(PUT)).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  name:
    description:
      - Name of the schedule. Letters, digits, C(_) and C(-) only (the CPM rule).
      - Required unless O(id) is given. With O(id), a different name renames the schedule.
    type: str
  id:
    description:
      - CPM id of the schedule, to address one of several schedules of one name, or to rename one.
      - An id that does not exist is an error (a schedule is never created with a chosen id).
    type: int
  state:
    description:
      - V(present) creates or updates the schedule, V(absent) deletes it.
      - Deleting a schedule takes it away from the policies that use it; they no longer run on it.
    type: str
    choices: [present, absent]
    default: present
  user:
    description:
      - Owner of the schedule, a user id (or a user name, which only the root user may look up).
      - Only set when the schedule is created; a different owner for an existing schedule is an error.
      - Defaults to the user the API key acts for, when CPM lets that be told (the one owner of the visible
        backup accounts, the root user's managed users set aside). Delegates seeing several owners must give it.
      - When given, the name is looked up among this user's schedules only.
    type: str
  description:
    description:
      - Description of the schedule.
    type: str
  every_unit:
    description:
      - Unit of the frequency, with O(every_how_many).
      - The API's letters are accepted too (V(M) minutes, V(H) hours, V(D) days, V(W) weeks, V(O) months).
      - Without it, CPM chooses when the schedule is created (days in current CPM versions).
    type: str
    choices: [minutes, hours, days, weeks, months, M, H, D, W, O]
  every_how_many:
    description:
      - How many O(every_unit) between two runs. Required to create a schedule.
    type: int
  start_date:
    description:
      - When the schedule starts, an ISO 8601 date-time such as V(2026-01-31T02:00:00Z) (UTC unless an offset is
        given). Compared as an instant.
      - Without it, a new schedule starts when it is created; an existing one keeps its start.
    type: str
  end_date:
    description:
      - When the schedule ends, an ISO 8601 date-time. An empty string removes the end date (the schedule never ends).
    type: str
  timezone:
    description:
      - Time zone the schedule runs in, such as V(Europe/Berlin). An empty string means CPM's own time zone.
    type: str
  days:
    description:
      - The days of the week the schedule may run on (V(monday) ... V(sunday), or V(mon) ... V(sun)); the other days
        are turned off. Sets CPM's seven C(allow_on_*) flags.
    type: list
    elements: str
  disable_times:
    description:
      - Times when the schedule must not start a backup, as a whole set (missing ones are added, others removed).
      - V([]) removes every disable time. Omit to leave them as they are.
    type: list
    elements: dict
    suboptions:
      day:
        description:
          - The day, or V(every_day). The API's letters are accepted too (V(A) every day, V(M) Monday, V(T) Tuesday,
            V(W) Wednesday, V(H) Thursday, V(F) Friday, V(S) Saturday, V(U) Sunday).
        type: str
        choices: [every_day, monday, tuesday, wednesday, thursday, friday, saturday, sunday, A, M, T, W, H, F, S, U]
        default: every_day
      start_time:
        description:
          - Start of the disabled time, V(HH:MM) or V(HH:MM:SS).
        type: str
        required: true
      end_time:
        description:
          - End of the disabled time, V(HH:MM) or V(HH:MM:SS). It may be earlier than O(disable_times[].start_time)
            (the window then spans midnight).
        type: str
        required: true
notes:
  - Names are matched exactly on the client; CPM has no exact name filter for schedules, so the list is narrowed
    with its C(search) filter first.
seealso:
  - module: backupdr.cloud.cpm_schedule_info
  - module: backupdr.cloud.cpm_policy
"""

EXAMPLES = r"""
- name: A nightly schedule, Monday to Friday, not during the maintenance window
  backupdr.cloud.cpm_schedule:
    name: nightly
    every_unit: days
    every_how_many: 1
    start_date: "2026-01-01T01:00:00Z"
    days: [monday, tuesday, wednesday, thursday, friday]
    disable_times:
      - day: friday
        start_time: "22:00"
        end_time: "23:30"

- name: Every 4 hours, owned by a managed user (root's API key)
  backupdr.cloud.cpm_schedule:
    name: every-4h
    user: managed
    every_unit: hours
    every_how_many: 4

- name: No more disable times on nightly
  backupdr.cloud.cpm_schedule:
    name: nightly
    disable_times: []

- name: Delete the schedule
  backupdr.cloud.cpm_schedule:
    name: every-4h
    user: managed
    state: absent
"""

RETURN = r"""
schedule:
  description:
    - The schedule as CPM shows it after the task (before it, in check mode), with C(every_unit) readable and its
      letter in C(every_unit_code), the weekdays in C(days), and each disable time's C(day) readable (letter in
      C(day_code)). Empty after a delete.
  returned: always
  type: dict
  sample:
    id: 3
    name: nightly
    description: null
    user: 1
    every_unit: days
    every_unit_code: D
    every_how_many: 1
    start_date: "2026-01-01T01:00:00.000000Z"
    end_date: null
    timezone: null
    days: [monday, tuesday, wednesday, thursday, friday]
    allow_on_saturday: false
    disable_times:
      - {id: 7, day: friday, day_code: F, start_time: "22:00:00", end_time: "23:30:00"}
    num_policies: 2
diff:
  description: With C(--diff), the changed options before and after (disable times as lists).
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import (
    CPMClient, check_cpm_name, cpm_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import DISABLE_DAY, SCHEDULE_UNIT
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.schedules import (
    ScheduleType, disable_time, schedule_view, window_identity, window_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def argument_spec():
    return cpm_argument_spec(
        name=dict(type='str'),
        id=dict(type='int'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        user=dict(type='str'),
        description=dict(type='str'),
        every_unit=dict(type='str', choices=SCHEDULE_UNIT.choices()),
        every_how_many=dict(type='int'),
        start_date=dict(type='str'),
        end_date=dict(type='str'),
        timezone=dict(type='str'),
        days=dict(type='list', elements='str'),
        disable_times=dict(type='list', elements='dict', options=dict(
            day=dict(type='str', choices=DISABLE_DAY.choices(), default='every_day'),
            start_time=dict(type='str', required=True),
            end_time=dict(type='str', required=True),
        )),
    )


def run(module):
    params = module.params
    check_cpm_name(params.get('name'), 'name')
    client = CPMClient(params, warn=module.warn)
    rtype = ScheduleType(client, params, module)
    engine = CPMEngine(module, rtype)
    wanted = engine.desired()  # every option validated before any request
    windows = None
    if params.get('disable_times') is not None:
        windows = []
        for index, item in enumerate(params['disable_times']):
            ident = disable_time(item, 'disable_times[%d]' % index)
            if ident not in windows:
                windows.append(ident)
    if params['state'] == 'absent':
        current = engine.find()
        if current and current.get('num_policies'):
            module.warn('schedule %s was used by %s policies; they no longer run on it' % (
                current.get('name'), current.get('num_policies')))
        changed, dummy, diff = engine.absent(current=current)
        client.finish(module)
        module.exit_json(**engine.result(changed, None, diff and dict(before=schedule_view(current), after={})))
    rtype.windows = windows
    current = engine.find()
    changed, flat, diff = engine.present(current=current, wanted=wanted)
    if current is not None and windows is not None:
        changed, flat, diff = converge_windows(module, client, rtype, current, flat, diff, windows, changed)
    elif current is None and windows is not None and diff is not None:
        diff['after']['disable_times'] = [window_view(w) for w in windows]
    if diff is not None:
        diff = dict(before=diff.get('before') or {}, after=diff.get('after') or {})
    client.finish(module)
    module.exit_json(**engine.result(changed, flat, diff))


def converge_windows(module, client, rtype, current, flat, diff, windows, changed):
    """The disable times as a set, after the schedule itself."""
    have = (flat or current).get('disable_times')
    schedule_id = current['id']
    if have is None:
        have = rtype.disable_times(schedule_id).read() if client.has('disable_times') else []
    before = sorted(window_identity(w) for w in have)
    after = sorted(set(windows))
    if before == after:
        return changed, flat, diff
    diff = diff or dict(before={}, after={})
    diff['before']['disable_times'] = [window_view(w) for w in before]
    diff['after']['disable_times'] = [window_view(w) for w in after]
    if module.check_mode:
        preview = dict(flat or current)
        preview['disable_times'] = [dict(day=w[0], start_time=w[1], end_time=w[2]) for w in after]
        return True, preview, diff
    if client.has('disable_times'):
        children = rtype.disable_times(schedule_id, warn=module.warn)
        to_add, to_remove = children.plan(have, windows)
        children.apply(to_add, to_remove)
    else:
        rtype.update(flat or current, {}, {})
    return True, rtype.get(schedule_id) or flat, diff


def main():
    run_module(argument_spec(), run, required_one_of=[('name', 'id')])


if __name__ == '__main__':
    main()
