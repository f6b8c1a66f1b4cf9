# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Chunked binary transfer between a local file and a remote volume.

Service-agnostic: a *target* is any object with

* ``read(offset, size) -> bytes`` (exactly ``size`` bytes at ``offset``) and
* ``write(offset, payload, gzipped) -> None`` (``payload`` decodes to the bytes
  to store at ``offset``; ``gzipped`` says whether it is a gzip member).

What this module provides:

* chunk planning (:func:`plan_chunks`): chunk boundaries are multiples of the
  chunk size counted from byte 0, so a transfer resumed at any offset uses the
  same chunks as a full one;
* gzip framing (:func:`gzip_compress`, :func:`encode_chunk`): one complete,
  deterministic gzip member per chunk (zero mtime, no file name), or the raw
  bytes when gzip would not make the chunk smaller;
* hashing of files and ranges, and the ``"<sha256> <length>"`` content marker;
* an ordered, bounded thread pipeline (:func:`ordered_map`): ``parallel``
  requests in flight, at most ``window`` chunks in memory, results delivered
  in file order, so the whole-content sha256 is computed while streaming and
  the first byte not confirmed (the resume offset) is always known;
* :func:`upload` and :func:`download` built on it, raising
  :class:`TransferError` with ``resume_offset`` when something fails.

Memory use is bounded by ``window * chunk_size`` (plus the compressed copies
being sent), whatever the size of the file.  ``zlib`` and ``hashlib`` release
the GIL on large buffers, so compression really runs in parallel.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import hashlib
import re
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

CHUNK_SIZE = 4 * 1024 * 1024
#: Level 1 is several times faster than 6 and compresses typical images
#: almost as well (see tests/bench/bench_transfer.py).
DEFAULT_LEVEL = 1
DEFAULT_PARALLEL = 4
MAX_PARALLEL = 16
HASH_BUFFER = 1024 * 1024
GZIP_WBITS = 16 + zlib.MAX_WBITS
#: Incompressibility probe: SAMPLES slices of SAMPLE_SIZE bytes; a slice that
#: does not shrink below INCOMPRESSIBLE of its size at level 1 is incompressible.
SAMPLES = 4
SAMPLE_SIZE = 16 * 1024
INCOMPRESSIBLE = 0.97

MARKER_RE = re.compile(r'\s*([0-9a-fA-F]{64})\s+(\d+)\s*', re.ASCII)

WRITTEN = 'written'
SKIPPED = 'skipped'
WOULD_WRITE = 'would_write'


class TransferError(Exception):
    """A transfer stopped; every byte before ``resume_offset`` is confirmed.

    ``cause`` is the original exception (an API error, a verification
    mismatch, a local I/O error); ``stats`` the :class:`TransferStats` so far.
    """

    def __init__(self, message, resume_offset, cause=None, stats=None):
        super(TransferError, self).__init__(message)
        self.message = message
        self.resume_offset = resume_offset
        self.cause = cause
        self.stats = stats


class ChunkMismatch(Exception):
    """Bytes read back (or read) differ from what was expected."""


# -- planning -----------------------------------------------------------------------

def plan_chunks(start, end, chunk_size=CHUNK_SIZE):
    """Yield ``(offset, length)`` covering ``[start, end)``.

    Boundaries are multiples of ``chunk_size`` counted from 0: a range starting
    mid-chunk first completes that chunk, so resumed and full transfers cut
    the data the same way and no request exceeds ``chunk_size``.
    """
    if chunk_size <= 0:
        raise ValueError('chunk size must be positive')
    if start < 0 or end < start:
        raise ValueError('invalid range %d-%d' % (start, end))
    pos = start
    while pos < end:
        stop = min(end, (pos // chunk_size + 1) * chunk_size)
        yield pos, stop - pos
        pos = stop


def count_chunks(start, end, chunk_size=CHUNK_SIZE):
    """Number of chunks :func:`plan_chunks` yields."""
    if end <= start:
        return 0
    return (end - 1) // chunk_size - start // chunk_size + 1


# -- gzip framing -------------------------------------------------------------------

def gzip_compress(data, level=DEFAULT_LEVEL):
    """One complete gzip member (RFC 1952) holding ``data``; deterministic (mtime 0)."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, GZIP_WBITS)
    return compressor.compress(data) + compressor.flush()


def gunzip(data, limit=None):
    """Decode gzip member(s); ``limit`` bounds the decoded size (raises ValueError beyond)."""
    out = []
    total = 0
    while data:
        decompressor = zlib.decompressobj(GZIP_WBITS)
        piece = decompressor.decompress(data, (limit - total + 1) if limit is not None else 0)
        total += len(piece)
        if limit is not None and (total > limit or decompressor.unconsumed_tail):
            raise ValueError('gzip data decodes to more than %d bytes' % limit)
        out.append(piece)
        if not decompressor.eof:
            raise ValueError('truncated gzip data')
        data = decompressor.unused_data
    return b''.join(out)


def looks_incompressible(data, samples=SAMPLES, sample_size=SAMPLE_SIZE):
    """Whether a few slices spread over ``data`` all fail to compress (random, media, archives).

    Costs about 1% of compressing the chunk; a chunk with any compressible
    slice (text, zeros, a file system) is compressed as a whole.
    """
    if len(data) < samples * sample_size * 4:
        return False
    step = (len(data) - sample_size) // (samples - 1)
    for index in range(samples):
        piece = data[index * step:index * step + sample_size]
        if len(zlib.compress(piece, 1)) < len(piece) * INCOMPRESSIBLE:
            return False
    return True


def encode_chunk(data, level=DEFAULT_LEVEL):
    """``(payload, gzipped)`` to send for ``data``.

    Level 0 sends raw bytes.  Otherwise the chunk is gzipped, unless sampling
    shows it is incompressible or gzip does not make it smaller: then the raw
    bytes are sent, which the write call accepts as well, and neither side
    spends CPU on compression that gains nothing.
    """
    if level <= 0 or looks_incompressible(data):
        return data, False
    packed = gzip_compress(data, level)
    if len(packed) >= len(data):
        return data, False
    return packed, True


# -- hashing and markers --------------------------------------------------------------

def hash_range(fileobj, start=0, end=None, hasher=None, bufsize=HASH_BUFFER):
    """Update ``hasher`` (default: a new sha256) with ``fileobj[start:end]``; return it.

    Raises ``IOError`` when the file is shorter than ``end``.
    """
    hasher = hasher if hasher is not None else hashlib.sha256()
    fileobj.seek(start)
    pos = start
    while end is None or pos < end:
        want = bufsize if end is None else min(bufsize, end - pos)
        data = fileobj.read(want)
        if not data:
            if end is not None:
                raise IOError('file ended at byte %d, expected %d bytes' % (pos, end))
            break
        hasher.update(data)
        pos += len(data)
    return hasher


def sha256_file(path, end=None):
    """``(hexdigest, length)`` of a local file (or of its first ``end`` bytes)."""
    with open(path, 'rb') as fileobj:
        if end is None:
            fileobj.seek(0, 2)
            end = fileobj.tell()
        return hash_range(fileobj, 0, end).hexdigest(), end


def format_marker(sha256, length):
    return '%s %d' % (sha256.lower(), length)


def parse_marker(value):
    """``"<sha256> <length>"`` -> ``(sha256, length)``; None when absent or malformed."""
    if not value:
        return None
    match = MARKER_RE.fullmatch(str(value))
    if not match:
        return None
    return match.group(1).lower(), int(match.group(2))


# -- pipeline -------------------------------------------------------------------------

class _Once:
    """Run a callable once, from whichever thread comes first; later calls re-raise its failure."""

    def __init__(self, func):
        self.func = func
        self.lock = threading.Lock()
        self.done = func is None
        self.error = None

    def __call__(self):
        if self.done and self.error is None:
            return
        with self.lock:
            if self.error is not None:
                raise self.error
            if not self.done:
                try:
                    self.func()
                except Exception as exc:  # pylint: disable=broad-except
                    self.error = exc
                    raise
                finally:
                    self.done = True


def ordered_map(work, items, parallel=DEFAULT_PARALLEL, window=None):
    """Yield ``(item, work(item))`` in the order of ``items``.

    ``work`` runs in up to ``parallel`` threads; ``items`` is consumed lazily in
    the calling thread and at most ``window`` (default ``2 * parallel``) items
    are taken and not yet yielded, which bounds memory.  The first exception
    in item order is raised (after pending work is cancelled and running work
    has finished); later results are discarded.  An exception from ``items``
    itself is raised after the items taken before it have been yielded.
    """
    parallel = max(1, int(parallel))
    window = max(parallel, int(window or 2 * parallel))
    pending = collections.deque()
    items = iter(items)
    executor = ThreadPoolExecutor(max_workers=parallel)
    try:
        exhausted = False
        source_error = None
        while True:
            while not exhausted and len(pending) < window:
                try:
                    item = next(items)
                except StopIteration:
                    exhausted = True
                    break
                except Exception as exc:  # pylint: disable=broad-except
                    # deliver what is already under way first: it may be confirmed
                    exhausted, source_error = True, exc
                    break
                pending.append((item, executor.submit(work, item)))
            if not pending:
                if source_error is not None:
                    raise source_error
                return
            item, future = pending.popleft()
            yield item, future.result()
    finally:
        for dummy, future in pending:
            future.cancel()
        executor.shutdown(wait=True)


class TransferStats:
    """Counters of one transfer (updated in the caller's thread only)."""

    def __init__(self, start, end, chunk_size):
        self.start = start
        self.end = end
        self.chunks = count_chunks(start, end, chunk_size)
        self.written = 0          # chunks written (or that would be, in a dry run)
        self.skipped = 0          # chunks already holding the right bytes
        self.payload_bytes = 0    # decoded bytes written / read
        self.wire_bytes = 0       # bytes on the wire (after gzip)
        self.gzipped = 0          # chunks sent gzipped
        self.confirmed = start    # every byte before this one is confirmed
        self.started = time.monotonic()
        self.elapsed = 0.0

    def stop(self):
        self.elapsed = time.monotonic() - self.started
        return self

    @property
    def throughput(self):
        """Payload MiB per second."""
        if self.elapsed <= 0:
            return 0.0
        return self.payload_bytes / self.elapsed / (1024.0 * 1024.0)

    @property
    def ratio(self):
        """Wire bytes / payload bytes (1.0 when nothing was sent)."""
        return self.wire_bytes / float(self.payload_bytes) if self.payload_bytes else 1.0

    def as_dict(self):
        return dict(chunks=self.chunks, chunks_written=self.written, chunks_skipped=self.skipped,
                    bytes_transferred=self.payload_bytes, wire_bytes=self.wire_bytes,
                    chunks_gzipped=self.gzipped, elapsed=round(self.elapsed, 3),
                    throughput=round(self.throughput, 2), compression_ratio=round(self.ratio, 4))


def read_exact(fileobj, size, offset):
    data = fileobj.read(size)
    if len(data) != size:
        raise IOError('the local file ended at byte %d (expected %d more bytes): was it changed during the transfer?'
                      % (offset + len(data), size - len(data)))
    return data


def read_remote(target, offset, size):
    data = target.read(offset, size)
    if len(data) != size:
        raise ChunkMismatch('reading %d bytes at offset %d returned %d bytes' % (size, offset, len(data)))
    return data


def _source_chunks(source, start, end, chunk_size, hasher):
    """Read the local file sequentially (in the calling thread), hashing in order."""
    source.seek(start)
    for offset, length in plan_chunks(start, end, chunk_size):
        data = read_exact(source, length, offset)
        if hasher is not None:
            hasher.update(data)
        yield offset, data


def _fail(stats, exc, verb):
    stats.stop()
    return TransferError('%s stopped at byte %d: %s' % (verb, stats.confirmed, exc), stats.confirmed, exc, stats)


def upload(source, target, start, end, chunk_size=CHUNK_SIZE, parallel=DEFAULT_PARALLEL, level=DEFAULT_LEVEL,
           compare='none', verify=True, dry_run=False, before_write=None, hasher=None, window=None):
    """Store ``source[start:end]`` at the same offsets of ``target``; return :class:`TransferStats`.

    ``source`` is a seekable binary file object.  ``compare='content'`` reads
    each chunk from the target first and skips it when it already holds the
    same bytes.  ``verify`` reads every written chunk back and compares it.
    ``dry_run`` never writes (with ``compare='content'`` it tells exactly
    which chunks differ).  ``before_write`` is called once, before the first
    write (to invalidate a checksum marker).  ``hasher`` is updated with
    ``source[start:end]`` in order.  Raises :class:`TransferError`.
    """
    stats = TransferStats(start, end, chunk_size)
    prologue = _Once(before_write)

    def work(item):
        offset, data = item
        if compare == 'content' and read_remote(target, offset, len(data)) == data:
            return SKIPPED, 0, False
        if dry_run:
            return WOULD_WRITE, 0, False
        payload, gzipped = encode_chunk(data, level)
        prologue()
        target.write(offset, payload, gzipped)
        if verify and read_remote(target, offset, len(data)) != data:
            raise ChunkMismatch('the %d bytes written at offset %d read back different' % (len(data), offset))
        return WRITTEN, len(payload), gzipped

    results = ordered_map(work, _source_chunks(source, start, end, chunk_size, hasher), parallel, window)
    try:
        for (offset, data), (outcome, wire, gzipped) in results:
            if outcome == SKIPPED:
                stats.skipped += 1
            else:
                stats.written += 1
                if outcome == WRITTEN:
                    stats.payload_bytes += len(data)
                    stats.wire_bytes += wire
                    stats.gzipped += 1 if gzipped else 0
            stats.confirmed = offset + len(data)
    except Exception as exc:  # pylint: disable=broad-except
        raise _fail(stats, exc, 'upload')
    finally:
        results.close()  # cancel queued work and wait for running requests
    return stats.stop()


def download(target, sink, start, end, chunk_size=CHUNK_SIZE, parallel=DEFAULT_PARALLEL, hasher=None, window=None):
    """Copy ``target[start:end]`` to ``sink`` (a binary file positioned at ``start``), in order.

    Returns :class:`TransferStats`; ``hasher`` is updated in order.  On failure
    ``sink`` holds exactly the bytes before ``resume_offset``.
    """
    stats = TransferStats(start, end, chunk_size)

    def work(item):
        return read_remote(target, item[0], item[1])

    results = ordered_map(work, plan_chunks(start, end, chunk_size), parallel, window)
    try:
        for (offset, length), data in results:
            sink.write(data)
            if hasher is not None:
                hasher.update(data)
            stats.written += 1
            stats.payload_bytes += length
            stats.wire_bytes += length
            stats.confirmed = offset + length
    except Exception as exc:  # pylint: disable=broad-except
        raise _fail(stats, exc, 'download')
    finally:
        results.close()
    return stats.stop()
