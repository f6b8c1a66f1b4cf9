# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every CloudEndure module shares: running with a client, the locations, masking, machine lookups."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    CloudEndureClient, check_machine_idents, machine_view, resolve_machines,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import MASK, run_module

#: The secret member of each cloud's credentials (UserDetails.credentials, L30).
CLOUD_SECRETS = {'AWS': 'secretAccessKey', 'Azure': 'certificateFile', 'Google': 'privateKeyJson'}


def run(argument_spec, body, **module_kwargs):
    """``main()`` of a CloudEndure module: ``body(module, client)``; a session this task opened without the session
    cache is logged out at the end."""
    def wrapped(module):
        client = CloudEndureClient(module.params, warn=module.warn)
        try:
            body(module, client)
        finally:
            client.close()
    run_module(argument_spec, wrapped, **module_kwargs)


def finish(module, client, **result):
    """``exit_json`` with the session cache's warning, if any."""
    warning = client.cache_warning()
    if warning:
        module.warn(warning)
    module.exit_json(**result)


def hide_secrets(module, details):
    """Tell Ansible about the cloud secrets read from the service (masked wherever they would appear)."""
    for cloud, field in CLOUD_SECRETS.items():
        value = ((details or {}).get('credentials') or {}).get(cloud, {})
        secret = value.get(field) if isinstance(value, dict) else None
        if isinstance(secret, str) and len(secret) >= 4 and not is_mask(secret):
            module.no_log_values.add(secret)


def is_mask(value):
    """A value the service shows instead of a secret (``********``)."""
    return isinstance(value, str) and len(value) >= 3 and set(value) == {'*'}


def masked_details(details):
    """UserDetails with every cloud secret replaced by ``********``."""
    if details is None:
        return None
    out = copy.deepcopy(details)
    credentials = out.get('credentials')
    if isinstance(credentials, dict):
        for cloud, value in credentials.items():
            if isinstance(value, dict):
                for field in value:
                    if field == CLOUD_SECRETS.get(cloud) or field not in ('accessKeyId', 'accountID'):
                        value[field] = MASK
    return out


class Locations:
    """The Primary and Secondary Locations of the account (getUserDetails)."""

    def __init__(self, client, details=None):
        details = details if details is not None else client.require_details()
        self.details = details
        self.primary = details.get('originalLocation')
        self.secondary = details.get('mirrorLocation')

    def role(self, location):
        if location == self.primary:
            return 'primary'
        if location == self.secondary:
            return 'secondary'
        return None

    def where(self, role):
        location = self.primary if role == 'primary' else self.secondary
        return 'the %s Location %r' % ('Primary' if role == 'primary' else 'Secondary', location)


def primary_machines(client, locations):
    return client.machines(locations.primary)


def secondary_machines(client, locations):
    return client.machines(locations.secondary)


def find_sources(client, locations, idents, option, machines=None):
    """The machines of the Primary Location named by ``idents`` (ids, or names unique there)."""
    idents = check_machine_idents(idents, option)
    machines = machines if machines is not None else primary_machines(client, locations)
    return resolve_machines(machines, idents, option, locations.where('primary'))


def replicas_of(replicas, source_ids):
    """The machines of ``replicas`` that CloudEndure created from one of ``source_ids`` (``originalId``)."""
    ids = set(source_ids)
    return [m for m in replicas if m.get('originalId') in ids]


def views(machines, locations, location):
    return [machine_view(m, location, locations.role(location)) for m in machines]


def short(machine):
    """``name (id)`` of a machine, for messages."""
    name = machine.get('name')
    return '%s (%s)' % (name, machine.get('id')) if name and name != machine.get('id') else str(machine.get('id'))
