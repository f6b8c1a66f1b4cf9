# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated Rackspace Cloud Backup API v1.0 with a Rackspace Identity v2.0 token endpoint (service ``rax_backup``).

The decisions taken where the seed is silent or ambiguous are listed in the
docstring of :mod:`.service`; the user guide is ``tests/simulator/README-rax_backup.md``.
"""

from .service import RaxBackupService

__all__ = ['RaxBackupService']
