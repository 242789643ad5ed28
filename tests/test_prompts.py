"""Every screen has a spoken prompt in both languages, and the voice guide speaks it when the
screen appears (interrupting the last one), slowly in elderly mode, again on Repeat."""

from __future__ import annotations

import dataclasses
import queue
import re
import threading
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config, VoiceSection
from kiosk.errors import ServiceUnavailableError
from kiosk.flows.views import (
    ErrorView,
    HomeView,
    IdleWarningView,
    KeypadView,
    MessageView,
    QrPaymentView,
    Step,
    Text,
    View,
)
from kiosk.ui.screens.flow import FlowScreen
from kiosk.ui.screenshot import SAMPLE_FLOW_VIEWS, SCREENS, present
from kiosk.voice.prompts import Prompts, speakable, spell
from kiosk.voice.tts import NoAudioOutput, SpeechState, Utterance
from tests.support import FakeClock, ManualExecutor, step_flows

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"[A-Za-z]")
ALL_SERVICES = ("registration", "checkin", "payment", "reports")
STEP = Step("checkin", 4, 4)


class RecordingEngine:
    """Says nothing, records every utterance; ``silent`` acts as a kiosk without a sound card."""

    def __init__(self) -> None:
        self.spoken: queue.Queue[Utterance] = queue.Queue()
        self.silent = False

    def prepare(self) -> None:
        pass

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        if self.silent:
            raise NoAudioOutput("no sound card")
        self.spoken.put(utterance)

    def kill(self) -> None:
        pass

    def close(self) -> None:
        pass

    def next(self) -> Utterance:
        return self.spoken.get(timeout=5)

    def nothing_more(self) -> bool:
        try:
            self.spoken.get(timeout=0.2)
        except queue.Empty:
            return True
        return False


@pytest.fixture
def engine() -> RecordingEngine:
    return RecordingEngine()


@pytest.fixture
def make_kiosk(qapp: QApplication, clock: FakeClock, engine: RecordingEngine) -> Iterator[Callable[[Config], Kiosk]]:
    built: list[Kiosk] = []

    def make(config: Config) -> Kiosk:
        kiosk = build_kiosk(
            config,
            qapp,
            flows=step_flows(*ALL_SERVICES),
            clock=clock,
            executor=ManualExecutor(),
            speech_engine=lambda: engine,
        )
        built.append(kiosk)
        kiosk.start(fullscreen=False, hide_cursor=False)
        kiosk.window.resize(1920, 1080)
        assert kiosk.speaker is not None
        kiosk.speaker.start()  # the first frame may not come offscreen
        qapp.processEvents()
        return kiosk

    yield make
    for kiosk in built:
        kiosk.stop()
        # Gone, not just closed: the theme re-styles every live widget, so windows left behind
        # would slow every later kiosk.
        kiosk.window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def kiosk(make_kiosk: Callable[[Config], Kiosk], demo_config: Config) -> Kiosk:
    return make_kiosk(demo_config)


def data_of(view: object) -> list[str]:
    """The data a view carries (department names, masked names, amounts): its texts' arguments."""
    if isinstance(view, Text):
        return list(view.args)
    if isinstance(view, tuple):
        return [d for part in view for d in data_of(part)]
    if dataclasses.is_dataclass(view):
        return [d for f in dataclasses.fields(view) for d in data_of(getattr(view, f.name))]
    return []


def without_data(prompt: str, view: View) -> str:
    data = data_of(view)
    # The sample report list names its reports by source text; real flows pass the HIS's
    # names as arguments ("%1"), which are data in either language.
    data += [item.title.source for item in getattr(view, "items", ()) if not item.title.args]
    for value in sorted(data, key=len, reverse=True):
        for form in (value, value.replace("*", "")):
            if form:
                prompt = prompt.replace(form, " ")
    return prompt


def shown(kiosk: Kiosk, screen: str, locale: str, monkeypatch: pytest.MonkeyPatch) -> View:
    """The view ``present`` puts on the window for ``screen`` (the overlay's, if it has one)."""
    views: list[View] = []
    window = kiosk.window
    show_view, show_overlay = window.show_view, window.show_overlay

    def record_view(view: View) -> None:
        views.append(view)
        show_view(view)

    def record_overlay(view: View | None) -> None:
        if view is not None:
            views.append(view)
        show_overlay(view)

    monkeypatch.setattr(window, "show_view", record_view)
    monkeypatch.setattr(window, "show_overlay", record_overlay)
    try:
        present(kiosk, screen, locale, False, (1920, 1080))
    finally:
        monkeypatch.setattr(window, "show_view", show_view)
        monkeypatch.setattr(window, "show_overlay", show_overlay)
    return views[-1]


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_screen_has_a_prompt_in_both_languages(
    kiosk: Kiosk, demo_config: Config, locale: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts = Prompts(demo_config.kiosk.name)
    problems = []
    for screen in SCREENS:
        view = shown(kiosk, screen, locale, monkeypatch)
        prompt = prompts.for_view(view)
        rest = without_data(prompt, view)
        if not prompt.strip():
            problems.append(f"{screen}: no prompt")
        elif locale == "zh_CN" and LATIN.search(rest):
            problems.append(f"{screen}: English left in {prompt!r}")
        elif locale == "en" and CJK.search(rest):
            problems.append(f"{screen}: Chinese left in {prompt!r}")
        if "¥" in prompt or "*" in prompt:
            problems.append(f"{screen}: unreadable symbols in {prompt!r}")
    assert problems == []


def prompt_in(kiosk: Kiosk, locale: str, view: View) -> str:
    kiosk.translations.set_locale(locale)
    assert kiosk.voice_guide is not None
    return Prompts(kiosk.config.kiosk.name).for_view(view)


def test_amounts_are_spoken_as_yuan(kiosk: Kiosk) -> None:
    view = SAMPLE_FLOW_VIEWS["pay_qr"]
    assert isinstance(view, QrPaymentView)
    assert "twenty-three yuan fifty fen" in prompt_in(kiosk, "en", view)
    zh = prompt_in(kiosk, "zh_CN", view)
    assert "二十三元五角" in zh  # not "23.50元": a voice reads that as 二十三点五零元
    assert "¥" not in zh
    assert not re.search(r"\d", zh)
    # An amount the flow left out of the prompt is still read.
    bare = dataclasses.replace(view, prompt=Text("Scan the code with your wallet app."))
    assert "twenty-three yuan fifty fen" in prompt_in(kiosk, "en", bare)


def test_dates_times_and_receipt_numbers_are_spoken_as_people_say_them(kiosk: Kiosk) -> None:
    view = MessageView(
        STEP,
        Text("%1", ("Booked",)),
        body=Text("%1", ("2026-12-08 08:00–08:30 · Receipt 20261208000001 · ¥231.00",)),
    )
    en = prompt_in(kiosk, "en", view)
    assert "December eighth eight a.m. to eight thirty a.m." in en
    assert "two zero two six one two zero eight zero zero zero zero zero one" in en  # not "twenty trillion"
    assert "two hundred thirty-one yuan" in en
    zh = prompt_in(kiosk, "zh_CN", view)
    assert "十二月八日 上午八点到八点半" in zh
    assert "二零二六一二零八零零零零零一" in zh
    assert "二百三十一元" in zh


def test_queue_number_is_read_out(kiosk: Kiosk) -> None:
    view = MessageView(
        STEP,
        Text("Checked in"),
        body=Text("Please wait until you are called at %1.", ("Clinic 3",)),
        figure=Text("No. %1", ("7",)),
    )
    en = prompt_in(kiosk, "en", view)
    assert en.startswith("Checked in. Your number is seven. Please wait")
    zh = prompt_in(kiosk, "zh_CN", view)
    assert "第七号" in zh
    assert "No." not in zh
    twelve = dataclasses.replace(view, figure=Text("No. %1", ("12",)))
    assert "第十二号" in prompt_in(kiosk, "zh_CN", twelve)
    lettered = dataclasses.replace(view, figure=Text("No. %1", ("A012",)))
    assert "Your number is A zero one two." in prompt_in(kiosk, "en", lettered)
    fee = dataclasses.replace(view, figure=Text("%1", ("¥12.00",)))
    assert "twelve yuan" in prompt_in(kiosk, "en", fee)


def test_names_and_numbers_are_read_without_their_masks(kiosk: Kiosk) -> None:
    view = SAMPLE_FLOW_VIEWS["message"]
    assert "Hello, 张. Is this you?" in prompt_in(kiosk, "en", view)
    assert speakable("Card 110***********1234 of J* S****", zh=False) == "Card of J S"


def test_list_items_on_the_page_are_read(kiosk: Kiosk) -> None:
    view = SAMPLE_FLOW_VIEWS["departments"]
    prompt = prompt_in(kiosk, "en", view)
    names = [arg for arg in data_of(view) if CJK.search(arg) and "、" not in arg]
    positions = [prompt.index(name) for name in names[:4]]
    assert positions == sorted(positions)
    assert "Page one of two" in prompt


def test_error_screen_reads_the_message_and_the_code(kiosk: Kiosk) -> None:
    error = ServiceUnavailableError
    view = ErrorView(error.code, error.patient_message, 0.0)
    prompt = prompt_in(kiosk, "en", view)
    assert spell(str(error.code)) == "1 2 0 0"
    assert "Error code: one two zero zero." in prompt  # digit by digit, in words
    assert prompt.startswith(error.patient_message.split(".")[0])


def test_idle_warning_says_the_seconds_left(kiosk: Kiosk) -> None:
    kiosk.translations.set_locale("en")
    clock = FakeClock()
    prompts = Prompts(kiosk.config.kiosk.name, now=clock.now)
    prompt = prompts.for_view(IdleWarningView(deadline=clock.now() + 30, extensions_left=3))
    assert "The session ends in thirty seconds." in prompt
    kiosk.translations.set_locale("zh_CN")
    zh = prompts.for_view(IdleWarningView(deadline=clock.now() + 30, extensions_left=3))
    assert "三十秒" in zh


def test_idle_warning_says_how_to_get_more_time(kiosk: Kiosk) -> None:
    prompt = prompt_in(kiosk, "en", IdleWarningView(deadline=0.0, extensions_left=3))
    assert prompt == "Are you still there? Touch “I need more time” if you need more time."
    assert prompt_in(kiosk, "en", IdleWarningView(deadline=0.0, extensions_left=0)) == "Are you still there?"


# -- the guide --------------------------------------------------------------------------------

MESSAGE = MessageView(STEP, Text("Checked in"), body=Text("Please wait."), figure=Text("No. %1", ("7",)))


def guide_of(kiosk: Kiosk):  # type: ignore[no-untyped-def]
    assert kiosk.voice_guide is not None
    return kiosk.voice_guide


def test_a_screen_is_spoken_when_it_appears(kiosk: Kiosk, engine: RecordingEngine) -> None:
    guide = guide_of(kiosk)
    guide.apply_preferences("en", False)
    guide.show_view(MESSAGE)
    spoken = engine.next()
    assert spoken.text == "Checked in. Your number is seven. Please wait."
    assert (spoken.locale, spoken.rate_wpm, spoken.volume) == ("en", 170, 0.8)
    assert guide.prompt == spoken.text


def test_a_screen_updated_in_place_is_not_read_again(kiosk: Kiosk, engine: RecordingEngine) -> None:
    guide = guide_of(kiosk)
    keypad = KeypadView(STEP, Text("Visit card number"), prompt=Text("Type your visit card number"))
    guide.show_view(keypad)
    engine.next()
    guide.show_view(dataclasses.replace(keypad, digits="2024"))
    assert engine.nothing_more()


def test_elderly_mode_speaks_slower(kiosk: Kiosk, engine: RecordingEngine) -> None:
    guide = guide_of(kiosk)
    guide.apply_preferences("zh_CN", True)
    QApplication.processEvents()
    while not engine.spoken.empty():
        engine.next()
    guide.show_view(MESSAGE)
    spoken = engine.next()
    assert (spoken.locale, spoken.rate_wpm) == ("zh_CN", 130)


def test_home_after_a_session_is_quiet_but_a_language_switch_speaks(kiosk: Kiosk, engine: RecordingEngine) -> None:
    guide = guide_of(kiosk)
    guide.show_view(MESSAGE)
    engine.next()
    # The session ends: defaults again, then home, in one batch of effects.
    guide.apply_preferences("en", True)
    guide.apply_preferences("zh_CN", False)
    guide.show_view(HomeView(ALL_SERVICES))
    QApplication.processEvents()
    assert engine.nothing_more()
    # A patient at the home screen switches to English: the greeting, in English.
    guide.apply_preferences("en", False)
    QApplication.processEvents()
    spoken = engine.next()
    assert spoken.locale == "en"
    assert spoken.text.startswith("Outpatient Lobby Self-Service. Please touch the service you need: Registration")


def test_repeat_button_speaks_the_prompt_again(kiosk: Kiosk, engine: RecordingEngine) -> None:
    kiosk.runner.post(_choose("checkin"))
    guide = guide_of(kiosk)
    guide.show_view(MESSAGE)
    first = engine.next()
    screen = kiosk.window.current_screen()
    assert isinstance(screen, FlowScreen)
    assert screen.replay_button.isVisibleTo(kiosk.window)
    assert screen.replay_button.objectName() == "replay"
    QTest.mouseClick(screen.replay_button, Qt.MouseButton.LeftButton)
    assert engine.next().text == first.text


def test_idle_warning_is_spoken_and_silenced(kiosk: Kiosk, engine: RecordingEngine) -> None:
    guide = guide_of(kiosk)
    guide.apply_preferences("en", False)
    guide.show_overlay(IdleWarningView(deadline=0.0, extensions_left=2))
    assert engine.next().text.startswith("Are you still there?")
    guide.show_overlay(None)
    assert engine.nothing_more()


def test_without_voice_there_is_no_repeat_button(
    make_kiosk: Callable[[Config], Kiosk], demo_config: Config, engine: RecordingEngine
) -> None:
    kiosk = make_kiosk(demo_config.model_copy(update={"voice": VoiceSection(enabled=False)}))
    assert kiosk.speaker is not None
    assert kiosk.speaker.state is SpeechState.DISABLED
    guide_of(kiosk).show_view(MESSAGE)
    screen = kiosk.window.current_screen()
    assert isinstance(screen, FlowScreen)
    assert not screen.replay_button.isVisibleTo(kiosk.window)
    assert engine.nothing_more()


def test_without_an_audio_device_the_kiosk_goes_on_silently(kiosk: Kiosk, engine: RecordingEngine) -> None:
    engine.silent = True
    guide = guide_of(kiosk)
    guide.show_view(MESSAGE)
    speaker = kiosk.speaker
    assert speaker is not None
    deadline = threading.Event()
    for _ in range(100):
        if speaker.state is SpeechState.SILENT:
            break
        deadline.wait(0.02)
    assert speaker.state is SpeechState.SILENT
    guide.show_view(dataclasses.replace(MESSAGE, title=Text("Paid")))
    screen = kiosk.window.current_screen()
    assert isinstance(screen, FlowScreen)
    assert not screen.replay_button.isVisibleTo(kiosk.window)


def _choose(service: str) -> object:
    from kiosk.flows.events import ServiceChosen

    return ServiceChosen(service)
