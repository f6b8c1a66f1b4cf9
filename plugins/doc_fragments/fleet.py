# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment:
    # Options of the fleet modules (many resources of one kind in one task, module_utils/bulk.py).
    DOCUMENTATION = r"""
options:
  parallel:
    description:
      - How many items are converged at once. Each item sends its own requests, with the usual retries.
    type: int
    default: 8
notes:
  - Every item is validated before any request; a bad item fails the task, naming the item and the option, and
    nothing is sent.
  - The resources of the kind are listed once for the whole task; each item then behaves as one task of the
    single-resource module would, with check mode, C(--diff) and its own result in RV(results).
  - When an item fails, the other items still run; the task then fails and RV(results) says what each item did.
"""
