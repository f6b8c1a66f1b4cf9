# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # CrossPeer authentication options.
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/backupdr.cloud.crosspeer) or C(group/backupdr.cloud.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - backupdr.cloud.crosspeer
      - backupdr.cloud.all
options:
  api_url:
    description:
      - Base URL of the CrossPeer API, ending in C(/api/).
      - If not set, the value of the E(CROSSPEER_API_URL) environment variable is used.
    type: str
    default: https://us-east.crosspeer.com/api/
  api_user:
    description:
      - Your user UUID (the HTTP Basic user name), from your account profile.
      - If not set, the value of the E(CROSSPEER_API_USER) environment variable is used; one of them is required.
    type: str
  api_key:
    description:
      - Your secret API key (the HTTP Basic password), from your account profile.
      - If not set, the value of the E(CROSSPEER_API_KEY) environment variable is used; one of them is required.
      - When an authentication fails, the message says which of O(api_user) and O(api_key) came from environment
        variables.
    type: str
"""

    # The same authentication options for the inventory plugin (no action group: module_defaults do not apply
    # to inventory sources).
    INVENTORY_AUTH = r"""
options:
  api_url:
    description:
      - Base URL of the CrossPeer API, ending in C(/api/).
    type: str
    default: https://us-east.crosspeer.com/api/
  api_user:
    description:
      - Your user UUID (the HTTP Basic user name), from your account profile.
    type: str
    required: true
  api_key:
    description:
      - Your secret API key (the HTTP Basic password), from your account profile.
      - Never written to the inventory cache.
    type: str
    required: true
"""

    # Tags and user:* metadata, which drives, servers and resources all carry.
    METADATA = r"""
options:
  tags:
    description:
      - Tags of the drive, server or resource. An empty list removes all tags.
    type: list
    elements: str
  user_metadata:
    description:
      - User-defined C(user:KEY VALUE) pairs, given without the C(user:) prefix.
      - Keys not in this dictionary are removed. Keys starting with C(backupdr-) are reserved.
    type: dict
"""
