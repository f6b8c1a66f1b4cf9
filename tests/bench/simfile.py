# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulator connection details for the benchmarks.

Reads either the simulator's ready file (``--ready-file``, as ``make sim-start``
writes ``.sim/ready.json``) or a flat JSON/YAML file with the integration-test
variable names (``sim_url``, ``crosspeer_api_url``, ``crosspeer_api_user``,
``crosspeer_api_key``...), and returns the flat form.
"""

from __future__ import absolute_import, division, print_function

import json


def from_ready(ready):
    """The flat variables from a parsed ready file."""
    svc = ready['services']['crosspeer']
    return dict(sim_url=ready['http_url'], sim_https_url=ready['https_url'], sim_ca_path=ready['ca_path'],
                crosspeer_api_url=svc['url'], crosspeer_https_url=svc['https_url'],
                crosspeer_api_user=svc['user'], crosspeer_api_key=svc['api_key'])


def load_sim_file(path):
    with open(path, encoding='utf-8') as handle:
        text = handle.read()
    try:
        data = json.loads(text)
    except ValueError:
        import yaml  # pylint: disable=import-outside-toplevel
        data = yaml.safe_load(text)
    return from_ready(data) if 'services' in data else data
