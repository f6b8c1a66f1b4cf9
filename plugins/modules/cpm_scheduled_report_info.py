#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET scheduled_reports/ (always; name)
# api: GET scheduled_reports/{id}/ id

DOCUMENTATION = r"""
module: cpm_scheduled_report_info
short_description: List N2WS Backup & Recovery (CPM) scheduled reports
version_added: 0.2.0
description:
  - Returns the scheduled reports the API key's user sees, or one of them (API 1.3.0).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  name:
    description: Only the scheduled report of this exact name.
    type: str
  id:
    description: Only the scheduled report with this id (read directly).
    type: int
seealso:
  - module: backupdr.cloud.cpm_scheduled_report
"""

EXAMPLES = r"""
- name: Every scheduled report
  backupdr.cloud.cpm_scheduled_report_info:
  register: scheduled_reports
"""

RETURN = r"""
scheduled_reports:
  description: The scheduled reports, as M(backupdr.cloud.cpm_scheduled_report) returns one.
  returned: always
  type: list
  elements: dict
count:
  description: The number returned.
  returned: always
  type: int
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.reports import ScheduledReportType
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def run(module):
    params = module.params
    client = CPMClient(params, warn=module.warn)
    rtype = ScheduledReportType(client, params)
    if params.get('id') is not None:
        found = client.get_or_none('scheduled_reports/%d/' % params['id'], feature='scheduled_reports')
        items = [found] if found else []
    else:
        items = client.list('scheduled_reports/', {'search': params.get('name') or None}, feature='scheduled_reports')
    if params.get('name'):
        items = [r for r in items if r.get('name') == params['name']]
    out = [rtype.view(r) for r in items]
    client.finish(module)
    module.exit_json(changed=False, scheduled_reports=out, count=len(out))


def main():
    run_module(cpm_argument_spec(name=dict(type='str'), id=dict(type='int')), run)


if __name__ == '__main__':
    main()
