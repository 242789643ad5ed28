"""No patient data in logs, the journal or crash output.

Whole flows (registration, check-in, payment, reports, a new record, a card taken out) run
through the real screens against the HIS simulator seeded with a *canary* patient whose name, ID
number, phone and visit card number are unique strings. Every log record at DEBUG (raw, before
the privacy filter), the JSON log lines, stderr and the journal's bytes are then searched for
them. A second test forces exceptions that carry identity numbers (in a flow's job, an uncaught
one in a thread, one in a fresh process) and checks what reaches the log and stderr.
"""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

import kiosk.devices.simulators.demo as demo_devices
from kiosk.config import Config
from kiosk.demo_people import DEMO_PEOPLE, DemoPerson
from kiosk.devices.simulators.demo import ID_CARD
from kiosk.devices.simulators.idcard import IdCardReaderSimulator, SimIdCard
from kiosk.domain import resident_id_check_char
from kiosk.flows.views import HomeView, MessageView
from kiosk.his.simulator import seed
from kiosk.logs import JsonFormatter, PrivacyFilter, install_crash_hooks
from kiosk.tour import walks as w
from kiosk.tour.world import DemoWorld


def _resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


# Unique strings: none of them occurs anywhere in the code, the seed data or the simulators.
CANARY = DemoPerson(
    name="雀鸣岚",
    id_number=_resident_id("45010219770707443"),
    male=False,
    birth_date="19770707",
    visit_card="20777013",
    health_qr="",  # set below: the health code carries the ID and visit card numbers
)
CANARY = replace(CANARY, health_qr=f"EHC:{CANARY.id_number}:{CANARY.visit_card}:0001")
CANARY_PHONE = "13957731842"
# A second canary without a record: its ID card creates one (建档) from the card's data.
NEW_CANARY = SimIdCard(
    name="鸾栖梧",
    id_number=_resident_id("53010219830919557"),
    sex_code="1",
    birth_date="19830919",
    address="滇池路鸾栖巷77号",
)


@dataclass(frozen=True)
class Secret:
    what: str
    value: str


SECRETS = (
    Secret("name", CANARY.name),
    Secret("given name", CANARY.name[1:]),
    Secret("ID number", CANARY.id_number),
    Secret("phone", CANARY_PHONE),
    Secret("visit card", CANARY.visit_card),
    Secret("new patient's name", NEW_CANARY.name[1:]),
    Secret("new patient's ID number", NEW_CANARY.id_number),
    Secret("new patient's address", NEW_CANARY.address[:6]),
)


def forms(value: str) -> list[bytes]:
    """Ways a value may be written down: UTF-8, JSON-escaped, UTF-16 (card frames) and hex."""
    escaped = json.dumps(value)[1:-1]
    utf16 = value.encode("utf-16-le")
    out = {value.encode(), escaped.encode(), utf16, value.encode("gb18030"), utf16.hex().encode()}
    out.add(utf16.hex().upper().encode())
    return sorted(out)


def leaks(blob: bytes | str, where: str) -> list[str]:
    data = blob.encode() if isinstance(blob, str) else blob
    return [f"{s.what} ({s.value}) in {where}" for s in SECRETS if any(f in data for f in forms(s.value))]


@pytest.fixture
def canary_his(monkeypatch: pytest.MonkeyPatch) -> None:
    """The canary replaces the demo panel's second person, in the HIS seed and on the ID card."""
    people = (DEMO_PEOPLE[0], CANARY)
    monkeypatch.setattr(seed, "DEMO_PEOPLE", people)
    cards = tuple(
        SimIdCard(name=p.name, id_number=p.id_number, sex_code="1" if p.male else "2", birth_date=p.birth_date)
        for p in people
    )
    monkeypatch.setattr(demo_devices, "SAMPLE_ID_CARDS", cards)
    create = seed.Seeder._create

    def with_phone(self: seed.Seeder, rtype: str, body: dict[str, Any], rid: str) -> dict[str, Any]:
        if rtype == "Patient" and any(i.get("value") == CANARY.id_number for i in body.get("identifier", [])):
            body = {**body, "telecom": [{"system": "phone", "value": CANARY_PHONE, "use": "mobile"}]}
        return create(self, rtype, body, rid)

    monkeypatch.setattr(seed.Seeder, "_create", with_phone)


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The production JSON handler (privacy filter and all) on the root logger, at DEBUG."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("CANARY-01"))
    handler.addFilter(PrivacyFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield out
    finally:
        root.removeHandler(handler)


def steps(*items: w.Step | tuple[w.Step, ...]) -> list[w.Step]:
    out: list[w.Step] = []
    for item in items:
        out.extend(item if isinstance(item, tuple) else (item,))
    return out


def go(world: DemoWorld, walk: list[w.Step]) -> None:
    for step in walk:
        step.act(world)
        world.driver.wait_for(step.expect.view, step.expect.timeout, step.expect.accepts)


def home(world: DemoWorld) -> None:
    world.driver.tap_home()
    world.driver.wait_for(HomeView)


def take_card(world: DemoWorld, caplog: pytest.LogCaptureFixture) -> None:
    """The patient takes their ID card, and the reader notices before the next one comes."""

    def removals() -> int:
        return sum(r.getMessage().endswith("ID card removed") for r in caplog.records)

    before = removals()
    w.remove_id_card(world)
    world.driver.wait_until(lambda: removals() > before, 5, "the ID card reader to notice the card is gone")


def new_canary_card(world: DemoWorld) -> None:
    hub = world.services.sim_hub
    assert hub is not None
    hub.get(ID_CARD, IdCardReaderSimulator).insert(NEW_CANARY)


def test_whole_flows_leave_no_patient_data_behind(  # noqa: PLR0917 - fixtures
    qapp: QApplication,
    demo_config: Config,
    tmp_path: Path,
    canary_his: None,
    json_log: io.StringIO,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    workdir = tmp_path / "world"
    with DemoWorld(demo_config, qapp, workdir, patients=10) as world:
        # Registration (挂号) with the ID card, paid by QR; the ticket prints.
        go(world, steps(w.REGISTRATION.steps))
        home(world)
        take_card(world, caplog)
        # The ID card taken out mid-flow (at their bills): the session ends.
        go(world, steps(w.by_id_card("payment"), w.CARD_REMOVED.steps[3:]))
        # Check-in with the visit card swiped; the queue ticket prints.
        go(
            world,
            steps(
                w.start("checkin"),
                w.Step("confirm", w.swipe(CANARY.visit_card), w.CONFIRM, ""),
                w.yes("appointments", w.APPOINTMENTS, ""),
                w.Step("checked-in", w.row("appt-9002-1"), w.Expect(MessageView, "You are checked in"), ""),
                w.goodbye(),
            ),
        )
        home(world)
        # Payment (缴费) with the visit card number typed on the keypad; the receipt prints.
        go(world, steps(w.by_keypad("payment", CANARY.visit_card), w.PAYMENT.steps[3:]))
        home(world)
        # Reports with the health code scanned; the A4 reports print.
        go(
            world,
            steps(
                w.start("reports"),
                w.Step("confirm", w.scan(CANARY.health_qr), w.CONFIRM, ""),
                w.REPORTS_PRINT.steps[3:],
            ),
        )
        home(world)
        # A new patient: the kiosk creates their record from the ID card.
        go(
            world,
            steps(
                w.start("payment"),
                w.Step("new", new_canary_card, w.Expect(MessageView, "New patient"), ""),
                w.Step("confirm", w.tap("action_yes"), w.CONFIRM, ""),
                w.yes("no-bills", w.Expect(MessageView, "Nothing to pay"), ""),
            ),
        )
        home(world)
        metrics = world.kiosk.ops.metrics if world.kiosk.ops is not None else None
    assert metrics is not None
    completed = metrics.registry.get_sample_value
    for service in ("registration", "checkin", "payment", "reports"):  # the flows really ran to the end
        assert completed("kiosk_flows_completed_total", {"service": service}) == 1, service

    found: list[str] = []
    raw = "\n".join(
        record.getMessage() + (f"\n{record.exc_text}" if record.exc_text else "") for record in caplog.records
    )
    assert len(caplog.records) > 100  # DEBUG from every part of the kiosk: the search means something
    found += leaks(raw, "log records (before the privacy filter)")
    found += leaks(caplog.text, "formatted log")
    found += leaks(json_log.getvalue(), "JSON log lines")
    captured = capfd.readouterr()
    found += leaks(captured.out + captured.err, "stdout/stderr")
    journal_files = sorted(p for p in workdir.iterdir() if p.name.startswith(("journal.sqlite", "sandbox.sqlite")))
    assert any(p.name == "journal.sqlite" for p in journal_files)
    for path in journal_files:
        found += leaks(path.read_bytes(), path.name)
    assert found == [], "\n".join(found)
    # The JSON lines are what a collector gets: one object a line, with the kiosk id.
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert lines
    assert all(entry["kiosk_id"] == "CANARY-01" for entry in lines)


def test_crash_output_carries_no_identity_numbers(  # noqa: PLR0917 - fixtures
    qapp: QApplication,
    demo_config: Config,
    tmp_path: Path,
    canary_his: None,
    json_log: io.StringIO,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A bug that puts identity values into an exception: the error paths log it scrubbed."""
    from kiosk.his.fhir import FhirHisGateway

    def broken_unpaid_bills(self: FhirHisGateway, patient_id: str) -> list[Any]:
        raise KeyError({"id_number": CANARY.id_number, "phone": CANARY_PHONE, "family": CANARY.name})

    monkeypatch.setattr(FhirHisGateway, "unpaid_bills", broken_unpaid_bills)
    with DemoWorld(demo_config, qapp, tmp_path / "world", patients=10) as world:
        go(world, steps(w.by_id_card("payment")))
        world.driver.tap("action_yes")
        world.driver.wait_until(lambda: "KeyError" in json_log.getvalue(), 10, "the job's failure in the log")

    # An uncaught exception in a thread, through the crash hooks the kiosk installs.
    hooks = sys.excepthook, threading.excepthook, sys.unraisablehook
    try:
        install_crash_hooks()

        def crash() -> None:
            raise ValueError(f"card {CANARY.id_number} phone {CANARY_PHONE}")

        thread = threading.Thread(target=crash, name="crasher")
        thread.start()
        thread.join()
    finally:
        sys.excepthook, threading.excepthook, sys.unraisablehook = hooks
    text = json_log.getvalue()
    assert "uncaught ValueError in thread crasher" in text
    numbers = [s for s in SECRETS if s.what in ("ID number", "phone")]
    assert [s.what for s in numbers if s.value in text] == []
    assert CANARY.name not in text  # a keyed name ("family": ...) is masked too

    # A fresh process that dies of an uncaught exception: what reaches stdout and stderr.
    code = (
        "from kiosk.config import LoggingSection\n"
        "from kiosk.logs import setup_logging\n"
        "setup_logging(LoggingSection(format='json'), 'CANARY-01')\n"
        f'raise RuntimeError(\'patient {{"id_number": "{CANARY.id_number}", "phone": "{CANARY_PHONE}"}}\')\n'
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False, env=dict(os.environ)
    )
    assert result.returncode == 1
    entry = json.loads(result.stdout.strip().splitlines()[-1])
    assert entry["level"] == "CRITICAL"
    assert "RuntimeError" in entry["exc"]
    assert leaks(result.stdout + result.stderr, "a crashed process's output") == []
