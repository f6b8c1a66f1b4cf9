#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET system/version/ gather=version
# api: GET system/dashboard/activity/ gather=activity (activity_since)
# api: GET system/dashboard/state/ gather=state
# api: GET system/timezones/ gather=timezones
# api: GET regions/ gather=regions
# api: GET resource_types/ gather=resource_types
# api: GET agents/ gather=agents
# api: GET system/support_logs/ support_logs_dest

DOCUMENTATION = r"""
module: cpm_system_info
short_description: Read N2WS Backup & Recovery (CPM) system information and reference data
version_added: 0.2.0
description:
  - Returns what O(gather) names among CPM's version, the dashboard's activity and state, the time zones, the DR
    regions, the resource types and the registered agents; optionally downloads the support logs to a file.
  - Parts newer than the chosen O(api_version) are left out (with a warning) unless named explicitly.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  gather:
    description: What to return. Default V(version), V(activity) and V(state).
    type: list
    elements: str
    choices: [version, activity, state, timezones, regions, resource_types, agents]
  activity_since:
    description: With V(activity), count the backups started since this ISO 8601 date-time (default the last 24 hours).
    type: str
  agent_name:
    description: With V(agents), only the agent of this name.
    type: str
  support_logs_dest:
    description:
      - Download CPM's support logs (a C(tar.bz2)) to this file (root and his delegates; mode 0600).
    type: path
  support_logs_period:
    description: The period of backup logs in the support logs.
    type: str
    choices: [day, week, month]
  support_logs_include:
    description: Also include these logs in the support logs.
    type: list
    elements: str
    choices: [system_logs, worker_logs, aws_permissions_check]
seealso:
  - module: backupdr.cloud.cpm_alert_info
"""

EXAMPLES = r"""
- name: Version and dashboard
  backupdr.cloud.cpm_system_info:
  register: cpm_system

- name: Support logs of the last day
  backupdr.cloud.cpm_system_info:
    gather: []
    support_logs_dest: /tmp/cpm_support_logs.tar.bz2
    support_logs_period: day
"""

RETURN = r"""
version:
  description: The server's version (C(api_version), C(cpm_version)).
  returned: with V(version)
  type: dict
  sample: {api_version: 1.5.0, cpm_version: 3.1.0}
activity:
  description: Backups started in the period by outcome (C(backup_success_num), C(backup_fail_num)...).
  returned: with V(activity)
  type: dict
state:
  description: Counts of accounts, policies, protected resources and kept snapshots.
  returned: with V(state)
  type: dict
timezones:
  description: The time zones CPM knows (C(id), C(display_name)).
  returned: with V(timezones)
  type: list
  elements: dict
regions:
  description: The DR regions (C(id), C(aws_region), C(disp_name)).
  returned: with V(regions)
  type: list
  elements: dict
resource_types:
  description: The resource types (C(id), C(name)).
  returned: with V(resource_types)
  type: list
  elements: dict
agents:
  description: The registered agents.
  returned: with V(agents)
  type: list
  elements: dict
file:
  description: The support logs file written.
  returned: with O(support_logs_dest)
  type: str
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.administration import check_dest, write_file
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import iso, parse_datetime
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

PARTS = {'version': ('system/version/', 'system_version'), 'activity': ('system/dashboard/activity/', 'dashboard'),
         'state': ('system/dashboard/state/', 'dashboard'), 'timezones': ('system/timezones/', 'timezones'),
         'regions': ('regions/', 'regions'), 'resource_types': ('resource_types/', 'resource_types'),
         'agents': ('agents/', 'agents')}
LISTS = ('timezones', 'regions', 'resource_types', 'agents')


def run(module):
    params = module.params
    dest = check_dest(params.get('support_logs_dest'), 'support_logs_dest')
    since = None
    if params.get('activity_since'):
        try:
            since = iso(parse_datetime(params['activity_since']))
        except ValueError as exc:
            raise ValidationError('activity_since', str(exc))
    gather = params.get('gather')
    explicit = gather is not None
    gather = gather if explicit else ['version', 'activity', 'state']
    client = CPMClient(params, warn=module.warn)
    result = dict(changed=False)
    for part in gather:
        path, feature = PARTS[part]
        if not client.has(feature):
            if explicit:
                client.require(feature, 'gather')
            module.warn('%s is left out: it needs a newer api_version' % part)
            continue
        if part in LISTS:
            query = {'name': params.get('agent_name')} if part == 'agents' and params.get('agent_name') else None
            result[part] = client.list(path, query, feature=feature)
        else:
            query = {'start_time': since} if part == 'activity' and since else None
            result[part] = client.get(path, params=query, feature=feature)
    if dest:
        client.require('support_logs', 'support_logs_dest')
        query = {}
        if params.get('support_logs_period'):
            query['collect_backup_logs_period'] = params['support_logs_period']
        for item in params.get('support_logs_include') or ():
            query['check_aws_permissions' if item == 'aws_permissions_check' else 'collect_%s' % item] = 'true'
        response = client.http.request('GET', 'system/support_logs/', params=query, headers={'Accept': '*/*'})
        result['changed'] = write_file(dest, response.content, 'support_logs_dest', mode=0o600,
                                       check_mode=module.check_mode)
        result['file'] = dest
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(cpm_argument_spec(
        gather=dict(type='list', elements='str', choices=sorted(PARTS)),
        activity_since=dict(type='str'),
        agent_name=dict(type='str'),
        support_logs_dest=dict(type='path'),
        support_logs_period=dict(type='str', choices=['day', 'week', 'month']),
        support_logs_include=dict(type='list', elements='str',
                                  choices=['system_logs', 'worker_logs', 'aws_permissions_check']),
    ), run)


if __name__ == '__main__':
    main()
