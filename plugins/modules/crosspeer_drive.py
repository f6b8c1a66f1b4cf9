#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: crosspeer_drive
short_description: Manage CrossPeer drives
version_added: 0.1.0
description:
  - Create, update, image and destroy drives on a CrossPeer cloud.
  - A drive is found by O(uuid), or by O(name) when O(uuid) is not given. Two drives with the same
    name are an error (give O(uuid)); a given O(uuid) that does not exist is never created.
  - Updates are sent in one request carrying only the changed keys. V(tags), V(readers) and
    V(user_metadata) are the whole truth once given, so entries that are no longer wanted are removed.
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
      - V(present) creates the drive or updates it; V(absent) destroys it.
    type: str
    choices: [present, absent]
    default: present
  uuid:
    description:
      - UUID of an existing drive. When given, the drive is never created and O(name) renames it.
    type: str
  name:
    description:
      - Name of the drive. Required to create one.
    type: str
  size:
    description:
      - Size in bytes, or with a V(k), V(M), V(G) or V(T) suffix (powers of 1024), for example V(10G).
      - Drives can grow but never shrink.
      - Required to create a drive unless O(image.source) is another drive, whose size is then used.
    type: str
  claim_type:
    description:
      - V(exclusive) lets one running server use the drive, V(shared) lets several use it at once.
    type: str
    choices: [exclusive, shared]
  readers:
    description:
      - UUIDs of other users allowed to read the drive; V(all) stands for every user.
      - An empty list removes all readers.
    type: list
    elements: str
  encryption_cipher:
    description:
      - Encryption of the drive. Can only be chosen when the drive is created.
      - The service default is V(aes-xts-plain).
    type: str
    choices: [none, aes-xts-plain]
  avoid:
    description:
      - UUIDs of existing drives that the new drive must not share physical hardware with.
      - Only used when the drive is created.
    type: list
    elements: str
  image:
    description:
      - Fill the drive with the contents of another drive or a standard image.
      - A new drive is imaged right after it is created. An existing drive is only imaged again
        when O(force_image=true), because imaging overwrites its contents.
      - The collection records the source in the drive's C(user:backupdr-image) key, so a
        re-run with the same source changes nothing.
    type: dict
    suboptions:
      source:
        description:
          - UUID of the source drive (one of yours, one shared with you, or a standard
            drive or system image), or the name of one of your drives.
        type: str
        required: true
      conversion:
        description:
          - V(gunzip) to unpack a gzipped image (the pre-installed system images are gzipped),
            V(gzip) to pack one, V(none) for a plain copy.
        type: str
        choices: [none, gzip, gunzip]
        default: none
  force_image:
    description:
      - Image an existing drive again (its contents are overwritten). Requires O(image).
    type: bool
    default: false
notes:
  - Imaging is asynchronous on the service side. With O(wait=true) the module waits until it has finished;
    otherwise RV(drive.imaging) shows the progress.
seealso:
  - module: backupdr.cloud.crosspeer_drive_info
  - module: backupdr.cloud.crosspeer_drive_transfer
"""

EXAMPLES = r"""
- name: A 20 GB data drive, shared, tagged
  backupdr.cloud.crosspeer_drive:
    name: db-data
    size: 20G
    claim_type: shared
    tags: [prod, db]
    user_metadata:
      owner: dba-team

- name: A boot drive made from the Ubuntu 10.04 standard drive, without waiting for imaging
  backupdr.cloud.crosspeer_drive:
    name: web-boot
    size: 2G
    image:
      source: aee5589a-88c3-43ef-bb0a-9cab6e64192d
    wait: false
  register: boot

- name: Grow a drive found by UUID and rename it
  backupdr.cloud.crosspeer_drive:
    uuid: "{{ boot.drive.uuid }}"
    name: web-boot-old
    size: 4G

- name: Credentials once for every CrossPeer task
  module_defaults:
    group/backupdr.cloud.crosspeer:
      api_user: "{{ crosspeer_user }}"
      api_key: "{{ crosspeer_key }}"
  block:
    - name: Remove the drive
      backupdr.cloud.crosspeer_drive:
        name: web-boot-old
        state: absent
"""

RETURN = r"""
drive:
  description: The drive after the change (in check mode, as it would be). Empty when absent.
  returned: always
  type: dict
  contains:
    uuid:
      description: UUID of the drive.
      type: str
      sample: 6a5c1f0e-2b7d-4c1e-9b3f-0a2d0e7c9b41
    name:
      description: Name of the drive.
      type: str
      sample: db-data
    size:
      description: Size in bytes.
      type: int
      sample: 21474836480
    claim_type:
      description: V(exclusive) or V(shared).
      type: str
      sample: exclusive
    readers:
      description: Users allowed to read the drive.
      type: list
      elements: str
      sample: []
    tags:
      description: Tags, sorted.
      type: list
      elements: str
      sample: [db, prod]
    user_metadata:
      description: User-defined keys (without the C(user:) prefix).
      type: dict
      sample: {owner: dba-team}
    encryption_cipher:
      description: Encryption of the drive.
      type: str
      sample: aes-xts-plain
    status:
      description: V(active) or V(inactive).
      type: str
      sample: active
    claimed:
      description: UUIDs of the running servers using the drive, space separated (absent when unused).
      type: str
      sample: 0b7e4d2a-3c6f-4a8e-8d1b-9e5f2c7a6d30
    imaging:
      description: Imaging progress (V(42%) or V(queued)); absent when no imaging is under way.
      type: str
      sample: 42%
    user:
      description: Owner of the drive.
      type: str
image:
  description: What the module did about O(image).
  returned: when O(image) is given
  type: dict
  contains:
    source:
      description: UUID of the source drive.
      type: str
    conversion:
      description: Conversion applied.
      type: str
    started:
      description: Whether an imaging job was started by this run.
      type: bool
    finished:
      description: Whether imaging has finished.
      type: bool
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    IMAGE_MARKER, CrossPeerClient, DriveType, crosspeer_argument_spec, is_uuid,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import (
    HANDLED_ERRORS, PartialFailure, ResourceEngine, ValidationError, run_module,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import WAIT_ARGUMENT_SPEC, wait_for


def argument_spec():
    spec = crosspeer_argument_spec(
        with_metadata=True,
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        uuid=dict(type='str'),
        name=dict(type='str'),
        size=dict(type='str'),
        claim_type=dict(type='str', choices=['exclusive', 'shared']),
        readers=dict(type='list', elements='str'),
        encryption_cipher=dict(type='str', choices=['none', 'aes-xts-plain']),
        avoid=dict(type='list', elements='str'),
        image=dict(type='dict', options=dict(
            source=dict(type='str', required=True),
            conversion=dict(type='str', choices=['none', 'gzip', 'gunzip'], default='none'),
        )),
        force_image=dict(type='bool', default=False),
    )
    spec.update(WAIT_ARGUMENT_SPEC)
    return spec


class DriveImager:
    """The ``image`` option: start imaging when asked, record it, wait."""

    def __init__(self, module, engine):
        self.module = module
        self.engine = engine
        self.rtype = engine.rtype
        self.spec = module.params['image']

    def resolve_source(self):
        source = self.spec['source']
        if is_uuid(source):
            return source.lower()
        found = self.engine.unique_by_name(source)
        if found is None:
            raise ValidationError('image.source', 'no drive named %r (give a UUID for standard drives)' % source)
        return found['drive']

    def marker(self, source):
        conversion = self.spec['conversion']
        return source if conversion == 'none' else '%s/%s' % (source, conversion)

    def default_size(self, source):
        if self.spec['conversion'] != 'none':
            raise ValidationError('size', 'is required to create a drive imaged with a %s conversion'
                                  % self.spec['conversion'])
        info = self.rtype.get(source)
        if info is None:
            raise ValidationError('image.source', 'drive %s not found' % source)
        return int(info['size'])

    def apply(self, current, created):
        """Return (changed, flat, report)."""
        source = self.resolve_source()
        marker = self.marker(source)
        report = dict(source=source, conversion=self.spec['conversion'], started=False, finished=None)
        if not created and current is not None and current.get(IMAGE_MARKER) == marker \
                and not self.module.params['force_image']:
            report['finished'] = 'imaging' not in current
            return False, self.maybe_wait(current, report), report
        if current is not None and not created and not self.module.params['force_image']:
            raise ValidationError('image', 'drive %s exists and was not imaged from %s by this collection; '
                                  'set force_image=true to overwrite its contents' % (current['drive'], marker))
        report['started'] = True
        if self.module.check_mode:
            return True, current, report
        rid = current['drive']
        client = self.rtype.client
        # The marker goes first (in the create request for a new drive): the
        # service answers "busy" to any set while the drive is being imaged.
        if current.get(IMAGE_MARKER) != marker:
            client.post('drives/%s/set' % rid, {IMAGE_MARKER: marker}, idempotent=True)
        path = 'drives/%s/image/%s' % (rid, source)
        if self.spec['conversion'] != 'none':
            path += '/' + self.spec['conversion']
        try:
            client.post(path, None)
        except HANDLED_ERRORS as exc:
            flat = self.rtype.get(rid) or {}
            if 'imaging' in flat:
                # The answer was lost but the job runs: it landed.
                return True, self.maybe_wait(flat, report), report
            client.post('drives/%s/set' % rid, {IMAGE_MARKER: ''}, idempotent=True)
            if created:
                raise PartialFailure('drive %s (%s) was created, but imaging it from %s failed: %s. The drive exists '
                                     'and is not imaged; re-run with force_image=true to image it' % (
                                         current.get('name'), rid, marker, exc),
                                     state=dict(drive=self.rtype.view(flat), imaged=False), cause=exc)
            raise
        return True, self.maybe_wait(self.rtype.get(rid) or current, report), report

    def maybe_wait(self, flat, report):
        if not self.module.params['wait'] or 'imaging' not in flat:
            report['finished'] = 'imaging' not in flat
            return flat
        rid = flat['drive']
        flat = wait_for(lambda: self.rtype.get(rid) or {}, lambda d: 'imaging' not in d,
                        self.module.params['wait_timeout'], what='imaging of drive %s' % rid)
        report['finished'] = True
        return flat


def run(module):
    client = CrossPeerClient(module.params)
    engine = ResourceEngine(module, DriveType(client, module.params))
    wanted = engine.desired()  # validates every option before any request
    if module.params['state'] == 'absent':
        engine.run('absent')
    imager = DriveImager(module, engine) if module.params['image'] else None
    current = engine.find()
    if imager is not None and current is None:
        source = imager.resolve_source()
        engine.create_extra[IMAGE_MARKER] = imager.marker(source)
        if 'size' not in wanted and not module.params['uuid']:
            wanted['size'] = imager.default_size(source)
    if current is None and 'size' not in wanted and not module.params['uuid']:
        raise ValidationError('size', 'is required to create a drive')
    changed, flat, diff = engine.present(current, wanted)
    extra = {}
    if imager is not None:
        img_changed, flat, extra['image'] = imager.apply(flat, current is None)
        if img_changed and diff is not None:
            diff['after']['image'] = imager.marker(extra['image']['source'])
        elif img_changed:
            diff = dict(before={}, after=dict(image=imager.marker(extra['image']['source'])))
        changed = changed or img_changed
    engine.exit(changed, flat, diff, **extra)


def main():
    run_module(argument_spec(), run, required_one_of=[('uuid', 'name')],
               required_if=[('force_image', True, ['image'])])


if __name__ == '__main__':
    main()
