# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Find and classify the collection's examples (used by ``run_examples.py``; see README.md here).

Sources, relative to the collection root:
  * the ``EXAMPLES`` string of every ``plugins/modules/*.py`` and ``plugins/inventory/*.py``;
  * every fenced ``yaml`` (or ``yml``) code block of ``README.md``, ``docs/*.md``, ``roles/*/README.md`` and
    ``extensions/awx/README.md``.

Directives, always written in the source next to the block:
  * Markdown: HTML comments on the lines right before the opening fence, one per line:
    ``<!-- examples: skip: <reason> -->``, ``<!-- examples: continue -->`` (run right after the previous block of
    the file, without resetting the simulator), ``<!-- examples: inventory: <file name> -->`` (run the playbook
    with that inventory source: a named block of the same file, see below), ``<!-- examples: vars: <mapping> -->``
    (extra vars for the run, in YAML flow style: what a job template or the command line would give).
  * ``EXAMPLES``: a first line ``# examples: skip: <reason>``.
  A directive that is malformed, unknown, or not followed by a yaml block is an error of the run.

A block whose first line is a comment naming a YAML file (``# inventory/prod.crosspeer.yml``, ``# drill_checks.yml``)
is a *named block*: the runner writes it under that name next to every block of the same file, so a playbook can
include it or use it as its inventory.

Classes: ``playbook`` (a list of plays: mappings with ``hosts`` or ``import_playbook``), ``tasks`` (a list of
tasks), ``inventory`` (a mapping with ``plugin``: an inventory source configuration), ``other`` (any other YAML)
and ``invalid`` (not YAML).
"""

from __future__ import absolute_import, division, print_function

import ast
import glob
import os
import re

import yaml

PLAYBOOK = 'playbook'
TASKS = 'tasks'
INVENTORY = 'inventory'
OTHER = 'other'
INVALID = 'invalid'
RUNNABLE = (PLAYBOOK, TASKS, INVENTORY)

#: Markdown files searched for yaml blocks (globs relative to the collection root).
MARKDOWN_GLOBS = ('README.md', 'docs/*.md', 'roles/*/README.md', 'extensions/awx/README.md')
#: Python files whose EXAMPLES are blocks.
PYTHON_GLOBS = ('plugins/modules/*.py', 'plugins/inventory/*.py')

FENCE_RE = re.compile(r'^(?P<indent> *)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$')
DIRECTIVE_RE = re.compile(r'^\s*<!--\s*examples:(?P<body>.*?)-->\s*$')
LOOSE_DIRECTIVE_RE = re.compile(r'^\s*<!--\s*examples\b', re.IGNORECASE)
EXAMPLES_SKIP_RE = re.compile(r'^#\s*examples:\s*skip:\s*(?P<reason>\S.*?)\s*$')
EXAMPLES_DIRECTIVE_RE = re.compile(r'^#\s*examples\s*:', re.IGNORECASE)
NAME_RE = re.compile(r'^#\s+(?P<name>[A-Za-z0-9_][A-Za-z0-9_./-]*\.ya?ml)\b')
YAML_INFOS = ('yaml', 'yml')
#: Task keywords that are not modules (a list of mappings with one of these, or a module key, is a task list).
TASK_KEYWORDS = frozenset((
    'name', 'block', 'rescue', 'always', 'when', 'register', 'loop', 'vars', 'tags', 'notify', 'delegate_to',
    'include_tasks', 'import_tasks', 'include_role', 'import_role', 'module_defaults', 'failed_when',
    'changed_when', 'ignore_errors', 'become', 'environment', 'no_log', 'until', 'retries', 'delay',
    'check_mode', 'diff', 'loop_control', 'run_once', 'args', 'listen', 'with_items', 'throttle', 'action',
))


class ExampleError(Exception):
    """A malformed directive or source: reported as a failure of the run."""


class Block(object):
    """One example: where it comes from, its text, its class and its directives."""

    # pylint: disable=too-many-instance-attributes,too-few-public-methods
    def __init__(self, source, index, line, text, label=None):
        self.source = source          # path relative to the collection root
        self.index = index            # 1-based among the yaml blocks of the source
        self.line = line              # line of the block's first content line in the source (1-based)
        self.text = text
        self.label = label or '%s #%d (line %d)' % (source, index, line)
        self.skip = None              # reason, when marked
        self.continues = False        # run after the previous block of the source, no reset
        self.inventory = None         # named block used as the playbook's inventory
        self.extra_vars = {}          # more extra vars (what a job template would give)
        self.name = None              # file name given by a first comment line
        self.kind = None
        self.data = None
        self.error = None             # why it is invalid
        self.plugin = None            # inventory plugin FQCN

    def classify(self):
        first = self.text.lstrip('\n').split('\n', 1)[0].strip()
        match = NAME_RE.match(first)
        if match:
            self.name = match.group('name')
        try:
            self.data = yaml.safe_load(self.text)
        except yaml.YAMLError as exc:
            self.kind, self.error = INVALID, 'not YAML: %s' % str(exc).replace('\n', ' ')
            return self
        self.kind = classify_data(self.data)
        if self.kind == INVENTORY:
            self.plugin = str(self.data.get('plugin'))
        return self


def _looks_like_task(item):
    if not isinstance(item, dict) or not item:
        return False
    return any(key in TASK_KEYWORDS or '.' in str(key) for key in item)


def classify_data(data):
    """The class of a parsed YAML document."""
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        if all('hosts' in item or 'import_playbook' in item or 'ansible.builtin.import_playbook' in item for item in data):
            return PLAYBOOK
        if all(_looks_like_task(item) for item in data) and not any('hosts' in item for item in data):
            return TASKS
        return OTHER
    if isinstance(data, dict) and 'plugin' in data:
        return INVENTORY
    return OTHER


def _parse_directive(body, where):
    """``skip: reason`` / ``continue`` / ``inventory: name`` -> (key, value)."""
    key, sep, value = body.strip().partition(':')
    key, value = key.strip(), value.strip()
    if key == 'skip':
        if not sep or not value:
            raise ExampleError('%s: "examples: skip:" needs a reason' % where)
        return key, value
    if key == 'continue':
        if value:
            raise ExampleError('%s: "examples: continue" takes no value' % where)
        return key, True
    if key == 'inventory':
        if not value or not NAME_RE.match('# ' + value):
            raise ExampleError('%s: "examples: inventory:" needs a YAML file name, not %r' % (where, value))
        return key, value
    if key == 'vars':
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            parsed = None
        if not isinstance(parsed, dict) or not parsed:
            raise ExampleError('%s: "examples: vars:" needs a YAML mapping such as {servers: [web-01]}, not %r' % (where, value))
        return key, parsed
    raise ExampleError('%s: unknown directive %r (known: skip: <reason>, continue, inventory: <file>, vars: <mapping>)'
                       % (where, body.strip()))


def markdown_blocks(root, relpath):
    """The yaml blocks of one Markdown file, with their directives."""
    with open(os.path.join(root, relpath), encoding='utf-8') as handle:
        lines = handle.read().split('\n')
    blocks = []
    pending = []          # (line number, key, value) of the directives just read
    i = 0
    while i < len(lines):
        line = lines[i]
        directive = DIRECTIVE_RE.match(line)
        if directive:
            pending.append((i + 1,) + _parse_directive(directive.group('body'), '%s:%d' % (relpath, i + 1)))
            i += 1
            continue
        if LOOSE_DIRECTIVE_RE.match(line):
            raise ExampleError('%s:%d: malformed examples directive (write <!-- examples: ... --> alone on its line)'
                               % (relpath, i + 1))
        fence = FENCE_RE.match(line)
        if fence is None:
            if pending and line.strip():
                raise ExampleError('%s:%d: examples directive not followed by a code block' % (relpath, pending[0][0]))
            i += 1
            continue
        indent, marker, info = len(fence.group('indent')), fence.group('fence'), fence.group('info').lower()
        body, j = [], i + 1
        while j < len(lines):
            stripped = lines[j].strip()
            if len(stripped) >= len(marker) and set(stripped) == set(marker[0]):
                break
            text = lines[j]
            body.append(text[indent:] if text[:indent].strip() == '' else text.lstrip())
            j += 1
        if info in YAML_INFOS:
            block = Block(relpath, len(blocks) + 1, i + 2, '\n'.join(body) + '\n')
            for _number, key, value in pending:
                if key == 'skip':
                    block.skip = value
                elif key == 'continue':
                    block.continues = True
                elif key == 'vars':
                    block.extra_vars.update(value)
                else:
                    block.inventory = value
            blocks.append(block.classify())
        elif pending:
            raise ExampleError('%s:%d: examples directive before a %r block (only yaml blocks are examples)'
                               % (relpath, pending[0][0], info or 'plain'))
        pending = []
        i = j + 1
    if pending:
        raise ExampleError('%s:%d: examples directive at the end of the file' % (relpath, pending[0][0]))
    return blocks


def python_examples(root, relpath):
    """The EXAMPLES block of a module or plugin (a list with zero or one block)."""
    path = os.path.join(root, relpath)
    with open(path, encoding='utf-8') as handle:
        source = handle.read()
    tree = ast.parse(source, path)
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == 'EXAMPLES' for t in node.targets):
            if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                raise ExampleError('%s: EXAMPLES is not a string literal' % relpath)
            text = node.value.value
            # the string's first line is the one after r""" (line numbers point into the file)
            line = node.value.lineno + (1 if text.startswith('\n') else 0)
            block = Block(relpath, 1, line, text, label='%s EXAMPLES' % relpath)
            first = text.strip().split('\n', 1)[0].strip() if text.strip() else ''
            skip = EXAMPLES_SKIP_RE.match(first)
            if skip:
                block.skip = skip.group('reason')
            elif EXAMPLES_DIRECTIVE_RE.match(first):
                raise ExampleError('%s: malformed first line %r (write "# examples: skip: <reason>")' % (relpath, first))
            return [block.classify()]
    return []


def find_blocks(root):
    """Every block of the collection at ``root``, in a stable order (Python sources first, then Markdown)."""
    blocks = []
    for pattern in PYTHON_GLOBS:
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            if os.path.basename(path) == '__init__.py':
                continue
            blocks.extend(python_examples(root, os.path.relpath(path, root)))
    for pattern in MARKDOWN_GLOBS:
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            blocks.extend(markdown_blocks(root, os.path.relpath(path, root)))
    return blocks


def named_blocks(blocks, source):
    """{file name: text} of the named blocks of one source."""
    return dict((block.name, block.text) for block in blocks if block.source == source and block.name)


def users_of(block, blocks):
    """The blocks that run a named task list: the other runnable, unskipped blocks of its source that mention its
    name.  Such a task list (a file a playbook includes) is run through them, not alone."""
    if not block.name or block.kind != TASKS or block.skip:
        return []
    return [other for other in blocks
            if other is not block and other.source == block.source and not other.skip
            and other.kind in RUNNABLE and block.name in other.text]
