#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_machine_info
short_description: List the machines of CloudEndure locations, with their replication state and replicas
version_added: 0.1.0
description:
  - Lists the machines (CloudResources) of the account's Primary Location (the sources), of its Secondary Location
    (where the replicas are), or of any other location (C(listMachines), one request per location).
  - The filters are applied to the API's answer.
  - Makes read requests only.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  location:
    description:
      - Which machines.
      - V(primary) lists the Primary Location, V(secondary) the Secondary Location, V(both) both of them.
      - Any other value is the name of a location (see M(backupdr.cloud.cloudendure_location_info)).
    type: str
    default: primary
  machines:
    description:
      - Only these machines, by id or by name (C(name) is the instance's C(Name) tag and need not be unique; every
        machine with that name is returned).
    type: list
    elements: str
  replication_state:
    description:
      - Only machines in one of these replication states.
    type: list
    elements: str
    choices: [Not Replicated, Replicating, Replicated, Stopping Replication]
  type:
    description:
      - Only machines of these types (C(ec2), C(rds), or C(machine) for a machine outside AWS).
    type: list
    elements: str
    choices: [ec2, rds, machine]
  replicas_of:
    description:
      - Only the replicas of these source machines (machines whose C(originalId) is one of them), by id or by name
        in the Primary Location. Usually with O(location=secondary).
    type: list
    elements: str
  is_replica:
    description:
      - V(true) keeps only machines CloudEndure created (replicas), V(false) only the others.
    type: bool
seealso:
  - module: backupdr.cloud.cloudendure_replication
  - module: backupdr.cloud.cloudendure_clone
  - plugin: backupdr.cloud.cloudendure
    plugin_type: inventory
"""

EXAMPLES = r"""
- name: The sources and their replication state
  backupdr.cloud.cloudendure_machine_info:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
  register: sources

- name: Machines still in their initial copy, with their progress
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.progress }}%"
  loop: "{{ sources.machines | selectattr('replicationState', 'equalto', 'Replicating') }}"

- name: The replicas of web-01 in the Secondary Location
  backupdr.cloud.cloudendure_machine_info:
    location: secondary
    replicas_of: [web-01]
  register: replicas
"""

RETURN = r"""
machines:
  description:
    - The matching machines, with the API's keys (see the CloudResource struct of the API guide) and the keys
      C(location), C(role) (V(primary), V(secondary) or V(null)), C(is_replica) and C(progress) (percent of the
      initial copy, V(100) when replicated, V(null) when not replicating).
  returned: always
  type: list
  elements: dict
  sample:
    - id: i-0a1b2c3d4e5f60001
      name: web-01
      replicationState: Replicated
      errorString: ""
      cloudState: Running
      CloudEndureCreationTime: null
      CloudEndurePointInTime: null
      originalId: null
      lastConsistencyTime: "1700000000"
      type: ec2
      totalStorageBytes: 30064771072
      replicatedStorageBytes: 30064771072
      persistentPublicIps: [54.210.10.11]
      location: AWS US East (N. Virginia)
      role: primary
      is_replica: false
      progress: 100
count:
  description: Number of machines returned.
  returned: always
  type: int
  sample: 1
primary_location:
  description: The account's Primary Location.
  returned: always
  type: str
  sample: AWS US East (N. Virginia)
secondary_location:
  description: The account's Secondary Location.
  returned: always
  type: str
  sample: AWS US West (Oregon)
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    check_machine_idents, cloudendure_argument_spec, machine_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import Locations, finish, run
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_name


def argument_spec():
    return cloudendure_argument_spec(
        location=dict(type='str', default='primary'),
        machines=dict(type='list', elements='str'),
        replication_state=dict(type='list', elements='str',
                               choices=['Not Replicated', 'Replicating', 'Replicated', 'Stopping Replication']),
        type=dict(type='list', elements='str', choices=['ec2', 'rds', 'machine']),
        replicas_of=dict(type='list', elements='str'),
        is_replica=dict(type='bool'),
    )


def body(module, client):
    params = module.params
    location = check_name(params['location'], 'location', 'location')
    idents = set(check_machine_idents(params['machines'], 'machines'))
    sources = check_machine_idents(params['replicas_of'], 'replicas_of')
    locations = Locations(client)
    if location == 'primary':
        names = [locations.primary]
    elif location == 'secondary':
        names = [locations.secondary]
    elif location == 'both':
        names = [locations.primary, locations.secondary]
    else:
        known = client.locations()
        if location not in known:
            raise ValidationError('location', '%r is neither primary, secondary, both nor a CloudEndure location (%s)'
                                  % (location, ', '.join(known)))
        names = [location]
    source_ids = None
    if sources:
        primary = client.machines(locations.primary)
        source_ids = set(m.get('id') for m in primary if m.get('id') in sources or m.get('name') in sources)
    out = []
    for name in names:
        for machine in client.machines(name):
            if idents and machine.get('id') not in idents and machine.get('name') not in idents:
                continue
            if params['replication_state'] and machine.get('replicationState') not in params['replication_state']:
                continue
            if params['type'] and machine.get('type') not in params['type']:
                continue
            if source_ids is not None and machine.get('originalId') not in source_ids:
                continue
            if params['is_replica'] is not None and bool(machine.get('originalId')) != params['is_replica']:
                continue
            out.append(machine_view(machine, name, locations.role(name)))
    finish(module, client, changed=False, machines=out, count=len(out), primary_location=locations.primary,
           secondary_location=locations.secondary)


def main():
    run(argument_spec(), body)


if __name__ == '__main__':
    main()
