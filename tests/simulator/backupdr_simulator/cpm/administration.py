# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The families of part 3 (administration, resource control, reports, alerts, settings, system), in reset order.

``service.FAMILIES`` appends ``PART3_FAMILIES``; each family registers its knobs on the service when it is made.
"""

from .alerts import AlertsFamily
from .costs import CostsFamily
from .idp import IdentityProviderFamily
from .reports import ReportsFamily
from .resource_control import ResourceControlFamily
from .scheduled_reports import ScheduledReportsFamily
from .settings import SettingsFamily
from .system import SystemFamily
from .users import DEFAULT_PASSWORDS, PeopleFamily
from .workers import WorkersFamily

PART3_FAMILIES = (PeopleFamily, IdentityProviderFamily, WorkersFamily, ResourceControlFamily, CostsFamily, ReportsFamily,
                  ScheduledReportsFamily, AlertsFamily, SettingsFamily, SystemFamily)
#: The root user's password after a reset (``GET /_sim/cpm/passwords``; for users/me/change_password/).
ROOT_PASSWORD = DEFAULT_PASSWORDS['root']

__all__ = ['PART3_FAMILIES', 'ROOT_PASSWORD']
