# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""N2WS Backup & Recovery (CPM) RESTful API client and resource descriptions.

The seed (``shared/seeds/004_56d02dce0d2d1354.txt``, API 1.0.0-1.5.0) is the
contract.  Layout:

``client``
    connection options, tokens (:class:`~.client.CPMToken`), API versions and
    the feature table, the error envelope, both list shapes, id normalisation.
``codes``
    the letter codes, one table per field (``M`` is minutes in a schedule and
    months in an EFS target).
``resource``
    CPM objects on the shared resource engine (JSON fields, full-body PUT),
    settings objects (GET + PUT) and sets of children without a PUT.
``refs``
    references by name or id (users, accounts, schedules, policies, S3
    repositories, regions).
``accounts``, ``schedules``, ``policies``, ``targets``, ``backups``
    one module per family of the API: what the modules, the inventory plugin
    and the roles share.
``protected``
    the protected resources (policy targets with their policies, schedules and
    last backups): the inventory plugin and ``cpm_policy_info``.

Later parts add families here (recoveries, reports, settings): a new endpoint
is a line in ``client.FEATURES`` and calls through ``CPMClient.call``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type
