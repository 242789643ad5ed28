"""Every sound-alike pair on every demo screen, listed and checked: each of its two phrases is
read back ("您说：内科 — 确定要这样做吗？") before anything is posted.

The screens: the sample flow screens the screenshots and the tour show (both modes: a list's
page holds six rows, four in elderly mode), the demo HIS's department pages, the home screen and
the idle warning, with the Chinese texts as the kiosk shows them. Pairs come from pinyin with
tones and accent merges (kiosk.voice.soundalike). ``-s`` prints the listing."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.app import RESOURCES
from kiosk.flows.views import HomeView, IdleWarningView, ListItem, ListView, Step, Text, View
from kiosk.his.simulator.seed import DEPARTMENTS
from kiosk.ui.i18n import Translations
from kiosk.ui.screens.flow import translate
from kiosk.ui.screenshot import SAMPLE_FLOW_VIEWS, sample_view
from kiosk.voice.commands import screen_commands


@pytest.fixture
def chinese(qapp: QApplication) -> Iterator[None]:
    translations = Translations(qapp, RESOURCES)
    translations.load_all()
    translations.set_locale("zh_CN")
    try:
        yield
    finally:
        translations.release()


def demo_screens() -> dict[str, View]:
    screens: dict[str, View] = {
        "home": HomeView(("registration", "checkin", "payment", "reports")),
        "idle_warning": IdleWarningView(deadline=0.0, extensions_left=3),
    }
    for elderly in (False, True):
        for name in SAMPLE_FLOW_VIEWS:
            screens[f"{name}{' (elderly)' if elderly else ''}"] = sample_view(name, elderly)
    names = [name for name, _ in DEPARTMENTS]
    for size in (6, 4):  # the department tiles, page by page, as the demo HIS lists them
        for page, first in enumerate(range(0, len(names), size)):
            items = tuple(ListItem(f"d{i}", Text("%1", (n,))) for i, n in enumerate(names[first : first + size], first))
            screens[f"departments p{page + 1}/{size}"] = ListView(
                Step("registration", 2, 7), Text("Choose a department"), can_go_back=False, items=items, tiles=True
            )
    return screens


@pytest.mark.usefixtures("chinese")
def test_every_sound_alike_pair_on_every_demo_screen_is_read_back() -> None:
    listing: dict[str, list[tuple[str, str]]] = {}
    for name, view in demo_screens().items():
        table = screen_commands(view, "zh_CN", translate)
        pairs = table.alike_pairs()
        listing[name] = pairs
        for phrase in table.phrases:  # a row's title never becomes a phrase with its raw digits
            assert phrase.isdigit() or not any(ch.isdigit() for ch in phrase), f"{name}: {phrase!r}"
        for a, b in pairs:
            for said in (a, b):
                command = table.match(said)
                if command is None:  # a phrase shared by two choices asks which one instead
                    continue
                assert command.event is None or command.confirm, (
                    f"{name}: {said!r} (sounds like {a if said == b else b!r})"
                )
    for name, pairs in listing.items():
        sys.stdout.write(f"{name}: " + ", ".join(f"{a}/{b}" for a, b in pairs) + "\n")  # -s shows the listing
    flat = {frozenset(p) for pairs in listing.values() for p in pairs}
    assert frozenset(("内科", "外科")) in flat  # the demo's first department page
    assert sum(len(p) for p in listing.values()) > 20  # the listing is real, not empty


@pytest.mark.usefixtures("chinese")
def test_a_choice_without_a_sound_alike_is_not_read_back() -> None:
    page = demo_screens()["departments p1/6"]
    table = screen_commands(page, "zh_CN", translate)
    eye = table.match("眼科")
    assert eye is not None
    assert not eye.confirm  # safety where it is needed, no question where it is not
