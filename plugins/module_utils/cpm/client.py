# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The CPM client: connection options, tokens, API versions, errors, lists.

Every CPM module, the inventory plugin and the roles' tasks reach CPM through
:class:`CPMClient`:

* **Tokens** (:class:`CPMToken`, a :class:`~..oauth.CachedCredential`): the API
  key is exchanged for an access token (1 h by default) and a refresh token
  (24 h) with ``POST token/obtain/api_key/``; an expired access token is renewed
  with ``POST token/refresh/``, and when the refresh token is refused too, a new
  pair is obtained.  A 401 is recovered once, transparently.  Tokens live in
  the private token cache shared by the forks of a play (never the API key),
  so a play of 50 tasks obtains one token.  The token requests are sent as
  JSON (Ch.25 declares ``application/json``); a server that answers 415 gets
  the form encoding of Ch.1 and the Python sample instead, and the encoding
  that worked is remembered with the token.
* **Versions**: ``api_version`` is sent as ``Accept: application/json;
  version=X``; unset, the server answers with its latest version.
  :data:`FEATURES` says which API version introduced each endpoint (the seed's
  "Initial Release", cross-checked with its Ch.3); :meth:`CPMClient.require`
  refuses, before any request, a feature the chosen version lacks, naming the
  version that has it.  Without ``api_version``, a 404 or 406 from an endpoint
  newer than 1.0.0 is explained with the server's version
  (``GET system/version/``).
* **Errors**: the envelope ``{"errors": [{field: [{message, code}]}]}`` becomes
  an :class:`ApiError` naming each field, its code and message; 401, 403, 404,
  406 and 412 get a message saying what to do.
* **Lists**: every list is read with ``page``/``page_size`` through the shared
  :func:`~..waiting.paginate`; both shapes are accepted (a bare array: the
  server ignored paging; ``{count, next, previous, results}``: the ``next``
  link's query is followed on the configured URL, whatever host the link
  names).
* **Ids**: CPM record ids and references are integers in every schema, but the
  seed's pagination sample shows ``"id": "1"``; the client turns numeric
  strings into integers in the keys that hold ids (:data:`ID_KEYS`), so
  modules compare and return integers either way.

Later parts add their calls here (recoveries, reports, settings): a new
endpoint is a line in :data:`FEATURES` and a call through :meth:`CPMClient.call`.

The package ``module_utils/cpm`` (its ``__init__.py`` stays empty, as ansible-test
wants) is laid out so (the seed, ``shared/seeds/004_56d02dce0d2d1354.txt``,
API 1.0.0-1.5.0, is the contract):

``client``
    connection options, tokens (:class:`~.client.CPMToken`), API versions and
    the feature table, the error envelope, both list shapes, id normalisation.
``codes``
    the letter codes, one table per field (``M`` is minutes in a schedule and
    months in an EFS target).
``resource``
    CPM objects on the shared resource engine (JSON fields, full-body PUT),
    settings objects (GET + PUT) and sets of children without a PUT.
``refs``
    references by name or id (users, accounts, schedules, policies, S3
    repositories, regions).
``accounts``, ``schedules``, ``policies``, ``targets``, ``backups``
    one module per family of the API: what the modules, the inventory plugin
    and the roles share.
``protected``
    the protected resources (policy targets with their policies, schedules and
    last backups): the inventory plugin and ``cpm_policy_info``.

and the families of parts 2 and 3 (recoveries, scenarios, file restore, S3,
VPC; people, workers, resource control, reports, settings, system): a new
endpoint is a line in ``client.FEATURES`` and calls through ``CPMClient.call``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import re
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import (
    ApiError, HttpClient, api_argument_spec, http_options,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ENV_SOURCES, unique_by_name
from ansible_collections.backupdr.cloud.plugins.module_utils.oauth import CachedCredential, TokenCache, valid_token
from ansible_collections.backupdr.cloud.plugins.module_utils.private import digest
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (
    ValidationError, check_url, matches, pattern, strip_secret,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import paginate

try:
    from urllib.parse import parse_qsl, urlsplit, urlunsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    from urlparse import parse_qsl, urlsplit, urlunsplit  # pylint: disable=import-error

SERVICE = 'CPM'
TOKEN_OBTAIN = 'token/obtain/api_key/'
TOKEN_REFRESH = 'token/refresh/'
#: Token lifetimes the seed gives as defaults (Ch.1): used when a token does not say when it expires.
ACCESS_LIFETIME = 3600.0
REFRESH_LIFETIME = 86400.0
#: Items per page when reading a list (the seed sets no maximum; a smaller server maximum is followed page by page).
PAGE_SIZE = 500

#: The API versions of the seed and the CPM release of each (Ch.3).
API_VERSIONS = ('1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0')
CPM_RELEASES = {'1.0.0': '2.3.0', '1.1.0': '2.4.0', '1.2.0': '2.5.0', '1.3.0': '2.6.0', '1.4.0': '3.0.0',
                '1.5.0': '3.1.0'}
VERSION_RE = pattern(r'(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?')

#: Features (endpoints, or options carried by one) -> (Initial Release, what it is for messages).
FEATURES = {
    'accounts': ('1.0.0', 'backup and DR accounts'),
    'accounts_generic': ('1.2.0', 'the generic account list (GET /api/accounts/)'),
    'account_delete_generic': ('1.3.0', 'deleting an account through /api/accounts/{id}/'),
    'check_aws_permissions': ('1.4.0', 'the AWS permission check of an account (check_aws_permissions)'),
    'schedules': ('1.0.0', 'schedules'),
    'disable_times': ('1.2.0', "the disable-time endpoints of a schedule (/api/schedules/{id}/disable_times/)"),
    'schedule_run_times': ('1.4.0', "a schedule's future run times (GET /api/schedules/{id}/run_times/)"),
    'policies': ('1.0.0', 'policies'),
    'policy_options': ('1.0.0', 'policy options'),
    'policy_dr': ('1.0.0', 'policy DR settings'),
    'policy_copy_to_s3': ('1.1.0', 'the copy-to-S3 settings of a policy (copy_to_s3)'),
    'custom_tags': ('1.5.0', 'the custom tags of a policy (custom_tags)'),
    'policy_run_times': ('1.0.0', "a policy's future run times"),
    'backup_now': ('1.0.0', 'backing up a policy now'),
    'targets_all': ('1.1.0', "the list of all a policy's targets (GET /api/policies/{id}/targets/)"),
    'backups': ('1.1.0', 'backup records (GET /api/backups/), needed to follow a backup'),
    'backup_logs': ('1.1.0', 'backup logs'),
    'script_logs': ('1.4.0', 'the script logs of a backup'),
    'snapshots': ('1.1.0', 'the snapshots of a backup'),
    'regions': ('1.0.0', 'the region list'),
    'resource_types': ('1.4.0', 'the resource type list (scan_resource_types)'),
    's3_repositories': ('1.1.0', 'S3 repositories (copy_to_s3.repository)'),
    'system_version': ('1.4.0', "the server's version (GET /api/system/version/)"),
    'users': ('1.0.0', 'the user list (root only)'),
    # part 2: recovery
    'recoveries': ('1.0.0', 'recovery records (GET /api/recoveries/)'),
    'recovery_abort_s3': ('1.3.0', 'aborting a recovery from S3 (POST /api/recoveries/{id}/recover_from_s3/abort/)'),
    'recovery_scenarios': ('1.4.0', 'recovery scenarios (/api/recovery_scenarios/)'),
    'explore_sessions': ('1.3.0', 'file-level recovery (explore sessions, /api/explore_sessions/)'),
    'freezer': ('1.0.0', 'the freezer list (GET /api/freezer/, deprecated since 1.1.0)'),
    'to_freezer': ('1.0.0', 'moving a backup to the freezer (POST /api/backups/{id}/to_freezer/)'),
    'freezer_records': ('1.1.0', 'reading, renaming and deleting freezer items (/api/backups/{id}/)'),
    's3_repository_force': ('1.5.0', 'forcing the deletion of an S3 repository (DELETE /api/s3_repositories/{id}/force/)'),
    'captured_vpcs': ('1.4.0', 'captured VPCs and their CloudFormation templates (/api/captured_vpcs/)'),
    'clone_vpc': ('1.3.0', 'cloning a captured VPC (POST /api/accounts/backup/{id}/clone_vpc/)'),
    'clone_vpc_log': ('1.4.0', 'the log of a VPC clone (GET /api/accounts/backup/{id}/clone_vpc_log/), needed to follow it'),
    'copy_to_s3_abort': ('1.3.0', 'aborting the copy to S3 of a backup (POST /api/backups/{id}/copy_to_s3/abort/)'),
    'policy_s3_aborts': ('1.4.0', 'aborting the archive, S3 clean-up or S3 operations of a policy'),
    'backup_snapshots_delete': ('1.0.0', 'deleting the snapshots of a backup (DELETE /api/backups/{id}/snapshots/)'),
    'policy_snapshots_delete': ('1.0.0', 'deleting the snapshots of a policy (DELETE /api/policies/{id}/snapshots/)'),
    'policy_snapshots_native': ('1.3.0', 'deleting the native snapshots of a policy (.../snapshots/native/)'),
    'policy_snapshots_s3': ('1.3.0', 'deleting the snapshots of a policy with its S3 copies (.../snapshots/s3/)'),
    'account_snapshots_delete': ('1.0.0', 'deleting the snapshots of an account (/api/accounts/backup|dr/{id}/snapshots/)'),
    'account_snapshots_generic': ('1.3.0', 'deleting the snapshots of an account of either kind (/api/accounts/{id}/snapshots/)'),
}

#: Keys whose values are CPM record ids (or lists of them) in the seed's schemas.
ID_KEYS = frozenset(('id', 'user', 'account', 'policy', 'assume_from_account', 'repository', 'dr_account',
                     'destination_account', 'tracker_id', 'account_id', 'schedules', 'related_policies',
                     'associated_repositories', 'scan_regions', 'scan_resource_types', 'dr_regions',
                     'dr_account_regions', 'original_user', 'backup_record', 'applied_managed_users',
                     'recovery_scenario', 'recovery_scenario_record', 'schedule', 'recovery_destination_account',
                     'snapshot_record_id', 'target_account', 'from_vpc'))

#: What a delegate needs for a kind of call (403 messages).
PERMISSIONS = {
    None: 'the API key belongs to a user who may not do this (a delegate acts only for his original user)',
    'backup': "the API key's user may not change backups: a delegate needs allow_backup_changes",
    'account': "the API key's user may not change accounts: a delegate needs allow_account_changes and "
               "allow_backup_changes; creating or updating accounts also needs the cross-account licence, and the "
               "CPM instance role (cpm_instance_role) is for the root user and his delegates only",
    'root': 'only the root user (or an admin) may do this',
    'recovery': "the API key's user may not recover: a delegate needs allow_recovery (file-level recovery also needs "
                "the owner's allow_file_level_recovery)",
}

CPM_ARGUMENT_SPEC = dict(
    api_url=dict(type='str', required=True, fallback=(env_fallback, ['CPM_API_URL'])),
    api_key=dict(type='str', required=True, no_log=True, fallback=(env_fallback, ['CPM_API_KEY'])),
    api_version=dict(type='str', fallback=(env_fallback, ['CPM_API_VERSION'])),
    token_cache=dict(type='bool', default=True, fallback=(env_fallback, ['BACKUPDR_TOKEN_CACHE'])),
    token_cache_dir=dict(type='path', fallback=(env_fallback, ['BACKUPDR_TOKEN_CACHE_DIR'])),
)
#: The connection options (what the inventory plugin passes on).
CONNECTION_OPTIONS = tuple(CPM_ARGUMENT_SPEC) + (
    'validate_certs', 'ca_path', 'api_timeout', 'api_retries', 'api_retry_max_delay', 'api_settle_time')


def cpm_argument_spec(**options):
    """Connection and common HTTP options, then the module's own."""
    spec = api_argument_spec(**dict((k, dict(v)) for k, v in CPM_ARGUMENT_SPEC.items()))
    spec.update(options)
    return spec


# -- pure helpers ---------------------------------------------------------------------------------------------

def base_url(url, option='api_url'):
    """The API base URL with a final ``/``; a bare host gets the seed's ``/api/`` path."""
    text = check_url(url, option, example='https://cpm.example.com/api/')
    parts = urlsplit(text)
    if parts.query or parts.fragment:
        raise ValidationError(option, '%r must not have a query or a fragment' % text)
    path = parts.path or '/'
    if path == '/':
        path = '/api/'
    if not path.endswith('/'):
        path += '/'
    return urlunsplit((parts.scheme.lower(), parts.netloc, path, '', ''))


def parse_version(value, option='api_version'):
    """``1.4`` or ``1.4.0`` -> ``'1.4.0'``; None for an unset value (``''`` counts as unset)."""
    if value is None or str(value).strip() == '':
        return None
    text = str(value).strip()
    match = VERSION_RE.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValidationError(option, '%r is not an API version such as 1.5.0 (known: %s)' % (
            value, ', '.join(API_VERSIONS)))
    return '%d.%d.%d' % (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def version_key(version):
    return tuple(int(part) for part in version.split('.'))


def version_text(version):
    """``API 1.4.0 (CPM 3.0.0)``"""
    release = CPM_RELEASES.get(version)
    return 'API %s%s' % (version, ' (CPM %s)' % release if release else '')


def jwt_expiry(token):
    """The ``exp`` claim of a JWT, or None (the seed does not say the tokens are JWTs; CPM's are)."""
    parts = token.split('.') if isinstance(token, str) else []
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + '=' * (-len(parts[1]) % 4)).decode('utf-8'))
        exp = claims.get('exp') if isinstance(claims, dict) else None
        if isinstance(exp, bool) or not isinstance(exp, (int, float)):
            return None
        return float(exp)
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def as_id(value):
    """A CPM id as an int (``"12"`` -> 12); anything else unchanged."""
    if isinstance(value, str) and value.strip().isdigit() and value.strip().isascii():
        return int(value.strip())
    return value


def normalize_ids(value):
    """Numeric strings in :data:`ID_KEYS` made integers, recursively (the ``"id": "1"`` reading)."""
    if isinstance(value, list):
        return [normalize_ids(item) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ID_KEYS:
                if isinstance(item, list):
                    item = [as_id(x) for x in item]
                else:
                    item = as_id(item)
            elif isinstance(item, (dict, list)):
                item = normalize_ids(item)
            out[key] = item
        return out
    return value


_TITLE_RE = re.compile(r'<title>([^<]{1,200})</title>', re.IGNORECASE)


def error_parser(response):
    """(code, message, details) from CPM's error envelope (Ch.1 L156-L193), or from a proxy's page.

    ``details`` maps each field to its ``[{message, code}]`` list; the message names every field with its code,
    the code is the first field's first code.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get('errors'), list):
        details = {}
        for block in body['errors']:
            if not isinstance(block, dict):
                continue
            for field, items in block.items():
                for item in items if isinstance(items, list) else [items]:
                    if isinstance(item, dict):
                        entry = {'message': str(item.get('message') or ''), 'code': item.get('code')}
                    else:
                        entry = {'message': str(item), 'code': None}
                    details.setdefault(str(field), []).append(entry)
        parts, code = [], None
        for field, entries in details.items():
            for entry in entries:
                code = code or entry['code']
                text = entry['message'] or 'invalid'
                if entry['code']:
                    text = '%s [%s]' % (text, entry['code'])
                parts.append(text if field in ('detail', 'non_field_errors') else '%s: %s' % (field, text))
        if parts:
            return code, '; '.join(parts), details
    if isinstance(body, dict) and body.get('detail'):
        return body.get('code'), str(body['detail']), None
    text = ''
    try:
        text = response.text or ''
    except Exception:  # pylint: disable=broad-except
        text = ''
    title = _TITLE_RE.search(text)
    if title:
        return None, '%s (a page from a proxy in front of CPM; the appliance may be restarting or busy)' % (
            title.group(1).strip()), None
    return None, (text.strip()[:300] or response.reason or 'request failed'), None


def unflatten(payload):
    """``{'a.b': 1, 'c': 2}`` -> ``{'a': {'b': 1}, 'c': 2}``."""
    out = {}
    for key, value in payload.items():
        parts = key.split('.')
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def deep_merge(base, extra):
    """``base`` updated with ``extra``, nested dicts merged (a new dict; lists replaced)."""
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def dig(obj, key, default=None):
    """``obj['a']['b']`` for ``key`` ``'a.b'``."""
    node = obj
    for part in key.split('.'):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


# -- tokens -------------------------------------------------------------------------------------------------

class CPMToken(CachedCredential):
    """API key -> access + refresh token; refresh, else obtain again (see the module docstring).

    A cache entry holds ``access_token``, ``expires_at``, ``lifetime``, ``refresh_token``,
    ``refresh_expires_at``, ``body_format`` (``json`` or ``form``) and the API URL; never the API key, which
    is only hashed into the entry's file name.
    """

    #: A refused API key is remembered this long for the other forks of the play (one refusal, not 20).
    refusal_ttl = 30

    def __init__(self, api_url, api_key, cache=None, clock=time.time):
        super(CPMToken, self).__init__(('cpm', api_url, api_key), cache=cache, clock=clock)
        self.api_url = api_url
        self._api_key = api_key
        self.obtained = 0   # POST token/obtain/api_key/ sent by this object
        self.refreshed = 0  # POST token/refresh/ sent by this object

    def _refresh_usable(self, entry):
        if not isinstance(entry, dict) or not entry.get('refresh_token'):
            return False
        try:
            return float(entry.get('refresh_expires_at') or 0) - self.clock() > 60
        except (TypeError, ValueError):
            return False

    def _post(self, http, path, data, body_format):
        """POST a token request, JSON first; on 415 the form encoding (remembered in the entry)."""
        formats = [body_format] if body_format in ('json', 'form') else ['json', 'form']
        for index, fmt in enumerate(formats):
            kwargs = {'json': data} if fmt == 'json' else {'data': data}
            try:
                response = http.request('POST', path, authenticate=False, idempotent=True, **kwargs)
            except ApiError as err:
                if err.status == 415 and index + 1 < len(formats):
                    continue
                raise
            try:
                body = response.json()
            except ValueError:
                body = None
            return body, fmt
        raise ApiError('the token endpoint accepts neither JSON nor form bodies', method='POST', path=path,
                       service=SERVICE)  # pragma: no cover - the loop returns or raises

    def _token(self, body, key, path):
        token = body.get(key) if isinstance(body, dict) else None
        if not valid_token(token):
            raise ApiError('the token endpoint answered without a valid %r token' % key, method='POST', path=path,
                           service=SERVICE, code='invalid_token_response')
        return token

    def _request_entry(self, http, previous):
        body_format = (previous or {}).get('body_format')
        if self._refresh_usable(previous):
            try:
                return self._refresh_entry(http, previous, body_format)
            except ApiError as err:
                if err.status not in (400, 401):
                    raise
                # The refresh token was refused (expired, revoked): obtain a new pair with the API key.
        return self._obtain_entry(http, body_format)

    def _refresh_entry(self, http, previous, body_format):
        self.refreshed += 1
        body, fmt = self._post(http, TOKEN_REFRESH, {'refresh': previous['refresh_token']}, body_format)
        access = self._token(body, 'access', TOKEN_REFRESH)
        entry = self._entry(access, previous['refresh_token'], fmt)
        entry['refresh_expires_at'] = previous.get('refresh_expires_at')
        if isinstance(body, dict) and valid_token(body.get('refresh')):  # a server that rotates refresh tokens
            entry['refresh_token'] = body['refresh']
            entry['refresh_expires_at'] = jwt_expiry(body['refresh']) or self.clock() + REFRESH_LIFETIME
        return entry

    def _obtain_entry(self, http, body_format):
        self.obtained += 1
        try:
            body, fmt = self._post(http, TOKEN_OBTAIN, {'api_key': self._api_key}, body_format)
        except ApiError as err:
            if err.status in (400, 401, 403):
                err.message = ('CPM refused the API key (%s): check api_key (or CPM_API_KEY); an API key is made in '
                               'the CPM console under Notifications > Configure API Authentication Key, and API '
                               'access must be enabled for its user' % err.message)
                if err.status == 401:
                    self.remember_refusal(err)
            raise
        self.forget_refusal()
        access = self._token(body, 'access', TOKEN_OBTAIN)
        refresh = body.get('refresh') if isinstance(body, dict) else None
        entry = self._entry(access, refresh if valid_token(refresh) else None, fmt)
        if entry['refresh_token']:
            entry['refresh_expires_at'] = jwt_expiry(refresh) or self.clock() + REFRESH_LIFETIME
        return entry

    def _entry(self, access, refresh, fmt):
        now = self.clock()
        expires_at = jwt_expiry(access) or now + ACCESS_LIFETIME
        return dict(access_token=access, expires_at=expires_at, lifetime=max(0.0, expires_at - now),
                    refresh_token=refresh, refresh_expires_at=None, body_format=fmt, api_url=self.api_url)


# -- the client ---------------------------------------------------------------------------------------------

class CPMClient:
    """CPM requests: bearer tokens from the API key, JSON, versions, the error envelope, both list shapes."""

    def __init__(self, params, warn=None):
        self.api_url = base_url(params.get('api_url'))
        key = params.get('api_key')
        if key in (None, ''):
            raise ValidationError('api_key', 'is required (or set CPM_API_KEY)')
        key = strip_secret(key, 'api_key')
        self.api_version = parse_version(params.get('api_version'))
        cache = TokenCache(params.get('token_cache_dir')) if params.get('token_cache', True) else None
        self.auth = CPMToken(self.api_url, key, cache=cache)
        accept = 'application/json' if self.api_version is None else 'application/json; version=%s' % self.api_version
        self.http = HttpClient(self.api_url, service=SERVICE, headers={'Accept': accept}, error_parser=error_parser,
                               authenticator=self.auth, **http_options(params))
        #: Scope of the create-by-name locks: this CPM and this API key (hashed).
        self.scope = digest('cpm-scope', self.api_url, key)
        self.warn = warn
        self.env_sources = params.get(ENV_SOURCES) or {}
        self._server_version = False  # not looked up yet
        self._memo = {}

    # -- versions ---------------------------------------------------------------------------------------------
    def has(self, feature):
        """Whether the chosen ``api_version`` has the feature (True when no version is chosen)."""
        since = FEATURES[feature][0]
        return self.api_version is None or version_key(self.api_version) >= version_key(since)

    def require(self, feature, option=None):
        """Refuse, before any request, a feature the chosen ``api_version`` lacks."""
        if self.has(feature):
            return
        since, what = FEATURES[feature]
        raise ValidationError(option or 'api_version', '%s needs CPM %s or later; api_version is %s. Leave '
                              'api_version unset (the server\'s latest version) or set it to %s or later' % (
                                  what, version_text(since), self.api_version, since))

    def server_version(self):
        """The server's API version (``GET system/version/``, 1.4.0+), or None when it cannot tell."""
        if self._server_version is False:
            self._server_version = None
            try:
                response = self.http.request('GET', 'system/version/', headers={'Accept': 'application/json'})
                body = response.json()
                if isinstance(body, dict) and body.get('api_version'):
                    self._server_version = parse_version(body['api_version'])
            except (ApiError, ValueError, ValidationError):
                self._server_version = None
        return self._server_version

    def _explain_version(self, err, feature):
        if err.status == 406 and self.api_version is not None:
            server = self.server_version()
            err.message = ('%s. CPM does not accept API version %s (Accept: application/json; version=%s)%s; set '
                           'api_version to a version the server has, or leave it unset for the server\'s latest' % (
                               err.message, self.api_version, self.api_version,
                               ': it runs %s' % version_text(server) if server else ''))
            return
        since = FEATURES.get(feature, ('1.0.0', ''))[0] if feature else '1.0.0'
        if err.status in (404, 406) and since != '1.0.0' and self.api_version is None:
            server = self.server_version()
            if server is None or version_key(server) < version_key(since):
                err.message = '%s. %s needs CPM %s or later; %s' % (
                    err.message, FEATURES[feature][1], version_text(since),
                    'this server runs %s' % version_text(server) if server else
                    'this server did not say its version (GET /api/system/version/ exists from API 1.4.0), so it may '
                    'be older')

    # -- requests -------------------------------------------------------------------------------------------------
    def call(self, method, path, feature=None, perm=None, expected=None, **kwargs):
        """One request; the answer's JSON (ids normalised) or None for an empty answer.

        ``feature`` names the endpoint in :data:`FEATURES` (version messages), ``perm`` what a delegate needs
        (403 messages: None, ``backup``, ``account``, ``root``).
        """
        if feature:
            self.require(feature)
        try:
            response = self.http.request(method, path, expected=expected, **kwargs)
        except ApiError as err:
            self.explain(err, feature, perm)
            raise
        if response.status_code == 204 or not response.content:
            return None
        try:
            return normalize_ids(response.json())
        except ValueError:
            raise ApiError('the answer is not JSON', status=response.status_code, method=method, path=path,
                           service=SERVICE)

    def explain(self, err, feature=None, perm=None):
        """Add what to do to an ApiError (in place)."""
        if err.status == 401 and not str(err.path or '').startswith('token/'):
            err.message = ('%s (CPM refused the access token even after renewing it: check api_key, or CPM_API_KEY, '
                           'and that API access is enabled for its user)' % err.message)
        elif err.status == 403:
            err.message = '%s (%s)' % (err.message, PERMISSIONS.get(perm, PERMISSIONS[None]))
        elif err.status in (404, 406):
            self._explain_version(err, feature)

    def get(self, path, params=None, feature=None, perm=None):
        return self.call('GET', path, feature=feature, perm=perm, params=params)

    def get_or_none(self, path, feature=None, params=None):
        """A read that answers None for 404 (the object does not exist or is not visible)."""
        try:
            return self.get(path, params=params, feature=feature)
        except ApiError as err:
            if err.status == 404:
                return None
            raise

    def post(self, path, body=None, feature=None, perm='backup', idempotent=False):
        return self.call('POST', path, feature=feature, perm=perm, json=body if body is not None else {},
                         idempotent=idempotent)

    def put(self, path, body, feature=None, perm='backup'):
        return self.call('PUT', path, feature=feature, perm=perm, json=body)

    def delete(self, path, feature=None, perm='backup'):
        """DELETE; a 404 (already gone) is not an error: returns False then, True when it deleted."""
        try:
            self.call('DELETE', path, feature=feature, perm=perm)
        except ApiError as err:
            if err.status == 404:
                return False
            raise
        return True

    # -- lists ----------------------------------------------------------------------------------------------------
    def pages(self, path, params=None, feature=None, page_size=PAGE_SIZE, limit=None):
        """Items of every page of a list (a generator), whatever shape the server answers with."""
        base = dict((k, v) for k, v in (params or {}).items() if v is not None)

        def fetch_page(cursor):
            if cursor is None:
                query = dict(base, page=1, page_size=page_size)
            else:
                query = dict(parse_qsl(cursor, keep_blank_values=True))
            body = self.get(path, params=query, feature=feature)
            if isinstance(body, list):
                return body, None
            if isinstance(body, dict) and isinstance(body.get('results'), list):
                return body['results'], next_cursor(body.get('next'))
            raise ApiError('the answer to GET %s is neither a list nor a page of one' % path, method='GET', path=path,
                           service=SERVICE, code='unexpected_answer')
        return paginate(fetch_page, limit)

    def list(self, path, params=None, feature=None, limit=None, page_size=PAGE_SIZE):
        return list(self.pages(path, params, feature=feature, limit=limit, page_size=page_size))

    # -- memoised reference data --------------------------------------------------------------------------------
    def memo(self, key, producer):
        if key not in self._memo:
            self._memo[key] = producer()
        return self._memo[key]

    def forget(self, key):
        self._memo.pop(key, None)

    def regions(self):
        """``{aws region name: CPM region id}`` (GET regions/: the enabled DR target regions)."""
        return self.memo('regions', lambda: dict(
            (item.get('aws_region'), as_id(item.get('id'))) for item in self.list('regions/', feature='regions')
            if item.get('aws_region')))

    def region_names(self):
        return dict((rid, name) for name, rid in self.regions().items())

    def resource_types(self):
        """``{name: id}`` (GET resource_types/, 1.4.0)."""
        return self.memo('resource_types', lambda: dict(
            (item.get('name'), as_id(item.get('id'))) for item in self.list('resource_types/', feature='resource_types')
            if item.get('name')))

    def cache_warning(self):
        cache = getattr(self.auth, 'cache', None)
        return cache.problem if cache is not None else None

    def finish(self, module):
        """Warnings every module ends with (a token cache that could not be used)."""
        warning = self.cache_warning()
        if warning:
            module.warn(warning)


def next_cursor(link):
    """The query of a ``next`` link (followed on the configured URL), or None."""
    if not link or not isinstance(link, str):
        return None
    query = urlsplit(link).query
    if not query:
        return None
    return '&'.join('%s=%s' % pair for pair in sorted(parse_qsl(query, keep_blank_values=True))) or None


# -- references by name --------------------------------------------------------------------------------------

NAME_RE = pattern(r'[A-Za-z0-9_-]+')


def check_cpm_name(value, option, what='name'):
    """A CPM name: letters, digits, ``_`` and ``-`` (the seed's rule for accounts, policies, schedules)."""
    if value is None:
        return None
    text = str(value)
    if not matches(NAME_RE, text):
        raise ValidationError(option, '%s %r may contain only letters, digits, underscore and dash (the CPM rule)'
                              % (what, value))
    return text


def is_id(value):
    return isinstance(value, int) and not isinstance(value, bool) or (
        isinstance(value, str) and value.strip().isdigit() and value.strip().isascii())


def find_named(items, name, option, kind, hint=None):
    """The one item named ``name`` (exactly) or None; two of one name is an error, never a guess."""
    return unique_by_name(items, name, option, kind, id_key='id', name_key='name', ids_label='id',
                          hint=hint or 'give its id instead of the name')
