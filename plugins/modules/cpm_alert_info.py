#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET alerts/ (always; severity, category, policy, since filter on the client)
# api: GET alerts/{id}/ id

DOCUMENTATION = r"""
module: cpm_alert_info
short_description: List N2WS Backup & Recovery (CPM) alerts, or gate a play on them
version_added: 0.2.0
description:
  - Returns the alerts of the API key's user (a delegate sees its original user's), filtered by severity,
    category, policy and age (the seed documents no server-side filter - the module filters), API 1.2.0.
  - With O(fail_on_alerts=true) the task fails when an alert matches the filters, so a play can be gated on open
    alerts (for example before a change window).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  id:
    description: Only this alert (read directly).
    type: int
  severity:
    description: Only alerts of these severities (CPM's letters are accepted too).
    type: list
    elements: str
    choices: [info, warning, error, critical, I, W, E, C]
  category:
    description: Only alerts of these categories (CPM's words, such as C(Backup), C(Resource Control), C(Worker)).
    type: list
    elements: str
  policy:
    description: Only alerts of this policy (its name as CPM gives it in the alert).
    type: str
  since:
    description: Only alerts raised at or after this ISO 8601 date-time.
    type: str
  fail_on_alerts:
    description: Fail when at least one alert matches (the result is still returned).
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cpm_alert
"""

EXAMPLES = r"""
- name: Stop here when CPM has errors
  backupdr.cloud.cpm_alert_info:
    severity: [error, critical]
    fail_on_alerts: true
"""

RETURN = r"""
alerts:
  description: The matching alerts (C(severity) readable, letter in C(severity_code)), the newest first.
  returned: always
  type: list
  elements: dict
  sample: [{id: 3, severity: error, severity_code: E, category: Backup, title: Backup failed, policy: web,
            alert_time: "2026-01-31T02:10:00.000000Z", message_body: "...", user: 1}]
count:
  description: The number of matching alerts.
  returned: always
  type: int
by_severity:
  description: Matching alerts per readable severity.
  returned: always
  type: dict
  sample: {error: 1, warning: 2}
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.system import SEVERITY, alert_filter, alert_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def run(module):
    params = module.params
    keep = alert_filter(params)
    client = CPMClient(params, warn=module.warn)
    if params.get('id') is not None:
        found = client.get_or_none('alerts/%d/' % params['id'], feature='alerts')
        items = [found] if found else []
    else:
        items = client.list('alerts/', feature='alerts')
    items = sorted((a for a in items if keep(a)), key=lambda a: str(a.get('alert_time')), reverse=True)
    alerts = [alert_view(a) for a in items]
    by_severity = {}
    for alert in alerts:
        by_severity[alert['severity']] = by_severity.get(alert['severity'], 0) + 1
    client.finish(module)
    result = dict(changed=False, alerts=alerts, count=len(alerts), by_severity=by_severity)
    if params['fail_on_alerts'] and alerts:
        module.fail_json(msg='CPM has %d matching alert(s): %s' % (len(alerts), '; '.join(
            '%s %s: %s' % (a['severity'], a.get('category'), a.get('title')) for a in alerts[:5])), **result)
    module.exit_json(**result)


def main():
    run_module(cpm_argument_spec(
        id=dict(type='int'),
        severity=dict(type='list', elements='str', choices=SEVERITY.choices()),
        category=dict(type='list', elements='str'),
        policy=dict(type='str'),
        since=dict(type='str'),
        fail_on_alerts=dict(type='bool', default=False),
    ), run)


if __name__ == '__main__':
    main()
