"""The kiosk's configuration: one typed schema for ``config.yaml`` and its loader.

Every problem in a file is reported at once, each with the file, the key path, the line and
the reason, so the hospital's IT team fixes a file in one pass. Loading never raises anything
but :class:`ConfigError`. Runs on whatever thread calls it (start-up, ``kiosk doctor``).
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AnyHttpUrl,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from kiosk.adminpin import cost_problem
from kiosk.errors import ConfigurationError

Locale = Literal["zh_CN", "en"]
SUPPORTED_LOCALES: tuple[Locale, ...] = ("zh_CN", "en")


class Service(StrEnum):
    """The services a kiosk can offer, in the order their tiles appear."""

    REGISTRATION = "registration"
    CHECKIN = "checkin"
    PAYMENT = "payment"
    REPORTS = "reports"


class DeviceRole(StrEnum):
    RECEIPT_PRINTER = "receipt_printer"
    REPORT_PRINTER = "report_printer"
    ID_CARD_READER = "id_card_reader"
    CARD_READER = "card_reader"
    SCANNER = "scanner"
    CARD_TERMINAL = "card_terminal"


class _Strict(BaseModel):
    """Unknown keys are errors: a misspelt key must not silently fall back to a default."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _readable_file(value: Path | None) -> Path | None:
    """Secrets and certificates must be readable by the service user at start, not at first use."""
    if value is None:
        return None
    if not value.is_file():
        raise ValueError(f"file {value} does not exist")
    if not os.access(value, os.R_OK):
        raise ValueError(f"file {value} is not readable by this user")
    return value


SecretFile = Path | None  # checked for readability by _readable_file


class LocalizedText(_Strict):
    zh_CN: str = Field(min_length=1)
    en: str = Field(min_length=1)

    def get(self, locale: Locale) -> str:
        return self.zh_CN if locale == "zh_CN" else self.en


class KioskSection(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", description="Fleet-unique kiosk id")
    name: LocalizedText
    locale: Locale = "zh_CN"
    # The line at the bottom of every service screen, e.g. where to get help in person.
    help: LocalizedText | None = None
    services: list[Service] = Field(default_factory=lambda: list(Service), min_length=1)

    @field_validator("services")
    @classmethod
    def _no_duplicate_services(cls, value: list[Service]) -> list[Service]:
        if len(set(value)) != len(value):
            raise ValueError("a service is listed twice")
        return value


class TimeoutsSection(_Strict):
    # Total inactivity before a session is wiped; the warning shows idle_warning_s before that.
    idle_s: int = Field(
        default=120,
        ge=45,
        le=900,
        description="a patient reading a long screen needs 45 s; an abandoned session must be wiped within 15 min",
    )
    idle_warning_s: int = Field(
        default=30, ge=20, le=120, description="an elderly patient needs 20 s to notice and tap 'more time'"
    )
    idle_max_extensions: int = Field(
        default=10, ge=10, le=100, description="WCAG 2.2.1 asks for at least 10 extensions"
    )
    goodbye_s: int = Field(
        default=8, ge=3, le=60, description="long enough to read the goodbye, short enough for the next patient"
    )
    error_screen_s: int = Field(
        default=15, ge=5, le=120, description="long enough to read an error code, short enough for the next patient"
    )

    @model_validator(mode="after")
    def _warning_fits(self) -> TimeoutsSection:
        if self.idle_warning_s + 15 > self.idle_s:
            raise ValueError(
                f"idle_s ({self.idle_s}) must be at least idle_warning_s ({self.idle_warning_s}) + 15 "
                "so a patient gets some quiet time before the warning"
            )
        return self


class UiSection(_Strict):
    fullscreen: bool = True
    hide_cursor: bool = True
    elderly_mode_default: bool = False
    # The panel and the patient's eyes: text and touch-target sizes are physical (cap height
    # 0.7 degrees at the viewing distance, targets 20 mm), so the theme scales its pixel sizes
    # from these and the window's resolution (kiosk/ui/ergonomics.py).
    screen_diagonal_in: float = Field(
        default=21.5, ge=7, le=100, description="a panel's diagonal in inches; text sizes are computed from it"
    )
    viewing_distance_cm: float = Field(
        default=55, ge=25, le=200, description="how far a standing patient's eyes are from the panel"
    )


class HisAuth(_Strict):
    kind: Literal["none", "bearer", "mtls"] = "none"
    token_file: SecretFile = None
    client_cert: SecretFile = None
    client_key: SecretFile = None

    _check_files = field_validator("token_file", "client_cert", "client_key")(_readable_file)

    @model_validator(mode="after")
    def _complete(self) -> HisAuth:
        if self.kind == "bearer" and self.token_file is None:
            raise ValueError("kind 'bearer' needs token_file")
        if self.kind == "mtls" and (self.client_cert is None or self.client_key is None):
            raise ValueError("kind 'mtls' needs client_cert and client_key")
        return self


class HisSection(_Strict):
    mode: Literal["fhir", "simulator"] = "fhir"
    base_url: AnyHttpUrl | None = None
    connect_timeout_s: float = Field(default=3.0, gt=0, le=30, description="a patient waits on screen meanwhile")
    read_timeout_s: float = Field(default=10.0, gt=0, le=120, description="a patient waits on screen meanwhile")
    ca_bundle: SecretFile = None
    auth: HisAuth = HisAuth()
    # Upper bound of one gateway call including retries: the patient sees an error by then.
    call_deadline_s: float = Field(default=20.0, gt=0, le=300, description="a patient waits on screen meanwhile")
    # Extra attempts for idempotent requests only (reads, conditional creates, If-Match updates).
    retries: int = Field(default=2, ge=0, le=5, description="each retry lengthens the patient's wait")
    # First pause between attempts; doubles each time, with jitter.
    retry_backoff_s: float = Field(default=0.3, ge=0, le=10, description="each pause lengthens the patient's wait")
    # Plain http:// to a non-loopback HIS (a test server); production keeps TLS.
    allow_plain_http: bool = False
    # Time zone the HIS's dates are in (today's appointments, slots of a day).
    timezone: str = "Asia/Shanghai"
    # How long before an appointment the HIS accepts check-in. The HIS alone decides; the kiosk
    # uses this only to tell a patient who came too early when to come back.
    checkin_opens_before_min: int = Field(default=60, ge=0, le=24 * 60, description="at most a day")
    # FHIR resource that represents a department: HealthcareService or Organization.
    department_resource: Literal["HealthcareService", "Organization"] = "HealthcareService"
    # Identifier systems (FHIR Identifier.system) the HIS uses; ask the hospital's integrator.
    resident_id_system: str = Field(default="urn:hospital-kiosk:his:resident-id", min_length=1)
    visit_card_system: str = Field(default="urn:hospital-kiosk:his:visit-card", min_length=1)
    insurance_card_system: str = Field(default="urn:hospital-kiosk:his:insurance-card", min_length=1)
    health_card_system: str = Field(default="urn:hospital-kiosk:his:health-card", min_length=1)
    # Systems the kiosk writes: booking keys (If-None-Exist), payment references, and the ones
    # the HIS answers with: receipt numbers on settlements, queue numbers on appointments.
    booking_key_system: str = Field(default="urn:hospital-kiosk:booking", min_length=1)
    payment_reference_system: str = Field(default="urn:hospital-kiosk:payment", min_length=1)
    receipt_number_system: str = Field(default="urn:hospital-kiosk:his:receipt", min_length=1)
    queue_number_system: str = Field(default="urn:hospital-kiosk:his:queue-number", min_length=1)
    # Base URL of the kiosk's FHIR extensions (registration fee, slot capacity, payment link).
    extension_base: str = Field(default="https://hospital-kiosk.org/fhir/StructureDefinition", min_length=1)
    # Largest response body accepted (report PDFs are the big ones).
    max_response_mb: float = Field(
        default=20.0, gt=0, le=200, description="a report PDF is a few MB; the kiosk holds the whole response in memory"
    )
    # Which kiosk-profile conventions the HIS follows (docs/his-fhir.md, "The kiosk profile"):
    # "auto" reads them from its CapabilityStatement; a list sets them (empty: a plain FHIR server).
    profile_features: Literal["auto"] | list[Literal["fee-hold", "queue-number", "places"]] = "auto"

    _check_ca = field_validator("ca_bundle")(_readable_file)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _url_for_fhir(self) -> HisSection:
        if self.mode == "fhir" and self.base_url is None:
            raise ValueError("mode 'fhir' needs base_url")
        if (
            self.base_url is not None
            and self.base_url.scheme == "http"
            and self.base_url.host not in ("127.0.0.1", "localhost", "::1", "[::1]")
            and not self.allow_plain_http
        ):
            raise ValueError("base_url must use https (TLS) unless allow_plain_http is set for a test server")
        if self.call_deadline_s < self.connect_timeout_s + self.read_timeout_s:
            raise ValueError("call_deadline_s must be at least connect_timeout_s + read_timeout_s")
        return self


class PaymentProvider(_Strict):
    kind: Literal["sandbox", "scan_to_pay", "payment_code", "bank_card"]
    # Merchant credentials (for the sandbox: a file holding its API token), service user only.
    credentials_file: SecretFile = None
    # Per-kind settings (poll interval, deadlines, channel URL), checked by kiosk.payments.options.
    options: dict[str, Any] = Field(default_factory=dict)

    _check_credentials = field_validator("credentials_file")(_readable_file)

    @model_validator(mode="after")
    def _options_fit_kind(self) -> PaymentProvider:
        from kiosk.payments.options import validate_options  # noqa: PLC0415 - pydantic models only

        validate_options(self.kind, self.options)
        return self


class SandboxSettings(_Strict):
    # Where the embedded payment sandbox listens. 127.0.0.1: a browser on this machine opens the
    # order pages; to approve from a phone, listen on the LAN and set public_url to match.
    host: str = "127.0.0.1"
    port: int = Field(
        default=0, ge=0, le=65535, description="a TCP port number, 0 for any free one"
    )  # 0: any free port
    # Base URL the QR codes point to (http://192.0.2.5:8765); default: the address it listens on.
    public_url: AnyHttpUrl | None = None
    # Orders survive a restart of the demo here (relative: next to the journal); none: in memory.
    db_path: Path | None = None


class PaymentsSection(_Strict):
    providers: dict[str, PaymentProvider] = Field(default_factory=dict)
    # Seconds between passes of the resolver that finishes payments stuck in a state.
    resolver_interval_s: float = Field(
        default=10.0, ge=1, le=600, description="a stuck payment must be finished within minutes"
    )
    # Start-up recovery resolves unfinished payments for at most this long before payments open.
    recovery_deadline_s: float = Field(default=60.0, ge=5, le=600, description="payments stay closed meanwhile")
    # Reconciliation matches orders paid this many minutes across midnight to the day they began.
    reconcile_tolerance_min: int = Field(default=30, ge=0, le=720, description="at most half a day")
    # The embedded payment sandbox (demo / tests): started when a sandbox provider has no base_url.
    sandbox: SandboxSettings = SandboxSettings()


class DeviceConfig(_Strict):
    driver: str = Field(min_length=1)
    # Where the device is: a serial path, hwgrep://VID:PID, socket://host:port, spy://PATH,
    # sim://NAME for the simulators, file:// or cups:// for report printers.
    transport: str = Field(min_length=1)
    # What this model can do (paper width, Chinese mode, native QR...): data, checked by the driver.
    profile: dict[str, Any] = Field(default_factory=dict)


# An argon2id PHC string as printed by `kiosk hash-pin` ($argon2id$v=19$m=19456,t=2,p=1$salt$hash).
_PIN_HASH = re.compile(
    r"^\$argon2id\$v=19\$m=(\d{1,10}),t=(\d{1,10}),p=(\d{1,3})\$[A-Za-z0-9+/]{11,86}\$[A-Za-z0-9+/]{16,128}$"
)
_STAFF_NUMBER = re.compile(r"^[0-9]{1,12}$")  # typed on the PIN pad's digit keys


def _pin_hash(value: str) -> str:
    match = _PIN_HASH.fullmatch(value)
    if not match:
        old = " (PBKDF2 hashes of older versions are no longer accepted)" if value.startswith("pbkdf2") else ""
        raise ValueError(
            f"must be a salted PIN hash printed by 'kiosk hash-pin' ($argon2id$v=19$...){old}; never put a PIN here"
        )
    memory, time_cost, parallelism = (int(group) for group in match.groups())
    problem = cost_problem(memory, time_cost, parallelism)
    if problem is not None:
        raise ValueError(f"{problem}; make a new hash with 'kiosk hash-pin'")
    return value


class AdminGesture(_Strict):
    """The hidden way in: ``taps`` taps within ``within_s`` seconds in one corner of the screen."""

    corner: Literal["top_left", "top_right", "bottom_left", "bottom_right"] = "top_right"
    taps: int = Field(default=5, ge=3, le=10, description="fewer taps open it by accident")
    within_s: float = Field(default=3.0, ge=1, le=10, description="the taps must come in one quick series")
    size_mm: float = Field(
        default=25, ge=10, le=60, description="a fingertip needs 10 mm; a larger corner catches patients' taps"
    )  # side of the square corner area


class AdminSection(_Strict):
    # The maintenance PIN's hash (actor "maintenance" in the audit log); optional with staff.
    pin_hash: str | None = None
    # Personal PINs: staff number -> hash. The admin screen then asks the staff number first.
    staff: dict[str, str] = Field(default_factory=dict)
    lockout_after_failures: int = Field(
        default=5, ge=3, le=10, description="more wrong PINs before a lock make guessing easier"
    )
    lockout_s: int = Field(
        default=900,
        ge=60,
        le=86400,
        description="the first lock; each further lock before a sign-in is twice as long, up to a day",
    )
    gesture: AdminGesture = AdminGesture()
    # The admin screen closes itself after this long without a touch.
    idle_s: int = Field(default=120, ge=30, le=1800, description="an unattended admin screen must close itself")
    # Whether the admin screen offers "leave to desktop" (quit the kiosk session).
    allow_desktop: bool = False

    @field_validator("pin_hash")
    @classmethod
    def _is_hash(cls, value: str | None) -> str | None:
        return None if value is None else _pin_hash(value)

    @field_validator("staff", mode="before")
    @classmethod
    def _staff_numbers_are_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            for number in value:
                if not isinstance(number, str):
                    raise ValueError(
                        f"staff number {number!r} must be written in quotes: unquoted, YAML reads it as "
                        "a number ('0427' becomes 279)"
                    )
        return value

    @field_validator("staff")
    @classmethod
    def _staff_hashes(cls, value: dict[str, str]) -> dict[str, str]:
        for number, stored in value.items():
            if not _STAFF_NUMBER.fullmatch(number):
                raise ValueError(f"staff number {number!r} must be 1 to 12 digits (the PIN pad has digit keys)")
            try:
                _pin_hash(stored)
            except ValueError as exc:
                raise ValueError(f"staff {number}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _someone_can_log_in(self) -> AdminSection:
        if self.pin_hash is None and not self.staff:
            raise ValueError(
                "give pin_hash (the maintenance PIN) or staff (personal PINs by staff number), or both; "
                "make each hash with 'kiosk hash-pin'"
            )
        return self


class LoggingSection(_Strict):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # text: for people, on stderr; json: one JSON object a line on stdout, for a log collector.
    format: Literal["text", "json"] = "text"
    file: Path | None = None


class MetricsSection(_Strict):
    """The Prometheus endpoint (``/metrics``): counts and states, never patient data."""

    enabled: bool = True
    # Loopback by default; a fleet's Prometheus needs the kiosk's LAN address (and a firewall).
    bind: str = "127.0.0.1"
    port: int = Field(default=9471, ge=1, le=65535, description="a TCP port number")

    @field_validator("bind")
    @classmethod
    def _ip_address(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            raise ValueError(f"{value!r} is not an IP address (127.0.0.1, 0.0.0.0, the kiosk's LAN address)") from None
        return value


# espeak-ng's plain Mandarin voices read many characters as pinyin with English tone numbers.
_MISPRONOUNCING_ZH_VOICES = frozenset({"cmn", "sit/cmn", "zh", "zh-cmn", "mandarin"})


class VoiceNames(_Strict):
    """The espeak-ng voice for each language (a voice file such as ``sit/cmn-latn-pinyin``)."""

    zh_CN: str = Field(default="sit/cmn-latn-pinyin", min_length=1)
    en: str = Field(default="en-us", min_length=1)

    @field_validator("zh_CN")
    @classmethod
    def _correct_mandarin(cls, value: str) -> str:
        if value.strip().lower() in _MISPRONOUNCING_ZH_VOICES:
            raise ValueError(f"voice {value!r} reads Chinese as pinyin with tone numbers; use sit/cmn-latn-pinyin")
        return value

    def get(self, locale: str) -> str:
        return self.zh_CN if locale == "zh_CN" else self.en


class VoiceSection(_Strict):
    """Spoken guidance (text to speech) and, with a model, voice commands."""

    enabled: bool = True
    volume: float = Field(default=0.8, ge=0, le=1, description="0 is silent, 1 is full volume")
    rate_wpm: int = Field(default=170, ge=80, le=450, description="espeak-ng's range of words a minute")
    # Elderly mode speaks slower.
    elderly_rate_wpm: int = Field(default=130, ge=80, le=450, description="espeak-ng's range of words a minute")
    voices: VoiceNames = VoiceNames()
    # The vosk model folder of the kiosk's default language; without a model no voice button
    # appears. Checked by `kiosk doctor`.
    model_path: Path | None = None
    # One model per language ({zh_CN: folder, en: folder}): the button listens in the language
    # on screen, and does not appear in a language without a model. Instead of model_path.
    models: dict[Locale, Path] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _elderly_not_faster(self) -> VoiceSection:
        if self.elderly_rate_wpm > self.rate_wpm:
            raise ValueError(
                f"elderly_rate_wpm ({self.elderly_rate_wpm}) must not be faster than rate_wpm ({self.rate_wpm})"
            )
        if self.model_path is not None and self.models:
            raise ValueError("give either model_path (one language) or models (one per language), not both")
        return self


class Config(_Strict):
    """The whole validated configuration; frozen, shared read-only by every part."""

    kiosk: KioskSection
    timeouts: TimeoutsSection = TimeoutsSection()
    ui: UiSection = UiSection()
    his: HisSection
    payments: PaymentsSection = PaymentsSection()
    devices: dict[DeviceRole, DeviceConfig] = Field(default_factory=dict)
    admin: AdminSection
    logging: LoggingSection = LoggingSection()
    metrics: MetricsSection = MetricsSection()
    voice: VoiceSection = VoiceSection()
    journal_path: Path = Path("/var/lib/hospital-kiosk/journal.sqlite")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a configuration file."""

    path: Path
    key: str  # dotted key path, "" for the whole file
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.key or '(file)'}: {self.message}"


class ConfigError(ConfigurationError):
    """The configuration file cannot be used; ``problems`` lists every reason found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def load_config(path: Path) -> Config:
    """Read and validate ``path``; relative paths inside the file resolve against its folder."""
    data, lines = _read_yaml(path)
    try:
        config = Config.model_validate(_resolve_relative_paths(data, path.resolve().parent))
    except ValidationError as exc:
        raise ConfigError([_problem(path, err, lines) for err in exc.errors()]) from None
    return config


def key_lines(path: Path) -> dict[tuple[str, ...], int]:
    """The line each key path of a (safely readable) file is written on; empty when it cannot be read."""
    try:
        return _read_yaml(path)[1]
    except ConfigError:
        return {}


# A kiosk's configuration is a few KB with a handful of aliases at most. These bounds make a
# hostile or broken file fail in milliseconds instead of hanging start-up or `kiosk doctor`
# (a "billion laughs" file expands a few lines into 10^9 values; 10 000 nested brackets
# exhaust Python's recursion).
MAX_FILE_BYTES = 256 * 1024
MAX_DEPTH = 32  # the schema nests 5 deep; profiles and payment options a little more
MAX_ALIASES = 100
MAX_VALUES = 20_000  # every key and value, counting what each alias repeats

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple[str, ...], int]]:
    text = _read_text(path)
    try:
        lines = _scan(path, text)
        data = yaml.load(text, Loader=_LOADER)  # noqa: S506 - a SafeLoader (libyaml's when present)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        reason = f"invalid YAML: {exc.problem or exc}"
        raise ConfigError([Problem(path, "", reason, line)]) from None
    except yaml.YAMLError as exc:
        raise ConfigError([Problem(path, "", f"invalid YAML: {exc}")]) from None
    except ConfigError:
        raise
    except Exception as exc:
        # (ValueError for 2026-13-45 or a 5000-digit number, AttributeError for "!!timestamp x")
        raise ConfigError([Problem(path, "", f"invalid value: {_short(str(exc) or type(exc).__name__)}")]) from None
    if not isinstance(data, dict):
        raise ConfigError([Problem(path, "", "the top level must be a mapping of sections")])
    return data, lines


def _read_text(path: Path) -> str:
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # a FIFO or /dev/zero would block or never end
            raise ConfigError([Problem(path, "", "is not a regular file")])
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError([Problem(path, "", "file not found")]) from None
    except PermissionError:
        raise ConfigError([Problem(path, "", "file is not readable by this user")]) from None
    except IsADirectoryError:
        raise ConfigError([Problem(path, "", "is a directory, not a file")]) from None
    except OSError as exc:
        raise ConfigError([Problem(path, "", f"cannot be read: {exc.strerror or exc}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(
            [Problem(path, "", f"larger than {MAX_FILE_BYTES // 1024} KiB: not a kiosk configuration (a few KB)")]
        )
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(path, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None


@dataclass
class _Open:
    """A mapping or sequence whose end the scan has not reached yet."""

    path: tuple[str, ...]
    anchor: str | None
    is_mapping: bool
    values: int = 0  # what it holds, aliases expanded
    index: int = 0  # the next item's index (sequence)
    key: str | None = None  # the key whose value comes next (mapping); None: a key comes next
    keys: dict[tuple[str, bool], int] = dataclasses.field(default_factory=dict)  # key -> line


def _scan(path: Path, text: str) -> dict[tuple[str, ...], int]:
    """One pass over the parser's events, before anything is built: see :class:`_Scanner`."""
    scanner = _Scanner(path)
    for event in yaml.parse(text, Loader=_LOADER):
        scanner.feed(event)
    if scanner.duplicates:
        raise ConfigError(scanner.duplicates)
    return scanner.lines


class _Scanner:
    """Refuses nesting deeper than MAX_DEPTH, more than MAX_ALIASES aliases, an alias inside its
    own anchor, more than MAX_VALUES values after alias expansion (each at once, with its line),
    and collects keys written twice in a mapping (both lines named) and the line of every key path.
    Iterative: depth cannot exhaust Python's stack."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: dict[tuple[str, ...], int] = {}
        self.duplicates: list[Problem] = []
        self._stack: list[_Open] = []
        self._sizes: dict[str, int] = {}  # anchor -> values it stands for
        self._total = 0
        self._aliases = 0

    def feed(self, event: yaml.Event) -> None:
        line = event.start_mark.line + 1 if event.start_mark is not None else 0
        if isinstance(event, yaml.ScalarEvent):
            here = self._place(line, event)
            if event.anchor is not None:
                self._sizes[event.anchor] = 1
            self._count(1, line, here)
        elif isinstance(event, yaml.AliasEvent):
            here = self._place(line, None)
            anchor = str(event.anchor)
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise self._refuse(line, here, f"more than {MAX_ALIASES} aliases (*name): not a kiosk configuration")
            if any(open_.anchor == anchor for open_ in self._stack):
                raise self._refuse(line, here, f"alias *{anchor} refers to a value that contains it (endless)")
            self._count(self._sizes.get(anchor, 1), line, here)  # an undefined alias: the loader names it
        elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
            here = self._place(line, None)
            if len(self._stack) >= MAX_DEPTH:
                raise self._refuse(line, here, f"nested more than {MAX_DEPTH} levels deep: not a kiosk configuration")
            self._count(1, line, here)
            self._stack.append(_Open(here, event.anchor, isinstance(event, yaml.MappingStartEvent)))
        elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
            done = self._stack.pop()
            if done.anchor is not None:
                self._sizes[done.anchor] = done.values + 1
            if self._stack:
                self._stack[-1].values += done.values + 1

    def _place(self, line: int, scalar: yaml.ScalarEvent | None) -> tuple[str, ...]:
        """The key path of the node starting on ``line`` (for a mapping's key: the key's own path)."""
        if not self._stack:
            return ()
        top = self._stack[-1]
        if not top.is_mapping:
            here = (*top.path, str(top.index))
            top.index += 1
            self.lines.setdefault(here, line)
            return here
        if top.key is not None:  # this node is the value of top.key
            here, top.key = (*top.path, top.key), None
            return here
        name = "" if scalar is None else str(scalar.value)
        here = (*top.path, name)
        if scalar is not None and name != "<<":  # "<<" merges may repeat
            identity = (name, bool(scalar.implicit[0]))  # yes and 'yes' are different keys
            first = top.keys.get(identity)
            if first is None:
                top.keys[identity] = line
            else:
                self.duplicates.append(
                    Problem(self.path, ".".join(here), f"written twice, on line {first} and line {line}", line)
                )
        self.lines.setdefault(here, line)
        top.key = name
        return here

    def _count(self, values: int, line: int, here: tuple[str, ...]) -> None:
        if self._stack:
            self._stack[-1].values += values
        self._total += values
        if self._total > MAX_VALUES:
            raise self._refuse(
                line, here, f"expands to more than {MAX_VALUES} values through aliases (a few hundred is usual)"
            )

    def _refuse(self, line: int, here: tuple[str, ...], reason: str) -> ConfigError:
        return ConfigError([Problem(self.path, ".".join(here), reason, line)])


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _problem(path: Path, err: Mapping[str, Any], lines: dict[tuple[str, ...], int]) -> Problem:
    loc = tuple(str(part) for part in err["loc"])
    message = str(err["msg"])
    if err["type"] == "extra_forbidden":
        message = "unknown key (misspelt, or not supported by this version)"
    elif message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    elif err["type"] in _BOUND_ERRORS and (why := _why(loc)):
        message = f"{message}: {why}"
    line = None
    for depth in range(len(loc), 0, -1):  # the nearest written ancestor for a missing key
        line = lines.get(loc[:depth])
        if line is not None:
            break
    return Problem(path, ".".join(loc), message, line)


_BOUND_ERRORS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})


def _why(loc: tuple[str, ...]) -> str | None:
    """The reason for a field's bounds: its description in the schema."""
    model: type[BaseModel] = Config
    why = None
    parts = list(loc)
    while parts:
        field = model.model_fields.get(parts.pop(0))
        if field is None:
            return None
        why = field.description
        inner = _model_in(field.annotation)
        if inner is None:
            break
        if get_origin(field.annotation) is dict and parts:
            parts.pop(0)  # the dict's key: devices.<role>, providers.<name>
        model = inner
    return why if not parts else None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (itself, optional, or as a dict's values)."""
    candidates = [annotation, *get_args(annotation)]
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


_PATH_KEYS = frozenset(
    {"token_file", "client_cert", "client_key", "ca_bundle", "credentials_file", "file", "model_path"}
    | {"private_key_file", "public_key_file", "apiv3_key_file"}  # payments.providers.*.options.wechat
)


def _resolve_relative_paths(data: Any, base: Path, key: str = "") -> Any:
    """Paths in the file are relative to the file, so a config folder can be moved as a whole."""
    if isinstance(data, dict):
        if key == "models":  # voice.models: {locale: folder}
            return {k: _resolve_relative_paths(v, base, "model_path") for k, v in data.items()}
        return {k: _resolve_relative_paths(v, base, str(k)) for k, v in data.items()}
    if isinstance(data, list):
        return [_resolve_relative_paths(v, base) for v in data]
    if (key in _PATH_KEYS or key == "journal_path") and isinstance(data, str) and not Path(data).is_absolute():
        return str(base / data)
    return data
