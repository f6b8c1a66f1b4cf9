# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the CPM file-level restore against the simulator.  Measure and print; never assert.

A backup of an instance whose root volume holds a file of ``--size-mb`` MiB (the simulator's
``explore_large_file_mb`` knob).  Measured:

``module``: ``backupdr.cloud.cpm_file_restore`` restoring that file (explore session, keep-alive, the zip streamed
to a temporary file, every member's CRC checked and SHA-256 computed while it is extracted, the manifest, the
session closed) in a playbook, minus the wall time of the same playbook with a debug task (Ansible's own cost),
and minus that of a CPM task that sends one read (module start, imports, token: what any CPM task costs); then
the idempotent re-run (no session: the local file's SHA-256 is checked against the manifest).

``stream``: the same zip downloaded with one ``requests`` stream (1 MiB chunks) to a file, nothing else (the
session opened and closed around it, not timed); and that download followed by extracting the zip with
``zipfile`` (what a hand-written restore would do at least).

Standalone::

    python tests/bench/bench_cpm_restore.py --sim-file .sim/ready.json \\
        --ansible-bin-dir .venv/bin --collections-path .build/collections [--size-mb 200]

Needs ``requests`` (the collection's own dependency); resets the simulator's CPM state.
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
import zipfile

import requests

from bench_cpm import admin, load_vars

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SERVICE = 'cpm'
CHUNK = 1024 * 1024
PATH = '/xvda/large.bin'

PLAY = """- name: CPM file-level restore benchmark
  hosts: localhost
  gather_facts: false
  tasks:
    - name: {name}
      {task}
"""
RESTORE = """backupdr.cloud.cpm_file_restore:
        backup: {backup}
        instance: {instance}
        paths: [{path}]
        dest: {dest}
        keep_alive_interval: 30
        token_cache_dir: {tokens}"""
NOOP = """ansible.builtin.debug:
        msg: nothing"""
#: A CPM module that sends one read: what any CPM task costs (module start, imports, the token, one request).
BASELINE = """backupdr.cloud.cpm_freezer_info:
        token_cache_dir: {tokens}"""


class Api:
    """Just enough of the CPM API for the set-up and the baseline (one token, JSON)."""

    def __init__(self, sim):
        self.url = sim['cpm_api_url'].rstrip('/') + '/'
        self.session = requests.Session()
        answer = self.session.post(self.url + 'token/obtain/api_key/', json={'api_key': sim['cpm_api_key']}, timeout=60)
        answer.raise_for_status()
        self.session.headers['Authorization'] = 'Bearer %s' % answer.json()['access']

    def call(self, method, path, body=None, **kwargs):
        answer = self.session.request(method, self.url + path, json=body, timeout=600, **kwargs)
        answer.raise_for_status()
        return answer


def setup(sim, size_mb):
    """A policy with main's first instance, a finished backup; returns (backup id, instance id)."""
    admin(sim, 'POST', '/_sim/reset', {'service': SERVICE})
    admin(sim, 'POST', '/_sim/config', {'service': SERVICE, 'explore_large_file_mb': float(size_mb),
                                        'explore_mount_seconds': 0.1, 'explore_expire_seconds': 0.1})
    instance = [r for r in admin(sim, 'GET', '/_sim/cpm/inventory?account=1')['resources']
                if r['kind'] == 'instances' and r['region'] == 'us-east-1'][0]['aws_id']
    api = Api(sim)
    policy = api.call('POST', 'policies/', {'name': 'bench-restore', 'account': 1}).json()
    api.call('POST', 'policies/%d/targets/instances/' % policy['id'],
             {'aws_region': 'us-east-1', 'aws_resource_id': instance})
    backup = admin(sim, 'POST', '/_sim/cpm/add-backup', {'policy': policy['id'], 'age_seconds': 60})['backup']['id']
    return api, backup, instance


def run_playbook(args, sim, workdir, name, task):
    path = os.path.join(workdir, '%s.yml' % name)
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(PLAY.format(name=name, task=task))
    python = os.path.join(args.ansible_bin_dir, 'python') if args.ansible_bin_dir else sys.executable
    binary = os.path.join(args.ansible_bin_dir, 'ansible-playbook') if args.ansible_bin_dir else 'ansible-playbook'
    env = dict(os.environ, CPM_API_URL=sim['cpm_api_url'], CPM_API_KEY=sim['cpm_api_key'],
               ANSIBLE_PYTHON_INTERPRETER=python, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    if args.collections_path:
        env['ANSIBLE_COLLECTIONS_PATH'] = args.collections_path
    start = time.monotonic()
    proc = subprocess.run([binary, path], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:])
        raise RuntimeError('%s failed (rc=%d)' % (name, proc.returncode))
    return wall


def open_session(api, backup, instance):
    session = api.call('POST', 'explore_sessions/', {'backup_record': backup, 'aws_instance_id': instance}).json()
    while session['status'] != 'N':
        if session['status'] in ('F', 'P', 'S'):
            raise RuntimeError('explore session %s did not open (%s)' % (session['id'], session['status']))
        time.sleep(0.1)
        session = api.call('GET', 'explore_sessions/%d/' % session['id']).json()
    return session['id']


def stream(api, session, target):
    """One requests stream of the zip to ``target``; seconds."""
    start = time.monotonic()
    answer = api.session.post(api.url + 'explore_sessions/%d/download/' % session, json={'paths': [PATH]},
                              headers={'Accept': 'application/zip'}, stream=True, timeout=600)
    answer.raise_for_status()
    with open(target, 'wb') as out:
        for block in answer.iter_content(CHUNK):
            out.write(block)
    answer.close()
    return time.monotonic() - start


def mib_s(size, seconds):
    return round(size / 1048576.0 / seconds, 1) if seconds else None


def run(sim, args, workdir):
    api, backup, instance = setup(sim, args.size_mb)
    size = int(args.size_mb * 1048576)
    dest = os.path.join(workdir, 'restore')
    tokens = os.path.join(workdir, 'tokens')
    task = RESTORE.format(backup=backup, instance=instance, path=PATH, dest=dest, tokens=tokens)
    noop = min(run_playbook(args, sim, workdir, 'noop', NOOP) for dummy in range(2))
    baseline = min(run_playbook(args, sim, workdir, 'baseline', BASELINE.format(tokens=tokens)) for dummy in range(2))
    shutil.rmtree(dest, ignore_errors=True)
    first = run_playbook(args, sim, workdir, 'restore', task)
    rerun = run_playbook(args, sim, workdir, 'restore', task)
    restored = os.path.join(dest, PATH.lstrip('/'))
    if os.path.getsize(restored) != size:
        raise RuntimeError('the restored file has %d bytes, not %d' % (os.path.getsize(restored), size))
    session = open_session(api, backup, instance)
    try:
        zip_path = os.path.join(workdir, 'stream.zip')
        download = min(stream(api, session, zip_path) for dummy in range(2))
        start = time.monotonic()
        stream(api, session, zip_path)
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(os.path.join(workdir, 'extracted'))
        download_extract = time.monotonic() - start
    finally:
        api.call('DELETE', 'explore_sessions/%d/' % session)
    module = max(0.0, first - noop)
    work = max(0.0, first - baseline)
    return dict(size_mb=args.size_mb, ansible_noop_wall=round(noop, 2), cpm_task_wall=round(baseline, 2),
                module_wall=round(first, 2), module_minus_noop=round(module, 2), module_mib_s=mib_s(size, module),
                module_minus_cpm_task=round(work, 2), module_work_mib_s=mib_s(size, work),
                rerun_wall=round(rerun, 2), rerun_minus_noop=round(max(0.0, rerun - noop), 2),
                rerun_minus_cpm_task=round(max(0.0, rerun - baseline), 2),
                stream_download=round(download, 2), stream_mib_s=mib_s(size, download),
                stream_download_extract=round(download_extract, 2),
                stream_extract_mib_s=mib_s(size, download_extract),
                module_vs_stream=round(module / download, 2) if download else None,
                module_vs_stream_extract=round(module / download_extract, 2) if download_extract else None,
                work_vs_stream_extract=round(work / download_extract, 2) if download_extract else None)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    parser.add_argument('--sim-file', required=True, help='the simulator ready file (.sim/ready.json) or a file of its variables')
    parser.add_argument('--ansible-bin-dir', help='directory holding ansible-playbook (default: PATH)')
    parser.add_argument('--collections-path', help='ANSIBLE_COLLECTIONS_PATH holding backupdr.cloud')
    parser.add_argument('--size-mb', type=float, default=200.0, help='size of the restored file in MiB (default 200)')
    parser.add_argument('--workdir', help='directory for the plays and the restored files (default: temp)')
    args = parser.parse_args(argv)
    sim = load_vars(args.sim_file)
    workdir = args.workdir or tempfile.mkdtemp(prefix='bench_cpm_restore.')
    if not os.path.isdir(workdir):
        os.makedirs(workdir)
    try:
        figures = run(sim, args, workdir)
    finally:
        for name in ('restore', 'extracted', 'stream.zip'):
            path = os.path.join(workdir, name)
            if os.path.isdir(path):
                shutil.rmtree(path, ignore_errors=True)
            elif os.path.exists(path):
                os.unlink(path)
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    print(json.dumps(figures, indent=2, sort_keys=True))
    print('file-level restore of %(size_mb).0f MiB: module task %(module_minus_noop).1fs beyond a debug task '
          '(%(module_mib_s)s MiB/s), %(module_minus_cpm_task).1fs beyond a one-read CPM task (%(module_work_mib_s)s '
          'MiB/s); one requests stream %(stream_download).1fs (%(stream_mib_s)s MiB/s), stream + unzip '
          '%(stream_download_extract).1fs; restore work / (stream + unzip) %(work_vs_stream_extract)s; idempotent '
          're-run %(rerun_minus_cpm_task).1fs beyond a one-read CPM task' % figures)
    return 0


if __name__ == '__main__':
    sys.exit(main())
