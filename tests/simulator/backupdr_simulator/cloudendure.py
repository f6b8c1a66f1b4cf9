# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated CloudEndure API (the original "function" API of the CloudEndure API Guide).

Served under ``/cloudendure/``, which stands for ``https://api.cloudendure.com/``:
every function is ``POST /cloudendure/latest/{FUNCTION}`` (seed L9), its
parameters one JSON object in the body (L11), its answer the envelope
``{"error": null | "<Error String>", "result": <value>}`` (L13).  The seed is
the contract; where it is silent or ambiguous this simulator decided as
follows ("Lnnn" = seed line).  Knobs are set with ``POST /_sim/config``
(``{"service": "cloudendure", ...}``), admin actions are
``/_sim/cloudendure/<action>``.

Wire format
  D1. Functions are case-sensitive names under ``latest/`` (one trailing
      slash tolerated).  An unknown function (including ``storeCredentials``,
      which L222/L246 name but the seed never documents) -> HTTP 404, a known
      one with another method than POST -> 405 with ``Allow: POST``; both
      answer the envelope with "Unexpected Error" whatever ``error_status``
      says (a client bug, not an API error).
  D2. The body is one JSON object; an empty body is ``{}``.  A body that is
      not JSON or not an object -> "Unexpected Error" (the seed's catch-all;
      HTTP 400 under ``error_status`` 400/mapped); the body is read before
      the session cookie.  Content-Type is not checked.  Unknown parameters
      are ignored.  Checks: "Not Logged In" first (every function but
      login), then "Details Not Set" (getUserDetails, listMachines,
      start/stopReplication, clone, cleanup, completeFailover, getStatus,
      getAvailableTimestamps, get/setFutureReplicaConfiguration: the
      functions that list it), then the function's own, in the order given
      below.  A missing or ill-typed parameter gets the error of that
      parameter (listMachines without ``location`` -> "Unknown Location",
      clone without ``originalLocation`` -> "Unknown Original Location",
      setPassword without ``password`` -> "Password Is Illegal", ...); an
      ill-typed ``shouldCleanup`` or ``shouldInstallAgent`` (no error of
      their own) -> "Unexpected Error".
  D3. Knob ``error_status`` (the HTTP status of an error, L13 names none):
      ``200`` (default) every API error is HTTP 200 with the envelope;
      ``400`` every error is 400 except "Unexpected Error" (500);
      ``mapped`` 401 Not Logged In and login's Bad Credentials, 429 Too Many
      Failed Attempts (with ``Retry-After`` = the rest of the lock), 403
      Incorrect Old Password, 409 for state errors (Not Ready, Replica
      Creation or Failover in Progress, Details Not Set, Machine Credentials
      Missing, Machine Is Not Running, Agent Not Running), 500 Unexpected
      Error, 400 for every other error (setUserDetails' Bad Credentials
      included).  The body is the envelope in every mode; a client must read
      ``error`` whatever the status.
  D4. Knob ``double_encoded`` (L11 "values ... JSON-encoded", L13 "a
      JSON-encoded returned value"): ``no`` (default) parameters and
      ``result`` are plain nested JSON; ``yes`` every parameter value must be
      a string holding JSON (``{"location": "\\"AWS EU (Ireland)\\""}``),
      anything else counts as ill-typed (D2), and a successful ``result`` is a
      string holding JSON (``"null"`` for a null result; ``result`` stays
      null on errors; ``error`` is never encoded); ``accept`` parameters
      either way (a string is decoded once when the parameter is not a
      string, or when it decodes to a string), ``result`` plain.  A client
      that decodes ``result`` whenever it is a string passes every mode.
  D5. Error strings are the seed's, byte for byte, including "Bad timestamp"
      (lower-case t, L286) and "Bad Id" / "Bad Ids".

Login, sessions and the lockout (L80-113)
  D6. Accounts (``GET /_sim/cloudendure/accounts``): ``dr-admin@example.com``
      (the published one: details set, machines in every role),
      ``new-user@example.com`` (details not set -> "Details Not Set") and
      ``inactive@example.com`` (not activated: "Bad Credentials" even with
      its password).  Usernames compare case-insensitively (they are email
      addresses); passwords exactly.
  D7. ``login`` -> result null and ``Set-Cookie: session=<opaque>;
      Path=/cloudendure/; HttpOnly`` (the prefix stands for the host root).
      Each login is a new parallel session, a valid cookie sent along or not.
      Every other function first checks the ``session`` cookie: missing,
      unknown, logged out or expired -> "Not Logged In".  ``logout`` ends only
      that session (and clears the cookie).  Knob ``session_ttl`` (seconds,
      default 3600, 0 = never): a session unused for that long expires.  Admin
      ``expire-sessions`` ends sessions at once.  ``setPassword`` keeps every
      session.
  D8. The lockout (L82), per username (unknown ones too, so the answer does
      not reveal which exist): a failed login (unknown user, wrong password,
      inactive account, ill-typed parameters) extends the failure streak when
      it comes within ``lockout_window_seconds`` (60) of the previous failure
      or of the end of the lock that streak caused, else starts a new streak.
      The 3rd failure of a streak, and every later failure of the same streak
      ("any successive failed attempt thereafter"), answers "Bad Credentials"
      and locks the account for ``lockout_seconds`` (60).  While locked every
      login, right password or not, answers "Too Many Failed Attempts"
      without checking the password.  Knob ``lockout_rearm_while_locked``
      (default true): such a refused attempt is itself a failed attempt and
      restarts the lock ("Not enough time passed since last failed attempt.
      Wait one minute and retry.", L96) -- a client must wait a full lock
      period without trying; false: refused attempts change nothing.  A
      successful login ends the streak.  Admin ``lock`` / ``unlock``.

Account details (L19-31, L131-187)
  D9. ``getAllLocations`` returns invented location names (the seed shows
      none), each with a cloud the simulator uses: ``AWS US East (N.
      Virginia)``, ``AWS US West (Oregon)``, ``AWS EU (Ireland)`` (AWS),
      ``Google Cloud US Central`` (Google), ``Azure East US`` (Azure),
      ``Generic (On-Premise)`` (no cloud: its machines are type
      ``machine``).  Any location can be Primary or Secondary (L117), but not
      both at once.
  D10. ``setUserDetails``' parameter is undocumented (L152-154 "None").  Knob
       ``user_details_param``: ``userDetails`` (default; the name L139 gives
       the object) the UserDetails object is the value of ``userDetails``;
       ``top-level`` its keys are the body's keys (each one a parameter, so
       each is encoded on its own under ``double_encoded=yes``); ``any``
       ``userDetails`` when present, else the top level.  The other form is
       ignored (unknown parameters), so a client sending both forms in one
       body passes every value.
  D11. setUserDetails overwrites everything (L150): firstName, lastName and
       company are optional and become "" when left out (non-strings are
       stored as ""); every other key is required.  Checks in order:
       status cloning/failingOver -> "Replica Creation or Failover in
       Progress" (not during cleaningUp: L163 names replica creation and
       failover only); ``username`` missing or not the account's ->
       "Cannot Change Email"; ``originalLocation`` not a location -> "Unknown
       Original Location"; ``mirrorLocation`` not a location or equal to the
       original -> "Unknown Mirror Location"; ``credentials`` -> "Bad
       Credentials" unless an object whose keys are among AWS/Azure/Google,
       each with exactly its two string fields (L30), none empty, holding a
       key for the cloud of each chosen location, with an AWS
       ``accessKeyId`` matching ``^(AKIA|ASIA)[A-Z0-9]{12,124}$`` (the
       simulator's idea of "incorrect"); ``features`` -> "Bad Features"
       unless an array of one-key objects ``{NAME: boolean}`` (the format of
       L31, not its "Object" type), no name twice, every name available to
       the account.  Features left out are stored as disabled.  Only
       ``pointInTime`` has an effect (D17); the others are inert names.
  D12. Knob ``details_secrets``: ``returned`` (default; L30 "stores the
       cloud account credentials", getUserDetails returns the struct) or
       ``masked``: getUserDetails shows ``secretAccessKey``,
       ``certificateFile`` and ``privateKeyJson`` as ``"********"``, and a
       setUserDetails carrying the mask back -> "Bad Credentials" (the mask
       is not a credential: a client must send real secrets).
  D13. ``setPassword``: ``password`` must be a string of 8 to 128 characters
       (L184 "too short/long") else "Password Is Illegal".  ``oldPassword``
       is named only by the error (L186).  Knob ``old_password``:
       ``required`` (default) missing or wrong -> "Incorrect Old Password";
       ``optional`` checked only when sent; ``ignored``.  The old password is
       checked before the new one.  A client that always sends
       ``oldPassword`` passes every value.  Wrong old passwords do not count
       toward the lockout.

Machines and replication (L33-50, L189-252)
  D14. Machine ids: knob ``machine_id_param``.  The seed spells the
       parameter ``machineld`` in startReplication (L215) and ``machinelds``
       in cleanup (L301) -- read as a font artefact of ``machineId``, the
       spelling of stopReplication (L239), clone (L274) and the replica
       configuration functions.  ``both`` (default): either spelling, in every
       function (both sent and different -> the function's id error);
       ``documented``: exactly the seed's name of each function (startReplication
       ``machineld``, cleanup ``machinelds``, the others ``machineId`` /
       ``machineIds``); ``corrected``: ``machineId`` / ``machineIds``
       everywhere.  A client sending both spellings passes every value.
  D15. CloudResource fields exactly as L37-50, in that order.  Times are
       strings of whole epoch seconds.  ``lastConsistencyTime`` is "" unless
       Replicated; ``replicatedStorageBytes`` is 0 when Not Replicated, the
       copied bytes while Replicating, ``totalStorageBytes`` when Replicated.
       No ELB or network resources are listed (the seed gives them no
       ``type``).  ``listMachines`` works for any location (L191); only
       machines of the Primary Location can be replicated.
  D16. ``startReplication(machineId, shouldInstallAgent=true)``: checks in
       order: not a machine of the Primary -> "Bad Machine Id"; already
       Replicating/Replicated or waiting for its agent -> nothing happens
       (L210); cloudState not Running/Available -> "Machine Is Not Running";
       agent installed but stopped -> "Agent Not Running"; no agent and
       ``shouldInstallAgent`` true without stored machine credentials ->
       "Machine Credentials Missing" (``storeCredentials`` is not an API
       function here: admin ``set-machine`` stores them).  With credentials
       the agent is installed remotely.  ``shouldInstallAgent=false`` and no
       agent: success, the machine stays Not Replicated with errorString
       "Waiting for the CloudEndure agent to be installed" until admin
       ``set-machine`` ``{"agent": "running"}`` (the manual install), then
       replication starts.  RDS instances need no agent.  Replicating: the
       copied bytes grow linearly for ``replication_seconds``, then
       Replicated.  A start during "Stopping Replication" restarts the
       initial copy.
  D17. ``stopReplication``: not a machine of the Primary -> "Bad Machine
       Id"; Not Replicated -> nothing happens (a pending manual start is
       cancelled); then "Machine Is Not Running", "Agent Not Running", and
       "Machine Credentials Missing" when the agent was installed remotely
       (it is uninstalled with the machine credentials) and the credentials
       were removed since.  Then "Stopping Replication" for ``stop_seconds``,
       then Not Replicated (a remotely installed agent is removed).
       Replication is not affected by the machine's cloudState once started.
  D18. Points in time (getAvailableTimestamps, L362-377): account-wide,
       whole epoch seconds that are multiples of ``snapshot_seconds``
       (integer, default 10) at which at least one machine of the account was
       Replicated, the newest ``timestamp_retention`` (48) of them, oldest
       first.  ``[]`` unless the account's ``pointInTime`` feature is
       enabled.  ``lastConsistencyTime`` of a Replicated machine is its
       newest such point (or the moment it became Replicated before the
       first one).  The default Replicated machines have been Replicated
       since one hour before the reset.

Account status and processes (L52-58, L254-360)
  D19. One process at a time per account: getStatus ``{"status":
       "normal"}`` (no ``log`` key), or ``cloning`` / ``cleaningUp`` /
       ``failingOver`` with ``log``: one line per step done so far,
       ``YYYY-MM-DD HH:MM:SS UTC <message>: <Success|Failure ...|Skipped>``
       joined by newlines.  The log is gone once the status is normal again
       (admin ``GET accounts`` keeps the history).  Steps are spread evenly
       over ``clone_seconds`` / ``cleanup_seconds`` / ``failover_seconds``
       (the knob's value when looked at: lowering it finishes a running
       process at the next request).  clone, cleanup and completeFailover
       during a process -> "Not Ready".
  D20. ``clone``: checks in order: ``originalLocation`` missing, unknown or
       not the current Primary -> "Unknown Original Location"; a process runs
       -> "Not Ready"; ``Timestamp`` (string or integer epoch seconds) not in
       getAvailableTimestamps -> "Bad timestamp"; ``machineIds`` not an array
       of strings, empty, or naming a machine that is not a Replicating or
       Replicated machine of the Primary -> "Bad Ids" (without it: every
       Replicated machine of the Primary, L274).  Steps: first the cleanup
       (L267): delete the replicas of those machines in the Secondary, or,
       with ``shouldCleanup`` true, every resource CloudEndure created there;
       then, when the Primary is a cloud, one network step; then one replica
       per machine.  A replica is a new CloudResource in the Secondary:
       ``originalId`` the source, ``CloudEndureCreationTime`` its creation,
       ``CloudEndurePointInTime`` the Timestamp (else the source's
       lastConsistencyTime, else the clone's start), name and volumes of the
       source, cloudState ``Pending`` (RDS: ``Creating``) turning
       ``Running`` (``Available``) ``boot_seconds`` later -- the clone ends
       without waiting (L347).  Type: ``ec2`` (``rds`` for RDS) in an AWS
       Secondary, else ``machine``; an RDS source with a non-AWS Secondary is
       skipped (L259).  Future replica configuration applied: ElasticIP
       "Create New" gives one new public IP per source public IP (at least
       one), else ``persistentPublicIps`` null.
  D21. Admin ``fail-next-clone``: the next clone of the account does its
       cleanup, then its first replica step fails and the others are skipped;
       the status returns to normal with no replica of those machines (there
       is no failed status, L345-347: only the log said so).
  D22. ``cleanup``: a process runs -> "Not Ready"; ``machineIds`` as clone's
       ("Bad Ids"); without it every Replicating or Replicated machine of the
       Primary (L301's "Protected").  Deletes the replicas of those machines
       in the Secondary, or with ``shouldCleanup`` true every resource
       CloudEndure created there (``originalId`` set); machines CloudEndure
       did not create are never deleted.  Nothing to delete still runs a
       (short) process.
  D23. ``completeFailover``: ``originalLocation`` as clone's -> "Unknown
       Original Location"; then "Not Ready".  No clone needed (no error is
       documented): steps stop every replication in the Primary (Not
       Replicated at once), swap ``originalLocation`` and ``mirrorLocation``,
       then start replicating (no agent or credentials needed, L321) every
       replica in the old Secondary whose original was Replicating or
       Replicated when the failover began.  Irreversible: failing back is
       another clone and completeFailover from the new Primary.
  D24. Admin ``not-ready``: the account shows a process of the given status
       (default ``cloning``) for N seconds, with a one-line log.

Replica configuration (L60-73, L379-417, L464-493)
  D25. getFutureReplicaConfiguration / setFutureReplicaConfiguration: the
       machine must be a Replicating or Replicated machine of the Primary,
       else "Bad Id".  The object has the five components of L64-73, in that
       order, each ``{"value", "editable": "true"|"false"}`` (strings).
       Defaults: an AWS source (ec2/rds) and an AWS Secondary -> InstanceType,
       InstanceSubnet, PrivateIPs "Copy Origin", ElasticIP "Create New" when
       the source has public IPs else null, volume ssd "Copy Origin"; a
       non-AWS source to AWS -> "m3-large" (as L401 writes it), "Create New",
       "Create New", null, ssd "false"; a Google Secondary -> "n1-standard-2",
       InstanceSubnet "Create New", PrivateIPs "Copy Origin" for AWS sources
       and "Create New" otherwise, ElasticIP null; Azure likewise with
       "Standard_D2s_v3"; an on-premise Secondary likewise with "Copy
       Origin" (AWS sources) or "Create New".  Volumes: ``{"replicate": true,
       "ssd": ..., "IOps": null}`` per volume.  Non-editable fixtures: web-02's
       InstanceSubnet, the RDS instance's ElasticIP and PrivateIPs.  A stored
       configuration is kept when the locations change.
  D26. setFutureReplicaConfiguration checks in order: "Bad Configuration
       Format" (not an object; components not exactly those of the get;
       a component not exactly ``{"value", "editable"}`` or ``editable`` not
       "true"/"false"; ElasticIP not "Create New"/null; Volumes not the same
       volume names each with exactly replicate (boolean), ssd
       ("true"/"false"/"Copy Origin") and IOps (positive integer or null);
       InstanceType/InstanceSubnet not non-empty strings; PrivateIPs not
       "Copy Origin"/"Create New"/"Generate New" or a non-empty array of IPv4
       strings); then "Field Not Editable" (an ``editable`` member changed,
       or a non-editable component's value changed); then "Not Supported"
       ("Copy Origin" anywhere for a non-AWS source, PrivateIPs "Create
       New"/"Generate New" for an AWS source, more than one private IP,
       ``replicate`` false).  "Generate New" (L480) is read as "Create New"
       and stored as such.

Faults
  D27. Injected faults answer in the envelope: 500 -> HTTP 500 "Unexpected
       Error"; busy -> "Not Ready" with the status ``error_status`` gives it;
       429 and 503 -> that status, ``Retry-After``, "Unexpected Error"; 502,
       504, reset and slow are the core's (a gateway does not speak the
       envelope).
"""

import hmac
import ipaddress
import json
import math
import re
import secrets
import time
from http.cookies import CookieError, SimpleCookie

from .core import AdminError, Response, Service, format_seconds

PREFIX = '/cloudendure/'
API_PATH = 'latest/'
COOKIE_NAME = 'session'
REAL_BASE_URL = 'https://api.cloudendure.com/latest/'

# -- error strings (seed, exact) ----------------------------------------------------
E_BAD_CREDENTIALS = 'Bad Credentials'
E_TOO_MANY = 'Too Many Failed Attempts'
E_UNEXPECTED = 'Unexpected Error'
E_NOT_LOGGED_IN = 'Not Logged In'
E_DETAILS_NOT_SET = 'Details Not Set'
E_CANNOT_CHANGE_EMAIL = 'Cannot Change Email'
E_IN_PROGRESS = 'Replica Creation or Failover in Progress'
E_UNKNOWN_ORIGINAL = 'Unknown Original Location'
E_UNKNOWN_MIRROR = 'Unknown Mirror Location'
E_UNKNOWN_LOCATION = 'Unknown Location'
E_BAD_FEATURES = 'Bad Features'
E_PASSWORD_ILLEGAL = 'Password Is Illegal'
E_INCORRECT_OLD = 'Incorrect Old Password'
E_MACHINE_CREDENTIALS = 'Machine Credentials Missing'
E_BAD_MACHINE_ID = 'Bad Machine Id'
E_NOT_RUNNING = 'Machine Is Not Running'
E_AGENT_NOT_RUNNING = 'Agent Not Running'
E_NOT_READY = 'Not Ready'
E_BAD_TIMESTAMP = 'Bad timestamp'
E_BAD_IDS = 'Bad Ids'
E_BAD_ID = 'Bad Id'
E_BAD_CONFIGURATION = 'Bad Configuration Format'
E_NOT_EDITABLE = 'Field Not Editable'
E_NOT_SUPPORTED = 'Not Supported'

ALL_ERRORS = (E_BAD_CREDENTIALS, E_TOO_MANY, E_UNEXPECTED, E_NOT_LOGGED_IN, E_DETAILS_NOT_SET, E_CANNOT_CHANGE_EMAIL,
              E_IN_PROGRESS, E_UNKNOWN_ORIGINAL, E_UNKNOWN_MIRROR, E_UNKNOWN_LOCATION, E_BAD_FEATURES, E_PASSWORD_ILLEGAL,
              E_INCORRECT_OLD, E_MACHINE_CREDENTIALS, E_BAD_MACHINE_ID, E_NOT_RUNNING, E_AGENT_NOT_RUNNING, E_NOT_READY,
              E_BAD_TIMESTAMP, E_BAD_IDS, E_BAD_ID, E_BAD_CONFIGURATION, E_NOT_EDITABLE, E_NOT_SUPPORTED)

# error_status=mapped (D3); every other error is 400
MAPPED_STATUS = {
    E_NOT_LOGGED_IN: 401, E_TOO_MANY: 429, E_INCORRECT_OLD: 403, E_UNEXPECTED: 500,
    E_NOT_READY: 409, E_IN_PROGRESS: 409, E_DETAILS_NOT_SET: 409, E_MACHINE_CREDENTIALS: 409, E_NOT_RUNNING: 409,
    E_AGENT_NOT_RUNNING: 409,
}

# -- locations (D9) ----------------------------------------------------------------------
LOC_US_EAST = 'AWS US East (N. Virginia)'
LOC_US_WEST = 'AWS US West (Oregon)'
LOC_EU = 'AWS EU (Ireland)'
LOC_GOOGLE = 'Google Cloud US Central'
LOC_AZURE = 'Azure East US'
LOC_ONPREM = 'Generic (On-Premise)'
LOCATIONS = ((LOC_US_EAST, 'AWS'), (LOC_US_WEST, 'AWS'), (LOC_EU, 'AWS'), (LOC_GOOGLE, 'Google'), (LOC_AZURE, 'Azure'),
             (LOC_ONPREM, None))
LOCATION_CLOUD = dict(LOCATIONS)
CLOUD_FIELDS = {'AWS': ('accessKeyId', 'secretAccessKey'), 'Azure': ('accountID', 'certificateFile'),
                'Google': ('accountID', 'privateKeyJson')}
SECRET_FIELDS = {'AWS': 'secretAccessKey', 'Azure': 'certificateFile', 'Google': 'privateKeyJson'}
MASK = '********'
AWS_KEY_RE = re.compile(r'^(AKIA|ASIA)[A-Z0-9]{12,124}$')

# -- accounts (D6) ------------------------------------------------------------------------
MAIN_USER = 'dr-admin@example.com'
MAIN_PASSWORD = 'sim-cloudendure-Pw4Tq8Zx'
FRESH_USER = 'new-user@example.com'
FRESH_PASSWORD = 'sim-cloudendure-New5Hr2p'
INACTIVE_USER = 'inactive@example.com'
INACTIVE_PASSWORD = 'sim-cloudendure-Off3Jd9w'
MAIN_AWS_KEY_ID = 'AKIASIMULATOR0000001'
MAIN_AWS_SECRET = 'sim-aws-secret-Zq3Lm8Rt0Vx2Nb6Kc4Wd'
FEATURE_POINT_IN_TIME = 'pointInTime'
MAIN_FEATURES = (FEATURE_POINT_IN_TIME, 'rdsReplication', 'dnsFailover')
LOCKOUT_ATTEMPTS = 3
SESSION_PRUNE_AT = 20000
PASSWORD_MIN = 8
PASSWORD_MAX = 128

# -- machines ---------------------------------------------------------------------------------
STATE_NOT = 'Not Replicated'
STATE_REPLICATING = 'Replicating'
STATE_REPLICATED = 'Replicated'
STATE_STOPPING = 'Stopping Replication'
PROTECTED_STATES = (STATE_REPLICATING, STATE_REPLICATED)
RUNNING_STATES = ('Running', 'Available')
AGENT_STATES = ('none', 'running', 'stopped')
WAITING_AGENT = 'Waiting for the CloudEndure agent to be installed'
GIB = 1024 ** 3

STATUS_NORMAL = 'normal'
PROCESS_STATUSES = ('cloning', 'cleaningUp', 'failingOver')

COMPONENTS = ('ElasticIP', 'Volumes', 'InstanceType', 'InstanceSubnet', 'PrivateIPs')
COPY_ORIGIN = 'Copy Origin'
CREATE_NEW = 'Create New'
GENERATE_NEW = 'Generate New'
SSD_VALUES = ('true', 'false', COPY_ORIGIN)
DEFAULT_TYPES = {'Google': 'n1-standard-2', 'Azure': 'Standard_D2s_v3'}

# id parameter names per function: (documented, corrected) (D14)
ID_PARAMS = {
    'startReplication': ('machineld', 'machineId'),
    'stopReplication': ('machineId', 'machineId'),
    'getFutureReplicaConfiguration': ('machineId', 'machineId'),
    'setFutureReplicaConfiguration': ('machineId', 'machineId'),
    'clone': ('machineIds', 'machineIds'),
    'cleanup': ('machinelds', 'machineIds'),
}
TYPO_SPELLING = {'machineId': 'machineld', 'machineIds': 'machinelds'}

_MISSING = object()
_BAD = object()


class ApiError(Exception):
    """An API error: the seed's string; ``body_fault`` marks a malformed request body (D2)."""

    def __init__(self, message, body_fault=False):
        super().__init__(message)
        self.message = message
        self.body_fault = body_fault


# ---------------------------------------------------------------------------
# records


class Machine:
    """A CloudResource plus the hidden state the seed implies (agent, machine credentials, config)."""

    # pylint: disable=too-many-instance-attributes
    def __init__(self, machine_id, name, machine_type, location, cloud_state='Running'):
        self.id = machine_id
        self.name = name
        self.type = machine_type
        self.location = location
        self.cloud_state = cloud_state
        self.state = STATE_NOT
        self.error_string = ''
        self.creation_time = None
        self.point_in_time = None
        self.original_id = None
        self.volumes = {}
        self.public_ips = None
        self.agent = 'none'
        self.agent_source = None
        self.credentials = False
        self.pending_start = False
        self.repl_started = None
        self.stop_started = None
        self.replicated_since = None
        self.interval = None
        self.boot_from = None
        self.locked = set()
        self.config = None
        self.instance_type = 't3.medium' if machine_type == 'ec2' else ('db.m5.large' if machine_type == 'rds' else None)
        self.subnet = None
        self.private_ip = None

    @property
    def aws(self):
        """An AWS resource (the seed's "AWS source")."""
        return self.type in ('ec2', 'rds')

    @property
    def total_bytes(self):
        """Sum of the volumes."""
        return sum(self.volumes.values())


class Process:
    """A clone / cleanup / failover (or an admin busy period): timed steps and their log."""

    def __init__(self, kind, started, knob, fixed=None):
        self.kind = kind
        self.started = started
        self.knob = knob
        self.fixed = fixed
        self.steps = []
        self.done = 0
        self.lines = []
        self.failed = False
        self.description = ''

    def add(self, message, action=None):
        """Append a step; ``action(at)`` returns the outcome text (None: an informational line)."""
        self.steps.append((message, action))

    def duration(self, config):
        """Seconds from the first to the last step."""
        return float(self.fixed) if self.fixed is not None else float(config[self.knob])

    def step_time(self, index, config):
        """When step ``index`` happens."""
        if len(self.steps) < 2:
            return self.started
        return self.started + self.duration(config) * index / (len(self.steps) - 1)


class Account:
    """A CloudEndure account."""

    # pylint: disable=too-many-instance-attributes
    def __init__(self, username, password, activated, features):
        self.username = username
        self.password = password
        self.activated = activated
        self.available_features = tuple(features)
        self.details = None
        self.machines = {}
        self.moving = {}
        self.intervals = []
        self.process = None
        self.history = []
        self.fail_next_clone = False


class Session:
    """A login session (the cookie value is the dict key)."""

    __slots__ = ('username', 'created', 'last_used')

    def __init__(self, username, now):
        self.username = username
        self.created = now
        self.last_used = now


class LockState:
    """The failed-login streak of one username (D8)."""

    __slots__ = ('streak', 'last', 'locked_until')

    def __init__(self):
        self.streak = 0
        self.last = 0.0
        self.locked_until = 0.0


class Call:
    """One API call being processed."""

    def __init__(self, function, body, now):
        self.function = function
        self.body = body
        self.now = now
        self.account = None
        self.session = None
        self.headers = []
        self.retry_after = None


# ---------------------------------------------------------------------------
# helpers


def epoch_text(value):
    """Whole epoch seconds as the API writes times."""
    return str(int(value))


def log_time(value):
    """Timestamp of a log line."""
    return time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(value))


def _is_ipv4(value):
    try:
        ipaddress.IPv4Address(value)
    except (ipaddress.AddressValueError, ValueError, TypeError):
        return False
    return True


def _type_ok(value, kind):
    if kind == 'str':
        return isinstance(value, str)
    if kind == 'bool':
        return isinstance(value, bool)
    if kind == 'list':
        return isinstance(value, list)
    if kind == 'dict':
        return isinstance(value, dict)
    if kind == 'ts':
        return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, str) and value.isdigit())
    return True


def _session_cookie(request):
    """The ``session`` cookie values of a request (in order)."""
    values = []
    for header in request.headers.get_all('Cookie') or ():
        try:
            cookie = SimpleCookie()
            cookie.load(header)
        except CookieError:
            for part in header.split(';'):
                name, _sep, value = part.strip().partition('=')
                if name == COOKIE_NAME:
                    values.append(value)
            continue
        if COOKIE_NAME in cookie:
            values.append(cookie[COOKIE_NAME].value)
    return values


# ---------------------------------------------------------------------------
# the service


class CloudEndureService(Service):
    """The CloudEndure API (original function API)."""

    # pylint: disable=too-many-public-methods
    name = 'cloudendure'
    prefix = PREFIX
    config_defaults = {
        'error_status': '200',
        'double_encoded': 'no',
        'user_details_param': 'userDetails',
        'old_password': 'required',
        'machine_id_param': 'both',
        'details_secrets': 'returned',
        'session_ttl': 3600.0,
        'lockout_seconds': 60.0,
        'lockout_window_seconds': 60.0,
        'lockout_rearm_while_locked': True,
        'replication_seconds': 3.0,
        'stop_seconds': 1.0,
        'snapshot_seconds': 10,
        'timestamp_retention': 48,
        'clone_seconds': 3.0,
        'cleanup_seconds': 1.5,
        'failover_seconds': 3.0,
        'boot_seconds': 2.0,
    }
    config_choices = {
        'error_status': ('200', '400', 'mapped'),
        'double_encoded': ('no', 'yes', 'accept'),
        'user_details_param': ('userDetails', 'top-level', 'any'),
        'old_password': ('required', 'optional', 'ignored'),
        'machine_id_param': ('both', 'documented', 'corrected'),
        'details_secrets': ('returned', 'masked'),
    }

    # -- lifecycle ---------------------------------------------------------------
    def reset(self):
        super().reset()
        now = time.time()
        self.sessions = {}
        self.prune_sessions_at = SESSION_PRUNE_AT
        self.locks = {}
        self.accounts = {}
        self.seed_counters = {}
        self.id_seq = 0
        main = self._add_account(MAIN_USER, MAIN_PASSWORD, True, MAIN_FEATURES)
        main.details = {
            'username': MAIN_USER, 'firstName': 'Dana', 'lastName': 'Reyes', 'company': 'Example Corp',
            'originalLocation': LOC_US_EAST, 'mirrorLocation': LOC_US_WEST,
            'credentials': {'AWS': {'accessKeyId': MAIN_AWS_KEY_ID, 'secretAccessKey': MAIN_AWS_SECRET}},
            'features': [{FEATURE_POINT_IN_TIME: True}, {'rdsReplication': True}, {'dnsFailover': False}],
        }
        since = now - 3600
        web1 = self._fixture(main, 'i-0a1b2c3d4e5f60001', 'web-01', 'ec2', LOC_US_EAST, volumes=(8, 20),
                             ips=['54.210.10.11'], agent='running', credentials=True, replicated_since=since)
        web1.subnet, web1.private_ip = 'subnet-0e1a2b3c4d5e6f701', '10.0.1.11'
        web2 = self._fixture(main, 'i-0a1b2c3d4e5f60002', 'web-02', 'ec2', LOC_US_EAST, volumes=(8, 20),
                             agent='running', credentials=True, replicated_since=since)
        web2.subnet, web2.private_ip = 'subnet-0e1a2b3c4d5e6f701', '10.0.1.12'
        web2.locked.add('InstanceSubnet')
        self._fixture(main, 'i-0a1b2c3d4e5f60003', 'app-01', 'ec2', LOC_US_EAST, volumes=(16,), credentials=True)
        self._fixture(main, 'i-0a1b2c3d4e5f60004', 'db-01', 'ec2', LOC_US_EAST, volumes=(8, 100), credentials=True,
                      cloud_state='Stopped')
        self._fixture(main, 'i-0a1b2c3d4e5f60005', 'batch-01', 'ec2', LOC_US_EAST, volumes=(30,))
        self._fixture(main, 'i-0a1b2c3d4e5f60006', 'legacy-01', 'ec2', LOC_US_EAST, volumes=(40,), credentials=True,
                      agent='stopped')
        rds = self._fixture(main, 'orders-db', 'orders-db', 'rds', LOC_US_EAST, volumes=(50,), cloud_state='Available',
                            replicated_since=since)
        rds.locked.update(('ElasticIP', 'PrivateIPs'))
        replica = self._fixture(main, 'i-0f9e8d7c6b5a40101', 'web-01', 'ec2', LOC_US_WEST, volumes=(8, 20),
                                ips=['34.210.20.21'])
        replica.original_id = web1.id
        replica.creation_time = epoch_text(now - 86400)
        replica.point_in_time = epoch_text(now - 86400 - 600)
        self._fixture(main, 'i-0f9e8d7c6b5a40102', 'bastion', 'ec2', LOC_US_WEST, volumes=(8,), ips=['34.210.20.22'])
        self._fixture(main, 'ce-5f0c3a9e2b7d4e61', 'fileserver', 'machine', LOC_ONPREM, volumes=(500,), agent='running')
        fresh = self._add_account(FRESH_USER, FRESH_PASSWORD, True, (FEATURE_POINT_IN_TIME,))
        self._fixture(fresh, 'i-0b1c2d3e4f5a60001', 'shop-01', 'ec2', LOC_EU, volumes=(20,), credentials=True)
        self._fixture(fresh, 'ce-7a3d9e1f0b2c4d58', 'erp-01', 'machine', LOC_ONPREM, volumes=(200,), agent='running')
        self._add_account(INACTIVE_USER, INACTIVE_PASSWORD, False, ())

    def _add_account(self, username, password, activated, features):
        account = Account(username, password, activated, features)
        self.accounts[username.lower()] = account
        return account

    def _fixture(self, account, machine_id, name, machine_type, location, volumes=(8,), ips=None, agent='none',
                 credentials=False, cloud_state=None, replicated_since=None):
        machine = Machine(machine_id, name, machine_type, location,
                          cloud_state or ('Available' if machine_type == 'rds' else 'Running'))
        disk_names = ('storage',) if machine_type == 'rds' else (
            ('c:', 'd:', 'e:') if machine_type == 'machine' else ('/dev/xvda', '/dev/xvdb', '/dev/xvdc'))
        machine.volumes = dict((disk_names[index], size * GIB) for index, size in enumerate(volumes))
        machine.public_ips = list(ips) if ips else None
        machine.agent = agent
        machine.agent_source = 'remote' if agent != 'none' and machine_type == 'ec2' else ('manual' if agent != 'none' else None)
        machine.credentials = credentials
        if replicated_since is not None:
            machine.state = STATE_REPLICATED
            machine.replicated_since = replicated_since
            machine.interval = [replicated_since, None]
            account.intervals.append(machine.interval)
        account.machines[machine_id] = machine
        return machine

    def credentials(self):
        info = {'username': MAIN_USER, 'password': MAIN_PASSWORD,
                'accounts': [{'username': a.username, 'password': a.password, 'activated': a.activated,
                              'details_set': a.details is not None} for a in self.accounts.values()]}
        variables = {'cloudendure_username': MAIN_USER, 'cloudendure_password': MAIN_PASSWORD}
        simulator = self.simulator
        if simulator is not None and simulator.http_url:
            info['url'] = variables['cloudendure_api_url'] = simulator.http_url + PREFIX + API_PATH
            if simulator.https_url:
                info['https_url'] = variables['cloudendure_https_url'] = simulator.https_url + PREFIX + API_PATH
        info['vars'] = variables
        info['secret_vars'] = ['cloudendure_password']
        return info

    def identify(self, request):
        for value in _session_cookie(request):
            session = self.sessions.get(value)
            if session is not None:
                return session.username
        return request.context.get('auth_user')

    # -- responses ------------------------------------------------------------------
    def _status_for(self, message, function, body_fault=False):
        mode = self.config['error_status']
        if mode == '200':
            return 200
        if body_fault:
            return 400
        if mode == '400':
            return 500 if message == E_UNEXPECTED else 400
        if message == E_BAD_CREDENTIALS:
            return 401 if function == 'login' else 400
        return MAPPED_STATUS.get(message, 400)

    def _envelope(self, status, error, result, headers=None):
        return Response.json(status, {'error': error, 'result': result}, headers)

    def _error_response(self, exc, call):
        status = self._status_for(exc.message, call.function if call else None, exc.body_fault)
        headers = list(call.headers) if call else []
        if status == 429 and call is not None and call.retry_after is not None:
            headers.append(('Retry-After', str(max(1, int(math.ceil(call.retry_after))))))
        return self._envelope(status, exc.message, None, headers)

    def error(self, status, kind, message):  # pylint: disable=unused-argument
        return self._envelope(status, E_UNEXPECTED, None)

    def fault_response(self, rule, request=None):
        kind = rule['fault']
        if kind == '500':
            return self._envelope(500, E_UNEXPECTED, None)
        if kind == 'busy':
            return self._envelope(self._status_for(E_NOT_READY, None), E_NOT_READY, None)
        if kind in ('429', '503'):
            return self._envelope(int(kind), E_UNEXPECTED, None,
                                  [('Retry-After', format_seconds(rule.get('retry_after', 1)))])
        return super().fault_response(rule, request)

    # -- dispatch -----------------------------------------------------------------------
    def handle(self, request):
        now = time.time()
        self._advance(now)
        path = request.path
        function = path[len(API_PATH):] if path.startswith(API_PATH) else None
        if function is not None and function.endswith('/'):
            function = function[:-1]
        handler = FUNCTIONS.get(function) if function else None
        if handler is None:
            return self._envelope(404, E_UNEXPECTED, None)
        if request.method != 'POST':
            return self._envelope(405, E_UNEXPECTED, None, [('Allow', 'POST')])
        call = Call(function, None, now)
        try:
            call.body = self._parse_body(request)
            if function != 'login':
                self._authenticate(request, call)
                request.context['auth_user'] = call.account.username
            result = handler(self, call)
        except ApiError as exc:
            return self._error_response(exc, call)
        request.context['auth_user'] = call.account.username if call.account else None
        if self.config['double_encoded'] == 'yes':
            result = json.dumps(result)
        return self._envelope(200, None, result, call.headers)

    @staticmethod
    def _parse_body(request):
        if request.oversize:
            raise ApiError(E_UNEXPECTED, body_fault=True)
        raw = (request.body or b'').strip()
        if not raw:
            return {}
        try:
            body = json.loads(raw.decode('utf-8'))
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(E_UNEXPECTED, body_fault=True) from exc
        if not isinstance(body, dict):
            raise ApiError(E_UNEXPECTED, body_fault=True)
        return body

    def _authenticate(self, request, call):
        ttl = float(self.config['session_ttl'])
        for value in _session_cookie(request):
            session = self.sessions.get(value)
            if session is None:
                continue
            if ttl and call.now - session.last_used > ttl:
                del self.sessions[value]
                continue
            account = self.accounts.get(session.username.lower())
            if account is None:
                continue
            session.last_used = call.now
            call.account = account
            call.session = value
            return
        raise ApiError(E_NOT_LOGGED_IN)

    # -- parameters (D2, D4, D14) -----------------------------------------------------------
    def _decode(self, raw, kind):
        mode = self.config['double_encoded']
        value = raw
        if mode == 'yes':
            if not isinstance(raw, str):
                return _BAD
            try:
                value = json.loads(raw)
            except ValueError:
                return _BAD
        elif mode == 'accept' and isinstance(raw, str):
            try:
                decoded = json.loads(raw)
            except ValueError:
                decoded = _MISSING
            if decoded is not _MISSING and (kind != 'str' or isinstance(decoded, str)):
                value = decoded
        return value if _type_ok(value, kind) else _BAD

    def _param(self, call, name, kind):
        """The decoded parameter, ``_MISSING`` or ``_BAD``."""
        if name not in call.body:
            return _MISSING
        return self._decode(call.body[name], kind)

    def _id_param(self, call, kind):
        """The machine id(s) parameter under ``machine_id_param`` (D14)."""
        documented, corrected = ID_PARAMS[call.function]
        mode = self.config['machine_id_param']
        if mode == 'documented':
            names = (documented,)
        elif mode == 'corrected':
            names = (corrected,)
        else:
            names = (corrected, TYPO_SPELLING[corrected])
        values = [self._param(call, name, kind) for name in names if name in call.body]
        if not values:
            return _MISSING
        if any(value is _BAD for value in values) or any(value != values[0] for value in values[1:]):
            return _BAD
        return values[0]

    def _require_details(self, call):
        if call.account.details is None:
            raise ApiError(E_DETAILS_NOT_SET)
        return call.account.details

    # -- functions: session ------------------------------------------------------------------
    def fn_login(self, call):
        """login (L80): username, password -> null + session cookie."""
        now = call.now
        username = self._param(call, 'username', 'str')
        password = self._param(call, 'password', 'str')
        key = username.lower() if isinstance(username, str) else None
        state = self.locks.get(key) if key is not None else None
        if state is not None and state.locked_until > now:
            if self.config['lockout_rearm_while_locked']:
                state.last = now
                state.locked_until = now + float(self.config['lockout_seconds'])
            call.retry_after = state.locked_until - now
            raise ApiError(E_TOO_MANY)
        account = self.accounts.get(key) if key is not None else None
        if account is not None and account.activated and isinstance(password, str) \
                and hmac.compare_digest(account.password.encode('utf-8'), password.encode('utf-8')):
            if state is not None:
                del self.locks[key]
            value = secrets.token_urlsafe(32)
            if len(self.sessions) >= self.prune_sessions_at:  # forget expired sessions now and then
                ttl = float(self.config['session_ttl'])
                self.sessions = dict((key, item) for key, item in self.sessions.items()
                                     if not ttl or now - item.last_used <= ttl)
                self.prune_sessions_at = max(SESSION_PRUNE_AT, 2 * len(self.sessions))
            self.sessions[value] = Session(account.username, now)
            call.headers.append(('Set-Cookie', '%s=%s; Path=%s; HttpOnly' % (COOKIE_NAME, value, PREFIX)))
            call.account = account
            return None
        if key is not None:
            self._record_failure(key, now)
        raise ApiError(E_BAD_CREDENTIALS)

    def _record_failure(self, key, now):
        state = self.locks.get(key)
        if state is None:
            if len(self.locks) > 10000:
                self._prune_locks(now)
            state = self.locks[key] = LockState()
        window = float(self.config['lockout_window_seconds'])
        if state.streak and now - max(state.last, state.locked_until) > window:
            state.streak = 0
        state.streak += 1
        state.last = now
        if state.streak >= LOCKOUT_ATTEMPTS:
            state.locked_until = now + float(self.config['lockout_seconds'])

    def _prune_locks(self, now):
        window = float(self.config['lockout_window_seconds'])
        self.locks = dict((key, state) for key, state in self.locks.items()
                          if now - max(state.last, state.locked_until) <= window)

    def fn_logout(self, call):
        """logout (L99): ends this session."""
        self.sessions.pop(call.session, None)
        call.headers.append(('Set-Cookie', '%s=; Path=%s; Max-Age=0; HttpOnly' % (COOKIE_NAME, PREFIX)))

    # -- functions: account ------------------------------------------------------------------
    def fn_getAllLocations(self, call):  # pylint: disable=invalid-name,unused-argument
        """getAllLocations (L115)."""
        return [name for name, _cloud in LOCATIONS]

    def fn_getUserDetails(self, call):  # pylint: disable=invalid-name
        """getUserDetails (L131)."""
        return self._render_details(self._require_details(call))

    def _render_details(self, details):
        out = json.loads(json.dumps(details))
        if self.config['details_secrets'] == 'masked':
            for cloud, field in SECRET_FIELDS.items():
                if isinstance(out['credentials'].get(cloud), dict) and field in out['credentials'][cloud]:
                    out['credentials'][cloud][field] = MASK
        return out

    def _user_details_fields(self, call):
        mode = self.config['user_details_param']
        if mode == 'userDetails' or (mode == 'any' and 'userDetails' in call.body):
            obj = self._param(call, 'userDetails', 'dict')
            return obj if isinstance(obj, dict) else {}
        kinds = {'username': 'str', 'firstName': 'str', 'lastName': 'str', 'company': 'str', 'originalLocation': 'str',
                 'mirrorLocation': 'str', 'credentials': 'dict', 'features': 'list'}
        fields = {}
        for key, kind in kinds.items():
            value = self._param(call, key, kind)
            if value is not _MISSING:
                fields[key] = value
        return fields

    def fn_setUserDetails(self, call):  # pylint: disable=invalid-name
        """setUserDetails (L148): overwrites the whole UserDetails object (D10-D12)."""
        account = call.account
        if account.process is not None and account.process.kind in ('cloning', 'failingOver'):
            raise ApiError(E_IN_PROGRESS)
        fields = self._user_details_fields(call)
        username = fields.get('username')
        if not isinstance(username, str) or username.lower() != account.username.lower():
            raise ApiError(E_CANNOT_CHANGE_EMAIL)
        original = fields.get('originalLocation')
        if not isinstance(original, str) or original not in LOCATION_CLOUD:
            raise ApiError(E_UNKNOWN_ORIGINAL)
        mirror = fields.get('mirrorLocation')
        if not isinstance(mirror, str) or mirror not in LOCATION_CLOUD or mirror == original:
            raise ApiError(E_UNKNOWN_MIRROR)
        credentials = self._check_credentials(fields.get('credentials'), (original, mirror))
        features = self._check_features(fields.get('features'), account)
        account.details = {
            'username': account.username,
            'firstName': fields['firstName'] if isinstance(fields.get('firstName'), str) else '',
            'lastName': fields['lastName'] if isinstance(fields.get('lastName'), str) else '',
            'company': fields['company'] if isinstance(fields.get('company'), str) else '',
            'originalLocation': original, 'mirrorLocation': mirror, 'credentials': credentials, 'features': features,
        }

    def _check_credentials(self, value, locations):
        if not isinstance(value, dict):
            raise ApiError(E_BAD_CREDENTIALS)
        masked = self.config['details_secrets'] == 'masked'
        out = {}
        for cloud, entry in value.items():
            fields = CLOUD_FIELDS.get(cloud)
            if fields is None or not isinstance(entry, dict) or set(entry) != set(fields):
                raise ApiError(E_BAD_CREDENTIALS)
            for field in fields:
                item = entry[field]
                if not isinstance(item, str) or not item.strip() or (masked and item == MASK):
                    raise ApiError(E_BAD_CREDENTIALS)
            if cloud == 'AWS' and not AWS_KEY_RE.match(entry['accessKeyId']):
                raise ApiError(E_BAD_CREDENTIALS)
            out[cloud] = dict((field, entry[field]) for field in fields)
        for location in locations:
            cloud = LOCATION_CLOUD[location]
            if cloud is not None and cloud not in out:
                raise ApiError(E_BAD_CREDENTIALS)
        return out

    @staticmethod
    def _check_features(value, account):
        if not isinstance(value, list):
            raise ApiError(E_BAD_FEATURES)
        given = {}
        for item in value:
            if not isinstance(item, dict) or len(item) != 1:
                raise ApiError(E_BAD_FEATURES)
            (name, enabled), = item.items()
            if name in given or name not in account.available_features or not isinstance(enabled, bool):
                raise ApiError(E_BAD_FEATURES)
            given[name] = enabled
        return [{name: given.get(name, False)} for name in account.available_features]

    def fn_setPassword(self, call):  # pylint: disable=invalid-name
        """setPassword (L170): password (+ oldPassword, D13)."""
        account = call.account
        mode = self.config['old_password']
        old = self._param(call, 'oldPassword', 'str')
        if mode == 'required' or (mode == 'optional' and old is not _MISSING):
            if not isinstance(old, str) or not hmac.compare_digest(old.encode('utf-8'), account.password.encode('utf-8')):
                raise ApiError(E_INCORRECT_OLD)
        password = self._param(call, 'password', 'str')
        if not isinstance(password, str) or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX or not password.strip():
            raise ApiError(E_PASSWORD_ILLEGAL)
        account.password = password

    # -- functions: machines -----------------------------------------------------------------
    def fn_listMachines(self, call):  # pylint: disable=invalid-name
        """listMachines (L189): the CloudResources of a location."""
        self._require_details(call)
        location = self._param(call, 'location', 'str')
        if not isinstance(location, str) or location not in LOCATION_CLOUD:
            raise ApiError(E_UNKNOWN_LOCATION)
        return [self.render_machine(m, call.now) for m in call.account.machines.values()
                if m.location == location]

    def render_machine(self, machine, now):
        """A CloudResource (D15)."""
        state = machine.state
        total = machine.total_bytes
        if state == STATE_REPLICATING:
            duration = float(self.config['replication_seconds'])
            fraction = 1.0 if duration <= 0 else min(1.0, max(0.0, (now - machine.repl_started) / duration))
            copied = int(total * fraction)
        elif state == STATE_REPLICATED:
            copied = total
        else:
            copied = 0
        return {
            'id': machine.id, 'name': machine.name, 'replicationState': state, 'errorString': machine.error_string,
            'cloudState': machine.cloud_state, 'CloudEndureCreationTime': machine.creation_time,
            'CloudEndurePointInTime': machine.point_in_time, 'originalId': machine.original_id,
            'lastConsistencyTime': self._last_consistency(machine, now) if state == STATE_REPLICATED else '',
            'type': machine.type, 'totalStorageBytes': total, 'replicatedStorageBytes': copied,
            'persistentPublicIps': list(machine.public_ips) if machine.public_ips else None,
        }

    def _primary_machine(self, call, error):
        """The Primary machine named by the id parameter, else ApiError(error)."""
        details = call.account.details
        machine_id = self._id_param(call, 'str')
        machine = call.account.machines.get(machine_id) if isinstance(machine_id, str) else None
        if machine is None or machine.location != details['originalLocation']:
            raise ApiError(error)
        return machine

    def fn_startReplication(self, call):  # pylint: disable=invalid-name
        """startReplication (L208): machineld/machineId, shouldInstallAgent (D16)."""
        self._require_details(call)
        machine = self._primary_machine(call, E_BAD_MACHINE_ID)
        install = self._param(call, 'shouldInstallAgent', 'bool')
        if install is _BAD:
            raise ApiError(E_UNEXPECTED)
        install = True if install is _MISSING else install
        if machine.state in PROTECTED_STATES or machine.pending_start:
            return None
        if machine.cloud_state not in RUNNING_STATES:
            raise ApiError(E_NOT_RUNNING)
        if machine.type != 'rds':
            if machine.agent == 'stopped':
                raise ApiError(E_AGENT_NOT_RUNNING)
            if machine.agent == 'none':
                if not install:
                    machine.pending_start = True
                    machine.error_string = WAITING_AGENT
                    if machine.state == STATE_STOPPING:
                        self._finish_stop(call.account, machine)
                    return None
                if not machine.credentials:
                    raise ApiError(E_MACHINE_CREDENTIALS)
                machine.agent = 'running'
                machine.agent_source = 'remote'
        self._begin_replication(call.account, machine, call.now)
        return None

    def _begin_replication(self, account, machine, now):
        machine.state = STATE_REPLICATING
        machine.repl_started = now
        machine.stop_started = None
        machine.pending_start = False
        machine.error_string = ''
        account.moving[machine.id] = machine

    def fn_stopReplication(self, call):  # pylint: disable=invalid-name
        """stopReplication (L232): machineId (D17)."""
        self._require_details(call)
        machine = self._primary_machine(call, E_BAD_MACHINE_ID)
        if machine.pending_start:
            machine.pending_start = False
            machine.error_string = ''
            return None
        if machine.state in (STATE_NOT, STATE_STOPPING):
            return None
        if machine.cloud_state not in RUNNING_STATES:
            raise ApiError(E_NOT_RUNNING)
        if machine.type != 'rds':
            if machine.agent != 'running':
                raise ApiError(E_AGENT_NOT_RUNNING)
            if machine.agent_source == 'remote' and not machine.credentials:
                raise ApiError(E_MACHINE_CREDENTIALS)
        self._close_interval(machine, call.now)
        machine.state = STATE_STOPPING
        machine.stop_started = call.now
        call.account.moving[machine.id] = machine
        return None

    @staticmethod
    def _close_interval(machine, now):
        if machine.interval is not None and machine.interval[1] is None:
            machine.interval[1] = now
        machine.interval = None
        machine.replicated_since = None

    def _finish_stop(self, account, machine):
        self._close_interval(machine, time.time())
        machine.state = STATE_NOT
        machine.stop_started = None
        machine.repl_started = None
        if machine.agent_source == 'remote':
            machine.agent = 'none'
            machine.agent_source = None
        account.moving.pop(machine.id, None)

    # -- time --------------------------------------------------------------------------------
    def _advance(self, now):
        for account in self.accounts.values():
            self._advance_account(account, now)

    def _advance_account(self, account, now):
        process = account.process
        while process is not None and process.done < len(process.steps):
            at = process.step_time(process.done, self.config)
            if at > now:
                break
            message, action = process.steps[process.done]
            outcome = action(at) if action is not None else None
            process.lines.append('%s %s%s' % (log_time(at), message, ': %s' % outcome if outcome else ''))
            process.done += 1
        if process is not None and process.done >= len(process.steps):
            account.history.append({'status': process.kind, 'description': process.description,
                                    'started': process.started, 'result': 'failed' if process.failed else 'succeeded',
                                    'log': '\n'.join(process.lines)})
            del account.history[:-20]
            account.process = None
        for machine in list(account.moving.values()):
            if not self._tick(account, machine, now):
                account.moving.pop(machine.id, None)

    def _tick(self, account, machine, now):
        """Advance one machine; False once nothing about it changes with time any more."""
        moving = False
        if machine.state == STATE_REPLICATING:
            done_at = machine.repl_started + float(self.config['replication_seconds'])
            if now >= done_at:
                machine.state = STATE_REPLICATED
                machine.replicated_since = done_at
                machine.interval = [done_at, None]
                account.intervals.append(machine.interval)
            else:
                moving = True
        if machine.state == STATE_STOPPING:
            if now >= machine.stop_started + float(self.config['stop_seconds']):
                self._finish_stop(account, machine)
            else:
                moving = True
        if machine.boot_from is not None:
            if now >= machine.boot_from + float(self.config['boot_seconds']):
                machine.cloud_state = 'Available' if machine.type == 'rds' else 'Running'
                machine.boot_from = None
            else:
                moving = True
        return moving

    def _points(self, account, now):
        """Every available point in time (ints, oldest first), D18."""
        step = max(1, int(self.config['snapshot_seconds']))
        keep = int(self.config['timestamp_retention'])
        spans = sorted((since, now if until is None else min(until, now)) for since, until in account.intervals)
        merged = []
        for since, until in spans:
            if merged and since <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], until)
            else:
                merged.append([since, until])
        points = []
        for since, until in reversed(merged):
            point = int(math.floor(until / step) * step)
            while point >= since and len(points) < keep:
                points.append(point)
                point -= step
            if len(points) >= keep:
                break
        points.reverse()
        return points

    def _last_consistency(self, machine, now):
        since = machine.replicated_since
        if since is None:
            return ''
        step = max(1, int(self.config['snapshot_seconds']))
        point = int(math.floor(now / step) * step)
        return epoch_text(point if point >= since else since)

    def _features_enabled(self, account, name):
        details = account.details or {}
        return any(item.get(name) is True for item in details.get('features', ()))

    # -- functions: status and timestamps -------------------------------------------------------
    def fn_getStatus(self, call):  # pylint: disable=invalid-name
        """getStatus (L341): UserStatus."""
        self._require_details(call)
        process = call.account.process
        if process is None:
            return {'status': STATUS_NORMAL}
        return {'status': process.kind, 'log': '\n'.join(process.lines)}

    def fn_getAvailableTimestamps(self, call):  # pylint: disable=invalid-name
        """getAvailableTimestamps (L362)."""
        self._require_details(call)
        if not self._features_enabled(call.account, FEATURE_POINT_IN_TIME):
            return []
        return [epoch_text(point) for point in self._points(call.account, call.now)]

    # -- functions: clone, cleanup, failover ------------------------------------------------------
    def _original_location(self, call):
        details = call.account.details
        location = self._param(call, 'originalLocation', 'str')
        if not isinstance(location, str) or location not in LOCATION_CLOUD or location != details['originalLocation']:
            raise ApiError(E_UNKNOWN_ORIGINAL)
        return location

    @staticmethod
    def _not_ready(account):
        if account.process is not None:
            raise ApiError(E_NOT_READY)

    def _protected_ids(self, call, default_states):
        """Machine ids of clone/cleanup (D20, D22)."""
        account = call.account
        primary = account.details['originalLocation']
        ids = self._id_param(call, 'list')
        if ids is _MISSING:
            return [m.id for m in account.machines.values() if m.location == primary and m.state in default_states]
        if ids is _BAD or not ids or not all(isinstance(item, str) for item in ids):
            raise ApiError(E_BAD_IDS)
        unique = []
        for machine_id in ids:
            machine = account.machines.get(machine_id)
            if machine is None or machine.location != primary or machine.state not in PROTECTED_STATES:
                raise ApiError(E_BAD_IDS)
            if machine_id not in unique:
                unique.append(machine_id)
        return unique

    def _should_cleanup(self, call):
        value = self._param(call, 'shouldCleanup', 'bool')
        if value is _BAD:
            raise ApiError(E_UNEXPECTED)
        return value is True

    def fn_clone(self, call):
        """clone (L254): originalLocation, Timestamp, machineIds, shouldCleanup (D20, D21)."""
        self._require_details(call)
        account = call.account
        self._original_location(call)
        self._not_ready(account)
        timestamp = self._param(call, 'Timestamp', 'ts')
        point = None
        if timestamp is not _MISSING:
            available = self._points(account, call.now) if self._features_enabled(account, FEATURE_POINT_IN_TIME) else []
            if timestamp is _BAD or int(timestamp) not in available:
                raise ApiError(E_BAD_TIMESTAMP)
            point = int(timestamp)
        ids = self._protected_ids(call, (STATE_REPLICATED,))
        should_cleanup = self._should_cleanup(call)
        self._start_clone(account, ids, point, should_cleanup, call.now)

    def _replicas_to_delete(self, account, ids, everything):
        mirror = account.details['mirrorLocation']
        return [m.id for m in account.machines.values() if m.location == mirror and m.original_id is not None
                and (everything or m.original_id in ids)]

    def _delete_step(self, account, replica_id):
        def action(_at):
            if account.machines.pop(replica_id, None) is None:
                return 'Skipped (already gone)'
            account.moving.pop(replica_id, None)
            return 'Success'
        return action

    def _start_clone(self, account, ids, point, everything, now):
        details = account.details
        primary, mirror = details['originalLocation'], details['mirrorLocation']
        process = Process('cloning', now, 'clone_seconds')
        process.description = 'clone of %d machine(s) from %s to %s' % (len(ids), primary, mirror)
        fail = account.fail_next_clone and bool(ids)
        if fail:
            account.fail_next_clone = False
        points = {}
        for machine_id in ids:
            machine = account.machines[machine_id]
            if point is not None:
                points[machine_id] = epoch_text(point)
            elif machine.state == STATE_REPLICATED:
                points[machine_id] = self._last_consistency(machine, now)
            else:
                points[machine_id] = epoch_text(now)
        process.add('Clone started: %d instance(s) from %s to %s, point in time %s' % (
            len(ids), primary, mirror, epoch_text(point) if point is not None else 'latest'))
        doomed = self._replicas_to_delete(account, ids, everything)
        for replica_id in doomed:
            replica = account.machines[replica_id]
            process.add('Deleting replica %s of %s in %s' % (replica_id, replica.original_id, mirror),
                        self._delete_step(account, replica_id))
        process.add('Cleanup of %s finished (%d resource(s) deleted)' % (mirror, len(doomed)))
        if LOCATION_CLOUD[primary] is not None and ids:
            process.add('Creating network resources (VPC/Network, Security Groups, ELB) in %s' % mirror,
                        lambda _at: 'Success')
        for machine_id in ids:
            process.add('Creating replica of %s (%s) in %s' % (machine_id, account.machines[machine_id].name, mirror),
                        self._create_step(account, process, machine_id, points[machine_id], fail))

        def finish(_at):
            return 'Failure' if process.failed else 'Success'
        process.add('Clone finished', finish)
        account.process = process
        self._advance_account(account, now)

    def _create_step(self, account, process, machine_id, point, fail):
        def action(at):
            if process.failed:
                return 'Skipped'
            if fail:
                process.failed = True
                return 'Failure: the replica instance could not be launched (simulated failure)'
            source = account.machines.get(machine_id)
            details = account.details
            if source is None or source.location != details['originalLocation']:
                process.failed = True
                return 'Failure: the source instance is gone'
            target_cloud = LOCATION_CLOUD[details['mirrorLocation']]
            if source.type == 'rds' and target_cloud != 'AWS':
                return 'Skipped (RDS instances need an AWS Secondary Location)'
            replica = self._create_replica(account, source, point, at)
            return 'Success (replica %s)' % replica.id
        return action

    def _next_id(self, machine_type, source):
        self.id_seq += 1
        if machine_type == 'ec2':
            return 'i-0c%015x' % (0xe0d0000 + self.id_seq)
        if machine_type == 'rds':
            return '%s-ce%d' % (source.id, self.id_seq)
        return 'ce-%016x' % (0xc10e0000 + self.id_seq)

    def _create_replica(self, account, source, point, at):
        details = account.details
        mirror = details['mirrorLocation']
        target_cloud = LOCATION_CLOUD[mirror]
        config = self._config_of(account, source)
        machine_type = source.type if target_cloud == 'AWS' and source.aws else ('ec2' if target_cloud == 'AWS' else 'machine')
        replica = Machine(self._next_id(machine_type, source), source.name, machine_type, mirror,
                          'Creating' if machine_type == 'rds' else 'Pending')
        replica.volumes = dict(source.volumes)
        replica.creation_time = epoch_text(at)
        replica.point_in_time = point
        replica.original_id = source.id
        replica.boot_from = at
        if config['ElasticIP']['value'] == CREATE_NEW:
            replica.public_ips = ['52.95.%d.%d' % (self.id_seq // 250 % 250, self.id_seq % 250 + 1 + index)
                                  for index in range(max(1, len(source.public_ips or ())))]
        instance_type = config['InstanceType']['value']
        replica.instance_type = source.instance_type if instance_type == COPY_ORIGIN else instance_type
        subnet = config['InstanceSubnet']['value']
        replica.subnet = source.subnet if subnet == COPY_ORIGIN else (
            'subnet-ce%06x' % self.id_seq if subnet == CREATE_NEW else subnet)
        private = config['PrivateIPs']['value']
        replica.private_ip = source.private_ip if private == COPY_ORIGIN else (
            '10.99.%d.%d' % (self.id_seq // 250 % 250, self.id_seq % 250 + 1) if private == CREATE_NEW else private[0])
        account.machines[replica.id] = replica
        account.moving[replica.id] = replica
        return replica

    def fn_cleanup(self, call):
        """cleanup (L290): machinelds/machineIds, shouldCleanup (D22)."""
        self._require_details(call)
        account = call.account
        self._not_ready(account)
        ids = self._protected_ids(call, PROTECTED_STATES)
        everything = self._should_cleanup(call)
        mirror = account.details['mirrorLocation']
        process = Process('cleaningUp', call.now, 'cleanup_seconds')
        doomed = self._replicas_to_delete(account, ids, everything)
        process.description = 'cleanup of %d resource(s) in %s' % (len(doomed), mirror)
        process.add('Cleanup started: %s in %s' % (
            'every resource created by CloudEndure' if everything else 'replicas of %d instance(s)' % len(ids), mirror))
        for replica_id in doomed:
            process.add('Deleting replica %s of %s' % (replica_id, account.machines[replica_id].original_id),
                        self._delete_step(account, replica_id))
        process.add('Cleanup finished (%d resource(s) deleted)' % len(doomed), lambda _at: 'Success')
        account.process = process
        self._advance_account(account, call.now)

    def fn_completeFailover(self, call):  # pylint: disable=invalid-name
        """completeFailover (L315): originalLocation (D23)."""
        self._require_details(call)
        account = call.account
        primary = self._original_location(call)
        self._not_ready(account)
        mirror = account.details['mirrorLocation']
        sources = dict((m.id, m) for m in account.machines.values() if m.location == primary)
        to_start = [m.id for m in account.machines.values() if m.location == mirror and m.original_id in sources
                    and sources[m.original_id].state in PROTECTED_STATES]
        process = Process('failingOver', call.now, 'failover_seconds')
        process.description = 'failover from %s to %s' % (primary, mirror)
        process.add('Failover started from %s to %s (%d replica(s) to replicate)' % (primary, mirror, len(to_start)))

        def stop_all(at):
            count = 0
            for machine in account.machines.values():
                if machine.location == primary and (machine.state != STATE_NOT or machine.pending_start):
                    self._close_interval(machine, at)
                    machine.state = STATE_NOT
                    machine.pending_start = False
                    machine.error_string = ''
                    machine.repl_started = machine.stop_started = None
                    account.moving.pop(machine.id, None)
                    count += 1
            return 'Success (%d instance(s))' % count

        def swap(_at):
            account.details['originalLocation'], account.details['mirrorLocation'] = mirror, primary
            return 'Success'
        process.add('Stopping all replication in %s' % primary, stop_all)
        process.add('Switching roles: %s becomes the Primary Location, %s the Secondary Location' % (mirror, primary), swap)
        for replica_id in to_start:
            process.add('Starting replication of %s' % replica_id, self._failover_start_step(account, replica_id))
        process.add('Failover completed', lambda _at: 'Success')
        account.process = process
        self._advance_account(account, call.now)

    def _failover_start_step(self, account, replica_id):
        def action(at):
            machine = account.machines.get(replica_id)
            if machine is None:
                return 'Skipped (the instance is gone)'
            if machine.type != 'rds':
                machine.agent = 'running'
                machine.agent_source = 'failover'
            self._begin_replication(account, machine, at)
            return 'Success'
        return action

    # -- functions: replica configuration --------------------------------------------------------
    def _config_of(self, account, machine):
        if machine.config is not None:
            return json.loads(json.dumps(machine.config))
        return self._default_config(account, machine)

    @staticmethod
    def _default_config(account, machine):
        target = LOCATION_CLOUD[account.details['mirrorLocation']]
        aws = machine.aws
        if target == 'AWS' and aws:
            values = (CREATE_NEW if machine.public_ips else None, COPY_ORIGIN, COPY_ORIGIN, COPY_ORIGIN)
        elif target == 'AWS':
            values = (None, 'm3-large', CREATE_NEW, CREATE_NEW)
        else:
            instance_type = DEFAULT_TYPES.get(target, COPY_ORIGIN if aws else CREATE_NEW)
            values = (None, instance_type, CREATE_NEW, COPY_ORIGIN if aws else CREATE_NEW)
        ssd = COPY_ORIGIN if aws else 'false'
        volumes = dict((name, {'replicate': True, 'ssd': ssd, 'IOps': None}) for name in machine.volumes)
        raw = {'ElasticIP': values[0], 'Volumes': volumes, 'InstanceType': values[1], 'InstanceSubnet': values[2],
               'PrivateIPs': values[3]}
        return dict((key, {'value': raw[key], 'editable': 'false' if key in machine.locked else 'true'})
                    for key in COMPONENTS)

    def _replicated_machine(self, call):
        machine = self._primary_machine(call, E_BAD_ID)
        if machine.state not in PROTECTED_STATES:
            raise ApiError(E_BAD_ID)
        return machine

    def fn_getFutureReplicaConfiguration(self, call):  # pylint: disable=invalid-name
        """getFutureReplicaConfiguration (L379): machineId -> ReplicaProperties (D25)."""
        self._require_details(call)
        return self._config_of(call.account, self._replicated_machine(call))

    def fn_setFutureReplicaConfiguration(self, call):  # pylint: disable=invalid-name
        """setFutureReplicaConfiguration (L464): machineId, newConfiguration (D26)."""
        self._require_details(call)
        machine = self._replicated_machine(call)
        current = self._config_of(call.account, machine)
        new = self._param(call, 'newConfiguration', 'dict')
        if not isinstance(new, dict):
            raise ApiError(E_BAD_CONFIGURATION)
        _check_config_format(new, current)
        for key in COMPONENTS:
            if new[key]['editable'] != current[key]['editable']:
                raise ApiError(E_NOT_EDITABLE)
            if current[key]['editable'] == 'false' and new[key]['value'] != current[key]['value']:
                raise ApiError(E_NOT_EDITABLE)
        _check_config_support(new, machine)
        stored = json.loads(json.dumps(dict((key, new[key]) for key in COMPONENTS)))
        if stored['PrivateIPs']['value'] == GENERATE_NEW:
            stored['PrivateIPs']['value'] = CREATE_NEW
        machine.config = stored

    # -- seeding and admin ---------------------------------------------------------------------------
    def _admin_account(self, params):
        username = params.get('username') or MAIN_USER
        account = self.accounts.get(str(username).lower())
        if account is None:
            raise AdminError(404, 'unknown account %r' % username)
        return account

    def seed(self, params):
        self._advance(time.time())
        account = self._admin_account(params)
        try:
            count = int(params.get('machines', 0))
        except (TypeError, ValueError) as exc:
            raise AdminError(400, 'machines must be an integer') from exc
        if count < 0:
            raise AdminError(400, 'machines must not be negative')
        location = params.get('location') or (account.details or {}).get('originalLocation') or LOC_US_EAST
        if location not in LOCATION_CLOUD:
            raise AdminError(400, 'unknown location %r' % location)
        state = params.get('replication_state', STATE_NOT)
        if state not in (STATE_NOT, STATE_REPLICATING, STATE_REPLICATED):
            raise AdminError(400, 'replication_state must be Not Replicated, Replicating or Replicated')
        machine_type = params.get('type') or ('ec2' if LOCATION_CLOUD[location] == 'AWS' else 'machine')
        if machine_type not in ('ec2', 'rds', 'machine'):
            raise AdminError(400, 'type must be ec2, rds or machine')
        prefix = str(params.get('prefix') or 'bulk')
        now = time.time()
        start = self.seed_counters.get(prefix, 0)
        created = []
        for index in range(start + 1, start + count + 1):
            self.id_seq += 1
            if machine_type == 'ec2':
                machine_id = 'i-05eed%012x' % self.id_seq
            elif machine_type == 'rds':
                machine_id = '%s-db-%05d' % (prefix, index)
            else:
                machine_id = 'ce-5eed%012x' % self.id_seq
            ips = ['3.%d.%d.%d' % (index // 62500 % 250, index // 250 % 250, index % 250 + 1)] if index % 3 == 0 else None
            machine = self._fixture(account, machine_id, '%s-%05d' % (prefix, index), machine_type, location,
                                    volumes=(8 + index % 4 * 8,), ips=ips,
                                    agent='running' if state != STATE_NOT else 'none', credentials=True,
                                    replicated_since=now if state == STATE_REPLICATED else None)
            if state == STATE_REPLICATING:
                self._begin_replication(account, machine, now)
            created.append(machine_id)
        self.seed_counters[prefix] = start + count
        return {'username': account.username, 'location': location, 'machines': created,
                'total': len(account.machines)}

    def admin(self, action, method, params):
        now = time.time()
        self._advance(now)
        handler = ADMIN_ACTIONS.get((method, action))
        if handler is None:
            raise AdminError(404, 'unknown admin action %s %s/%s (known: %s)' % (
                method, self.name, action, ', '.join('%s %s' % key for key in sorted(ADMIN_ACTIONS))))
        return handler(self, params, now)

    def admin_accounts(self, params, now):  # pylint: disable=unused-argument
        """GET accounts: every account with its admin state."""
        out = []
        for account in self.accounts.values():
            lock = self.locks.get(account.username.lower())
            process = account.process
            out.append({
                'username': account.username, 'password': account.password, 'activated': account.activated,
                'details': self._render_details(account.details) if account.details else None,
                'available_features': list(account.available_features),
                'status': process.kind if process else STATUS_NORMAL,
                'process': {'description': process.description, 'started': process.started,
                            'log': '\n'.join(process.lines)} if process else None,
                'history': list(account.history), 'fail_next_clone': account.fail_next_clone,
                'sessions': sum(1 for s in self.sessions.values() if s.username == account.username),
                'failed_logins': lock.streak if lock else 0,
                'locked_for': round(max(0.0, lock.locked_until - now), 3) if lock else 0.0,
                'machines': len(account.machines),
            })
        return {'accounts': out}

    def admin_machines(self, params, now):
        """GET machines: the CloudResources plus hidden state."""
        account = self._admin_account(params)
        location = params.get('location')
        return {'machines': [self._admin_machine(m, now) for m in account.machines.values()
                             if location in (None, '', m.location)]}

    def _admin_machine(self, machine, now):
        return {'location': machine.location, 'resource': self.render_machine(machine, now),
                'agent': machine.agent, 'agent_source': machine.agent_source, 'credentials': machine.credentials,
                'pending_start': machine.pending_start, 'instance_type': machine.instance_type,
                'subnet': machine.subnet, 'private_ip': machine.private_ip,
                'config': machine.config, 'non_editable': sorted(machine.locked)}

    def admin_set_machine(self, params, now):
        """POST set-machine: cloudState, agent (running: the manual install), credentials, name, publicIps."""
        account = self._admin_account(params)
        machine = account.machines.get(params.get('id'))
        if machine is None:
            raise AdminError(404, 'machine %r not found' % params.get('id'))
        self._apply_machine_params(machine, params)
        if machine.pending_start and machine.agent == 'running':
            self._begin_replication(account, machine, now)
        return {'ok': True, 'machine': self._admin_machine(machine, now)}

    @staticmethod
    def _apply_machine_params(machine, params):
        if 'cloudState' in params:
            if not isinstance(params['cloudState'], str) or not params['cloudState']:
                raise AdminError(400, 'cloudState must be a non-empty string')
            machine.cloud_state = params['cloudState']
        if 'agent' in params:
            if params['agent'] not in AGENT_STATES:
                raise AdminError(400, 'agent must be one of %s' % ', '.join(AGENT_STATES))
            machine.agent = params['agent']
            machine.agent_source = None if machine.agent == 'none' else (machine.agent_source or 'manual')
        if 'credentials' in params:
            machine.credentials = bool(params['credentials'])
        if 'name' in params:
            machine.name = params['name'] if isinstance(params['name'], str) else None
        if 'publicIps' in params:
            ips = params['publicIps']
            if ips is not None and (not isinstance(ips, list) or not all(_is_ipv4(ip) for ip in ips)):
                raise AdminError(400, 'publicIps must be null or a list of IPv4 addresses')
            machine.public_ips = list(ips) if ips else None

    def admin_add_machine(self, params, now):
        """POST add-machine: a new machine in a location."""
        account = self._admin_account(params)
        location = params.get('location') or (account.details or {}).get('originalLocation') or LOC_US_EAST
        if location not in LOCATION_CLOUD:
            raise AdminError(400, 'unknown location %r' % location)
        machine_type = params.get('type') or ('ec2' if LOCATION_CLOUD[location] == 'AWS' else 'machine')
        if machine_type not in ('ec2', 'rds', 'machine'):
            raise AdminError(400, 'type must be ec2, rds or machine')
        state = params.get('replicationState', STATE_NOT)
        if state not in (STATE_NOT, STATE_REPLICATED):
            raise AdminError(400, 'replicationState must be Not Replicated or Replicated')
        sizes = params.get('volumesGiB') or [8]
        if not isinstance(sizes, list) or not all(isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in sizes):
            raise AdminError(400, 'volumesGiB must be a list of positive integers')
        machine_id = params.get('id')
        if machine_id is None:
            self.id_seq += 1
            machine_id = {'ec2': 'i-0add%013x', 'rds': 'rds-add-%d', 'machine': 'ce-add%013x'}[machine_type] % self.id_seq
        if not isinstance(machine_id, str) or not machine_id or machine_id in account.machines:
            raise AdminError(400, 'id must be a new non-empty string')
        machine = self._fixture(account, machine_id, params.get('name'), machine_type, location, volumes=tuple(sizes[:3]),
                                replicated_since=now if state == STATE_REPLICATED else None)
        if state == STATE_REPLICATED and machine.type != 'rds':
            machine.agent, machine.agent_source = 'running', 'manual'
        self._apply_machine_params(machine, params)
        return {'ok': True, 'machine': self._admin_machine(machine, now)}

    def admin_expire_sessions(self, params, now):  # pylint: disable=unused-argument
        """POST expire-sessions: end every session (of one account with ``username``)."""
        username = params.get('username')
        doomed = [key for key, session in self.sessions.items()
                  if username in (None, '') or session.username.lower() == str(username).lower()]
        for key in doomed:
            del self.sessions[key]
        return {'ok': True, 'expired': len(doomed)}

    def admin_lock(self, params, now):
        """POST lock: lock a username as if it had failed three times (``seconds``: default lockout_seconds)."""
        username = str(params.get('username') or MAIN_USER).lower()
        seconds = params.get('seconds', self.config['lockout_seconds'])
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise AdminError(400, 'seconds must be a non-negative number')
        state = self.locks.setdefault(username, LockState())
        state.streak = max(state.streak, LOCKOUT_ATTEMPTS)
        state.last = now
        state.locked_until = now + float(seconds)
        return {'ok': True, 'username': username, 'locked_for': float(seconds)}

    def admin_unlock(self, params, now):  # pylint: disable=unused-argument
        """POST unlock: forget the failed-login streak and the lock."""
        username = str(params.get('username') or MAIN_USER).lower()
        self.locks.pop(username, None)
        return {'ok': True, 'username': username}

    def admin_fail_next_clone(self, params, now):  # pylint: disable=unused-argument
        """POST fail-next-clone: the account's next clone ends without replicas (D21)."""
        account = self._admin_account(params)
        account.fail_next_clone = bool(params.get('fail', True))
        return {'ok': True, 'username': account.username, 'fail_next_clone': account.fail_next_clone}

    def admin_not_ready(self, params, now):
        """POST not-ready: a process of ``status`` for ``seconds`` (D24)."""
        account = self._admin_account(params)
        seconds = params.get('seconds')
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
            raise AdminError(400, 'seconds (a non-negative number) is required')
        status = params.get('status', 'cloning')
        if status not in PROCESS_STATUSES:
            raise AdminError(400, 'status must be one of %s' % ', '.join(PROCESS_STATUSES))
        if account.process is not None:
            raise AdminError(409, 'a %s process is running' % account.process.kind)
        process = Process(status, now, None, fixed=seconds)
        process.description = 'simulated busy period (admin)'
        process.add('Simulated %s period started (admin)' % status)
        process.add('Simulated %s period ended' % status, lambda _at: 'Success')
        account.process = process
        return {'ok': True, 'username': account.username, 'status': status, 'seconds': float(seconds)}

    def admin_clear_details(self, params, now):  # pylint: disable=unused-argument
        """POST clear-details: the account's details are not set any more ("Details Not Set")."""
        account = self._admin_account(params)
        account.details = None
        return {'ok': True, 'username': account.username}


def _check_config_format(new, current):
    """D26: Bad Configuration Format."""
    if set(new) != set(current):
        raise ApiError(E_BAD_CONFIGURATION)
    for key in COMPONENTS:
        component = new[key]
        if not isinstance(component, dict) or set(component) != {'value', 'editable'} \
                or component['editable'] not in ('true', 'false'):
            raise ApiError(E_BAD_CONFIGURATION)
    value_ok = {
        'ElasticIP': lambda v: v in (CREATE_NEW, None),
        'InstanceType': lambda v: isinstance(v, str) and v.strip() != '',
        'InstanceSubnet': lambda v: isinstance(v, str) and v.strip() != '',
        'PrivateIPs': lambda v: v in (COPY_ORIGIN, CREATE_NEW, GENERATE_NEW) or (
            isinstance(v, list) and len(v) > 0 and all(isinstance(ip, str) and _is_ipv4(ip) for ip in v)),
        'Volumes': lambda v: _volumes_ok(v, current['Volumes']['value']),
    }
    for key, check in value_ok.items():
        if not check(new[key]['value']):
            raise ApiError(E_BAD_CONFIGURATION)


def _volumes_ok(value, current):
    if not isinstance(value, dict) or set(value) != set(current):
        return False
    for volume in value.values():
        if not isinstance(volume, dict) or set(volume) != {'replicate', 'ssd', 'IOps'}:
            return False
        if not isinstance(volume['replicate'], bool) or volume['ssd'] not in SSD_VALUES:
            return False
        iops = volume['IOps']
        if iops is not None and (isinstance(iops, bool) or not isinstance(iops, int) or iops <= 0):
            return False
    return True


def _check_config_support(new, machine):
    """D26: Not Supported."""
    values = [new[key]['value'] for key in ('InstanceType', 'InstanceSubnet', 'PrivateIPs')]
    volumes = list(new['Volumes']['value'].values())
    values.extend(volume['ssd'] for volume in volumes)
    if not machine.aws and COPY_ORIGIN in [v for v in values if isinstance(v, str)]:
        raise ApiError(E_NOT_SUPPORTED)
    private = new['PrivateIPs']['value']
    if machine.aws and private in (CREATE_NEW, GENERATE_NEW):
        raise ApiError(E_NOT_SUPPORTED)
    if isinstance(private, list) and len(private) > 1:
        raise ApiError(E_NOT_SUPPORTED)
    if any(volume['replicate'] is not True for volume in volumes):
        raise ApiError(E_NOT_SUPPORTED)


FUNCTIONS = {
    'login': CloudEndureService.fn_login,
    'logout': CloudEndureService.fn_logout,
    'getAllLocations': CloudEndureService.fn_getAllLocations,
    'getUserDetails': CloudEndureService.fn_getUserDetails,
    'setUserDetails': CloudEndureService.fn_setUserDetails,
    'setPassword': CloudEndureService.fn_setPassword,
    'listMachines': CloudEndureService.fn_listMachines,
    'startReplication': CloudEndureService.fn_startReplication,
    'stopReplication': CloudEndureService.fn_stopReplication,
    'clone': CloudEndureService.fn_clone,
    'cleanup': CloudEndureService.fn_cleanup,
    'completeFailover': CloudEndureService.fn_completeFailover,
    'getStatus': CloudEndureService.fn_getStatus,
    'getAvailableTimestamps': CloudEndureService.fn_getAvailableTimestamps,
    'getFutureReplicaConfiguration': CloudEndureService.fn_getFutureReplicaConfiguration,
    'setFutureReplicaConfiguration': CloudEndureService.fn_setFutureReplicaConfiguration,
}

ADMIN_ACTIONS = {
    ('GET', 'accounts'): CloudEndureService.admin_accounts,
    ('GET', 'machines'): CloudEndureService.admin_machines,
    ('POST', 'set-machine'): CloudEndureService.admin_set_machine,
    ('POST', 'add-machine'): CloudEndureService.admin_add_machine,
    ('POST', 'expire-sessions'): CloudEndureService.admin_expire_sessions,
    ('POST', 'lock'): CloudEndureService.admin_lock,
    ('POST', 'unlock'): CloudEndureService.admin_unlock,
    ('POST', 'fail-next-clone'): CloudEndureService.admin_fail_next_clone,
    ('POST', 'not-ready'): CloudEndureService.admin_not_ready,
    ('POST', 'clear-details'): CloudEndureService.admin_clear_details,
}
