"""Shared by the payment tests and the payment benches: bills in the HIS simulator, a service
wired to the sandbox, and the ground truth (what the channel holds, what the HIS settled)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from kiosk.config import HisSection
from kiosk.domain import Bill
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import HisSimulator
from kiosk.journal import Journal
from kiosk.payments.ledger import PaymentLedger
from kiosk.payments.providers import PaymentCodeProvider, PollPolicy, Provider, SandboxProvider
from kiosk.payments.sandbox.client import SandboxChannel
from kiosk.payments.sandbox.server import SandboxServer
from kiosk.payments.service import PaymentsService, Probe

FAST_POLICY = PollPolicy(interval_s=0.02, deadline_s=0.6, min_end_s=0.0, unavailable_grace_s=0.6)
FAST_CODE_POLICY = PollPolicy(interval_s=0.02, deadline_s=0.6, min_end_s=0.3, unavailable_grace_s=0.6)


def fast_his_settings() -> HisSection:
    return HisSection.model_validate(
        {
            "mode": "simulator",
            "connect_timeout_s": 1.0,
            "read_timeout_s": 1.0,
            "call_deadline_s": 3.0,
            "retries": 1,
            "retry_backoff_s": 0.01,
        }
    )


def patient_ids(sim: HisSimulator, count: int = 5) -> list[str]:
    return [str(p["id"]) for p in sim.store.search("Patient", [])[:count]]


_bill_lock = threading.Lock()


def new_bill(sim: HisSimulator, patient_id: str, amount_fen: int) -> Bill:
    """An issued invoice of ``amount_fen`` for the patient, created straight in the simulator's store."""
    resource: dict[str, Any] = {
        "resourceType": "Invoice",
        "status": "issued",
        "subject": {"reference": f"Patient/{patient_id}"},
        "date": sim.clock.now().isoformat(),
        "lineItem": [
            {
                "sequence": 1,
                "chargeItemCodeableConcept": {"text": "检查费"},
                "priceComponent": [
                    {"type": "base", "factor": 1, "amount": {"value": amount_fen / 100, "currency": "CNY"}}
                ],
            }
        ],
        "totalGross": {"value": amount_fen / 100, "currency": "CNY"},
        "totalNet": {"value": amount_fen / 100, "currency": "CNY"},
    }
    with _bill_lock:
        stored = sim.store.create("Invoice", resource, sim.clock.now())
    return Bill(id=str(stored["id"]), patient_id=patient_id, items=(), total_fen=amount_fen)


def his_settlements_for_bill(sim: HisSimulator, bill_id: str) -> list[dict[str, Any]]:
    """Active HIS payments naming the bill (more than one would be a double settlement)."""
    from kiosk.his.simulator.store import ReferenceCriterion, TokenCriterion

    return sim.store.search(
        "PaymentReconciliation",
        [
            ReferenceCriterion("detail-request", (f"Invoice/{bill_id}",)),
            TokenCriterion("status", ((None, "active"),)),
        ],
    )


def build_service(
    journal: Journal,
    his: FhirHisGateway,
    sandbox_url: str,
    *,
    policy: PollPolicy = FAST_POLICY,
    code_policy: PollPolicy = FAST_CODE_POLICY,
    clock: Callable[[], float] | None = None,
    probe: Probe | None = None,
    extra: dict[str, Provider] | None = None,
    recovery_deadline_s: float = 10.0,
    resolver_interval_s: float = 0.2,
) -> PaymentsService:
    providers: dict[str, Provider] = {
        "sandbox": SandboxProvider("sandbox", SandboxChannel(sandbox_url, timeout_s=2.0), policy),
        "code": PaymentCodeProvider("code", SandboxChannel(sandbox_url, timeout_s=2.0), code_policy),
    }
    providers.update(extra or {})
    kwargs: dict[str, Any] = {}
    if clock is not None:
        kwargs["clock"] = clock
    return PaymentsService(
        PaymentLedger(journal),
        his,
        providers,
        kiosk_id="TEST-01",
        recovery_deadline_s=recovery_deadline_s,
        resolver_interval_s=resolver_interval_s,
        probe=probe,
        **kwargs,
    )


def sandbox_net(sandbox: SandboxServer, order_no: str) -> int:
    for order in sandbox.orders.all():
        if order.order_no == order_no:
            return order.paid_fen - order.refunded_fen
    return 0


def bills_total(bills: Sequence[Bill]) -> int:
    return sum(b.total_fen for b in bills)


def frozen(moment: datetime) -> Callable[[], float]:
    return moment.timestamp


# --- a synthetic day for reconciliation -------------------------------------------------------


class SyntheticDay:
    """A day of payments in a journal, the channel's statements and the HIS's settlements, with
    known inconsistencies injected. ``expected`` is {(kind, payment_id)} reconcile must report."""

    def __init__(self, journal: Journal, day: Any, count: int, zone: Any, seed: int = 1) -> None:
        import random
        from datetime import time as dtime
        from datetime import timedelta

        from kiosk.domain import Settlement
        from kiosk.payments.channel import ChannelOrder, OrderStatus
        from kiosk.payments.ledger import PaymentState as St

        self.day = day
        self.zone = zone
        self.orders: dict[Any, list[ChannelOrder]] = {}
        self.settlements: dict[str, Settlement] = {}
        self.expected: set[tuple[str, str]] = set()
        self.bill_states: dict[str, str] = {}  # bills whose HIS status is not "paid"
        rng = random.Random(seed)
        ledger = PaymentLedger(journal)
        start = datetime.combine(day, dtime(0), zone)
        clock_value = [start.timestamp()]
        original_clock = journal.clock
        journal.clock = lambda: clock_value[0]

        def order(pid: str, amount: int, created: datetime, paid: datetime | None, refunded: int = 0) -> None:
            status = OrderStatus.REFUNDED if refunded else OrderStatus.PAID
            o = ChannelOrder(pid, status, amount, amount if paid else 0, refunded, "T" + pid, created, paid)
            if paid is not None:
                self.orders.setdefault(paid.date(), []).append(o)

        def settle(pid: str, bill_id: str, amount: int) -> None:
            self.settlements[pid] = Settlement("S" + pid, pid, "R" + pid, (bill_id,), amount)

        def payment(n: int, created: datetime, fate: str) -> str:
            pid = f"P{created:%Y%m%d%H%M%S}{n:010d}"
            amount = rng.randrange(100, 100_000)
            bill = Bill(id=f"inv-{n}", patient_id="pat", items=(), total_fen=amount)
            clock_value[0] = created.timestamp()
            ledger.create(pid, kiosk_id="K", provider="wechat", provider_kind="scan_to_pay", patient_id="pat",
                          bills=[bill], amount_fen=amount)  # fmt: skip
            paid = created + timedelta(seconds=rng.randrange(5, 50))
            clock_value[0] = paid.timestamp()
            ledger.transition(pid, St.PENDING)
            if fate in ("expired", "failed"):
                ledger.transition(pid, St.EXPIRED if fate == "expired" else St.FAILED)
                return pid
            ledger.transition(pid, St.PAID, paid_amount_fen=amount, paid_at=paid.timestamp())
            if fate == "short_charge":
                # What a crash between paid and the amount check left before issue 13: the channel
                # took 99 fen less, the journal and the HIS say settled for the full amount.
                with journal.transaction() as conn:
                    conn.execute(
                        "UPDATE payments SET state = 'settled', paid_amount_fen = ? WHERE id = ?", (amount - 99, pid)
                    )
                o = ChannelOrder(pid, OrderStatus.PAID, amount, amount - 99, 0, "T" + pid, created, paid)
                self.orders.setdefault(paid.date(), []).append(o)
                settle(pid, bill.id, amount)
                return pid
            if fate == "refunded":
                ledger.transition(pid, St.REFUND_PENDING)
                ledger.transition(pid, St.REFUNDED)
                order(pid, amount, created, paid, refunded=amount)
                return pid
            if fate == "stuck_paid":
                order(pid, amount, created, paid)
                return pid
            ledger.transition(pid, St.SETTLED)
            order(pid, amount, created, paid, refunded=amount if fate == "settled_not_paid" else 0)
            if fate != "his_lost":
                settle(pid, bill.id, amount + (1 if fate == "amount" else 0))
            if fate in ("bill_open", "bill_cancelled"):  # the HIS's second step never happened
                self.bill_states[bill.id] = fate.removeprefix("bill_")
            return pid

        fates = ["settled"] * 85 + ["refunded"] * 5 + ["expired"] * 5 + ["failed"] * 5
        injected = {
            "his_lost": "paid_not_settled",
            "stuck_paid": "paid_not_settled",
            "settled_not_paid": "settled_not_paid",
            "amount": "amount_mismatch",
            "short_charge": "amount_mismatch",
            "bill_open": "bill_not_paid",
            "bill_cancelled": "bill_not_paid",
        }
        try:
            with journal.transaction():
                for n in range(count):
                    created = start + timedelta(seconds=rng.randrange(60, 86_400 - 120))
                    payment(n, created, rng.choice(fates))
                for k, (fate, kind) in enumerate(injected.items()):
                    pid = payment(count + k, start + timedelta(hours=9, minutes=k), fate)
                    self.expected.add((kind, pid))
                # Across midnight: opened 23:59:5x, paid after midnight (next day's statement): consistent...
                late = start + timedelta(days=1) - timedelta(seconds=8)
                payment(count + 10, late, "settled")
                # ... and one of them never settled: reported on the day it began.
                pid = payment(count + 11, late + timedelta(seconds=1), "stuck_paid")
                self.expected.add(("paid_not_settled", pid))
                # The day before, paid just after midnight (on this day's statement): not this day's.
                payment(count + 12, start - timedelta(seconds=5), "stuck_paid")
                # Journal says failed, but the channel took the money and the HIS settled it.
                pid = payment(count + 13, start + timedelta(hours=11), "failed")
                amount = ledger.get(pid).amount_fen
                order(pid, amount, start + timedelta(hours=11), start + timedelta(hours=11, seconds=9))
                settle(pid, f"inv-{count + 13}", amount)
                self.expected.add(("journal_mismatch", pid))
            # A payment the journal never recorded (lost journal), paid at the channel.
            ghost = f"P{start:%Y%m%d}130000XXXXXXXXXX"
            order(ghost, 4242, start + timedelta(hours=13), start + timedelta(hours=13, seconds=30))
            self.expected.add(("paid_not_settled", ghost))
        finally:
            journal.clock = original_clock

    def statement(self, day: Any) -> list[Any]:
        return list(self.orders.get(day, []))

    def lookup(self, refs: Sequence[str]) -> dict[str, Any]:
        return {ref: self.settlements.get(ref) for ref in refs}

    def bills(self, ids: Sequence[str]) -> dict[str, str]:
        return {bill_id: self.bill_states.get(bill_id, "paid") for bill_id in ids}
