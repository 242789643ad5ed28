"""The owner thread: command expiry, idempotency keys, failures, options validation."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.base import Backoff, Command, Device, DeviceContext
from kiosk.devices.errors import (
    CommandExpiredError,
    DeviceOptionsError,
    DeviceStoppedError,
    DeviceUnavailableError,
    UnknownCommandError,
)
from kiosk.devices.manager import DeviceManager
from kiosk.devices.status import READY, DeviceState

from .conftest import Collector

ROLE = DeviceRole.RECEIPT_PRINTER


class FakeDevice(Device):
    """A device whose commands block on an event, to fill the queue deterministically."""

    def __init__(self, role: DeviceRole, config: DeviceConfig, ctx: DeviceContext) -> None:
        super().__init__(role, config, ctx)
        self.gate = threading.Event()
        self.runs: list[str] = []
        self.thread_names: set[str] = set()

    def open(self) -> None:
        self.set_status(READY)

    def close(self) -> None:
        pass

    def cmd_wait(self, command: Command) -> str:
        self.thread_names.add(threading.current_thread().name)
        self.gate.wait(timeout=5)
        self.runs.append(command.key)
        return command.key

    def cmd_echo(self, command: Command) -> Any:
        self.thread_names.add(threading.current_thread().name)
        self.runs.append(command.key)
        return command.args["value"]

    def cmd_boom(self, command: Command) -> None:
        raise RuntimeError("driver bug")


@pytest.fixture
def fake(make_manager: Callable[..., DeviceManager], collector: Collector) -> tuple[FakeDevice, DeviceManager]:
    manager = make_manager({ROLE: DeviceConfig(driver="fake", transport="none")}, drivers={"fake": FakeDevice})
    collector.wait_state(ROLE, DeviceState.READY)
    device = manager._workers[ROLE].device
    assert isinstance(device, FakeDevice)
    return device, manager


def test_commands_run_on_the_owner_thread(fake: tuple[FakeDevice, DeviceManager]) -> None:
    device, manager = fake
    assert manager.submit(ROLE, "echo", value=42).result(timeout=2) == 42
    assert device.thread_names == {"device-receipt_printer"}


def test_expired_command_is_never_run(fake: tuple[FakeDevice, DeviceManager]) -> None:
    device, manager = fake
    blocker = manager.submit(ROLE, "wait", key="blocker", ttl=5)
    stale = manager.submit(ROLE, "echo", key="stale", ttl=0.05, value="queue number 17")
    time.sleep(0.15)
    device.gate.set()
    assert blocker.result(timeout=2) == "blocker"
    with pytest.raises(CommandExpiredError):
        stale.result(timeout=2)
    assert device.runs == ["blocker"]


def test_idempotency_key_runs_once(fake: tuple[FakeDevice, DeviceManager]) -> None:
    device, manager = fake
    device.gate.set()
    first = manager.submit(ROLE, "echo", key="k1", value=1)
    second = manager.submit(ROLE, "echo", key="k1", value=1)
    assert first is second
    assert first.result(timeout=2) == 1
    assert manager.submit(ROLE, "echo", key="k1", value=1).result(timeout=2) == 1
    assert device.runs == ["k1"]


def test_unknown_command_and_driver_bug_do_not_kill_the_thread(
    fake: tuple[FakeDevice, DeviceManager], collector: Collector
) -> None:
    _, manager = fake
    with pytest.raises(UnknownCommandError):
        manager.submit(ROLE, "fly").result(timeout=2)
    with pytest.raises(RuntimeError):
        manager.submit(ROLE, "boom").result(timeout=2)
    collector.wait_state(ROLE, DeviceState.DISCONNECTED)
    collector.wait_state(ROLE, DeviceState.READY, after=collector.mark() - 1)
    assert manager.submit(ROLE, "echo", value="alive").result(timeout=2) == "alive"


def test_stop_fails_queued_commands(make_manager: Callable[..., DeviceManager], collector: Collector) -> None:
    manager = make_manager({ROLE: DeviceConfig(driver="fake", transport="none")}, drivers={"fake": FakeDevice})
    collector.wait_state(ROLE, DeviceState.READY)
    device = manager._workers[ROLE].device
    assert isinstance(device, FakeDevice)
    running = manager.submit(ROLE, "wait")
    queued = manager.submit(ROLE, "echo", value=1)
    threading.Timer(0.1, device.gate.set).start()
    manager.stop()
    assert running.result(timeout=2)
    with pytest.raises(DeviceStoppedError):
        queued.result(timeout=2)
    with pytest.raises(DeviceStoppedError):
        manager.submit(ROLE, "echo", value=1).result(timeout=2)


def test_unconfigured_role_fails_fast(make_manager: Callable[..., DeviceManager]) -> None:
    manager = make_manager({})
    future: Future[Any] = manager.submit(DeviceRole.CARD_TERMINAL, "sale")
    with pytest.raises(DeviceUnavailableError):
        future.result(timeout=1)
    with pytest.raises(DeviceUnavailableError):
        manager.status(DeviceRole.CARD_TERMINAL)


def test_backoff_is_capped() -> None:
    backoff = Backoff(0.1, 1.0)
    assert [backoff.next_delay() for _ in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    backoff.reset()
    assert backoff.next_delay() == 0.1


@pytest.mark.parametrize(
    ("role", "config", "message"),
    [
        (ROLE, DeviceConfig(driver="escpos", transport="sim://p", profile={"paper_widht_mm": 58}),
         "devices.receipt_printer.profile.paper_widht_mm: unknown key"),
        (ROLE, DeviceConfig(driver="escpos", transport="sim://p", profile={"paper_width_mm": 76}),
         "devices.receipt_printer.profile.paper_width_mm"),
        (ROLE, DeviceConfig(driver="magstripe", transport="sim://p"), "cannot serve this role"),
        (DeviceRole.CARD_READER, DeviceConfig(driver="nfc", transport="sim://p"), "cannot serve this role"),
        (DeviceRole.SCANNER, DeviceConfig(driver="serial_scanner", transport="sim://p",
                                             profile={"patterns": {"health_card": "("}}),
         "devices.scanner.profile.patterns.health_card"),
    ],
)  # fmt: skip
def test_bad_options_name_role_and_key(role: DeviceRole, config: DeviceConfig, message: str) -> None:
    with pytest.raises(DeviceOptionsError, match=message.replace("[", r"\[")):
        DeviceManager({role: config}, lambda e: None, sim_hub=object())


def test_sim_url_without_simulators_is_a_config_error() -> None:
    with pytest.raises(DeviceOptionsError, match="sim:// needs the simulators"):
        DeviceManager({ROLE: DeviceConfig(driver="escpos", transport="sim://printer")}, lambda e: None)


def test_sim_handler_registered_at_construction_not_import() -> None:
    import serial

    from kiosk.devices.transport import SIM_HANDLER_PACKAGE

    DeviceManager({}, lambda e: None)
    assert SIM_HANDLER_PACKAGE in serial.protocol_handler_packages
