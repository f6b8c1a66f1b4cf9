# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: cloudendure
short_description: CloudEndure machines and their replicas as an Ansible inventory
version_added: 0.1.0
description:
  - Reads the machines (CloudResources) of a CloudEndure account's Primary Location (the replicated sources) and of
    its Secondary Location (where the replicas are) and makes each a host. One login, one C(getUserDetails) and one
    C(listMachines) per location, for the whole inventory.
  - Hosts are named after the machine's name (its C(Name) tag), or its id (O(hostname_source)). A replica (a machine
    CloudEndure created, whose C(originalId) is set) is named after its name followed by O(replica_suffix), so a
    source and its replica, which share a name, are two hosts.
  - Host variables, prefixed with O(hostvars_prefix), are the machine's keys as the API returns them (for example
    C(id), C(name), C(replicationState), C(cloudState), C(type), C(originalId), C(CloudEndurePointInTime),
    C(persistentPublicIps)), plus C(location), C(role) (V(primary) or V(secondary)), C(is_replica), C(progress)
    (percent of the initial copy), C(source_host) (for a replica, the host name of its source) and C(replica_hosts)
    (for a source, the host names of its replicas); host names are decided before O(filters) and the other filters
    apply, so these may name hosts the filters leave out.
  - C(ansible_host) is the machine's first public IP (C(persistentPublicIps)) when it has one
    (O(ansible_host_source)); the API gives no private address.
  - 'Every host joins these groups (names lower case, every character other than letters, digits and C(_) made
    C(_)): C(cloudendure_primary) or C(cloudendure_secondary); C(cloudendure_replicas) (machines CloudEndure
    created) or C(cloudendure_sources); C(cloudendure_replication_<state>), such as
    C(cloudendure_replication_replicated) and C(cloudendure_replication_not_replicated);
    C(cloudendure_type_<type>), such as C(cloudendure_type_ec2), C(cloudendure_type_rds) and
    C(cloudendure_type_machine); C(cloudendure_location_<location>), such as
    C(cloudendure_location_aws_us_east__n__virginia_).'
  - The configuration file name must end with C(cloudendure.yml) or C(cloudendure.yaml).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.api
  - backupdr.cloud.inventory
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description:
      - The name of this plugin; it makes the file a CloudEndure inventory.
    type: str
    required: true
    choices: [backupdr.cloud.cloudendure]
  api_url:
    env:
      - name: CLOUDENDURE_API_URL
  username:
    env:
      - name: CLOUDENDURE_USERNAME
  password:
    env:
      - name: CLOUDENDURE_PASSWORD
  double_encoding:
    env:
      - name: CLOUDENDURE_DOUBLE_ENCODING
  session_cache:
    env:
      - name: BACKUPDR_TOKEN_CACHE
  session_cache_dir:
    env:
      - name: BACKUPDR_TOKEN_CACHE_DIR
  locations:
    description:
      - Which locations' machines become hosts.
    type: list
    elements: str
    choices: [primary, secondary]
    default: [primary, secondary]
  hostname_source:
    description:
      - V(name) names each host after its machine's name (replicas with O(replica_suffix) added), V(id) after its
        machine's id.
      - With V(name), machines without a name, and machines whose host name another selected machine would also
        get, are named by their id instead (with a warning naming the duplicates).
    type: str
    choices: [name, id]
    default: name
  replica_suffix:
    description:
      - Added to the name of a replica to make its host name (O(hostname_source=name)).
    type: str
    default: _replica
  hostvars_prefix:
    description:
      - Prefix of the names of the host variables made from the machine's keys (C(cloudendure_replicationState),
        C(cloudendure_role)...).
      - It does not apply to C(ansible_host) nor to the variables made by O(compose).
    type: str
    default: cloudendure_
  ansible_host_source:
    description:
      - Where C(ansible_host) comes from.
      - V(public_ip) uses the machine's first public IP; a machine without one gets no C(ansible_host).
      - V(none) does not set C(ansible_host).
    type: str
    choices: [public_ip, none]
    default: public_ip
  replication_state:
    description:
      - Only machines in one of these replication states. By default every machine is included.
    type: list
    elements: str
    choices: [Not Replicated, Replicating, Replicated, Stopping Replication]
    default: []
  type:
    description:
      - Only machines of these types. By default every machine is included.
    type: list
    elements: str
    choices: [ec2, rds, machine]
    default: []
notes:
  - >-
    Each run without a cache hit sends one login (unless a valid session is in the session cache, see
    O(session_cache)), one C(getUserDetails) and one C(listMachines) per location.
  - >-
    With O(cache=true), a run that finds a valid cache entry sends no request at all (not even a login) and leaves the
    cache untouched, so the entry expires O(cache_timeout) seconds after it was written.
  - >-
    The inventory cache holds the machines only, never O(password) nor the session cookie; its key depends on the
    configuration file, O(api_url), O(username) and O(locations). The session cache (O(session_cache)) is a
    different, private cache shared with the modules, so an inventory run and the tasks of the play that follows
    use one session.
  - >-
    An account whose settings were never set (the API's C(Details Not Set)) has no locations: the inventory is empty,
    with a warning.
seealso:
  - module: backupdr.cloud.cloudendure_machine_info
  - module: backupdr.cloud.cloudendure_clone
"""

EXAMPLES = r"""
# The smallest configuration, cloudendure.yml, is one line: every machine of both locations;
# credentials from CLOUDENDURE_USERNAME and CLOUDENDURE_PASSWORD:
#
#   plugin: backupdr.cloud.cloudendure
#
# replicas.cloudendure.yml: the replicas only, a vaulted password, extra groups and a cache
plugin: backupdr.cloud.cloudendure
username: dr-admin@example.com
password: "{{ lookup('ansible.builtin.env', 'CLOUDENDURE_PASSWORD') }}"
locations: [secondary]
filters:
  - cloudendure_is_replica
compose:
  ansible_user: "'ec2-user'"
keyed_groups:
  - key: cloudendure_CloudEndurePointInTime
    prefix: point_in_time
groups:
  booted: cloudendure_cloudState == 'Running'
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: ~/.cache/ansible-inventory
cache_timeout: 600
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    CONNECTION_OPTIONS, CloudEndureClient, check_api_url, check_credentials, machine_view,
)
from ansible_collections.backupdr.cloud.plugins.plugin_utils.inventory import (
    ServiceInventory, cache_account, group_name,
)

PREFIX = 'cloudendure_'


# -- pure helpers (unit tested) --------------------------------------------------------

def machine_groups(view):
    """The default groups of one host (``view`` is a machine view with ``role`` and ``location``)."""
    groups = []
    if view.get('role'):
        groups.append(PREFIX + view['role'])
    groups.append(PREFIX + ('replicas' if view.get('is_replica') else 'sources'))
    if view.get('replicationState'):
        groups.append(group_name(PREFIX + 'replication_', view['replicationState'], lower=True))
    if view.get('type'):
        groups.append(group_name(PREFIX + 'type_', view['type'], lower=True))
    if view.get('location'):
        groups.append(group_name(PREFIX + 'location_', view['location'], lower=True))
    return groups


def host_address(view, source='public_ip'):
    """The first public IP of a machine, or None."""
    if source == 'none':
        return None
    ips = view.get('persistentPublicIps')
    if isinstance(ips, list) and ips:
        return ips[0]
    return None


def host_label(view, suffix):
    """The name a host would get from its machine's name (``None`` without a name)."""
    name = view.get('name')
    if not name:
        return None
    return name + suffix if view.get('is_replica') else name


def name_hosts(views, source='name', suffix='_replica'):
    """``(hostname, view)`` pairs (in order) and the sorted duplicate names that fell back to ids."""
    if source == 'id':
        return [(v.get('id'), v) for v in views], []
    labels = [host_label(v, suffix) for v in views]
    counts = {}
    for label in labels:
        if label:
            counts[label] = counts.get(label, 0) + 1
    pairs, duplicates = [], set()
    for label, view in zip(labels, views):
        if label and counts[label] == 1:
            pairs.append((label, view))
            continue
        if label:
            duplicates.add(label)
        pairs.append((view.get('id'), view))
    return pairs, sorted(duplicates)


def link(pairs):
    """Set ``source_host`` on replicas and ``replica_hosts`` on sources (host names, among ``pairs``)."""
    by_id = dict((view.get('id'), host) for host, view in pairs if not view.get('is_replica'))
    replicas = {}
    for host, view in pairs:
        if view.get('is_replica'):
            view['source_host'] = by_id.get(view.get('originalId'))
            replicas.setdefault(view.get('originalId'), []).append(host)
        else:
            view['source_host'] = None
    for host, view in pairs:
        if not view.get('is_replica'):
            view['replica_hosts'] = sorted(replicas.get(view.get('id'), []))
        else:
            view['replica_hosts'] = []
    return pairs


def machine_matches(view, states=None, types=None):
    if states and view.get('replicationState') not in states:
        return False
    if types and view.get('type') not in types:
        return False
    return True


class InventoryModule(ServiceInventory):
    """CloudEndure machines as hosts: the hooks of ServiceInventory (plugin_utils/inventory.py).

    The cache entry is ``{format: 1, machines: [machine views]}``.
    """

    NAME = 'backupdr.cloud.cloudendure'
    CONFIG_SUFFIXES = ('cloudendure.yml', 'cloudendure.yaml')
    API_OPTIONS = CONNECTION_OPTIONS
    TEMPLATED_OPTIONS = ('api_url', 'username', 'password', 'session_cache_dir', 'ca_path')
    CACHE_LISTS = ('machines',)
    ID_KEY = 'id'

    def _request(self, params):
        username, dummy = check_credentials(params)
        locations = sorted(set(self.get_option('locations') or ()))
        account = cache_account(check_api_url(params.get('api_url')), username, ','.join(locations))
        return account, (locations,)

    def _fetch(self, params, locations):
        client = CloudEndureClient(params, warn=self.display.warning)
        try:
            details = client.details()
            if details is None:
                self.display.warning('%s inventory: the account settings of %s were never set (Details Not Set); no '
                                     'machines' % (self.NAME, client.username))
                return dict(machines=[])
            machines = []
            for role, key in (('primary', 'originalLocation'), ('secondary', 'mirrorLocation')):
                if role not in locations:
                    continue
                location = details.get(key)
                for machine in client.machines(location):
                    machines.append(machine_view(machine, location, role))
            warning = client.cache_warning()
            if warning:
                self.display.warning('%s inventory: %s' % (self.NAME, warning))
            return dict(machines=machines)
        finally:
            client.close()

    def _hosts(self, data):
        return data['machines']

    def _matcher(self):
        states = self.get_option('replication_state')
        types = self.get_option('type')
        return lambda view: machine_matches(view, states, types)

    _host_address = staticmethod(host_address)
    _groups = staticmethod(machine_groups)

    def parse(self, inventory, loader, path, cache=True):
        # ServiceInventory.parse, with replica host names and the source/replica links.
        super(ServiceInventory, self).parse(inventory, loader, path, cache)  # pylint: disable=bad-super-call
        self._read_config_data(path)
        strict = self.get_option('strict')
        views = [dict(view) for view in self._hosts(self._data(path, cache))]
        # Host names and links are decided on every machine read, so that a host keeps its name (and a replica
        # the name of its source) whatever the filters select.
        pairs, duplicates = name_hosts(views, self.get_option('hostname_source'), self.get_option('replica_suffix'))
        link(pairs)
        names = dict((id(view), hostname) for hostname, view in pairs)
        if duplicates:
            self.display.warning('%s inventory: several machines would be named %s; those hosts are named by id '
                                 'instead' % (self.NAME, ', '.join(repr(n) for n in duplicates)))
        for view, variables in self._select(views, strict):
            self._add(names[id(view)], view, variables, strict)
