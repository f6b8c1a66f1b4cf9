# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A Rackspace Cloud Identity v2.0 stub: ``POST /v2.0/tokens`` and ``DELETE /v2.0/tokens``.

Not part of the Cloud Backup seed (which never says how to get a token); it
models the public Rackspace Identity v2.0 API that the Cloud Backup documents
refer to: API key (``RAX-KSKEY:apiKeyCredentials``) or password
(``passwordCredentials``) authentication, the ``access`` document with
``token``, ``serviceCatalog`` and ``user``, and Identity's fault bodies
(``{"unauthorized": {"code": 401, "message": ...}}``).  See ``service.py`` for
the decisions (I1...).
"""

import hmac
import json
import secrets
import time

from ..core import Response
from .model import REGIONS

TOKEN_PRUNE_AT = 20000
SUPPORTED_CREDENTIALS = ('RAX-KSKEY:apiKeyCredentials', 'passwordCredentials')
ROLE_ADMIN = {'id': '3', 'name': 'identity:user-admin', 'description': 'User Admin Role.'}
ROLE_DEFAULT = {'id': '2', 'name': 'identity:default', 'description': 'Default Role.'}
ROLE_OBSERVER = {'id': '6', 'name': 'observer', 'description': 'Global observer role: read-only access to every product.'}


class User:
    """An Identity user and the tenant (account) it belongs to."""

    __slots__ = ('key', 'name', 'user_id', 'tenant', 'api_key', 'password', 'roles', 'read_only', 'default_region')

    def __init__(self, key, name, user_id, tenant, api_key, password, roles, read_only=False, default_region='DFW'):
        self.key = key
        self.name = name
        self.user_id = user_id
        self.tenant = tenant
        self.api_key = api_key
        self.password = password
        self.roles = roles
        self.read_only = read_only
        self.default_region = default_region


USERS = (
    User('main', 'sim-rax-user', '10930035', '930035', 'a3f1c9e27b5d48e0b6c4d2e8f0a1b3c5', 'Sim-Rax-Passw0rd-Lq8',
         [ROLE_ADMIN]),
    User('observer', 'sim-rax-observer', '10930037', '930035', '6e2d8b4f1a9c47d3b5e0f2a4c6d8e1f3',
         'Sim-Rax-Observer-Passw0rd-Tz4', [ROLE_DEFAULT, ROLE_OBSERVER], read_only=True),
    User('other', 'sim-rax-other', '10930036', '930036', 'd4b6f8a0c2e44f6a8b0d2f4e6a8c0e2b', 'Sim-Rax-Other-Passw0rd-Vn5',
         [ROLE_ADMIN], default_region='ORD'),
)
USERS_BY_NAME = dict((user.name.lower(), user) for user in USERS)
USERS_BY_KEY = dict((user.key, user) for user in USERS)
MAIN_TENANT = USERS_BY_KEY['main'].tenant
OTHER_TENANT = USERS_BY_KEY['other'].tenant


class Token:
    """An issued token (the value is the dict key)."""

    __slots__ = ('user', 'issued', 'expires_at', 'revoked', 'method')

    def __init__(self, user, issued, expires_at, method):
        self.user = user
        self.issued = issued
        self.expires_at = expires_at
        self.revoked = False
        self.method = method

    def valid(self, now):
        """Not expired and not revoked."""
        return not self.revoked and now < self.expires_at


class IdentityError(Exception):
    """An Identity fault: status, fault name and message."""

    def __init__(self, status, fault, message, headers=None):
        super().__init__(message)
        self.status = status
        self.fault = fault
        self.message = message
        self.headers = headers or []


def identity_fault(status, fault, message, headers=None):
    """Identity's fault document."""
    return Response.json(status, {fault: {'code': status, 'message': message}}, headers)


def iso_millis(epoch):
    """2014-11-24T22:05:39.115Z"""
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(epoch)) + '.%03dZ' % int(epoch % 1 * 1000)


class Identity:
    """Users and tokens."""

    def __init__(self):
        self.tokens = {}
        self.last_token = {}
        self.prune_at = TOKEN_PRUNE_AT

    # -- tokens ------------------------------------------------------------------
    def lookup(self, value, now):
        """The valid Token of an X-Auth-Token value, else None."""
        token = self.tokens.get(value) if value else None
        if token is None or not token.valid(now):
            return None
        return token

    def expire(self, now, username=None):
        """Expire every token (of one user); return how many were valid."""
        count = 0
        for token in self.tokens.values():
            if username is None or token.user.name.lower() == username.lower():
                count += 1 if token.valid(now) else 0
                token.revoked = True
        return count

    def issue(self, user, method, now, ttl, reuse):
        """A token for the user: the last one when reuse is on and it is still valid, else a new one."""
        if reuse:
            value = self.last_token.get(user.key)
            token = self.tokens.get(value) if value else None
            if token is not None and token.valid(now):
                return value, token
        if len(self.tokens) >= self.prune_at:  # forget dead tokens now and then (amortised O(1) per token)
            self.tokens = dict((key, token) for key, token in self.tokens.items() if token.valid(now))
            self.prune_at = max(TOKEN_PRUNE_AT, 2 * len(self.tokens))
        value = secrets.token_hex(16)
        token = self.tokens[value] = Token(user, now, now + ttl, method)
        self.last_token[user.key] = value
        return value, token

    # -- HTTP ----------------------------------------------------------------------
    def handle(self, request, method, path, now, ttl, reuse, catalog):
        """Serve ``v2.0/tokens`` (path after ``identity/``); ``catalog(user)`` builds the service catalog."""
        try:
            if path.strip('/') != 'v2.0/tokens':
                raise IdentityError(404, 'itemNotFound', 'Resource not found.')
            if method == 'POST':
                return self._authenticate(request, now, ttl, reuse, catalog)
            if method == 'DELETE':
                token = self.lookup(request.headers.get('X-Auth-Token'), now)
                if token is None:
                    raise IdentityError(401, 'unauthorized', 'No valid token provided. Please use the \'X-Auth-Token\' '
                                                             'header with a valid token.')
                request.context['auth_user'] = token.user.name
                token.revoked = True
                return Response(204)
            raise IdentityError(405, 'badMethod', 'Method %s is not allowed on /v2.0/tokens.' % request.method,
                                [('Allow', 'POST, DELETE')])
        except IdentityError as exc:
            return identity_fault(exc.status, exc.fault, exc.message, exc.headers)

    def _authenticate(self, request, now, ttl, reuse, catalog):
        content_type = (request.headers.get('Content-Type') or '').split(';', 1)[0].strip().lower()
        if content_type and content_type != 'application/json' and not content_type.endswith('+json'):
            raise IdentityError(415, 'badMediaType', 'Unsupported media type: use application/json.')
        try:
            data = json.loads((request.body or b'').decode('utf-8'))
        except (ValueError, UnicodeDecodeError) as exc:
            raise IdentityError(400, 'badRequest', 'Invalid json request body') from exc
        auth = data.get('auth') if isinstance(data, dict) else None
        if not isinstance(auth, dict):
            raise IdentityError(400, 'badRequest', 'Invalid request body: unable to parse Auth data. Please review XML or '
                                                   'JSON formatting.')
        found = [name for name in SUPPORTED_CREDENTIALS if name in auth]
        if len(found) != 1 or not isinstance(auth[found[0]], dict):
            raise IdentityError(400, 'badRequest', 'Invalid request body: exactly one of %s is required.'
                                % ', '.join(SUPPORTED_CREDENTIALS))
        credentials = auth[found[0]]
        secret_field, method, message = (('apiKey', 'APIKEY', 'Username or api key is invalid.') if found[0] == SUPPORTED_CREDENTIALS[0]
                                         else ('password', 'PASSWORD', 'Unable to authenticate user with credentials provided.'))
        username = credentials.get('username')
        secret = credentials.get(secret_field)
        if not isinstance(username, str) or not username or not isinstance(secret, str) or not secret:
            raise IdentityError(400, 'badRequest', 'Invalid request body: %s and username are required.' % secret_field)
        user = USERS_BY_NAME.get(username.lower())
        expected = None if user is None else (user.api_key if method == 'APIKEY' else user.password)
        if expected is None or not hmac.compare_digest(expected.encode('utf-8'), secret.encode('utf-8')):
            raise IdentityError(401, 'unauthorized', message)
        request.context['auth_user'] = user.name
        for field in ('tenantId', 'tenantName'):
            if field in auth and str(auth[field]) != user.tenant:
                raise IdentityError(401, 'unauthorized', 'Tenant with Name/Id: \'%s\' is not valid for User \'%s\' (id: '
                                                         '\'%s\')' % (auth[field], user.name, user.user_id))
        value, token = self.issue(user, method, now, ttl, reuse)
        access = {
            'token': {'id': value, 'expires': iso_millis(token.expires_at),
                      'tenant': {'id': user.tenant, 'name': user.tenant}, 'RAX-AUTH:authenticatedBy': [method]},
            'serviceCatalog': catalog(user),
            'user': {'id': user.user_id, 'name': user.name, 'roles': [dict(role) for role in user.roles],
                     'RAX-AUTH:defaultRegion': user.default_region},
        }
        return Response.json(200, {'access': access})


def catalog_entries(user, backup_base, other_base, tenant_in_path):
    """The service catalog: cloudBackup (served) plus cloudFiles and cloudServersOpenStack (listed, not served)."""
    def backup_url(region):
        url = '%s/backup/%s/v1.0' % (backup_base, region.lower())
        return url if tenant_in_path == 'omitted' else '%s/%s' % (url, user.tenant)

    storage = 'MossoCloudFS_%s' % ('5d1f6a3c-%s-4b7e-9c2d-%s' % (user.tenant[:4], user.tenant.rjust(12, '0')))
    return [
        {'name': 'cloudBackup', 'type': 'rax:backup',
         'endpoints': [{'region': region, 'tenantId': user.tenant, 'publicURL': backup_url(region)} for region in REGIONS]},
        {'name': 'cloudFiles', 'type': 'object-store',
         'endpoints': [{'region': region, 'tenantId': storage,
                        'publicURL': '%s/files/%s/v1/%s' % (other_base, region.lower(), storage),
                        'internalURL': '%s/snet-files/%s/v1/%s' % (other_base, region.lower(), storage)}
                       for region in REGIONS]},
        {'name': 'cloudServersOpenStack', 'type': 'compute',
         'endpoints': [{'region': region, 'tenantId': user.tenant,
                        'publicURL': '%s/servers/%s/v2/%s' % (other_base, region.lower(), user.tenant),
                        'versionInfo': '%s/servers/%s/v2' % (other_base, region.lower()),
                        'versionList': '%s/servers/%s/' % (other_base, region.lower()), 'versionId': '2'}
                       for region in REGIONS]},
    ]
