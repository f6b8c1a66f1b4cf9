# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write docs/api-coverage.md: one row per endpoint of every seed, with the module and option that reach it,
or the reason none does.

    python scripts/api_coverage.py            # (re)write docs/api-coverage.md
    python scripts/api_coverage.py --check    # exit 1 when the file is stale or something does not add up

Where the endpoints come from:

* CPM: the simulator's routes (``tests/simulator/backupdr_simulator/cpm``), each with its seed line; the
  simulator serves all of the seed's endpoints (its README says so and the test checks the count).
* CrossPeer, Acronis DR, Rackspace Cloud Backup, CloudEndure: the seeds themselves (``shared/seeds``), read with
  one pattern per seed (the seeds write endpoints in four different ways).

What reaches them:

* ``# api: METHOD path option text`` comment lines in a module (``plugins/modules/<module>.py``): the module's own
  declaration (the path below the API root, as the seed writes it, placeholders in braces);
* otherwise ``scripts/api_coverage_map.yml``: rules (CPM) or one entry per endpoint (the other services) naming a
  module and option, or the reason no module reaches the endpoint.

Problems (an endpoint nothing covers, a declaration or entry for an endpoint that does not exist, a module that
does not exist, an option the module does not document) are listed and make ``--check`` fail.
"""

import argparse
import os
import re
import sys

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
MODULES = os.path.join(ROOT, 'plugins', 'modules')
MAP = os.path.join(ROOT, 'scripts', 'api_coverage_map.yml')
DOC = os.path.join(ROOT, 'docs', 'api-coverage.md')
SIMULATOR = os.path.join(ROOT, 'tests', 'simulator')

#: service -> (title, seed file, module prefix)
SERVICES = (
    ('cpm', 'N2WS Backup & Recovery (CPM)', '004_56d02dce0d2d1354.txt', 'cpm_'),
    ('crosspeer', 'CrossPeer', '002_32e42ce93d84e886.txt', 'crosspeer_'),
    ('acronis_dr', 'Acronis DR', '001_23c3aa67ea002700.txt', 'acronis_dr_'),
    ('rax_backup', 'Rackspace Cloud Backup', '003_2eb0a3f44ef87b95.txt', 'rax_'),
    ('cloudendure', 'CloudEndure', '000_5c5ec1a2d0e0cbdb.txt', 'cloudendure_'),
)
API_LINE = re.compile(r'^# api: (GET|POST|PUT|DELETE|PATCH) (\S+)(?: (.*))?$')
OPTION_WORD = re.compile(r'^([a-z_][a-z0-9_]*)')


def seeds_dir():
    """``shared/seeds`` beside the work tree or beside one of its parents (a collection copy under ``.build/``),
    or BACKUPDR_SEEDS."""
    candidates = [os.environ.get('BACKUPDR_SEEDS')]
    here = ROOT
    for dummy in range(7):
        candidates.append(os.path.join(here, 'shared', 'seeds'))
        candidates.append(os.path.join(here, os.pardir, 'shared', 'seeds'))
        here = os.path.dirname(here)
    for path in candidates:
        if path and os.path.isdir(path):
            return os.path.abspath(path)
    return None


# -- endpoints ------------------------------------------------------------------------------------------------

def norm(path):
    """A path with its placeholders made comparable (``{id}`` and ``{group_id}`` are both ``{}``)."""
    return re.sub(r'\{[^}]*\}', '{}', path)


def cpm_endpoints():
    """[(METHOD, path, seed line)] from the simulator's CPM routes."""
    if SIMULATOR not in sys.path:
        sys.path.insert(0, SIMULATOR)
    from backupdr_simulator.cpm.service import CPMService  # pylint: disable=import-outside-toplevel
    service = CPMService()
    out = []
    for family in service.families:
        for route in family.routes():
            out.append((route.method, route.pattern, route.line))
    return out


def seed_lines(name):
    path = os.path.join(seeds_dir() or '', name)
    with open(path, encoding='utf-8') as handle:
        return handle.read().split('\n')


def crosspeer_endpoints(lines):
    """Indented paths (``/drives/list``), the method on one of the lines before."""
    out = []
    for index, line in enumerate(lines):
        text = line.replace('\xa0', ' ')
        match = re.match(r'^\s+(/?(?:drives|servers|resources)[/\[]\S*)', text)
        if not match:
            continue
        method = None
        for back in range(index - 1, max(-1, index - 5), -1):
            word = lines[back].replace('\xa0', ' ').strip()
            if word.startswith('GET') or word.startswith('POST'):
                method = word.split()[0]
                break
        out.append((method or 'GET', match.group(1), index + 1))
    return out


def acronis_endpoints(lines):
    """Headings such as ``### Fetch cloud servers (GET /servers)``."""
    out = []
    for index, line in enumerate(lines):
        match = re.match(r'^#+ .*\((GET|POST|PUT|DELETE|PATCH) (\S+)\)\s*$', line)
        if match:
            out.append((match.group(1), match.group(2), index + 1))
    return out


def rackspace_endpoints(lines):
    """``GET /v1.0/{tenant_id}/...`` lines (not the samples, which use a host)."""
    out = []
    for index, line in enumerate(lines):
        match = re.match(r'^(GET|POST|PUT|DELETE|PATCH) (/v1\.0/\S+)\s*$', line)
        if match:
            out.append((match.group(1), match.group(2), index + 1))
    return out


def cloudendure_endpoints(lines):
    """Function headings (``## listMachines``, ``### login``); every call is a POST of that function."""
    out = []
    for index, line in enumerate(lines):
        match = re.match(r'^#{2,3} ([a-z][A-Za-z]+)\s*$', line)
        if match:
            out.append(('POST', match.group(1), index + 1))
    return out


SEED_READERS = {'crosspeer': crosspeer_endpoints, 'acronis_dr': acronis_endpoints,
                'rax_backup': rackspace_endpoints, 'cloudendure': cloudendure_endpoints}


def endpoints(service, seed):
    if service == 'cpm':
        return cpm_endpoints()
    if seeds_dir() is None:
        return recorded_endpoints(service)
    return SEED_READERS[service](seed_lines(seed))


def recorded_endpoints(service):
    """[(METHOD, path, seed line)] of a service as docs/api-coverage.md last recorded them from its seed: the
    seeds are not shipped in the collection, so a clone without ``shared/seeds`` beside it checks the modules'
    declarations and the map against the endpoints read when the table was last written."""
    title = dict((s[0], s[1]) for s in SERVICES)[service]
    out = []
    inside = False
    with open(DOC, encoding='utf-8') as handle:
        for line in handle:
            if line.startswith('## '):
                inside = line[3:].strip() == title
                continue
            match = re.match(r'^\| L(\d+) \| ([A-Z]+) \| `(.*?)` \| ', line) if inside else None
            if match:
                out.append((match.group(2), match.group(3).replace('\\|', '|'), int(match.group(1))))
    return out


def key_of(service, method, path):
    """The map's key of an endpoint (CloudEndure's are function names)."""
    return path if service == 'cloudendure' else '%s %s' % (method, path)


# -- declarations ------------------------------------------------------------------------------------------

def module_files():
    return sorted(name[:-3] for name in os.listdir(MODULES) if name.endswith('.py') and not name.startswith('_'))


def declarations():
    """module -> [(METHOD, path, option text, line number)] from ``# api:`` lines."""
    out = {}
    for module in module_files():
        with open(os.path.join(MODULES, module + '.py'), encoding='utf-8') as handle:
            for number, line in enumerate(handle, 1):
                match = API_LINE.match(line.rstrip('\n'))
                if match:
                    out.setdefault(module, []).append((match.group(1), match.group(2), match.group(3) or '', number))
    return out


def documented_options(module):
    """The option names a module's DOCUMENTATION mentions (any depth), plus those of the CPM doc fragments."""
    path = os.path.join(MODULES, module + '.py')
    if not os.path.exists(path):
        return None
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    match = re.search(r'DOCUMENTATION = r?"""(.*?)"""', text, re.S)
    doc = match.group(1) if match else ''
    return set(re.findall(r'^\s+([a-z_][a-z0-9_]*):\s*$', doc, re.M))


def check_option(module, option, problems, where):
    """The option text's first word must be an option of the module (``(always)`` and prose are fine)."""
    match = OPTION_WORD.match(option or '')
    if not match or module.startswith('every '):
        return
    options = documented_options(module)
    if options is None:
        return
    word = match.group(1)
    if word not in options:
        problems.append('%s: %s has no option %r' % (where, module, word))


# -- the table ----------------------------------------------------------------------------------------------

def build():
    """``(services, problems)``; services: [(service, title, seed, rows)], rows: dicts."""
    with open(MAP, encoding='utf-8') as handle:
        mapping = yaml.safe_load(handle) or {}
    declared = declarations()
    existing = set(module_files())
    problems = []
    services = []
    used_rules = set()
    for service, title, seed, prefix in SERVICES:
        found = endpoints(service, seed)
        if not found:
            problems.append('%s: no endpoints (the seeds directory shared/seeds is not there and docs/api-coverage.md '
                            'has none recorded; set BACKUPDR_SEEDS)' % service)
            continue
        by_key = {}
        for method, path, line in found:
            by_key.setdefault((method, norm(path)), []).append(line)
        # declarations of this service's modules
        reached = {}
        for module, items in sorted(declared.items()):
            if not module.startswith(prefix):
                continue
            for method, path, option, number in items:
                where = '%s.py line %d' % (module, number)
                if (method, norm(path)) not in by_key:
                    problems.append('%s: "# api: %s %s" is not an endpoint of the %s seed' % (
                        where, method, path, title))
                    continue
                check_option(module, option, problems, where)
                reached.setdefault((method, norm(path)), []).append((module, option))
        entries = (mapping.get(service) or {})
        rules = entries.get('rules') or []
        explicit = entries.get('endpoints') or {}
        seen_explicit = set()
        rows = []
        for method, path, line in sorted(found, key=lambda e: (e[2], e[0])):
            row = dict(method=method, path=path, line=line, modules=[], reason=None, pending=None, source='declared')
            ident = (method, norm(path))
            if ident in reached:
                row['modules'] = reached[ident]
            else:
                entry = None
                key = key_of(service, method, path)
                if key in explicit:
                    entry = explicit[key]
                    seen_explicit.add(key)
                else:
                    text = '%s %s' % (method, path)
                    for index, rule in enumerate(rules):
                        if re.fullmatch(rule['match'], text):
                            entry = rule
                            used_rules.add((service, index))
                            break
                row['source'] = 'map'
                if entry is None:
                    problems.append('%s %s %s (seed L%s): no module declares it and api_coverage_map.yml has no entry'
                                    % (service, method, path, line))
                elif entry.get('module'):
                    module = entry['module']
                    row['modules'] = [(module, str(entry.get('option') or ''))]
                    row['pending'] = entry.get('pending')
                    if not module.startswith('every ') and module not in existing:
                        if not entry.get('pending'):
                            problems.append('%s %s %s: api_coverage_map.yml names the module %s, which does not exist'
                                            % (service, method, path, module))
                    elif not module.startswith('every '):
                        row['pending'] = None  # the module is there now
                        check_option(module, str(entry.get('option') or ''), problems,
                                     'api_coverage_map.yml (%s %s %s)' % (service, method, path))
                else:
                    row['reason'] = entry.get('reason')
                    if not row['reason']:
                        problems.append('%s %s %s: an entry without a module must give a reason' % (
                            service, method, path))
            rows.append(row)
        for key in sorted(set(explicit) - seen_explicit):
            if not any(key == key_of(service, m, p) for m, p, dummy in found):
                problems.append('%s: api_coverage_map.yml has an entry for %r, which is not an endpoint of the seed'
                                % (service, key))
        for index, rule in enumerate(rules):
            if (service, index) not in used_rules:  # harmless (declarations win): said, not failed
                print('note: %s: the rule %r of api_coverage_map.yml is not used (modules declare those endpoints)'
                      % (service, rule['match']), file=sys.stderr)
        services.append((service, title, seed, rows))
    return services, problems


def cell(text):
    return str(text).replace('|', '\\|').replace('\n', ' ')


def render(services):
    out = ['# API coverage', '',
           'One row per endpoint of every seed (`shared/seeds/`): the module and option that reach it, or the reason',
           'no module does. Generated by `scripts/api_coverage.py` from the simulator\'s CPM routes, the seeds, the',
           'modules\' `# api:` declarations and `scripts/api_coverage_map.yml`; `tests/unit/test_api_coverage.py` fails',
           'when this file is stale, when an endpoint is covered by nothing, or when a declaration names an endpoint,',
           'module or option that does not exist. Do not edit by hand: run `python scripts/api_coverage.py`.', '',
           '| service | seed | endpoints | reached by a module | pending (another issue) | with a reason |',
           '|---|---|---|---|---|---|']
    for service, title, seed, rows in services:
        reached = sum(1 for r in rows if r['modules'] and not r['pending'])
        pending = sum(1 for r in rows if r['modules'] and r['pending'])
        reasons = sum(1 for r in rows if r['reason'])
        out.append('| %s | `%s` | %d | %d | %d | %d |' % (title, seed, len(rows), reached, pending, reasons))
    for service, title, seed, rows in services:
        out += ['', '## %s' % title, '', 'Seed `%s`.' % seed, '',
                '| seed line | method | endpoint | module: option, or why none |', '|---|---|---|---|']
        for row in rows:
            if row['modules']:
                what = '; '.join('`%s`: %s' % (module, cell(option) or '(always)') for module, option in row['modules'])
                if row['pending']:
                    what += ' (pending: %s)' % cell(row['pending'])
            else:
                what = 'none: %s' % cell(row['reason'] or '?')
            out.append('| L%s | %s | `%s` | %s |' % (row['line'], row['method'], cell(row['path']), what))
    return '\n'.join(out) + '\n'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', maxsplit=1)[0])
    parser.add_argument('--check', action='store_true', help='fail when docs/api-coverage.md is stale or on problems')
    args = parser.parse_args(argv)
    services, problems = build()
    text = render(services)
    for problem in problems:
        print('problem: %s' % problem, file=sys.stderr)
    if args.check:
        current = open(DOC, encoding='utf-8').read() if os.path.exists(DOC) else ''
        if current != text:
            print('docs/api-coverage.md is stale: run python scripts/api_coverage.py', file=sys.stderr)
            return 1
        return 1 if problems else 0
    with open(DOC, 'w', encoding='utf-8') as handle:
        handle.write(text)
    for service, title, seed, rows in services:
        print('%s: %d endpoints, %d reached, %d pending, %d with a reason' % (
            title, len(rows), sum(1 for r in rows if r['modules'] and not r['pending']),
            sum(1 for r in rows if r['modules'] and r['pending']), sum(1 for r in rows if r['reason'])))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
