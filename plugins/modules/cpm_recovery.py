#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: POST backups/{backup_id}/snapshots/dr_efs/{snapshot_record_id}/recover/ kind (source=dr)
# api: POST backups/{backup_id}/snapshots/dr_rds_clusters/{snapshot_record_id}/recover/ kind (source=dr)
# api: POST backups/{backup_id}/snapshots/dr_rds_databases/{snapshot_record_id}/recover/ kind (source=dr)
# api: POST backups/{backup_id}/snapshots/dr_volumes/{snapshot_record_id}/recover/ kind (source=dr)
# api: POST backups/{backup_id}/snapshots/dynamodb_tables/{snapshot_record_id}/recover/ kind (source=native)
# api: POST backups/{backup_id}/snapshots/efs/{snapshot_record_id}/recover/ kind (source=native)
# api: POST backups/{backup_id}/snapshots/instances/{snapshot_record_id}/recover/ kind (source=native)
# api: POST backups/{backup_id}/snapshots/rds_clusters/{snapshot_record_id}/recover/ kind (source=native)
# api: POST backups/{backup_id}/snapshots/rds_databases/{snapshot_record_id}/recover/ kind (source=native)
# api: POST backups/{backup_id}/snapshots/redshift_clusters/{snapshot_record_id}/recover/ kind (source=native)
# api: POST backups/{backup_id}/snapshots/volumes/{snapshot_record_id}/recover/ kind (source=native)
# api: POST backups/{backup_id}/snapshots/instances/{snapshot_record_id}/recover_from_s3/ kind=instance, source=s3
# api: POST backups/{backup_id}/snapshots/volumes/{snapshot_record_id}/recover_from_s3/ kind=volume, source=s3
# api: GET backups/{backup_id}/snapshots/instances/{snapshot_id}/aws_additional_nics/ additional_nics (checked before the recover call)
# api: GET backups/ policy (the latest recoverable backup holding resource)
# api: GET recoveries/ recover_again (false: the same recovery is looked for among the policy's records)
# api: GET recoveries/{id}/ wait_timeout (the recovery followed)
# api: GET recoveries/{id}/logs/ logs
# api: POST recoveries/{recovery_id}/recover_from_s3/abort/ state=aborted
# api: DELETE recoveries/{id}/ state=absent

DOCUMENTATION = r"""
module: cpm_recovery
short_description: Recover a resource from an N2WS Backup & Recovery (CPM) backup, once
version_added: 0.2.0
description:
  - Recovers an EC2 instance, an EBS volume, an RDS database, an RDS/Aurora cluster, a Redshift cluster, a DynamoDB
    table or an EFS file system from a CPM backup, from its native snapshot, from a DR copy (volumes, RDS databases
    and clusters, EFS) or from its copies in S3 (instances and volumes, with the worker configuration and the Glacier
    retrieval they may need). These are CPM's 13 recover calls (C(POST /api/backups/{backup_id}/snapshots/<kind>/{id}/recover/)
    and C(recover_from_s3/)).
  - The snapshot is chosen by O(backup) id, or as the latest recoverable backup of O(policy) that has a usable
    snapshot of O(resource) (optionally started before O(before)). A backup that does not hold the resource, a
    snapshot that failed or was deleted, and an option that does not apply to the kind (or source) asked are refused
    before any request, naming the option.
  - The recovery is followed through the job engine on its recovery record (C(GET /api/recoveries/{id}/)) until it
    is successful, partial or failed; the module returns the record and its log. A partial recovery fails the task
    unless O(fail_on_partial=false); a failed one fails it.
  - "B(Idempotent): running the task again does not start a second recovery. An existing recovery record counts as
    the same recovery when it is of the same backup and recovery type, was not made by a recovery scenario, did not
    fail, and either names the same snapshot record and target (servers whose records show C(snapshot_record_id) and
    C(target_*)), or, with the record the API reference describes, lists the backed-up resource as an original in its
    C(recovered_resource_ids) (for RDS, Aurora, Redshift and DynamoDB with the same new O(name)). A running record of
    that backup and type whose ids are not shown yet is waited for first (within O(wait_timeout)). The module then
    returns that record with V(changed=false) (following it if it still runs)."
  - "Limits of that rule with the API reference's record: the target account and region of instance, volume and EFS
    recoveries are not in the record, so two recoveries of one source to two places look alike; a recovery from a DR
    copy or from S3 looks like one from the native snapshot of the same backup. O(recover_again=true) starts a new
    recovery whatever exists. A failed recovery never counts: the next run recovers again."
  - With O(state=aborted), aborts the recovery from S3 O(id) (C(POST /api/recoveries/{id}/recover_from_s3/abort/)),
    only while it runs (otherwise V(changed=false)), and waits until it has ended.
  - With O(state=absent), deletes the recovery record O(id) (C(DELETE /api/recoveries/{id}/)), its history in CPM;
    the recovered resources stay. A recovery that runs is not deleted (CPM refuses it).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  state:
    description:
      - V(present) recovers (once). V(aborted) aborts the running recovery from S3 O(id). V(absent) deletes the
        recovery record O(id).
    type: str
    choices: [present, aborted, absent]
    default: present
  id:
    description:
      - With O(state=aborted) or O(state=absent), the id of the recovery record to abort or delete.
    type: int
  kind:
    description:
      - What to recover. The API's recovery type letters are accepted too (V(I), V(V), V(R), V(A), V(C), V(D), V(E)).
      - Required with O(state=present).
    type: str
    choices: [instance, volume, rds_database, rds_cluster, redshift_cluster, dynamodb_table, efs, I, V, R, A, C, D, E]
  source:
    description:
      - V(native) recovers from the backup's own snapshot; V(dr) from a DR copy (volume, RDS database, RDS/Aurora
        cluster, EFS; choose the copy with O(dr_region) when there are several); V(s3) from the copies in S3 (instance,
        volume of an instance backup).
    type: str
    choices: [native, dr, s3]
    default: native
  resource:
    description:
      - The backed-up resource, by its AWS id (V(i-0a1b2c3d4e5f60718), V(vol-...), the DB identifier, the table name,
        the file system id) or its name as CPM shows it (C(backed_up_resource_name)).
      - Required unless O(snapshot_id) is given.
    type: str
  region:
    description:
      - The AWS region of the backed-up resource, when the backup holds resources of that id or name in several
        regions.
    type: str
  dr_region:
    description:
      - With O(source=dr), the AWS region of the DR copy to recover from, when there are copies in several regions.
    type: str
  backup:
    description:
      - The id of the backup record to recover from (a freezer item is a backup record too).
      - One of O(backup) and O(policy) is required with O(state=present).
    type: int
  policy:
    description:
      - Recover from the latest recoverable backup of this policy (name or id) that has a usable snapshot (or DR copy,
        or copy in S3) of O(resource).
      - Recoverable means successful (or moved to S3 or Glacier), not marked for deletion, and, with
        O(partial_backups=true), also partially successful.
    type: str
  before:
    description:
      - With O(policy), only backups that started at or before this time (an ISO 8601 date-time, UTC unless it has an
        offset), for the latest backup before a point in time.
    type: str
  partial_backups:
    description:
      - With O(policy), backups that ended partially may be used too (the snapshot of O(resource) must have succeeded).
      - With O(backup), a partial backup is refused unless this is V(true).
    type: bool
    default: false
  snapshot_id:
    description:
      - The id of the snapshot record in O(backup) (the C(id) of C(GET /api/backups/{id}/snapshots/<kind>/)), instead
        of O(resource).
    type: int
  recover_again:
    description:
      - Start a new recovery even when a recovery of the same snapshot (see the description) exists; such a task
        reports a change on every run.
    type: bool
    default: false
  fail_on_partial:
    description:
      - Fail when the recovery ends partially (some resources were not recovered).
    type: bool
    default: true
  logs:
    description:
      - Return the recovery's log (C(GET /api/recoveries/{id}/logs/)) once it has ended (or when O(wait=false)).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the recovery when O(wait=true). When the time is up the task fails and the recovery goes
        on; running the task again follows it.
    type: int
    default: 3600
  name:
    description:
      - "Name of the new resource: the new DB instance identifier (RDS), cluster identifier (RDS/Aurora), Redshift
        cluster identifier, or DynamoDB table name (CPM's C(aws_resource_id), or C(aws_resource_name) for DynamoDB)."
      - "Required for those kinds. It is also how a re-run recognises the same recovery."
    type: str
  db_instance_name:
    description:
      - "RDS/Aurora cluster: identifier of the new cluster's DB instance (CPM's C(aws_dbinstance_id)). Required for
        that kind."
    type: str
  to_account:
    description:
      - "Recover into this account (name or id of a backup or DR account); default the snapshot's account (or the
        policy's account credentials)."
    type: str
  from_account:
    description:
      - "Instance: recover from the snapshots held in this account (name or id)."
    type: str
  to_region:
    description:
      - "Instance, and volume from S3: the AWS region to recover to (such as V(us-west-2)); default the snapshot's
        region."
      - "For an instance CPM takes the region's CPM id (looked up in C(GET /api/regions/), which lists the regions CPM
        offers)."
    type: str
  zone:
    description:
      - "Availability zone of the new resource (an instance with O(placement=zone), a volume, a database or cluster)."
    type: str
  credentials:
    description:
      - "AWS credentials CPM uses to reach the account it recovers to, instead of the policy's account credentials."
    type: dict
    suboptions:
      aws_access_key:
        description:
          - "The access key id."
        type: str
      aws_secret_key:
        description:
          - "The secret access key (never shown)."
        type: str
  preserve_tags:
    description:
      - "Instance, volume, EFS: copy the tags of the backed-up resource (CPM's default is V(true))."
    type: bool
  encryption_key:
    description:
      - "EFS: the KMS key ARN of a new file system. Instance or volume from S3: the encryption key for the target
        region of the volumes."
    type: str
  db_instance_class:
    description:
      - "RDS database or RDS/Aurora cluster: the DB instance class (such as V(db.m5.large))."
    type: str
  instance_type:
    description:
      - "Instance: the type of the new instance(s) (such as V(m5.large)); default the backed-up instance's type. A
        type the image or placement does not support makes the recovery fail."
      - "RDS/Aurora cluster: the compute and memory capacity of the DB instance."
    type: str
  subnet_group_name:
    description:
      - "RDS, RDS/Aurora, Redshift: the subnet group of the new resource."
    type: str
  iops:
    description:
      - "RDS database (only with O(storage_type=io1)) or volume: provisioned IOPS."
    type: int
  multi_az:
    description:
      - "RDS database: a Multi-AZ deployment."
    type: bool
  port:
    description:
      - "RDS database or Redshift cluster: the port it listens on."
    type: int
  publicly_accessible:
    description:
      - "RDS database or Redshift cluster: reachable from outside its VPC."
    type: bool
  storage_type:
    description:
      - "RDS database: V(standard) (magnetic), V(io1) (provisioned IOPS SSD) or V(gp2) (general purpose SSD)."
    type: str
    choices: [standard, io1, gp2]
  target_efs:
    description:
      - "EFS: V(new) (a new file system, CPM's default) or V(original) (into the backed-up file system). Letters V(N),
        V(O) accepted."
    type: str
    choices: [new, original, N, O]
  performance_mode:
    description:
      - "EFS: performance mode of a new file system, V(general_purpose) or V(max_io) (the API's V(generalPurpose),
        V(maxIO) accepted)."
    type: str
    choices: [general_purpose, max_io, generalPurpose, maxIO]
  iam_role_arn:
    description:
      - "EFS: the IAM role ARN AWS Backup uses for the recovery."
    type: str
  attach_behaviour:
    description:
      - "Volume: attach the new volume to O(attach_to): V(attach_free) (only if the device is free),
        V(switch_no_delete) (switch the attached volume) or V(switch_and_delete) (switch it and delete the old one)."
    type: str
    choices: [attach_free, switch_no_delete, switch_and_delete]
  attach_to:
    description:
      - "Volume: the AWS id of the instance to attach the new volume to."
    type: str
  device:
    description:
      - "Volume: the device name when attaching (such as V(/dev/sdf)); needs O(attach_to)."
    type: str
  volume_type:
    description:
      - "Volume: the EBS volume type of the new volume (CPM's C(aws_resource_type), such as V(gp3))."
    type: str
  capacity:
    description:
      - "Volume: the size of the new volume in GiB."
    type: int
  restore_from:
    description:
      - "Instance: launch from the V(snapshot)s (CPM's default for Linux) or from an V(image) (the only way for a
        Windows instance). Letters V(S), V(I) accepted."
    type: str
    choices: [snapshot, image, S, I]
  image_id:
    description:
      - "Instance: the AMI to launch from, with O(restore_from=image) or for a Windows instance."
    type: str
  ami_handling:
    description:
      - "Instance launched from snapshots: what to do with the AMI CPM registers: V(deregister) it after the recovery,
        V(leave_registered), or V(create_ami_only) (register an AMI without launching an instance). Letters V(D),
        V(L), V(O) accepted."
    type: str
    choices: [deregister, leave_registered, create_ami_only, D, L, O]
  architecture:
    description:
      - "Instance: V(i386), V(x86_64) or V(arm64)."
    type: str
    choices: [i386, x86_64, arm64]
  num_instances_to_recover:
    description:
      - "Instance: how many instances to launch (CPM's default is 1)."
    type: int
  placement:
    description:
      - "Instance: place it by V(zone), in a V(vpc), or in a V(placement_group); default as the backed-up instance.
        Letters V(Z), V(V), V(G) accepted."
    type: str
    choices: [zone, vpc, placement_group, Z, V, G]
  placement_group:
    description:
      - "Instance: the placement group, with O(placement=placement_group)."
    type: str
  vpc:
    description:
      - "Instance: the VPC id(s), with O(placement=vpc); default the original VPC."
    type: list
    elements: str
  vpc_subnet_id:
    description:
      - "Instance: the subnet id(s), with O(placement=vpc)."
    type: list
    elements: str
  vpc_assign_ip:
    description:
      - "Instance: a fixed private IPv4 address (one instance only); default the original address; an address still in
        use makes the recovery fail."
    type: str
  auto_assign_public_ip:
    description:
      - "Instance: V(default) (as the subnet defines), V(enable) or V(disable)."
    type: str
    choices: [default, enable, disable]
  security_groups:
    description:
      - "Instance: security group ids; default the backed-up instance's."
    type: list
    elements: str
  additional_nics:
    description:
      - "Instance: ids of additional network interfaces (those CPM offers for the instance, C(GET
        .../aws_additional_nics/))."
    type: list
    elements: str
  key_pair:
    description:
      - "Instance: the key pair; default the original key."
    type: str
  instance_profile_arn:
    description:
      - "Instance: the ARN of the instance profile (IAM role); default the backed-up instance's."
    type: str
  kernel_id:
    description:
      - "Instance: the kernel id."
    type: str
  ram_disk_id:
    description:
      - "Instance: the RAM disk id."
    type: str
  tenancy:
    description:
      - "Instance: V(default) (shared), V(dedicated) or V(host)."
    type: str
    choices: [default, dedicated, host]
  shutdown_behaviour:
    description:
      - "Instance: V(stop) or V(terminate) on shutdown; default the original behaviour."
    type: str
    choices: [stop, terminate]
  disable_api_termination:
    description:
      - "Instance: protect it from termination through the API; default as the backed-up instance."
    type: bool
  ebs_optimized:
    description:
      - "Instance: launch it EBS-optimized; default as the backed-up instance."
    type: bool
  monitored:
    description:
      - "Instance: detailed monitoring; default as the backed-up instance."
    type: bool
  ena_support:
    description:
      - "Instance: ENA (enhanced networking) support."
    type: bool
  user_data:
    description:
      - "Instance: user data for the launch, plain text (sets CPM's C(enable_user_data))."
    type: str
  ephemeral_devices:
    description:
      - "Instance: instance-store (ephemeral) drives to add; how many depends on the instance type."
    type: list
    elements: dict
    suboptions:
      device:
        description:
          - "Device name, such as V(/dev/sdb)."
        type: str
      ephemeral:
        description:
          - "The instance-store volume, such as V(ephemeral0) (CPM's C(epehemeral))."
        type: str
  instance_volumes:
    description:
      - "Instance: settings of the volumes to recover, by the AWS id of the backed-up volume; the root volume is
        recovered even when not listed."
    type: list
    elements: dict
    suboptions:
      volume_id:
        description:
          - "AWS id of the backed-up volume. Required."
        type: str
      device:
        description:
          - "Device name of the new volume."
        type: str
      capacity:
        description:
          - "Size in GiB."
        type: int
      iops:
        description:
          - "Provisioned IOPS."
        type: int
      volume_type:
        description:
          - "V(standard), V(io1), V(gp2), V(st1) or V(sc1)."
        type: str
        choices: [standard, io1, gp2, st1, sc1]
      delete_on_termination:
        description:
          - "Delete the volume when the instance is terminated."
        type: bool
      preserve_tags:
        description:
          - "Copy the volume's tags (CPM's default is V(true))."
        type: bool
  use_default_volume_encryption_keys:
    description:
      - "Instance from S3: encrypt the volumes with the default keys of the target region."
    type: bool
  retrieve_options:
    description:
      - "Instance or volume from S3: how to retrieve copies that were archived to Glacier (required by CPM when they
        were)."
    type: dict
    suboptions:
      retrieval_tier:
        description:
          - "V(expedited), V(standard) or V(bulk) (letters V(E), V(S), V(B) accepted). Required."
        type: str
        choices: [expedited, standard, bulk, E, S, B]
      days_to_keep:
        description:
          - "Days to keep the retrieved copies in S3."
        type: int
  worker_configuration:
    description:
      - "Instance or volume from S3: the worker CPM launches to copy the data back (needed for another availability
        zone than CPM's own); when not given, CPM builds one."
    type: dict
    suboptions:
      aws_vpc:
        description:
          - "VPC id of the worker. Required."
        type: str
      aws_subnet:
        description:
          - "Subnet id of the worker. Required."
        type: str
      aws_security_group:
        description:
          - "Security group id of the worker. Required."
        type: str
      aws_key_pair:
        description:
          - "Key pair of the worker."
        type: str
      requires_http_proxy:
        description:
          - "The worker reaches S3 through an HTTP proxy."
        type: bool
      http_proxy_address:
        description:
          - "The proxy address (required with O(worker_configuration.requires_http_proxy))."
        type: str
      http_proxy_port:
        description:
          - "The proxy port."
        type: int
      http_proxy_user_name:
        description:
          - "The proxy user."
        type: str
      http_proxy_password:
        description:
          - "The proxy password (CPM's C(http_proxy_password_encrypted); never shown)."
        type: str
notes:
  - Recover options are the fields of CPM's recover request bodies, with readable values where CPM uses letters. An
    option is accepted only for the kinds (and sources) whose body has it; CPM itself would ignore it.
  - Recovering needs API 1.1.0 (RDS, Aurora, Redshift, DynamoDB), 1.2.0 (volumes), 1.3.0 (instances, EFS, from S3,
    the abort) or 1.5.0 (EFS from a DR copy); a delegate needs C(allow_recovery) (the abort C(allow_backup_changes)).
seealso:
  - module: backupdr.cloud.cpm_recovery_info
  - module: backupdr.cloud.cpm_backup
  - module: backupdr.cloud.cpm_recovery_scenario
"""

EXAMPLES = r"""
- name: A policy protecting a volume and an RDS database
  backupdr.cloud.cpm_policy:
    name: data
    account: main

- name: Its targets
  backupdr.cloud.cpm_policy_targets:
    policy: data
    targets:
      - {kind: volume, region: us-east-1, id: vol-ac572e225cd6e9379}
      - {kind: rds_database, region: us-east-1, id: main-mysql-1}

- name: A backup
  backupdr.cloud.cpm_backup:
    policy: data

- name: Recover the volume from the latest backup of policy data, into another zone
  backupdr.cloud.cpm_recovery:
    kind: volume
    policy: data
    resource: vol-ac572e225cd6e9379
    zone: us-east-1b
  register: volume_recovery

- name: The new volume
  ansible.builtin.debug:
    msg: "{{ volume_recovery.recovery.recovered_resources }}"

- name: Recover the database under a new name from a chosen backup (a re-run finds this recovery and changes nothing)
  backupdr.cloud.cpm_recovery:
    kind: rds_database
    backup: "{{ volume_recovery.backup.id }}"
    resource: main-mysql-1
    name: main-mysql-1-restored
    db_instance_class: db.m5.large
    multi_az: false
    publicly_accessible: false
    wait_timeout: 7200
"""

RETURN = r"""
recovery:
  description:
    - The recovery record (C(GET /api/recoveries/{id}/)) when the module ended, with C(status) readable (V(in_progress),
      V(successful), V(partially_successful), V(failed); the letter in C(status_code), the seed's words in
      C(status_text)), C(recovery_type) readable (letter in C(recovery_type_code)), C(s3_recover_status) and
      C(glacier_retrieve_status) readable with C(progress_percent) as an integer, and C(recovered_resources), the
      C(recovered_resource_ids) as a list of C({id, original}).
    - Empty in check mode when a recovery would start.
  returned: always
  type: dict
  sample:
    id: 7
    backup_record: 41
    policy: 2
    status: successful
    status_code: R
    status_text: Recovery Successful
    recovery_type: volume
    recovery_type_code: V
    recovery_time: "2026-11-30T08:02:11.000000Z"
    recovered_resource_ids: "vol-0f1e2d3c4b5a69788 (original: vol-ac572e225cd6e9379)"
    recovered_resources: [{id: vol-0f1e2d3c4b5a69788, original: vol-ac572e225cd6e9379}]
    s3_recover_status: {status: not_started, status_code: Z, progress_percent: 0}
log:
  description: The recovery's log lines (C(log), C(log_time), C(log_type)), with O(logs=true).
  returned: always
  type: list
  elements: dict
  sample: [{log: "Recovery of volume vol-ac572e225cd6e9379 from backup 41 started.", log_time: "2026-11-30T08:02:11.000000Z", log_type: Info}]
backup:
  description: The backup recovered from (C(id), C(policy), C(start_time), C(status), C(is_freezer_item)).
  returned: with O(state=present)
  type: dict
  sample: {id: 41, policy: 2, start_time: "2026-11-30T07:40:01.000000Z", status: B, is_freezer_item: false}
snapshot:
  description: The snapshot record recovered from, as CPM lists it, with its C(family) (such as V(volumes), V(dr_volumes)).
  returned: with O(state=present)
  type: dict
  sample: {id: 301, family: volumes, backed_up_resource_id: vol-ac572e225cd6e9379, region: us-east-1, succeeded: true}
request:
  description: The body of the recover request (sent, or that would be sent in check mode), secrets masked.
  returned: with O(state=present)
  type: dict
  sample: {zone: us-east-1b}
identified_by:
  description:
    - When an existing recovery was returned instead of starting one, how it was recognised; V(null) otherwise.
  returned: always
  type: str
  sample: "its backup, recovery type and recovered_resource_ids (original: vol-ac572e225cd6e9379)"
operation:
  description:
    - How the recovery (or the abort) went; C(operation_id) (the recovery id), C(state) (V(success), V(partial),
      V(failed), V(running), V(unknown), V(would_start) in check mode), C(status), C(attached) (an existing recovery
      was returned or followed), C(adopted) (the answer to the start was lost and the new record found), C(waited),
      C(elapsed) (seconds).
  returned: always
  type: dict
  sample: {operation_id: 7, state: success, status: successful, attached: false, adopted: false, waited: true, elapsed: 2.3}
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import RECOVERY_TYPE
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.recoveries import (
    DR, KINDS, NATIVE, S3, AbortJob, Identity, Recoveries, RecoveryJob, Selection, aborting, body_of,
    check_combinations, is_from_s3, masked_body, option_argument_spec, recover_options, recovery_view, resolve_body,
    snapshot_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs, check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import parse_datetime
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import TERMINAL, JobFailed, JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

SELECTION = ('kind', 'source', 'resource', 'region', 'dr_region', 'backup', 'policy', 'before', 'partial_backups',
             'snapshot_id')


def argument_spec():
    spec = cpm_argument_spec(
        state=dict(type='str', choices=['present', 'aborted', 'absent'], default='present'),
        id=dict(type='int'),
        kind=dict(type='str', choices=RECOVERY_TYPE.choices()),
        source=dict(type='str', choices=['native', 'dr', 's3'], default='native'),
        resource=dict(type='str'),
        region=dict(type='str'),
        dr_region=dict(type='str'),
        backup=dict(type='int'),
        policy=dict(type='str'),
        before=dict(type='str'),
        partial_backups=dict(type='bool', default=False),
        snapshot_id=dict(type='int'),
        recover_again=dict(type='bool', default=False),
        fail_on_partial=dict(type='bool', default=True),
        logs=dict(type='bool', default=True),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=3600),
    )
    spec.update(option_argument_spec())
    return spec


def checked_input(params):
    """Every option checked before any request: ``(kind, source, options, body, before)``."""
    kind = RECOVERY_TYPE.readable(RECOVERY_TYPE.to_api(params['kind'], 'kind'))
    source = params['source']
    if source not in KINDS[kind].sources():
        raise ValidationError('source', 'CPM recovers %s from %s only (source=%s is not offered)' % (
            KINDS[kind].label, ' or '.join(KINDS[kind].sources()), source))
    if params.get('backup') is None and not params.get('policy'):
        raise ValidationError('backup', 'one of backup or policy is required to choose the snapshot')
    if params.get('backup') is not None and params.get('policy'):
        raise ValidationError('policy', 'give backup or policy, not both')
    if not params.get('resource') and params.get('snapshot_id') is None:
        raise ValidationError('resource', 'is required (the backed-up resource), unless snapshot_id is given')
    if params.get('snapshot_id') is not None and params.get('backup') is None:
        raise ValidationError('snapshot_id', 'needs backup (a snapshot record id belongs to one backup)')
    if params.get('before') and not params.get('policy'):
        raise ValidationError('before', 'chooses among the backups of policy; give policy')
    before = None
    if params.get('before'):
        try:
            before = parse_datetime(params['before'])
        except ValueError as exc:
            raise ValidationError('before', str(exc))
    for option in ('region', 'dr_region'):
        if params.get(option):
            check_aws_region(params[option], option)
    if params.get('dr_region') and source != DR:
        raise ValidationError('dr_region', 'chooses a DR copy; it needs source=dr')
    given = dict((opt, params.get(opt)) for opt in option_argument_spec() if params.get(opt) is not None)
    options = recover_options(given, kind, source)
    check_combinations(options, kind, source)
    return kind, source, options, body_of(options, kind, source), before


def run(module):
    if module.params['state'] == 'aborted':
        return abort(module)
    if module.params['state'] == 'absent':
        return absent(module)
    params = module.params
    if not params.get('kind'):
        raise ValidationError('kind', 'is required to recover (state=present)')
    kind, source, options, body, before = checked_input(params)
    client = CPMClient(params, warn=module.warn)
    client.require(KINDS[kind].feature(source), 'source' if source != NATIVE else 'kind')
    client.require('recoveries', 'kind')
    selection = Selection(client, module, kind, source, params.get('resource'), region=params.get('region'),
                          backup=params.get('backup'), policy=params.get('policy'), before=before,
                          dr_region=params.get('dr_region'), snapshot_id=params.get('snapshot_id'),
                          partial_backups=params['partial_backups'])
    backup, record = selection.choose()
    if backup is None:  # check mode, the policy does not exist yet (warned)
        client.finish(module)
        module.exit_json(changed=True, recovery={}, log=[], backup={}, snapshot={}, request=masked_body(body),
                         identified_by=None, operation=dict(operation_id=None, state='would_start', status=None,
                                                            attached=False, adopted=False, waited=False, elapsed=0.0))
    check_instance(client, kind, backup, record, options)
    if source == S3:
        check_archived(client, backup, record, options)
    refs = Refs(client, module)
    body = resolve_body(body, kind, client, refs)
    target_account = None
    if options.get('to_account') is not None:
        target_account = as_id(body.get('to_account'))
    else:
        target_account = as_id(record.get('snapshot_account_id') or backup.get('account'))
    target_region = options.get('to_region') or record.get('region')
    identity = Identity(backup, record, kind, source, body, target_account, target_region)
    job = RecoveryJob(client, module, identity, backup, record, body, recover_again=params['recover_again'],
                      wait_timeout=params['wait_timeout'])
    runner = JobRunner(module, client, wait=params['wait'], wait_timeout=params['wait_timeout'])
    family = KINDS[kind].calls[source][0]
    base = dict(backup=backup_brief(backup), snapshot=snapshot_view(record, family), request=masked_body(body))
    try:
        result = runner.run(job, fail_on_partial=params['fail_on_partial'])
    except JobFailed as exc:
        observation = exc.result.observation
        client.finish(module)
        module.fail_json(msg=str(exc), changed=exc.result.changed, recovery=recovery_view(observation),
                         log=logs_of(client, observation, params['logs'] and exc.result.state in TERMINAL),
                         identified_by=job.matched_by if exc.result.attached else None,
                         operation=exc.result.as_dict(), **base)
    record_after = result.observation if isinstance(result.observation, dict) else None
    diff = None
    if result.state == 'would_start' and module._diff:
        diff = dict(before={}, after=dict(recovery=dict(kind=kind, source=source, backup=as_id(backup['id']),
                                                        snapshot_record=as_id(record['id']),
                                                        resource=record.get('backed_up_resource_id'),
                                                        request=masked_body(body))))
    client.finish(module)
    out = dict(changed=result.changed, recovery=recovery_view(record_after),
               log=logs_of(client, record_after, params['logs'] and result.state in TERMINAL + ('running',)
                           and record_after is not None),
               identified_by=job.matched_by if result.attached else None, operation=result.as_dict(), **base)
    if diff:
        out['diff'] = diff
    module.exit_json(**out)


def check_instance(client, kind, backup, record, options):
    """What CPM would refuse (400) for an instance, said before any write."""
    if kind != 'instance':
        return
    if record.get('platform') == 'windows' and options.get('restore_from') == 'S':
        raise ValidationError('restore_from', 'instance %s runs Windows: CPM recovers Windows instances from an image '
                              'only (restore_from=image)' % record.get('backed_up_resource_id'))
    wanted = [item['volume_id'] for item in options.get('instance_volumes') or ()]
    if wanted:
        have = set(v.get('backed_up_resource_id') for v in client.list(
            'backups/%d/snapshots/volumes/' % as_id(backup['id']), feature='snapshots_volumes')
            if v.get('instance_id') == record.get('backed_up_resource_id'))
        for index, volume in enumerate(wanted):
            if volume not in have:
                raise ValidationError('instance_volumes[%d].volume_id' % index, '%s is not a volume of instance %s in '
                                      'backup %s (its volumes: %s)' % (volume, record.get('backed_up_resource_id'),
                                                                       backup.get('id'), ', '.join(sorted(have))))
    nics = options.get('additional_nics')
    if nics and client.has('snapshots_instances'):
        offered = set(n.get('id') for n in client.list(
            'backups/%d/snapshots/instances/%d/aws_additional_nics/' % (as_id(backup['id']), as_id(record['id'])),
            feature='snapshots_instances'))
        unknown = [nic for nic in nics if nic not in offered]
        if unknown:
            raise ValidationError('additional_nics', '%s %s not offered for instance %s (offered: %s)' % (
                ', '.join(unknown), 'is' if len(unknown) == 1 else 'are', record.get('backed_up_resource_id'),
                ', '.join(sorted(offered)) or 'none'))


def check_archived(client, backup, record, options):
    """Copies archived to Glacier (tier A) need retrieve_options (CPM answers 400 otherwise)."""
    if options.get('retrieve_options'):
        return
    source = record.get('backed_up_resource_id')
    key = 'instance_id' if record.get('aws_image_id') is not None or 'aws_instance_type' in record else \
        'backed_up_resource_id'
    archived = [c for c in client.list('backups/%d/snapshots/copy_to_s3/' % as_id(backup['id']),
                                       feature='snapshots_copy_to_s3')
                if c.get(key) == source and c.get('tier') == 'A' and c.get('deletion_time') in (None, '')]
    if archived:
        raise ValidationError('retrieve_options', 'the copies in S3 of %s in backup %s were archived to Glacier: give '
                              'retrieve_options.retrieval_tier (expedited, standard or bulk) to retrieve them first'
                              % (source, backup.get('id')))


def backup_brief(backup):
    keys = ('id', 'policy', 'account', 'name', 'start_time', 'end_time', 'status', 'is_freezer_item')
    return dict((k, backup.get(k)) for k in keys if k in backup)


def logs_of(client, record, wanted):
    if not wanted or not record or record.get('id') is None:
        return []
    return Recoveries(client).logs(record['id'])


def only_id(params):
    state = params['state']
    if params.get('id') is None:
        raise ValidationError('id', 'is required with state=%s (the recovery record)' % state)
    for option in SELECTION + tuple(option_argument_spec()):
        if option not in ('source', 'partial_backups') and params.get(option) not in (None, False):
            raise ValidationError(option, 'does not apply to state=%s (only id)' % state)


def absent(module):
    """Delete a recovery record (its history; the recovered resources stay)."""
    params = module.params
    only_id(params)
    client = CPMClient(params, warn=module.warn)
    client.require('recoveries', 'state')
    record = Recoveries(client).get(params['id'])
    if record is None:
        client.finish(module)
        module.exit_json(changed=False, recovery={}, log=[], identified_by=None, operation=dict(
            operation_id=params['id'], state='success', status='absent', attached=False, adopted=False, waited=False,
            elapsed=0.0))
    if record.get('status') == 'P':
        raise ValidationError('state', 'recovery %s is still running; CPM deletes only a recovery that has ended (wait '
                              'for it, or abort a recovery from S3 with state=aborted)' % params['id'])
    if not module.check_mode:
        client.delete('recoveries/%d/' % params['id'], feature='recoveries', perm='recovery')
    client.finish(module)
    out = dict(changed=True, recovery={}, log=[], identified_by=None, operation=dict(
        operation_id=params['id'], state='success', status='deleted', attached=False, adopted=False, waited=False,
        elapsed=0.0))
    if module._diff:
        out['diff'] = dict(before=recovery_view(record), after={})
    module.exit_json(**out)


def abort(module):
    params = module.params
    only_id(params)
    client = CPMClient(params, warn=module.warn)
    client.require('recovery_abort_s3', 'state')
    recoveries = Recoveries(client)
    record = recoveries.get(params['id'])
    if record is None:
        raise ValidationError('id', 'no recovery record has the id %s' % params['id'])
    job = AbortJob(client, record)
    if record.get('status') != 'P':
        client.finish(module)
        module.exit_json(changed=False, recovery=recovery_view(record), log=logs_of(client, record, params['logs']),
                         identified_by=None, operation=dict(operation_id=as_id(record['id']), state='success',
                                                            status='not_running', attached=False, adopted=False,
                                                            waited=False, elapsed=0.0))
    from_s3 = is_from_s3(record)
    if not from_s3:
        raise ValidationError('id', 'recovery %s is %s: CPM aborts recoveries from S3 only' % (
            params['id'], 'not a recovery from S3' if from_s3 is False else
            'not a recovery from S3 (or its S3 phase has not started)'))
    runner = JobRunner(module, client, wait=params['wait'], wait_timeout=params['wait_timeout'])
    if aborting(record):
        state, status, observation = (runner.follow(job, {'id': as_id(record['id'])}) if params['wait']
                                      else ('running', 'aborting', record))
        client.finish(module)
        module.exit_json(changed=False, recovery=recovery_view(observation), identified_by=None,
                         log=logs_of(client, observation, params['logs']),
                         operation=dict(operation_id=as_id(record['id']), state=state, status=status, attached=True,
                                        adopted=False, waited=params['wait'], elapsed=round(runner.elapsed(), 3)))
    result = runner.run(job)
    observation = result.observation if isinstance(result.observation, dict) else record
    client.finish(module)
    module.exit_json(changed=result.changed, recovery=recovery_view(observation) if result.state != 'would_start'
                     else recovery_view(record), identified_by=None,
                     log=logs_of(client, observation, params['logs'] and result.state != 'would_start'),
                     operation=result.as_dict())


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
