#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_replica_config_info
short_description: Read how CloudEndure will create the replicas of machines
version_added: 0.1.0
description:
  - Reads the future replica configuration (C(getFutureReplicaConfiguration)) of machines of the Primary Location -
    instance type, subnet, private IP, elastic IP and volumes of their next replicas, and which of them may change.
  - One request per machine. CloudEndure keeps a configuration only for machines that are C(Replicating) or
    C(Replicated); without O(machines), every such machine is read.
  - Makes read requests only.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  machines:
    description:
      - The source machines, by id or by name (a name must be unique in the Primary Location). A machine that does
        not replicate is an error.
    type: list
    elements: str
seealso:
  - module: backupdr.cloud.cloudendure_replica_config
"""

EXAMPLES = r"""
- name: The replica configuration of web-01
  backupdr.cloud.cloudendure_replica_config_info:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
    machines: [web-01]
  register: web

- name: Its instance type
  ansible.builtin.debug:
    msg: "{{ web.configs[0].config.instance_type }}"
"""

RETURN = r"""
configs:
  description: One entry per machine.
  returned: always
  type: list
  elements: dict
  contains:
    machine:
      description: The source machine (see M(backupdr.cloud.cloudendure_machine_info) for the keys).
      type: dict
    config:
      description: The configuration in option names (see M(backupdr.cloud.cloudendure_replica_config)), with C(editable).
      type: dict
    raw:
      description: The ReplicaProperties object as the API returned it.
      type: dict
  sample:
    - machine: {id: i-0a1b2c3d4e5f60001, name: web-01}
      config:
        instance_type: Copy Origin
        subnet: Copy Origin
        private_ip: Copy Origin
        elastic_ip: true
        volumes: {/dev/xvda: {ssd: Copy Origin, iops: null, replicate: true}}
        editable: {instance_type: true, subnet: true, private_ip: true, elastic_ip: true, volumes: true}
      raw: {InstanceType: {value: Copy Origin, editable: "true"}}
count:
  description: Number of machines returned.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    PROTECTED_STATES, cloudendure_argument_spec, machine_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import (
    Locations, find_sources, finish, run, short,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.replica import config_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError


def argument_spec():
    return cloudendure_argument_spec(machines=dict(type='list', elements='str'))


def body(module, client):
    locations = Locations(client)
    primary = client.machines(locations.primary)
    if module.params['machines']:
        machines = find_sources(client, locations, module.params['machines'], 'machines', machines=primary)
        idle = [m for m in machines if m.get('replicationState') not in PROTECTED_STATES]
        if idle:
            raise ValidationError('machines', 'CloudEndure keeps a replica configuration only for machines that are '
                                              'Replicating or Replicated: %s' % ', '.join(
                                                  '%s is %s' % (short(m), m.get('replicationState')) for m in idle))
    else:
        machines = [m for m in primary if m.get('replicationState') in PROTECTED_STATES]
    configs = []
    for machine in machines:
        raw = client.replica_config(machine['id'])
        configs.append(dict(machine=machine_view(machine, locations.primary, 'primary'), config=config_view(raw), raw=raw))
    finish(module, client, changed=False, configs=configs, count=len(configs))


def main():
    run(argument_spec(), body)


if __name__ == '__main__':
    main()
