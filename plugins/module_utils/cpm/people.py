# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM users (Ch.26), delegates (Ch.10) and the identity provider (Ch.23, ``settings/identity_provider/``).

Readings (seed lines in the simulator's D60/D63):

* A user or delegate is found by ``username`` (unique over users and
  delegates); ``username``, the password and a delegate's ``original_user``
  are create-only (the PUT bodies carry ``email`` and ``profile`` only).
* Passwords are write-only: sent when the user is created, and with
  ``update_password=always`` through ``reset_password/`` (the seed's only way
  to set another user's password); never compared, never returned.
* The full-body PUT carries the profile keys the seed's PUT schema has, read
  from the current object, with the given ones changed.
* Deleting a user deletes his accounts (and their policies and backups); CPM
  refuses it while the user has delegates.  The modules say so before any
  write and need an explicit option.
* Identity provider group mappings are one table: users groups (``user_type``
  I or M) and delegates groups (``user_type`` D, ``original_username``); the
  combined ``groups/`` list (1.1.0) finds them by name, writes go to the
  kind's own path.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm import administration  # noqa: F401 pylint: disable=unused-import
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.administration import FlagsField
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id, deep_merge, unflatten
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import Code
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMField, CPMResourceType
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import unique_by_name
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_url

QUOTAS = ('max_accounts', 'max_controlled_entities', 'max_dynamodb_gib', 'max_independent_ebs_gib', 'max_instances',
          'max_rds_gib', 'max_redshift_gib')
USER_PROFILE_KEYS = ('allow_cost_explorer', 'allow_file_level_recovery', 'applied_managed_users',
                     'is_managed_user') + QUOTAS
DELEGATE_FLAGS = ('allow_account_changes', 'allow_backup_changes', 'allow_recovery', 'allow_settings_changes')
IDP_USER_TYPE = Code('user_type', [('I', 'independent', 'Independent'), ('M', 'managed', 'Managed')])
NAMEID_FORMATS = ('windows', 'transient', 'persistent', 'x509', 'encrypted', 'kerberos', 'email', 'unspecified',
                  'entity')


def check_password(value, option):
    """A password: at least 8 characters, one line (CPM's validators say the rest, without echoing it)."""
    if value is None:
        return None
    text = str(value)
    if len(text) < 8:
        raise ValidationError(option, 'must be at least 8 characters long (CPM refuses shorter passwords)')
    if '\n' in text or '\r' in text:
        raise ValidationError(option, 'must be one line')
    return text


def check_email(value, option='email'):
    if value in (None, ''):
        return value
    text = str(value).strip()
    local, sep, domain = text.partition('@')
    if not sep or not local or '.' not in domain or ' ' in text or len(text) > 254:
        raise ValidationError(option, '%r is not an e-mail address' % (value,))
    return text


class NamedByUsername(CPMResourceType):
    """Users and delegates are named by ``username``."""

    def find_by_name(self, name):
        return unique_by_name(self.list(), name, 'username', self.kind, id_key='id', name_key='username',
                              ids_label='id', hint='give its id instead')


def quota_fields():
    return [CPMField('quotas.%s' % name, key='profile.%s' % name, kind='int', minimum=0) for name in QUOTAS]


class UserType(NamedByUsername):
    kind = 'user'
    feature = 'user_writes'
    perm = 'root'
    name_key = name_option = 'username'
    list_path = create_path = 'users/'
    get_path = update_path = delete_path = 'users/{id}/'
    writable = ('email', 'profile')
    name_filter = None

    def __init__(self, client, params=None):
        super(UserType, self).__init__(client, params)
        self.fields = [
            CPMField('username', create_only=True),
            CPMField('email', normalize=check_email),
            CPMField('managed', key='profile.is_managed_user', kind='bool', create_only=True),
            CPMField('allow_cost_explorer', key='profile.allow_cost_explorer', kind='bool'),
            CPMField('allow_file_level_recovery', key='profile.allow_file_level_recovery', kind='bool'),
            CPMField('managed_users', key='profile.applied_managed_users', kind='ids'),
        ] + quota_fields()

    def list(self):
        return self.client.list('users/', feature='users')

    def get(self, rid):
        return self.client.get_or_none('users/%d/' % as_id(rid), feature='users')

    def put_body(self, current, payload):
        profile = dict((key, value) for key, value in (current.get('profile') or {}).items()
                       if key in USER_PROFILE_KEYS)
        base = {'email': current.get('email') or '', 'profile': profile}
        return deep_merge(base, unflatten(payload))

    def create(self, payload):
        body = deep_merge(unflatten(payload), self.create_body)
        body.setdefault('profile', {})
        return self.client.post(self.create_path, body, feature=self.feature, perm=self.perm)


class DelegateType(NamedByUsername):
    kind = 'delegate'
    feature = 'delegates'
    perm = 'root'
    name_key = name_option = 'username'
    list_path = create_path = 'delegates/'
    get_path = update_path = delete_path = 'delegates/{id}/'
    writable = ('email', 'profile')
    name_filter = 'search'

    def __init__(self, client, params=None):
        super(DelegateType, self).__init__(client, params)
        self.fields = [
            CPMField('username', create_only=True),
            CPMField('email', normalize=check_email),
            CPMField('original_user', key='profile.original_user', kind='raw', create_only=True, parse=as_id),
            FlagsField('permissions', DELEGATE_FLAGS, prefix='profile.'),
        ]

    def put_body(self, current, payload):
        profile = dict((flag, (current.get('profile') or {}).get(flag, False)) for flag in DELEGATE_FLAGS)
        base = {'email': current.get('email') or '', 'profile': profile}
        return deep_merge(base, unflatten(payload))


def delegates_of(client, user_id):
    """The delegates of a user (root's view)."""
    return [d for d in client.list('delegates/', {'original_user': as_id(user_id)}, feature='delegates')
            if as_id((d.get('profile') or {}).get('original_user')) == as_id(user_id)]


def user_view(flat):
    """A user or delegate as modules return it (the API's keys; no password is ever there)."""
    return dict(flat or {})


# -- identity provider --------------------------------------------------------------------------------------------

def _url(value):
    if value in (None, ''):
        return value
    return check_url(value, 'settings', schemes=('https', 'http'))


def idp_fields():
    return [
        CPMField('enabled', key='directory_service_enabled', kind='bool'),
        CPMField('entity_id', nullable=True),
        CPMField('signin_url', normalize=_url, nullable=True),
        CPMField('signout_url', normalize=_url, nullable=True),
        CPMField('cpm_address', nullable=True),
        CPMField('nameid_format'),
    ]


IDP_WRITABLE = ('cpm_address', 'directory_service_enabled', 'entity_id', 'nameid_format', 'signin_url',
                'signout_url')


class IdpGroupType(CPMResourceType):
    """A group mapping; ``group_kind`` is ``users`` or ``delegates``."""

    kind = 'group'
    feature = 'idp_groups'
    perm = 'root'
    list_path = 'settings/identity_provider/groups/'
    name_filter = None

    def __init__(self, client, params=None):
        super(IdpGroupType, self).__init__(client, params)
        self.group_kind = (params or {}).get('kind') or 'users'
        base = 'settings/identity_provider/groups/%s/' % self.group_kind
        self.create_path = base
        self.get_path = self.update_path = self.delete_path = base + '{id}/'
        self.fields = [CPMField('name'), CPMField('enabled', kind='bool')]
        if self.group_kind == 'users':
            self.fields += [
                CPMField('user_type', kind='code', code=IDP_USER_TYPE),
                CPMField('allow_cost_explorer', kind='bool'),
                CPMField('allow_file_level_restore', kind='bool'),
            ] + [CPMField('quotas.%s' % q, key=q, kind='int', minimum=0) for q in QUOTAS]
            self.writable = ('name', 'user_type', 'enabled', 'allow_cost_explorer', 'allow_file_level_restore') + QUOTAS
        else:
            self.fields += [
                CPMField('original_username'),
                FlagsField('permissions', DELEGATE_FLAGS[:3]),
            ]
            self.writable = ('name', 'original_username', 'enabled') + DELEGATE_FLAGS[:3]

    def _mine(self, item):
        return (item.get('user_type') == 'D') == (self.group_kind == 'delegates')

    def list(self):
        return [g for g in self.client.list(self.list_path, feature='idp_groups') if self._mine(g)]

    def get(self, rid):
        for item in self.list():
            if as_id(item.get('id')) == as_id(rid):
                return item
        return None

    def update(self, current, payload, changes):
        self.client.require('idp_group_kinds', 'state')
        return super(IdpGroupType, self).update(current, payload, changes)

    def view(self, flat):
        out = dict(flat or {})
        if flat and self.group_kind == 'users':
            out['user_type'] = IDP_USER_TYPE.readable(flat.get('user_type'))
            out['user_type_code'] = flat.get('user_type')
        return out
