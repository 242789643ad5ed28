"""The PIN pad in front of the admin screen: a staff number first where the configuration has
personal PINs, then the PIN, shown only as dots. It checks nothing itself: the controller asks
the AdminGuard on a worker and tells the pad the outcome. GUI thread only."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QVBoxLayout, QWidget

from kiosk.adminpin import MAX_PIN_DIGITS, MIN_PIN_DIGITS
from kiosk.ui.widgets import button, label

MAX_DIGITS = MAX_PIN_DIGITS


class PinPad(QWidget):
    submitted = Signal(str, str)  # staff number ("" with one shared PIN), PIN
    cancelled = Signal()
    touched = Signal()  # any key: the controller's inactivity timer starts again

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._needs_staff = False
        self._staff = ""
        self._digits = ""
        self._busy = False
        self._message: tuple[str, dict[str, object]] | None = None

        self.title = label("title")
        self.field = label("body")
        self.entry = label("query", wrap=False)
        self.entry.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message = label("notice")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        keys = QGridLayout()
        keys.setSpacing(16)
        self.keys: dict[str, object] = {}
        for index, digit in enumerate("123456789"):
            self._key(keys, digit, index // 3, index % 3)
        self.clear_key = self._key(keys, "clear", 3, 0)
        self._key(keys, "0", 3, 1)
        self.back_key = self._key(keys, "back", 3, 2)
        self.cancel_button = button()
        self.cancel_button.clicked.connect(self._cancel)
        self.ok_button = button("primary")
        self.ok_button.clicked.connect(self._ok)
        actions = QHBoxLayout()
        actions.setSpacing(24)
        actions.addWidget(self.cancel_button)
        actions.addWidget(self.ok_button)

        column = QVBoxLayout()
        column.setSpacing(20)
        column.addWidget(self.title)
        column.addWidget(self.field)
        column.addWidget(self.entry)
        column.addLayout(keys)
        column.addLayout(actions)
        column.addWidget(self.message)
        column.addStretch(1)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(48, 32, 48, 32)
        outer.addStretch(1)
        outer.addLayout(column, 3)
        outer.addStretch(1)
        self.reset(needs_staff=False)

    def _key(self, grid: QGridLayout, name: str, row: int, col: int) -> QWidget:
        key = button("key")
        key.setObjectName(f"key-{name}")
        key.clicked.connect(lambda _checked=False, n=name: self.press(n))
        grid.addWidget(key, row, col)
        self.keys[name] = key
        return key

    # -- the controller's side -------------------------------------------------------------------

    def reset(self, *, needs_staff: bool) -> None:
        self._needs_staff = needs_staff
        self._staff = ""
        self._digits = ""
        self._busy = False
        self._message = None
        self.retranslate()

    def show_outcome(self, message: str, **params: object) -> None:
        """After an attempt: the PIN is cleared (and the staff number asked again)."""
        self._busy = False
        self._digits = ""
        self._staff = ""
        self._message = (message, params)
        self.retranslate()

    def set_busy(self) -> None:
        self._busy = True
        self._message = ("checking", {})
        self.retranslate()

    @property
    def asking_staff(self) -> bool:
        return self._needs_staff and not self._staff

    # -- keys --------------------------------------------------------------------------------------

    def press(self, key: str) -> None:
        self.touched.emit()
        if self._busy:
            return
        if key == "clear":
            self._digits = ""
        elif key == "back":
            self._digits = self._digits[:-1]
        elif key.isdigit() and len(self._digits) < MAX_DIGITS:
            self._digits += key
        self.retranslate()

    def _ok(self) -> None:
        self.touched.emit()
        if self._busy or not self._digits:
            return
        if self.asking_staff:
            self._staff, self._digits = self._digits, ""
            self._message = None
            self.retranslate()
            return
        if len(self._digits) < MIN_PIN_DIGITS:  # no PIN is this short: not a wrong try, keep typing
            self._message = ("short", {})
            self.retranslate()
            return
        pin, self._digits = self._digits, ""
        self.set_busy()
        self.submitted.emit(self._staff, pin)

    def _cancel(self) -> None:
        self._digits = ""
        self._staff = ""
        self.cancelled.emit()

    # -- texts -----------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.title.setText(self.tr("Maintenance sign-in"))
        if self.asking_staff:
            self.field.setText(self.tr("Enter your staff number"))
            self.entry.setText(self._digits or " ")
        else:
            self.field.setText(
                self.tr("Staff number %1: enter your PIN").replace("%1", self._staff)
                if self._staff
                else self.tr("Enter the maintenance PIN")
            )
            self.entry.setText("●" * len(self._digits) or " ")
        for name, key in self.keys.items():
            if name == "clear":
                key.setText(self.tr("Clear"))  # type: ignore[attr-defined]
            elif name == "back":
                key.setText(self.tr("Delete"))  # type: ignore[attr-defined]
            else:
                key.setText(name)  # type: ignore[attr-defined]
        self.cancel_button.setText(self.tr("Cancel"))
        self.ok_button.setText(self.tr("Next") if self.asking_staff else self.tr("Sign in"))
        self.ok_button.setEnabled(not self._busy)
        self.message.setVisible(self._message is not None)
        if self._message is not None:
            self.message.setText(self._describe(*self._message))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _describe(self, message: str, params: dict[str, object]) -> str:
        match message:
            case "checking":
                return self.tr("Checking…")
            case "wrong":
                return self.tr(
                    "Wrong staff number or PIN. %n more tries before a lockout.", "", int(str(params["remaining"]))
                )
            case "short":
                return self.tr("The PIN has at least %1 digits.").replace("%1", str(MIN_PIN_DIGITS))
            case "locked":
                return self.tr("Too many wrong PINs: sign-in is locked until %1.").replace("%1", str(params["until"]))
            case _:
                return self.tr("The PIN could not be checked. Please try again.")
