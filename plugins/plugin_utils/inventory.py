# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the inventory plugins of this collection share (controller side only).

A service plugin subclasses :class:`ServiceInventory` and sets its class
attributes (``NAME``, ``CONFIG_SUFFIXES``, ``API_OPTIONS``, ``TEMPLATED_OPTIONS``,
``CACHE_LISTS``, ``ID_KEY``) and its hooks:

``_request(params)``
    validates the options and returns ``(cache account, fetch arguments)``;
``_fetch(params, *fetch arguments)``
    reads the service and returns the lists of the cache entry (secrets removed);
``_hosts(data)``
    the servers of a cache entry, as the other hooks take them;
``_matcher()``
    a test of one server against the plugin's own filter options;
``_host_vars(server)``, ``_host_address(server, source)`` and ``_groups(server)``
    the host variables (before the prefix), ``ansible_host`` and default groups of a server.

Every run reads the service once, or not at all on a cache hit; the servers that
pass the plugin's filters and the ``filters`` conditionals become hosts, named by
:func:`choose_hostnames`, with their variables marked unsafe, their default groups
and the constructed options (``compose``, ``groups``, ``keyed_groups``).

The options ``hostname_source``, ``hostvars_prefix``, ``ansible_host_source`` and
``filters`` are the service plugin's (documented there, with its own defaults).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import re
from collections import Counter

from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import ValidationError
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError


# -- pure helpers (unit tested) --------------------------------------------------------

def group_name(prefix, value, lower=False):
    """``prefix`` + ``value`` (lower-cased with ``lower``), with every character but ASCII letters,
    digits and ``_`` made ``_``."""
    text = str(value)
    if lower:
        text = text.lower()
    return prefix + re.sub(r'[^A-Za-z0-9_]', '_', text)


def choose_hostnames(servers, source='name', id_key='uuid'):
    """``(hostname, server)`` pairs and the sorted duplicate names that fell back to IDs.

    With ``source='name'`` a server is named after its ``name`` unless it has none
    or another of ``servers`` has the same one: then it is named by its ``id_key``
    (its UUID).  With ``source='uuid'`` every server is named by its ``id_key``.
    The pairs keep the order of ``servers``.
    """
    if source == 'uuid':
        return [(s.get(id_key), s) for s in servers], []
    counts = Counter(s.get('name') for s in servers if s.get('name'))
    pairs, duplicates = [], set()
    for server in servers:
        name = server.get('name')
        if name and counts[name] == 1:
            pairs.append((name, server))
            continue
        if name:
            duplicates.add(name)
        pairs.append((server.get(id_key), server))
    return pairs, sorted(duplicates)


def prefixed(variables, prefix):
    """``variables`` with ``prefix`` before every name (a copy)."""
    if not prefix:
        return dict(variables)
    return dict((prefix + k, v) for k, v in variables.items())


def cache_account(endpoint, account, *extra):
    """Non-secret suffix of the cache key: one entry per endpoint, account (case does not
    matter) and any ``extra`` part (such as an API-side filter; None counts as empty)."""
    text = '|'.join([endpoint or '', (account or '').lower()] + [part or '' for part in extra])
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:12]


# -- the plugin ---------------------------------------------------------------------------

class ServiceInventory(BaseInventoryPlugin, Constructable, Cacheable):
    """Base of the collection's inventory plugins (see the module documentation)."""

    NAME = None
    #: Endings of the configuration file names the plugin accepts.
    CONFIG_SUFFIXES = ()
    #: Options passed to the API client.
    API_OPTIONS = ()
    #: Options that may hold a template (for example a lookup of a vaulted secret).
    TEMPLATED_OPTIONS = ()
    CACHE_FORMAT = 1
    #: Keys of a cache entry, each a list; an entry without one of them is not used.
    CACHE_LISTS = ('servers',)
    #: Key of a server's ID (its UUID): hostnames with ``hostname_source: uuid``, error messages.
    ID_KEY = 'uuid'

    def verify_file(self, path):
        return super(ServiceInventory, self).verify_file(path) and path.endswith(self.CONFIG_SUFFIXES)

    # -- hooks ----------------------------------------------------------------------------
    def _request(self, params):
        """``(cache account, fetch arguments)``; raises ValidationError for invalid options."""
        raise NotImplementedError

    def _fetch(self, params, *args):
        """The lists of a cache entry (``CACHE_LISTS``), read from the service, without secrets."""
        raise NotImplementedError

    def _hosts(self, data):
        """The servers of a cache entry."""
        return data['servers']

    def _matcher(self):
        """A function telling whether a server passes the plugin's own filter options."""
        return lambda server: True

    def _host_vars(self, server):
        """The host variables of a server, before ``hostvars_prefix``."""
        return server

    def _host_address(self, server, source):
        """The ``ansible_host`` of a server from ``ansible_host_source``, or None."""
        raise NotImplementedError

    def _groups(self, server):
        """The names of the default groups of a server."""
        return []

    # -- options --------------------------------------------------------------------------
    def _option(self, name):
        value = self.get_option(name)
        if name in self.TEMPLATED_OPTIONS and isinstance(value, str) and self.templar.is_template(value):
            value = self.templar.template(value)
        return value

    def _api_params(self):
        return dict((name, self._option(name)) for name in self.API_OPTIONS)

    def _error(self, exc):
        return AnsibleError('%s inventory: %s' % (self.NAME, to_native(exc)))

    # -- data -----------------------------------------------------------------------------
    def _data(self, path, cache):
        """The cache entry: from the cache on a hit, else read from the service."""
        params = self._api_params()
        try:
            account, args = self._request(params)
        except ValidationError as exc:
            raise self._error(exc)
        use_cache = self.get_option('cache')
        cache_key = '%s_%s' % (self.get_cache_key(path), account)
        if use_cache and cache:
            try:
                cached = self._cache[cache_key]
            except KeyError:
                cached = None
            if isinstance(cached, dict) and cached.get('format') == self.CACHE_FORMAT \
                    and all(isinstance(cached.get(key), list) for key in self.CACHE_LISTS):
                # A hit: no request, and the entry is left as it is (not rewritten,
                # so its age keeps counting towards cache_timeout).
                return cached
        try:
            data = dict(format=self.CACHE_FORMAT)
            data.update(self._fetch(params, *args))
        except (ValidationError, ApiError) as exc:
            raise self._error(exc)
        if use_cache:
            # Written by the inventory manager (update_cache_if_changed) after parse().
            self._cache[cache_key] = data
        return data

    # -- hosts ------------------------------------------------------------------------------
    def _passes_filters(self, server, variables, strict):
        for conditional in self.get_option('filters'):
            try:
                if not boolean(self._compose(conditional, variables), strict=False):
                    return False
            except Exception as exc:  # pylint: disable=broad-except
                if strict:
                    raise AnsibleError('%s inventory: could not evaluate filter %r for server %s: %s' % (
                        self.NAME, conditional, server.get(self.ID_KEY), to_native(exc)))
                return False
        return True

    def _select(self, servers, strict):
        """(server, host variables) of the servers that pass every filter."""
        matches = self._matcher()
        prefix = self.get_option('hostvars_prefix')
        source = self.get_option('ansible_host_source')
        selected = []
        for server in servers:
            if not matches(server):
                continue
            variables = prefixed(self._host_vars(server), prefix)
            address = self._host_address(server, source)
            if address:
                variables['ansible_host'] = address
            # Data from the API is never a template: wrapped before compose, groups,
            # keyed_groups and filters see it (ansible-core 2.17 templates them with
            # these values), not only in the host variables.
            variables = wrap_var(variables)
            if self._passes_filters(server, variables, strict):
                selected.append((server, variables))
        return selected

    def _add(self, hostname, server, variables, strict):
        self.inventory.add_host(hostname)
        for key, value in variables.items():
            # Data from the API is never a template (a name, tag or description of
            # "{{ lookup('pipe', ...) }}" must not run on the controller).
            self.inventory.set_variable(hostname, key, wrap_var(value))
        for group in self._groups(server):
            self.inventory.add_child(self.inventory.add_group(group), hostname)
        self._set_composite_vars(self.get_option('compose'), variables, hostname, strict=strict)
        self._add_host_to_composed_groups(self.get_option('groups'), variables, hostname, strict=strict)
        self._add_host_to_keyed_groups(self.get_option('keyed_groups'), variables, hostname, strict=strict)

    def parse(self, inventory, loader, path, cache=True):
        super(ServiceInventory, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        strict = self.get_option('strict')
        selected = self._select(self._hosts(self._data(path, cache)), strict)
        pairs, duplicates = choose_hostnames([server for server, dummy in selected],
                                             self.get_option('hostname_source'), self.ID_KEY)
        if duplicates:
            self.display.warning('%s inventory: several servers are named %s; those hosts are named by UUID instead'
                                 % (self.NAME, ', '.join(repr(n) for n in duplicates)))
        # choose_hostnames keeps the order of the servers it is given.
        for (hostname, server), (dummy, variables) in zip(pairs, selected):
            self._add(hostname, server, variables, strict)
