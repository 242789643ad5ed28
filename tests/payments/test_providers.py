"""Scan-to-pay and payment-code logic against the sandbox, on a fake clock: poll cadence,
deadlines, close/reverse rules, a channel that is down during polling, and QR rendering."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from kiosk.payments.channel import OrderStatus
from kiosk.payments.errors import ProviderRejected, ProviderUnavailable
from kiosk.payments.providers import (
    PAYMENT_CODE_POLICY,
    SCAN_TO_PAY_POLICY,
    Interaction,
    PaymentCodeProvider,
    ScanToPayProvider,
    qr_png,
    qr_svg,
)
from kiosk.payments.sandbox.client import SandboxChannel
from kiosk.payments.sandbox.server import Fault, SandboxServer, Script


class FakeTime:
    """Wall clock that moves only when a provider waits."""

    def __init__(self) -> None:
        self.t = 1_700_000_000.0
        self.waits: list[float] = []

    def now(self) -> float:
        return self.t

    def wait(self, event: threading.Event, seconds: float) -> bool:
        self.waits.append(seconds)
        self.t += seconds
        return event.is_set()


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def timed_sandbox(fake: FakeTime) -> Iterator[SandboxServer]:
    server = SandboxServer(now=fake.now)
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def channel(timed_sandbox: SandboxServer) -> Iterator[SandboxChannel]:
    client = SandboxChannel(timed_sandbox.base_url, timeout_s=2.0)
    try:
        yield client
    finally:
        client.close_client()


def _scan(channel: SandboxChannel, fake: FakeTime) -> ScanToPayProvider:
    return ScanToPayProvider("wechat", channel, SCAN_TO_PAY_POLICY, clock=fake.now, wait=fake.wait)


def _code(channel: SandboxChannel, fake: FakeTime) -> PaymentCodeProvider:
    return PaymentCodeProvider("code", channel, PAYMENT_CODE_POLICY, clock=fake.now, wait=fake.wait)


def test_scan_to_pay_polls_every_few_seconds_until_paid(
    timed_sandbox: SandboxServer, channel: SandboxChannel, fake: FakeTime
) -> None:
    provider = _scan(channel, fake)
    assert provider.interaction is Interaction.QR
    timed_sandbox.script(Script("approve", delay_s=10.0), order_no="P1")
    opened = provider.open("P1", 2500, "门诊缴费")
    assert opened.status is OrderStatus.WAITING
    assert opened.qr_payload == f"{timed_sandbox.base_url}/pay/P1"
    start = fake.now()
    order = provider.wait("P1", 2500, start, threading.Event())
    assert order.status is OrderStatus.PAID
    assert order.paid_fen == 2500
    assert 10.0 <= fake.now() - start <= 13.0
    assert all(w == 3.0 for w in fake.waits)  # FIELD-NOTES: every 3-6 s
    assert timed_sandbox.calls["query"] == 5  # at 0, 3, 6, 9, 12 s


def test_scan_to_pay_closes_an_order_left_unpaid_for_a_minute(
    timed_sandbox: SandboxServer, channel: SandboxChannel, fake: FakeTime
) -> None:
    provider = _scan(channel, fake)
    provider.open("P2", 100, "x")
    start = fake.now()
    order = provider.wait("P2", 100, start, threading.Event())
    assert order.status is OrderStatus.CLOSED
    assert fake.now() - start == pytest.approx(60.0)
    assert timed_sandbox.calls["close"] == 1
    # closed for good: paying on the page is refused now
    assert timed_sandbox.orders.get("P2").status == "closed"


def test_cancel_closes_a_scan_to_pay_order_at_once(
    timed_sandbox: SandboxServer, channel: SandboxChannel, fake: FakeTime
) -> None:
    provider = _scan(channel, fake)
    provider.open("P3", 100, "x")
    cancel = threading.Event()
    cancel.set()
    order = provider.wait("P3", 100, fake.now(), cancel)
    assert order.status is OrderStatus.CLOSED
    assert fake.waits == []


def test_an_order_paid_while_being_closed_is_reported_paid(
    timed_sandbox: SandboxServer, channel: SandboxChannel, fake: FakeTime
) -> None:
    provider = _scan(channel, fake)
    provider.open("P4", 100, "x")
    timed_sandbox.orders.decide("P4", approve=True)
    order = provider.end("P4")  # close refused with ORDER_PAID -> query
    assert order.status is OrderStatus.PAID


def test_payment_code_reverses_after_30_s_never_before_15(
    timed_sandbox: SandboxServer, channel: SandboxChannel, fake: FakeTime
) -> None:
    provider = _code(channel, fake)
    assert provider.interaction is Interaction.SCAN_CODE
    timed_sandbox.script(Script("none"), order_no="C1")
    order = provider.open("C1", 800, "x", auth_code="134567890123456789")
    assert order.status is OrderStatus.WAITING
    start = fake.now()
    order = provider.wait("C1", 800, start, threading.Event())
    assert order.status is OrderStatus.REVERSED
    assert fake.now() - start == pytest.approx(30.0)
    assert all(w <= 5.0 for w in fake.waits)  # FIELD-NOTES: query every ~5 s
    assert timed_sandbox.calls["reverse"] == 1


def test_payment_code_cancel_waits_for_the_15_s_minimum(
    timed_sandbox: SandboxServer, channel: SandboxChannel, fake: FakeTime
) -> None:
    provider = _code(channel, fake)
    timed_sandbox.script(Script("none"), order_no="C2")
    provider.open("C2", 800, "x", auth_code="134567890123456789")
    cancel = threading.Event()
    cancel.set()
    start = fake.now()
    order = provider.wait("C2", 800, start, cancel)
    assert order.status is OrderStatus.REVERSED
    assert fake.now() - start == pytest.approx(15.0)


def test_payment_code_paid_after_the_payer_confirms(
    timed_sandbox: SandboxServer, channel: SandboxChannel, fake: FakeTime
) -> None:
    provider = _code(channel, fake)
    timed_sandbox.script(Script("approve", delay_s=7.0), order_no="C3")
    provider.open("C3", 800, "x", auth_code="134567890123456789")
    order = provider.wait("C3", 800, fake.now(), threading.Event())
    assert order.status is OrderStatus.PAID
    with pytest.raises(ProviderRejected):
        provider.open("C4", 800, "x")  # no scanned code


def test_reverse_returns_money_of_a_paid_code_order(
    timed_sandbox: SandboxServer, channel: SandboxChannel, fake: FakeTime
) -> None:
    provider = _code(channel, fake)
    timed_sandbox.script(Script("approve"), order_no="C5")
    assert provider.open("C5", 800, "x", auth_code="1").status is OrderStatus.PAID
    order = provider.end("C5")
    assert (order.status, order.net_fen) == (OrderStatus.REVERSED, 0)


def test_channel_down_during_polling_keeps_polling(
    timed_sandbox: SandboxServer, channel: SandboxChannel, fake: FakeTime
) -> None:
    provider = _scan(channel, fake)
    timed_sandbox.script(Script("approve", delay_s=5.0), order_no="P5")
    provider.open("P5", 100, "x")
    timed_sandbox.add_fault(Fault("query", "unavailable", times=2))
    timed_sandbox.add_fault(Fault("query", "reset", times=1))
    order = provider.wait("P5", 100, fake.now(), threading.Event())
    assert order.status is OrderStatus.PAID


def test_channel_down_for_good_hands_over_to_the_resolver(
    timed_sandbox: SandboxServer, channel: SandboxChannel, fake: FakeTime
) -> None:
    provider = _scan(channel, fake)
    provider.open("P6", 100, "x")
    timed_sandbox.add_fault(Fault("*", "unavailable", times=None))
    with pytest.raises(ProviderUnavailable):
        provider.wait("P6", 100, fake.now(), threading.Event())
    timed_sandbox.clear_faults()
    assert provider.end("P6").status is OrderStatus.CLOSED


def test_refunds_are_idempotent_on_the_refund_number(timed_sandbox: SandboxServer, channel: SandboxChannel) -> None:
    timed_sandbox.script(Script("approve"), order_no="P7")
    channel.create_qr_order("P7", 900, "x", 60)
    assert channel.query("P7").status is OrderStatus.PAID
    first = channel.refund("P7", "R7", 900)
    again = channel.refund("P7", "R7", 900)
    assert first.status is again.status is OrderStatus.REFUNDED
    assert again.refunded_fen == 900
    with pytest.raises(ProviderRejected) as info:
        channel.refund("P7", "R8", 1)
    assert info.value.reason == "REFUND_TOO_LARGE"


def test_closing_an_unknown_order_stops_a_late_create(channel: SandboxChannel) -> None:
    assert channel.query("P8").status is OrderStatus.NOT_FOUND
    assert channel.close("P8").status is OrderStatus.CLOSED
    with pytest.raises(ProviderRejected) as info:
        channel.create_qr_order("P8", 100, "x", 60)
    assert info.value.reason == "ORDER_CLOSED"


def test_qr_codes_render_without_qt() -> None:
    png = qr_png("http://127.0.0.1:8765/pay/P1")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in qr_svg("http://127.0.0.1:8765/pay/P1")
