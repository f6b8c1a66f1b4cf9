# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Captured VPCs (seed Ch.8), their CloudFormation templates, and VPC clones (Ch.4 4.9, 4.10).

Readings:

* CPM captures the VPCs of the backup accounts that have ``capture_vpcs`` on a schedule; every capture is a
  record (``captured_vpcs/``), so one VPC has several: the latest ``capture_time`` is the current one.
* ``clone_vpc/`` answers 200 or 201 (the seed lists both) without a body: a clone has no id and no status.  A
  clone is known by its source account and region and its destination (account, region, new VPC name), and its
  outcome by the **last line of its log** (``clone_vpc_log/?from_region=..&to_account=..&to_region=..&to_vpc=..``):
  an ``Error`` line, or one that says the clone failed, is a failure; a line that says it completed (or
  succeeded) is a success; anything else means it still runs.  The log of the same query before the request is
  remembered, so that a clone's log is not mistaken for an earlier one's.
* "The same clone" (idempotency): a clone of that source to that destination whose log ends successfully; a
  running one is followed; one that failed is tried again.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id, is_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.recoveries import epoch_of
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, RUNNING, SUCCESS, Job
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

_FAILED_RE = re.compile(r'\b(fail(ed|ure)?|error|abort(ed)?|rollback)\b', re.IGNORECASE)
_DONE_RE = re.compile(r'\b(complet(ed|e)|succe(ss|eded|ssful(ly)?)|finished|done)\b', re.IGNORECASE)
_VPC_RE = re.compile(r'\bvpc-[0-9a-f]{8,17}\b')


def latest_only(items):
    """The latest capture of each (account, region, VPC)."""
    best = {}
    for item in items:
        key = (as_id(item.get('account')), item.get('region'), item.get('vpc_aws_id'))
        if key not in best or (epoch_of(item.get('capture_time')) or 0) > (epoch_of(best[key].get('capture_time')) or 0):
            best[key] = item
    return sorted(best.values(), key=lambda v: (as_id(v.get('account')) or 0, str(v.get('region')),
                                                str(v.get('vpc_aws_id'))))


def find_vpc(client, ref, account=None, region_id=None, option='vpc'):
    """A captured VPC by record id, or the latest capture of a VPC by AWS id or name (in ``account``/region)."""
    if is_id(ref):
        found = client.get_or_none('captured_vpcs/%d/' % as_id(ref), feature='captured_vpcs')
        if found is None:
            raise ValidationError(option, 'no captured VPC has the id %s' % ref)
        return found
    params = {}
    if account is not None:
        params['account'] = account
    if region_id is not None:
        params['region'] = region_id
    items = [v for v in client.list('captured_vpcs/', params, feature='captured_vpcs')
             if str(ref) in (v.get('vpc_aws_id'), v.get('name'))]
    items = latest_only(items)
    if not items:
        raise ValidationError(option, 'no captured VPC is %s%s (CPM captures the VPCs of accounts with capture_vpcs)' % (
            ref, '' if account is None else ' in account %s' % account))
    if len(items) > 1:
        raise ValidationError(option, '%d captured VPCs match %s (%s); give the region or the captured VPC id' % (
            len(items), ref, ', '.join('%s in %s (id %s)' % (v.get('vpc_aws_id'), v.get('region'), v.get('id'))
                                       for v in items)))
    return items[0]


def vpc_view(item):
    return dict(item) if item else {}


def classify_line(line):
    """``(state, readable)`` of a clone from its last log line."""
    if not isinstance(line, dict):
        return RUNNING, 'not started'
    text = str(line.get('log') or '')
    level = str(line.get('log_type') or '').lower()
    if level in ('error', 'critical') or _FAILED_RE.search(text):
        return FAILED, 'failed'
    if _DONE_RE.search(text):
        return SUCCESS, 'successful'
    return RUNNING, 'in_progress'


def new_vpc_id(lines):
    """The id of the new VPC when the last line names one (best effort; the seed does not say)."""
    if not lines:
        return None
    found = _VPC_RE.findall(str(lines[-1].get('log') or ''))
    return found[-1] if found else None


class CloneJob(Job):
    """One VPC clone, followed on the last line of its log."""

    check_hint = 'the clone log of the account in CPM (GET /api/accounts/backup/ID/clone_vpc_log/)'

    def __init__(self, client, account, vpc, body, clone_again=False):
        self.client = client
        self.account = as_id(account['id'])
        self.vpc = vpc
        self.body = body
        self.clone_again = clone_again
        self.path = 'accounts/backup/%d/clone_vpc/' % self.account
        self.log_path = 'accounts/backup/%d/clone_vpc_log/' % self.account
        self.query = {'from_region': vpc.get('region'), 'to_account': body['to_account'],
                      'to_region': body['to_region'], 'to_vpc': body['to_vpc']}
        self.what = 'clone of VPC %s (%s) as %s in %s' % (
            vpc.get('vpc_aws_id'), vpc.get('region'), body['to_vpc'], body['to_region'])
        self.before = None

    def log(self):
        answer = self.client.get(self.log_path, params=self.query, feature='clone_vpc_log')
        return answer if isinstance(answer, list) else (answer or {}).get('results', []) or []

    def operation_id(self, handle):
        return None

    def existing(self):
        if not self.client.has('clone_vpc_log'):
            self.before = []
            return None
        self.before = self.log()
        state = classify_line(self.before[-1] if self.before else None)[0]
        if self.before and not self.clone_again and state in (SUCCESS, RUNNING):
            return {'id': None, 'existing': True}
        return None

    def start(self):
        self.client.call('POST', self.path, feature='clone_vpc', perm='recovery', json=self.body, expected=(200, 201))
        return {'id': None}

    def on_start_error(self, err):
        if err.status == 403:
            err.message = '%s (VPC capture and clone may not be in the CPM licence)' % err.message
        return None

    def find_started(self):
        if not self.client.has('clone_vpc_log'):
            return None
        lines = self.log()
        return {'id': None} if lines and lines != self.before else None

    def poll(self, handle):
        return self.log()

    def classify(self, handle, observation):
        if not handle.get('existing') and observation == self.before:
            return RUNNING, 'not visible yet'  # the log still shows an earlier clone (or none)
        return classify_line(observation[-1] if observation else None)


def query_text(job):
    return '&'.join('%s=%s' % (k, job.query[k]) for k in ('from_region', 'to_account', 'to_region', 'to_vpc'))
