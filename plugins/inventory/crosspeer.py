# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: crosspeer
short_description: CrossPeer servers as an Ansible inventory
version_added: 0.1.0
description:
  - Reads every server of a CrossPeer account in one request (C(GET servers/info)) and makes each one a host.
  - Hosts are named after the server's name, or its UUID (O(hostname_source)).
  - Host variables are the server as the modules return it (for example C(uuid), C(name), C(status), C(cpu),
    C(mem), C(tags)), without the VNC password, prefixed with O(hostvars_prefix).
  - Every host joins the groups C(crosspeer_status_<status>) and C(crosspeer_tag_<tag>) (one per tag);
    characters other than letters, digits and C(_) in the status or tag become C(_).
  - The configuration file name must end with C(crosspeer.yml) or C(crosspeer.yaml).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.crosspeer
  - backupdr.cloud.api
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description:
      - The name of this plugin; it makes the file a CrossPeer inventory.
    type: str
    required: true
    choices: [backupdr.cloud.crosspeer]
  # The descriptions of the API options come from the doc fragments above; the
  # entries here only add the environment variables the modules also read.
  api_url:
    env:
      - name: CROSSPEER_API_URL
  api_user:
    env:
      - name: CROSSPEER_API_USER
  api_key:
    env:
      - name: CROSSPEER_API_KEY
  validate_certs:
    env:
      - name: BACKUPDR_VALIDATE_CERTS
  ca_path:
    env:
      - name: BACKUPDR_CA_PATH
  api_timeout:
    env:
      - name: BACKUPDR_API_TIMEOUT
  api_retries:
    env:
      - name: BACKUPDR_API_RETRIES
  api_retry_max_delay:
    env:
      - name: BACKUPDR_API_RETRY_MAX_DELAY
  hostname_source:
    description:
      - V(name) names each host after its server's name, V(uuid) after its server's UUID.
      - With V(name), servers without a name, and servers whose name another selected server also has,
        are named by their UUID instead (with a warning naming the duplicates).
    type: str
    choices: [name, uuid]
    default: name
  hostvars_prefix:
    description:
      - Prefix of the names of the host variables made from the server's keys (C(crosspeer_status), C(crosspeer_tags)...).
      - It does not apply to C(ansible_host) nor to the variables made by O(compose).
      - With an empty prefix, Ansible warns that the host variables C(name) and C(tags) use reserved names.
    type: str
    default: crosspeer_
  ansible_host_source:
    description:
      - Where C(ansible_host) comes from.
      - V(dhcp_ip) uses the address a running server got on its first network interface (C(nic:0:dhcp:ip)),
        else the static address configured for it (C(nic:0:dhcp)).
      - V(static_ip) uses only the configured static address (C(nic:0:dhcp)).
      - V(none) does not set C(ansible_host).
      - A server without such an address gets no C(ansible_host).
    type: str
    choices: [dhcp_ip, static_ip, none]
    default: dhcp_ip
  status:
    description:
      - Only servers in one of these states. By default every server is included.
    type: list
    elements: str
    choices: [active, stopped, paused, dumped, dead]
    default: []
  tags:
    description:
      - Only servers that carry at least one of these tags. By default every server is included.
    type: list
    elements: str
    default: []
  filters:
    description:
      - Jinja2 conditionals, without C({{ }}), evaluated with each host's variables (after O(hostvars_prefix),
        including C(ansible_host)); a server becomes a host only when every conditional is true.
      - With O(strict=false), a conditional that cannot be evaluated excludes the server; with O(strict=true) it is an error.
    type: list
    elements: str
    default: []
notes:
  - >-
    With O(cache=true), a run that finds a valid cache entry sends no request at all and leaves the cache
    untouched, so the entry expires O(cache_timeout) seconds after it was written. C(--flush-cache) or
    C(meta: refresh_inventory) reads the servers again and rewrites the entry.
  - The cache holds the servers' keys without the VNC password, and never O(api_key); the cache key depends
    on the configuration file, O(api_url) and O(api_user).
seealso:
  - module: backupdr.cloud.crosspeer_server_info
"""

EXAMPLES = r"""
# The smallest configuration, crosspeer.yml, is one line: every server, named
# after its name, credentials from CROSSPEER_API_USER and CROSSPEER_API_KEY:
#
#   plugin: backupdr.cloud.crosspeer
#
# prod.crosspeer.yml: running servers tagged prod or web, with prefixed variables,
# extra groups and a one hour cache
plugin: backupdr.cloud.crosspeer
api_user: 5f1c2b7e-8d4a-4c1e-9b3f-6a2d0e7c9b41
api_key: "{{ lookup('ansible.builtin.env', 'CROSSPEER_API_KEY') }}"
status: [active]
tags: [prod, web]
hostvars_prefix: crosspeer_
filters:
  - crosspeer_mem >= 1024
compose:
  ansible_user: "'admin'"
keyed_groups:
  - key: crosspeer_user_metadata.role | default('none')
    prefix: role
groups:
  big: crosspeer_cpu >= 4000
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 3600
"""

import hashlib
import re
from collections import Counter

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    SECRET_KEYS, CrossPeerClient, is_ipv4,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer_server import ServerType
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError

API_OPTIONS = ('api_url', 'api_user', 'api_key', 'validate_certs', 'ca_path', 'api_timeout',
               'api_retries', 'api_retry_max_delay')
#: Options that may hold a template (for example a lookup of a vaulted key).
TEMPLATED_OPTIONS = ('api_url', 'api_user', 'api_key', 'ca_path')
#: Host variable names that would carry a secret; never set, whatever the view does.
SECRET_VARS = frozenset(k.replace(':', '_') for k in SECRET_KEYS)
CACHE_FORMAT = 1
STATUS_GROUP = 'crosspeer_status_'
TAG_GROUP = 'crosspeer_tag_'


# -- pure helpers (unit tested) --------------------------------------------------------

def strip_secrets(flat):
    """A server's flat API dict without secret keys (what may be cached)."""
    return dict((k, v) for k, v in flat.items() if k not in SECRET_KEYS)


def group_name(prefix, value):
    """``prefix`` + ``value`` with every character but ASCII letters, digits and ``_`` made ``_``."""
    return prefix + re.sub(r'[^A-Za-z0-9_]', '_', str(value))


def server_tags(flat):
    return (flat.get('tags') or '').split()


def server_matches(flat, statuses=None, tags=None):
    """Status filter (one of) and tags filter (any of); empty filters let everything through."""
    if statuses and flat.get('status') not in statuses:
        return False
    if tags and not set(tags) & set(server_tags(flat)):
        return False
    return True


def choose_hostnames(servers, source='name'):
    """``(hostname, server)`` pairs and the sorted duplicate names that fell back to UUIDs.

    With ``source='name'`` a server is named after its name unless it has none
    or another of ``servers`` has the same one: then it is named by UUID.
    """
    if source == 'uuid':
        return [(s.get('server'), s) for s in servers], []
    counts = Counter(s.get('name') for s in servers if s.get('name'))
    pairs, duplicates = [], set()
    for server in servers:
        name = server.get('name')
        if name and counts[name] == 1:
            pairs.append((name, server))
            continue
        if name:
            duplicates.add(name)
        pairs.append((server.get('server'), server))
    return pairs, sorted(duplicates)


def host_address(flat, source='dhcp_ip'):
    """The ``ansible_host`` of a server, or None."""
    if source == 'none':
        return None
    static = flat.get('nic:0:dhcp')
    static = static if static and is_ipv4(static) else None  # 'auto' is not an address
    if source == 'static_ip':
        return static
    return flat.get('nic:0:dhcp:ip') or static


def prefixed(variables, prefix):
    if not prefix:
        return dict(variables)
    return dict((prefix + k, v) for k, v in variables.items())


def cache_account(api_url, api_user):
    """Non-secret suffix of the cache key: one entry per endpoint and user."""
    text = '%s|%s' % (api_url or '', (api_user or '').lower())
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]


_SERVER_TYPE = ServerType(None, {})


def server_view(flat):
    """Host variables of one server: the modules' view, without any secret."""
    view = _SERVER_TYPE.view(strip_secrets(flat))
    return dict((k, v) for k, v in view.items() if k not in SECRET_VARS)


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = 'backupdr.cloud.crosspeer'

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and \
            path.endswith(('crosspeer.yml', 'crosspeer.yaml'))

    # -- options --------------------------------------------------------------------------
    def _option(self, name):
        value = self.get_option(name)
        if name in TEMPLATED_OPTIONS and isinstance(value, str) and self.templar.is_template(value):
            value = self.templar.template(value)
        return value

    def _api_params(self):
        return dict((name, self._option(name)) for name in API_OPTIONS)

    # -- data -----------------------------------------------------------------------------
    def _fetch(self, params):
        """Every server, secrets removed (one request)."""
        try:
            client = CrossPeerClient(params)
            return [strip_secrets(s) for s in ServerType(client, {}).list()]
        except ValidationError as exc:
            raise AnsibleError('%s inventory: %s' % (self.NAME, to_native(exc)))
        except ApiError as exc:
            raise AnsibleError('%s inventory: %s' % (self.NAME, to_native(exc)))

    def _servers(self, path, cache):
        params = self._api_params()
        use_cache = self.get_option('cache')
        cache_key = '%s_%s' % (self.get_cache_key(path), cache_account(params['api_url'], params['api_user']))
        if use_cache and cache:
            try:
                cached = self._cache[cache_key]
            except KeyError:
                cached = None
            if isinstance(cached, dict) and cached.get('format') == CACHE_FORMAT \
                    and isinstance(cached.get('servers'), list):
                # A hit: no request, and the entry is left as it is (not rewritten,
                # so its age keeps counting towards cache_timeout).
                return cached['servers']
        servers = self._fetch(params)
        if use_cache:
            # Written by the inventory manager (update_cache_if_changed) after parse().
            self._cache[cache_key] = dict(format=CACHE_FORMAT, servers=servers)
        return servers

    # -- hosts ------------------------------------------------------------------------------
    def _passes_filters(self, flat, variables, strict):
        for conditional in self.get_option('filters'):
            try:
                if not boolean(self._compose(conditional, variables), strict=False):
                    return False
            except Exception as exc:  # pylint: disable=broad-except
                if strict:
                    raise AnsibleError('%s inventory: could not evaluate filter %r for server %s: %s' % (
                        self.NAME, conditional, flat.get('server'), to_native(exc)))
                return False
        return True

    def _select(self, servers, strict):
        """(flat, host variables) of the servers that pass every filter."""
        statuses = self.get_option('status')
        tags = self.get_option('tags')
        prefix = self.get_option('hostvars_prefix')
        source = self.get_option('ansible_host_source')
        selected = []
        for flat in servers:
            if not server_matches(flat, statuses, tags):
                continue
            variables = prefixed(server_view(flat), prefix)
            address = host_address(flat, source)
            if address:
                variables['ansible_host'] = address
            if self._passes_filters(flat, variables, strict):
                selected.append((flat, variables))
        return selected

    def _add(self, hostname, flat, variables, strict):
        self.inventory.add_host(hostname)
        for key, value in variables.items():
            # Data from the API is never a template (a tag or user:* value of
            # "{{ lookup('pipe', ...) }}" must not run on the controller).
            self.inventory.set_variable(hostname, key, wrap_var(value))
        groups = []
        if flat.get('status'):
            groups.append(group_name(STATUS_GROUP, flat['status']))
        groups.extend(group_name(TAG_GROUP, tag) for tag in server_tags(flat))
        for group in groups:
            self.inventory.add_child(self.inventory.add_group(group), hostname)
        self._set_composite_vars(self.get_option('compose'), variables, hostname, strict=strict)
        self._add_host_to_composed_groups(self.get_option('groups'), variables, hostname, strict=strict)
        self._add_host_to_keyed_groups(self.get_option('keyed_groups'), variables, hostname, strict=strict)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        strict = self.get_option('strict')
        selected = self._select(self._servers(path, cache), strict)
        pairs, duplicates = choose_hostnames([flat for flat, dummy in selected], self.get_option('hostname_source'))
        if duplicates:
            self.display.warning('%s inventory: several servers are named %s; those hosts are named by UUID instead'
                                 % (self.NAME, ', '.join(repr(n) for n in duplicates)))
        # choose_hostnames keeps the order of the servers it is given.
        for (hostname, flat), (dummy, variables) in zip(pairs, selected):
            self._add(hostname, flat, variables, strict)
