# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated N2WS Backup & Recovery (CPM) RESTful API (decisions: see the final version of this docstring)."""

from .service import CPMService

__all__ = ['CPMService']
