"""The simulated devices ``kiosk demo`` and the technician commands use for ``sim://`` URLs,
plus the actions the demo device panel offers (insert an ID card, swipe, scan, paper out)."""

from __future__ import annotations

from kiosk.demo_people import DEMO_PEOPLE
from kiosk.devices.simulators.hub import SimulatorHub
from kiosk.devices.simulators.idcard import IdCardReaderSimulator, SimIdCard
from kiosk.devices.simulators.printer import PrinterSimulator
from kiosk.devices.simulators.serial_line import MagstripeSimulator, ScannerSimulator
from kiosk.devices.simulators.terminal import TerminalSimulator

# Names used in the demo config's sim:// URLs.
PRINTER = "printer"
ID_CARD = "idcard"
CARD_READER = "cardreader"
SCANNER = "scanner"
TERMINAL = "terminal"

# The demo people: the HIS simulator seeds records with the same numbers.
SAMPLE_ID_CARDS: tuple[SimIdCard, ...] = tuple(
    SimIdCard(name=p.name, id_number=p.id_number, sex_code="1" if p.male else "2", birth_date=p.birth_date)
    for p in DEMO_PEOPLE
)
SAMPLE_VISIT_CARD = DEMO_PEOPLE[1].visit_card
SAMPLE_HEALTH_QR = DEMO_PEOPLE[1].health_qr
SAMPLE_PAYMENT_CODE = "134567890123456789"
SAMPLE_INSURANCE_VOUCHER = "NHSA3A7F00C2E91B44D0A8"
SAMPLE_REPORT_BARCODE = "R2026112100042"


def build_demo_hub() -> SimulatorHub:
    hub = SimulatorHub()
    hub.add(PRINTER, PrinterSimulator())
    hub.add(ID_CARD, IdCardReaderSimulator())
    hub.add(CARD_READER, MagstripeSimulator())
    hub.add(SCANNER, ScannerSimulator())
    hub.add(TERMINAL, TerminalSimulator(stage_delay_s=1.0))
    return hub


class DemoPanel:
    """What the demo's device panel (a separate window or hot keys) calls. Any thread."""

    def __init__(self, hub: SimulatorHub) -> None:
        self.hub = hub

    def insert_id_card(self, index: int = 0) -> None:
        self.hub.get(ID_CARD, IdCardReaderSimulator).insert(SAMPLE_ID_CARDS[index % len(SAMPLE_ID_CARDS)])

    def remove_id_card(self) -> None:
        self.hub.get(ID_CARD, IdCardReaderSimulator).remove()

    def swipe_visit_card(self, number: str = SAMPLE_VISIT_CARD) -> None:
        self.hub.get(CARD_READER, MagstripeSimulator).swipe(f"{number}=4912")

    def scan(self, payload: str = SAMPLE_HEALTH_QR) -> None:
        self.hub.get(SCANNER, ScannerSimulator).scan(payload)

    def scan_payment_code(self) -> None:
        self.scan(SAMPLE_PAYMENT_CODE)

    def scan_insurance_voucher(self) -> None:
        self.scan(SAMPLE_INSURANCE_VOUCHER)

    def scan_report_barcode(self) -> None:
        self.scan(SAMPLE_REPORT_BARCODE)

    def set_paper_out(self, out: bool) -> None:
        self.hub.get(PRINTER, PrinterSimulator).set_paper("out" if out else "ok")

    def set_terminal_behaviour(self, behaviour: str) -> None:
        self.hub.get(TERMINAL, TerminalSimulator).set_behaviour(behaviour)
