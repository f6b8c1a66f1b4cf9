#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET s3_repositories/ name (the lookup)
# api: POST s3_repositories/ state=present (a new repository)
# api: PUT s3_repositories/{id}/ description
# api: DELETE s3_repositories/{id}/ state=absent (confirm_delete)
# api: DELETE s3_repositories/{id}/force/ force=true

DOCUMENTATION = r"""
module: cpm_s3_repository
short_description: Manage N2WS Backup & Recovery (CPM) S3 repositories
version_added: 0.2.0
description:
  - Creates, updates or deletes an S3 repository of CPM (C(/api/s3_repositories/), API 1.1.0), the S3 bucket where
    policies copy their backups (M(backupdr.cloud.cpm_policy)'s C(copy_to_s3.repository)).
  - Found by O(name) (CPM's C(search) and an exact match) or O(id). The account, bucket and region cannot change
    (CPM's update takes the description only); a different value is refused.
  - "Deleting a repository deletes the copies in S3 it holds: O(state=absent) needs O(confirm_delete=true). While
    policies copy to the repository (its C(related_policies)), the delete is refused before any request, naming
    them, unless O(force=true), which uses CPM's C(DELETE .../force/) (API 1.5.0): the policies lose their copy to
    S3, and CPM deletes the repository even when it cannot delete its data. After the request the module waits
    (O(wait)) until the repository is gone, or fails when CPM reports that the deletion failed (C(deletion_status)
    V(failed))."
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  name:
    description:
      - The name of the repository.
    type: str
  id:
    description:
      - The id of an existing repository.
    type: int
  state:
    description:
      - V(present) or V(absent).
    type: str
    choices: [present, absent]
    default: present
  account:
    description:
      - The backup account (name or id) that owns the bucket. Required to create a repository.
    type: str
  bucket:
    description:
      - The S3 bucket (it must exist in the account). Required to create a repository.
    type: str
  region:
    description:
      - The AWS region of the bucket. Required to create a repository.
    type: str
  description:
    description:
      - Free text.
    type: str
  confirm_delete:
    description:
      - Must be V(true) with O(state=absent); deleting the repository deletes the copies it holds.
    type: bool
    default: false
  force:
    description:
      - With O(state=absent), delete the repository even while policies copy to it (they lose their copy to S3).
    type: bool
    default: false
notes:
  - A delegate needs C(allow_account_changes).
seealso:
  - module: backupdr.cloud.cpm_s3_repository_info
  - module: backupdr.cloud.cpm_policy
"""

EXAMPLES = r"""
- name: A repository in the bucket main-backup-copies of account main
  backupdr.cloud.cpm_s3_repository:
    name: long-term
    account: main
    bucket: main-backup-copies
    region: us-east-1
    description: Copies kept for a year

- name: Delete it (and the copies it holds)
  backupdr.cloud.cpm_s3_repository:
    name: long-term
    state: absent
    confirm_delete: true
"""

RETURN = r"""
s3_repository:
  description:
    - The repository after the task (before it, in check mode), with C(bucket), C(region), C(deletion_status)
      readable (letter in C(deletion_status_code)) and C(related_policy_names). Empty once deleted.
  returned: always
  type: dict
  sample: {id: 2, name: long-term, account: 1, bucket: main-backup-copies, region: us-east-1,
           description: Copies kept for a year, related_policies: [], deletion_status: not_applicable}
diff:
  description: With C(--diff), the changed options before and after.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.repositories import (
    RepositoryType, repository_view, wait_deleted,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMEngine
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import (
    VERIFIED, conclude, look_after_lost, settle_time_of,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_name


def argument_spec():
    return cpm_argument_spec(
        name=dict(type='str'),
        id=dict(type='int'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        account=dict(type='str'),
        bucket=dict(type='str'),
        region=dict(type='str'),
        description=dict(type='str'),
        confirm_delete=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=600),
    )


def run(module):
    params = module.params
    check_name(params.get('name'), 'name')
    if params['state'] == 'absent' and not params['confirm_delete']:
        raise ValidationError('confirm_delete', 'deleting an S3 repository deletes the copies it holds; set '
                              'confirm_delete=true')
    if params['force'] and params['state'] != 'absent':
        raise ValidationError('force', 'applies to state=absent only')
    client = CPMClient(params, warn=module.warn)
    client.require('s3_repositories')
    rtype = RepositoryType(client, params, module)
    engine = CPMEngine(module, rtype)
    wanted = engine.desired()
    if params['state'] == 'absent':
        return absent(module, client, rtype, engine)
    changed, flat, diff = engine.present(wanted=wanted)
    client.finish(module)
    module.exit_json(**engine.result(changed, flat, diff))


def absent(module, client, rtype, engine):
    params = module.params
    current = engine.find()
    if current is None:
        client.finish(module)
        module.exit_json(changed=False, s3_repository={})
    rid = as_id(current['id'])
    if current.get('deletion_status') == 'I':  # another run asked for it already: follow it
        after = wait_deleted(client, rid, params['wait_timeout']) if params['wait'] else current
        finish(module, client, rtype, False, current, after)
    related = current.get('related_policies') or []
    if related and not params['force']:
        names = repository_view(current, rtype.refs).get('related_policy_names') or related
        raise ValidationError('force', 'S3 repository %s is used by the policies %s; change their copy_to_s3 first, or '
                              'set force=true to delete it anyway (they lose their copy to S3)' % (
                                  current.get('name'), ', '.join(str(n) for n in names)))
    if params['force']:
        client.require('s3_repository_force', 'force')
    path = 's3_repositories/%d/%s' % (rid, 'force/' if params['force'] else '')
    if module.check_mode:
        finish(module, client, rtype, True, current, None)
    try:
        client.call('DELETE', path, feature='s3_repository_force' if params['force'] else 's3_repositories',
                    perm='account')
    except ApiError as err:
        if err.status == 404:
            finish(module, client, rtype, False, current, None)
        if err.status in (400, 403):
            err.message = ('CPM refused to delete S3 repository %s: %s%s' % (
                current.get('name'), err.message, ' (policies may still copy to it: force=true uses .../force/)'
                if not params['force'] else ''))
        if err.landed is not None:
            raise
        window = settle_time_of(client)

        def look():
            found = client.get_or_none('s3_repositories/%d/' % rid, feature='s3_repositories')
            return True if found is None or found.get('deletion_status') in ('I', 'F', 'S') else None
        outcome = look_after_lost(look, window)
        if outcome.state != VERIFIED:
            raise conclude(err, outcome, 'the deletion of S3 repository %s' % rid,
                           'S3 repository %s in CPM' % rid, window)
        module.warn('the answer to the delete of S3 repository %s was lost (%s); CPM shows it is being deleted' % (
            rid, err.brief()))
    after = wait_deleted(client, rid, params['wait_timeout']) if params['wait'] else \
        client.get_or_none('s3_repositories/%d/' % rid, feature='s3_repositories')
    if after is not None and after.get('deletion_status') == 'F':
        client.finish(module)
        module.fail_json(msg='CPM could not delete S3 repository %s (deletion_status failed)%s' % (
            current.get('name'), '; policies copy to it: set force=true' if after.get('related_policies') else
            '; running the task again tries again'), changed=True, s3_repository=repository_view(after, rtype.refs))
    finish(module, client, rtype, True, current, after)


def finish(module, client, rtype, changed, before, after):
    client.finish(module)
    out = dict(changed=changed, s3_repository=repository_view(after, rtype.refs) if after else {})
    if changed and module._diff:
        out['diff'] = dict(before=repository_view(before, rtype.refs), after={})
    module.exit_json(**out)


def main():
    run_module(argument_spec(), run, required_one_of=[('name', 'id')])


if __name__ == '__main__':
    main()
