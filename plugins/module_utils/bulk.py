# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Converging many resources of one kind in one module run.

A fleet module (``crosspeer_drives``...) takes a list of items, each holding
the options its single-resource module takes, and runs that module's own body
for every item (so every item behaves exactly as one task of the single
module would), with four differences:

* **Validation first.** Every item is validated before any request: a bad item
  fails the task naming the item and the option, and nothing is sent.
* **One list read.** The resources of a kind are listed once (a
  :class:`Snapshot` on the client) and every item finds itself in that list.
  Reads that decide about lost answers (the settle rule) bypass it.
* **Parallel writes.** Items run in a thread pool (``parallel``), each through
  the shared HTTP layer with its retry rules; a write whose answer was lost
  is handled per item, as in the single module.
* **One result per item,** with its own ``changed``, ``diff``, warnings and
  error; the task fails when an item failed, after every other item ran, and
  says which ones did what.

Create-by-name locks of all the names are taken together (in sorted order),
and the look for two resources of one name after creates is done once at the
end, for all of them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import threading

try:
    from concurrent.futures import ThreadPoolExecutor
except ImportError:  # pragma: no cover - Python 2 is not supported
    ThreadPoolExecutor = None

from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.private import NameLocks
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

#: Items run at once by default (each item may send several requests).
DEFAULT_PARALLEL = 8
MAX_PARALLEL = 32


class ValidatedOnly(Exception):
    """Raised by the engine at its first request while a fleet module only validates its items."""


class ItemExit(Exception):
    def __init__(self, result):
        super(ItemExit, self).__init__('exit')
        self.result = result


class ItemFail(Exception):
    def __init__(self, msg, result):
        super(ItemFail, self).__init__(msg)
        self.msg = msg
        self.result = result


class Snapshot:
    """Memoised list reads of one module run, per key; thread-safe; ``bypass()`` forces fresh reads."""

    def __init__(self):
        self._lists = {}
        self._lock = threading.Lock()
        self._key_locks = {}
        self._local = threading.local()

    def fresh(self):
        return getattr(self._local, 'bypass', 0) > 0

    @contextlib.contextmanager
    def bypass(self):
        self._local.bypass = getattr(self._local, 'bypass', 0) + 1
        try:
            yield
        finally:
            self._local.bypass -= 1

    def get(self, key, fetch):
        with self._lock:
            if key in self._lists:
                return list(self._lists[key])
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._lists:
                    return list(self._lists[key])
            items = fetch()
            with self._lock:
                self._lists[key] = list(items)
            return list(items)


class HeldLocks(NameLocks):
    """Name locks taken for a whole fleet run: an item's engine cannot release them before the end."""

    def release(self, key):
        pass

    def release_all(self):
        for key in list(self._held):
            NameLocks.release(self, key)


class Bulk:
    """What the engines of one fleet run share (``module.bulk``)."""

    def __init__(self, locks):
        self.locks = locks
        self.created = []
        self._lock = threading.Lock()

    def record_create(self, engine, name, created):
        with self._lock:
            self.created.append((engine, name, created))


class ItemModule:
    """Stands in for ``AnsibleModule`` while one item runs: its own params, warnings and result."""

    def __init__(self, parent, params, validate_only=False, bulk=None):
        self.parent = parent
        self.params = params
        self.check_mode = parent.check_mode
        self._diff = parent._diff
        self.no_log_values = parent.no_log_values
        self.validate_only = validate_only
        self.bulk = bulk
        self.warnings = []

    def warn(self, message):
        self.warnings.append(message)

    def boolean(self, value):
        return self.parent.boolean(value)

    def exit_json(self, **result):
        raise ItemExit(result)

    def fail_json(self, msg=None, **result):
        raise ItemFail(msg, result)


def check_parallel(value, option='parallel'):
    if value is None:
        return DEFAULT_PARALLEL
    if not 1 <= int(value) <= MAX_PARALLEL:
        raise ValidationError(option, 'must be between 1 and %d, got %s' % (MAX_PARALLEL, value))
    return int(value)


def run_bulk(module, items, item_params, body, client, label, item_name, handled, parallel=DEFAULT_PARALLEL,
             lock_key=None):
    """Run ``body(item_module)`` for every item; exit (or fail) ``module`` with one result per item.

    ``item_params(item)`` gives an item's full params (connection options + the item's options);
    ``item_name(params)`` names an item in messages; ``lock_key(params)`` gives the create-by-name lock of
    an item, ``(scope, kind, name)`` as its engine takes it, or None; ``handled`` are the exceptions an item
    may fail with (the single module's handled errors).
    """
    parallel = check_parallel(parallel)
    params_list = [item_params(item) for item in items or ()]
    # 1. Validation: every item, before any request.
    errors = []
    for index, params in enumerate(params_list):
        facade = ItemModule(module, params, validate_only=True)
        try:
            body(facade)
        except (ValidatedOnly, ItemExit):
            pass
        except ValidationError as exc:
            errors.append('%s[%d] (%s): %s' % (label, index, item_name(params), exc))
        except ItemFail as exc:
            errors.append('%s[%d] (%s): %s' % (label, index, item_name(params), exc.msg))
    if errors:
        module.fail_json(msg='%d of %d items are invalid; nothing was sent: %s' % (
            len(errors), len(params_list), '; '.join(errors)), errors=errors)
    names = [item_name(params) for params in params_list]
    dupes = sorted(set(n for n in names if n and names.count(n) > 1))
    if dupes:
        module.fail_json(msg='%s lists %s more than once; give each resource once' % (label, ', '.join(dupes)))
    # 2. Locks of every name (sorted, so two fleet runs cannot deadlock), one list read per kind.
    locks = HeldLocks()
    if lock_key is not None and not module.check_mode:
        keys = [lock_key(params) for params in params_list]
        for scope, kind, name in sorted(set(k for k in keys if k and k[2])):
            locks.acquire(scope, kind, name)
    bulk = Bulk(locks)
    client.snapshot = Snapshot()
    # 3. The items, in parallel.

    def run_item(index):
        facade = ItemModule(module, params_list[index], bulk=bulk)
        result = dict(name=names[index], changed=False, failed=False)
        try:
            body(facade)
        except ItemExit as done:
            result.update(done.result)
        except ItemFail as failed:
            result.update(failed.result, failed=True, msg=failed.msg)
        except handled as exc:
            result.update(failed=True, msg=str(exc))
            if isinstance(exc, ApiError):
                result.update(exc.to_result())
        if facade.warnings:
            result['warnings'] = list(facade.warnings)
        return result
    try:
        if ThreadPoolExecutor is None or parallel == 1 or len(params_list) < 2:
            results = [run_item(i) for i in range(len(params_list))]
        else:
            with ThreadPoolExecutor(max_workers=min(parallel, len(params_list))) as pool:
                results = list(pool.map(run_item, range(len(params_list))))
        # 4. Two resources of one name after the creates: one fresh look for all of them.
        duplicates = check_duplicates(bulk, client)
    finally:
        locks.release_all()
        client.snapshot = None
    finish(module, label, results, duplicates)


def check_duplicates(bulk, client):
    """Names created by this run that now belong to more than one resource (another run's doing)."""
    out = []
    seen = {}
    for engine, name, created in bulk.created:
        rt = engine.rtype
        key = (type(rt), getattr(rt, 'list_path', None))
        if key not in seen:
            try:
                with client.snapshot.bypass():
                    seen[key] = rt.list()
            except ApiError as exc:
                out.append('could not check that the new %ss are the only ones of their names: %s' % (rt.kind, exc))
                seen[key] = []
        same = [r for r in seen[key] if r.get(rt.name_key) == name]
        if len(same) > 1:
            out.append('%d %ss are now named %r (%s): another run created one at the same time; this run created %s' % (
                len(same), rt.kind, name, ', '.join(sorted(str(r.get(rt.id_key)) for r in same)),
                (created or {}).get(rt.id_key) or 'one'))
    return out


def finish(module, label, results, duplicates):
    changed = any(r.get('changed') for r in results)
    failed = [r for r in results if r.get('failed')]
    for result in results:
        for warning in result.get('warnings') or ():
            module.warn('%s %s: %s' % (label, result['name'], warning))
    out = dict(changed=changed, results=results,
               summary=dict(total=len(results), changed=sum(1 for r in results if r.get('changed')),
                            failed=len(failed)))
    if module._diff:
        before, after = {}, {}
        for result in results:
            diff = result.get('diff')
            if isinstance(diff, dict):
                before[result['name']] = diff.get('before')
                after[result['name']] = diff.get('after')
        out['diff'] = dict(before=before, after=after)
    if not module._diff:
        for result in results:
            result.pop('diff', None)
    if failed or duplicates:
        text = '; '.join('%s: %s' % (r['name'], r.get('msg')) for r in failed)
        if duplicates:
            text = '; '.join([text] + duplicates if text else duplicates)
        module.fail_json(msg='%d of %d %s failed (the others ran; see results): %s' % (
            len(failed) + len(duplicates), len(results), label, text), **out)
    module.exit_json(**out)
