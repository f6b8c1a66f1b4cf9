# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM alerts (Ch.6), system information (Ch.24), agents (Ch.5) and the cost explorer (Ch.9).

Readings:

* Alerts have no filter in the seed (only paging): the modules filter by
  severity, category, policy and age on the client.  ``DELETE alerts/`` (all)
  answering 404 means there was nothing to delete.
* ``backup_costs/{id}/`` and ``resource_control_savings/{id}/`` are typed as
  arrays (of one) but described as one object: both shapes are accepted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm import administration  # noqa: F401 pylint: disable=unused-import
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import Code
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import parse_datetime
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

SEVERITY = Code('severity', [('I', 'info', 'Info'), ('W', 'warning', 'Warning'), ('E', 'error', 'Error'),
                             ('C', 'critical', 'Critical')])


def alert_view(alert):
    out = dict(alert)
    out['severity'] = SEVERITY.readable(alert.get('severity'))
    out['severity_code'] = alert.get('severity')
    return out


def alert_filter(params):
    """A predicate from the filter options (validated before any request)."""
    severities = set(SEVERITY.to_api(s, 'severity') for s in params.get('severity') or ())
    categories = set(params.get('category') or ())
    policy = params.get('policy')
    since = None
    if params.get('since'):
        try:
            since = parse_datetime(params['since'])
        except ValueError as exc:
            raise ValidationError('since', str(exc))

    def keep(alert):
        if severities and alert.get('severity') not in severities:
            return False
        if categories and alert.get('category') not in categories:
            return False
        if policy not in (None, '') and str(alert.get('policy')) != str(policy):
            return False
        if since is not None:
            try:
                if parse_datetime(alert.get('alert_time')) < since:
                    return False
            except (TypeError, ValueError):
                return False
        return True
    return keep


def one(value):
    """An object, or the one object of an array (the seed types single reads as arrays)."""
    if isinstance(value, list):
        return value[0] if value else {}
    return value or {}
