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
- name: A web server booting from its drive, with a CD-ROM and two NICs, started
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
        vlan: 8b2e7c1d-4f3a-4e6b-9c2d-1a0f5e7d3b92
    vnc: auto
    vnc_password: "{{ vault_vnc_password }}"
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
      sample: 0b7e4d2a-3c6f-4a8e-8d1b-9e5f2c7a6d30
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
      sample: [{device: ide:0:0, drive: 6a5c1f0e-2b7d-4c1e-9b3f-0a2d0e7c9b41, media: disk}]
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

import copy

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    CrossPeerClient, crosspeer_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer_server import LIVE_OPTIONS, ServerType
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import (
    HANDLED_ERRORS, PartialFailure, ResourceEngine, ValidationError, run_module,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import (
    FAILED, RUNNING as JOB_RUNNING, SUCCESS, Job, JobFailed, JobRunner,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import WAIT_ARGUMENT_SPEC

#: Statuses in which a server holds its configuration (only live changes) and can be stopped.
RUNNING = ('active', 'paused')
#: The status each power action leads to (reset: the server stays active, nothing to look for).
TARGET_STATUS = {'shutdown': 'stopped', 'stop': 'stopped', 'start': 'active'}


class ServerActionJob(Job):
    """A power action (start, stop, shutdown, reset) followed through the server's status."""

    check_hint = 'the server status'

    def __init__(self, rtype, uuid, action, target, before=None):
        self.rtype = rtype
        self.uuid = uuid
        self.action = action
        self.target = target
        self.before = before
        self.what = '%s of server %s' % (action, uuid)
        # A reset leaves no trace to look for: a lost answer to it stays "unknown".
        self.can_verify = target is not None

    def start(self):
        self.rtype.client.post('servers/%s/%s' % (self.uuid, self.action))
        return dict(id=self.uuid)

    def find_started(self):
        flat = self.rtype.get(self.uuid)
        if flat is None:
            return dict(id=self.uuid) if self.target == 'stopped' else None
        if self.target and flat.get('status') == self.target and flat.get('status') != self.before:
            return dict(id=self.uuid)
        return None

    def poll(self, handle):
        return self.rtype.get(self.uuid)

    def classify(self, handle, flat):
        if flat is None:
            return FAILED, 'gone (the API destroys a server that is not persistent when it stops)'
        if self.target is None or flat.get('status') == self.target:
            return SUCCESS, flat.get('status')
        return JOB_RUNNING, flat.get('status')


def argument_spec():
    spec = crosspeer_argument_spec(
        with_metadata=True,
        state=dict(type='str', choices=['present', 'started', 'stopped', 'restarted', 'absent'], default='present'),
        uuid=dict(type='str'),
        name=dict(type='str'),
        cpu=dict(type='int'),
        smp=dict(type='str'),
        mem=dict(type='int'),
        persistent=dict(type='bool'),
        drives=dict(type='list', elements='dict', options=dict(
            device=dict(type='str', required=True),
            drive=dict(type='str', required=True),
            media=dict(type='str', choices=['disk', 'cdrom'], default='disk'),
        )),
        boot=dict(type='list', elements='str'),
        nics=dict(type='list', elements='dict', options=dict(
            model=dict(type='str', choices=['e1000', 'rtl8139', 'virtio'], default='e1000'),
            dhcp=dict(type='str'),
            vlan=dict(type='str'),
            mac=dict(type='str'),
        )),
        vnc=dict(type='str'),
        vnc_password=dict(type='str', no_log=True),
        vnc_tls=dict(type='bool'),
        avoid_drives=dict(type='list', elements='str'),
        avoid_servers=dict(type='list', elements='str'),
        stop_method=dict(type='str', choices=['shutdown', 'stop'], default='shutdown'),
        allow_restart=dict(type='bool', default=False),
    )
    spec.update(WAIT_ARGUMENT_SPEC)
    return spec


class ServerRunner:
    """Plan the requests that converge one server, then send them in order.

    Configuration changes are split into the ones a running server accepts
    (``LIVE_OPTIONS``) and the others; a plan is a list of steps
    (``('set', changes)``, ``('stop',)``, ``('start',)``, ``('reset',)``)
    checked in full before the first write.
    """

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.rtype = ServerType(CrossPeerClient(module.params), module.params)
        self.engine = ResourceEngine(module, self.rtype)
        self.actions = []
        self.applied = []
        self.flat = None
        self.runner = JobRunner(module, self.rtype.client, wait=True, wait_timeout=self.params['wait_timeout'])

    # -- entry point ------------------------------------------------------------------
    def run(self):
        state = self.params['state']
        wanted = self.engine.desired()
        current = self.engine.find()
        if state == 'absent':
            if current is None:
                return self.exit(False, None, None)
            changed, dummy, diff = self.engine.absent(current)
            if changed:
                self.actions.append('destroy')
            return self.exit(changed, None, diff)
        if current is None:
            return self.create(wanted)
        return self.converge(current, wanted)

    def exit(self, changed, flat, diff):
        self.engine.exit(changed, flat, diff, actions=self.actions)

    # -- creation -------------------------------------------------------------------------
    def create(self, wanted):
        state = self.params['state']
        if 'boot' in wanted and 'drives' not in wanted:
            self.rtype.check_boot(wanted['boot'], [])
        starts = state in ('started', 'restarted')
        changed, flat, diff = self.engine.present(None, wanted)
        self.actions.append('create and start' if starts else 'create')
        diff['after']['status'] = 'active' if starts else 'stopped'
        if 'persistent' not in diff['after']:
            diff['after']['persistent'] = True
        if self.module.check_mode:
            flat = dict(flat, status=diff['after']['status'])
            return self.exit(changed, flat, diff)
        if starts and self.params['wait']:
            try:
                flat = self.wait_status(flat[self.rtype.id_key], 'active', 'start', flat)
            except HANDLED_ERRORS as exc:
                raise self.partial(flat, 'waiting for the new server to become active', exc, dict(
                    (o, (None, v)) for o, v in wanted.items()), created=True)
        return self.exit(changed, flat, diff)

    # -- existing server ----------------------------------------------------------------------
    def converge(self, current, wanted):
        rt = self.rtype
        wanted = rt.resolve(wanted)
        # avoid_drives/avoid_servers (create-only) are unreadable, so never among the changes.
        changes = self.engine.changes(current, wanted)
        if 'boot' in changes or 'drives' in changes:
            boot = wanted.get('boot', rt.field('boot').from_api(current))
            drives = wanted.get('drives', rt.field('drives').from_api(current))
            rt.check_boot(boot, drives, given='boot' in wanted)
        steps = self.plan(current, wanted, changes)
        if not steps:
            return self.exit(False, current, None)
        before, after = self.engine.masked(changes)
        final = self.final_status(current, steps)
        if final != current.get('status'):
            before['status'], after['status'] = current.get('status'), final
        diff = dict(before=before, after=after)
        if self.module.check_mode:
            preview = copy.deepcopy(current)
            preview.update(self.engine.update_payload(current, changes))
            preview['status'] = final
            self.actions = [label for label, dummy in self.labelled(current, steps)]
            return self.exit(True, preview, diff)
        self.execute(current, changes, steps)
        return self.exit(True, self.flat, diff)

    def plan(self, current, wanted, changes):
        state = self.params['state']
        name = '%s (%s)' % (current.get('name'), current.get('server'))
        status = current.get('status')
        live = dict((o, c) for o, c in changes.items() if o in LIVE_OPTIONS)
        offline = dict((o, c) for o, c in changes.items() if o not in LIVE_OPTIONS)
        graceful = self.params['stop_method'] == 'shutdown'
        if status not in RUNNING:
            # stopped, dumped or dead: every key may change, start works.
            steps = [('set', changes)] if changes else []
            if state in ('started', 'restarted'):
                steps.append(('start',))
            return steps
        if status == 'paused' and state == 'started':
            raise ValidationError('state', 'server %s is paused and the API has no call to resume it; use '
                                           'state=restarted with stop_method=stop to power-cycle it' % name)
        steps = [('set', live)] if live else []
        if state == 'stopped':
            steps.append(('stop',))
            if offline:
                steps.append(('set', offline))
        elif state == 'restarted' and (offline or graceful or status != 'active'):
            # reset only works on an active server; a paused one is power-cycled.
            steps += [('stop',), ('set', offline), ('start',)] if offline else [('stop',), ('start',)]
        elif state == 'restarted':
            steps.append(('reset',))
        elif offline:
            if not self.params['allow_restart']:
                raise ValidationError(None, '%s cannot be changed while server %s is %s: a running server accepts '
                                            'changes of %s only. Set allow_restart=true to let the module stop it '
                                            '(stop_method=%s), apply the changes and start it again, or use '
                                            'state=stopped' % (', '.join(sorted(offline)), name, status,
                                                               ', '.join(LIVE_OPTIONS), self.params['stop_method']))
            steps += [('stop',), ('set', offline), ('start',)]
        if ('stop',) in steps:
            self.check_stoppable(current, wanted, state, offline, name)
        return steps

    def check_stoppable(self, current, wanted, state, offline, name):
        """Refuse, before any write, a stop the API would turn into a destroy or reject."""
        persistent = wanted.get('persistent', self.rtype.field('persistent').from_api(current))
        if not persistent:
            raise ValidationError('persistent', 'server %s is not persistent, and the API destroys a server that '
                                                'is not persistent when it stops or shuts down, so %s is refused. '
                                                'Set persistent=true first (a running server accepts that change)%s'
                                  % (name, self.why_stop(state, offline),
                                     ', or use stop_method=stop to reset it instead'
                                     if state == 'restarted' and not offline else ''))
        if current.get('status') == 'paused' and self.params['stop_method'] == 'shutdown':
            raise ValidationError('stop_method', 'server %s is paused and cannot shut down gracefully (ACPI); '
                                                 'use stop_method=stop' % name)

    @staticmethod
    def why_stop(state, offline):
        if state == 'stopped':
            return 'state=stopped'
        if state == 'restarted' and not offline:
            return 'a graceful restart (stop_method=shutdown)'
        return 'stopping it to change %s' % ', '.join(sorted(offline))

    @staticmethod
    def final_status(current, steps):
        status = current.get('status')
        for step in steps:
            if step[0] == 'stop':
                status = 'stopped'
            elif step[0] in ('start', 'reset'):
                status = 'active'
        return status

    def labelled(self, current, steps):
        """``(label, step)`` pairs: the names reported in ``actions``."""
        running = current.get('status') in RUNNING
        out = []
        for step in steps:
            if step[0] == 'set':
                label = 'set while running' if running else 'set while stopped'
            elif step[0] == 'stop':
                label, running = self.params['stop_method'], False
            else:
                label, running = step[0], True
            out.append((label, step))
        return out

    # -- execution ----------------------------------------------------------------------------
    def execute(self, current, changes, steps):
        rt = self.rtype
        uuid = current[rt.id_key]
        wait = self.params['wait']
        fresh = False
        completed = 0
        for index, (label, step) in enumerate(self.labelled(current, steps)):
            last = index == len(steps) - 1
            try:
                if step[0] == 'set':
                    payload = self.engine.update_payload(current, step[1])
                    self.actions.append(label)
                    self.flat = rt.update(current, payload, step[1])
                    self.engine.verify_update(current, self.flat, dict((o, c[1]) for o, c in step[1].items()))
                    fresh = self.flat is not None
                    self.applied += sorted(step[1])
                else:
                    self.actions.append(label)
                    target = TARGET_STATUS.get(label)
                    # A later step depends on a stop having finished: always wait for it.
                    self.runner.wait_enabled = bool(target and (wait or (target == 'stopped' and not last)))
                    result = self.run_action(ServerActionJob(rt, uuid, label, target, current.get('status')))
                    fresh = result.waited
                    if fresh:
                        self.flat = result.observation
                completed += 1
            except HANDLED_ERRORS as exc:
                if not completed:
                    raise
                raise self.partial(current, self.doing(step), exc, changes)
        if not fresh:
            self.flat = rt.get(uuid) or current

    def doing(self, step):
        if step[0] == 'set':
            return 'setting %s' % ', '.join(sorted(step[1]))
        if step[0] == 'stop':
            return 'stopping it (%s)' % self.params['stop_method']
        return {'start': 'starting it', 'reset': 'resetting it'}[step[0]]

    def run_action(self, job):
        """Start a power action through the job engine; clear messages for the usual reasons it does not end."""
        try:
            return self.runner.run(job)
        except JobFailed as exc:
            raise self.explain(job.uuid, job.action, job.target, exc)

    def wait_status(self, uuid, status, action, flat=None):
        """Follow a server (already asked to ``action``) until it reports ``status``."""
        if flat is not None and flat.get('status') == status:
            return flat
        job = ServerActionJob(self.rtype, uuid, action, status)
        try:
            dummy, dummy, flat = self.runner.follow(job, dict(id=uuid))
        except JobFailed as exc:
            raise self.explain(uuid, action, status, exc)
        return flat

    def explain(self, uuid, action, status, exc):
        last = exc.result.observation
        if exc.result.state == FAILED:
            return JobFailed('server %s: %s; it no longer exists (the API destroys a server that is not persistent '
                             'when it stops)' % (uuid, action), exc.result)
        timeout = self.params['wait_timeout']
        seen = last.get('status') if last else 'unknown'
        msg = 'server %s is still %s %ds after the %s request (wait_timeout=%d)' % (
            uuid, seen, int(exc.result.elapsed or timeout), action, timeout)
        if action == 'shutdown':
            msg += ('; the guest seems to ignore the ACPI power-down event. Use stop_method=stop to power it '
                    'off hard, or raise wait_timeout')
        return JobFailed(msg, exc.result)

    def partial(self, current, doing, exc, changes, created=False):
        """A PartialFailure describing what exists now (re-reads the server, best effort)."""
        rt = self.rtype
        uuid = current.get(rt.id_key)
        try:
            now = rt.get(uuid) if uuid else None
            status = now.get('status') if now else 'gone (it no longer exists)'
        except HANDLED_ERRORS:
            status = 'unknown (reading it failed)'
        applied = sorted(changes) if created else list(self.applied)
        not_applied = [o for o in sorted(changes) if o not in applied]
        msg = 'server %s (%s): %s failed after %s succeeded: %s. Now: the server %s, its status is %s; ' % (
            current.get('name'), uuid, doing, ', '.join(self.actions[:-1] if not created else self.actions), exc,
            'was created' if created else 'exists', status)
        msg += 'applied: %s; not applied: %s.' % (', '.join(applied) or 'nothing', ', '.join(not_applied) or 'nothing')
        msg += ' Fix the cause and run the task again to finish.'
        return PartialFailure(msg, state=dict(server=uuid, name=current.get('name'), status=status, applied=applied,
                                              not_applied=not_applied, actions=list(self.actions)), cause=exc)


def main():
    run_module(argument_spec(), lambda module: ServerRunner(module).run(), required_one_of=[('uuid', 'name')])


if __name__ == '__main__':
    main()
