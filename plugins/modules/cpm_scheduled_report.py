#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET scheduled_reports/ name (the lookup)
# api: GET scheduled_reports/{id}/ id
# api: POST scheduled_reports/ state=present (a new scheduled report)
# api: PUT scheduled_reports/{id}/ state=present
# api: DELETE scheduled_reports/{id}/ state=absent
# api: POST scheduled_reports/{scheduled_report_id}/run/ run_now=true

DOCUMENTATION = r"""
module: cpm_scheduled_report
short_description: Manage an N2WS Backup & Recovery (CPM) scheduled report, or send it now
version_added: 0.2.0
description:
  - Makes sure a scheduled report (a report CPM e-mails to recipients on schedules) exists with the given settings,
    or that it does not exist (API 1.3.0); O(run_now=true) also has CPM make and send it now.
  - The report is found by O(name) among the API key's user's scheduled reports, or by O(id).
  - Filters that do not apply to the O(report_type) are refused before any request.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  name:
    description: The scheduled report's name. Required unless O(id) is given.
    type: str
  id:
    description: The scheduled report's id.
    type: int
  state:
    description: V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
  report_type:
    description: The report (required to create; it cannot change). CPM's letters are accepted too.
    type: str
    choices: [audit, backups, protected_resources, unprotected_resources, resource_control_operations, snapshots, usage,
              A, B, P, D, R, S, U]
  user:
    description: The owner (a user name or id). Default the user the API key acts for. It cannot change.
    type: str
  recipients:
    description: The e-mail addresses the report is sent to (the whole list). Required to create.
    type: list
    elements: str
  description:
    description: The description.
    type: str
  enabled:
    description: Whether the schedules send the report.
    type: bool
  anonymized:
    description: With a usage report, anonymize user and account names.
    type: bool
  detailed:
    description: With a usage report, one row per account.
    type: bool
  schedules:
    description: The owner's schedules that send the report (names or ids; the whole list). V([]) for none.
    type: list
    elements: str
  filter_account:
    description: Only this backup account (name or id; not for audit reports).
    type: str
  filter_user:
    description: Only this user (name or id; not for snapshots reports).
    type: str
  last_period_interval:
    description: Only the last so many O(last_period_unit) (audit, backups, resource control operations, snapshots,
      usage).
    type: int
  last_period_unit:
    description: The unit of O(last_period_interval).
    type: str
    choices: [days, weeks, months, years, D, W, O, Y]
  run_now:
    description: Make and send the report now (after applying the options); CPM answers at once without a handle.
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cpm_scheduled_report_info
  - module: backupdr.cloud.cpm_report_info
"""

EXAMPLES = r"""
- name: The failed backups of the last week, mailed every night
  backupdr.cloud.cpm_scheduled_report:
    name: weekly-backups
    report_type: backups
    recipients: [backup-team@example.com]
    last_period_interval: 1
    last_period_unit: weeks
    run_now: true
"""

RETURN = r"""
scheduled_report:
  description: The scheduled report as CPM shows it after the task (C(report_type) readable, letter in
    C(report_type_code)); empty after a delete.
  returned: always
  type: dict
  sample: {id: 1, name: weekly-backups, report_type: backups, report_type_code: B, recipients: [backup-team@example.com],
           enabled: true, schedules: [], filters: {account: null, user: null, last_period_interval: 1,
                                                   last_period_unit: W}, user: 1}
sent:
  description: Whether the report was sent now (O(run_now)).
  returned: always
  type: bool
diff:
  description: With C(--diff), the changed options before and after.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.reports import (
    PERIOD_UNIT, REPORT_TYPE, ScheduledReportType, check_scheduled,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def run(module):
    params = module.params
    client = CPMClient(params, warn=module.warn)
    rtype = ScheduledReportType(client, params)
    engine = CPMEngine(module, rtype)
    wanted = engine.desired()  # every option validated before any request
    if wanted.get('report_type'):
        check_scheduled(wanted['report_type'], params)
    client.require('scheduled_reports')
    current = engine.find()
    if params['state'] == 'absent':
        changed, dummy, diff = engine.absent(current=current)
        client.finish(module)
        module.exit_json(sent=False, **engine.result(changed, None, diff))
    report_type = wanted.get('report_type') or (current or {}).get('report_type')
    if report_type is None:
        raise ValidationError('report_type', 'is required to create a scheduled report')
    check_scheduled(report_type, params)
    refs = Refs(client, module)
    if current is None:
        if not wanted.get('recipients'):
            raise ValidationError('recipients', 'is required to create a scheduled report')
        wanted['user'] = refs.owner(params.get('user'), 'user')
        wanted.setdefault('schedules', [])
    elif params.get('user') not in (None, ''):
        wanted['user'] = refs.user_id(params['user'], 'user')
    if params.get('schedules') is not None:
        wanted['schedules'] = sorted(set(as_id(refs.schedule_id(s, 'schedules')) for s in params['schedules']))
    if params.get('filter_account') not in (None, ''):
        account = refs.account(params['filter_account'], 'filter_account')
        wanted['filter_account'] = as_id(account['id']) if account else params['filter_account']
    if params.get('filter_user') not in (None, ''):
        wanted['filter_user'] = refs.user_id(params['filter_user'], 'filter_user')
    changed, flat, diff = engine.present(current=current, wanted=wanted)
    sent = False
    if params['run_now']:
        sent = changed = True
        if not module.check_mode:
            client.post('scheduled_reports/%d/run/' % as_id(flat['id']), {}, feature='scheduled_reports', perm=None)
    client.finish(module)
    module.exit_json(sent=sent, **engine.result(changed, flat, diff))


def main():
    run_module(cpm_argument_spec(
        name=dict(type='str'),
        id=dict(type='int'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        report_type=dict(type='str', choices=REPORT_TYPE.choices()),
        user=dict(type='str'),
        recipients=dict(type='list', elements='str'),
        description=dict(type='str'),
        enabled=dict(type='bool'),
        anonymized=dict(type='bool'),
        detailed=dict(type='bool'),
        schedules=dict(type='list', elements='str'),
        filter_account=dict(type='str'),
        filter_user=dict(type='str'),
        last_period_interval=dict(type='int'),
        last_period_unit=dict(type='str', choices=PERIOD_UNIT.choices()),
        run_now=dict(type='bool', default=False),
    ), run, required_one_of=[('name', 'id')])


if __name__ == '__main__':
    main()
