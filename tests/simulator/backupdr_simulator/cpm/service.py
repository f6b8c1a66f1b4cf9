# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CPM service: routing, versioning, authentication, permissions, responses, faults and admin.

Resource families (``FAMILIES``) own their state and routes; this module
only dispatches.  Parts 2 (recovery) and 3 (administration) add families.
"""

import time
from urllib.parse import unquote

from ..core import AdminError, Response, Service, format_seconds
from .accounts import AccountsFamily
from .api import API_VERSIONS, ApiError, Call, detail, forbidden, not_found
from .auth import AuthFamily
from .backups import BackupsFamily
from .directory import DEFAULT_USERS, REGION_BY_ID, RESOURCE_TYPE_IDS, ROOT_ID, DirectoryFamily, versions_up_to
from .inventory import InventoryFamily
from .policies import PoliciesFamily
from .schedules import SchedulesFamily
from .targets import TargetsFamily
from .explore import ExploreFamily
from .freezer import FreezerFamily
from .recoveries import RecoveriesFamily
from .repositories import RepositoriesFamily
from .scenarios import ScenariosFamily
from .vpcs import VpcsFamily
from .administration import PART3_FAMILIES, ROOT_PASSWORD
from . import bulk

PREFIX = '/cpm/'
API_ROOT = 'api/'

#: Families in reset order (later families may refer to earlier ones while populating).
FAMILIES = (AuthFamily, DirectoryFamily, InventoryFamily, AccountsFamily, SchedulesFamily, PoliciesFamily,
            TargetsFamily, BackupsFamily,
            RecoveriesFamily, ScenariosFamily, ExploreFamily, FreezerFamily, RepositoriesFamily, VpcsFamily)  # part 2
FAMILIES += PART3_FAMILIES  # part 3: users, IdP, workers, resource control, costs, reports, alerts, settings, system

#: Keys holding CPM record ids (or lists of them): strings when ``id_type`` is ``str`` (D12).
ID_KEYS = frozenset(('id', 'user', 'account', 'policy', 'assume_from_account', 'repository', 'dr_account',
                     'destination_account', 'tracker_id', 'account_id', 'schedules', 'related_policies',
                     'associated_repositories', 'applied_managed_users', 'original_user', 'backup_record'))

SECRET_VARS = ('cpm_api_key', 'cpm_operator_api_key', 'cpm_readonly_api_key', 'cpm_tenant_api_key')
PUBLISHED_USERS = (('cpm_api_key', 'root'), ('cpm_operator_api_key', 'operator'), ('cpm_readonly_api_key', 'auditor'),
                   ('cpm_tenant_api_key', 'tenant'))


class CPMService(Service):
    """N2WS Backup & Recovery (CPM) RESTful API, part 1: tokens, accounts, schedules, policies, targets, backups."""

    name = 'cpm'
    prefix = PREFIX
    config_defaults = {
        'api_version': '1.5.0',
        'access_ttl': 3600.0,
        'refresh_ttl': 86400.0,
        'token_body': 'both',
        'put_semantics': 'merge',
        'id_type': 'int',
        'version_gate': '404',
        'unique_names': True,
        'strict_inventory': True,
        'license_cross_account': True,
        'license_max_accounts': 0,
        'license_max_instances': 0,
        'backup_seconds': 2.0,
        'backup_start_delay': 0.0,
        'dr_seconds': 1.0,
        's3_copy_seconds': 1.0,
        'concurrent_backups': False,
    }
    config_choices = {
        'api_version': API_VERSIONS,
        'token_body': ('both', 'json', 'form'),
        'put_semantics': ('merge', 'replace'),
        'id_type': ('int', 'str'),
        'version_gate': ('404', '406'),
    }

    def __init__(self):
        self.families = [cls(self) for cls in FAMILIES]
        for family in self.families:
            setattr(self, family.name, family)
        self.routes = [route for family in self.families for route in family.routes()]
        super().__init__()

    # -- lifecycle -------------------------------------------------------------------
    def reset(self):
        super().reset()
        for family in self.families:
            family.reset()
        for family in self.families:
            populate = getattr(family, 'populate', None)
            if populate:
                populate()

    def seed(self, params):
        self._advance(time.time())
        return bulk.seed(self, params)

    def credentials(self):
        info = {}
        simulator = self.simulator
        keys = dict((row[1], row[5]) for row in DEFAULT_USERS)
        variables = dict((var, keys[username]) for var, username in PUBLISHED_USERS)
        if simulator is not None and simulator.http_url:
            info['url'] = simulator.http_url + PREFIX + API_ROOT
            variables['cpm_api_url'] = info['url']
            if simulator.https_url:
                info['https_url'] = simulator.https_url + PREFIX + API_ROOT
                variables['cpm_https_url'] = info['https_url']
        # The root user's password (for users/me/change_password/), a secret like the keys.
        variables['cpm_root_password'] = ROOT_PASSWORD
        info['vars'] = variables
        info['secret_vars'] = list(SECRET_VARS) + ['cpm_root_password']
        return info

    def identify(self, request):
        user = request.context.get('auth_user')
        if user:
            return user
        return self.auth.identify(request)

    # -- errors ------------------------------------------------------------------------
    def error(self, status, kind, message):
        if status >= 500:
            return detail(status, 'A server error occurred.', 'error').response()
        return detail(status, message, kind).response()

    def fault_response(self, rule, request=None):
        kind = rule['fault']
        retry = rule.get('retry_after', 1)
        if kind == '429':
            seconds = int(-(-float(retry) // 1))
            return detail(429, 'Request was throttled. Expected available in %d second%s.' % (
                seconds, '' if seconds == 1 else 's'), 'throttled', [('Retry-After', format_seconds(retry))]).response()
        if kind == 'busy':
            return detail(412, 'The resource is busy with another operation; try again later.',
                          'precondition_failed').response()
        if kind == '500':
            return detail(500, 'A server error occurred.', 'error').response()
        titles = {'502': '502 Bad Gateway', '503': '503 Service Temporarily Unavailable', '504': '504 Gateway Time-out'}
        title = titles[kind]
        html = '<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n' \
               '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n' % (title, title)
        headers = [('Retry-After', format_seconds(retry))] if kind == '503' else []
        return Response(int(kind), html, 'text/html', headers)

    # -- responses ---------------------------------------------------------------------
    def respond(self, call, status, payload):
        """JSON response (ids as strings when ``id_type`` is ``str``); Content-Type echoes the version asked for."""
        if status == 204:
            return Response(204, b'')
        if self.config['id_type'] == 'str':
            payload = _stringify_ids(payload)
        response = Response.json(status, payload)
        if call is not None and call.request.context.get('asked_version'):
            response.headers[0] = ('Content-Type', 'application/json; version=%s' % call.request.context['asked_version'])
        return response

    def origin(self, request):
        """``scheme://host`` the request was sent to (Host header; https on the TLS port)."""
        simulator = self.simulator
        host = request.headers.get('Host') if request is not None else None
        if not host or simulator is None:
            return simulator.http_url if simulator is not None and simulator.http_url else 'http://127.0.0.1'
        scheme = 'http'
        if simulator.https_url:
            tls_port = simulator.https_url.rsplit(':', 1)[1]
            port = host.rsplit(':', 1)[1] if ':' in host.rsplit(']', 1)[-1] else None
            if port == tls_port:
                scheme = 'https'
        return '%s://%s' % (scheme, host)

    # -- dispatch ----------------------------------------------------------------------
    def _advance(self, now):
        for family in self.families:
            family.advance(now)

    def handle(self, request):
        now = time.time()
        self._advance(now)
        try:
            return self._dispatch(request, now)
        except ApiError as exc:
            return exc.response()

    def _dispatch(self, request, now):
        path = unquote(request.path)
        method = 'GET' if request.method == 'HEAD' else request.method
        if not path.startswith(API_ROOT):
            raise not_found()
        rest = path[len(API_ROOT):]
        matches = [(route, match) for route, match in ((route, route.regex.match(rest)) for route in self.routes) if match]
        if not matches:
            if not rest.endswith('/') and any(route.regex.match(rest + '/') for route in self.routes):
                if method == 'GET':  # Django APPEND_SLASH (D1)
                    query = '?' + request.raw_path.split('?', 1)[1] if '?' in request.raw_path else ''
                    location = request.raw_path.split('?', 1)[0] + '/' + query
                    return Response(301, b'', None, [('Location', location)])
            raise not_found()
        # like Django's URL resolver: the most literal pattern wins, then the method is looked for among its routes
        pattern = min(matches, key=lambda item: len(item[1].groupdict()))[0].pattern
        matches = [(route, match) for route, match in matches if route.pattern == pattern]
        version, media = self._negotiate(request, matches)
        present = [(route, match) for route, match in matches if API_VERSIONS.index(route.since) <= API_VERSIONS.index(version)]
        if not present:
            if self.config['version_gate'] == '406':
                raise detail(406, 'This endpoint is not available in API version %s.' % version, 'not_acceptable')
            raise not_found()
        chosen = [(route, match) for route, match in present if route.method == method]
        route, match = chosen[0] if chosen else present[0]
        call = Call(self, request, route, match.groupdict(), version, now)
        call.csv = media == 'text/csv'
        if any(r.perm != 'public' for r, _m in present):  # the token views authenticate nobody
            self._authenticate(call)
        if not chosen:
            allowed = sorted(set(r.method for r, _m in present) | ({'HEAD'} if any(r.method == 'GET' for r, _m in present) else set()))
            raise detail(405, 'Method "%s" not allowed.' % request.method, 'method_not_allowed',
                         [('Allow', ', '.join(allowed + ['OPTIONS']))])
        self._check_permission(call, route)
        return route.handler(call)

    def _negotiate(self, request, matches):
        """(version, media type) from the Accept header (D2); 406 for an unknown version or media type."""
        accept = request.headers.get('Accept') or ''
        csv_ok = any(route.csv in ('both', 'download') for route, _m in matches)
        download = all(route.csv == 'download' for route, _m in matches)
        allowed_versions = versions_up_to(self.config['api_version'])
        ranges = [part.strip() for part in accept.split(',') if part.strip()] or ['*/*']
        chosen = None
        for media_range in ranges:
            pieces = [piece.strip() for piece in media_range.split(';')]
            media = pieces[0].lower()
            params = dict((key.strip().lower(), value.strip().strip('"')) for key, _sep, value in
                          (piece.partition('=') for piece in pieces[1:] if piece))
            if media in ('application/json', 'application/*', '*/*', '*'):
                chosen = ('text/csv' if download else 'application/json', params)
            elif media in ('text/csv', 'text/*') and csv_ok:
                chosen = ('text/csv', params)
            elif download:
                chosen = ('text/csv', params)
            if chosen:
                break
        if chosen is None:
            raise detail(406, 'Could not satisfy the request Accept header.', 'not_acceptable')
        media, params = chosen
        asked = params.get('version')
        if asked is None:
            return self.config['api_version'], media
        version = _normalise_version(asked)
        if version not in allowed_versions:
            raise detail(406, 'Invalid version in "Accept" header.', 'not_acceptable')
        request.context['asked_version'] = asked
        return version, media

    def _authenticate(self, call):
        user = self.auth.authenticate(call)
        call.user = user
        owner_id = user['original_user'] if user['user_type'] == 'delegate' else user['id']
        call.owner = self.directory.users.get(owner_id)
        call.visible = self.directory.visible_owners(owner_id)
        if user['user_type'] == 'delegate' and call.request.method not in ('GET', 'HEAD'):
            call.visible = frozenset((owner_id,))  # a delegate writes for its original user only (D5)

    @staticmethod
    def _check_permission(call, route):
        """Principal-level permissions, before any object is looked up (D5)."""
        perm = route.perm
        user = call.user
        if perm in (None, 'public'):
            return
        if perm == 'admin':
            if user['id'] != ROOT_ID:
                raise forbidden()
            return
        if user['user_type'] != 'delegate':
            return
        flags = user['flags']
        needed = {'backup': ('allow_backup_changes',), 'account': ('allow_backup_changes', 'allow_account_changes'),
                  'recovery': ('allow_recovery',), 'settings': ('allow_settings_changes',)}.get(perm, ())
        if not all(flags.get(flag) for flag in needed):
            raise forbidden()

    # -- admin -------------------------------------------------------------------------
    def admin(self, action, method, params):
        self._advance(time.time())
        for family in self.families:
            result = family.admin(action, method, params)
            if result is not NotImplemented:
                return result
        raise AdminError(404, 'unknown admin action %s %s/%s (known: %s)' % (method, self.name, action, ADMIN_ACTIONS))

    def lookup(self, call):
        """``exists(model, pk)`` for body validation: related records the caller may refer to."""
        def exists(model, pk):
            if model == 'user':
                user = self.directory.users.get(pk)
                return user is not None and user['user_type'] != 'delegate'
            if model in ('account', 'backup_account', 'dr_account'):
                account = self.accounts.accounts.get(pk)
                if account is None or not call.can_see(account['user']):
                    return False
                return model == 'account' or account['kind'] == model.split('_', 1)[0]
            if model == 'region':
                return pk in REGION_BY_ID
            if model == 'resource_type':
                return pk in RESOURCE_TYPE_IDS
            if model == 'schedule':
                schedule = self.schedules.schedules.get(pk)
                return schedule is not None and call.can_see(schedule['user'])
            if model == 'repository':
                repo = self.directory.repositories.get(pk)
                return repo is not None and call.can_see(repo['user'])
            return False
        return exists

    def route_table(self):
        """(method, /api/path, since, seed line) of every route (README and tests)."""
        return [(route.method, '/api/' + route.pattern, route.since, route.line) for route in self.routes]


ADMIN_ACTIONS = ('POST expire-tokens, GET tokens, GET|POST users, GET accounts, GET|POST|DELETE inventory, POST tag-scan, '
                 'POST account-permissions, POST fail-next-backup, GET backups, GET backups/ID')


def _normalise_version(text):
    """``1.0`` -> ``1.0.0``, ``1`` -> ``1.0.0`` (the Python sample sends ``version=1.0``, D2); else the text."""
    parts = text.split('.')
    if not 1 <= len(parts) <= 3 or not all(part.isdigit() for part in parts):
        return text
    return '.'.join(str(int(part)) for part in parts + ['0'] * (3 - len(parts)))


def _stringify_ids(value):
    if isinstance(value, list):
        return [_stringify_ids(item) for item in value]
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ID_KEYS:
                if isinstance(item, int) and not isinstance(item, bool):
                    item = str(item)
                elif isinstance(item, list):
                    item = [str(x) if isinstance(x, int) and not isinstance(x, bool) else x for x in item]
            elif isinstance(item, (dict, list)):
                item = _stringify_ids(item)
            out[key] = item
        return out
    return value
