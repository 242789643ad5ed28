"""A whole kiosk for flow tests: real screens, the HIS simulator, simulated devices, real
threads. Tests drive it like a patient (taps, the device panel) and wait for screens, with
:class:`kiosk.tour.driver.PatientDriver`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config
from kiosk.services import build_services

# The patient's hands and eyes live in the kiosk package: the demo tour and bench/flows.py drive
# the kiosk with the same driver. The tests know it by its old name.
from kiosk.tour.driver import PatientDriver as Patient


@pytest.fixture
def running_kiosk(qapp: QApplication, demo_config: Config) -> Iterator[Kiosk]:
    kiosk = build_kiosk(demo_config, qapp, services=build_services)
    assert kiosk.services is not None
    kiosk.services.start()  # synchronously: tests start once the HIS and devices are up
    kiosk.start(fullscreen=False, hide_cursor=False)
    kiosk.window.resize(1920, 1080)
    kiosk.translations.set_locale("en")
    try:
        yield kiosk
    finally:
        kiosk.stop()


@pytest.fixture
def patient(running_kiosk: Kiosk, qapp: QApplication) -> Patient:
    return Patient(running_kiosk, qapp)


def wait_until(predicate: Callable[[], Any], qapp: QApplication, timeout: float = 10, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        qapp.processEvents()
        if predicate():
            return
        time.sleep(0.005)
    raise AssertionError(f"{what}: not met in {timeout} s")
