#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: POST backups/{backup_id}/to_freezer/ state=present (name, description)
# api: PUT backups/{id}/ description (a freezer item)
# api: DELETE backups/{id}/ state=absent (a freezer item, confirm_delete)

DOCUMENTATION = r"""
module: cpm_freezer
short_description: Keep an N2WS Backup & Recovery (CPM) backup in the freezer, rename it, or delete it
version_added: 0.2.0
description:
  - Moves a CPM backup to the freezer under a name and a description (C(POST /api/backups/{id}/to_freezer/)); a
    freezer item is kept until it is deleted, whatever the policy's retention.
  - Updates the name and description of a freezer item (C(PUT /api/backups/{id}/)), or deletes it
    (C(DELETE /api/backups/{id}/), with O(confirm_delete); this deletes the backup).
  - The item is found by O(backup) (its backup record id) or, for an item already in the freezer, by O(name).
  - Idempotent; check mode and C(--diff) say what would change.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  backup:
    description:
      - The id of the backup record.
    type: int
  name:
    description:
      - The name of the freezer item (letters, digits, C(_) and C(-)). Required to move a backup to the freezer.
      - Without O(backup), the freezer item with exactly this name.
    type: str
  description:
    description:
      - Its description. Required to move a backup to the freezer (CPM requires both).
    type: str
  state:
    description:
      - V(present) keeps the backup in the freezer with this name and description; V(absent) deletes the freezer
        item (a backup that is not in the freezer is left alone).
    type: str
    choices: [present, absent]
    default: present
  confirm_delete:
    description:
      - Must be V(true) with O(state=absent); deleting a freezer item deletes the backup and its snapshots.
    type: bool
    default: false
notes:
  - Moving to the freezer needs a successful backup (API 1.0.0); reading, renaming and deleting freezer items API
    1.1.0. A delegate needs C(allow_backup_changes).
seealso:
  - module: backupdr.cloud.cpm_freezer_info
  - module: backupdr.cloud.cpm_backup
"""

EXAMPLES = r"""
- name: A policy with a volume
  backupdr.cloud.cpm_policy:
    name: quarterly
    account: main

- name: Its target
  backupdr.cloud.cpm_policy_targets:
    policy: quarterly
    targets:
      - {kind: volume, region: us-east-1, id: vol-ac572e225cd6e9379}

- name: A backup before the audit
  backupdr.cloud.cpm_backup:
    policy: quarterly
  register: audit_backup

- name: Keep it in the freezer
  backupdr.cloud.cpm_freezer:
    backup: "{{ audit_backup.backup.id }}"
    name: audit-2026-q4
    description: State before the Q4 audit

- name: Rename it
  backupdr.cloud.cpm_freezer:
    backup: "{{ audit_backup.backup.id }}"
    name: audit-2026-q4
    description: State before the Q4 audit (kept 7 years)

- name: Delete it (and the backup)
  backupdr.cloud.cpm_freezer:
    name: audit-2026-q4
    state: absent
    confirm_delete: true
"""

RETURN = r"""
freezer_item:
  description:
    - The backup record after the task (before it in check mode), statuses readable as
      M(backupdr.cloud.cpm_backup_info) returns them; C(is_freezer_item) says whether it is in the freezer. Empty
      after a delete.
  returned: always
  type: dict
  sample: {id: 41, name: audit-2026-q4, description: State before the Q4 audit, is_freezer_item: true, policy: 2,
           status: successful, status_code: B}
diff:
  description: With C(--diff), C(name), C(description) and C(in_freezer) before and after.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, check_cpm_name, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.snapshots import freezer_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import (
    VERIFIED, conclude, look_after_lost, settle_time_of,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_single_line

FROZEN_OK = ('B', 'A', 'S', 'M', 'G')


def argument_spec():
    return cpm_argument_spec(
        backup=dict(type='int'),
        name=dict(type='str'),
        description=dict(type='str'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        confirm_delete=dict(type='bool', default=False),
    )


def find(client, params):
    if params.get('backup') is not None:
        record = client.get_or_none('backups/%d/' % params['backup'], feature='freezer_records')
        if record is None and params['state'] == 'present':
            raise ValidationError('backup', 'no backup record has the id %s' % params['backup'])
        return record
    items = [b for b in client.list('backups/', {'is_freezer_item': 'true', 'search': params['name']},
                                    feature='freezer_records') if b.get('name') == params['name']]
    if len(items) > 1:
        raise ValidationError('name', '%d freezer items are named %r (backups %s); give backup' % (
            len(items), params['name'], ', '.join(str(b.get('id')) for b in items)))
    if not items and params['state'] == 'present':
        raise ValidationError('backup', 'no freezer item is named %r; give backup (the backup record to freeze)'
                              % params['name'])
    return items[0] if items else None


def run(module):
    params = module.params
    check_cpm_name(params.get('name'), 'name', 'a freezer item name')
    if params.get('description') is not None:
        check_single_line(params['description'], 'description')
        if '<' in params['description'] or '>' in params['description']:
            raise ValidationError('description', 'must not contain < or > (CPM refuses them)')
    if params.get('backup') is None and not params.get('name'):
        raise ValidationError('backup', 'one of backup or name is required')
    if params['state'] == 'absent' and not params['confirm_delete']:
        raise ValidationError('confirm_delete', 'deleting a freezer item deletes the backup and its snapshots; set '
                              'confirm_delete=true')
    client = CPMClient(params, warn=module.warn)
    current = find(client, params)
    if params['state'] == 'absent':
        return absent(module, client, current)
    wanted = dict(name=params.get('name'), description=params.get('description'))
    path = 'backups/%d/' % current['id']
    if not current.get('is_freezer_item'):
        if wanted['name'] in (None, '') or wanted['description'] is None:
            raise ValidationError('name' if not wanted['name'] else 'description', 'name and description are both '
                                  'required to move a backup to the freezer')
        if current.get('status') not in FROZEN_OK:
            raise ValidationError('backup', 'backup %s has the status %s: only a successful backup can be moved to the '
                                  'freezer' % (current['id'], current.get('status')))
        diff = dict(before=dict(in_freezer=False, name=current.get('name'), description=current.get('description')),
                    after=dict(in_freezer=True, **wanted))
        if not module.check_mode:
            moved(module, client, current, wanted)
            current = client.get('backups/%d/' % current['id'], feature='freezer_records')
        else:
            current = dict(current, is_freezer_item=True, **wanted)
        return done(module, client, True, current, diff)
    changes = dict((k, v) for k, v in wanted.items() if v is not None and (current.get(k) or '') != v)
    if not changes:
        return done(module, client, False, current, None)
    diff = dict(before=dict((k, current.get(k)) for k in changes), after=changes)
    if not module.check_mode:
        body = dict(name=current.get('name'), description=current.get('description') or '')
        body.update(changes)
        current = client.put(path, body, feature='freezer_records') or client.get(path, feature='freezer_records')
    else:
        current = dict(current, **changes)
    return done(module, client, True, current, diff)


def moved(module, client, current, wanted):
    """POST to_freezer; a lost answer is looked for (the record in the freezer) during the settle window."""
    path = 'backups/%d/to_freezer/' % current['id']
    try:
        client.post(path, wanted, feature='to_freezer')
    except ApiError as err:
        if err.landed is not None:
            raise
        window = settle_time_of(client)

        def look():
            record = client.get_or_none('backups/%d/' % current['id'], feature='freezer_records')
            return record if record and record.get('is_freezer_item') else None
        outcome = look_after_lost(look, window)
        if outcome.state != VERIFIED:
            raise conclude(err, outcome, 'backup %s in the freezer' % current['id'],
                           'whether backup %s is in the freezer' % current['id'], window)
        module.warn('the answer to the request that moves backup %s to the freezer was lost (%s); it is in the freezer'
                    % (current['id'], err.brief()))


def absent(module, client, current):
    if current is None or not current.get('is_freezer_item'):
        if current is not None:
            module.warn('backup %s is not in the freezer; it was left alone' % current['id'])
        return done(module, client, False, current, None)
    diff = dict(before=freezer_view(current), after={})
    if not module.check_mode:
        client.delete('backups/%d/' % current['id'], feature='freezer_records')
    client.finish(module)
    out = dict(changed=True, freezer_item={})
    if module._diff:
        out['diff'] = diff
    module.exit_json(**out)


def done(module, client, changed, record, diff):
    client.finish(module)
    out = dict(changed=changed, freezer_item=freezer_view(record) if record else {})
    if diff is not None and module._diff:
        out['diff'] = diff
    module.exit_json(**out)


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
