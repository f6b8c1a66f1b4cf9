# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Agent and user operations (seed A1-A9, U1, U2)."""

import uuid

from ..core import Response
from . import rsakeys
from .base import ApiError, StoreBase, bad_request, checked, empty_response, json_response
from .model import REGIONS, dotnet_date, human_size, parse_bool, parse_int, parse_str


class AgentOps(StoreBase):
    """A1-A9, U1, U2."""

    # -- rendering ---------------------------------------------------------------
    def render_agent(self, agent, ctx, layout='detail'):
        """An agent as A1 / A8 ('detail'), U1 ('list') or A7 ('update') show it."""
        online = self.online_since(agent, ctx.now) is not None
        listing = layout == 'list' and self.config['list_status'] == 'offline'
        out = {'AgentVersion': agent.version, 'Architecture': agent.architecture, 'Flavor': agent.flavor,
               'BackupVaultSize': human_size(agent.vault_bytes)}
        if layout != 'update':
            out['BackupContainer'] = self.container_url(agent)
        out['CleanupAllowed'] = agent.cleanup_allowed
        out['Datacenter'] = agent.datacenter
        if layout == 'update' or self.config['agent_backup_datacenter'] == 'always':
            out['BackupDataCenter'] = agent.backup_datacenter
        out.update({
            'IPAddress': agent.ip, 'IsDisabled': agent.disabled, 'IsEncrypted': agent.encrypted,
            'MachineAgentId': agent.id, 'MachineName': agent.name, 'OperatingSystem': agent.os,
            'OperatingSystemVersion': agent.os_version,
            'PublicKey': self.public_key(agent, exponent_first=layout == 'list'),
            'Status': 'Offline' if listing or not online else 'Online',
            'TimeOfLastSuccessfulBackup': None if listing else dotnet_date(agent.last_success),
            'UseServiceNet': agent.service_net,
        })
        if layout == 'detail':
            out['HostServerId'] = agent.host_server_id
        if layout == 'update':
            out['UseFailoverUri'] = agent.failover_uri
        return out

    def guid_response(self):
        """A3/A4 answer: a bare GUID (seed L150, L185) or a JSON string (scalar_bodies knob)."""
        value = str(uuid.uuid4())
        if self.config['scalar_bodies'] == 'json':
            return json_response(200, value)
        return Response(200, value, 'text/plain; charset=utf-8')

    def _body_agent(self, ctx, data, name='MachineAgentId', missing=403):
        agent_id = checked(parse_int, data, name)
        return self.find_agent(ctx, agent_id, missing)

    # -- A1, A8, U1 -----------------------------------------------------------------
    def agent_get(self, ctx, agent_id):
        """A1 GET agent/{machineAgentId}"""
        return json_response(200, self.render_agent(self.find_agent(ctx, agent_id), ctx))

    def agent_by_server(self, ctx, host_server_id):
        """A8 GET agent/server/{hostServerId}"""
        agent = self.hosts.get(host_server_id.lower())
        if not self.visible(agent, ctx):
            raise ApiError(404, 'No agent was found on host server %s.' % host_server_id)
        return json_response(200, self.render_agent(agent, ctx))

    def user_agents(self, ctx):
        """U1 GET user/agents"""
        agents = [agent for agent in self.agents.values() if self.visible(agent, ctx)]
        return json_response(200, [self.render_agent(agent, ctx, 'list') for agent in agents])

    # -- U2 -------------------------------------------------------------------------
    def user_wakeup(self, ctx):
        """U2 POST user/wakeupagents: offline agents come online wake_seconds later."""
        self.write_allowed(ctx)
        wake = float(self.config['wake_seconds'])
        for agent in self.agents.values():
            if not self.visible(agent, ctx):
                continue
            if self.online_since(agent, ctx.now) is not None:
                agent.last_seen = ctx.now
            elif agent.online_from is None or agent.online_from <= ctx.now:
                agent.online_from = ctx.now + wake
                agent.last_seen = agent.online_from
        return empty_response(200)

    # -- A2 -------------------------------------------------------------------------
    def agent_enable(self, ctx):
        """A2 POST agent/enable"""
        self.write_allowed(ctx)
        data = ctx.body()
        agent = self._body_agent(ctx, data)
        agent.disabled = not checked(parse_bool, data, 'Enable')
        return empty_response(204)

    # -- A3, A4 ---------------------------------------------------------------------
    def agent_encrypt(self, ctx):
        """A3 POST agent/encrypt: one way; the passphrase comes RSA-encrypted with the agent's PublicKey."""
        self.write_allowed(ctx)
        data = ctx.body()
        agent = self._body_agent(ctx, data)
        value = checked(parse_str, data, 'EncryptedPasswordHex')
        if agent.encrypted:
            if self.config['encrypt_again'] == 'reject':
                raise bad_request('Encryption is already enabled for agent %d.' % agent.id)
            return self.guid_response()
        passphrase = rsakeys.decrypt_hex(rsakeys.key_for(agent.id), value)
        if not passphrase:
            raise bad_request('EncryptedPasswordHex could not be decrypted with the public key of agent %d.' % agent.id)
        agent.encrypted = True
        agent.passphrase = passphrase
        return self.guid_response()

    def agent_change_encryption(self, ctx):
        """A4 POST agent/changeencryption"""
        self.write_allowed(ctx)
        data = ctx.body()
        agent = self._body_agent(ctx, data)
        old_hex = checked(parse_str, data, 'OldEncryptedPasswordHex')
        new_hex = checked(parse_str, data, 'NewEncryptedPasswordHex')
        if not agent.encrypted:
            raise bad_request('Encryption is not enabled for agent %d.' % agent.id)
        pair = rsakeys.key_for(agent.id)
        old = rsakeys.decrypt_hex(pair, old_hex)
        new = rsakeys.decrypt_hex(pair, new_hex)
        if not old or not new:
            raise bad_request('The encrypted passwords could not be decrypted with the public key of agent %d.' % agent.id)
        if old != agent.passphrase:
            raise bad_request('The old encryption password is incorrect.')
        agent.passphrase = new
        return self.guid_response()

    # -- A5 -------------------------------------------------------------------------
    def agent_delete(self, ctx):
        """A5 POST agent/delete: the agent and its backup data go at once (running work finishes first)."""
        self.write_allowed(ctx)
        data = ctx.body()
        agent = self._body_agent(ctx, data)
        self.delete_agent(agent)
        if self.config['agent_delete_status'] == '200':
            return json_response(200, {'MachineAgentId': agent.id})
        return empty_response(204)

    def delete_agent(self, agent):
        """Mark deleted (invisible at once) and delete its configurations; purge it now unless a job still runs."""
        agent.deleted = True
        self.hosts.pop((agent.host_server_id or '').lower(), None)
        for config_id in agent.configs:
            self.configs[config_id].deleted = True
        if not self.busy(agent):
            self.purge_agent(agent)

    # -- A6 -------------------------------------------------------------------------
    def agent_migrate(self, ctx):
        """A6 PUT agent/migratevault: configurations, backups and vault move from source to destination."""
        self.write_allowed(ctx)
        data = ctx.body()
        source = self._body_agent(ctx, data, 'SourceMachineAgentId')
        name = 'DestinationMachineAgentId' if 'DestinationMachineAgentId' in data else 'DestinationMachineAgentID'
        destination = self._body_agent(ctx, data, name)
        if source is destination:
            raise ApiError(403, 'The source and destination agents must differ.')
        if source.encrypted or destination.encrypted:
            raise ApiError(403, 'Vaults of encrypted agents cannot be migrated.')
        if any(not self.configs[config_id].deleted for config_id in destination.configs):
            raise ApiError(403, 'The destination agent %d already has backup configurations.' % destination.id)
        if self.busy(source) or self.busy(destination):
            raise ApiError(403, 'A backup, restore or cleanup of one of the agents is still running.')
        moved = [job for job in source.jobs if job.kind != 'Restore']
        for job in moved:
            job.agent = destination
        for config_id in source.configs:
            self.configs[config_id].agent = destination
        destination.configs.extend(source.configs)
        source.configs = []
        source.jobs = [job for job in source.jobs if job.kind == 'Restore']
        destination.jobs.extend(moved)
        destination.vault_bytes += source.vault_bytes
        source.vault_bytes = 0
        if source.last_success and (destination.last_success or 0) < source.last_success:
            destination.last_success = source.last_success
        return empty_response(200)

    # -- A7 -------------------------------------------------------------------------
    def agent_update(self, ctx, agent_id):
        """A7 POST agent/{machineAgentId}: BackupDataCenter and UseServiceNet."""
        self.write_allowed(ctx)
        agent = self.find_agent(ctx, agent_id, missing=403)
        data = ctx.body()
        service_net = checked(parse_bool, data, 'UseServiceNet')
        datacenter = checked(parse_str, data, 'BackupDataCenter', required=False)
        if datacenter is not None:
            datacenter = datacenter.strip().upper()
            if datacenter not in REGIONS:
                raise bad_request('BackupDataCenter must be one of %s.' % ', '.join(REGIONS))
            if not any(other.datacenter == datacenter for other in self.agents.values()
                       if other.tenant == ctx.tenant and not other.deleted):
                raise bad_request('BackupDataCenter %s: you have no servers in that data center.' % datacenter)
            agent.backup_datacenter = datacenter
        agent.service_net = service_net
        return json_response(200, self.render_agent(agent, ctx, 'update'))

    # -- A9 -------------------------------------------------------------------------
    def agent_logging(self, ctx):
        """A9 PUT agent/logging (JSON or, as the seed's example, a form body)."""
        self.write_allowed(ctx)
        data = ctx.body(form_ok=True)
        agent = self._body_agent(ctx, data)
        agent.log_level = checked(parse_int, data, 'LoggingLevelId', low=1, high=6)
        return empty_response(200)
