"""The admin screen's back end against the simulators: printers and a reader over sim://, the HIS
simulator, the payment sandbox and a real journal. A maintainer finds and fixes paper-out, a dead
reader and a one-sided payment with these calls alone, and every action is audited."""

from __future__ import annotations

import dataclasses
import inspect
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import kiosk.admin.console as console_module
from kiosk.admin.console import MESSAGES, AdminConsole, Attention, DeviceRow, PaymentRow
from kiosk.admin.logtail import LogTail
from kiosk.adminpin import hash_pin
from kiosk.config import Config, DeviceRole
from kiosk.devices.errors import PrinterNotReadyError
from kiosk.devices.jobs import PrintJobState
from kiosk.devices.manager import DeviceManager
from kiosk.devices.receipt import Receipt, ReceiptItem, ReceiptTotal
from kiosk.devices.simulators.hub import SimulatorHub
from kiosk.devices.simulators.idcard import IdCardReaderSimulator
from kiosk.devices.simulators.printer import PrinterSimulator
from kiosk.devices.status import DeviceState, StatusFlag
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import Fault, HisSimulator
from kiosk.journal import Journal, JournalPrintJobStore
from kiosk.payments.ledger import BillRef, PaymentState
from kiosk.payments.sandbox.server import SandboxServer, Script
from kiosk.payments.service import OutcomeKind, PaymentsService
from kiosk.services import Services
from tests.payments.world import build_service, fast_his_settings, his_settlements_for_bill, new_bill, patient_ids

ADMIN = "staff 0427"
NOW = 1_800_000_000.0
S = PaymentState
RECEIPT = Receipt(
    title="挂号凭证",
    patient_masked="李*四",
    items=(ReceiptItem("普通门诊挂号费", 500),),
    totals=(ReceiptTotal("合计", 500, emphasis=True),),
)


@pytest.fixture(scope="module")
def his_sim() -> Iterator[HisSimulator]:
    sim = HisSimulator(patients=5)
    sim.start()
    try:
        yield sim
    finally:
        sim.close()


@dataclass
class World:
    console: AdminConsole
    services: Services
    service: PaymentsService
    journal: Journal
    hub: SimulatorHub
    printer: PrinterSimulator
    his_sim: HisSimulator
    sandbox: SandboxServer
    tail: LogTail
    reports: Path

    def device(self, role: DeviceRole) -> DeviceRow:
        return next(row for row in self.console.devices() if row.role is role)

    def wait_device(self, role: DeviceRole, predicate: Callable[[DeviceRow], bool], timeout: float = 5.0) -> DeviceRow:
        deadline = time.monotonic() + timeout
        while True:
            row = self.device(role)
            if predicate(row):
                return row
            if time.monotonic() > deadline:
                raise AssertionError(f"{role}: still {row}")
            time.sleep(0.03)

    def audit(self) -> list[tuple[str, str]]:
        """(actor, action) of the console's audit rows, oldest first (not the journal's own)."""
        events = reversed(self.journal.audit_events(1000))
        return [(e.actor, e.action) for e in events if e.action != "setting.changed"]


def _config(tmp_path: Path, reports: Path) -> Config:
    return Config.model_validate(
        {
            "kiosk": {"id": "OPD-TEST-01", "name": {"zh_CN": "门诊自助机", "en": "Outpatient kiosk"}},
            "his": {"mode": "simulator"},
            "admin": {"pin_hash": hash_pin("123456", memory_kib=7168, time_cost=5)},
            "voice": {"volume": 0.8},
            "devices": {
                "receipt_printer": {
                    "driver": "escpos",
                    "transport": "sim://printer",
                    "profile": {"paper_width_mm": 58, "health_interval_s": 0.2, "status_timeout_s": 0.3},
                },
                "report_printer": {"driver": "report_file", "transport": f"file://{reports}"},
                "id_card_reader": {
                    "driver": "id_card_ga467",
                    "transport": "sim://idcard",
                    "profile": {"poll_interval_s": 0.05, "reply_timeout_s": 0.2, "read_timeout_s": 0.5},
                },
            },
            "journal_path": str(tmp_path / "journal.sqlite"),
        }
    )


@pytest.fixture
def world(tmp_path: Path, his_sim: HisSimulator) -> Iterator[World]:
    reports = tmp_path / "reports"
    reports.mkdir()
    config = _config(tmp_path, reports)
    journal = Journal(config.journal_path).open()
    hub = SimulatorHub()
    printer = hub.add("printer", PrinterSimulator())
    hub.add("idcard", IdCardReaderSimulator())
    devices = DeviceManager(
        config.devices,
        lambda event: None,
        sim_hub=hub,
        print_jobs=JournalPrintJobStore(journal),
        backoff_initial_s=0.05,
        backoff_cap_s=0.4,
    )
    gateway = FhirHisGateway(fast_his_settings(), his_sim.base_url)
    sandbox = SandboxServer()
    sandbox.start()
    service = build_service(journal, gateway, sandbox.base_url, resolver_interval_s=600)  # no resolver passes
    services = Services(config=config, journal=journal, devices=devices, his=gateway, payments=service)
    tail = LogTail()
    try:
        devices.start()
        service.start()
        console = AdminConsole(services, tail, clock=lambda: NOW, timeout_s=5.0)
        yield World(console, services, service, journal, hub, printer, his_sim, sandbox, tail, reports)
    finally:
        service.stop()
        devices.stop()
        sandbox.close()
        gateway.close()
        his_sim.clear_faults()
        hub.close()
        journal.close()


# --- devices ------------------------------------------------------------------------------------------


def test_paper_out_is_found_and_fixed(world: World) -> None:
    receipt = DeviceRole.RECEIPT_PRINTER
    first = world.wait_device(receipt, lambda r: r.state is DeviceState.READY)
    assert (first.driver, first.printer, first.usable) == ("escpos", True, True)
    assert {row.role for row in world.console.devices()} == {
        DeviceRole.RECEIPT_PRINTER,
        DeviceRole.REPORT_PRINTER,
        DeviceRole.ID_CARD_READER,
    }

    world.printer.set_paper("out")
    out = world.wait_device(receipt, lambda r: StatusFlag.PAPER_OUT in r.flags)
    assert out.state is DeviceState.ERROR
    assert not out.usable
    assert out.since == NOW  # the change was seen by the console

    refused = world.console.test_print(receipt, ADMIN)
    assert (refused.ok, refused.message) == (False, "paper_out")
    still = world.console.paper_replaced("receipt_printer", ADMIN)
    assert (still.ok, still.message) == (False, "paper_still_out")

    world.printer.set_paper("ok")  # the maintainer puts a new roll in
    fixed = world.console.paper_replaced(receipt, ADMIN)
    assert (fixed.ok, fixed.message, fixed.params["reprints"]) == (True, "paper_ok", 0)
    assert world.device(receipt).state is DeviceState.READY

    printed = world.console.test_print(receipt, ADMIN)
    assert (printed.ok, printed.message) == (True, "printed")
    pages = world.printer.cut_pages()
    assert len(pages) == 1
    assert "自助机测试页" in pages[0].text[0]
    assert world.console.reprint_queue() == []  # a test page is never kept for reprint

    report = world.console.test_print(DeviceRole.REPORT_PRINTER, ADMIN)
    assert (report.ok, report.message) == (True, "printed")
    assert Path(str(report.params["location"])).read_bytes().startswith(b"%PDF-")

    world.printer.set_paper("near_end")
    low = world.console.paper_replaced(receipt, ADMIN)
    assert (low.ok, low.message) == (True, "paper_low")

    assert world.audit() == [
        (ADMIN, "device.test_print"),
        (ADMIN, "device.paper_replaced"),
        (ADMIN, "device.paper_replaced"),
        (ADMIN, "device.test_print"),
        (ADMIN, "device.test_print"),
        (ADMIN, "device.paper_replaced"),
    ]
    details = [e.detail for e in reversed(world.journal.audit_events())]
    assert details[0].startswith("receipt_printer refused paper_out")


def test_a_dead_reader_shows_disconnected(world: World) -> None:
    reader = DeviceRole.ID_CARD_READER
    first = world.wait_device(reader, lambda r: r.state is DeviceState.READY)
    assert first.since is None  # in that state before the console first looked
    assert not first.printer
    world.hub.unplug("idcard")
    dead = world.wait_device(reader, lambda r: r.state is DeviceState.DISCONNECTED)
    assert not dead.usable
    assert dead.detail
    assert dead.since == NOW
    refused = world.console.test_print(reader, ADMIN)
    assert (refused.ok, refused.message) == (False, "not_a_printer")
    assert world.console.paper_replaced(reader, ADMIN).message == "not_a_printer"
    assert world.audit() == [(ADMIN, "device.test_print"), (ADMIN, "device.paper_replaced")]
    with pytest.raises(ValueError, match="actor"):
        world.console.test_print(DeviceRole.RECEIPT_PRINTER, "  ")


def test_receipts_waiting_for_a_reprint(world: World) -> None:
    world.wait_device(DeviceRole.RECEIPT_PRINTER, lambda r: r.state is DeviceState.READY)
    world.printer.set_paper("out")
    with pytest.raises(PrinterNotReadyError):
        world.services.devices.print_receipt(RECEIPT, job_id="job-7").result(timeout=5)
    [row] = world.console.reprint_queue()
    assert (row.job_id, row.title, row.state, row.attempts) == ("job-7", "挂号凭证", PrintJobState.FAILED, 1)
    assert "paper_out" in row.last_error
    assert "李" not in repr(row)

    assert world.console.reprint("job-7", ADMIN).message == "paper_out"
    world.printer.set_paper("ok")
    done = world.console.reprint("job-7", ADMIN)
    assert (done.ok, done.message, done.params) == (True, "reprinted", {"job": "job-7"})
    assert world.console.reprint_queue() == []
    assert len(world.printer.cut_pages()) == 1
    assert world.console.reprint("job-7", ADMIN).message == "already_printed"
    assert world.console.reprint("no-such-job", ADMIN).message == "unknown_job"
    assert world.audit() == [(ADMIN, "print.reprint")] * 4


# --- the HIS link -------------------------------------------------------------------------------------


def test_his_link(world: World) -> None:
    link = world.console.his_link()
    assert link.reachable
    assert link.software
    assert link.round_trip_ms is not None
    assert link.round_trip_ms >= 0
    assert link.checked_at == NOW

    world.his_sim.add_fault(Fault("status", route="*", status=503))
    down = world.console.his_link()
    assert not down.reachable
    assert down.error
    assert down.error_code is not None
    assert 2000 <= down.error_code < 2100

    not_started = AdminConsole(dataclasses.replace(world.services, his=None), world.tail).his_link()
    assert (not_started.reachable, not_started.error, not_started.round_trip_ms) == (
        False,
        "services not started",
        None,
    )


# --- payments -----------------------------------------------------------------------------------------


def _one_sided(world: World, amount_fen: int) -> str:
    """Paid at the channel, the HIS down when settling: money taken, the HIS not told."""
    patient = patient_ids(world.his_sim, 1)[0]
    bill = new_bill(world.his_sim, patient, amount_fen)
    world.sandbox.script(Script("approve"))
    world.his_sim.add_fault(Fault("status", route="* PaymentReconciliation", status=503))
    outcome = world.service.pay("sandbox", patient, [bill], amount_fen)
    assert outcome.kind is OutcomeKind.PAID_UNSETTLED
    return outcome.payment_id


def test_a_one_sided_payment_is_settled_once_the_his_works(world: World) -> None:
    payment_id = _one_sided(world, 1500)
    [row] = world.console.payments()
    assert isinstance(row, PaymentRow)
    assert (row.payment_id, row.state, row.attention) == (payment_id, S.PAID, Attention.ONE_SIDED)
    assert (row.amount_fen, row.paid_amount_fen, row.provider) == (1500, 1500, "sandbox")
    assert row.short_id == payment_id[-10:]
    assert row.refundable
    assert row.last_error  # why the HIS was not told
    assert row.age_s >= 0
    record = world.service.ledger.get(payment_id)
    assert record.patient_id not in repr(row)

    again = world.console.retry_settle(payment_id, ADMIN)
    assert (again.ok, again.message) == (False, "still_unsettled")
    assert again.params["error"]

    world.his_sim.clear_faults()
    settled = world.console.retry_settle(payment_id, ADMIN)
    assert (settled.ok, settled.message) == (True, "settled")
    assert settled.params["receipt"]
    assert world.console.payments() == []
    assert world.services.his is not None
    assert world.services.his.find_settlement(payment_id) is not None
    assert len(his_settlements_for_bill(world.his_sim, record.bills[0].id)) == 1

    final = world.console.retry_settle(payment_id, ADMIN)
    assert (final.ok, final.message, final.params["state"]) == (False, "already_final", "settled")
    assert world.console.retry_settle("P-nope", ADMIN).message == "unknown_payment"
    assert world.audit() == [(ADMIN, "payment.retry_settle")] * 4


def _payment_in(world: World, state: PaymentState, n: int) -> str:
    """A payment row moved straight to ``state`` in the ledger (no channel, no HIS)."""
    ledger = world.service.ledger
    payment_id = f"P20270115093000{n:010d}"
    bill = BillRef(f"inv-admin-{n}", "pat-0001", 800)
    ledger.create(
        payment_id,
        kiosk_id="TEST-01",
        provider="sandbox",
        provider_kind="sandbox",
        patient_id="pat-0001",
        bills=[bill],
        amount_fen=800,
    )
    path = {
        S.CREATED: [],
        S.PENDING: [S.PENDING],
        S.PAID: [S.PENDING, S.PAID],
        S.REFUND_PENDING: [S.PENDING, S.PAID, S.REFUND_PENDING],
        S.SETTLED: [S.PENDING, S.PAID, S.SETTLED],
    }[state]
    for step in path:
        fields = {"paid_amount_fen": 800, "paid_at": NOW - 60} if step is S.PAID else {}
        ledger.transition(payment_id, step, **fields)
    return payment_id


def test_mark_refunded_for_money_returned_by_hand(world: World) -> None:
    paid = _payment_in(world, S.PAID, 1)
    refund_pending = _payment_in(world, S.REFUND_PENDING, 2)
    settled = _payment_in(world, S.SETTLED, 3)
    pending = _payment_in(world, S.PENDING, 4)
    created = _payment_in(world, S.CREATED, 5)

    rows = world.console.payments()
    assert [(r.payment_id, r.attention) for r in rows] == [
        (paid, Attention.ONE_SIDED),
        (refund_pending, Attention.REFUND_PENDING),
        (pending, Attention.OPEN_ORDER),
        (created, Attention.OPEN_ORDER),
    ]
    assert [r.refundable for r in rows] == [True, True, False, False]

    first = world.console.mark_refunded(paid, ADMIN, note="returned through the merchant portal")
    assert (first.ok, first.message, first.params["amount_fen"]) == (True, "marked_refunded", 800)
    history = world.service.ledger.history(paid)
    assert [(e.from_state, e.to_state) for e in history[-2:]] == [
        (S.PAID, S.REFUND_PENDING),
        (S.REFUND_PENDING, S.REFUNDED),
    ]
    assert all(ADMIN in e.detail for e in history[-2:])
    assert ADMIN in world.service.ledger.get(paid).reason

    second = world.console.mark_refunded(refund_pending, ADMIN)
    assert (second.ok, second.message) == (True, "marked_refunded")
    assert world.service.ledger.get(refund_pending).state is S.REFUNDED

    assert world.console.mark_refunded(settled, ADMIN).message == "refused_final"
    assert world.console.mark_refunded(paid, ADMIN).message == "refused_final"  # not twice
    assert world.console.mark_refunded(pending, ADMIN).message == "refused_open_order"
    assert world.console.mark_refunded(created, ADMIN).message == "refused_open_order"
    assert world.console.mark_refunded("P-nope", ADMIN).message == "unknown_payment"
    assert world.service.ledger.get(settled).state is S.SETTLED
    assert world.service.ledger.get(pending).state is S.PENDING
    assert [r.payment_id for r in world.console.payments()] == [pending, created]

    assert world.audit() == [(ADMIN, "payment.mark_refunded")] * 7
    details = [e.detail for e in reversed(world.journal.audit_events())]
    assert details[0] == f"{paid} note: returned through the merchant portal ok marked_refunded amount_fen=800"


def test_a_payment_being_worked_on_is_not_touched(world: World) -> None:
    payment_id = _payment_in(world, S.PAID, 6)
    lock = world.service._locks.get(payment_id)  # what the resolver or a flow holds while driving it
    with lock:
        busy = world.console.mark_refunded(payment_id, ADMIN)
        retry = world.console.retry_settle(payment_id, ADMIN)
    assert (busy.ok, busy.message) == (False, "payment_busy")
    assert retry.message == "payment_busy"
    assert world.service.ledger.get(payment_id).state is S.PAID
    assert world.console.mark_refunded(payment_id, ADMIN).message == "marked_refunded"


def test_payments_without_the_payment_service(world: World) -> None:
    payment_id = _payment_in(world, S.REFUND_PENDING, 7)
    console = AdminConsole(dataclasses.replace(world.services, payments=None), world.tail, clock=lambda: NOW)
    assert [r.payment_id for r in console.payments()] == [payment_id]
    assert console.retry_settle(payment_id, ADMIN).message == "payments_not_started"
    assert console.mark_refunded(payment_id, ADMIN).message == "marked_refunded"


# --- logs, configuration, voice ---------------------------------------------------------------------------


def test_log_lines_are_redacted(world: World) -> None:
    kiosk_log = logging.getLogger("kiosk")
    saved = kiosk_log.level
    kiosk_log.addHandler(world.tail)
    kiosk_log.setLevel(logging.INFO)
    try:
        logging.getLogger("kiosk.flows.test").info("identify: id %s", "11010519491231002X")
        world.console.paper_replaced(DeviceRole.SCANNER, ADMIN)
    finally:
        kiosk_log.removeHandler(world.tail)
        kiosk_log.setLevel(saved)
    lines = world.console.log_lines()
    text = "\n".join(lines)
    assert "11010519491231002X" not in text
    assert "110105********002X" in text
    assert "admin device.paper_replaced" in text
    assert len(world.console.log_lines(limit=1)) == 1


def test_masked_config(world: World) -> None:
    text = world.console.masked_config()
    assert "id: OPD-TEST-01" in text
    assert world.services.config.admin.pin_hash is not None
    assert world.services.config.admin.pin_hash not in text
    assert "pin_hash: '********'" in text


def test_voice_settings_persist(world: World) -> None:
    defaults = world.console.voice_settings()
    assert (defaults.volume, defaults.locale, defaults.saved) == (0.8, "zh_CN", False)
    saved = world.console.set_voice_settings(0.5, "en", ADMIN)
    assert (saved.ok, saved.message, saved.params) == (True, "voice_saved", {"volume": 0.5, "locale": "en"})
    again = AdminConsole(world.services, world.tail).voice_settings()  # e.g. after a restart
    assert (again.volume, again.locale, again.saved) == (0.5, "en", True)
    assert world.console.set_voice_settings(1.5, "en", ADMIN).message == "invalid_volume"
    assert world.console.set_voice_settings(float("nan"), "en", ADMIN).message == "invalid_volume"
    assert world.console.set_voice_settings(0.3, "fr", ADMIN).message == "invalid_locale"
    assert world.console.voice_settings().volume == 0.5
    assert world.audit() == [(ADMIN, "voice.settings")] * 4


def test_every_message_id_is_documented() -> None:
    source = inspect.getsource(console_module)
    used = set(re.findall(r'ActionResult\(\s*(?:True|False)\s*,\s*"([a-z_]+)"', source))
    assert len(used) > 20
    assert used <= set(MESSAGES)
