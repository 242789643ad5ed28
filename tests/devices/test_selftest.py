"""Technician commands against the demo simulators."""

from __future__ import annotations

import pytest

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.selftest import mask, self_test, status_report

DEMO = {
    DeviceRole.RECEIPT_PRINTER: DeviceConfig(
        driver="escpos", transport="sim://printer", profile={"paper_width_mm": 80}
    ),
    DeviceRole.ID_CARD_READER: DeviceConfig(driver="id_card_ga467", transport="sim://idcard"),
    DeviceRole.CARD_READER: DeviceConfig(driver="magstripe", transport="sim://cardreader"),
    DeviceRole.SCANNER: DeviceConfig(driver="serial_scanner", transport="sim://scanner"),
    DeviceRole.CARD_TERMINAL: DeviceConfig(driver="card_terminal", transport="sim://terminal"),
}


def test_status_report_all_ready() -> None:
    lines: list[str] = []
    assert status_report(DEMO, lines.append)
    assert len(lines) == 5
    assert all(line.rstrip().endswith("ready") for line in lines)


def test_status_report_not_ready_when_a_device_is_missing(tmp_path: object) -> None:
    lines: list[str] = []
    devices = {DeviceRole.RECEIPT_PRINTER: DeviceConfig(driver="escpos", transport="/nonexistent/tty")}
    assert not status_report(devices, lines.append, timeout=3)
    assert "disconnected" in lines[0]


@pytest.mark.parametrize("role", list(DEMO))
def test_self_test_each_role(role: DeviceRole) -> None:
    lines: list[str] = []
    assert self_test(DEMO, role, lines.append, timeout=10), lines
    text = "\n".join(lines)
    assert "110105194912" not in text  # identity numbers are masked in technician output


def test_self_test_report_printer(tmp_path: object) -> None:
    devices = {DeviceRole.REPORT_PRINTER: DeviceConfig(driver="report_file", transport=f"file://{tmp_path}")}
    lines: list[str] = []
    assert self_test(devices, DeviceRole.REPORT_PRINTER, lines.append, timeout=10), lines


def test_mask() -> None:
    assert mask("11010519491231002X") == "110***********002X"
    assert mask("1234") == "****"
