# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the drive transfer pipeline against the simulator.

``run(sim, workdir)`` creates a 256 MiB file (1 MiB blocks alternating random
bytes and compressible text), then uploads it in-process with the pipeline
of ``plugins/module_utils/transfer.py`` (the module's own ``DriveTarget``)
under several settings, and as a baseline sends the very same encoded chunk
bytes sequentially over one ``requests`` session (compression not timed).
It returns and prints seconds, MiB/s and compression ratios.

Standalone::

    python tests/bench/bench_transfer.py --sim-file .sim/ready.json

``sim`` holds the keys of the sim file: crosspeer_api_url, crosspeer_api_user,
crosspeer_api_key (and sim_url, unused).
"""

from __future__ import absolute_import, division, print_function

import argparse
import importlib
import json
import os
import random
import sys
import tempfile
import threading
import time

from simfile import load_sim_file

MIB = 1024 * 1024
FILE_SIZE = 256 * MIB


def _import_collection():
    """Make ``ansible_collections.backupdr.cloud`` importable from this checkout."""
    try:
        importlib.import_module('ansible_collections.backupdr.cloud')
        return
    except ImportError:
        pass
    root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
    parts = root.split(os.sep)
    if len(parts) >= 3 and parts[-3:-1] == ['ansible_collections', 'backupdr']:
        sys.path.insert(0, os.sep.join(parts[:-3]))
        return
    base = tempfile.mkdtemp(prefix='bench-coll-')
    os.makedirs(os.path.join(base, 'ansible_collections', 'backupdr'))
    os.symlink(root, os.path.join(base, 'ansible_collections', 'backupdr', 'cloud'))
    sys.path.insert(0, base)


_import_collection()

# pylint: disable=wrong-import-position
from ansible_collections.backupdr.cloud.plugins.module_utils import transfer  # noqa: E402
from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import CrossPeerClient  # noqa: E402
from ansible_collections.backupdr.cloud.plugins.modules.crosspeer_drive_transfer import DriveTarget  # noqa: E402


def make_file(path, size=FILE_SIZE, seed=7):
    """Alternating 1 MiB blocks of random bytes and log-like text."""
    rnd = random.Random(seed)
    words = [b'backup', b'drive', b'server', b'kernel:', b'eth0', b'INFO', b'WARN', b'sda1', b'mount', b'ok']
    texts = []
    for variant in range(8):  # a few distinct text blocks (gzip's window is 32 KiB: repeats gain nothing)
        lines, length = [], 0
        while length < MIB:
            line = b'%08d %s\n' % (variant * 100000 + len(lines), b' '.join(rnd.choice(words) for dummy in range(8)))
            lines.append(line)
            length += len(line)
        texts.append(b''.join(lines)[:MIB])
    with open(path, 'wb') as out:
        for index in range(size // MIB):
            if index % 2:
                out.write(rnd.randbytes(MIB) if hasattr(rnd, 'randbytes') else os.urandom(MIB))
            else:
                out.write(texts[(index // 2) % len(texts)])
    return path


class PeakRss:
    """Sample this process's resident set size while a block runs (Linux /proc)."""

    def __init__(self, interval=0.02):
        self.interval = interval
        self.peak = 0
        self.base = 0
        self._stop = threading.Event()
        self._thread = None

    @staticmethod
    def rss():
        try:
            with open('/proc/self/statm') as statm:
                return int(statm.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')
        except (OSError, ValueError):
            return 0

    def _sample(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)

    def __enter__(self):
        self.base = self.peak = self.rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    @property
    def growth_mib(self):
        return round((self.peak - self.base) / float(MIB), 1)


def client_for(sim, retries=5):
    return CrossPeerClient(dict(api_url=sim['crosspeer_api_url'], api_user=sim['crosspeer_api_user'],
                                api_key=sim['crosspeer_api_key'], api_timeout=120, validate_certs=True,
                                ca_path=None, api_retries=retries, api_retry_max_delay=5.0))


def figure(seconds, payload, wire=None, **extra):
    out = dict(seconds=round(seconds, 3), mib_s=round(payload / MIB / seconds, 1) if seconds > 0 else None)
    if wire is not None:
        out['ratio'] = round(wire / float(payload), 4) if payload else None
    out.update(extra)
    return out


def bench_compression(path, levels=(1, 6, 9), sample_mib=32):
    """CPU only: gzip throughput and ratio per level on the first ``sample_mib`` MiB (one thread)."""
    with open(path, 'rb') as src:
        data = src.read(sample_mib * MIB)
    out = {}
    for level in levels:
        started = time.monotonic()
        wire = 0
        for pos in range(0, len(data), transfer.CHUNK_SIZE):
            wire += len(transfer.encode_chunk(data[pos:pos + transfer.CHUNK_SIZE], level)[0])
        out['level_%d' % level] = figure(time.monotonic() - started, len(data), wire)
    return out


def bench_upload(client, drive, path, size, **options):
    """One upload through the pipeline; returns figures."""
    target = DriveTarget(client, drive)
    before = dict(client.http.stats)
    with open(path, 'rb') as source, PeakRss() as mem:
        started = time.monotonic()
        stats = transfer.upload(source, target, 0, size, **options)
        seconds = time.monotonic() - started
    requests_sent = client.http.stats['requests'] - before['requests']
    return figure(seconds, stats.payload_bytes, stats.wire_bytes, requests=requests_sent, rss_growth_mib=mem.growth_mib)


def bench_download(client, drive, size, workdir, parallel):
    target = DriveTarget(client, drive)
    dest = os.path.join(workdir, 'bench-download.raw')
    with open(dest, 'wb') as sink, PeakRss() as mem:
        started = time.monotonic()
        stats = transfer.download(target, sink, 0, size, parallel=parallel)
        seconds = time.monotonic() - started
    os.remove(dest)
    return figure(seconds, stats.payload_bytes, rss_growth_mib=mem.growth_mib)


def bench_baseline(sim, drive, path, size, level):
    """The same encoded chunks, sent one after the other over one requests session (not timing gzip)."""
    import requests
    chunks = []
    with open(path, 'rb') as src:
        for offset, length in transfer.plan_chunks(0, size):
            chunks.append((offset,) + transfer.encode_chunk(src.read(length), level))
    session = requests.Session()
    session.auth = (sim['crosspeer_api_user'], sim['crosspeer_api_key'])
    url = sim['crosspeer_api_url'].rstrip('/') + '/drives/%s/write/%d'
    wire = 0
    started = time.monotonic()
    for offset, payload, gzipped in chunks:
        headers = {'Content-Type': 'application/octet-stream'}
        if gzipped:
            headers['Content-Encoding'] = 'gzip'
        response = session.post(url % (drive, offset), data=payload, headers=headers, timeout=120)
        response.raise_for_status()
        wire += len(payload)
    seconds = time.monotonic() - started
    return figure(seconds, size, wire, requests=len(chunks))


def set_latency(sim, seconds):
    import requests
    requests.post(sim['sim_url'].rstrip('/') + '/_sim/latency', json=dict(service='crosspeer', seconds=seconds),
                  timeout=10).raise_for_status()


def bench_latency(sim, client, drive, path, size):
    """Every request answered 50 ms late (a far-away API): what parallel requests buy."""
    out = {}
    set_latency(sim, 0.05)
    try:
        out['baseline_sequential_requests_l1'] = bench_baseline(sim, drive, path, size, level=1)
        for parallel in (1, 4, 8):
            out['pipeline_l1_p%d' % parallel] = bench_upload(client, drive, path, size, level=1, parallel=parallel,
                                                             verify=False)
    finally:
        set_latency(sim, 0)
    for name, figures in out.items():
        print('latency 50ms %-28s %s' % (name, json.dumps(figures)), flush=True)
    return out


def bench_incompressible(client, drive, workdir):
    """64 MiB of random bytes: the sampling probe skips gzip that would gain nothing."""
    path = os.path.join(workdir, 'bench-random.raw')
    with open(path, 'wb') as out:
        for dummy in range(64):
            out.write(os.urandom(MIB))
    size = os.path.getsize(path)
    out = {}
    try:
        out['with_probe_l1_p4'] = bench_upload(client, drive, path, size, level=1, parallel=4, verify=False)
        probe = transfer.looks_incompressible
        transfer.looks_incompressible = lambda data: False
        try:
            out['without_probe_l1_p4'] = bench_upload(client, drive, path, size, level=1, parallel=4, verify=False)
        finally:
            transfer.looks_incompressible = probe
    finally:
        os.remove(path)
    for name, figures in out.items():
        print('random 64 MiB %-27s %s' % (name, json.dumps(figures)), flush=True)
    return out


def run(sim, workdir):
    """Run every measurement; return a dict of figures (and print it)."""
    path = os.path.join(workdir, 'bench-256m.raw')
    started = time.monotonic()
    make_file(path)
    size = os.path.getsize(path)
    results = dict(file=dict(bytes=size, sha256=transfer.sha256_file(path)[0], generate_seconds=round(time.monotonic() - started, 1)))
    started = time.monotonic()
    transfer.sha256_file(path)
    results['file']['sha256_seconds'] = round(time.monotonic() - started, 2)
    results['gzip_cpu_one_thread'] = bench_compression(path)

    client = client_for(sim)
    drive = client.post('drives/create', {'name': 'bench-transfer', 'size': size + 16 * MIB})['drive']
    try:
        runs = [
            ('pipeline_default_l1_p4_verify', dict(level=1, parallel=4, verify=True)),
            ('pipeline_l1_p4', dict(level=1, parallel=4, verify=False)),
            ('pipeline_l6_p4', dict(level=6, parallel=4, verify=False)),
            ('pipeline_l1_p1', dict(level=1, parallel=1, verify=False)),
            ('pipeline_l1_p8', dict(level=1, parallel=8, verify=False)),
            ('pipeline_raw_l0_p4', dict(level=0, parallel=4, verify=False)),
            ('pipeline_compare_content_equal_p4', dict(level=1, parallel=4, compare='content')),
        ]
        for name, options in runs:
            results[name] = bench_upload(client, drive, path, size, **options)
            print('%-36s %s' % (name, json.dumps(results[name])), flush=True)
        results['download_p4'] = bench_download(client, drive, size, workdir, parallel=4)
        results['baseline_sequential_requests_l1'] = bench_baseline(sim, drive, path, size, level=1)
        base = results['baseline_sequential_requests_l1']['seconds']
        for name, _options in runs:
            results[name]['speedup_vs_baseline'] = round(base / results[name]['seconds'], 2)
        if sim.get('sim_url'):
            results['latency_50ms'] = bench_latency(sim, client, drive, path, size)
        results['incompressible_64m'] = bench_incompressible(client, drive, workdir)
    finally:
        client.post('drives/%s/destroy' % drive, None)
        os.remove(path)
    print(json.dumps(results, indent=1))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--sim-file', required=True, help='the simulator ready file (.sim/ready.json) or a file of its variables')
    parser.add_argument('--workdir', default=None, help='where to create the 256 MiB file (default: a temp dir)')
    args = parser.parse_args(argv)
    sim = load_sim_file(args.sim_file)
    workdir = args.workdir or tempfile.mkdtemp(prefix='bench-transfer-')
    run(sim, workdir)


if __name__ == '__main__':
    main()
