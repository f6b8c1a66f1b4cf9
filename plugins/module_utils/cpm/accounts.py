# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM accounts (seed Ch.4): backup and DR accounts, every authentication method, AWS permission checks.

Readings: the endpoint decides the kind (``accounts/backup/`` or
``accounts/dr/``); ``user`` is create-only (absent from the PUT body);
``aws_secret_key`` is write-only (never returned: it cannot be compared, see
``update_secret``); deleting an account keeps its snapshots (L2689).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import AUTHENTICATION
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import ASSUMED, Refs, check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMField, CPMResourceType
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, pattern, matches

ACCOUNT_NUMBER_RE = pattern(r'\d{12}')
#: Options of backup accounts only, of DR accounts only.
BACKUP_ONLY = ('capture_vpcs', 'scan_regions', 'scan_resource_types', 'scan_tagged_resources')
DR_ONLY = ('allow_deleting_snapshots',)
COMMON_WRITABLE = ('account_number', 'assume_from_account', 'authentication', 'aws_access_key', 'external_id',
                   'is_dr_account', 'name', 'role_name')
WRITABLE = {
    'backup': COMMON_WRITABLE + BACKUP_ONLY,
    'dr': COMMON_WRITABLE + DR_ONLY,
}


def _account_number(value):
    text = str(value).strip()
    if not matches(ACCOUNT_NUMBER_RE, text):
        raise ValueError('%r is not a 12-digit AWS account number' % (value,))
    return text


def _region_names(values):
    return [check_aws_region(v, 'scan_regions') for v in values]


def _names(values):
    return [str(v).strip() for v in values]


def _raw_ref(value):
    return value


def account_fields():
    return [
        CPMField('name'),
        CPMField('authentication', kind='code', code=AUTHENTICATION),
        CPMField('aws_access_key'),
        CPMField('aws_secret_key', secret=True, readable=False),
        CPMField('account_number', normalize=_account_number),
        CPMField('assume_from_account', kind='raw', normalize=_raw_ref, parse=as_id),
        CPMField('role_name'),
        CPMField('external_id'),
        CPMField('capture_vpcs', kind='bool'),
        CPMField('scan_regions', kind='ids', normalize=_region_names),
        CPMField('scan_resource_types', kind='ids', normalize=_names),
        CPMField('scan_tagged_resources', kind='bool'),
        CPMField('allow_deleting_snapshots', kind='bool'),
        CPMField('user', kind='raw', create_only=True, normalize=_raw_ref, parse=as_id),
    ]


class AccountType(CPMResourceType):
    """A backup or DR account (``kind`` in the params: ``backup`` or ``dr``)."""

    kind = 'account'
    feature = 'accounts'
    perm = 'account'
    name_filter = 'name'  # the accounts' exact name filter (L1528)

    def __init__(self, client, params=None, module=None):
        super(AccountType, self).__init__(client, params)
        self.account_kind = (params or {}).get('kind') or 'backup'
        base = 'accounts/%s/' % self.account_kind
        self.list_path = self.create_path = base
        self.get_path = self.update_path = self.delete_path = base + '{id}/'
        self.fields = account_fields()
        self.writable = WRITABLE[self.account_kind]
        self.secret_keys = ('aws_secret_key',)
        self.refs = Refs(client, module)
        self.module = module
        self._owner = None
        for field in self.fields:
            if field.option == 'scan_regions':
                field.display = self.refs.region_names
            elif field.option == 'scan_resource_types':
                field.display = self.refs.resource_type_names

    def list_params(self):
        if self.params.get('user') not in (None, ''):
            return {'user': self.owner()}
        return {}

    def owner(self):
        if self._owner is None:
            self._owner = self.refs.owner(self.params.get('user'), 'user')
        return self._owner

    # -- hooks ------------------------------------------------------------------------------------------------------
    def validate(self, desired):
        other = DR_ONLY if self.account_kind == 'backup' else BACKUP_ONLY
        for option in other:
            if option in desired:
                raise ValidationError(option, 'applies to %s accounts only; this is a %s account (kind=%s)' % (
                    'DR' if self.account_kind == 'backup' else 'backup',
                    'backup' if self.account_kind == 'backup' else 'DR', self.account_kind))
        if 'scan_resource_types' in desired:
            self.client.require('resource_types', 'scan_resource_types')

    def check_auth(self, wanted, current):
        """The authentication method's required options (given or already set), before any write."""
        current = current or {}
        auth = wanted.get('authentication') or current.get('authentication')
        if auth is None:
            raise ValidationError('authentication', 'is required to create an account (cpm_instance_role, iam_user '
                                                    'or assume_role)')

        def have(option):
            return wanted.get(option) not in (None, '') or current.get(option) not in (None, '')
        if auth == 'C':
            if not have('aws_access_key'):
                raise ValidationError('aws_access_key', 'is required with authentication=iam_user')
            if current.get('authentication') != 'C' and wanted.get('aws_secret_key') in (None, ''):
                raise ValidationError('aws_secret_key', 'is required with authentication=iam_user when the account '
                                                        'is created or switched to IAM user keys')
        elif auth == 'A':
            for option in ('assume_from_account', 'role_name', 'account_number'):
                if not have(option):
                    raise ValidationError(option, 'is required with authentication=assume_role')
        return auth

    def resolve(self, desired):
        wanted = dict(desired)
        if wanted.get('assume_from_account') not in (None, ''):
            wanted['assume_from_account'] = self.refs.account_id(wanted['assume_from_account'], 'assume_from_account',
                                                                 'backup')
        if 'scan_regions' in wanted:
            wanted['scan_regions'] = self.refs.region_ids(wanted['scan_regions'], 'scan_regions')
        if 'scan_resource_types' in wanted:
            wanted['scan_resource_types'] = self.refs.resource_type_ids(wanted['scan_resource_types'],
                                                                        'scan_resource_types')
        if wanted.get('user') not in (None, ''):
            wanted['user'] = self.refs.user_id(wanted['user'], 'user')
        return wanted

    def create_defaults(self):
        return {'user': self.owner()}

    def create(self, payload):
        if self.account_kind == 'dr':
            payload = dict(payload, is_dr_account=True)
        return super(AccountType, self).create(payload)

    # -- views ---------------------------------------------------------------------------------------------------------
    def view(self, flat):
        out = super(AccountType, self).view(flat)
        if not out:
            return out
        out['kind'] = 'dr' if flat.get('is_dr_account') or self.account_kind == 'dr' else 'backup'
        if 'scan_regions' in flat:
            out['scan_region_ids'] = list(flat.get('scan_regions') or [])
            out['scan_regions'] = self.refs.region_names(flat.get('scan_regions'))
        return out


def account_view(account, refs=None, kind=None):
    """An account as the info module returns it (authentication readable, regions by name)."""
    out = dict((k, v) for k, v in account.items() if k != 'aws_secret_key')
    letter = account.get('authentication')
    out['authentication'] = AUTHENTICATION.readable(letter)
    out['authentication_code'] = letter
    out['kind'] = kind or ('dr' if account.get('is_dr_account') else 'backup')
    if refs is not None and account.get('scan_regions') is not None:
        out['scan_region_ids'] = list(account.get('scan_regions') or [])
        out['scan_regions'] = refs.region_names(account.get('scan_regions'))
    return out


def permission_check(client, kind, account_id):
    """``GET accounts/{kind}/{id}/check_aws_permissions/`` rows (1.4.0)."""
    client.require('check_aws_permissions', 'check_aws_permissions')
    rows = client.get('accounts/%s/%d/check_aws_permissions/' % (kind, as_id(account_id)),
                      feature='check_aws_permissions') or []
    return rows if isinstance(rows, list) else [rows]


def permission_problems(rows):
    """Lines for the rows whose connection or groups are not OK (for a warning)."""
    problems = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        connection = str(row.get('connection') or '')
        bad_groups = [g for g in row.get('groups') or () if not str(g).strip().upper().endswith('OK')]
        if connection.strip().upper() != 'OK' or bad_groups:
            problems.append('%s (%s): connection %s%s' % (
                row.get('account_name'), row.get('account_number'), connection or 'unknown',
                '; ' + ', '.join(str(g) for g in bad_groups) if bad_groups else ''))
    return problems


__all__ = ['AccountType', 'account_view', 'permission_check', 'permission_problems', 'ASSUMED']
