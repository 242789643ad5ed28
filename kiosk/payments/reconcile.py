"""Daily reconciliation: the journal, the channels' statements and the HIS's settlements.

For a day D (hospital time) every payment reference known to the journal or to a channel's
statement is checked on three sides: what the channel still holds (paid minus refunded), what
the HIS settled for that reference, and what the journal says. A reference belongs to D when
the journal created it on D, or, unknown to the journal, when the channel was paid on D.
Orders opened just before midnight and paid just after appear on the next day's statement, so
the statements of D-1, D and D+1 are read and the journal is searched ``tolerance`` either side
of D: such an order is matched, and reported (if at all) once, on the day it was created.

Entries (each one needs a person, or the resolver, to act):

* ``paid_not_settled`` - the channel holds money, the HIS has no settlement for it;
* ``settled_not_paid`` - the HIS recorded a settlement, the channel holds no money for it;
* ``amount_mismatch`` - the channel, the HIS and the journal disagree on the amount (or the
  channel took another amount than the journal's payment);
* ``bill_not_paid`` - the HIS holds the payment record, but a bill it names is not paid (still
  open, or cancelled): the patient paid and the bill stays listed as unpaid;
* ``journal_mismatch`` - channel and HIS agree, but the journal's state says otherwise
  (or the payment is still open in the journal).

Runs on the CLI's thread (or a worker); HIS lookups go through a small thread pool.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TextIO
from zoneinfo import ZoneInfo

from kiosk.domain import Settlement, format_fen
from kiosk.payments.channel import ChannelOrder
from kiosk.payments.ledger import PaymentLedger, PaymentRecord, PaymentState

log = logging.getLogger(__name__)
S = PaymentState


class EntryKind(StrEnum):
    PAID_NOT_SETTLED = "paid_not_settled"
    SETTLED_NOT_PAID = "settled_not_paid"
    AMOUNT_MISMATCH = "amount_mismatch"
    BILL_NOT_PAID = "bill_not_paid"
    JOURNAL_MISMATCH = "journal_mismatch"


@dataclass(frozen=True)
class Entry:
    kind: EntryKind
    payment_id: str
    provider: str
    journal_state: str  # "" when the journal does not know the reference
    journal_fen: int | None
    channel_fen: int | None  # net held by the channel; None when the provider keeps no statement
    his_fen: int | None  # None when the HIS has no settlement
    created_at: datetime | None
    detail: str


@dataclass(frozen=True)
class ReconciliationReport:
    day: date
    checked: int
    entries: tuple[Entry, ...]
    providers_without_statement: tuple[str, ...]

    @property
    def consistent(self) -> bool:
        return not self.entries


SettlementLookup = Callable[[Sequence[str]], Mapping[str, Settlement | None]]
# Bill id -> "paid", "open", "cancelled"... or "unknown" when the HIS could not say.
BillLookup = Callable[[Sequence[str]], Mapping[str, str]]


def his_lookup(find_settlement: Callable[[str], Settlement | None], workers: int = 8) -> SettlementLookup:
    """Looks references up one by one with ``find_settlement`` on ``workers`` threads."""

    def lookup(refs: Sequence[str]) -> Mapping[str, Settlement | None]:
        if not refs:
            return {}
        with ThreadPoolExecutor(max_workers=min(workers, len(refs)), thread_name_prefix="reconcile") as pool:
            return dict(zip(refs, pool.map(find_settlement, refs), strict=True))

    return lookup


def his_bill_lookup(bill: Callable[[str], object], workers: int = 8) -> BillLookup:
    """Each bill's payment status from the HIS's bill read (``HisGateway.bill``: it returns an
    open bill and refuses a paid or cancelled one with a reason saying which)."""
    from kiosk.his.errors import HisError, HisNotFound, HisRejected  # noqa: PLC0415

    def status(bill_id: str) -> str:
        try:
            bill(bill_id)
        except HisRejected as exc:
            reason = str(exc.reason)
            return "paid" if reason == "bill already paid" else reason.removeprefix("bill ") or "not payable"
        except HisNotFound:
            return "missing"
        except HisError as exc:
            log.warning("reconcile: cannot read bill %s: %s", bill_id, type(exc).__name__)
            return "unknown"
        return "open"

    def lookup(ids: Sequence[str]) -> Mapping[str, str]:
        if not ids:
            return {}
        with ThreadPoolExecutor(max_workers=min(workers, len(ids)), thread_name_prefix="reconcile") as pool:
            return dict(zip(ids, pool.map(status, ids), strict=True))

    return lookup


def reconcile(
    day: date,
    *,
    ledger: PaymentLedger,
    statements: Mapping[str, Callable[[date], list[ChannelOrder] | None]],
    settlements: SettlementLookup,
    zone: ZoneInfo,
    tolerance: timedelta = timedelta(minutes=30),
    bills: BillLookup | None = None,
) -> ReconciliationReport:
    """Compares the three sides for ``day``; ``statements`` maps provider name to its statement
    call; ``bills`` (when given) checks that every bill of a HIS settlement is paid."""
    day_start = datetime.combine(day, time(0), zone)
    day_end = datetime.combine(day + timedelta(days=1), time(0), zone)
    journal = {r.id: r for r in ledger.between((day_start - tolerance).timestamp(), (day_end + tolerance).timestamp())}

    channel: dict[str, ChannelOrder] = {}
    channel_provider: dict[str, str] = {}
    without: list[str] = []
    for name, statement in statements.items():
        for offset in (-1, 0, 1):
            orders = statement(day + timedelta(days=offset))
            if orders is None:
                without.append(name)
                break
            for order in orders:
                channel[order.order_no] = order
                channel_provider[order.order_no] = name
    covered = set(statements) - set(without)

    # Which references belong to this day.
    mine: list[str] = []
    for ref, record in journal.items():
        if day_start.timestamp() <= record.created_at < day_end.timestamp():
            mine.append(ref)
    for ref, order in channel.items():
        if ref in journal or order.paid_at is None:
            continue
        created = order.created_at or order.paid_at
        if day_start <= created < day_end:
            mine.append(ref)

    his = settlements(sorted(mine))
    bill_ids = sorted({b for found in his.values() if found is not None for b in found.bill_ids})
    bill_status = bills(bill_ids) if bills is not None else {}
    entries: list[Entry] = []
    for ref in sorted(mine):
        entry = _check(ref, journal.get(ref), channel.get(ref), channel_provider, covered, his.get(ref), zone)
        if entry is None or entry.kind is EntryKind.JOURNAL_MISMATCH:
            # A HIS payment record with an unpaid bill is not a settlement, whatever the journal says.
            entry = _check_bills(ref, journal.get(ref), his.get(ref), bill_status, zone) or entry
        if entry is not None:
            entries.append(entry)
    log.info("reconciliation of %s: %d reference(s), %d entry(ies)", day, len(mine), len(entries))
    return ReconciliationReport(day, len(mine), tuple(entries), tuple(sorted(without)))


def _check(  # noqa: PLR0917 - one private call site
    ref: str,
    record: PaymentRecord | None,
    order: ChannelOrder | None,
    channel_provider: Mapping[str, str],
    covered: set[str],
    settlement: Settlement | None,
    zone: ZoneInfo,
) -> Entry | None:
    provider = record.provider if record is not None else channel_provider.get(ref, "")
    has_statement = provider in covered
    if has_statement:
        channel_fen: int | None = order.net_fen if order is not None else 0
    else:
        # No channel records (card terminal): the journal's own account of the money stands in.
        channel_fen = _journal_net(record) if record is not None else None
    his_fen = settlement.amount_fen if settlement is not None else None
    journal_fen = record.amount_fen if record is not None else None
    created = (
        datetime.fromtimestamp(record.created_at, zone)
        if record is not None
        else (order.created_at or order.paid_at if order is not None else None)
    )

    def entry(kind: EntryKind, detail: str) -> Entry:
        return Entry(
            kind,
            ref,
            provider,
            record.state.value if record else "",
            journal_fen,
            channel_fen,
            his_fen,
            created,
            detail,
        )

    held = channel_fen or 0
    if held > 0 and his_fen is None:
        return entry(EntryKind.PAID_NOT_SETTLED, f"the channel holds {format_fen(held)}; the HIS has no settlement")
    if held <= 0 and his_fen is not None:
        return entry(EntryKind.SETTLED_NOT_PAID, f"the HIS settled {format_fen(his_fen)}; the channel holds nothing")
    if held > 0 and his_fen is not None:
        journal_paid = record.paid_amount_fen if record is not None else None
        if (
            held != his_fen
            or (journal_fen is not None and journal_fen != his_fen)
            or (journal_paid is not None and journal_paid != his_fen)
        ):
            return entry(
                EntryKind.AMOUNT_MISMATCH,
                f"channel {format_fen(held)}, HIS {format_fen(his_fen)}, journal "
                f"{format_fen(journal_fen) if journal_fen is not None else '-'}",
            )
        if record is None or record.state is not S.SETTLED:
            return entry(EntryKind.JOURNAL_MISMATCH, "paid and settled, but the journal does not say settled")
        return None
    # Nothing held, nothing settled.
    if record is not None and record.state in (S.SETTLED, S.PAID, S.REFUND_PENDING, S.CREATED, S.PENDING):
        return entry(EntryKind.JOURNAL_MISMATCH, f"nothing held or settled, but the journal says {record.state.value}")
    return None


def _check_bills(
    ref: str,
    record: PaymentRecord | None,
    settlement: Settlement | None,
    bill_status: Mapping[str, str],
    zone: ZoneInfo,
) -> Entry | None:
    """A HIS payment record whose bill is not paid: the payment is not settled, whatever it says."""
    if settlement is None:
        return None
    unpaid = [
        (b, bill_status[b]) for b in settlement.bill_ids if bill_status.get(b, "unknown") not in ("paid", "unknown")
    ]
    if not unpaid:
        return None
    return Entry(
        EntryKind.BILL_NOT_PAID,
        ref,
        record.provider if record is not None else "",
        record.state.value if record is not None else "",
        record.amount_fen if record is not None else None,
        None,
        settlement.amount_fen,
        datetime.fromtimestamp(record.created_at, zone) if record is not None else None,
        "the HIS holds the payment, but " + ", ".join(f"bill {b} is {state}" for b, state in unpaid),
    )


def _journal_net(record: PaymentRecord) -> int:
    if record.state in (S.PAID, S.SETTLED, S.REFUND_PENDING):
        return record.paid_amount_fen if record.paid_amount_fen is not None else record.amount_fen
    return 0


CSV_FIELDS = (
    "kind",
    "payment_id",
    "provider",
    "journal_state",
    "journal_fen",
    "channel_fen",
    "his_fen",
    "created_at",
    "detail",
)


def write_csv(report: ReconciliationReport, out: TextIO) -> None:
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for e in report.entries:
        writer.writerow(
            [
                e.kind.value,
                e.payment_id,
                e.provider,
                e.journal_state,
                "" if e.journal_fen is None else e.journal_fen,
                "" if e.channel_fen is None else e.channel_fen,
                "" if e.his_fen is None else e.his_fen,
                e.created_at.isoformat(timespec="seconds") if e.created_at else "",
                e.detail,
            ]
        )


def write_text(report: ReconciliationReport, out: TextIO) -> None:
    out.write(f"Reconciliation of {report.day.isoformat()}: {report.checked} payment reference(s) checked\n")
    for name in report.providers_without_statement:
        out.write(f"  note: provider {name} keeps no statement; its journal records stand for the channel\n")
    if report.consistent:
        out.write("Consistent: every payment is paid and settled, or neither.\n")
        return
    out.write(f"{len(report.entries)} entry(ies) to resolve:\n")
    for e in report.entries:
        when = e.created_at.strftime("%H:%M:%S") if e.created_at else "--:--:--"
        out.write(f"  {e.kind.value:<17} {e.payment_id}  {when}  {e.provider or '-'}  {e.detail}\n")


def statements_of(providers: Mapping[str, object]) -> dict[str, Callable[[date], list[ChannelOrder] | None]]:
    """The statement calls of the configured providers."""
    calls: dict[str, Callable[[date], list[ChannelOrder] | None]] = {}
    for name, provider in providers.items():
        statement = getattr(provider, "statement", None)
        if callable(statement):
            calls[name] = statement
    return calls


def references(entries: Iterable[Entry]) -> list[str]:
    return [e.payment_id for e in entries]
