"""Payment (缴费): unpaid bills → choose → printer check → pay (the PayStep) → receipt → done.

Step 1 is the shared Identify chart (see patient_flow.py). Once the patient has confirmed who
they are, :class:`Payment` takes over:

    state             event                   guard              → target           effects
    ----------------  ----------------------  -----------------  -----------------  --------------------------------
    loading           loaded(bills)           any unpaid         choosing           one row a bill, all selected
    loading           loaded(bills)           none               no_bills           say so
    loading           load_failed(error)                         load_down          try again (code for staff)
    load_down         retry                                      loading            the same lookup again
    no_bills          ok                                         finished
    choosing          page(delta)             that page exists   choosing           the list's other page
    choosing          pick(id)                a listed bill      choosing           select / unselect it, new total
    choosing          pay                     no payments        unavailable        pay at the counter
    choosing          pay                     any selected       checking_printer   ask the receipt printer (worker)
    unavailable       ok                                         finished
    checking_printer  printer_ready                              paying             the PayStep begins
    checking_printer  printer_unusable                           no_printer         pay without a receipt, or stop
    no_printer        no_receipt                                 paying             (receipt from the counter)
    no_printer        stop                                       finished
    no_printer        back                                       choosing
    paying            (any event)                                paying             passed to the PayStep
    paying            pay_settled             receipt wanted     printing           record the job, print the receipt
    paying            pay_settled             no receipt         done
    paying            pay_back                                   choosing           the patient went back from the step
    paying            pay_ended                                  finished           not paid / refunded / recorded: told
    printing          printed                                    done
    printing          print_failed                               done               paid; the job kept for reprint
    done              ok                                         finished
    finished          (final: FlowDone; the session shows goodbye and wipes everything)

The PayStep's own table is in pay.py. HIS down while loading takes no money (nothing is opened
before the bills are known). Cancel (Home), the idle timeout and card removal belong to the
session and PatientFlow. Runs on the flow thread, imports no Qt; jobs block on device futures
with timeouts on workers. Nothing here logs a name, a bill's items or an amount.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from statemachine import State

from kiosk.devices.escpos_printer import PrintOutcome
from kiosk.devices.receipt import Receipt, ReceiptItem, ReceiptTotal
from kiosk.devices.status import DeviceStatus, StatusFlag
from kiosk.domain import Bill, Patient, format_fen
from kiosk.errors import QT_TRANSLATE_NOOP, KioskError, ServiceUnavailableError
from kiosk.flows.chart import Incoming
from kiosk.flows.context import FlowContext
from kiosk.flows.effects import Effect, RunJob, Show
from kiosk.flows.events import FlowEvent, JobFinished
from kiosk.flows.patient_flow import PatientFlow
from kiosk.flows.pay import PayingChart, Payments, PayStep, yuan
from kiosk.flows.printer_check import TicketPrinter, check_receipt_printer, print_kept, printer_verdict
from kiosk.flows.service import PAGE_SIZE, FlowDone, Preferences
from kiosk.flows.views import Action, BusyView, ListItem, ListView, MessageView, Step, Text
from kiosk.his.gateway import HisGateway
from kiosk.payments.service import PaymentOutcome

log = logging.getLogger(__name__)

STEPS = 4  # identify, choose the bills, pay, the receipt
ITEMS_IN_SUMMARY = 3  # a row names this many items of its bill, then "+n"


class Job(StrEnum):
    """Background jobs of this chart (dotted names, so ``match`` compares instead of capturing)."""

    LOAD = "payment.load"
    PRINTER = "payment.printer"
    PRINT = "payment.print"


OK = Action("ok", Text(QT_TRANSLATE_NOOP("flows", "Done")), primary=True)
RETRY = Action("retry", Text(QT_TRANSLATE_NOOP("flows", "Try again")), primary=True)
NO_RECEIPT = Action("no_receipt", Text(QT_TRANSLATE_NOOP("flows", "Pay without a receipt")), primary=True)
STOP = Action("stop", Text(QT_TRANSLATE_NOOP("flows", "Stop")))
ONE_MOMENT = Text(QT_TRANSLATE_NOOP("flows", "One moment"))
HIS_DOWN = Text(
    QT_TRANSLATE_NOOP(
        "flows",
        "The hospital system is not answering, and nothing was charged. "
        "Try again, or go to the counter if it keeps failing.",
    )
)


class Payment(PayingChart):
    loading = State(initial=True)
    load_down = State()
    no_bills = State()
    choosing = State()
    unavailable = State()
    checking_printer = State()
    no_printer = State()
    paying = State()
    printing = State()
    done = State()
    finished = State(final=True)

    loaded = loading.to(choosing, cond="any_bills") | loading.to(no_bills)
    load_failed = loading.to(load_down)
    retry = load_down.to(loading)
    page = choosing.to.itself(internal=True, cond="page_exists")  # type: ignore[no-untyped-call]
    pick = choosing.to.itself(internal=True, cond="listed")  # type: ignore[no-untyped-call]
    pay = choosing.to(unavailable, cond="no_payments") | choosing.to(checking_printer, cond="any_selected")
    printer_ready = checking_printer.to(paying)
    printer_unusable = checking_printer.to(no_printer)
    no_receipt = no_printer.to(paying)
    stop = no_printer.to(finished)
    back = no_printer.to(choosing)
    pay_settled = paying.to(printing, cond="receipt_wanted") | paying.to(done)
    pay_back = paying.to(choosing)
    pay_ended = paying.to(finished)
    printed = printing.to(done)
    print_failed = printing.to(done)
    ok = no_bills.to(finished) | unavailable.to(finished) | done.to(finished)

    def __init__(
        self,
        patient: Patient,
        his: HisGateway,
        printer: TicketPrinter,
        payments: Payments | None,
        *,
        step: Callable[[int], Step],
        now: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = datetime.now,
        page_size: int = PAGE_SIZE,
    ) -> None:
        self._patient = patient
        self._his = his
        self._printer = printer
        self._payments = payments
        self._step = step
        self._page_size = page_size
        self._now = now
        self._wall = wall
        self._bills: tuple[Bill, ...] = ()
        self._selected: set[str] = set()
        self._page = 0
        self._receipt_wanted = True
        self._receipt_printed = False
        self._printer_status: DeviceStatus | None = None
        self._error: BaseException | None = None
        super().__init__()  # enters "loading", which asks the HIS

    def begin(self) -> list[Effect]:
        return self.take()

    # -- routing ---------------------------------------------------------------------------------

    def route(self, event: Incoming) -> tuple[str | None, dict[str, Any]]:
        match event:
            case FlowEvent(name="pick", value=str(bill_id)):
                return "pick", {"bill_id": bill_id}
            case FlowEvent(name="page", value=int(delta)):
                return "page", {"delta": delta}
            case FlowEvent(name=("ok" | "back" | "retry" | "stop" | "pay" | "no_receipt") as name):
                return name, {}
            case JobFinished(name=Job.LOAD, result=list(bills), error=None):
                return "loaded", {"bills": bills}
            case JobFinished(name=Job.LOAD, error=error) if error is not None:
                return "load_failed", {"error": error}
            case JobFinished(name=Job.PRINTER, result=result, error=error):
                return printer_verdict(result, error)
            case JobFinished(name=Job.PRINT, result=PrintOutcome(printed=True), error=None):
                return "printed", {}
            case JobFinished(name=Job.PRINT, error=error):
                return "print_failed", {"error": error}
        return None, {}

    # -- guards ----------------------------------------------------------------------------------

    def any_bills(self, bills: Sequence[Bill]) -> bool:
        return bool(bills)

    def page_exists(self, delta: int) -> bool:
        return 0 <= self._page + delta < self._pages()

    def listed(self, bill_id: str) -> bool:
        return any(b.id == bill_id for b in self._bills)

    def no_payments(self) -> bool:
        return self._payments is None or not self._payments.provider_names()

    def any_selected(self) -> bool:
        return bool(self._chosen())

    def receipt_wanted(self) -> bool:
        return self._receipt_wanted

    # -- actions ---------------------------------------------------------------------------------

    def on_enter_loading(self) -> None:
        his, patient_id = self._his, self._patient.id
        self.emit(Show(self._busy(2, Text(QT_TRANSLATE_NOOP("flows", "Looking up your unpaid bills…")))))
        self.emit(RunJob(Job.LOAD, lambda: list(his.unpaid_bills(patient_id))))

    def on_loaded(self, bills: Sequence[Bill]) -> None:
        # Grouped by visit: the visit's date, then the visit, then the bill.
        self._bills = tuple(sorted(bills, key=lambda b: (b.visit_date or datetime.min.date(), b.visit_id or "", b.id)))
        self._selected = {b.id for b in self._bills}
        self._page = 0
        log.info("payment: %d unpaid bill(s)", len(self._bills))

    def on_load_failed(self, error: BaseException) -> None:
        log.warning("payment: could not load the unpaid bills: %s", error)
        self._error = error

    def on_enter_load_down(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Please wait"))
        self.emit(Show(self._message(2, title, HIS_DOWN, (RETRY,), tone="warning", code=self._code())))

    def on_enter_no_bills(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Nothing to pay"))
        body = Text(QT_TRANSLATE_NOOP("flows", "You have no unpaid bills. There is nothing to pay today."))
        self.emit(Show(self._message(2, title, body, (OK,))))

    def on_enter_choosing(self) -> None:
        self.pay_step = None
        self._receipt_wanted = True
        self._show_list()

    def on_page(self, delta: int) -> None:
        self._page += delta
        self._show_list()

    def on_pick(self, bill_id: str) -> None:
        self._selected ^= {bill_id}
        self._show_list()

    def on_enter_unavailable(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Payment is not available here"))
        body = Text(QT_TRANSLATE_NOOP("flows", "This kiosk cannot take payments right now. Please pay at the counter."))
        self.emit(Show(self._message(3, title, body, (OK,), tone="warning")))

    def on_enter_checking_printer(self) -> None:
        printer = self._printer
        self.emit(Show(self._busy(3, Text(QT_TRANSLATE_NOOP("flows", "Checking the receipt printer…")))))
        self.emit(check_receipt_printer(Job.PRINTER, printer))

    def on_printer_unusable(self, status: DeviceStatus | None, error: BaseException | None) -> None:
        self._printer_status = status
        log.warning("payment: receipt printer not usable: %s", status.describe() if status else error)

    def on_enter_no_printer(self) -> None:
        status = self._printer_status
        if status is not None and StatusFlag.PAPER_OUT in status.flags:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "The receipt printer has run out of paper. You can still pay here and get your receipt "
                    "at the counter afterwards, or stop and pay at the counter.",
                )
            )
        else:
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "The receipt printer is not working right now. You can still pay here and get your receipt "
                    "at the counter afterwards, or stop and pay at the counter.",
                )
            )
        title = Text(QT_TRANSLATE_NOOP("flows", "No receipt can be printed"))
        view = MessageView(self._step(3), title, (NO_RECEIPT, STOP), can_go_back=True, body=body, tone="warning")
        self.emit(Show(view))

    def on_no_receipt(self) -> None:
        self._receipt_wanted = False

    def on_enter_paying(self) -> None:
        payments = self._payments
        if payments is None:
            return
        chosen = self._chosen()
        self.outcome = None
        self.pay_step = PayStep(
            payments,
            self._patient.id,
            chosen,
            sum(b.total_fen for b in chosen),
            step=self._step(3),
            now=self._now,
            page_size=self._page_size,
        )
        for effect in self.pay_step.begin():
            self.emit(effect)

    def on_enter_printing(self) -> None:
        outcome = self.outcome
        if outcome is None:
            return
        printer, receipt, job_id = self._printer, self._receipt(outcome), f"payment-{outcome.payment_id}"
        self.emit(Show(self._busy(4, Text(QT_TRANSLATE_NOOP("flows", "Printing your receipt…")))))
        self.emit(RunJob(Job.PRINT, lambda: print_kept(printer, receipt, job_id)))

    def on_printed(self) -> None:
        self._receipt_printed = True

    def on_print_failed(self, error: BaseException | None) -> None:
        # The payment stands; the job stays in the print job store for staff to reprint.
        log.warning("payment: receipt for %s not printed, kept for reprint: %s", self._reference(), error)

    def on_enter_done(self) -> None:
        outcome = self.outcome
        if outcome is None:
            return
        paid, number = yuan(outcome.amount_fen), outcome.receipt_number or outcome.payment_id
        if self._receipt_printed:
            title = Text(QT_TRANSLATE_NOOP("flows", "Payment complete"))
            body = Text(
                QT_TRANSLATE_NOOP("flows", "You paid %1. Please take your receipt. Receipt number: %2"), (paid, number)
            )
        elif self._receipt_wanted:  # wanted, but the printer failed: the job waits in the store for staff
            title = Text(QT_TRANSLATE_NOOP("flows", "Paid, receipt not printed"))
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "You paid %1 and your bills are settled. The receipt could not be printed: "
                    "the counter can print it for you. Receipt number: %2",
                ),
                (paid, number),
            )
        else:
            title = Text(QT_TRANSLATE_NOOP("flows", "Paid without a printed receipt"))
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows",
                    "You paid %1 and your bills are settled. Get your receipt at the counter. Receipt number: %2",
                ),
                (paid, number),
            )
        self.emit(Show(MessageView(self._step(4), title, (OK,), can_go_back=False, body=body)))

    def on_enter_finished(self) -> None:
        self.pay_step = None
        self.emit(FlowDone())

    # -- views -----------------------------------------------------------------------------------

    def _show_list(self) -> None:
        first = self._page * self._page_size
        items = tuple(self._item(b) for b in self._bills[first : first + self._page_size])
        chosen = self._chosen()
        total = yuan(sum(b.total_fen for b in chosen))
        actions: tuple[Action, ...] = ()
        if chosen:
            actions = (Action("pay", Text(QT_TRANSLATE_NOOP("flows", "Pay %1"), (total,)), primary=True),)
        summary = Text(
            QT_TRANSLATE_NOOP("flows", "Total %1 (%2 of %3 bills)"), (total, str(len(chosen)), str(len(self._bills)))
        )
        view = ListView(
            self._step(2),
            Text(QT_TRANSLATE_NOOP("flows", "Your unpaid bills")),
            actions,
            can_go_back=False,
            prompt=Text(QT_TRANSLATE_NOOP("flows", "All bills are selected. Tap a bill to leave it out or add it.")),
            items=items,
            multi=True,
            page=self._page,
            pages=self._pages(),
            summary=summary,
        )
        self.emit(Show(view))

    def _item(self, bill: Bill) -> ListItem:
        day = bill.visit_date.isoformat() if bill.visit_date else "-"
        title = Text(QT_TRANSLATE_NOOP("flows", "%1 · %2"), (day, bill.department_name or "-"))
        names = [i.name for i in bill.items]
        summary = "、".join(names[:ITEMS_IN_SUMMARY])
        if len(names) > ITEMS_IN_SUMMARY:
            summary += f" +{len(names) - ITEMS_IN_SUMMARY}"
        detail = Text(QT_TRANSLATE_NOOP("flows", "%1 · %2"), (summary, yuan(bill.total_fen)))
        return ListItem(bill.id, title, detail, selected=bill.id in self._selected)

    def _busy(self, step: int, body: Text) -> BusyView:
        return BusyView(self._step(step), ONE_MOMENT, can_go_back=False, body=body)

    def _message(
        self,
        step: int,
        title: Text,
        body: Text,
        actions: tuple[Action, ...],
        *,
        tone: str = "info",
        code: int | None = None,
    ) -> MessageView:
        return MessageView(self._step(step), title, actions, can_go_back=False, body=body, tone=tone, code=code)

    # -- helpers ---------------------------------------------------------------------------------

    def _chosen(self) -> tuple[Bill, ...]:
        return tuple(b for b in self._bills if b.id in self._selected)

    def _pages(self) -> int:
        return max(1, math.ceil(len(self._bills) / self._page_size))

    def _reference(self) -> str:
        return self.outcome.payment_id if self.outcome is not None else "-"

    def _code(self) -> int | None:
        error = self._error
        if isinstance(error, KioskError):
            return error.code
        return ServiceUnavailableError.code if error is not None else None

    def _receipt(self, outcome: PaymentOutcome) -> Receipt:
        """The payment receipt, in the hospital's language: the bills' items, the total, the number."""
        chosen = self._chosen()
        items = tuple(
            ReceiptItem(item.name, item.amount_fen, _quantity(item.quantity)) for bill in chosen for item in bill.items
        )
        number = outcome.receipt_number
        fields = [("缴费时间", f"{self._wall():%Y-%m-%d %H:%M}"), ("支付流水号", outcome.payment_id)]
        if number:
            fields.insert(0, ("票据号", number))
        return Receipt(
            title="门诊缴费凭条",
            subtitle="缴费成功",
            patient_masked=self._patient.masked_name,
            fields=tuple(fields),
            items=items,
            totals=(ReceiptTotal("合计", outcome.amount_fen, emphasis=True),),
            qr=number or outcome.payment_id,
            qr_caption=f"电子票据号 {number}" if number else f"支付流水号 {outcome.payment_id}",
            footer=("请妥善保管本凭条", f"金额 {format_fen(outcome.amount_fen)} 元"),
        )


def _quantity(quantity: Any) -> int:
    """A receipt counts whole pieces; a fractional quantity (2.5 g) prints as one line item."""
    try:
        whole = int(quantity)
    except (TypeError, ValueError):
        return 1
    return whole if whole >= 1 and whole == quantity else 1


class PaymentFlow(PatientFlow):
    """The payment service: identify, then the :class:`Payment` chart. Runs on the flow thread."""

    service = "payment"
    steps = STEPS

    def __init__(
        self,
        context: FlowContext,
        preferences: Preferences | None = None,
        *,
        now: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(context, preferences)
        zone = ZoneInfo(context.config.his.timezone)
        self._now = now
        self._wall = wall if wall is not None else (lambda: datetime.now(zone))
        self.chart: Payment | None = None

    def end(self) -> Sequence[Effect]:
        """The session is ending before the flow did: cancel a payment still open."""
        step = self.chart.pay_step if self.chart is not None else None
        return step.abandon() if step is not None else []

    def after_identify(self, patient: Patient) -> Sequence[Effect]:
        self.chart = Payment(
            patient,
            self.context.his,
            self.context.devices,
            self.context.services.payments,
            step=self.step,
            now=self._now,
            wall=self._wall,
            page_size=self.preferences.page_size,
        )
        return self.chart.begin()
