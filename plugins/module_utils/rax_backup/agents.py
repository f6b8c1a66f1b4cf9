# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cloud Backup agents: views, lookup by id, Cloud Server id or machine name, paths, passphrases, waking.

Readings:

* ``GET user/agents`` (U1) always says ``Offline`` and has no reliable
  ``TimeOfLastSuccessfulBackup`` (seed L435-441): a listed agent's status is
  reported as unknown (``null``); ``GET agent/{id}`` (A1) tells the truth.
* ``BackupDataCenter`` is in A7's answer only (seed L315); elsewhere the backup
  data center is read from ``BackupDataCenter`` when an answer has it, else
  from the host of ``BackupContainer`` (``storage101.<dc><n>.clouddrive.com``,
  as the seed's L387 shows it with ``DC`` for the data center).
* ``PublicKey.ExponentHex`` holds hex digits, as a string or as a JSON number
  (``10001``, ``"09528"``, ``82374`` in the seed); ``ModulusHex`` may be wrapped
  with spaces.  Passphrases are encrypted with RSAES-PKCS1-v1_5 and sent as hex
  (the Rackspace how-to the seed links to), with the ``cryptography`` package.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

try:
    from concurrent.futures import ThreadPoolExecutor
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    ThreadPoolExecutor = None

from ansible_collections.backupdr.cloud.plugins.module_utils.rax_backup.client import (
    as_bool, as_int, iso_date, size_bytes,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (
    ValidationError, check_single_line, check_uuid, matches, pattern,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.waiting import WaitTimeout, wait_for

try:
    from cryptography.hazmat.primitives.asymmetric import padding as _padding
    from cryptography.hazmat.primitives.asymmetric import rsa as _rsa
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    _padding = _rsa = None
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

CONTAINER_RE = pattern(r'https?://(?:snet-)?storage\d*\.([a-z]{3})\d*\.clouddrive\.com/.*', 0)
WINDOWS_PATH_RE = pattern(r'(?:[A-Za-z]:\\|\\\\[^\\/]+\\[^\\/]+).*')
HEX_RE = pattern(r'[0-9A-Fa-f]+')
#: Agent options every module takes to name an agent (one of them).
AGENT_OPTIONS = ('agent_id', 'agent_name', 'host_server_id')


def backup_datacenter(agent):
    """The data center an agent's backups go to: BackupDataCenter, else read from BackupContainer; else None."""
    value = agent.get('BackupDataCenter')
    if value:
        return str(value).upper()
    match = CONTAINER_RE.fullmatch(str(agent.get('BackupContainer') or '').lower())
    return match.group(1).upper() if match else None


def is_windows(agent):
    return 'windows' in str(agent.get('OperatingSystem') or '').lower()


def agent_view(agent, detailed=True):
    """An agent as the modules return it (snake_case); ``detailed`` is False for U1's listing (no true status)."""
    disabled = as_bool(agent.get('IsDisabled'))
    return dict(
        agent_id=as_int(agent.get('MachineAgentId')),
        name=agent.get('MachineName'),
        host_server_id=agent.get('HostServerId'),
        datacenter=str(agent.get('Datacenter')).upper() if agent.get('Datacenter') else None,
        backup_datacenter=backup_datacenter(agent),
        ip_address=agent.get('IPAddress'),
        os=agent.get('OperatingSystem'),
        os_version=agent.get('OperatingSystemVersion'),
        architecture=agent.get('Architecture'),
        agent_version=agent.get('AgentVersion'),
        flavor=agent.get('Flavor'),
        enabled=None if disabled is None else not disabled,
        encrypted=as_bool(agent.get('IsEncrypted')),
        use_service_net=as_bool(agent.get('UseServiceNet')),
        cleanup_allowed=as_bool(agent.get('CleanupAllowed')),
        status=agent.get('Status') if detailed else None,
        last_successful_backup=iso_date(agent.get('TimeOfLastSuccessfulBackup')) if detailed else None,
        vault_size=agent.get('BackupVaultSize'),
        vault_size_bytes=size_bytes(agent.get('BackupVaultSize')),
        backup_container=agent.get('BackupContainer'),
    )


def check_agent_id(value, option):
    number = as_int(value)
    if number is None or number <= 0:
        raise ValidationError(option, 'expected a positive integer (a MachineAgentId), got %r' % (value,))
    return number


def agent_ref(params, prefix='', required=True):
    """``(option, value)`` naming an agent from ``<prefix>agent_id``, ``<prefix>agent_name`` or
    ``<prefix>host_server_id`` (validated, no request); None when none is given and not ``required``."""
    given = [(prefix + name, params.get(prefix + name)) for name in AGENT_OPTIONS
             if params.get(prefix + name) not in (None, '')]
    if len(given) > 1:
        raise ValidationError(given[1][0], 'give one of %s, not several' % ', '.join(prefix + n for n in AGENT_OPTIONS))
    if not given:
        if required:
            raise ValidationError(prefix + 'agent_id', 'give one of %s' % ', '.join(prefix + n for n in AGENT_OPTIONS))
        return None
    option, value = given[0]
    if option.endswith('agent_id'):
        return option, check_agent_id(value, option)
    if option.endswith('host_server_id'):
        return option, check_uuid(str(value).strip(), option)
    name = check_single_line(str(value), option, 'machine name')
    if not name.strip():
        raise ValidationError(option, 'must not be empty')
    return option, name


def find_agent(client, ref, detail=True):
    """The agent ``ref`` names (A1 when ``detail``, else the listing's entry); ValidationError when there is none
    or when a machine name is shared (never guessed)."""
    option, value = ref
    where = client.where()
    if option.endswith('agent_id'):
        agent = client.get_agent(value)
        if agent is None:
            raise ValidationError(option, 'no Cloud Backup agent has the id %d in %s' % (value, where))
        return agent
    if option.endswith('host_server_id'):
        agent = client.agent_by_server(value)
        if agent is None:
            raise ValidationError(option, 'no Cloud Backup agent runs on the Cloud Server %s in %s' % (value, where))
        return agent
    agents = client.list_agents()
    found = [a for a in agents if a.get('MachineName') == value]
    if not found:
        folded = [a for a in agents if str(a.get('MachineName') or '').lower() == value.lower()]
        hint = ' (did you mean %s?)' % ', '.join(sorted(repr(a.get('MachineName')) for a in folded)) if folded else ''
        raise ValidationError(option, 'no Cloud Backup agent of a machine named %r in %s%s' % (value, where, hint))
    if len(found) > 1:
        ids = ', '.join(sorted(str(a.get('MachineAgentId')) for a in found))
        raise ValidationError(option, '%d agents run on machines named %r (agent ids %s); give agent_id or '
                                      'host_server_id to choose one' % (len(found), value, ids))
    if not detail:
        return found[0]
    agent = client.get_agent(found[0].get('MachineAgentId'))
    if agent is None:
        raise ValidationError(option, 'the agent of machine %r (id %s) disappeared while it was read' % (
            value, found[0].get('MachineAgentId')))
    return agent


def read_details(client, agents, workers=8, client_for=None):
    """A1 of each listed agent, ``workers`` at a time; returns ``{agent id: A1 document}`` (agents that disappeared
    in between are left out).  ``client_for(agent)`` picks the client (endpoint) of an agent."""
    ids = [(as_int(a.get('MachineAgentId')), a) for a in agents]
    ids = [(agent_id, a) for agent_id, a in ids if agent_id is not None]

    def one(item):
        agent_id, listed = item
        return agent_id, (client_for(listed) if client_for else client).get_agent(agent_id)
    if workers <= 1 or len(ids) <= 1 or ThreadPoolExecutor is None:
        results = [one(item) for item in ids]
    else:
        executor = ThreadPoolExecutor(max_workers=min(workers, len(ids)))
        try:
            results = list(executor.map(one, ids))
        finally:
            executor.shutdown(wait=True)
    return dict((agent_id, agent) for agent_id, agent in results if agent is not None)


def agent_label(agent):
    return '%s (agent %s)' % (agent.get('MachineName'), agent.get('MachineAgentId'))


# -- paths -------------------------------------------------------------------------------------


def check_path(path, option, windows, what='path'):
    """A path that is absolute for the agent's OS (``C:\\...`` or ``\\\\server\\share`` on Windows, ``/...``
    elsewhere), on one line."""
    text = check_single_line(str(path), option, what)
    if not text.strip() or text != text.strip():
        raise ValidationError(option, '%s %r must not be empty or start or end with spaces' % (what, text))
    if windows:
        if not matches(WINDOWS_PATH_RE, text):
            raise ValidationError(option, '%s %r is not an absolute Windows path (such as C:\\data or '
                                          '\\\\server\\share), which the agent\'s OS needs' % (what, text))
    elif not text.startswith('/'):
        raise ValidationError(option, '%s %r is not an absolute path (starting with /), which the agent\'s OS (not '
                                      'Windows) needs' % (what, text))
    return text


# -- passphrases -----------------------------------------------------------------------------------


def public_key_numbers(key):
    """``(modulus, exponent)`` of a ``{ModulusHex, ExponentHex}`` key (hex digits; spaces ignored)."""
    if not isinstance(key, dict):
        raise ValueError('the agent has no PublicKey')
    modulus = ''.join(str(key.get('ModulusHex') or '').split())
    exponent = ''.join(str(key.get('ExponentHex') if key.get('ExponentHex') is not None else '').split())
    if not matches(HEX_RE, modulus) or not matches(HEX_RE, exponent):
        raise ValueError('the agent\'s PublicKey is not in hex digits')
    return int(modulus, 16), int(exponent, 16)


def check_passphrase(value, option):
    """A passphrase: not empty, one line, at most 200 bytes (RSA-2048 PKCS#1 v1.5 carries 245). Never echoed."""
    if value is None:
        return None
    text = str(value)
    if not text:
        raise ValidationError(option, 'must not be empty')
    if any(ch in text for ch in '\r\n\x00'):
        raise ValidationError(option, 'must be one line (the value is not shown)')
    if len(text.encode('utf-8')) > 200:
        raise ValidationError(option, 'is longer than 200 bytes (the value is not shown)')
    return text


def encrypt_passphrase(key, passphrase):
    """``EncryptedPasswordHex``: RSAES-PKCS1-v1_5 of the passphrase with the public key, as hex digits."""
    if not HAS_CRYPTOGRAPHY:
        raise ValidationError(None, 'the Python package "cryptography" is needed to encrypt the passphrase with the '
                                    'agent\'s public key (pip install cryptography)')
    modulus, exponent = public_key_numbers(key)
    numbers = _rsa.RSAPublicNumbers(exponent, modulus)
    try:
        public = numbers.public_key()
    except TypeError:  # pragma: no cover - cryptography < 3.1 needs a backend
        from cryptography.hazmat.backends import default_backend  # pylint: disable=import-outside-toplevel
        public = numbers.public_key(default_backend())
    return public.encrypt(passphrase.encode('utf-8'), _padding.PKCS1v15()).hex()


# -- waking -------------------------------------------------------------------------------------------


def is_online(agent):
    return str((agent or {}).get('Status') or '').lower() == 'online'


def wake_and_wait(client, agent, timeout, sleep=None):
    """Wake the agents of the endpoint (U2) and wait until ``agent`` is Online (A1); returns it fresh.

    The seed says to wait 10-20 s after a wake-up (L536)."""
    client.wake_agents()
    agent_id = as_int(agent.get('MachineAgentId'))
    kwargs = {} if sleep is None else {'sleep': sleep}
    try:
        return wait_for(lambda: client.get_agent(agent_id), is_online, timeout,
                        what='agent %s to come online' % agent_label(agent), initial=1.0, factor=1.5, cap=5.0,
                        **kwargs)
    except WaitTimeout as exc:
        raise WaitTimeout('%s after the wake-up (POST user/wakeupagents); the seed says agents take 10-20 s: raise '
                          'wait_timeout, or check that the Cloud Backup agent runs on the server' % exc,
                          last=exc.last, elapsed=exc.elapsed)
