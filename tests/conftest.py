"""Shared fixtures. Qt must see the offscreen platform before it is first imported."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from kiosk.config import Config, load_config
from tests.support import FakeClock

ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = ROOT / "config.yaml"


@pytest.fixture(autouse=True)
def _delete_stopped_windows() -> Iterator[None]:
    """A stopped kiosk deleteLater()s its window, but a test that only calls processEvents()
    never returns to an event loop that deletes it: without this, every later kiosk restyles
    and retranslates all the windows before it, and each test's set-up takes longer."""
    yield
    from PySide6.QtCore import QCoreApplication, QEvent

    if QCoreApplication.instance() is not None:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture
def demo_config(tmp_path: Path) -> Config:
    """The demo configuration with its journal (and the sandbox's orders) in a fresh folder."""
    return load_config(DEMO_CONFIG).model_copy(update={"journal_path": tmp_path / "journal.sqlite"})


@pytest.fixture
def demo_yaml() -> dict[str, object]:
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Writes YAML text to a config file in a temporary folder and returns its path."""

    def write(text: str, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _no_stray_timers(clock: FakeClock) -> Iterator[None]:
    yield
    clock.cancel_all()
