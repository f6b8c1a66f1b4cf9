# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the backupdr.cloud.crosspeer inventory plugin on a large account.

Seeds ``count`` servers in the simulator through its admin API, then times
``ansible-inventory --list``:

* ``baseline``: ``-i localhost,`` (process start-up and output, no plugin);
* ``uncached``: the plugin without a cache;
* ``cache_miss``: the plugin with a jsonfile cache, first run (reads and writes the cache);
* ``cache_hit``: the same again (must send no request and leave the cache file alone);
* ``parse_only``: ``--graph`` without a cache: the plugin's own work, without ansible-core's
  per-host variable processing and JSON output of ``--list``.

Standalone::

    python tests/bench/bench_inventory.py --sim-file .sim/ready.json \\
        --ansible-bin-dir .venv/bin --collections-path .build/collections

Only the standard library is used; the simulator must already run (``make sim-start``).
Resets the simulator's CrossPeer state.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from urllib.request import Request, urlopen

from simfile import load_sim_file

BASE_CONFIG = """plugin: backupdr.cloud.crosspeer
api_url: {crosspeer_api_url}
api_user: {crosspeer_api_user}
api_key: {crosspeer_api_key}
"""
CACHE_CONFIG = """cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: {cache_dir}
cache_timeout: 3600
"""


def admin(sim, method, path, payload=None):
    """Call the simulator's admin API; return the decoded JSON answer."""
    data = None if payload is None else json.dumps(payload).encode('utf-8')
    request = Request(sim['sim_url'].rstrip('/') + path, data=data, method=method,
                      headers={'Content-Type': 'application/json'})
    with urlopen(request, timeout=600) as response:
        body = response.read()
    return json.loads(body.decode('utf-8')) if body else {}


def request_count(sim):
    return admin(sim, 'GET', '/_sim/requests?service=crosspeer')['summary']['total']


def timed_inventory(binary, source, env, output, graph=False):
    """Run ansible-inventory --list (or --graph) once; return (wall seconds, CPU seconds, parsed --list output)."""
    action = ['--graph'] if graph else ['--list', '--output', output]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run([binary, '-i', source] + action, env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError('%s -i %s failed (rc %d): %s' % (binary, source, proc.returncode, proc.stderr[-2000:]))
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if graph:
        return wall, cpu, None
    with open(output, encoding='utf-8') as handle:
        return wall, cpu, json.load(handle)


class Measure:
    """Runs of one kind: wall and CPU times, requests made, last output."""

    def __init__(self):
        self.wall, self.cpu, self.requests, self.data = [], [], 0, None

    def run(self, sim, binary, source, env, output, graph=False):
        admin(sim, 'DELETE', '/_sim/requests')
        wall, cpu, self.data = timed_inventory(binary, source, env, output, graph)
        self.wall.append(wall)
        self.cpu.append(cpu)
        self.requests += request_count(sim)

    def figures(self):
        return dict(runs=len(self.wall), requests=self.requests,
                    wall_best=round(min(self.wall), 3), wall_median=round(statistics.median(self.wall), 3),
                    cpu_best=round(min(self.cpu), 3), cpu_median=round(statistics.median(self.cpu), 3))


def host_count(data):
    return len(data.get('_meta', {}).get('hostvars', {}))


def run(sim, workdir, count=5000, ansible_bin_dir=None, collections_path=None, repeat=1):
    """Seed ``count`` servers and time the inventory; returns a dict of figures.

    ``sim`` holds the simulator variables (``sim_url``, ``crosspeer_api_url``,
    ``crosspeer_api_user``, ``crosspeer_api_key``), as tests/bench/simfile.py reads them.
    The kinds are run round-robin ``repeat`` times, so that a load change on the
    machine affects them alike; CPU seconds (of the ansible-inventory process)
    are less sensitive to load than wall seconds.
    """
    binary = os.path.join(ansible_bin_dir, 'ansible-inventory') if ansible_bin_dir else \
        shutil.which('ansible-inventory')
    if not binary or not os.path.exists(binary):
        raise RuntimeError('ansible-inventory not found (give ansible_bin_dir)')
    env = dict(os.environ, ANSIBLE_INVENTORY_UNPARSED_FAILED='true', ANSIBLE_INVENTORY_ENABLED='auto,host_list',
               ANSIBLE_NOCOLOR='true')
    if collections_path:
        env['ANSIBLE_COLLECTIONS_PATH'] = collections_path
    if not os.path.isdir(workdir):
        os.makedirs(workdir)
    cache_dir = os.path.join(workdir, 'cache')
    shutil.rmtree(cache_dir, ignore_errors=True)
    plain = os.path.join(workdir, 'bench.crosspeer.yml')
    cached = os.path.join(workdir, 'bench_cached.crosspeer.yml')
    with open(plain, 'w', encoding='utf-8') as handle:
        handle.write(BASE_CONFIG.format(**sim))
    with open(cached, 'w', encoding='utf-8') as handle:
        handle.write(BASE_CONFIG.format(**sim) + CACHE_CONFIG.format(cache_dir=cache_dir))
    output = os.path.join(workdir, 'inventory.json')

    admin(sim, 'POST', '/_sim/reset', {'service': 'crosspeer'})
    start = time.monotonic()
    admin(sim, 'POST', '/_sim/seed', {'service': 'crosspeer', 'servers': count})
    seed_seconds = round(time.monotonic() - start, 3)

    kinds = dict(baseline=Measure(), uncached=Measure(), cache_miss=Measure(), cache_hit=Measure(),
                 parse_only=Measure())
    kinds['cache_miss'].run(sim, binary, cached, env, output)  # writes the cache the hits read
    cache_files = [os.path.join(cache_dir, name) for name in os.listdir(cache_dir)]
    mtimes = [os.stat(path).st_mtime for path in cache_files]
    for dummy in range(repeat):
        kinds['baseline'].run(sim, binary, 'localhost,', env, output)
        kinds['uncached'].run(sim, binary, plain, env, output)
        kinds['cache_hit'].run(sim, binary, cached, env, output)
        kinds['parse_only'].run(sim, binary, plain, env, output, graph=True)
    figures = dict((name, measure.figures()) for name, measure in kinds.items())
    figures.update(count=count, seed_seconds=seed_seconds,
                   cache_bytes=sum(os.path.getsize(path) for path in cache_files))
    figures['uncached']['hosts'] = host_count(kinds['uncached'].data)
    figures['cache_hit']['hosts'] = host_count(kinds['cache_hit'].data)
    figures['cache_hit']['same_output'] = kinds['cache_hit'].data == kinds['uncached'].data
    figures['cache_hit']['cache_rewritten'] = [os.stat(path).st_mtime for path in cache_files] != mtimes
    # Best CPU seconds added to a bare ansible-inventory run: by the plugin alone (--graph),
    # and by the whole --list (the plugin plus ansible-core's per-host variables and JSON output).
    base = figures['baseline']['cpu_best']
    figures['added_cpu'] = dict(plugin_parse=round(figures['parse_only']['cpu_best'] - base, 3),
                                list_uncached=round(figures['uncached']['cpu_best'] - base, 3),
                                list_cache_hit=round(figures['cache_hit']['cpu_best'] - base, 3))
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--sim-file', required=True, help='the simulator ready file (.sim/ready.json) or a file of its variables')
    parser.add_argument('--ansible-bin-dir', help='directory holding ansible-inventory (default: PATH)')
    parser.add_argument('--collections-path', help='ANSIBLE_COLLECTIONS_PATH holding backupdr.cloud')
    parser.add_argument('--count', type=int, default=5000, help='servers to seed (default 5000)')
    parser.add_argument('--repeat', type=int, default=1, help='rounds of measurements (best and median reported)')
    parser.add_argument('--workdir', help='directory for inventory files, output and cache (default: a temp dir)')
    args = parser.parse_args(argv)
    sim = load_sim_file(args.sim_file)
    workdir = args.workdir or tempfile.mkdtemp(prefix='bench_inventory.')
    try:
        figures = run(sim, workdir, count=args.count, ansible_bin_dir=args.ansible_bin_dir,
                      collections_path=args.collections_path, repeat=args.repeat)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures, indent=2, sort_keys=True))
    hit = figures['cache_hit']
    ok = figures['uncached']['hosts'] == args.count and hit['hosts'] == args.count and hit['requests'] == 0 \
        and hit['same_output'] and not hit['cache_rewritten']
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
