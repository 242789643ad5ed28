"""Fixtures for the payment tests: one HIS simulator per session, a sandbox and a journal per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import HisSimulator
from kiosk.journal import Journal
from kiosk.payments.sandbox.server import SandboxServer
from kiosk.payments.service import PaymentsService
from tests.payments.world import build_service, fast_his_settings, patient_ids


@pytest.fixture(scope="session")
def his_sim() -> Iterator[HisSimulator]:
    sim = HisSimulator(patients=20)
    sim.start()
    try:
        yield sim
    finally:
        sim.close()


@pytest.fixture
def his(his_sim: HisSimulator) -> Iterator[FhirHisGateway]:
    gateway = FhirHisGateway(fast_his_settings(), his_sim.base_url)
    try:
        yield gateway
    finally:
        gateway.close()
        his_sim.clear_faults()


@pytest.fixture
def patient(his_sim: HisSimulator) -> str:
    return patient_ids(his_sim, 1)[0]


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    server = SandboxServer()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.sqlite")
    j.open()
    try:
        yield j
    finally:
        j.close()


@pytest.fixture
def service(journal: Journal, his: FhirHisGateway, sandbox: SandboxServer) -> Iterator[PaymentsService]:
    svc = build_service(journal, his, sandbox.base_url)
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()
