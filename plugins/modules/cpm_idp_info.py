#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET settings/identity_provider/ (always)
# api: GET settings/identity_provider/cpm_addresses/ (API 1.4.0 and later)
# api: GET settings/identity_provider/groups/ (always)
# api: GET settings/identity_provider/groups/users/ kind=users
# api: GET settings/identity_provider/groups/users/{id}/ kind=users, group_id
# api: GET settings/identity_provider/groups/delegates/ kind=delegates
# api: GET settings/identity_provider/groups/delegates/{id}/ kind=delegates, group_id
# api: GET settings/cpm_certificate/ certificate_dest
# api: GET settings/cpm_metadata/ metadata_dest

DOCUMENTATION = r"""
module: cpm_idp_info
short_description: Read the identity provider settings and group mappings of N2WS Backup & Recovery (CPM)
version_added: 0.2.0
description:
  - Returns CPM's identity provider settings (never the certificate), CPM's own addresses for the identity
    provider, and the group mappings; optionally writes CPM's certificate and SAML metadata to files (what the
    identity provider needs to trust CPM).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  kind:
    description: Only the groups of this kind (read through the kind's own list, API 1.4.0).
    type: str
    choices: [users, delegates]
  group_id:
    description: With O(kind), only this group (read directly).
    type: int
  certificate_dest:
    description: Write CPM's certificate (PEM) to this file.
    type: path
  metadata_dest:
    description: Write CPM's SAML service provider metadata (XML) to this file.
    type: path
seealso:
  - module: backupdr.cloud.cpm_idp
  - module: backupdr.cloud.cpm_idp_group
"""

EXAMPLES = r"""
- name: The settings, the groups and the metadata file for the identity provider
  backupdr.cloud.cpm_idp_info:
    metadata_dest: /tmp/cpm_metadata.xml
  register: cpm_idp
"""

RETURN = r"""
idp:
  description: The identity provider settings (C(x509cert_filename), never the certificate).
  returned: always
  type: dict
cpm_addresses:
  description: CPM's address as the identity provider should use it (C(address), C(address_type)), API 1.4.0.
  returned: when the API version has it
  type: dict
groups:
  description: The group mappings (C(user_type) V(I), V(M) or V(D) for delegates groups).
  returned: always
  type: list
  elements: dict
files:
  description: The files written (O(certificate_dest), O(metadata_dest)).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.administration import check_dest, write_file
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

BASE = 'settings/identity_provider/'


def run(module):
    params = module.params
    dests = dict((name, check_dest(params.get(name), name)) for name in ('certificate_dest', 'metadata_dest'))
    if params.get('group_id') is not None and not params.get('kind'):
        raise ValidationError('group_id', 'needs kind')
    client = CPMClient(params, warn=module.warn)
    result = dict(changed=False, idp=client.get(BASE, feature='idp', perm='root') or {}, files=[])
    if client.has('idp_addresses'):
        result['cpm_addresses'] = client.get(BASE + 'cpm_addresses/', feature='idp_addresses', perm='root')
    if params.get('kind'):
        path = '%sgroups/%s/' % (BASE, params['kind'])
        if params.get('group_id') is not None:
            found = client.get_or_none('%s%d/' % (path, params['group_id']), feature='idp_group_kinds')
            result['groups'] = [found] if found else []
        else:
            result['groups'] = client.list(path, feature='idp_group_kinds')
    elif client.has('idp_groups'):
        result['groups'] = client.list(BASE + 'groups/', feature='idp_groups')
    else:
        result['groups'] = []
    for option, path in (('certificate_dest', 'settings/cpm_certificate/'), ('metadata_dest', 'settings/cpm_metadata/')):
        if dests[option]:
            client.require('cpm_downloads', option)
            response = client.http.request('GET', path, headers={'Accept': '*/*'})
            if write_file(dests[option], response.content, option, mode=0o644, check_mode=module.check_mode):
                result['changed'] = True
            result['files'].append(dests[option])
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(cpm_argument_spec(
        kind=dict(type='str', choices=['users', 'delegates']),
        group_id=dict(type='int'),
        certificate_dest=dict(type='path'),
        metadata_dest=dict(type='path'),
    ), run)


if __name__ == '__main__':
    main()
