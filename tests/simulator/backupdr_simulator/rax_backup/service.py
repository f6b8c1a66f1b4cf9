# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated Rackspace Cloud Backup API v1.0 and a Rackspace Identity v2.0 token endpoint.

Served under ``/rackspace/``:

* Identity: ``POST /rackspace/identity/v2.0/tokens`` (and ``DELETE`` to revoke
  the caller's token); the identity URL a client is given is
  ``<sim>/rackspace/identity/v2.0``.
* Cloud Backup: ``/rackspace/backup/<region>/v1.0/<tenant_id>/...`` stands for
  ``https://<region>.backup.api.rackspacecloud.com/v1.0/<tenant_id>/...``;
  ``<region>`` is dfw, ord, iad, lon, hkg or syd (any case).  The service
  catalog's ``cloudBackup`` (type ``rax:backup``) endpoints are these URLs
  (no trailing slash, as Identity writes publicURLs).

The seed (the Cloud Backup API reference, 33 operations) is the contract;
Identity is outside the seed and models the public Rackspace Identity v2.0.
Seed lines are ``Lnnn``.  Where the seed is silent or ambiguous, this
simulator decided as follows; a reading a client could depend on is a knob
(``/_sim/config``, defaults first).

Identity (not in the seed)
  I1. ``POST v2.0/tokens`` with ``{"auth": {"RAX-KSKEY:apiKeyCredentials":
      {"username", "apiKey"}}}`` or ``{"auth": {"passwordCredentials":
      {"username", "password"}}}``; optional ``tenantId`` / ``tenantName`` in
      ``auth`` must name the user's tenant.  Usernames match case-insensitively.
      200 ``{"access": {"token": {"id", "expires", "tenant": {"id", "name"},
      "RAX-AUTH:authenticatedBy"}, "serviceCatalog", "user": {"id", "name",
      "roles", "RAX-AUTH:defaultRegion"}}}``.  Token ids are 32 hex digits
      (as the seed's ``X-Auth-Token``); ``expires`` is ISO 8601 with
      milliseconds and ``Z``, ``token_ttl`` seconds ahead (default 24 h).
  I2. Faults are Identity's: 400 ``badRequest`` ("Invalid json request body",
      missing or several credential types), 401 ``unauthorized`` ("Username or
      api key is invalid." / "Unable to authenticate user with credentials
      provided."), 415 ``badMediaType`` (a Content-Type other than JSON), 405
      ``badMethod``, 404 ``itemNotFound``: ``{"<fault>": {"code", "message"}}``.
  I3. The catalog lists ``cloudBackup`` (rax:backup) for DFW, ORD, IAD, LON,
      HKG and SYD (every user, a simplification: real US accounts lack LON),
      plus ``cloudFiles`` (object-store) and ``cloudServersOpenStack``
      (compute), which are listed so that clients must select by type, and
      not served (404).  URLs follow the Host header and scheme of the
      identity request.  ``reuse_tokens``: when true a new authentication
      returns the user's still-valid token (as Identity does), else a new one.
  I4. Users: ``sim-rax-user`` (tenant 930035, identity:user-admin),
      ``sim-rax-observer`` (same tenant, role ``observer``: every write of the
      backup API answers 403) and ``sim-rax-other`` (tenant 930036).  Admin
      ``expire-tokens`` expires all tokens (or one user's); ``DELETE
      v2.0/tokens`` with ``X-Auth-Token`` revokes that token (204).

Transport and errors (Cloud Backup)
  D1. Every request needs ``X-Auth-Token`` (seed: every example); missing,
      unknown, revoked or expired -> 401 (the seed's L18 message) with
      ``WWW-Authenticate: Keystone uri='<identity url>'``, for every
      operation, even those whose code list omits 401 (A6, A9: the gateway
      answers it).  Order: unknown region -> 404, token -> 401, tenant -> 403,
      path -> 404 / 405 (with ``Allow``), read-only user writing -> 403, body
      -> 400, entities -> 404/403, state -> 400.
  D2. ``tenant_in_path`` (seed: every path has ``{tenant_id}``; upstream says
      the API runs with or without it): ``required`` (default) | ``optional`` |
      ``omitted`` (then the catalog's URLs have no tenant and a path with one
      is 404).  A tenant in the path other than the token's -> 403.
  D3. ``region_scope``: ``region`` (default: Cloud Backup is "a regionalized
      service": an endpoint sees the agents whose ``Datacenter`` is its
      region, their configurations, backups, restores (by destination agent)
      and activity) | ``global`` (every endpoint sees every agent).  R1 may
      name a backup made in another region (BackupDataCenter, L1591).
  D4. Error bodies (the seed documents none), ``error_format``:
      ``rackspace`` (default: ``{"<fault>": {"code", "message"}}`` with the
      fault names of Rackspace APIs: badRequest, unauthorized, forbidden,
      itemNotFound, badMethod, conflictingRequest, overLimit, badMediaType,
      instanceFault (the seed's "Instance Fault"), serviceUnavailable) |
      ``dotnet`` (``{"Message": ...}``, ASP.NET style) | ``plain``
      (text/plain) | ``empty`` (no body).  Injected faults use the same
      format; 429/503 carry ``Retry-After``; 502/504 are the core's plain
      gateway answers.
  D5. A missing entity answers 404 where the operation lists 404; where it
      does not (A2-A7, A9, R1) it answers 403 "Access to the requested resource
      was denied." (L19: no access to an entity one cannot see).
  D6. Bodies are JSON whatever the Content-Type (the seed sends
      ``application/json;`` and ``Content-Length: 0`` next to bodies); A9 also
      takes the form body of its example (L427).  Table types are "String" but
      the examples use JSON values: ids may be numbers or digit strings,
      booleans JSON booleans or "true"/"false".  Unknown fields are ignored.
      Paths match literal segments case-insensitively; a non-integer id -> 400;
      HEAD is GET without body.
  D7. Answers: JSON with dates ``"\\/Date(ms)\\/"`` (UTC epoch milliseconds),
      sizes human-readable ("35.3 MB", 1024-based), durations "hh:mm:ss".
      200 without a body (A6, A9, U2, C2, C7, R3) has ``Content-Length: 0``.
      A3/A4 return a GUID and B1 start the BackupId as a bare body (L150,
      L185, L1381); ``scalar_bodies``: ``bare`` (default; the GUID as
      text/plain) | ``json`` (the GUID as a JSON string).  ``exponent_hex``:
      ``number`` (default, ``ExponentHex: 10001`` as most examples) |
      ``string`` (``"10001"``); the digits are hex either way.

Agents (A1-A9, U1, U2)
  D8. Agents cannot be created through the API (an agent exists once it is
      installed on a server): admin ``POST /_sim/rax_backup/agents`` adds one.
  D9. ``Status`` (L10-12, L536): an agent is Online or Offline; ``POST
      user/wakeupagents`` (U2) brings every Offline agent of the endpoint
      online ``wake_seconds`` later (default 1; the seed says 10-20 s); with
      ``idle_seconds`` > 0 an agent goes Offline again after that long without
      a wake-up or a job (default 0: never).  ``list_status``: ``offline``
      (default, L435-441: U1 always says Offline and its
      TimeOfLastSuccessfulBackup is null) | ``actual``.  Work for an Offline
      agent, ``offline_work``: ``queue`` (default: it stays StartRequested
      until the agent is online, L1343) | ``reject`` (400).
  D10. Layouts follow the tables: A1 and A8 have BackupContainer and
      HostServerId; U1 has BackupContainer, no HostServerId; A7's answer has
      BackupDataCenter and UseFailoverUri and neither BackupContainer nor
      HostServerId.  ``agent_backup_datacenter``: ``update_only`` (default:
      BackupDataCenter only in A7, as the tables) | ``always`` (A1, A8, U1
      too).  ``PublicKey`` is the agent's 2048-bit RSA key.
  D11. A2 toggles IsDisabled (204).  A disabled agent keeps its data and
      configurations; backups on it and restores to it are refused (400).
  D12. A3 (one way, L122): ``EncryptedPasswordHex`` is the passphrase
      encrypted with the agent's PublicKey (RSAES-PKCS1-v1_5, hex; whitespace
      ignored as in the wrapped examples); one that does not decrypt -> 400.
      Answer: a new GUID (meaning undocumented).  On an encrypted agent,
      ``encrypt_again``: ``ignore`` (default: "if it is not already enabled",
      L121: 200, nothing changes) | ``reject`` (400).  A4 needs the old
      passphrase (400 if wrong, or if the agent is not encrypted).  New
      backups of an encrypted agent are encrypted; earlier ones stay not.
  D13. A5 deletes the agent with its configurations, backups, restores and
      cleanups at once (404 afterwards); a running job finishes first (it
      stays readable by B2/R8 until it ends, L189), then everything is
      purged.  ``agent_delete_status``: ``204`` (default, L193; a 204 has no
      body) | ``200`` (with the documented ``{"MachineAgentId"}`` body).
  D14. A6: both agents visible to the caller, different, neither encrypted,
      the destination without (undeleted) configurations, no job running on
      either -> else 403 (A6 lists no 400/404).  Configurations, backups,
      vault size and TimeOfLastSuccessfulBackup move to the destination;
      ``DestinationMachineAgentId`` and the table's ``...AgentID`` are both
      accepted (L241, L245).
  D15. A7: ``UseServiceNet`` required; ``BackupDataCenter`` optional, one of
      the six regions where the tenant has an agent (L271) -> else 400; it
      moves BackupContainer.  A9: ``LoggingLevelId`` 1-6 (400 otherwise); it
      is write-only (no answer shows it; the admin agent view does).

Backup configurations (C1-C7)
  D16. Required fields per the tables; the schedule fields are nullable and
      an absent one counts as null.  Frequency Manually | Hourly
      (HourInterval 1-23) | Daily (StartTimeHour 1-12, StartTimeMinute 0-59,
      StartTimeAmPm AM/PM) | Weekly (+ DayOfWeekId 0-6, 0 = Sunday); the
      fields a frequency uses are required.  Fields it does not use are
      stored null (StartTimeAmPm shows "" for Manually/Hourly, as L981);
      ``strict_schedule`` true -> a non-null unused field is 400.
      VersionRetention 0/30/60; MissedBackupActionId 1/2, optional (default
      1; it is in the examples, not the tables); TimeZoneId any non-empty
      string (Windows ids; NextScheduledRunTime uses the standard offset of
      the known ones, UTC otherwise); FileItemType File/Folder (any case).
      The start hour is stored as sent (L719's 11 for a 7 PM request looks
      like a time zone conversion the seed does not explain).
  D17. ``unique_config_names`` (default true): a name already used by an
      undeleted configuration of the same agent (case-insensitive) -> C1 409
      (the only 409 of the seed), C2 400.
  D18. C1 answers in C1's example layout (sorted keys, Datacenter,
      EncryptionKey, pre/postscript, file entries with Filter and
      FilePathEncoded); C3/C5/C6 in C3's layout; C4 adds BackupState (its
      table).  NextScheduledRunTime is the next UTC instant of the local
      schedule; null for inactive configurations; Manually ->
      ``manual_next_run``: ``null`` (default, L985) | ``minvalue`` (L1129's
      DateTime.MinValue sentinel).
  D19. C2 is a full replacement: ``BackupConfigurationScheduleId`` and
      ``MachineAgentId`` must match (400); 200 without body.  Omitted
      Inclusions/Exclusions, ``update_omitted_lists``: ``keep`` (default) |
      ``clear``.  Entries that stay keep their FileId.
      ``new_schedule_id_on_update`` (default false): C2 assigns a new
      BackupConfigurationScheduleId (the C2/C3 examples differ, L771/L870).
  D20. C6 sets IsActive and answers the configuration (L1261's "true" after
      a disable is a documentation slip).  C7 is a soft delete (IsDeleted):
      ``deleted_configs``: ``hidden`` (default: C3 404, not in C4/C5) |
      ``visible`` (shown with IsDeleted true).  Writes to a deleted one: 404.
      Its backups stay readable (B2, B4 with BackupConfigurationIsDeleted,
      activity with IsBackupConfigurationDeleted) but are no longer
      restorable (L1806).

Backups (B1-B4)
  D21. B1 StartManual ``Id`` = BackupConfigurationId -> 200 bare BackupId;
      StopManual ``Id`` = BackupId -> 204 (L1342; the table's "value of
      BackupConfigurationId" is read as the start case).  Id ranges of
      agents, configurations, backups and restores never overlap, so a wrong
      kind of id is a 404.  Start refused (400) for a disabled agent or an
      inactive configuration.  A second start while one runs,
      ``duplicate_start``: ``reject`` (default, 400) | ``existing`` (200 with
      the running BackupId) | ``parallel`` (a second backup).
  D22. States over ``backup_seconds`` (default 2) from the moment the agent
      is online: StartRequested (StartScheduled for scheduled runs) 0-10%,
      Queued 10-20%, Preparing 20-40%, InProgress 40-100%, then Completed
      (or the admin-planned CompletedWithErrors / Failed; a failure can be
      planned part way).  Stop: StopRequested for ``stop_seconds`` (default
      0.5), then Stopped; stopping a stopping backup is a no-op 204, an ended
      one 400.  Progress is computed from the clock with the knobs' values
      when looked at; only running jobs are indexed (no threads).
  D23. Skipped and Missed exist only through admin ``run-scheduled`` (the
      simulator does not run schedules by itself).  C4's BackupState is the
      last backup's state, "Not Available" without one.
  D24. On completion: LastRunTime (every ended run except Skipped/Missed),
      LastRunBackupReportId = the BackupId for Completed and
      CompletedWithErrors ("ran successfully", L957), null after
      Failed/Stopped; the agent's TimeOfLastSuccessfulBackup and
      BackupVaultSize grow.  The report id is the backup id (R9's
      BackupReportId equals R8's BackupId), also in ErrorList's
      ``BackupReportID`` (the seed's spelling).
  D25. B3 and R6: Completed and CompletedWithErrors backups, not expired
      (admin), within VersionRetention days of now (0 = indefinitely), the
      newest always kept; B3 newest first.  B4 and R9 answer once the job has
      ended (404 before).  B2's EncryptionKey is the agent's key.

Restores (R1-R9)
  D26. R1 (PUT creates, L1567): the backup must be the tenant's and
      restorable (400), BackupMachineId its agent (400), the destination a
      visible agent (403); BackupDataCenter optional, if given the source
      agent's Datacenter (400 otherwise).  State 0 (Creating).  The answer
      has the example's keys plus Inclusions/Exclusions (from its table);
      PublicKey is the destination agent's key; EncryptedPassword null until
      started.
  D27. R2 (POST updates) only in state 0 (400 otherwise), the same checks
      plus BackupConfigurationId = the backup's; RestoreStateId is required
      (0-9) and not applied (R7 starts a restore), 204.
  D28. R3 adds one entry (Filter 1 include / 2 exclude, FileItemType 0 file
      / 1 folder / 2 database; digit strings accepted as L1723), only in
      state 0; the same entry twice is kept once; an existing FileId
      replaces that entry (another one is 400); FilePathEncoded, when given,
      must be base64.  R4 lists ``{FilePath, Filter, RestoreId, FileItemType,
      FileId}`` (FileId added); query ``filter`` / ``fileitemtype`` narrow it
      (L1732 promises filtering without naming parameters).
      ``restore_files_delete`` (R5, L1771-1773): ``files`` (default: the
      entries, state 0 only) | ``restore`` (the restore itself unless running).
  D29. R7 StartManual only from state 0; for an encrypted backup
      ``EncryptedPassword`` must be the source agent's passphrase encrypted
      with the restore's PublicKey, ``bad_restore_password``: ``reject``
      (default, 400) | ``fail`` (the restore fails while Preparing).  States
      over ``restore_seconds`` (default 2): 6 StartRequested, 1 Queued, 9
      Preparing, 2 InProgress, then 3 Completed (or planned 8 / 5).  Stop: 7
      then 4.  R9's counts are strings and State a name (as its example).

Activity (V1, V2)
  D30. Rows for backups, restores and cleanups (cleanups only through admin
      ``cleanup``), newest first by TimeOfActivity (the last state change).
      ``CurrentState`` uses B2's names for backups and the restore state names
      for restores.  Restore rows: ID = RestoreId, ParentId = the backup's
      configuration, BackupId = the backup restored.  Backup rows:
      BackupId = the backup; ``backup_activity_id``: ``backup`` (default: ID
      = BackupId, as the table) | ``separate`` (ID from its own sequence, as
      the examples L2088/L2099).  V1 lists the agent's backups and cleanups
      and the restores it is source or destination of.
"""

import time
import uuid
from urllib.parse import unquote

from ..core import AdminError, Response, Service, format_seconds
from . import rsakeys
from .agents import AgentOps
from .base import MSG_UNAUTHORIZED, NAMESPACE, ApiError, Ctx, path_int
from .configs import ConfigOps
from .identity import MAIN_TENANT, OTHER_TENANT, USERS, USERS_BY_KEY, USERS_BY_NAME, Identity, catalog_entries, identity_fault
from .jobs import JobOps
from .model import REGIONS, RESTORE_STATE_IDS, Agent, BackupConfig, FileEntry, Restore, dumps

PREFIX = '/rackspace/'
ROOT = PREFIX.rstrip('/')
IDENTITY_SUFFIX = '/identity/v2.0'
DEFAULT_PASSPHRASE = 'sim-rax-vault-passphrase-7Kq2'
RESOURCE_ROOTS = ('agent', 'user', 'backup-configuration', 'backup', 'restore', 'system', 'activity')
FAULT_NAMES = {400: 'badRequest', 401: 'unauthorized', 403: 'forbidden', 404: 'itemNotFound', 405: 'badMethod',
               409: 'conflictingRequest', 413: 'overLimit', 415: 'badMediaType', 429: 'overLimit', 500: 'instanceFault',
               503: 'serviceUnavailable'}
START_IDS = {'agent': 213560, 'config': 170100, 'schedule': 173130, 'file': 657290, 'backup': 368780, 'restore': 14380,
             'activity': 137980, 'cleanup': 52000}
MAX_SEED_AGENTS = 10000

# literal routes (tried first) and parameter routes: path -> {method: handler}
LITERAL_ROUTES = {
    'agent/enable': {'POST': 'agent_enable'},
    'agent/encrypt': {'POST': 'agent_encrypt'},
    'agent/changeencryption': {'POST': 'agent_change_encryption'},
    'agent/delete': {'POST': 'agent_delete'},
    'agent/migratevault': {'PUT': 'agent_migrate'},
    'agent/logging': {'PUT': 'agent_logging'},
    'user/agents': {'GET': 'user_agents'},
    'user/wakeupagents': {'POST': 'user_wakeup'},
    'backup-configuration': {'POST': 'config_create', 'GET': 'config_list'},
    'backup/action-requested': {'POST': 'backup_action'},
    'backup/availableforrestore': {'GET': 'available_for_restore'},
    'restore': {'PUT': 'restore_create', 'POST': 'restore_update'},
    'restore/files': {'PUT': 'restore_file_add'},
    'restore/action-requested': {'POST': 'restore_action'},
    'activity': {'GET': 'user_activity'},
}
PARAM_ROUTES = (
    (('agent', 'server', '{hostServerId}'), {'GET': 'agent_by_server'}),
    (('agent', '#machineAgentId'), {'GET': 'agent_get', 'POST': 'agent_update'}),
    (('backup-configuration', 'system', '#machineAgentId'), {'GET': 'config_for_agent'}),
    (('backup-configuration', 'enable', '#backupConfigurationId'), {'POST': 'config_enable'}),
    (('backup-configuration', '#backupConfigurationId'), {'GET': 'config_get', 'PUT': 'config_update',
                                                          'DELETE': 'config_delete'}),
    (('backup', 'completed', '#backupConfigurationId'), {'GET': 'backup_completed'}),
    (('backup', 'report', '#backupId'), {'GET': 'backup_report'}),
    (('backup', '#backupId'), {'GET': 'backup_get'}),
    (('restore', 'files', '#restoreId'), {'GET': 'restore_files', 'DELETE': 'restore_files_delete'}),
    (('restore', 'report', '#restoreId'), {'GET': 'restore_report'}),
    (('restore', '#restoreId'), {'GET': 'restore_get'}),
    (('system', 'activity', '#agentId'), {'GET': 'agent_activity'}),
)


def route(segments):
    """(methods dict, params) for the path segments after the tenant, or (None, None)."""
    key = '/'.join(segments).lower()
    if key in LITERAL_ROUTES:
        return LITERAL_ROUTES[key], []
    for pattern, methods in PARAM_ROUTES:
        if len(pattern) != len(segments):
            continue
        params = []
        for part, segment in zip(pattern, segments):
            if part[0] == '#':
                params.append((part[1:], segment))
            elif part[0] == '{':
                params.append((None, segment))
            elif part != segment.lower():
                break
        else:
            return methods, params
    return None, None


class RaxBackupService(AgentOps, ConfigOps, JobOps, Service):
    """Rackspace Cloud Backup API v1.0 and Identity v2.0 tokens."""

    name = 'rax_backup'
    prefix = PREFIX
    config_defaults = {
        'token_ttl': 86400,
        'reuse_tokens': False,
        'wake_seconds': 1.0,
        'idle_seconds': 0.0,
        'backup_seconds': 2.0,
        'restore_seconds': 2.0,
        'stop_seconds': 0.5,
        'error_format': 'rackspace',
        'tenant_in_path': 'required',
        'region_scope': 'region',
        'list_status': 'offline',
        'offline_work': 'queue',
        'agent_backup_datacenter': 'update_only',
        'agent_delete_status': '204',
        'scalar_bodies': 'bare',
        'exponent_hex': 'number',
        'encrypt_again': 'ignore',
        'unique_config_names': True,
        'strict_schedule': False,
        'update_omitted_lists': 'keep',
        'new_schedule_id_on_update': False,
        'manual_next_run': 'null',
        'deleted_configs': 'hidden',
        'duplicate_start': 'reject',
        'restore_files_delete': 'files',
        'bad_restore_password': 'reject',
        'backup_activity_id': 'backup',
    }
    config_choices = {
        'error_format': ('rackspace', 'dotnet', 'plain', 'empty'),
        'tenant_in_path': ('required', 'optional', 'omitted'),
        'region_scope': ('region', 'global'),
        'list_status': ('offline', 'actual'),
        'offline_work': ('queue', 'reject'),
        'agent_backup_datacenter': ('update_only', 'always'),
        'agent_delete_status': ('204', '200'),
        'scalar_bodies': ('bare', 'json'),
        'exponent_hex': ('number', 'string'),
        'encrypt_again': ('ignore', 'reject'),
        'update_omitted_lists': ('keep', 'clear'),
        'manual_next_run': ('null', 'minvalue'),
        'deleted_configs': ('hidden', 'visible'),
        'duplicate_start': ('reject', 'existing', 'parallel'),
        'restore_files_delete': ('files', 'restore'),
        'bad_restore_password': ('reject', 'fail'),
        'backup_activity_id': ('backup', 'separate'),
    }

    # -- lifecycle -----------------------------------------------------------------
    def reset(self):
        super().reset()
        self.identity = Identity()
        self.agents = {}
        self.configs = {}
        self.backups = {}
        self.restores = {}
        self.cleanups = {}
        self.hosts = {}
        self.running = {}
        self.tenant_jobs = {}
        self.seq = dict(START_IDS)
        self.plans = {'backup': [], 'restore': []}
        self.seed_counters = {}
        self._default_data(time.time())

    def credentials(self):
        main, other, observer = USERS_BY_KEY['main'], USERS_BY_KEY['other'], USERS_BY_KEY['observer']
        simulator = self.simulator
        http = (simulator.http_url if simulator is not None and simulator.http_url else 'http://127.0.0.1') + ROOT
        https = simulator.https_url + ROOT if simulator is not None and simulator.https_url else None
        tenant_part = '' if self.config['tenant_in_path'] == 'omitted' else '/' + main.tenant
        variables = {
            'rax_identity_url': http + IDENTITY_SUFFIX,
            'rax_identity_https_url': (https + IDENTITY_SUFFIX) if https else '',
            'rax_username': main.name, 'rax_api_key': main.api_key, 'rax_password': main.password,
            'rax_tenant_id': main.tenant, 'rax_region': main.default_region,
            'rax_backup_url': '%s/backup/dfw/v1.0%s' % (http, tenant_part),
            'rax_backup_https_url': ('%s/backup/dfw/v1.0%s' % (https, tenant_part)) if https else '',
            'rax_backup_passphrase': DEFAULT_PASSPHRASE,
            'rax_other_username': other.name, 'rax_other_api_key': other.api_key, 'rax_other_password': other.password,
            'rax_other_tenant_id': other.tenant,
            'rax_observer_username': observer.name, 'rax_observer_api_key': observer.api_key,
            'rax_observer_password': observer.password,
        }
        info = {'url': http + IDENTITY_SUFFIX, 'vars': variables,
                'secret_vars': ['rax_api_key', 'rax_password', 'rax_backup_passphrase', 'rax_other_api_key',
                                'rax_other_password', 'rax_observer_api_key', 'rax_observer_password']}
        if https:
            info['https_url'] = https + IDENTITY_SUFFIX
        return info

    def identify(self, request):
        user = request.context.get('auth_user')
        if user:
            return user
        token = self.identity.lookup(request.headers.get('X-Auth-Token'), time.time()) if self.identity else None
        return token.user.name if token is not None else None

    # -- errors ----------------------------------------------------------------------
    def error_response(self, exc):
        """An ApiError in the error_format knob's shape."""
        status, message = exc.status, exc.message
        fmt = self.config['error_format']
        headers = list(exc.headers)
        if fmt == 'empty':
            return Response(status, b'', None, headers)
        if fmt == 'plain':
            return Response.text(status, message, headers)
        if fmt == 'dotnet':
            payload = {'Message': message}
        else:
            payload = {FAULT_NAMES.get(status, 'instanceFault' if status >= 500 else 'badRequest'):
                       {'code': status, 'message': message}}
        return Response(status, dumps(payload), 'application/json; charset=utf-8', headers)

    def error(self, status, kind, message):
        return self.error_response(ApiError(status, message))

    def fault_response(self, rule, request=None):
        kind = rule['fault']
        if kind in ('502', '504', 'reset', 'slow'):
            return super().fault_response(rule, request)
        retry = [('Retry-After', format_seconds(rule.get('retry_after', 1)))]
        status, fault, message, headers = {
            '429': (429, 'overLimit', 'Rate limit exceeded: retry later (injected fault).', retry),
            'busy': (409, 'conflictingRequest', 'The resource is busy, try again later (injected fault).', []),
            '500': (500, 'instanceFault', 'Internal server error (injected fault).', []),
            '503': (503, 'serviceUnavailable', 'The service is unavailable, retry later (injected fault).', retry),
        }[kind]
        if request is not None and request.path.lower().startswith('identity/'):
            fault = {'500': 'identityFault', 'busy': 'conflict'}.get(kind, fault)
            return identity_fault(status, fault, message, headers)
        return self.error_response(ApiError(status, message, headers))

    # -- dispatch ----------------------------------------------------------------------
    def handle(self, request):
        now = time.time()
        self.advance(now)
        path = unquote(request.path).strip('/')
        method = 'GET' if request.method == 'HEAD' else request.method
        head, _sep, rest = path.partition('/')
        head = head.lower()
        if head == 'identity':
            return self.identity.handle(request, method, rest, now, int(self.config['token_ttl']),
                                        self.config['reuse_tokens'], lambda user: self._catalog(request, user))
        try:
            if head == 'backup':
                return self._api(request, method, rest, now)
            raise ApiError(404, 'No simulated service at %s%s (only identity/ and backup/ are served).' % (PREFIX, path))
        except ApiError as exc:
            return self.error_response(exc)

    def _base_url(self, request):
        """<scheme>://<host>/rackspace as the request reached us."""
        simulator = self.simulator
        host = request.headers.get('Host')
        if not host or simulator is None:
            return (simulator.http_url if simulator is not None and simulator.http_url else 'http://127.0.0.1') + ROOT
        scheme = 'http'
        if simulator.https_url:
            tls_port = simulator.https_url.rsplit(':', 1)[1]
            port = host.rsplit(':', 1)[1] if ':' in host.rsplit(']', 1)[-1] else None
            if port == tls_port:
                scheme = 'https'
        return '%s://%s%s' % (scheme, host, ROOT)

    def _catalog(self, request, user):
        base = self._base_url(request)
        return catalog_entries(user, base, base, self.config['tenant_in_path'])

    def _api(self, request, method, rest, now):
        parts = rest.split('/')
        region = parts[0].upper()
        if region not in REGIONS or len(parts) < 2 or parts[1].lower() != 'v1.0':
            raise ApiError(404, 'No Cloud Backup endpoint at %s (regions: %s; version v1.0).' % (
                request.path, ', '.join(r.lower() for r in REGIONS)))
        token = self.identity.lookup(request.headers.get('X-Auth-Token'), now)
        if token is None:
            identity_url = self._base_url(request) + IDENTITY_SUFFIX
            raise ApiError(401, MSG_UNAUTHORIZED, [('WWW-Authenticate', "Keystone uri='%s'" % identity_url)])
        user = token.user
        request.context['auth_user'] = user.name
        segments = [segment for segment in parts[2:] if segment]
        mode = self.config['tenant_in_path']
        has_tenant = bool(segments) and segments[0].lower() not in RESOURCE_ROOTS
        if (has_tenant and mode == 'omitted') or (not has_tenant and mode == 'required'):
            raise ApiError(404, 'The backend services did not find anything matching the request URI.')
        tenant = segments.pop(0) if has_tenant else user.tenant
        if tenant != user.tenant:
            raise ApiError(403, 'Access to the requested resource was denied.')
        methods, params = route(segments)
        if methods is None:
            raise ApiError(404, 'The backend services did not find anything matching the request URI.')
        handler = methods.get(method)
        if handler is None:
            allowed = sorted(methods) + (['HEAD'] if 'GET' in methods else [])
            raise ApiError(405, 'Method %s is not allowed here.' % request.method, [('Allow', ', '.join(allowed))])
        args = [path_int(value, name) if name else value for name, value in params]
        ctx = Ctx(request, user, tenant, region, now)
        return getattr(self, handler)(ctx, *args)

    # -- agents and data (default data, seeding, admin) -----------------------------------
    def new_agent(self, tenant, name, datacenter, now, **attrs):
        """An installed agent (admin / seeding)."""
        agent = Agent(self.next_id('agent'), tenant, name, datacenter)
        agent.host_server_id = attrs.pop('host_server_id', None) or str(uuid.uuid5(NAMESPACE, 'server-%d' % agent.id))
        agent.container_uuid = str(uuid.uuid5(NAMESPACE, 'container-%d' % agent.id))
        agent.storage_account = 'MossoCloudFS_%s' % uuid.uuid5(NAMESPACE, 'account-%s' % tenant)
        agent.ip = attrs.pop('ip', None) or '198.51.%d.%d' % (100 + agent.id // 250 % 100, agent.id % 250 + 1)
        online = attrs.pop('online', True)
        passphrase = attrs.pop('passphrase', None)
        for key, value in attrs.items():
            setattr(agent, key, value)
        if passphrase:
            agent.encrypted = True
            agent.passphrase = passphrase
        agent.online_from = (now if online else None)
        agent.last_seen = now
        self.agents[agent.id] = agent
        self.hosts[agent.host_server_id.lower()] = agent
        return agent

    def new_config(self, agent, name, now, frequency='Manually', includes=(), excludes=(), **attrs):
        """A backup configuration (admin / seeding)."""
        config = BackupConfig(self.next_id('config'), agent, now)
        config.schedule_id = self.next_id('schedule')
        config.name = name
        config.frequency = frequency
        config.recipients = attrs.pop('recipients', 'backup-admin@example.com')
        for key, value in attrs.items():
            setattr(config, key, value)
        config.inclusions = [FileEntry(self.next_id('file'), path, kind, True) for path, kind in includes]
        config.exclusions = [FileEntry(self.next_id('file'), path, kind, False) for path, kind in excludes]
        self.configs[config.id] = config
        agent.configs.append(config.id)
        return config

    def history(self, config, states, now, step):
        """Ended backups of a configuration, one per ``step`` seconds up to now (oldest first)."""
        out = []
        for index, state in enumerate(states):
            ended = now - (len(states) - index) * step
            out.append(self.finished_backup(config, state, ended - 300, ended))
        return out

    def _default_data(self, now):
        day = 86400
        web1 = self.new_agent(MAIN_TENANT, 'web-01', 'DFW', now, os='Ubuntu', os_version='22.04')
        daily = self.new_config(web1, 'Daily web backup', now, 'Daily', [('/var/www/', 'Folder')],
                                [('/var/www/cache/', 'Folder')], start_hour=2, start_minute=30, start_ampm='AM',
                                retention=30, notify_failure=True)
        manual = self.new_config(web1, 'Manual config backup', now, 'Manually', [('/etc/', 'Folder')], retention=0,
                                 missed_action=2)
        done = self.history(daily, ('Completed', 'CompletedWithErrors', 'Completed'), now, day)
        self.history(manual, ('Completed',), now - 4 * day, day)
        restore = Restore(self.next_id('restore'), done[-1], web1, now - day / 2 - 600)
        restore.path = '/tmp/restore/'
        restore.outcome = 3
        restore.started = restore.requested + 60
        restore.run_from = restore.started + 5
        self.restores[restore.id] = restore
        self.register(restore, web1)
        self.finish(restore, 3, restore.run_from + 180)
        cleanup = self.start_cleanup(web1, now - 2 * day)
        cleanup.run_from = cleanup.started
        self.finish(cleanup, 'Completed', cleanup.started + 120)

        web2 = self.new_agent(MAIN_TENANT, 'web-02', 'DFW', now, os='Windows Server 2012', os_version='',
                              online=False, passphrase=DEFAULT_PASSPHRASE)
        weekly = self.new_config(web2, 'Weekly Website Backup', now, 'Weekly',
                                 [('C:\\inetpub\\wwwroot', 'Folder'), ('C:\\backup_up_file.txt', 'File')],
                                 [('C:\\inetpub\\wwwroot\\cache', 'Folder')], start_hour=7, start_minute=30,
                                 start_ampm='PM', day_of_week=5, retention=60, notify_success=True)
        self.history(weekly, ('Completed', 'Completed'), now, 7 * day)

        db1 = self.new_agent(MAIN_TENANT, 'db-01', 'ORD', now, os='CentOS', os_version='7')
        hourly = self.new_config(db1, 'Hourly DB dumps', now, 'Hourly', [('/var/backups/db/', 'Folder')],
                                 hour_interval=4, retention=30)
        self.history(hourly, ('Failed', 'Completed'), now, 4 * 3600)
        self.new_agent(MAIN_TENANT, 'app-01', 'IAD', now, os='Windows Server 2016', os_version='', online=False,
                       disabled=True)
        self.new_agent(MAIN_TENANT, 'lon-01', 'LON', now, os='Debian', os_version='12')

        other = self.new_agent(OTHER_TENANT, 'other-web-01', 'ORD', now)
        nightly = self.new_config(other, 'Nightly', now, 'Daily', [('/srv/', 'Folder')], start_hour=1, start_minute=0,
                                  start_ampm='AM', time_zone='UTC')
        self.history(nightly, ('Completed',), now, day)

    def seed(self, params):
        now = time.time()
        self.advance(now)
        count = _int_param(params, 'agents', 5, 0, MAX_SEED_AGENTS)
        per_agent = _int_param(params, 'configs_per_agent', 1, 0, 3)
        per_config = _int_param(params, 'backups_per_config', 2, 0, 10)
        offline_every = _int_param(params, 'offline_every', 3, 0, 1000000)
        regions = params.get('regions') or ['DFW', 'ORD', 'IAD', 'LON']
        if isinstance(regions, str):
            regions = [item.strip() for item in regions.split(',') if item.strip()]
        regions = [str(item).upper() for item in regions]
        if not regions or any(region not in REGIONS for region in regions):
            raise AdminError(400, 'regions must be a list of %s' % ', '.join(REGIONS))
        user = _admin_user(params.get('user'))
        prefix = str(params.get('prefix') or 'bulk')
        start = self.seed_counters.get(prefix, 0)
        created = []
        configs = backups = 0
        for index in range(start + 1, start + count + 1):
            windows = index % 4 == 0
            agent = self.new_agent(user.tenant, '%s-%05d' % (prefix, index), regions[(index - 1) % len(regions)], now,
                                   os='Windows Server 2019' if windows else 'Ubuntu',
                                   os_version='' if windows else '22.04',
                                   online=not (offline_every and index % offline_every == 0))
            for number in range(per_agent):
                path = 'C:\\data%d' % number if windows else '/srv/data%d/' % number
                config = self.new_config(agent, 'bulk config %d' % (number + 1), now, 'Daily', [(path, 'Folder')],
                                         start_hour=1 + (index + number) % 12, start_minute=(index * 7) % 60,
                                         start_ampm='AM' if index % 2 else 'PM', retention=30)
                configs += 1
                backups += len(self.history(config, ('Completed',) * per_config, now, 86400))
            created.append(agent.id)
        self.seed_counters[prefix] = start + count
        return {'agents': created, 'configs': configs, 'backups': backups, 'total_agents': len(self.agents),
                'tenant': user.tenant}

    # -- admin ---------------------------------------------------------------------------
    def admin(self, action, method, params):
        now = time.time()
        self.advance(now)
        key = (method, action.split('/', 1)[0])
        handlers = {
            ('POST', 'expire-tokens'): self._admin_expire_tokens,
            ('GET', 'tokens'): self._admin_tokens,
            ('GET', 'users'): self._admin_users,
            ('GET', 'agents'): self._admin_agents,
            ('POST', 'agents'): self._admin_add_agent,
            ('POST', 'agent-status'): self._admin_agent_status,
            ('POST', 'fail-next-backup'): self._admin_fail_next_backup,
            ('POST', 'fail-next-restore'): self._admin_fail_next_restore,
            ('GET', 'plans'): lambda params, now: {'plans': {kind: list(items) for kind, items in self.plans.items()}},
            ('POST', 'run-scheduled'): self._admin_run_scheduled,
            ('POST', 'cleanup'): self._admin_cleanup,
            ('POST', 'age-backups'): self._admin_age_backups,
            ('POST', 'expire-backup'): self._admin_expire_backup,
            ('POST', 'encrypt-passphrase'): self._admin_encrypt_passphrase,
        }
        if '/' in action and key == ('GET', 'agents'):
            return self._admin_agent_view(self._admin_agent({'MachineAgentId': action.split('/', 1)[1]}), now)
        handler = handlers.get(key) if '/' not in action else None
        if handler is None:
            raise AdminError(404, 'unknown admin action %s %s/%s (known: %s, GET agents/ID)' % (
                method, self.name, action, ', '.join('%s %s' % pair for pair in handlers)))
        return handler(params, now)

    def _admin_expire_tokens(self, params, now):
        username = params.get('username')
        if username is not None and str(username).lower() not in USERS_BY_NAME:
            raise AdminError(404, 'unknown user %s' % username)
        return {'ok': True, 'expired': self.identity.expire(now, username)}

    def _admin_tokens(self, params, now):  # pylint: disable=unused-argument
        tokens = [{'user': token.user.name, 'method': token.method, 'issued_at': token.issued,
                   'expires_at': token.expires_at, 'valid': token.valid(now)} for token in self.identity.tokens.values()]
        return {'issued': len(tokens), 'valid': sum(1 for token in tokens if token['valid']), 'tokens': tokens}

    def _admin_users(self, params, now):  # pylint: disable=unused-argument
        return {'users': [{'key': user.key, 'username': user.name, 'user_id': user.user_id, 'tenant_id': user.tenant,
                           'api_key': user.api_key, 'password': user.password, 'read_only': user.read_only,
                           'roles': [role['name'] for role in user.roles], 'default_region': user.default_region}
                          for user in USERS]}

    def _admin_agent(self, params):
        try:
            agent_id = int(params.get('MachineAgentId', params.get('id')))
        except (TypeError, ValueError) as exc:
            raise AdminError(400, 'MachineAgentId (an integer) is required') from exc
        agent = self.agents.get(agent_id)
        if agent is None:
            raise AdminError(404, 'agent %s not found' % agent_id)
        return agent

    def _admin_agent_view(self, agent, now):
        since = self.online_since(agent, now)
        return {'MachineAgentId': agent.id, 'MachineName': agent.name, 'tenant_id': agent.tenant,
                'Datacenter': agent.datacenter, 'BackupDataCenter': agent.backup_datacenter,
                'Status': 'Online' if since is not None else 'Offline', 'online_from': agent.online_from,
                'IsDisabled': agent.disabled, 'IsEncrypted': agent.encrypted, 'passphrase_set': agent.passphrase is not None,
                'LoggingLevelId': agent.log_level, 'UseServiceNet': agent.service_net, 'HostServerId': agent.host_server_id,
                'deleted': agent.deleted, 'configs': list(agent.configs),
                'jobs': [{'kind': job.kind, 'id': job.id, 'final': job.final} for job in agent.jobs]}

    def _admin_agents(self, params, now):
        tenant = _admin_user(params.get('user')).tenant if params.get('user') else None
        return {'agents': [{'MachineAgentId': agent.id, 'MachineName': agent.name, 'tenant_id': agent.tenant,
                            'Datacenter': agent.datacenter,
                            'Status': 'Online' if self.online_since(agent, now) is not None else 'Offline',
                            'IsDisabled': agent.disabled, 'IsEncrypted': agent.encrypted}
                           for agent in self.agents.values() if tenant in (None, agent.tenant) and not agent.deleted]}

    def _admin_add_agent(self, params, now):
        name = params.get('name') or params.get('MachineName')
        if not isinstance(name, str) or not name:
            raise AdminError(400, '"name" (a non-empty string) is required')
        datacenter = str(params.get('datacenter') or params.get('Datacenter') or 'DFW').upper()
        if datacenter not in REGIONS:
            raise AdminError(400, 'datacenter must be one of %s' % ', '.join(REGIONS))
        host = params.get('host_server_id')
        if host is not None and (not isinstance(host, str) or not host or host.lower() in self.hosts):
            raise AdminError(400, 'host_server_id must be a new, non-empty string')
        passphrase = params.get('passphrase')
        if passphrase is not None and (not isinstance(passphrase, str) or not passphrase):
            raise AdminError(400, 'passphrase must be a non-empty string')
        attrs = {'host_server_id': host, 'ip': params.get('ip'), 'online': bool(params.get('online', True)),
                 'disabled': bool(params.get('disabled', False)), 'passphrase': passphrase}
        for field, attr in (('os', 'os'), ('os_version', 'os_version'), ('architecture', 'architecture'),
                            ('version', 'version')):
            if params.get(field) is not None:
                attrs[attr] = str(params[field])
        agent = self.new_agent(_admin_user(params.get('user')).tenant, name, datacenter, now, **attrs)
        return {'ok': True, 'MachineAgentId': agent.id, 'agent': self._admin_agent_view(agent, now)}

    def _admin_agent_status(self, params, now):
        agent = self._admin_agent(params)
        status = str(params.get('status', '')).capitalize()
        if status not in ('Online', 'Offline'):
            raise AdminError(400, 'status must be Online or Offline')
        agent.online_from = now if status == 'Online' else None
        agent.last_seen = now
        return {'ok': True, 'agent': self._admin_agent_view(agent, now)}

    def _admin_fail_next_backup(self, params, now):  # pylint: disable=unused-argument
        target = _optional_int(params, 'BackupConfigurationId')
        if target is not None and target not in self.configs:
            raise AdminError(404, 'backup configuration %s not found' % target)
        state = params.get('state', 'Failed')
        if state not in ('Failed', 'CompletedWithErrors', 'Completed'):
            raise AdminError(400, 'state must be Failed, CompletedWithErrors or Completed')
        plan = {'id': target, 'state': state, 'at': _fraction(params, state == 'Failed')}
        self.plans['backup'].append(plan)
        return {'ok': True, 'plan': plan}

    def _admin_fail_next_restore(self, params, now):  # pylint: disable=unused-argument
        target = _optional_int(params, 'RestoreId')
        if target is not None and target not in self.restores:
            raise AdminError(404, 'restore %s not found' % target)
        state = params.get('state', 'Failed')
        state = RESTORE_STATE_IDS.get(state, state)
        if state not in (5, 8, 3):
            raise AdminError(400, 'state must be Failed (5), CompletedWithErrors (8) or Completed (3)')
        if params.get('halfway') and 'at' not in params:
            params = dict(params, at=0.5)
        plan = {'id': target, 'state': state, 'at': _fraction(params, state == 5)}
        self.plans['restore'].append(plan)
        return {'ok': True, 'plan': plan}

    def _admin_run_scheduled(self, params, now):
        config = self.configs.get(_optional_int(params, 'BackupConfigurationId'))
        if config is None or config.deleted:
            raise AdminError(404, 'BackupConfigurationId of an existing configuration is required')
        outcome = params.get('outcome', 'run')
        if outcome == 'run':
            backup = self.start_backup(config, now, scheduled=True)
        elif outcome in ('Skipped', 'Missed'):
            backup = self.finished_backup(config, outcome, now, now)
        else:
            raise AdminError(400, 'outcome must be run, Skipped or Missed')
        return {'ok': True, 'BackupId': backup.id}

    def _admin_cleanup(self, params, now):
        agent = self._admin_agent(params)
        return {'ok': True, 'CleanupId': self.start_cleanup(agent, now).id}

    def _admin_age_backups(self, params, now):  # pylint: disable=unused-argument
        try:
            days = float(params.get('days'))
        except (TypeError, ValueError) as exc:
            raise AdminError(400, 'days (a number) is required') from exc
        target = _optional_int(params, 'BackupConfigurationId')
        shift = days * 86400
        moved = 0
        for backup in self.backups.values():
            if backup.final is not None and target in (None, backup.config.id):
                for attr in ('requested', 'started', 'run_from', 'ended'):
                    if getattr(backup, attr) is not None:
                        setattr(backup, attr, getattr(backup, attr) - shift)
                moved += 1
        return {'ok': True, 'aged': moved}

    def _admin_expire_backup(self, params, now):  # pylint: disable=unused-argument
        backup = self.backups.get(_optional_int(params, 'BackupId'))
        if backup is None:
            raise AdminError(404, 'BackupId of an existing backup is required')
        backup.expired = True
        return {'ok': True}

    def _admin_encrypt_passphrase(self, params, now):  # pylint: disable=unused-argument
        agent = self._admin_agent(params)
        passphrase = params.get('passphrase')
        if not isinstance(passphrase, str) or not passphrase:
            raise AdminError(400, 'passphrase (a non-empty string) is required')
        pair = rsakeys.key_for(agent.id)
        return {'EncryptedPasswordHex': rsakeys.encrypt_hex(pair, passphrase),
                'PublicKey': {'ModulusHex': pair.modulus_hex, 'ExponentHex': pair.exponent_hex}}


def _int_param(params, key, default, low, high):
    try:
        value = int(params.get(key, default))
    except (TypeError, ValueError) as exc:
        raise AdminError(400, '%s must be an integer' % key) from exc
    if not low <= value <= high:
        raise AdminError(400, '%s must be between %d and %d' % (key, low, high))
    return value


def _optional_int(params, key):
    value = params.get(key)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise AdminError(400, '%s must be an integer' % key) from exc


def _fraction(params, failing):
    try:
        value = float(params.get('at', 1.0))
    except (TypeError, ValueError) as exc:
        raise AdminError(400, 'at must be a number between 0 and 1') from exc
    if not 0 <= value <= 1:
        raise AdminError(400, 'at must be a number between 0 and 1')
    return value if failing else 1.0


def _admin_user(value):
    if value in (None, ''):
        return USERS_BY_KEY['main']
    user = USERS_BY_KEY.get(str(value)) or USERS_BY_NAME.get(str(value).lower())
    if user is None:
        raise AdminError(404, 'unknown user %s (main, other, observer or a username)' % value)
    return user
