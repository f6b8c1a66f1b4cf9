# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # N2WS Backup & Recovery (CPM) connection options.
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/backupdr.cloud.cpm) or C(group/backupdr.cloud.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - backupdr.cloud.cpm
      - backupdr.cloud.all
options:
  api_url:
    description:
      - URL of the CPM RESTful API, C(https://<CPM host>/api/).
      - A URL with no path gets C(/api/) (V(https://cpm.example.com) means V(https://cpm.example.com/api/)).
      - Required; if not set, the value of the E(CPM_API_URL) environment variable is used.
    type: str
  api_key:
    description:
      - The API authentication key of a CPM user (made in the CPM console under
        C(Notifications > Configure API Authentication Key)).
      - It is exchanged for an access token (valid one hour by default) and a refresh token (24 hours); the modules
        refresh the access token, and obtain a new pair when the refresh token is refused. The key itself is sent
        only in that request and never stored.
      - The modules act with the permissions of the key's user. Delegates need C(allow_backup_changes) to change
        policies, schedules, targets and to back up, and also C(allow_account_changes) to change accounts.
      - Required; if not set, the value of the E(CPM_API_KEY) environment variable is used.
    type: str
  api_version:
    description:
      - The CPM API version to ask for, such as V(1.5.0) (CPM 3.1.0), V(1.4.0) (CPM 3.0.0) or V(1.0.0) (CPM 2.3.0);
        V(1.4) means V(1.4.0). It is sent as the C(version) parameter of the C(Accept) header
        (C(application/json; version=1.5.0)).
      - If not set, the server answers with its latest version.
      - Options and endpoints newer than the chosen version are refused before any request, with a message naming
        the version that has them (custom tags need 1.5.0, AWS permission checks 1.4.0, copy to S3 1.1.0...).
      - If not set, the value of the E(CPM_API_VERSION) environment variable is used (an empty value means unset).
    type: str
  token_cache:
    description:
      - Keep the tokens obtained with O(api_key) in a private file cache, so that the tasks of a play (and its forks)
        and later runs share one token until shortly (at most a minute) before it expires.
      - The cache directory is created with mode C(0700) and each file with mode C(0600); a cache directory that other
        users can access is not used. The files hold the access and refresh tokens and their expiry, never the API
        key (it is hashed into the file name, so another key never picks up these tokens).
      - When CPM rejects a cached token (HTTP 401), the module refreshes it (or obtains a new one) and sends the
        request again, once.
      - If not set, the value of the E(BACKUPDR_TOKEN_CACHE) environment variable is used.
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the token cache, on the host that runs the module.
      - Defaults to C(backupdr.cloud/tokens) under E(XDG_CACHE_HOME), else under C(~/.cache).
      - If not set, the value of the E(BACKUPDR_TOKEN_CACHE_DIR) environment variable is used.
    type: path
  api_settle_time:
    description:
      - Seconds to keep looking for the effect of a write whose answer was lost (a timeout, a reset, a 5xx) before
        saying that nothing happened; the write itself is never sent twice.
      - If not set, twice O(api_timeout) and at least 10 seconds.
      - If not set, the value of the E(BACKUPDR_API_SETTLE_TIME) environment variable is used.
    type: float
"""
