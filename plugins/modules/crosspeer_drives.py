#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: crosspeer_drives
short_description: Manage many CrossPeer drives in one task
version_added: 0.1.0
description:
  - Converges a list of drives in one task, each as M(backupdr.cloud.crosspeer_drive) would (without imaging),
    listing the drives once and sending the writes in parallel.
  - Use it where a play manages a fleet of drives; a loop over M(backupdr.cloud.crosspeer_drive) does the same
    item by item, at the cost of one module run and one list read per drive.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.crosspeer
  - backupdr.cloud.api
  - backupdr.cloud.fleet
  - backupdr.cloud.attributes
options:
  drives:
    description:
      - The drives, each given by O(drives[].uuid) or O(drives[].name), with the options of
        M(backupdr.cloud.crosspeer_drive).
      - A drive may be given once only.
    type: list
    elements: dict
    required: true
    suboptions:
      state:
        description:
          - V(present) creates the drive or updates it; V(absent) destroys it.
        type: str
        choices: [present, absent]
        default: present
      uuid:
        description:
          - UUID of an existing drive. When given, the drive is never created and O(drives[].name) renames it.
        type: str
      name:
        description:
          - Name of the drive. Required to create one.
        type: str
      size:
        description:
          - Size in bytes, or with a V(k), V(M), V(G) or V(T) suffix (powers of 1024), for example V(10G).
          - Drives can grow but never shrink. Required to create a drive.
        type: str
      claim_type:
        description:
          - V(exclusive) lets one running server use the drive, V(shared) lets several use it at once.
        type: str
        choices: [exclusive, shared]
      readers:
        description:
          - UUIDs of other users allowed to read the drive; V(all) stands for every user.
        type: list
        elements: str
      encryption_cipher:
        description:
          - Encryption of the drive. Can only be chosen when the drive is created.
        type: str
        choices: [none, aes-xts-plain]
      avoid:
        description:
          - UUIDs of existing drives that a new drive must not share physical hardware with.
        type: list
        elements: str
      tags:
        description:
          - Tags of the drive. An empty list removes all tags.
        type: list
        elements: str
      user_metadata:
        description:
          - User-defined C(user:KEY VALUE) pairs, given without the C(user:) prefix.
          - Keys not in this dictionary are removed. Keys starting with C(backupdr-) are reserved.
        type: dict
seealso:
  - module: backupdr.cloud.crosspeer_drive
  - module: backupdr.cloud.crosspeer_drive_info
"""

EXAMPLES = r"""
- name: Data drives, one list item each
  backupdr.cloud.crosspeer_drives:
    drives:
      - {name: batch-data-1, size: 10G, tags: [batch]}
      - {name: batch-data-2, size: 10G, tags: [batch]}
      - {name: batch-data-3, size: 20G, tags: [batch, large]}
  register: batch

- name: Report what each drive did
  ansible.builtin.debug:
    msg: "{{ batch.results | map(attribute='name') | zip(batch.results | map(attribute='changed')) | list }}"

- name: Build a list of fifty scratch drives
  ansible.builtin.set_fact:
    scratch_drives: "{{ scratch_drives | default([]) + [{'name': 'scratch-' ~ item, 'size': '1G'}] }}"
  loop: "{{ range(1, 51) | list }}"

- name: Converge them in one task
  backupdr.cloud.crosspeer_drives:
    drives: "{{ scratch_drives }}"

- name: Remove two of them
  backupdr.cloud.crosspeer_drives:
    drives:
      - {name: batch-data-2, state: absent}
      - {name: batch-data-3, state: absent}
"""

RETURN = r"""
results:
  description: One result per item, in the order of O(drives).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The item's name (or UUID when it was given by UUID).
      type: str
      sample: batch-data-1
    changed:
      description: Whether this drive was (or in check mode would be) changed.
      type: bool
    failed:
      description: Whether this item failed.
      type: bool
    msg:
      description: Why this item failed.
      type: str
      returned: when the item failed
    drive:
      description: The drive after the change, as M(backupdr.cloud.crosspeer_drive) returns it.
      type: dict
      returned: when the item did not fail
    diff:
      description: This drive's before and after.
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
    METADATA_ARGUMENT_SPEC, CrossPeerClient, DriveType, converge_drive,
    crosspeer_argument_spec, drive_options,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import HANDLED_ERRORS, run_module


def argument_spec():
    item = drive_options()
    item.update((k, dict(v)) for k, v in METADATA_ARGUMENT_SPEC.items())
    return crosspeer_argument_spec(
        drives=dict(type='list', elements='dict', required=True, options=item),
        parallel=dict(type='int', default=8),
    )


def run(module):
    client = CrossPeerClient(module.params)
    connection = dict((k, v) for k, v in module.params.items() if k not in ('drives', 'parallel'))
    run_bulk(module, module.params['drives'], lambda item: dict(connection, **item),
             lambda item_module: converge_drive(item_module, client), client, 'drives',
             lambda params: params.get('name') or params.get('uuid'), HANDLED_ERRORS,
             parallel=module.params['parallel'], lock_key=lambda params: DriveType(client, params).lock_key())


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
