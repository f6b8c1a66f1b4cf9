# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Identity provider settings, CPM addresses, test connection and group mappings (Ch.23.26-23.40, D63)."""

import base64
import re

from .api import ApiError, F, Family, Route, forbidden, not_found, page_response, validate
from .helpers import check_url, empty, keep_secrets, put_mode, raise_errors, register_knobs, require_settings, settings_mode

KNOBS = {'license_idp': True}
KNOB_CHOICES = {}

NAMEID_FORMATS = ('windows', 'transient', 'persistent', 'x509', 'encrypted', 'kerberos', 'email', 'unspecified',
                  'entity')
PEM_RE = re.compile(r'-----BEGIN CERTIFICATE-----\s+[A-Za-z0-9+/=\s]+-----END CERTIFICATE-----')
IDP_SPEC = {
    'cpm_address': F('str', nullable=True, default=None),
    'directory_service_enabled': F('bool', default=False),
    'entity_id': F('str', nullable=True, default=None),
    'nameid_format': F('choice', choices=NAMEID_FORMATS, default='unspecified'),
    'signin_url': F('str', nullable=True, default=None),
    'signout_url': F('str', nullable=True, default=None),
    'x509cert': F('str', nullable=True, default=None, write_only=True),
    'x509cert_file': F('str', nullable=True, default=None, write_only=True),
}
QUOTAS = ('max_accounts', 'max_controlled_entities', 'max_dynamodb_gib', 'max_independent_ebs_gib', 'max_instances',
          'max_rds_gib', 'max_redshift_gib')
USERS_GROUP_SPEC = dict([
    ('name', F('str', required=True, blank=False)),
    ('user_type', F('choice', required=True, choices=('I', 'M'))),
    ('enabled', F('bool', default=True)),
    ('allow_cost_explorer', F('bool', default=True)),
    ('allow_file_level_restore', F('bool', default=True)),
] + [(name, F('int', min_value=0, default=0)) for name in QUOTAS])
DELEGATES_GROUP_SPEC = {
    'name': F('str', required=True, blank=False),
    'original_username': F('str', required=True, blank=False),
    'allow_account_changes': F('bool', default=False),
    'allow_backup_changes': F('bool', default=False),
    'allow_recovery': F('bool', default=False),
    'enabled': F('bool', default=True),
}
USERS_FIELDS = ('allow_cost_explorer', 'allow_file_level_restore', 'default_group', 'enabled', 'id') + QUOTAS + (
    'name', 'user_type')
DELEGATES_FIELDS = ('allow_account_changes', 'allow_backup_changes', 'allow_recovery', 'default_group', 'enabled', 'id',
                    'name', 'original_username', 'user_type')
ALL_FIELDS = tuple(sorted(set(USERS_FIELDS) | set(DELEGATES_FIELDS)))
#: Groups CPM creates itself (``default_group: true``): they can be updated, not deleted.
DEFAULT_GROUPS = (('default-independent', 'I'), ('default-managed', 'M'))


class IdentityProviderFamily(Family):
    """``/api/settings/identity_provider/...``"""

    name = 'idp'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.settings = dict((name, field.default_value()) for name, field in IDP_SPEC.items())
        self.settings['x509cert_filename'] = None
        self.settings['redirect_url'] = None
        self.groups = {}
        self.seq = 0
        self.fail_next_test = None
        self.tests = []
        for name, user_type in DEFAULT_GROUPS:
            values = dict((key, field.default_value()) for key, field in USERS_GROUP_SPEC.items())
            values.update(name=name, user_type=user_type, enabled=False)
            self._add('users', values, default=True)

    def _add(self, kind, values, default=False):
        self.seq += 1
        group = dict(values, id=self.seq, kind=kind, default_group=default)
        if kind == 'delegates':
            group['user_type'] = 'D'
        self.groups[group['id']] = group
        return group

    def routes(self):
        base = 'settings/identity_provider/'
        return [
            Route('POST', base, self.settings_post, '1.0.0', None, 44926),
            Route('GET', base, self.settings_get, '1.0.0', None, 45105),
            Route('GET', base + 'cpm_addresses/', self.addresses, '1.4.0', None, 45203),
            Route('GET', base + 'groups/', self.groups_all, '1.1.0', None, 45249),
            Route('POST', base + 'groups/delegates/', self._bind(self.group_create, 'delegates'), '1.1.0', None, 45417),
            Route('GET', base + 'groups/delegates/', self._bind(self.group_list, 'delegates'), '1.4.0', None, 45573),
            Route('GET', base + 'groups/delegates/{id}/', self._bind(self.group_get, 'delegates'), '1.4.0', None, 45689),
            Route('PUT', base + 'groups/delegates/{id}/', self._bind(self.group_update, 'delegates'), '1.4.0', None,
                  45797),
            Route('DELETE', base + 'groups/delegates/{id}/', self._bind(self.group_delete, 'delegates'), '1.1.0', None,
                  45960),
            Route('POST', base + 'groups/users/', self._bind(self.group_create, 'users'), '1.1.0', None, 46001),
            Route('GET', base + 'groups/users/', self._bind(self.group_list, 'users'), '1.4.0', None, 46206),
            Route('GET', base + 'groups/users/{id}/', self._bind(self.group_get, 'users'), '1.4.0', None, 46341),
            Route('PUT', base + 'groups/users/{id}/', self._bind(self.group_update, 'users'), '1.4.0', None, 46468),
            Route('DELETE', base + 'groups/users/{id}/', self._bind(self.group_delete, 'users'), '1.1.0', None, 46680),
            Route('POST', base + 'test_connection/', self.test_connection, '1.2.0', None, 46721),
        ]

    @staticmethod
    def _bind(method, kind):
        def handler(call):
            return method(call, kind)
        handler.__doc__ = method.__doc__
        return handler

    # -- settings ----------------------------------------------------------------------
    def render(self):
        """The settings as GET shows them (certificate content write-only, its file name shown)."""
        out = dict((key, self.settings[key]) for key in IDP_SPEC if key not in ('x509cert', 'x509cert_file'))
        out['redirect_url'] = self.settings['redirect_url']
        out['x509cert_filename'] = self.settings['x509cert_filename']
        return dict(sorted(out.items()))

    def _validated(self, call, mode):
        body = call.body_dict()
        values = validate(IDP_SPEC, body, None, current=self.settings, mode=mode)
        keep_secrets(values, body, self.settings, ('x509cert', 'x509cert_file'))
        errors = {}
        check_url(errors, 'signin_url', values['signin_url'])
        check_url(errors, 'signout_url', values['signout_url'])
        if 'x509cert' in body and values['x509cert'] and not PEM_RE.search(values['x509cert']):
            errors['x509cert'] = [('Invalid x509 certificate: expected a PEM "BEGIN CERTIFICATE" block.', 'invalid')]
        if values['directory_service_enabled']:
            for key in ('entity_id', 'signin_url'):
                if not values[key]:
                    errors.setdefault(key, []).append(('This field is required when the identity provider is enabled.',
                                                       'required'))
            if not values['x509cert'] and not values['x509cert_file']:
                errors.setdefault('x509cert', []).append(('This field is required when the identity provider is '
                                                          'enabled.', 'required'))
        raise_errors(errors)
        return body, values

    def settings_post(self, call):
        """POST /api/settings/identity_provider/ -> 201 (certificate write-only)"""
        require_settings(call)
        body, values = self._validated(call, settings_mode(self.svc))
        filename = self.settings['x509cert_filename']
        if 'x509cert_file' in body or 'x509cert' in body:
            filename = values['x509cert_file'] or ('idp_certificate.pem' if values['x509cert'] else None)
        self.settings.update(values)
        self.settings['x509cert_filename'] = filename
        self.settings['redirect_url'] = None
        return self.svc.respond(call, 201, self.render())

    def settings_get(self, call):
        """GET /api/settings/identity_provider/"""
        require_settings(call)
        return self.svc.respond(call, 200, self.render())

    def addresses(self, call):
        """GET /api/settings/identity_provider/cpm_addresses/ (one object: the address the request was sent to)"""
        require_settings(call)
        host = (call.request.headers.get('Host') or '127.0.0.1').rsplit(':', 1)[0].strip('[]')
        kind = 'IP' if re.match(r'^[0-9.]+$', host) or ':' in host else 'DNS'
        return self.svc.respond(call, 200, {'address': host, 'address_type': kind})

    def test_connection(self, call):
        """POST /api/settings/identity_provider/test_connection/ -> 200, no body (400 when the test fails, D63)"""
        require_settings(call)
        if not self.svc.config['license_idp']:
            raise forbidden('Identity provider integration is not enabled in the license.')
        _body, values = self._validated(call, 'merge')
        problems = [key for key in ('entity_id', 'signin_url') if not values[key]]
        if not values['x509cert'] and not values['x509cert_file']:
            problems.append('x509cert')
        self.tests.append({'kind': 'idp', 'ok': not problems and self.fail_next_test is None})
        if problems:
            raise ApiError(400, {'non_field_errors': [('Connection test failed: %s not set.' % ', '.join(problems),
                                                       'invalid')]})
        if self.fail_next_test is not None:
            message, self.fail_next_test = self.fail_next_test, None
            raise ApiError(400, {'non_field_errors': [('Connection test failed: %s' % message, 'invalid')]})
        token = base64.urlsafe_b64encode(('cpm-sim:%s' % values['entity_id']).encode('utf-8')).decode('ascii')
        self.settings['redirect_url'] = '%s?SAMLRequest=%s' % (values['signin_url'], token)
        return empty(200)

    # -- groups ------------------------------------------------------------------------
    @staticmethod
    def render_group(group, fields):
        """A group in one of the three shapes (the combined list shows the model's defaults)."""
        out = {}
        for name in fields:
            if name in group:
                out[name] = group[name]
            elif name.startswith('max_'):
                out[name] = 0
            elif name.startswith('allow_'):
                out[name] = False
            else:
                out[name] = None
        return out

    def groups_all(self, call):
        """GET /api/settings/identity_provider/groups/ (users and delegates groups, one combined shape)"""
        require_settings(call)
        return page_response(call, list(self.groups.values()), lambda g: self.render_group(g, ALL_FIELDS))

    def _fields(self, kind):
        return USERS_FIELDS if kind == 'users' else DELEGATES_FIELDS

    def _group(self, call, kind):
        group = self.groups.get(call.param_id())
        if group is None or group['kind'] != kind:
            raise not_found()
        return group

    def _check(self, kind, values, group_id):
        errors = {}
        for other in self.groups.values():
            if other['name'] == values['name'] and other['id'] != group_id:
                errors['name'] = [('Identity provider group with this name already exists.', 'unique')]
        if kind == 'delegates':
            wanted = values['original_username']
            if not any(u['username'] == wanted and u['user_type'] != 'delegate'
                       for u in self.svc.directory.users.values()):
                errors['original_username'] = [('User "%s" does not exist.' % wanted, 'does_not_exist')]
        raise_errors(errors)

    def group_create(self, call, kind):
        """POST /api/settings/identity_provider/groups/{users|delegates}/ -> 201"""
        require_settings(call)
        spec = USERS_GROUP_SPEC if kind == 'users' else DELEGATES_GROUP_SPEC
        values = validate(spec, call.body_dict())
        self._check(kind, values, None)
        group = self._add(kind, values)
        return self.svc.respond(call, 201, self.render_group(group, self._fields(kind)))

    def group_list(self, call, kind):
        """GET /api/settings/identity_provider/groups/{users|delegates}/"""
        require_settings(call)
        items = [g for g in self.groups.values() if g['kind'] == kind]
        return page_response(call, items, lambda g: self.render_group(g, self._fields(kind)))

    def group_get(self, call, kind):
        """GET /api/settings/identity_provider/groups/{users|delegates}/{id}/"""
        require_settings(call)
        return self.svc.respond(call, 200, self.render_group(self._group(call, kind), self._fields(kind)))

    def group_update(self, call, kind):
        """PUT /api/settings/identity_provider/groups/{users|delegates}/{id}/ (name and user_type/original_username required)"""
        require_settings(call)
        group = self._group(call, kind)
        spec = USERS_GROUP_SPEC if kind == 'users' else DELEGATES_GROUP_SPEC
        values = validate(spec, call.body_dict(), None, current=group, mode=put_mode(self.svc))
        self._check(kind, values, group['id'])
        group.update(values)
        return self.svc.respond(call, 200, self.render_group(group, self._fields(kind)))

    def group_delete(self, call, kind):
        """DELETE /api/settings/identity_provider/groups/{users|delegates}/{id}/ -> 204 (or 200); default groups: 403"""
        require_settings(call)
        group = self._group(call, kind)
        if group['default_group']:
            raise forbidden('Default identity provider groups cannot be deleted.')
        del self.groups[group['id']]
        return empty(200 if self.svc.config['user_delete_status'] == '200' else 204)

    # -- admin -------------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'fail-next-connection-test' and method == 'POST':
            which = params.get('which', 'proxy')
            message = str(params.get('message') or 'the server did not answer.')
            if which == 'idp':
                self.fail_next_test = message
                return {'ok': True, 'which': which}
            return NotImplemented  # the proxy test belongs to the settings family
        if action == 'idp' and method == 'GET':
            return {'settings': self.render(), 'x509cert_set': bool(self.settings['x509cert']), 'tests': list(self.tests),
                    'groups': [dict(g) for g in self.groups.values()]}
        return NotImplemented
