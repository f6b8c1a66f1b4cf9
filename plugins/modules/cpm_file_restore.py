#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: POST explore_sessions/ backup (the session; instance, volumes, region, from_account)
# api: GET explore_sessions/ backup (a lost answer looked for)
# api: GET explore_sessions/{id}/ wait_timeout (until open)
# api: DELETE explore_sessions/{id}/ backup (always, at the end)
# api: GET explore_sessions/{explore_session_id}/file_system_entries/ list
# api: POST explore_sessions/{explore_session_id}/download/ paths
# api: POST explore_sessions/{explore_session_id}/keep_alive/ keep_alive_interval

DOCUMENTATION = r"""
module: cpm_file_restore
short_description: Restore files and folders from an N2WS Backup & Recovery (CPM) backup (file-level recovery)
version_added: 0.2.0
description:
  - Opens a CPM explore session on a backup's snapshots (C(POST /api/explore_sessions/), API 1.3.0), waits until it
    is open, lists a directory (O(list)) and downloads the chosen files or folders (O(paths)) into the directory
    O(dest) on the host that runs the module (run it on the controller, such as with C(delegate_to=localhost)),
    then closes the session, B(always), also when something failed.
  - A keep-alive request is sent every O(keep_alive_interval) seconds while the module works, so that the session
    does not expire during a long download.
  - Each chosen path is downloaded as its own zip (C(POST .../download/)), streamed to a temporary file under
    O(dest), checked (the CRC of every member) and extracted; a file lands at O(dest)/<its path in the snapshot>. A
    download cut by a reset is requested again. What was restored is recorded in O(dest)/.cpm_file_restore.json
    (every file's size and SHA-256, per backup and snapshot choice, per chosen path).
  - B(Idempotent) - a path whose files are all in O(dest) with the recorded content (each file's SHA-256 is checked)
    is skipped; when every path is there the module opens no session at all and reports V(changed=false). A run
    that failed half way restores only the paths still missing.
  - A file in O(dest) that this module did not restore (or that changed since) is not overwritten without
    O(force). Chosen paths must be absolute snapshot paths without C(..); nothing is written outside O(dest).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  backup:
    description:
      - The id of the backup record to restore from. One of O(backup) and O(policy) is required.
    type: int
  policy:
    description:
      - Restore from the latest successful backup of this policy (name or id).
    type: str
  before:
    description:
      - With O(policy), the latest successful backup that started at or before this time (ISO 8601).
    type: str
  instance:
    description:
      - The AWS id of the instance whose volumes to explore (CPM's C(aws_instance_id)); with O(volumes), only those
        of its volumes.
      - Without O(instance) and O(volumes), CPM chooses (the first instance of the backup, else its independent
        volumes, else a database).
    type: str
  volumes:
    description:
      - AWS ids of the volumes to explore (CPM's C(aws_volume_ids)).
    type: list
    elements: str
  region:
    description:
      - Explore the DR copies in this AWS region instead of the native snapshots (CPM's C(region), a region id it
        offers).
    type: str
  from_account:
    description:
      - Explore the snapshots held in this account (name or id), such as a DR account's copies.
    type: str
  list:
    description:
      - A directory (or file) of the snapshots to list, such as V(/) or V(/xvda/etc); the result is RV(entries).
      - Default V(/) when O(paths) is not given. Listing opens a session (CPM has no other way to read the files);
        check mode does not list.
    type: str
  depth:
    description:
      - With O(list), how many levels to list (V(1) lists the entries of the directory).
    type: int
    default: 1
  paths:
    description:
      - Files or folders to restore, absolute paths in the snapshots (as O(list) shows them), such as
        V(/xvda/etc/hosts) or V(/xvda/home). A folder is restored with everything under it.
    type: list
    elements: str
  dest:
    description:
      - The directory to restore into (created when missing), on the host that runs the module. Required with
        O(paths).
    type: path
  force:
    description:
      - Overwrite files in O(dest) that this module did not restore, or that were changed since it did.
    type: bool
    default: false
  keep_alive_interval:
    description:
      - Seconds between two keep-alive requests while the session is open; shorter than the session timeout of the
        CPM server (V(0) sends none).
    type: float
    default: 60
  wait_timeout:
    description:
      - Seconds to wait for the session to open.
    type: int
    default: 600
notes:
  - A delegate needs C(allow_recovery), and the owner's profile must allow file-level recovery.
seealso:
  - module: backupdr.cloud.cpm_recovery
  - module: backupdr.cloud.cpm_backup_info
"""

EXAMPLES = r"""
- name: A policy protecting an instance
  backupdr.cloud.cpm_policy:
    name: web
    account: main

- name: Its target
  backupdr.cloud.cpm_policy_targets:
    policy: web
    targets:
      - {kind: instance, region: us-east-1, id: i-37182662be9c663f7}

- name: A backup
  backupdr.cloud.cpm_backup:
    policy: web

- name: What is in the root volume of the latest backup?
  backupdr.cloud.cpm_file_restore:
    policy: web
    instance: i-37182662be9c663f7
    list: /xvda
    depth: 2
  register: listing

- name: Restore /etc and one log file into /srv/restore/web (a re-run changes nothing)
  backupdr.cloud.cpm_file_restore:
    policy: web
    instance: i-37182662be9c663f7
    paths: [/xvda/etc, /xvda/var/log/messages]
    dest: /srv/restore/web
  delegate_to: localhost
  register: restored

- name: The restored files
  ansible.builtin.debug:
    msg: "{{ restored.files | dict2items | map(attribute='value.dest') | list }}"
"""

RETURN = r"""
backup:
  description: The backup restored from (C(id), C(policy), C(start_time), C(status)).
  returned: always
  type: dict
  sample: {id: 41, policy: 2, start_time: "2026-11-30T07:40:01.000000Z", status: B}
session:
  description:
    - The explore session as CPM showed it after it was closed (C(status) readable, letter in C(status_code);
      C(explore_type) readable). Empty when no session was opened.
  returned: always
  type: dict
  sample: {id: 5, name: explore-41-i-37182662be9c663f7, status: expiring, status_code: P, explore_type: instance_volumes}
entries:
  description:
    - With O(list), the entries of the listed directory (C(name), C(path), C(type) V(file) or V(directory), C(size),
      C(modified_time), C(children) down to O(depth)).
  returned: always
  type: list
  elements: dict
  sample: [{name: etc, path: /xvda/etc, type: directory, size: 0, children: []}]
restored:
  description: The chosen paths downloaded by this run (C(path), C(files), C(bytes), C(attempts)).
  returned: always
  type: list
  elements: dict
  sample: [{path: /xvda/etc, files: 3, bytes: 812, attempts: 1}]
already_restored:
  description: The chosen paths that were already in O(dest) with the recorded content.
  returned: always
  type: list
  elements: str
  sample: [/xvda/var/log/messages]
files:
  description: Every file of the chosen paths, by its path in the snapshot, with C(dest), C(size) and C(sha256).
  returned: always
  type: dict
  sample: {/xvda/etc/hosts: {dest: /srv/restore/web/xvda/etc/hosts, size: 180, sha256: 9f86d081884c7d65...}}
keep_alives:
  description: How many keep-alive requests were sent.
  returned: always
  type: int
  sample: 0
"""

import json
import os

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.explore import (
    Manifest, Session, entry_view, extract, local_path, partial_dir, remove_partial, session_view, snapshot_path,
    verified,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.recoveries import account_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs, check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import parse_datetime
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_number, check_single_line


def argument_spec():
    return cpm_argument_spec(
        backup=dict(type='int'),
        policy=dict(type='str'),
        before=dict(type='str'),
        instance=dict(type='str'),
        volumes=dict(type='list', elements='str'),
        region=dict(type='str'),
        from_account=dict(type='str'),
        list=dict(type='str'),
        depth=dict(type='int', default=1),
        paths=dict(type='list', elements='str'),
        dest=dict(type='path'),
        force=dict(type='bool', default=False),
        keep_alive_interval=dict(type='float', default=60),
        wait_timeout=dict(type='int', default=600),
    )


def checked(params):
    """Everything checked before any request: ``(list path or None, paths, dest, before)``."""
    if params.get('backup') is None and not params.get('policy'):
        raise ValidationError('backup', 'one of backup or policy is required')
    if params.get('backup') is not None and params.get('policy'):
        raise ValidationError('policy', 'give backup or policy, not both')
    before = None
    if params.get('before'):
        if not params.get('policy'):
            raise ValidationError('before', 'chooses among the backups of policy; give policy')
        try:
            before = parse_datetime(params['before'])
        except ValueError as exc:
            raise ValidationError('before', str(exc))
    for option in ('instance', 'from_account'):
        if params.get(option) is not None:
            check_single_line(params[option], option)
    for volume in params.get('volumes') or ():
        check_single_line(volume, 'volumes')
    if params.get('region'):
        check_aws_region(params['region'], 'region')
    if params['depth'] < 1:
        raise ValidationError('depth', 'must be at least 1')
    check_number(params['keep_alive_interval'], 'keep_alive_interval', minimum=0, maximum=86400)
    paths = []
    for index, value in enumerate(params.get('paths') or ()):
        path = snapshot_path(value, 'paths[%d]' % index)
        if path == '/':
            raise ValidationError('paths[%d]' % index, 'restoring / (everything) is refused; choose folders')
        if path not in paths:
            paths.append(path)
    listed = snapshot_path(params['list'], 'list') if params.get('list') is not None else (None if paths else '/')
    dest = params.get('dest')
    if paths and not dest:
        raise ValidationError('dest', 'is required with paths (the directory to restore into)')
    if dest:
        if not os.path.isabs(dest):
            raise ValidationError('dest', '%s must be an absolute path' % dest)
        if os.path.lexists(dest) and not os.path.isdir(dest):
            raise ValidationError('dest', '%s exists and is not a directory' % dest)
    return listed, paths, dest, before


def conflicts(dest, paths, manifest):
    """Files under ``dest`` where the chosen paths would land that this module did not restore."""
    owned = manifest.owned()
    out = []
    for path in paths:
        target = local_path(dest, path)
        if os.path.isfile(target) or os.path.islink(target):
            if path not in owned:
                out.append(target)
        elif os.path.isdir(target):
            for root, dummy, files in os.walk(target):
                for name in files:
                    full = os.path.join(root, name)
                    rel = '/' + os.path.relpath(full, dest).replace(os.sep, '/')
                    if rel not in owned:
                        out.append(full)
    return out


def choose_backup(client, params, before):
    if params.get('backup') is not None:
        backup = client.get_or_none('backups/%d/' % params['backup'], feature='backups')
        if backup is None:
            raise ValidationError('backup', 'no backup record has the id %s' % params['backup'])
        return backup
    policy = Refs(client).policy(params['policy'], 'policy')
    from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.recoveries import RECOVERABLE, epoch_of
    for backup in client.pages('backups/', {'policy': as_id(policy['id']), 'ordering': '-start_time'},
                               feature='backups', page_size=25):
        started = epoch_of(backup.get('start_time'))
        if before is not None and (started is None or started > before):
            continue
        if backup.get('status') in RECOVERABLE and not backup.get('marked_for_deletion'):
            return backup
    raise ValidationError('policy', 'policy %s has no successful backup%s' % (
        policy.get('name'), '' if before is None else ' before %s' % params['before']))


def run(module):
    params = module.params
    listed, paths, dest, before = checked(params)
    manifest = None
    if dest:
        manifest = Manifest(dest, 'pending')
        found = conflicts(dest, paths, manifest)
        if found and not params['force']:
            raise ValidationError('force', '%d file(s) in dest that this module did not restore would be overwritten '
                                  '(%s%s); set force=true to overwrite them' % (
                                      len(found), ', '.join(found[:5]), ', ...' if len(found) > 5 else ''))
    client = CPMClient(params, warn=module.warn)
    client.require('explore_sessions')
    backup = choose_backup(client, params, before)
    body = {'backup_record': as_id(backup['id'])}
    if params.get('instance'):
        body['aws_instance_id'] = params['instance']
    if params.get('volumes'):
        body['aws_volume_ids'] = list(params['volumes'])
    refs = Refs(client, module)
    if params.get('region'):
        body['region'] = refs.region_ids([params['region']], 'region')[0]
    if params.get('from_account'):
        body['from_account'] = account_id(refs, params['from_account'], 'from_account')
    selection = dict((k, v) for k, v in body.items())
    selection['aws_volume_ids'] = sorted(selection.get('aws_volume_ids') or [])
    key = json.dumps(selection, sort_keys=True)
    brief = dict((k, backup.get(k)) for k in ('id', 'policy', 'start_time', 'status'))
    result = dict(changed=False, backup=brief, session={}, entries=[], restored=[], already_restored=[], files={},
                  keep_alives=0)
    missing = []
    if paths:
        manifest.key = key
        for path in paths:
            files = manifest.path_files(path)
            if files is not None and verified(dest, files):
                result['already_restored'].append(path)
                add_files(result, dest, files)
            else:
                missing.append(path)
    if not missing and listed is None:
        client.finish(module)
        module.exit_json(**result)
    if module.check_mode:
        if listed is not None:
            module.warn('check mode opens no explore session, so %s was not listed' % listed)
        result['changed'] = bool(missing)
        result['restored'] = [dict(path=p, files=None, bytes=None, attempts=0) for p in missing]
        client.finish(module)
        module.exit_json(**result)
    keep_alive_client = CPMClient(params, warn=module.warn) if params['keep_alive_interval'] else None
    session = Session(client, module, body, keep_alive_client=keep_alive_client,
                      interval=params['keep_alive_interval'], wait_timeout=params['wait_timeout'])
    failure = None
    try:
        session.open()
        if listed is not None:
            result['entries'] = [entry_view(item) for item in session.entries(listed, params['depth'])]
        if missing:
            os.makedirs(dest, mode=0o755, exist_ok=True)
            staging = partial_dir(dest)
            for path in missing:
                restore_path(session, manifest, dest, staging, path, params['force'], result, backup, selection)
    except (ApiError, ValidationError, IOError, OSError) as exc:
        failure = exc
    finally:
        after = session.close()
        result['session'] = session_view(after or session.session)
        result['keep_alives'] = session.keep_alives
        if dest and os.path.isdir(dest):
            remove_partial(dest)
    client.finish(module)
    if failure is not None:
        extra = failure.to_result() if isinstance(failure, ApiError) else {}
        module.fail_json(msg='%s (explore session %s closed%s)' % (
            failure, session.sid, '; paths restored before the failure: %s' % ', '.join(
                r['path'] for r in result['restored']) if result['restored'] else ''), **dict(result, **extra))
    module.exit_json(**result)


def restore_path(session, manifest, dest, staging, path, force, result, backup, selection):
    listing = session.files_under(path)
    if not listing:
        raise ValidationError('paths', '%s holds no file in the snapshots of backup %s' % (path, backup.get('id')))
    zip_path = os.path.join(staging, 'download.zip')
    attempts = session.download(path, zip_path)
    files = extract(zip_path, dest, listing, force, manifest.owned())
    os.unlink(zip_path)
    missing = sorted(set(listing) - set(files))
    wrong = sorted(name for name in files if listing.get(name, {}).get('size') not in (None, files[name]['size']))
    if missing or wrong:
        raise ApiError('the zip of %s does not hold what the listing shows (missing: %s; another size: %s)' % (
            path, ', '.join(missing) or 'none', ', '.join(wrong) or 'none'), code='incomplete_archive',
            service='CPM', landed=True)
    manifest.record(path, files, as_id(backup['id']), selection)
    result['changed'] = True
    result['restored'].append(dict(path=path, files=len(files), bytes=sum(f['size'] for f in files.values()),
                                   attempts=attempts))
    add_files(result, dest, files)


def add_files(result, dest, files):
    for name, info in files.items():
        result['files'][name] = dict(dest=local_path(dest, name), size=info['size'], sha256=info['sha256'])


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
