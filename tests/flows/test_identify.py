"""The identify step: every transition with a scripted HIS (no Qt), then once through the real
screens with the HIS simulator and the simulated card reader."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.app import build_kiosk
from kiosk.config import Config, DeviceRole
from kiosk.demo_people import DEMO_PEOPLE
from kiosk.devices.events import (
    CardIdentifier,
    CardRead,
    CardRemoved,
    IdCardRead,
    QrScanned,
    ResidentIdCard,
    ScanKind,
)
from kiosk.domain import Identifier, IdentifierKind, NewPatient, Patient
from kiosk.flows.context import FlowContext
from kiosk.flows.effects import Effect
from kiosk.flows.events import FlowEvent
from kiosk.flows.identify import Identify
from kiosk.flows.patient_flow import PatientFlow
from kiosk.flows.service import FlowAbandoned, FlowDone
from kiosk.flows.views import GoodbyeView, IdentifyView, KeypadView, MessageView, Step
from kiosk.his.errors import HisAmbiguous, HisNotFound, HisUnavailable
from kiosk.services import Services, build_services
from tests.flows.conftest import Patient as PatientHands
from tests.flows.drive import run_jobs, shown

CARD = ResidentIdCard(
    name="王小明", sex="male", nation="汉", birth_date="19800101", address="北京市", id_number="110101198001011234",
    authority="公安局", valid_from="20200101", valid_to="20400101",
)  # fmt: skip


@dataclass
class ScriptedHis:
    """Answers find_patient from a script; records what the flow asked."""

    answers: list[object] = field(default_factory=list)
    asked: list[Identifier] = field(default_factory=list)
    created: list[NewPatient] = field(default_factory=list)

    def find_patient(self, identifier: Identifier) -> Patient:
        self.asked.append(identifier)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        assert isinstance(answer, Patient)
        return answer

    def create_patient(self, card: NewPatient) -> Patient:
        self.created.append(card)
        return Patient(id="new-1", name=card.name, created_at_kiosk=True)


def make(his: ScriptedHis) -> Identify:
    return Identify(his, Step("reports", 1, 3), ("id_card", "visit_card", "qr", "keypad"))  # type: ignore[arg-type]


def test_starts_by_showing_the_ways_to_identify() -> None:
    chart = make(ScriptedHis())
    view = shown(chart.begin())
    assert isinstance(view, IdentifyView)
    assert view.ways == ("id_card", "visit_card", "qr", "keypad")
    assert not view.can_go_back


def test_id_card_found_then_confirmed() -> None:
    his = ScriptedHis([Patient(id="p1", name="王小明")])
    chart = make(his)
    chart.begin()
    view = shown(run_jobs(chart, chart.handle(IdCardRead(DeviceRole.ID_CARD_READER, CARD))))
    assert isinstance(view, MessageView)
    assert view.body.args == ("王**",)  # masked: the surname, one star a hidden character
    assert his.asked == [Identifier(IdentifierKind.RESIDENT_ID, CARD.id_number)]
    assert chart.patient is None  # not before they confirm
    chart.handle(FlowEvent("yes"))
    assert chart.patient is not None
    assert chart.patient.id == "p1"


def test_not_me_goes_back_to_the_start() -> None:
    chart = make(ScriptedHis([Patient(id="p1", name="王小明")]))
    chart.begin()
    run_jobs(chart, chart.handle(IdCardRead(DeviceRole.ID_CARD_READER, CARD)))
    assert isinstance(shown(chart.handle(FlowEvent("no"))), IdentifyView)
    assert chart.patient is None


def test_unknown_id_card_offers_a_record_and_creates_it() -> None:
    his = ScriptedHis([HisNotFound("none")])
    chart = make(his)
    chart.begin()
    view = shown(run_jobs(chart, chart.handle(IdCardRead(DeviceRole.ID_CARD_READER, CARD))))
    assert isinstance(view, MessageView)
    assert [a.id for a in view.actions] == ["yes", "no"]
    view = shown(run_jobs(chart, chart.handle(FlowEvent("yes"))))
    assert [c.resident_id for c in his.created] == [CARD.id_number]
    assert his.created[0].birth_date.isoformat() == "1980-01-01"
    assert isinstance(view, MessageView)  # "is this you?"
    chart.handle(FlowEvent("yes"))
    assert chart.patient is not None
    assert chart.patient.created_at_kiosk


def test_unknown_visit_card_says_what_to_try_and_never_creates() -> None:
    his = ScriptedHis([HisNotFound("none")])
    chart = make(his)
    chart.begin()
    read = CardRead(DeviceRole.CARD_READER, CardIdentifier("visit_card", "20249999"), "magstripe")
    view = shown(run_jobs(chart, chart.handle(read)))
    assert isinstance(view, MessageView)
    assert chart.current_state_value == "not_found"
    assert his.created == []
    assert isinstance(shown(chart.handle(FlowEvent("retry"))), IdentifyView)


def test_two_matching_records_send_the_patient_to_the_counter() -> None:
    chart = make(ScriptedHis([HisAmbiguous("two")]))
    chart.begin()
    view = shown(run_jobs(chart, chart.handle(QrScanned(DeviceRole.SCANNER, ScanKind.HEALTH_CARD, "EHC:x:y"))))
    assert isinstance(view, MessageView)
    assert view.tone == "warning"
    assert view.actions == ()  # nothing to guess with: only Home
    assert chart.current_state_value == "to_counter"
    chart.handle(FlowEvent("yes"))
    assert chart.patient is None


def test_his_down_offers_a_retry_of_the_same_lookup() -> None:
    his = ScriptedHis([HisUnavailable("down"), Patient(id="p1", name="王小明")])
    chart = make(his)
    chart.begin()
    view = shown(run_jobs(chart, chart.handle(IdCardRead(DeviceRole.ID_CARD_READER, CARD))))
    assert isinstance(view, MessageView)
    assert chart.current_state_value == "his_down"
    run_jobs(chart, chart.handle(FlowEvent("retry")))
    assert his.asked[0] == his.asked[1]
    assert chart.current_state_value == "confirming"


def test_keypad_needs_enough_digits() -> None:
    his = ScriptedHis([Patient(id="p2", name="李四")])
    chart = make(his)
    chart.begin()
    assert isinstance(shown(chart.handle(FlowEvent("keypad"))), KeypadView)
    for digit in "20241":
        view = shown(chart.handle(FlowEvent("digit", digit)))
    assert isinstance(view, KeypadView)
    assert view.digits == "20241"
    assert view.actions == ()  # no OK yet
    chart.handle(FlowEvent("submit"))
    assert chart.current_state_value == "typing"
    chart.handle(FlowEvent("digit", "x"))  # not a digit: ignored
    view = shown(chart.handle(FlowEvent("digit", "9")))
    assert isinstance(view, KeypadView)
    assert view.digits == "202419"
    view = shown(chart.handle(FlowEvent("delete")))
    assert isinstance(view, KeypadView)
    assert view.digits == "20241"
    chart.handle(FlowEvent("digit", "7"))
    run_jobs(chart, chart.handle(FlowEvent("submit")))
    assert his.asked == [Identifier(IdentifierKind.VISIT_CARD, "202417")]


@pytest.mark.parametrize(
    "event",
    [
        IdCardRead(DeviceRole.ID_CARD_READER, ResidentIdCard(**{**CARD.__dict__, "id_number_valid": False})),
        IdCardRead(DeviceRole.ID_CARD_READER, ResidentIdCard(**{**CARD.__dict__, "birth_date": "19801399"})),
        CardRead(DeviceRole.CARD_READER, CardIdentifier("library_card", "1234"), "magstripe"),
        QrScanned(DeviceRole.SCANNER, ScanKind.PAYMENT_CODE, "134567890123456789"),
    ],
)
def test_unusable_reads_say_so_and_ask_nobody(event: object) -> None:
    his = ScriptedHis()
    chart = make(his)
    chart.begin()
    view = shown(chart.handle(event))  # type: ignore[arg-type]
    assert isinstance(view, IdentifyView)
    assert view.problem is not None
    assert his.asked == []
    assert isinstance(shown(chart.handle(FlowEvent("keypad"))), KeypadView)  # still usable


class ProbeFlow(PatientFlow):
    """Ends as soon as the patient is identified (stands in for a service in the GUI test)."""

    service = "reports"
    steps = 2

    def after_identify(self, patient: Patient) -> list[Effect]:
        return [FlowDone()]


def test_removing_the_id_card_mid_flow_abandons_it() -> None:
    config = _config_stub()
    services = Services(config=config, journal=None, devices=None, his=ScriptedHis([Patient(id="p", name="王小明")]))  # type: ignore[arg-type]
    flow = ProbeFlow(FlowContext(config=config, services=services))
    flow.start()
    run_jobs(flow.identify, flow.handle(IdCardRead(DeviceRole.ID_CARD_READER, CARD)))
    assert list(flow.handle(CardRemoved(DeviceRole.ID_CARD_READER))) == [FlowAbandoned()]


def _config_stub() -> Config:
    from kiosk.config import load_config
    from tests.conftest import DEMO_CONFIG

    return load_config(DEMO_CONFIG)


@pytest.mark.parametrize("way", ["id_card", "visit_card", "health_qr", "keypad"])
def test_demo_people_identify_through_the_real_screens(qapp: QApplication, demo_config: Config, way: str) -> None:
    built: dict[str, Services] = {}

    def services(config: Config, post: object) -> Services:
        built["s"] = build_services(config, post)  # type: ignore[arg-type]
        return built["s"]

    kiosk = build_kiosk(
        demo_config,
        qapp,
        services=services,
        flows={"reports": lambda preferences: ProbeFlow(FlowContext(demo_config, built["s"]), preferences)},
    )
    built["s"].start()
    kiosk.start(fullscreen=False, hide_cursor=False)
    hands = PatientHands(kiosk, qapp)
    person = DEMO_PEOPLE[1]
    try:
        hands.choose("reports")
        hands.wait_for(IdentifyView)
        if way == "id_card":
            hands.panel.insert_id_card(1)
        elif way == "visit_card":
            hands.panel.swipe_visit_card(person.visit_card)
        elif way == "health_qr":
            hands.panel.scan(person.health_qr)
        else:
            hands.tap("keypad")
            hands.wait_for(KeypadView)
            for digit in person.visit_card:
                hands.tap_text(digit)
            hands.tap("ok")
        confirm = hands.wait_for(MessageView, where=lambda v: v.title.source == "Please confirm")
        assert confirm.body.args == ("李*",)
        hands.tap("action_yes")
        hands.wait_for(GoodbyeView)
    finally:
        kiosk.stop()
