"""A whole kiosk for flow tests: real screens, the HIS simulator, simulated devices, real
threads. Tests drive it like a patient (taps, the device panel) and wait for screens."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config
from kiosk.devices.simulators.demo import DemoPanel
from kiosk.flows.events import ServiceChosen
from kiosk.flows.views import View
from kiosk.services import build_services

V = TypeVar("V", bound=View)


class Patient:
    """Drives a running kiosk as a person would, and waits for what they would see."""

    def __init__(self, kiosk: Kiosk, qapp: QApplication) -> None:
        self.kiosk = kiosk
        self.qapp = qapp
        services = kiosk.services
        assert services is not None
        panel = services.demo_panel
        assert panel is not None
        self.panel: DemoPanel = panel

    @property
    def view(self) -> View | None:
        return self.kiosk.runner.current_view

    def wait_for(self, kind: type[V], timeout: float = 10, where: Callable[[V], bool] = lambda v: True) -> V:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.qapp.processEvents()
            view = self.view
            if isinstance(view, kind) and where(view):
                return view
            time.sleep(0.005)
        raise AssertionError(f"waited {timeout}s for {kind.__name__}; the screen shows {self.view!r}")

    def choose(self, service: str) -> None:
        self.kiosk.runner.post(ServiceChosen(service))

    def tap(self, object_name: str) -> None:
        """Taps the visible button with this object name (flow actions are named action_ID)."""
        screen = self.kiosk.window.current_screen()
        assert screen is not None
        for widget in screen.findChildren(QAbstractButton):
            if widget.objectName() == object_name and widget.isVisible() and widget.isEnabled():
                QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
                self.qapp.processEvents()
                return
        raise AssertionError(f"no visible button {object_name!r} on {type(screen).__name__}")

    def tap_text(self, text: str) -> None:
        screen = self.kiosk.window.current_screen()
        assert screen is not None
        for widget in screen.findChildren(QAbstractButton):
            if widget.text() == text and widget.isVisible() and widget.isEnabled():
                QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
                self.qapp.processEvents()
                return
        raise AssertionError(f"no visible button {text!r} on {type(screen).__name__}")


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


def wait_until(predicate: Callable[[], Any], qapp: QApplication, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        qapp.processEvents()
        if predicate():
            return
        time.sleep(0.005)
    raise AssertionError("condition not met in time")
