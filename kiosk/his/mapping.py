"""FHIR R4 JSON ↔ kiosk domain objects, with strict checking of everything the HIS sends.

Every parser takes untrusted JSON (already decoded) and returns a domain object or raises
:class:`HisBadResponse`; no other exception escapes (hypothesis tests feed them arbitrary JSON).
Error messages name the field, never its value, so they are safe to log. Pure functions: any
thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from kiosk.config import HisSection
from kiosk.domain import (
    Appointment,
    AppointmentStatus,
    Bill,
    BillItem,
    Department,
    Doctor,
    Gender,
    Identifier,
    IdentifierKind,
    NewPatient,
    Patient,
    Report,
    ReportKind,
    ReportStatus,
    Settlement,
    Slot,
    decimal_from_fen,
    fen_from_decimal,
    split_chinese_name,
)
from kiosk.his.errors import HisBadResponse

Json = dict[str, Any]
T = TypeVar("T")

KIOSK_TAG_SYSTEM = "urn:hospital-kiosk:tag"
TAG_KIOSK_CREATED = "kiosk-created"
TAG_PRINTED = "printed"
TAG_COPY_PRINTED = "printed-copy"  # the one reprint a kiosk allows was printed too
ORG_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/organization-type"
PAYMENT_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/payment-type"
V2_0074 = "http://terminology.hl7.org/CodeSystem/v2-0074"

# Extension names under HisSection.extension_base.
EXT_REGISTRATION_FEE = "registration-fee"  # Schedule: valueMoney
EXT_SLOT_CAPACITY = "slot-capacity"  # Slot: valueInteger
EXT_SLOT_REMAINING = "slot-remaining"  # Slot: valueInteger
EXT_VISIT = "visit"  # Invoice: valueReference(Encounter)
EXT_PAYMENT = "payment"  # Invoice: valueReference(PaymentReconciliation) that paid it
EXT_REGISTRATION_INVOICE = "registration-invoice"  # Appointment: valueReference(Invoice) of its fee
EXT_APPOINTMENT = "appointment"  # Invoice: valueReference(Appointment) whose registration fee it is
EXT_HOLD_EXPIRES = "hold-expires"  # Appointment: valueDateTime when an unpaid hold lapses

_IMAGING_CODES = frozenset({"RAD", "CT", "CUS", "NMR", "NMS", "OUS", "RUS", "VUS", "XRC", "IMG", "RX", "US"})
_PATHOLOGY_CODES = frozenset({"SP", "CP", "PAT", "PATH", "OSP"})
_APPOINTMENT_STATUS = {
    "proposed": AppointmentStatus.PENDING,
    "pending": AppointmentStatus.PENDING,
    "waitlist": AppointmentStatus.PENDING,
    "booked": AppointmentStatus.BOOKED,
    "arrived": AppointmentStatus.ARRIVED,
    "checked-in": AppointmentStatus.ARRIVED,
    "fulfilled": AppointmentStatus.FULFILLED,
    "cancelled": AppointmentStatus.CANCELLED,
    "entered-in-error": AppointmentStatus.CANCELLED,
    "noshow": AppointmentStatus.NO_SHOW,
}
_REPORT_STATUS = {
    "registered": ReportStatus.PENDING,
    "partial": ReportStatus.PENDING,
    "preliminary": ReportStatus.PENDING,
    "final": ReportStatus.READY,
    "amended": ReportStatus.READY,
    "corrected": ReportStatus.READY,
    "appended": ReportStatus.READY,
    "cancelled": ReportStatus.CANCELLED,
    "entered-in-error": ReportStatus.CANCELLED,
}


@dataclass(frozen=True)
class FhirProfile:
    """The hospital-specific choices the mapping depends on (from HisSection)."""

    systems: dict[IdentifierKind, str]
    booking_key_system: str
    payment_reference_system: str
    receipt_number_system: str
    queue_number_system: str
    extension_base: str
    department_resource: str
    zone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: HisSection) -> FhirProfile:
        return cls(
            systems={
                IdentifierKind.RESIDENT_ID: settings.resident_id_system,
                IdentifierKind.VISIT_CARD: settings.visit_card_system,
                IdentifierKind.INSURANCE_CARD: settings.insurance_card_system,
                IdentifierKind.HEALTH_CARD_QR: settings.health_card_system,
            },
            booking_key_system=settings.booking_key_system,
            payment_reference_system=settings.payment_reference_system,
            receipt_number_system=settings.receipt_number_system,
            queue_number_system=settings.queue_number_system,
            extension_base=settings.extension_base.rstrip("/"),
            department_resource=settings.department_resource,
            zone=ZoneInfo(settings.timezone),
        )

    def ext(self, name: str) -> str:
        return f"{self.extension_base}/{name}"


# ---- typed access to untrusted JSON -----------------------------------------------------------


def bad(where: str, problem: str) -> HisBadResponse:
    return HisBadResponse(f"unexpected HIS response: {where}: {problem}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON number {name}")


def parse_json(body: bytes, where: str) -> Any:
    """Decodes a JSON body; numbers with a fraction become Decimal so money stays exact."""
    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise bad(where, "body is not UTF-8") from None
    except (ValueError, RecursionError):
        raise bad(where, "body is not valid JSON") from None


def obj(value: Any, where: str) -> Json:
    if not isinstance(value, dict):
        raise bad(where, "expected a JSON object")
    return value


def opt_list(data: Json, key: str, where: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise bad(f"{where}.{key}", "expected a list")
    return value


def opt_obj(data: Json, key: str, where: str) -> Json:
    value = data.get(key)
    if value is None:
        return {}
    return obj(value, f"{where}.{key}")


def opt_str(data: Json, key: str, where: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad(f"{where}.{key}", "expected a string")
    return value


def req_str(data: Json, key: str, where: str) -> str:
    value = opt_str(data, key, where)
    if not value:
        raise bad(f"{where}.{key}", "missing")
    return value


def opt_int(data: Json, key: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise bad(f"{where}.{key}", "expected an integer")
    return value


def opt_bool(data: Json, key: str, where: str) -> bool | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise bad(f"{where}.{key}", "expected true or false")


def decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise bad(where, "expected a number")
    number = Decimal(value)
    if not number.is_finite():
        raise bad(where, "expected a finite number")
    return number


def money_fen(value: Any, where: str) -> int:
    data = obj(value, where)
    currency = opt_str(data, "currency", where)
    if currency not in (None, "CNY"):
        raise bad(f"{where}.currency", "only CNY is supported")
    if "value" not in data:
        raise bad(f"{where}.value", "missing")
    try:
        return fen_from_decimal(decimal(data["value"], f"{where}.value"))
    except ValueError:
        raise bad(f"{where}.value", "not a whole number of fen") from None


def moment(value: Any, where: str, zone: ZoneInfo) -> datetime:
    """A FHIR instant/dateTime as an aware datetime (naive values are HIS time); dates at 00:00."""
    if not isinstance(value, str) or len(value) < 10:
        raise bad(where, "expected a date-time")
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0), zone)
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad(where, "not an ISO date-time") from None
    # Always in the hospital's zone: a plain server keeps instants as sent ("...T23:00:00Z" is
    # 07:00 the next hospital day), and days are compared and shown in hospital time.
    return parsed.astimezone(zone) if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)


def opt_moment(data: Json, key: str, where: str, zone: ZoneInfo) -> datetime | None:
    return None if data.get(key) is None else moment(data[key], f"{where}.{key}", zone)


def reference_id(value: Any, rtype: str, where: str) -> str | None:
    """The id in a reference to ``rtype`` (relative, absolute or versioned), None for other types."""
    ref = opt_str(obj(value, where), "reference", where)
    if ref is None:
        return None
    parts = [part for part in ref.split("/") if part]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2] == rtype and parts[-1]:
        return parts[-1]
    return None


def version_of(resource: Json, where: str) -> str | None:
    return opt_str(opt_obj(resource, "meta", where), "versionId", f"{where}.meta")


def has_tag(resource: Json, code: str, where: str) -> bool:
    meta = opt_obj(resource, "meta", where)
    for index, raw in enumerate(opt_list(meta, "tag", f"{where}.meta")):
        tag = obj(raw, f"{where}.meta.tag[{index}]")
        if tag.get("system") == KIOSK_TAG_SYSTEM and tag.get("code") == code:
            return True
    return False


def extension(resource: Json, url: str, where: str) -> Json | None:
    for index, raw in enumerate(opt_list(resource, "extension", where)):
        ext = obj(raw, f"{where}.extension[{index}]")
        if ext.get("url") == url:
            return ext
    return None


def identifiers(resource: Json, where: str) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    for index, raw in enumerate(opt_list(resource, "identifier", where)):
        at = f"{where}.identifier[{index}]"
        ident = obj(raw, at)
        value = opt_str(ident, "value", at)
        if value:
            out.append((opt_str(ident, "system", at), value))
    return out


def identifier_value(resource: Json, system: str, where: str) -> str | None:
    return next((value for sys_, value in identifiers(resource, where) if sys_ == system), None)


def concept_text(value: Any, where: str) -> str:
    """CodeableConcept.text, else the first coding's display, else ''."""
    concept = obj(value, where)
    text = opt_str(concept, "text", where)
    if text:
        return text
    for index, coding in enumerate(opt_list(concept, "coding", where)):
        display = opt_str(obj(coding, f"{where}.coding[{index}]"), "display", f"{where}.coding[{index}]")
        if display:
            return display
    return ""


def concept_codes(value: Any, where: str) -> list[str]:
    concept = obj(value, where)
    codes = []
    for index, coding in enumerate(opt_list(concept, "coding", where)):
        code = opt_str(obj(coding, f"{where}.coding[{index}]"), "code", f"{where}.coding[{index}]")
        if code:
            codes.append(code)
    return codes


def check_type(resource: Any, rtype: str, where: str) -> Json:
    data = obj(resource, where)
    if data.get("resourceType") != rtype:
        raise bad(where, f"expected a {rtype}")
    req_str(data, "id", where)
    return data


# ---- bundles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundlePage:
    matches: list[Json]
    included: list[Json]
    next_url: str | None
    self_url: str | None = None  # the search as the server ran it (R4: parameters it used)
    # Issues of OperationOutcome entries (severity, code); e.g. a parameter ignored (lenient).
    issues: tuple[tuple[str, str], ...] = ()


MAX_BUNDLE_ENTRIES = 2000  # a kiosk-sized answer; a search returning more went wrong somewhere


def parse_bundle(
    data: Any, rtype: str, includable: frozenset[str] = frozenset(), max_entries: int = MAX_BUNDLE_ENTRIES
) -> BundlePage:
    """A searchset page: matches must be ``rtype``; includes only of the named types."""
    bundle = obj(data, "Bundle")
    if bundle.get("resourceType") != "Bundle":
        raise bad("Bundle", "expected a Bundle")
    if bundle.get("type") not in ("searchset", None):
        raise bad("Bundle.type", "expected a searchset")
    if len(opt_list(bundle, "entry", "Bundle")) > max_entries:
        raise bad("Bundle.entry", f"more than {max_entries} entries: not a kiosk-sized answer")
    matches: list[Json] = []
    included: list[Json] = []
    issues: list[tuple[str, str]] = []
    for index, raw in enumerate(opt_list(bundle, "entry", "Bundle")):
        at = f"Bundle.entry[{index}]"
        entry = obj(raw, at)
        resource = obj(entry.get("resource"), f"{at}.resource")
        mode = opt_str(opt_obj(entry, "search", at), "mode", f"{at}.search")
        kind = resource.get("resourceType")
        if mode == "outcome" or (mode is None and kind == "OperationOutcome"):
            issues.extend(_issues(resource))  # the caller decides whether a warning matters
            continue
        if mode == "include":
            if kind in includable:
                included.append(check_type(resource, str(kind), f"{at}.resource"))
            continue
        if mode not in (None, "match"):
            raise bad(f"{at}.search.mode", "unknown search mode")
        matches.append(check_type(resource, rtype, f"{at}.resource"))
    next_url = self_url = None
    for index, raw in enumerate(opt_list(bundle, "link", "Bundle")):
        link = obj(raw, f"Bundle.link[{index}]")
        if link.get("relation") == "next":
            next_url = req_str(link, "url", f"Bundle.link[{index}]")
        elif link.get("relation") == "self":
            self_url = req_str(link, "url", f"Bundle.link[{index}]")
    return BundlePage(matches, included, next_url, self_url, tuple(issues))


def _issues(outcome: Json) -> list[tuple[str, str]]:
    out = []
    for raw in opt_list(outcome, "issue", "OperationOutcome"):
        if isinstance(raw, dict):
            out.append((str(raw.get("severity", "")), str(raw.get("code", ""))))
    return out


def outcome_message(data: Any) -> str:
    """The first error's text of an OperationOutcome ('' when there is none); never raises."""
    if not isinstance(data, dict) or data.get("resourceType") != "OperationOutcome":
        return ""
    issues = data.get("issue")
    if not isinstance(issues, list):
        return ""
    for issue in issues:
        if not isinstance(issue, dict):
            continue
        details = issue.get("details")
        for text in (issue.get("diagnostics"), details.get("text") if isinstance(details, dict) else None):
            if isinstance(text, str) and text.strip():
                return " ".join(text.split())[:300]
    return ""


# ---- resources → domain -------------------------------------------------------------------


def parse_patient(resource: Any, profile: FhirProfile) -> Patient:
    where = "Patient"
    data = check_type(resource, "Patient", where)
    gender_code = opt_str(data, "gender", where)
    try:
        gender = Gender(gender_code) if gender_code else Gender.UNKNOWN
    except ValueError:
        raise bad(f"{where}.gender", "unknown code") from None
    birth_text = opt_str(data, "birthDate", where)
    birth: date | None = None
    if birth_text is not None and len(birth_text) == 10:
        try:
            birth = date.fromisoformat(birth_text)
        except ValueError:
            raise bad(f"{where}.birthDate", "not a date") from None
    kinds = {system: kind for kind, system in profile.systems.items()}
    idents = tuple(Identifier(kinds[system], value) for system, value in identifiers(data, where) if system in kinds)
    phone = None
    for index, raw in enumerate(opt_list(data, "telecom", where)):
        telecom = obj(raw, f"{where}.telecom[{index}]")
        if telecom.get("system") == "phone":
            phone = opt_str(telecom, "value", f"{where}.telecom[{index}]")
            break
    return Patient(
        id=data["id"],
        name=_human_name(data, where),
        gender=gender,
        birth_date=birth,
        identifiers=idents,
        phone=phone,
        created_at_kiosk=has_tag(data, TAG_KIOSK_CREATED, where),
    )


def _human_name(data: Json, where: str) -> str:
    names = [obj(n, f"{where}.name[{i}]") for i, n in enumerate(opt_list(data, "name", where))]
    chosen = next((n for n in names if n.get("use") == "official"), names[0] if names else None)
    if chosen is None:
        return ""
    text = opt_str(chosen, "text", f"{where}.name")
    if text:
        return text.strip()
    family = opt_str(chosen, "family", f"{where}.name") or ""
    given = [g for g in opt_list(chosen, "given", f"{where}.name") if isinstance(g, str)]
    if family and not family.isascii():
        return family + "".join(given)
    return " ".join([*given, family]).strip()


def parse_department(resource: Any, profile: FhirProfile) -> Department:
    rtype = profile.department_resource
    data = check_type(resource, rtype, rtype)
    description = opt_str(data, "comment", rtype) or ""
    if not description:
        aliases = [a for a in opt_list(data, "alias", rtype) if isinstance(a, str)]
        description = aliases[0] if aliases else ""
    return Department(id=data["id"], name=req_str(data, "name", rtype), description=description)


@dataclass(frozen=True)
class ScheduleInfo:
    id: str
    department_id: str
    department_name: str
    doctor: Doctor | None
    fee_fen: int
    location: str = ""


def parse_schedule(resource: Any, profile: FhirProfile, included: dict[str, Json]) -> ScheduleInfo:
    where = "Schedule"
    data = check_type(resource, "Schedule", where)
    dept_id = dept_name = location = ""
    doctor: Doctor | None = None
    for index, raw in enumerate(opt_list(data, "actor", where)):
        at = f"{where}.actor[{index}]"
        actor = obj(raw, at)
        display = opt_str(actor, "display", at) or ""
        if (found := reference_id(actor, profile.department_resource, at)) is not None:
            dept_id, dept_name = found, display
        elif (doc_id := reference_id(actor, "Practitioner", at)) is not None:
            doctor = _doctor(doc_id, display, included.get(f"Practitioner/{doc_id}"))
        elif reference_id(actor, "Location", at) is not None:
            location = display  # where the patient goes: "门诊楼3层 B区"
    if not dept_id:
        raise bad(f"{where}.actor", f"no {profile.department_resource} actor")
    fee = 0
    fee_ext = extension(data, profile.ext(EXT_REGISTRATION_FEE), where)
    if fee_ext is not None:
        fee = money_fen(fee_ext.get("valueMoney"), f"{where}.extension(registration-fee).valueMoney")
    return ScheduleInfo(data["id"], dept_id, dept_name, doctor, fee, location)


def _doctor(doc_id: str, display: str, practitioner: Json | None) -> Doctor:
    name, title = display, ""
    if practitioner is not None:
        where = "Practitioner"
        name = _human_name(practitioner, where) or display
        for index, qual in enumerate(opt_list(practitioner, "qualification", where)):
            at = f"{where}.qualification[{index}]"
            code = obj(qual, at).get("code")
            if code is not None:
                title = concept_text(code, f"{at}.code")
                if title:
                    break
    return Doctor(id=doc_id, name=name, title=title)


def parse_slot(resource: Any, profile: FhirProfile, schedules: dict[str, ScheduleInfo], *, places: bool = True) -> Slot:
    """``places``: the server keeps the kiosk profile's places-left extension up to date; without
    it a free Slot is one place (a plain server stores the extension but never changes it)."""
    where = "Slot"
    data = check_type(resource, "Slot", where)
    schedule_id = reference_id(data.get("schedule"), "Schedule", f"{where}.schedule")
    info = schedules.get(schedule_id or "")
    if info is None:
        raise bad(f"{where}.schedule", "not one of the schedules searched")
    status = req_str(data, "status", where)
    remaining_ext = extension(data, profile.ext(EXT_SLOT_REMAINING), where) if places else None
    if remaining_ext is not None:
        remaining = opt_int(remaining_ext, "valueInteger", f"{where}.extension(slot-remaining)")
        if remaining is None or remaining < 0:
            raise bad(f"{where}.extension(slot-remaining)", "expected a count")
    else:
        remaining = 1 if status == "free" else 0  # a plain FHIR slot holds one booking
    start = moment(data.get("start"), f"{where}.start", profile.zone)
    end = moment(data.get("end"), f"{where}.end", profile.zone)
    if end <= start:
        raise bad(f"{where}.end", "ends before it starts")
    return Slot(
        id=data["id"],
        schedule_id=info.id,
        department_id=info.department_id,
        doctor=info.doctor,
        start=start,
        end=end,
        fee_fen=info.fee_fen,
        remaining=remaining if status == "free" else 0,
        department_name=info.department_name,
        location=info.location,
    )


def parse_appointment(resource: Any, profile: FhirProfile) -> Appointment:
    where = "Appointment"
    data = check_type(resource, "Appointment", where)
    status = _APPOINTMENT_STATUS.get(req_str(data, "status", where))
    if status is None:
        raise bad(f"{where}.status", "unknown code")
    patient_id = None
    dept_name = doctor_name = ""
    for index, participant in enumerate(opt_list(data, "participant", where)):
        at = f"{where}.participant[{index}]"
        actor = opt_obj(obj(participant, at), "actor", at)
        if not actor:
            continue
        display = opt_str(actor, "display", f"{at}.actor") or ""
        if (pid := reference_id(actor, "Patient", f"{at}.actor")) is not None:
            patient_id = pid
        elif reference_id(actor, "Practitioner", f"{at}.actor") is not None:
            doctor_name = display
        elif reference_id(actor, profile.department_resource, f"{at}.actor") is not None:
            dept_name = display
    if patient_id is None:
        raise bad(f"{where}.participant", "no patient")
    service_types = opt_list(data, "serviceType", where)
    if service_types and not dept_name:
        dept_name = concept_text(service_types[0], f"{where}.serviceType[0]")
    slots = opt_list(data, "slot", where)
    slot_id = reference_id(slots[0], "Slot", f"{where}.slot[0]") if slots else None
    bill_id = None
    fee = extension(data, profile.ext(EXT_REGISTRATION_INVOICE), where)
    if fee is not None:
        at = f"{where}.extension(registration-invoice)"
        bill_id = reference_id(fee.get("valueReference"), "Invoice", at)
        if bill_id is None:
            raise bad(at, "not an Invoice reference")
    return Appointment(
        id=data["id"],
        patient_id=patient_id,
        status=status,
        start=moment(data.get("start"), f"{where}.start", profile.zone),
        end=moment(data.get("end"), f"{where}.end", profile.zone),
        slot_id=slot_id,
        department_name=dept_name,
        doctor_name=doctor_name,
        queue_number=identifier_value(data, profile.queue_number_system, where),
        booking_key=identifier_value(data, profile.booking_key_system, where),
        version=version_of(data, where),
        bill_id=bill_id,
    )


_ADDING = frozenset({"base", "surcharge", "tax"})
_SUBTRACTING = frozenset({"deduction", "discount"})


def parse_invoice(resource: Any, profile: FhirProfile) -> Bill:
    where = "Invoice"
    data = check_type(resource, "Invoice", where)
    subject = data.get("subject")
    patient_id = reference_id(subject, "Patient", f"{where}.subject") if subject is not None else None
    if patient_id is None:
        raise bad(f"{where}.subject", "not a patient")
    items = tuple(
        _bill_item(line, f"{where}.lineItem[{i}]") for i, line in enumerate(opt_list(data, "lineItem", where))
    )
    if "totalGross" in data:
        total = money_fen(data["totalGross"], f"{where}.totalGross")
    elif "totalNet" in data:
        total = money_fen(data["totalNet"], f"{where}.totalNet")
    else:
        raise bad(f"{where}.totalGross", "missing")
    if total <= 0:
        raise bad(f"{where}.totalGross", "not a positive amount")
    visit_id, dept_name = None, ""
    visit = extension(data, profile.ext(EXT_VISIT), where)
    if visit is not None:
        ref = obj(visit.get("valueReference"), f"{where}.extension(visit).valueReference")
        visit_id = reference_id(ref, "Encounter", f"{where}.extension(visit)")
        dept_name = opt_str(ref, "display", f"{where}.extension(visit)") or ""
    issuer = data.get("issuer")
    if not dept_name and issuer is not None:
        dept_name = opt_str(obj(issuer, f"{where}.issuer"), "display", f"{where}.issuer") or ""
    when = opt_moment(data, "date", where, profile.zone)
    return Bill(
        id=data["id"],
        patient_id=patient_id,
        items=items,
        total_fen=total,
        visit_id=visit_id,
        visit_date=when.date() if when is not None else None,
        department_name=dept_name,
        version=version_of(data, where),
    )


def _bill_item(line: Any, where: str) -> BillItem:
    data = obj(line, where)
    if "chargeItemCodeableConcept" in data:
        name = concept_text(data["chargeItemCodeableConcept"], f"{where}.chargeItemCodeableConcept")
    else:
        ref = opt_obj(data, "chargeItemReference", where)
        name = opt_str(ref, "display", f"{where}.chargeItemReference") or ""
    amount = 0
    quantity = Decimal(1)
    category = ""
    components = opt_list(data, "priceComponent", where)
    if not components:
        raise bad(f"{where}.priceComponent", "missing")
    for index, raw in enumerate(components):
        at = f"{where}.priceComponent[{index}]"
        component = obj(raw, at)
        kind = opt_str(component, "type", at)
        if kind == "informational" or "amount" not in component:
            continue
        value = money_fen(component["amount"], f"{at}.amount")
        if kind in _ADDING:
            amount += value
        elif kind in _SUBTRACTING:
            amount -= abs(value)
        else:
            raise bad(f"{at}.type", "unknown price component type")
        if kind == "base":
            if component.get("factor") is not None:
                quantity = decimal(component["factor"], f"{at}.factor")
            code = component.get("code")
            if code is not None:
                category = concept_text(code, f"{at}.code")
    if quantity <= 0:
        raise bad(f"{where}.priceComponent.factor", "not a positive quantity")
    try:
        unit = int((Decimal(amount) / quantity).quantize(Decimal(1)))
    except InvalidOperation:
        raise bad(f"{where}.priceComponent.factor", "unusable quantity") from None
    return BillItem(name=name, quantity=quantity, unit_price_fen=unit, amount_fen=amount, category=category)


def parse_payment(resource: Any, profile: FhirProfile) -> Settlement:
    where = "PaymentReconciliation"
    data = check_type(resource, "PaymentReconciliation", where)
    reference = identifier_value(data, profile.payment_reference_system, where)
    if reference is None:
        payment_ident = opt_obj(data, "paymentIdentifier", where)
        if payment_ident.get("system") == profile.payment_reference_system:
            reference = opt_str(payment_ident, "value", f"{where}.paymentIdentifier")
    if not reference:
        raise bad(f"{where}.identifier", "no payment reference")
    bill_ids: list[str] = []
    for index, detail in enumerate(opt_list(data, "detail", where)):
        at = f"{where}.detail[{index}]"
        request = obj(detail, at).get("request")
        invoice_id = reference_id(request, "Invoice", f"{at}.request") if request is not None else None
        if invoice_id is None:
            raise bad(f"{at}.request", "not an invoice")
        bill_ids.append(invoice_id)
    receipt = identifier_value(data, profile.receipt_number_system, where) or data["id"]
    return Settlement(
        id=data["id"],
        payment_reference=reference,
        receipt_number=receipt,
        bill_ids=tuple(bill_ids),
        amount_fen=money_fen(data.get("paymentAmount"), f"{where}.paymentAmount"),
        settled_at=opt_moment(data, "created", where, profile.zone),
    )


def parse_report(resource: Any, profile: FhirProfile) -> Report:
    where = "DiagnosticReport"
    data = check_type(resource, "DiagnosticReport", where)
    status = _REPORT_STATUS.get(req_str(data, "status", where))
    if status is None:
        raise bad(f"{where}.status", "unknown code")
    subject = data.get("subject")
    patient_id = reference_id(subject, "Patient", f"{where}.subject") if subject is not None else None
    if patient_id is None:
        raise bad(f"{where}.subject", "not a patient")
    codes: list[str] = []
    for index, category in enumerate(opt_list(data, "category", where)):
        codes.extend(concept_codes(category, f"{where}.category[{index}]"))
    kind = ReportKind.OTHER
    if "LAB" in codes:
        kind = ReportKind.LAB
    elif _IMAGING_CODES.intersection(codes):
        kind = ReportKind.IMAGING
    elif _PATHOLOGY_CODES.intersection(codes):
        kind = ReportKind.PATHOLOGY
    title = concept_text(data["code"], f"{where}.code") if data.get("code") is not None else ""
    return Report(
        id=data["id"],
        patient_id=patient_id,
        kind=kind,
        title=title,
        status=status,
        ready_at=opt_moment(data, "issued", where, profile.zone),
        printed=has_tag(data, TAG_PRINTED, where),
        has_pdf=bool(pdf_attachments(data)),
        version=version_of(data, where),
        copy_printed=has_tag(data, TAG_COPY_PRINTED, where),
    )


def pdf_attachments(report: Json) -> list[Json]:
    """The report's PDF attachments (presentedForm with contentType application/pdf)."""
    out = []
    for index, raw in enumerate(opt_list(report, "presentedForm", "DiagnosticReport")):
        at = f"DiagnosticReport.presentedForm[{index}]"
        form = obj(raw, at)
        content_type = (opt_str(form, "contentType", at) or "").split(";")[0].strip().lower()
        if content_type == "application/pdf":
            out.append(form)
    return out


def parse_many(resources: list[Json], parser: Callable[[Json], T]) -> list[T]:
    return [parser(resource) for resource in resources]


# ---- domain → resources -------------------------------------------------------------------


def money(fen: int) -> Json:
    return {"value": decimal_from_fen(fen), "currency": "CNY"}


def patient_resource(card: NewPatient, profile: FhirProfile) -> Json:
    name = card.name.strip()
    human: Json = {"use": "official", "text": name}
    if name and not name.isascii():
        family, given = split_chinese_name(name)
        human["family"] = family
        if given:
            human["given"] = [given]
    resource: Json = {
        "resourceType": "Patient",
        "meta": {"tag": [{"system": KIOSK_TAG_SYSTEM, "code": TAG_KIOSK_CREATED, "display": "created at a kiosk"}]},
        "active": True,
        "identifier": [
            {"use": "official", "system": profile.systems[IdentifierKind.RESIDENT_ID], "value": card.resident_id}
        ],
        "name": [human],
        "gender": card.gender.value,
        "birthDate": card.birth_date.isoformat(),
    }
    if card.phone:
        resource["telecom"] = [{"system": "phone", "value": card.phone, "use": "mobile"}]
    if card.address:
        resource["address"] = [{"use": "home", "text": card.address}]
    return resource


def is_registration_invoice(resource: Json, profile: FhirProfile) -> bool:
    """True for the registration-fee Invoice of a booking (it names its Appointment)."""
    return extension(resource, profile.ext(EXT_APPOINTMENT), "Invoice") is not None


def appointment_resource(patient_id: str, slot: Slot, booking_key: str, profile: FhirProfile, now: datetime) -> Json:
    # Always asks for "booked": a HIS that takes the registration fee answers "pending" with the
    # fee's Invoice; one that does not (or a free slot) simply books.
    participants: list[Json] = [
        {"actor": {"reference": f"Patient/{patient_id}"}, "required": "required", "status": "accepted"}
    ]
    if slot.doctor is not None:
        participants.append(
            {
                "actor": {"reference": f"Practitioner/{slot.doctor.id}", "display": slot.doctor.name},
                "required": "required",
                "status": "accepted",
            }
        )
    participants.append(
        {
            "actor": {
                "reference": f"{profile.department_resource}/{slot.department_id}",
                "display": slot.department_name,
            },
            "required": "information-only",
            "status": "accepted",
        }
    )
    resource: Json = {
        "resourceType": "Appointment",
        "status": "booked",
        "identifier": [{"system": profile.booking_key_system, "value": booking_key}],
        "slot": [{"reference": f"Slot/{slot.id}"}],
        "start": slot.start.isoformat(timespec="seconds"),
        "end": slot.end.isoformat(timespec="seconds"),
        "created": now.isoformat(timespec="seconds"),
        "participant": participants,
    }
    if slot.department_name:
        resource["serviceType"] = [{"text": slot.department_name}]
    return resource


def payment_resource(
    bills: list[Bill], payment_reference: str, amount_fen: int, profile: FhirProfile, now: datetime
) -> Json:
    ident = {"system": profile.payment_reference_system, "value": payment_reference}
    return {
        "resourceType": "PaymentReconciliation",
        "status": "active",
        "identifier": [ident],
        "created": now.isoformat(timespec="seconds"),
        "paymentDate": now.date().isoformat(),
        "paymentAmount": money(amount_fen),
        "paymentIdentifier": ident,
        "outcome": "complete",
        "detail": [
            {
                "type": {"coding": [{"system": PAYMENT_TYPE_SYSTEM, "code": "payment"}]},
                "request": {"reference": f"Invoice/{bill.id}"},
                "date": now.date().isoformat(),
                "amount": money(bill.total_fen),
            }
            for bill in bills
        ],
    }


def dump(resource: Json) -> bytes:
    """Resource JSON for a request body; Decimal money is written as an exact number."""

    def default(value: object) -> object:
        if isinstance(value, Decimal):
            return float(value)  # two decimal places: float repr round-trips exactly
        raise TypeError(type(value).__name__)

    return json.dumps(resource, ensure_ascii=False, default=default).encode("utf-8")
