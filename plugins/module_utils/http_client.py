# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP layer of the collection.

Every service client sends its requests through :class:`HttpClient`.  It owns
the ``requests.Session`` (connection reuse, TLS verification, CA bundle,
proxies from the environment, user agent, timeouts) and the retry policy.

Retry rules (see :func:`should_retry`):

* A request the server *rejected without processing* is always retried:
  HTTP 429, a service-defined "busy" answer (CrossPeer's ``409`` +
  ``X-Elastic-Error: busy``), or a failure to connect at all.  A 5xx whose
  service code says the request was refused (``refused_detector``: CrossPeer's
  ``507 full``) is "not applied" and final.
* A request that *may have landed* (connection reset or read timeout after
  the request was sent, any HTTP 5xx: 500 and 503 included, since a service
  may fail after applying a change, and 502/504 from a gateway while the
  service still works on it) is retried only when it is replayable: a read,
  or a write the caller marked idempotent (setting the same values again,
  writing the same bytes at the same offset).  Any other write raises
  :class:`ApiError` with ``landed=None`` ("unknown") so the caller looks
  before it leaps: the resource and job engines look for the effect during
  the *settle window* (:func:`settle_window`, see ``settle.py``), adopt what
  landed, and only say "nothing happened" after the window.
* A host name that does not resolve, an ``https://`` URL pointing at a plain
  HTTP port and a TLS verification failure are not retried: they fail at once
  with a message that says what to fix.

Delays are capped exponential backoff with full jitter; a ``Retry-After``
header (seconds or HTTP date) from the server is honoured as the minimum.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import math
import random
import threading
import time
import traceback

from ansible.module_utils.basic import env_fallback

from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (
    ValidationError, check_file, check_number,
)

try:
    import requests
    from requests import exceptions as req_exc
    from requests.adapters import HTTPAdapter
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    requests = None
    req_exc = None
    HTTPAdapter = None
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()

COLLECTION_VERSION = '0.1.0'
USER_AGENT = 'backupdr.cloud/%s (+https://github.com/backupdr/cloud)' % COLLECTION_VERSION

READ_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS'))
IDEMPOTENT_METHODS = frozenset(('GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'))

#: Options every module of the collection accepts (documented in the
#: ``backupdr.cloud.api`` doc fragment).  Services add their own auth options.
API_ARGUMENT_SPEC = dict(
    validate_certs=dict(type='bool', default=True, fallback=(env_fallback, ['BACKUPDR_VALIDATE_CERTS'])),
    ca_path=dict(type='path', fallback=(env_fallback, ['BACKUPDR_CA_PATH'])),
    api_timeout=dict(type='int', default=30, fallback=(env_fallback, ['BACKUPDR_API_TIMEOUT'])),
    api_retries=dict(type='int', default=5, fallback=(env_fallback, ['BACKUPDR_API_RETRIES'])),
    api_retry_max_delay=dict(type='float', default=30.0, fallback=(env_fallback, ['BACKUPDR_API_RETRY_MAX_DELAY'])),
    api_settle_time=dict(type='float', fallback=(env_fallback, ['BACKUPDR_API_SETTLE_TIME'])),
)

#: Bounds of the common options (checked before any request).
MAX_TIMEOUT = 3600
MAX_RETRIES = 100
MAX_DELAY = 3600.0
MAX_SETTLE = 86400.0
#: The settle window is at least this long (seconds), see :func:`settle_window`.
MIN_SETTLE = 10.0


def settle_window(timeout, settle_time=None):
    """Seconds to keep looking for the effect of a write whose answer was lost.

    The rule: ``api_settle_time`` when given, else twice the request timeout
    (``api_timeout``) and at least :data:`MIN_SETTLE` seconds.  A request that
    timed out may still be processed after the client gave up; the window must
    be longer than it could still be in flight, so the effect of a late request
    is seen and adopted instead of being reported as "nothing happened".
    """
    if settle_time is not None:
        return float(settle_time)
    return max(MIN_SETTLE, 2.0 * float(timeout or 0))


def check_api_params(params):
    """Validate the common HTTP options (raises ValidationError naming the option)."""
    check_number(params.get('api_timeout'), 'api_timeout', minimum=1, maximum=MAX_TIMEOUT, integer=True)
    check_number(params.get('api_retries'), 'api_retries', minimum=0, maximum=MAX_RETRIES, integer=True)
    check_number(params.get('api_retry_max_delay'), 'api_retry_max_delay', minimum=0, maximum=MAX_DELAY)
    check_number(params.get('api_settle_time'), 'api_settle_time', minimum=0, maximum=MAX_SETTLE)
    if params.get('ca_path'):
        check_file(params['ca_path'], 'ca_path')


def http_options(params):
    """``HttpClient`` keyword arguments from a module's (validated) common options."""
    check_api_params(params)
    timeout = params.get('api_timeout') or 30
    return dict(timeout=timeout, validate_certs=params.get('validate_certs', True), ca_path=params.get('ca_path'),
                retries=params.get('api_retries', 5) if params.get('api_retries') is not None else 5,
                retry_max_delay=params.get('api_retry_max_delay') if params.get('api_retry_max_delay') is not None
                else 30.0,
                settle_time=settle_window(timeout, params.get('api_settle_time')))


def api_argument_spec(**service_options):
    """Return the common API options merged with a service's own."""
    spec = dict((k, dict(v)) for k, v in API_ARGUMENT_SPEC.items())
    spec.update(service_options)
    return spec


class ApiError(Exception):
    """A structured failure: what was asked, what the service said.

    ``code`` is the service's own error code/type (CrossPeer ``X-Elastic-Error``,
    Acronis ``code``...).  ``landed`` is ``False`` when the request certainly did
    not change anything, ``None`` when that is unknown (a write whose answer was
    lost) and ``True`` when it did.
    """

    def __init__(self, message, status=None, code=None, method=None, path=None,
                 details=None, service=None, landed=False, retryable=False):
        super(ApiError, self).__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.method = method
        self.path = path
        self.details = details
        self.service = service
        self.landed = landed
        self.retryable = retryable
        #: Errors of follow-up requests (a look after a lost answer, a verification read) that failed too.
        self.followups = []
        #: The service refused the credentials (a 401, or a service's own "bad credentials" answer).
        self.auth_failure = status in (401, 403)

    def followed_by(self, other, doing):
        """Keep this (the first) error, and note that ``doing`` failed too with ``other``.

        The outcome of this request stays as it was (unknown, if it was): a failed
        look proves nothing.
        """
        self.followups.append('%s failed too: %s' % (doing, other))
        return self

    def __str__(self):
        where = ''
        if self.method and self.path:
            where = '%s %s: ' % (self.method, self.path)
        what = []
        if self.status:
            what.append('HTTP %s' % self.status)
        if self.code:
            what.append(str(self.code))
        head = ' '.join(what)
        prefix = '%s API error' % self.service if self.service else 'API error'
        text = '%s: %s%s%s' % (prefix, where, head + ': ' if head else '', self.message)
        if self.landed is None:
            text += ' (the request may or may not have been applied)'
        for followup in self.followups:
            text += '; %s' % followup
        return text

    def brief(self):
        """The status, the service's code and message, in one line (for warnings)."""
        head = ' '.join(str(part) for part in ('HTTP %s' % self.status if self.status else None, self.code) if part)
        return '%s: %s' % (head, self.message) if head else self.message

    def to_result(self):
        """Keys added to ``fail_json`` so playbooks can branch on them."""
        error = dict(code=self.code, message=self.message, method=self.method,
                     path=self.path, details=self.details, service=self.service,
                     applied='unknown' if self.landed is None else self.landed)
        if self.followups:
            error['followups'] = list(self.followups)
        return dict(status=self.status, error=error)


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        stamp = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if stamp is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, stamp.timestamp() - now)


def backoff_delay(attempt, base=0.5, cap=30.0, retry_after=None, rand=random.random):
    """Delay before retry number ``attempt`` (1-based).

    Full jitter on ``min(cap, base * 2**(attempt-1))``; a server's Retry-After
    is a floor (we never come back earlier than asked).
    """
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    delay = ceiling * (0.5 + rand() / 2.0)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def should_retry(method, replayable, status=None, busy=False, failure=None, refused=False):
    """Decide whether a failed attempt may be sent again.

    ``failure`` is ``'connect'`` (nothing reached the server), ``'dns'`` (the
    host name does not resolve: not transient), ``'sent'`` (connection reset /
    read timeout after sending) or ``None`` when a status code was received.
    ``busy``/``refused``: the service's own answer says it did not process the
    request.  Returns ``(retry, landed)`` where ``landed`` is ``False``
    (certainly not applied) or ``None`` (unknown).
    """
    read = method in READ_METHODS
    if failure == 'dns':
        return False, False
    if failure == 'connect':
        return True, False
    if failure == 'sent':
        return bool(replayable), (False if read else None)
    if busy or status == 429:
        return True, False
    if refused:
        return False, False  # the service says it refused: not applied, and not transient either
    if status is not None and status >= 500:
        # The service (or a gateway in front of it) failed while handling the
        # request: a write may have been applied.  Reads and idempotent writes
        # are replayed; other writes are looked for by the caller.
        return bool(replayable), (False if read else None)
    return False, False


class HttpClient:
    """A ``requests.Session`` with the collection's policies.

    ``error_parser(response) -> (code, message, details)`` and
    ``busy_detector(response, code) -> bool`` are service hooks.
    """

    def __init__(self, base_url, service='api', auth=None, headers=None, timeout=30,
                 validate_certs=True, ca_path=None, retries=5, retry_max_delay=30.0,
                 retry_base_delay=0.5, error_parser=None, busy_detector=None,
                 sleep=time.sleep, pool_size=10, authenticator=None, settle_time=None,
                 refused_detector=None):
        if not HAS_REQUESTS:
            raise ApiError('the Python library "requests" is required', service=service)
        self.base_url = base_url.rstrip('/') + '/'
        self.service = service
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.retry_max_delay = float(retry_max_delay)
        if math.isnan(self.retry_max_delay) or self.retry_max_delay < 0:
            raise ValidationError('api_retry_max_delay', 'must be a non-negative number')
        self.retry_base_delay = float(retry_base_delay)
        #: Seconds the engines keep looking for the effect of a write whose answer was lost.
        self.settle_time = settle_window(timeout, settle_time)
        self.error_parser = error_parser or default_error_parser
        self.busy_detector = busy_detector or (lambda response, code: False)
        #: ``refused_detector(response, code) -> bool``: the service's own code says the request was
        #: refused before processing (then a 5xx to a write is "not applied" and may be retried).
        self.refused_detector = refused_detector or (lambda response, code: False)
        # A bearer-token provider (module_utils/oauth.py): ``headers(http)``
        # gives the Authorization header, ``refresh(http, rejected)`` gets a
        # new token after a 401 and returns whether one was obtained.
        self.authenticator = authenticator
        self.sleep = sleep
        self.stats = dict(requests=0, reads=0, writes=0, retries=0)
        self._stats_lock = threading.Lock()  # transfers send from several threads
        self.session = requests.Session()
        if pool_size > 10:  # keep every parallel connection alive instead of reopening
            for prefix in ('http://', 'https://'):
                self.session.mount(prefix, HTTPAdapter(pool_connections=1, pool_maxsize=pool_size))
        self.session.headers['User-Agent'] = USER_AGENT
        if headers:
            self.session.headers.update(headers)
        if auth is not None:
            self.session.auth = auth
        # requests reads HTTP(S)_PROXY / NO_PROXY / REQUESTS_CA_BUNDLE itself
        # (trust_env).  An explicit CA path or validate_certs=false must win over
        # REQUESTS_CA_BUNDLE, which requests lets override Session.verify, so
        # it is passed with every request (self.verify) rather than set once.
        self.verify = None
        if ca_path:
            self.verify = ca_path
        elif not validate_certs:
            self.verify = False
            try:
                import urllib3
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            except (ImportError, AttributeError):  # pragma: no cover
                pass
        self.validate_certs = validate_certs

    def _count(self, *keys):
        with self._stats_lock:
            for key in keys:
                self.stats[key] += 1

    def url(self, path):
        if path.startswith('http://') or path.startswith('https://'):
            return path
        return self.base_url + path.lstrip('/')

    def request(self, method, path, idempotent=None, expected=None, stream=False, authenticate=True, **kwargs):
        """Send a request; return the ``requests.Response``.

        ``idempotent`` overrides the method-based replayability guess (mark
        POSTs that are safe to repeat).  ``expected`` is a tuple of accepted
        statuses (default: any 2xx).  ``authenticate=False`` sends the request
        without the authenticator's token (the token request itself).
        Raises :class:`ApiError`.

        A 401 answered to a request carrying a token from the authenticator is
        recovered once: the token is renewed and the request sent again (a
        401 means the request was not processed, so a write may be repeated).
        """
        method = method.upper()
        replayable = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        kwargs.setdefault('timeout', self.timeout)
        if self.verify is not None:
            kwargs.setdefault('verify', self.verify)
        authenticator = self.authenticator if authenticate else None
        base_headers = kwargs.pop('headers', None) or {}
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            headers = dict(base_headers)
            if authenticator is not None:
                headers.update(authenticator.headers(self))
            self._count('requests', 'reads' if method in READ_METHODS else 'writes')
            failure = error = None
            response = None
            try:
                response = self.session.request(method, self.url(path), stream=stream, headers=headers, **kwargs)
            except req_exc.SSLError as exc:
                raise tls_error(exc, method, path, self.service)
            except (req_exc.InvalidHeader, req_exc.InvalidURL, req_exc.MissingSchema, req_exc.InvalidSchema,
                    UnicodeError) as exc:
                # Never echo the header: it may hold a credential.
                raise ApiError('the request could not be built (%s): a credential or URL contains characters '
                               'HTTP cannot carry' % type(exc).__name__, method=method, path=path,
                               service=self.service, code='invalid_request')
            except (req_exc.ConnectionError, req_exc.Timeout, req_exc.ChunkedEncodingError) as exc:
                failure, error = classify_failure(exc), exc
            if failure is None:
                if (expected is None and 200 <= response.status_code < 300) or \
                        (expected is not None and response.status_code in expected):
                    return response
                if response.status_code == 401 and authenticator is not None and not renewed:
                    renewed = True
                    if authenticator.refresh(self, headers.get('Authorization')):
                        response.close()
                        attempt -= 1  # not a retry: the API did not process the request
                        continue
                code, message, details = self.error_parser(response)
                busy = self.busy_detector(response, code)
                refused = response.status_code >= 500 and self.refused_detector(response, code)
                retry, landed = should_retry(method, replayable, status=response.status_code, busy=busy,
                                             refused=refused)
                wait_hint = parse_retry_after(response.headers.get('Retry-After'))
                if wait_hint is None and isinstance(details, dict):
                    # Services that put the hint in the body (Acronis: context.retry_after)
                    wait_hint = parse_retry_after(details.get('retry_after'))
                err = ApiError(message, status=response.status_code, code=code, method=method,
                               path=path, details=details, service=self.service,
                               landed=landed, retryable=retry)
            else:
                retry, landed = should_retry(method, replayable, failure=failure)
                wait_hint = None
                if failure == 'dns':
                    err = ApiError('the host name in %s does not resolve (check the URL option): %s'
                                   % (self.base_url, _short(error)), method=method, path=path,
                                   service=self.service, landed=False, code='dns')
                else:
                    err = ApiError('%s: %s' % ('no answer within api_timeout=%ss' % self.timeout
                                               if isinstance(error, req_exc.ReadTimeout) else 'connection failed',
                                               _short(error)), method=method, path=path,
                                   service=self.service, landed=landed, retryable=retry, code='connection')
            if not retry or attempt > self.retries:
                if retry and attempt > 1:
                    err.message = '%s (gave up after %d attempts)' % (err.message, attempt)
                raise err
            self._count('retries')
            if response is not None:
                response.close()
            self.sleep(backoff_delay(attempt, base=self.retry_base_delay, cap=self.retry_max_delay,
                                     retry_after=wait_hint))


def classify_failure(exc):
    """``'dns'`` if the host name does not resolve, ``'connect'`` if the request never left (refused,
    connect timeout), else ``'sent'``.

    requests wraps urllib3's ``NewConnectionError`` in a ``ConnectionError``;
    anything else (reset, remote disconnect, read timeout) happened after the
    request may have been sent.
    """
    if req_exc is not None and isinstance(exc, req_exc.ConnectTimeout):
        return 'connect'
    if req_exc is not None and isinstance(exc, (req_exc.ReadTimeout, req_exc.ChunkedEncodingError)):
        return 'sent'
    seen = set()
    cur = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        name = type(cur).__name__
        text = str(cur)
        if name == 'NameResolutionError' or 'Name or service not known' in text or \
                'nodename nor servname' in text or 'Temporary failure in name resolution' in text or \
                'No address associated with hostname' in text:
            return 'dns'
        if name in ('NewConnectionError', 'ConnectTimeoutError'):
            return 'connect'
        reason = getattr(cur, 'reason', None)
        nxt = reason if isinstance(reason, BaseException) else None
        if nxt is None and getattr(cur, 'args', None):
            first = cur.args[0]
            nxt = first if isinstance(first, BaseException) else None
        cur = nxt or cur.__cause__ or cur.__context__
    return 'sent'


#: OpenSSL's words for "the peer did not answer with TLS" (a plain HTTP port).
_NOT_TLS = ('wrong version number', 'wrong_version_number', 'record layer failure', 'packet length too long',
            'unknown protocol', 'http request', 'unexpected eof')


def tls_error(exc, method, path, service):
    """An ApiError for a TLS failure that says what to fix."""
    text = str(exc)
    lowered = text.lower()
    if any(word in lowered for word in _NOT_TLS) and 'certificate' not in lowered:
        message = ('the server did not answer with TLS: the URL says https:// but the port seems to speak plain '
                   'HTTP (is the scheme right?): %s' % _short(exc))
    else:
        message = ('TLS verification failed (set ca_path to the CA bundle that signed the server certificate, '
                   'or validate_certs=false for a test endpoint): %s' % _short(exc))
    return ApiError(message, method=method, path=path, service=service, code='tls')


def _short(exc):
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + '...'


def default_error_parser(response):
    """(code, message, details) from a generic JSON or text error body."""
    text = ''
    try:
        text = response.text or ''
    except Exception:  # pylint: disable=broad-except
        text = ''
    code = None
    message = text.strip()[:500] or response.reason or 'request failed'
    details = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        err = body.get('error') if isinstance(body.get('error'), dict) else body
        code = err.get('code') or err.get('type')
        message = err.get('message') or err.get('description') or message
        details = err.get('details') or err.get('context')
    return code, message, details
