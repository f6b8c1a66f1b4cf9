# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM objects on the shared resource engine: JSON fields, full-body PUT, settings objects, sets of children.

* :class:`CPMField` is an :class:`~..engine.Field` carried by a JSON key (a
  dotted ``key`` reaches into nested objects), with CPM's value kinds: ids,
  sets of ids, letter codes (:mod:`.codes`), date-times.
* :class:`CPMResourceType` describes a CPM object (accounts, schedules,
  policies...) for :class:`~..engine.ResourceEngine`; its update is CPM's
  **full-body PUT**: the seed does not say whether PUT replaces or merges, so
  the current object is read, the changed keys are merged into its writable
  keys, and the whole body is sent.  Only the keys the user gave are compared.
  Create-only keys (``user``, a policy's ``account``) that differ fail clearly
  (the engine's ``create_only``); write-only secrets are never compared
  (``update_secret``, see :class:`CPMEngine`).
* :class:`Settings` is a settings object of a parent (a policy's ``options/``,
  ``dr/``, ``copy_to_s3/``): GET, compare the given keys, one full-body PUT.
* :class:`ChildSet` converges a list of children that have no PUT (a
  schedule's disable times, a policy's custom tags) as a set: POST what is
  missing, DELETE what is no longer wanted; a POST whose answer was lost is
  looked for during the settle window before anything else is said.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import copy
import re
import time

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import (
    as_id, deep_merge, dig, find_named, unflatten,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import WEEKDAYS
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import (
    LOOKUP, MASK, Field, ResourceEngine, ResourceType,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import (
    VERIFIED, conclude, look_after_lost, settle_time_of,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, parse_int

_DT_RE = re.compile(r'(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?',
                    re.ASCII)
_TIME_RE = re.compile(r'(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?', re.ASCII)


# -- value helpers ----------------------------------------------------------------------------------------------

def parse_datetime(value):
    """Epoch seconds of an ISO 8601 date or date-time (UTC unless an offset is given); ValueError otherwise."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    text = str(value).strip()
    match = _DT_RE.fullmatch(text)
    if not match:
        raise ValueError('%r is not an ISO 8601 date-time such as 2026-01-31T02:00:00Z' % (value,))
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    parts = (int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
    if not (1 <= parts[1] <= 12 and 1 <= parts[2] <= calendar.monthrange(parts[0], parts[1])[1]
            and parts[3] < 24 and parts[4] < 60 and parts[5] < 60):
        raise ValueError('%r is not a valid date-time' % (value,))
    epoch = float(calendar.timegm(parts + (0, 0, 0)))
    if fraction:
        epoch += int(fraction[:6].ljust(6, '0')) / 1000000.0
    if zone and zone != 'Z':
        digits = zone[1:].replace(':', '')
        offset = int(digits[:2]) * 3600 + int(digits[2:]) * 60
        epoch += -offset if zone[0] == '+' else offset
    return epoch


def iso(epoch):
    """``2026-01-31T02:00:00Z`` (microseconds only when there are some), or None."""
    if epoch is None:
        return None
    whole = int(epoch // 1)
    micro = int(round((epoch - whole) * 1000000))
    if micro >= 1000000:
        whole, micro = whole + 1, micro - 1000000
    text = time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(whole))
    return text + ('.%06dZ' % micro if micro else 'Z')


def parse_time_of_day(value, option):
    """``HH:MM[:SS]`` -> ``HH:MM:SS``."""
    match = _TIME_RE.fullmatch(str(value).strip()) if value is not None else None
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59 or int(match.group(3) or 0) > 59:
        raise ValidationError(option, '%r is not a time of day such as 22:00 or 22:00:00' % (value,))
    return '%02d:%02d:%02d' % (int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))


def ids_of(values):
    """Sorted unique ids."""
    return sorted(set(as_id(v) for v in values or ()), key=lambda v: (not isinstance(v, int), str(v)))


# -- fields ------------------------------------------------------------------------------------------------------

class CPMField(Field):
    """A module option carried by a JSON key of a CPM object.

    ``kind``: ``str``, ``int``, ``bool``, ``ids`` (a set of CPM ids), ``strs`` (a set of strings), ``code``
    (a letter of ``code``, readable in output), ``datetime`` (epoch seconds inside, ISO on the wire) or
    ``raw``.  ``key`` may be dotted (``cross_account_dr.dr_account``).  ``display`` turns a canonical value
    into what users read (region ids into names...); it is set by the resource type when it needs the API.
    """

    def __init__(self, option, key=None, kind='str', code=None, create_only=False, readable=True, secret=False,
                 normalize=None, parse=None, minimum=None, display=None, nullable=False):
        super(CPMField, self).__init__(option, key=key, kind='str', create_only=create_only, readable=readable,
                                       secret=secret, normalize=normalize, parse=parse)
        self.kind = kind
        self.code = code
        self.minimum = minimum
        self.display = display
        self.nullable = nullable
        self.absent = [] if kind in ('ids', 'strs') else None

    def _canonical(self, value):
        if value is None:
            return None
        kind = self.kind
        if kind == 'int':
            return parse_int(value, minimum=self.minimum)
        if kind == 'bool':
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ('true', 'yes', 'on', '1'):
                return True
            if text in ('false', 'no', 'off', '0'):
                return False
            raise ValueError('expected a boolean, got %r' % (value,))
        if kind == 'ids':
            return ids_of(value if isinstance(value, (list, tuple)) else [value])
        if kind == 'strs':
            return sorted(set(str(v) for v in (value if isinstance(value, (list, tuple)) else [value])))
        if kind == 'code':
            return self.code.to_api(value, self.option)
        if kind == 'datetime':
            if value == '':
                return None
            return parse_datetime(value)
        if kind == 'raw':
            return value
        return value if isinstance(value, str) else str(value)

    def normalize(self, value):
        if value is None:
            return None
        if self.nullable and value == '':
            return ''
        return super(CPMField, self).normalize(value)

    def from_api(self, flat):
        raw = dig(flat, self.key)
        if raw is None or raw == [] or (raw == '' and self.kind != 'str'):
            return copy.deepcopy(self.absent)
        if self._parse is not None:
            raw = self._parse(raw)
        if self.kind == 'code':
            return raw
        try:
            return self._canonical(raw)
        except (TypeError, ValueError, ValidationError):
            return raw

    def wire(self, value):
        """The JSON value of a canonical value."""
        if value is None or (self.nullable and value == ''):
            return None
        if self.kind == 'datetime':
            return iso(value)
        return copy.deepcopy(value)

    def to_api(self, value):
        return {self.key: self.wire(value)}

    def update_keys(self, current_flat, wanted):
        return self.to_api(wanted)

    def owned_keys(self, flat):
        top = self.key.split('.')[0]
        return set([top]) if top in flat else set()

    def equal(self, current, wanted):
        if self.kind == 'str':
            return (current or '') == (wanted or '')
        if self.kind == 'datetime':
            if current is None or wanted is None or wanted == '':
                return current is None and wanted in (None, '')
            return abs(float(current) - float(wanted)) < 0.001
        return current == wanted

    def readable_value(self, value):
        if value is None:
            return None
        if self.display is not None:
            return self.display(value)
        if self.kind == 'code':
            return self.code.readable(value)
        if self.kind == 'datetime':
            return iso(value) if value != '' else None
        return value

    def mask(self, value):
        if self.secret and value not in (None, ''):
            return MASK
        return self.readable_value(value)


class DaysField(CPMField):
    """``days``: the weekdays a schedule may run on, as a list, carried by the seven ``allow_on_*`` flags."""

    FLAGS = tuple('allow_on_%s' % day for day in WEEKDAYS)

    def __init__(self, option='days'):
        super(DaysField, self).__init__(option, key='allow_on_monday', kind='raw')

    def _canonical(self, value):
        from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import weekday
        wanted = set(weekday(v, self.option) for v in (value if isinstance(value, (list, tuple)) else [value]))
        return [day for day in WEEKDAYS if day in wanted]

    def from_api(self, flat):
        if not any(flag in flat for flag in self.FLAGS):
            return list(WEEKDAYS)  # the Ch.2 samples omit the flags: every day (the seed's default)
        return [day for day, flag in zip(WEEKDAYS, self.FLAGS) if flat.get(flag, True) is not False]

    def to_api(self, value):
        return dict((flag, day in value) for day, flag in zip(WEEKDAYS, self.FLAGS))

    def owned_keys(self, flat):
        return set(flag for flag in self.FLAGS if flag in flat)

    def readable_value(self, value):
        return value


# -- resource types ------------------------------------------------------------------------------------------------

class CPMResourceType(ResourceType):
    """A CPM object for the resource engine (JSON, ids, full-body PUT).

    Subclasses set the paths, ``fields``, ``writable`` (the keys a PUT body carries, read from the current
    object), ``feature`` and ``perm`` (for version and permission messages) and hooks.
    """

    writable = ()
    feature = None
    perm = 'backup'
    #: Server-side filters of the list when looking a name up (``search`` narrows, the match is exact).
    name_filter = 'search'

    def __init__(self, client, params=None):
        super(CPMResourceType, self).__init__(client, params)
        self.create_body = {}  # keys the module adds to the create request (resolved references)

    def lock_scope(self):
        return 'cpm|%s' % self.client.scope

    # -- API calls ----------------------------------------------------------------------------------------------
    def list_params(self):
        """Server-side filters of every list this type reads."""
        return {}

    def list(self):
        params = dict(self.list_params())
        name = self.params.get(self.name_option)
        if name and self.name_filter:
            params[self.name_filter] = name
        return self.client.list(self.list_path, params, feature=self.feature)

    def find_by_name(self, name):
        return find_named(self.list(), name, self.name_option, self.kind)

    def get(self, rid):
        return self.client.get_or_none(self.get_path.format(id=as_id(rid)), feature=self.feature)

    def create(self, payload):
        body = deep_merge(unflatten(payload), self.create_body)
        return self.client.post(self.create_path, body, feature=self.feature, perm=self.perm)

    def put_body(self, current, payload):
        """The full body of a PUT: the writable keys of ``current`` with ``payload`` (dotted keys) merged in."""
        base = dict((key, copy.deepcopy(current[key])) for key in self.writable if key in current)
        return deep_merge(base, unflatten(payload))

    def update(self, current, payload, changes):
        body = self.put_body(current, payload)
        return self.client.put(self.update_path.format(id=as_id(current[self.id_key])), body, feature=self.feature,
                               perm=self.perm)

    def delete(self, current):
        self.client.delete(self.delete_path.format(id=as_id(current[self.id_key])), feature=self.feature,
                           perm=self.perm)

    # -- views ----------------------------------------------------------------------------------------------------
    def view(self, flat):
        """The object as modules return it: the API's keys, coded values readable (letters in ``<key>_code``)."""
        if not flat:
            return {}
        out = {}
        for key, value in flat.items():
            if key in self.secret_keys:
                continue
            out[key] = value
        for field in self.fields:
            if not field.readable or '.' in field.key:
                continue
            if field.kind == 'code':
                letter = dig(flat, field.key)
                out[field.option] = field.code.readable(letter)
                out[field.option + '_code'] = letter
            elif isinstance(field, DaysField):
                out[field.option] = field.from_api(flat)
            elif field.display is not None and dig(flat, field.key) is not None:
                out[field.option] = field.readable_value(field.from_api(flat))
        return out


class CPMEngine(ResourceEngine):
    """The resource engine with CPM's lookups and write-only secrets.

    ``force``: options of write-only secrets (never returned, never compared) to send anyway
    (``update_secret: always``, or an authentication change that needs new keys); they count as a change.
    """

    def __init__(self, module, rtype, locks=None, force=()):
        super(CPMEngine, self).__init__(module, rtype, locks=locks)
        self.force = tuple(force)
        self._forcing = False

    def unique_by_name(self, name):
        return self.rtype.find_by_name(name)

    def present(self, current=LOOKUP, wanted=None):
        self._forcing = bool(self.force)
        try:
            return super(CPMEngine, self).present(current, wanted)
        finally:
            self._forcing = False

    def changes(self, current, wanted):
        out = super(CPMEngine, self).changes(current, wanted)
        if self._forcing:
            self._forcing = False  # only the plan (the first comparison) sends the secrets
            for option in self.force:
                if wanted.get(option) not in (None, ''):
                    out[option] = (None, wanted[option])
        return out


def fail_partial(module, exc, state):
    """Fail a module whose writes stopped half way: the message, what was done (``partial``) and, for an API
    failure, its status and error (as ``fail`` gives them for a plain ApiError)."""
    extra = exc.to_result() if isinstance(exc, ApiError) else {}
    module.fail_json(msg='%s (done before the failure: %s)' % (exc, state_text(state)), changed=True, partial=state,
                     **extra)


def state_text(state):
    parts = []
    for key, value in sorted((state or {}).items()):
        if isinstance(value, list):
            parts.append('%d %s' % (len(value), key))
        elif value:
            parts.append(key)
    return ', '.join(parts) or 'nothing'


# -- settings objects of a parent ------------------------------------------------------------------------------

class Settings:
    """A settings object read and written whole (``GET`` + full-body ``PUT``), such as ``policies/{id}/dr/``.

    ``fields`` are :class:`CPMField` with the option names of the module's sub-dictionary; ``writable`` the
    keys a PUT carries (read from the current object); ``overlay`` keys set by another option of the module
    (one fact written through two endpoints, such as ``dr_enabled``) are merged in before the PUT.
    """

    def __init__(self, client, path, fields, name, feature=None, perm='backup', writable=None, skip=()):
        self.client = client
        self.path = path
        self.fields = list(fields)
        self.name = name
        self.feature = feature
        self.perm = perm
        self.writable = writable
        self.skip = tuple(skip)  # read-only keys of the object (never sent)

    def desired(self, given):
        """Canonical wanted values of the given sub-options (None = not given), validated."""
        wanted = {}
        for field in self.fields:
            value = (given or {}).get(field.option)
            if value is not None:
                wanted[field.option] = field.normalize(value)
        return wanted

    def changes(self, current, wanted):
        out = {}
        for field in self.fields:
            if field.option not in wanted:
                continue
            before = field.from_api(current or {})
            if not field.equal(before, wanted[field.option]):
                out[field.option] = (before, wanted[field.option])
        return out

    def readable(self, values):
        by_option = dict((f.option, f) for f in self.fields)
        return dict((option, by_option[option].mask(value)) for option, value in values.items())

    def body(self, current, changes, overlay=None):
        if self.writable is not None:
            base = dict((k, copy.deepcopy(v)) for k, v in (current or {}).items() if k in self.writable)
        else:
            base = dict((k, copy.deepcopy(v)) for k, v in (current or {}).items() if k not in self.skip)
        payload = {}
        by_option = dict((f.option, f) for f in self.fields)
        for option, (dummy, after) in changes.items():
            payload.update(by_option[option].to_api(after))
        body = deep_merge(base, unflatten(payload))
        if overlay:
            body = deep_merge(body, unflatten(overlay))
        return body

    def read(self):
        return self.client.get(self.path, feature=self.feature) or {}

    def converge(self, wanted, check_mode, current=None, overlay=None, overlay_changes=None):
        """``(changed, current, after, diff)``; one PUT when a given option (or an overlay) differs."""
        current = self.read() if current is None else current
        changes = self.changes(current, wanted)
        pending = dict(overlay_changes or {})
        if not changes and not pending:
            return False, current, current, None
        before = unflatten(self.readable(dict((o, b) for o, (b, a) in changes.items())))
        after = unflatten(self.readable(dict((o, a) for o, (b, a) in changes.items())))
        for key, (old, new) in pending.items():
            before[key], after[key] = old, new
        diff = dict(before=before, after=after)
        body = self.body(current, changes, overlay)
        if check_mode:
            return True, current, body, diff
        answer = self.client.put(self.path, body, feature=self.feature, perm=self.perm)
        if isinstance(answer, dict):
            remaining = self.changes(answer, dict((o, a) for o, (b, a) in changes.items()))
            if remaining:
                raise ApiError('CPM accepted the %s but still shows %s: it ignored %s' % (
                    self.name, ', '.join('%s=%r' % (o, self.readable({o: b})[o]) for o, (b, a) in remaining.items()),
                    ', '.join(sorted(remaining))), code='ignored', service='CPM', method='PUT', path=self.path,
                    landed=True)
        else:
            answer = self.read()
        return True, current, answer, diff


# -- sets of children without a PUT ----------------------------------------------------------------------------------

class ChildSet:
    """Children of a parent converged as a set (``POST`` / ``DELETE``; no PUT in the seed).

    ``identity(item)`` gives the comparable identity of a wanted item or of an API item; ``body(item)`` the
    POST body of a wanted item; ``view(item)`` what results show.
    """

    def __init__(self, client, path, what, identity, body, view, feature=None, perm='backup', warn=None):
        self.warn = warn
        self.client = client
        self.path = path
        self.what = what
        self.identity = identity
        self.body = body
        self.view = view
        self.feature = feature
        self.perm = perm

    def plan(self, current, wanted):
        """``(to_add, to_remove)`` for a wanted list that is the whole truth."""
        have = dict((self.identity(item), item) for item in current)
        want = []
        seen = set()
        for item in wanted:
            ident = self.identity(item)
            if ident not in seen:
                seen.add(ident)
                want.append(item)
        to_add = [item for item in want if self.identity(item) not in have]
        keep = set(self.identity(item) for item in want)
        to_remove = [item for item in current if self.identity(item) not in keep]
        return to_add, to_remove

    def read(self):
        return self.client.list(self.path, feature=self.feature)

    def apply(self, to_add, to_remove):
        """Delete, then add; a POST whose answer was lost is looked for (settle rule), never sent twice."""
        added = []
        for item in to_remove:
            self.client.delete('%s%s/' % (self.path, as_id(item['id'])), feature=self.feature, perm=self.perm)
        for item in to_add:
            added.append(self.add(item))
        return added

    def add(self, item):
        try:
            return self.client.post(self.path, self.body(item), feature=self.feature, perm=self.perm)
        except ApiError as err:
            if err.landed is not None:
                raise
            ident = self.identity(item)

            def look():
                for found in self.read():
                    if self.identity(found) == ident:
                        return found
                return None
            window = settle_time_of(self.client)
            outcome = look_after_lost(look, window)
            if outcome.state == VERIFIED:
                if self.warn is not None:
                    self.warn('the answer to the request that adds the %s %s was lost (%s); CPM shows it was added'
                              % (self.what, ident, err.message))
                return outcome.found
            raise conclude(err, outcome, 'the new %s' % self.what, 'the %ss in CPM' % self.what, window)
