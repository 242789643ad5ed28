"""The ESC/POS driver against the printer simulator, over sim:// and a pty."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.errors import PrinterNotReadyError, PrintFailedError
from kiosk.devices.escpos_printer import parse_status
from kiosk.devices.events import PrintJobFinished
from kiosk.devices.jobs import PrintJobState
from kiosk.devices.manager import DeviceManager
from kiosk.devices.receipt import Receipt, ReceiptItem, ReceiptTotal
from kiosk.devices.simulators.hub import SimDevice
from kiosk.devices.simulators.printer import PrinterSimulator
from kiosk.devices.status import DeviceState, StatusFlag

from .conftest import Collector

ROLE = DeviceRole.RECEIPT_PRINTER
RECEIPT = Receipt(
    title="挂号凭证",
    patient_masked="李*四",
    items=(ReceiptItem("普通门诊挂号费", 500),),
    totals=(ReceiptTotal("合计", 500, emphasis=True),),
    qr="Q-000123",
)
OPTIONS = {"paper_width_mm": 58, "health_interval_s": 0.2, "status_timeout_s": 0.3}


@pytest.fixture
def printer(
    link: Callable[[str, SimDevice], str], make_manager: Callable[..., DeviceManager], collector: Collector
) -> tuple[PrinterSimulator, DeviceManager]:
    sim = PrinterSimulator()
    url = link("printer", sim)
    manager = make_manager({ROLE: DeviceConfig(driver="escpos", transport=url, profile=OPTIONS)})
    collector.wait_state(ROLE, DeviceState.READY)
    return sim, manager


def test_prints_receipt_and_reports_job(printer: tuple[PrinterSimulator, DeviceManager], collector: Collector) -> None:
    sim, manager = printer
    outcome = manager.print_receipt(RECEIPT, job_id="job-1").result(timeout=5)
    assert outcome.printed
    assert not outcome.duplicate
    page = sim.cut_pages()[0]
    assert page.lines[0].text == "挂号凭证"
    assert "普通门诊挂号费" in page.text[4]
    assert page.text[4].endswith("￥5.00")
    assert page.qr_codes == ["Q-000123"]
    assert collector.wait_for(PrintJobFinished).printed
    assert manager.print_jobs.get("job-1").state is PrintJobState.PRINTED  # type: ignore[union-attr]


def test_same_job_twice_prints_once(printer: tuple[PrinterSimulator, DeviceManager]) -> None:
    sim, manager = printer
    first = manager.print_receipt(RECEIPT, job_id="job-2")
    second = manager.print_receipt(RECEIPT, job_id="job-2")
    assert first is second
    first.result(timeout=5)
    again = manager.submit(ROLE, "print_receipt", key="other-key", receipt=RECEIPT, job_id="job-2").result(5)
    assert again.duplicate
    assert len(sim.cut_pages()) == 1


def test_paper_out_refuses_keeps_job_and_reprints(
    printer: tuple[PrinterSimulator, DeviceManager], collector: Collector
) -> None:
    sim, manager = printer
    sim.set_paper("out")
    with pytest.raises(PrinterNotReadyError):
        manager.print_receipt(RECEIPT, job_id="job-3").result(timeout=5)
    status = manager.check_printer().result(timeout=5)
    assert status.state is DeviceState.ERROR
    assert {StatusFlag.PAPER_OUT, StatusFlag.PENDING_REPRINTS} <= status.flags
    assert [j.job_id for j in manager.print_jobs.unprinted()] == ["job-3"]
    assert sim.cut_pages() == []
    sim.set_paper("ok")
    mark = collector.mark()
    outcomes = manager.submit(ROLE, "reprint_pending").result(timeout=5)
    assert [o.job_id for o in outcomes] == ["job-3"]
    assert sim.cut_pages()[0].lines[0].text == "** 补打 REPRINT **"
    assert manager.print_jobs.unprinted() == []
    collector.wait_for(PrintJobFinished, lambda e: e.printed, after=mark)


def test_paper_running_out_mid_receipt_is_a_failed_job(printer: tuple[PrinterSimulator, DeviceManager]) -> None:
    sim, manager = printer
    sim.paper_out_after_lines = 3
    with pytest.raises(PrintFailedError):
        manager.print_receipt(RECEIPT, job_id="job-4").result(timeout=5)
    job = manager.print_jobs.get("job-4")
    assert job is not None
    assert job.state is PrintJobState.FAILED


@pytest.mark.parametrize(
    ("setup", "flag", "state"),
    [
        (lambda s: s.set_paper("near_end"), StatusFlag.PAPER_NEAR_END, DeviceState.WARNING),
        (lambda s: s.set_cover_open(True), StatusFlag.COVER_OPEN, DeviceState.ERROR),
        (lambda s: s.set_offline(True), StatusFlag.OFFLINE, DeviceState.ERROR),
        (lambda s: s.set_silent(True), StatusFlag.NO_ANSWER, DeviceState.ERROR),
        (lambda s: setattr(s, "garbage_status", True), StatusFlag.BAD_REPLY, DeviceState.ERROR),
    ],
)
def test_status_conditions_published_and_recovered(
    printer: tuple[PrinterSimulator, DeviceManager],
    collector: Collector,
    setup: Callable[[PrinterSimulator], None],
    flag: StatusFlag,
    state: DeviceState,
) -> None:
    sim, manager = printer
    mark = collector.mark()
    setup(sim)
    event = collector.wait_state(ROLE, state, after=mark)
    assert flag in event.status.flags
    assert manager.status(ROLE).state is state
    sim.set_paper("ok")
    sim.set_cover_open(False)
    sim.set_offline(False)
    sim.set_silent(False)
    sim.garbage_status = False
    collector.wait_state(ROLE, DeviceState.READY, after=mark)


def test_parse_status_bits() -> None:
    assert parse_status(b"\x12\x12\x12").state is DeviceState.READY
    assert parse_status(b"").flags == {StatusFlag.NO_ANSWER}
    assert parse_status(b"\x12\x12").flags == {StatusFlag.BAD_REPLY}
    assert parse_status(b"\x12\x12\x1e").flags == {StatusFlag.PAPER_NEAR_END}
    assert parse_status(b"\x1a\x36\x72").flags == {StatusFlag.OFFLINE, StatusFlag.COVER_OPEN, StatusFlag.PAPER_OUT}
    assert parse_status(b"\x12\x52\x12").flags == {StatusFlag.PRINTER_ERROR}
    assert parse_status(b"\x13\x12\x12").flags == {StatusFlag.BAD_REPLY}  # bit 0 must be clear
