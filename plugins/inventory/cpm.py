# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: cpm
short_description: Resources protected by N2WS Backup & Recovery (CPM) as an Ansible inventory
version_added: 0.1.0
description:
  - Reads the policies of a CPM server and their targets (instances, volumes, RDS databases and clusters, Redshift
    clusters, DynamoDB tables, EFS, S3 sync) and makes each protected resource a host, once however many policies
    protect it.
  - Hosts are named after the resource's name (an instance's Name tag, a volume's name, a table or bucket name), or
    its AWS id (O(hostname_source)); resources without a name (RDS, Redshift) and resources sharing a name are named
    by their AWS id.
  - Host variables, prefixed with O(hostvars_prefix), are C(kind), C(aws_id), C(name), C(region), C(account),
    C(account_id), C(account_number), C(policies) and C(policy_ids) (in the same order), C(target_ids) (the target's
    id in each of those policies), C(schedules), C(tagged) (a target CPM added by tag scanning), details of the
    resource as CPM shows it (C(state) or C(status), C(platform), C(aws_resource_type), C(image_id), C(engine)...),
    and, unless O(backups=false), the latest backup of its policies (C(last_backup_id), C(last_backup_policy_id),
    C(last_backup_status) readable, C(last_backup_status_code), C(last_backup_time), its start) and the latest
    successful one (C(last_successful_backup_id), C(last_successful_backup_time)), C(backup_age_hours) (since the
    latest successful backup started) and C(backup_health).
  - C(backup_health) is V(ok) (a successful backup within O(backup_max_age_hours)), else V(failed) (the latest backup
    failed or was partial), V(running) (one runs), V(stale) (the last success is older) or V(never).
  - Every host joins these groups, whose names are lower case with every character other than letters, digits and C(_)
    made C(_).
  - C(cpm_policy_<policy name>) for each policy protecting it, C(cpm_account_<account name>), C(cpm_region_<region>),
    C(cpm_kind_<kind>) (C(cpm_kind_instance), C(cpm_kind_volume)...), C(cpm_backup_<health>) (C(cpm_backup_ok),
    C(cpm_backup_stale)...) and C(cpm_tagged) when CPM added it by tag scanning.
  - The configuration file name must end with C(cpm.yml) or C(cpm.yaml).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.inventory
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description:
      - The name of this plugin; it makes the file a CPM inventory.
    type: str
    required: true
    choices: [backupdr.cloud.cpm]
  api_url:
    env:
      - name: CPM_API_URL
  api_key:
    env:
      - name: CPM_API_KEY
  api_version:
    env:
      - name: CPM_API_VERSION
  token_cache:
    env:
      - name: BACKUPDR_TOKEN_CACHE
  token_cache_dir:
    env:
      - name: BACKUPDR_TOKEN_CACHE_DIR
  api_settle_time:
    env:
      - name: BACKUPDR_API_SETTLE_TIME
  hostname_source:
    description:
      - V(name) names each host after its resource's name, V(aws_id) after its AWS id.
      - With V(name), resources without a name, and resources whose name another selected resource also has, are named
        by their AWS id instead (with a warning naming the duplicates); two resources of one AWS id (in two accounts)
        are named C(<account id>_<region>_<AWS id>).
    type: str
    choices: [name, aws_id]
    default: name
  hostvars_prefix:
    description:
      - Prefix of the names of the host variables made from the resource's keys (C(cpm_kind), C(cpm_policies)...).
      - It does not apply to C(ansible_host) nor to the variables made by O(compose).
    type: str
    default: cpm_
  ansible_host_source:
    description:
      - Where C(ansible_host) comes from. CPM does not know addresses.
      - V(none) does not set it; V(aws_id) sets it to the AWS id (for connection plugins that reach instances by id,
        such as AWS Systems Manager); V(name) to the resource's name (when names resolve in DNS).
    type: str
    choices: [none, aws_id, name]
    default: none
  kinds:
    description:
      - Only targets of these kinds become hosts. By default every kind.
    type: list
    elements: str
    choices: [instance, volume, rds_database, rds_cluster, redshift_cluster, dynamodb_table, efs, s3_sync]
    default: []
  policies:
    description:
      - Only the resources protected by one of these policies (names); their other policies are still listed.
    type: list
    elements: str
    default: []
  accounts:
    description:
      - Only the resources of these backup accounts (names).
    type: list
    elements: str
    default: []
  regions:
    description:
      - Only the resources in these AWS regions.
    type: list
    elements: str
    default: []
  backups:
    description:
      - Read each policy's latest backups (one or two requests per policy) for C(last_backup),
        C(last_successful_backup), C(backup_age_hours), C(backup_health) and the C(cpm_backup_*) groups.
    type: bool
    default: true
  backup_max_age_hours:
    description:
      - A resource is in C(cpm_backup_ok) when one of its policies had a successful backup within this many hours.
      - Computed at every run, also from a cached entry.
    type: float
    default: 24
  parallel_requests:
    description:
      - How many policies are read at once (targets and backups).
    type: int
    default: 8
notes:
  - >-
    Each run without a cache hit sends one token request (unless a valid token is in the token cache, see
    O(token_cache)), one request each for the backup accounts, the policies and the schedules, and per policy one for
    its targets and one (sometimes two) for its latest backups, eight policies at a time.
  - >-
    With O(cache=true), a run that finds a valid cache entry sends no request at all; C(backup_health) and
    C(backup_age_hours) are computed again from the cached backup times at every run.
  - >-
    The inventory cache holds the resources only, never O(api_key) nor a token; its key depends on the configuration
    file, O(api_url), a digest of O(api_key), O(api_version), O(kinds), O(policies), O(accounts) and O(backups).
seealso:
  - module: backupdr.cloud.cpm_policy_info
  - module: backupdr.cloud.cpm_policy_targets
  - module: backupdr.cloud.cpm_backup
"""

EXAMPLES = r"""
# protected.cpm.yml: every protected resource; URL and key from CPM_API_URL and CPM_API_KEY
plugin: backupdr.cloud.cpm

# instances.cpm.yml: the instances of two policies, reached through AWS Systems Manager,
# grouped by platform, with a one hour cache:
#
#   plugin: backupdr.cloud.cpm
#   api_url: https://cpm.example.com/api/
#   api_key: "{{ lookup('ansible.builtin.env', 'CPM_API_KEY') }}"
#   kinds: [instance]
#   policies: [web, db]
#   ansible_host_source: aws_id
#   backup_max_age_hours: 12
#   keyed_groups:
#     - key: cpm_platform
#       prefix: platform
#   groups:
#     needs_backup: cpm_backup_health != 'ok'
#   cache: true
#   cache_plugin: ansible.builtin.jsonfile
#   cache_connection: ~/.cache/ansible-inventory
#   cache_timeout: 3600
"""

import time

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import (
    CPMClient, as_id, base_url, parse_version,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.protected import flat_health, protected_resources
from ansible_collections.backupdr.cloud.plugins.module_utils.private import digest
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_number
from ansible_collections.backupdr.cloud.plugins.plugin_utils.inventory import (
    ServiceInventory, cache_account, group_name,
)

KIND_NAMES = ('instance', 'volume', 'rds_database', 'rds_cluster', 'redshift_cluster', 'dynamodb_table', 'efs',
              's3_sync')


# -- pure helpers (unit tested) --------------------------------------------------------

def host_view(resource, max_age_hours, now=None):
    """A resource as host variables: backup health and age computed now (also from a cached entry)."""
    view = dict(resource)
    if 'backup_health' in view:
        view['backup_health'], view['backup_age_hours'] = flat_health(view, max_age_hours, now)
    return view


def resource_groups(view):
    groups = []
    for policy in view.get('policies') or ():
        groups.append(group_name('cpm_policy_', policy, lower=True))
    if view.get('account'):
        groups.append(group_name('cpm_account_', view['account'], lower=True))
    if view.get('region'):
        groups.append(group_name('cpm_region_', view['region'], lower=True))
    if view.get('kind'):
        groups.append(group_name('cpm_kind_', view['kind'], lower=True))
    if view.get('backup_health'):
        groups.append(group_name('cpm_backup_', view['backup_health'], lower=True))
    if view.get('tagged'):
        groups.append('cpm_tagged')
    return groups


def host_entries(views, source='name'):
    """``{'name': hostname candidate, 'host_id': unique fallback, 'view': view}`` for ServiceInventory."""
    counts = {}
    for view in views:
        counts[view.get('aws_id')] = counts.get(view.get('aws_id'), 0) + 1
    out = []
    for view in views:
        aws_id = view.get('aws_id')
        host_id = aws_id if counts.get(aws_id) == 1 else '%s_%s_%s' % (view.get('account_id'), view.get('region'),
                                                                       aws_id)
        name = view.get('name') if source == 'name' else host_id
        out.append({'name': name or None, 'host_id': host_id, 'view': view})
    return out


def host_address(entry, source='none'):
    view = entry['view']
    if source == 'aws_id':
        return view.get('aws_id')
    if source == 'name':
        return view.get('name')
    return None


class InventoryModule(ServiceInventory):
    """CPM protected resources as hosts: the hooks of ServiceInventory (plugin_utils/inventory.py).

    The cache entry is ``{format: 1, resources: [resources]}`` (module_utils/cpm/protected.py).
    """

    NAME = 'backupdr.cloud.cpm'
    CONFIG_SUFFIXES = ('cpm.yml', 'cpm.yaml')
    API_OPTIONS = ('api_url', 'api_key', 'api_version', 'token_cache', 'token_cache_dir', 'validate_certs', 'ca_path',
                   'api_timeout', 'api_retries', 'api_retry_max_delay', 'api_settle_time')
    TEMPLATED_OPTIONS = ('api_url', 'api_key', 'api_version', 'token_cache_dir', 'ca_path')
    CACHE_LISTS = ('resources',)
    ID_KEY = 'host_id'

    def _request(self, params):
        url = base_url(params.get('api_url'))
        if not params.get('api_key'):
            raise ValidationError('api_key', 'is required (or set CPM_API_KEY)')
        version = parse_version(params.get('api_version'))
        kinds = sorted(self.get_option('kinds') or [])
        policies = sorted(self.get_option('policies') or [])
        accounts = sorted(self.get_option('accounts') or [])
        backups = bool(self.get_option('backups'))
        workers = check_number(self.get_option('parallel_requests'), 'parallel_requests', minimum=1, maximum=64,
                               integer=True)
        check_number(self.get_option('backup_max_age_hours'), 'backup_max_age_hours', minimum=0)
        account = cache_account(url, digest('cpm-inventory', params['api_key']), version, ','.join(kinds),
                                ','.join(policies), ','.join(accounts), str(backups))
        return account, (kinds, policies, accounts, backups, workers)

    def _fetch(self, params, kinds, policies, accounts, backups, workers):
        client = CPMClient(params)
        all_accounts = dict((as_id(a['id']), a) for a in client.list('accounts/backup/', feature='accounts'))
        selected = client.list('policies/', feature='policies')
        if accounts:
            ids = set(i for i, a in all_accounts.items() if a.get('name') in accounts)
            selected = [p for p in selected if as_id(p.get('account')) in ids]
        if policies:
            selected = [p for p in selected if p.get('name') in policies]
        resources = protected_resources(client, policies=selected, accounts=all_accounts, kinds=kinds or None,
                                        backups=backups, workers=workers)
        warning = client.cache_warning()
        if warning:
            self.display.warning('%s inventory: %s' % (self.NAME, warning))
        return dict(resources=resources)

    def _hosts(self, data):
        now = time.time()
        max_age = self.get_option('backup_max_age_hours')
        views = [host_view(r, max_age, now) for r in data['resources']]
        return host_entries(views, self.get_option('hostname_source'))

    def _matcher(self):
        regions = set(self.get_option('regions') or [])
        return lambda entry: not regions or entry['view'].get('region') in regions

    def _host_vars(self, server):
        return server['view']

    def _host_address(self, server, source):
        return host_address(server, source)

    def _groups(self, server):
        return resource_groups(server['view'])
