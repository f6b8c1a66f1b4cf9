# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wire-level building blocks of the simulated CPM API.

Shared by every resource family of the package: the error envelope
(:class:`ApiError`), routes (:class:`Route`) and the family base class
(:class:`Family`), the per-request context (:class:`Call`), body validation
with Django REST framework messages (:func:`validate` and :class:`F`), the list
engine (filters, search, ordering, page/page_size) and time formatting.
"""

import calendar
import csv
import io
import json
import re
import time
from urllib.parse import parse_qsl, urlencode

from ..core import Response

API_VERSIONS = ('1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0', '1.5.0')
CPM_VERSIONS = {'1.0.0': '2.3.0', '1.1.0': '2.4.0', '1.2.0': '2.5.0', '1.3.0': '2.6.0', '1.4.0': '3.0.0', '1.5.0': '3.1.0'}
NAME_RE = re.compile(r'^[A-Za-z0-9_-]+$')
TEXT_FORBIDDEN_RE = re.compile(r'[<>\x00-\x08\x0b\x0c\x0e-\x1f]')  # descriptions (D7)
MISSING = object()

MSG_REQUIRED = 'This field is required.'
MSG_NULL = 'This field may not be null.'
MSG_BLANK = 'This field may not be blank.'
MSG_CHARS = 'This field contains invalid characters.'
MSG_NOT_FOUND = 'Not found.'
MSG_FORBIDDEN = 'You do not have permission to perform this action.'
MSG_NO_CREDENTIALS = 'Authentication credentials were not provided.'
MSG_TOKEN_INVALID = 'Given token not valid for any token type'
MSG_DATETIME = 'Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].'
MSG_TIME = 'Time has wrong format. Use one of these formats instead: hh:mm[:ss[.uuuuuu]].'
WWW_AUTHENTICATE = 'Bearer realm="api"'


# ---------------------------------------------------------------------------
# errors


class ApiError(Exception):
    """An API error: HTTP status and ``{field: [(message, code), ...]}`` (D6)."""

    def __init__(self, status, errors, headers=None):
        super().__init__(str(errors))
        self.status = status
        self.errors = errors
        self.headers = list(headers or [])

    def response(self):
        """The seed's envelope ``{"errors": [{field: [{"message", "code"}]}]}``."""
        return Response.json(self.status, error_body(self.errors), self.headers)


def error_body(errors):
    """``{"errors": [{field: [{"message": m, "code": c}, ...], ...}]}`` from ``{field: [(m, c), ...]}``."""
    return {'errors': [dict((field, [{'message': message, 'code': code} for message, code in items])
                            for field, items in errors.items())]}


def detail(status, message, code, headers=None):
    """A non-field error (key ``detail``)."""
    return ApiError(status, {'detail': [(message, code)]}, headers)


def not_found():
    """404 ``Not found.``"""
    return detail(404, MSG_NOT_FOUND, 'not_found')


def forbidden(message=MSG_FORBIDDEN):
    """403 ``permission_denied``."""
    return detail(403, message, 'permission_denied')


def invalid(field, message, code='invalid'):
    """400 with one field error."""
    return ApiError(400, {field: [(message, code)]})


def precondition(message):
    """412 ``precondition_failed``."""
    return detail(412, message, 'precondition_failed')


# ---------------------------------------------------------------------------
# time


def iso(epoch):
    """``2018-08-01T12:00:00.000000Z`` (the Ch.2 create sample's format), or None."""
    if epoch is None:
        return None
    whole = int(epoch // 1)
    micro = int(round((epoch - whole) * 1000000))
    if micro >= 1000000:
        whole, micro = whole + 1, micro - 1000000
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(whole)) + '.%06dZ' % micro


_DT_RE = re.compile(r'^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?'
                    r'\s*(Z|[+-]\d{2}:?\d{2})?$')
_TIME_RE = re.compile(r'^(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?$')


def parse_datetime(value):
    """Epoch seconds of an ISO 8601 date/time (UTC unless an offset is given); ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError('not a string')
    match = _DT_RE.match(value.strip())
    if not match:
        raise ValueError(value)
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    parts = (int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    if not (1 <= parts[1] <= 12 and 1 <= parts[2] <= calendar.monthrange(parts[0], parts[1])[1]
            and parts[3] < 24 and parts[4] < 60 and parts[5] < 60):
        raise ValueError(value)
    epoch = calendar.timegm(parts + (0, 0, 0))
    if fraction:
        epoch += int(fraction.ljust(6, '0')) / 1000000.0
    if zone and zone != 'Z':
        sign = -1 if zone[0] == '+' else 1
        digits = zone[1:].replace(':', '')
        epoch += sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
    return epoch


def parse_time(value):
    """``HH:MM:SS`` of a time of day; ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError('not a string')
    match = _TIME_RE.match(value.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59 or int(match.group(3) or 0) > 59:
        raise ValueError(value)
    return '%02d:%02d:%02d' % (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


# ---------------------------------------------------------------------------
# validation (Django REST framework field semantics and messages)


class F:
    """A body field: kind ``str|int|bool|choice|datetime|time|ids|strs|ints|obj|objs|any``."""

    __slots__ = ('kind', 'required', 'default', 'choices', 'nullable', 'blank', 'name_rule', 'spec', 'min_value',
                 'model', 'write_only', 'text')

    def __init__(self, kind, required=False, default=MISSING, choices=None, nullable=False, blank=True,
                 name_rule=False, spec=None, min_value=None, model=None, write_only=False, text=False):
        self.kind = kind
        self.required = required
        self.default = default
        self.choices = choices
        self.nullable = nullable
        self.blank = blank
        self.name_rule = name_rule
        self.spec = spec
        self.min_value = min_value
        self.model = model
        self.write_only = write_only
        self.text = text

    def default_value(self):
        """A fresh copy of the default (nested objects: their defaults)."""
        if self.kind == 'obj' and self.default is MISSING:
            return defaults(self.spec)
        value = self.default
        if value is MISSING:
            return None
        if isinstance(value, (list, dict)):
            return json.loads(json.dumps(value))
        return value


def defaults(spec):
    """Default values of a spec (fields without a default are None)."""
    return dict((name, field.default_value()) for name, field in spec.items())


def _type_name(value):
    return {dict: 'dict', list: 'list', str: 'str', bool: 'bool', int: 'int', float: 'float'}.get(type(value), 'NoneType')


def _clean(field, value, path, errors, lookup):
    """Cleaned value of one field or MISSING (errors appended to ``errors[path]``)."""
    def fail(message, code):
        errors.setdefault(path, []).append((message, code))
        return MISSING

    if value is None:
        if field.nullable:
            return None
        return fail(MSG_NULL, 'null')
    kind = field.kind
    if kind in ('str', 'choice'):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return fail('Not a valid string.', 'invalid')
        value = str(value)
        if kind == 'choice':
            if value not in field.choices:
                return fail('"%s" is not a valid choice.' % value, 'invalid_choice')
            return value
        if value.strip() == '' and not field.blank:
            return fail(MSG_BLANK, 'blank')
        if field.name_rule and value != '' and not NAME_RE.match(value):
            return fail(MSG_CHARS, 'invalid')
        if field.text and TEXT_FORBIDDEN_RE.search(value):
            return fail(MSG_CHARS, 'invalid')
        return value
    if kind == 'int':
        if isinstance(value, bool):
            return fail('A valid integer is required.', 'invalid')
        try:
            if isinstance(value, float) and value != int(value):
                raise ValueError(value)
            number = int(str(value).strip()) if not isinstance(value, float) else int(value)
        except (TypeError, ValueError):
            return fail('A valid integer is required.', 'invalid')
        if field.min_value is not None and number < field.min_value:
            return fail('Ensure this value is greater than or equal to %d.' % field.min_value, 'min_value')
        return number
    if kind == 'bool':
        if value in (True, 'true', 'True', 'TRUE', 1, '1', 'on', 'yes'):
            return True
        if value in (False, 'false', 'False', 'FALSE', 0, '0', 'off', 'no'):
            return False
        return fail('Must be a valid boolean.', 'invalid')
    if kind == 'datetime':
        try:
            return parse_datetime(value)
        except ValueError:
            return fail(MSG_DATETIME, 'invalid')
    if kind == 'time':
        try:
            return parse_time(value)
        except ValueError:
            return fail(MSG_TIME, 'invalid')
    if kind in ('ids', 'strs', 'ints', 'objs'):
        if not isinstance(value, list):
            return fail('Expected a list of items but got type "%s".' % _type_name(value), 'not_a_list')
        out = []
        for index, item in enumerate(value):
            if kind == 'ids':
                number = _pk(item, path, errors)
                if number is MISSING:
                    continue
                if lookup is not None and field.model and not lookup(field.model, number):
                    errors.setdefault(path, []).append(('Invalid pk "%s" - object does not exist.' % item, 'does_not_exist'))
                    continue
                out.append(number)
            elif kind == 'objs':
                cleaned = validate_object(field.spec, item, '%s.%d' % (path, index), errors, lookup, None, 'create')
                if cleaned is not MISSING:
                    out.append(cleaned)
            else:
                sub = F('int' if kind == 'ints' else 'str')
                cleaned = _clean(sub, item, path, errors, lookup)
                if cleaned is not MISSING:
                    out.append(cleaned)
        return out
    if kind == 'pk':
        number = _pk(value, path, errors)
        if number is MISSING:
            return MISSING
        if lookup is not None and field.model and not lookup(field.model, number):
            return fail('Invalid pk "%s" - object does not exist.' % value, 'does_not_exist')
        return number
    if kind == 'obj':
        return validate_object(field.spec, value, path, errors, lookup, None, 'create')
    return value


def _pk(value, path, errors):
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        errors.setdefault(path, []).append(('Incorrect type. Expected pk value, received %s.' % _type_name(value),
                                            'incorrect_type'))
        return MISSING
    try:
        return int(str(value).strip())
    except ValueError:
        errors.setdefault(path, []).append(('Incorrect type. Expected pk value, received str.', 'incorrect_type'))
        return MISSING


def validate_object(spec, data, path, errors, lookup, current, mode):
    """Validate a (nested) object.

    ``mode``: ``create`` (missing optional fields take their defaults),
    ``merge`` (missing fields keep ``current``; nested objects merge) or
    ``replace`` (missing optional fields go back to their defaults).
    Required fields are required in every mode.
    """
    if not isinstance(data, dict):
        errors.setdefault(path or 'non_field_errors', []).append(
            ('Invalid data. Expected a dictionary, but got %s.' % _type_name(data), 'invalid'))
        return MISSING
    out = {}
    before = len(errors)
    for name, field in spec.items():
        sub_path = '%s.%s' % (path, name) if path else name
        if name not in data:
            if field.required:
                errors.setdefault(sub_path, []).append((MSG_REQUIRED, 'required'))
            elif mode == 'merge' and current is not None and name in current:
                out[name] = current[name]
            else:
                out[name] = field.default_value()
            continue
        value = data[name]
        if field.kind == 'obj' and isinstance(value, dict):
            base = current.get(name) if (mode == 'merge' and current is not None) else None
            cleaned = validate_object(field.spec, value, sub_path, errors, lookup, base,
                                      'merge' if base is not None else 'create')
        else:
            cleaned = _clean(field, value, sub_path, errors, lookup)
        if cleaned is not MISSING:
            out[name] = cleaned
    if len(errors) != before:
        return MISSING
    return out


def validate(spec, data, lookup=None, current=None, mode='create'):
    """Validated body (400 with every field error at once)."""
    errors = {}
    cleaned = validate_object(spec, data, '', errors, lookup, current, mode)
    if errors:
        raise ApiError(400, errors)
    return cleaned


# ---------------------------------------------------------------------------
# routes and families


class Route:
    """``METHOD api/<pattern>`` -> handler; ``since``: the API version of its Initial Release.

    ``perm``: None (any authenticated user), ``backup`` (delegates need
    allow_backup_changes), ``account`` (delegates need allow_backup_changes and
    allow_account_changes), ``admin`` (the root user only) or ``public`` (no
    token: the token endpoints).  ``csv``: ``json`` (JSON only), ``both`` (JSON
    or text/csv by Accept) or ``download`` (always text/csv).
    """

    __slots__ = ('method', 'pattern', 'regex', 'handler', 'since', 'perm', 'line', 'csv')

    def __init__(self, method, pattern, handler, since, perm=None, line=None, csv='json'):
        self.method = method
        self.pattern = pattern
        self.regex = re.compile('^' + re.sub(r'\{(\w+)\}', r'(?P<\1>[^/]+)', pattern) + '$')
        self.handler = handler
        self.since = since
        self.perm = perm
        self.line = line
        self.csv = csv


class Family:
    """A family of resources: its state, routes, clock-driven progress and admin actions.

    Later parts of the simulator add families (recoveries, administration) by
    listing new subclasses in ``service.FAMILIES``.
    """

    name = None

    def __init__(self, service):
        self.svc = service

    def reset(self):
        """Forget all state (called by the service's reset, in FAMILIES order)."""

    def routes(self):
        """The family's :class:`Route` list."""
        return []

    def advance(self, now):
        """Let time pass (called before every request and admin call)."""

    def admin(self, action, method, params):  # pylint: disable=unused-argument
        """Handle ``/_sim/cpm/<action>`` or return NotImplemented."""
        return NotImplemented


# ---------------------------------------------------------------------------
# the request context


class Call:
    """One API call: request, matched route, path params, version and principal."""

    def __init__(self, service, request, route, params, version, now):
        self.svc = service
        self.request = request
        self.route = route
        self.params = params
        self.version = version
        self.now = now
        self.user = None          # the authenticated user (a delegate acts for its original user)
        self.owner = None         # the user whose objects are reached (the original user of a delegate)
        self.visible = frozenset()
        self.csv = False
        query = request.raw_path.split('?', 1)[1] if '?' in request.raw_path else ''
        self.pairs = parse_qsl(query.split('#', 1)[0], keep_blank_values=True)
        self._body = MISSING

    # -- query -------------------------------------------------------------------
    def q(self, name):
        """The last value of a query parameter, or None."""
        value = None
        for key, item in self.pairs:
            if key == name:
                value = item
        return value

    def param_id(self, name='id'):
        """An integer path parameter (anything else -> 404, as Django's URL resolver would for a bad pk)."""
        try:
            return int(self.params[name])
        except (KeyError, ValueError) as exc:
            raise not_found() from exc

    # -- body --------------------------------------------------------------------
    def body(self):
        """The JSON body (a dict expected by the caller; empty body -> {})."""
        if self._body is MISSING:
            self._body = parse_json_body(self.request)
        return self._body

    def body_dict(self):
        """The body, which must be a JSON object."""
        data = self.body()
        if not isinstance(data, dict):
            raise invalid('non_field_errors', 'Invalid data. Expected a dictionary, but got %s.' % _type_name(data))
        return data

    # -- permissions ---------------------------------------------------------------
    def can_see(self, owner_id):
        """Objects of this owner are visible to the caller."""
        return owner_id in self.visible

    def check_owner_for_create(self, user_id):
        """The ``user`` of a create body: 400 when unknown, 403 when not manageable by the caller."""
        if user_id not in self.svc.directory.users:
            raise invalid('user', 'Invalid pk "%s" - object does not exist.' % user_id, 'does_not_exist')
        if user_id not in self.visible:
            raise forbidden()
        return user_id

    def base_url(self):
        """``scheme://host`` of this request (Host header; https on the TLS port)."""
        return self.svc.origin(self.request)


def parse_json_body(request):
    """Decode a JSON request body; 415 for another media type, 400 for invalid JSON."""
    raw = (request.body or b'').strip()
    content_type = (request.headers.get('Content-Type') or '').split(';', 1)[0].strip().lower()
    if not raw:
        return {}
    if content_type and content_type != 'application/json' and not content_type.endswith('+json'):
        raise detail(415, 'Unsupported media type "%s" in request.' % content_type, 'unsupported_media_type')
    try:
        return json.loads(raw.decode('utf-8'))
    except (ValueError, UnicodeDecodeError) as exc:
        raise detail(400, 'JSON parse error - %s' % exc, 'parse_error') from exc


# ---------------------------------------------------------------------------
# lists


def exact(getter, kind='str'):
    """An exact-match filter on ``getter(item)``; ``kind`` int/bool validate the query value (400 otherwise)."""
    return (getter, kind)


def _filter_value(name, kind, raw):
    if kind == 'int':
        try:
            return int(raw.strip())
        except ValueError as exc:
            raise invalid(name, 'Enter a number.') from exc
    if kind == 'bool':
        lowered = raw.strip().lower()
        if lowered in ('true', '1', 'yes', 'on'):
            return True
        if lowered in ('false', '0', 'no', 'off'):
            return False
        raise invalid(name, 'Select a valid choice. %s is not one of the available choices.' % raw, 'invalid_choice')
    return raw


def _sort_key(getter):
    """Key with PostgreSQL null order (NULLS LAST ascending, NULLS FIRST descending)."""
    def key(item):
        value = getter(item)
        if value is None:
            return (1, 0)
        if isinstance(value, str):
            return (0, value)
        return (0, value)
    return key


def apply_list(call, items, filters=None, search=None, ordering=None):
    """Filter (exact), search (case-insensitive, every term in some field) and order (D11)."""
    for name, (getter, kind) in (filters or {}).items():
        raw = call.q(name)
        if raw is None or raw == '':
            continue
        if callable(kind):
            items = [item for item in items if kind(item, raw)]
            continue
        wanted = _filter_value(name, 'int' if kind == 'in' else kind, raw)
        if kind == 'str':
            items = [item for item in items if _as_str(getter(item)) == wanted]
        elif kind == 'in':
            items = [item for item in items if wanted in getter(item)]
        else:
            items = [item for item in items if getter(item) == wanted]
    term = call.q('search')
    if search and term and term.strip():
        words = [word.lower() for word in re.split(r'[\s,]+', term.strip()) if word]
        selected = []
        for item in items:
            texts = [str(value).lower() for getter in search for value in _values(getter(item)) if value is not None]
            if all(any(word in text for text in texts) for word in words):
                selected.append(item)
        items = selected
    wanted_order = call.q('ordering')
    if ordering and wanted_order:
        keys = []
        for part in wanted_order.split(','):
            part = part.strip()
            descending = part.startswith('-')
            name = part[1:] if descending else part
            if name in ordering:
                keys.append((ordering[name], descending))
        for getter, descending in reversed(keys):
            items = sorted(items, key=_sort_key(getter), reverse=descending)
    return items


def _values(value):
    if isinstance(value, (list, tuple)):
        return value
    return (value,)


def _as_str(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return '' if value is None else str(value)


def page_response(call, items, render):
    """Bare array, or ``{count, next, previous, results}`` when page_size > 0 (D11)."""
    page_size = call.q('page_size')
    size = None
    if page_size is not None:
        try:
            size = int(page_size.strip())
            if size <= 0:
                size = None
        except ValueError:
            size = None
    if size is None:
        return call.svc.respond(call, 200, [render(item) for item in items])
    raw_page = call.q('page') or '1'
    total = len(items)
    pages = max(1, -(-total // size))
    try:
        number = pages if raw_page == 'last' else int(raw_page)
    except ValueError as exc:
        raise detail(404, 'Invalid page.', 'not_found') from exc
    if number < 1 or number > pages:
        raise detail(404, 'Invalid page.', 'not_found')
    start = (number - 1) * size
    chunk = items[start:start + size]
    nxt = _page_url(call, number + 1) if start + size < total else None
    prev = _page_url(call, number - 1) if number > 1 else None
    body = {'count': total, 'next': nxt, 'previous': prev, 'results': [render(item) for item in chunk]}
    return call.svc.respond(call, 200, body)


def _page_url(call, number):
    """DRF replace_query_param / remove_query_param: the query re-encoded with sorted keys."""
    path = call.request.raw_path.split('?', 1)[0]
    query = dict(call.pairs)
    if number == 1:
        query.pop('page', None)
    else:
        query['page'] = str(number)
    encoded = urlencode(sorted(query.items()))
    return '%s%s%s' % (call.base_url(), path, ('?' + encoded) if encoded else '')


def csv_response(rows, header, filename):
    """A text/csv download."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return Response(200, out.getvalue(), 'text/csv; charset=utf-8',
                    [('Content-Disposition', 'attachment; filename="%s"' % filename)])
