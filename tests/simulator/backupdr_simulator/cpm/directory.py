# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users, delegates, regions, resource types, S3 repositories and the system version.

Read-only in part 1 (the users, delegates and S3 repository write endpoints
belong to the administration part): accounts and schedules have a ``user``,
policies refer to a repository, accounts and DR settings to region ids.
"""

from ..core import AdminError
from .api import API_VERSIONS, CPM_VERSIONS, Family, Route, apply_list, exact, not_found, page_response

# (id, username, user_type, email, is_managed_user, api_key, original_user, allow_* flags of a delegate)
DEFAULT_USERS = (
    (1, 'root', 'root', 'root@example.com', False, 'sim-cpm-root-key-7Qe2Lx9PzR4mN8vT', None, None),
    (2, 'tenant', 'independent', 'tenant@example.com', False, 'sim-cpm-tenant-key-Vb6Yh3Kd8Wq1Zs5R', None, None),
    (3, 'managed', 'managed', 'managed@example.com', True, None, None, None),
    (4, 'operator', 'delegate', 'operator@example.com', False, 'sim-cpm-operator-key-Jt4Nc7Gm2Xp9Lf3B', 1,
     {'allow_account_changes': True, 'allow_backup_changes': True, 'allow_recovery': True,
      'allow_settings_changes': False}),
    (5, 'auditor', 'delegate', 'auditor@example.com', False, 'sim-cpm-readonly-key-Hs8Ew5Ra1Uy6Km2D', 1,
     {'allow_account_changes': False, 'allow_backup_changes': False, 'allow_recovery': False,
      'allow_settings_changes': False}),
)
ROOT_ID = 1
DELEGATE_FLAGS = ('allow_account_changes', 'allow_backup_changes', 'allow_recovery', 'allow_settings_changes')

# (id, aws_region, disp_name)
REGIONS = (
    (1, 'us-east-1', 'US East (N. Virginia)'),
    (2, 'us-east-2', 'US East (Ohio)'),
    (3, 'us-west-1', 'US West (N. California)'),
    (4, 'us-west-2', 'US West (Oregon)'),
    (5, 'eu-west-1', 'EU (Ireland)'),
    (6, 'eu-central-1', 'EU (Frankfurt)'),
    (7, 'ap-southeast-2', 'Asia Pacific (Sydney)'),
)
REGION_BY_NAME = dict((name, rid) for rid, name, _disp in REGIONS)
REGION_BY_ID = dict((rid, name) for rid, name, _disp in REGIONS)

# (id, name, label): name is the target family of /api/policies/{id}/targets/<name>/
RESOURCE_TYPES = (
    (1, 'instances', 'EC2 Instances'),
    (2, 'volumes', 'EBS Volumes'),
    (3, 'rds_databases', 'RDS Databases'),
    (4, 'rds_clusters', 'Aurora Clusters'),
    (5, 'redshift_clusters', 'Redshift Clusters'),
    (6, 'dynamodb_tables', 'DynamoDB Tables'),
    (7, 'efs', 'Elastic File Systems'),
    (8, 's3syncs', 'S3 Bucket Sync'),
)
RESOURCE_TYPE_IDS = frozenset(rid for rid, _name, _label in RESOURCE_TYPES)

PROFILE_DEFAULTS = {
    'allow_cost_explorer': True, 'allow_file_level_recovery': True, 'applied_managed_users': [], 'domain_name': None,
    'is_external_authentication': False, 'is_managed_user': False, 'max_accounts': 0, 'max_controlled_entities': 0,
    'max_dynamodb_gib': 0, 'max_independent_ebs_gib': 0, 'max_instances': 0, 'max_rds_gib': 0, 'max_redshift_gib': 0,
}


class DirectoryFamily(Family):
    """Users (and delegates), regions, resource types, S3 repositories, system version."""

    name = 'directory'

    def reset(self):
        self.users = {}
        self.repositories = {}
        self.repo_seq = 0
        self.user_seq = 0
        for uid, username, user_type, email, managed, api_key, original, flags in DEFAULT_USERS:
            self.add_user(username, user_type, email=email, managed=managed, api_key=api_key, original_user=original,
                          flags=flags, uid=uid)
        self.users[ROOT_ID]['profile']['applied_managed_users'] = [3]

    # -- users -------------------------------------------------------------------
    def add_user(self, username, user_type, email='', managed=False, api_key=None, original_user=None, flags=None,
                 uid=None):
        """Create a user or delegate (admin/default data)."""
        if uid is None:
            uid = max(self.users) + 1 if self.users else 1
        profile = dict(PROFILE_DEFAULTS, applied_managed_users=[], is_managed_user=bool(managed))
        user = {'id': uid, 'username': username, 'user_type': user_type, 'email': email, 'profile': profile,
                'api_key': api_key, 'original_user': original_user,
                'flags': dict((flag, bool((flags or {}).get(flag))) for flag in DELEGATE_FLAGS)}
        self.users[uid] = user
        return user

    def user_by_key(self, api_key):
        """The user whose API key this is, or None."""
        for user in self.users.values():
            if user['api_key'] and user['api_key'] == api_key:
                return user
        return None

    def visible_owners(self, owner_id):
        """Owners whose objects a user reaches: himself; root also every managed user (D5)."""
        owners = {owner_id}
        if owner_id == ROOT_ID:
            owners.update(uid for uid, user in self.users.items() if user['profile']['is_managed_user'])
        return frozenset(owners)

    def username(self, uid):
        """Username of a user id, or None."""
        user = self.users.get(uid)
        return user['username'] if user else None

    def render_user(self, user, counts):
        """The user as GET /api/users/ shows it."""
        uid = user['id']
        return {'email': user['email'], 'id': uid, 'num_accounts': counts['accounts'].get(uid, 0),
                'num_frozen_items': counts['frozen'].get(uid, 0), 'num_policies': counts['policies'].get(uid, 0),
                'profile': dict(user['profile'], applied_managed_users=list(user['profile']['applied_managed_users'])),
                'user_type': user['user_type'], 'username': user['username']}

    def user_view(self, user):
        """One user (or delegate, in the users shape) as the API shows it, with fresh counts (part 3)."""
        return self.render_user(user, self._counts())

    def counts(self):
        """{'accounts'|'policies'|'frozen': {user id: number}} (part 3 renders delegates with them)."""
        return self._counts()

    def _counts(self):
        svc = self.svc
        counts = {'accounts': {}, 'policies': {}, 'frozen': {}}
        for account in svc.accounts.accounts.values():
            counts['accounts'][account['user']] = counts['accounts'].get(account['user'], 0) + 1
        for policy in svc.policies.policies.values():
            counts['policies'][policy['user']] = counts['policies'].get(policy['user'], 0) + 1
        for backup in svc.backups.backups.values():
            if backup['is_freezer_item']:
                counts['frozen'][backup['user']] = counts['frozen'].get(backup['user'], 0) + 1
        return counts

    # -- routes ------------------------------------------------------------------
    def routes(self):
        return [
            Route('GET', 'users/', self.users_list, '1.0.0', 'admin', 49405),
            Route('GET', 'users/{id}/', self.users_get, '1.0.0', 'admin', 49686),
            Route('GET', 'regions/', self.regions_list, '1.0.0', None, 34723),
            Route('GET', 'resource_types/', self.resource_types_list, '1.4.0', None, 39747),
            Route('GET', 's3_repositories/', self.repositories_list, '1.1.0', None, 39954),
            Route('GET', 's3_repositories/{id}/', self.repositories_get, '1.1.0', None, 40098),
            Route('GET', 'system/version/', self.version_get, '1.4.0', None, 48938),
        ]

    def users_list(self, call):
        """GET /api/users/ (root only, D5): search username; ordering as the seed lists."""
        counts = self._counts()
        users = [user for user in self.users.values() if user['user_type'] != 'delegate']
        rendered = dict((user['id'], self.render_user(user, counts)) for user in users)
        ordering = {
            'username': lambda u: u['username'], 'user_type': lambda u: u['user_type'],
            'num_accounts': lambda u: rendered[u['id']]['num_accounts'],
            'num_policies': lambda u: rendered[u['id']]['num_policies'],
            'num_frozen_items': lambda u: rendered[u['id']]['num_frozen_items'],
            'managed': lambda u: u['profile']['is_managed_user'],
            'managed_users': lambda u: len(u['profile']['applied_managed_users']),
            'delegate_users': lambda u: sum(1 for d in self.users.values() if d['original_user'] == u['id']),
            'is_external_authentication': lambda u: u['profile']['is_external_authentication'],
        }
        items = apply_list(call, users, search=[lambda u: u['username']], ordering=ordering)
        return page_response(call, items, lambda user: rendered[user['id']])

    def users_get(self, call):
        """GET /api/users/{id}/"""
        user = self.users.get(call.param_id())
        if user is None or user['user_type'] == 'delegate':
            raise not_found()
        return self.svc.respond(call, 200, self.render_user(user, self._counts()))

    @staticmethod
    def regions_list(call):
        """GET /api/regions/"""
        items = [{'aws_region': name, 'disp_name': disp, 'id': rid} for rid, name, disp in REGIONS]
        return page_response(call, items, lambda item: item)

    @staticmethod
    def resource_types_list(call):
        """GET /api/resource_types/"""
        items = [{'id': rid, 'label': label, 'name': name} for rid, name, label in RESOURCE_TYPES]
        return page_response(call, items, lambda item: item)

    # -- S3 repositories -----------------------------------------------------------
    def add_repository(self, name, account_id, bucket, region, description=''):
        """Create an S3 repository (admin/default data)."""
        self.repo_seq += 1
        account = self.svc.accounts.accounts[account_id]
        repo = {'id': self.repo_seq, 'name': name, 'description': description, 'account': account_id,
                'user': account['user'], 'aws_bucket_name': bucket, 'aws_region': region, 'deletion_status': 'N'}
        self.repositories[repo['id']] = repo
        return repo

    def render_repository(self, repo):
        """The repository as GET /api/s3_repositories/ shows it."""
        related = [policy['id'] for policy in self.svc.policies.policies.values()
                   if policy['copy_to_s3']['repository'] == repo['id']]
        return {'account': repo['account'], 'aws_bucket_name': repo['aws_bucket_name'], 'aws_region': repo['aws_region'],
                'deletion_status': repo['deletion_status'], 'description': repo['description'], 'id': repo['id'],
                'name': repo['name'], 'related_policies': related, 'user': repo['user']}

    def repositories_list(self, call):
        """GET /api/s3_repositories/"""
        items = [repo for repo in self.repositories.values() if call.can_see(repo['user'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda r: r['account'], 'int'), 'user': exact(lambda r: r['user'], 'int')},
            search=[lambda r: r['name'], lambda r: r['description']],
            ordering={'account': lambda r: r['account'], 'aws_bucket_name': lambda r: r['aws_bucket_name'],
                      'aws_region': lambda r: r['aws_region'], 'name': lambda r: r['name'],
                      'username': lambda r: self.username(r['user'])})
        return page_response(call, items, self.render_repository)

    def repositories_get(self, call):
        """GET /api/s3_repositories/{id}/"""
        repo = self.repositories.get(call.param_id())
        if repo is None or not call.can_see(repo['user']):
            raise not_found()
        return self.svc.respond(call, 200, self.render_repository(repo))

    # -- system ------------------------------------------------------------------
    def version_get(self, call):
        """GET /api/system/version/ (the server's version, whatever the requested one)."""
        api_version = self.svc.config['api_version']
        return self.svc.respond(call, 200, {'api_version': api_version, 'cpm_version': CPM_VERSIONS[api_version]})

    # -- admin -------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'users' and method == 'GET':
            return {'users': [dict(user, profile=dict(user['profile'])) for user in self.users.values()]}
        if action == 'users' and method == 'POST':
            return {'ok': True, 'user': self._admin_add_user(params)}
        return NotImplemented

    def _admin_add_user(self, params):
        username = params.get('username')
        user_type = params.get('user_type', 'independent')
        if not isinstance(username, str) or not username:
            raise AdminError(400, '"username" is required')
        if user_type not in ('independent', 'managed', 'delegate'):
            raise AdminError(400, 'user_type must be independent, managed or delegate')
        original = params.get('original_user')
        if user_type == 'delegate' and original not in self.users:
            raise AdminError(400, 'a delegate needs an existing original_user')
        api_key = params.get('api_key')
        if api_key is not None and (not isinstance(api_key, str) or not api_key or self.user_by_key(api_key)):
            raise AdminError(400, 'api_key must be a new non-empty string')
        user = self.add_user(username, user_type, email=str(params.get('email') or ''), managed=user_type == 'managed',
                             api_key=api_key, original_user=original if user_type == 'delegate' else None,
                             flags=params.get('flags') if user_type == 'delegate' else None)
        if params.get('is_external_authentication'):  # an IdP user (part 3, D60): no password operations, no updates
            user['profile']['is_external_authentication'] = True
            user['profile']['domain_name'] = str(params.get('domain_name') or 'example.com')
        if user_type == 'managed':
            self.users[ROOT_ID]['profile']['applied_managed_users'].append(user['id'])
        return dict(user, profile=dict(user['profile']))


def versions_up_to(api_version):
    """The API versions a server of this version accepts."""
    return API_VERSIONS[:API_VERSIONS.index(api_version) + 1]
