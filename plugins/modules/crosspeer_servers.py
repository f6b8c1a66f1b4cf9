#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: crosspeer_servers
short_description: Manage many CrossPeer servers in one task
version_added: 0.1.0
description:
  - Converges a list of servers in one task, each as M(backupdr.cloud.crosspeer_server) would (configuration,
    power state, destroy), listing the servers and drives once and working on the servers in parallel.
  - Use it where a play manages a fleet of servers; a loop over M(backupdr.cloud.crosspeer_server) does the same
    item by item, at the cost of one module run and one list read per server.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.crosspeer
  - backupdr.cloud.api
  - backupdr.cloud.fleet
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  servers:
    description:
      - The servers, each given by O(servers[].uuid) or O(servers[].name), with the options of
        M(backupdr.cloud.crosspeer_server).
      - A server may be given once only. O(wait) and O(wait_timeout) apply to each server.
    type: list
    elements: dict
    required: true
    suboptions:
      state:
        description:
          - V(present) creates the server (stopped) when it does not exist and configures it; its power
            state is left as it is.
          - V(started) also starts it. A missing server is created and started in one request.
          - V(stopped) also stops it, the way O(servers[].stop_method) says, and waits until it has stopped.
          - V(restarted) restarts a running server (always a change) and starts a stopped one.
          - V(absent) destroys the server (the API stops it first if it runs). Its drives are kept.
        type: str
        choices: [present, started, stopped, restarted, absent]
        default: present
      uuid:
        description:
          - UUID of an existing server. When given, the server is never created and O(servers[].name) renames it.
        type: str
      name:
        description:
          - Name of the server. Required to create one.
        type: str
      cpu:
        description:
          - CPU quota in core MHz.
        type: int
      smp:
        description:
          - Number of virtual processors, or V(auto) to let the service derive it from O(servers[].cpu).
        type: str
      mem:
        description:
          - Memory size in MB.
        type: int
      persistent:
        description:
          - Whether the server reverts to C(stopped) when it stops or shuts down. A server that is not
            persistent is destroyed by the API when it stops.
          - New servers are created persistent (V(true)) unless this is set to V(false).
          - Because stopping destroys it, the module refuses to stop (O(servers[].state=stopped), a graceful restart,
            a restart for O(servers[].allow_restart)) a server that is not persistent.
        type: bool
      drives:
        description:
          - The drives attached to the server. Devices not listed are detached.
        type: list
        elements: dict
        suboptions:
          device:
            description:
              - Device to attach the drive as, V(ide:BUS:UNIT) (bus and unit 0 or 1), V(scsi:0:UNIT)
                (unit 0 to 7) or V(block:INDEX) (index 0 to 7).
            type: str
            required: true
          drive:
            description:
              - UUID of the drive, or the name of one of your drives. A name that is not unique among your
                drives is an error, and so is a UUID that names no drive you can read.
            type: str
            required: true
          media:
            description:
              - V(cdrom) simulates a CD-ROM drive, V(disk) a hard disk.
            type: str
            choices: [disk, cdrom]
            default: disk
      boot:
        description:
          - Devices to boot from, in order. Each must be one of the attached devices.
          - An empty list removes the boot setting.
        type: list
        elements: str
      nics:
        description:
          - The network interfaces; the position in the list is the interface number (the first is C(nic:0)).
          - Interfaces past the end of the list are removed. An empty list removes all interfaces.
        type: list
        elements: dict
        suboptions:
          model:
            description:
              - Emulated network card.
            type: str
            choices: [e1000, rtl8139, virtio]
            default: e1000
          dhcp:
            description:
              - IP address offered by DHCP to this interface, or V(auto) to allocate a temporary IP at boot.
                When omitted, no address is offered.
            type: str
          vlan:
            description:
              - UUID of the VLAN resource the interface is attached to.
            type: str
          mac:
            description:
              - MAC address of the interface, unique on its VLAN.
              - When omitted the service generates one, and the module keeps whatever it generated.
            type: str
      vnc:
        description:
          - IP address for VNC access on port 5900, or V(auto) to reuse the DHCP address of the first
            interface (or allocate a temporary IP at boot). An empty string removes it.
        type: str
      vnc_password:
        description:
          - Password for VNC access, at most 8 characters. An empty string removes it, which disables VNC.
          - Never returned; results show C(********).
        type: str
      vnc_tls:
        description:
          - Require VeNCrypt-style TLS authentication in addition to the password.
        type: bool
      avoid_drives:
        description:
          - UUIDs of existing drives the new server must not share physical hardware with.
          - Only used when the server is created.
        type: list
        elements: str
      avoid_servers:
        description:
          - UUIDs of existing servers the new server must not share physical hardware with.
          - Only used when the server is created.
        type: list
        elements: str
      stop_method:
        description:
          - How the module stops a running server (for O(servers[].state=stopped), O(servers[].state=restarted) and O(servers[].allow_restart)).
          - V(shutdown) sends an ACPI power-down event and lets the guest shut down cleanly; if the guest
            ignores it, the module fails after O(wait_timeout) seconds (then use V(stop)).
          - V(stop) kills the server at once, like a power failure. For O(servers[].state=restarted) on a running server
            with no change that needs it stopped, V(stop) resets the server instead.
        type: str
        choices: [shutdown, stop]
        default: shutdown
      allow_restart:
        description:
          - Allow the module to stop a running server (as O(servers[].stop_method) says), apply changes that need it
            stopped, and start it again.
          - When V(false), such changes on a running server fail before anything is changed.
        type: bool
        default: false
      tags:
        description:
          - Tags of the server. An empty list removes all tags.
        type: list
        elements: str
      user_metadata:
        description:
          - User-defined C(user:KEY VALUE) pairs, given without the C(user:) prefix.
          - Keys not in this dictionary are removed. Keys starting with C(backupdr-) are reserved.
        type: dict
seealso:
  - module: backupdr.cloud.crosspeer_server
  - module: backupdr.cloud.crosspeer_server_info
"""

EXAMPLES = r"""
- name: Boot drives for two web servers
  backupdr.cloud.crosspeer_drives:
    drives:
      - {name: web-1-boot, size: 1G}
      - {name: web-2-boot, size: 1G}

- name: Two web servers, started
  backupdr.cloud.crosspeer_servers:
    servers:
      - name: web-1
        cpu: 2000
        mem: 1024
        drives: [{device: ide:0:0, drive: web-1-boot}]
        nics: [{dhcp: auto}]
        state: started
      - name: web-2
        cpu: 2000
        mem: 1024
        drives: [{device: ide:0:0, drive: web-2-boot}]
        nics: [{dhcp: auto}]
        state: started
  register: web

- name: Stop both, by name
  backupdr.cloud.crosspeer_servers:
    servers:
      - {name: web-1, state: stopped}
      - {name: web-2, state: stopped}
"""

RETURN = r"""
results:
  description: One result per item, in the order of O(servers).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The item's name (or UUID when it was given by UUID).
      type: str
      sample: web-1
    changed:
      description: Whether this server was (or in check mode would be) changed.
      type: bool
    failed:
      description: Whether this item failed.
      type: bool
    msg:
      description: Why this item failed.
      type: str
      returned: when the item failed
    server:
      description: The server after the change, as M(backupdr.cloud.crosspeer_server) returns it.
      type: dict
      returned: when the item did not fail
    actions:
      description: The requests that succeeded for this server, in order.
      type: list
      elements: str
    partial:
      description: What exists now when a change with several steps failed half way.
      type: dict
      returned: when such a change failed
    diff:
      description: This server's before and after.
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
  sample: {total: 2, changed: 2, failed: 0}
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.bulk import run_bulk
from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    METADATA_ARGUMENT_SPEC, CrossPeerClient, crosspeer_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer_server import (
    ServerRunner, ServerType, server_options,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import HANDLED_ERRORS, run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import WAIT_ARGUMENT_SPEC


def argument_spec():
    item = server_options()
    item.update((k, dict(v)) for k, v in METADATA_ARGUMENT_SPEC.items())
    spec = crosspeer_argument_spec(
        servers=dict(type='list', elements='dict', required=True, options=item),
        parallel=dict(type='int', default=8),
    )
    spec.update(WAIT_ARGUMENT_SPEC)
    return spec


def run(module):
    client = CrossPeerClient(module.params)
    connection = dict((k, v) for k, v in module.params.items() if k not in ('servers', 'parallel'))
    run_bulk(module, module.params['servers'], lambda item: dict(connection, **item),
             lambda item_module: ServerRunner(item_module, client).run(), client, 'servers',
             lambda params: params.get('name') or params.get('uuid'), HANDLED_ERRORS,
             parallel=module.params['parallel'], lock_key=lambda params: ServerType(client, params).lock_key())


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
