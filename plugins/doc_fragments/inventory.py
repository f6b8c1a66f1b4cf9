# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Options every inventory plugin of the collection shares (plugin_utils/inventory.py):
    # environment variables of the HTTP options, host naming and Jinja2 filters.
    DOCUMENTATION = r"""
options:
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
  filters:
    description:
      - Jinja2 conditionals, without C({{ }}), evaluated with each host's variables (after O(hostvars_prefix),
        including C(ansible_host)); a server becomes a host only when every conditional is true.
      - With O(strict=false), a conditional that cannot be evaluated excludes the server; with O(strict=true) it is an error.
    type: list
    elements: str
    default: []
"""
