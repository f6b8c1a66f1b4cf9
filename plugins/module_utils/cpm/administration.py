# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What CPM part 3 (administration, resource control, reports, settings, system) shares.

* :data:`FEATURES3`: the Initial Release of every part 3 endpoint (seed Ch.3
  and each section's "Initial Release"), added to :data:`.client.FEATURES` when
  this module is imported, so :meth:`.client.CPMClient.require` refuses, before
  any request, an endpoint the chosen ``api_version`` lacks.
* :func:`write_file`: a download or a CSV report written to a local file
  atomically (a temporary file in the same directory, then a rename), only when
  its content differs (``changed``), with a chosen mode.
* :func:`flag_list` / :class:`FlagsField`: a set of boolean flags of an object
  (a delegate's permissions) as one list option.
* :func:`check_keys`: the keys of a free-form dictionary option checked against
  a table, naming the table a foreign key belongs to.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import FEATURES, dig
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMField
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

FEATURES3 = {
    'user_writes': ('1.0.0', 'creating, updating and deleting users (root only)'),
    'delegates': ('1.0.0', 'delegates (root only)'),
    'change_password': ('1.0.0', "changing the API key user's own password"),
    'idp': ('1.0.0', 'the identity provider settings'),
    'idp_groups': ('1.1.0', 'identity provider group mappings'),
    'idp_group_kinds': ('1.4.0', 'reading one kind of identity provider group and updating groups (PUT)'),
    'idp_test': ('1.2.0', "the identity provider's test connection"),
    'idp_addresses': ('1.4.0', "CPM's addresses for the identity provider (cpm_addresses)"),
    'cpm_downloads': ('1.2.0', "CPM's certificate and SAML metadata downloads"),
    'workers': ('1.1.0', 'worker configurations'),
    'worker_test': ('1.4.0', 'testing a worker configuration'),
    'worker_tags': ('1.5.0', 'worker tags'),
    'resource_control': ('1.2.0', 'resource control (groups, schedules, targets, start/stop, records)'),
    'rc_report': ('1.3.0', 'the resource control operations report'),
    'backup_costs': ('1.4.0', 'the cost explorer (backup costs and resource control savings)'),
    'savings_refresh': ('1.5.0', 'refreshing resource control savings'),
    'reports': ('1.0.0', 'reports'),
    'usage_split': ('1.3.0', 'the detailed and summary usage reports'),
    'usage_anonymous': ('1.4.0', 'the anonymous detailed and summary usage reports'),
    'scheduled_reports': ('1.3.0', 'scheduled reports'),
    'alerts': ('1.2.0', 'alerts'),
    'settings_proxy': ('1.0.0', 'the proxy settings'),
    'settings_cleanup': ('1.1.0', 'the cleanup settings'),
    'settings_tagscan': ('1.1.0', 'the tag scan settings'),
    'settings_tagscan_run': ('1.2.0', 'running a tag scan now'),
    'settings_flr': ('1.2.0', 'the file-level recovery settings'),
    'settings_capture_vpc': ('1.3.0', 'the VPC capture settings'),
    'settings_log_mode': ('1.3.0', 'the CPM log mode'),
    'settings_security': ('1.3.0', 'the security settings'),
    'settings_email': ('1.3.0', 'the e-mail identity settings'),
    'settings_email_verify': ('1.4.0', 'verifying the e-mail identity'),
    'settings_cost_explorer': ('1.5.0', 'the cost explorer settings'),
    'settings_proxy_test': ('1.3.0', "the proxy's test connection"),
    'settings_s3_cleanup_logs': ('1.4.0', 'the S3 cleanup logs'),
    'activation_key': ('1.4.0', 'the activation key'),
    'upgrade_patches': ('1.4.0', 'upgrade patches'),
    'identifier': ('1.1.0', 'the CPM identifier'),
    'identifier_put': ('1.4.0', "renaming the CPM identifier without regenerating its UUID (PUT)"),
    'notifications': ('1.2.0', 'notification settings'),
    'notification_one': ('1.4.0', "reading one user's notification settings and testing the daily summary"),
    'notification_put': ('1.5.0', 'updating notification settings (PUT)'),
    'agents': ('1.1.0', 'the agent list'),
    'agents_configuration': ('1.4.0', 'the agents configuration'),
    'dashboard': ('1.4.0', 'the dashboard activity and state'),
    'timezones': ('1.4.0', 'the time zone list'),
    'support_logs': ('1.1.0', 'support logs'),
}
for _name, _value in FEATURES3.items():
    FEATURES.setdefault(_name, _value)


def feature_since(name):
    return FEATURES[name][0]


# -- files ---------------------------------------------------------------------------------------------------

def write_file(dest, content, option='dest', mode=0o600, check_mode=False):
    """Write ``content`` (bytes) to ``dest`` atomically; returns True when the file changed (or would)."""
    if not dest:
        raise ValidationError(option, 'is empty')
    path = os.path.abspath(os.path.expanduser(str(dest)))
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        raise ValidationError(option, 'the directory %s does not exist' % directory)
    if os.path.isdir(path):
        raise ValidationError(option, '%s is a directory; give a file name' % path)
    if os.path.exists(path):
        with open(path, 'rb') as handle:
            if handle.read() == content:
                return False
    if check_mode:
        return True
    handle, temp = tempfile.mkstemp(prefix='.backupdr-', dir=directory)
    try:
        with os.fdopen(handle, 'wb') as out:
            out.write(content)
        os.chmod(temp, mode)
        os.replace(temp, path)
    except Exception:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return True


def check_dest(dest, option='dest'):
    """A destination file whose directory exists (checked before any request)."""
    if dest in (None, ''):
        return None
    path = os.path.abspath(os.path.expanduser(str(dest)))
    if not os.path.isdir(os.path.dirname(path)):
        raise ValidationError(option, 'the directory %s does not exist' % os.path.dirname(path))
    if os.path.isdir(path):
        raise ValidationError(option, '%s is a directory; give a file name' % path)
    return path


# -- flag sets ----------------------------------------------------------------------------------------------------

def flag_list(values, flags, option):
    """A list of flag names (``backup_changes`` or ``allow_backup_changes``) -> the sorted set of flag keys."""
    out = set()
    short = dict((flag[len('allow_'):] if flag.startswith('allow_') else flag, flag) for flag in flags)
    for value in values if isinstance(values, (list, tuple)) else [values]:
        text = str(value).strip()
        if text in flags:
            out.add(text)
        elif text in short:
            out.add(short[text])
        else:
            raise ValidationError(option, '%r is not a permission CPM defines (%s)' % (
                value, ', '.join(sorted(short))))
    return sorted(out)


class FlagsField(CPMField):
    """A set of boolean flags under ``prefix`` (``profile.``) as one list option; the other flags are turned off."""

    def __init__(self, option, flags, prefix=''):
        super(FlagsField, self).__init__(option, key=prefix + flags[0], kind='raw')
        self.flags = tuple(flags)
        self.prefix = prefix

    def _canonical(self, value):
        return flag_list(value, self.flags, self.option)

    def from_api(self, flat):
        return sorted(flag for flag in self.flags if dig(flat, self.prefix + flag) is True)

    def to_api(self, value):
        return dict((self.prefix + flag, flag in value) for flag in self.flags)

    def update_keys(self, current_flat, wanted):
        return self.to_api(wanted)

    def readable_value(self, value):
        return value


def check_keys(given, table, option, section, others=None):
    """Refuse keys of ``given`` that ``table`` does not have; a key of another section says which one."""
    for key in sorted(given or {}):
        if key in table:
            continue
        owners = sorted(name for name, keys in (others or {}).items() if key in keys and name != section)
        if owners:
            raise ValidationError('%s.%s' % (option, key), 'belongs to the %s section, not to %s (give it with '
                                  'section=%s)' % (' and '.join(owners), section, owners[0]))
        raise ValidationError('%s.%s' % (option, key), 'is not a key of the %s section (its keys: %s)' % (
            section, ', '.join(sorted(table))))
