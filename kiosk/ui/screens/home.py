"""The home screen: kiosk name, clock, one big tile per available service, language and
elderly-mode switches. GUI thread only."""

from __future__ import annotations

from PySide6.QtCore import QDateTime, QLocale, Qt, QTimer
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
        layout.setContentsMargins(32, 24, 32, 24)
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

        self.title = label("title")
        self.clock = label("clock", wrap=False)
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.clock)

        self.prompt = label("prompt")
        self.notice = label("notice")
        self.notice.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.tile_area = QWidget()
        self.grid = QGridLayout(self.tile_area)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(32)

        self.language_button = button()
        self.language_button.clicked.connect(self._switch_language)
        self.elderly_button = button()
        self.elderly_button.setCheckable(True)
        self.elderly_button.clicked.connect(lambda checked: self._post(ElderlyModeChosen(checked)))
        # The switches share the prompt's row so the tiles keep the height of a whole row.
        prompt_row = QHBoxLayout()
        prompt_row.setSpacing(24)
        prompt_row.addWidget(self.prompt, 1)
        prompt_row.addStretch(1)  # keeps the switches compact when the prompt is hidden
        prompt_row.addWidget(self.language_button)
        prompt_row.addWidget(self.elderly_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(48, 32, 48, 32)
        layout.setSpacing(24)
        layout.addLayout(header)
        layout.addLayout(prompt_row)
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
        columns = 1 if len(self._services) <= 2 else 2
        for index, service in enumerate(self._services):
            tile = ServiceTile(service)
            tile.clicked.connect(lambda _checked=False, s=service: self._post(ServiceChosen(s)))
            self.grid.addWidget(tile, index // columns, index % columns)
            self.tiles.append(tile)
        self._show_tiles_or_notice()

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
