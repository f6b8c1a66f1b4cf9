#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_replica_config
short_description: Set how CloudEndure creates the future replicas of a machine
version_added: 0.1.0
description:
  - Sets the future replica configuration of a machine of the Primary Location (C(getFutureReplicaConfiguration) /
    C(setFutureReplicaConfiguration)) - the instance type, subnet, private IP and elastic IP of its replicas, and
    its volumes' disk type and IOPS. The next clone of the machine uses it.
  - Only the given options are compared; the whole object is written back (the API takes it whole) in one request.
  - Before any write, the module refuses what the API would refuse - a component the API marks
    C(editable=false), C(Copy Origin) for a machine that is not an AWS instance, C(Create New) as the private
    IP of an AWS machine, more than one private IP, a volume not replicated - naming the option.
  - CloudEndure keeps a replica configuration only for machines that are C(Replicating) or C(Replicated).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  machine:
    description:
      - The source machine, by id or by name (a name must be unique in the Primary Location).
    type: str
    required: true
  instance_type:
    description:
      - Instance type of the replicas (C(InstanceType)), such as V(m5.large), or V(Copy Origin) (the source's type;
        AWS machines only).
    type: str
  subnet:
    description:
      - Subnet of the replicas (C(InstanceSubnet)), a subnet id, or V(Copy Origin) (AWS machines only) or
        V(Create New).
    type: str
  private_ip:
    description:
      - Private IP of the replicas (C(PrivateIPs)) - one IPv4 address, V(Copy Origin) (AWS machines only) or
        V(Create New) (machines outside AWS only). CloudEndure supports one private IP.
    type: str
  elastic_ip:
    description:
      - Whether the replicas get a new elastic (public) IP (C(ElasticIP) V(Create New)) or none (C(null)).
    type: bool
  volumes:
    description:
      - Disk settings of the replicas' volumes, by the volume's name (as RV(config) shows them), each a
        dictionary with C(ssd) (V(true), V(false) or V(Copy Origin)) and C(iops) (provisioned IOPS, or V(null)).
      - Volumes not given are kept. Every volume is replicated; C(replicate=false) is refused.
    type: dict
notes:
  - The API guide spells the machine parameter C(machineId); the module also sends C(machineld).
seealso:
  - module: backupdr.cloud.cloudendure_replica_config_info
  - module: backupdr.cloud.cloudendure_clone
"""

EXAMPLES = r"""
- name: Replicas of web-01 are m5.large in a fixed subnet, with a new elastic IP
  backupdr.cloud.cloudendure_replica_config:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
    machine: web-01
    instance_type: m5.large
    subnet: subnet-0e1a2b3c4d5e6f701
    elastic_ip: true

- name: Fixed private IP and SSD data volume
  backupdr.cloud.cloudendure_replica_config:
    machine: web-01
    private_ip: 10.0.1.50
    volumes:
      /dev/xvdb:
        ssd: true
        iops: 3000
"""

RETURN = r"""
config:
  description:
    - The configuration after the module ran, in option names, with C(editable) saying which options the API
      lets change for this machine.
  returned: always
  type: dict
  sample:
    instance_type: m5.large
    subnet: Copy Origin
    private_ip: Copy Origin
    elastic_ip: true
    volumes:
      /dev/xvda: {ssd: Copy Origin, iops: null, replicate: true}
    editable: {instance_type: true, subnet: true, private_ip: true, elastic_ip: true, volumes: true}
raw:
  description: The ReplicaProperties object as the API returned it.
  returned: always
  type: dict
  sample:
    InstanceType: {value: m5.large, editable: "true"}
machine:
  description: The source machine (see M(backupdr.cloud.cloudendure_machine_info) for the keys).
  returned: always
  type: dict
  sample: {id: i-0a1b2c3d4e5f60001, name: web-01, replicationState: Replicated, type: ec2}
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    PROTECTED_STATES, check_machine_ident, cloudendure_argument_spec, machine_view,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import (
    Locations, find_sources, finish, run, short,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.replica import apply, check_options, config_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError


def argument_spec():
    return cloudendure_argument_spec(
        machine=dict(type='str', required=True),
        instance_type=dict(type='str'),
        subnet=dict(type='str'),
        private_ip=dict(type='str'),
        elastic_ip=dict(type='bool'),
        volumes=dict(type='dict'),
    )


def body(module, client):
    ident = check_machine_ident(module.params['machine'], 'machine')
    wanted = check_options(module.params)
    locations = Locations(client)
    machine = find_sources(client, locations, [ident], 'machine')[0]
    if machine.get('replicationState') not in PROTECTED_STATES:
        raise ValidationError('machine', '%s is %s: CloudEndure keeps a replica configuration only for machines that '
                                         'are Replicating or Replicated (start replication with '
                                         'backupdr.cloud.cloudendure_replication first)' % (
                                             short(machine), machine.get('replicationState')))
    config = client.replica_config(machine['id'])
    new, before, after = apply(config, wanted, machine.get('type'))
    changed = bool(after)
    if changed and not module.check_mode:
        client.set_replica_config(machine['id'], new)
        config = client.replica_config(machine['id'])
    shown = new if module.check_mode else config
    result = dict(changed=changed, config=config_view(shown), raw=shown,
                  machine=machine_view(machine, locations.primary, 'primary'))
    if module._diff:
        result['diff'] = dict(before=before, after=after)
    finish(module, client, **result)


def main():
    run(argument_spec(), body)


if __name__ == '__main__':
    main()
