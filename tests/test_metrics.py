"""The Prometheus endpoint: every series the fleet's dashboards and alerts use, with its value,
fed by the session chart, the FHIR adapter, the device statuses and the journal's payments."""

from __future__ import annotations

import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kiosk import __version__
from kiosk.config import DeviceRole, HisSection
from kiosk.devices.status import READY, DeviceState, DeviceStatus, StatusFlag
from kiosk.domain import Identifier, IdentifierKind
from kiosk.flows.events import FlowEvent, HomeRequested, ServiceChosen, TimerFired
from kiosk.flows.runner import FlowRunner
from kiosk.flows.session import SessionChart, Timer
from kiosk.his.errors import HisError
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import Fault, HisSimulator
from kiosk.journal import Journal
from kiosk.ops.metrics import KioskMetrics, MetricsServer, journal_payment_counts, paper_state
from tests.support import FakeClock, ManualExecutor, step_flows
from tests.test_session import SETTINGS, RecordingPresenter

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


class Ticker:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def scrape(port: int) -> Samples:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples[(name, frozenset(labels.items()))]


@pytest.fixture
def served() -> Iterator[tuple[KioskMetrics, MetricsServer, Ticker, Ticker]]:
    clock, wall = Ticker(), Ticker()
    metrics = KioskMetrics("OPD-7", __version__, ["checkin", "payment"], clock=clock, wall_clock=wall)
    server = MetricsServer(metrics.registry, "127.0.0.1", 0)
    try:
        yield metrics, server, clock, wall
    finally:
        server.stop()


def test_every_series_on_the_endpoint(
    served: tuple[KioskMetrics, MetricsServer, Ticker, Ticker], tmp_path: Path
) -> None:
    metrics, server, clock, wall = served
    statuses = {
        DeviceRole.RECEIPT_PRINTER: DeviceStatus(DeviceState.ERROR, frozenset({StatusFlag.PAPER_OUT}), "paper out"),
        DeviceRole.REPORT_PRINTER: READY,
        DeviceRole.SCANNER: DeviceStatus(DeviceState.DISCONNECTED, frozenset(), "unplugged"),
    }
    metrics.watch_devices(lambda: statuses)
    journal = Journal(tmp_path / "journal.sqlite", clock=wall).open()
    try:
        with journal.transaction() as conn:
            for pid, state, created in (("P1", "settled", 100.0), ("P2", "paid", 400.0), ("P3", "paid", 900.0)):
                conn.execute(
                    "INSERT INTO payments (id, kiosk_id, provider, provider_kind, amount_fen, patient_id, bills,"
                    " state, created_at, updated_at) VALUES (?, 'OPD-7', 'sandbox', 'sandbox', 100, 'pat-1', '[]',"
                    " ?, ?, ?)",
                    (pid, state, created, created),
                )
        metrics.watch_payments(lambda: journal_payment_counts(journal))
        metrics.watch_admin(journal.guard_state)
        journal.put_guard_state(5, 1000.0 + 900)  # five wrong admin PINs: locked for 15 min

        metrics.flow_started("payment")
        metrics.flow_completed("payment")
        metrics.flow_started("payment")
        metrics.flow_failed("payment", 2001)
        metrics.flow_started("checkin")
        metrics.flow_abandoned("checkin", "idle_timeout")  # type: ignore[arg-type]
        clock.now += 30  # a patient is being served: not idle
        metrics.his_request("search Patient", 0.03, "ok")
        metrics.his_request("search Patient", 1.5, "timeout")
        metrics.his_request("read Invoice", 0.2, "http_5xx")

        port = server.start()
        assert port is not None
        assert server.port == port
        samples = scrape(port)
        assert value(samples, "kiosk_idle_seconds") == 0
        metrics.session_ended()
        clock.now += 42.5
        samples = scrape(port)
    finally:
        journal.close()

    assert value(samples, "kiosk_build_info", version=__version__, kiosk_id="OPD-7") == 1
    assert value(samples, "kiosk_flows_started_total", service="payment") == 2
    assert value(samples, "kiosk_flows_started_total", service="checkin") == 1
    assert value(samples, "kiosk_flows_completed_total", service="payment") == 1
    assert value(samples, "kiosk_flows_completed_total", service="checkin") == 0  # there before the first one
    assert value(samples, "kiosk_flows_failed_total", service="payment", code="2001") == 1
    assert value(samples, "kiosk_flows_abandoned_total", service="checkin", reason="idle_timeout") == 1
    assert value(samples, "kiosk_flows_abandoned_total", service="payment", reason="walked_away") == 0
    assert value(samples, "kiosk_idle_seconds") == 42.5
    assert value(samples, "kiosk_his_request_seconds_count", operation="search Patient") == 2
    assert value(samples, "kiosk_his_request_seconds_bucket", operation="search Patient", le="0.05") == 1
    assert value(samples, "kiosk_his_request_seconds_sum", operation="read Invoice") == pytest.approx(0.2)
    assert value(samples, "kiosk_his_errors_total", operation="search Patient", kind="timeout") == 1
    assert value(samples, "kiosk_his_errors_total", operation="read Invoice", kind="http_5xx") == 1
    assert ("kiosk_his_errors_total", frozenset({("operation", "search Patient"), ("kind", "ok")})) not in samples
    assert value(samples, "kiosk_device_up", role="receipt_printer") == 0
    assert value(samples, "kiosk_device_up", role="report_printer") == 1
    assert value(samples, "kiosk_device_up", role="scanner") == 0
    assert value(samples, "kiosk_device_state", role="scanner", state="disconnected") == 1
    assert value(samples, "kiosk_device_state", role="scanner", state="ready") == 0
    assert value(samples, "kiosk_printer_paper", role="receipt_printer", state="out") == 1
    assert value(samples, "kiosk_printer_paper", role="receipt_printer", state="ok") == 0
    assert value(samples, "kiosk_printer_paper", role="report_printer", state="ok") == 1
    assert not any(name == "kiosk_printer_paper" and ("role", "scanner") in labels for name, labels in samples)
    assert value(samples, "kiosk_payments", state="paid") == 2
    assert value(samples, "kiosk_payments", state="settled") == 1
    assert value(samples, "kiosk_payments", state="refund_pending") == 0
    assert value(samples, "kiosk_payments_open_oldest_seconds", state="paid") == 1000 - 400
    assert value(samples, "kiosk_payments_open_oldest_seconds", state="pending") == 0
    assert value(samples, "kiosk_admin_locked") == 1
    assert value(samples, "kiosk_admin_wrong_pins") == 5
    assert value(samples, "process_start_time_seconds") > 0  # restarts (the watchdog's too) show here

    server.stop()
    server.stop()  # twice is fine
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # no longer listening


def test_a_closed_journal_does_not_break_the_scrape(served: tuple[KioskMetrics, MetricsServer, Ticker, Ticker]) -> None:
    metrics, server, _clock, _wall = served
    journal = Journal(":memory:")  # never opened: reading raises

    metrics.watch_payments(lambda: journal_payment_counts(journal))
    metrics.watch_devices(lambda: {DeviceRole.SCANNER: READY})
    port = server.start()
    assert port is not None
    samples = scrape(port)
    assert value(samples, "kiosk_device_up", role="scanner") == 1
    assert not any(name == "kiosk_payments" for name, _labels in samples)


def test_a_port_in_use_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = MetricsServer(KioskMetrics("OPD-7", "1").registry, "127.0.0.1", port)
        assert server.start() is None
        server.stop()
    assert "cannot listen" in caplog.text


def test_paper_states() -> None:
    assert paper_state(READY) == "ok"
    assert paper_state(DeviceStatus(DeviceState.WARNING, frozenset({StatusFlag.PAPER_NEAR_END}))) == "near_end"
    assert paper_state(DeviceStatus(DeviceState.ERROR, frozenset({StatusFlag.NO_ANSWER}))) == "unknown"


def test_the_session_chart_reports_its_flows(clock: FakeClock) -> None:
    metrics = KioskMetrics("OPD-7", "1", SETTINGS.services)
    chart = SessionChart(SETTINGS, step_flows("payment", "reports"), clock, observer=metrics)
    runner = FlowRunner(chart, clock, ManualExecutor(), RecordingPresenter())
    runner.start()
    get = metrics.registry.get_sample_value

    runner.post(ServiceChosen("payment"))
    runner.post(FlowEvent("finish"))  # done: goodbye
    runner.post(HomeRequested())
    runner.post(ServiceChosen("reports"))
    runner.post(FlowEvent("break"))  # the error screen, code 2001
    runner.post(HomeRequested())
    runner.post(ServiceChosen("payment"))
    runner.post(HomeRequested())  # the patient pressed Home mid-flow
    runner.post(ServiceChosen("payment"))
    runner.post(TimerFired(Timer.IDLE, chart.session.id))  # the warning...
    runner.post(TimerFired(Timer.FINAL, chart.session.id))  # ...and nobody answered
    runner.stop()

    assert get("kiosk_flows_started_total", {"service": "payment"}) == 3
    assert get("kiosk_flows_started_total", {"service": "reports"}) == 1
    assert get("kiosk_flows_completed_total", {"service": "payment"}) == 1
    assert get("kiosk_flows_failed_total", {"service": "reports", "code": "2001"}) == 1
    assert get("kiosk_flows_abandoned_total", {"service": "payment", "reason": "cancelled"}) == 1
    assert get("kiosk_flows_abandoned_total", {"service": "payment", "reason": "idle_timeout"}) == 1
    assert get("kiosk_flows_abandoned_total", {"service": "reports", "reason": "cancelled"}) == 0  # after an error
    assert get("kiosk_idle_seconds") is not None


def test_the_fhir_adapter_reports_latency_and_errors() -> None:
    metrics = KioskMetrics("OPD-7", "1")
    get = metrics.registry.get_sample_value
    with HisSimulator(patients=3) as simulator:
        settings = HisSection(
            mode="simulator",
            connect_timeout_s=1,
            read_timeout_s=0.5,
            call_deadline_s=3,
            retries=1,
            retry_backoff_s=0.01,
        )
        gateway = FhirHisGateway(settings, simulator.start(), observer=metrics)
        try:
            gateway.departments()
            simulator.add_fault(Fault("status", route="GET Patient", status=503))
            with pytest.raises(HisError):
                gateway.find_patient(Identifier(IdentifierKind.VISIT_CARD, "88000001"))
        finally:
            gateway.close()
    ops = {"search HealthcareService", "search Patient"}
    assert all((get("kiosk_his_request_seconds_count", {"operation": op}) or 0) >= 1 for op in ops)
    # One request and its one retry, both answered 503.
    assert get("kiosk_his_errors_total", {"operation": "search Patient", "kind": "http_5xx"}) == 2
    assert get("kiosk_his_errors_total", {"operation": "search HealthcareService", "kind": "http_5xx"}) is None
