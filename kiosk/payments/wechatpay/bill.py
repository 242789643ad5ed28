"""WeChat Pay's daily trade bill (交易账单, ``bill_type=ALL``) as :class:`ChannelOrder` s.

The bill is CSV: a header row, one row per payment / refund / reversal with every value prefixed
by a back-quote (so spreadsheets keep long numbers), then a summary header (总交易单数...) and
its row. Amounts are yuan with two decimals; times are Beijing time. Columns are found by name,
not position (WeChat has added columns over the years). A bill lists what happened on its day:
an order paid at 00:00:05 is on the next day's bill even if it was created the evening before.
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation

from kiosk.payments.channel import ChannelOrder, OrderStatus

TIME = "交易时间"
TRANSACTION_ID = "微信订单号"
ORDER_NO = "商户订单号"
STATE = "交易状态"
SETTLED = "应结订单总金额"
ORDER_AMOUNT = "订单金额"
REFUND_AMOUNT = "退款金额"
SUMMARY_FIRST = "总交易单数"


class BillError(ValueError):
    """The bill is not in the format WeChat Pay documents."""


def yuan_to_fen(text: str) -> int:
    """``"12.30"`` -> 1230, exactly (no float); BillError for anything else."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise BillError(f"not an amount: {text!r}") from None
    fen = value * 100
    if fen != fen.to_integral_value() or fen < 0:
        raise BillError(f"not an amount in fen: {text!r}")
    return int(fen)


def parse_trade_bill(text: str, timezone: tzinfo) -> list[ChannelOrder]:
    """The orders paid on the bill's day in the state the bill shows (refunds and reversals on the
    same bill applied), then orders paid on an earlier day and refunded or reversed on this one,
    with ``paid_at`` None: a reader merging the bills of D, D+1... in order sees each order's
    latest state, and no day claims a payment it did not receive."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if not rows:
        return []
    header = [name.strip() for name in rows[0]]
    for needed in (TIME, TRANSACTION_ID, ORDER_NO, STATE, SETTLED):
        if needed not in header:
            raise BillError(f"bill header lacks {needed}")
    col = {name: i for i, name in enumerate(header)}
    orders: dict[str, ChannelOrder] = {}
    adjustments: list[tuple[str, str, int, ChannelOrder]] = []
    for row in rows[1:]:
        if not row or not row[0].strip():
            continue
        if row[0].strip() == SUMMARY_FIRST:
            break
        if len(row) < len(header):
            raise BillError("bill row is shorter than its header")
        value = {name: row[i].strip().lstrip("`") for name, i in col.items()}
        order_no = value[ORDER_NO]
        state = value[STATE]
        try:
            at = datetime.strptime(value[TIME], "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone)
        except ValueError:
            raise BillError(f"bill time is not a time: {value[TIME]!r}") from None
        if state == "SUCCESS":
            amount = yuan_to_fen(value.get(ORDER_AMOUNT) or value[SETTLED])
            orders[order_no] = ChannelOrder(
                order_no,
                OrderStatus.PAID,
                amount_fen=amount,
                paid_fen=amount,
                transaction_id=value[TRANSACTION_ID],
                paid_at=at,
            )
        elif state in ("REFUND", "REVOKED"):
            refunded = yuan_to_fen(value[REFUND_AMOUNT]) if value.get(REFUND_AMOUNT) else 0
            amount = yuan_to_fen(value[ORDER_AMOUNT]) if value.get(ORDER_AMOUNT) else refunded
            earlier = ChannelOrder(
                order_no, OrderStatus.PAID, amount_fen=amount, paid_fen=amount, transaction_id=value[TRANSACTION_ID]
            )
            adjustments.append((order_no, state, refunded, earlier))
        else:
            raise BillError(f"unknown trade state in bill: {state!r}")
    for order_no, state, refunded, earlier in adjustments:
        order = orders.setdefault(order_no, earlier)  # not paid today: paid on an earlier day
        if state == "REVOKED":
            orders[order_no] = replace(order, status=OrderStatus.REVERSED, refunded_fen=order.paid_fen)
            continue
        total = min(order.refunded_fen + refunded, order.paid_fen)
        status = OrderStatus.REFUNDED if total == order.paid_fen else OrderStatus.PAID
        orders[order_no] = replace(order, status=status, refunded_fen=total)
    return list(orders.values())
