"""Contract suite: drives HisGateway through the FHIR adapter against FHIR R4 servers.

It runs against three servers: the embedded simulator (the full kiosk profile), the simulator in
plain mode (no kiosk profile, lower-case header names, no conditional create, no $meta-add) and a
FHIR R4 server written by others (PyPI ``sekmet-fhir``, started on 127.0.0.1 for the session).
Set KIOSK_FHIR_URL to run it against any other FHIR R4 server instead (it seeds what it needs
through the FHIR API). Tests marked ``rules`` check business rules a real HIS enforces (capacity,
check-in window...): they run where the server enforces them (the simulators; another server only
with KIOSK_FHIR_ENFORCES_RULES=1). Tests of a kiosk-profile feature (fee hold, queue numbers)
run where the server declares it, and the degraded behaviour is tested where it does not.
Every request body the adapter sends is validated against the FHIR R4 structure definitions.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from fhir_bodies import BodyRecorder
from his_world import SIM_NOW, World, fast_settings, random_resident_id

from kiosk.config import HisSection
from kiosk.domain import (
    AppointmentStatus,
    Gender,
    Identifier,
    IdentifierKind,
    NewPatient,
    ReportKind,
    ReportStatus,
    Slot,
)
from kiosk.his import HisAmbiguous, HisConflict, HisFeeNotCollectable, HisNotFound, HisRejected
from kiosk.his.fhir import FhirHisGateway

EXTERNAL_URL = os.environ.get("KIOSK_FHIR_URL", "").rstrip("/")
TARGETS = ["external"] if EXTERNAL_URL else ["simulator", "plain", "third-party"]


@dataclass
class Target:
    name: str
    base_url: str
    settings: HisSection
    today: date
    enforces_rules: bool
    set_now: Callable[[datetime | None], None]
    now: Callable[[], datetime] | None = None  # the server's clock, when it is not the wall clock


def _wall_clock_target(name: str, url: str, enforces_rules: bool) -> Target:
    settings = HisSection.model_validate(
        {"mode": "fhir", "base_url": url, "allow_plain_http": True, "read_timeout_s": 20, "call_deadline_s": 60}
    )
    zone_today = datetime.now(ZoneInfo(settings.timezone)).date()
    return Target(name, url, settings, zone_today, enforces_rules, lambda _moment: None)


@pytest.fixture(scope="module", params=TARGETS)
def target(request: pytest.FixtureRequest) -> Target:
    if request.param == "external":
        return _wall_clock_target("external", EXTERNAL_URL, os.environ.get("KIOSK_FHIR_ENFORCES_RULES") == "1")
    if request.param == "third-party":
        # It stores and searches; it enforces no HIS business rule (capacity, check-in window).
        return _wall_clock_target("third-party", request.getfixturevalue("third_party_fhir"), False)
    sim = request.getfixturevalue("sim" if request.param == "simulator" else "plain_sim")
    return Target(
        request.param,
        sim.base_url,
        fast_settings(read_timeout_s=5.0, call_deadline_s=10.0),
        SIM_NOW.date(),
        True,
        sim.set_now,
        sim.clock.now,
    )


@pytest.fixture(scope="module")
def world(target: Target) -> Iterator[World]:
    session = requests.Session()
    try:
        yield World(target.base_url, target.settings, target.today, session).seed()
    finally:
        session.close()


@pytest.fixture
def gw(target: Target) -> Iterator[FhirHisGateway]:
    gateway = FhirHisGateway(target.settings, target.base_url, wall=target.now)
    recorder = BodyRecorder(gateway)
    try:
        yield gateway
        recorder.check()  # every request body was valid FHIR R4
    finally:
        gateway.close()


@pytest.fixture
def rules(target: Target) -> None:
    if not target.enforces_rules:
        pytest.skip(f"the {target.name} server enforces no HIS business rule (capacity, check-in window)")


@pytest.fixture
def fee_hold(gw: FhirHisGateway, target: Target) -> None:
    if not gw.capabilities().has("fee-hold"):
        pytest.skip(f"the {target.name} server has no fee hold (kiosk profile): tested as degraded instead")


def test_ping_answers_as_fhir_r4(gw: FhirHisGateway) -> None:
    assert gw.ping()


def test_find_patient_by_visit_card_and_by_resident_id(gw: FhirHisGateway, world: World) -> None:
    by_card = gw.find_patient(Identifier(IdentifierKind.VISIT_CARD, world.ids["visit_card"]))
    by_id = gw.find_patient(Identifier(IdentifierKind.RESIDENT_ID, world.ids["resident_id"]))
    assert by_card.id == by_id.id == world.ids["patient"]
    assert by_card.name == "王小明"
    assert by_card.masked_name == "王**"
    assert by_card.gender is Gender.MALE
    assert by_card.birth_date == date(1980, 5, 6)
    assert by_card.phone == "13800138000"
    resident = by_card.identifier(IdentifierKind.RESIDENT_ID)
    assert resident is not None
    assert resident.masked() == world.ids["resident_id"][:3] + "*" * 11 + world.ids["resident_id"][-4:]
    assert world.ids["resident_id"] not in repr(by_card)


def test_unknown_identifier_is_not_found(gw: FhirHisGateway) -> None:
    with pytest.raises(HisNotFound):
        gw.find_patient(Identifier(IdentifierKind.VISIT_CARD, "no-such-card-0000"))


def test_two_matching_patients_are_never_guessed(gw: FhirHisGateway, world: World) -> None:
    card = f"SI-dup-{world.tag}"
    for _ in range(2):
        patient = world.new_patient()
        patient["identifier"].append({"system": world.settings.insurance_card_system, "value": card})
        world.session.put(f"{world.base_url}/Patient/{patient['id']}", json=patient, timeout=10).close()
    with pytest.raises(HisAmbiguous):
        gw.find_patient(Identifier(IdentifierKind.INSURANCE_CARD, card))


def test_create_patient_is_flagged_and_never_duplicated(gw: FhirHisGateway, world: World) -> None:
    resident_id = random_resident_id(world.rng)
    card = NewPatient(
        name="欧阳娜娜",
        gender=Gender.FEMALE,
        birth_date=date(1990, 1, 2),
        resident_id=resident_id,
        phone="13900139000",
        address="北京市东城区示例路1号",
    )
    first = gw.create_patient(card)
    again = gw.create_patient(card)
    assert first.created_at_kiosk
    assert again.id == first.id
    assert first.masked_name == "欧阳**"
    assert world.search_count("Patient", {"identifier": f"{world.settings.resident_id_system}|{resident_id}"}) == 1
    found = gw.find_patient(Identifier(IdentifierKind.RESIDENT_ID, resident_id))
    assert found.id == first.id


def test_create_patient_with_invalid_id_number_is_rejected(gw: FhirHisGateway) -> None:
    card = NewPatient(name="张三", gender=Gender.MALE, birth_date=date(1990, 1, 1), resident_id="110101199001011230")
    with pytest.raises(HisRejected):
        gw.create_patient(card)


def test_departments_include_the_seeded_one(gw: FhirHisGateway, world: World) -> None:
    names = {d.id: d.name for d in gw.departments()}
    assert names[world.ids["dept"]] == f"测试内科-{world.tag}"


def test_slots_of_a_day_with_doctor_fee_and_remaining(gw: FhirHisGateway, world: World) -> None:
    day = world.today + timedelta(days=2)
    morning = world.new_slot(day, time(8), time(12), capacity=5)
    afternoon = world.new_slot(day, time(13, 30), time(17), capacity=3)
    world.new_slot(day + timedelta(days=1), time(8), time(12))
    slots = gw.slots(world.ids["dept"], day)
    assert [s.id for s in slots] == [morning["id"], afternoon["id"]]
    first = slots[0]
    assert first.doctor is not None
    assert (first.doctor.name, first.doctor.title) == ("李建国", "副主任医师")
    assert first.fee_fen == 3000
    # Places left come from the kiosk profile's extension only where the server keeps it up to
    # date; otherwise a free Slot is one place.
    assert first.remaining == (5 if gw.capabilities().has("places") else 1)
    assert first.department_id == world.ids["dept"]
    assert first.start == datetime.combine(day, time(8), world.profile.zone)
    assert gw.slots(world.ids["dept"], day - timedelta(days=1)) == []
    several = gw.slots(world.ids["dept"], day - timedelta(days=1), days=3)  # one round trip for a span
    assert [s.id for s in several] == [
        *[s.id for s in slots],
        *[s.id for s in gw.slots(world.ids["dept"], day + timedelta(days=1))],
    ]
    assert gw.slots(world.ids["dept"], day - timedelta(days=1), days=2) == slots


def test_book_is_idempotent_on_the_booking_key(gw: FhirHisGateway, world: World) -> None:
    """A free slot (no registration fee) books straight to BOOKED, with no bill to pay."""
    day = world.today + timedelta(days=3)
    world.new_slot(day, time(8), time(12), free=True)
    slot = gw.slots(world.ids["free_dept"], day)[0]
    assert slot.fee_fen == 0
    booked = gw.book(world.ids["patient"], slot, f"bk-{world.tag}-1")
    again = gw.book(world.ids["patient"], slot, f"bk-{world.tag}-1")
    assert booked.status is AppointmentStatus.BOOKED
    assert booked.bill_id is None
    if gw.capabilities().has("queue-number"):
        assert booked.queue_number
    else:
        assert booked.queue_number is None  # the ticket says where to wait instead
    assert again.id == booked.id
    assert booked.slot_id == slot.id
    assert booked.booking_key == f"bk-{world.tag}-1"
    assert (
        world.search_count("Appointment", {"identifier": f"{world.settings.booking_key_system}|bk-{world.tag}-1"}) == 1
    )
    assert [a.id for a in gw.appointments_on(world.ids["patient"], day)] == [booked.id]


def test_cancel_booking(gw: FhirHisGateway, world: World) -> None:
    day = world.today + timedelta(days=4)
    world.new_slot(day, time(8), time(12), free=True)
    slot = gw.slots(world.ids["free_dept"], day)[0]
    booked = gw.book(world.ids["patient"], slot, f"bk-{world.tag}-cancel")
    cancelled = gw.cancel_booking(booked)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert gw.cancel_booking(booked).status is AppointmentStatus.CANCELLED  # repeat is harmless
    assert gw.appointments_on(world.ids["patient"], day) == []


def test_check_in(gw: FhirHisGateway, world: World, target: Target) -> None:
    slot_res = world.new_slot(world.today, time(8), time(12), free=True)
    slot = next(s for s in gw.slots(world.ids["free_dept"], world.today) if s.id == slot_res["id"])
    booked = gw.book(world.ids["patient"], slot, f"bk-{world.tag}-checkin")
    target.set_now(datetime.combine(world.today, time(7, 40), world.profile.zone))
    try:
        arrived = gw.check_in(booked)
        assert arrived.status is AppointmentStatus.ARRIVED
        assert gw.check_in(booked).status is AppointmentStatus.ARRIVED
        with pytest.raises(HisRejected):
            gw.cancel_booking(arrived)  # an arrived patient cannot cancel at the kiosk
    finally:
        target.set_now(datetime.combine(world.today, time(7, 30), world.profile.zone))


def test_unpaid_bills_in_exact_fen(gw: FhirHisGateway, world: World) -> None:
    patient = world.new_patient()
    invoice = world.new_invoice(patient["id"], [("阿莫西林胶囊 0.25g*24粒", 2, 1850), ("血常规", 1, 2500)])
    bills = gw.unpaid_bills(patient["id"])
    assert [b.id for b in bills] == [invoice["id"]]
    bill = bills[0]
    assert bill.total_fen == 6200
    assert [(i.name, i.quantity, i.unit_price_fen, i.amount_fen) for i in bill.items] == [
        ("阿莫西林胶囊 0.25g*24粒", 2, 1850, 3700),
        ("血常规", 1, 2500, 2500),
    ]


def test_settle_is_idempotent_and_clears_the_bills(gw: FhirHisGateway, world: World) -> None:
    patient = world.new_patient()
    world.new_invoice(patient["id"], [("诊查费", 1, 1000)])
    world.new_invoice(patient["id"], [("胸部X线", 1, 8000), ("心电图", 1, 2500)])
    bills = gw.unpaid_bills(patient["id"])
    reference = f"pay-{world.tag}-1"
    settlement = gw.settle(patient["id"], bills, reference, 11500)
    assert settlement.amount_fen == 11500
    assert sorted(settlement.bill_ids) == sorted(b.id for b in bills)
    assert settlement.receipt_number
    assert gw.settle(patient["id"], bills, reference, 11500).id == settlement.id
    assert gw.unpaid_bills(patient["id"]) == []
    found = gw.find_settlement(reference)
    assert found is not None
    assert found.id == settlement.id
    assert gw.find_settlement(f"pay-{world.tag}-unknown") is None
    with pytest.raises(HisRejected):
        gw.settle(patient["id"], bills, f"pay-{world.tag}-2", 11500)  # a duplicate settle is refused


def test_settle_refuses_a_bill_that_changed(gw: FhirHisGateway, world: World) -> None:
    patient = world.new_patient()
    world.new_invoice(patient["id"], [("诊查费", 1, 1000)])
    bill = gw.unpaid_bills(patient["id"])[0]
    stale = replace(bill, total_fen=900)
    with pytest.raises(HisConflict):
        gw.settle(patient["id"], [stale], f"pay-{world.tag}-stale", 900)
    with pytest.raises(HisRejected):
        gw.settle(patient["id"], [bill], f"pay-{world.tag}-short", 999)
    assert gw.find_settlement(f"pay-{world.tag}-stale") is None


def test_reports_pdf_and_printed_flag(gw: FhirHisGateway, world: World) -> None:
    patient = world.new_patient()
    final = world.new_report(patient["id"], final=True)
    world.new_report(patient["id"], final=False, title="肝功能检验报告")
    reports = {r.id: r for r in gw.reports(patient["id"])}
    assert len(reports) == 2
    ready = reports[final["id"]]
    assert (ready.status, ready.kind, ready.title, ready.has_pdf, ready.printed) == (
        ReportStatus.READY,
        ReportKind.LAB,
        "血常规检验报告",
        True,
        False,
    )
    pending = next(r for r in reports.values() if r.id != final["id"])
    assert pending.status is ReportStatus.PENDING
    assert not pending.has_pdf
    pdf = gw.report_pdf(ready)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert gw.mark_printed(ready).printed
    gw.mark_printed(ready)  # repeat is harmless
    assert {r.id: r.printed for r in gw.reports(patient["id"])}[final["id"]] is True
    with pytest.raises(HisNotFound):
        gw.report_pdf(pending)


def test_full_slot_is_a_conflict(gw: FhirHisGateway, world: World, rules: None) -> None:
    day = world.today + timedelta(days=5)
    world.new_slot(day, time(8), time(12), capacity=1, free=True)
    slot = gw.slots(world.ids["free_dept"], day)[0]
    gw.book(world.ids["patient"], slot, f"bk-{world.tag}-full-1")
    other = world.new_patient()
    with pytest.raises(HisConflict):
        gw.book(other["id"], slot, f"bk-{world.tag}-full-2")
    assert gw.slots(world.ids["free_dept"], day) == []  # a full slot is no longer offered


def test_same_patient_cannot_double_book(gw: FhirHisGateway, world: World, rules: None) -> None:
    day = world.today + timedelta(days=5)
    world.new_slot(day, time(13, 30), time(17), capacity=5, free=True)
    slot = next(s for s in gw.slots(world.ids["free_dept"], day) if s.start.hour == 13)
    gw.book(world.ids["patient"], slot, f"bk-{world.tag}-double-1")
    with pytest.raises(HisRejected) as info:
        gw.book(world.ids["patient"], slot, f"bk-{world.tag}-double-2")
    assert info.value.reason  # the HIS's own message, for the screen


def test_check_in_outside_the_window_is_rejected(gw: FhirHisGateway, world: World, target: Target, rules: None) -> None:
    day = world.today + timedelta(days=6)
    world.new_slot(day, time(8), time(12), free=True)
    slot = gw.slots(world.ids["free_dept"], day)[0]
    booked = gw.book(world.ids["patient"], slot, f"bk-{world.tag}-early")
    with pytest.raises(HisRejected) as info:
        gw.check_in(booked)  # days early
    assert "window" in info.value.reason
    target.set_now(datetime.combine(day, time(8, 30), world.profile.zone))
    try:
        with pytest.raises(HisRejected):
            gw.cancel_booking(booked)  # the session has started
    finally:
        target.set_now(datetime.combine(world.today, time(7, 30), world.profile.zone))


# ---- registration fees: 锁号 → 缴费 → 确认 -------------------------------------------------------


def _fee_slot(gw: FhirHisGateway, world: World, day: date, start: time = time(8), capacity: int = 5) -> Slot:
    created = world.new_slot(day, start, time(start.hour + 3, 30), capacity=capacity)
    return next(s for s in gw.slots(world.ids["dept"], day) if s.id == created["id"])


def _remaining(gw: FhirHisGateway, world: World, slot: Slot) -> int:
    return next((s.remaining for s in gw.slots(world.ids["dept"], slot.start.date()) if s.id == slot.id), 0)


def test_a_slot_with_a_fee_is_held_until_its_bill_is_settled(
    gw: FhirHisGateway, world: World, fee_hold: None, rules: None
) -> None:
    patient = world.new_patient()["id"]
    day = world.today + timedelta(days=1)
    slot = _fee_slot(gw, world, day)
    assert slot.fee_fen == 3000
    held = gw.book(patient, slot, f"bk-{world.tag}-held")
    assert held.status is AppointmentStatus.PENDING
    assert held.bill_id is not None
    assert _remaining(gw, world, slot) == slot.remaining - 1  # the place is taken while held
    bill = gw.bill(held.bill_id)
    assert (bill.id, bill.patient_id, bill.total_fen) == (held.bill_id, patient, 3000)
    assert [(i.name, int(i.quantity), i.amount_fen) for i in bill.items] == [("挂号费 (副主任医师)", 1, 3000)]
    assert gw.appointments_on(patient, day) == []  # not a booking yet
    assert gw.appointment(held.id).status is AppointmentStatus.PENDING

    settlement = gw.settle(patient, [bill], f"pay-{world.tag}-fee", 3000)
    assert settlement.bill_ids == (bill.id,)
    booked = gw.appointment(held.id)
    assert booked.status is AppointmentStatus.BOOKED
    assert booked.queue_number
    assert booked.bill_id == bill.id
    assert booked.version != held.version  # the HIS's own update
    assert [a.id for a in gw.appointments_on(patient, day)] == [held.id]
    with pytest.raises(HisRejected):
        gw.bill(bill.id)  # paid: nothing left to pay
    assert _remaining(gw, world, slot) == slot.remaining - 1


def test_a_retried_book_returns_the_same_hold(gw: FhirHisGateway, world: World, fee_hold: None, rules: None) -> None:
    patient = world.new_patient()["id"]
    slot = _fee_slot(gw, world, world.today + timedelta(days=1), time(13))
    key = f"bk-{world.tag}-held-again"
    first = gw.book(patient, slot, key)
    again = gw.book(patient, slot, key)
    assert (again.id, again.status, again.bill_id) == (first.id, AppointmentStatus.PENDING, first.bill_id)
    assert _remaining(gw, world, slot) == slot.remaining - 1  # one place, not two
    assert world.search_count("Invoice", {"subject": f"Patient/{patient}"}) == 1  # one fee, not two


def test_cancelling_a_hold_frees_the_place_and_voids_its_bill(
    gw: FhirHisGateway, world: World, fee_hold: None, rules: None
) -> None:
    patient = world.new_patient()["id"]
    slot = _fee_slot(gw, world, world.today + timedelta(days=2), time(13))
    held = gw.book(patient, slot, f"bk-{world.tag}-held-cancel")
    assert held.bill_id is not None
    bill = gw.bill(held.bill_id)
    cancelled = gw.cancel_booking(held)
    assert cancelled.status is AppointmentStatus.CANCELLED
    assert gw.cancel_booking(held).status is AppointmentStatus.CANCELLED  # repeat is harmless
    assert _remaining(gw, world, slot) == slot.remaining
    with pytest.raises((HisRejected, HisConflict)):
        gw.settle(patient, [bill], f"pay-{world.tag}-cancelled-fee", bill.total_fen)
    assert gw.find_settlement(f"pay-{world.tag}-cancelled-fee") is None
    with pytest.raises(HisRejected):
        gw.bill(bill.id)


def test_an_unpaid_hold_lapses_after_15_minutes(
    gw: FhirHisGateway, world: World, target: Target, fee_hold: None, rules: None
) -> None:
    if target.now is None:
        pytest.skip(f"the {target.name} server's clock cannot be set")
    patient = world.new_patient()["id"]
    slot = _fee_slot(gw, world, world.today + timedelta(days=2))
    held = gw.book(patient, slot, f"bk-{world.tag}-lapse")  # at 07:30
    assert held.bill_id is not None
    bill = gw.bill(held.bill_id)
    zone = world.profile.zone
    try:
        target.set_now(datetime.combine(world.today, time(7, 44, 59), zone))
        assert gw.appointment(held.id).status is AppointmentStatus.PENDING
        target.set_now(datetime.combine(world.today, time(7, 45), zone))
        assert gw.appointment(held.id).status is AppointmentStatus.CANCELLED
        assert _remaining(gw, world, slot) == slot.remaining
        with pytest.raises(HisRejected) as info:
            gw.settle(patient, [bill], f"pay-{world.tag}-lapsed", bill.total_fen)
        assert info.value.reason
        assert gw.find_settlement(f"pay-{world.tag}-lapsed") is None
        raw = world.session.get(f"{world.base_url}/Appointment/{held.id}", timeout=10).json()
        assert "not paid" in raw["cancelationReason"]["text"]
    finally:
        target.set_now(datetime.combine(world.today, time(7, 30), zone))


def test_unpaid_bills_leave_out_held_registration_fees(
    gw: FhirHisGateway, world: World, fee_hold: None, rules: None
) -> None:
    patient = world.new_patient()["id"]
    invoice = world.new_invoice(patient, [("血常规", 1, 2500)])
    held = gw.book(patient, _fee_slot(gw, world, world.today + timedelta(days=3), time(13)), f"bk-{world.tag}-list")
    assert held.bill_id is not None
    assert [b.id for b in gw.unpaid_bills(patient)] == [invoice["id"]]


def test_unknown_bill_or_appointment_is_not_found(gw: FhirHisGateway) -> None:
    for unknown in ("no-such-bill", "", "../Patient", "a b"):
        with pytest.raises(HisNotFound):
            gw.bill(unknown)
        with pytest.raises(HisNotFound):
            gw.appointment(unknown)


# ---- issue 14: what a server without the kiosk profile gets --------------------------------------


def test_without_a_fee_hold_a_fee_paying_session_is_not_booked(gw: FhirHisGateway, world: World) -> None:
    """A plain server would book it at once and the fee would never be collected."""
    if gw.capabilities().has("fee-hold"):
        pytest.skip("the server holds fees (kiosk profile): tested by the fee-hold tests")
    patient = world.new_patient()["id"]
    slot = _fee_slot(gw, world, world.today + timedelta(days=1), time(13))
    with pytest.raises(HisFeeNotCollectable):
        gw.book(patient, slot, f"bk-{world.tag}-fee-plain")
    assert world.search_count("Appointment", {"patient": f"Patient/{patient}"}) == 0


def test_a_booked_slot_is_not_offered_again(gw: FhirHisGateway, world: World) -> None:
    """Places left: from the profile's extension, else one per free Slot less its bookings."""
    day = world.today + timedelta(days=1)
    created = world.new_slot(day, time(14), time(16), capacity=1, free=True)
    slot = next(s for s in gw.slots(world.ids["free_dept"], day) if s.id == created["id"])
    gw.book(world.ids["patient"], slot, f"bk-{world.tag}-once")
    assert created["id"] not in [s.id for s in gw.slots(world.ids["free_dept"], day)]


def test_a_slot_stored_in_utc_is_offered_on_its_hospital_day(gw: FhirHisGateway, world: World) -> None:
    """07:00 hospital time is 23:00Z the day before: the slot belongs to its hospital day."""
    day = world.today + timedelta(days=2)
    created = world.new_slot(day, time(7), time(11), free=True, utc=True)
    assert created["start"].endswith(("Z", "+00:00"))
    found = [s for s in gw.slots(world.ids["free_dept"], day) if s.id == created["id"]]
    assert len(found) == 1
    assert found[0].start == datetime.combine(day, time(7), world.profile.zone)
    assert found[0].start.utcoffset() == timedelta(hours=8)  # shown in hospital time
    assert created["id"] not in [s.id for s in gw.slots(world.ids["free_dept"], day - timedelta(days=1))]


def test_find_settlement_never_returns_another_payment(gw: FhirHisGateway, world: World) -> None:
    patient = world.new_patient()
    world.new_invoice(patient["id"], [("诊查费", 1, 1000)])
    bills = gw.unpaid_bills(patient["id"])
    gw.settle(patient["id"], bills, f"pay-{world.tag}-mine", 1000)
    assert gw.find_settlement(f"pay-{world.tag}-never-used") is None
    found = gw.find_settlement(f"pay-{world.tag}-mine")
    assert found is not None
    assert found.payment_reference == f"pay-{world.tag}-mine"
