#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_account_info
short_description: Read the settings of a CloudEndure account
version_added: 0.1.0
description:
  - Reads the account settings (C(getUserDetails)) - the Primary and Secondary Locations, the cloud credentials and
    the features.
  - Cloud secrets (C(secretAccessKey), C(certificateFile), C(privateKeyJson)) are never returned; they are shown as
    C(********). Key and account IDs are returned.
  - An account whose settings were never set (the API's C(Details Not Set)) is not an error; RV(details_set) is
    V(false) and RV(account) is V(null).
  - Makes read requests only.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.api
  - backupdr.cloud.attributes.info_module
options: {}
seealso:
  - module: backupdr.cloud.cloudendure_account
  - module: backupdr.cloud.cloudendure_location_info
"""

EXAMPLES = r"""
- name: Read the account settings
  backupdr.cloud.cloudendure_account_info:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
  register: account

- name: Is point-in-time recovery enabled?
  ansible.builtin.debug:
    msg: "{{ account.features.pointInTime | default(false) }}"
"""

RETURN = r"""
details_set:
  description: Whether the account settings were ever set (V(false) when the API answers C(Details Not Set)).
  returned: always
  type: bool
  sample: true
account:
  description:
    - The account settings as the API returns them (a UserDetails object), cloud secrets masked.
  returned: always
  type: dict
  sample:
    username: dr-admin@example.com
    firstName: Dana
    lastName: Reyes
    company: Example Corp
    originalLocation: AWS US East (N. Virginia)
    mirrorLocation: AWS US West (Oregon)
    credentials:
      AWS: {accessKeyId: AKIASIMULATOR0000001, secretAccessKey: "********"}
    features:
      - {pointInTime: true}
      - {rdsReplication: true}
      - {dnsFailover: false}
primary_location:
  description: The Primary Location (C(originalLocation)), or V(null).
  returned: always
  type: str
  sample: AWS US East (N. Virginia)
secondary_location:
  description: The Secondary Location (C(mirrorLocation)), or V(null).
  returned: always
  type: str
  sample: AWS US West (Oregon)
features:
  description: The features as one dictionary, feature name to whether it is enabled.
  returned: always
  type: dict
  sample: {pointInTime: true, rdsReplication: true, dnsFailover: false}
clouds:
  description: The clouds that have credentials stored (C(AWS), C(Azure), C(Google)).
  returned: always
  type: list
  elements: str
  sample: [AWS]
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.account import feature_dict
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import cloudendure_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import (
    finish, hide_secrets, masked_details, run,
)


def body(module, client):
    details = client.details()
    hide_secrets(module, details)
    view = masked_details(details)
    finish(module, client, changed=False, details_set=details is not None, account=view,
           primary_location=(details or {}).get('originalLocation'),
           secondary_location=(details or {}).get('mirrorLocation'),
           features=feature_dict((details or {}).get('features')),
           clouds=sorted(((details or {}).get('credentials') or {}).keys()))


def main():
    run(cloudendure_argument_spec(), body)


if __name__ == '__main__':
    main()
