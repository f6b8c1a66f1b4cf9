#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET resource_control/records/ (always; group, status, operation, ordering, search)
# api: GET resource_control/records/{id}/ id
# api: GET resource_control/records/{id}/logs/ id, logs=true (or logs_dest for CSV)

DOCUMENTATION = r"""
module: cpm_resource_control_record_info
short_description: List N2WS Backup & Recovery (CPM) resource control operation records and their logs
version_added: 0.2.0
description:
  - Returns the resource control operation records the API key's user sees (or those of a group, one by id), and a
    record's log lines, as data or written to a CSV file (API 1.2.0).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  id:
    description: Only this record (read directly).
    type: int
  group:
    description: Only the records of this group (a name or id).
    type: str
  status:
    description: Only records with this status (CPM's letters are accepted too).
    type: str
    choices: [initializing, in_progress, successful, partially_successful, not_all_succeeded, failed, I, P, B, A, S, F]
  ordering:
    description: CPM's ordering of the list, such as V(-start_time) (the newest first).
    type: str
    default: -start_time
  limit:
    description: At most this many records.
    type: int
  logs:
    description: With O(id), add the record's log lines in C(logs).
    type: bool
    default: false
  logs_dest:
    description: With O(id), write the record's log as CPM's CSV to this file.
    type: path
seealso:
  - module: backupdr.cloud.cpm_resource_control_operation
"""

EXAMPLES = r"""
- name: The last ten operations
  backupdr.cloud.cpm_resource_control_record_info:
    limit: 10
  register: rc_records

- name: The failed ones of a group
  backupdr.cloud.cpm_resource_control_record_info:
    group: "{{ rc_group | default(omit) }}"
    status: failed
"""

RETURN = r"""
records:
  description: The records (C(status) readable, letter in C(status_code); C(operation) V(start) or V(stop), letter in
    C(operation_code)), each with C(logs) with O(logs).
  returned: always
  type: list
  elements: dict
file:
  description: The file written with O(logs_dest).
  returned: with O(logs_dest)
  type: str
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.administration import check_dest, write_file
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec, find_named, is_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource_control import RC_STATUS, record_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def run(module):
    params = module.params
    dest = check_dest(params.get('logs_dest'), 'logs_dest')
    if (params['logs'] or dest) and params.get('id') is None:
        raise ValidationError('logs' if params['logs'] else 'logs_dest', 'needs id (the record)')
    if params.get('limit') is not None and params['limit'] < 1:
        raise ValidationError('limit', 'must be 1 or more')
    status = RC_STATUS.to_api(params['status'], 'status') if params.get('status') else None
    client = CPMClient(params, warn=module.warn)
    client.require('resource_control')
    if params.get('id') is not None:
        found = client.get_or_none('resource_control/records/%d/' % params['id'], feature='resource_control')
        items = [found] if found else []
    else:
        query = {'ordering': params.get('ordering') or None, 'status': status}
        if params.get('group') not in (None, ''):
            ref = params['group']
            if is_id(ref):
                query['group'] = as_id(ref)
            else:
                groups = client.list('resource_control/groups/', {'search': ref}, feature='resource_control')
                group = find_named([g for g in groups if g.get('name') == ref], ref, 'group', 'resource control group')
                if group is None:
                    raise ValidationError('group', 'no resource control group %r' % ref)
                query['group'] = as_id(group['id'])
        items = client.list('resource_control/records/', query, feature='resource_control', limit=params.get('limit'))
    out = []
    for item in items:
        view = record_view(item)
        if params['logs']:
            view['logs'] = client.list('resource_control/records/%d/logs/' % as_id(item['id']),
                                       feature='resource_control')
        out.append(view)
    result = dict(changed=False, records=out)
    if dest and items:
        response = client.http.request('GET', 'resource_control/records/%d/logs/' % params['id'],
                                       headers={'Accept': 'text/csv'})
        result['changed'] = write_file(dest, response.content, 'logs_dest', mode=0o644, check_mode=module.check_mode)
        result['file'] = dest
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(cpm_argument_spec(
        id=dict(type='int'),
        group=dict(type='str'),
        status=dict(type='str', choices=RC_STATUS.choices()),
        ordering=dict(type='str', default='-start_time'),
        limit=dict(type='int'),
        logs=dict(type='bool', default=False),
        logs_dest=dict(type='path'),
    ), run)


if __name__ == '__main__':
    main()
