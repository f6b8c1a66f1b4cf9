# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure helpers of the Acronis DR client (validation, error bodies, server state)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils.acronis_dr import (
    base_url, blocking_issues, busy_tasks, error_parser, failover_mode, recovery_point, server_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError

POINT = dict(backup_id='c4d81250-bd8a-4b8f-afd7-e88ea0e5cbf6', archive_id='b595c974-0c8b-4802-b71b-238b76c4c05e',
             vault_id='0a959777-c0c8-40af-b3d3-9ad972040db8')
BUSY = {
    'domain': 'DisasterRecovery', 'link': 'DR_CLOUD_SERVER_START_FAILOVER_TEST', 'severity': 'ERROR',
    'target': '1f100401-357b-4d04-a0c0-d1206c947473',
    'error': {'code': 'ResourceBusy', 'domain': 'DisasterRecovery', 'message': 'The resource is busy',
              'context': {'resource_id': '1f100401-357b-4d04-a0c0-d1206c947473',
                          'task_uuids': ['5bc9464f-87b6-4ea8-aa42-050824135e63']}},
}


class Resp:
    def __init__(self, body, reason='Bad'):
        self.body = body
        self.reason = reason
        self.text = ''

    def json(self):
        if self.body is None:
            raise ValueError('no json')
        return self.body


def test_recovery_point_all_or_nothing():
    assert recovery_point({}) is None
    assert recovery_point(dict(POINT))['backup_id'] == POINT['backup_id'].upper()
    with pytest.raises(ValidationError) as err:
        recovery_point(dict(backup_id=POINT['backup_id']))
    assert err.value.option == 'archive_id' and 'vault_id' in str(err.value)
    with pytest.raises(ValidationError) as err:
        recovery_point(dict(POINT, vault_id='0F8CA93A-E22D-40F2-9D29-49E2FB88BE2'))  # one digit short
    assert err.value.option == 'vault_id'


@pytest.mark.parametrize('given, expected', [
    ('https://eu2-cloud.acronis.com', 'https://eu2-cloud.acronis.com'),
    ('https://eu2-cloud.acronis.com/', 'https://eu2-cloud.acronis.com'),
    ('https://eu2-cloud.acronis.com/api/dr/v2/', 'https://eu2-cloud.acronis.com'),
    ('http://127.0.0.1:8450/acronis', 'http://127.0.0.1:8450/acronis'),
])
def test_base_url(given, expected):
    assert base_url(given) == expected


def test_base_url_rejects_garbage():
    with pytest.raises(ValidationError) as err:
        base_url('eu2-cloud.acronis.com')
    assert err.value.option == 'datacenter_url'


def test_error_parser_seed_body():
    body = {'error': {'code': 'ResourceBusy', 'context': {'resource_id': 'r', 'task_uuids': ['t']},
                      'debug': {'msg': 'Resource [r] is busy'}, 'domain': 'DisasterRecovery'}}
    assert error_parser(Resp(body)) == ('ResourceBusy', 'Resource [r] is busy', {'resource_id': 'r', 'task_uuids': ['t']})
    body = {'error': {'code': 'BadRequest', 'context': {}, 'debug': {'msg': 'Failed', 'additional': ['x', 'y']}}}
    assert error_parser(Resp(body)) == ('BadRequest', 'Failed (x; y)', None)
    assert error_parser(Resp({'error': 'invalid_client', 'error_description': 'bad secret'})) == \
        ('invalid_client', 'bad secret', None)
    assert error_parser(Resp(None))[0] is None


def test_failover_mode_and_busy():
    assert failover_mode({'status': 'STAND_BY'}) == 'none'
    assert failover_mode({'status': 'TEST_FAILOVER'}) == 'test'
    assert failover_mode({'status': 'FAILOVER'}) == 'production'
    assert failover_mode({'status': 'POWERING_ON', 'task_uuid': 't'}) is None
    # An idle server may still carry its last task_uuid (the seed does not say): not a sign of a running task.
    assert failover_mode({'status': 'STAND_BY', 'task_uuid': 't'}) == 'none'
    assert failover_mode({'status': 'STAND_BY', 'task_uuid': 't', '_issues': [BUSY]}) is None
    assert failover_mode({'status': 'STAND_BY', 'type': 'PRIMARY'}) is None
    # Unfamiliar steady status names: the seed's recovery.active_failover decides.
    active = {'active_failover': {'id': 'x'}}
    assert failover_mode({'status': 'SOMETHING', 'recovery': {}}) == 'none'
    assert failover_mode({'status': 'SOMETHING', 'recovery': active}) == 'unknown'
    test = dict(active, test_failover={'last_task_uuid': 't1'})
    assert failover_mode({'status': 'SOMETHING', 'task_uuid': 't1', 'recovery': test}) == 'test'
    assert failover_mode({'status': 'SOMETHING', 'recovery': active}, record={'kind': 'production'}) == 'production'
    assert failover_mode({'status': 'STAND_BY', 'recovery': active}, record={'kind': 'test'}) == 'test'
    server = {'status': 'POWERING_ON', 'task_uuid': '5bc9464f-87b6-4ea8-aa42-050824135e63', '_issues': [BUSY]}
    assert busy_tasks(server) == ['5bc9464f-87b6-4ea8-aa42-050824135e63']
    assert blocking_issues(server, 'DR_CLOUD_SERVER_START_FAILOVER_TEST') == [BUSY]
    assert blocking_issues(server, 'DR_CLOUD_SERVER_STOP_FAILOVER') == []
    warning = dict(BUSY, severity='WARNING')
    assert blocking_issues({'_issues': [warning]}, 'DR_CLOUD_SERVER_START_FAILOVER_TEST') == []


def test_server_view_reduces_links():
    view = server_view({'uuid': 'u', 'status': 'STAND_BY', '_issues': [BUSY],
                        '_links': [{'rel': 'DR_CLOUD_SERVER_PAGE', 'href': 'x'}]})
    assert view['links'] == ['DR_CLOUD_SERVER_PAGE'] and '_links' not in view
    assert view['issues'] == ['ResourceBusy: The resource is busy'] and view['failover'] is None  # a task runs
