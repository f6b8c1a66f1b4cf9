# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pure transfer pipeline: chunk planning, gzip framing, hashing, resume offsets.

A tiny in-memory drive stands in for the service; no HTTP.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import io
import os
import random
import threading
import time

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils import transfer

MIB = 1024 * 1024
CHUNK = 4 * MIB


class FakeDrive:
    """A bytearray with the write/read contract of a drive (4 MiB limit, gzip decoding)."""

    def __init__(self, size, fail_writes=(), fail_reads=(), corrupt=False, short=False, delay=0.0):
        self.data = bytearray(size)
        self.lock = threading.Lock()
        self.writes = []          # (offset, decoded length, gzipped)
        self.reads = []
        self.fail_writes = set(fail_writes)
        self.fail_reads = set(fail_reads)
        self.corrupt = corrupt
        self.short = short
        self.delay = delay
        self.in_flight = 0
        self.max_in_flight = 0

    def _enter(self):
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        if self.delay:
            time.sleep(random.random() * self.delay)

    def _leave(self):
        with self.lock:
            self.in_flight -= 1

    def read(self, offset, size):
        self._enter()
        try:
            if size > CHUNK:
                raise AssertionError('read of %d bytes exceeds the 4 MiB limit' % size)
            if offset in self.fail_reads:
                raise IOError('injected read failure at %d' % offset)
            with self.lock:
                self.reads.append(offset)
                data = bytes(self.data[offset:offset + size])
            return data[:-1] if self.short else data
        finally:
            self._leave()

    def write(self, offset, payload, gzipped):
        self._enter()
        try:
            if offset in self.fail_writes:
                raise IOError('injected write failure at %d' % offset)
            data = transfer.gunzip(payload, limit=CHUNK) if gzipped else payload
            if len(data) > CHUNK:
                raise AssertionError('write of %d bytes exceeds the 4 MiB limit' % len(data))
            if offset + len(data) > len(self.data):
                raise AssertionError('write past the end of the drive')
            if self.corrupt:
                data = b'\xff' + data[1:]
            with self.lock:
                self.writes.append((offset, len(data), gzipped))
                self.data[offset:offset + len(data)] = data
        finally:
            self._leave()


def sample(size, seed=1):
    """Half random, half compressible text (like a disk image)."""
    rnd = random.Random(seed)
    text = b''.join(b'line %08d: the quick brown fox jumps over the lazy dog\n' % i for i in range(size // 50 + 1))
    noise = bytes(rnd.getrandbits(8) for dummy in range(min(size, 64 * 1024)))
    out = bytearray()
    toggle = False
    while len(out) < size:
        out += noise if toggle else text[:256 * 1024]
        toggle = not toggle
    return bytes(out[:size])


@pytest.fixture(scope='module')
def content():
    return sample(10 * MIB + 12345)


# -- planning ----------------------------------------------------------------------------

def test_plan_covers_the_range_in_4mib_chunks():
    chunks = list(transfer.plan_chunks(0, 10 * MIB + 12345, CHUNK))
    assert chunks == [(0, CHUNK), (CHUNK, CHUNK), (2 * CHUNK, 2 * MIB + 12345)]


def test_plan_aligns_a_resumed_range_to_chunk_boundaries():
    chunks = list(transfer.plan_chunks(5 * MIB, 13 * MIB, CHUNK))
    assert chunks == [(5 * MIB, 3 * MIB), (8 * MIB, CHUNK), (12 * MIB, MIB)]


@pytest.mark.parametrize('start, end', [(0, 0), (7, 7), (0, 1), (0, CHUNK), (0, CHUNK + 1), (CHUNK - 1, CHUNK + 1),
                                        (3, 5 * CHUNK), (CHUNK, 3 * CHUNK), (123456, 98765432)])
def test_plan_is_contiguous_bounded_and_counted(start, end):
    chunks = list(transfer.plan_chunks(start, end, CHUNK))
    assert len(chunks) == transfer.count_chunks(start, end, CHUNK)
    pos = start
    for offset, length in chunks:
        assert offset == pos and 0 < length <= CHUNK
        assert (offset + length) % CHUNK == 0 or offset + length == end
        pos += length
    assert pos == end


@pytest.mark.parametrize('start, end, size', [(-1, 5, 4), (5, 4, 4), (0, 5, 0)])
def test_plan_rejects_bad_ranges(start, end, size):
    with pytest.raises(ValueError):
        list(transfer.plan_chunks(start, end, size))


# -- gzip framing -------------------------------------------------------------------------

def test_gzip_member_is_deterministic_and_round_trips(content):
    chunk = content[:CHUNK]
    packed = transfer.gzip_compress(chunk, 1)
    assert packed == transfer.gzip_compress(chunk, 1)
    assert packed[:3] == b'\x1f\x8b\x08'          # gzip magic, deflate
    assert packed[4:8] == b'\0\0\0\0'             # mtime 0: same bytes every run
    assert transfer.gunzip(packed) == chunk
    import gzip
    assert gzip.decompress(packed) == chunk       # a standard gzip stream


def test_gunzip_enforces_the_limit_and_rejects_truncation():
    packed = transfer.gzip_compress(bytes(CHUNK + 1))
    with pytest.raises(ValueError):
        transfer.gunzip(packed, limit=CHUNK)
    assert transfer.gunzip(transfer.gzip_compress(bytes(CHUNK)), limit=CHUNK) == bytes(CHUNK)
    with pytest.raises(ValueError):
        transfer.gunzip(transfer.gzip_compress(b'abc' * 1000)[:-10])
    two = transfer.gzip_compress(b'one') + transfer.gzip_compress(b'two')
    assert transfer.gunzip(two) == b'onetwo'


def test_encode_chunk_gzips_only_when_it_helps():
    text = b'hello world\n' * 100000
    payload, gzipped = transfer.encode_chunk(text, 1)
    assert gzipped and len(payload) < len(text) // 10
    noise = os.urandom(MIB)
    assert transfer.encode_chunk(noise, 6) == (noise, False)
    assert transfer.encode_chunk(text, 0) == (text, False)


# -- hashing and markers ----------------------------------------------------------------------

def test_hash_range_composes(content):
    source = io.BytesIO(content)
    hasher = transfer.hash_range(source, 0, 3 * MIB + 7)
    transfer.hash_range(source, 3 * MIB + 7, len(content), hasher)
    assert hasher.hexdigest() == hashlib.sha256(content).hexdigest()
    assert transfer.hash_range(io.BytesIO(content)).hexdigest() == hashlib.sha256(content).hexdigest()
    with pytest.raises(IOError):
        transfer.hash_range(io.BytesIO(b'short'), 0, 10)


def test_sha256_file(tmp_path, content):
    path = tmp_path / 'f.img'
    path.write_bytes(content)
    assert transfer.sha256_file(str(path)) == (hashlib.sha256(content).hexdigest(), len(content))
    assert transfer.sha256_file(str(path), end=100) == (hashlib.sha256(content[:100]).hexdigest(), 100)


def test_marker_round_trip():
    sha = hashlib.sha256(b'x').hexdigest()
    assert transfer.format_marker(sha.upper(), 42) == '%s 42' % sha
    assert transfer.parse_marker(transfer.format_marker(sha, 42)) == (sha, 42)
    assert transfer.parse_marker('%s 42' % sha.upper()) == (sha, 42)
    for bad in (None, '', 'abc 42', sha, '%s -1' % sha, '%s 4x' % sha):
        assert transfer.parse_marker(bad) is None


# -- ordered pipeline ---------------------------------------------------------------------------

def test_ordered_map_keeps_order_and_bounds_memory():
    taken = []
    yielded = []
    outstanding = []

    def items():
        for i in range(40):
            taken.append(i)
            outstanding.append(len(taken) - len(yielded))
            yield i

    def work(i):
        time.sleep(random.random() * 0.005)
        return i * i

    for item, result in transfer.ordered_map(work, items(), parallel=3, window=5):
        assert result == item * item
        yielded.append(item)
    assert yielded == list(range(40))
    assert max(outstanding) <= 5


def test_ordered_map_raises_the_first_failure_in_order():
    def work(i):
        if i in (3, 5):
            raise IOError('boom %d' % i)
        return i

    seen = []
    with pytest.raises(IOError, match='boom 3'):
        for item, dummy in transfer.ordered_map(work, range(10), parallel=4):
            seen.append(item)
    assert seen == [0, 1, 2]


def test_once_runs_once_and_repeats_its_failure():
    calls = []
    once = transfer._Once(lambda: calls.append(1))
    threads = [threading.Thread(target=once) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1]

    def broken():
        calls.append(2)
        raise IOError('no')
    once = transfer._Once(broken)
    for dummy in range(3):
        with pytest.raises(IOError):
            once()
    assert calls == [1, 2]


# -- upload ---------------------------------------------------------------------------------------

def test_upload_writes_every_chunk_gzipped_and_verifies(content):
    drive = FakeDrive(40 * MIB, delay=0.002)
    hasher = hashlib.sha256()
    stats = transfer.upload(io.BytesIO(content), drive, 0, len(content), parallel=4, hasher=hasher)
    assert bytes(drive.data[:len(content)]) == content
    assert sorted(w[0] for w in drive.writes) == [0, CHUNK, 2 * CHUNK]
    assert all(w[2] for w in drive.writes)                   # text-heavy chunks travel gzipped
    assert sorted(drive.reads) == [0, CHUNK, 2 * CHUNK]      # one read-back per chunk
    assert hasher.hexdigest() == hashlib.sha256(content).hexdigest()
    assert (stats.chunks, stats.written, stats.skipped, stats.confirmed) == (3, 3, 0, len(content))
    assert stats.payload_bytes == len(content) and 0 < stats.wire_bytes < len(content)
    assert drive.max_in_flight <= 4


def test_upload_without_verify_reads_nothing(content):
    drive = FakeDrive(len(content))
    transfer.upload(io.BytesIO(content), drive, 0, len(content), verify=False, parallel=2)
    assert drive.reads == [] and len(drive.writes) == 3


def test_upload_compare_content_rewrites_only_the_chunk_that_differs(content):
    drive = FakeDrive(40 * MIB)
    drive.data[:len(content)] = content
    drive.data[CHUNK + 100:CHUNK + 110] = b'x' * 10
    calls = []
    stats = transfer.upload(io.BytesIO(content), drive, 0, len(content), compare='content',
                            before_write=lambda: calls.append(1))
    assert [w[0] for w in drive.writes] == [CHUNK]
    assert (stats.written, stats.skipped) == (1, 2)
    assert bytes(drive.data[:len(content)]) == content
    assert calls == [1]


def test_upload_compare_content_on_equal_drive_writes_nothing(content):
    drive = FakeDrive(len(content))
    drive.data[:] = content
    calls = []
    stats = transfer.upload(io.BytesIO(content), drive, 0, len(content), compare='content',
                            before_write=lambda: calls.append(1))
    assert drive.writes == [] and calls == [] and stats.skipped == 3


def test_dry_run_never_writes(content):
    drive = FakeDrive(len(content))
    stats = transfer.upload(io.BytesIO(content), drive, 0, len(content), dry_run=True)
    assert drive.writes == [] and drive.reads == [] and stats.written == 3
    stats = transfer.upload(io.BytesIO(content), drive, 0, len(content), compare='content', dry_run=True)
    assert drive.writes == [] and len(drive.reads) == 3 and stats.written == 3


def test_failed_upload_reports_the_resume_offset_and_resumes(content):
    drive = FakeDrive(len(content), fail_writes=[CHUNK], delay=0.002)
    with pytest.raises(transfer.TransferError) as err:
        transfer.upload(io.BytesIO(content), drive, 0, len(content), parallel=4)
    assert err.value.resume_offset == CHUNK
    assert isinstance(err.value.cause, IOError)
    assert 'stopped at byte %d' % CHUNK in str(err.value)
    assert err.value.stats.confirmed == CHUNK
    assert bytes(drive.data[:CHUNK]) == content[:CHUNK]

    drive.fail_writes = set()
    hasher = transfer.hash_range(io.BytesIO(content), 0, err.value.resume_offset)
    stats = transfer.upload(io.BytesIO(content), drive, err.value.resume_offset, len(content), hasher=hasher)
    assert bytes(drive.data) == content
    assert stats.chunks == 2
    assert hasher.hexdigest() == hashlib.sha256(content).hexdigest()


def test_failure_on_the_first_chunk_resumes_at_the_start(content):
    drive = FakeDrive(len(content), fail_writes=[2 * CHUNK])
    with pytest.raises(transfer.TransferError) as err:
        transfer.upload(io.BytesIO(content), drive, CHUNK + 5, len(content))
    assert err.value.resume_offset == 2 * CHUNK     # chunk [CHUNK+5, 2*CHUNK) was confirmed
    drive = FakeDrive(len(content), fail_writes=[CHUNK + 5])
    with pytest.raises(transfer.TransferError) as err:
        transfer.upload(io.BytesIO(content), drive, CHUNK + 5, len(content))
    assert err.value.resume_offset == CHUNK + 5


def test_verify_detects_corruption(content):
    drive = FakeDrive(len(content), corrupt=True)
    with pytest.raises(transfer.TransferError) as err:
        transfer.upload(io.BytesIO(content), drive, 0, len(content))
    assert isinstance(err.value.cause, transfer.ChunkMismatch)
    assert err.value.resume_offset == 0


def test_a_failing_before_write_stops_before_any_write(content):
    drive = FakeDrive(len(content))

    def refuse():
        raise IOError('cannot clear the marker')
    with pytest.raises(transfer.TransferError) as err:
        transfer.upload(io.BytesIO(content), drive, 0, len(content), before_write=refuse)
    assert drive.writes == [] and err.value.resume_offset == 0


def test_a_file_that_shrinks_fails_cleanly(content):
    drive = FakeDrive(len(content))
    with pytest.raises(transfer.TransferError) as err:
        transfer.upload(io.BytesIO(content[:CHUNK + 10]), drive, 0, len(content))
    assert err.value.resume_offset == CHUNK
    assert 'changed during the transfer' in str(err.value)


def test_upload_of_an_empty_range_does_nothing():
    drive = FakeDrive(10)
    stats = transfer.upload(io.BytesIO(b''), drive, 0, 0)
    assert stats.chunks == 0 and drive.writes == [] and stats.confirmed == 0


def test_incompressible_chunks_are_sent_raw():
    data = os.urandom(CHUNK + 100)
    drive = FakeDrive(len(data))
    stats = transfer.upload(io.BytesIO(data), drive, 0, len(data), level=1)
    assert [w[2] for w in sorted(drive.writes)] == [False, False]
    assert stats.gzipped == 0 and stats.wire_bytes == len(data)
    assert bytes(drive.data) == data


# -- download -------------------------------------------------------------------------------------

def test_download_in_order_with_hash(content):
    drive = FakeDrive(len(content), delay=0.002)
    drive.data[:] = content
    sink = io.BytesIO()
    hasher = hashlib.sha256()
    stats = transfer.download(drive, sink, 0, len(content), parallel=4, hasher=hasher)
    assert sink.getvalue() == content
    assert hasher.hexdigest() == hashlib.sha256(content).hexdigest()
    assert stats.written == 3 and stats.payload_bytes == len(content)


def test_failed_download_keeps_exactly_the_confirmed_prefix(content):
    drive = FakeDrive(len(content), fail_reads=[2 * CHUNK], delay=0.002)
    drive.data[:] = content
    sink = io.BytesIO()
    with pytest.raises(transfer.TransferError) as err:
        transfer.download(drive, sink, 0, len(content), parallel=4)
    assert err.value.resume_offset == 2 * CHUNK
    assert sink.getvalue() == content[:2 * CHUNK]
    drive.fail_reads = set()
    transfer.download(drive, sink, err.value.resume_offset, len(content))
    assert sink.getvalue() == content


def test_short_read_is_an_error(content):
    drive = FakeDrive(len(content), short=True)
    with pytest.raises(transfer.TransferError) as err:
        transfer.download(drive, io.BytesIO(), 0, len(content))
    assert isinstance(err.value.cause, transfer.ChunkMismatch)
    assert err.value.resume_offset == 0


def test_stats_figures():
    stats = transfer.TransferStats(0, 10, CHUNK)
    assert stats.ratio == 1.0 and stats.throughput == 0.0
    stats.payload_bytes, stats.wire_bytes = 100, 25
    stats.stop()
    data = stats.as_dict()
    assert data['compression_ratio'] == 0.25 and data['chunks'] == 1


def test_incompressibility_probe():
    noise = os.urandom(CHUNK)
    assert transfer.looks_incompressible(noise)
    mixed = noise[:3 * MIB] + b'\0' * MIB                # one compressible slice is enough to try
    assert not transfer.looks_incompressible(mixed)
    assert not transfer.looks_incompressible(b'text ' * (CHUNK // 5))
    assert not transfer.looks_incompressible(os.urandom(1000))   # too small to sample: just try
    payload, gzipped = transfer.encode_chunk(mixed, 1)
    assert gzipped and len(payload) < len(mixed) and transfer.gunzip(payload) == mixed
