# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A private directory on the host that runs the modules (usually the controller).

Used for the token/session caches shared by the forks of a play and for the
create-by-name locks.  The directory is ``0700`` and its files ``0600``; a
directory that is not private (owned by another user, group or world
accessible) is not used, and ``problem`` says why (for a warning; never a
secret in it).  Every failure to read or write is silent: what lives here is
an optimisation or a best-effort serialisation, never the only record.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import threading
import time

try:
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None


def cache_root():
    """``$XDG_CACHE_HOME/backupdr.cloud``, else ``~/.cache/backupdr.cloud``."""
    base = os.environ.get('XDG_CACHE_HOME') or os.path.join(os.path.expanduser('~'), '.cache')
    return os.path.join(base, 'backupdr.cloud')


def digest(*parts):
    """A SHA-256 hex digest of ``parts`` (file names that reveal nothing of what they stand for)."""
    hashed = hashlib.sha256()
    for part in parts:
        hashed.update(('%s' % (part if part is not None else '')).encode('utf-8'))
        hashed.update(b'\0')
    return hashed.hexdigest()


class LockTimeout(Exception):
    """The lock was held by someone else for longer than the caller wanted to wait."""


class PrivateDir:
    """JSON entries and locks in a private directory."""

    def __init__(self, directory):
        self.directory = os.path.abspath(os.path.expanduser(directory))
        self.problem = None

    def _private_dir(self, create):
        try:
            if create and not os.path.isdir(self.directory):
                try:
                    os.makedirs(self.directory, mode=0o700)
                except OSError:
                    if not os.path.isdir(self.directory):  # another fork made it first: fine
                        raise
            info = os.stat(self.directory)
        except OSError as exc:
            if create:
                self.problem = 'cannot create the private directory %s: %s' % (self.directory, exc.strerror)
            return False
        if hasattr(os, 'getuid') and info.st_uid != os.getuid():
            self.problem = 'the directory %s is not owned by this user; not used' % self.directory
            return False
        if stat.S_IMODE(info.st_mode) & 0o077:
            self.problem = 'the directory %s is accessible to other users (chmod 700 it); not used' % self.directory
            return False
        return True

    def usable(self, create=True):
        return self._private_dir(create)

    def _path(self, key, suffix='.json'):
        return os.path.join(self.directory, key + suffix)

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
            self.problem = 'cannot write in %s: %s' % (self.directory, getattr(exc, 'strerror', exc))
            return False
        finally:
            if fd is not None:
                os.close(fd)
            if tmp is not None and os.path.exists(tmp):
                os.unlink(tmp)

    def remove(self, key):
        try:
            os.unlink(self._path(key))
        except OSError:
            pass

    @contextlib.contextmanager
    def lock(self, key, timeout=None, poll=0.1, sleep=time.sleep, clock=time.monotonic):
        """An exclusive lock between processes (no-op without fcntl or a private directory).

        ``timeout`` None waits as long as it takes; otherwise :class:`LockTimeout` after that many seconds.
        """
        handle = None
        if fcntl is not None and self._private_dir(create=True):
            try:
                fd = os.open(self._path(key, '.lock'), os.O_RDWR | os.O_CREAT, 0o600)
                handle = os.fdopen(fd, 'r+')
            except (OSError, IOError):
                handle = None
            if handle is not None:
                try:
                    self._acquire(handle, timeout, poll, sleep, clock)
                except LockTimeout:
                    handle.close()
                    raise
                except (OSError, IOError):
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

    @staticmethod
    def _acquire(handle, timeout, poll, sleep, clock):
        if timeout is None:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            return
        deadline = clock() + timeout
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except (OSError, IOError):
                if clock() >= deadline:
                    raise LockTimeout('lock held by another process for more than %ss' % timeout)
                sleep(poll)


class NameLocks:
    """Create-by-name serialisation on this host: one lock per (service, account, kind, name).

    Two runs converging the same name on one controller take turns: the second
    finds what the first created instead of creating a second one.  Runs on
    different controllers cannot be serialised this way (the engines detect a
    duplicate after creating and fail loudly).
    """

    def __init__(self, directory=None, timeout=900):
        self.dir = PrivateDir(directory or os.path.join(cache_root(), 'locks'))
        self.timeout = timeout
        self._held = {}
        self._guard = threading.Lock()  # threads of one process (fleet modules) share the held locks

    def acquire(self, scope, kind, name):
        """Take the lock (blocking up to ``timeout``); held until :meth:`release` or the process ends."""
        key = digest('name-lock', scope, kind, name)
        with self._guard:
            if key in self._held:
                return key
            manager = self.dir.lock(key, timeout=self.timeout)
            manager.__enter__()  # pylint: disable=unnecessary-dunder-call
            self._held[key] = manager
        return key

    def release(self, key):
        with self._guard:
            manager = self._held.pop(key, None)
        if manager is not None:
            manager.__exit__(None, None, None)

    def release_all(self):
        for key in list(self._held):
            self.release(key)
