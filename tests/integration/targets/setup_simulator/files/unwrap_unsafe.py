# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read base64 of ``ansible-inventory --list`` JSON on stdin, print the JSON with every
``{"__ansible_unsafe": value}`` replaced by ``value`` (the plugin marks API data
unsafe, and every ansible-core version prints it that way).  Base64, because
ansible-core 2.17 turns a JSON-looking ``stdin`` string into a dict.

Shared by the inventory_* targets as ``{{ role_path }}/../setup_simulator/files/unwrap_unsafe.py``:
setup_simulator is their meta dependency, so ansible-test copies it next to them."""

from __future__ import absolute_import, division, print_function

import base64
import json
import sys


def unwrap(value):
    if isinstance(value, dict):
        if list(value) == ['__ansible_unsafe']:
            return unwrap(value['__ansible_unsafe'])
        return dict((key, unwrap(item)) for key, item in value.items())
    if isinstance(value, list):
        return [unwrap(item) for item in value]
    return value


if __name__ == '__main__':
    json.dump(unwrap(json.loads(base64.b64decode(sys.stdin.read()))), sys.stdout)
