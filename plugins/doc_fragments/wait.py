# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Options of modules that start long operations.
    DOCUMENTATION = r"""
options:
  wait:
    description:
      - Wait until the operation has finished.
      - When V(false), the module returns as soon as the service has accepted the request, with what it knows
        so far; its return values say what that is (such as the operation it started, or its progress).
    type: bool
    default: true
  wait_timeout:
    description:
      - How many seconds to wait when O(wait=true) before failing.
    type: int
    default: 600
"""
