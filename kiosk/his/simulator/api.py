"""The simulator's FHIR R4 REST subset and the business rules a real HIS enforces.

Transport-free: :meth:`FhirApi.handle` turns a :class:`ApiRequest` into an :class:`ApiResponse`,
so the rules are testable without sockets and the HTTP layer (server.py) only moves bytes and
injects faults. Runs on the HTTP server's handler threads; the store serialises the writes.

Rules enforced (each answers with an OperationOutcome): a slot's capacity and no double booking
(409 when full, 422 when the patient already holds the slot), no booking a session that has
ended, cancelling only before the session starts, checking in only inside the check-in window,
no settling a bill twice or for the wrong amount, resident ID numbers must carry a valid check
character, If-Match on every Appointment and Invoice update.

Registration fees (锁号 → 缴费 → 确认): booking a slot whose schedule has a fee takes the place
but stores the appointment as ``pending`` with a registration-fee Invoice; the payment of that
invoice books it. An unpaid hold lapses after ``hold_time`` (15 minutes by default): the
appointment and its invoice are cancelled and the place freed. Lapses are applied lazily, before
every request that could see a held booking, so a frozen test clock decides them too.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

from kiosk.domain import fen_from_decimal, is_valid_resident_id
from kiosk.his.mapping import KIOSK_TAG_SYSTEM, TAG_PRINTED
from kiosk.his.simulator.seed import INVOICE_NUMBERS, SeedSystems, money
from kiosk.his.simulator.store import (
    RESOURCE_TYPES,
    SEARCH_PARAMS,
    Criterion,
    DateCriterion,
    IdCriterion,
    Json,
    ReferenceCriterion,
    ResourceStore,
    SearchParam,
    TokenCriterion,
    VersionConflict,
    dump_json,
    load_json,
    to_utc_key,
)

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json; charset=utf-8"
CHECKIN_OPENS_BEFORE = timedelta(minutes=60)
REGISTRATION_HOLD = timedelta(minutes=15)  # how long a booking waits for its registration fee
_HOLD_TYPES = frozenset({"Appointment", "Invoice", "Slot", "PaymentReconciliation"})  # can see a hold
_BOOKED = frozenset({"booked", "arrived", "checked-in", "fulfilled"})
_MAX_COUNT = 1000
_IGNORED_PARAMS = frozenset({"_format", "_pretty"})
_STRICT_UPDATE = frozenset({"Appointment", "Invoice"})  # writes that must carry If-Match
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_MIN_KEY, _MAX_KEY = "0000-00-00T00:00:00", "9999-12-31T23:59:59"


class SimClock:
    """The simulator's notion of now: real time, or a moment fixed by a test or the demo."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._lock = threading.Lock()
        self._fixed: datetime | None = None

    def now(self) -> datetime:
        with self._lock:
            fixed = self._fixed
        return fixed if fixed is not None else datetime.now(self.zone).replace(microsecond=0)

    def set(self, moment: datetime | None) -> None:
        """Freezes the clock at ``moment`` (naive = HIS time zone); None returns to real time."""
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=self.zone)
        with self._lock:
            self._fixed = moment.astimezone(self.zone) if moment is not None else None


@dataclass(frozen=True)
class ApiRequest:
    method: str
    path: str  # below the FHIR base, e.g. "/Patient/pat-0001"
    query: Sequence[tuple[str, str]] = ()
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    body: bytes = b""


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: bytes = b""
    content_type: str = FHIR_JSON
    headers: Mapping[str, str] = field(default_factory=dict)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def operation_outcome(code: str, message: str, severity: str = "error") -> Json:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": code, "diagnostics": message, "details": {"text": message}}],
    }


def _json_response(status: int, body: Json, headers: Mapping[str, str] | None = None) -> ApiResponse:
    return ApiResponse(status, dump_json(body).encode("utf-8"), FHIR_JSON, dict(headers or {}))


def _dict(value: Any) -> Json:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _parse_moment(value: str, zone: ZoneInfo) -> tuple[str, str]:
    """A search date value (YYYY, YYYY-MM, YYYY-MM-DD or dateTime) as a [low, high) UTC key range."""
    try:
        if len(value) == 4:
            low = datetime(int(value), 1, 1, tzinfo=zone)
            high = datetime(int(value) + 1, 1, 1, tzinfo=zone)
        elif len(value) == 7:
            year, month = int(value[:4]), int(value[5:7])
            low = datetime(year, month, 1, tzinfo=zone)
            high = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
        elif len(value) == 10:
            low = datetime.combine(date.fromisoformat(value), time(0), zone)
            high = low + timedelta(days=1)
        else:
            low = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if low.tzinfo is None:
                low = low.replace(tzinfo=zone)
            high = low + timedelta(seconds=1)
    except ValueError:
        raise ApiError(400, "invalid", f"invalid date search value {value!r}") from None
    fmt = "%Y-%m-%dT%H:%M:%S"
    return low.astimezone(UTC).strftime(fmt), high.astimezone(UTC).strftime(fmt)


def _etag(resource: Json) -> str:
    return f'W/"{_dict(resource.get("meta")).get("versionId", "1")}"'


def _ext(resource: Json, url: str) -> Json | None:
    return next((e for e in _list(resource.get("extension")) if _dict(e).get("url") == url), None)


def _set_int_ext(resource: Json, url: str, value: int) -> None:
    others = [e for e in _list(resource.get("extension")) if _dict(e).get("url") != url]
    resource["extension"] = [*others, {"url": url, "valueInteger": value}]


def _ref_id(reference: Any, rtype: str) -> str | None:
    """The id in a reference to ``rtype`` (relative or absolute), or None."""
    ref = _dict(reference).get("reference")
    if not isinstance(ref, str):
        return None
    parts = [part for part in ref.split("/") if part]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2] == rtype:
        return parts[-1]
    return None


def _money_fen(value: Any, what: str) -> int:
    amount = _dict(value).get("value")
    if not isinstance(amount, (int, Decimal)) or isinstance(amount, bool):
        raise ApiError(422, "invalid", f"{what} needs a numeric value")
    try:
        return fen_from_decimal(Decimal(amount))
    except ValueError:
        raise ApiError(422, "invalid", f"{what} is not a whole number of fen") from None


class FhirApi:
    """Answers FHIR requests from the store; called concurrently from handler threads."""

    def __init__(
        self,
        store: ResourceStore,
        systems: SeedSystems,
        clock: SimClock,
        base_url: Callable[[], str],
        hold_time: timedelta = REGISTRATION_HOLD,
        *,
        plain: bool = False,
    ) -> None:
        # plain: a FHIR server that knows nothing of the kiosk profile (no fee hold, no queue
        # numbers, no places-left extension, no $meta-add, no conditional create; a PUT may
        # create), as most hospitals' FHIR facades are. The contract suite runs against both.
        self.plain = plain
        self._store = store
        self._sys = systems
        self._clock = clock
        self._base_url = base_url
        self.hold_time = hold_time

    # ---- dispatch -------------------------------------------------------------------------

    def handle(self, request: ApiRequest) -> ApiResponse:
        try:
            return self._route(request)
        except ApiError as exc:
            return _json_response(exc.status, operation_outcome(exc.code, exc.message))
        except Exception:  # a simulator bug must answer 500, not kill the connection
            log.exception("simulator failed on %s %s", request.method, request.path.split("?")[0])
            return _json_response(500, operation_outcome("exception", "internal simulator error"))

    def _route(self, request: ApiRequest) -> ApiResponse:
        parts = [part for part in request.path.split("/") if part]
        method = request.method
        if parts == ["metadata"] and method == "GET":
            return _json_response(200, self.capability_statement())
        if not parts or parts[0] not in RESOURCE_TYPES:
            raise ApiError(404, "not-supported", f"unknown resource type {parts[0] if parts else ''!r}")
        rtype = parts[0]
        if rtype in _HOLD_TYPES:
            self.release_lapsed_holds()
        if len(parts) == 1 and method == "GET":
            return self._search(rtype, request.query)
        if len(parts) == 1 and method == "POST":
            return self._create(rtype, request)
        if len(parts) == 2 and method == "GET":
            return self._read(rtype, parts[1], request.headers)
        if len(parts) == 2 and method == "PUT":
            return self._update(rtype, parts[1], request)
        if len(parts) == 4 and parts[2] == "_history" and method == "GET":
            current = self._read_or_404(rtype, parts[1])
            if _dict(current.get("meta")).get("versionId") != parts[3]:
                raise ApiError(404, "not-found", "only the current version is kept")
            return _json_response(200, current, {"ETag": _etag(current)})
        if len(parts) == 3 and parts[2] == "$meta-add" and method == "POST" and not self.plain:
            return self._meta_add(rtype, parts[1], request.body)
        if len(parts) == 3 and parts[2].startswith("$"):
            raise ApiError(404, "not-supported", f"unknown operation {parts[2]}")
        raise ApiError(405, "not-supported", f"{method} is not supported here")

    # ---- read / search ----------------------------------------------------------------------

    def _read_or_404(self, rtype: str, rid: str) -> Json:
        resource = self._store.read(rtype, rid)
        if resource is None:
            raise ApiError(404, "not-found", f"{rtype}/{rid} not found")
        return resource

    def _read(self, rtype: str, rid: str, headers: Mapping[str, str]) -> ApiResponse:
        resource = self._read_or_404(rtype, rid)
        accept = headers.get("accept", "")
        if rtype == "Binary" and "json" not in accept and "application/pdf" in accept:
            try:
                data = base64.b64decode(str(resource.get("data", "")), validate=True)
            except binascii.Error:
                raise ApiError(500, "exception", "stored binary is corrupt") from None
            return ApiResponse(
                200, data, str(resource.get("contentType", "application/octet-stream")), {"ETag": _etag(resource)}
            )
        return _json_response(200, resource, {"ETag": _etag(resource)})

    def criteria(self, rtype: str, query: Sequence[tuple[str, str]]) -> list[Criterion]:
        """Search parameters → store criteria; 400 for anything this server does not support."""
        params = SEARCH_PARAMS[rtype]
        out: list[Criterion] = []
        for name, value in query:
            if name.startswith("_") and name not in ("_id", "_tag"):
                continue  # result parameters are handled by the caller
            if ":" in name:
                raise ApiError(400, "not-supported", f"search modifiers are not supported ({name})")
            if name == "_id":
                out.append(IdCriterion(tuple(v for v in value.split(",") if v)))
                continue
            param = params.get(name)
            if param is None:
                raise ApiError(400, "not-supported", f"unknown search parameter {name!r} for {rtype}")
            if param.kind == "token":
                alternatives: list[tuple[str | None, str]] = []
                for alt in value.split(","):
                    if "|" in alt:
                        system, code = alt.split("|", 1)
                        alternatives.append((system, code))
                    else:
                        alternatives.append((None, alt))
                out.append(TokenCriterion(name, tuple(alternatives)))
            elif param.kind == "reference":
                targets = []
                for alt in value.split(","):
                    pieces = [p for p in alt.split("/") if p]
                    if len(pieces) >= 2:
                        targets.append("/".join(pieces[-2:]))
                    elif name in ("patient", "subject") and pieces:
                        targets.append(f"Patient/{pieces[0]}")
                    else:
                        raise ApiError(400, "invalid", f"reference search {name} needs Type/id")
                out.append(ReferenceCriterion(name, tuple(targets)))
            else:
                prefix, moment = (value[:2], value[2:]) if value[:2].isalpha() else ("eq", value)
                low, high = _parse_moment(moment, self._clock.zone)
                bounds = {
                    "eq": (low, high),
                    "ge": (low, _MAX_KEY),
                    "gt": (high, _MAX_KEY),
                    "le": (_MIN_KEY, high),
                    "lt": (_MIN_KEY, low),
                }.get(prefix)
                if bounds is None:
                    raise ApiError(400, "not-supported", f"date prefix {prefix!r} is not supported")
                out.append(DateCriterion(name, *bounds))
        return out

    def _search(self, rtype: str, query: Sequence[tuple[str, str]]) -> ApiResponse:
        count, offset, sort, includes, summary = 100, 0, "", [], ""
        for name, value in query:
            if name == "_count":
                count = self._int_param(name, value, 0, _MAX_COUNT)
            elif name == "_offset":
                offset = self._int_param(name, value, 0, 10**9)
            elif name == "_sort":
                sort = value
            elif name == "_include":
                includes.append(value)
            elif name == "_summary":
                summary = value
            elif name.startswith("_") and name not in ("_id", "_tag") and name not in _IGNORED_PARAMS:
                raise ApiError(400, "not-supported", f"unsupported search parameter {name!r}")
        matches = self._store.search(rtype, self.criteria(rtype, query))
        if sort:
            matches = self._sorted(rtype, matches, sort)
        base = self._base_url()
        bundle: Json = {"resourceType": "Bundle", "type": "searchset", "total": len(matches)}
        selfq = [(k, v) for k, v in query if k != "_offset"]
        bundle["link"] = [{"relation": "self", "url": f"{base}/{rtype}?{urlencode(query)}"}]
        if summary == "count":
            return _json_response(200, bundle)
        page = matches[offset : offset + count]
        if offset + count < len(matches):
            nxt = urlencode([*selfq, ("_offset", str(offset + count))])
            bundle["link"].append({"relation": "next", "url": f"{base}/{rtype}?{nxt}"})
        entries = [{"fullUrl": f"{base}/{rtype}/{r['id']}", "resource": r, "search": {"mode": "match"}} for r in page]
        seen: set[str] = set()
        for include in includes:
            entries.extend(self._included(rtype, include, page, seen, base))
        bundle["entry"] = entries
        return _json_response(200, bundle)

    @staticmethod
    def _int_param(name: str, value: str, low: int, high: int) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ApiError(400, "invalid", f"{name} must be an integer") from None
        return max(low, min(high, number))

    def _sorted(self, rtype: str, resources: list[Json], sort: str) -> list[Json]:
        for key in reversed(sort.split(",")):
            reverse = key.startswith("-")
            name = key.lstrip("-")
            if name == "_id":
                resources = sorted(resources, key=lambda r: str(r.get("id")), reverse=reverse)
                continue
            if name == "_lastUpdated":
                resources = sorted(
                    resources, key=lambda r: str(_dict(r.get("meta")).get("lastUpdated", "")), reverse=reverse
                )
                continue
            param = SEARCH_PARAMS[rtype].get(name)
            if param is None:
                raise ApiError(400, "not-supported", f"cannot sort {rtype} by {name!r}")

            def sort_key(resource: Json, param: SearchParam = param) -> str:
                values = param.extract(resource)
                if not values:
                    return ""
                first = values[0]
                if param.kind == "date":
                    return to_utc_key(str(first), self._clock.zone) or ""
                return str(first[1] if isinstance(first, tuple) else first)

            resources = sorted(resources, key=sort_key, reverse=reverse)
        return resources

    def _included(self, rtype: str, include: str, page: list[Json], seen: set[str], base: str) -> list[Json]:
        pieces = include.split(":")
        if len(pieces) not in (2, 3) or pieces[0] != rtype:
            raise ApiError(400, "not-supported", f"unsupported _include {include!r}")
        param = SEARCH_PARAMS[rtype].get(pieces[1])
        if param is None or param.kind != "reference":
            raise ApiError(400, "not-supported", f"unsupported _include {include!r}")
        out: list[Json] = []
        for resource in page:
            for ref in param.extract(resource):
                target_parts = [p for p in str(ref).split("/") if p][-2:]
                if len(target_parts) != 2 or (len(pieces) == 3 and target_parts[0] != pieces[2]):
                    continue
                key = "/".join(target_parts)
                if key in seen or target_parts[0] not in RESOURCE_TYPES:
                    continue
                seen.add(key)
                target = self._store.read(target_parts[0], target_parts[1])
                if target is not None:
                    out.append({"fullUrl": f"{base}/{key}", "resource": target, "search": {"mode": "include"}})
        return out

    # ---- create / update ------------------------------------------------------------------

    def _parse_body(self, rtype: str, body: bytes) -> Json:
        try:
            resource = load_json(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise ApiError(400, "structure", "body is not valid JSON") from None
        if not isinstance(resource, dict) or resource.get("resourceType") != rtype:
            raise ApiError(400, "structure", f"body must be a {rtype} resource")
        return resource

    def _created(self, rtype: str, resource: Json, status: int, prefer: str) -> ApiResponse:
        version = _dict(resource.get("meta")).get("versionId", "1")
        headers = {
            "Location": f"{self._base_url()}/{rtype}/{resource['id']}/_history/{version}",
            "ETag": _etag(resource),
        }
        if "return=minimal" in prefer:
            return ApiResponse(status, b"", FHIR_JSON, headers)
        return _json_response(status, resource, headers)

    def _create(self, rtype: str, request: ApiRequest) -> ApiResponse:
        resource = self._parse_body(rtype, request.body)
        resource.pop("id", None)
        prefer = request.headers.get("prefer", "")
        condition = request.headers.get("if-none-exist")
        if condition and self.plain:
            raise ApiError(400, "not-supported", "conditional create is not supported")
        with self._store.atomic():
            if condition:
                query = parse_qsl(condition.split("?", 1)[-1], keep_blank_values=True)
                if not query:
                    raise ApiError(400, "invalid", "If-None-Exist needs search parameters")
                existing = self._store.search(rtype, self.criteria(rtype, query))
                if len(existing) > 1:
                    raise ApiError(412, "duplicate", "If-None-Exist matches more than one resource")
                if existing:
                    return self._created(rtype, existing[0], 200, prefer)
            rule = getattr(self, f"_before_create_{rtype}", None)
            if rule is not None:
                rule(resource)
            assigned = resource.pop("id", None)  # named by the rule (the client's id was dropped above)
            stored = self._store.create(
                rtype, resource, self._clock.now(), assigned if isinstance(assigned, str) else None
            )
            after = getattr(self, f"_after_create_{rtype}", None)
            if after is not None:
                after(stored)
        return self._created(rtype, stored, 201, prefer)

    def _update(self, rtype: str, rid: str, request: ApiRequest) -> ApiResponse:
        resource = self._parse_body(rtype, request.body)
        if resource.get("id") != rid:
            raise ApiError(400, "invalid", "the resource id must match the URL")
        match = request.headers.get("if-match")
        expected = match.strip().removeprefix("W/").strip('"') if match else None
        if expected is None and rtype in _STRICT_UPDATE:
            raise ApiError(428, "required", f"updates of {rtype} need If-Match")
        with self._store.atomic():
            if self.plain and expected is None and self._store.read(rtype, rid) is None:
                if not _FHIR_ID.fullmatch(rid):
                    raise ApiError(400, "invalid", "not a FHIR id")
                created = self._store.create(rtype, {**resource, "id": rid}, self._clock.now(), rid)
                return self._created(rtype, created, 201, request.headers.get("prefer", ""))
            current = self._read_or_404(rtype, rid)
            if expected is not None and expected != _dict(current.get("meta")).get("versionId"):
                raise ApiError(412, "conflict", "version conflict: the resource was changed meanwhile")
            rule = getattr(self, f"_before_update_{rtype}", None)
            if rule is not None:
                rule(current, resource)
            try:
                stored = self._store.update(rtype, rid, resource, self._clock.now(), expected_version=expected)
            except VersionConflict:
                raise ApiError(412, "conflict", "version conflict: the resource was changed meanwhile") from None
        return _json_response(200, stored, {"ETag": _etag(stored)})

    def _meta_add(self, rtype: str, rid: str, body: bytes) -> ApiResponse:
        params = self._parse_body("Parameters", body)
        meta_in = next(
            (_dict(p).get("valueMeta") for p in _list(params.get("parameter")) if _dict(p).get("name") == "meta"),
            None,
        )
        if not isinstance(meta_in, dict):
            raise ApiError(400, "invalid", "$meta-add needs a 'meta' parameter with valueMeta")
        with self._store.atomic():
            current = self._read_or_404(rtype, rid)
            meta = _dict(current.get("meta"))
            tags = [t for t in _list(meta.get("tag")) if isinstance(t, dict)]
            for raw in _list(meta_in.get("tag")):
                tag = _dict(raw)
                if not isinstance(tag.get("code"), str):
                    raise ApiError(400, "invalid", "a tag needs a code")
                if not any(t.get("system") == tag.get("system") and t.get("code") == tag["code"] for t in tags):
                    tags.append({k: v for k, v in tag.items() if k in ("system", "code", "display")})
            # $meta-add does not create a new version (FHIR R4 operation definition).
            stored = self._store.update(
                rtype, rid, {**current, "meta": {**meta, "tag": tags}}, self._clock.now(), bump=False
            )
        out_meta = {k: v for k, v in _dict(stored.get("meta")).items() if k in ("tag", "security", "profile")}
        return _json_response(
            200, {"resourceType": "Parameters", "parameter": [{"name": "return", "valueMeta": out_meta}]}
        )

    # ---- business rules ---------------------------------------------------------------------

    def _identifier(self, resource: Json, system: str) -> str | None:
        for raw in _list(resource.get("identifier")):
            ident = _dict(raw)
            if ident.get("system") == system and isinstance(ident.get("value"), str):
                return str(ident["value"])
        return None

    def _before_create_Patient(self, resource: Json) -> None:
        resident_id = self._identifier(resource, self._sys.resident_id)
        if resident_id is not None and not is_valid_resident_id(resident_id):
            raise ApiError(422, "business-rule", "身份证号码无效 (invalid resident ID number)")
        if self._identifier(resource, self._sys.visit_card) is None:
            number = self._store.next_number("visit-card", floor=8800001000)
            resource["identifier"] = [
                *_list(resource.get("identifier")),
                {"use": "usual", "system": self._sys.visit_card, "value": f"{number:010d}"},
            ]

    def _slot_state(self, slot: Json) -> tuple[int, int]:
        """(capacity, remaining) from the slot's extensions; a plain slot holds one booking."""
        cap_ext = _ext(slot, self._sys.ext("slot-capacity")) or {}
        rem_ext = _ext(slot, self._sys.ext("slot-remaining")) or {}
        capacity = cap_ext.get("valueInteger", 1)
        remaining = rem_ext.get("valueInteger", 1 if slot.get("status") == "free" else 0)
        return int(capacity), int(remaining)

    def _write_slot(self, slot: Json, remaining: int) -> None:
        if not self.plain or _ext(slot, self._sys.ext("slot-remaining")) is not None:
            _set_int_ext(slot, self._sys.ext("slot-remaining"), remaining)
        slot["status"] = "free" if remaining > 0 else "busy"
        self._store.update("Slot", str(slot["id"]), slot, self._clock.now())

    def _moment(self, value: Any) -> datetime:
        if not isinstance(value, str):
            raise ApiError(422, "invalid", "missing date/time")
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ApiError(422, "invalid", f"invalid date/time {value!r}") from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self._clock.zone)

    def _before_create_Appointment(self, resource: Json) -> None:
        slots = _list(resource.get("slot"))
        slot_id = _ref_id(slots[0], "Slot") if len(slots) == 1 else None
        if slot_id is None:
            raise ApiError(422, "business-rule", "an appointment names exactly one Slot")
        slot = self._store.read("Slot", slot_id)
        if slot is None:
            raise ApiError(422, "business-rule", "号源不存在 (slot does not exist)")
        participants = [_dict(p) for p in _list(resource.get("participant"))]
        patient_ids = [pid for p in participants if (pid := _ref_id(p.get("actor"), "Patient")) is not None]
        if len(patient_ids) != 1 or self._store.read("Patient", patient_ids[0]) is None:
            raise ApiError(422, "business-rule", "患者不存在 (the appointment needs one existing patient)")
        if resource.get("status") not in ("booked", "proposed", "pending"):
            raise ApiError(422, "business-rule", "a new appointment must be booked")
        now = self._clock.now()
        if now >= self._moment(slot.get("end")):
            raise ApiError(422, "business-rule", "该时段已结束，不能预约 (this session is over)")
        held = self._store.search(
            "Appointment",
            [
                ReferenceCriterion("slot", (f"Slot/{slot_id}",)),
                ReferenceCriterion("patient", (f"Patient/{patient_ids[0]}",)),
                TokenCriterion("status", ((None, "pending"), (None, "booked"), (None, "arrived"))),
            ],
        )
        if held:
            raise ApiError(422, "business-rule", "您已预约该时段，不能重复预约 (already booked in this session)")
        capacity, remaining = self._slot_state(slot)
        if slot.get("status") != "free" or remaining <= 0:
            raise ApiError(409, "conflict", "号源已满 (this slot is fully booked)")
        self._write_slot(slot, remaining - 1)
        queue = None if self.plain else self._store.next_number(f"queue:{slot_id}", floor=capacity - remaining)
        schedule = self._store.read("Schedule", str(_ref_id(slot.get("schedule"), "Schedule"))) or {}
        actors = [_dict(a) for a in _list(schedule.get("actor"))]
        for actor in actors:
            ref = actor.get("reference")
            if not any(_dict(p.get("actor")).get("reference") == ref for p in participants):
                participants.append({"actor": actor, "status": "accepted", "required": "required"})
        service = next((a for a in actors if str(a.get("reference", "")).startswith("HealthcareService/")), None)
        resource["participant"] = participants
        resource["status"] = "booked"
        resource["start"], resource["end"] = slot.get("start"), slot.get("end")
        if service is not None:
            resource["serviceType"] = [{"text": service.get("display", "")}]
        if queue is not None:
            resource["identifier"] = [
                *_list(resource.get("identifier")),
                {"system": self._sys.queue_number, "value": str(queue)},
            ]
        resource.setdefault("created", now.isoformat(timespec="seconds"))
        fee = self._registration_fee(schedule)
        if fee > 0 and not self.plain:
            self._hold(resource, patient_ids[0], schedule, fee, now)

    def _registration_fee(self, schedule: Json) -> int:
        fee = _ext(schedule, self._sys.ext("registration-fee"))
        return _money_fen(fee.get("valueMoney"), "registration fee") if fee is not None else 0

    def _hold(self, resource: Json, patient_id: str, schedule: Json, fee: int, now: datetime) -> None:
        """Turns a new booking into a hold awaiting its fee. The appointment is named before it is
        stored so that its Invoice can point back at it within the same transaction."""
        rid = self._store.new_id("Appointment")
        invoice = self._store.create("Invoice", self._fee_invoice(rid, patient_id, schedule, fee, now), now)
        urls = (self._sys.ext("registration-invoice"), self._sys.ext("hold-expires"))
        others = [e for e in _list(resource.get("extension")) if _dict(e).get("url") not in urls]
        resource["extension"] = [
            *others,
            {"url": urls[0], "valueReference": {"reference": f"Invoice/{invoice['id']}"}},
            {"url": urls[1], "valueDateTime": (now + self.hold_time).isoformat(timespec="seconds")},
        ]
        resource["status"] = "pending"
        resource["id"] = rid

    def _fee_invoice(self, appointment_id: str, patient_id: str, schedule: Json, fee: int, now: datetime) -> Json:
        actors = [_dict(a) for a in _list(schedule.get("actor"))]
        doctor_id = next((rid for a in actors if (rid := _ref_id(a, "Practitioner")) is not None), None)
        doctor = self._store.read("Practitioner", doctor_id) if doctor_id else None
        qualification = _dict(next(iter(_list(_dict(doctor).get("qualification"))), None))
        title = _dict(qualification.get("code")).get("text") or schedule.get("comment") or "普通门诊"
        dept = next((a for a in actors if _ref_id(a, "Practitioner") is None), {})
        issuer: Json = {"display": str(dept.get("display", ""))}
        dept_id = _ref_id(dept, "HealthcareService") or _ref_id(dept, "Organization")
        if dept_id is not None and self._store.read("Organization", dept_id) is not None:
            issuer["reference"] = f"Organization/{dept_id}"  # the seed mirrors departments as Organizations
        number = self._store.next_number("registration-invoice")
        return {
            "resourceType": "Invoice",
            "status": "issued",
            "identifier": [{"system": INVOICE_NUMBERS, "value": f"REG{now:%Y%m%d}{number:06d}"}],
            "type": {"text": "挂号费"},
            "subject": {"reference": f"Patient/{patient_id}"},
            "date": now.isoformat(timespec="seconds"),
            "issuer": issuer,
            "extension": [
                {
                    "url": self._sys.ext("appointment"),
                    "valueReference": {"reference": f"Appointment/{appointment_id}"},
                }
            ],
            "lineItem": [
                {
                    "sequence": 1,
                    "chargeItemCodeableConcept": {"text": f"挂号费 ({title})"},
                    "priceComponent": [{"type": "base", "code": {"text": "挂号费"}, "factor": 1, "amount": money(fee)}],
                }
            ],
            "totalNet": money(fee),
            "totalGross": money(fee),
        }

    def _fee_appointment_id(self, invoice: Json) -> str | None:
        """The appointment whose registration fee ``invoice`` is (None for other bills)."""
        link = _ext(invoice, self._sys.ext("appointment"))
        return _ref_id(link.get("valueReference"), "Appointment") if link is not None else None

    def _free_place(self, appointment: Json) -> None:
        slots = _list(appointment.get("slot"))
        slot_id = _ref_id(slots[0], "Slot") if slots else None
        slot = self._store.read("Slot", slot_id) if slot_id else None
        if slot is not None:
            capacity, remaining = self._slot_state(slot)
            self._write_slot(slot, min(capacity, remaining + 1))

    def _release_hold(self, appointment: Json, reason: str) -> None:
        """Frees a held booking's place and cancels its unpaid registration-fee invoice."""
        self._free_place(appointment)
        link = _ext(appointment, self._sys.ext("registration-invoice"))
        invoice_id = _ref_id(link.get("valueReference"), "Invoice") if link is not None else None
        invoice = self._store.read("Invoice", invoice_id) if invoice_id else None
        if invoice_id is not None and invoice is not None and invoice.get("status") == "issued":
            self._store.update(
                "Invoice", invoice_id, {**invoice, "status": "cancelled", "cancelledReason": reason}, self._clock.now()
            )

    def _hold_lapsed(self, appointment: Json, now: datetime) -> bool:
        expires = _ext(appointment, self._sys.ext("hold-expires"))
        value = expires.get("valueDateTime") if expires is not None else None
        try:
            return isinstance(value, str) and self._moment(value) <= now
        except ApiError:
            return False  # not one of our holds: it never lapses on its own

    def release_lapsed_holds(self) -> int:
        """Cancels every held booking whose fee was not paid in time; returns how many.

        Runs before each request that could see a hold (and may be called by tests). The check is
        a read; a write transaction is opened only when something is due.
        """
        now = self._clock.now()
        pending = [TokenCriterion("status", ((None, "pending"),))]
        if not any(self._hold_lapsed(a, now) for a in self._store.search("Appointment", pending)):
            return 0
        minutes = int(self.hold_time.total_seconds() // 60)
        reason = f"挂号费未在{minutes}分钟内缴纳，预约已自动取消 (registration fee not paid within {minutes} minutes)"
        released = 0
        with self._store.atomic():
            for appointment in self._store.search("Appointment", pending):  # again: another thread may have won
                if not self._hold_lapsed(appointment, now):
                    continue
                self._release_hold(appointment, reason)
                lapsed = {**appointment, "status": "cancelled", "cancelationReason": {"text": reason}}
                self._store.update("Appointment", str(appointment["id"]), lapsed, now)
                released += 1
        log.info("simulator: %d unpaid registration hold(s) lapsed", released)
        return released

    def _before_update_Appointment(self, current: Json, new: Json) -> None:
        old_status, status = current.get("status"), new.get("status")
        if _list(new.get("slot")) != _list(current.get("slot")) or new.get("start") != current.get("start"):
            raise ApiError(422, "business-rule", "only the status of an appointment may change")
        if old_status == status:
            return
        now = self._clock.now()
        start, end = self._moment(current.get("start")), self._moment(current.get("end"))
        if old_status == "pending" and status == "cancelled":
            # Nothing was paid, so a hold may be given up at any time, even once the session started.
            self._release_hold(current, "预约已取消，挂号费不再收取 (the held booking was cancelled)")
            return
        if old_status == "booked" and status == "cancelled":
            if now >= start:
                raise ApiError(422, "business-rule", "就诊时段已开始，不能退号 (the session has started)")
            self._free_place(current)
            return
        if old_status == "booked" and status in ("arrived", "checked-in"):
            if not start - CHECKIN_OPENS_BEFORE <= now <= end:
                raise ApiError(
                    422,
                    "business-rule",
                    "不在签到时间内，请在就诊前60分钟内签到 (outside the check-in window)",
                )
            return
        raise ApiError(422, "business-rule", f"预约状态不能从 {old_status} 改为 {status}")

    def _active_payments_for(self, invoice_id: str) -> list[Json]:
        return self._store.search(
            "PaymentReconciliation",
            [
                ReferenceCriterion("detail-request", (f"Invoice/{invoice_id}",)),
                TokenCriterion("status", ((None, "active"),)),
            ],
        )

    def _before_create_PaymentReconciliation(self, resource: Json) -> None:
        if self._identifier(resource, self._sys.payment_reference) is None:
            raise ApiError(422, "business-rule", "a payment needs its payment reference identifier")
        paid = _money_fen(resource.get("paymentAmount"), "paymentAmount")
        details = [_dict(d) for d in _list(resource.get("detail"))]
        if not details:
            raise ApiError(422, "business-rule", "a payment names the invoices it pays")
        total = 0
        seen: set[str] = set()
        for detail in details:
            invoice_id = _ref_id(detail.get("request"), "Invoice")
            invoice = self._store.read("Invoice", invoice_id) if invoice_id else None
            if invoice is None or invoice_id is None or invoice_id in seen:
                raise ApiError(422, "business-rule", "账单不存在 (unknown or repeated invoice)")
            seen.add(invoice_id)
            appointment_id = self._fee_appointment_id(invoice)
            if appointment_id is not None:
                self._check_fee_payable(appointment_id)
            if invoice.get("status") == "cancelled":
                raise ApiError(422, "business-rule", "该账单已作废，不能缴费 (bill cancelled)")
            if invoice.get("status") != "issued" or self._active_payments_for(invoice_id):
                raise ApiError(422, "business-rule", "该账单已缴费，不能重复结算 (bill already settled)")
            amount = _money_fen(detail.get("amount"), "detail.amount")
            if amount != _money_fen(invoice.get("totalGross"), "totalGross"):
                raise ApiError(422, "business-rule", "缴费金额与账单不符 (amount differs from the bill)")
            total += amount
        if total != paid:
            raise ApiError(422, "business-rule", "缴费总额与明细不符 (payment amount differs from details)")
        now = self._clock.now()
        receipt = f"{now:%Y%m%d}{self._store.next_number('receipt'):06d}"
        resource["identifier"] = [
            *_list(resource.get("identifier")),
            {"system": self._sys.receipt_number, "value": receipt},
        ]
        resource["status"] = "active"
        resource["outcome"] = "complete"
        resource["disposition"] = f"电子票据 {receipt} 已开具"
        resource.setdefault("created", now.isoformat(timespec="seconds"))

    def _check_fee_payable(self, appointment_id: str) -> None:
        """A registration fee is payable only while its booking is held; the kiosk refunds otherwise."""
        status = _dict(self._store.read("Appointment", appointment_id)).get("status")
        if status in _BOOKED:
            raise ApiError(422, "business-rule", "该挂号费已缴纳 (registration fee already paid)")
        if status != "pending":
            raise ApiError(
                422,
                "business-rule",
                "预约已取消或超时未缴费，不能再缴挂号费 (the held booking was cancelled or has lapsed)",
            )

    def _after_create_PaymentReconciliation(self, stored: Json) -> None:
        """A paid registration fee turns its held booking into a booking (server side, new version)."""
        hold_url = self._sys.ext("hold-expires")
        for detail in _list(stored.get("detail")):
            invoice_id = _ref_id(_dict(detail).get("request"), "Invoice")
            invoice = self._store.read("Invoice", invoice_id) if invoice_id else None
            appointment_id = self._fee_appointment_id(invoice) if invoice is not None else None
            appointment = self._store.read("Appointment", appointment_id) if appointment_id else None
            if appointment_id is None or appointment is None or appointment.get("status") != "pending":
                continue
            extensions = [e for e in _list(appointment.get("extension")) if _dict(e).get("url") != hold_url]
            booked = {**appointment, "status": "booked", "extension": extensions}
            self._store.update("Appointment", appointment_id, booked, self._clock.now())

    def _before_update_Invoice(self, current: Json, new: Json) -> None:
        old_status, status = current.get("status"), new.get("status")
        if new.get("totalGross") != current.get("totalGross") or new.get("lineItem") != current.get("lineItem"):
            raise ApiError(422, "business-rule", "the charges of an invoice cannot be changed here")
        if old_status == status:
            if status == "balanced" and new.get("extension") != current.get("extension"):
                raise ApiError(422, "business-rule", "该账单已缴费 (bill already settled)")
            return
        if old_status == "issued" and status == "balanced":
            payments = self._active_payments_for(str(current["id"]))
            link = _ext(new, self._sys.ext("payment"))
            linked = _ref_id(_dict(link).get("valueReference"), "PaymentReconciliation") if link else None
            if not payments or (linked is not None and linked not in {p["id"] for p in payments}):
                raise ApiError(422, "business-rule", "no payment is recorded for this invoice")
            return
        if old_status == "issued" and status == "cancelled":
            appointment_id = self._fee_appointment_id(current)
            held = _dict(self._store.read("Appointment", appointment_id)) if appointment_id else {}
            if held.get("status") == "pending":
                raise ApiError(422, "business-rule", "请取消预约，挂号费账单随之作废 (cancel the held booking instead)")
            return
        raise ApiError(422, "business-rule", f"账单状态不能从 {old_status} 改为 {status}")

    # ---- capability -----------------------------------------------------------------------

    def capability_statement(self) -> Json:
        kinds = {"token": "token", "reference": "reference", "date": "date"}
        resources = []
        for rtype in sorted(RESOURCE_TYPES):
            interactions = ["read", "search-type", "create"]
            if rtype in ("Appointment", "Invoice", "Slot", "Patient", "DiagnosticReport"):
                interactions.append("update")
            if self.plain and "update" not in interactions:
                interactions.append("update")  # update-as-create with a client-assigned id
            entry: Json = {
                "type": rtype,
                "interaction": [{"code": code} for code in interactions],
                "versioning": "versioned-update",
                "conditionalCreate": not self.plain,
                "updateCreate": self.plain,
                "searchParam": [
                    {"name": name, "type": kinds[param.kind]} for name, param in SEARCH_PARAMS[rtype].items()
                ],
            }
            profiles = {
                "Appointment": ["kiosk-held-appointment", "kiosk-queued-appointment"],
                "Slot": ["kiosk-slot"],
            }.get(rtype, [])
            if rtype == "Schedule" and not self.plain:
                entry["searchInclude"] = ["Schedule:actor"]  # plain: the kiosk reads the doctors itself
            if profiles and not self.plain:
                entry["supportedProfile"] = [self._sys.ext(name) for name in profiles]
            if rtype == "DiagnosticReport" and not self.plain:
                entry["operation"] = [
                    {"name": "meta-add", "definition": "http://hl7.org/fhir/OperationDefinition/Resource-meta-add"}
                ]
            resources.append(entry)
        return {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": self._clock.now().date().isoformat(),
            "kind": "instance",
            "software": {"name": "hospital-kiosk HIS simulator" + (" (plain FHIR mode)" if self.plain else "")},
            "implementation": {"description": "Simulated HIS (fictitious data)", "url": self._base_url()},
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "rest": [{"mode": "server", "resource": resources}],
        }


def is_kiosk_printed(resource: Json) -> bool:
    """True when the report carries the kiosk's 'printed' tag (used by tests and the demo)."""
    return any(
        _dict(tag).get("system") == KIOSK_TAG_SYSTEM and _dict(tag).get("code") == TAG_PRINTED
        for tag in _list(_dict(resource.get("meta")).get("tag"))
    )
