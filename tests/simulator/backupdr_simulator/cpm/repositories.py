# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 repositories (Ch.20) writes: create, update, delete (refused while policies use the repository) and the
``force/`` delete, with ``deletion_status`` over time; policy S3 operations (archive, cleanup) that the Ch.13 abort
calls act on (D38-D40).  Reading the repositories stays in ``directory``."""

import time

from ..core import AdminError
from .api import ApiError, F, Family, Route, forbidden, not_found, validate
from .directory import REGION_BY_NAME
from .recoveries import register_knobs, require_flag

KNOBS = {
    'repository_in_use': '400',
    'repository_delete_seconds': 1.0,
    'license_max_s3_repositories': 0,
}
KNOB_CHOICES = {'repository_in_use': ('400', '403', 'fail')}
CREATE_SPEC = {
    'account': F('pk', required=True, model='backup_account'),
    'aws_bucket_name': F('str', required=True, blank=False),
    'aws_region': F('str', required=True, blank=False),
    'description': F('str', nullable=True, default='', text=True),
    'name': F('str', required=True, blank=False),
}
UPDATE_SPEC = {'description': F('str', nullable=True, default='', text=True)}


class RepositoriesFamily(Family):
    """``POST/PUT/DELETE /api/s3_repositories/`` and ``DELETE .../{id}/force/``."""

    name = 'repositories'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.deleting = {}       # repository id -> {'begin', 'force', 'fail'}
        self.fail_next = []      # repository ids (None: any) whose next plain delete fails
        self.operations = {}     # policy id -> {'archive': end time, 'cleanup': end time}

    def routes(self):
        return [
            Route('POST', 's3_repositories/', self.create, '1.1.0', None, 39820),
            Route('PUT', 's3_repositories/{id}/', self.update, '1.1.0', None, 40199),
            Route('DELETE', 's3_repositories/{id}/', self.delete, '1.1.0', None, 40319),
            Route('DELETE', 's3_repositories/{id}/force/', self.force_delete, '1.5.0', None, 40366),
        ]

    # -- helpers -------------------------------------------------------------------------
    @property
    def repositories(self):
        """The repositories (kept by ``directory``)."""
        return self.svc.directory.repositories

    def related(self, repo_id):
        """Policies whose copy to S3 uses the repository."""
        return [p for p in self.svc.policies.policies.values() if p['copy_to_s3']['repository'] == repo_id]

    def _visible(self, call):
        repo = self.repositories.get(call.param_id())
        if repo is None or not call.can_see(repo['user']):
            raise not_found()
        return repo

    def _respond(self, call, status, repo):
        return self.svc.respond(call, status, self.svc.directory.render_repository(repo))

    # -- handlers ------------------------------------------------------------------------
    def create(self, call):
        """POST /api/s3_repositories/ -> 201 (delegates need allow_account_changes, D38)"""
        require_flag(call, 'allow_account_changes')
        values = validate(CREATE_SPEC, call.body_dict(), self.svc.lookup(call))
        account = self.svc.accounts.accounts[values['account']]
        errors = {}
        if values['aws_region'] not in REGION_BY_NAME:
            errors['aws_region'] = [('"%s" is not a valid choice.' % values['aws_region'], 'invalid_choice')]
        elif self.svc.config['strict_inventory'] and \
                self.svc.inventory.find(account['id'], values['aws_region'], 's3_buckets', values['aws_bucket_name']) is None:
            errors['aws_bucket_name'] = [('Bucket %s was not found in account %s.' % (
                values['aws_bucket_name'], account['name']), 'invalid')]
        if self.svc.config['unique_names']:
            for other in self.repositories.values():
                if other['user'] == account['user'] and other['name'] == values['name']:
                    errors.setdefault('name', []).append(('S3 repository with this name already exists.', 'unique'))
                    break
        if errors:
            raise ApiError(400, errors)
        limit = self.svc.config['license_max_s3_repositories']
        if limit and len(self.repositories) >= limit:
            raise forbidden('The maximum number of S3 repositories allowed by the license (%d) has been reached.' % limit)
        repo = self.svc.directory.add_repository(values['name'], account['id'], values['aws_bucket_name'],
                                                 values['aws_region'], values['description'] or '')
        return self._respond(call, 201, repo)

    def update(self, call):
        """PUT /api/s3_repositories/{id}/ {description} (everything else is create-only)"""
        require_flag(call, 'allow_account_changes')
        repo = self._visible(call)
        values = validate(UPDATE_SPEC, call.body_dict())
        repo['description'] = values['description'] or ''
        return self._respond(call, 200, repo)

    def delete(self, call):
        """DELETE /api/s3_repositories/{id}/ -> 204; refused while policies use it (knob repository_in_use, D39)"""
        require_flag(call, 'allow_account_changes')
        repo = self._visible(call)
        if repo['id'] in self.deleting:
            return self.svc.respond(call, 204, None)
        related = self.related(repo['id'])
        if related:
            reading = self.svc.config['repository_in_use']
            message = 'The S3 repository is used by the policies %s; change their copy to S3 first or force the ' \
                      'deletion.' % ', '.join(p['name'] for p in related)
            if reading == '400':
                raise ApiError(400, {'non_field_errors': [(message, 'invalid')]})
            if reading == '403':
                raise forbidden(message)
        fail = bool(related)
        for index, wanted in enumerate(self.fail_next):
            if wanted in (None, repo['id']):
                del self.fail_next[index]
                fail = True
                break
        self._begin(repo, call.now, force=False, fail=fail)
        return self.svc.respond(call, 204, None)

    def force_delete(self, call):
        """DELETE /api/s3_repositories/{id}/force/ -> 204 (whatever uses it; the data is deleted if it can be)"""
        require_flag(call, 'allow_account_changes')
        repo = self._visible(call)
        for policy in self.related(repo['id']):
            policy['copy_to_s3']['repository'] = None
            policy['copy_to_s3']['enabled'] = False
            policy['last_modified'] = call.now
        self.deleting.pop(repo['id'], None)
        self._begin(repo, call.now, force=True, fail=False)
        return self.svc.respond(call, 204, None)

    def _begin(self, repo, now, force, fail):
        repo['deletion_status'] = 'I'
        self.deleting[repo['id']] = {'begin': now, 'force': force, 'fail': fail}
        self.advance(now)

    # -- time ----------------------------------------------------------------------------
    def advance(self, now):
        seconds = float(self.svc.config['repository_delete_seconds'])
        for repo_id, job in list(self.deleting.items()):
            if now < job['begin'] + seconds:
                continue
            del self.deleting[repo_id]
            repo = self.repositories.get(repo_id)
            if repo is None:
                continue
            if job['fail']:
                repo['deletion_status'] = 'F'
                continue
            self._drop(repo, job['begin'] + seconds)
        for policy_id, operations in list(self.operations.items()):
            policy = self.svc.policies.policies.get(policy_id)
            if policy is None:
                del self.operations[policy_id]
                continue
            for name, flag in (('archive', 'is_archive_active'), ('cleanup', 'is_s3_cleanup_active')):
                if name in operations and (now >= operations[name] or not policy[flag]):
                    policy[flag] = False
                    del operations[name]
            if not operations:
                del self.operations[policy_id]

    def _drop(self, repo, when):
        """The repository and the copies it held are gone (their backups settle, D39)."""
        backups = self.svc.backups
        touched = set()
        for record in backups.snapshots.values():
            if record['family'] == 'copy_to_s3' and record.get('repository_id') == str(repo['id']) and \
                    record['deletion_time'] is None:
                record['deletion_time'] = when
                touched.add(record['backup'])
        for backup_id in touched:
            backup = backups.backups.get(backup_id)
            if backup is not None:
                backups.settle(backup)
        for policy in self.related(repo['id']):
            policy['copy_to_s3']['repository'] = None
            policy['copy_to_s3']['enabled'] = False
        del self.repositories[repo['id']]

    # -- admin (D40) -----------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'fail-next-repository-delete' and method == 'POST':
            repo = params.get('repository')
            try:
                repo = int(repo) if repo is not None else None
            except (TypeError, ValueError) as exc:
                raise AdminError(400, 'repository must be an id') from exc
            self.fail_next.append(repo)
            return {'ok': True, 'failing': list(self.fail_next)}
        if action == 'start-s3-operation' and method == 'POST':
            return self._admin_operation(params)
        if action == 'archive-s3-copies' and method == 'POST':
            return self._admin_archive(params)
        return NotImplemented

    def _admin_archive(self, params):
        """The S3 copies of a backup move to Glacier (``tier`` A): a recovery from S3 then retrieves them first."""
        backups = self.svc.backups
        try:
            backup = backups.backups[int(params.get('backup'))]
        except (TypeError, ValueError, KeyError) as exc:
            raise AdminError(404, 'backup %s not found' % params.get('backup')) from exc
        archived = []
        for record_id in backup['snapshots']:
            record = backups.snapshots[record_id]
            if record['family'] == 'copy_to_s3' and record['deletion_time'] is None:
                record['tier'] = 'A'
                record['archive_status'] = 'archived'
                archived.append(record_id)
        return {'ok': True, 'archived': archived}

    def _admin_operation(self, params):
        """A policy archive (``is_archive_active``) or S3 cleanup (``is_s3_cleanup_active``) runs for N seconds."""
        try:
            policy = self.svc.policies.policies[int(params.get('policy'))]
        except (TypeError, ValueError, KeyError) as exc:
            raise AdminError(404, 'policy %s not found' % params.get('policy')) from exc
        operation = params.get('operation', 'archive')
        if operation not in ('archive', 'cleanup'):
            raise AdminError(400, 'operation must be archive or cleanup')
        try:
            seconds = float(params.get('seconds', 60))
        except (TypeError, ValueError) as exc:
            raise AdminError(400, 'seconds must be a number') from exc
        policy['is_archive_active' if operation == 'archive' else 'is_s3_cleanup_active'] = True
        self.operations.setdefault(policy['id'], {})[operation] = time.time() + seconds
        return {'ok': True, 'policy': policy['id'], 'operation': operation, 'seconds': seconds}
