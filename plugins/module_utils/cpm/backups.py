# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM backups (seed Ch.7 and 13.6): backup now through the job engine, backup records, snapshots, logs.

Readings:

* ``POST policies/{id}/backups/`` answers 202 ``{tracker_id}``; the backup
  record carries no tracker field, it is found with ``GET
  backups/?tracker_id=N`` (it may take a moment to appear) and then read by its
  id.  A backup is running while its status is ``I`` or ``P``; ``B`` (and the
  later ``M``/``G``: moved to S3 or Glacier) is success, ``A`` and ``S`` are
  partial, ``F`` (and ``D``: all snapshots deleted) failure.  DR (``dr_status``)
  and the copy to S3 (``s3_copy_status``) run after the backup and are waited
  for only when asked.
* 412 (backup now): the seed states no cause; the module reads the policy and
  says which of the likely ones applies (disabled, no target, a backup
  already running, which it then follows instead).
* A lost answer to backup now is looked for as a new backup record of the
  policy (an id not seen before the request) during the settle window.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import FEATURES, as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import (
    BACKUP_FAILED, BACKUP_PARTIAL, BACKUP_RUNNING, BACKUP_STATUS, BACKUP_SUCCESS, DR_RUNNING, DR_STATUS, S3_RUNNING,
    S3_STATUS, SNAPSHOT_TIER,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import parse_datetime
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, PARTIAL, RUNNING, SUCCESS, UNKNOWN, Job
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, pattern, matches

#: Snapshot record families under backups/{id}/snapshots/<family>/ and their Initial Release.
SNAPSHOT_FAMILIES = {
    'copy_to_s3': '1.1.0', 'dr_efs': '1.5.0', 'dr_initial_amis': '1.1.0', 'dr_rds_clusters': '1.1.0',
    'dr_rds_databases': '1.1.0', 'dr_volumes': '1.1.0', 'dynamodb_tables': '1.1.0', 'efs': '1.3.0',
    'initial_amis': '1.1.0', 'instances': '1.2.0', 'only_amis': '1.1.0', 'only_dr_amis': '1.1.0',
    'rds_clusters': '1.1.0', 'rds_databases': '1.1.0', 'redshift_clusters': '1.1.0', 'volumes': '1.1.0',
}
for _family, _since in SNAPSHOT_FAMILIES.items():
    FEATURES['snapshots_%s' % _family] = (_since, '%s snapshot records' % _family)

AGE_RE = pattern(r'\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*')
AGE_UNITS = {'': 1, 's': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 604800}
#: Records read before a backup now (to know which record is new, whether one runs, the latest success).
RECENT = 25


def parse_age(value, option):
    """Seconds from ``90``, ``90s``, ``30m``, ``2h``, ``1d`` or ``1w``."""
    if value is None or value == '':
        return None
    text = str(value).strip().lower()
    match = AGE_RE.fullmatch(text) if matches(AGE_RE, text) else None
    if match is None:
        raise ValidationError(option, '%r is not a duration such as 3600, 30m, 2h or 1d' % (value,))
    seconds = float(match.group(1)) * AGE_UNITS[match.group(2)]
    if seconds <= 0:
        raise ValidationError(option, 'must be a positive duration')
    return seconds


def record_time(record, key='start_time'):
    try:
        return parse_datetime(record.get(key)) if record.get(key) else None
    except ValueError:
        return None


def backup_state(record, wait_for_dr=False, wait_for_s3=False, copy_expected=False):
    """``(job state, service status text)`` of a backup record (None: not visible yet).

    ``copy_expected``: the policy copies to S3, so a copy status still ``Z`` (not started) is waited for.
    """
    if record is None:
        return RUNNING, 'not visible yet'
    status = record.get('status')
    text = BACKUP_STATUS.readable(status)
    if status in BACKUP_RUNNING:
        return RUNNING, text
    if status in BACKUP_FAILED:
        return FAILED, text
    if status in BACKUP_PARTIAL:
        return PARTIAL, text
    if status not in BACKUP_SUCCESS:
        return UNKNOWN, text
    if wait_for_dr:
        dr = record.get('dr_status')
        if dr in DR_RUNNING:
            return RUNNING, '%s, DR %s' % (text, DR_STATUS.readable(dr))
        if dr == 'F':
            return PARTIAL, '%s, DR failed' % text
    if wait_for_s3:
        s3 = record.get('s3_copy_status')
        s3 = s3.get('status') if isinstance(s3, dict) else s3
        if s3 in S3_RUNNING and (s3 != 'Z' or copy_expected):
            return RUNNING, '%s, copy to S3 %s' % (text, S3_STATUS.readable(s3))
        if s3 in ('F', 'R', 'A', 'X'):
            return PARTIAL, '%s, copy to S3 %s' % (text, S3_STATUS.readable(s3))
    return SUCCESS, text


def _status_object(value, code):
    if isinstance(value, dict):
        out = dict(value)
        out['status_code'] = value.get('status')
        out['status'] = code.readable(value.get('status'))
        return out
    return value


def backup_view(record):
    """A backup record as modules return it: statuses readable (letters in ``*_code``, the seed's words in
    ``status_text``)."""
    if not record:
        return {}
    out = dict((k, v) for k, v in record.items() if not k.startswith('_'))
    status = record.get('status')
    out['status'] = BACKUP_STATUS.readable(status)
    out['status_code'] = status
    out['status_text'] = BACKUP_STATUS.label(status)
    out['dr_status'] = DR_STATUS.readable(record.get('dr_status'))
    out['dr_status_code'] = record.get('dr_status')
    out['s3_copy_status'] = _status_object(record.get('s3_copy_status'), S3_STATUS)
    out['glacier_archive_status'] = _status_object(record.get('glacier_archive_status'), S3_STATUS)
    return out


def snapshot_view(item, family=None):
    out = dict(item)
    if family:
        out['family'] = family
    if family == 'copy_to_s3' and item.get('tier') is not None:
        out['tier_code'] = item['tier']
        out['tier'] = SNAPSHOT_TIER.readable(item['tier'])
    if item.get('status') in BACKUP_STATUS.by_letter:
        out['status_code'] = item['status']
        out['status'] = BACKUP_STATUS.readable(item['status'])
    return out


class Backups:
    """Reads of backup records (``GET /api/backups/`` and below)."""

    def __init__(self, client):
        self.client = client

    def recent(self, policy_id, count=RECENT):
        """The policy's latest records, newest first (one page)."""
        return self.client.list('backups/', {'policy': as_id(policy_id), 'ordering': '-start_time'},
                                feature='backups', limit=count, page_size=count)

    def by_tracker(self, tracker_id):
        items = self.client.list('backups/', {'tracker_id': tracker_id}, feature='backups', limit=1, page_size=5)
        return items[0] if items else None

    def get(self, backup_id):
        return self.client.get_or_none('backups/%d/' % as_id(backup_id), feature='backups')

    def snapshots(self, backup_id):
        """Every snapshot record of a backup, small schema with ``snapshot_type`` (GET snapshots/, 1.1.0)."""
        return [snapshot_view(s) for s in self.client.list('backups/%d/snapshots/' % as_id(backup_id),
                                                           feature='snapshots')]

    def snapshots_detailed(self, backup_id, families=None):
        """``{family: [records]}`` from each family's list (those the chosen api_version has)."""
        out = {}
        for family in sorted(families or SNAPSHOT_FAMILIES):
            if not self.client.has('snapshots_%s' % family):
                continue
            items = self.client.list('backups/%d/snapshots/%s/' % (as_id(backup_id), family),
                                     feature='snapshots_%s' % family)
            if items:
                out[family] = [snapshot_view(s, family) for s in items]
        return out

    def logs(self, backup_id):
        """The log lines (the seed documents no paging for them)."""
        answer = self.client.get('backups/%d/logs/' % as_id(backup_id), feature='backup_logs')
        return answer if isinstance(answer, list) else (answer or {}).get('results', [])

    def script_logs(self, backup_id):
        return self.client.list('backups/%d/script_logs/' % as_id(backup_id), feature='script_logs')


def snapshot_counts(snapshots):
    counts = {}
    for item in snapshots:
        key = item.get('snapshot_type') or 'unknown'
        counts[key] = counts.get(key, 0) + 1
    return counts


class BackupJob(Job):
    """Backup now of one policy, followed on its backup record."""

    check_hint = "the policy's backup records in CPM (GET /api/backups/?policy=ID)"

    def __init__(self, client, policy, recent, wait_for_dr=False, wait_for_s3=False, attach=True, warn=None):
        self.client = client
        self.backups = Backups(client)
        self.policy = policy
        self.policy_id = as_id(policy['id'])
        self.known = set(as_id(r.get('id')) for r in recent)
        self.recent = recent
        self.wait_for_dr = wait_for_dr
        self.wait_for_s3 = wait_for_s3
        self.attach = attach
        self.warn = warn
        self.what = 'backup of policy %s' % policy.get('name')
        self.copy_expected = bool(policy.get('copy_to_s3_enabled'))
        self.started_at = None

    def operation_id(self, handle):
        if not isinstance(handle, dict):
            return handle
        if handle.get('id') is not None:
            return handle['id']
        return 'record %s' % handle.get('record')

    def running(self, records=None):
        for record in records if records is not None else self.recent:
            if record.get('status') in BACKUP_RUNNING:
                return record
        return None

    def existing(self):
        if not self.attach:
            return None
        record = self.running()
        if record is None:
            return None
        return {'id': None, 'record': as_id(record['id'])}

    def start(self):
        self.started_at = time.time()
        answer = self.client.post('policies/%d/backups/' % self.policy_id, None, feature='backup_now')
        tracker = as_id((answer or {}).get('tracker_id'))
        if tracker in (None, ''):
            raise ApiError('CPM accepted the backup but answered without a tracker_id', code='unexpected_answer',
                           service='CPM', method='POST', path='policies/%d/backups/' % self.policy_id, landed=True)
        return {'id': tracker, 'record': None}

    def find_started(self):
        for record in self.backups.recent(self.policy_id):
            if as_id(record.get('id')) not in self.known:
                return {'id': None, 'record': as_id(record['id'])}
        return None

    def on_start_error(self, err):
        if err.status != 412:
            return None
        reasons = []
        policy = self.client.get_or_none('policies/%d/' % self.policy_id, feature='policies') or self.policy
        if policy.get('enabled') is False:
            reasons.append('the policy is disabled (enabled: false)')
        if not self._has_targets():
            reasons.append('the policy has no targets')
        recent = self.backups.recent(self.policy_id, 5) if self.client.has('backups') else []
        record = self.running(recent)
        if record is not None and self.attach and not reasons:
            if self.warn is not None:
                self.warn('CPM refused a second backup of policy %s while backup record %s runs (412); following '
                          'that one instead' % (policy.get('name'), record.get('id')))
            return {'id': None, 'record': as_id(record['id'])}
        if record is not None:
            reasons.append('backup record %s of the policy is still running' % record.get('id'))
        err.message = ('CPM refused to start the backup of policy %s (412 Precondition Failed: %s). %s' % (
            policy.get('name'), err.message,
            'Likely cause: %s.' % '; '.join(reasons) if reasons else
            'A backup needs an enabled policy with at least one target and no backup of it running; check the '
            'policy and its account in CPM'))
        return None

    def _has_targets(self):
        from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.targets import KINDS
        if self.client.has('targets_all'):
            items = self.client.list('policies/%d/targets/' % self.policy_id, feature='targets_all', limit=1,
                                     page_size=1)
            return bool(items)
        for kind in KINDS.values():
            if self.client.has('targets_%s' % kind.family) and self.client.list(
                    'policies/%d/%s' % (self.policy_id, kind.path), feature='targets_%s' % kind.family, limit=1,
                    page_size=1):
                return True
        return False

    def poll(self, handle):
        if handle.get('record') is None:
            record = self.backups.by_tracker(handle['id'])
            if record is None:
                return None
            handle['record'] = as_id(record['id'])
            return record
        return self.backups.get(handle['record'])

    def classify(self, handle, observation):
        return backup_state(observation, self.wait_for_dr, self.wait_for_s3, self.copy_expected)
