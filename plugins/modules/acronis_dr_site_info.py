#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: acronis_dr_site_info
short_description: Read Acronis DR sites, their failover readiness and issues
version_added: 0.1.0
description:
  - Reads one disaster recovery site by O(uuid), or lists every site of the tenant (following the API's cursors).
  - Each site carries its C(failover_readiness) (V(OK), V(WARNING) or V(ERROR)), its C(status) and its C(_issues);
    RV(sites[].issues) lists those issues as one line each (code, then message) for quick reading.
  - Makes read requests only.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.acronis_dr
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  uuid:
    description:
      - UUID of one site. An unknown site (or a deleted one without O(allow_deleted)) returns an empty list.
    type: str
  allow_deleted:
    description:
      - Include sites that are marked as deleted.
    type: bool
    default: false
  failover_readiness:
    description:
      - Only sites with one of these readiness values.
    type: list
    elements: str
    choices: [OK, WARNING, ERROR]
seealso:
  - module: backupdr.cloud.acronis_dr_server_info
"""

EXAMPLES = r"""
# The connection (datacenter_url, client_id, client_secret) is given as options in the first example; the others
# take it from module_defaults (group/backupdr.cloud.acronis_dr) or from the ACRONIS_DATACENTER_URL,
# ACRONIS_CLIENT_ID and ACRONIS_CLIENT_SECRET environment variables.

- name: Every site
  backupdr.cloud.acronis_dr_site_info:
    datacenter_url: https://eu2-cloud.acronis.com
    client_id: "{{ acronis_client_id }}"
    client_secret: "{{ acronis_client_secret }}"
  register: sites

- name: The sites that are not ready for failover, with their issues
  ansible.builtin.debug:
    msg: "{{ sites.sites | rejectattr('failover_readiness', 'equalto', 'OK') | map(attribute='issues') | flatten }}"

- name: Stop unless the site of our recovery servers is ready for failover
  ansible.builtin.assert:
    that: site.failover_readiness != 'ERROR'
    fail_msg: "{{ site.issues | join('; ') }}"
  vars:
    site: "{{ sites.sites | selectattr('uuid', 'equalto', '40ca099f-c116-4f6c-9730-42a0bff138a2') | first }}"

- name: One site, even if deleted
  backupdr.cloud.acronis_dr_site_info:
    uuid: 40ca099f-c116-4f6c-9730-42a0bff138a2
    allow_deleted: true
  register: site
"""

RETURN = r"""
sites:
  description:
    - The sites, with the API's fields (C(_links) reduced to their C(rel) names in C(links)).
  returned: always
  type: list
  elements: dict
  contains:
    issues:
      description: The site's C(_issues), one line each (code, then message).
      type: list
      elements: str
      returned: always
  sample:
    - uuid: 75c45087-0ba7-4580-8de8-1be489b7591d
      tenant_uuid: 9ca5aa60-4cdc-491c-94d5-23b747f7f914
      status: PROVISIONED
      failover_readiness: WARNING
      default: false
      _issues:
        - domain: DisasterRecovery
          target: 75c45087-0ba7-4580-8de8-1be489b7591d
          severity: WARNING
          error: {code: VPNS2SApplianceNotRegistered, domain: DisasterRecovery, message: The VPN appliance is not registered.}
      issues: ["VPNS2SApplianceNotRegistered: The VPN appliance is not registered."]
      links: [DR_SITE_CONNECTIVITY_PAGE]
count:
  description: Number of sites returned.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.acronis_dr import (
    AcronisDRClient, acronis_dr_argument_spec, check_uuid, module_kwargs, site_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def argument_spec():
    return acronis_dr_argument_spec(
        uuid=dict(type='str'),
        allow_deleted=dict(type='bool', default=False),
        failover_readiness=dict(type='list', elements='str', choices=['OK', 'WARNING', 'ERROR']),
    )


def run(module):
    params = module.params
    uuid = check_uuid(params['uuid'], 'uuid') if params['uuid'] else None
    client = AcronisDRClient(params)
    if uuid:
        site = client.get_site(uuid, params['allow_deleted'])
        sites = [site] if site else []
    else:
        sites = client.list_sites(params['allow_deleted'])
    wanted = set(params['failover_readiness'] or ())
    out = [site_view(s) for s in sites if not wanted or s.get('failover_readiness') in wanted]
    client.exit_info(module, 'sites', out)


def main():
    run_module(argument_spec(), run, **module_kwargs())


if __name__ == '__main__':
    main()
