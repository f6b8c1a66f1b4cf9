# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPM part 3, pure parts: settings keys and secrets per section, whole-section bodies, report filters per report,
CSV parsing in both time forms, resource control rows and their identity, delegate permissions, worker ids, alert
filters, the feature table."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.administration import FlagsField, check_keys, flag_list
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import FEATURES
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.people import DELEGATE_FLAGS, check_password
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.reports import (
    check_filters, check_scheduled, csv_time, json_times, parse_csv,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource_control import (
    record_state, row_body, row_identity, schedule_row,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.settings import (
    KEY_OWNERS, Section, check_secrets, check_section_values, differences,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.system import alert_filter, one
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.workers import check_aws_id
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, PARTIAL, RUNNING, SUCCESS
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


# -- settings -------------------------------------------------------------------------------------------------

def test_a_key_of_another_section_names_that_section():
    with pytest.raises(ValidationError) as err:
        check_section_values('cleanup', {'address': 'proxy.example.com'})
    assert err.value.option == 'settings.address'
    assert 'belongs to the proxy section' in str(err.value)


def test_an_unknown_key_lists_the_section_keys():
    with pytest.raises(ValidationError) as err:
        check_section_values('security', {'nope': 1})
    assert 'encryption_key_detection' in str(err.value)


def test_values_are_made_canonical():
    values = check_section_values('cleanup', {'cleanup_interval': '2', 'cleanup_type': 's3'})
    assert values == {'cleanup_interval': 2, 'cleanup_type': 's3'}
    assert check_section_values('tagscan', {'scan_resources': 'yes'}) == {'scan_resources': True}
    with pytest.raises(ValidationError):
        check_section_values('security', {'encryption_key_detection': 'X'})
    with pytest.raises(ValidationError):
        check_section_values('proxy', {'port': 0})


def test_secrets_belong_to_their_section_and_are_never_echoed():
    assert check_secrets('proxy', {'password': 'p4ss-word'}) == {'password': 'p4ss-word'}
    with pytest.raises(ValidationError) as err:
        check_secrets('proxy', {'ses_secret_key': 'very-secret-value'})
    assert 'very-secret-value' not in str(err.value)


def test_every_section_key_has_one_owner_but_the_shared_enabled():
    owners = {}
    for section, keys in KEY_OWNERS.items():
        for key in keys:
            owners.setdefault(key, []).append(section)
    shared = sorted(key for key, sections in owners.items() if len(sections) > 1)
    assert shared == ['enabled']


class FakeClient:
    def __init__(self, section):
        self.section = dict(section)
        self.posts = []

    def get(self, path, params=None, feature=None, perm=None):
        return dict(self.section)

    def post(self, path, body=None, feature=None, perm=None, idempotent=False):
        self.posts.append(body)
        self.section.update(body)
        return dict((k, v) for k, v in self.section.items() if k != 'password')


def test_a_section_is_posted_whole_and_only_when_a_given_key_differs():
    client = FakeClient({'address': 'a', 'enabled': False, 'port': None, 'user': None})
    section = Section(client, 'proxy')
    changed, dummy, after, diff, sent = section.converge({'enabled': False}, {'password': 'x-secret'}, False, False)
    assert not changed and client.posts == [] and sent == ()
    changed, dummy, after, diff, sent = section.converge({'enabled': True, 'port': 3128}, {'password': 'x-secret'},
                                                         False, False)
    assert changed and sent == ('password',)
    assert client.posts == [{'address': 'a', 'enabled': True, 'port': 3128, 'user': None, 'password': 'x-secret'}]
    assert diff['after']['password'] != 'x-secret'


def test_check_mode_posts_nothing():
    client = FakeClient({'cpm_log_mode': 'STANDARD'})
    section = Section(client, 'cpm_log_mode')
    changed, dummy, after, diff, sent = section.converge({'cpm_log_mode': 'DEBUG'}, {}, False, True)
    assert changed and client.posts == [] and after['cpm_log_mode'] == 'DEBUG'


def test_differences_compare_nested_objects_key_by_key():
    current = {'alerts': {'enabled': False, 'sns_alerts_topic_arn': None}, 'sns_region': 'us-east-1'}
    assert differences(current, {'alerts': {'enabled': False}, 'sns_region': 'us-east-1'}) == {}
    assert differences(current, {'alerts': {'enabled': True}}) == {'alerts': ({'enabled': False}, {'enabled': True})}


# -- reports ----------------------------------------------------------------------------------------------------

def test_a_filter_of_another_report_is_refused_naming_the_reports_that_have_it():
    with pytest.raises(ValidationError) as err:
        check_filters('snapshots', {'status': 'failed'})
    assert err.value.option == 'status'
    assert 'backups, resource_control_operations' in str(err.value)


def test_filters_are_made_canonical():
    assert check_filters('backups', {'status': 'failed', 'is_retry': True, 'from_time': '2026-01-01'}) == {
        'status': 'F', 'is_retry': 'true', 'from_time': '2026-01-01T00:00:00Z'}
    assert check_filters('resource_control_operations', {'status': 'partially_successful'}) == {'status': 'A'}
    with pytest.raises(ValidationError):
        check_filters('backups', {'from_time': '2026-02-01', 'to_time': '2026-01-01'})


def test_csv_times_in_both_forms_read_the_same():
    assert csv_time('2026-01-31 02:00:05') == csv_time('2026-01-31T02:00:05.123456Z') == '2026-01-31T02:00:05Z'
    assert csv_time('') == '' and csv_time('main') == 'main'


def test_csv_rows_and_signature():
    text = 'Report Time,User ID,Start Time\n2026-01-31,1,2026-01-31 02:00:00\nsignature:abc123\n'
    rows, signature = parse_csv(text.encode('utf-8'))
    assert rows == [{'Report Time': '2026-01-31T00:00:00Z', 'User ID': '1', 'Start Time': '2026-01-31T02:00:00Z'}]
    assert signature == 'abc123'
    assert json_times([{'start_time': '2026-01-31T02:00:00.000000Z', 'id': 1}]) == [
        {'start_time': '2026-01-31T02:00:00Z', 'id': 1}]


def test_scheduled_report_filters_per_type():
    check_scheduled('B', {'filter_account': 1, 'filter_user': 2, 'last_period_interval': 1, 'last_period_unit': 'W',
                          'recipients': ['a@example.com']})
    with pytest.raises(ValidationError) as err:
        check_scheduled('S', {'filter_user': 2})
    assert err.value.option == 'filter_user'
    with pytest.raises(ValidationError):
        check_scheduled('B', {'detailed': True})
    with pytest.raises(ValidationError):
        check_scheduled('B', {'last_period_interval': 1})
    with pytest.raises(ValidationError):
        check_scheduled('B', {'recipients': ['nobody']})


# -- resource control -----------------------------------------------------------------------------------------

def test_schedule_rows_are_canonical_and_comparable():
    wanted = schedule_row({'turn_off_day': 'friday', 'turn_off_time': '20:00', 'turn_on_day': 'monday',
                           'turn_on_time': '7:00'}, 'schedules[0]')
    assert wanted == ('F', '20:00:00', 'M', '07:00:00')
    api = {'id': 3, 'turn_off_day': 'F', 'turn_off_time': '20:00:00', 'turn_on_day': 'M', 'turn_on_time': '07:00:00'}
    assert row_identity(api) == wanted
    same_day = schedule_row({'turn_off_day': 'M', 'turn_on_day': 'M', 'turn_on_time': '08:00',
                             'turn_off_time': '18:00'}, 's')
    assert same_day == ('M', '18:00:00', None, '08:00:00')
    assert row_identity({'turn_off_day': 'M', 'turn_off_time': '18:00', 'turn_on_day': None,
                         'turn_on_time': '08:00'}) == same_day
    assert 'turn_on_day' not in row_body(same_day)


@pytest.mark.parametrize('row, words', [
    ({'turn_on_time': '20:00', 'turn_off_time': '07:00'}, 'before the turn-on time'),
    ({'turn_on_time': '08:00', 'turn_off_time': '08:00'}, 'the same moment'),
    ({'turn_on_time': '24:00', 'turn_off_time': '07:00'}, 'turn_on_time'),
    ({'turn_off_time': '07:00'}, 'turn_on_time'),
    ({'turn_off_day': 'someday', 'turn_on_time': '08:00', 'turn_off_time': '18:00'}, 'turn_off_day'),
])
def test_bad_rows_are_refused(row, words):
    with pytest.raises(ValidationError) as err:
        schedule_row(row, 'schedules[0]')
    assert words in str(err.value)


def test_operation_records_are_classified():
    assert record_state({'status': 'P'})[0] == RUNNING
    assert record_state({'status': 'B'})[0] == SUCCESS
    assert record_state({'status': 'S'})[0] == PARTIAL
    assert record_state({'status': 'F'})[0] == FAILED


# -- people, workers, alerts ------------------------------------------------------------------------------------

def test_permissions_take_both_spellings_and_refuse_others():
    assert flag_list(['backup_changes', 'allow_recovery'], DELEGATE_FLAGS, 'permissions') == [
        'allow_backup_changes', 'allow_recovery']
    with pytest.raises(ValidationError) as err:
        flag_list(['delete_everything'], DELEGATE_FLAGS, 'permissions')
    assert 'delete_everything' in str(err.value)
    field = FlagsField('permissions', DELEGATE_FLAGS, prefix='profile.')
    assert field.from_api({'profile': {'allow_recovery': True, 'allow_backup_changes': False}}) == ['allow_recovery']
    assert field.to_api(['allow_recovery'])['profile.allow_account_changes'] is False


def test_passwords_are_checked_without_being_echoed():
    with pytest.raises(ValidationError) as err:
        check_password('abc12', 'password')
    assert 'abc12' not in str(err.value)


def test_check_keys_without_owners():
    check_keys({'a': 1}, {'a': 'int'}, 'settings', 'x')
    with pytest.raises(ValidationError):
        check_keys({'b': 1}, {'a': 'int'}, 'settings', 'x')


@pytest.mark.parametrize('value, kind, ok', [
    ('vpc-0123456789abcdef0', 'vpc', True), ('vpc-xyz', 'vpc', False), ('subnet-0a1b2c3d', 'subnet', True),
    ('sg-../../x', 'sg', False), ('default', 'sg', False),
])
def test_aws_ids(value, kind, ok):
    if ok:
        assert check_aws_id(value, kind, 'x') == value
    else:
        with pytest.raises(ValidationError):
            check_aws_id(value, kind, 'x')


def test_alert_filters_and_single_reads():
    keep = alert_filter({'severity': ['error'], 'category': ['Backup'], 'since': '2026-01-01T00:00:00Z'})
    assert keep({'severity': 'E', 'category': 'Backup', 'alert_time': '2026-01-02T00:00:00Z'})
    assert not keep({'severity': 'W', 'category': 'Backup', 'alert_time': '2026-01-02T00:00:00Z'})
    assert not keep({'severity': 'E', 'category': 'Backup', 'alert_time': '2025-12-31T00:00:00Z'})
    assert one([{'id': 1}]) == {'id': 1} and one({'id': 2}) == {'id': 2} and one([]) == {}


def test_part3_features_are_registered():
    for name in ('user_writes', 'worker_tags', 'resource_control', 'identifier_put', 'notification_put'):
        assert name in FEATURES
    assert FEATURES['worker_tags'][0] == '1.5.0' and FEATURES['identifier_put'][0] == '1.4.0'
