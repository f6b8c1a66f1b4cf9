#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudendure_account
short_description: Set the Primary and Secondary Locations, cloud credentials, features and password of a CloudEndure account
version_added: 0.1.0
description:
  - Brings the settings of a CloudEndure account (C(getUserDetails) / C(setUserDetails)) to the given values.
  - C(setUserDetails) overwrites the whole object, so the module reads it, changes only what is given, and writes
    everything back in one request. Options that are not given are kept; a given O(features) or
    O(cloud_credentials) entry changes only that feature or that cloud.
  - Changing the Primary or Secondary Location of an account whose settings are set changes where machines
    replicate from and to; it needs O(confirm_location_change=true) and an account status of C(normal) (no clone,
    cleanup or failover running), both checked before any write.
  - An account whose settings were never set (the API's C(Details Not Set)) is set up in one write; then
    O(primary_location) and O(secondary_location) are required, and the cloud credentials of their clouds.
  - O(new_password) changes the account's password (C(setPassword)); see there.
  - Cloud secrets are never returned nor shown in a diff (they appear as C(********)).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cloudendure
  - backupdr.cloud.cloudendure.not_ready
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  primary_location:
    description:
      - The Primary Location (C(originalLocation)), where the machines to protect run. One of the names
        M(backupdr.cloud.cloudendure_location_info) lists.
    type: str
  secondary_location:
    description:
      - The Secondary Location (C(mirrorLocation)), where replicas are created. One of the names
        M(backupdr.cloud.cloudendure_location_info) lists, other than O(primary_location).
    type: str
  confirm_location_change:
    description:
      - Must be V(true) to change the Primary or Secondary Location of an account whose settings are set.
    type: bool
    default: false
  cloud_credentials:
    description:
      - Credentials of the clouds of the locations, as CloudEndure stores them. Only the clouds given are
        compared and changed; the others are kept.
      - When the service shows stored secrets masked, a given secret cannot be compared with the stored one and
        is taken as unchanged when the other members (the key or account ID) are; and every change to the account
        then needs the masked clouds' credentials given again, because C(setUserDetails) overwrites them.
    type: dict
    suboptions:
      aws:
        description: Amazon Web Services credentials.
        type: dict
        suboptions:
          access_key_id:
            description: The access key ID (C(accessKeyId)).
            type: str
            required: true
          secret_access_key:
            description: The secret access key (C(secretAccessKey)).
            type: str
            required: true
      azure:
        description: Microsoft Azure credentials.
        type: dict
        suboptions:
          account_id:
            description: The account ID (C(accountID)).
            type: str
            required: true
          certificate_file:
            description:
              - The certificate (C(certificateFile)), as the API takes it (its text; use a C(file) lookup to send a
                file's content).
            type: str
            required: true
      google:
        description: Google Cloud credentials.
        type: dict
        suboptions:
          account_id:
            description: The account ID (C(accountID)).
            type: str
            required: true
          private_key_json:
            description: The private key (C(privateKeyJson)), the JSON text of a service account key.
            type: str
            required: true
  features:
    description:
      - Features to enable (V(true)) or disable (V(false)), by name (C(pointInTime) enables points in time for
        M(backupdr.cloud.cloudendure_clone)). Features not given are kept as they are.
      - A feature that does not exist or is not available for the account is refused by the service
        (C(Bad Features)).
    type: dict
  new_password:
    description:
      - Change the account's password from O(password) to this one (C(setPassword)). The session stays valid, and
        the cached session is kept for the new password; later tasks must use the new password.
      - A re-run is idempotent. When O(password) is refused (C(Bad Credentials)) and O(new_password) is accepted,
        the password was changed already and nothing is done. That costs one failed login, which counts towards
        the lockout (three failed logins within a minute).
      - The service refuses empty, too short and too long passwords (C(Password Is Illegal)).
    type: str
  wait_timeout:
    description:
      - How many seconds to wait for a running clone, cleanup or failover (O(on_not_ready=wait)) before failing.
    type: int
    default: 1800
notes:
  - The module sends the UserDetails object both under C(userDetails) and with its keys at the top level of the
    request (the API guide names no parameter for setUserDetails), and C(oldPassword) with C(setPassword) (the guide
    names it only in an error).
  - C(firstName), C(lastName) and C(company) are "not used" by CloudEndure; they are written back as they were.
seealso:
  - module: backupdr.cloud.cloudendure_account_info
  - module: backupdr.cloud.cloudendure_location_info
"""

EXAMPLES = r"""
- name: Enable points in time and keep everything else
  backupdr.cloud.cloudendure_account:
    api_url: "{{ cloudendure_api_url }}"
    username: "{{ cloudendure_username }}"
    password: "{{ cloudendure_password }}"
    features:
      pointInTime: true
  register: account

- name: Replicate to another region (changes where replicas are created)
  backupdr.cloud.cloudendure_account:
    primary_location: AWS US East (N. Virginia)
    secondary_location: AWS EU (Ireland)
    confirm_location_change: true
    cloud_credentials:
      aws:
        access_key_id: AKIASIMULATOR0000001
        # AWS's documented example key; take yours from a vault
        secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

- name: Rotate the password to a new random one, kept in credentials/cloudendure_password next to the playbook
  backupdr.cloud.cloudendure_account:
    new_password: "{{ lookup('ansible.builtin.password', 'credentials/cloudendure_password length=24') }}"
  no_log: true
"""

RETURN = r"""
account:
  description: The account settings after the module ran (a UserDetails object), cloud secrets masked.
  returned: always
  type: dict
  sample:
    username: dr-admin@example.com
    originalLocation: AWS US East (N. Virginia)
    mirrorLocation: AWS US West (Oregon)
    credentials:
      AWS: {accessKeyId: AKIASIMULATOR0000001, secretAccessKey: "********"}
    features: [{pointInTime: true}, {rdsReplication: true}, {dnsFailover: false}]
changes:
  description:
    - The options that changed (or would change, in check mode), with their values before and after, in option
      names; secrets are masked (a changed secret shows as C(******** (new value))).
  returned: always
  type: dict
  sample:
    before: {features: {dnsFailover: false}}
    after: {features: {dnsFailover: true}}
password_changed:
  description: Whether the password was changed (or would be, in check mode).
  returned: always
  type: bool
  sample: false
status:
  description: The account status the module saw before writing (C(normal), C(cloning), C(cleaningUp), C(failingOver)).
  returned: when the module had to look at it (a location change, or a busy account)
  type: str
  sample: normal
"""

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.account import (
    Plan, check_locations, check_options, secrets_of,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.client import (
    E_BAD_CREDENTIALS, E_IN_PROGRESS, STATUS_NORMAL, CloudEndureSession, check_credentials, cloudendure_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import (
    finish, hide_secrets, masked_details, run,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.process import until_normal
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import MASK, ValidationError
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import JobRunner


def argument_spec():
    cloud = dict
    return cloudendure_argument_spec(
        primary_location=dict(type='str'),
        secondary_location=dict(type='str'),
        confirm_location_change=dict(type='bool', default=False),
        cloud_credentials=dict(type='dict', options=dict(
            aws=cloud(type='dict', options=dict(access_key_id=dict(type='str', required=True, no_log=False),
                                                secret_access_key=dict(type='str', required=True, no_log=True))),
            azure=cloud(type='dict', options=dict(account_id=dict(type='str', required=True),
                                                  certificate_file=dict(type='str', required=True, no_log=True))),
            google=cloud(type='dict', options=dict(account_id=dict(type='str', required=True),
                                                   private_key_json=dict(type='str', required=True, no_log=True))),
        )),
        features=dict(type='dict'),
        new_password=dict(type='str', no_log=True),
        on_not_ready=dict(type='str', default='wait', choices=['wait', 'fail']),
        wait_timeout=dict(type='int', default=1800),
    )


class Account:
    def __init__(self, module, client):
        self.module = module
        self.client = client
        self.params = module.params
        self.password_changed = False
        self.status = None

    def run(self):
        wanted = check_options(self.params)
        if self.params['wait_timeout'] < 0:
            raise ValidationError('wait_timeout', 'must not be negative')
        new_password = self.params.get('new_password')
        if new_password is not None and new_password == '':
            raise ValidationError('new_password', 'must not be empty')
        if new_password:
            self.password(new_password)
        details = self.client.details()
        hide_secrets(self.module, details)
        if 'primary_location' in wanted or 'secondary_location' in wanted:
            check_locations(wanted, self.client.locations())
        plan = Plan(details, wanted, self.client.username)
        for note in plan.notes:
            self.module.warn(note)
        if plan.changed:
            if plan.blocked is not None:
                raise plan.blocked
            if plan.location_change and not self.params['confirm_location_change']:
                raise ValidationError('confirm_location_change', 'changing %s needs confirm_location_change=true: '
                                                                 'it changes where machines replicate from and to' % (
                                                                     ' and '.join(sorted(k for k in plan.after if k.endswith('_location')))))
            if details is not None:
                self.ensure_normal(plan)
            if not self.module.check_mode:
                self.write(plan)
                details = self.client.details()
                hide_secrets(self.module, details)
        result = dict(changed=plan.changed or self.password_changed, account=masked_details(details),
                      changes=dict(before=plan.before, after=plan.after), password_changed=self.password_changed)
        if self.status is not None:
            result['status'] = self.status
        if self.module._diff:
            before, after = dict(plan.before), dict(plan.after)
            if self.password_changed:
                before['password'] = MASK
                after['password'] = MASK + ' (new value)'
            result['diff'] = dict(before=before, after=after)
        finish(self.module, self.client, **result)

    def ensure_normal(self, plan):
        """Location changes need a normal status; any write is refused while a clone or failover runs (L163)."""
        status = self.client.status()
        self.status = status.get('status')
        if self.status == STATUS_NORMAL or (not plan.location_change and self.status == 'cleaningUp'):
            return
        runner = JobRunner(self.module, self.client, wait=True, wait_timeout=self.params['wait_timeout'])
        status = until_normal(self.module, runner, self.client, self.params['on_not_ready'],
                              'the change of the account settings', status=status)
        self.status = status.get('status')

    def write(self, plan):
        for secret in secrets_of(plan.wanted):
            if len(secret) >= 4:
                self.module.no_log_values.add(secret)
        try:
            self.client.set_user_details(plan.wanted)
        except ApiError as err:
            if err.code == E_IN_PROGRESS:
                err.message += '; a clone or failover started meanwhile: run the task again once it has ended'
            raise

    # -- the password ------------------------------------------------------------------------
    def password(self, new_password):
        old = self.client.auth
        if new_password == self.params['password']:
            return
        try:
            old.value(self.client.http)
        except ApiError as err:
            if err.code != E_BAD_CREDENTIALS:
                raise
            # Changed already (a re-run)? Try the new password once.
            if self.logged_in_with(new_password):
                self.module.warn('password was refused and new_password was accepted: the password was changed '
                                 'already; nothing to do')
                return
            err.message += '; new_password was refused too'
            raise err
        self.password_changed = True
        if self.module.check_mode:
            return
        self.client.set_password(self.params['password'], new_password)
        entry = old.current()
        new = self.session_for(new_password)
        old.drop()
        if entry:
            new.install(entry)
        new.obtained = old.obtained
        new.forget_refusal()
        self.client.auth = new

    def session_for(self, password):
        username, dummy = check_credentials(dict(username=self.params['username'], password=password))
        return CloudEndureSession(self.client, self.client.api_url, username, password, cache=self.client.auth.cache,
                                  refusals=self.client.auth.refusals)

    def logged_in_with(self, password):
        session = self.session_for(password)
        try:
            session.value(self.client.http)
        except ApiError as err:
            if err.code == E_BAD_CREDENTIALS:
                return False
            raise
        self.client.auth = session
        return True


def body(module, client):
    Account(module, client).run()


def main():
    run(argument_spec(), body)


if __name__ == '__main__':
    main()
