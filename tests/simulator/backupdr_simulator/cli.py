# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Command line entry point: start the simulator and run until SIGTERM/SIGINT."""

import argparse
import json
import os
import signal
import sys
import tempfile
import threading

from . import tls
from .core import ADMIN_PREFIX, Simulator
from .registry import create_services


def parse_args(argv=None):
    """Command line options."""
    parser = argparse.ArgumentParser(description='Offline API simulator for the backupdr.cloud collection.')
    parser.add_argument('--host', default='127.0.0.1', help='address to bind (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=8450, help='HTTP port, 0 picks a free one (default 8450)')
    parser.add_argument('--tls-port', type=int, default=8451, help='HTTPS port, 0 picks a free one (default 8451)')
    parser.add_argument('--no-tls', action='store_true', help='serve HTTP only')
    parser.add_argument('--state-dir', default=None,
                        help='where the CA and certificates are cached (default %s)' % tls.default_state_dir())
    parser.add_argument('--ready-file', default=None, help='write a JSON document with URLs and credentials here once ready')
    parser.add_argument('--service', action='append', default=None, help='only serve this service (repeatable)')
    parser.add_argument('--quiet', action='store_true', help='do not log requests to stderr')
    return parser.parse_args(argv)


def write_ready_file(path, info):
    """Write the ready file atomically."""
    path = os.path.abspath(path)
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix='.ready-', dir=directory)
    with os.fdopen(fd, 'w', encoding='utf-8') as handle:
        json.dump(info, handle, indent=2, sort_keys=True)
        handle.write('\n')
    os.replace(tmp_path, path)


def announce(simulator, stream):
    """One line per service, then '#' lines with extra information."""
    info = simulator.ready_info()
    for name, entry in info['services'].items():
        stream.write('%s %s\n' % (name, entry['url']))
    if info['https_url']:
        stream.write('# https %s\n' % info['https_url'])
        stream.write('# ca %s\n' % info['ca_path'])
    stream.write('# admin %s%s\n' % (info['http_url'], ADMIN_PREFIX))
    for name, entry in info['services'].items():
        accounts = entry.get('accounts') or ([{'user': entry['user'], 'api_key': entry.get('api_key', '')}]
                                             if entry.get('user') else [])
        for account in accounts:
            if 'user' in account and 'api_key' in account:  # CrossPeer-style accounts (public sandbox keys)
                stream.write('# %s user %s api_key %s\n' % (name, account['user'], account['api_key']))
    stream.flush()


def main(argv=None):
    """Run the simulator until SIGTERM or SIGINT."""
    args = parse_args(argv)
    simulator = Simulator(create_services(args.service), host=args.host, port=args.port,
                          tls_port=None if args.no_tls else args.tls_port, state_dir=args.state_dir, quiet=args.quiet)
    try:
        simulator.start()
    except OSError as exc:
        sys.stderr.write('cannot start the simulator: %s\n' % exc)
        return 1
    stop = threading.Event()

    def on_signal(signum, frame):  # pylint: disable=unused-argument
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    announce(simulator, sys.stdout)
    if args.ready_file:
        write_ready_file(args.ready_file, simulator.ready_info(pid=os.getpid()))
    while not stop.wait(0.5):
        pass
    simulator.stop()
    if args.ready_file:
        try:
            os.unlink(args.ready_file)
        except OSError:
            pass
    return 0
