"""The simulator on its own: seed data, PDFs, FHIR semantics, rules, control API, CLI."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from his_world import SIM_NOW

from kiosk.domain import AppointmentStatus, Slot, is_valid_resident_id
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import Fault, HisSimulator
from kiosk.his.simulator.api import REGISTRATION_HOLD, ApiRequest, FhirApi
from kiosk.his.simulator.pdf import TextLine, render_pdf


def _get(url: str, **params: str) -> requests.Response:
    with requests.Session() as session:
        return session.get(url, params=params, timeout=5)


def test_seed_is_a_realistic_hospital(sim: HisSimulator) -> None:
    store = sim.store
    departments = store.search("HealthcareService", [])
    assert {d["name"] for d in departments} >= {
        "内科",
        "外科",
        "儿科",
        "妇产科",
        "眼科",
        "耳鼻喉科",
        "口腔科",
        "皮肤科",
        "中医科",
        "骨科",
        "神经内科",
        "心血管内科",
    }
    doctors = [d for d in store.search("Practitioner", []) if d["id"].startswith("doc-")]
    assert len(doctors) == 40
    titles = Counter(d["qualification"][0]["code"]["text"] for d in doctors)
    assert set(titles) == {"主任医师", "副主任医师", "主治医师", "住院医师"}
    slot_days = {s["start"][:10] for s in store.search("Slot", [])}
    assert len(slot_days) == 7
    patients = [p for p in store.search("Patient", []) if re.fullmatch(r"pat-\d{4}", p["id"])]
    assert len(patients) >= 200
    for patient in patients:
        resident = next(i["value"] for i in patient["identifier"] if i["system"] == sim.systems.resident_id)
        assert is_valid_resident_id(resident)
        assert int(resident[16]) % 2 == (1 if patient["gender"] == "male" else 0)
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,3}", patient["name"][0]["text"])
    invoices = store.search("Invoice", [])
    assert len(invoices) > 80
    statuses = Counter(inv["status"] for inv in invoices if re.fullmatch(r"inv-\d{4}-\d", inv["id"]))
    assert set(statuses) <= {"issued", "balanced"}  # other tests pay a few
    assert statuses["issued"] > 80
    assert len(store.search("DiagnosticReport", [])) > 100


def test_seed_is_deterministic() -> None:
    first = HisSimulator(patients=3, seed=7, now=SIM_NOW)
    second = HisSimulator(patients=3, seed=7, now=SIM_NOW)
    try:
        assert first.store.search("Patient", []) == second.store.search("Patient", [])
    finally:
        first.close()
        second.close()


def test_report_pdfs_are_valid_pdf_files(sim: HisSimulator) -> None:
    binary = sim.store.search("Binary", [])[0]
    pdf = base64.b64decode(binary["data"])
    _check_pdf_structure(pdf)
    response = _get(f"{sim.base_url}/Binary/{binary['id']}")
    assert response.headers["Content-Type"].startswith("application/fhir+json")
    with requests.Session() as session:
        raw = session.get(f"{sim.base_url}/Binary/{binary['id']}", headers={"Accept": "application/pdf"}, timeout=5)
    assert raw.headers["Content-Type"] == "application/pdf"
    assert raw.content == pdf


def _check_pdf_structure(pdf: bytes) -> None:
    """Every xref offset points at its object; startxref points at the table."""
    assert pdf.startswith(b"%PDF-1.7")
    assert pdf.rstrip().endswith(b"%%EOF")
    startxref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[startxref:].startswith(b"xref")
    table = pdf[startxref:].split(b"trailer")[0].split(b"\n")
    count = int(table[1].split()[1])
    for number, line in enumerate(table[3 : 2 + count], start=1):
        offset = int(line.split()[0])
        assert pdf[offset:].startswith(b"%d 0 obj" % number)


def test_pdf_writer_handles_chinese_and_escapes() -> None:
    pdf = render_pdf([TextLine("血常规 (WBC) 6.2 ↑"), TextLine("a (b) \\ c"), TextLine("𠀀 outside BMP")], "标题")
    _check_pdf_structure(pdf)
    assert b"<8840" in pdf  # 血 as UCS-2 for the UniGB-UCS2-H CMap
    assert b"(a \\(b\\) \\\\ c)" in pdf


def test_metadata_is_an_r4_capability_statement(sim: HisSimulator) -> None:
    statement = _get(f"{sim.base_url}/metadata").json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"
    types = {r["type"] for r in statement["rest"][0]["resource"]}
    assert {"Patient", "Slot", "Appointment", "Invoice", "PaymentReconciliation", "DiagnosticReport"} <= types


def test_search_semantics(sim: HisSimulator) -> None:
    day = SIM_NOW.date() + timedelta(days=1)
    bundle = _get(
        f"{sim.base_url}/Slot", schedule="Schedule/sch-001", start=f"ge{day}", _sort="-start", _count="1"
    ).json()
    assert bundle["type"] == "searchset"
    assert len(bundle["entry"]) == 1
    assert bundle["total"] > 1
    assert any(link["relation"] == "next" for link in bundle["link"])
    assert bundle["entry"][0]["resource"]["start"][:10] == str(SIM_NOW.date() + timedelta(days=6))
    assert _get(f"{sim.base_url}/Slot", bogus="1").status_code == 400
    assert _get(f"{sim.base_url}/Nothing").status_code == 404
    assert _get(f"{sim.base_url}/Patient/nope").json()["resourceType"] == "OperationOutcome"
    included = _get(f"{sim.base_url}/Schedule", actor="HealthcareService/dept-01", _include="Schedule:actor").json()
    modes = Counter(e["search"]["mode"] for e in included["entry"])
    assert modes["match"] == 4
    assert modes["include"] == 5  # four doctors and the department


def _api_call(
    api: FhirApi, method: str, path: str, body: object = None, **headers: str
) -> tuple[int, dict[str, object]]:
    raw = json.dumps(body).encode() if body is not None else b""
    response = api.handle(ApiRequest(method, path, (), {k.replace("_", "-"): v for k, v in headers.items()}, raw))
    return response.status, json.loads(response.body) if response.body else {}


def test_updates_need_if_match_and_the_current_version(sim: HisSimulator) -> None:
    status, invoice = _api_call(sim.api, "GET", "/Invoice/inv-0002-1")
    assert status == 200
    assert _api_call(sim.api, "PUT", "/Invoice/inv-0002-1", invoice)[0] == 428
    assert _api_call(sim.api, "PUT", "/Invoice/inv-0002-1", invoice, if_match='W/"99"')[0] == 412
    changed = {**invoice, "totalGross": {"value": 1, "currency": "CNY"}}
    version = invoice["meta"]["versionId"]  # type: ignore[index]
    assert _api_call(sim.api, "PUT", "/Invoice/inv-0002-1", changed, if_match=f'W/"{version}"')[0] == 422


def test_payment_rules(sim: HisSimulator) -> None:
    invoice_id = max(i["id"] for i in sim.store.search("Invoice", []) if i["id"].startswith("inv-"))
    _, invoice = _api_call(sim.api, "GET", f"/Invoice/{invoice_id}")
    amount = invoice["totalGross"]
    base = {
        "resourceType": "PaymentReconciliation",
        "identifier": [{"system": sim.systems.payment_reference, "value": "rule-pay"}],
        "paymentAmount": amount,
        "detail": [{"request": {"reference": f"Invoice/{invoice_id}"}, "amount": amount}],
    }
    wrong = {**base, "detail": [{"request": {"reference": f"Invoice/{invoice_id}"}, "amount": {"value": 0.01}}]}
    assert _api_call(sim.api, "POST", "/PaymentReconciliation", wrong)[0] == 422
    no_ref = {**base, "identifier": []}
    assert _api_call(sim.api, "POST", "/PaymentReconciliation", no_ref)[0] == 422
    status, created = _api_call(sim.api, "POST", "/PaymentReconciliation", base)
    assert status == 201
    assert any(i["system"] == sim.systems.receipt_number for i in created["identifier"])  # type: ignore[union-attr]
    again = {**base, "identifier": [{"system": sim.systems.payment_reference, "value": "rule-pay-2"}]}
    status, outcome = _api_call(sim.api, "POST", "/PaymentReconciliation", again)
    assert status == 422
    assert "already settled" in json.dumps(outcome, ensure_ascii=False)


def test_control_endpoints(sim: HisSimulator) -> None:
    root = sim.base_url.removesuffix("/fhir")
    with requests.Session() as session:
        added = session.post(
            f"{root}/_sim/faults", json={"kind": "status", "route": "GET Patient", "status": 503}, timeout=5
        )
        assert added.status_code == 200
        assert session.get(f"{sim.base_url}/Patient/pat-0001", timeout=5).status_code == 503
        assert session.get(f"{sim.base_url}/HealthcareService", timeout=5).status_code == 200
        assert session.post(f"{root}/_sim/faults", json={"kind": "explode"}, timeout=5).status_code == 400
        assert session.delete(f"{root}/_sim/faults", timeout=5).json() == {"faults": []}
        assert session.get(f"{sim.base_url}/Patient/pat-0001", timeout=5).status_code == 200
        clock = session.post(f"{root}/_sim/clock", json={"now": "2030-01-02T09:00:00"}, timeout=5).json()
        assert clock["now"].startswith("2030-01-02T09:00:00+08:00")
        assert session.get(f"{root}/_sim/health", timeout=5).json()["status"] == "ok"


def test_fault_validation() -> None:
    with pytest.raises(ValueError, match="kind"):
        Fault("explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="seconds"):
        Fault("latency")
    assert Fault("status", route="GET Patient").matches("GET", "Patient")
    assert not Fault("status", route="GET Patient").matches("POST", "Patient")
    assert Fault("status", route="Slot").matches("PUT", "Slot")


def test_database_file_persists(tmp_path: Path) -> None:
    db = tmp_path / "his.sqlite"
    with HisSimulator(db, patients=2, now=SIM_NOW) as first:
        first_patients = first.store.search("Patient", [])
    with HisSimulator(db, patients=50, now=SIM_NOW) as second:  # existing data is kept, not re-seeded
        assert second.store.search("Patient", []) == first_patients


def test_command_line_runs_and_stops(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kiosk.his.simulator",
            "--port",
            "0",
            "--patients",
            "3",
            "--db",
            str(tmp_path / "cli.sqlite"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        base = re.search(r"(http://127\.0\.0\.1:\d+/fhir)", line)
        assert base is not None, line
        assert _get(f"{base.group(1)}/metadata").json()["fhirVersion"] == "4.0.1"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr


def _fee_slot(gateway: FhirHisGateway, dept: str, day_offset: int) -> Slot:
    """A bookable session of the department's first doctor (主任医师, 50 yuan)."""
    day = SIM_NOW.date() + timedelta(days=day_offset)
    return next(s for s in gateway.slots(dept, day) if s.doctor is not None and s.doctor.title == "主任医师")


def test_registration_fee_resources(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    """The FHIR shapes of a held booking, its fee invoice and the payment that books it."""
    held = gateway.book("pat-0011", _fee_slot(gateway, "dept-01", 4), "sim-fee-1")
    assert held.bill_id is not None
    appointment = sim.store.read("Appointment", held.id)
    assert appointment is not None
    assert appointment["status"] == "pending"
    extensions = {e["url"]: e for e in appointment["extension"]}
    assert extensions[sim.systems.ext("registration-invoice")]["valueReference"] == {
        "reference": f"Invoice/{held.bill_id}"
    }
    expires = extensions[sim.systems.ext("hold-expires")]["valueDateTime"]
    assert expires == (SIM_NOW + timedelta(minutes=15)).isoformat()
    invoice = sim.store.read("Invoice", held.bill_id)
    assert invoice is not None
    assert (invoice["status"], invoice["subject"]) == ("issued", {"reference": "Patient/pat-0011"})
    assert invoice["extension"] == [
        {"url": sim.systems.ext("appointment"), "valueReference": {"reference": f"Appointment/{held.id}"}}
    ]
    assert [line["chargeItemCodeableConcept"]["text"] for line in invoice["lineItem"]] == ["挂号费 (主任医师)"]
    assert invoice["totalGross"]["value"] == 50
    # The fee invoice is voided with its booking, never on its own while the booking is held;
    # only the payment books the appointment.
    _, as_sent = _api_call(sim.api, "GET", f"/Invoice/{held.bill_id}")
    voided = {**as_sent, "status": "cancelled"}
    assert _api_call(sim.api, "PUT", f"/Invoice/{held.bill_id}", voided, if_match='W/"1"')[0] == 422
    _, as_sent = _api_call(sim.api, "GET", f"/Appointment/{held.id}")
    booked_by_hand = {**as_sent, "status": "booked"}
    assert _api_call(sim.api, "PUT", f"/Appointment/{held.id}", booked_by_hand, if_match='W/"1"')[0] == 422

    bill = gateway.bill(held.bill_id)
    gateway.settle("pat-0011", [bill], "sim-fee-pay-1", bill.total_fen)
    booked = sim.store.read("Appointment", held.id)
    assert booked is not None
    assert (booked["status"], booked["meta"]["versionId"]) == ("booked", "2")
    assert sim.systems.ext("hold-expires") not in {e["url"] for e in booked["extension"]}
    paid = sim.store.read("Invoice", held.bill_id)
    assert paid is not None
    assert paid["status"] == "balanced"


def test_hold_time_is_a_simulator_setting(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    slot = _fee_slot(gateway, "dept-04", 4)
    sim.api.hold_time = timedelta(minutes=2)
    try:
        held = gateway.book("pat-0012", slot, "sim-fee-2")
        sim.set_now(SIM_NOW + timedelta(minutes=1, seconds=59))
        assert gateway.appointment(held.id).status is AppointmentStatus.PENDING
        sim.set_now(SIM_NOW + timedelta(minutes=2))
        assert gateway.appointment(held.id).status is AppointmentStatus.CANCELLED
        assert held.bill_id is not None
        invoice = sim.store.read("Invoice", held.bill_id)
        assert invoice is not None
        assert invoice["status"] == "cancelled"
        assert "2 minutes" in invoice["cancelledReason"]
        # A payment that reaches the HIS anyway (sent before the lapse) is refused: the kiosk refunds.
        fee = {"value": 50, "currency": "CNY"}
        late = {
            "resourceType": "PaymentReconciliation",
            "identifier": [{"system": sim.systems.payment_reference, "value": "sim-fee-pay-2"}],
            "paymentAmount": fee,
            "detail": [{"request": {"reference": f"Invoice/{held.bill_id}"}, "amount": fee}],
        }
        status, outcome = _api_call(sim.api, "POST", "/PaymentReconciliation", late)
        assert status == 422
        assert "lapsed" in json.dumps(outcome, ensure_ascii=False)
    finally:
        sim.api.hold_time = REGISTRATION_HOLD


def test_a_demo_booking_stays_booked(sim: HisSimulator, gateway: FhirHisGateway) -> None:
    """The seed's appointments were paid before the day: booked, with no hold to lapse."""
    sim.set_now(SIM_NOW + timedelta(hours=1))
    assert sim.api.release_lapsed_holds() >= 0
    demo = gateway.appointment("appt-9001-1")
    assert (demo.status, demo.bill_id) == (AppointmentStatus.BOOKED, None)
