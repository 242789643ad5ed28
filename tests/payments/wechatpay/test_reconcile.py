"""`kiosk reconcile` over WeChat Pay's downloaded bills finds every injected inconsistency."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from kiosk.journal import Journal
from kiosk.payments.channel import OrderStatus
from kiosk.payments.ledger import PaymentLedger
from kiosk.payments.reconcile import reconcile
from kiosk.payments.wechatpay.client import WechatPayChannel
from tests.payments.wechatpay.fake import FakeWechatPay
from tests.payments.world import SyntheticDay

ZONE = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 5)


def test_reconcile_over_the_bills_finds_the_injected_entries_across_midnight(
    journal: Journal, fake: FakeWechatPay, client: WechatPayChannel
) -> None:
    world = SyntheticDay(journal, DAY, 120, ZONE)
    for orders in world.orders.values():
        for order in orders:
            assert order.paid_at is not None
            refunded = order.paid_at + timedelta(seconds=30) if order.status is OrderStatus.REFUNDED else None
            fake.seed(order.order_no, order.amount_fen, order.paid_at.astimezone(ZONE), refunded)
    report = reconcile(
        DAY,
        ledger=PaymentLedger(journal),
        statements={"wechat": client.statement},
        settlements=world.lookup,
        zone=ZONE,
        bills=world.bills,  # the HIS's bills: a settlement whose bill stayed open is found too
    )
    assert {(e.kind.value, e.payment_id) for e in report.entries} == world.expected
    assert any(o.paid_at is not None and o.paid_at.date() > DAY for o in world.orders.get(DAY + timedelta(days=1), []))
    downloads = [path for method, path in fake.requests if path == "/v3/billdownload/file"]
    assert len(downloads) >= 2  # D and D+1 (D-1 had no trades: NO_STATEMENT_EXIST)
