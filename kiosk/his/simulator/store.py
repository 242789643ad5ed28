"""SQLite storage of the simulator's FHIR resources, with the search indexes the API needs.

Resources are stored as JSON; every write re-extracts the search parameters of that resource
into an index table, so searches are SQL look-ups rather than scans. One connection, guarded by
one re-entrant lock: the HTTP handler threads take turns, and :meth:`ResourceStore.atomic`
makes a business rule's read-check-write sequence one transaction.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

log = logging.getLogger(__name__)

Json = dict[str, Any]
ParamKind = Literal["token", "reference", "date"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS resource (
    type TEXT NOT NULL, id TEXT NOT NULL, version INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (type, id)
);
CREATE TABLE IF NOT EXISTS idx (
    type TEXT NOT NULL, id TEXT NOT NULL, param TEXT NOT NULL, system TEXT, value TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS idx_lookup ON idx (type, param, value);
CREATE INDEX IF NOT EXISTS idx_owner ON idx (type, id);
CREATE TABLE IF NOT EXISTS counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


def _json_default(value: object) -> object:
    # Money is kept as Decimal in memory; float's repr is the shortest text that round-trips, so
    # a client parsing numbers as Decimal reads back exactly the amount written.
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent == 0 else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dump_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def load_json(text: str | bytes) -> Any:
    return json.loads(text, parse_float=Decimal)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _identifier_tokens(resource: Json) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for raw in _list(resource.get("identifier")):
        ident = _dict(raw)
        value = ident.get("value")
        if isinstance(value, str):
            system = ident.get("system")
            out.append((system if isinstance(system, str) else None, value))
    return out


def _code_tokens(field: str) -> Callable[[Json], list[tuple[str | None, str]]]:
    def extract(resource: Json) -> list[tuple[str | None, str]]:
        value = resource.get(field)
        if isinstance(value, bool):
            return [(None, "true" if value else "false")]
        if isinstance(value, str):
            return [(None, value)]
        return []

    return extract


def _concept_tokens(field: str) -> Callable[[Json], list[tuple[str | None, str]]]:
    def extract(resource: Json) -> list[tuple[str | None, str]]:
        value = resource.get(field)
        concepts = value if isinstance(value, list) else [value]
        out: list[tuple[str | None, str]] = []
        for concept in concepts:
            for raw in _list(_dict(concept).get("coding")):
                coding = _dict(raw)
                code = coding.get("code")
                if isinstance(code, str):
                    system = coding.get("system")
                    out.append((system if isinstance(system, str) else None, code))
        return out

    return extract


def _tag_tokens(resource: Json) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for raw in _list(_dict(resource.get("meta")).get("tag")):
        tag = _dict(raw)
        if isinstance(tag.get("code"), str):
            system = tag.get("system")
            out.append((system if isinstance(system, str) else None, tag["code"]))
    return out


def _refs(*paths: str, only: str | None = None) -> Callable[[Json], list[str]]:
    """References found at dotted paths (lists are walked), optionally only to one resource type."""

    def extract(resource: Json) -> list[str]:
        found: list[str] = []
        for path in paths:
            nodes: list[Any] = [resource]
            for part in path.split("."):
                nxt: list[Any] = []
                for node in nodes:
                    value = _dict(node).get(part)
                    nxt.extend(value if isinstance(value, list) else [value])
                nodes = nxt
            for node in nodes:
                ref = _dict(node).get("reference")
                if isinstance(ref, str) and (only is None or ref.startswith(only + "/")):
                    found.append(ref)
        return found

    return extract


def _dates(field: str) -> Callable[[Json], list[str]]:
    def extract(resource: Json) -> list[str]:
        value = resource.get(field)
        return [value] if isinstance(value, str) else []

    return extract


@dataclass(frozen=True)
class SearchParam:
    kind: ParamKind
    extract: Callable[[Json], list[Any]]


_IDENT = SearchParam("token", _identifier_tokens)
_TAG = SearchParam("token", _tag_tokens)

SEARCH_PARAMS: dict[str, dict[str, SearchParam]] = {
    "Patient": {"identifier": _IDENT, "_tag": _TAG},
    "HealthcareService": {"identifier": _IDENT, "active": SearchParam("token", _code_tokens("active"))},
    "Organization": {
        "identifier": _IDENT,
        "active": SearchParam("token", _code_tokens("active")),
        "type": SearchParam("token", _concept_tokens("type")),
    },
    "Practitioner": {"identifier": _IDENT},
    "Schedule": {
        "identifier": _IDENT,
        "actor": SearchParam("reference", _refs("actor")),
        "active": SearchParam("token", _code_tokens("active")),
    },
    "Slot": {
        "identifier": _IDENT,
        "schedule": SearchParam("reference", _refs("schedule")),
        "status": SearchParam("token", _code_tokens("status")),
        "start": SearchParam("date", _dates("start")),
    },
    "Appointment": {
        "identifier": _IDENT,
        "patient": SearchParam("reference", _refs("participant.actor", only="Patient")),
        "actor": SearchParam("reference", _refs("participant.actor")),
        "slot": SearchParam("reference", _refs("slot")),
        "status": SearchParam("token", _code_tokens("status")),
        "date": SearchParam("date", _dates("start")),
    },
    "Encounter": {
        "identifier": _IDENT,
        "subject": SearchParam("reference", _refs("subject")),
        "patient": SearchParam("reference", _refs("subject", only="Patient")),
    },
    "Invoice": {
        "identifier": _IDENT,
        "subject": SearchParam("reference", _refs("subject")),
        "patient": SearchParam("reference", _refs("subject", only="Patient")),
        "status": SearchParam("token", _code_tokens("status")),
        "date": SearchParam("date", _dates("date")),
    },
    "PaymentReconciliation": {
        "identifier": _IDENT,
        "status": SearchParam("token", _code_tokens("status")),
        # Not a standard parameter: lets the simulator find the payments that name an invoice.
        "detail-request": SearchParam("reference", _refs("detail.request")),
    },
    "PaymentNotice": {
        "identifier": _IDENT,
        "request": SearchParam("reference", _refs("request")),
        "status": SearchParam("token", _code_tokens("status")),
    },
    "DiagnosticReport": {
        "identifier": _IDENT,
        "subject": SearchParam("reference", _refs("subject")),
        "patient": SearchParam("reference", _refs("subject", only="Patient")),
        "status": SearchParam("token", _code_tokens("status")),
        "category": SearchParam("token", _concept_tokens("category")),
        "date": SearchParam("date", _dates("effectiveDateTime")),
        "issued": SearchParam("date", _dates("issued")),
        "_tag": _TAG,
    },
    "Binary": {},
}

RESOURCE_TYPES = frozenset(SEARCH_PARAMS)


def to_utc_key(value: str, zone: ZoneInfo) -> str | None:
    """A FHIR date/dateTime/instant as a sortable UTC key; naive values are in ``zone``."""
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), time(0), zone)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=zone)
    except ValueError:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


@dataclass(frozen=True)
class TokenCriterion:
    """One OR-list of ``system|code`` alternatives; system None = any system, "" = no system."""

    param: str
    alternatives: tuple[tuple[str | None, str], ...]


@dataclass(frozen=True)
class ReferenceCriterion:
    param: str
    targets: tuple[str, ...]  # "Type/id"


@dataclass(frozen=True)
class DateCriterion:
    param: str
    low: str  # UTC key, inclusive
    high: str  # UTC key, exclusive


@dataclass(frozen=True)
class IdCriterion:
    ids: tuple[str, ...]


Criterion = TokenCriterion | ReferenceCriterion | DateCriterion | IdCriterion


class VersionConflict(Exception):
    """The stored version is not the one the update was based on."""


class ResourceStore:
    """Thread-safe (one lock) SQLite store, used from the simulator's HTTP handler threads."""

    def __init__(self, path: Path | str | None, zone: ZoneInfo) -> None:
        self._zone = zone
        self._lock = threading.RLock()
        self._depth = 0
        target = str(path) if path is not None else ":memory:"
        self._conn = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        try:
            self._conn.execute("PRAGMA journal_mode=WAL" if path is not None else "PRAGMA journal_mode=MEMORY")
            self._conn.executescript(_SCHEMA)
        except sqlite3.Error:
            self._conn.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction (nested calls join the outer one) holding the store lock."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    def is_empty(self) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM resource LIMIT 1").fetchone() is None

    def next_number(self, name: str, floor: int = 0) -> int:
        """A persistent counter (ids, visit card numbers, receipt numbers...), never below floor + 1."""
        with self.atomic():
            row = self._conn.execute("SELECT value FROM counter WHERE name = ?", (name,)).fetchone()
            value = max(row[0] if row else 0, floor) + 1
            self._conn.execute(
                "INSERT INTO counter (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                (name, value),
            )
            return int(value)

    def read(self, rtype: str, rid: str) -> Json | None:
        with self._lock:
            row = self._conn.execute("SELECT body FROM resource WHERE type = ? AND id = ?", (rtype, rid)).fetchone()
        if row is None:
            return None
        body: Json = load_json(row[0])
        return body

    def new_id(self, rtype: str) -> str:
        """The next server-assigned id of ``rtype`` (for a resource that must be named before it is created)."""
        return f"{rtype[:3].lower()}-{self.next_number('id:' + rtype):06d}"

    def create(self, rtype: str, resource: Json, now: datetime, rid: str | None = None) -> Json:
        with self.atomic():
            if rid is None:
                rid = self.new_id(rtype)
            stored = {**resource, "resourceType": rtype, "id": rid}
            stored["meta"] = {**_dict(resource.get("meta")), "versionId": "1", "lastUpdated": _instant(now)}
            self._conn.execute(
                "INSERT INTO resource (type, id, version, body) VALUES (?, ?, 1, ?)",
                (rtype, rid, dump_json(stored)),
            )
            self._index(rtype, rid, stored)
            return stored

    def update(
        self,
        rtype: str,
        rid: str,
        resource: Json,
        now: datetime,
        *,
        expected_version: str | None = None,
        bump: bool = True,
    ) -> Json:
        """Replaces a resource; with ``expected_version`` only if it is still the stored one."""
        with self.atomic():
            row = self._conn.execute("SELECT version FROM resource WHERE type = ? AND id = ?", (rtype, rid)).fetchone()
            if row is None:
                raise KeyError(rid)
            current = int(row[0])
            if expected_version is not None and expected_version != str(current):
                raise VersionConflict(str(current))
            version = current + 1 if bump else current
            stored = {**resource, "resourceType": rtype, "id": rid}
            stored["meta"] = {
                **_dict(resource.get("meta")),
                "versionId": str(version),
                "lastUpdated": _instant(now),
            }
            self._conn.execute(
                "UPDATE resource SET version = ?, body = ? WHERE type = ? AND id = ?",
                (version, dump_json(stored), rtype, rid),
            )
            self._conn.execute("DELETE FROM idx WHERE type = ? AND id = ?", (rtype, rid))
            self._index(rtype, rid, stored)
            return stored

    def search(self, rtype: str, criteria: Sequence[Criterion]) -> list[Json]:
        """Resources of ``rtype`` matching every criterion, in id order."""
        with self._lock:
            ids: set[str] | None = None
            for criterion in criteria:
                found = self._match(rtype, criterion)
                ids = found if ids is None else ids & found
                if not ids:
                    return []
            if ids is None:
                rows = self._conn.execute("SELECT body FROM resource WHERE type = ? ORDER BY id", (rtype,))
                return [load_json(row[0]) for row in rows]
            out: list[Json] = []
            for rid in sorted(ids):
                body = self.read(rtype, rid)
                if body is not None:
                    out.append(body)
            return out

    def _match(self, rtype: str, criterion: Criterion) -> set[str]:
        conn = self._conn
        if isinstance(criterion, IdCriterion):
            marks = ",".join("?" * len(criterion.ids))
            rows = conn.execute(
                f"SELECT id FROM resource WHERE type = ? AND id IN ({marks})",  # noqa: S608 - placeholders only
                (rtype, *criterion.ids),
            )
            return {row[0] for row in rows}
        if isinstance(criterion, DateCriterion):
            rows = conn.execute(
                "SELECT id FROM idx WHERE type = ? AND param = ? AND value >= ? AND value < ?",
                (rtype, criterion.param, criterion.low, criterion.high),
            )
            return {row[0] for row in rows}
        if isinstance(criterion, ReferenceCriterion):
            marks = ",".join("?" * len(criterion.targets))
            rows = conn.execute(
                f"SELECT id FROM idx WHERE type = ? AND param = ? AND value IN ({marks})",  # noqa: S608
                (rtype, criterion.param, *criterion.targets),
            )
            return {row[0] for row in rows}
        found: set[str] = set()
        for system, code in criterion.alternatives:
            if system is None:
                rows = conn.execute(
                    "SELECT id FROM idx WHERE type = ? AND param = ? AND value = ?", (rtype, criterion.param, code)
                )
            elif system == "":
                rows = conn.execute(
                    "SELECT id FROM idx WHERE type = ? AND param = ? AND value = ? AND system IS NULL",
                    (rtype, criterion.param, code),
                )
            elif code == "":
                rows = conn.execute(
                    "SELECT id FROM idx WHERE type = ? AND param = ? AND system = ?", (rtype, criterion.param, system)
                )
            else:
                rows = conn.execute(
                    "SELECT id FROM idx WHERE type = ? AND param = ? AND value = ? AND system = ?",
                    (rtype, criterion.param, code, system),
                )
            found.update(row[0] for row in rows)
        return found

    def _index(self, rtype: str, rid: str, resource: Json) -> None:
        rows: list[tuple[str, str, str, str | None, str]] = []
        for name, param in SEARCH_PARAMS.get(rtype, {}).items():
            for value in param.extract(resource):
                if param.kind == "token":
                    system, code = value
                    rows.append((rtype, rid, name, system, code))
                elif param.kind == "reference":
                    rows.append((rtype, rid, name, None, _local_reference(value)))
                else:
                    key = to_utc_key(value, self._zone)
                    if key is not None:
                        rows.append((rtype, rid, name, None, key))
        if rows:
            self._conn.executemany("INSERT INTO idx (type, id, param, system, value) VALUES (?, ?, ?, ?, ?)", rows)


def _local_reference(reference: str) -> str:
    """'http://host/fhir/Patient/1' and 'Patient/1/_history/2' both index as 'Patient/1'."""
    parts = [part for part in reference.split("/") if part]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    return "/".join(parts[-2:])


def _instant(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def day_range(day: date, zone: ZoneInfo) -> tuple[str, str]:
    start = datetime.combine(day, time(0), zone)
    return (
        start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        (start + timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
    )
