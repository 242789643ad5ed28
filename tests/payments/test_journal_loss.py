"""A journal that lost committed payments is detected, never silently started empty (issue 13):
committed payments survive the loss of the WAL, a lost main file is caught by the commit mark at
start-up and by ``kiosk doctor``, the kiosk refuses money, and every SQLite error is a JournalError."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk import cli
from kiosk.config import load_config
from kiosk.domain import Bill
from kiosk.journal import Journal, mark_path, read_mark
from kiosk.payments.errors import JournalError, PaymentsRefused
from kiosk.payments.ledger import PaymentLedger, PaymentState
from kiosk.payments.service import PaymentsService

S = PaymentState
PAYMENTS = 12
DEMO = Path(cli.DEMO_CONFIG)


def _pay_many(journal: Journal, count: int = PAYMENTS) -> None:
    ledger = PaymentLedger(journal)
    for n in range(count):
        pid = f"P{n:04d}"
        bill = Bill(id=f"b{n}", patient_id="p", items=(), total_fen=100 + n)
        ledger.create(pid, kiosk_id="K", provider="s", provider_kind="scan_to_pay", patient_id="p",
                      bills=[bill], amount_fen=100 + n)  # fmt: skip
        ledger.transition(pid, S.PENDING)
        ledger.transition(pid, S.PAID, paid_amount_fen=100 + n)
        ledger.transition(pid, S.SETTLED)
        journal.audit("tech", "noise", str(n))  # non-money commits after the last checkpoint


def _crash_copy(tmp_path: Path) -> Path:
    """The journal's files as a SIGKILL leaves them: copied while the connection is still open."""
    live = tmp_path / "live" / "journal.sqlite"
    live.parent.mkdir()
    journal = Journal(live).open()
    try:
        _pay_many(journal)
        crashed = tmp_path / "crashed"
        crashed.mkdir()
        for name in ("journal.sqlite", "journal.sqlite-wal", "journal.sqlite.mark"):
            if (live.parent / name).exists():
                shutil.copy2(live.parent / name, crashed / name)
    finally:
        journal.close()
    return crashed / "journal.sqlite"


def _damage_wal(path: Path, how: str) -> None:
    wal = path.with_name(path.name + "-wal")
    if how == "deleted":
        wal.unlink(missing_ok=True)
    elif how == "flipped":
        data = bytearray(wal.read_bytes()) if wal.exists() else bytearray()
        for i in range(32, len(data), 97):
            data[i] ^= 0xFF
        wal.write_bytes(bytes(data))
    elif how == "truncated":
        whole = wal.read_bytes() if wal.exists() else b""
        wal.write_bytes(whole[: len(whole) // 2])


@pytest.mark.parametrize("how", ["deleted", "flipped", "truncated"])
def test_committed_payments_survive_a_lost_or_damaged_wal(tmp_path: Path, how: str) -> None:
    path = _crash_copy(tmp_path)
    _damage_wal(path, how)
    with Journal(path) as journal:
        states = [r.state for r in PaymentLedger(journal).between(0, 1e12)]
        assert states == [S.SETTLED] * PAYMENTS
        assert journal.loss is None
        assert not journal.refuses_money


@pytest.mark.parametrize("how", ["zero-length", "replaced"])
def test_a_lost_main_file_is_detected_and_money_is_refused(tmp_path: Path, how: str) -> None:
    path = _crash_copy(tmp_path)
    path.with_name(path.name + "-wal").unlink(missing_ok=True)
    if how == "zero-length":
        path.write_bytes(b"")
    else:
        path.unlink()  # an empty journal in its place
    with Journal(path) as journal:
        assert journal.loss is not None
        assert journal.loss.found_events == 0
        assert journal.loss.lost_events == PAYMENTS * 4
        assert journal.refuses_money
        assert "lost committed payments" in journal.refusal()
        service = PaymentsService(PaymentLedger(journal), his=None, providers={}, kiosk_id="K")  # type: ignore[arg-type]
        service._ready.set()
        with pytest.raises(PaymentsRefused):
            service.open_payment("sandbox", "p", [Bill(id="b", patient_id="p", items=(), total_fen=1)], 1)
        # Prometheus sees it (an alert can page the technician).
        from prometheus_client import generate_latest

        from kiosk.ops.metrics import KioskMetrics

        metrics = KioskMetrics("K", "1", ["payment"])
        metrics.watch_journal(journal.refusal)
        assert "kiosk_journal_refusing_payments 1.0" in generate_latest(metrics.registry).decode()
    # It stays refused across restarts until a technician acts ...
    with Journal(path) as journal:
        assert journal.refuses_money
    # ... who, having reconciled, moves the mark aside to accept the loss.
    mark_path(path).rename(path.with_name("journal.sqlite.mark.lost"))
    with Journal(path) as journal:
        assert not journal.refuses_money
    assert read_mark(path) == 0


def test_the_mark_follows_every_payment_commit(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path) as journal:
        assert read_mark(path) == 0
        _pay_many(journal, 2)
        assert read_mark(path) == 8
        # The money is in the main file (checkpointed): a copy without the WAL holds all of it.
        copy = tmp_path / "main-only.sqlite"
        shutil.copy2(path, copy)
    with sqlite3.connect(copy) as raw:
        assert raw.execute("SELECT COUNT(*) FROM payments WHERE state = 'settled'").fetchone()[0] == 2


def test_every_sqlite_error_becomes_a_journal_error(tmp_path: Path) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        ledger = PaymentLedger(journal)
        assert journal._conn is not None
        journal._conn.execute("PRAGMA query_only = ON")  # what a read-only file does to writes
        bill = Bill(id="b", patient_id="p", items=(), total_fen=5)
        with pytest.raises(JournalError):
            ledger.create("P1", kiosk_id="K", provider="s", provider_kind="scan_to_pay", patient_id="p",
                          bills=[bill], amount_fen=5)  # fmt: skip
        with pytest.raises(JournalError):
            journal.audit("tech", "x")
        journal._conn.execute("PRAGMA query_only = OFF")
        with pytest.raises(JournalError), journal.transaction() as conn:
            conn.execute("INSERT INTO nowhere VALUES (1)")


def test_a_read_only_journal_file_raises_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    Journal(path).open().close()
    journal = Journal(path)
    journal.open()
    try:
        assert journal._conn is not None
        journal._conn.close()
        # The file opened read-only, as a file mode of 0444 gives any user but root.
        journal._conn = sqlite3.connect(
            f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None, check_same_thread=False
        )
        bill = Bill(id="b", patient_id="p", items=(), total_fen=5)
        with pytest.raises(JournalError):
            PaymentLedger(journal).create("P1", kiosk_id="K", provider="s", provider_kind="scan_to_pay",
                                          patient_id="p", bills=[bill], amount_fen=5)  # fmt: skip
    finally:
        journal.close()


# --- kiosk doctor and kiosk run ------------------------------------------------------------------


@pytest.fixture
def config_file(tmp_path: Path) -> Callable[[Path], Path]:
    def write(journal: Path) -> Path:
        text = DEMO.read_text(encoding="utf-8")
        text = text.replace("journal_path: var/demo-journal.sqlite", f"journal_path: {journal}")
        path = tmp_path / "config.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def test_doctor_fails_on_a_journal_that_lost_payments(
    tmp_path: Path, config_file: Callable[[Path], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    from kiosk import doctor

    path = _crash_copy(tmp_path)
    path.with_name(path.name + "-wal").unlink()
    data = path.read_bytes()
    path.write_bytes(b"")
    config = load_config(config_file(path))
    (finding,) = doctor.check_journal_integrity(config)
    assert finding.outcome is doctor.Outcome.FAIL
    assert "lost committed payments" in finding.detail
    assert "reconcile" in finding.detail
    path.write_bytes(data)  # restored from a backup: all is well again
    (finding,) = doctor.check_journal_integrity(config)
    assert finding.outcome is doctor.Outcome.OK, finding
    # A stale copy put back (an older backup): it holds fewer payments than were committed.
    stale = tmp_path / "stale" / "journal.sqlite"
    stale.parent.mkdir()
    with Journal(stale) as old:
        _pay_many(old, 3)
    path.write_bytes(stale.read_bytes())
    (finding,) = doctor.check_journal_integrity(config)
    assert finding.outcome is doctor.Outcome.FAIL
    assert f"holds payment events up to 12, its commit mark {mark_path(path)} says {PAYMENTS * 4}" in finding.detail


def test_kiosk_run_on_a_corrupt_journal_prints_one_line_and_exits_3(
    tmp_path: Path, config_file: Callable[[Path], Path]
) -> None:
    journal = tmp_path / "journal.sqlite"
    journal.write_bytes(b"this is not a database, " * 400)
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    import os

    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "run", "--config", str(config_file(journal))],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 3
    assert cli.EXIT_JOURNAL == 3
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("kiosk:")]
    assert str(journal) in line
    assert "not a database" in line
    assert "restore" in line
