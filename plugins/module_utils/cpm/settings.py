# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM settings (Ch.23): singleton sections, write-only secrets, runs, the identifier, notifications.

Readings:

* A section (``settings/<name>/``) is one object: ``GET`` reads it, ``POST``
  writes it.  The seed does not say whether a POST replaces the section or
  merges into it, so :class:`Section` always sends the **whole** section (the
  current values with the wanted ones changed): the result is the same either
  way.  Only the given keys are compared; nothing is sent when they match.
* Write-only secrets (the proxy password, SES and file-level recovery secret
  keys, the SNS secret key, the activation key) are never shown by CPM: they
  are sent only when another key of the section is written anyway *and* the
  secret is given, or on every run with ``update_secrets=always``; CPM keeps
  a secret that a POST does not carry.
* The identifier (``settings/identifier/``): a ``POST`` regenerates the CPM
  UUID (seed L44737), so the name is changed with ``PUT`` (1.4.0) only; the
  POST is sent only with an explicit ``regenerate_uuid=true``.
* Runs (cleanup, tag scan, VPC capture) answer 202 without a handle: the run
  is followed on the section's ``last_*_time``, which changes when it ends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm import administration  # noqa: F401 pylint: disable=unused-import
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import MASK
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, RUNNING, SUCCESS, Job
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import VERIFIED, conclude, look_after_lost, settle_time_of
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

AWS_REGION_RE = re.compile(r'[a-z]{2}(-gov)?-[a-z]+-\d', re.ASCII)

#: section -> (feature, {key: kind}); kinds: bool, int, str, a tuple of choices.
SECTIONS = {
    'capture_vpc': ('settings_capture_vpc', {'capture_vpcs': 'bool', 'capture_vpcs_interval': 'int'}),
    'cleanup': ('settings_cleanup', {
        'cleanup_interval': 'int', 'cleanup_type': ('snapshots', 's3'), 'days_until_single_ami_rotation': 'int',
        'keep_deleted_backup_records': 'int', 'keep_resource_control_records': 'int',
        'keep_user_audit_logs_days': 'int'}),
    'cost_explorer': ('settings_cost_explorer', {'enabled': 'bool'}),
    'cpm_log_mode': ('settings_log_mode', {'cpm_log_mode': ('STANDARD', 'DEBUG')}),
    'email_identity': ('settings_email', {
        'email_address': 'str', 'enabled': 'bool', 'ses_access_key': 'str', 'ses_account': 'str',
        'ses_authentication': ('C', 'R', 'A'), 'ses_region': 'str', 'verify_source_address': 'bool'}),
    'file_level_recovery': ('settings_flr', {
        'aws_access_key': 'str', 'enable_file_level_recovery': 'bool', 'existing_account': 'str',
        'use_exisiting_account': 'bool'}),
    'proxy': ('settings_proxy', {'address': 'str', 'enabled': 'bool', 'port': 'int', 'user': 'str'}),
    'security': ('settings_security', {'encryption_key_detection': ('S', 'D', 'A')}),
    'tagscan': ('settings_tagscan', {'scan_resources': 'bool', 'tag_scan_excluded_volumes_enabled': 'bool',
                                     'tag_scan_interval': 'int'}),
}
#: Write-only secrets of each section (never shown by CPM).
SECRETS = {'email_identity': ('ses_secret_key',), 'file_level_recovery': ('aws_secret_key',), 'proxy': ('password',),
           'activation_key': ('activation_key',), 'notifications': ('sns_secret_key',)}
#: Keys CPM shows but never takes (the times of the last runs).
READ_ONLY = ('last_capture_vpcs_time', 'last_cleanup_time', 'last_s3_cleanup_time', 'last_resources_scan_time')
#: Runs: section -> (feature, the key that changes when a run ends).
RUNS = {'cleanup': ('settings_cleanup', 'last_cleanup_time'), 'tagscan': ('settings_tagscan_run',
                                                                          'last_resources_scan_time'),
        'capture_vpc': ('settings_capture_vpc', 'last_capture_vpcs_time')}
#: Notifications (one record per user): top keys and the two nested objects.
NOTIFY_KEYS = {'sns_authentication': ('C', 'R', 'A'), 'sns_region': 'str', 'sns_access_key': 'str',
               'sns_account': 'int', 'include_managed_user_alerts': 'bool', 'alerts': 'dict', 'daily_summary': 'dict'}
NOTIFY_ALERTS = {'enabled': 'bool', 'sns_alerts_topic_arn': 'str', 'create_new_topic': 'bool', 'add_user_email': 'bool'}
NOTIFY_SUMMARY = {'summary_daily_time': 'str', 'enable_summary': 'bool', 'sns_summary_topic_arn': 'str',
                  'use_same_sns_topic': 'bool', 'create_new_summery_topic': 'bool', 'add_user_email_to_summary': 'bool'}
#: One-shot triggers of notifications: sent when given, never shown, never compared.
NOTIFY_TRIGGERS = ('create_new_topic', 'add_user_email', 'create_new_summery_topic', 'add_user_email_to_summary')
ALL_SECTIONS = sorted(list(SECTIONS) + ['identifier', 'activation_key', 'agents_configuration', 'notifications',
                                        'upgrade_patches'])
#: For "this key belongs to another section" messages.
KEY_OWNERS = dict((name, set(keys) | set(SECRETS.get(name, ()))) for name, (dummy, keys) in SECTIONS.items())
KEY_OWNERS['identifier'] = set(['cpm_name'])
KEY_OWNERS['agents_configuration'] = set(['agents_configuration'])
KEY_OWNERS['notifications'] = set(NOTIFY_KEYS) | set(SECRETS['notifications'])


def canonical(value, kind, option):
    """A given value in the form CPM shows it (validated)."""
    if value is None:
        return None
    if kind == 'bool':
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ('true', 'yes', 'on', '1'):
            return True
        if text in ('false', 'no', 'off', '0'):
            return False
        raise ValidationError(option, 'expected a boolean, got %r' % (value,))
    if kind == 'int':
        if isinstance(value, bool):
            raise ValidationError(option, 'expected an integer, got %r' % (value,))
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValidationError(option, 'expected an integer, got %r' % (value,))
        if number < 0:
            raise ValidationError(option, 'must not be negative')
        return number
    if isinstance(kind, tuple):
        text = str(value).strip()
        if text not in kind:
            raise ValidationError(option, '%r is not one of %s' % (value, ', '.join(kind)))
        return text
    if kind == 'dict':
        if not isinstance(value, dict):
            raise ValidationError(option, 'expected a dictionary')
        return value
    text = value if isinstance(value, str) else str(value)
    if '\n' in text or '\r' in text:
        raise ValidationError(option, 'must be one line')
    return text


def check_section_values(section, values, option='settings'):
    """Validate the keys and values given for a section (before any request); canonical values."""
    from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.administration import check_keys
    table = SECTIONS[section][1] if section in SECTIONS else {
        'identifier': {'cpm_name': 'str'}, 'notifications': NOTIFY_KEYS,
        'agents_configuration': {'agents_configuration': 'str'}}.get(section, {})
    check_keys(values, table, option, section, KEY_OWNERS)
    out = {}
    for key, value in (values or {}).items():
        out[key] = canonical(value, table[key], '%s.%s' % (option, key))
    if section == 'notifications':
        for sub, subtable in (('alerts', NOTIFY_ALERTS), ('daily_summary', NOTIFY_SUMMARY)):
            if out.get(sub) is not None:
                check_keys(out[sub], subtable, '%s.%s' % (option, sub), sub)
                out[sub] = dict((k, canonical(v, subtable[k], '%s.%s.%s' % (option, sub, k)))
                                for k, v in out[sub].items())
    for key in ('ses_region', 'sns_region'):
        if out.get(key) and not AWS_REGION_RE.fullmatch(out[key]):
            raise ValidationError('%s.%s' % (option, key), '%r is not an AWS region name such as us-east-1' % out[key])
    if out.get('port') is not None and not 1 <= out['port'] <= 65535:
        raise ValidationError('%s.port' % option, 'must be between 1 and 65535')
    if section == 'identifier' and out.get('cpm_name') in (None, ''):
        raise ValidationError('%s.cpm_name' % option, 'is required (the name of this CPM)')
    return out


def check_secrets(section, secrets, option='secrets'):
    allowed = SECRETS.get(section, ())
    for key, value in (secrets or {}).items():
        if key not in allowed:
            raise ValidationError('%s.%s' % (option, key), 'is not a secret of the %s section%s' % (
                section, ' (its secrets: %s)' % ', '.join(allowed) if allowed else ' (it has none)'))
        if value is not None and not isinstance(value, str):
            raise ValidationError('%s.%s' % (option, key), 'must be a string')
    return dict((k, v) for k, v in (secrets or {}).items() if v is not None)


def differences(current, wanted):
    """key -> (before, after) for the wanted keys that differ (nested dicts compared key by key)."""
    out = {}
    for key, value in wanted.items():
        before = (current or {}).get(key)
        if isinstance(value, dict):
            sub = differences(before if isinstance(before, dict) else {}, value)
            if sub:
                out[key] = (dict((k, b) for k, (b, a) in sub.items()), dict((k, a) for k, (b, a) in sub.items()))
            continue
        if isinstance(before, str) and before != '' and isinstance(value, int) and not isinstance(value, bool):
            before = as_id(before)
        if (before in (None, '') and value in (None, '')) or before == value:
            continue
        out[key] = (before, value)
    return out


class Section:
    """A singleton settings section: GET, compare the given keys, POST the whole section when they differ."""

    def __init__(self, client, section, path=None, feature=None, keys=None, secrets=(), perm='root'):
        self.client = client
        self.section = section
        self.path = path or 'settings/%s/' % section
        self.feature = feature or SECTIONS[section][0]
        self.keys = keys if keys is not None else SECTIONS[section][1]
        self.secrets = tuple(secrets) if secrets else SECRETS.get(section, ())
        self.perm = perm

    def read(self):
        return self.client.get(self.path, feature=self.feature, perm=self.perm) or {}

    def body(self, current, wanted, secrets):
        base = dict((k, copy.deepcopy(v)) for k, v in (current or {}).items()
                    if k in self.keys and k not in READ_ONLY)
        for key, value in wanted.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                base[key] = dict(base[key], **value)
            else:
                base[key] = value
        base.update(secrets or {})
        return base

    def converge(self, wanted, secrets, always_secrets, check_mode, current=None):
        """``(changed, before, after, diff, sent_secrets)``."""
        current = self.read() if current is None else current
        changes = differences(current, wanted)
        send = dict(secrets) if (changes or always_secrets) else {}
        if not changes and not send:
            return False, current, current, None, ()
        before = dict((k, b) for k, (b, a) in changes.items())
        after = dict((k, a) for k, (b, a) in changes.items())
        for key in send:
            before[key], after[key] = MASK, MASK + ' (sent)'
        diff = dict(before=before, after=after)
        body = self.body(current, wanted, send)
        if check_mode:
            preview = dict(current)
            preview.update(dict((k, v) for k, v in body.items() if k not in self.secrets))
            return True, current, preview, diff, tuple(sorted(send))
        try:
            answer = self.client.post(self.path, body, feature=self.feature, perm=self.perm)
        except ApiError as err:
            if err.landed is not None:
                raise
            answer = self._lost(err, wanted)
        if not isinstance(answer, dict) or not answer:
            answer = self.read()
        remaining = differences(answer, dict((k, v) for k, v in wanted.items() if k not in NOTIFY_TRIGGERS))
        remaining = dict((k, v) for k, v in remaining.items() if not isinstance(v[1], dict))
        if remaining:
            raise ApiError('CPM accepted the %s settings but still shows %s' % (
                self.section, ', '.join('%s=%r' % (k, b) for k, (b, a) in sorted(remaining.items()))),
                code='ignored', service='CPM', method='POST', path=self.path, landed=True)
        return True, current, answer, diff, tuple(sorted(send))

    def _lost(self, err, wanted):
        """The POST's answer was lost: the section is read during the settle window; the POST is never sent
        twice."""
        window = settle_time_of(self.client)
        outcome = look_after_lost(_settled(self, wanted), window)
        if outcome.state == VERIFIED:
            return outcome.found
        raise conclude(err, outcome, 'the %s settings' % self.section, 'the %s settings in CPM' % self.section,
                       window)


def _settled(section, wanted):
    """A look of the settle rule: the section when it shows every wanted key, else None."""
    def look():
        current = section.read()
        plain = dict((k, v) for k, v in wanted.items() if k not in NOTIFY_TRIGGERS)
        remaining = differences(current, plain)
        return current if not remaining else None
    return look


def strip_secrets(obj, secrets):
    return dict((k, v) for k, v in (obj or {}).items() if k not in secrets)


class RunJob(Job):
    """A settings run (cleanup, tag scan, VPC capture): 202 without a handle, followed on ``last_*_time``.

    A start whose answer was lost cannot be told from one that did not land until the run ends, so it is
    reported as unknown (never sent twice).
    """

    can_verify = False

    def __init__(self, client, section):
        self.client = client
        self.section = section
        self.feature, self.marker = RUNS[section]
        self.what = '%s run' % section.replace('_', ' ')
        self.check_hint = 'the %s logs (GET /api/settings/%s/logs/)' % (section, section)
        self.before = None

    def _last(self):
        current = self.client.get('settings/%s/' % self.section, feature=SECTIONS[self.section][0], perm='root') or {}
        if self.section == 'cleanup' and current.get('cleanup_type') == 's3':
            self.marker = 'last_s3_cleanup_time'  # a cleanup of S3 repositories sets its own time
        return current.get(self.marker)

    def start(self):
        self.before = self._last()
        self.client.post('settings/%s/run/' % self.section, {}, feature=self.feature, perm='root')
        return {'id': None, 'before': self.before}

    def find_started(self):
        return None

    def on_start_error(self, err):
        if err.status == 400 and 'already running' in (err.message or ''):
            return {'id': None, 'before': self._last(), 'attached': True}
        return None

    def poll(self, handle):
        return self._last()

    def classify(self, handle, observation):
        if observation and observation != handle.get('before'):
            return SUCCESS, 'finished at %s' % observation
        return RUNNING, 'running'


class VerifyJob(Job):
    """The e-mail identity's verification: Pending, then Success or Failed."""

    what = 'e-mail identity verification'
    check_hint = 'GET /api/settings/email_identity/verify_status/'

    def __init__(self, client, address):
        self.client = client
        self.address = address

    def _status(self):
        params = {'email_address': self.address} if self.address else None
        return self.client.get('settings/email_identity/verify_status/', params=params,
                               feature='settings_email_verify', perm='root') or {}

    def existing(self):
        status = self._status()
        if status.get('status') in ('Success', 'Pending'):
            return {'id': self.address, 'attached': True}
        return None

    def start(self):
        body = {'email_address': self.address} if self.address else {}
        self.client.post('settings/email_identity/verify/', body, feature='settings_email_verify', perm='root')
        return {'id': self.address}

    def poll(self, handle):
        return self._status()

    def classify(self, handle, observation):
        status = (observation or {}).get('status')
        if status == 'Success':
            return SUCCESS, status
        if status == 'Failed':
            return FAILED, status
        return RUNNING, status or 'unknown'
