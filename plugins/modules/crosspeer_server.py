#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: crosspeer_server
short_description: Manage CrossPeer servers
version_added: 0.1.0
description:
  - Create, configure, start, stop, restart and destroy servers on a CrossPeer cloud.
  - A server is found by O(uuid), or by O(name) when O(uuid) is not given. Two servers with the same
    name are an error (give O(uuid)); a given O(uuid) that does not exist is never created.
  - Only the options you give are managed. O(drives), O(nics), O(boot), O(tags) and O(user_metadata)
    are the whole truth once given, so entries that are no longer wanted are removed.
  - A running server accepts changes of O(name), O(cpu), O(persistent), O(tags), O(vnc_password) and
    O(user_metadata) only. Any other change needs the server stopped; the module refuses it on a running
    server unless O(allow_restart=true) or O(state=stopped).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.crosspeer
  - backupdr.cloud.crosspeer.metadata
  - backupdr.cloud.api
  - backupdr.cloud.attributes
  - backupdr.cloud.wait
options:
  state:
    description:
      - V(present) creates the server (stopped) when it does not exist and configures it; its power
        state is left as it is.
      - V(started) also starts it. A missing server is created and started in one request.
      - V(stopped) also stops it, the way O(stop_method) says, and waits until it has stopped.
      - V(restarted) restarts a running server (always a change) and starts a stopped one.
      - V(absent) destroys the server (the API stops it first if it runs). Its drives are kept.
    type: str
    choices: [present, started, stopped, restarted, absent]
    default: present
  uuid:
    description:
      - UUID of an existing server. When given, the server is never created and O(name) renames it.
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
      - Number of virtual processors, or V(auto) to let the service derive it from O(cpu).
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
      - Because stopping destroys it, the module refuses to stop (O(state=stopped), a graceful restart,
        a restart for O(allow_restart)) a server that is not persistent.
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
      - How the module stops a running server (for O(state=stopped), O(state=restarted) and O(allow_restart)).
      - V(shutdown) sends an ACPI power-down event and lets the guest shut down cleanly; if the guest
        ignores it, the module fails after O(wait_timeout) seconds (then use V(stop)).
      - V(stop) kills the server at once, like a power failure. For O(state=restarted) on a running server
        with no change that needs it stopped, V(stop) resets the server instead.
    type: str
    choices: [shutdown, stop]
    default: shutdown
  allow_restart:
    description:
      - Allow the module to stop a running server (as O(stop_method) says), apply changes that need it
        stopped, and start it again.
      - When V(false), such changes on a running server fail before anything is changed.
    type: bool
    default: false
notes:
  - Stopping always waits until the server reports C(stopped) when a later step (a change that needs the
    server stopped, a start) depends on it; otherwise only with O(wait=true). Starting waits until the
    server reports C(active) with O(wait=true).
  - If a change with several steps fails half way (for example the server was stopped to change its drives
    but the change was refused), the module fails with RV(partial) describing what exists now.
seealso:
  - module: backupdr.cloud.crosspeer_server_info
  - module: backupdr.cloud.crosspeer_drive
  - module: backupdr.cloud.crosspeer_resource
"""

EXAMPLES = r"""
# The connection (api_user, api_key and, for another region, api_url) comes from module_defaults, as in the
# last example, or from the CROSSPEER_API_USER, CROSSPEER_API_KEY and CROSSPEER_API_URL environment variables.

- name: Its boot drive, from the Ubuntu 10.04 system image
  backupdr.cloud.crosspeer_drive:
    name: web1-boot
    size: 4G
    image:
      source: aee5589a-88c3-43ef-bb0a-9cab6e64192d

- name: A private VLAN for its second NIC
  backupdr.cloud.crosspeer_resource:
    type: vlan
    name: web-backend
  register: backend

- name: A web server booting from its drive, with the Ubuntu install CD and two NICs, started
  backupdr.cloud.crosspeer_server:
    name: web1
    cpu: 2000
    smp: auto
    mem: 1024
    drives:
      - device: ide:0:0
        drive: web1-boot
      - device: ide:1:0
        drive: 37e0f871-8a71-4b15-9478-ada0109dcce5
        media: cdrom
    boot: [ide:0:0, ide:1:0]
    nics:
      - dhcp: auto
      - model: virtio
        vlan: "{{ backend.resource.resource }}"
    vnc: auto
    vnc_password: "{{ vnc_password }}"
    tags: [web, prod]
    state: started

- name: More CPU while it runs (no restart needed)
  backupdr.cloud.crosspeer_server:
    name: web1
    cpu: 4000

- name: More memory needs a restart; allow it, shutting down gracefully
  backupdr.cloud.crosspeer_server:
    name: web1
    mem: 2048
    allow_restart: true

- name: Power it off hard
  backupdr.cloud.crosspeer_server:
    name: web1
    state: stopped
    stop_method: stop

- name: Credentials once for every CrossPeer task
  module_defaults:
    group/backupdr.cloud.crosspeer:
      api_user: "{{ crosspeer_user }}"
      api_key: "{{ crosspeer_key }}"
  block:
    - name: Remove the server (its drives are kept)
      backupdr.cloud.crosspeer_server:
        name: web1
        state: absent
"""

RETURN = r"""
server:
  description:
    - The server after the change (in check mode, as it would be). Empty when absent.
    - Besides the options below, the service's read-only state is returned with C(:) and C(.) in key names
      replaced by C(_), for example C(smp_cores), C(nic_0_dhcp_ip), C(rx_bytes), C(ide_0_0_read_bytes).
  returned: always
  type: dict
  contains:
    uuid:
      description: UUID of the server.
      type: str
      sample: 4d45ef9a-d7e2-4d93-bb12-1196bd38a98d
    name:
      description: Name of the server.
      type: str
      sample: web1
    status:
      description: V(active), V(stopped), V(paused), V(dumped) or V(dead).
      type: str
      sample: active
    cpu:
      description: CPU quota in core MHz.
      type: int
      sample: 2000
    smp:
      description: Number of virtual processors or V(auto).
      type: str
      sample: auto
    mem:
      description: Memory in MB.
      type: int
      sample: 1024
    persistent:
      description: Whether the server survives a stop.
      type: bool
      sample: true
    drives:
      description: Attached drives, sorted by device.
      type: list
      elements: dict
      sample: [{device: ide:0:0, drive: 2342473e-82ff-464c-b514-7909a1817ce7, media: disk}]
    boot:
      description: Boot devices in order.
      type: list
      elements: str
      sample: [ide:0:0]
    nics:
      description: Network interfaces in order (C(null) for unset keys).
      type: list
      elements: dict
      sample: [{model: e1000, dhcp: auto, vlan: null, mac: "52:54:00:12:34:56"}]
    vnc:
      description: VNC address or V(auto) (empty when unset).
      type: str
      sample: auto
    vnc_password:
      description: C(********) when a password is set, empty otherwise.
      type: str
      sample: "********"
    vnc_tls:
      description: Whether VNC requires TLS.
      type: bool
      sample: false
    tags:
      description: Tags, sorted.
      type: list
      elements: str
      sample: [prod, web]
    user_metadata:
      description: User-defined keys (without the C(user:) prefix).
      type: dict
      sample: {owner: web-team}
    user:
      description: Owner of the server.
      type: str
      sample: 5f1c2b7e-8d4a-4c1e-9b3f-6a2d0e7c9b41
    started:
      description: Start time in seconds since the epoch (running servers only).
      type: int
actions:
  description:
    - The requests that changed the server, in order (in check mode, the ones that would be sent).
    - V(create), V(create and start), V(set), V(set while running), V(set while stopped),
      V(shutdown), V(stop), V(start), V(reset), V(destroy).
  returned: always
  type: list
  elements: str
  sample: [set while running, shutdown, set while stopped, start]
partial:
  description:
    - When a change with several steps failed half way, what exists now.
  returned: on a failure after some steps succeeded
  type: dict
  contains:
    server:
      description: UUID of the server.
      type: str
    name:
      description: Name of the server.
      type: str
    status:
      description: Status of the server as last read.
      type: str
    applied:
      description: Options whose change was applied.
      type: list
      elements: str
    not_applied:
      description: Options whose change was not applied.
      type: list
      elements: str
    actions:
      description: The requests that succeeded, in order.
      type: list
      elements: str
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import crosspeer_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer_server import ServerRunner, server_options
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import WAIT_ARGUMENT_SPEC


def argument_spec():
    spec = crosspeer_argument_spec(with_metadata=True, **server_options())
    spec.update(WAIT_ARGUMENT_SPEC)
    return spec


def main():
    run_module(argument_spec(), lambda module: ServerRunner(module).run(), required_one_of=[('uuid', 'name')])


if __name__ == '__main__':
    main()
