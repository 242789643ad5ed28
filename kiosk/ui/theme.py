"""Themes: the normal look and the elderly mode (1.5x text, high contrast), as data.

The stylesheet layout lives in resources/theme/kiosk.qss; a theme only fills in colours and
pixel sizes, so both modes are the same screens. Runs on the GUI thread.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from string import Template

from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

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
    border="#9FB3C8",
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
    """Pixel sizes at scale 1.0; the elderly theme multiplies them."""

    body: int = 30
    small: int = 24
    heading: int = 40
    title: int = 52
    button: int = 32
    tile: int = 56
    touch: int = 96  # minimum touch target height, well above the 9 mm guideline on 21" screens
    tile_height: int = 160  # a minimum: tiles grow to share the free space
    gap: int = 24

    def scaled(self, factor: float) -> Sizes:
        return Sizes(**{k: round(v * factor) for k, v in asdict(self).items()})


@dataclass(frozen=True)
class Theme:
    palette: Palette
    sizes: Sizes
    elderly: bool


ELDERLY_SCALE = 1.5


def theme_for(elderly: bool) -> Theme:
    if elderly:
        return Theme(HIGH_CONTRAST, Sizes().scaled(ELDERLY_SCALE), elderly=True)
    return Theme(NORMAL, Sizes(), elderly=False)


class ThemeManager:
    """Applies a theme to the whole application; cheap to call again with the same mode."""

    def __init__(self, app: QApplication, resources: Path) -> None:
        self._app = app
        self._template = Template((resources / "theme" / "kiosk.qss").read_text(encoding="utf-8"))
        self.current: Theme | None = None

    def stylesheet(self, theme: Theme) -> str:
        values = {**asdict(theme.palette), **{k: str(v) for k, v in asdict(theme.sizes).items()}}
        return self._template.substitute(values)

    def apply(self, elderly: bool) -> Theme:
        theme = theme_for(elderly)
        if theme == self.current:
            return theme
        font = QFont()
        font.setFamilies(FONT_FAMILIES)
        font.setPixelSize(theme.sizes.body)
        font.setBold(theme.elderly)  # heavier strokes read better for older eyes
        self._app.setFont(font)
        self._app.setStyleSheet(self.stylesheet(theme))
        self.current = theme
        return theme
