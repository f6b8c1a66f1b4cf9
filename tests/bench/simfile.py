# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulator connection details for the benchmarks.

Reads either the simulator's ready file (``--ready-file``, as ``make sim-start``
writes ``.sim/ready.json``) or a flat JSON/YAML file with the integration-test
variable names (``sim_url``, ``crosspeer_api_url``, ``crosspeer_api_user``,
``crosspeer_api_key``, ``acronis_dr_url``, ``acronis_dr_readonly_client_id``...),
and returns the flat form (the names of ``scripts/sim.py config``).
"""

from __future__ import absolute_import, division, print_function

import json


def from_ready(ready):
    """The flat variables from a parsed ready file."""
    svc = ready['services']['crosspeer']
    flat = dict(sim_url=ready['http_url'], sim_https_url=ready['https_url'], sim_ca_path=ready['ca_path'],
                crosspeer_api_url=svc['url'], crosspeer_https_url=svc['https_url'],
                crosspeer_api_user=svc['user'], crosspeer_api_key=svc['api_key'])
    acronis = ready['services'].get('acronis_dr')
    if acronis:
        flat.update(acronis_dr_url=acronis['url'], acronis_dr_https_url=acronis['https_url'])
        for role, client in acronis.get('clients', {}).items():
            flat['acronis_dr_%s_client_id' % role] = client['client_id']
            flat['acronis_dr_%s_client_secret' % role] = client['client_secret']
    return flat


def load_sim_file(path):
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    try:
        data = json.loads(text)
    except ValueError:
        import yaml  # pylint: disable=import-outside-toplevel
        data = yaml.safe_load(text)
    return from_ready(data) if 'services' in data else data
