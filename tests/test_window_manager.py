"""Alt+F4 and Alt+Tab against the real kiosk window under a real window manager.

Offscreen there is no window manager, so these keys never reach anything that could close or
cover the kiosk; here openbox (Debian's default bindings: Alt+F4 closes the focused window,
Alt+Tab raises the next one) runs on Xvfb beside a second window, as on a kiosk started from a
desktop session. Under cage (production) neither binding exists at all."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk import cli

pytestmark = pytest.mark.slow

OTHER_WINDOW = (
    "from PySide6.QtWidgets import QApplication, QWidget\n"
    "app = QApplication([])\n"
    "w = QWidget(); w.setWindowTitle('other'); w.resize(400, 300); w.show()\n"
    "app.exec()\n"
)


def _run_x(args: list[str], display: str) -> str:
    env = os.environ | {"DISPLAY": display}
    return subprocess.run(args, capture_output=True, text=True, timeout=20, check=False, env=env).stdout.strip()


def _wait_for(predicate: Callable[[], object], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _visible_windows(pid: int, display: str) -> list[str]:
    return _run_x(["xdotool", "search", "--onlyvisible", "--pid", str(pid)], display).split()


def _topmost_client(display: str) -> int:
    # _NET_CLIENT_LIST_STACKING lists managed windows bottom to top.
    stacking = _run_x(["xprop", "-root", "_NET_CLIENT_LIST_STACKING"], display)
    return int(stacking.rsplit(",", 1)[-1].split()[-1], 16)


@pytest.fixture
def desktop() -> Iterator[str]:
    display = f":{150 + os.getpid() % 100}"
    processes = [
        subprocess.Popen(
            ["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        _wait_for(lambda: Path(f"/tmp/.X11-unix/X{display[1:]}").exists(), "Xvfb")
        processes.append(
            subprocess.Popen(
                ["openbox", "--sm-disable"],
                env=os.environ | {"DISPLAY": display},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        _wait_for(lambda: "window id" in _run_x(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], display), "openbox")
        yield display
    finally:
        for process in reversed(processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_alt_f4_and_alt_tab_neither_close_nor_cover_the_kiosk(desktop: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"} | {"DISPLAY": desktop}
    kiosk = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "run", "--config", str(Path(cli.DEMO_CONFIG))],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    other = subprocess.Popen([sys.executable, "-c", OTHER_WINDOW], env=env)
    try:
        assert kiosk.stderr is not None
        painted = next((line for line in kiosk.stderr if "first frame painted" in line), "")
        assert painted, "the kiosk never painted"
        _wait_for(lambda: _visible_windows(kiosk.pid, desktop), "the kiosk window")
        _wait_for(lambda: _visible_windows(other.pid, desktop), "the other window")
        [window] = _visible_windows(kiosk.pid, desktop)

        # The patient at the kiosk presses Alt+Tab: openbox focuses and raises the other window.
        _run_x(["xdotool", "windowactivate", "--sync", window], desktop)
        _run_x(["xdotool", "key", "--clearmodifiers", "alt+Tab"], desktop)
        time.sleep(1.0)
        assert _topmost_client(desktop) == int(window), "Alt+Tab put another window over the kiosk"
        # Another program takes the focus by itself: it still stays under the kiosk.
        _run_x(["xdotool", "windowactivate", "--sync", _visible_windows(other.pid, desktop)[0]], desktop)
        time.sleep(0.5)
        assert _topmost_client(desktop) == int(window), "another window came up over the kiosk"

        _run_x(["xdotool", "windowactivate", "--sync", window], desktop)
        _run_x(["xdotool", "key", "--clearmodifiers", "alt+F4"], desktop)
        time.sleep(1.5)
        assert kiosk.poll() is None, "Alt+F4 ended the kiosk"
        assert _visible_windows(kiosk.pid, desktop) == [window], "Alt+F4 closed the kiosk window"
        assert _topmost_client(desktop) == int(window)
    finally:
        for process in (other, kiosk):
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if kiosk.stderr is not None:
            kiosk.stderr.close()
