"""The journal: WAL + synchronous=FULL, versioned migrations, durability across SIGKILL, print jobs."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from kiosk.devices.jobs import PrintJobState
from kiosk.devices.receipt import Receipt, ReceiptItem, ReceiptTotal
from kiosk.journal import MIGRATIONS, RESTART_REASON, SCHEMA_VERSION, Journal, JournalPrintJobStore, _statements
from kiosk.payments.errors import JournalError
from kiosk.payments.ledger import PaymentLedger, PaymentState
from tests.conftest import ROOT

RECEIPT = Receipt(
    title="门诊缴费凭条",
    patient_masked="张*",
    fields=(("流水号", "P1"),),
    items=(ReceiptItem("血常规", 2500), ReceiptItem("挂号费", 1000, 2)),
    totals=(ReceiptTotal("合计", 4500, emphasis=True),),
    qr="https://example.invalid/e-invoice/1",
    footer=("请妥善保管",),
)


def test_pragmas_and_schema(journal: Journal) -> None:
    assert journal.read("PRAGMA journal_mode")[0][0] == "wal"
    assert journal.read("PRAGMA synchronous")[0][0] == 2  # FULL
    assert journal.read("PRAGMA foreign_keys")[0][0] == 1
    assert journal.schema_version() == SCHEMA_VERSION == len(MIGRATIONS)


def test_migrates_an_old_journal_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path)
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("INSERT INTO print_jobs (job_id, receipt, state, created_at) VALUES ('j1', '{}', 'pending', 1.0)")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    with Journal(path) as journal:
        assert journal.schema_version() == SCHEMA_VERSION
        row = journal.read("SELECT job_id, needs_reprint FROM print_jobs")[0]
        assert (row["job_id"], row["needs_reprint"]) == ("j1", 0)
        # version 3: the admin lockout and settings start empty and work
        assert journal.guard_state() == (0, None)
        assert journal.get_setting("voice.volume") is None
        journal.put_setting("voice.volume", "0.5", "maintenance")
        journal.put_guard_state(2, None)
    with Journal(path) as journal:  # reopening runs nothing twice
        assert journal.schema_version() == SCHEMA_VERSION
        assert journal.read("SELECT job_id FROM print_jobs")[0]["job_id"] == "j1"
        assert journal.get_setting("voice.volume") == "0.5"
        assert journal.guard_state() == (2, None)


def test_settings_are_kept_and_every_change_is_audited(tmp_path: Path) -> None:
    now = [1000.0]
    with Journal(tmp_path / "j.sqlite", clock=lambda: now[0]) as journal:
        journal.put_setting("voice.volume", "0.8", "maintenance")
        now[0] = 1010.0
        journal.put_setting("voice.volume", "0.4", "0427")
        assert journal.get_setting("voice.volume") == "0.4"
        row = journal.read("SELECT updated_at, updated_by FROM settings WHERE key = 'voice.volume'")[0]
        assert (row["updated_at"], row["updated_by"]) == (1010.0, "0427")
        events = [(e.actor, e.action, e.detail) for e in journal.audit_events()]
        assert events == [
            ("0427", "setting.changed", "voice.volume=0.4"),
            ("maintenance", "setting.changed", "voice.volume=0.8"),
        ]
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.get_setting("voice.volume") == "0.4"
        assert journal.get_setting("absent") is None


def test_guard_state_survives_a_restart(tmp_path: Path) -> None:
    with Journal(tmp_path / "j.sqlite") as journal:
        journal.put_guard_state(5, 1900.0)
    with Journal(tmp_path / "j.sqlite") as journal:
        assert journal.guard_state() == (5, 1900.0)
        journal.put_guard_state(0, None)
        assert journal.guard_state() == (0, None)


def test_a_journal_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(JournalError, match="newer than this software"):
        Journal(path).open()


def test_closed_journal_refuses_work(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite")
    with pytest.raises(JournalError, match="not open"):
        journal.audit("tech", "x")


def test_a_failed_transaction_leaves_nothing(journal: Journal) -> None:
    def write_then_fail() -> None:
        with journal.transaction() as conn:
            conn.execute("INSERT INTO audit_events (at, actor, action) VALUES (1, 'a', 'b')")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert journal.audit_events() == []


def test_committed_rows_survive_sigkill(tmp_path: Path) -> None:
    """A child commits a payment row and a transition, then kills itself before closing anything."""
    path = tmp_path / "j.sqlite"
    script = textwrap.dedent(
        f"""
        import os, signal
        from kiosk.domain import Bill
        from kiosk.journal import Journal
        from kiosk.payments.ledger import PaymentLedger, PaymentState
        journal = Journal({str(path)!r}).open()
        ledger = PaymentLedger(journal)
        bill = Bill(id="b1", patient_id="p", items=(), total_fen=500)
        ledger.create("P1", kiosk_id="K", provider="s", provider_kind="sandbox", patient_id="p",
                      bills=[bill], amount_fen=500)
        ledger.transition("P1", PaymentState.PENDING)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, timeout=60, check=False)
    assert result.returncode == -9, result.stderr.decode()
    with Journal(path) as journal:
        record = PaymentLedger(journal).get("P1")
        assert record.state is PaymentState.PENDING
        assert [e.to_state for e in PaymentLedger(journal).history("P1")] == [
            PaymentState.CREATED,
            PaymentState.PENDING,
        ]


def test_print_jobs_round_trip_and_state(journal: Journal) -> None:
    store = JournalPrintJobStore(journal)
    job = store.add("job-1", RECEIPT)
    assert job.receipt == RECEIPT
    assert job.state is PrintJobState.PENDING
    assert store.add("job-1", Receipt(title="other", patient_masked="x")).receipt == RECEIPT  # unchanged
    store.mark_attempt("job-1")
    store.mark_failed("job-1", "paper out")
    job = store.get("job-1")
    assert job is not None
    assert (job.state, job.attempts, job.last_error) == (PrintJobState.FAILED, 1, "paper out")
    assert [j.job_id for j in store.unprinted()] == ["job-1"]
    store.mark_printed("job-1")
    assert store.unprinted() == []
    with pytest.raises(KeyError):
        store.mark_printed("missing")
    assert store.get("missing") is None


def test_jobs_pending_at_start_up_need_a_reprint(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite"
    with Journal(path) as journal:
        store = JournalPrintJobStore(journal)
        store.add("printing", RECEIPT)
        store.add("done", RECEIPT)
        store.mark_printed("done")
    with Journal(path) as journal:  # the kiosk restarted
        store = JournalPrintJobStore(journal)
        assert store.recover_interrupted() == ["printing"]
        job = store.get("printing")
        assert job is not None
        assert (job.state, job.last_error) == (PrintJobState.FAILED, RESTART_REASON)
        assert store.needs_reprint("printing")
        assert not store.needs_reprint("done")
        assert store.recover_interrupted() == []
        store.mark_printed("printing")
        assert not store.needs_reprint("printing")


def test_audit_events_newest_first(journal: Journal) -> None:
    journal.audit("technician", "reprint", "job-1")
    journal.audit("technician", "resolve", "P1")
    assert [(e.action, e.detail) for e in journal.audit_events()] == [("resolve", "P1"), ("reprint", "job-1")]


def test_many_threads_write_without_locking_errors(journal: Journal) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(20):
                journal.audit(f"t{n}", "x", str(i))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors
    assert len(journal.audit_events(limit=1000)) == 80
