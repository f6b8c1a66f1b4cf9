# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers shared by the administration families of part 3 (users, settings, reports, ...).

Permission checks that the route-level ``perm`` values of :mod:`.service`
do not express (D61), write-only secrets, query-parameter validation of the
reports (D71), CSV rendering (D72) and the log lists of Ch.18/23 (F5).
"""

import csv
import hashlib
import hmac
import io
import re
import time

from ..core import Response
from .api import ApiError, forbidden, invalid, iso, parse_datetime
from .directory import ROOT_ID

EMAIL_RE = re.compile(r'^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$')
URL_RE = re.compile(r'^https?://[^\s/$.?#][^\s]*$', re.IGNORECASE)
PAGING = ('page', 'page_size')


def register_knobs(service, defaults, choices=None):
    """Add a family's knobs to the service (instance attributes shadowing the class dicts, before the first reset)."""
    service.config_defaults = dict(service.config_defaults, **defaults)
    if choices:
        service.config_choices = dict(service.config_choices, **choices)


def str_ids(svc, payload, keys):
    """Knob ``id_type`` str (D12) for the reference keys part 1's ``ID_KEYS`` does not list (``group``, ...)."""
    if svc.config['id_type'] != 'str':
        return payload
    if isinstance(payload, list):
        return [str_ids(svc, item, keys) for item in payload]
    out = dict(payload)
    for key in keys:
        value = out.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            out[key] = str(value)
    return out


def empty(status):
    """A response without a body (the seed's "No Content" 200/201/202)."""
    return Response(status, b'', 'application/json')


# ---------------------------------------------------------------------------
# permissions (D61)


def is_root(call):
    """The caller is the root user himself."""
    return call.user['id'] == ROOT_ID


def is_root_delegate(call):
    """The caller is a delegate of the root user."""
    user = call.user
    return user['user_type'] == 'delegate' and user['original_user'] == ROOT_ID


def require_root(call):
    """403 unless the caller is root."""
    if not is_root(call):
        raise forbidden()


def require_root_or_delegate(call, flag=None):
    """Root, or a delegate of root (with ``flag`` when given)."""
    if is_root(call):
        return
    if is_root_delegate(call) and (flag is None or call.user['flags'].get(flag)):
        return
    raise forbidden()


def require_settings(call):
    """Root-only settings: root, or (knob ``settings_delegates`` flag) root's delegates with allow_settings_changes."""
    if is_root(call):
        return
    if call.svc.config['settings_delegates'] == 'flag' and is_root_delegate(call) and \
            call.user['flags'].get('allow_settings_changes'):
        return
    raise forbidden()


def require_flag(call, flag):
    """Delegates need ``flag`` (others pass)."""
    if call.user['user_type'] == 'delegate' and not call.user['flags'].get(flag):
        raise forbidden()


def deny_delegates(call):
    """Non-delegate users only."""
    if call.user['user_type'] == 'delegate':
        raise forbidden()


# ---------------------------------------------------------------------------
# secrets and values


def fingerprint(secret):
    """``sha256:<16 hex>`` of a write-only secret (admin views only), or None."""
    if not secret:
        return None
    return 'sha256:' + hashlib.sha256(secret.encode('utf-8')).hexdigest()[:16]


def check_email(errors, field, value):
    """Django's EmailField message for a bad address (empty is allowed)."""
    if value and not EMAIL_RE.match(value):
        errors.setdefault(field, []).append(('Enter a valid email address.', 'invalid'))


def check_url(errors, field, value):
    """DRF URLField message for a bad URL (empty/None is allowed)."""
    if value and not URL_RE.match(value):
        errors.setdefault(field, []).append(('Enter a valid URL.', 'invalid'))


def raise_errors(errors):
    """400 with every collected field error."""
    if errors:
        raise ApiError(400, errors)


def keep_secrets(values, body, current, names):
    """Write-only secrets not sent keep their stored value; a sent value (even null) replaces it (D8, D62)."""
    for name in names:
        if name not in body:
            values[name] = current.get(name)
    return values


def settings_mode(svc):
    """validate() mode of a singleton POST (knob ``settings_post``, D62)."""
    return 'merge' if svc.config['settings_post'] == 'merge' else 'replace'


def put_mode(svc):
    """validate() mode of a PUT (knob ``put_semantics``, D8)."""
    return 'merge' if svc.config['put_semantics'] == 'merge' else 'replace'


# ---------------------------------------------------------------------------
# query parameters (D71)


def check_params(call, allowed):
    """Knob ``report_filter_check`` strict: 400 for a query parameter the endpoint does not document."""
    if call.svc.config['report_filter_check'] != 'strict':
        return
    errors = {}
    for key, _value in call.pairs:
        if key not in allowed and key not in PAGING:
            errors[key] = [('Unknown filter "%s" for this report.' % key, 'invalid')]
    raise_errors(errors)


def q_time(call, name):
    """A date/time query parameter (epoch) or None; 400 when not ISO 8601."""
    raw = call.q(name)
    if raw is None or raw.strip() == '':
        return None
    try:
        return parse_datetime(raw.strip())
    except ValueError as exc:
        raise invalid(name, 'Enter a valid date/time.') from exc


def q_int(call, name):
    """An integer query parameter or None; 400 "Enter a number." otherwise."""
    raw = call.q(name)
    if raw is None or raw.strip() == '':
        return None
    try:
        return int(float(raw.strip()))
    except ValueError as exc:
        raise invalid(name, 'Enter a number.') from exc


def q_bool(call, name):
    """A boolean query parameter (true/false/1/0) or None; 400 otherwise."""
    raw = call.q(name)
    if raw is None or raw.strip() == '':
        return None
    lowered = raw.strip().lower()
    if lowered in ('true', '1', 'yes', 'on'):
        return True
    if lowered in ('false', '0', 'no', 'off'):
        return False
    raise invalid(name, 'Select a valid choice. %s is not one of the available choices.' % raw, 'invalid_choice')


def q_choice(call, name, choices):
    """A query parameter from an enum or None; 400 invalid_choice otherwise."""
    raw = call.q(name)
    if raw is None or raw == '':
        return None
    if raw not in choices:
        raise invalid(name, 'Select a valid choice. %s is not one of the available choices.' % raw, 'invalid_choice')
    return raw


def q_str(call, name):
    """A string query parameter or None."""
    raw = call.q(name)
    return None if raw is None or raw == '' else raw


# ---------------------------------------------------------------------------
# CSV (D72)


def csv_time(svc, epoch):
    """A time in a CSV report: server time ``YYYY-MM-DD HH:MM:SS`` (UTC) or the JSON string (knob ``report_csv_times``)."""
    if epoch is None:
        return ''
    if svc.config['report_csv_times'] == 'iso':
        return iso(epoch)
    return time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(epoch))


def csv_cell(value):
    """A JSON value as a CSV cell: None empty, booleans true/false, lists joined with "; "."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, tuple)):
        return '; '.join(csv_cell(item) for item in value)
    return str(value)


def csv_text(header, rows):
    """CSV text (CRLF line ends, as part 1's downloads)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator='\r\n')
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return out.getvalue()


def sign_csv(key, text):
    """The usage reports' signature row (D73): HMAC-SHA256 hex of the preceding CSV text."""
    digest = hmac.new(key, text.encode('utf-8'), hashlib.sha256).hexdigest()
    return text + csv_text(['signature:%s' % digest], [])


def csv_download(text, filename):
    """A text/csv attachment."""
    return Response(200, text, 'text/csv; charset=utf-8', [('Content-Disposition', 'attachment; filename="%s"' % filename)])


def log_list(call, logs, filename):
    """An F5 log list (``[{log, log_time, log_type}]``) as JSON or text/csv (columns Time, Severity, Message)."""
    if call.csv:
        rows = [(row['log_time'], row['log_type'], row['log']) for row in logs]
        return csv_download(csv_text(('Time', 'Severity', 'Message'), rows), filename)
    return call.svc.respond(call, 200, [dict(row) for row in logs])


def log_entry(when, level, text):
    """One F5 log row."""
    return {'log': text, 'log_time': iso(when), 'log_type': level}
