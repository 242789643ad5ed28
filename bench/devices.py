"""Device layer benchmark: receipt layout-to-bytes, reader byte-in to event-posted latency,
reconnect time after replug. Run: ``.venv/bin/python bench/devices.py``."""

from __future__ import annotations

import logging
import statistics
import tempfile
import threading
import time
from pathlib import Path

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.escpos_printer import PrinterProfile
from kiosk.devices.events import DeviceEvent, DeviceStatusChanged, QrScanned
from kiosk.devices.manager import DeviceManager
from kiosk.devices.receipt import Receipt, ReceiptItem, ReceiptTotal, render_receipt
from kiosk.devices.simulators.hub import SimulatorHub
from kiosk.devices.simulators.serial_line import ScannerSimulator
from kiosk.devices.status import DeviceState

RECEIPT = Receipt(
    title="门诊缴费凭证",
    subtitle="示例市第一人民医院",
    patient_masked="张*明 110***********1234",
    fields=(("科室", "心血管内科"), ("医生", "王医生"), ("流水号", "20240501-000123")),
    items=tuple(ReceiptItem(f"检查项目 {i} Examination item number {i}", 1000 + i) for i in range(12)),
    totals=(ReceiptTotal("合计", 12066, emphasis=True), ReceiptTotal("医保支付", 5000), ReceiptTotal("自付", 7066)),
    qr="https://his.example.org/r/20240501-000123",
    footer=("请妥善保管本凭证 ¥", "Thank you"),
)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def bench_layout() -> None:
    for label, options in (
        ("58 mm Chinese mode, native QR", {"paper_width_mm": 58}),
        ("80 mm Chinese mode, native QR", {"paper_width_mm": 80}),
        ("80 mm Chinese mode, image QR", {"paper_width_mm": 80, "native_qr": False}),
        ("80 mm raster text, image QR", {"paper_width_mm": 80, "text_mode": "raster", "native_qr": False}),
    ):
        profile = PrinterProfile.model_validate(options).layout_profile()
        render_receipt(RECEIPT, profile)  # warm caches (font, codecs)
        times = []
        for _ in range(50):
            start = time.perf_counter()
            data = render_receipt(RECEIPT, profile)
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"layout {label:34} median {statistics.median(times):6.2f} ms  p95 {pct(times, 0.95):6.2f} ms"
            f"  ({len(data)} bytes; goal < 20 ms)"
        )


class Timed:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.events: list[tuple[float, DeviceEvent]] = []

    def __call__(self, event: DeviceEvent) -> None:
        with self.cond:
            self.events.append((time.perf_counter(), event))
            self.cond.notify_all()

    def wait(self, pred: object, after: int, timeout: float = 5.0) -> tuple[float, DeviceEvent]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for stamp, event in self.events[after:]:
                    if pred(event):  # type: ignore[operator]
                        return stamp, event
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                self.cond.wait(remaining)


def bench_reader_and_reconnect(transport: str) -> None:
    hub = SimulatorHub()
    sim = hub.add("scanner", ScannerSimulator())
    with tempfile.TemporaryDirectory() as tmp:
        url = "sim://scanner" if transport == "sim" else str(hub.serve_pty("scanner", Path(tmp) / "tty"))
        timed = Timed()
        manager = DeviceManager(
            {DeviceRole.SCANNER: DeviceConfig(driver="serial_scanner", transport=url, profile={"repeat_window_s": 0})},
            timed,
            sim_hub=hub,
        )
        manager.start()
        try:
            manager.wait_until(lambda st: st[DeviceRole.SCANNER].state is DeviceState.READY, 5)
            latencies = []
            for i in range(100):
                mark = len(timed.events)
                start = time.perf_counter()
                sim.scan(f"R20240501{i:05d}")
                stamp, _ = timed.wait(lambda e: isinstance(e, QrScanned), mark)
                latencies.append((stamp - start) * 1000)
                time.sleep(0.005)
            print(
                f"reader byte-in -> event posted ({transport:3}): median {statistics.median(latencies):5.2f} ms"
                f"  p95 {pct(latencies, 0.95):5.2f} ms  max {max(latencies):5.2f} ms  (goal < 50 ms)"
            )
            reconnects = []
            for unplugged_s in (0.15, 0.45, 1.0, 2.2, 3.3):
                mark = len(timed.events)
                hub.unplug("scanner")
                timed.wait(
                    lambda e: isinstance(e, DeviceStatusChanged) and e.status.state is DeviceState.DISCONNECTED, mark
                )
                time.sleep(unplugged_s)  # longer outages grow the backoff up to its cap
                mark = len(timed.events)
                start = time.perf_counter()
                hub.replug("scanner")
                stamp, _ = timed.wait(
                    lambda e: isinstance(e, DeviceStatusChanged) and e.status.state is DeviceState.READY, mark
                )
                reconnects.append(stamp - start)
            shown = ", ".join(f"{r * 1000:.0f}" for r in reconnects)
            print(
                f"reconnect after replug ({transport:3}), outages 0.15/0.45/1.0/2.2/3.3 s: {shown} ms;"
                f" max {max(reconnects) * 1000:.0f} ms (goal < 2 s; backoff cap 1 s)"
            )
        finally:
            manager.stop()
            hub.close()


def main() -> None:
    logging.getLogger().setLevel(logging.ERROR)  # unplug warnings are expected here
    bench_layout()
    for transport in ("sim", "pty"):
        bench_reader_and_reconnect(transport)


if __name__ == "__main__":
    main()
