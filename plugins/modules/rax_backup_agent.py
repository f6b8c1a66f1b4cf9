#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rax_backup_agent
short_description: Manage a Rackspace Cloud Backup agent (enable, ServiceNet, data center, encryption, vault, deletion)
version_added: 0.1.0
description:
  - Brings one Cloud Backup agent to the wanted settings. Agents cannot be created through the API (an agent exists
    once it is installed on a server), so the module finds an existing agent by O(agent_id), O(host_server_id) or
    O(agent_name) and never guesses between two machines of one name.
  - Each setting is compared with what the API shows; only the settings that differ are sent, one request each
    (C(POST agent/enable), C(POST agent/{id}) for ServiceNet and the backup data center, C(PUT agent/logging),
    C(POST agent/encrypt), C(POST agent/changeencryption), C(PUT agent/migratevault)).
  - O(wake=true) wakes the agents of the region (C(POST user/wakeupagents)) when this agent is C(Offline), and waits
    until it is C(Online).
  - O(state=absent) deletes the agent B(and all its backup data) at once (C(POST agent/delete)); it needs
    O(confirm_delete_data=true).
  - Turning encryption on cannot be undone, and the passphrase is needed for every restore of an encrypted backup;
    it needs O(confirm_encryption=true). The passphrase is encrypted on the controller with the agent's public key
    before it is sent, and is never shown.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.rax_backup
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  agent_id:
    description:
      - Id of the agent (C(MachineAgentId)).
      - One of O(agent_id), O(host_server_id) and O(agent_name) is required.
    type: int
  host_server_id:
    description:
      - Id (a UUID) of the Cloud Server the agent runs on.
    type: str
  agent_name:
    description:
      - Name of the machine the agent runs on. It must be unique among the agents of the region; when two machines
        share it the module fails, listing their agent ids.
    type: str
  state:
    description:
      - V(present) applies the settings; V(absent) deletes the agent and its backup data (O(confirm_delete_data=true)).
    type: str
    choices: [present, absent]
    default: present
  enabled:
    description:
      - Whether the agent is enabled. A disabled agent keeps its data and configurations; backups on it and
        restores to it are refused.
    type: bool
  use_service_net:
    description:
      - Send backups to Cloud Files over ServiceNet (no bandwidth charges).
    type: bool
  backup_datacenter:
    description:
      - Data center where the agent's backups are stored, such as V(DFW) (case does not matter). The API refuses a
        data center where the account has no servers.
      - The API shows it only in the answer to a change; the module reads it from that, or from the host of the
        agent's backup container (C(storage101.<dc>N.clouddrive.com)).
    type: str
  log_level:
    description:
      - Log level of the agent, from V(1) (fatal errors only) to V(6) (everything, trace).
      - The API never shows the log level. The module remembers, on the host that runs it, the level it last set for
        each agent (in C(rax_backup) next to the token cache directory), and sends the level only when it differs
        from that record or when there is no record (so the first run on a new controller or AWX job sends it once).
    type: int
    choices: [1, 2, 3, 4, 5, 6]
  wake:
    description:
      - When the agent is C(Offline), wake up the agents (of the whole region; the API has no call for one agent) and
        wait up to O(wait_timeout) seconds until this one is C(Online). The API reference says agents take 10 to 20
        seconds.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait for the agent to come online with O(wake=true).
    type: int
    default: 120
  encrypted:
    description:
      - V(true) turns on AES-256 encryption of the agent's backups with O(passphrase). B(It cannot be turned off), and
        encrypted backups cannot be restored without the passphrase. Needs O(confirm_encryption=true).
      - An agent that is already encrypted is left as it is (the API cannot tell whether O(passphrase) is its current
        passphrase).
      - V(false) only checks; the module fails if the agent is encrypted, as encryption cannot be undone.
    type: bool
  passphrase:
    description:
      - The encryption passphrase, to turn encryption on (O(encrypted=true)), or the current passphrase, to change it
        (O(new_passphrase)).
      - It is encrypted with the agent's public key (RSA PKCS#1 v1.5) on the host that runs the module; neither it nor
        its encrypted form is ever returned or logged. At most 200 bytes.
    type: str
  new_passphrase:
    description:
      - Change the passphrase of an encrypted agent from O(passphrase) to this one. Needs O(confirm_encryption=true).
      - The API cannot show which passphrase is current, so every run with this option sends the change. After it has
        succeeded, remove this option and give the new passphrase as O(passphrase); a run that sends the old one
        again fails with the service's refusal and changes nothing.
    type: str
  confirm_encryption:
    description:
      - Must be V(true) with O(encrypted=true) or O(new_passphrase). Checked before any request.
    type: bool
    default: false
  migrate_vault_from:
    description:
      - Id of another agent whose backup vault (its backups and configurations) moves to this agent, for example from
        an old server to its replacement (C(PUT agent/migratevault)).
      - The API allows it only when both agents are unencrypted and this agent has no backup configuration; the module
        checks that before sending anything.
      - Once the source agent's vault is empty the migration is done, and later runs change nothing.
    type: int
  confirm_delete_data:
    description:
      - Must be V(true) with O(state=absent). Deleting an agent deletes its backup data at once and for good. Checked
        before any request.
    type: bool
    default: false
notes:
  - Check mode sends no write; it says what would change, and with O(state=absent) which configurations and how much
    backup data would be deleted.
requirements:
  - cryptography (only to turn encryption on or to change the passphrase)
seealso:
  - module: backupdr.cloud.rax_backup_agent_info
  - module: backupdr.cloud.rax_backup_config
"""

EXAMPLES = r"""
- name: Enable the agent of web-01, over ServiceNet, backups kept in DFW
  backupdr.cloud.rax_backup_agent:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    region: DFW
    agent_name: web-01
    enabled: true
    use_service_net: true
    backup_datacenter: DFW

- name: Wake it up and wait until it is online
  backupdr.cloud.rax_backup_agent:
    agent_name: web-01
    wake: true

- name: Backups of web-02 encrypted (cannot be undone; nothing is sent when they already are)
  backupdr.cloud.rax_backup_agent:
    agent_name: web-02
    encrypted: true
    passphrase: "{{ rax_backup_passphrase }}"
    confirm_encryption: true

- name: Debug logging on the agent
  backupdr.cloud.rax_backup_agent:
    agent_name: web-01
    log_level: 5

- name: The agent of the server that replaces web-01
  backupdr.cloud.rax_backup_agent_info:
    agent_name: web-01-new
  register: replacement

- name: Move web-01's vault (backups and configurations) to it
  backupdr.cloud.rax_backup_agent:
    agent_id: "{{ replacement.agents[0].agent_id }}"
    migrate_vault_from: 213561
  when: replacement.agents | length == 1

- name: Delete the agent of a decommissioned server and its backup data
  backupdr.cloud.rax_backup_agent:
    agent_name: old-web-01
    state: absent
    confirm_delete_data: true
"""

RETURN = r"""
agent:
  description:
    - The agent after the changes (before, with O(state=absent)), as M(backupdr.cloud.rax_backup_agent_info) returns
      agents read on their own, plus C(log_level), the level this host last set (or V(null)).
  returned: always
  type: dict
  sample:
    agent_id: 213561
    name: web-01
    host_server_id: 87c3b6e1-fb1a-41f9-91e5-313ae35a5a06
    datacenter: DFW
    backup_datacenter: DFW
    enabled: true
    encrypted: false
    use_service_net: true
    status: Online
    vault_size: 35.3 MB
    log_level: 3
actions:
  description:
    - What was done (or, in check mode, would be done), in order.
  returned: always
  type: list
  elements: str
  sample: ["enable the agent", "set use_service_net to true"]
configurations:
  description:
    - With O(state=absent), the names of the agent's backup configurations, deleted with it.
  returned: when O(state=absent)
  type: list
  elements: str
  sample: [Daily web backup]
"""

import os

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.oauth import default_cache_dir
from ansible_collections.backupdr.cloud.plugins.module_utils.private import PrivateDir, digest
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.agents import (
    CRYPTOGRAPHY_IMPORT_ERROR, HAS_CRYPTOGRAPHY, agent_label, agent_ref, agent_view, check_agent_id, check_passphrase,
    encrypt_passphrase, find_agent, is_online, wake_and_wait,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    RaxBackupClient, as_bool, check_region, module_kwargs, rax_backup_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import VERIFIED, conclude, look_after_lost
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

SETTINGS = ('enabled', 'use_service_net', 'backup_datacenter', 'log_level', 'encrypted', 'new_passphrase',
            'migrate_vault_from', 'wake')


def argument_spec():
    return rax_backup_argument_spec(
        agent_id=dict(type='int'),
        host_server_id=dict(type='str'),
        agent_name=dict(type='str'),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        enabled=dict(type='bool'),
        use_service_net=dict(type='bool'),
        backup_datacenter=dict(type='str'),
        log_level=dict(type='int', choices=[1, 2, 3, 4, 5, 6]),
        wake=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=120),
        encrypted=dict(type='bool'),
        passphrase=dict(type='str', no_log=True),
        new_passphrase=dict(type='str', no_log=True),
        confirm_encryption=dict(type='bool', default=False),
        migrate_vault_from=dict(type='int'),
        confirm_delete_data=dict(type='bool', default=False),
    )


def records_dir(params):
    """Where the log levels this host set are remembered: ``rax_backup`` next to the token cache directory."""
    tokens = params.get('token_cache_dir') or default_cache_dir()
    return os.path.join(os.path.dirname(os.path.abspath(tokens)), 'rax_backup')


class Agent:
    """One run of the module."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.actions = []
        self.client = None
        self.records = PrivateDir(records_dir(self.params))

    # -- validation (no request) ----------------------------------------------------------------
    def validate(self):
        params = self.params
        self.ref = agent_ref(params)
        if params['state'] == 'absent':
            given = [name for name in SETTINGS if params.get(name) is not None and not (name == 'wake' and not params[name])]
            if given:
                raise ValidationError(given[0], 'is not used with state=absent (the agent is deleted)')
            if not params['confirm_delete_data']:
                raise ValidationError('confirm_delete_data', 'state=absent deletes the agent and all its backup data at '
                                                             'once and for good: set confirm_delete_data=true')
            return
        self.datacenter = check_region(params['backup_datacenter'], 'backup_datacenter')
        self.passphrase = check_passphrase(params['passphrase'], 'passphrase')
        self.new_passphrase = check_passphrase(params['new_passphrase'], 'new_passphrase')
        if params['encrypted'] and not params['confirm_encryption']:
            raise ValidationError('confirm_encryption', 'encrypted=true turns encryption on for good (it cannot be '
                                                        'turned off, and backups cannot be restored without the '
                                                        'passphrase): set confirm_encryption=true')
        if params['encrypted'] and not self.passphrase:
            raise ValidationError('passphrase', 'is required with encrypted=true')
        if self.new_passphrase is not None:
            if not params['confirm_encryption']:
                raise ValidationError('confirm_encryption', 'new_passphrase changes the encryption passphrase (backups '
                                                            'then need the new one to be restored): set '
                                                            'confirm_encryption=true')
            if not self.passphrase:
                raise ValidationError('passphrase', 'the current passphrase is required with new_passphrase')
            if self.new_passphrase == self.passphrase:
                raise ValidationError('new_passphrase', 'is the same as passphrase')
        if (params['encrypted'] or self.new_passphrase) and not HAS_CRYPTOGRAPHY:
            self.module.fail_json(msg=missing_required_lib('cryptography'), exception=CRYPTOGRAPHY_IMPORT_ERROR)
        if params['migrate_vault_from'] is not None:
            check_agent_id(params['migrate_vault_from'], 'migrate_vault_from')
        if params['wait_timeout'] < 0:
            raise ValidationError('wait_timeout', 'must not be negative')

    # -- helpers ----------------------------------------------------------------------------------
    def record_key(self, agent_id):
        return digest('rax-backup-log-level', self.client.scope, agent_id)

    def recorded_level(self, agent_id):
        entry = self.records.load(self.record_key(agent_id))
        return entry.get('level') if entry else None

    def act(self, text):
        self.actions.append(text)
        return not self.module.check_mode

    def view(self, agent):
        out = agent_view(agent)
        out['log_level'] = self.recorded_level(out['agent_id'])
        return out

    def settled(self, err, look, what, check):
        """A write whose answer was lost: adopt it if ``look()`` shows it within the settle window."""
        if err.landed is not None:
            raise err
        outcome = look_after_lost(look, self.client.http.settle_time)
        if outcome.state == VERIFIED:
            self.module.warn('the answer to the request to %s was lost (%s); the service shows it done'
                             % (what, err.message))
            return outcome.found
        raise conclude(err, outcome, what, check, self.client.http.settle_time)

    # -- the run --------------------------------------------------------------------------------------
    def run(self):
        self.validate()
        self.client = RaxBackupClient(self.params)
        if self.params['state'] == 'absent':
            agent = self.existing()
            if agent is None:
                self.module.exit_json(changed=False, agent={}, actions=[], configurations=[])
            self.delete(agent)
        agent = find_agent(self.client, self.ref)
        before = self.view(agent)
        agent = self.converge(agent)
        after = self.view(agent) if not self.module.check_mode else self.preview(before)
        diff = self.diff(before, after)
        result = dict(changed=bool(self.actions), agent=after, actions=self.actions)
        if self.module._diff and self.actions:
            result['diff'] = diff
        warning = self.client.cache_warning()
        if warning:
            self.module.warn(warning)
        self.module.exit_json(**result)

    def preview(self, before):
        after = dict(before)
        params = self.params
        for option in ('enabled', 'use_service_net', 'log_level'):
            if params[option] is not None:
                after[option] = params[option]
        if self.datacenter:
            after['backup_datacenter'] = self.datacenter
        if params['encrypted']:
            after['encrypted'] = True
        if params['wake'] and not is_online({'Status': before['status']}):
            after['status'] = 'Online'
        return after

    @staticmethod
    def diff(before, after):
        keys = sorted(k for k in after if before.get(k) != after.get(k))
        return dict(before=dict((k, before.get(k)) for k in keys), after=dict((k, after.get(k)) for k in keys))

    def converge(self, agent):
        params = self.params
        client = self.client
        agent_id = int(agent['MachineAgentId'])
        label = agent_label(agent)
        view = agent_view(agent)
        if params['enabled'] is True and view['enabled'] is False:
            if self.act('enable the agent'):
                client.enable_agent(agent_id, True)
        self.behaviour(agent, view)
        if params['log_level'] is not None and self.recorded_level(agent_id) != params['log_level']:
            if self.act('set the log level to %d' % params['log_level']):
                client.set_log_level(agent_id, params['log_level'])
                self.records.store(self.record_key(agent_id), dict(level=params['log_level']))
        self.encryption(agent, view, label)
        if params['migrate_vault_from'] is not None:
            self.migrate(agent, view)
        if params['enabled'] is False and view['enabled'] is True:
            if self.act('disable the agent'):
                client.enable_agent(agent_id, False)
        if params['wake'] and not is_online(agent):
            if self.act('wake the agents and wait for %s to be online' % label):
                agent = wake_and_wait(client, agent, params['wait_timeout'])
        if self.actions and not self.module.check_mode:
            fresh = client.get_agent(agent_id) or agent
            self.verify(fresh, label)
            return fresh
        return agent

    def behaviour(self, agent, view):
        """A7: ServiceNet and the backup data center, in one request."""
        params = self.params
        changes = []
        if params['use_service_net'] is not None and view['use_service_net'] != params['use_service_net']:
            changes.append('set use_service_net to %s' % str(params['use_service_net']).lower())
        move = None
        if self.datacenter:
            if view['backup_datacenter'] is None:
                raise ValidationError('backup_datacenter', 'the API does not show the backup data center of %s (no '
                                                           'BackupDataCenter, no BackupContainer): the module cannot '
                                                           'tell whether it is %s already, and sends nothing' % (
                                                               agent_label(agent), self.datacenter))
            if view['backup_datacenter'] != self.datacenter:
                move = self.datacenter
                changes.append('store backups in %s (now %s)' % (move, view['backup_datacenter']))
        if not changes:
            return
        service_net = params['use_service_net'] if params['use_service_net'] is not None else view['use_service_net']
        if service_net is None:
            raise ValidationError('use_service_net', 'the API needs UseServiceNet with every change of the backup data '
                                                     'center, and does not show the current value of %s: give it'
                                  % agent_label(agent))
        if self.act('; '.join(changes)):
            answer = self.client.update_agent(agent['MachineAgentId'], bool(service_net), move)
            if isinstance(answer, dict) and answer.get('BackupDataCenter') and move:
                shown = str(answer['BackupDataCenter']).upper()
                if shown != move:
                    raise ApiError('the service accepted the change of the backup data center of %s to %s but answered '
                                   '%s' % (agent_label(agent), move, shown), code='ignored', landed=True,
                                   service='Rackspace Cloud Backup')

    def encryption(self, agent, view, label):
        params = self.params
        client = self.client
        agent_id = int(agent['MachineAgentId'])
        if params['encrypted'] is False and view['encrypted']:
            raise ValidationError('encrypted', '%s is encrypted, and encryption cannot be turned off' % label)
        if params['encrypted'] and not view['encrypted']:
            if self.new_passphrase is not None:
                raise ValidationError('new_passphrase', '%s is not encrypted yet: turn encryption on with passphrase '
                                                        'first, without new_passphrase' % label)
            if self.act('turn encryption on (cannot be undone)'):
                encrypted_hex = encrypt_passphrase(agent.get('PublicKey'), self.passphrase)
                try:
                    client.encrypt_agent(agent_id, encrypted_hex)
                except ApiError as err:
                    self.settled(err, lambda: as_bool((client.get_agent(agent_id) or {}).get('IsEncrypted')),
                                 'turn encryption on for %s' % label, 'whether %s is encrypted' % label)
        if self.new_passphrase is not None:
            if not view['encrypted']:
                raise ValidationError('new_passphrase', '%s is not encrypted: there is no passphrase to change' % label)
            if self.act('change the encryption passphrase'):
                key = agent.get('PublicKey')
                try:
                    client.change_encryption(agent_id, encrypt_passphrase(key, self.passphrase),
                                             encrypt_passphrase(key, self.new_passphrase))
                except ApiError as err:
                    if err.status == 400:
                        err.message += ('; the service refused the change of passphrase: passphrase must be the '
                                        'current one (if an earlier run already changed it, give the new one as '
                                        'passphrase and remove new_passphrase)')
                    elif err.landed is None:
                        err.message += ('; the API cannot show whether the passphrase changed: try a restore with '
                                        'each passphrase (backupdr.cloud.rax_restore) before running this again')
                    raise

    def migrate(self, agent, view):
        client = self.client
        source_id = self.params['migrate_vault_from']
        label = agent_label(agent)
        if source_id == view['agent_id']:
            raise ValidationError('migrate_vault_from', 'is this agent itself')
        source = client.get_agent(source_id)
        if source is None:
            raise ValidationError('migrate_vault_from', 'no agent has the id %d in %s (after a migration, remove this '
                                                        'option)' % (source_id, client.where()))
        source_view = agent_view(source)

        def done(src_view, configs):
            if src_view['vault_size_bytes'] is not None:
                return src_view['vault_size_bytes'] == 0 and not configs
            return not configs
        source_configs = [c for c in client.agent_configs(source_id) if not as_bool(c.get('IsDeleted'))]
        if done(source_view, source_configs):
            return
        problems = []
        if source_view['encrypted'] or view['encrypted']:
            problems.append('both agents must be unencrypted (%s)' % ', '.join(
                agent_label(a) + ' is encrypted' for a, v in ((source, source_view), (agent, view)) if v['encrypted']))
        mine = [c for c in client.agent_configs(view['agent_id']) if not as_bool(c.get('IsDeleted'))]
        if mine:
            problems.append('%s must have no backup configuration (it has %s)' % (
                label, ', '.join(repr(c.get('BackupConfigurationName')) for c in mine)))
        if problems:
            raise ValidationError('migrate_vault_from', 'the vault of %s cannot move to %s: %s' % (
                agent_label(source), label, '; '.join(problems)))
        if self.act('move the vault of %s (%s, %d configuration(s)) to this agent' % (
                agent_label(source), source_view['vault_size'], len(source_configs))):
            try:
                client.migrate_vault(source_id, view['agent_id'])
            except ApiError as err:
                def look():
                    fresh = client.get_agent(source_id)
                    if fresh is None:
                        return None
                    configs = [c for c in client.agent_configs(source_id) if not as_bool(c.get('IsDeleted'))]
                    return done(agent_view(fresh), configs)
                self.settled(err, look, 'move the vault of %s to %s' % (agent_label(source), label),
                             'the vaults of %s and %s' % (agent_label(source), label))

    def verify(self, fresh, label):
        """The API must show the settings that were sent (a service ignoring one would change on every run)."""
        view = agent_view(fresh)
        wrong = []
        for option in ('enabled', 'use_service_net'):
            if self.params[option] is not None and view[option] is not None and view[option] != self.params[option]:
                wrong.append('%s=%r' % (option, view[option]))
        if self.datacenter and view['backup_datacenter'] not in (None, self.datacenter):
            wrong.append('backup_datacenter=%r' % view['backup_datacenter'])
        if self.params['encrypted'] and view['encrypted'] is False:
            wrong.append('encrypted=False')
        if wrong:
            raise ApiError('the service accepted the changes of %s but still shows %s' % (label, ', '.join(wrong)),
                           code='ignored', landed=True, service='Rackspace Cloud Backup')

    def existing(self):
        """The agent to delete, or None when there is none (a name shared by two agents still fails)."""
        option, value = self.ref
        if option == 'agent_id':
            return self.client.get_agent(value)
        if option == 'host_server_id':
            return self.client.agent_by_server(value)
        named = [a for a in self.client.list_agents() if a.get('MachineName') == value]
        if not named:
            return None
        return find_agent(self.client, self.ref)

    def delete(self, agent):
        client = self.client
        agent_id = int(agent['MachineAgentId'])
        label = agent_label(agent)
        before = self.view(agent)
        configs = [c.get('BackupConfigurationName') for c in client.agent_configs(agent_id)
                   if not as_bool(c.get('IsDeleted'))]
        self.act('delete %s with its %d configuration(s) and its backup data (%s)' % (
            label, len(configs), before['vault_size']))
        if not self.module.check_mode:
            try:
                client.delete_agent(agent_id)
            except ApiError as err:
                self.settled(err, lambda: client.get_agent(agent_id) is None, 'delete %s' % label,
                             'whether %s still exists' % label)
        result = dict(changed=True, agent=before, actions=self.actions, configurations=configs)
        if self.module._diff:
            result['diff'] = dict(before=before, after={})
        self.module.exit_json(**result)


def main():
    run_module(argument_spec(), lambda module: Agent(module).run(),
               **module_kwargs(mutually_exclusive=[('agent_id', 'agent_name', 'host_server_id')],
                               required_one_of=[('agent_id', 'agent_name', 'host_server_id')]))


if __name__ == '__main__':
    main()
