# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Settings (Ch.23, without the identity provider): singleton sections, write-only secrets, runs over time, the
identifier that regenerates the CPM UUID on POST, notifications per user, proxy and e-mail identity tests,
upgrade patches, downloads (D62, D70)."""

import hashlib
import os
import re
import uuid

from ..core import AdminError, Response
from .api import CPM_VERSIONS, ApiError, F, Family, Route, detail, forbidden, invalid, iso, not_found, page_response, validate
from .directory import REGION_BY_NAME, ROOT_ID
from .helpers import (check_email, deny_delegates, empty, fingerprint, keep_secrets, log_entry, log_list, put_mode,
                      raise_errors, register_knobs, require_root_or_delegate, require_settings, settings_mode, str_ids)

SPECS = {
    'capture_vpc': {'capture_vpcs': F('bool', default=False),
                    'capture_vpcs_interval': F('int', required=True, min_value=1)},
    'cleanup': {'cleanup_interval': F('int', required=True, min_value=1),
                'cleanup_type': F('choice', choices=('snapshots', 's3'), default='snapshots'),
                'days_until_single_ami_rotation': F('int', required=True, min_value=0),
                'keep_deleted_backup_records': F('int', required=True, min_value=0),
                'keep_resource_control_records': F('int', required=True, min_value=0),
                'keep_user_audit_logs_days': F('int', required=True, min_value=0)},
    'cost_explorer': {'enabled': F('bool', required=True)},
    'cpm_log_mode': {'cpm_log_mode': F('choice', choices=('STANDARD', 'DEBUG'), default='STANDARD')},
    'email_identity': {'email_address': F('str', nullable=True, default=None),
                       'enabled': F('bool', required=True),
                       'ses_access_key': F('str', nullable=True, default=None),
                       'ses_account': F('str', nullable=True, default=None),
                       'ses_authentication': F('choice', choices=('C', 'R', 'A'), default='C'),
                       'ses_region': F('str', nullable=True, default=None),
                       'ses_secret_key': F('str', nullable=True, default=None, write_only=True),
                       'verify_source_address': F('bool', default=True)},
    'file_level_recovery': {'aws_access_key': F('str', nullable=True, default=None),
                            'aws_secret_key': F('str', nullable=True, default=None, write_only=True),
                            'enable_file_level_recovery': F('bool', default=False),
                            'existing_account': F('str', nullable=True, default=None),
                            'use_exisiting_account': F('bool', default=False)},
    'proxy': {'address': F('str', nullable=True, default=None), 'enabled': F('bool', default=False),
              'password': F('str', nullable=True, default=None, write_only=True),
              'port': F('int', nullable=True, default=None, min_value=1), 'user': F('str', nullable=True, default=None)},
    'security': {'encryption_key_detection': F('choice', required=True, choices=('S', 'D', 'A'))},
    'tagscan': {'scan_resources': F('bool', default=False),
                'tag_scan_excluded_volumes_enabled': F('bool', default=False),
                'tag_scan_interval': F('int', required=True, min_value=1)},
}
#: Values before the first POST (GET always answers an object, D62).
DEFAULTS = {
    'capture_vpc': {'capture_vpcs': False, 'capture_vpcs_interval': 24, 'last_capture_vpcs_time': None},
    'cleanup': {'cleanup_interval': 1, 'cleanup_type': 'snapshots', 'days_until_single_ami_rotation': 30,
                'keep_deleted_backup_records': 30, 'keep_resource_control_records': 30, 'keep_user_audit_logs_days': 30,
                'last_cleanup_time': None, 'last_s3_cleanup_time': None},
    'cost_explorer': {'enabled': True},
    'cpm_log_mode': {'cpm_log_mode': 'STANDARD'},
    'email_identity': {'email_address': None, 'enabled': False, 'ses_access_key': None, 'ses_account': None,
                       'ses_authentication': 'C', 'ses_region': None, 'ses_secret_key': None,
                       'verify_source_address': True},
    'file_level_recovery': {'aws_access_key': None, 'aws_secret_key': None, 'enable_file_level_recovery': False,
                            'existing_account': None, 'use_exisiting_account': False},
    'proxy': {'address': None, 'enabled': False, 'password': None, 'port': None, 'user': None},
    'security': {'encryption_key_detection': 'S'},
    'tagscan': {'scan_resources': False, 'tag_scan_excluded_volumes_enabled': False, 'tag_scan_interval': 1,
                'last_resources_scan_time': None},
}
SECRETS = {'email_identity': ('ses_secret_key',), 'file_level_recovery': ('aws_secret_key',), 'proxy': ('password',)}
READ_ONLY = {'capture_vpc': ('last_capture_vpcs_time',), 'cleanup': ('last_cleanup_time', 'last_s3_cleanup_time'),
             'tagscan': ('last_resources_scan_time',)}
#: (section, seed line of POST, of GET, Initial Release)
SECTIONS = (('capture_vpc', 43223, 43304, '1.3.0'), ('cleanup', 43460, 43610, '1.1.0'),
            ('cost_explorer', 43861, 43926, '1.5.0'), ('cpm_log_mode', 44012, 44093, '1.3.0'),
            ('email_identity', 44186, 44331, '1.3.0'), ('file_level_recovery', 44537, 44647, '1.2.0'),
            ('proxy', 47789, 47893, '1.0.0'), ('security', 48043, 48138, '1.3.0'), ('tagscan', 48209, 48300, '1.1.0'))
RUN_KINDS = ('cleanup', 'tagscan', 'capture_vpc')
ALERTS_SPEC = {'enabled': F('bool', default=False), 'sns_alerts_topic_arn': F('str', nullable=True, default=None),
               'create_new_topic': F('bool', default=False, write_only=True),
               'add_user_email': F('bool', default=False, write_only=True)}
SUMMARY_SPEC = {'summary_daily_time': F('str', required=True, blank=False),
                'enable_summary': F('bool', default=False),
                'sns_summary_topic_arn': F('str', nullable=True, default=None),
                'use_same_sns_topic': F('bool', default=False),
                'create_new_summery_topic': F('bool', default=False, write_only=True),
                'add_user_email_to_summary': F('bool', default=False, write_only=True)}
NOTIFY_UPDATE = {
    'sns_authentication': F('choice', required=True, choices=('C', 'R', 'A')),
    'sns_region': F('str', required=True, blank=False),
    'sns_access_key': F('str', nullable=True, default=None),
    'sns_secret_key': F('str', nullable=True, default=None, write_only=True),
    'sns_account': F('pk', nullable=True, default=None, model='account'),
    'include_managed_user_alerts': F('bool', default=False),
    'alerts': F('obj', spec=ALERTS_SPEC),
    'daily_summary': F('obj', spec=SUMMARY_SPEC),
}
NOTIFY_CREATE = dict(NOTIFY_UPDATE, user=F('pk', required=True, model='user'))
HOUR_RE = re.compile(r'^(\d{1,2})(?::(\d{2})(?::(\d{2}))?)?$')
VERIFY_STATES = ('NotStarted', 'Pending', 'Success', 'Failed')
KNOBS = {'settings_post': 'replace', 'settings_delegates': 'flag', 'identifier_initial': 'set',
         'settings_run_seconds': 0.5, 'email_verify_seconds': 1.0, 'license_capture_vpc': True}
KNOB_CHOICES = {'settings_post': ('replace', 'merge'), 'settings_delegates': ('flag', 'root_only'),
                'identifier_initial': ('set', 'unset')}


class SettingsFamily(Family):
    """``/api/settings/...`` except the identity provider (:mod:`.idp`)."""

    name = 'settings'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.sections = dict((name, dict(values)) for name, values in DEFAULTS.items())
        self.posts = dict((name, 0) for name in DEFAULTS)
        self.ignored = []
        self.identifier = {'cpm_name': 'cpm-sim', 'cpm_uuid': str(uuid.uuid4()), 'posted': False}
        self.identifier_history = []
        self.activation_keys = []
        self.patches = []
        self.runs = {}
        self.logs = {'cleanup': [], 'cleanup_s3': [], 'tagscan': [], 'capture_vpc': []}
        self.fail_next_proxy = None
        self.proxy_tests = []
        self.verifications = {}
        self.fail_next_verification = {}
        self.notifications = {}
        self.notify_seq = 0
        self.subscriptions = []
        self.summary_tests = []

    # -- routes ------------------------------------------------------------------------
    def routes(self):
        routes = []
        for section, post_line, get_line, since in SECTIONS:
            base = 'settings/%s/' % section
            routes.append(Route('POST', base, self._bind(self.section_post, section), since, None, post_line))
            routes.append(Route('GET', base, self._bind(self.section_get, section), since, None, get_line))
        routes += [
            Route('POST', 'settings/activation_key/', self.activation_key, '1.4.0', None, 43170),
            Route('GET', 'settings/capture_vpc/logs/', self._bind(self.logs_get, 'capture_vpc'), '1.3.0', None, 43373,
                  csv='both'),
            Route('POST', 'settings/capture_vpc/run/', self._bind(self.run, 'capture_vpc'), '1.3.0', None, 43430),
            Route('GET', 'settings/cleanup/logs/', self._bind(self.logs_get, 'cleanup'), '1.1.0', None, 43718,
                  csv='both'),
            Route('POST', 'settings/cleanup/run/', self._bind(self.run, 'cleanup'), '1.1.0', None, 43775),
            Route('GET', 'settings/cleanup/s3_logs/', self._bind(self.logs_get, 'cleanup_s3'), '1.4.0', None, 43804,
                  csv='both'),
            Route('GET', 'settings/cpm_certificate/', self.certificate, '1.2.0', None, 43966, csv='download'),
            Route('GET', 'settings/cpm_metadata/', self.metadata, '1.2.0', None, 44159, csv='download'),
            Route('POST', 'settings/email_identity/verify/', self.verify, '1.4.0', None, 44429),
            Route('GET', 'settings/email_identity/verify_status/', self.verify_status, '1.4.0', None, 44480),
            Route('POST', 'settings/identifier/', self.identifier_post, '1.1.0', None, 44729),
            Route('GET', 'settings/identifier/', self.identifier_get, '1.1.0', None, 44804),
            Route('PUT', 'settings/identifier/', self.identifier_put, '1.4.0', None, 44854),
            Route('POST', 'settings/notifications/', self.notify_create, '1.2.0', None, 46828),
            Route('GET', 'settings/notifications/', self.notify_list, '1.2.0', None, 47134),
            Route('GET', 'settings/notifications/{id}/', self.notify_get, '1.4.0', None, 47287),
            Route('PUT', 'settings/notifications/{id}/', self.notify_update, '1.5.0', None, 47442),
            Route('POST', 'settings/notifications/{id}/test_daily_summary/', self.notify_test, '1.4.0', None, 47749),
            Route('POST', 'settings/proxy/test_connection/', self.proxy_test, '1.3.0', None, 47968),
            Route('GET', 'settings/tagscan/logs/', self._bind(self.logs_get, 'tagscan'), '1.1.0', None, 48376,
                  csv='both'),
            Route('POST', 'settings/tagscan/run/', self._bind(self.run, 'tagscan'), '1.2.0', None, 48433),
            Route('POST', 'settings/upgrade_patches/', self.patch_upload, '1.4.0', None, 48462),
            Route('GET', 'settings/upgrade_patches/', self.patch_list, '1.4.0', None, 48515),
        ]
        return routes

    @staticmethod
    def _bind(method, section):
        def handler(call):
            return method(call, section)
        handler.__doc__ = method.__doc__
        return handler

    # -- singleton sections (D62) -----------------------------------------------------------
    def _access(self, call, section, write):
        if section == 'cost_explorer':  # "Only root user and his delegates" (L43867)
            require_root_or_delegate(call, 'allow_settings_changes' if write else None)
            return
        require_settings(call)
        if section == 'capture_vpc' and not self.svc.config['license_capture_vpc']:
            raise forbidden('VPC capture is not enabled in the license.')

    def render(self, section):
        """A section as GET shows it (write-only secrets left out)."""
        values = self.sections[section]
        hidden = SECRETS.get(section, ())
        return dict(sorted((key, value) for key, value in values.items() if key not in hidden))

    def section_get(self, call, section):
        """GET /api/settings/<section>/ (one object)"""
        self._access(call, section, False)
        return self.svc.respond(call, 200, self.render(section))

    def section_post(self, call, section):
        """POST /api/settings/<section>/ -> 201 (create or replace: knob settings_post; secrets kept when not sent)"""
        self._access(call, section, True)
        body = call.body_dict()
        current = self.sections[section]
        values = validate(SPECS[section], body, self.svc.lookup(call), current=current, mode=settings_mode(self.svc))
        keep_secrets(values, body, current, SECRETS.get(section, ()))
        unknown = sorted(set(body) - set(SPECS[section]))
        if unknown:  # ignored, as DRF does; admin ``settings`` lists them (a key of another section, D62)
            self.ignored.append({'section': section, 'keys': unknown})
        check = getattr(self, '_check_' + section, None)
        if check is not None:
            check(call, values)
        current.update(values)
        self.posts[section] += 1
        return self.svc.respond(call, 201, self.render(section))

    def _check_email_identity(self, call, values):
        errors = {}
        check_email(errors, 'email_address', values['email_address'])
        if values['ses_region'] and values['ses_region'] not in REGION_BY_NAME:
            errors['ses_region'] = [('"%s" is not a valid choice.' % values['ses_region'], 'invalid_choice')]
        if values['enabled']:
            auth = values['ses_authentication']
            if not values['email_address']:
                errors.setdefault('email_address', []).append(('This field is required when SES is enabled.',
                                                               'required'))
            if not values['ses_region']:
                errors.setdefault('ses_region', []).append(('This field is required when SES is enabled.', 'required'))
            if auth == 'C':
                for key in ('ses_access_key', 'ses_secret_key'):
                    if not values[key]:
                        errors[key] = [('This field is required for IAM User Credentials.', 'required')]
            if auth == 'A' and not (values['ses_account'] and re.match(r'^\d{12}$', values['ses_account'])):
                errors['ses_account'] = [('A 12-digit AWS account number is required for Assume Role.', 'required')]
        raise_errors(errors)
        if values['enabled'] and values['ses_authentication'] == 'R' and call.user['id'] != ROOT_ID:
            raise forbidden('Only the root user may use the CPM Instance IAM Role.')

    def _check_file_level_recovery(self, call, values):
        errors = {}
        if values['use_exisiting_account']:
            names = [a['name'] for a in self.svc.accounts.accounts.values()
                     if call.can_see(a['user']) and a['kind'] == 'backup']
            if values['existing_account'] not in names:
                errors['existing_account'] = [('Account "%s" does not exist.' % values['existing_account'],
                                               'does_not_exist')]
        elif values['enable_file_level_recovery']:
            for key in ('aws_access_key', 'aws_secret_key'):
                if not values[key]:
                    errors[key] = [('This field is required unless an existing account is used.', 'required')]
        raise_errors(errors)

    @staticmethod
    def _check_proxy(_call, values):
        errors = {}
        if values['enabled']:
            for key in ('address', 'port'):
                if not values[key]:
                    errors[key] = [('This field is required when the proxy is enabled.', 'required')]
        if values['port'] is not None and values['port'] > 65535:
            errors['port'] = [('Ensure this value is less than or equal to 65535.', 'max_value')]
        raise_errors(errors)

    # -- activation key, patches, downloads ----------------------------------------------------
    def activation_key(self, call):
        """POST /api/settings/activation_key/ {activation_key} -> 201, no body (write-only)"""
        require_settings(call)
        values = validate({'activation_key': F('str', required=True, blank=False, write_only=True)}, call.body_dict())
        self.activation_keys.append({'time': call.now, 'fingerprint': fingerprint(values['activation_key'])})
        return empty(201)

    def patch_upload(self, call):
        """POST /api/settings/upgrade_patches/ {patch_file} -> 201, no body"""
        require_settings(call)
        values = validate({'patch_file': F('str', required=True, blank=False)}, call.body_dict())
        content = values['patch_file']
        if '\n' not in content and len(content) <= 255 and '.' in content:
            name = os.path.basename(content.replace('\\', '/'))
        else:
            name = 'patch-%s' % hashlib.sha256(content.encode('utf-8')).hexdigest()[:8]
        if any(p['name'] == name for p in self.patches):
            raise invalid('patch_file', 'Patch %s is already installed.' % name, 'unique')
        self.patches.append({'install_time': call.now, 'name': name,
                             'supported_versions': CPM_VERSIONS[self.svc.config['api_version']]})
        return empty(201)

    def patch_list(self, call):
        """GET /api/settings/upgrade_patches/"""
        require_settings(call)
        return page_response(call, list(self.patches), lambda p: {'install_time': iso(p['install_time']),
                                                                  'name': p['name'],
                                                                  'supported_versions': p['supported_versions']})

    def certificate(self, call):
        """GET /api/settings/cpm_certificate/ (a PEM download, whatever Accept says)"""
        require_settings(call)
        pem = None
        simulator = self.svc.simulator
        paths = getattr(simulator, 'cert_paths', None) if simulator is not None else None
        if paths and os.path.exists(paths.get('cert', '')):
            with open(paths['cert'], 'rb') as handle:
                pem = handle.read()
        if not pem:
            pem = b'-----BEGIN CERTIFICATE-----\nU0lNVUxBVEVELUNQTS1DRVJUSUZJQ0FURQ==\n-----END CERTIFICATE-----\n'
        return Response(200, pem, 'application/x-pem-file', [('Content-Disposition', 'attachment; filename="cpm.crt"')])

    def metadata(self, call):
        """GET /api/settings/cpm_metadata/ (the SAML service provider metadata, an XML download)"""
        require_settings(call)
        base = call.base_url()
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
               '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="%s/api/saml/%s">\n'
               '  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">\n'
               '    <md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
               'Location="%s/api/saml/acs/" index="1"/>\n'
               '  </md:SPSSODescriptor>\n</md:EntityDescriptor>\n') % (base, self.identifier['cpm_uuid'], base)
        return Response(200, xml, 'application/xml', [('Content-Disposition', 'attachment; filename="cpm_metadata.xml"')])

    # -- identifier (D70) ---------------------------------------------------------------------
    def _identifier_set(self):
        return self.identifier['posted'] or self.svc.config['identifier_initial'] == 'set'

    def _identifier_view(self):
        if not self._identifier_set():
            return {'cpm_name': None, 'cpm_uuid': None}
        return {'cpm_name': self.identifier['cpm_name'], 'cpm_uuid': self.identifier['cpm_uuid']}

    def identifier_get(self, call):
        """GET /api/settings/identifier/"""
        require_settings(call)
        return self.svc.respond(call, 200, self._identifier_view())

    def identifier_post(self, call):
        """POST /api/settings/identifier/ {cpm_name} -> 201: a NEW CPM UUID replaces the old one (L44737)"""
        require_settings(call)
        values = validate({'cpm_name': F('str', required=True, blank=False)}, call.body_dict())
        old = self.identifier['cpm_uuid'] if self._identifier_set() else None
        self.identifier.update(cpm_name=values['cpm_name'], cpm_uuid=str(uuid.uuid4()), posted=True)
        self.identifier_history.append({'time': call.now, 'method': 'POST', 'old_uuid': old,
                                        'new_uuid': self.identifier['cpm_uuid']})
        return self.svc.respond(call, 201, self._identifier_view())

    def identifier_put(self, call):
        """PUT /api/settings/identifier/ {cpm_name} -> 200 (the UUID is kept; 404 before any identifier exists)"""
        require_settings(call)
        values = validate({'cpm_name': F('str', required=True, blank=False)}, call.body_dict())
        if not self._identifier_set():
            raise detail(404, 'No CPM identifier has been created yet.', 'not_found')
        self.identifier['cpm_name'] = values['cpm_name']
        self.identifier_history.append({'time': call.now, 'method': 'PUT', 'old_uuid': self.identifier['cpm_uuid'],
                                        'new_uuid': self.identifier['cpm_uuid']})
        return self.svc.respond(call, 200, self._identifier_view())

    # -- runs over time --------------------------------------------------------------------------
    def run(self, call, kind):
        """POST /api/settings/{cleanup|tagscan|capture_vpc}/run/ -> 202, no body (400 while one runs)"""
        require_settings(call)
        if kind == 'capture_vpc' and not self.svc.config['license_capture_vpc']:
            raise forbidden('VPC capture is not enabled in the license.')
        if kind in self.runs:
            raise ApiError(400, {'non_field_errors': [('A %s operation is already running.' % kind.replace('_', ' '),
                                                       'invalid')]})
        log_key = 'cleanup_s3' if kind == 'cleanup' and self.sections['cleanup']['cleanup_type'] == 's3' else kind
        self.logs[log_key] = [dict(log_entry(call.now, 'Info', 'Operation %s started.' % log_key.replace('_', ' ')),
                                   user=ROOT_ID)]
        self.runs[kind] = {'begin': call.now, 'log_key': log_key}
        if float(self.svc.config['settings_run_seconds']) <= 0:
            self._finish(kind, call.now)
        return empty(202)

    def advance(self, now):
        if self.runs:
            seconds = float(self.svc.config['settings_run_seconds'])
            for kind in list(self.runs):
                if now >= self.runs[kind]['begin'] + seconds:
                    self._finish(kind, self.runs[kind]['begin'] + seconds)
        if self.verifications:
            seconds = float(self.svc.config['email_verify_seconds'])
            for state in self.verifications.values():
                if state['status'] == 'Pending' and now >= state['since'] + seconds:
                    state['status'] = state['outcome']

    def _log(self, key, when, level, text, user=ROOT_ID):
        self.logs[key].append(dict(log_entry(when, level, text), user=user))

    def _finish(self, kind, when):
        run = self.runs.pop(kind)
        key = run['log_key']
        if kind == 'cleanup':
            self._cleanup(key, when)
        elif kind == 'tagscan':
            self._tagscan(when)
            self.sections['tagscan']['last_resources_scan_time'] = iso(when)
        else:
            self._capture(when)
            self.sections['capture_vpc']['last_capture_vpcs_time'] = iso(when)
        self._log(key, when, 'Info', 'Operation %s finished.' % key.replace('_', ' '))

    def _cleanup(self, key, when):
        section = self.sections['cleanup']
        if key == 'cleanup_s3':
            section['last_s3_cleanup_time'] = iso(when)
            self._log(key, when, 'Info', 'S3 repositories cleaned up.')
            return
        section['last_cleanup_time'] = iso(when)
        rc = getattr(self.svc, 'rc', None)
        removed = 0
        if rc is not None:
            horizon = when - section['keep_resource_control_records'] * 86400.0
            for record_id in [r['id'] for r in rc.records.values() if r['end_time'] is not None and r['end_time'] < horizon]:
                del rc.records[record_id]
                removed += 1
        self._log(key, when, 'Info', 'Deleted %d resource control records older than %d days.' % (
            removed, section['keep_resource_control_records']))
        reports = getattr(self.svc, 'reports', None)
        if reports is not None:
            dropped = reports.expire_audit(when - section['keep_user_audit_logs_days'] * 86400.0)
            self._log(key, when, 'Info', 'Deleted %d audit records older than %d days.' % (
                dropped, section['keep_user_audit_logs_days']))

    def _tagscan(self, when):
        """CPM's tag scan (D70): resources tagged ``cpm backup``/``cpm_backup`` = <policy names> in accounts that
        scan tagged resources join those policies (created when missing), through part 1's tag-scan action."""
        svc = self.svc
        kinds = ('instances', 'volumes', 'rds_databases', 'rds_clusters', 'redshift_clusters', 'dynamodb_tables', 'efs')
        for account in list(svc.accounts.accounts.values()):
            if account['kind'] != 'backup' or not account.get('scan_tagged_resources'):
                continue
            svc.inventory.ensure(account['id'])
            for region, regional in sorted(svc.inventory.estates.get(account['id'], {}).items()):
                for kind in kinds:
                    for resource in list(regional.get(kind, {}).values()):
                        tags = resource.get('tags') or {}
                        value = tags.get('cpm backup', tags.get('cpm_backup'))
                        if not value:
                            continue
                        for policy in [w.split('#', 1)[0] for w in re.split(r'[\s,]+', value) if w.split('#', 1)[0]]:
                            params = {'account': account['id'], 'region': region, 'kind': kind, 'policy': policy}
                            if kind == 'dynamodb_tables':
                                params['aws_resource_name'] = resource['name']
                            else:
                                params['aws_resource_id'] = resource['aws_id']
                            try:
                                result = svc.targets.admin('tag-scan', 'POST', params)
                            except AdminError as exc:
                                self._log('tagscan', when, 'Warning', 'Resource %s: %s' % (
                                    resource['aws_id'], exc.message), account['user'])
                                continue
                            self._log('tagscan', when, 'Info', 'Resource %s added to policy %s%s.' % (
                                resource['aws_id'], policy, ' (created)' if result.get('policy_created') else ''),
                                account['user'])

    def _capture(self, when):
        """VPC capture: part 2's captured VPCs (``vpcs.capture``) when that family is there; one log line per VPC."""
        svc = self.svc
        vpcs = getattr(svc, 'vpcs', None)
        if vpcs is not None and hasattr(vpcs, 'capture'):
            for vpc in vpcs.capture(when):
                account = svc.accounts.accounts.get(vpc['account'])
                self._log('capture_vpc', when, 'Info', 'Captured VPC %s of account %s in %s.' % (
                    vpc['vpc_aws_id'], account['name'] if account else vpc['account'], vpc['region']), vpc['user'])
            return
        for account in list(svc.accounts.accounts.values()):
            if account['kind'] != 'backup' or not account.get('capture_vpcs'):
                continue
            svc.inventory.ensure(account['id'])
            for region in sorted(svc.inventory.estates.get(account['id'], {})):
                instances = svc.inventory.estates[account['id']][region]['instances'].values()
                for vpc in sorted(set(i.get('vpc_id') for i in instances if i.get('vpc_id'))):
                    self._log('capture_vpc', when, 'Info', 'Captured VPC %s of account %s in %s.' % (
                        vpc, account['name'], region), account['user'])

    def logs_get(self, call, key):
        """GET /api/settings/{cleanup|tagscan|capture_vpc}/logs/, cleanup/s3_logs/ (the last run; JSON or text/csv)"""
        rows = [dict((k, v) for k, v in row.items() if k != 'user') for row in self.logs[key] if call.can_see(row['user'])]
        return log_list(call, rows, 'settings_%s_logs.csv' % key)

    # -- e-mail identity verification -----------------------------------------------------------
    def verify(self, call):
        """POST /api/settings/email_identity/verify/ {email_address} -> 200, no body (Pending, then Success)"""
        require_settings(call)
        values = validate({'email_address': F('str', required=True, blank=False)}, call.body_dict())
        errors = {}
        check_email(errors, 'email_address', values['email_address'])
        raise_errors(errors)
        address = values['email_address'].lower()
        state = self.verifications.get(address)
        if state is None or state['status'] == 'Failed':
            outcome = self.fail_next_verification.pop(address, None) or self.fail_next_verification.pop(None, None) \
                or 'Success'
            self.verifications[address] = {'status': 'Pending', 'since': call.now, 'outcome': outcome,
                                           'requests': (state or {}).get('requests', 0) + 1}
            if float(self.svc.config['email_verify_seconds']) <= 0:
                self.verifications[address]['status'] = outcome
        else:
            state['requests'] += 1  # "or checks existing verification"
        return empty(200)

    def verify_status(self, call):
        """GET /api/settings/email_identity/verify_status/?email_address= (default: the identity's address)"""
        require_settings(call)
        address = call.q('email_address') or self.sections['email_identity']['email_address']
        if not address:
            raise invalid('email_address', 'This field is required.', 'required')
        state = self.verifications.get(address.lower())
        return self.svc.respond(call, 200, {'email_address': address, 'status': state['status'] if state else 'NotStarted'})

    # -- proxy test --------------------------------------------------------------------------
    def proxy_test(self, call):
        """POST /api/settings/proxy/test_connection/ -> 200, no body (400 when the test fails, D70)"""
        require_settings(call)
        body = call.body_dict()
        current = self.sections['proxy']
        values = validate(SPECS['proxy'], body, None, current=current, mode='merge')
        keep_secrets(values, body, current, ('password',))
        self._check_proxy(call, values)
        problem = None
        if not values['enabled'] or not values['address']:
            problem = 'no proxy is enabled.'
        elif self.fail_next_proxy is not None:
            problem, self.fail_next_proxy = self.fail_next_proxy, None
        self.proxy_tests.append({'time': call.now, 'ok': problem is None, 'address': values['address'],
                                 'port': values['port']})
        if problem:
            raise ApiError(400, {'non_field_errors': [('Connection test failed: %s' % problem, 'invalid')]})
        return empty(200)

    # -- notifications per user -------------------------------------------------------------------
    def render_notify(self, record):
        """A notifications record (secret and trigger flags write-only)."""
        alerts = dict((k, record['alerts'][k]) for k in ('enabled', 'sns_alerts_topic_arn'))
        summary = dict((k, record['daily_summary'][k]) for k in ('enable_summary', 'sns_summary_topic_arn',
                                                                 'summary_daily_time', 'use_same_sns_topic'))
        out = {'alerts': alerts, 'daily_summary': summary, 'id': record['id'],
               'include_managed_user_alerts': record['include_managed_user_alerts'],
               'sns_access_key': record['sns_access_key'], 'sns_account': record['sns_account'],
               'sns_authentication': record['sns_authentication'], 'sns_region': record['sns_region'],
               'user': record['user']}
        return str_ids(self.svc, out, ('sns_account',))

    def _notify_values(self, call, spec, current, mode, user_id):
        body = call.body_dict()
        values = validate(spec, body, self.svc.lookup(call), current=current, mode=mode)
        keep_secrets(values, body, current or {}, ('sns_secret_key',))
        if 'daily_summary' not in body and current is None:
            values['daily_summary'] = dict(values['daily_summary'], summary_daily_time='00:00')
        errors = {}
        auth = values['sns_authentication']
        if values['sns_region'] not in REGION_BY_NAME:
            errors['sns_region'] = [('"%s" is not a valid choice.' % values['sns_region'], 'invalid_choice')]
        hour = HOUR_RE.match(str(values['daily_summary']['summary_daily_time'] or '').strip())
        if not hour or int(hour.group(1)) > 23 or int(hour.group(2) or 0) > 59:
            errors['daily_summary.summary_daily_time'] = [('Enter an hour of the day (HH or HH:MM).', 'invalid')]
        else:
            values['daily_summary']['summary_daily_time'] = '%02d:%s' % (int(hour.group(1)), hour.group(2) or '00')
        if auth == 'C':
            for key in ('sns_access_key', 'sns_secret_key'):
                if not values[key]:
                    errors[key] = [('This field is required for IAM User Credentials.', 'required')]
        if auth == 'A':
            if values['sns_account'] is None:
                errors['sns_account'] = [('This field is required for the Account authentication.', 'required')]
            elif self.svc.accounts.accounts[values['sns_account']]['user'] != user_id:
                errors['sns_account'] = [('Invalid pk "%s" - object does not exist.' % values['sns_account'],
                                          'does_not_exist')]
        raise_errors(errors)
        if auth == 'R' and user_id != ROOT_ID:
            raise forbidden('Using the CPM Instance IAM Role is only allowed for the root user.')
        return values

    def _topics(self, record, values, user_id):
        """The write-only triggers: new SNS topics, e-mail subscriptions (admin ``settings`` shows them)."""
        username = self.svc.directory.username(user_id) or str(user_id)
        number = hashlib.sha1(('%s:%s' % (values['sns_access_key'], values['sns_account'])).encode('utf-8')).hexdigest()
        number = str(int(number, 16) % 10 ** 12).zfill(12)
        alerts, summary = values['alerts'], values['daily_summary']
        if alerts.get('create_new_topic'):
            alerts['sns_alerts_topic_arn'] = 'arn:aws:sns:%s:%s:N2WS-alerts-%s' % (values['sns_region'], number, username)
        if summary.get('create_new_summery_topic'):
            summary['sns_summary_topic_arn'] = 'arn:aws:sns:%s:%s:N2WS-summary-%s' % (
                values['sns_region'], number, username)
        if summary.get('use_same_sns_topic'):
            summary['sns_summary_topic_arn'] = alerts['sns_alerts_topic_arn']
        if alerts.get('add_user_email') and alerts['sns_alerts_topic_arn']:
            self.subscriptions.append({'user': user_id, 'topic': alerts['sns_alerts_topic_arn']})
        if summary.get('add_user_email_to_summary') and summary['sns_summary_topic_arn']:
            self.subscriptions.append({'user': user_id, 'topic': summary['sns_summary_topic_arn']})
        for flags, keys in ((alerts, ('create_new_topic', 'add_user_email')),
                            (summary, ('create_new_summery_topic', 'add_user_email_to_summary'))):
            for key in keys:
                flags[key] = False  # triggers, not state
        record.update(values)

    def notify_create(self, call):
        """POST /api/settings/notifications/ -> 201 (one record per user)"""
        deny_delegates(call)
        body = call.body_dict()
        user_id = validate({'user': F('pk', required=True, model='user')}, {'user': body.get('user')},
                           self.svc.lookup(call))['user']
        call.check_owner_for_create(user_id)
        values = self._notify_values(call, NOTIFY_CREATE, None, 'create', user_id)
        if any(r['user'] == user_id for r in self.notifications.values()):
            raise invalid('user', 'Notification settings for this user already exist.', 'unique')
        self.notify_seq += 1
        record = {'id': self.notify_seq}
        self._topics(record, values, user_id)
        self.notifications[record['id']] = record
        return self.svc.respond(call, 201, self.render_notify(record))

    def notify_list(self, call):
        """GET /api/settings/notifications/?user= (an array)"""
        items = [r for r in self.notifications.values() if call.can_see(r['user'])]
        user = call.q('user')
        if user:
            try:
                wanted = int(user)
            except ValueError as exc:
                raise invalid('user', 'Enter a number.') from exc
            items = [r for r in items if r['user'] == wanted]
        return page_response(call, items, self.render_notify)

    def _notify(self, call):
        deny_delegates(call)
        record = self.notifications.get(call.param_id())
        if record is None or not call.can_see(record['user']):
            raise not_found()
        return record

    def notify_get(self, call):
        """GET /api/settings/notifications/{id}/ (non-delegate users)"""
        return self.svc.respond(call, 200, self.render_notify(self._notify(call)))

    def notify_update(self, call):
        """PUT /api/settings/notifications/{id}/ (``user`` is create-only; the secret is kept when not sent)"""
        record = self._notify(call)
        values = self._notify_values(call, NOTIFY_UPDATE, record, put_mode(self.svc), record['user'])
        values['user'] = record['user']
        self._topics(record, values, record['user'])
        return self.svc.respond(call, 200, self.render_notify(record))

    def notify_test(self, call):
        """POST /api/settings/notifications/{id}/test_daily_summary/ -> 200, no body (400 without a summary topic)"""
        record = self._notify(call)
        summary = record['daily_summary']
        if not summary['enable_summary'] or not summary['sns_summary_topic_arn']:
            raise ApiError(400, {'non_field_errors': [('The daily summary is not enabled or has no SNS topic.',
                                                       'invalid')]})
        self.summary_tests.append({'time': call.now, 'notification': record['id'],
                                   'topic': summary['sns_summary_topic_arn']})
        return empty(200)

    def user_deleted(self, uid):
        """Drop a deleted user's notification settings (D60)."""
        for record_id in [r['id'] for r in self.notifications.values() if r['user'] == uid]:
            del self.notifications[record_id]

    # -- admin -------------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'identifier' and method == 'GET':
            view = self._identifier_view()
            return dict(view, regenerations=sum(1 for h in self.identifier_history if h['method'] == 'POST'),
                        updates=sum(1 for h in self.identifier_history if h['method'] == 'PUT'),
                        history=list(self.identifier_history))
        if action == 'settings' and method == 'GET':
            return self._admin_view()
        if action == 'fail-next-connection-test' and method == 'POST':
            which = params.get('which', 'proxy')
            if which != 'proxy':
                raise AdminError(400, 'which must be proxy or idp')
            self.fail_next_proxy = str(params.get('message') or 'the proxy refused the connection.')
            return {'ok': True, 'which': which}
        if action == 'fail-next-email-verification' and method == 'POST':
            address = params.get('email_address')
            status = params.get('status', 'Failed')
            if status not in VERIFY_STATES[2:]:
                raise AdminError(400, 'status must be Success or Failed')
            self.fail_next_verification[address.lower() if isinstance(address, str) else None] = status
            return {'ok': True, 'email_address': address, 'status': status}
        return NotImplemented

    def _admin_view(self):
        sections = {}
        for name, values in self.sections.items():
            view = dict((k, v) for k, v in values.items() if k not in SECRETS.get(name, ()))
            for secret in SECRETS.get(name, ()):
                view[secret + '_fingerprint'] = fingerprint(values.get(secret))
            sections[name] = view
        notifications = []
        for record in self.notifications.values():
            view = self.render_notify(record)
            view['sns_secret_key_fingerprint'] = fingerprint(record.get('sns_secret_key'))
            notifications.append(view)
        return {'sections': sections, 'posts': dict(self.posts), 'ignored_keys': list(self.ignored),
                'identifier': self._identifier_view(),
                'activation_keys': list(self.activation_keys), 'patches': list(self.patches),
                'running': sorted(self.runs), 'proxy_tests': list(self.proxy_tests),
                'verifications': dict((k, {'status': v['status'], 'requests': v['requests']})
                                      for k, v in self.verifications.items()),
                'notifications': notifications, 'subscriptions': list(self.subscriptions),
                'summary_tests': list(self.summary_tests)}
