"""Fixtures for the HIS tests: one embedded simulator per session, a gateway per test.

The simulator's clock is frozen at 07:30 today (hospital time) so today's 08:00 sessions are
bookable and check-in windows are predictable; every test starts with no faults and that clock.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
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


@pytest.fixture(scope="session")
def plain_sim() -> Iterator[HisSimulator]:
    """The simulator as a plain FHIR server: no kiosk profile, lower-case header names."""
    simulator = HisSimulator(now=SIM_NOW, plain=True, patients=5)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.close()


@pytest.fixture(autouse=True)
def _clean_simulator(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    for name in ("sim", "plain_sim"):
        if name in request.fixturenames:
            simulator: HisSimulator = request.getfixturevalue(name)
            simulator.clear_faults()
            simulator.faults.reset_hits()
            simulator.set_now(SIM_NOW)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture(scope="session")
def third_party_fhir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A FHIR R4 server written by others (PyPI sekmet-fhir: FastAPI/uvicorn, SQLite storage,
    strict inbound validation), on 127.0.0.1 for this test session; its FHIR base URL."""
    try:
        import sekmet  # noqa: F401
    except ImportError:
        message = "the third-party FHIR server (sekmet-fhir, a dev dependency) is not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must run the contract suite against it")
        pytest.skip(message)
    folder: Path = tmp_path_factory.mktemp("sekmet")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/fhir"
    (folder / "settings.yaml").write_text(
        f"base_url: {base}\nhost: 127.0.0.1\nport: {port}\ndb_path: {folder / 'sekmet.db'}\n"
        "simulator:\n  enabled: false\nlog_inbound: false\n",
        encoding="utf-8",
    )
    env = {**os.environ, "SEKMET_CONFIG": str(folder / "settings.yaml")}
    log = (folder / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "sekmet.main:app_factory",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with requests.get(f"{base}/metadata", timeout=2) as probe:
                    if probe.status_code == 200:
                        break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the third-party FHIR server did not start; see {folder / 'server.log'}")
            time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()


@pytest.fixture
def gateway(sim: HisSimulator) -> Iterator[FhirHisGateway]:
    sim.faults.reset_hits()
    gw = FhirHisGateway(fast_settings(), sim.base_url)
    try:
        yield gw
    finally:
        gw.close()
