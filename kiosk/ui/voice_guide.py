"""The voice guide: speaks each screen's prompt as it appears. GUI thread only.

It is the flows' presenter, in front of the window: it shows each view on the window first, then
speaks its prompt, interrupting the previous one. A screen updated in place (a digit typed, a
row ticked) keeps its prompt and is not read again. The home screen after a session is quiet:
no greeting for an empty lobby; it speaks when a patient there switches language or large text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from PySide6.QtCore import QObject, QTimer, Signal

from kiosk.flows.runner import Presenter
from kiosk.flows.views import HomeView, IdleWarningView, View
from kiosk.ui.i18n import current_locale
from kiosk.ui.screens.base import Screen
from kiosk.ui.screens.flow import FlowScreen
from kiosk.voice.prompts import Prompts
from kiosk.voice.tts import Speaker, SpeechState

log = logging.getLogger(__name__)


class VoiceGuide(QObject):
    replay_available_changed = Signal(bool)

    def __init__(
        self, window: Presenter, speaker: Speaker | None, prompts: Prompts, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._window = window
        self._speaker = speaker
        self._prompts = prompts
        self._view: View | None = None
        self._prompt = ""  # what Repeat says
        self._spoken: tuple[type[View], str] | None = None
        self._overlay = False
        self._elderly = False
        self._preferences: tuple[str, bool] | None = None
        self._preferences_changed = False
        self._replay_available: bool | None = None

    @property
    def prompt(self) -> str:
        """The current screen's prompt (what Repeat speaks)."""
        return self._prompt

    def attach(self, screens: Iterable[Screen]) -> None:
        """Connects the Repeat button of each flow screen."""
        for screen in screens:
            if isinstance(screen, FlowScreen):
                screen.replay_requested.connect(self.replay)
                self.replay_available_changed.connect(screen.set_replay_available)

    # -- Presenter ------------------------------------------------------------------------------

    def show_view(self, view: View) -> None:
        self._update_replay()  # before the screen lays out its footer
        self._window.show_view(view)
        self._view = view
        self._preferences_changed = False  # this view speaks for itself (or home stays quiet)
        prompt = self._prompts.for_view(view)
        self._prompt = prompt
        if isinstance(view, HomeView):
            self._spoken = None
            self._stop()
            return
        if self._spoken == (type(view), prompt):
            return  # the same screen updated in place
        self._say(view, prompt)

    def show_overlay(self, view: View | None) -> None:
        self._window.show_overlay(view)
        if isinstance(view, IdleWarningView):
            self._overlay = True
            self._spoken = None  # after "more time", the screen below may be read again on Repeat
            self._speak(self._prompts.for_view(view))
        elif self._overlay:
            self._overlay = False
            self._stop()

    def apply_preferences(self, locale: str, elderly: bool) -> None:
        self._window.apply_preferences(locale, elderly)
        self._elderly = elderly
        changed = self._preferences is not None and self._preferences != (locale, elderly)
        self._preferences = (locale, elderly)
        if changed and self._view is not None:
            # Wait for the rest of this batch of effects: a session that ends applies the
            # defaults and then shows home, which must stay quiet.
            self._preferences_changed = True
            QTimer.singleShot(0, self, self._after_preferences)

    # -- Repeat ---------------------------------------------------------------------------------

    def replay(self) -> None:
        if self._view is not None:
            self._prompt = self._prompts.for_view(self._view)
        self._speak(self._prompt)

    # -- internals ------------------------------------------------------------------------------

    def _after_preferences(self) -> None:
        if not self._preferences_changed or self._view is None:
            return
        self._preferences_changed = False
        self._say(self._view, self._prompts.for_view(self._view))  # in the new language or pace

    def _say(self, view: View, prompt: str) -> None:
        self._prompt = prompt
        self._spoken = (type(view), prompt)
        self._speak(prompt)

    def _speak(self, text: str) -> None:
        if self._speaker is None:
            return
        if text:
            self._speaker.say(text, current_locale(), slow=self._elderly)
        else:
            self._speaker.stop()

    def _stop(self) -> None:
        if self._speaker is not None:
            self._speaker.stop()

    def _update_replay(self) -> None:
        speaker = self._speaker
        available = speaker is not None and speaker.state not in (SpeechState.SILENT, SpeechState.DISABLED)
        if available != self._replay_available:
            self._replay_available = available
            self.replay_available_changed.emit(available)
