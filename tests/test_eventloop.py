"""The EventBridge and the background executor deliver on the GUI thread, in order."""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.eventloop import BackgroundExecutor, EventBridge, QtClock


@dataclass(frozen=True)
class Ping:
    n: int


def test_events_posted_from_threads_arrive_on_the_gui_thread(qapp: QApplication, qtbot) -> None:
    received: list[tuple[int, threading.Thread]] = []
    bridge = EventBridge()
    bridge.set_handler(lambda event: received.append((event.n, threading.current_thread())))

    def worker() -> None:
        for n in range(50):
            bridge.post(Ping(n))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    qtbot.waitUntil(lambda: len(received) == 150, timeout=5000)
    assert {t for _, t in received} == {threading.main_thread()}
    # Each thread's events keep their order.
    assert sorted(n for n, _ in received) == sorted(list(range(50)) * 3)


def test_run_in_background_returns_on_the_gui_thread(qapp: QApplication, qtbot) -> None:
    bridge = EventBridge()
    executor = BackgroundExecutor(bridge, max_threads=2)
    results: list[tuple[object, threading.Thread]] = []
    workers: list[threading.Thread] = []

    def job() -> int:
        workers.append(threading.current_thread())
        return 7

    def broken() -> int:
        raise ConnectionError("HIS down")

    try:
        executor.run_in_background(job, lambda v: results.append((v, threading.current_thread())), results.append)
        executor.run_in_background(
            broken, results.append, lambda e: results.append((type(e).__name__, threading.current_thread()))
        )
        qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    finally:
        assert executor.shutdown()
    assert workers[0] is not threading.main_thread()  # the job ran off the GUI thread
    assert sorted(results, key=str) == sorted(
        [(7, threading.main_thread()), ("ConnectionError", threading.main_thread())], key=str
    )


def test_the_gui_stays_responsive_while_a_job_blocks(qapp: QApplication, qtbot) -> None:
    bridge = EventBridge()
    executor = BackgroundExecutor(bridge, max_threads=1)
    release = threading.Event()
    done: list[bool] = []
    ticks: list[float] = []
    clock = QtClock()
    try:
        executor.run_in_background(lambda: release.wait(5), done.append, lambda e: done.append(False))
        for delay in (0.01, 0.02, 0.03):
            clock.call_later(delay, lambda: ticks.append(time.monotonic()))
        qtbot.waitUntil(lambda: len(ticks) == 3, timeout=2000)  # timers fire while the job blocks
        assert not done
        release.set()
        qtbot.waitUntil(lambda: done == [True], timeout=5000)
    finally:
        release.set()
        assert executor.shutdown()


def test_executor_refuses_work_after_shutdown(qapp: QApplication) -> None:
    executor = BackgroundExecutor(EventBridge())
    assert executor.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        executor.run_in_background(lambda: 1, print, print)


def test_qt_clock_timer_can_be_cancelled(qapp: QApplication, qtbot) -> None:
    clock = QtClock()
    fired: list[str] = []
    handle = clock.call_later(0.02, lambda: fired.append("cancelled"))
    clock.call_later(0.05, lambda: fired.append("kept"))
    handle.cancel()
    qtbot.waitUntil(lambda: fired == ["kept"], timeout=2000)
    qtbot.wait(50)
    assert fired == ["kept"]


def test_signal_emit_keeps_refcounts(qapp: QApplication) -> None:
    """PySide6 6.12.0 dropped a reference to True on every emit: a 24/7 kiosk died within hours.

    Guards any future Qt upgrade against that class of bug on our one cross-thread path.
    """
    bridge = EventBridge()
    got: list[Ping] = []
    bridge.set_handler(got.append)
    before = sys.getrefcount(True), sys.getrefcount(False)
    for n in range(200):
        bridge.post(Ping(n))
    qapp.processEvents()
    assert len(got) == 200
    after = sys.getrefcount(True), sys.getrefcount(False)
    assert abs(after[0] - before[0]) < 20, f"refcount of True went {before[0]} -> {after[0]}"
    assert abs(after[1] - before[1]) < 20, f"refcount of False went {before[1]} -> {after[1]}"


def test_a_detached_bridge_drops_events(qapp: QApplication) -> None:
    """After shutdown starts, a device's last event must not reach the (stopped) kiosk."""
    got: list[Ping] = []
    bridge = EventBridge()
    bridge.set_handler(got.append)
    bridge.post(Ping(1))
    qapp.processEvents()
    bridge.detach()
    bridge.post(Ping(2))
    qapp.processEvents()
    assert got == [Ping(1)]
