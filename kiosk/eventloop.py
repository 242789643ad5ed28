"""Qt-backed implementations of the flow runtime: the EventBridge, a clock and a thread pool.

Everything that crosses from a worker or device thread to the GUI thread goes through the one
queued signal of :class:`EventBridge`, as a small frozen dataclass. Domain code only ever sees
``bridge.post``. QtCore only: no widgets here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from kiosk.errors import KioskError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Completion:
    """A background job's outcome, delivered to its callback on the GUI thread."""

    callback: Callable[[Any], None]
    value: Any


class EventBridge(QObject):
    """Carries events from any thread to ``handler`` on the thread this object lives in (GUI).

    ``post`` is safe to call from any thread; ``handler`` always runs on the GUI thread, in the
    order events were posted from one thread.
    """

    _delivered = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._handler: Callable[[Any], None] | None = None
        self._detached = False
        self._delivered.connect(self._deliver)  # queued across threads, direct on the GUI thread

    def set_handler(self, handler: Callable[[Any], None]) -> None:
        """Names the consumer of events (the FlowRunner), once it exists."""
        self._handler = handler
        self._detached = False

    def detach(self) -> None:
        """At shutdown: later events (a device's last words while it stops) are dropped quietly."""
        self._handler = None
        self._detached = True

    def post(self, event: Any) -> None:
        self._delivered.emit(event)

    @Slot(object)
    def _deliver(self, event: Any) -> None:
        try:
            if isinstance(event, _Completion):
                event.callback(event.value)
            elif self._handler is not None:
                self._handler(event)
            elif not self._detached:
                log.warning("event %s arrived before the kiosk was ready; dropped", type(event).__name__)
        except Exception:  # one bad event must not stop the event loop
            log.exception("error while delivering %s", type(event).__name__)


class _QtTimerHandle:
    def __init__(self, timer: QTimer) -> None:
        self._timer = timer

    def cancel(self) -> None:
        self._timer.stop()
        self._timer.deleteLater()


class QtClock:
    """Monotonic time and single-shot timers on the GUI thread's event loop."""

    def __init__(self, parent: QObject | None = None) -> None:
        self._parent = parent

    def now(self) -> float:
        return time.monotonic()

    def call_later(self, seconds: float, callback: Callable[[], None]) -> _QtTimerHandle:
        timer = QTimer(self._parent)
        timer.setSingleShot(True)

        def fire() -> None:
            timer.deleteLater()
            callback()

        timer.timeout.connect(fire)
        timer.start(max(0, round(seconds * 1000)))
        return _QtTimerHandle(timer)


class _Job(QRunnable):
    def __init__(self, call: Callable[[], Any], finish: Callable[[bool, Any], None]) -> None:
        super().__init__()
        self._call = call
        self._finish = finish

    def run(self) -> None:
        try:
            value = self._call()
        except BaseException as exc:  # handed to on_error on the GUI thread, never lost
            self._finish(False, exc)
        else:
            self._finish(True, value)


class BackgroundExecutor:
    """Runs blocking calls (HIS requests, printing) on a bounded pool of worker threads.

    Callbacks run on the GUI thread through the EventBridge. Created and used on the GUI thread.
    """

    def __init__(self, bridge: EventBridge, max_threads: int = 4) -> None:
        self._bridge = bridge
        self._pool = QThreadPool()
        self._pool.setMaxThreadCount(max_threads)
        self._lock = threading.Lock()
        self._closed = False

    def run_in_background(
        self,
        call: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        """Runs ``call`` on a worker thread; ``on_success`` or ``on_error`` runs on the GUI thread."""
        with self._lock:
            if self._closed:
                raise RuntimeError("executor is shut down")

        def finish(ok: bool, value: Any) -> None:
            if not ok and isinstance(value, KioskError):  # an outcome the flow handles (not found, HIS down)
                log.info("background job ended with %s (code %s)", type(value).__name__, value.code)
            elif not ok:
                log.warning("background job failed: %s", type(value).__name__, exc_info=value)
            self._bridge.post(_Completion(on_success if ok else on_error, value))

        self._pool.start(_Job(call, finish))

    def shutdown(self, timeout_s: float = 5.0) -> bool:
        """Refuses new work and waits for running jobs; True when all finished in time."""
        with self._lock:
            self._closed = True
        self._pool.clear()  # drop queued jobs that have not started
        return bool(self._pool.waitForDone(round(timeout_s * 1000)))
