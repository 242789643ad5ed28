"""The embedded HIS simulator: the kiosk's FHIR subset over HTTP on 127.0.0.1, SQLite storage,
a seeded fictitious hospital, business rules and fault injection. For the demo and the tests;
never for real patients.
"""

from kiosk.his.simulator.api import SimClock
from kiosk.his.simulator.faults import HTML_ERROR_PAGE, Fault, FaultPlan
from kiosk.his.simulator.server import FHIR_BASE_PATH, HisSimulator

__all__ = ["FHIR_BASE_PATH", "HTML_ERROR_PAGE", "Fault", "FaultPlan", "HisSimulator", "SimClock"]
