"""The payment ledger: one journal row per payment, written before the action it records.

A payment's id is its idempotency key everywhere: the channel's merchant order number, the card
terminal's transaction id and the HIS's payment reference. Its state moves only along the
table below; anything else raises :class:`IllegalTransition` (a state change is a
compare-and-set in one transaction, so two threads resolving the same payment cannot both win).

::

    created ──► pending ──► paid ──► settled
       │           │          │
       │           │          └──► refund_pending ──► refunded
       ├──► paid   ├──► failed / cancelled / expired
       └──► failed / cancelled / expired

* created: the row exists, the channel order may or may not (the kiosk may have died while
  opening it): recovery asks the channel by the payment id.
* pending: the channel has the order; the patient is paying.
* paid: the channel took the money; the HIS has not confirmed yet (settle is idempotent).
* refund_pending: the HIS refused the bills, or the amount taken is wrong: money goes back. A
  ``paid`` that records an amount other than the payment's goes on to refund_pending in the same
  transaction, and a payment with a wrong amount can never become settled.
* settled, refunded, failed, cancelled, expired: final.

Safe from any thread (the journal serialises); every method commits before it returns.
"""

from __future__ import annotations

import json
import logging
import secrets
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from kiosk.domain import Bill
from kiosk.journal import Journal
from kiosk.payments.errors import IllegalTransition, PaymentBusy, PaymentRejected, UnknownPayment

log = logging.getLogger(__name__)


class PaymentState(StrEnum):
    CREATED = "created"
    PENDING = "pending"
    PAID = "paid"
    SETTLED = "settled"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"

    @property
    def final(self) -> bool:
        return self in FINAL_STATES


S = PaymentState
TRANSITIONS: Mapping[PaymentState, frozenset[PaymentState]] = {
    S.CREATED: frozenset({S.PENDING, S.PAID, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.PENDING: frozenset({S.PAID, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.PAID: frozenset({S.SETTLED, S.REFUND_PENDING}),
    S.REFUND_PENDING: frozenset({S.REFUNDED}),
    S.SETTLED: frozenset(),
    S.REFUNDED: frozenset(),
    S.FAILED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}
FINAL_STATES = frozenset(s for s, targets in TRANSITIONS.items() if not targets)
OPEN_STATES = frozenset(S) - FINAL_STATES
# States in which the money is (or may be) with the hospital's channel for these bills.
_HOLDING_BILLS = frozenset({S.CREATED, S.PENDING, S.PAID, S.SETTLED, S.REFUND_PENDING})

# Columns a transition may set alongside the state.
_FIELDS = frozenset(
    {"provider_ref", "paid_amount_fen", "paid_at", "his_settlement_id", "his_receipt", "refund_id", "reason"}
)


@dataclass(frozen=True)
class BillRef:
    """What the ledger keeps of a bill: enough to settle it with the HIS after a restart."""

    id: str
    patient_id: str
    total_fen: int
    version: str | None = None

    @classmethod
    def of(cls, bill: Bill) -> BillRef:
        return cls(bill.id, bill.patient_id, bill.total_fen, bill.version)

    def to_bill(self) -> Bill:
        return Bill(id=self.id, patient_id=self.patient_id, items=(), total_fen=self.total_fen, version=self.version)


@dataclass(frozen=True)
class PaymentRecord:
    id: str
    kiosk_id: str
    provider: str
    provider_kind: str
    amount_fen: int
    patient_id: str
    bills: tuple[BillRef, ...]
    state: PaymentState
    provider_ref: str | None
    paid_amount_fen: int | None
    paid_at: float | None
    his_settlement_id: str | None
    his_receipt: str | None
    refund_id: str | None
    reason: str
    cancel_requested: bool
    attempts: int
    last_error: str
    created_at: float
    updated_at: float
    final_at: float | None

    @property
    def bill_ids(self) -> tuple[str, ...]:
        return tuple(b.id for b in self.bills)


@dataclass(frozen=True)
class PaymentEvent:
    seq: int
    payment_id: str
    at: float
    from_state: PaymentState | None
    to_state: PaymentState
    detail: str


def new_payment_id(now: datetime, prefix: str = "P") -> str:
    """``P`` + local time to the second + 10 random hex digits (25 characters): unique across a
    fleet, sortable by time, and valid as a terminal transaction id and a channel order number."""
    return f"{prefix}{now:%Y%m%d%H%M%S}{secrets.token_hex(5)}"


def amount_mismatch(amount_fen: int, paid_amount_fen: int | None) -> str:
    """The reason a payment that took ``paid_amount_fen`` for ``amount_fen`` is refunded, or ""."""
    if paid_amount_fen is None or int(paid_amount_fen) == amount_fen:
        return ""
    return f"amount mismatch: channel took {int(paid_amount_fen)} fen, expected {amount_fen}"


def refund_id_for(payment_id: str) -> str:
    """The one refund request id of a payment: channels deduplicate refunds on it."""
    return "R" + payment_id[1:]


class PaymentLedger:
    """Payment rows in the journal. Any thread."""

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    @property
    def journal(self) -> Journal:
        return self._journal

    def create(
        self,
        payment_id: str,
        *,
        kiosk_id: str,
        provider: str,
        provider_kind: str,
        patient_id: str,
        bills: Sequence[Bill | BillRef],
        amount_fen: int,
    ) -> PaymentRecord:
        """Writes the ``created`` row (before the channel hears of the payment).

        Raises PaymentRejected when the amount is not the bills' total or a bill is listed twice
        or belongs to another patient, and PaymentBusy when one of the bills is already held by
        another payment that is open or settled (the same kiosk never charges a bill twice).
        """
        refs = tuple(b if isinstance(b, BillRef) else BillRef.of(b) for b in bills)
        if not refs:
            raise PaymentRejected("a payment needs at least one bill")
        if len({b.id for b in refs}) != len(refs):
            raise PaymentRejected("a bill is listed twice")
        if any(b.patient_id != patient_id for b in refs):
            raise PaymentRejected("a bill belongs to another patient")
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
            raise PaymentRejected("the amount must be a positive whole number of fen")
        total = sum(b.total_fen for b in refs)
        if total != amount_fen:
            raise PaymentRejected(f"amount {amount_fen} fen differs from the bills' total {total} fen")
        now = self._journal.clock()
        with self._journal.transaction() as conn:
            holders = self._holders(conn, [b.id for b in refs], exclude=payment_id)
            if holders:
                raise PaymentBusy(f"bill(s) already held by payment(s) {', '.join(sorted(holders))}")
            existing = conn.execute("SELECT amount_fen, bills FROM payments WHERE id = ?", (payment_id,)).fetchone()
            if existing is not None:
                if existing[0] != amount_fen or _bills_from(existing[1]) != refs:
                    raise PaymentRejected(f"payment id {payment_id} was used for other bills")
            else:
                conn.execute(
                    "INSERT INTO payments (id, kiosk_id, provider, provider_kind, amount_fen, patient_id, bills, "
                    "state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        payment_id,
                        kiosk_id,
                        provider,
                        provider_kind,
                        amount_fen,
                        patient_id,
                        _bills_to(refs),
                        S.CREATED.value,
                        now,
                        now,
                    ),
                )
                conn.executemany(
                    "INSERT INTO payment_bills (bill_id, payment_id) VALUES (?, ?)", [(b.id, payment_id) for b in refs]
                )
                conn.execute(
                    "INSERT INTO payment_events (payment_id, at, from_state, to_state, detail) "
                    "VALUES (?, ?, NULL, ?, ?)",
                    (payment_id, now, S.CREATED.value, f"{amount_fen} fen via {provider}"),
                )
                self._journal.note_money()
        log.info("payment %s created: %d fen via %s for %d bill(s)", payment_id, amount_fen, provider, len(refs))
        return self.get(payment_id)

    @staticmethod
    def _holders(conn: sqlite3.Connection, bill_ids: Iterable[str], exclude: str) -> set[str]:
        ids = list(bill_ids)
        marks = ",".join("?" * len(ids))
        states = [s.value for s in _HOLDING_BILLS]
        rows = conn.execute(
            f"SELECT DISTINCT p.id FROM payment_bills b JOIN payments p ON p.id = b.payment_id "  # noqa: S608 - placeholders only
            f"WHERE b.bill_id IN ({marks}) AND p.state IN ({','.join('?' * len(states))}) AND p.id != ?",
            (*ids, *states, exclude),
        ).fetchall()
        return {str(r[0]) for r in rows}

    def transition(
        self,
        payment_id: str,
        target: PaymentState,
        *,
        expect: PaymentState | Iterable[PaymentState] | None = None,
        detail: str = "",
        **fields: Any,
    ) -> PaymentRecord:
        """Moves a payment to ``target`` and sets ``fields`` (provider_ref, paid_amount_fen,
        paid_at, his_settlement_id, his_receipt, refund_id, reason) in one durable transaction.

        Raises IllegalTransition when the table forbids it or the state is not in ``expect``.
        A transition to the state the payment is already in is refused too: callers decide on
        what they read, and a repeat means someone else already acted.
        """
        unknown = set(fields) - _FIELDS
        if unknown:
            raise ValueError(f"unknown payment fields: {sorted(unknown)}")
        expected = {expect} if isinstance(expect, PaymentState) else set(expect) if expect is not None else None
        now = self._journal.clock()
        with self._journal.transaction() as conn:
            row = conn.execute("SELECT state FROM payments WHERE id = ?", (payment_id,)).fetchone()
            if row is None:
                raise UnknownPayment(f"no payment {payment_id}")
            current = PaymentState(row[0])
            if target not in TRANSITIONS[current] or (expected is not None and current not in expected):
                raise IllegalTransition(payment_id, current.value, target.value)
            if target is S.SETTLED and self._amount_mismatch(conn, payment_id):
                raise IllegalTransition(payment_id, current.value, "settled with a wrong amount")
            sets = ["state = ?", "updated_at = ?"]
            params: list[Any] = [target.value, now]
            if target.final:
                sets.append("final_at = ?")
                params.append(now)
            for key, value in fields.items():
                sets.append(f"{key} = ?")
                params.append(value)
            conn.execute(
                f"UPDATE payments SET {', '.join(sets)} WHERE id = ? AND state = ?",  # noqa: S608 - known column names
                (*params, payment_id, current.value),
            )
            conn.execute(
                "INSERT INTO payment_events (payment_id, at, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?)",
                (payment_id, now, current.value, target.value, detail),
            )
            mismatch = self._amount_mismatch(conn, payment_id) if target is S.PAID else ""
            if mismatch:
                # Decided in the same transaction that records the money: a crash right after
                # can never leave a wrong amount looking like a payment to settle.
                conn.execute(
                    "UPDATE payments SET state = ?, reason = ?, refund_id = ?, updated_at = ? "
                    "WHERE id = ? AND state = ?",
                    (S.REFUND_PENDING.value, mismatch, refund_id_for(payment_id), now, payment_id, S.PAID.value),
                )
                conn.execute(
                    "INSERT INTO payment_events (payment_id, at, from_state, to_state, detail) VALUES (?, ?, ?, ?, ?)",
                    (payment_id, now, S.PAID.value, S.REFUND_PENDING.value, mismatch),
                )
            self._journal.note_money()
        log.info("payment %s: %s -> %s %s", payment_id, current.value, target.value, detail)
        if mismatch:
            log.warning("payment %s: %s; refunding", payment_id, mismatch)
        return self.get(payment_id)

    @staticmethod
    def _amount_mismatch(conn: sqlite3.Connection, payment_id: str) -> str:
        """Why a paid payment must be refunded instead of settled ("" when the amount is right)."""
        row = conn.execute("SELECT amount_fen, paid_amount_fen FROM payments WHERE id = ?", (payment_id,)).fetchone()
        return amount_mismatch(int(row[0]), row[1])

    def request_cancel(self, payment_id: str) -> PaymentRecord:
        """Records that the patient cancelled (survives a restart; the resolver closes the order)."""
        self._update_columns(payment_id, "cancel_requested = 1")
        return self.get(payment_id)

    def note_attempt(self, payment_id: str, error: str) -> None:
        """Counts a resolver attempt that did not finish the payment and why (technician text)."""
        self._update_columns(payment_id, "attempts = attempts + 1, last_error = ?", (error[:500],))

    def _update_columns(self, payment_id: str, assignments: str, params: tuple[Any, ...] = ()) -> None:
        with self._journal.transaction() as conn:
            cursor = conn.execute(
                f"UPDATE payments SET {assignments}, updated_at = ? WHERE id = ?",  # noqa: S608 - fixed fragments
                (*params, self._journal.clock(), payment_id),
            )
            if cursor.rowcount != 1:
                raise UnknownPayment(f"no payment {payment_id}")

    # --- reads ----------------------------------------------------------------------------------

    def get(self, payment_id: str) -> PaymentRecord:
        rows = self._journal.read("SELECT * FROM payments WHERE id = ?", (payment_id,))
        if not rows:
            raise UnknownPayment(f"no payment {payment_id}")
        return _record(rows[0])

    def find(self, payment_id: str) -> PaymentRecord | None:
        rows = self._journal.read("SELECT * FROM payments WHERE id = ?", (payment_id,))
        return _record(rows[0]) if rows else None

    def open_payments(self, provider_kind: str | None = None) -> list[PaymentRecord]:
        """Payments not in a final state, oldest first."""
        states = [s.value for s in OPEN_STATES]
        sql = f"SELECT * FROM payments WHERE state IN ({','.join('?' * len(states))})"  # noqa: S608 - placeholders only
        params: list[Any] = list(states)
        if provider_kind is not None:
            sql += " AND provider_kind = ?"
            params.append(provider_kind)
        return [_record(r) for r in self._journal.read(sql + " ORDER BY created_at, id", tuple(params))]

    def between(self, start: float, end: float) -> list[PaymentRecord]:
        """Payments created in [start, end) (epoch seconds), oldest first."""
        rows = self._journal.read(
            "SELECT * FROM payments WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id", (start, end)
        )
        return [_record(r) for r in rows]

    def holders_of(self, bill_ids: Iterable[str]) -> set[str]:
        """Open or settled payments holding any of these bills."""
        with self._journal.transaction() as conn:
            return self._holders(conn, bill_ids, exclude="")

    def history(self, payment_id: str) -> list[PaymentEvent]:
        rows = self._journal.read(
            "SELECT seq, payment_id, at, from_state, to_state, detail FROM payment_events WHERE payment_id = ? "
            "ORDER BY seq",
            (payment_id,),
        )
        return [
            PaymentEvent(
                r["seq"],
                r["payment_id"],
                r["at"],
                PaymentState(r["from_state"]) if r["from_state"] else None,
                PaymentState(r["to_state"]),
                r["detail"],
            )
            for r in rows
        ]


def _bills_to(refs: Sequence[BillRef]) -> str:
    return json.dumps(
        [{"id": b.id, "patient_id": b.patient_id, "total_fen": b.total_fen, "version": b.version} for b in refs]
    )


def _bills_from(text: str) -> tuple[BillRef, ...]:
    return tuple(
        BillRef(str(b["id"]), str(b["patient_id"]), int(b["total_fen"]), b.get("version")) for b in json.loads(text)
    )


def _record(row: sqlite3.Row) -> PaymentRecord:
    return PaymentRecord(
        id=row["id"],
        kiosk_id=row["kiosk_id"],
        provider=row["provider"],
        provider_kind=row["provider_kind"],
        amount_fen=int(row["amount_fen"]),
        patient_id=row["patient_id"],
        bills=_bills_from(row["bills"]),
        state=PaymentState(row["state"]),
        provider_ref=row["provider_ref"],
        paid_amount_fen=row["paid_amount_fen"],
        paid_at=row["paid_at"],
        his_settlement_id=row["his_settlement_id"],
        his_receipt=row["his_receipt"],
        refund_id=row["refund_id"],
        reason=row["reason"],
        cancel_requested=bool(row["cancel_requested"]),
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
        created_at=float(row["created_at"]),
        updated_at=float(row["updated_at"]),
        final_at=row["final_at"],
    )
