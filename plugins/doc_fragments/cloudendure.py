# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # CloudEndure connection and session options.
    DOCUMENTATION = r"""
attributes:
  action_group:
    description: Use C(group/backupdr.cloud.cloudendure) or C(group/backupdr.cloud.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - backupdr.cloud.cloudendure
      - backupdr.cloud.all
options:
  api_url:
    description:
      - Base URL of the CloudEndure API; each function is called as C(POST <api_url><function>).
      - If not set, the value of the E(CLOUDENDURE_API_URL) environment variable is used.
    type: str
    default: https://api.cloudendure.com/latest/
  username:
    description:
      - The CloudEndure username (the e-mail address the account was registered with).
      - Required; if not set, the value of the E(CLOUDENDURE_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - The password of O(username).
      - A login the service refuses (C(Bad Credentials)) is never tried again by itself, and the refusal is
        remembered for 65 seconds, so that the other tasks and forks of the play with the same password fail at
        once instead of locking the account (three failed logins within a minute lock it for a minute).
      - Required; if not set, the value of the E(CLOUDENDURE_PASSWORD) environment variable is used.
    type: str
  double_encoding:
    description:
      - Send every parameter value as a string holding JSON (the other reading of the API guide's "the parameter
        values, JSON-encoded").
      - Answers are understood either way (a C(result) that is a string is decoded once), so this is needed only
        for a service that refuses plain JSON values.
      - If not set, the value of the E(CLOUDENDURE_DOUBLE_ENCODING) environment variable is used.
    type: bool
    default: false
  session_cache:
    description:
      - Keep the C(session) cookie of a login in a private file cache, so that the tasks and forks of a play (and
        later runs) share one session instead of logging in once per task. A cached session is handed out for
        30 minutes after its login; when the API answers C(Not Logged In), the module logs in again once.
      - The cache directory is created with mode C(0700) and each file with mode C(0600); a directory that other
        users can access is not used. The files hold the cookie, its expiry, the URL and the username, never the
        password.
      - With V(false), each task logs in and logs out again at its end.
      - If not set, the value of the E(BACKUPDR_TOKEN_CACHE) environment variable is used.
    type: bool
    default: true
  session_cache_dir:
    description:
      - Directory of the session cache (and of the remembered login refusals), on the host that runs the module.
      - Defaults to C(backupdr.cloud/tokens) under E(XDG_CACHE_HOME), else under C(~/.cache).
      - If not set, the value of the E(BACKUPDR_TOKEN_CACHE_DIR) environment variable is used.
    type: path
notes:
  - CloudEndure answers every call with C({"error", "result"}); a failure carries the service's exact error string
    in C(error.code) (for example C(Not Ready) or C(Bad Ids)) and in the message.
"""

    # Options of modules that start or wait for an account-wide process.
    NOT_READY = r"""
options:
  on_not_ready:
    description:
      - What to do when another clone, cleanup or failover runs on the account (the API answers C(Not Ready), and
        the account status is C(cloning), C(cleaningUp) or C(failingOver)).
      - V(wait) waits until the status is C(normal) again (within O(wait_timeout)), then looks again; what it
        wanted may then be done already.
      - V(fail) fails at once, changing nothing, and returns the running process and its log.
    type: str
    choices: [wait, fail]
    default: wait
"""
