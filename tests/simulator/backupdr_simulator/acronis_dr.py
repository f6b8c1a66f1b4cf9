# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated Acronis Cyber Cloud Disaster Recovery API v2 and its OAuth 2.0 token endpoint.

Served under ``/acronis/``, which stands for a data center URL such as
``https://dev-cloud.acronis.com``: the token endpoint is
``/acronis/api/2/idp/token`` and the DR API is ``/acronis/api/dr/v2/``.  The
seed (the DR API v2 reference) is the contract; where it is silent or
ambiguous, this simulator decided as follows.

Tokens (RFC 6749 client credentials)
  D1. ``POST api/2/idp/token`` with a form body ``grant_type=client_credentials``.
      The client authenticates with HTTP Basic (``client_id:client_secret``;
      form-urlencoded values are accepted too) or with ``client_id`` /
      ``client_secret`` form fields.  Basic plus a form ``client_secret`` ->
      400 ``invalid_request`` (RFC 6749 2.3: one method per request); a form
      ``client_id`` sent next to Basic must name the same client (else 400).
  D2. Checks in this order: method (not POST -> 405 ``invalid_request`` with
      ``Allow: POST``), Content-Type (present and not
      ``application/x-www-form-urlencoded`` -> 400 ``invalid_request``), client
      authentication (401 ``invalid_client`` with ``WWW-Authenticate: Basic``),
      then ``grant_type`` (missing -> 400 ``invalid_request``, other -> 400
      ``unsupported_grant_type``).  Error bodies: ``{"error",
      "error_description"}``.
  D3. A requested ``scope`` is ignored: the token always carries the client's
      one scope, returned in ``scope`` (RFC 6749 3.3 lets the server decide).
  D4. Tokens are opaque (``secrets.token_urlsafe``: 43 characters of
      ``[A-Za-z0-9_-]``, within the seed's header pattern), valid
      ``token_ttl`` seconds; ``expires_on`` = issue time + ttl (whole epoch
      seconds).  The answer carries ``Cache-Control: no-store`` and
      ``Pragma: no-cache``.  Admin ``expire-tokens`` expires every token issued
      so far; ``reset`` forgets them.

DR API wire format
  D5. Every ``api/dr/v2/`` request is authenticated before routing.  The
      Authorization header must match the seed's pattern
      ``^Bearer [0-9a-zA-Z\\-\\._~+/]+={0,2}$`` as written ("Bearer" with a
      capital B) -> else 401 ``Unauthorized`` "Authorization header is
      invalid."; a well-formed token that is unknown, expired or forgotten by
      a reset -> 401 "Access token is expired or invalid.".  401s carry
      ``WWW-Authenticate: Bearer``.
  D6. Then the scope: 403 ``MethodNotAllowed`` when the token's scope is not
      listed for the endpoint, before the resource is looked up (a read-only
      client gets 403, not 404, for an unknown server).
  D7. Error bodies are the seed's ``{"error": {"code", "context", "debug":
      {["additional"], "msg"}, "domain": "DisasterRecovery"}}``.  An unknown
      endpoint (including ``GET servers/{uuid}``, which the seed does not
      have, and unknown ``:actions``) -> 404 code ``NotFound`` (not
      ``EntityNotFound``: no entity is missing); a known path with another
      method -> 405 code ``MethodNotSupported`` with ``Allow``.  HEAD is GET
      without a body.  Paths may percent-encode the ``:`` of an action.
  D8. 400 ``BadRequest`` has the seed's msg "Failed to validate the request
      against the RAML schema." and one ``additional`` line per problem,
      prefixed with the parameter (``limit: 51 is greater than the maximum of
      50``, ``after: "" does not match "\\\\S+"``,
      ``recovery_point.vault_id: ...``).  Unknown query parameters are
      ignored.  A path ``{uuid}`` that is not a UUID -> 400; a UUID naming
      nothing -> 404 ``EntityNotFound`` "Server [<uuid>] was not found in the
      DR infrastructure." (or "Site [...]").  UUIDs match case-insensitively.
  D9. Injected faults (``/_sim/faults``): 429 -> ``TooManyRequests`` with
      ``context.retry_after`` and ``Retry-After`` both the rule's
      ``retry_after`` (an integer when whole); busy -> 409 ``ResourceBusy`` on
      the server named by the path (else the nil UUID) with a fresh task UUID;
      500 -> ``InternalError`` (``additional: ["injected fault"]``); 502, 503
      and 504 are the core's plain-text answers.  An unexpected simulator
      exception -> 500 ``InternalError``.

Paging (GET servers, GET sites)
  D10. ``limit`` 1..50 (default 10).  ``after`` / ``before`` are opaque
       base64url JSON (no padding) holding the collection, offset, limit and
       the filters of the first request.  ``after`` with ``before``, or
       ``limit`` with either -> 400; with a cursor every other parameter is
       ignored.  An empty cursor, one that does not decode or one of the
       other collection -> 400.
  D11. Offsets, not keys: a page is items ``[max(0, o), o + l)`` of the list
       as filtered at request time, in creation order; ``after`` (= o + l) is
       given when items follow, ``before`` (= o - l) when the page does not
       start at 0 (so walking back from an unaligned page ends with a short
       first page).  ``total`` counts the filtered items now; ``cursors`` is
       left out when it would be empty.
  D12. Servers: ``type`` is PRIMARY or RECOVERY exactly (else 400);
       ``recovery.resource_id`` may repeat, each must match
       ``^[a-zA-Z0-9-]+$``, compared case-insensitively, and selects RECOVERY
       servers only.  A repeated ``type`` or ``limit``: the last one counts.

Servers and tasks
  D13. PRIMARY servers have ``status`` STAND_BY, as the seed's example (the
       contract said STARTED/STOPPED; ``vm.status`` STARTED/STOPPED tells
       whether one runs).  They carry ``primary.vault_id``, no failover links,
       and every failover action on them -> 409 ``InvalidState``.
  D14. RECOVERY statuses: STAND_BY, TEST_FAILOVER and FAILOVER are steady;
       POWERING_ON / POWERING_OFF (with ``task_uuid``) while a task runs.
       ``vm.status`` is STOPPED in STAND_BY and POWERING_ON, STARTED in
       TEST_FAILOVER, FAILOVER and POWERING_OFF (as the seed's examples).
  D15. ``start_failover_test|prod`` (STAND_BY) -> 202 ``{"task_uuid"}``: the
       server is POWERING_ON at once with ``recovery.active_failover`` {id,
       backup_uri, vault_id} already set (the seed shows it during
       POWERING_ON) and, for a test, ``recovery.test_failover``
       {recovery_point, last_start, last_task_uuid}; the recovery point is the
       requested one, else the server's latest (admin view
       ``latest_recovery_point``).  ``task_seconds`` later: TEST_FAILOVER /
       FAILOVER, vm STARTED, no ``task_uuid``.  ``stop_failover``
       (TEST_FAILOVER or FAILOVER) -> 202: POWERING_OFF (``active_failover``
       kept, as the seed shows), then STAND_BY, vm STOPPED, no
       ``active_failover``; ``test_failover`` is history and stays.
  D16. Admin ``fail-next-task``: the next task on that server ends
       (``task_seconds`` later) in the status it started from: a failed start
       -> STAND_BY, vm STOPPED, no ``active_failover``; a failed stop -> the
       failover status, vm STARTED, ``active_failover`` kept.  Only the admin
       task history says "failed" (the API has no task endpoint).
  D17. An action is checked in this order: 400 (path UUID, body) -> 404 ->
       PRIMARY 409 ``InvalidState`` -> running task 409 ``ResourceBusy`` ->
       wrong status 409 ``InvalidState`` (context {resource_id, status}) ->
       for a start, site ``failover_readiness`` ERROR -> 409 ``SiteNotReady``
       (context {resource_id, site_uuid}, the seed's site-issue message).
  D18. Action bodies: empty, ``{}`` or ``{"recovery_point": {"backup_id",
       "archive_id", "vault_id"}}`` (all three, UUID strings, nothing else);
       ``stop_failover`` takes only ``{}`` or nothing.  Other keys, wrong
       types, invalid JSON or a Content-Type that is not JSON -> 400.
       Recovery points are not checked against a catalogue.
  D19. ``_links`` hrefs start with the data center URL of the request (Host
       header; https on the TLS port) + ``/acronis``; action links are
       ``<dc>/api/dr/v2/servers/<uuid>:<action>`` (the seed's examples say
       ``/bc/api/dr/v2/``; ours stay usable on the simulator).  Page, console
       and recovery-point links mimic the seed and are not served.  While a
       task runs: all three action links plus one ``ResourceBusy`` issue per
       action link, in the seed's shape.  On a site whose readiness is ERROR:
       one ``SiteNotReady`` issue (severity ERROR) per start link.
       ``_issues`` is always present (``[]`` when empty).
  D20. Progress is computed lazily from the clock: servers with a running
       task are indexed apart and advanced at the start of every request and
       admin call (no threads, no scan of every server).  A task ends
       ``task_seconds`` after it started, with the knob's value at the time
       it is looked at: lowering the knob (e.g. to 0) finishes running tasks
       at the next request, raising it holds them in POWERING_ON/OFF.

Open readings (knobs)
  D22. The seed shows only STAND_BY, POWERING_ON and POWERING_OFF as server
       statuses; TEST_FAILOVER and FAILOVER (D14) are this simulator's names
       for the steady failover states.  ``failover_status_names: unfamiliar``
       shows both as ``RUNNING`` instead (a name no client can rely on), so
       clients are tested against ``recovery.active_failover``,
       ``recovery.test_failover``, ``_issues`` and the task rather than status
       names.  The seed does not say whether an idle server still carries its
       last ``task_uuid``: ``idle_task_uuid: kept`` shows the last task's UUID
       on a server with no running task (``cleared``, the default, drops it).

Sites
  D21. The seed's three sites plus one deleted site (status DEPROVISIONING,
       readiness ERROR, ``deleted_at`` set).  Site issues follow readiness:
       ERROR -> ``SiteNotReady`` (ERROR), WARNING ->
       ``VPNS2SApplianceNotRegistered`` (WARNING), OK -> none.
       ``allow_deleted`` is true/false (any case; else 400).
       DR_SITE_CONNECTIVITY_PAGE is ``<dc>/dr/sites/<uuid>/connectivity``
       (the seed: example.com, once with the wrong UUID).
"""

import base64
import binascii
import hmac
import json
import re
import secrets
import time
import uuid
from urllib.parse import parse_qsl, unquote, unquote_plus

from .core import AdminError, Response, Service, format_seconds

PREFIX = '/acronis/'
DC_SUFFIX = PREFIX.rstrip('/')
TOKEN_PATH = 'api/2/idp/token'
API_PATH = 'api/dr/v2/'
DOMAIN = 'DisasterRecovery'
NAMESPACE = uuid.UUID('6b1f4c2e-9a7d-4e3b-8c5a-0d2e4f6a8b1c')
NIL_UUID = '00000000-0000-0000-0000-000000000000'

ADMIN_SCOPE = 'dr_service::admin'
OPERATOR_SCOPE = 'dr::support_operator'
READONLY_SCOPE = 'protection::readonly'
CLIENTS = {
    'admin': {'client_id': '3f6d2c1a-7b4e-4f0a-9c2d-1e5b8a7f6c01', 'client_secret': 'sim-acronis-admin-Hq4Vx9Lk',
              'scope': ADMIN_SCOPE},
    'operator': {'client_id': '8a1e4b7c-2d9f-4c3a-b6e5-0f7d1c9a2b02', 'client_secret': 'sim-acronis-operator-Tn3Wp8Rz',
                 'scope': OPERATOR_SCOPE},
    'readonly': {'client_id': 'c5b9e2d4-6f1a-4e8b-9d3c-7a2f0e4b1c03', 'client_secret': 'sim-acronis-readonly-Jm6Ys2Qd',
                 'scope': READONLY_SCOPE},
}
CLIENTS_BY_ID = dict((client['client_id'], client) for client in CLIENTS.values())

READ_SCOPES = (ADMIN_SCOPE, OPERATOR_SCOPE, READONLY_SCOPE)
ACTION_SCOPES = {
    'start_failover_prod': (ADMIN_SCOPE,),
    'start_failover_test': (ADMIN_SCOPE, OPERATOR_SCOPE),
    'stop_failover': (ADMIN_SCOPE, OPERATOR_SCOPE),
}
ACTION_LINKS = (
    ('start_failover_prod', 'DR_CLOUD_SERVER_START_FAILOVER_PROD'),
    ('start_failover_test', 'DR_CLOUD_SERVER_START_FAILOVER_TEST'),
    ('stop_failover', 'DR_CLOUD_SERVER_STOP_FAILOVER'),
)
START_ACTIONS = ('start_failover_prod', 'start_failover_test')
STEADY_AFTER_START = {'start_failover_prod': 'FAILOVER', 'start_failover_test': 'TEST_FAILOVER'}

SERVER_TYPES = ('PRIMARY', 'RECOVERY')
STEADY_STATUSES = ('STAND_BY', 'TEST_FAILOVER', 'FAILOVER')
#: The steady failover status shown with ``failover_status_names: unfamiliar`` (D22).
UNFAMILIAR_STATUS = 'RUNNING'
FAILOVER_STATUSES = ('TEST_FAILOVER', 'FAILOVER')
READINESS = ('OK', 'WARNING', 'ERROR')
SITE_STATUSES = ('PROVISIONING', 'PROVISIONED', 'DEPROVISIONING')
MAX_LIMIT = 50
DEFAULT_LIMIT = 10
TOKEN_PRUNE_AT = 20000

UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
UUID_RE = re.compile(UUID_PATTERN)
RESOURCE_ID_PATTERN = '^[a-zA-Z0-9-]+$'
RESOURCE_ID_RE = re.compile(RESOURCE_ID_PATTERN)
BEARER_RE = re.compile(r'^Bearer ([0-9a-zA-Z\-\._~+/]+={0,2})$')
NONEMPTY_PATTERN = '\\\\S+'  # as the seed's example prints it: "" does not match "\\S+"

MSG_BAD_REQUEST = 'Failed to validate the request against the RAML schema.'
MSG_HEADER_INVALID = 'Authorization header is invalid.'
MSG_TOKEN_INVALID = 'Access token is expired or invalid.'
MSG_FORBIDDEN = 'This method is not allowed for this user account.'
MSG_TOO_MANY = ('Service failed to process the request due to a high load at the moment. Please try again after number '
                'of seconds that is indicated in the "context.retry_after" field or in the "Retry-After" response header.')
MSG_INTERNAL = 'An error occurred while performing the operation in the DR infrastructure.'
MSG_BUSY_ISSUE = 'The resource is busy, another task is currently in progress. Try again later.'
MSG_SITE_NOT_READY = 'You cannot perform any operations because the DR site is being deployed or removed.'
MSG_VPN_WARNING = 'The VPN appliance is not registered.'

TENANT_UUID = '9ca5aa60-4cdc-491c-94d5-23b747f7f914'
TENANT_ID = 46
VAULT_ID = '0F8CA93A-E22D-40F2-9D29-49E2FB88BE2E'
SITE_ERROR = 'f3b3b3b3-3b3b-3b3b-3b3b-3b3b3b3b3b3b'
SITE_WARNING = '75c45087-0ba7-4580-8de8-1be489b7591d'
SITE_OK = '40ca099f-c116-4f6c-9730-42a0bff138a2'
SITE_DELETED = '9e2c4a6b-8d0f-4e1a-b3c5-d7e9f1a3b5c7'
DEFAULT_SITE = SITE_OK

# (uuid, failover_readiness, status, default, task_uuid, deleted_at)
DEFAULT_SITES = (
    (SITE_ERROR, 'ERROR', 'PROVISIONING', True, 'c108b478-2083-4097-a418-ab3d0d49b938', None),
    (SITE_WARNING, 'WARNING', 'PROVISIONED', False, None, None),
    (SITE_OK, 'OK', 'PROVISIONED', False, None, None),
    (SITE_DELETED, 'ERROR', 'DEPROVISIONING', False, None, '2024-03-01T09:30:00+00:00'),
)
# (uuid, name, type, status, site, public_ip, resource_id, description)
DEFAULT_SERVERS = (
    ('6782e594-781d-4ad2-b8ca-25a0c40f9938', 'sql-primary', 'PRIMARY', 'STAND_BY', SITE_OK, '8.9.10.11', None,
     'This is a very important MS SQL server.'),
    ('1f100401-357b-4d04-a0c0-d1206c947473', 'web-01', 'RECOVERY', 'STAND_BY', SITE_OK, '8.9.10.21',
     '1931FAAF-692D-451F-98A3-DAF721102BEB', 'This is a very important WEB server.'),
    ('565cf826-5332-4fd8-9109-2b81630e486d', 'web-02', 'RECOVERY', 'STAND_BY', SITE_OK, None,
     'ECCA39E5-5018-4DF4-8429-F8C6FB91F2BC', 'This is the most important WEB server.'),
    ('a3d5c7e9-1b2d-4f6a-8c0e-2d4f6a8c0e01', 'db-01', 'RECOVERY', 'STAND_BY', SITE_OK, '8.9.10.23',
     '2B7D4F61-8A3C-4E5B-9F70-1C2D3E4F5A6B', 'Recovery server of the database.'),
    ('b4e6d8f0-2c3e-4a7b-9d1f-3e5a7b9d1f02', 'app-01', 'RECOVERY', 'TEST_FAILOVER', SITE_OK, '8.9.10.24',
     '3C8E5A72-9B4D-4F6C-A081-2D3E4F5A6B7C', 'Recovery server of the application tier.'),
    ('c5f7e9a1-3d4f-4b8c-8e2a-4f6b8c0e2a03', 'blocked-01', 'RECOVERY', 'STAND_BY', SITE_ERROR, None,
     '4D9F6B83-AC5E-4A7D-B192-3E4F5A6B7C8D', 'Recovery server on a site that is still being provisioned.'),
)
DEFAULT_CREATED_AT = '2024-01-15T08:00:00+00:00'


class ApiError(Exception):
    """A DR API error: HTTP status, error code, context, debug message and optional additional lines."""

    def __init__(self, status, code, msg, context=None, additional=None, headers=None):
        super().__init__(msg)
        self.status = status
        self.code = code
        self.msg = msg
        self.context = context or {}
        self.additional = additional
        self.headers = headers or []


class OAuthError(Exception):
    """An RFC 6749 token endpoint error."""

    def __init__(self, status, error, description, headers=None):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or []


def bad_request(*lines):
    """400 BadRequest with one additional line per problem."""
    return ApiError(400, 'BadRequest', MSG_BAD_REQUEST, additional=list(lines))


def error_body(code, msg, context=None, additional=None):
    """The seed's error document."""
    debug = {}
    if additional is not None:
        debug['additional'] = list(additional)
    debug['msg'] = msg
    return {'error': {'code': code, 'context': context or {}, 'debug': debug, 'domain': DOMAIN}}


def error_response(exc):
    """Response for an ApiError."""
    return Response.json(exc.status, error_body(exc.code, exc.msg, exc.context, exc.additional), exc.headers)


def busy_context(resource_id, task_uuid):
    """context of a ResourceBusy error or issue."""
    return {'resource_id': resource_id, 'task_uuids': [task_uuid]}


def busy_error(resource_id, task_uuid):
    """409 ResourceBusy exactly as the seed."""
    return ApiError(409, 'ResourceBusy', 'Resource [%s] is busy with other tasks [%s] that are currently in progress. '
                    'Try again later.' % (resource_id, task_uuid), busy_context(resource_id, task_uuid))


def iso(epoch):
    """2018-11-11T20:20:39+00:00"""
    return time.strftime('%Y-%m-%dT%H:%M:%S+00:00', time.gmtime(epoch))


def _json_str(value):
    return json.dumps(value)


# ---------------------------------------------------------------------------
# records


class Task:
    """A failover task on one server."""

    __slots__ = ('uuid', 'action', 'from_status', 'recovery_point', 'started', 'fail', 'client_id', 'result', 'ended')

    def __init__(self, task_uuid, action, from_status, recovery_point, started, fail, client_id):
        self.uuid = task_uuid
        self.action = action
        self.from_status = from_status
        self.recovery_point = recovery_point
        self.started = started
        self.fail = fail
        self.client_id = client_id
        self.result = 'running'
        self.ended = None

    def as_dict(self, duration):
        """Admin view (``duration``: the current task_seconds)."""
        ends = self.ended if self.ended is not None else self.started + duration
        return {'task_uuid': self.uuid, 'action': self.action, 'from_status': self.from_status,
                'recovery_point': self.recovery_point, 'started_at': self.started, 'ends_at': ends,
                'ended_at': self.ended, 'fail': self.fail, 'result': self.result, 'client_id': self.client_id}


class Server:
    """A cloud server (PRIMARY or RECOVERY)."""

    __slots__ = ('uuid', 'name', 'description', 'public_ip', 'site_uuid', 'created_at', 'type', 'status', 'vm',
                 'resource_id', 'resource_key', 'vault_id', 'latest_point', 'active_failover', 'test_failover',
                 'automated_test_failover', 'task', 'fail_next', 'history')

    def __init__(self, server_uuid, name, server_type, site_uuid, created_at):
        self.uuid = server_uuid
        self.name = name
        self.description = ''
        self.public_ip = None
        self.site_uuid = site_uuid
        self.created_at = created_at
        self.type = server_type
        self.status = 'STAND_BY'
        self.vm = {'cpu': 1, 'os': 'some OS', 'ram_mb': 2048, 'status': 'STOPPED'}
        self.resource_id = None
        self.resource_key = None
        self.vault_id = VAULT_ID
        self.latest_point = None
        self.active_failover = None
        self.test_failover = None
        self.automated_test_failover = None
        self.task = None
        self.fail_next = False
        self.history = []


class Site:
    """A disaster recovery site."""

    __slots__ = ('uuid', 'failover_readiness', 'status', 'default', 'task_uuid', 'deleted_at')

    def __init__(self, site_uuid, readiness, status, default, task_uuid, deleted_at):
        self.uuid = site_uuid
        self.failover_readiness = readiness
        self.status = status
        self.default = default
        self.task_uuid = task_uuid
        self.deleted_at = deleted_at


class Token:
    """An issued access token (the value is the dict key)."""

    __slots__ = ('client_id', 'scope', 'issued', 'expires_at', 'revoked')

    def __init__(self, client_id, scope, issued, expires_at):
        self.client_id = client_id
        self.scope = scope
        self.issued = issued
        self.expires_at = expires_at
        self.revoked = False

    def valid(self, now):
        """Not expired and not revoked."""
        return not self.revoked and now < self.expires_at


# ---------------------------------------------------------------------------
# helpers


def _recovery_point_of(key):
    """Deterministic 'latest' recovery point of a server."""
    return {'backup_id': str(uuid.uuid5(NAMESPACE, 'backup-' + key)).upper(),
            'archive_id': str(uuid.uuid5(NAMESPACE, 'archive-' + key)).upper(),
            'vault_id': VAULT_ID}


def _backup_uri(server, point):
    parts = (point['vault_id'].upper(), point['archive_id'].upper(), point['backup_id'].upper(), server.name.upper(),
             (server.resource_id or server.uuid).upper())
    return ('avfs:/online?account%%3D3%%26authProtoVersion%%3D1%%26computer%%3D1%%26provider%%3DAcronis'
            '#arl:/%s/%s/%s?archive_name=%s-%s' % parts)


def encode_cursor(collection, offset, limit, filters):
    """Opaque cursor: base64url JSON without padding."""
    data = json.dumps({'c': collection, 'o': offset, 'l': limit, 'f': filters}, separators=(',', ':'), sort_keys=True)
    return base64.urlsafe_b64encode(data.encode('utf-8')).decode('ascii').rstrip('=')


def decode_cursor(value, collection, name, check_filters):
    """(offset, limit, filters) of a cursor, or 400; ``check_filters`` raises ValueError for filters we never wrote."""
    if value == '':
        raise bad_request('%s: "" does not match "%s"' % (name, NONEMPTY_PATTERN))
    try:
        raw = base64.urlsafe_b64decode(value + '=' * (-len(value) % 4))
        data = json.loads(raw.decode('utf-8'))
        if not isinstance(data, dict) or data.get('c') != collection:
            raise ValueError('cursor of another collection')
        offset, limit, filters = data['o'], data['l'], data['f']
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (offset, limit)) \
                or not 1 <= limit <= MAX_LIMIT or not isinstance(filters, dict):
            raise ValueError('malformed cursor')
        check_filters(filters)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise bad_request('%s: %s is not a valid cursor' % (name, _json_str(value))) from exc
    return offset, limit, filters


def _query_pairs(request):
    """All query parameters in order (repeated ones included)."""
    query = request.raw_path.split('?', 1)[1] if '?' in request.raw_path else ''
    return parse_qsl(query.split('#', 1)[0], keep_blank_values=True)


def _last(pairs, name):
    value = None
    for key, item in pairs:
        if key == name:
            value = item
    return value


def _check_server_filters(filters):
    if set(filters) - {'type', 'resource_ids'} or filters.get('type', 'RECOVERY') not in SERVER_TYPES:
        raise ValueError('unknown server filters')
    resource_ids = filters.get('resource_ids', [])
    if not isinstance(resource_ids, list) or not all(isinstance(v, str) for v in resource_ids):
        raise ValueError('bad resource_ids')


def _parse_limit(value):
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value.strip())
    except ValueError as exc:
        raise bad_request('limit: %s is not of type "integer"' % _json_str(value)) from exc
    if limit < 1:
        raise bad_request('limit: %d is less than the minimum of 1' % limit)
    if limit > MAX_LIMIT:
        raise bad_request('limit: %d is greater than the maximum of %d' % (limit, MAX_LIMIT))
    return limit


def _parse_bool(pairs, name):
    value = _last(pairs, name)
    if value is None:
        return False
    if value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    raise bad_request('%s: %s is not of type "boolean"' % (name, _json_str(value)))


def _check_path_uuid(value):
    if not UUID_RE.match(value):
        raise bad_request('uuid: %s does not match "%s"' % (_json_str(value), UUID_PATTERN))
    return value.lower()


def _check_uuid_field(errors, name, value):
    if not isinstance(value, str):
        errors.append('%s: %s is not of type "string"' % (name, _json_str(value)))
    elif not UUID_RE.match(value):
        errors.append('%s: %s does not match "%s"' % (name, _json_str(value), UUID_PATTERN))


def parse_action_body(request, action):
    """The requested recovery point (or None) of a failover action body (D18)."""
    if request.oversize:
        raise bad_request('body: request body too large')
    body = (request.body or b'').strip()
    if not body:
        return None
    content_type = (request.headers.get('Content-Type') or '').split(';', 1)[0].strip().lower()
    if content_type and content_type != 'application/json' and not content_type.endswith('+json'):
        raise bad_request('body: Content-Type %s is not application/json' % _json_str(content_type))
    try:
        data = json.loads(body.decode('utf-8'))
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request('body: invalid JSON (%s)' % exc) from exc
    if not isinstance(data, dict):
        raise bad_request('body: %s is not of type "object"' % _json_str(data))
    allowed = ('recovery_point',) if action in START_ACTIONS else ()
    errors = ['%s: additional property is not allowed' % key for key in data if key not in allowed]
    point = data.get('recovery_point')
    if 'recovery_point' in data and not errors:
        if not isinstance(point, dict):
            errors.append('recovery_point: %s is not of type "object"' % _json_str(point))
        else:
            for key in ('backup_id', 'archive_id', 'vault_id'):
                if key not in point:
                    errors.append('recovery_point.%s: required property is missing' % key)
                else:
                    _check_uuid_field(errors, 'recovery_point.%s' % key, point[key])
            errors.extend('recovery_point.%s: additional property is not allowed' % key for key in point
                          if key not in ('backup_id', 'archive_id', 'vault_id'))
    if errors:
        raise bad_request(*errors)
    if point is None:
        return None
    return {'backup_id': point['backup_id'], 'archive_id': point['archive_id'], 'vault_id': point['vault_id']}


def _basic_credentials(header):
    """(client_id, client_secret) of an HTTP Basic header, None when absent, ValueError when malformed."""
    if not header or header[:6].lower() != 'basic ':
        return None
    decoded = base64.b64decode(header[6:].strip(), validate=True).decode('utf-8')
    client_id, sep, secret = decoded.partition(':')
    if not sep:
        raise ValueError('no colon')
    return client_id, secret


def _client_matches(client_id, secret):
    """The client dict when id and secret match (raw or form-urlencoded), else None."""
    for candidate_id, candidate_secret in ((client_id, secret), (unquote_plus(client_id), unquote_plus(secret))):
        client = CLIENTS_BY_ID.get(candidate_id.lower())
        if client and hmac.compare_digest(client['client_secret'].encode('utf-8'), candidate_secret.encode('utf-8')):
            return client
    return None


# ---------------------------------------------------------------------------
# the service


class AcronisDRService(Service):
    """Acronis Cyber Cloud DR API v2 and its token endpoint."""

    name = 'acronis_dr'
    prefix = PREFIX
    config_defaults = {
        'token_ttl': 7200,
        'task_seconds': 2.0,
        'failover_status_names': 'named',
        'idle_task_uuid': 'cleared',
    }
    config_choices = {
        'failover_status_names': ('named', 'unfamiliar'),
        'idle_task_uuid': ('cleared', 'kept'),
    }

    # -- Service API ---------------------------------------------------------
    def reset(self):
        super().reset()
        self.tokens = {}
        self.prune_at = TOKEN_PRUNE_AT
        self.servers = {}
        self.sites = {}
        self.running = {}
        self.task_seq = 0
        self.server_seq = 0
        self.seed_counters = {}
        for site_uuid, readiness, status, default, task_uuid, deleted_at in DEFAULT_SITES:
            self.sites[site_uuid] = Site(site_uuid, readiness, status, default, task_uuid, deleted_at)
        for server_uuid, name, server_type, status, site, public_ip, resource_id, description in DEFAULT_SERVERS:
            server = self._new_server(name, server_type, site, DEFAULT_CREATED_AT, server_uuid=server_uuid,
                                      resource_id=resource_id, public_ip=public_ip, description=description)
            if status != 'STAND_BY':
                self._force_status(server, status, None)
        primary = self.servers['6782e594-781d-4ad2-b8ca-25a0c40f9938']
        primary.vm = {'ram_mb': 2048, 'os': 'some OS', 'status': 'STARTED', 'cpu': 1, 'storage': [
            {'id': 'storageID5', 'protected': True, 'size_gb': 2}, {'id': 'storageID6', 'protected': False, 'size_gb': 5}]}
        web = self.servers['1f100401-357b-4d04-a0c0-d1206c947473']
        web.automated_test_failover = {
            'recovery_point': dict(web.latest_point), 'next_start': '2024-02-13T20:20:39+00:00', 'last_status': 'SUCCESS',
            'schedule': 'MONTHLY', 'last_task_uuid': '74a662f8-6fab-4003-8e84-93e6c9996846',
            'last_start': '2024-01-13T20:20:39+00:00', 'timeout': 300}

    def credentials(self):
        info = {'clients': dict((role, dict(client)) for role, client in CLIENTS.items())}
        simulator = self.simulator
        if simulator is not None and simulator.http_url:
            info['url'] = simulator.http_url + DC_SUFFIX
            if simulator.https_url:
                info['https_url'] = simulator.https_url + DC_SUFFIX
        return info

    def identify(self, request):
        user = request.context.get('auth_user')
        if user:
            return user
        match = BEARER_RE.match(request.headers.get('Authorization') or '')
        if match:
            token = self.tokens.get(match.group(1))
            return token.client_id if token is not None else None
        return None

    def error(self, status, kind, message):
        code = {400: 'BadRequest', 404: 'NotFound', 409: 'ResourceBusy'}.get(status, 'InternalError')
        msg = MSG_BAD_REQUEST if status == 400 else MSG_INTERNAL
        return Response.json(status, error_body(code, msg, {}, [message]))

    def fault_response(self, rule, request=None):
        kind = rule['fault']
        if kind == '429':
            retry = rule.get('retry_after', 1)
            retry = int(retry) if float(retry) == int(retry) else float(retry)
            return Response.json(429, error_body('TooManyRequests', MSG_TOO_MANY, {'retry_after': retry}),
                                 [('Retry-After', format_seconds(retry))])
        if kind == 'busy':
            resource_id = NIL_UUID
            if request is not None:
                match = re.match(r'api/dr/v2/(?:servers|sites)/([^/:]+)', unquote(request.path))
                if match:
                    resource_id = match.group(1).lower()
            return error_response(busy_error(resource_id, str(uuid.uuid4())))
        if kind == '500':
            return Response.json(500, error_body('InternalError', MSG_INTERNAL, {}, ['injected fault']))
        return super().fault_response(rule, request)

    def handle(self, request):
        now = time.time()
        self._advance(now)
        path = unquote(request.path).strip('/')
        method = 'GET' if request.method == 'HEAD' else request.method
        try:
            if path == TOKEN_PATH:
                return self._token(request, method, now)
            if path + '/' == API_PATH or path.startswith(API_PATH):
                return self._api(request, method, path[len(API_PATH):], now)
            raise ApiError(404, 'NotFound', 'Endpoint [%s /%s] does not exist.' % (request.method, path))
        except ApiError as exc:
            return error_response(exc)
        except OAuthError as exc:
            return Response.json(exc.status, {'error': exc.error, 'error_description': exc.description}, exc.headers)

    # -- token endpoint ------------------------------------------------------
    def _token(self, request, method, now):
        if method != 'POST':
            raise OAuthError(405, 'invalid_request', 'The token endpoint accepts POST only.', [('Allow', 'POST')])
        content_type = (request.headers.get('Content-Type') or '').split(';', 1)[0].strip().lower()
        if content_type and content_type != 'application/x-www-form-urlencoded':
            raise OAuthError(400, 'invalid_request', 'The request body must be application/x-www-form-urlencoded.')
        try:
            form = dict(parse_qsl((request.body or b'').decode('utf-8'), keep_blank_values=True))
        except UnicodeDecodeError as exc:
            raise OAuthError(400, 'invalid_request', 'The request body is not valid UTF-8.') from exc
        client = self._authenticate_client(request, form)
        request.context['auth_user'] = client['client_id']
        grant_type = form.get('grant_type')
        if not grant_type:
            raise OAuthError(400, 'invalid_request', 'The grant_type parameter is missing.')
        if grant_type != 'client_credentials':
            raise OAuthError(400, 'unsupported_grant_type', 'The grant type %r is not supported.' % grant_type)
        ttl = int(self.config['token_ttl'])
        value = secrets.token_urlsafe(32)
        if len(self.tokens) >= self.prune_at:  # forget dead tokens now and then (amortised O(1) per token)
            self.tokens = dict((key, token) for key, token in self.tokens.items() if token.valid(now))
            self.prune_at = max(TOKEN_PRUNE_AT, 2 * len(self.tokens))
        self.tokens[value] = Token(client['client_id'], client['scope'], now, now + ttl)
        return Response.json(200, {'access_token': value, 'token_type': 'bearer', 'expires_in': ttl,
                                   'expires_on': int(now + ttl), 'scope': client['scope']},
                             [('Cache-Control', 'no-store'), ('Pragma', 'no-cache')])

    @staticmethod
    def _authenticate_client(request, form):
        challenge = [('WWW-Authenticate', 'Basic realm="acronis"')]
        try:
            basic = _basic_credentials(request.headers.get('Authorization'))
        except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
            raise OAuthError(401, 'invalid_client', 'Malformed HTTP Basic credentials.', challenge) from exc
        if basic is not None:
            if 'client_secret' in form:
                raise OAuthError(400, 'invalid_request', 'Use one client authentication method, not Basic and form fields.')
            if 'client_id' in form and form['client_id'].lower() != unquote_plus(basic[0]).lower() \
                    and form['client_id'].lower() != basic[0].lower():
                raise OAuthError(400, 'invalid_request', 'client_id does not match the HTTP Basic credentials.')
            client_id, secret = basic
        elif 'client_id' in form or 'client_secret' in form:
            client_id, secret = form.get('client_id', ''), form.get('client_secret', '')
        else:
            raise OAuthError(401, 'invalid_client', 'Client authentication is required.', challenge)
        client = _client_matches(client_id, secret)
        if client is None:
            raise OAuthError(401, 'invalid_client', 'Client authentication failed.', challenge)
        return client

    # -- DR API ----------------------------------------------------------------
    def _api(self, request, method, path, now):
        token = self._bearer(request, now)
        route, params, allowed = _route(method, path)
        if route is None:
            if allowed:
                raise ApiError(405, 'MethodNotSupported', 'The %s method is not supported by /%s%s.' % (
                    request.method, API_PATH, path), headers=[('Allow', ', '.join(allowed))])
            raise ApiError(404, 'NotFound', 'Endpoint [%s /%s%s] does not exist.' % (request.method, API_PATH, path))
        scopes = ACTION_SCOPES.get(params.get('action'), READ_SCOPES)
        if token.scope not in scopes:
            raise ApiError(403, 'MethodNotAllowed', MSG_FORBIDDEN)
        return getattr(self, route)(request, now, token, **params)

    def _bearer(self, request, now):
        challenge = [('WWW-Authenticate', 'Bearer realm="acronis"')]
        match = BEARER_RE.match(request.headers.get('Authorization') or '')
        if not match:
            raise ApiError(401, 'Unauthorized', MSG_HEADER_INVALID, headers=challenge)
        token = self.tokens.get(match.group(1))
        if token is None or not token.valid(now):
            raise ApiError(401, 'Unauthorized', MSG_TOKEN_INVALID, headers=challenge)
        request.context['auth_user'] = token.client_id
        return token

    # -- paging ----------------------------------------------------------------
    @staticmethod
    def _paging_request(pairs, collection, parse_filters, check_filters):
        """(offset, limit, filters) from the query (D10)."""
        names = set(key for key, _value in pairs)
        if 'after' in names and 'before' in names:
            raise bad_request('after, before: the parameters are mutually exclusive')
        cursor_name = 'after' if 'after' in names else 'before' if 'before' in names else None
        if cursor_name:
            if 'limit' in names:
                raise bad_request('limit, %s: the parameters are mutually exclusive' % cursor_name)
            return decode_cursor(_last(pairs, cursor_name), collection, cursor_name, check_filters)
        limit = _parse_limit(_last(pairs, 'limit'))
        return 0, limit, parse_filters(pairs)

    @staticmethod
    def _page(collection, items, offset, limit, filters, render):
        total = len(items)
        page = items[max(0, offset):max(0, offset + limit)]
        cursors = {}
        if offset + limit < total:
            cursors['after'] = encode_cursor(collection, offset + limit, limit, filters)
        if offset > 0:
            cursors['before'] = encode_cursor(collection, offset - limit, limit, filters)
        paging = {'count': len(page)}
        if cursors:
            paging['cursors'] = cursors
        paging['total'] = total
        return Response.json(200, {'items': [render(item) for item in page], 'paging': paging})

    # -- servers ---------------------------------------------------------------
    @staticmethod
    def _server_filters(pairs):
        server_type = _last(pairs, 'type')
        if server_type is not None and server_type not in SERVER_TYPES:
            raise bad_request('type: %s is not one of ["PRIMARY", "RECOVERY"]' % _json_str(server_type))
        resource_ids = [value for key, value in pairs if key == 'recovery.resource_id']
        bad = [value for value in resource_ids if not RESOURCE_ID_RE.match(value)]
        if bad:
            raise bad_request(*['recovery.resource_id: %s does not match "%s"' % (_json_str(value), RESOURCE_ID_PATTERN)
                                for value in bad])
        filters = {}
        if server_type:
            filters['type'] = server_type
        if resource_ids:
            filters['resource_ids'] = sorted(set(value.lower() for value in resource_ids))
        return filters

    def _filtered_servers(self, filters):
        servers = self.servers.values()
        server_type = filters.get('type')
        resource_ids = filters.get('resource_ids')
        if resource_ids:
            wanted = set(resource_ids)
            if server_type == 'PRIMARY':
                return []
            return [server for server in servers if server.resource_key in wanted]
        if server_type:
            return [server for server in servers if server.type == server_type]
        return list(servers)

    def servers_list(self, request, now, token):  # pylint: disable=unused-argument
        """GET /servers"""
        offset, limit, filters = self._paging_request(_query_pairs(request), 'servers', self._server_filters,
                                                      _check_server_filters)
        items = self._filtered_servers(filters)
        base = self._dc_url(request)
        return self._page('servers', items, offset, limit, filters, lambda server: self.render_server(server, base))

    def server_action(self, request, now, token, uuid_text, action):
        """POST /servers/{uuid}:start_failover_prod|start_failover_test|stop_failover"""
        server_uuid = _check_path_uuid(uuid_text)
        recovery_point = parse_action_body(request, action)
        server = self.servers.get(server_uuid)
        if server is None:
            raise ApiError(404, 'EntityNotFound', 'Server [%s] was not found in the DR infrastructure.' % server_uuid)
        if server.type != 'RECOVERY':
            raise ApiError(409, 'InvalidState', 'Server [%s] is a PRIMARY server: failover operations apply to RECOVERY '
                           'servers only.' % server.uuid, {'resource_id': server.uuid, 'status': self._shown_status(server)})
        if server.task is not None:
            raise busy_error(server.uuid, server.task.uuid)
        if action in START_ACTIONS and server.status != 'STAND_BY':
            raise ApiError(409, 'InvalidState', 'Server [%s] is in status %s: a failover can only start from STAND_BY.' % (
                server.uuid, server.status), {'resource_id': server.uuid, 'status': self._shown_status(server)})
        if action == 'stop_failover' and server.status not in FAILOVER_STATUSES:
            raise ApiError(409, 'InvalidState', 'Server [%s] is in status %s: there is no failover to stop.' % (
                server.uuid, server.status), {'resource_id': server.uuid, 'status': self._shown_status(server)})
        site = self.sites.get(server.site_uuid)
        if action in START_ACTIONS and site is not None and site.failover_readiness == 'ERROR':
            raise ApiError(409, 'SiteNotReady', MSG_SITE_NOT_READY, {'resource_id': server.uuid, 'site_uuid': site.uuid})
        task = self._start_task(server, action, recovery_point, token.client_id, now)
        return Response.json(202, {'task_uuid': task.uuid})

    # -- sites -----------------------------------------------------------------
    def sites_list(self, request, now, token):  # pylint: disable=unused-argument
        """GET /sites"""
        def parse_filters(pairs):
            return {'allow_deleted': True} if _parse_bool(pairs, 'allow_deleted') else {}

        def check_filters(filters):
            if set(filters) - {'allow_deleted'} or filters.get('allow_deleted', True) is not True:
                raise ValueError('unknown site filters')

        offset, limit, filters = self._paging_request(_query_pairs(request), 'sites', parse_filters, check_filters)
        deleted = bool(filters.get('allow_deleted'))
        items = [site for site in self.sites.values() if deleted or site.deleted_at is None]
        base = self._dc_url(request)
        return self._page('sites', items, offset, limit, filters, lambda site: self.render_site(site, base))

    def site_get(self, request, now, token, uuid_text):  # pylint: disable=unused-argument
        """GET /sites/{uuid}"""
        site_uuid = _check_path_uuid(uuid_text)
        allow_deleted = _parse_bool(_query_pairs(request), 'allow_deleted')
        site = self.sites.get(site_uuid)
        if site is None or (site.deleted_at is not None and not allow_deleted):
            raise ApiError(404, 'EntityNotFound', 'Site [%s] was not found in the DR infrastructure.' % site_uuid)
        return Response.json(200, self.render_site(site, self._dc_url(request)))

    # -- rendering -------------------------------------------------------------
    def _dc_url(self, request):
        """The data center URL this request was sent to (D19)."""
        simulator = self.simulator
        host = request.headers.get('Host') if request is not None else None
        if not host or simulator is None:
            return (simulator.http_url if simulator is not None and simulator.http_url else 'http://127.0.0.1') + DC_SUFFIX
        https = simulator.https_url
        scheme = 'http'
        if https:
            tls_port = https.rsplit(':', 1)[1]
            port = host.rsplit(':', 1)[1] if ':' in host.rsplit(']', 1)[-1] else None
            if port == tls_port:
                scheme = 'https'
        return '%s://%s%s' % (scheme, host, DC_SUFFIX)

    def render_server(self, server, base):
        """The server as GET /servers shows it."""
        out = {'name': server.name}
        if server.public_ip:
            out['public_ip'] = server.public_ip
        out['description'] = server.description
        out['uuid'] = server.uuid
        out['vm'] = dict(server.vm)
        issues = []
        links = self._base_links(server, base)
        if server.type == 'RECOVERY':
            if server.task is not None:
                actions = ACTION_LINKS
            elif server.status == 'STAND_BY':
                actions = ACTION_LINKS[:2]
            elif server.status in FAILOVER_STATUSES:
                actions = ACTION_LINKS[2:]
            else:
                actions = ()
            for action, rel in actions:
                links.append({'rel': rel, 'type': 'application/json',
                              'href': '%s/%sservers/%s:%s' % (base, API_PATH, server.uuid, action)})
                if server.task is not None:
                    issues.append({'domain': DOMAIN, 'error': {
                        'code': 'ResourceBusy', 'context': busy_context(server.uuid, server.task.uuid), 'domain': DOMAIN,
                        'message': MSG_BUSY_ISSUE}, 'link': rel, 'target': server.uuid, 'severity': 'ERROR'})
            site = self.sites.get(server.site_uuid)
            if site is not None and site.failover_readiness == 'ERROR':
                for action, rel in actions:
                    if action in START_ACTIONS:
                        issues.append({'domain': DOMAIN, 'error': {
                            'code': 'SiteNotReady', 'context': {'site_uuid': site.uuid}, 'domain': DOMAIN,
                            'message': MSG_SITE_NOT_READY}, 'link': rel, 'target': server.uuid, 'severity': 'ERROR'})
        out['_issues'] = issues
        out['site_uuid'] = server.site_uuid
        if server.type == 'RECOVERY':
            recovery = {}
            if server.active_failover is not None:
                recovery['active_failover'] = dict(server.active_failover)
            if server.automated_test_failover is not None:
                recovery['automated_test_failover'] = dict(server.automated_test_failover)
            recovery['resource_id'] = server.resource_id
            if server.test_failover is not None:
                recovery['test_failover'] = dict(server.test_failover)
            out['recovery'] = recovery
        out['status'] = self._shown_status(server)
        out['created_at'] = server.created_at
        if server.task is not None:
            out['task_uuid'] = server.task.uuid
        elif server.history and self.config['idle_task_uuid'] == 'kept':
            out['task_uuid'] = server.history[-1].uuid
        out['type'] = server.type
        if server.type == 'PRIMARY':
            out['primary'] = {'vault_id': server.vault_id}
        out['_links'] = links
        return out

    def _shown_status(self, server):
        """The status as the API shows it (D22: the steady failover names depend on a knob)."""
        if server.status in FAILOVER_STATUSES and self.config['failover_status_names'] == 'unfamiliar':
            return UNFAMILIAR_STATUS
        return server.status

    @staticmethod
    def _base_links(server, base):
        login = '%s/bc/login?tenant_id=%d&return_url=%%2Fapi%%2F2%%2Fidp%%2Fauthorize' % (base, TENANT_ID)
        resources = '&resourceId=%s' % server.uuid
        if server.resource_id:
            resources = '&resourceId=%s%s' % (server.resource_id, resources)
        return [
            {'rel': 'DR_CLOUD_SERVER_PAGE', 'type': 'text/html', 'href': '%s#/dr-servers?id=%s' % (login, server.uuid)},
            {'rel': 'DR_CLOUD_SERVER_RECOVERY_POINTS', 'type': 'application/json',
             'href': '%s/bc/api/vault_manager/v1/backups?backupType=differential&backupType=full&backupType=incremental'
                     '&embed=archive&order=desc(created)&storageType=online&type=image%s' % (base, resources)},
            {'rel': 'DR_CLOUD_SERVER_REMOTE_CONSOLE_PAGE', 'type': 'text/html',
             'href': '%s#/dr-server-remote-console' % login},
        ]

    @staticmethod
    def render_site(site, base):
        """The site as GET /sites shows it."""
        issues = []
        if site.failover_readiness == 'ERROR':
            issues.append({'domain': DOMAIN, 'target': site.uuid, 'severity': 'ERROR',
                           'error': {'code': 'SiteNotReady', 'domain': DOMAIN, 'message': MSG_SITE_NOT_READY}})
        elif site.failover_readiness == 'WARNING':
            issues.append({'domain': DOMAIN, 'target': site.uuid, 'severity': 'WARNING',
                           'error': {'code': 'VPNS2SApplianceNotRegistered', 'domain': DOMAIN, 'message': MSG_VPN_WARNING}})
        out = {'tenant_uuid': TENANT_UUID, 'uuid': site.uuid, 'failover_readiness': site.failover_readiness,
               '_issues': issues, 'status': site.status, 'default': site.default}
        if site.task_uuid:
            out['task_uuid'] = site.task_uuid
        if site.deleted_at:
            out['deleted_at'] = site.deleted_at
        out['_links'] = [{'rel': 'DR_SITE_CONNECTIVITY_PAGE', 'type': 'text/html',
                          'href': '%s/dr/sites/%s/connectivity' % (base, site.uuid)}]
        return out

    # -- servers: state ----------------------------------------------------------
    def _new_server(self, name, server_type, site_uuid, created_at, server_uuid=None, resource_id=None, public_ip=None,
                    description=''):
        self.server_seq += 1
        server_uuid = (server_uuid or str(uuid.uuid5(NAMESPACE, 'server-%d' % self.server_seq))).lower()
        server = Server(server_uuid, name, server_type, site_uuid, created_at)
        server.public_ip = public_ip
        server.description = description
        if server_type == 'RECOVERY':
            server.resource_id = resource_id or str(uuid.uuid5(NAMESPACE, 'resource-%s' % server_uuid)).upper()
            server.resource_key = server.resource_id.lower()
            server.latest_point = _recovery_point_of(server_uuid)
        self.servers[server_uuid] = server
        return server

    def _force_status(self, server, status, vm_status):
        """Admin/default data: put a RECOVERY server in a steady status with matching failover data."""
        server.status = status
        if status in FAILOVER_STATUSES:
            point = server.latest_point
            server.active_failover = {'id': str(uuid.uuid5(NAMESPACE, 'failover-' + server.uuid)),
                                      'backup_uri': _backup_uri(server, point), 'vault_id': point['vault_id']}
            if status == 'TEST_FAILOVER':
                server.test_failover = {'recovery_point': dict(point), 'last_start': server.created_at,
                                        'last_task_uuid': str(uuid.uuid5(NAMESPACE, 'task-' + server.uuid))}
            server.vm['status'] = vm_status or 'STARTED'
        else:
            server.vm['status'] = vm_status or 'STOPPED'

    def _next_task_uuid(self):
        self.task_seq += 1
        return str(uuid.uuid5(NAMESPACE, 'task-%d' % self.task_seq))

    def _start_task(self, server, action, recovery_point, client_id, now):
        task = Task(self._next_task_uuid(), action, server.status, recovery_point, now, server.fail_next, client_id)
        server.fail_next = False
        if action in START_ACTIONS:
            point = recovery_point or server.latest_point
            server.status = 'POWERING_ON'
            server.vm['status'] = 'STOPPED'
            server.active_failover = {'id': str(uuid.uuid5(NAMESPACE, 'failover-' + task.uuid)),
                                      'backup_uri': _backup_uri(server, point), 'vault_id': point['vault_id']}
            if action == 'start_failover_test':
                server.test_failover = {'recovery_point': dict(point), 'last_start': iso(now), 'last_task_uuid': task.uuid}
        else:
            server.status = 'POWERING_OFF'
            server.vm['status'] = 'STARTED'
        server.task = task
        server.history.append(task)
        self.running[server.uuid] = server
        return task

    def _finish_task(self, server, ended):
        task = server.task
        if task.action in START_ACTIONS:
            if task.fail:
                server.status = task.from_status
                server.vm['status'] = 'STOPPED'
                server.active_failover = None
            else:
                server.status = STEADY_AFTER_START[task.action]
                server.vm['status'] = 'STARTED'
        elif task.fail:
            server.status = task.from_status
            server.vm['status'] = 'STARTED'
        else:
            server.status = 'STAND_BY'
            server.vm['status'] = 'STOPPED'
            server.active_failover = None
        task.result = 'failed' if task.fail else 'succeeded'
        task.ended = ended
        server.task = None
        del self.running[server.uuid]

    def _advance(self, now):
        """Finish the tasks whose time has come (D20): only servers with a running task are looked at."""
        if self.running:
            duration = float(self.config['task_seconds'])
            for server in [s for s in self.running.values() if s.task.started + duration <= now]:
                self._finish_task(server, min(now, server.task.started + duration))

    # -- seeding and admin -------------------------------------------------------
    def seed(self, params):
        try:
            count = int(params.get('servers', 0))
        except (TypeError, ValueError) as exc:
            raise AdminError(400, 'servers must be an integer') from exc
        if count < 0:
            raise AdminError(400, 'servers must not be negative')
        prefix = str(params.get('prefix') or 'bulk')
        server_type = str(params.get('type') or 'RECOVERY')
        if server_type not in SERVER_TYPES:
            raise AdminError(400, 'type must be PRIMARY or RECOVERY')
        site_uuid = self._admin_site(params.get('site_uuid'))
        self._advance(time.time())
        start = self.seed_counters.get(prefix, 0)
        created = []
        for index in range(start + 1, start + count + 1):
            public_ip = '8.9.%d.%d' % (100 + index // 250 % 150, index % 250 + 1) if index % 3 else None
            server = self._new_server('%s-%05d' % (prefix, index), server_type, site_uuid, DEFAULT_CREATED_AT,
                                      public_ip=public_ip, description='Seeded %s server %d' % (server_type.lower(), index))
            if server_type == 'PRIMARY':
                server.vm['status'] = 'STARTED'
            created.append(server.uuid)
        self.seed_counters[prefix] = start + count
        return {'servers': created, 'total': len(self.servers)}

    def admin(self, action, method, params):
        self._advance(time.time())
        if action == 'expire-tokens' and method == 'POST':
            expired = 0
            for token in self.tokens.values():
                if not token.revoked:
                    token.revoked = True
                    expired += 1
            return {'ok': True, 'expired': expired}
        if action == 'fail-next-task' and method == 'POST':
            server = self._admin_server(params)
            server.fail_next = bool(params.get('fail', True))
            return {'ok': True, 'uuid': server.uuid, 'fail_next_task': server.fail_next}
        if action == 'servers' and method == 'GET':
            name = params.get('name')
            return {'servers': [{'uuid': s.uuid, 'name': s.name, 'type': s.type, 'status': s.status,
                                 'task_uuid': s.task.uuid if s.task else None}
                                for s in self.servers.values() if name in (None, s.name)]}
        if action == 'servers' and method == 'POST':
            server = self._admin_add_server(params)
            return {'ok': True, 'uuid': server.uuid, 'name': server.name, 'server': self.render_server(server, self._dc_url(None))}
        if action.startswith('servers/') and method == 'GET':
            return self._admin_server_state(self._admin_server({'uuid': action[len('servers/'):]}))
        if action == 'sites' and method == 'POST':
            return {'ok': True, 'site': self.render_site(self._admin_update_site(params), self._dc_url(None))}
        if action == 'clients' and method == 'GET':
            return {'clients': dict((role, dict(client)) for role, client in CLIENTS.items())}
        if action == 'tokens' and method == 'GET':
            now = time.time()
            tokens = [{'client_id': t.client_id, 'scope': t.scope, 'issued_at': t.issued, 'expires_on': int(t.expires_at),
                       'valid': t.valid(now)} for t in self.tokens.values()]
            return {'issued': len(tokens), 'valid': sum(1 for t in tokens if t['valid']), 'tokens': tokens}
        raise AdminError(404, 'unknown admin action %s %s/%s (known: POST expire-tokens, POST fail-next-task, GET servers, '
                              'POST servers, GET servers/UUID, POST sites, GET clients, GET tokens)' % (method, self.name, action))

    def _admin_server(self, params):
        if params.get('uuid'):
            server = self.servers.get(str(params['uuid']).lower())
            if server is None:
                raise AdminError(404, 'server %s not found' % params['uuid'])
            return server
        if params.get('name'):
            found = [s for s in self.servers.values() if s.name == params['name']]
            if len(found) != 1:
                raise AdminError(404 if not found else 400, '%d servers are named %r' % (len(found), params['name']))
            return found[0]
        raise AdminError(400, '"uuid" (or "name") is required')

    def _admin_site(self, value):
        if value in (None, ''):
            return DEFAULT_SITE
        site_uuid = str(value).lower()
        if site_uuid not in self.sites:
            raise AdminError(404, 'site %s not found' % value)
        return site_uuid

    def _admin_server_state(self, server):
        duration = float(self.config['task_seconds'])
        return {'uuid': server.uuid, 'name': server.name, 'type': server.type, 'status': server.status,
                'server': self.render_server(server, self._dc_url(None)), 'fail_next_task': server.fail_next,
                'latest_recovery_point': dict(server.latest_point) if server.latest_point else None,
                'task': server.task.as_dict(duration) if server.task else None,
                'tasks': [task.as_dict(duration) for task in server.history]}

    def _admin_add_server(self, params):
        name = params.get('name')
        if not isinstance(name, str) or not name:
            raise AdminError(400, '"name" (a non-empty string) is required')
        server_type = params.get('type', 'RECOVERY')
        if server_type not in SERVER_TYPES:
            raise AdminError(400, 'type must be PRIMARY or RECOVERY')
        status = params.get('status', 'STAND_BY')
        allowed = STEADY_STATUSES if server_type == 'RECOVERY' else ('STAND_BY',)
        if status not in allowed:
            raise AdminError(400, 'status of a %s server must be one of %s' % (server_type, ', '.join(allowed)))
        server_uuid = params.get('uuid')
        if server_uuid is not None and (not isinstance(server_uuid, str) or not UUID_RE.match(server_uuid)
                                        or server_uuid.lower() in self.servers):
            raise AdminError(400, 'uuid must be a new UUID')
        resource_id = params.get('resource_id')
        if resource_id is not None and (server_type != 'RECOVERY' or not isinstance(resource_id, str)
                                        or not RESOURCE_ID_RE.match(resource_id)):
            raise AdminError(400, 'resource_id is for RECOVERY servers and must match %s' % RESOURCE_ID_PATTERN)
        vm = params.get('vm') or {}
        if not isinstance(vm, dict) or vm.get('status', 'STARTED') not in ('STARTED', 'STOPPED'):
            raise AdminError(400, 'vm must be an object; vm.status STARTED or STOPPED')
        site_uuid = self._admin_site(params.get('site_uuid'))
        server = self._new_server(name, server_type, site_uuid, iso(time.time()), server_uuid=server_uuid,
                                  resource_id=resource_id, public_ip=params.get('public_ip') or None,
                                  description=str(params.get('description') or ''))
        if server_type == 'RECOVERY':
            self._force_status(server, status, vm.get('status'))
        else:
            server.vm['status'] = vm.get('status', 'STARTED')
        server.vm.update((key, value) for key, value in vm.items() if key != 'status')
        return server

    def _admin_update_site(self, params):
        site_uuid = str(params.get('uuid') or '').lower()
        site = self.sites.get(site_uuid)
        if site is None:
            raise AdminError(404, 'site %s not found' % params.get('uuid'))
        readiness = params.get('failover_readiness', site.failover_readiness)
        status = params.get('status', site.status)
        if readiness not in READINESS or status not in SITE_STATUSES:
            raise AdminError(400, 'failover_readiness must be one of %s; status one of %s' % (
                ', '.join(READINESS), ', '.join(SITE_STATUSES)))
        site.failover_readiness = readiness
        site.status = status
        if status == 'PROVISIONED':
            site.task_uuid = None
        elif not site.task_uuid and site.deleted_at is None:
            site.task_uuid = self._next_task_uuid()
        if 'deleted' in params:
            site.deleted_at = iso(time.time()) if params['deleted'] else None
        return site


# ---------------------------------------------------------------------------
# routes

_ACTION_RE = re.compile(r'servers/([^/:]+):([A-Za-z_]+)')
_SITE_RE = re.compile(r'sites/([^/:]+)')


def _route(method, path):
    """(handler name, params, allowed methods) for a path after api/dr/v2/."""
    if path == 'servers':
        return ('servers_list', {}, None) if method == 'GET' else (None, None, ['GET', 'HEAD'])
    if path == 'sites':
        return ('sites_list', {}, None) if method == 'GET' else (None, None, ['GET', 'HEAD'])
    match = _ACTION_RE.fullmatch(path)
    if match and match.group(2) in ACTION_SCOPES:
        if method == 'POST':
            return 'server_action', {'uuid_text': match.group(1), 'action': match.group(2)}, None
        return None, None, ['POST']
    match = _SITE_RE.fullmatch(path)
    if match:
        if method == 'GET':
            return 'site_get', {'uuid_text': match.group(1)}, None
        return None, None, ['GET', 'HEAD']
    return None, None, None
