"""The ledger's transition table, write-ahead rows and the rules that stop a bill being charged twice."""

from __future__ import annotations

import itertools

import pytest

from kiosk.domain import Bill
from kiosk.journal import Journal
from kiosk.payments.errors import IllegalTransition, PaymentBusy, PaymentRejected, UnknownPayment
from kiosk.payments.ledger import (
    FINAL_STATES,
    TRANSITIONS,
    PaymentLedger,
    PaymentState,
    new_payment_id,
    refund_id_for,
)

S = PaymentState
# A legal path from created to each state.
PATHS: dict[PaymentState, list[PaymentState]] = {
    S.CREATED: [],
    S.PENDING: [S.PENDING],
    S.PAID: [S.PENDING, S.PAID],
    S.SETTLED: [S.PAID, S.SETTLED],
    S.FAILED: [S.PENDING, S.FAILED],
    S.CANCELLED: [S.CANCELLED],
    S.EXPIRED: [S.PENDING, S.EXPIRED],
    S.REFUND_PENDING: [S.PAID, S.REFUND_PENDING],
    S.REFUNDED: [S.PAID, S.REFUND_PENDING, S.REFUNDED],
}
_counter = itertools.count()


def _bill(amount: int = 1000, patient: str = "pat-1") -> Bill:
    return Bill(id=f"bill-{next(_counter)}", patient_id=patient, items=(), total_fen=amount)


def _create(ledger: PaymentLedger, bills: list[Bill] | None = None) -> str:
    bills = bills or [_bill()]
    pid = f"P{next(_counter):024d}"
    ledger.create(
        pid,
        kiosk_id="K1",
        provider="sandbox",
        provider_kind="sandbox",
        patient_id=bills[0].patient_id,
        bills=bills,
        amount_fen=sum(b.total_fen for b in bills),
    )
    return pid


@pytest.fixture
def ledger(journal: Journal) -> PaymentLedger:
    return PaymentLedger(journal)


def test_the_table_is_what_the_issue_describes() -> None:
    assert {S.SETTLED, S.FAILED, S.CANCELLED, S.EXPIRED, S.REFUNDED} == FINAL_STATES
    assert TRANSITIONS[S.PAID] == {S.SETTLED, S.REFUND_PENDING}
    assert TRANSITIONS[S.REFUND_PENDING] == {S.REFUNDED}
    assert S.SETTLED not in TRANSITIONS[S.PENDING]  # settling needs the money first


@pytest.mark.parametrize(("source", "target"), list(itertools.product(list(S), list(S))))
def test_every_pair_is_allowed_or_raises(ledger: PaymentLedger, source: PaymentState, target: PaymentState) -> None:
    pid = _create(ledger)
    for step in PATHS[source]:
        ledger.transition(pid, step)
    assert ledger.get(pid).state is source
    if target in TRANSITIONS[source]:
        record = ledger.transition(pid, target, detail="test")
        assert record.state is target
        assert (record.final_at is not None) == target.final
        assert ledger.history(pid)[-1].to_state is target
    else:
        with pytest.raises(IllegalTransition) as info:
            ledger.transition(pid, target)
        assert (info.value.current, info.value.target) == (source.value, target.value)
        assert ledger.get(pid).state is source  # nothing changed


def test_expectation_is_a_compare_and_set(ledger: PaymentLedger) -> None:
    pid = _create(ledger)
    ledger.transition(pid, S.PENDING, expect=S.CREATED)
    with pytest.raises(IllegalTransition):
        ledger.transition(pid, S.PAID, expect=S.CREATED)  # someone else moved it on
    ledger.transition(pid, S.PAID, expect=S.PENDING, paid_amount_fen=1000, provider_ref="T1")
    record = ledger.get(pid)
    assert (record.paid_amount_fen, record.provider_ref) == (1000, "T1")
    with pytest.raises(ValueError, match="unknown payment fields"):
        ledger.transition(pid, S.SETTLED, card_number="6222")


def test_write_ahead_row_and_history(ledger: PaymentLedger) -> None:
    bills = [_bill(300), _bill(700)]
    pid = _create(ledger, bills)
    record = ledger.get(pid)
    assert record.state is S.CREATED
    assert record.amount_fen == 1000
    assert record.bill_ids == (bills[0].id, bills[1].id)
    assert [b.to_bill().total_fen for b in record.bills] == [300, 700]
    assert [e.to_state for e in ledger.history(pid)] == [S.CREATED]
    assert ledger.open_payments() == [record]


@pytest.mark.parametrize(
    ("bills", "amount", "message"),
    [
        ([], 0, "at least one bill"),
        (["same", "same"], 2000, "listed twice"),
        (["a"], 999, "differs from the bills' total"),
        (["a"], -1000, "positive"),
    ],
)
def test_amounts_that_do_not_match_the_bills_are_refused(
    ledger: PaymentLedger, bills: list[str], amount: int, message: str
) -> None:
    objs = [Bill(id=b, patient_id="p", items=(), total_fen=1000) for b in bills]
    with pytest.raises(PaymentRejected, match=message):
        ledger.create("P1", kiosk_id="K", provider="x", provider_kind="sandbox", patient_id="p", bills=objs,
                      amount_fen=amount)  # fmt: skip
    assert ledger.find("P1") is None


def test_a_bill_of_another_patient_is_refused(ledger: PaymentLedger) -> None:
    with pytest.raises(PaymentRejected, match="another patient"):
        ledger.create("P1", kiosk_id="K", provider="x", provider_kind="sandbox", patient_id="p",
                      bills=[_bill(patient="q")], amount_fen=1000)  # fmt: skip


def test_a_bill_held_by_an_open_or_settled_payment_cannot_be_paid_again(ledger: PaymentLedger) -> None:
    bill = _bill()
    first = _create(ledger, [bill])
    with pytest.raises(PaymentBusy):
        _create(ledger, [bill])
    ledger.transition(first, S.PAID)
    ledger.transition(first, S.SETTLED)
    with pytest.raises(PaymentBusy):
        _create(ledger, [bill])  # paid already


def test_a_failed_payment_releases_its_bills(ledger: PaymentLedger) -> None:
    bill = _bill()
    first = _create(ledger, [bill])
    ledger.transition(first, S.FAILED, reason="declined")
    second = _create(ledger, [bill])
    assert ledger.get(second).state is S.CREATED


def test_same_id_same_content_is_idempotent_other_content_refused(ledger: PaymentLedger) -> None:
    bill = _bill()
    kwargs = {"kiosk_id": "K", "provider": "x", "provider_kind": "sandbox", "patient_id": bill.patient_id}
    ledger.create("P9", bills=[bill], amount_fen=1000, **kwargs)
    assert ledger.create("P9", bills=[bill], amount_fen=1000, **kwargs).state is S.CREATED
    with pytest.raises(PaymentRejected):
        ledger.create("P9", bills=[_bill(2000)], amount_fen=2000, **kwargs)


def test_unknown_payment(ledger: PaymentLedger) -> None:
    with pytest.raises(UnknownPayment):
        ledger.get("nope")
    with pytest.raises(UnknownPayment):
        ledger.transition("nope", S.PENDING)
    with pytest.raises(UnknownPayment):
        ledger.request_cancel("nope")


def test_ids_are_valid_terminal_and_order_numbers() -> None:
    from datetime import datetime

    pid = new_payment_id(datetime(2024, 5, 1, 23, 59, 59))
    assert len(pid) == 25
    assert pid.startswith("P20240501235959")
    assert pid.isalnum()
    assert refund_id_for(pid) == "R" + pid[1:]
    assert new_payment_id(datetime(2024, 5, 1)) != new_payment_id(datetime(2024, 5, 1))
