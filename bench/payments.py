"""Payments benchmark: journal commit latency, ledger throughput, reconciliation of a busy day.

    .venv/bin/python bench/payments.py [--commits 500] [--payments 500] [--day 5000] [--folder DIR]

* Journal commit latency (p50, p99) with ``synchronous=FULL`` in WAL mode: one small durable
  transaction per sample (an audit row), each fsynced before it returns.
* Ledger throughput: complete payments per second through created -> pending -> paid -> settled,
  every transition its own durable commit (the way the service writes them).
* Reconciliation of a synthetic day of ``--day`` payments (journal, channel statements, HIS
  settlements in memory, with injected inconsistencies); goal under 5 s. Also the same day's HIS
  side fetched from the HIS simulator over HTTP (find_settlement per reference, 8 threads).

The journal lives in ``--folder`` (default: a temporary folder on the current file system;
fsync cost depends on the disk, so quote the machine with the figures).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from kiosk.domain import Bill  # noqa: E402
from kiosk.his.fhir import FhirHisGateway  # noqa: E402
from kiosk.his.simulator import HisSimulator  # noqa: E402
from kiosk.journal import Journal  # noqa: E402
from kiosk.payments.ledger import PaymentLedger, PaymentState  # noqa: E402
from kiosk.payments.reconcile import his_lookup, reconcile  # noqa: E402
from tests.payments.world import SyntheticDay, fast_his_settings  # noqa: E402

ZONE = ZoneInfo("Asia/Shanghai")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_commits(journal: Journal, count: int) -> None:
    samples = []
    for i in range(count):
        started = time.perf_counter()
        journal.audit("bench", "commit", str(i))
        samples.append((time.perf_counter() - started) * 1000)
    print(
        f"journal commit (synchronous=FULL, WAL): p50 {statistics.median(samples):.2f} ms, "
        f"p99 {percentile(samples, 0.99):.2f} ms over {count} commits"
    )


def bench_ledger(journal: Journal, count: int) -> None:
    ledger = PaymentLedger(journal)
    started = time.perf_counter()
    for i in range(count):
        pid = f"B{i:024d}"
        bill = Bill(id=f"bench-{i}", patient_id="p", items=(), total_fen=100 + i)
        ledger.create(pid, kiosk_id="K", provider="s", provider_kind="sandbox", patient_id="p", bills=[bill],
                      amount_fen=100 + i)  # fmt: skip
        ledger.transition(pid, PaymentState.PENDING)
        ledger.transition(pid, PaymentState.PAID, paid_amount_fen=100 + i)
        ledger.transition(pid, PaymentState.SETTLED, his_settlement_id="S", his_receipt="R")
    elapsed = time.perf_counter() - started
    print(
        f"ledger: {count / elapsed:.0f} payments/s through 4 durable commits each "
        f"({elapsed / count * 1000:.2f} ms per payment)"
    )


def bench_reconcile(folder: Path, count: int) -> None:
    day = date(2024, 5, 1)
    with Journal(folder / "day.sqlite") as journal:
        started = time.perf_counter()
        world = SyntheticDay(journal, day, count, ZONE)
        print(f"synthetic day: {count} payments written in {time.perf_counter() - started:.1f} s")
        ledger = PaymentLedger(journal)
        started = time.perf_counter()
        report = reconcile(day, ledger=ledger, statements={"wechat": world.statement}, settlements=world.lookup,
                           zone=ZONE)  # fmt: skip
        elapsed = time.perf_counter() - started
        found = {(e.kind.value, e.payment_id) for e in report.entries}
        verdict = "all injected entries found, nothing else" if found == world.expected else "MISMATCH"
        print(
            f"reconciliation of {report.checked} references (HIS side in memory): {elapsed:.2f} s "
            f"(goal < 5 s); {len(report.entries)} entries: {verdict}"
        )
        with HisSimulator(patients=5) as sim:
            gateway = FhirHisGateway(fast_his_settings(), sim.base_url)
            try:
                started = time.perf_counter()
                report = reconcile(day, ledger=ledger, statements={"wechat": world.statement},
                                   settlements=his_lookup(gateway.find_settlement, workers=8), zone=ZONE)  # fmt: skip
                elapsed = time.perf_counter() - started
            finally:
                gateway.close()
        print(
            f"reconciliation with {report.checked} find_settlement calls to the HIS simulator over HTTP "
            f"(8 threads): {elapsed:.2f} s"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--commits", type=int, default=500)
    parser.add_argument("--payments", type=int, default=500)
    parser.add_argument("--day", type=int, default=5000)
    parser.add_argument("--folder", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-payments-", dir=args.folder) as tmp:
        folder = Path(tmp)
        with Journal(folder / "journal.sqlite") as journal:
            bench_commits(journal, args.commits)
            bench_ledger(journal, args.payments)
        bench_reconcile(folder, args.day)
    return 0


if __name__ == "__main__":
    sys.exit(main())
