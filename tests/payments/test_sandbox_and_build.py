"""The sandbox's pages and API, the provider options in config, and build_payments for the demo."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from kiosk.config import Config, ConfigError, load_config
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import HisSimulator
from kiosk.journal import Journal
from kiosk.payments.build import build_payments
from kiosk.payments.errors import ProviderRejected
from kiosk.payments.sandbox.client import SandboxChannel
from kiosk.payments.sandbox.server import SandboxServer, Script
from kiosk.payments.service import OutcomeKind
from tests.conftest import ROOT
from tests.payments.world import new_bill


@pytest.fixture
def http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def test_a_person_approves_on_the_order_page(sandbox: SandboxServer, http: requests.Session) -> None:
    channel = SandboxChannel(sandbox.base_url)
    try:
        order = channel.create_qr_order("P100", 12345, "门诊缴费 1 张账单", 60)
        with http:
            page = http.get(order.qr_payload, timeout=5)
            assert page.status_code == 200
            assert "text/html" in page.headers["Content-Type"]
            assert "¥123.45" in page.text
            assert "确认支付" in page.text
            assert "拒绝" in page.text
            done = http.post(order.qr_payload, data={"action": "approve"}, timeout=5)
            assert done.status_code == 200  # followed the redirect back to the page
            assert "已支付" in done.text
            assert "确认支付" not in done.text
            again = http.post(order.qr_payload, data={"action": "decline"}, timeout=5)
            assert "已支付" in again.text  # a second click changes nothing
            assert http.get(f"{sandbox.base_url}/pay/NOPE", timeout=5).status_code == 404
            assert "P100" in http.get(sandbox.base_url + "/", timeout=5).text
        assert channel.query("P100").paid_fen == 12345
    finally:
        channel.close_client()


def test_declined_on_the_page(sandbox: SandboxServer, http: requests.Session) -> None:
    channel = SandboxChannel(sandbox.base_url)
    try:
        order = channel.create_qr_order("P101", 100, "x", 60)
        with http:
            http.post(order.qr_payload, data={"action": "decline"}, timeout=5).close()
        assert channel.query("P101").status.value == "failed"
    finally:
        channel.close_client()


def test_scripts_faults_and_statement_over_http(sandbox: SandboxServer, http: requests.Session) -> None:
    with http:
        assert http.post(f"{sandbox.base_url}/_sandbox/script", json={"order_no": "P102", "outcome": "approve"},
                         timeout=5).status_code == 200  # fmt: skip
        channel = SandboxChannel(sandbox.base_url)
        try:
            assert channel.create_qr_order("P102", 500, "x", 60).status.value == "paid"
            day = channel.query("P102").paid_at
            assert day is not None
            assert [o.order_no for o in channel.statement(day.date())] == ["P102"]
            http.post(f"{sandbox.base_url}/_sandbox/faults", json={"operation": "query"}, timeout=5).close()
            with pytest.raises(Exception, match="503"):
                channel.query("P102")
            assert channel.query("P102").status.value == "paid"
        finally:
            channel.close_client()


def test_merchant_token_is_required_when_configured() -> None:
    with SandboxServer(token="s3cret") as server:
        bad = SandboxChannel(server.base_url, token="wrong")
        good = SandboxChannel(server.base_url, token="s3cret")
        try:
            with pytest.raises(ProviderRejected) as info:
                bad.create_qr_order("P1", 100, "x", 60)
            assert info.value.reason == "UNAUTHORIZED"
            assert good.create_qr_order("P1", 100, "x", 60).status.value == "waiting"
        finally:
            bad.close_client()
            good.close_client()


def test_orders_survive_a_sandbox_restart(tmp_path: Path) -> None:
    with SandboxServer(db_path=tmp_path / "sb.sqlite") as server:
        server.script(Script("approve"), order_no="P1")
        server.orders.create("P1", "qr", 100, "x", 60)
        server.orders.close_order("P2")
    with SandboxServer(db_path=tmp_path / "sb.sqlite") as server:
        assert server.orders.get("P1").status == "paid"
        with pytest.raises(Exception, match="closed"):
            server.orders.create("P2", "qr", 100, "x", 60)


def test_demo_config_has_a_working_sandbox_provider(demo_config: Config) -> None:
    (_name, provider), *_ = demo_config.payments.providers.items()
    assert provider.kind == "sandbox"
    assert demo_config.payments.sandbox.host == "127.0.0.1"


@pytest.mark.parametrize(
    ("options", "kind", "message"),
    [
        ("{poll_interval_s: 1}", "scan_to_pay", "scan_to_pay option base_url: Field required"),
        ("{base_url: 'http://127.0.0.1:1', reverse_after_s: 5}", "payment_code", "option reverse_after_s"),
        ("{pol_interval_s: 2}", "sandbox", "sandbox option pol_interval_s: unknown option"),
        ("{poll_interval_s: 1, base_url: 'http://127.0.0.1:1'}", "scan_to_pay", "option poll_interval_s"),
    ],
)
def test_bad_provider_options_name_the_key(
    write_config: Callable[[str], Path], options: str, kind: str, message: str
) -> None:
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    start = text.index("payments:")
    end = text.index("\n# Devices by role")
    block = f"payments:\n  providers:\n    p1:\n      kind: {kind}\n      options: {options}\n"
    with pytest.raises(ConfigError) as info:
        load_config(write_config(text[:start] + block + text[end:]))
    problem = info.value.problems[0]
    assert problem.key == "payments.providers.p1"
    assert message in problem.message


def test_build_payments_runs_the_embedded_sandbox(
    demo_config: Config, tmp_path: Path, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    config = demo_config.model_copy(update={"journal_path": tmp_path / "journal.sqlite"})
    with Journal(config.journal_path) as journal:
        service = build_payments(config, his, None, journal)
        try:
            report = service.start()
            assert report.examined == 0
            assert service.sandbox is not None
            assert service.sandbox.base_url.startswith("http://127.0.0.1:")
            assert (tmp_path / "demo-sandbox.sqlite").exists()
            bill = new_bill(his_sim, patient, 300)
            ticket = service.open_payment("sandbox", patient, [bill], 300)
            service.sandbox.orders.decide(ticket.payment_id, approve=True)  # a person on the page
            assert service.await_payment(ticket.payment_id).kind is OutcomeKind.SETTLED
        finally:
            service.stop()


@pytest.mark.slow
def test_crash_harness_short_run() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "crash_payments.py"), "--runs", "14", "--jobs", "3", "--seed", "3"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        check=False,
    )
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("kill points: ")
    assert last.endswith(" one-sided: 0 doubled: 0 unresolved: 0 wrong-amount: 0"), result.stdout[-3000:]
    assert int(last.split()[2]) >= 10
    assert result.returncode == 0
