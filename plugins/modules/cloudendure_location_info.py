#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_location_info
short_description: List the CloudEndure locations and the account's Primary and Secondary Locations
version_added: 0.1.0
description:
  - Lists the locations CloudEndure can use as the Primary Location (where the replicated machines run) or the
    Secondary Location (where their replicas are created), with C(getAllLocations), and says which of them the
    account uses now (C(getUserDetails)).
  - Works on an account whose settings were never set (the API's C(Details Not Set)); RV(primary_location) and
    RV(secondary_location) are then V(null).
  - Makes read requests only.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options: {}
seealso:
  - module: backupdr.cloud.cloudendure_account
  - module: backupdr.cloud.cloudendure_machine_info
"""

EXAMPLES = r"""
- name: The locations, and which ones the account uses
  backupdr.cloud.cloudendure_location_info:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
  register: locations

- name: Show the Secondary Location
  ansible.builtin.debug:
    msg: "Replicas are created in {{ locations.secondary_location }}"
"""

RETURN = r"""
locations:
  description:
    - Every location, as the API names it, with its role for this account.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The location's name (what O(backupdr.cloud.cloudendure_account#module:primary_location) takes).
      type: str
      sample: AWS US East (N. Virginia)
    role:
      description: V(primary), V(secondary), or V(null) for a location the account does not use.
      type: str
      sample: primary
  sample:
    - {name: AWS US East (N. Virginia), role: primary}
    - {name: AWS US West (Oregon), role: secondary}
    - {name: Generic (On-Premise), role: null}
primary_location:
  description: The account's Primary Location, or V(null) when the account settings were never set.
  returned: always
  type: str
  sample: AWS US East (N. Virginia)
secondary_location:
  description: The account's Secondary Location, or V(null) when the account settings were never set.
  returned: always
  type: str
  sample: AWS US West (Oregon)
count:
  description: Number of locations.
  returned: always
  type: int
  sample: 6
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import cloudendure_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import finish, run


def body(module, client):
    names = client.locations()
    details = client.details() or {}
    primary, secondary = details.get('originalLocation'), details.get('mirrorLocation')
    locations = []
    for name in names:
        role = 'primary' if name == primary else ('secondary' if name == secondary else None)
        locations.append(dict(name=name, role=role))
    finish(module, client, changed=False, locations=locations, primary_location=primary, secondary_location=secondary,
           count=len(locations))


def main():
    run(cloudendure_argument_spec(), body)


if __name__ == '__main__':
    main()
