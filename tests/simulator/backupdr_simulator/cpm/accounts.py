# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Accounts (Ch.4): backup and DR accounts, the generic account views, AWS permission checks, snapshot wipes."""

import hashlib

from ..core import AdminError
from .api import (ApiError, F, Family, Route, apply_list, csv_response, exact, forbidden, invalid, not_found,
                  page_response, validate)
from .directory import REGION_BY_NAME, ROOT_ID

AUTH_CHOICES = ('C', 'R', 'A')
CPM_OWN_ACCOUNT = '123456789012'
BACKUP_GROUPS = ('EC2', 'EBS', 'RDS', 'Aurora', 'Redshift', 'DynamoDB', 'EFS', 'S3', 'IAM')
DR_GROUPS = ('EC2', 'EBS', 'RDS', 'Aurora', 'EFS', 'KMS')

# (name, kind, user, authentication, aws_access_key, aws_secret_key, account_number, assume_from)
DEFAULT_ACCOUNTS = (
    ('main', 'backup', 1, 'C', 'AKIASIMMAINACCOUNT01', 'sim-secret-main-NOT-REAL', '111111111111', None),
    ('dr-vault', 'dr', 1, 'C', 'AKIASIMDRVAULT000001', 'sim-secret-dr-NOT-REAL', '222222222222', None),
    ('managed-main', 'backup', 3, 'C', 'AKIASIMMANAGED000001', 'sim-secret-managed-NOT-REAL', '333333333333', None),
    ('tenant-main', 'backup', 2, 'C', 'AKIASIMTENANT0000001', 'sim-secret-tenant-NOT-REAL', '444444444444', None),
)

COMMON_SPEC = {
    'account_number': F('str', nullable=True, default=None),
    'assume_from_account': F('pk', nullable=True, default=None, model='account'),
    'authentication': F('choice', required=True, choices=AUTH_CHOICES),
    'aws_access_key': F('str', nullable=True, default=None),
    'aws_secret_key': F('str', nullable=True, default=None, write_only=True),
    'external_id': F('str', nullable=True, default=None),
    'is_dr_account': F('bool', default=False),
    'name': F('str', required=True, blank=False, name_rule=True),
    'role_name': F('str', nullable=True, default=None),
}
BACKUP_SPEC = dict(COMMON_SPEC, **{
    'capture_vpcs': F('bool', default=False),
    'scan_regions': F('ids', default=[REGION_BY_NAME['us-east-1']], model='region'),
    'scan_resource_types': F('ids', default=[], model='resource_type'),
    'scan_tagged_resources': F('bool', default=False),
})
DR_SPEC = dict(COMMON_SPEC, **{'allow_deleting_snapshots': F('bool', default=False)})
USER_FIELD = {'user': F('pk', required=True, model='user')}
BACKUP_FIELDS = ('account_number', 'associated_repositories', 'assume_from_account', 'authentication', 'aws_access_key',
                 'capture_vpcs', 'external_id', 'id', 'is_dr_account', 'name', 'related_policies', 'role_name',
                 'scan_regions', 'scan_resource_types', 'scan_tagged_resources', 'user')
DR_FIELDS = ('account_number', 'allow_deleting_snapshots', 'associated_repositories', 'assume_from_account',
             'authentication', 'aws_access_key', 'external_id', 'id', 'is_dr_account', 'name', 'related_policies',
             'role_name', 'user')


def derived_account_number(account):
    """The AWS account CPM would discover for keys or its own role (D14)."""
    if account['authentication'] == 'R':
        return CPM_OWN_ACCOUNT
    seed = account.get('aws_access_key') or account['name']
    return str(int(hashlib.sha1(seed.encode('utf-8')).hexdigest(), 16) % 10 ** 12).zfill(12)


class AccountsFamily(Family):
    """``/api/accounts/``, ``/api/accounts/backup/``, ``/api/accounts/dr/``."""

    name = 'accounts'

    def reset(self):
        self.accounts = {}
        self.seq = 0
        self.permission_overrides = {}

    def populate(self):
        for name, kind, user, auth, key, secret, number, assume in DEFAULT_ACCOUNTS:
            self.add(kind, {'name': name, 'user': user, 'authentication': auth, 'aws_access_key': key,
                            'aws_secret_key': secret, 'account_number': number, 'assume_from_account': assume})
        self.svc.directory.add_repository('main-repo', 1, 'cpm-sim-main-repo', 'us-east-1', 'S3 repository of main')

    def add(self, kind, values):
        """Store a new account (values already validated)."""
        self.seq += 1
        spec = BACKUP_SPEC if kind == 'backup' else DR_SPEC
        account = dict((name, field.default_value()) for name, field in spec.items())
        account.update(values)
        account['aws_secret_key'] = values.get('aws_secret_key')
        account.update(id=self.seq, kind=kind, is_dr_account=kind == 'dr')
        if not account.get('account_number'):
            account['account_number'] = derived_account_number(account)
        self.accounts[account['id']] = account
        return account

    # -- rendering -----------------------------------------------------------------
    def _related(self):
        policies = {}
        for policy in self.svc.policies.policies.values():
            policies.setdefault(policy['account'], []).append(policy['id'])
        repositories = {}
        for repo in self.svc.directory.repositories.values():
            repositories.setdefault(repo['account'], []).append(repo['id'])
        return policies, repositories

    def renderer(self, shape):
        """A render function (``shape``: backup, dr or generic) sharing one related-ids scan."""
        policies, repositories = self._related()

        def render(account):
            out = {}
            fields = DR_FIELDS if shape == 'dr' else BACKUP_FIELDS
            for name in fields:
                if name == 'related_policies':
                    out[name] = list(policies.get(account['id'], ()))
                elif name == 'associated_repositories':
                    out[name] = list(repositories.get(account['id'], ()))
                elif name in account:
                    out[name] = list(account[name]) if isinstance(account[name], list) else account[name]
                else:  # a DR account in the generic (backup-shaped) view
                    out[name] = BACKUP_SPEC[name].default_value() if name in BACKUP_SPEC else None
            if shape == 'generic' and account['kind'] == 'dr':
                out['scan_regions'] = []
            return out
        return render

    # -- routes ------------------------------------------------------------------
    def routes(self):
        routes = [
            Route('GET', 'accounts/', self.list_generic, '1.2.0', None, 1511),
            Route('GET', 'accounts/{id}/', self.get_generic, '1.2.0', None, 4067),
            Route('DELETE', 'accounts/{id}/', self.delete_generic, '1.3.0', 'account', 4235),
            Route('DELETE', 'accounts/{id}/snapshots/', self.wipe_generic, '1.3.0', 'account', 4278),
        ]
        lines = {'backup': (1723, 2013, 2225, 2393, 2686, 2729, 2800, 3027),
                 'dr': (3075, 3305, 3490, 3632, 3864, 3907, 3978, 4019)}
        for kind in ('backup', 'dr'):
            create, lst, get, put, delete, check, download, wipe = lines[kind]
            base = 'accounts/%s/' % kind
            routes += [
                Route('POST', base, self._bind(self.create, kind), '1.0.0', 'account', create),
                Route('GET', base, self._bind(self.list_kind, kind), '1.0.0', None, lst),
                Route('GET', base + '{id}/', self._bind(self.get_kind, kind), '1.0.0', None, get),
                Route('PUT', base + '{id}/', self._bind(self.update, kind), '1.0.0', 'account', put),
                Route('DELETE', base + '{id}/', self._bind(self.delete_kind, kind), '1.0.0', 'account', delete),
                Route('GET', base + '{id}/check_aws_permissions/', self._bind(self.check, kind), '1.4.0', None, check),
                Route('GET', base + '{id}/check_aws_permissions/download/', self._bind(self.check_csv, kind), '1.4.0',
                      None, download, csv='download'),
                Route('DELETE', base + '{id}/snapshots/', self._bind(self.wipe_kind, kind), '1.0.0', 'account', wipe),
            ]
        return routes

    @staticmethod
    def _bind(method, kind):
        def handler(call):
            return method(call, kind)
        handler.__doc__ = method.__doc__
        return handler

    def _visible(self, call, kind=None):
        return [account for account in self.accounts.values()
                if call.can_see(account['user']) and (kind is None or account['kind'] == kind)]

    def _get(self, call, kind=None):
        account = self.accounts.get(call.param_id())
        if account is None or not call.can_see(account['user']) or (kind is not None and account['kind'] != kind):
            raise not_found()
        return account

    def _list(self, call, items, render):
        items = apply_list(
            call, items,
            filters={'name': exact(lambda a: a['name']), 'user': exact(lambda a: a['user'], 'int')},
            search=[lambda a: a['name'], lambda a: a['aws_access_key']],
            ordering={'authentication': lambda a: a['authentication'], 'name': lambda a: a['name'],
                      'user': lambda a: a['user']})
        return page_response(call, items, render)

    # -- handlers ------------------------------------------------------------------
    def list_generic(self, call):
        """GET /api/accounts/ (backup and DR accounts, backup-account shape)"""
        return self._list(call, self._visible(call), self.renderer('generic'))

    def get_generic(self, call):
        """GET /api/accounts/{id}/"""
        return self.svc.respond(call, 200, self.renderer('generic')(self._get(call)))

    def list_kind(self, call, kind):
        """GET /api/accounts/backup/ and /api/accounts/dr/"""
        return self._list(call, self._visible(call, kind), self.renderer(kind))

    def get_kind(self, call, kind):
        """GET /api/accounts/{backup|dr}/{id}/"""
        return self.svc.respond(call, 200, self.renderer(kind)(self._get(call, kind)))

    def create(self, call, kind):
        """POST /api/accounts/{backup|dr}/ -> 201"""
        config = self.svc.config
        if kind == 'dr' and not config['license_cross_account']:
            raise forbidden('Cross-account authorization is not enabled in the license.')
        spec = dict(BACKUP_SPEC if kind == 'backup' else DR_SPEC, **USER_FIELD)
        values = validate(spec, call.body_dict(), self.svc.lookup(call))
        call.check_owner_for_create(values['user'])
        if call.user['user_type'] == 'delegate' and values['user'] != call.owner['id']:
            raise forbidden()
        self._check(call, values, None, kind)
        limit = config['license_max_accounts']
        if limit and len(self.accounts) >= limit:
            raise forbidden('The maximum number of accounts allowed by the license (%d) has been reached.' % limit)
        account = self.add(kind, values)
        return self.svc.respond(call, 201, self.renderer(kind)(account))

    def update(self, call, kind):
        """PUT /api/accounts/{backup|dr}/{id}/ (``user`` is not accepted: create-only)"""
        if not self.svc.config['license_cross_account']:
            raise forbidden('Cross-account authorization is not enabled in the license.')
        account = self._get(call, kind)
        spec = BACKUP_SPEC if kind == 'backup' else DR_SPEC
        mode = 'merge' if self.svc.config['put_semantics'] == 'merge' else 'replace'
        values = validate(spec, call.body_dict(), self.svc.lookup(call), current=account, mode=mode)
        if values.get('aws_secret_key') is None:
            values['aws_secret_key'] = account['aws_secret_key']  # a write-only secret is kept (D14)
        values['user'] = account['user']
        self._check(call, values, account, kind)
        account.update(values)
        account['is_dr_account'] = kind == 'dr'
        if not account.get('account_number'):
            account['account_number'] = derived_account_number(account)
        return self.svc.respond(call, 200, self.renderer(kind)(account))

    def _check(self, call, values, account, kind):
        """Cross-field rules of the authentication methods, unique names (D14)."""
        errors = {}
        auth = values['authentication']
        if auth == 'R' and (call.owner is None or call.owner['id'] != ROOT_ID):
            raise forbidden('Only the root user and his delegates can use the CPM Instance IAM Role.')
        if auth == 'C':
            for key in ('aws_access_key', 'aws_secret_key'):
                if not values.get(key):
                    errors[key] = [('This field is required.', 'required')]
        if auth == 'A':
            source = values.get('assume_from_account')
            if source is None:
                errors['assume_from_account'] = [('This field is required.', 'required')]
            elif (account is not None and source == account['id']) or self.accounts[source]['kind'] != 'backup':
                errors['assume_from_account'] = [('Invalid pk "%s" - object does not exist.' % source, 'does_not_exist')]
            if not values.get('role_name'):
                errors['role_name'] = [('This field is required.', 'required')]
            if not values.get('account_number'):
                errors['account_number'] = [('This field is required.', 'required')]
        number = values.get('account_number')
        if number and not (len(number) == 12 and number.isdigit()):
            errors.setdefault('account_number', []).append(('Ensure this field has exactly 12 digits.', 'invalid'))
        if self.svc.config['unique_names']:
            for other in self.accounts.values():
                if other['user'] == values['user'] and other['name'] == values['name'] and \
                        (account is None or other['id'] != account['id']):
                    errors.setdefault('name', []).append(('Account with this name already exists.', 'unique'))
                    break
        if errors:
            raise ApiError(400, errors)

    def delete_kind(self, call, kind):
        """DELETE /api/accounts/{backup|dr}/{id}/ (snapshots are kept)"""
        self.remove(self._get(call, kind))
        return self.svc.respond(call, 204, None)

    def delete_generic(self, call):
        """DELETE /api/accounts/{id}/"""
        self.remove(self._get(call))
        return self.svc.respond(call, 204, None)

    def remove(self, account):
        """Delete an account: its policies (and their targets) and repositories go, backups and snapshots stay (D15)."""
        account_id = account['id']
        for policy in [p for p in self.svc.policies.policies.values() if p['account'] == account_id]:
            self.svc.policies.remove(policy, drop_backups=False)
        for repo_id in [r['id'] for r in self.svc.directory.repositories.values() if r['account'] == account_id]:
            del self.svc.directory.repositories[repo_id]
            for policy in self.svc.policies.policies.values():
                if policy['copy_to_s3']['repository'] == repo_id:
                    policy['copy_to_s3']['repository'] = None
                    policy['copy_to_s3']['enabled'] = False
        for other in self.accounts.values():
            if other.get('assume_from_account') == account_id:
                other['assume_from_account'] = None
        for policy in self.svc.policies.policies.values():
            if policy['dr']['cross_account_dr']['dr_account'] == account_id:
                policy['dr']['cross_account_dr']['dr_account'] = None
        del self.accounts[account_id]
        self.svc.inventory.estates.pop(account_id, None)

    def wipe_kind(self, call, kind):
        """DELETE /api/accounts/{backup|dr}/{id}/snapshots/"""
        account = self._get(call, kind)
        self.svc.backups.delete_snapshots(call.now, account=account['id'])
        return self.svc.respond(call, 204, None)

    def wipe_generic(self, call):
        """DELETE /api/accounts/{id}/snapshots/"""
        account = self._get(call)
        self.svc.backups.delete_snapshots(call.now, account=account['id'])
        return self.svc.respond(call, 204, None)

    # -- AWS permission checks (D16) --------------------------------------------------
    def permission_rows(self, account):
        """The check_aws_permissions rows of an account."""
        override = self.permission_overrides.get(account['id'])
        groups = ['%s: OK' % group for group in (DR_GROUPS if account['kind'] == 'dr' else BACKUP_GROUPS)]
        row = {'account_name': account['name'], 'account_number': account['account_number'], 'connection': 'OK',
               'groups': groups}
        if override:
            row.update(override)
        return [row]

    def check(self, call, kind):
        """GET /api/accounts/{backup|dr}/{id}/check_aws_permissions/"""
        return self.svc.respond(call, 200, self.permission_rows(self._get(call, kind)))

    def check_csv(self, call, kind):
        """GET /api/accounts/{backup|dr}/{id}/check_aws_permissions/download/ (text/csv)"""
        account = self._get(call, kind)
        rows = [(row['account_name'], row['account_number'], row['connection'], '; '.join(row['groups']))
                for row in self.permission_rows(account)]
        return csv_response(rows, ('Account Name', 'Account Number', 'Connection', 'Groups'),
                            'aws_permissions_%s.csv' % account['name'])

    # -- admin -------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'account-permissions' and method == 'POST':
            try:
                account_id = int(params.get('account'))
            except (TypeError, ValueError) as exc:
                raise AdminError(400, '"account" (an id) is required') from exc
            if account_id not in self.accounts:
                raise AdminError(404, 'account %s not found' % account_id)
            override = {}
            if 'connection' in params:
                override['connection'] = str(params['connection'])
            if 'groups' in params:
                if not isinstance(params['groups'], list):
                    raise AdminError(400, 'groups must be a list of strings')
                override['groups'] = [str(group) for group in params['groups']]
            if override:
                self.permission_overrides[account_id] = override
            else:
                self.permission_overrides.pop(account_id, None)
            return {'ok': True, 'rows': self.permission_rows(self.accounts[account_id])}
        if action == 'accounts' and method == 'GET':
            return {'accounts': [dict((k, v) for k, v in a.items() if k != 'aws_secret_key') for a in self.accounts.values()]}
        return NotImplemented


def check_account_visible(call, account_id):
    """400 does_not_exist unless the account is visible."""
    account = call.svc.accounts.accounts.get(account_id)
    if account is None or not call.can_see(account['user']):
        raise invalid('account', 'Invalid pk "%s" - object does not exist.' % account_id, 'does_not_exist')
    return account
