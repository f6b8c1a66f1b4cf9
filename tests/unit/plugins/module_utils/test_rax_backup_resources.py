# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure parts of the Rackspace Cloud Backup agents, configurations and jobs (views, schedules, paths,
passphrases, states)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, PARTIAL, RUNNING, SUCCESS, UNKNOWN
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.agents import (
    agent_ref, agent_view, backup_datacenter, check_passphrase, check_path, encrypt_passphrase, public_key_numbers,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.configs import (
    check_entries, complete_schedule, config_flat, parse_start_time, start_time_of, wire_body, wire_start_time,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.jobs import (
    activity_view, backup_outcome, backup_rows, restore_outcome, restore_state_id, restore_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

# The seed's C3 example (L860-913), and its C5 "Manually" one (L1109-1134).
WEEKLY = {
    "BackupConfigurationId": 148325, "MachineAgentId": 156953, "MachineName": "Web Server", "Flavor": "RaxCloudServer",
    "IsEncrypted": False, "BackupConfigurationName": "Weekly Website Backup", "IsActive": True, "IsDeleted": False,
    "VersionRetention": 60, "BackupConfigurationScheduleId": 145406, "MissedBackupActionId": 1, "Frequency": "Weekly",
    "StartTimeHour": 11, "StartTimeMinute": 30, "StartTimeAmPm": "AM", "DayOfWeekId": 4, "HourInterval": None,
    "TimeZoneId": "Eastern Standard Time", "NextScheduledRunTime": "/Date(1357817400000)/", "LastRunTime": None,
    "LastRunBackupReportId": None, "NotifyRecipients": "ops@example.com", "NotifySuccess": False, "NotifyFailure": False,
    "Inclusions": [{"FilePath": "C:\\backed_up_folder", "ParentId": 148325, "FileItemType": "Folder", "FileId": 35000},
                   {"FilePath": "C:\\backup_up_file.txt", "ParentId": 148325, "FileItemType": "File", "FileId": 34999}],
    "Exclusions": [{"FilePath": "C:\\backed_up_folder\\excluded_folder", "ParentId": 148325, "FileItemType": "Folder",
                    "FileId": 35002}]}
MANUAL = {
    "BackupConfigurationId": 158485, "MachineAgentId": 224193, "BackupConfigurationName": "Manual Log Backup",
    "IsActive": True, "IsDeleted": False, "VersionRetention": 60, "BackupConfigurationScheduleId": 155566,
    "MissedBackupActionId": 1, "Frequency": "Manually", "StartTimeHour": None, "StartTimeMinute": None,
    "StartTimeAmPm": "", "DayOfWeekId": None, "HourInterval": None, "TimeZoneId": "Eastern Standard Time",
    "NextScheduledRunTime": "/Date(-62135578800000)/", "NotifyRecipients": "", "NotifySuccess": True,
    "NotifyFailure": True, "Inclusions": [{"FilePath": "C:\\Websites\\Logs", "FileItemType": "Folder"}], "Exclusions": []}
# The seed's A8 example (L382-405), with its "\_" repaired and the string "true" of L403.
AGENT = {
    "AgentVersion": "1.05.005848", "Architecture": "64-bit", "Flavor": "RaxCloudServer", "BackupVaultSize": "35.3 MB",
    "BackupContainer": "https://storage101.DC.clouddrive.com/v1/yourAccount/CloudBackup_v2_0_yourUUID",
    "CleanupAllowed": True, "Datacenter": "DFW", "IPAddress": "192.168.1.1", "IsDisabled": False, "IsEncrypted": True,
    "MachineAgentId": 213564, "MachineName": "Web Server", "OperatingSystem": "Windows Server 2012",
    "OperatingSystemVersion": "", "PublicKey": {"ModulusHex": "a526", "ExponentHex": "09528"}, "Status": "Online",
    "TimeOfLastSuccessfulBackup": "/Date(1357817400000)/", "UseServiceNet": "true",
    "HostServerId": "87c3b6e1-fb1a-41f9-91e5-313ae35a5a06"}


def test_agent_view_of_the_seed_example():
    view = agent_view(AGENT)
    assert view['agent_id'] == 213564 and view['enabled'] is True and view['encrypted'] is True
    assert view['use_service_net'] is True and view['status'] == 'Online'
    assert view['last_successful_backup'] == '2013-01-10T11:30:00Z'
    assert view['vault_size'] == '35.3 MB' and view['vault_size_bytes'] == int(round(35.3 * 1024 * 1024))
    listed = agent_view(dict(AGENT, Status='Offline'), detailed=False)
    assert listed['status'] is None and listed['last_successful_backup'] is None


@pytest.mark.parametrize('agent, expected', [
    ({'BackupDataCenter': 'ord'}, 'ORD'),
    ({'BackupContainer': 'https://storage101.dfw1.clouddrive.com/v1/MossoCloudFS_x/CloudBackup_v2_0_y'}, 'DFW'),
    ({'BackupContainer': 'https://snet-storage101.lon3.clouddrive.com/v1/x/y'}, 'LON'),
    ({'BackupContainer': 'https://storage101.DC.clouddrive.com/v1/yourAccount/x'}, None),
    ({}, None),
])
def test_backup_datacenter(agent, expected):
    assert backup_datacenter(agent) == expected


def test_agent_ref_validates_before_any_request():
    assert agent_ref({'agent_id': '213561'}) == ('agent_id', 213561)
    assert agent_ref({'host_server_id': '87C3B6E1-FB1A-41F9-91E5-313AE35A5A06'})[1] == '87c3b6e1-fb1a-41f9-91e5-313ae35a5a06'
    assert agent_ref({'destination_agent_name': 'web-01'}, prefix='destination_') == ('destination_agent_name', 'web-01')
    assert agent_ref({}, required=False) is None
    for params, option in (({'agent_id': 0}, 'agent_id'), ({'agent_id': 'x'}, 'agent_id'), ({}, 'agent_id'),
                           ({'host_server_id': '87c3b6e1'}, 'host_server_id'), ({'agent_name': 'a\nb'}, 'agent_name'),
                           ({'agent_id': 1, 'agent_name': 'a'}, 'agent_name')):
        with pytest.raises(ValidationError) as err:
            agent_ref(params)
        assert err.value.option == option


@pytest.mark.parametrize('path, windows, ok', [
    ('/var/www/', False, True), ('var/www', False, False), ('C:\\data', False, False), ('C:\\data', True, True),
    ('\\\\server\\share\\x', True, True), ('/var/www', True, False), ('D:relative', True, False),
    (' /x', False, False), ('/x\n/y', False, False),
])
def test_paths_absolute_for_the_os(path, windows, ok):
    if ok:
        assert check_path(path, 'p', windows) == path
    else:
        with pytest.raises(ValidationError):
            check_path(path, 'p', windows)


def test_passphrases():
    assert check_passphrase('secret phrase', 'passphrase') == 'secret phrase'
    for bad in ('', 'a\nb', 'x' * 201):
        with pytest.raises(ValidationError) as err:
            check_passphrase(bad, 'passphrase')
        assert bad not in str(err.value) or not bad
    assert public_key_numbers({'ModulusHex': 'a5 26', 'ExponentHex': 10001}) == (0xa526, 0x10001)
    assert public_key_numbers({'ModulusHex': 'A526', 'ExponentHex': '09528'}) == (0xa526, 0x9528)
    with pytest.raises(ValueError):
        public_key_numbers({'ModulusHex': 'xyz', 'ExponentHex': 1})


def test_passphrase_encryption_decrypts_with_the_private_key():
    rsa = pytest.importorskip('cryptography.hazmat.primitives.asymmetric.rsa')
    padding = pytest.importorskip('cryptography.hazmat.primitives.asymmetric.padding')
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = private.public_key().public_numbers()
    key = {'ModulusHex': '%x' % numbers.n, 'ExponentHex': 10001}  # hex digits as a JSON number, as the seed
    encrypted = encrypt_passphrase(key, 'my passphrase')
    assert len(encrypted) == 512 and encrypted != encrypt_passphrase(key, 'my passphrase')
    assert private.decrypt(bytes.fromhex(encrypted), padding.PKCS1v15()) == b'my passphrase'


@pytest.mark.parametrize('text, canonical, wire', [
    ('19:30', '19:30', (7, 30, 'PM')), ('7:30 PM', '19:30', (7, 30, 'PM')), ('00:15', '00:15', (12, 15, 'AM')),
    ('12:00', '12:00', (12, 0, 'PM')), ('12:05 am', '00:05', (12, 5, 'AM')), ('9:05', '09:05', (9, 5, 'AM')),
])
def test_start_times(text, canonical, wire):
    assert parse_start_time(text) == canonical
    assert wire_start_time(canonical) == wire
    assert start_time_of({'StartTimeHour': wire[0], 'StartTimeMinute': wire[1], 'StartTimeAmPm': wire[2]}) == canonical


@pytest.mark.parametrize('text', ['25:00', '7:61', '13:00 PM', 'noon', ''])
def test_bad_start_times(text):
    with pytest.raises(ValidationError):
        parse_start_time(text)


def test_config_flat_keeps_only_the_fields_of_the_frequency():
    flat = config_flat(WEEKLY)
    assert flat['frequency'] == 'weekly' and flat['start_time'] == '11:30' and flat['day_of_week'] == 'thursday'
    assert flat['hour_interval'] is None and flat['retention_days'] == 60
    assert flat['missed_backup_action'] == 'as_soon_as_possible'
    assert flat['include'] == ['file:C:\\backup_up_file.txt', 'folder:C:\\backed_up_folder']
    assert flat['next_run'] == '2013-01-10T11:30:00Z'
    manual = config_flat(dict(MANUAL, StartTimeHour=3, HourInterval=4))  # leftovers of another frequency
    assert manual['frequency'] == 'manually' and manual['start_time'] is None and manual['hour_interval'] is None
    assert manual['next_run'] is None and manual['exclude'] == []


def test_wire_body_round_trip_nulls_unused_fields():
    flat = config_flat(WEEKLY)
    body = wire_body(156953, dict(flat, frequency='daily'), flat['schedule_id'])
    assert body['Frequency'] == 'Daily' and body['DayOfWeekId'] is None and body['HourInterval'] is None
    assert (body['StartTimeHour'], body['StartTimeMinute'], body['StartTimeAmPm']) == (11, 30, 'AM')
    assert body['BackupConfigurationScheduleId'] == 145406
    assert body['Inclusions'] == [{'FilePath': 'C:\\backup_up_file.txt', 'FileItemType': 'File'},
                                  {'FilePath': 'C:\\backed_up_folder', 'FileItemType': 'Folder'}]
    hourly = wire_body(1, dict(flat, frequency='hourly', hour_interval=4))
    assert hourly['HourInterval'] == 4 and hourly['StartTimeAmPm'] is None and 'BackupConfigurationScheduleId' not in hourly
    assert config_flat(dict(WEEKLY, **wire_body(156953, flat, 145406)))['start_time'] == flat['start_time']


def test_complete_schedule():
    current = config_flat(WEEKLY)
    assert complete_schedule({'frequency': 'daily'}, current, False) == {'frequency': 'daily'}  # start time kept
    assert complete_schedule({'start_time': '10:00'}, current, False)['frequency'] == 'weekly'
    cases = [
        ({'frequency': 'hourly'}, current, 'hour_interval'),
        ({'frequency': 'hourly', 'hour_interval': 2, 'start_time': '10:00'}, current, 'start_time'),
        ({'frequency': 'daily', 'day_of_week': 'monday'}, current, 'day_of_week'),
        ({'start_time': '10:00'}, None, 'start_time'),
        ({'frequency': 'weekly', 'start_time': '10:00'}, None, 'day_of_week'),
        ({'hour_interval': 3}, config_flat(MANUAL), 'hour_interval'),
    ]
    for wanted, cur, option in cases:
        with pytest.raises(ValidationError) as err:
            complete_schedule(dict(wanted), cur, cur is None)
        assert err.value.option == option


def test_check_entries():
    assert check_entries([{'path': '/srv/'}, {'path': '/etc/hosts', 'type': 'File'}, {'path': '/srv/'}], 'include',
                         windows=False) == ['file:/etc/hosts', 'folder:/srv/']
    for values, option in (([{'path': 'srv'}], 'include[0].path'), ([{'path': '/x', 'type': 'db'}], 'include[0].type'),
                           ([{}], 'include[0]')):
        with pytest.raises(ValidationError) as err:
            check_entries(values, 'include', windows=False)
        assert err.value.option == option


@pytest.mark.parametrize('state, outcome', [
    ('Queued', RUNNING), ('InProgress', RUNNING), ('StartScheduled', RUNNING), ('StopRequested', RUNNING),
    ('Completed', SUCCESS), ('CompletedWithErrors', PARTIAL), ('Completed WithErrors', PARTIAL), ('Failed', FAILED),
    ('Stopped', FAILED), ('Skipped', FAILED), ('Missed', FAILED), ('Exploded', UNKNOWN),
])
def test_backup_states(state, outcome):
    assert backup_outcome(state) == outcome


def test_restore_states():
    assert [restore_outcome(n) for n in range(10)] == [RUNNING, RUNNING, RUNNING, SUCCESS, FAILED, FAILED, RUNNING,
                                                       RUNNING, PARTIAL, RUNNING]
    assert restore_outcome(42) == UNKNOWN
    assert restore_state_id({'RestoreStateId': '3'}) == 3
    assert restore_state_id({'RestoreStateId': 'Completed WithErrors'}) == 8
    view = restore_view({'RestoreId': 1394, 'RestoreStateId': 0, 'OverwriteFiles': 'false',
                         'Inclusions': [{'FilePath': '/boot', 'Filter': 1, 'FileItemType': 1}]},
                        files=[{'FilePath': '/boot', 'Filter': 2, 'RestoreId': 1394, 'FileItemType': 1}])
    assert view['state'] == 'Creating' and view['overwrite'] is False
    assert view['include'] == [] and view['exclude'] == [{'path': '/boot', 'type': 'folder'}]


def test_activity_rows():
    # The seed's V2 example (L2145-2174): ID differs from BackupId; BackupId is the backup.
    rows = [{"ID": 134692, "Type": "Backup", "ParentId": 6265, "CurrentState": "Completed",
             "TimeOfActivity": "/Date(1357230189000)/", "BackupId": 134332},
            {"ID": 134693, "Type": "Backup", "ParentId": 6265, "CurrentState": "InProgress",
             "TimeOfActivity": "/Date(1357230199000)/", "BackupId": 134386},
            {"ID": 9, "Type": "Restore", "ParentId": 6265, "CurrentState": "Queued", "BackupId": 134386},
            {"ID": 10, "Type": "Backup", "ParentId": 1, "CurrentState": "Queued", "BackupId": 5}]
    assert backup_rows(rows, 6265) == [(134386, 'InProgress', 1357230199.0), (134332, 'Completed', 1357230189.0)]
    view = activity_view(rows[2])
    assert view['type'] == 'restore' and view['running'] and view['backup_id'] == 134386
    assert activity_view(dict(rows[2], CurrentState='Creating'))['running'] is False
