# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The list of simulated services.

To add a service: write a module with a :class:`core.Service` subclass (own
``name``, ``prefix``, ``config_defaults``, state, ``reset()``, ``seed()`` and
``handle()``) and append its class to ``SERVICE_CLASSES``.
"""

from .acronis_dr import AcronisDRService
from .cloudendure import CloudEndureService
from .cpm import CPMService
from .crosspeer import CrossPeerService
from .rax_backup import RaxBackupService

SERVICE_CLASSES = (
    CrossPeerService,
    AcronisDRService,
    CloudEndureService,
    CPMService,
    RaxBackupService,
)


def create_services(names=None):
    """Instantiate the registered services (all, or those named)."""
    services = [cls() for cls in SERVICE_CLASSES]
    if names:
        unknown = set(names) - set(service.name for service in services)
        if unknown:
            raise ValueError('unknown service(s): %s' % ', '.join(sorted(unknown)))
        services = [service for service in services if service.name in names]
    return services
