# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run every example of the collection against the API simulator (see README.md in this directory).

    python tests/examples/run_examples.py --collections-path DIR [--ready-file FILE] [--ansible-bin-dir DIR]
                                          [--only REGEX] [--list] [--keep] [--timeout SECONDS] [-v]

Examples are found automatically (``blocks.py``): the ``EXAMPLES`` of every module and inventory plugin, and
every fenced ``yaml`` block of ``README.md``, ``docs/*.md``, ``roles/*/README.md`` and ``extensions/awx/README.md``.
Each runnable block gets one ``ansible-playbook`` (task lists wrapped in a play whose ``module_defaults`` give
every action group the simulator's connection) or one ``ansible-inventory --list``, with the simulator reset
before it.  A block that cannot run must say so in the source (``examples: skip: <reason>``); every other block
that fails, or that is not runnable, fails the run.

The simulator must be running: its coordinates come from ``--ready-file`` or from the environment variables
``scripts/sim.py env`` prints (``scripts/with-sim.sh`` exports them).  The collection is used as installed in
``--collections-path`` (``ansible_collections/backupdr/cloud``); the examples are read from ``--source``
(default: this file's collection).

Exit status: 0 when no block failed, 1 otherwise, 2 for usage errors.
"""

from __future__ import absolute_import, division, print_function

import argparse
import ast
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

try:
    from urllib.request import Request, urlopen
except ImportError:  # pragma: no cover
    raise SystemExit('python 3 is required')

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import blocks as examples  # noqa: E402  pylint: disable=wrong-import-position

COLLECTION = 'backupdr.cloud'

# Production URLs the examples may hard-code, and the simulator variable that replaces each in the extracted
# text (never the other way round).  Longest first; a new service adds its rows.
URL_REWRITES = (
    ('https://us-east.crosspeer.com/api/', 'crosspeer_api_url'),
    ('https://eu2-cloud.acronis.com', 'acronis_dr_url'),
    ('https://dev-cloud.acronis.com', 'acronis_dr_url'),
    ('https://api.cloudendure.com/latest/', 'cloudendure_api_url'),
    ('https://console.cloudendure.com/api/latest/', 'cloudendure_api_url'),
    ('https://identity.api.rackspacecloud.com/v2.0', 'rax_identity_url'),
    ('https://cpm.example.com/api/', 'cpm_api_url'),
)

# Absolute directories the examples may use for local files; they are moved into the block's work directory
# (created there, with the fixture files below), so that nothing outside it is read or written.
PATH_REWRITES = ('/srv/', '/backup/', '/var/backups/', '/var/log/')
PATH_PREFIX_RE = r'(?:(?<=^)|(?<=[\s\'"=\[(,:]))'

# Connection of the services whose credentials are not (only) described by tests/awx/samples.yml:
# action group -> {module option: (simulator variable, environment variable)}.  Acronis DR uses the admin
# client, which may do everything the examples show (production failover included).
CONNECTIONS = {
    'crosspeer': {
        'api_url': ('crosspeer_api_url', 'CROSSPEER_API_URL'),
        'api_user': ('crosspeer_api_user', 'CROSSPEER_API_USER'),
        'api_key': ('crosspeer_api_key', 'CROSSPEER_API_KEY'),
    },
    'acronis_dr': {
        'datacenter_url': ('acronis_dr_url', 'ACRONIS_DATACENTER_URL'),
        'client_id': ('acronis_dr_admin_client_id', 'ACRONIS_CLIENT_ID'),
        'client_secret': ('acronis_dr_admin_client_secret', 'ACRONIS_CLIENT_SECRET'),
    },
}

# Placeholder variables the examples may use (extra vars of every run), on top of every simulator variable
# (crosspeer_api_user, acronis_dr_url, cpm_api_key, ...) and of <group>_<option> for every connection option
# of every action group (crosspeer_api_key, acronis_dr_client_secret, ...).  Values are simulator variables
# in braces, or literal text.
PLACEHOLDERS = {
    'crosspeer_user': '{crosspeer_api_user}',
    'crosspeer_key': '{crosspeer_api_key}',
    'acronis_client_id': '{acronis_dr_admin_client_id}',
    'acronis_client_secret': '{acronis_dr_admin_client_secret}',
    'acronis_operator_client_id': '{acronis_dr_operator_client_id}',
    'acronis_operator_client_secret': '{acronis_dr_operator_client_secret}',
    'vnc_password': 'Vn5cPw4x',
}

# Simulator knobs set after every reset, so that asynchronous work (imaging, shutdowns, failover tasks)
# finishes quickly.  Services that are not running are left out.
FAST_KNOBS = {
    'crosspeer': {'imaging_seconds': 0.3, 'shutdown_seconds': 0.1},
    'acronis_dr': {'task_seconds': 0.3},
    'rax_backup': {'backup_seconds': 0.3, 'restore_seconds': 0.3, 'wake_seconds': 0.3},
    'cloudendure': {'clone_seconds': 0.5, 'cleanup_seconds': 0.3, 'failover_seconds': 0.5, 'replication_seconds': 0.5,
                    'boot_seconds': 0.3},
}

# Files every block finds in its work directory (relative path -> size in bytes or text).
FIXTURE_IMAGE_BYTES = 5 * 1024 * 1024 + 12345        # two 4 MiB chunks
DRILL_CHECKS = """- name: Every server of the drill runs
  ansible.builtin.assert:
    that: dr_drill_failed_over | map(attribute='status') | unique == ['TEST_FAILOVER']
    quiet: true
"""
FIXTURES = {
    'srv/images/appliance.raw': FIXTURE_IMAGE_BYTES,
    'srv/images/appliance.img': FIXTURE_IMAGE_BYTES,
    'drill_checks.yml': DRILL_CHECKS,
}
FIXTURE_DIRS = ('backup', 'var/backups', 'var/log', 'srv/restore')

TAIL_LINES = 40


# ================================================================================================================
# The simulator
# ================================================================================================================

def load_sim_script(root):
    path = os.path.join(root, 'scripts', 'sim.py')
    if not os.path.isfile(path):
        return None
    spec = importlib.util.spec_from_file_location('backupdr_sim_script', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sim_variables(ready_file, root):
    """The simulator's variables (scripts/sim.py config_vars), from the ready file or the environment."""
    if not ready_file and os.environ.get('SIM_URL'):
        # scripts/with-sim.sh: the ready file of the simulator it started, when it is the one in SIM_URL
        candidate = os.path.join(os.environ.get('BACKUPDR_SIM_DIR') or os.path.join(root, '.sim'), 'ready.json')
        try:
            with open(candidate, encoding='utf-8') as handle:
                if json.load(handle).get('http_url') == os.environ['SIM_URL']:
                    ready_file = candidate
        except (OSError, ValueError, AttributeError):
            pass
    if ready_file:
        script = load_sim_script(root)
        if script is None:
            raise SystemExit('ERROR: --ready-file needs scripts/sim.py (run from a clone of the repository)')
        with open(ready_file, encoding='utf-8') as handle:
            return script.config_vars(json.load(handle))
    values = dict((key.lower(), value) for key, value in os.environ.items())
    if not values.get('sim_url'):
        raise SystemExit('ERROR: no simulator: give --ready-file, or run under scripts/with-sim.sh (SIM_URL is not set)')
    return values


def admin(sim_url, method, path, body=None):
    data = None if body is None else json.dumps(body).encode('utf-8')
    request = Request(sim_url.rstrip('/') + path, data=data, method=method, headers={'Content-Type': 'application/json'})
    with urlopen(request, timeout=60) as response:  # nosec - the local simulator
        raw = response.read()
    return json.loads(raw) if raw else {}


def reset_simulator(sim_url, services):
    admin(sim_url, 'POST', '/_sim/reset', {})
    for service, knobs in FAST_KNOBS.items():
        if service in services:
            admin(sim_url, 'POST', '/_sim/config', dict(knobs, service=service))


# ================================================================================================================
# Connections and placeholders
# ================================================================================================================

def action_groups(root):
    """The service action groups of meta/runtime.yml (not the ones that only extend others, like ``all``)."""
    with open(os.path.join(root, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        runtime = yaml.safe_load(handle) or {}
    return [group for group, members in sorted((runtime.get('action_groups') or {}).items())
            if any(isinstance(member, str) for member in members or ())]


def env_fallback_options(root):
    """{ENV: option} for every ``fallback=(env_fallback, ['ENV'])`` of the modules and module_utils."""
    found = {}
    for sub in ('plugins/module_utils', 'plugins/modules'):
        for base, _dirs, files in os.walk(os.path.join(root, sub)):
            for name in sorted(files):
                if not name.endswith('.py'):
                    continue
                path = os.path.join(base, name)
                with open(path, encoding='utf-8') as handle:
                    try:
                        tree = ast.parse(handle.read(), path)
                    except SyntaxError:
                        continue
                for option, fallback in _fallbacks(tree):
                    for env in fallback:
                        found.setdefault(env, option)
    return found


def _fallbacks(tree):
    for node in ast.walk(tree):
        pairs = []
        if isinstance(node, ast.keyword) and node.arg and isinstance(node.value, ast.Call):
            pairs.append((node.arg, dict((k.arg, k.value) for k in node.value.keywords if k.arg)))
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and isinstance(value, ast.Call):
                    pairs.append((key.value, dict((k.arg, k.value) for k in value.keywords if k.arg)))
        for option, keywords in pairs:
            fallback = keywords.get('fallback')
            if isinstance(fallback, ast.Tuple) and len(fallback.elts) >= 2 and isinstance(fallback.elts[1], (ast.List, ast.Tuple)):
                names = [elt.value for elt in fallback.elts[1].elts if isinstance(elt, ast.Constant) and isinstance(elt.value, str)]
                yield option, names


def _render(template, variables):
    from jinja2 import StrictUndefined  # pylint: disable=import-outside-toplevel
    from jinja2.sandbox import ImmutableSandboxedEnvironment  # pylint: disable=import-outside-toplevel
    return ImmutableSandboxedEnvironment(undefined=StrictUndefined).from_string(template).render(variables)


def sample_connection(root, group, variables, env_options):
    """(module_defaults, env) of an action group from its AWX credential type and tests/awx/samples.yml entry:
    the sample's inputs rendered with the simulator's variables, injected as the controller would (env only)."""
    type_path = os.path.join(root, 'extensions', 'awx', 'credential_types', group + '.yml')
    samples_path = os.path.join(root, 'tests', 'awx', 'samples.yml')
    if not (os.path.isfile(type_path) and os.path.isfile(samples_path)):
        return None
    with open(type_path, encoding='utf-8') as handle:
        ctype = yaml.safe_load(handle) or {}
    with open(samples_path, encoding='utf-8') as handle:
        sample = (yaml.safe_load(handle) or {}).get(group)
    if not sample:
        return None
    inputs = {}
    for name, value in (sample.get('inputs') or {}).items():
        inputs[name] = _render(value, variables) if isinstance(value, str) else value
    env = {}
    for name, template in ((ctype.get('injectors') or {}).get('env') or {}).items():
        try:
            env[name] = _render(template, inputs)
        except Exception:  # pylint: disable=broad-except
            continue
    defaults = dict((env_options[name], value) for name, value in env.items()
                    if name in env_options and not name.startswith('BACKUPDR_') and value != '')
    return defaults, env


def connections(root, installed, variables):
    """{group: {'defaults': module_defaults, 'env': environment}} for every action group of the installed
    collection; notes for the ones without a known connection."""
    result, notes = {}, []
    env_options = None
    for group in action_groups(installed):
        if group in CONNECTIONS:
            result[group] = {
                'defaults': dict((option, variables.get(var, '')) for option, (var, _env) in CONNECTIONS[group].items()),
                'env': dict((env, variables.get(var, '')) for _option, (var, env) in CONNECTIONS[group].items()),
            }
            continue
        if env_options is None:
            env_options = env_fallback_options(root)
        found = sample_connection(root, group, variables, env_options)
        if found is None:
            notes.append('action group %s: no connection known (no credential type with a tests/awx/samples.yml entry); '
                         'its examples run without module_defaults' % group)
            continue
        result[group] = {'defaults': found[0], 'env': found[1]}
    return result, notes


def fallback_env(variables, module_envs, conns):
    """For services without a known connection: every environment variable a module reads whose lower-cased name
    is a simulator variable (CLOUDENDURE_USERNAME <- cloudendure_username), except the variables of the services
    whose connection is known (same prefix as theirs) and the shared BACKUPDR_ ones; of an API key and a password
    (alternatives), only the key."""
    owned = ['BACKUPDR_']
    for conn in conns.values():
        names = sorted(conn['env'])
        if names:
            prefix = os.path.commonprefix(names)
            owned.append(prefix[:prefix.rfind('_') + 1] if '_' in prefix else names[0])
    found = dict((name, variables[name.lower()]) for name in sorted(module_envs)
                 if isinstance(variables.get(name.lower()), str) and not name.startswith(tuple(owned)))
    # an API key and a password are alternatives (a service refuses both): keep the key
    for name in list(found):
        if name.endswith('_PASSWORD') and name[:-len('PASSWORD')] + 'API_KEY' in found:
            del found[name]
    return found


def placeholders(variables, conns):
    values = dict((key, value) for key, value in variables.items() if isinstance(value, str))
    for group, conn in conns.items():
        for option, value in conn['defaults'].items():
            values.setdefault('%s_%s' % (group, option), value)
    for name, value in PLACEHOLDERS.items():
        values[name] = re.sub(r'\{(\w+)\}', lambda m: str(variables.get(m.group(1), '')), value)
    return values


# ================================================================================================================
# Running one block
# ================================================================================================================

def rewrite(text, variables, workdir):
    for url, var in URL_REWRITES:
        target = variables.get(var)
        if target:
            text = text.replace(url, target.rstrip('/') + ('/' if url.endswith('/') else ''))
    for prefix in PATH_REWRITES:
        text = re.sub(PATH_PREFIX_RE + re.escape(prefix), lambda m, p=prefix: os.path.join(workdir, p.lstrip('/')),
                      text, flags=re.MULTILINE)
    return text


def make_workdir(base, number, named, variables):
    workdir = os.path.join(base, '%03d' % number)
    os.makedirs(os.path.join(workdir, 'home'))
    for directory in FIXTURE_DIRS:
        os.makedirs(os.path.join(workdir, directory), exist_ok=True)
    for rel, content in FIXTURES.items():
        path = os.path.join(workdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(content, int):
            with open(path, 'wb') as handle:
                chunk = bytes(range(256)) * 4096
                left = content
                while left > 0:
                    handle.write(chunk[:left])
                    left -= len(chunk)
        else:
            with open(path, 'w', encoding='utf-8') as handle:
                handle.write(content)
    for name, text in named.items():
        path = os.path.normpath(os.path.join(workdir, name))
        if not path.startswith(workdir + os.sep):
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(rewrite(text, variables, workdir))
    with open(os.path.join(workdir, 'hosts.yml'), 'w', encoding='utf-8') as handle:
        handle.write('all:\n  hosts:\n    localhost:\n      ansible_connection: local\n'
                     '      ansible_python_interpreter: "{{ ansible_playbook_python }}"\n')
    return workdir


def ansible_env(args, workdir, conns, variables, module_envs):
    env = dict(os.environ)
    # nothing from the caller's environment may change what the examples do: drop every variable a module
    # reads and every ANSIBLE_ one, then set the simulator's connection
    for name in list(env):
        if name in module_envs or name.startswith(('ANSIBLE_', 'BACKUPDR_')):
            del env[name]
    env.update(fallback_env(variables, module_envs, conns))
    for conn in conns.values():
        env.update(conn['env'])
    home = os.path.join(workdir, 'home')
    env.update({
        'HOME': home,
        'XDG_CACHE_HOME': os.path.join(home, '.cache'),
        'ANSIBLE_COLLECTIONS_PATH': args.collections_path,
        'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
        'ANSIBLE_NOCOLOR': '1',
        'ANSIBLE_FORCE_COLOR': '0',
        'ANSIBLE_RETRY_FILES_ENABLED': 'false',
        'ANSIBLE_LOCALHOST_WARNING': 'false',
        'ANSIBLE_INVENTORY_UNPARSED_FAILED': 'true',
        'ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED': 'true',
        'ANSIBLE_PYTHON_INTERPRETER': 'auto_silent',
        'BACKUPDR_CA_PATH': variables.get('sim_ca_path', ''),
        'PY_COLORS': '0',
    })
    if not env['BACKUPDR_CA_PATH']:
        del env['BACKUPDR_CA_PATH']
    return env


def tool(args, name):
    return os.path.join(args.ansible_bin_dir, name) if args.ansible_bin_dir else name


def inventory_file_name(block):
    short = block.plugin.rsplit('.', 1)[-1]
    if block.name and os.path.basename(block.name).endswith(('%s.yml' % short, '%s.yaml' % short)):
        return block.name
    return 'example.%s.yml' % short


def command_for(block, args, workdir, conns, variables):
    """(argv, note) for one block, having written its files into ``workdir``."""
    text = rewrite(block.text, variables, workdir)
    verbosity = ['-' + 'v' * args.verbose] if args.verbose else []
    if block.kind == examples.INVENTORY:
        name = inventory_file_name(block)
        path = os.path.join(workdir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as handle:
            handle.write(text)
        return [tool(args, 'ansible-inventory'), '-i', path, '--list'] + verbosity
    extra = os.path.join(workdir, 'placeholders.json')
    with open(extra, 'w', encoding='utf-8') as handle:
        json.dump(dict(placeholders(variables, conns), **block.extra_vars), handle, indent=1, sort_keys=True)
    inventories = ['-i', os.path.join(workdir, 'hosts.yml')]
    if block.inventory:
        inventories += ['-i', os.path.join(workdir, block.inventory)]
    if block.kind == examples.PLAYBOOK:
        playbook = os.path.join(workdir, 'playbook.yml')
        with open(playbook, 'w', encoding='utf-8') as handle:
            handle.write(text)
    else:
        with open(os.path.join(workdir, 'example_tasks.yml'), 'w', encoding='utf-8') as handle:
            handle.write(text)
        play = [{
            'name': block.label,
            'hosts': 'localhost',
            'gather_facts': False,
            'module_defaults': dict(('group/%s.%s' % (COLLECTION, group), conn['defaults'])
                                    for group, conn in sorted(conns.items()) if conn['defaults']),
            'tasks': [{'name': 'The example', 'ansible.builtin.import_tasks': 'example_tasks.yml'}],
        }]
        playbook = os.path.join(workdir, 'playbook.yml')
        with open(playbook, 'w', encoding='utf-8') as handle:
            yaml.safe_dump(play, handle, default_flow_style=False, sort_keys=False)
    return [tool(args, 'ansible-playbook')] + inventories + [playbook, '-e', '@' + extra] + verbosity


def host_count(output):
    try:
        data = json.loads(output[output.index('{'):])
    except ValueError:
        return None
    return len((data.get('_meta') or {}).get('hostvars') or {})


def run_block(block, args, base, number, named, context):
    """(status, seconds, detail, output) for one runnable block."""
    conns, variables = context['conns'], context['variables']
    workdir = make_workdir(base, number, named, variables)
    env = ansible_env(args, workdir, conns, variables, context['module_envs'])
    started = time.time()
    if block.inventory and not os.path.isfile(os.path.join(workdir, block.inventory)):
        return 'FAIL', 0.0, 'inventory %s: no named block of %s has that name' % (block.inventory, block.source), ''
    argv = command_for(block, args, workdir, conns, variables)
    try:
        proc = subprocess.run(argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, timeout=args.timeout, check=False)
        output, code = proc.stdout.decode('utf-8', 'replace'), proc.returncode
    except subprocess.TimeoutExpired as exc:
        output, code = (exc.stdout or b'').decode('utf-8', 'replace') + '\n(timed out after %s s)' % args.timeout, -1
    seconds = time.time() - started
    with open(os.path.join(workdir, 'output.log'), 'w', encoding='utf-8') as handle:
        handle.write(' '.join(argv) + '\n' + output)
    if code != 0:
        return 'FAIL', seconds, '%s exited with %s' % (os.path.basename(argv[0]), code), output
    if block.kind == examples.INVENTORY:
        return 'PASS', seconds, '%s host(s)' % host_count(output), output
    return 'PASS', seconds, '', output


def tail(output, lines=TAIL_LINES):
    kept = output.rstrip('\n').split('\n')[-lines:]
    return '\n'.join('    | ' + line for line in kept)


# ================================================================================================================
# Main
# ================================================================================================================

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--collections-path', help='where ansible_collections/backupdr/cloud is installed')
    parser.add_argument('--source', default=ROOT, help='collection root whose examples are run (default: %(default)s)')
    parser.add_argument('--ready-file', help="the simulator's ready file (default: the SIM_URL... environment)")
    parser.add_argument('--ansible-bin-dir', help='directory of ansible-playbook and ansible-inventory (default: PATH)')
    parser.add_argument('--only', help='run only the blocks whose label matches this regular expression '
                                       '(with the blocks they continue)')
    parser.add_argument('--list', action='store_true', help='list the blocks and their classes, run nothing')
    parser.add_argument('--keep', action='store_true', help='keep the work directories (printed)')
    parser.add_argument('--timeout', type=float, default=600, help='seconds per block (default: %(default)s)')
    parser.add_argument('--shard', help='K/N: run only shard K (0-based) of N; the blocks of one source stay together, '
                                        'sources are dealt by their number of blocks (to run N shards at once, each '
                                        'against its own simulator)')
    parser.add_argument('-v', '--verbose', action='count', default=0, help='passed on to ansible-playbook')
    args = parser.parse_args(argv)
    if not args.list and not args.collections_path:
        parser.error('--collections-path is required (unless --list)')
    if args.collections_path:
        args.collections_path = os.path.abspath(args.collections_path)
        if not os.path.isdir(os.path.join(args.collections_path, 'ansible_collections', 'backupdr', 'cloud')):
            parser.error('%s has no ansible_collections/backupdr/cloud' % args.collections_path)
    if args.ansible_bin_dir:
        args.ansible_bin_dir = os.path.abspath(args.ansible_bin_dir)
    return args


def select(blocks, pattern):
    """The blocks to run: those matching, the blocks that run them (named task lists) and the blocks of the same
    source that they continue."""
    if not pattern:
        return list(blocks)
    regex = re.compile(pattern)
    wanted = set()
    for i, block in enumerate(blocks):
        if regex.search(block.label):
            wanted.add(i)
            wanted.update(blocks.index(user) for user in examples.users_of(block, blocks))
    for i in sorted(wanted):
        j = i
        while blocks[j].continues and j > 0 and blocks[j - 1].source == blocks[i].source:
            j -= 1
            wanted.add(j)
    return [block for i, block in enumerate(blocks) if i in wanted]


def shard_of(blocks, spec):
    """The blocks of shard ``K/N``: whole sources, dealt largest first to the shard with the fewest blocks."""
    match = re.fullmatch(r'(\d+)/(\d+)', spec or '', re.ASCII)
    if not match or not 0 <= int(match.group(1)) < int(match.group(2)):
        raise SystemExit('--shard must be K/N with 0 <= K < N, got %r' % spec)
    index, count = int(match.group(1)), int(match.group(2))
    sizes = {}
    for block in blocks:
        sizes[block.source] = sizes.get(block.source, 0) + 1
    load = [0] * count
    mine = set()
    for source in sorted(sizes, key=lambda s: (-sizes[s], s)):
        shard = load.index(min(load))
        load[shard] += sizes[source]
        if shard == index:
            mine.add(source)
    return [block for block in blocks if block.source in mine]


def describe(block):
    what = block.kind
    if block.kind == examples.INVENTORY:
        what += ' %s' % block.plugin
    flags = ['vars %s' % ', '.join(sorted(block.extra_vars))] if block.extra_vars else []
    if block.name:
        flags.append('named %s' % block.name)
    if block.continues:
        flags.append('continues')
    if block.inventory:
        flags.append('inventory %s' % block.inventory)
    return what + (' (%s)' % ', '.join(flags) if flags else '')


def verdict(block):
    """(status, detail) of a block that is not run, or None when it is runnable."""
    if block.skip:
        return 'SKIP', block.skip
    if block.kind == examples.INVALID:
        return 'FAIL', block.error
    if block.kind not in examples.RUNNABLE:
        return 'FAIL', ('%s YAML, not runnable: make it a playbook, a task list or an inventory source, '
                        'or mark it "examples: skip: <reason>"' % block.kind)
    return None


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    source = os.path.abspath(args.source)
    try:
        found = examples.find_blocks(source)
    except examples.ExampleError as exc:
        print('FAIL  %s' % exc)
        return 1
    chosen = select(found, args.only)
    if args.shard:
        chosen = shard_of(chosen, args.shard)
    if args.list:
        for block in chosen:
            status = verdict(block)
            print('%-5s %s: %s%s' % (status[0] if status else 'RUN', block.label, describe(block),
                                     ': ' + status[1] if status else ''))
        return 0

    variables = sim_variables(args.ready_file, ROOT)
    try:
        services = admin(variables['sim_url'], 'GET', '/_sim/health').get('services') or []
    except OSError as exc:
        print('FAIL  the simulator does not answer at %s: %s' % (variables['sim_url'], exc))
        return 1
    installed = os.path.join(args.collections_path, 'ansible_collections', 'backupdr', 'cloud')
    conns, notes = connections(source, installed, variables)
    context = {'conns': conns, 'variables': variables, 'module_envs': set(env_fallback_options(source))}
    fallback = fallback_env(variables, context['module_envs'], conns)
    if fallback:
        notes.append('environment variables set from the simulator variables of the same names: %s' % ', '.join(fallback))
    for note in notes:
        print('NOTE  %s' % note)

    base = tempfile.mkdtemp(prefix='backupdr-examples-')
    results = []
    started = time.time()
    previous = {}   # source -> status of its last block
    deferred = []   # named task lists run by other blocks
    try:
        for number, block in enumerate(chosen, 1):
            users = examples.users_of(block, found)
            if users:
                deferred.append((block, users))
                continue
            status = verdict(block)
            output = ''
            seconds = 0.0
            if status is None and block.continues and previous.get(block.source) != 'PASS':
                status = ('FAIL', 'continues the previous block of %s, which did not pass' % block.source)
            if status is None:
                if not block.continues:
                    reset_simulator(variables['sim_url'], services)
                named = examples.named_blocks(found, block.source)
                result, seconds, detail, output = run_block(block, args, base, number, named, context)
                status = (result, detail)
            previous[block.source] = status[0]
            results.append((status[0], block))
            line = '%-4s  %-62s %-10s %6.1f s' % (status[0], block.label, block.kind, seconds)
            if status[1]:
                line += '  ' + status[1]
            print(line)
            if status[0] == 'FAIL' and output:
                print(tail(output))
            sys.stdout.flush()
        outcome = dict((id(block), status) for status, block in results)
        for block, users in deferred:
            failed = [user.label for user in users if outcome.get(id(user)) != 'PASS']
            status = 'FAIL' if failed else 'PASS'
            results.append((status, block))
            print('%-4s  %-62s %-10s %6s    %s' % (
                status, block.label, block.kind, '', 'run as %s by %s' % (block.name, ', '.join(
                    failed or [user.label for user in users])) + (' (which did not pass)' if failed else '')))
    finally:
        if args.keep:
            print('work directories kept in %s' % base)
        else:
            shutil.rmtree(base, ignore_errors=True)

    counts = dict((kind, sum(1 for status, _block in results if status == kind)) for kind in ('PASS', 'FAIL', 'SKIP'))
    print('%d block(s) in %.0f s: %d passed, %d failed, %d skipped' % (
        len(results), time.time() - started, counts['PASS'], counts['FAIL'], counts['SKIP']))
    for status, block in results:
        if status == 'FAIL':
            print('  FAIL %s' % block.label)
    return 1 if counts['FAIL'] else 0


if __name__ == '__main__':
    sys.exit(main())
