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
  - backupdr.cloud.crosspeer.inventory_auth
  - backupdr.cloud.api
  - backupdr.cloud.inventory
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

from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer import (
    SECRET_KEYS, CrossPeerClient, is_ipv4,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.crosspeer_server import ServerType
from ansible_collections.backupdr.cloud.plugins.plugin_utils.inventory import (
    ServiceInventory, cache_account, group_name,
)

#: Host variable names that would carry a secret; never set, whatever the view does.
SECRET_VARS = frozenset(k.replace(':', '_') for k in SECRET_KEYS)
STATUS_GROUP = 'crosspeer_status_'
TAG_GROUP = 'crosspeer_tag_'


# -- pure helpers (unit tested) --------------------------------------------------------

def strip_secrets(flat):
    """A server's flat API dict without secret keys (what may be cached)."""
    return dict((k, v) for k, v in flat.items() if k not in SECRET_KEYS)


def server_tags(flat):
    return (flat.get('tags') or '').split()


def server_matches(flat, statuses=None, tags=None):
    """Status filter (one of) and tags filter (any of); empty filters let everything through."""
    if statuses and flat.get('status') not in statuses:
        return False
    if tags and not set(tags) & set(server_tags(flat)):
        return False
    return True


def server_groups(flat):
    """The default groups of one host: its status and each of its tags."""
    groups = []
    if flat.get('status'):
        groups.append(group_name(STATUS_GROUP, flat['status']))
    groups.extend(group_name(TAG_GROUP, tag) for tag in server_tags(flat))
    return groups


def host_address(flat, source='dhcp_ip'):
    """The ``ansible_host`` of a server, or None."""
    if source == 'none':
        return None
    static = flat.get('nic:0:dhcp')
    static = static if static and is_ipv4(static) else None  # 'auto' is not an address
    if source == 'static_ip':
        return static
    return flat.get('nic:0:dhcp:ip') or static


_SERVER_TYPE = ServerType(None, {})


def server_view(flat):
    """Host variables of one server: the modules' view, without any secret."""
    view = _SERVER_TYPE.view(strip_secrets(flat))
    return dict((k, v) for k, v in view.items() if k not in SECRET_VARS)


class InventoryModule(ServiceInventory):
    """CrossPeer servers as hosts: the hooks of ServiceInventory (plugin_utils/inventory.py).

    The cache entry is ``{format: 1, servers: [flat API dicts without secrets]}``.
    """

    NAME = 'backupdr.cloud.crosspeer'
    CONFIG_SUFFIXES = ('crosspeer.yml', 'crosspeer.yaml')
    API_OPTIONS = ('api_url', 'api_user', 'api_key', 'validate_certs', 'ca_path', 'api_timeout',
                   'api_retries', 'api_retry_max_delay')
    TEMPLATED_OPTIONS = ('api_url', 'api_user', 'api_key', 'ca_path')
    ID_KEY = 'server'  # the UUID of a CrossPeer server

    def _request(self, params):
        return cache_account(params['api_url'], params['api_user']), ()

    def _fetch(self, params):
        """Every server, secrets removed (one request)."""
        return dict(servers=[strip_secrets(s) for s in ServerType(CrossPeerClient(params), {}).list()])

    def _matcher(self):
        statuses = self.get_option('status')
        tags = self.get_option('tags')
        return lambda flat: server_matches(flat, statuses, tags)

    _host_vars = staticmethod(server_view)
    _host_address = staticmethod(host_address)
    _groups = staticmethod(server_groups)
