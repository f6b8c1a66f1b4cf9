# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin client of the Rackspace Cloud Backup API v1.0 and of Rackspace Identity v2.0.

The API reference (the "seed", 33 operations) shows an ``X-Auth-Token`` header
and a tenant id in every path, and never says how a token is obtained.  Two
ways are supported:

* **a given token and endpoint** (``auth_token`` + ``backup_url``): the pure
  seed reading; the token is sent as given and cannot be renewed;
* **Rackspace Identity v2.0** (outside the seed): ``POST <identity>/tokens``
  with a username and an API key (``RAX-KSKEY:apiKeyCredentials``) or a
  password (``passwordCredentials``); the answer's token, tenant and the
  ``rax:backup`` (``cloudBackup``) endpoints of the service catalog, one per
  region, are cached without the secret (``oauth.CachedCredential``), shared
  by the tasks and forks of a play, and renewed once after a 401.  A refusal
  of the credentials is remembered for a minute, so the forks of a play do
  not all try a wrong key.

Readings where the seed is silent or ambiguous (the simulator has a knob for
each; the client passes under every value):

* Error bodies are not documented: a Rackspace fault ``{"<name>": {"code",
  "message"}}``, an ASP.NET ``{"Message"}``, plain text and an empty body are
  all read; the failure names the status, the fault name when there is one and
  the service's message (or the seed's description of the status).
* The tenant id in the path: the endpoint is used as Identity's catalog gives
  it, or as ``backup_url`` gives it; ``tenant_id`` is appended only to a
  ``backup_url`` that ends in ``/v1.0``.  So the API works "with or without the
  account id" in its paths.
* Ids are integers (JSON numbers or digit strings), booleans JSON booleans or
  ``"true"``/``"false"``, dates ``"\\/Date(ms)\\/"`` (the .NET MinValue sentinel is
  "no date"), sizes human-readable strings.  A3/A4 answer a bare GUID (text or a
  JSON string), B1 a bare BackupId (a number or a string of digits).
* Writes that create something (B1 start, R1, R3, R7 start, A3, A4, A5, A6) are
  never repeated after a lost answer, although A6, R1 and R3 are PUTs: the
  callers look for their effect instead (the settle rule).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import re
import threading
import time

try:
    from urllib.parse import quote
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    from urllib import quote  # pylint: disable=no-name-in-module

from ansible.module_utils.basic import env_fallback

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ENV_SOURCES
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import (
    ApiError, HttpClient, api_argument_spec, http_options,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.oauth import (
    CachedCredential, StaticToken, TokenCache, usable,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (
    ValidationError, check_header_value, check_url, check_uuid, matches, pattern, strip_secret,
)

SERVICE = 'Rackspace Cloud Backup'
IDENTITY_SERVICE = 'Rackspace Identity'
DEFAULT_IDENTITY_URL = 'https://identity.api.rackspacecloud.com/v2.0'
#: Data centers the seed names (L47); Identity's catalog may list others, which are accepted.
REGIONS = ('DFW', 'ORD', 'IAD', 'LON', 'HKG', 'SYD')
CATALOG_TYPE = 'rax:backup'
CATALOG_NAME = 'cloudBackup'
#: Seconds a refused set of credentials is remembered for the other tasks and forks (no secret kept).
REFUSAL_TTL = 60

TOKEN_RE = pattern(r'[A-Za-z0-9._~+/=-]{1,4096}')
REGION_RE = pattern(r'[A-Za-z0-9]{2,8}')
TENANT_RE = pattern(r'[A-Za-z0-9:_.-]{1,128}')
USERNAME_RE = pattern(r'[^\x00-\x1f\x7f]{1,255}')
DATE_RE = pattern(r'/?Date\((-?\d+)(?:[+-]\d{4})?\)/?')
ISO_RE = pattern(r'(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?')
SIZE_RE = pattern(r'\s*([0-9]+(?:\.[0-9]+)?)\s*([KMGTP]?B|bytes?)?\s*', re.IGNORECASE)
#: .NET DateTime.MinValue as the seed writes it for "no date" (L1129), with some margin for the time zone.
MIN_DATE_MS = -62135596800000 + 2 * 86400000

#: The seed's description of each status (L14-22), for error answers without a body.
STATUS_TEXT = {
    400: 'There were one or more errors in the request.',
    401: 'The supplied token was not authorized to access the resources. Either it is expired or invalid.',
    403: 'Access to the requested resource was denied.',
    404: 'The backend services did not find anything matching the request URI.',
    405: 'Method not allowed.',
    409: 'The request could not be completed due to a conflict with the current state of the resource.',
    413: 'The request is too large.',
    415: 'Unsupported media type.',
    429: 'Too many requests.',
    500: 'Instance fault: a generic server error.',
    503: 'Service unavailable: a generic server error.',
}

RAX_BACKUP_ARGUMENT_SPEC = dict(
    identity_url=dict(type='str', default=DEFAULT_IDENTITY_URL, fallback=(env_fallback, ['RAX_IDENTITY_URL'])),
    username=dict(type='str', fallback=(env_fallback, ['RAX_USERNAME'])),
    api_key=dict(type='str', no_log=True, fallback=(env_fallback, ['RAX_API_KEY'])),
    password=dict(type='str', no_log=True, fallback=(env_fallback, ['RAX_PASSWORD'])),
    region=dict(type='str', fallback=(env_fallback, ['RAX_REGION'])),
    tenant_id=dict(type='str', fallback=(env_fallback, ['RAX_TENANT_ID'])),
    auth_token=dict(type='str', no_log=True, fallback=(env_fallback, ['RAX_AUTH_TOKEN'])),
    backup_url=dict(type='str', fallback=(env_fallback, ['RAX_BACKUP_URL'])),
    token_cache=dict(type='bool', default=True, fallback=(env_fallback, ['BACKUPDR_TOKEN_CACHE'])),
    token_cache_dir=dict(type='path', fallback=(env_fallback, ['BACKUPDR_TOKEN_CACHE_DIR'])),
)

#: ``AnsibleModule`` keyword arguments that go with the auth options.
RAX_BACKUP_MODULE_KWARGS = dict(
    mutually_exclusive=[('api_key', 'password'), ('auth_token', 'api_key'), ('auth_token', 'password')],
)


def rax_backup_argument_spec(**options):
    """Auth + common HTTP options, then the module's own."""
    spec = api_argument_spec(**dict((k, dict(v)) for k, v in RAX_BACKUP_ARGUMENT_SPEC.items()))
    spec.update(options)
    return spec


def module_kwargs(**extra):
    """``AnsibleModule`` kwargs for the auth options, merged with a module's own lists."""
    out = dict((k, list(v)) for k, v in RAX_BACKUP_MODULE_KWARGS.items())
    for key, value in extra.items():
        out[key] = out.get(key, []) + list(value)
    return out


# -- values of the wire format --------------------------------------------------------


def as_int(value):
    """An id or count: a JSON integer or a string of ASCII digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and matches(pattern(r'\s*-?\d{1,30}\s*'), value):
        return int(value.strip())
    return None


def as_bool(value):
    """A boolean: JSON true/false or the strings "true"/"false" (the seed has both, L403); None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ('true', 'false'):
        return value.strip().lower() == 'true'
    return None


def date_epoch(value):
    """Epoch seconds of a ``/Date(ms)/`` (or ISO 8601) value; None for null, "" and the .NET MinValue."""
    if value in (None, ''):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value) / 1000.0
    text = str(value).strip()
    match = DATE_RE.fullmatch(text)
    if match:
        millis = int(match.group(1))
        return None if millis <= MIN_DATE_MS else millis / 1000.0
    return iso_epoch(text)


def iso_epoch(text):
    """Epoch seconds of an ISO 8601 time (Identity's ``expires``), or None."""
    match = ISO_RE.fullmatch(str(text or '').strip())
    if not match:
        return None
    year, month, day, hour, minute, second = (int(part) for part in match.groups()[:6])
    epoch = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    if match.group(7):
        epoch += float('0.' + match.group(7))
    zone = match.group(8)
    if zone and zone != 'Z':
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        epoch -= sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return epoch


def iso_date(value):
    """A wire date as ISO 8601 UTC (``2013-01-10T11:30:00Z``), or None."""
    epoch = date_epoch(value)
    if epoch is None:
        return None
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(epoch))


def size_bytes(value):
    """Bytes of a human-readable size ("35.3 MB", 1024-based units, approximate) or of a number; None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value)
    match = SIZE_RE.fullmatch(str(value))
    if not match:
        return None
    unit = (match.group(2) or 'B').upper()
    power = {'B': 0, 'BYTE': 0, 'BYTES': 0, 'KB': 1, 'MB': 2, 'GB': 3, 'TB': 4, 'PB': 5}.get(unit, 0)
    return int(round(float(match.group(1)) * (1024 ** power)))


# -- validation of the auth options ------------------------------------------------------


def _origin(params, option, given_in='the task'):
    var = (params.get(ENV_SOURCES) or {}).get(option)
    return '%s (from the environment variable %s)' % (option, var) if var else '%s (from %s)' % (option, given_in)


def _from_env(params, option):
    return option in (params.get(ENV_SOURCES) or {})


def resolve_env_credentials(params):
    """Drop credentials from environment variables that another credential overrides; returns the names dropped.

    An option given in the task wins over the environment variable of a competing option; between two environment
    variables, ``RAX_API_KEY`` wins over ``RAX_PASSWORD``, and both over ``RAX_AUTH_TOKEN`` (a token from Identity
    can be renewed).  ``RAX_BACKUP_URL`` serves the token mode only: with Identity, only an explicit ``backup_url``
    replaces the catalog's endpoint.  Options that compete and were both given in the task are left alone (they
    are refused as mutually exclusive)."""
    dropped = []

    def drop(option):
        params[option] = None
        dropped.append(option)
    secrets = [option for option in ('api_key', 'password') if params.get(option)]
    if params.get('auth_token') and secrets:
        if _from_env(params, 'auth_token'):
            drop('auth_token')
        elif all(_from_env(params, option) for option in secrets):
            for option in secrets:
                drop(option)
    if params.get('api_key') and params.get('password'):
        if _from_env(params, 'password'):
            drop('password')
        elif _from_env(params, 'api_key'):
            drop('api_key')
    if not params.get('auth_token') and params.get('backup_url') and _from_env(params, 'backup_url'):
        drop('backup_url')
    return dropped


def check_auth(params, given_in='the task'):
    """The auth options' rules (the argument spec says the same; this also covers values from the environment and
    the inventory plugin, ``given_in='the inventory source'``)."""
    resolve_env_credentials(params)
    if params.get('auth_token'):
        for other in ('api_key', 'password'):
            if params.get(other):
                raise ValidationError('auth_token', '%s and %s are mutually exclusive: give a token and backup_url, or '
                                                    'a username with an API key or a password' % (
                                                        _origin(params, 'auth_token', given_in), _origin(params, other, given_in)))
        if not params.get('backup_url'):
            raise ValidationError('backup_url', 'is required with auth_token: a token does not say where the Cloud '
                                                'Backup endpoint is (for example https://dfw.backup.api.rackspacecloud.com'
                                                '/v1.0/<tenant id>)')
        return 'token'
    if params.get('api_key') and params.get('password'):
        raise ValidationError('api_key', '%s and %s are mutually exclusive' % (
            _origin(params, 'api_key', given_in), _origin(params, 'password', given_in)))
    if not params.get('username'):
        if params.get('api_key') or params.get('password'):
            given = 'api_key' if params.get('api_key') else 'password'
            raise ValidationError('username', 'missing; %s needs the username it belongs to' % _origin(params, given, given_in))
        raise ValidationError('username', 'give username with api_key (or password) for Rackspace Identity, or '
                                          'auth_token with backup_url (or their RAX_* environment variables)')
    if not (params.get('api_key') or params.get('password')):
        raise ValidationError('api_key', 'missing; %s needs an API key (api_key) or a password' % _origin(params, 'username', given_in))
    return 'identity'


def check_region(value, option='region'):
    """A region code, upper case (DFW, ORD, IAD, LON, HKG, SYD...)."""
    if value in (None, ''):
        return None
    text = str(value).strip()
    if not matches(REGION_RE, text):
        raise ValidationError(option, 'expected a region code such as %s, got %r' % (', '.join(REGIONS), value))
    return text.upper()


def check_tenant(value, option='tenant_id'):
    if value in (None, ''):
        return None
    text = str(value).strip()
    if not matches(TENANT_RE, text):
        raise ValidationError(option, 'expected a tenant (account) id of letters, digits and :_.-, got %r' % (value,))
    return text


def endpoint_url(url, tenant_id=None, option='backup_url'):
    """The Cloud Backup endpoint (no trailing slash); ``tenant_id`` is appended to a URL that ends in /v1.0."""
    text = check_url(url, option, example='https://dfw.backup.api.rackspacecloud.com/v1.0/123456').rstrip('/')
    if '?' in text or '#' in text:
        raise ValidationError(option, '%r must not have a query or a fragment' % text)
    if tenant_id and text.lower().endswith('/v1.0'):
        text = '%s/%s' % (text, quote(tenant_id, safe=''))
    return text


def identity_tokens_url(url):
    """``<identity>/tokens`` from the Identity URL (which may already end in /tokens)."""
    text = check_url(url, 'identity_url', example=DEFAULT_IDENTITY_URL).rstrip('/')
    if '?' in text or '#' in text:
        raise ValidationError('identity_url', '%r must not have a query or a fragment' % text)
    return text if text.endswith('/tokens') else text + '/tokens'


# -- error bodies ------------------------------------------------------------------------------


def _response_text(response):
    try:
        return (response.text or '').strip()
    except Exception:  # pylint: disable=broad-except
        return ''


def error_parser(response):
    """(code, message, details) from whatever error body the service sends (the seed documents none).

    A Rackspace fault ``{"itemNotFound": {"code": 404, "message": "..."}}`` gives its name as the code; an
    ASP.NET ``{"Message": "..."}``, a JSON string or plain text give the message; without a body the seed's
    description of the status is the message.
    """
    status = getattr(response, 'status_code', None)
    text = _response_text(response)
    try:
        body = response.json()
    except ValueError:
        body = None
    code = None
    message = None
    if isinstance(body, dict):
        faults = [(key, value) for key, value in body.items() if isinstance(value, dict)]
        if len(body) == 1 and faults:
            code, fault = faults[0]
            message = fault.get('message') or fault.get('Message') or fault.get('details')
        else:
            message = body.get('Message') or body.get('message') or body.get('error_description')
            error = body.get('error')
            if isinstance(error, dict):
                code = error.get('code')
                message = message or error.get('message')
            elif isinstance(error, str):
                code = error
            details = body.get('ExceptionMessage') or body.get('MessageDetail')
            if details and message:
                message = '%s (%s)' % (message, details)
    elif isinstance(body, str):
        message = body
    if not message and text and body is None:
        message = text if not text.startswith('<') else re.sub(r'\s+', ' ', re.sub(r'<[^>]*>', ' ', text)).strip()
    if not message:
        message = STATUS_TEXT.get(status) or getattr(response, 'reason', None) or 'request failed'
    message = str(message)
    if len(message) > 500:
        message = message[:497] + '...'
    return (str(code) if code is not None else None), message, None


def busy_detector(response, code):  # pylint: disable=unused-argument
    """A 409 other than C1's (a duplicate configuration name) means "busy, not processed"."""
    if getattr(response, 'status_code', None) != 409:
        return False
    request = getattr(response, 'request', None)
    method = getattr(request, 'method', '') or ''
    url = (getattr(request, 'url', '') or '').rstrip('/').lower()
    return not (method.upper() == 'POST' and url.endswith('/backup-configuration'))


# -- credentials ------------------------------------------------------------------------------


def parse_identity_answer(body, now=None):
    """The cache entry of an Identity v2.0 ``access`` answer: token, expiry, tenant, Cloud Backup endpoints by region.

    Raises ``ValueError`` for an answer without a usable token.  The entry never holds the secret.
    """
    now = time.time() if now is None else now
    access = body.get('access') if isinstance(body, dict) else None
    if not isinstance(access, dict):
        raise ValueError('the answer has no "access" object')
    token = access.get('token') if isinstance(access.get('token'), dict) else {}
    value = token.get('id')
    if not matches(TOKEN_RE, value):
        raise ValueError('the answer has no usable token id')
    expires_at = iso_epoch(token.get('expires'))
    if expires_at is None:
        expires_at = now + 3600
    tenant = token.get('tenant') if isinstance(token.get('tenant'), dict) else {}
    endpoints = {}
    catalog = access.get('serviceCatalog') if isinstance(access.get('serviceCatalog'), list) else []
    services = [s for s in catalog if isinstance(s, dict) and s.get('type') == CATALOG_TYPE]
    if not services:
        services = [s for s in catalog if isinstance(s, dict) and s.get('name') == CATALOG_NAME]
    for service in services:
        for endpoint in service.get('endpoints') or ():
            if not isinstance(endpoint, dict) or not endpoint.get('publicURL'):
                continue
            region = str(endpoint.get('region') or '').upper() or 'GLOBAL'
            endpoints.setdefault(region, str(endpoint['publicURL']).rstrip('/'))
            if endpoint.get('internalURL'):
                endpoints.setdefault(region + ':internal', str(endpoint['internalURL']).rstrip('/'))
    user = access.get('user') if isinstance(access.get('user'), dict) else {}
    return dict(token=value, expires_at=expires_at, lifetime=max(0.0, expires_at - now),
                tenant_id=str(tenant.get('id')) if tenant.get('id') is not None else None,
                endpoints=endpoints, default_region=str(user.get('RAX-AUTH:defaultRegion') or '').upper() or None,
                user_id=user.get('id'))


class IdentityToken(CachedCredential):
    """A Rackspace Identity v2.0 token (API key or password), cached without the secret, sent as ``X-Auth-Token``."""

    field = 'token'
    refusal_ttl = REFUSAL_TTL

    def __init__(self, identity_url, username, secret, kind='api_key', tenant_id=None, cache=None, clock=time.time):
        self.tokens_url = identity_tokens_url(identity_url)
        super(IdentityToken, self).__init__((self.tokens_url, username.lower(), kind, secret, tenant_id or ''),
                                            cache=cache, clock=clock)
        self.username = username
        self.kind = kind
        self.tenant_id = tenant_id
        self._secret = secret
        self._local = threading.local()
        self._entry_lock = threading.Lock()
        self.entry = None

    # The HTTP layer hands ``refresh`` the rejected request's Authorization header; this credential travels in
    # X-Auth-Token, so the token last sent by this thread stands for it.
    def _header(self, value):
        self._local.sent = value
        return {'X-Auth-Token': value}

    def rejected_value(self, header_value):
        return header_value or getattr(self._local, 'sent', None) or ''

    def _usable(self, entry, now):
        ok = usable(entry, now, self.field)
        if ok:
            with self._entry_lock:
                self.entry = entry
        return ok

    def _remember(self, entry):
        with self._entry_lock:
            self.entry = entry
        super(IdentityToken, self)._remember(entry)

    def current(self, http):
        """The cache entry of the token in use (obtained if needed): endpoints, tenant."""
        self._value(http)
        with self._entry_lock:
            return dict(self.entry or {})

    def _request_entry(self, http, previous):
        if self.kind == 'password':
            credentials = {'passwordCredentials': {'username': self.username, 'password': self._secret}}
        else:
            credentials = {'RAX-KSKEY:apiKeyCredentials': {'username': self.username, 'apiKey': self._secret}}
        if self.tenant_id:
            credentials['tenantId'] = self.tenant_id
        try:
            response = http.request('POST', self.tokens_url, authenticate=False, idempotent=True,
                                    json={'auth': credentials}, headers={'Accept': 'application/json'})
        except ApiError as err:
            err.service = IDENTITY_SERVICE
            if err.status in (400, 401, 403):
                err.message = '%s (Identity refused %s of user %r%s; not tried again for %ds by the other tasks of ' \
                              'this play with the same credentials)' % (
                                  err.message, 'the API key' if self.kind == 'api_key' else 'the password',
                                  self.username, ' for tenant %s' % self.tenant_id if self.tenant_id else '',
                                  REFUSAL_TTL)
                self.remember_refusal(err)
            raise
        try:
            entry = parse_identity_answer(response.json(), now=self.clock())
        except ValueError as exc:
            raise ApiError('the Identity answer is not usable: %s' % exc, status=response.status_code, method='POST',
                           path=self.tokens_url, service=IDENTITY_SERVICE, code='invalid_token_response')
        self.forget_refusal()
        entry.update(identity_url=self.tokens_url, username=self.username)
        return entry


class GivenToken(StaticToken):
    """A token given by the user (``auth_token``), sent as ``X-Auth-Token`` and never renewed."""

    def headers(self, http):  # pylint: disable=unused-argument
        return {'X-Auth-Token': self.token}


# -- the client -------------------------------------------------------------------------------


class RaxBackupClient:
    """Cloud Backup requests for one endpoint (region): X-Auth-Token, JSON, the seed's odd bodies."""

    def __init__(self, params, region=None, auth=None, pool_size=10):
        self.params = params
        self.mode = check_auth(params)
        self.tenant_id = check_tenant(params.get('tenant_id'))
        self.region = check_region(region if region is not None else params.get('region'))
        options = http_options(params)
        self._endpoint = None
        if self.mode == 'token':
            token = str(params['auth_token']).strip()
            if not matches(TOKEN_RE, token):
                # Never echo the token: it is a secret.
                raise ValidationError('auth_token', 'not a token (letters, digits and -._~+/= only; the value is not '
                                                    'shown)')
            self._endpoint = endpoint_url(params['backup_url'], self.tenant_id)
            self.auth = auth or GivenToken(token, option='auth_token')
            base = self._endpoint
        else:
            username = str(params['username']).strip()
            if not matches(USERNAME_RE, username):
                raise ValidationError('username', 'must be one line of at most 255 characters')
            check_header_value(username, 'username', secret=False)
            kind = 'api_key' if params.get('api_key') else 'password'
            secret = strip_secret(params[kind], kind) if kind == 'api_key' else str(params[kind])
            if kind == 'password':
                check_header_value(secret, 'password')
            if params.get('backup_url'):
                self._endpoint = endpoint_url(params['backup_url'], self.tenant_id)
            cache = TokenCache(params.get('token_cache_dir')) if params.get('token_cache', True) else None
            self.auth = auth or IdentityToken(params.get('identity_url') or DEFAULT_IDENTITY_URL, username, secret,
                                              kind, self.tenant_id, cache=cache)
            base = self._endpoint or self.auth.tokens_url
        self.http = HttpClient(base, service=SERVICE, headers={'Accept': 'application/json'},
                               error_parser=error_parser, busy_detector=busy_detector, authenticator=self.auth,
                               pool_size=pool_size, **options)
        if self._endpoint:
            self.http.base_url = self._endpoint + '/'
        self.options = options
        self.pool_size = pool_size
        self._lock = threading.Lock()

    def for_region(self, region):
        """A client of the same account for another region's endpoint (Identity only), sharing the token."""
        if self.mode != 'identity':
            raise ValidationError('region', 'another region needs Identity authentication (username with api_key or '
                                            'password): with auth_token only backup_url is known')
        other = RaxBackupClient.__new__(RaxBackupClient)
        other.params = self.params
        other.mode = self.mode
        other.tenant_id = self.tenant_id
        other.region = check_region(region)
        other.auth = self.auth
        other.options = self.options
        other._endpoint = None
        other._lock = threading.Lock()
        other.pool_size = self.pool_size
        other.http = HttpClient(self.auth.tokens_url, service=SERVICE, headers={'Accept': 'application/json'},
                                error_parser=error_parser, busy_detector=busy_detector, authenticator=self.auth,
                                pool_size=self.pool_size, **self.options)
        return other

    # -- endpoint ------------------------------------------------------------------------
    @property
    def endpoint(self):
        """The Cloud Backup endpoint of this client's region (resolved from Identity's catalog on first use)."""
        with self._lock:
            if self._endpoint is None:
                entry = self.auth.current(self.http)
                self._endpoint = self.choose_endpoint(entry)
                self.http.base_url = self._endpoint + '/'
                if not self.tenant_id and entry.get('tenant_id'):
                    self.tenant_id = entry['tenant_id']
            return self._endpoint

    def choose_endpoint(self, entry):
        endpoints = dict((k, v) for k, v in (entry.get('endpoints') or {}).items() if ':' not in k)
        if not endpoints:
            raise ApiError('the service catalog of user %r lists no Cloud Backup endpoint (type %s): the account may '
                           'not have Cloud Backup' % (self.auth.username, CATALOG_TYPE), code='no_endpoint',
                           service=IDENTITY_SERVICE)
        region = self.region
        if region is None:
            default = entry.get('default_region')
            if default in endpoints:
                region = default
            elif len(endpoints) == 1:
                region = list(endpoints)[0]
            else:
                raise ValidationError('region', 'is required: Cloud Backup has endpoints in %s for this account'
                                      % ', '.join(sorted(endpoints)))
            self.region = region
        if region not in endpoints:
            raise ValidationError('region', 'Cloud Backup has no endpoint in region %s for this account (its service '
                                  'catalog lists %s)' % (region, ', '.join(sorted(endpoints))))
        return endpoints[region]

    def regions(self):
        """The regions of the account's Cloud Backup endpoints (Identity), or this client's region."""
        if self.mode != 'identity':
            return [self.region] if self.region else []
        entry = self.auth.current(self.http)
        return sorted(k for k in (entry.get('endpoints') or {}) if ':' not in k)

    @property
    def scope(self):
        """What locks and records of this account are keyed by: the endpoint."""
        return self.endpoint

    def where(self):
        """'region DFW' (or the endpoint) for messages."""
        self.endpoint  # pylint: disable=pointless-statement
        return 'region %s' % self.region if self.region else 'endpoint %s' % self._endpoint

    def cache_warning(self):
        cache = getattr(self.auth, 'cache', None)
        return cache.problem if cache is not None else None

    def stats(self):
        return dict(self.http.stats)

    # -- requests ---------------------------------------------------------------------------
    def request(self, method, path, idempotent=None, expected=None, **kwargs):
        """Send one request to the endpoint; return the ``requests.Response``."""
        self.endpoint  # pylint: disable=pointless-statement
        try:
            return self.http.request(method, path, idempotent=idempotent, expected=expected, **kwargs)
        except ApiError as err:
            if err.status == 401 and isinstance(self.auth, GivenToken):
                err.message = '%s (the auth_token was rejected: it may have expired; give username and api_key to ' \
                              'have tokens obtained and renewed automatically)' % err.message
            elif err.status == 403 and method.upper() not in ('GET', 'HEAD'):
                err.message = '%s (the user may be read-only, or the object may belong to another account or ' \
                              'region)' % err.message
            raise

    @staticmethod
    def body(response):
        """The answer: JSON when it parses, else the text (A3/A4's bare GUID); None when empty."""
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            return _response_text(response)

    def get(self, path, missing=(404,)):
        """GET a JSON document; None when the status is in ``missing``."""
        try:
            return self.body(self.request('GET', path))
        except ApiError as err:
            if err.status in missing:
                return None
            raise

    def get_list(self, path):
        value = self.body(self.request('GET', path))
        if value is None:
            return []
        if not isinstance(value, list):
            raise ApiError('expected a list from GET %s, got %s' % (path, type(value).__name__), method='GET',
                           path=path, service=SERVICE, code='unexpected_answer')
        return [item for item in value if isinstance(item, dict)]

    def send(self, method, path, body=None, idempotent=None, **kwargs):
        """A write with a JSON body (or none); returns the parsed answer."""
        if body is not None:
            kwargs['json'] = body
        return self.body(self.request(method, path, idempotent=idempotent, **kwargs))

    # -- agents (A1-A9, U1, U2) -------------------------------------------------------------
    def get_agent(self, agent_id):
        """A1: one agent (None when it does not exist)."""
        return self.get('agent/%d' % int(agent_id))

    def agent_by_server(self, host_server_id):
        """A8: the agent on a Cloud Server (None when there is none)."""
        return self.get('agent/server/%s' % check_uuid(host_server_id, 'host_server_id'))

    def list_agents(self):
        """U1: the user's agents (Status is not reliable here, seed L435)."""
        return self.get_list('user/agents')

    def wake_agents(self):
        """U2: wake the agents (of this region's endpoint)."""
        self.send('POST', 'user/wakeupagents', idempotent=True)

    def enable_agent(self, agent_id, enable):
        """A2 (204)."""
        self.send('POST', 'agent/enable', {'MachineAgentId': int(agent_id), 'Enable': bool(enable)}, idempotent=True)

    def encrypt_agent(self, agent_id, encrypted_hex):
        """A3 (one way); returns the answer's GUID text."""
        return self.send('POST', 'agent/encrypt', {'MachineAgentId': int(agent_id), 'EncryptedPasswordHex': encrypted_hex},
                         idempotent=False)

    def change_encryption(self, agent_id, old_hex, new_hex):
        """A4."""
        return self.send('POST', 'agent/changeencryption', {
            'MachineAgentId': int(agent_id), 'OldEncryptedPasswordHex': old_hex, 'NewEncryptedPasswordHex': new_hex},
            idempotent=False)

    def delete_agent(self, agent_id):
        """A5: the agent and its backup data (204, or 200 with a body)."""
        self.send('POST', 'agent/delete', {'MachineAgentId': int(agent_id)}, idempotent=False)

    def migrate_vault(self, source_id, destination_id):
        """A6 (a PUT, but not one to repeat blindly)."""
        self.send('PUT', 'agent/migratevault', {'SourceMachineAgentId': int(source_id),
                                                'DestinationMachineAgentId': int(destination_id)}, idempotent=False)

    def update_agent(self, agent_id, use_service_net, backup_datacenter=None):
        """A7: UseServiceNet (required) and BackupDataCenter; returns the agent as A7 shows it."""
        body = {'UseServiceNet': bool(use_service_net)}
        if backup_datacenter:
            body['BackupDataCenter'] = backup_datacenter
        return self.send('POST', 'agent/%d' % int(agent_id), body, idempotent=True)

    def set_log_level(self, agent_id, level):
        """A9, form-encoded as the seed's example (L427)."""
        self.request('PUT', 'agent/logging', idempotent=True,
                     data={'MachineAgentId': str(int(agent_id)), 'LoggingLevelId': str(int(level))})

    # -- backup configurations (C1-C7) -----------------------------------------------------------
    def list_configs(self):
        return self.get_list('backup-configuration')

    def agent_configs(self, agent_id):
        """C5 (an unknown agent: 404)."""
        return self.get_list('backup-configuration/system/%d' % int(agent_id))

    def get_config(self, config_id):
        return self.get('backup-configuration/%d' % int(config_id))

    def create_config(self, body):
        return self.send('POST', 'backup-configuration', body, idempotent=False)

    def update_config(self, config_id, body):
        """C2: a full replacement (safe to repeat)."""
        self.send('PUT', 'backup-configuration/%d' % int(config_id), body, idempotent=True)

    def enable_config(self, config_id, enable):
        return self.send('POST', 'backup-configuration/enable/%d' % int(config_id), {'Enable': bool(enable)},
                         idempotent=True)

    def delete_config(self, config_id):
        self.send('DELETE', 'backup-configuration/%d' % int(config_id), idempotent=False)

    # -- backups (B1-B4, R6) -------------------------------------------------------------------
    def start_backup(self, config_id):
        """B1 StartManual: returns the new BackupId (a bare number in the answer, L1381)."""
        answer = self.send('POST', 'backup/action-requested', {'Action': 'StartManual', 'Id': int(config_id)},
                           idempotent=False)
        backup_id = as_int(answer.strip().strip('"') if isinstance(answer, str) else answer)
        if backup_id is None and isinstance(answer, dict):
            backup_id = as_int(answer.get('Id') or answer.get('BackupId'))
        if backup_id is None:
            raise ApiError('the service started the backup but its answer has no BackupId (%r)' % (answer,),
                           method='POST', path='backup/action-requested', service=SERVICE, code='unexpected_answer',
                           landed=True)
        return backup_id

    def stop_backup(self, backup_id):
        """B1 StopManual (204; stopping a stopping backup again does no harm)."""
        self.send('POST', 'backup/action-requested', {'Action': 'StopManual', 'Id': int(backup_id)}, idempotent=True)

    def get_backup(self, backup_id):
        return self.get('backup/%d' % int(backup_id))

    def completed_backups(self, config_id):
        """B3: restorable backups of a configuration."""
        return self.get_list('backup/completed/%d' % int(config_id))

    def backup_report(self, backup_id):
        """B4 (None before the backup has ended)."""
        return self.get('backup/report/%d' % int(backup_id))

    def available_for_restore(self):
        return self.get_list('backup/availableforrestore')

    # -- restores (R1-R9) --------------------------------------------------------------------------
    def create_restore(self, body):
        """R1 (a PUT that creates: never repeated blindly)."""
        return self.send('PUT', 'restore', body, idempotent=False)

    def add_restore_file(self, body):
        """R3 (a PUT that adds an entry: never repeated blindly)."""
        self.send('PUT', 'restore/files', body, idempotent=False)

    def restore_files(self, restore_id):
        return self.get_list('restore/files/%d' % int(restore_id))

    def start_restore(self, restore_id, encrypted_password=None):
        body = {'Action': 'StartManual', 'Id': int(restore_id)}
        if encrypted_password:
            body['EncryptedPassword'] = encrypted_password
        self.send('POST', 'restore/action-requested', body, idempotent=False)

    def stop_restore(self, restore_id):
        self.send('POST', 'restore/action-requested', {'Action': 'StopManual', 'Id': int(restore_id)}, idempotent=True)

    def get_restore(self, restore_id):
        return self.get('restore/%d' % int(restore_id))

    def restore_report(self, restore_id):
        return self.get('restore/report/%d' % int(restore_id))

    # -- activity (V1, V2) ---------------------------------------------------------------------------
    def agent_activity(self, agent_id):
        return self.get_list('system/activity/%d' % int(agent_id))

    def activity(self):
        return self.get_list('activity')


def exit_info(module, client, key, items, **extra):
    """End an ``_info`` module: the items, their count, and the token cache's warning if any."""
    warning = client.cache_warning() if client is not None else None
    if warning:
        module.warn(warning)
    result = dict(changed=False, count=len(items))
    result[key] = items
    result.update(extra)
    module.exit_json(**result)
