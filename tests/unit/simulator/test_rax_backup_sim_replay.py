# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replay of the Cloud Backup seed's examples against the rax_backup simulator, by shape.

Every request and response example of the seed (003, the Rackspace Cloud Backup
API reference) is embedded below verbatim (``EXAMPLES``: name -> (first seed
line, text); long lines are wrapped with a ``~~`` continuation marker).  Eight
of them are not valid JSON; ``repair`` applies the catalogue's minimal repairs.
Request examples are sent with their ids replaced by the simulator's; the
simulator's answers must have the keys and the structure of the response
examples (values differ: the examples do not describe one world).
"""

import json
import os
import re
import sys

import pytest
import requests

SIM_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'simulator'))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position,redefined-outer-name
from backupdr_simulator.core import Simulator  # noqa: E402
from backupdr_simulator.rax_backup import RaxBackupService  # noqa: E402

TENANT = '930035'
API_KEY = 'a3f1c9e27b5d48e0b6c4d2e8f0a1b3c5'
WEB01, WEB02 = 213561, 213562
DAILY, MANUAL = 170101, 170102
DEFAULT_RESTORE = 14381
NOT_JSON = ('A8', 'A9', 'U1', 'R1_request', 'R1_response', 'R7_encrypted', 'R8', 'R9', 'A3_response')
# where the seed's own examples disagree on a value's JSON type (L77/L503/L526, L81/L403)
LOOSE_TYPES = ('ExponentHex', 'UseServiceNet')
GUID_RE = re.compile(r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')


def example(name):
    """The text of an example as the seed has it."""
    return EXAMPLES[name][1].replace('~~\n', '')


def repair(text):
    """The catalogue's minimal repairs of the invalid examples."""
    text = text.replace('\\_', '_')                                     # L387, L491: invalid escape
    text = re.sub(r'("ExponentHex": )(0\d+)', r'\1"\2"', text)          # L503: a number with a leading zero
    text = text.replace('\\",', '\\\\",')                               # L1597, L1638, L1964: escaped closing quote
    text = re.sub(r":\s*'([^']*)'", r': "\1"', text)                    # L1883: single quotes
    text = text.replace('\\]', ']}')                                    # L2039: truncated
    return text


def parsed(name):
    """An example as JSON (repaired when needed)."""
    text = example(name)
    return json.loads(repair(text) if name in NOT_JSON else text)


def kind(value):
    """The JSON type of a value."""
    if value is None:
        return 'null'
    if isinstance(value, bool):
        return 'boolean'
    if isinstance(value, (int, float)):
        return 'number'
    return {str: 'string', list: 'array', dict: 'object'}[type(value)]


def assert_shape(expected, actual, extras=(), path='$'):
    """``actual`` has the keys and structure of ``expected``; ``extras`` are keys the seed's tables add at the first level."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), '%s: object expected, got %r' % (path, actual)
        missing = sorted(set(expected) - set(actual))
        unexpected = sorted(set(actual) - set(expected) - set(extras))
        assert not missing and not unexpected, '%s: missing %s, unexpected %s' % (path, missing, unexpected)
        for key, value in expected.items():
            if key in LOOSE_TYPES and not isinstance(value, (dict, list)):
                continue
            assert_shape(value, actual[key], (), '%s.%s' % (path, key))
    elif isinstance(expected, list):
        assert isinstance(actual, list), '%s: array expected, got %r' % (path, actual)
        if expected and any(isinstance(item, (dict, list)) for item in expected):
            assert actual, '%s: the simulator answered an empty array; the example has items' % path
            for item in expected:
                assert_shape(item, actual[0], extras, path + '[]')
    elif expected is not None and actual is not None:
        assert kind(expected) == kind(actual), '%s: %s expected, got %r' % (path, kind(expected), actual)


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    """One simulator for the module."""
    simulator = Simulator([RaxBackupService()], port=0, tls_port=None, quiet=True,
                          state_dir=str(tmp_path_factory.mktemp('raxstate')))
    simulator.start()
    yield simulator
    simulator.stop()


class Rax:
    """Cloud Backup requests as the seed's examples send them."""

    def __init__(self, simulator):
        self.sim = simulator
        self.root = simulator.http_url + '/rackspace'
        body = {'auth': {'RAX-KSKEY:apiKeyCredentials': {'username': 'sim-rax-user', 'apiKey': API_KEY}}}
        self.token = requests.post(self.root + '/identity/v2.0/tokens', json=body, timeout=10).json()['access']['token']['id']

    def call(self, method, path, body=None, data=None):
        """A request with the seed's headers (Content-Type "application/json;")."""
        headers = {'X-Auth-Token': self.token, 'User-Agent': 'controlpanel.drivesrvr.com', 'Content-Type': 'application/json;'}
        if body is not None:
            data = json.dumps(body)
        return requests.request(method, '%s/backup/dfw/v1.0/%s/%s' % (self.root, TENANT, path), data=data,
                                headers=headers, timeout=10)

    def get(self, path):
        """GET, asserting 200; the decoded JSON."""
        response = self.call('GET', path)
        assert response.status_code == 200, response.text
        return response.json()

    def admin(self, method, name, payload=None):
        """The admin API."""
        response = requests.request(method, self.sim.http_url + '/_sim/' + name, json=payload, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def encrypt(self, agent_id, passphrase):
        """A passphrase encrypted with an agent's key."""
        return self.admin('POST', 'rax_backup/encrypt-passphrase', {'MachineAgentId': agent_id,
                                                                    'passphrase': passphrase})['EncryptedPasswordHex']


@pytest.fixture
def rax(sim):
    """A client on a freshly reset simulator with instant jobs."""
    client = Rax(sim)
    client.admin('POST', 'reset', {})
    client.token = Rax(sim).token
    client.admin('POST', 'config', {'service': 'rax_backup', 'backup_seconds': 0, 'restore_seconds': 0.2,
                                    'stop_seconds': 0.1})
    return client


# -- the examples themselves -------------------------------------------------------------------


def test_invalid_examples_parse_after_the_minimal_repairs():
    for name, (line, text) in EXAMPLES.items():
        text = text.replace('~~\n', '')
        if name in ('A9', 'A3_response'):
            continue          # a form body and a bare GUID: not JSON by design
        if name in NOT_JSON:
            with pytest.raises(ValueError):
                json.loads(text)
            json.loads(repair(text))
        else:
            json.loads(text)
        assert line > 0
    assert GUID_RE.match(example('A3_response')) and example('B1_response') == '368785'


# -- agents --------------------------------------------------------------------------------------


def test_agent_examples(rax):
    assert_shape(parsed('A1'), rax.get('agent/%d' % WEB01), extras=('BackupContainer',))     # in A1's table (L45)
    host = rax.get('agent/%d' % WEB01)['HostServerId']
    assert_shape(parsed('A8'), rax.get('agent/server/%s' % host))
    assert_shape(parsed('U1'), rax.get('user/agents'))
    for name in ('A2_disable', 'A2_enable'):
        body = dict(parsed(name), MachineAgentId=WEB01)
        assert rax.call('POST', 'agent/enable', body).status_code == 204
    update = rax.call('POST', 'agent/%d' % WEB01, parsed('A7_request'))
    assert update.status_code == 200
    assert_shape(parsed('A7_response'), update.json())
    form = example('A9').replace('1311839', str(WEB01))
    assert rax.call('PUT', 'agent/logging', data=form).status_code == 200


def test_encryption_examples(rax):
    verbatim = rax.call('POST', 'agent/encrypt', dict(parsed('A3'), MachineAgentId=WEB01))
    assert verbatim.status_code == 400          # the example's hex was made for another key
    body = dict(parsed('A3'), MachineAgentId=WEB01, EncryptedPasswordHex=rax.encrypt(WEB01, 'one'))
    response = rax.call('POST', 'agent/encrypt', body)
    assert response.status_code == 200 and GUID_RE.match(response.text)
    assert rax.call('POST', 'agent/changeencryption', dict(parsed('A4'), MachineAgentId=WEB01)).status_code == 400  # "fgh"
    body = dict(parsed('A4'), MachineAgentId=WEB01, OldEncryptedPasswordHex=rax.encrypt(WEB01, 'one'),
                NewEncryptedPasswordHex=rax.encrypt(WEB01, 'two'))
    response = rax.call('POST', 'agent/changeencryption', body)
    assert response.status_code == 200 and GUID_RE.match(response.text)


def test_delete_and_migrate_examples(rax):
    new = rax.admin('POST', 'rax_backup/agents', {'name': 'destination', 'datacenter': 'DFW'})['MachineAgentId']
    body = dict(parsed('A6'), SourceMachineAgentId=WEB01, DestinationMachineAgentId=new)
    assert rax.call('PUT', 'agent/migratevault', body).status_code == 200
    assert rax.call('POST', 'agent/delete', dict(parsed('A5_request'), MachineAgentId=WEB01)).status_code == 204
    rax.admin('POST', 'config', {'service': 'rax_backup', 'agent_delete_status': '200'})
    response = rax.call('POST', 'agent/delete', dict(parsed('A5_request'), MachineAgentId=new))
    assert response.status_code == 200
    assert_shape(parsed('A5_response'), response.json())


# -- backup configurations ---------------------------------------------------------------------------


def test_configuration_examples(rax):
    created = rax.call('POST', 'backup-configuration', dict(parsed('C1_request'), MachineAgentId=WEB01))
    assert created.status_code == 200
    assert_shape(parsed('C1_response'), created.json())
    config_id = created.json()['BackupConfigurationId']
    schedule_id = created.json()['BackupConfigurationScheduleId']
    update = dict(parsed('C2'), MachineAgentId=WEB01, BackupConfigurationScheduleId=schedule_id)
    assert rax.call('PUT', 'backup-configuration/%d' % config_id, update).status_code == 400    # "AM|PM" (L776)
    update['StartTimeAmPm'] = 'AM'
    response = rax.call('PUT', 'backup-configuration/%d' % config_id, update)
    assert response.status_code == 200 and response.content == b''
    assert_shape(parsed('C3'), rax.get('backup-configuration/%d' % DAILY))
    assert_shape(parsed('C4'), rax.get('backup-configuration'), extras=('BackupState',))
    assert_shape(parsed('C5'), rax.get('backup-configuration/system/%d' % WEB01))
    for name in ('C6_disable', 'C6_enable'):
        response = rax.call('POST', 'backup-configuration/enable/%d' % DAILY, parsed(name))
        assert response.status_code == 200
        assert_shape(parsed('C6_response'), response.json())
        assert response.json()['IsActive'] is parsed(name)['Enable']
    deleted = rax.call('DELETE', 'backup-configuration/%d' % config_id)
    assert deleted.status_code == 200 and deleted.content == b''


# -- backups ----------------------------------------------------------------------------------------


def test_backup_examples(rax):
    rax.admin('POST', 'config', {'service': 'rax_backup', 'backup_seconds': 5})
    start = rax.call('POST', 'backup/action-requested', dict(parsed('B1_start'), Id=DAILY))
    assert start.status_code == 200 and re.fullmatch(r'\d+', start.text)
    assert kind(json.loads(start.text)) == kind(json.loads(example('B1_response')))
    backup_id = int(start.text)
    assert_shape(parsed('B2'), rax.get('backup/%d' % backup_id))
    stop = rax.call('POST', 'backup/action-requested', dict(parsed('B1_stop'), Id=backup_id))
    assert stop.status_code == 204 and stop.content == b''
    assert_shape(parsed('B3'), rax.get('backup/completed/%d' % DAILY))
    with_errors = [row['BackupId'] for row in rax.get('activity') if row['Type'] == 'Backup'
                   and row['CurrentState'] == 'CompletedWithErrors'][0]
    assert_shape(parsed('B4'), rax.get('backup/report/%d' % with_errors))


# -- restores -----------------------------------------------------------------------------------------


def test_restore_examples(rax):
    assert_shape(parsed('R6'), rax.get('backup/availableforrestore'))
    backup = rax.get('backup/completed/%d' % DAILY)[0]
    body = dict(parsed('R1_request'), BackupId=backup['BackupId'], BackupMachineId=WEB01, DestinationMachineId=WEB01)
    created = rax.call('PUT', 'restore', body)
    assert created.status_code == 200
    assert_shape(parsed('R1_response'), created.json(), extras=('Inclusions', 'Exclusions'))
    restore_id = created.json()['RestoreId']
    update = dict(parsed('R2'), RestoreId=restore_id, BackupConfigurationId=DAILY, BackupMachineId=WEB01,
                  DestinationMachineId=WEB01, BackupId=backup['BackupId'])
    response = rax.call('PUT', 'restore/files', dict(parsed('R3'), ParentId=restore_id))
    assert response.status_code == 200 and response.content == b''
    assert_shape(parsed('R4'), rax.get('restore/files/%d' % restore_id), extras=('FileId',))
    assert rax.call('POST', 'restore', update).status_code == 204
    assert rax.get('restore/%d' % restore_id)['RestoreStateId'] == 0      # RestoreStateId 1 is not applied
    response = rax.call('POST', 'restore/action-requested', dict(parsed('R7_start'), Id=restore_id))
    assert response.status_code == 204 and response.content == b''
    stop = rax.call('POST', 'restore/action-requested', dict(parsed('R7_stop'), Id=restore_id))
    assert stop.status_code == 204
    assert_shape(parsed('R8'), rax.get('restore/%d' % restore_id), extras=('Inclusions', 'Exclusions'))
    second = rax.call('PUT', 'restore', body).json()['RestoreId']
    # the example's EncryptedPassword (repaired) is ignored for a backup that is not encrypted
    assert rax.call('POST', 'restore/action-requested', dict(parsed('R7_encrypted'), Id=second)).status_code == 204
    assert_shape(parsed('R9'), rax.get('restore/report/%d' % DEFAULT_RESTORE))
    third = rax.call('PUT', 'restore', body).json()['RestoreId']
    deleted = rax.call('DELETE', 'restore/files/%d' % third)      # R5 (L1792): while the restore is Creating
    assert deleted.status_code == 204 and deleted.content == b''
    assert rax.call('DELETE', 'restore/files/%d' % restore_id).status_code == 400     # a stopped restore


# -- activity --------------------------------------------------------------------------------------------


def test_activity_examples(rax):
    assert_shape(parsed('V1'), rax.get('system/activity/%d' % WEB01))
    assert_shape(parsed('V2'), rax.get('activity'))


EXAMPLES = {
    'A1': (61, r'''{
"AgentVersion": "1.05.005848",
"Architecture": "64-bit",
"Flavor": "RaxCloudServer",
"BackupVaultSize": "35.3 MB",
"CleanupAllowed": true,
"Datacenter": "DFW",
"IPAddress": "192.168.1.1",
"IsDisabled": false,
"IsEncrypted": true,
"MachineAgentId": 213564,
"MachineName": "Web Server",
"OperatingSystem": "Windows Server 2012",
"OperatingSystemVersion": "",
"PublicKey": {
"ModulusHex": "a5261939156948bb7a58dffe5ff89e65f0498f9175f5a 98288810b8975871e99af3b5dd94057b0fc07535f5f97444504fa35169d4 61d0d30cf0192e3077~~
27c065168c788771c561a9400fb61975e9e6aa4e23 fe11af69e9412dd23b0cb6684c4c2429bce139e848ab26d0829073351f4a cd36074eafd036a5eb83359d2a698d0",
"ExponentHex": "09528"
},
"Status": "Online",
"TimeOfLastSuccessfulBackup": "\/Date(1357817400000)\/",
"UseServiceNet": true,
"HostServerId" : "87c3b6e1-fb1a-41f9-91e5-313ae35a5a06"
}'''),  # valid JSON
    'A2_enable': (108, r'''{
"MachineAgentId": 92384579,
"Enable": true
}'''),  # valid JSON
    'A2_disable': (113, r'''{
"MachineAgentId": 92384579,
"Enable": false
}'''),  # valid JSON
    'A3': (144, r'''{
"MachineAgentId" : 869,
"EncryptedPasswordHex" : "0bff42a526c78076a3d986fa75eecd 83211f166fd7692797cdde2317faee544e3300614fd54b8c0d81f975 3e58cb1ffbd62d3faf0d2bf52e~~
79ce5cd9c6d84b5295e3dea629e71b 0a5e26efda50ff8e05a5475bb7cbd553d238c05655f56ece2df070ce 374ff1e0724827c2300e373241e94c4bc13441561604e3e70b50~~
34eb 58d717864f304c9c73b6d1d46c4276d7ec2f0e2bd9a42a8ab0ba99eb adda84f4cbb5b3611bd319627436246912139c2dde62bd00528b1464 20dceae949d1926ae05fc~~
7df9b474e1ee176f89069fb424b12f8f357 e6e2909ba05152e9f72a68de0046b3e1520838ff5e723af02a96f51a c1e6ef4254226249b872676af76a319cbe"
}'''),  # valid JSON
    'A4': (178, r'''{
"MachineAgentId" : 869,
"OldEncryptedPasswordHex" : "0bff42a526c78076a3d986fa75eecd 83211f166fd7692797cdde2317faee544e3300614fd54b8c0d81f975 3e58cb1ffbd62d3faf0d2bf~~
52e79ce5cd9c6d84b5295e3dea629e71b 0a5e26efda50ff8e05a5475bb7cbd553d238c05655f56ece2df070ce 374ff1e0724827c2300e373241e94c4bc13441561604e3e70~~
b5034eb 58d717864f304c9c73b6d1d46c4276d7ec2f0e2bd9a42a8ab0ba99eb adda84f4cbb5b3611bd319627436246912139c2dde62bd00528b1464 20dceae949d1926ae0~~
5fc7df9b474e1ee176f89069fb424b12f8f357 e6e2909ba05152e9f72a68de0046b3e1520838ff5e723af02a96f51a c1e6ef4254226249b872676af76a319cbe",
"NewEncryptedPasswordHex" : "0bff42a526c78076a3d986fa75eecd 83211f166fd7692797cdde2317faee544e3300614fd54b8c0d81f975 3e58cb1ffbd62d3faf0d2bf~~
52e79ce5cd9c6d84b5295e3dea629e71b 0a5e26efda50ff8e05a5475bb7cbd553d238c05655f56ece2df070ce 374ff1e0724827c2300e373241e94c4bc13441561604e3e70~~
b5034eb 58d717864f304c9c73b6d1d46c4276d7ec2f0e2bd9a42a8ab0ba99eb adda84f4cbb5b3611bd319627436246912139c2dde62bd00528b1464 20dceae949d1926ae0~~
5fc7df9b474e1ee176f89069fb424b12f8f357 e6e2909ba05152e9f72a68de0046b3e1520838ff5e723af02a96f51a c1e6ef4254226249b872676af76a319fgh"
}'''),  # valid JSON
    'A5_request': (209, r'''{
"MachineAgentId": 92384579
}'''),  # valid JSON
    'A5_response': (218, r'''{
"MachineAgentId": 92384579
}'''),  # valid JSON
    'A6': (243, r'''{
"SourceMachineAgentId": 1,
"DestinationMachineAgentId": 2
}'''),  # valid JSON
    'A7_request': (281, r'''{
"BackupDataCenter" : "DFW",
"UseServiceNet" : true
}'''),  # valid JSON
    'A7_response': (308, r'''{
"AgentVersion": "1.05.005848",
"Architecture": "64-bit",
"Flavor":"RaxCloudServer",
"BackupVaultSize": "35.3 MB",
"CleanupAllowed": true,
"Datacenter": "DFW",
"BackupDataCenter": "DFW",
"IPAddress": "192.168.1.1",
"IsDisabled": false,
"IsEncrypted": true,
"MachineAgentId": 213564,
"MachineName": "Web Server",
"OperatingSystem": "Windows Server 2012",
"OperatingSystemVersion":"",
"PublicKey": {
"ModulusHex": "a5261939156948bb7a58dffe5ff89e65f0498f9175f5a 98288810b8975871e99af3b5dd94057b0fc07535f5f97444504fa35169d4 61d0d30cf0192e3077~~
27c065168c788771c561a9400fb61975e9e6aa4e23 fe11af69e9412dd23b0cb6684c4c2429bce139e848ab26d0829073351f4a cd36074eafd036a5eb83359d2a698d0",
"ExponentHex": "09528"
},
"Status": "Online",
"TimeOfLastSuccessfulBackup": "\/Date(1358752980000)\/",
"UseServiceNet": true,
"UseFailoverUri": true
}'''),  # valid JSON
    'A8': (382, r'''{
"AgentVersion": "1.05.005848",
"Architecture": "64-bit",
"Flavor": "RaxCloudServer",
"BackupVaultSize": "35.3 MB",
"BackupContainer": "https://storage101.DC.clouddrive.com/v1/yourAccount/CloudBackup\_v2\_0_yourUUID",
"CleanupAllowed": true,
"Datacenter": "DFW",
"IPAddress": "192.168.1.1",
"IsDisabled": false,
"IsEncrypted": true,
"MachineAgentId": 213564,
"MachineName": "Web Server",
"OperatingSystem": "Windows Server 2012",
"OperatingSystemVersion": "",
"PublicKey": {
"ModulusHex": "a5261939156948bb7a58dffe5ff89e65f0498f9175f5a 98288810b8975871e99af3b5dd94057b0fc07535f5f97444504fa35169d4 61d0d30cf0192e3077~~
27c065168c788771c561a9400fb61975e9e6aa4e23 fe11af69e9412dd23b0cb6684c4c2429bce139e848ab26d0829073351f4a cd36074eafd036a5eb83359d2a698d0",
"ExponentHex": "09528"
},
"Status": "Online",
"TimeOfLastSuccessfulBackup": "/Date(1357817400000)/",
"UseServiceNet": "true",
"HostServerId" : "87c3b6e1-fb1a-41f9-91e5-313ae35a5a06"
}'''),  # NOT valid JSON
    'A9': (427, r'''MachineAgentId=1311839&LoggingLevelId=6'''),  # NOT valid JSON
    'U1': (486, r'''[
{
"AgentVersion": "1.05.005848",
"Architecture": "64-bit",
"BackupVaultSize": "35.3 MB",
"BackupContainer": "https://storage101.DC.clouddrive.com/v1/yourAccount/CloudBackup\_v2\_0_yourUUID",
"CleanupAllowed": true,
"Datacenter": "DFW",
"Flavor": "RaxCloudServer",
"IPAddress": "192.168.1.1",
"IsDisabled": false,
"IsEncrypted": true,
"MachineAgentId": 213563,
"MachineName": "Web Server2",
"OperatingSystem": "Windows Server 2012",
"OperatingSystemVersion": "",
"PublicKey": {
"ExponentHex": 09528,
"ModulusHex": "a5261939156948bb7a58dffe5ff89e65f0498f9175f5a 98288810b8975871e99af3b5dd94057b0fc07535f5f97444504fa35169d4 61d0d30cf0192e3077~~
27c065168c788771c561a9400fb61975e9e6aa4e23 fe11af69e9412dd23b0cb6684c4c2429bce139e848ab26d0829073351f4a cd36074eafd036a5eb83359d2a698d0"
},
"Status": "Online",
"TimeOfLastSuccessfulBackup": null,
"UseServiceNet": true
},
{
"AgentVersion": "1.05.005848",
"Architecture": "64-bit",
"BackupVaultSize": "35.3 MB",
"BackupContainer": "https://storage101.DC.clouddrive.com/v1/yourAccount/CloudBackup\_v2\_0_yourUUID",
"CleanupAllowed": true,
"Flavor": "RaxCloudServer",
"Datacenter": "DFW",
"IPAddress": "192.168.1.3",
"IsDisabled": false,
"IsEncrypted": true,
"MachineAgentId": 213564,
"MachineName": "Web Server",
"OperatingSystem": "Windows Server 2012",
"OperatingSystemVersion": "",
"PublicKey": {
"ExponentHex": 82374,
"ModulusHex": "a5261939156948bb7a58dffe5ff89e65f0498f9175f5a982888 10b8975871e99af3b5dd94057b0fc07535f5f97444504fa35169d461d0d30cf0 192e3077~~
27c065168c788771c561a9400fb61975e9e6aa4e23fe11af69e 9412dd23b0cb6684c4c2429bce139e848ab26d0829073351f4 acd360723324234234234234234234abc2"
},
"Status": "Online",
"TimeOfLastSuccessfulBackup": null,
"UseServiceNet": true
}
]'''),  # NOT valid JSON
    'C1_request': (607, r'''{
"MachineAgentId": 202743,
"BackupConfigurationName": "Weekly Website Backup",
"IsActive": true,
"VersionRetention": 30,
"MissedBackupActionId": 1,
"Frequency": "Weekly",
"StartTimeHour": 7,
"StartTimeMinute": 30,
"StartTimeAmPm": "PM",
"DayOfWeekId": 5,
"HourInterval": null,
"TimeZoneId": "Eastern Standard Time",
"NotifyRecipients": "[email protected]",
"NotifySuccess": true,
"NotifyFailure": true,
"Inclusions": [
{
"FilePath": "C:\\backup_up_file.txt",
"FileItemType": "File"
},
{
"FilePath": "C:\\backed_up_folder",
"FileItemType": "Folder"
}
],
"Exclusions": [
{
"FilePath": "C:\\backed_up_folder\\excluded_file.txt",
"FileItemType": "File"
}
]
}'''),  # valid JSON
    'C1_response': (663, r'''{
"BackupConfigurationId": 174084,
"BackupConfigurationName": "Weekly Website Backup",
"BackupConfigurationScheduleId": 173131,
"BackupPostscript": "",
"BackupPrescript": "",
"Datacenter": "DFW",
"DayOfWeekId": 5,
"EncryptionKey": {
"ExponentHex": 10001,
"ModulusHex": "C6054E90E32D2B25E16F3A560E1B4DC580B1E4AB74E0C662680DD8A1BD83956051F6A526B16C55225D1BE6E0B1265F4085FB2F61B61337F5D32198E5CAFFE~~
ACD50E90517A329146E43B20194C082A9C890060AD07A542FBC035B2A96F9F212C6D94887BECB5E15F3E55397B975B1896CFC66EBB5DD7D83587467A0E7F669ADB925A7BE4C1~~
ECED1BC9E92DB768CE76FDC86CCDD04BDF469679FE3261AA66C22AC6263E540B79780AAF09CFC798CDC4D1218867388632EA4BD1BF511E4881E07C5387DDDBE741E615ACA0C3~~
2A738F5B952F1C17051EC3BAF9F64C629515EA2AF93E6BB450A8B1B3E02963471679D5670AF93CFEA649172EDA7AC5E071E2D3AF0BD"
},
"Exclusions": [
{
"FileId": 657293,
"FileItemType": "File",
"FilePath": "C:\\backed_up_folder\\excluded_file.txt",
"FilePathEncoded": null,
"Filter": "Exclude",
"ParentId": 174084
}
],
"Flavor": "RaxCloudServer",
"Frequency": "Weekly",
"HourInterval": null,
"Inclusions": [
{
"FileId": 657291,
"FileItemType": "File",
"FilePath": "C:\\backup_up_file.txt",
"FilePathEncoded": null,
"Filter": "Include",
"ParentId": 174084
},
{
"FileId": 657292,
"FileItemType": "Folder",
"FilePath": "C:\\backed_up_folder",
"FilePathEncoded": null,
"Filter": "Include",
"ParentId": 174084
}
],
"IsActive": true,
"IsDeleted": false,
"IsEncrypted": false,
"LastRunBackupReportId": null,
"LastRunTime": null,
"MachineAgentId": 202743,
"MachineName": "web2",
"MissedBackupActionId": 1,
"NextScheduledRunTime": "/Date(1406935800000)/",
"NotifyFailure": true,
"NotifyRecipients": "[email protected]",
"NotifySuccess": true,
"StartTimeAmPm": "PM",
"StartTimeHour": 11,
"StartTimeMinute": 30,
"TimeZoneId": "Eastern Standard Time",
"VersionRetention": 30
}'''),  # valid JSON
    'C2': (766, r'''{
"MachineAgentId": 156953,
"BackupConfigurationName": "Weekly Website Backup",
"IsActive": true,
"VersionRetention": 30,
"BackupConfigurationScheduleId": 145393,
"MissedBackupActionId": 1,
"Frequency": "Weekly",
"StartTimeHour": 6,
"StartTimeMinute": 30,
"StartTimeAmPm": "AM|PM",
"DayOfWeekId": 4,
"HourInterval": null,
"TimeZoneId": "Eastern Standard Time",
"NotifyRecipients": "[email protected]",
"NotifySuccess": true,
"NotifyFailure": true,
"Inclusions": [
{
"FilePath": "C:\\backup_up_file.txt",
"FileItemType": "File"
},
{
"FilePath": "C:\\backed_up_folder",
"FileItemType": "Folder"
}
],
"Exclusions": [
{
"FilePath": "C:\\backed_up_folder\\excluded_file.txt",
"FileItemType": "File"
},
{
"FilePath": "C:\\backed_up_folder\\excluded_folder",
"FileItemType": "Folder"
}
]
}'''),  # valid JSON
    'C3': (860, r'''{
"BackupConfigurationId": 148325,
"MachineAgentId": 156953,
"MachineName": "Web Server",
"Flavor": "RaxCloudServer",
"IsEncrypted": false,
"BackupConfigurationName": "Weekly Website Backup",
"IsActive": true,
"IsDeleted": false,
"VersionRetention": 60,
"BackupConfigurationScheduleId": 145406,
"MissedBackupActionId": 1,
"Frequency": "Weekly",
"StartTimeHour": 11,
"StartTimeMinute": 30,
"StartTimeAmPm": "AM",
"DayOfWeekId": 4,
"HourInterval": null,
"TimeZoneId": "Eastern Standard Time",
"NextScheduledRunTime": "\/Date(1357817400000)\/",
"LastRunTime": null,
"LastRunBackupReportId": null,
"NotifyRecipients": "[email protected]",
"NotifySuccess": false,
"NotifyFailure": false,
"Inclusions": [
{
"FilePath": "C:\\backed_up_folder",
"ParentId": 148325,
"FileItemType": "Folder",
"FileId": 35000
},
{
"FilePath": "C:\\backup_up_file.txt",
"ParentId": 148325,
"FileItemType": "File",
"FileId": 34999
}
],
"Exclusions":[
{
"FilePath": "C:\\backed_up_folder\\excluded_folder",
"ParentId": 148325,
"FileItemType": "Folder",
"FileId": 35002
},
{
"FilePath": "C:\\backed_up_folder\\excluded_file.txt",
"ParentId": 148325,
"FileItemType": "File",
"FileId": 35001
}
]
}'''),  # valid JSON
    'C4': (965, r'''[
{
"BackupConfigurationId": 100850,
"MachineAgentId": 96674,
"MachineName": "Web Server",
"Flavor": "RaxCloudServer",
"IsEncrypted": false,
"BackupConfigurationName": "Manual Website Backup",
"IsActive": true,
"IsDeleted": false,
"VersionRetention": 60,
"BackupConfigurationScheduleId": 98017,
"MissedBackupActionId": 2,
"Frequency": "Manually",
"StartTimeHour": null,
"StartTimeMinute": null,
"StartTimeAmPm": "",
"DayOfWeekId": null,
"HourInterval": null,
"TimeZoneId": "Eastern Standard Time",
"NextScheduledRunTime": null,
"LastRunTime": "\/Date(1343226053000)\/",
"LastRunBackupReportId": 80071,
"NotifyRecipients": "[email protected]",
"NotifySuccess": false,
"NotifyFailure": true,
"Inclusions": [
{
"FilePath": "/web/",
"ParentId": 100850,
"FileItemType": "Folder",
"FileId": 2947
}
],
"Exclusions": [
{
"FilePath": "/web/cache/",
"ParentId": 100850,
"FileItemType": "Folder",
"FileId": 2948
}
]
},
{
"BackupConfigurationId": 100928,
"MachineAgentId": 96685,
"MachineName": "Database Server",
"Flavor": "RaxCloudServer",
"IsEncrypted": false,
"BackupConfigurationName": "Manual DB Backup",
"IsActive": true,
"IsDeleted": false,
"VersionRetention": 60,
"BackupConfigurationScheduleId": 98019,
"MissedBackupActionId": 2,
"Frequency": "Manually",
"StartTimeHour": null,
"StartTimeMinute": null,
"StartTimeAmPm": "",
"DayOfWeekId": null,
"HourInterval": null,
"TimeZoneId": "Eastern Standard Time",
"NextScheduledRunTime": null,
"LastRunTime": "\/Date(1343226074000)\/",
"LastRunBackupReportId": 80116,
"NotifyRecipients": "[email protected]",
"NotifySuccess": false,
"NotifyFailure": true,
"Inclusions": [
{
"FilePath": "/db/dumps/",
"ParentId": 100928,
"FileItemType": "Folder",
"FileId": 3568
}
],
"Exclusions": [
{
"FilePath": "/db/dumps/tmp/",
"ParentId": 100928,
"FileItemType": "Folder",
"FileId": 3570
}
]
}
]'''),  # valid JSON
    'C5': (1109, r'''[
{
"BackupConfigurationId": 158485,
"MachineAgentId": 224193,
"MachineName": "Web Server",
"Flavor": "RaxCloudServer",
"IsEncrypted": false,
"BackupConfigurationName": "Manual Log Backup",
"IsActive": true,
"IsDeleted": false,
"VersionRetention": 60,
"BackupConfigurationScheduleId": 155566,
"MissedBackupActionId": 1,
"Frequency": "Manually",
"StartTimeHour": null,
"StartTimeMinute": null,
"StartTimeAmPm": "",
"DayOfWeekId": null,
"HourInterval": null,
"TimeZoneId": "Eastern Standard Time",
"NextScheduledRunTime": "\/Date(-62135578800000)\/",
"LastRunTime": null,
"LastRunBackupReportId": null,
"NotifyRecipients": "[email protected]",
"NotifySuccess": true,
"NotifyFailure": true,
"Inclusions": [
{
"FilePath": "C:\\Websites\\Logs",
"ParentId": 158485,
"FileItemType": "Folder",
"FileId": 47085
}
],
"Exclusions": [ ]
},
{
"BackupConfigurationId": 158486,
"MachineAgentId": 224193,
"MachineName": "Web Server",
"Flavor": "RaxCloudServer",
"IsEncrypted": false,
"BackupConfigurationName": "Weekly Website Backup",
"IsActive": true,
"IsDeleted": false,
"VersionRetention": 60,
"BackupConfigurationScheduleId": 155567,
"MissedBackupActionId": 1,
"Frequency": "Weekly",
"StartTimeHour": 7,
"StartTimeMinute": 23,
"StartTimeAmPm": "AM",
"DayOfWeekId": 1,
"HourInterval": null,
"TimeZoneId": "Eastern Standard Time",
"NextScheduledRunTime": "\/Date(1358752980000)\/",
"LastRunTime": null,
"LastRunBackupReportId": null,
"NotifyRecipients": "[email protected]",
"NotifySuccess": true,
"NotifyFailure": true,
"Inclusions": [
{
"FilePath": "C:\\Websites",
"ParentId": 158486,
"FileItemType": "Folder",
"FileId": 47086
},
{
"FilePath": "C:\\Websites\\Logs",
"ParentId": 158486,
"FileItemType": "Folder",
"FileId": 47087
}
],
"Exclusions": [ ]
}
]'''),  # valid JSON
    'C6_enable': (1219, r'''{
"Enable": true
}'''),  # valid JSON
    'C6_disable': (1223, r'''{
"Enable": false
}'''),  # valid JSON
    'C6_response': (1254, r'''{
"BackupConfigurationId": 148325,
"MachineAgentId": 156953,
"MachineName": "Web Server",
"Flavor": "RaxCloudServer",
"IsEncrypted": false,
"BackupConfigurationName": "Weekly Website Backup",
"IsActive": true,
"IsDeleted": false,
"VersionRetention": 60,
"BackupConfigurationScheduleId": 145406,
"MissedBackupActionId": 1,
"Frequency": "Weekly",
"StartTimeHour": 11,
"StartTimeMinute": 30,
"StartTimeAmPm": "AM",
"DayOfWeekId": 4,
"HourInterval": null,
"TimeZoneId": "Eastern Standard Time",
"NextScheduledRunTime": "\/Date(1357817400000)\/",
"LastRunTime": null,
"LastRunBackupReportId": null,
"NotifyRecipients": "[email protected]",
"NotifySuccess": false,
"NotifyFailure": false,
"Inclusions": [
{
"FilePath": "C:\\backed_up_folder",
"ParentId": 148325,
"FileItemType": "Folder",
"FileId": 35000
},
{
"FilePath": "C:\\backup_up_file.txt",
"ParentId": 148325,
"FileItemType": "File",
"FileId": 34999
}
],
"Exclusions":[
{
"FilePath": "C:\\backed_up_folder\\excluded_folder",
"ParentId": 148325,
"FileItemType": "Folder",
"FileId": 35002
},
{
"FilePath": "C:\\backed_up_folder\\excluded_file.txt",
"ParentId": 148325,
"FileItemType": "File",
"FileId": 35001
}
]
}'''),  # valid JSON
    'B1_start': (1366, r'''{
"Action" : "StartManual",
"Id": 148325
}'''),  # valid JSON
    'B1_stop': (1371, r'''{
"Action" : "StopManual",
"Id": 368785
}'''),  # valid JSON
    'B1_response': (1381, r'''368785'''),  # valid JSON
    'B2': (1424, r'''{
"BackupId": 134332,
"BackupConfigurationId": 158519,
"CurrentState": "Queued",
"BackupConfigurationName": "Weekly Website Backup",
"MachineAgentId": 224321,
"MachineName": "Web Server",
"StateChangeTime": "\/Date(1358530097000)\/",
"IsEncrypted": false,
"EncryptionKey": {
"ModulusHex": "a3261939975948bb7a58dffe5ff54e65f0498f9 175f5a09288810b8975871e99af3b5dd94057b0fc07535f5f97444 504fa35169d461d0d30cf0192e3077~~
27c065168c788771c561a940 0fb49175e9e6aa4e23fe11af69e9412dd23b0cb6684c4c2429bce1 39e848ab26d0829073351f4acd36074eafd036a5eb83359d2a698d5",
"ExponentHex": 20010
}
}'''),  # valid JSON
    'B3': (1481, r'''[
{
"BackupId": 134386,
"BackupConfigurationId": 158638,
"BackupConfigurationName": "Weekly Website Backup",
"MachineName": "Web Server",
"MachineAgentId": 224505,
"CompletedTime": "\/Date(1358535352000)\/",
"BytesSearched": 10245674584,
"NumErrors": 0
}
]'''),  # valid JSON
    'B4': (1522, r'''{
"BackupId": 92500,
"BackupConfigurationId": 101145,
"BackupConfigurationName": "Database Server Backup",
"BackupConfigurationIsDeleted": false,
"ComputerName": "Database Server",
"MachineAgentId": 95874,
"State": "CompletedWithErrors",
"CanRestore": true,
"StartTime": "\/Date(1351118760000)\/",
"CompletedTime": "\/Date(1351119033000)\/",
"Duration": "00:04:33",
"FilesSearched": "11936",
"BytesSearched": "3.7 GB",
"FilesBackedUp": "6",
"BytesBackedUp": "178.1 MB",
"NumErrors": 2,
"Reason": "Success",
"Diagnostics": "Completed With Errors",
"ErrorList": [
{
"BackupReportID": 48785,
"ListIndex": 3210,
"ErrorType": 101,
"ErrorDesc": "The agent experienced a problem. (Rax)",
"ExceptionDesc": "Cannot open file \"C:\\Program Files\\MicrosoftSQL Server\\MSSQL10_50.MSSQLSERVER\\MSSQL\\DATA\\tempdb.mdf\". The process ~~
cannot access the file because it is beingused by another process. .",
"ExceptionDetails": "1: [WindowsFs.cpp: 157-rax::WindowsFs::Open]Error Code(313): Cannot open file \"C:\\Program Files\\Microsoft SQL Server~~
\\MSSQL10_50.MSSQLSERVER\\MSSQL\\DATA\\tempdb.mdf\". The process cannot access the file because it is being used by another process. .",
"ExceptionCode": 313,
"Path": "C:\\Program Files\\Microsoft SQL Server\\MSSQL10_50.MSSQLSERVER\\MSSQL\\DATA\\tempdb.mdf"
},
{
"BackupReportID": 48785,
"ListIndex": 3211,
"ErrorType": 101,
"ErrorDesc": "The agent experienced a problem. (Rax)",
"ExceptionDesc": "Cannot open file \"C:\\Program Files\\MicrosoftSQL Server\\MSSQL10_50.MSSQLSERVER\\MSSQL\\DATA\\templog.ldf\". The process~~
 cannot access the file because it is being used by another process. .",
"ExceptionDetails": "1: [WindowsFs.cpp: 157-rax::WindowsFs::Open]Error Code(313): Cannot open file \"C:\\Program Files\\Microsoft SQL Server~~
\\MSSQL10_50.MSSQLSERVER\\MSSQL\\DATA\\templog.ldf\". The process cannot access the file because it is being used by another process. .",
"ExceptionCode": 313,
"Path": "C:\\Program Files\\Microsoft SQL Server\\MSSQL10_50.MSSQLSERVER\\MSSQL\\DATA\\templog.ldf"
}
]
}'''),  # valid JSON
    'R1_request': (1593, r'''{
"BackupId": 133599,
"BackupMachineId": 156953,
"DestinationMachineId": 156751,
"DestinationPath": "C:\\FolderPathForRestore\",
"BackupDataCenter": "DFW",
"OverwriteFiles": false
}'''),  # NOT valid JSON
    'R1_response': (1626, r'''{
"RestoreId": 1394,
"BackupId": 133599,
"DestinationMachineId": 156751,
"OverwriteFiles": false,
"BackupConfigurationId": 6265,
"BackupConfigurationName": "Restore_Backup",
"BackupRestorePoint": "\/Date(1357151359000)\/",
"BackupMachineId": 5,
"BackupMachineName": "BALAJIMBP",
"BackupFlavor": "RaxCloudServer",
"DestinationMachineName": "BILLS-TEST-WIN",
"DestinationPath": "C:\\FolderPathForRestore\",
"BackupDataCenter": "DFW",
"IsEncrypted": false,
"EncryptedPassword": null,
"PublicKey": {
"ModulusHex": "CA759606B13DC5350A3FAE3F851C76F260DC CD1EFF2DB7510AE74E00B4B2B6025422757493B2EC09B2C71DF ACFF4901E4ADAA3C9F2E6BDE9392E80FEED6~~
F1F81BFD1D3AD9F 9080646F46632C30A94275C85859C1EFCD21BF911F311841914 BC719B1397FD3B95BE7657495903936E3345E6F083922F37761 0CBB6EB67C62B719770B~~
25C9AB17521C2AB51B75871ED5F04F9 65C5402443ABCD05EE5E4A5201641309B8BA1100A04C62210B2 900CDEAA40F6EBF267B73634E471DB1420FF67CE41940D8ED8F 4B6C~~
199CF5D023B410C386C58037546D34102D245AF068E891B B80F1799DDC4C9C85C6FF73DA1E45AEC98792BCC1C2DE3AAD3F 92F50F1661A4FFDC1",
"ExponentHex": 10001
},
"RestoreStateId": 0
}'''),  # NOT valid JSON
    'R2': (1680, r'''{
"RestoreId": 14387,
"BackupConfigurationId": 148325,
"RestoreStateId": 1,
"BackupMachineId": 156953,
"DestinationMachineId": 156953,
"DestinationPath": "C:\\RestoredPath",
"BackupDataCenter": "DFW",
"BackupId": 133599,
"OverwriteFiles": true
}'''),  # valid JSON
    'R3': (1721, r'''{
"FilePath": "C:\\ImportantFile.txt",
"Filter": "1",
"ParentId": 14387,
"FileItemType": "0"
}'''),  # valid JSON
    'R4': (1763, r'''[
{
"FilePath":"/boot",
"Filter":2,
"RestoreId":1394,
"FileItemType":1
}
]'''),  # valid JSON
    'R6': (1832, r'''[
{
"BackupConfigurationId":172418,
"BackupConfigurationName":"BackupConfig1",
"MachineName":"MBP0",
"MachineAgentId":252036,
"IsEncrypted":false,
"PublicKeyHex":10001,
"PublicKeyMod":"a5261939975948bb7a58dffe5ff54e65f0498f9175f5a0928 8810b8975871e99af3b5dd94057b0fc07535f5f97444504fa35169d461d0d30cf0 192e307~~
727c065168c788771c561a9400fb49175e9e6aa4e23fe11af69e9412dd2 3b0cb6684c4c2429bce139e848ab26d0829073351f4acd36074eafd036a5eb8335 9d2a698d3",
"Flavor":"RaxCloudServer",
"LastSuccessfulBackupTime":"\/Date(1360701971000)\/"
},
{
"BackupConfigurationId":172417,
"BackupConfigurationName":"BackupCOnfig2",
"MachineName":"MBP2",
"MachineAgentId":252034,
"IsEncrypted":false,
"PublicKeyHex":10001,
"PublicKeyMod":"a5261939975948bb7a58dffe5ff54e65f0498f9175f5a09288 810b8975871e99af3b5dd94057b0fc07535f5f97444504fa35169d461d0d30cf019 2e307~~
727c065168c788771c561a9400fb49175e9e6aa4e23fe11af69e9412dd23b0 cb6684c4c2429bce139e848ab26d0829073351f4acd36074eafd036a5eb83359d2a 698d3",
"Flavor":"RaxCloudServer",
"LastSuccessfulBackupTime":"\/Date(1360701957000)\/"
}
]'''),  # valid JSON
    'R7_encrypted': (1881, r'''{
"Action": "StartManual",
"EncryptedPassword" : 'myencryptedpassword',
"Id": 13689
}'''),  # NOT valid JSON
    'R7_start': (1887, r'''{
"Action": "StartManual",
"Id": 13692
}'''),  # valid JSON
    'R7_stop': (1892, r'''{
"Action": "StopManual",
"Id": 13689
}'''),  # valid JSON
    'R8': (1952, r'''{
"RestoreId":1394,
"BackupId":133886,
"DestinationMachineId":864,
"OverwriteFiles":true,
"BackupConfigurationId":6270,
"BackupConfigurationName":"Restore_Backup",
"BackupRestorePoint":"\/Date(1357151359000)\/",
"BackupMachineId":866,
"BackupMachineName":"sujala-test-centos",
"BackupFlavor":"RaxCloudServer",
"DestinationMachineName":"BILLS-TEST-WIN",
"DestinationPath":"C:\\Test\",
"BackupDataCenter": "DFW",
"IsEncrypted":false,
"EncryptedPassword":null,
"PublicKey":{"ModulusHex":"CA759606B13DC5350A3FAE3F851C7 6F260DCCD1EFF2DB7510AE74E00B4B2B6025422757493B2EC09B2C7 1DFACFF4901E4ADAA3C9F2E6BDE~~
9392E80FEED6F1F81BFD1D3AD9F9 080646F46632C30A94275C85859C1EFCD21BF911F311841914BC719 B1397FD3B95BE7657495903936E3345E6083922F377610CBB6EB67C~~
 62B719770B25C9AB17521C2AB51B75871ED5F04F965C5402443ABCD 05EE5E4A5201641309B8BA1100A04C62210B2900CDEAA40F6EBF267 B73634E471DB1420FF67CE41940~~
D8ED8F4B6C199CF5D023B410C386 C58037546D34102D245AF068E891BB80F1799DDC4C9C85C6FF73DA1 E45AEC98792BCC1C2DE3AAD3F92F50F1661A4FFDC1",
"ExponentHex":10001},
"RestoreStateId":3
}'''),  # NOT valid JSON
    'R9': (2021, r'''{
"BackupConfigurationId":6270,
"BackupConfigurationName":"Restore_Backup",
"BackupReportId":133886,
"RestorePoint":"\/Date(1357151359000)\/",
"StartTime":"\/Date(1357226521000)\/",
"CompletedTime":"\/Date(1357226535000)\/",
"Duration":"00:00:14",
"OriginatingComputerName":"sujala-test-centos",
"State":"CompletedWithErrors",
"NumFilesRestored":"35",
"NumBytesRestored":"18 MB",
"RestoreDestination":"BILLS-TEST-WIN",
"RestoreDestinationMachineId":864,
"NumErrors":"1",
"Reason":"UnableToProcessSomeFiles",
"Diagnostics":"Some files may not have been restored",
"ErrorList":[
\]'''),  # NOT valid JSON
    'V1': (2086, r'''[
{
"ID": 137987,
"Type": "Backup",
"ParentId": 162423,
"DisplayName": "Weekly Website Backup",
"IsBackupConfigurationDeleted": false,
"SourceMachineAgentId": 232180,
"SourceMachineName": "Web Server",
"DestinationMachineAgentId": 0,
"DestinationMachineName": "",
"CurrentState": "Completed",
"TimeOfActivity": "\/Date(1359033934000)\/",
"BackupId": 134332
}
]'''),  # valid JSON
    'V2': (2145, r'''[
{
"ID": 134692,
"Type": "Backup",
"ParentId": 6265,
"DisplayName": "Backup1",
"IsBackupConfigurationDeleted": false,
"SourceMachineAgentId": 5,
"SourceMachineName": "BALAJIMBP",
"DestinationMachineAgentId": 0,
"DestinationMachineName": "",
"CurrentState": "Completed",
"TimeOfActivity": "\/Date(1357230189000)\/",
"BackupId": 134332
},
{
"ID": 134693,
"Type": "Backup",
"ParentId": 6265,
"DisplayName": "Backup1",
"IsBackupConfigurationDeleted": false,
"SourceMachineAgentId": 5,
"SourceMachineName": "BALAJIMBP",
"DestinationMachineAgentId": 0,
"DestinationMachineName": "",
"CurrentState": "Completed",
"TimeOfActivity": "\/Date(1357230189000)\/",
"BackupId": 134386
}
]'''),  # valid JSON
    'A3_response': (150, r'''0cee72c7-015c-493b-b5fe-a896ae444c34'''),  # NOT valid JSON
}
