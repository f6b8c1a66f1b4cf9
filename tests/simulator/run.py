# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start the backupdr API simulator.

    python tests/simulator/run.py [--host 127.0.0.1] [--port 8450] [--tls-port 8451]
                                  [--state-dir DIR] [--ready-file FILE] [--quiet]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from backupdr_simulator.cli import main  # noqa: E402  pylint: disable=wrong-import-position

if __name__ == '__main__':
    sys.exit(main())
