# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Acronis Cyber Cloud Disaster Recovery authentication options.
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/backupdr.cloud.acronis_dr) or C(group/backupdr.cloud.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - backupdr.cloud.acronis_dr
      - backupdr.cloud.all
options:
  datacenter_url:
    description:
      - URL of the Acronis data center your tenant is registered in, such as V(https://eu2-cloud.acronis.com).
      - The DR API is reached at C(<datacenter_url>/api/dr/v2/) and tokens at C(<datacenter_url>/api/2/idp/token).
        A URL that already ends in C(/api/dr/v2) is accepted.
      - If not set, the value of the E(ACRONIS_DATACENTER_URL) environment variable is used.
    type: str
    default: https://dev-cloud.acronis.com
  client_id:
    description:
      - ID of an API client of your tenant (OAuth 2.0 client credentials grant).
      - The client's role decides what the module may do. Reading needs one of the scopes
        C(dr_service::admin), C(dr::support_operator) or C(protection::readonly); test failover and stopping a
        failover need C(dr_service::admin) or C(dr::support_operator); production failover needs C(dr_service::admin).
      - Required with O(client_secret) unless O(access_token) is given.
      - If not set, the value of the E(ACRONIS_CLIENT_ID) environment variable is used.
    type: str
  client_secret:
    description:
      - Secret of the API client O(client_id).
      - If not set, the value of the E(ACRONIS_CLIENT_SECRET) environment variable is used.
    type: str
  access_token:
    description:
      - A bearer access token to use instead of O(client_id) and O(client_secret).
      - It is sent as given and cannot be renewed; when it expires the API answers 401 and the task fails.
      - Mutually exclusive with O(client_id) and O(client_secret).
      - If not set, the value of the E(ACRONIS_ACCESS_TOKEN) environment variable is used.
    type: str
  token_cache:
    description:
      - Keep tokens obtained with O(client_id) and O(client_secret) in a private file cache, so that the tasks of a
        play and later runs reuse one token until shortly (at most a minute) before it expires.
      - The cache directory is created with mode C(0700) and each file with mode C(0600); a cache directory that other
        users can access is not used. The files hold the token, its expiry and the client id, never the client secret.
      - When the API rejects a cached token (HTTP 401), a new token is requested and the request sent again, once.
      - If not set, the value of the E(BACKUPDR_TOKEN_CACHE) environment variable is used.
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the token cache, on the host that runs the module.
      - Defaults to C(backupdr.cloud/tokens) under E(XDG_CACHE_HOME), else under C(~/.cache).
      - If not set, the value of the E(BACKUPDR_TOKEN_CACHE_DIR) environment variable is used.
    type: path
"""

    # The same authentication options for the inventory plugin: no action group (module_defaults do not apply to
    # inventory sources), and reading is all an inventory does.
    INVENTORY_AUTH = r"""
options:
  datacenter_url:
    description:
      - URL of the Acronis data center your tenant is registered in, such as V(https://eu2-cloud.acronis.com).
      - The DR API is reached at C(<datacenter_url>/api/dr/v2/) and tokens at C(<datacenter_url>/api/2/idp/token).
        A URL that already ends in C(/api/dr/v2) is accepted.
    type: str
    default: https://dev-cloud.acronis.com
  client_id:
    description:
      - ID of an API client of your tenant (OAuth 2.0 client credentials grant).
      - Any of the scopes C(dr_service::admin), C(dr::support_operator) or C(protection::readonly) may read the
        inventory, so a read-only client is enough.
      - Required with O(client_secret) unless O(access_token) is given.
    type: str
  client_secret:
    description:
      - Secret of the API client O(client_id).
      - Never written to the inventory cache nor to the token cache.
    type: str
  access_token:
    description:
      - A bearer access token to use instead of O(client_id) and O(client_secret).
      - It is sent as given and cannot be renewed; when it has expired the API answers 401 and the inventory
        source fails to parse.
      - Mutually exclusive with O(client_id) and O(client_secret).
    type: str
  token_cache:
    description:
      - Keep tokens obtained with O(client_id) and O(client_secret) in a private file cache, the one the modules
        use, so that an inventory run and the tasks of the play that follows (and later runs) share one token
        until shortly (at most a minute) before it expires.
      - The cache directory is created with mode C(0700) and each file with mode C(0600); a cache directory that other
        users can access is not used. The files hold the token, its expiry and the client id, never the client secret.
      - When the API rejects a cached token (HTTP 401), a new token is requested and the request sent again, once.
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the token cache.
      - Defaults to C(backupdr.cloud/tokens) under E(XDG_CACHE_HOME), else under C(~/.cache).
    type: path
"""
