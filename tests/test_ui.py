"""The app shell offscreen: tiles, language switch, elderly mode, idle warning, no way out."""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QVBoxLayout, QWidget

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config
from kiosk.flows.events import FlowEvent
from kiosk.flows.views import ErrorView, GoodbyeView, HomeView, Text, View
from kiosk.ui.rows import plain
from kiosk.ui.screens.base import Post, Screen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.screenshot import SAMPLE_FLOW_VIEWS, SCREENS, SIZES, find_clipped, present, walk
from tests.support import FakeClock, ManualExecutor, StepView, step_flows

CJK = re.compile(r"[\u4e00-\u9fff]")
MASKED_NAME = re.compile(r"[\u4e00-\u9fff]{1,2}\*+")


def data_of(view: object) -> list[str]:
    """The data a sample view carries (the HIS's department names, masked names): the arguments
    of its texts, which are shown as they are in either language."""
    if isinstance(view, Text):
        return list(view.args)
    if isinstance(view, tuple):
        return [d for part in view for d in data_of(part)]
    if dataclasses.is_dataclass(view):
        return [d for f in dataclasses.fields(view) for d in data_of(getattr(view, f.name))]
    return []


LATIN = re.compile(r"[A-Za-z]")  # digits and symbols (a keypad, a card number) read the same in both
ALL_SERVICES = ("registration", "checkin", "payment", "reports")


class StepScreen(Screen):
    """Stands in for a service flow's screen: a Next and a Finish button."""

    def __init__(self, post: Post) -> None:
        super().__init__(post)
        layout = QVBoxLayout(self)
        self.next_button = QPushButtonWithName("next")
        self.finish_button = QPushButtonWithName("finish")
        for button in (self.next_button, self.finish_button):
            button.clicked.connect(lambda _=False, b=button: self._post(FlowEvent(b.objectName())))
            layout.addWidget(button)

    def set_view(self, view: View) -> None:
        assert isinstance(view, StepView)
        self.next_button.setText(f"step {view.step}")
        super().set_view(view)


def QPushButtonWithName(name: str) -> QAbstractButton:
    from PySide6.QtWidgets import QPushButton

    button = QPushButton()
    button.setObjectName(name)
    return button


@pytest.fixture
def kiosk(qapp: QApplication, demo_config: Config, clock: FakeClock) -> Iterator[Kiosk]:
    built = build_kiosk(demo_config, qapp, flows=step_flows(*ALL_SERVICES), clock=clock, executor=ManualExecutor())
    built.window.add_screen(StepView, StepScreen(built.bridge.post))
    built.start(fullscreen=False, hide_cursor=False)
    built.window.resize(1920, 1080)
    qapp.processEvents()
    yield built
    built.stop()


def home_screen(kiosk: Kiosk) -> HomeScreen:
    screen = kiosk.window.current_screen()
    assert isinstance(screen, HomeScreen)
    return screen


def visible_texts(root: QWidget) -> list[str]:
    texts = []
    for widget in root.findChildren(QWidget):
        if isinstance(widget, QLabel | QAbstractButton) and widget.isVisibleTo(root) and widget.text():
            texts.append(plain(widget.text()))  # as read: without a row's joiners (kiosk/ui/rows.py)
    return texts


def click(widget: QWidget) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)
    QApplication.processEvents()


def test_home_shows_a_tile_per_available_service_in_config_order(kiosk: Kiosk) -> None:
    home = home_screen(kiosk)
    assert [t.service for t in home.tiles] == list(ALL_SERVICES)
    assert [t.title.text() for t in home.tiles] == ["挂号", "预约签到", "缴费", "报告打印"]
    assert home.title.text() == "门诊大厅 自助服务机"
    assert not home.notice.isVisibleTo(home)


def test_without_flows_there_is_no_tile_and_a_clear_notice(qapp: QApplication, demo_config: Config) -> None:
    built = build_kiosk(demo_config, qapp, flows={}, clock=FakeClock(), executor=ManualExecutor())
    built.start(fullscreen=False, hide_cursor=False)
    try:
        qapp.processEvents()
        home = home_screen(built)
        assert home.tiles == []
        assert home.notice.isVisibleTo(home)
        assert "人工服务窗口" in home.notice.text()
        built.window.resize(1920, 1080)
        qapp.processEvents()
        # The switches stay button-sized even though the prompt beside them is hidden.
        assert home.language_button.width() < 400
        assert home.elderly_button.width() < 400
    finally:
        built.stop()


def test_tapping_a_tile_opens_its_flow(kiosk: Kiosk) -> None:
    click(home_screen(kiosk).tiles[2])
    assert kiosk.runner.current_view == StepView("payment", 0)
    assert isinstance(kiosk.window.current_screen(), StepScreen)


def test_language_switch_changes_every_visible_text(kiosk: Kiosk) -> None:
    home = home_screen(kiosk)
    for screen in SCREENS:
        present(kiosk, screen, "zh_CN", False, (1920, 1080))
        for text in visible_texts(kiosk.window):
            untranslated = LATIN.search(text) and not CJK.search(text) and text != "English"
            pinyin = screen == "search" and text.isascii() and text.isalpha() and text.isupper()  # letter keys
            assert not untranslated or pinyin, f"{screen}: untranslated {text!r}"
    present(kiosk, "home", "zh_CN", False, (1920, 1080))
    click(home.language_button)  # the real button, through the session chart
    assert kiosk.translations.locale == "en"
    for text in visible_texts(kiosk.window):
        assert not CJK.search(text) or text == "中文", f"still Chinese after switching: {text!r}"
    assert [t.title.text() for t in home.tiles] == ["Registration", "Check-in", "Pay bills", "Print reports"]
    assert home.title.text() == "Outpatient Lobby Self-Service"
    for screen in SCREENS:
        present(kiosk, screen, "en", False, (1920, 1080))
        for text in visible_texts(kiosk.window):
            # A patient's masked name (张*) and a department's name are data, not untranslated text.
            shown = text
            for data in sorted(data_of(SAMPLE_FLOW_VIEWS.get(screen)), key=len, reverse=True):
                shown = shown.replace(data, "")
            leftover = CJK.search(MASKED_NAME.sub("", shown))
            assert not leftover or text == "中文", f"{screen}: Chinese left in English: {text!r}"
    click(home.language_button)
    assert kiosk.translations.locale == "zh_CN"


def test_elderly_mode_scales_text_by_at_least_one_and_a_half(kiosk: Kiosk) -> None:
    home = home_screen(kiosk)
    widgets = [home.prompt, home.tiles[0].title, home.tiles[0].subtitle, home.language_button, home.clock]

    def sizes() -> list[int]:
        for widget in widgets:
            widget.ensurePolished()
        return [w.font().pixelSize() for w in widgets]

    normal = sizes()
    click(home.elderly_button)
    assert home.elderly_button.isChecked()
    assert kiosk.themes.current is not None
    assert kiosk.themes.current.elderly
    elderly = sizes()
    for before, after in zip(normal, elderly, strict=True):
        assert after >= 1.5 * before
    assert home.tiles[0].height() >= 240


def test_idle_warning_countdown_extension_and_reset(kiosk: Kiosk, clock: FakeClock) -> None:
    click(home_screen(kiosk).tiles[0])
    overlay = kiosk.window.overlay
    clock.advance(90)
    QApplication.processEvents()
    assert overlay.isVisible()
    overlay.countdown.refresh()
    assert "30" in overlay.countdown.text()
    clock.advance(12)
    overlay.countdown.refresh()
    assert "18" in overlay.countdown.text()
    click(overlay.more_button)
    assert not overlay.isVisible()
    assert isinstance(kiosk.window.current_screen(), StepScreen)  # still where the patient was
    clock.advance(90 + 30)
    QApplication.processEvents()
    assert isinstance(kiosk.window.current_screen(), HomeScreen)
    assert not overlay.isVisible()


def test_touching_the_screen_counts_as_activity(kiosk: Kiosk, clock: FakeClock) -> None:
    click(home_screen(kiosk).tiles[0])
    screen = kiosk.window.current_screen()
    assert isinstance(screen, StepScreen)
    for _ in range(3):
        clock.advance(80)
        QTest.mouseClick(screen, Qt.MouseButton.LeftButton)  # a tap on no button at all
        QApplication.processEvents()
    assert not kiosk.window.overlay.isVisible()
    assert kiosk.runner.chart.current_state_value == "serving"


def test_goodbye_returns_home_by_itself(kiosk: Kiosk, clock: FakeClock) -> None:
    click(home_screen(kiosk).tiles[0])
    screen = kiosk.window.current_screen()
    assert isinstance(screen, StepScreen)
    click(screen.finish_button)
    assert isinstance(kiosk.runner.current_view, GoodbyeView)
    clock.advance(8)
    QApplication.processEvents()
    assert isinstance(kiosk.runner.current_view, HomeView)


# Keys Qt itself receives. Alt+F4 and Alt+Tab belong to a window manager, which offscreen has
# not: tests/test_window_manager.py presses them under openbox on Xvfb.
@pytest.mark.parametrize(
    ("key", "modifiers"),
    [
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier),
        (Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier),
    ],
)
def test_keys_reaching_qt_do_not_close_or_leave(kiosk: Kiosk, key: Qt.Key, modifiers: Qt.KeyboardModifier) -> None:
    window = kiosk.window
    window.activateWindow()
    QTest.keyClick(window, key, modifiers)
    QApplication.processEvents()
    assert window.isVisible()
    assert isinstance(kiosk.runner.current_view, HomeView)


def test_close_requests_are_ignored(kiosk: Kiosk) -> None:
    event = QCloseEvent()
    QApplication.sendEvent(kiosk.window, event)
    assert not event.isAccepted()
    assert not kiosk.window.close()
    assert kiosk.window.isVisible()


def test_window_is_frameless(kiosk: Kiosk) -> None:
    assert kiosk.window.windowFlags() & Qt.WindowType.FramelessWindowHint


def test_error_screen_shows_code_and_translated_sentence(kiosk: Kiosk) -> None:
    click(home_screen(kiosk).tiles[0])
    kiosk.runner.post(FlowEvent("break"))
    QApplication.processEvents()
    assert isinstance(kiosk.runner.current_view, ErrorView)
    texts = visible_texts(kiosk.window)
    assert "错误代码：2001" in texts


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("elderly", [False, True])
def test_no_text_is_clipped(kiosk: Kiosk, size: str, locale: str, elderly: bool) -> None:
    # Touch-target sizes, text sizes and contrast on the same walk: tests/test_accessibility.py.
    for screen in walk(kiosk, locale, elderly, SIZES[size]):
        # Content taller than the screen makes the window grow instead of clipping: catch both.
        assert kiosk.window.size().toTuple() == SIZES[size], f"{screen} {locale} elderly={elderly} {size}"
        assert find_clipped(kiosk.window) == [], f"{screen} {locale} elderly={elderly} {size}"


def test_language_change_event_reaches_screens(kiosk: Kiosk) -> None:
    home = home_screen(kiosk)
    kiosk.translations.set_locale("en")
    QApplication.processEvents()
    assert home.prompt.text() == "Please touch the service you need"
    QApplication.sendEvent(home, QEvent(QEvent.Type.LanguageChange))
    assert home.prompt.text() == "Please touch the service you need"


def test_demo_panel_injects_device_events_through_the_real_drivers(qapp: QApplication, demo_config: Config) -> None:
    from kiosk.config import DeviceRole
    from kiosk.devices.events import CardRead, IdCardRead, QrScanned, ScanKind
    from kiosk.devices.status import DeviceState
    from kiosk.services import build_services
    from kiosk.ui.demo_panel import DemoPanelWindow

    received: list[object] = []
    services = build_services(demo_config, received.append)
    try:
        services.start()
        assert services.demo_panel is not None
        panel = DemoPanelWindow(services.demo_panel, services.devices)
        statuses = services.devices.wait_until(lambda s: all(x.state is DeviceState.READY for x in s.values()), 10)
        assert {x.state for x in statuses.values()} == {DeviceState.READY}
        panel.refresh_status()
        assert all(": ready" in label.text() for label in panel.status_labels.values())
        scan_buttons = (
            panel.health_qr_button,
            panel.payment_code_button,
            panel.voucher_button,
            panel.report_barcode_button,
        )
        for button in (panel.insert_buttons[0], panel.swipe_button, *scan_buttons):
            click(button)
            time.sleep(0.05)  # one scan at a time, as a hand would
        expected = {IdCardRead, CardRead, *(f"scan:{k}" for k in ScanKind if k is not ScanKind.UNKNOWN)}

        def seen() -> set[object]:
            return {f"scan:{e.kind}" if isinstance(e, QrScanned) else type(e) for e in received}

        deadline = time.monotonic() + 10
        while not expected <= seen() and time.monotonic() < deadline:
            qapp.processEvents()
        assert expected <= seen()
        click(panel.paper_button)
        printer = DeviceRole.RECEIPT_PRINTER
        statuses = services.devices.wait_until(lambda s: s[printer].state is not DeviceState.READY, 10)
        assert statuses[printer].state is not DeviceState.READY
        panel.refresh_status()
        assert "paper" in panel.status_labels[printer.value].text()
        panel.close()
    finally:
        services.stop()
