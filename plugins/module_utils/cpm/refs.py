# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""References by name or id: users, accounts, schedules, policies, S3 repositories, regions.

CPM has an exact ``name`` filter for accounts only; policies, schedules, users
and S3 repositories are narrowed with ``search`` and matched exactly on the
client.  Two objects of one name are never guessed between: the error lists
their ids (give the id instead).  A reference that does not exist is an
error, except in check mode, where it is a warning saying what is assumed
(an earlier task of the same play would create it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import (
    as_id, find_named, is_id,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import missing_reference
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, pattern, matches

#: AWS region names (``us-east-1``, ``eu-central-2``, ``us-gov-west-1``, ``cn-north-1``...).
AWS_REGION_RE = pattern(r'[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}')
#: A placeholder id for a reference that check mode assumes an earlier task creates.
ASSUMED = -1


def check_aws_region(value, option):
    """An AWS region name, checked before any request (``us-east-1``)."""
    text = str(value).strip() if value is not None else ''
    if not matches(AWS_REGION_RE, text):
        raise ValidationError(option, '%r is not an AWS region name such as us-east-1 or eu-west-2' % (value,))
    return text


class Refs:
    """Resolves the references of one module run (results memoised on the client)."""

    def __init__(self, client, module=None):
        self.client = client
        self.module = module

    def _missing(self, option, kind, name, message=None):
        return missing_reference(self.module, option, kind, name, placeholder=ASSUMED,
                                 message=message or 'no %s is named %r' % (kind, name))

    # -- users ---------------------------------------------------------------------------------------------------
    def users(self):
        """The users (root only), or None when the API key's user may not list them (403)."""
        def produce():
            try:
                return self.client.list('users/', feature='users')
            except ApiError as err:
                if err.status == 403:
                    return None
                raise
        return self.client.memo('users', produce)

    def user_id(self, ref, option='user'):
        """A user id from an id or a user name (names need the root user's API key)."""
        if ref is None or ref == '':
            return None
        if is_id(ref):
            return as_id(ref)
        users = self.users()
        if users is None:
            raise ValidationError(option, 'only the root user may look users up by name; give the id of user %r'
                                  % (ref,))
        found = [u for u in users if u.get('username') == str(ref)]
        if not found:
            raise ValidationError(option, 'no CPM user is named %r' % (ref,))
        return as_id(found[0]['id'])

    def default_owner(self, option='user'):
        """The user this API key acts for, when CPM lets it be told: the one owner of the visible backup accounts
        (the root user's managed users set aside), else an error asking for ``option``."""
        def produce():
            accounts = self.client.list('accounts/backup/', feature='accounts')
            owners = sorted(set(as_id(a['user']) for a in accounts if a.get('user') is not None))
            if len(owners) == 1:
                return owners[0]
            users = self.users()
            if users is not None and owners:
                managed = set(as_id(u.get('id')) for u in users if (u.get('profile') or {}).get('is_managed_user'))
                unmanaged = [o for o in owners if o not in managed]
                if len(unmanaged) == 1:
                    return unmanaged[0]
            return None
        owner = self.client.memo('default_owner', produce)
        if owner is None:
            raise ValidationError(option, 'cannot tell which CPM user this API key acts for (the visible accounts '
                                  'have several owners, or none); give %s (a user id; the root user may give a '
                                  'user name)' % option)
        return owner

    def owner(self, ref, option='user'):
        """``ref`` resolved, else the default owner."""
        return self.user_id(ref, option) if ref not in (None, '') else self.default_owner(option)

    # -- accounts ----------------------------------------------------------------------------------------------------
    def account(self, ref, option='account', kind='backup', owner=None):
        """The account (backup or dr) named or numbered ``ref``; None in check mode when missing (warned)."""
        path = 'accounts/%s/' % kind
        what = 'DR account' if kind == 'dr' else 'backup account'
        if is_id(ref):
            found = self.client.get_or_none('%s%d/' % (path, as_id(ref)), feature='accounts')
            if found is None:
                other = 'backup' if kind == 'dr' else 'dr'
                if self.client.get_or_none('accounts/%s/%d/' % (other, as_id(ref)), feature='accounts'):
                    raise ValidationError(option, 'account %s is a %s account, not a %s' % (
                        ref, other if other == 'backup' else 'DR', what))
                self._missing(option, what, ref, message='no %s has the id %s' % (what, ref))
            return found
        params = {'name': str(ref)}
        if owner is not None:
            params['user'] = owner
        items = [a for a in self.client.list(path, params, feature='accounts') if a.get('name') == str(ref)]
        found = find_named(items, str(ref), option, what)
        if found is None:
            self._missing(option, what, ref)
        return found

    def account_id(self, ref, option='account', kind='backup', owner=None):
        found = self.account(ref, option, kind, owner)
        return as_id(found['id']) if found else ASSUMED

    # -- schedules and policies -----------------------------------------------------------------------------------------
    def schedules(self, name=None):
        params = {'search': name} if name else None
        return self.client.list('schedules/', params, feature='schedules')

    def schedule_id(self, ref, option='schedules'):
        if is_id(ref):
            if self.client.get_or_none('schedules/%d/' % as_id(ref), feature='schedules') is None:
                self._missing(option, 'schedule', ref, message='no schedule has the id %s' % ref)
                return ASSUMED
            return as_id(ref)
        found = find_named(self.schedules(str(ref)), str(ref), option, 'schedule')
        if found is None:
            self._missing(option, 'schedule', ref)
            return ASSUMED
        return as_id(found['id'])

    def schedule_names(self):
        """``{id: name}`` of every visible schedule (one list)."""
        return self.client.memo('schedule_names', lambda: dict(
            (as_id(s['id']), s.get('name')) for s in self.schedules()))

    def policy(self, ref, option='policy', account=None, required=True):
        """The policy named or numbered ``ref`` (an account id narrows a name); None when missing in check mode
        or when not ``required``."""
        if is_id(ref):
            found = self.client.get_or_none('policies/%d/' % as_id(ref), feature='policies')
            if found is None and required:
                self._missing(option, 'policy', ref, message='no policy has the id %s' % ref)
            return found
        items = [p for p in self.client.list('policies/', {'search': str(ref)}, feature='policies')
                 if p.get('name') == str(ref)]
        if account is not None and len(items) > 1:
            items = [p for p in items if as_id(p.get('account')) == account]
        found = find_named(items, str(ref), option, 'policy')
        if found is None and required:
            self._missing(option, 'policy', ref)
        return found

    # -- S3 repositories ------------------------------------------------------------------------------------------------
    def repository_id(self, ref, option='copy_to_s3.repository'):
        if is_id(ref):
            if self.client.get_or_none('s3_repositories/%d/' % as_id(ref), feature='s3_repositories') is None:
                self._missing(option, 'S3 repository', ref, message='no S3 repository has the id %s' % ref)
                return ASSUMED
            return as_id(ref)
        items = self.client.list('s3_repositories/', {'search': str(ref)}, feature='s3_repositories')
        found = find_named([r for r in items if r.get('name') == str(ref)], str(ref), option, 'S3 repository')
        if found is None:
            self._missing(option, 'S3 repository', ref)
            return ASSUMED
        return as_id(found['id'])

    # -- regions and resource types ----------------------------------------------------------------------------------------
    def region_ids(self, names, option):
        """CPM region ids of AWS region names (each checked as a region name first, before any request)."""
        names = [check_aws_region(name, option) for name in names or ()]
        if not names:
            return []
        regions = self.client.regions()
        unknown = [name for name in names if name not in regions]
        if unknown:
            raise ValidationError(option, '%s %s not among the regions CPM offers (%s)' % (
                ', '.join(unknown), 'is' if len(unknown) == 1 else 'are', ', '.join(sorted(regions))))
        return sorted(set(regions[name] for name in names))

    def region_names(self, ids):
        names = self.client.region_names()
        return sorted(names.get(as_id(rid), str(rid)) for rid in ids or ())

    def resource_type_ids(self, names, option):
        if not names:
            return []
        types = self.client.resource_types()
        unknown = [name for name in names if name not in types]
        if unknown:
            raise ValidationError(option, '%s: not a resource type CPM scans (%s)' % (
                ', '.join(unknown), ', '.join(sorted(types))))
        return sorted(set(types[name] for name in names))

    def resource_type_names(self, ids):
        types = dict((rid, name) for name, rid in self.client.resource_types().items())
        return sorted(types.get(as_id(rid), str(rid)) for rid in ids or ())
