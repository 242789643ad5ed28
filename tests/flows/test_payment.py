"""Payment (缴费) and the reusable pay step: every transition and failure path with scripted
payments, HIS and printer (no Qt), then through the real screens against the HIS simulator, the
payment sandbox and the simulated receipt printer."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config, DeviceRole
from kiosk.devices.errors import PrintFailedError
from kiosk.devices.events import CardRemoved, IdCardRead, QrScanned, ResidentIdCard, ScanKind, TerminalStage
from kiosk.devices.events import TerminalStageChanged as StageChanged
from kiosk.devices.jobs import PrintJobState
from kiosk.devices.simulators.demo import PRINTER
from kiosk.devices.simulators.printer import PrinterSimulator
from kiosk.devices.status import DeviceState, DeviceStatus, StatusFlag
from kiosk.domain import Bill, BillItem, Identifier, Patient
from kiosk.errors import ServiceUnavailableError
from kiosk.flows.context import FlowContext
from kiosk.flows.effects import Effect, RunJob, Show
from kiosk.flows.events import FlowEvent, HomeRequested, JobFinished
from kiosk.flows.pay import Job as PayJob
from kiosk.flows.pay import PayStep
from kiosk.flows.payment import Payment, PaymentFlow
from kiosk.flows.service import FlowAbandoned, FlowDone, Preferences
from kiosk.flows.views import (
    Action,
    BusyView,
    GoodbyeView,
    HomeView,
    IdentifyView,
    ListView,
    MessageView,
    QrPaymentView,
    Step,
    Text,
)
from kiosk.his.errors import HisUnavailable
from kiosk.payments.errors import PaymentBusy, PaymentsRefused, ProviderUnavailable
from kiosk.payments.providers import Interaction
from kiosk.payments.service import OutcomeKind, PaymentOutcome
from kiosk.services import Services, build_services
from kiosk.ui.screens.flow import FLOW_SCREENS, ListScreen, QrPaymentScreen
from kiosk.ui.screenshot import SIZES, find_clipped
from tests.flows import drive
from tests.flows.conftest import Patient as PatientHands
from tests.flows.drive import finish, message, shown
from tests.flows.scripts import ScriptedPayments, ScriptedPrinter
from tests.support import FakeClock, ManualExecutor

PATIENT = Patient(id="p1", name="王小明")
STEP = Step("payment", 3, 4)
PAPER_OUT = DeviceStatus(DeviceState.ERROR, frozenset({StatusFlag.PAPER_OUT}))
SEVERAL = [("wechat", Interaction.QR), ("alipay_code", Interaction.SCAN_CODE), ("card", Interaction.CARD)]


def bill(bid: str, day: int, fen: int, *items: str, department: str = "内科") -> Bill:
    names = items or ("挂号费",)
    share = [fen // len(names)] * len(names)
    share[0] += fen - sum(share)
    lines = tuple(BillItem(n, Decimal(1), s, s) for n, s in zip(names, share, strict=True))
    return Bill(bid, "p1", lines, fen, visit_id=f"v{day}", visit_date=date(2024, 5, day), department_name=department)


# -- scripts -------------------------------------------------------------------------------------


@dataclass
class ScriptedHis:
    answers: list[object] = field(default_factory=list)  # answers to unpaid_bills, in order
    asked: list[str] = field(default_factory=list)

    def unpaid_bills(self, patient_id: str) -> list[Bill]:
        self.asked.append(patient_id)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, list)
        return answer

    def find_patient(self, identifier: Identifier) -> Patient:
        return PATIENT


Chart = PayStep | Payment


def run_jobs(chart: Chart, effects: Sequence[Effect], held: list[RunJob] | None = None) -> list[Effect]:
    """With ``held``, the await job is kept there instead (the patient is still looking at the QR code)."""
    if held is None:
        return drive.run_jobs(chart, effects)
    return drive.run_jobs(chart, effects, hold=lambda job: job.name == PayJob.AWAIT, held=held)


def tap(chart: Chart, name: str, value: object = None, held: list[RunJob] | None = None) -> list[Effect]:
    return run_jobs(chart, chart.handle(FlowEvent(name, value)), held)


# -- the pay step --------------------------------------------------------------------------------

BILLS = (bill("b1", 6, 2350, "血常规"),)


def make_step(payments: ScriptedPayments, held: list[RunJob] | None = None) -> tuple[PayStep, list[Effect]]:
    step = PayStep(payments, "p1", BILLS, 2350, step=STEP, now=lambda: 1000.0)
    return step, run_jobs(step, step.begin(), held)


def test_one_qr_provider_opens_at_once_and_shows_the_code_with_amount_and_deadline() -> None:
    payments = ScriptedPayments()
    held: list[RunJob] = []
    step, effects = make_step(payments, held)
    views = [e.view for e in effects if isinstance(e, Show)]
    assert isinstance(views[0], BusyView)  # opening: the spinner first
    view = views[-1]
    assert isinstance(view, QrPaymentView)
    assert (view.amount, view.payload, view.deadline) == ("¥23.50", "http://sandbox/pay/P1", 1060.0)
    assert view.step == STEP
    assert view.prompt.args == ("¥23.50",)
    assert [a.id for a in view.actions] == ["cancel"]
    assert not view.can_go_back
    assert payments.opened == [("sandbox", ("b1",), 2350, None)]
    assert not step.finished
    [job] = held
    assert run_jobs(step, step.handle(finish(job))) == []
    assert step.finished
    assert step.settled
    assert step.outcome is not None
    assert step.outcome.receipt_number == "R-001"


def test_several_providers_are_offered_and_back_backs_out() -> None:
    step, effects = make_step(ScriptedPayments(providers=list(SEVERAL)))
    view = shown(effects)
    assert isinstance(view, ListView)
    assert [i.id for i in view.items] == ["wechat", "alipay_code", "card"]
    assert view.prompt.args == ("¥23.50",)
    assert tap(step, "pick", "nope") == []  # not offered: ignored
    tap(step, "back")
    assert step.finished
    assert step.backed_out
    assert step.outcome is None


def test_many_payment_methods_page_four_at_a_time_in_elderly_mode() -> None:
    methods = [(f"m{n}", Interaction.QR) for n in range(6)]
    step = PayStep(ScriptedPayments(providers=methods), "p1", BILLS, 2350, step=STEP, now=lambda: 1000.0, page_size=4)
    view = shown(step.begin())
    assert isinstance(view, ListView)
    assert ([i.id for i in view.items], view.page, view.pages) == (["m0", "m1", "m2", "m3"], 0, 2)
    assert tap(step, "page", -1) == []
    second = shown(tap(step, "page", 1))
    assert isinstance(second, ListView)
    assert ([i.id for i in second.items], second.page) == (["m4", "m5"], 1)
    assert tap(step, "page", 1) == []
    default = PayStep(ScriptedPayments(providers=methods), "p1", BILLS, 2350, step=STEP, now=lambda: 1000.0)
    view = shown(default.begin())
    assert isinstance(view, ListView)
    assert (len(view.items), view.pages) == (6, 1)


def test_payment_code_waits_for_the_scan_and_opens_with_it() -> None:
    payments = ScriptedPayments(providers=list(SEVERAL))
    step, _ = make_step(payments)
    waiting = message(tap(step, "pick", "alipay_code"))
    assert waiting.title.source == "Pay with your payment code"
    assert payments.opened == []
    other = QrScanned(DeviceRole.SCANNER, ScanKind.HEALTH_CARD, "health")
    assert run_jobs(step, step.handle(other)) == []
    held: list[RunJob] = []
    effects = run_jobs(step, step.handle(QrScanned(DeviceRole.SCANNER, ScanKind.PAYMENT_CODE, "134567")), held)
    assert payments.opened == [("alipay_code", ("b1",), 2350, "134567")]
    assert message(effects).title.source == "Taking the payment…"
    assert [a.id for a in message(effects).actions] == ["cancel"]
    run_jobs(step, step.handle(finish(held[0])))
    assert step.settled


def test_payment_code_back_returns_to_the_methods() -> None:
    step, _ = make_step(ScriptedPayments(providers=list(SEVERAL)))
    tap(step, "pick", "alipay_code")
    assert isinstance(shown(tap(step, "back")), ListView)


def test_a_single_payment_code_provider_asks_for_the_code_first() -> None:
    step, effects = make_step(ScriptedPayments(providers=[("code", Interaction.SCAN_CODE)]))
    assert message(effects).title.source == "Pay with your payment code"
    tap(step, "back")
    assert step.backed_out


def test_card_follows_the_terminal_stages() -> None:
    held: list[RunJob] = []
    step, _ = make_step(ScriptedPayments(providers=list(SEVERAL)), held)
    first = message(tap(step, "pick", "card", held=held))
    assert first.title.source == "Pay by bank card"
    assert first.body.args == ("¥23.50",)
    pin = message(step.handle(StageChanged(DeviceRole.CARD_TERMINAL, "P1", TerminalStage.ENTER_PIN)))
    assert "PIN" in pin.body.source
    run_jobs(step, step.handle(finish(held[0])))
    assert step.settled


@pytest.mark.parametrize(
    ("kind", "title"),
    [
        (OutcomeKind.DECLINED, "The payment was declined"),
        (OutcomeKind.CANCELLED, "Payment cancelled"),
        (OutcomeKind.EXPIRED, "Time ran out"),
    ],
)
def test_nothing_charged_offers_paying_again_or_stopping(kind: OutcomeKind, title: str) -> None:
    payments = ScriptedPayments(outcomes=[kind, OutcomeKind.SETTLED])
    step, effects = make_step(payments)
    view = message(effects)
    assert view.title.source == title
    assert "Nothing was charged" in view.body.source
    assert [a.id for a in view.actions] == ["again", "stop"]
    assert not step.finished
    tap(step, "again")  # one provider: straight to a new order
    assert [o[0] for o in payments.opened] == ["sandbox", "sandbox"]
    assert step.settled
    assert step.outcome is not None
    assert step.outcome.payment_id == "P2"


def test_declined_then_stop_ends_without_an_outcome_to_settle() -> None:
    step, _ = make_step(ScriptedPayments(outcomes=[OutcomeKind.DECLINED]))
    tap(step, "stop")
    assert step.finished
    assert not step.settled
    assert not step.backed_out


def test_declined_with_several_providers_chooses_again() -> None:
    step, _ = make_step(ScriptedPayments(providers=list(SEVERAL), outcomes=[OutcomeKind.DECLINED]))
    tap(step, "pick", "wechat")
    assert isinstance(shown(tap(step, "again")), ListView)


def test_refunded_says_the_money_is_returned_with_the_reference() -> None:
    step, effects = make_step(ScriptedPayments(outcomes=[OutcomeKind.REFUNDED]))
    view = message(effects)
    assert view.title.source == "Your money is being returned"
    assert view.body.args == ("P1",)
    tap(step, "ok")
    assert step.finished
    assert not step.settled


@pytest.mark.parametrize(
    "answer", [OutcomeKind.PAID_UNSETTLED, OutcomeKind.REFUND_PENDING, OutcomeKind.UNRESOLVED, RuntimeError("boom")]
)
def test_unfinished_payments_are_recorded_for_staff(answer: object) -> None:
    step, effects = make_step(ScriptedPayments(outcomes=[answer]))
    view = message(effects)
    assert view.title.source == "Your payment is recorded"
    assert "do not pay again" in view.body.source
    assert view.body.args == ("P1",)
    assert [a.id for a in view.actions] == ["ok"]
    tap(step, "ok")
    assert step.finished
    assert not step.settled


@pytest.mark.parametrize(("error", "code"), [(ProviderUnavailable("down"), 4021), (PaymentBusy("busy"), 4002)])
def test_an_order_that_cannot_be_opened_charges_nothing(error: Exception, code: int) -> None:
    payments = ScriptedPayments(opens=[error])
    step, effects = make_step(payments)
    view = message(effects)
    assert view.title.source == "The payment could not be started"
    assert view.code == code
    tap(step, "again")
    assert step.settled
    step2, _ = make_step(ScriptedPayments(opens=[error]))
    tap(step2, "stop")
    assert step2.finished
    assert not step2.settled


def test_a_journal_refusing_payments_sends_the_patient_to_the_counter() -> None:
    payments = ScriptedPayments(opens=[PaymentsRefused("the journal lost committed payments")])
    step, effects = make_step(payments)
    view = message(effects)
    assert view.title.source == "Payments are not available at this kiosk"
    assert "Please pay at the service counter" in view.body.source
    assert view.code == 4051
    assert [a.id for a in view.actions] == ["stop"]  # trying again here cannot help
    tap(step, "stop")
    assert step.finished
    assert not step.settled


def test_cancel_while_waiting_shows_cancelling_then_the_outcome() -> None:
    payments = ScriptedPayments(outcomes=[OutcomeKind.CANCELLED])
    held: list[RunJob] = []
    step, _ = make_step(payments, held)
    effects = tap(step, "cancel", held=held)
    busy = shown(effects)
    assert isinstance(busy, BusyView)
    assert "Cancelling" in busy.body.source
    assert payments.cancelled == ["P1"]
    assert tap(step, "cancel") == []  # a second tap does nothing
    view = message(run_jobs(step, step.handle(finish(held[0]))))
    assert view.title.source == "Payment cancelled"


def test_paid_just_before_the_cancel_still_settles() -> None:
    held: list[RunJob] = []
    step, _ = make_step(ScriptedPayments(), held)
    tap(step, "cancel", held=held)
    run_jobs(step, step.handle(finish(held[0])))
    assert step.settled


def test_a_late_answer_of_an_earlier_payment_is_ignored() -> None:
    payments = ScriptedPayments(outcomes=[OutcomeKind.DECLINED])
    step, _ = make_step(payments)
    held: list[RunJob] = []
    tap(step, "again", held=held)
    stale = JobFinished(PayJob.AWAIT, 1, result=PaymentOutcome("P1", OutcomeKind.SETTLED, 2350))
    assert step.handle(stale) == []
    assert not step.finished
    run_jobs(step, step.handle(finish(held[0])))
    assert step.outcome is not None
    assert step.outcome.payment_id == "P2"


# -- the payment chart ---------------------------------------------------------------------------


def make(
    his: ScriptedHis,
    payments: ScriptedPayments | None = None,
    printer: ScriptedPrinter | None = None,
    *,
    no_payments: bool = False,
) -> tuple[Payment, list[Effect]]:
    chart = Payment(
        PATIENT,
        his,  # type: ignore[arg-type]
        printer or ScriptedPrinter(),  # type: ignore[arg-type]
        None if no_payments else (payments or ScriptedPayments()),
        step=lambda index: Step("payment", index, 4),
        now=lambda: 1000.0,
        wall=lambda: datetime(2024, 5, 6, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    return chart, run_jobs(chart, chart.begin())


def three() -> list[Bill]:
    return [
        bill("b2", 7, 12000, "CT", "造影剂", "注射费", "材料费", department="放射科"),
        bill("b1", 6, 2350, "血常规"),
        bill("b3", 6, 800, "挂号费", department="外科"),
    ]


def test_lists_the_bills_by_visit_all_selected_with_the_total() -> None:
    his = ScriptedHis(answers=[three()])
    chart, effects = make(his)
    assert isinstance(next(e.view for e in chart.begin() + effects if isinstance(e, Show)), BusyView)
    assert his.asked == ["p1"]
    view = shown(effects)
    assert isinstance(view, ListView)
    assert view.multi
    assert view.step == Step("payment", 2, 4)
    assert [i.id for i in view.items] == ["b1", "b3", "b2"]  # by visit date, then visit
    assert all(i.selected for i in view.items)
    first, _, last = view.items
    assert first.title.args == ("2024-05-06", "内科")
    assert first.detail.args == ("血常规", "¥23.50")
    assert last.detail.args == ("CT、造影剂、注射费 +1", "¥120.00")
    assert view.summary is not None
    assert view.summary.args == ("¥151.50", "3", "3")
    assert [(a.id, a.label.args) for a in view.actions] == [("pay", ("¥151.50",))]


def test_picking_a_bill_toggles_it_and_nothing_selected_offers_no_pay() -> None:
    chart, _ = make(ScriptedHis(answers=[three()]))
    view = shown(tap(chart, "pick", "b2"))
    assert isinstance(view, ListView)
    assert [i.selected for i in view.items] == [True, True, False]
    assert view.summary is not None
    assert view.summary.args == ("¥31.50", "2", "3")
    assert tap(chart, "pick", "zz") == []
    tap(chart, "pick", "b1")
    view = shown(tap(chart, "pick", "b3"))
    assert isinstance(view, ListView)
    assert view.actions == ()
    assert tap(chart, "pay") == []  # nothing selected: nothing happens
    view = shown(tap(chart, "pick", "b1"))
    assert isinstance(view, ListView)
    assert view.items[0].selected


def test_a_long_list_pages_six_at_a_time() -> None:
    bills = [bill(f"b{n}", n, 100 * n) for n in range(1, 9)]
    chart, effects = make(ScriptedHis(answers=[bills]))
    view = shown(effects)
    assert isinstance(view, ListView)
    assert (len(view.items), view.pages) == (6, 2)
    assert tap(chart, "page", -1) == []
    second = shown(tap(chart, "page", 1))
    assert isinstance(second, ListView)
    assert [i.id for i in second.items] == ["b7", "b8"]
    assert second.summary is not None
    assert second.summary.args[1:] == ("8", "8")  # every page still pays every selected bill


def test_no_unpaid_bills_says_so() -> None:
    chart, effects = make(ScriptedHis(answers=[[]]))
    view = message(effects)
    assert view.title.source == "Nothing to pay"
    assert tap(chart, "ok") == [FlowDone()]


def test_his_down_while_loading_takes_no_money_and_retries() -> None:
    payments = ScriptedPayments()
    his = ScriptedHis(answers=[HisUnavailable("down"), three()])
    chart, effects = make(his, payments)
    view = message(effects)
    assert "nothing was charged" in view.body.source
    assert view.code == HisUnavailable.code
    assert [a.id for a in view.actions] == ["retry"]
    assert isinstance(shown(tap(chart, "retry")), ListView)
    assert payments.opened == []


def test_an_unexpected_load_error_still_shows_a_code() -> None:
    _, effects = make(ScriptedHis(answers=[RuntimeError("x")]))
    assert message(effects).code == ServiceUnavailableError.code


def test_pay_checks_the_printer_pays_prints_the_receipt_and_finishes() -> None:
    payments, printer = ScriptedPayments(), ScriptedPrinter()
    chart, _ = make(ScriptedHis(answers=[three()]), payments, printer)
    effects = tap(chart, "pay")
    views = [e.view for e in effects if isinstance(e, Show)]
    assert isinstance(views[0], BusyView)  # the printer check
    assert isinstance(views[-1], MessageView)
    done = views[-1]
    assert isinstance(done, MessageView)
    assert done.title.source == "Payment complete"
    assert done.body.args == ("¥151.50", "R-001")
    assert done.step == Step("payment", 4, 4)
    assert payments.opened == [("sandbox", ("b1", "b3", "b2"), 15150, None)]
    [(job_id, receipt)] = printer.printed
    assert job_id == "payment-P1"
    assert receipt.qr == "R-001"
    assert receipt.patient_masked == PATIENT.masked_name
    assert "王小明" not in repr(receipt)
    assert [i.name for i in receipt.items] == ["血常规", "挂号费", "CT", "造影剂", "注射费", "材料费"]
    assert sum(i.amount_fen for i in receipt.items) == 15150
    assert [t.amount_fen for t in receipt.totals] == [15150]
    assert receipt.footer == ("请妥善保管本凭条", "金额 151.50 元")  # the cents too
    assert ("票据号", "R-001") in receipt.fields
    assert ("缴费时间", "2024-05-06 09:30") in receipt.fields
    assert tap(chart, "ok") == [FlowDone()]
    assert chart.pay_step is None


def test_partial_selection_pays_only_the_chosen_bills() -> None:
    payments = ScriptedPayments()
    chart, _ = make(ScriptedHis(answers=[three()]), payments)
    tap(chart, "pick", "b2")
    tap(chart, "pay")
    assert payments.opened == [("sandbox", ("b1", "b3"), 3150, None)]


def test_the_qr_screen_is_shown_while_the_payment_waits() -> None:
    chart, _ = make(ScriptedHis(answers=[three()]))
    held: list[RunJob] = []
    view = shown(tap(chart, "pay", held=held))
    assert isinstance(view, QrPaymentView)
    assert view.step == Step("payment", 3, 4)
    assert view.amount == "¥151.50"
    done = message(run_jobs(chart, chart.handle(finish(held[0]))))
    assert done.title.source == "Payment complete"


def test_paper_out_offers_paying_without_a_receipt() -> None:
    payments, printer = ScriptedPayments(), ScriptedPrinter(status=PAPER_OUT)
    chart, _ = make(ScriptedHis(answers=[three()]), payments, printer)
    offer = message(tap(chart, "pay"))
    assert offer.title.source == "No receipt can be printed"
    assert "run out of paper" in offer.body.source
    assert "counter" in offer.body.source
    assert [a.id for a in offer.actions] == ["no_receipt", "stop"]
    assert offer.can_go_back
    assert payments.opened == []
    done = message(tap(chart, "no_receipt"))
    assert done.title.source == "Paid without a printed receipt"
    assert printer.printed == []
    assert chart.outcome is not None
    assert chart.outcome.kind is OutcomeKind.SETTLED


def test_a_broken_printer_lets_the_patient_stop_or_go_back() -> None:
    chart, _ = make(ScriptedHis(answers=[three()]), printer=ScriptedPrinter(status=RuntimeError("gone")))
    offer = message(tap(chart, "pay"))
    assert "not working" in offer.body.source
    assert isinstance(shown(tap(chart, "back")), ListView)
    tap(chart, "pay")
    assert tap(chart, "stop") == [FlowDone()]


def test_a_print_failure_keeps_the_payment_settled_and_the_job() -> None:
    printer = ScriptedPrinter(outcome=PrintFailedError("jam"))
    chart, _ = make(ScriptedHis(answers=[three()]), printer=printer)
    done = message(tap(chart, "pay"))
    assert done.title.source == "Paid, receipt not printed"
    assert done.body.args == ("¥151.50", "R-001")
    job = printer.print_jobs.get("payment-P1")
    assert job is not None
    assert job.state is PrintJobState.FAILED
    assert chart.outcome is not None
    assert chart.outcome.kind is OutcomeKind.SETTLED


def test_declined_in_the_flow_then_stop_finishes_without_printing() -> None:
    payments, printer = ScriptedPayments(outcomes=[OutcomeKind.DECLINED]), ScriptedPrinter()
    chart, _ = make(ScriptedHis(answers=[three()]), payments, printer)
    view = message(tap(chart, "pay"))
    assert view.title.source == "The payment was declined"
    assert tap(chart, "stop") == [FlowDone()]
    assert printer.printed == []


@pytest.mark.parametrize("kind", [OutcomeKind.REFUNDED, OutcomeKind.PAID_UNSETTLED])
def test_refunded_or_unsettled_in_the_flow_ends_after_telling(kind: OutcomeKind) -> None:
    printer = ScriptedPrinter()
    chart, _ = make(ScriptedHis(answers=[three()]), ScriptedPayments(outcomes=[kind]), printer)
    tap(chart, "pay")
    assert tap(chart, "ok") == [FlowDone()]
    assert printer.printed == []


def test_back_from_the_methods_returns_to_the_bills() -> None:
    payments = ScriptedPayments(providers=list(SEVERAL))
    chart, _ = make(ScriptedHis(answers=[three()]), payments)
    methods = shown(tap(chart, "pay"))
    assert isinstance(methods, ListView)
    assert methods.step == Step("payment", 3, 4)
    bills = shown(tap(chart, "back"))
    assert isinstance(bills, ListView)
    assert [i.id for i in bills.items] == ["b1", "b3", "b2"]
    assert chart.pay_step is None
    tap(chart, "pay")
    tap(chart, "pick", "wechat")
    assert chart.outcome is not None


def test_without_payment_providers_the_kiosk_sends_to_the_counter() -> None:
    chart, _ = make(ScriptedHis(answers=[three()]), no_payments=True)
    view = message(tap(chart, "pay"))
    assert view.title.source == "Payment is not available here"
    assert tap(chart, "ok") == [FlowDone()]


def test_stray_events_are_ignored() -> None:
    chart, _ = make(ScriptedHis(answers=[three()]))
    assert chart.handle(JobFinished("checkin.load", 1, result=[])) == []
    assert chart.handle(FlowEvent("cancel")) == []
    assert chart.handle(QrScanned(DeviceRole.SCANNER, ScanKind.PAYMENT_CODE, "1")) == []


# -- the service flow ----------------------------------------------------------------------------

CARD = ResidentIdCard(
    name="王小明", sex="male", nation="汉", birth_date="19800101", address="北京市", id_number="110101198001011234",
    authority="公安局", valid_from="20200101", valid_to="20400101",
)  # fmt: skip


def _context(his: object, printer: object, payments: object, demo_config: Config) -> FlowContext:
    services = Services(config=demo_config, journal=None, devices=printer, his=his)  # type: ignore[arg-type]
    services.payments = payments  # type: ignore[assignment]
    return FlowContext(config=demo_config, services=services)


def _run_flow_jobs(flow: PaymentFlow, effects: list[Effect]) -> list[Effect]:
    out: list[Effect] = []
    for effect in effects:
        if isinstance(effect, RunJob):
            out.extend(_run_flow_jobs(flow, list(flow.handle(finish(effect)))))
        else:
            out.append(effect)
    return out


def _through_identify(flow: PaymentFlow) -> list[Effect]:
    flow.start()
    effects = _run_flow_jobs(flow, list(flow.handle(IdCardRead(DeviceRole.ID_CARD_READER, CARD))))
    assert effects
    return _run_flow_jobs(flow, list(flow.handle(FlowEvent("yes"))))


def test_the_flow_identifies_lists_and_pays(demo_config: Config) -> None:
    payments = ScriptedPayments()
    flow = PaymentFlow(_context(ScriptedHis(answers=[three()]), ScriptedPrinter(), payments, demo_config))
    view = shown(_through_identify(flow))
    assert isinstance(view, ListView)
    assert view.step == Step("payment", 2, 4)
    done = message(_run_flow_jobs(flow, list(flow.handle(FlowEvent("pay")))))
    assert done.title.source == "Payment complete"
    assert list(flow.handle(FlowEvent("ok"))) == [FlowDone()]


def test_in_elderly_mode_bills_and_methods_show_four_a_page(demo_config: Config) -> None:
    bills = [bill(f"b{n}", n, 100 * n) for n in range(1, 7)]
    payments = ScriptedPayments(providers=[(f"m{n}", Interaction.QR) for n in range(5)])
    context = _context(ScriptedHis(answers=[bills]), ScriptedPrinter(), payments, demo_config)
    flow = PaymentFlow(context, Preferences(elderly=True))
    view = shown(_through_identify(flow))
    assert isinstance(view, ListView)
    assert (len(view.items), view.pages) == (4, 2)
    methods = shown(_run_flow_jobs(flow, list(flow.handle(FlowEvent("pay")))))
    assert isinstance(methods, ListView)
    assert (len(methods.items), methods.pages) == (4, 2)


def test_removing_the_id_card_abandons_payment(demo_config: Config) -> None:
    flow = PaymentFlow(_context(ScriptedHis(answers=[three()]), ScriptedPrinter(), ScriptedPayments(), demo_config))
    _through_identify(flow)
    assert list(flow.handle(CardRemoved(DeviceRole.ID_CARD_READER))) == [FlowAbandoned()]


# -- through the real screens, against the simulators and the sandbox ---------------------------


@dataclass
class World:
    kiosk: Kiosk
    hands: PatientHands
    services: Services

    @property
    def printer(self) -> PrinterSimulator:
        hub = self.services.sim_hub
        assert hub is not None
        return hub.get(PRINTER, PrinterSimulator)


@pytest.fixture
def world(qapp: QApplication, demo_config: Config) -> Iterator[World]:
    built: dict[str, Services] = {}

    def services(config: Config, post: Callable[[Any], None]) -> Services:
        built["s"] = s = build_services(config, post)
        return s

    def flow(preferences: Preferences) -> PaymentFlow:
        return PaymentFlow(FlowContext(demo_config, built["s"]), preferences)

    kiosk = build_kiosk(demo_config, qapp, services=services, flows={"payment": flow})
    built["s"].start()
    kiosk.start(fullscreen=False, hide_cursor=False)
    kiosk.window.resize(1920, 1080)
    kiosk.translations.set_locale("en")
    try:
        yield World(kiosk, PatientHands(kiosk, qapp), built["s"])
    finally:
        kiosk.runner.post(HomeRequested())
        qapp.processEvents()
        kiosk.stop()


def _texts(world: World) -> list[str]:
    window = world.kiosk.window
    return [w.text() for w in window.findChildren(QLabel)] + [w.text() for w in window.findChildren(QAbstractButton)]


def test_the_qr_screen_is_registered() -> None:
    assert FLOW_SCREENS[QrPaymentView] is QrPaymentScreen


def test_pay_through_the_screens_and_the_sandbox(world: World) -> None:
    hands, services = world.hands, world.services
    payments, his = services.payments, services.his
    assert payments is not None
    assert his is not None
    assert payments.sandbox is not None
    hands.choose("payment")
    hands.wait_for(IdentifyView)
    hands.panel.insert_id_card(1)  # 李四
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
    hands.tap("action_yes")
    listing = hands.wait_for(ListView)
    assert listing.items
    assert all(i.selected for i in listing.items)
    patient_id = hands.kiosk.runner.chart.session.flow.patient.id  # type: ignore[union-attr]
    unpaid = his.unpaid_bills(patient_id)
    assert {b.id for b in unpaid} >= {i.id for i in listing.items}
    assert len(listing.items) == 2  # the simulator seeds two visits' bills for each demo person
    left_out = listing.items[-1].id  # partial selection: leave the second visit's bill out
    screen = world.kiosk.window.current_screen()
    assert isinstance(screen, ListScreen)
    QTest.mouseClick(screen.rows[1], Qt.MouseButton.LeftButton)
    hands.wait_for(ListView, where=lambda v: not v.items[-1].selected)
    paying = [b for b in unpaid if b.id != left_out and b.id in {i.id for i in listing.items}]
    hands.tap("action_pay")
    qr = hands.wait_for(QrPaymentView)
    assert qr.amount == f"¥{sum(b.total_fen for b in paying) / 100:.2f}"
    screen = world.kiosk.window.current_screen()
    assert isinstance(screen, QrPaymentScreen)
    pixmap = screen.qr.pixmap()
    assert not pixmap.isNull()
    assert pixmap.width() >= 400
    assert screen.amount.text() == qr.amount
    assert "Time left" in screen.countdown.text()
    order_no = qr.payload.rsplit("/", 1)[-1]
    payments.sandbox.orders.decide(order_no, approve=True)  # the person on the sandbox page
    done = hands.wait_for(MessageView, timeout=20, where=lambda v: v.title.source == "Payment complete")
    number = done.body.args[1]
    [page] = world.printer.cut_pages()
    assert page.qr_codes == [number]
    assert all("李四" not in text for text in page.text)
    still_unpaid = {b.id for b in his.unpaid_bills(patient_id)}
    assert not still_unpaid & {b.id for b in paying}
    assert left_out in still_unpaid
    job = services.devices.print_jobs.get(f"payment-{order_no}")
    assert job is not None
    assert job.state is PrintJobState.PRINTED
    hands.tap("action_ok")
    hands.wait_for(GoodbyeView)
    world.kiosk.runner.post(HomeRequested())
    hands.wait_for(HomeView)
    hands.qapp.processEvents()
    assert [t for t in _texts(world) if "李" in t or order_no in t or number in t] == []
    assert screen.qr.pixmap().isNull()
    assert world.kiosk.runner.chart.session.flow is None


def test_decline_on_the_sandbox_page_charges_nothing(world: World) -> None:
    hands, services = world.hands, world.services
    payments = services.payments
    assert payments is not None
    assert payments.sandbox is not None
    hands.choose("payment")
    hands.wait_for(IdentifyView)
    hands.panel.insert_id_card(1)
    hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
    hands.tap("action_yes")
    hands.wait_for(ListView)
    hands.tap("action_pay")
    qr = hands.wait_for(QrPaymentView)
    started = time.monotonic()
    payments.sandbox.orders.decide(qr.payload.rsplit("/", 1)[-1], approve=False)
    view = hands.wait_for(MessageView, timeout=20, where=lambda v: "Nothing was charged" in v.body.source)
    assert time.monotonic() - started < 15
    assert view.title.source == "The payment was declined"
    hands.tap("action_stop")
    hands.wait_for(GoodbyeView)
    assert world.printer.cut_pages() == []


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("elderly", [False, True])
def test_the_qr_screen_fits_without_clipping(qapp: QApplication, demo_config: Config, size: str, elderly: bool) -> None:
    kiosk = build_kiosk(demo_config, qapp, flows={}, clock=FakeClock(), executor=ManualExecutor())
    kiosk.start(fullscreen=False, hide_cursor=False)
    try:
        window = kiosk.window
        window.resize(*SIZES[size])
        window.apply_preferences("en", elderly)
        view = QrPaymentView(
            STEP,
            Text("Scan to pay"),
            (Action("cancel", Text("Cancel payment")),),
            can_go_back=False,
            prompt=Text("Scan the code with your wallet app and confirm the payment of %1.", ("¥151.50",)),
            amount="¥151.50",
            payload="http://127.0.0.1:8765/pay/P20240506093000ABCDEF",
            deadline=time.monotonic() + 90,
        )
        window.show_view(view)
        window.show()
        for _ in range(3):
            qapp.processEvents()
        screen = window.current_screen()
        assert isinstance(screen, QrPaymentScreen)
        assert window.size().toTuple() == SIZES[size]
        assert find_clipped(window) == []
        assert screen.qr.isVisible()
        assert screen.qr.height() >= 400
        assert "1:" in screen.countdown.text()  # 1:29 or 1:30 left
        for widget in window.findChildren(QAbstractButton):
            if widget.isVisibleTo(window):
                assert widget.height() >= 96, widget.text()
        window.show_view(HomeView(()))
        qapp.processEvents()
        assert screen.qr.pixmap().isNull()
        assert screen.amount.text() == ""
    finally:
        kiosk.stop()


def test_leaving_while_the_code_is_shown_cancels_the_order() -> None:
    payments = ScriptedPayments(outcomes=[OutcomeKind.CANCELLED])
    held: list[RunJob] = []
    step, _ = make_step(payments, held)  # waiting: the QR is on screen
    [cancel] = step.abandon()
    assert isinstance(cancel, RunJob)
    cancel.call()
    assert payments.cancelled == ["P1"]


def test_leaving_after_the_payment_ended_cancels_nothing() -> None:
    payments = ScriptedPayments()
    held: list[RunJob] = []
    step, _ = make_step(payments, held)
    run_jobs(step, step.handle(finish(held[0])))
    assert step.settled
    assert step.abandon() == []
