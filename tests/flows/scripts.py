"""Scripted ports the flow chart tests share: payments, a receipt printer, a finished future."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from kiosk.devices.escpos_printer import PrintOutcome
from kiosk.devices.jobs import InMemoryPrintJobStore
from kiosk.devices.receipt import Receipt
from kiosk.devices.status import READY
from kiosk.domain import Bill
from kiosk.payments.providers import Interaction
from kiosk.payments.service import OutcomeKind, PaymentOutcome, PaymentTicket

QR = [("sandbox", Interaction.QR)]


def future(value: object) -> Future[Any]:
    future: Future[Any] = Future()
    if isinstance(value, BaseException):
        future.set_exception(value)
    else:
        future.set_result(value)
    return future


@dataclass
class ScriptedPrinter:
    status: object = READY  # a DeviceStatus, or an exception the status check raises
    outcome: object = None  # None: printed; an exception: the print failed
    print_jobs: InMemoryPrintJobStore = field(default_factory=InMemoryPrintJobStore)
    printed: list[tuple[str, Receipt]] = field(default_factory=list)
    checks: int = 0

    def check_printer(self, *, ttl: float = 5.0) -> Future[Any]:
        self.checks += 1
        return future(self.status)

    def print_receipt(self, receipt: Receipt, *, job_id: str, ttl: float = 60.0) -> Future[Any]:
        self.printed.append((job_id, receipt))
        if isinstance(self.outcome, BaseException):
            self.print_jobs.mark_failed(job_id, str(self.outcome))
            return future(self.outcome)
        self.print_jobs.mark_printed(job_id)
        return future(PrintOutcome(job_id, printed=True))


@dataclass
class ScriptedPayments:
    """Answers like the PaymentsService; ``opens``: None (a ticket) or an exception; ``outcomes``:
    an OutcomeKind or an exception, in order."""

    providers: list[tuple[str, Interaction]] = field(default_factory=lambda: list(QR))
    opens: list[object] = field(default_factory=list)
    outcomes: list[object] = field(default_factory=list)
    opened: list[tuple[str, tuple[str, ...], int, str | None]] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)

    def provider_names(self) -> list[tuple[str, Interaction]]:
        return list(self.providers)

    def open_payment(
        self, provider: str, patient_id: str, bills: Sequence[Bill], amount_fen: int, *, auth_code: str | None = None
    ) -> PaymentTicket:
        assert patient_id == "p1"
        self.opened.append((provider, tuple(b.id for b in bills), amount_fen, auth_code))
        answer = self.opens.pop(0) if self.opens else None
        if isinstance(answer, BaseException):
            raise answer
        kind = dict(self.providers)[provider]
        payload = f"http://sandbox/pay/P{len(self.opened)}" if kind is Interaction.QR else ""
        return PaymentTicket(f"P{len(self.opened)}", provider, kind, amount_fen, payload, 60.0)

    def await_payment(self, payment_id: str) -> PaymentOutcome:
        answer = self.outcomes.pop(0) if self.outcomes else OutcomeKind.SETTLED
        if isinstance(answer, BaseException):
            raise answer
        assert isinstance(answer, OutcomeKind)
        amount = self.opened[-1][2]
        number = "R-001" if answer is OutcomeKind.SETTLED else None
        return PaymentOutcome(payment_id, answer, amount, receipt_number=number)

    def cancel_payment(self, payment_id: str) -> None:
        self.cancelled.append(payment_id)
