"""The HIS part: the gateway port, its FHIR R4 adapter and the embedded simulator.

Imports no Qt. Calls block and run on worker threads.
"""

from kiosk.his.errors import (
    HisAmbiguous,
    HisAuthError,
    HisBadResponse,
    HisConflict,
    HisError,
    HisFeeNotCollectable,
    HisNotFound,
    HisRejected,
    HisTimeout,
    HisUnavailable,
)
from kiosk.his.gateway import HisGateway

__all__ = [
    "HisAmbiguous",
    "HisAuthError",
    "HisBadResponse",
    "HisConflict",
    "HisError",
    "HisFeeNotCollectable",
    "HisGateway",
    "HisNotFound",
    "HisRejected",
    "HisTimeout",
    "HisUnavailable",
]
