# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated CrossPeer cloud API (an ElasticStack / ElasticHosts style API).

Served under ``/crosspeer/api/``, which stands for the seed's stem
``https://us-east.crosspeer.com/api/``.  The seed (CrossPeer API reference) is
the contract; where it is ambiguous, this simulator decided as follows.

Wire format
  D1. Auth is checked before routing: any request without valid HTTP Basic
      credentials gets 401 ``X-Elastic-Error: auth`` (with a
      ``WWW-Authenticate: Basic`` challenge), even for unknown commands.
  D2. Errors always have a one-line text/plain body, whatever the Accept header.
  D3. Output is JSON when the first of ``application/json`` / ``text/plain`` /
      ``text/*`` found in Accept is ``application/json``; text/plain otherwise
      (also for ``*/*``), unless the ``force_text_output`` knob is set.
      ``X-Elastic-Output`` (properties|list) is sent with both formats.
  D4. In JSON, numeric keys are numbers: size, cpu, mem, started, smp (when
      numeric), smp:cores, smp:sockets and every i/o counter; everything else
      is a string.  Space-separated lists (tags, readers, claimed, boot, ...)
      stay space-separated strings in both formats.
  D5. JSON list calls return arrays of objects: drives/list ->
      ``[{"drive"}]``, servers/list -> ``[{"server", "cpu", "mem"}]``,
      resources/list -> ``[{"type", "resource"}]``.
  D6. Text input: one ``key value`` per line (value = rest of the line after
      the first space, a key alone means an empty value; leading blanks of a
      line and blank lines are ignored).  JSON input: one object whose values
      may be strings, numbers, booleans (true -> "true"), null (-> "") or lists
      (joined with spaces).  Values may not contain line breaks (400 usage).
  D7. Optional keys without a value (tags, readers, claimed, imaging, ...) are
      left out of info output rather than printed empty.
  D8. HEAD is answered like GET without a body; methods other than GET, HEAD
      and POST get 405 method.
  D9. Sizes, offsets and lengths accept a k/M/G/T suffix (either case), in
      powers of 1024.  "4MB" is 4 MiB = 4194304 bytes (the largest allowed
      read SIZE and decoded write payload).

Drives
  D10. drives/list and drives/info show only the caller's own drives.  Drives
       of other users whose readers include the caller (or
       ffffffff-ffff-ffff-ffff-ffffffffffff) are readable by uuid: DRIVE/info,
       DRIVE/read and as an image SOURCE.  Every other operation on a drive the
       caller does not own answers 404 missing.
  D11. claim:type: the seed says 'exclusive' is the default for info/set but
       'inclusive' on create; 'inclusive' is accepted as a legacy alias of
       'exclusive' (stored and shown as exclusive).  Other values -> 400.
  D12. encryption:cipher: 'none' or 'aes-xts-plain' (default); the seed's typo
       'aes-sts-plain' is accepted as an alias of aes-xts-plain.  It can only
       be chosen at create time: sending it to set -> 400 usage.
  D13. avoid (create only) must list existing drives of the caller (404
       missing otherwise); it is not stored or shown.
  D14. "Set extra drive data": keys not sent are left unchanged; a key sent
       with an empty value clears it (tags, readers, user:*; claim:type goes
       back to exclusive).  name and size cannot be cleared.  size may only
       grow (shrinking -> 400 usage).  Growing past the quota -> 402 billing.
  D15. Quota: the sum of the sizes of a user's drives may not exceed
       ``quota_bytes`` (default 100 TiB); create/grow beyond it -> 402 billing.
  D16. set, write and image (as target) on a drive being imaged (running or
       queued) -> 409 busy; destroy of a drive that is claimed by an active
       server or being imaged -> 409 busy.  Imaging FROM a drive that is itself
       being imaged -> 409 busy.  Starting a server one of whose drives is
       being imaged -> 409 busy.
  D17. Imaging snapshots the source at request time and replaces the whole
       target content when the job completes.  Plain copy: the target must be
       at least as large as the source (else 507 full).  gzip: the source
       content up to its last non-zero byte is compressed.  gunzip: the gzip
       stream(s) at the start of the source are decompressed (zero bytes after
       the last member are ignored); the result must fit (else 507 full) and
       data that is not gzip -> 500 failed.  An image of a drive onto itself
       -> 400 usage.  Unknown conversions -> 400 usage.
  D18. Imaging progress is computed from timestamps: ``imaging N%`` while a
       job runs (``imaging_seconds`` from 0 to 100%), ``imaging queued`` while
       more than ``max_concurrent_imaging`` jobs exist; the key disappears when
       done.
  D19. The seed's tables carry their captions *after* them: the first table
       ("Standard Drives", with a "Size gunzipped" column) is captioned
       "Pre-installed system images (gzipped)", the second (the Install and
       Live CDs) "CD / DVD ISOs".  So the standard drives (system images) hold
       a gzip stream, which unpacks (``gunzip`` conversion) to a short text
       header and data: their own size is a quarter of the "Size gunzipped"
       (1GB/13GB, powers of 1024).  The CDs are plain ISO content (a text
       header and data, no gzip) in 700 MiB drives.  All belong to user
       00000000-0000-0000-0000-000000000000 with readers
       ffffffff-ffff-ffff-ffff-ffffffffffff.
  D20. read: reads past the end are truncated at the drive size (an OFFSET at
       or past the end returns an empty 200).  SIZE above the limit -> 400
       usage; "4MB" is 4 MiB (4,194,304 bytes) unless the ``read_limit`` knob
       says ``4MB`` (4,000,000 bytes), the other reading.  write: Content-Encoding gzip is
       decoded, Transfer-Encoding chunked -> 400 usage, an empty payload is a
       no-op 204, writing past the end -> 507 full.  Writes to a drive claimed
       by a running server are allowed.

Servers
  D21. smp:cores and smp:sockets (the seed writes "smp.cores") use the colon
       style of every other key; both equal the number of virtual CPUs (smp,
       or cpu/2000 rounded up for 'auto').
  D22. Defaults shown by info: smp auto, persistent false.
  D23. set on a stopped server may change any configuration key (an empty
       value removes it; name, cpu and mem cannot be removed).  On an active
       server only name, cpu, persistent, tags and vnc:password may change
       (the seed's list); other keys whose value would change -> 400 usage
       naming them ("stop the server first").  Re-sending an unchanged value
       is accepted.  ``user:*`` keys are not in the seed's list: the
       ``running_user_keys`` knob chooses the reading (``accept``: they change
       like the listed keys, the default; ``reject``: 400 usage like any other
       key; ``ignore``: the set succeeds and the keys keep their old values).
  D24. vnc:password IS returned by info (like ElasticStack does); clients
       must mask it.
  D25. Attached drives must be the caller's own or readable by the caller
       (a shared drive, a standard drive or an install CD; 404 missing
       otherwise); a drive the caller does not own is attached read-only and
       takes no exclusive claim.  A NIC given without nic:N:mac gets a
       generated MAC ("a randomly generated address is used"), shown by info;
       nic:N:vlan must be a vlan resource of the caller and a static
       nic:N:dhcp an ip resource of the caller (404 missing otherwise).
       avoid:drives / avoid:servers are create-only (400 on set), must name
       existing objects of the caller (404) and are not stored.
  D26. start on an active or paused server -> 400 usage; stop, reset and
       shutdown on a server that is not running -> 400 usage.  Starting a
       server whose drive no longer exists -> 404 missing; whose drive is
       claimed (exclusive) by another active server -> 409 busy.  A server
       that cannot start is not created by servers/create.
  D27. shutdown (ACPI) turns the server stopped (or destroys it when not
       persistent) ``shutdown_seconds`` later, unless ``ignore_acpi`` is set
       (then it stays active).  reset gives a new ``started`` (always larger).
  D28. When active, info adds nic:N:dhcp:ip (the static IP, or for 'auto' a
       temporary address from the documentation range 198.51.100.2-254, then
       from the benchmarking range 198.18.0.0/15 once those 253 are in use;
       released on stop), vnc:ip for vnc
       'auto' / an IP, rx/tx byte and packet counters and per-device
       ``DEVICE:read|write:bytes|requests`` counters (all 0 in the simulator).

Resources
  D29. Both ``resources/list`` and ``resources/TYPE/list`` are served (the
       seed writes ``/resources[TYPE]/list``), likewise for info.  TYPE is
       ip or vlan (else 404 missing).  name is required on create (it is
       listed under "Expects").  ip resources are allocated from the
       documentation ranges 203.0.113.0/24 then 192.0.2.0/24 (.2-.254 without
       .53; netmask 255.255.255.0, gateway .1, nameserver .53 of the same /24);
       running out -> 507 full.  vlan resources are new UUIDs.  Destroying an
       ip or vlan referenced by any server configuration -> 409 busy.
"""

import base64
import gzip
import hmac
import ipaddress
import json
import math
import random
import re
import time
import uuid
import zlib

from . import storage
from .core import AdminError, Response, Service

PREFIX = '/crosspeer/api/'

MAIN_USER = '5f1c2b7e-8d4a-4c1e-9b3f-6a2d0e7c9b41'
MAIN_KEY = 'sim-crosspeer-key-Qm7TzR2v'
OTHER_USER = '0b7e4d2a-3c6f-4a8e-8d1b-9e5f2c7a6d30'
OTHER_KEY = 'sim-crosspeer-other-key-8Lw3'
SYSTEM_USER = '00000000-0000-0000-0000-000000000000'
EVERYONE = 'ffffffff-ffff-ffff-ffff-ffffffffffff'
ACCOUNTS = {MAIN_USER: MAIN_KEY, OTHER_USER: OTHER_KEY}

KIB = 1024
GIB = 1024 ** 3
TIB = 1024 ** 4
MAX_IO_BYTES = 4 * 1024 * 1024
SUFFIXES = {'': 1, 'k': KIB, 'm': KIB ** 2, 'g': GIB, 't': TIB}

STANDARD_DRIVES = (
    ('38df0986-4d85-4b76-b502-3878ffc80161', 'CentOS Linux 5.5', 1),
    ('980cf63c-f21e-4382-997b-6541d5809629', 'Debian Linux 6.0', 1),
    ('aee5589a-88c3-43ef-bb0a-9cab6e64192d', 'Ubuntu Linux 10.04', 1),
    ('b9d0eb72-d273-43f1-98e3-0d4b87d372c0', 'Windows Web Server 2008', 13),
    ('30824e97-05a4-410c-946e-2ba5a92b07cb', 'Windows Web Server 2008 R2', 13),
    ('9ecf810e-6ad1-40ef-b360-d606f0444671', 'Windows Web Server 2008 R2 + SQL Server', 13),
    ('10a88d1c-6575-46e3-8d2c-7744065ea530', 'Widnows Web Server Standard', 13),
    ('2567f25c-8fb8-45c7-95fc-bfe3c3d84c47', 'Windows Web Server Standard R2 + SQL Server', 13),
)
#: Gzip magic: the first bytes of a gzipped drive.
GZIP_MAGIC = b'\x1f\x8b'
READ_LIMITS = {'4MiB': 4 * 1024 * 1024, '4MB': 4000000}
SYSTEM_IMAGES = (
    ('b86afe3a-b5dc-4184-9ef0-3a52dce63238', 'CentOS Linux 5.3 Install CD'),
    ('ac646eda-62be-4366-8cc9-10afdf6506b5', 'CentOS Linux 5.4 Install CD'),
    ('5f029de7-1729-486b-9bb3-65e326febb4d', 'CentOS Linux 5.5 Install CD'),
    ('adb59223-edcf-418f-a74c-8a9b4788e1d6', 'Debian Linux 5.0 Install CD'),
    ('86f52611-567b-40b9-8db7-933ad4f483d7', 'FreeBSD 7.2 Install CD'),
    ('a080dce0-2f28-4e42-9db6-1c5f410a3da8', 'FreeBSD 8.0 Install CD'),
    ('a1cd7ea0-6539-4cb6-b35f-03c9a6b61917', 'Knoppix Linux 6.0.1 Live CD'),
    ('b36bd91f-ce93-45c3-946a-d095018681c0', 'OpenSolaris 2009 06 Install CD'),
    ('c06a0aa9-9919-4e0f-92a0-c67b6799a732', 'Red Hat Fedora Linux 10 Install CD'),
    ('9b283809-2990-4f3b-a4e9-8b59a417536c', 'Red Hat Fedora Linux 10 Live CD'),
    ('b3df1320-5f11-4ebd-bd8c-2eef0e2ffe0d', 'Red Hat Fedora Linux 11 Install CD'),
    ('bf3cf10d-d07b-47de-b79c-327983182ef0', 'Red Hat Fedora Linux 11 Live CD'),
    ('d10281f4-3bf1-4a98-bc0c-6dcec04fd995', 'Red Hat Fedora Linux 12 Install CD'),
    ('c0ae458c-d5fb-4d9c-ae3c-778c12fe0649', 'Red Hat Fedora Linux 12 Live CD'),
    ('d2511065-1d4f-46e5-936a-c6b5c32a7556', 'Red Hat Fedora Linux 13 Install CD'),
    ('853bb98a-4fff-4c2f-a265-97c363f19ea5', 'Red Hat Fedora Linux 13 Live CD'),
    ('5d63810b-6e11-4a26-a820-9e0e92c2f35c', 'Ubuntu Linux 8.04.2 LTS Server Install CD'),
    ('b06b793a-2aa6-433b-80b2-1863eacd3391', 'Ubuntu Linux 8.10 Server Install CD'),
    ('95a324fd-3e45-498d-812f-98778bd127b9', 'Ubuntu Linux 9.04 Server Install CD'),
    ('c90a801d-679e-4647-81ac-3146da724c62', 'Ubuntu Linux 9.10 Server Install CD'),
    ('37e0f871-8a71-4b15-9478-ada0109dcce5', 'Ubuntu Linux 10.04 Server Install CD'),
    ('f89af28e-ff00-4fc9-a7ed-22e7fa5a88db', 'Windows Server 2008 Trial Install CD'),
    ('7aead6d3-c3e6-4940-85c7-f5ee61f6ef2b', 'Windows Web Server 2008 Trial Install CD'),
)
SYSTEM_IMAGE_SIZE = 700 * 1024 * 1024

SERVER_STATUSES = ('active', 'stopped', 'paused', 'dumped', 'dead')
RESOURCE_TYPES = ('ip', 'vlan')
IP_POOL_NETWORKS = ('203.0.113', '192.0.2')
AUTO_IP_FIRST = '198.51.100'
AUTO_IP_OVERFLOW = ipaddress.IPv4Network('198.18.0.0/15')
LIVE_SETTABLE = ('name', 'cpu', 'persistent', 'tags', 'vnc:password')
REQUIRED_SERVER_KEYS = ('name', 'cpu', 'mem')
SERVER_DEFAULTS = (('smp', 'auto'), ('persistent', 'false'))
DRIVE_CREATE_KEYS = ('name', 'size', 'claim:type', 'readers', 'tags', 'avoid', 'encryption:cipher')
DRIVE_SET_KEYS = ('name', 'size', 'claim:type', 'readers', 'tags')
RESOURCE_KEYS = ('name', 'tags')
NUMERIC_SERVER_KEYS = ('cpu', 'mem')
IO_COUNTERS = ('read:bytes', 'read:requests', 'write:bytes', 'write:requests')
NET_COUNTERS = ('rx:bytes', 'tx:bytes', 'rx:packets', 'tx:packets')

DEVICE = r'(?:ide:[01]:[01]|scsi:0:[0-7]|block:[0-7])'
DEVICE_RE = re.compile(DEVICE)
UUID_RE = re.compile(r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}')
MAC_RE = re.compile(r'[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}')
SIZE_RE = re.compile(r'(\d+)([kKmMgGtT]?)')
WRITE_PATH_RE = re.compile(r'drives/[^/]+/write(?:/[^/]+)?')


class ApiError(Exception):
    """A CrossPeer error: HTTP status, X-Elastic-Error type and a one-line description."""

    def __init__(self, status, kind, message):
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message


def usage(message):
    """400 usage"""
    return ApiError(400, 'usage', message)


def missing(message):
    """404 missing"""
    return ApiError(404, 'missing', message)


def busy(message):
    """409 busy"""
    return ApiError(409, 'busy', message)


def full(message):
    """507 full"""
    return ApiError(507, 'full', message)


# ---------------------------------------------------------------------------
# records


class Drive:
    """A drive and its sparse content."""

    __slots__ = ('uuid', 'user', 'name', 'size', 'claim_type', 'cipher', 'readers', 'tags', 'extra', 'blocks',
                 'counters', 'claimed', 'job')

    def __init__(self, drive_uuid, user, name, size, blocks=None):
        self.uuid = drive_uuid
        self.user = user
        self.name = name
        self.size = size
        self.claim_type = 'exclusive'
        self.cipher = 'aes-xts-plain'
        self.readers = []
        self.tags = []
        self.extra = {}
        self.blocks = blocks if blocks is not None else {}
        self.counters = dict.fromkeys(IO_COUNTERS, 0)
        self.claimed = set()
        self.job = None

    def readable_by(self, user):
        """Owner, named reader or everyone."""
        return user == self.user or user in self.readers or EVERYONE in self.readers


class Server:
    """A server: configuration plus runtime state."""

    __slots__ = ('uuid', 'user', 'config', 'status', 'started', 'nic_ips', 'vnc_ip', 'shutdown_at')

    def __init__(self, server_uuid, user, config):
        self.uuid = server_uuid
        self.user = user
        self.config = config
        self.status = 'stopped'
        self.started = None
        self.nic_ips = {}
        self.vnc_ip = None
        self.shutdown_at = None

    def drive_refs(self):
        """(device, drive uuid) pairs of the attached drives."""
        return [(key, value) for key, value in self.config.items() if DEVICE_RE.fullmatch(key)]


class Resource:
    """An ip or vlan resource."""

    __slots__ = ('type', 'resource', 'user', 'name', 'tags', 'extra')

    def __init__(self, rtype, resource, user, name):
        self.type = rtype
        self.resource = resource
        self.user = user
        self.name = name
        self.tags = []
        self.extra = {}


class ImageJob:
    """An imaging job; start/end are filled in when a slot frees up."""

    __slots__ = ('seq', 'target', 'created', 'start', 'end', 'blocks')

    def __init__(self, seq, target, created, blocks):
        self.seq = seq
        self.target = target
        self.created = created
        self.start = None
        self.end = None
        self.blocks = blocks


class Context:
    """Per-request data handed to the command handlers."""

    def __init__(self, request, user, now):
        self.request = request
        self.user = user
        self.now = now
        self._input = None

    def input(self):
        """The KEY VALUE pairs of the request body (text/plain or JSON)."""
        if self._input is None:
            self._input = parse_input(self.request)
        return self._input


# ---------------------------------------------------------------------------
# parsing helpers


def parse_size(value, what):
    """Parse a byte count with an optional k/M/G/T suffix (powers of 1024)."""
    match = SIZE_RE.fullmatch(value or '')
    if not match:
        raise usage('invalid %s %r: expected bytes with an optional k/M/G/T suffix' % (what, value))
    return int(match.group(1)) * SUFFIXES[match.group(2).lower()]


def parse_input(request):
    """Parse the body into an ordered dict of string values."""
    body = request.body or b''
    if not body.strip():
        return {}
    try:
        text = body.decode('utf-8')
    except UnicodeDecodeError as exc:
        raise usage('request body is not valid UTF-8') from exc
    if 'application/json' in (request.headers.get('Content-Type') or '').lower():
        return _parse_json_input(text)
    items = {}
    for line in text.splitlines():
        line = line.lstrip()
        if not line:
            continue
        key, _sep, value = line.partition(' ')
        items[key] = value
    return items


def _parse_json_input(text):
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise usage('invalid JSON body: %s' % exc) from exc
    if not isinstance(data, dict):
        raise usage('JSON body must be an object of KEY VALUE pairs')
    items = {}
    for key, value in data.items():
        if not key or ' ' in key:
            raise usage('invalid key %r' % key)
        if isinstance(value, list):
            value = ' '.join(_json_scalar(key, item) for item in value)
        else:
            value = _json_scalar(key, value)
        if '\n' in value or '\r' in value:
            raise usage('value of %s may not contain line breaks' % key)
        items[key] = value
    return items


def _json_scalar(key, value):
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value == int(value) else repr(value)
    if isinstance(value, str):
        return value
    raise usage('value of %s must be a string, number, boolean or list' % key)


def _uuid_list(value, what):
    items = value.split()
    for item in items:
        if not UUID_RE.fullmatch(item):
            raise usage('invalid uuid %r in %s' % (item, what))
    return [item.lower() for item in items]


def _claim_type(value):
    value = value.strip().lower()
    if value in ('', 'exclusive', 'inclusive'):
        return 'exclusive'  # D11: 'inclusive' (seed, create) is a legacy alias
    if value == 'shared':
        return 'shared'
    raise usage("claim:type must be 'exclusive' or 'shared', not %r" % value)


def _cipher(value):
    value = value.strip().lower()
    if value in ('', 'aes-xts-plain', 'aes-sts-plain'):
        return 'aes-xts-plain'  # D12: the seed's 'aes-sts-plain' typo is an alias
    if value == 'none':
        return 'none'
    raise usage("encryption:cipher must be 'none' or 'aes-xts-plain', not %r" % value)


def _is_user_key(key):
    return key.startswith('user:') and len(key) > 5


def _gunzip_payload(data):
    out = []
    total = 0
    while data:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            chunk = decompressor.decompress(data, MAX_IO_BYTES + 1 - total)
        except zlib.error as exc:
            raise usage('invalid gzip payload: %s' % exc) from exc
        total += len(chunk)
        out.append(chunk)
        if total > MAX_IO_BYTES or decompressor.unconsumed_tail:
            raise usage('decoded payload exceeds the 4 MiB limit per write')
        if not decompressor.eof:
            raise usage('truncated gzip payload')
        data = decompressor.unused_data
    return b''.join(out)


def decode_write_payload(request):
    """Decoded octet-stream payload of a write request (D20)."""
    if request.chunked:
        raise usage('chunked transfer encoding not supported')
    if request.oversize:
        raise usage('payload exceeds the 4 MiB limit per write')
    encoding = (request.headers.get('Content-Encoding') or '').strip().lower()
    data = request.body or b''
    if encoding in ('gzip', 'x-gzip'):
        data = _gunzip_payload(data)
    elif encoding not in ('', 'identity'):
        raise usage('unsupported Content-Encoding %r (use gzip or none)' % encoding)
    if len(data) > MAX_IO_BYTES:
        raise usage('payload of %d bytes exceeds the 4 MiB limit per write' % len(data))
    return data


# ---------------------------------------------------------------------------
# output


def props_text(pairs):
    """KEY VALUE lines."""
    return ''.join('%s %s\n' % pair for pair in pairs)


def wants_json(request, force_text):
    """D3: JSON when Accept names application/json before text/plain."""
    if force_text:
        return False
    for part in (request.headers.get('Accept') or '').split(','):
        media = part.split(';', 1)[0].strip().lower()
        if media == 'application/json':
            return True
        if media in ('text/plain', 'text/*'):
            return False
    return False


def _stringify(item):
    """JSON numbers as strings (the ``json_numbers: strings`` reading)."""
    return dict((k, str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v) for k, v in item.items())


def render(request, result, force_text, numbers_as_strings=False):
    """Turn a handler result into a Response."""
    kind = result[0]
    if numbers_as_strings and wants_json(request, force_text):
        if kind == 'list':
            result = (kind, result[1], [[str(v) if isinstance(v, (int, float)) else v for v in row] for row in result[2]])
        elif kind == 'props':
            result = (kind, _stringify(dict(result[1])))
        elif kind not in ('none', 'binary'):
            result = (kind, [_stringify(dict(pairs)) for pairs in result[1]])
    if kind == 'none':
        return Response(204)
    if kind == 'binary':
        return Response(200, result[1], 'application/octet-stream')
    as_json = wants_json(request, force_text)
    if kind == 'list':
        columns, rows = result[1], result[2]
        headers = [('X-Elastic-Output', 'list')]
        if as_json:
            return Response.json(200, [dict(zip(columns, row)) for row in rows], headers)
        return Response(200, ''.join(' '.join(str(v) for v in row) + '\n' for row in rows),
                        'text/plain; charset=utf-8', headers)
    headers = [('X-Elastic-Output', 'properties')]
    if kind == 'props':
        if as_json:
            return Response.json(200, dict(result[1]), headers)
        return Response(200, props_text(result[1]), 'text/plain; charset=utf-8', headers)
    if as_json:
        return Response.json(200, [dict(pairs) for pairs in result[1]], headers)
    return Response(200, '\n'.join(props_text(pairs) for pairs in result[1]), 'text/plain; charset=utf-8', headers)


def _key_rank(key):
    order = ('name', 'cpu', 'smp', 'mem', 'persistent')
    if key in order:
        return (order.index(key), key)
    if DEVICE_RE.match(key):
        return (10, key)
    for rank, prefix in ((11, 'boot'), (12, 'nic:'), (13, 'vnc'), (14, 'tags'), (15, 'user:')):
        if key.startswith(prefix):
            return (rank, key)
    return (20, key)


_RANK_CACHE = {}


def _config_order(key):
    rank = _RANK_CACHE.get(key)
    if rank is None:
        rank = _RANK_CACHE[key] = _key_rank(key)
    return rank


def _config_value(key, value):
    if key in NUMERIC_SERVER_KEYS or (key == 'smp' and value.isdigit()):
        return int(value)
    return value


# ---------------------------------------------------------------------------
# standard drives


def _standard_header(drive_uuid, description, kind):
    return ('CROSSPEER SIMULATOR %s\ndrive %s\nname %s\n' % (kind, drive_uuid, description)).encode('utf-8')


_SYSTEM_CACHE = []


def system_drive_specs():
    """(uuid, name, size, blocks) of the seed's standard drives and system images (built once)."""
    if not _SYSTEM_CACHE:
        for drive_uuid, description, gib in STANDARD_DRIVES:
            # A pre-installed system image: gzipped (D19).
            content = _standard_header(drive_uuid, description, 'STANDARD DRIVE') + b''.join(
                b'%s block %06d\n' % (description.encode('utf-8'), n) for n in range(512))
            blocks = {}
            storage.write(blocks, 0, gzip.compress(content, 6, mtime=0))
            _SYSTEM_CACHE.append((drive_uuid, description, gib * GIB // 4, blocks))
        for drive_uuid, description in SYSTEM_IMAGES:
            # An install or live CD: a plain ISO (D19).
            content = _standard_header(drive_uuid, description, 'INSTALL CD') + b''.join(
                b'%s sector %06d\n' % (description.encode('utf-8'), n) for n in range(512))
            blocks = {}
            storage.write(blocks, 0, content)
            _SYSTEM_CACHE.append((drive_uuid, description, SYSTEM_IMAGE_SIZE, blocks))
    return _SYSTEM_CACHE


# ---------------------------------------------------------------------------
# routes: (method, regex, handler name)

_SEG = r'(?P<%s>[^/]+)'
ROUTE_SPECS = (
    ('GET', 'drives/list', 'drives_list'),
    ('GET', 'drives/info', 'drives_info'),
    ('GET', 'drives/%s/info' % (_SEG % 'drive'), 'drive_info'),
    ('POST', 'drives/create', 'drive_create'),
    ('POST', 'drives/%s/set' % (_SEG % 'drive'), 'drive_set'),
    ('POST', 'drives/%s/destroy' % (_SEG % 'drive'), 'drive_destroy'),
    ('POST', 'drives/%s/image/%s(?:/%s)?' % (_SEG % 'drive', _SEG % 'source', _SEG % 'conversion'), 'drive_image'),
    ('GET', 'drives/%s/read/%s/%s' % (_SEG % 'drive', _SEG % 'offset', _SEG % 'size'), 'drive_read'),
    ('POST', 'drives/%s/write(?:/%s)?' % (_SEG % 'drive', _SEG % 'offset'), 'drive_write'),
    ('GET', 'servers/list', 'servers_list'),
    ('GET', 'servers/info', 'servers_info'),
    ('GET', 'servers/%s/info' % (_SEG % 'server'), 'server_info'),
    ('POST', 'servers/create', 'server_create'),
    ('POST', 'servers/create/stopped', 'server_create_stopped'),
    ('POST', 'servers/%s/set' % (_SEG % 'server'), 'server_set'),
    ('POST', 'servers/%s/start' % (_SEG % 'server'), 'server_start'),
    ('POST', 'servers/%s/stop' % (_SEG % 'server'), 'server_stop'),
    ('POST', 'servers/%s/shutdown' % (_SEG % 'server'), 'server_shutdown'),
    ('POST', 'servers/%s/reset' % (_SEG % 'server'), 'server_reset'),
    ('POST', 'servers/%s/destroy' % (_SEG % 'server'), 'server_destroy'),
    ('GET', 'resources/list', 'resources_list'),
    ('GET', 'resources/%s/list' % (_SEG % 'rtype'), 'resources_list'),
    ('GET', 'resources/info', 'resources_info'),
    ('GET', 'resources/%s/info' % (_SEG % 'rtype'), 'resources_info'),
    ('GET', 'resources/%s/%s/info' % (_SEG % 'rtype', _SEG % 'resource'), 'resource_info'),
    ('POST', 'resources/%s/create' % (_SEG % 'rtype'), 'resource_create'),
    ('POST', 'resources/%s/%s/set' % (_SEG % 'rtype', _SEG % 'resource'), 'resource_set'),
    ('POST', 'resources/%s/%s/destroy' % (_SEG % 'rtype', _SEG % 'resource'), 'resource_destroy'),
)
ROUTES = tuple((method, re.compile(pattern), name) for method, pattern, name in ROUTE_SPECS)

# Server configuration keys: (regex, validator method name)
SERVER_KEY_SPECS = (
    ('name', '_v_text'),
    ('cpu', '_v_positive_int'),
    ('mem', '_v_positive_int'),
    ('smp', '_v_smp'),
    ('persistent', '_v_bool'),
    (DEVICE, '_v_drive'),
    (DEVICE + ':media', '_v_media'),
    ('boot', '_v_boot'),
    ('nic:[0-3]:model', '_v_nic_model'),
    ('nic:[0-3]:dhcp', '_v_dhcp'),
    ('nic:[0-3]:vlan', '_v_vlan'),
    ('nic:[0-3]:mac', '_v_mac'),
    ('vnc', '_v_vnc'),
    ('vnc:password', '_v_vnc_password'),
    ('vnc:tls', '_v_vnc_tls'),
    ('tags', '_v_list'),
    ('user:.+', '_v_text'),
)
SERVER_KEYS = tuple((re.compile(pattern), name) for pattern, name in SERVER_KEY_SPECS)


class CrossPeerService(Service):
    """The CrossPeer API."""

    name = 'crosspeer'
    prefix = PREFIX
    config_choices = {
        'read_limit': tuple(READ_LIMITS),
        'json_numbers': ('numbers', 'strings'),
        'running_user_keys': ('accept', 'reject', 'ignore'),
    }
    config_defaults = {
        'imaging_seconds': 2.0,
        'max_concurrent_imaging': 1,
        'shutdown_seconds': 0.5,
        'ignore_acpi': False,
        'force_text_output': False,
        'read_limit': '4MiB',
        'json_numbers': 'numbers',
        'running_user_keys': 'accept',
        'quota_bytes': 100 * TIB,
    }

    # -- Service API ---------------------------------------------------------
    def reset(self):
        super().reset()
        self.drives = {}
        self.servers = {}
        self.resources = {}
        self.jobs = []
        self.job_seq = 0
        self.imaging_clock = 0.0
        self.pending_shutdown = set()
        self.auto_ips_free = []
        self.auto_ip_next = 0
        for drive_uuid, name, size, blocks in system_drive_specs():
            drive = Drive(drive_uuid, SYSTEM_USER, name, size, dict(blocks))
            drive.readers = [EVERYONE]
            self.drives[drive_uuid] = drive

    def credentials(self):
        return {'user': MAIN_USER, 'api_key': MAIN_KEY,
                'accounts': [{'user': user, 'api_key': key} for user, key in ACCOUNTS.items()]}

    def identify(self, request):
        header = request.headers.get('Authorization') or ''
        if header[:6].lower() != 'basic ':
            return None
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode('utf-8')
        except (ValueError, UnicodeDecodeError):
            return None
        user, _sep, key = decoded.partition(':')
        expected = ACCOUNTS.get(user.lower())
        if expected is None or not hmac.compare_digest(expected.encode('utf-8'), key.encode('utf-8')):
            return None
        return user.lower()

    def error(self, status, kind, message):
        headers = [('X-Elastic-Error', kind)]
        if status == 401:
            headers.append(('WWW-Authenticate', 'Basic realm="crosspeer"'))
        return Response.text(status, message, headers)

    def prepare(self, request):
        if request.method == 'POST' and WRITE_PATH_RE.fullmatch(request.path.strip('/')):
            try:
                request.context['payload'] = decode_write_payload(request)
            except ApiError as exc:
                request.context['payload_error'] = exc

    def handle(self, request):
        try:
            user = self.identify(request)
            if user is None:
                raise ApiError(401, 'auth', 'HTTP Basic authentication missing or incorrect')
            handler, params = self._route(request)
            now = time.time()
            self._advance(now)
            result = handler(Context(request, user, now), **params)
            return render(request, result, self.config['force_text_output'],
                          numbers_as_strings=self.config['json_numbers'] == 'strings')
        except ApiError as exc:
            return self.error(exc.status, exc.kind, exc.message)

    def _route(self, request):
        path = request.path.strip('/')
        method = 'GET' if request.method == 'HEAD' else request.method
        allowed = []
        for route_method, regex, name in ROUTES:
            match = regex.fullmatch(path)
            if match:
                if route_method == method:
                    params = dict((k, v) for k, v in match.groupdict().items() if v is not None)
                    return getattr(self, name), params
                allowed.append(route_method)
        if allowed:
            raise ApiError(405, 'method', '%s not allowed for %s, use %s' % (request.method, path, allowed[0]))
        raise missing('command %s not found' % (path or '(empty)'))

    # -- admin ---------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'server-status' and method == 'POST':
            return self._admin_server_status(params)
        if action == 'accounts' and method == 'GET':
            return self.credentials()
        raise AdminError(404, 'unknown admin action %s %s/%s (known: POST server-status, GET accounts)' % (
            method, self.name, action))

    def _admin_server_status(self, params):
        server = self.servers.get(str(params.get('server', '')).lower())
        if server is None:
            raise AdminError(404, 'server %s not found' % params.get('server'))
        status = params.get('status')
        if status not in SERVER_STATUSES:
            raise AdminError(400, 'status must be one of %s' % ', '.join(SERVER_STATUSES))
        now = time.time()
        self._advance(now)
        if status == 'active' and server.status != 'active':
            try:
                self._check_startable(server)
            except ApiError as exc:
                raise AdminError(exc.status, exc.message) from exc
            self._power_on(server, now)
        elif status != 'active':
            if server.status == 'active':
                self._release(server)
            server.status = status
        return {'ok': True, 'server': server.uuid, 'status': server.status}

    def seed(self, params):
        try:
            n_drives = int(params.get('drives', 0))
            n_servers = int(params.get('servers', 0))
        except (TypeError, ValueError) as exc:
            raise AdminError(400, 'drives and servers must be integers') from exc
        prefix = str(params.get('prefix') or 'seed')
        user = str(params.get('user') or MAIN_USER)
        if user not in ACCOUNTS:
            raise AdminError(400, 'user must be one of %s' % ', '.join(ACCOUNTS))
        now = time.time()
        self._advance(now)
        drives = [self._seed_drive(user, prefix, index) for index in range(n_drives)]
        servers = [self._seed_server(user, prefix, index, drives, now) for index in range(n_servers)]
        return {'user': user, 'drives': [d.uuid for d in drives], 'servers': [s.uuid for s in servers]}

    def _seed_drive(self, user, prefix, index):
        drive = Drive(str(uuid.uuid4()), user, '%s-drive-%05d' % (prefix, index), GIB * (1 + index % 4))
        if index % 3 == 0:
            drive.tags = [prefix, 'data']
        self.drives[drive.uuid] = drive
        return drive

    def _seed_server(self, user, prefix, index, drives, now):
        config = {'name': '%s-server-%05d' % (prefix, index), 'cpu': str(1000 * (1 + index % 4)), 'smp': 'auto',
                  'mem': str(512 * (1 + index % 4)), 'persistent': 'true', 'nic:0:model': 'e1000'}
        address = self._allocate_ip_address() if index % 20 == 0 else None
        if address:
            resource = Resource('ip', address, user, '%s-ip-%05d' % (prefix, index))
            self.resources[('ip', address)] = resource
            config['nic:0:dhcp'] = address
        elif index % 4 != 3:
            config['nic:0:dhcp'] = 'auto'
        if index < len(drives):
            config['ide:0:0'] = drives[index].uuid
            config['boot'] = 'ide:0:0'
        if index % 2 == 0:
            config['tags'] = '%s web' % prefix
        elif index % 3 == 0:
            config['tags'] = '%s db' % prefix
        if index % 5 == 0:
            config['user:role'] = 'benchmark'
        server = Server(str(uuid.uuid4()), user, config)
        self.servers[server.uuid] = server
        if index % 2 == 0:
            self._power_on(server, now)
        return server

    # -- lazy clocks ---------------------------------------------------------
    def _advance(self, now):
        if self.jobs:
            self._advance_imaging(now)
        if self.pending_shutdown:
            for server_uuid in list(self.pending_shutdown):
                server = self.servers.get(server_uuid)
                if server is None or server.shutdown_at is None:
                    self.pending_shutdown.discard(server_uuid)
                elif server.shutdown_at <= now:
                    self._power_off(server)

    def _advance_imaging(self, now):
        slots = max(1, int(self.config['max_concurrent_imaging']))
        while self.jobs:
            running = [job for job in self.jobs if job.start is not None]
            queued = [job for job in self.jobs if job.start is None]
            if queued and len(running) < slots:
                job = queued[0]
                job.start = max(job.created, self.imaging_clock)
                job.end = job.start + float(self.config['imaging_seconds'])
                continue
            finished = [job for job in running if job.end <= now]
            if not finished:
                return
            job = min(finished, key=lambda item: (item.end, item.seq))
            job.target.blocks = job.blocks
            job.target.job = None
            self.jobs.remove(job)
            self.imaging_clock = job.end

    def _imaging_state(self, drive, now):
        job = drive.job
        if job.start is None:
            return 'queued'
        duration = job.end - job.start
        percent = 0 if duration <= 0 else int(100 * (now - job.start) / duration)
        return '%d%%' % min(99, max(0, percent))

    # -- lookups -------------------------------------------------------------
    def _readable_drive(self, user, drive_uuid):
        drive = self.drives.get(drive_uuid.lower())
        if drive is None or not drive.readable_by(user):
            raise missing('drive %s not found' % drive_uuid)
        return drive

    def _own_drive(self, user, drive_uuid):
        drive = self.drives.get(drive_uuid.lower())
        if drive is None or drive.user != user:
            raise missing('drive %s not found' % drive_uuid)
        return drive

    def _own_server(self, user, server_uuid):
        server = self.servers.get(server_uuid.lower())
        if server is None or server.user != user:
            raise missing('server %s not found' % server_uuid)
        return server

    def _own_resource(self, user, rtype, resource_id):
        self._check_rtype(rtype)
        resource = self.resources.get((rtype, resource_id.lower()))
        if resource is None or resource.user != user:
            raise missing('%s resource %s not found' % (rtype, resource_id))
        return resource

    @staticmethod
    def _check_rtype(rtype):
        if rtype is not None and rtype not in RESOURCE_TYPES:
            raise missing('resource type %s not found (known: %s)' % (rtype, ' '.join(RESOURCE_TYPES)))

    def _used_bytes(self, user):
        return sum(drive.size for drive in self.drives.values() if drive.user == user)

    def _check_quota(self, user, extra):
        quota = int(self.config['quota_bytes'])
        if self._used_bytes(user) + extra > quota:
            raise ApiError(402, 'billing', 'drive storage of %d more bytes exceeds the account quota of %d bytes' % (
                extra, quota))

    # -- drives --------------------------------------------------------------
    def drive_info_pairs(self, drive, now):
        """KEY VALUE pairs of drive info."""
        pairs = [('name', drive.name), ('drive', drive.uuid), ('size', drive.size), ('status', 'active'),
                 ('user', drive.user), ('claim:type', drive.claim_type), ('encryption:cipher', drive.cipher)]
        if drive.readers:
            pairs.append(('readers', ' '.join(drive.readers)))
        if drive.tags:
            pairs.append(('tags', ' '.join(drive.tags)))
        pairs.extend(sorted(drive.extra.items()))
        if drive.claimed:
            pairs.append(('claimed', ' '.join(sorted(drive.claimed))))
        if drive.job is not None:
            pairs.append(('imaging', self._imaging_state(drive, now)))
        pairs.extend((key, drive.counters[key]) for key in IO_COUNTERS)
        return pairs

    def _user_drives(self, user):
        return [drive for drive in self.drives.values() if drive.user == user]

    def drives_list(self, ctx):
        """GET drives/list"""
        return ('list', ('drive',), [(drive.uuid,) for drive in self._user_drives(ctx.user)])

    def drives_info(self, ctx):
        """GET drives/info"""
        return ('multi', [self.drive_info_pairs(drive, ctx.now) for drive in self._user_drives(ctx.user)])

    def drive_info(self, ctx, drive):
        """GET drives/DRIVE/info"""
        return ('props', self.drive_info_pairs(self._readable_drive(ctx.user, drive), ctx.now))

    def drive_create(self, ctx):
        """POST drives/create"""
        items = ctx.input()
        unknown = [key for key in items if key not in DRIVE_CREATE_KEYS and not _is_user_key(key)]
        if unknown:
            raise usage('unknown drive key(s) for create: %s' % ' '.join(unknown))
        if not items.get('name'):
            raise usage('name is required to create a drive')
        if not items.get('size'):
            raise usage('size is required to create a drive')
        size = parse_size(items['size'], 'size')
        if size <= 0:
            raise usage('size must be greater than 0')
        claim = _claim_type(items.get('claim:type', ''))
        cipher = _cipher(items.get('encryption:cipher', ''))
        readers = _uuid_list(items.get('readers', ''), 'readers')
        for avoid in items.get('avoid', '').split():
            self._own_drive(ctx.user, avoid)
        self._check_quota(ctx.user, size)
        drive = Drive(str(uuid.uuid4()), ctx.user, items['name'], size)
        drive.claim_type = claim
        drive.cipher = cipher
        drive.readers = readers
        drive.tags = items.get('tags', '').split()
        drive.extra = dict((k, v) for k, v in items.items() if _is_user_key(k) and v != '')
        self.drives[drive.uuid] = drive
        return ('props', self.drive_info_pairs(drive, ctx.now))

    def drive_set(self, ctx, drive):
        """POST drives/DRIVE/set (D14)"""
        target = self._own_drive(ctx.user, drive)
        items = ctx.input()
        if 'encryption:cipher' in items:
            raise usage('encryption:cipher cannot be changed')
        unknown = [key for key in items if key not in DRIVE_SET_KEYS and not _is_user_key(key)]
        if unknown:
            raise usage('unknown drive key(s) for set: %s' % ' '.join(unknown))
        if target.job is not None:
            raise busy('drive %s is being imaged' % target.uuid)
        if 'name' in items and not items['name']:
            raise usage('name cannot be empty')
        size = target.size
        if 'size' in items:
            size = parse_size(items['size'], 'size')
            if size < target.size:
                raise usage('size can only grow (current size %d bytes)' % target.size)
            self._check_quota(ctx.user, size - target.size)
        claim = _claim_type(items['claim:type']) if 'claim:type' in items else target.claim_type
        if claim == 'exclusive' and len(target.claimed) > 1:
            raise busy('drive %s is claimed by several servers' % target.uuid)
        readers = _uuid_list(items['readers'], 'readers') if 'readers' in items else target.readers
        target.name = items.get('name', target.name)
        target.size = size
        target.claim_type = claim
        target.readers = readers
        if 'tags' in items:
            target.tags = items['tags'].split()
        for key, value in items.items():
            if _is_user_key(key):
                if value:
                    target.extra[key] = value
                else:
                    target.extra.pop(key, None)
        return ('props', self.drive_info_pairs(target, ctx.now))

    def drive_destroy(self, ctx, drive):
        """POST drives/DRIVE/destroy"""
        target = self._own_drive(ctx.user, drive)
        if target.claimed:
            raise busy('drive %s is in use by server(s) %s' % (target.uuid, ' '.join(sorted(target.claimed))))
        if target.job is not None:
            raise busy('drive %s is being imaged' % target.uuid)
        del self.drives[target.uuid]
        return ('none',)

    def drive_image(self, ctx, drive, source, conversion=None):
        """POST drives/DRIVE/image/SOURCE[/CONVERSION] (D17)"""
        target = self._own_drive(ctx.user, drive)
        origin = self._readable_drive(ctx.user, source)
        if conversion not in (None, 'gzip', 'gunzip'):
            raise usage("conversion must be 'gzip' or 'gunzip', not %r" % conversion)
        if origin is target:
            raise usage('cannot image drive %s from itself' % target.uuid)
        if target.job is not None:
            raise busy('drive %s is being imaged' % target.uuid)
        if origin.job is not None:
            raise busy('source drive %s is being imaged' % origin.uuid)
        try:
            if conversion is None:
                if target.size < origin.size:
                    raise full('drive %s (%d bytes) is smaller than source drive %s (%d bytes)' % (
                        target.uuid, target.size, origin.uuid, origin.size))
                blocks = dict(origin.blocks)
            elif conversion == 'gzip':
                blocks = storage.gzip_blocks(origin.blocks, target.size)
            else:
                blocks = storage.gunzip_blocks(origin.blocks, origin.size, target.size)
        except storage.StorageFull as exc:
            raise full('converted content does not fit into drive %s: %s' % (target.uuid, exc)) from exc
        except storage.StorageCorrupt as exc:
            raise ApiError(500, 'failed', 'imaging from %s failed: %s' % (origin.uuid, exc)) from exc
        self.job_seq += 1
        job = ImageJob(self.job_seq, target, ctx.now, blocks)
        target.job = job
        self.jobs.append(job)
        self._advance(ctx.now)
        return ('none',)

    def drive_read(self, ctx, drive, offset, size):
        """GET drives/DRIVE/read/OFFSET/SIZE"""
        source = self._readable_drive(ctx.user, drive)
        start = parse_size(offset, 'offset')
        length = parse_size(size, 'size')
        limit = READ_LIMITS[self.config['read_limit']]
        if length > limit:
            raise usage('read size %d exceeds the 4MB limit per request (%d bytes)' % (length, limit))
        length = max(0, min(length, source.size - start))
        data = storage.read(source.blocks, start, length) if length else b''
        source.counters['read:bytes'] += len(data)
        source.counters['read:requests'] += 1
        return ('binary', data)

    def drive_write(self, ctx, drive, offset='0'):
        """POST drives/DRIVE/write[/OFFSET] (D20)"""
        target = self._own_drive(ctx.user, drive)
        request = ctx.request
        if 'payload_error' in request.context:
            raise request.context['payload_error']
        payload = request.context['payload'] if 'payload' in request.context else decode_write_payload(request)
        start = parse_size(offset, 'offset')
        if target.job is not None:
            raise busy('drive %s is being imaged' % target.uuid)
        if start + len(payload) > target.size:
            raise full('write of %d bytes at offset %d exceeds drive size %d' % (len(payload), start, target.size))
        if payload:
            storage.write(target.blocks, start, payload)
        target.counters['write:bytes'] += len(payload)
        target.counters['write:requests'] += 1
        return ('none',)

    # -- servers: configuration ----------------------------------------------
    def _validator(self, key):
        for regex, name in SERVER_KEYS:
            if regex.fullmatch(key):
                return getattr(self, name)
        return None

    def _validate_server_config(self, user, items, creating):
        """Return (updates, removed keys) for validated configuration input."""
        updates = {}
        removed = []
        for key, value in items.items():
            if key in ('avoid:drives', 'avoid:servers'):
                if not creating:
                    raise usage('%s is only accepted by servers/create' % key)
                self._check_avoid(user, key, value)
                continue
            validator = self._validator(key)
            if validator is None:
                raise usage('unknown server key %s' % key)
            if value == '':
                if not creating:
                    removed.append(key)
                continue
            updates[key] = validator(user, key, value)
        return updates, removed

    def _check_avoid(self, user, key, value):
        for item in value.split():
            if key == 'avoid:drives':
                self._own_drive(user, item)
            else:
                self._own_server(user, item)

    def _v_text(self, user, key, value):  # pylint: disable=unused-argument
        return value

    def _v_list(self, user, key, value):  # pylint: disable=unused-argument
        return ' '.join(value.split())

    def _v_positive_int(self, user, key, value):  # pylint: disable=unused-argument
        if not value.isdigit() or int(value) <= 0:
            raise usage('%s must be a positive integer, not %r' % (key, value))
        return str(int(value))

    def _v_smp(self, user, key, value):
        if value.lower() == 'auto':
            return 'auto'
        return self._v_positive_int(user, key, value)

    def _v_bool(self, user, key, value):  # pylint: disable=unused-argument
        if value.lower() not in ('true', 'false'):
            raise usage("%s must be 'true' or 'false', not %r" % (key, value))
        return value.lower()

    def _v_drive(self, user, key, value):  # pylint: disable=unused-argument
        return self._readable_drive(user, value).uuid

    def _v_media(self, user, key, value):  # pylint: disable=unused-argument
        if value not in ('disk', 'cdrom'):
            raise usage("%s must be 'disk' or 'cdrom', not %r" % (key, value))
        return value

    def _v_boot(self, user, key, value):  # pylint: disable=unused-argument
        devices = value.split()
        bad = [device for device in devices if not DEVICE_RE.fullmatch(device)]
        if bad:
            raise usage('invalid boot device(s): %s' % ' '.join(bad))
        return ' '.join(devices)

    def _v_nic_model(self, user, key, value):  # pylint: disable=unused-argument
        if value not in ('e1000', 'rtl8139', 'virtio'):
            raise usage("%s must be 'e1000', 'rtl8139' or 'virtio', not %r" % (key, value))
        return value

    def _v_dhcp(self, user, key, value):
        if value.lower() == 'auto':
            return 'auto'
        address = _ipv4(key, value)
        self._own_resource(user, 'ip', address)
        return address

    def _v_vlan(self, user, key, value):
        return self._own_resource(user, 'vlan', value).resource

    def _v_mac(self, user, key, value):  # pylint: disable=unused-argument
        if not MAC_RE.fullmatch(value):
            raise usage('%s must be a MAC address like 02:00:00:00:00:01, not %r' % (key, value))
        return value.lower()

    def _v_vnc(self, user, key, value):  # pylint: disable=unused-argument
        if value.lower() == 'auto':
            return 'auto'
        return _ipv4(key, value)

    def _v_vnc_password(self, user, key, value):  # pylint: disable=unused-argument
        if len(value) > 8:
            raise usage('vnc:password may have at most 8 characters')
        return value

    def _v_vnc_tls(self, user, key, value):  # pylint: disable=unused-argument
        if value.lower() != 'on':
            raise usage("vnc:tls must be 'on' (or empty to disable), not %r" % value)
        return 'on'

    # -- servers: runtime ----------------------------------------------------
    def _check_startable(self, server):
        for device, drive_uuid in server.drive_refs():
            drive = self.drives.get(drive_uuid)
            if drive is None or not drive.readable_by(server.user):
                raise missing('drive %s attached as %s not found' % (drive_uuid, device))
            if drive.job is not None:
                raise busy('drive %s attached as %s is being imaged' % (drive_uuid, device))
            if drive.user != server.user:
                continue  # attached read-only (D25): no exclusive claim
            others = drive.claimed - {server.uuid}
            if others and drive.claim_type == 'exclusive':
                raise busy('drive %s attached as %s is claimed by server %s' % (
                    drive_uuid, device, ' '.join(sorted(others))))

    def _power_on(self, server, now):
        server.status = 'active'
        server.started = int(now)
        server.shutdown_at = None
        server.nic_ips = {}
        for nic in range(4):
            dhcp = server.config.get('nic:%d:dhcp' % nic)
            if dhcp:
                server.nic_ips[nic] = self._allocate_auto_ip() if dhcp == 'auto' else dhcp
        vnc = server.config.get('vnc')
        if vnc == 'auto':
            server.vnc_ip = server.nic_ips.get(0) or self._allocate_auto_ip()
        else:
            server.vnc_ip = vnc
        for _device, drive_uuid in server.drive_refs():
            drive = self.drives.get(drive_uuid)
            if drive is not None:
                drive.claimed.add(server.uuid)

    def _release(self, server):
        """Stop running: release claims and temporary addresses."""
        for _device, drive_uuid in server.drive_refs():
            drive = self.drives.get(drive_uuid)
            if drive is not None:
                drive.claimed.discard(server.uuid)
        for nic, address in server.nic_ips.items():
            if server.config.get('nic:%d:dhcp' % nic) == 'auto':
                self.auto_ips_free.append(address)
        if server.vnc_ip and server.vnc_ip not in server.nic_ips.values() and server.config.get('vnc') == 'auto':
            self.auto_ips_free.append(server.vnc_ip)
        server.nic_ips = {}
        server.vnc_ip = None
        server.started = None
        server.shutdown_at = None
        self.pending_shutdown.discard(server.uuid)

    def _power_off(self, server):
        """stop semantics: persistent servers become stopped, others are destroyed."""
        self._release(server)
        if server.config.get('persistent') == 'true':
            server.status = 'stopped'
        else:
            del self.servers[server.uuid]

    def _allocate_auto_ip(self):
        """Temporary address: 198.51.100.2-254 first, then the benchmarking range 198.18.0.0/15 (D28)."""
        if self.auto_ips_free:
            return self.auto_ips_free.pop()
        while True:
            self.auto_ip_next += 1
            if self.auto_ip_next <= 253:
                return '%s.%d' % (AUTO_IP_FIRST, self.auto_ip_next + 1)
            address = AUTO_IP_OVERFLOW[self.auto_ip_next - 253]
            if address.packed[-1] not in (0, 255):
                return str(address)

    def _allocate_ip_address(self):
        for network in IP_POOL_NETWORKS:
            for host in range(2, 255):
                if host == 53:
                    continue
                address = '%s.%d' % (network, host)
                if ('ip', address) not in self.resources:
                    return address
        return None

    def server_info_pairs(self, server):
        """KEY VALUE pairs of server info."""
        pairs = [('server', server.uuid), ('name', server.config.get('name', '')), ('status', server.status),
                 ('user', server.user)]
        config = server.config
        for key in sorted(config, key=_config_order):
            if key != 'name':
                pairs.append((key, _config_value(key, config[key])))
        if server.status == 'active':
            pairs.extend(self._runtime_pairs(server))
        return pairs

    @staticmethod
    def _runtime_pairs(server):
        smp = server.config.get('smp', 'auto')
        cores = int(smp) if smp.isdigit() else max(1, int(math.ceil(int(server.config.get('cpu', '1000')) / 2000.0)))
        pairs = [('started', server.started), ('smp:cores', cores), ('smp:sockets', cores)]
        for nic in sorted(server.nic_ips):
            pairs.append(('nic:%d:dhcp:ip' % nic, server.nic_ips[nic]))
        if server.vnc_ip:
            pairs.append(('vnc:ip', server.vnc_ip))
        pairs.extend((key, 0) for key in NET_COUNTERS)
        for device, _drive in sorted(server.drive_refs()):
            pairs.extend(('%s:%s' % (device, counter), 0) for counter in IO_COUNTERS)
        return pairs

    def _user_servers(self, user):
        return [server for server in self.servers.values() if server.user == user]

    def servers_list(self, ctx):
        """GET servers/list"""
        rows = [(s.uuid, int(s.config['cpu']), int(s.config['mem'])) for s in self._user_servers(ctx.user)]
        return ('list', ('server', 'cpu', 'mem'), rows)

    def servers_info(self, ctx):
        """GET servers/info"""
        return ('multi', [self.server_info_pairs(server) for server in self._user_servers(ctx.user)])

    def server_info(self, ctx, server):
        """GET servers/SERVER/info"""
        return ('props', self.server_info_pairs(self._own_server(ctx.user, server)))

    def _create_server(self, ctx, start):
        updates, _removed = self._validate_server_config(ctx.user, ctx.input(), creating=True)
        absent = [key for key in REQUIRED_SERVER_KEYS if key not in updates]
        if absent:
            raise usage('%s required to create a server' % ' and '.join(absent))
        for key, value in SERVER_DEFAULTS:
            updates.setdefault(key, value)
        _generate_macs(updates)
        server = Server(str(uuid.uuid4()), ctx.user, updates)
        if start:
            self._check_startable(server)
        self.servers[server.uuid] = server
        if start:
            self._power_on(server, ctx.now)
        return ('props', self.server_info_pairs(server))

    def server_create(self, ctx):
        """POST servers/create (creates and starts)"""
        return self._create_server(ctx, start=True)

    def server_create_stopped(self, ctx):
        """POST servers/create/stopped"""
        return self._create_server(ctx, start=False)

    def server_set(self, ctx, server):
        """POST servers/SERVER/set (D23)"""
        target = self._own_server(ctx.user, server)
        updates, removed = self._validate_server_config(ctx.user, ctx.input(), creating=False)
        if target.status == 'active':
            changed = [key for key, value in updates.items() if target.config.get(key) != value]
            changed += [key for key in removed if key in target.config]
            mode = self.config['running_user_keys']
            blocked = sorted(key for key in changed if key not in LIVE_SETTABLE
                             and not (_is_user_key(key) and mode != 'reject'))
            if mode == 'ignore':
                for key in [k for k in list(updates) if _is_user_key(k)]:
                    del updates[key]
                removed = [key for key in removed if not _is_user_key(key)]
            if blocked:
                raise usage('cannot change %s while server %s is active: stop the server first' % (
                    ' '.join(blocked), target.uuid))
        fixed = [key for key in removed if key in REQUIRED_SERVER_KEYS]
        if fixed:
            raise usage('%s cannot be removed' % ' '.join(fixed))
        for key in removed:
            target.config.pop(key, None)
        target.config.update(updates)
        for key, value in SERVER_DEFAULTS:
            target.config.setdefault(key, value)
        for key in [k for k in target.config if k.startswith('nic:') and k.endswith(':mac')]:
            if key[:-len('mac')] + 'model' not in target.config:
                del target.config[key]  # the NIC is gone, and its MAC with it
        _generate_macs(target.config)
        return ('props', self.server_info_pairs(target))

    def server_start(self, ctx, server):
        """POST servers/SERVER/start"""
        target = self._own_server(ctx.user, server)
        if target.status in ('active', 'paused'):
            raise usage('server %s already %s' % (target.uuid, target.status))
        self._check_startable(target)
        self._power_on(target, ctx.now)
        return ('none',)

    def _running_server(self, ctx, server, action):
        target = self._own_server(ctx.user, server)
        if target.status == 'stopped' or (action != 'stop' and target.status != 'active'):
            raise usage('cannot %s server %s: server is %s' % (action, target.uuid, target.status))
        return target

    def server_stop(self, ctx, server):
        """POST servers/SERVER/stop"""
        self._power_off(self._running_server(ctx, server, 'stop'))
        return ('none',)

    def server_shutdown(self, ctx, server):
        """POST servers/SERVER/shutdown (D27)"""
        target = self._running_server(ctx, server, 'shutdown')
        if not self.config['ignore_acpi'] and target.shutdown_at is None:
            target.shutdown_at = ctx.now + float(self.config['shutdown_seconds'])
            self.pending_shutdown.add(target.uuid)
            self._advance(ctx.now)
        return ('none',)

    def server_reset(self, ctx, server):
        """POST servers/SERVER/reset"""
        target = self._running_server(ctx, server, 'reset')
        target.started = max(int(ctx.now), target.started + 1)
        return ('none',)

    def server_destroy(self, ctx, server):
        """POST servers/SERVER/destroy"""
        target = self._own_server(ctx.user, server)
        if target.status == 'active':
            self._release(target)
        self.pending_shutdown.discard(target.uuid)
        del self.servers[target.uuid]
        return ('none',)

    # -- resources -----------------------------------------------------------
    @staticmethod
    def resource_info_pairs(resource):
        """KEY VALUE pairs of resource info."""
        pairs = [('name', resource.name), ('type', resource.type), ('resource', resource.resource),
                 ('user', resource.user)]
        if resource.type == 'ip':
            network = resource.resource.rsplit('.', 1)[0]
            pairs += [('netmask', '255.255.255.0'), ('gateway', network + '.1'), ('nameserver', network + '.53')]
        if resource.tags:
            pairs.append(('tags', ' '.join(resource.tags)))
        pairs.extend(sorted(resource.extra.items()))
        return pairs

    def _user_resources(self, user, rtype):
        self._check_rtype(rtype)
        return [res for res in self.resources.values() if res.user == user and rtype in (None, res.type)]

    def resources_list(self, ctx, rtype=None):
        """GET resources[/TYPE]/list"""
        rows = [(res.type, res.resource) for res in self._user_resources(ctx.user, rtype)]
        return ('list', ('type', 'resource'), rows)

    def resources_info(self, ctx, rtype=None):
        """GET resources[/TYPE]/info"""
        return ('multi', [self.resource_info_pairs(res) for res in self._user_resources(ctx.user, rtype)])

    def resource_info(self, ctx, rtype, resource):
        """GET resources/TYPE/RESOURCE/info"""
        return ('props', self.resource_info_pairs(self._own_resource(ctx.user, rtype, resource)))

    def _resource_items(self, ctx):
        items = ctx.input()
        unknown = [key for key in items if key not in RESOURCE_KEYS and not _is_user_key(key)]
        if unknown:
            raise usage('unknown resource key(s): %s' % ' '.join(unknown))
        if 'name' in items and not items['name']:
            raise usage('name cannot be empty')
        return items

    @staticmethod
    def _apply_resource_items(resource, items):
        resource.name = items.get('name', resource.name)
        if 'tags' in items:
            resource.tags = items['tags'].split()
        for key, value in items.items():
            if _is_user_key(key):
                if value:
                    resource.extra[key] = value
                else:
                    resource.extra.pop(key, None)

    def resource_create(self, ctx, rtype):
        """POST resources/TYPE/create"""
        self._check_rtype(rtype)
        items = self._resource_items(ctx)
        if 'name' not in items:
            raise usage('name is required to create a resource')
        if rtype == 'ip':
            identifier = self._allocate_ip_address()
            if identifier is None:
                raise full('no free ip addresses left')
        else:
            identifier = str(uuid.uuid4())
        resource = Resource(rtype, identifier, ctx.user, items['name'])
        self._apply_resource_items(resource, items)
        self.resources[(rtype, identifier)] = resource
        return ('props', self.resource_info_pairs(resource))

    def resource_set(self, ctx, rtype, resource):
        """POST resources/TYPE/RESOURCE/set"""
        target = self._own_resource(ctx.user, rtype, resource)
        self._apply_resource_items(target, self._resource_items(ctx))
        return ('props', self.resource_info_pairs(target))

    def resource_destroy(self, ctx, rtype, resource):
        """POST resources/TYPE/RESOURCE/destroy"""
        target = self._own_resource(ctx.user, rtype, resource)
        users = self._servers_using(target)
        if users:
            raise busy('%s %s is used by server(s) %s' % (rtype, target.resource, ' '.join(users)))
        del self.resources[(target.type, target.resource)]
        return ('none',)

    def _servers_using(self, resource):
        keys = ('dhcp', 'vnc') if resource.type == 'ip' else ('vlan',)
        found = []
        for server in self.servers.values():
            for key, value in server.config.items():
                if value == resource.resource and key.rsplit(':', 1)[-1] in keys:
                    found.append(server.uuid)
                    break
        return found


def _ipv4(key, value):
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError as exc:
        raise usage('%s must be an IPv4 address or auto, not %r' % (key, value)) from exc


def _generate_macs(config):
    """Give every NIC without nic:N:mac a random, locally administered MAC (D25)."""
    for key in [k for k in config if k.startswith('nic:') and k.endswith(':model')]:
        mac_key = key[:-len('model')] + 'mac'
        if not config.get(mac_key):
            octets = [0x02] + [random.randint(0, 255) for dummy in range(5)]
            config[mac_key] = ':'.join('%02x' % o for o in octets)
