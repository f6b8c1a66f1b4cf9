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
        re-run with the same source changes nothing. The key says C(pending) until the module has seen the imaging
        finish; a pending key is verified by comparing the drive's first bytes with the source's before it is trusted.
      - Imaging a drive that a running server uses gives a warning, because the result is not consistent. Stop
        the server, image, then start it again.
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
          - V(auto) reads the source's first bytes and unpacks a gzipped source (V(gunzip)), or copies any other
            source as it is (V(none)). The pre-installed system images (the standard drives) are gzipped; the
            install and live CDs are plain ISOs.
          - V(gunzip) unpacks a gzipped source (refused before imaging when the source is not gzipped),
            V(gzip) packs the source, V(none) copies it as it is (with a warning when the source is gzipped).
          - A converted image needs O(size), because the size of the result is not known beforehand.
        type: str
        choices: [auto, none, gzip, gunzip]
        default: auto
  force_image:
    description:
      - Image an existing drive again (its contents are overwritten). Requires O(image).
    type: bool
    default: false
notes:
  - Imaging is asynchronous on the service side. With O(wait=true) the module waits until it has finished;
    otherwise RV(drive.imaging) shows the progress, and a later run with O(wait=true) follows the same job.
  - When the answer to the imaging request is lost, the module looks for the job (the C(imaging) key) during the
    settle window (see O(api_settle_time)) and follows it; it never sends the request twice.
seealso:
  - module: backupdr.cloud.crosspeer_drive_info
  - module: backupdr.cloud.crosspeer_drive_transfer
"""

EXAMPLES = r"""
# The connection (api_user, api_key and, for another region, api_url) comes from module_defaults, as in the
# last example, or from the CROSSPEER_API_USER, CROSSPEER_API_KEY and CROSSPEER_API_URL environment variables.

- name: A 20 GB data drive, shared, tagged
  backupdr.cloud.crosspeer_drive:
    name: db-data
    size: 20G
    claim_type: shared
    tags: [prod, db]
    user_metadata:
      owner: dba-team

- name: A boot drive from the Ubuntu 10.04 system image (gzipped, so unpacked), without waiting for imaging
  backupdr.cloud.crosspeer_drive:
    name: web-boot
    size: 2G
    image:
      source: aee5589a-88c3-43ef-bb0a-9cab6e64192d
    wait: false
  register: boot

- name: Later, wait for that imaging to finish (the same task, waiting; nothing is imaged twice)
  backupdr.cloud.crosspeer_drive:
    name: web-boot
    size: 2G
    image:
      source: aee5589a-88c3-43ef-bb0a-9cab6e64192d

- name: A copy of the Ubuntu 10.04 install CD (a plain ISO, copied as it is, at the CD's size)
  backupdr.cloud.crosspeer_drive:
    name: ubuntu-cd
    image:
      source: 37e0f871-8a71-4b15-9478-ada0109dcce5

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
      sample: 20c468ab-1e62-48e6-a6d5-f59b00fbe2f0
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
      sample: 4d45ef9a-d7e2-4d93-bb12-1196bd38a98d
    imaging:
      description: Imaging progress (V(42%) or V(queued)); absent when no imaging is under way.
      type: str
      sample: 42%
    user:
      description: Owner of the drive.
      type: str
      sample: 5f1c2b7e-8d4a-4c1e-9b3f-6a2d0e7c9b41
image:
  description: What the module did about O(image).
  returned: when O(image) is given
  type: dict
  contains:
    source:
      description: UUID of the source drive.
      type: str
      sample: aee5589a-88c3-43ef-bb0a-9cab6e64192d
    conversion:
      description:
        - Conversion applied, V(gunzip), V(gzip) or V(none); with O(image.conversion=auto), the one chosen from the
          source's first bytes.
      type: str
      sample: gunzip
    started:
      description: Whether an imaging job was started by this run.
      type: bool
    finished:
      description: Whether imaging has finished.
      type: bool
"""

import zlib

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    IMAGE_MARKER, CrossPeerClient, DriveType, converge_drive, crosspeer_argument_spec, drive_options, drive_wanted,
    is_uuid,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import (
    HANDLED_ERRORS, PartialFailure, ResourceEngine, ValidationError, missing_reference, run_module,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, RUNNING, SUCCESS, Job, JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import WAIT_ARGUMENT_SPEC


def argument_spec():
    spec = crosspeer_argument_spec(
        with_metadata=True,
        image=dict(type='dict', options=dict(
            source=dict(type='str', required=True),
            conversion=dict(type='str', choices=['auto', 'none', 'gzip', 'gunzip'], default='auto'),
        )),
        force_image=dict(type='bool', default=False),
        **drive_options()
    )
    spec.update(WAIT_ARGUMENT_SPEC)
    return spec


#: The first bytes compared to verify an imaging that this collection could not see finish.
PROBE_BYTES = 4096
GZIP_MAGIC = b'\x1f\x8b'
PENDING = ' pending'


class ImagingJob(Job):
    """Imaging a drive (asynchronous on the service side: ``imaging`` shows in the drive info while it runs)."""

    check_hint = 'the drive info (an "imaging" key while a job runs)'

    def __init__(self, imager, drive, marker, source, conversion):
        self.imager = imager
        self.rtype = imager.rtype
        self.client = imager.rtype.client
        self.drive = drive
        self.marker = marker
        self.source = source
        self.conversion = conversion
        self.what = 'imaging of drive %s from %s' % (drive, marker)

    def existing(self):
        flat = self.rtype.get(self.drive) or {}
        if 'imaging' in flat and flat.get(IMAGE_MARKER) == self.marker + PENDING:
            return dict(id=self.drive, drive=flat)
        return None

    def start(self):
        # The marker says "requested, not verified" first: the service answers busy to a set while imaging runs.
        self.client.post('drives/%s/set' % self.drive, {IMAGE_MARKER: self.marker + PENDING}, idempotent=True)
        path = 'drives/%s/image/%s' % (self.drive, self.source)
        if self.conversion != 'none':
            path += '/' + self.conversion
        try:
            self.client.post(path, None)
        except ApiError as err:
            if err.landed is False:
                self.clear_marker(err)
            raise
        return dict(id=self.drive)

    def clear_marker(self, err):
        """Imaging was certainly not started: the pending marker goes (and if that fails, the content check of
        the next run finds the drive was not imaged: a pending marker is never trusted alone)."""
        try:
            self.client.post('drives/%s/set' % self.drive, {IMAGE_MARKER: ''}, idempotent=True)
        except ApiError as exc:
            err.followed_by(exc, 'removing the pending imaging marker')

    def find_started(self):
        flat = self.rtype.get(self.drive) or {}
        return dict(id=self.drive, drive=flat) if 'imaging' in flat else None

    def poll(self, handle):
        return self.rtype.get(self.drive) or {}

    def classify(self, handle, observation):
        if not observation:
            return FAILED, 'the drive no longer exists'
        if 'imaging' in observation:
            return RUNNING, 'imaging %s' % observation['imaging']
        return SUCCESS, 'done'


class DriveImager:
    """The ``image`` option: start imaging when asked (through the job engine), record it, wait.

    The marker ``user:backupdr-image`` holds ``SOURCE[/CONVERSION]`` once this collection has seen the imaging
    finish, and ``SOURCE[/CONVERSION] pending`` from the request until then.  A pending marker is never trusted
    alone: when no imaging runs, the drive's first bytes are compared with the (converted) source's, and only
    a match records the imaging as done.
    """

    def __init__(self, module, engine):
        self.module = module
        self.engine = engine
        self.rtype = engine.rtype
        self.spec = module.params['image']
        self.source = None
        self.conversion = None

    def resolve_source(self):
        if self.source is not None:
            return self.source
        source = self.spec['source']
        if is_uuid(source):
            self.source = source.lower()
        else:
            found = self.engine.unique_by_name(source)
            if found is None:
                self.source = missing_reference(self.module, 'image.source', 'drive', source,
                                                placeholder='(drive %s)' % source)
            else:
                self.source = found['drive']
        return self.source

    def resolve_conversion(self):
        """The conversion: as given, or for ``auto`` from the source's first bytes (gzip -> gunzip)."""
        if self.conversion is not None:
            return self.conversion
        wanted = self.spec['conversion']
        source = self.resolve_source()
        if not is_uuid(source):  # check mode, a source still to be created
            self.conversion = 'none' if wanted == 'auto' else wanted
            return self.conversion
        head = self.rtype.client.read(source, 0, 2)
        gzipped = head[:2] == GZIP_MAGIC
        if wanted == 'auto':
            self.conversion = 'gunzip' if gzipped else 'none'
        elif wanted == 'gunzip' and not gzipped:
            raise ValidationError('image.conversion', 'drive %s is not gzipped (it does not start with the gzip '
                                                      'magic bytes); use conversion=none or auto' % source)
        else:
            if wanted == 'none' and gzipped:
                self.module.warn('drive %s is gzipped (a pre-installed system image?) and conversion=none copies it '
                                 'as is, still compressed; use conversion=auto or gunzip to unpack it' % source)
            self.conversion = wanted
        return self.conversion

    def marker(self):
        source, conversion = self.resolve_source(), self.resolve_conversion()
        return source if conversion == 'none' else '%s/%s' % (source, conversion)

    def default_size(self):
        source = self.resolve_source()
        if self.resolve_conversion() != 'none':
            raise ValidationError('size', 'is required to create a drive imaged with a %s conversion (the size of '
                                          'the %s content is not known beforehand)' % (
                                              self.conversion, 'unpacked' if self.conversion == 'gunzip' else 'packed'))
        if not is_uuid(source):
            return 0
        info = self.rtype.get(source)
        if info is None:
            raise ValidationError('image.source', 'drive %s not found' % source)
        return int(info['size'])

    def content_matches(self, drive):
        """Whether the drive's first bytes are those the imaging would have written."""
        client = self.rtype.client
        target = client.read(drive, 0, PROBE_BYTES)
        source = client.read(self.resolve_source(), 0, PROBE_BYTES if self.conversion == 'none' else 64 * 1024)
        if self.conversion == 'gunzip':
            decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                source = decoder.decompress(source, PROBE_BYTES)
            except zlib.error:
                return False
        elif self.conversion == 'gzip':
            decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                target = decoder.decompress(target + client.read(drive, PROBE_BYTES, 60 * 1024), PROBE_BYTES)
            except zlib.error:
                return False
            source = source[:PROBE_BYTES]
        length = min(len(source), len(target), PROBE_BYTES)
        return length > 0 and target[:length] == source[:length]

    def warn_if_in_use(self, flat):
        if flat.get('claimed'):
            self.module.warn('drive %s is in use by running server(s) %s: imaging overwrites it underneath them, and '
                             'the result is not consistent. The consistent way: stop the server(s) (crosspeer_server '
                             'state=stopped), image, start again' % (flat.get('drive'), flat.get('claimed')))

    def apply(self, current, created):
        """Return (changed, flat, report)."""
        marker = self.marker()
        report = dict(source=self.resolve_source(), conversion=self.conversion, started=False, finished=None)
        have = (current or {}).get(IMAGE_MARKER) if not created else None
        force = self.module.params['force_image']
        runner = JobRunner(self.module, self.rtype.client, wait=self.module.params['wait'],
                           wait_timeout=self.module.params['wait_timeout'])
        if have == marker and not force:
            report['finished'] = 'imaging' not in current
            return False, self.follow_existing(runner, current, report), report
        if have == marker + PENDING and not force:
            return self.resume(runner, current, marker, report)
        if current is not None and not created and not force:
            raise ValidationError('image', 'drive %s exists and was not imaged from %s by this collection; '
                                  'set force_image=true to overwrite its contents' % (current['drive'], marker))
        report['started'] = True
        if self.module.check_mode:
            if current is not None:
                self.warn_if_in_use(current)
            return True, current, report
        self.warn_if_in_use(current)
        rid = current['drive']
        job = ImagingJob(self, rid, marker, self.resolve_source(), self.conversion)
        try:
            result = runner.run(job)
        except HANDLED_ERRORS as exc:
            if created:
                raise PartialFailure('drive %s (%s) was created, but imaging it from %s failed: %s. The drive exists and '
                                     'is not imaged; run the task again with force_image=true to image it'
                                     % (current.get('name'), rid, marker, exc),
                                     state=dict(drive=self.rtype.view(current), imaged=False), cause=exc)
            raise
        return True, self.finish(rid, marker, result, report), report

    def follow_existing(self, runner, flat, report):
        """The drive was imaged from this source: wait for a job still running, if asked."""
        if 'imaging' not in flat or not self.module.params['wait']:
            return flat
        job = ImagingJob(self, flat['drive'], self.marker(), self.resolve_source(), self.conversion)
        dummy, dummy, flat = runner.follow(job, dict(id=flat['drive']))
        report['finished'] = True
        return flat

    def resume(self, runner, current, marker, report):
        """A pending marker: follow a job that still runs, or verify the content of one that ended."""
        rid = current['drive']
        if 'imaging' in current:
            if not self.module.params['wait']:
                report['finished'] = False
                return False, current, report
            job = ImagingJob(self, rid, marker, self.resolve_source(), self.conversion)
            dummy, dummy, flat = runner.follow(job, dict(id=rid))
            return False, self.record_done(rid, marker, flat, report), report
        if not self.content_matches(rid):
            raise ValidationError('image', 'drive %s carries a pending imaging marker from an earlier run, but no '
                                  'imaging runs and its content does not match %s: the earlier imaging did not '
                                  'complete, or the drive was written since. Set force_image=true to image it again'
                                  % (rid, marker))
        return False, self.record_done(rid, marker, current, report), report

    def record_done(self, rid, marker, flat, report):
        report['finished'] = True
        if self.module.check_mode:
            return flat
        self.rtype.client.post('drives/%s/set' % rid, {IMAGE_MARKER: marker}, idempotent=True)
        return self.rtype.get(rid) or flat

    def finish(self, rid, marker, result, report):
        if not result.waited:
            report['finished'] = result.state == SUCCESS
            return self.rtype.get(rid) or {}
        return self.record_done(rid, marker, result.observation, report)


def run(module):
    client = CrossPeerClient(module.params)
    if not module.params['image']:
        converge_drive(module, client)
    engine = ResourceEngine(module, DriveType(client, module.params))
    wanted = drive_wanted(module, engine)  # validates every option before any request
    if module.params['state'] == 'absent':
        engine.run('absent')
    imager = DriveImager(module, engine)
    current = engine.find()
    if current is None:
        engine.create_extra[IMAGE_MARKER] = imager.marker() + PENDING
        if 'size' not in wanted and not module.params['uuid']:
            wanted['size'] = imager.default_size()
    if current is None and 'size' not in wanted and not module.params['uuid']:
        raise ValidationError('size', 'is required to create a drive')
    changed, flat, diff = engine.present(current, wanted)
    extra = {}
    img_changed, flat, extra['image'] = imager.apply(flat, current is None)
    if img_changed and diff is not None:
        diff['after']['image'] = imager.marker()
    elif img_changed:
        diff = dict(before={}, after=dict(image=imager.marker()))
    changed = changed or img_changed
    engine.exit(changed, flat, diff, **extra)


def main():
    run_module(argument_spec(), run, required_one_of=[('uuid', 'name')],
               required_if=[('force_image', True, ['image'])])


if __name__ == '__main__':
    main()
