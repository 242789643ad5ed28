"""Fixtures for device tests: a simulator hub, an event collector, managers torn down properly,
and the two ways to reach a simulator (in-process ``sim://`` and a real pty)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.events import DeviceEvent, DeviceStatusChanged
from kiosk.devices.manager import DeviceManager
from kiosk.devices.simulators.hub import SimDevice, SimulatorHub
from kiosk.devices.status import DeviceState

E = TypeVar("E", bound=DeviceEvent)


class Collector:
    """Thread-safe ``post`` for tests: records events, lets the test wait for one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.events: list[DeviceEvent] = []

    def __call__(self, event: DeviceEvent) -> None:
        with self._cond:
            self.events.append(event)
            self._cond.notify_all()

    def of(self, kind: type[E]) -> list[E]:
        with self._cond:
            return [e for e in self.events if isinstance(e, kind)]

    def wait_for(
        self, kind: type[E], predicate: Callable[[E], bool] = lambda e: True, timeout: float = 5.0, after: int = 0
    ) -> E:
        """The first event of ``kind`` at index >= ``after`` matching ``predicate``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for event in self.events[after:]:
                    if isinstance(event, kind) and predicate(event):
                        return event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"no {kind.__name__} within {timeout} s; got {self.events[after:]!r}")
                self._cond.wait(timeout=remaining)

    def wait_state(
        self, role: DeviceRole, state: DeviceState, timeout: float = 5.0, after: int = 0
    ) -> DeviceStatusChanged:
        return self.wait_for(DeviceStatusChanged, lambda e: e.role is role and e.status.state is state, timeout, after)

    def mark(self) -> int:
        with self._cond:
            return len(self.events)


@pytest.fixture
def collector() -> Collector:
    return Collector()


@pytest.fixture
def hub() -> Iterator[SimulatorHub]:
    h = SimulatorHub()
    try:
        yield h
    finally:
        h.close()


@pytest.fixture(params=["sim", "pty"])
def link(request: pytest.FixtureRequest, hub: SimulatorHub, tmp_path: Path) -> Callable[[str, SimDevice], str]:
    """Adds a simulator to the hub and returns the URL a driver opens: sim://NAME or a pty path."""

    def attach(name: str, device: SimDevice) -> str:
        hub.add(name, device)
        if request.param == "sim":
            return f"sim://{name}"
        return str(hub.serve_pty(name, tmp_path / f"tty-{name}"))

    return attach


@pytest.fixture
def make_manager(hub: SimulatorHub, collector: Collector) -> Iterator[Callable[..., DeviceManager]]:
    managers: list[DeviceManager] = []

    def make(devices: Mapping[DeviceRole, DeviceConfig], **kwargs: Any) -> DeviceManager:
        kwargs.setdefault("sim_hub", hub)
        kwargs.setdefault("backoff_initial_s", 0.05)
        kwargs.setdefault("backoff_cap_s", 0.4)
        manager = DeviceManager(devices, collector, **kwargs)
        managers.append(manager)
        manager.start()
        return manager

    try:
        yield make
    finally:
        for manager in managers:
            manager.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The 10,000-example fuzz runs take minutes: the whole suite runs the same fuzzers at 300
    examples, and ``-m slow`` runs these in full. Deselected, not skipped: nothing is missing."""
    if config.option.markexpr:
        return
    long_runs = [item for item in items if "tests/devices/" in item.nodeid and item.get_closest_marker("slow")]
    if long_runs:
        config.hook.pytest_deselected(items=long_runs)
        items[:] = [item for item in items if item not in long_runs]
