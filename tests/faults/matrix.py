# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fault matrix: every write operation under every fault, against the simulator (``make faults``).

For each cell (operation x fault) the operation runs once with the fault injected, then the
simulator's state says whether the write landed; the module's result must agree:

* a result that says "not applied" / "nothing was created" (``error.applied: false``) while the write
  landed is a violation;
* a success while the write did not land is a violation;
* an immediate re-run (no fault) must converge with no duplicate.

Modules are run directly (``python <module>.py <args.json>``), not through ansible-playbook, so a
cell costs a fraction of a second plus the fault's own delays.  Prints one line per cell and a
summary; exits non-zero on any violation.
"""

from __future__ import absolute_import, division, print_function

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    from urllib.request import Request, urlopen
except ImportError:  # pragma: no cover
    raise SystemExit('python 3 is required')

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, 'tests', 'bench'))

from simfile import load_sim_file  # noqa: E402  pylint: disable=wrong-import-position

FAULTS = (
    ('429', False), ('busy', False), ('500', False), ('500', True), ('502', False), ('503', False),
    ('504', False), ('504', True), ('reset', False), ('reset', True), ('slow', False), ('slow', True),
    ('503', True),
)
OPTIONS = dict(api_timeout=1, api_settle_time=6, api_retry_max_delay=0.1, api_retries=2)


class Sim:
    def __init__(self, info):
        self.info = info
        self.url = info['sim_url']

    def call(self, method, path, body=None, service_path=None):
        data = None if body is None else json.dumps(body).encode()
        url = (service_path or self.url + '/_sim/') + path
        req = Request(url, data=data, method=method, headers={'Content-Type': 'application/json'})
        with urlopen(req, timeout=60) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else {}

    def crosspeer(self, method, path, body=None):
        import base64  # pylint: disable=import-outside-toplevel
        auth = base64.b64encode(('%s:%s' % (self.info['crosspeer_api_user'], self.info['crosspeer_api_key'])).encode())
        data = None if body is None else json.dumps(body).encode()
        req = Request(self.info['crosspeer_api_url'] + path, data=data, method=method,
                      headers={'Content-Type': 'application/json', 'Accept': 'application/json',
                               'Authorization': 'Basic ' + auth.decode()})
        with urlopen(req, timeout=60) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def raw(self, method, path, data=None):
        import base64  # pylint: disable=import-outside-toplevel
        auth = base64.b64encode(('%s:%s' % (self.info['crosspeer_api_user'], self.info['crosspeer_api_key'])).encode())
        req = Request(self.info['crosspeer_api_url'] + path, data=data, method=method,
                      headers={'Content-Type': 'application/octet-stream', 'Authorization': 'Basic ' + auth.decode()})
        with urlopen(req, timeout=60) as resp:
            return resp.read()

    def drives(self, name):
        return [d for d in self.crosspeer('GET', 'drives/info') or [] if d.get('name') == name]

    def servers(self, name):
        return [s for s in self.crosspeer('GET', 'servers/info') or [] if s.get('name') == name]

    def ips(self, name):
        return [r for r in self.crosspeer('GET', 'resources/info') or [] if r.get('name') == name]


def run_module(collection_root, module, args):
    path = os.path.join(collection_root, 'plugins', 'modules', module + '.py')
    with tempfile.NamedTemporaryFile('w', suffix='.json', delete=False) as handle:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, handle)
        args_path = handle.name
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.dirname(collection_root))))
    try:
        proc = subprocess.run([sys.executable, path, args_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=env, check=False, universal_newlines=True)
    finally:
        os.unlink(args_path)
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return dict(failed=True, msg='module output is not JSON: %s %s' % (proc.stdout[-500:], proc.stderr[-500:]),
                    traceback=True)


# -- the operations: (name, module, setup(sim) -> context, args(sim, ctx), fault path, landed(sim, ctx),
#    converged(sim, ctx)) ---------------------------------------------------------------------------------

def crosspeer_args(sim, **extra):
    args = dict(api_url=sim.info['crosspeer_api_url'], api_user=sim.info['crosspeer_api_user'],
                api_key=sim.info['crosspeer_api_key'], **OPTIONS)
    args.update(extra)
    return args


def acronis_args(sim, **extra):
    args = dict(datacenter_url=sim.info['acronis_dr_url'], client_id=sim.info['acronis_dr_admin_client_id'],
                client_secret=sim.info['acronis_dr_admin_client_secret'], wait_timeout=60, **OPTIONS)
    args.update(extra)
    return args


def setup_drive(sim):
    drive = sim.crosspeer('POST', 'drives/create', {'name': 'mx-drive', 'size': 1048576})
    return dict(uuid=drive['drive'])


SOURCE_BYTES = b'MATRIX-SOURCE'


def setup_imaging(sim):
    source = sim.crosspeer('POST', 'drives/create', {'name': 'mx-source', 'size': 1048576})
    sim.raw('POST', 'drives/%s/write/0' % source['drive'], SOURCE_BYTES)
    return dict(setup_drive(sim), source=source['drive'])


def imaged(sim, ctx):
    """Imaging landed: it runs, or the drive holds the source's bytes."""
    drive = sim.drives('mx-drive')[0]
    return 'imaging' in drive or sim.raw('GET', 'drives/%s/read/0/%d' % (drive['drive'], len(SOURCE_BYTES))) == SOURCE_BYTES


def setup_server(sim, status='stopped'):
    drive = sim.crosspeer('POST', 'drives/create', {'name': 'mx-boot', 'size': 1048576})
    server = sim.crosspeer('POST', 'servers/create/stopped', {
        'name': 'mx-server', 'cpu': 1000, 'mem': 256, 'persistent': 'true', 'ide:0:0': drive['drive']})
    if status == 'active':
        sim.crosspeer('POST', 'servers/%s/start' % server['server'])
    return dict(uuid=server['server'], drive=drive['drive'])


def server_status(sim, ctx):
    found = [s for s in sim.crosspeer('GET', 'servers/info') or [] if s.get('server') == ctx['uuid']]
    return found[0].get('status') if found else None


WEB_01 = '1f100401-357b-4d04-a0c0-d1206c947473'
DB_01 = 'a3d5c7e9-1b2d-4f6a-8c0e-2d4f6a8c0e01'
UPLOAD = os.path.join(tempfile.gettempdir(), 'backupdr-matrix-upload.raw')


def setup_upload(sim):
    with open(UPLOAD, 'wb') as handle:
        handle.write(SOURCE_BYTES * 1000)
    return setup_drive(sim)


def uploaded(sim, ctx):
    return sim.raw('GET', 'drives/%s/read/0/%d' % (ctx['uuid'], len(SOURCE_BYTES))) == SOURCE_BYTES


def setup_ip(sim):
    ip = sim.crosspeer('POST', 'resources/ip/create', {'name': 'mx-ip'})
    return dict(ip=ip['resource'])


def setup_test_failover(sim):
    sim.call('POST', 'config', {'service': 'acronis_dr', 'task_seconds': 0})
    result = run_module(sim.collection_root, 'acronis_dr_failover', acronis_args(sim, server='web-01', failover='test'))
    if result.get('failed'):
        raise RuntimeError('setup: %s' % result.get('msg'))
    sim.call('POST', 'config', {'service': 'acronis_dr', 'task_seconds': 0.5})
    return {}


def acronis_tasks(sim, uuid):
    return len(sim.call('GET', 'acronis_dr/servers/' + uuid).get('tasks') or [])


OPERATIONS = [
    dict(name='drive create', module='crosspeer_drive', setup=lambda sim: {},
         args=lambda sim, ctx: crosspeer_args(sim, name='mx-new', size='1M'), path='drives/create',
         landed=lambda sim, ctx: len(sim.drives('mx-new')) >= 1, dupes=lambda sim, ctx: len(sim.drives('mx-new')) > 1),
    dict(name='drive update', module='crosspeer_drive', setup=setup_drive,
         args=lambda sim, ctx: crosspeer_args(sim, name='mx-drive', size='2M', tags=['x']), path='drives/.*/set',
         landed=lambda sim, ctx: int(sim.drives('mx-drive')[0]['size']) == 2097152),
    dict(name='drive destroy', module='crosspeer_drive', setup=setup_drive,
         args=lambda sim, ctx: crosspeer_args(sim, name='mx-drive', state='absent'), path='drives/.*/destroy',
         landed=lambda sim, ctx: not sim.drives('mx-drive')),
    dict(name='drive imaging', module='crosspeer_drive', setup=setup_imaging, service_config={'imaging_seconds': 3},
         args=lambda sim, ctx: crosspeer_args(sim, name='mx-drive', size='1M', force_image=True, wait=False,
                                              image={'source': ctx['source']}),
         path='drives/.*/image/', landed=imaged),
    dict(name='ip create', module='crosspeer_resource', setup=lambda sim: {},
         args=lambda sim, ctx: crosspeer_args(sim, type='ip', name='mx-ip'), path='resources/ip/create',
         landed=lambda sim, ctx: len(sim.ips('mx-ip')) >= 1, dupes=lambda sim, ctx: len(sim.ips('mx-ip')) > 1),
    dict(name='server create', module='crosspeer_server', setup=setup_drive,
         args=lambda sim, ctx: crosspeer_args(sim, name='mx-new-server', cpu=1000, mem=256,
                                              drives=[{'device': 'ide:0:0', 'drive': 'mx-drive'}]),
         path='servers/create', landed=lambda sim, ctx: len(sim.servers('mx-new-server')) >= 1,
         dupes=lambda sim, ctx: len(sim.servers('mx-new-server')) > 1),
    dict(name='server update', module='crosspeer_server', setup=setup_server,
         args=lambda sim, ctx: crosspeer_args(sim, name='mx-server', cpu=2000), path='servers/.*/set',
         landed=lambda sim, ctx: int(sim.servers('mx-server')[0]['cpu']) == 2000),
    dict(name='server start', module='crosspeer_server', setup=setup_server,
         args=lambda sim, ctx: crosspeer_args(sim, name='mx-server', state='started', wait_timeout=30),
         path='servers/.*/start', landed=lambda sim, ctx: server_status(sim, ctx) == 'active'),
    dict(name='server stop', module='crosspeer_server', setup=lambda sim: setup_server(sim, 'active'),
         args=lambda sim, ctx: crosspeer_args(sim, name='mx-server', state='stopped', stop_method='stop',
                                              wait_timeout=30),
         path='servers/.*/stop', landed=lambda sim, ctx: server_status(sim, ctx) == 'stopped'),
    dict(name='server destroy', module='crosspeer_server', setup=setup_server,
         args=lambda sim, ctx: crosspeer_args(sim, name='mx-server', state='absent'), path='servers/.*/destroy',
         landed=lambda sim, ctx: server_status(sim, ctx) is None),
    dict(name='test failover', module='acronis_dr_failover', service='acronis_dr', setup=lambda sim: {},
         service_config={'task_seconds': 0.5},
         args=lambda sim, ctx: acronis_args(sim, server='web-01', failover='test'), path=':start_failover_test',
         landed=lambda sim, ctx: bool(sim.call('GET', 'acronis_dr/servers/' + WEB_01).get('tasks'))),
    dict(name='prod failover', module='acronis_dr_failover', service='acronis_dr', setup=lambda sim: {},
         service_config={'task_seconds': 0.5},
         args=lambda sim, ctx: acronis_args(sim, server='db-01', failover='production', confirm_production=True),
         path=':start_failover_prod', landed=lambda sim, ctx: acronis_tasks(sim, DB_01) > 0),
    dict(name='stop failover', module='acronis_dr_failover', service='acronis_dr', setup=setup_test_failover,
         args=lambda sim, ctx: acronis_args(sim, server='web-01', failover='none'), path=':stop_failover',
         landed=lambda sim, ctx: acronis_tasks(sim, WEB_01) > 1),
    dict(name='upload', module='crosspeer_drive_transfer', setup=setup_upload,
         args=lambda sim, ctx: crosspeer_args(sim, drive='mx-drive', mode='upload', path=UPLOAD),
         path='drives/.*/write', landed=uploaded),
    dict(name='ip destroy', module='crosspeer_resource', setup=setup_ip,
         args=lambda sim, ctx: crosspeer_args(sim, type='ip', name='mx-ip', state='absent'),
         path='resources/ip/.*/destroy', landed=lambda sim, ctx: not sim.ips('mx-ip')),
]


def classify(result):
    if result.get('traceback'):
        return 'traceback'
    if not result.get('failed'):
        return 'ok'
    applied = (result.get('error') or {}).get('applied')
    if applied is False:
        return 'not_applied'
    if applied == 'unknown':
        return 'unknown'
    return 'failed'


def run_cell(sim, collection_root, op, fault, after):
    service = op.get('service', 'crosspeer')
    sim.call('POST', 'reset', {})
    if op.get('service_config'):
        sim.call('POST', 'config', dict(op['service_config'], service=service))
    if service == 'acronis_dr':
        sim.call('POST', 'config', {'service': 'crosspeer', 'shutdown_seconds': 0.1})
    ctx = op['setup'](sim)
    rule = dict(service=service, method=None, path=op['path'], fault=fault, after=after, count=1, retry_after=0.2,
                delay=3)
    sim.call('POST', 'faults', rule)
    started = time.monotonic()
    result = run_module(collection_root, op['module'], op['args'](sim, ctx))
    elapsed = time.monotonic() - started
    sim.call('DELETE', 'faults', {})
    outcome = classify(result)
    time.sleep(0.1 if fault != 'slow' else 3.5)  # let a late request finish before judging
    landed = op['landed'](sim, ctx)
    problems = []
    if outcome == 'traceback':
        problems.append('traceback')
    if outcome == 'not_applied' and landed:
        problems.append('said "not applied" but the write landed')
    if outcome == 'ok' and not landed:
        problems.append('said ok but the write did not land')
    again = run_module(collection_root, op['module'], op['args'](sim, ctx))
    if again.get('failed'):
        problems.append('re-run failed: %s' % again.get('msg'))
    if op.get('dupes') and op['dupes'](sim, ctx):
        problems.append('duplicate after the re-run')
    return dict(operation=op['name'], fault=fault, after=after, outcome=outcome, landed=landed,
                rerun_changed=bool(again.get('changed')), problems=problems, seconds=round(elapsed, 2),
                msg=(result.get('msg') or '')[:200])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--ready-file', required=True)
    parser.add_argument('--collection-root', required=True, help='.../ansible_collections/backupdr/cloud')
    parser.add_argument('--only', action='append', help='operation names to run (default all)')
    parser.add_argument('--output')
    args = parser.parse_args()
    sim = Sim(load_sim_file(args.ready_file))
    sim.collection_root = args.collection_root
    cells = []
    violations = 0
    for op in OPERATIONS:
        if args.only and op['name'] not in args.only:
            continue
        for fault, after in FAULTS:
            cell = run_cell(sim, args.collection_root, op, fault, after)
            cells.append(cell)
            violations += bool(cell['problems'])
            print('%-4s %-16s %-5s %-6s outcome=%-11s landed=%-5s rerun_changed=%-5s %5.1fs %s' % (
                'FAIL' if cell['problems'] else 'ok', cell['operation'], fault, 'after' if after else 'before',
                cell['outcome'], cell['landed'], cell['rerun_changed'], cell['seconds'], '; '.join(cell['problems'])))
            sys.stdout.flush()
    print('%d cells, %d violations' % (len(cells), violations))
    if args.output:
        with open(args.output, 'w') as handle:
            json.dump(cells, handle, indent=2)
    sys.exit(1 if violations else 0)


if __name__ == '__main__':
    main()
