"""What the hidden admin screen does, without any widget: device and HIS status, test prints,
paper replaced, payments that need a person, the receipt reprint queue, recent log lines, the
configuration with secrets masked, and the voice defaults.

Threads: every method of :class:`AdminConsole` blocks on I/O (the journal, a device's owner
thread, the HIS) and belongs on a worker thread (the admin controller's executor), never on the
GUI thread. Methods are safe to call from several workers at once.

Every method that changes something takes ``actor`` (who is signed in on the admin screen) and
writes one audit event (``journal.audit(actor, action, detail)``) whatever the outcome. The
actions' names are stable (:data:`ACTIONS`). Answers are small frozen dataclasses a screen shows
without further I/O; they carry no patient names or ID numbers (payments show amount, provider,
state, age and the payment reference; print jobs their title). An :class:`ActionResult` carries
a message id and parameters, never a sentence: the screen translates (ids in :data:`MESSAGES`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

from kiosk.admin.config_view import masked_config_yaml
from kiosk.admin.logtail import LogTail
from kiosk.config import SUPPORTED_LOCALES, DeviceRole, Locale
from kiosk.devices.base import parse_options
from kiosk.devices.errors import (
    DeviceError,
    DeviceUnavailableError,
    PrinterNotReadyError,
)
from kiosk.devices.escpos_printer import PrinterProfile
from kiosk.devices.events import DeviceStatusChanged
from kiosk.devices.jobs import PrintJobState
from kiosk.devices.receipt import render_receipt
from kiosk.devices.selftest import sample_receipt, sample_report_pdf
from kiosk.devices.status import DeviceState, DeviceStatus, StatusFlag
from kiosk.errors import KioskError
from kiosk.his.errors import HisError
from kiosk.logs import scrub
from kiosk.payments.errors import IllegalTransition
from kiosk.payments.ledger import PaymentLedger, PaymentRecord, PaymentState
from kiosk.payments.service import PaymentsService
from kiosk.services import Services

log = logging.getLogger(__name__)

Clock = Callable[[], float]
Params = Mapping[str, str | int | float]

PRINTER_ROLES = frozenset({DeviceRole.RECEIPT_PRINTER, DeviceRole.REPORT_PRINTER})

# Audit action names (stable: reports and the fleet's log collector search for them).
ACTIONS = (
    "device.test_print",
    "device.paper_replaced",
    "payment.retry_settle",
    "payment.mark_refunded",
    "print.reprint",
    "voice.settings",
)

# Journal settings keys (journal.get_setting / put_setting); they override these config keys.
VOLUME_KEY = "voice.volume"
LOCALE_KEY = "kiosk.locale"

# Message ids of ActionResult, with what the screen should say. Never renamed once released.
MESSAGES: Mapping[str, str] = {
    # devices
    "printed": "the test page printed (params: role; location for the report printer)",
    "paper_ok": "the printer has paper and is ready (params: role, reprints waiting)",
    "paper_low": "the printer works but paper is near its end (params: role, reprints)",
    "paper_still_out": "the printer still reports no paper (params: role)",
    "paper_out": "the printer has no paper, nothing printed (params: role)",
    "cover_open": "the printer's cover is open, nothing printed (params: role)",
    "printer_not_ready": "the printer is not ready: offline, error, no answer (params: role, detail)",
    "printer_fault": "paper is fine but the printer reports a fault (params: role, detail)",
    "device_disconnected": "the device is not connected (params: role, detail)",
    "device_not_configured": "no device is configured in this role (params: role)",
    "not_a_printer": "this action is for printers only (params: role)",
    "print_failed": "printing failed (params: role, code, detail)",
    "print_timeout": "no answer within the time limit; it may still print (params: role, seconds)",
    "status_timeout": "the printer did not report its status in time (params: role, seconds)",
    # payments
    "payments_not_started": "the payment service is not running (no providers, or not started yet)",
    "unknown_payment": "no payment with this reference (params: payment)",
    "payment_busy": "a patient's flow or the resolver is working on this payment now; try again shortly",
    "settled": "the HIS recorded the payment (params: payment, receipt)",
    "refunded": "the money went back to the payer (params: payment)",
    "refund_pending": "a refund is due but not done yet (params: payment, error)",
    "still_unsettled": "money taken, the HIS still not told; the resolver keeps trying (params: payment, error)",
    "still_open": "the order is still open at the channel (params: payment, state)",
    "order_closed": "the order ended without money kept: failed, cancelled, expired (params: payment, state)",
    "already_final": "the payment is already finished (params: payment, state)",
    "marked_refunded": "recorded as refunded by hand (params: payment, amount_fen)",
    "refused_final": "not marked: the payment is already finished (params: payment, state)",
    "refused_open_order": "not marked: an open order is cancelled, not refunded (params: payment, state)",
    "refused_changed": "not marked: the payment changed meanwhile (params: payment, state)",
    # print jobs
    "reprinted": "the receipt was printed again (params: job)",
    "unknown_job": "no print job with this id (params: job)",
    "already_printed": "this receipt has printed already; not printed twice (params: job)",
    # voice
    "voice_saved": "the voice volume and default language are saved (params: volume, locale)",
    "invalid_volume": "the volume must be between 0 and 1 (params: volume)",
    "invalid_locale": "unknown language (params: locale)",
    # any action
    "failed": "the action failed unexpectedly; see the log (params: code, detail)",
}


# --- rows -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionResult:
    """An action's answer: ``message`` is an id from :data:`MESSAGES`; the screen translates it."""

    ok: bool
    message: str
    params: Params = field(default_factory=dict)


@dataclass(frozen=True)
class DeviceRow:
    role: DeviceRole
    driver: str
    state: DeviceState  # ready / busy / warning / error / disconnected
    flags: tuple[StatusFlag, ...]  # e.g. paper_near_end, paper_out, cover_open, pending_reprints
    detail: str  # the driver's technician sentence (last error ...), scrubbed
    since: float | None  # wall-clock seconds the device has been in this state; None: not seen change
    usable: bool
    printer: bool  # test print and paper replaced apply


@dataclass(frozen=True)
class LinkRow:
    reachable: bool
    round_trip_ms: int | None  # None when no request was made
    software: str  # the HIS's software name from its capability statement
    error: str  # technician text ("" when reachable)
    error_code: int | None  # the kiosk error code (2000s for the HIS)
    checked_at: float  # wall-clock seconds


class Attention(StrEnum):
    """Why an open payment is listed."""

    ONE_SIDED = "one_sided"  # paid: money taken, the HIS not told yet
    REFUND_PENDING = "refund_pending"  # money must go back and has not yet
    OPEN_ORDER = "open_order"  # created / pending: the channel order is not finished


@dataclass(frozen=True)
class PaymentRow:
    payment_id: str  # the full reference, for actions and the channel's merchant portal
    short_id: str  # the last 10 characters, to read out
    amount_fen: int
    paid_amount_fen: int | None
    provider: str
    state: PaymentState
    attention: Attention
    age_s: float  # since the payment was created
    attempts: int  # resolver attempts so far
    last_error: str  # technician text, scrubbed
    refundable: bool  # mark_refunded applies (paid or refund_pending)


@dataclass(frozen=True)
class PrintRow:
    job_id: str
    title: str  # the receipt's title (挂号凭证 ...); the patient line is not shown
    state: PrintJobState
    created_at: float  # wall-clock seconds
    attempts: int
    last_error: str


@dataclass(frozen=True)
class VoiceSettings:
    volume: float  # 0..1
    locale: Locale  # the default language the kiosk speaks and shows
    saved: bool  # False: both come from config.yaml


_ATTENTION = {
    PaymentState.PAID: Attention.ONE_SIDED,
    PaymentState.REFUND_PENDING: Attention.REFUND_PENDING,
}
_ATTENTION_ORDER = {Attention.ONE_SIDED: 0, Attention.REFUND_PENDING: 1, Attention.OPEN_ORDER: 2}


# --- the console --------------------------------------------------------------------------------------


class AdminConsole:
    """The admin screen's back end over the running services. Worker threads only (see module)."""

    def __init__(
        self,
        services: Services,
        tail: LogTail,
        clock: Clock = time.time,
        *,
        timeout_s: float = 30.0,
    ) -> None:
        self._services = services
        self._tail = tail
        self._clock = clock
        self._timeout = timeout_s
        self._seen_lock = threading.Lock()
        # role -> ((state, flags), since); since None when the change itself was not seen.
        self._seen: dict[DeviceRole, tuple[tuple[DeviceState, frozenset[StatusFlag]], float | None]] = {}

    # --- devices and the HIS ----------------------------------------------------------------------

    def note_status(self, event: DeviceStatusChanged) -> None:
        """Record when a device changed state (any thread; the app forwards its DeviceStatusChanged
        events), so :meth:`devices` can say since when. Without it "since" is known only for
        changes seen between two calls of :meth:`devices` (None until then)."""
        with self._seen_lock:
            self._seen[event.role] = ((event.status.state, event.status.flags), self._clock())

    def devices(self) -> list[DeviceRow]:
        """Every configured device's live status, in configuration order."""
        config = self._services.config.devices
        statuses = self._services.devices.statuses()
        now = self._clock()
        rows = []
        for role, status in statuses.items():
            key = (status.state, status.flags)
            with self._seen_lock:
                seen = self._seen.get(role)
                if seen is None:
                    since: float | None = None
                    self._seen[role] = (key, None)
                elif seen[0] != key:
                    since = now
                    self._seen[role] = (key, now)
                else:
                    since = seen[1]
            rows.append(
                DeviceRow(
                    role=role,
                    driver=config[role].driver if role in config else "",
                    state=status.state,
                    flags=tuple(sorted(status.flags)),
                    detail=scrub(status.detail),
                    since=since,
                    usable=status.usable,
                    printer=role in PRINTER_ROLES,
                )
            )
        return rows

    def his_link(self) -> LinkRow:
        """One cheap HIS read (its capability statement) and how long it took."""
        his = self._services.his
        checked = self._clock()
        if his is None:
            return LinkRow(False, None, "", "services not started", None, checked)
        started = time.perf_counter()
        try:
            software = his.ping()
        except HisError as exc:
            elapsed = round((time.perf_counter() - started) * 1000)
            return LinkRow(False, elapsed, "", scrub(str(exc)) or type(exc).__name__, exc.code, checked)
        elapsed = round((time.perf_counter() - started) * 1000)
        return LinkRow(True, elapsed, software, "", None, checked)

    def test_print(self, role: DeviceRole | str, actor: str) -> ActionResult:
        """The receipt printer prints the self-test receipt (as raw ESC/POS: a test page is never
        kept for reprint), the report printer the self-test A4 PDF; waits for the answer."""
        actor = _actor(actor)
        role = DeviceRole(role)
        result = self._printer_check(role)
        if result is None:
            try:
                test = self._test_receipt if role is DeviceRole.RECEIPT_PRINTER else self._test_report
                result = test(role)
            except (DeviceError, TimeoutError, OSError) as exc:
                result = self._print_error(role, exc)
        self._audit(actor, "device.test_print", role.value, result)
        return result

    def _test_receipt(self, role: DeviceRole) -> ActionResult:
        profile = parse_options(role, PrinterProfile, self._services.config.devices[role].profile)
        data = render_receipt(sample_receipt(), profile.layout_profile())
        key = f"selftest-{uuid.uuid4().hex[:12]}"
        self._wait(self._services.devices.submit(role, "print_bytes", key=key, ttl=self._timeout, data=data))
        # Confirmed like a real receipt: the paper must still be there after printing.
        after = self._wait(self._services.devices.check_printer(role, ttl=self._timeout))
        if isinstance(after, DeviceStatus) and not after.usable:
            return _not_ready(role, after)
        return ActionResult(True, "printed", {"role": role.value})

    def _test_report(self, role: DeviceRole) -> ActionResult:
        with tempfile.TemporaryDirectory(prefix="kiosk-selftest-") as folder:
            pdf = sample_report_pdf(Path(folder) / "selftest.pdf")
            job = f"selftest-{uuid.uuid4().hex[:12]}"
            outcome = self._wait(
                self._services.devices.print_report(pdf, job_id=job, title="selftest", ttl=self._timeout)
            )
        location = str(getattr(outcome, "location", ""))
        if not getattr(outcome, "printed", False):
            return ActionResult(False, "print_failed", {"role": role.value, "code": 0, "detail": location})
        return ActionResult(True, "printed", {"role": role.value, "location": location})

    def paper_replaced(self, role: DeviceRole | str, actor: str) -> ActionResult:
        """Asks the printer for its status now and says whether it is ready again."""
        actor = _actor(actor)
        role = DeviceRole(role)
        result = self._printer_check(role)
        if result is None:
            try:
                status = self._wait(self._services.devices.check_printer(role, ttl=self._timeout))
            except TimeoutError:
                result = ActionResult(False, "status_timeout", {"role": role.value, "seconds": self._timeout})
            except DeviceError as exc:
                result = self._print_error(role, exc)
            else:
                result = self._paper_result(role, status)
        self._audit(actor, "device.paper_replaced", role.value, result)
        return result

    def _paper_result(self, role: DeviceRole, status: DeviceStatus) -> ActionResult:
        reprints = self._unprinted_count()
        if StatusFlag.PAPER_OUT in status.flags:
            return ActionResult(False, "paper_still_out", {"role": role.value})
        if not status.usable:
            return ActionResult(False, "printer_fault", {"role": role.value, "detail": _describe(status)})
        if StatusFlag.PAPER_NEAR_END in status.flags:
            return ActionResult(True, "paper_low", {"role": role.value, "reprints": reprints})
        return ActionResult(True, "paper_ok", {"role": role.value, "reprints": reprints})

    def _printer_check(self, role: DeviceRole) -> ActionResult | None:
        if role not in PRINTER_ROLES:
            return ActionResult(False, "not_a_printer", {"role": role.value})
        if role not in self._services.config.devices:
            return ActionResult(False, "device_not_configured", {"role": role.value})
        return None

    def _print_error(self, role: DeviceRole, exc: BaseException) -> ActionResult:
        if isinstance(exc, TimeoutError):
            return ActionResult(False, "print_timeout", {"role": role.value, "seconds": self._timeout})
        if isinstance(exc, PrinterNotReadyError):
            try:
                status = self._services.devices.status(role)
            except DeviceError:
                status = DeviceStatus(DeviceState.ERROR, detail=str(exc))
            return _not_ready(role, status)
        if isinstance(exc, DeviceUnavailableError):
            return ActionResult(False, "device_disconnected", {"role": role.value, "detail": scrub(str(exc))})
        code = exc.code if isinstance(exc, KioskError) else 0
        log.warning("admin: %s failed: %s", role.value, exc)
        return ActionResult(False, "print_failed", {"role": role.value, "code": code, "detail": scrub(str(exc))})

    def _wait(self, future: Future[Any]) -> Any:
        return future.result(timeout=self._timeout)

    # --- payments ---------------------------------------------------------------------------------

    def _ledger(self) -> PaymentLedger:
        service = self._services.payments
        return service.ledger if service is not None else PaymentLedger(self._services.journal)

    def journal_refusal(self) -> str:
        """Why the kiosk refuses payments because of its journal (technician text), or ""."""
        return self._services.journal.refusal()

    def payments(self) -> list[PaymentRow]:
        """Every unfinished payment: one-sided (paid, HIS not told) first, then refunds due, then
        open orders; oldest first within each."""
        now = self._clock()
        rows = [_payment_row(record, now) for record in self._ledger().open_payments()]
        rows.sort(key=lambda r: (_ATTENTION_ORDER[r.attention], -r.age_s))
        return rows

    def retry_settle(self, payment_id: str, actor: str) -> ActionResult:
        """One resolution step now (PaymentsService.resolve): settle with the HIS, refund, or ask
        the channel about an open order; reports the state it reached."""
        actor = _actor(actor)
        service = self._services.payments
        not_started = ActionResult(False, "payments_not_started")
        result = self._retry(service, payment_id) if service is not None else not_started
        self._audit(actor, "payment.retry_settle", payment_id, result)
        return result

    def _retry(self, service: PaymentsService, payment_id: str) -> ActionResult:
        before = service.ledger.find(payment_id)
        if before is None:
            return ActionResult(False, "unknown_payment", {"payment": payment_id})
        if before.state.final:
            return ActionResult(False, "already_final", {"payment": payment_id, "state": before.state.value})
        if service.busy(payment_id):
            return ActionResult(False, "payment_busy", {"payment": payment_id})
        try:
            after = service.resolve(payment_id)
        except KioskError as exc:
            log.error("admin: retrying payment %s failed: %s", payment_id, exc)
            return ActionResult(False, "failed", {"code": exc.code, "detail": scrub(str(exc))})
        params: dict[str, str | int | float] = {"payment": payment_id}
        state = after.state
        if state is PaymentState.SETTLED:
            return ActionResult(True, "settled", {**params, "receipt": after.his_receipt or ""})
        if state is PaymentState.REFUNDED:
            return ActionResult(True, "refunded", params)
        if state is PaymentState.REFUND_PENDING:
            return ActionResult(False, "refund_pending", {**params, "error": scrub(after.last_error)})
        if state is PaymentState.PAID:
            return ActionResult(False, "still_unsettled", {**params, "error": scrub(after.last_error)})
        if state.final:
            return ActionResult(True, "order_closed", {**params, "state": state.value})
        return ActionResult(False, "still_open", {**params, "state": state.value})

    def mark_refunded(self, payment_id: str, actor: str, note: str = "") -> ActionResult:
        """Records that a person returned the money by hand (the channel's merchant portal, cash
        at the counter): paid → refund_pending → refunded, or refund_pending → refunded, in one
        journal transaction and under the payment's lock, so the resolver never refunds it again.
        Refused for a finished payment and for an open order (that is cancelled, not refunded)."""
        actor = _actor(actor)
        note = scrub(" ".join(note.split()))[:200]
        ledger = self._ledger()
        with self._payment_held(payment_id) as free:
            record = ledger.find(payment_id)
            if record is None:
                result = ActionResult(False, "unknown_payment", {"payment": payment_id})
            elif not free:
                result = ActionResult(False, "payment_busy", {"payment": payment_id})
            else:
                result = _mark_refunded(ledger, record, actor, note)
        self._audit(actor, "payment.mark_refunded", payment_id + (f" note: {note}" if note else ""), result)
        return result

    @contextlib.contextmanager
    def _payment_held(self, payment_id: str) -> Iterator[bool]:
        service = self._services.payments
        if service is None:  # no resolver and no flow can be running
            yield True
            return
        with service.held(payment_id) as free:
            yield free

    # --- receipts waiting for a reprint -----------------------------------------------------------

    def reprint_queue(self) -> list[PrintRow]:
        """Receipts recorded but not printed (failed, or interrupted by a restart), oldest first."""
        return [
            PrintRow(job.job_id, job.receipt.title, job.state, job.created_at, job.attempts, scrub(job.last_error))
            for job in self._services.devices.print_jobs.unprinted()
        ]

    def reprint(self, job_id: str, actor: str) -> ActionResult:
        """Prints a kept receipt again (marked as a reprint); a printed one is not printed twice."""
        actor = _actor(actor)
        role = DeviceRole.RECEIPT_PRINTER
        job = self._services.devices.print_jobs.get(job_id)
        if role not in self._services.config.devices:
            result = ActionResult(False, "device_not_configured", {"role": role.value})
        elif job is None:
            result = ActionResult(False, "unknown_job", {"job": job_id})
        elif job.state is PrintJobState.PRINTED:
            result = ActionResult(False, "already_printed", {"job": job_id})
        else:
            # One key per attempt: a double tap prints once, a retry after a failure prints again.
            key = f"admin-reprint:{job_id}:{job.attempts}"
            try:
                self._wait(self._services.devices.reprint(job_id, key=key, ttl=self._timeout))
            except (DeviceError, TimeoutError) as exc:
                result = self._print_error(role, exc)
            else:
                result = ActionResult(True, "reprinted", {"job": job_id})
        self._audit(actor, "print.reprint", job_id, result)
        return result

    def _unprinted_count(self) -> int:
        return len(self._services.devices.print_jobs.unprinted())

    # --- logs and configuration ---------------------------------------------------------------------

    def log_lines(self, limit: int = 200) -> list[str]:
        """The most recent log lines, oldest first, already redacted."""
        return self._tail.lines(limit)

    def masked_config(self) -> str:
        """The effective configuration as YAML, secrets masked."""
        return masked_config_yaml(self._services.config)

    # --- voice ----------------------------------------------------------------------------------------

    def voice_settings(self) -> VoiceSettings:
        """The volume and default language: saved on the admin screen, else from config.yaml."""
        journal = self._services.journal
        config = self._services.config
        volume = _volume(journal.get_setting(VOLUME_KEY))
        locale = _locale(journal.get_setting(LOCALE_KEY))
        return VoiceSettings(
            volume=volume if volume is not None else config.voice.volume,
            locale=locale if locale is not None else config.kiosk.locale,
            saved=volume is not None or locale is not None,
        )

    def set_voice_settings(self, volume: float, locale: str, actor: str) -> ActionResult:
        """Saves both in the journal (they survive a restart). Applying them to the speaker and
        the screens is the caller's part."""
        actor = _actor(actor)
        checked_volume = _volume(str(volume))
        checked_locale = _locale(locale)
        if checked_volume is None:
            result = ActionResult(False, "invalid_volume", {"volume": str(volume)})
        elif checked_locale is None:
            result = ActionResult(False, "invalid_locale", {"locale": str(locale)[:20]})
        else:
            journal = self._services.journal
            with journal.transaction():
                journal.put_setting(VOLUME_KEY, f"{checked_volume:g}", actor)
                journal.put_setting(LOCALE_KEY, checked_locale, actor)
            result = ActionResult(True, "voice_saved", {"volume": checked_volume, "locale": checked_locale})
        self._audit(actor, "voice.settings", "", result)
        return result

    # --- audit ------------------------------------------------------------------------------------------

    def leaving(self, actor: str, action: Literal["restart", "desktop"]) -> None:
        """Audits the app's Restart or Leave to desktop before the process ends."""
        self._services.journal.audit(_actor(actor), f"app.{action}", "from the admin screen")
        log.warning("admin: %s asked by %s", action, actor)

    def _audit(self, actor: str, action: str, subject: str, result: ActionResult) -> None:
        outcome = f"{'ok' if result.ok else 'refused'} {result.message}"
        details = " ".join(f"{k}={v}" for k, v in result.params.items() if k not in ("payment", "job", "role"))
        detail = " ".join(part for part in (subject, outcome, details) if part)
        self._services.journal.audit(actor, action, scrub(detail)[:500])
        log.info("admin %s: %s by %s", action, detail, actor)


# --- helpers ----------------------------------------------------------------------------------------------


def _actor(actor: str) -> str:
    cleaned = " ".join(str(actor).split())[:64]
    if not cleaned:
        raise ValueError("an admin action needs the actor who is signed in")
    return cleaned


def _describe(status: DeviceStatus) -> str:
    return scrub(status.describe())


def _not_ready(role: DeviceRole, status: DeviceStatus) -> ActionResult:
    if StatusFlag.PAPER_OUT in status.flags:
        return ActionResult(False, "paper_out", {"role": role.value})
    if StatusFlag.COVER_OPEN in status.flags:
        return ActionResult(False, "cover_open", {"role": role.value})
    if status.state is DeviceState.DISCONNECTED:
        return ActionResult(False, "device_disconnected", {"role": role.value, "detail": scrub(status.detail)})
    return ActionResult(False, "printer_not_ready", {"role": role.value, "detail": _describe(status)})


def _short(payment_id: str) -> str:
    return payment_id[-10:] if len(payment_id) > 12 else payment_id


def _payment_row(record: PaymentRecord, now: float) -> PaymentRow:
    return PaymentRow(
        payment_id=record.id,
        short_id=_short(record.id),
        amount_fen=record.amount_fen,
        paid_amount_fen=record.paid_amount_fen,
        provider=record.provider,
        state=record.state,
        attention=_ATTENTION.get(record.state, Attention.OPEN_ORDER),
        age_s=max(0.0, now - record.created_at),
        attempts=record.attempts,
        last_error=scrub(record.last_error),
        refundable=record.state in (PaymentState.PAID, PaymentState.REFUND_PENDING),
    )


def _mark_refunded(ledger: PaymentLedger, record: PaymentRecord, actor: str, note: str) -> ActionResult:
    params: dict[str, str | int | float] = {"payment": record.id}
    if record.state.final:
        return ActionResult(False, "refused_final", {**params, "state": record.state.value})
    if record.state not in (PaymentState.PAID, PaymentState.REFUND_PENDING):
        return ActionResult(False, "refused_open_order", {**params, "state": record.state.value})
    reason = f"refunded by hand, recorded by {actor}" + (f": {note}" if note else "")
    try:
        with ledger.journal.transaction():  # both steps or neither: never left refund_pending
            if record.state is PaymentState.PAID:
                ledger.transition(
                    record.id, PaymentState.REFUND_PENDING, expect=PaymentState.PAID, detail=reason, reason=reason
                )
            done = ledger.transition(
                record.id, PaymentState.REFUNDED, expect=PaymentState.REFUND_PENDING, detail=reason, reason=reason
            )
    except IllegalTransition as exc:
        return ActionResult(False, "refused_changed", {**params, "state": exc.current})
    amount = done.paid_amount_fen if done.paid_amount_fen is not None else done.amount_fen
    return ActionResult(True, "marked_refunded", {**params, "amount_fen": amount})


def _volume(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        log.warning("admin: ignoring a saved volume that is not a number")
        return None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        return None
    return round(value, 3)


def _locale(text: str | None) -> Locale | None:
    for locale in SUPPORTED_LOCALES:
        if text == locale:
            return locale
    return None
