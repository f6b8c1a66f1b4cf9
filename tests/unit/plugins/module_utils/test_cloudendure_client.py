# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CloudEndure client: pure helpers, and the session against the simulator run in-process (real HTTP)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
import threading

import pytest
import requests

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure import client as ce
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.account import Plan, check_options, feature_dict
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.clone import (
    LATEST, ClonePlan, check_point_in_time,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.replica import apply, check_options as replica_options
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.oauth import forget_memory
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

SIM_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'simulator'))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position
from backupdr_simulator.cloudendure import MAIN_PASSWORD, MAIN_USER, CloudEndureService  # noqa: E402
from backupdr_simulator.core import Simulator  # noqa: E402


class Resp:
    def __init__(self, body, status=200, text=None):
        self.body = body
        self.status_code = status
        self.reason = 'Reason'
        self.text = text if text is not None else json.dumps(body)

    def json(self):
        if self.body is None:
            raise ValueError('no json')
        return self.body


# -- pure helpers ------------------------------------------------------------------------------------


def test_envelope_and_decoding():
    assert ce.parse_envelope(Resp({'error': None, 'result': [1]})) == (None, [1])
    assert ce.parse_envelope(Resp({'error': 'Not Ready', 'result': None})) == ('Not Ready', None)
    assert ce.parse_envelope(Resp(None, 502, 'bad gateway')) is None
    assert ce.parse_envelope(Resp({'message': 'x'})) is None
    assert ce.decode_once('["a", "b"]') == ['a', 'b']
    assert ce.decode_once('null') is None
    assert ce.decode_once('"\\"x\\""') == '"x"'  # decoded once only
    assert ce.decode_once('not json') == 'not json'
    assert ce.encode_params({'location': 'X', 'ids': ['a']}, False) == {'location': 'X', 'ids': ['a']}
    assert ce.encode_params({'location': 'X', 'ids': ['a']}, True) == {'location': '"X"', 'ids': '["a"]'}


def test_error_parser_reads_the_envelope_whatever_the_status():
    assert ce.error_parser(Resp({'error': 'Not Logged In', 'result': None}, 401))[0] == 'Not Logged In'
    code, message, dummy = ce.error_parser(Resp(None, 502, 'gateway down'))
    assert code is None and message == 'gateway down'


def test_resolve_machines():
    machines = [{'id': 'i-1', 'name': 'web'}, {'id': 'i-2', 'name': 'web'}, {'id': 'i-3', 'name': 'i-1'}]
    assert [m['id'] for m in ce.resolve_machines(machines, ['i-1', 'i-3'], 'machines', 'P')] == ['i-1', 'i-3']
    with pytest.raises(ValidationError) as err:
        ce.resolve_machines(machines, ['web'], 'machines', 'the Primary Location')
    assert err.value.option == 'machines' and 'i-1, i-2' in str(err.value)
    with pytest.raises(ValidationError):
        ce.resolve_machines(machines, ['nope'], 'machines', 'P')
    with pytest.raises(ValidationError):
        ce.check_machine_ident('a\nb', 'machines')
    with pytest.raises(ValidationError):
        ce.check_machine_ident(' a', 'machines')


def test_progress():
    assert ce.progress({'replicationState': 'Replicated'}) == 100
    assert ce.progress({'replicationState': 'Replicating', 'totalStorageBytes': 200, 'replicatedStorageBytes': 50}) == 25
    assert ce.progress({'replicationState': 'Not Replicated'}) is None


def test_point_in_time():
    assert check_point_in_time(None) == LATEST
    assert check_point_in_time('latest') == LATEST
    assert check_point_in_time('1700000000') == 1700000000
    assert check_point_in_time(1700000000) == 1700000000
    for bad in ('yesterday', '-5', '17e8', True, '１７'):
        with pytest.raises(ValidationError):
            check_point_in_time(bad)


def test_clone_plan():
    sources = [{'id': 's1'}, {'id': 's2'}]
    secondary = [{'id': 'r1', 'originalId': 's1', 'CloudEndurePointInTime': '100', 'CloudEndureCreationTime': '110'},
                 {'id': 'r9', 'originalId': 's9', 'CloudEndurePointInTime': '100'},
                 {'id': 'b', 'originalId': None}]
    plan = ClonePlan(sources, secondary, LATEST)
    assert [m['id'] for m in plan.clone] == ['s2'] and plan.destroy == []
    plan = ClonePlan(sources, secondary, LATEST, max_age=60, now=1000)
    assert [m['id'] for m in plan.clone] == ['s1', 's2'] and [m['id'] for m in plan.destroy] == ['r1']
    plan = ClonePlan(sources, secondary, 100)
    assert [m['id'] for m in plan.clone] == ['s2']
    plan = ClonePlan(sources, secondary, LATEST, everything=True)
    assert [m['id'] for m in plan.destroy] == ['r1', 'r9'] and len(plan.clone) == 2
    plan = ClonePlan([{'id': 's1'}], secondary, LATEST, everything=True)
    assert plan.clone == [] and plan.destroy == []  # present: nothing is cloned, nothing destroyed
    again = secondary + [{'id': 'r2', 'originalId': 's2', 'CloudEndureCreationTime': '120'}]
    assert [m['id'] for m in ClonePlan(sources, secondary, LATEST).new_replicas(again)] == ['r2']


CONFIG = {
    'ElasticIP': {'value': None, 'editable': 'true'},
    'Volumes': {'value': {'/dev/a': {'replicate': True, 'ssd': 'Copy Origin', 'IOps': None}}, 'editable': 'true'},
    'InstanceType': {'value': 'Copy Origin', 'editable': 'true'},
    'InstanceSubnet': {'value': 'subnet-1', 'editable': 'false'},
    'PrivateIPs': {'value': 'Copy Origin', 'editable': 'true'},
}


def test_replica_config():
    wanted = replica_options({'instance_type': 'm5.large', 'volumes': {'/dev/a': {'ssd': True, 'iops': 100}},
                              'elastic_ip': True, 'private_ip': '10.0.0.5'})
    new, before, after = apply(CONFIG, wanted, 'ec2')
    assert new['InstanceType']['value'] == 'm5.large' and new['ElasticIP']['value'] == 'Create New'
    assert new['PrivateIPs']['value'] == ['10.0.0.5']
    assert new['Volumes']['value']['/dev/a'] == {'replicate': True, 'ssd': 'true', 'IOps': 100}
    assert after['private_ip'] == '10.0.0.5' and before['instance_type'] == 'Copy Origin'
    assert new['InstanceSubnet'] == CONFIG['InstanceSubnet'] and CONFIG['InstanceType']['value'] == 'Copy Origin'
    # Unchanged values are no change, even on a component that is not editable.
    assert apply(CONFIG, replica_options({'subnet': 'subnet-1'}), 'ec2')[2] == {}
    with pytest.raises(ValidationError) as err:
        apply(CONFIG, replica_options({'subnet': 'subnet-2'}), 'ec2')
    assert err.value.option == 'subnet'
    with pytest.raises(ValidationError):
        apply(CONFIG, replica_options({'private_ip': 'create_new'}), 'ec2')
    outside_aws = dict(CONFIG, Volumes={'value': {'/dev/a': {'replicate': True, 'ssd': 'false', 'IOps': None}},
                                        'editable': 'true'})
    with pytest.raises(ValidationError):
        apply(outside_aws, replica_options({'volumes': {'/dev/a': {'ssd': 'copy origin'}}}), 'machine')
    with pytest.raises(ValidationError):
        replica_options({'private_ip': '10.0.0.1,10.0.0.2'})
    with pytest.raises(ValidationError):
        replica_options({'volumes': {'/dev/a': {'replicate': False}}})


DETAILS = {'username': 'u@example.com', 'company': 'C', 'originalLocation': 'A', 'mirrorLocation': 'B',
           'credentials': {'AWS': {'accessKeyId': 'AKIA1', 'secretAccessKey': 'secret-1'}},
           'features': [{'pointInTime': True}, {'dns': False}]}


def test_account_plan():
    plan = Plan(DETAILS, check_options({'features': {'dns': True}}), 'u@example.com')
    assert plan.changed and not plan.location_change and plan.blocked is None
    assert plan.wanted['features'] == [{'pointInTime': True}, {'dns': True}]
    assert plan.wanted['company'] == 'C' and plan.wanted['credentials']['AWS']['secretAccessKey'] == 'secret-1'
    assert not Plan(DETAILS, check_options({'features': {'dns': False}}), 'u').changed
    plan = Plan(DETAILS, check_options({'secondary_location': 'D'}), 'u')
    assert plan.location_change and plan.after == {'secondary_location': 'D'}
    masked = dict(DETAILS, credentials={'AWS': {'accessKeyId': 'AKIA1', 'secretAccessKey': '********'}})
    assert Plan(masked, check_options({'features': {'dns': True}}), 'u').blocked is not None
    given = check_options({'cloud_credentials': {'aws': {'access_key_id': 'AKIA1', 'secret_access_key': 'rotated-9'}}})
    plan = Plan(masked, given, 'u')
    assert not plan.changed and plan.notes  # the masked secret cannot be compared
    plan = Plan(DETAILS, given, 'u')
    assert plan.after['cloud_credentials']['aws']['secret_access_key'] == '******** (new value)'
    assert 'rotated-9' not in json.dumps(plan.after) and 'secret-1' not in json.dumps(plan.before)
    fresh = Plan(None, check_options({'features': {'dns': True}}), 'u')
    assert fresh.blocked is not None and fresh.blocked.option == 'primary_location'
    assert feature_dict([{'a': True}, {'b': False}]) == {'a': True, 'b': False}
    with pytest.raises(ValidationError):
        check_options({'primary_location': 'A', 'secondary_location': 'A'})
    with pytest.raises(ValidationError):
        check_options({'cloud_credentials': {'aws': {'access_key_id': 'AKIA1', 'secret_access_key': '****'}}})


# -- the session, against the simulator -----------------------------------------------------------------


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    simulator = Simulator([CloudEndureService()], port=0, tls_port=0, quiet=True,
                          state_dir=str(tmp_path_factory.mktemp('simstate')))
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def world(sim, tmp_path):
    requests.post(sim.http_url + '/_sim/reset', json={'service': 'cloudendure'}, timeout=10)
    forget_memory()
    yield dict(sim=sim, cache=str(tmp_path / 'sessions'))
    forget_memory()


def params(world, **extra):
    out = dict(api_url=world['sim'].http_url + '/cloudendure/latest/', username=MAIN_USER, password=MAIN_PASSWORD,
               session_cache_dir=world['cache'], session_cache=True, api_retries=2, api_retry_max_delay=0.01,
               api_timeout=10)
    out.update(extra)
    return out


def calls(world):
    log = requests.get(world['sim'].http_url + '/_sim/requests?service=cloudendure', timeout=10).json()
    return [entry['path'].rsplit('/', 1)[-1] for entry in log['requests']]


def admin(world, action, body=None):
    return requests.post(world['sim'].http_url + '/_sim/cloudendure/' + action, json=body or {}, timeout=10).json()


def test_one_login_for_many_clients(world):
    for dummy in range(3):
        forget_memory()  # a new process (another task or fork)
        assert ce.CloudEndureClient(params(world)).status()['status'] == 'normal'
    assert calls(world) == ['login', 'getStatus', 'getStatus', 'getStatus']


def test_not_logged_in_replays_reads_only(world):
    client = ce.CloudEndureClient(params(world))
    client.status()
    admin(world, 'expire-sessions')
    assert client.status()['status'] == 'normal'
    admin(world, 'expire-sessions')
    with pytest.raises(ApiError) as err:
        client.clone('AWS US East (N. Virginia)', ['i-0a1b2c3d4e5f60002'])
    assert err.value.code == ce.E_NOT_LOGGED_IN and err.value.landed is False
    assert 'not sent again' in err.value.message
    assert calls(world) == ['login', 'getStatus', 'getStatus', 'login', 'getStatus', 'clone', 'login']
    assert client.status()['status'] == 'normal'  # the new session works


def test_wrong_password_is_tried_once_by_every_thread(world):
    errors = []

    def worker():
        try:
            ce.CloudEndureClient(params(world, password='wrong-password')).status()
        except ApiError as exc:
            errors.append(exc)
    threads = [threading.Thread(target=worker) for dummy in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 10 and set(e.code for e in errors) == {ce.E_BAD_CREDENTIALS}
    assert calls(world) == ['login']
    assert 'wrong-password' not in ' '.join(str(e) for e in errors)


def test_remembered_refusal_even_without_the_session_cache(world):
    for dummy in range(2):
        with pytest.raises(ApiError):
            ce.CloudEndureClient(params(world, password='wrong-2', session_cache=False)).status()
    assert calls(world) == ['login']


def test_lockout_stops_every_password(world):
    admin(world, 'lock', {'seconds': 60})
    with pytest.raises(ApiError) as err:
        ce.CloudEndureClient(params(world)).status()
    assert err.value.code == ce.E_TOO_MANY and 'Wait one minute' in err.value.message
    forget_memory()
    with pytest.raises(ApiError) as err:
        ce.CloudEndureClient(params(world, password='another-one')).status()
    assert err.value.code == ce.E_TOO_MANY
    assert calls(world) == ['login']
    admin(world, 'unlock')


def test_without_the_cache_the_session_is_logged_out(world):
    client = ce.CloudEndureClient(params(world, session_cache=False))
    client.status()
    client.close()
    assert calls(world) == ['login', 'getStatus', 'logout']


@pytest.mark.parametrize('knobs, double', [
    ({'double_encoded': 'yes', 'error_status': 'mapped', 'machine_id_param': 'documented'}, True),
    ({'double_encoded': 'accept', 'error_status': '400', 'machine_id_param': 'corrected'}, False),
])
def test_readings(world, knobs, double):
    requests.post(world['sim'].http_url + '/_sim/config', json=dict(knobs, service='cloudendure'), timeout=10)
    client = ce.CloudEndureClient(params(world, double_encoding=double))
    details = client.require_details()
    assert details['originalLocation'] == 'AWS US East (N. Virginia)'
    assert len(client.machines(details['originalLocation'])) == 7
    client.start_replication('i-0a1b2c3d4e5f60003')
    assert client.replica_config('i-0a1b2c3d4e5f60003')['InstanceType']['value'] == 'Copy Origin'
    with pytest.raises(ApiError) as err:
        client.machines('Nowhere')
    assert err.value.code == ce.E_UNKNOWN_LOCATION
    defaults = {'service': 'cloudendure', 'double_encoded': 'no', 'error_status': '200', 'machine_id_param': 'both'}
    requests.post(world['sim'].http_url + '/_sim/config', json=defaults, timeout=10)


def test_unexpected_error_on_a_read_is_retried(world):
    client = ce.CloudEndureClient(params(world))
    client.status()
    fault = {'service': 'cloudendure', 'fault': '500', 'path': 'getStatus$', 'count': 1}
    requests.post(world['sim'].http_url + '/_sim/faults', json=fault, timeout=10)
    assert client.status()['status'] == 'normal'
    assert calls(world)[-2:] == ['getStatus', 'getStatus']


def test_status_log_splits_on_newlines_only():
    status = {'status': 'cloning', 'log': '2026-11-30 10:00:00 UTC clone\u2028started: Success\r\n\n2026-11-30 10:00:01 UTC b\x85c: Skipped'}
    assert ce.status_log(status) == ['2026-11-30 10:00:00 UTC clone\u2028started: Success', '2026-11-30 10:00:01 UTC b\x85c: Skipped']
    assert ce.status_log({'status': 'normal'}) == [] and ce.status_log(None) == []
