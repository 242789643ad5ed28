"""Fixtures for the HIS tests: one embedded simulator per session, a gateway per test.

The simulator's clock is frozen at 07:30 today (hospital time) so today's 08:00 sessions are
bookable and check-in windows are predictable; every test starts with no faults and that clock.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from his_world import SIM_NOW, fast_settings

from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import HisSimulator


@pytest.fixture(scope="session")
def sim() -> Iterator[HisSimulator]:
    simulator = HisSimulator(now=SIM_NOW)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.close()


@pytest.fixture(autouse=True)
def _clean_simulator(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sim" in request.fixturenames:
        simulator: HisSimulator = request.getfixturevalue("sim")
        simulator.clear_faults()
        simulator.faults.reset_hits()
        simulator.set_now(SIM_NOW)


@pytest.fixture
def gateway(sim: HisSimulator) -> Iterator[FhirHisGateway]:
    sim.faults.reset_hits()
    gw = FhirHisGateway(fast_settings(), sim.base_url)
    try:
        yield gw
    finally:
        gw.close()
