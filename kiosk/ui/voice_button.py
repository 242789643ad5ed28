"""Push-to-talk: the big "Tap to speak" button, from the home screen on. GUI thread only.

The main window shows it only when a vosk model for the language on screen has loaded and a
microphone exists; otherwise there is no button and nothing is said about voice. A tap starts
one utterance on the recogniser's thread, held to the phrases of the screen on show
(``kiosk.voice.commands``); a second tap stops listening. What was heard is shown for a moment
("You said: 内科") and its event is posted through the same ``post`` the taps use, so the flows
cannot tell voice from touch. A booking or a payment is read back first ("You said: 确认并支付 /
Do you want to do this?") with Yes and No, answerable by voice or by a tap. Silence, noise and
words the screen does not offer post nothing; the patient is told so and can tap instead.

Where it sits, so it never covers the content or the footer's buttons: on a landscape screen in
the flow screen's footer row, before Home (the help line between them gives up the width); on a
portrait one, whose footer has no width to spare, in a strip of its own below the screen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import date

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractButton, QBoxLayout, QHBoxLayout, QLayout, QPushButton, QVBoxLayout, QWidget

from kiosk.config import LocalizedText
from kiosk.flows.events import UserActivity
from kiosk.flows.views import (
    BusyView,
    FlowView,
    HomeView,
    IdentifyView,
    IdleWarningView,
    KeypadView,
    ListView,
    SearchView,
    View,
)
from kiosk.ui.i18n import current_locale
from kiosk.ui.screens.base import Post
from kiosk.ui.screens.flow import translate
from kiosk.ui.widgets import button, label
from kiosk.voice.asr import Heard, Outcome, PcmSource, Recognizer
from kiosk.voice.commands import Command, Conversation, Kind, Reply

log = logging.getLogger(__name__)

SHOW_FOR_MS = 2500  # how long "You said: …" and the other notes stay up
HELP_FOR_MS = 8000
QUESTION_LISTENS = 2  # the question listens for yes / no this often before leaving it to a tap
HELP_MIN_WIDTH = 240  # px the help line keeps beside the footer's buttons when it shares their row


class VoiceButton(QPushButton):
    """The push-to-talk button: "Tap to speak", or "Listening…" while it listens."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "primary")
        self.setObjectName("voice_button")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.listening = False
        self.retranslate()

    def set_listening(self, listening: bool) -> None:
        self.listening = listening
        self.retranslate()

    def retranslate(self) -> None:
        self.setText(
            QCoreApplication.translate("VoiceControl", "Listening…")
            if self.listening
            else QCoreApplication.translate("VoiceControl", "Tap to speak")
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


class VoiceQuestion(QWidget):
    """ "You said: 确认并支付. Do you want to do this?" over the screen, with Yes and No."""

    answered = Signal(bool)

    def __init__(self, host: QWidget) -> None:
        super().__init__(host)
        self._host = host
        self.setObjectName("overlay")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        card = QWidget(self)
        card.setObjectName("overlayCard")
        card.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.said = label("title")
        self.question = label("prompt")
        for text in (self.said, self.question):
            text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.yes_button = button("primary")
        self.yes_button.setObjectName("voice_yes")
        self.yes_button.clicked.connect(lambda: self.answered.emit(True))
        self.no_button = button()
        self.no_button.setObjectName("voice_no")
        self.no_button.clicked.connect(lambda: self.answered.emit(False))
        buttons = QHBoxLayout()
        buttons.setSpacing(36)
        buttons.addWidget(self.no_button, 1)
        buttons.addWidget(self.yes_button, 1)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(48, 48, 48, 48)
        inner.setSpacing(36)
        inner.addWidget(self.said)
        inner.addWidget(self.question)
        inner.addLayout(buttons)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(64, 64, 64, 64)
        outer.addStretch(1)
        outer.addWidget(card)
        outer.addStretch(1)
        self._label = ""
        self.hide()
        host.installEventFilter(self)

    def ask(self, label_text: str) -> None:
        self._label = label_text
        self.retranslate()
        self.setGeometry(self._host.rect())
        self.show()
        self.raise_()

    def dismiss(self) -> None:
        self._label = ""
        self.said.clear()
        self.hide()

    def retranslate(self) -> None:
        self.said.setText(QCoreApplication.translate("VoiceControl", "You said: %1").replace("%1", self._label))
        self.question.setText(QCoreApplication.translate("VoiceControl", "Do you want to do this?"))
        self.yes_button.setText(QCoreApplication.translate("VoiceControl", "Yes"))
        self.no_button.setText(QCoreApplication.translate("VoiceControl", "No"))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._host and event.type() == QEvent.Type.Resize:
            self.setGeometry(self._host.rect())
        return False

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def has_choices(view: View | None) -> bool:
    """A screen the patient can answer: the home screen's services, the idle warning, the ways
    to identify, the keypad, a flow screen with rows to choose or buttons to press."""
    if isinstance(view, HomeView):
        return bool(view.services)
    if isinstance(view, IdleWarningView | IdentifyView | KeypadView):
        return True
    if not isinstance(view, FlowView) or isinstance(view, BusyView):
        return False
    items = view.items if isinstance(view, ListView | SearchView) else ()
    return bool(items or view.actions)


def screen_name(view: View | None) -> str:
    """A screen for the voice metrics: the view's kind and its flow, never a value."""
    if isinstance(view, FlowView):
        return f"{view.step.service}.{type(view).__name__}"
    return type(view).__name__ if view is not None else "none"


def _layout_holding(layout: QLayout, widget: QWidget) -> QBoxLayout | None:
    if isinstance(layout, QBoxLayout) and layout.indexOf(widget) >= 0:
        return layout
    for index in range(layout.count()):
        item = layout.itemAt(index)
        child = item.layout() if item is not None else None
        if child is not None:
            found = _layout_holding(child, widget)
            if found is not None:
                return found
    return None


class VoiceControl(QObject):
    """The voice button, the note above it, the question; and one utterance at a time.

    ``repeat`` replays the screen's spoken prompt and ``speak`` says a text (both from the voice
    guide, when the kiosk can speak). The recognisers arrive after start-up (their models load
    off the GUI thread); until then, and for a language without a model, there is no button.
    """

    _arrived = Signal(object)  # (utterance number, Heard) from the recogniser's thread: queued

    def __init__(
        self,
        window: QWidget,
        post: Post,
        help_line: LocalizedText | None,
        *,
        repeat: Callable[[], None] | None = None,
        speak: Callable[[str], None] | None = None,
        observe: Callable[[str, str], None] | None = None,
    ) -> None:
        super().__init__(window)
        self._window = window
        self._post = post
        self._help_line = help_line
        self._repeat = repeat
        self._speak = speak
        self._observe = observe  # (screen, outcome) for the metrics: never what was said
        self._overlay: QWidget | None = None  # the idle warning, while it is up
        self._overlay_view: IdleWarningView | None = None
        self._recognizers: dict[str, Recognizer] = {}
        self._source: Callable[[], PcmSource] | None = None
        self._conversation = Conversation()
        self._view: View | None = None
        self._screen: QWidget | None = None
        self._utterance = 0  # the number of the utterance listened for; 0: none
        self._count = 0
        self._asked = 0  # times the question listened for its answer

        self.strip = QWidget()  # below the screen when its footer has no room for the button
        self.strip.setObjectName("screen")  # the screens' background and text (the stylesheet)
        self.strip.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._strip_row = QHBoxLayout(self.strip)
        self._strip_row.setContentsMargins(48, 0, 48, 24)
        self._strip_row.addStretch(1)
        self.button = VoiceButton()
        self.button.clicked.connect(self.toggle)
        self._strip_row.addWidget(self.button)
        self._docked: QBoxLayout = self._strip_row
        self.button.hide()
        self.strip.hide()

        self.note = label("hint", window)  # "Listening…", "You said: 内科" over the content's edge
        self.note.setObjectName("voiceNote")
        self.note.hide()
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.timeout.connect(self._hide_note)

        self.question = VoiceQuestion(window)
        self.question.answered.connect(self._answered)
        self._arrived.connect(self._on_heard)
        window.installEventFilter(self)
        self.button.installEventFilter(self)

    # -- set-up -------------------------------------------------------------------------------

    def set_recognizers(self, recognizers: Mapping[str, Recognizer], source: Callable[[], PcmSource]) -> None:
        """The loaded recognisers by locale, and where their audio comes from (a new source per
        utterance: the microphone is open only while listening)."""
        self._recognizers = dict(recognizers)
        self._source = source
        log.info("voice commands ready for %s", ", ".join(sorted(self._recognizers)) or "no language")
        self._dock()

    @property
    def available(self) -> bool:
        """A model for the language on screen has loaded (and the microphone was found)."""
        return current_locale() in self._recognizers and self._source is not None

    @property
    def listening(self) -> bool:
        return self._utterance != 0

    def stop(self) -> None:
        """At shutdown: stop listening and end the recognisers' threads."""
        self._screen = None  # the window is deleted after this: nothing may reach its screens
        self._cancel()
        for recognizer in self._recognizers.values():
            recognizer.close()
        self._recognizers = {}

    # -- the window tells it what is on screen -------------------------------------------------

    def show_view(self, view: View, screen: QWidget | None) -> None:
        if view != self._view:
            self._cancel()
            self._conversation.reset()
            self.question.dismiss()
            if not isinstance(view, FlowView):  # home, goodbye: nothing of the session stays up
                self._hide_note()
        self._view = view
        if screen is not None and screen is not self._screen:
            screen.installEventFilter(self)  # a screen may move the button's place when it turns
        self._screen = screen
        self._dock()

    def show_overlay(self, view: View | None, overlay: QWidget) -> None:
        """The idle warning over the screen (None: gone): the button moves onto its card, so
        "我还在" / "more time" can be said; what was pending on the screen below is dropped."""
        view = view if isinstance(view, IdleWarningView) else None
        if view != self._overlay_view:
            self._cancel()
            self._conversation.reset()
            self.question.dismiss()
        self._overlay_view = view
        self._overlay = overlay if view is not None else None
        self._dock()

    @property
    def view(self) -> View | None:
        """What the patient answers: the idle warning while it is up, else the screen."""
        return self._overlay_view if self._overlay_view is not None else self._view

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if watched is self._window and kind == QEvent.Type.Resize:
            self._dock()
        elif watched is self._screen and kind == QEvent.Type.Resize:
            QTimer.singleShot(0, self.button, self._dock)  # after the screen has laid itself out
        elif watched is self.button and kind == QEvent.Type.LanguageChange:
            self._cancel()  # the other language has its own model and phrases
            QTimer.singleShot(0, self.button, self._dock)  # dropped if the window is deleted first
        elif watched is self.button and kind in (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show):
            self._place_note()
        return False

    def _dock(self) -> None:
        """Shows the button where it fits (see the module's docstring), or hides it."""
        wanted = self.available and has_choices(self.view)
        card = self._overlay_card() if wanted else None
        slot = getattr(self._screen, "voice_slot", None) if wanted and card is None else None
        card = card or (slot if isinstance(slot, QBoxLayout) else None)  # the home screen in portrait
        home = getattr(self._screen, "home_button", None) if wanted and card is None else None
        layout = self._screen.layout() if self._screen is not None else None
        footer = _layout_holding(layout, home) if isinstance(home, QWidget) and layout is not None else None
        if footer is not None and layout is not None and not self._fits(footer, layout):
            footer = None
        target = card or footer or self._strip_row
        if target is not self._docked:
            self._docked.removeWidget(self.button)
            if isinstance(home, QWidget) and target is footer:
                target.insertWidget(target.indexOf(home), self.button)
            else:
                target.addWidget(self.button)
            self._docked = target
        self.button.setVisible(wanted)
        self.strip.setVisible(wanted and footer is None and card is None)
        if not wanted:
            self._cancel()

    def _overlay_card(self) -> QBoxLayout | None:
        """The idle warning card's column of buttons (the button goes last in it)."""
        more = getattr(self._overlay, "more_button", None)
        card = more.parentWidget() if isinstance(more, QWidget) else None
        layout = card.layout() if card is not None else None
        return layout if isinstance(layout, QBoxLayout) else None

    def _fits(self, footer: QBoxLayout, frame: QLayout) -> bool:
        """Whether the footer's buttons and this one fit side by side in the screen's width."""
        others = []
        for index in range(footer.count()):
            item = footer.itemAt(index)
            widget = item.widget() if item is not None else None
            if isinstance(widget, QAbstractButton) and widget is not self.button and not widget.isHidden():
                others.append(widget)
        self.button.ensurePolished()
        needed = sum(w.sizeHint().width() for w in others) + self.button.sizeHint().width()
        needed += footer.spacing() * len(others)
        margins = frame.contentsMargins()
        help_line = getattr(self._screen, "help", None)
        if isinstance(help_line, QWidget) and footer.indexOf(help_line) >= 0:
            needed += HELP_MIN_WIDTH  # the help line shares the row (landscape): it keeps some width
        return needed <= self._window.width() - margins.left() - margins.right()

    # -- listening ----------------------------------------------------------------------------

    def toggle(self) -> None:
        """The button: listen, or stop listening."""
        if self.listening:
            self._cancel()
            self._hide_note()
        else:
            self.listen()

    def listen(self) -> None:
        recognizer = self._recognizers.get(current_locale())
        view, source = self.view, self._source
        if recognizer is None or source is None or view is None:
            return
        # "明天": the kiosk's date unless a time row marks today (the flow's own clock wins).
        commands = self._conversation.commands(view, current_locale(), translate, today=date.today())
        self._count += 1
        number = self._utterance = self._count
        self.button.set_listening(True)
        self._note(QCoreApplication.translate("VoiceControl", "Listening…"), 0)
        log.info("voice: listening (%d phrases)", len(commands))
        recognizer.listen(source(), commands, lambda heard: self._arrived.emit((number, heard)))

    def _cancel(self) -> None:
        if self._utterance:
            self._utterance = 0
            for recognizer in self._recognizers.values():
                recognizer.cancel()
        self.button.set_listening(False)

    def _on_heard(self, arrived: tuple[int, Heard]) -> None:
        number, heard = arrived
        if number != self._utterance:
            return  # cancelled, or the screen changed meanwhile: never act on an old screen
        self._utterance = 0
        self.button.set_listening(False)
        self._count_outcome(heard)
        matched = heard.outcome is Outcome.MATCHED and isinstance(heard.command, Command)
        if not matched and self.question.isVisible() and heard.outcome is not Outcome.CANCELLED:
            # The question covers the button: listen for the answer once more, then leave it to a tap.
            self._asked += 1
            if self._asked < QUESTION_LISTENS:
                self.listen()
            else:
                self._note(QCoreApplication.translate("VoiceControl", "Please tap Yes or No."))
            return
        match heard.outcome:
            case Outcome.MATCHED if isinstance(heard.command, Command):
                self._act(self._conversation.heard(heard.command), heard.command)
            case Outcome.NOTHING_HEARD:
                self._note(QCoreApplication.translate("VoiceControl", "I heard nothing. Tap the button, then speak."))
            case Outcome.FAILED:
                log.warning("voice: listening failed: %s", heard.error)
                self._note(
                    QCoreApplication.translate(
                        "VoiceControl", "Voice commands are not working right now. Please tap the screen."
                    )
                )
            case Outcome.CANCELLED:
                self._hide_note()
            case _:
                self._note(
                    QCoreApplication.translate(
                        "VoiceControl", "Sorry, I did not understand. Please say it again, or tap the screen."
                    )
                )

    def _count_outcome(self, heard: Heard) -> None:
        if self._observe is None or heard.outcome is Outcome.CANCELLED:
            return
        command = heard.command if isinstance(heard.command, Command) else None
        if command is not None and command.kind is not Kind.CLARIFY:
            outcome = "understood"
        elif heard.outcome is Outcome.NOTHING_HEARD:
            outcome = "nothing_heard"
        elif heard.outcome is Outcome.FAILED:
            outcome = "failed"
        else:
            outcome = "not_understood"
        if self._conversation.pending is not None and command is not None and command.kind is Kind.NO:
            outcome = "readback_refused"
        self._observe(screen_name(self.view), outcome)

    def _answered(self, yes: bool) -> None:
        """A tap on the question's Yes or No."""
        self._cancel()
        pending = self._conversation.pending
        if pending is not None:
            if not yes and self._observe is not None:
                self._observe(screen_name(self.view), "readback_refused")
            self._act(self._conversation.answer(yes), pending)

    def _act(self, reply: Reply, command: Command) -> None:
        if reply.ask is not None:
            log.info("voice: %s %s needs a yes first", reply.ask.kind, _event_name(reply.ask))
            self._hide_note()
            self.question.ask(reply.ask.label)
            self._asked = 0
            self.listen()  # the answer can be spoken at once
            return
        if self._conversation.pending is not None:
            # Help or "say again" while "Do it?" is up: the question stays, is said again, listens.
            if self._speak is not None:
                self._speak(f"{self.question.said.text()} {self.question.question.text()}")
            self.listen()
            return
        self.question.dismiss()
        if reply.post is not None:
            log.info("voice: %s → %s", command.kind, _event_name(command))
            self._note(QCoreApplication.translate("VoiceControl", "You said: %1").replace("%1", command.label))
            self._post(UserActivity())  # as a touch would
            self._post(reply.post)
            for event in reply.then:
                self._post(event)
        elif reply.kind is Kind.HELP:
            self._help()
        elif reply.kind is Kind.REPEAT:
            self._hide_note()
            if self._repeat is not None:
                self._repeat()
        elif reply.kind is Kind.NO:
            self._note(QCoreApplication.translate("VoiceControl", "Not done."))
        elif reply.kind is Kind.CLARIFY:
            self._post(UserActivity())
            self._note(
                QCoreApplication.translate(
                    "VoiceControl", "Which one? %1. Please say a bit more, or the number."
                ).replace("%1", command.label),
                HELP_FOR_MS,
            )

    def _help(self) -> None:
        tip = QCoreApplication.translate(
            "VoiceControl", 'Say the name or the number of a choice, or "back" or "cancel".'
        )
        where = self._help_line.get(current_locale()) if self._help_line is not None else ""
        text = f"{tip}\n{where}" if where else tip
        self._note(text, HELP_FOR_MS)
        if self._speak is not None:
            self._speak(text)

    # -- the note above the button -------------------------------------------------------------

    def _note(self, text: str, show_for_ms: int = SHOW_FOR_MS) -> None:
        self.note.setText(text)
        self._place_note()
        self.note.show()
        self.note.raise_()
        if show_for_ms:
            self._note_timer.start(show_for_ms)
        else:
            self._note_timer.stop()

    def _hide_note(self) -> None:
        self._note_timer.stop()
        self.note.hide()
        self.note.clear()  # it may have named a doctor: nothing stays after it is gone

    def _place_note(self) -> None:
        """Above the button, its right edge on the button's (bottom right if no button)."""
        window = self._window
        width = min(900, max(200, window.width() - 96))
        self.note.setFixedWidth(width)
        height = self.note.heightForWidth(width)
        if self.button.isVisible():
            corner = self.button.mapTo(window, QPoint(self.button.width(), 0))
        else:
            corner = QPoint(window.width() - 48, window.height() - 160)
        x = max(48, min(corner.x() - width, window.width() - width - 48))
        y = max(0, corner.y() - height - 16)
        self.note.setGeometry(x, y, width, height)


def _event_name(command: Command) -> str:
    """An event for the log: its name only, never a value (a row's id is fine, a label is not)."""
    event = command.event
    return str(getattr(event, "name", type(event).__name__)) if event is not None else "-"
