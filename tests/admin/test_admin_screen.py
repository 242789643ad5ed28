"""The hidden admin screen in the real kiosk: the corner gesture, the PIN pad and its lockout
(across a restart), the pages a maintainer fixes paper-out, a dead reader and a one-sided
payment from, the audit trail, the masked configuration, and the inactivity timeout."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QWidget

import kiosk.ui.admin.panel as panel_module
from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config
from kiosk.devices.simulators.demo import ID_CARD
from kiosk.flows.events import ServiceChosen
from kiosk.flows.views import IdentifyView
from kiosk.his.simulator import Fault
from kiosk.payments.sandbox.server import Script
from kiosk.payments.service import OutcomeKind
from kiosk.services import build_services
from kiosk.ui.admin.controller import AdminController
from kiosk.ui.admin.panel import Row
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screenshot import find_clipped
from tests.flows.conftest import wait_until
from tests.payments.world import new_bill, patient_ids

DEMO_PIN = "246810"


def start_kiosk(qapp: QApplication, config: Config) -> Kiosk:
    kiosk = build_kiosk(config, qapp, services=build_services)
    assert kiosk.services is not None
    kiosk.services.start()
    kiosk.start(fullscreen=False, hide_cursor=False)
    kiosk.window.resize(1920, 1080)
    kiosk.translations.set_locale("en")
    return kiosk


@pytest.fixture
def kiosk(qapp: QApplication, demo_config: Config) -> Iterator[Kiosk]:
    running = start_kiosk(qapp, demo_config)
    try:
        yield running
    finally:
        running.stop()


def admin_of(kiosk: Kiosk) -> AdminController:
    assert kiosk.admin is not None
    return kiosk.admin


def wait(qapp: QApplication, predicate: Callable[[], object], what: str, timeout: float = 10) -> None:
    wait_until(predicate, qapp, timeout, what)


def tap_corner(kiosk: Kiosk, times: int) -> None:
    window = kiosk.window
    corner = admin_of(kiosk).gesture.corner()
    inside = window.mapFromGlobal(corner.center().toPoint())
    for _ in range(times):
        QTest.mouseClick(window, Qt.MouseButton.LeftButton, pos=inside)
        QApplication.processEvents()


def click(widget: QWidget) -> None:
    assert widget.isVisible(), f"{widget.objectName() or widget} is not visible"
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
    QApplication.processEvents()


def enter(kiosk: Kiosk, digits: str) -> None:
    pad = admin_of(kiosk).pad
    for digit in digits:
        click(pad.findChild(QAbstractButton, f"key-{digit}"))
    click(pad.ok_button)


def button_named(parent: QWidget, text: str) -> QAbstractButton:
    for widget in parent.findChildren(QAbstractButton):
        if widget.text() == text and widget.isVisible():
            return widget
    shown = [w.text() for w in parent.findChildren(QAbstractButton) if w.isVisible()]
    raise AssertionError(f"no visible button {text!r}; there are {shown}")


def rows(kiosk: Kiosk) -> list[Row]:
    panel = admin_of(kiosk).panel
    return [r for r in panel.findChildren(Row) if r.isVisible()]


def row_with(kiosk: Kiosk, qapp: QApplication, text: str) -> Row:
    found: list[Row] = []

    def shown() -> bool:
        found[:] = [r for r in rows(kiosk) if text in r.text.text()]
        return bool(found)

    wait(qapp, shown, f"a row with {text!r}")
    return found[0]


def audit(kiosk: Kiosk) -> list[tuple[str, str]]:
    assert kiosk.services is not None
    return [(e.actor, e.action) for e in reversed(kiosk.services.journal.audit_events())]


def sign_in(kiosk: Kiosk, qapp: QApplication) -> AdminController:
    admin = admin_of(kiosk)
    tap_corner(kiosk, 5)
    assert kiosk.window.page is admin.pad
    enter(kiosk, DEMO_PIN)
    wait(qapp, lambda: kiosk.window.page is admin.panel, "the admin panel")
    return admin


def test_five_taps_in_the_corner_then_the_pin_open_the_admin_screen(kiosk: Kiosk, qapp: QApplication) -> None:
    admin = admin_of(kiosk)
    tap_corner(kiosk, 4)
    assert kiosk.window.page is None  # four taps: nothing
    tap_corner(kiosk, 1)
    assert kiosk.window.page is admin.pad
    assert admin.pad.isVisible()

    enter(kiosk, "111111")
    wait(qapp, lambda: "4 more tries" in admin.pad.message.text(), "the wrong-PIN message")
    assert kiosk.window.page is admin.pad
    enter(kiosk, DEMO_PIN)
    wait(qapp, lambda: kiosk.window.page is admin.panel, "the admin panel")
    assert admin.actor == "maintenance"
    row_with(kiosk, qapp, "Receipt printer: working")
    row_with(kiosk, qapp, "HIS: connected")

    click(admin.panel.sign_out_button)
    assert kiosk.window.page is None
    assert isinstance(kiosk.window.current_screen(), HomeScreen)
    wait(qapp, lambda: ("maintenance", "admin.logout") in audit(kiosk), "the logout in the audit log")
    assert audit(kiosk) == [
        ("unknown", "admin.pin_wrong"),
        ("maintenance", "admin.login"),
        ("maintenance", "admin.logout"),
    ]
    assert not any(DEMO_PIN in e.detail or "111111" in e.detail for e in kiosk.services.journal.audit_events())  # type: ignore[union-attr]


def test_slow_taps_taps_elsewhere_and_taps_during_a_patients_visit_open_nothing(
    kiosk: Kiosk, qapp: QApplication
) -> None:
    admin = admin_of(kiosk)
    corner = admin.gesture.corner().center()
    start = time.monotonic()
    for index in range(5):  # one tap every second: 4 s for five taps, more than the 3 s allowed
        admin.gesture.tap(corner, start + index)
    assert kiosk.window.page is None
    for index in range(5):  # a tap in the middle of the screen breaks the series
        admin.gesture.tap(corner if index != 2 else corner + QPoint(600, 400).toPointF(), start + 10 + index * 0.1)
    assert kiosk.window.page is None

    kiosk.runner.post(ServiceChosen("payment"))
    wait(qapp, lambda: isinstance(kiosk.runner.current_view, IdentifyView), "the identify screen")
    tap_corner(kiosk, 5)
    assert kiosk.window.page is None  # only from the home screen: a patient is never interrupted


def test_five_wrong_pins_lock_the_pad_and_the_lock_survives_a_restart(
    qapp: QApplication, demo_config: Config, tmp_path: Path
) -> None:
    first = start_kiosk(qapp, demo_config)
    try:
        admin = admin_of(first)
        tap_corner(first, 5)
        for attempt in range(5):
            enter(first, f"99990{attempt}")
            wait(qapp, lambda: not admin.pad._busy, "the PIN check")
        assert "locked until" in admin.pad.message.text()
        enter(first, DEMO_PIN)  # the right PIN, too late
        wait(qapp, lambda: not admin.pad._busy, "the PIN check")
        assert kiosk_page_is_pad(first)
        actions = [a for _, a in audit(first)]
        assert actions.count("admin.pin_wrong") == 5
        assert "admin.locked" in actions
        assert actions[-1] == "admin.pin_refused_locked"
    finally:
        first.stop()

    second = start_kiosk(qapp, demo_config)  # a restart: the same journal
    try:
        admin = admin_of(second)
        tap_corner(second, 5)
        wait(qapp, lambda: "locked until" in admin.pad.message.text(), "the lock shown at once")
        enter(second, DEMO_PIN)
        wait(qapp, lambda: "locked until" in admin.pad.message.text() and not admin.pad._busy, "still locked")
        assert second.window.page is admin.pad
        click(admin.pad.cancel_button)
        assert second.window.page is None
    finally:
        second.stop()


def test_a_pin_too_short_to_exist_is_not_a_wrong_try(kiosk: Kiosk, qapp: QApplication) -> None:
    admin = admin_of(kiosk)
    tap_corner(kiosk, 5)
    enter(kiosk, DEMO_PIN[:5])  # one digit short: no PIN is that short, so it is not checked
    assert not admin.pad._busy
    assert "at least 6 digits" in admin.pad.message.text()
    assert "admin.pin_wrong" not in [a for _, a in audit(kiosk)]
    assert kiosk_page_is_pad(kiosk)
    for key in DEMO_PIN[5:]:  # the digits typed so far are kept: the last one completes the PIN
        click(admin.pad.findChild(QAbstractButton, f"key-{key}"))
    click(admin.pad.ok_button)
    wait(qapp, lambda: admin.panel.loaded("devices"), "the admin screen")


def kiosk_page_is_pad(kiosk: Kiosk) -> bool:
    return kiosk.window.page is admin_of(kiosk).pad


def test_paper_out_is_found_and_fixed_from_the_admin_screen(kiosk: Kiosk, qapp: QApplication) -> None:
    services = kiosk.services
    assert services is not None
    assert services.demo_panel is not None
    services.demo_panel.set_paper_out(True)
    admin = sign_in(kiosk, qapp)
    printer = row_with(kiosk, qapp, "paper out")  # the live status refreshes by itself
    assert "Receipt printer" in printer.text.text()

    click(button_named(printer, "Paper replaced"))  # not yet: the roll is still empty
    wait(qapp, lambda: "still reports no paper" in admin.panel.message.text(), "paper still out")
    services.demo_panel.set_paper_out(False)  # the maintainer puts in a new roll
    click(button_named(row_with(kiosk, qapp, "Receipt printer"), "Paper replaced"))
    wait(qapp, lambda: "has paper and is ready" in admin.panel.message.text(), "paper ok")
    row_with(kiosk, qapp, "Receipt printer: working")

    click(button_named(row_with(kiosk, qapp, "Receipt printer"), "Test print"))
    wait(qapp, lambda: "test page printed" in admin.panel.message.text(), "the test print", timeout=15)
    actions = audit(kiosk)
    assert actions.count(("maintenance", "device.paper_replaced")) == 2
    assert ("maintenance", "device.test_print") in actions


def test_a_dead_reader_shows_on_the_admin_screen_until_it_is_plugged_back(kiosk: Kiosk, qapp: QApplication) -> None:
    services = kiosk.services
    assert services is not None
    assert services.sim_hub is not None
    sign_in(kiosk, qapp)
    row_with(kiosk, qapp, "ID card reader: working")
    services.sim_hub.unplug(ID_CARD)  # the cable pulled out
    dead = row_with(kiosk, qapp, "ID card reader: NOT connected")  # the page follows by itself
    assert not [b for b in dead.findChildren(QAbstractButton) if b.isVisible()]  # nothing to print on a reader
    services.sim_hub.replug(ID_CARD)  # the maintainer reseats it: the driver reconnects
    row_with(kiosk, qapp, "ID card reader: working")


def test_a_one_sided_payment_is_settled_from_the_admin_screen(kiosk: Kiosk, qapp: QApplication) -> None:
    services = kiosk.services
    assert services is not None
    assert services.payments is not None
    assert services.his_simulator is not None
    sim = services.his_simulator
    patient = patient_ids(sim, 1)[0]
    bill = new_bill(sim, patient, 2350)
    services.payments.sandbox.script(Script("approve"))  # type: ignore[union-attr]
    sim.add_fault(Fault("status", route="* PaymentReconciliation", status=503))
    outcome = services.payments.pay("sandbox", patient, [bill], 2350)
    assert outcome.kind is OutcomeKind.PAID_UNSETTLED  # money taken, the HIS not told

    admin = sign_in(kiosk, qapp)
    click(admin.panel.tabs["payments"])
    row = row_with(kiosk, qapp, "¥23.50")
    assert "PAID, not yet settled" in row.text.text()
    assert patient not in row.text.text()
    sim.clear_faults()
    click(button_named(row, "Retry settle"))
    wait(qapp, lambda: "is settled with the HIS" in admin.panel.message.text(), "settled")
    wait(qapp, lambda: bool(rows(kiosk)) and "No payment needs attention" in rows(kiosk)[0].text.text(), "empty list")
    assert ("maintenance", "payment.retry_settle") in audit(kiosk)


def test_a_journal_that_lost_payments_shows_on_the_payments_page(kiosk: Kiosk, qapp: QApplication) -> None:
    from kiosk.journal import JournalLoss

    services = kiosk.services
    assert services is not None
    services.journal.loss = JournalLoss(services.journal.path, 40, 12)  # what the start-up check found
    try:
        admin = sign_in(kiosk, qapp)
        click(admin.panel.tabs["payments"])
        row = row_with(kiosk, qapp, "PAYMENTS REFUSED")
        assert "28 lost" in row.text.text()
        assert "kiosk reconcile" in row.text.text()
    finally:
        services.journal.loss = None


def test_the_configuration_page_masks_secrets_and_the_log_is_redacted(kiosk: Kiosk, qapp: QApplication) -> None:
    admin = sign_in(kiosk, qapp)
    click(admin.panel.tabs["config"])
    text = admin.panel.texts["config"]
    wait(qapp, lambda: "DEMO-OPD-01" in text.toPlainText(), "the configuration")
    assert kiosk.config.admin.pin_hash is not None
    assert kiosk.config.admin.pin_hash not in text.toPlainText()
    assert "argon2" not in text.toPlainText()


def test_the_admin_screen_closes_itself_when_left_alone(kiosk: Kiosk, qapp: QApplication) -> None:
    admin = sign_in(kiosk, qapp)
    admin._idle.setInterval(300)
    admin._idle.start()
    wait(qapp, lambda: kiosk.window.page is None, "the inactivity timeout", timeout=5)
    assert isinstance(kiosk.window.current_screen(), HomeScreen)
    wait(qapp, lambda: ("maintenance", "admin.logout") in audit(kiosk), "the logout")
    assert kiosk.services is not None
    assert kiosk.services.journal.audit_events(1)[0].detail == "idle"


def test_voice_volume_and_default_language_are_set_and_kept(kiosk: Kiosk, qapp: QApplication) -> None:
    assert kiosk.speaker is not None
    admin = sign_in(kiosk, qapp)
    click(admin.panel.tabs["settings"])
    volume = row_with(kiosk, qapp, "Voice volume: 80%")
    click(button_named(volume, "+"))
    wait(qapp, lambda: kiosk.speaker is not None and abs(kiosk.speaker.volume - 0.9) < 1e-9, "the new volume")
    language = row_with(kiosk, qapp, "Language a session starts in")
    click(button_named(language, "English"))
    wait(qapp, lambda: kiosk.runner.chart.settings.locale == "en", "the new default language")
    click(admin.panel.sign_out_button)
    assert isinstance(kiosk.window.current_screen(), HomeScreen)
    assert kiosk.translations.locale == "en"
    assert kiosk.services is not None
    journal = kiosk.services.journal
    assert (journal.get_setting("voice.volume"), journal.get_setting("kiosk.locale")) == ("0.9", "en")


def test_restart_needs_a_second_tap_and_is_audited_before_the_kiosk_exits(
    kiosk: Kiosk, qapp: QApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(panel_module, "CONFIRM_S", 0.3)
    admin = sign_in(kiosk, qapp)
    asked: list[str] = []
    admin._exit_app = asked.append
    click(admin.panel.tabs["settings"])
    program = row_with(kiosk, qapp, "The kiosk program")
    restart = button_named(program, "Restart")
    assert not [b for b in program.findChildren(QAbstractButton) if b.text() == "Leave to desktop"]  # not allowed
    click(restart)
    assert restart.text() == "Tap again to restart"  # one tap only arms it
    assert asked == []
    click(restart)
    wait(qapp, lambda: asked == ["restart"], "the exit")
    assert kiosk.window.page is None
    wait(qapp, lambda: ("maintenance", "admin.logout") in audit(kiosk), "the sign-out")
    assert audit(kiosk)[-2:] == [("maintenance", "app.restart"), ("maintenance", "admin.logout")]
    deadline = time.monotonic() + 0.6  # the first tap's disarm timer fires after its row is gone
    while time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.01)


def test_no_admin_text_is_clipped_in_either_language_mode_or_orientation(kiosk: Kiosk, qapp: QApplication) -> None:
    admin = sign_in(kiosk, qapp)
    clipped = []
    for elderly in (False, True):
        for size in ((1920, 1080), (1080, 1920)):
            kiosk.window.resize(*size)
            for locale in ("zh_CN", "en"):
                kiosk.window.apply_preferences(locale, elderly)
                for page in ("devices", "settings"):
                    click(admin.panel.tabs[page])
                    wait(qapp, lambda p=page: admin.panel.loaded(p), f"the {page} page")
                    for _ in range(3):
                        qapp.processEvents()
                    clipped += [(elderly, size, locale, page, c) for c in find_clipped(kiosk.window)]
    assert clipped == []
