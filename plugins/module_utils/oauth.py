# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Credentials for the HTTP layer: cached bearer tokens and sessions, or a given token.

An *authenticator* is handed to :class:`~.http_client.HttpClient`; the client
asks it for the headers of every request and, after a 401, asks it once to
renew the credential before sending the request again.

:class:`CachedCredential` is the shared base of every credential the
collection obtains from a service (OAuth client credentials for Acronis, an
API key exchanged for access and refresh tokens, a login session...).  It keeps
the credential

* in memory, for every client of the same process (a module, an inventory run);
* in a :class:`TokenCache` file, so that the tasks of a play and later runs
  reuse one credential until shortly before it expires.  The cache is private
  to the user (``private.py``: directory ``0700``, files ``0600``, not used
  when it is not private).  A cache file holds the credential, its expiry and
  what it is for, never the secret it was obtained with; its name is a SHA-256
  digest that includes that secret, so a changed secret never picks up a
  credential obtained with the old one.  Forks of one play share the file
  under an exclusive lock, so they obtain one credential between them.
* A *refusal* (wrong secret) can be remembered the same way for a short time
  (``remember_refusal``), so that 20 forks with a wrong password make one
  failed login between them instead of locking the account.

Services subclass :class:`CachedCredential` in their thin client and
implement ``_request_entry`` (and ``_header`` when it is not a bearer token).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import threading
import time

from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.private import PrivateDir, cache_root, digest
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import pattern

#: RFC 6750 b64token, the seed's ``Authorization`` pattern without ``Bearer `` (whole-string match).
TOKEN_RE = pattern(r'[0-9a-zA-Z\-._~+/]+=*')

#: Credentials of this process, by cache key: {key: entry}.
_MEMORY = {}
_MEMORY_LOCK = threading.Lock()


def default_cache_dir():
    """``$XDG_CACHE_HOME/backupdr.cloud/tokens``, else ``~/.cache/backupdr.cloud/tokens``."""
    return os.path.join(cache_root(), 'tokens')


def renew_margin(lifetime):
    """Seconds before expiry at which a token is no longer handed out.

    One minute, or a tenth of the lifetime for short-lived tokens, so a token
    is never sent when it may expire while a request is in flight.
    """
    if not lifetime or lifetime <= 0:
        return 60.0
    return min(60.0, lifetime / 10.0)


def usable(entry, now=None, key='access_token'):
    """True when ``entry`` (a cache entry) holds a credential that is not about to expire."""
    if not isinstance(entry, dict) or not entry.get(key):
        return False
    try:
        expires_at = float(entry.get('expires_at'))
        lifetime = float(entry.get('lifetime') or 0)
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    return expires_at - now > renew_margin(lifetime)


def valid_token(token):
    return isinstance(token, str) and TOKEN_RE.fullmatch(token) is not None


def parse_token_response(body, now=None):
    """Cache entry from a token endpoint answer (RFC 6749 section 5.1).

    Accepts ``expires_in`` (seconds) and Acronis' ``expires_on`` (epoch
    seconds); without either the token is kept for five minutes.  Raises
    ``ValueError`` for an answer without a usable token.
    """
    if not isinstance(body, dict):
        raise ValueError('the token endpoint did not answer with a JSON object')
    token = body.get('access_token')
    if not valid_token(token):
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


class TokenCache(PrivateDir):
    """Credential files in a private directory (see the module docstring and ``private.py``)."""

    def __init__(self, directory=None):
        super(TokenCache, self).__init__(directory or default_cache_dir())

    @staticmethod
    def key(*parts):
        return digest(*parts)

    def drop(self, key, token, field='access_token'):
        """Remove the entry if it still holds ``token`` (a credential the API rejected)."""
        entry = self.load(key)
        if entry and entry.get(field) == token:
            self.remove(key)


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


class CachedCredential:
    """A credential obtained from the service, cached in memory and in a :class:`TokenCache`.

    Subclasses set ``field`` (the entry key holding the credential) and implement
    ``_request_entry(http, previous)`` (obtain one; ``previous`` is the entry the
    API rejected, for services that can refresh it) and, when the credential is not
    a bearer token, ``_header(value)``.  ``key_parts`` identify the credential
    (they include the secret, hashed into the file name, never stored).
    """

    field = 'access_token'
    #: Seconds a refusal (wrong secret) is remembered for the other forks; 0 turns it off.
    refusal_ttl = 0

    def __init__(self, key_parts, cache=None, clock=time.time):
        self.cache = cache
        self.clock = clock
        self.key = TokenCache.key(*key_parts)
        self.requests = 0  # credential requests this object sent
        self.source = None  # 'memory', 'cache' or 'endpoint': where the current credential came from

    # -- the authenticator interface ------------------------------------------
    def headers(self, http):
        return self._header(self._value(http))

    def _header(self, value):
        return {'Authorization': 'Bearer %s' % value}

    def rejected_value(self, header_value):
        """The credential inside a rejected request's header (the inverse of ``_header``)."""
        return (header_value or '')[len('Bearer '):]

    def refresh(self, http, rejected):
        """After a 401: forget the rejected credential and obtain a new one (once)."""
        rejected = self.rejected_value(rejected)
        previous = None
        with _MEMORY_LOCK:
            entry = _MEMORY.get(self.key)
            if entry and entry.get(self.field) == rejected:
                previous = _MEMORY.pop(self.key)
        if self.cache is not None:
            with self.cache.lock(self.key):
                cached = self.cache.load(self.key)
                if cached and cached.get(self.field) == rejected:
                    previous = previous or cached
                self.cache.drop(self.key, rejected, self.field)
                return bool(self._obtain(http, rejected=rejected, previous=previous))
        return bool(self._obtain(http, rejected=rejected, previous=previous))

    # -- internals ---------------------------------------------------------------
    def _usable(self, entry, now):
        return usable(entry, now, self.field)

    def _value(self, http):
        now = self.clock()
        with _MEMORY_LOCK:
            entry = _MEMORY.get(self.key)
        if self._usable(entry, now):
            self.source = self.source or 'memory'
            return entry[self.field]
        if self.cache is None:
            return self._obtain(http)[self.field]
        entry = self.cache.load(self.key)
        if self._usable(entry, now):
            self._remember(entry)
            self.source = 'cache'
            return entry[self.field]
        with self.cache.lock(self.key):
            # Another fork may have renewed the credential while we waited for the lock.
            entry = self.cache.load(self.key)
            if self._usable(entry, self.clock()):
                self._remember(entry)
                self.source = 'cache'
                return entry[self.field]
            return self._obtain(http, previous=entry)[self.field]

    def _remember(self, entry):
        with _MEMORY_LOCK:
            _MEMORY[self.key] = entry

    def remembered(self):
        """The credential entry this process holds in memory, or None."""
        with _MEMORY_LOCK:
            return _MEMORY.get(self.key)

    def forget(self):
        """Forget this credential in memory and in the file cache (after a logout, say)."""
        with _MEMORY_LOCK:
            _MEMORY.pop(self.key, None)
        if self.cache is not None:
            self.cache.remove(self.key)

    def _refusal_key(self):
        return self.key + '-refused'

    def _check_refusal(self):
        """Raise the remembered refusal (another fork's failed attempt with the same secret)."""
        if not self.refusal_ttl or self.cache is None:
            return
        entry = self.cache.load(self._refusal_key())
        if entry and float(entry.get('until', 0)) > self.clock():
            raise ApiError('%s (refused %ds ago for another task of this play with the same credentials; not tried '
                           'again, so that the account is not locked)' % (
                               entry.get('message') or 'credentials refused',
                               int(self.clock() - float(entry.get('at', self.clock())))),
                           status=entry.get('status'), code=entry.get('code'), service=entry.get('service'),
                           method='POST', path=entry.get('path'))

    def remember_refusal(self, err):
        """Remember a refusal of these credentials for ``refusal_ttl`` seconds (the message only, no secret)."""
        if not self.refusal_ttl or self.cache is None:
            return
        self.cache.store(self._refusal_key(), dict(
            until=self.clock() + self.refusal_ttl, at=self.clock(), message=err.message, status=err.status,
            code=err.code, service=err.service, path=err.path))

    def forget_refusal(self):
        if self.refusal_ttl and self.cache is not None:
            self.cache.remove(self._refusal_key())

    def _obtain(self, http, rejected=None, previous=None):
        """Obtain a credential; store it in memory and in the cache."""
        if self.cache is not None and rejected is not None:
            entry = self.cache.load(self.key)
            if self._usable(entry, self.clock()) and entry.get(self.field) != rejected:
                self._remember(entry)  # another process renewed it already
                self.source = 'cache'
                return entry
        self._check_refusal()
        self.requests += 1
        entry = self._request_entry(http, previous)
        self._remember(entry)
        self.source = 'endpoint'
        if self.cache is not None:
            self.cache.store(self.key, entry)
        return entry

    def _request_entry(self, http, previous):
        raise NotImplementedError


class ClientCredentials(CachedCredential):
    """OAuth 2.0 client credentials grant with the in-memory and file caches.

    ``cache`` is a :class:`TokenCache` or ``None`` (no file cache).
    """

    def __init__(self, token_url, client_id, client_secret, scope=None, cache=None, clock=time.time):
        super(ClientCredentials, self).__init__((token_url, client_id, client_secret, scope), cache=cache, clock=clock)
        self.token_url = token_url
        self.client_id = client_id
        self.client_secret = client_secret
        self.scope = scope

    def _token(self, http):
        return self._value(http)

    def _request_entry(self, http, previous):
        data = {'grant_type': 'client_credentials'}
        if self.scope:
            data['scope'] = self.scope
        response = http.request('POST', self.token_url, authenticate=False, idempotent=True,
                                data=data, auth=(self.client_id, self.client_secret),
                                headers={'Accept': 'application/json'})
        try:
            entry = parse_token_response(response.json(), now=self.clock())
        except ValueError as exc:
            raise ApiError('token request failed: %s' % exc, status=response.status_code,
                           method='POST', path=self.token_url, service=http.service, code='invalid_token_response')
        entry.update(token_url=self.token_url, client_id=self.client_id)
        return entry


def forget_memory():
    """Drop the in-process tokens (tests)."""
    with _MEMORY_LOCK:
        _MEMORY.clear()
