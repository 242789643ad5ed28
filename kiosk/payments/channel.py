"""The payment channel port: what the kiosk needs from a QR / payment-code channel.

Shaped like the real channels (WeChat Pay, Alipay, UnionPay QR): a merchant order number chosen
by the merchant (our payment id) identifies an order everywhere; ``query`` by order number,
``close`` an unpaid QR order, ``reverse`` (撤销) a payment-code order whatever its state (money
taken is returned), ``refund`` idempotent on the merchant's refund number, and a daily
``statement`` of orders paid on a day. A channel adapter implements :class:`ChannelClient`: the
sandbox (``kiosk.payments.sandbox``) and WeChat Pay API v3 (``kiosk.payments.wechatpay``).

Methods block on the network and run on worker threads; an adapter is safe to call from several
threads at once. Errors: :class:`ProviderUnavailable` when the outcome of the call is unknown
(network, timeout, 5xx: asking again is safe because every call is idempotent),
:class:`ProviderRejected` for the channel's business refusals (``reason`` names the code).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol


class OrderStatus(StrEnum):
    NOT_FOUND = "not_found"  # the channel has no order with this number
    WAITING = "waiting"  # open, not paid yet (NOTPAY / USERPAYING)
    PAID = "paid"
    FAILED = "failed"  # the payer's bank or wallet declined (PAYERROR)
    CLOSED = "closed"  # closed unpaid; can never be paid
    REVERSED = "reversed"  # reversed: unpaid and closed, or paid and the money returned
    REFUNDED = "refunded"  # paid, then (fully) refunded

    @property
    def final(self) -> bool:
        return self not in (OrderStatus.NOT_FOUND, OrderStatus.WAITING)


# Reason codes of ProviderRejected the logic relies on.
ORDER_PAID = "ORDER_PAID"  # close refused: the order was paid meanwhile
ORDER_CLOSED = "ORDER_CLOSED"  # create refused: that order number was closed (never reuse)
ORDER_MISMATCH = "ORDER_MISMATCH"  # the order number exists with another amount
NOT_PAID = "NOT_PAID"  # refund of an order that was not paid


@dataclass(frozen=True)
class ChannelOrder:
    """An order as the channel sees it. Amounts in fen; ``net_fen`` is what the channel still holds."""

    order_no: str
    status: OrderStatus
    amount_fen: int = 0  # ordered
    paid_fen: int = 0  # taken from the payer (0 unless paid at some point)
    refunded_fen: int = 0
    transaction_id: str = ""  # the channel's own id of the payment
    created_at: datetime | None = None
    paid_at: datetime | None = None
    qr_payload: str = ""  # what the kiosk renders as a QR code (scan-to-pay orders)
    message: str = ""

    @property
    def net_fen(self) -> int:
        return self.paid_fen - self.refunded_fen


class ChannelClient(Protocol):
    def create_qr_order(self, order_no: str, amount_fen: int, subject: str, expires_in_s: float) -> ChannelOrder:
        """Opens a scan-to-pay order (NATIVE / precreate); the answer carries ``qr_payload``.
        Repeating it with the same number and amount returns the same order."""
        ...

    def micropay(self, order_no: str, amount_fen: int, subject: str, auth_code: str) -> ChannelOrder:
        """Charges the payer's payment code (B-scan-C). Usually WAITING first (the payer confirms
        on the phone), then PAID or FAILED. Repeating it returns the same order."""
        ...

    def query(self, order_no: str) -> ChannelOrder: ...

    def close(self, order_no: str) -> ChannelOrder:
        """Closes an unpaid order (an unknown number is closed too, so it can never be opened
        later). ProviderRejected(ORDER_PAID) when it was paid."""
        ...

    def reverse(self, order_no: str) -> ChannelOrder:
        """Ends a payment-code order whatever its state; money taken goes back. Idempotent."""
        ...

    def refund(self, order_no: str, refund_no: str, amount_fen: int) -> ChannelOrder:
        """Refunds a paid order; idempotent on ``refund_no``. ProviderRejected(NOT_PAID) if unpaid."""
        ...

    def statement(self, day: date) -> list[ChannelOrder]:
        """Orders paid on ``day`` (the channel's calendar day), in their current state."""
        ...

    def close_client(self) -> None:
        """Releases connections; once, at shutdown."""
        ...
