#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET settings/identity_provider/ (always)
# api: POST settings/identity_provider/ enabled, entity_id, signin_url, signout_url, cpm_address, nameid_format, certificate
# api: POST settings/identity_provider/test_connection/ test_connection=true

DOCUMENTATION = r"""
module: cpm_idp
short_description: Configure the identity provider (SAML single sign-on) of N2WS Backup & Recovery (CPM)
version_added: 0.2.0
description:
  - Makes sure CPM's identity provider settings have the given values (C(settings/identity_provider/)), and
    optionally tests the connection with the stored settings.
  - The section is read, the given options compared, and when one differs the whole section is written back in one
    C(POST) (the same result whether CPM replaces the section or merges into it).
  - The IdP certificate is write-only (CPM shows only its file name, C(x509cert_filename)); it is sent when CPM has
    none, when O(certificate_file_name) differs from the one CPM shows, or on every run with
    O(update_certificate=always).
  - Group mappings are M(backupdr.cloud.cpm_idp_group).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  enabled:
    description:
      - Whether users may sign in through the identity provider (C(directory_service_enabled)). Needs O(entity_id),
        O(signin_url) and a certificate.
    type: bool
  entity_id:
    description: The identity provider's entity id.
    type: str
  signin_url:
    description: The identity provider's sign-in URL.
    type: str
  signout_url:
    description: The identity provider's sign-out URL.
    type: str
  cpm_address:
    description: The address of CPM the identity provider sends users back to (M(backupdr.cloud.cpm_idp_info) returns the addresses CPM knows).
    type: str
  nameid_format:
    description: The SAML NameID format.
    type: str
    choices: [windows, transient, persistent, x509, encrypted, kerberos, email, unspecified, entity]
  certificate:
    description: The identity provider's X.509 certificate, PEM text (write-only).
    type: str
  certificate_file_name:
    description: The file name CPM records for O(certificate) (C(x509cert_file)).
    type: str
  update_certificate:
    description:
      - V(on_change) sends O(certificate) as described above; V(always) on every run (always a change).
    type: str
    choices: [on_change, always]
    default: on_change
  test_connection:
    description:
      - Test the connection with the stored settings (after applying the options). A failed test fails the task.
    type: bool
    default: false
seealso:
  - module: backupdr.cloud.cpm_idp_group
  - module: backupdr.cloud.cpm_idp_info
"""

EXAMPLES = r"""
- name: Single sign-on through the company's identity provider
  backupdr.cloud.cpm_idp:
    enabled: true
    entity_id: https://idp.example.com/saml
    signin_url: https://idp.example.com/saml/sso
    signout_url: https://idp.example.com/saml/slo
    nameid_format: email
    certificate: "{{ idp_certificate | default('-----BEGIN CERTIFICATE-----\nU0lNVUxBVEVE\n-----END CERTIFICATE-----') }}"
    certificate_file_name: idp.pem
    test_connection: true
"""

RETURN = r"""
idp:
  description: The settings as CPM shows them after the task (C(x509cert_filename), never the certificate).
  returned: always
  type: dict
  sample: {directory_service_enabled: true, entity_id: "https://idp.example.com/saml", nameid_format: email,
           signin_url: "https://idp.example.com/saml/sso", x509cert_filename: idp.pem, redirect_url: null}
certificate_sent:
  description: Whether the certificate was sent in this run.
  returned: always
  type: bool
test:
  description: With O(test_connection), the outcome (C(state) V(success); a failure fails the task).
  returned: with O(test_connection)
  type: dict
diff:
  description: With C(--diff), the changed keys before and after.
  returned: when changed and in diff mode
  type: dict
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.people import IDP_WRITABLE, NAMEID_FORMATS
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.settings import Section
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_url

OPTIONS = {'enabled': 'directory_service_enabled', 'entity_id': 'entity_id', 'signin_url': 'signin_url',
           'signout_url': 'signout_url', 'cpm_address': 'cpm_address', 'nameid_format': 'nameid_format'}


def run(module):
    params = module.params
    wanted = {}
    for option, key in OPTIONS.items():
        value = params.get(option)
        if value is None:
            continue
        if option in ('signin_url', 'signout_url') and value != '':
            value = check_url(value, option)
        wanted[key] = value
    cert = params.get('certificate')
    if cert is not None and '-----BEGIN CERTIFICATE-----' not in cert:
        raise ValidationError('certificate', 'must be PEM text with a BEGIN CERTIFICATE block')
    client = CPMClient(params, warn=module.warn)
    section = Section(client, 'identity_provider', path='settings/identity_provider/', feature='idp',
                      keys=dict((k, 'str') for k in IDP_WRITABLE), secrets=('x509cert', 'x509cert_file'))
    current = section.read()
    secrets = {}
    force = False
    if cert:
        secrets['x509cert'] = cert
        if params.get('certificate_file_name'):
            secrets['x509cert_file'] = params['certificate_file_name']
        force = (params['update_certificate'] == 'always' or not current.get('x509cert_filename')
                 or (params.get('certificate_file_name') not in (None, current.get('x509cert_filename'))))
    changed, dummy, after, diff, sent = section.converge(wanted, secrets if force else {}, force, module.check_mode,
                                                         current=current)
    result = dict(changed=changed, idp=after, certificate_sent='x509cert' in sent)
    if diff is not None and module._diff:
        result['diff'] = diff
    if params['test_connection']:
        if module.check_mode:
            result['test'] = dict(state='would_start')
        else:
            client.post('settings/identity_provider/test_connection/', {}, feature='idp_test', perm='root',
                        idempotent=True)
            result['test'] = dict(state='success', status='the identity provider connection test passed')
            result['idp'] = section.read()
    client.finish(module)
    module.exit_json(**result)


def main():
    run_module(cpm_argument_spec(
        enabled=dict(type='bool'),
        entity_id=dict(type='str'),
        signin_url=dict(type='str'),
        signout_url=dict(type='str'),
        cpm_address=dict(type='str'),
        nameid_format=dict(type='str', choices=list(NAMEID_FORMATS)),
        certificate=dict(type='str'),
        certificate_file_name=dict(type='str'),
        update_certificate=dict(type='str', choices=['on_change', 'always'], default='on_change'),
        test_connection=dict(type='bool', default=False),
    ), run)


if __name__ == '__main__':
    main()
