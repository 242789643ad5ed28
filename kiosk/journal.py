"""The kiosk's journal: one SQLite file in WAL mode that survives power loss.

It holds what must never be forgotten: payments (the ledger's rows and every state change),
receipt print jobs, and audit events (who did what on the admin screen). ``synchronous=FULL``
makes every commit durable before it returns: a payment row written before the action it
records is on disk when the action starts.

Schema changes are numbered migrations applied in order at :meth:`Journal.open`
(``PRAGMA user_version`` holds the version reached); a journal written by a newer version of
the software is refused rather than misread.

Committed payments survive the loss of the WAL file: every transaction that records a payment
change is followed by ``PRAGMA wal_checkpoint(TRUNCATE)`` (the change is copied into the main
file and fsynced) and by a *commit mark*: a small side file ``<journal>.mark``, written to a temp
file, fsynced and renamed, holding the highest payment event number committed. At open the
journal compares the mark with what it holds; fewer payment events than the mark means committed
payments were lost (a deleted or damaged WAL before its checkpoint, a truncated or replaced
main file). The journal still opens (the admin screen and its audit log work), but
:attr:`Journal.loss` says what was lost and the payments service refuses money until a
technician acts (README, "When the kiosk refuses payments"). What it cannot protect against: a
disk that lies about fsync or fails, and power lost without a UPS in the middle of a write of a
disk without power-loss protection.

Every SQLite error on every statement reaches callers as :class:`JournalError`.

Thread model: one connection shared by every thread, serialised by one re-entrant lock (SQLite
serialises writers anyway; a single connection avoids "database is locked" between our own
threads and keeps each transaction on one connection). Any thread may call any method: the
payment worker threads and the resolver write payments, the receipt printer's owner thread
writes print jobs, the admin screen's worker writes audit events, and the reconciliation CLI
reads. Open and close on the thread that owns the service (start-up / shutdown).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from kiosk.devices.jobs import PrintJob, PrintJobState
from kiosk.devices.receipt import Receipt, ReceiptItem, ReceiptTotal
from kiosk.payments.errors import JournalError

log = logging.getLogger(__name__)

# Each entry moves the schema from version index to index + 1. Append only; never edit a
# released migration (a kiosk in the field may be at any version).
MIGRATIONS: tuple[str, ...] = (
    # 1: payments, their state history, print jobs, audit events.
    """
    CREATE TABLE payments (
        id TEXT PRIMARY KEY,                 -- payment reference = idempotency key = channel order no
        kiosk_id TEXT NOT NULL,
        provider TEXT NOT NULL,              -- provider name in config
        provider_kind TEXT NOT NULL,
        amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
        patient_id TEXT NOT NULL,            -- the HIS's logical id (no identity document data)
        bills TEXT NOT NULL,                 -- JSON: [{id, patient_id, total_fen, version}]
        state TEXT NOT NULL,
        provider_ref TEXT,                   -- the channel's transaction id / terminal reference
        paid_amount_fen INTEGER,
        paid_at REAL,
        his_settlement_id TEXT,
        his_receipt TEXT,
        refund_id TEXT,
        reason TEXT NOT NULL DEFAULT '',     -- why it failed / is refunded (technician text)
        cancel_requested INTEGER NOT NULL DEFAULT 0,
        attempts INTEGER NOT NULL DEFAULT 0, -- resolver attempts
        last_error TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,            -- seconds since the epoch (UTC)
        updated_at REAL NOT NULL,
        final_at REAL
    );
    CREATE INDEX payments_state ON payments(state);
    CREATE INDEX payments_created ON payments(created_at);
    CREATE TABLE payment_bills (
        bill_id TEXT NOT NULL,
        payment_id TEXT NOT NULL REFERENCES payments(id),
        PRIMARY KEY (bill_id, payment_id)
    );
    CREATE TABLE payment_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        payment_id TEXT NOT NULL REFERENCES payments(id),
        at REAL NOT NULL,
        from_state TEXT,
        to_state TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX payment_events_payment ON payment_events(payment_id);
    CREATE TABLE print_jobs (
        job_id TEXT PRIMARY KEY,
        receipt TEXT NOT NULL,               -- JSON of the Receipt model (patient already masked)
        state TEXT NOT NULL,
        created_at REAL NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX print_jobs_state ON print_jobs(state);
    CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at REAL NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT ''
    );
    """,
    # 2: the reason a print job needs a reprint after a restart (pending when the kiosk stopped).
    """
    ALTER TABLE print_jobs ADD COLUMN needs_reprint INTEGER NOT NULL DEFAULT 0;
    """,
    # 3: the admin PIN pad's lockout (survives a restart) and settings changed on the admin screen.
    """
    CREATE TABLE admin_guard (
        key TEXT PRIMARY KEY,                -- 'admin': the one PIN pad
        failures INTEGER NOT NULL DEFAULT 0, -- wrong PINs in a row
        locked_until REAL,                   -- seconds since the epoch (UTC); NULL: not locked
        updated_at REAL NOT NULL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at REAL,
        updated_by TEXT                      -- the admin actor (staff number or maintenance)
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


MARK_SUFFIX = ".mark"


@dataclass(frozen=True)
class JournalLoss:
    """The journal holds fewer committed payment events than its commit mark says it should."""

    path: Path
    expected_events: int  # the highest payment event number the mark recorded as committed
    found_events: int  # the highest one the journal holds now

    @property
    def lost_events(self) -> int:
        return self.expected_events - self.found_events

    def describe(self) -> str:
        return (
            f"the journal {self.path} has lost committed payments: it holds payment events up to "
            f"{self.found_events}, its commit mark {mark_path(self.path)} says {self.expected_events} "
            f"({self.lost_events} lost); payments are refused. Restore the journal from a backup, or reconcile "
            f"the days since (kiosk reconcile) and move {mark_path(self.path).name} aside to accept the loss"
        )


def mark_path(path: Path) -> Path:
    return path.with_name(path.name + MARK_SUFFIX)


def read_mark(path: Path) -> int | None:
    """The committed payment event number in the journal's mark; None when there is no mark.

    Raises JournalError when the mark exists but cannot be read (a damaged mark is not "no mark").
    """
    mark = mark_path(path)
    try:
        text = mark.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise JournalError(f"cannot read the journal's commit mark {mark}: {exc}") from None
    try:
        return int(json.loads(text)["payment_events"])
    except (ValueError, KeyError, TypeError) as exc:
        raise JournalError(
            f"the journal's commit mark {mark} is damaged ({exc}); move it aside to rebuild it"
        ) from None


def write_mark(path: Path, events: int) -> None:
    """Writes the mark durably: temp file, fsync, rename, fsync of the folder."""
    mark = mark_path(path)
    tmp = mark.with_name(f"{mark.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    data = json.dumps({"payment_events": events, "written_at": time.time()}).encode("ascii")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, mark)
    folder = os.open(mark.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def payment_events_in(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT COALESCE(MAX(seq), 0) FROM payment_events").fetchone()[0])


@dataclass(frozen=True)
class AuditEvent:
    seq: int
    at: float
    actor: str
    action: str
    detail: str


class Journal:
    """The SQLite journal. ``open()`` before use, ``close()`` at shutdown; safe from any thread."""

    def __init__(self, path: Path | str, *, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self.clock = clock
        self._lock = threading.RLock()
        self._conn: sqlite3.Connection | None = None
        self._depth = 0
        self._money = False  # the open transaction changed a payment: checkpoint and mark after it
        self.loss: JournalLoss | None = None
        self.mark_error = ""  # why the commit mark could not be written (payments are refused)

    # --- lifecycle --------------------------------------------------------------------------

    def open(self) -> Journal:
        with self._lock:
            if self._conn is not None:
                return self
            if str(self.path) != ":memory:":
                self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                conn = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False, timeout=10.0)
            except sqlite3.Error as exc:
                raise JournalError(f"cannot open the journal {self.path}: {exc}") from None
            try:
                conn.execute("PRAGMA busy_timeout = 10000")
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(self.path) != ":memory:" and str(mode).lower() != "wal":
                    raise JournalError(f"the journal {self.path} cannot use WAL mode (got {mode})")
                # FULL: the WAL is fsynced at every commit, so a committed payment row survives power loss.
                conn.execute("PRAGMA synchronous = FULL")
                conn.execute("PRAGMA foreign_keys = ON")
                self._migrate(conn)
                self.loss = self._check_mark(conn)
            except sqlite3.DatabaseError as exc:
                conn.close()
                raise JournalError(f"the journal {self.path} cannot be used: {exc}") from None
            except BaseException:
                conn.close()
                raise
            self._conn = conn
            log.info("journal open at %s (schema version %d)", self.path, SCHEMA_VERSION)
            if self.loss is not None:
                log.critical("%s", self.loss.describe())
            return self

    def _check_mark(self, conn: sqlite3.Connection) -> JournalLoss | None:
        """Compares the commit mark with the journal; writes the first mark of a journal."""
        if str(self.path) == ":memory:":
            return None
        expected = read_mark(self.path)  # first: a commit by another process since only raises ``found``
        found = payment_events_in(conn)
        if expected is not None and found < expected:
            return JournalLoss(self.path, expected, found)
        if expected is None or found > expected:
            # No mark yet (a new journal, or one from before marks existed), or a crash between a
            # commit and its mark: make the mark say what the journal holds.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._write_mark(found)
        return None

    @property
    def refuses_money(self) -> bool:
        """True when the journal cannot vouch for its payments: no new payment may start."""
        return self.loss is not None or bool(self.mark_error)

    def refusal(self) -> str:
        """Why money is refused (technician text), or "" when it is not."""
        if self.loss is not None:
            return self.loss.describe()
        if self.mark_error:
            return f"the journal's commit mark cannot be written ({self.mark_error}); payments are refused"
        return ""

    def note_money(self) -> None:
        """Called inside a transaction that changed a payment: after its commit the change is
        checkpointed into the main file and the commit mark moves on."""
        self._money = True

    def _write_mark(self, events: int) -> None:
        try:
            write_mark(self.path, events)
        except OSError as exc:
            self.mark_error = str(exc)
            log.critical("the journal's commit mark %s cannot be written: %s", mark_path(self.path), exc)
        else:
            self.mark_error = ""

    def _after_money_commit(self, conn: sqlite3.Connection) -> None:
        if str(self.path) == ":memory:":
            return
        try:
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            events = payment_events_in(conn)
        except sqlite3.Error as exc:
            raise JournalError(f"journal checkpoint failed: {exc}") from None
        if busy:
            # Another process reads the journal: the change stays in the (fsynced) WAL until the
            # next checkpoint; the mark still moves, so a lost WAL is detected, never silent.
            log.warning("journal checkpoint blocked by a reader; the next payment retries it")
        self._write_mark(events)

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()

    def __enter__(self) -> Journal:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"the journal is at schema version {version}, newer than this software ({SCHEMA_VERSION})"
            )
        for target in range(version + 1, SCHEMA_VERSION + 1):
            conn.execute("BEGIN IMMEDIATE")
            try:
                for statement in _statements(MIGRATIONS[target - 1]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {target:d}")
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            log.info("journal migrated to schema version %d", target)

    def schema_version(self) -> int:
        with self.transaction() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    # --- transactions -------------------------------------------------------------------------

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT), durable when the block ends.

        Nested calls join the outer transaction. The journal's lock is held throughout, so keep
        the block short and never call the network inside it.
        """
        with self._lock:
            conn = self._conn
            if conn is None:
                raise JournalError("the journal is not open")
            if self._depth:
                self._depth += 1
                try:
                    yield conn
                finally:
                    self._depth -= 1
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise JournalError(f"journal write failed: {exc}") from None
            self._depth = 1
            self._money = False
            try:
                yield conn
            except sqlite3.Error as exc:
                self._depth = 0
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise JournalError(f"journal write failed: {exc}") from None
            except BaseException:
                self._depth = 0
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
            self._depth = 0
            try:
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise JournalError(f"journal commit failed: {exc}") from None
            if self._money:
                self._money = False
                self._after_money_commit(conn)

    def read(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """A read-only query (rows support ``row["column"]``)."""
        with self._lock:
            conn = self._conn
            if conn is None:
                raise JournalError("the journal is not open")
            conn.row_factory = sqlite3.Row
            try:
                return list(conn.execute(sql, params).fetchall())
            except sqlite3.Error as exc:
                raise JournalError(f"journal read failed: {exc}") from None
            finally:
                conn.row_factory = None

    # --- audit ----------------------------------------------------------------------------------

    def audit(self, actor: str, action: str, detail: str = "") -> None:
        """Records an admin action ("technician", "reprint", "job 42"); never patient data."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO audit_events (at, actor, action, detail) VALUES (?, ?, ?, ?)",
                (self.clock(), actor, action, detail),
            )

    def audit_events(self, limit: int = 200) -> list[AuditEvent]:
        rows = self.read("SELECT seq, at, actor, action, detail FROM audit_events ORDER BY seq DESC LIMIT ?", (limit,))
        return [AuditEvent(r["seq"], r["at"], r["actor"], r["action"], r["detail"]) for r in rows]

    # --- settings (changed on the admin screen) ---------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        rows = self.read("SELECT value FROM settings WHERE key = ?", (key,))
        return str(rows[0]["value"]) if rows else None

    def put_setting(self, key: str, value: str, actor: str) -> None:
        """Stores ``key`` = ``value`` and audits "setting.changed" in the same transaction."""
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO settings (key, value, updated_at, updated_by) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at, "
                "updated_by = excluded.updated_by",
                (key, value, self.clock(), actor),
            )
            self.audit(actor, "setting.changed", f"{key}={value}")

    # --- the admin PIN pad's lockout (kiosk.admin.auth) -------------------------------------------

    def guard_state(self, key: str = "admin") -> tuple[int, float | None]:
        """(wrong PINs in a row, locked until) as last stored; (0, None) when never stored."""
        rows = self.read("SELECT failures, locked_until FROM admin_guard WHERE key = ?", (key,))
        if not rows:
            return 0, None
        locked_until = rows[0]["locked_until"]
        return int(rows[0]["failures"]), None if locked_until is None else float(locked_until)

    def put_guard_state(self, failures: int, locked_until: float | None, key: str = "admin") -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO admin_guard (key, failures, locked_until, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(key) DO UPDATE SET failures = excluded.failures, "
                "locked_until = excluded.locked_until, updated_at = excluded.updated_at",
                (key, failures, locked_until, self.clock()),
            )


def _statements(script: str) -> list[str]:
    """Splits a migration into statements (no semicolons inside our DDL strings or comments)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


# --- print jobs --------------------------------------------------------------------------------


def receipt_to_json(receipt: Receipt) -> str:
    return json.dumps(asdict(receipt), ensure_ascii=False, default=str)


def receipt_from_json(text: str) -> Receipt:
    data = json.loads(text)
    return Receipt(
        title=data["title"],
        patient_masked=data["patient_masked"],
        subtitle=data.get("subtitle", ""),
        patient_label=data.get("patient_label", "患者"),
        fields=tuple((str(k), str(v)) for k, v in data.get("fields", ())),
        items=tuple(
            ReceiptItem(str(i["name"]), int(i["amount_fen"]), int(i.get("quantity", 1))) for i in data.get("items", ())
        ),
        totals=tuple(
            ReceiptTotal(str(t["label"]), int(t["amount_fen"]), bool(t.get("emphasis", False)))
            for t in data.get("totals", ())
        ),
        qr=data.get("qr"),
        qr_caption=data.get("qr_caption", ""),
        footer=tuple(str(line) for line in data.get("footer", ())),
    )


RESTART_REASON = "the kiosk restarted before this receipt finished printing"


class JournalPrintJobStore:
    """:class:`kiosk.devices.jobs.PrintJobStore` in the journal: a receipt that could not print
    survives a power cut. Thread-safe (the journal's lock): the printer's owner thread writes,
    the admin screen reads.

    Call :meth:`recover_interrupted` once at start-up, before the printer starts: jobs still
    pending then were interrupted (the paper may or may not have come out), so they become
    failed with ``needs_reprint`` and wait for the service counter or the admin screen.
    """

    def __init__(self, journal: Journal) -> None:
        self._journal = journal

    def recover_interrupted(self) -> list[str]:
        with self._journal.transaction() as conn:
            ids = [
                str(r[0])
                for r in conn.execute(
                    "SELECT job_id FROM print_jobs WHERE state = ? ORDER BY created_at", (PrintJobState.PENDING.value,)
                )
            ]
            conn.execute(
                "UPDATE print_jobs SET state = ?, needs_reprint = 1, last_error = ? WHERE state = ?",
                (PrintJobState.FAILED.value, RESTART_REASON, PrintJobState.PENDING.value),
            )
        if ids:
            log.warning("%d receipt job(s) interrupted by a restart are marked for reprint", len(ids))
        return ids

    def add(self, job_id: str, receipt: Receipt) -> PrintJob:
        with self._journal.transaction() as conn:
            conn.execute(
                "INSERT OR IGNORE INTO print_jobs (job_id, receipt, state, created_at) VALUES (?, ?, ?, ?)",
                (job_id, receipt_to_json(receipt), PrintJobState.PENDING.value, self._journal.clock()),
            )
        job = self.get(job_id)
        if job is None:  # pragma: no cover - just inserted in a committed transaction
            raise JournalError(f"print job {job_id} vanished")
        return job

    def get(self, job_id: str) -> PrintJob | None:
        rows = self._journal.read("SELECT * FROM print_jobs WHERE job_id = ?", (job_id,))
        return _job(rows[0]) if rows else None

    def needs_reprint(self, job_id: str) -> bool:
        rows = self._journal.read("SELECT needs_reprint FROM print_jobs WHERE job_id = ?", (job_id,))
        return bool(rows and rows[0]["needs_reprint"])

    def _update(self, job_id: str, sql: str, params: tuple[Any, ...]) -> None:
        with self._journal.transaction() as conn:
            cursor = conn.execute(sql, (*params, job_id))
            if cursor.rowcount != 1:
                raise KeyError(job_id)

    def mark_attempt(self, job_id: str) -> None:
        self._update(job_id, "UPDATE print_jobs SET attempts = attempts + 1 WHERE job_id = ?", ())

    def mark_printed(self, job_id: str) -> None:
        self._update(
            job_id,
            "UPDATE print_jobs SET state = ?, last_error = '', needs_reprint = 0 WHERE job_id = ?",
            (PrintJobState.PRINTED.value,),
        )

    def mark_failed(self, job_id: str, reason: str) -> None:
        self._update(
            job_id,
            "UPDATE print_jobs SET state = ?, last_error = ? WHERE job_id = ?",
            (PrintJobState.FAILED.value, reason),
        )

    def unprinted(self) -> list[PrintJob]:
        rows = self._journal.read(
            "SELECT * FROM print_jobs WHERE state != ? ORDER BY created_at, job_id", (PrintJobState.PRINTED.value,)
        )
        return [_job(r) for r in rows]


def _job(row: sqlite3.Row) -> PrintJob:
    return PrintJob(
        job_id=row["job_id"],
        receipt=receipt_from_json(row["receipt"]),
        state=PrintJobState(row["state"]),
        created_at=float(row["created_at"]),
        attempts=int(row["attempts"]),
        last_error=row["last_error"],
    )
