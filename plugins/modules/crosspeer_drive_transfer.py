#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: crosspeer_drive_transfer
short_description: Upload a local image file to a CrossPeer drive, or download a drive to a file
version_added: 0.1.0
description:
  - Copies binary content between a local file and a CrossPeer drive in chunks of 4,000,000 bytes (the API's
    limit per request is "4MB", which is 4,000,000 or 4,194,304 bytes depending on how it is read; the chunks fit
    both), several chunks in flight at once, never holding the whole file in memory.
  - Uploads send each chunk gzip-compressed (C(Content-Encoding gzip)), as the API recommends; a chunk
    that gzip does not make smaller (random or already compressed data) is sent as raw bytes.
  - Each chunk is written at its own offset, so a failed chunk can be retried safely and a failed
    transfer can be resumed with O(offset) from RV(resume_offset).
  - After a complete upload the module records C(<sha256> <length>) of the uploaded content in the
    drive's C(user:backupdr-sha256) key. The next run compares the local file with that checksum and
    needs a single request when nothing changed; a download of the drive needs no read at all when the
    local file already has that checksum.
  - The checksum key is removed before the first write that changes the content, and written again
    only when the whole file, from byte 0, is confirmed on the drive.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.crosspeer
  - backupdr.cloud.api
  - backupdr.cloud.attributes
attributes:
  check_mode:
    details:
      - Nothing is written to the drive or to the local file. With O(compare=content) the drive is read to
        report exactly which chunks would be written.
  diff_mode:
    details:
      - Shows the length and sha256 of the content before and after (of the drive for uploads, of the
        local file for downloads). A drive's checksum is only known from the checksum key.
options:
  drive:
    description:
      - UUID of the drive, or the name of one of your drives (two drives with that name are an error).
      - For a download, the UUID of a drive another user shared with you works as well.
    type: str
    required: true
  mode:
    description:
      - V(upload) copies O(path) to the drive, V(download) copies the drive to O(path).
    type: str
    required: true
    choices: [upload, download]
  path:
    description:
      - The local file. For V(upload) it must exist and fit into the drive.
      - For V(download) it is the destination; its directory must exist. The content is written to
        C(<path>.part) first and moved to O(path) once complete.
    type: path
    required: true
  offset:
    description:
      - Byte position to start at, with an optional V(k), V(M), V(G) or V(T) suffix (powers of 1024).
      - It is the same position in the file and on the drive. Use the RV(resume_offset) of a failed run
        to resume it.
      - For V(upload), bytes before O(offset) are not sent. They are read back from the drive and compared
        with the file when the upload finishes, to decide whether the checksum key can be written.
      - For V(download), the bytes before O(offset) are taken from C(<path>.part) left by the failed run,
        or else from the existing O(path).
    type: str
    default: '0'
  length:
    description:
      - V(download) only. How many bytes of the drive, counted from its start, to download; this is the
        size of the resulting file. Same suffixes as O(offset).
      - Defaults to the length recorded in the drive's checksum key when there is one, else the whole drive.
    type: str
  compare:
    description:
      - How to find out whether the destination already holds the content.
      - V(checksum) compares the sha256 of the local file with the drive's checksum key. Uploading is
        skipped when they match; without a key everything is uploaded. A download is skipped, without
        reading the drive, when the local file has the recorded checksum; otherwise the drive is read and
        the local file is only replaced when its bytes differ.
      - V(content) ignores the key and reads the drive. Uploads read each chunk first and write only the
        chunks that differ (useful when the drive was written by other means, or to resume without
        knowing where). Downloads read the drive and replace the local file only when its bytes differ.
      - V(none) always transfers everything (a download then always replaces the file).
      - The checksum key only knows about writes made by this module. After writing to the drive by
        other means (a server using it, raw API writes, imaging), use V(content).
    type: str
    choices: [checksum, content, none]
    default: checksum
  verify:
    description:
      - V(upload) only. Read every written chunk back and compare it with the file.
      - Doubles the requests but detects any corruption on the way or on the drive.
      - A download is always checked against the drive's checksum key when it has one (a warning is
        given on mismatch).
    type: bool
    default: true
  parallel:
    description:
      - How many chunk requests are in flight at once (1 to 16). At most twice as many chunks
        are held in memory.
    type: int
    default: 4
  compression_level:
    description:
      - gzip level used for uploads, from V(1) (fastest) to V(9) (smallest). V(0) sends raw bytes.
      - Level 1 is several times faster than level 6 and compresses disk images almost as well.
    type: int
    default: 1
  force:
    description:
      - Upload to a drive that is claimed by a running server. Writing under a running operating system
        corrupts its file systems, so this is refused unless O(force=true).
    type: bool
    default: false
notes:
  - The drive must not be being imaged.
  - The upload writes the file's bytes at the same offsets of the drive. Bytes of the drive past the
    end of the file are left as they are.
seealso:
  - module: backupdr.cloud.crosspeer_drive
  - module: backupdr.cloud.crosspeer_drive_info
"""

EXAMPLES = r"""
# The connection (api_user, api_key and, for another region, api_url) comes from module_defaults, as here, or from
# the CROSSPEER_API_USER, CROSSPEER_API_KEY and CROSSPEER_API_URL environment variables.
- name: Credentials once for every CrossPeer task
  module_defaults:
    group/backupdr.cloud.crosspeer:
      api_user: "{{ crosspeer_user }}"
      api_key: "{{ crosspeer_key }}"
  block:
    - name: A drive for the image
      backupdr.cloud.crosspeer_drive:
        name: appliance
        size: 20G
      register: appliance

    - name: Upload the image (skipped when the drive already holds it)
      backupdr.cloud.crosspeer_drive_transfer:
        drive: appliance
        mode: upload
        path: /srv/images/appliance.raw
      register: upload
      ignore_errors: true

    - name: Resume an interrupted upload where it stopped
      backupdr.cloud.crosspeer_drive_transfer:
        drive: "{{ appliance.drive.uuid }}"
        mode: upload
        path: /srv/images/appliance.raw
        offset: "{{ upload.resume_offset }}"
      when: upload is failed and upload.resume_offset is defined

    - name: Rewrite only the chunks that differ (the drive was changed by a server)
      backupdr.cloud.crosspeer_drive_transfer:
        drive: appliance
        mode: upload
        path: /srv/images/appliance.raw
        compare: content

    - name: Back the drive up to a local file
      backupdr.cloud.crosspeer_drive_transfer:
        drive: appliance
        mode: download
        path: /backup/appliance.raw
        parallel: 8

    - name: Download the first 16 MiB of a drive another user shares (here the Debian 6.0 standard drive)
      backupdr.cloud.crosspeer_drive_transfer:
        drive: 980cf63c-f21e-4382-997b-6541d5809629
        mode: download
        path: /backup/debian-head.raw.gz
        length: 16M
"""

RETURN = r"""
drive:
  description: UUID of the drive.
  returned: always
  type: str
  sample: f4e38f88-7328-4a65-a2c2-e33d0223687f
mode:
  description: V(upload) or V(download).
  returned: always
  type: str
local_path:
  description: The local file (O(path)).
  returned: always
  type: str
offset:
  description: Byte position the transfer started at.
  returned: always
  type: int
length:
  description: Length in bytes of the content (the local file for an upload, the downloaded range from byte 0 for a download).
  returned: always
  type: int
  sample: 10498393
sha256:
  description:
    - sha256 of the content from byte 0 to RV(length).
    - Not returned when a download was skipped in check mode without a local file.
  returned: success
  type: str
  sample: 1b4f0e9851971998e732078544c96b36c3d01cedf7caa332359d6f1d83567014
checksum_match:
  description:
    - Whether the destination already held the content according to the drive's checksum key
      (O(compare=checksum)), so that no chunk was read or written.
  returned: success
  type: bool
chunks:
  description: Number of chunks (4,000,000 bytes each) from O(offset) to the end.
  returned: always
  type: int
  sample: 3
chunks_written:
  description:
    - Chunks written to the drive (upload) or read from it (download). In check mode, how many would be.
  returned: always
  type: int
  sample: 3
chunks_skipped:
  description: Chunks left alone because the destination already held them (O(compare=content)).
  returned: always
  type: int
  sample: 0
chunks_gzipped:
  description: Uploaded chunks that were sent gzip-compressed (the others were sent raw).
  returned: always
  type: int
bytes_transferred:
  description: Bytes of content written to the drive (upload) or read from it (download), before compression.
  returned: always
  type: int
  sample: 10498393
wire_bytes:
  description: Bytes of request bodies sent (upload, after gzip) or received (download).
  returned: always
  type: int
  sample: 6291928
compression_ratio:
  description: RV(wire_bytes) divided by RV(bytes_transferred) (1.0 when nothing was sent).
  returned: always
  type: float
  sample: 0.5993
marker_written:
  description: Whether the drive's C(user:backupdr-sha256) checksum key was (or in check mode would be) written.
  returned: when O(mode=upload)
  type: bool
elapsed:
  description: Seconds the module spent, including hashing the local file.
  returned: always
  type: float
  sample: 1.842
throughput:
  description: RV(bytes_transferred) per RV(elapsed), in MiB per second.
  returned: always
  type: float
  sample: 5.43
requests:
  description: Requests sent to the API (reads, writes, and retries among them).
  returned: always
  type: dict
  sample: {reads: 4, writes: 4, retries: 0, requests: 8}
resume_offset:
  description:
    - On failure, the first byte that is not confirmed transferred; re-run with O(offset) set to it.
  returned: failure during the transfer
  type: int
  sample: 4000000
partial_path:
  description: On a failed download, the file holding the bytes before RV(resume_offset).
  returned: failure during a download
  type: str
"""

import hashlib
import os
import stat
import time

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    CHUNK_SIZE, CONTENT_MARKER, CrossPeerClient, DriveType, crosspeer_argument_spec, is_uuid, parse_size,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import (
    ResourceEngine, ValidationError, missing_reference, run_module,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils import transfer

PART_SUFFIX = '.part'


def argument_spec():
    return crosspeer_argument_spec(
        drive=dict(type='str', required=True),
        mode=dict(type='str', required=True, choices=['upload', 'download']),
        path=dict(type='path', required=True),
        offset=dict(type='str', default='0'),
        length=dict(type='str'),
        compare=dict(type='str', choices=['checksum', 'content', 'none'], default='checksum'),
        verify=dict(type='bool', default=True),
        parallel=dict(type='int', default=transfer.DEFAULT_PARALLEL),
        compression_level=dict(type='int', default=transfer.DEFAULT_LEVEL),
        force=dict(type='bool', default=False),
    )


class NamedDrive(DriveType):
    """Drives looked up by this module's O(drive) option (for the engine's messages)."""

    name_option = 'drive'
    id_option = 'the UUID'


class DriveTarget:
    """One drive as a :mod:`transfer` target."""

    def __init__(self, client, drive):
        self.client = client
        self.drive = drive

    def read(self, offset, size):
        return self.client.read(self.drive, offset, size)

    def write(self, offset, payload, gzipped):
        self.client.write(self.drive, offset, payload, gzipped=gzipped)


def size_option(params, option):
    value = params.get(option)
    if value is None:
        return None
    if str(value).strip().startswith('-'):
        raise ValidationError(option, 'must not be negative, got %r' % (value,))
    try:
        return parse_size(value)
    except ValueError as exc:
        raise ValidationError(option, str(exc))


def file_size(path):
    with open(path, 'rb') as fileobj:
        fileobj.seek(0, 2)
        return fileobj.tell()


def local_state(path):
    """(size, sha256) of an existing regular file, or (None, None)."""
    if not os.path.isfile(path):
        return None, None
    sha, size = transfer.sha256_file(path)
    return size, sha


class DriveTransfer:
    """Everything between the validated options and ``exit_json``."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.started = time.monotonic()
        self.client = None
        self.drive = None
        self.result = dict(changed=False, mode=self.params['mode'], local_path=self.params['path'])
        self.validate()

    # -- inputs -------------------------------------------------------------------
    def validate(self):
        """Every check that needs no request."""
        params = self.params
        self.offset = size_option(params, 'offset') or 0
        self.length = size_option(params, 'length')
        if not 1 <= params['parallel'] <= transfer.MAX_PARALLEL:
            raise ValidationError('parallel', 'must be between 1 and %d, got %d'
                                  % (transfer.MAX_PARALLEL, params['parallel']))
        if not 0 <= params['compression_level'] <= 9:
            raise ValidationError('compression_level', 'must be between 0 and 9, got %d' % params['compression_level'])
        if not params['drive'] or not params['drive'].strip():
            raise ValidationError('drive', 'must be a drive UUID or name')
        path = params['path']
        if params['mode'] == 'upload':
            if self.length is not None:
                raise ValidationError('length', 'only applies to mode=download (an upload sends the whole file '
                                      'from offset)')
            if not os.path.exists(path):
                raise ValidationError('path', 'file %s does not exist' % path)
            mode = os.stat(path).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISBLK(mode)):
                raise ValidationError('path', '%s is not a regular file or block device' % path)
            if not os.access(path, os.R_OK):
                raise ValidationError('path', 'file %s is not readable' % path)
            self.size = file_size(path)
            if self.offset > self.size:
                raise ValidationError('offset', '%d is beyond the end of %s (%d bytes)' % (self.offset, path, self.size))
        else:
            if os.path.isdir(path):
                raise ValidationError('path', '%s is a directory; give the destination file name' % path)
            if os.path.exists(path) and not os.path.isfile(path):
                raise ValidationError('path', '%s exists and is not a regular file' % path)
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                raise ValidationError('path', 'directory %s does not exist' % parent)
            if not self.module.check_mode and not os.access(parent, os.W_OK):
                raise ValidationError('path', 'directory %s is not writable' % parent)
            if self.length is not None and self.offset > self.length:
                raise ValidationError('offset', '%d is beyond length %d' % (self.offset, self.length))
            self.partial = path + PART_SUFFIX
            if self.offset:
                self.prefix_source = self.find_prefix_source()

    def find_prefix_source(self):
        """Resuming a download: a local file holding at least the first ``offset`` bytes."""
        for candidate in (self.partial, self.params['path']):
            if os.path.isfile(candidate) and file_size(candidate) >= self.offset:
                return candidate
        raise ValidationError('offset', 'resuming a download at byte %d needs the first %d bytes in %s (left by the '
                              'failed run) or in %s; neither has them (use offset=0)' % (
                                  self.offset, self.offset, self.partial, self.params['path']))

    # -- the drive ------------------------------------------------------------------
    def resolve_drive(self):
        """The drive's info (one GET)."""
        self.client = CrossPeerClient(self.params)
        rtype = NamedDrive(self.client, self.params)
        ref = self.params['drive'].strip()
        if is_uuid(ref):
            found = rtype.get(ref.lower())
            if found is None:
                raise ValidationError('drive', 'no drive with UUID %s exists (or it is not readable by you)' % ref)
        else:
            found = ResourceEngine(self.module, rtype).unique_by_name(ref)
            if found is None:
                missing_reference(self.module, 'drive', 'drive', ref)
                # Check mode: an earlier task would create the drive; the transfer would then write/read it all.
                self.module.exit_json(**dict(self.result, changed=True, drive=None))
        self.drive = found['drive']
        self.result['drive'] = self.drive
        self.target = DriveTarget(self.client, self.drive)
        self.marker = transfer.parse_marker(found.get(CONTENT_MARKER))
        if found.get('imaging'):
            raise ValidationError('drive', 'drive %s is being imaged (%s); wait until imaging has finished'
                                  % (self.drive, found['imaging']))
        return found

    def set_marker(self, value):
        self.client.post('drives/%s/set' % self.drive, {CONTENT_MARKER: value}, idempotent=True)

    def options(self):
        return dict(chunk_size=CHUNK_SIZE, parallel=self.params['parallel'])

    # -- upload -----------------------------------------------------------------------
    def upload(self):
        params = self.params
        info = self.resolve_drive()
        drive_size = int(info.get('size') or 0)
        if self.size > drive_size:
            raise ValidationError('path', '%s is %d bytes, larger than drive %s (%d bytes); grow the drive first'
                                  % (params['path'], self.size, self.drive, drive_size))
        in_use = info.get('claimed') and not params['force']
        self.info_claimed = info.get('claimed')
        start, end = self.offset, self.size
        self.result.update(offset=start, length=end, marker_written=False)
        # The file's checksum is needed first when it decides something: to compare with
        # the marker, to keep a marker that stays true, to preview the change.
        local_sha = None
        if self.marker or self.module.check_mode:
            local_sha = transfer.sha256_file(params['path'])[0]
        final = (local_sha, self.size) if local_sha else None
        before = dict(length=self.marker[1], sha256=self.marker[0]) if self.marker else dict(length=None, sha256=None)
        self.diff = dict(before=before, after=dict(length=self.size, sha256=local_sha))
        if params['compare'] == 'checksum' and self.marker and self.marker == final:
            # Identical content: nothing to write, even to a drive a running server uses (a re-run of a build play).
            self.result.update(sha256=local_sha, checksum_match=True)
            self.result.update(self.stats_dict(transfer.TransferStats(start, end, CHUNK_SIZE)))
            return
        self.result['checksum_match'] = False
        if in_use:
            self.refuse_if_content_differs(start, end)

        stale = self.marker is not None and self.marker != final

        def clear_stale_marker():
            if stale:
                self.set_marker('')
                self.marker = None

        with open(params['path'], 'rb') as source:
            if self.module.check_mode:
                if params['compare'] == 'content':
                    stats = transfer.upload(source, self.target, start, end, compare='content', dry_run=True,
                                            **self.options())
                else:
                    stats = transfer.TransferStats(start, end, CHUNK_SIZE)
                    stats.written = stats.chunks
                self.result.update(sha256=local_sha)
                self.result.update(self.stats_dict(stats))
                self.result['marker_written'] = self.marker != final
                self.result['changed'] = stats.written > 0 or self.marker != final
                return
            hasher = transfer.hash_range(source, 0, start)
            try:
                stats = transfer.upload(source, self.target, start, end, level=params['compression_level'],
                                        compare=params['compare'], verify=params['verify'],
                                        before_write=clear_stale_marker, hasher=hasher, **self.options())
            except transfer.TransferError as exc:
                self.result['changed'] = exc.stats.written > 0 or (stale and self.marker is None)
                self.transfer_failed(exc, 'upload')
            sha = hasher.hexdigest()
            self.result.update(sha256=sha)
            self.result.update(self.stats_dict(stats))
            self.result['changed'] = stats.written > 0 or (stale and self.marker is None)
            self.diff['after']['sha256'] = sha
            if local_sha is not None and sha != local_sha:
                self.module.fail_json(msg='%s changed while it was being uploaded (sha256 %s before, %s during the '
                                      'upload); the checksum key was not written. Run again once the file is stable'
                                      % (params['path'], local_sha, sha), **self.result)
            final = (sha, self.size)
            if self.marker == final:
                return
            if start and not self.prefix_matches(source, start):
                self.module.warn('the drive\'s bytes before offset %d differ from %s, so the drive does not hold '
                                 'the whole file and its checksum key was not written. Run again with offset=0 and '
                                 'compare=content to fix the start of the drive' % (start, params['path']))
                return
            self.set_marker(transfer.format_marker(sha, self.size))
            self.result['marker_written'] = True
            self.result['changed'] = True

    def refuse_if_content_differs(self, start, end):
        """A drive a running server uses is only written when its content differs and force=true; with
        compare=content the drive is compared first (reads only), and identical content is no write at all."""
        params = self.params
        if params['compare'] == 'content':
            with open(params['path'], 'rb') as source:
                stats = transfer.upload(source, self.target, start, end, compare='content', dry_run=True,
                                        **self.options())
            if stats.written == 0:
                return
        raise ValidationError('force', 'drive %s is in use by server(s) %s and its content differs from %s; writing '
                              'to it while a server runs corrupts its file systems. Stop the server(s), or set '
                              'force=true' % (self.drive, self.info_claimed, params['path']))

    def prefix_matches(self, source, end):
        """After a resumed upload: does the drive hold the file's bytes before the start? (reads only)"""
        try:
            stats = transfer.upload(source, self.target, 0, end, compare='content', dry_run=True, **self.options())
        except transfer.TransferError as exc:
            self.module.warn('could not read back the start of the drive to confirm it: %s' % exc)
            return False
        return stats.written == 0

    # -- download ---------------------------------------------------------------------
    def download(self):
        params = self.params
        info = self.resolve_drive()
        drive_size = int(info.get('size') or 0)
        if self.length is None:
            self.length = self.marker[1] if self.marker and self.marker[1] <= drive_size else drive_size
        if self.length > drive_size:
            raise ValidationError('length', '%d is larger than drive %s (%d bytes)'
                                  % (self.length, self.drive, drive_size))
        if self.offset > self.length:
            raise ValidationError('offset', '%d is beyond the %d bytes to download' % (self.offset, self.length))
        if info.get('claimed'):
            self.module.warn('drive %s is in use by server(s) %s; the download may not be a consistent copy'
                             % (self.drive, info['claimed']))
        start, end = self.offset, self.length
        self.result.update(offset=start, length=end)
        local_size, local_sha = local_state(params['path'])
        known = self.marker if self.marker and self.marker[1] == end else None
        self.diff = dict(before=dict(length=local_size, sha256=local_sha) if local_size is not None else {},
                         after=dict(length=end, sha256=known[0] if known else None))
        in_place = local_size is not None and (local_sha, local_size) == known
        if params['compare'] == 'checksum' and in_place:
            self.result.update(sha256=local_sha, checksum_match=True)
            self.result.update(self.stats_dict(transfer.TransferStats(start, end, CHUNK_SIZE)))
            return
        self.result['checksum_match'] = False
        if self.module.check_mode:
            stats = transfer.TransferStats(start, end, CHUNK_SIZE)
            stats.written = stats.chunks
            changed = True
            if params['compare'] == 'content' and local_size == end:
                with open(params['path'], 'rb') as local:
                    dry = transfer.upload(local, self.target, 0, end, compare='content', dry_run=True,
                                          **self.options())
                changed = dry.written > 0
                stats.written = dry.written
                stats.skipped = dry.skipped
                if not changed:
                    self.result['sha256'] = local_sha
            elif known:
                self.result['sha256'] = known[0]
            self.result.update(self.stats_dict(stats))
            self.result['changed'] = changed
            return
        hasher = hashlib.sha256()
        with self.open_partial(hasher) as sink:
            try:
                stats = transfer.download(self.target, sink, start, end, hasher=hasher, **self.options())
            except transfer.TransferError as exc:
                sink.flush()
                self.result['partial_path'] = self.partial
                self.transfer_failed(exc, 'download', ' (the bytes before it are kept in %s)' % self.partial)
            sink.truncate(end)
            sink.flush()
            os.fsync(sink.fileno())
        sha = hasher.hexdigest()
        self.result.update(sha256=sha)
        self.result.update(self.stats_dict(stats))
        self.diff['after']['sha256'] = sha
        if self.marker and self.marker[1] == end and self.marker[0] != sha:
            self.module.warn('the downloaded content (sha256 %s) does not match the checksum recorded on drive %s '
                             '(%s): the drive was changed by other means since the last upload by this module'
                             % (sha, self.drive, self.marker[0]))
        if params['compare'] != 'none' and (local_sha, local_size) == (sha, end):
            os.remove(self.partial)
            return
        self.module.atomic_move(self.partial, params['path'])
        self.result['changed'] = True

    def open_partial(self, hasher):
        """``<path>.part`` positioned at ``offset``, holding (and hashed over) the bytes before it."""
        if not self.offset:
            return open(self.partial, 'wb')
        if self.prefix_source == self.partial:
            sink = open(self.partial, 'r+b')
            transfer.hash_range(sink, 0, self.offset, hasher)
            sink.truncate(self.offset)
            sink.seek(self.offset)
            return sink
        sink = open(self.partial, 'wb')
        with open(self.prefix_source, 'rb') as prefix:
            pos = 0
            while pos < self.offset:
                data = transfer.read_exact(prefix, min(transfer.HASH_BUFFER, self.offset - pos), pos)
                sink.write(data)
                hasher.update(data)
                pos += len(data)
        return sink

    # -- results -------------------------------------------------------------------------
    def stats_dict(self, stats):
        out = stats.as_dict()
        elapsed = time.monotonic() - self.started
        out['elapsed'] = round(elapsed, 3)
        out['throughput'] = round(stats.payload_bytes / elapsed / 1048576.0, 2) if elapsed > 0 else 0.0
        if self.client is not None:
            out['requests'] = dict(self.client.http.stats)
        return out

    def transfer_failed(self, exc, verb, note=''):
        self.result.update(self.stats_dict(exc.stats))
        self.result['resume_offset'] = exc.resume_offset
        extra = exc.cause.to_result() if isinstance(exc.cause, ApiError) else {}
        extra.update(self.result)
        cause = exc.cause if exc.cause is not None else exc
        self.module.fail_json(
            msg='%s stopped: %s. Every byte before %d is confirmed%s; re-run with offset=%d to resume'
                % (verb, cause, exc.resume_offset, note, exc.resume_offset), **extra)

    def exit(self):
        if self.module._diff:
            self.result['diff'] = self.diff
        self.result['requests'] = dict(self.client.http.stats) if self.client else {}
        self.module.exit_json(**self.result)


def run(module):
    job = DriveTransfer(module)
    try:
        if module.params['mode'] == 'upload':
            job.upload()
        else:
            job.download()
    except (IOError, OSError) as exc:
        module.fail_json(msg='local file error: %s' % exc)
    job.exit()


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
