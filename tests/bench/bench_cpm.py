# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmarks of the N2WS Backup & Recovery (CPM) content against the simulator.  Measure and print; never assert.

``play``: tests/bench/cpm_protect.yml (a schedule, an account, a policy with options, DR, copy to S3 and a custom
tag, 10 targets, a policy lookup by resource and a backup before a change), run twice with one token cache:
requests, writes and token requests of each run; the re-run must write nothing.

``tokens``: a play of 50 info tasks (``cpm_schedule_info`` and ``cpm_policy_info`` alternating) with a fresh
token cache: token requests and all requests; the same as 5 tasks on each of 10 hosts with ``forks: 10`` (ten
module processes race for the first token); and with ``token_cache: false`` (what the cache saves).

``targets``: 200 instances made targets of a policy with one ``cpm_policy_targets`` task
(tests/bench/cpm_targets_modules.yml) against the same job written with ``ansible.builtin.uri``
(tests/bench/cpm_targets_uri.yml): wall time and requests, creating and converged.

``inventory``: ``ansible-inventory --list`` on a ``backupdr.cloud.cpm`` source over ``count`` protected resources
(seeded: 5,000 instances in 100 policies over 3 accounts), ``latency`` seconds added to every CPM request:
no plugin (baseline), uncached (empty token cache each run), cache miss and cache hit (jsonfile), next to the
floor (every request one after the other: requests x latency; and the plugin's parallel reads: the 4 sequential
requests, then the per-policy reads 8 at a time).

Standalone::

    python tests/bench/bench_cpm.py --sim-file .sim/ready.json \\
        --ansible-bin-dir .venv/bin --collections-path .build/collections [--only play|targets|inventory]

Only the standard library is used; the simulator must already run (``make sim-start``).  Resets the simulator's
CPM state.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from bench_inventory import Measure, admin, host_count, timed_inventory
from simfile import from_ready

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SERVICE = 'cpm'
#: The plugin's per-policy reads run this many at a time (its parallel_requests default).
WORKERS = 8
INVENTORY_CONFIG = """plugin: backupdr.cloud.cpm
api_url: {cpm_api_url}
token_cache_dir: {token_dir}
"""
CACHE_CONFIG = """cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: {cache_dir}
cache_timeout: 3600
"""


def load_vars(path):
    """The simulator's variables, with the CPM ones, from a ready file or a flat variables file."""
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    try:
        data = json.loads(text)
    except ValueError:
        import yaml  # pylint: disable=import-outside-toplevel
        data = yaml.safe_load(text)
    if 'services' not in data:
        return data
    flat = from_ready(data)
    cpm = data['services'].get(SERVICE) or {}
    flat.update(cpm.get('vars') or {})
    return flat


def request_log(sim):
    return admin(sim, 'GET', '/_sim/requests?service=%s' % SERVICE)


def token_requests(requests):
    return sum(1 for r in requests if '/api/token/' in r['path'])


def summary(sim):
    log = request_log(sim)
    requests = log['requests']
    writes = [r for r in requests if r['write'] and '/api/token/' not in r['path']]
    return dict(requests=log['summary']['total'], reads=log['summary']['reads'], writes=len(writes),
                token_requests=token_requests(requests))


def playbook(sim, args, path, env, *extra):
    python = os.path.join(args.ansible_bin_dir, 'python') if args.ansible_bin_dir else sys.executable
    binary = os.path.join(args.ansible_bin_dir, 'ansible-playbook') if args.ansible_bin_dir else 'ansible-playbook'
    full = dict(os.environ, CPM_API_URL=sim['cpm_api_url'], CPM_API_KEY=sim['cpm_api_key'],
                ANSIBLE_PYTHON_INTERPRETER=python, ANSIBLE_NOCOLOR='1', ANSIBLE_STDOUT_CALLBACK='default',
                ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    if args.collections_path:
        full['ANSIBLE_COLLECTIONS_PATH'] = args.collections_path
    full.update(env)
    admin(sim, 'DELETE', '/_sim/requests?service=%s' % SERVICE)
    start = time.monotonic()
    proc = subprocess.run([binary, path] + list(extra), env=full, cwd=ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, check=False)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:])
        raise RuntimeError('%s failed (rc=%d)' % (path, proc.returncode))
    return dict(summary(sim), wall=round(wall, 2))


def estate(sim, account):
    return admin(sim, 'GET', '/_sim/cpm/inventory?account=%s' % account)['resources']


def write_json(path, data):
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(data, handle)
    return path


def run_play(sim, args, workdir):
    """(a) requests, writes and tokens of a protection play, then of its idempotent re-run."""
    admin(sim, 'POST', '/_sim/reset', {'service': SERVICE})
    admin(sim, 'POST', '/_sim/config', {'service': SERVICE, 'backup_seconds': 0.3, 'dr_seconds': 0.1,
                                        's3_copy_seconds': 0.1})
    resources = estate(sim, 1)
    instances = [r for r in resources if r['kind'] == 'instances']
    volumes = [r for r in resources if r['kind'] == 'volumes']
    targets = [dict(kind='instance', region=r['region'], id=r['aws_id']) for r in instances]
    targets += [dict(kind='volume', region=r['region'], id=r['aws_id']) for r in volumes][:10 - len(targets)]
    extra = write_json(os.path.join(workdir, 'targets.json'), dict(cpm_bench_targets=targets))
    token_dir = os.path.join(workdir, 'play_tokens')
    shutil.rmtree(token_dir, ignore_errors=True)
    env = dict(BACKUPDR_TOKEN_CACHE_DIR=token_dir)
    path = os.path.join(HERE, 'cpm_protect.yml')
    first = playbook(sim, args, path, env, '-e', '@' + extra)
    second = playbook(sim, args, path, env, '-e', '@' + extra)
    return dict(tasks=6, targets=len(targets), first_run=first, rerun=second)


def write_token_play(path, tasks=50, hosts=1):
    lines = ['---', '- name: CPM reads', '  hosts: bench', '  connection: local', '  gather_facts: false', '  tasks:']
    for index in range(tasks):
        module = 'cpm_policy_info' if index % 2 else 'cpm_schedule_info'
        lines += ['    - name: Read %d' % index, '      backupdr.cloud.%s:' % module]
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('\n'.join(lines) + '\n')
    inventory = path + '.hosts'
    with open(inventory, 'w', encoding='utf-8') as handle:
        handle.write('[bench]\n' + ''.join('bench-%02d\n' % i for i in range(hosts)))
    return inventory


def run_tokens(sim, args, workdir):
    """Token requests of 50-task plays (see the module docstring)."""
    admin(sim, 'POST', '/_sim/reset', {'service': SERVICE})
    out = {}
    for label, tasks, hosts, forks, cache in (('sequential', 50, 1, 1, 'true'), ('forks_10', 5, 10, 10, 'true'),
                                              ('no_token_cache', 50, 1, 1, 'false')):
        token_dir = os.path.join(workdir, 'tokens_' + label)
        shutil.rmtree(token_dir, ignore_errors=True)
        play = os.path.join(workdir, 'cpm_tokens_%s.yml' % label)
        inventory = write_token_play(play, tasks, hosts)
        figures = playbook(sim, args, play, dict(BACKUPDR_TOKEN_CACHE_DIR=token_dir, BACKUPDR_TOKEN_CACHE=cache,
                                                 ANSIBLE_FORKS=str(forks)), '-i', inventory)
        out[label] = dict(figures, tasks=tasks * hosts, hosts=hosts, forks=forks)
    return out


def run_targets(sim, args, workdir, count=200):
    """(b) ``count`` targets: one module task against a ``uri`` loop, creating and converged."""
    out = dict(count=count)
    for label, name in (('modules', 'cpm_targets_modules.yml'), ('uri', 'cpm_targets_uri.yml')):
        admin(sim, 'POST', '/_sim/reset', {'service': SERVICE})
        seeded = admin(sim, 'POST', '/_sim/seed', {'service': SERVICE, 'resources': count, 'kind': 'instances',
                                                   'accounts': 1, 'policies': 1, 'regions': ['us-east-1'],
                                                   'backed_up': 0, 'failed': 0, 'prefix': 'fleet'})
        account = seeded['accounts'][0]
        fleet = [dict(kind='instance', region=r['region'], id=r['aws_id']) for r in estate(sim, account)
                 if r['kind'] == 'instances']
        extra = write_json(os.path.join(workdir, 'fleet.json'), dict(cpm_bench_fleet=fleet))
        token_dir = os.path.join(workdir, 'targets_tokens')
        shutil.rmtree(token_dir, ignore_errors=True)
        env = dict(BACKUPDR_TOKEN_CACHE_DIR=token_dir)
        policy = os.path.join(workdir, 'cpm_fleet_policy.yml')
        with open(policy, 'w', encoding='utf-8') as handle:
            handle.write('---\n- name: The fleet policy\n  hosts: localhost\n  connection: local\n'
                         '  gather_facts: false\n  tasks:\n    - name: The fleet policy\n'
                         '      backupdr.cloud.cpm_policy:\n        name: bench-fleet\n        account: %d\n' % account)
        try:
            playbook(sim, args, policy, env)
        finally:
            os.remove(policy)
        path = os.path.join(HERE, name)
        out[label + '_create'] = playbook(sim, args, path, env, '-e', '@' + extra)
        out[label + '_converged'] = playbook(sim, args, path, env, '-e', '@' + extra)
    out['ratio_create'] = round(out['modules_create']['wall'] / out['uri_create']['wall'], 2)
    out['ratio_converged'] = round(out['modules_converged']['wall'] / out['uri_converged']['wall'], 2)
    return out


class CPMMeasure(Measure):
    """bench_inventory.Measure counting CPM requests, token requests apart."""

    def __init__(self):
        super(CPMMeasure, self).__init__()
        self.tokens = 0

    def run(self, sim, binary, source, env, output, graph=False):
        admin(sim, 'DELETE', '/_sim/requests?service=%s' % SERVICE)
        wall, cpu, self.data = timed_inventory(binary, source, env, output, graph)
        self.wall.append(wall)
        self.cpu.append(cpu)
        requests = request_log(sim)['requests']
        self.requests += len(requests)
        self.tokens += token_requests(requests)

    def figures(self):
        return dict(super(CPMMeasure, self).figures(), token_requests=self.tokens)


def run_inventory(sim, args, workdir, count=5000, latency=0.02, repeat=1):
    """(c) the inventory of ``count`` protected resources with ``latency`` per request (see the module docstring)."""
    binary = os.path.join(args.ansible_bin_dir, 'ansible-inventory') if args.ansible_bin_dir else \
        shutil.which('ansible-inventory')
    env = dict(os.environ, ANSIBLE_INVENTORY_UNPARSED_FAILED='true', ANSIBLE_INVENTORY_ENABLED='auto,host_list',
               ANSIBLE_NOCOLOR='true', CPM_API_KEY=sim['cpm_api_key'])
    if args.collections_path:
        env['ANSIBLE_COLLECTIONS_PATH'] = args.collections_path
    token_dir = os.path.join(workdir, 'inventory_tokens')
    cache_dir = os.path.join(workdir, 'cpm_cache')
    shutil.rmtree(cache_dir, ignore_errors=True)
    config = INVENTORY_CONFIG.format(token_dir=token_dir, **sim)
    plain = write_text(os.path.join(workdir, 'bench.cpm.yml'), config)
    cached = write_text(os.path.join(workdir, 'bench_cached.cpm.yml'), config + CACHE_CONFIG.format(cache_dir=cache_dir))
    output = os.path.join(workdir, 'cpm_inventory.json')

    admin(sim, 'POST', '/_sim/reset', {'service': SERVICE})
    admin(sim, 'POST', '/_sim/seed', {'service': SERVICE, 'resources': count, 'kind': 'instances'})
    admin(sim, 'POST', '/_sim/latency', {'service': SERVICE, 'seconds': latency})

    def fresh_tokens():
        shutil.rmtree(token_dir, ignore_errors=True)

    try:
        kinds = dict(baseline=CPMMeasure(), uncached=CPMMeasure(), cache_miss=CPMMeasure(), cache_hit=CPMMeasure())
        fresh_tokens()
        kinds['cache_miss'].run(sim, binary, cached, env, output)
        cache_files = [os.path.join(cache_dir, name) for name in os.listdir(cache_dir)]
        mtimes = [os.stat(path).st_mtime for path in cache_files]
        for dummy in range(repeat):
            kinds['baseline'].run(sim, binary, 'localhost,', env, output)
            fresh_tokens()
            kinds['uncached'].run(sim, binary, plain, env, output)
            kinds['cache_hit'].run(sim, binary, cached, env, output)
    finally:
        admin(sim, 'POST', '/_sim/latency', {'service': SERVICE, 'seconds': 0})
    figures = dict((name, measure.figures()) for name, measure in kinds.items())
    per_run = figures['uncached']['requests'] // max(1, len(kinds['uncached'].wall))
    sequential = 4  # token, accounts, policies, schedules
    figures.update(count=count, latency_s=latency, requests_per_run=per_run,
                   floor_serial_s=round(per_run * latency, 3),
                   floor_parallel_s=round((sequential + -(-(per_run - sequential) // WORKERS)) * latency, 3),
                   cache_bytes=sum(os.path.getsize(path) for path in cache_files))
    figures['uncached']['hosts'] = host_count(kinds['uncached'].data)
    figures['cache_hit']['hosts'] = host_count(kinds['cache_hit'].data)
    figures['cache_hit']['same_hosts'] = sorted(kinds['cache_hit'].data['_meta']['hostvars']) == \
        sorted(kinds['uncached'].data['_meta']['hostvars'])
    figures['cache_hit']['cache_rewritten'] = [os.stat(path).st_mtime for path in cache_files] != mtimes
    return figures


def write_text(path, text):
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--sim-file', required=True, help='the simulator ready file (.sim/ready.json) or a file of its variables')
    parser.add_argument('--ansible-bin-dir', help='directory holding ansible-playbook and ansible-inventory (default: PATH)')
    parser.add_argument('--collections-path', help='ANSIBLE_COLLECTIONS_PATH holding backupdr.cloud')
    parser.add_argument('--only', choices=['play', 'tokens', 'targets', 'inventory'], action='append')
    parser.add_argument('--count', type=int, default=5000, help='protected resources in the inventory (default 5000)')
    parser.add_argument('--targets', type=int, default=200, help='targets converged in one task (default 200)')
    parser.add_argument('--latency', type=float, default=0.02, help='seconds added to every request (default 0.02)')
    parser.add_argument('--repeat', type=int, default=1, help='rounds of inventory measurements (best and median)')
    parser.add_argument('--workdir', help='directory for plays, inventory files, output and caches (default: temp)')
    args = parser.parse_args(argv)
    sim = load_vars(args.sim_file)
    wanted = args.only or ['play', 'tokens', 'targets', 'inventory']
    workdir = args.workdir or tempfile.mkdtemp(prefix='bench_cpm.')
    if not os.path.isdir(workdir):
        os.makedirs(workdir)
    figures = {}
    try:
        if 'play' in wanted:
            figures['play'] = run_play(sim, args, workdir)
        if 'tokens' in wanted:
            figures['tokens'] = run_tokens(sim, args, workdir)
        if 'targets' in wanted:
            figures['targets'] = run_targets(sim, args, workdir, args.targets)
        if 'inventory' in wanted:
            figures['inventory'] = run_inventory(sim, args, workdir, args.count, args.latency, args.repeat)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures, indent=2, sort_keys=True))
    return 0


if __name__ == '__main__':
    sys.exit(main())
