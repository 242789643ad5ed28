"""The technician commands behind ``kiosk devices status`` and ``kiosk devices test ROLE``.

Plain functions the CLI calls on its main thread; output goes through ``out`` one line at a
time, identity values masked. With ``sim://`` URLs and no hub given, the demo simulators are
used (and, for readers, a sample card or scan is injected so the test shows a result).
"""

from __future__ import annotations

import logging
import queue
import tempfile
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from kiosk.config import DeviceConfig, DeviceRole
from kiosk.devices.errors import DeviceError
from kiosk.devices.events import CardRead, CardReadFailed, DeviceEvent, IdCardRead, QrScanned
from kiosk.devices.manager import DeviceManager
from kiosk.devices.receipt import Receipt, ReceiptItem, ReceiptTotal, find_cjk_font
from kiosk.devices.simulators.demo import DemoPanel, build_demo_hub
from kiosk.devices.simulators.hub import SimulatorHub
from kiosk.devices.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)

Out = Callable[[str], None]


def mask(value: str, head: int = 3, tail: int = 4) -> str:
    """Technician output only; the patient-facing screens use the domain's masking helper."""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def sample_receipt() -> Receipt:
    return Receipt(
        title="自助机测试页",
        subtitle="Kiosk self-test 打印机自检",
        patient_masked="张*三 110***********002X",
        fields=(("时间", time.strftime("%Y-%m-%d %H:%M:%S")), ("编号", "SELFTEST")),
        items=(ReceiptItem("挂号费 Registration fee", 500), ReceiptItem("检查费（血常规）", 2350, 2)),
        totals=(ReceiptTotal("合计 Total", 5200, emphasis=True),),
        qr="https://example.invalid/kiosk/selftest",
        qr_caption="扫码测试 Scan test",
        footer=("中文、数字 0123456789、¥ 符号", "If this prints cleanly, the printer is set up."),
    )


def sample_report_pdf(path: Path) -> Path:
    """A one-page A4 PDF with Chinese text (Pillow; no Qt below the UI)."""
    width, height = 1240, 1754  # A4 at 150 dpi
    page = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(find_cjk_font(), 48)
    small = ImageFont.truetype(find_cjk_font(), 32)
    draw.text((120, 150), "检验报告 自检页 / Report printer self-test", font=font, fill="black")
    draw.rectangle((120, 260, width - 120, 264), fill="black")
    for i, line in enumerate(("项目 Item        结果 Result    参考 Range", "白细胞 WBC        6.2          3.5-9.5")):
        draw.text((120, 320 + i * 60), line, font=small, fill="black")
    draw.text((120, height - 200), time.strftime("%Y-%m-%d %H:%M:%S"), font=small, fill="black")
    page.save(path, "PDF", resolution=150)
    return path


def _needs_sim(devices: Mapping[DeviceRole, DeviceConfig]) -> bool:
    return any(c.transport.lower().startswith("sim://") for c in devices.values())


def status_report(
    devices: Mapping[DeviceRole, DeviceConfig], out: Out, *, sim_hub: SimulatorHub | None = None, timeout: float = 5.0
) -> bool:
    """Print each device's status; True only when every configured device is ready."""
    own_hub = sim_hub is None and _needs_sim(devices)
    hub = build_demo_hub() if own_hub else sim_hub
    manager = DeviceManager(devices, lambda event: None, sim_hub=hub)
    try:
        manager.start()
        statuses = manager.wait_settled(timeout)
    finally:
        manager.stop()
        if own_hub and hub is not None:
            hub.close()
    if not statuses:
        out("no devices configured")
        return False
    for role, status in statuses.items():
        out(f"{role.value:16} {devices[role].driver:15} {status.describe()}")
    return all(s.state is DeviceState.READY for s in statuses.values())


def describe_event(event: DeviceEvent) -> str:
    if isinstance(event, IdCardRead):
        card = event.card
        return f"ID card: name {card.name[:1]}*, ID {mask(card.id_number)}, valid to {card.valid_to}"
    if isinstance(event, CardRead):
        return f"card ({event.source}): {event.identifier.system} {mask(event.identifier.value)}"
    if isinstance(event, QrScanned):
        return f"scan: {event.kind.value}, {len(event.payload)} characters, {mask(event.payload)}"
    if isinstance(event, CardReadFailed):
        return f"a card was seen but could not be read: {event.reason}"
    return type(event).__name__


def self_test(  # one branch per device kind reads best here
    devices: Mapping[DeviceRole, DeviceConfig],
    role: DeviceRole,
    out: Out,
    *,
    sim_hub: SimulatorHub | None = None,
    timeout: float = 30.0,
) -> bool:
    """Run ``role``'s self-test: print a sample receipt or A4 page, or wait for one card / scan."""
    if role not in devices:
        out(f"{role.value} is not configured")
        return False
    own_hub = sim_hub is None and _needs_sim(devices)
    hub = build_demo_hub() if own_hub else sim_hub
    events: queue.Queue[DeviceEvent] = queue.Queue()
    manager = DeviceManager({role: devices[role]}, events.put, sim_hub=hub)
    ok = False
    try:
        manager.start()
        status = manager.wait_until(lambda st: st[role].state is not DeviceState.DISCONNECTED, 5.0)[role]
        out(f"{role.value}: {status.describe()}")
        if not status.usable:
            return False
        if role is DeviceRole.RECEIPT_PRINTER:
            outcome = manager.print_receipt(sample_receipt(), job_id=f"selftest-{uuid.uuid4().hex[:8]}").result(timeout)
            out(f"sample receipt printed: {outcome.printed}")
            ok = bool(outcome.printed)
        elif role is DeviceRole.REPORT_PRINTER:
            with tempfile.TemporaryDirectory() as tmp:
                pdf = sample_report_pdf(Path(tmp) / "selftest.pdf")
                outcome = manager.print_report(pdf, job_id=f"selftest-{uuid.uuid4().hex[:8]}").result(timeout)
            out(f"sample A4 page printed: {outcome.printed} {outcome.location}")
            ok = bool(outcome.printed)
        elif role is DeviceRole.CARD_TERMINAL:
            result = manager.submit(role, "query_last", ttl=5.0).result(timeout)
            out(f"terminal answered: last transaction {result.outcome.value}, card {result.masked_pan or '-'}")
            ok = True
        else:
            if own_hub and hub is not None:
                _inject_sample(hub, role)
            out("waiting for a card or a scan ...")
            ok = _wait_for_read(events, out, timeout)
    except DeviceError as exc:
        out(f"{role.value}: failed: {exc} (code {exc.code})")
    except TimeoutError:
        out(f"{role.value}: no result within {timeout:.0f} s")
    finally:
        manager.stop()
        if own_hub and hub is not None:
            hub.close()
    return ok


def _inject_sample(hub: SimulatorHub, role: DeviceRole) -> None:
    panel = DemoPanel(hub)
    actions: dict[DeviceRole, Callable[[], None]] = {
        DeviceRole.ID_CARD_READER: panel.insert_id_card,
        DeviceRole.CARD_READER: panel.swipe_visit_card,
        DeviceRole.SCANNER: panel.scan,
    }
    hub.scheduler.call_later(0.5, actions[role])


def _wait_for_read(events: queue.Queue[DeviceEvent], out: Out, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            event = events.get(timeout=max(0.0, min(0.5, deadline - time.monotonic())))
        except queue.Empty:
            continue
        if isinstance(event, IdCardRead | CardRead | QrScanned | CardReadFailed):
            out(describe_event(event))
            return not isinstance(event, CardReadFailed)
    out("nothing was read")
    return False


def all_ready(statuses: Mapping[DeviceRole, DeviceStatus]) -> bool:
    return bool(statuses) and all(s.state is DeviceState.READY for s in statuses.values())
