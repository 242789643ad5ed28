"""Prometheus metrics for one kiosk, served on a local HTTP port (``/metrics``).

Counters come from observers the composition root injects (the session chart's
:class:`~kiosk.flows.observer.SessionObserver`, the FHIR adapter's
:class:`~kiosk.his.fhir.RequestObserver`); device and payment states are read when Prometheus
scrapes (the device manager's statuses, the journal's payments by state), so they are never
stale. Labels carry service names, error codes, device roles, states and HIS request names:
never patient data, and never anything with unbounded values.

Thread model: observers are called on the GUI thread (flows) and worker threads (HIS calls);
prometheus_client's metrics are thread-safe. Scrapes run on the HTTP server's own threads.
``docs/monitoring.md`` lists every series and the fleet's alert rules.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    make_wsgi_app,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from kiosk.devices.status import DeviceState, DeviceStatus, StatusFlag
from kiosk.flows.observer import AbandonReason

if TYPE_CHECKING:
    from kiosk.config import DeviceRole
    from kiosk.journal import Journal
    from kiosk.services import Services

log = logging.getLogger(__name__)

# HIS answers: most within 100 ms; the configured read timeout is 10 s and a call's deadline 20 s.
HIS_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0)
PAPER_STATES = ("ok", "near_end", "out", "unknown")
# Mirrors kiosk.payments.ledger.PaymentState (not imported: the ledger pulls in the payment stack).
PAYMENT_STATES = (
    "created",
    "pending",
    "paid",
    "settled",
    "failed",
    "cancelled",
    "expired",
    "refund_pending",
    "refunded",
)
OPEN_PAYMENT_STATES = ("created", "pending", "paid", "refund_pending")


@dataclass(frozen=True)
class PaymentCount:
    state: str
    count: int
    oldest_created_at: float  # seconds since the epoch


def journal_payment_counts(journal: Journal) -> list[PaymentCount]:
    """Payments in the journal by state, with the creation time of the oldest one in each."""
    rows = journal.read("SELECT state, COUNT(*) AS n, MIN(created_at) AS oldest FROM payments GROUP BY state")
    return [PaymentCount(str(r["state"]), int(r["n"]), float(r["oldest"])) for r in rows]


def paper_state(status: DeviceStatus) -> str:
    """What a printer's status says about its paper."""
    if StatusFlag.PAPER_OUT in status.flags:
        return "out"
    if StatusFlag.PAPER_NEAR_END in status.flags:
        return "near_end"
    if status.state is DeviceState.DISCONNECTED or status.flags & {StatusFlag.NO_ANSWER, StatusFlag.OFFLINE}:
        return "unknown"
    return "ok"


VOICE_OUTCOMES = ("understood", "not_understood", "readback_refused", "nothing_heard", "failed")


class KioskMetrics:
    """The kiosk's metrics in a registry of its own; implements both observer ports."""

    def __init__(
        self,
        kiosk_id: str,
        version: str,
        services: Sequence[str] = (),
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        # No *_created series beside every counter: they double what 50 kiosks send for nothing.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry()
        self._clock = clock
        self._wall_clock = wall_clock
        self._home_since: float | None = clock()
        r = self.registry
        build = Gauge(
            "kiosk_build_info", "Software version of this kiosk (always 1)", ["version", "kiosk_id"], registry=r
        )
        build.labels(version=version, kiosk_id=kiosk_id).set(1)
        self.flows_started = Counter("kiosk_flows_started", "Service flows started", ["service"], registry=r)
        self.flows_completed = Counter(
            "kiosk_flows_completed", "Service flows that reached their goodbye screen", ["service"], registry=r
        )
        self.flows_failed = Counter(
            "kiosk_flows_failed",
            "Service flows that ended on the error screen, by error code",
            ["service", "code"],
            registry=r,
        )
        self.flows_abandoned = Counter(
            "kiosk_flows_abandoned",
            "Service flows left before the end: cancelled (Home), idle_timeout, walked_away (card taken)",
            ["service", "reason"],
            registry=r,
        )
        self.his_seconds = Histogram(
            "kiosk_his_request_seconds",
            "Duration of each HTTP attempt to the HIS, by request (retries count separately)",
            ["operation"],
            buckets=HIS_BUCKETS,
            registry=r,
        )
        self.his_errors = Counter(
            "kiosk_his_errors",
            "Failed HTTP attempts to the HIS by request and kind (timeout, connection, tls, auth, throttled, "
            "http_5xx, bad_response)",
            ["operation", "kind"],
            registry=r,
        )
        self.voice_utterances = Counter(
            "kiosk_voice_utterances",
            "Spoken commands by screen and outcome: understood, not_understood, readback_refused "
            "(a read-back answered no), nothing_heard, failed. Never what was said",
            ["screen", "outcome"],
            registry=r,
        )
        idle = Gauge(
            "kiosk_idle_seconds",
            "Seconds the kiosk has waited on its home screen (0 while serving a patient)",
            registry=r,
        )
        idle.set_function(self._idle_seconds)
        ProcessCollector(registry=r)  # process_start_time_seconds: restarts (watchdog, crashes) show
        # Series that exist before the first event, so rate() and absent-value alerts work at once.
        for service in services:
            self.flows_started.labels(service=service)
            self.flows_completed.labels(service=service)
            for reason in AbandonReason:
                self.flows_abandoned.labels(service=service, reason=reason.value)
        for outcome in VOICE_OUTCOMES:
            self.voice_utterances.labels(screen="HomeView", outcome=outcome)
        self._states = _StateCollector(wall_clock)
        r.register(self._states)

    # -- sources read at scrape time ----------------------------------------------------------

    def watch_devices(self, statuses: Callable[[], Mapping[DeviceRole, DeviceStatus]]) -> None:
        self._states.devices = statuses

    def watch_payments(self, counts: Callable[[], Iterable[PaymentCount]]) -> None:
        self._states.payments = counts

    def watch_journal(self, refusal: Callable[[], str]) -> None:
        """``refusal()``: why the journal refuses money ("" when it does not)."""
        self._states.journal_refusal = refusal

    def watch_admin(self, guard: Callable[[], tuple[int, float | None]]) -> None:
        """The admin PIN pad's (wrong PINs in a row, locked until): someone guessing PINs shows."""
        self._states.admin = guard

    # -- SessionObserver (flow thread) --------------------------------------------------------

    def flow_started(self, service: str) -> None:
        self._home_since = None
        self.flows_started.labels(service=service).inc()

    def flow_completed(self, service: str) -> None:
        self.flows_completed.labels(service=service).inc()

    def flow_failed(self, service: str, code: int) -> None:
        self.flows_failed.labels(service=service, code=str(code)).inc()

    def flow_abandoned(self, service: str, reason: AbandonReason) -> None:
        self.flows_abandoned.labels(service=service, reason=str(reason)).inc()

    def session_ended(self) -> None:
        self._home_since = self._clock()

    def _idle_seconds(self) -> float:
        since = self._home_since
        return 0.0 if since is None else max(0.0, self._clock() - since)

    # -- voice (GUI thread) -------------------------------------------------------------------

    def voice_heard(self, screen: str, outcome: str) -> None:
        """One utterance's outcome on a screen (``screen`` names a view type, never a value)."""
        self.voice_utterances.labels(screen=screen, outcome=outcome).inc()

    # -- RequestObserver (worker threads) -----------------------------------------------------

    def his_request(self, operation: str, seconds: float, outcome: str) -> None:
        self.his_seconds.labels(operation=operation).observe(seconds)
        if outcome != "ok":
            self.his_errors.labels(operation=operation, kind=outcome).inc()


class _StateCollector(Collector):
    """Device and payment states, read from their owners at each scrape (HTTP threads)."""

    def __init__(self, wall_clock: Callable[[], float]) -> None:
        self._wall_clock = wall_clock
        self.devices: Callable[[], Mapping[DeviceRole, DeviceStatus]] | None = None
        self.payments: Callable[[], Iterable[PaymentCount]] | None = None
        self.admin: Callable[[], tuple[int, float | None]] | None = None
        self.journal_refusal: Callable[[], str] | None = None

    def describe(self) -> Iterable[Metric]:
        return []  # states come and go with the configuration: nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        yield from self._device_metrics()
        yield from self._payment_metrics()
        yield from self._journal_metrics()
        yield from self._admin_metrics()

    def _device_metrics(self) -> Iterator[Metric]:
        if self.devices is None:
            return
        try:
            statuses = dict(self.devices())
        except Exception:
            log.exception("metrics: cannot read the device statuses")
            return
        up = GaugeMetricFamily(
            "kiosk_device_up", "1 when the device can take work (ready, busy or warning)", labels=["role"]
        )
        state = GaugeMetricFamily(
            "kiosk_device_state", "The device's state (1 for the current one)", labels=["role", "state"]
        )
        paper = GaugeMetricFamily(
            "kiosk_printer_paper", "A printer's paper: ok, near_end, out or unknown (1 for the current one)",
            labels=["role", "state"],
        )  # fmt: skip
        for role, status in statuses.items():
            name = str(role)
            up.add_metric([name], 1.0 if status.usable else 0.0)
            for value in DeviceState:
                state.add_metric([name, value.value], 1.0 if status.state is value else 0.0)
            if name.endswith("printer"):
                current = paper_state(status)
                for paper_value in PAPER_STATES:
                    paper.add_metric([name, paper_value], 1.0 if current == paper_value else 0.0)
        yield from (up, state, paper)

    def _payment_metrics(self) -> Iterator[Metric]:
        if self.payments is None:
            return
        try:
            counts = {c.state: c for c in self.payments()}
        except Exception as exc:  # the journal closing at shutdown, a locked file
            log.warning("metrics: cannot read the payments: %s", type(exc).__name__)
            return
        now = self._wall_clock()
        total = GaugeMetricFamily("kiosk_payments", "Payments in the journal by state", labels=["state"])
        oldest = GaugeMetricFamily(
            "kiosk_payments_open_oldest_seconds",
            "Age of the oldest payment still in this open state (0: none). Money taken but not settled "
            "(paid) or not yet returned (refund_pending) for long is a one-sided payment",
            labels=["state"],
        )
        for state in (*PAYMENT_STATES, *sorted(set(counts) - set(PAYMENT_STATES))):
            entry = counts.get(state)
            total.add_metric([state], float(entry.count if entry else 0))
            if state in OPEN_PAYMENT_STATES:
                oldest.add_metric([state], max(0.0, now - entry.oldest_created_at) if entry else 0.0)
        yield from (total, oldest)

    def _journal_metrics(self) -> Iterator[Metric]:
        if self.journal_refusal is None:
            return
        yield GaugeMetricFamily(
            "kiosk_journal_refusing_payments",
            "1 while the journal cannot vouch for its payments (committed payments lost, or its commit mark "
            "cannot be written): the kiosk takes no money until a technician acts",
            value=1.0 if self.journal_refusal() else 0.0,
        )

    def _admin_metrics(self) -> Iterator[Metric]:
        if self.admin is None:
            return
        try:
            failures, locked_until = self.admin()
        except Exception as exc:  # the journal closing at shutdown
            log.warning("metrics: cannot read the admin PIN state: %s", type(exc).__name__)
            return
        locked = locked_until is not None and locked_until > self._wall_clock()
        yield GaugeMetricFamily(
            "kiosk_admin_locked", "1 while the admin PIN pad is locked after too many wrong PINs", value=float(locked)
        )
        yield GaugeMetricFamily(
            "kiosk_admin_wrong_pins", "Wrong admin PINs in a row (0 after a sign-in or an expired lock)",
            value=float(failures if locked_until is None or locked else 0),
        )  # fmt: skip


def observe_services(metrics: KioskMetrics, services: Services) -> None:
    """Points the metrics at the services' devices, journal and HIS requests."""
    metrics.watch_devices(services.devices.statuses)
    journal = services.journal
    metrics.watch_payments(lambda: journal_payment_counts(journal))
    metrics.watch_admin(journal.guard_state)
    metrics.watch_journal(journal.refusal)
    services.his_observer = metrics


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        return  # one line per scrape would drown the kiosk's own log


class _HttpServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class _HttpServer6(_HttpServer):
    address_family = socket.AF_INET6


class MetricsServer:
    """``/metrics`` over HTTP on its own daemon thread. ``start`` may run on a worker thread,
    ``stop`` on any; both are safe to call twice, and a port in use is logged, never raised."""

    def __init__(self, registry: CollectorRegistry, bind: str, port: int) -> None:
        self._registry = registry
        self._bind = bind
        self._port = port
        self._lock = threading.Lock()
        self._server: WSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._stopped = False

    @property
    def port(self) -> int | None:
        """The port it listens on (useful with port 0), None when not listening."""
        with self._lock:
            return int(self._server.server_port) if self._server is not None else None

    def start(self) -> int | None:
        with self._lock:
            if self._server is not None or self._stopped:
                return None if self._server is None else int(self._server.server_port)
            server_class = _HttpServer6 if ":" in self._bind else _HttpServer
            try:
                server: WSGIServer = make_server(
                    self._bind, self._port, make_wsgi_app(self._registry), server_class, handler_class=_QuietHandler
                )
            except OSError as exc:
                log.warning(
                    "metrics: cannot listen on %s:%d (%s); the kiosk runs without them", self._bind, self._port, exc
                )
                return None
            # A short poll interval: stop() returns within 50 ms, not serve_forever's default 0.5 s.
            thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="metrics-http", daemon=True)
            thread.start()
            self._server, self._thread = server, thread
            port = int(server.server_port)
        log.info("metrics at http://%s:%d/metrics", self._bind, port)
        return port

    def stop(self, timeout: float = 2.0) -> None:
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            self._stopped = True
        if server is None:
            return
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout)
