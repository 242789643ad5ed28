"""A held booking's registration fee (锁号 → 缴费 → 确认) through the payments service: paid in
time it books the appointment; paid after the hold lapsed, the HIS refuses the settlement and the
money goes back, so a patient never pays for a place they no longer hold."""

from __future__ import annotations

from datetime import timedelta

from kiosk.domain import Appointment, AppointmentStatus, Bill
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import HisSimulator
from kiosk.his.simulator.api import REGISTRATION_HOLD
from kiosk.payments.ledger import PaymentState
from kiosk.payments.sandbox.server import SandboxServer, Script
from kiosk.payments.service import OutcomeKind, PaymentsService
from tests.payments.world import his_settlements_for_bill, sandbox_net


def _hold(his_sim: HisSimulator, his: FhirHisGateway, patient: str, dept: str, key: str) -> tuple[Appointment, Bill]:
    """Books tomorrow's first session with a fee in ``dept``: held, with its fee bill."""
    day = his_sim.clock.now().date() + timedelta(days=1)
    slot = next(s for s in his.slots(dept, day) if s.fee_fen > 0)
    held = his.book(patient, slot, key)
    assert held.status is AppointmentStatus.PENDING
    assert held.bill_id is not None
    bill = his.bill(held.bill_id)
    assert bill.total_fen == slot.fee_fen
    return held, bill


def test_a_paid_registration_fee_books_the_appointment(
    service: PaymentsService, sandbox: SandboxServer, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    held, bill = _hold(his_sim, his, patient, "dept-02", "fee-paid-in-time")
    sandbox.script(Script("approve"))
    outcome = service.pay("sandbox", patient, [bill], bill.total_fen)
    assert outcome.kind is OutcomeKind.SETTLED
    booked = his.appointment(held.id)
    assert booked.status is AppointmentStatus.BOOKED
    assert booked.queue_number


def test_paying_a_lapsed_hold_is_refunded_never_settled(
    service: PaymentsService, sandbox: SandboxServer, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    start = his_sim.clock.now()
    his_sim.set_now(start)  # this simulator runs on real time: freeze it to step over the hold
    try:
        held, bill = _hold(his_sim, his, patient, "dept-03", "fee-paid-too-late")
        his_sim.set_now(start + REGISTRATION_HOLD)  # the patient took too long: the hold lapses
        sandbox.script(Script("approve"))
        outcome = service.pay("sandbox", patient, [bill], bill.total_fen)
        assert outcome.kind is OutcomeKind.REFUNDED
        assert "HIS refused" in outcome.reason
        assert service.status(outcome.payment_id).state is PaymentState.REFUNDED
        assert sandbox_net(sandbox, outcome.payment_id) == 0  # the money went back
        assert his.find_settlement(outcome.payment_id) is None
        assert his_settlements_for_bill(his_sim, bill.id) == []
        assert his.appointment(held.id).status is AppointmentStatus.CANCELLED
    finally:
        his_sim.set_now(None)
