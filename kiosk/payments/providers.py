"""Payment providers: one interface over scan-to-pay, payment code and the bank card terminal.

A provider knows how one way of paying behaves over time: how often to ask, when an unpaid
order must be ended and how (close a QR order, reverse a payment-code order, cancel or void a
card sale), and how to refund. The channel-specific wire protocol lives in a
:class:`kiosk.payments.channel.ChannelClient` (the sandbox here) or in the card terminal driver.

Rules the providers enforce (FIELD-NOTES):

* scan-to-pay: query every 3-6 s for about a minute, then close; every order ends paid or closed.
* payment code: query every ~5 s; reverse an order unpaid after ~30 s, never sooner than 15 s;
  every order ends paid or reversed.
* bank card: a sale without a final answer (timeout) is resolved by querying the terminal's
  last transaction, and reversed (voided) if needed, before any new card payment (the service
  refuses a new card sale while a card payment is open).

Every method blocks and runs on a worker thread; a provider is safe to use from several threads
for different payments. ``clock`` is a monotonic clock (``time.monotonic``) and ``opened_at`` is
on it: an order's age never follows a wall-clock jump (the service converts ages across a restart);
``wait(event, seconds)`` sleeps unless the event is set (tests pass a fake that moves a fake clock).
"""

from __future__ import annotations

import abc
import io
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from kiosk.payments.channel import ORDER_PAID, ChannelClient, ChannelOrder, OrderStatus
from kiosk.payments.errors import ProviderRejected, ProviderUnavailable

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Waiter = Callable[[threading.Event, float], bool]


def real_wait(event: threading.Event, seconds: float) -> bool:
    return event.wait(max(seconds, 0.0))


class Interaction(StrEnum):
    """What the payment screen shows."""

    QR = "qr"  # a QR code the patient scans with a wallet app
    SCAN_CODE = "scan_code"  # "show your payment code to the scanner"
    CARD = "card"  # "insert your bank card into the terminal"


@dataclass(frozen=True)
class PollPolicy:
    interval_s: float  # between status queries
    deadline_s: float  # an order unpaid this long after it was opened is ended
    min_end_s: float = 0.0  # never end (close/reverse) an order sooner than this after opening
    unavailable_grace_s: float = 60.0  # keep trying a channel that is down this long past the deadline

    def __post_init__(self) -> None:
        if self.interval_s <= 0 or self.deadline_s <= 0 or self.min_end_s < 0 or self.min_end_s > self.deadline_s:
            raise ValueError("poll policy needs interval > 0, deadline > 0, 0 <= min_end <= deadline")


SCAN_TO_PAY_POLICY = PollPolicy(interval_s=3.0, deadline_s=60.0, min_end_s=0.0)
PAYMENT_CODE_POLICY = PollPolicy(interval_s=5.0, deadline_s=30.0, min_end_s=15.0)


class Provider(Protocol):
    """One way of paying. ``payment_id`` is the merchant order number / terminal transaction id."""

    name: str
    kind: str
    interaction: Interaction
    policy: PollPolicy

    def open(self, payment_id: str, amount_fen: int, subject: str, *, auth_code: str | None = None) -> ChannelOrder:
        """Opens the order (QR: carries ``qr_payload``; payment code: submits the code; card:
        starts the sale). Safe to repeat. ProviderUnavailable: unknown whether it was opened."""
        ...

    def wait(
        self,
        payment_id: str,
        amount_fen: int,
        opened_at: float,
        cancel: threading.Event,
        on_step: Callable[[str], None] | None = None,
    ) -> ChannelOrder:
        """Blocks until the order is final (paid, failed, closed, reversed): polls per the policy,
        ``opened_at`` on the provider's monotonic clock;
        ends it at the deadline or when ``cancel`` is set (not sooner than ``min_end_s``).
        ProviderUnavailable when the channel stayed unreachable: the resolver takes over.
        ``on_step("ending")`` / ``on_step("ended")`` bracket the call that ends the order."""
        ...

    def query(self, payment_id: str) -> ChannelOrder: ...

    def end(self, payment_id: str) -> ChannelOrder:
        """Ends an unpaid order for good (close / reverse / cancel). Returns the final order,
        which may be PAID when it was paid meanwhile (a QR order cannot be closed then)."""
        ...

    def refund(self, payment_id: str, refund_id: str, amount_fen: int, provider_ref: str | None) -> ChannelOrder:
        """Returns ``amount_fen`` of a paid order; idempotent on ``refund_id``."""
        ...

    def statement(self, day: date) -> list[ChannelOrder] | None:
        """Orders paid on ``day`` by the channel's records; None when the provider keeps none."""
        ...

    def close(self) -> None: ...


class _ChannelProvider(abc.ABC):
    """Shared poll-then-end logic of the channel providers."""

    kind = "channel"
    interaction = Interaction.QR

    def __init__(
        self,
        name: str,
        channel: ChannelClient,
        policy: PollPolicy,
        *,
        clock: Clock = time.monotonic,
        wait: Waiter = real_wait,
    ) -> None:
        self.name = name
        self.channel = channel
        self.policy = policy
        self._clock = clock
        self._wait = wait

    def close(self) -> None:
        self.channel.close_client()

    def query(self, payment_id: str) -> ChannelOrder:
        return self.channel.query(payment_id)

    def statement(self, day: date) -> list[ChannelOrder] | None:
        return self.channel.statement(day)

    def refund(self, payment_id: str, refund_id: str, amount_fen: int, provider_ref: str | None) -> ChannelOrder:
        return self.channel.refund(payment_id, refund_id, amount_fen)

    @abc.abstractmethod
    def end(self, payment_id: str) -> ChannelOrder:
        """Close (scan-to-pay) or reverse (payment code) an order that must not be paid any more."""

    def wait(
        self,
        payment_id: str,
        amount_fen: int,
        opened_at: float,
        cancel: threading.Event,
        on_step: Callable[[str], None] | None = None,
    ) -> ChannelOrder:
        policy = self.policy
        never = threading.Event()  # once cancelled, pauses must still pause
        while True:
            age = self._clock() - opened_at
            want_end = cancel.is_set() or age >= policy.deadline_s
            if want_end and age >= policy.min_end_s:
                try:
                    if on_step is not None:
                        on_step("ending")
                    order = self.end(payment_id)
                    if on_step is not None:
                        on_step("ended")
                    if order.status.final:
                        return order
                except ProviderUnavailable as exc:
                    if age >= policy.deadline_s + policy.unavailable_grace_s:
                        raise ProviderUnavailable(f"could not end order {payment_id}: {exc}") from None
                    log.warning("payment %s: could not end the order yet (%s)", payment_id, exc)
                pause = policy.interval_s
            else:
                try:
                    order = self.channel.query(payment_id)
                    if order.status.final:
                        return order
                except ProviderUnavailable as exc:
                    log.warning("payment %s: channel query failed (%s); polling on", payment_id, exc)
                limit = policy.min_end_s if want_end else policy.deadline_s
                pause = min(policy.interval_s, limit - age)
            self._wait(never if cancel.is_set() else cancel, max(pause, 0.01))


class ScanToPayProvider(_ChannelProvider):
    """The kiosk shows a QR code; the patient scans it with a wallet app (NATIVE / precreate)."""

    kind = "scan_to_pay"
    interaction = Interaction.QR

    def open(self, payment_id: str, amount_fen: int, subject: str, *, auth_code: str | None = None) -> ChannelOrder:
        # The channel's own expiry is a little past ours, so our close is what ends the order.
        return self.channel.create_qr_order(payment_id, amount_fen, subject, self.policy.deadline_s + 30)

    def end(self, payment_id: str) -> ChannelOrder:
        try:
            closed = self.channel.close(payment_id)
        except ProviderRejected as exc:
            if exc.reason != ORDER_PAID:
                raise
            return self.channel.query(payment_id)  # paid at the last moment: settle it
        return closed


class PaymentCodeProvider(_ChannelProvider):
    """The kiosk's scanner reads the patient's payment code (B-scan-C, micropay)."""

    kind = "payment_code"
    interaction = Interaction.SCAN_CODE

    def open(self, payment_id: str, amount_fen: int, subject: str, *, auth_code: str | None = None) -> ChannelOrder:
        if not auth_code:
            raise ProviderRejected("a payment-code payment needs the scanned code", reason="NO_AUTH_CODE")
        return self.channel.micropay(payment_id, amount_fen, subject, auth_code)

    def end(self, payment_id: str) -> ChannelOrder:
        # Reverse, never close: a payment-code order may be paid a moment later; reverse returns it.
        return self.channel.reverse(payment_id)


class SandboxProvider(ScanToPayProvider):
    """Scan-to-pay against the sandbox: the QR code opens the sandbox's page for the order."""

    kind = "sandbox"


# --- bank card terminal ------------------------------------------------------------------------


class CardTerminalPort(Protocol):
    """What the card provider needs of the DeviceManager (so tests can use a fake)."""

    def card_sale(self, amount_fen: int, *, transaction_id: str, ttl: float = 10.0) -> Future[Any]: ...

    def card_cancel(self, *, key: str | None = None) -> Future[Any]: ...

    def submit(
        self, role: Any, name: str, *, key: str | None = None, ttl: float = 30.0, **args: Any
    ) -> Future[Any]: ...


def void_id_for(payment_id: str) -> str:
    return "V" + payment_id[1:]


class BankCardProvider:
    """Card payments on the terminal. The terminal holds the card; the kiosk sees only approval
    code and reference (the masked PAN is not stored). One card transaction at a time."""

    kind = "bank_card"
    interaction = Interaction.CARD

    def __init__(
        self,
        name: str,
        devices: CardTerminalPort,
        policy: PollPolicy,
        *,
        command_timeout_s: float = 20.0,
        clock: Clock = time.monotonic,
        wait: Waiter = real_wait,
    ) -> None:
        from kiosk.config import DeviceRole  # noqa: PLC0415 - config is light; keeps the role in one place

        self.name = name
        self.policy = policy
        self._devices = devices
        self._role = DeviceRole.CARD_TERMINAL
        self._timeout = command_timeout_s
        self._clock = clock
        self._wait = wait
        self._lock = threading.Lock()
        self._sales: dict[str, Future[Any]] = {}

    def close(self) -> None:
        with self._lock:
            self._sales.clear()

    def _result(self, future: Future[Any], what: str) -> Any:
        try:
            return future.result(timeout=self._timeout)
        except FutureTimeout:
            raise ProviderUnavailable(f"card terminal {what}: no answer") from None
        except Exception as exc:  # the driver's typed errors: busy, needs recovery, disconnected
            raise ProviderUnavailable(f"card terminal {what}: {type(exc).__name__}: {exc}") from None

    def open(self, payment_id: str, amount_fen: int, subject: str, *, auth_code: str | None = None) -> ChannelOrder:
        with self._lock:
            future = self._sales.get(payment_id)
            if future is None:
                future = self._devices.card_sale(amount_fen, transaction_id=payment_id, ttl=5.0)
                self._sales[payment_id] = future
        if future.done() and future.exception() is not None:
            with self._lock:
                self._sales.pop(payment_id, None)
            raise ProviderUnavailable(f"card terminal sale: {future.exception()}")
        return ChannelOrder(payment_id, OrderStatus.WAITING, amount_fen=amount_fen)

    def wait(
        self,
        payment_id: str,
        amount_fen: int,
        opened_at: float,
        cancel: threading.Event,
        on_step: Callable[[str], None] | None = None,
    ) -> ChannelOrder:
        from kiosk.devices.events import TerminalOutcome  # noqa: PLC0415 - devices load lazily

        with self._lock:
            future = self._sales.get(payment_id)
        if future is None:
            return self.query(payment_id)
        cancel_sent = False
        try:
            while not future.done():
                if cancel.is_set() and not cancel_sent:
                    cancel_sent = True
                    self._devices.card_cancel()  # the sale still ends with a result (cancelled or approved)
                if self._clock() - opened_at > self.policy.deadline_s + self.policy.unavailable_grace_s:
                    break
                self._wait(cancel if not cancel_sent else threading.Event(), 0.05)
            if not future.done():
                raise ProviderUnavailable("card terminal: the sale never finished")
            try:
                result = future.result(timeout=0)
            except Exception as exc:  # the command failed on the device thread
                raise ProviderUnavailable(f"card terminal sale: {type(exc).__name__}") from None
        finally:
            with self._lock:
                if future.done():
                    self._sales.pop(payment_id, None)
        if result.outcome is TerminalOutcome.TIMEOUT:
            log.warning("payment %s: card sale timed out; querying the terminal's last transaction", payment_id)
            return self.query(payment_id)
        return _card_order(payment_id, result, amount_fen)

    def _query_last(self) -> Any:
        return self._result(self._devices.submit(self._role, "query_last", ttl=5.0), "query")

    def query(self, payment_id: str) -> ChannelOrder:
        with self._lock:
            active = self._sales.get(payment_id)
        if active is not None and not active.done():
            return ChannelOrder(payment_id, OrderStatus.WAITING)
        last = self._query_last()
        body = payment_id[1:]
        if last.transaction_id == payment_id:
            return _card_order(payment_id, last, last.amount_fen)
        if last.transaction_id in ("R" + body, void_id_for(payment_id)):
            from kiosk.devices.events import TerminalOutcome  # noqa: PLC0415

            if last.outcome is TerminalOutcome.APPROVED:
                status = OrderStatus.REFUNDED if last.transaction_id.startswith("R") else OrderStatus.REVERSED
                return ChannelOrder(
                    payment_id,
                    status,
                    amount_fen=last.amount_fen,
                    paid_fen=last.amount_fen,
                    refunded_fen=last.amount_fen,
                )
            return ChannelOrder(payment_id, OrderStatus.PAID, message="refund/void not approved")
        # Card sales are one at a time and a new one waits until this is resolved: a last
        # transaction that is not ours means ours never reached the terminal.
        return ChannelOrder(payment_id, OrderStatus.NOT_FOUND)

    def end(self, payment_id: str) -> ChannelOrder:
        order = self.query(payment_id)
        if order.status is OrderStatus.WAITING:
            self._result(self._devices.card_cancel(), "cancel")
            return ChannelOrder(payment_id, OrderStatus.WAITING, message="cancel sent")
        if order.status is OrderStatus.NOT_FOUND:
            return ChannelOrder(payment_id, OrderStatus.CLOSED, message="never reached the terminal")
        return order

    def refund(self, payment_id: str, refund_id: str, amount_fen: int, provider_ref: str | None) -> ChannelOrder:
        from kiosk.devices.events import TerminalOutcome  # noqa: PLC0415

        last = self._query_last()
        if last.transaction_id == refund_id and last.outcome is TerminalOutcome.APPROVED:
            return ChannelOrder(payment_id, OrderStatus.REFUNDED, amount_fen, amount_fen, amount_fen)
        if not provider_ref:
            raise ProviderRejected("no terminal reference to refund against", reason="NO_REFERENCE")
        future = self._devices.submit(
            self._role,
            "refund",
            key=f"refund:{refund_id}",
            ttl=5.0,
            amount_fen=amount_fen,
            transaction_id=refund_id,
            reference=provider_ref,
        )
        result = self._result(future, "refund")
        if result.outcome is TerminalOutcome.APPROVED:
            return ChannelOrder(payment_id, OrderStatus.REFUNDED, amount_fen, amount_fen, amount_fen)
        if result.outcome is TerminalOutcome.TIMEOUT:
            raise ProviderUnavailable("card terminal refund: no final answer")
        raise ProviderRejected(
            f"card terminal refused the refund ({result.response_code})", reason=result.response_code
        )

    def statement(self, day: date) -> list[ChannelOrder] | None:
        return None  # the acquirer's settlement file is not reachable from the kiosk


def _card_order(payment_id: str, result: Any, amount_fen: int) -> ChannelOrder:
    from kiosk.devices.events import TerminalOutcome  # noqa: PLC0415

    outcome = result.outcome
    if outcome is TerminalOutcome.APPROVED:
        return ChannelOrder(
            payment_id,
            OrderStatus.PAID,
            amount_fen=amount_fen,
            paid_fen=result.amount_fen,
            transaction_id=result.reference,
        )
    if outcome is TerminalOutcome.CANCELLED:
        return ChannelOrder(payment_id, OrderStatus.CLOSED, amount_fen=amount_fen, message="cancelled")
    if outcome is TerminalOutcome.TIMEOUT:
        return ChannelOrder(payment_id, OrderStatus.WAITING, amount_fen=amount_fen, message="outcome unknown")
    if outcome is TerminalOutcome.NOT_FOUND:
        return ChannelOrder(payment_id, OrderStatus.NOT_FOUND)
    return ChannelOrder(payment_id, OrderStatus.FAILED, amount_fen=amount_fen, message=result.response_code)


# --- QR rendering ------------------------------------------------------------------------------


def qr_png(payload: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """The order's QR code as PNG bytes (the UI shows it with QPixmap.loadFromData)."""
    import qrcode  # noqa: PLC0415 - only the payment screen needs it

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    qr.add_data(payload)
    qr.make(fit=True)
    image = qr.make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def qr_svg(payload: str) -> bytes:
    """The order's QR code as SVG (scales to any screen without blur)."""
    import qrcode  # noqa: PLC0415
    import qrcode.image.svg  # noqa: PLC0415

    image = qrcode.make(payload, image_factory=qrcode.image.svg.SvgPathImage)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()
