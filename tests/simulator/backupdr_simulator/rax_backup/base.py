# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""State declarations and helpers shared by the Cloud Backup operation mixins."""

import json
import re
import uuid
from urllib.parse import parse_qsl

from ..core import Response
from . import rsakeys
from .model import BACKUP_PHASES, RESTORE_PHASES, BadValue, dumps

NAMESPACE = uuid.UUID('2f7c9a4e-5b1d-4e8a-9c3f-7d6b0a1e2c4d')
MSG_FORBIDDEN = 'Access to the requested resource was denied.'
MSG_UNAUTHORIZED = 'The supplied token was not authorized to access the resources. Either it is expired or invalid.'
MSG_NOT_FOUND = 'The backend services did not find anything matching the request URI.'


class ApiError(Exception):
    """A Cloud Backup API error: HTTP status and message (rendered by the error_format knob)."""

    def __init__(self, status, message, headers=None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


def bad_request(message):
    """400 with a message."""
    return ApiError(400, message)


class Ctx:
    """One Cloud Backup API request: who, which tenant and region, when."""

    __slots__ = ('request', 'user', 'tenant', 'region', 'now', '_data')

    def __init__(self, request, user, tenant, region, now):
        self.request = request
        self.user = user
        self.tenant = tenant
        self.region = region
        self.now = now
        self._data = None

    def body(self, form_ok=False):
        """The request body as a dict: JSON (any Content-Type, the seed writes "application/json;"), or a form for A9."""
        if self._data is not None:
            return self._data
        request = self.request
        if request.oversize:
            raise ApiError(413, 'The request body is too large.')
        raw = (request.body or b'').strip()
        if not raw:
            raise bad_request('A request body is required.')
        try:
            text = raw.decode('utf-8')
        except UnicodeDecodeError as exc:
            raise bad_request('The request body is not valid UTF-8.') from exc
        if form_ok and text[:1] not in ('{', '[') and '=' in text:
            data = dict(parse_qsl(text, keep_blank_values=True))
        else:
            try:
                data = json.loads(text)
            except ValueError as exc:
                raise bad_request('The request body is not valid JSON: %s' % exc) from exc
            if not isinstance(data, dict):
                raise bad_request('The request body must be a JSON object.')
        self._data = data
        return data


def checked(function, *args, **kwargs):
    """Call a model parser; BadValue -> 400."""
    try:
        return function(*args, **kwargs)
    except BadValue as exc:
        raise bad_request(str(exc)) from exc


def path_int(value, name):
    """An integer path parameter (400 when it is not one)."""
    if not re.fullmatch(r'\d{1,18}', value or ''):
        raise bad_request('%s must be an integer.' % name)
    return int(value)


def json_response(status, payload):
    """A JSON answer in the seed's dialect (\\/Date(ms)\\/ dates)."""
    return Response(status, dumps(payload), 'application/json; charset=utf-8')


def empty_response(status=200):
    """A 200 (Content-Length: 0) or 204 without body."""
    return Response(status, b'')


class StoreBase:
    """Declares the state the mixins share (set up by RaxBackupService.reset)."""

    # Empty class-level containers keep static analysis informed; reset() gives every instance its own.
    config = {}             # knobs
    simulator = None
    identity = None
    agents = {}             # {id: Agent}
    configs = {}            # {id: BackupConfig}
    backups = {}            # {id: Backup}
    restores = {}           # {id: Restore}
    cleanups = {}           # {id: Cleanup}
    hosts = {}              # {host server id (lower): Agent}
    running = {}            # {(kind, id): job} of jobs not ended
    tenant_jobs = {}        # {tenant: [job, ...]} in creation order
    seq = {}                # id counters
    plans = {}              # admin-planned outcomes: {'backup': [...], 'restore': [...]}

    # -- ids -------------------------------------------------------------------
    def next_id(self, kind):
        """The next id of a kind (agent, config, schedule, file, backup, restore, activity, cleanup)."""
        self.seq[kind] += 1
        return self.seq[kind]

    # -- visibility ------------------------------------------------------------
    def visible(self, agent, ctx):
        """Agent belongs to the caller's tenant, is not deleted and (region scope) lives in the endpoint's region."""
        if agent is None or agent.deleted or agent.tenant != ctx.tenant:
            return False
        return self.config['region_scope'] == 'global' or agent.datacenter == ctx.region

    def find_agent(self, ctx, agent_id, missing=404):
        """A visible agent, or ApiError(missing)."""
        agent = self.agents.get(agent_id)
        if not self.visible(agent, ctx):
            raise ApiError(missing, 'Agent %s was not found.' % agent_id if missing == 404 else MSG_FORBIDDEN)
        return agent

    def find_config(self, ctx, config_id, missing=404, deleted_ok=None):
        """A configuration of a visible agent (deleted ones only with the deleted_configs knob), or ApiError."""
        config = self.configs.get(config_id)
        if deleted_ok is None:
            deleted_ok = self.config['deleted_configs'] == 'visible'
        if config is None or not self.visible(config.agent, ctx) or (config.deleted and not deleted_ok):
            raise ApiError(missing, 'Backup configuration %s was not found.' % config_id if missing == 404 else MSG_FORBIDDEN)
        return config

    def job_visible(self, job, ctx):
        """A backup, restore or cleanup is visible through the agent doing the work (deleting agents: until purged)."""
        agent = job.destination if job.kind == 'Restore' else job.agent
        if agent.tenant != ctx.tenant or (agent.deleted and job.final is not None):
            return False
        return self.config['region_scope'] == 'global' or agent.datacenter == ctx.region

    def find_backup(self, ctx, backup_id, missing=404):
        """A visible backup, or ApiError."""
        backup = self.backups.get(backup_id)
        if backup is None or not self.job_visible(backup, ctx):
            raise ApiError(missing, 'Backup %s was not found.' % backup_id if missing == 404 else MSG_FORBIDDEN)
        return backup

    def find_restore(self, ctx, restore_id, missing=404):
        """A visible restore, or ApiError."""
        restore = self.restores.get(restore_id)
        if restore is None or not self.job_visible(restore, ctx):
            raise ApiError(missing, 'Restore %s was not found.' % restore_id if missing == 404 else MSG_FORBIDDEN)
        return restore

    # -- agents online/offline ----------------------------------------------------
    def busy(self, agent):
        """True while a job of the agent has not ended."""
        for job in self.running.values():
            if (job.destination if job.kind == 'Restore' else job.agent) is agent:
                return True
        return False

    def online_since(self, agent, now):
        """Since when the agent is online (None: offline, or still waking up)."""
        if agent.online_from is None or agent.online_from > now:
            return None
        idle = float(self.config['idle_seconds'])
        if idle > 0 and now >= max(agent.online_from, agent.last_seen) + idle and not self.busy(agent):
            return None
        return agent.online_from

    # -- keys ----------------------------------------------------------------------
    def public_key(self, agent, upper=False, exponent_first=False):
        """{ModulusHex, ExponentHex} of the agent's key (ExponentHex a number or a string: exponent_hex knob)."""
        pair = rsakeys.key_for(agent.id)
        modulus = pair.modulus_hex.upper() if upper else pair.modulus_hex
        exponent = self.exponent_value(pair)
        if exponent_first:
            return {'ExponentHex': exponent, 'ModulusHex': modulus}
        return {'ModulusHex': modulus, 'ExponentHex': exponent}

    def exponent_value(self, pair):
        """The exponent's hex digits as the seed prints them: the JSON number 10001, or the string "10001"."""
        digits = pair.exponent_hex
        return digits if self.config['exponent_hex'] == 'string' or not digits.isdigit() else int(digits)

    # -- job states over time -----------------------------------------------------------
    def backup_state(self, backup, now):
        """(CurrentState, since) of a backup (or cleanup), computed from the clock."""
        if backup.final is not None:
            return backup.final, backup.ended
        if backup.stop_at is not None:
            return 'StopRequested', backup.stop_at
        state, since = ('StartScheduled' if backup.scheduled else 'StartRequested'), backup.started
        if backup.run_from is not None:
            duration = float(self.config['backup_seconds'])
            for name, start in BACKUP_PHASES:
                if now - backup.run_from >= start * duration:
                    state, since = name, backup.run_from + start * duration
        return state, since

    def restore_state(self, restore, now):
        """(RestoreStateId, since) of a restore."""
        if restore.final is not None:
            return restore.final, restore.ended
        if restore.outcome is None:
            return 0, restore.requested
        if restore.stop_at is not None:
            return 7, restore.stop_at
        state, since = 6, restore.started
        if restore.run_from is not None:
            duration = float(self.config['restore_seconds'])
            for number, start in RESTORE_PHASES:
                if now - restore.run_from >= start * duration:
                    state, since = number, restore.run_from + start * duration
        return state, since

    # -- purge -------------------------------------------------------------------------
    def purge_agent(self, agent):
        """Forget an agent with its configurations, backups, restores and cleanups (its vault is gone)."""
        doomed = set(id(job) for job in agent.jobs)
        for job in agent.jobs:
            if job.kind == 'Backup':
                self.backups.pop(job.id, None)
                for restore in [r for r in self.restores.values() if r.backup is job]:
                    doomed.add(id(restore))
                    self.restores.pop(restore.id, None)
            elif job.kind == 'Restore':
                self.restores.pop(job.id, None)
            else:
                self.cleanups.pop(job.id, None)
        for config_id in agent.configs:
            self.configs.pop(config_id, None)
        for key in [key for key, job in self.running.items() if id(job) in doomed]:
            del self.running[key]
        self.agents.pop(agent.id, None)
        jobs = self.tenant_jobs.get(agent.tenant, [])
        self.tenant_jobs[agent.tenant] = [job for job in jobs if id(job) not in doomed]
        for other in self.agents.values():
            if other.tenant == agent.tenant:
                other.jobs = [job for job in other.jobs if id(job) not in doomed]

    # -- misc ----------------------------------------------------------------------
    def write_allowed(self, ctx):
        """Read-only (observer) users get 403 on every write."""
        if ctx.user.read_only:
            raise ApiError(403, MSG_FORBIDDEN)

    def container_url(self, agent):
        """BackupContainer: the agent's Cloud Files container in its backup data center."""
        return 'https://storage101.%s1.clouddrive.com/v1/%s/CloudBackup_v2_0_%s' % (
            agent.backup_datacenter.lower(), agent.storage_account, agent.container_uuid)
