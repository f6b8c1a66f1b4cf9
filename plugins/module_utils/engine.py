# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one resource engine every stateful module uses.

A module describes its resource declaratively with a :class:`ResourceType`
(paths, id/name keys and a list of :class:`Field` objects mapping module
options to the API's keys) and calls :meth:`ResourceEngine.run`.  The engine
does the rest the same way for every service:

* find by id, or by name (failing when two resources share the name), and
  refuse to create when an id was given but not found;
* compare option by option, including removals (a ``tags`` list or a
  ``user_metadata`` dict is the whole truth once given, so keys that are no
  longer wanted are removed, not kept);
* create, or update with one request carrying only the changed keys, or
  delete; check mode sends no write and reports what would change; ``--diff``
  shows before/after in the module's own option names;
* secrets are masked in every returned value and diff;
* a create whose answer was lost is looked for during the settle window
  (``settle.py``) and adopted, never sent twice; a lost update or delete is
  verified the same way; when the look fails too, the first error is kept;
* creating by name is serialised on this host (one lock per service,
  account, kind and name), and a create is followed by a look for a second
  resource of the same name (made by another controller), which fails loudly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import copy
import os

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.backupdr.cloud.plugins.module_utils.bulk import ValidatedOnly
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import (
    HAS_REQUESTS, REQUESTS_IMPORT_ERROR, ApiError,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import JobFailed
from ansible_collections.backupdr.cloud.plugins.module_utils.private import LockTimeout, NameLocks
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import (
    VERIFIED, conclude, look_after_lost, settle_time_of,
)
# The validators live in validate.py; they are re-exported here for the modules that import them from the engine.
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (  # pylint: disable=unused-import
    UUID_RE, ValidationError, check_uuid, is_uuid,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import WaitFailed, WaitTimeout, paginate

MASK = '********'
#: Key of module.params where run_module records which options came from environment variables.
ENV_SOURCES = '_backupdr_env'
#: ``current`` argument default meaning "not looked up yet" (``None`` means "looked up: absent").
LOOKUP = object()


class MissingReference(ValidationError):
    """An option names a resource that does not exist (yet).  In check mode the engines turn it into a
    warning, so that a whole build can be dry-run before the resources it references exist."""

    def __init__(self, option, message, placeholder=None):
        super(MissingReference, self).__init__(option, message)
        self.placeholder = placeholder


def missing_reference(module, option, kind, name, placeholder=None, message=None):
    """A reference to a ``kind`` named ``name`` that does not exist: an error, except in check mode, where it is
    a warning saying what is assumed (an earlier task of the same play would create it); returns ``placeholder``."""
    message = message or 'none of your %ss is named %r' % (kind, name)
    if module is not None and module.check_mode:
        module.warn('%s: %s; check mode assumes an earlier task creates it, and shows what would be done with it'
                    % (option, message))
        return placeholder if placeholder is not None else '(%s %s, to be created)' % (kind, name)
    raise MissingReference(option, message, placeholder)


def unique_by_name(items, name, option, kind, id_key='id', name_key='name', ids_label=None, hint=None):
    """The one item named ``name`` (None when there is none); ValidationError naming ``option`` when
    several share the name: two resources with one name are never guessed between."""
    found = [item for item in items if item.get(name_key) == name]
    if len(found) > 1:
        ids = ', '.join(sorted(str(item.get(id_key, '?')) for item in found))
        raise ValidationError(option, '%d %ss are named %r (%s%s); %s' % (
            len(found), kind, name, ids_label + ' ' if ids_label else '', ids,
            hint or 'give %s to choose one' % (ids_label or id_key)))
    return found[0] if found else None


class PartialFailure(Exception):
    """A multi-step change stopped half way; ``state`` says what exists now."""

    def __init__(self, message, state=None, cause=None):
        super(PartialFailure, self).__init__(message)
        self.state = state
        self.cause = cause


class Field:
    """One module option and the API key(s) that carry it.

    ``kind`` is one of ``str``, ``int``, ``bool``, ``list`` (ordered,
    space-separated on the wire), ``set`` (unordered), ``dict`` (``key`` is a
    prefix such as ``user:``).  ``normalize`` converts user input (and raises
    ``ValueError`` with a message for bad input), ``parse`` converts the API's
    value.  ``create_only`` options can only be set at creation; a different
    wanted value on an existing resource is an error.  ``readable=False``
    options are never returned by the API and are not compared.  ``secret``
    values are masked in output.  ``absent`` is the value an omitted key
    stands for (``persistent`` missing means ``false``).
    """

    def __init__(self, option, key=None, kind='str', create_only=False, readable=True,
                 readonly=False, secret=False, normalize=None, parse=None, absent=None):
        self.option = option
        self.key = key or option
        self.kind = kind
        self.create_only = create_only
        self.readable = readable
        self.readonly = readonly
        self.secret = secret
        self._normalize = normalize
        self._parse = parse
        # A missing list key means an empty list, so ``tags: []`` is idempotent.
        self.absent = [] if absent is None and kind in ('list', 'set') else absent

    # -- values ------------------------------------------------------------
    def normalize(self, value):
        """User input -> canonical value (raises ValidationError)."""
        if value is None:
            return None
        try:
            if self._normalize is not None:
                value = self._normalize(value)
            return self._canonical(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError(self.option, str(exc))

    def _canonical(self, value):
        if self.kind == 'int':
            return int(value)
        if self.kind == 'bool':
            if isinstance(value, bool):
                return value
            return str(value).strip().lower() in ('true', 'yes', 'on', '1')
        if self.kind == 'list':
            return [str(v) for v in _as_list(value)]
        if self.kind == 'set':
            return sorted(set(str(v) for v in _as_list(value)))
        if self.kind == 'dict':
            return dict((str(k), '' if v is None else str(v)) for k, v in value.items())
        return value if isinstance(value, str) else str(value)

    def from_api(self, flat):
        """Canonical value held by the API's flat key/value dict."""
        if self.kind == 'dict':
            plen = len(self.key)
            return dict((k[plen:], v) for k, v in flat.items() if k.startswith(self.key) and v != '')
        raw = flat.get(self.key)
        if raw is None or raw == '' or raw == []:
            return copy.deepcopy(self.absent)
        if self._parse is not None:
            raw = self._parse(raw)
        try:
            return self._canonical(raw)
        except (TypeError, ValueError):
            return raw

    def to_api(self, value):
        """Canonical value -> flat wire keys (strings; '' clears a key)."""
        if self.kind == 'dict':
            return dict((self.key + k, v) for k, v in value.items())
        if value is None:
            return {self.key: ''}
        if self.kind in ('list', 'set'):
            return {self.key: ' '.join(value)}
        if self.kind == 'bool':
            return {self.key: 'true' if value else 'false'}
        return {self.key: str(value)}

    def equal(self, current, wanted):
        """Whether the current canonical value already satisfies the wanted one."""
        return current == wanted

    def update_keys(self, current_flat, wanted):
        """Wire keys that make the resource hold ``wanted``, clearing keys no longer wanted."""
        keys = self.to_api(wanted)
        for stale in self.owned_keys(current_flat) - set(keys):
            keys[stale] = ''
        return keys

    def owned_keys(self, flat):
        """Keys of ``flat`` this field is responsible for (for removals)."""
        if self.kind == 'dict':
            return set(k for k in flat if k.startswith(self.key))
        return set([self.key]) if self.key in flat else set()

    def mask(self, value):
        if self.secret and value not in (None, ''):
            return MASK
        return value


@contextlib.contextmanager
def _no_context():
    yield


def _as_list(value):
    if isinstance(value, str):
        return value.split()
    return list(value)


class ResourceType:
    """Declarative description of one kind of resource (override to adapt).

    ``client`` must offer ``get_object(path)`` (None on 404),
    ``list_objects(path)``, ``post(path, data, idempotent=False)``.
    """

    kind = 'resource'
    id_key = 'id'
    id_option = 'id'
    name_key = 'name'
    name_option = 'name'
    list_path = None
    get_path = None
    create_path = None
    update_path = None
    delete_path = None
    fields = ()
    #: API keys shown in output besides the fields (read-only state).
    secret_keys = ()

    #: The module, when a :class:`ResourceEngine` drives this type (hooks use it for warnings).
    module = None

    def __init__(self, client, params=None):
        self.client = client
        self.params = params or {}

    def lock_scope(self):
        """What a create-by-name lock is scoped to: the service and the account (override when needed)."""
        return '%s|%s' % (type(self.client).__name__, getattr(self.client, 'scope', ''))

    def lock_key(self):
        """The create-by-name lock of these params, ``(scope, kind, name)`` as the engine takes it (fleet
        modules take all of them first); None when the resource is given by id."""
        name = self.params.get(self.name_option)
        if self.params.get(self.id_option) or not name:
            return None
        return (self.lock_scope(), self.kind, name)

    # -- API calls (override when the API is odd) ---------------------------
    def list(self):
        """Every resource, through the shared pagination helper (override ``fetch_page`` to page).

        In a fleet run (``bulk.py``) the list is read once per run and shared by every item.
        """
        snapshot = getattr(self.client, 'snapshot', None)
        if snapshot is not None and not snapshot.fresh():
            return snapshot.get((type(self).__name__, self.list_path), lambda: list(paginate(self.fetch_page)))
        return list(paginate(self.fetch_page))

    def fresh_reads(self):
        """A context in which list reads bypass a fleet run's shared list (for the settle rule's looks)."""
        snapshot = getattr(self.client, 'snapshot', None)
        return snapshot.bypass() if snapshot is not None else _no_context()

    def fetch_page(self, cursor):
        """One page: ``(items, next_cursor)``; the default is an API without paging."""
        return self.client.list_objects(self.list_path), None

    def select(self, rid=None, name=None, predicate=None):
        """Resources for ``_info`` modules: one by id (read directly), or filtered."""
        if rid:
            found = self.get(rid)
            items = [found] if found else []
        else:
            items = self.list()
        return [r for r in items
                if (name is None or r.get(self.name_key) == name) and (predicate is None or predicate(r))]

    def get(self, rid):
        return self.client.get_object(self.get_path.format(id=rid))

    def create(self, payload):
        return self.client.post(self.create_path, payload)

    def update(self, current, payload, changes):
        return self.client.post(self.update_path.format(id=current[self.id_key]), payload, idempotent=True)

    def delete(self, current):
        self.client.post(self.delete_path.format(id=current[self.id_key]), None)

    # -- hooks ----------------------------------------------------------------
    def validate(self, desired):
        """Cross-option checks on canonical desired values (raise ValidationError)."""

    def resolve(self, desired):
        """Turn references in canonical desired values into ids (may read the API)."""
        return desired

    def check_update(self, current, changes):
        """Refuse impossible updates (raise ValidationError); ``changes`` maps option -> (before, after)."""

    def create_defaults(self):
        """Options applied on creation only when the user did not give them."""
        return {}

    def ignored_update_hint(self, current, options):  # pylint: disable=unused-argument
        """What to do when the service ignored these options of an update (for the failure message)."""
        return ''

    # -- views ----------------------------------------------------------------
    def view(self, flat):
        """The resource as returned to users: option names plus read-only state, secrets masked."""
        if flat is None:
            return {}
        out = {}
        owned = set()
        for field in self.fields:
            if not field.readable:
                continue
            out[field.option] = field.mask(field.from_api(flat))
            owned |= field.owned_keys(flat)
        for key, value in flat.items():
            if key in owned:
                continue
            name = key.replace(':', '_').replace('.', '_')
            if name in out:
                continue
            out[name] = MASK if key in self.secret_keys and value not in (None, '') else value
        return out


class ResourceEngine:
    """Converge one resource to the module's parameters."""

    def __init__(self, module, rtype, locks=None):
        self.module = module
        self.rtype = rtype
        self.params = module.params
        self.fields = [f for f in rtype.fields if not f.readonly]
        #: Wire keys a module adds to a create request (its own markers).
        self.create_extra = {}
        rtype.module = module
        #: In a fleet run (bulk.py): what the items share (locks taken together, creates to check at the end).
        self.bulk = getattr(module, 'bulk', None)
        if locks is None:
            locks = self.bulk.locks if self.bulk is not None else NameLocks()
        self.locks = locks
        self._name_lock = None
        self.settle = settle_time_of(rtype.client)

    # -- inputs -----------------------------------------------------------------
    def desired(self):
        """Canonical wanted values of the options the user gave (validated, no request yet)."""
        wanted = {}
        for field in self.fields:
            value = self.params.get(field.option)
            if value is not None:
                wanted[field.option] = field.normalize(value)
        self.rtype.validate(wanted)
        return wanted

    # -- lookup -------------------------------------------------------------------
    def find(self):
        """The resource the module is about, by id or by name.

        A lookup by name happens under a lock of that name on this host, so that
        a concurrent run converging the same name waits for this one; the lock is
        released at once when the resource exists, and after the create has been
        made and checked (or when the module ends) when it does not.
        """
        rt = self.rtype
        rid = self.params.get(rt.id_option)
        name = self.params.get(rt.name_option)
        if not rid and not name:
            raise ValidationError(None, 'one of %s or %s is required' % (rt.id_option, rt.name_option))
        if getattr(self.module, 'validate_only', False):
            raise ValidatedOnly()  # a fleet module validating its items: no request yet
        if rid:
            return rt.get(rid)
        if self.module.check_mode:
            return self.unique_by_name(name)
        self.lock_name(name)
        found = self.unique_by_name(name)
        if found is not None:
            self.unlock_name()
        return found

    def lock_name(self, name):
        if self._name_lock is not None:
            return
        try:
            self._name_lock = self.locks.acquire(self.rtype.lock_scope(), self.rtype.kind, name)
        except LockTimeout:
            raise ValidationError(self.rtype.name_option, 'another run on this host has been creating the %s %r for '
                                  'more than %ds; try again later' % (self.rtype.kind, name, self.locks.timeout))

    def unlock_name(self):
        if self._name_lock is not None:
            self.locks.release(self._name_lock)
            self._name_lock = None

    def unique_by_name(self, name):
        rt = self.rtype
        return unique_by_name(rt.list(), name, rt.name_option, rt.kind, id_key=rt.id_key, name_key=rt.name_key,
                              ids_label=rt.id_option)

    # -- comparison ---------------------------------------------------------------
    def changes(self, current, wanted):
        """option -> (before, after) for every option whose value differs."""
        out = {}
        for field in self.fields:
            if field.option not in wanted or not field.readable:
                continue
            before = field.from_api(current)
            after = wanted[field.option]
            if not field.equal(before, after):
                out[field.option] = (before, after)
        return out

    def create_payload(self, wanted):
        payload = {}
        values = dict(self.rtype.create_defaults())
        values.update(wanted)
        by_option = dict((f.option, f) for f in self.fields)
        for option, value in values.items():
            field = by_option.get(option)
            if field is None or value is None:
                continue
            payload.update(dict((k, v) for k, v in field.to_api(value).items() if v != ''))
        return payload

    def update_payload(self, current, changes):
        payload = {}
        by_option = dict((f.option, f) for f in self.fields)
        for option, (dummy, after) in changes.items():
            payload.update(by_option[option].update_keys(current, after))
        return payload

    def masked(self, changes):
        by_option = dict((f.option, f) for f in self.fields)
        before, after = {}, {}
        for option, (old, new) in changes.items():
            field = by_option[option]
            before[option] = field.mask(old)
            after[option] = field.mask(new)
            if field.secret and old != new:
                after[option] = MASK + ' (changed)'
        return before, after

    # -- states -----------------------------------------------------------------------
    def present(self, current=LOOKUP, wanted=None):
        """Create or update; returns (changed, flat_after, diff)."""
        rt = self.rtype
        wanted = self.desired() if wanted is None else wanted
        if current is LOOKUP:
            current = self.find()
        wanted = rt.resolve(wanted)
        if current is None:
            if self.params.get(rt.id_option):
                raise ValidationError(rt.id_option, 'no %s with %s %s exists; refusing to create one '
                                      '(omit %s to create a new %s by %s)' % (
                                          rt.kind, rt.id_option, self.params[rt.id_option],
                                          rt.id_option, rt.kind, rt.name_option))
            return self._create(wanted)
        changes = self.changes(current, wanted)
        for field in self.fields:
            if field.create_only and field.option in changes:
                old, new = changes[field.option]
                raise ValidationError(field.option, 'cannot be changed on an existing %s (it is %r, wanted %r); '
                                      'create a new %s instead' % (rt.kind, field.mask(old), field.mask(new), rt.kind))
        if not changes:
            return False, current, None
        rt.check_update(current, changes)
        if rt.name_option in changes and not self.module.check_mode:
            self.check_rename(current, changes[rt.name_option][1])
        before, after = self.masked(changes)
        if self.module.check_mode:
            preview = copy.deepcopy(current)
            preview.update(self.update_payload(current, changes))
            return True, preview, dict(before=before, after=after)
        updated = self.send_update(current, changes)
        return True, updated, dict(before=before, after=after)

    def send_update(self, current, changes):
        """The one update request for ``changes`` (option -> (before, after)); a lost answer is verified
        (settle rule), and the answer must show the change.  Returns the resource after the update."""
        rt = self.rtype
        wanted = dict((option, after) for option, (dummy, after) in changes.items())
        payload = self.update_payload(current, changes)
        try:
            updated = rt.update(current, payload, changes)
        except ApiError as err:
            if err.landed is not None:
                raise
            updated = self._verify_lost_update(current, wanted, err)
        if not updated:
            updated = rt.get(current[rt.id_key]) or current
        self.verify_update(current, updated, wanted)
        return updated

    def check_rename(self, current, new_name):
        """Refuse to rename a resource to a name another resource already has (two of one name can no longer be
        told apart by name)."""
        rt = self.rtype
        others = [r for r in rt.list() if r.get(rt.name_key) == new_name and r.get(rt.id_key) != current.get(rt.id_key)]
        if others:
            raise ValidationError(rt.name_option, 'cannot rename %s %s to %r: %s %s already has that name' % (
                rt.kind, current.get(rt.id_key), new_name, rt.kind,
                ', '.join(sorted(str(r.get(rt.id_key)) for r in others))))

    def verify_update(self, current, updated, wanted):
        """The answer to an update must show the wanted values: a service that ignores a key (in the resource's
        current state) would otherwise be reported ``changed`` on every run."""
        rt = self.rtype
        remaining = self.changes(updated, wanted) if updated else {}
        if remaining:
            before, after = self.masked(remaining)
            raise ApiError('the service accepted the update of %s %s but still shows %s (wanted %s): it ignored %s. '
                           'Nothing else was changed by this request%s' % (
                               rt.kind, current.get(rt.id_key),
                               ', '.join('%s=%r' % (o, before[o]) for o in sorted(remaining)),
                               ', '.join('%s=%r' % (o, after[o]) for o in sorted(remaining)),
                               ', '.join(sorted(remaining)), rt.ignored_update_hint(current, remaining)),
                           code='ignored', service=getattr(getattr(rt.client, 'http', None), 'service', None),
                           landed=True)

    def _verify_lost_update(self, current, wanted, err):
        """The update's answer was lost: adopt it if the resource now holds the wanted values."""
        rt = self.rtype

        def look():
            fresh = rt.get(current[rt.id_key])
            return fresh if fresh is not None and not self.changes(fresh, wanted) else None
        outcome = look_after_lost(look, self.settle)
        if outcome.state == VERIFIED:
            self.module.warn('the answer to the update of %s %s was lost (%s); the %s now holds the wanted values'
                             % (rt.kind, current.get(rt.id_key), err.brief(), rt.kind))
            return outcome.found
        raise conclude(err, outcome, 'the new values on %s %s' % (rt.kind, current.get(rt.id_key)),
                       'the %s %s' % (rt.kind, current.get(rt.id_key)), self.settle)

    def _create(self, wanted):
        rt = self.rtype
        if not wanted.get(rt.name_option) and rt.name_option in [f.option for f in self.fields]:
            raise ValidationError(rt.name_option, 'is required to create a %s' % rt.kind)
        payload = self.create_payload(wanted)
        payload.update(self.create_extra)
        after_view = dict((k, v) for k, v in self.masked(dict((o, (None, v)) for o, v in wanted.items()))[1].items())
        diff = dict(before={}, after=after_view)
        if self.module.check_mode:
            return True, dict(payload), diff
        name = wanted.get(rt.name_option)
        if name:
            self.lock_name(name)
        try:
            created = rt.create(payload)
        except ApiError as err:
            if err.landed is not None:
                raise
            created = self._verify_lost_create(wanted, err)
        if name and self.bulk is not None:
            self.bulk.record_create(self, name, created)  # checked once, at the end of the fleet run
        elif name:
            self._check_duplicates(name, created)
            self.unlock_name()
        return True, created, diff

    def _named(self, name):
        rt = self.rtype
        with rt.fresh_reads():
            return [r for r in rt.list() if r.get(rt.name_key) == name]

    def _verify_lost_create(self, wanted, err):
        """The create's answer was lost: look during the settle window, never blindly repeat."""
        rt = self.rtype
        name = wanted.get(rt.name_option)
        if not name:
            raise err
        outcome = look_after_lost(lambda: self._named(name), self.settle)
        if outcome.state == VERIFIED:
            found = outcome.found
            if len(found) > 1:
                err.message += '; looked afterwards: %d %ss named %r now exist (%s); remove the extra one' % (
                    len(found), rt.kind, name, ', '.join(sorted(str(r.get(rt.id_key, '?')) for r in found)))
                raise err
            self.module.warn('the answer to the create request was lost (%s); found the %s it created: %s %s'
                             % (err.brief(), rt.kind, rt.id_option, found[0].get(rt.id_key)))
            return found[0]
        raise conclude(err, outcome, 'a %s named %r' % (rt.kind, name), 'whether a %s named %r exists' % (rt.kind, name),
                       self.settle)

    def _check_duplicates(self, name, created):
        """After a create: fail loudly if another run (on another controller) made one of the same name."""
        rt = self.rtype
        try:
            found = self._named(name)
        except ApiError as exc:
            self.module.warn('could not check that the new %s %r is the only one of that name: %s' % (rt.kind, name, exc))
            return
        if len(found) > 1:
            ours = (created or {}).get(rt.id_key)
            raise ValidationError(rt.name_option, '%d %ss are now named %r (%s): another run created one at the same '
                                  'time. This run created %s; remove the extra one' % (
                                      len(found), rt.kind, name,
                                      ', '.join(sorted(str(r.get(rt.id_key, '?')) for r in found)), ours or 'one'))

    def absent(self, current=LOOKUP):
        rt = self.rtype
        if current is LOOKUP:
            current = self.find()
        if current is None:
            return False, None, None
        diff = dict(before=rt.view(current), after={})
        if not self.module.check_mode:
            try:
                rt.delete(current)
            except ApiError as err:
                if err.status == 404:
                    return False, None, None
                if err.landed is not None:
                    raise
                outcome = look_after_lost(lambda: rt.get(current[rt.id_key]) is None, self.settle)
                if outcome.state == VERIFIED:
                    self.module.warn('the answer to the delete request was lost (%s); %s %s is gone' % (
                        err.brief(), rt.kind, current.get(rt.id_key)))
                    return True, None, diff
                raise conclude(err, outcome, 'the removal of %s %s' % (rt.kind, current.get(rt.id_key)),
                               'whether %s %s still exists' % (rt.kind, current.get(rt.id_key)), self.settle)
        return True, None, diff

    def run(self, state=None):
        """present/absent and exit the module with the standard result."""
        state = state or self.params.get('state', 'present')
        if state == 'absent':
            changed, flat, diff = self.absent()
        else:
            changed, flat, diff = self.present()
        self.exit(changed, flat, diff)

    def result(self, changed, flat, diff, **extra):
        result = dict(changed=changed)
        result[self.rtype.kind] = self.rtype.view(flat) if flat else {}
        if diff is not None and self.module._diff:
            result['diff'] = diff
        result.update(extra)
        return result

    def exit(self, changed, flat, diff, **extra):
        self.module.exit_json(**self.result(changed, flat, diff, **extra))


def fail(module, exc, **extra):
    """Turn our exceptions into one clear ``fail_json`` (no traceback, no secret)."""
    msg = str(exc)
    if isinstance(exc, ApiError):
        result = exc.to_result()
        result.update(extra)
        msg = with_env_sources(module, msg, exc)
        module.fail_json(msg=msg, **result)
    if isinstance(exc, PartialFailure):
        module.fail_json(msg=msg, partial=exc.state, **extra)
    if isinstance(exc, JobFailed):
        result = dict(changed=exc.result.changed, operation=exc.result.as_dict())
        result.update(extra)
        module.fail_json(msg=msg, **result)
    if isinstance(exc, (WaitTimeout, WaitFailed)):
        module.fail_json(msg=msg, **extra)
    module.fail_json(msg=msg, **extra)


HANDLED_ERRORS = (ApiError, ValidationError, PartialFailure, WaitTimeout, WaitFailed, JobFailed)


def with_env_sources(module, msg, exc):
    """Add, to an authentication failure, which credentials came from environment variables."""
    sources = getattr(module, 'backupdr_env_sources', None) or {}
    if not sources or not getattr(exc, 'auth_failure', False):
        return msg
    given = [name for name in getattr(module, 'backupdr_env_options', ()) if name not in sources
             and module.params.get(name) not in (None, '')]
    text = ', '.join('%s from the environment variable %s' % (option, var) for option, var in sorted(sources.items()))
    if given:
        text += '; %s from the task' % ', '.join(sorted(given))
    return '%s (credentials used: %s)' % (msg, text)


def split_env_fallbacks(argument_spec):
    """Take the environment fallbacks of options without a default out of the spec, so the module applies
    them itself and knows which value came from the environment; ``required`` becomes a check of our own."""
    spec = {}
    env = {}
    for name, option in argument_spec.items():
        option = dict(option)
        fallback = option.get('fallback')
        if fallback and fallback[0] is env_fallback and option.get('default') is None:
            option.pop('fallback')
            env[name] = dict(vars=list(fallback[1]), required=bool(option.pop('required', False)),
                             type=option.get('type', 'str'), no_log=bool(option.get('no_log')))
        spec[name] = option
    return spec, env


def apply_env_fallbacks(module, env):
    """Fill unset options from their environment variables, remembering which came from where."""
    module.backupdr_env_sources = {}
    module.backupdr_env_options = sorted(env)
    # Service clients read it from the params (they are given the params, not the module).
    module.params[ENV_SOURCES] = module.backupdr_env_sources
    for name, info in env.items():
        if module.params.get(name) is not None:
            continue
        for var in info['vars']:
            value = os.environ.get(var)
            if value in (None, ''):
                continue
            if info['type'] == 'path':
                value = os.path.expanduser(os.path.expandvars(value))
            elif info['type'] == 'bool':
                value = module.boolean(value)
            elif info['type'] == 'int':
                value = int(value) if value.strip().isdigit() else value
            if info['no_log']:
                module.no_log_values.add(value)
            module.params[name] = value
            module.backupdr_env_sources[name] = var
            break
        if module.params.get(name) is None and info['required']:
            module.fail_json(msg='missing required argument: %s (or set the environment variable %s)' % (
                name, ' or '.join(info['vars'])))


def run_module(argument_spec, body, **module_kwargs):
    """Every module's ``main()``: build the module (check mode supported), apply the environment fallbacks of
    the credential options, check for ``requests``, run ``body(module)`` and turn our errors into ``fail_json``."""
    spec, env = split_env_fallbacks(argument_spec)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True, **module_kwargs)
    apply_env_fallbacks(module, env)
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)
    try:
        body(module)
    except HANDLED_ERRORS as exc:
        fail(module, exc)
