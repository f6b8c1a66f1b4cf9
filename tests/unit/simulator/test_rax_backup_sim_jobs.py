# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the Rackspace Cloud Backup simulator (tests/simulator): backups, restores, activity, seeding."""

import os
import re
import sys
import time

import pytest
import requests

SIM_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'simulator'))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position,redefined-outer-name
from backupdr_simulator.core import Simulator  # noqa: E402
from backupdr_simulator.rax_backup import RaxBackupService, rsakeys  # noqa: E402

TENANT = '930035'
API_KEY = 'a3f1c9e27b5d48e0b6c4d2e8f0a1b3c5'
WEB01, WEB02, DB01, LON01 = 213561, 213562, 213563, 213565
DAILY, MANUAL, WEEKLY, HOURLY = 170101, 170102, 170103, 170104
PASSPHRASE = 'sim-rax-vault-passphrase-7Kq2'
RUNNING = ('StartRequested', 'Queued', 'Preparing', 'InProgress')
DATE_RE = re.compile(r'^/Date\(-?\d+\)/$')


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    """One simulator for the module (HTTP only)."""
    simulator = Simulator([RaxBackupService()], port=0, tls_port=None, quiet=True,
                          state_dir=str(tmp_path_factory.mktemp('raxstate')))
    simulator.start()
    for number in range(rsakeys.POOL_SIZE):
        rsakeys.key_for(number)      # the key pool is made once per process: not inside a timed test
    yield simulator
    simulator.stop()


class Rax:
    """Cloud Backup and admin helpers for the main user."""

    def __init__(self, simulator):
        self.sim = simulator
        self.root = simulator.http_url + '/rackspace'
        self.session = requests.Session()
        body = {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': 'sim-rax-user', 'apiKey': API_KEY}}}
        self.token = self.session.post(self.root + '/identity/v2.0/tokens', json=body, timeout=10).json()['access']['token']['id']

    def call(self, method, path, body=None, region='dfw', **kwargs):
        """A Cloud Backup request with a JSON body."""
        return self.session.request(method, '%s/backup/%s/v1.0/%s/%s' % (self.root, region, TENANT, path), json=body,
                                    headers={'X-Auth-Token': self.token}, timeout=10, **kwargs)

    def get(self, path, **kwargs):
        """GET, asserting 200; the decoded JSON."""
        response = self.call('GET', path, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()

    def admin(self, method, name, payload=None, status=200):
        """The admin API."""
        response = requests.request(method, self.sim.http_url + '/_sim/' + name, json=payload, timeout=10)
        assert response.status_code == status, response.text
        return response.json()

    def config(self, **knobs):
        """Set rax_backup knobs."""
        return self.admin('POST', 'config', dict(knobs, service='rax_backup'))

    def start(self, config_id, region='dfw'):
        """B1 StartManual; the BackupId."""
        response = self.call('POST', 'backup/action-requested', {'Action': 'StartManual', 'Id': config_id}, region=region)
        assert response.status_code == 200, response.text
        assert re.fullmatch(r'\d+', response.text)
        return int(response.text)

    def state(self, backup_id, region='dfw'):
        """B2 CurrentState."""
        return self.get('backup/%d' % backup_id, region=region)['CurrentState']

    def restore_state(self, restore_id, region='dfw'):
        """R8 RestoreStateId."""
        return self.get('restore/%d' % restore_id, region=region)['RestoreStateId']

    def latest_backup(self, config_id, region='dfw'):
        """The newest restorable backup of a configuration (B3)."""
        return self.get('backup/completed/%d' % config_id, region=region)[0]

    def create_restore(self, config_id, agent_id, destination=None, path='/tmp/restore/', region='dfw', **extra):
        """R1 for the newest backup of a configuration."""
        backup = self.latest_backup(config_id, region)
        body = {'BackupId': backup['BackupId'], 'BackupMachineId': agent_id, 'DestinationMachineId': destination or agent_id,
                'DestinationPath': path, 'OverwriteFiles': False}
        body.update(extra)
        response = self.call('PUT', 'restore', body, region=region)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def rax(sim):
    """A client on a freshly reset simulator with short job durations."""
    client = Rax(sim)
    client.admin('POST', 'reset', {})
    client.token = Rax(sim).token
    client.config(backup_seconds=0.4, restore_seconds=0.4, stop_seconds=0.1, wake_seconds=0.1)
    yield client
    client.session.close()


def fault(response, status, message=None):
    """A Rackspace fault body."""
    assert response.status_code == status, response.text
    body = response.json()
    (name, detail), = body.items()
    assert detail['code'] == status and name
    if message:
        assert message in detail['message'], detail['message']


def wait_for(predicate, timeout=5.0):
    """Poll until predicate() is truthy; return its value."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError('condition not met within %.1fs' % timeout)


def states_until(read, final, timeout=5.0):
    """The distinct values read() takes until one of final (polled)."""
    seen = []
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = read()
        if not seen or seen[-1] != value:
            seen.append(value)
        if value in final:
            return seen
        time.sleep(0.01)
    raise AssertionError('still %r after %.1fs' % (seen, timeout))


def epoch(date):
    """Epoch seconds of a "/Date(ms)/" value."""
    return int(date[6:-2]) / 1000.0


# -- backups ------------------------------------------------------------------------------


def test_backup_runs_through_its_states(rax):
    rax.config(backup_seconds=1.0)
    before = rax.get('backup-configuration/%d' % DAILY)
    started = time.time()
    backup_id = rax.start(DAILY)
    assert 360000 < backup_id < 400000
    first = rax.get('backup/%d' % backup_id)
    assert list(first) == ['BackupId', 'BackupConfigurationId', 'CurrentState', 'BackupConfigurationName', 'MachineAgentId',
                           'MachineName', 'StateChangeTime', 'IsEncrypted', 'EncryptionKey']
    assert first['BackupConfigurationId'] == DAILY and first['MachineAgentId'] == WEB01 and first['IsEncrypted'] is False
    assert set(first['EncryptionKey']) == {'ModulusHex', 'ExponentHex'} and first['CurrentState'] == 'StartRequested'
    seen = states_until(lambda: rax.state(backup_id), ('Completed',))
    assert seen[-1] == 'Completed' and 'InProgress' in seen
    assert [state for state in seen if state in RUNNING] == [state for state in RUNNING if state in seen]
    assert time.time() - started >= 1.0
    done = rax.get('backup/%d' % backup_id)
    assert epoch(done['StateChangeTime']) >= epoch(first['StateChangeTime'])
    config = rax.get('backup-configuration/%d' % DAILY)
    assert config['LastRunBackupReportId'] == backup_id and config['LastRunTime'] != before['LastRunTime']
    assert rax.get('backup-configuration')[0]['BackupState'] == 'Completed'
    completed = rax.get('backup/completed/%d' % DAILY)
    assert completed[0]['BackupId'] == backup_id and len(completed) == 4
    assert list(completed[0]) == ['BackupId', 'BackupConfigurationId', 'BackupConfigurationName', 'MachineName',
                                  'MachineAgentId', 'CompletedTime', 'BytesSearched', 'NumErrors']
    assert isinstance(completed[0]['BytesSearched'], int) and completed[0]['NumErrors'] == 0
    report = rax.get('backup/report/%d' % backup_id)
    assert report['State'] == 'Completed' and report['CanRestore'] is True and report['Reason'] == 'Success'
    assert re.fullmatch(r'\d\d:\d\d:\d\d', report['Duration']) and report['FilesSearched'].isdigit()
    assert re.fullmatch(r'[\d.]+ (B|KB|MB|GB|TB)', report['BytesBackedUp']) and report['ErrorList'] == []
    agent = rax.get('agent/%d' % WEB01)
    assert abs(epoch(agent['TimeOfLastSuccessfulBackup']) - epoch(done['StateChangeTime'])) < 0.01
    row = [row for row in rax.get('activity') if row['Type'] == 'Backup'][0]
    assert row['ID'] == backup_id and row['BackupId'] == backup_id and row['CurrentState'] == 'Completed'


def test_backup_report_only_after_the_end(rax):
    rax.config(backup_seconds=5)
    backup_id = rax.start(MANUAL)
    fault(rax.call('GET', 'backup/report/%d' % backup_id), 404, 'not available')
    fault(rax.call('GET', 'backup/%d' % DAILY), 404)          # a configuration id is no backup id
    fault(rax.call('GET', 'backup/1'), 404)
    rax.config(backup_seconds=0)
    assert rax.state(backup_id) == 'Completed'


def test_backup_waits_for_an_offline_agent(rax):
    backup_id = rax.start(WEEKLY)       # web-02 is offline
    time.sleep(0.5)
    assert rax.state(backup_id) == 'StartRequested'
    assert rax.call('POST', 'user/wakeupagents').status_code == 200
    assert states_until(lambda: rax.state(backup_id), ('Completed',))[-1] == 'Completed'
    assert rax.get('backup/%d' % backup_id)['IsEncrypted'] is True      # web-02 is encrypted
    rax.admin('POST', 'rax_backup/agent-status', {'MachineAgentId': WEB02, 'status': 'Offline'})
    rax.config(offline_work='reject')
    fault(rax.call('POST', 'backup/action-requested', {'Action': 'StartManual', 'Id': WEEKLY}), 400, 'offline')


def test_backup_stop(rax):
    rax.config(backup_seconds=5)
    backup_id = rax.start(DAILY)
    stop = rax.call('POST', 'backup/action-requested', {'Action': 'StopManual', 'Id': backup_id})
    assert stop.status_code == 204 and stop.content == b''
    assert rax.state(backup_id) == 'StopRequested'
    assert rax.call('POST', 'backup/action-requested', {'Action': 'StopManual', 'Id': backup_id}).status_code == 204
    wait_for(lambda: rax.state(backup_id) == 'Stopped')
    fault(rax.call('POST', 'backup/action-requested', {'Action': 'StopManual', 'Id': backup_id}), 400, 'not running')
    fault(rax.call('POST', 'backup/action-requested', {'Action': 'StopManual', 'Id': DAILY}), 404)
    fault(rax.call('POST', 'backup/action-requested', {'Action': 'Pause', 'Id': backup_id}), 400, 'Action')
    fault(rax.call('POST', 'backup/action-requested', {'Action': 'StartManual'}), 400, 'Id')
    report = rax.get('backup/report/%d' % backup_id)
    assert report['State'] == 'Stopped' and report['CanRestore'] is False
    assert rax.get('backup-configuration/%d' % DAILY)['LastRunBackupReportId'] is None
    assert backup_id not in [item['BackupId'] for item in rax.get('backup/completed/%d' % DAILY)]


def test_duplicate_start_knob(rax):
    rax.config(backup_seconds=5)
    first = rax.start(DAILY)
    fault(rax.call('POST', 'backup/action-requested', {'Action': 'StartManual', 'Id': DAILY}), 400, 'already running')
    rax.config(duplicate_start='existing')
    assert rax.start(DAILY) == first
    rax.config(duplicate_start='parallel')
    second = rax.start(DAILY)
    assert second != first and rax.state(second) == 'StartRequested'


def test_planned_failures(rax):
    rax.admin('POST', 'rax_backup/fail-next-backup', {'BackupConfigurationId': MANUAL, 'state': 'CompletedWithErrors'})
    rax.admin('POST', 'rax_backup/fail-next-backup', {'state': 'Failed', 'at': 0.5})
    failed = rax.start(DAILY)              # the MANUAL plan does not apply to DAILY
    with_errors = rax.start(MANUAL)
    requested = epoch(rax.get('backup/%d' % failed)['StateChangeTime'])
    seen = states_until(lambda: rax.state(failed), ('Failed',))
    assert 'InProgress' in seen
    assert abs(epoch(rax.get('backup/%d' % failed)['StateChangeTime']) - requested - 0.2) < 0.01   # half of 0.4 s
    report = rax.get('backup/report/%d' % failed)
    assert report['State'] == 'Failed' and report['CanRestore'] is False and report['NumErrors'] == 1
    assert rax.get('backup-configuration/%d' % DAILY)['LastRunBackupReportId'] is None
    wait_for(lambda: rax.state(with_errors) == 'CompletedWithErrors')
    report = rax.get('backup/report/%d' % with_errors)
    assert report['CanRestore'] is True and report['Diagnostics'] == 'Completed With Errors' and report['NumErrors'] == 2
    assert {item['BackupReportID'] for item in report['ErrorList']} == {with_errors}
    assert set(report['ErrorList'][0]) == {'BackupReportID', 'ListIndex', 'ErrorType', 'ErrorDesc', 'ExceptionDesc',
                                           'ExceptionDetails', 'ExceptionCode', 'Path'}
    assert report['ErrorList'][0]['Path'].startswith('/etc/')
    assert rax.get('backup/completed/%d' % MANUAL)[0]['NumErrors'] == 2
    assert rax.admin('GET', 'rax_backup/plans')['plans'] == {'backup': [], 'restore': []}
    rax.admin('POST', 'rax_backup/fail-next-backup', {'BackupConfigurationId': 1}, status=404)
    rax.admin('POST', 'rax_backup/fail-next-backup', {'state': 'Exploded'}, status=400)


def test_retention_and_expiry(rax):
    assert len(rax.get('backup/completed/%d' % DAILY)) == 3
    rax.admin('POST', 'rax_backup/age-backups', {'days': 40, 'BackupConfigurationId': DAILY})
    kept = rax.get('backup/completed/%d' % DAILY)
    assert len(kept) == 1       # VersionRetention 30: only the newest survives
    rax.admin('POST', 'rax_backup/age-backups', {'days': 400, 'BackupConfigurationId': MANUAL})
    assert len(rax.get('backup/completed/%d' % MANUAL)) == 1      # VersionRetention 0: kept indefinitely
    rax.admin('POST', 'rax_backup/expire-backup', {'BackupId': kept[0]['BackupId']})
    assert rax.get('backup/completed/%d' % DAILY) == []
    assert DAILY not in [item['BackupConfigurationId'] for item in rax.get('backup/availableforrestore')]
    assert rax.get('backup/report/%d' % kept[0]['BackupId'])['CanRestore'] is False


def test_scheduled_skipped_missed(rax):
    backup_id = rax.admin('POST', 'rax_backup/run-scheduled', {'BackupConfigurationId': DAILY})['BackupId']
    assert rax.state(backup_id) == 'StartScheduled'
    wait_for(lambda: rax.state(backup_id) == 'Completed')
    skipped = rax.admin('POST', 'rax_backup/run-scheduled', {'BackupConfigurationId': DAILY, 'outcome': 'Skipped'})
    assert rax.state(skipped['BackupId']) == 'Skipped'
    assert rax.get('backup-configuration')[0]['BackupState'] == 'Skipped'
    missed = rax.admin('POST', 'rax_backup/run-scheduled', {'BackupConfigurationId': WEEKLY, 'outcome': 'Missed'})
    assert rax.get('backup/report/%d' % missed['BackupId'])['Reason'] == 'Missed'
    rax.admin('POST', 'rax_backup/run-scheduled', {'BackupConfigurationId': DAILY, 'outcome': 'Later'}, status=400)


# -- restores -----------------------------------------------------------------------------


def test_restore_flow(rax):
    available = rax.get('backup/availableforrestore')
    assert [item['BackupConfigurationId'] for item in available] == [DAILY, MANUAL, WEEKLY]
    assert list(available[0]) == ['BackupConfigurationId', 'BackupConfigurationName', 'MachineName', 'MachineAgentId',
                                  'IsEncrypted', 'PublicKeyHex', 'PublicKeyMod', 'Flavor', 'LastSuccessfulBackupTime']
    restore = rax.create_restore(DAILY, WEB01, WEB02, 'C:\\Restored', BackupDataCenter='DFW')
    assert list(restore) == ['RestoreId', 'BackupId', 'DestinationMachineId', 'OverwriteFiles', 'BackupConfigurationId',
                             'BackupConfigurationName', 'BackupRestorePoint', 'BackupMachineId', 'BackupMachineName',
                             'BackupFlavor', 'DestinationMachineName', 'DestinationPath', 'BackupDataCenter',
                             'IsEncrypted', 'EncryptedPassword', 'PublicKey', 'RestoreStateId', 'Inclusions', 'Exclusions']
    assert restore['RestoreStateId'] == 0 and restore['DestinationMachineName'] == 'web-02'
    assert restore['EncryptedPassword'] is None and restore['BackupConfigurationId'] == DAILY
    restore_id = restore['RestoreId']
    add = rax.call('PUT', 'restore/files', {'FilePath': '/var/www/index.html', 'Filter': '1', 'ParentId': restore_id,
                                            'FileItemType': '0'})
    assert add.status_code == 200 and add.content == b''
    assert rax.call('PUT', 'restore/files', {'FilePath': '/var/www/index.html', 'Filter': 1, 'ParentId': restore_id,
                                             'FileItemType': 0}).status_code == 200    # same entry: kept once
    rax.call('PUT', 'restore/files', {'FilePath': '/var/www/tmp', 'Filter': 2, 'ParentId': restore_id, 'FileItemType': 1,
                                      'FilePathEncoded': 'L3Zhci93d3cvdG1w'})
    files = rax.get('restore/files/%d' % restore_id)
    assert [(item['FilePath'], item['Filter'], item['FileItemType'], item['RestoreId']) for item in files] == [
        ('/var/www/index.html', 1, 0, restore_id), ('/var/www/tmp', 2, 1, restore_id)]
    assert rax.get('restore/files/%d' % restore_id, params={'Filter': 2})[0]['FilePath'] == '/var/www/tmp'
    replaced = rax.call('PUT', 'restore/files', {'FilePath': '/var/www/cache', 'Filter': 2, 'ParentId': restore_id,
                                                 'FileItemType': 1, 'FileId': files[1]['FileId']})
    assert replaced.status_code == 200 and rax.get('restore/files/%d' % restore_id)[1]['FilePath'] == '/var/www/cache'
    fault(rax.call('PUT', 'restore/files', {'FilePath': '/x', 'Filter': 3, 'ParentId': restore_id, 'FileItemType': 0}), 400)
    fault(rax.call('PUT', 'restore/files', {'FilePath': '/x', 'Filter': 1, 'ParentId': 5, 'FileItemType': 0}), 404)
    fault(rax.call('PUT', 'restore/files', {'FilePath': '/x', 'Filter': 1, 'ParentId': restore_id, 'FileItemType': 0,
                                            'FilePathEncoded': '***'}), 400, 'base64')
    detail = rax.get('restore/%d' % restore_id)
    assert [item['FilePath'] for item in detail['Inclusions']] == ['/var/www/index.html']
    update = {'RestoreId': restore_id, 'BackupId': restore['BackupId'], 'BackupMachineId': WEB01, 'DestinationMachineId': WEB01,
              'OverwriteFiles': True, 'BackupConfigurationId': DAILY, 'DestinationPath': '/srv/restored', 'RestoreStateId': 1}
    updated = rax.call('POST', 'restore', update)
    assert updated.status_code == 204 and updated.content == b''
    detail = rax.get('restore/%d' % restore_id)
    assert detail['DestinationMachineId'] == WEB01 and detail['OverwriteFiles'] is True and detail['RestoreStateId'] == 0
    fault(rax.call('POST', 'restore', dict(update, BackupConfigurationId=MANUAL)), 400, 'BackupConfigurationId')
    fault(rax.call('POST', 'restore', dict(update, RestoreId=1)), 404)
    fault(rax.call('GET', 'restore/report/%d' % restore_id), 404)
    started = rax.call('POST', 'restore/action-requested', {'Action': 'StartManual', 'Id': restore_id})
    assert started.status_code == 204 and started.content == b''
    seen = states_until(lambda: rax.restore_state(restore_id), (3,))
    assert seen[0] == 6 and seen[-1] == 3 and [s for s in seen if s != 6] == [s for s in (1, 9, 2, 3) if s in seen]
    report = rax.get('restore/report/%d' % restore_id)
    assert report['State'] == 'Completed' and report['NumErrors'] == '0' and report['Reason'] == 'Success'
    assert report['BackupReportId'] == restore['BackupId'] and report['RestoreDestinationMachineId'] == WEB01
    assert report['NumFilesRestored'].isdigit() and re.fullmatch(r'[\d.]+ [KMGT]?B', report['NumBytesRestored'])
    fault(rax.call('POST', 'restore', update), 400, 'Creating')
    fault(rax.call('PUT', 'restore/files', {'FilePath': '/x', 'Filter': 1, 'ParentId': restore_id, 'FileItemType': 0}),
          400, 'Creating')
    fault(rax.call('POST', 'restore/action-requested', {'Action': 'StartManual', 'Id': restore_id}), 400, 'already')
    fault(rax.call('POST', 'restore/action-requested', {'Action': 'StopManual', 'Id': restore_id}), 400, 'not running')
    rows = [row for row in rax.get('system/activity/%d' % WEB01) if row['Type'] == 'Restore']
    assert rows[0]['ID'] == restore_id and rows[0]['BackupId'] == restore['BackupId'] and rows[0]['CurrentState'] == 'Completed'
    assert rows[0]['DestinationMachineAgentId'] == WEB01 and rows[0]['ParentId'] == DAILY


def test_restore_create_checks(rax):
    backup = rax.latest_backup(DAILY)
    body = {'BackupId': backup['BackupId'], 'BackupMachineId': WEB01, 'DestinationMachineId': WEB01,
            'DestinationPath': '/r', 'OverwriteFiles': False}
    fault(rax.call('PUT', 'restore', dict(body, BackupMachineId=WEB02)), 400, 'BackupMachineId')
    fault(rax.call('PUT', 'restore', dict(body, BackupId=999)), 403)
    fault(rax.call('PUT', 'restore', dict(body, DestinationMachineId=DB01)), 403)      # not visible in DFW
    fault(rax.call('PUT', 'restore', dict(body, BackupDataCenter='ORD')), 400, 'data center')
    fault(rax.call('PUT', 'restore', dict(body, DestinationPath='')), 400)
    fault(rax.call('PUT', 'restore', dict(body, OverwriteFiles=None)), 400)
    # cross-region: a DFW backup restored to an ORD agent through the ORD endpoint
    cross = rax.call('PUT', 'restore', dict(body, DestinationMachineId=DB01, BackupDataCenter='DFW'), region='ord')
    assert cross.status_code == 200 and cross.json()['BackupDataCenter'] == 'DFW'
    restore_id = cross.json()['RestoreId']
    fault(rax.call('GET', 'restore/%d' % restore_id), 404)           # the DFW endpoint does not see it
    assert rax.get('restore/%d' % restore_id, region='ord')['DestinationMachineName'] == 'db-01'


def test_restore_encrypted_backup(rax):
    restore = rax.create_restore(WEEKLY, WEB02)
    assert restore['IsEncrypted'] is True
    restore_id = restore['RestoreId']
    fault(rax.call('POST', 'restore/action-requested', {'Action': 'StartManual', 'Id': restore_id}), 400,
          'EncryptedPassword')
    wrong = rax.admin('POST', 'rax_backup/encrypt-passphrase', {'MachineAgentId': WEB02, 'passphrase': 'guess'})
    fault(rax.call('POST', 'restore/action-requested', {'Action': 'StartManual', 'Id': restore_id,
                                                        'EncryptedPassword': wrong['EncryptedPasswordHex']}), 400)
    right = rax.admin('POST', 'rax_backup/encrypt-passphrase', {'MachineAgentId': WEB02, 'passphrase': PASSPHRASE})
    assert right['PublicKey']['ModulusHex'].upper() == restore['PublicKey']['ModulusHex']
    rax.admin('POST', 'rax_backup/agent-status', {'MachineAgentId': WEB02, 'status': 'Online'})
    started = rax.call('POST', 'restore/action-requested', {'Action': 'StartManual', 'Id': restore_id,
                                                            'EncryptedPassword': right['EncryptedPasswordHex']})
    assert started.status_code == 204
    assert rax.get('restore/%d' % restore_id)['EncryptedPassword'] == right['EncryptedPasswordHex']
    wait_for(lambda: rax.restore_state(restore_id) == 3)
    rax.config(bad_restore_password='fail')
    second = rax.create_restore(WEEKLY, WEB02)['RestoreId']
    assert rax.call('POST', 'restore/action-requested', {'Action': 'StartManual', 'Id': second,
                                                         'EncryptedPassword': None}).status_code == 204
    seen = states_until(lambda: rax.restore_state(second), (5,))
    assert 2 not in seen
    report = rax.get('restore/report/%d' % second)
    assert report['State'] == 'Failed' and report['Reason'] == 'InvalidEncryptionPassword'


def test_restore_stop_and_failures(rax):
    rax.config(restore_seconds=5)
    restore_id = rax.create_restore(DAILY, WEB01)['RestoreId']
    fault(rax.call('POST', 'restore/action-requested', {'Action': 'StopManual', 'Id': restore_id}), 400, 'not been started')
    rax.call('POST', 'restore/action-requested', {'Action': 'StartManual', 'Id': restore_id})
    assert rax.call('POST', 'restore/action-requested', {'Action': 'StopManual', 'Id': restore_id}).status_code == 204
    assert rax.restore_state(restore_id) == 7
    wait_for(lambda: rax.restore_state(restore_id) == 4)
    assert rax.get('restore/report/%d' % restore_id)['State'] == 'Stopped'
    rax.config(restore_seconds=0.4)
    halfway = rax.create_restore(DAILY, WEB01)['RestoreId']
    rax.admin('POST', 'rax_backup/fail-next-restore', {'RestoreId': halfway, 'halfway': True})
    rax.admin('POST', 'rax_backup/fail-next-restore', {'state': 'CompletedWithErrors'})
    with_errors = rax.create_restore(DAILY, WEB01)['RestoreId']
    for restore in (with_errors, halfway):
        rax.call('POST', 'restore/action-requested', {'Action': 'StartManual', 'Id': restore})
    seen = states_until(lambda: rax.restore_state(halfway), (5,))
    assert 2 in seen
    report = rax.get('restore/report/%d' % halfway)
    assert abs(epoch(report['CompletedTime']) - epoch(report['StartTime']) - 0.2) < 0.01   # half of 0.4 s
    full = rax.get('backup/report/%d' % rax.latest_backup(DAILY)['BackupId'])
    assert report['State'] == 'Failed' and 0 < int(report['NumFilesRestored']) < int(full['FilesSearched'])
    assert report['NumErrors'] == '1' and report['ErrorList'][0]['Path'].startswith('/tmp/restore/')
    wait_for(lambda: rax.restore_state(with_errors) == 8)
    report = rax.get('restore/report/%d' % with_errors)
    assert report['State'] == 'CompletedWithErrors' and report['Reason'] == 'UnableToProcessSomeFiles'


def test_restore_files_delete_knob(rax):
    restore_id = rax.create_restore(DAILY, WEB01)['RestoreId']
    rax.call('PUT', 'restore/files', {'FilePath': '/a', 'Filter': 1, 'ParentId': restore_id, 'FileItemType': 1})
    deleted = rax.call('DELETE', 'restore/files/%d' % restore_id)
    assert deleted.status_code == 204 and rax.get('restore/files/%d' % restore_id) == []
    assert rax.get('restore/%d' % restore_id)['RestoreStateId'] == 0
    rax.config(restore_files_delete='restore')
    assert rax.call('DELETE', 'restore/files/%d' % restore_id).status_code == 204
    fault(rax.call('GET', 'restore/%d' % restore_id), 404)
    assert restore_id not in [row['ID'] for row in rax.get('activity') if row['Type'] == 'Restore']


# -- activity -----------------------------------------------------------------------------


def test_activity_lists(rax):
    rax.config(backup_seconds=5)
    backup_id = rax.start(MANUAL)
    cleanup = rax.admin('POST', 'rax_backup/cleanup', {'MachineAgentId': WEB01})['CleanupId']
    rows = rax.get('activity')
    keys = ['ID', 'Type', 'ParentId', 'DisplayName', 'IsBackupConfigurationDeleted', 'SourceMachineAgentId',
            'SourceMachineName', 'DestinationMachineAgentId', 'DestinationMachineName', 'CurrentState', 'TimeOfActivity',
            'BackupId']
    assert all(list(row) == keys for row in rows)
    assert {row['Type'] for row in rows} == {'Backup', 'Restore', 'Cleanup'}
    times = [epoch(row['TimeOfActivity']) for row in rows]
    assert times == sorted(times, reverse=True)
    running = [row for row in rows if row['ID'] == backup_id][0]
    assert running['CurrentState'] == 'StartRequested' and running['DestinationMachineAgentId'] == 0
    assert running['DestinationMachineName'] == '' and running['ParentId'] == MANUAL
    cleanup_row = [row for row in rows if row['Type'] == 'Cleanup' and row['ID'] == cleanup][0]
    assert cleanup_row['SourceMachineAgentId'] == WEB01 and cleanup_row['BackupId'] == 0
    assert {row['SourceMachineAgentId'] for row in rows} == {WEB01, WEB02}
    mine = rax.get('system/activity/%d' % WEB02)
    assert mine and {row['SourceMachineAgentId'] for row in mine} == {WEB02}
    assert {row['SourceMachineAgentId'] for row in rax.get('activity', region='ord')} == {DB01}
    fault(rax.call('GET', 'system/activity/%d' % DB01), 404)
    rax.config(backup_activity_id='separate')
    row = [row for row in rax.get('activity') if row['BackupId'] == backup_id][0]
    assert row['ID'] != backup_id and row['Type'] == 'Backup'
    rax.config(backup_seconds=0)
    wait_for(lambda: [r for r in rax.get('activity') if r['Type'] == 'Cleanup' and r['ID'] == cleanup][0]['CurrentState']
             == 'Completed')


# -- seeding and scale --------------------------------------------------------------------


def test_seed_2000_agents_lists_are_fast(rax):
    started = time.time()
    seeded = rax.admin('POST', 'seed', {'service': 'rax_backup', 'agents': 2000, 'regions': ['DFW'],
                                        'configs_per_agent': 1, 'backups_per_config': 2})
    assert len(seeded['agents']) == 2000 and seeded['configs'] == 2000 and seeded['backups'] == 4000
    assert time.time() - started < 5
    for path, minimum in (('user/agents', 2002), ('backup-configuration', 2003), ('activity', 4000),
                          ('backup/availableforrestore', 2003)):
        started = time.time()
        items = rax.get(path)
        elapsed = time.time() - started
        assert len(items) >= minimum and elapsed < 2.0, (path, len(items), elapsed)
    agent_id = seeded['agents'][1234]
    started = time.time()
    for _index in range(50):
        detail = rax.get('agent/%d' % agent_id)
    assert (time.time() - started) / 50 < 0.05
    assert detail['MachineName'] == 'bulk-01235' and detail['HostServerId']
    assert len(rax.get('backup-configuration/system/%d' % agent_id)) == 1
    again = rax.admin('POST', 'seed', {'service': 'rax_backup', 'agents': 2, 'regions': 'lon,syd', 'user': 'other'})
    assert again['tenant'] == '930036'
    rax.admin('POST', 'seed', {'service': 'rax_backup', 'agents': 1, 'regions': ['MARS']}, status=400)
    rax.admin('POST', 'seed', {'service': 'rax_backup', 'agents': -1}, status=400)
