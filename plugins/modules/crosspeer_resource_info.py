#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: crosspeer_resource_info
short_description: List CrossPeer static IPs and VLANs
version_added: 0.1.0
description:
  - List the static IP addresses and VLANs of a CrossPeer account, optionally filtered.
  - Without O(resource), every resource is read in one request and the filters are applied locally.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.crosspeer
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  type:
    description:
      - Only resources of this type. V(all) lists every resource, static IPs and VLANs.
    type: str
    choices: [ip, vlan, all]
    default: all
  resource:
    description:
      - Only the resource with this identifier, the IPv4 address of a static IP or the UUID of a VLAN.
      - With O(type=all), the type is taken from the identifier's format.
      - A resource that does not exist gives an empty list, not an error.
    type: str
  name:
    description:
      - Only resources with this exact name.
    type: str
  tags:
    description:
      - Only resources that carry every one of these tags.
    type: list
    elements: str
seealso:
  - module: backupdr.cloud.crosspeer_resource
"""

EXAMPLES = r"""
# The connection (api_user, api_key and, for another region, api_url) comes from module_defaults
# (group/backupdr.cloud.crosspeer) or from the CROSSPEER_API_USER, CROSSPEER_API_KEY and CROSSPEER_API_URL
# environment variables.

- name: Every static IP and VLAN
  backupdr.cloud.crosspeer_resource_info:
  register: all_resources

- name: The static IPs tagged prod
  backupdr.cloud.crosspeer_resource_info:
    type: ip
    tags: [prod]
  register: prod_ips

- name: Addresses of the prod IPs
  ansible.builtin.debug:
    msg: "{{ prod_ips.resources | map(attribute='resource') | list }}"

- name: The VLANs named backend
  backupdr.cloud.crosspeer_resource_info:
    type: vlan
    name: backend
  register: backend_vlans

- name: One VLAN by UUID (an empty list when there is none)
  backupdr.cloud.crosspeer_resource_info:
    resource: 3f2a1c4e-8d7b-4e6a-9c5d-1b0e2f3a4c5d
  register: backend_vlan
"""

RETURN = r"""
resources:
  description: The matching resources, static IPs first, each sorted by name then identifier.
  returned: always
  type: list
  elements: dict
  contains:
    type:
      description: V(ip) or V(vlan).
      type: str
      sample: ip
    resource:
      description: The IPv4 address of a static IP, the UUID of a VLAN.
      type: str
      sample: 91.203.56.132
    name:
      description: Name of the resource.
      type: str
      sample: web-ip
    tags:
      description: Tags, sorted.
      type: list
      elements: str
      sample: [prod, web]
    user_metadata:
      description: User-defined keys (without the C(user:) prefix).
      type: dict
      sample: {owner: network-team}
    user:
      description: Owner of the resource.
      type: str
      sample: 5f1c2b7e-8d4a-4c1e-9b3f-6a2d0e7c9b41
    netmask:
      description: Netmask to use with a static IP.
      type: str
      returned: for static IPs
      sample: 255.255.255.0
    gateway:
      description: Gateway to use with a static IP.
      type: str
      returned: for static IPs
      sample: 91.203.56.1
    nameserver:
      description: Name server to use with a static IP.
      type: str
      returned: for static IPs
      sample: 91.203.56.2
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    CrossPeerClient, ResourceKindType, check_uuid, crosspeer_argument_spec, is_ipv4, is_uuid,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError, run_module

TYPES = ('ip', 'vlan')


def argument_spec():
    return crosspeer_argument_spec(
        type=dict(type='str', choices=['ip', 'vlan', 'all'], default='all'),
        resource=dict(type='str'),
        name=dict(type='str'),
        tags=dict(type='list', elements='str', no_log=False),
    )


def resource_type_of(resource, wanted):
    """The type a resource identifier belongs to (raises ValidationError for a bad format)."""
    if wanted == 'all':
        if is_ipv4(resource):
            return 'ip'
        if is_uuid(resource):
            return 'vlan'
        raise ValidationError('resource', 'expected the IPv4 address of a static IP or the UUID of a VLAN, got %r'
                              % (resource,))
    if wanted == 'ip' and not is_ipv4(resource):
        raise ValidationError('resource', 'an ip resource is identified by its IPv4 address, got %r' % (resource,))
    if wanted == 'vlan':
        check_uuid(resource, 'resource')
    return wanted


def matches(flat, params):
    """Whether a resource's flat API dict passes the name/tags filters."""
    if params.get('name') is not None and flat.get('name') != params['name']:
        return False
    wanted_tags = set(params.get('tags') or ())
    return wanted_tags <= set((flat.get('tags') or '').split())


def sort_key(flat):
    kind = flat.get('type')
    return (TYPES.index(kind) if kind in TYPES else len(TYPES), flat.get('name') or '', flat.get('resource') or '')


def run(module):
    params = module.params
    found = []
    if params['resource']:
        kind = resource_type_of(params['resource'], params['type'])
        rid = params['resource'].lower() if kind == 'vlan' else params['resource']
        client = CrossPeerClient(params)
        flat = ResourceKindType(client, dict(type=kind)).get(rid)
        found = [flat] if flat else []
    else:
        client = CrossPeerClient(params)
        found = ResourceKindType(client, dict(type=params['type'])).list()
    view = ResourceKindType(client, {}).view
    resources = [view(r) for r in sorted((r for r in found if matches(r, params)), key=sort_key)]
    module.exit_json(changed=False, resources=resources)


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
