# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Check that an execution environment built with the collection gets its requirements (offline, no container).

    python tests/awx/check_ee.py --tarball .build/dist/backupdr-cloud-X.Y.Z.tar.gz [--bin-dir DIR] [--keep]

1. Writes a temporary execution environment definition (version 3) that installs the built collection
   tarball (``dependencies.galaxy`` pointing at it, the tarball copied in with ``additional_build_files``),
   as docs/awx.md shows, and runs ``ansible-builder create`` on it: the definition must validate and the
   build context must hold the Containerfile, the galaxy requirements naming the tarball and the tarball
   itself (same bytes).
2. Replays the container build's galaxy and builder stages without a container: installs the collection
   from the context's requirements file with ``ansible-galaxy collection install --offline`` (as the galaxy
   stage does in ``/build``), then runs the context's own ``scripts/introspect.py`` (what the builder stage
   runs) on the installed collections.
3. Checks the collection's ``meta/execution-environment.yml`` (as installed, so as packaged): a mapping whose
   ``dependencies`` has only ``python`` and/or ``system``, each a relative path to a non-empty file in the
   collection; and that the introspection lists every requirement of those files (``requests`` ...) as
   coming from ``backupdr.cloud``, so the image would install them.

Needs ansible-builder (3.x) and ansible-core in ``--bin-dir`` (default: this interpreter's directory); no
network, no container engine.  Prints one line per step and a final PASS/FAIL line; exit status 1 on failure.
"""

from __future__ import absolute_import, division, print_function

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

__metaclass__ = type

COLLECTION = 'backupdr.cloud'
BASE_IMAGE = 'quay.io/ansible/awx-ee:latest'


class CheckFailed(Exception):
    """One check failed; the message says what is wrong."""


def sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b''):
            digest.update(chunk)
    return digest.hexdigest()


def run(cmd, cwd, env, what):
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, check=False)
    if proc.returncode != 0:
        tail = '\n'.join('    ' + line for line in proc.stdout.strip().splitlines()[-15:])
        raise CheckFailed('%s failed (rc %d): %s\n%s' % (what, proc.returncode, ' '.join(cmd), tail))
    return proc.stdout


def requirement_lines(path):
    """Non-empty, non-comment lines of a pip or bindep file (what introspect keeps), without inline comments."""
    lines = []
    with open(path, encoding='utf-8') as handle:
        for line in handle:
            line = line.split(' #', 1)[0].strip()
            if line and not line.startswith('#'):
                lines.append(line)
    return lines


def write_definition(workdir, tarball):
    definition = {
        'version': 3,
        'images': {'base_image': {'name': BASE_IMAGE}},
        'dependencies': {
            'ansible_core': {'package_pip': 'ansible-core>=2.17'},
            'ansible_runner': {'package_pip': 'ansible-runner'},
            'galaxy': {'collections': [{'name': 'collections/%s' % os.path.basename(tarball), 'type': 'file'}]},
        },
        'additional_build_files': [{'src': tarball, 'dest': 'collections'}],
    }
    path = os.path.join(workdir, 'execution-environment.yml')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write('---\n' + yaml.safe_dump(definition, sort_keys=False))
    return path


def check_context(context, tarball):
    build = os.path.join(context, '_build')
    containerfile = os.path.join(context, 'Containerfile')
    if not os.path.isfile(containerfile):
        raise CheckFailed('ansible-builder create wrote no Containerfile in %s' % context)
    with open(containerfile, encoding='utf-8') as handle:
        text = handle.read()
    for needle in ('ansible-galaxy collection install', 'introspect'):
        if needle not in text:
            raise CheckFailed('the generated Containerfile has no %r step' % needle)
    copied = os.path.join(build, 'collections', os.path.basename(tarball))
    if not os.path.isfile(copied) or sha256(copied) != sha256(tarball):
        raise CheckFailed('the build context does not hold the tarball (expected %s, same bytes as %s)'
                          % (os.path.relpath(copied, context), tarball))
    with open(os.path.join(build, 'requirements.yml'), encoding='utf-8') as handle:
        requirements = yaml.safe_load(handle) or {}
    names = [entry.get('name') for entry in requirements.get('collections') or [] if isinstance(entry, dict)]
    if 'collections/%s' % os.path.basename(tarball) not in names:
        raise CheckFailed('the context galaxy requirements do not name the tarball: %s' % names)
    introspect = os.path.join(build, 'scripts', 'introspect.py')
    if not os.path.isfile(introspect):
        raise CheckFailed('the build context has no scripts/introspect.py')
    return build, introspect


def check_metadata(coll):
    """The collection's meta/execution-environment.yml -> {'python': path, 'system': path}."""
    meta = os.path.join(coll, 'meta', 'execution-environment.yml')
    if not os.path.isfile(meta):
        raise CheckFailed('the packaged collection has no meta/execution-environment.yml')
    with open(meta, encoding='utf-8') as handle:
        data = yaml.safe_load(handle)
    deps = data.get('dependencies') if isinstance(data, dict) else None
    if not isinstance(deps, dict) or not deps:
        raise CheckFailed('meta/execution-environment.yml: needs a "dependencies" mapping (python, system)')
    unknown = sorted(set(deps) - {'python', 'system'})
    if unknown:
        raise CheckFailed('meta/execution-environment.yml: dependencies.%s is not read from a collection '
                          '(only python and system are; galaxy dependencies belong in galaxy.yml)' % unknown[0])
    files = {}
    for kind, rel in sorted(deps.items()):
        if not isinstance(rel, str) or os.path.isabs(rel) or rel.startswith('..'):
            raise CheckFailed('meta/execution-environment.yml: dependencies.%s must be a path relative to the '
                              'collection root, not %r' % (kind, rel))
        path = os.path.join(coll, rel)
        if not os.path.isfile(path):
            raise CheckFailed('meta/execution-environment.yml: dependencies.%s names %s, which is not in the '
                              'packaged collection (build_ignore?)' % (kind, rel))
        if not requirement_lines(path):
            raise CheckFailed('meta/execution-environment.yml: dependencies.%s names %s, which lists nothing' % (kind, rel))
        files[kind] = path
    return files


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--tarball', required=True, help='the built collection tarball')
    parser.add_argument('--bin-dir', default=os.path.dirname(sys.executable),
                        help='directory with ansible-builder and ansible-galaxy (default: this python)')
    parser.add_argument('--keep', action='store_true', help='keep the temporary directory')
    args = parser.parse_args(argv)
    started = time.monotonic()
    tarball = os.path.abspath(args.tarball)
    args.bin_dir = os.path.abspath(args.bin_dir)  # the tools run in a temporary directory
    builder = os.path.join(args.bin_dir, 'ansible-builder')
    galaxy = os.path.join(args.bin_dir, 'ansible-galaxy')
    for tool in (builder, galaxy):
        if not os.access(tool, os.X_OK):
            print('FAIL execution environment: %s not found (--bin-dir)' % tool)
            return 2
    if not os.path.isfile(tarball):
        print('FAIL execution environment: no tarball %s (build the collection first)' % tarball)
        return 2

    summary = ''
    workdir = tempfile.mkdtemp(prefix='awx-ee-')
    env = dict(os.environ, ANSIBLE_GALAXY_COLLECTIONS_PATH_WARNING='false', ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCAL_TEMP=os.path.join(workdir, 'tmp'))
    try:
        version = run([builder, '--version'], workdir, env, 'ansible-builder --version').strip()
        definition = write_definition(workdir, tarball)
        context = os.path.join(workdir, 'context')
        run([builder, 'create', '-f', definition, '-c', context, '--output-filename', 'Containerfile'], workdir, env,
            'ansible-builder create')
        build, introspect = check_context(context, tarball)
        print('ok   ansible-builder %s create: definition valid, context has the Containerfile and %s'
              % (version, os.path.basename(tarball)))

        collections = os.path.join(workdir, 'usr-share-ansible-collections')
        run([galaxy, 'collection', 'install', '--offline', '-r', 'requirements.yml', '-p', collections], build, env,
            'the galaxy stage (ansible-galaxy collection install -r requirements.yml)')
        coll = os.path.join(collections, 'ansible_collections', *COLLECTION.split('.'))
        files = check_metadata(coll)
        pip_out, bindep_out = os.path.join(workdir, 'requirements.txt'), os.path.join(workdir, 'bindep.txt')
        run([sys.executable, introspect, 'introspect', collections, '--write-pip', pip_out, '--write-bindep', bindep_out],
            build, env, 'the builder stage (scripts/introspect.py introspect)')
        found = {}
        for kind, out in (('python', pip_out), ('system', bindep_out)):
            listed = []
            if os.path.isfile(out):  # introspect writes no file when nothing is left
                with open(out, encoding='utf-8') as handle:
                    listed = [line.strip() for line in handle if line.strip()]
            found[kind] = listed
            for requirement in requirement_lines(files[kind]) if kind in files else ():
                if '%s  # from collection %s' % (requirement, COLLECTION) not in listed:
                    raise CheckFailed('the image would not get the %s requirement %r of %s (%s): introspection lists %s'
                                      % (kind, requirement, COLLECTION, os.path.relpath(files[kind], coll), listed or 'nothing'))
        summary = '; '.join('%s: %s' % (kind, ', '.join(line.split('  #')[0] for line in found[kind])) for kind in sorted(files))
        print('ok   meta/execution-environment.yml -> introspection of the installed tarball lists %s' % summary)
    except CheckFailed as exc:
        print('FAIL execution environment: %s' % exc)
        return 1
    finally:
        if args.keep:
            print('     kept %s' % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print('PASS execution environment: an image built from %s (ansible-builder create, build replayed offline) '
          'gets %s (%.1f s)' % (os.path.basename(tarball), summary, time.monotonic() - started))
    return 0


if __name__ == '__main__':
    sys.exit(main())
