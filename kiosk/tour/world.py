"""A running demo kiosk in a private folder, with the simulators a walk drives: the HIS simulator
(its clock fixed in the morning clinic hours, fault injection), the simulated devices of the demo
panel, and the payment sandbox on which the patient "pays with their phone".

Each walk gets a fresh world, so one walk's payments, check-ins and prints never change what the
next one sees, and a walk that fails leaves nothing behind. Built, driven and closed on the GUI
thread; the services run on their own threads as in the demo.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QLocale, QObject, QTranslator
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QApplication

from kiosk.app import Kiosk, build_kiosk
from kiosk.config import Config, DeviceRole
from kiosk.domain import Report, ReportStatus
from kiosk.errors import ConfigurationError
from kiosk.flows.checkin import CheckinFlow
from kiosk.flows.context import FlowContext
from kiosk.flows.events import HomeRequested
from kiosk.flows.registration import RegistrationFlow
from kiosk.flows.registry import build_flows
from kiosk.flows.service import FlowFactory
from kiosk.flows.views import HomeView, QrPaymentView
from kiosk.his.simulator import Fault, HisSimulator
from kiosk.services import Services, build_services
from kiosk.tour.driver import NotShown, PatientDriver, describe
from kiosk.ui.main_window import InputGuard

log = logging.getLogger(__name__)

LANDSCAPE = (1920, 1080)
PORTRAIT = (1080, 1920)
# The HIS's clock during a walk: a morning clinic hour, whatever the time the tour runs. The
# simulator then seeds each demo person one appointment open for check-in (10:00) and one too
# early to check in for (13:00).
CLINIC_TIME = time(9, 10)
# Seeded patients besides the demo people: enough that one has only reports not ready yet.
PATIENTS = 30
# The sandbox's poll interval in a walk: the patient's "phone" answers at once, and a walk need not
# wait the demo's two seconds to hear about it.
SANDBOX_POLL_S = 0.1


def tour_config(
    config: Config, workdir: Path, *, poll_s: float = SANDBOX_POLL_S, card_poll_s: float | None = None
) -> Config:
    """``config`` as one walk runs it: the journal, the sandbox's orders and the A4 "printer" in
    ``workdir``, the sandbox on a free port and polled quickly (and the ID card reader polled every
    ``card_poll_s``, when given). The HIS must be the simulator."""
    if config.his.mode != "simulator":
        raise ConfigurationError("the tour walks the flows against the HIS simulator: set his.mode: simulator")
    devices = dict(config.devices)
    report_printer = devices.get(DeviceRole.REPORT_PRINTER)
    if report_printer is not None:
        tray = f"file://{workdir / 'tray'}"
        devices[DeviceRole.REPORT_PRINTER] = report_printer.model_copy(
            update={"driver": "report_file", "transport": tray, "profile": {}}
        )
    id_card_reader = devices.get(DeviceRole.ID_CARD_READER)
    if id_card_reader is not None and card_poll_s is not None:
        profile = {**id_card_reader.profile, "poll_interval_s": card_poll_s}
        devices[DeviceRole.ID_CARD_READER] = id_card_reader.model_copy(update={"profile": profile})
    providers = dict(config.payments.providers)
    for name, provider in providers.items():
        if provider.kind == "sandbox" and "base_url" not in provider.options:
            poll = min(float(provider.options.get("poll_interval_s", poll_s)), poll_s)
            providers[name] = provider.model_copy(update={"options": {**provider.options, "poll_interval_s": poll}})
    sandbox = config.payments.sandbox.model_copy(
        update={"host": "127.0.0.1", "port": 0, "public_url": None, "db_path": Path("sandbox.sqlite")}
    )
    payments = config.payments.model_copy(update={"providers": providers, "sandbox": sandbox})
    return config.model_copy(
        update={"journal_path": workdir / "journal.sqlite", "devices": devices, "payments": payments}
    )


def _address(qobject: QObject) -> int:
    """The C++ object's address: Python wrappers of a child may differ from call to call."""
    return int(shiboken6.getCppPointer(qobject)[0])


class DemoWorld:
    """One running kiosk with the HIS simulator, simulated devices and the payment sandbox.
    ``his_latency_s`` delays every HIS request (the simulator's fault injection)."""

    def __init__(
        self,
        config: Config,
        qapp: QApplication,
        workdir: Path,
        *,
        size: tuple[int, int] = LANDSCAPE,
        patients: int = PATIENTS,
        his_latency_s: float = 0.0,
        poll_s: float = SANDBOX_POLL_S,
        card_poll_s: float | None = None,
    ) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.config = tour_config(config, workdir, poll_s=poll_s, card_poll_s=card_poll_s)
        self.qapp = qapp
        self.workdir = workdir
        self._size = size
        self._patients = patients
        self._his_latency_s = his_latency_s
        self._locale = QLocale()  # process-wide: the kiosk changes it, close() puts it back
        self._services: Services | None = None
        self._simulator: HisSimulator | None = None
        self._kiosk: Kiosk | None = None
        self._driver: PatientDriver | None = None
        self._app_children: set[int] = set()

    # -- life ------------------------------------------------------------------------------------

    def __enter__(self) -> DemoWorld:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        flows: dict[str, FlowFactory] = {}
        self._app_children = {_address(child) for child in self.qapp.children()}
        # As in a fresh kiosk process: the last world's theme must not style this one's screens
        # as they are built (its font families would hide a problem of the first start).
        self.qapp.setStyleSheet("")
        self.qapp.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.GeneralFont))
        try:
            # The flows need the services, which build_kiosk makes first: the dict is filled then.
            kiosk = build_kiosk(self.config, self.qapp, services=functools.partial(self._build, flows), flows=flows)
            self._kiosk = kiosk
            if self._services is None:
                raise RuntimeError("build_kiosk did not build the services")
            self._services.start()  # synchronously: a walk starts once the HIS and devices are up
            kiosk.start(fullscreen=False, hide_cursor=False)
            kiosk.window.resize(*self._size)
            self._driver = PatientDriver(kiosk, self.qapp)
            self._driver.wait_for(HomeView)
            if self._his_latency_s > 0:
                self.his.add_fault(Fault("latency", seconds=self._his_latency_s))
        except BaseException:
            self.close()
            raise

    def _build(self, flows: dict[str, FlowFactory], config: Config, post: Callable[[Any], None]) -> Services:
        services = build_services(config, post)
        self._services = services
        zone = ZoneInfo(config.his.timezone)
        now = datetime.combine(datetime.now(zone).date(), CLINIC_TIME, zone)
        simulator = HisSimulator(settings=config.his, now=now, patients=self._patients)
        # Services.start() keeps a HIS it is given, and stop() closes both.
        services.his_simulator = simulator
        self._simulator = simulator
        from kiosk.his.fhir import FhirHisGateway  # noqa: PLC0415 - requests: only with services

        services.his = FhirHisGateway(config.his, base_url=simulator.start(), wall=simulator.clock.now)
        context = FlowContext(config, services)
        flows.update(build_flows(context))
        # A flow that compares the HIS's times with its own clock gets the HIS's clock in a walk
        # (registration's walks will want the same for its ``wall`` clock).
        if "checkin" in flows:
            flows["checkin"] = functools.partial(CheckinFlow, context, now=simulator.clock.now)
        if "registration" in flows:  # "today's" sessions are the HIS's today
            flows["registration"] = functools.partial(RegistrationFlow, context, wall=simulator.clock.now)
        return services

    def close(self) -> None:
        """Ends any session (an open payment is cancelled), stops everything; safe to call twice."""
        kiosk, self._kiosk = self._kiosk, None
        try:
            if kiosk is not None:
                # The session first: stopping the devices "removes" an inserted ID card, and a session
                # still open would then go home during stop, installing its language again.
                kiosk.runner.post(HomeRequested())
                self.qapp.processEvents()
                kiosk.stop()
                self._release(kiosk)
            elif self._services is not None:
                self._services.stop()
        finally:
            self._services = None
            self._simulator = None
            self._driver = None
            QLocale.setDefault(self._locale)

    def _release(self, kiosk: Kiosk) -> None:
        """Deletes the stopped kiosk's Qt objects. Kiosk.stop leaves them to the end of the process
        (one kiosk a process); a tour makes one a walk, and every window left alive would be
        restyled and retranslated with each later one, slowing each walk down."""
        for child in self.qapp.children():
            # The input guard and the translators it parented to the application (not what Qt
            # itself made meanwhile, such as the style sheet's style).
            if isinstance(child, InputGuard | QTranslator) and _address(child) not in self._app_children:
                child.deleteLater()
        kiosk.window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    # -- what a walk uses ------------------------------------------------------------------------

    @property
    def kiosk(self) -> Kiosk:
        if self._kiosk is None:
            raise RuntimeError("the world is not running")
        return self._kiosk

    @property
    def driver(self) -> PatientDriver:
        if self._driver is None:
            raise RuntimeError("the world is not running")
        return self._driver

    @property
    def services(self) -> Services:
        if self._services is None:
            raise RuntimeError("the world is not running")
        return self._services

    @property
    def his(self) -> HisSimulator:
        if self._simulator is None:
            raise RuntimeError("the world is not running")
        return self._simulator

    def pay_on_phone(self, approve: bool = True) -> None:
        """The patient scans the QR code on screen and approves (or declines) on the sandbox page."""
        view = self.driver.view
        sandbox = self.services.payments.sandbox if self.services.payments is not None else None
        if not isinstance(view, QrPaymentView) or sandbox is None:
            raise NotShown(f"no sandbox QR code to pay; the screen shows {describe(view)}")
        sandbox.orders.decide(view.payload.rsplit("/", 1)[-1], approve=approve)

    def fill_slot(self, slot_id: str) -> None:
        """Someone else books the last places of a session (at the counter, another kiosk)."""
        slot = self.his.store.read("Slot", slot_id)
        if slot is None:
            raise LookupError(f"no slot {slot_id}")
        remaining = self.his.systems.ext("slot-remaining")
        slot["extension"] = [e for e in slot.get("extension", []) if e.get("url") != remaining]
        slot["extension"].append({"url": remaining, "valueInteger": 0})
        slot["status"] = "busy"
        self.his.store.update("Slot", slot_id, slot, self.his.clock.now())

    def seeded_patients(self) -> Iterator[str]:
        """The ids of the simulator's own (not demo) patients, in seeding order."""
        for index in range(1, self._patients + 1):
            yield f"pat-{index:04d}"

    def visit_card(self, patient_id: str) -> str:
        """The number on a seeded patient's visit card, read from the simulator's records."""
        record = self.his.store.read("Patient", patient_id) or {}
        for identifier in record.get("identifier", []):
            if identifier.get("system") == self.his.systems.visit_card:
                return str(identifier["value"])
        raise LookupError(f"{patient_id} has no visit card")

    def visit_card_where(self, wanted: Callable[[str], bool], what: str) -> str:
        """The visit card number of the first seeded patient for whom ``wanted(patient_id)``."""
        for patient_id in self.seeded_patients():
            if wanted(patient_id):
                return self.visit_card(patient_id)
        raise LookupError(f"no seeded patient {what}")

    def reports_of(self, patient_id: str) -> list[Report]:
        his = self.services.his
        if his is None:
            raise RuntimeError("the HIS gateway is not up")
        return list(his.reports(patient_id))

    def nothing_ready(self, patient_id: str) -> bool:
        """Has reports, none of which can be printed yet."""
        reports = self.reports_of(patient_id)
        return bool(reports) and all(r.status is ReportStatus.PENDING for r in reports)
