#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rax_restore
short_description: Restore files or a whole backup with Rackspace Cloud Backup, to the same or another agent
version_added: 0.1.0
description:
  - Restores a backup (O(backup_id), or the newest restorable backup of a configuration) to a path on the agent that
    made it or on another agent. It creates the restore (C(PUT restore)), adds the chosen files and folders
    (C(PUT restore/files), one request each), starts it (C(POST restore/action-requested)) and, with O(wait=true),
    follows it (C(GET restore/{id})) until it has ended, then reads its report.
  - Without O(include), the whole backup is restored (the API reference does not say what a restore without entries
    restores; the service restores everything).
  - Files are not overwritten unless O(overwrite=true).
  - B(A re-run does not start a second restore of the same thing.) There is no list of restores in the API; the module
    looks in the destination agent's activity for a restore of the same backup to the same agent, then compares its
    path, overwrite setting and files. An identical restore that is running is followed; one that completed is
    reported, unchanged (O(force=true) restores again); one left in C(Creating) by an earlier run that stopped half way
    is completed and started instead of creating another. O(restore_id) names a restore directly.
  - When the module stops half way (a file entry or the start refused), the failure says which restore now exists and
    in which state; running the task again completes that one.
  - An encrypted backup needs its O(passphrase), which is encrypted on the controller with the restore's public key.
  - O(state=stopped) stops the restore O(restore_id) (or the identical restore that is running).
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.rax_backup
  - backupdr.cloud.api
  - backupdr.cloud.wait
  - backupdr.cloud.attributes
options:
  backup_id:
    description:
      - Id of the backup to restore (it must still be restorable). Or a configuration (O(config_id), or O(config_name)
        with the agent) whose newest restorable backup is restored.
    type: int
  config_id:
    description:
      - Id of the configuration whose newest restorable backup is restored.
    type: int
  config_name:
    description:
      - Name of that configuration, with O(agent_id), O(agent_name) or O(host_server_id) (the agent that made the
        backups).
    type: str
  agent_id:
    description:
      - Id of the agent of O(config_name).
    type: int
  agent_name:
    description:
      - Name of the machine of the agent of O(config_name).
    type: str
  host_server_id:
    description:
      - Id of the Cloud Server of the agent of O(config_name).
    type: str
  restore_id:
    description:
      - Id of an existing restore to follow, to complete and start (when it is still being created) or to stop.
    type: int
  destination_agent_id:
    description:
      - Id of the agent to restore to. By default the agent that made the backup.
      - It must be an agent of the same account in the region of the module's endpoint.
    type: int
  destination_agent_name:
    description:
      - Name of the machine to restore to (unique among the region's agents).
    type: str
  destination_host_server_id:
    description:
      - Id of the Cloud Server to restore to.
    type: str
  destination_path:
    description:
      - Where the files are restored on the destination machine; an absolute path for its operating system.
      - Required to create a restore.
    type: str
  overwrite:
    description:
      - Overwrite files that exist at the destination.
    type: bool
    default: false
  include:
    description:
      - Files, folders or databases of the backup to restore (paths as they were on the machine that made the backup).
        Without it, the whole backup is restored.
    type: list
    elements: dict
    suboptions:
      path:
        description:
          - Absolute path on the machine that made the backup.
        type: str
        required: true
      type:
        description:
          - Whether the path is a file, a folder or a database.
        type: str
        choices: [file, folder, database]
        default: folder
  exclude:
    description:
      - Files, folders or databases not to restore (inside included ones).
    type: list
    elements: dict
    suboptions:
      path:
        description:
          - Absolute path on the machine that made the backup.
        type: str
        required: true
      type:
        description:
          - Whether the path is a file, a folder or a database.
        type: str
        choices: [file, folder, database]
        default: folder
  passphrase:
    description:
      - Encryption passphrase of the agent that made the backup; required to restore an encrypted backup. Never returned
        or logged.
    type: str
  backup_datacenter:
    description:
      - Data center of the agent that made the backup (C(BackupDataCenter) of the restore), such as V(DFW); lets the
        service restore while that agent is offline. It must be the data center of that agent; the module checks it
        before anything is sent.
    type: str
  state:
    description:
      - V(started) restores (or follows the identical restore that runs); V(stopped) stops a running restore.
    type: str
    choices: [started, stopped]
    default: started
  force:
    description:
      - Start a new restore even when an identical one has already completed.
    type: bool
    default: false
  allow_partial:
    description:
      - A restore that ends C(CompletedWithErrors) fails the module unless this is V(true); then it returns with a
        warning.
    type: bool
    default: false
  wake:
    description:
      - When the destination agent is C(Offline), wake up the agents of the region and wait (within O(wait_timeout))
        until it is C(Online) before starting. With V(false) an offline destination fails the module before anything
        is sent.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the destination agent to come online and for the restore to end.
    type: int
    default: 3600
notes:
  - Check mode sends no write; it says whether a restore would be created, completed, started or followed.
requirements:
  - cryptography (only to restore an encrypted backup)
seealso:
  - module: backupdr.cloud.rax_restore_info
  - module: backupdr.cloud.rax_backup_info
"""

EXAMPLES = r"""
- name: Restore /etc from the newest backup of web-01 to /tmp/restore on the same machine
  backupdr.cloud.rax_restore:
    username: "{{ rax_username }}"
    api_key: "{{ rax_api_key }}"
    region: DFW
    agent_name: web-01
    config_name: Daily web backup
    destination_path: /tmp/restore/
    include:
      - path: /var/www/
  register: restored

- name: Files restored
  ansible.builtin.debug:
    msg: "{{ restored.report.files_restored }} files ({{ restored.report.bytes_restored }})"

- name: Restore a whole backup to another machine, overwriting
  backupdr.cloud.rax_restore:
    backup_id: "{{ restored.restore.backup_id }}"
    destination_agent_name: web-02
    destination_path: 'C:\restore'
    overwrite: true
    passphrase: "{{ rax_backup_passphrase }}"

- name: Stop a restore
  backupdr.cloud.rax_restore:
    restore_id: "{{ restored.restore.restore_id }}"
    state: stopped
"""

RETURN = r"""
restore:
  description:
    - The restore (C(GET restore/{id})) with its file entries; V({}) when none exists (check mode before a creation).
  returned: always
  type: dict
  contains:
    restore_id:
      description: Id of the restore.
      type: int
      sample: 14382
    backup_id:
      description: The backup restored.
      type: int
      sample: 368783
    config_id:
      description: Its configuration.
      type: int
      sample: 170101
    config_name:
      description: Name of its configuration.
      type: str
      sample: Daily web backup
    source_agent_id:
      description: The agent that made the backup.
      type: int
      sample: 213561
    source_machine_name:
      description: Its machine name.
      type: str
      sample: web-01
    destination_agent_id:
      description: The agent restored to.
      type: int
      sample: 213561
    destination_machine_name:
      description: Its machine name.
      type: str
      sample: web-01
    destination_path:
      description: Where the files are restored.
      type: str
      sample: /tmp/restore/
    overwrite:
      description: Whether files are overwritten.
      type: bool
      sample: false
    backup_datacenter:
      description: Data center of the agent that made the backup.
      type: str
      sample: DFW
    restore_point:
      description: Time of the backup (ISO 8601, UTC).
      type: str
      sample: "2024-05-02T02:35:00Z"
    encrypted:
      description: Whether the backup is encrypted.
      type: bool
      sample: false
    state_id:
      description: C(RestoreStateId) (0 Creating, 1 Queued, 2 InProgress, 3 Completed, 4 Stopped, 5 Failed,
        6 StartRequested, 7 StopRequested, 8 CompletedWithErrors, 9 Preparing).
      type: int
      sample: 3
    state:
      description: The name of C(state_id).
      type: str
      sample: Completed
    include:
      description: Entries restored (C(path), C(type)).
      type: list
      elements: dict
      sample: [{path: /var/www/, type: folder}]
    exclude:
      description: Entries not restored.
      type: list
      elements: dict
      sample: []
report:
  description:
    - The restore's report once it has ended (C(GET restore/report/{id})), else V(null).
  returned: always
  type: dict
  sample:
    state: Completed
    files_restored: 35
    bytes_restored: 18 MB
    errors_count: 0
    reason: Success
    diagnostics: Completed Successfully
    errors: []
operation:
  description:
    - How the module got the restore. C(operation_id) is the restore id; C(attached) is V(true) when a running
      restore was followed, C(adopted) when the answer to the start was lost and the restore was seen started,
      C(state) the job engine's V(success), V(partial), V(failed), V(running) or V(would_start).
  returned: always
  type: dict
  sample: {operation_id: 14382, state: success, status: Completed, attached: false, adopted: false, waited: true,
           elapsed: 8.2}
actions:
  description: What was done (or would be done, in check mode), in order.
  returned: always
  type: list
  elements: str
  sample: ["create a restore of backup 368783 to /tmp/restore/ on web-01 (agent 213561)", "include folder /var/www/",
           "start restore 14382"]
"""

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import JobFailed, JobRunner
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.agents import (
    CRYPTOGRAPHY_IMPORT_ERROR, HAS_CRYPTOGRAPHY, agent_label, agent_ref, check_agent_id, check_passphrase, check_path,
    encrypt_passphrase, find_agent, is_online, is_windows, wake_and_wait,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    RaxBackupClient, as_bool, as_int, check_region, date_epoch, module_kwargs, rax_backup_argument_spec,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.configs import find_config
from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.jobs import (
    RESTORE_FILE_TYPE_IDS, RESTORE_FILE_TYPES, RESTORE_RUNNING, RESTORE_STATES, RestoreJob, StopRestoreJob,
    restore_report_view, restore_state_id, restore_view, state_key,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import VERIFIED, conclude, look_after_lost
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_single_line
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import WaitTimeout

PATH_SPEC = dict(path=dict(type='str', required=True),
                 type=dict(type='str', default='folder', choices=['file', 'folder', 'database']))
FILTER_IDS = {'include': 1, 'exclude': 2}


def argument_spec():
    return rax_backup_argument_spec(
        backup_id=dict(type='int'),
        config_id=dict(type='int'),
        config_name=dict(type='str'),
        agent_id=dict(type='int'),
        agent_name=dict(type='str'),
        host_server_id=dict(type='str'),
        restore_id=dict(type='int'),
        destination_agent_id=dict(type='int'),
        destination_agent_name=dict(type='str'),
        destination_host_server_id=dict(type='str'),
        destination_path=dict(type='str'),
        overwrite=dict(type='bool', default=False),
        include=dict(type='list', elements='dict', options=PATH_SPEC),
        exclude=dict(type='list', elements='dict', options=PATH_SPEC),
        passphrase=dict(type='str', no_log=True),
        backup_datacenter=dict(type='str'),
        state=dict(type='str', default='started', choices=['started', 'stopped']),
        force=dict(type='bool', default=False),
        allow_partial=dict(type='bool', default=False),
        wake=dict(type='bool', default=True),
        wait=dict(type='bool', default=True),
        wait_timeout=dict(type='int', default=3600),
    )


def file_entries(params):
    """The wanted entries: a set of (path, filter 1/2, type 0/1/2)."""
    out = set()
    for option in ('include', 'exclude'):
        for index, item in enumerate(params.get(option) or ()):
            path = check_single_line(str(item['path']), '%s[%d].path' % (option, index), 'path')
            out.add((path, FILTER_IDS[option], RESTORE_FILE_TYPE_IDS[item.get('type') or 'folder']))
    return out


def listed_entries(items):
    return set((item.get('FilePath'), as_int(item.get('Filter')), as_int(item.get('FileItemType')))
               for item in items if isinstance(item, dict))


def entry_text(entry):
    path, file_filter, item_type = entry
    return '%s %s %s' % ('include' if file_filter == 1 else 'exclude', RESTORE_FILE_TYPES.get(item_type, item_type),
                         path)


class Restore:
    """One run of the module."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.client = None
        self.actions = []
        self.restore = None

    # -- validation (no request) ------------------------------------------------------------------
    def validate(self):
        params = self.params
        self.restore_id = check_agent_id(params['restore_id'], 'restore_id') if params['restore_id'] is not None else None
        self.backup_id = check_agent_id(params['backup_id'], 'backup_id') if params['backup_id'] is not None else None
        by_config = params['config_id'] is not None or bool(params['config_name'])
        sources = [name for name, given in (('restore_id', self.restore_id is not None),
                                            ('backup_id', self.backup_id is not None), ('config', by_config)) if given]
        if len(sources) > 1:
            config_option = 'config_id' if params['config_id'] is not None else 'config_name'
            raise ValidationError(sources[1] if sources[1] != 'config' else config_option,
                                  'give one of restore_id, backup_id or a configuration, not several')
        if not sources:
            raise ValidationError('backup_id', 'give backup_id, a configuration (config_id, or config_name with the '
                                               'agent) or restore_id')
        self.by_config = by_config
        agent_ref(params, required=False)
        self.destination_ref = agent_ref(params, prefix='destination_', required=False)
        self.wanted_files = file_entries(params)
        self.passphrase = check_passphrase(params['passphrase'], 'passphrase')
        self.datacenter = check_region(params['backup_datacenter'], 'backup_datacenter')
        if params['destination_path'] is not None:
            check_single_line(params['destination_path'], 'destination_path', 'path')
        if params['state'] == 'started' and self.restore_id is None and not params['destination_path']:
            raise ValidationError('destination_path', 'is required to create a restore')
        if params['wait_timeout'] < 0:
            raise ValidationError('wait_timeout', 'must not be negative')

    def act(self, text):
        self.actions.append(text)
        return not self.module.check_mode

    # -- the run ------------------------------------------------------------------------------------
    def run(self):
        self.validate()
        params = self.params
        self.client = RaxBackupClient(params)
        self.runner = JobRunner(self.module, self.client, wait=params['wait'], wait_timeout=params['wait_timeout'])
        if self.restore_id is not None:
            restore = self.client.get_restore(self.restore_id)
            if restore is None:
                raise ValidationError('restore_id', 'no restore has the id %d in %s'
                                      % (self.restore_id, self.client.where()))
            if params['state'] == 'stopped':
                return self.stop(restore)
            return self.resume(restore)
        backup, source = self.source()
        destination = self.destination(source)
        self.check_paths(source, destination)
        encrypted = bool(as_bool(backup.get('IsEncrypted')))
        if encrypted and not self.passphrase and params['state'] == 'started':
            raise ValidationError('passphrase', 'backup %s is encrypted: its passphrase is required to restore it'
                                  % backup['BackupId'])
        if encrypted and params['state'] == 'started' and not HAS_CRYPTOGRAPHY:
            self.module.fail_json(msg=missing_required_lib('cryptography'), exception=CRYPTOGRAPHY_IMPORT_ERROR)
        existing, before_ids = self.find_same(backup, destination)
        if params['state'] == 'stopped':
            if existing is None or restore_state_id(existing) not in RESTORE_RUNNING:
                return self.finish(False, existing, None, {})
            return self.stop(existing)
        if existing is not None:
            return self.resume(existing, destination=destination)
        if self.act('create a restore of backup %s to %s on %s' % (backup['BackupId'], params['destination_path'],
                                                                   agent_label(destination))):
            restore = self.create(backup, destination, before_ids)
        else:
            restore = None
        return self.complete(restore, destination)

    # -- what to restore, and where -------------------------------------------------------------------
    def source(self):
        """The backup (B2) and the agent that made it (A1); the backup must be restorable (B3)."""
        client = self.client
        if self.by_config:
            config = find_config(client, self.params)
            items = client.completed_backups(config['BackupConfigurationId'])
            if not items:
                raise ValidationError('config_id' if self.params['config_id'] is not None else 'config_name',
                                      'configuration %r (%s) has no backup that can be restored' % (
                                          config.get('BackupConfigurationName'), config['BackupConfigurationId']))
            newest = max(items, key=lambda item: (date_epoch(item.get('CompletedTime')) or 0, as_int(item['BackupId'])))
            self.backup_id = as_int(newest['BackupId'])
        backup = client.get_backup(self.backup_id)
        if backup is None:
            raise ValidationError('backup_id', 'no backup has the id %d in %s (a backup is seen through the endpoint '
                                               'of its agent\'s region)' % (self.backup_id, client.where()))
        config_id = as_int(backup.get('BackupConfigurationId'))
        try:
            restorable = [as_int(item.get('BackupId')) for item in client.completed_backups(config_id)]
        except ApiError as err:
            if err.status != 404:
                raise
            restorable = []
        if self.backup_id not in restorable:
            raise ValidationError('backup_id', 'backup %d (%s, configuration %s) is not available for restore: it did '
                                               'not complete, it expired, or its configuration was deleted' % (
                                                   self.backup_id, backup.get('CurrentState'), config_id))
        source = client.get_agent(backup['MachineAgentId'])
        if source is None:
            raise ValidationError('backup_id', 'the agent %s that made backup %d is not in %s' % (
                backup['MachineAgentId'], self.backup_id, client.where()))
        if self.datacenter and str(source.get('Datacenter') or '').upper() not in ('', self.datacenter):
            raise ValidationError('backup_datacenter', 'backup %d was made by %s in data center %s, not %s' % (
                self.backup_id, agent_label(source), source.get('Datacenter'), self.datacenter))
        return backup, source

    def destination(self, source):
        if self.destination_ref is None:
            destination = source
        else:
            destination = find_agent(self.client, self.destination_ref)
        if as_bool(destination.get('IsDisabled')):
            raise ValidationError('destination_agent_id' if self.destination_ref is None else self.destination_ref[0],
                                  'agent %s is disabled: the API refuses restores to it' % agent_label(destination))
        return destination

    def check_paths(self, source, destination):
        params = self.params
        if params['destination_path']:
            check_path(params['destination_path'], 'destination_path', is_windows(destination))
        windows = is_windows(source)
        for option in ('include', 'exclude'):
            for index, item in enumerate(params.get(option) or ()):
                check_path(item['path'], '%s[%d].path' % (option, index), windows)

    # -- the same restore, from an earlier run -----------------------------------------------------------
    def find_same(self, backup, destination):
        """``(restore, ids)``: the newest restore of the same backup to the same agent, path, overwrite setting and
        files that is running, completed or still being created (unless force), and the ids of the restores of that
        backup to that agent that exist now."""
        client = self.client
        backup_id = as_int(backup['BackupId'])
        destination_id = as_int(destination['MachineAgentId'])
        rows = [row for row in client.agent_activity(destination_id)
                if state_key(row.get('Type')) == 'restore' and as_int(row.get('BackupId')) == backup_id
                and as_int(row.get('DestinationMachineAgentId')) in (destination_id, None, 0)]
        rows.sort(key=lambda row: (date_epoch(row.get('TimeOfActivity')) or 0, as_int(row.get('ID')) or 0), reverse=True)
        ids = set(as_int(row.get('ID')) for row in rows)
        for row in rows:
            restore = client.get_restore(row['ID'])
            if restore is None or not self.same(restore, destination_id, backup_id):
                continue
            state_id = restore_state_id(restore)
            if state_id in RESTORE_RUNNING or state_id == 0:
                return restore, ids
            if state_id in (3, 8) and not self.params['force']:
                return restore, ids
        return None, ids

    def same(self, restore, destination_id, backup_id):
        params = self.params
        if as_int(restore.get('BackupId')) != backup_id or as_int(restore.get('DestinationMachineId')) != destination_id:
            return False
        if params['destination_path'] and restore.get('DestinationPath') != params['destination_path']:
            return False
        if bool(as_bool(restore.get('OverwriteFiles'))) != params['overwrite']:
            return False
        files = listed_entries(self.client.restore_files(restore['RestoreId']))
        if restore_state_id(restore) == 0:
            return files <= self.wanted_files  # a draft that lacks entries is completed
        return files == self.wanted_files

    # -- steps ------------------------------------------------------------------------------------------
    def lost(self, err, look, what, check):
        if err.landed is not None:
            raise err
        settle = self.client.http.settle_time
        outcome = look_after_lost(look, settle)
        if outcome.state == VERIFIED:
            self.module.warn('the answer to the request to %s was lost (%s); the service shows it done'
                             % (what, err.message))
            return outcome.found
        raise conclude(err, outcome, what, check, settle)

    def create(self, backup, destination, before_ids):
        client = self.client
        params = self.params
        body = {'BackupId': as_int(backup['BackupId']), 'BackupMachineId': as_int(backup['MachineAgentId']),
                'DestinationMachineId': as_int(destination['MachineAgentId']),
                'DestinationPath': params['destination_path'], 'OverwriteFiles': bool(params['overwrite'])}
        if self.datacenter:
            body['BackupDataCenter'] = self.datacenter
        try:
            restore = client.create_restore(body)
        except ApiError as err:
            def look():
                for row in client.agent_activity(body['DestinationMachineId']):
                    rid = as_int(row.get('ID'))
                    if state_key(row.get('Type')) == 'restore' and as_int(row.get('BackupId')) == body['BackupId'] \
                            and rid not in before_ids:
                        found = client.get_restore(rid)
                        if found and found.get('DestinationPath') == body['DestinationPath']:
                            return found
                return None
            restore = self.lost(err, look, 'create a restore of backup %s' % body['BackupId'],
                                'the restores in the activity of agent %s' % body['DestinationMachineId'])
        if not isinstance(restore, dict) or as_int(restore.get('RestoreId')) is None:
            raise ApiError('the service answered the creation of the restore without a RestoreId', code='unexpected_answer',
                           service='Rackspace Cloud Backup', landed=True)
        return restore

    def resume(self, restore, destination=None):
        """An existing restore: follow it (running), report it (ended), or complete and start it (Creating)."""
        params = self.params
        state_id = restore_state_id(restore)
        if state_id in RESTORE_RUNNING:
            return self.follow(restore, attached=True)
        if state_id != 0:
            self.restore = restore
            return self.finish(False, restore, restore_report_view(self.client.restore_report(restore['RestoreId'])),
                               dict(operation_id=as_int(restore['RestoreId']), state='done',
                                    status=RESTORE_STATES.get(state_id), attached=False, adopted=False, waited=False,
                                    elapsed=0))
        if self.restore_id is not None:
            if params['destination_path'] and restore.get('DestinationPath') != params['destination_path']:
                raise ValidationError('destination_path', 'restore %s restores to %r'
                                      % (restore['RestoreId'], restore.get('DestinationPath')))
            if as_bool(restore.get('IsEncrypted')) and not self.passphrase:
                raise ValidationError('passphrase', 'restore %s is of an encrypted backup: its passphrase is required'
                                      % restore['RestoreId'])
        if destination is None:
            destination = self.client.get_agent(restore['DestinationMachineId']) or {
                'MachineAgentId': restore['DestinationMachineId'], 'MachineName': restore.get('DestinationMachineName')}
        self.actions.append('complete restore %s, left in Creating by an earlier run' % restore['RestoreId'])
        return self.complete(restore, destination)

    def complete(self, restore, destination):
        """Add the missing file entries, start, follow."""
        client = self.client
        have = listed_entries(client.restore_files(restore['RestoreId'])) if restore else set()
        for entry in sorted(self.wanted_files - have):
            if self.act(entry_text(entry)):
                self.add_file(restore, entry)
        label = agent_label(destination)
        if not is_online(destination if 'Status' in destination else client.get_agent(destination['MachineAgentId'])):
            if not self.params['wake']:
                self.partial('the destination agent %s is Offline (wake=false)' % label, restore)
            if self.act('wake the agents and wait for %s to be online' % label):
                try:
                    wake_and_wait(client, destination, self.runner.remaining())
                except WaitTimeout as exc:
                    self.partial(str(exc), restore)
        if restore is None:
            self.actions.append('start the restore')
            return self.finish(True, None, None, dict(operation_id=None, state='would_start', status=None,
                                                      attached=False, adopted=False, waited=False, elapsed=0))
        password = None
        if as_bool(restore.get('IsEncrypted')):
            password = encrypt_passphrase(restore.get('PublicKey'), self.passphrase)
        if self.module.check_mode:
            self.actions.append('start restore %s' % restore['RestoreId'])
        else:
            self.actions.append('start restore %s' % restore['RestoreId'])
        job = RestoreJob(client, as_int(restore['RestoreId']), password,
                         ' of backup %s to %s' % (restore.get('BackupId'), label))
        return self.follow(restore, job=job)

    def add_file(self, restore, entry):
        client = self.client
        path, file_filter, item_type = entry
        body = {'FilePath': path, 'Filter': str(file_filter), 'ParentId': as_int(restore['RestoreId']),
                'FileItemType': str(item_type)}
        try:
            client.add_restore_file(body)
        except ApiError as err:
            try:
                self.lost(err, lambda: entry in listed_entries(client.restore_files(restore['RestoreId'])),
                          'add %s to restore %s' % (entry_text(entry), restore['RestoreId']),
                          'the files of restore %s' % restore['RestoreId'])
            except ApiError as final:
                self.partial('adding "%s" failed: %s' % (entry_text(entry), final), restore, final)

    def partial(self, why, restore, err=None):
        """Stop half way: say which restore exists now, and in which state."""
        if restore is None:
            raise ValidationError('destination_agent_id', why)
        fresh = self.client.get_restore(restore['RestoreId']) or restore
        view = restore_view(fresh, self.client.restore_files(restore['RestoreId']))
        msg = ('%s; restore %s exists now, in state %s (backup %s to %s on agent %s): run the task again to complete and '
               'start it (it is found again), or give restore_id=%s' % (
                   why, view['restore_id'], view['state'], view['backup_id'], view['destination_path'],
                   view['destination_agent_id'], view['restore_id']))
        extra = err.to_result() if isinstance(err, ApiError) else {}
        self.module.fail_json(msg=msg, changed=True, restore=view, report=None, operation={}, actions=self.actions,
                              **extra)

    def follow(self, restore, job=None, attached=False):
        client = self.client
        restore_id = as_int(restore['RestoreId'])
        label = ' of backup %s to %s' % (restore.get('BackupId'), restore.get('DestinationMachineName'))
        if job is None:
            job = RestoreJob(client, restore_id, None, label)
            if attached:
                job.existing = lambda: dict(id=restore_id)
        try:
            result = self.runner.run(job, fail_on_partial=not self.params['allow_partial'])
        except JobFailed as exc:
            failure = exc
        except ApiError as err:
            if getattr(err, 'status', None) == 400 and not attached:
                self.partial('the service refused to start it: %s' % err, restore, err)
            raise
        else:
            failure = None
        if failure is not None:
            fresh = failure.result.observation if isinstance(failure.result.observation, dict) else restore
            view = restore_view(fresh, client.restore_files(restore_id))
            report = restore_report_view(client.restore_report(restore_id)) if view.get('state_id') in (3, 4, 5, 8) \
                else None
            msg = str(failure)
            if report:
                msg += ' - report: %s (%s); %s of the files restored, %s error(s)' % (
                    report.get('reason'), report.get('diagnostics'), report.get('files_restored'),
                    report.get('errors_count'))
            msg += '; restore %s of backup %s to %s on agent %s is now %s' % (
                restore_id, view['backup_id'], view['destination_path'], view['destination_agent_id'], view['state'])
            self.module.fail_json(msg=msg, changed=failure.result.changed, restore=view, report=report,
                                  operation=failure.result.as_dict(), actions=self.actions)
        if result.state == 'would_start':
            return self.finish(True, restore, None, result.as_dict())
        fresh = result.observation if isinstance(result.observation, dict) else client.get_restore(restore_id)
        report = None
        if restore_state_id(fresh) in (3, 4, 5, 8):
            report = restore_report_view(client.restore_report(restore_id))
        return self.finish(bool(result.changed or self.actions and not attached), fresh, report, result.as_dict())

    def stop(self, restore):
        restore_id = as_int(restore['RestoreId'])
        if restore_state_id(restore) not in RESTORE_RUNNING:
            return self.finish(False, restore, None, {})
        self.actions.append('stop restore %s' % restore_id)
        try:
            result = self.runner.run(StopRestoreJob(self.client, restore_id), fail_on_partial=False)
        except JobFailed as exc:
            failure = exc
        else:
            failure = None
        if failure is not None:
            self.module.fail_json(msg=str(failure), changed=failure.result.changed, restore=restore_view(restore),
                                  report=None, operation=failure.result.as_dict(), actions=self.actions)
        fresh = result.observation if isinstance(result.observation, dict) else restore
        return self.finish(result.changed, fresh, None, result.as_dict())

    def finish(self, changed, restore, report, operation):
        view = {}
        if restore:
            view = restore_view(restore, self.client.restore_files(restore['RestoreId']))
        warning = self.client.cache_warning()
        if warning:
            self.module.warn(warning)
        self.module.exit_json(changed=changed, restore=view, report=report, operation=operation or {},
                              actions=self.actions)


def main():
    run_module(argument_spec(), lambda module: Restore(module).run(),
               **module_kwargs(mutually_exclusive=[('agent_id', 'agent_name', 'host_server_id'),
                                                   ('destination_agent_id', 'destination_agent_name',
                                                    'destination_host_server_id')]))


if __name__ == '__main__':
    main()
