"""PaymentsService against the HIS simulator and the sandbox: the paths, the faults the issue lists,
recovery after a crash at each step, and two kiosks paying the same bill."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.domain import Bill
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import Fault, HisSimulator
from kiosk.journal import Journal
from kiosk.payments.errors import IllegalTransition, PaymentBusy, PaymentRejected, UnknownProvider
from kiosk.payments.ledger import PaymentState
from kiosk.payments.providers import Interaction
from kiosk.payments.sandbox.server import Fault as SandboxFault
from kiosk.payments.sandbox.server import SandboxServer, Script
from kiosk.payments.service import OutcomeKind, PaymentsService, PaymentUpdate
from tests.payments.world import build_service, his_settlements_for_bill, new_bill, sandbox_net

S = PaymentState


def _wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def test_paid_and_settled(
    service: PaymentsService, sandbox: SandboxServer, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    updates: list[PaymentUpdate] = []
    service.subscribe(updates.append)
    bill = new_bill(his_sim, patient, 4321)
    sandbox.script(Script("approve", 0.05))
    ticket = service.open_payment("sandbox", patient, [bill], 4321)
    assert ticket.interaction is Interaction.QR
    assert ticket.qr_payload == f"{sandbox.base_url}/pay/{ticket.payment_id}"
    assert ticket.qr_png().startswith(b"\x89PNG")
    outcome = service.await_payment(ticket.payment_id)
    assert outcome.kind is OutcomeKind.SETTLED
    assert outcome.receipt_number
    settlement = his.find_settlement(ticket.payment_id)
    assert settlement is not None
    assert (settlement.amount_fen, settlement.bill_ids) == (4321, (bill.id,))
    assert [u.state for u in updates] == [S.CREATED, S.PENDING, S.PAID, S.SETTLED]
    assert sandbox_net(sandbox, ticket.payment_id) == 4321


@pytest.mark.parametrize(
    ("script", "expected", "cancel"),
    [
        (Script("decline", 0.05), OutcomeKind.DECLINED, False),
        (Script("none"), OutcomeKind.EXPIRED, False),
        (Script("none"), OutcomeKind.CANCELLED, True),
    ],
)
def test_nothing_charged_paths(  # noqa: PLR0917 - fixtures and parameters
    service: PaymentsService,
    sandbox: SandboxServer,
    his_sim: HisSimulator,
    his: FhirHisGateway,
    patient: str,
    script: Script,
    expected: OutcomeKind,
    cancel: bool,
) -> None:
    bill = new_bill(his_sim, patient, 100)
    sandbox.script(script)
    ticket = service.open_payment("sandbox", patient, [bill], 100)
    if cancel:
        threading.Timer(0.05, service.cancel_payment, args=(ticket.payment_id,)).start()
    outcome = service.await_payment(ticket.payment_id)
    assert outcome.kind is expected
    assert his.find_settlement(ticket.payment_id) is None
    assert sandbox_net(sandbox, ticket.payment_id) == 0
    # the bill is free to pay again
    sandbox.script(Script("approve"))
    assert service.pay("sandbox", patient, [bill], 100).kind is OutcomeKind.SETTLED


def test_amount_that_does_not_match_the_bills(
    service: PaymentsService, sandbox: SandboxServer, his_sim: HisSimulator, patient: str
) -> None:
    bill = new_bill(his_sim, patient, 1000)
    with pytest.raises(PaymentRejected):
        service.open_payment("sandbox", patient, [bill], 999)
    assert service.ledger.open_payments() == []
    assert sandbox.orders.all() == []  # the channel never heard of it
    with pytest.raises(UnknownProvider):
        service.open_payment("nope", patient, [bill], 1000)


def test_the_same_kiosk_never_charges_a_bill_twice(
    service: PaymentsService, sandbox: SandboxServer, his_sim: HisSimulator, patient: str
) -> None:
    bill = new_bill(his_sim, patient, 700)
    sandbox.script(Script("none"))
    ticket = service.open_payment("sandbox", patient, [bill], 700)
    with pytest.raises(PaymentBusy):
        service.open_payment("sandbox", patient, [bill], 700)
    service.cancel_payment(ticket.payment_id)
    service.await_payment(ticket.payment_id)


def test_his_down_between_paid_and_settled(
    service: PaymentsService, sandbox: SandboxServer, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    bill = new_bill(his_sim, patient, 1500)
    sandbox.script(Script("approve"))
    his_sim.add_fault(Fault("status", route="* PaymentReconciliation", status=503))
    outcome = service.pay("sandbox", patient, [bill], 1500)
    assert outcome.kind is OutcomeKind.PAID_UNSETTLED
    assert service.status(outcome.payment_id).last_error
    his_sim.clear_faults()
    _wait_for(lambda: service.status(outcome.payment_id).state is S.SETTLED)  # the resolver
    assert his.find_settlement(outcome.payment_id) is not None
    assert len(his_settlements_for_bill(his_sim, bill.id)) == 1


def test_his_refuses_a_bill_paid_elsewhere_and_the_money_goes_back(
    service: PaymentsService, sandbox: SandboxServer, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    bill = new_bill(his_sim, patient, 2200)
    his.settle(patient, [bill], "COUNTER-0001", 2200)  # paid at the cashier meanwhile
    sandbox.script(Script("approve"))
    outcome = service.pay("sandbox", patient, [bill], 2200)
    assert outcome.kind is OutcomeKind.REFUNDED
    assert "HIS refused" in outcome.reason
    assert sandbox_net(sandbox, outcome.payment_id) == 0
    assert his.find_settlement(outcome.payment_id) is None


def test_channel_charging_the_wrong_amount_is_refunded_not_settled(
    service: PaymentsService, sandbox: SandboxServer, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    bill = new_bill(his_sim, patient, 3000)
    sandbox.script(Script("approve", charge_fen=2999))
    outcome = service.pay("sandbox", patient, [bill], 3000)
    assert outcome.kind is OutcomeKind.REFUNDED
    record = service.status(outcome.payment_id)
    assert record.paid_amount_fen == 2999
    assert sandbox_net(sandbox, outcome.payment_id) == 0
    assert his.find_settlement(outcome.payment_id) is None


def test_provider_down_during_polling_and_refund(
    service: PaymentsService, sandbox: SandboxServer, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    bill = new_bill(his_sim, patient, 1200)
    his.settle(patient, [bill], "COUNTER-0002", 1200)
    sandbox.script(Script("approve", 0.1))
    sandbox.add_fault(SandboxFault("query", "unavailable", times=3))
    sandbox.add_fault(SandboxFault("refund", "reset", times=1, after=True))  # refund done, answer lost
    outcome = service.pay("sandbox", patient, [bill], 1200)
    assert outcome.kind in (OutcomeKind.REFUND_PENDING, OutcomeKind.REFUNDED)
    _wait_for(lambda: service.status(outcome.payment_id).state is S.REFUNDED)
    order = next(o for o in sandbox.orders.all() if o.order_no == outcome.payment_id)
    assert order.refunded_fen == 1200  # refunded once, although the refund was sent twice
    assert len(order.refunds) == 1


def test_duplicate_callbacks_and_replayed_settle(
    service: PaymentsService, sandbox: SandboxServer, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    bill = new_bill(his_sim, patient, 800)
    sandbox.script(Script("approve"))
    outcome = service.pay("sandbox", patient, [bill], 800)
    pid = outcome.payment_id
    # the channel reports "paid" again (a duplicate notification): the ledger refuses to move back
    with pytest.raises(IllegalTransition):
        service.ledger.transition(pid, S.PAID)
    assert service.resolve(pid).state is S.SETTLED
    # the settle call replayed (a retry after a lost answer): the same settlement, not a second one
    first = his.find_settlement(pid)
    again = his.settle(patient, [bill], pid, 800)
    assert first is not None
    assert again.id == first.id
    assert len(his_settlements_for_bill(his_sim, bill.id)) == 1


def test_two_kiosks_paying_the_same_bill_at_once(
    tmp_path: Path, sandbox: SandboxServer, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    bill = new_bill(his_sim, patient, 5000)
    journals = [Journal(tmp_path / f"k{i}.sqlite").open() for i in range(2)]
    services = [build_service(j, his, sandbox.base_url) for j in journals]
    outcomes: list[OutcomeKind] = []
    try:
        for s in services:
            s.start()
        sandbox.script(Script("approve", 0.05), times=2)
        barrier = threading.Barrier(2)

        def pay(s: PaymentsService) -> None:
            barrier.wait(timeout=5)
            outcomes.append(s.pay("sandbox", patient, [bill], 5000).kind)

        threads = [threading.Thread(target=pay, args=(s,)) for s in services]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    finally:
        for s in services:
            s.stop()
        for j in journals:
            j.close()
    assert sorted(outcomes) == sorted([OutcomeKind.SETTLED, OutcomeKind.REFUNDED])
    assert len(his_settlements_for_bill(his_sim, bill.id)) == 1  # the HIS refused the second
    assert sum(max(o.paid_fen - o.refunded_fen, 0) for o in sandbox.orders.all()) == 5000


class Crash(BaseException):
    """Stands in for the process dying at a step (the crash harness uses real SIGKILLs)."""


@pytest.mark.parametrize(
    ("step", "script", "other_kiosk", "final"),
    [
        ("created", Script("approve"), False, S.CANCELLED),  # order never opened: closed for good
        ("opened", Script("approve"), False, S.SETTLED),
        ("paid_seen", Script("approve"), False, S.SETTLED),
        ("settling", Script("approve"), False, S.SETTLED),
        ("settled_his", Script("approve"), False, S.SETTLED),
        ("refunding", Script("approve"), True, S.REFUNDED),
        ("refund_done", Script("approve"), True, S.REFUNDED),
        ("opened", Script("none"), False, S.CANCELLED),
    ],
)
def test_recovery_after_a_crash_at_a_step(  # noqa: PLR0917 - fixtures and parameters
    journal: Journal,
    his: FhirHisGateway,
    sandbox: SandboxServer,
    his_sim: HisSimulator,
    patient: str,
    step: str,
    script: Script,
    other_kiosk: bool,
    final: PaymentState,
) -> None:
    bill = new_bill(his_sim, patient, 999)
    if other_kiosk:
        his.settle(patient, [bill], f"OTHER-{step}", 999)

    def probe(at: str, payment_id: str) -> None:
        if at == step:
            raise Crash(at)

    sandbox.script(script)
    crashed = build_service(journal, his, sandbox.base_url, probe=probe)
    crashed.start()
    with pytest.raises(Crash):
        crashed.pay("sandbox", patient, [bill], 999)
    crashed._stopping.set()  # the process is gone: nothing else of it runs
    (record,) = crashed.ledger.open_payments()
    restarted = build_service(journal, his, sandbox.base_url)
    try:
        report = restarted.start()
        assert report.examined == 1
        assert report.unresolved == ()
        with pytest.raises(PaymentBusy) if final is S.SETTLED else _nothing():
            restarted.open_payment("sandbox", patient, [bill], 999)  # a settled bill stays paid
    finally:
        restarted.stop()
        crashed.stop()
    after = restarted.status(record.id)
    assert after.state is final
    settled = his.find_settlement(record.id) is not None
    assert settled == (final is S.SETTLED)
    assert sandbox_net(sandbox, record.id) == (999 if final is S.SETTLED else 0)


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def test_payments_wait_for_recovery(
    journal: Journal, his: FhirHisGateway, sandbox: SandboxServer, patient: str
) -> None:
    svc = build_service(journal, his, sandbox.base_url)
    bill = Bill(id="b", patient_id=patient, items=(), total_fen=1)
    with pytest.raises(PaymentBusy, match="recovery"):
        svc.open_payment("sandbox", patient, [bill], 1)
