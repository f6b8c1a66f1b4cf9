# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""``python -m backupdr_simulator`` (with tests/simulator on sys.path)."""

import sys

from backupdr_simulator.cli import main

sys.exit(main())
