# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Backup records (Ch.7, without the recover calls): backup now and its progress over time, snapshot records per
family, DR and copy-to-S3 phases, logs, script logs, freezer, snapshot deletion."""

import hashlib

from ..core import AdminError, Response
from .api import (ApiError, F, Family, Route, apply_list, csv_response, exact, invalid, iso, not_found, page_response,
                  parse_datetime, precondition, validate)
from .directory import REGION_BY_ID

FINAL = ('B', 'A', 'S', 'F')
STATUS_TEXT = {'I': 'Initializing', 'P': 'In Progress', 'B': 'Backup Successful', 'A': 'Backup Partially Successful',
               'S': 'Not All Snapshots Succeeded', 'D': 'All Snapshots Deleted', 'F': 'Backup Failed',
               'M': 'Moved to S3 Storage', 'G': 'Moved to S3 Glacier'}
NATIVE = ('volumes', 'rds_databases', 'rds_clusters', 'redshift_clusters', 'dynamodb_tables', 'efs', 'initial_amis',
          'only_amis', 'instances')
DR_TWIN = {'volumes': 'dr_volumes', 'rds_databases': 'dr_rds_databases', 'rds_clusters': 'dr_rds_clusters',
           'efs': 'dr_efs', 'initial_amis': 'dr_initial_amis', 'only_amis': 'only_dr_amis'}
SNAPSHOT_TYPE = {'volumes': 'ebs', 'dr_volumes': 'ebs_copy', 'rds_databases': 'rds', 'dr_rds_databases': 'rds_copy',
                 'rds_clusters': 'rds', 'dr_rds_clusters': 'rds_copy', 'redshift_clusters': 'redshift',
                 'dynamodb_tables': 'dynamodb', 'efs': 'efs', 'dr_efs': 'efs_copy', 'copy_to_s3': 's3',
                 'initial_amis': 'ami', 'dr_initial_amis': 'ami_copy', 'only_amis': 'ami', 'only_dr_amis': 'ami_copy',
                 'instances': 'instance'}
CORE = ('account_id', 'account_name', 'aws_account_number', 'backed_up_resource_id', 'backed_up_resource_name',
        'backup_id', 'deletion_time', 'end_time', 'id', 'instance_id', 'instance_name', 'policy_name', 'region',
        'snapshot_account_id', 'snapshot_account_name', 'snapshot_aws_account_number', 'snapshot_id', 'snapshot_type',
        'start_time', 'status', 'succeeded', 'username')
VOLUME_EXTRA = ('capacity', 'device', 'encrypted', 'iops', 'type', 'zone')
RDS_EXTRA = ('db_instance_class', 'iops', 'multi_az', 'port', 'publicly_accessible', 'storage_type', 'subnet_group_name',
             'zone')
CLUSTER_EXTRA = ('cluster_id', 'db_instance_class', 'port', 'publicly_accessible', 'subnet_group_name', 'zone')
EFS_EXTRA = ('backup_iam_role_arn', 'backup_vault_name', 'expire_time', 'move_to_cold_storage_time',
             'original_kms_key_id', 'performance_mode')
AMI_FIELDS = ('account_name', 'aws_image_id', 'backed_up_resource_id', 'deletion_time', 'end_time', 'id', 'region',
              'snapshot_type', 'succeeded')
INSTANCE_FIELDS = ('account_id', 'aws_architecture', 'aws_disable_api_termination', 'aws_image_id', 'aws_instance_type',
                   'aws_ip_address', 'aws_kernel_id', 'aws_key_name', 'aws_monitored', 'aws_ram_disk_id',
                   'aws_root_device', 'aws_security_groups', 'aws_shutdown_behaviour', 'aws_subnet_id', 'aws_user_data',
                   'aws_virtualization_type', 'backed_up_resource_id', 'backed_up_resource_name', 'ebs_optimized',
                   'ena_support', 'id', 'instance_profile_arn', 'is_root_device_ebs', 'platform', 'region', 'tenancy')
COPY_EXTRA = ('archive_status', 'capacity', 'device', 'encrypted', 'encryption_key_alias', 'iops', 'repository_id',
              'retrieve_expiration', 'retrieve_status', 'tier', 'type', 'zone')
COPY_FIELDS = tuple(sorted((set(CORE) - {'snapshot_id'}) | set(COPY_EXTRA)))
# family -> (fields, snapshot_account_id as str?, list filters kind, Initial Release, seed lines list/get/delete)
FAMILIES = {
    'copy_to_s3': (COPY_FIELDS, True, 'full', '1.1.0', (5562, 5868, None)),
    'dr_efs': (tuple(sorted(CORE + EFS_EXTRA + ('original_snapshot_id',))), True, 'full_user', '1.5.0',
               (6122, 6408, 6625)),
    'dr_initial_amis': (tuple(sorted(AMI_FIELDS + ('account_id', 'original_aws_image_id'))), False, 'resource', '1.1.0',
                        (7038, 7162, 7273)),
    'dr_rds_clusters': (tuple(sorted(CORE + CLUSTER_EXTRA + ('dr_account', 'original_snapshot_id'))), False, 'full',
                        '1.1.0', (7320, 7615, 7846)),
    'dr_rds_databases': (tuple(sorted(CORE + RDS_EXTRA + ('dr_account', 'original_snapshot_id'))), False, 'full',
                         '1.1.0', (8253, 8560, 8801)),
    'dr_volumes': (tuple(sorted(CORE + VOLUME_EXTRA + ('dr_account', 'original_snap'))), False, 'full', '1.1.0',
                   (9232, 9516, 9738)),
    'dynamodb_tables': (CORE, True, 'full_user', '1.1.0', (10162, 10414, 10596)),
    'efs': (tuple(sorted(CORE + EFS_EXTRA)), True, 'full_user', '1.3.0', (10963, 11259, 11480)),
    'initial_amis': (AMI_FIELDS, False, 'resource', '1.1.0', (11887, 12001, 12103)),
    'instances': (INSTANCE_FIELDS, False, 'resource', '1.2.0', (12150, 12380, None)),
    'only_amis': (tuple(sorted(AMI_FIELDS + ('account_id',))), False, 'resource', '1.1.0', (14696, 14813, 14919)),
    'only_dr_amis': (tuple(sorted(AMI_FIELDS + ('account_id', 'original_aws_image_id'))), False, 'resource', '1.1.0',
                     (14966, 15089, 15200)),
    'rds_clusters': (tuple(sorted(CORE + CLUSTER_EXTRA)), True, 'full_user', '1.1.0', (15247, 15534, 15752)),
    'rds_databases': (tuple(sorted(CORE + RDS_EXTRA)), False, 'full_user', '1.1.0', (16159, 16461, 16695)),
    'redshift_clusters': (tuple(sorted(CORE + ('aws_node_type', 'aws_nodes', 'cluster_id', 'port', 'publicly_accessible',
                                               'subnet_group_name', 'zone'))), True, 'full_user', '1.1.0',
                          (17126, 17413, 17630)),
    'volumes': (tuple(sorted(CORE + VOLUME_EXTRA + ('cbt_changed_size_mb', 'cbt_valid_size_mb'))), False, 'full_user',
                '1.1.0', (18026, 18316, 18543)),
}
BACKUP_FIELDS = ('account', 'description', 'dr_account_regions', 'dr_regions', 'dr_status', 'end_time',
                 'glacier_archive_status', 'id', 'is_freezer_item', 'is_recoverable', 'is_retry', 'marked_for_deletion',
                 'move_to_freezer_enabled', 'name', 'performed_quiecse', 'policy', 'retry_scheduled', 's3_copy_status',
                 'start_time', 'status', 'user')
FREEZER_DROPS = ('glacier_archive_status', 'is_freezer_item', 'is_recoverable', 'move_to_freezer_enabled',
                 's3_copy_status')
FREEZER_SPEC = {'name': F('str', required=True, blank=False, name_rule=True),
                'description': F('str', required=True, text=True)}
SEARCH_BY = {'search_by_instance': 'instances', 'search_by_volume': 'volumes', 'search_by_rds': 'rds_databases',
             'search_by_aurora': 'rds_clusters', 'search_by_redshift': 'redshift_clusters',
             'search_by_dynamo_db': 'dynamodb_tables', 'search_by_efs': 'efs', 'search_by_s3_sync': 's3syncs'}


def aws_id(prefix, *parts):
    """A deterministic AWS id."""
    return prefix + hashlib.sha1(':'.join(str(p) for p in parts).encode('utf-8')).hexdigest()[:17]


class BackupsFamily(Family):
    """``/api/backups/`` and below."""

    name = 'backups'

    def reset(self):
        self.backups = {}
        self.by_tracker = {}
        self.snapshots = {}
        self.running = {}
        self.seq = 0
        self.tracker_seq = 1000
        self.snapshot_seq = 0
        self.fail_next = {}
        self.initial_ami_done = set()

    # -- routes ------------------------------------------------------------------
    def routes(self):
        routes = [
            Route('GET', 'backups/', self.list, '1.1.0', None, 4802),
            Route('GET', 'backups/{id}/', self.get, '1.1.0', None, 19659),
            Route('PUT', 'backups/{id}/', self.update, '1.1.0', 'backup', 19920),
            Route('DELETE', 'backups/{id}/', self.delete, '1.1.0', 'backup', 20219),
            Route('GET', 'backups/{id}/logs/', self.logs, '1.1.0', None, 20261, csv='both'),
            Route('POST', 'backups/{backup_id}/to_freezer/', self.to_freezer, '1.0.0', 'backup', 19472),
            Route('POST', 'backups/{backup_id}/copy_to_s3/abort/', self.copy_abort, '1.3.0', 'backup', 5250),
            Route('GET', 'backups/{backup_id}/script_logs/', self.script_logs, '1.4.0', None, 5289),
            Route('GET', 'backups/{backup_id}/script_logs/{id}/', self.script_log, '1.4.0', None, 5362),
            Route('GET', 'backups/{backup_id}/snapshots/', self.snapshots_all, '1.1.0', None, 5426),
            Route('DELETE', 'backups/{backup_id}/snapshots/', self.snapshots_wipe, '1.0.0', 'backup', 5521),
        ]
        for family, (_fields, _as_str, _filters, since, (lst, get, delete)) in sorted(FAMILIES.items()):
            base = 'backups/{backup_id}/snapshots/%s/' % family
            routes.append(Route('GET', base, self._bind(self.snapshot_list, family), since, None, lst))
            routes.append(Route('GET', base + '{id}/', self._bind(self.snapshot_get, family), since, None, get))
            if delete:
                routes.append(Route('DELETE', base + '{id}/', self._bind(self.snapshot_delete, family), since, 'backup',
                                    delete))
        return routes

    @staticmethod
    def _bind(method, family):
        def handler(call):
            return method(call, family)
        handler.__doc__ = method.__doc__
        return handler

    # -- starting ------------------------------------------------------------------
    def start(self, policy, now):
        """Backup now (D18): 412 for a disabled policy, one without targets, or one already running; else a record."""
        if not policy['enabled']:
            raise precondition('The policy is disabled.')
        targets = self.svc.targets.of_policy(policy['id'])
        if not targets:
            raise precondition('The policy has no targets.')
        if not self.svc.config['concurrent_backups'] and any(
                b['policy'] == policy['id'] and b['status'] in ('I', 'P') for b in self.running.values()):
            raise precondition('A backup of this policy is already in progress.')
        plan = self.fail_next.pop(policy['id'], None) or self.fail_next.pop(None, None) or {}
        backup = self._new(policy, targets, now + float(self.svc.config['backup_start_delay']), plan)
        self.running[backup['id']] = backup
        return backup['tracker_id']

    def _new(self, policy, targets, begin, plan):
        self.seq += 1
        self.tracker_seq += 1
        dr = policy['dr']
        cross = dr['cross_account_dr']
        dr_on = dr['dr_enabled'] and bool(dr['dr_regions'] or (cross['dr_account'] and cross['dr_account_regions']))
        copy = policy['copy_to_s3']
        options = policy['options']
        inventory = self.svc.inventory
        described = []
        for target in targets:
            res = target['res']
            values = [res['aws_id'], res.get('name')] + [str(v) for v in res.get('tags', {}).values()]
            if target['kind'] == 'instances':
                for volume in self.svc.targets.backed_up_volumes(target):
                    described.append(('volumes', [volume['aws_id'], volume.get('name')]))
            described.append((target['kind'], [v for v in values if v]))
        backup = {
            'id': self.seq, 'tracker_id': self.tracker_seq, 'policy': policy['id'], 'policy_name': policy['name'],
            'account': policy['account'], 'user': policy['user'], 'name': policy['name'],
            'description': policy['description'], 'begin': begin, 'start_time': begin, 'end_time': None,
            'status': 'I', 'outcome': plan.get('status', 'B'),
            'dr_on': dr_on, 'dr_status': 'P' if dr_on else 'N', 'dr_outcome': plan.get('dr_status', 'C'),
            'dr_regions': [REGION_BY_ID[r] for r in dr['dr_regions'] if r in REGION_BY_ID],
            'dr_account': cross['dr_account'] if dr_on else None,
            'dr_account_regions': [REGION_BY_ID[r] for r in cross['dr_account_regions'] if r in REGION_BY_ID]
            if dr_on and cross['dr_account'] else [],
            'dr_end': None, 's3_on': bool(copy['enabled'] and copy['repository']), 's3_status': 'Z', 's3_progress': 0,
            's3_outcome': plan.get('s3_copy_status', 'S'), 's3_end': None, 's3_abort_at': None,
            'repository': copy['repository'], 'glacier_status': 'Z',
            'is_freezer_item': False, 'marked_for_deletion': False, 'purge_on_finish': False,
            'performed_quiecse': bool(options['enable_agent_scripts'] or any(
                t['kind'] == 'instances' and t['settings']['application_consistent_backup']['enable_agent_vss']
                for t in targets)),
            'targets': [dict(t, res=dict(t['res']), volumes=list(t['volumes']), settings=dict(t['settings']))
                        for t in targets],
            'described': described, 'logs': [], 'script_logs': [], 'snapshots': [],
            'agent_scripts': options['enable_agent_scripts'],
        }
        del inventory
        self.backups[backup['id']] = backup
        self.by_tracker[backup['tracker_id']] = backup
        self._log(backup, begin, 'Info', 'Backup of policy %s started (tracker %d).' % (
            policy['name'], backup['tracker_id']))
        return backup

    # -- progress over time (D18) ---------------------------------------------------------
    def advance(self, now):
        if not self.running:
            return
        config = self.svc.config
        duration = float(config['backup_seconds'])
        for backup in list(self.running.values()):
            begin = backup['begin']
            if backup['status'] == 'I' and now >= begin + 0.1 * duration:
                backup['status'] = 'P'
                if backup['agent_scripts']:
                    self._script(backup, 'Before script output', 'Running pre-backup script of policy %s: exit 0.'
                                 % backup['policy_name'])
                self._log(backup, min(now, begin + 0.1 * duration), 'Info', 'Creating snapshots.')
            if backup['status'] in ('I', 'P') and now >= begin + duration:
                self._finish(backup, begin + duration)
            if backup['status'] in ('I', 'P'):
                continue
            ended = backup['end_time']
            if backup['dr_on'] and backup['dr_status'] in ('P', 'I'):
                if backup['status'] == 'F':
                    backup['dr_status'] = 'S'
                elif now >= ended:
                    backup['dr_status'] = 'I'
                    if now >= ended + float(config['dr_seconds']):
                        self._finish_dr(backup, ended + float(config['dr_seconds']))
            if backup['s3_on'] and backup['s3_status'] in ('Z', 'I', 'P', 'G'):
                self._advance_s3(backup, now, float(config['s3_copy_seconds']))
            dr_done = not backup['dr_on'] or backup['dr_status'] in ('C', 'F', 'S')
            s3_done = not backup['s3_on'] or backup['s3_status'] not in ('Z', 'I', 'P', 'G')
            if dr_done and s3_done:
                del self.running[backup['id']]

    def _advance_s3(self, backup, now, seconds):
        ended = backup['end_time']
        if backup['status'] == 'F':
            backup['s3_status'] = 'K'
            return
        if backup['s3_status'] == 'G':
            if now >= backup['s3_abort_at'] + 0.25 * seconds:
                backup['s3_status'] = 'A'
                self._log(backup, now, 'Warning', 'Copy to S3 aborted.')
            return
        if now < ended:
            return
        if backup['s3_status'] == 'Z':
            backup['s3_status'] = 'I'
            self._log(backup, ended, 'Info', 'Copy to S3 started.')
        if now >= ended + 0.1 * seconds:
            backup['s3_status'] = 'P'
            backup['s3_progress'] = min(99, int(100 * (now - ended) / seconds)) if seconds else 99
        if now >= ended + seconds:
            outcome = backup['s3_outcome']
            backup['s3_status'] = outcome
            backup['s3_progress'] = 100 if outcome in ('S', 'V') else backup['s3_progress']
            backup['s3_end'] = ended + seconds
            if outcome in ('S', 'V', 'R'):
                self._copy_snapshots(backup)
            self._log(backup, ended + seconds, 'Info' if outcome in ('S', 'V') else 'Error',
                      'Copy to S3 finished: %s.' % outcome)

    def _finish(self, backup, ended):
        outcome = backup['outcome']
        backup['status'] = outcome
        backup['end_time'] = ended
        self._make_snapshots(backup, ended)
        if backup['agent_scripts']:
            self._script(backup, 'After script output', 'Running post-backup script of policy %s: exit %d.'
                         % (backup['policy_name'], 1 if outcome == 'A' else 0))
        level = {'B': 'Info', 'A': 'Warning', 'S': 'Warning'}.get(outcome, 'Error')
        self._log(backup, ended, level, 'Backup of policy %s finished: %s.' % (
            backup['policy_name'], STATUS_TEXT[outcome]))
        if backup['purge_on_finish']:
            self._delete_backup_snapshots(backup, ended, 'all')

    def _finish_dr(self, backup, ended):
        outcome = backup['dr_outcome']
        backup['dr_status'] = outcome
        backup['dr_end'] = ended
        if outcome == 'C':
            self._dr_snapshots(backup, ended)
        self._log(backup, ended, 'Info' if outcome == 'C' else 'Error',
                  'DR copy finished: %s.' % ('Completed' if outcome == 'C' else 'Failed'))

    def _log(self, backup, when, level, text):
        backup['logs'].append({'log': text, 'log_time': iso(when), 'log_type': level})

    @staticmethod
    def _script(backup, title, text):
        backup['script_logs'].append({'title': title, 'log': text})

    # -- snapshot records ----------------------------------------------------------------
    def _snap(self, backup, family, ended, succeeded, resource, region, **extra):
        self.snapshot_seq += 1
        account = self.svc.accounts.accounts.get(backup['account'])
        record = {'id': self.snapshot_seq, 'family': family, 'backup': backup['id'], 'account_id': backup['account'],
                  'account_name': account['name'] if account else None,
                  'aws_account_number': account['account_number'] if account else None,
                  'backed_up_resource_id': resource['aws_id'], 'backed_up_resource_name': resource.get('name'),
                  'region': region, 'start_time': backup['start_time'], 'end_time': ended, 'deletion_time': None,
                  'succeeded': succeeded, 'instance_id': None, 'instance_name': None, 'policy_name': backup['policy_name'],
                  'user': backup['user'], 'snapshot_account': backup['account']}
        record.update(extra)
        self.snapshots[record['id']] = record
        backup['snapshots'].append(record['id'])
        return record

    def _make_snapshots(self, backup, ended):
        outcome = backup['outcome']
        first_failed = [outcome == 'S']
        targets = self.svc.targets

        def ok():
            if outcome == 'F':
                return False
            if first_failed[0]:
                first_failed[0] = False
                return False
            return True

        for target in backup['targets']:
            res, kind, region = target['res'], target['kind'], target['region']
            if kind == 'instances':
                self._instance_snapshots(backup, target, ended, ok, targets)
            elif kind == 'volumes':
                self._volume_snap(backup, ended, ok(), res, region, None)
                self._log(backup, ended, 'Info', 'Snapshot of volume %s created.' % res['aws_id'])
            elif kind == 'rds_databases':
                self._snap(backup, kind, ended, ok(), res, region, snapshot_id=aws_id('rds:', res['aws_id'], backup['id']),
                           db_instance_class=res['db_class'], iops=res['iops'], multi_az=res['multi_az'],
                           port=res['port'], publicly_accessible=res['publicly_accessible'],
                           storage_type=res['storage_type'], subnet_group_name=res['subnet_group'], zone=res['zone'])
            elif kind == 'rds_clusters':
                self._snap(backup, kind, ended, ok(), res, region,
                           snapshot_id=aws_id('rds:cluster-', res['aws_id'], backup['id']), cluster_id=res['aws_id'],
                           db_instance_class=res['db_class'], port=res['port'],
                           publicly_accessible=res['publicly_accessible'], subnet_group_name=res['subnet_group'],
                           zone=res['zone'])
            elif kind == 'redshift_clusters':
                self._snap(backup, kind, ended, ok(), res, region,
                           snapshot_id=aws_id('rs:', res['aws_id'], backup['id']), cluster_id=res['aws_id'],
                           aws_node_type=res['node_type'], aws_nodes=res['nodes'], port=res['port'],
                           publicly_accessible=res['publicly_accessible'], subnet_group_name=res['subnet_group'],
                           zone=res['zone'])
            elif kind == 'dynamodb_tables':
                self._snap(backup, kind, ended, ok(), res, region,
                           snapshot_id='%s/backup/%s' % (res['arn'], aws_id('', res['aws_id'], backup['id'])))
            elif kind == 'efs':
                settings = target['settings']
                self._snap(backup, kind, ended, ok(), res, region,
                           snapshot_id='arn:aws:backup:%s:%s:recovery-point:%s' % (
                               region, res.get('aws_id'), aws_id('', res['aws_id'], backup['id'])),
                           backup_iam_role_arn=settings['backup_iam_role_arn'],
                           backup_vault_name=settings['backup_vault_name'], expire_time=None,
                           move_to_cold_storage_time=None, original_kms_key_id=None,
                           performance_mode=res['performance_mode'])
            else:  # s3syncs copy objects; there is no snapshot record for them
                self._log(backup, ended, 'Info', 'S3 sync of bucket %s to %s done.' % (
                    res['aws_id'], target['settings']['destination_bucket_name']))

    def _instance_snapshots(self, backup, target, ended, ok, targets):
        res, region, settings = target['res'], target['region'], target['settings']
        option = settings['ami_backup_option']
        self._snap(backup, 'instances', ended, backup['outcome'] != 'F', res, region,
                   aws_architecture=res['architecture'], aws_disable_api_termination=False,
                   aws_image_id=res['image_id'], aws_instance_type=res['instance_type'],
                   aws_ip_address=res['ip_address'], aws_kernel_id=None, aws_key_name=res['key_name'],
                   aws_monitored=False, aws_ram_disk_id=None,
                   aws_root_device=settings['aws_root_device'] or res['root_device'],
                   aws_security_groups=list(res['security_groups']), aws_shutdown_behaviour='stop',
                   aws_subnet_id=res['subnet_id'], aws_user_data='', aws_virtualization_type=res['virtualization_type'],
                   ebs_optimized=res['ebs_optimized'], ena_support=res['ena_support'], instance_profile_arn=None,
                   is_root_device_ebs=res['root_device_type'] == 'ebs', platform=res['platform'],
                   tenancy=res['tenancy'])
        key = (backup['policy'], res['aws_id'])
        if option == 'O':
            succeeded = ok()
            self._snap(backup, 'only_amis', ended, succeeded, res, region,
                       aws_image_id=aws_id('ami-', res['aws_id'], backup['id']))
            self._log(backup, ended, 'Info' if succeeded else 'Error', 'AMI of instance %s %s.' % (
                res['aws_id'], 'created' if succeeded else 'failed'))
            return
        if option == 'S' and key not in self.initial_ami_done:
            succeeded = ok()
            if succeeded:
                self.initial_ami_done.add(key)
            self._snap(backup, 'initial_amis', ended, succeeded, res, region,
                       aws_image_id=aws_id('ami-', res['aws_id'], 'initial'))
        results = [self._volume_snap(backup, ended, ok(), volume, region, res)['succeeded']
                   for volume in targets.backed_up_volumes(target)]
        failed = results.count(False)
        self._log(backup, ended, 'Error' if failed else 'Info', 'Snapshots of instance %s: %d created, %d failed.' % (
            res['aws_id'], len(results) - failed, failed))

    def _volume_snap(self, backup, ended, succeeded, volume, region, instance):
        return self._snap(backup, 'volumes', ended, succeeded, volume, region,
                          instance_id=instance['aws_id'] if instance else None,
                          instance_name=instance.get('name') if instance else None,
                          snapshot_id=aws_id('snap-', volume['aws_id'], backup['id']), capacity=volume['size'],
                          device=volume.get('device'), encrypted=volume['encrypted'], iops=volume['iops'],
                          type=volume['type'], zone=volume['zone'], cbt_changed_size_mb=0, cbt_valid_size_mb=0)

    def _dr_snapshots(self, backup, ended):
        regions = [(region, None) for region in backup['dr_regions']]
        regions += [(region, backup['dr_account']) for region in backup['dr_account_regions']]
        for record_id in list(backup['snapshots']):
            record = self.snapshots[record_id]
            twin = DR_TWIN.get(record['family'])
            if twin is None or not record['succeeded'] or record['deletion_time'] is not None:
                continue
            for region, dr_account in regions:
                extra = dict((k, v) for k, v in record.items() if k not in ('id', 'family', 'snapshots', 'deletion_time'))
                extra.update(family=twin, region=region, end_time=ended)
                if dr_account:
                    extra['snapshot_account'] = dr_account
                extra['dr_account'] = str(dr_account) if dr_account else None
                if record['family'] in ('initial_amis', 'only_amis'):
                    extra['original_aws_image_id'] = record['aws_image_id']
                    extra['aws_image_id'] = aws_id('ami-', record['aws_image_id'], region)
                elif record['family'] == 'volumes':
                    extra['original_snap'] = record['snapshot_id']
                    extra['snapshot_id'] = aws_id('snap-', record['snapshot_id'], region)
                else:
                    extra['original_snapshot_id'] = record['snapshot_id']
                    extra['snapshot_id'] = '%s-%s' % (record['snapshot_id'], region)
                self.snapshot_seq += 1
                extra['id'] = self.snapshot_seq
                extra['deletion_time'] = None
                self.snapshots[extra['id']] = extra
                backup['snapshots'].append(extra['id'])

    def _copy_snapshots(self, backup):
        for record_id in list(backup['snapshots']):
            record = self.snapshots[record_id]
            if record['family'] != 'volumes' or not record['succeeded'] or record['deletion_time'] is not None:
                continue
            self.snapshot_seq += 1
            copy = dict(record, id=self.snapshot_seq, family='copy_to_s3', end_time=backup['s3_end'], archive_status=None,
                        retrieve_status=None, retrieve_expiration=None, tier='S', encryption_key_alias=None,
                        repository_id=str(backup['repository']) if backup['repository'] is not None else None)
            self.snapshots[copy['id']] = copy
            backup['snapshots'].append(copy['id'])

    # -- deletion ------------------------------------------------------------------
    def _delete_backup_snapshots(self, backup, now, scope):
        for record_id in backup['snapshots']:
            record = self.snapshots[record_id]
            if record['family'] == 'instances' or record['deletion_time'] is not None:
                continue
            if scope == 'native' and record['family'] == 'copy_to_s3':
                continue
            record['deletion_time'] = now
        if backup['status'] not in ('I', 'P'):  # finished (B/A/S/F, or already M/G/D: D41)
            self._settle(backup)
        else:
            backup['purge_on_finish'] = True

    def settle(self, backup):
        """After snapshots were deleted elsewhere (S3 repository deletion): D or M when it is finished (D39)."""
        if backup['status'] not in ('I', 'P'):
            self._settle(backup)

    def _settle(self, backup):
        """A finished backup without snapshots left is D (M when only copies in S3 remain)."""
        left = [self.snapshots[r] for r in backup['snapshots'] if self.snapshots[r]['family'] != 'instances'
                and self.snapshots[r]['deletion_time'] is None]
        if not left:
            backup['status'] = 'D'
        elif all(r['family'] == 'copy_to_s3' for r in left):
            backup['status'] = 'M'

    def delete_snapshots(self, now, account=None, policy=None, scope='all'):
        """Delete the snapshots of every backup of a policy, or every snapshot held in an account (D41)."""
        for backup in self.backups.values():
            if policy is not None and backup['policy'] != policy:
                continue
            if account is None:
                self._delete_backup_snapshots(backup, now, scope)
                continue
            if backup['account'] == account and backup['status'] in ('I', 'P'):
                backup['purge_on_finish'] = True
                continue
            held = [self.snapshots[r] for r in backup['snapshots']
                    if self.snapshots[r].get('snapshot_account', backup['account']) == account]
            for record in held:
                if record['family'] != 'instances' and record['deletion_time'] is None:
                    record['deletion_time'] = now
            if held:
                self.settle(backup)

    def drop_policy(self, policy_id):
        """Forget the backup records (and snapshots) of a deleted policy; freezer items stay (knob, D42)."""
        keep = self.svc.config.get('freezer_survives_policy_delete', True)
        for backup in [b for b in self.backups.values() if b['policy'] == policy_id]:
            if not (keep and backup['is_freezer_item']):
                self._drop(backup)

    def _drop(self, backup):
        for record_id in backup['snapshots']:
            self.snapshots.pop(record_id, None)
        self.backups.pop(backup['id'], None)
        self.by_tracker.pop(backup['tracker_id'], None)
        self.running.pop(backup['id'], None)

    def s3_running(self, policy_id):
        """Is an S3 copy of this policy running?"""
        return any(b['policy'] == policy_id and b['s3_on'] and b['s3_status'] in ('I', 'P', 'G')
                   for b in self.running.values())

    def abort_s3(self, now, policy=None, backup=None):
        """Abort running S3 copies; return how many."""
        aborted = 0
        for candidate in list(self.running.values()):
            if (policy is not None and candidate['policy'] != policy) or (backup is not None and candidate is not backup):
                continue
            if candidate['s3_on'] and candidate['s3_status'] in ('Z', 'I', 'P'):
                candidate['s3_status'] = 'G'
                candidate['s3_abort_at'] = now
                aborted += 1
        return aborted

    # -- rendering -----------------------------------------------------------------
    def render(self, backup, reduced=False):
        """A backup record (``reduced``: the to_freezer answer, without five fields)."""
        finished = backup['status'] in ('B', 'A', 'S', 'M', 'G')
        out = {
            'account': backup['account'], 'description': backup['description'],
            'dr_account_regions': ', '.join(backup['dr_account_regions']), 'dr_regions': ', '.join(backup['dr_regions']),
            'dr_status': backup['dr_status'], 'end_time': iso(backup['end_time']),
            'glacier_archive_status': {'progress_percent': '0', 'status': backup['glacier_status']},
            'id': backup['id'], 'is_freezer_item': backup['is_freezer_item'],
            'is_recoverable': finished and backup['status'] != 'D', 'is_retry': False,
            'marked_for_deletion': backup['marked_for_deletion'],
            'move_to_freezer_enabled': finished and not backup['is_freezer_item'], 'name': backup['name'],
            'performed_quiecse': backup['performed_quiecse'], 'policy': backup['policy'], 'retry_scheduled': False,
            's3_copy_status': {'progress_percent': backup['s3_progress'], 'status': backup['s3_status']},
            'start_time': iso(backup['start_time']), 'status': backup['status'], 'user': backup['user'],
        }
        if reduced:
            for key in FREEZER_DROPS:
                out.pop(key)
        return out

    def render_snapshot(self, record):
        """A snapshot record in its family's shape (D19)."""
        family = record['family']
        fields, as_str = FAMILIES[family][0], FAMILIES[family][1]
        backup = self.backups.get(record['backup'])
        account = self.svc.accounts.accounts.get(record['snapshot_account'])
        out = {}
        for name in fields:
            if name == 'backup_id':
                out[name] = str(record['backup'])
            elif name in ('start_time', 'end_time', 'deletion_time', 'expire_time', 'move_to_cold_storage_time'):
                out[name] = iso(record.get(name))
            elif name == 'snapshot_account_id':
                out[name] = str(record['snapshot_account']) if as_str else record['snapshot_account']
            elif name == 'snapshot_account_name':
                out[name] = account['name'] if account else None
            elif name == 'snapshot_aws_account_number':
                out[name] = account['account_number'] if account else None
            elif name == 'snapshot_type':
                out[name] = SNAPSHOT_TYPE[family]
            elif name == 'status':
                out[name] = backup['status'] if backup else None
            elif name == 'username':
                out[name] = self.svc.directory.username(record['user'])
            elif name == 'succeeded':
                out[name] = ('true' if record['succeeded'] else 'false') if family == 'copy_to_s3' else record['succeeded']
            else:
                out[name] = record.get(name)
        return out

    # -- lookups ---------------------------------------------------------------------
    def visible(self, call, backup_id):
        """A backup record visible to the caller (and already started), or 404."""
        backup = self.backups.get(backup_id)
        if backup is None or not call.can_see(backup['user']) or backup['begin'] > call.now:
            raise not_found()
        return backup

    # -- handlers: records -----------------------------------------------------------------
    def list(self, call):
        """GET /api/backups/ (filters incl. tracker_id, search, search_by_*, ordering)"""
        items = [b for b in self.backups.values() if call.can_see(b['user']) and b['begin'] <= call.now]
        for param, kind in SEARCH_BY.items():
            term = call.q(param)
            if term:
                lowered = term.lower()
                items = [b for b in items if any(k == kind and any(lowered in str(v).lower() for v in values)
                                                 for k, values in b['described'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda b: b['account'], 'int'), 'dr_status': exact(lambda b: b['dr_status']),
                     'id': exact(lambda b: b['id'], 'int'),
                     'is_freezer_item': exact(lambda b: b['is_freezer_item'], 'bool'),
                     'policy': exact(lambda b: b['policy'], 'int'), 's3_copy_status': exact(lambda b: b['s3_status']),
                     'start_time': exact(None, _start_time_filter), 'status': exact(lambda b: b['status']),
                     'tracker_id': exact(lambda b: b['tracker_id'], 'int'), 'user': exact(lambda b: b['user'], 'int')},
            search=[lambda b: b['name'], lambda b: b['description']],
            ordering={'account': lambda b: b['account'], 'dr_status': lambda b: b['dr_status'],
                      'end_time': lambda b: b['end_time'], 'is_freezer_item': lambda b: b['is_freezer_item'],
                      'policy': lambda b: b['policy'], 's3_copy_status': lambda b: b['s3_status'],
                      'start_time': lambda b: b['start_time'], 'status': lambda b: b['status'],
                      'user': lambda b: b['user']})
        return page_response(call, items, self.render)

    def get(self, call):
        """GET /api/backups/{id}/"""
        return self.svc.respond(call, 200, self.render(self.visible(call, call.param_id())))

    def _freezer(self, call):
        backup = self.visible(call, call.param_id())
        if not backup['is_freezer_item']:
            raise not_found()  # PUT and DELETE serve freezer records only (D18)
        return backup

    def update(self, call):
        """PUT /api/backups/{id}/ (a freezer record: name, description)"""
        backup = self._freezer(call)
        values = validate(FREEZER_SPEC, call.body_dict())
        backup.update(values)
        return self.svc.respond(call, 200, self.render(backup))

    def delete(self, call):
        """DELETE /api/backups/{id}/ (a freezer record) -> 204"""
        self._drop(self._freezer(call))
        return self.svc.respond(call, 204, None)

    def to_freezer(self, call):
        """POST /api/backups/{backup_id}/to_freezer/ {name, description} -> 201 (reduced record)"""
        backup = self.visible(call, call.param_id('backup_id'))
        values = validate(FREEZER_SPEC, call.body_dict())
        if backup['is_freezer_item']:
            raise ApiError(400, {'non_field_errors': [('This backup is already in the freezer.', 'invalid')]})
        if backup['status'] not in ('B', 'A', 'S', 'M', 'G'):
            raise ApiError(400, {'non_field_errors': [('Only a successful backup can be moved to the freezer.',
                                                       'invalid')]})
        backup.update(values)
        backup['is_freezer_item'] = True
        return self.svc.respond(call, 201, self.render(backup, reduced=True))

    def copy_abort(self, call):
        """POST /api/backups/{backup_id}/copy_to_s3/abort/ -> 201, no body (s3_copy_status G, then A)"""
        backup = self.visible(call, call.param_id('backup_id'))
        if not self.abort_s3(call.now, backup=backup):
            raise ApiError(400, {'non_field_errors': [('No copy to S3 is in progress for this backup.', 'invalid')]})
        return Response(201, b'', 'application/json')

    def logs(self, call):
        """GET /api/backups/{id}/logs/ (JSON or text/csv)"""
        backup = self.visible(call, call.param_id())
        if call.csv:
            return csv_response([(row['log_time'], row['log_type'], row['log']) for row in backup['logs']],
                                ('Time', 'Severity', 'Message'), 'backup_%d_logs.csv' % backup['id'])
        return self.svc.respond(call, 200, [dict(row) for row in backup['logs']])

    def script_logs(self, call):
        """GET /api/backups/{backup_id}/script_logs/"""
        backup = self.visible(call, call.param_id('backup_id'))
        return page_response(call, list(backup['script_logs']), dict)

    def script_log(self, call):
        """GET /api/backups/{backup_id}/script_logs/{id}/ (id = position in the list, from 1; D18)"""
        backup = self.visible(call, call.param_id('backup_id'))
        index = call.param_id()
        if not 1 <= index <= len(backup['script_logs']):
            raise not_found()
        return self.svc.respond(call, 200, dict(backup['script_logs'][index - 1]))

    # -- handlers: snapshots -----------------------------------------------------------------
    def snapshots_all(self, call):
        """GET /api/backups/{backup_id}/snapshots/ (every snapshot record, in the seed's small shape)"""
        backup = self.visible(call, call.param_id('backup_id'))
        records = [self.snapshots[r] for r in backup['snapshots'] if self.snapshots[r]['family'] != 'instances']

        def render(record):
            return {'account_name': record['account_name'], 'aws_image_id': record.get('aws_image_id'),
                    'backed_up_resource_id': record['backed_up_resource_id'],
                    'deletion_time': iso(record['deletion_time']), 'end_time': iso(record['end_time']),
                    'id': record['id'], 'region': record['region'], 'snapshot_type': SNAPSHOT_TYPE[record['family']],
                    'succeeded': record['succeeded']}
        return self.svc.respond(call, 200, [render(record) for record in records])

    def snapshots_wipe(self, call):
        """DELETE /api/backups/{backup_id}/snapshots/ -> 204 (status D)"""
        backup = self.visible(call, call.param_id('backup_id'))
        self._delete_backup_snapshots(backup, call.now, 'all')
        return self.svc.respond(call, 204, None)

    def snapshot_list(self, call, family):
        """GET /api/backups/{backup_id}/snapshots/<family>/"""
        backup = self.visible(call, call.param_id('backup_id'))
        records = [self.snapshots[r] for r in backup['snapshots'] if self.snapshots[r]['family'] == family]
        kind = FAMILIES[family][2]
        resource = call.q('resource')
        if resource:
            records = [r for r in records if resource.lower() in str(r['backed_up_resource_id']).lower()]
        if kind != 'resource':
            filters = {'account': exact(lambda r: r['account_id'], 'int'),
                       'account_name': exact(lambda r: r['account_name']),
                       'aws_region': exact(lambda r: r['region']),
                       'aws_resource_id': exact(lambda r: r['backed_up_resource_id']),
                       'from_time': exact(None, _from_time), 'to_time': exact(None, _to_time),
                       'region': exact(None, _region_id)}
            if kind == 'full_user':
                filters['user'] = exact(lambda r: r['user'], 'int')
            records = apply_list(call, records, filters=filters)
        return page_response(call, records, self.render_snapshot)

    def _record(self, call, family):
        backup = self.visible(call, call.param_id('backup_id'))
        record = self.snapshots.get(call.param_id())
        if record is None or record['backup'] != backup['id'] or record['family'] != family:
            raise not_found()
        return backup, record

    def snapshot_get(self, call, family):
        """GET /api/backups/{backup_id}/snapshots/<family>/{id}/"""
        return self.svc.respond(call, 200, self.render_snapshot(self._record(call, family)[1]))

    def snapshot_delete(self, call, family):
        """DELETE /api/backups/{backup_id}/snapshots/<family>/{id}/ -> 204 (kept with deletion_time; again -> 404)"""
        backup, record = self._record(call, family)
        if record['deletion_time'] is not None:
            raise not_found()
        record['deletion_time'] = call.now
        if backup['status'] in FINAL:
            self._settle(backup)
        return self.svc.respond(call, 204, None)

    # -- bulk/admin helpers -------------------------------------------------------------
    def add_finished(self, policy, status, start, seconds=120.0):
        """A finished backup record with its snapshots (seeding)."""
        targets = self.svc.targets.of_policy(policy['id'])
        backup = self._new(policy, targets, start, {'status': status})
        self._finish(backup, start + seconds)
        if backup['dr_on']:
            if status == 'F':
                backup['dr_status'] = 'S'
            else:
                self._finish_dr(backup, start + seconds + 60)
        if backup['s3_on']:
            backup['s3_status'] = 'K' if status == 'F' else 'S'
            if status != 'F':
                backup['s3_progress'] = 100
                backup['s3_end'] = start + seconds + 120
                self._copy_snapshots(backup)
        return backup

    def admin(self, action, method, params):
        if action == 'fail-next-backup' and method == 'POST':
            return self._admin_fail_next(params)
        if action == 'backups' and method == 'GET':
            return {'running': sorted(self.running), 'backups': [self._admin_view(b) for b in self.backups.values()]}
        if action.startswith('backups/') and method == 'GET':
            try:
                backup = self.backups[int(action.split('/', 1)[1])]
            except (ValueError, KeyError) as exc:
                raise AdminError(404, 'backup %s not found' % action.split('/', 1)[1]) from exc
            view = self._admin_view(backup)
            view['snapshots'] = [dict(self.snapshots[r]) for r in backup['snapshots']]
            view['logs'] = list(backup['logs'])
            return view
        return NotImplemented

    def _admin_view(self, backup):
        return {'id': backup['id'], 'tracker_id': backup['tracker_id'], 'policy': backup['policy'],
                'status': backup['status'], 'dr_status': backup['dr_status'], 's3_copy_status': backup['s3_status'],
                'begin': backup['begin'], 'end_time': backup['end_time'], 'running': backup['id'] in self.running,
                'planned_status': backup['outcome'], 'snapshot_count': len(backup['snapshots'])}

    def _admin_fail_next(self, params):
        plan = {}
        status = params.get('status', 'F')
        if status not in FINAL:
            raise AdminError(400, 'status must be one of B, A, S, F')
        plan['status'] = status
        if 'dr_status' in params:
            if params['dr_status'] not in ('C', 'F'):
                raise AdminError(400, 'dr_status must be C or F')
            plan['dr_status'] = params['dr_status']
        if 's3_copy_status' in params:
            if params['s3_copy_status'] not in ('S', 'V', 'R', 'F'):
                raise AdminError(400, 's3_copy_status must be S, V, R or F')
            plan['s3_copy_status'] = params['s3_copy_status']
        policy = params.get('policy')
        if policy is not None:
            try:
                policy = int(policy)
            except (TypeError, ValueError) as exc:
                raise AdminError(400, 'policy must be an id') from exc
            if policy not in self.svc.policies.policies:
                raise AdminError(404, 'policy %s not found' % policy)
        self.fail_next[policy] = plan
        return {'ok': True, 'policy': policy, 'next_backup': plan}


def _start_time_filter(backup, raw):
    """``start_time``: an exact date-time, or a date (the backups that started that day, D18)."""
    text = raw.strip()
    try:
        wanted = parse_datetime(text)
    except ValueError as exc:
        raise invalid('start_time', 'Enter a valid date/time.') from exc
    if len(text) == 10:
        return wanted <= backup['start_time'] < wanted + 86400
    return abs(backup['start_time'] - wanted) < 0.000001 or iso(backup['start_time']) == text


def _from_time(record, raw):
    try:
        return record['start_time'] >= parse_datetime(raw)
    except ValueError as exc:
        raise invalid('from_time', 'Enter a valid date/time.') from exc


def _to_time(record, raw):
    try:
        return record['start_time'] <= parse_datetime(raw)
    except ValueError as exc:
        raise invalid('to_time', 'Enter a valid date/time.') from exc


def _region_id(record, raw):
    try:
        return REGION_BY_ID.get(int(float(raw))) == record['region']
    except ValueError as exc:
        raise invalid('region', 'Enter a number.') from exc
