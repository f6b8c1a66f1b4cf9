# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin client of the original CloudEndure API (the "CloudEndure API Guide", seed 000).

Every function is ``POST <api_url><FUNCTION>`` with the parameters in one JSON
object; every answer is the envelope ``{"error": null | "<Error String>",
"result": <value>}`` (seed L9-L13).  Readings of the seed where it is silent or
ambiguous (the simulator has a knob for each, see
``tests/simulator/backupdr_simulator/cloudendure.py`` D1-D27):

* The HTTP status of an error is not documented: ``error`` is read whatever
  the status is (200, 4xx or 5xx), and a body that is not the envelope (a
  gateway's 502) is an HTTP error like any other.
* "JSON-encoded" values (L11, L13): parameters are sent as plain nested JSON,
  or each as a string holding JSON with ``double_encoding``; a ``result`` that
  is a string is decoded once (no function returns a plain string).
* ``setPassword`` names ``oldPassword`` only in an error (L186): it is always
  sent.  ``setUserDetails`` has no documented parameter name (L154): the object
  is sent under ``userDetails`` (the name L139 gives it) *and* its keys at the
  top level, so either reading finds it.
* ``machineld`` / ``machinelds`` (L215, L301) and ``machineId`` / ``machineIds``
  (L239, L274): both spellings are sent with the same value.

The session (L80-97): ``login`` returns a cookie ``session``; one session is
shared by the tasks and forks of a play through the private cache of
``oauth.py`` (never the password).  "Not Logged In" logs in again once and
replays only reads and the calls the seed says are safe to repeat.  "Bad
Credentials" is never retried, and is remembered (without the password) so that
the other forks of the play do not try the same password again: three failed
logins within a minute lock the account.  "Too Many Failed Attempts" stops with
a message to wait a minute, and is remembered for that minute.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ENV_SOURCES, unique_by_name
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import (
    ApiError, HttpClient, api_argument_spec, backoff_delay, http_options, parse_retry_after,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.oauth import CachedCredential, TokenCache, usable
from ansible_collections.backupdr.cloud.plugins.module_utils.private import digest
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (
    ValidationError, check_header_value, check_single_line, check_url, pattern,
)

try:
    from http.cookiejar import DefaultCookiePolicy
    from http.cookies import CookieError, SimpleCookie
except ImportError:  # pragma: no cover - Python 2 is not supported
    DefaultCookiePolicy = None
    SimpleCookie = None
    CookieError = Exception

SERVICE = 'CloudEndure'
DEFAULT_API_URL = 'https://api.cloudendure.com/latest/'
COOKIE_NAME = 'session'

# -- the seed's error strings (exact) ---------------------------------------------------
E_BAD_CREDENTIALS = 'Bad Credentials'
E_TOO_MANY = 'Too Many Failed Attempts'
E_UNEXPECTED = 'Unexpected Error'
E_NOT_LOGGED_IN = 'Not Logged In'
E_DETAILS_NOT_SET = 'Details Not Set'
E_CANNOT_CHANGE_EMAIL = 'Cannot Change Email'
E_IN_PROGRESS = 'Replica Creation or Failover in Progress'
E_UNKNOWN_ORIGINAL = 'Unknown Original Location'
E_UNKNOWN_MIRROR = 'Unknown Mirror Location'
E_UNKNOWN_LOCATION = 'Unknown Location'
E_BAD_FEATURES = 'Bad Features'
E_PASSWORD_ILLEGAL = 'Password Is Illegal'
E_INCORRECT_OLD = 'Incorrect Old Password'
E_MACHINE_CREDENTIALS = 'Machine Credentials Missing'
E_BAD_MACHINE_ID = 'Bad Machine Id'
E_NOT_RUNNING = 'Machine Is Not Running'
E_AGENT_NOT_RUNNING = 'Agent Not Running'
E_NOT_READY = 'Not Ready'
E_BAD_TIMESTAMP = 'Bad timestamp'
E_BAD_IDS = 'Bad Ids'
E_BAD_ID = 'Bad Id'
E_BAD_CONFIGURATION = 'Bad Configuration Format'
E_NOT_EDITABLE = 'Field Not Editable'
E_NOT_SUPPORTED = 'Not Supported'

#: The seed's description of each error (carried into failures after the exact string).
ERROR_TEXT = {
    E_BAD_CREDENTIALS: "the username doesn't exist, the password doesn't match the username, or the user has not "
                       "been activated",
    E_TOO_MANY: 'not enough time passed since the last failed attempt',
    E_UNEXPECTED: 'internal server error of the service',
    E_NOT_LOGGED_IN: 'the session is not valid (expired or logged out)',
    E_DETAILS_NOT_SET: 'the account settings were never set (setUserDetails); set them with '
                       'backupdr.cloud.cloudendure_account first',
    E_CANNOT_CHANGE_EMAIL: 'the username differs from the one CloudEndure stores for this user',
    E_IN_PROGRESS: 'the account settings cannot change while a replica is created or a failover runs',
    E_UNKNOWN_ORIGINAL: 'the location is not one getAllLocations returns, or not the current Primary Location',
    E_UNKNOWN_MIRROR: 'the Secondary Location is not one getAllLocations returns',
    E_UNKNOWN_LOCATION: 'the location is not one getAllLocations returns',
    E_BAD_FEATURES: 'a feature is malformed, does not exist or is not available for this account',
    E_PASSWORD_ILLEGAL: 'the new password is empty or illegal (too short or too long)',
    E_INCORRECT_OLD: 'the old password does not match the current password',
    E_MACHINE_CREDENTIALS: 'the credentials CloudEndure needs to connect to the instance are missing (stored with '
                           'storeCredentials, which this API guide does not document: store them in the console)',
    E_BAD_MACHINE_ID: 'the id matches no instance in the Primary Location',
    E_NOT_RUNNING: 'the instance is not running',
    E_AGENT_NOT_RUNNING: "CloudEndure's agent is not running on the machine",
    E_NOT_READY: 'a clone, a cleanup or a failover is in progress',
    E_BAD_TIMESTAMP: 'the point in time is not available',
    E_BAD_IDS: 'an id does not correspond to a machine that is replicated or replicating',
    E_BAD_ID: 'the id does not correspond to a machine that is replicated or replicating',
    E_BAD_CONFIGURATION: 'the replica configuration is malformed',
    E_NOT_EDITABLE: 'a field marked "editable": "false" was changed',
    E_NOT_SUPPORTED: 'a value is not supported for this type of machine (AWS or non-AWS)',
}

# -- how safe each function is to send again ---------------------------------------------
READ = 'read'
SAFE = 'safe'      # the seed says repeating it changes nothing (startReplication, L210) or it overwrites (set*)
UNSAFE = 'unsafe'  # never sent twice: clone, cleanup, completeFailover, stopReplication, setPassword
KINDS = {
    'getAllLocations': READ, 'getUserDetails': READ, 'listMachines': READ, 'getStatus': READ,
    'getAvailableTimestamps': READ, 'getFutureReplicaConfiguration': READ,
    'setUserDetails': SAFE, 'setFutureReplicaConfiguration': SAFE, 'startReplication': SAFE,
    'stopReplication': UNSAFE, 'setPassword': UNSAFE, 'clone': UNSAFE, 'cleanup': UNSAFE,
    'completeFailover': UNSAFE, 'logout': UNSAFE,
}
#: Functions that change something (for check mode and request-log assertions).
WRITE_FUNCTIONS = ('setUserDetails', 'setPassword', 'startReplication', 'stopReplication', 'clone', 'cleanup',
                   'completeFailover', 'setFutureReplicaConfiguration')

# -- states ------------------------------------------------------------------------------------
STATUS_NORMAL = 'normal'
PROCESS_STATUSES = ('cloning', 'cleaningUp', 'failingOver')
STATE_NOT = 'Not Replicated'
STATE_REPLICATING = 'Replicating'
STATE_REPLICATED = 'Replicated'
STATE_STOPPING = 'Stopping Replication'
REPLICATION_STATES = (STATE_NOT, STATE_REPLICATING, STATE_REPLICATED, STATE_STOPPING)
PROTECTED_STATES = (STATE_REPLICATING, STATE_REPLICATED)
#: "Replication can only start if either Running or Available" (L42).
RUNNING_CLOUD_STATES = ('Running', 'Available')
MACHINE_TYPES = ('ec2', 'rds', 'machine')

#: How long a session is handed out from the cache after its login (the seed gives no lifetime; a session
#: that expired earlier is renewed once on "Not Logged In").
SESSION_CACHE_SECONDS = 1800.0
#: How long a refused login is remembered: longer than the one-minute window of "successive" failures (L82),
#: so that one controller never makes two failed attempts with the same password within the window.
REFUSAL_SECONDS = 65.0
#: How long a lockout ("Too Many Failed Attempts") is remembered when the service gives no Retry-After.
LOCKOUT_SECONDS = 65.0

COOKIE_RE = pattern(r"[!#-+\--:<-\[\]-~]{1,4096}")
MAX_ID_LENGTH = 255

CLOUDENDURE_ARGUMENT_SPEC = dict(
    api_url=dict(type='str', default=DEFAULT_API_URL, fallback=(env_fallback, ['CLOUDENDURE_API_URL'])),
    username=dict(type='str', required=True, fallback=(env_fallback, ['CLOUDENDURE_USERNAME'])),
    password=dict(type='str', required=True, no_log=True, fallback=(env_fallback, ['CLOUDENDURE_PASSWORD'])),
    double_encoding=dict(type='bool', default=False, fallback=(env_fallback, ['CLOUDENDURE_DOUBLE_ENCODING'])),
    session_cache=dict(type='bool', default=True, fallback=(env_fallback, ['BACKUPDR_TOKEN_CACHE'])),
    session_cache_dir=dict(type='path', fallback=(env_fallback, ['BACKUPDR_TOKEN_CACHE_DIR'])),
)

#: The options an inventory plugin passes to the client.
CONNECTION_OPTIONS = ('api_url', 'username', 'password', 'double_encoding', 'session_cache', 'session_cache_dir',
                      'validate_certs', 'ca_path', 'api_timeout', 'api_retries', 'api_retry_max_delay')

ON_NOT_READY_SPEC = dict(type='str', default='wait', choices=['wait', 'fail'])


def cloudendure_argument_spec(**options):
    """The connection options, the common HTTP options, then the module's own."""
    spec = api_argument_spec(**dict((k, dict(v)) for k, v in CLOUDENDURE_ARGUMENT_SPEC.items()))
    spec.update(options)
    return spec


# -- pure helpers ---------------------------------------------------------------------------


def describe(error):
    """What the seed says an error string means (the message of an ApiError whose ``code`` is the exact string:
    ``str(err)`` shows both, ``CloudEndure API error: POST clone: Not Ready: a clone, ... is in progress``)."""
    return ERROR_TEXT.get(error) or str(error)


def decode_once(value):
    """A ``result`` that is a string holding JSON is decoded once (D4); anything else is returned as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def encode_params(params, double):
    """The request body: plain nested JSON, or every value a string holding JSON (``double``)."""
    if not double:
        return dict(params)
    return dict((key, json.dumps(value)) for key, value in params.items())


def parse_envelope(response):
    """``(error, result)`` of an answer, or None when the body is not the envelope."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or 'error' not in body:
        return None
    error = body.get('error')
    if error is not None and not isinstance(error, str):
        error = json.dumps(error)
    return error or None, body.get('result')


def error_parser(response):
    """(code, message, details) of an HTTP error: the envelope's ``error`` string when there is one."""
    envelope = parse_envelope(response)
    if envelope is not None and envelope[0]:
        return envelope[0], describe(envelope[0]), None
    text = ''
    try:
        text = (response.text or '').strip()
    except Exception:  # pylint: disable=broad-except
        text = ''
    return None, text[:300] or response.reason or 'request failed', None


def session_cookie(response):
    """The ``session`` cookie a login answer sets, or None."""
    value = response.cookies.get(COOKIE_NAME) if response.cookies is not None else None
    if value:
        return value
    headers = []
    raw = getattr(response, 'raw', None)
    getlist = getattr(getattr(raw, 'headers', None), 'getlist', None)
    if getlist is not None:
        headers = getlist('Set-Cookie')
    elif response.headers.get('Set-Cookie'):
        headers = [response.headers['Set-Cookie']]
    for header in headers:
        cookie = SimpleCookie()
        try:
            cookie.load(header)
        except CookieError:
            continue
        if COOKIE_NAME in cookie and cookie[COOKIE_NAME].value:
            return cookie[COOKIE_NAME].value
    return None


def check_machine_ident(value, option):
    """A machine id or name as given by the user (sent only inside a JSON body)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(option, 'expected a machine id or name, got %r' % (value,))
    if value != value.strip():
        raise ValidationError(option, 'machine id or name %r has surrounding spaces' % value)
    check_single_line(value, option, 'machine id or name')
    if len(value) > MAX_ID_LENGTH:
        raise ValidationError(option, 'machine id or name is longer than %d characters' % MAX_ID_LENGTH)
    return value


def check_machine_idents(values, option):
    out = []
    for value in values or ():
        value = check_machine_ident(value, option)
        if value not in out:
            out.append(value)
    return out


def resolve_machines(machines, idents, option, where):
    """The machines of ``machines`` named by ``idents`` (an id, else a name that is unique there).

    An id wins over a name.  A name two machines share is an error listing their ids; so is an ident that
    matches nothing.  ``where`` names the location in messages ("the Primary Location AWS US East").
    """
    by_id = dict((m.get('id'), m) for m in machines)
    out = []
    for ident in idents:
        machine = by_id.get(ident)
        if machine is None:
            machine = unique_by_name(machines, ident, option, 'machine', id_key='id',
                                     hint='both in %s: give the id of the one you mean' % where)
        if machine is None:
            raise ValidationError(option, 'no machine in %s has the id or the name %r' % (where, ident))
        if machine not in out:
            out.append(machine)
    return out


def progress(machine):
    """Percent of the initial copy done (``replicatedStorageBytes / totalStorageBytes``, L49), or None."""
    state = machine.get('replicationState')
    if state == STATE_REPLICATED:
        return 100
    if state != STATE_REPLICATING:
        return None
    try:
        total = float(machine.get('totalStorageBytes') or 0)
        done = float(machine.get('replicatedStorageBytes') or 0)
    except (TypeError, ValueError):
        return None
    if total <= 0:
        return 0
    return int(min(100.0, max(0.0, 100.0 * done / total)))


def machine_view(machine, location=None, role=None):
    """A CloudResource as modules return it: the API's keys, plus ``location``, ``role`` (primary, secondary or
    None), ``is_replica`` (CloudEndure created it: ``originalId`` is set) and ``progress`` (percent)."""
    out = dict(machine)
    out['location'] = location
    out['role'] = role
    out['is_replica'] = bool(machine.get('originalId'))
    out['progress'] = progress(machine)
    return out


def epoch(value):
    """An epoch-seconds string of the API as an int, or None."""
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def iso(value):
    """Epoch seconds as ``YYYY-MM-DDTHH:MM:SSZ`` (None stays None)."""
    number = epoch(value)
    if number is None:
        return None
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(number))


def status_log(status):
    """The ``log`` of a UserStatus as a list of lines (L58: only while a process runs)."""
    log = (status or {}).get('log')
    if not log or not isinstance(log, str):
        return []
    # Lines end with \n (or \r\n) only: str.splitlines() would also split a message holding U+2028 or \x85.
    return [line.rstrip('\r') for line in log.split('\n') if line.strip()]


# -- the session ------------------------------------------------------------------------------------


class CloudEndureSession(CachedCredential):
    """The ``session`` cookie of one (API URL, username, password), cached like a token.

    * One login per play: the cookie is kept in memory and in the private cache shared by the forks
      (``oauth.py``); the cache holds the cookie, its expiry, the URL and the username, never the password
      (the file name is a digest that includes it).
    * A refused login ("Bad Credentials") is remembered for :data:`REFUSAL_SECONDS` under a digest of the URL,
      username and password, and a lockout ("Too Many Failed Attempts") for a minute under the URL and
      username, in the private directory even when ``session_cache`` is off: the other tasks and forks fail
      with the remembered answer instead of logging in again.
    * Logins of one account are serialised on this host (a lock in the private directory), so forks that
      start together make one attempt between them.
    """

    field = COOKIE_NAME
    refusal_ttl = REFUSAL_SECONDS

    def __init__(self, client, api_url, username, password, cache=None, refusals=None, clock=time.time):
        super(CloudEndureSession, self).__init__(('cloudendure-session', api_url, username.lower(), password),
                                                 cache=cache, clock=clock)
        self.client = client
        self.api_url = api_url
        self.username = username
        self._password = password
        self.refusals = refusals
        self.lock_key = digest('cloudendure-lockout', api_url, username.lower())
        self.obtained = None  # the cookie this object obtained by logging in (for logout without a cache)

    # -- authenticator interface ---------------------------------------------------------
    def _header(self, value):
        return {'Cookie': '%s=%s' % (COOKIE_NAME, value)}

    def rejected_value(self, header_value):
        return header_value

    def value(self, http):
        return self._value(http)

    def _usable(self, entry, now):
        return usable(entry, now, self.field)

    # -- remembered refusals -------------------------------------------------------------
    def _refusal_key(self):
        return self.key + '-refused'

    def _check_refusal(self):
        if self.refusals is None:
            return
        now = self.clock()
        for key in (self.lock_key, self._refusal_key()):
            entry = self.refusals.load(key)
            if not entry or float(entry.get('until', 0)) <= now:
                continue
            ago = int(max(0.0, now - float(entry.get('at', now))))
            left = int(max(1.0, float(entry['until']) - now))
            if entry.get('code') == E_TOO_MANY:
                message = ('the account %s is locked after repeated failed logins; seen %ds ago by another task of '
                           'this play, so no login was tried (every attempt during the lock starts the minute again). '
                           'Wait one minute without trying (about %ds from now), then run again with the right '
                           'password' % (self.username, ago, left))
            else:
                message = ('the service refused these credentials for %s %ds ago (another task of this play, or an '
                           'earlier run); not tried again for %ds, because three failed logins within a minute lock '
                           'the account. Check the username and password (%s)' % (
                               self.username, ago, left, describe(E_BAD_CREDENTIALS)))
            # No request was sent this time: no HTTP status.
            raise ApiError(message, code=entry.get('code'), service=SERVICE, method='POST', path='login')

    def remember_refusal(self, err, seconds=None, lockout=False):
        if self.refusals is None:
            return
        now = self.clock()
        self.refusals.store(self.lock_key if lockout else self._refusal_key(), dict(
            until=now + (seconds or self.refusal_ttl), at=now, code=err.code, status=err.status))

    def forget_refusal(self):
        if self.refusals is not None:
            self.refusals.remove(self._refusal_key())
            self.refusals.remove(self.lock_key)

    # -- login ------------------------------------------------------------------------------
    def _request_entry(self, http, previous):
        lock = self.refusals.lock(self.lock_key) if self.refusals is not None else _NoLock()
        with lock:
            # Another process may have failed (or been locked out) while this one waited.
            self._check_refusal()
            return self._login(http)

    def _login(self, http):
        body = encode_params(dict(username=self.username, password=self._password), self.client.double)
        response = http.request('POST', 'login', idempotent=False, expected=ALL_STATUSES, authenticate=False,
                                json=body)
        envelope = parse_envelope(response)
        if envelope is None:
            code, message, details = error_parser(response)
            raise ApiError('login failed: %s' % message, status=response.status_code, code=code, method='POST',
                           path='login', service=SERVICE, details=details)
        error = envelope[0]
        if error == E_BAD_CREDENTIALS:
            err = ApiError('%s; not tried again: three failed logins within a minute lock the account, so the '
                           'other tasks and forks of this play with the same credentials get this answer without '
                           'logging in for %ds%s' % (describe(E_BAD_CREDENTIALS), int(self.refusal_ttl),
                                                     # the engine names them itself after a 401/403
                                                     '' if response.status_code in (401, 403)
                                                     else self.client.credential_sources()),
                           status=response.status_code, code=E_BAD_CREDENTIALS, method='POST', path='login',
                           service=SERVICE)
            self.remember_refusal(err)
            raise err
        if error == E_TOO_MANY:
            wait = parse_retry_after(response.headers.get('Retry-After'))
            err = ApiError('the account %s is locked after repeated failed logins. Wait one minute without trying '
                           '(every attempt during the lock starts the minute again), then run again with the right '
                           'password; no other task of this play will try before then' % self.username,
                           status=response.status_code, code=E_TOO_MANY, method='POST', path='login', service=SERVICE)
            self.remember_refusal(err, seconds=max(LOCKOUT_SECONDS, (wait or 0) + 5), lockout=True)
            raise err
        if error:
            raise ApiError('login failed: %s' % describe(error), status=response.status_code, code=error,
                           method='POST', path='login', service=SERVICE, landed=None if error == E_UNEXPECTED else False)
        value = session_cookie(response)
        if not value or COOKIE_RE.fullmatch(value) is None:
            raise ApiError('login succeeded, but the answer has no usable "session" cookie (the value is not shown)',
                           status=response.status_code, code='no_session', method='POST', path='login',
                           service=SERVICE)
        http.session.cookies.clear()
        now = self.clock()
        self.obtained = value
        return dict(session=value, expires_at=now + SESSION_CACHE_SECONDS, lifetime=SESSION_CACHE_SECONDS,
                    api_url=self.api_url, username=self.username)

    def install(self, entry):
        """Keep ``entry`` (a valid session) as this credential's (after a password change)."""
        self._remember(entry)
        if self.cache is not None:
            self.cache.store(self.key, entry)

    def drop(self):
        """Forget this credential's session in memory and in the cache."""
        self.forget()

    def current(self):
        """The session entry this process holds in memory, or None."""
        return self.remembered()


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


#: Every status: the login's answer is read whatever its status (no retry of a refused login).
ALL_STATUSES = tuple(range(100, 600))


# -- the client ---------------------------------------------------------------------------------------


def check_api_url(value, option='api_url'):
    """The API base URL, ending with ``/`` (function names are appended)."""
    url = check_url(value or DEFAULT_API_URL, option, example=DEFAULT_API_URL)
    return url.rstrip('/') + '/'


def check_credentials(params):
    """Username and password, checked before any request (the password is never echoed)."""
    username = params.get('username')
    password = params.get('password')
    if username is None or not str(username).strip():
        raise ValidationError('username', 'give the CloudEndure username (the e-mail address of the account), or '
                                          'set CLOUDENDURE_USERNAME')
    username = str(username).strip()
    check_header_value(username, 'username', secret=False)
    if password is None or password == '':
        raise ValidationError('password', 'give the password of %s, or set CLOUDENDURE_PASSWORD' % username)
    password = str(password)
    if any(ord(char) < 32 or ord(char) == 127 for char in password):
        raise ValidationError('password', 'contains a control character (a pasted newline?); the value is not shown')
    return username, password


class CloudEndureClient:
    """Calls of the CloudEndure API with one session."""

    def __init__(self, params, warn=None, sleep=time.sleep):
        self.params = params
        self.api_url = check_api_url(params.get('api_url'))
        self.username, password = check_credentials(params)
        self.double = bool(params.get('double_encoding'))
        self.warn = warn
        self.sleep = sleep
        self.http = HttpClient(self.api_url, service=SERVICE, headers={'Accept': 'application/json'},
                               error_parser=error_parser, **http_options(params))
        if DefaultCookiePolicy is not None:
            # The session cookie is sent explicitly (one session per play); the jar keeps none.
            self.http.session.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        directory = params.get('session_cache_dir')
        cache = TokenCache(directory) if params.get('session_cache', True) else None
        refusals = TokenCache(directory)
        self.auth = CloudEndureSession(self, self.api_url, self.username, password, cache=cache, refusals=refusals)
        self.relogins = 0
        self.calls = 0

    # -- helpers ------------------------------------------------------------------------
    def credential_sources(self):
        """``" (credentials used: ...)"`` when some came from environment variables, else ``""``."""
        sources = self.params.get(ENV_SOURCES) or {}
        used = dict((k, v) for k, v in sources.items() if k in ('username', 'password', 'api_url'))
        if not used:
            return ''
        return ' (credentials used: %s)' % ', '.join('%s from the environment variable %s' % (k, v)
                                                     for k, v in sorted(used.items()))

    def cache_warning(self):
        cache = self.auth.cache
        return cache.problem if cache is not None else None

    def close(self):
        """Log out a session this process obtained when the session cache is off (nobody else can use it)."""
        if self.auth.cache is not None or not self.auth.obtained:
            return
        try:
            self.http.request('POST', 'logout', idempotent=False, expected=ALL_STATUSES, authenticate=False,
                              json={}, headers=self.auth._header(self.auth.obtained))  # pylint: disable=protected-access
        except Exception:  # pylint: disable=broad-except
            pass
        self.auth.obtained = None
        self.auth.drop()

    # -- calls --------------------------------------------------------------------------
    def call(self, function, params=None, kind=None):
        """Send ``function``; return its decoded ``result``; raise ApiError with the seed's string as ``code``.

        "Not Logged In" logs in again once; the call is then sent again only when it is a read or safe to
        repeat (:data:`KINDS`).  For reads and safe calls, "Unexpected Error" and "Not Ready" answered with
        HTTP 2xx are retried like an HTTP 5xx / busy answer (``api_retries``, backoff).
        """
        kind = kind or KINDS.get(function, UNSAFE)
        body = encode_params(params or {}, self.double)
        relogged = False
        attempt = 0
        while True:
            attempt += 1
            cookie = self.auth.value(self.http)
            try:
                return self._post(function, body, kind, cookie)
            except ApiError as err:
                if err.code == E_NOT_LOGGED_IN and not relogged:
                    relogged = True
                    self.relogins += 1
                    self.auth.refresh(self.http, cookie)
                    if kind in (READ, SAFE):
                        attempt -= 1
                        continue
                    err.landed = False
                    err.message += ('; a new session was opened, but %s was not sent again: repeating it is not '
                                    'safe. The service refused it before processing it, so nothing changed: run '
                                    'the task again' % function)
                    raise err
                transient = err.code in (E_UNEXPECTED, E_NOT_READY) and err.status is not None and err.status < 500
                if transient and kind in (READ, SAFE) and attempt <= self.http.retries:
                    self.sleep(backoff_delay(attempt, base=self.http.retry_base_delay, cap=self.http.retry_max_delay))
                    continue
                raise

    def _post(self, function, body, kind, cookie):
        self.calls += 1
        response = self.http.request('POST', function, idempotent=kind in (READ, SAFE), authenticate=False,
                                     json=body, headers=self.auth._header(cookie))  # pylint: disable=protected-access
        envelope = parse_envelope(response)
        if envelope is None:
            raise ApiError('the answer is not the {"error", "result"} envelope of the API', status=response.status_code,
                           code='bad_answer', method='POST', path=function, service=SERVICE,
                           landed=None if kind == UNSAFE else False)
        error, result = envelope
        if error:
            landed = None if (error == E_UNEXPECTED and kind == UNSAFE) else False
            raise ApiError(describe(error), status=response.status_code, code=error, method='POST', path=function,
                           service=SERVICE, landed=landed)
        return decode_once(result)

    # -- functions ------------------------------------------------------------------------
    def locations(self):
        result = self.call('getAllLocations')
        return [str(item) for item in result or ()]

    def details(self):
        """The UserDetails, or None when they were never set ("Details Not Set")."""
        try:
            result = self.call('getUserDetails')
        except ApiError as err:
            if err.code == E_DETAILS_NOT_SET:
                return None
            raise
        return result if isinstance(result, dict) else {}

    def require_details(self):
        details = self.details()
        if details is None:
            raise ApiError(describe(E_DETAILS_NOT_SET), code=E_DETAILS_NOT_SET, method='POST', path='getUserDetails',
                           service=SERVICE)
        return details

    def machines(self, location):
        result = self.call('listMachines', {'location': location})
        return [m for m in result or () if isinstance(m, dict)]

    def status(self):
        result = self.call('getStatus')
        return result if isinstance(result, dict) else {'status': result}

    def timestamps(self):
        return [str(item) for item in self.call('getAvailableTimestamps') or ()]

    def replica_config(self, machine_id):
        result = self.call('getFutureReplicaConfiguration', {'machineId': machine_id, 'machineld': machine_id})
        return result if isinstance(result, dict) else {}

    def set_replica_config(self, machine_id, config):
        return self.call('setFutureReplicaConfiguration', {'machineId': machine_id, 'machineld': machine_id,
                                                           'newConfiguration': config})

    def start_replication(self, machine_id, install_agent=True):
        return self.call('startReplication', {'machineId': machine_id, 'machineld': machine_id,
                                              'shouldInstallAgent': bool(install_agent)})

    def stop_replication(self, machine_id):
        return self.call('stopReplication', {'machineId': machine_id, 'machineld': machine_id})

    def clone(self, original_location, machine_ids, timestamp=None, should_cleanup=False):
        params = {'originalLocation': original_location, 'machineIds': list(machine_ids),
                  'machinelds': list(machine_ids), 'shouldCleanup': bool(should_cleanup)}
        if timestamp is not None:
            params['Timestamp'] = str(timestamp)
        return self.call('clone', params)

    def cleanup(self, machine_ids=None, should_cleanup=False):
        params = {'shouldCleanup': bool(should_cleanup)}
        if machine_ids is not None:
            params['machineIds'] = list(machine_ids)
            params['machinelds'] = list(machine_ids)
        return self.call('cleanup', params)

    def complete_failover(self, original_location):
        return self.call('completeFailover', {'originalLocation': original_location})

    def set_user_details(self, details):
        """setUserDetails with the whole object, under ``userDetails`` and at the top level (D10)."""
        params = dict(details)
        params['userDetails'] = dict(details)
        return self.call('setUserDetails', params)

    def set_password(self, old, new):
        return self.call('setPassword', {'password': new, 'oldPassword': old})
