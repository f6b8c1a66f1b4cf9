# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: rax_backup
short_description: Rackspace Cloud Backup agents as an Ansible inventory, across regions
version_added: 0.1.0
description:
  - Reads the Cloud Backup agents of one or more regions (C(GET user/agents) at each region's endpoint) and makes
    each agent a host.
  - With O(detail=true) (the default) each agent is also read on its own (C(GET agent/{id}), O(detail_workers) at a
    time), because the agent list always says C(Offline); only then is C(status) known, and the online groups made.
  - With O(configurations=true) the backup configurations of each region are read too (C(GET backup-configuration),
    one request per region), and each host gets the list of its configurations with the state of their last backup.
  - Hosts are named after the agent's machine name; machines that share a name (and O(hostname_source=agent_id)) are
    named by their agent id.
  - Host variables, prefixed with O(hostvars_prefix), are the agent as M(backupdr.cloud.rax_backup_agent_info)
    returns it (C(agent_id), C(name), C(host_server_id), C(datacenter), C(backup_datacenter), C(ip_address), C(os),
    C(os_version), C(agent_version), C(enabled), C(encrypted), C(use_service_net), C(status),
    C(last_successful_backup), C(vault_size), C(vault_size_bytes)...), plus C(region) (the endpoint it was read from)
    and, with O(configurations=true), C(configurations).
  - C(ansible_host) is the agent's IP address (O(ansible_host_source)).
  - Every host joins these groups (names in lower case, every character other than letters, digits and C(_) made
    C(_)).
  - C(rax_backup_dc_<data center>), such as C(rax_backup_dc_dfw).
  - C(rax_backup_os_<operating system>), such as C(rax_backup_os_ubuntu) or C(rax_backup_os_windows_server_2012).
  - C(rax_backup_encrypted) or C(rax_backup_unencrypted); C(rax_backup_enabled) or C(rax_backup_disabled).
  - C(rax_backup_online) or C(rax_backup_offline), only when the status is known (O(detail=true)).
  - The configuration file name must end with C(rax_backup.yml) or C(rax_backup.yaml).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.rax_backup
  - backupdr.cloud.api
  - backupdr.cloud.inventory
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description:
      - The name of this plugin; it makes the file a Rackspace Cloud Backup inventory.
    type: str
    required: true
    choices: [backupdr.cloud.rax_backup]
  identity_url:
    env:
      - name: RAX_IDENTITY_URL
  username:
    env:
      - name: RAX_USERNAME
  api_key:
    env:
      - name: RAX_API_KEY
  password:
    env:
      - name: RAX_PASSWORD
  region:
    env:
      - name: RAX_REGION
  tenant_id:
    env:
      - name: RAX_TENANT_ID
  auth_token:
    env:
      - name: RAX_AUTH_TOKEN
  backup_url:
    env:
      - name: RAX_BACKUP_URL
  token_cache:
    env:
      - name: BACKUPDR_TOKEN_CACHE
  token_cache_dir:
    env:
      - name: BACKUPDR_TOKEN_CACHE_DIR
  regions:
    description:
      - The regions whose agents become hosts, such as V([DFW, ORD, IAD]) (case does not matter).
      - An agent belongs to the region of its server's data center (C(Datacenter)); an endpoint that also lists agents
        of other regions does not add them.
      - By default O(region), else the user's default region. Needs Rackspace Identity (O(username) with O(api_key) or
        O(password)); with O(auth_token), only the O(backup_url) endpoint is read.
    type: list
    elements: str
    default: []
  detail:
    description:
      - Read each agent on its own for its true C(status), C(host_server_id) and C(last_successful_backup) (one request
        per agent). Without it C(status) is V(null) and there are no online groups.
    type: bool
    default: true
  detail_workers:
    description:
      - How many agents are read at a time with O(detail=true), 1 to 32.
    type: int
    default: 10
  configurations:
    description:
      - Add C(configurations) to each host, the agent's backup configurations (C(config_id), C(name), C(enabled),
        C(frequency), C(last_run), C(last_backup_id), C(backup_state)), reading each region's configurations once.
    type: bool
    default: false
  hostname_source:
    description:
      - V(name) names each host after its agent's machine name, V(agent_id) after its agent id.
      - With V(name), agents whose machine has no name, and agents whose machine name another selected agent also has,
        are named by their agent id instead (with a warning naming the duplicates).
    choices: [name, agent_id]
  hostvars_prefix:
    description:
      - Prefix of the names of the host variables made from the agent's keys (C(rax_backup_status),
        C(rax_backup_datacenter)...).
      - It does not apply to C(ansible_host) nor to the variables made by O(compose).
      - With an empty prefix, Ansible warns that the host variable C(name) uses a reserved name.
    type: str
    default: rax_backup_
  ansible_host_source:
    description:
      - Where C(ansible_host) comes from. V(ip_address) uses the agent's C(IPAddress); V(none) sets no C(ansible_host).
    type: str
    choices: [ip_address, none]
    default: ip_address
notes:
  - >-
    Each run without a cache hit sends one token request (unless a valid token is in the token cache, see
    O(token_cache)), one C(GET user/agents) per region, with O(detail=true) one C(GET agent/{id}) per agent, and with
    O(configurations=true) one C(GET backup-configuration) per region.
  - >-
    With O(cache=true), a run that finds a valid cache entry sends no request at all (not even for a token) and
    leaves the cache untouched, so the entry expires O(cache_timeout) seconds after it was written.
    C(--flush-cache) or C(meta: refresh_inventory) reads the agents again and rewrites the entry.
  - >-
    The inventory cache holds the host views only, never O(api_key), O(password) nor a token; its key depends on the
    configuration file, O(identity_url) or O(backup_url), O(username), O(tenant_id), O(regions), O(detail) and
    O(configurations). The token cache (O(token_cache)) is shared with the modules, so an inventory run and the tasks of
    the play that follows use one token.
seealso:
  - module: backupdr.cloud.rax_backup_agent_info
  - module: backupdr.cloud.rax_backup_agent
"""

EXAMPLES = r"""
# The smallest configuration, rax_backup.yml, is one line: the agents of the user's default region,
# with credentials from RAX_USERNAME and RAX_API_KEY:
#
#   plugin: backupdr.cloud.rax_backup
#
# us.rax_backup.yml: three regions, configurations, extra groups and a one hour cache
plugin: backupdr.cloud.rax_backup
username: "{{ lookup('ansible.builtin.env', 'RAX_USERNAME') }}"
api_key: "{{ lookup('ansible.builtin.env', 'RAX_API_KEY') }}"
regions: [DFW, ORD, IAD]
configurations: true
filters:
  - rax_backup_enabled
keyed_groups:
  - key: rax_backup_backup_datacenter
    prefix: stored_in
groups:
  never_backed_up: rax_backup_last_successful_backup is none
  no_configuration: rax_backup_configurations | length == 0
compose:
  ansible_user: "'Administrator' if rax_backup_os is search('Windows') else 'root'"
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 3600
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ENV_SOURCES
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.agents import agent_view, read_details
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    RaxBackupClient, as_int, check_auth, check_region, check_tenant,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.configs import config_flat
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError
from ansible_collections.backupdr.cloud.plugins.plugin_utils.inventory import (
    ServiceInventory, cache_account, group_name,
)

PREFIX = 'rax_backup_'
#: Keys of a configuration kept in the ``configurations`` host variable.
CONFIG_KEYS = ('config_id', 'name', 'enabled', 'frequency', 'last_run', 'last_backup_id', 'backup_state')
MAX_WORKERS = 32


# -- pure helpers (unit tested) --------------------------------------------------------

def agent_groups(view):
    """The default groups of one host (lower case)."""
    groups = []
    if view.get('datacenter'):
        groups.append(group_name(PREFIX + 'dc_', view['datacenter'], lower=True))
    if view.get('os'):
        groups.append(group_name(PREFIX + 'os_', view['os'], lower=True))
    if view.get('encrypted') is not None:
        groups.append(PREFIX + ('encrypted' if view['encrypted'] else 'unencrypted'))
    if view.get('enabled') is not None:
        groups.append(PREFIX + ('enabled' if view['enabled'] else 'disabled'))
    status = str(view.get('status') or '').lower()
    if status in ('online', 'offline'):
        groups.append(PREFIX + status)
    return groups


def host_address(view, source='ip_address'):
    if source == 'none':
        return None
    return view.get('ip_address') or None


def config_summary(flat):
    return dict((key, flat.get(key)) for key in CONFIG_KEYS)


def merge_listings(listings, regions=None):
    """``[(region, [agents])]`` -> ``[(agent, region)]``: each agent once, with the region of its ``Datacenter``
    (else the first region that lists it); when ``regions`` is given, only agents whose ``Datacenter`` is one of
    them (or unknown)."""
    seen = set()
    out = []
    for region, agents in listings:
        for agent in agents:
            agent_id = as_int(agent.get('MachineAgentId'))
            if agent_id is None or agent_id in seen:
                continue
            datacenter = str(agent.get('Datacenter') or '').upper()
            if regions and datacenter and datacenter not in regions:
                continue
            seen.add(agent_id)
            out.append((agent, datacenter if regions and datacenter in regions else region))
    return out


def host_views(pairs, details, configs=None, detail=True):
    """The cached host views: the agent (A1 when read, else the listing's entry), its region, its configurations."""
    views = []
    for listed, region in pairs:
        agent_id = as_int(listed.get('MachineAgentId'))
        if detail and agent_id not in details:
            continue  # gone between the listing and the read
        view = agent_view(details[agent_id]) if detail else agent_view(listed, detailed=False)
        view['region'] = region
        if configs is not None:
            view['configurations'] = [config_summary(c) for c in configs.get(agent_id, [])]
        views.append(view)
    return views


class InventoryModule(ServiceInventory):
    """Cloud Backup agents as hosts: the hooks of ServiceInventory (plugin_utils/inventory.py).

    The cache entry is ``{format: 1, agents: [host views]}``.
    """

    NAME = 'backupdr.cloud.rax_backup'
    CONFIG_SUFFIXES = ('rax_backup.yml', 'rax_backup.yaml')
    API_OPTIONS = ('identity_url', 'username', 'api_key', 'password', 'region', 'tenant_id', 'auth_token', 'backup_url',
                   'token_cache', 'token_cache_dir', 'validate_certs', 'ca_path', 'api_timeout', 'api_retries',
                   'api_retry_max_delay')
    TEMPLATED_OPTIONS = ('identity_url', 'username', 'api_key', 'password', 'region', 'tenant_id', 'auth_token',
                         'backup_url', 'token_cache_dir', 'ca_path')
    CACHE_LISTS = ('agents',)
    ID_KEY = '_key'

    def _api_params(self):
        """The API options, with which of them came from environment variables (for check_auth's precedence)."""
        params = super(InventoryModule, self)._api_params()
        sources = {}
        for name in self.API_OPTIONS:
            try:
                dummy, origin = self.get_option_and_origin(name)
            except (KeyError, AttributeError, TypeError):
                continue
            if isinstance(origin, str) and origin.startswith('env: '):
                sources[name] = origin[len('env: '):]
        params[ENV_SOURCES] = sources
        return params

    def _request(self, params):
        """One cache entry per endpoint, user, tenant, regions and what is read (detail, configurations)."""
        mode = check_auth(params, given_in='the inventory source')
        regions = []
        for value in self.get_option('regions') or ():
            region = check_region(value, 'regions')
            if region not in regions:
                regions.append(region)
        if mode == 'token' and regions:
            raise ValidationError('regions', 'needs Rackspace Identity (username with api_key or password): with '
                                             'auth_token only backup_url is read')
        workers = self.get_option('detail_workers')
        if not 1 <= workers <= MAX_WORKERS:
            raise ValidationError('detail_workers', 'must be between 1 and %d, got %s' % (MAX_WORKERS, workers))
        detail = bool(self.get_option('detail'))
        configurations = bool(self.get_option('configurations'))
        where = params.get('backup_url') if mode == 'token' else params.get('identity_url')
        account = cache_account(where, params.get('username') if mode == 'identity' else None,
                                check_tenant(params.get('tenant_id')), ','.join(regions) or check_region(params.get('region')),
                                'detail' if detail else '', 'configurations' if configurations else '')
        return account, (regions, detail, configurations, workers)

    def _fetch(self, params, regions, detail, configurations, workers):
        """Host views: U1 per region, A1 per agent (with detail), C4 per region (with configurations)."""
        base = RaxBackupClient(params, pool_size=workers)
        if base.mode == 'token':
            clients = [(base.region or 'endpoint', base)]
            wanted = None
        else:
            base.endpoint  # pylint: disable=pointless-statement
            regions = regions or [base.region]
            clients = [(region, base if region == base.region else base.for_region(region)) for region in regions]
            wanted = set(regions)
        by_region = dict(clients)
        pairs = merge_listings([(region, client.list_agents()) for region, client in clients], wanted)
        details = {}
        if detail:
            def client_for(listed):
                datacenter = str(listed.get('Datacenter') or '').upper()
                return by_region.get(datacenter) or by_region[region_of[as_int(listed.get('MachineAgentId'))]]
            region_of = dict((as_int(agent.get('MachineAgentId')), region) for agent, region in pairs)
            details = read_details(base, [agent for agent, dummy in pairs], workers, client_for)
        configs = None
        if configurations:
            configs = {}
            seen = set()
            for dummy, client in clients:
                for config in client.list_configs():
                    flat = config_flat(config)
                    if flat['deleted'] or flat['config_id'] in seen:
                        continue
                    seen.add(flat['config_id'])
                    configs.setdefault(flat['agent_id'], []).append(flat)
        warning = base.cache_warning()
        if warning:
            self.display.warning('%s inventory: %s' % (self.NAME, warning))
        return dict(agents=host_views(pairs, details, configs, detail))

    def _hosts(self, data):
        by_id = self.get_option('hostname_source') == 'agent_id'
        out = []
        for view in data['agents']:
            key = str(view.get('agent_id'))
            out.append({'name': key if by_id else view.get('name'), '_key': key, '_view': view})
        return out

    def _host_vars(self, server):
        return server['_view']

    def _host_address(self, server, source):
        return host_address(server['_view'], source)

    def _groups(self, server):
        return agent_groups(server['_view'])
