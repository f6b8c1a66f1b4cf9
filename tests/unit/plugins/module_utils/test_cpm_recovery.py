# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CPM part 2, pure parts: recover options per kind, "the same recovery" under both record readings, record views,
scenario targets and their mapping to run records, explore paths and safe extraction, VPC clone log lines."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import os
import zipfile

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.explore import (
    Manifest, extract, local_path, normalise, snapshot_path, verified,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.recoveries import (
    DR, NATIVE, S3, Identity, body_of, check_combinations, is_from_s3, masked_body, progress, recover_options,
    recovered_resources, recovery_state, recovery_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.scenarios import (
    Targets, configuration_of, target_identity, wanted_target,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.vpcs import classify_line, latest_only, new_vpc_id
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, PARTIAL, RUNNING, SUCCESS
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


# -- recover options ---------------------------------------------------------------------------------------------------

def test_options_are_checked_per_kind_and_source():
    options = recover_options({'zone': 'us-east-1b', 'attach_to': 'i-1', 'attach_behaviour': 'switch_no_delete'},
                              'volume', NATIVE)
    assert body_of(options, 'volume', NATIVE) == {'zone': 'us-east-1b', 'attach_to': 'i-1',
                                                  'attach_behaviour': 'switch_no_delete'}
    with pytest.raises(ValidationError, match='^attach_to: does not apply to the recovery of an EC2 instance'):
        recover_options({'attach_to': 'i-1'}, 'instance', NATIVE)
    with pytest.raises(ValidationError, match='^worker_configuration: does not apply .* from S3'):
        recover_options({'worker_configuration': {'aws_vpc': 'v', 'aws_subnet': 's', 'aws_security_group': 'g'}},
                        'volume', NATIVE)
    with pytest.raises(ValidationError, match='^nonsense: is not a recover option'):
        recover_options({'nonsense': 1}, 'volume', NATIVE)


def test_readable_values_become_letters_and_names_their_keys():
    options = recover_options({'restore_from': 'image', 'ami_handling': 'leave_registered', 'placement': 'zone',
                               'zone': 'us-east-1a', 'user_data': '#!/bin/sh'}, 'instance', NATIVE)
    body = body_of(options, 'instance', NATIVE)
    assert body['restore_from'] == 'I' and body['ami_handling'] == 'L' and body['placement'] == 'Z'
    assert body['enable_user_data'] is True and body['user_data'] == '#!/bin/sh'
    assert body_of(recover_options({'name': 'db2'}, 'rds_database', DR), 'rds_database', DR) == {
        'aws_resource_id': 'db2'}
    assert body_of(recover_options({'name': 't2'}, 'dynamodb_table', NATIVE), 'dynamodb_table', NATIVE) == {
        'aws_resource_name': 't2'}
    assert body_of(recover_options({'to_region': 'us-west-2'}, 'volume', S3), 'volume', S3) == {'region': 'us-west-2'}
    assert recover_options({'retrieve_options': {'retrieval_tier': 'bulk', 'days_to_keep': 2}}, 'instance', S3) == {
        'retrieve_options': {'retrieval_tier': 'B', 'days_to_keep': 2}}
    assert recover_options({'performance_mode': 'max_io'}, 'efs', NATIVE) == {'performance_mode': 'maxIO'}


def test_sub_options_are_checked_and_secrets_masked():
    options = recover_options({'worker_configuration': {'aws_vpc': 'v', 'aws_subnet': 's', 'aws_security_group': 'g',
                                                        'http_proxy_password': 'hunter2'},
                               'credentials': {'aws_access_key': 'AK', 'aws_secret_key': 'SECRET'}},
                              'instance', S3)
    body = body_of(options, 'instance', S3)
    assert body['worker_configuration']['http_proxy_password_encrypted'] == 'hunter2'
    shown = masked_body(body)
    assert 'hunter2' not in json.dumps(shown) and 'SECRET' not in json.dumps(shown)
    assert body['credentials']['aws_secret_key'] == 'SECRET'  # the body itself is untouched
    with pytest.raises(ValidationError, match=r'^worker_configuration\.aws_subnet: is required'):
        recover_options({'worker_configuration': {'aws_vpc': 'v', 'aws_security_group': 'g'}}, 'volume', S3)
    with pytest.raises(ValidationError, match=r'^instance_volumes\[1\]\.volume_id: is required'):
        recover_options({'instance_volumes': [{'volume_id': 'vol-1'}, {'capacity': 3}]}, 'instance', NATIVE)


@pytest.mark.parametrize('kind, options, message', [
    ('rds_database', {}, '^name: is required'),
    ('rds_cluster', {'name': 'c'}, '^db_instance_name: is required'),
    ('volume', {'attach_behaviour': 'attach_free'}, '^attach_behaviour: needs attach_to'),
    ('instance', {'placement': 'G'}, '^placement_group: is required'),
    ('instance', {'vpc_assign_ip': '10.0.0.1', 'num_instances_to_recover': 2}, '^vpc_assign_ip: a fixed IP'),
    ('instance', {'vpc_assign_ip': '10.0.0.256'}, '^vpc_assign_ip: .* is not an IPv4 address'),
    ('rds_database', {'name': 'd', 'storage_type': 'gp2', 'iops': 100}, '^iops: applies only to storage_type io1'),
    ('instance', {'zone': 'us-east-1a', 'to_region': 'us-west-2'}, '^zone: us-east-1a is not a zone of to_region'),
])
def test_combinations(kind, options, message):
    with pytest.raises(ValidationError, match=message):
        check_combinations(options, kind, NATIVE)


# -- records ------------------------------------------------------------------------------------------------------------------

def test_recovered_resources_and_progress():
    assert recovered_resources('i-1 (original: i-0),vol-1 (original: vol-0)') == [
        {'id': 'i-1', 'original': 'i-0'}, {'id': 'vol-1', 'original': 'vol-0'}]
    assert recovered_resources('') == []
    assert recovered_resources('odd-value') == [{'id': 'odd-value', 'original': None}]
    assert progress([42]) == 42 and progress(42) == 42 and progress([]) is None and progress('7') == 7


def test_record_view_and_states():
    view = recovery_view({'id': 1, 'status': 'A', 'recovery_type': 'V', 'recovered_resource_ids': 'v2 (original: v1)',
                          's3_recover_status': {'status': 'P', 'progress_percent': [30]}})
    assert view['status'] == 'partially_successful' and view['status_code'] == 'A'
    assert view['recovery_type'] == 'volume' and view['s3_recover_status']['progress_percent'] == 30
    assert [recovery_state({'status': s})[0] for s in 'PRAF'] == [RUNNING, SUCCESS, PARTIAL, FAILED]
    assert is_from_s3({'recover_from_s3': False}) is False
    assert is_from_s3({'s3_recover_status': {'status': 'I'}}) is True
    assert is_from_s3({'s3_recover_status': {'status': 'Z'}, 'glacier_retrieve_status': {'status': 'Z'}}) is None


def _identity(kind='rds_database', body=None, account=1, region='us-east-1'):
    return Identity({'id': 7, 'policy': 2, 'start_time': '2026-01-01T00:00:00Z'},
                    {'id': 70, 'backed_up_resource_id': 'db-1'}, kind, NATIVE, body or {'aws_resource_id': 'db-new'},
                    account, region)


def test_the_same_recovery_with_the_seed_record():
    identity = _identity()
    record = {'backup_record': 7, 'recovery_type': 'R', 'status': 'R', 'recovery_scenario_record': None,
              'recovered_resource_ids': 'db-new (original: db-1)'}
    assert identity.candidate(record) and identity.same(record) is True
    assert identity.same(dict(record, recovered_resource_ids='db-other (original: db-1)')) is False
    assert identity.same(dict(record, status='F')) is False
    assert identity.same(dict(record, status='P', recovered_resource_ids='')) is None  # wait for it to end
    assert not identity.candidate(dict(record, recovery_scenario_record=4))
    assert not identity.candidate(dict(record, backup_record=8))


def test_the_same_recovery_with_an_extended_record():
    identity = _identity()
    record = {'backup_record': 7, 'recovery_type': 'R', 'status': 'P', 'recovered_resource_ids': '',
              'snapshot_record_id': 70, 'target_name': 'db-new', 'target_account': 1, 'target_region': 'us-east-1',
              'recover_from_s3': False}
    assert identity.same(record) is True  # running, but the record says what it is
    assert identity.same(dict(record, target_region='us-west-2')) is False
    assert identity.same(dict(record, snapshot_record_id=71)) is False
    assert identity.same(dict(record, recover_from_s3=True)) is False
    assert 'snapshot_record_id' in identity.how(record)


# -- scenarios -----------------------------------------------------------------------------------------------------------------

def test_scenario_targets():
    target = wanted_target({'kind': 'dr_volume', 'region': 'us-east-1', 'resource': 'vol-1', 'order': 2,
                            'options': {'zone': 'us-west-2a'}}, 0)
    assert target.identity() == ('us-east-1', 'vol-1', 'DRV') and target.kind == 'volume' and target.source == DR
    target.body = {'zone': 'us-west-2a'}
    existing = {'id': 5, 'aws_region': 'us-east-1', 'aws_resource_id': 'vol-1', 'recovery_type': 'DRV', 'order': 2,
                'configuration': '{"zone":  "us-west-2a"}'}
    assert target_identity(existing) == target.identity()
    assert configuration_of(existing) == {'zone': 'us-west-2a'}
    targets = Targets(None, 3)
    assert targets.plan([existing], [target]) == ([], [], [])
    target.order = 1
    assert targets.plan([existing], [target])[1] == [(existing, target)]
    assert targets.plan([existing], []) == ([], [], [existing])
    assert targets.plan([existing], [], purge=False) == ([], [], [])
    assert wanted_target({'kind': 'rds_database', 'region': 'us-east-1', 'resource': 'db'}, 0).options == {}
    with pytest.raises(ValidationError, match=r'^targets\[3\]\.options\.attach_to: does not apply'):
        wanted_target({'kind': 'instance', 'region': 'us-east-1', 'resource': 'i-1', 'options': {'attach_to': 'x'}}, 3)
    with pytest.raises(ValidationError, match=r'^targets\[0\]\.region: '):
        wanted_target({'kind': 'instance', 'region': 'Mars', 'resource': 'i-1'}, 0)


# -- explore ----------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('value, message', [
    ('etc/hosts', 'must be an absolute path'), ('/a/../b', r'must not contain \. or \.\.'),
    ('/a/./b', r'must not contain \. or \.\.'), ('/a\\b', 'separator'), ('/a\nb', 'separator'),
])
def test_snapshot_paths_refused(value, message):
    with pytest.raises(ValidationError, match=message):
        snapshot_path(value, 'paths[0]')


def test_snapshot_paths_normalised():
    assert snapshot_path('/xvda//etc/', 'p') == '/xvda/etc'
    assert normalise('xvda/etc') == '/xvda/etc' and normalise('') == '/'


def _zip(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return out.getvalue()


def test_extract_is_verified_and_stays_under_dest(tmp_path):
    dest = str(tmp_path / 'dest')
    os.makedirs(dest)
    zip_path = str(tmp_path / 'a.zip')
    with open(zip_path, 'wb') as handle:
        handle.write(_zip([('xvda/etc/hosts', b'127.0.0.1 localhost\n')]))
    files = extract(zip_path, dest, {'/xvda/etc/hosts': {'size': 20}}, False, {})
    assert files['/xvda/etc/hosts']['size'] == 20
    assert verified(dest, files)
    with open(os.path.join(dest, 'xvda/etc/hosts'), 'a') as handle:
        handle.write('changed\n')
    assert not verified(dest, files)
    with pytest.raises(ValidationError, match='^force: '):  # changed since: not overwritten without force
        extract(zip_path, dest, None, False, {'/xvda/etc/hosts': files['/xvda/etc/hosts']['sha256']})
    assert extract(zip_path, dest, None, True, {})['/xvda/etc/hosts']['size'] == 20
    with open(zip_path, 'wb') as handle:
        handle.write(_zip([('../outside', b'x')]))
    with pytest.raises(Exception, match='outside dest'):
        extract(zip_path, dest, None, True, {})
    assert not os.path.exists(str(tmp_path / 'outside'))


def test_a_link_out_of_dest_is_refused(tmp_path):
    dest = tmp_path / 'dest'
    dest.mkdir()
    (tmp_path / 'elsewhere').mkdir()
    os.symlink(str(tmp_path / 'elsewhere'), str(dest / 'xvda'))
    with pytest.raises(ValidationError, match='outside'):
        local_path(str(dest), '/xvda/etc/hosts')


def test_manifest_round_trip(tmp_path):
    manifest = Manifest(str(tmp_path), 'k')
    manifest.record('/xvda/etc', {'/xvda/etc/hosts': {'size': 1, 'sha256': 'ab'}}, 7, {'backup_record': 7})
    again = Manifest(str(tmp_path), 'k')
    assert again.path_files('/xvda/etc') == {'/xvda/etc/hosts': {'size': 1, 'sha256': 'ab'}}
    assert Manifest(str(tmp_path), 'other').path_files('/xvda/etc') is None
    assert again.owned() == {'/xvda/etc/hosts': 'ab'}


# -- VPC clones -------------------------------------------------------------------------------------------------------------------

def test_clone_log_lines():
    assert classify_line(None)[0] == RUNNING
    assert classify_line({'log': 'Clone of VPC vpc-1 started.', 'log_type': 'Info'})[0] == RUNNING
    assert classify_line({'log': 'Clone VPC completed successfully: new VPC vpc-0a1b2c3d4e5f60718', 'log_type': 'Info'})[
        0] == SUCCESS
    assert classify_line({'log': 'Clone VPC failed: no bucket', 'log_type': 'Error'})[0] == FAILED
    assert classify_line({'log': 'Stack creation', 'log_type': 'Error'})[0] == FAILED
    assert new_vpc_id([{'log': 'done: new VPC vpc-0a1b2c3d4e5f60718 (x)'}]) == 'vpc-0a1b2c3d4e5f60718'
    assert new_vpc_id([{'log': 'done'}]) is None


def test_latest_capture_of_each_vpc():
    items = [{'id': 1, 'account': 1, 'region': 'us-east-1', 'vpc_aws_id': 'vpc-1', 'capture_time': '2026-01-01T00:00:00Z'},
             {'id': 3, 'account': 1, 'region': 'us-east-1', 'vpc_aws_id': 'vpc-1', 'capture_time': '2026-01-02T00:00:00Z'},
             {'id': 2, 'account': 1, 'region': 'us-west-2', 'vpc_aws_id': 'vpc-2', 'capture_time': '2026-01-01T00:00:00Z'}]
    assert [v['id'] for v in latest_only(items)] == [3, 2]
