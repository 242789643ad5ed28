"""Events devices post to the app: small frozen dataclasses that cross threads safely.

They leave a device's owner thread through the injected ``post(event)`` callable (the app's
EventBridge.post). Fields holding patient data are excluded from ``repr`` so an event that ends
up in a log line carries no identity.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kiosk.config import DeviceRole
from kiosk.devices.status import DeviceStatus


class DeviceEvent:
    """Marker base of every device event."""


@dataclass(frozen=True)
class DeviceStatusChanged(DeviceEvent):
    role: DeviceRole
    status: DeviceStatus
    previous: DeviceStatus | None = None


@dataclass(frozen=True)
class CardIdentifier:
    """What a card identifies: ``system`` is the issuer kind from the profile (visit_card,
    insurance_card, resident_id...), ``value`` the number. The flows map it to domain.Identifier."""

    system: str
    value: str = field(repr=False)


@dataclass(frozen=True)
class CardRead(DeviceEvent):
    role: DeviceRole
    identifier: CardIdentifier
    source: str  # "magstripe" | "pcsc" | "resident_id"


@dataclass(frozen=True)
class CardReadFailed(DeviceEvent):
    """A card or swipe was seen but could not be read: the UI asks the patient to try again."""

    role: DeviceRole
    reason: str  # technician wording, no card data


@dataclass(frozen=True)
class ResidentIdCard:
    """Base text of a second-generation resident ID card, decoded. The photo is never kept."""

    name: str = field(repr=False)
    sex: str = field(repr=False)  # "male" | "female" | "unknown"
    nation: str = field(repr=False)
    birth_date: str = field(repr=False)  # YYYYMMDD
    address: str = field(repr=False)
    id_number: str = field(repr=False)
    authority: str = field(repr=False)
    valid_from: str = field(repr=False)
    valid_to: str = field(repr=False)  # YYYYMMDD or 长期
    id_number_valid: bool = True  # ISO 7064 MOD 11-2 check digit

    @property
    def identifier(self) -> CardIdentifier:
        return CardIdentifier("resident_id", self.id_number)


@dataclass(frozen=True)
class IdCardRead(DeviceEvent):
    role: DeviceRole
    card: ResidentIdCard


@dataclass(frozen=True)
class CardRemoved(DeviceEvent):
    role: DeviceRole


class ScanKind(StrEnum):
    HEALTH_CARD = "health_card"
    INSURANCE_VOUCHER = "insurance_voucher"
    PAYMENT_CODE = "payment_code"
    REPORT_BARCODE = "report_barcode"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class QrScanned(DeviceEvent):
    role: DeviceRole
    kind: ScanKind
    payload: str = field(repr=False)


class TerminalStage(StrEnum):
    INSERT_CARD = "insert_card"
    ENTER_PIN = "enter_pin"
    PROCESSING = "processing"
    REMOVE_CARD = "remove_card"


class TerminalOutcome(StrEnum):
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    TIMEOUT = "timeout"  # outcome unknown: query the last transaction before anything else
    NOT_FOUND = "not_found"  # query: the terminal has no such transaction
    ERROR = "error"


@dataclass(frozen=True)
class TerminalResult:
    """A terminal's final answer. Never holds a full card number: only the masked one."""

    kind: str  # sale | void | refund | query
    outcome: TerminalOutcome
    transaction_id: str  # the kiosk's id, echoed by the terminal
    amount_fen: int = 0
    response_code: str = ""
    message: str = ""
    approval_code: str = ""
    reference: str = ""
    masked_pan: str = ""


@dataclass(frozen=True)
class TerminalStageChanged(DeviceEvent):
    role: DeviceRole
    transaction_id: str
    stage: TerminalStage


@dataclass(frozen=True)
class TerminalTransactionFinished(DeviceEvent):
    role: DeviceRole
    result: TerminalResult


@dataclass(frozen=True)
class PrintJobFinished(DeviceEvent):
    role: DeviceRole
    job_id: str
    printed: bool
    error_code: int | None = None
    detail: str = ""


@dataclass(frozen=True)
class ReportJobFinished(DeviceEvent):
    role: DeviceRole
    job_id: str
    printed: bool
    detail: str = ""
