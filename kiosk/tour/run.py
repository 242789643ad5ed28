"""Runs the walks of the demo tour offscreen, each in a fresh world, and saves a numbered
screenshot of each shot step in every language (``NN-<walk>-<step>-<locale>.png``, portrait ones
with ``-portrait``, elderly mode with ``-elderly``), then ``index.html`` to look through them.

By default every walk runs twice, in normal and in elderly mode (a session that starts in elderly
mode: the flows show fewer choices a page), and every step is pictured landscape and portrait.
Any text that does not fit its widget, and any English phrase on a Chinese screen, is a problem
that fails the tour, named by walk, step, language, size, widget and text.

Every screenshot of a step shows the same screen: the kiosk stays in its session's language while
the patient walks, and for each picture the screens are re-rendered in one language after the
other (Qt sends every widget a LanguageChange), then put back. A step whose screen does not
appear in time ends its walk with a failure naming the walk, the step and what was on screen; the
tour goes on with the next walk. GUI thread only; the caller owns the QApplication (offscreen).
"""

from __future__ import annotations

import logging
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QAbstractButton, QApplication, QLabel, QWidget

from kiosk.adminpin import verify_pin
from kiosk.config import SUPPORTED_LOCALES, Config
from kiosk.flows.registry import implemented_services
from kiosk.flows.views import View
from kiosk.tour.driver import NotShown, describe
from kiosk.tour.index import write_index
from kiosk.tour.walks import DEMO_PIN, MAINTENANCE, WALKS, Step, Walk
from kiosk.tour.world import LANDSCAPE, PORTRAIT, DemoWorld
from kiosk.ui.rows import plain
from kiosk.ui.screenshot import find_clipped

log = logging.getLogger(__name__)

# The kiosk's default language first: the picture a patient sees before choosing another.
LOCALES: tuple[str, ...] = ("zh_CN", *(loc for loc in SUPPORTED_LOCALES if loc != "zh_CN"))
# Files an earlier tour wrote; removed before a new one so the folder matches its index.
_OLD_SHOT = re.compile(r"^\d{2,4}-[a-z0-9-]+-(zh_CN|en)(-portrait)?(-elderly)?\.png$")
MODES: tuple[bool, ...] = (False, True)  # normal, elderly
SIZES: tuple[tuple[int, int], ...] = (LANDSCAPE, PORTRAIT)
# A text of three or more English words and no Chinese on a Chinese screen: most likely a missing
# translation (a HIS's own reason may mix both languages and is shown as it is).
_ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,}){2,}")
_CJK = re.compile(r"[\u3400-\u9fff]")


class StepFailed(Exception):
    def __init__(self, walk: str, step: str, detail: str) -> None:
        super().__init__(f"walk {walk!r}, step {step!r}: {detail}")
        self.walk, self.step, self.detail = walk, step, detail


@dataclass
class Shot:
    number: int
    walk: str
    step: str
    caption: str
    files: dict[str, str]  # "zh_CN", "en", "zh_CN-portrait"... → file name in the folder
    warnings: list[str] = field(default_factory=list)  # texts that do not fit or look untranslated
    failed: bool = False
    elderly: bool = False


@dataclass
class WalkResult:
    walk: Walk
    shots: list[Shot] = field(default_factory=list)
    seconds: float = 0.0
    failure: str | None = None
    skipped: str | None = None
    elderly: bool = False


@dataclass
class TourReport:
    folder: Path
    results: list[WalkResult]
    seconds: float
    locales: tuple[str, ...]

    @property
    def index(self) -> Path:
        return self.folder / "index.html"

    @property
    def failures(self) -> list[str]:
        return [r.failure + (" (elderly mode)" if r.elderly else "") for r in self.results if r.failure is not None]

    @property
    def ok(self) -> bool:
        """Every walk came through and every screen showed all its text, translated."""
        return not self.failures and not self.warnings

    @property
    def screenshots(self) -> int:
        return sum(len(s.files) for r in self.results for s in r.shots)

    @property
    def warnings(self) -> list[str]:
        return [f"{s.number:02d} {s.walk} {s.step}: {w}" for r in self.results for s in r.shots for w in s.warnings]

    @property
    def clipped(self) -> list[str]:
        return [w for w in self.warnings if "text does not fit" in w]


class PngWriter:
    """Encodes screenshots on worker threads while the walks go on (Qt's PNG writer holds the
    GIL for ~150 ms a picture; Pillow's encoder releases it). The image is copied on the GUI
    thread, so the screen may change at once."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tour-png")
        self._pending: list[Future[None]] = []

    def write(self, image: QImage, path: Path) -> None:
        rgb = image.convertToFormat(QImage.Format.Format_RGB888)
        data = bytes(rgb.constBits())
        size, stride = (rgb.width(), rgb.height()), rgb.bytesPerLine()
        self._pending.append(self._pool.submit(_encode, data, size, stride, path))

    def close(self) -> None:
        """Waits for every picture; raises the first error."""
        try:
            for future in self._pending:
                future.result()
        finally:
            self._pool.shutdown()
            self._pending.clear()


def _encode(data: bytes, size: tuple[int, int], stride: int, path: Path) -> None:
    picture = Image.frombuffer("RGB", size, data, "raw", "RGB", stride, 1)
    picture.save(path, "PNG", compress_level=3)


def run_walk(world: DemoWorld, walk: Walk, after: Callable[[Step, View], None] | None = None) -> None:
    """Walks ``walk`` in ``world``; ``after`` sees each step's screen. Raises StepFailed."""
    driver = world.driver
    for step in walk.steps:
        try:
            step.act(world)
        except Exception as exc:
            raise StepFailed(walk.name, step.name, f"{step.caption}: {exc}") from exc
        expect = step.expect
        try:
            view = driver.wait_for(expect.view, expect.timeout, expect.accepts)
        except NotShown:
            detail = f"waited {expect.timeout:g}s for {expect}; the screen shows {describe(driver.view)}"
            raise StepFailed(walk.name, step.name, detail) from None
        if after is not None:
            after(step, view)


def run_tour(
    config: Config,
    folder: Path,
    *,
    walks: Sequence[Walk] = WALKS,
    locales: Sequence[str] = LOCALES,
    sizes: Sequence[tuple[int, int]] = SIZES,
    modes: Sequence[bool] = MODES,
    progress: Callable[[str], None] = lambda line: None,
    qapp: QApplication | None = None,
) -> TourReport:
    """Runs ``walks`` in each of ``modes`` (False normal, True elderly) and writes the screenshots
    in each of ``sizes`` and ``locales`` and index.html into ``folder``."""
    if qapp is None:
        existing = QApplication.instance()
        qapp = existing if isinstance(existing, QApplication) else QApplication(["kiosk-tour"])
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if _OLD_SHOT.match(old.name):
            old.unlink()
    if not sizes or not modes:
        raise ValueError("the tour needs at least one size and one mode")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kiosk-tour-") as scratch:
        tour = _Tour(config, qapp, folder, Path(scratch), tuple(locales), tuple(sizes), progress)
        try:
            for elderly in modes:
                if len(modes) > 1:
                    progress("elderly mode:" if elderly else "normal mode:")
                tour.config = _in_mode(config, elderly)
                tour.elderly = elderly
                for walk in walks:
                    tour.walk(walk)
        finally:
            tour.writer.close()
    report = TourReport(folder, tour.results, time.monotonic() - started, tuple(locales))
    write_index(report)
    return report


@dataclass
class _Tour:
    config: Config
    qapp: QApplication
    folder: Path
    scratch: Path  # each walk's world gets a folder in here
    locales: tuple[str, ...]
    sizes: tuple[tuple[int, int], ...]
    progress: Callable[[str], None]
    results: list[WalkResult] = field(default_factory=list)
    writer: PngWriter = field(default_factory=PngWriter)
    shots: int = 0
    elderly: bool = False

    def walk(self, walk: Walk) -> None:
        result = WalkResult(walk, elderly=self.elderly)
        self.results.append(result)
        skipped = self._skip_reason(walk)
        if skipped is not None:
            result.skipped = skipped
            self.progress(f"  skip {walk.name}: {result.skipped}")
            return
        self._walk_once(result)
        line = f"{walk.name} ({len(result.shots)} screens, {result.seconds:.1f} s)"
        self.progress(f"  FAIL {line}: {result.failure}" if result.failure else f"  ok   {line}")

    def _skip_reason(self, walk: Walk) -> str | None:
        if walk.service == MAINTENANCE:
            admin = self.config.admin
            known = any(verify_pin(DEMO_PIN, h) for h in (admin.pin_hash, *admin.staff.values()) if h)
            return None if known and not admin.staff else "the admin walk knows only the demo's maintenance PIN"
        offered = {str(s) for s in self.config.kiosk.services} & set(implemented_services())
        return None if walk.service in offered else f"this kiosk offers no {walk.service!r} service"

    def _walk_once(self, result: WalkResult) -> None:
        walk = result.walk
        started = time.monotonic()
        world = DemoWorld(self.config, self.qapp, self.scratch / f"{len(self.results):02d}", size=self.sizes[0])

        def after(step: Step, view: View) -> None:
            if step.shot:
                self._shoot(world, result, step, step.caption)

        try:
            world.start()
            run_walk(world, walk, after)
        except StepFailed as exc:
            result.failure = str(exc)
            log.warning("tour: %s", exc)
            failed = next((s for s in walk.steps if s.name == exc.step), None)
            if failed is not None:
                try:
                    self._shoot(world, result, failed, f"On screen instead: {exc.detail}", failed=True)
                except Exception:
                    log.exception("tour: no screenshot of the failed step")
        except Exception as exc:  # the world itself (a port, the simulator): this walk only
            log.exception("tour: walk %s could not run", walk.name)
            result.failure = f"walk {walk.name!r}: could not run: {type(exc).__name__}: {exc}"
        finally:
            try:
                world.close()
            finally:
                result.seconds = time.monotonic() - started

    def _shoot(self, world: DemoWorld, result: WalkResult, step: Step, caption: str, failed: bool = False) -> None:
        self.shots += 1
        stem = f"{self.shots:02d}-{result.walk.name}-{step.name}{'-failed' if failed else ''}"
        name = step.name + (" (failed)" if failed else "") + (" (elderly)" if self.elderly else "")
        shot = Shot(self.shots, result.walk.name, name, caption, {}, failed=failed, elderly=self.elderly)
        result.shots.append(shot)
        self._take(world, stem, shot)

    def _take(self, world: DemoWorld, stem: str, shot: Shot) -> None:
        """Saves the screen in each size and language, noting texts that do not fit or look untranslated."""
        kiosk = world.kiosk
        window = kiosk.window
        session_locale = kiosk.translations.locale
        first = window.size().toTuple()
        try:
            for size in self.sizes:
                suffix = "" if size == LANDSCAPE else "-portrait" if size == PORTRAIT else f"-{size[0]}x{size[1]}"
                if window.size().toTuple() != size:
                    window.resize(*size)
                for locale in self.locales:
                    kiosk.translations.set_locale(locale)
                    _settle(world.qapp)
                    name = f"{stem}-{locale}{suffix}{'-elderly' if self.elderly else ''}.png"
                    pixmap = window.grab()
                    if pixmap.isNull():
                        raise OSError(f"could not render the screen for {name}")
                    self.writer.write(pixmap.toImage(), self.folder / name)
                    where = f"{locale}{suffix}"
                    shot.files[where] = name
                    shot.warnings.extend(f"{where}: text does not fit: {c}" for c in find_clipped(window))
                    if locale == "zh_CN":
                        shot.warnings.extend(f"{where}: looks untranslated: {t!r}" for t in _english_texts(window))
        finally:
            if session_locale is not None:
                kiosk.translations.set_locale(session_locale)
            if window.size().toTuple() != first:
                window.resize(*first)
            _settle(world.qapp)


def _in_mode(config: Config, elderly: bool) -> Config:
    """``config`` with every session starting in elderly mode, or in normal mode."""
    return config.model_copy(update={"ui": config.ui.model_copy(update={"elderly_mode_default": elderly})})


def _settle(qapp: QApplication) -> None:
    for _ in range(3):  # layout needs a few passes after a language or size change
        qapp.processEvents()


def _english_texts(root: QWidget) -> list[str]:
    found = []
    for widget in root.findChildren(QWidget):
        if isinstance(widget, QLabel | QAbstractButton) and widget.isVisibleTo(root):
            text = plain(widget.text())
            if _ENGLISH_PHRASE.search(text) and not _CJK.search(text):
                found.append(text)
    return found
