#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET reports/audit/ report=audit
# api: GET reports/backups/ report=backups
# api: GET reports/protected-resources/ report=protected_resources
# api: GET reports/resource_control_operations/ report=resource_control_operations
# api: GET reports/snapshots/ report=snapshots
# api: GET reports/usage/ report=usage
# api: GET reports/usage/anonymized/ report=usage_anonymized
# api: GET reports/usage/detailed/ report=usage_detailed
# api: GET reports/usage/detailed/anonymous/ report=usage_detailed_anonymous
# api: GET reports/usage/summary/ report=usage_summary
# api: GET reports/usage/summary/anonymous/ report=usage_summary_anonymous

DOCUMENTATION = r"""
module: cpm_report_info
short_description: Read an N2WS Backup & Recovery (CPM) report as data or as a CSV file
version_added: 0.2.0
description:
  - Returns one of CPM's reports (seed chapter 17) with the filters the seed documents for it, as data (RV(rows)),
    or writes CPM's CSV of it to O(dest) (and returns its rows, RV(csv_rows)).
  - A filter the chosen report does not have is refused before any request, naming the reports that have it.
  - In RV(csv_rows) every column whose name ends with C(Time) is given as ISO 8601 UTC to the second, whether CPM
    writes its server time (C(YYYY-MM-DD HH:MM:SS)) or ISO strings; RV(rows) times are CPM's own.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  report:
    description:
      - The report. V(audit) (root only), V(backups), V(protected_resources), V(resource_control_operations)
        (API 1.3.0), V(snapshots), V(usage), V(usage_anonymized) (root and his delegates), V(usage_detailed),
        V(usage_summary) (API 1.3.0), V(usage_detailed_anonymous), V(usage_summary_anonymous) (API 1.4.0).
    type: str
    required: true
    choices: [audit, backups, protected_resources, resource_control_operations, snapshots, usage, usage_anonymized,
              usage_detailed, usage_detailed_anonymous, usage_summary, usage_summary_anonymous]
  dest:
    description:
      - Write the report as CPM's CSV to this file (written only when its content changed; mode 0600).
    type: path
  account:
    description: Filter (backups, protected_resources, resource_control_operations, snapshots) - a backup account name or id.
    type: str
  account_name:
    description: Filter (backups, protected_resources, resource_control_operations, the usage reports but anonymized).
    type: str
  backup_id:
    description: Filter (backups).
    type: int
  dr_status:
    description: Filter (backups) - a DR status, readable or CPM's letter.
    type: str
  event_type:
    description: Filter (audit).
    type: str
  from_time:
    description: Filter (audit, backups, resource_control_operations, snapshots, usage_detailed*, usage_summary*) - an
      ISO 8601 date-time.
    type: str
  to_time:
    description: Filter, with O(from_time) - an ISO 8601 date-time.
    type: str
  group_name:
    description: Filter (resource_control_operations).
    type: str
  is_retry:
    description: Filter (backups).
    type: bool
  marked_for_deletion:
    description: Filter (backups, resource_control_operations).
    type: bool
  original_user:
    description: Filter (audit) - the user a delegate acts for, by name.
    type: str
  policy_name:
    description: Filter (backups).
    type: str
  rc_operation_id:
    description: Filter (resource_control_operations).
    type: int
  search:
    description: Filter (audit) - words of the log.
    type: str
  status:
    description: Filter (backups, resource_control_operations) - a status, readable or CPM's letter.
    type: str
  user:
    description: Filter (audit, backups, protected_resources, resource_control_operations, usage_detailed*,
      usage_summary*) - a user name or id.
    type: str
  user_id:
    description: Filter (audit).
    type: int
  username:
    description: Filter (audit, backups, protected_resources, resource_control_operations, the usage reports but
      anonymized).
    type: str
  ordering:
    description: CPM's ordering (audit, backups, resource_control_operations, usage, usage_detailed*, usage_summary*).
    type: str
seealso:
  - module: backupdr.cloud.cpm_scheduled_report
"""

EXAMPLES = r"""
- name: Failed backups of the last week, as data
  backupdr.cloud.cpm_report_info:
    report: backups
    status: failed
    from_time: "{{ '%Y-%m-%dT00:00:00Z' | strftime(now(utc=true).timestamp() - 7 * 86400) }}"
  register: failed_backups

- name: The usage summary as a CSV file
  backupdr.cloud.cpm_report_info:
    report: usage_summary
    dest: /tmp/cpm_usage_summary.csv
"""

RETURN = r"""
rows:
  description: The report's rows as CPM's JSON gives them (without O(dest)).
  returned: without O(dest)
  type: list
  elements: dict
  sample: [{backup_id: 12, account_name: main, policy_name: web, status: B, start_time: "2026-01-31T02:00:00.000000Z"}]
csv_rows:
  description: With O(dest), the CSV's rows (header -> text; times as ISO 8601 UTC to the second).
  returned: with O(dest)
  type: list
  elements: dict
signature:
  description: The usage reports' signature (the CSV's last row), with O(dest).
  returned: with O(dest), for the usage reports
  type: str
file:
  description: The file written (O(dest)).
  returned: with O(dest)
  type: str
count:
  description: The number of rows.
  returned: always
  type: int
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.administration import check_dest, write_file
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.reports import FILTERS, REPORTS, check_filters, parse_csv
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def argument_spec():
    spec = dict(report=dict(type='str', required=True, choices=sorted(REPORTS)), dest=dict(type='path'))
    for option, kind in FILTERS.items():
        spec[option] = dict(type={'int': 'int', 'bool': 'bool'}.get(kind, 'str'))
    return cpm_argument_spec(**spec)


def run(module):
    params = module.params
    report = params['report']
    dest = check_dest(params.get('dest'))
    query = check_filters(report, dict((option, params.get(option)) for option in FILTERS))
    client = CPMClient(params, warn=module.warn)
    path, feature, dummy = REPORTS[report]
    client.require(feature, 'report')
    refs = Refs(client, module)
    if query.get('account') is not None:
        account = refs.account(query['account'], 'account')
        query['account'] = as_id(account['id']) if account else query['account']
    if query.get('user') is not None:
        query['user'] = refs.user_id(query['user'], 'user')
    if dest is None:
        rows = client.list(path, query, feature=feature)
        client.finish(module)
        module.exit_json(changed=False, rows=rows, count=len(rows))
    response = client.http.request('GET', path, params=query, headers={'Accept': 'text/csv'})
    changed = write_file(dest, response.content, 'dest', mode=0o600, check_mode=module.check_mode)
    rows, signature = parse_csv(response.content)
    result = dict(changed=changed, file=dest, csv_rows=rows, count=len(rows))
    if signature is not None:
        result['signature'] = signature
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
