# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Snapshot clean-up (seed Ch.4 4.11/4.19/4.22, Ch.7 7.6 and the family deletes, Ch.13 13.4) and the freezer (Ch.7
7.69-7.72, Ch.12).

Snapshot clean-up destroys backups, so the modules first work out exactly what would go (the preview, also what
check mode and ``--diff`` show), then send the one delete of the scope asked, only when the preview is not empty:

* **one snapshot** of a kind: that record, unless it was deleted already (``deletion_time`` set);
* **a backup**: its live snapshot records (``GET backups/{id}/snapshots/``, every kind but the instance metadata,
  copies in S3 included), deleted with ``DELETE backups/{id}/snapshots/``;
* **a policy**: the live snapshot records of its backups, without (``snapshots/native/``, before 1.3.0
  ``snapshots/``) or with (``snapshots/s3/``) the copies in S3;
* **an account**: the snapshots held in it: for a backup account the live records of its backups (minus the DR
  copies held in another account), for a DR account the DR copies held in it (the backups of the policies whose DR
  copies to it).

Freezer items are backup records moved to the freezer (``to_freezer/``, with a name and a description), renamed
with ``PUT backups/{id}/`` and deleted with ``DELETE backups/{id}/`` (which deletes the backup: confirmed).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.backups import SNAPSHOT_FAMILIES, backup_view
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id

#: Snapshot families whose single records can be deleted (the seed's family DELETE calls).
DELETABLE = ('dr_efs', 'dr_initial_amis', 'dr_rds_clusters', 'dr_rds_databases', 'dr_volumes', 'dynamodb_tables', 'efs',
             'initial_amis', 'only_amis', 'only_dr_amis', 'rds_clusters', 'rds_databases', 'redshift_clusters',
             'volumes')
DR_FAMILIES = ('dr_efs', 'dr_initial_amis', 'dr_rds_clusters', 'dr_rds_databases', 'dr_volumes', 'only_dr_amis')
S3_TYPES = ('s3',)


def live(record):
    return record.get('deletion_time') in (None, '')


def item(backup, record, family=None):
    out = {'backup': as_id(backup.get('id') if isinstance(backup, dict) else backup),
           'snapshot_record': as_id(record.get('id')), 'snapshot_type': record.get('snapshot_type'),
           'resource': record.get('backed_up_resource_id'), 'region': record.get('region')}
    if family:
        out['family'] = family
    if record.get('snapshot_id') or record.get('aws_image_id'):
        out['snapshot_id'] = record.get('snapshot_id') or record.get('aws_image_id')
    return out


class Preview:
    """What a snapshot clean-up would delete (reads only)."""

    def __init__(self, client):
        self.client = client

    def backup_records(self, backup_id):
        return self.client.list('backups/%d/snapshots/' % as_id(backup_id), feature='snapshots')

    def of_backup(self, backup, include_s3=True, exclude=None):
        """Live records of a backup (``exclude``: record ids to leave out)."""
        if backup.get('status') == 'D':
            return []
        out = []
        for record in self.backup_records(backup['id']):
            if not live(record) or (not include_s3 and record.get('snapshot_type') in S3_TYPES):
                continue
            if exclude and as_id(record.get('id')) in exclude:
                continue
            out.append(item(backup, record))
        return out

    def backups(self, params):
        return self.client.list('backups/', dict(params, ordering='start_time'), feature='backups')

    def of_policy(self, policy_id, include_s3):
        out = []
        for backup in self.backups({'policy': as_id(policy_id)}):
            if backup.get('status') == 'M' and not include_s3:
                continue
            out.extend(self.of_backup(backup, include_s3))
        return out

    def dr_records(self, backup):
        out = []
        for family in DR_FAMILIES:
            if not self.client.has('snapshots_%s' % family):
                continue
            for record in self.client.list('backups/%d/snapshots/%s/' % (as_id(backup['id']), family),
                                           feature='snapshots_%s' % family):
                out.append((family, record))
        return out

    @staticmethod
    def held_by(record, account_id):
        holder = record.get('snapshot_account_id')
        if holder in (None, ''):
            holder = record.get('dr_account')
        return as_id(holder) == account_id if holder not in (None, '') else None

    def of_backup_account(self, account_id):
        out = []
        for backup in self.backups({'account': account_id}):
            exclude = set()
            if backup.get('dr_account_regions'):  # cross-account DR: copies held elsewhere stay
                for dummy, record in self.dr_records(backup):
                    if self.held_by(record, account_id) is False:
                        exclude.add(as_id(record.get('id')))
            out.extend(self.of_backup(backup, True, exclude))
        return out

    def of_dr_account(self, account_id):
        out = []
        policies = []
        for policy in self.client.list('policies/', feature='policies'):
            dr = self.client.get_or_none('policies/%d/dr/' % as_id(policy['id']), feature='policy_dr') or {}
            if as_id((dr.get('cross_account_dr') or {}).get('dr_account')) == account_id:
                policies.append(as_id(policy['id']))
        for policy_id in policies:
            for backup in self.backups({'policy': policy_id}):
                if backup.get('status') == 'D':
                    continue
                for family, record in self.dr_records(backup):
                    if live(record) and self.held_by(record, account_id):
                        out.append(item(backup, record, family))
        return out


def freezer_view(record):
    """A freezer item (a backup record) as modules return it."""
    return backup_view(record)


#: Every family's FEATURES line comes with the backups module.
FAMILIES = tuple(sorted(SNAPSHOT_FAMILIES))
