# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin client of the Acronis Cyber Cloud Disaster Recovery API v2.

Readings of the seed where it is silent or ambiguous (the simulator behaves
the same, see ``tests/simulator/backupdr_simulator/acronis_dr.py``):

* The API lives at ``<data center URL>/api/dr/v2/``; tokens come from
  ``<data center URL>/api/2/idp/token`` (client credentials, HTTP Basic).
* There is no ``GET /servers/{uuid}``: a server is found by listing.  Once
  found, a RECOVERY server is re-read with ``type=RECOVERY`` and
  ``recovery.resource_id=<its resource>``, which is one short page.
* Server ``status``: ``STAND_BY`` (no failover), ``TEST_FAILOVER`` (test
  failover running), ``FAILOVER`` (production failover running) are steady;
  ``POWERING_ON`` / ``POWERING_OFF`` are transitions while a task runs
  (``task_uuid`` is set only then).  The seed shows only STAND_BY,
  POWERING_ON and POWERING_OFF.
* An action is allowed when its ``_links`` entry (``DR_CLOUD_SERVER_*``) is
  present and no ``ERROR`` issue names it in ``_issues``.  A ``ResourceBusy``
  issue carries the blocking task UUIDs.
* Recovery point ids (``backup_id``, ``archive_id``, ``vault_id``) are UUIDs,
  as in the request examples (some response examples have a digit too many
  or too few, read as typos), given all three or not at all.
* Cursors: the first request carries ``limit`` and the filters, every next
  one only ``after`` (the seed makes them mutually exclusive).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.basic import env_fallback

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ENV_SOURCES, unique_by_name
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import (
    ApiError, HttpClient, api_argument_spec, http_options,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.private import PrivateDir, cache_root, digest
from ansible_collections.backupdr.cloud.plugins.module_utils.oauth import (
    ClientCredentials, StaticToken, TokenCache, valid_token,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (
    ValidationError, check_header_value, check_known, check_url, check_uuid, is_uuid, matches, pattern,
    strip_secret,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import paginate

SERVICE = 'Acronis DR'
DEFAULT_DATACENTER_URL = 'https://dev-cloud.acronis.com'
API_PATH = '/api/dr/v2/'
TOKEN_PATH = '/api/2/idp/token'
PAGE_LIMIT = 50

RESOURCE_ID_RE = pattern(r'[a-zA-Z0-9-]+')

#: Module option -> failover mode, server status, start action, required scope.
FAILOVER_MODES = ('production', 'test', 'none')
STEADY_STATUS = {'none': 'STAND_BY', 'test': 'TEST_FAILOVER', 'production': 'FAILOVER'}
MODE_OF_STATUS = dict((v, k) for k, v in STEADY_STATUS.items())
TRANSITIONAL = frozenset(('POWERING_ON', 'POWERING_OFF'))
#: Server statuses known to this collection (the seed's and our readings'), for filter checks.
KNOWN_STATUSES = ('STAND_BY', 'TEST_FAILOVER', 'FAILOVER', 'POWERING_ON', 'POWERING_OFF')


def check_status_filter(values, option='status', warn=None):
    """A status filter: near-misses of known statuses are errors, unknown statuses a warning."""
    out, unknown = check_known(values, KNOWN_STATUSES, option, 'server status')
    if unknown and warn is not None:
        verb = 'is' if len(unknown) == 1 else 'are'
        warn('%s: %s %s not a server status this collection knows (%s); the filter keeps only servers the API '
             'reports with exactly that status' % (option, ', '.join(unknown), verb, ', '.join(KNOWN_STATUSES)))
    return out


LINK = {
    'production': 'DR_CLOUD_SERVER_START_FAILOVER_PROD',
    'test': 'DR_CLOUD_SERVER_START_FAILOVER_TEST',
    'none': 'DR_CLOUD_SERVER_STOP_FAILOVER',
}
ACTION = {'production': 'start_failover_prod', 'test': 'start_failover_test', 'none': 'stop_failover'}
#: Scopes the seed lists per endpoint; named in 403 messages.
SCOPES = {
    'read': ('dr_service::admin', 'dr::support_operator', 'protection::readonly'),
    'start_failover_prod': ('dr_service::admin',),
    'start_failover_test': ('dr_service::admin', 'dr::support_operator'),
    'stop_failover': ('dr_service::admin', 'dr::support_operator'),
}

ACRONIS_DR_ARGUMENT_SPEC = dict(
    datacenter_url=dict(type='str', default=DEFAULT_DATACENTER_URL,
                        fallback=(env_fallback, ['ACRONIS_DATACENTER_URL'])),
    client_id=dict(type='str', fallback=(env_fallback, ['ACRONIS_CLIENT_ID'])),
    client_secret=dict(type='str', no_log=True, fallback=(env_fallback, ['ACRONIS_CLIENT_SECRET'])),
    access_token=dict(type='str', no_log=True, fallback=(env_fallback, ['ACRONIS_ACCESS_TOKEN'])),
    token_cache=dict(type='bool', default=True, fallback=(env_fallback, ['BACKUPDR_TOKEN_CACHE'])),
    token_cache_dir=dict(type='path', fallback=(env_fallback, ['BACKUPDR_TOKEN_CACHE_DIR'])),
)

#: ``AnsibleModule`` keyword arguments that go with the auth options.
ACRONIS_DR_MODULE_KWARGS = dict(
    required_together=[('client_id', 'client_secret')],
    mutually_exclusive=[('access_token', 'client_id'), ('access_token', 'client_secret')],
)


def acronis_dr_argument_spec(**options):
    """Auth + common HTTP options, then the module's own."""
    spec = api_argument_spec(**dict((k, dict(v)) for k, v in ACRONIS_DR_ARGUMENT_SPEC.items()))
    spec.update(options)
    return spec


def module_kwargs(**extra):
    """``AnsibleModule`` kwargs for the auth options, merged with a module's own lists."""
    out = dict((k, list(v)) for k, v in ACRONIS_DR_MODULE_KWARGS.items())
    for key, value in extra.items():
        out[key] = out.get(key, []) + list(value)
    return out


# -- pure helpers ---------------------------------------------------------------


def check_auth(params, given_in='the task'):
    """The auth options' rules: access_token excludes the client credentials, which go together.

    The modules' argument spec says the same; this also covers values from the environment and
    callers without an argument spec (the inventory plugin, ``given_in='the inventory source'``).
    """
    sources = params.get(ENV_SOURCES) or {}

    def origin(option):
        var = sources.get(option)
        return '%s (from the environment variable %s)' % (option, var) if var else '%s (from %s)' % (option, given_in)
    if params.get('access_token') and (params.get('client_id') or params.get('client_secret')):
        other = 'client_id' if params.get('client_id') else 'client_secret'
        raise ValidationError('access_token', '%s and %s are mutually exclusive: give an access token or the client '
                                              'credentials, not both' % (origin('access_token'), origin(other)))
    if bool(params.get('client_id')) != bool(params.get('client_secret')):
        missing = 'client_secret' if params.get('client_id') else 'client_id'
        given = 'client_id' if missing == 'client_secret' else 'client_secret'
        raise ValidationError(missing, 'missing; client_id and client_secret go together, and only %s was given'
                              % origin(given))


def check_resource_ids(values, option='resource_id'):
    """The resource IDs, validated like the API does (``^[a-zA-Z0-9-]+$``, the whole string)."""
    out = []
    for value in values or ():
        if not matches(RESOURCE_ID_RE, value):
            raise ValidationError(option, 'expected letters, digits and dashes, got %r' % (value,))
        out.append(value)
    return out


def recovery_point(params):
    """``{"backup_id", "archive_id", "vault_id"}`` from the options, or None; validated."""
    keys = ('backup_id', 'archive_id', 'vault_id')
    given = [k for k in keys if params.get(k) not in (None, '')]
    if not given:
        return None
    missing = [k for k in keys if k not in given]
    if missing:
        raise ValidationError(missing[0], 'a recovery point needs backup_id, archive_id and vault_id together; '
                                          '%s given, %s missing' % (', '.join(given), ', '.join(missing)))
    return dict((k, check_uuid(params[k], k).upper()) for k in keys)


def base_url(datacenter_url, option='datacenter_url'):
    """Normalise the data center URL (no trailing slash, no API path)."""
    url = check_url(datacenter_url, option, example='https://eu2-cloud.acronis.com').rstrip('/')
    for suffix in (API_PATH.rstrip('/'), '/api/dr', '/api'):
        if url.endswith(suffix):
            url = url[:-len(suffix)]
            break
    return url


def error_parser(response):
    """(code, message, details) from the DR API's error body or an OAuth error."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        err = body.get('error')
        if isinstance(err, dict):
            debug = err.get('debug') if isinstance(err.get('debug'), dict) else {}
            message = debug.get('msg') or err.get('message') or response.reason or 'request failed'
            additional = debug.get('additional')
            if additional:
                message = '%s (%s)' % (message, '; '.join(str(a) for a in additional))
            return err.get('code'), message, err.get('context') or None
        if isinstance(err, str):  # RFC 6749 token endpoint error
            return err, body.get('error_description') or err, None
    text = ''
    try:
        text = (response.text or '').strip()
    except Exception:  # pylint: disable=broad-except
        text = ''
    return None, text[:300] or response.reason or 'request failed', None


def links(server):
    return set(link.get('rel') for link in server.get('_links') or () if isinstance(link, dict))


def blocking_issues(server, rel):
    """ERROR-severity ``_issues`` entries that name the action ``rel``."""
    out = []
    for issue in server.get('_issues') or ():
        if not isinstance(issue, dict):
            continue
        if issue.get('link') not in (None, rel) or str(issue.get('severity', 'ERROR')).upper() != 'ERROR':
            continue
        out.append(issue)
    return out


def busy_issue_tasks(server, issues=None):
    """Task UUIDs named by ``ResourceBusy`` issues (the seed's sign of a running task)."""
    tasks = []
    for issue in (issues if issues is not None else server.get('_issues') or ()):
        err = issue.get('error') if isinstance(issue, dict) else None
        if isinstance(err, dict) and err.get('code') == 'ResourceBusy':
            for task in (err.get('context') or {}).get('task_uuids') or ():
                if task not in tasks:
                    tasks.append(task)
    return tasks


def task_running(server):
    """Whether a task runs on the server, by what the seed shows while one does: a ``ResourceBusy`` issue
    or a POWERING_ON/POWERING_OFF status.  ``task_uuid`` alone is not taken as a sign: the seed does not say
    whether an idle server still carries its last one."""
    return bool(busy_issue_tasks(server)) or server.get('status') in TRANSITIONAL


def busy_tasks(server, issues=None):
    """Task UUIDs keeping the server busy (``ResourceBusy`` issues; the ``task_uuid`` of a running task)."""
    tasks = busy_issue_tasks(server, issues)
    if server.get('task_uuid') and server['task_uuid'] not in tasks and task_running(server):
        tasks.append(server['task_uuid'])
    return tasks


def failover_active(server):
    """Whether a failover is active, by the seed's ``recovery.active_failover``."""
    return bool((server.get('recovery') or {}).get('active_failover'))


def failover_mode(server, record=None):
    """The failover state of a RECOVERY server with no running task (see :func:`failover_reading`)."""
    return failover_reading(server, record)[0]


def failover_reading(server, record=None):
    """``(mode, stated)``: the failover state of a RECOVERY server with no running task, and whether the API
    states it (False when it comes from this host's record).

    ``production``/``test``/``none``; ``unknown`` for an active failover whose kind cannot be told; None while a
    task runs and for PRIMARY servers (which never fail over).  The steady status names TEST_FAILOVER and
    FAILOVER are not in the seed (it shows only STAND_BY, POWERING_ON and POWERING_OFF), so they are used when
    they appear, and otherwise the seed's fields decide: ``recovery.active_failover`` (a failover is active or
    not), ``recovery.test_failover.last_task_uuid`` equal to the server's ``task_uuid`` (the active failover was
    started as a test), then ``record``, what this host recorded when it started the failover.
    """
    if server.get('type') == 'PRIMARY' or task_running(server):
        return None, True
    mode = MODE_OF_STATUS.get(server.get('status'))
    active = failover_active(server)
    if mode is not None and (mode != 'none' or not active):
        return mode, True
    if not active:
        return 'none', True
    test = (server.get('recovery') or {}).get('test_failover') or {}
    if server.get('task_uuid') and test.get('last_task_uuid') == server.get('task_uuid'):
        return 'test', True
    if record and record.get('kind') in ('test', 'production'):
        return record['kind'], False
    return 'unknown', False


class FailoverRecords:
    """What this host started: ``{server uuid: {kind, task}}`` in the private cache directory.

    Used only when the API does not say which kind of failover runs (an unfamiliar status name); a
    failover started from another host is then reported as ``unknown``.
    """

    def __init__(self, directory=None):
        self.store = PrivateDir(directory or os.path.join(cache_root(), 'acronis_dr'))

    def key(self, datacenter_url, uuid):
        return digest('failover', datacenter_url, str(uuid).lower())

    def get(self, datacenter_url, uuid):
        return self.store.load(self.key(datacenter_url, uuid))

    def put(self, datacenter_url, uuid, kind, task):
        self.store.store(self.key(datacenter_url, uuid), dict(kind=kind, task=task))

    def clear(self, datacenter_url, uuid):
        self.store.remove(self.key(datacenter_url, uuid))


def issue_text(issue):
    err = issue.get('error') if isinstance(issue.get('error'), dict) else {}
    return '%s: %s' % (err.get('code') or 'issue', err.get('message') or (err.get('debug') or {}).get('msg') or '')


def issue_lines(obj):
    """``_issues`` as ``CODE: message`` lines, each once (the API repeats an issue per action link)."""
    out = []
    for issue in obj.get('_issues') or ():
        if isinstance(issue, dict):
            line = issue_text(issue)
            if line not in out:
                out.append(line)
    return out


def site_view(site):
    """A site (or server) as modules return it: the API's fields, ``_links`` reduced to their rels
    in ``links``, ``_issues`` also as ``CODE: message`` lines in ``issues``."""
    out = dict((k, v) for k, v in site.items() if k != '_links')
    out['links'] = sorted(r for r in links(site) if r)
    out['issues'] = issue_lines(site)
    return out


def server_view(server):
    """A server as modules return it: :func:`site_view` plus its ``failover`` state."""
    out = site_view(server)
    out['failover'] = failover_mode(server)
    return out


# -- the client -------------------------------------------------------------------

class AcronisDRClient:
    """Acronis DR requests: bearer token (OAuth client credentials or given), JSON."""

    def __init__(self, params, warn=None):
        url = base_url(params.get('datacenter_url'))
        check_auth(params)
        self.datacenter_url = url
        token = params.get('access_token')
        if token:
            token = str(token).strip()
            if token.lower().startswith('bearer '):
                token = token[7:].strip()
            if not valid_token(token):
                # Never echo the token: it is a secret.
                raise ValidationError('access_token', 'not a bearer token (allowed: letters, digits and -._~+/ then = '
                                                      'padding; the value is not shown)')
            auth = StaticToken(token)
        elif params.get('client_id') and params.get('client_secret'):
            client_id = check_header_value(str(params['client_id']).strip(), 'client_id', secret=False)
            secret = strip_secret(params['client_secret'], 'client_secret')
            cache = TokenCache(params.get('token_cache_dir')) if params.get('token_cache', True) else None
            auth = ClientCredentials(url + TOKEN_PATH, client_id, secret, cache=cache)
        else:
            raise ValidationError('client_id', 'give client_id and client_secret (an API client of the tenant), '
                                               'or access_token (or their ACRONIS_* environment variables)')
        self.auth = auth
        self.warn = warn
        self.http = HttpClient(url + API_PATH, service=SERVICE, headers={'Accept': 'application/json'},
                               error_parser=error_parser, authenticator=auth, **http_options(params))

    def cache_warning(self):
        cache = getattr(self.auth, 'cache', None)
        return cache.problem if cache is not None else None

    def exit_info(self, module, key, items):
        """End an ``_info`` module: the items and their count, and the token cache's warning if any."""
        warning = self.cache_warning()
        if warning:
            module.warn(warning)
        module.exit_json(changed=False, count=len(items), **{key: items})

    def call(self, method, path, scope='read', **kwargs):
        try:
            response = self.http.request(method, path, **kwargs)
        except ApiError as err:
            if err.status == 403:
                err.message = '%s (this endpoint needs an API client with one of the scopes: %s)' % (
                    err.message, ', '.join(SCOPES.get(scope, SCOPES['read'])))
            elif err.status == 401 and isinstance(self.auth, StaticToken):
                err.message = '%s (the access_token was rejected: it may have expired; give client_id and ' \
                              'client_secret to have tokens renewed automatically)' % err.message
            raise
        if response.status_code == 204 or not response.content:
            return {}
        try:
            return response.json()
        except ValueError:
            raise ApiError('the answer is not JSON', status=response.status_code, method=method, path=path,
                           service=SERVICE)

    # -- reads ------------------------------------------------------------------
    def pages(self, path, params):
        """Every item of a cursor-paged collection (``limit`` 50, then ``after`` only)."""
        def fetch_page(cursor):
            query = {'after': cursor} if cursor else dict(params, limit=PAGE_LIMIT)
            body = self.call('GET', path, params=query)
            items = body.get('items') or []
            cursors = (body.get('paging') or {}).get('cursors') or {}
            return items, cursors.get('after')
        return paginate(fetch_page)

    def list_servers(self, server_type=None, resource_ids=None):
        params = {}
        if server_type:
            params['type'] = server_type
        if resource_ids:
            params['recovery.resource_id'] = list(resource_ids)  # repeated query parameter
        return list(self.pages('servers', params))

    def list_sites(self, allow_deleted=False):
        return list(self.pages('sites', {'allow_deleted': 'true' if allow_deleted else 'false'}))

    def get_site(self, uuid, allow_deleted=False):
        try:
            return self.call('GET', 'sites/%s' % uuid, params={'allow_deleted': 'true' if allow_deleted else 'false'})
        except ApiError as err:
            if err.status == 404:
                return None
            raise

    def find_server(self, ident, option='server', servers=None):
        """The one server whose UUID or name is ``ident``; ValidationError when none or several."""
        servers = self.list_servers() if servers is None else servers
        if is_uuid(ident):
            match = [s for s in servers if str(s.get('uuid', '')).lower() == ident.lower()]
            if not match:
                raise ValidationError(option, 'no cloud server has the UUID %s' % ident)
            return match[0]
        found = unique_by_name(servers, ident, option, 'cloud server', id_key='uuid', hint='give the UUID instead')
        if found is None:
            raise ValidationError(option, 'no cloud server is named %r' % ident)
        return found

    def reread(self, server):
        """Fresh state of ``server``, with the narrowest listing the API allows."""
        rid = (server.get('recovery') or {}).get('resource_id')
        if server.get('type') == 'RECOVERY' and rid and matches(RESOURCE_ID_RE, rid):
            candidates = self.list_servers('RECOVERY', [rid])
        else:
            candidates = self.list_servers(server.get('type'))
        for item in candidates:
            if item.get('uuid') == server.get('uuid'):
                return item
        raise ApiError('cloud server %s is no longer listed' % server.get('uuid'), status=404,
                       code='EntityNotFound', service=SERVICE)

    # -- actions ------------------------------------------------------------------
    def failover_action(self, uuid, mode, point=None):
        """POST the action that leads to ``mode``; return the task UUID.

        A 4xx means the request was not processed; the call is not repeated
        after a lost answer (the caller re-reads the server instead).
        """
        action = ACTION[mode]
        body = {'recovery_point': point} if point and mode != 'none' else {}
        answer = self.call('POST', 'servers/%s:%s' % (uuid, action), scope=action, json=body, idempotent=False)
        return answer.get('task_uuid')
