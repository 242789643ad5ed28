"""Unplug and replug (in-process link closed, or the pty closed and recreated): the driver
reports disconnected, fails commands fast, and recovers on its own within the backoff cap."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.errors import DeviceUnavailableError
from kiosk.devices.events import CardRemoved, IdCardRead, QrScanned
from kiosk.devices.manager import DeviceManager
from kiosk.devices.simulators.hub import SimDevice, SimulatorHub
from kiosk.devices.simulators.idcard import IdCardReaderSimulator, SimIdCard
from kiosk.devices.simulators.printer import PrinterSimulator
from kiosk.devices.simulators.serial_line import ScannerSimulator
from kiosk.devices.status import DeviceState

from .conftest import Collector


def test_scanner_unplug_replug(
    link: Callable[[str, SimDevice], str],
    hub: SimulatorHub,
    make_manager: Callable[..., DeviceManager],
    collector: Collector,
) -> None:
    sim = ScannerSimulator()
    url = link("scanner", sim)
    make_manager({DeviceRole.SCANNER: DeviceConfig(driver="serial_scanner", transport=url)})
    collector.wait_state(DeviceRole.SCANNER, DeviceState.READY)
    for cycle in range(2):
        mark = collector.mark()
        hub.unplug("scanner")
        collector.wait_state(DeviceRole.SCANNER, DeviceState.DISCONNECTED, after=mark)
        started = time.monotonic()
        hub.replug("scanner")
        collector.wait_state(DeviceRole.SCANNER, DeviceState.READY, after=mark, timeout=3)
        assert time.monotonic() - started < 2.0
        sim.scan(f"R2024050100{cycle}")
        assert collector.wait_for(QrScanned, after=mark).payload == f"R2024050100{cycle}"


def test_printer_unplugged_fails_fast_then_prints(
    link: Callable[[str, SimDevice], str],
    hub: SimulatorHub,
    make_manager: Callable[..., DeviceManager],
    collector: Collector,
) -> None:
    from kiosk.devices.receipt import Receipt

    sim = PrinterSimulator()
    url = link("printer", sim)
    manager = make_manager(
        {DeviceRole.RECEIPT_PRINTER: DeviceConfig(driver="escpos", transport=url, profile={"health_interval_s": 0.2})}
    )
    collector.wait_state(DeviceRole.RECEIPT_PRINTER, DeviceState.READY)
    hub.unplug("printer")
    collector.wait_state(DeviceRole.RECEIPT_PRINTER, DeviceState.DISCONNECTED)
    receipt = Receipt(title="T", patient_masked="*")
    with pytest.raises(DeviceUnavailableError):
        manager.print_receipt(receipt, job_id="u1").result(timeout=2)
    mark = collector.mark()
    hub.replug("printer")
    collector.wait_state(DeviceRole.RECEIPT_PRINTER, DeviceState.READY, after=mark, timeout=3)
    assert manager.print_receipt(receipt, job_id="u2").result(timeout=5).printed
    assert sim.cut_pages()[0].lines[0].text == "T"


def test_id_card_unplugged_with_card_posts_removed(
    link: Callable[[str, SimDevice], str],
    hub: SimulatorHub,
    make_manager: Callable[..., DeviceManager],
    collector: Collector,
) -> None:
    sim = IdCardReaderSimulator()
    url = link("idcard", sim)
    make_manager({DeviceRole.ID_CARD_READER: DeviceConfig(driver="id_card_ga467", transport=url,
                                                          profile={"poll_interval_s": 0.05})})  # fmt: skip
    sim.insert(SimIdCard(name="张三", id_number="11010519491231002X"))
    collector.wait_for(IdCardRead)
    hub.unplug("idcard")
    collector.wait_for(CardRemoved)  # the session must not outlive the reader
    mark = collector.mark()
    hub.replug("idcard")
    collector.wait_for(IdCardRead, after=mark, timeout=3)  # still on the reader: read again
