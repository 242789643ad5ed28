"""Both themes meet WCAG contrast: 4.5:1 normally, 7:1 (AAA) in the elderly mode."""

from __future__ import annotations

import pytest

from kiosk.ui.theme import ELDERLY_SCALE, HIGH_CONTRAST, NORMAL, Palette, Sizes, theme_for


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _pairs(p: Palette) -> list[tuple[str, str, str]]:
    pairs = [
        ("text on background", p.text, p.background),
        ("text on surface", p.text, p.surface),
        ("muted on background", p.muted, p.background),
        ("accent on background", p.accent_text, p.background),
        ("accent on surface", p.accent_text, p.surface),
        ("primary button", p.on_primary, p.primary),
        ("text on pressed", p.text, p.pressed),
    ]
    for service in ("registration", "checkin", "payment", "reports"):
        pairs.append((f"{service} tile", p.on_tile, getattr(p, f"tile_{service}")))
    return pairs


@pytest.mark.parametrize(("palette", "minimum"), [(NORMAL, 4.5), (HIGH_CONTRAST, 7.0)])
def test_every_text_colour_pair_meets_its_contrast(palette: Palette, minimum: float) -> None:
    for name, fg, bg in _pairs(palette):
        assert contrast(fg, bg) >= minimum, f"{name}: {contrast(fg, bg):.2f} < {minimum}"


def test_contrast_formula_on_known_values() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)


def test_elderly_theme_scales_every_size() -> None:
    normal, elderly = theme_for(False), theme_for(True)
    assert elderly.elderly
    assert not normal.elderly
    for field in Sizes.__dataclass_fields__:
        assert getattr(elderly.sizes, field) >= ELDERLY_SCALE * getattr(normal.sizes, field) - 0.5
