# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the N2WS CPM simulator, part 3: resource control, cost explorer, reports (JSON and CSV) and
scheduled reports."""

import csv
import hashlib
import hmac
import io
import os
import sys
import time

import pytest
import requests

SIM_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'simulator'))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position
from backupdr_simulator.core import Simulator  # noqa: E402
from backupdr_simulator.cpm import CPMService  # noqa: E402
from backupdr_simulator.cpm.directory import DEFAULT_USERS  # noqa: E402
from backupdr_simulator.cpm.helpers import csv_cell  # noqa: E402
from backupdr_simulator.cpm.reports import CSV_COLUMNS, ENDPOINTS  # noqa: E402

KEYS = dict((row[1], row[5]) for row in DEFAULT_USERS)
ROOT, TENANT, MANAGED = 1, 2, 3
MAIN, DR_VAULT, MANAGED_MAIN, TENANT_MAIN = 1, 2, 3, 4


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

    def csv(self, path, who='root'):
        """GET with Accept: text/csv; the rows (header first)."""
        response = self.get(path, who, headers={'Accept': 'text/csv'})
        assert response.status_code == 200, response.text
        assert response.headers['Content-Type'].startswith('text/csv')
        return list(csv.reader(io.StringIO(response.text)))

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
        response = requests.request(method, self.sim.http_url + '/_sim/' + name, json=payload, timeout=30)
        assert response.status_code == status, response.text
        return response.json()

    def config(self, **knobs):
        """Set CPM knobs."""
        return self.admin('POST', 'config', dict(knobs, service='cpm'))

    def inventory(self, kind='instances', account=MAIN, region='us-east-1'):
        """Inventory resources of an account."""
        return self.admin('GET', 'cpm/inventory?account=%d&region=%s&kind=%s' % (account, region, kind))['resources']


def codes(response, status):
    """{field: [code, ...]} of an error response in the seed's envelope."""
    assert response.status_code == status, response.text
    body = response.json()
    assert list(body) == ['errors'] and len(body['errors']) == 1
    return dict((field, [item['code'] for item in items]) for field, items in body['errors'][0].items())


def wait_for(predicate, timeout=5.0):
    """Poll until predicate() is truthy."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('condition not met within %.1fs' % timeout)


@pytest.fixture
def cpm(sim):  # pylint: disable=redefined-outer-name
    """A client on a freshly reset simulator with fast background work."""
    client = Cpm(sim)
    client.admin('POST', 'reset', {})
    client.config(backup_seconds=0.1, dr_seconds=0.05, s3_copy_seconds=0.05, rc_seconds=0.1)
    yield client
    client.session.close()


def group_with_targets(cpm, name='office-hours', account=MAIN):  # pylint: disable=redefined-outer-name
    """An RC group with two instances and one RDS database."""
    group = cpm.ok(cpm.post('resource_control/groups/', {'name': name, 'account': account}), 201)
    base = 'resource_control/groups/%d/targets/' % group['id']
    for instance in cpm.inventory('instances', account)[:2]:
        cpm.ok(cpm.post(base + 'instances/', {'aws_region': 'us-east-1', 'aws_resource_id': instance['aws_id']}), 201)
    database = cpm.inventory('rds_databases', account)[0]
    cpm.ok(cpm.post(base + 'rds_databases/', {'aws_region': 'us-east-1', 'aws_resource_id': database['aws_id']}), 201)
    return group


def backed_up_policy(cpm, name='p1', status=None):  # pylint: disable=redefined-outer-name
    """A policy with one instance target and a finished backup."""
    policy = cpm.ok(cpm.post('policies/', {'name': name, 'account': MAIN}), 201)
    instance = cpm.inventory()[0]
    cpm.ok(cpm.post('policies/%d/targets/instances/' % policy['id'], {'aws_region': 'us-east-1',
                                                                      'aws_resource_id': instance['aws_id']}), 201)
    if status:
        cpm.admin('POST', 'cpm/fail-next-backup', {'policy': policy['id'], 'status': status})
    tracker = cpm.ok(cpm.post('policies/%d/backups/' % policy['id']), 202)['tracker_id']
    wait_for(lambda: [b for b in cpm.ok(cpm.get('backups/?tracker_id=%d' % tracker)) if b['status'] not in ('I', 'P')])
    return policy


# -- resource control (Ch.18) -----------------------------------------------------------------------


def test_rc_group_crud(cpm):  # pylint: disable=redefined-outer-name
    group = cpm.ok(cpm.post('resource_control/groups/', {'name': 'office-hours', 'account': MAIN,
                                                         'description': 'nights off'}), 201)
    assert group == {'account': MAIN, 'auto_remove_resource': 'N', 'description': 'nights off', 'enabled': True,
                     'hibernate': False, 'id': group['id'], 'last_modified': group['last_modified'],
                     'name': 'office-hours', 'operation_mode': 'on-off', 'timeout': 30, 'user': ROOT}
    assert codes(cpm.post('resource_control/groups/', {'name': 'office-hours', 'account': MAIN}), 400) == {
        'name': ['unique']}
    assert codes(cpm.post('resource_control/groups/', {'name': 'bad name', 'account': DR_VAULT,
                                                       'operation_mode': 'sometimes'}), 400) == {
        'name': ['invalid'], 'account': ['does_not_exist'], 'operation_mode': ['invalid_choice']}
    cpm.ok(cpm.post('resource_control/groups/', {'name': 'managed-rc', 'account': MANAGED_MAIN}), 201)
    names = [g['name'] for g in cpm.ok(cpm.get('resource_control/groups/?ordering=-name'))]
    assert names == ['office-hours', 'managed-rc']
    names = [g['name'] for g in cpm.ok(cpm.get('resource_control/groups/?search=main'))]
    assert names == ['office-hours', 'managed-rc']
    assert [g['name'] for g in cpm.ok(cpm.get('resource_control/groups/?user=3'))] == ['managed-rc']
    assert cpm.ok(cpm.get('resource_control/groups/', who='tenant')) == []
    body = {'name': 'office-hours', 'hibernate': True, 'account': TENANT_MAIN}
    updated = cpm.ok(cpm.put('resource_control/groups/%d/' % group['id'], body))
    assert updated['hibernate'] is True and updated['account'] == MAIN and updated['description'] == 'nights off'
    assert codes(cpm.put('resource_control/groups/%d/' % group['id'], {}), 400) == {'name': ['required']}
    assert cpm.put('resource_control/groups/%d/' % group['id'], {'name': 'x'}, who='auditor').status_code == 403
    assert cpm.get('resource_control/groups/%d/' % group['id'], who='tenant').status_code == 404
    assert cpm.delete('resource_control/groups/%d/' % group['id']).status_code == 204
    assert cpm.get('resource_control/groups/%d/' % group['id']).status_code == 404


def test_rc_schedules(cpm):  # pylint: disable=redefined-outer-name
    group = cpm.ok(cpm.post('resource_control/groups/', {'name': 'g', 'account': MAIN}), 201)
    base = 'resource_control/groups/%d/schedules/' % group['id']
    row = cpm.ok(cpm.post(base, {'turn_off_time': '20:00', 'turn_on_time': '08:00'}), 201)
    assert row == {'group': group['id'], 'id': row['id'], 'last_modified': row['last_modified'], 'turn_off_day': 'A',
                   'turn_off_time': '20:00:00', 'turn_on_day': None, 'turn_on_time': '08:00:00'}
    weekend = cpm.ok(cpm.post(base, {'turn_off_day': 'F', 'turn_off_time': '18:00', 'turn_on_day': 'M',
                                     'turn_on_time': '07:30'}), 201)
    assert weekend['turn_on_day'] == 'M'
    # the same day: the turn-off time must come after the turn-on time (knob rc_schedule_order)
    same_day = {'turn_off_day': 'W', 'turn_off_time': '08:00', 'turn_on_day': 'W', 'turn_on_time': '20:00'}
    assert codes(cpm.post(base, same_day), 400) == {'non_field_errors': ['invalid']}
    assert codes(cpm.post(base, {'turn_off_time': '09:00', 'turn_on_time': '09:00'}), 400) == {
        'non_field_errors': ['invalid']}
    cpm.config(rc_schedule_order='off_before_on')
    cpm.ok(cpm.post(base, same_day), 201)
    assert codes(cpm.post(base, {'turn_off_time': '20:00', 'turn_on_time': '08:00', 'turn_off_day': 'H',
                                 'turn_on_day': 'H'}), 400) == {'non_field_errors': ['invalid']}
    cpm.config(rc_schedule_order='none')
    cpm.ok(cpm.post(base, {'turn_off_time': '20:00', 'turn_on_time': '08:00', 'turn_off_day': 'H',
                           'turn_on_day': 'H'}), 201)
    assert codes(cpm.post(base, {'turn_on_day': 'A', 'turn_off_time': '25:00'}), 400) == {
        'turn_on_day': ['invalid_choice'], 'turn_off_time': ['invalid'], 'turn_on_time': ['required']}
    listed = cpm.ok(cpm.get(base + '?ordering=-turn_off_day'))
    assert [r['turn_off_day'] for r in listed] == ['W', 'H', 'F', 'A']
    assert len(cpm.ok(cpm.get(base + '?group=%d' % group['id']))) == 4
    assert cpm.ok(cpm.get(base + '%d/' % row['id'])) == row
    assert cpm.delete(base + '%d/' % row['id']).status_code == 204
    assert cpm.get(base + '%d/' % row['id']).status_code == 404
    cpm.config(id_type='str')
    assert cpm.ok(cpm.get(base + '%d/' % weekend['id']))['group'] == str(group['id'])


def test_rc_targets(cpm):  # pylint: disable=redefined-outer-name
    group = group_with_targets(cpm)
    base = 'resource_control/groups/%d/targets/' % group['id']
    instances = cpm.ok(cpm.get(base + 'instances/'))
    assert len(instances) == 2 and instances[0]['state'] == 'running' and instances[0]['resource_type'] == 'instances'
    assert set(instances[0]) == {'aws_region', 'aws_resource_id', 'aws_resource_type', 'id', 'image_id', 'name',
                                 'resource_type', 'root_device_type', 'state'}
    databases = cpm.ok(cpm.get(base + 'rds_databases/'))
    assert databases[0]['iops'] == '0' and databases[0]['storage'] == '20'  # strings, as the seed types them
    assert set(databases[0]) == {'aws_region', 'aws_resource_id', 'engine', 'id', 'instance_class', 'iops',
                                 'publicly_accessible', 'resource_type', 'status', 'storage', 'zone'}
    everything = cpm.ok(cpm.get(base))
    assert [t['resource_type'] for t in everything] == ['instances', 'instances', 'rds_databases']
    first = instances[0]
    again = cpm.post(base + 'instances/', {'aws_region': 'us-east-1', 'aws_resource_id': first['aws_resource_id']})
    assert codes(again, 400) == {'aws_resource_id': ['unique']}
    other = cpm.ok(cpm.post('resource_control/groups/', {'name': 'other', 'account': MAIN}), 201)
    assert codes(cpm.post('resource_control/groups/%d/targets/instances/' % other['id'], {
        'aws_region': 'us-east-1', 'aws_resource_id': first['aws_resource_id']}), 400) == {'aws_resource_id': ['unique']}
    assert codes(cpm.post(base + 'instances/', {'aws_region': 'us-east-1', 'aws_resource_id': 'i-nope'}), 400) == {
        'aws_resource_id': ['invalid']}
    assert codes(cpm.post(base + 'instances/', {'aws_region': 'moon-1', 'aws_resource_id': 'i-x'}), 400) == {
        'aws_region': ['invalid_choice']}
    cpm.config(license_max_rc_resources=3)
    third = cpm.inventory()[2]
    assert cpm.post(base + 'instances/', {'aws_region': 'us-east-1',
                                          'aws_resource_id': third['aws_id']}).status_code == 403
    assert cpm.ok(cpm.get(base + 'instances/%d/' % first['id'])) == first
    assert cpm.get(base + 'rds_databases/%d/' % first['id']).status_code == 404
    assert cpm.delete(base + 'instances/%d/' % first['id']).status_code == 204
    assert len(cpm.ok(cpm.get(base + 'instances/'))) == 1
    # auto_remove_resource: a vanished resource leaves a Y/A group (A also alerts)
    cpm.ok(cpm.put('resource_control/groups/%d/' % group['id'], {'name': 'office-hours', 'auto_remove_resource': 'A'}))
    gone = cpm.ok(cpm.get(base + 'instances/'))[0]
    cpm.admin('DELETE', 'cpm/inventory', {'account': MAIN, 'region': 'us-east-1', 'aws_resource_id': gone['aws_resource_id']})
    assert cpm.ok(cpm.get(base + 'instances/')) == []
    assert cpm.ok(cpm.get('alerts/'))[0]['category'] == 'Resource Control'


def test_rc_stop_start_over_time(cpm):  # pylint: disable=redefined-outer-name
    group = group_with_targets(cpm)
    response = cpm.post('resource_control/groups/%d/stop/' % group['id'])
    assert response.status_code == 202 and response.json() == {}  # the seed's 202 "object" has no handle
    assert codes(cpm.post('resource_control/groups/%d/start/' % group['id']), 412) == {
        'detail': ['precondition_failed']}
    records = cpm.ok(cpm.get('resource_control/records/?group=%d&ordering=-start_time' % group['id']))
    assert records[0]['status'] in ('I', 'P') and records[0]['operation'] == 'S' and records[0]['end_time'] is None
    assert set(records[0]) == {'account', 'end_time', 'group', 'id', 'marked_for_deletion', 'operation', 'start_time',
                               'status'}
    path = 'resource_control/records/%d/' % records[0]['id']
    done = wait_for(lambda: cpm.ok(cpm.get(path))['status'] == 'B' and cpm.ok(cpm.get(path)))
    assert done['end_time']
    targets = cpm.ok(cpm.get('resource_control/groups/%d/targets/instances/' % group['id']))
    assert all(t['state'] == 'stopped' for t in targets)
    assert cpm.ok(cpm.get('resource_control/groups/%d/targets/rds_databases/' % group['id']))[0]['status'] == 'stopped'
    logs = cpm.ok(cpm.get(path + 'logs/'))
    assert logs[-1]['log'] == 'Operation finished: Operation Successful.'
    assert set(logs[0]) == {'log', 'log_time', 'log_type'}
    rows = cpm.csv(path + 'logs/')
    assert rows[0] == ['Time', 'Severity', 'Message'] and len(rows) == len(logs) + 1
    # the policy targets see the same AWS state
    policy = cpm.ok(cpm.post('policies/', {'name': 'p', 'account': MAIN}), 201)
    target = cpm.ok(cpm.post('policies/%d/targets/instances/' % policy['id'], {
        'aws_region': 'us-east-1', 'aws_resource_id': cpm.inventory()[0]['aws_id']}), 201)
    assert target['state'] == 'stopped'
    # a planned partial start (knob rc_start_body: the record as the 202 body)
    cpm.config(rc_start_body='record')
    cpm.admin('POST', 'cpm/fail-next-rc-operation', {'group': group['id'], 'status': 'A'})
    record = cpm.ok(cpm.post('resource_control/groups/%d/start/' % group['id']), 202)
    assert record['operation'] == 'R' and record['status'] == 'I'
    path = 'resource_control/records/%d/' % record['id']
    assert wait_for(lambda: cpm.ok(cpm.get(path))['status'] == 'A')
    states = [t['state'] for t in cpm.ok(cpm.get('resource_control/groups/%d/targets/instances/' % group['id']))]
    assert states == ['stopped', 'running']
    assert any(a['category'] == 'Resource Control' for a in cpm.ok(cpm.get('alerts/')))
    assert cpm.post('resource_control/groups/%d/start/' % group['id'], who='auditor').status_code == 403


def test_rc_preconditions_delay_and_records(cpm):  # pylint: disable=redefined-outer-name
    empty_group = cpm.ok(cpm.post('resource_control/groups/', {'name': 'empty', 'account': MAIN}), 201)
    assert codes(cpm.post('resource_control/groups/%d/start/' % empty_group['id']), 412) == {
        'detail': ['precondition_failed']}
    group = group_with_targets(cpm)
    cpm.ok(cpm.put('resource_control/groups/%d/' % group['id'], {'name': 'office-hours', 'operation_mode': 'off'}))
    assert cpm.post('resource_control/groups/%d/start/' % group['id']).status_code == 412
    cpm.ok(cpm.put('resource_control/groups/%d/' % group['id'], {'name': 'office-hours', 'enabled': False}))
    assert cpm.post('resource_control/groups/%d/stop/' % group['id']).status_code == 412
    cpm.ok(cpm.put('resource_control/groups/%d/' % group['id'], {'name': 'office-hours', 'enabled': True,
                                                                 'operation_mode': 'on-off'}))
    cpm.config(rc_start_delay=0.3)
    cpm.ok(cpm.post('resource_control/groups/%d/stop/' % group['id']), 202)
    assert cpm.ok(cpm.get('resource_control/records/')) == []  # not there yet: poll until it appears
    record = wait_for(lambda: cpm.ok(cpm.get('resource_control/records/')))[0]
    # delete while running: marked, then gone when it ends
    path = 'resource_control/records/%d/' % record['id']
    assert cpm.delete(path).status_code == 204
    assert cpm.ok(cpm.get(path))['marked_for_deletion'] is True
    assert cpm.ok(cpm.get('resource_control/records/?marked_for_deletion=true'))[0]['id'] == record['id']
    wait_for(lambda: cpm.get(path).status_code == 404)
    cpm.config(rc_start_delay=0, rc_seconds=0)
    cpm.ok(cpm.post('resource_control/groups/%d/start/' % group['id']), 202)
    finished = cpm.ok(cpm.get('resource_control/records/'))
    assert finished[0]['status'] == 'B'
    aws_id = cpm.inventory()[0]['aws_id']
    assert len(cpm.ok(cpm.get('resource_control/records/?search=%s' % aws_id[:8]))) == 1
    assert cpm.ok(cpm.get('resource_control/records/?search=i-zzz')) == []
    assert cpm.ok(cpm.get('resource_control/records/?status=F')) == []
    assert codes(cpm.get('resource_control/records/?group=x'), 400) == {'group': ['invalid']}
    assert cpm.ok(cpm.get('resource_control/records/', who='tenant')) == []
    assert cpm.delete('resource_control/records/%d/' % finished[0]['id']).status_code == 204
    cpm.config(license_resource_control=False)
    assert cpm.get('resource_control/records/').status_code == 403
    assert cpm.get('cost_explorer/resource_control_savings/').status_code == 403


# -- cost explorer (Ch.9) -------------------------------------------------------------------------


def test_backup_costs(cpm):  # pylint: disable=redefined-outer-name
    policy = backed_up_policy(cpm)
    costs = cpm.ok(cpm.get('cost_explorer/backup_costs/'))
    assert len(costs) == 1 and set(costs[0]) == {'blended_costs', 'end_date', 'policy', 'start_date', 'user'}
    assert costs[0]['policy'] == policy['id'] and costs[0]['blended_costs'] >= 0
    framed = cpm.ok(cpm.get('cost_explorer/backup_costs/?start_date=2020-01-01&end_date=2020-01-31'))
    assert framed[0]['blended_costs'] == 0 and framed[0]['start_date'] == '2020-01-01'
    assert codes(cpm.get('cost_explorer/backup_costs/?start_date=2020-02-01&end_date=2020-01-01'), 400) == {
        'end_date': ['invalid']}
    assert codes(cpm.get('cost_explorer/backup_costs/?start_date=soon'), 400) == {'start_date': ['invalid']}
    single = cpm.ok(cpm.get('cost_explorer/backup_costs/%d/' % policy['id']))
    assert single['policy'] == policy['id']
    cpm.config(cost_read_shape='array')
    assert cpm.ok(cpm.get('cost_explorer/backup_costs/%d/' % policy['id']))[0]['policy'] == policy['id']
    assert cpm.get('cost_explorer/backup_costs/99/').status_code == 404
    assert cpm.ok(cpm.get('cost_explorer/backup_costs/', who='tenant')) == []
    cpm.ok(cpm.post('settings/cost_explorer/', {'enabled': False}), 201)
    assert cpm.get('cost_explorer/backup_costs/').status_code == 403


def test_resource_control_savings(cpm):  # pylint: disable=redefined-outer-name
    group = group_with_targets(cpm)
    savings = cpm.ok(cpm.get('cost_explorer/resource_control_savings/'))
    assert savings[0]['total_downtime_hours'] == 0 and savings[0]['id'] == group['id']
    assert set(savings[0]) == {'account', 'enabled', 'end_time', 'id', 'name', 'start_time', 'total_downtime_hours',
                               'total_savings_usd', 'user'}
    row = {'turn_off_time': '20:00', 'turn_on_time': '08:00'}
    cpm.ok(cpm.post('resource_control/groups/%d/schedules/' % group['id'], row), 201)
    assert cpm.ok(cpm.get('cost_explorer/resource_control_savings/%d/' % group['id']))['total_downtime_hours'] == 0
    response = cpm.put('cost_explorer/resource_control_savings/%d/' % group['id'])
    assert response.status_code == 200 and response.content == b''
    refreshed = cpm.ok(cpm.get('cost_explorer/resource_control_savings/%d/' % group['id']))
    assert 330 < refreshed['total_downtime_hours'] < 380 and refreshed['total_savings_usd'] > 0
    response = cpm.post('cost_explorer/resource_control_savings/')
    assert response.status_code == 200 and response.content == b''
    assert cpm.put('cost_explorer/resource_control_savings/99/').status_code == 404
    cpm.config(cost_read_shape='array')
    assert isinstance(cpm.ok(cpm.get('cost_explorer/resource_control_savings/%d/' % group['id'])), list)


# -- reports (Ch.17) --------------------------------------------------------------------------------


def test_backups_report_json_csv_and_filters(cpm):  # pylint: disable=redefined-outer-name
    backed_up_policy(cpm, 'good')
    backed_up_policy(cpm, 'bad', status='F')
    rows = cpm.ok(cpm.get('reports/backups/'))
    assert [r['policy_name'] for r in rows] == ['good', 'bad']
    assert set(rows[0]) == {'account_name', 'archive_status', 'aws_account_number', 'backup_id', 'dr_status', 'end_time',
                            'is_retry', 'marked_for_deletion', 'policy_name', 's3_copy_status', 'start_time', 'status',
                            'status_before_deletion', 'username'}
    assert rows[0]['backup_id'] == '1' and rows[1]['status'] == 'F'
    assert [r['policy_name'] for r in cpm.ok(cpm.get('reports/backups/?status=F'))] == ['bad']
    assert [r['policy_name'] for r in cpm.ok(cpm.get('reports/backups/?backup_id=1'))] == ['good']
    assert [r['policy_name'] for r in cpm.ok(cpm.get('reports/backups/?ordering=-backup_id'))] == ['bad', 'good']
    assert cpm.ok(cpm.get('reports/backups/?from_time=2999-01-01')) == []
    assert codes(cpm.get('reports/backups/?status=Q&backup_id=x&from_time=soon'), 400) == {
        'status': ['invalid_choice'], 'backup_id': ['invalid'], 'from_time': ['invalid']}
    assert codes(cpm.get('reports/backups/?group_name=g'), 400) == {'group_name': ['invalid']}  # another report's
    cpm.config(report_filter_check='lenient')
    assert len(cpm.ok(cpm.get('reports/backups/?group_name=g'))) == 2
    assert cpm.ok(cpm.get('reports/backups/?page=1&page_size=1'))['count'] == 2
    # CSV: the JSON's rows, server times, Username (root reaches two users), page ignored
    table = cpm.csv('reports/backups/?page=1&page_size=1')
    assert table[0][:5] == ['Backup ID', 'Account Name', 'AWS Account Number', 'Policy Name', 'Username']
    assert len(table) == 3
    for json_row, csv_row in zip(rows, table[1:]):
        record = dict(zip(table[0], csv_row))
        assert record['Backup ID'] == json_row['backup_id'] and record['Status'] == json_row['status']
        assert record['Start Time'] == json_row['start_time'][:19].replace('T', ' ')
        assert record['Is Retry'] == 'false'
    cpm.config(report_csv_times='iso')
    assert dict(zip(table[0], cpm.csv('reports/backups/')[1]))['Start Time'] == rows[0]['start_time']
    tenant = cpm.csv('reports/backups/', who='tenant')
    assert 'Username' not in tenant[0] and len(tenant) == 1  # one applicable user: no Username column
    assert 'Username' not in cpm.csv('reports/backups/?username=root')[0]


def test_snapshots_and_protected_resources_reports(cpm):  # pylint: disable=redefined-outer-name
    policy = backed_up_policy(cpm, 'daily')
    schedule = cpm.ok(cpm.post('schedules/', {'name': 'nightly', 'every_how_many': 1, 'user': ROOT}), 201)
    cpm.ok(cpm.put('policies/%d/' % policy['id'], {'name': 'daily', 'schedules': [schedule['id']]}))
    snapshots = cpm.ok(cpm.get('reports/snapshots/'))
    assert len(snapshots) == 2 and {s['snapshot_type'] for s in snapshots} == {'ebs'}
    assert snapshots[0]['instance_id'] == cpm.inventory()[0]['aws_id'] and snapshots[0]['succeeded'] is True
    assert cpm.ok(cpm.get('reports/snapshots/?account=%d' % MANAGED_MAIN)) == []
    assert codes(cpm.get('reports/snapshots/?status=B'), 400) == {'status': ['invalid']}
    table = cpm.csv('reports/snapshots/')
    assert len(table) == 3 and dict(zip(table[0], table[1]))['Snapshot ID'] == snapshots[0]['snapshot_id']
    protected = cpm.ok(cpm.get('reports/protected-resources/'))
    assert protected == [{'account_name': 'main', 'aws_region': 'us-east-1',
                          'aws_resource_id': cpm.inventory()[0]['aws_id'], 'aws_resource_name': 'main-web-1',
                          'policies': ['daily'], 'resource_type': 'instance', 'schedules': ['nightly'],
                          'username': 'root'}]
    table = cpm.csv('reports/protected-resources/')
    assert table[0] == ['Account Name', 'Region', 'Resource ID', 'Resource Name', 'Resource Type', 'Policies',
                        'Schedules', 'Username']
    assert table[1][5] == 'daily' and table[1][6] == 'nightly'
    table_ = cpm.ok(cpm.post('policies/', {'name': 'tables', 'account': MAIN}), 201)
    cpm.ok(cpm.post('policies/%d/targets/dynamodb_tables/' % table_['id'], {'aws_region': 'us-east-1',
                                                                            'aws_resource_name': 'main-orders'}), 201)
    assert len(cpm.ok(cpm.get('reports/protected-resources/'))) == 1  # DynamoDB is not in the seed's list
    cpm.config(protected_resource_kinds='all')
    assert [r['resource_type'] for r in cpm.ok(cpm.get('reports/protected-resources/'))] == ['instance', 'dynamodb']
    assert cpm.ok(cpm.get('reports/protected-resources/?username=tenant')) == []


def test_rc_operations_and_audit_reports(cpm):  # pylint: disable=redefined-outer-name
    group = group_with_targets(cpm)
    cpm.config(rc_seconds=0)
    cpm.ok(cpm.post('resource_control/groups/%d/stop/' % group['id']), 202)
    rows = cpm.ok(cpm.get('reports/resource_control_operations/'))
    assert rows[0]['group_name'] == 'office-hours' and rows[0]['rc_operation_id'] == '1' and rows[0]['status'] == 'B'
    assert set(rows[0]) == {'account_name', 'aws_account_number', 'end_time', 'group_name', 'marked_for_deletion',
                            'rc_operation_id', 'start_time', 'status', 'username'}
    assert cpm.ok(cpm.get('reports/resource_control_operations/?group_name=nope')) == []
    assert codes(cpm.get('reports/resource_control_operations/?status=Z'), 400) == {'status': ['invalid_choice']}
    assert cpm.csv('reports/resource_control_operations/')[0][0] == 'Operation ID'
    # audit: root only; logins and writes of every user
    cpm.get('policies/', who='operator')
    events = cpm.ok(cpm.get('reports/audit/'))
    assert events[0]['event_type'] == 'Login' and events[0]['username'] == 'root'
    assert set(events[0]) == {'event_time', 'event_type', 'log', 'original_user', 'user_type', 'username'}
    operator = cpm.ok(cpm.get('reports/audit/?username=operator'))
    assert operator[0]['user_type'] == 'delegate' and operator[0]['original_user'] == 'root'
    assert any(e['event_type'] == 'Create' and 'resource_control/groups/' in e['log'] for e in events)
    assert [e['event_type'] for e in cpm.ok(cpm.get('reports/audit/?search=stop'))] == ['Action']
    assert cpm.ok(cpm.get('reports/audit/?user=4'))[0]['username'] == 'operator'
    assert cpm.get('reports/audit/', who='operator').status_code == 403
    full = cpm.csv('reports/audit/')
    assert full[0] == ['Event Time', 'Username', 'User Type', 'Delegate of', 'Event Type', 'Log']
    delegate_row = [r for r in full[1:] if r[1] == 'operator'][0]
    assert delegate_row[3] == 'root' and [r for r in full[1:] if r[1] == 'root'][0][3] == 'N/A'
    assert cpm.csv('reports/audit/?username=root')[0] == ['Event Time', 'Event Type', 'Log']
    cpm.admin('POST', 'cpm/audit-event', {'username': 'root', 'event_type': 'Custom', 'log': 'hello'})
    assert cpm.ok(cpm.get('reports/audit/?event_type=Custom'))[0]['log'] == 'hello'


def test_usage_reports(cpm):  # pylint: disable=redefined-outer-name
    backed_up_policy(cpm)
    group_with_targets(cpm)
    usage = cpm.ok(cpm.get('reports/usage/'))
    main = [r for r in usage if r['account_name'] == 'main'][0]
    assert main['num_instances'] == 1 and main['num_controlled_entities'] == 3 and main['username'] == 'root'
    assert {r['account_name'] for r in usage} == {'main', 'managed-main', 'tenant-main'}  # root reaches every user
    assert [r['account_name'] for r in cpm.ok(cpm.get('reports/usage/', who='tenant'))] == ['tenant-main']
    anonymized = cpm.ok(cpm.get('reports/usage/anonymized/'))
    assert set(anonymized[0]) == {'account_id', 'controlled_entities', 'num_efs', 'num_gib_of_dynamo_db',
                                  'num_gib_of_independent_volumes', 'num_gib_of_rds', 'num_gib_of_redshift',
                                  'num_instances', 'user_id'}
    assert anonymized[0]['account_id'] == '1' and anonymized[0]['controlled_entities'] == 3
    assert cpm.get('reports/usage/anonymized/', who='tenant').status_code == 403
    summary = cpm.ok(cpm.get('reports/usage/summary/?username=root'))
    assert len(summary) == 1 and summary[0]['num_instances'] == '1' and summary[0]['user_id'] == ROOT
    assert summary[0]['report_time'] == time.strftime('%Y-%m-%d', time.gmtime())
    detailed = cpm.ok(cpm.get('reports/usage/detailed/?account_name=main'))
    assert detailed[0]['account_id'] == MAIN and detailed[0]['total_non_instance_storage'] == '0'
    assert cpm.ok(cpm.get('reports/usage/detailed/?from_time=2999-01-01')) == []
    anonymous = cpm.ok(cpm.get('reports/usage/summary/anonymous/?username=root'))
    assert anonymous[0]['username'].startswith('user-') and anonymous[0]['username'] != 'root'
    assert cpm.ok(cpm.get('reports/usage/detailed/anonymous/'))[0]['account_name'].startswith('account-')
    cpm.config(id_type='str')
    assert cpm.ok(cpm.get('reports/usage/summary/?username=root'))[0]['user_id'] == '1'
    # CSV: the Total Non-Instance Storage column and a signature row
    response = cpm.get('reports/usage/summary/', headers={'Accept': 'text/csv'})
    text = response.text
    lines = text.splitlines()
    assert 'Total Non-Instance Storage (GiB)' in lines[0] and lines[-1].startswith('signature:')
    key = cpm.sim.services['cpm'].reports.key
    signed = text[:text.rindex('signature:')]
    assert lines[-1] == 'signature:' + hmac.new(key, signed.encode('utf-8'), hashlib.sha256).hexdigest()
    assert 'Username' not in cpm.csv('reports/usage/', who='tenant')[0]


# -- scheduled reports (Ch.21) ------------------------------------------------------------------------


def test_scheduled_reports(cpm):  # pylint: disable=redefined-outer-name
    schedule = cpm.ok(cpm.post('schedules/', {'name': 'weekly', 'every_how_many': 1, 'every_unit': 'W', 'user': ROOT}),
                      201)
    body = {'name': 'backups-weekly', 'report_type': 'B', 'recipients': ['ops@example.com'], 'user': ROOT,
            'schedules': [schedule['id']], 'filters': {'account': MAIN, 'last_period_interval': 1,
                                                       'last_period_unit': 'W'}}
    report = cpm.ok(cpm.post('scheduled_reports/', body), 201)
    filters = {'account': MAIN, 'last_period_interval': 1, 'last_period_unit': 'W', 'user': None}
    assert report == {'description': None, 'enabled': True, 'filters': filters,
                      'id': report['id'], 'is_anonymized': False, 'is_detailed': False, 'name': 'backups-weekly',
                      'recipients': ['ops@example.com'], 'report_type': 'B', 'schedules': [schedule['id']],
                      'user': ROOT}
    assert cpm.ok(cpm.get('schedules/%d/' % schedule['id']))['num_scheduled_reports'] == 1
    assert [s['id'] for s in cpm.ok(cpm.get('schedules/?scheduled_report=%d' % report['id']))] == [schedule['id']]
    assert codes(cpm.post('scheduled_reports/', body), 400) == {'name': ['unique']}
    # filters validated per report type (knob report_filter_check)
    bad = dict(body, name='snap', report_type='S', filters={'user': ROOT}, is_anonymized=True)
    assert codes(cpm.post('scheduled_reports/', bad), 400) == {'filters.user': ['invalid'], 'is_anonymized': ['invalid']}
    assert codes(cpm.post('scheduled_reports/', dict(body, name='x', report_type='P', filters={
        'last_period_interval': 2, 'last_period_unit': 'D'})), 400) == {'filters.last_period_interval': ['invalid']}
    assert codes(cpm.post('scheduled_reports/', dict(body, name='x', recipients=[], filters={
        'last_period_interval': 2})), 400) == {'recipients': ['empty'], 'filters.last_period_unit': ['invalid']}
    assert codes(cpm.post('scheduled_reports/', dict(body, name='x', report_type='Q', recipients=['nope'])), 400) == {
        'report_type': ['invalid_choice']}
    assert cpm.post('scheduled_reports/', dict(body, name='audit', report_type='A', filters={}, schedules=[],
                                               user=TENANT), who='tenant').status_code == 403
    usage = cpm.ok(cpm.post('scheduled_reports/', dict(body, name='usage', report_type='U', is_detailed=True,
                                                       is_anonymized=True, filters={})), 201)
    assert [r['name'] for r in cpm.ok(cpm.get('scheduled_reports/?report_type=U'))] == ['usage']
    assert [r['name'] for r in cpm.ok(cpm.get('scheduled_reports/?search=weekly'))] == ['backups-weekly', 'usage']
    assert cpm.ok(cpm.get('scheduled_reports/', who='tenant')) == []
    updated = cpm.ok(cpm.put('scheduled_reports/%d/' % report['id'], {'name': 'backups-weekly',
                                                                      'recipients': ['a@example.com'],
                                                                      'report_type': 'A', 'enabled': False}))
    assert updated['report_type'] == 'B' and updated['enabled'] is False and updated['filters']['account'] == MAIN
    assert codes(cpm.put('scheduled_reports/%d/' % report['id'], {'name': 'n'}), 400) == {'recipients': ['required']}
    # run now: 202, no body; the "sent" report is the backups report as CSV
    backed_up_policy(cpm)
    response = cpm.post('scheduled_reports/%d/run/' % report['id'])
    assert response.status_code == 202 and response.content == b''
    cpm.ok(cpm.post('scheduled_reports/%d/run/' % usage['id']), 202)
    runs = cpm.admin('GET', 'cpm/report-runs')['runs']
    assert runs[0]['report'] == 'backups' and runs[0]['rows'] == 1 and runs[0]['csv'].startswith('Backup ID,')
    assert runs[1]['report'] == 'usage_detailed_anonymous' and 'signature:' in runs[1]['csv']
    unprotected = cpm.ok(cpm.post('scheduled_reports/', dict(body, name='holes', report_type='D', filters={})), 201)
    cpm.ok(cpm.post('scheduled_reports/%d/run/' % unprotected['id']), 202)
    assert cpm.admin('GET', 'cpm/report-runs')['runs'][2]['rows'] > 5
    # deleting the schedule drops it from the report; deleting the report
    cpm.ok(cpm.delete('schedules/%d/' % schedule['id']), 204)
    assert cpm.ok(cpm.get('scheduled_reports/%d/' % report['id']))['schedules'] == []
    assert cpm.delete('scheduled_reports/%d/' % report['id']).status_code == 204
    assert cpm.get('scheduled_reports/%d/' % report['id']).status_code == 404
    assert cpm.post('scheduled_reports/%d/run/' % report['id']).status_code == 404


def test_every_report_csv_matches_its_json(cpm):  # pylint: disable=redefined-outer-name
    backed_up_policy(cpm, 'good')
    backed_up_policy(cpm, 'bad', status='F')
    group = group_with_targets(cpm)
    cpm.config(rc_seconds=0, report_csv_times='iso')
    cpm.ok(cpm.post('resource_control/groups/%d/stop/' % group['id']), 202)
    for path, name, _since, _line in ENDPOINTS:
        rows = cpm.ok(cpm.get(path))
        table = cpm.csv(path)
        base = name.replace('_anonymous', '')
        if base.startswith('usage'):
            assert table[-1][0].startswith('signature:')
            table = table[:-1]
        assert len(table) == len(rows) + 1, name
        columns = [c for c in CSV_COLUMNS[base] if c[0] in table[0]]
        assert [c[0] for c in columns] == table[0], name
        for json_row, csv_row in zip(rows, table[1:]):
            for (header, key, _kind), cell in zip(columns, csv_row):
                if key == '_total':
                    value = sum(json_row[k] for k in ('num_gib_of_dynamo_db', 'num_gib_of_independent_volumes',
                                                      'num_gib_of_rds', 'num_gib_of_redshift'))
                elif key == '_delegate_of':
                    value = json_row['original_user'] if json_row['user_type'] == 'delegate' else 'N/A'
                else:
                    value = json_row[key]
                assert cell == csv_cell(value), (name, header)
