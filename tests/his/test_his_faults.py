"""Bad input and faults: every failure reaches the caller as a typed HisError, quickly.

Runs against the embedded simulator with faults injected per route.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from his_world import fast_settings

from kiosk.domain import Appointment, AppointmentStatus, Identifier, IdentifierKind
from kiosk.errors import ConfigurationError
from kiosk.his import (
    HisAuthError,
    HisBadResponse,
    HisConflict,
    HisNotFound,
    HisRejected,
    HisTimeout,
    HisUnavailable,
)
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import HTML_ERROR_PAGE, Fault, HisSimulator

CARD = Identifier(IdentifierKind.VISIT_CARD, "8800000001")  # the first seeded patient


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_his_down_is_unavailable_after_retries() -> None:
    gw = FhirHisGateway(fast_settings(), f"http://127.0.0.1:{_free_port()}/fhir")
    try:
        started = time.monotonic()
        with pytest.raises(HisUnavailable):
            gw.find_patient(CARD)
        assert time.monotonic() - started < 2
    finally:
        gw.close()


def test_slow_his_times_out_within_the_deadline(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    sim.add_fault(Fault("latency", route="GET Patient", seconds=2.0))
    started = time.monotonic()
    with pytest.raises(HisTimeout):
        gateway.find_patient(CARD)
    elapsed = time.monotonic() - started
    assert elapsed < 3.2  # call_deadline_s 3 bounds all attempts together
    assert sim.faults.hits("GET Patient") >= 2  # reads are retried


def test_hanging_his_times_out(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    sim.add_fault(Fault("timeout", route="GET HealthcareService", seconds=5.0, times=3))
    with pytest.raises(HisTimeout):
        gateway.departments()


def test_latency_below_the_timeout_is_fine(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    sim.add_fault(Fault("latency", route="GET Patient", seconds=0.2))
    assert gateway.find_patient(CARD).id == "pat-0001"


def test_http_500_is_unavailable_and_not_retried(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    sim.add_fault(Fault("status", route="GET Patient", status=500))
    with pytest.raises(HisUnavailable) as info:
        gateway.find_patient(CARD)
    assert "500" in str(info.value)
    assert sim.faults.hits("GET Patient") == 1


def test_one_503_is_retried_transparently(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    sim.add_fault(Fault("status", route="GET Patient", status=503, times=1))
    assert gateway.find_patient(CARD).id == "pat-0001"
    assert sim.faults.hits("GET Patient") == 2


def test_persistent_502_html_page_is_unavailable(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    sim.add_fault(Fault("status", status=502, body=HTML_ERROR_PAGE, content_type="text/html"))
    with pytest.raises(HisUnavailable):
        gateway.departments()
    assert sim.faults.hits() == 3  # first try + 2 retries


def test_reset_before_answer_is_retried(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    sim.add_fault(Fault("reset", route="GET Patient", times=1))
    assert gateway.find_patient(CARD).id == "pat-0001"


def test_reset_mid_body_every_time_is_unavailable(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    sim.add_fault(Fault("reset_mid_body", route="GET Patient"))
    with pytest.raises(HisUnavailable):
        gateway.find_patient(CARD)
    assert sim.faults.hits("GET Patient") == 3


def test_lost_booking_answer_never_books_twice(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    patient = gateway.find_patient(Identifier(IdentifierKind.VISIT_CARD, "8800000003"))
    day = sim.clock.now().date() + timedelta(days=2)
    dept = gateway.departments()[1]
    slot = gateway.slots(dept.id, day)[0]
    sim.add_fault(Fault("reset_mid_body", route="POST Appointment", times=1))  # booked, answer lost
    booked = gateway.book(patient.id, slot, "fault-key-1")
    assert sim.faults.hits("POST Appointment") == 2
    same_key = sim.store.search("Appointment", [])
    assert [a["id"] for a in same_key if any(i.get("value") == "fault-key-1" for i in a["identifier"])] == [booked.id]
    after = next(s for s in gateway.slots(dept.id, day) if s.id == slot.id)
    assert after.remaining == slot.remaining - 1


def test_settle_resumes_after_a_lost_answer(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    bills = gateway.unpaid_bills("pat-0005") or gateway.unpaid_bills("pat-0002")
    patient_id = bills[0].patient_id
    total = sum(b.total_fen for b in bills)
    sim.add_fault(Fault("reset", route="PUT Invoice", times=3))  # payment recorded, bills not yet updated
    with pytest.raises(HisUnavailable):
        gateway.settle(patient_id, bills, "fault-pay-1", total)
    assert gateway.find_settlement("fault-pay-1") is not None
    assert gateway.unpaid_bills(patient_id) != []
    settlement = gateway.settle(patient_id, bills, "fault-pay-1", total)  # the ledger's retry
    assert gateway.unpaid_bills(patient_id) == []
    assert settlement.amount_fen == total


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"resourceType": "Bundle", "entry": [', "application/fhir+json"),
        (b"", "application/fhir+json"),
        (b"\xff\xfe not utf-8", "application/fhir+json"),
        (b'{"resourceType": "Bundle", "total": NaN}', "application/fhir+json"),
        (b"[1, 2, 3]", "application/fhir+json"),
        (b'{"resourceType": "Patient", "id": "x"}', "application/fhir+json"),
        (
            b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Slot", "id": "a"}}]}',
            "application/fhir+json",
        ),
        (
            b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "id": 7}}]}',
            "application/fhir+json",
        ),
        (
            b'{"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "id": "p",'
            b' "gender": "robot"}}]}',
            "application/fhir+json",
        ),
        (
            b'{"resourceType": "Bundle", "link": [{"relation": "next", "url": "http://elsewhere.example/fhir"}]}',
            "application/fhir+json",
        ),
        (b"[" * 100000 + b"]" * 100000, "application/json"),
        (HTML_ERROR_PAGE, "text/html"),
    ],
    ids=[
        "truncated",
        "empty",
        "not-utf8",
        "nan",
        "array",
        "not-a-bundle",
        "wrong-type",
        "id-not-string",
        "unknown-gender",
        "foreign-next-link",
        "deep-nesting",
        "html-200",
    ],
)
def test_malformed_bodies_are_bad_responses(
    sim: HisSimulator, gateway: FhirHisGateway, body: bytes, content_type: str
) -> None:
    sim.add_fault(Fault("malformed", route="GET Patient", status=200, body=body, content_type=content_type))
    with pytest.raises(HisBadResponse):
        gateway.find_patient(CARD)


def test_truncated_real_answer_is_a_bad_response(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    sim.add_fault(Fault("malformed", route="GET Slot"))  # the real body cut in half
    with pytest.raises(HisBadResponse):
        gateway.slots("dept-01", sim.clock.now().date())


def test_zero_matching_patients_is_not_found(gateway: FhirHisGateway) -> None:
    with pytest.raises(HisNotFound):
        gateway.find_patient(Identifier(IdentifierKind.HEALTH_CARD_QR, "NO-SUCH-TOKEN"))


def test_unknown_appointment_is_not_found(gateway: FhirHisGateway) -> None:
    moment = datetime(2024, 1, 1, 8, tzinfo=UTC)
    ghost = Appointment("no-such-appointment", "pat-0001", AppointmentStatus.BOOKED, start=moment, end=moment)
    with pytest.raises(HisNotFound):
        gateway.check_in(ghost)


def test_credentials_refused_is_an_auth_error(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    sim.add_fault(Fault("status", status=401, body=b'{"resourceType": "OperationOutcome", "issue": []}'))
    with pytest.raises(HisAuthError):
        gateway.departments()


def test_business_rule_message_reaches_the_caller(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "business-rule", "diagnostics": "今日号源已停诊"}],
    }
    sim.add_fault(Fault("status", route="POST Appointment", status=422, body=json.dumps(outcome).encode()))
    day = sim.clock.now().date() + timedelta(days=1)
    slot = gateway.slots("dept-02", day)[0]
    with pytest.raises(HisRejected) as info:
        gateway.book("pat-0004", slot, "rule-key")
    assert info.value.reason == "今日号源已停诊"
    assert sim.faults.hits("POST Appointment") == 1  # a refusal is final, never retried


def test_version_conflict_on_update_is_re_read(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    day = sim.clock.now().date() + timedelta(days=3)
    slot = gateway.slots("dept-03", day)[0]
    booked = gateway.book("pat-0006", slot, "conflict-key")
    sim.add_fault(Fault("status", route="PUT Appointment", status=412, times=1))
    assert gateway.cancel_booking(booked).status.value == "cancelled"
    sim.add_fault(Fault("status", route="PUT Appointment", status=409))
    other = gateway.book("pat-0006", gateway.slots("dept-03", day)[0], "conflict-key-2")
    with pytest.raises(HisConflict):
        gateway.cancel_booking(other)


# Every way an answer can fail after the request went out. A create sent twice could create twice,
# so a non-idempotent request is tried once; the same failure on a read is retried.
AFTER_SENDING = [
    pytest.param(Fault("reset", route="* Patient"), HisUnavailable, id="reset"),
    pytest.param(Fault("reset_mid_body", route="* Patient"), HisUnavailable, id="reset-mid-body"),
    pytest.param(Fault("timeout", route="* Patient", seconds=1.0), HisTimeout, id="read-timeout"),
    pytest.param(Fault("status", route="* Patient", status=503), HisUnavailable, id="503"),
    pytest.param(Fault("status", route="* Patient", status=502), HisUnavailable, id="502"),
    pytest.param(Fault("status", route="* Patient", status=504), HisUnavailable, id="504"),
    pytest.param(Fault("status", route="* Patient", status=429), HisUnavailable, id="429"),
]


@pytest.mark.parametrize(("fault", "error"), AFTER_SENDING)
def test_non_idempotent_requests_are_not_retried(
    sim: HisSimulator, gateway: FhirHisGateway, fault: Fault, error: type[Exception]
) -> None:
    sim.add_fault(fault)
    with pytest.raises(error):
        gateway._request("POST", "Patient", op="plain create", idempotent=False, body={"resourceType": "Patient"})
    assert sim.faults.hits("POST Patient") == 1


@pytest.mark.parametrize(("fault", "error"), AFTER_SENDING)
def test_idempotent_requests_are_retried_after_the_same_failures(
    sim: HisSimulator, gateway: FhirHisGateway, fault: Fault, error: type[Exception]
) -> None:
    sim.add_fault(fault)
    with pytest.raises(error):
        gateway._request("GET", "Patient", op="search Patient", idempotent=True, params=[("_count", "1")])
    assert sim.faults.hits("GET Patient") >= 2


def test_oversized_response_is_refused(sim: HisSimulator) -> None:
    gw = FhirHisGateway(fast_settings(max_response_mb=0.001), sim.base_url)
    try:
        with pytest.raises(HisBadResponse):
            gw.departments()
    finally:
        gw.close()


def test_tls_is_always_verified_and_credentials_come_from_files(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("s3cret-token\n", encoding="utf-8")
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    settings = fast_settings(
        mode="fhir",
        base_url="https://his.example.cn/fhir",
        ca_bundle=str(ca),
        auth={"kind": "bearer", "token_file": str(token)},
    )
    gw = FhirHisGateway(settings)
    try:
        assert gw._verify == str(ca)
        assert gw._session.headers["Authorization"] == "Bearer s3cret-token"
        assert gw._session.trust_env is False
    finally:
        gw.close()
    plain = FhirHisGateway(fast_settings(mode="fhir", base_url="https://his.example.cn/fhir"))
    try:
        assert plain._verify is True
    finally:
        plain.close()
    token.write_text("two tokens\n", encoding="utf-8")
    with pytest.raises(ConfigurationError):
        FhirHisGateway(settings)


@pytest.fixture
def quiet_sim() -> Iterator[HisSimulator]:
    simulator = HisSimulator(patients=5)
    simulator.start()
    try:
        yield simulator
    finally:
        simulator.close()


def test_stop_with_a_hanging_request_is_prompt(quiet_sim: HisSimulator) -> None:
    quiet_sim.add_fault(Fault("timeout", seconds=30))
    gw = FhirHisGateway(fast_settings(read_timeout_s=5.0, call_deadline_s=10.0, retries=0), quiet_sim.base_url)
    try:
        stopper = threading.Timer(0.3, quiet_sim.stop)
        stopper.start()
        started = time.monotonic()
        try:
            with pytest.raises(HisUnavailable):
                gw.departments()
        finally:
            stopper.join()
        assert time.monotonic() - started < 3
    finally:
        gw.close()
