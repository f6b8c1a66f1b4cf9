# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline API simulator for the backupdr.cloud collection (see tests/simulator/README.md)."""

__version__ = '1.0.0'
