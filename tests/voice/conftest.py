"""The voice tests' kiosk: a whole kiosk (screens, HIS simulator, payment sandbox, simulated
devices) with a FakeRecognizer in place of vosk (no Chinese or English model can be had here):
it hands the text the test says to the table the voice button built for the screen."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config
from kiosk.flows.events import HomeRequested
from kiosk.services import Services, build_services
from kiosk.ui.voice_button import VoiceControl
from kiosk.voice.asr import Heard, Outcome, PcmSource
from kiosk.voice.commands import CommandTable
from tests.flows.conftest import Patient as PatientHands


class FakeRecognizer:
    """Stands in for vosk: an utterance waits until the test says a phrase, which is then matched
    against the grammar the voice button built for the screen, and answered from another thread
    as the real recogniser does."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.waiting: tuple[CommandTable, Callable[[Heard], None]] | None = None
        self.grammars: list[tuple[str, ...]] = []
        self.closed = False

    def listen(self, source: PcmSource, vocabulary: CommandTable, on_result: Callable[[Heard], None]) -> None:
        self.waiting = (vocabulary, on_result)
        self.grammars.append(tuple(vocabulary.phrases))

    def hear(self, phrase: str | None) -> None:
        assert self.waiting is not None, "the voice button is not listening"
        vocabulary, on_result = self.waiting
        self.waiting = None
        if phrase is None:
            heard = Heard(Outcome.NOTHING_HEARD)
        else:
            command = vocabulary.match(phrase)
            heard = Heard(Outcome.MATCHED if command is not None else Outcome.UNKNOWN, phrase, command)
        thread = threading.Thread(target=on_result, args=(heard,))
        thread.start()
        thread.join()

    def cancel(self) -> None:
        if self.waiting is not None:
            _, on_result = self.waiting
            self.waiting = None
            on_result(Heard(Outcome.CANCELLED))

    def close(self) -> None:
        self.closed = True


class Voice:
    """The patient's voice at the kiosk: taps the voice button (unless it is already listening
    for the answer to a question) and says a phrase."""

    def __init__(self, kiosk: Kiosk, hands: PatientHands, recognizers: dict[str, FakeRecognizer]) -> None:
        self.kiosk = kiosk
        self.hands = hands
        self.recognizers = recognizers
        assert kiosk.voice is not None
        self.control: VoiceControl = kiosk.voice

    @property
    def recognizer(self) -> FakeRecognizer:
        return self.recognizers[self.kiosk.translations.locale or "zh_CN"]

    def say(self, phrase: str | None) -> None:
        if self.recognizer.waiting is None:
            assert self.control.button.isVisible(), f"no voice button on {self.hands.view}"
            self.hands.click(self.control.button, "voice")
        self.recognizer.hear(phrase)
        self.hands.qapp.processEvents()

    def confirm_if_asked(self, yes: str) -> bool:
        """Answers a read-back ("您说：… 确定要这样做吗？") with ``yes``; True if there was one."""
        if not self.control.question.isVisible():
            return False
        self.say(yes)
        assert not self.control.question.isVisible()
        return True

    def note(self) -> str:
        return self.control.note.text() if self.control.note.isVisible() else ""


@pytest.fixture
def lobby(qapp: QApplication, demo_config: Config) -> Iterator[tuple[Kiosk, Voice, Services]]:
    kiosk = build_kiosk(demo_config, qapp, services=build_services)
    services = kiosk.services
    assert services is not None
    services.start()
    kiosk.start(fullscreen=False, hide_cursor=False)
    kiosk.window.resize(1920, 1080)
    recognizers = {locale: FakeRecognizer(locale) for locale in ("zh_CN", "en")}
    assert kiosk.voice is not None
    kiosk.voice.set_recognizers(recognizers, lambda: None)  # type: ignore[arg-type, return-value]
    try:
        yield kiosk, Voice(kiosk, PatientHands(kiosk, qapp), recognizers), services
    finally:
        kiosk.runner.post(HomeRequested())
        qapp.processEvents()
        kiosk.stop()
