# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Captured VPCs (Ch.8), their CloudFormation templates, and VPC clone runs with their logs (Ch.4 4.9/4.10)
(D43-D46)."""

import json
import time

from ..core import AdminError, Response
from .api import ApiError, F, Family, Route, apply_list, exact, forbidden, invalid, iso, not_found, page_response, \
    validate
from .directory import REGION_BY_ID, REGION_BY_NAME
from .recoveries import digest, log_line, logs_response, register_knobs

KNOBS = {'clone_vpc_seconds': 1.0, 'clone_vpc_status': '201', 'license_capture_vpc': True}
KNOB_CHOICES = {'clone_vpc_status': ('201', '200')}
CLONE_SPEC = {
    'bucket_name': F('str', nullable=True, default=None),
    'from_vpc': F('pk', required=True),
    'to_account': F('pk', required=True, model='account'),
    'to_region': F('str', required=True, blank=False),
    'to_vpc': F('str', required=True, blank=False),
}
STAGES = ((0.3, 'Info', 'CloudFormation template generated (%(size)d bytes).'),
          (0.6, 'Info', 'Creating CloudFormation stack %(stack)s in account %(to_account)s, region %(to_region)s.'))


class VpcsFamily(Family):
    """``/api/captured_vpcs/`` and ``/api/accounts/backup/{id}/clone_vpc[_log]/``."""

    name = 'vpcs'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.captured = {}
        self.seq = 0
        self.clones = []
        self.clone_seq = 0
        self.fail_next = 0
        self.capture_logs = []
        self.last_capture = None
        self.seen = set()       # accounts with capture_vpcs that had their first capture (D43)

    def routes(self):
        return [
            Route('GET', 'captured_vpcs/', self.list, '1.4.0', None, 20329),
            Route('GET', 'captured_vpcs/logs/', self.last_logs, '1.4.0', None, 20462, csv='both'),
            Route('GET', 'captured_vpcs/{id}/', self.get, '1.4.0', None, 20514),
            Route('GET', 'captured_vpcs/{id}/cloudformation_template/', self.template_get, '1.4.0', None, 20602),
            Route('POST', 'accounts/backup/{id}/clone_vpc/', self.clone, '1.3.0', 'recovery', 2846),
            Route('GET', 'accounts/backup/{id}/clone_vpc_log/', self.clone_log, '1.4.0', None, 2934, csv='both'),
        ]

    # -- capture (D43) -----------------------------------------------------------------------
    def capture(self, now, account_id=None):
        """Capture the VPCs of every backup account with ``capture_vpcs`` (or of ``account_id`` whatever its flag);
        every run adds one record per VPC (history).  Part 3's ``settings/capture_vpc/run/`` may call this."""
        made = []
        if not self.svc.config['license_capture_vpc']:
            self.capture_logs.append(log_line(now, 'Warning', 'VPC capture is not enabled in the license.'))
            return made
        inventory = self.svc.inventory
        for account in sorted(self.svc.accounts.accounts.values(), key=lambda a: a['id']):
            if account['kind'] != 'backup' or (account_id is None and not account.get('capture_vpcs')) or \
                    (account_id is not None and account['id'] != account_id):
                continue
            inventory.ensure(account['id'])
            for region, regional in sorted(inventory.estates.get(account['id'], {}).items()):
                vpcs = {}
                for instance in regional['instances'].values():
                    if instance.get('vpc_id'):
                        vpcs.setdefault(instance['vpc_id'], []).append(instance)
                for vpc_id, instances in sorted(vpcs.items()):
                    self.seq += 1
                    vpc = {'id': self.seq, 'account': account['id'], 'user': account['user'],
                           'name': '%s-vpc-%s' % (account['name'], region), 'region': region, 'vpc_aws_id': vpc_id,
                           'capture_time': now, 'cidr': '10.%d.0.0/16' % (int(digest(vpc_id, length=2), 16) % 200 + 10),
                           'subnets': sorted(set(i['subnet_id'] for i in instances)),
                           'security_groups': sorted(set(g for i in instances for g in i['security_groups']))}
                    vpc['template_size'] = len(self.template_text(vpc))
                    self.captured[vpc['id']] = vpc
                    made.append(vpc)
                    self.capture_logs.append(log_line(now, 'Info', 'Captured %s (%s) of account %s in %s.' % (
                        vpc_id, vpc['name'], account['name'], region)))
        self.last_capture = now
        return made

    def template(self, vpc, to_vpc=None, to_region=None, to_account=None, bucket=None):
        """The CloudFormation template that rebuilds a captured VPC."""
        region = to_region or vpc['region']
        base = vpc['cidr'].split('.')
        name = to_vpc or vpc['name']
        resources = {'VPC': {'Type': 'AWS::EC2::VPC', 'Properties': {
            'CidrBlock': vpc['cidr'], 'EnableDnsHostnames': True, 'EnableDnsSupport': True,
            'Tags': [{'Key': 'Name', 'Value': name}, {'Key': 'cpm:captured-from', 'Value': vpc['vpc_aws_id']}]}}}
        for index, subnet in enumerate(vpc['subnets'], 1):
            resources['Subnet%d' % index] = {'Type': 'AWS::EC2::Subnet', 'Properties': {
                'AvailabilityZone': region + 'a', 'CidrBlock': '%s.%s.%d.0/24' % (base[0], base[1], index),
                'Tags': [{'Key': 'Name', 'Value': '%s-subnet-%d' % (name, index)},
                         {'Key': 'cpm:captured-from', 'Value': subnet}], 'VpcId': {'Ref': 'VPC'}}}
        for index, group in enumerate(vpc['security_groups'], 1):
            resources['SecurityGroup%d' % index] = {'Type': 'AWS::EC2::SecurityGroup', 'Properties': {
                'GroupDescription': 'Copy of %s' % group, 'VpcId': {'Ref': 'VPC'},
                'Tags': [{'Key': 'cpm:captured-from', 'Value': group}]}}
        resources['InternetGateway'] = {'Type': 'AWS::EC2::InternetGateway', 'Properties': {}}
        resources['GatewayAttachment'] = {'Type': 'AWS::EC2::VPCGatewayAttachment', 'Properties': {
            'InternetGatewayId': {'Ref': 'InternetGateway'}, 'VpcId': {'Ref': 'VPC'}}}
        template = {'AWSTemplateFormatVersion': '2010-09-09',
                    'Description': 'VPC %s (%s) captured by CPM at %s' % (
                        vpc['vpc_aws_id'], vpc['region'], iso(vpc['capture_time'])),
                    'Metadata': {'TargetAccount': to_account, 'TargetRegion': region, 'Bucket': bucket},
                    'Resources': resources, 'Outputs': {'VpcId': {'Value': {'Ref': 'VPC'}}}}
        return template

    def template_text(self, vpc, **kwargs):
        """The template as served (indented JSON, sorted keys)."""
        return json.dumps(self.template(vpc, **kwargs), indent=2, sort_keys=True) + '\n'

    # -- captured VPCs -------------------------------------------------------------------------
    @staticmethod
    def render(vpc):
        """A captured VPC."""
        return {'account': vpc['account'], 'capture_time': iso(vpc['capture_time']), 'id': vpc['id'],
                'name': vpc['name'], 'region': vpc['region'], 'template_size': vpc['template_size'],
                'vpc_aws_id': vpc['vpc_aws_id']}

    def _visible(self, call):
        vpc = self.captured.get(call.param_id())
        if vpc is None or not call.can_see(vpc['user']):
            raise not_found()
        return vpc

    def list(self, call):
        """GET /api/captured_vpcs/ (filters account, region (an id), user; ordering account, region)"""
        def region_filter(vpc, raw):
            try:
                return REGION_BY_ID.get(int(float(raw))) == vpc['region']
            except ValueError as exc:
                raise invalid('region', 'Enter a number.') from exc
        items = [v for v in self.captured.values() if call.can_see(v['user'])]
        items = apply_list(call, items,
                           filters={'account': exact(lambda v: v['account'], 'int'), 'region': exact(None, region_filter),
                                    'user': exact(lambda v: v['user'], 'int')},
                           ordering={'account': lambda v: v['account'], 'region': lambda v: v['region']})
        return page_response(call, items, self.render)

    def get(self, call):
        """GET /api/captured_vpcs/{id}/"""
        return self.svc.respond(call, 200, self.render(self._visible(call)))

    def template_get(self, call):
        """GET /api/captured_vpcs/{id}/cloudformation_template/ (to_account, to_region, to_vpc, bucket_name; D44)"""
        vpc = self._visible(call)
        to_account = call.q('to_account')
        if to_account:
            try:
                account = self.svc.accounts.accounts.get(int(float(to_account)))
            except ValueError:
                account = None
            if account is None or not call.can_see(account['user']):
                raise invalid('to_account', 'Invalid pk "%s" - object does not exist.' % to_account, 'does_not_exist')
            to_account = account['id']
        to_region = call.q('to_region') or None
        if to_region and to_region not in REGION_BY_NAME:
            raise invalid('to_region', '"%s" is not a valid choice.' % to_region, 'invalid_choice')
        text = self.template_text(vpc, to_vpc=call.q('to_vpc') or None, to_region=to_region,
                                  to_account=to_account or None, bucket=call.q('bucket_name') or None)
        return Response(200, text, 'application/json', [
            ('Content-Disposition', 'attachment; filename="%s.template.json"' % vpc['vpc_aws_id'])])

    # -- clones (D45, D46) ---------------------------------------------------------------------
    def _account(self, call):
        account = self.svc.accounts.accounts.get(call.param_id())
        if account is None or account['kind'] != 'backup' or not call.can_see(account['user']):
            raise not_found()
        return account

    def clone(self, call):
        """POST /api/accounts/backup/{id}/clone_vpc/ -> 201 (or 200: knob), no body; the clone runs over time"""
        if not self.svc.config['license_capture_vpc']:
            raise forbidden('VPC capture and clone is not enabled in the license.')
        account = self._account(call)
        values = validate(CLONE_SPEC, call.body_dict(), self.svc.lookup(call))
        errors = {}
        vpc = self.captured.get(values['from_vpc'])
        if vpc is None or vpc['account'] != account['id']:
            errors['from_vpc'] = [('Invalid pk "%s" - object does not exist.' % values['from_vpc'], 'does_not_exist')]
        if values['to_region'] not in REGION_BY_NAME:
            errors['to_region'] = [('"%s" is not a valid choice.' % values['to_region'], 'invalid_choice')]
        if errors:
            raise ApiError(400, errors)
        self.clone_seq += 1
        failing = self.fail_next > 0
        if failing:
            self.fail_next -= 1
        size = len(self.template_text(vpc, to_vpc=values['to_vpc'], to_region=values['to_region']))
        run = {'seq': self.clone_seq, 'account': account['id'], 'user': account['user'], 'from_vpc': vpc['id'],
               'from_region': vpc['region'], 'vpc_aws_id': vpc['vpc_aws_id'], 'to_account': values['to_account'],
               'to_region': values['to_region'], 'to_vpc': values['to_vpc'], 'bucket': values['bucket_name'],
               'begin': call.now, 'end': None, 'state': 'running', 'stage': 0, 'failing': failing, 'logs': [],
               'new_vpc_id': None, 'template_size': size}
        run['logs'].append(log_line(call.now, 'Info', 'Clone of VPC %s (%s) to account %d, region %s as %s started.' % (
            vpc['vpc_aws_id'], vpc['region'], values['to_account'], values['to_region'], values['to_vpc'])))
        self.clones.append(run)
        self._step(run, call.now)
        return Response(int(self.svc.config['clone_vpc_status']), b'', 'application/json')

    def advance(self, now):
        for account in self.svc.accounts.accounts.values():
            if account.get('capture_vpcs') and account['kind'] == 'backup' and account['id'] not in self.seen:
                self.seen.add(account['id'])
                if not any(vpc['account'] == account['id'] for vpc in self.captured.values()):
                    self.capture(now, account['id'])  # CPM's next capture cycle, right away
        for run in self.clones:
            if run['state'] == 'running':
                self._step(run, now)

    def _step(self, run, now):
        seconds = float(self.svc.config['clone_vpc_seconds'])
        facts = {'size': run['template_size'], 'stack': 'cpm-clone-%s-%d' % (run['to_vpc'], run['seq']),
                 'to_account': run['to_account'], 'to_region': run['to_region']}
        while run['stage'] < len(STAGES) and now >= run['begin'] + STAGES[run['stage']][0] * seconds:
            fraction, level, text = STAGES[run['stage']]
            run['logs'].append(log_line(run['begin'] + fraction * seconds, level, text % facts))
            run['stage'] += 1
        if now < run['begin'] + seconds:
            return
        ended = run['begin'] + seconds
        run['end'] = ended
        problem = None
        if run['bucket']:
            bucket = self.svc.inventory.find(run['to_account'], None, 's3_buckets', run['bucket'])
            if bucket is None or bucket['region'] != run['to_region']:
                problem = 'S3 bucket %s was not found in region %s of account %s.' % (
                    run['bucket'], run['to_region'], run['to_account'])
        if run['failing'] and problem is None:
            problem = 'CloudFormation stack %s failed (ROLLBACK_COMPLETE).' % facts['stack']
        if problem:
            run['state'] = 'failed'
            run['logs'].append(log_line(ended, 'Error', 'Clone VPC failed: %s' % problem))
            return
        run['state'] = 'succeeded'
        run['new_vpc_id'] = 'vpc-' + digest('clone', run['seq'], run['to_vpc'])
        run['logs'].append(log_line(ended, 'Info', 'Clone VPC completed successfully: new VPC %s (%s) in %s.' % (
            run['new_vpc_id'], run['to_vpc'], run['to_region'])))

    def clone_log(self, call):
        """GET /api/accounts/backup/{id}/clone_vpc_log/ (the last clone of the account matching from_region,
        to_account, to_region, to_vpc; JSON or text/csv; D46)"""
        account = self._account(call)
        runs = [r for r in self.clones if r['account'] == account['id']]
        for name, key in (('from_region', 'from_region'), ('to_region', 'to_region'), ('to_vpc', 'to_vpc')):
            value = call.q(name)
            if value:
                runs = [r for r in runs if r[key] == value]
        to_account = call.q('to_account')
        if to_account:
            try:
                wanted = int(float(to_account))
            except ValueError as exc:
                raise invalid('to_account', 'Enter a number.') from exc
            runs = [r for r in runs if r['to_account'] == wanted]
        rows = runs[-1]['logs'] if runs else []
        return logs_response(call, rows, 'clone_vpc_%s.csv' % account['name'])

    def last_logs(self, call):
        """GET /api/captured_vpcs/logs/ (the logs of the caller's last VPC clone)"""
        runs = [r for r in self.clones if call.can_see(r['user'])]
        return logs_response(call, runs[-1]['logs'] if runs else [], 'captured_vpcs_clone.csv')

    # -- admin ---------------------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'capture-vpcs' and method == 'POST':
            account = params.get('account')
            try:
                account = int(account) if account is not None else None
            except (TypeError, ValueError) as exc:
                raise AdminError(400, 'account must be an id') from exc
            if account is not None and account not in self.svc.accounts.accounts:
                raise AdminError(404, 'account %s not found' % account)
            made = self.capture(time.time(), account)
            return {'ok': True, 'captured': [self.render(v) for v in made]}
        if action == 'fail-next-clone' and method == 'POST':
            self.fail_next += 1
            return {'ok': True, 'failing': self.fail_next}
        if action == 'clones' and method == 'GET':
            return {'clones': [dict((k, v) for k, v in run.items()) for run in self.clones],
                    'capture_logs': list(self.capture_logs)}
        return NotImplemented
