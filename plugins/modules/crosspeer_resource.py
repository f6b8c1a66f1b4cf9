#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: crosspeer_resource
short_description: Manage CrossPeer static IPs and VLANs
version_added: 0.1.0
description:
  - Create, rename, tag and destroy static IP addresses and VLANs on a CrossPeer cloud.
  - A resource is found by O(resource), or by O(name) among the resources of the same O(type)
    when O(resource) is not given. Two resources of that type with the same name are an error
    (give O(resource)); a given O(resource) that does not exist is never created, because the
    service chooses the address or UUID of a new resource.
  - Updates are sent in one request carrying only the changed keys. O(tags) and O(user_metadata)
    are the whole truth once given, so entries that are no longer wanted are removed.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.crosspeer
  - backupdr.cloud.crosspeer.metadata
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  state:
    description:
      - V(present) creates the resource or updates it; V(absent) destroys it.
      - A static IP that a server uses cannot be destroyed; the service answers C(busy).
    type: str
    choices: [present, absent]
    default: present
  type:
    description:
      - V(ip) for a static IP address, V(vlan) for a VLAN.
    type: str
    choices: [ip, vlan]
    required: true
  resource:
    description:
      - The identifier of an existing resource, the IPv4 address of a static IP or the UUID of a VLAN.
      - When given, the resource is never created and O(name) renames it.
    type: str
  name:
    description:
      - Name of the resource. Required to create one.
    type: str
seealso:
  - module: backupdr.cloud.crosspeer_resource_info
"""

EXAMPLES = r"""
# The connection (api_user, api_key and, for another region, api_url) comes from module_defaults, as in the
# last example, or from the CROSSPEER_API_USER, CROSSPEER_API_KEY and CROSSPEER_API_URL environment variables.

- name: A static IP for the web server
  backupdr.cloud.crosspeer_resource:
    type: ip
    name: web-ip
    tags: [prod, web]
  register: web_ip

- name: Use it as the server's DHCP address
  ansible.builtin.debug:
    msg: "nic:0:dhcp {{ web_ip.resource.resource }}"

- name: A private VLAN
  backupdr.cloud.crosspeer_resource:
    type: vlan
    name: backend
    user_metadata:
      owner: network-team
  register: backend

- name: Rename a VLAN found by its UUID
  backupdr.cloud.crosspeer_resource:
    type: vlan
    resource: "{{ backend.resource.resource }}"
    name: backend-old

- name: Credentials once for every CrossPeer task
  module_defaults:
    group/backupdr.cloud.crosspeer:
      api_user: "{{ crosspeer_user }}"
      api_key: "{{ crosspeer_key }}"
  block:
    - name: Release the static IP
      backupdr.cloud.crosspeer_resource:
        type: ip
        name: web-ip
        state: absent
"""

RETURN = r"""
resource:
  description: The resource after the change (in check mode, as it would be). Empty when absent.
  returned: always
  type: dict
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
    CrossPeerClient, converge_resource, crosspeer_argument_spec, resource_options,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module


def argument_spec():
    return crosspeer_argument_spec(with_metadata=True, **resource_options())


def main():
    run_module(argument_spec(), lambda module: converge_resource(module, CrossPeerClient(module.params)),
               required_one_of=[('resource', 'name')])


if __name__ == '__main__':
    main()
