# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM S3 repositories (seed Ch.20) and the S3 operations of policies and backups (Ch.13 aborts, Ch.7 7.2).

Readings:

* A repository's ``account``, ``aws_bucket_name`` and ``aws_region`` are create-only: the PUT body is only
  ``description`` (L40199).
* Deleting a repository (``DELETE s3_repositories/{id}/``) deletes the copies it holds.  CPM may refuse it while
  policies copy to it (400 or 403), or accept it and end with ``deletion_status`` F: the module checks
  ``related_policies`` first and refuses (naming the policies) unless ``force`` uses ``.../force/`` (1.5.0), which
  detaches them.  After the 204 the repository is read until it is gone (404) or its ``deletion_status`` is F.
* S3 operations: a copy to S3 runs while the backup's ``s3_copy_status.status`` is I or P (G: being aborted); a
  policy's archive and S3 clean-up while ``is_archive_active`` / ``is_s3_cleanup_active`` are true, and its S3
  operations while ``s3_operation_in_progress`` (or one of those) is.  An abort is sent only while the operation
  runs; otherwise nothing is sent (``changed=false``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import REPOSITORY_DELETION, S3_STATUS
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs, check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMField, CPMResourceType
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import poll_intervals


def _raw(value):
    return value


def _region(value):
    return check_aws_region(value, 'region')


def repository_fields():
    return [
        CPMField('name'),
        CPMField('account', kind='raw', create_only=True, normalize=_raw, parse=as_id),
        CPMField('bucket', key='aws_bucket_name', create_only=True),
        CPMField('region', key='aws_region', create_only=True, normalize=_region),
        CPMField('description', nullable=True),
    ]


class RepositoryType(CPMResourceType):
    kind = 's3_repository'
    feature = 's3_repositories'
    perm = 'account'
    list_path = create_path = 's3_repositories/'
    get_path = update_path = delete_path = 's3_repositories/{id}/'
    writable = ('description',)

    def __init__(self, client, params=None, module=None):
        super(RepositoryType, self).__init__(client, params)
        self.fields = repository_fields()
        self.refs = Refs(client, module)
        self.module = module

    def resolve(self, desired):
        wanted = dict(desired)
        if wanted.get('account') not in (None, ''):
            wanted['account'] = self.refs.account_id(wanted['account'], 'account', 'backup')
        return wanted

    def create(self, payload):
        for option, key in (('account', 'account'), ('bucket', 'aws_bucket_name'), ('region', 'aws_region')):
            if payload.get(key) in (None, ''):
                raise ValidationError(option, 'is required to create an S3 repository')
        return super(RepositoryType, self).create(payload)

    def put_body(self, current, payload):
        return {'description': payload.get('description', current.get('description')) or ''}

    def view(self, flat):
        return repository_view(flat, self.refs)


def repository_view(flat, refs=None):
    if not flat:
        return {}
    out = dict(flat)
    out['bucket'] = flat.get('aws_bucket_name')
    out['region'] = flat.get('aws_region')
    status = flat.get('deletion_status')
    out['deletion_status'] = REPOSITORY_DELETION.readable(status)
    out['deletion_status_code'] = status
    if refs is not None and flat.get('related_policies'):
        names = dict((as_id(p.get('id')), p.get('name')) for p in refs.client.memo(
            'policies', lambda: refs.client.list('policies/', feature='policies')))
        out['related_policy_names'] = [names.get(as_id(pid), str(pid)) for pid in flat['related_policies']]
    return out


def wait_deleted(client, repo_id, timeout, sleep=time.sleep, clock=time.monotonic):
    """Read the repository until it is gone (None) or its deletion failed (the record); ApiError on timeout."""
    deadline = clock() + max(0, timeout)
    intervals = poll_intervals(0.5, 1.5, 10.0)
    while True:
        current = client.get_or_none('s3_repositories/%d/' % as_id(repo_id), feature='s3_repositories')
        if current is None or current.get('deletion_status') == 'F':
            return current
        if clock() >= deadline:
            raise ApiError('S3 repository %s is still being deleted after %ss (deletion_status %s); it goes on: run the '
                           'task again to follow it' % (repo_id, timeout, current.get('deletion_status')),
                           code='timeout', service='CPM', landed=True)
        sleep(min(next(intervals), max(0.0, deadline - clock())))


# -- S3 operations ----------------------------------------------------------------------------------------------------------

COPY_RUNNING = ('I', 'P')
POLICY_FLAGS = {'archive': ('is_archive_active',), 'cleanup': ('is_s3_cleanup_active',),
                'all': ('s3_operation_in_progress', 'is_archive_active', 'is_s3_cleanup_active')}
POLICY_ABORTS = {'archive': 'policies/%d/archive/abort/', 'cleanup': 'policies/%d/cleanup_s3/abort/',
                 'all': 'policies/%d/s3_operations/abort/'}


def copy_status(backup):
    value = (backup or {}).get('s3_copy_status')
    return value.get('status') if isinstance(value, dict) else value


def copy_view(backup):
    status = copy_status(backup)
    return {'backup': as_id(backup.get('id')), 'status': S3_STATUS.readable(status), 'status_code': status}


def policy_running(policy, operation):
    """The flags of ``operation`` that are set on the policy."""
    return [flag for flag in POLICY_FLAGS[operation] if policy.get(flag)]


def running_copies(client, policy_id, limit=25):
    return [b for b in client.list('backups/', {'policy': as_id(policy_id), 'ordering': '-start_time'},
                                   feature='backups', limit=limit, page_size=limit)
            if copy_status(b) in COPY_RUNNING]
