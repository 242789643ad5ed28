"""PaymentsService: takes a payment for a set of bills, settles it with the HIS, refunds when the
HIS refuses, and resolves every unfinished payment at start-up and periodically.

The API the flows use (all blocking calls belong on a worker thread, never the GUI thread)::

    ticket = payments.open_payment("wechat", patient_id, bills, amount_fen)       # worker thread
    #   -> PaymentTicket: payment_id, interaction (qr / scan_code / card), qr_payload, qr_png()
    outcome = payments.await_payment(ticket.payment_id)                              # worker thread
    #   -> PaymentOutcome.kind: settled | paid_unsettled | refunded | refund_pending |
    #      declined | cancelled | expired | unresolved
    payments.cancel_payment(ticket.payment_id)                                       # any thread
    payments.subscribe(post)   # PaymentUpdate(payment_id, state, detail) on every state change,
                               # delivered on the thread that made the change: wrap it in post()

``open_payment`` writes the ledger row first (write-ahead), then opens the order; it raises
PaymentRejected (amount or bills wrong), PaymentBusy (bills held by another payment, recovery
not finished, or an unresolved card transaction), ProviderUnavailable / ProviderRejected (the
channel). ``await_payment`` never raises for a channel or HIS failure: it returns the outcome, and
an ``unresolved`` or ``paid_unsettled`` payment is finished by the resolver (the patient is told
the payment is recorded and will be settled or refunded).

Threads: ``start()`` runs recovery (blocking, up to ``recovery_deadline_s``) and then starts the
resolver thread ("payments-resolver"); call it from a worker thread at start-up. ``stop()`` joins
the resolver. A per-payment lock keeps the resolver and a flow thread from driving the same
payment at once; the ledger's compare-and-set transitions make a lost race an IllegalTransition,
never a double action.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from kiosk.domain import Bill, Settlement
from kiosk.his.errors import HisAmbiguous, HisConflict, HisError, HisNotFound, HisRejected
from kiosk.his.gateway import HisGateway
from kiosk.payments.channel import ChannelOrder, OrderStatus
from kiosk.payments.errors import (
    IllegalTransition,
    PaymentBusy,
    PaymentsRefused,
    ProviderRejected,
    ProviderUnavailable,
    UnknownProvider,
)
from kiosk.payments.his_text import his_failure, his_reason
from kiosk.payments.ledger import (
    PaymentLedger,
    PaymentRecord,
    PaymentState,
    amount_mismatch,
    new_payment_id,
    refund_id_for,
)
from kiosk.payments.providers import Interaction, Provider, Waiter, qr_png, real_wait

log = logging.getLogger(__name__)
S = PaymentState
Probe = Callable[[str, str], None]


class OutcomeKind(StrEnum):
    SETTLED = "settled"  # paid and recorded by the HIS: print the receipt
    PAID_UNSETTLED = "paid_unsettled"  # paid; the HIS did not answer: the kiosk keeps settling
    REFUNDED = "refunded"  # the HIS refused the bills (paid elsewhere, changed): money returned
    REFUND_PENDING = "refund_pending"  # the refund is requested and will be retried
    DECLINED = "declined"  # the bank or wallet declined; nothing charged
    CANCELLED = "cancelled"  # the patient cancelled; nothing charged
    EXPIRED = "expired"  # not paid in time; the order is closed
    UNRESOLVED = "unresolved"  # the channel could not be reached: the resolver finishes it


_OUTCOME = {
    S.SETTLED: OutcomeKind.SETTLED,
    S.PAID: OutcomeKind.PAID_UNSETTLED,
    S.REFUNDED: OutcomeKind.REFUNDED,
    S.REFUND_PENDING: OutcomeKind.REFUND_PENDING,
    S.FAILED: OutcomeKind.DECLINED,
    S.CANCELLED: OutcomeKind.CANCELLED,
    S.EXPIRED: OutcomeKind.EXPIRED,
    S.CREATED: OutcomeKind.UNRESOLVED,
    S.PENDING: OutcomeKind.UNRESOLVED,
}


@dataclass(frozen=True)
class PaymentTicket:
    payment_id: str
    provider: str
    interaction: Interaction
    amount_fen: int
    qr_payload: str = ""  # scan-to-pay: what the QR code encodes (the sandbox page URL in the demo)
    deadline_s: float = 0.0  # how long the patient has, for a countdown

    def qr_png(self, box_size: int = 10) -> bytes:
        """PNG bytes of the QR code (empty payload: not a QR payment)."""
        if not self.qr_payload:
            raise ValueError("this payment has no QR code")
        return qr_png(self.qr_payload, box_size=box_size)


@dataclass(frozen=True)
class PaymentOutcome:
    payment_id: str
    kind: OutcomeKind
    amount_fen: int
    receipt_number: str | None = None  # the HIS's receipt / e-invoice number when settled
    reason: str = ""  # technician text (never shown raw to the patient)


@dataclass(frozen=True)
class PaymentUpdate:
    """Posted on every state change (e.g. pending -> paid: "payment received, recording it")."""

    payment_id: str
    state: PaymentState
    detail: str = ""


@dataclass(frozen=True)
class RecoveryReport:
    examined: int
    resolved: int
    unresolved: tuple[str, ...]
    seconds: float


@dataclass
class _Active:
    cancel: threading.Event
    lease_until: float
    opened_at: float = 0.0


@dataclass
class _Locks:
    lock: threading.Lock = field(default_factory=threading.Lock)
    by_payment: dict[str, threading.Lock] = field(default_factory=dict)

    def get(self, payment_id: str) -> threading.Lock:
        with self.lock:
            return self.by_payment.setdefault(payment_id, threading.Lock())

    def drop(self, payment_id: str) -> None:
        with self.lock:
            self.by_payment.pop(payment_id, None)


class PaymentsService:
    """The payments part as the flows see it. See the module docstring for threads."""

    def __init__(
        self,
        ledger: PaymentLedger,
        his: HisGateway,
        providers: Mapping[str, Provider],
        *,
        kiosk_id: str,
        timezone: str = "Asia/Shanghai",
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        wait: Waiter = real_wait,
        resolver_interval_s: float = 10.0,
        recovery_deadline_s: float = 60.0,
        probe: Probe | None = None,
        on_start: Callable[[], None] | None = None,
        on_stop: Callable[[], None] | None = None,
    ) -> None:
        self.ledger = ledger
        self.his = his
        self.providers = dict(providers)
        self.kiosk_id = kiosk_id
        self.zone = ZoneInfo(timezone)
        self._clock = clock
        self._monotonic = monotonic
        self._started_mono = monotonic()
        # Monotonic open time of each payment opened in this run: ages never follow the wall clock.
        self._opened_mono: dict[str, float] = {}
        self._wait = wait
        self._resolver_interval = resolver_interval_s
        self._recovery_deadline = recovery_deadline_s
        self._probe = probe
        self._on_start = on_start
        self._on_stop = on_stop
        self._lock = threading.Lock()
        self._active: dict[str, _Active] = {}
        self._locks = _Locks()
        self._listeners: list[Callable[[PaymentUpdate], None]] = []
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._resolver: threading.Thread | None = None
        self.sandbox: Any = None  # the embedded SandboxServer in demo configurations (for its page URL)

    def set_hooks(self, on_start: Callable[[], None] | None, on_stop: Callable[[], None] | None) -> None:
        """Work done first in start() and last in stop() (the composition's sandbox, providers)."""
        self._on_start, self._on_stop = on_start, on_stop

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> RecoveryReport:
        """Starts the embedded sandbox if any, resolves every unfinished payment (blocking), then
        starts the periodic resolver. Payments are offered only after this returns."""
        self._stopping.clear()
        try:
            if self._on_start is not None:
                self._on_start()
            report = self.recover()
        except BaseException:
            self.stop()
            raise
        self._ready.set()
        self._resolver = threading.Thread(target=self._resolve_loop, name="payments-resolver", daemon=True)
        self._resolver.start()
        return report

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        with self._lock:
            for active in self._active.values():
                active.cancel.set()
        thread, self._resolver = self._resolver, None
        if thread is not None:
            thread.join(timeout)
        self._ready.clear()
        try:
            for provider in self.providers.values():
                provider.close()
        finally:
            if self._on_stop is not None:
                self._on_stop()

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def subscribe(self, listener: Callable[[PaymentUpdate], None]) -> None:
        """``listener`` gets every state change, on the thread that made it (wrap it in post)."""
        self._listeners.append(listener)

    def provider_names(self) -> list[tuple[str, Interaction]]:
        return [(name, p.interaction) for name, p in self.providers.items()]

    # --- the flows' calls -----------------------------------------------------------------------

    def open_payment(
        self,
        provider: str,
        patient_id: str,
        bills: Sequence[Bill],
        amount_fen: int,
        *,
        auth_code: str | None = None,
        subject: str | None = None,
    ) -> PaymentTicket:
        """Writes the payment row, then opens the order at the provider. Worker thread."""
        if not self._ready.is_set() or self._stopping.is_set():
            raise PaymentBusy("payments are not available until start-up recovery has finished")
        refusal = self.refusal()
        if refusal:
            raise PaymentsRefused(refusal)
        chosen = self.providers.get(provider)
        if chosen is None:
            raise UnknownProvider(f"no payment provider {provider!r}")
        if chosen.kind == "bank_card":
            self._ensure_terminal_clear()
        payment_id = new_payment_id(datetime.fromtimestamp(self._clock(), self.zone))
        record = self.ledger.create(
            payment_id,
            kiosk_id=self.kiosk_id,
            provider=provider,
            provider_kind=chosen.kind,
            patient_id=patient_id,
            bills=bills,
            amount_fen=amount_fen,
        )
        opened_at = self._monotonic()
        with self._lock:
            self._opened_mono[payment_id] = opened_at
        self._emit(record, "created")
        self._step("created", payment_id)
        cancel = threading.Event()
        grace = chosen.policy.deadline_s + chosen.policy.unavailable_grace_s + 60
        with self._lock:
            self._active[payment_id] = _Active(cancel, opened_at + grace, opened_at)
        lock = self._locks.get(payment_id)
        with lock:
            try:
                self._step("opening", payment_id)
                order = chosen.open(
                    payment_id, amount_fen, subject or f"门诊缴费 {len(bills)} 张账单", auth_code=auth_code
                )
            except ProviderRejected as exc:
                self._transition(record, S.FAILED, f"provider refused: {exc.reason}", reason=exc.reason)
                self._release(payment_id)
                raise
            except ProviderUnavailable:
                # Unknown whether the order exists: make sure it never can be paid, or leave it to the resolver.
                self._release(payment_id)
                self._try_end_abandoned(self.ledger.get(payment_id), chosen)
                raise
            except BaseException:
                self._release(payment_id)
                raise
            self._step("opened", payment_id)
            record = self._apply(self.ledger.get(payment_id), order)
        return PaymentTicket(
            payment_id, provider, chosen.interaction, amount_fen, order.qr_payload, chosen.policy.deadline_s
        )

    def await_payment(self, payment_id: str) -> PaymentOutcome:
        """Blocks until the payment is final or handed to the resolver. Worker thread."""
        record = self.ledger.get(payment_id)
        provider = self.providers.get(record.provider)
        with self._lock:
            active = self._active.get(payment_id)
        cancel = active.cancel if active is not None else threading.Event()
        if record.cancel_requested:
            cancel.set()
        try:
            lock = self._locks.get(payment_id)
            with lock:
                record = self.ledger.get(payment_id)
                if provider is not None and record.state in (S.CREATED, S.PENDING):
                    try:
                        order = provider.wait(
                            payment_id,
                            record.amount_fen,
                            self._monotonic() - self._age(record),
                            cancel,
                            lambda step: self._step(step, payment_id),
                        )
                        record = self._apply(self.ledger.get(payment_id), order)
                    except ProviderUnavailable as exc:
                        self.ledger.note_attempt(payment_id, str(exc))
                        log.warning("payment %s: channel unreachable; the resolver will finish it", payment_id)
                record = self._finish_money(self.ledger.get(payment_id))
        finally:
            self._release(payment_id)
        if record.state.final:
            self._forget(payment_id)
        return self.outcome(record)

    def pay(
        self, provider: str, patient_id: str, bills: Sequence[Bill], amount_fen: int, *, auth_code: str | None = None
    ) -> PaymentOutcome:
        """open_payment + await_payment in one call (headless use, tests, the crash harness)."""
        ticket = self.open_payment(provider, patient_id, bills, amount_fen, auth_code=auth_code)
        return self.await_payment(ticket.payment_id)

    def cancel_payment(self, payment_id: str) -> None:
        """The patient cancelled (any thread). The order is closed or reversed as the channel's
        rules allow; if it was paid meanwhile, it is settled as usual."""
        self.ledger.request_cancel(payment_id)
        with self._lock:
            active = self._active.get(payment_id)
        if active is not None:
            active.cancel.set()

    def status(self, payment_id: str) -> PaymentRecord:
        return self.ledger.get(payment_id)

    def refusal(self) -> str:
        """Why no payment may start now (technician text; "" when payments are taken)."""
        return self.ledger.journal.refusal()

    @staticmethod
    def outcome(record: PaymentRecord) -> PaymentOutcome:
        return PaymentOutcome(record.id, _OUTCOME[record.state], record.amount_fen, record.his_receipt, record.reason)

    # --- resolution --------------------------------------------------------------------------------

    def recover(self) -> RecoveryReport:
        """Resolves every unfinished payment before payments are offered again (start-up).

        The patient of an interrupted payment has gone (the session was wiped), so open orders
        are ended as soon as the channel's rules allow; paid ones are settled or refunded.
        """
        started = time.monotonic()
        pending = self.ledger.open_payments()
        # Every payment open now is from before this start, whatever the wall clock says: no new
        # payment can start until recovery ends, so the set of ids is the rule, not created_at.
        interrupted = {r.id for r in pending}
        examined = len(pending)
        for record in pending:
            if record.state in (S.CREATED, S.PENDING) and not record.cancel_requested:
                self.ledger.request_cancel(record.id)
        if examined:
            log.info("recovery: %d unfinished payment(s)", examined)
        while True:
            remaining = [r for r in self.ledger.open_payments() if r.id in interrupted]
            for record in remaining:
                if self._stopping.is_set():
                    break
                self.resolve(record.id)
            remaining = [r for r in self.ledger.open_payments() if r.id in interrupted]
            elapsed = time.monotonic() - started
            if not remaining or elapsed >= self._recovery_deadline or self._stopping.is_set():
                break
            self._wait(self._stopping, min(1.0, self._recovery_deadline - elapsed))
        report = RecoveryReport(examined, examined - len(remaining), tuple(r.id for r in remaining), elapsed)
        if remaining:
            log.error("recovery: %d payment(s) still unresolved after %.1f s", len(remaining), elapsed)
        elif examined:
            log.info("recovery: all %d payment(s) resolved in %.1f s", examined, elapsed)
        return report

    def busy(self, payment_id: str) -> bool:
        """The resolver or a patient's flow is driving the payment right now."""
        return self._locks.get(payment_id).locked() or self._driven_by_flow(payment_id)

    @contextlib.contextmanager
    def held(self, payment_id: str) -> Iterator[bool]:
        """For a person's action on a payment (the admin screen): holds the per-payment lock that
        ``resolve`` takes and yields True, or yields False, holding nothing, when the resolver
        or a patient's flow is driving the payment now."""
        lock = self._locks.get(payment_id)
        if not lock.acquire(blocking=False):
            yield False
            return
        try:
            yield not self._driven_by_flow(payment_id)
        finally:
            lock.release()

    def _driven_by_flow(self, payment_id: str) -> bool:
        """A flow holds a lease on the payment (between open_payment and await_payment)."""
        with self._lock:
            active = self._active.get(payment_id)
        return active is not None and active.lease_until > self._monotonic()

    def resolve(self, payment_id: str) -> PaymentRecord:
        """One resolution step for a payment nobody is driving (resolver, recovery, admin)."""
        lock = self._locks.get(payment_id)
        if not lock.acquire(blocking=False):
            return self.ledger.get(payment_id)
        try:
            record = self.ledger.get(payment_id)
            if record.state.final or self._driven_by_flow(payment_id):
                return record
            try:
                if record.state in (S.CREATED, S.PENDING):
                    record = self._resolve_open(record)
                return self._finish_money(record)
            except IllegalTransition as exc:
                log.info("payment %s: resolved concurrently (%s)", payment_id, exc)
                return self.ledger.get(payment_id)
            except HisError as exc:
                self.ledger.note_attempt(payment_id, his_failure(exc))
                log.warning("payment %s: not resolved yet: %s", payment_id, his_failure(exc))
                return self.ledger.get(payment_id)
            except (ProviderUnavailable, ProviderRejected) as exc:
                self.ledger.note_attempt(payment_id, str(exc))
                log.warning("payment %s: not resolved yet: %s", payment_id, exc)
                return self.ledger.get(payment_id)
        finally:
            lock.release()

    def _resolve_open(self, record: PaymentRecord) -> PaymentRecord:
        provider = self._provider(record)
        order = provider.query(record.id)
        record = self._apply(record, order)
        if record.state not in (S.CREATED, S.PENDING):
            return record
        age = self._age(record)
        policy = provider.policy
        abandoned = record.cancel_requested or age >= policy.deadline_s
        if abandoned and age >= policy.min_end_s:
            self._step("ending", record.id)
            ended = provider.end(record.id)
            self._step("ended", record.id)
            record = self._apply(self.ledger.get(record.id), ended)
        return record

    def _try_end_abandoned(self, record: PaymentRecord, provider: Provider) -> None:
        if provider.policy.min_end_s > 0:
            return  # payment code: the resolver reverses it once the channel's rules allow
        try:
            ended = provider.end(record.id)
            self._apply(self.ledger.get(record.id), ended)
        except (ProviderUnavailable, ProviderRejected) as exc:
            self.ledger.note_attempt(record.id, str(exc))

    def _ensure_terminal_clear(self) -> None:
        """A card sale may start only when no earlier card payment is unresolved."""
        for record in self.ledger.open_payments(provider_kind="bank_card"):
            if record.state in (S.CREATED, S.PENDING):
                self.ledger.request_cancel(record.id)
                self.resolve(record.id)
        still = [
            r.id for r in self.ledger.open_payments(provider_kind="bank_card") if r.state in (S.CREATED, S.PENDING)
        ]
        if still:
            raise PaymentBusy(f"card payment(s) {', '.join(still)} not resolved yet; no new card sale")

    def _apply(self, record: PaymentRecord, order: ChannelOrder) -> PaymentRecord:
        """Moves a created/pending payment to what the channel says."""
        status = order.status
        if record.state not in (S.CREATED, S.PENDING):
            return record
        if status is OrderStatus.WAITING:
            if record.state is S.CREATED:
                return self._transition(record, S.PENDING, "order open", provider_ref=order.transaction_id or None)
            return record
        if status is OrderStatus.NOT_FOUND:
            return record
        if status is OrderStatus.PAID or (status is OrderStatus.REFUNDED and order.paid_fen > 0):
            self._step("paid_seen", record.id)
            paid_at = order.paid_at.timestamp() if order.paid_at is not None else self._clock()
            record = self._transition(
                record,
                S.PAID,
                f"{order.paid_fen} fen taken",
                provider_ref=order.transaction_id or record.provider_ref,
                paid_amount_fen=order.paid_fen,
                paid_at=paid_at,
            )
            self._step("paid", record.id)
            if record.state is S.REFUND_PENDING:
                self._step("refund_pending", record.id)  # the ledger found a wrong amount
            if record.state is S.PAID and status is OrderStatus.REFUNDED:
                return self._to_refund(record, "refunded at the channel")
            return record
        if status is OrderStatus.FAILED:
            return self._transition(record, S.FAILED, "declined", reason=order.message or "declined")
        # CLOSED or REVERSED: money (if any was taken) went back with the reverse.
        target = S.CANCELLED if record.cancel_requested else S.EXPIRED
        return self._transition(record, target, f"order {status.value}")

    def _finish_money(self, record: PaymentRecord) -> PaymentRecord:
        if record.state is S.PAID:
            mismatch = amount_mismatch(record.amount_fen, record.paid_amount_fen)
            # A journal written before the ledger decided this in the paid transaction.
            record = self._to_refund(record, mismatch) if mismatch else self._settle(record)
        if record.state is S.REFUND_PENDING:
            record = self._refund(record)
        return record

    def _settle(self, record: PaymentRecord) -> PaymentRecord:
        """Settled means the HIS recorded the payment AND every bill is paid by it: only a
        ``settle`` that returns (it verifies each bill) counts. A payment record whose bill stays
        open is retried; one whose bill can never be paid by it (cancelled, paid by another
        payment) is refunded."""
        bills = [b.to_bill() for b in record.bills]
        self._step("settling", record.id)
        try:
            settlement: Settlement = self.his.settle(record.patient_id, bills, record.id, record.amount_fen)
        except HisAmbiguous as exc:
            self.ledger.note_attempt(record.id, his_failure(exc))
            log.error("payment %s: the HIS holds several payments with this reference; needs a technician", record.id)
            return record
        except (HisRejected, HisConflict, HisNotFound) as exc:
            failure = his_failure(exc)
            try:
                found = self.his.find_settlement(record.id)
            except HisError as check:
                self.ledger.note_attempt(record.id, f"{failure}; check failed: {his_failure(check)}")
                return record
            if found is None:
                # Nothing recorded: the bills changed, were paid elsewhere or cannot be paid.
                log.warning("payment %s: the HIS refused the settlement (%s); refunding", record.id, failure)
                return self._to_refund(record, f"HIS refused: {failure}")
            if isinstance(exc, HisConflict):
                # The payment is recorded but the bill keeps changing (412s): not paid yet.
                # Stay paid; the resolver tries the second step again.
                self.ledger.note_attempt(record.id, failure)
                log.warning("payment %s: the HIS bill is not marked paid yet; settlement will be retried", record.id)
                return record
            if not his_reason(exc):
                # Recorded, but the refusal does not say the bill can never be paid by this
                # payment: a technician decides (the payment stays one-sided, on the admin screen).
                self.ledger.note_attempt(record.id, f"{failure}; the HIS holds payment {found.id}")
                log.error("payment %s: HIS payment recorded but the bill refused; needs a technician", record.id)
                return record
            # The bill was cancelled or paid by another payment after ours was recorded.
            log.warning("payment %s: the HIS bill cannot be paid by it (%s); refunding", record.id, failure)
            return self._to_refund(record, f"HIS refused: {failure}")
        except HisError as exc:
            self.ledger.note_attempt(record.id, his_failure(exc))
            log.warning("payment %s: HIS unavailable for settlement (%s); will retry", record.id, exc.code)
            return record
        self._step("settled_his", record.id)
        record = self._transition(
            record,
            S.SETTLED,
            f"receipt {settlement.receipt_number}",
            his_settlement_id=settlement.id,
            his_receipt=settlement.receipt_number,
        )
        self._step("settled", record.id)
        return record

    def _to_refund(self, record: PaymentRecord, reason: str) -> PaymentRecord:
        record = self._transition(record, S.REFUND_PENDING, reason, reason=reason, refund_id=refund_id_for(record.id))
        self._step("refund_pending", record.id)
        return record

    def _refund(self, record: PaymentRecord) -> PaymentRecord:
        provider = self._provider(record)
        refund_id = record.refund_id or refund_id_for(record.id)
        amount = record.paid_amount_fen if record.paid_amount_fen is not None else record.amount_fen
        self._step("refunding", record.id)
        try:
            order = provider.refund(record.id, refund_id, amount, record.provider_ref)
        except ProviderUnavailable as exc:
            self.ledger.note_attempt(record.id, f"refund: {exc}")
            return record
        except ProviderRejected as exc:
            try:
                order = provider.query(record.id)
            except ProviderUnavailable:
                self.ledger.note_attempt(record.id, f"refund refused: {exc.reason}")
                return record
            if order.net_fen != 0 and order.status is not OrderStatus.NOT_FOUND:
                self.ledger.note_attempt(record.id, f"refund refused: {exc.reason}; needs a technician")
                log.error("payment %s: refund refused (%s); needs a technician", record.id, exc.reason)
                return record
        if order.net_fen != 0 and order.status not in (OrderStatus.REFUNDED, OrderStatus.REVERSED):
            self.ledger.note_attempt(record.id, f"refund not complete ({order.net_fen} fen still held)")
            return record
        self._step("refund_done", record.id)
        record = self._transition(record, S.REFUNDED, f"{amount} fen returned")
        self._step("refunded", record.id)
        return record

    # --- helpers -----------------------------------------------------------------------------------

    def _provider(self, record: PaymentRecord) -> Provider:
        provider = self.providers.get(record.provider)
        if provider is None:
            raise ProviderUnavailable(f"provider {record.provider!r} is no longer configured")
        return provider

    def _transition(self, record: PaymentRecord, target: PaymentState, detail: str, **fields: object) -> PaymentRecord:
        updated = self.ledger.transition(record.id, target, expect=record.state, detail=detail, **fields)
        self._emit(updated, detail)
        return updated

    def _emit(self, record: PaymentRecord, detail: str) -> None:
        update = PaymentUpdate(record.id, record.state, detail)
        for listener in list(self._listeners):
            try:
                listener(update)
            except Exception:
                log.exception("payment update listener failed")

    def _step(self, step: str, payment_id: str) -> None:
        if self._probe is not None:
            self._probe(step, payment_id)

    def _age(self, record: PaymentRecord) -> float:
        """Seconds since the payment was opened, immune to wall-clock jumps.

        Opened in this run: the monotonic clock. Opened before a restart: the wall-clock age,
        never less than the time since this start (a clock set back cannot hide it, a negative
        age cannot keep it open) - its patient has gone anyway, so ending it early is harmless.
        """
        with self._lock:
            opened = self._opened_mono.get(record.id)
        since_start = self._monotonic() - self._started_mono
        if opened is not None:
            return self._monotonic() - opened
        return max(since_start, self._clock() - record.created_at)

    def _forget(self, payment_id: str) -> None:
        self._locks.drop(payment_id)
        with self._lock:
            self._opened_mono.pop(payment_id, None)

    def _release(self, payment_id: str) -> None:
        with self._lock:
            self._active.pop(payment_id, None)

    def _resolve_loop(self) -> None:
        while not self._stopping.wait(self._resolver_interval):
            try:
                for record in self.ledger.open_payments():
                    if self._stopping.is_set():
                        break
                    self.resolve(record.id)
            except Exception:
                log.exception("payment resolver pass failed")
