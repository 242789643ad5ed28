"""The demo tour: a few walks offscreen into a folder (screenshots in both languages, index.html),
and a walk whose screen never comes makes the tour fail with a message naming walk, step and
what was on screen. tests/test_cli.py runs the whole tour, as `kiosk demo` without a display."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from kiosk import cli
from kiosk.config import Config
from kiosk.flows.views import MessageView
from kiosk.tour import run as tour_run
from kiosk.tour import walks
from kiosk.tour.index import render_index
from kiosk.tour.run import Shot, TourReport, WalkResult, run_tour
from kiosk.tour.walks import IDENTIFY_ID_CARD, PAYMENT, REGISTRATION, Expect, Step, Walk, nothing, start
from kiosk.tour.world import LANDSCAPE, PORTRAIT
from kiosk.ui.screenshot import Clipped

IMPOSSIBLE = Walk(
    "impossible",
    "payment",
    "Expects a screen no flow shows",
    (*start("payment", shot=True), Step("never", nothing, Expect(MessageView, "No such title", timeout=0.5), "x")),
)


def test_walks_are_named_for_file_names() -> None:
    names = [w.name for w in walks.WALKS]
    assert len(names) == len(set(names))
    for walk in walks.WALKS:
        assert re.fullmatch(r"[a-z0-9-]+", walk.name), walk.name
        assert all(re.fullmatch(r"[a-z0-9-]+", s.name) for s in walk.steps), walk.name
    assert set(walks.HAPPY_PATHS) <= {w.service for w in walks.WALKS}


def test_a_short_tour_writes_both_languages_and_the_index(
    qapp: QApplication, demo_config: Config, tmp_path: Path
) -> None:
    folder = tmp_path / "tour"
    folder.mkdir()
    (folder / "99-old-walk-step-en.png").write_bytes(b"stale")  # from an earlier tour: removed
    lines: list[str] = []
    report = run_tour(
        demo_config,
        folder,
        walks=[IDENTIFY_ID_CARD, PAYMENT],
        sizes=[LANDSCAPE],
        modes=[False],
        progress=lines.append,
        qapp=qapp,
    )
    assert report.ok, report.failures
    assert len(lines) == 2
    assert all(line.startswith("  ok") for line in lines)
    shots = [s for r in report.results for s in r.shots]
    expected = [(w.name, s.name) for w in (IDENTIFY_ID_CARD, PAYMENT) for s in w.steps if s.shot]
    assert [(s.walk, s.step) for s in shots] == expected
    assert [s.number for s in shots] == list(range(1, len(shots) + 1))
    files = sorted(p.name for p in folder.glob("*.png"))
    assert len(files) == report.screenshots == 2 * len(shots)
    assert "06-payment-paid-zh_CN.png" in files
    assert "06-payment-paid-en.png" in files
    image = QImage(str(folder / "01-identify-id-card-home-zh_CN.png"))
    assert (image.width(), image.height()) == (1920, 1080)
    index = report.index.read_text(encoding="utf-8")
    assert report.index == folder / "index.html"
    for name in files:
        assert f'href="{name}"' in index  # relative links
    assert 'id="payment"' in index
    assert index.index("06-payment-paid-zh_CN.png") < index.index("06-payment-paid-en.png")  # side by side
    assert "failed" not in index


def test_an_impossible_expectation_fails_the_tour(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(walks, "WALKS", (IMPOSSIBLE, walks.CARD_REMOVED))
    folder = tmp_path / "tour"
    argv = ["demo", "--tour", str(folder), "--normal", "--landscape", "--config", str(cli.DEMO_CONFIG)]
    assert cli.main(argv) == cli.EXIT_FAILED
    out, err = capsys.readouterr()
    assert "FAIL impossible" in out
    assert "ok   card-removed" in out  # the tour goes on after a failed walk
    assert str((folder / "index.html").resolve()) in out
    assert "walk 'impossible', step 'never'" in err
    assert "MessageView 'No such title'" in err
    assert "the screen shows IdentifyView 'Who are you?'" in err
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "1 walk(s) failed" in index
    assert (folder / "02-impossible-never-failed-en.png").exists()  # what was on screen instead
    assert (folder / "tour.log").exists()


def test_unknown_walk_names_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status = cli.main(["demo", "--tour", str(tmp_path), "--walk", "nope", "--config", str(cli.DEMO_CONFIG)])
    assert status == cli.EXIT_CONFIG
    assert "unknown walk(s) nope" in capsys.readouterr().err


def test_the_index_escapes_every_text(tmp_path: Path) -> None:
    walk = Walk("w", "payment", "<b>about</b> & more", ())
    shot = Shot(1, "w", "s", 'say "<hi>"', {"zh_CN": "01-w-s-zh_CN.png", "en": "01-w-s-en.png"}, ["<clip>"])
    report = TourReport(tmp_path, [WalkResult(walk, [shot], failure="walk 'w': <oops>")], 1.0, ("zh_CN", "en"))
    page = render_index(report)
    assert "<b>about" not in page
    assert "&lt;b&gt;about&lt;/b&gt; &amp; more" in page
    assert "&lt;oops&gt;" in page
    assert "&lt;clip&gt;" in page
    assert "say &quot;&lt;hi&gt;&quot;" in page


@pytest.mark.slow
def test_registration_and_bills_fit_every_mode_and_orientation(
    qapp: QApplication, demo_config: Config, tmp_path: Path
) -> None:
    """The doctors, times, booking and bills screens with the simulator's data, in both languages,
    normal and elderly, landscape and portrait: no text cut (the issue's "¥50.0(", "余 22" for 225,
    "17:0", a missing "Fee: ¥30.00" line and a button shorter than its text)."""
    folder = tmp_path / "tour"
    report = run_tour(demo_config, folder, walks=[REGISTRATION, PAYMENT], qapp=qapp)
    assert report.failures == []
    assert report.clipped == []
    assert report.warnings == []
    assert report.ok
    names = {p.name for p in folder.glob("*.png")}
    elderly_portrait = sorted(n for n in names if n.endswith("-portrait-elderly.png"))
    assert any("-payment-bills-zh_CN-" in n for n in elderly_portrait), elderly_portrait
    assert any("-registration-doctors-en-" in n for n in elderly_portrait), elderly_portrait
    shots = sum(1 for r in report.results for _ in r.shots)
    assert len(names) == shots * 4  # two languages x two orientations, each mode its own shots


def test_portrait_alone_is_named_portrait(qapp: QApplication, demo_config: Config, tmp_path: Path) -> None:
    folder = tmp_path / "tour"
    report = run_tour(demo_config, folder, walks=[IDENTIFY_ID_CARD], sizes=[PORTRAIT], modes=[True], qapp=qapp)
    assert report.ok, report.failures + report.warnings
    names = sorted(p.name for p in folder.glob("*.png"))
    assert names
    assert all(n.endswith("-portrait-elderly.png") for n in names), names
    assert QImage(str(folder / names[0])).size().toTuple() == (1080, 1920)


def test_clipped_text_fails_the_tour_naming_screen_widget_and_text(
    qapp: QApplication, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(walks, "WALKS", (walks.CARD_REMOVED,))
    monkeypatch.setattr(tour_run, "find_clipped", lambda _root: [Clipped("amount", "¥50.0", 120, 80)])
    folder = tmp_path / "tour"
    argv = ["demo", "--tour", str(folder), "--normal", "--landscape", "--config", str(cli.DEMO_CONFIG)]
    assert cli.main(argv) == cli.EXIT_FAILED
    out, err = capsys.readouterr()
    assert "ok   card-removed" in out  # every walk came through: the text alone fails the tour
    assert "card-removed" in err
    assert "zh_CN: text does not fit: amount '¥50.0': needs 120px, has 80px" in err
    assert "screen problem(s)" in err
