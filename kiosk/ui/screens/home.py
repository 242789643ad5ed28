"""The home screen: kiosk name, clock, one big tile per available service, language and
elderly-mode switches. GUI thread only."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QLocale, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from kiosk.config import Locale, LocalizedText
from kiosk.flows.events import ElderlyModeChosen, LocaleChosen, ServiceChosen
from kiosk.flows.views import HomeView, View
from kiosk.ui.i18n import current_locale
from kiosk.ui.screens.base import Post, Screen
from kiosk.ui.screens.flow import ServiceNames
from kiosk.ui.widgets import button, label


class ServiceTile(QPushButton):
    """A big tile: the service name and one line saying what it is for."""

    def __init__(self, service: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setProperty("role", "tile")
        self.setProperty("service", service)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        # Push buttons are fixed-height by default; tiles share the screen's free space.
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 16, 32, 16)
        layout.setSpacing(0)
        self.title = label("tileTitle", self)
        self.subtitle = label("tileSubtitle", self)
        # Both labels take the spare height (wrapped text gets what it needs) and meet in the
        # middle, which centres the text block without spacers that squeeze wrapped lines.
        self.title.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom)
        self.subtitle.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for child in (self.title, self.subtitle):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            child.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
            layout.addWidget(child)


class HomeScreen(Screen):
    def __init__(self, post: Post, kiosk_name: LocalizedText, parent: QWidget | None = None) -> None:
        super().__init__(post, parent)
        self._kiosk_name = kiosk_name
        self._names = ServiceNames(self)
        self._services: tuple[str, ...] = ()
        self.tiles: list[ServiceTile] = []
        self._columns = 0

        self.title = label("title")
        self.clock = label("clock", wrap=False)
        self.prompt = label("prompt")
        self.notice = label("notice")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tile_area = QWidget()
        self.grid = QGridLayout(self.tile_area)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(24)

        self.language_button = button()
        self.language_button.clicked.connect(self._switch_language)
        self.elderly_button = button()
        self.elderly_button.setCheckable(True)
        self.elderly_button.clicked.connect(lambda checked: self._post(ElderlyModeChosen(checked)))
        self._voice_slot = QHBoxLayout()  # the voice button in portrait (kiosk.ui.voice_button)
        self._voice_slot.setContentsMargins(0, 0, 0, 0)
        # The kiosk's name, the clock, the prompt and the switches: see _place_top.
        self.top = QGridLayout()
        self.top.setHorizontalSpacing(24)
        self.top.setVerticalSpacing(16)
        self.top.setColumnStretch(0, 1)  # the switches stay compact when the prompt is hidden
        self._landscape: bool | None = None
        self._place_top(landscape=True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.setSpacing(24)
        layout.addLayout(self.top)
        layout.addWidget(self.tile_area, 1)
        layout.addWidget(self.notice, 1)

        self._clock_timer = QTimer(self)
        self._clock_timer.setInterval(1000)
        self._clock_timer.timeout.connect(self._tick)
        self._clock_timer.start()
        self.retranslate()

    def set_view(self, view: View) -> None:
        if isinstance(view, HomeView) and view.services != self._services:
            self._services = view.services
            self._rebuild_tiles()
        super().set_view(view)

    def set_elderly(self, elderly: bool) -> None:
        self.elderly_button.setChecked(elderly)

    def _rebuild_tiles(self) -> None:
        for tile in self.tiles:
            self.grid.removeWidget(tile)
            tile.hide()  # deleteLater waits for the event loop; the old tile must go now
            tile.deleteLater()
        self.tiles = []
        for service in self._services:
            tile = ServiceTile(service)
            tile.clicked.connect(lambda _checked=False, s=service: self._post(ServiceChosen(s)))
            self.tiles.append(tile)
        self._place_tiles()
        self._show_tiles_or_notice()

    def _place_tiles(self) -> None:
        """Two columns on a landscape screen (with three or four services), one on a portrait
        screen: a tile keeps the width its name and line need in elderly mode."""
        landscape = self.width() > self.height()
        columns = 2 if landscape and len(self.tiles) > 2 else 1
        for index, tile in enumerate(self.tiles):
            self.grid.removeWidget(tile)
            self.grid.addWidget(tile, index // columns, index % columns)
        self._columns = columns

    def _place_top(self, landscape: bool) -> None:
        """Landscape: the name with the clock, the prompt with the switches (the tiles keep the
        height). Portrait: the name with the clock, the switches, then the prompt across the
        width (a row of switches beside the clock or the prompt is too wide in elderly mode)."""
        if landscape == self._landscape:
            return
        self._landscape = landscape
        for widget in (self.title, self.clock, self.prompt, self.language_button, self.elderly_button):
            self.top.removeWidget(widget)
        self.top.removeItem(self._voice_slot)
        if landscape:
            self.top.addWidget(self.title, 0, 0)
            self.top.addWidget(self.clock, 0, 1, 1, 2)
            self.top.addWidget(self.prompt, 1, 0)
            self.top.addWidget(self.language_button, 1, 1)
            self.top.addWidget(self.elderly_button, 1, 2)
        else:
            self.top.addWidget(self.title, 0, 0)
            self.top.addWidget(self.clock, 0, 1, 1, 2)
            self.top.addWidget(self.language_button, 1, 1)
            self.top.addWidget(self.elderly_button, 1, 2)
            self.top.addWidget(self.prompt, 2, 0, 1, 3)
            self.top.addLayout(self._voice_slot, 1, 0)  # beside the switches: the tiles keep the height
        # Portrait: the date above the time when the name beside them needs the width.
        self.clock.setWordWrap(not landscape)
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)

    @property
    def voice_slot(self) -> QHBoxLayout | None:
        """Where the voice button goes in portrait, beside the switches; None in landscape, where
        it has a strip of its own below the screen."""
        return None if self._landscape else self._voice_slot

    def resizeEvent(self, event: QResizeEvent) -> None:
        landscape = event.size().width() > event.size().height()
        self._place_top(landscape)
        if (2 if landscape and len(self.tiles) > 2 else 1) != self._columns:
            self._place_tiles()
        super().resizeEvent(event)

    def _show_tiles_or_notice(self) -> None:
        self.tile_area.setVisible(bool(self._services))
        self.prompt.setVisible(bool(self._services))
        self.notice.setVisible(not self._services)

    def retranslate(self) -> None:
        locale = self._locale()
        self.title.setText(self._kiosk_name.get(locale))
        self.prompt.setText(self.tr("Please touch the service you need"))
        self.notice.setText(
            self.tr("Self-service is not available at this kiosk yet. Please go to the service counter.")
        )
        self._show_tiles_or_notice()
        subtitles = {
            "registration": self.tr("Book a doctor for today or the next 7 days"),
            "checkin": self.tr("Booked already? Check in and get your number"),
            "payment": self.tr("Tests, medicine and treatment"),
            "reports": self.tr("Lab and imaging reports"),
        }
        for tile in self.tiles:
            title = self._names.name(tile.service)
            tile.title.setText(title)
            tile.subtitle.setText(subtitles[tile.service])
            tile.setAccessibleName(title)
        # A language's name is written in that language, so anyone can find their own.
        self.language_button.setText("English" if locale == "zh_CN" else "中文")
        self.elderly_button.setText(self.tr("Large text"))
        self._tick()

    def _locale(self) -> Locale:
        return current_locale()

    def _switch_language(self) -> None:
        self._post(LocaleChosen("en" if self._locale() == "zh_CN" else "zh_CN"))

    def _tick(self) -> None:
        now = QDateTime.currentDateTime()
        # The date format is translated too: Chinese writes month and day differently.
        self.clock.setText(QLocale().toString(now, self.tr("ddd d MMM  HH:mm")))
