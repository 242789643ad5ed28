"""Plain, frozen dataclasses the kiosk's parts share, and the helpers that belong to them.

Money is always integer fen (1 yuan = 100 fen), never float. Identity values (ID numbers, names,
phone numbers, card numbers) are kept out of ``repr`` so a stray log line or traceback cannot leak
them, and are shown to people only through :func:`mask`.

Pure data, no I/O: safe on any thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum


class IdentifierKind(StrEnum):
    """The ways a patient identifies themselves at the kiosk."""

    RESIDENT_ID = "resident_id"  # 居民身份证号 (GB 11643, 18 characters)
    VISIT_CARD = "visit_card"  # 就诊卡号 / medical record number issued by the hospital
    INSURANCE_CARD = "insurance_card"  # 医保卡号
    HEALTH_CARD_QR = "health_card_qr"  # 电子健康卡 QR token


class MaskKind(StrEnum):
    ID_NUMBER = "id_number"
    NAME = "name"
    PHONE = "phone"
    CARD_NUMBER = "card_number"
    TOKEN = "token"  # noqa: S105 - a kind of value to mask, not a secret


_MASK_FOR_IDENTIFIER = {
    IdentifierKind.RESIDENT_ID: MaskKind.ID_NUMBER,
    IdentifierKind.VISIT_CARD: MaskKind.CARD_NUMBER,
    IdentifierKind.INSURANCE_CARD: MaskKind.CARD_NUMBER,
    IdentifierKind.HEALTH_CARD_QR: MaskKind.TOKEN,
}

# Two-character surnames keep both characters when a name is masked (欧阳娜娜 → 欧阳**).
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
        "宇文", "司徒", "夏侯", "轩辕", "令狐", "钟离", "端木", "独孤", "南宫", "西门",
        "澹台", "公冶", "申屠", "太史", "闻人", "赫连", "濮阳", "呼延", "万俟", "拓跋",
    }
)  # fmt: skip


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def mask(value: str, kind: MaskKind) -> str:
    """The one way an identity value is shown on a screen, receipt or in a log.

    ID numbers and phone numbers show the first 3 and last 4 characters; Chinese names keep the
    surname (one or two characters); Latin names keep each word's initial; card numbers and tokens
    show only their last 4 characters. Values too short to mask safely are masked entirely.
    """
    value = value.strip()
    if not value:
        return ""
    if kind in (MaskKind.ID_NUMBER, MaskKind.PHONE):
        if len(value) <= 7:
            return "*" * len(value)
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    if kind in (MaskKind.CARD_NUMBER, MaskKind.TOKEN):
        if len(value) <= 4:
            return "*" * len(value)
        return "*" * min(len(value) - 4, 8) + value[-4:]
    # Names.
    if _is_han(value[0]):
        surname = split_chinese_name(value)[0]
        return surname + "*" * max(len(value) - len(surname), 1)
    words = value.split()
    return " ".join(word[0] + "*" * (len(word) - 1) for word in words)


def split_chinese_name(name: str) -> tuple[str, str]:
    """(surname, given name) of a Chinese name; two-character surnames are recognised."""
    surname_len = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:surname_len], name[surname_len:]


# GB 11643-1999: weights of the first 17 characters and the check character for sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def resident_id_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID number."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 ASCII digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def is_valid_resident_id(value: str) -> bool:
    """True for an 18-character resident ID number with a valid birth date and check character."""
    if len(value) != 18 or not value[:17].isascii() or not value[:17].isdigit():
        return False
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return resident_id_check_char(value[:17]) == value[17].upper()


def fen_from_decimal(amount: Decimal) -> int:
    """Converts a yuan amount to fen; raises ValueError for fractions of a fen or non-numbers."""
    try:
        fen = amount * 100
        if not fen.is_finite() or fen != fen.to_integral_value():
            raise ValueError("amount is not a whole number of fen")
        return int(fen)
    except InvalidOperation as exc:
        raise ValueError("amount is not a number") from exc


def decimal_from_fen(fen: int) -> Decimal:
    """The yuan amount of ``fen`` as an exact Decimal with two places (for FHIR Money)."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_fen(fen: int) -> str:
    """12345 → '123.45' (the caller adds the currency sign its output device can print)."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole}.{cents:02d}"


@dataclass(frozen=True)
class Identifier:
    kind: IdentifierKind
    value: str = field(repr=False)

    def masked(self) -> str:
        return mask(self.value, _MASK_FOR_IDENTIFIER[self.kind])


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Patient:
    id: str  # the HIS's logical id (not an identity document number)
    name: str = field(repr=False)
    gender: Gender = Gender.UNKNOWN
    birth_date: date | None = field(default=None, repr=False)
    identifiers: tuple[Identifier, ...] = field(default=(), repr=False)
    phone: str | None = field(default=None, repr=False)
    created_at_kiosk: bool = False

    def identifier(self, kind: IdentifierKind) -> Identifier | None:
        return next((ident for ident in self.identifiers if ident.kind is kind), None)

    @property
    def masked_name(self) -> str:
        return mask(self.name, MaskKind.NAME)


@dataclass(frozen=True)
class NewPatient:
    """What the ID card reader gives us to create a patient record (建档)."""

    name: str = field(repr=False)
    gender: Gender
    birth_date: date = field(repr=False)
    resident_id: str = field(repr=False)
    address: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Department:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Doctor:
    id: str
    name: str
    title: str  # 主任医师, 副主任医师, 主治医师...


@dataclass(frozen=True)
class Slot:
    """A bookable session of one doctor (or of the department's general clinic when doctor is None)."""

    id: str
    schedule_id: str
    department_id: str
    doctor: Doctor | None
    start: datetime
    end: datetime
    fee_fen: int
    remaining: int
    department_name: str = ""
    location: str = ""  # where the patient goes, as the HIS names it: "门诊楼3层 B区"


class AppointmentStatus(StrEnum):
    PENDING = "pending"
    BOOKED = "booked"
    ARRIVED = "arrived"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NO_SHOW = "noshow"


@dataclass(frozen=True)
class Appointment:
    id: str
    patient_id: str
    status: AppointmentStatus
    start: datetime
    end: datetime
    slot_id: str | None = None
    department_name: str = ""
    doctor_name: str = ""
    queue_number: str | None = None  # as the HIS prints it: "12", "A012"...
    booking_key: str | None = None
    version: str | None = None  # the HIS's version id, sent back in If-Match
    # The registration-fee bill: a PENDING (held) booking becomes BOOKED once it is settled.
    bill_id: str | None = None


@dataclass(frozen=True)
class BillItem:
    name: str
    quantity: Decimal
    unit_price_fen: int
    amount_fen: int
    category: str = ""


@dataclass(frozen=True)
class Bill:
    """Unpaid charges of one visit."""

    id: str
    patient_id: str
    items: tuple[BillItem, ...]
    total_fen: int
    visit_id: str | None = None
    visit_date: date | None = None
    department_name: str = ""
    version: str | None = None


@dataclass(frozen=True)
class Settlement:
    """The HIS's record that bills were paid; receipt_number goes on the receipt / e-invoice."""

    id: str
    payment_reference: str
    receipt_number: str
    bill_ids: tuple[str, ...]
    amount_fen: int
    settled_at: datetime | None = None


class ReportKind(StrEnum):
    LAB = "lab"
    IMAGING = "imaging"
    PATHOLOGY = "pathology"
    OTHER = "other"


class ReportStatus(StrEnum):
    PENDING = "pending"  # registered, partial or preliminary: not printable yet
    READY = "ready"  # final, amended, corrected or appended
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Report:
    id: str
    patient_id: str
    kind: ReportKind
    title: str
    status: ReportStatus
    ready_at: datetime | None = None
    printed: bool = False  # printed at a kiosk
    has_pdf: bool = False
    version: str | None = None
    copy_printed: bool = False  # its one copy (a reprint at a kiosk) was printed too
