# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Rackspace Cloud Backup authentication options (Rackspace Identity v2.0, or a given token and endpoint).
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/backupdr.cloud.rax_backup) or C(group/backupdr.cloud.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - backupdr.cloud.rax_backup
      - backupdr.cloud.all
options:
  identity_url:
    description:
      - URL of Rackspace Identity v2.0, where a token is obtained with O(username) and O(api_key) (or O(password)).
      - The token request is C(POST <identity_url>/tokens); a URL that already ends in C(/tokens) is accepted.
      - The answer's service catalog gives the Cloud Backup endpoint of each region (the C(rax:backup) service).
      - If not set, the value of the E(RAX_IDENTITY_URL) environment variable is used.
    type: str
    default: https://identity.api.rackspacecloud.com/v2.0
  username:
    description:
      - Rackspace Cloud user name, for Rackspace Identity.
      - Required unless O(auth_token) is given.
      - If not set, the value of the E(RAX_USERNAME) environment variable is used.
    type: str
  api_key:
    description:
      - API key of O(username) (Rackspace Identity's C(RAX-KSKEY:apiKeyCredentials)).
      - Give O(api_key) or O(password), not both. An API key is preferred, as it can be reset without changing the
        password, and it cannot be used to log in to the control panel.
      - A key Identity refuses is not tried again for a minute by the other tasks and forks of the play with the same
        credentials, so that a wrong key is not sent over and over.
      - If not set, the value of the E(RAX_API_KEY) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username) (Rackspace Identity's C(passwordCredentials)), instead of O(api_key).
      - If not set, the value of the E(RAX_PASSWORD) environment variable is used.
    type: str
  region:
    description:
      - Region of the Cloud Backup endpoint, such as V(DFW), V(ORD), V(IAD), V(LON), V(HKG) or V(SYD) (case does not
        matter). Cloud Backup is a regional service; an endpoint sees the agents of its region.
      - By default the user's default region (Identity's C(RAX-AUTH:defaultRegion)).
      - Not used with O(auth_token), where O(backup_url) is the endpoint.
      - If not set, the value of the E(RAX_REGION) environment variable is used.
    type: str
  tenant_id:
    description:
      - Tenant (account) id.
      - With Rackspace Identity it is sent with the credentials (Identity refuses a tenant the user does not belong to);
        by default the token's tenant is used.
      - Appended to O(backup_url) when that URL ends in C(/v1.0).
      - If not set, the value of the E(RAX_TENANT_ID) environment variable is used.
    type: str
  auth_token:
    description:
      - A token obtained elsewhere, sent as C(X-Auth-Token) instead of using O(username) and O(api_key).
      - It is sent as given and cannot be renewed; when it expires the API answers 401 and the task fails, saying so.
      - Needs O(backup_url). Mutually exclusive with O(api_key) and O(password).
      - If not set, the value of the E(RAX_AUTH_TOKEN) environment variable is used.
    type: str
  backup_url:
    description:
      - The Cloud Backup endpoint, such as V(https://dfw.backup.api.rackspacecloud.com/v1.0/123456) (the C(publicURL)
        of the C(cloudBackup) service in Identity's catalog); operation paths are appended to it.
      - Required with O(auth_token). With Rackspace Identity it replaces the catalog's endpoint (for example a ServiceNet
        URL), and O(region) is then only used in messages.
      - If not set, the value of the E(RAX_BACKUP_URL) environment variable is used.
    type: str
  token_cache:
    description:
      - Keep tokens obtained from Rackspace Identity in a private file cache, so that the tasks of a play, its forks and
        later runs reuse one token until shortly (at most a minute) before it expires.
      - The cache directory is created with mode C(0700) and each file with mode C(0600); a directory that other users
        can access is not used. A file holds the token, its expiry, the tenant id and the Cloud Backup endpoints, never
        the API key or password.
      - When the API rejects a token (HTTP 401), a new token is obtained and the request sent again, once.
      - If not set, the value of the E(BACKUPDR_TOKEN_CACHE) environment variable is used.
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the token cache, on the host that runs the module.
      - Defaults to C(backupdr.cloud/tokens) under E(XDG_CACHE_HOME), else under C(~/.cache).
      - If not set, the value of the E(BACKUPDR_TOKEN_CACHE_DIR) environment variable is used.
    type: path
notes:
  - The Cloud Backup API reference does not say how a token is obtained; Rackspace Identity v2.0 is how Rackspace
    accounts get one. O(auth_token) with O(backup_url) uses only what the API reference shows.
  - Credentials given in the task win over the environment variables of competing credentials. Between environment
    variables, E(RAX_API_KEY) wins over E(RAX_PASSWORD), and both over E(RAX_AUTH_TOKEN). E(RAX_BACKUP_URL) is used
    only with a token; with Rackspace Identity only an explicit O(backup_url) replaces the catalog's endpoint.
    Competing credentials given both in the task are refused.
"""
