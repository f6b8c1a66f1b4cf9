# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Token endpoints (Ch.25) and bearer authentication of every other call.

Tokens are JWTs in the SimpleJWT shape (HS256; claims ``token_type``,
``exp``, ``iat``, ``jti``, ``user_id``) signed with a key drawn at every
reset; the service also remembers every ``jti`` so that admin actions can
expire them (D3).
"""

import base64
import hashlib
import hmac
import json
import math
import secrets
import time
from urllib.parse import parse_qsl

from ..core import AdminError
from .api import MSG_NO_CREDENTIALS, MSG_TOKEN_INVALID, WWW_AUTHENTICATE, ApiError, Family, Route, detail

TOKEN_PRUNE_AT = 20000


def _b64(data):
    return base64.urlsafe_b64encode(data).decode('ascii').rstrip('=')


def _unb64(text):
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def unauthorized(message, code):
    """401 with the Bearer challenge."""
    return detail(401, message, code, [('WWW-Authenticate', WWW_AUTHENTICATE)])


class AuthFamily(Family):
    """``POST token/obtain/api_key/``, ``POST token/refresh/`` and the token store."""

    name = 'auth'

    def reset(self):
        self.key = secrets.token_bytes(32)
        self.tokens = {}      # jti -> {'kind', 'user', 'issued', 'expires', 'revoked'}
        self.prune_at = TOKEN_PRUNE_AT
        self.counts = {'obtain': 0, 'refresh': 0}

    def routes(self):
        return [
            Route('POST', 'token/obtain/api_key/', self.obtain, '1.0.0', 'public', 48981),
            Route('POST', 'token/refresh/', self.refresh, '1.0.0', 'public', 49051),
        ]

    # -- issuing -------------------------------------------------------------------
    def _issue(self, kind, user_id, now, ttl):
        jti = secrets.token_hex(16)
        expires = now + ttl
        header = _b64(json.dumps({'typ': 'JWT', 'alg': 'HS256'}, separators=(',', ':')).encode('ascii'))
        payload = _b64(json.dumps({'token_type': kind, 'exp': int(math.ceil(expires)), 'iat': int(now), 'jti': jti,
                                   'user_id': user_id}, separators=(',', ':')).encode('ascii'))
        signature = _b64(hmac.new(self.key, ('%s.%s' % (header, payload)).encode('ascii'), hashlib.sha256).digest())
        if len(self.tokens) >= self.prune_at:  # forget dead tokens now and then (amortised O(1))
            self.tokens = dict((key, tok) for key, tok in self.tokens.items() if self._valid(tok, now))
            self.prune_at = max(TOKEN_PRUNE_AT, 2 * len(self.tokens))
        self.tokens[jti] = {'kind': kind, 'user': user_id, 'issued': now, 'expires': expires, 'revoked': False}
        return '%s.%s.%s' % (header, payload, signature)

    @staticmethod
    def _valid(token, now):
        return not token['revoked'] and now < token['expires']

    def decode(self, value, kind, now):
        """The stored record of a valid token of this kind, or None."""
        parts = value.split('.')
        if len(parts) != 3:
            return None
        expected = _b64(hmac.new(self.key, ('%s.%s' % (parts[0], parts[1])).encode('ascii'), hashlib.sha256).digest())
        if not hmac.compare_digest(expected.encode('ascii'), parts[2].encode('ascii')):
            return None
        try:
            claims = json.loads(_unb64(parts[1]).decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(claims, dict) or claims.get('token_type') != kind:
            return None
        token = self.tokens.get(claims.get('jti'))
        if token is None or token['kind'] != kind or not self._valid(token, now):
            return None
        return token

    # -- request bodies (D3: the token_body knob) ------------------------------------
    def _token_body(self, call):
        request = call.request
        raw = (request.body or b'').strip()
        content_type = (request.headers.get('Content-Type') or '').split(';', 1)[0].strip().lower()
        if not content_type and raw:
            content_type = 'application/json' if raw[:1] in (b'{', b'[') else 'application/x-www-form-urlencoded'
        allowed = self.svc.config['token_body']
        if content_type == 'application/json':
            if allowed == 'form':
                raise detail(415, 'Unsupported media type "%s" in request.' % content_type, 'unsupported_media_type')
            data = call.body()
            if not isinstance(data, dict):
                raise ApiError(400, {'non_field_errors': [('Invalid data. Expected a dictionary, but got %s.' % type(
                    data).__name__, 'invalid')]})
            return data
        if content_type in ('application/x-www-form-urlencoded', 'multipart/form-data') or not content_type:
            if allowed == 'json' and raw:
                raise detail(415, 'Unsupported media type "%s" in request.' % content_type, 'unsupported_media_type')
            try:
                return dict(parse_qsl(raw.decode('utf-8'), keep_blank_values=True))
            except UnicodeDecodeError as exc:
                raise detail(400, 'Invalid form data.', 'parse_error') from exc
        raise detail(415, 'Unsupported media type "%s" in request.' % content_type, 'unsupported_media_type')

    @staticmethod
    def _field(data, name):
        value = data.get(name)
        if value is None:
            raise ApiError(400, {name: [('This field is required.', 'required')]})
        if not isinstance(value, str):
            raise ApiError(400, {name: [('Not a valid string.', 'invalid')]})
        if not value.strip():
            raise ApiError(400, {name: [('This field may not be blank.', 'blank')]})
        return value

    # -- handlers ------------------------------------------------------------------
    def obtain(self, call):
        """POST /api/token/obtain/api_key/ {api_key} -> 200 {access, refresh}"""
        self.counts['obtain'] += 1
        api_key = self._field(self._token_body(call), 'api_key')
        user = self.svc.directory.user_by_key(api_key)
        if user is None:
            raise unauthorized('No active account found with the given API authentication key.', 'authentication_failed')
        call.request.context['auth_user'] = user['username']
        config = self.svc.config
        body = {'access': self._issue('access', user['id'], call.now, float(config['access_ttl'])),
                'refresh': self._issue('refresh', user['id'], call.now, float(config['refresh_ttl']))}
        return self.svc.respond(call, 200, body)

    def refresh(self, call):
        """POST /api/token/refresh/ {refresh} -> 200 {access} (the refresh token is not rotated)"""
        self.counts['refresh'] += 1
        value = self._field(self._token_body(call), 'refresh')
        token = self.decode(value, 'refresh', call.now)
        if token is None or token['user'] not in self.svc.directory.users:
            raise unauthorized('Token is invalid or expired', 'token_not_valid')
        call.request.context['auth_user'] = self.svc.directory.users[token['user']]['username']
        access = self._issue('access', token['user'], call.now, float(self.svc.config['access_ttl']))
        return self.svc.respond(call, 200, {'access': access})

    def authenticate(self, call):
        """The user of the request's bearer access token (401 otherwise)."""
        header = call.request.headers.get('Authorization') or ''
        scheme, _sep, value = header.strip().partition(' ')
        if not header.strip() or scheme.lower() != 'bearer':
            raise unauthorized(MSG_NO_CREDENTIALS, 'not_authenticated')
        value = value.strip()
        if not value or ' ' in value:
            raise unauthorized('Authorization header must contain two space-delimited values', 'bad_authorization_header')
        token = self.decode(value, 'access', call.now)
        user = self.svc.directory.users.get(token['user']) if token else None
        if user is None:
            raise unauthorized(MSG_TOKEN_INVALID, 'token_not_valid')
        call.request.context['auth_user'] = user['username']
        return user

    def identify(self, request):
        """Username behind a bearer token (for the request log), without checking expiry."""
        header = request.headers.get('Authorization') or ''
        parts = header.strip().split(' ')
        if len(parts) != 2 or parts[0].lower() != 'bearer':
            return None
        try:
            claims = json.loads(_unb64(parts[1].split('.')[1]).decode('utf-8'))
            return self.svc.directory.username(claims.get('user_id'))
        except (ValueError, IndexError, UnicodeDecodeError, AttributeError, TypeError):
            return None

    # -- admin -------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'expire-tokens' and method == 'POST':
            which = params.get('which', 'both')
            if which not in ('access', 'refresh', 'both'):
                raise AdminError(400, 'which must be access, refresh or both')
            kinds = ('access', 'refresh') if which == 'both' else (which,)
            expired = 0
            for token in self.tokens.values():
                if token['kind'] in kinds and not token['revoked']:
                    token['revoked'] = True
                    expired += 1
            return {'ok': True, 'expired': expired, 'which': which}
        if action == 'tokens' and method == 'GET':
            now = time.time()
            rows = [{'kind': tok['kind'], 'user': tok['user'], 'issued_at': tok['issued'], 'expires_at': tok['expires'],
                     'valid': self._valid(tok, now)} for tok in self.tokens.values()]
            return {'issued': len(rows), 'valid': sum(1 for row in rows if row['valid']),
                    'obtain_requests': self.counts['obtain'], 'refresh_requests': self.counts['refresh'], 'tokens': rows}
        return NotImplemented
