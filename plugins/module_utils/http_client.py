# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP layer of the collection.

Every service client sends its requests through :class:`HttpClient`.  It owns
the ``requests.Session`` (connection reuse, TLS verification, CA bundle,
proxies from the environment, user agent, timeouts) and the retry policy.

Retry rules (see :func:`should_retry`):

* A request the server *rejected without processing* is always retried:
  HTTP 429, HTTP 503, a service-defined "busy" answer (CrossPeer's
  ``409`` + ``X-Elastic-Error: busy``), or a failure to connect at all.
* A request that *may have landed* (connection reset or read timeout after
  the request was sent, HTTP 502/504 from a gateway) is retried only when it
  is replayable: a read, or a write the caller marked idempotent (setting the
  same values again, writing the same bytes at the same offset).  Any other
  write raises :class:`ApiError` with ``landed=None`` ("unknown") so the
  caller can look before it leaps (the resource engine re-reads by name).

Delays are capped exponential backoff with full jitter; a ``Retry-After``
header (seconds or HTTP date) from the server is honoured as the minimum.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import random
import threading
import time
import traceback

from ansible.module_utils.basic import env_fallback

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
)


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
        return text

    def to_result(self):
        """Keys added to ``fail_json`` so playbooks can branch on them."""
        return dict(
            status=self.status,
            error=dict(code=self.code, message=self.message, method=self.method,
                       path=self.path, details=self.details, service=self.service,
                       applied='unknown' if self.landed is None else self.landed),
        )


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


def should_retry(method, replayable, status=None, busy=False, failure=None):
    """Decide whether a failed attempt may be sent again.

    ``failure`` is ``'connect'`` (nothing reached the server), ``'sent'``
    (connection reset / read timeout after sending) or ``None`` when a status
    code was received.  Returns ``(retry, landed)`` where ``landed`` is
    ``False`` (certainly not applied) or ``None`` (unknown).
    """
    if failure == 'connect':
        return True, False
    if failure == 'sent':
        return bool(replayable), None
    if busy or status in (429, 503):
        return True, False
    if status in (502, 504):
        return bool(replayable), None
    return False, False


class HttpClient:
    """A ``requests.Session`` with the collection's policies.

    ``error_parser(response) -> (code, message, details)`` and
    ``busy_detector(response, code) -> bool`` are service hooks.
    """

    def __init__(self, base_url, service='api', auth=None, headers=None, timeout=30,
                 validate_certs=True, ca_path=None, retries=5, retry_max_delay=30.0,
                 retry_base_delay=0.5, error_parser=None, busy_detector=None,
                 sleep=time.sleep, pool_size=10, authenticator=None):
        if not HAS_REQUESTS:
            raise ApiError('the Python library "requests" is required', service=service)
        self.base_url = base_url.rstrip('/') + '/'
        self.service = service
        self.timeout = timeout
        self.retries = max(0, int(retries))
        self.retry_max_delay = float(retry_max_delay)
        self.retry_base_delay = float(retry_base_delay)
        self.error_parser = error_parser or default_error_parser
        self.busy_detector = busy_detector or (lambda response, code: False)
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
                raise ApiError('TLS verification failed (set ca_path to the CA bundle that signed the '
                               'server certificate, or validate_certs=false for a test endpoint): %s'
                               % _short(exc), method=method, path=path, service=self.service,
                               code='tls')
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
                retry, landed = should_retry(method, replayable, status=response.status_code, busy=busy)
                wait_hint = parse_retry_after(response.headers.get('Retry-After'))
                if wait_hint is None and isinstance(details, dict):
                    # Services that put the hint in the body (Acronis: context.retry_after)
                    wait_hint = parse_retry_after(details.get('retry_after'))
                err = ApiError(message, status=response.status_code, code=code, method=method,
                               path=path, details=details, service=self.service,
                               landed=landed, retryable=retry)
            else:
                retry, landed = should_retry(method, replayable, failure=failure)
                if method in READ_METHODS:
                    landed = False  # a read changes nothing, whatever happened to it
                wait_hint = None
                err = ApiError('connection failed: %s' % _short(error), method=method, path=path,
                               service=self.service, landed=landed, retryable=retry,
                               code='connection')
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
    """``'connect'`` if the request never left (refused, DNS, connect timeout), else ``'sent'``.

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
        if name in ('NewConnectionError', 'NameResolutionError', 'ConnectTimeoutError'):
            return 'connect'
        reason = getattr(cur, 'reason', None)
        nxt = reason if isinstance(reason, BaseException) else None
        if nxt is None and getattr(cur, 'args', None):
            first = cur.args[0]
            nxt = first if isinstance(first, BaseException) else None
        cur = nxt or cur.__cause__ or cur.__context__
    return 'sent'


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
