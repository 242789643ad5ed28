"""sd_notify and the watchdog: a fake NOTIFY_SOCKET hears READY=1 once the first frame is painted
and WATCHDOG=1 while the Qt event loop runs, and nothing while a slot blocks the loop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from kiosk import cli
from kiosk.ops.sdnotify import SystemdNotifier, from_environment, watchdog_interval
from kiosk.ops.watchdog import SystemdLink


@dataclass
class FakeSystemd:
    """A unix datagram socket like systemd's notify socket; a thread stamps each message."""

    path: str
    sock: socket.socket
    messages: list[tuple[float, str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def listen(self) -> threading.Thread:
        def run() -> None:
            self.sock.settimeout(0.05)
            while not self._stop.is_set():
                try:
                    data = self.sock.recv(4096)
                except TimeoutError:
                    continue
                self.messages.append((time.monotonic(), data.decode()))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def wait_for(self, text: str, timeout: float) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, message in self.messages:
                if text in message.split("\n"):
                    return at
            time.sleep(0.02)
        raise AssertionError(f"no {text!r} within {timeout} s; got {[m for _, m in self.messages]}")

    def pings(self, start: float = 0.0, end: float = float("inf")) -> int:
        return sum(1 for at, message in self.messages if message == "WATCHDOG=1" and start <= at <= end)


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[FakeSystemd]:
    path = str(tmp_path / "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    fake = FakeSystemd(path, sock)
    thread = fake.listen()
    try:
        yield fake
    finally:
        fake.stop()
        thread.join(2)
        sock.close()


def run_loop(seconds: float) -> None:
    loop = QEventLoop()
    QTimer.singleShot(round(seconds * 1000), loop.quit)
    loop.exec()


def test_notifier_speaks_the_datagram_protocol(systemd: FakeSystemd) -> None:
    notifier = SystemdNotifier(systemd.path)
    try:
        assert notifier.enabled
        assert notifier.ready("serving patients")
        assert notifier.watchdog()
        assert notifier.stopping()
    finally:
        notifier.close()
    systemd.wait_for("STOPPING=1", 2)
    assert [m for _, m in systemd.messages] == ["READY=1\nSTATUS=serving patients", "WATCHDOG=1", "STOPPING=1"]


def test_abstract_socket_names_work() -> None:
    name = f"kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(b"\0" + name.encode())
        notifier = SystemdNotifier("@" + name)
        assert notifier.watchdog()
        notifier.close()
        assert sock.recv(100) == b"WATCHDOG=1"


def test_without_systemd_nothing_is_sent_and_nothing_fails(tmp_path: Path) -> None:
    assert not SystemdNotifier(None).ready()
    gone = SystemdNotifier(str(tmp_path / "nobody-listens"))
    assert not gone.watchdog()  # logged once, never raised
    assert not gone.watchdog()
    gone.close()


def test_watchdog_interval_and_whom_it_is_meant_for() -> None:
    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 30.0
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "nonsense"}) is None
    env = {"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "41"}
    assert watchdog_interval(env, pid=41, ppid=1) == 30.0  # for this process
    assert watchdog_interval(env, pid=42, ppid=41) == 30.0  # for cage, whose child the kiosk is
    assert watchdog_interval(env, pid=43, ppid=42) is None  # for someone else
    environ = {"NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "20000000", "OTHER": "1"}
    notifier, interval = from_environment(environ)
    notifier.close()
    assert interval == 20.0
    assert environ == {"OTHER": "1"}  # programs the kiosk starts cannot speak for it


def test_pings_stop_while_the_event_loop_is_blocked(qapp: QApplication, systemd: FakeSystemd) -> None:
    link = SystemdLink(SystemdNotifier(systemd.path), watchdog_s=0.1)  # a ping every 50 ms
    try:
        assert link.ping_interval_s == pytest.approx(0.05)
        link.ready()
        systemd.wait_for("READY=1", 2)
        run_loop(0.4)
        assert systemd.pings() >= 5

        blocked: list[float] = []

        def freeze() -> None:  # a slot that hangs the GUI thread (a deadlock, a blocking call)
            blocked.append(time.monotonic())
            time.sleep(0.6)
            blocked.append(time.monotonic())

        QTimer.singleShot(0, freeze)
        run_loop(1.0)  # 0.6 s frozen, then 0.4 s running again
        start, end = blocked
        # A ping sent just before the block may arrive a moment later (a loaded machine: up to
        # 0.15 s seen); none is sent during it, where nine would be without the block.
        assert systemd.pings(start + 0.15, end) == 0
        assert systemd.pings(end) >= 3  # the loop runs again: so do the pings
        link.stopping()
        systemd.wait_for("STOPPING=1", 2)
        count = systemd.pings()
        run_loop(0.2)
        assert systemd.pings() == count  # no pings after STOPPING=1
    finally:
        link.close()


def test_kiosk_run_notifies_systemd(systemd: FakeSystemd, tmp_path: Path) -> None:
    """The whole wiring: `kiosk run` under a fake systemd says READY=1 after its first frame,
    feeds the watchdog from its event loop, and says STOPPING=1 on SIGTERM."""
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "NOTIFY_SOCKET": systemd.path,
        "WATCHDOG_USEC": "400000",  # a ping every 0.2 s
    }
    env.pop("WATCHDOG_PID", None)
    config = tmp_path / "config.yaml"
    text = Path(cli.DEMO_CONFIG).read_text(encoding="utf-8")
    text = text.replace("journal_path: var/demo-journal.sqlite", f"journal_path: {tmp_path / 'journal.sqlite'}")
    config.write_text(text.replace("  enabled: true\n  # 127.0.0.1", "  enabled: false\n  # 127.0.0.1"), "utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kiosk.cli", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        ready = systemd.wait_for("READY=1", 60)
        deadline = time.monotonic() + 10
        while systemd.pings(ready) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert systemd.pings(ready) >= 3
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
        stopping = systemd.wait_for("STOPPING=1", 2)
        assert stopping > ready
        assert proc.stderr is not None
        log = proc.stderr.read()
        assert "systemd watchdog fed every 0.2 s" in log
        assert "metrics at" not in log  # metrics.enabled: false
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stderr is not None:
            proc.stderr.close()
