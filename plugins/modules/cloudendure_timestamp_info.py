#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_timestamp_info
short_description: List the points in time a CloudEndure clone can be made from
version_added: 0.1.0
description:
  - Lists the points in time to which recovery can be made (C(getAvailableTimestamps)), oldest first, for
    O(backupdr.cloud.cloudendure_clone#module:point_in_time).
  - The list is empty when the account's point-in-time feature is not enabled (see
    M(backupdr.cloud.cloudendure_account), O(backupdr.cloud.cloudendure_account#module:features)).
  - Makes read requests only.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options:
  not_before:
    description:
      - Only points in time at or after this one (seconds since 1970-01-01 UTC).
    type: int
  not_after:
    description:
      - Only points in time at or before this one (seconds since 1970-01-01 UTC).
    type: int
seealso:
  - module: backupdr.cloud.cloudendure_clone
"""

EXAMPLES = r"""
- name: Points in time of the last hour
  backupdr.cloud.cloudendure_timestamp_info:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
    not_before: "{{ (now(utc=true).timestamp() - 3600) | int }}"
  register: points

- name: Clone web-01 from the oldest of them
  backupdr.cloud.cloudendure_clone:
    machines: [web-01]
    point_in_time: "{{ points.timestamps[0].timestamp }}"
    confirm_destroy: true
  when: points.count > 0
"""

RETURN = r"""
timestamps:
  description: The points in time, oldest first.
  returned: always
  type: list
  elements: dict
  contains:
    timestamp:
      description: The point in time as the API gives it (seconds since 1970-01-01 UTC, a string).
      type: str
      sample: "1714557600"
    iso:
      description: The same time in ISO 8601 (UTC).
      type: str
      sample: "2024-05-01T10:00:00Z"
  sample:
    - {timestamp: "1714557600", iso: "2024-05-01T10:00:00Z"}
latest:
  description: The newest point in time (a string of seconds), or V(null) when there is none.
  returned: always
  type: str
  sample: "1714557600"
count:
  description: Number of points in time returned.
  returned: always
  type: int
  sample: 1
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    cloudendure_argument_spec, epoch, iso,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import finish, run


def argument_spec():
    return cloudendure_argument_spec(
        not_before=dict(type='int'),
        not_after=dict(type='int'),
    )


def body(module, client):
    low, high = module.params['not_before'], module.params['not_after']
    points = []
    for value in client.timestamps():
        number = epoch(value)
        if number is None:
            continue
        if (low is not None and number < low) or (high is not None and number > high):
            continue
        points.append((number, value))
    points.sort()
    out = [dict(timestamp=value, iso=iso(number)) for number, value in points]
    finish(module, client, changed=False, timestamps=out, latest=out[-1]['timestamp'] if out else None, count=len(out))


def main():
    run(argument_spec(), body)


if __name__ == '__main__':
    main()
