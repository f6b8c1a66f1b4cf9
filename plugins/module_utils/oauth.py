# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bearer tokens for the HTTP layer: OAuth 2.0 client credentials, or a given token.

An *authenticator* is handed to :class:`~.http_client.HttpClient`; the client
asks it for the ``Authorization`` header of every request and, after a 401,
asks it once to renew the token before sending the request again.

:class:`ClientCredentials` keeps the token

* in memory, for every client of the same process (a module, an inventory run);
* in a :class:`TokenCache` file, so that the tasks of a play and later runs
  reuse one token until shortly before it expires.  The cache is private to
  the user: its directory is ``0700`` and its files ``0600``, and a cache that
  is not (owned by someone else, group or world accessible) is not used.  A
  cache file holds the access token, its expiry, the token URL, the client id
  and the scope, never the client secret; its name is a SHA-256 digest of the
  token URL, client id and client secret, so a changed secret never picks up
  a token obtained with the old one.  Forks of one play share the file under
  an exclusive lock, so they ask for one token between them.

Services with OAuth (Acronis today) build one of these in their thin client;
nothing here is specific to a service.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import hashlib
import json
import os
import re
import stat
import tempfile
import threading
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None

from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError

#: RFC 6750 b64token, the seed's ``Authorization`` pattern without ``Bearer ``.
TOKEN_RE = re.compile(r'^[0-9a-zA-Z\-._~+/]+=*$')

#: Tokens of this process, by cache key: {key: entry}.
_MEMORY = {}
_MEMORY_LOCK = threading.Lock()


def default_cache_dir():
    """``$XDG_CACHE_HOME/backupdr.cloud/tokens``, else ``~/.cache/backupdr.cloud/tokens``."""
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'backupdr.cloud', 'tokens')


def renew_margin(lifetime):
    """Seconds before expiry at which a token is no longer handed out.

    One minute, or a tenth of the lifetime for short-lived tokens, so a token
    is never sent when it may expire while a request is in flight.
    """
    if not lifetime or lifetime <= 0:
        return 60.0
    return min(60.0, lifetime / 10.0)


def usable(entry, now=None):
    """True when ``entry`` (a cache entry) holds a token that is not about to expire."""
    if not isinstance(entry, dict) or not entry.get('access_token'):
        return False
    try:
        expires_at = float(entry.get('expires_at'))
        lifetime = float(entry.get('lifetime') or 0)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    return expires_at - now > renew_margin(lifetime)


def parse_token_response(body, now=None):
    """Cache entry from a token endpoint answer (RFC 6749 section 5.1).

    Accepts ``expires_in`` (seconds) and Acronis' ``expires_on`` (epoch
    seconds); without either the token is kept for five minutes.  Raises
    ``ValueError`` for an answer without a usable token.
    """
    if not isinstance(body, dict):
        raise ValueError('the token endpoint did not answer with a JSON object')
    token = body.get('access_token')
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        raise ValueError('the token endpoint answer has no valid access_token')
    token_type = str(body.get('token_type') or 'bearer').lower()
    if token_type != 'bearer':
        raise ValueError('unsupported token_type %r (expected bearer)' % body.get('token_type'))
    now = time.time() if now is None else now
    expires_at = None
    try:
        if body.get('expires_in') is not None:
            expires_at = now + float(body['expires_in'])
        elif body.get('expires_on') is not None:
            expires_at = float(body['expires_on'])
    except (TypeError, ValueError):
        expires_at = None
    if expires_at is None:
        expires_at = now + 300
    return dict(access_token=token, expires_at=expires_at, lifetime=max(0.0, expires_at - now),
                scope=body.get('scope'))


class TokenCache:
    """Token files in a private directory (see the module docstring).

    Every failure to read or write the cache is silent: the cache is an
    optimisation, and a token is then simply requested.  ``problem`` says why
    the cache was not used (for a warning), without any secret in it.
    """

    def __init__(self, directory=None):
        self.directory = os.path.abspath(os.path.expanduser(directory or default_cache_dir()))
        self.problem = None

    @staticmethod
    def key(*parts):
        digest = hashlib.sha256()
        for part in parts:
            digest.update(('%s' % (part if part is not None else '')).encode('utf-8'))
            digest.update(b'\0')
        return digest.hexdigest()

    def _private_dir(self, create):
        try:
            if create and not os.path.isdir(self.directory):
                os.makedirs(self.directory, mode=0o700)
            info = os.stat(self.directory)
        except OSError as exc:
            if create:
                self.problem = 'cannot create the token cache directory %s: %s' % (self.directory, exc.strerror)
            return False
        if hasattr(os, 'getuid') and info.st_uid != os.getuid():
            self.problem = 'the token cache directory %s is not owned by this user; not used' % self.directory
            return False
        if stat.S_IMODE(info.st_mode) & 0o077:
            self.problem = 'the token cache directory %s is accessible to other users (chmod 700 it); not used' % self.directory
            return False
        return True

    def _path(self, key):
        return os.path.join(self.directory, key + '.json')

    def load(self, key):
        if not self._private_dir(create=False):
            return None
        path = self._path(key)
        try:
            info = os.stat(path)
            if (hasattr(os, 'getuid') and info.st_uid != os.getuid()) or stat.S_IMODE(info.st_mode) & 0o077:
                return None
            with open(path, 'r') as handle:
                entry = json.load(handle)
        except (OSError, IOError, ValueError):
            return None
        return entry if isinstance(entry, dict) else None

    def store(self, key, entry):
        if not self._private_dir(create=True):
            return False
        fd, tmp = None, None
        try:
            fd, tmp = tempfile.mkstemp(prefix='.tmp-', dir=self.directory)  # created 0600
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, 'w') as handle:
                fd = None
                json.dump(entry, handle)
            os.replace(tmp, self._path(key))
            tmp = None
            return True
        except (OSError, IOError) as exc:
            self.problem = 'cannot write the token cache in %s: %s' % (self.directory, getattr(exc, 'strerror', exc))
            return False
        finally:
            if fd is not None:
                os.close(fd)
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)

    def drop(self, key, token):
        """Remove the entry if it still holds ``token`` (a token the API rejected)."""
        entry = self.load(key)
        if entry and entry.get('access_token') == token:
            try:
                os.unlink(self._path(key))
            except OSError:
                pass

    @contextlib.contextmanager
    def lock(self, key):
        """Exclusive lock between processes renewing the same token (no-op without fcntl)."""
        handle = None
        if fcntl is not None and self._private_dir(create=True):
            try:
                fd = os.open(os.path.join(self.directory, key + '.lock'), os.O_RDWR | os.O_CREAT, 0o600)
                handle = os.fdopen(fd, 'r+')
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            except (OSError, IOError):
                if handle is not None:
                    handle.close()
                handle = None
        try:
            yield
        finally:
            if handle is not None:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
                finally:
                    handle.close()


class StaticToken:
    """A bearer token given by the user: sent as is, never renewed."""

    def __init__(self, token, option='access_token'):
        self.token = token
        self.option = option
        self.requests = 0

    def headers(self, http):  # pylint: disable=unused-argument
        return {'Authorization': 'Bearer %s' % self.token}

    def refresh(self, http, rejected):  # pylint: disable=unused-argument
        return False


class ClientCredentials:
    """OAuth 2.0 client credentials grant with the in-memory and file caches.

    ``cache`` is a :class:`TokenCache` or ``None`` (no file cache).
    ``error_hint`` is added to a failed token request's message.
    """

    def __init__(self, token_url, client_id, client_secret, scope=None, cache=None, clock=time.time):
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope
        self.cache = cache
        self.clock = clock
        self.key = TokenCache.key(token_url, client_id, client_secret, scope)
        self.requests = 0  # token requests this object sent
        self.source = None  # 'memory', 'cache' or 'endpoint': where the current token came from

    # -- the authenticator interface ------------------------------------------
    def headers(self, http):
        return {'Authorization': 'Bearer %s' % self._token(http)}

    def refresh(self, http, rejected):
        """After a 401: forget the rejected token and obtain a new one (once)."""
        rejected = (rejected or '')[len('Bearer '):]
        with _MEMORY_LOCK:
            entry = _MEMORY.get(self.key)
            if entry and entry.get('access_token') == rejected:
                del _MEMORY[self.key]
        if self.cache is not None:
            with self.cache.lock(self.key):
                self.cache.drop(self.key, rejected)
                return bool(self._obtain(http, rejected=rejected))
        return bool(self._obtain(http, rejected=rejected))

    # -- internals ---------------------------------------------------------------
    def _token(self, http):
        now = self.clock()
        with _MEMORY_LOCK:
            entry = _MEMORY.get(self.key)
        if usable(entry, now):
            self.source = self.source or 'memory'
            return entry['access_token']
        if self.cache is None:
            return self._obtain(http)['access_token']
        entry = self.cache.load(self.key)
        if usable(entry, now):
            self._remember(entry)
            self.source = 'cache'
            return entry['access_token']
        with self.cache.lock(self.key):
            # Another fork may have renewed the token while we waited for the lock.
            entry = self.cache.load(self.key)
            if usable(entry, self.clock()):
                self._remember(entry)
                self.source = 'cache'
                return entry['access_token']
            return self._obtain(http)['access_token']

    def _remember(self, entry):
        with _MEMORY_LOCK:
            _MEMORY[self.key] = entry

    def _obtain(self, http, rejected=None):
        """Ask the token endpoint; store the answer in memory and in the cache."""
        if self.cache is not None and rejected is not None:
            entry = self.cache.load(self.key)
            if usable(entry, self.clock()) and entry.get('access_token') != rejected:
                self._remember(entry)  # another process renewed it already
                self.source = 'cache'
                return entry
        data = {'grant_type': 'client_credentials'}
        if self.scope:
            data['scope'] = self.scope
        self.requests += 1
        response = http.request('POST', self.token_url, authenticate=False, idempotent=True,
                                data=data, auth=(self.client_id, self.client_secret),
                                headers={'Accept': 'application/json'})
        try:
            entry = parse_token_response(response.json(), now=self.clock())
        except ValueError as exc:
            raise ApiError('token request failed: %s' % exc, status=response.status_code,
                           method='POST', path=self.token_url, service=http.service, code='invalid_token_response')
        entry.update(token_url=self.token_url, client_id=self.client_id)
        self._remember(entry)
        self.source = 'endpoint'
        if self.cache is not None:
            self.cache.store(self.key, entry)
        return entry


def forget_memory():
    """Drop the in-process tokens (tests)."""
    with _MEMORY_LOCK:
        _MEMORY.clear()
