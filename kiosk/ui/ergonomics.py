"""Physical sizes on the kiosk's panel: millimetres and visual angles in pixels.

The issue's numbers are physical: text whose capital letters subtend at least 0.7° at the
viewing distance, touch targets at least 20 mm. How many pixels that is depends on the panel
(its diagonal and resolution) and on how far the patient stands, so the theme takes a scale
factor from here. Pure arithmetic: no Qt, usable on any thread.

The reference panel is the one the theme's pixel sizes were drawn for: 21.5 inches, 1920x1080,
read from 55 cm. There 1 mm is 4.03 px, 20 mm is 81 px, and a cap height of 0.7° is 6.72 mm
(27.1 px): 37 px of Noto Sans CJK, whose capitals are 0.733 of its pixel size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MM_PER_INCH = 25.4
MIN_CAP_ANGLE_DEG = 0.7  # the capital height's visual angle at the viewing distance (normal mode)
ELDERLY_TEXT_FACTOR = 1.5  # elderly mode: text at least this many times the normal minimum
MIN_TOUCH_MM = 20.0  # every button, both its height and its width
MIN_LINE_SPACING = 1.3  # baseline to baseline, in units of the font's pixel size
# Noto Sans CJK's capital height over its pixel size (OS/2 sCapHeight 733 of 1000 units); a test
# measures the installed font with QFontMetricsF.capHeight().
NOTO_CAP_RATIO = 0.733


@dataclass(frozen=True)
class Panel:
    """The kiosk's display and where the patient's eyes are.

    ``width_px`` x ``height_px`` are the pixels the kiosk's window covers (full screen: the
    panel's resolution in Qt's logical pixels, so a 4K panel that Qt scales by 2 counts as
    1920x1080 and needs no bigger sizes). Orientation does not matter.
    """

    diagonal_in: float = 21.5
    width_px: int = 1920
    height_px: int = 1080
    viewing_distance_cm: float = 55.0

    def px_per_mm(self) -> float:
        return math.hypot(self.width_px, self.height_px) / (self.diagonal_in * MM_PER_INCH)

    def mm_to_px(self, mm: float) -> float:
        return mm * self.px_per_mm()

    def min_touch_px(self, mm: float = MIN_TOUCH_MM) -> int:
        """The smallest whole number of pixels that is at least ``mm`` on this panel."""
        return math.ceil(self.mm_to_px(mm) - 1e-9)

    def cap_height_mm(self, degrees: float = MIN_CAP_ANGLE_DEG) -> float:
        """The height that subtends ``degrees`` at the viewing distance (centred on the eye)."""
        return 2 * self.viewing_distance_cm * 10 * math.tan(math.radians(degrees) / 2)

    def min_cap_height_px(self, degrees: float = MIN_CAP_ANGLE_DEG) -> float:
        return self.mm_to_px(self.cap_height_mm(degrees))

    def min_font_px(
        self, cap_ratio: float = NOTO_CAP_RATIO, *, degrees: float = MIN_CAP_ANGLE_DEG, factor: float = 1.0
    ) -> int:
        """The smallest font pixel size whose capitals are ``factor`` times the minimum height.

        ``cap_ratio`` is the font's cap height over its pixel size (QFontMetricsF.capHeight()
        divided by the pixel size); elderly mode asks with ``factor=ELDERLY_TEXT_FACTOR``.
        """
        if cap_ratio <= 0:
            raise ValueError("cap_ratio must be positive")
        return math.ceil(factor * self.min_cap_height_px(degrees) / cap_ratio - 1e-9)

    def scale(self, reference: Panel | None = None) -> float:
        """How much bigger, in pixels, everything must be here than on ``reference``.

        Touch targets follow the pixel density; text follows it times the viewing distance. The
        larger of the two scales everything, so both kinds of size stay at least their minimum.
        """
        ref = reference if reference is not None else REFERENCE
        density = self.px_per_mm() / ref.px_per_mm()
        distance = self.viewing_distance_cm / ref.viewing_distance_cm
        return density * max(1.0, distance)


REFERENCE = Panel()
