# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the N2WS CPM simulator, part 2 (recover calls, recovery records, recovery from S3, instance helpers,
recovery scenarios), run in-process on free ports."""

import csv
import io
import os
import sys
import time

import pytest
import requests

SIM_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'simulator'))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position,redefined-outer-name
from backupdr_simulator.core import Simulator  # noqa: E402
from backupdr_simulator.cpm import CPMService  # noqa: E402
from backupdr_simulator.cpm.directory import DEFAULT_USERS  # noqa: E402

KEYS = dict((row[1], row[5]) for row in DEFAULT_USERS)
RECOVERY_FIELDS = {'account', 'backup_marked_for_deletion', 'backup_record', 'backup_time', 'frozen_item_name',
                   'glacier_retrieve_status', 'id', 'policy', 'recovered_resource_ids', 'recovery_scenario_id',
                   'recovery_scenario_name', 'recovery_scenario_record', 'recovery_scenario_record_dry_run_only',
                   'recovery_scenario_record_start_time', 'recovery_time', 'recovery_type', 's3_recover_status',
                   'status', 'user'}
RECORD_FIELDS = {'backup_record', 'backup_record_start_time', 'dry_run_only', 'end_time', 'id', 'recovery_scenario',
                 'start_time', 'status'}
SCENARIO_FIELDS = {'agent_script_timeout', 'collect_script_output', 'description', 'enable_agent_scripts', 'endure',
                   'id', 'name', 'policy', 'recipients', 'recovery_destination_account', 'recovery_destination_region',
                   'schedule', 'schedule_running_option', 'target_type_count'}


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    """One simulator for the module, on free ports."""
    simulator = Simulator([CPMService()], port=0, tls_port=0, quiet=True,
                          state_dir=str(tmp_path_factory.mktemp('simstate')))
    simulator.start()
    yield simulator
    simulator.stop()


class Cpm:
    """Token, API and admin helpers."""

    def __init__(self, simulator):
        self.sim = simulator
        self.api = simulator.http_url + '/cpm/api/'
        self.session = requests.Session()
        self.tokens = {}

    def token(self, who='root'):
        """A cached access token."""
        if who not in self.tokens:
            response = self.session.post(self.api + 'token/obtain/api_key/', json={'api_key': KEYS[who]}, timeout=10)
            assert response.status_code == 200, response.text
            self.tokens[who] = response.json()['access']
        return self.tokens[who]

    def req(self, method, path, who='root', headers=None, **kwargs):
        """An API call with the user's bearer token."""
        merged = {'Authorization': 'Bearer ' + self.token(who)}
        merged.update(headers or {})
        return self.session.request(method, self.api + path, headers=merged, timeout=10, **kwargs)

    def get(self, path, who='root', **kwargs):
        """GET"""
        return self.req('GET', path, who, **kwargs)

    def post(self, path, body=None, who='root', **kwargs):
        """POST JSON"""
        return self.req('POST', path, who, json=body, **kwargs)

    def put(self, path, body=None, who='root', **kwargs):
        """PUT JSON"""
        return self.req('PUT', path, who, json=body, **kwargs)

    def delete(self, path, who='root', **kwargs):
        """DELETE"""
        return self.req('DELETE', path, who, **kwargs)

    @staticmethod
    def ok(response, status=200):
        """Assert a status; return the JSON body (None when empty)."""
        assert response.status_code == status, '%s %s -> %s %s' % (response.request.method, response.request.url,
                                                                   response.status_code, response.text)
        return response.json() if response.content else None

    def admin(self, method, name, payload=None, status=200):
        """Call the admin API."""
        response = self.session.request(method, self.sim.http_url + '/_sim/' + name, json=payload, timeout=30)
        assert response.status_code == status, response.text
        return response.json()

    def config(self, **knobs):
        """Set CPM knobs."""
        return self.admin('POST', 'config', dict(knobs, service='cpm'))

    def inventory(self, kind, account=1, region='us-east-1'):
        """Inventory resources of a kind."""
        return self.admin('GET', 'cpm/inventory?account=%d&region=%s&kind=%s' % (account, region, kind))['resources']

    def policy(self, name='p1', account=1, **fields):
        """Create a policy."""
        return self.ok(self.post('policies/', dict({'name': name, 'account': account}, **fields)), 201)

    def target(self, pid, kind, index=0, region='us-east-1', **fields):
        """Protect the index-th inventory resource of a kind."""
        resource = self.inventory(kind, region=region)[index]
        if kind == 'dynamodb_tables':
            body = {'aws_region': region, 'aws_resource_name': resource['name']}
        else:
            body = {'aws_region': region, 'aws_resource_id': resource['aws_id']}
        body.update(fields)
        self.ok(self.post('policies/%d/targets/%s/' % (pid, kind), body), 201)
        return resource

    def backup(self, pid, status='B', age=60):
        """A finished backup (admin add-backup)."""
        return self.admin('POST', 'cpm/add-backup', {'policy': pid, 'status': status, 'age_seconds': age})['backup']

    def snaps(self, backup_id, family):
        """Snapshot records of a family."""
        return self.ok(self.get('backups/%d/snapshots/%s/' % (backup_id, family)))

    def recover(self, backup_id, family, record_id, body=None, action='recover', status=202, who='root'):
        """A recover call."""
        return self.ok(self.post('backups/%d/snapshots/%s/%d/%s/' % (backup_id, family, record_id, action),
                                 body if body is not None else {}, who=who), status)

    def recovery(self, rid):
        """GET a recovery record."""
        return self.ok(self.get('recoveries/%d/' % rid))


def errors_of(response, status):
    """The ``{field: [{message, code}]}`` object of the seed's error envelope."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ['errors'] and len(body['errors']) == 1
    return body['errors'][0]


def codes(response, status):
    """{field: [code, ...]} of an error response."""
    return dict((field, [item['code'] for item in items]) for field, items in errors_of(response, status).items())


def wait_for(predicate, timeout=5.0):
    """Poll until predicate() is truthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('condition not met within %.1fs' % timeout)


def done(cpm, rid):
    """Wait until a recovery ends; return it."""
    return wait_for(lambda: [r for r in [cpm.recovery(rid)] if r['status'] != 'P'])[0]


@pytest.fixture
def cpm(sim):
    """A client on a freshly reset simulator with fast phases."""
    client = Cpm(sim)
    client.admin('POST', 'reset', {})
    client.config(backup_seconds=0.2, dr_seconds=0.05, s3_copy_seconds=0.05, recovery_seconds=0.15,
                  glacier_retrieve_seconds=0.1)
    yield client
    client.session.close()


def protect_everything(cpm):
    """A policy with one target of every kind; return (policy id, {kind: resource})."""
    pid = cpm.policy()['id']
    resources = {}
    for kind in ('instances', 'volumes', 'rds_databases', 'rds_clusters', 'redshift_clusters', 'dynamodb_tables', 'efs'):
        resources[kind] = cpm.target(pid, kind)
    return pid, resources


# -- routes ------------------------------------------------------------------------------------------------


def test_part2_routes_registered(sim):
    table = set((method, path) for method, path, _since, _line in sim.services['cpm'].route_table())
    families = ('dr_efs', 'dr_rds_clusters', 'dr_rds_databases', 'dr_volumes', 'dynamodb_tables', 'efs', 'instances',
                'rds_clusters', 'rds_databases', 'redshift_clusters', 'volumes')
    for family in families:
        assert ('POST', '/api/backups/{backup_id}/snapshots/%s/{snapshot_record_id}/recover/' % family) in table
    for family in ('instances', 'volumes'):
        assert ('POST', '/api/backups/{backup_id}/snapshots/%s/{snapshot_record_id}/recover_from_s3/' % family) in table
    expected = {('GET', '/api/recoveries/'), ('DELETE', '/api/recoveries/{id}/'), ('GET', '/api/recoveries/{id}/logs/'),
                ('POST', '/api/recoveries/{recovery_id}/recover_from_s3/abort/'), ('PUT', '/api/recovery_scenarios/records/{id}/'),
                ('POST', '/api/recovery_scenarios/{scenario_id}/recover/'), ('POST', '/api/explore_sessions/'),
                ('POST', '/api/explore_sessions/{explore_session_id}/download/'), ('GET', '/api/freezer/'),
                ('DELETE', '/api/s3_repositories/{id}/force/'), ('GET', '/api/captured_vpcs/{id}/cloudformation_template/'),
                ('POST', '/api/accounts/backup/{id}/clone_vpc/'), ('GET', '/api/accounts/backup/{id}/clone_vpc_log/'),
                ('GET', '/api/backups/{backup_id}/snapshots/instances/{snapshot_id}/find_similar_ami/')}
    assert expected <= table
    assert len([1 for _m, path in table if 'recover' in path and path.startswith('/api/backups/')]) == 13


# -- the recover calls ---------------------------------------------------------------------------------------


def test_recover_every_native_kind(cpm):
    pid, resources = protect_everything(cpm)
    backup = cpm.backup(pid)
    bid = backup['id']
    bodies = {'instances': {}, 'volumes': {'capacity': 200, 'zone': 'us-east-1b'},
              'rds_databases': {'aws_resource_id': 'restored-db', 'storage_type': 'gp2', 'iops': 1000},
              'rds_clusters': {'aws_resource_id': 'restored-cluster', 'aws_dbinstance_id': 'restored-cluster-1'},
              'redshift_clusters': {'aws_resource_id': 'restored-rs', 'port': 5440},
              'dynamodb_tables': {'aws_resource_name': 'orders-restored'}, 'efs': {'target_efs': 'N'}}
    letters = {'instances': 'I', 'volumes': 'V', 'rds_databases': 'R', 'rds_clusters': 'A', 'redshift_clusters': 'C',
               'dynamodb_tables': 'D', 'efs': 'E'}
    started = {}
    for family, body in bodies.items():
        records = cpm.snaps(bid, family)
        record = records[0] if family != 'volumes' else [r for r in records if r['instance_id'] is None][0]
        answer = cpm.recover(bid, family, record['id'], body)
        assert set(answer) == RECOVERY_FIELDS and answer['status'] == 'P' and answer['recovery_type'] == letters[family]
        assert answer['backup_record'] == bid and answer['policy'] == pid and answer['account'] == 1
        assert answer['recovered_resource_ids'] == '' and answer['s3_recover_status'] == {'progress_percent': [0],
                                                                                          'status': 'Z'}
        assert answer['backup_time'] == backup['start_time'] and answer['recovery_scenario_record'] is None
        started[family] = answer['id']
    ended = dict((family, done(cpm, rid)) for family, rid in started.items())
    assert all(r['status'] == 'R' for r in ended.values())
    instance = resources['instances']['aws_id']
    ids = ended['instances']['recovered_resource_ids'].split(',')
    assert ids[0].startswith('i-') and ids[0].endswith('(original: %s)' % instance) and len(ids) == 3  # + 2 volumes
    assert ended['rds_databases']['recovered_resource_ids'] == 'restored-db (original: %s)' % resources['rds_databases']['aws_id']
    assert ended['dynamodb_tables']['recovered_resource_ids'].startswith('orders-restored (original: ')
    assert ended['efs']['recovered_resource_ids'].startswith('fs-')
    # the recovered resources exist in AWS now (a second recovery under the same name fails, see below)
    assert [r for r in cpm.inventory('rds_databases') if r['aws_id'] == 'restored-db'][0]['recovered'] is True
    new_instance = ids[0].split(' ')[0]
    assert len([r for r in cpm.inventory('instances') if r['aws_id'] == new_instance][0]['volumes']) == 2
    assert [r for r in cpm.inventory('volumes') if r['aws_id'] == ended['volumes']['recovered_resource_ids'].split(' ')[0]][
        0]['size'] == 200
    assert cpm.ok(cpm.get('policies/%d/' % pid))['last_recovery_time'] is not None
    logs = cpm.ok(cpm.get('recoveries/%d/logs/' % started['rds_databases']))
    assert logs[0]['log_type'] == 'Info' and 'started' in logs[0]['log'] and 'Recovery Successful' in logs[-1]['log']
    listed = cpm.get('recoveries/%d/logs/' % started['rds_databases'], headers={'Accept': 'text/csv'})
    assert listed.headers['Content-Type'].startswith('text/csv')
    assert list(csv.reader(io.StringIO(listed.text)))[0] == ['Time', 'Severity', 'Message']
    # a second recovery to the same name fails at run time (AWS refuses the identifier)
    again = cpm.recover(bid, 'rds_databases', cpm.snaps(bid, 'rds_databases')[0]['id'], {'aws_resource_id': 'restored-db'})
    failed = done(cpm, again['id'])
    assert failed['status'] == 'F' and failed['recovered_resource_ids'] == ''
    assert 'already exists' in cpm.ok(cpm.get('recoveries/%d/logs/' % again['id']))[-2]['log']


def test_recover_dr_kinds(cpm):
    pid = cpm.policy()['id']
    for kind in ('volumes', 'rds_databases', 'rds_clusters', 'efs'):
        cpm.target(pid, kind)
    cpm.ok(cpm.put('policies/%d/dr/' % pid, {'dr_enabled': True, 'dr_regions': [4]}))
    bid = cpm.backup(pid)['id']
    bodies = {'dr_volumes': {}, 'dr_rds_databases': {'aws_resource_id': 'dr-db'},
              'dr_rds_clusters': {'aws_resource_id': 'dr-cl', 'aws_dbinstance_id': 'dr-cl-1'}, 'dr_efs': {}}
    for family, body in bodies.items():
        record = cpm.snaps(bid, family)[0]
        assert record['region'] == 'us-west-2'
        answer = cpm.recover(bid, family, record['id'], body)
        assert done(cpm, answer['id'])['status'] == 'R'
    assert [r for r in cpm.inventory('rds_databases', region='us-west-2') if r['aws_id'] == 'dr-db']
    assert cpm.ok(cpm.get('policies/%d/' % pid))['last_dr_recovery_time'] is not None
    # the version gate: DR EFS recovery is 1.5.0
    record = cpm.snaps(bid, 'dr_efs')[0]
    old = cpm.post('backups/%d/snapshots/dr_efs/%d/recover/' % (bid, record['id']), {},
                   headers={'Accept': 'application/json; version=1.4.0'})
    assert old.status_code == 404


def test_recover_validation_permissions_and_412(cpm):
    pid = cpm.policy()['id']
    cpm.target(pid, 'instances', 2)            # the Windows instance (main-app-win-1)
    cpm.target(pid, 'rds_databases')
    cpm.target(pid, 'volumes')
    bid = cpm.backup(pid)['id']
    instance = cpm.snaps(bid, 'instances')[0]
    base = 'backups/%d/snapshots/instances/%d/recover/' % (bid, instance['id'])
    assert codes(cpm.post(base, {'restore_from': 'S'}), 400) == {'restore_from': ['invalid']}
    assert codes(cpm.post(base, {'placement': 'G', 'instance_volumes': [{'volume_id': 'vol-nope'}],
                                 'to_region': 99, 'tenancy': 'shared'}), 400) == {
        'to_region': ['does_not_exist'], 'tenancy': ['invalid_choice']}  # field errors first, then cross-field ones
    assert codes(cpm.post(base, {'placement': 'G', 'instance_volumes': [{'volume_id': 'vol-nope'}]}), 400) == {
        'placement_group': ['required'], 'instance_volumes.0.volume_id': ['does_not_exist']}
    assert codes(cpm.post(base, {'vpc_assign_ip': '10.0.0.300', 'additional_nics': ['eni-x']}), 400) == {
        'vpc_assign_ip': ['invalid'], 'additional_nics': ['does_not_exist']}
    assert codes(cpm.post(base, {'to_account': 4}), 400) == {'to_account': ['does_not_exist']}  # tenant's account
    nics = cpm.ok(cpm.get('backups/%d/snapshots/instances/%d/aws_additional_nics/' % (bid, instance['id'])))
    assert cpm.recover(bid, 'instances', instance['id'], {'additional_nics': [nics[0]['id']], 'to_region': 4,
                                                          'zone': 'us-west-2b'})['status'] == 'P'
    assert codes(cpm.post(base, {'to_region': 4, 'zone': 'us-east-1a'}), 400) == {'zone': ['invalid']}
    rds = cpm.snaps(bid, 'rds_databases')[0]
    rds_path = 'backups/%d/snapshots/rds_databases/%d/recover/' % (bid, rds['id'])
    assert codes(cpm.post(rds_path, {}), 400) == {'aws_resource_id': ['required']}
    assert codes(cpm.post(rds_path, {'aws_resource_id': 'x', 'to_account': 'abc'}), 400) == {
        'to_account': ['does_not_exist']}
    # wrong family, other backup, unknown id: 404; a reader (auditor) and the tenant cannot recover
    assert cpm.post('backups/%d/snapshots/volumes/%d/recover/' % (bid, rds['id']), {}).status_code == 404
    assert cpm.post(rds_path, {'aws_resource_id': 'x'}, who='auditor').status_code == 403
    assert cpm.post(rds_path, {'aws_resource_id': 'x'}, who='tenant').status_code == 404
    operated = cpm.ok(cpm.post(rds_path, {'aws_resource_id': 'op-db'}, who='operator'), 202)
    done(cpm, operated['id'])
    # 412: the refuse knob, a deleted snapshot, a failed backup, no copy in S3
    cpm.config(recovery_concurrency='refuse', recovery_seconds=5)
    first = cpm.recover(bid, 'rds_databases', rds['id'], {'aws_resource_id': 'one'})
    assert codes(cpm.post(rds_path, {'aws_resource_id': 'two'}), 412) == {'detail': ['precondition_failed']}
    cpm.config(recovery_concurrency='allow')
    assert cpm.recover(bid, 'rds_databases', rds['id'], {'aws_resource_id': 'two'})['id'] == first['id'] + 1
    cpm.config(recovery_seconds=0.15)
    volume = cpm.snaps(bid, 'volumes')
    independent = [v for v in volume if v['instance_id'] is None][0]
    assert codes(cpm.post('backups/%d/snapshots/volumes/%d/recover_from_s3/' % (bid, independent['id']), {}),
                 412) == {'detail': ['precondition_failed']}
    attached = [v for v in volume if v['instance_id']][0]
    assert cpm.post('backups/%d/snapshots/volumes/%d/recover_from_s3/' % (bid, attached['id']), {}).status_code == 412
    cpm.ok(cpm.delete('backups/%d/snapshots/volumes/%d/' % (bid, independent['id'])), 204)
    assert cpm.post('backups/%d/snapshots/volumes/%d/recover/' % (bid, independent['id']), {}).status_code == 412
    failed = cpm.backup(pid, status='F')['id']
    record = cpm.snaps(failed, 'rds_databases')[0]
    assert cpm.post('backups/%d/snapshots/rds_databases/%d/recover/' % (failed, record['id']),
                    {'aws_resource_id': 'z'}).status_code == 412
    assert codes(cpm.post('backups/%d/snapshots/rds_databases/%d/recover/' % (failed, record['id']),
                          {'aws_resource_id': 'z', 'zone': 'eu-west-1a'}), 400) == {'zone': ['invalid']}  # 400 first
    cpm.ok(cpm.delete('backups/%d/snapshots/' % bid), 204)
    assert cpm.post(rds_path, {'aws_resource_id': 'after-wipe'}).status_code == 412
    # the busy fault is the seed's 412 too
    cpm.admin('POST', 'faults', {'service': 'cpm', 'fault': 'busy', 'count': 1})
    assert codes(cpm.post(rds_path, {'aws_resource_id': 'busy'}), 412) == {'detail': ['precondition_failed']}


def test_outcomes_and_knobs(cpm):
    pid = cpm.policy()['id']
    cpm.target(pid, 'instances')
    cpm.target(pid, 'rds_databases')
    bid = cpm.backup(pid)['id']
    instance = cpm.snaps(bid, 'instances')[0]
    rds = cpm.snaps(bid, 'rds_databases')[0]
    cpm.admin('POST', 'cpm/fail-next-recovery', {'status': 'A', 'recovery_type': 'I'})
    cpm.admin('POST', 'cpm/fail-next-recovery', {'status': 'F', 'policy': pid})
    partial = done(cpm, cpm.recover(bid, 'instances', instance['id'])['id'])
    assert partial['status'] == 'A' and len(partial['recovered_resource_ids'].split(',')) == 2  # a volume failed
    logs = cpm.ok(cpm.get('recoveries/%d/logs/' % partial['id']))
    assert [line for line in logs if line['log_type'] == 'Error'] and 'Partially' in logs[-1]['log']
    failed = done(cpm, cpm.recover(bid, 'rds_databases', rds['id'], {'aws_resource_id': 'f1'})['id'])
    assert failed['status'] == 'F' and failed['recovered_resource_ids'] == ''
    assert not [r for r in cpm.inventory('rds_databases') if r['aws_id'] == 'f1']
    # knobs: ids at the start, the extended record, progress as an integer, ids as strings
    cpm.config(recovered_ids_when='start', recovery_record_detail='extended', progress_percent_type='int',
               id_type='str', recovery_seconds=2)
    started = cpm.recover(bid, 'rds_databases', rds['id'], {'aws_resource_id': 'named-db'})
    assert started['status'] == 'P' and started['recovered_resource_ids'] == 'named-db (original: %s)' % rds[
        'backed_up_resource_id']
    assert started['snapshot_record_id'] == str(rds['id']) and started['target_name'] == 'named-db'
    assert started['backed_up_resource_id'] == rds['backed_up_resource_id'] and started['target_region'] == 'us-east-1'
    assert started['s3_recover_status']['progress_percent'] == 0 and started['id'] == str(started['id'])
    assert started['backup_record'] == str(bid)
    assert codes(cpm.delete('recoveries/%s/' % started['id']), 400) == {'non_field_errors': ['invalid']}
    cpm.config(id_type='int', recovery_seconds=0.05, recovery_record_detail='seed')
    rid = int(started['id'])
    assert done(cpm, rid)['status'] == 'R' and 'snapshot_record_id' not in cpm.recovery(rid)
    # list filters and ordering
    assert [r['id'] for r in cpm.ok(cpm.get('recoveries/?status=F'))] == [failed['id']]
    assert [r['id'] for r in cpm.ok(cpm.get('recoveries/?ordering=-recovery_time'))][0] == rid
    assert len(cpm.ok(cpm.get('recoveries/?policy=%d&page=1&page_size=2' % pid))['results']) == 2
    assert cpm.ok(cpm.get('recoveries/', who='tenant')) == []
    assert cpm.get('recoveries/%d/' % rid, who='tenant').status_code == 404
    assert cpm.delete('recoveries/%d/' % rid, who='auditor').status_code == 403
    assert cpm.ok(cpm.delete('recoveries/%d/' % rid), 204) is None
    assert cpm.get('recoveries/%d/' % rid).status_code == 404
    recoveries = cpm.admin('GET', 'cpm/recoveries')
    assert recoveries['planned'] == [] and len(recoveries['recoveries']) == 2


def test_recover_from_s3_glacier_and_abort(cpm):
    pid = cpm.policy()['id']
    cpm.target(pid, 'instances')
    cpm.ok(cpm.put('policies/%d/copy_to_s3/' % pid, {'enabled': True, 'repository': 1}))
    bid = cpm.backup(pid)['id']
    copies = cpm.snaps(bid, 'copy_to_s3')
    assert len(copies) == 2 and copies[0]['tier'] == 'S'
    volume = cpm.snaps(bid, 'volumes')[0]
    instance = cpm.snaps(bid, 'instances')[0]
    body = {'worker_configuration': {'aws_vpc': 'vpc-1', 'aws_subnet': 'subnet-1', 'aws_security_group': 'sg-1'},
            'region': 'us-east-1'}
    assert codes(cpm.post('backups/%d/snapshots/volumes/%d/recover_from_s3/' % (bid, volume['id']),
                          {'worker_configuration': {'aws_vpc': 'v'}, 'region': 'mars-1'}), 400) == {
        'worker_configuration.aws_subnet': ['required'], 'worker_configuration.aws_security_group': ['required']}
    assert codes(cpm.post('backups/%d/snapshots/volumes/%d/recover_from_s3/' % (bid, volume['id']),
                          {'region': 'mars-1'}), 400) == {'region': ['invalid_choice']}
    cpm.config(recovery_seconds=0.3)
    answer = cpm.recover(bid, 'volumes', volume['id'], body, action='recover_from_s3')
    seen = set()
    final = wait_for(lambda: [r for r in [cpm.recovery(answer['id'])] if not seen.add(r['s3_recover_status']['status'])
                              and r['status'] != 'P'])[0]
    assert final['status'] == 'R' and final['s3_recover_status'] == {'progress_percent': [100], 'status': 'S'}
    assert {'I', 'P'} & seen and final['glacier_retrieve_status']['status'] == 'Z'
    # archived copies: retrieve_options needed, Glacier first
    cpm.admin('POST', 'cpm/archive-s3-copies', {'backup': bid})
    path = 'backups/%d/snapshots/instances/%d/recover_from_s3/' % (bid, instance['id'])
    assert codes(cpm.post(path, {}), 400) == {'retrieve_options': ['required']}
    assert codes(cpm.post(path, {'retrieve_options': {'days_to_keep': 2}}), 400) == {
        'retrieve_options.retrieval_tier': ['required']}
    glacier = cpm.recover(bid, 'instances', instance['id'], {'retrieve_options': {'retrieval_tier': 'B'}},
                          action='recover_from_s3')
    result = done(cpm, glacier['id'])
    assert result['status'] == 'R' and result['glacier_retrieve_status']['status'] == 'S'
    assert 'tier B' in cpm.ok(cpm.get('recoveries/%d/logs/' % glacier['id']))[1]['log']
    # abort while copying from S3: G, then A; the recovery fails
    cpm.config(recovery_seconds=5, glacier_retrieve_seconds=0.01)
    running = cpm.recover(bid, 'instances', instance['id'], {'retrieve_options': {'retrieval_tier': 'E'}},
                          action='recover_from_s3')
    wait_for(lambda: cpm.recovery(running['id'])['s3_recover_status']['status'] in ('I', 'P'))
    aborted = cpm.post('recoveries/%d/recover_from_s3/abort/' % running['id'])
    assert aborted.status_code == 201 and aborted.content == b''
    assert cpm.recovery(running['id'])['s3_recover_status']['status'] == 'G'
    assert codes(cpm.post('recoveries/%d/recover_from_s3/abort/' % running['id']), 400) == {'non_field_errors': ['invalid']}
    cpm.config(recovery_seconds=0.1)
    stopped = done(cpm, running['id'])
    assert stopped['status'] == 'F' and stopped['s3_recover_status']['status'] == 'A'
    native = cpm.recover(bid, 'instances', instance['id'])
    assert codes(cpm.post('recoveries/%d/recover_from_s3/abort/' % native['id']), 400) == {'non_field_errors': ['invalid']}
    assert cpm.post('recoveries/%d/recover_from_s3/abort/' % native['id'], who='auditor').status_code == 403


def test_instance_helpers(cpm):
    pid = cpm.policy()['id']
    cpm.target(pid, 'instances', ami_backup_option='O')
    cpm.target(pid, 'rds_databases')
    bid = cpm.backup(pid)['id']
    instance = cpm.snaps(bid, 'instances')[0]
    base = 'backups/%d/snapshots/instances/%d/' % (bid, instance['id'])
    amis = cpm.ok(cpm.get(base + 'ami/'))
    assert len(amis) == 1 and amis[0]['aws_image_id'] == cpm.snaps(bid, 'only_amis')[0]['aws_image_id']
    assert set(amis[0]) == {'aws_hypervisor', 'aws_image_id', 'aws_owner_alias', 'aws_owner_id', 'aws_region',
                            'aws_virtualization_type', 'description', 'id', 'name', 'root_device_name',
                            'root_device_type'}
    nics = cpm.ok(cpm.get(base + 'aws_additional_nics/'))
    assert len(nics) == 2 and set(nics[0]) == {'id', 'display_name'} and nics[0]['id'].startswith('eni-')
    similar = cpm.ok(cpm.get(base + 'find_similar_ami/'))
    assert [s['match_type'] for s in similar] == ['E', 'N', 'A'] and similar[0]['aws_image_id'] == instance['aws_image_id']
    assert [s['match_type'] for s in cpm.ok(cpm.get(base + 'find_similar_ami/?exact_match=true'))] == ['E']
    assert [s['match_type'] for s in cpm.ok(cpm.get(base + 'find_similar_ami/?aws_region=us-west-2'))] == ['N', 'A']
    assert codes(cpm.get(base + 'find_similar_ami/?account=4'), 400) == {'account': ['does_not_exist']}
    rds = cpm.snaps(bid, 'rds_databases')[0]
    assert cpm.get('backups/%d/snapshots/instances/%d/ami/' % (bid, rds['id'])).status_code == 404
    # an AMI-only instance backup is recoverable (image based); "Create AMI without recovery" makes an AMI only
    result = done(cpm, cpm.recover(bid, 'instances', instance['id'], {'ami_handling': 'O'})['id'])
    assert result['status'] == 'R' and result['recovered_resource_ids'].startswith('ami-')


# -- recovery scenarios ---------------------------------------------------------------------------------------


def test_scenarios_crud_and_targets(cpm):
    pid = cpm.policy()['id']
    instance = cpm.target(pid, 'instances')
    rds = cpm.target(pid, 'rds_databases')
    schedule = cpm.ok(cpm.post('schedules/', {'name': 's1', 'user': 1, 'every_how_many': 1}), 201)
    assert codes(cpm.post('recovery_scenarios/', {'name': 'x'}), 400) == {'policy': ['required']}
    assert codes(cpm.post('recovery_scenarios/', {'policy': 999}), 400) == {'policy': ['does_not_exist']}
    assert codes(cpm.post('recovery_scenarios/', {'policy': pid, 'recovery_destination_account': 4,
                                                  'recipients': ['not-an-email'], 'schedule_running_option': 'X'}),
                 400) == {'recovery_destination_account': ['does_not_exist'], 'schedule_running_option': ['invalid_choice']}
    assert codes(cpm.post('recovery_scenarios/', {'policy': pid, 'recipients': ['nope']}), 400) == {'recipients': ['invalid']}
    scenario = cpm.ok(cpm.post('recovery_scenarios/', {'policy': pid, 'name': 'drill', 'schedule': schedule['id'],
                                                       'recovery_destination_region': 1, 'recipients': ['a@b.io']}), 201)
    assert set(scenario) == SCENARIO_FIELDS and scenario['schedule_running_option'] == 'D' and scenario['endure'] is False
    assert scenario['target_type_count'] == '{}'
    sid = scenario['id']
    assert cpm.ok(cpm.get('schedules/%d/' % schedule['id']))['num_recovery_scenarios'] == 1
    assert cpm.post('recovery_scenarios/', {'policy': pid}, who='auditor').status_code == 403
    base = 'recovery_scenarios/%d/targets/' % sid
    assert codes(cpm.post(base, {'aws_region': 'us-west-2', 'aws_resource_id': instance['aws_id'], 'recovery_type': 'I',
                                 'configuration': '{}'}), 400) == {'aws_region': ['invalid']}
    assert codes(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': 'i-nope', 'recovery_type': 'I',
                                 'configuration': '{}'}), 400) == {'aws_resource_id': ['invalid']}
    assert codes(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': instance['aws_id'], 'recovery_type': 'DRV',
                                 'configuration': '{}'}), 400) == {'aws_resource_id': ['invalid']}
    assert codes(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': instance['aws_id'], 'recovery_type': 'S3I',
                                 'configuration': '{}'}), 400) == {'recovery_type': ['invalid']}
    assert codes(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': instance['aws_id'], 'recovery_type': 'I',
                                 'configuration': 'not json'}), 400) == {'configuration': ['invalid']}
    assert codes(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': rds['aws_id'], 'recovery_type': 'R',
                                 'configuration': '{"storage_type": "ssd"}'}), 400) == {
        'configuration.storage_type': ['invalid_choice']}
    first = cpm.ok(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': instance['aws_id'],
                                   'recovery_type': 'I', 'configuration': '{"instance_type": "t3.large"}'}), 201)
    assert set(first) == {'aws_region', 'aws_resource_id', 'configuration', 'id', 'order', 'recovery_type'}
    assert first['order'] == 1 and first['configuration'] == '{"instance_type": "t3.large"}'
    second = cpm.ok(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': rds['aws_id'], 'recovery_type': 'R',
                                    'configuration': '{}', 'order': 0}), 201)
    assert codes(cpm.post(base, {'aws_region': 'us-east-1', 'aws_resource_id': rds['aws_id'], 'recovery_type': 'R',
                                 'configuration': '{}'}), 400) == {'aws_resource_id': ['unique']}
    assert [t['id'] for t in cpm.ok(cpm.get(base + '?ordering=order'))] == [second['id'], first['id']]
    assert [t['id'] for t in cpm.ok(cpm.get(base + '?recovery_type=R'))] == [second['id']]
    assert cpm.ok(cpm.get(base + '%d/' % first['id']))['recovery_type'] == 'I'
    assert codes(cpm.put(base + '%d/' % second['id'], {'order': 5}), 400) == {
        'configuration': ['required'], 'recovery_type': ['required']}
    updated = cpm.ok(cpm.put(base + '%d/' % second['id'], {'configuration': '{"port": 3307}', 'recovery_type': 'R',
                                                           'order': 3}))
    assert updated['order'] == 3 and updated['configuration'] == '{"port": 3307}'
    assert cpm.ok(cpm.get('recovery_scenarios/%d/' % sid))['target_type_count'] == '{"I": 1, "R": 1}'
    # scenario list, filters, search, ordering, PUT (policy create-only), delete
    other = cpm.ok(cpm.post('recovery_scenarios/', {'policy': pid, 'name': 'other', 'description': 'nightly'}), 201)
    assert [s['id'] for s in cpm.ok(cpm.get('recovery_scenarios/?name=drill'))] == [sid]
    assert [s['id'] for s in cpm.ok(cpm.get('recovery_scenarios/?search=nightly'))] == [other['id']]
    assert [s['id'] for s in cpm.ok(cpm.get('recovery_scenarios/?search=virginia'))] == [sid]
    assert [s['id'] for s in cpm.ok(cpm.get('recovery_scenarios/?ordering=-name'))] == [other['id'], sid]
    assert cpm.ok(cpm.get('recovery_scenarios/', who='tenant')) == []
    changed = cpm.ok(cpm.put('recovery_scenarios/%d/' % sid, {'endure': True, 'policy': 999}))
    assert changed['endure'] is True and changed['policy'] == pid and changed['name'] == 'drill'
    cpm.ok(cpm.delete('schedules/%d/' % schedule['id']), 204)
    assert cpm.ok(cpm.get('recovery_scenarios/%d/' % sid))['schedule'] is None
    cpm.ok(cpm.delete(base + '%d/' % first['id']), 204)
    assert cpm.get(base + '%d/' % first['id']).status_code == 404
    cpm.ok(cpm.delete('recovery_scenarios/%d/' % other['id']), 204)
    cpm.ok(cpm.delete('policies/%d/' % pid), 204)
    assert cpm.get('recovery_scenarios/%d/' % sid).status_code == 404  # a deleted policy takes its scenarios


def _scenario(cpm, pid, targets, **fields):
    scenario = cpm.ok(cpm.post('recovery_scenarios/', dict({'policy': pid, 'name': 'drill'}, **fields)), 201)
    for body in targets:
        cpm.ok(cpm.post('recovery_scenarios/%d/targets/' % scenario['id'], body), 201)
    return scenario['id']


def test_scenario_runs(cpm):
    pid = cpm.policy()['id']
    instance = cpm.target(pid, 'instances')
    rds = cpm.target(pid, 'rds_databases')
    table = cpm.target(pid, 'dynamodb_tables')
    bid = cpm.backup(pid)['id']
    sid = _scenario(cpm, pid, [
        {'aws_region': 'us-east-1', 'aws_resource_id': rds['aws_id'], 'recovery_type': 'R', 'configuration': '{}'},
        {'aws_region': 'us-east-1', 'aws_resource_id': instance['aws_id'], 'recovery_type': 'I', 'configuration': '{}'},
        {'aws_region': 'us-east-1', 'aws_resource_id': table['name'], 'recovery_type': 'D', 'configuration': '{}'}],
        enable_agent_scripts=True, collect_script_output=True)
    assert codes(cpm.post('recovery_scenarios/%d/recover/' % sid, {}), 400) == {'backup_id': ['required']}
    assert codes(cpm.post('recovery_scenarios/%d/recover/' % sid, {'backup_id': 999}), 400) == {
        'backup_id': ['does_not_exist']}
    assert cpm.post('recovery_scenarios/%d/recover/' % sid, {'backup_id': bid}, who='auditor').status_code == 403
    dry = cpm.ok(cpm.post('recovery_scenarios/%d/recover/' % sid, {'backup_id': bid, 'dry_run_only': True}), 202)
    assert set(dry) == RECORD_FIELDS and dry['status'] == 'P' and dry['dry_run_only'] is True and dry['end_time'] is None
    record = wait_for(lambda: [r for r in [cpm.ok(cpm.get('recovery_scenarios/records/%d/' % dry['id']))]
                               if r['status'] != 'P'])[0]
    assert record['status'] == 'R' and record['end_time'] is not None
    children = cpm.ok(cpm.get('recoveries/?recovery_scenario_record=%d' % dry['id']))
    assert [c['recovery_type'] for c in children] == ['R', 'I', 'D']  # in order, one after the other
    assert all(c['recovery_scenario_record_dry_run_only'] is True and c['recovered_resource_ids'] == '' for c in children)
    assert children[0]['recovery_scenario_id'] == str(sid) and children[0]['recovery_scenario_name'] == 'drill'
    assert children[1]['recovery_time'] >= children[0]['recovery_time']
    assert not [r for r in cpm.inventory('rds_databases') if r.get('recovered')]  # a dry run creates nothing
    logs = cpm.ok(cpm.get('recovery_scenarios/records/%d/logs/' % dry['id']))
    texts = [line['log'] for line in logs]
    assert 'pre-recovery script' in texts[1] and 'Script output' in texts[2] and 'Recovery Successful' in texts[-1]
    assert any(text.startswith('Target %s:' % rds['aws_id']) for text in texts)
    # a real run whose first target fails: endure off skips the rest (F), endure on goes on (A)
    cpm.admin('POST', 'cpm/fail-next-recovery', {'status': 'F', 'recovery_type': 'R'})
    real = cpm.ok(cpm.post('recovery_scenarios/%d/recover/' % sid, {'backup_id': bid}), 202)
    record = wait_for(lambda: [r for r in [cpm.ok(cpm.get('recovery_scenarios/records/%d/' % real['id']))]
                               if r['status'] != 'P'])[0]
    assert record['status'] == 'F' and len(cpm.ok(cpm.get('recoveries/?recovery_scenario_record=%d' % real['id']))) == 1
    assert 'Skipping 2 target(s)' in ' '.join(line['log'] for line in cpm.ok(
        cpm.get('recovery_scenarios/records/%d/logs/' % real['id'])))
    cpm.ok(cpm.put('recovery_scenarios/%d/' % sid, {'endure': True}))
    cpm.admin('POST', 'cpm/fail-next-recovery', {'status': 'F', 'recovery_type': 'R'})
    endured = cpm.ok(cpm.post('recovery_scenarios/%d/recover/' % sid, {'backup_id': bid}), 202)
    record = wait_for(lambda: [r for r in [cpm.ok(cpm.get('recovery_scenarios/records/%d/' % endured['id']))]
                               if r['status'] != 'P'])[0]
    assert record['status'] == 'A'
    kids = cpm.ok(cpm.get('recoveries/?recovery_scenario_record=%d' % endured['id']))
    assert [k['status'] for k in kids] == ['F', 'R', 'R'] and kids[2]['recovered_resource_ids'].startswith(
        '%s-rs%d (original: ' % (table['name'], endured['id']))
    # records list, filters, ordering, PUT, delete
    assert [r['id'] for r in cpm.ok(cpm.get('recovery_scenarios/records/?dry_run_only=true'))] == [dry['id']]
    assert [r['id'] for r in cpm.ok(cpm.get('recovery_scenarios/records/?status=A&recovery_scenario=%d' % sid))] == [
        endured['id']]
    assert [r['id'] for r in cpm.ok(cpm.get('recovery_scenarios/records/?ordering=-start_time'))][0] == endured['id']
    today = time.strftime('%Y-%m-%d', time.gmtime())
    assert len(cpm.ok(cpm.get('recovery_scenarios/records/?start_time=%s&backup_record=%d' % (today, bid)))) == 3
    assert cpm.ok(cpm.get('recovery_scenarios/records/', who='tenant')) == []
    assert codes(cpm.put('recovery_scenarios/records/%d/' % dry['id'], {'status': 'A'}), 400) == {
        'start_time': ['required'], 'end_time': ['required']}
    edited = cpm.ok(cpm.put('recovery_scenarios/records/%d/' % dry['id'], {
        'status': 'A', 'start_time': '2024-01-01T00:00:00Z', 'end_time': '2024-01-01T00:10:00Z'}))
    assert edited['status'] == 'A' and edited['start_time'] == '2024-01-01T00:00:00.000000Z'
    assert cpm.ok(cpm.delete('recovery_scenarios/records/%d/' % dry['id']), 204) is None
    assert cpm.get('recovery_scenarios/records/%d/logs/' % dry['id']).status_code == 404
    # a running record cannot be deleted; a scheduled run uses the latest backup
    cpm.config(recovery_seconds=5)
    running = cpm.ok(cpm.post('recovery_scenarios/%d/recover/' % sid, {'backup_id': bid}), 202)
    assert codes(cpm.delete('recovery_scenarios/records/%d/' % running['id']), 400) == {'non_field_errors': ['invalid']}
    cpm.config(recovery_seconds=0.05)
    scheduled = cpm.admin('POST', 'cpm/run-scheduled-scenario', {'scenario': sid})['record']
    assert scheduled['dry_run_only'] is True and scheduled['backup_record'] == bid
    # no targets, or a failed backup: 400 (the seed documents no 412 here)
    empty = _scenario(cpm, pid, [])
    assert codes(cpm.post('recovery_scenarios/%d/recover/' % empty, {'backup_id': bid}), 400) == {
        'non_field_errors': ['invalid']}


def test_scenario_destination_and_missing_snapshot(cpm):
    pid = cpm.policy()['id']
    volume = cpm.target(pid, 'volumes')
    rds = cpm.target(pid, 'rds_databases')
    cpm.ok(cpm.put('policies/%d/dr/' % pid, {'dr_enabled': True, 'dr_regions': [4, 5]}))
    bid = cpm.backup(pid)['id']
    sid = _scenario(cpm, pid, [
        {'aws_region': 'us-east-1', 'aws_resource_id': volume['aws_id'], 'recovery_type': 'DRV', 'configuration': '{}'},
        {'aws_region': 'us-east-1', 'aws_resource_id': rds['aws_id'], 'recovery_type': 'DRR',
         'configuration': '{"aws_resource_id": "dr-copy"}'}], recovery_destination_region=5, endure=True)
    run = cpm.ok(cpm.post('recovery_scenarios/%d/recover/' % sid, {'backup_id': bid}), 202)
    wait_for(lambda: cpm.ok(cpm.get('recovery_scenarios/records/%d/' % run['id']))['status'] == 'R')
    assert [r for r in cpm.inventory('rds_databases', region='eu-west-1') if r['aws_id'] == 'dr-copy']
    # a target whose snapshot was deleted fails without a recovery record
    for record in cpm.snaps(bid, 'dr_rds_databases'):
        cpm.ok(cpm.delete('backups/%d/snapshots/dr_rds_databases/%d/' % (bid, record['id'])), 204)
    again = cpm.ok(cpm.post('recovery_scenarios/%d/recover/' % sid, {'backup_id': bid}), 202)
    record = wait_for(lambda: [r for r in [cpm.ok(cpm.get('recovery_scenarios/records/%d/' % again['id']))]
                               if r['status'] != 'P'])[0]
    assert record['status'] == 'A'
    assert len(cpm.ok(cpm.get('recoveries/?recovery_scenario_record=%d' % again['id']))) == 1
    assert any('cannot be recovered' in line['log'] for line in cpm.ok(
        cpm.get('recovery_scenarios/records/%d/logs/' % again['id'])))
