#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_status_info
short_description: Read the status of a CloudEndure account, or wait until it is normal
version_added: 0.1.0
description:
  - Reads the account status (C(getStatus)) - C(normal), or C(cloning), C(cleaningUp) or C(failingOver) while a
    clone, cleanup or failover runs - and the log of the running process (the API shows it only while the process
    runs).
  - With O(wait=true), waits until the status is C(normal), keeping the last log seen.
  - Makes read requests only.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  wait:
    description:
      - Wait until the account status is C(normal) (no clone, cleanup or failover running).
    type: bool
    default: false
  wait_timeout:
    description:
      - How many seconds to wait with O(wait=true) before failing.
    type: int
    default: 1800
seealso:
  - module: backupdr.cloud.cloudendure_clone
  - module: backupdr.cloud.cloudendure_cleanup
  - module: backupdr.cloud.cloudendure_failover
"""

EXAMPLES = r"""
- name: Is a clone, cleanup or failover running?
  backupdr.cloud.cloudendure_status_info:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
  register: account_status

- name: Wait until the account is back to normal
  backupdr.cloud.cloudendure_status_info:
    wait: true
    wait_timeout: 3600
  when: account_status.status != 'normal'
"""

RETURN = r"""
status:
  description: The account status when the module ended (C(normal), C(cloning), C(cleaningUp) or C(failingOver)).
  returned: always
  type: str
  sample: normal
busy:
  description: Whether a process runs (the status is not C(normal)).
  returned: always
  type: bool
  sample: false
log:
  description:
    - The log of the running process, one line per step (timestamps and success or failure of each). With
      O(wait=true), the last log seen while it ran; empty when nothing ran.
  returned: always
  type: list
  elements: str
  sample: ["2024-05-01 10:00:00 UTC Clone started: 1 instance(s) from AWS US East (N. Virginia) to AWS US West (Oregon)"]
waited:
  description: Seconds the module waited.
  returned: always
  type: float
  sample: 0.0
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    STATUS_NORMAL, cloudendure_argument_spec, status_log,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import finish, run
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.process import LogKeeper, SettleJob
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


def argument_spec():
    return cloudendure_argument_spec(
        wait=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=1800),
    )


def body(module, client):
    if module.params['wait_timeout'] < 0:
        raise ValidationError('wait_timeout', 'must not be negative')
    runner = JobRunner(module, client, wait=True, wait_timeout=module.params['wait_timeout'])
    status = client.status()
    keeper = LogKeeper()
    keeper.see(status)
    if module.params['wait'] and status.get('status') != STATUS_NORMAL:
        dummy, dummy, status = runner.follow(SettleJob(client, status, keeper), {'id': 'account status'})
    lines = status_log(status) or keeper.lines
    finish(module, client, changed=False, status=status.get('status'), busy=status.get('status') != STATUS_NORMAL,
           log=lines, waited=round(runner.elapsed(), 3))


def main():
    run(argument_spec(), body)


if __name__ == '__main__':
    main()
