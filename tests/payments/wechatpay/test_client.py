"""The WeChat Pay API v3 adapter against the protocol fake: every outcome of the port."""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime

import pytest

from kiosk.payments.channel import NOT_PAID, ORDER_CLOSED, ORDER_MISMATCH, ORDER_PAID, OrderStatus
from kiosk.payments.errors import ProviderRejected, ProviderUnavailable
from kiosk.payments.providers import PAYMENT_CODE_POLICY, PaymentCodeProvider, ScanToPayProvider
from kiosk.payments.wechatpay.client import WechatPayChannel
from kiosk.payments.wechatpay.signing import MerchantSigner
from tests.payments.wechatpay.conftest import MCHID, MERCHANT_SERIAL, Keys, make_client
from tests.payments.wechatpay.fake import BEIJING, FakeWechatPay

CODE = "134567890123456789"  # a WeChat payment code: 18 digits starting 10-15


def test_native_order_carries_code_url_and_a_repeat_returns_the_same(
    client: WechatPayChannel, fake: FakeWechatPay
) -> None:
    order = client.create_qr_order("P20261207A1", 1250, "门诊缴费", 90)
    assert order.status is OrderStatus.WAITING
    assert order.qr_payload.startswith("weixin://wxpay/bizpayurl?pr=")
    assert client.create_qr_order("P20261207A1", 1250, "门诊缴费", 90).qr_payload == order.qr_payload
    assert fake.rejected_auth == 0
    assert fake.requests[0] == ("POST", "/v3/pay/transactions/native")


def test_requests_signed_with_another_key_are_refused_by_the_channel(fake: FakeWechatPay, keys: Keys) -> None:
    client = make_client(fake, keys)
    client._signer = MerchantSigner(MCHID, MERCHANT_SERIAL, keys.wrong)  # not the key WeChat Pay holds
    with pytest.raises(ProviderUnavailable, match="HTTP 401"):
        client.create_qr_order("P20261207A2", 100, "x", 90)
    with pytest.raises(ProviderUnavailable, match="HTTP 401"):
        client.query("P20261207A2")
    assert fake.rejected_auth == 2
    assert not fake.orders


def test_no_payment_code_key_or_signature_reaches_the_logs(
    client: WechatPayChannel, fake: FakeWechatPay, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client.micropay("P20261207A9", 100, "fee", CODE)
    fake.faults.bad_signature = 1
    with pytest.raises(ProviderUnavailable):
        client.query("P20261207A9")
    assert "P20261207A9" in caplog.text  # the payment reference is fine
    for secret in (CODE, "WECHATPAY2-SHA256-RSA2048", "signature=", "PRIVATE KEY"):
        assert secret not in caplog.text


def test_scan_to_pay_paid_then_query_reports_it(client: WechatPayChannel, fake: FakeWechatPay) -> None:
    client.create_qr_order("P20261207A3", 1250, "fee", 90)
    assert client.query("P20261207A3").status is OrderStatus.WAITING
    fake.pay("P20261207A3")
    order = client.query("P20261207A3")
    assert (order.status, order.paid_fen, order.net_fen) == (OrderStatus.PAID, 1250, 1250)
    assert order.transaction_id.startswith("42000")
    assert order.paid_at is not None
    assert order.paid_at.utcoffset() is not None


def test_query_of_an_unknown_number_is_not_found(client: WechatPayChannel) -> None:
    assert client.query("P20261207XX").status is OrderStatus.NOT_FOUND


def test_close_unpaid_order_is_final_and_idempotent(client: WechatPayChannel) -> None:
    client.create_qr_order("P20261207A4", 300, "fee", 90)
    assert client.close("P20261207A4").status is OrderStatus.CLOSED
    assert client.close("P20261207A4").status is OrderStatus.CLOSED
    with pytest.raises(ProviderRejected) as refused:
        client.create_qr_order("P20261207A4", 300, "fee", 90)
    assert refused.value.reason == ORDER_CLOSED
    assert client.close("P20261207NEVER").status is OrderStatus.CLOSED  # never reached the channel


def test_close_of_a_paid_order_is_refused_and_the_provider_settles_it(
    client: WechatPayChannel, fake: FakeWechatPay
) -> None:
    client.create_qr_order("P20261207A5", 300, "fee", 90)
    fake.pay("P20261207A5")
    with pytest.raises(ProviderRejected) as refused:
        client.close("P20261207A5")
    assert refused.value.reason == ORDER_PAID
    assert ScanToPayProvider("wx", client, PAYMENT_CODE_POLICY).end("P20261207A5").status is OrderStatus.PAID


def test_the_same_number_with_another_amount_is_a_mismatch(client: WechatPayChannel) -> None:
    client.create_qr_order("P20261207A6", 300, "fee", 90)
    with pytest.raises(ProviderRejected) as refused:
        client.create_qr_order("P20261207A6", 301, "fee", 90)
    assert refused.value.reason == ORDER_MISMATCH


@pytest.mark.parametrize("fault", ["bad_signature", "unsigned"])
def test_an_answer_not_signed_by_wechat_pay_is_never_taken_as_paid(
    client: WechatPayChannel, fake: FakeWechatPay, fault: str
) -> None:
    client.create_qr_order("P20261207B1", 500, "fee", 90)
    fake.pay("P20261207B1")
    setattr(fake.faults, fault, 1)
    with pytest.raises(ProviderUnavailable, match="outcome unknown"):
        client.query("P20261207B1")
    setattr(fake.faults, fault, 1)
    with pytest.raises(ProviderUnavailable, match="outcome unknown"):
        client.micropay("P20261207B2", 500, "fee", CODE)  # the charge succeeded, its answer is forged
    assert fake.orders["P20261207B2"].state == "SUCCESS"
    assert client.query("P20261207B2").status is OrderStatus.PAID  # a verified answer is believed


def test_payment_code_paid_at_once(client: WechatPayChannel) -> None:
    order = client.micropay("P20261207C1", 880, "fee", CODE)
    assert (order.status, order.paid_fen) == (OrderStatus.PAID, 880)
    assert client.micropay("P20261207C1", 880, "fee", CODE).status is OrderStatus.PAID  # repeat: ORDERPAID


def test_payment_code_declined_by_the_wallet_is_failed(client: WechatPayChannel, fake: FakeWechatPay) -> None:
    fake.faults.codepay_decline = "NOTENOUGH"
    assert client.micropay("P20261207C2", 880, "fee", CODE).status is OrderStatus.FAILED
    assert client.query("P20261207C2").status is OrderStatus.FAILED


def test_userpaying_then_paid(client: WechatPayChannel, fake: FakeWechatPay) -> None:
    fake.faults.userpaying_s = 40
    order = client.micropay("P20261207C3", 880, "fee", CODE)
    assert order.status is OrderStatus.WAITING
    fake.advance(20)
    assert client.query("P20261207C3").status is OrderStatus.WAITING
    fake.advance(21)
    assert client.query("P20261207C3").status is OrderStatus.PAID


def _provider(client: WechatPayChannel, fake: FakeWechatPay) -> tuple[PaymentCodeProvider, list[float]]:
    """A payment-code provider whose clock is the fake's (waiting moves both)."""
    start = fake.now()
    ages = [0.0]

    def clock() -> float:
        return start + ages[0]

    def wait(event: threading.Event, seconds: float) -> bool:
        ages[0] += seconds
        fake.advance(seconds)
        return event.is_set()

    return PaymentCodeProvider("wechat", client, PAYMENT_CODE_POLICY, clock=clock, wait=wait), ages


def test_provider_polls_a_userpaying_order_until_paid(client: WechatPayChannel, fake: FakeWechatPay) -> None:
    fake.faults.userpaying_s = 12
    provider, _ages = _provider(client, fake)
    opened = provider._clock()
    assert provider.open("P20261207C4", 880, "fee", auth_code=CODE).status is OrderStatus.WAITING
    order = provider.wait("P20261207C4", 880, opened, threading.Event())
    assert order.status is OrderStatus.PAID
    assert ("POST", "/v3/pay/transactions/out-trade-no/P20261207C4/reverse") not in fake.requests


def test_provider_reverses_a_payment_code_order_still_unpaid_at_30_s(
    client: WechatPayChannel, fake: FakeWechatPay
) -> None:
    fake.faults.userpaying_s = 40  # the payer never confirms in time
    provider, ages = _provider(client, fake)
    opened = provider._clock()
    provider.open("P20261207C5", 880, "fee", auth_code=CODE)
    order = provider.wait("P20261207C5", 880, opened, threading.Event())
    assert order.status is OrderStatus.REVERSED
    assert order.net_fen == 0
    assert 30 <= ages[0] < 40
    assert fake.orders["P20261207C5"].state == "REVOKED"


def test_system_error_after_the_charge_is_resolved_by_query(client: WechatPayChannel, fake: FakeWechatPay) -> None:
    fake.faults.system_error_after_charge = 1
    with pytest.raises(ProviderUnavailable, match=r"SYSTEM_ERROR|HTTP 500"):
        client.micropay("P20261207C6", 880, "fee", CODE)
    assert client.query("P20261207C6").status is OrderStatus.PAID


def test_lost_answer_after_the_charge_is_resolved_by_query(client: WechatPayChannel, fake: FakeWechatPay) -> None:
    fake.faults.lose_after_action = {"codepay"}
    with pytest.raises(ProviderUnavailable):
        client.micropay("P20261207C7", 880, "fee", CODE)
    assert client.query("P20261207C7").status is OrderStatus.PAID
    assert client.micropay("P20261207C7", 880, "fee", CODE).status is OrderStatus.PAID  # asking again is safe
    assert sum(1 for event in fake.events if event[2] == "P20261207C7") == 1  # charged once


def test_reverse_returns_the_money_and_is_idempotent(client: WechatPayChannel, fake: FakeWechatPay) -> None:
    client.micropay("P20261207C8", 880, "fee", CODE)
    fake.faults.lose_after_action = {"reverse"}
    with pytest.raises(ProviderUnavailable):
        client.reverse("P20261207C8")
    assert client.reverse("P20261207C8").status is OrderStatus.REVERSED
    assert client.reverse("P20261207C8").status is OrderStatus.REVERSED
    assert client.reverse("P20261207NEVER").status is OrderStatus.REVERSED


def test_refund_is_idempotent_on_our_refund_number(client: WechatPayChannel, fake: FakeWechatPay) -> None:
    client.micropay("P20261207D1", 1000, "fee", CODE)
    fake.faults.lose_after_action = {"refund"}
    with pytest.raises(ProviderUnavailable):
        client.refund("P20261207D1", "R20261207D1", 1000)
    order = client.refund("P20261207D1", "R20261207D1", 1000)
    assert (order.status, order.refunded_fen, order.net_fen) == (OrderStatus.REFUNDED, 1000, 0)
    assert client.refund("P20261207D1", "R20261207D1", 1000).status is OrderStatus.REFUNDED
    assert len(fake.refunds) == 1
    assert fake.orders["P20261207D1"].refunded == 1000
    result = client.query_refund("R20261207D1")
    assert result is not None
    assert (result.status, result.refund_fen) == ("SUCCESS", 1000)
    assert client.query_refund("R20261207NONE") is None


def test_refund_still_processing_is_not_reported_as_returned(client: WechatPayChannel, fake: FakeWechatPay) -> None:
    client.micropay("P20261207D2", 1000, "fee", CODE)
    fake.faults.refund_processing = True
    order = client.refund("P20261207D2", "R20261207D2", 1000)
    assert order.status is OrderStatus.PAID
    assert order.net_fen == 1000
    assert client.query_refund("R20261207D2").status == "SUCCESS"  # type: ignore[union-attr]
    assert client.refund("P20261207D2", "R20261207D2", 1000).net_fen == 0


def test_refund_of_an_unpaid_order_is_not_paid(client: WechatPayChannel) -> None:
    client.create_qr_order("P20261207D3", 1000, "fee", 90)
    with pytest.raises(ProviderRejected) as refused:
        client.refund("P20261207D3", "R20261207D3", 1000)
    assert refused.value.reason == NOT_PAID


def test_statement_lists_the_days_payments_and_one_paid_after_midnight_on_the_next(
    client: WechatPayChannel, fake: FakeWechatPay
) -> None:
    day = date(2026, 12, 6)
    client.create_qr_order("P20261206E1", 1250, "fee", 90)
    fake.pay("P20261206E1", at=datetime(2026, 12, 6, 10, 0, 0, tzinfo=BEIJING))
    client.create_qr_order("P20261206E2", 3300, "fee", 90)  # opened at 23:59:50, paid at 00:00:05
    fake.pay("P20261206E2", at=datetime(2026, 12, 7, 0, 0, 5, tzinfo=BEIJING))
    client.create_qr_order("P20261206E3", 700, "fee", 90)
    fake.pay("P20261206E3", at=datetime(2026, 12, 6, 11, 0, 0, tzinfo=BEIJING))
    fake.events.append((datetime(2026, 12, 6, 11, 5, 0, tzinfo=BEIJING), "REFUND", "P20261206E3", 700))

    orders = {o.order_no: o for o in client.statement(day)}
    assert set(orders) == {"P20261206E1", "P20261206E3"}
    assert (orders["P20261206E1"].status, orders["P20261206E1"].net_fen) == (OrderStatus.PAID, 1250)
    assert (orders["P20261206E3"].status, orders["P20261206E3"].net_fen) == (OrderStatus.REFUNDED, 0)
    assert orders["P20261206E1"].transaction_id == fake.orders["P20261206E1"].transaction_id

    next_day = {o.order_no: o for o in client.statement(date(2026, 12, 7))}
    late = next_day["P20261206E2"]
    assert late.paid_at == datetime(2026, 12, 7, 0, 0, 5, tzinfo=BEIJING)
    assert late.net_fen == 3300
    assert client.statement(date(2026, 12, 1)) == []  # NO_STATEMENT_EXIST: nothing that day


def test_a_bill_that_does_not_match_its_signed_hash_is_refused(client: WechatPayChannel, fake: FakeWechatPay) -> None:
    client.create_qr_order("P20261206F1", 1250, "fee", 90)
    fake.pay("P20261206F1", at=datetime(2026, 12, 6, 10, 0, 0, tzinfo=BEIJING))
    fake.faults.tamper_bill = True
    with pytest.raises(ProviderUnavailable, match="hash"):
        client.statement(date(2026, 12, 6))
    fake.faults.tamper_bill = False
    fake.faults.bad_signature = 1
    with pytest.raises(ProviderUnavailable, match="outcome unknown"):
        client.statement(date(2026, 12, 6))
    assert len(client.statement(date(2026, 12, 6))) == 1
