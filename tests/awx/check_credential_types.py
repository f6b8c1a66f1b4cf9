# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check the AWX / Automation Controller credential types and run a job with each, as the controller would.

    python tests/awx/check_credential_types.py --collections-path DIR [--ready-file FILE] [--types-only]
                                               [--ansible-runner PATH] [--timeout SECONDS] [--keep]

``--collections-path`` holds ``ansible_collections/backupdr/cloud`` installed from the built tarball: the
credential types are read from there (``extensions/awx/credential_types/*.yml``), which also proves they are
packaged.  The simulator's coordinates come from ``--ready-file`` (the simulator's ready file, turned into
variables by ``scripts/sim.py``'s ``config_vars``) or, without it, from the environment variables that
``scripts/sim.py env`` prints (``scripts/with-sim.sh`` exports them).  ``--types-only`` runs the static checks
only (no simulator needed).

Static checks, per credential type file:
  * the shape the controller's API and ``awx.awx.credential_type`` take: exactly ``name``, ``kind`` (cloud),
    ``description``, ``inputs``, ``injectors``; the controller's own schema for inputs and injectors
    (``CredentialTypeInputField`` / ``CredentialTypeInjectorField`` of AWX): field ids unique and valid, not
    ``tower``, types string/boolean, string-only keys, defaults of the right type, no ``ask_at_runtime`` nor
    ``dependencies`` (refused for custom types), ``required`` a subset of the ids, env names allowed
    (no ``ANSIBLE_*``, none of the controller's reserved names), ASCII env templates, every template renders
    with only the declared inputs (``StrictUndefined``, ``tower.filename`` only with a file injector);
  * the collection's rules: every field has a label and help text and is injected somewhere; fields that
    look like secrets are ``secret: true``; every env var set is one the modules read (an ``env_fallback``
    of ``plugins/module_utils/*.py`` or ``plugins/modules/*.py``, found by parsing them) and is documented
    (``E(NAME)`` in a doc fragment or module); an env var the modules treat as ``no_log`` is fed only from
    secret inputs and a secret input only goes to such env vars or to files, never to ``extra_vars``; a
    service type sets the env var of every required option of its service; no env var or file can render
    empty when the optional inputs are not set (the controller sets them anyway, and an empty value is not
    "unset" for the collection);
  * coverage: a credential type file for every action group of ``meta/runtime.yml`` (except the ones in
    ``MISSING_CREDENTIAL_TYPES_ALLOWED``), an entry in ``tests/awx/samples.yml`` for every file and a file for
    every entry; names unique.

Jobs, per service entry of ``tests/awx/samples.yml``: the sample inputs (templates over the simulator's
variables) are validated like the controller validates a credential's inputs, then injected with the same
logic as AWX's ``CredentialType.inject_credential`` (see ``inject_credential`` below) for the service's
credential and the ones it is attached ``with``; an ansible-runner private data dir gets ``env/envvars``
with only the injected environment plus ``ANSIBLE_COLLECTIONS_PATH``, ``env/extravars`` with only the
injected extra vars (when there are any), the files of file injectors in ``env/``, the playbook in
``project/`` and, when the entry has one, the inventory source in ``inventory/``.  ``ansible-runner run`` runs
it with a scrubbed process environment (PATH, a temporary HOME, locale), so nothing but the injectors can
supply credentials.  The job must succeed, the simulator's request log (``/_sim/requests``) must show
requests of the job, every one authenticated as the sample's user and none refused, and no secret input may
appear in the job's output or events.

Exit status 0 when everything passed, 1 with one line per problem otherwise, 2 for usage errors.
Secrets are never printed: any output quoted from a job has the secret inputs masked.
"""

from __future__ import absolute_import, division, print_function

import argparse
import ast
import importlib.util
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from types import SimpleNamespace

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError, meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
import yaml

try:
    from urllib.parse import urlparse
    from urllib.request import urlopen
except ImportError:  # pragma: no cover
    raise SystemExit('python 3 is required')

__metaclass__ = type

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SAMPLES = os.path.join(HERE, 'samples.yml')
TYPES_DIR = os.path.join('extensions', 'awx', 'credential_types')
COLLECTION = ('backupdr', 'cloud')

#: Action groups of meta/runtime.yml that may have no credential type file yet (services being built).
#: The lead empties this list once their credential types exist.
MISSING_CREDENTIAL_TYPES_ALLOWED = ()

# -- the controller's rules (AWX, awx/main/fields.py, awx/main/constants.py, awx/api/serializers.py) ------------
TOP_LEVEL_KEYS = ('name', 'kind', 'description', 'inputs', 'injectors')
FIELD_KEYS = ('id', 'type', 'label', 'help_text', 'secret', 'multiline', 'format', 'choices', 'default',
              'ask_at_runtime')
STRING_ONLY_FIELD_KEYS = ('choices', 'multiline', 'format', 'secret')
FIELD_TYPES = {'string': str, 'boolean': bool}
FIELD_FORMATS = ('ssh_private_key', 'url')
NAME_RE = re.compile(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$')
FILE_KEY_RE = re.compile(r'^template(\.[a-zA-Z_]+[a-zA-Z0-9_]*)?$')
EXTRA_VAR_KEY_RE = re.compile(r'^[a-zA-Z_{}]+[a-zA-Z0-9_{}]*$')
ASCII_RE = re.compile(r'^[\x00-\x7F]*$')
ENV_BLOCKLIST = frozenset((
    'VIRTUAL_ENV', 'PATH', 'PYTHONPATH', 'JOB_ID', 'INVENTORY_ID', 'INVENTORY_SOURCE_ID', 'INVENTORY_UPDATE_ID',
    'AD_HOC_COMMAND_ID', 'REST_API_URL', 'REST_API_TOKEN', 'MAX_EVENT_RES', 'CALLBACK_QUEUE',
    'CALLBACK_CONNECTION', 'CACHE', 'JOB_CALLBACK_DEBUG', 'INVENTORY_HOSTVARS', 'AWX_HOST', 'PROJECT_REVISION',
    'SUPERVISOR_CONFIG_PATH',
))
SAFE_MASK = '**********'

# -- the collection's rules -------------------------------------------------------------------------------------
SECRET_ID_RE = re.compile(r'(key|secret|token|password|passphrase)', re.IGNORECASE)
DOC_ENV_RE = re.compile(r'E\(([A-Z_][A-Z0-9_]*)\)')


class Problems:
    """Collects one-line problem reports."""

    def __init__(self):
        self.lines = []

    def add(self, where, message):
        self.lines.append('%s: %s' % (where, message))

    def __len__(self):
        return len(self.lines)


# ================================================================================================================
# What the collection reads
# ================================================================================================================

def _const_str_list(node):
    if isinstance(node, (ast.List, ast.Tuple)):
        values = [elt.value for elt in node.elts if isinstance(elt, ast.Constant) and isinstance(elt.value, str)]
        if len(values) == len(node.elts):
            return values
    return None


def _fallback_env_names(node):
    """``(env_fallback, ['A', 'B'])`` -> ['A', 'B']; anything else -> None."""
    if not isinstance(node, ast.Tuple) or len(node.elts) < 2:
        return None
    func = node.elts[0]
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    if name != 'env_fallback':
        return None
    return _const_str_list(node.elts[1])


def _is_true(node):
    return isinstance(node, ast.Constant) and node.value is True


def _spec_entries(tree):
    """(option name, {keyword: node}) for every ``name=dict(...)`` and ``'name': dict(...)``/``{...}``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg and isinstance(node.value, ast.Call) \
                and isinstance(node.value.func, ast.Name) and node.value.func.id == 'dict':
            yield node.arg, dict((k.arg, k.value) for k in node.value.keywords if k.arg)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                    continue
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == 'dict':
                    yield key.value, dict((k.arg, k.value) for k in value.keywords if k.arg)
                elif isinstance(value, ast.Dict):
                    yield key.value, dict((k.value, v) for k, v in zip(value.keys, value.values)
                                          if isinstance(k, ast.Constant) and isinstance(k.value, str))


def collection_env_vars(coll):
    """{ENV: {'option', 'no_log', 'file', 'readers': [(service, option, required, file)]}} from the argument specs."""
    found = {}
    for sub in ('module_utils', 'modules'):
        directory = os.path.join(coll, 'plugins', sub)
        for root, dummy, files in sorted(os.walk(directory)) if os.path.isdir(directory) else ():
            package = os.path.relpath(root, directory)
            for name in sorted(files):
                if not name.endswith('.py'):
                    continue
                path = os.path.join(root, name)
                with open(path, encoding='utf-8') as handle:
                    tree = ast.parse(handle.read(), path)
                # A service's subpackage (module_utils/cpm/...) counts as that service.
                service = package.split(os.sep)[0] if package != '.' else name[:-3]
                for option, keywords in _spec_entries(tree):
                    names = _fallback_env_names(keywords.get('fallback'))
                    for env in names or ():
                        found.setdefault(env, []).append({
                            'option': option, 'no_log': _is_true(keywords.get('no_log')),
                            'required': _is_true(keywords.get('required')),
                            'file': os.path.relpath(path, coll), 'service': service,
                        })
    # one entry per variable: no_log when any option reading it is; every (service, required) kept
    merged = {}
    for env, infos in found.items():
        merged[env] = dict(infos[0], no_log=any(info['no_log'] for info in infos),
                           readers=[(info['service'], info['option'], info['required'], info['file']) for info in infos])
    return merged


def documented_env_vars(coll):
    """Names written as E(NAME) in the doc fragments and modules."""
    names = set()
    for sub in ('doc_fragments', 'modules'):
        directory = os.path.join(coll, 'plugins', sub)
        for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else ():
            if name.endswith('.py'):
                with open(os.path.join(directory, name), encoding='utf-8') as handle:
                    names.update(DOC_ENV_RE.findall(handle.read()))
    return names


def action_group_services(coll):
    """The service action groups of meta/runtime.yml (groups that only extend others, like ``all``, excluded)."""
    with open(os.path.join(coll, 'meta', 'runtime.yml'), encoding='utf-8') as handle:
        runtime = yaml.safe_load(handle) or {}
    services = []
    for group, members in (runtime.get('action_groups') or {}).items():
        if any(isinstance(member, str) for member in members or ()):
            services.append(group)
    return services


# ================================================================================================================
# The controller's injection logic
# ================================================================================================================

def defined_fields(ctype):
    return [field.get('id') for field in ctype.get('inputs', {}).get('fields', [])]


def secret_fields(ctype):
    return [field['id'] for field in ctype.get('inputs', {}).get('fields', []) if field.get('secret', False) is True]


class _UnsafeDumper(yaml.SafeDumper):
    """Dumps every string with the ``!unsafe`` tag, as the controller does for injected extra vars."""

    def represent_data(self, data):
        if isinstance(data, str):
            return self.represent_scalar('!unsafe', data)
        return super(_UnsafeDumper, self).represent_data(data)


def dump_unsafe(data):
    """YAML of the extra vars with every string (keys and values) marked ``!unsafe``, one document per key."""
    return ''.join(yaml.dump_all([{key: value}], None, Dumper=_UnsafeDumper, default_flow_style=False)
                   for key, value in data.items())


def inject_credential(ctype, inputs, private_data_dir, inventory_update=False):
    """Inject one credential the way the controller does; returns (env, safe_env, extra_vars, files).

    Follows ``CredentialType.inject_credential`` of AWX (``awx/main/models/credential.py``, checked against
    ansible/awx e21dd0a0933fd544d1fe2513c54fe41203775eb5, 2024-10):

    * the template namespace holds the credential's inputs that are set: booleans as they are, other values
      only when non-empty; boolean fields that are not set are ``False``; ``ssh_private_key`` values get a
      final newline.  A second, "safe" namespace has ``**********`` for every secret input (it renders the
      ``job_env`` the controller stores);
    * templates are rendered by ``jinja2.sandbox.ImmutableSandboxedEnvironment()`` with the default
      ``Undefined`` (an unset input renders as an empty string); env values are therefore always strings;
    * each file template is rendered to a new ``mkstemp`` file in ``<private_data_dir>/env`` (mode 0600) and
      its path is ``tower.filename`` (``template``) or ``tower.filename.<name>`` (``template.<name>``).  The
      controller gives the path inside the execution environment container (``/runner/env/...``); this job
      runs without a container, so it is the host path;
    * env injectors: names starting ``ANSIBLE_`` or in the controller's block list are skipped (the schema
      check refuses them before);
    * extra_vars (not for inventory updates): keys and values rendered recursively, written with every
      string tagged ``!unsafe`` (``awx/main/utils/safe_yaml.py``), passed as ``-e @file``.
    """
    namespace = {'tower': SimpleNamespace()}
    safe_namespace = {'tower': namespace['tower']}
    secrets = secret_fields(ctype)
    fields = ctype.get('inputs', {}).get('fields', [])
    for name, value in inputs.items():
        if isinstance(value, bool):
            namespace[name] = safe_namespace[name] = value
            continue
        if name in secrets:
            safe_namespace[name] = SAFE_MASK
        elif len(value):
            safe_namespace[name] = value
        if len(value):
            namespace[name] = value
    for field in fields:
        if field.get('type') == 'boolean' and field['id'] not in inputs:
            namespace[field['id']] = safe_namespace[field['id']] = False
        if field.get('format') == 'ssh_private_key' and field['id'] in namespace \
                and not namespace[field['id']].endswith('\n'):
            namespace[field['id']] += '\n'

    injectors = ctype.get('injectors') or {}
    sandbox = ImmutableSandboxedEnvironment()
    files = []
    for label, template in (injectors.get('file') or {}).items():
        data = sandbox.from_string(template).render(**namespace)
        handle, path = tempfile.mkstemp(dir=os.path.join(private_data_dir, 'env'))
        with os.fdopen(handle, 'w') as stream:
            stream.write(data)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        files.append((label, path, data))
        if '.' not in label:
            namespace['tower'].filename = path
        else:
            if not hasattr(namespace['tower'], 'filename'):
                namespace['tower'].filename = SimpleNamespace()
            setattr(namespace['tower'].filename, label.split('.', 1)[1], path)

    env, safe_env = {}, {}
    for name, template in (injectors.get('env') or {}).items():
        if name.startswith('ANSIBLE_') or name in ENV_BLOCKLIST:
            continue
        env[name] = sandbox.from_string(template).render(**namespace)
        safe_env[name] = sandbox.from_string(template).render(**safe_namespace)

    extra_vars = {}
    if not inventory_update:
        def build(node):
            if isinstance(node, dict):
                return dict((build(key), build(value)) for key, value in node.items())
            if isinstance(node, list):
                return [build(item) for item in node]
            return sandbox.from_string(node).render(**namespace)
        extra_vars = build(injectors.get('extra_vars') or {})
    return env, safe_env, extra_vars, files


def renderer_self_check(problems):
    """The injection logic on a synthetic type that uses what the shipped types do not (extra vars, several
    files, an unset boolean, an unset optional input), against what the controller produces."""
    ctype = {'inputs': {'fields': [
        {'id': 'user', 'type': 'string'}, {'id': 'token', 'type': 'string', 'secret': True},
        {'id': 'note', 'type': 'string'}, {'id': 'flag', 'type': 'boolean'}]},
        'injectors': {
            'file': {'template.cfg': '[auth]\nuser={{ user }}\n', 'template.key': '{{ token }}'},
            'env': {'A_CFG': '{{ tower.filename.cfg }}', 'A_TOKEN': '{{ token }}', 'A_FLAG': '{{ flag }}',
                    'A_NOTE': '{{ note }}', 'ANSIBLE_X': '{{ user }}'},
            'extra_vars': {'a_user': '{{ user }}', '{{ user }}_list': ['{{ flag }}', {'k': 'v{{ note }}'}]}}}
    scratch = tempfile.mkdtemp(prefix='awx-selfcheck-')
    try:
        os.mkdir(os.path.join(scratch, 'env'))
        env, safe_env, extra_vars, files = inject_credential(ctype, {'user': 'u1', 'token': 's3cr3t', 'note': ''}, scratch)
        paths = dict((label, path) for label, path, _data in files)
        modes = set(stat.S_IMODE(os.stat(path).st_mode) for path in paths.values())
        with open(paths.get('template.cfg', os.devnull), encoding='utf-8') as handle:
            cfg = handle.read()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    expected = {
        'env': (env, {'A_CFG': paths.get('template.cfg'), 'A_TOKEN': 's3cr3t', 'A_FLAG': 'False', 'A_NOTE': ''}),
        'safe_env': (safe_env, {'A_CFG': paths.get('template.cfg'), 'A_TOKEN': SAFE_MASK, 'A_FLAG': 'False', 'A_NOTE': ''}),
        'extra_vars': (extra_vars, {'a_user': 'u1', 'u1_list': ['False', {'k': 'v'}]}),
        'file modes': (modes, {0o600}),
        'file content': (cfg, '[auth]\nuser=u1'),
        'unsafe YAML': (dump_unsafe({'a': 'b'}), "!unsafe 'a': !unsafe 'b'\n"),
    }
    for what, (got, want) in expected.items():
        if got != want:
            problems.add('renderer self-check', '%s: got %r, expected %r' % (what, got, want))


# ================================================================================================================
# Static checks of one credential type
# ================================================================================================================

def _template_names(template):
    return meta.find_undeclared_variables(ImmutableSandboxedEnvironment().parse(template))


def _injector_templates(injectors):
    """(kind, where, template) for every template string of the injectors (extra_vars keys included)."""
    for label, template in (injectors.get('file') or {}).items():
        yield 'file', 'injectors.file.%s' % label, template
    for name, template in (injectors.get('env') or {}).items():
        yield 'env', 'injectors.env.%s' % name, template

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                yield 'extra_vars', '%s (key)' % where, key
                yield from walk(value, '%s.%s' % (where, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, '%s[%d]' % (where, index))
        else:
            yield 'extra_vars', where, node
    yield from walk(injectors.get('extra_vars') or {}, 'injectors.extra_vars')


def _check_fields(where, inputs, problems):
    fields = inputs.get('fields')
    if not isinstance(fields, list) or not fields:
        problems.add(where, 'inputs.fields must be a non-empty list')
        return []
    ids = []
    for index, field in enumerate(fields):
        spot = '%s: inputs.fields[%d]' % (where, index)
        if not isinstance(field, dict):
            problems.add(spot, 'must be a mapping')
            continue
        fid = field.get('id')
        spot = '%s (%s)' % (spot, fid)
        for key in sorted(set(field) - set(FIELD_KEYS)):
            problems.add(spot, 'unknown key %r (the controller accepts %s)' % (key, ', '.join(FIELD_KEYS)))
        if not isinstance(fid, str) or not NAME_RE.match(fid):
            problems.add(spot, 'id must be a variable name ([a-zA-Z_][a-zA-Z0-9_]*)')
        elif fid == 'tower':
            problems.add(spot, '"tower" is a reserved field name')
        elif fid in ids:
            problems.add(spot, 'field IDs must be unique')
        ids.append(fid)
        ftype = field.get('type')
        if ftype not in FIELD_TYPES:
            problems.add(spot, 'type must be given, string or boolean (not %r)' % (ftype,))
            continue
        for key in ('label', 'help_text'):
            if not isinstance(field.get(key), str) or not field[key].strip():
                problems.add(spot, '%s must be a non-empty string' % key)
        for key in ('secret', 'multiline', 'ask_at_runtime'):
            if key in field and not isinstance(field[key], bool):
                problems.add(spot, '%s must be true or false' % key)
        if 'ask_at_runtime' in field:
            problems.add(spot, "'ask_at_runtime' is not supported for custom credential types")
        for key in STRING_ONLY_FIELD_KEYS:
            if key in field and ftype != 'string':
                problems.add(spot, '%s not allowed for %s type' % (key, ftype))
        if 'format' in field and field['format'] not in FIELD_FORMATS:
            problems.add(spot, 'format must be one of %s' % ', '.join(FIELD_FORMATS))
        if 'choices' in field:
            choices = field['choices']
            if not isinstance(choices, list) or not choices or len(set(map(str, choices))) != len(choices) \
                    or not all(isinstance(choice, str) for choice in choices):
                problems.add(spot, 'choices must be a non-empty list of unique strings')
        if 'default' in field and type(field['default']) is not FIELD_TYPES[ftype]:  # pylint: disable=unidiomatic-typecheck
            problems.add(spot, 'default %r is not a %s' % (field['default'], ftype))
        if ftype == 'string' and isinstance(fid, str) and SECRET_ID_RE.search(fid) and field.get('secret') is not True:
            problems.add(spot, 'looks like a secret (%s) but is not "secret: true"' % SECRET_ID_RE.search(fid).group(1))
    return ids


def _check_injector_schema(where, injectors, problems):
    for key in sorted(set(injectors) - {'file', 'env', 'extra_vars'}):
        problems.add(where, 'injectors: unknown key %r (file, env, extra_vars)' % key)
    for kind in ('file', 'env', 'extra_vars'):
        if kind in injectors and not isinstance(injectors[kind], dict):
            problems.add(where, 'injectors.%s must be a mapping' % kind)
            return False
    for label, template in (injectors.get('file') or {}).items():
        if not FILE_KEY_RE.match(label) or not isinstance(template, str):
            problems.add(where, 'injectors.file.%s: keys are template or template.<name>, values strings' % label)
    labels = list(injectors.get('file') or {})
    if 'template' in labels and len(labels) > 1:
        problems.add(where, 'injectors.file: must use multi-file syntax (template.<name>) when injecting several files')
    for name, template in (injectors.get('env') or {}).items():
        if not NAME_RE.match(name):
            problems.add(where, 'injectors.env.%s: not a valid environment variable name' % name)
        if not isinstance(template, str) or not ASCII_RE.match(template):
            problems.add(where, 'injectors.env.%s: must be an ASCII string' % name)
        if name.startswith('ANSIBLE_'):
            problems.add(where, 'injectors.env.%s: may affect Ansible configuration, not allowed in credentials' % name)
        elif name in ENV_BLOCKLIST:
            problems.add(where, 'injectors.env.%s: is not allowed to be used in credentials (controller block list)' % name)

    def walk(node, spot):
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str) or not EXTRA_VAR_KEY_RE.match(key):
                    problems.add(where, '%s: key %r is not a valid variable name' % (spot, key))
                walk(value, '%s.%s' % (spot, key))
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, '%s[%d]' % (spot, index))
        elif not isinstance(node, str):
            problems.add(where, '%s: values must be strings (templates), lists or mappings' % spot)
    walk(injectors.get('extra_vars') or {}, 'injectors.extra_vars')
    return True


def _check_templates(where, ctype, ids, problems):
    """The controller's own check (StrictUndefined, EXAMPLE values, tower.filename rules) plus declared names."""
    injectors = ctype['injectors']

    class Exploding:
        def __str__(self):
            raise UndefinedError('Must define unnamed file injector in order to reference `tower.filename`.')

    class Tower:
        def __init__(self):
            self.filename = Exploding()

        def __str__(self):
            raise UndefinedError('Cannot directly reference reserved `tower` namespace container.')

    namespace = dict((fid, 'EXAMPLE') for fid in ids)
    namespace['tower'] = Tower()
    labels = list(injectors.get('file') or {})
    if 'template' in labels:
        namespace['tower'].filename = 'EXAMPLE_FILENAME'
    else:
        for label in labels:
            setattr(namespace['tower'].filename, label.split('.', 1)[-1], 'EXAMPLE_FILENAME')
    strict = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
    referenced = {}
    for kind, spot, template in _injector_templates(injectors):
        if not isinstance(template, str):
            continue
        try:
            strict.from_string(template).render(namespace)
            names = _template_names(template)
        except UndefinedError as exc:
            problems.add(where, '%s uses an undefined field (%s)' % (spot, exc))
            continue
        except SecurityError as exc:
            problems.add(where, '%s: unsafe code execution (%s)' % (spot, exc))
            continue
        except TemplateSyntaxError as exc:
            problems.add(where, '%s: syntax error in the template (%s)' % (spot, exc))
            continue
        unknown = sorted(names - set(ids) - {'tower'})
        if unknown:
            problems.add(where, '%s references %s, not declared in inputs.fields' % (spot, ', '.join(unknown)))
        referenced[(kind, spot)] = names
    return referenced


def check_type(where, stem, ctype, services, env_read, env_documented, problems):
    """Static checks of one credential type; returns True when it is usable for a job."""
    if not isinstance(ctype, dict):
        problems.add(where, 'must be a mapping with %s' % ', '.join(TOP_LEVEL_KEYS))
        return False
    for key in sorted(set(ctype) - set(TOP_LEVEL_KEYS)):
        problems.add(where, 'unknown top-level key %r (the controller API and awx.awx.credential_type take %s)'
                     % (key, ', '.join(TOP_LEVEL_KEYS)))
    for key in TOP_LEVEL_KEYS:
        if key not in ctype:
            problems.add(where, 'missing top-level key %r' % key)
    if not isinstance(ctype.get('name'), str) or not ctype['name'].strip() or len(ctype['name']) > 512:
        problems.add(where, 'name must be a non-empty string (at most 512 characters)')
    if not isinstance(ctype.get('description'), str) or not ctype['description'].strip():
        problems.add(where, 'description must be a non-empty string')
    if ctype.get('kind') != 'cloud':
        problems.add(where, 'kind must be cloud (custom types may be cloud or net; these are cloud services), not %r'
                     % (ctype.get('kind'),))
    inputs, injectors = ctype.get('inputs'), ctype.get('injectors')
    if not isinstance(inputs, dict) or not isinstance(injectors, dict) or not injectors:
        problems.add(where, 'inputs and injectors must be non-empty mappings')
        return False
    for key in sorted(set(inputs) - {'fields', 'required'}):
        if key == 'dependencies':
            problems.add(where, "inputs: 'dependencies' is not supported for custom credential types")
        else:
            problems.add(where, 'inputs: unknown key %r (fields, required)' % key)
    before = len(problems)
    ids = _check_fields(where, inputs, problems)
    required = inputs.get('required', [])
    if not isinstance(required, list) or not all(isinstance(item, str) for item in required):
        problems.add(where, 'inputs.required must be a list of field ids')
        required = []
    for item in required:
        if item not in ids:
            problems.add(where, 'inputs.required names %r, which is not a field id' % item)
    if len(set(required)) != len(required):
        problems.add(where, 'inputs.required has duplicates')
    if not _check_injector_schema(where, injectors, problems) or len(problems) > before:
        return False

    referenced = _check_templates(where, ctype, ids, problems)
    secrets = set(secret_fields(ctype))
    used = set()
    for (kind, spot), names in referenced.items():
        used.update(names)
        leaked = sorted(names & secrets)
        if kind == 'extra_vars' and leaked:
            problems.add(where, '%s injects the secret input(s) %s into extra vars (shown in the job, stored with it)'
                         % (spot, ', '.join(leaked)))
        if kind != 'env':
            continue
        name = spot.rsplit('.', 1)[1]
        info = env_read.get(name)
        if info is None:
            problems.add(where, '%s: no module of the collection reads %s (no env_fallback with it in '
                         'plugins/module_utils/*.py or plugins/modules/*.py)' % (spot, name))
            continue
        if name not in env_documented:
            problems.add(where, '%s: %s is not documented (no E(%s) in plugins/doc_fragments or plugins/modules)'
                         % (spot, name, name))
        if info['no_log'] and (not names or names - secrets - {'tower'}):
            problems.add(where, '%s: %s is a no_log option (%s in %s) but is fed from non-secret input(s) %s'
                         % (spot, name, info['option'], info['file'], ', '.join(sorted(names - secrets)) or '(none)'))
        if leaked and not info['no_log']:
            problems.add(where, '%s: the secret input(s) %s go to %s, which the modules do not treat as no_log (%s in %s)'
                         % (spot, ', '.join(leaked), name, info['option'], info['file']))
    for fid in ids:
        if fid not in used:
            problems.add(where, 'input %r is not used by any injector' % fid)
    if stem in services:
        injected = set(injectors.get('env') or {})
        for name, info in sorted(env_read.items()):
            for service, option, required, path in info['readers']:
                if service == stem and required and name not in injected:
                    problems.add(where, 'does not set %s, the environment fallback of the required option %s (%s)'
                                 % (name, option, path))
    if len(problems) > before:
        return False
    _check_empty_renders(where, ctype, problems)
    return len(problems) == before


def _check_empty_renders(where, ctype, problems):
    """With only the required inputs set, no env var or file may render empty (the controller sets them anyway)."""
    fields = ctype['inputs']['fields']
    required = set(ctype['inputs'].get('required', []))
    inputs = dict((field['id'], 'EXAMPLE') for field in fields if field['id'] in required and field['type'] == 'string')
    scratch = tempfile.mkdtemp(prefix='awx-empty-')
    try:
        os.mkdir(os.path.join(scratch, 'env'))
        env, _safe, _extra, files = inject_credential(ctype, inputs, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    optional = sorted(set(field['id'] for field in fields) - required)
    hint = 'when the optional input(s) %s are not set' % ', '.join(optional) if optional else 'with the required inputs set'
    for name, value in env.items():
        if value == '':
            problems.add(where, 'injectors.env.%s renders empty %s; the controller still sets it, and the collection '
                         'does not take an empty value as unset' % (name, hint))
    for label, _path, data in files:
        if data == '':
            problems.add(where, 'injectors.file.%s renders an empty file %s' % (label, hint))


# ================================================================================================================
# Credential inputs (what the controller checks when a credential is saved)
# ================================================================================================================

def check_inputs(where, ctype, inputs, problems):
    fields = dict((field['id'], field) for field in ctype['inputs']['fields'])
    before = len(problems)
    if not isinstance(inputs, dict):
        problems.add(where, 'inputs must be a mapping')
        return False
    for name in sorted(set(inputs) - set(fields)):
        problems.add(where, 'input %r is not a field of the credential type' % name)
    for name, value in inputs.items():
        field = fields.get(name)
        if field is None:
            continue
        if not isinstance(value, FIELD_TYPES[field['type']]):
            problems.add(where, 'input %r must be a %s' % (name, field['type']))
            continue
        if field.get('choices') and value not in field['choices']:
            problems.add(where, 'input %r is not one of the choices %s' % (name, field['choices']))
        if field.get('format') == 'url':
            parsed = urlparse(value)
            if not parsed.scheme or not parsed.netloc:
                problems.add(where, 'input %r is not a URL with a scheme and a host' % name)
    for name in ctype['inputs'].get('required', []):
        if inputs.get(name) in (None, ''):
            problems.add(where, 'required input %r is missing or empty' % name)
    return len(problems) == before


# ================================================================================================================
# Jobs
# ================================================================================================================

def sim_variables(ready_file):
    """The simulator's variables (scripts/sim.py config_vars), plus sim_ca_pem."""
    if ready_file:
        spec = importlib.util.spec_from_file_location('backupdr_sim_script', os.path.join(ROOT, 'scripts', 'sim.py'))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        with open(ready_file, encoding='utf-8') as handle:
            values = module.config_vars(json.load(handle))
    else:
        values = dict((key.lower(), value) for key, value in os.environ.items())
        if not values.get('sim_url'):
            raise SystemExit('ERROR: no simulator: give --ready-file, or run under scripts/with-sim.sh (SIM_URL is not set)')
    ca_path = values.get('sim_ca_path')
    if ca_path and os.path.isfile(ca_path):
        with open(ca_path, encoding='utf-8') as handle:
            values['sim_ca_pem'] = handle.read()
    return values


def render_sample(value, variables):
    if isinstance(value, str):
        return ImmutableSandboxedEnvironment(undefined=StrictUndefined, keep_trailing_newline=True) \
            .from_string(value).render(variables)
    return value


class SimulatorUnavailable(Exception):
    """The simulator's admin API did not answer."""


def sim_requests(sim_url, service, since=0):
    url = '%s/_sim/requests?service=%s&since=%d' % (sim_url.rstrip('/'), service, since)
    try:
        with urlopen(url, timeout=30) as response:  # nosec - the local simulator
            return json.loads(response.read().decode('utf-8'))['requests']
    except (OSError, ValueError, KeyError) as exc:
        raise SimulatorUnavailable('the simulator request log %s did not answer: %s' % (url, exc)) from exc


class Masker:
    """Replaces every secret value in text with ********."""

    def __init__(self, secrets):
        self.secrets = sorted((s for s in secrets if s), key=len, reverse=True)

    def __call__(self, text):
        for secret in self.secrets:
            text = text.replace(secret, '********')
        return text

    def leaks(self, text):
        return [secret for secret in self.secrets if secret in text]


def _write(path, text, mode=0o600):
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(text)
    os.chmod(path, mode)


def run_job(stem, sample, types, samples, variables, args, problems):
    """Run one service's job with ansible-runner; returns a one-line summary or None on failure."""
    where = 'job %s' % stem
    started = time.monotonic()
    attached = [stem] + list(sample.get('with') or [])
    credentials = []
    secrets = []
    for name in attached:
        if name not in types or name not in samples:
            problems.add(where, 'attaches credential type %r, which has no type file or sample entry' % name)
            return None
        try:
            inputs = dict((key, render_sample(value, variables)) for key, value in (samples[name].get('inputs') or {}).items())
        except UndefinedError as exc:
            problems.add(where, 'sample inputs of %s use a simulator variable that is not published (%s)' % (name, exc))
            return None
        if not check_inputs('%s: sample inputs of %s' % (where, name), types[name], inputs, problems):
            return None
        secrets.extend(value for key, value in inputs.items() if key in secret_fields(types[name]) and value)
        credentials.append((name, inputs))
    mask = Masker(secrets)
    service = sample.get('service', stem)
    try:
        auth_user = render_sample(sample.get('auth_user', ''), variables)
    except UndefinedError as exc:
        problems.add(where, 'auth_user uses a simulator variable that is not published (%s)' % exc)
        return None

    private = tempfile.mkdtemp(prefix='awx-job-%s-' % stem)
    try:
        for sub in ('env', 'project', 'home'):
            os.mkdir(os.path.join(private, sub), 0o700)
        env, safe_env, extra_vars, origin = {}, {}, {}, {}
        for name, inputs in credentials:
            c_env, c_safe, c_extra, _files = inject_credential(types[name], inputs, private)
            for key in c_env:
                if key in env:
                    problems.add(where, '%s and %s both set %s: in one job the last one wins' % (origin[key], name, key))
                origin[key] = name
            env.update(c_env)
            safe_env.update(c_safe)
            for key in c_extra:
                if key in extra_vars:
                    problems.add(where, '%s and %s both set the extra var %s' % (origin.get('extra:' + key), name, key))
                origin['extra:' + key] = name
            extra_vars.update(c_extra)
        leaked = mask.leaks(json.dumps(safe_env))
        if leaked:
            problems.add(where, 'a secret input shows in the environment the controller would store (job_env): %s'
                         % ', '.join(sorted(k for k, v in safe_env.items() if mask.leaks(v))))
        envvars = dict(env, ANSIBLE_COLLECTIONS_PATH=args.collections_path)
        _write(os.path.join(private, 'env', 'envvars'), json.dumps(envvars, indent=2, sort_keys=True) + '\n')
        if extra_vars:
            _write(os.path.join(private, 'env', 'extravars'), dump_unsafe(extra_vars))
        playbook = '%s.yml' % stem
        play = [{'name': 'Job with the %s credential' % types[stem]['name'], 'hosts': 'localhost',
                 'gather_facts': False, 'tasks': sample['tasks']}]
        _write(os.path.join(private, 'project', playbook), '---\n' + yaml.safe_dump(play, sort_keys=False), 0o644)
        # An inventory source that fails to parse must fail the job (ansible only warns by default).
        _write(os.path.join(private, 'project', 'ansible.cfg'), '[inventory]\nenable_plugins = auto\nany_unparsed_is_failed = True\n', 0o644)
        if sample.get('inventory'):
            os.mkdir(os.path.join(private, 'inventory'), 0o700)
            plugin = sample['inventory'].get('plugin', '')
            _write(os.path.join(private, 'inventory', 'awx.%s.yml' % plugin.rsplit('.', 1)[-1]),
                   '---\n' + yaml.safe_dump(sample['inventory'], sort_keys=False))

        before = sim_requests(variables['sim_url'], service)
        since = max([entry['seq'] for entry in before] or [0])
        process_env = {
            'PATH': job_path(args),
            'HOME': os.path.join(private, 'home'),
            'LANG': os.environ.get('LANG') or 'C.UTF-8',
            'LC_ALL': os.environ.get('LC_ALL') or os.environ.get('LANG') or 'C.UTF-8',
        }
        if os.environ.get('TMPDIR'):
            process_env['TMPDIR'] = os.environ['TMPDIR']
        try:
            proc = subprocess.run([args.ansible_runner, 'run', private, '-p', playbook], env=process_env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                                  timeout=args.timeout, check=False)
            output, returncode = proc.stdout, proc.returncode
        except subprocess.TimeoutExpired as exc:
            output, returncode = exc.stdout or '', 'timeout after %s s' % args.timeout
            if not isinstance(output, str):
                output = output.decode('utf-8', 'replace')
        status = _runner_status(private)
        if returncode != 0 or status != 'successful':
            tail = '\n'.join('    ' + line for line in mask(output).strip().splitlines() if line.strip())
            tail = '\n'.join(tail.splitlines()[-20:])
            problems.add(where, 'the job did not succeed (ansible-runner rc %s, status %s); last lines:\n%s'
                         % (returncode, status, tail))
            return None
        leaks = mask.leaks(output + _read_artifacts(private))
        if leaks:
            problems.add(where, '%d secret input value(s) appear in the job output or events' % len(leaks))
        entries = sim_requests(variables['sim_url'], service, since)
        if not entries:
            problems.add(where, 'the simulator logged no %s request during the job: it did not talk to the service' % service)
            return None
        bad = [entry for entry in entries if (entry.get('auth_user') or '').lower() != auth_user.lower()
               or not isinstance(entry.get('status'), int) or entry['status'] >= 400 or entry.get('fault')]
        if bad:
            shown = '; '.join('%s %s -> %s as %s' % (e['method'], e['path'].split('?')[0], e['status'], e.get('auth_user'))
                              for e in bad[:5])
            problems.add(where, '%d of %d %s requests were not authenticated as %s (auth_user of the sample) or were refused: %s'
                         % (len(bad), len(entries), service, auth_user, mask(shown)))
            return None
        names = ' + '.join(types[name]['name'] for name in attached)
        return 'ok   job %-12s %s: successful, %d %s requests authenticated as %s, env %s (%.1f s)' % (
            stem, names, len(entries), service, auth_user, ', '.join(sorted(env)), time.monotonic() - started)
    finally:
        if args.keep:
            print('     kept %s (holds the simulator credentials)' % private)
        else:
            shutil.rmtree(private, ignore_errors=True)


def job_path(args):
    return os.pathsep.join([args.ansible_bin_dir or os.path.dirname(args.ansible_runner), '/usr/local/bin', '/usr/bin', '/bin'])


def ansible_core_version(args):
    """'ansible-core X.Y.Z' of the ansible-playbook the jobs run."""
    playbook = shutil.which('ansible-playbook', path=job_path(args))
    if not playbook:
        raise SystemExit('ERROR: no ansible-playbook on the job PATH %s' % job_path(args))
    out = subprocess.run([playbook, '--version'], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         universal_newlines=True, check=False).stdout
    match = re.search(r'\[core ([^\]]+)\]', out)
    return 'ansible-core %s' % (match.group(1) if match else '?')


def _runner_status(private):
    artifacts = os.path.join(private, 'artifacts')
    for ident in sorted(os.listdir(artifacts)) if os.path.isdir(artifacts) else ():
        path = os.path.join(artifacts, ident, 'status')
        if os.path.isfile(path):
            with open(path, encoding='utf-8') as handle:
                return handle.read().strip()
    return 'unknown (no artifacts/*/status)'


def _read_artifacts(private):
    """The job's stdout and events (what the controller shows and stores)."""
    chunks = []
    artifacts = os.path.join(private, 'artifacts')
    for base, _dirs, names in os.walk(artifacts):
        for name in names:
            if name == 'stdout' or os.path.basename(base) == 'job_events':
                with open(os.path.join(base, name), encoding='utf-8', errors='replace') as handle:
                    chunks.append(handle.read())
    return '\n'.join(chunks)


# ================================================================================================================
# Main
# ================================================================================================================

def load_yaml(path, problems):
    try:
        with open(path, encoding='utf-8') as handle:
            return yaml.safe_load(handle)
    except (OSError, yaml.YAMLError) as exc:
        problems.add(path, 'cannot be read as YAML: %s' % exc)
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--collections-path', required=True,
                        help='directory holding ansible_collections/backupdr/cloud, installed from the built tarball')
    parser.add_argument('--ready-file', help="the simulator's ready file (default: the SIM_URL, ... environment)")
    parser.add_argument('--samples', default=SAMPLES, help='sample credentials and jobs (default: tests/awx/samples.yml)')
    parser.add_argument('--types-only', action='store_true', help='static checks only, no jobs (no simulator)')
    parser.add_argument('--ansible-runner', default=os.path.join(os.path.dirname(sys.executable), 'ansible-runner'))
    parser.add_argument('--ansible-bin-dir', help='directory put first on the job\'s PATH, e.g. another ansible-core\'s '
                        'venv bin (default: the directory of ansible-runner)')
    parser.add_argument('--timeout', type=float, default=300, help='seconds per job (default 300)')
    parser.add_argument('--keep', action='store_true', help='keep the private data dirs (they hold the sample secrets)')
    args = parser.parse_args(argv)
    started = time.monotonic()
    args.collections_path = os.path.abspath(args.collections_path)
    args.ansible_runner = os.path.abspath(args.ansible_runner)
    if args.ansible_bin_dir:  # the jobs run in their own directory
        args.ansible_bin_dir = os.path.abspath(args.ansible_bin_dir)
    coll = os.path.join(args.collections_path, 'ansible_collections', *COLLECTION)
    if not os.path.isfile(os.path.join(coll, 'MANIFEST.json')):
        print('FAIL awx credential types: %s is not an installed backupdr.cloud (no MANIFEST.json)' % coll)
        return 2
    if not args.types_only and not os.access(args.ansible_runner, os.X_OK):
        print('FAIL awx credential types: ansible-runner not found at %s (--ansible-runner)' % args.ansible_runner)
        return 2

    problems = Problems()
    renderer_self_check(problems)
    services = action_group_services(coll)
    env_read = collection_env_vars(coll)
    env_documented = documented_env_vars(coll)
    types_dir = os.path.join(coll, TYPES_DIR)
    files = sorted(name for name in os.listdir(types_dir) if name.endswith(('.yml', '.yaml'))) \
        if os.path.isdir(types_dir) else []
    samples = load_yaml(args.samples, problems) or {}
    types, valid, names = {}, set(), {}
    for name in files:
        stem = name.rsplit('.', 1)[0]
        where = '%s/%s' % (TYPES_DIR, name)
        ctype = load_yaml(os.path.join(types_dir, name), problems)
        if ctype is None:
            continue
        types[stem] = ctype
        if check_type(where, stem, ctype, services, env_read, env_documented, problems):
            valid.add(stem)
            print('ok   type %-12s %s: inputs %s; env %s%s' % (
                stem, ctype['name'], ', '.join(defined_fields(ctype)), ', '.join(sorted(ctype['injectors'].get('env') or {})),
                '; file' if ctype['injectors'].get('file') else ''))
        if isinstance(ctype, dict) and ctype.get('name') in names:
            problems.add(where, 'name %r is also the name of %s' % (ctype['name'], names[ctype['name']]))
        if isinstance(ctype, dict):
            names[ctype.get('name')] = name

    # coverage: services <-> type files <-> samples
    for service in services:
        if service not in types and service not in MISSING_CREDENTIAL_TYPES_ALLOWED:
            problems.add('meta/runtime.yml', 'action group %s has no credential type file %s/%s.yml' % (service, TYPES_DIR, service))
    for service in MISSING_CREDENTIAL_TYPES_ALLOWED:
        if service in types:
            print('note %s has a credential type now: remove it from MISSING_CREDENTIAL_TYPES_ALLOWED in %s'
                  % (service, os.path.relpath(__file__, ROOT)))
    jobs = []
    used_with = set()
    for stem, sample in samples.items():
        where = 'tests/awx/samples.yml: %s' % stem
        if stem not in types:
            problems.add(where, 'no credential type file %s/%s.yml' % (TYPES_DIR, stem))
            continue
        if not isinstance(sample, dict) or not isinstance(sample.get('inputs'), dict):
            problems.add(where, 'must be a mapping with inputs')
            continue
        used_with.update(sample.get('with') or [])
        if sample.get('tasks'):
            if not isinstance(sample['tasks'], list) or not sample.get('auth_user'):
                problems.add(where, 'a job needs tasks (a list) and auth_user (whom the simulator must see)')
                continue
            jobs.append(stem)
        elif stem in services:
            problems.add(where, 'a service type needs a job (tasks, auth_user)')
    for stem in types:
        if stem not in samples:
            problems.add('%s/%s.yml' % (TYPES_DIR, stem), 'has no sample entry in tests/awx/samples.yml')
        elif stem not in services and not samples[stem].get('tasks') and stem not in used_with:
            problems.add('tests/awx/samples.yml: %s' % stem, 'is neither a service type with a job nor attached to one (with:)')
        elif stem not in services and samples[stem].get('tasks'):
            problems.add('tests/awx/samples.yml: %s' % stem, 'has a job but is no action group of meta/runtime.yml')

    core = ''
    if not args.types_only and not problems:
        variables = sim_variables(args.ready_file)
        core = ansible_core_version(args)
        for stem in jobs:
            try:
                line = run_job(stem, samples[stem], types, samples, variables, args, problems)
            except SimulatorUnavailable as exc:
                problems.add('job %s' % stem, str(exc))
                break
            if line:
                print(line)

    elapsed = time.monotonic() - started
    if problems:
        for line in problems.lines:
            print('FAIL ' + line)
        print('FAIL awx credential types: %d problem(s) (%.1f s)' % (len(problems), elapsed))
        return 1
    what = '%d credential types valid (%s)' % (len(types), ', '.join(sorted(types)))
    if args.types_only:
        print('PASS awx credential types: %s; jobs not run (--types-only) (%.1f s)' % (what, elapsed))
    else:
        print('PASS awx credential types: %s; %d jobs (%s) succeeded with %s against the simulator with only the '
              'injected credentials (%.1f s)' % (what, len(jobs), ', '.join(jobs), core, elapsed))
    return 0


if __name__ == '__main__':
    sys.exit(main())
