# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: acronis_dr
short_description: Acronis Cyber Cloud Disaster Recovery cloud servers as an Ansible inventory
version_added: 0.1.0
description:
  - Reads the cloud servers (primary and recovery servers) and the disaster recovery sites of an Acronis Cyber Cloud
    Disaster Recovery tenant through the DR API v2 (C(GET /servers) and C(GET /sites), following the cursors
    through every page of 50) and makes each server a host.
  - Hosts are named after the server's name, or its UUID (O(hostname_source)).
  - Host variables, prefixed with O(hostvars_prefix), are the server as M(backupdr.cloud.acronis_dr_server_info)
    returns it (for example C(uuid), C(name), C(type), C(status), C(public_ip), C(site_uuid), C(vm), C(recovery),
    C(links), C(issues) and C(failover)), without the raw C(_issues) list, plus C(site), a summary of the server's
    site (C(uuid), C(failover_readiness), C(status), C(default), C(issues)), or V(null) when the site is not listed.
  - C(ansible_host) is the server's C(public_ip) when it has one (O(ansible_host_source)).
  - Every host joins these groups, whose names are lower case with every character other than letters, digits
    and C(_) made C(_).
  - C(acronis_dr_type_<type>), such as C(acronis_dr_type_primary) and C(acronis_dr_type_recovery).
  - C(acronis_dr_status_<status>), such as C(acronis_dr_status_stand_by), C(acronis_dr_status_test_failover),
    C(acronis_dr_status_failover), C(acronis_dr_status_powering_on) and C(acronis_dr_status_powering_off).
  - C(acronis_dr_site_<site UUID>), such as C(acronis_dr_site_40ca099f_c116_4f6c_9730_42a0bff138a2).
  - C(acronis_dr_readiness_<failover readiness of the site>), that is C(acronis_dr_readiness_ok),
    C(acronis_dr_readiness_warning) or C(acronis_dr_readiness_error); a server whose site is not listed
    (deleted, for example) joins no readiness group.
  - The configuration file name must end with C(acronis_dr.yml) or C(acronis_dr.yaml).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.acronis_dr.inventory_auth
  - backupdr.cloud.api
  - backupdr.cloud.inventory
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description:
      - The name of this plugin; it makes the file an Acronis DR inventory.
    type: str
    required: true
    choices: [backupdr.cloud.acronis_dr]
  # The descriptions of the API options come from the doc fragments above; the
  # entries here only add the environment variables the modules also read.
  datacenter_url:
    env:
      - name: ACRONIS_DATACENTER_URL
  client_id:
    env:
      - name: ACRONIS_CLIENT_ID
  client_secret:
    env:
      - name: ACRONIS_CLIENT_SECRET
  access_token:
    env:
      - name: ACRONIS_ACCESS_TOKEN
  token_cache:
    env:
      - name: BACKUPDR_TOKEN_CACHE
  token_cache_dir:
    env:
      - name: BACKUPDR_TOKEN_CACHE_DIR
  hostvars_prefix:
    description:
      - Prefix of the names of the host variables made from the server's keys (C(acronis_dr_status),
        C(acronis_dr_site)...).
      - It does not apply to C(ansible_host) nor to the variables made by O(compose).
      - With an empty prefix, Ansible warns that the host variable C(name) uses a reserved name.
    type: str
    default: acronis_dr_
  ansible_host_source:
    description:
      - Where C(ansible_host) comes from.
      - V(public_ip) uses the server's public IP address; a server without one gets no C(ansible_host).
      - V(none) does not set C(ansible_host).
    type: str
    choices: [public_ip, none]
    default: public_ip
  type:
    description:
      - Only servers of this type. The API filters them, so fewer pages are read.
    type: str
    choices: [PRIMARY, RECOVERY]
  resource_id:
    description:
      - Only the recovery servers of these original devices (their C(recovery.resource_id), letters, digits and
        dashes, case does not matter). The API filters them.
      - Primary servers have no resource ID, so none is included when this is set.
    type: list
    elements: str
    default: []
  status:
    description:
      - Only servers in one of these statuses, such as V(STAND_BY), V(TEST_FAILOVER), V(FAILOVER), V(POWERING_ON)
        or V(POWERING_OFF) (case does not matter). By default every server is included.
    type: list
    elements: str
    default: []
  site_uuid:
    description:
      - Only servers on one of these disaster recovery sites (case does not matter). By default every server is included.
    type: list
    elements: str
    default: []
  failover_readiness:
    description:
      - Only servers whose site's failover readiness is one of these. By default every server is included,
        including those whose site is not listed.
    type: list
    elements: str
    choices: [OK, WARNING, ERROR]
    default: []
notes:
  - >-
    Each run without a cache hit sends one token request (unless a valid token is in the token cache, see
    O(token_cache)), one C(GET /sites) and one C(GET /servers) per 50 servers.
  - >-
    With O(cache=true), a run that finds a valid cache entry sends no request at all (not even for a token) and
    leaves the cache untouched, so the entry expires O(cache_timeout) seconds after it was written.
    C(--flush-cache) or C(meta: refresh_inventory) reads the servers again and rewrites the entry.
  - >-
    The inventory cache holds the servers and site summaries only, never O(client_secret) nor a token; its key
    depends on the configuration file, O(datacenter_url), O(client_id), O(type) and O(resource_id).
    The token cache (O(token_cache)) is a different, private cache shared with the modules, so an inventory run
    and the tasks of the play that follows use one token.
  - Any of the scopes C(dr_service::admin), C(dr::support_operator) or C(protection::readonly) may read the inventory.
seealso:
  - module: backupdr.cloud.acronis_dr_server_info
  - module: backupdr.cloud.acronis_dr_site_info
  - module: backupdr.cloud.acronis_dr_failover
"""

EXAMPLES = r"""
# The smallest configuration, acronis_dr.yml, is one line: every cloud server, named
# after its name; data center and API client from ACRONIS_DATACENTER_URL,
# ACRONIS_CLIENT_ID and ACRONIS_CLIENT_SECRET:
#
#   plugin: backupdr.cloud.acronis_dr
#
# recovery.acronis_dr.yml: recovery servers only, the secret from the environment
# (never in the file), extra groups and a one hour cache
plugin: backupdr.cloud.acronis_dr
datacenter_url: https://eu2-cloud.acronis.com
client_id: 3f6d2c1a-7b4e-4f0a-9c2d-1e5b8a7f6c01
client_secret: "{{ lookup('ansible.builtin.env', 'ACRONIS_CLIENT_SECRET') }}"
type: RECOVERY
failover_readiness: [OK, WARNING]
filters:
  - acronis_dr_vm.ram_mb >= 2048
compose:
  ansible_user: "'administrator'"
keyed_groups:
  - key: acronis_dr_vm.os
    prefix: os
  - key: acronis_dr_failover | default('busy', true)
    prefix: failover
groups:
  ready_for_test: "'DR_CLOUD_SERVER_START_FAILOVER_TEST' in acronis_dr_links and acronis_dr_issues | length == 0"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 3600
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.acronis_dr import (
    AcronisDRClient, base_url, check_auth, check_resource_ids, check_status_filter, server_view, site_view,
)
from ansible_collections.backupdr.cloud.plugins.plugin_utils.inventory import (
    ServiceInventory, cache_account, group_name,
)

TYPE_GROUP = 'acronis_dr_type_'
STATUS_GROUP = 'acronis_dr_status_'
SITE_GROUP = 'acronis_dr_site_'
READINESS_GROUP = 'acronis_dr_readiness_'
#: Server keys left out of the host variables (``issues`` has them as ``CODE: message`` lines).
DROPPED_KEYS = frozenset(('_issues', '_links'))
#: Keys of a site kept in the cache and in the ``site`` host variable.
SITE_KEYS = ('uuid', 'failover_readiness', 'status', 'default', 'issues')


# -- pure helpers (unit tested) --------------------------------------------------------

def server_groups(view):
    """The default groups of one host (``view`` has ``type``, ``status``, ``site_uuid`` and ``site``);
    their names are lower case."""
    groups = []
    if view.get('type'):
        groups.append(group_name(TYPE_GROUP, view['type'], lower=True))
    if view.get('status'):
        groups.append(group_name(STATUS_GROUP, view['status'], lower=True))
    if view.get('site_uuid'):
        groups.append(group_name(SITE_GROUP, view['site_uuid'], lower=True))
    readiness = (view.get('site') or {}).get('failover_readiness')
    if readiness:
        groups.append(group_name(READINESS_GROUP, readiness, lower=True))
    return groups


def site_summary(site):
    """What the cache and the ``site`` host variable keep of a site."""
    view = site_view(site)
    return dict((key, view.get(key)) for key in SITE_KEYS)


def host_view(server):
    """A server as the cache keeps it: the modules' view without the raw ``_issues``."""
    return dict((k, v) for k, v in server_view(server).items() if k not in DROPPED_KEYS)


def with_sites(views, sites):
    """Each view with ``site`` set to its site's summary (or None); ``sites`` is a list of summaries."""
    by_uuid = dict((str(s.get('uuid') or '').lower(), s) for s in sites)
    return [dict(view, site=by_uuid.get(str(view.get('site_uuid') or '').lower())) for view in views]


def upper_set(values):
    return set(str(v).upper() for v in values or ())


def server_matches(view, statuses=None, site_uuids=None, readiness=None):
    """Status (one of), site (one of) and site readiness (one of) filters; empty filters let everything through."""
    if statuses and str(view.get('status') or '').upper() not in upper_set(statuses):
        return False
    if site_uuids and str(view.get('site_uuid') or '').upper() not in upper_set(site_uuids):
        return False
    if readiness and str((view.get('site') or {}).get('failover_readiness') or '').upper() not in upper_set(readiness):
        return False
    return True


def host_address(view, source='public_ip'):
    """The ``ansible_host`` of a server, or None."""
    if source == 'none':
        return None
    return view.get('public_ip') or None


def resource_key(resource_ids):
    """The ``resource_id`` filter as a part of the cache key (case and order do not matter)."""
    return ','.join(sorted(r.lower() for r in resource_ids or ()))


class InventoryModule(ServiceInventory):
    """Acronis DR cloud servers as hosts: the hooks of ServiceInventory (plugin_utils/inventory.py).

    The cache entry is ``{format: 1, sites: [site summaries], servers: [host views]}``.
    """

    NAME = 'backupdr.cloud.acronis_dr'
    CONFIG_SUFFIXES = ('acronis_dr.yml', 'acronis_dr.yaml')
    API_OPTIONS = ('datacenter_url', 'client_id', 'client_secret', 'access_token', 'token_cache', 'token_cache_dir',
                   'validate_certs', 'ca_path', 'api_timeout', 'api_retries', 'api_retry_max_delay')
    TEMPLATED_OPTIONS = ('datacenter_url', 'client_id', 'client_secret', 'access_token', 'token_cache_dir', 'ca_path')
    CACHE_LISTS = ('servers', 'sites')

    def _request(self, params):
        """One cache entry per data center, API client and API-side filter (type, resource_id).

        A configuration with ``access_token`` has no client id; the token itself is
        never part of the key.
        """
        check_auth(params, given_in='the inventory source')
        server_type = self.get_option('type')
        resource_ids = check_resource_ids(self.get_option('resource_id'))
        client_id = None if params.get('access_token') else params.get('client_id')
        account = cache_account(base_url(params['datacenter_url']), client_id, server_type, resource_key(resource_ids))
        return account, (server_type, resource_ids)

    def _fetch(self, params, server_type, resource_ids):
        """Site summaries and server views (1 + ceil(servers / 50) requests, plus a token request if needed)."""
        client = AcronisDRClient(params)
        sites = [site_summary(s) for s in client.list_sites()]
        servers = [host_view(s) for s in client.list_servers(server_type, resource_ids)]
        warning = client.cache_warning()
        if warning:
            self.display.warning('%s inventory: %s' % (self.NAME, warning))
        return dict(sites=sites, servers=servers)

    def _hosts(self, data):
        return with_sites(data['servers'], data['sites'])

    def _matcher(self):
        statuses = check_status_filter(self.get_option('status'), warn=self.display.warning)
        site_uuids = self.get_option('site_uuid')
        readiness = self.get_option('failover_readiness')
        return lambda view: server_matches(view, statuses, site_uuids, readiness)

    _host_address = staticmethod(host_address)
    _groups = staticmethod(server_groups)
