"""Themes: the normal look and the elderly mode (1.5x text, high contrast), as data.

The stylesheet layout lives in resources/theme/kiosk.qss; a theme only fills in colours and
pixel sizes, so both modes are the same screens. The sizes are physical (kiosk/ui/ergonomics.py):
capitals of at least 0.7 degrees at the viewing distance (1.5x in elderly mode), buttons of at
least 20 mm, for the panel in the configuration at the window's resolution. Contrast: at least
4.5:1 for every text in the normal theme, 7:1 in the elderly one (tests/test_theme.py); line
spacing comes from the font's own leading (Noto Sans CJK: 1.45). Runs on the GUI thread.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from string import Template

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.ui.ergonomics import ELDERLY_TEXT_FACTOR, REFERENCE, Panel

# Noto Sans CJK has every glyph a Chinese screen needs; WenQuanYi is the small fallback.
FONT_FAMILIES = ["Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", "sans-serif"]


@dataclass(frozen=True)
class Palette:
    background: str
    surface: str
    text: str
    muted: str
    border: str
    pressed: str
    primary: str
    on_primary: str
    accent_text: str
    on_tile: str
    tile_border: str
    tile_registration: str
    tile_checkin: str
    tile_payment: str
    tile_reports: str


# Every text/background pair here is checked against WCAG contrast in tests/test_theme.py:
# at least 4.5:1 in the normal theme and 7:1 in the elderly theme.
NORMAL = Palette(
    background="#F3F6F9",
    surface="#FFFFFF",
    text="#102A43",
    muted="#3E5468",
    border="#7B8FA3",  # outlines 3:1 against the screen (WCAG 1.4.11): a target shows where it is
    pressed="#D9E2EC",
    primary="#0B5CAD",
    on_primary="#FFFFFF",
    accent_text="#A33B00",
    on_tile="#FFFFFF",
    tile_border="#FFFFFF",
    tile_registration="#0B5CAD",
    tile_checkin="#00695C",
    tile_payment="#A33B00",
    tile_reports="#5E35B1",
)

HIGH_CONTRAST = Palette(
    background="#000000",
    surface="#000000",
    text="#FFFFFF",
    muted="#FFFFFF",
    border="#FFFFFF",
    pressed="#333333",
    primary="#FFE000",
    on_primary="#000000",
    accent_text="#FFE000",
    on_tile="#000000",
    tile_border="#FFFFFF",
    tile_registration="#FFE000",
    tile_checkin="#7CF0FF",
    tile_payment="#FFB84D",
    tile_reports="#B8F28A",
)


@dataclass(frozen=True)
class Sizes:
    """Pixel sizes on the reference panel (21.5", 1920x1080, read from 55 cm) in normal mode.

    Every text a patient reads is at least ``small``: 37 px, the smallest Noto Sans CJK size
    whose capitals subtend 0.7 degrees at 55 cm there (kiosk/ui/ergonomics.py). That includes
    the help line, "page n of m", the clock and the error codes (a patient reads a code out to
    the staff), so there is no smaller print at all. Every button is at least 20 mm (81 px) high
    and wide. Elderly mode scales the text 1.5x (:meth:`elderly`); another panel scales
    everything (:meth:`scaled`).
    """

    small: int = 37  # the minimum: help line, page n of m, error codes, the clock
    body: int = 37
    heading: int = 40  # prompts and notices
    title: int = 46
    button: int = 37
    tile: int = 52
    # A button's least content height and width (the stylesheet's min-height / min-width; its
    # padding and border come on top): 20 mm is 81 px here, a normal button is 98 px (24 mm) high.
    touch: int = 76
    target: int = 81
    tile_height: int = 160  # a minimum: tiles grow to share the free space
    gap: int = 24

    def scaled(self, factor: float) -> Sizes:
        """Every size times ``factor``, rounded up (a minimum stays a minimum)."""
        return Sizes(**{k: math.ceil(v * factor - 1e-9) for k, v in asdict(self).items()})

    def elderly(self) -> Sizes:
        """Text 1.5x. Targets and spacing stay: a button grows with its text (to 104 px, 26 mm),
        and four two-line choices still fit on 1080 lines."""
        return replace(self, **{k: math.ceil(getattr(self, k) * ELDERLY_SCALE - 1e-9) for k in TEXT_SIZES})


TEXT_SIZES = ("small", "body", "heading", "title", "button", "tile")
ELDERLY_SCALE = ELDERLY_TEXT_FACTOR  # 1.5


@dataclass(frozen=True)
class Theme:
    palette: Palette
    sizes: Sizes
    elderly: bool


def theme_for(elderly: bool, panel: Panel = REFERENCE) -> Theme:
    """The theme for one mode on ``panel``: the reference sizes scaled to its pixel density and
    viewing distance (see Panel.scale)."""
    scale = panel.scale()
    if elderly:
        return Theme(HIGH_CONTRAST, Sizes().elderly().scaled(scale), elderly=True)
    return Theme(NORMAL, Sizes().scaled(scale), elderly=False)


class ThemeManager:
    """Applies a theme to the whole application; cheap to call again with the same mode.

    ``panel`` is the display from the configuration; its resolution follows the kiosk's window
    (:meth:`follow`), which is full screen in production and the simulated panel's size in
    screenshots and tests. A resolution that changes the scale re-applies the theme.
    """

    def __init__(self, app: QApplication, resources: Path, panel: Panel = REFERENCE) -> None:
        self._app = app
        self._template = Template((resources / "theme" / "kiosk.qss").read_text(encoding="utf-8"))
        self.panel = panel
        self.current: Theme | None = None
        self._resize_filter: _ResizeFilter | None = None

    def stylesheet(self, theme: Theme) -> str:
        values = {**asdict(theme.palette), **{k: str(v) for k, v in asdict(theme.sizes).items()}}
        return self._template.substitute(values)

    def apply(self, elderly: bool) -> Theme:
        theme = theme_for(elderly, self.panel)
        if theme == self.current:
            return theme
        font = QFont()
        font.setFamilies(FONT_FAMILIES)
        font.setPixelSize(theme.sizes.body)
        font.setBold(theme.elderly)  # heavier strokes read better for older eyes
        self._app.setFont(font)
        # The widgets learn the new font from posted events; the stylesheet below re-polishes
        # them at once, resolving its font sizes against each widget's font. Without the font
        # first, widgets built before the first theme (every screen, at start-up) keep the
        # platform's default family (DejaVu: no CJK, line spacing 1.16).
        QCoreApplication.sendPostedEvents(None, QEvent.Type.ApplicationFontChange)
        self._app.setStyleSheet(self.stylesheet(theme))
        self.current = theme
        return theme

    def set_resolution(self, width: int, height: int) -> None:
        """The window now covers ``width`` x ``height`` pixels of the panel."""
        if width <= 0 or height <= 0 or (width, height) == (self.panel.width_px, self.panel.height_px):
            return
        self.panel = replace(self.panel, width_px=width, height_px=height)
        if self.current is not None:
            self.apply(self.current.elderly)  # a no-op unless the scale changed

    def follow(self, window: QWidget) -> None:
        """Keeps the panel's resolution at ``window``'s size."""
        self._resize_filter = _ResizeFilter(self, window)
        window.installEventFilter(self._resize_filter)


class _ResizeFilter(QObject):
    def __init__(self, themes: ThemeManager, window: QWidget) -> None:
        super().__init__(window)
        self._themes = themes
        self._window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._window and event.type() == QEvent.Type.Resize:
            size = self._window.size()
            self._themes.set_resolution(size.width(), size.height())
        return False
