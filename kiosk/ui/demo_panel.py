"""The demo's device panel: a separate window that plays the patient's hands at the devices
(insert an ID card, swipe, scan, pull the paper) and shows each device's live status.

Only ``kiosk demo`` with simulated devices shows it. GUI thread only; the simulators it drives
are thread-safe, and the events they cause reach the kiosk through the real drivers.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtWidgets import QComboBox, QGridLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from kiosk.devices.manager import DeviceManager
from kiosk.devices.simulators.demo import SAMPLE_ID_CARDS, DemoPanel
from kiosk.devices.status import DeviceState

TERMINAL_BEHAVIOURS = ("approve", "decline", "timeout", "mid_frame", "busy", "no_ack", "nak_first", "garbage")
_STATE_COLOURS = {
    DeviceState.READY: "#1B5E20",
    DeviceState.BUSY: "#0B5CAD",
    DeviceState.WARNING: "#8A4B00",
    DeviceState.ERROR: "#B00020",
    DeviceState.DISCONNECTED: "#B00020",
}


class DemoPanelWindow(QWidget):
    def __init__(self, panel: DemoPanel, devices: DeviceManager) -> None:
        super().__init__(None, Qt.WindowType.Tool | Qt.WindowType.WindowStaysOnTopHint)
        self.setObjectName("demoPanel")
        # A desk tool for the person running the demo, not a patient screen: compact, so it
        # covers as little of the kiosk as possible.
        self.setStyleSheet(
            "QWidget { font-size: 15px; }"
            " QPushButton { min-height: 30px; padding: 2px 8px; border-radius: 6px; font-size: 15px; }"
        )
        self._panel = panel
        self._devices = devices
        self._paper_out = False

        self.action_box = QGroupBox()
        grid = QGridLayout(self.action_box)
        self.insert_buttons = []
        for index, _card in enumerate(SAMPLE_ID_CARDS):
            insert = QPushButton()
            insert.clicked.connect(lambda _=False, i=index: self._panel.insert_id_card(i))
            self.insert_buttons.append(insert)
            grid.addWidget(insert, 0, index)
        self.remove_button = self._action(panel.remove_id_card)
        self.swipe_button = self._action(panel.swipe_visit_card)
        self.health_qr_button = self._action(panel.scan)
        self.payment_code_button = self._action(panel.scan_payment_code)
        self.voucher_button = self._action(panel.scan_insurance_voucher)
        self.report_barcode_button = self._action(panel.scan_report_barcode)
        self.paper_button = self._action(self._toggle_paper)
        self.terminal_choice = QComboBox()
        self.terminal_choice.addItems(TERMINAL_BEHAVIOURS)
        self.terminal_choice.currentTextChanged.connect(panel.set_terminal_behaviour)
        self.terminal_label = QLabel()
        for row, (left, right) in enumerate(
            [
                (self.remove_button, self.swipe_button),
                (self.health_qr_button, self.payment_code_button),
                (self.voucher_button, self.report_barcode_button),
                (self.paper_button, None),
                (self.terminal_label, self.terminal_choice),
            ],
            start=1,
        ):
            grid.addWidget(left, row, 0)
            if right is not None:
                grid.addWidget(right, row, 1)

        self.status_box = QGroupBox()
        self.status_labels: dict[str, QLabel] = {}
        status_layout = QVBoxLayout(self.status_box)
        for role in devices.roles:
            line = QLabel()
            line.setTextFormat(Qt.TextFormat.PlainText)
            self.status_labels[role.value] = line
            status_layout.addWidget(line)

        layout = QVBoxLayout(self)
        layout.addWidget(self.action_box)
        layout.addWidget(self.status_box)
        self._timer = QTimer(self)
        self._timer.setInterval(500)
        self._timer.timeout.connect(self.refresh_status)
        self._timer.start()
        self.retranslate()
        self.refresh_status()

    def _action(self, slot: Callable[[], None]) -> QPushButton:
        widget = QPushButton()
        widget.clicked.connect(lambda _=False: slot())
        return widget

    def _toggle_paper(self) -> None:
        self._paper_out = not self._paper_out
        self._panel.set_paper_out(self._paper_out)
        self.retranslate()

    def refresh_status(self) -> None:
        """Polls the manager (cheap, lock-protected): the panel shows what a technician would see."""
        for role, status in self._devices.statuses().items():
            line = self.status_labels.get(role.value)
            if line is not None:
                line.setText(f"{role.value}: {status.describe()}")
                colour = _STATE_COLOURS.get(status.state, "#102A43")
                line.setStyleSheet(f"color: {colour};")

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Demo devices"))
        self.action_box.setTitle(self.tr("Act as the patient"))
        self.status_box.setTitle(self.tr("Device status"))
        for button, card in zip(self.insert_buttons, SAMPLE_ID_CARDS, strict=True):
            # Fictitious demo people; masked like everywhere else on screen.
            button.setText(self.tr("Insert ID card %1").replace("%1", card.name[0] + "*"))
        self.remove_button.setText(self.tr("Remove ID card"))
        self.swipe_button.setText(self.tr("Swipe visit card"))
        self.health_qr_button.setText(self.tr("Scan health code"))
        self.payment_code_button.setText(self.tr("Scan payment code"))
        self.voucher_button.setText(self.tr("Scan insurance e-voucher"))
        self.report_barcode_button.setText(self.tr("Scan report slip"))
        self.paper_button.setText(self.tr("Put paper back") if self._paper_out else self.tr("Take the paper out"))
        self.terminal_label.setText(self.tr("Card terminal answers:"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)
