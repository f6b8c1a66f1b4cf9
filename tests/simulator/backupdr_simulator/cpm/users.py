# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Users and delegates (Ch.26 writes, Ch.10): create, update, delete, passwords (D60).

``GET users/`` and ``GET users/{id}/`` stay in :mod:`.directory` (part 1);
the user records themselves live there too (``directory.users``).  This
family adds the write endpoints, the delegates endpoints and the password
store (salted hashes, write-only: never returned).
"""

import hashlib
import secrets

from ..core import AdminError
from .api import F, Family, Route, apply_list, exact, forbidden, invalid, not_found, page_response, validate
from .directory import DELEGATE_FLAGS, ROOT_ID
from .helpers import check_email, empty, put_mode, raise_errors, register_knobs, require_root

KNOBS = {'user_delete_status': '204', 'license_max_users': 0}
KNOB_CHOICES = {'user_delete_status': ('204', '200')}

#: Passwords of the default users (admin ``GET passwords`` lists those not changed since the reset).
DEFAULT_PASSWORDS = {
    'root': 'Sim-cpm-root-Pw-8Rk2Vn5q', 'tenant': 'Sim-cpm-tenant-Pw-3Hd7Lx1c', 'managed': 'Sim-cpm-managed-Pw-6Qw4Zt9e',
    'operator': 'Sim-cpm-operator-Pw-2Mb8Ks5j', 'auditor': 'Sim-cpm-auditor-Pw-9Tf1Yg4u',
}
COMMON_PASSWORDS = frozenset(('password', 'password1', '12345678', '123456789', 'qwertyui', 'iloveyou', 'admin123',
                              'welcome1', 'letmein1', 'passw0rd'))
QUOTAS = ('max_accounts', 'max_controlled_entities', 'max_dynamodb_gib', 'max_independent_ebs_gib', 'max_instances',
          'max_rds_gib', 'max_redshift_gib')
PROFILE_SPEC = dict([
    ('allow_cost_explorer', F('bool', default=True)),
    ('allow_file_level_recovery', F('bool', default=True)),
    ('applied_managed_users', F('ids', default=[], model='user')),
    ('is_managed_user', F('bool', default=False)),
] + [(name, F('int', min_value=0, default=0)) for name in QUOTAS])
USER_CREATE = {
    'username': F('str', required=True, blank=False, name_rule=True),
    'password': F('str', required=True, blank=False, write_only=True),
    'email': F('str', default=''),
    'profile': F('obj', required=True, spec=PROFILE_SPEC),
}
USER_UPDATE = {'email': F('str', default=''), 'profile': F('obj', required=True, spec=PROFILE_SPEC)}
FLAG_SPEC = dict((flag, F('bool', default=False)) for flag in DELEGATE_FLAGS)
DELEGATE_CREATE = {
    'username': F('str', required=True, blank=False, name_rule=True),
    'password': F('str', required=True, blank=False, write_only=True),
    'email': F('str', default=''),
    'profile': F('obj', required=True, spec=dict(FLAG_SPEC, original_user=F('pk', required=True, model='user'))),
}
DELEGATE_UPDATE = {'email': F('str', default=''), 'profile': F('obj', required=True, spec=FLAG_SPEC)}
PASSWORD_SPEC = {'new_password': F('str', required=True, blank=False, write_only=True)}
CHANGE_SPEC = {'old_password': F('str', required=True, blank=False, write_only=True),
               'new_password': F('str', required=True, blank=False, write_only=True)}


def password_errors(password, username):
    """Django's default password validators (length 8, not numeric, not common, not the username)."""
    problems = []
    if len(password) < 8:
        problems.append(('This password is too short. It must contain at least 8 characters.', 'password_too_short'))
    if password.isdigit():
        problems.append(('This password is entirely numeric.', 'password_entirely_numeric'))
    if password.lower() in COMMON_PASSWORDS:
        problems.append(('This password is too common.', 'password_too_common'))
    if username and username.lower() in password.lower() and len(username) >= 3:
        problems.append(('The password is too similar to the username.', 'password_too_similar'))
    return problems


class PeopleFamily(Family):
    """``POST users/``, ``PUT|DELETE users/{id}/``, passwords; ``/api/delegates/``."""

    name = 'people'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.passwords = {}     # user id -> (salt, sha256 hex)
        self.password_changes = []

    def populate(self):
        for user in self.svc.directory.users.values():
            if user['username'] in DEFAULT_PASSWORDS:
                self.set_password(user['id'], DEFAULT_PASSWORDS[user['username']])
        self.password_changes = []

    # -- passwords ---------------------------------------------------------------------
    def set_password(self, uid, password, how='set'):
        """Store a salted hash (the password itself is never kept nor returned)."""
        salt = secrets.token_hex(8)
        self.passwords[uid] = (salt, hashlib.sha256((salt + password).encode('utf-8')).hexdigest())
        self.password_changes.append({'user': uid, 'how': how})

    def check_password(self, uid, password):
        """Is this the user's password?"""
        stored = self.passwords.get(uid)
        if stored is None or not isinstance(password, str):
            return False
        return secrets.compare_digest(stored[1], hashlib.sha256((stored[0] + password).encode('utf-8')).hexdigest())

    # -- routes ------------------------------------------------------------------------
    def routes(self):
        return [
            Route('POST', 'users/', self.user_create, '1.0.0', 'admin', 49111),
            Route('POST', 'users/me/change_password/', self.change_password, '1.0.0', None, 49628),
            Route('PUT', 'users/{id}/', self.user_update, '1.0.0', 'admin', 49868),
            Route('DELETE', 'users/{id}/', self.user_delete, '1.0.0', 'admin', 50158),
            Route('POST', 'users/{id}/reset_password/', self.user_reset_password, '1.0.0', 'admin', 50202),
            Route('POST', 'delegates/', self.delegate_create, '1.0.0', 'admin', 21258),
            Route('GET', 'delegates/', self.delegate_list, '1.0.0', 'admin', 21495),
            Route('GET', 'delegates/{id}/', self.delegate_get, '1.0.0', 'admin', 21683),
            Route('PUT', 'delegates/{id}/', self.delegate_update, '1.0.0', 'admin', 21835),
            Route('DELETE', 'delegates/{id}/', self.delegate_delete, '1.0.0', 'admin', 22054),
            Route('POST', 'delegates/{id}/reset_password/', self.delegate_reset_password, '1.0.0', 'admin', 22096),
        ]

    # -- shared checks ------------------------------------------------------------------
    def _username_free(self, errors, username):
        if any(user['username'] == username for user in self.svc.directory.users.values()):
            errors.setdefault('username', []).append(('A user with that username already exists.', 'unique'))

    def _deleted_status(self):
        return 200 if self.svc.config['user_delete_status'] == '200' else 204

    def _user(self, call):
        user = self.svc.directory.users.get(call.param_id())
        if user is None or user['user_type'] == 'delegate':
            raise not_found()
        return user

    def _delegate(self, call):
        user = self.svc.directory.users.get(call.param_id())
        if user is None or user['user_type'] != 'delegate':
            raise not_found()
        return user

    @staticmethod
    def _external(user):
        return bool(user['profile'].get('is_external_authentication'))

    # -- users -------------------------------------------------------------------------
    def _profile_checks(self, errors, profile, uid=None):
        directory = self.svc.directory
        for managed_id in profile.get('applied_managed_users') or []:
            other = directory.users.get(managed_id)
            if other is None or not other['profile']['is_managed_user'] or managed_id == uid:
                errors.setdefault('profile.applied_managed_users', []).append(
                    ('Invalid pk "%s" - object does not exist.' % managed_id, 'does_not_exist'))
        if profile.get('is_managed_user') and profile.get('applied_managed_users'):
            errors.setdefault('profile.applied_managed_users', []).append(
                ('A managed user cannot have managed users.', 'invalid'))

    def user_create(self, call):
        """POST /api/users/ -> 201 (root only; the password is write-only)"""
        require_root(call)
        body = call.body_dict()
        values = validate(USER_CREATE, body, self.svc.lookup(call))
        errors = {}
        self._username_free(errors, values['username'])
        check_email(errors, 'email', values['email'])
        problems = password_errors(values['password'], values['username'])
        if problems:
            errors['password'] = problems
        self._profile_checks(errors, values['profile'])
        raise_errors(errors)
        limit = self.svc.config['license_max_users']
        users = [u for u in self.svc.directory.users.values() if u['user_type'] in ('independent', 'managed')]
        if limit and len(users) >= limit:
            raise forbidden('The maximum number of users allowed by the license (%d) has been reached.' % limit)
        profile = values['profile']
        managed = profile['is_managed_user']
        user = self.svc.directory.add_user(values['username'], 'managed' if managed else 'independent',
                                           email=values['email'], managed=managed)
        user['profile'].update(profile)
        user['profile']['applied_managed_users'] = list(profile['applied_managed_users'])
        if managed:
            self.svc.directory.users[ROOT_ID]['profile']['applied_managed_users'].append(user['id'])
        self.set_password(user['id'], values['password'], 'create')
        return self.svc.respond(call, 201, self.svc.directory.user_view(user))

    def user_update(self, call):
        """PUT /api/users/{id}/ (email and profile; username and password are create-only)"""
        user = self._user(call)
        if self._external(user):
            raise forbidden('Users authenticated via an external identity provider cannot be updated.')
        body = call.body_dict()
        profile = dict((key, user['profile'].get(key)) for key in PROFILE_SPEC)
        current = {'email': user['email'], 'profile': profile}
        values = validate(USER_UPDATE, body, self.svc.lookup(call), current=current, mode=put_mode(self.svc))
        errors = {}
        check_email(errors, 'email', values['email'])
        if user['id'] != ROOT_ID:
            self._profile_checks(errors, values['profile'], user['id'])
        raise_errors(errors)
        user['email'] = values['email']
        if user['id'] == ROOT_ID:  # "Root user cannot be updated with profile as other users" (D60)
            return self.svc.respond(call, 200, self.svc.directory.user_view(user))
        was_managed = user['profile']['is_managed_user']
        user['profile'].update(values['profile'])
        user['profile']['applied_managed_users'] = list(values['profile']['applied_managed_users'])
        now_managed = user['profile']['is_managed_user']
        user['user_type'] = 'managed' if now_managed else 'independent'
        root_list = self.svc.directory.users[ROOT_ID]['profile']['applied_managed_users']
        if now_managed and not was_managed:
            root_list.append(user['id'])
        elif was_managed and not now_managed:
            self._forget_managed(user['id'])
        return self.svc.respond(call, 200, self.svc.directory.user_view(user))

    def _forget_managed(self, uid):
        for other in self.svc.directory.users.values():
            applied = other['profile'].get('applied_managed_users') or []
            if uid in applied:
                other['profile']['applied_managed_users'] = [x for x in applied if x != uid]

    def user_delete(self, call):
        """DELETE /api/users/{id}/ -> 204 (or 200): the user's accounts (and what they hold) go too; 403 with delegates"""
        user = self._user(call)
        if user['id'] == ROOT_ID:
            raise forbidden('Root user cannot be deleted.')
        delegates = [d['username'] for d in self.svc.directory.users.values() if d.get('original_user') == user['id']]
        if delegates:
            raise forbidden('CPM user cannot be deleted while he has delegates (%s).' % ', '.join(sorted(delegates)))
        self.remove_user(user)
        return empty(self._deleted_status())

    def remove_user(self, user):
        """Delete a user with everything he owns (D60): accounts (cascading per D15), schedules, and each family's objects."""
        svc = self.svc
        uid = user['id']
        for account in [a for a in svc.accounts.accounts.values() if a['user'] == uid]:
            svc.accounts.remove(account)
        for schedule_id in [s['id'] for s in svc.schedules.schedules.values() if s['user'] == uid]:
            del svc.schedules.schedules[schedule_id]
            for policy in svc.policies.policies.values():
                if schedule_id in policy['schedules']:
                    policy['schedules'] = [s for s in policy['schedules'] if s != schedule_id]
        for family in svc.families:
            hook = getattr(family, 'user_deleted', None)
            if hook is not None and family is not self:
                hook(uid)
        self._forget_managed(uid)
        self.passwords.pop(uid, None)
        del svc.directory.users[uid]

    def _reset(self, call, user):
        values = validate(PASSWORD_SPEC, call.body_dict())
        if user['id'] == call.user['id']:
            raise forbidden('Root user cannot reset password for himself.')
        if self._external(user):
            raise forbidden('Password of users authenticated via an external identity provider cannot be reset.')
        problems = password_errors(values['new_password'], user['username'])
        if problems:
            raise_errors({'new_password': problems})
        self.set_password(user['id'], values['new_password'], 'reset')
        return empty(201)

    def user_reset_password(self, call):
        """POST /api/users/{id}/reset_password/ {new_password} -> 201, no body"""
        return self._reset(call, self._user(call))

    def change_password(self, call):
        """POST /api/users/me/change_password/ {old_password, new_password} -> 201, no body"""
        user = call.user
        values = validate(CHANGE_SPEC, call.body_dict())
        if self._external(user):
            raise forbidden('Password of user authenticated via an external identity provider cannot be changed.')
        if not self.check_password(user['id'], values['old_password']):
            raise invalid('old_password', 'Your old password was entered incorrectly. Please enter it again.',
                          'password_incorrect')
        problems = password_errors(values['new_password'], user['username'])
        if problems:
            raise_errors({'new_password': problems})
        self.set_password(user['id'], values['new_password'], 'change')
        return empty(201)

    # -- delegates ---------------------------------------------------------------------
    def render_delegate(self, delegate, counts=None):
        """A delegate (counts are those of the original user, whose environment it works in)."""
        counts = counts or self.svc.directory.counts()
        owner = delegate['original_user']
        profile = dict((flag, delegate['flags'].get(flag, False)) for flag in DELEGATE_FLAGS)
        profile.update(domain_name=delegate['profile'].get('domain_name'),
                       is_external_authentication=bool(delegate['profile'].get('is_external_authentication')),
                       original_user=owner)
        return {'email': delegate['email'], 'id': delegate['id'], 'num_accounts': counts['accounts'].get(owner, 0),
                'num_frozen_items': counts['frozen'].get(owner, 0), 'num_policies': counts['policies'].get(owner, 0),
                'profile': profile, 'user_type': 'delegate', 'username': delegate['username']}

    def delegate_create(self, call):
        """POST /api/delegates/ -> 201 (root only)"""
        values = validate(DELEGATE_CREATE, call.body_dict(), self.svc.lookup(call))
        errors = {}
        self._username_free(errors, values['username'])
        check_email(errors, 'email', values['email'])
        problems = password_errors(values['password'], values['username'])
        if problems:
            errors['password'] = problems
        original = self.svc.directory.users[values['profile']['original_user']]
        if self._external(original):
            errors['profile.original_user'] = [('Delegate users cannot be created for users authenticated via an '
                                                'external identity provider.', 'invalid')]
        raise_errors(errors)
        flags = dict((flag, values['profile'][flag]) for flag in DELEGATE_FLAGS)
        delegate = self.svc.directory.add_user(values['username'], 'delegate', email=values['email'],
                                               original_user=original['id'], flags=flags)
        self.set_password(delegate['id'], values['password'], 'create')
        return self.svc.respond(call, 201, self.render_delegate(delegate))

    def delegate_list(self, call):
        """GET /api/delegates/ (filter original_user; search username and the original user's username)"""
        directory = self.svc.directory
        items = [u for u in directory.users.values() if u['user_type'] == 'delegate']
        items = apply_list(
            call, items, filters={'original_user': exact(lambda d: d['original_user'], 'int')},
            search=[lambda d: d['username'], lambda d: directory.username(d['original_user'])],
            ordering={'original_user': lambda d: d['original_user'], 'username': lambda d: d['username']})
        counts = directory.counts()
        return page_response(call, items, lambda d: self.render_delegate(d, counts))

    def delegate_get(self, call):
        """GET /api/delegates/{id}/"""
        return self.svc.respond(call, 200, self.render_delegate(self._delegate(call)))

    def delegate_update(self, call):
        """PUT /api/delegates/{id}/ (email and the four flags; username, password, original_user are create-only)"""
        delegate = self._delegate(call)
        if self._external(delegate):
            raise forbidden('Delegate users authenticated via an external identity provider cannot be updated.')
        current = {'email': delegate['email'], 'profile': dict(delegate['flags'])}
        values = validate(DELEGATE_UPDATE, call.body_dict(), None, current=current, mode=put_mode(self.svc))
        errors = {}
        check_email(errors, 'email', values['email'])
        raise_errors(errors)
        delegate['email'] = values['email']
        delegate['flags'] = dict((flag, values['profile'][flag]) for flag in DELEGATE_FLAGS)
        return self.svc.respond(call, 200, self.render_delegate(delegate))

    def delegate_delete(self, call):
        """DELETE /api/delegates/{id}/ -> 204 (or 200)"""
        delegate = self._delegate(call)
        self.passwords.pop(delegate['id'], None)
        del self.svc.directory.users[delegate['id']]
        return empty(self._deleted_status())

    def delegate_reset_password(self, call):
        """POST /api/delegates/{id}/reset_password/ {new_password} -> 201, no body"""
        return self._reset(call, self._delegate(call))

    # -- admin -------------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'password-check' and method == 'POST':
            user = self._admin_user(params.get('user'))
            return {'user': user['id'], 'ok': self.check_password(user['id'], params.get('password')),
                    'changes': sum(1 for c in self.password_changes if c['user'] == user['id'])}
        if action == 'passwords' and method == 'GET':  # the default users' passwords, while they are unchanged
            return {'passwords': dict((name, password) for name, password in DEFAULT_PASSWORDS.items()
                                      if any(u['username'] == name and self.check_password(u['id'], password)
                                             for u in self.svc.directory.users.values()))}
        if action == 'user-api-key' and method == 'POST':
            user = self._admin_user(params.get('user'))
            api_key = params.get('api_key') or 'sim-cpm-%s-key-%s' % (user['username'], secrets.token_hex(8))
            if not isinstance(api_key, str):
                raise AdminError(400, 'api_key must be a string')
            other = self.svc.directory.user_by_key(api_key)
            if other is not None and other['id'] != user['id']:
                raise AdminError(400, 'api_key already belongs to another user')
            user['api_key'] = api_key
            return {'ok': True, 'user': user['id'], 'api_key': api_key}
        return NotImplemented

    def _admin_user(self, wanted):
        directory = self.svc.directory
        for user in directory.users.values():
            if user['id'] == wanted or user['username'] == wanted or str(user['id']) == str(wanted):
                return user
        raise AdminError(404, 'user %r not found' % (wanted,))
