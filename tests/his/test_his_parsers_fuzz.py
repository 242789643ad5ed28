"""Property tests: arbitrary JSON fed to every parser raises nothing but HisBadResponse.

Two generators: fully arbitrary JSON, and valid resources with one field replaced by arbitrary
JSON (the "almost right" answers a real HIS sends), which reach deep into each parser.
"""

from __future__ import annotations

import contextlib
import copy
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from his_world import fast_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.domain import Doctor, Identifier, IdentifierKind
from kiosk.his import HisBadResponse, HisError
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.mapping import (
    FhirProfile,
    ScheduleInfo,
    outcome_message,
    parse_appointment,
    parse_bundle,
    parse_department,
    parse_invoice,
    parse_json,
    parse_patient,
    parse_payment,
    parse_report,
    parse_schedule,
    parse_slot,
)
from kiosk.his.simulator import Fault, HisSimulator

PROFILE = FhirProfile.from_settings(fast_settings())
EXT = PROFILE.ext
SCHEDULES = {"s1": ScheduleInfo("s1", "d1", "内科", Doctor("doc", "李", "主任医师"), 3000)}

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=20)
    | st.decimals(allow_nan=False, allow_infinity=False)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)

VALID: dict[str, dict[str, Any]] = {
    "Patient": {
        "resourceType": "Patient",
        "id": "p1",
        "gender": "female",
        "birthDate": "1990-01-02",
        "identifier": [{"system": PROFILE.systems[next(iter(PROFILE.systems))], "value": "x"}],
        "name": [{"use": "official", "family": "王", "given": ["芳"]}],
        "telecom": [{"system": "phone", "value": "138"}],
        "meta": {"tag": [{"system": "s", "code": "c"}]},
    },
    "HealthcareService": {"resourceType": "HealthcareService", "id": "d1", "name": "内科", "comment": "c"},
    "Schedule": {
        "resourceType": "Schedule",
        "id": "s1",
        "actor": [{"reference": "HealthcareService/d1", "display": "内科"}, {"reference": "Practitioner/doc"}],
        "extension": [{"url": EXT("registration-fee"), "valueMoney": {"value": Decimal("30.00"), "currency": "CNY"}}],
    },
    "Slot": {
        "resourceType": "Slot",
        "id": "sl",
        "schedule": {"reference": "Schedule/s1"},
        "status": "free",
        "start": "2024-05-01T08:00:00+08:00",
        "end": "2024-05-01T12:00:00+08:00",
        "extension": [{"url": EXT("slot-remaining"), "valueInteger": 3}],
    },
    "Appointment": {
        "resourceType": "Appointment",
        "id": "a1",
        "status": "booked",
        "start": "2024-05-01T08:00:00+08:00",
        "end": "2024-05-01T12:00:00+08:00",
        "slot": [{"reference": "Slot/sl"}],
        "participant": [
            {"actor": {"reference": "Patient/p1"}},
            {"actor": {"reference": "Practitioner/d", "display": "李"}},
        ],
        "identifier": [{"system": PROFILE.queue_number_system, "value": "7"}],
        "extension": [{"url": EXT("registration-invoice"), "valueReference": {"reference": "Invoice/i1"}}],
        "meta": {"versionId": "2"},
    },
    "Invoice": {
        "resourceType": "Invoice",
        "id": "i1",
        "status": "issued",
        "subject": {"reference": "Patient/p1"},
        "date": "2024-05-01",
        "totalGross": {"value": Decimal("37.00"), "currency": "CNY"},
        "lineItem": [
            {
                "chargeItemCodeableConcept": {"text": "药"},
                "priceComponent": [{"type": "base", "factor": 2, "amount": {"value": Decimal("37.00")}}],
            }
        ],
        "extension": [{"url": EXT("visit"), "valueReference": {"reference": "Encounter/e", "display": "内科"}}],
    },
    "PaymentReconciliation": {
        "resourceType": "PaymentReconciliation",
        "id": "pr",
        "created": "2024-05-01T09:00:00+08:00",
        "identifier": [{"system": PROFILE.payment_reference_system, "value": "ref"}],
        "paymentAmount": {"value": 37, "currency": "CNY"},
        "detail": [{"request": {"reference": "Invoice/i1"}}],
    },
    "DiagnosticReport": {
        "resourceType": "DiagnosticReport",
        "id": "r1",
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "category": [{"coding": [{"code": "LAB"}]}],
        "code": {"text": "血常规"},
        "issued": "2024-05-01T09:00:00Z",
        "presentedForm": [{"contentType": "application/pdf", "url": "Binary/b"}],
    },
}

PARSERS: dict[str, Callable[[Any], object]] = {
    "Patient": lambda r: parse_patient(r, PROFILE),
    "HealthcareService": lambda r: parse_department(r, PROFILE),
    "Schedule": lambda r: parse_schedule(r, PROFILE, {}),
    "Slot": lambda r: parse_slot(r, PROFILE, SCHEDULES),
    "Appointment": lambda r: parse_appointment(r, PROFILE),
    "Invoice": lambda r: parse_invoice(r, PROFILE),
    "PaymentReconciliation": lambda r: parse_payment(r, PROFILE),
    "DiagnosticReport": lambda r: parse_report(r, PROFILE),
    "Bundle": lambda r: parse_bundle(r, "Patient", frozenset({"Practitioner"})),
}

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _only_typed_errors(parser: Callable[[Any], object], value: Any) -> None:
    with contextlib.suppress(HisBadResponse):
        parser(value)


def test_valid_samples_parse() -> None:
    for rtype, parser in PARSERS.items():
        if rtype != "Bundle":
            parser(VALID[rtype])


@FUZZ
@given(name=st.sampled_from(sorted(PARSERS)), value=json_values)
def test_arbitrary_json_only_raises_bad_response(name: str, value: Any) -> None:
    _only_typed_errors(PARSERS[name], value)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            out.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            out.extend(_paths(child, (*prefix, index)))
    return out


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    rtype = draw(st.sampled_from(sorted(VALID)))
    resource = copy.deepcopy(VALID[rtype])
    path = draw(st.sampled_from(_paths(resource)))
    target = resource
    for key in path[:-1]:
        target = target[key]
    if draw(st.booleans()):
        target[path[-1]] = draw(json_values)
    elif isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = None
    return rtype, resource


@FUZZ
@given(case=mutated())
def test_almost_valid_resources_only_raise_bad_response(case: tuple[str, Any]) -> None:
    rtype, resource = case
    _only_typed_errors(PARSERS[rtype], resource)
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": resource, "search": {"mode": "match"}}],
    }
    _only_typed_errors(lambda b: parse_bundle(b, rtype), bundle)


@FUZZ
@given(value=json_values)
def test_outcome_message_never_raises(value: Any) -> None:
    assert isinstance(outcome_message(value), str)
    assert isinstance(outcome_message({"resourceType": "OperationOutcome", "issue": value}), str)


@FUZZ
@given(body=st.binary(max_size=200) | json_values.map(lambda v: json.dumps(v, default=str).encode()))
def test_json_decoding_only_raises_bad_response(body: bytes) -> None:
    _only_typed_errors(lambda b: parse_json(b, "fuzz"), body)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=json_values, status=st.sampled_from([200, 201, 400, 404, 409, 422, 500]))
def test_gateway_over_http_only_raises_his_errors(sim: HisSimulator, value: Any, status: int) -> None:
    body = json.dumps(value, default=str).encode()
    sim.clear_faults()
    sim.add_fault(Fault("malformed", route="GET Patient", status=status, body=body))
    gw = FhirHisGateway(fast_settings(retries=0), sim.base_url)
    try:
        gw.find_patient(Identifier(IdentifierKind.VISIT_CARD, "8800000001"))
    except HisError:
        pass
    finally:
        gw.close()
        sim.clear_faults()


def test_a_held_appointment_names_its_fee_invoice() -> None:
    held = parse_appointment({**VALID["Appointment"], "status": "pending"}, PROFILE)
    assert (held.status.value, held.bill_id) == ("pending", "i1")
    assert parse_appointment({**VALID["Appointment"], "extension": []}, PROFILE).bill_id is None
    other = {"url": EXT("registration-invoice"), "valueReference": {"reference": "Encounter/e"}}
    with pytest.raises(HisBadResponse):
        parse_appointment({**VALID["Appointment"], "extension": [other]}, PROFILE)
