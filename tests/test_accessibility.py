"""Every screen, both languages, both modes, both orientations, measured on the configured panel:
buttons at least 20 mm high and wide, text whose capitals subtend at least 0.7 degrees at the
viewing distance (1.5x that in elderly mode), line spacing at least 1.3, text contrast as drawn
at least 4.5:1 (7:1 in elderly mode), and no more than four choices a screen in elderly mode.

The walk is kiosk/ui/screenshot.py's (the same one the clipping test takes); the palette's own
pairs and the theme's sizes are checked without widgets in tests/test_theme.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QFontDatabase, QFontInfo, QFontMetricsF, QImage
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config
from kiosk.flows.service import ELDERLY_PAGE_SIZE
from kiosk.ui.ergonomics import ELDERLY_TEXT_FACTOR, MIN_LINE_SPACING, Panel
from kiosk.ui.screenshot import SIZES, present, walk
from tests.support import FakeClock, ManualExecutor, step_flows
from tests.test_theme import contrast

SERVICES = ("registration", "checkin", "payment", "reports")
CHOICE_ROLES = ("row", "tile")  # list rows, department tiles, the home screen's service tiles


def make_kiosk(qapp: QApplication, config: Config, clock: FakeClock) -> Kiosk:
    built = build_kiosk(config, qapp, flows=step_flows(*SERVICES), clock=clock, executor=ManualExecutor())
    built.start(fullscreen=False, hide_cursor=False)
    return built


@pytest.fixture
def kiosk(qapp: QApplication, demo_config: Config, clock: FakeClock) -> Iterator[Kiosk]:
    built = make_kiosk(qapp, demo_config, clock)
    yield built
    built.stop()


def texts(root: QWidget) -> Iterator[QLabel | QAbstractButton]:
    """The visible texts a patient can see: under an overlay (the idle warning, a voice
    question: the widgets named "overlay" that dim the screen), only the overlay's own."""
    overlays = [w for w in root.findChildren(QWidget, "overlay") if w.isVisible()]
    for widget in root.findChildren(QWidget):
        if not (isinstance(widget, QLabel | QAbstractButton) and widget.isVisibleTo(root) and widget.text()):
            continue
        if overlays and not any(o.isAncestorOf(widget) for o in overlays):
            continue
        yield widget


def buttons(root: QWidget) -> list[QAbstractButton]:
    return [w for w in root.findChildren(QAbstractButton) if w.isVisibleTo(root)]


def _hex(pixel: int) -> str:
    return f"#{pixel & 0xFFFFFF:06X}"


def drawn_contrast(image: QImage, root: QWidget, widget: QWidget) -> tuple[float, str, str]:
    """The contrast of a text as drawn: its most common colour (the background) against the
    colour of at least a few dozen of its pixels that stands out most (the glyphs' solid cores;
    antialiased edges only ever stand out less)."""
    rect = widget.contentsRect()
    rect.moveTopLeft(widget.mapTo(root, rect.topLeft()))
    crop = image.copy(rect.intersected(image.rect()))
    counts = Counter(memoryview(crop.constBits()).cast("I"))
    background = _hex(counts.most_common(1)[0][0])
    enough = max(24, crop.width() * crop.height() // 2000)
    ratio, text = max((contrast(_hex(p), background), _hex(p)) for p, n in counts.items() if n >= enough)
    return ratio, text, background


def check_screen(kiosk: Kiosk, panel: Panel, elderly: bool, where: str, *, drawn: bool = True) -> None:
    window = kiosk.window
    factor = ELDERLY_TEXT_FACTOR if elderly else 1.0
    touch = panel.min_touch_px()
    cap = panel.min_cap_height_px() * factor
    image = window.grab().toImage().convertToFormat(QImage.Format.Format_RGB32) if drawn else None
    for widget in buttons(window):
        size = (widget.width(), widget.height())
        assert min(size) >= touch, f"{where}: button {widget.text()!r} is {size}, less than {touch}px (20 mm)"
    for widget in texts(window):
        font = widget.font()
        metrics = QFontMetricsF(font)
        name = f"{where}: {type(widget).__name__} {widget.text()[:30]!r}"
        capitals = metrics.capHeight()
        assert capitals >= cap, f"{name}: {font.pixelSize()}px has capitals of {capitals:.1f}px < {cap:.1f}"
        assert metrics.lineSpacing() >= MIN_LINE_SPACING * font.pixelSize(), f"{name}: line spacing"
        if image is not None:
            ratio, fg, bg = drawn_contrast(image, window, widget)
            minimum = 7.0 if elderly else 4.5
            assert ratio >= minimum, f"{name}: drawn {fg} on {bg} is {ratio:.2f}:1 < {minimum}"
    if elderly:
        choices = [b for b in buttons(window) if b.property("role") in CHOICE_ROLES]
        assert len(choices) <= ELDERLY_PAGE_SIZE, f"{where}: {len(choices)} choices"


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("elderly", [False, True])
def test_every_screen_meets_the_physical_rules(kiosk: Kiosk, size: str, locale: str, elderly: bool) -> None:
    ui = kiosk.config.ui
    for screen in walk(kiosk, locale, elderly, SIZES[size]):
        panel = kiosk.themes.panel
        assert (panel.diagonal_in, panel.viewing_distance_cm) == (ui.screen_diagonal_in, ui.viewing_distance_cm)
        assert (panel.width_px, panel.height_px) == SIZES[size]  # the window is the panel
        check_screen(kiosk, panel, elderly, f"{screen} {locale} elderly={elderly} {size}")


@pytest.mark.parametrize(
    "display",
    [
        pytest.param((27.0, (1920, 1080), False), id="27in-1080p"),
        pytest.param((21.5, (3840, 2160), True), id="21.5in-4K-elderly"),
    ],
)
def test_another_panel_keeps_the_physical_sizes(
    qapp: QApplication, demo_config: Config, clock: FakeClock, display: tuple[float, tuple[int, int], bool]
) -> None:
    """The theme scales with the panel: smaller pixels on a bigger panel, twice the pixels at 4K."""
    diagonal, size, elderly = display
    ui = demo_config.ui.model_copy(update={"screen_diagonal_in": diagonal})
    built = make_kiosk(qapp, demo_config.model_copy(update={"ui": ui}), clock)
    try:
        for screen in walk(built, "zh_CN", elderly, size):
            panel = built.themes.panel
            assert panel.diagonal_in == diagonal
            check_screen(built, panel, elderly, f"{screen} {diagonal}in {size}", drawn=False)
    finally:
        built.stop()


def test_screens_built_before_the_first_theme_take_its_font(
    qapp: QApplication, demo_config: Config, clock: FakeClock
) -> None:
    """As at start-up (and in ``kiosk screenshot``): the screens are built with the platform's
    font, then the theme is applied once. Every text must then be in the theme's font (the
    platform's DejaVu has no Chinese and a line spacing of 1.16)."""
    qapp.setStyleSheet("")
    qapp.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont))
    built = build_kiosk(demo_config, qapp, flows=step_flows(*SERVICES), clock=clock, executor=ManualExecutor())
    try:
        present(built, "home", "en", False, SIZES["1920x1080"])
        families = {QFontInfo(w.font()).family() for w in texts(built.window)}
        assert {f.split(" CJK")[0] for f in families} == {"Noto Sans"}, families
    finally:
        built.stop()
