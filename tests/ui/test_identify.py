"""The identify screen: the three things to do at the kiosk's devices look like hints (text, no
box around them), and the keypad is the one thing that looks like a button."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel

from kiosk.app import build_kiosk
from kiosk.config import Config
from kiosk.ui.screens.flow import IdentifyScreen
from kiosk.ui.screenshot import SIZES, find_clipped, present
from kiosk.ui.theme import theme_for


@pytest.mark.parametrize("size", list(SIZES))
def test_hints_are_not_boxes_and_the_keypad_is_a_button(qapp: QApplication, demo_config: Config, size: str) -> None:
    kiosk = build_kiosk(demo_config, qapp)
    kiosk.start(fullscreen=False, hide_cursor=False)
    try:
        for elderly in (False, True):
            present(kiosk, "identify", "en", elderly, SIZES[size])
            screen = kiosk.window.current_screen()
            assert isinstance(screen, IdentifyScreen)
            background = QColor(theme_for(elderly).palette.background)
            picture = kiosk.window.grab().toImage()
            keypad = screen.keypad_button
            for way, hint in screen.ways.items():
                assert isinstance(hint, QLabel)
                assert not isinstance(hint, QAbstractButton)
                top_left = hint.mapTo(kiosk.window, hint.rect().topLeft())
                right = top_left.x() + hint.width() - 2  # where a box's right border would be
                middle = top_left.y() + hint.height() // 2
                bottom = top_left.y() + hint.height() - 2
                for x, y in ((right, middle), (top_left.x() + hint.width() // 2, bottom)):
                    assert picture.pixelColor(x, y) == background, f"{way} elderly={elderly} {size}: a border"
                assert hint.height() < 2.5 * keypad.height(), f"{way}: as big as a tile"
            if SIZES[size][0] > SIZES[size][1]:
                assert keypad.width() < screen.width() * 0.75  # a button's size beside the hints
            assert keypad.height() < 2 * keypad.sizeHint().height()  # not a tile
            assert find_clipped(kiosk.window) == []
    finally:
        kiosk.stop()
