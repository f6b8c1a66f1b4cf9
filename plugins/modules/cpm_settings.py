#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET settings/capture_vpc/ section=capture_vpc
# api: POST settings/capture_vpc/ section=capture_vpc, settings
# api: POST settings/capture_vpc/run/ section=capture_vpc, run=true
# api: GET settings/cleanup/ section=cleanup
# api: POST settings/cleanup/ section=cleanup, settings
# api: POST settings/cleanup/run/ section=cleanup, run=true
# api: GET settings/cost_explorer/ section=cost_explorer
# api: POST settings/cost_explorer/ section=cost_explorer, settings
# api: GET settings/cpm_log_mode/ section=cpm_log_mode
# api: POST settings/cpm_log_mode/ section=cpm_log_mode, settings
# api: GET settings/email_identity/ section=email_identity
# api: POST settings/email_identity/ section=email_identity, settings, secrets
# api: POST settings/email_identity/verify/ section=email_identity, verify=true
# api: GET settings/email_identity/verify_status/ section=email_identity, verify=true
# api: GET settings/file_level_recovery/ section=file_level_recovery
# api: POST settings/file_level_recovery/ section=file_level_recovery, settings, secrets
# api: GET settings/proxy/ section=proxy
# api: POST settings/proxy/ section=proxy, settings, secrets
# api: POST settings/proxy/test_connection/ section=proxy, test_connection=true
# api: GET settings/security/ section=security
# api: POST settings/security/ section=security, settings
# api: GET settings/tagscan/ section=tagscan
# api: POST settings/tagscan/ section=tagscan, settings
# api: POST settings/tagscan/run/ section=tagscan, run=true
# api: POST settings/activation_key/ section=activation_key, secrets.activation_key, update_secrets=always
# api: POST agents/configuration/ section=agents_configuration, settings.agents_configuration, update_secrets=always
# api: GET settings/identifier/ section=identifier
# api: PUT settings/identifier/ section=identifier, settings.cpm_name
# api: POST settings/identifier/ section=identifier, regenerate_uuid=true
# api: GET settings/notifications/ section=notifications, user
# api: POST settings/notifications/ section=notifications (a user without a record)
# api: PUT settings/notifications/{id}/ section=notifications, settings, secrets
# api: POST settings/notifications/{id}/test_daily_summary/ section=notifications, test_daily_summary=true
# api: GET settings/upgrade_patches/ section=upgrade_patches
# api: POST settings/upgrade_patches/ section=upgrade_patches, patch_file

DOCUMENTATION = r"""
module: cpm_settings
short_description: Configure one N2WS Backup & Recovery (CPM) settings section
version_added: 0.2.0
description:
  - Makes sure one section of CPM's settings (seed chapter 23) has the given values, and optionally runs the
    section's action (a cleanup, a tag scan or a VPC capture now, the proxy's test connection, the e-mail identity's
    verification, the daily summary test).
  - A section is read (C(GET /api/settings/<section>/)), the given keys are compared, and when one differs the
    B(whole) section is written back in one C(POST) with the given keys changed, so the result is the same whether
    CPM replaces the section or merges into it. Nothing is sent when every given key matches.
  - Keys are checked against the section before any request; a key of another section is refused with the name of
    the section it belongs to.
  - Write-only secrets (O(secrets)) are never shown by CPM, so they cannot be compared. They are sent together
    with a change of the section, or on every run with O(update_secrets=always).
  - O(section=identifier) renames this CPM with C(PUT /api/settings/identifier/) (API 1.4.0), which keeps the CPM
    UUID. A C(POST) would B(regenerate the UUID); it is sent only with O(regenerate_uuid=true).
  - O(section=notifications) configures the notification record of one user (O(user)); O(section=activation_key)
    sends the activation key; O(section=upgrade_patches) uploads a patch unless one of that name is installed.
  - Needs the root user's API key (or, when CPM allows it, a delegate of root with C(allow_settings_changes));
    notifications are per user.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  section:
    description:
      - The settings section.
      - V(capture_vpc) (C(capture_vpcs), C(capture_vpcs_interval) hours), V(cleanup) (C(cleanup_interval) hours,
        C(cleanup_type) V(snapshots) or V(s3), C(days_until_single_ami_rotation), C(keep_deleted_backup_records),
        C(keep_resource_control_records), C(keep_user_audit_logs_days)), V(cost_explorer) (C(enabled)),
        V(cpm_log_mode) (C(cpm_log_mode) V(STANDARD) or V(DEBUG)), V(email_identity) (C(email_address),
        C(enabled), C(ses_access_key), C(ses_account), C(ses_authentication) V(C), V(R) or V(A), C(ses_region),
        C(verify_source_address); secret C(ses_secret_key)), V(file_level_recovery) (C(aws_access_key),
        C(enable_file_level_recovery), C(existing_account), C(use_exisiting_account) as the API spells it; secret
        C(aws_secret_key)), V(proxy) (C(address), C(enabled), C(port), C(user); secret C(password)), V(security)
        (C(encryption_key_detection) V(S), V(D) or V(A)), V(tagscan) (C(scan_resources),
        C(tag_scan_excluded_volumes_enabled), C(tag_scan_interval) hours).
      - V(agents_configuration) (C(agents_configuration), a string CPM never shows), V(identifier) (C(cpm_name)),
        V(notifications) (C(sns_authentication), C(sns_region), C(sns_access_key),
        C(sns_account), C(include_managed_user_alerts), C(alerts) and C(daily_summary) dictionaries; secret
        C(sns_secret_key)), V(activation_key) (secret C(activation_key)), V(upgrade_patches) (O(patch_file)).
    type: str
    required: true
    choices: [activation_key, agents_configuration, capture_vpc, cleanup, cost_explorer, cpm_log_mode, email_identity,
              file_level_recovery, identifier, notifications, proxy, security, tagscan, upgrade_patches]
  settings:
    description:
      - The wanted keys of the section (see O(section)) with their values; the other keys keep their values.
    type: dict
    default: {}
  secrets:
    description:
      - Write-only secrets of the section (see O(section)), never shown by CPM nor in results.
      - Sent when another key of the section changes, or on every run with O(update_secrets=always).
    type: dict
  update_secrets:
    description:
      - V(on_change) sends O(secrets) only with a change of another key (the section keeps its secrets otherwise).
      - V(always) sends them on every run (the task then always reports a change). The activation key and the agents
        configuration, which CPM never shows, are only sent with V(always).
    type: str
    choices: [on_change, always]
    default: on_change
  regenerate_uuid:
    description:
      - With O(section=identifier), send C(POST /api/settings/identifier/), which gives this CPM a B(new) UUID (and
        creates the identifier when there is none). Every run with it regenerates the UUID again.
      - Without it, the name is changed with C(PUT) and the UUID is kept; a CPM without an identifier is an error.
    type: bool
    default: false
  user:
    description:
      - With O(section=notifications), whose notification record (a user name or id). Default the user the API key
        acts for.
    type: str
  patch_file:
    description:
      - With O(section=upgrade_patches), the patch (the seed's C(patch_file) string). It is uploaded unless a patch
        named O(patch_name) is installed.
    type: str
  patch_name:
    description:
      - The name CPM lists the patch under. Default the last part of O(patch_file) when that looks like a file name.
    type: str
  run:
    description:
      - With O(section=cleanup), V(tagscan) or V(capture_vpc), run the cleanup, tag scan or VPC capture now (after
        applying O(settings)); with O(wait=true), wait until it has ended (CPM gives no handle - the end is seen on the
        section's C(last_*_time)).
    type: bool
    default: false
  test_connection:
    description:
      - With O(section=proxy), test the proxy connection with the stored settings (after applying O(settings)).
        A failed test fails the task.
    type: bool
    default: false
  verify:
    description:
      - With O(section=email_identity), ask AWS SES to verify the identity's address (unless it is verified or being
        verified) and, with O(wait=true), wait for C(Success); C(Failed) fails the task.
    type: bool
    default: false
  test_daily_summary:
    description:
      - With O(section=notifications), send the daily summary now as a test.
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cpm_settings_info
"""

EXAMPLES = r"""
- name: Keep deleted backup records for 60 days, clean up every 2 hours
  backupdr.cloud.cpm_settings:
    section: cleanup
    settings:
      keep_deleted_backup_records: 60
      cleanup_interval: 2

- name: Run the cleanup now and wait for it
  backupdr.cloud.cpm_settings:
    section: cleanup
    run: true

- name: A proxy with a password, tested
  backupdr.cloud.cpm_settings:
    section: proxy
    settings:
      enabled: true
      address: proxy.example.com
      port: 3128
      user: cpm
    secrets:
      password: "{{ cpm_proxy_password | default('proxy-Pw-1') }}"
    test_connection: true

- name: Rename this CPM (the UUID stays)
  backupdr.cloud.cpm_settings:
    section: identifier
    settings:
      cpm_name: cpm-production

- name: Alerts to an SNS topic for the API key's user
  backupdr.cloud.cpm_settings:
    section: notifications
    settings:
      sns_authentication: R
      sns_region: us-east-1
      alerts:
        enabled: true
        sns_alerts_topic_arn: arn:aws:sns:us-east-1:123456789012:cpm-alerts
"""

RETURN = r"""
settings:
  description:
    - The section as CPM shows it after the task (before it in check mode, with the changes applied); never a
      secret. For V(identifier), C(cpm_name) and C(cpm_uuid); for V(upgrade_patches), C(patches), the installed ones.
  returned: always
  type: dict
  sample: {cleanup_interval: 2, cleanup_type: snapshots, keep_deleted_backup_records: 60, last_cleanup_time: null}
secrets_sent:
  description: The names of the secrets sent in this run.
  returned: always
  type: list
  elements: str
uuid_regenerated:
  description: With O(section=identifier), whether the CPM UUID was regenerated (O(regenerate_uuid=true)).
  returned: always
  type: bool
operation:
  description:
    - With O(run), O(verify), O(test_connection) or O(test_daily_summary), what the action did (C(state),
      C(status), C(elapsed)...).
  returned: when an action was asked
  type: dict
diff:
  description: With C(--diff), the changed keys before and after (secrets masked).
  returned: when changed and in diff mode
  type: dict
"""

import os

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.settings import (
    ALL_SECTIONS, NOTIFY_KEYS, NOTIFY_TRIGGERS, RUNS, SECRETS, RunJob, Section, VerifyJob, check_secrets,
    check_section_values, differences, strip_secrets,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import MASK, run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

ACTIONS = {'run': tuple(RUNS), 'test_connection': ('proxy',), 'verify': ('email_identity',),
           'test_daily_summary': ('notifications',), 'regenerate_uuid': ('identifier',),
           'patch_file': ('upgrade_patches',), 'user': ('notifications',)}


def argument_spec():
    return cpm_argument_spec(
        section=dict(type='str', required=True, choices=ALL_SECTIONS),
        settings=dict(type='dict', default={}),
        secrets=dict(type='dict', no_log=True),
        update_secrets=dict(type='str', choices=['on_change', 'always'], default='on_change', no_log=False),
        regenerate_uuid=dict(type='bool', default=False),
        user=dict(type='str'),
        patch_file=dict(type='str'),
        patch_name=dict(type='str'),
        run=dict(type='bool', default=False),
        test_connection=dict(type='bool', default=False),
        verify=dict(type='bool', default=False),
        test_daily_summary=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
    )


def validate(params):
    section = params['section']
    for option, sections in ACTIONS.items():
        if params.get(option) not in (None, False, '') and section not in sections:
            raise ValidationError(option, 'applies to section %s only, not to %s' % (' and '.join(sections), section))
    wanted = check_section_values(section, params.get('settings') or {}, 'settings')
    if section == 'agents_configuration' and not wanted.get('agents_configuration'):
        raise ValidationError('settings.agents_configuration', 'is required with section=agents_configuration')
    if section in ('activation_key', 'upgrade_patches') and wanted:
        raise ValidationError('settings', 'section %s has no settings keys' % section)
    secrets = check_secrets(section, params.get('secrets'), 'secrets')
    if section == 'activation_key' and not secrets.get('activation_key'):
        raise ValidationError('secrets.activation_key', 'is required with section=activation_key')
    if section == 'upgrade_patches' and not params.get('patch_file'):
        raise ValidationError('patch_file', 'is required with section=upgrade_patches')
    return wanted, secrets


def run(module):
    params = module.params
    wanted, secrets = validate(params)  # every option checked before any request
    client = CPMClient(params, warn=module.warn)
    section = params['section']
    handler = globals().get('section_' + section, section_plain)
    result = handler(module, client, wanted, secrets)
    result.setdefault('secrets_sent', [])
    result.setdefault('uuid_regenerated', False)
    client.finish(module)
    module.exit_json(**result)


def finish_diff(module, diff):
    return dict(diff=diff) if diff is not None and module._diff else {}


def section_plain(module, client, wanted, secrets):
    params = module.params
    section = params['section']
    sec = Section(client, section)
    always = params['update_secrets'] == 'always'
    changed, dummy, after, diff, sent = sec.converge(wanted, secrets, always, module.check_mode)
    result = dict(changed=changed, settings=strip_secrets(after, SECRETS.get(section, ())), secrets_sent=list(sent))
    result.update(finish_diff(module, diff))
    if params['run']:
        result['operation'] = follow(module, client, RunJob(client, section))
        result['changed'] = True
        if not module.check_mode:
            result['settings'] = strip_secrets(sec.read(), SECRETS.get(section, ()))
    if params['test_connection']:
        result['operation'] = proxy_test(module, client)
    if params['verify']:
        address = (after or {}).get('email_address')
        if not address:
            raise ValidationError('verify', 'the e-mail identity has no email_address to verify')
        operation = follow(module, client, VerifyJob(client, address))
        result['operation'] = operation
        result['changed'] = result['changed'] or operation.get('changed', False)
    return result


def follow(module, client, job):
    runner = JobRunner(module, client, wait=module.params['wait'], wait_timeout=module.params['wait_timeout'])
    outcome = runner.run(job)
    out = outcome.as_dict()
    out.pop('observation', None)
    out['changed'] = outcome.changed
    return out


def proxy_test(module, client):
    if module.check_mode:
        return dict(state='would_start')
    client.post('settings/proxy/test_connection/', {}, feature='settings_proxy_test', perm='root', idempotent=True)
    return dict(state='success', status='the proxy connection test passed')


def section_activation_key(module, client, wanted, secrets):
    if module.params['update_secrets'] != 'always':
        module.warn('CPM never shows the activation key, so it cannot be compared: it is sent only with '
                    'update_secrets=always; nothing was sent')
        return dict(changed=False, settings={})
    client.require('activation_key', 'section')
    diff = dict(before={'activation_key': MASK}, after={'activation_key': MASK + ' (sent)'})
    if not module.check_mode:
        client.post('settings/activation_key/', {'activation_key': secrets['activation_key']},
                    feature='activation_key', perm='root')
    result = dict(changed=True, settings={}, secrets_sent=['activation_key'])
    result.update(finish_diff(module, diff))
    return result


def section_agents_configuration(module, client, wanted, secrets):
    if module.params['update_secrets'] != 'always':
        module.warn('CPM never shows the agents configuration, so it cannot be compared: it is sent only with '
                    'update_secrets=always; nothing was sent')
        return dict(changed=False, settings={})
    client.require('agents_configuration', 'section')
    after = dict(wanted)
    if not module.check_mode:
        after = client.post('agents/configuration/', wanted, feature='agents_configuration', perm='root') or after
    result = dict(changed=True, settings=after)
    result.update(finish_diff(module, dict(before={'agents_configuration': None}, after=dict(wanted))))
    return result


def section_identifier(module, client, wanted, secrets):
    params = module.params
    current = client.get('settings/identifier/', feature='identifier', perm='root') or {}
    exists = current.get('cpm_uuid') not in (None, '')
    name = wanted.get('cpm_name')
    if params['regenerate_uuid']:
        if not name:
            name = current.get('cpm_name')
        if not name:
            raise ValidationError('settings.cpm_name', 'is required to create the identifier')
        diff = dict(before=dict(current), after={'cpm_name': name, 'cpm_uuid': '(a new UUID)'})
        after = dict(current, cpm_name=name)
        if not module.check_mode:
            after = client.post('settings/identifier/', {'cpm_name': name}, feature='identifier', perm='root') or \
                client.get('settings/identifier/', feature='identifier', perm='root')
        result = dict(changed=True, settings=after, uuid_regenerated=True)
        result.update(finish_diff(module, diff))
        return result
    if not exists:
        raise ValidationError('regenerate_uuid', 'this CPM has no identifier yet; creating one gives it a new UUID '
                              '(POST /api/settings/identifier/): give regenerate_uuid=true to do that')
    if name is None or name == current.get('cpm_name'):
        return dict(changed=False, settings=current)
    client.require('identifier_put', 'settings.cpm_name')
    diff = dict(before={'cpm_name': current.get('cpm_name')}, after={'cpm_name': name})
    after = dict(current, cpm_name=name)
    if not module.check_mode:
        after = client.put('settings/identifier/', {'cpm_name': name}, feature='identifier_put', perm='root') or after
        if after.get('cpm_uuid') != current.get('cpm_uuid'):
            module.warn('CPM changed its UUID on a PUT of the identifier (%s -> %s)' % (
                current.get('cpm_uuid'), after.get('cpm_uuid')))
    result = dict(changed=True, settings=after)
    result.update(finish_diff(module, diff))
    return result


def section_upgrade_patches(module, client, wanted, secrets):
    params = module.params
    patch = params['patch_file']
    name = params.get('patch_name')
    if not name:
        tail = os.path.basename(patch.replace('\\', '/'))
        if '\n' in patch or '.' not in tail or len(tail) > 255:
            raise ValidationError('patch_name', 'is required when patch_file is not a file name (the name CPM lists '
                                  'the patch under)')
        name = tail
    installed = client.list('settings/upgrade_patches/', feature='upgrade_patches')
    if any(p.get('name') == name for p in installed):
        return dict(changed=False, settings={'patches': installed})
    diff = dict(before={'patches': [p.get('name') for p in installed]},
                after={'patches': [p.get('name') for p in installed] + [name]})
    if not module.check_mode:
        client.post('settings/upgrade_patches/', {'patch_file': patch}, feature='upgrade_patches', perm='root')
        installed = client.list('settings/upgrade_patches/', feature='upgrade_patches')
    result = dict(changed=True, settings={'patches': installed})
    result.update(finish_diff(module, diff))
    return result


def section_notifications(module, client, wanted, secrets):
    params = module.params
    user = Refs(client, module).owner(params.get('user'), 'user')
    records = [r for r in client.list('settings/notifications/', {'user': user}, feature='notifications')
               if as_id(r.get('user')) == as_id(user)]
    current = records[0] if records else None
    triggers = {}
    for sub in ('alerts', 'daily_summary'):
        for key in NOTIFY_TRIGGERS:
            if key in (wanted.get(sub) or {}):
                triggers.setdefault(sub, {})[key] = wanted[sub].pop(key)
    always = params['update_secrets'] == 'always'
    if current is None:
        for key in ('sns_authentication', 'sns_region'):
            if key not in wanted:
                raise ValidationError('settings.%s' % key, 'is required to create the notification settings of user %s'
                                      % user)
        body = dict(wanted, user=user, **secrets)
        for sub, values in triggers.items():
            body[sub] = dict(body.get(sub) or {}, **values)
        diff = dict(before={}, after=dict(strip_secrets(body, SECRETS['notifications'])))
        after = body
        if not module.check_mode:
            after = client.post('settings/notifications/', body, feature='notifications', perm=None)
        result = dict(changed=True, settings=strip_secrets(after, SECRETS['notifications']),
                      secrets_sent=sorted(secrets))
        result.update(finish_diff(module, diff))
        return notify_test(module, client, result, after)
    changes = differences(current, wanted)
    send = dict(secrets) if (changes or triggers or always) else {}
    if not changes and not send and not triggers:
        return notify_test(module, client, dict(changed=False, settings=current), current)
    client.require('notification_put', 'settings')
    body = dict((k, v) for k, v in current.items() if k in NOTIFY_KEYS)
    for key, value in wanted.items():
        body[key] = dict(body.get(key) or {}, **value) if isinstance(value, dict) else value
    for sub, values in triggers.items():
        body[sub] = dict(body.get(sub) or {}, **values)
    body.update(send)
    before = dict((k, b) for k, (b, a) in changes.items())
    after_diff = dict((k, a) for k, (b, a) in changes.items())
    for key in send:
        before[key], after_diff[key] = MASK, MASK + ' (sent)'
    for sub, values in triggers.items():
        after_diff.setdefault('triggers', {})[sub] = sorted(values)
    after = dict(current, **dict((k, v) for k, v in body.items() if k not in SECRETS['notifications']))
    if not module.check_mode:
        after = client.put('settings/notifications/%d/' % as_id(current['id']), body, feature='notification_put',
                           perm=None) or after
    result = dict(changed=True, settings=strip_secrets(after, SECRETS['notifications']), secrets_sent=sorted(send))
    result.update(finish_diff(module, dict(before=before, after=after_diff)))
    return notify_test(module, client, result, after)


def notify_test(module, client, result, record):
    if module.params['test_daily_summary']:
        client.require('notification_one', 'test_daily_summary')
        if not module.check_mode:
            client.post('settings/notifications/%d/test_daily_summary/' % as_id(record['id']), {},
                        feature='notification_one', perm=None, idempotent=True)
        result['operation'] = dict(state='success' if not module.check_mode else 'would_start',
                                   status='daily summary sent')
    return result


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
