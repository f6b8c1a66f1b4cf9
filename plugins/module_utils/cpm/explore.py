# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""File-level recovery through CPM explore sessions (seed Ch.11): open, list, download, keep alive, always close.

Readings and rules:

* ``POST explore_sessions/`` answers 202 with the session; it is usable once its
  status is ``N`` (``U`` while it opens, ``F`` failed; ``P``/``S`` ending or
  ended).  A lost answer to the POST is looked for as a new session of the
  backup during the settle window, never sent twice.
* A session expires after a timeout the seed does not give: a keep-alive
  thread posts ``keep_alive/`` every ``keep_alive_interval`` seconds while the
  module works; listings and downloads are not counted on to keep it alive.
  The session is always deleted at the end (``DELETE``), after a failure too.
* ``file_system_entries/`` may answer the entries under ``path`` (each with its
  ``children``) or one item, the path itself with its children: both shapes
  are read.
* ``download/`` answers 201 with a zip (``application/zip``).  Each chosen path
  is downloaded in its own request, streamed to a temporary file under the
  destination, checked (every member's CRC while it is extracted) and
  extracted; a download cut by a reset is requested again (the request reads
  and changes nothing).  What was restored is recorded in a manifest
  (``.cpm_file_restore.json`` in the destination: per backup and selection,
  per chosen path, every file's size and SHA-256), written after each path, so
  a run that failed half way resumes with the paths still missing, and a run
  whose files are all there (verified by their hashes) opens no session.
* Destinations: every chosen path is absolute without ``..``; each file lands
  at ``dest/<path in the snapshot>``; a zip member that would land outside the
  destination is refused; a file already there that this module did not
  restore (or that changed since) is not overwritten without ``force``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import hashlib
import json
import os
import shutil
import tempfile
import threading
import time
import zipfile

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import SERVICE, as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import EXPLORE_STATUS, EXPLORE_TYPE
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError, backoff_delay
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import (
    VERIFIED, conclude, look_after_lost, settle_time_of,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_single_line
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import poll_intervals

try:
    from requests import exceptions as req_exc
except ImportError:  # pragma: no cover - the modules check for requests
    req_exc = None

MANIFEST = '.cpm_file_restore.json'
PARTIAL_DIR = '.cpm_file_restore.partial'
CHUNK = 1024 * 1024
#: Depth asked for when listing everything under a chosen path.
DEEP = 64


# -- paths --------------------------------------------------------------------------------------------------------------

def snapshot_path(value, option):
    """A path in the snapshot: absolute, ``/`` separated, without ``.`` or ``..`` parts; normalised."""
    text = str(value if value is not None else '').strip()
    check_single_line(text, option, 'path')
    if not text.startswith('/'):
        raise ValidationError(option, '%r must be an absolute path in the snapshot, such as /xvda/etc/hosts' % text)
    if '\\' in text or '\x00' in text:
        raise ValidationError(option, '%r must use / as the separator' % text)
    parts = [part for part in text.split('/') if part]
    if any(part in ('.', '..') for part in parts):
        raise ValidationError(option, '%r must not contain . or .. parts (every file lands under dest)' % text)
    return '/' + '/'.join(parts)


def local_path(dest, path):
    """Where a snapshot path lands under ``dest`` (refused when it would land outside)."""
    target = os.path.normpath(os.path.join(dest, *[p for p in path.split('/') if p]))
    root = os.path.realpath(dest)
    real = os.path.realpath(target)
    if real != root and not real.startswith(root.rstrip(os.sep) + os.sep):
        raise ValidationError('dest', '%s would be written to %s, outside %s (a link under dest leads elsewhere?)' % (
            path, real, root))
    return target


def under(path, parent):
    return parent == '/' or path == parent or path.startswith(parent.rstrip('/') + '/')


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        while True:
            block = handle.read(CHUNK)
            if not block:
                break
            digest.update(block)
    return digest.hexdigest()


# -- the manifest -------------------------------------------------------------------------------------------------------

class Manifest:
    """What this module restored into a destination (per backup and selection, per chosen path)."""

    def __init__(self, dest, key):
        self.path = os.path.join(dest, MANIFEST)
        self.key = key
        self.data = {'version': 1, 'restores': {}}
        if os.path.isfile(self.path):
            try:
                with open(self.path, 'r') as handle:
                    data = json.load(handle)
                if isinstance(data, dict) and isinstance(data.get('restores'), dict):
                    self.data = data
            except (IOError, OSError, ValueError):
                pass  # unreadable: everything is restored again (and it is rewritten)

    def entry(self):
        return self.data['restores'].setdefault(self.key, {'paths': {}})

    def path_files(self, path):
        """``{snapshot file path: {size, sha256}}`` restored for a chosen path, or None."""
        item = self.data['restores'].get(self.key, {}).get('paths', {}).get(path)
        return item.get('files') if isinstance(item, dict) and item.get('complete') else None

    def owned(self):
        """Every file recorded, any selection: ``{snapshot path: sha256}``."""
        out = {}
        for restore in self.data['restores'].values():
            for item in (restore.get('paths') or {}).values():
                for name, info in (item.get('files') or {}).items():
                    out[name] = info.get('sha256')
        return out

    def record(self, path, files, backup, selection):
        entry = self.entry()
        entry['backup'] = backup
        entry['selection'] = selection
        stamp = time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())
        entry['paths'][path] = {'complete': True, 'files': files, 'restored_at': stamp}
        self.save()

    def save(self):
        handle, temp = tempfile.mkstemp(prefix='.cpm_manifest.', dir=os.path.dirname(self.path))
        with os.fdopen(handle, 'w') as out:
            json.dump(self.data, out, indent=1, sort_keys=True)
        os.chmod(temp, 0o600)
        os.replace(temp, self.path)


def verified(dest, files):
    """Whether every file of ``{path: {size, sha256}}`` is under ``dest`` with that content."""
    for name, info in files.items():
        target = local_path(dest, name)
        if not os.path.isfile(target) or os.path.getsize(target) != info.get('size'):
            return False
        if sha256_of(target) != info.get('sha256'):
            return False
    return True


# -- sessions ------------------------------------------------------------------------------------------------------------

def session_view(session):
    if not session:
        return {}
    out = dict(session)
    out['status'] = EXPLORE_STATUS.readable(session.get('status'))
    out['status_code'] = session.get('status')
    out['explore_type'] = EXPLORE_TYPE.readable(session.get('explore_type'))
    out['explore_type_code'] = session.get('explore_type')
    return out


def entry_view(item):
    out = dict((k, v) for k, v in item.items() if k != 'children')
    out['type'] = {'F': 'file', 'D': 'directory'}.get(item.get('type'), item.get('type'))
    out['type_code'] = item.get('type')
    if item.get('children'):
        out['children'] = [entry_view(child) for child in item['children']]
    return out


class Session:
    """One explore session: open (and wait until it is open), keep alive, list, download, close."""

    def __init__(self, client, module, body, keep_alive_client=None, interval=60.0, wait_timeout=600):
        self.client = client
        self.module = module
        self.body = body
        self.interval = interval
        self.wait_timeout = wait_timeout
        self.keep_alive_client = keep_alive_client or client
        self.session = None
        self.sid = None
        self.keep_alives = 0
        self.keep_alive_error = None
        self._stop = threading.Event()
        self._thread = None
        self.download_attempts = 0

    # -- open and close ------------------------------------------------------------------------------------------------
    def open(self):
        backup = as_id(self.body['backup_record'])
        known = set(as_id(s.get('id')) for s in self.client.list('explore_sessions/', {'backup_record': backup},
                                                                 feature='explore_sessions'))
        try:
            self.session = self.client.post('explore_sessions/', self.body, feature='explore_sessions', perm='recovery')
        except ApiError as err:
            if err.status == 412:
                err.message = ('CPM cannot open a file-level session on backup %s now (412 Precondition Failed: %s): '
                               'the backup must be recoverable and hold a volume or database snapshot, and the number '
                               'of open sessions may be limited' % (backup, err.message))
            if err.landed is not None:
                raise
            window = settle_time_of(self.client)

            def look():
                for item in self.client.list('explore_sessions/', {'backup_record': backup}, feature='explore_sessions'):
                    if as_id(item.get('id')) not in known and item.get('status') in ('U', 'N'):
                        return item
                return None
            outcome = look_after_lost(look, window)
            if outcome.state != VERIFIED:
                raise conclude(err, outcome, 'a new explore session of backup %s' % backup,
                               'the explore sessions of backup %s (GET /api/explore_sessions/)' % backup, window)
            self.module.warn('the answer to the request that opens the explore session was lost (%s); CPM shows the '
                             'session it opened: %s' % (err.brief(), outcome.found.get('id')))
            self.session = outcome.found
        if not isinstance(self.session, dict) or self.session.get('id') in (None, ''):
            raise ApiError('CPM accepted the explore session but answered without one', code='unexpected_answer',
                           service=SERVICE, method='POST', path='explore_sessions/', landed=True)
        self.sid = as_id(self.session['id'])
        self.wait_open()
        self.start_keep_alive()
        return self.session

    def wait_open(self):
        deadline = time.monotonic() + max(1, self.wait_timeout)
        intervals = poll_intervals(0.3, 1.5, 5.0)
        while True:
            status = self.session.get('status')
            if status == 'N':
                return
            if status in ('F', 'P', 'S'):
                raise ApiError('explore session %s %s instead of opening (status %s)' % (
                    self.sid, 'failed' if status == 'F' else 'ended', EXPLORE_STATUS.label(status)),
                    code='explore_failed', service=SERVICE, method='GET', path='explore_sessions/%d/' % self.sid,
                    landed=True)
            if time.monotonic() >= deadline:
                raise ApiError('explore session %s did not open within wait_timeout=%ss (status %s)' % (
                    self.sid, self.wait_timeout, status), code='timeout', service=SERVICE, landed=True)
            time.sleep(next(intervals))
            self.session = self.client.get('explore_sessions/%d/' % self.sid, feature='explore_sessions')

    def close(self):
        """Stop the keep-alive and delete the session (also after a failure; a failed delete is a warning)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, self.client.http.timeout + 1))
        if self.sid is None:
            return None
        try:
            self.client.delete('explore_sessions/%d/' % self.sid, feature='explore_sessions', perm='recovery')
        except ApiError as err:
            self.module.warn('could not close explore session %s (%s); CPM ends it after its timeout' % (
                self.sid, err.brief()))
        try:
            return self.client.get_or_none('explore_sessions/%d/' % self.sid, feature='explore_sessions')
        except ApiError:
            return None

    # -- keep alive ----------------------------------------------------------------------------------------------------
    def start_keep_alive(self):
        if not self.interval or self.interval <= 0:
            return
        self._thread = threading.Thread(target=self._keep_alive, name='cpm-explore-keep-alive')
        self._thread.daemon = True
        self._thread.start()

    def _keep_alive(self):
        path = 'explore_sessions/%d/keep_alive/' % self.sid
        while not self._stop.wait(self.interval):
            try:
                self.keep_alive_client.post(path, None, feature='explore_sessions', perm='recovery', idempotent=True)
                self.keep_alives += 1
            except ApiError as err:  # the main thread sees it at the next step
                self.keep_alive_error = err
                if err.status is not None and 400 <= err.status < 500:
                    return

    def check_alive(self):
        err = self.keep_alive_error
        if err is not None and err.status is not None and 400 <= err.status < 500:
            raise ApiError('keeping explore session %s alive failed: %s' % (self.sid, err.brief()), status=err.status,
                           code=err.code, service=SERVICE, method='POST',
                           path='explore_sessions/%d/keep_alive/' % self.sid, landed=True)

    # -- listings ------------------------------------------------------------------------------------------------------
    def entries(self, path, depth=1):
        """The entries under ``path`` (a file: the file itself), whatever shape CPM answers with."""
        self.check_alive()
        items = list(self.client.pages('explore_sessions/%d/file_system_entries/' % self.sid,
                                       {'path': path, 'depth': depth}, feature='explore_sessions'))
        if len(items) == 1 and normalise(items[0].get('path')) == path:
            item = items[0]
            if item.get('type') == 'D' or item.get('children'):
                return item.get('children') or []
        return items

    def files_under(self, path):
        """``{file path: {size, modified_time}}`` of every file under ``path`` (or ``path`` itself)."""
        out = {}

        def walk(items):
            for item in items:
                item_path = normalise(item.get('path'))
                if item.get('type') == 'F':
                    if under(item_path, path):
                        out[item_path] = {'size': item.get('size'), 'modified_time': item.get('modified_time')}
                else:
                    walk(item.get('children') or [])
        walk(self.entries(path, DEEP))
        return out

    # -- downloads -----------------------------------------------------------------------------------------------------
    def download(self, path, target):
        """Stream the zip of ``path`` into the file ``target``; a transfer cut half way is requested again."""
        http = self.client.http
        accept = 'application/zip' + ('; version=%s' % self.client.api_version if self.client.api_version else '')
        request_path = 'explore_sessions/%d/download/' % self.sid
        attempt = 0
        retries = http.stats.get('retries', 0)
        while True:
            self.check_alive()
            attempt += 1
            self.download_attempts += 1
            response = None
            try:
                response = http.request('POST', request_path, json={'paths': [path]}, stream=True, idempotent=True,
                                        expected=(200, 201), headers={'Accept': accept})
                with open(target, 'wb') as out:
                    for block in response.iter_content(CHUNK):
                        if block:
                            out.write(block)
                return attempt + http.stats.get('retries', 0) - retries
            except ApiError as err:
                err.landed = False  # a download reads: it changes nothing, whatever happened to it
                self.client.explain(err, 'explore_sessions', 'recovery')
                raise
            except (IOError, OSError) + _stream_errors() as exc:
                if isinstance(exc, (IOError, OSError)) and not _is_stream_error(exc):
                    raise
                if attempt > http.retries:
                    raise ApiError('the download of %s was cut %d times (%s)' % (path, attempt, exc), code='connection',
                                   service=SERVICE, method='POST', path=request_path, landed=False)
                time.sleep(backoff_delay(attempt, base=http.retry_base_delay, cap=http.retry_max_delay))
            finally:
                if response is not None:
                    response.close()


def _stream_errors():
    if req_exc is None:
        return ()
    return (req_exc.ChunkedEncodingError, req_exc.ConnectionError, req_exc.Timeout)


def _is_stream_error(exc):
    return bool(_stream_errors()) and isinstance(exc, _stream_errors())


def normalise(path):
    text = str(path or '').strip()
    parts = [part for part in text.split('/') if part]
    return '/' + '/'.join(parts)


# -- extraction -------------------------------------------------------------------------------------------------------------

def extract(zip_path, dest, expected, force, owned):
    """Extract every member of the zip under ``dest``; ``{snapshot path: {size, sha256}}``.

    Each member must be a path the listing showed (``expected``) and land under ``dest``; a file already there that
    differs and that this module did not restore as it is (``owned``: path -> sha256) is not overwritten without
    ``force``.  CRCs are checked while reading (a bad member raises before anything of it is kept).
    """
    out = {}
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = normalise(info.filename)
            if info.filename.startswith('/') or '..' in info.filename.replace('\\', '/').split('/'):
                raise ApiError('the zip holds %r, which would land outside dest: refused' % info.filename,
                               code='unsafe_archive', service=SERVICE, landed=True)
            if expected is not None and name not in expected:
                raise ApiError('the zip holds %s, which the listing did not show under the chosen path' % name,
                               code='unexpected_archive', service=SERVICE, landed=True)
            target = local_path(dest, name)
            parent = os.path.dirname(target)
            if os.path.lexists(parent) and not os.path.isdir(parent):
                raise ValidationError('dest', '%s cannot be written: %s is not a directory' % (target, parent))
            os.makedirs(parent, exist_ok=True)
            digest = hashlib.sha256()
            handle, temp = tempfile.mkstemp(prefix='.cpm_restore.', dir=parent)
            try:
                with os.fdopen(handle, 'wb') as out_file, archive.open(info) as member:
                    while True:
                        block = member.read(CHUNK)
                        if not block:
                            break
                        digest.update(block)
                        out_file.write(block)
                sha = digest.hexdigest()
                if os.path.lexists(target) and not force:
                    if not os.path.isfile(target):
                        raise ValidationError('dest', '%s exists and is not a file' % target)
                    have = sha256_of(target)
                    if have != sha and owned.get(name) != have:
                        raise ValidationError('force', '%s exists (not restored by this module, or changed since) and '
                                              'differs from %s in the snapshot; set force=true to overwrite it' % (
                                                  target, name))
                os.chmod(temp, 0o644)
                stamp = modified_time((expected or {}).get(name), info)
                os.utime(temp, (stamp, stamp))
                os.replace(temp, target)
            except BaseException:
                if os.path.exists(temp):
                    os.unlink(temp)
                raise
            out[name] = {'size': info.file_size, 'sha256': sha}
    return out


def modified_time(listed, info):
    """The file's modification time: the listing's ``modified_time``, else the zip's (UTC)."""
    from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import parse_datetime
    if listed and listed.get('modified_time'):
        try:
            return parse_datetime(listed['modified_time'])
        except ValueError:
            pass
    return float(calendar.timegm(info.date_time + (0, 0, 0)))


def partial_dir(dest):
    path = os.path.join(dest, PARTIAL_DIR)
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def remove_partial(dest):
    path = os.path.join(dest, PARTIAL_DIR)
    if os.path.isdir(path):
        shutil.rmtree(path, ignore_errors=True)
