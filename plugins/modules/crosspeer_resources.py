#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: crosspeer_resources
short_description: Manage many CrossPeer static IPs and VLANs in one task
version_added: 0.1.0
description:
  - Converges a list of static IPs and VLANs in one task, each as M(backupdr.cloud.crosspeer_resource) would,
    listing the resources once and sending the writes in parallel.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.crosspeer
  - backupdr.cloud.api
  - backupdr.cloud.fleet
  - backupdr.cloud.attributes
options:
  resources:
    description:
      - The resources, each given by O(resources[].resource) or O(resources[].name) (with its O(resources[].type)),
        with the options of M(backupdr.cloud.crosspeer_resource).
      - A resource may be given once only.
    type: list
    elements: dict
    required: true
    suboptions:
      state:
        description:
          - V(present) creates the resource or updates it; V(absent) destroys it.
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
          - When given, the resource is never created and O(resources[].name) renames it.
        type: str
      name:
        description:
          - Name of the resource. Required to create one.
        type: str
      tags:
        description:
          - Tags of the resource. An empty list removes all tags.
        type: list
        elements: str
      user_metadata:
        description:
          - User-defined C(user:KEY VALUE) pairs, given without the C(user:) prefix.
          - Keys not in this dictionary are removed. Keys starting with C(backupdr-) are reserved.
        type: dict
seealso:
  - module: backupdr.cloud.crosspeer_resource
  - module: backupdr.cloud.crosspeer_resource_info
"""

EXAMPLES = r"""
- name: Static IPs for the web tier and a private VLAN
  backupdr.cloud.crosspeer_resources:
    resources:
      - {type: ip, name: web-ip-1, tags: [web]}
      - {type: ip, name: web-ip-2, tags: [web]}
      - {type: vlan, name: web-backend}
  register: network

- name: Show the addresses
  ansible.builtin.debug:
    msg: "{{ network.results | selectattr('resource.type', 'equalto', 'ip') | map(attribute='resource.resource') | list }}"
"""

RETURN = r"""
results:
  description: One result per item, in the order of O(resources).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The item's name (or identifier when it was given by identifier).
      type: str
      sample: web-ip-1
    changed:
      description: Whether this resource was (or in check mode would be) changed.
      type: bool
    failed:
      description: Whether this item failed.
      type: bool
    msg:
      description: Why this item failed.
      type: str
      returned: when the item failed
    resource:
      description: The resource after the change, as M(backupdr.cloud.crosspeer_resource) returns it.
      type: dict
      returned: when the item did not fail
    diff:
      description: This resource's before and after.
      type: dict
      returned: with C(--diff)
    warnings:
      description: Warnings about this item.
      type: list
      elements: str
      returned: when there are some
summary:
  description: How many items there were, changed and failed.
  returned: always
  type: dict
  sample: {total: 3, changed: 3, failed: 0}
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.bulk import run_bulk
from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    METADATA_ARGUMENT_SPEC, CrossPeerClient, ResourceKindType, converge_resource, crosspeer_argument_spec,
    resource_options,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import HANDLED_ERRORS, run_module


def argument_spec():
    item = resource_options()
    item.update((k, dict(v)) for k, v in METADATA_ARGUMENT_SPEC.items())
    return crosspeer_argument_spec(
        resources=dict(type='list', elements='dict', required=True, options=item),
        parallel=dict(type='int', default=8),
    )


def item_name(params):
    return '%s %s' % (params.get('type'), params.get('name') or params.get('resource'))


def run(module):
    client = CrossPeerClient(module.params)
    connection = dict((k, v) for k, v in module.params.items() if k not in ('resources', 'parallel'))
    run_bulk(module, module.params['resources'], lambda item: dict(connection, **item),
             lambda item_module: converge_resource(item_module, client), client, 'resources', item_name,
             HANDLED_ERRORS, parallel=module.params['parallel'], lock_key=lambda params: ResourceKindType(client, params).lock_key())


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
