"""The admin screen's pages: devices and the HIS link, payments that need a person, the receipt
reprint queue, recent log lines, the effective configuration (secrets masked) and the settings.
It shows rows it is given and forwards taps as ``action(name, args)``; the controller does the
work. Texts for staff are smaller than the patients' (they stand close and read tables) but
every button keeps the 20 mm touch target. GUI thread only."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QScroller,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.admin.auth import MAINTENANCE
from kiosk.admin.console import ActionResult, DeviceRow, LinkRow, PaymentRow, PrintRow, VoiceSettings
from kiosk.config import SUPPORTED_LOCALES, Locale
from kiosk.ui.widgets import button, label

PAGES = ("devices", "payments", "prints", "log", "config", "settings")
CONFIRM_S = 5  # a second tap within this long confirms an action that cannot be undone


class Row(QFrame):
    """One line of a page: a text and its action buttons."""

    def __init__(self, text: str, *, stacked: bool = False, parent: QWidget | None = None) -> None:
        """``stacked``: the buttons below the text (a portrait screen has no width for both)."""
        super().__init__(parent)
        self.setObjectName("adminRow")
        self.text = label("admin")
        self.text.setText(text)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self._buttons = QHBoxLayout()
        self._buttons.setSpacing(12)
        direction = QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight
        layout = QBoxLayout(direction, self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addWidget(self.text, 1)
        if stacked:
            self._buttons.addStretch(1)  # the buttons at the right, under the text
        layout.addLayout(self._buttons)

    def add_button(self, text: str, on_click: Any, *, confirm: str | None = None, name: str = "") -> QPushButton:
        """``confirm``: the button's text after a first tap; only a second tap acts."""
        widget = button()
        widget.setText(text)
        widget.setObjectName(name)
        if confirm is None:
            widget.clicked.connect(lambda _checked=False: on_click())
        else:
            armed: list[float] = []

            def clicked() -> None:
                if armed and time.monotonic() - armed[0] <= CONFIRM_S:
                    armed.clear()
                    widget.setText(text)
                    on_click()
                    return
                armed[:] = [time.monotonic()]
                widget.setText(confirm)
                QTimer.singleShot(round(CONFIRM_S * 1000), widget, disarm)  # dropped with a rebuilt row

            def disarm() -> None:
                armed.clear()
                widget.setText(text)

            widget.clicked.connect(clicked)
        self._buttons.addWidget(widget)
        return widget


class AdminPanel(QWidget):
    page_chosen = Signal(str)
    action = Signal(str, tuple)
    sign_out = Signal()

    def __init__(self, *, allow_desktop: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("screen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self._allow_desktop = allow_desktop
        self._actor = ""
        self.current = PAGES[0]
        self._data: dict[str, Any] = {}
        self._result: ActionResult | None = None
        self._failure: str | None = None
        self._voice: VoiceSettings | None = None

        self.title = label("prompt")
        self.who = label("admin")
        self.sign_out_button = button()
        self.sign_out_button.clicked.connect(self.sign_out.emit)
        header = QHBoxLayout()
        titles = QVBoxLayout()
        titles.addWidget(self.title)
        titles.addWidget(self.who)  # its own line: a staff number and "signed in" fit in any mode
        header.addLayout(titles, 1)
        header.addWidget(self.sign_out_button)

        tab_row = self._build_tabs()
        self.message = label("adminMessage")  # the answer to the last action, until the next
        self.stack = QStackedWidget()
        self.lists: dict[str, QVBoxLayout] = {}
        self.texts: dict[str, QPlainTextEdit] = {}
        for page in PAGES:
            self.stack.addWidget(self._build_page(page))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 24, 32, 24)
        layout.setSpacing(16)
        layout.addLayout(header)
        layout.addLayout(tab_row)
        layout.addWidget(self.message)
        layout.addWidget(self.stack, 1)
        self.retranslate()

    def _build_tabs(self) -> QGridLayout:
        self.tabs: dict[str, QPushButton] = {}
        group = QButtonGroup(self)
        group.setExclusive(True)
        self._tab_grid = QGridLayout()
        self._tab_grid.setSpacing(8)
        self._tab_columns = 0
        for page in PAGES:
            tab = button()
            tab.setCheckable(True)
            tab.setObjectName(f"tab-{page}")
            tab.clicked.connect(lambda _c=False, p=page: self.choose(p))
            group.addButton(tab)
            self.tabs[page] = tab
        self._place_tabs(3)
        return self._tab_grid

    def _place_tabs(self, columns: int) -> None:
        """Two rows of tabs in landscape, three in portrait: large text in either language fits."""
        self._tab_columns = columns
        for index, page in enumerate(PAGES):
            self._tab_grid.removeWidget(self.tabs[page])
            self._tab_grid.addWidget(self.tabs[page], index // columns, index % columns)

    @property
    def _portrait(self) -> bool:
        return self.width() < self.height()

    def resizeEvent(self, event: QResizeEvent) -> None:
        columns = 2 if self._portrait else 3
        if columns != self._tab_columns:
            self._place_tabs(columns)
            for page in ("devices", "payments", "prints"):  # their buttons go below the text, or back
                self._fill(page)
        super().resizeEvent(event)

    def _build_page(self, page: str) -> QWidget:
        if page in ("log", "config"):
            text = QPlainTextEdit()
            text.setReadOnly(True)
            text.setObjectName("adminText")
            # A finger drags the text; mouse presses (and the taps a touch screen synthesises) stay clicks.
            QScroller.grabGesture(text.viewport(), QScroller.ScrollerGestureType.TouchGesture)
            self.texts[page] = text
            return text
        holder = QWidget()
        rows = QVBoxLayout(holder)
        rows.setSpacing(8)
        rows.addStretch(1)
        self.lists[page] = rows
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(holder)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        QScroller.grabGesture(scroll.viewport(), QScroller.ScrollerGestureType.TouchGesture)
        return scroll

    # -- the controller's side -------------------------------------------------------------------

    def reset(self, actor: str) -> None:
        self._actor = actor
        self.clear()
        self.choose(PAGES[0], announce=False)

    def clear(self) -> None:
        """Nothing of a session stays on the pages after sign-out."""
        self._data = {}
        self._result = None
        self._failure = None
        for page in PAGES:
            self._fill(page)
        self.retranslate()

    def choose(self, page: str, *, announce: bool = True) -> None:
        self.current = page
        self.tabs[page].setChecked(True)
        self.stack.setCurrentIndex(PAGES.index(page))
        self._result = None
        self._failure = None
        self._show_message()
        if announce:
            self.page_chosen.emit(page)

    def show_data(self, page: str, data: Any) -> None:
        self._data[page] = data
        self._fill(page)

    def loaded(self, page: str) -> bool:
        return page in self._data

    def data(self, page: str) -> Any:
        return self._data.get(page)

    def show_result(self, result: ActionResult) -> None:
        self._result, self._failure = result, None
        self._show_message()

    def show_failure(self, error: str) -> None:
        self._result, self._failure = None, error
        self._show_message()

    def set_busy(self, busy: bool) -> None:
        self.stack.setEnabled(not busy)
        if busy:
            self.message.setText(QCoreApplication.translate("AdminPanel", "Working…"))

    # -- pages -------------------------------------------------------------------------------------

    def _fill(self, page: str) -> None:
        data = self._data.get(page)
        if page in self.texts:
            text = self.texts[page]
            text.setPlainText("\n".join(data) if isinstance(data, list) else str(data or ""))
            if page == "log":
                text.verticalScrollBar().setValue(text.verticalScrollBar().maximum())
            return
        rows = self.lists[page]
        while rows.count() > 1:  # everything but the closing stretch
            item = rows.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()
        for row in self._rows(page, data):
            rows.insertWidget(rows.count() - 1, row)

    def _rows(self, page: str, data: Any) -> list[QWidget]:
        if data is None:
            return []
        if page == "devices":
            devices, link = data
            return [self._link_row(link), *(self._device_row(d) for d in devices)]
        if page == "payments":
            refusal, payments = data if isinstance(data, tuple) else ("", data)
            rows: list[QWidget] = [self._payment_row(p) for p in payments] or [
                Row(QCoreApplication.translate("AdminPanel", "No payment needs attention."))
            ]
            if refusal:  # the journal lost committed payments: what the technician must do, first
                header = QCoreApplication.translate(
                    "AdminPanel", "PAYMENTS REFUSED: the journal cannot vouch for its payments."
                )
                rows.insert(0, Row(f"{header}\n{refusal}"))
            return rows
        if page == "prints":
            return [self._print_row(p) for p in data] or [
                Row(QCoreApplication.translate("AdminPanel", "No receipt is waiting to be printed."))
            ]
        if page == "settings":
            return self._settings_rows(data)
        return []

    def _link_row(self, link: LinkRow) -> Row:
        if link.reachable:
            text = QCoreApplication.translate("AdminPanel", "HIS: connected, answered in %1 ms").replace(
                "%1", str(link.round_trip_ms)
            )
        else:
            text = QCoreApplication.translate("AdminPanel", "HIS: NOT reachable") + f"\n{link.error}"
        return Row(text)

    def _device_row(self, device: DeviceRow) -> Row:
        lines = [
            QCoreApplication.translate("AdminPanel", "%1: %2")
            .replace("%1", role_name(device.role))
            .replace("%2", state_name(device.state))
        ]
        flags = [flag_name(f) for f in device.flags]
        if flags:
            lines.append(" · ".join(flags))
        if device.detail:
            lines.append(device.detail)
        row = Row("\n".join(lines), stacked=self._portrait)
        if device.printer:
            row.add_button(
                QCoreApplication.translate("AdminPanel", "Test print"),
                lambda r=device.role: self.action.emit("test_print", (r,)),
            )
            row.add_button(
                QCoreApplication.translate("AdminPanel", "Paper replaced"),
                lambda r=device.role: self.action.emit("paper_replaced", (r,)),
                name=f"paper_replaced-{device.role}",
            )
        return row

    def _payment_row(self, payment: PaymentRow) -> Row:
        lines = [
            f"{payment.short_id} · ¥{payment.amount_fen // 100}.{payment.amount_fen % 100:02d} · {payment.provider}",
            f"{payment_state_name(payment.state)} · " + self.tr("%n min ago", "", int(payment.age_s // 60)),
        ]
        if payment.last_error:
            lines.append(payment.last_error)
        row = Row("\n".join(lines), stacked=self._portrait)
        row.add_button(
            QCoreApplication.translate("AdminPanel", "Retry settle"),
            lambda i=payment.payment_id: self.action.emit("retry_settle", (i,)),
        )
        if payment.refundable:
            row.add_button(
                QCoreApplication.translate("AdminPanel", "Mark refunded"),
                lambda i=payment.payment_id: self.action.emit("mark_refunded", (i,)),
                confirm=QCoreApplication.translate("AdminPanel", "Tap again: money returned?"),
            )
        return row

    def _print_row(self, job: PrintRow) -> Row:
        created = time.strftime("%m-%d %H:%M", time.localtime(job.created_at))
        text = f"{job.title} · {created} · " + self.tr("%n attempt(s)", "", job.attempts)
        if job.last_error:
            text += f"\n{job.last_error}"
        row = Row(text, stacked=self._portrait)
        row.add_button(
            QCoreApplication.translate("AdminPanel", "Reprint"), lambda j=job.job_id: self.action.emit("reprint", (j,))
        )
        return row

    def _settings_rows(self, voice: VoiceSettings) -> list[QWidget]:
        self._voice = voice
        volume = Row(
            QCoreApplication.translate("AdminPanel", "Voice volume: %1%").replace("%1", str(round(voice.volume * 100)))
        )
        volume.add_button("−", lambda: self._change_voice(volume=-0.1))
        volume.add_button("+", lambda: self._change_voice(volume=+0.1))
        language = Row(
            QCoreApplication.translate("AdminPanel", "Language a session starts in: %1").replace(
                "%1", language_name(voice.locale)
            )
        )
        for locale in SUPPORTED_LOCALES:
            if locale != voice.locale:
                language.add_button(language_name(locale), lambda loc=locale: self._change_voice(locale=loc))
        app = Row(QCoreApplication.translate("AdminPanel", "The kiosk program"))
        app.add_button(
            QCoreApplication.translate("AdminPanel", "Restart"),
            lambda: self.action.emit("restart", ()),
            confirm=QCoreApplication.translate("AdminPanel", "Tap again to restart"),
        )
        if self._allow_desktop:
            app.add_button(
                QCoreApplication.translate("AdminPanel", "Leave to desktop"),
                lambda: self.action.emit("desktop", ()),
                confirm=QCoreApplication.translate("AdminPanel", "Tap again to leave"),
            )
        return [volume, language, app]

    def _change_voice(self, *, volume: float = 0.0, locale: Locale | None = None) -> None:
        if self._voice is None:
            return
        level = round(min(1.0, max(0.0, self._voice.volume + volume)), 1)
        # What was asked is what the next change starts from, before the page reloads.
        self._voice = replace(self._voice, volume=level, locale=locale or self._voice.locale)
        self.action.emit("voice", (level, self._voice.locale))

    # -- texts -------------------------------------------------------------------------------------

    def _show_message(self) -> None:
        if self._failure is not None:
            text = QCoreApplication.translate("AdminPanel", "That did not work (%1). The log has the details.").replace(
                "%1", self._failure
            )
        elif self._result is not None:
            text = result_text(self._result)
        else:
            text = ""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def retranslate(self) -> None:
        self.title.setText(QCoreApplication.translate("AdminPanel", "Maintenance"))
        who = self._actor
        if who == MAINTENANCE:
            who = QCoreApplication.translate("AdminPanel", "maintenance staff")
        self.who.setText(QCoreApplication.translate("AdminPanel", "Signed in: %1").replace("%1", who) if who else "")
        self.sign_out_button.setText(QCoreApplication.translate("AdminPanel", "Sign out"))
        names = {
            "devices": QCoreApplication.translate("AdminPanel", "Devices"),
            "payments": QCoreApplication.translate("AdminPanel", "Payments"),
            "prints": QCoreApplication.translate("AdminPanel", "Print queue"),
            "log": QCoreApplication.translate("AdminPanel", "Log"),
            "config": QCoreApplication.translate("AdminPanel", "Configuration"),
            "settings": QCoreApplication.translate("AdminPanel", "Settings"),
        }
        for page, tab in self.tabs.items():
            tab.setText(names[page])
        for page in ("devices", "payments", "prints", "settings"):
            self._fill(page)
        self._show_message()

    def changeEvent(self, event: Any) -> None:
        from PySide6.QtCore import QEvent  # noqa: PLC0415

        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)


def role_name(role: str) -> str:
    names = {
        "receipt_printer": QCoreApplication.translate("AdminPanel", "Receipt printer"),
        "report_printer": QCoreApplication.translate("AdminPanel", "Report printer"),
        "id_card_reader": QCoreApplication.translate("AdminPanel", "ID card reader"),
        "card_reader": QCoreApplication.translate("AdminPanel", "Visit card reader"),
        "scanner": QCoreApplication.translate("AdminPanel", "QR code scanner"),
        "card_terminal": QCoreApplication.translate("AdminPanel", "Bank card terminal"),
    }
    return names.get(role, role)


def state_name(state: str) -> str:
    names = {
        "ready": QCoreApplication.translate("AdminPanel", "working"),
        "busy": QCoreApplication.translate("AdminPanel", "busy"),
        "warning": QCoreApplication.translate("AdminPanel", "needs attention"),
        "error": QCoreApplication.translate("AdminPanel", "NOT working"),
        "disconnected": QCoreApplication.translate("AdminPanel", "NOT connected"),
    }
    return names.get(state, state)


def flag_name(flag: str) -> str:
    names = {
        "paper_near_end": QCoreApplication.translate("AdminPanel", "paper running low"),
        "paper_out": QCoreApplication.translate("AdminPanel", "paper out"),
        "cover_open": QCoreApplication.translate("AdminPanel", "cover open"),
        "offline": QCoreApplication.translate("AdminPanel", "offline"),
        "no_answer": QCoreApplication.translate("AdminPanel", "does not answer"),
        "printer_error": QCoreApplication.translate("AdminPanel", "printer error"),
        "bad_reply": QCoreApplication.translate("AdminPanel", "unexpected reply"),
        "dependency_missing": QCoreApplication.translate("AdminPanel", "software missing"),
        "needs_recovery": QCoreApplication.translate("AdminPanel", "needs recovery"),
        "pending_reprints": QCoreApplication.translate("AdminPanel", "receipts waiting to be reprinted"),
        "not_started": QCoreApplication.translate("AdminPanel", "not started"),
    }
    return names.get(flag, flag)


def payment_state_name(state: str) -> str:
    names = {
        "created": QCoreApplication.translate("AdminPanel", "order created"),
        "pending": QCoreApplication.translate("AdminPanel", "waiting for the patient"),
        "paid": QCoreApplication.translate("AdminPanel", "PAID, not yet settled with the HIS"),
        "refund_pending": QCoreApplication.translate("AdminPanel", "refund pending"),
    }
    return names.get(state, state)


def language_name(locale: str) -> str:
    return "中文" if locale == "zh_CN" else "English"


def result_text(result: ActionResult) -> str:
    """The console's message id and parameters as a sentence in the screen's language."""
    texts = {
        "printed": QCoreApplication.translate("AdminPanel", "{role}: the test page printed."),
        "paper_ok": QCoreApplication.translate(
            "AdminPanel", "{role} has paper and is ready. Receipts waiting to be reprinted: {reprints}."
        ),
        "paper_low": QCoreApplication.translate(
            "AdminPanel", "{role} works, but the paper is running low. Receipts waiting: {reprints}."
        ),
        "paper_still_out": QCoreApplication.translate(
            "AdminPanel", "{role} still reports no paper. Check the roll and close the cover."
        ),
        "paper_out": QCoreApplication.translate("AdminPanel", "{role} has no paper: nothing was printed."),
        "cover_open": QCoreApplication.translate("AdminPanel", "{role}: the cover is open, nothing was printed."),
        "printer_not_ready": QCoreApplication.translate("AdminPanel", "{role} is not ready: {detail}"),
        "printer_fault": QCoreApplication.translate("AdminPanel", "{role} has paper but reports a fault: {detail}"),
        "device_disconnected": QCoreApplication.translate("AdminPanel", "{role} is not connected: {detail}"),
        "device_not_configured": QCoreApplication.translate("AdminPanel", "No device is configured as {role}."),
        "not_a_printer": QCoreApplication.translate("AdminPanel", "{role} is not a printer."),
        "print_failed": QCoreApplication.translate("AdminPanel", "{role}: printing failed (code {code}): {detail}"),
        "print_timeout": QCoreApplication.translate(
            "AdminPanel", "{role} did not answer within {seconds} s; it may still print."
        ),
        "status_timeout": QCoreApplication.translate(
            "AdminPanel", "{role} did not report its status within {seconds} s."
        ),
        "payments_not_started": QCoreApplication.translate("AdminPanel", "The payment service is not running."),
        "unknown_payment": QCoreApplication.translate("AdminPanel", "There is no payment {payment}."),
        "payment_busy": QCoreApplication.translate(
            "AdminPanel", "A patient or the resolver is working on this payment now. Try again shortly."
        ),
        "settled": QCoreApplication.translate(
            "AdminPanel", "Payment {payment} is settled with the HIS. Receipt: {receipt}"
        ),
        "refunded": QCoreApplication.translate("AdminPanel", "Payment {payment} went back to the payer."),
        "refund_pending": QCoreApplication.translate(
            "AdminPanel", "Payment {payment}: a refund is due and not done yet: {error}"
        ),
        "still_unsettled": QCoreApplication.translate(
            "AdminPanel", "Payment {payment}: the HIS has still not taken it ({error}). The kiosk keeps trying."
        ),
        "still_open": QCoreApplication.translate("AdminPanel", "Payment {payment}: the order is still open ({state})."),
        "order_closed": QCoreApplication.translate(
            "AdminPanel", "Payment {payment} ended without money kept ({state})."
        ),
        "already_final": QCoreApplication.translate("AdminPanel", "Payment {payment} is already finished ({state})."),
        "marked_refunded": QCoreApplication.translate(
            "AdminPanel", "Payment {payment} ({amount}) is recorded as refunded by hand."
        ),
        "refused_final": QCoreApplication.translate(
            "AdminPanel", "Not marked: payment {payment} is already finished ({state})."
        ),
        "refused_open_order": QCoreApplication.translate(
            "AdminPanel", "Not marked: payment {payment} is an open order; it is cancelled, not refunded."
        ),
        "refused_changed": QCoreApplication.translate(
            "AdminPanel", "Not marked: payment {payment} changed meanwhile ({state}). Look again."
        ),
        "reprinted": QCoreApplication.translate("AdminPanel", "The receipt printed again."),
        "unknown_job": QCoreApplication.translate("AdminPanel", "There is no such print job."),
        "already_printed": QCoreApplication.translate(
            "AdminPanel", "That receipt has printed already; it is not printed twice."
        ),
        "voice_saved": QCoreApplication.translate("AdminPanel", "Saved: volume {volume}, sessions start in {locale}."),
        "invalid_volume": QCoreApplication.translate("AdminPanel", "The volume must be between 0 and 100%."),
        "invalid_locale": QCoreApplication.translate("AdminPanel", "Unknown language."),
        "failed": QCoreApplication.translate("AdminPanel", "That did not work (code {code}): {detail}"),
    }
    params = dict(result.params)
    shown = {key: str(value) for key, value in params.items()}
    if "role" in params:
        shown["role"] = role_name(str(params["role"]))
    if "payment" in params:
        shown["payment"] = str(params["payment"])[-10:]
    if "state" in params:
        shown["state"] = payment_state_name(str(params["state"]))
    if "amount_fen" in params:
        fen = int(params["amount_fen"])
        shown["amount"] = f"¥{fen // 100}.{fen % 100:02d}"
    if "volume" in params:
        shown["volume"] = f"{round(float(params['volume']) * 100)}%"
    if "locale" in params:
        shown["locale"] = language_name(str(params["locale"]))
    text = texts.get(result.message, result.message)
    for key, value in shown.items():
        text = text.replace("{" + key + "}", value)
    return text
