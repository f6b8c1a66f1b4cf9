# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Thin CrossPeer client (ElasticStack-style API) and its resource descriptions.

Readings of the seed where it is ambiguous (the simulator behaves the same):

* Sizes, offsets and lengths take an optional ``k``/``M``/``G``/``T`` suffix,
  powers of 1024.
* ``claim:type`` is ``exclusive`` (default) or ``shared``; the seed's
  ``inclusive`` on create is a typo of ``exclusive``.  ``encryption:cipher``
  is ``none`` or ``aes-xts-plain`` (the create section's ``aes-sts-plain`` is a
  typo) and can only be chosen at creation.  ``avoid`` is create-only.
* ``set`` changes only the keys it is sent; a key sent with an empty value is
  removed.  That is how ``tags``, ``readers`` and ``user:*`` keys are cleared.
* In JSON, numbers are JSON numbers and space-separated lists stay strings;
  the client accepts either form for every key.
* A multi-object text/plain answer separates objects with a blank line; the
  parser also starts a new object when a key repeats (the seed's example
  omits the blank line).
* ``smp.cores`` in the seed is read as ``smp:cores`` and ``smp:sockets``.
* A running server accepts only ``name``, ``cpu``, ``persistent``, ``tags``,
  ``vnc:password`` and ``user:*`` changes; every other key needs it stopped.
* ``user:backupdr-*`` keys are reserved by this collection for its own
  markers (drive image source, uploaded content checksum) and are not part of
  ``user_metadata``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.basic import env_fallback

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import Field, ResourceEngine, ResourceType
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import (
    ApiError, HttpClient, api_argument_spec, http_options,
)
# The validators are imported from here by the CrossPeer modules too.
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (  # pylint: disable=unused-import
    UUID_RE, ValidationError, check_header_value, check_single_line, check_url, check_uuid, is_ipv4, is_uuid,
    matches, pattern,
)

DEFAULT_API_URL = 'https://us-east.crosspeer.com/api/'
ALL_USERS = 'ffffffff-ffff-ffff-ffff-ffffffffffff'
#: Bytes per read/write request: the seed's limit is "4MB", which is 4,000,000 or 4,194,304 bytes depending on
#: the reading; chunks of 4,000,000 bytes are within both.
CHUNK_SIZE = 4000000
RESERVED_PREFIX = 'user:backupdr-'
IMAGE_MARKER = RESERVED_PREFIX + 'image'
CONTENT_MARKER = RESERVED_PREFIX + 'sha256'

SIZE_RE = pattern(r' *(\d+) *([kKmMgGtT]?) *')  # spaces only: no newline, no other whitespace
USER_KEY_RE = pattern(r'[A-Za-z0-9_.-]+')
TAG_RE = pattern(r'[^\s]+')
DEVICE_RE = pattern(r'ide:[01]:[01]|scsi:0:[0-7]|block:[0-7]')
MAC_RE = pattern(r'[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}')
#: Sizes below this are accepted but most likely a missing unit (``size: 20`` is 20 bytes).
SMALL_SIZE = 1024 * 1024
SIZE_UNITS = {'': 1, 'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3, 't': 1024 ** 4}

INT_KEYS = frozenset(('size', 'cpu', 'mem', 'started', 'smp:cores', 'smp:sockets'))
INT_SUFFIXES = (':bytes', ':requests', ':packets')
SECRET_KEYS = ('vnc:password',)

CROSSPEER_ARGUMENT_SPEC = dict(
    api_url=dict(type='str', default=DEFAULT_API_URL, fallback=(env_fallback, ['CROSSPEER_API_URL'])),
    api_user=dict(type='str', required=True, fallback=(env_fallback, ['CROSSPEER_API_USER'])),
    api_key=dict(type='str', required=True, no_log=True, fallback=(env_fallback, ['CROSSPEER_API_KEY'])),
)


#: ``tags`` and ``user_metadata`` (doc fragment ``backupdr.cloud.crosspeer.metadata``).
METADATA_ARGUMENT_SPEC = dict(
    tags=dict(type='list', elements='str', no_log=False),
    user_metadata=dict(type='dict'),
)


def crosspeer_argument_spec(with_metadata=False, **options):
    """Auth + common HTTP options, ``tags``/``user_metadata`` if asked, then the module's own."""
    spec = api_argument_spec(**dict((k, dict(v)) for k, v in CROSSPEER_ARGUMENT_SPEC.items()))
    if with_metadata:
        spec.update((k, dict(v)) for k, v in METADATA_ARGUMENT_SPEC.items())
    spec.update(options)
    return spec


# -- pure helpers ---------------------------------------------------------------

def parse_size(value):
    """``'10G'`` -> bytes (k/M/G/T are powers of 1024); ints pass through."""
    if isinstance(value, bool):
        raise ValueError('expected a size such as 1073741824, 512M or 10G, got %r' % (value,))
    if isinstance(value, int):
        if value < 0:
            raise ValueError('size must not be negative, got %d' % value)
        return value
    match = SIZE_RE.fullmatch(value) if isinstance(value, str) else None
    if not match:
        raise ValueError('expected a size such as 1073741824, 512M or 10G, got %r' % (value,))
    return int(match.group(1)) * SIZE_UNITS[match.group(2).lower()]


def uuid_list(values):
    """Readers/avoid lists: UUIDs (``all`` means every user)."""
    out = []
    for item in (values.split() if isinstance(values, str) else values):
        item = str(item)
        if item == 'all':
            item = ALL_USERS
        if not matches(UUID_RE, item):
            raise ValueError('expected UUIDs, got %r' % item)
        out.append(item.lower())
    return out


def user_metadata(value):
    """Validate user-defined keys; ``user:`` prefixes are accepted and dropped.

    A key is letters, digits, ``_``, ``.`` and ``-``; a value is one line (no line or record separator
    of any kind) and not empty: the API removes a key set to an empty value, so ``null``/``""`` would
    never converge; leave the key out to remove it.
    """
    if not isinstance(value, dict):
        raise ValueError('expected a dictionary of KEY: VALUE')
    out = {}
    for key, val in value.items():
        key = str(key)
        if key.startswith('user:'):
            key = key[5:]
        if not matches(USER_KEY_RE, key):
            raise ValueError('key %r is not allowed: use letters, digits, "_", "." and "-" only' % key)
        if key.startswith('backupdr-'):
            raise ValueError('key %r is reserved for this collection\'s own markers' % key)
        if val is None or (isinstance(val, str) and val.strip() == ''):
            raise ValueError('the value of %r is empty; the API removes a key set to an empty value, so leave the key '
                             'out of user_metadata to remove it' % key)
        if isinstance(val, (dict, list)):
            raise ValueError('the value of %r must be a string, not a %s' % (key, type(val).__name__))
        val = str(val)
        try:
            check_single_line(val, 'user_metadata', 'the value of %r' % key)
        except ValidationError as exc:
            raise ValueError(str(exc)[len('user_metadata: '):])
        if val != val.strip():
            raise ValueError('the value of %r has leading or trailing spaces, which the text format drops' % key)
        out[key] = val
    return out


def tag_list(value):
    """Tags: non-empty, no whitespace inside (the API stores tags space-separated), no duplicates."""
    items = value if isinstance(value, (list, tuple)) else [value]
    out = []
    for item in items:
        if item is None or not isinstance(item, (str, int, float)) or isinstance(item, bool):
            raise ValueError('expected a list of tag strings, got %r' % (item,))
        tag = str(item)
        if not matches(TAG_RE, tag):
            raise ValueError('tag %r is empty or contains whitespace; the API stores tags as one space-separated '
                             'list, so it would become %s' % (tag, 'no tag' if not tag.strip() else
                                                              '%d tags' % len(tag.split())))
        out.append(tag)
    return out


def name_value(value):
    """A name sent in the text format: one line, no separators of any kind."""
    value = str(value)
    if not value.strip():
        raise ValueError('must not be empty')
    try:
        check_single_line(value, 'name', 'name')
    except ValidationError as exc:
        raise ValueError(str(exc)[len('name: '):])
    return value


def wire_value(value):
    """JSON values -> the text form (numbers, booleans, lists)."""
    if value is None:
        return ''
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ' '.join(wire_value(v) for v in value)
    return str(value)


def lines(text):
    """Lines of a text/plain body: split on ``\n`` (and ``\r\n``) only.

    ``str.splitlines()`` also splits on ``\v \f \x1c-\x1e \x85 U+2028 U+2029``:
    a value holding one of them would start a phantom key or object.
    """
    return [line[:-1] if line.endswith('\r') else line for line in text.split('\n')]


def parse_properties(text):
    """text/plain properties -> list of flat dicts (one per object)."""
    objects, current = [], {}
    for line in lines(text):
        line = line.strip()
        if not line:
            if current:
                objects.append(current)
                current = {}
            continue
        key, dummy, value = line.partition(' ')
        if key in current:
            objects.append(current)
            current = {}
        current[key] = value.strip()
    if current:
        objects.append(current)
    return objects


def parse_list(text):
    """text/plain list output -> list of token lists."""
    return [line.split() for line in lines(text) if line.strip()]


def dump_properties(flat):
    """flat dict -> text/plain properties body."""
    return ''.join('%s %s\n' % (k, wire_value(v)) for k, v in flat.items())


def decode_body(body, content_type, output=None):
    """Decode a CrossPeer answer in either wire format.

    Returns a list of flat string dicts for properties/JSON objects, or a list
    of token lists for text ``list`` output.
    """
    if not body:
        return []
    if 'json' in (content_type or ''):
        data = json.loads(body)
        items = data if isinstance(data, list) else [data]
        return [dict((str(k), wire_value(v)) for k, v in item.items()) if isinstance(item, dict) else item
                for item in items]
    text = body.decode('utf-8') if isinstance(body, bytes) else body
    if (output or '').lower() == 'list':
        return parse_list(text)
    return parse_properties(text)


def typed(key, value):
    """Display type of a flat value (ints for sizes and counters)."""
    if key in INT_KEYS or key.endswith(INT_SUFFIXES):
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return value


def mask_secrets(flat):
    return dict((k, '********' if k in SECRET_KEYS and v else v) for k, v in flat.items())


def error_parser(response):
    code = response.headers.get('X-Elastic-Error')
    try:
        text = response.text.strip()
    except Exception:  # pylint: disable=broad-except
        text = ''
    return code, (text[:500] or response.reason or 'request failed'), None


def busy_detector(response, code):
    return response.status_code == 409 and (code or '').lower() == 'busy'


#: X-Elastic-Error codes of 5xx answers that say the request was refused before it changed anything.
REFUSED_CODES = ('full',)


def refused_detector(response, code):
    """507 ``full`` (no room for the drive or the image): refused, not applied."""
    return (code or '').lower() in REFUSED_CODES


def check_credentials(params):
    """The connection options, checked before any request: URL, user UUID, a key HTTP can carry."""
    url = check_url(params.get('api_url') or DEFAULT_API_URL, 'api_url', example=DEFAULT_API_URL)
    user = check_uuid(params.get('api_user'), 'api_user')
    key = params.get('api_key') or ''
    if not key:
        raise ValidationError('api_key', 'is required (or set the environment variable CROSSPEER_API_KEY)')
    check_header_value(key, 'api_key')
    return url, user, key


class CrossPeerClient:
    """CrossPeer requests: Basic auth, JSON out, both formats in."""

    def __init__(self, params):
        url, user, key = check_credentials(params)
        self.user = user
        self.scope = '%s|%s' % (url, user)
        self.http = HttpClient(
            url, service='CrossPeer', auth=(user, key), headers={'Accept': 'application/json'},
            error_parser=error_parser, busy_detector=busy_detector, refused_detector=refused_detector,
            pool_size=max(10, params.get('parallel') or 0), **http_options(params))

    def call(self, method, path, data=None, idempotent=None):
        kwargs = {}
        if data is not None:
            kwargs['data'] = json.dumps(dict((k, wire_value(v)) for k, v in data.items()))
            kwargs['headers'] = {'Content-Type': 'application/json'}
        response = self.http.request(method, path, idempotent=idempotent, **kwargs)
        return decode_body(response.content, response.headers.get('Content-Type'),
                           response.headers.get('X-Elastic-Output'))

    def get_object(self, path):
        try:
            items = self.call('GET', path)
        except ApiError as err:
            if err.status == 404:
                return None
            raise
        return items[0] if items else None

    def list_objects(self, path):
        return [item for item in self.call('GET', path) if isinstance(item, dict)]

    def post(self, path, data=None, idempotent=False):
        items = self.call('POST', path, data=data if data is not None else None, idempotent=idempotent)
        return items[0] if items and isinstance(items[0], dict) else None

    # -- binary transfer ------------------------------------------------------------
    def read(self, drive, offset, size):
        response = self.http.request('GET', 'drives/%s/read/%d/%d' % (drive, offset, size))
        return response.content

    def write(self, drive, offset, payload, gzipped=True):
        headers = {'Content-Type': 'application/octet-stream'}
        if gzipped:
            headers['Content-Encoding'] = 'gzip'
        # Writing the same bytes at the same offset twice is harmless: replayable.
        self.http.request('POST', 'drives/%s/write/%d' % (drive, offset), data=payload,
                          headers=headers, idempotent=True)


def has_any_tag(tags):
    """Predicate for ``_info`` filters and inventory: carries at least one of ``tags``."""
    wanted = set(tags or ())

    def check(flat):
        return not wanted or bool(wanted & set((flat.get('tags') or '').split()))
    return check


def list_filtered(rtype, uuid=None, name=None, tags=None):
    """The resources an ``_info`` module returns (one by uuid, or filtered by name/tags)."""
    return rtype.select(rid=uuid, name=name, predicate=has_any_tag(tags))


# -- resource descriptions ---------------------------------------------------------

class UserMetadataField(Field):
    """``user:*`` keys as a dict, leaving the collection's reserved markers alone."""

    def __init__(self):
        super(UserMetadataField, self).__init__('user_metadata', 'user:', kind='dict', normalize=user_metadata)

    def from_api(self, flat):
        return dict((k, v) for k, v in super(UserMetadataField, self).from_api(flat).items()
                    if not k.startswith('backupdr-'))

    def owned_keys(self, flat):
        return set(k for k in super(UserMetadataField, self).owned_keys(flat) if not k.startswith(RESERVED_PREFIX))


def _choice(*allowed, **aliases):
    def check(value):
        value = aliases.get(value, value)
        if value not in allowed:
            raise ValueError('expected one of %s, got %r' % (', '.join(allowed), value))
        return value
    return check


class CrossPeerType(ResourceType):
    """Shared CrossPeer conventions."""

    secret_keys = SECRET_KEYS

    def view(self, flat):
        out = super(CrossPeerType, self).view(flat)
        return dict((k, typed(k.replace('_', ':'), v) if isinstance(v, str) else v) for k, v in out.items())


class DriveType(CrossPeerType):
    kind = 'drive'
    id_key = 'drive'
    id_option = 'uuid'
    list_path = 'drives/info'
    get_path = 'drives/{id}/info'
    create_path = 'drives/create'
    update_path = 'drives/{id}/set'
    delete_path = 'drives/{id}/destroy'
    fields = (
        Field('uuid', 'drive', readonly=True),
        Field('name', normalize=name_value),
        Field('size', kind='int', normalize=parse_size),
        Field('claim_type', 'claim:type', absent='exclusive',
              normalize=_choice('exclusive', 'shared', inclusive='exclusive')),
        Field('readers', kind='set', normalize=uuid_list),
        Field('tags', kind='set', normalize=tag_list),
        UserMetadataField(),
        Field('encryption_cipher', 'encryption:cipher', create_only=True, absent='aes-xts-plain',
              normalize=_choice('none', 'aes-xts-plain', **{'aes-sts-plain': 'aes-xts-plain'})),
        Field('avoid', kind='set', create_only=True, readable=False, normalize=uuid_list),
    )

    def validate(self, desired):
        if self.params.get('uuid'):
            self.params['uuid'] = check_uuid(self.params['uuid'], 'uuid')
        if desired.get('size') == 0:
            raise ValidationError('size', 'must be greater than zero')

    def check_update(self, current, changes):
        if 'size' in changes:
            before, after = changes['size']
            if before is not None and after < before:
                raise ValidationError('size', 'drives can only grow (it is %d bytes, wanted %d)' % (before, after))


class ResourceKindType(CrossPeerType):
    """Static IPs and VLANs (``/resources/TYPE/...``)."""

    kind = 'resource'
    id_key = 'resource'
    id_option = 'resource'
    fields = (
        Field('type', readonly=True),
        Field('resource', readonly=True),
        Field('name', normalize=name_value),
        # The API leaves an empty tag list out of info: missing means no tags,
        # so that tags=[] is idempotent.
        Field('tags', kind='set', absent=[], normalize=tag_list),
        UserMetadataField(),
    )

    #: The seed documents ``GET resources/info`` (every resource, each with its
    #: ``type`` key) and ``GET /resources[/TYPE]/list``, but no
    #: ``resources/TYPE/info``: list everything and keep this type's resources.
    list_path = 'resources/info'

    def lock_scope(self):
        return '%s|%s' % (super(ResourceKindType, self).lock_scope(), self.rtype)

    @property
    def rtype(self):
        return self.params.get('type') or 'ip'

    def list(self):
        """This type's resources (``type: all`` in the params keeps every type)."""
        items = super(ResourceKindType, self).list()
        return items if self.rtype == 'all' else [r for r in items if r.get('type') == self.rtype]

    @property
    def get_path(self):
        return 'resources/%s/{id}/info' % self.rtype

    @property
    def create_path(self):
        return 'resources/%s/create' % self.rtype

    @property
    def update_path(self):
        return 'resources/%s/{id}/set' % self.rtype

    @property
    def delete_path(self):
        return 'resources/%s/{id}/destroy' % self.rtype

    def validate(self, desired):
        rid = self.params.get('resource')
        if rid:
            if self.rtype == 'ip' and not is_ipv4(rid):
                raise ValidationError('resource', 'an ip resource is identified by its IPv4 address, got %r' % rid)
            if self.rtype == 'vlan':
                self.params['resource'] = check_uuid(rid, 'resource')


# -- converging one drive or resource (the single modules, and each item of the fleet modules) ------------

def drive_options():
    """The options of one drive without imaging (``crosspeer_drive``'s, and each item of ``crosspeer_drives``)."""
    return dict(
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        uuid=dict(type='str'),
        name=dict(type='str'),
        size=dict(type='str'),
        claim_type=dict(type='str', choices=['exclusive', 'shared']),
        readers=dict(type='list', elements='str'),
        encryption_cipher=dict(type='str', choices=['none', 'aes-xts-plain']),
        avoid=dict(type='list', elements='str'),
    )


def resource_options():
    """The options of one static IP or VLAN (``crosspeer_resource``'s, and each item of ``crosspeer_resources``)."""
    return dict(
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        type=dict(type='str', choices=['ip', 'vlan'], required=True),
        resource=dict(type='str'),
        name=dict(type='str'),
    )


def drive_wanted(module, engine):
    """A drive's wanted values, validated (no request); warns about a size that is most likely missing a unit."""
    wanted = engine.desired()
    raw_size = module.params.get('size')
    if raw_size is not None and str(raw_size).strip().isdigit() and 0 < wanted.get('size', 0) < SMALL_SIZE:
        module.warn('size %s is %d bytes (no unit was given); write it with a unit, such as 20G, if you meant more'
                    % (raw_size, wanted['size']))
    if module.params.get('uuid'):
        module.params['uuid'] = check_uuid(module.params['uuid'], 'uuid')
    return wanted


def converge_drive(module, client):
    """One drive to the module's params (no imaging): present or absent; exits the module."""
    engine = ResourceEngine(module, DriveType(client, module.params))
    wanted = drive_wanted(module, engine)
    if module.params['state'] == 'absent':
        engine.run('absent')
    current = engine.find()
    if current is None and 'size' not in wanted and not module.params.get('uuid'):
        raise ValidationError('size', 'is required to create a drive')
    changed, flat, diff = engine.present(current, wanted)
    engine.exit(changed, flat, diff)


def converge_resource(module, client):
    """One static IP or VLAN to the module's params; exits the module."""
    engine = ResourceEngine(module, ResourceKindType(client, module.params))
    # Validates every option (the resource's format too) before any request, also for state=absent.
    wanted = engine.desired()
    if module.params['state'] == 'absent':
        engine.run('absent')
    changed, flat, diff = engine.present(wanted=wanted)
    engine.exit(changed, flat, diff)
