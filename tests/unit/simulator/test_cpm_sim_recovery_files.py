# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tests of the N2WS CPM simulator, part 2 (explore sessions and zip downloads, freezer, snapshot deletion scopes,
S3 repositories, policy S3 operations, captured VPCs and clones), run in-process on free ports."""

import csv
import hashlib
import io
import json
import os
import sys
import time
import zipfile

import pytest

SIM_DIR = os.path.abspath(os.path.dirname(__file__))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position,redefined-outer-name,unused-import
from test_cpm_sim_recovery import Cpm, codes, sim, wait_for  # noqa: E402,F401

SESSION_FIELDS = {'attached_volume_ids', 'backup_record', 'explore_type', 'id', 'name', 'session_path', 'start_time',
                  'status'}
ENTRY_FIELDS = {'children', 'depth', 'modified_time', 'name', 'parent', 'path', 'size', 'type', 'url_friendly_path'}
REPO_FIELDS = {'account', 'aws_bucket_name', 'aws_region', 'deletion_status', 'description', 'id', 'name',
               'related_policies', 'user'}


@pytest.fixture
def cpm(sim):
    """A client on a freshly reset simulator with fast phases."""
    client = Cpm(sim)
    client.admin('POST', 'reset', {})
    client.config(backup_seconds=0.2, dr_seconds=0.05, s3_copy_seconds=0.05, recovery_seconds=0.1,
                  explore_mount_seconds=0.05, explore_expire_seconds=0.05, repository_delete_seconds=0.05,
                  clone_vpc_seconds=0.1)
    yield client
    client.session.close()


def session_open(cpm, body):
    """Create an explore session and wait until it is open."""
    created = cpm.ok(cpm.post('explore_sessions/', body), 202)
    return wait_for(lambda: [s for s in [cpm.ok(cpm.get('explore_sessions/%d/' % created['id']))]
                             if s['status'] == 'N'])[0]


# -- explore sessions ---------------------------------------------------------------------------------------


def test_explore_session_tree_and_zip(cpm):
    pid = cpm.policy()['id']
    instance = cpm.target(pid, 'instances')
    cpm.target(pid, 'volumes')
    bid = cpm.backup(pid)['id']
    created = cpm.ok(cpm.post('explore_sessions/', {'backup_record': bid}), 202)
    assert set(created) == SESSION_FIELDS and created['status'] == 'U' and created['explore_type'] == 'I'
    assert len(created['attached_volume_ids'].split(',')) == 2 and created['backup_record'] == bid
    session = wait_for(lambda: [s for s in [cpm.ok(cpm.get('explore_sessions/%d/' % created['id']))]
                                if s['status'] == 'N'])[0]
    sid = session['id']
    base = 'explore_sessions/%d/' % sid
    top = cpm.ok(cpm.get(base + 'file_system_entries/'))
    assert [e['name'] for e in top] == ['xvda', 'xvdb'] and all(set(e) == ENTRY_FIELDS for e in top)
    assert top[0] == dict(top[0], type='D', depth=1, parent='/', path='/xvda', children=[])
    deep = cpm.ok(cpm.get(base + 'file_system_entries/?path=/xvda/etc&depth=2'))
    assert [e['path'] for e in deep] == ['/xvda/etc/hostname', '/xvda/etc/hosts', '/xvda/etc/os-release']
    assert deep[0]['size'] == len(instance['name']) + 1 and deep[0]['type'] == 'F' and deep[0]['depth'] == 3
    nested = cpm.ok(cpm.get(base + 'file_system_entries/?path=/xvdb&depth=2'))
    assert [c['name'] for c in [e for e in nested if e['name'] == 'data'][0]['children']] == [
        'blob.bin', 'records-0001.csv', 'records-0002.csv']
    found = cpm.ok(cpm.get(base + 'file_system_entries/?search=RECORDS'))
    assert [e['path'] for e in found] == ['/xvdb/data/records-0001.csv', '/xvdb/data/records-0002.csv']
    assert [e['path'] for e in cpm.ok(cpm.get(base + 'file_system_entries/?path=xvda/etc/hosts'))] == ['/xvda/etc/hosts']
    assert codes(cpm.get(base + 'file_system_entries/?path=/nope'), 400) == {'path': ['invalid']}
    assert codes(cpm.get(base + 'file_system_entries/?depth=x'), 400) == {'depth': ['invalid']}
    paged = cpm.ok(cpm.get(base + 'file_system_entries/?path=/xvda&page=1&page_size=2'))
    assert paged['count'] == 3 and len(paged['results']) == 2
    cpm.config(explore_listing='target')
    target = cpm.ok(cpm.get(base + 'file_system_entries/?path=/xvda/etc'))
    assert len(target) == 1 and target[0]['path'] == '/xvda/etc' and len(target[0]['children']) == 3
    cpm.config(explore_listing='entries')
    # the zip: chosen paths (a folder and a file), real zip bytes, deterministic, checked against the admin hashes
    assert codes(cpm.post(base + 'download/', {}), 400) == {'paths': ['required']}
    assert codes(cpm.post(base + 'download/', {'paths': []}), 400) == {'paths': ['empty']}
    assert codes(cpm.post(base + 'download/', {'paths': ['/xvda/missing']}), 400) == {'paths': ['invalid']}
    response = cpm.post(base + 'download/', {'paths': ['/xvdb/data', '/xvda/etc/hosts']},
                        headers={'Accept': 'application/zip'})
    assert response.status_code == 201 and response.headers['Content-Type'] == 'application/zip'
    assert 'attachment' in response.headers['Content-Disposition']
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert archive.namelist() == ['xvda/etc/hosts', 'xvdb/data/blob.bin', 'xvdb/data/records-0001.csv',
                                  'xvdb/data/records-0002.csv']
    assert archive.testzip() is None
    hashes = dict((f['path'], f['sha256']) for f in cpm.admin('GET', 'cpm/explore-files?session=%d' % sid)['files'])
    for name in archive.namelist():
        assert hashlib.sha256(archive.read(name)).hexdigest() == hashes['/' + name]
    again = cpm.post(base + 'download/', {'paths': ['/xvda/etc/hosts', '/xvdb/data']})
    assert again.content == response.content
    assert archive.read('xvdb/data/records-0001.csv').startswith(b'id,name,value,checksum\n')
    # a large file (knob) is stored, not deflated
    cpm.config(explore_large_file_mb=1.5)
    big = zipfile.ZipFile(io.BytesIO(cpm.post(base + 'download/', {'paths': ['/xvda/large.bin']}).content))
    info = big.getinfo('xvda/large.bin')
    assert info.file_size == 1572864 and info.compress_type == zipfile.ZIP_STORED
    # lists and filters; other users
    assert [s['id'] for s in cpm.ok(cpm.get('explore_sessions/?backup_record=%d&status=N' % bid))] == [sid]
    assert cpm.ok(cpm.get('explore_sessions/?status=S')) == []
    assert cpm.get('explore_sessions/%d/' % sid, who='tenant').status_code == 404
    assert cpm.get(base + 'file_system_entries/', who='auditor').status_code == 403
    assert cpm.ok(cpm.get('explore_sessions/%d/' % sid, who='auditor'))['id'] == sid
    # end: DELETE expires it (P, then S); an ended session answers 400; a second DELETE changes nothing
    assert cpm.ok(cpm.delete('explore_sessions/%d/' % sid), 204) is None
    assert cpm.ok(cpm.get('explore_sessions/%d/' % sid))['status'] in ('P', 'S')
    wait_for(lambda: cpm.ok(cpm.get('explore_sessions/%d/' % sid))['status'] == 'S')
    assert codes(cpm.post(base + 'keep_alive/'), 400) == {'non_field_errors': ['invalid']}
    assert codes(cpm.post(base + 'download/', {'paths': ['/']}), 400) == {'non_field_errors': ['invalid']}
    assert cpm.ok(cpm.delete('explore_sessions/%d/' % sid), 204) is None
    assert cpm.delete('explore_sessions/999/').status_code == 404


def test_explore_keep_alive_expiry_and_refusals(cpm):
    pid = cpm.policy()['id']
    instance = cpm.target(pid, 'instances')
    volume = cpm.target(pid, 'volumes')
    cpm.target(pid, 'rds_databases')
    bid = cpm.backup(pid)['id']
    cpm.config(explore_timeout=0.4)
    session = session_open(cpm, {'backup_record': bid, 'aws_instance_id': instance['aws_id'],
                                 'aws_volume_ids': [instance['volumes'][1]]})
    base = 'explore_sessions/%d/' % session['id']
    assert [e['name'] for e in cpm.ok(cpm.get(base + 'file_system_entries/'))] == ['xvdb']
    for _round in range(3):
        time.sleep(0.2)
        keep = cpm.post(base + 'keep_alive/')
        assert keep.status_code == 200 and keep.content == b''
    assert cpm.ok(cpm.get(base))['status'] == 'N'  # 0.6 s after opening, kept alive
    wait_for(lambda: cpm.ok(cpm.get(base))['status'] == 'S', timeout=3)
    # activity does not reset the countdown unless the knob says so
    cpm.config(explore_timeout=0.3, explore_activity_resets_timeout=True)
    independent = session_open(cpm, {'backup_record': bid, 'aws_volume_ids': [volume['aws_id']]})
    assert independent['explore_type'] == 'V' and independent['name'] == 'explore-%d-%s' % (bid, volume['aws_id'])
    for _round in range(3):
        time.sleep(0.15)
        cpm.ok(cpm.get('explore_sessions/%d/file_system_entries/' % independent['id']))
    assert cpm.ok(cpm.get('explore_sessions/%d/' % independent['id']))['status'] == 'N'
    cpm.admin('POST', 'cpm/expire-explore-sessions', {})
    wait_for(lambda: cpm.ok(cpm.get('explore_sessions/%d/' % independent['id']))['status'] == 'S')
    cpm.config(explore_timeout=600, explore_activity_resets_timeout=False)
    # bad input and preconditions
    assert codes(cpm.post('explore_sessions/', {}), 400) == {'backup_record': ['required']}
    assert codes(cpm.post('explore_sessions/', {'backup_record': 999}), 400) == {'backup_record': ['does_not_exist']}
    assert codes(cpm.post('explore_sessions/', {'backup_record': bid, 'aws_instance_id': 'i-nope'}), 400) == {
        'aws_instance_id': ['does_not_exist']}
    assert codes(cpm.post('explore_sessions/', {'backup_record': bid, 'aws_volume_ids': ['vol-nope']}), 400) == {
        'aws_volume_ids': ['does_not_exist']}
    assert codes(cpm.post('explore_sessions/', {'backup_record': bid, 'region': 4}), 412) == {
        'detail': ['precondition_failed']}  # no snapshot in us-west-2
    assert cpm.post('explore_sessions/', {'backup_record': bid}, who='auditor').status_code == 403
    assert cpm.post('explore_sessions/', {'backup_record': bid}, who='tenant').status_code == 400
    failed = cpm.backup(pid, status='F')['id']
    assert codes(cpm.post('explore_sessions/', {'backup_record': failed}), 412) == {'detail': ['precondition_failed']}
    cpm.config(explore_max_sessions=1)
    session_open(cpm, {'backup_record': bid})
    assert cpm.post('explore_sessions/', {'backup_record': bid}).status_code == 412
    cpm.config(explore_max_sessions=0)
    cpm.admin('POST', 'cpm/fail-next-explore', {})
    broken = cpm.ok(cpm.post('explore_sessions/', {'backup_record': bid}), 202)
    wait_for(lambda: cpm.ok(cpm.get('explore_sessions/%d/' % broken['id']))['status'] == 'F')
    # an RDS-only backup explores as D; a Windows root volume has a Windows tree
    rds_policy = cpm.policy('rdsonly')['id']
    cpm.target(rds_policy, 'rds_databases')
    rds_backup = cpm.backup(rds_policy)['id']
    rds_session = session_open(cpm, {'backup_record': rds_backup})
    assert rds_session['explore_type'] == 'D' and rds_session['attached_volume_ids'] == ''
    assert [e['name'] for e in cpm.ok(cpm.get('explore_sessions/%d/file_system_entries/?path=/%s' % (
        rds_session['id'], cpm.inventory('rds_databases')[0]['aws_id'])))] == ['export', 'schema.sql']
    win_policy = cpm.policy('win')['id']
    cpm.target(win_policy, 'instances', 2)
    win = session_open(cpm, {'backup_record': cpm.backup(win_policy)['id']})
    assert 'Windows' in [e['name'] for e in cpm.ok(cpm.get('explore_sessions/%d/file_system_entries/?path=/sda1' % win['id']))]


def test_explore_from_dr_region(cpm):
    pid = cpm.policy()['id']
    cpm.target(pid, 'instances')
    cpm.ok(cpm.put('policies/%d/dr/' % pid, {'dr_enabled': True, 'dr_regions': [4]}))
    bid = cpm.backup(pid)['id']
    native = session_open(cpm, {'backup_record': bid})
    dr = session_open(cpm, {'backup_record': bid, 'region': 4})
    assert dr['explore_type'] == 'I' and dr['attached_volume_ids'] != native['attached_volume_ids']
    native_files = cpm.admin('GET', 'cpm/explore-files?session=%d' % native['id'])['files']
    dr_files = cpm.admin('GET', 'cpm/explore-files?session=%d' % dr['id'])['files']
    assert native_files == dr_files  # a DR copy holds the same data


# -- freezer ------------------------------------------------------------------------------------------------------


def test_freezer_list_and_policy_deletion(cpm):
    pid = cpm.policy()['id']
    cpm.target(pid, 'volumes')
    first = cpm.backup(pid, age=120)['id']
    second = cpm.backup(pid, age=60)['id']
    cpm.ok(cpm.post('backups/%d/to_freezer/' % first, {'name': 'audit_2024', 'description': 'kept'}), 201)
    listed = cpm.ok(cpm.get('freezer/'))
    assert [b['id'] for b in listed] == [first] and 'is_freezer_item' not in listed[0]
    assert listed[0]['name'] == 'audit_2024'
    assert cpm.ok(cpm.get('freezer/?search=audit'))[0]['id'] == first
    assert cpm.ok(cpm.get('freezer/?account=4')) == [] and cpm.ok(cpm.get('freezer/', who='tenant')) == []
    assert cpm.ok(cpm.get('freezer/?page=1&page_size=1'))['count'] == 1
    volume = cpm.snaps(first, 'volumes')[0]
    rid = cpm.recover(first, 'volumes', volume['id'])['id']
    assert cpm.recovery(rid)['frozen_item_name'] == 'audit_2024'
    cpm.ok(cpm.delete('policies/%d/' % pid), 204)
    assert cpm.get('backups/%d/' % second).status_code == 404
    assert cpm.ok(cpm.get('backups/%d/' % first))['is_freezer_item'] is True  # the freezer outlives its policy
    cpm.config(freezer_survives_policy_delete=False)
    pid = cpm.policy('p2')['id']
    cpm.target(pid, 'volumes')
    frozen = cpm.backup(pid)['id']
    cpm.ok(cpm.post('backups/%d/to_freezer/' % frozen, {'name': 'x', 'description': 'y'}), 201)
    cpm.ok(cpm.delete('policies/%d/' % pid), 204)
    assert cpm.get('backups/%d/' % frozen).status_code == 404


# -- snapshot deletion scopes ------------------------------------------------------------------------------------


def test_snapshot_deletion_scopes(cpm):
    pid = cpm.policy()['id']
    cpm.target(pid, 'volumes')
    cpm.target(pid, 'rds_databases')
    cpm.ok(cpm.put('policies/%d/dr/' % pid, {
        'dr_enabled': True, 'dr_regions': [4], 'cross_account_dr': {'dr_account': 2, 'dr_account_regions': [5]}}))
    cpm.ok(cpm.put('policies/%d/copy_to_s3/' % pid, {'enabled': True, 'repository': 1}))
    bid = cpm.backup(pid)['id']
    cross = [v for v in cpm.snaps(bid, 'dr_volumes') if v['region'] == 'eu-west-1']
    assert cross and cross[0]['snapshot_account_id'] == 2
    # the DR account's wipe deletes what it holds: the cross-account copies only
    cpm.ok(cpm.delete('accounts/dr/2/snapshots/'), 204)
    after = dict((v['region'], v['deletion_time']) for v in cpm.snaps(bid, 'dr_volumes'))
    assert after['eu-west-1'] is not None and after['us-west-2'] is None
    assert cpm.ok(cpm.get('backups/%d/' % bid))['status'] == 'B'
    # one snapshot of a kind, then the native snapshots of the policy (S3 copies stay: M), then the S3 scope
    rds = cpm.snaps(bid, 'rds_databases')[0]
    cpm.ok(cpm.delete('backups/%d/snapshots/rds_databases/%d/' % (bid, rds['id'])), 204)
    assert cpm.post('backups/%d/snapshots/rds_databases/%d/recover/' % (bid, rds['id']),
                    {'aws_resource_id': 'x'}).status_code == 412
    cpm.ok(cpm.delete('policies/%d/snapshots/native/' % pid), 204)
    assert cpm.ok(cpm.get('backups/%d/' % bid))['status'] == 'M'
    cpm.ok(cpm.delete('policies/%d/snapshots/s3/' % pid), 204)
    assert cpm.ok(cpm.get('backups/%d/' % bid))['status'] == 'D'
    # the backup account's wipe
    second = cpm.backup(pid)['id']
    cpm.ok(cpm.delete('accounts/1/snapshots/'), 204)
    left = [s for s in cpm.ok(cpm.get('backups/%d/snapshots/' % second)) if s['deletion_time'] is None]
    assert set(s['region'] for s in left) == {'eu-west-1'}  # the copies held by the DR account
    assert cpm.ok(cpm.get('backups/%d/' % second))['status'] == 'B'


# -- S3 repositories ----------------------------------------------------------------------------------------------


def test_s3_repositories(cpm):
    body = {'name': 'copies', 'account': 1, 'aws_bucket_name': 'main-backup-copies', 'aws_region': 'us-east-1',
            'description': 'policy copies'}
    assert codes(cpm.post('s3_repositories/', {}), 400) == {'account': ['required'], 'aws_bucket_name': ['required'],
                                                            'aws_region': ['required'], 'name': ['required']}
    assert codes(cpm.post('s3_repositories/', dict(body, aws_bucket_name='nope', aws_region='mars')), 400) == {
        'aws_region': ['invalid_choice']}
    assert codes(cpm.post('s3_repositories/', dict(body, aws_bucket_name='nope')), 400) == {'aws_bucket_name': ['invalid']}
    assert codes(cpm.post('s3_repositories/', dict(body, account=2)), 400) == {'account': ['does_not_exist']}
    assert cpm.post('s3_repositories/', body, who='auditor').status_code == 403
    repo = cpm.ok(cpm.post('s3_repositories/', body), 201)
    assert set(repo) == REPO_FIELDS and repo['deletion_status'] == 'N' and repo['related_policies'] == []
    assert repo['user'] == 1
    assert codes(cpm.post('s3_repositories/', body), 400) == {'name': ['unique']}
    updated = cpm.ok(cpm.put('s3_repositories/%d/' % repo['id'], {'description': 'new', 'name': 'ignored'}))
    assert updated['description'] == 'new' and updated['name'] == 'copies'
    assert cpm.put('s3_repositories/%d/' % repo['id'], {'description': 'x'}, who='tenant').status_code == 404
    pid = cpm.policy()['id']
    cpm.target(pid, 'volumes')
    cpm.ok(cpm.put('policies/%d/copy_to_s3/' % pid, {'enabled': True, 'repository': repo['id']}))
    assert cpm.ok(cpm.get('s3_repositories/%d/' % repo['id']))['related_policies'] == [pid]
    bid = cpm.backup(pid)['id']
    # refused while in use: 400 (default), 403, or accepted and failing (deletion_status F)
    assert codes(cpm.delete('s3_repositories/%d/' % repo['id']), 400) == {'non_field_errors': ['invalid']}
    cpm.config(repository_in_use='403')
    assert codes(cpm.delete('s3_repositories/%d/' % repo['id']), 403) == {'detail': ['permission_denied']}
    cpm.config(repository_in_use='fail')
    assert cpm.ok(cpm.delete('s3_repositories/%d/' % repo['id']), 204) is None
    wait_for(lambda: cpm.ok(cpm.get('s3_repositories/%d/' % repo['id']))['deletion_status'] == 'F')
    cpm.config(repository_in_use='400')
    # force: the policies lose the repository, the copies in it are deleted
    assert cpm.ok(cpm.delete('s3_repositories/%d/force/' % repo['id']), 204) is None
    assert cpm.ok(cpm.get('s3_repositories/%d/' % repo['id']))['deletion_status'] == 'I'
    wait_for(lambda: cpm.get('s3_repositories/%d/' % repo['id']).status_code == 404)
    assert cpm.ok(cpm.get('policies/%d/copy_to_s3/' % pid))['repository'] is None
    assert all(c['deletion_time'] is not None for c in cpm.snaps(bid, 'copy_to_s3'))
    # a repository not in use: I, then gone; a failed deletion (admin) stays with F and can be retried
    spare = cpm.ok(cpm.post('s3_repositories/', dict(body, name='spare')), 201)
    cpm.admin('POST', 'cpm/fail-next-repository-delete', {'repository': spare['id']})
    cpm.ok(cpm.delete('s3_repositories/%d/' % spare['id']), 204)
    wait_for(lambda: cpm.ok(cpm.get('s3_repositories/%d/' % spare['id']))['deletion_status'] == 'F')
    cpm.ok(cpm.delete('s3_repositories/%d/' % spare['id']), 204)
    wait_for(lambda: cpm.get('s3_repositories/%d/' % spare['id']).status_code == 404)
    # the licence limit, the version gate of force/
    cpm.config(license_max_s3_repositories=1)
    assert cpm.post('s3_repositories/', dict(body, name='third'), who='operator').status_code == 403
    assert cpm.delete('s3_repositories/1/force/', headers={'Accept': 'application/json; version=1.4.0'}).status_code == 404


def test_policy_s3_operations_and_aborts(cpm):
    pid = cpm.policy()['id']
    cpm.admin('POST', 'cpm/start-s3-operation', {'policy': pid, 'operation': 'archive', 'seconds': 30})
    cpm.admin('POST', 'cpm/start-s3-operation', {'policy': pid, 'operation': 'cleanup', 'seconds': 0.2})
    policy = cpm.ok(cpm.get('policies/%d/' % pid))
    assert policy['is_archive_active'] and policy['is_s3_cleanup_active'] and policy['s3_operation_in_progress']
    wait_for(lambda: not cpm.ok(cpm.get('policies/%d/' % pid))['is_s3_cleanup_active'])
    response = cpm.post('policies/%d/archive/abort/' % pid)
    assert response.status_code == 200 and response.content == b''
    assert not cpm.ok(cpm.get('policies/%d/' % pid))['s3_operation_in_progress']


# -- captured VPCs and clones -------------------------------------------------------------------------------------


def test_captured_vpcs_and_clone(cpm):
    assert cpm.ok(cpm.get('captured_vpcs/')) == []
    captured = cpm.admin('POST', 'cpm/capture-vpcs', {'account': 1})['captured']
    assert [v['region'] for v in captured] == ['us-east-1', 'us-west-2']
    listed = cpm.ok(cpm.get('captured_vpcs/'))
    assert set(listed[0]) == {'account', 'capture_time', 'id', 'name', 'region', 'template_size', 'vpc_aws_id'}
    assert [v['id'] for v in cpm.ok(cpm.get('captured_vpcs/?region=4'))] == [captured[1]['id']]
    assert [v['id'] for v in cpm.ok(cpm.get('captured_vpcs/?ordering=-region'))][0] == captured[1]['id']
    vpc = cpm.ok(cpm.get('captured_vpcs/%d/' % captured[0]['id']))
    assert vpc['vpc_aws_id'].startswith('vpc-') and cpm.get('captured_vpcs/%d/' % vpc['id'], who='tenant').status_code == 404
    template = cpm.get('captured_vpcs/%d/cloudformation_template/' % vpc['id'])
    assert template.status_code == 200 and len(template.content) == vpc['template_size']
    assert json.loads(template.text)['Resources']['VPC']['Type'] == 'AWS::EC2::VPC'
    renamed = cpm.ok(cpm.get('captured_vpcs/%d/cloudformation_template/?to_vpc=clone1&to_region=eu-west-1' % vpc['id']))
    assert renamed['Resources']['VPC']['Properties']['Tags'][0]['Value'] == 'clone1'
    assert codes(cpm.get('captured_vpcs/%d/cloudformation_template/?to_region=mars' % vpc['id']), 400) == {
        'to_region': ['invalid_choice']}
    # accounts with capture_vpcs are captured by a run without an account; every run adds records (history);
    # an account that gets the flag is captured once by itself
    cpm.ok(cpm.put('accounts/backup/1/', {'name': 'main', 'authentication': 'C', 'capture_vpcs': True}))
    assert len(cpm.admin('POST', 'cpm/capture-vpcs', {})['captured']) == 2
    assert len(cpm.ok(cpm.get('captured_vpcs/?account=1'))) == 4
    cpm.ok(cpm.put('accounts/backup/3/', {'name': 'managed-main', 'authentication': 'C', 'capture_vpcs': True}))
    assert len(cpm.ok(cpm.get('captured_vpcs/?account=3'))) == 2
    # clone: 201, no body; the log grows over time and ends with the outcome
    path = 'accounts/backup/1/clone_vpc/'
    body = {'from_vpc': vpc['id'], 'to_account': 1, 'to_region': 'eu-west-1', 'to_vpc': 'clone1'}
    assert codes(cpm.post(path, {}), 400) == {'from_vpc': ['required'], 'to_account': ['required'],
                                              'to_region': ['required'], 'to_vpc': ['required']}
    assert codes(cpm.post(path, dict(body, from_vpc=999, to_region='mars')), 400) == {
        'from_vpc': ['does_not_exist'], 'to_region': ['invalid_choice']}
    assert cpm.post('accounts/backup/3/clone_vpc/', body).status_code == 400  # the VPC is not account 3's
    assert cpm.post(path, body, who='auditor').status_code == 403
    started = cpm.post(path, body)
    assert started.status_code == 201 and started.content == b''
    log_path = 'accounts/backup/1/clone_vpc_log/?to_vpc=clone1'
    first = cpm.ok(cpm.get(log_path))
    assert 'started' in first[0]['log']
    final = wait_for(lambda: [rows for rows in [cpm.ok(cpm.get(log_path))] if 'completed' in rows[-1]['log']])[0]
    assert final[-1]['log_type'] == 'Info' and len(final) == 4
    assert cpm.ok(cpm.get('captured_vpcs/logs/')) == final
    as_csv = cpm.get(log_path, headers={'Accept': 'text/csv'})
    assert len(list(csv.reader(io.StringIO(as_csv.text)))) == 5
    # a missing bucket, an injected failure; the 200 reading; the licence
    cpm.ok(cpm.post(path, dict(body, to_vpc='clone2', bucket_name='nope')), 201)
    failed = wait_for(lambda: [rows for rows in [cpm.ok(cpm.get('accounts/backup/1/clone_vpc_log/?to_vpc=clone2'))]
                               if rows[-1]['log_type'] == 'Error'])[0]
    assert 'nope' in failed[-1]['log']
    cpm.ok(cpm.post(path, dict(body, to_vpc='clone3', bucket_name='main-assets', to_region='us-east-1')), 201)
    wait_for(lambda: 'completed' in cpm.ok(cpm.get('accounts/backup/1/clone_vpc_log/?to_vpc=clone3'))[-1]['log'])
    cpm.admin('POST', 'cpm/fail-next-clone', {})
    cpm.config(clone_vpc_status='200')
    assert cpm.post(path, dict(body, to_vpc='clone4')).status_code == 200
    wait_for(lambda: cpm.ok(cpm.get('accounts/backup/1/clone_vpc_log/?to_vpc=clone4'))[-1]['log_type'] == 'Error')
    assert cpm.ok(cpm.get('accounts/backup/1/clone_vpc_log/?to_vpc=clone1&to_region=eu-west-1&to_account=1')) == final
    assert cpm.ok(cpm.get('accounts/backup/1/clone_vpc_log/?to_vpc=never')) == []
    assert cpm.get('accounts/backup/4/clone_vpc_log/').status_code == 404
    assert len(cpm.admin('GET', 'cpm/clones')['clones']) == 4
    cpm.config(license_capture_vpc=False)
    assert codes(cpm.post(path, body), 403) == {'detail': ['permission_denied']}
