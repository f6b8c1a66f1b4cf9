# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the CrossPeer API simulator (tests/simulator), run in-process on free ports."""

import gzip
import hashlib
import json
import os
import signal
import ssl
import subprocess
import sys
import threading
import time
import zlib

import pytest
import requests

SIM_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'simulator'))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position
from backupdr_simulator import storage, tls  # noqa: E402
from backupdr_simulator.core import Simulator  # noqa: E402
from backupdr_simulator.crosspeer import MAIN_KEY, MAIN_USER, OTHER_KEY, OTHER_USER, CrossPeerService  # noqa: E402

MIB = 1024 * 1024
CENTOS = '38df0986-4d85-4b76-b502-3878ffc80161'
CENTOS_CD = 'b86afe3a-b5dc-4184-9ef0-3a52dce63238'
JSON = {'Accept': 'application/json'}


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    """One simulator for the module, on free ports."""
    simulator = Simulator([CrossPeerService()], port=0, tls_port=0, quiet=True,
                          state_dir=str(tmp_path_factory.mktemp('simstate')))
    simulator.start()
    yield simulator
    simulator.stop()


class Client:
    """Small helper around requests for the CrossPeer API and the admin API."""

    def __init__(self, simulator, user=MAIN_USER, key=MAIN_KEY):
        self.sim = simulator
        self.base = simulator.http_url + '/crosspeer/api/'
        self.session = requests.Session()
        self.session.auth = (user, key)

    def get(self, path, **kwargs):
        """GET a CrossPeer command."""
        return self.session.get(self.base + path, timeout=10, **kwargs)

    def post(self, path, data=b'', **kwargs):
        """POST a CrossPeer command."""
        return self.session.post(self.base + path, data=data, timeout=10, **kwargs)

    def admin(self, method, name, payload=None):
        """Call the admin API."""
        response = requests.request(method, self.sim.http_url + '/_sim/' + name, json=payload, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def config(self, **knobs):
        """Set CrossPeer knobs."""
        return self.admin('POST', 'config', dict(knobs, service='crosspeer'))

    def create_drive(self, name='d1', size='1G', **extra):
        """Create a drive, return its info (JSON)."""
        payload = dict({'name': name, 'size': size}, **extra)
        response = self.post('drives/create', json.dumps(payload), headers=dict(JSON, **{'Content-Type': 'application/json'}))
        assert response.status_code == 200, response.text
        return response.json()

    def info(self, kind, uuid):
        """JSON info of a drive or server."""
        response = self.get('%s/%s/info' % (kind, uuid), headers=JSON)
        assert response.status_code == 200, response.text
        return response.json()

    def create_server(self, text, stopped=False):
        """Create a server from text/plain config, return its info (JSON)."""
        response = self.post('servers/create' + ('/stopped' if stopped else ''), text, headers=JSON)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def api(sim):  # pylint: disable=redefined-outer-name
    """A client on a freshly reset simulator."""
    client = Client(sim)
    client.admin('POST', 'reset', {})
    yield client
    client.session.close()


def assert_error(response, status, kind):
    """Status, X-Elastic-Error and a one-line text body."""
    assert response.status_code == status, response.text
    assert response.headers['X-Elastic-Error'] == kind
    assert response.headers['Content-Type'].startswith('text/plain')
    assert response.text.count('\n') == 1 and response.text.strip()


def parse_props(text):
    """Parse KEY VALUE text output into a list of dicts."""
    objects = []
    for block in text.split('\n\n'):
        obj = {}
        for line in block.splitlines():
            key, _sep, value = line.partition(' ')
            obj[key] = value
        if obj:
            objects.append(obj)
    return objects


def wait_for(predicate, timeout=5.0):
    """Poll until predicate() is truthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError('condition not met within %.1fs' % timeout)


# -- auth and wire formats -----------------------------------------------------


def test_auth(api):  # pylint: disable=redefined-outer-name
    anonymous = requests.get(api.base + 'drives/list', timeout=10)
    assert_error(anonymous, 401, 'auth')
    assert 'Basic' in anonymous.headers['WWW-Authenticate']
    wrong = requests.get(api.base + 'drives/list', auth=(MAIN_USER, 'nope'), timeout=10)
    assert_error(wrong, 401, 'auth')
    other = requests.get(api.base + 'drives/list', auth=(OTHER_USER, OTHER_KEY), timeout=10)
    assert other.status_code == 200 and other.text == ''
    log = api.admin('GET', 'requests?service=crosspeer')
    assert [entry['auth_user'] for entry in log['requests']] == [None, None, OTHER_USER]


def test_text_and_json_formats(api):  # pylint: disable=redefined-outer-name
    created = api.post('drives/create', 'name text drive\nsize 2G\ntags a b\nuser:owner ops\n')
    assert created.status_code == 200
    assert created.headers['X-Elastic-Output'] == 'properties'
    info = parse_props(created.text)[0]
    assert info['name'] == 'text drive' and info['size'] == str(2 * 1024 ** 3)
    assert info['tags'] == 'a b' and info['user:owner'] == 'ops' and info['claim:type'] == 'exclusive'
    assert info['encryption:cipher'] == 'aes-xts-plain' and info['status'] == 'active' and info['user'] == MAIN_USER
    body = json.dumps({'name': 'json drive', 'size': 1048576, 'tags': ['x', 'y'], 'user:flag': True})
    second = api.post('drives/create', body, headers=dict(JSON, **{'Content-Type': 'application/json'})).json()
    assert second['size'] == 1048576 and second['tags'] == 'x y' and second['user:flag'] == 'true'
    assert second['read:bytes'] == 0
    listing = api.get('drives/list')
    assert listing.headers['X-Elastic-Output'] == 'list'
    assert sorted(listing.text.split()) == sorted([info['drive'], second['drive']])
    assert sorted(api.get('drives/list', headers=JSON).json(), key=lambda d: d['drive']) == sorted(
        [{'drive': info['drive']}, {'drive': second['drive']}], key=lambda d: d['drive'])
    multi = api.get('drives/info')
    assert [obj['name'] for obj in parse_props(multi.text)] == ['text drive', 'json drive']
    assert '\n\nname json drive\n' in multi.text
    as_json = api.get('drives/info', headers=JSON).json()
    assert isinstance(as_json, list) and as_json[1]['size'] == 1048576
    api.config(force_text_output=True)
    assert api.get('drives/info', headers=JSON).headers['Content-Type'].startswith('text/plain')


# -- drives ----------------------------------------------------------------------


def test_drive_create_set_destroy(api):  # pylint: disable=redefined-outer-name
    drive = api.create_drive('db', '10G', **{'claim:type': 'inclusive', 'encryption:cipher': 'aes-sts-plain',
                                             'tags': 'one two', 'user:a': '1', 'user:b': '2'})
    assert drive['claim:type'] == 'exclusive' and drive['encryption:cipher'] == 'aes-xts-plain'
    uuid = drive['drive']
    updated = api.post('drives/%s/set' % uuid, 'name db2\nsize 20G\ntags\nuser:a\nuser:c 3\n', headers=JSON).json()
    assert updated['name'] == 'db2' and updated['size'] == 20 * 1024 ** 3
    assert 'tags' not in updated and 'user:a' not in updated
    assert updated['user:b'] == '2' and updated['user:c'] == '3'
    assert_error(api.post('drives/%s/set' % uuid, 'size 1G'), 400, 'usage')
    assert_error(api.post('drives/%s/set' % uuid, 'encryption:cipher none'), 400, 'usage')
    assert_error(api.post('drives/%s/set' % uuid, 'colour blue'), 400, 'usage')
    assert_error(api.post('drives/%s/set' % uuid, 'claim:type weird'), 400, 'usage')
    assert api.post('drives/%s/destroy' % uuid).status_code == 204
    assert_error(api.get('drives/%s/info' % uuid), 404, 'missing')


def test_drive_create_validation_and_quota(api):  # pylint: disable=redefined-outer-name
    assert_error(api.post('drives/create', 'name nosize'), 400, 'usage')
    assert_error(api.post('drives/create', 'size 1G'), 400, 'usage')
    assert_error(api.post('drives/create', 'name x\nsize 1.5G'), 400, 'usage')
    assert_error(api.post('drives/create', 'name x\nsize 1G\nbogus 1'), 400, 'usage')
    assert_error(api.post('drives/create', 'name x\nsize 1G\navoid 11111111-2222-3333-4444-555555555555'), 404, 'missing')
    api.config(quota_bytes=3 * 1024 ** 3)
    api.create_drive('a', '2G')
    assert_error(api.post('drives/create', 'name b\nsize 2G'), 402, 'billing')


def test_method_and_missing(api):  # pylint: disable=redefined-outer-name
    assert_error(api.get('drives/create'), 405, 'method')
    assert_error(api.post('drives/list'), 405, 'method')
    assert_error(api.post('servers/%s/info' % CENTOS), 405, 'method')
    assert_error(api.get('drives/nothing/here'), 404, 'missing')
    assert_error(api.get('drives/%s/info' % '11111111-2222-3333-4444-555555555555'), 404, 'missing')
    assert_error(api.get('resources/disk/list'), 404, 'missing')


def test_readers_and_standard_drives(api):  # pylint: disable=redefined-outer-name
    centos = api.info('drives', CENTOS)
    # A pre-installed system image is gzipped (D19): its own size is smaller than the "Size gunzipped" (1GB).
    assert centos['size'] == 1024 ** 3 // 4 and centos['readers'] == 'ffffffff-ffff-ffff-ffff-ffffffffffff'
    assert api.get('drives/%s/read/0/2' % CENTOS).content == b'\x1f\x8b'
    # An install CD is a plain ISO.
    assert api.get('drives/%s/read/0/32' % CENTOS_CD).content.startswith(b'CROSSPEER SIMULATOR INSTALL CD')
    assert api.get('drives/list').text == ''
    assert_error(api.post('drives/%s/destroy' % CENTOS), 404, 'missing')
    shared = api.create_drive('shared', '1M', readers=OTHER_USER)['drive']
    private = api.create_drive('private', '1M')['drive']
    other = Client(api.sim, OTHER_USER, OTHER_KEY)
    assert other.get('drives/%s/info' % shared).status_code == 200
    assert other.get('drives/%s/read/0/10' % shared).status_code == 200
    assert_error(other.get('drives/%s/info' % private), 404, 'missing')
    assert_error(other.post('drives/%s/set' % shared, 'name mine'), 404, 'missing')
    assert other.get('drives/list').text == ''


def test_write_gzip_and_read_back(api):  # pylint: disable=redefined-outer-name
    uuid = api.create_drive('data', '64M')['drive']
    payload = os.urandom(3 * MIB) + b'tail'
    response = api.post('drives/%s/write/1M' % uuid, gzip.compress(payload), headers={'Content-Encoding': 'gzip'})
    assert response.status_code == 204
    back = api.get('drives/%s/read/1M/%d' % (uuid, len(payload)))
    assert back.headers['Content-Type'] == 'application/octet-stream' and back.content == payload
    assert api.get('drives/%s/read/0/16' % uuid).content == bytes(16)
    assert api.post('drives/%s/write' % uuid, b'head').status_code == 204
    assert api.get('drives/%s/read/0/4' % uuid).content == b'head'
    tail = api.get('drives/%s/read/%d/4k' % (uuid, 64 * MIB - 10))
    assert len(tail.content) == 10
    info = api.info('drives', uuid)
    assert info['write:requests'] == 2 and info['write:bytes'] == len(payload) + 4
    assert info['read:requests'] == 4


def test_io_limits_chunked_and_full(api):  # pylint: disable=redefined-outer-name
    uuid = api.create_drive('lim', '16M')['drive']
    assert len(api.get('drives/%s/read/0/4M' % uuid).content) == 4 * MIB
    assert_error(api.get('drives/%s/read/0/%d' % (uuid, 4 * MIB + 1)), 400, 'usage')
    assert_error(api.get('drives/%s/read/0/4x' % uuid), 400, 'usage')
    assert api.post('drives/%s/write' % uuid, bytes(4 * MIB)).status_code == 204
    assert_error(api.post('drives/%s/write' % uuid, bytes(4 * MIB + 1)), 400, 'usage')
    bomb = gzip.compress(bytes(4 * MIB + 1))
    assert_error(api.post('drives/%s/write' % uuid, bomb, headers={'Content-Encoding': 'gzip'}), 400, 'usage')
    assert_error(api.post('drives/%s/write' % uuid, iter([b'abc', b'def'])), 400, 'usage')
    assert_error(api.post('drives/%s/write/15M' % uuid, bytes(MIB + 1)), 507, 'full')
    assert api.post('drives/%s/write/15M' % uuid, b'\x01' * MIB).status_code == 204


def test_parallel_uploads(api):  # pylint: disable=redefined-outer-name
    uuid = api.create_drive('par', '64M')['drive']
    chunks = [os.urandom(16 * 1024) * 256 for _index in range(8)]  # 4 MiB each, cheap to gzip
    errors = []

    def upload(index):
        with requests.Session() as session:
            response = session.post(api.base + 'drives/%s/write/%d' % (uuid, index * 4 * MIB),
                                    data=gzip.compress(chunks[index], 1), headers={'Content-Encoding': 'gzip'},
                                    auth=(MAIN_USER, MAIN_KEY), timeout=20)
            if response.status_code != 204:
                errors.append(response.text)

    threads = [threading.Thread(target=upload, args=(index,)) for index in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    digest = hashlib.sha256()
    for index in range(8):
        digest.update(api.get('drives/%s/read/%dM/4M' % (uuid, index * 4)).content)
    assert digest.hexdigest() == hashlib.sha256(b''.join(chunks)).hexdigest()


def test_sparse_storage_large_drive(api):  # pylint: disable=redefined-outer-name
    uuid = api.create_drive('huge', '8T')['drive']
    assert api.post('drives/%s/write/7T' % uuid, b'far away').status_code == 204
    assert api.get('drives/%s/read/7T/8' % uuid).content == b'far away'
    blocks = {}
    storage.write(blocks, 5, b'abc' + bytes(10))
    assert blocks == {0: bytes(5) + b'abc'}


# -- imaging -----------------------------------------------------------------------


def test_imaging_progress_queue_and_completion(api):  # pylint: disable=redefined-outer-name
    api.config(imaging_seconds=0.6, max_concurrent_imaging=1)
    first = api.create_drive('copy', '1G')['drive']
    second = api.create_drive('cd', '700M')['drive']
    assert api.post('drives/%s/image/%s/gunzip' % (first, CENTOS)).status_code == 204
    assert api.post('drives/%s/image/%s' % (second, CENTOS_CD)).status_code == 204
    assert api.info('drives', first)['imaging'].endswith('%')
    assert api.info('drives', second)['imaging'] == 'queued'
    assert_error(api.post('drives/%s/set' % first, 'name x'), 409, 'busy')
    assert_error(api.post('drives/%s/write' % first, b'x'), 409, 'busy')
    assert_error(api.post('drives/%s/destroy' % first), 409, 'busy')
    time.sleep(0.3)
    percent = int(api.info('drives', first)['imaging'].rstrip('%'))
    assert 20 <= percent <= 99
    wait_for(lambda: 'imaging' not in api.info('drives', first))
    assert api.info('drives', second)['imaging'] != 'queued'
    wait_for(lambda: 'imaging' not in api.info('drives', second))
    header = api.get('drives/%s/read/0/512' % first).content
    assert header.startswith(b'CROSSPEER SIMULATOR STANDARD DRIVE') and b'CentOS Linux 5.5' in header
    assert b'CentOS Linux 5.3 Install CD sector 000001' in api.get('drives/%s/read/0/64k' % second).content


def test_imaging_conversions_and_errors(api):  # pylint: disable=redefined-outer-name
    api.config(imaging_seconds=0)
    source = api.create_drive('src', '8M')['drive']
    api.post('drives/%s/write/1M' % source, b'hello world')
    packed = api.create_drive('packed', '1M')['drive']
    assert api.post('drives/%s/image/%s/gzip' % (packed, source)).status_code == 204
    raw = api.get('drives/%s/read/0/1M' % packed).content
    assert raw[:2] == b'\x1f\x8b'
    assert zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(raw) == bytes(MIB) + b'hello world'
    unpacked = api.create_drive('unpacked', '8M')['drive']
    assert api.post('drives/%s/image/%s/gunzip' % (unpacked, packed)).status_code == 204
    assert api.get('drives/%s/read/1M/11' % unpacked).content == b'hello world'
    small = api.create_drive('small', '128M')['drive']
    assert_error(api.post('drives/%s/image/%s' % (small, CENTOS)), 507, 'full')
    assert_error(api.post('drives/%s/image/%s/zip' % (small, source)), 400, 'usage')
    assert_error(api.post('drives/%s/image/%s/gunzip' % (small, source)), 500, 'failed')
    assert_error(api.post('drives/%s/image/%s' % (small, small)), 400, 'usage')
    tiny = api.create_drive('tiny', '1k')['drive']
    assert_error(api.post('drives/%s/image/%s/gunzip' % (tiny, CENTOS)), 507, 'full')
    assert_error(api.post('drives/%s/image/%s/gunzip' % (small, CENTOS_CD)), 500, 'failed')  # an ISO is not gzip


def test_reading_knobs(api):  # pylint: disable=redefined-outer-name
    uuid = api.create_drive('knobs', '8M')['drive']
    assert api.get('drives/%s/read/0/4M' % uuid).status_code == 200
    api.config(read_limit='4MB')
    assert_error(api.get('drives/%s/read/0/4M' % uuid), 400, 'usage')
    assert api.get('drives/%s/read/0/4000000' % uuid).status_code == 200
    api.config(read_limit='4MiB', json_numbers='strings')
    info = api.get('drives/%s/info' % uuid, headers={'Accept': 'application/json'}).json()
    assert info['size'] == str(8 * MIB)
    api.config(json_numbers='numbers')
    info = api.get('drives/%s/info' % uuid, headers={'Accept': 'application/json'}).json()
    assert info['size'] == 8 * MIB


# -- servers -----------------------------------------------------------------------


def server_text(name, drive=None, persistent=True, extra=''):
    """text/plain server configuration."""
    lines = ['name %s' % name, 'cpu 2000', 'mem 1024', 'persistent %s' % ('true' if persistent else 'false'),
             'nic:0:model e1000', 'nic:0:dhcp auto']
    if drive:
        lines += ['ide:0:0 %s' % drive, 'boot ide:0:0']
    return '\n'.join(lines) + '\n' + extra


def test_server_lifecycle(api):  # pylint: disable=redefined-outer-name
    api.config(shutdown_seconds=0.2)
    drive = api.create_drive('boot', '1G')['drive']
    server = api.create_server(server_text('web', drive, extra='smp 2\n'), stopped=True)
    uuid = server['server']
    assert server['status'] == 'stopped' and 'started' not in server and server['cpu'] == 2000 and server['smp'] == 2
    assert api.post('servers/%s/start' % uuid).status_code == 204
    info = api.info('servers', uuid)
    assert info['status'] == 'active' and isinstance(info['started'], int)
    assert info['smp:cores'] == 2 and info['smp:sockets'] == 2
    assert info['nic:0:dhcp:ip'].startswith('198.51.100.') and info['ide:0:0:read:bytes'] == 0
    assert api.info('drives', drive)['claimed'] == uuid
    assert_error(api.post('servers/%s/start' % uuid), 400, 'usage')
    assert_error(api.post('drives/%s/destroy' % drive), 409, 'busy')
    rival = api.create_server(server_text('rival', drive), stopped=True)['server']
    assert_error(api.post('servers/%s/start' % rival), 409, 'busy')
    assert_error(api.post('servers/create', server_text('rival2', drive)), 409, 'busy')
    started = info['started']
    assert api.post('servers/%s/reset' % uuid).status_code == 204
    assert api.info('servers', uuid)['started'] > started
    assert api.post('servers/%s/shutdown' % uuid).status_code == 204
    assert api.info('servers', uuid)['status'] == 'active'
    wait_for(lambda: api.info('servers', uuid)['status'] == 'stopped')
    assert 'claimed' not in api.info('drives', drive)
    assert_error(api.post('servers/%s/stop' % uuid), 400, 'usage')
    assert_error(api.post('servers/%s/reset' % uuid), 400, 'usage')
    assert api.post('servers/%s/start' % rival).status_code == 204
    assert api.post('servers/%s/stop' % rival).status_code == 204
    assert api.info('servers', rival)['status'] == 'stopped'
    assert api.post('servers/%s/destroy' % rival).status_code == 204
    assert_error(api.get('servers/%s/info' % rival), 404, 'missing')
    assert api.get('servers/list').text.split() == [uuid, '2000', '1024']


def test_non_persistent_and_acpi(api):  # pylint: disable=redefined-outer-name
    api.config(shutdown_seconds=0.1)
    temp = api.create_server(server_text('temp', persistent=False))['server']
    assert api.post('servers/%s/stop' % temp).status_code == 204
    assert_error(api.get('servers/%s/info' % temp), 404, 'missing')
    api.config(ignore_acpi=True)
    stubborn = api.create_server(server_text('stubborn'))['server']
    assert api.post('servers/%s/shutdown' % stubborn).status_code == 204
    time.sleep(0.2)
    assert api.info('servers', stubborn)['status'] == 'active'
    api.config(ignore_acpi=False)
    gone = api.create_server(server_text('gone', persistent=False))['server']
    api.post('servers/%s/shutdown' % gone)
    wait_for(lambda: api.get('servers/%s/info' % gone).status_code == 404)
    assert api.post('servers/%s/destroy' % stubborn).status_code == 204


def test_server_config_validation_and_running_set(api):  # pylint: disable=redefined-outer-name
    assert_error(api.post('servers/create', 'name x\ncpu 1000'), 400, 'usage')
    assert_error(api.post('servers/create', server_text('x') + 'colour red\n'), 400, 'usage')
    assert_error(api.post('servers/create', server_text('x') + 'vnc:password 123456789\n'), 400, 'usage')
    assert_error(api.post('servers/create', server_text('x') + 'nic:0:model ne2k\n'), 400, 'usage')
    assert_error(api.post('servers/create', server_text('x', drive='11111111-2222-3333-4444-555555555555')), 404, 'missing')
    assert_error(api.post('servers/create', server_text('x') + 'nic:1:vlan 11111111-2222-3333-4444-555555555555\n'),
                 404, 'missing')
    assert_error(api.post('servers/create', 'name x\ncpu 1000\nmem 512\nnic:0:dhcp 192.0.2.99\n'), 404, 'missing')
    uuid = api.create_server(server_text('live') + 'vnc auto\nvnc:password abc\n')['server']
    assert api.info('servers', uuid)['vnc:password'] == 'abc'
    changed = api.post('servers/%s/set' % uuid, 'name renamed\ncpu 3000\ntags a b\nuser:x y\nvnc:password xyz\nmem 1024\n',
                       headers=JSON).json()
    assert changed['name'] == 'renamed' and changed['cpu'] == 3000 and changed['tags'] == 'a b'
    rejected = api.post('servers/%s/set' % uuid, 'mem 4096\nsmp 4\n')
    assert_error(rejected, 400, 'usage')
    assert 'mem' in rejected.text and 'smp' in rejected.text and 'stop' in rejected.text
    assert_error(api.post('servers/%s/set' % uuid, 'avoid:servers %s' % uuid), 400, 'usage')
    api.post('servers/%s/stop' % uuid)
    stopped = api.post('servers/%s/set' % uuid, 'mem 4096\nsmp 4\nnic:0:dhcp\ntags\n', headers=JSON).json()
    assert stopped['mem'] == 4096 and stopped['smp'] == 4 and 'nic:0:dhcp' not in stopped and 'tags' not in stopped
    assert_error(api.post('servers/%s/set' % uuid, 'mem\n'), 400, 'usage')


# -- resources ---------------------------------------------------------------------


def test_resources(api):  # pylint: disable=redefined-outer-name
    address = api.post('resources/ip/create', 'name public\ntags web\n', headers=JSON).json()
    assert address['type'] == 'ip' and address['netmask'] == '255.255.255.0' and address['tags'] == 'web'
    assert address['gateway'].endswith('.1') and address['nameserver']
    vlan = api.post('resources/vlan/create', 'name backend\n', headers=JSON).json()
    assert_error(api.post('resources/ip/create', 'tags x'), 400, 'usage')
    assert_error(api.post('resources/disk/create', 'name x'), 404, 'missing')
    listing = api.get('resources/list')
    assert listing.headers['X-Elastic-Output'] == 'list'
    assert listing.text.splitlines() == ['ip %s' % address['resource'], 'vlan %s' % vlan['resource']]
    assert api.get('resources/vlan/list', headers=JSON).json() == [{'type': 'vlan', 'resource': vlan['resource']}]
    assert len(parse_props(api.get('resources/info').text)) == 2
    assert len(api.get('resources/ip/info', headers=JSON).json()) == 1
    renamed = api.post('resources/ip/%s/set' % address['resource'], 'name renamed\nuser:k v\n', headers=JSON).json()
    assert renamed['name'] == 'renamed' and renamed['user:k'] == 'v'
    assert_error(api.post('resources/ip/%s/set' % address['resource'], 'netmask 1'), 400, 'usage')
    server = api.create_server('name s\ncpu 1000\nmem 512\nnic:0:dhcp %s\nnic:1:vlan %s\n' % (
        address['resource'], vlan['resource']))
    assert server['nic:0:dhcp:ip'] == address['resource']
    assert_error(api.post('resources/ip/%s/destroy' % address['resource']), 409, 'busy')
    assert_error(api.post('resources/vlan/%s/destroy' % vlan['resource']), 409, 'busy')
    api.post('servers/%s/destroy' % server['server'])
    assert api.post('resources/ip/%s/destroy' % address['resource']).status_code == 204
    assert_error(api.get('resources/ip/%s/info' % address['resource']), 404, 'missing')


# -- admin: faults, latency, request log, seed --------------------------------------------


def test_faults_429_busy_and_queue(api):  # pylint: disable=redefined-outer-name
    api.admin('POST', 'faults', {'service': 'crosspeer', 'fault': '429', 'retry_after': 2, 'path': r'^drives/list$'})
    api.admin('POST', 'faults', {'service': 'crosspeer', 'fault': 'busy', 'method': 'POST', 'count': 2})
    assert len(api.admin('GET', 'faults')['faults']) == 2
    assert api.get('servers/list').status_code == 200
    throttled = api.get('drives/list')
    assert throttled.status_code == 429 and throttled.headers['Retry-After'] == '2'
    assert api.get('drives/list').status_code == 200
    for _index in range(2):
        assert_error(api.post('drives/create', 'name x\nsize 1M'), 409, 'busy')
    assert api.admin('GET', 'faults')['faults'] == []
    assert api.post('drives/create', 'name x\nsize 1M').status_code == 200
    api.admin('POST', 'faults', {'fault': '503', 'retry_after': 0.5})
    unavailable = api.get('drives/list')
    assert unavailable.status_code == 503 and unavailable.headers['Retry-After'] == '0.5'
    api.admin('POST', 'faults', {'fault': '500', 'count': 5})
    api.admin('DELETE', 'faults')
    assert api.get('drives/list').status_code == 200
    log = api.admin('GET', 'requests?service=crosspeer')
    assert [entry['fault'] for entry in log['requests'] if entry['fault']] == ['429', 'busy', 'busy', '503']


def test_fault_reset_before_and_after(api):  # pylint: disable=redefined-outer-name
    api.admin('POST', 'faults', {'service': 'crosspeer', 'fault': 'reset', 'path': 'drives/create'})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(api.base + 'drives/create', 'name lost\nsize 1M', auth=(MAIN_USER, MAIN_KEY), timeout=10)
    assert api.get('drives/list').text == ''
    api.admin('POST', 'faults', {'service': 'crosspeer', 'fault': 'reset', 'path': 'drives/create', 'after': True})
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.post(api.base + 'drives/create', 'name landed\nsize 1M', auth=(MAIN_USER, MAIN_KEY), timeout=10)
    assert [obj['name'] for obj in parse_props(api.get('drives/info').text)] == ['landed']
    statuses = [(entry['status'], entry['fault']) for entry in api.admin('GET', 'requests')['requests']]
    assert statuses[0] == (0, 'reset') and (0, 'reset') in statuses[2:]


def test_slow_fault_and_latency(api):  # pylint: disable=redefined-outer-name
    api.admin('POST', 'faults', {'fault': 'slow', 'delay': 0.3})
    started = time.monotonic()
    assert api.get('drives/list').status_code == 200
    assert time.monotonic() - started >= 0.3
    api.admin('POST', 'latency', {'service': 'crosspeer', 'seconds': 0.1})
    started = time.monotonic()
    for _index in range(3):
        api.get('drives/list')
    assert time.monotonic() - started >= 0.3
    assert api.admin('GET', 'latency')['latency']['crosspeer'] == 0.1


def test_request_log_and_admin_errors(api):  # pylint: disable=redefined-outer-name
    api.get('drives/list')
    api.post('drives/create', 'name a\nsize 1M')
    api.get('drives/nothing/x')
    api.admin('GET', 'health')
    log = api.admin('GET', 'requests?service=crosspeer')
    assert log['summary'] == {'total': 3, 'reads': 2, 'writes': 1, 'by_status': {'200': 2, '404': 1}}
    entry = log['requests'][1]
    assert entry['method'] == 'POST' and entry['path'] == '/crosspeer/api/drives/create' and entry['write']
    assert entry['auth_user'] == MAIN_USER and entry['fault'] is None and entry['seq'] == 2
    api.admin('DELETE', 'requests')
    assert api.admin('GET', 'requests')['summary']['total'] == 0
    assert requests.post(api.sim.http_url + '/_sim/faults', json={'fault': 'teapot'}, timeout=5).status_code == 400
    assert requests.post(api.sim.http_url + '/_sim/config', json={'service': 'crosspeer', 'x': 1}, timeout=5).status_code == 400
    assert requests.get(api.sim.http_url + '/_sim/nothing', timeout=5).status_code == 404
    assert requests.get(api.sim.http_url + '/_sim/reset', timeout=5).status_code == 405
    config = api.admin('GET', 'config?service=crosspeer')['config']
    assert config['imaging_seconds'] == 2.0 and config['max_concurrent_imaging'] == 1


def test_seed_bulk_and_server_status(api):  # pylint: disable=redefined-outer-name
    started = time.monotonic()
    seeded = api.admin('POST', 'seed', {'service': 'crosspeer', 'servers': 5000, 'drives': 5000, 'prefix': 'bench'})
    assert len(seeded['servers']) == 5000 and len(seeded['drives']) == 5000
    text = api.get('servers/info')
    as_json = api.get('servers/info', headers=JSON).json()
    assert time.monotonic() - started < 3.0
    objects = parse_props(text.text)
    assert len(objects) == 5000 and len(as_json) == 5000
    statuses = [obj['status'] for obj in as_json]
    assert statuses.count('active') == 2500 and statuses.count('stopped') == 2500
    assert any('tags' in obj for obj in as_json) and any(obj.get('nic:0:dhcp') not in (None, 'auto') for obj in as_json)
    assert len(api.get('servers/list').text.splitlines()) == 5000
    api.admin('POST', 'crosspeer/server-status', {'server': seeded['servers'][0], 'status': 'paused'})
    paused = api.info('servers', seeded['servers'][0])
    assert paused['status'] == 'paused' and 'claimed' not in api.info('drives', seeded['drives'][0])


# -- TLS and the command line ------------------------------------------------------------


def test_tls_with_ca(api):  # pylint: disable=redefined-outer-name
    url = api.sim.https_url + '/crosspeer/api/drives/list'
    response = requests.get(url, auth=(MAIN_USER, MAIN_KEY), verify=api.sim.ca_path, timeout=10)
    assert response.status_code == 200
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url, auth=(MAIN_USER, MAIN_KEY), timeout=10)
    localhost = url.replace('127.0.0.1', 'localhost')
    assert requests.get(localhost, auth=(MAIN_USER, MAIN_KEY), verify=api.sim.ca_path, timeout=10).status_code == 200


def test_openssl_fallback(tmp_path):
    paths = tls.ensure_certificates(str(tmp_path), force_openssl=True)
    context = ssl.create_default_context(cafile=paths['ca'])
    assert context.cert_store_stats()['x509_ca'] == 1
    tls.server_context(paths)
    assert tls.ensure_certificates(str(tmp_path)) == paths


def test_command_line(tmp_path):
    ready = tmp_path / 'ready.json'
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [sys.executable, os.path.join(SIM_DIR, 'run.py'), '--port', '0', '--tls-port', '0', '--quiet',
         '--state-dir', str(tmp_path / 'state'), '--ready-file', str(ready)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=str(tmp_path))
    try:
        first_line = process.stdout.readline().decode('utf-8')
        assert first_line.startswith('crosspeer http://127.0.0.1:') and first_line.rstrip().endswith('/crosspeer/api/')
        info = wait_for(lambda: ready.exists() and json.loads(ready.read_text(encoding='utf-8')))
        assert info['pid'] == process.pid
        service = info['services']['crosspeer']
        assert service['url'] == first_line.split()[1] and service['user'] == MAIN_USER and service['api_key'] == MAIN_KEY
        assert os.path.isabs(info['ca_path']) and service['https_url'].startswith('https://127.0.0.1:')
        response = requests.get(service['https_url'] + 'servers/list', auth=(service['user'], service['api_key']),
                                verify=info['ca_path'], timeout=10)
        assert response.status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        process.stdout.close()
        process.stderr.close()
