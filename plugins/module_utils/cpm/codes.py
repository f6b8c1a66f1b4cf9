# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The letter codes of the CPM API, one table per field.

CPM encodes enumerations as letters whose meaning depends on the field: ``M``
is minutes in a schedule's ``every_unit`` but months in an EFS target's
``expire_option``, ``A`` is "all days", "assume role", "partially successful",
"aborted"...  The modules speak readable values (``weeks``, ``iam_role``,
``success``) and accept the API's letters too (documented per option); every
conversion goes through the :class:`Code` of that field, so a letter is never
read with another field's table.

Results show the readable value under the option's name and the letter under
``<name>_code`` where both help (statuses, units).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


class Code:
    """One field's table: ``(letter, readable value, the seed's label)`` rows."""

    def __init__(self, field, rows):
        self.field = field
        self.rows = tuple(rows)
        self.by_letter = dict((letter, readable) for letter, readable, dummy in self.rows)
        self.by_readable = dict((readable, letter) for letter, readable, dummy in self.rows)
        self.labels = dict((letter, label) for letter, dummy, label in self.rows)

    def letters(self):
        return [row[0] for row in self.rows]

    def readables(self):
        return [row[1] for row in self.rows]

    def choices(self):
        """Readable values, then the letters: what a module option with this code accepts."""
        return self.readables() + self.letters()

    def to_api(self, value, option=None):
        """The letter for a readable value or a letter (exact spelling); ValidationError naming ``option``."""
        if value is None:
            return None
        text = str(value).strip()
        if text in self.by_readable:
            return self.by_readable[text]
        if text in self.by_letter:
            return text
        lowered = text.lower()
        if lowered in self.by_readable:
            return self.by_readable[lowered]
        raise ValidationError(option or self.field, '%r is not one of %s (or the API letters %s)' % (
            value, ', '.join(self.readables()), ', '.join(self.letters())))

    def readable(self, letter):
        """The readable value of a letter from the API; an unknown letter is returned as it is."""
        if letter is None:
            return None
        return self.by_letter.get(letter, letter)

    def label(self, letter):
        """The seed's label of a letter (``Backup Successful``), or None."""
        return self.labels.get(letter)

    def known(self, letter):
        return letter in self.by_letter


# -- schedules (Ch.22) -----------------------------------------------------------------------------------------
SCHEDULE_UNIT = Code('every_unit', [
    ('M', 'minutes', 'Minutes'), ('H', 'hours', 'Hours'), ('D', 'days', 'Days'), ('W', 'weeks', 'Weeks'),
    ('O', 'months', 'Months')])
DISABLE_DAY = Code('day', [
    ('A', 'every_day', 'All'), ('M', 'monday', 'Monday'), ('T', 'tuesday', 'Tuesday'),
    ('W', 'wednesday', 'Wednesday'), ('H', 'thursday', 'Thursday'), ('F', 'friday', 'Friday'),
    ('S', 'saturday', 'Saturday'), ('U', 'sunday', 'Sunday')])
#: ``days`` of a schedule <-> its seven ``allow_on_*`` flags.
WEEKDAYS = ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')
WEEKDAY_ALIASES = dict([(day[:3], day) for day in WEEKDAYS] + [(day, day) for day in WEEKDAYS])

# -- accounts (Ch.4) --------------------------------------------------------------------------------------------
AUTHENTICATION = Code('authentication', [
    ('C', 'iam_user', 'IAM User Credentials'), ('R', 'cpm_instance_role', 'CPM Instance IAM Role'),
    ('A', 'assume_role', 'Assume Role')])

# -- policies (Ch.13) ---------------------------------------------------------------------------------------------
#: ``no``/``yes`` would be YAML booleans in a playbook: the readable values say what CPM does instead.
AUTO_REMOVE = Code('auto_remove_resource', [('N', 'keep', 'No'), ('Y', 'remove', 'Yes'),
                                            ('A', 'remove_and_alert', 'Yes and alert')])
CONSIDERED_SUCCESSFUL = Code('considered_successful', [
    ('B', 'no_issues', 'Finished with no Issues'),
    ('A', 'snapshots_succeeded', 'Snapshots Succeeded. Even if scripts or VSS failed')])
#: copy_to_s3: copy_to_glacier.every_unit, retain_in_glacier.retain_unit, retention_time_based.every_unit.
PERIOD_UNIT = Code('every_unit', [('D', 'days', 'Days'), ('W', 'weeks', 'Weeks'), ('O', 'months', 'Months'),
                                  ('Y', 'years', 'Years')])

# -- targets (Ch.13) ------------------------------------------------------------------------------------------------
AMI_BACKUP = Code('ami_backup_option', [('N', 'no_ami', 'No AMI'), ('S', 'single_ami', 'Single AMI'),
                                        ('O', 'only_ami', 'Only AMI')])
WHICH_VOLUMES = Code('which_volumes', [('A', 'all', 'All Volumes'), ('I', 'include_selected', 'Include Selected'),
                                       ('X', 'exclude_selected', 'Exclude Selected')])
EFS_EXPIRE = Code('expire_option', [
    ('P', 'policy_generations', 'Policy Generations'), ('N', 'never', 'Never'), ('D', 'days', 'Days'),
    ('W', 'weeks', 'Weeks'), ('M', 'months', 'Month'), ('Y', 'years', 'Years')])
EFS_COLD = Code('move_to_cold_storage_option', [
    ('N', 'never', 'Never'), ('D', 'days', 'Days'), ('W', 'weeks', 'Weeks'), ('M', 'months', 'Month'),
    ('Y', 'years', 'Years')])
S3SYNC_STORAGE = Code('storage_class', [('S', 'standard', 'STANDARD'), ('R', 'reduced_redundancy', 'REDUCED_REDUNDANCY'),
                                        ('I', 'standard_ia', 'STANDARD_IA')])

# -- backups (Ch.7) -------------------------------------------------------------------------------------------------
BACKUP_STATUS = Code('status', [
    ('I', 'initializing', 'Initializing'), ('P', 'in_progress', 'In Progress'), ('B', 'successful', 'Backup Successful'),
    ('A', 'partially_successful', 'Backup Partially Successful'),
    ('S', 'not_all_snapshots_succeeded', 'Not All Snapshots Succeeded'),
    ('D', 'all_snapshots_deleted', 'All Snapshots Deleted'), ('F', 'failed', 'Backup Failed'),
    ('M', 'moved_to_s3', 'Moved to S3 Storage'), ('G', 'moved_to_glacier', 'Moved to S3 Glacier')])
DR_STATUS = Code('dr_status', [
    ('N', 'not_applicable', 'N/A'), ('P', 'pending', 'Pending'), ('I', 'in_progress', 'In Progress'),
    ('S', 'skipped', 'Skipped'), ('C', 'completed', 'Completed'), ('F', 'failed', 'Failed')])
S3_STATUS = Code('s3_copy_status', [
    ('Z', 'not_started', 'Not started'), ('I', 'initializing', 'Initializing'), ('P', 'in_progress', 'In Progress'),
    ('S', 'completed', 'Completed Successfully'), ('V', 'all_valid_copied', 'All valid targets copied'),
    ('F', 'failed', 'Failed'), ('G', 'aborting', 'Aborting'), ('A', 'aborted', 'Aborted'),
    ('R', 'partially_copied', 'Partially copied'), ('X', 'expired', 'Expired'),
    ('D', 'all_snapshots_deleted', 'All Snapshots Deleted'), ('K', 'skipped', 'Skipped')])
SNAPSHOT_TIER = Code('tier', [('S', 's3', 'S3'), ('A', 'archived', 'Archived')])

#: Backup statuses by outcome (the job engine's classes).
BACKUP_RUNNING = ('I', 'P')
BACKUP_SUCCESS = ('B', 'M', 'G')
BACKUP_PARTIAL = ('A', 'S')
BACKUP_FAILED = ('F', 'D')
DR_RUNNING = ('P', 'I')
S3_RUNNING = ('Z', 'I', 'P', 'G')


def weekday(value, option):
    """A readable weekday (``monday`` or ``mon``, any case)."""
    text = str(value).strip().lower()
    if text not in WEEKDAY_ALIASES:
        raise ValidationError(option, '%r is not a day of the week (%s)' % (value, ', '.join(WEEKDAYS)))
    return WEEKDAY_ALIASES[text]


# -- recoveries (Ch.7 recover calls, Ch.14) --------------------------------------------------------------------------
RECOVERY_STATUS = Code('status', [
    ('P', 'in_progress', 'In Progress'), ('R', 'successful', 'Recovery Successful'),
    ('A', 'partially_successful', 'Recovery Partially Successful'), ('F', 'failed', 'Recovery Failed')])
RECOVERY_TYPE = Code('recovery_type', [
    ('I', 'instance', 'Instance'), ('V', 'volume', 'Volume'), ('R', 'rds_database', 'RDS Database'),
    ('A', 'rds_cluster', 'RDS Cluster'), ('C', 'redshift_cluster', 'Redshift Cluster'),
    ('D', 'dynamodb_table', 'DynamoDB Table'), ('E', 'efs', 'EFS')])
#: Recovery scenario target types (Ch.15, L34099): the seven kinds, their recovery from S3 and from DR copies.
SCENARIO_TARGET_TYPE = Code('recovery_type', [
    ('I', 'instance', 'Instance'), ('V', 'volume', 'Volume'), ('R', 'rds_database', 'RDS Database'),
    ('A', 'rds_cluster', 'RDS Cluster'), ('C', 'redshift_cluster', 'Redshift Cluster'),
    ('D', 'dynamodb_table', 'DynamoDB Table'), ('E', 'efs', 'EFS'), ('S3I', 'instance_from_s3', 'S3 Instance'),
    ('S3V', 'volume_from_s3', 'S3 Volume'), ('DRV', 'dr_volume', 'DR Volume'), ('DRR', 'dr_rds_database', 'DR RDS Database'),
    ('DRA', 'dr_rds_cluster', 'DR RDS Cluster'), ('DRE', 'dr_efs', 'DR EFS')])
SCENARIO_RUNNING_OPTION = Code('schedule_running_option', [
    ('D', 'dry_run', 'Run dry run when schedule'), ('R', 'recovery', 'Run recovery when schedule')])
AMI_HANDLING = Code('ami_handling', [
    ('D', 'deregister', 'De-register after Recovery'), ('L', 'leave_registered', 'Leave Registered after Recovery'),
    ('O', 'create_ami_only', 'Create_ami without Recovery')])
RESTORE_FROM = Code('restore_from', [('S', 'snapshot', 'Snapshot'), ('I', 'image', 'Image')])
PLACEMENT = Code('placement', [('Z', 'zone', 'By Availability Zone'), ('V', 'vpc', 'By VPC'),
                               ('G', 'placement_group', 'By Placement Group')])
RETRIEVAL_TIER = Code('retrieval_tier', [('E', 'expedited', 'Expedited'), ('S', 'standard', 'Standard'),
                                         ('B', 'bulk', 'Bulk')])
TARGET_EFS = Code('target_efs', [('N', 'new', 'New'), ('O', 'original', 'Original')])
#: The recoveries' phases from S3 (s3_recover_status, glacier_retrieve_status) use the Z..K table of the copies.
RECOVERY_RUNNING = ('P',)
RECOVERY_PHASE_RUNNING = ('I', 'P', 'G')

# -- explore sessions (Ch.11) -------------------------------------------------------------------------------------------
EXPLORE_STATUS = Code('status', [
    ('U', 'opening', 'Undefined'), ('N', 'open', 'Open session is running'),
    ('P', 'expiring', 'Session expiration is in progress'), ('S', 'ended', 'Session ended successfully'),
    ('F', 'failed', 'Session failure')])
EXPLORE_TYPE = Code('explore_type', [
    ('I', 'instance_volumes', 'Instance Volumes'), ('V', 'independent_volumes', 'Independent Volumes'),
    ('D', 'rds', 'RDS'), ('R', 'redshift_cluster', 'Redshift Cluster')])

# -- S3 repositories (Ch.20) ---------------------------------------------------------------------------------------------
REPOSITORY_DELETION = Code('deletion_status', [
    ('N', 'not_applicable', 'N/A'), ('I', 'in_progress', 'In Progress'), ('F', 'failed', 'Failed'),
    ('S', 'succeeded', 'Succeeded')])
