# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CPM inventory plugin's pure helpers: host names, groups, health from a cached entry."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.inventory.cpm import (
    host_address, host_entries, host_view, resource_groups,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import parse_datetime


def resource(**extra):
    base = dict(kind='instance', aws_id='i-1', name='web-1', region='us-east-1', account_id=1, account='Main Acct',
                policies=['web', 'DB-nightly'], tagged=False)
    base.update(extra)
    return base


def test_groups_are_lower_case_and_safe():
    groups = resource_groups(dict(resource(tagged=True), backup_health='ok'))
    assert groups == ['cpm_policy_web', 'cpm_policy_db_nightly', 'cpm_account_main_acct', 'cpm_region_us_east_1',
                      'cpm_kind_instance', 'cpm_backup_ok', 'cpm_tagged']


def test_host_entries_fall_back_to_unique_ids():
    views = [resource(), resource(aws_id='i-2', name=None), resource(aws_id='i-3', account_id=2),
             resource(aws_id='i-3', account_id=3, region='eu-west-1')]
    entries = host_entries(views, 'name')
    assert [e['name'] for e in entries] == ['web-1', None, 'web-1', 'web-1']
    assert [e['host_id'] for e in entries] == ['i-1', 'i-2', '2_us-east-1_i-3', '3_eu-west-1_i-3']
    by_id = host_entries(views, 'aws_id')
    assert [e['name'] for e in by_id] == ['i-1', 'i-2', '2_us-east-1_i-3', '3_eu-west-1_i-3']


def test_host_address():
    entry = {'view': resource()}
    assert host_address(entry, 'none') is None
    assert host_address(entry, 'aws_id') == 'i-1'
    assert host_address(entry, 'name') == 'web-1'


def test_health_is_recomputed_from_the_cached_times():
    cached = resource(backup_health='ok', backup_age_hours=1.0, last_backup_id=7, last_backup_status_code='B',
                      last_backup_time='2026-06-01T10:00:00Z', last_successful_backup_id=7,
                      last_successful_backup_time='2026-06-01T10:00:00Z')
    later = parse_datetime('2026-06-03T10:00:00Z')
    view = host_view(cached, 24, later)
    assert view['backup_health'] == 'stale' and view['backup_age_hours'] == 48.0
    assert cached['backup_health'] == 'ok'  # the cached entry itself is not changed
    assert 'backup_health' not in host_view(resource(), 24, later)  # backups not read
