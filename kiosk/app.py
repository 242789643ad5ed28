"""Composition root: builds the kiosk's objects from the configuration and wires them together.

Nothing happens at import time. ``build_kiosk`` builds the same graph for production, the demo,
screenshots and tests; only the clock, the executor and the service flows differ. Workers start
in ``start`` and stop in reverse order in ``stop``. GUI thread only.
"""

from __future__ import annotations

import logging
import signal
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSocketNotifier, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from kiosk.admin.auth import AdminGuard
from kiosk.admin.console import AdminConsole, VoiceSettings
from kiosk.admin.logtail import LogTail
from kiosk.config import Config
from kiosk.devices.events import DeviceEvent, DeviceStatusChanged
from kiosk.eventloop import BackgroundExecutor, EventBridge, QtClock
from kiosk.flows.context import FlowContext
from kiosk.flows.events import DefaultLocaleChanged, Event
from kiosk.flows.registry import build_flows
from kiosk.flows.runner import FlowRunner
from kiosk.flows.runtime import Clock, Executor
from kiosk.flows.service import FlowRegistry
from kiosk.flows.session import SessionChart, SessionSettings
from kiosk.flows.views import ErrorView, GoodbyeView, HomeView, View
from kiosk.ops.runtime import Operations
from kiosk.services import Services
from kiosk.ui.admin.controller import AdminController
from kiosk.ui.ergonomics import Panel
from kiosk.ui.i18n import Translations, current_locale
from kiosk.ui.main_window import InputGuard, MainWindow
from kiosk.ui.screens.base import Post, Screen
from kiosk.ui.screens.flow import FLOW_SCREENS
from kiosk.ui.screens.goodbye import ErrorScreen, GoodbyeScreen
from kiosk.ui.screens.home import HomeScreen
from kiosk.ui.theme import ThemeManager
from kiosk.ui.voice_button import VoiceControl
from kiosk.ui.voice_guide import VoiceGuide
from kiosk.voice.asr import MicrophoneSource, Recognizer, load_recognizers, models_from_config
from kiosk.voice.prompts import Prompts
from kiosk.voice.tts import EngineFactory, MuteEngine, Speaker, build_speaker

log = logging.getLogger(__name__)

# Exit statuses of the admin screen's actions: `kiosk run` restarts itself on EXIT_RESTART
# (under systemd, the unit does); EXIT_TO_DESKTOP leaves the kiosk (admin.allow_desktop).
EXIT_RESTART = 75
EXIT_TO_DESKTOP = 10

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def session_settings(config: Config) -> SessionSettings:
    t = config.timeouts
    return SessionSettings(
        services=tuple(str(s) for s in config.kiosk.services),
        locale=config.kiosk.locale,
        elderly=config.ui.elderly_mode_default,
        idle_s=t.idle_s,
        idle_warning_s=t.idle_warning_s,
        max_extensions=t.idle_max_extensions,
        goodbye_s=t.goodbye_s,
        error_screen_s=t.error_screen_s,
    )


@dataclass
class Kiosk:
    """The running kiosk: everything ``build_kiosk`` made, for start, stop and tests."""

    config: Config
    qapp: QApplication
    bridge: EventBridge
    executor: BackgroundExecutor | Executor
    runner: FlowRunner
    window: MainWindow
    translations: Translations
    themes: ThemeManager
    guard: InputGuard
    services: Services | None = None
    speaker: Speaker | None = None
    voice_guide: VoiceGuide | None = None
    ops: Operations | None = None
    voice: VoiceControl | None = None
    admin: AdminController | None = None
    _stopped: bool = False

    def start(self, *, fullscreen: bool, hide_cursor: bool) -> None:
        self.qapp.installEventFilter(self.guard)
        if self.admin is not None:
            self.admin.install(self.qapp)
        self.runner.start()
        if fullscreen:
            # Without a window manager showFullScreen keeps the size hint: set the geometry too.
            screen = QGuiApplication.primaryScreen()
            if screen is not None:
                self.window.setGeometry(screen.geometry())
            self.window.showFullScreen()
        else:
            self.window.resize(1080, 1440)
            self.window.show()
        if hide_cursor:
            self.qapp.setOverrideCursor(Qt.CursorShape.BlankCursor)
        if self.services is not None:
            # After the first frame and off the GUI thread: the home screen never waits for the
            # HIS simulator's seeding or a slow device. stop() waits for this job before stopping.
            self.window.first_frame_painted.connect(self._start_services, Qt.ConnectionType.SingleShotConnection)
        if self.speaker is not None:
            # The speech engine starts on its own thread after the first frame, like the services.
            self.window.first_frame_painted.connect(self.speaker.start, Qt.ConnectionType.SingleShotConnection)
        if self.voice is not None and models_from_config(self.config.voice, self.config.kiosk.locale):
            # A vosk model takes seconds to load: off the GUI thread, after the first frame.
            self.window.first_frame_painted.connect(self._start_voice, Qt.ConnectionType.SingleShotConnection)
        if self.ops is not None:  # READY=1, the watchdog and the metrics endpoint after the first frame
            self.ops.start(self.window, self.executor)
        log.info("kiosk %s started", self.config.kiosk.id)

    def _start_services(self) -> None:
        if self.services is not None:
            self.executor.run_in_background(self.services.start, self._services_started, self._services_failed)

    def _start_voice(self) -> None:
        models = models_from_config(self.config.voice, self.config.kiosk.locale)
        self.executor.run_in_background(lambda: load_recognizers(models), self._voice_loaded, self._voice_failed)

    def _voice_loaded(self, recognizers: dict[str, Recognizer]) -> None:
        if self.voice is not None and recognizers:
            self.voice.set_recognizers(recognizers, MicrophoneSource)

    def _voice_failed(self, error: BaseException) -> None:
        log.error("voice commands failed to start: %s", error, exc_info=error)

    def _services_started(self, _result: object) -> None:
        log.info("services started")
        if self.admin is not None:  # the volume and language saved on the admin screen
            self.executor.run_in_background(
                self.admin.console.voice_settings, self._apply_saved_voice, self._saved_voice_failed
            )

    def _apply_saved_voice(self, settings: VoiceSettings) -> None:
        if settings.saved:
            self.apply_voice(settings.volume, settings.locale)

    def _saved_voice_failed(self, error: BaseException) -> None:
        log.error("the voice settings saved on the admin screen could not be read: %s", error, exc_info=error)

    def apply_voice(self, volume: float, locale: str) -> None:
        if self.speaker is not None:
            self.speaker.set_volume(volume)
        self.runner.post(DefaultLocaleChanged(locale))

    def exit_for(self, action: str) -> None:
        """The admin screen's Restart or Leave to desktop: the event loop ends with its status."""
        self.qapp.exit(EXIT_RESTART if action == "restart" else EXIT_TO_DESKTOP)

    def _services_failed(self, error: BaseException) -> None:
        log.error("services failed to start: %s", error, exc_info=error)

    def stop(self) -> None:
        """Stops in reverse order of start; safe to call twice."""
        # First: nothing that arrives from here on (a card reader's last "removed" while the
        # devices stop) may move the session or touch the screens.
        if self.ops is not None:  # STOPPING=1 first; no scrape reads a closing journal
            self.ops.stop()
        self.bridge.detach()
        if self.admin is not None:
            self.admin.uninstall(self.qapp)
        self.runner.stop()
        if self.voice is not None:
            self.voice.stop()
        if self.speaker is not None:
            self.speaker.close()
        if isinstance(self.executor, BackgroundExecutor) and not self.executor.shutdown():
            log.warning("background jobs still running at shutdown")
        if self.services is not None:
            self.services.stop()
        if self._stopped:
            return
        self._stopped = True
        self.qapp.removeEventFilter(self.guard)
        self.window.allow_close()
        self.window.close()
        self.translations.release()
        # Deleted, not only closed: in a process that builds kiosk after kiosk (the tests, the
        # tour, the benchmark) every window left alive is restyled and retranslated with each
        # later one, and the suite slows down test by test.
        self.guard.deleteLater()
        self.window.deleteLater()
        log.info("kiosk %s stopped", self.config.kiosk.id)


def build_kiosk(
    config: Config,
    qapp: QApplication,
    *,
    resources: Path = RESOURCES,
    flows: FlowRegistry | None = None,
    clock: Clock | None = None,
    executor: Executor | None = None,
    services: Callable[[Config, Post], Services] | None = None,
    speech_engine: EngineFactory | None = None,
    log_tail: LogTail | None = None,
) -> Kiosk:
    """The whole kiosk. ``services`` builds the HIS gateway and devices (``build_services`` in
    production and the demo); tests that only need the screens leave it out."""
    translations = Translations(qapp, resources)
    translations.load_all()
    # The panel's resolution follows the window (full screen in production): see ThemeManager.
    panel = Panel(diagonal_in=config.ui.screen_diagonal_in, viewing_distance_cm=config.ui.viewing_distance_cm)
    themes = ThemeManager(qapp, resources, panel)

    bridge = EventBridge()
    clock = clock if clock is not None else QtClock(bridge)
    executor = executor if executor is not None else BackgroundExecutor(bridge)
    post = bridge.post
    built_services = services(config, post) if services is not None else None
    ops = Operations(config, built_services)

    # A configured service without a flow gets no tile (see kiosk/flows/registry.py).
    if flows is None:
        flows = build_flows(FlowContext(config, built_services)) if built_services is not None else {}
    chart = SessionChart(session_settings(config), flows, clock, observer=ops.metrics)
    screens: dict[type[View], Screen] = {
        HomeView: HomeScreen(post, config.kiosk.name),
        GoodbyeView: GoodbyeScreen(post, clock.now),
        ErrorView: ErrorScreen(post, clock.now),
    }
    for view_type, screen_type in FLOW_SCREENS.items():
        screens[view_type] = screen_type(post, config.kiosk.help)
    window = MainWindow(screens, post, clock.now, translations, themes)
    themes.follow(window)
    if speech_engine is None and qapp.platformName() == "offscreen":
        # Tests, screenshots and the demo tour: nobody listens, and a real voice would talk
        # over the developer. Everything else (prompts, Repeat) stays as in production.
        speech_engine = MuteEngine
    speaker = build_speaker(config.voice, speech_engine)
    guide = VoiceGuide(window, speaker, Prompts(config.kiosk.name), window)
    guide.attach(screens.values())
    voice = VoiceControl(
        window,
        post,
        config.kiosk.help,
        repeat=guide.replay,
        speak=lambda text: speaker.say(text, current_locale()),
        observe=ops.metrics.voice_heard,
    )
    window.attach_voice(voice)
    runner = FlowRunner(chart, clock, executor, guide)
    guard = InputGuard(post, qapp)
    kiosk = Kiosk(
        config,
        qapp,
        bridge,
        executor,
        runner,
        window,
        translations,
        themes,
        guard,
        built_services,
        speaker=speaker,
        voice_guide=guide,
        ops=ops,
        voice=voice,
    )
    if built_services is None:
        bridge.set_handler(runner.post)
        return kiosk
    console = AdminConsole(built_services, log_tail if log_tail is not None else LogTail())
    kiosk.admin = AdminController(
        window,
        executor,
        AdminGuard(built_services.journal, config.admin),
        console,
        config.admin,
        corner_px=lambda: themes.panel.mm_to_px(config.admin.gesture.size_mm),
        exit_app=kiosk.exit_for,
        apply_voice=kiosk.apply_voice,
    )

    def route(event: Event | DeviceEvent) -> None:
        if isinstance(event, DeviceStatusChanged):
            console.note_status(event)  # the admin screen shows since when a device is in its state
        runner.post(event)

    bridge.set_handler(route)
    return kiosk


class TerminationHandler:
    """Turns SIGTERM/SIGINT into a clean shutdown on the GUI thread.

    Python runs signal handlers only between bytecodes, which never happens while Qt's loop
    waits in C++; a wakeup socket makes the loop notice the signal at once.
    """

    _SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, qapp: QApplication, on_terminate: Callable[[], None]) -> None:
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._on_terminate = on_terminate
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {s: signal.signal(s, self._noted) for s in self._SIGNALS}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, qapp)
        self._notifier.activated.connect(self._woken)

    @staticmethod
    def _noted(signum: int, _frame: object) -> None:
        """Nothing here: a handler runs between any two bytecodes, also in the middle of a log
        line's write to stderr, where logging again fails ("reentrant call"). The wakeup socket
        carries the signal's number to :meth:`_woken`."""

    def _woken(self) -> None:
        try:
            signals = self._reader.recv(64)
        except BlockingIOError:
            return
        log.info("signal %s received, shutting down", ", ".join(str(s) for s in signals))
        self._on_terminate()

    def close(self) -> None:
        self._notifier.setEnabled(False)
        signal.set_wakeup_fd(self._previous_fd)
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._reader.close()
        self._writer.close()
