"""Both themes, measured: WCAG contrast of every text colour on its background (4.5:1 normally,
7:1 in the elderly high-contrast mode), text whose capitals subtend 0.7 degrees at the viewing
distance (1.5x that in elderly mode) in the theme's real font, line spacing of at least 1.3, and
buttons of at least 20 mm, on the reference panel and on others (kiosk/ui/ergonomics.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, fields

import pytest
from PySide6.QtGui import QFont, QFontInfo, QFontMetricsF
from PySide6.QtWidgets import QApplication, QPushButton

from kiosk.ui.ergonomics import ELDERLY_TEXT_FACTOR, MIN_LINE_SPACING, REFERENCE, Panel
from kiosk.ui.theme import (
    ELDERLY_SCALE,
    FONT_FAMILIES,
    HIGH_CONTRAST,
    NORMAL,
    TEXT_SIZES,
    Palette,
    Sizes,
    ThemeManager,
    theme_for,
)
from tests.conftest import ROOT

QSS = (ROOT / "resources" / "theme" / "kiosk.qss").read_text(encoding="utf-8")


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two #RRGGBB colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


SERVICES = ("registration", "checkin", "payment", "reports")
# Every text a patient reads, as the stylesheet draws it: (what, text colour, background colour).
# Labels are transparent, so they stand on the screen's (or the idle overlay card's) background,
# or on the surface of a notice, a hint box or the letters typed so far.
TEXT_PAIRS = [
    ("text on the screen and the overlay card", "text", "background"),
    ("notice, hint, typed letters", "text", "surface"),
    ("clock, step n of m, help line, page n of m, error codes", "muted", "background"),
    ("countdowns (idle warning, goodbye, QR payment)", "accent_text", "background"),
    ("a button", "text", "surface"),
    ("a button while pressed", "text", "pressed"),
    ("a primary button, a checked button or row", "on_primary", "primary"),
    ("a row or button that cannot be chosen (not ready yet)", "muted", "surface"),
    *((f"{service} tile", "on_tile", f"tile_{service}") for service in SERVICES),
]
# Not text, but what shows where a target is (WCAG 1.4.11, 3:1): button outlines on the screen,
# tiles and primary buttons against the screen.
OUTLINE_PAIRS = [
    ("button outline", "border", "background"),
    ("button outline on a notice", "border", "surface"),
    ("primary button", "primary", "background"),
    *((f"{service} tile", f"tile_{service}", "background") for service in SERVICES),
]
THEMES = [pytest.param(NORMAL, 4.5, id="normal"), pytest.param(HIGH_CONTRAST, 7.0, id="elderly")]


@pytest.mark.parametrize(("palette", "minimum"), THEMES)
def test_every_text_colour_pair_meets_its_contrast(palette: Palette, minimum: float) -> None:
    colours = asdict(palette)
    for name, fg, bg in TEXT_PAIRS:
        ratio = contrast(colours[fg], colours[bg])
        assert ratio >= minimum, f"{name} ({fg} on {bg}): {ratio:.2f} < {minimum}"


@pytest.mark.parametrize("palette", [NORMAL, HIGH_CONTRAST], ids=["normal", "elderly"])
def test_targets_stand_out_from_the_screen(palette: Palette) -> None:
    colours = asdict(palette)
    for name, fg, bg in OUTLINE_PAIRS:
        assert contrast(colours[fg], colours[bg]) >= 3.0, name


def _qss_colours(prop: str) -> set[str]:
    return set(re.findall(rf"(?<![-\w]){prop}:\s*\$(\w+)", QSS))


def test_the_pairs_cover_every_colour_the_stylesheet_uses() -> None:
    """A colour added to the stylesheet must be added to TEXT_PAIRS (and so checked) too."""
    assert _qss_colours("color") <= {fg for _, fg, _ in TEXT_PAIRS}
    assert _qss_colours("background") <= {bg for _, _, bg in TEXT_PAIRS}
    assert {f.name for f in fields(Palette)} >= _qss_colours("color") | _qss_colours("background")


def test_contrast_formula_on_known_values() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


# -- sizes -----------------------------------------------------------------------------------------


def theme_font(pixel_size: int, bold: bool) -> QFont:
    font = QFont()
    font.setFamilies(FONT_FAMILIES)
    font.setPixelSize(pixel_size)
    font.setBold(bold)
    return font


def cap_ratio(bold: bool = False) -> float:
    """The theme font's capital height over its pixel size, as Qt measures it."""
    return QFontMetricsF(theme_font(1000, bold)).capHeight() / 1000


PANELS = [
    pytest.param(REFERENCE, id="21.5in-1080p"),
    pytest.param(Panel(diagonal_in=27), id="27in-1080p"),
    pytest.param(Panel(diagonal_in=21.5, width_px=3840, height_px=2160), id="21.5in-4K"),
    pytest.param(Panel(diagonal_in=32, width_px=1080, height_px=1920, viewing_distance_cm=70), id="32in-portrait-70cm"),
]


def test_the_theme_font_is_noto_sans_cjk(qapp: QApplication) -> None:
    assert QFontInfo(theme_font(37, False)).family().startswith("Noto Sans CJK")
    assert cap_ratio() == pytest.approx(0.733, abs=0.01)


def test_the_reference_numbers(qapp: QApplication) -> None:
    """What the issue's physical rules come to on the kiosk's own 21.5-inch 1080p panel."""
    assert REFERENCE.px_per_mm() == pytest.approx(4.034, abs=0.001)
    assert REFERENCE.min_touch_px() == 81  # 20 mm
    assert REFERENCE.cap_height_mm() == pytest.approx(6.72, abs=0.01)  # 0.7 degrees at 55 cm
    assert REFERENCE.min_cap_height_px() == pytest.approx(27.1, abs=0.1)
    assert REFERENCE.min_font_px(cap_ratio()) == 37
    assert REFERENCE.min_font_px(cap_ratio(), factor=ELDERLY_TEXT_FACTOR) == 56
    assert REFERENCE.scale() == 1.0
    assert Panel(width_px=1080, height_px=1920).scale() == 1.0  # orientation does not matter


@pytest.mark.parametrize("panel", PANELS)
@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_every_text_size_has_capitals_of_at_least_the_minimum_angle(
    qapp: QApplication, panel: Panel, elderly: bool
) -> None:
    sizes = theme_for(elderly, panel).sizes
    needed = panel.min_cap_height_px() * (ELDERLY_TEXT_FACTOR if elderly else 1.0)
    for name in TEXT_SIZES:
        pixels = getattr(sizes, name)
        cap = QFontMetricsF(theme_font(pixels, elderly)).capHeight()
        assert cap >= needed, f"{name}: {pixels}px has capitals of {cap:.1f}px, needs {needed:.1f}px"
        assert pixels >= panel.min_font_px(cap_ratio(elderly), factor=ELDERLY_TEXT_FACTOR if elderly else 1.0)


@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_line_spacing_is_at_least_one_point_three(qapp: QApplication, elderly: bool) -> None:
    """QLabel has no line-height; the font's own leading gives multi-line labels their spacing."""
    for name in TEXT_SIZES:
        pixels = getattr(theme_for(elderly).sizes, name)
        ratio = QFontMetricsF(theme_font(pixels, elderly)).lineSpacing() / pixels
        assert ratio >= MIN_LINE_SPACING, f"{name}: {ratio:.3f}"


@pytest.fixture
def themes(qapp: QApplication) -> Iterator[ThemeManager]:
    manager = ThemeManager(qapp, ROOT / "resources")
    yield manager
    qapp.setStyleSheet("")


@pytest.mark.parametrize("panel", PANELS)
@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_a_one_letter_button_is_at_least_20_mm_square(themes: ThemeManager, panel: Panel, elderly: bool) -> None:
    themes.panel = panel
    themes.apply(elderly)
    for role in (None, "primary", "row", "key"):
        widget = QPushButton("1")
        if role:
            widget.setProperty("role", role)
        widget.ensurePolished()
        hint = widget.sizeHint()
        assert min(hint.width(), hint.height()) >= panel.min_touch_px(), f"{role}: {hint.toTuple()}"


def test_the_theme_follows_the_panel_resolution(themes: ThemeManager) -> None:
    themes.apply(False)
    body = themes.current.sizes.body if themes.current else 0
    themes.set_resolution(1080, 1920)  # the same panel turned: nothing changes
    assert themes.current is not None
    assert themes.current.sizes.body == body
    themes.set_resolution(3840, 2160)  # a 4K panel of the same size: twice the pixels
    assert themes.current.sizes.body == 2 * body
    assert QApplication.font().pixelSize() == 2 * body


def test_elderly_theme_scales_every_text_size() -> None:
    normal, elderly = theme_for(False), theme_for(True)
    assert elderly.elderly
    assert not normal.elderly
    for name in TEXT_SIZES:
        assert getattr(elderly.sizes, name) >= ELDERLY_SCALE * getattr(normal.sizes, name)
    for name in set(asdict(Sizes())) - set(TEXT_SIZES):  # targets and gaps: never smaller
        assert getattr(elderly.sizes, name) >= getattr(normal.sizes, name)
