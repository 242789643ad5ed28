"""The kiosk command: version, screenshots of every screen, the headless demo (its tour), hash-pin."""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from kiosk import __version__, cli
from kiosk.adminpin import needs_rehash, verify_pin
from kiosk.app import EXIT_RESTART, EXIT_TO_DESKTOP
from kiosk.ui.screenshot import SCREENS


def _check_png(path: Path, size: tuple[int, int]) -> None:
    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not a PNG"
    assert (image.width(), image.height()) == size
    # A real screen, not a blank canvas: many distinct colours (anti-aliased text).
    sample = {image.pixel(x, y) for x in range(0, size[0], 7) for y in range(0, size[1], 7)}
    assert len(sample) > 20, f"{path} looks blank"


def test_version() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == f"hospital-kiosk {__version__}"


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("screen", SCREENS)
def test_screenshot_of_every_screen(qapp, tmp_path: Path, screen: str, locale: str) -> None:
    out = tmp_path / f"{screen}-{locale}.png"
    status = cli.main(["screenshot", "--screen", screen, "--locale", locale, "--out", str(out)])
    assert status == 0
    _check_png(out, (1920, 1080))


def test_screenshot_portrait_elderly(qapp, tmp_path: Path) -> None:
    out = tmp_path / "home.png"
    args = ["screenshot", "--screen", "home", "--elderly", "--size", "1080x1920", "--out", str(out)]
    assert cli.main(args) == 0
    _check_png(out, (1080, 1920))


def test_screenshot_rejects_bad_arguments(qapp, tmp_path: Path, capsys) -> None:
    assert cli.main(["screenshot", "--screen", "nope", "--out", str(tmp_path / "x.png")]) == 2
    assert "unknown screen 'nope'" in capsys.readouterr().err
    assert cli.main(["screenshot", "--screen", "home", "--size", "huge", "--out", str(tmp_path / "x.png")]) == 2
    assert "--size must be WIDTHxHEIGHT" in capsys.readouterr().err


def test_screenshot_command_in_a_fresh_process(tmp_path: Path) -> None:
    out = tmp_path / "goodbye.png"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}  # it must choose offscreen itself
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "screenshot", "--screen", "goodbye", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    _check_png(out, (1920, 1080))


@pytest.mark.slow
def test_demo_without_a_display_walks_every_flow(tmp_path: Path) -> None:
    """No display: `kiosk demo` runs the whole tour into demo-tour/ (in a fresh process, about a
    minute on 2 idle cores) in normal and elderly mode, landscape and portrait, and says where its
    index is. Exit 0 means no text was cut and nothing looked untranslated anywhere."""
    from kiosk.tour.walks import WALKS

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "demo", "--config", str(cli.DEMO_CONFIG)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no display here" in result.stdout
    folder = tmp_path / "demo-tour"
    assert str((folder / "index.html").resolve()) in result.stdout
    shots = [(walk.name, step.name) for walk in WALKS for step in walk.steps if step.shot]
    expected = [
        f"{n + len(shots) * elderly:02d}-{walk}-{step}-{locale}{orientation}{'-elderly' if elderly else ''}.png"
        for elderly in (0, 1)
        for n, (walk, step) in enumerate(shots, 1)
        for locale in ("en", "zh_CN")
        for orientation in ("", "-portrait")
    ]
    assert sorted(p.name for p in folder.glob("*.png")) == sorted(expected)
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{name}"' in index for name in expected)
    assert "failed" not in index
    _check_png(folder / expected[0], (1920, 1080))
    _check_png(folder / expected[1], (1080, 1920))  # the same screen in portrait


def test_hash_pin_from_stdin(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("246810\n"))
    assert cli.main(["hash-pin"]) == 0
    stored = capsys.readouterr().out.strip()
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")  # OWASP's current parameters
    assert not needs_rehash(stored)
    assert verify_pin("246810", stored)
    assert not verify_pin("246811", stored)


def test_hash_pin_help_names_argon2id(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "argon2id hash of an admin PIN" in " ".join(capsys.readouterr().out.split())


def test_hash_pin_refuses_a_short_pin(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("12345\n"))
    assert cli.main(["hash-pin"]) == 1
    assert "6 to 12 digits" in capsys.readouterr().err


def test_run_with_a_missing_config_file(tmp_path: Path, capsys) -> None:
    assert cli.main(["run", "--config", str(tmp_path / "absent.yaml")]) == 2
    err = capsys.readouterr().err
    assert "absent.yaml: (file): file not found" in err


def test_the_admin_screens_restart_starts_the_program_again_unless_systemd_does(monkeypatch) -> None:
    started: list[tuple[str, list[str]]] = []
    monkeypatch.setattr(cli.os, "execv", lambda path, args: started.append((path, list(args))))
    monkeypatch.delenv("INVOCATION_ID", raising=False)
    assert cli._restart_if_asked(0) == 0
    assert cli._restart_if_asked(EXIT_TO_DESKTOP) == EXIT_TO_DESKTOP  # leave to desktop: stay down
    assert started == []
    cli._restart_if_asked(EXIT_RESTART)  # run by hand: the same command again
    assert started == [(sys.executable, list(sys.orig_argv))]
    monkeypatch.setenv("INVOCATION_ID", "0123abcd")  # under systemd: Restart=always starts it again
    assert cli._restart_if_asked(EXIT_RESTART) == EXIT_RESTART
    assert len(started) == 1


def test_sigterm_stops_the_kiosk_cleanly(tmp_path: Path) -> None:
    """systemd stops the kiosk with SIGTERM: it must exit 0 promptly despite refusing to close."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "run", "--config", str(Path(cli.DEMO_CONFIG))],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert proc.stderr is not None
        for line in proc.stderr:  # the window has painted: the event loop is running
            if "first frame painted" in line:
                break
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        rest = proc.stderr.read()
        assert "signal 15 received" in rest
        assert "stopped" in rest
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()


@pytest.mark.skipif(shutil.which("Xvfb") is None, reason="needs Xvfb (installed by ./dev)")
def test_fills_a_real_x_screen_without_a_window_manager(tmp_path: Path) -> None:
    """Under a bare X server showFullScreen() alone keeps the size hint; the kiosk must cover it."""
    display = f":{90 + os.getpid() % 100}"
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1366x768x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"} | {"DISPLAY": display}
    proc = None
    try:
        time.sleep(0.5)
        proc = subprocess.Popen(
            [sys.executable, "-m", "kiosk.cli", "run", "--config", str(Path(cli.DEMO_CONFIG))],
            stderr=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        assert proc.stderr is not None
        painted = next((line for line in proc.stderr if "first frame painted" in line), "")
        assert "size=1366x768" in painted, painted
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        for process in (proc, xvfb):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        if proc is not None and proc.stderr is not None:
            proc.stderr.close()
