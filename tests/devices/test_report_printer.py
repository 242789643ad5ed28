"""A4 report printer: the file backend, and CUPS through lp/lpstat (faked by small scripts,
since tests cannot run a CUPS scheduler)."""

from __future__ import annotations

import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.errors import ReportPrintFailedError
from kiosk.devices.events import ReportJobFinished
from kiosk.devices.manager import DeviceManager
from kiosk.devices.selftest import sample_report_pdf
from kiosk.devices.status import DeviceState, StatusFlag

from .conftest import Collector

ROLE = DeviceRole.REPORT_PRINTER


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    return sample_report_pdf(tmp_path / "report.pdf")


def test_file_backend_files_the_pdf(
    tmp_path: Path, pdf: Path, make_manager: Callable[..., DeviceManager], collector: Collector
) -> None:
    folder = tmp_path / "out"
    manager = make_manager({ROLE: DeviceConfig(driver="report_file", transport=f"file://{folder}")})
    collector.wait_state(ROLE, DeviceState.READY)
    outcome = manager.print_report(pdf, job_id="rep/1").result(timeout=5)
    assert outcome.printed
    assert Path(outcome.location) == folder / "rep_1.pdf"
    assert (folder / "rep_1.pdf").read_bytes() == pdf.read_bytes()
    assert collector.wait_for(ReportJobFinished).printed
    not_pdf = tmp_path / "x.pdf"
    not_pdf.write_bytes(b"hello")
    with pytest.raises(ReportPrintFailedError, match="not a PDF"):
        manager.print_report(not_pdf, job_id="rep-2").result(timeout=5)


def _script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.fixture
def fake_cups(tmp_path: Path) -> dict[str, str]:
    """lp queues a job; lpstat shows it pending twice, then completed (or aborted)."""
    state = tmp_path / "state"
    state.mkdir()
    lp = _script(tmp_path / "lp", f'echo "$@" > {state}/lp-args\necho "request id is A4-7 (1 file(s))"\n')
    lpstat = _script(
        tmp_path / "lpstat",
        f"""case "$*" in
  *-p*) echo "printer A4 is idle.  enabled since Mon 01 Jan 2024" ;;
  *not-completed*) n=$(cat {state}/n 2>/dev/null || echo 0); echo $((n+1)) > {state}/n
     [ "$n" -lt 2 ] && echo "A4-7  kiosk  10240  Mon 01 Jan 2024" ;;
  *completed*) [ -f {state}/abort ] || echo "A4-7  kiosk  10240  Mon 01 Jan 2024" ;;
esac
exit 0
""",
    )
    return {"lp_command": lp, "lpstat_command": lpstat, "follow_interval_s": 0.05, "state": str(state)}


@pytest.mark.parametrize("aborted", [False, True])
def test_cups_job_followed_to_the_end(
    fake_cups: dict[str, str],
    pdf: Path,
    make_manager: Callable[..., DeviceManager],
    collector: Collector,
    aborted: bool,
) -> None:
    state = Path(fake_cups.pop("state"))
    if aborted:
        (state / "abort").touch()
    manager = make_manager({ROLE: DeviceConfig(driver="cups", transport="cups://A4", profile=fake_cups)})
    collector.wait_state(ROLE, DeviceState.READY)
    future = manager.print_report(pdf, job_id="r1", title="检验报告")
    if aborted:
        with pytest.raises(ReportPrintFailedError, match="cancelled or aborted"):
            future.result(timeout=5)
    else:
        assert future.result(timeout=5).location == "A4-7"
    args = (state / "lp-args").read_text()
    assert "-d A4" in args
    assert "media=A4" in args
    assert str(pdf) in args
    assert int((state / "n").read_text()) >= 3  # followed while pending


def test_missing_cups_client_is_reported(make_manager: Callable[..., DeviceManager], collector: Collector) -> None:
    options = {"lpstat_command": "/nonexistent/lpstat"}
    make_manager({ROLE: DeviceConfig(driver="cups", transport="cups://A4", profile=options)})
    event = collector.wait_state(ROLE, DeviceState.ERROR)
    assert StatusFlag.DEPENDENCY_MISSING in event.status.flags
    assert "cups-client" in event.status.detail


def test_real_lpstat_without_scheduler_reports_disconnected(
    make_manager: Callable[..., DeviceManager], collector: Collector
) -> None:
    import shutil

    if shutil.which("lpstat") is None:
        pytest.skip("cups-client not installed")
    make_manager({ROLE: DeviceConfig(driver="cups", transport="cups://127.0.0.1:1/A4")})
    event = collector.wait_state(ROLE, DeviceState.DISCONNECTED, timeout=10)
    assert "CUPS queue A4" in event.status.detail
