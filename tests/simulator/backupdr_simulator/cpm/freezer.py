# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The freezer list (Ch.12, deprecated since 1.1.0 but served): backup records moved to the freezer (D42).

Moving to the freezer, renaming and deleting a freezer item are the Ch.7 calls in ``backups``.
"""

from .api import Family, Route, apply_list, exact, page_response
from .recoveries import register_knobs

KNOBS = {'freezer_survives_policy_delete': True}


class FreezerFamily(Family):
    """``GET /api/freezer/``."""

    name = 'freezer'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS)

    def routes(self):
        return [Route('GET', 'freezer/', self.list, '1.0.0', None, 22899)]

    def list(self, call):
        """GET /api/freezer/ (filters account, user; search name, description; the to_freezer record shape)"""
        backups = self.svc.backups
        items = [b for b in backups.backups.values() if b['is_freezer_item'] and call.can_see(b['user'])]
        items = apply_list(
            call, items,
            filters={'account': exact(lambda b: b['account'], 'int'), 'user': exact(lambda b: b['user'], 'int')},
            search=[lambda b: b['name'], lambda b: b['description']],
            ordering={'account': lambda b: b['account'], 'dr_status': lambda b: b['dr_status'],
                      'name': lambda b: b['name'], 'policy': lambda b: b['policy'],
                      'start_time': lambda b: b['start_time'], 'status': lambda b: b['status'],
                      'user': lambda b: b['user']})
        return page_response(call, items, lambda backup: backups.render(backup, reduced=True))
