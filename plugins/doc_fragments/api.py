# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Options of the shared HTTP layer, accepted by every module and inventory plugin.
    DOCUMENTATION = r"""
options:
  validate_certs:
    description:
      - Verify the service's TLS certificate.
      - Turn off only for test endpoints; prefer O(ca_path) for a private CA.
      - If not set, the value of the E(BACKUPDR_VALIDATE_CERTS) environment variable is used.
    type: bool
    default: true
  ca_path:
    description:
      - Path to a PEM file with the CA certificate(s) used to verify the service's certificate.
      - If not set, the value of the E(BACKUPDR_CA_PATH) environment variable is used, then the
        E(REQUESTS_CA_BUNDLE) environment variable, then the system store.
    type: path
  api_timeout:
    description:
      - Seconds to wait for the service to connect and to answer one request.
      - If not set, the value of the E(BACKUPDR_API_TIMEOUT) environment variable is used.
    type: int
    default: 30
  api_retries:
    description:
      - How many times a request is retried after a transient failure
        (HTTP 429 honouring C(Retry-After), 502, 503, 504, the service's "busy" answer, connection errors).
      - Writes that may already have been applied are never repeated blindly.
      - If not set, the value of the E(BACKUPDR_API_RETRIES) environment variable is used.
    type: int
    default: 5
  api_retry_max_delay:
    description:
      - Upper bound in seconds of the exponential backoff (with jitter) between retries.
        A longer C(Retry-After) from the service is still honoured.
      - If not set, the value of the E(BACKUPDR_API_RETRY_MAX_DELAY) environment variable is used.
    type: float
    default: 30
  api_settle_time:
    description:
      - After a write whose answer was lost (a timeout, a reset, a 5xx answer), how many seconds to keep looking
        for its effect before saying that it was not applied. An effect found in that time is adopted; a write is
        never sent twice.
      - By default twice O(api_timeout), and at least 10 seconds.
      - If not set, the value of the E(BACKUPDR_API_SETTLE_TIME) environment variable is used.
    type: float
notes:
  - Proxies are taken from the E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables.
requirements:
  - requests >= 2.25
"""
