#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: DELETE alerts/{id}/ ids (or the filters)
# api: DELETE alerts/ all=true

DOCUMENTATION = r"""
module: cpm_alert
short_description: Acknowledge (delete) N2WS Backup & Recovery (CPM) alerts
version_added: 0.2.0
description:
  - Deletes alerts of the API key's user - those given by id, those matching filters, or all of them (API 1.2.0).
    CPM's only way to acknowledge an alert is to delete it.
  - Check mode and C(--diff) show exactly which alerts would go.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  state:
    description: Only V(absent) (the alerts are deleted).
    type: str
    choices: [absent]
    default: absent
  ids:
    description: The alerts to delete.
    type: list
    elements: int
  all:
    description: Delete every alert of the user (C(DELETE /api/alerts/)); no filter may be given with it.
    type: bool
    default: false
  severity:
    description: Delete the alerts of these severities.
    type: list
    elements: str
    choices: [info, warning, error, critical, I, W, E, C]
  category:
    description: Delete the alerts of these categories.
    type: list
    elements: str
  policy:
    description: Delete the alerts of this policy.
    type: str
  since:
    description: Delete the alerts raised at or after this ISO 8601 date-time.
    type: str
seealso:
  - module: backupdr.cloud.cpm_alert_info
"""

EXAMPLES = r"""
- name: Acknowledge the warnings
  backupdr.cloud.cpm_alert:
    severity: [warning]

- name: Acknowledge everything
  backupdr.cloud.cpm_alert:
    all: true
"""

RETURN = r"""
deleted:
  description: The alerts deleted (that would be, in check mode).
  returned: always
  type: list
  elements: dict
count:
  description: The number of alerts deleted.
  returned: always
  type: int
diff:
  description: With C(--diff), the alerts before (their ids and titles) and after.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.system import SEVERITY, alert_filter, alert_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

FILTERS = ('severity', 'category', 'policy', 'since')


def run(module):
    params = module.params
    filtered = any(params.get(o) not in (None, [], '') for o in FILTERS)
    if params['all'] and (filtered or params.get('ids')):
        raise ValidationError('all', 'deletes every alert; give no ids or filters with it')
    if not params['all'] and not filtered and params.get('ids') is None:
        raise ValidationError('ids', 'give ids, a filter (severity, category, policy, since) or all=true')
    keep = alert_filter(params)
    client = CPMClient(params, warn=module.warn)
    alerts = client.list('alerts/', feature='alerts')
    wanted = set(params.get('ids') or ())
    if params['all']:
        doomed = alerts
    else:
        doomed = [a for a in alerts if (not wanted or as_id(a.get('id')) in wanted) and keep(a)]
    result = dict(changed=bool(doomed), deleted=[alert_view(a) for a in doomed], count=len(doomed))
    if doomed and module._diff:
        result['diff'] = dict(before=dict(alerts=['%s %s' % (a.get('id'), a.get('title')) for a in alerts]),
                              after=dict(alerts=['%s %s' % (a.get('id'), a.get('title')) for a in alerts
                                                 if a not in doomed]))
    if doomed and not module.check_mode:
        if params['all']:
            try:
                client.call('DELETE', 'alerts/', feature='alerts', perm=None)
            except ApiError as err:
                if err.status != 404:  # 404: nothing to delete (another run got there first)
                    raise
        else:
            for alert in doomed:
                client.delete('alerts/%d/' % as_id(alert['id']), feature='alerts', perm=None)
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(cpm_argument_spec(
        state=dict(type='str', choices=['absent'], default='absent'),
        ids=dict(type='list', elements='int'),
        all=dict(type='bool', default=False),
        severity=dict(type='list', elements='str', choices=SEVERITY.choices()),
        category=dict(type='list', elements='str'),
        policy=dict(type='str'),
        since=dict(type='str'),
    ), run)


if __name__ == '__main__':
    main()
