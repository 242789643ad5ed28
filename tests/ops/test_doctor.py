"""`kiosk doctor`'s operations checks: journal integrity, disk space and devices (opened, or read
from the running kiosk's metrics), each a clear line, and the exit status scripts rely on."""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk import cli, doctor
from kiosk.config import DeviceRole, load_config
from kiosk.devices.status import READY, DeviceState, DeviceStatus, StatusFlag
from kiosk.journal import SCHEMA_VERSION, Journal
from kiosk.ops.metrics import KioskMetrics, MetricsServer

DEMO = Path(cli.DEMO_CONFIG)
Usage = namedtuple("Usage", "total used free")


@pytest.fixture
def config_file(tmp_path: Path) -> Callable[..., Path]:
    """The demo configuration with its journal in tmp_path and the metrics on ``port``."""

    def write(port: int = 9471) -> Path:
        text = DEMO.read_text(encoding="utf-8")
        text = text.replace("journal_path: var/demo-journal.sqlite", f"journal_path: {tmp_path / 'journal.sqlite'}")
        text = text.replace("  port: 9471\n", f"  port: {port}\n")
        path = tmp_path / "config.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return write


def report(capsys: pytest.CaptureFixture[str], config: Path) -> tuple[int, list[str]]:
    status = cli.main(["doctor", "--config", str(config)])
    lines = capsys.readouterr().out.splitlines()
    failed = sum(line.startswith("[FAIL]") for line in lines)
    assert lines[-1] == f"{len(lines) - 1} checks, {failed} failed"
    assert status == (1 if failed else 0)  # scripts: 0 all good, 1 a check failed
    return status, lines


def mine(lines: list[str]) -> list[str]:
    return [line for line in lines if any(f"] {c}:" in line for c in ("journal integrity", "disk", "devices"))]


def test_a_healthy_kiosk(config_file: Callable[..., Path], capsys: pytest.CaptureFixture[str], free_port: int) -> None:
    config = config_file(free_port)
    _status, lines = report(capsys, config)
    checks = mine(lines)
    assert any("[  ok] journal integrity:" in line and "does not exist yet" in line for line in checks)
    assert any(line.startswith("[  ok] disk:") and "GB free for the journal" in line for line in checks)
    roles = [role.value for role in load_config(config).devices]
    for role in roles:  # the demo's simulated devices, opened for the check
        assert f"[  ok] devices: {role}: ready" in checks

    Journal(load_config(config).journal_path).open().close()
    _status, lines = report(capsys, config)
    assert any(f"is intact (schema version {SCHEMA_VERSION})" in line for line in mine(lines))


def test_a_damaged_journal_fails(config_file: Callable[..., Path], capsys: pytest.CaptureFixture[str]) -> None:
    config = config_file()
    path = load_config(config).journal_path
    Journal(path).open().close()
    data = bytearray(path.read_bytes())
    assert len(data) > 3 * 4096
    data[4096:8192] = b"\xff" * 4096  # scribble over the second page (the first table's)
    path.write_bytes(bytes(data))
    status, lines = report(capsys, config)
    assert status == 1
    assert any(line.startswith("[FAIL] journal integrity:") for line in lines)


def test_a_journal_from_newer_software_fails(
    config_file: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    config = config_file()
    path = load_config(config).journal_path
    Journal(path).open().close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    status, lines = report(capsys, config)
    assert status == 1
    assert any("[FAIL] journal integrity:" in line and "newer than this software" in line for line in lines)


@pytest.mark.parametrize(("free", "outcome"), [(150_000_000, "FAIL"), (600_000_000, "warn"), (5_000_000_000, "ok")])
def test_disk_space_of_the_journal(
    config_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, free: int, outcome: str
) -> None:
    monkeypatch.setattr(doctor.shutil, "disk_usage", lambda _path: Usage(10**11, 10**11 - free, free))
    (finding,) = doctor.check_disk(load_config(config_file()))
    assert finding.outcome.value == outcome
    assert f"{free / 1e9:.2f} GB free" in finding.detail


def test_devices_of_a_running_kiosk_come_from_its_metrics(
    config_file: Callable[..., Path], capsys: pytest.CaptureFixture[str], free_port: int
) -> None:
    """The kiosk holds its ports: doctor asks its metrics endpoint instead of opening them."""
    metrics = KioskMetrics("DEMO-OPD-01", "1")
    out_of_paper = DeviceStatus(DeviceState.ERROR, frozenset({StatusFlag.PAPER_OUT}), "paper out")
    metrics.watch_devices(lambda: {DeviceRole.RECEIPT_PRINTER: out_of_paper, DeviceRole.SCANNER: READY})
    server = MetricsServer(metrics.registry, "127.0.0.1", free_port)
    assert server.start() == free_port
    try:
        status, lines = report(capsys, config_file(free_port))
    finally:
        server.stop()
    assert status == 1
    checks = mine(lines)
    assert "[FAIL] devices: receipt_printer: error, paper out (from the running kiosk)" in checks
    assert "[  ok] devices: scanner: ready (from the running kiosk)" in checks
    assert "[FAIL] devices: card_terminal: not reported (from the running kiosk)" in checks


def test_bad_configuration_exits_2(write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config("kiosk: {id: X}\nmetrics: {port: 0, bind: localhost}\n")
    assert cli.main(["doctor", "--config", str(config)]) == 2
    out = capsys.readouterr().out
    assert "metrics.port" in out
    assert "metrics.bind: 'localhost' is not an IP address" in out


@pytest.fixture
def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
