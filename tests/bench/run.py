# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``make bench``: measure, print, never assert.

Runs against a simulator that is already running (``--ready-file``, as
``make sim-start`` writes it) and prints the figures that docs/performance.md
quotes.  Results are also written as JSON to ``--output``.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import subprocess
import sys
import time

try:
    from urllib.request import Request, urlopen
except ImportError:  # pragma: no cover
    raise SystemExit('python 3 is required')

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from simfile import load_sim_file  # noqa: E402  pylint: disable=wrong-import-position


def admin(sim, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = Request(sim['sim_url'] + path, data=data, method=method, headers={'Content-Type': 'application/json'})
    with urlopen(req, timeout=60) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else {}


def summary(sim):
    return admin(sim, 'GET', '/_sim/requests?service=crosspeer')['summary']


def playbook(args, sim, path, *extra):
    env = dict(os.environ)
    env.update(ANSIBLE_COLLECTIONS_PATH=args.collections_path, CROSSPEER_API_URL=sim['crosspeer_api_url'],
               CROSSPEER_API_USER=sim['crosspeer_api_user'], CROSSPEER_API_KEY=sim['crosspeer_api_key'],
               ANSIBLE_PYTHON_INTERPRETER=os.path.join(args.ansible_bin_dir, 'python'),
               ANSIBLE_STDOUT_CALLBACK='default', ANSIBLE_NOCOLOR='1')
    cmd = [os.path.join(args.ansible_bin_dir, 'ansible-playbook'), path] + list(extra)
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    elapsed = time.monotonic() - start
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:])
        raise SystemExit('%s failed (rc=%d)' % (path, proc.returncode))
    return elapsed


def bench_demo_rerun(args, sim):
    """(a) reads and writes of an idempotent re-run of the demo playbook."""
    admin(sim, 'POST', '/_sim/reset', {'service': 'crosspeer'})
    admin(sim, 'POST', '/_sim/config', {'service': 'crosspeer', 'imaging_seconds': 0.5})
    demo = os.path.join('playbooks', 'demo.yml')
    inv = ['-i', os.path.join('playbooks', 'inventory', 'demo.crosspeer.yml')]
    playbook(args, sim, demo, '--skip-tags', 'teardown', *inv)
    first = summary(sim)
    admin(sim, 'DELETE', '/_sim/requests')
    playbook(args, sim, demo, '--skip-tags', 'teardown', *inv)
    second = summary(sim)
    playbook(args, sim, demo, '--tags', 'teardown', *inv)
    return dict(first_run_reads=first['reads'], first_run_writes=first['writes'],
                rerun_reads=second['reads'], rerun_writes=second['writes'])


def bench_drives(args, sim, count=100):
    """(b) wall time to converge N drives: a loop of the module, one fleet task, ansible.builtin.uri."""
    out = {}
    for label, path in (('modules', 'drives_modules.yml'), ('fleet', 'drives_fleet.yml'), ('uri', 'drives_uri.yml')):
        admin(sim, 'POST', '/_sim/reset', {'service': 'crosspeer'})
        pb = os.path.join(HERE, path)
        out[label + '_create_s'] = playbook(args, sim, pb, '-e', 'bench_count=%d' % count)
        admin(sim, 'DELETE', '/_sim/requests')
        out[label + '_converged_s'] = playbook(args, sim, pb, '-e', 'bench_count=%d' % count)
        out[label + '_converged_writes'] = summary(sim)['writes']
        out[label + '_converged_requests'] = summary(sim)['total']
    out['ratio_create'] = out['modules_create_s'] / out['uri_create_s']
    out['ratio_converged'] = out['modules_converged_s'] / out['uri_converged_s']
    out['fleet_speedup_create'] = out['uri_create_s'] / out['fleet_create_s']
    out['fleet_ratio_converged'] = out['fleet_converged_s'] / out['uri_converged_s']
    out['count'] = count
    return out


def service_bench(args, service, workdir):
    """The benchmarks of a service in their own script (tests/bench/bench_<service>.py); it prints its figures."""
    print('(%s) tests/bench/bench_%s.py' % (service, service))
    sys.stdout.flush()
    cmd = [sys.executable, os.path.join(HERE, 'bench_%s.py' % service), '--sim-file', args.ready_file,
           '--ansible-bin-dir', args.ansible_bin_dir, '--collections-path', args.collections_path,
           '--workdir', os.path.join(workdir, service)]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, check=False)
    return dict(returncode=proc.returncode, seconds=round(time.monotonic() - started, 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--ready-file', required=True)
    parser.add_argument('--ansible-bin-dir', required=True)
    parser.add_argument('--collections-path', required=True)
    parser.add_argument('--output', default=os.path.join(ROOT, '.bench', 'results.json'))
    parser.add_argument('--only', action='append',
                        choices=['demo', 'drives', 'inventory', 'transfer', 'acronis_token', 'acronis_inventory',
                                 'cpm', 'cpm_restore', 'rax_backup', 'cloudendure'])
    args = parser.parse_args()
    sim = load_sim_file(args.ready_file)
    workdir = os.path.join(ROOT, '.bench')
    if not os.path.isdir(workdir):
        os.makedirs(workdir)
    wanted = args.only or ['demo', 'drives', 'inventory', 'transfer', 'acronis_token', 'acronis_inventory',
                           'cpm', 'cpm_restore', 'rax_backup', 'cloudendure']
    results = {}
    if 'demo' in wanted:
        results['demo_rerun'] = bench_demo_rerun(args, sim)
        print('(a) demo re-run: %(rerun_reads)d reads, %(rerun_writes)d writes '
              '(first run: %(first_run_reads)d reads, %(first_run_writes)d writes)' % results['demo_rerun'])
    if 'drives' in wanted:
        results['drives'] = bench_drives(args, sim)
        print('(b) %(count)d drives, create: modules %(modules_create_s).1fs vs uri %(uri_create_s).1fs '
              '(ratio %(ratio_create).2f); converged re-run: modules %(modules_converged_s).1fs '
              '(%(modules_converged_writes)d writes, %(modules_converged_requests)d requests) vs uri '
              '%(uri_converged_s).1fs (%(uri_converged_writes)d writes, %(uri_converged_requests)d requests) '
              '(ratio %(ratio_converged).2f)' % results['drives'])
        print('(b) %(count)d drives in one crosspeer_drives task: create %(fleet_create_s).1fs (%(fleet_speedup_create).1fx '
              'faster than the uri playbook); converged re-run %(fleet_converged_s).1fs (%(fleet_converged_writes)d writes, '
              '%(fleet_converged_requests)d requests; %(fleet_ratio_converged).2f of the uri playbook\'s time)' % results['drives'])
    if 'inventory' in wanted:
        import bench_inventory  # pylint: disable=import-outside-toplevel
        admin(sim, 'POST', '/_sim/reset', {'service': 'crosspeer'})
        inv = results['inventory'] = bench_inventory.run(sim, workdir, ansible_bin_dir=args.ansible_bin_dir,
                                                         collections_path=args.collections_path)
        print('(c) inventory of %d servers: uncached %.1fs wall (%d request), cached %.1fs wall (%d requests, '
              'cache rewritten: %s); ansible-inventory with no plugin: %.1fs' % (
                  inv['count'], inv['uncached']['wall_best'], inv['uncached']['requests'],
                  inv['cache_hit']['wall_best'], inv['cache_hit']['requests'], inv['cache_hit']['cache_rewritten'],
                  inv['baseline']['wall_best']))
    if 'transfer' in wanted:
        import bench_transfer  # pylint: disable=import-outside-toplevel
        admin(sim, 'POST', '/_sim/reset', {'service': 'crosspeer'})
        xfer = results['transfer'] = bench_transfer.run(sim, workdir)
        print('(d) upload of a 256 MiB file: module pipeline (gzip level 1, 4 in flight, verify on) %.0f MiB/s, '
              'without verify %.0f MiB/s; the same gzip\'d bytes over one requests stream %.0f MiB/s '
              '(compression not timed); with 50 ms latency per request: pipeline %.0f MiB/s vs stream %.0f MiB/s' % (
                  xfer['pipeline_default_l1_p4_verify']['mib_s'], xfer['pipeline_l1_p4']['mib_s'],
                  xfer['baseline_sequential_requests_l1']['mib_s'], xfer['latency_50ms']['pipeline_l1_p4']['mib_s'],
                  xfer['latency_50ms']['baseline_sequential_requests_l1']['mib_s']))
    if 'acronis_token' in wanted or 'acronis_inventory' in wanted:
        import bench_acronis  # pylint: disable=import-outside-toplevel
    if 'acronis_token' in wanted:
        tok = results['acronis_token'] = bench_acronis.run_token(
            sim, workdir, ansible_bin_dir=args.ansible_bin_dir, collections_path=args.collections_path)
        print('(e) Acronis DR, 50 info tasks with client credentials and a fresh token cache: %d token request(s), '
              '%d requests in all, %.1fs; 10 hosts x 5 tasks, forks 10: %d token request(s), %d requests; '
              'token_cache=false: %d token requests, %d requests' % (
                  tok['sequential']['token_requests'], tok['sequential']['requests'], tok['sequential']['wall'],
                  tok['forks_10']['token_requests'], tok['forks_10']['requests'],
                  tok['no_token_cache']['token_requests'], tok['no_token_cache']['requests']))
    if 'acronis_inventory' in wanted:
        acr = results['acronis_inventory'] = bench_acronis.run_inventory(
            sim, workdir, ansible_bin_dir=args.ansible_bin_dir, collections_path=args.collections_path)
        print('(f) Acronis DR inventory of %d servers (%d pages), %d ms per request: uncached %.1fs wall '
              '(%d requests, floor %d x %d ms = %.1fs), cached %.1fs wall (%d requests, cache rewritten: %s); '
              'ansible-inventory with no plugin: %.1fs' % (
                  acr['count'], acr['pages'], acr['latency_s'] * 1000, acr['uncached']['wall_best'],
                  acr['uncached']['requests'], acr['uncached']['requests'], acr['latency_s'] * 1000,
                  acr['floor_requests_s'], acr['cache_hit']['wall_best'], acr['cache_hit']['requests'],
                  acr['cache_hit']['cache_rewritten'], acr['baseline']['wall_best']))
    for service in ('cpm', 'cpm_restore', 'rax_backup', 'cloudendure'):
        if service in wanted:
            results[service] = service_bench(args, service, workdir)
    with open(args.output, 'w') as handle:
        json.dump(results, handle, indent=2, sort_keys=True)
    print('results written to %s' % os.path.relpath(args.output, ROOT))


if __name__ == '__main__':
    main()
