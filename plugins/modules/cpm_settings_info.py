#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET settings/capture_vpc/logs/ logs=capture_vpc
# api: GET settings/cleanup/logs/ logs=cleanup
# api: GET settings/cleanup/s3_logs/ logs=cleanup_s3
# api: GET settings/tagscan/logs/ logs=tagscan
# api: GET settings/email_identity/verify_status/ sections=email_identity (verify_status)
# api: GET settings/notifications/{id}/ sections=notifications, notification_id

DOCUMENTATION = r"""
module: cpm_settings_info
short_description: Read N2WS Backup & Recovery (CPM) settings, run logs and upgrade patches
version_added: 0.2.0
description:
  - Returns CPM settings sections (secrets are never shown by CPM), the identifier, the notification records, the
    installed upgrade patches, the e-mail identity's verification status, and the logs of the last cleanup, tag
    scan or VPC capture (as data, or written to a CSV file).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  sections:
    description:
      - The sections to read (see M(backupdr.cloud.cpm_settings)); default every settings section of this API version.
    type: list
    elements: str
    choices: [capture_vpc, cleanup, cost_explorer, cpm_log_mode, email_identity, file_level_recovery, identifier,
              notifications, proxy, security, tagscan, upgrade_patches]
  notification_id:
    description:
      - With V(notifications) in O(sections), read this notification record by id (API 1.4.0).
    type: int
  logs:
    description:
      - Also return the log lines of the last run of these (V(cleanup_s3) is the S3 repository cleanup, API 1.4.0).
    type: list
    elements: str
    choices: [cleanup, cleanup_s3, tagscan, capture_vpc]
  logs_dest:
    description:
      - Write the logs (one O(logs) value only) as CPM's CSV to this file instead of returning them.
    type: path
seealso:
  - module: backupdr.cloud.cpm_settings
"""

EXAMPLES = r"""
- name: Every settings section
  backupdr.cloud.cpm_settings_info:
  register: cpm_settings

- name: The cleanup settings and the log of the last cleanup
  backupdr.cloud.cpm_settings_info:
    sections: [cleanup]
    logs: [cleanup]
"""

RETURN = r"""
settings:
  description: Section name -> the section as CPM shows it (C(identifier) with C(cpm_name), C(cpm_uuid);
    C(notifications) a list of records; C(upgrade_patches) a list; C(email_identity) adds C(verify_status)).
  returned: always
  type: dict
  sample: {cleanup: {cleanup_interval: 1, keep_deleted_backup_records: 30, last_cleanup_time: null}}
logs:
  description: Run -> its log lines (C(log_time), C(level), C(log)...).
  returned: with O(logs) and no O(logs_dest)
  type: dict
file:
  description: The file written with O(logs_dest).
  returned: with O(logs_dest)
  type: str
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.administration import check_dest, write_file
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.settings import SECTIONS, SECRETS, strip_secrets
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

LOGS = {'cleanup': ('settings/cleanup/logs/', 'settings_cleanup'),
        'cleanup_s3': ('settings/cleanup/s3_logs/', 'settings_s3_cleanup_logs'),
        'tagscan': ('settings/tagscan/logs/', 'settings_tagscan'),
        'capture_vpc': ('settings/capture_vpc/logs/', 'settings_capture_vpc')}
EXTRA = ('identifier', 'notifications', 'upgrade_patches')


def run(module):
    params = module.params
    dest = check_dest(params.get('logs_dest'), 'logs_dest')
    if dest and len(params.get('logs') or []) != 1:
        raise ValidationError('logs_dest', 'needs exactly one value in logs')
    client = CPMClient(params, warn=module.warn)
    names = params.get('sections')
    explicit = names is not None
    if names is None:
        names = [n for n in sorted(SECTIONS) if client.has(SECTIONS[n][0])] + [
            n for n, f in (('identifier', 'identifier'), ('upgrade_patches', 'upgrade_patches')) if client.has(f)]
    out = {}
    for name in names:
        try:
            out[name] = read_section(client, name, params)
        except ApiError as err:
            if explicit or err.status not in (403, 404):
                raise
            module.warn('section %s could not be read: %s' % (name, err))
    result = dict(changed=False, settings=out)
    logs = params.get('logs') or []
    if dest:
        path, feature = LOGS[logs[0]]
        client.require(feature, 'logs')
        response = client.http.request('GET', path, headers={'Accept': 'text/csv'})
        result['changed'] = write_file(dest, response.content, 'logs_dest', mode=0o600, check_mode=module.check_mode)
        result['file'] = dest
    elif logs:
        result['logs'] = dict((name, client.list(LOGS[name][0], feature=LOGS[name][1])) for name in logs)
    client.finish(module)
    module.exit_json(**result)


def read_section(client, name, params):
    if name == 'identifier':
        return client.get('settings/identifier/', feature='identifier', perm='root')
    if name == 'upgrade_patches':
        return client.list('settings/upgrade_patches/', feature='upgrade_patches')
    if name == 'notifications':
        if params.get('notification_id') is not None:
            return [client.get('settings/notifications/%d/' % params['notification_id'], feature='notification_one')]
        return client.list('settings/notifications/', feature='notifications')
    section = strip_secrets(client.get('settings/%s/' % name, feature=SECTIONS[name][0], perm='root'),
                            SECRETS.get(name, ()))
    if name == 'email_identity' and section.get('email_address') and client.has('settings_email_verify'):
        section['verify_status'] = (client.get('settings/email_identity/verify_status/',
                                               params={'email_address': section['email_address']},
                                               feature='settings_email_verify') or {}).get('status')
    return section


def main():
    run_module(cpm_argument_spec(
        sections=dict(type='list', elements='str', choices=sorted(list(SECTIONS) + list(EXTRA))),
        notification_id=dict(type='int'),
        logs=dict(type='list', elements='str', choices=sorted(LOGS)),
        logs_dest=dict(type='path'),
    ), run)


if __name__ == '__main__':
    main()
