"""The pay step: a reusable chart that takes one payment for a set of bills (payment, registration).

The parent flow builds a :class:`PayStep` with the payments service, the patient, the bills and
the amount, shows its first screen with ``begin()``, passes it every event while paying, and
reads ``outcome`` once ``finished`` is true (``backed_out``: the patient went back before any
order was opened).

    state         event                 guard                    → target        effects
    ------------  --------------------  -----------------------  --------------  ----------------------------------
    start         start                 several providers        choosing        list of the payment methods
    start         start                 one, payment code        waiting_code    "show your payment code"
    start         start                 one provider             opening         open the order (worker)
    choosing      page(delta)           that page exists         choosing        the other page of methods
    choosing      pick(provider)        known, payment code      waiting_code    "show your payment code"
    choosing      pick(provider)        known                    opening         open the order (worker)
    choosing      back                                           ended           backed_out (the parent goes back)
    waiting_code  code_scanned(code)                             opening         open with the code (never logged)
    waiting_code  back                  several providers        choosing
    waiting_code  back                                           ended           backed_out
    opening       opened(ticket)                                 waiting         QR / card / code screen; await (worker)
    opening       open_failed(error)                             open_down       nothing charged, code for staff
    open_down,
    not_paid      again                 several providers        choosing
    open_down,
    not_paid      again                 one, payment code        waiting_code
    open_down,
    not_paid      again                                          opening
    open_down,
    not_paid      stop                                           ended
    waiting       stage(stage)                                   waiting         the card terminal's next step
    waiting       cancel                                         cancelling      "cancelling…"; cancel_payment (worker)
    waiting,
    cancelling    awaited(outcome)      settled                  paid            (final: outcome settled)
    waiting,
    cancelling    awaited(outcome)      declined/cancelled/exp.  not_paid        nothing charged: pay again or stop
    waiting,
    cancelling    awaited(outcome)      refunded                 returned        the bills changed: money returned
    waiting,
    cancelling    awaited(outcome)      otherwise                recorded        recorded, staff finish it (reference)
    returned,
    recorded      ok                                             ended
    paid, ended   (final)

``awaited`` also comes when ``await_payment`` raised (outcome None): that is treated as
recorded, since the kiosk cannot tell whether money moved; the resolver finishes it. The
payment service ends an unpaid order at its deadline itself, so the chart keeps no timer; the
QR screen's countdown is display only. Runs on the flow thread, imports no Qt, never logs a
name or a payment code.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, Protocol

from statemachine import State

from kiosk.devices.events import QrScanned, ScanKind, TerminalStage, TerminalStageChanged
from kiosk.domain import Bill, format_fen
from kiosk.errors import QT_TRANSLATE_NOOP, KioskError, ServiceUnavailableError
from kiosk.flows.chart import FlowChart, Incoming
from kiosk.flows.effects import Effect, RunJob, Show
from kiosk.flows.events import FlowEvent, JobFinished
from kiosk.flows.service import PAGE_SIZE
from kiosk.flows.views import Action, BusyView, FlowView, ListItem, ListView, MessageView, QrPaymentView, Step, Text
from kiosk.payments.errors import PaymentsRefused
from kiosk.payments.providers import Interaction
from kiosk.payments.service import OutcomeKind, PaymentOutcome, PaymentTicket

log = logging.getLogger(__name__)

NOTHING_CHARGED = frozenset({OutcomeKind.DECLINED, OutcomeKind.CANCELLED, OutcomeKind.EXPIRED})


class Job(StrEnum):
    """Background jobs of the pay step (dotted names, so ``match`` compares instead of capturing)."""

    OPEN = "pay.open"
    AWAIT = "pay.await"
    CANCEL = "pay.cancel"


class Payments(Protocol):
    """What the pay step needs from the PaymentsService (a script in tests)."""

    def provider_names(self) -> list[tuple[str, Interaction]]: ...

    def open_payment(
        self,
        provider: str,
        patient_id: str,
        bills: Sequence[Bill],
        amount_fen: int,
        *,
        auth_code: str | None = None,
    ) -> PaymentTicket: ...

    def await_payment(self, payment_id: str) -> PaymentOutcome: ...

    def cancel_payment(self, payment_id: str) -> None: ...


CANCEL = Action("cancel", Text(QT_TRANSLATE_NOOP("flows", "Cancel payment")))
AGAIN = Action("again", Text(QT_TRANSLATE_NOOP("flows", "Pay again")), primary=True)
STOP = Action("stop", Text(QT_TRANSLATE_NOOP("flows", "Stop")))
OK = Action("ok", Text(QT_TRANSLATE_NOOP("flows", "Done")), primary=True)
ONE_MOMENT = Text(QT_TRANSLATE_NOOP("flows", "One moment"))

METHOD_TITLES = {
    Interaction.QR: Text(QT_TRANSLATE_NOOP("flows", "Scan a QR code with your phone")),
    Interaction.SCAN_CODE: Text(QT_TRANSLATE_NOOP("flows", "Show your payment code")),
    Interaction.CARD: Text(QT_TRANSLATE_NOOP("flows", "Bank card")),
}
NOT_PAID_TITLES = {
    OutcomeKind.DECLINED: Text(QT_TRANSLATE_NOOP("flows", "The payment was declined")),
    OutcomeKind.CANCELLED: Text(QT_TRANSLATE_NOOP("flows", "Payment cancelled")),
    OutcomeKind.EXPIRED: Text(QT_TRANSLATE_NOOP("flows", "Time ran out")),
}
CARD_STAGES = {
    TerminalStage.ENTER_PIN: QT_TRANSLATE_NOOP("flows", "Enter your PIN on the card terminal. Amount: %1"),
    TerminalStage.PROCESSING: QT_TRANSLATE_NOOP("flows", "Processing the payment, please wait. Amount: %1"),
    TerminalStage.REMOVE_CARD: QT_TRANSLATE_NOOP("flows", "Please take your card from the terminal. Amount: %1"),
}


def yuan(fen: int) -> str:
    return f"¥{format_fen(fen)}"


class PayStep(FlowChart):
    start = State(initial=True)
    choosing = State()
    waiting_code = State()
    opening = State()
    open_down = State()
    waiting = State()
    cancelling = State()
    not_paid = State()
    returned = State()
    recorded = State()
    paid = State(final=True)
    ended = State(final=True)

    begin_step = start.to(choosing, cond="several") | start.to(waiting_code, cond="code_first") | start.to(opening)
    page = choosing.to.itself(internal=True, cond="page_exists")  # type: ignore[no-untyped-call]
    pick = choosing.to(waiting_code, cond=["known", "code_provider"]) | choosing.to(opening, cond="known")
    code_scanned = waiting_code.to(opening)
    opened = opening.to(waiting)
    open_failed = opening.to(open_down)
    again = (
        open_down.to(choosing, cond="several")
        | open_down.to(waiting_code, cond="code_first")
        | open_down.to(opening)
        | not_paid.to(choosing, cond="several")
        | not_paid.to(waiting_code, cond="code_first")
        | not_paid.to(opening)
    )
    stop = open_down.to(ended) | not_paid.to(ended)
    back = (
        choosing.to(ended, on="backing_out")
        | waiting_code.to(choosing, cond="several")
        | waiting_code.to(ended, on="backing_out")
    )
    stage = waiting.to.itself(internal=True)  # type: ignore[no-untyped-call]
    cancel = waiting.to(cancelling)
    awaited = (
        waiting.to(paid, cond="is_settled")
        | waiting.to(not_paid, cond="nothing_charged")
        | waiting.to(returned, cond="is_refunded")
        | waiting.to(recorded)
        | cancelling.to(paid, cond="is_settled")
        | cancelling.to(not_paid, cond="nothing_charged")
        | cancelling.to(returned, cond="is_refunded")
        | cancelling.to(recorded)
    )
    ok = returned.to(ended) | recorded.to(ended)

    def __init__(
        self,
        payments: Payments,
        patient_id: str,
        bills: Sequence[Bill],
        amount_fen: int,
        *,
        step: Step,
        now: Callable[[], float],
        returned: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        """``returned``: the sentence (QT_TRANSLATE_NOOP'd, %1 = the reference) that tells the
        patient why the HIS refused a payment the channel took, which is then refunded.
        ``page_size``: payment methods on one page of their list (four in elderly mode)."""
        self._payments = payments
        self._page_size = page_size
        self._page = 0
        self._returned = returned
        self._patient_id = patient_id
        self._bills = tuple(bills)
        self._amount_fen = amount_fen
        self._step = step
        self._now = now
        self._providers = dict(payments.provider_names())
        self._provider = next(iter(self._providers), "")
        self._auth_code: str | None = None
        self._ticket: PaymentTicket | None = None
        self._stage: TerminalStage | None = None
        self._error: BaseException | None = None
        self.outcome: PaymentOutcome | None = None
        self.backed_out = False
        super().__init__()

    def abandon(self) -> list[Effect]:
        """The patient left mid-payment (Home, idle timeout, card taken): close the open order so
        nothing is charged after they walked away. Paid meanwhile: it settles as usual."""
        ticket, payments = self._ticket, self._payments
        if ticket is None or self.current_state_value not in ("opening", "waiting", "cancelling"):
            return []
        log.info("pay: payment %s abandoned by the patient; cancelling", ticket.payment_id)
        return [RunJob(Job.CANCEL, lambda: payments.cancel_payment(ticket.payment_id))]

    def begin(self) -> list[Effect]:
        self.send("begin_step")
        return self.take()

    @property
    def payment_id(self) -> str | None:
        """The order opened last, if any (it may still be open)."""
        return self._ticket.payment_id if self._ticket is not None else None

    @property
    def finished(self) -> bool:
        return self.current_state_value in ("paid", "ended")

    @property
    def settled(self) -> bool:
        return self.outcome is not None and self.outcome.kind is OutcomeKind.SETTLED

    # -- routing ---------------------------------------------------------------------------------

    def route(self, event: Incoming) -> tuple[str | None, dict[str, Any]]:
        match event:
            case FlowEvent(name="pick", value=str(provider)):
                return "pick", {"provider": provider}
            case FlowEvent(name="page", value=int(delta)):
                return "page", {"delta": delta}
            case FlowEvent(name=("again" | "stop" | "back" | "cancel" | "ok") as name):
                return name, {}
            case QrScanned(kind=ScanKind.PAYMENT_CODE, payload=str(code)) if code:
                return "code_scanned", {"code": code}
            case TerminalStageChanged(stage=stage):
                return "stage", {"stage": stage}
            case JobFinished(name=Job.OPEN, result=PaymentTicket() as ticket, error=None):
                return "opened", {"ticket": ticket}
            case JobFinished(name=Job.OPEN, error=error):
                return "open_failed", {"error": error}
            case JobFinished(name=Job.AWAIT, result=PaymentOutcome() as outcome, error=None):
                if self._ticket is None or outcome.payment_id != self._ticket.payment_id:
                    return None, {}  # an earlier attempt's late answer
                return "awaited", {"outcome": outcome}
            case JobFinished(name=Job.AWAIT, error=error) if error is not None:
                return "awaited", {"outcome": None, "error": error}
            case JobFinished(name=Job.CANCEL, error=error) if error is not None:
                log.warning("pay: cancel request failed (the payment still ends by its deadline): %s", error)
        return None, {}

    # -- guards ----------------------------------------------------------------------------------

    def several(self) -> bool:
        return len(self._providers) > 1

    def code_first(self) -> bool:
        return self._providers.get(self._provider) is Interaction.SCAN_CODE

    def page_exists(self, delta: int) -> bool:
        return 0 <= self._page + delta < self._pages()

    def known(self, provider: str) -> bool:
        return provider in self._providers

    def code_provider(self, provider: str) -> bool:
        return self._providers.get(provider) is Interaction.SCAN_CODE

    def is_settled(self, outcome: PaymentOutcome | None) -> bool:
        return outcome is not None and outcome.kind is OutcomeKind.SETTLED

    def nothing_charged(self, outcome: PaymentOutcome | None) -> bool:
        return outcome is not None and outcome.kind in NOTHING_CHARGED

    def is_refunded(self, outcome: PaymentOutcome | None) -> bool:
        return outcome is not None and outcome.kind is OutcomeKind.REFUNDED

    # -- actions ---------------------------------------------------------------------------------

    def backing_out(self) -> None:
        self.backed_out = True

    def on_enter_choosing(self) -> None:
        self._show_methods()

    def on_page(self, delta: int) -> None:
        self._page += delta
        self._show_methods()

    def on_pick(self, provider: str) -> None:
        self._provider = provider

    def on_enter_waiting_code(self) -> None:
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows", "Open the payment code in your wallet app and hold it under the scanner. Amount: %1"
            ),
            (self._amount(),),
        )
        title = Text(QT_TRANSLATE_NOOP("flows", "Pay with your payment code"))
        self.emit(Show(MessageView(self._step, title, (), can_go_back=True, body=body)))

    def on_code_scanned(self, code: str) -> None:
        self._auth_code = code  # used once by the open job, then forgotten

    def on_enter_opening(self) -> None:
        payments, provider, patient_id = self._payments, self._provider, self._patient_id
        bills, amount, code = self._bills, self._amount_fen, self._auth_code
        self._auth_code = None
        self._ticket = None
        self.outcome = None
        self.emit(Show(self._busy(Text(QT_TRANSLATE_NOOP("flows", "Starting the payment…")))))
        self.emit(RunJob(Job.OPEN, lambda: payments.open_payment(provider, patient_id, bills, amount, auth_code=code)))

    def on_opened(self, ticket: PaymentTicket) -> None:
        self._ticket = ticket
        self._stage = None
        log.info("pay: payment %s opened (%s)", ticket.payment_id, ticket.interaction)

    def on_open_failed(self, error: BaseException | None) -> None:
        self._error = error
        log.warning("pay: opening a payment failed: %s", error)

    def on_enter_open_down(self) -> None:
        if isinstance(self._error, PaymentsRefused):
            # The journal cannot vouch for payments: trying again here cannot help.
            title = Text(QT_TRANSLATE_NOOP("flows", "Payments are not available at this kiosk"))
            body = Text(
                QT_TRANSLATE_NOOP(
                    "flows", "Nothing was charged, and your bills are still unpaid. Please pay at the service counter."
                )
            )
            self.emit(Show(self._message(title, body, (STOP,), tone="warning", code=self._code())))
            return
        title = Text(QT_TRANSLATE_NOOP("flows", "The payment could not be started"))
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows",
                "Nothing was charged, and your bills are still unpaid. Try again, or pay at the counter.",
            )
        )
        self.emit(Show(self._message(title, body, (AGAIN, STOP), tone="warning", code=self._code())))

    def on_enter_waiting(self) -> None:
        ticket, payments = self._ticket, self._payments
        if ticket is None:
            return
        self._show_waiting()
        self.emit(RunJob(Job.AWAIT, lambda: payments.await_payment(ticket.payment_id)))

    def on_stage(self, stage: TerminalStage) -> None:
        self._stage = stage
        self._show_waiting()

    def on_enter_cancelling(self) -> None:
        ticket, payments = self._ticket, self._payments
        if ticket is None:
            return
        body = Text(QT_TRANSLATE_NOOP("flows", "Cancelling the payment… This can take up to 15 seconds."))
        self.emit(Show(self._busy(body)))
        self.emit(RunJob(Job.CANCEL, lambda: payments.cancel_payment(ticket.payment_id)))

    def on_awaited(self, outcome: PaymentOutcome | None, error: BaseException | None = None) -> None:
        self.outcome = outcome
        reference = self._reference()
        if outcome is None:
            log.warning("pay: waiting for payment %s failed, left to the resolver: %s", reference, error)
        else:
            log.info("pay: payment %s ended %s", reference, outcome.kind)

    def on_enter_not_paid(self) -> None:
        kind = self.outcome.kind if self.outcome is not None else OutcomeKind.DECLINED
        title = NOT_PAID_TITLES.get(kind, NOT_PAID_TITLES[OutcomeKind.DECLINED])
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows", "Nothing was charged, and your bills are still unpaid. You can pay again, or stop."
            )
        )
        self.emit(Show(self._message(title, body, (AGAIN, STOP), tone="warning")))

    def on_enter_returned(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Your money is being returned"))
        body = Text(
            self._returned
            or QT_TRANSLATE_NOOP(
                "flows",
                "Your bills changed while you were paying, so the hospital could not record this payment. "
                "Your money is being returned to your account. Reference for staff: %1",
            ),
            (self._reference(),),
        )
        self.emit(Show(self._message(title, body, (OK,), tone="warning")))

    def on_enter_recorded(self) -> None:
        title = Text(QT_TRANSLATE_NOOP("flows", "Your payment is recorded"))
        body = Text(
            QT_TRANSLATE_NOOP(
                "flows",
                "The hospital system has not confirmed your payment yet. Staff will finish it: please do not "
                "pay again. For a receipt, go to the counter and give this reference: %1",
            ),
            (self._reference(),),
        )
        self.emit(Show(self._message(title, body, (OK,), tone="warning")))

    # -- views -----------------------------------------------------------------------------------

    def _show_methods(self) -> None:
        first = self._page * self._page_size
        shown = list(self._providers.items())[first : first + self._page_size]
        items = tuple(
            ListItem(
                name,
                METHOD_TITLES.get(kind, Text(QT_TRANSLATE_NOOP("flows", "Pay"))),
                Text(QT_TRANSLATE_NOOP("flows", "Provider: %1"), (name,)),
            )
            for name, kind in shown
        )
        view = ListView(
            self._step,
            Text(QT_TRANSLATE_NOOP("flows", "How would you like to pay?")),
            can_go_back=True,
            prompt=Text(QT_TRANSLATE_NOOP("flows", "Amount to pay: %1. Tap a payment method."), (self._amount(),)),
            items=items,
            page=self._page,
            pages=self._pages(),
        )
        self.emit(Show(view))

    def _show_waiting(self) -> None:
        ticket = self._ticket
        if ticket is None:
            return
        amount = self._amount()
        view: FlowView
        if ticket.interaction is Interaction.QR:
            view = QrPaymentView(
                self._step,
                Text(QT_TRANSLATE_NOOP("flows", "Scan to pay")),
                (CANCEL,),
                can_go_back=False,
                prompt=Text(
                    QT_TRANSLATE_NOOP("flows", "Scan the code with your wallet app and confirm the payment of %1."),
                    (amount,),
                ),
                amount=amount,
                payload=ticket.qr_payload,
                deadline=self._now() + ticket.deadline_s,
                timed=False,  # the order's own deadline ends it (see FlowView.timed)
            )
        elif ticket.interaction is Interaction.CARD:
            source = CARD_STAGES.get(self._stage) if self._stage is not None else None
            body = Text(
                source
                or QT_TRANSLATE_NOOP(
                    "flows", "Insert or tap your bank card at the card terminal and follow its instructions. Amount: %1"
                ),
                (amount,),
            )
            title = Text(QT_TRANSLATE_NOOP("flows", "Pay by bank card"))
            view = MessageView(self._step, title, (CANCEL,), can_go_back=False, body=body, timed=False)
        else:
            body = Text(
                QT_TRANSLATE_NOOP("flows", "If your wallet app asks you to confirm, please confirm there. Amount: %1"),
                (amount,),
            )
            title = Text(QT_TRANSLATE_NOOP("flows", "Taking the payment…"))
            view = MessageView(self._step, title, (CANCEL,), can_go_back=False, body=body, timed=False)
        self.emit(Show(view))

    def _busy(self, body: Text) -> BusyView:
        return BusyView(self._step, ONE_MOMENT, can_go_back=False, body=body)

    def _message(
        self, title: Text, body: Text, actions: tuple[Action, ...], *, tone: str = "info", code: int | None = None
    ) -> MessageView:
        return MessageView(self._step, title, actions, can_go_back=False, body=body, tone=tone, code=code)

    # -- helpers ---------------------------------------------------------------------------------

    def _amount(self) -> str:
        return yuan(self._amount_fen)

    def _pages(self) -> int:
        return max(1, math.ceil(len(self._providers) / self._page_size))

    def _reference(self) -> str:
        if self.outcome is not None:
            return self.outcome.payment_id
        return self._ticket.payment_id if self._ticket is not None else "-"

    def _code(self) -> int | None:
        error = self._error
        if isinstance(error, KioskError):
            return error.code
        return ServiceUnavailableError.code if error is not None else None


class PayingChart(FlowChart):
    """Base of a service chart with a ``paying`` state (payment, registration): while it pays,
    every event goes to its :class:`PayStep`; once the step finishes, the chart goes on with
    ``pay_settled``, ``pay_back``, ``pay_refunded`` (if the chart has it: the HIS refused the
    payment, which was returned) or ``pay_ended``. Flow thread."""

    def __init__(self) -> None:
        self.pay_step: PayStep | None = None
        self.outcome: PaymentOutcome | None = None
        super().__init__()

    def handle(self, event: Incoming) -> list[Effect]:
        step = self.pay_step
        if self.current_state_value != "paying" or step is None:
            return super().handle(event)
        effects = step.handle(event)
        if step.finished:
            self.outcome = step.outcome
            self.send(self._after_paying(step))
            effects.extend(self.take())
        return effects

    def _after_paying(self, step: PayStep) -> str:
        if step.settled:
            return "pay_settled"
        if step.backed_out:
            return "pay_back"
        refunded = step.outcome is not None and step.outcome.kind is OutcomeKind.REFUNDED
        if refunded and "pay_refunded" in {e.id for e in self.allowed_events}:
            return "pay_refunded"
        return "pay_ended"
