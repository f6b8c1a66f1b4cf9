# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Service-agnostic core of the backupdr API simulator.

One :class:`Simulator` serves every registered :class:`Service` on an HTTP
port and an HTTPS port of the loopback interface.  A service is mounted under
its URL prefix (``/crosspeer/api/`` ...) and owns its state; the core adds:

* the admin API under ``/_sim/`` (health, reset, seed, faults, latency,
  request log, config and service-specific actions), JSON in and out, no auth;
* fault injection (429, busy, 500, 502, 503, 504, reset, slow), queued rules
  consumed in order (``skip`` lets that many matching requests through
  first), optionally applied *after* the request was processed
  (then the state change lands and the fault replaces the response: a reset
  after a write that landed, a late answer, or an error instead of success);
* added latency per service;
* a request log with a summary (admin calls are not logged);
* one global lock around all service state.

Writing a service: subclass :class:`Service`, set ``name``, ``prefix`` and
``config_defaults``, implement ``reset()``, ``seed(params)`` and
``handle(request)`` (called with the global lock held), optionally
``prepare(request)`` (called without the lock, for CPU-heavy decoding),
``identify(request)`` (auth user for the request log), ``credentials()`` (for
the ready file), ``admin(action, method, params)``, ``error(...)`` and
``fault_response(rule, request)`` (service-shaped error bodies); then list the
class in ``registry.py``.
"""

import json
import math
import re
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from . import tls

ADMIN_PREFIX = '/_sim/'
MAX_BODY_BYTES = 64 * 1024 * 1024
FAULT_KINDS = ('429', 'busy', '500', '502', '503', '504', 'reset', 'slow')
REQUEST_LOG_LIMIT = 200000
READ_METHODS = ('GET', 'HEAD')


class AdminError(Exception):
    """An admin API error: HTTP status plus message."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class Request:
    """One request as seen by a service."""

    def __init__(self, method, raw_path, path, query, headers, body, chunked=False, oversize=False):
        self.method = method
        self.raw_path = raw_path      # full path after the host, e.g. /crosspeer/api/drives/list
        self.path = path              # path after the service prefix, e.g. drives/list
        self.query = query            # dict of query parameters
        self.headers = headers        # http.client.HTTPMessage (case-insensitive get)
        self.body = body              # bytes (de-chunked when the client used chunked encoding)
        self.chunked = chunked        # True when Transfer-Encoding: chunked was used
        self.oversize = oversize      # True when the body exceeded MAX_BODY_BYTES (body is then b'')
        self.context = {}             # scratch space for prepare() -> handle()


class Response:
    """A response: status, headers (list of pairs) and body bytes."""

    def __init__(self, status=200, body=b'', content_type=None, headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode('utf-8')
        self.headers = list(headers or [])
        if content_type:
            self.headers.insert(0, ('Content-Type', content_type))

    @classmethod
    def text(cls, status, message, headers=None):
        """Plain text one-line response."""
        return cls(status, message.rstrip('\n') + '\n', 'text/plain; charset=utf-8', headers)

    @classmethod
    def json(cls, status, payload, headers=None):
        """JSON response."""
        return cls(status, json.dumps(payload, sort_keys=False), 'application/json', headers)


class Service:
    """Base class of a simulated service."""

    name = None
    prefix = None
    config_defaults = {}
    #: Allowed values of string knobs: {knob: (value, ...)}; a string knob without an entry takes any string.
    config_choices = {}

    def __init__(self):
        self.simulator = None
        self.reset()

    # -- lifecycle -------------------------------------------------------
    def reset(self):
        """Forget all state and restore the default configuration.

        Also called by ``__init__``: a service sets up all its state here, once.
        """
        self.config = dict(self.config_defaults)

    def seed(self, params):
        """Create bulk data; return a JSON-able summary."""
        raise AdminError(400, '%s does not support seeding' % self.name)

    def admin(self, action, method, params):
        """Service-specific admin action ``/_sim/<name>/<action>``; return JSON-able data."""
        raise AdminError(404, 'unknown admin action %s/%s' % (self.name, action))

    def credentials(self):
        """Credentials to publish in the ready file (dict)."""
        return {}

    # -- requests --------------------------------------------------------
    def prepare(self, request):
        """Called without the lock before handle(); may decode request bodies."""

    def handle(self, request):
        """Called with the global lock held; return a :class:`Response`."""
        raise NotImplementedError

    def identify(self, request):  # pylint: disable=unused-argument
        """Return the authenticated user of a request (for the log) or None."""
        return None

    def error(self, status, kind, message):
        """Service-specific error response."""
        return Response.text(status, message, [('X-Error', kind)])

    def fault_response(self, rule, request=None):  # pylint: disable=unused-argument
        """Response for an injected fault (not used for reset/slow); ``request`` is the faulted request."""
        kind = rule['fault']
        retry = [('Retry-After', format_seconds(rule.get('retry_after', 1)))]
        if kind == 'busy':
            return self.error(409, 'busy', 'resource busy, try again later (injected fault)')
        if kind == '500':
            return self.error(500, 'system', 'internal system error (injected fault)')
        if kind == '429':
            return Response.text(429, 'too many requests (injected fault)', retry)
        if kind == '503':
            return Response.text(503, 'service unavailable (injected fault)', retry)
        if kind == '502':
            return Response.text(502, 'bad gateway (injected fault)')
        return Response.text(504, 'gateway timeout (injected fault)')

    # -- configuration ---------------------------------------------------
    def update_config(self, params):
        """Validate and apply configuration knobs; return the whole config."""
        updates = {}
        for key, value in params.items():
            if key == 'service':
                continue
            if key not in self.config_defaults:
                raise AdminError(400, 'unknown %s config knob %r (known: %s)' % (
                    self.name, key, ', '.join(sorted(self.config_defaults))))
            updates[key] = _coerce_knob(key, value, self.config_defaults[key], self.config_choices.get(key))
        self.config.update(updates)
        return dict(self.config)


def _coerce_knob(key, value, default, choices=None):
    if isinstance(default, str):
        if not isinstance(value, str):
            raise AdminError(400, 'config knob %s must be a string' % key)
        if choices and value not in choices:
            raise AdminError(400, 'config knob %s must be one of %s' % (key, ', '.join(choices)))
        return value
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise AdminError(400, 'config knob %s must be true or false' % key)
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise AdminError(400, 'config knob %s must be a non-negative number' % key)
    if isinstance(default, int):
        if value != int(value):
            raise AdminError(400, 'config knob %s must be an integer' % key)
        return int(value)
    return float(value)


def format_seconds(value):
    """Retry-After value: an integer when whole, else a decimal (the simulator allows sub-second waits)."""
    value = float(value)
    if value == math.floor(value):
        return str(int(value))
    return ('%.3f' % value).rstrip('0')


class Simulator:
    """Owns the listening sockets, the services and the shared admin state."""

    def __init__(self, services, host='127.0.0.1', port=8450, tls_port=8451, state_dir=None, quiet=False,
                 log_stream=None, force_openssl=False):
        self.host = host
        self.port = port
        self.tls_port = tls_port
        self.state_dir = state_dir or tls.default_state_dir()
        self.quiet = quiet
        self.log_stream = log_stream or sys.stderr
        self.force_openssl = force_openssl
        self.lock = threading.RLock()
        self.log_lock = threading.Lock()
        self.services = {}
        self.faults = []
        self.latency = {}
        self.requests = []
        self.seq = 0
        self.fault_seq = 0
        self.cert_paths = None
        self._servers = []
        self._threads = []
        for service in services:
            self.register(service)

    # -- registration and lifecycle ------------------------------------------
    def register(self, service):
        """Mount a service under its prefix."""
        if not service.name or not service.prefix or not service.prefix.startswith('/') \
                or not service.prefix.endswith('/'):
            raise ValueError('service needs a name and a /prefix/')
        service.simulator = self
        service.reset()
        self.services[service.name] = service

    def start(self):
        """Bind the sockets and serve in background threads; return once bound."""
        httpd = _HTTPServer((self.host, self.port), self)
        self._servers.append(httpd)
        if self.tls_port is not None:
            self.cert_paths = tls.ensure_certificates(self.state_dir, self.host, force_openssl=self.force_openssl)
            httpsd = _HTTPServer((self.host, self.tls_port), self, tls.server_context(self.cert_paths))
            self._servers.append(httpsd)
        for server in self._servers:
            thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05},
                                      name='sim-%s' % server.server_address[1], daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self):
        """Stop serving and close the listening sockets."""
        for server in self._servers:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers = []
        self._threads = []

    def _url(self, index, scheme):
        if len(self._servers) <= index:
            return None
        port = self._servers[index].server_address[1]
        host = '[%s]' % self.host if ':' in self.host else self.host
        return '%s://%s:%d' % (scheme, host, port)

    @property
    def http_url(self):
        """Base URL of the HTTP port (no trailing slash)."""
        return self._url(0, 'http')

    @property
    def https_url(self):
        """Base URL of the HTTPS port (no trailing slash) or None."""
        return self._url(1, 'https')

    @property
    def ca_path(self):
        """Path of the CA certificate that signed the HTTPS certificate."""
        return self.cert_paths['ca'] if self.cert_paths else None

    def ready_info(self, pid=None):
        """The ready-file document."""
        services = {}
        for name, service in self.services.items():
            entry = {'url': self.http_url + service.prefix}
            if self.https_url:
                entry['https_url'] = self.https_url + service.prefix
            entry.update(service.credentials())
            services[name] = entry
        return {'http_url': self.http_url, 'https_url': self.https_url, 'ca_path': self.ca_path,
                'admin_url': self.http_url + ADMIN_PREFIX, 'pid': pid, 'services': services}

    # -- helpers used by the request handler ---------------------------------
    def service_for(self, path):
        """The service whose prefix the path starts with, or None."""
        for service in self.services.values():
            if path.startswith(service.prefix) or path + '/' == service.prefix:
                return service
        return None

    def take_fault(self, service_name, method, subpath):
        """Consume and return the first fault rule matching a request, or None."""
        with self.lock:
            for rule in self.faults:
                if rule['service'] not in (None, service_name):
                    continue
                if rule['method'] not in (None, method):
                    continue
                if rule['regex'] is not None and not rule['regex'].search(subpath):
                    continue
                if rule.get('skip', 0) > 0:
                    rule['skip'] -= 1  # let this matching request through untouched
                    continue
                rule['count'] -= 1
                if rule['count'] <= 0:
                    self.faults.remove(rule)
                return dict(rule)
        return None

    def record(self, service_name, method, raw_path, status, fault, auth_user):
        """Append an entry to the request log."""
        with self.lock:
            self.seq += 1
            self.requests.append({
                'seq': self.seq, 'time': round(time.time(), 6), 'service': service_name, 'method': method,
                'path': raw_path, 'status': status, 'write': method not in READ_METHODS, 'fault': fault,
                'auth_user': auth_user,
            })
            if len(self.requests) > REQUEST_LOG_LIMIT:
                del self.requests[:len(self.requests) - REQUEST_LOG_LIMIT]

    def log_line(self, text):
        """One line to the log stream unless quiet.  Never includes credentials."""
        if self.quiet:
            return
        with self.log_lock:
            try:
                self.log_stream.write(text + '\n')
                self.log_stream.flush()
            except (OSError, ValueError):
                pass

    # -- admin API ------------------------------------------------------------
    def admin(self, method, subpath, params):
        """Dispatch an admin call; return (status, JSON-able payload)."""
        if '/' in subpath:
            service_name, action = subpath.split('/', 1)
            service = self._service(service_name)
            with self.lock:
                return 200, service.admin(action, method, params)
        methods = ADMIN_ROUTES.get(subpath)
        if methods is None:
            raise AdminError(404, 'unknown admin endpoint /_sim/%s' % subpath)
        handler = methods.get(method)
        if handler is None:
            raise AdminError(405, 'use %s for /_sim/%s' % (' or '.join(sorted(methods)), subpath))
        return 200, handler(self, params)

    def _service(self, name, required=True):
        if name is None:
            if required:
                raise AdminError(400, 'parameter "service" is required (one of %s)' % ', '.join(self.services))
            return None
        service = self.services.get(name)
        if service is None:
            raise AdminError(404, 'unknown service %r (known: %s)' % (name, ', '.join(self.services)))
        return service

    def _selected(self, params):
        """Services addressed by an optional "service" parameter."""
        service = self._service(params.get('service'), required=False)
        return [service] if service else list(self.services.values())

    def admin_health(self, params):  # pylint: disable=unused-argument
        """GET /_sim/health"""
        return {'ok': True, 'services': list(self.services)}

    def admin_reset(self, params):
        """POST /_sim/reset"""
        selected = self._selected(params)
        names = set(service.name for service in selected)
        with self.lock:
            for service in selected:
                service.reset()
            self.faults = [rule for rule in self.faults if rule['service'] is not None and rule['service'] not in names]
            for name in names:
                self.latency.pop(name, None)
            if len(names) == len(self.services):
                self.faults = []
                self.requests = []
                self.seq = 0
            else:
                self.requests = [entry for entry in self.requests if entry['service'] not in names]
        return {'ok': True, 'reset': sorted(names)}

    def admin_seed(self, params):
        """POST /_sim/seed"""
        service = self._service(params.get('service'))
        with self.lock:
            result = service.seed(params)
        return dict({'ok': True, 'service': service.name}, **result)

    def admin_faults_list(self, params):
        """GET /_sim/faults"""
        names = set(service.name for service in self._selected(params))
        with self.lock:
            rules = [_public_rule(rule) for rule in self.faults if rule['service'] is None or rule['service'] in names]
        return {'faults': rules}

    def admin_faults_add(self, params):
        """POST /_sim/faults"""
        rule = _parse_fault(params, self._service(params.get('service'), required=False))
        with self.lock:
            self.fault_seq += 1
            rule['id'] = self.fault_seq
            self.faults.append(rule)
            rules = [_public_rule(item) for item in self.faults]
        return {'ok': True, 'id': rule['id'], 'faults': rules}

    def admin_faults_clear(self, params):
        """DELETE /_sim/faults"""
        names = set(service.name for service in self._selected(params))
        with self.lock:
            if len(names) == len(self.services):
                self.faults = []
            else:
                self.faults = [rule for rule in self.faults if rule['service'] not in names]
        return {'ok': True}

    def admin_latency_get(self, params):
        """GET /_sim/latency"""
        return {'latency': dict((service.name, self.latency.get(service.name, 0.0)) for service in self._selected(params))}

    def admin_latency_set(self, params):
        """POST /_sim/latency"""
        seconds = params.get('seconds', 0)
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise AdminError(400, '"seconds" must be a non-negative number')
        with self.lock:
            for service in self._selected(params):
                self.latency[service.name] = float(seconds)
        return dict({'ok': True}, **self.admin_latency_get(params))

    def admin_requests_get(self, params):
        """GET /_sim/requests"""
        names = set(service.name for service in self._selected(params))
        since = _int_param(params, 'since', 0)
        with self.lock:
            entries = [dict(entry) for entry in self.requests if entry['service'] in names and entry['seq'] > since]
        by_status = {}
        writes = 0
        for entry in entries:
            key = str(entry['status'])
            by_status[key] = by_status.get(key, 0) + 1
            writes += 1 if entry['write'] else 0
        summary = {'total': len(entries), 'reads': len(entries) - writes, 'writes': writes, 'by_status': by_status}
        return {'requests': entries, 'summary': summary}

    def admin_requests_clear(self, params):
        """DELETE /_sim/requests"""
        names = set(service.name for service in self._selected(params))
        with self.lock:
            self.requests = [entry for entry in self.requests if entry['service'] not in names]
        return {'ok': True}

    def admin_config_get(self, params):
        """GET /_sim/config"""
        service = self._service(params.get('service'))
        with self.lock:
            return {'service': service.name, 'config': dict(service.config)}

    def admin_config_set(self, params):
        """POST /_sim/config"""
        service = self._service(params.get('service'))
        with self.lock:
            return {'ok': True, 'service': service.name, 'config': service.update_config(params)}


ADMIN_ROUTES = {
    'health': {'GET': Simulator.admin_health},
    'reset': {'POST': Simulator.admin_reset},
    'seed': {'POST': Simulator.admin_seed},
    'faults': {'GET': Simulator.admin_faults_list, 'POST': Simulator.admin_faults_add,
               'DELETE': Simulator.admin_faults_clear},
    'latency': {'GET': Simulator.admin_latency_get, 'POST': Simulator.admin_latency_set},
    'requests': {'GET': Simulator.admin_requests_get, 'DELETE': Simulator.admin_requests_clear},
    'config': {'GET': Simulator.admin_config_get, 'POST': Simulator.admin_config_set},
}


def _int_param(params, key, default):
    try:
        return int(params.get(key, default))
    except (TypeError, ValueError) as exc:
        raise AdminError(400, '%s must be an integer' % key) from exc


def _number_param(params, key, default):
    value = params.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise AdminError(400, '%s must be a non-negative number' % key)
    return float(value)


def _parse_fault(params, service):
    kind = str(params.get('fault', ''))
    if kind not in FAULT_KINDS:
        raise AdminError(400, '"fault" must be one of %s' % ', '.join(FAULT_KINDS))
    method = params.get('method')
    path = params.get('path')
    regex = None
    if path not in (None, ''):
        try:
            regex = re.compile(str(path))
        except re.error as exc:
            raise AdminError(400, 'invalid "path" regex: %s' % exc) from exc
    count = _int_param(params, 'count', 1)
    if count < 1:
        raise AdminError(400, '"count" must be at least 1')
    skip = _int_param(params, 'skip', 0)
    if skip < 0:
        raise AdminError(400, '"skip" must not be negative')
    return {
        'service': service.name if service else None,
        'method': str(method).upper() if method else None,
        'path': str(path) if regex is not None else None,
        'regex': regex,
        'fault': kind,
        'count': count,
        'skip': skip,
        'retry_after': _number_param(params, 'retry_after', 1),
        'delay': _number_param(params, 'delay', 1),
        'after': bool(params.get('after', False)),
    }


def _public_rule(rule):
    return dict((key, value) for key, value in rule.items() if key != 'regex')


class _HTTPServer(ThreadingHTTPServer):
    """Threading HTTP server; with an SSL context the TLS handshake happens in the worker thread."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, simulator, ssl_context=None):
        if ':' in address[0]:
            self.address_family = socket.AF_INET6
        self.simulator = simulator
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def finish_request(self, request, client_address):
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        try:
            request.settimeout(10)
            tls_socket = self.ssl_context.wrap_socket(request, server_side=True)
        except (OSError, ValueError):
            return  # handshake failed (e.g. the client rejected our certificate)
        try:
            super().finish_request(tls_socket, client_address)
        finally:
            try:
                tls_socket.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout, ValueError)):
            return
        if not self.simulator.quiet:
            super().handle_error(request, client_address)


class _BadRequest(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    """Turns HTTP requests into admin calls or service requests."""

    protocol_version = 'HTTP/1.1'
    server_version = 'BackupDRSimulator/1.0'
    sys_version = ''
    timeout = 120

    def setup(self):
        super().setup()
        try:
            # headers and body go out in separate writes: without this, Nagle + delayed ACK add 40 ms per request
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def version_string(self):
        return self.server_version

    def log_request(self, code='-', size='-'):
        """Request lines are logged by _dispatch (without headers)."""

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        self.server.simulator.log_line('%s - %s' % (self.address_string(), format % args))

    # -- dispatch --------------------------------------------------------------
    def _dispatch(self):
        simulator = self.server.simulator
        started = time.monotonic()
        target = urlsplit(self.path)
        path = target.path or '/'
        try:
            body, chunked, oversize = self._read_body()
        except _BadRequest as exc:
            self.close_connection = True
            self._send(Response.text(400, str(exc)))
            self._log(started, 400)
            return
        if path.startswith(ADMIN_PREFIX):
            status = self._dispatch_admin(simulator, path[len(ADMIN_PREFIX):], target.query, body)
            self._log(started, status)
            return
        service = simulator.service_for(path)
        if service is None:
            response = Response.text(404, 'no simulated service at %s (services: %s)' % (
                path, ', '.join(s.prefix for s in simulator.services.values())))
            self._send(response)
            self._log(started, 404)
            return
        request = Request(self.command, self.path, path[len(service.prefix):], dict(parse_qsl(target.query)),
                          self.headers, body, chunked, oversize)
        status, fault = self._dispatch_service(simulator, service, request)
        simulator.record(service.name, self.command, self.path, status, fault, _identify(service, request))
        self._log(started, status, fault)

    # Every method goes through the same dispatcher; services answer 405 themselves.
    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _dispatch

    def _dispatch_service(self, simulator, service, request):
        """Apply latency and faults, run the service; return (status, fault kind)."""
        delay = simulator.latency.get(service.name, 0.0)
        if delay:
            time.sleep(delay)
        rule = simulator.take_fault(service.name, request.method, request.path)
        kind = rule['fault'] if rule else None
        if rule and not rule['after']:
            if kind == 'reset':
                self._abort()
                return 0, kind
            if kind == 'slow':
                time.sleep(rule['delay'])
            else:
                response = service.fault_response(rule, request)
                self._send(response)
                return response.status, kind
        response = _run_service(simulator, service, request)
        if rule and rule['after']:
            if kind == 'reset':
                self._abort()
                return 0, kind
            if kind == 'slow':
                time.sleep(rule['delay'])
            else:
                response = service.fault_response(rule, request)
        try:
            self._send(response)
        except OSError:
            # The client gave up (a timeout) while the request was processed: it is logged all the same,
            # with fault "client-gone" when no fault was injected, since its effect is there.
            self.close_connection = True
            return response.status, kind or 'client-gone'
        return response.status, kind

    def _dispatch_admin(self, simulator, subpath, query, body):
        params = dict(parse_qsl(query))
        try:
            if body.strip():
                try:
                    data = json.loads(body.decode('utf-8'))
                except ValueError as exc:
                    raise AdminError(400, 'admin body must be JSON: %s' % exc) from exc
                if not isinstance(data, dict):
                    raise AdminError(400, 'admin body must be a JSON object')
                params.update(data)
            status, payload = simulator.admin(self.command, subpath.strip('/'), params)
        except AdminError as exc:
            status, payload = exc.status, {'ok': False, 'error': exc.message}
        self._send(Response.json(status, payload))
        return status

    # -- wire helpers ----------------------------------------------------------
    def _read_body(self):
        """Return (body, chunked, oversize)."""
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            return self._read_chunked()
        length_header = self.headers.get('Content-Length')
        if not length_header:
            return b'', False, False
        try:
            length = int(length_header)
            if length < 0:
                raise ValueError(length_header)
        except ValueError as exc:
            raise _BadRequest('invalid Content-Length header') from exc
        if length > MAX_BODY_BYTES:
            self._discard(length)
            return b'', False, True
        return self._read_exact(length), False, False

    def _read_exact(self, length):
        data = self.rfile.read(length)
        if len(data) != length:
            raise _BadRequest('request body shorter than Content-Length')
        return data

    def _discard(self, length):
        while length > 0:
            chunk = self.rfile.read(min(length, 1024 * 1024))
            if not chunk:
                raise _BadRequest('request body shorter than Content-Length')
            length -= len(chunk)

    def _read_chunked(self):
        parts = []
        total = 0
        while True:
            line = self.rfile.readline(65537)
            try:
                size = int(line.split(b';', 1)[0].strip(), 16)
            except ValueError as exc:
                raise _BadRequest('invalid chunked encoding') from exc
            if size == 0:
                break
            total += size
            if total > MAX_BODY_BYTES:
                self._discard(size)
                parts = None
            else:
                parts.append(self._read_exact(size))
            self.rfile.readline(65537)
        while self.rfile.readline(65537) not in (b'\r\n', b'\n', b''):
            pass  # trailers
        if parts is None:
            return b'', True, True
        return b''.join(parts), True, False

    def _send(self, response):
        self.send_response(response.status)
        for key, value in response.headers:
            self.send_header(key, value)
        if response.status != 204 and response.status >= 200:
            self.send_header('Content-Length', str(len(response.body)))
        if self.close_connection:
            self.send_header('Connection', 'close')
        self.end_headers()
        if self.command != 'HEAD' and response.status != 204 and response.body:
            self.wfile.write(response.body)

    def _abort(self):
        """Reset the TCP connection (RST via SO_LINGER 0) without answering."""
        self.close_connection = True
        connection = self.connection
        try:
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        except OSError:
            pass
        try:
            self.rfile.close()
        except OSError:
            pass
        try:
            connection.close()
        except OSError:
            pass

    def _log(self, started, status, fault=None):
        elapsed = (time.monotonic() - started) * 1000.0
        path = self.path.split('?', 1)[0]
        suffix = ' fault=%s' % fault if fault else ''
        self.server.simulator.log_line('%s %s %s %.1fms%s' % (self.command, path, status or 'RST', elapsed, suffix))


def _run_service(simulator, service, request):
    try:
        service.prepare(request)
        with simulator.lock:
            return service.handle(request)
    except Exception as exc:  # pylint: disable=broad-except
        simulator.log_line('internal error in %s: %r' % (service.name, exc))
        return service.error(500, 'system', 'internal simulator error: %s' % exc)


def _identify(service, request):
    try:
        return service.identify(request)
    except Exception:  # pylint: disable=broad-except
        return None
