"""``kiosk doctor``: checks a kiosk's set-up and prints every problem found, not only the first.

Plain Python (no Qt), so it runs over SSH on a kiosk whose screen is broken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from kiosk.adminpin import MEMORY_KIB, MIN_PIN_DIGITS, TIME_COST, needs_rehash, verify_pin
from kiosk.config import SUPPORTED_LOCALES, Config, ConfigError, Problem, key_lines, load_config
from kiosk.errors import ConfigurationError

PIN_CHECK_LIMIT_S = 1.0  # the longest a sign-in may take to check one PIN


class Outcome(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Finding:
    check: str
    outcome: Outcome
    detail: str

    def __str__(self) -> str:
        return f"[{self.outcome:>4}] {self.check}: {self.detail}"


def check_translations(resources: Path) -> Iterator[Finding]:
    for locale in SUPPORTED_LOCALES:
        if locale == "en":
            continue  # the source language needs no file
        qm = resources / "i18n" / f"kiosk_{locale}.qm"
        if qm.is_file() and qm.stat().st_size > 0:
            yield Finding("translations", Outcome.OK, f"{locale}: {qm}")
        else:
            yield Finding("translations", Outcome.FAIL, f"{locale}: {qm} is missing (run 'make translations')")


def check_cjk_font() -> Iterator[Finding]:
    if shutil.which("fc-list") is None:
        yield Finding("fonts", Outcome.WARN, "fc-list not found; cannot check for a Chinese font")
        return
    result = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True, timeout=20, check=False)
    families = sorted({line.split(",")[0] for line in result.stdout.splitlines() if line.strip()})
    if families:
        yield Finding("fonts", Outcome.OK, f"Chinese fonts: {', '.join(families[:3])}")
    else:
        yield Finding(
            "fonts",
            Outcome.FAIL,
            "no Chinese font: every Chinese character would show as a box (apt-get install fonts-noto-cjk)",
        )


PROBE_BYTES = 4096  # one page: enough to find a full or read-only filesystem


def check_journal(config: Config) -> Iterator[Finding]:
    """The journal's folder takes a write that reaches the disk (a probe file written, fsynced and
    removed), and the journal itself, when it exists, is a regular file this user can write."""
    path = config.journal_path
    if path.exists() and not path.is_file():
        yield Finding("journal", Outcome.FAIL, f"{path} is not a regular file: SQLite cannot keep a journal there")
        return
    if path.is_file() and not os.access(path, os.W_OK):
        yield Finding("journal", Outcome.FAIL, f"{path} is not writable by this user")
        return
    folder = path.parent
    existing = next((p for p in (folder, *folder.parents) if p.is_dir()), None)
    if existing is None:
        yield Finding("journal", Outcome.FAIL, f"cannot create {path}: no folder of it exists")
        return
    problem = write_probe(existing)
    if problem is not None:
        yield Finding("journal", Outcome.FAIL, f"cannot write in {existing} for {path}: {problem}")
    else:
        yield Finding("journal", Outcome.OK, f"{path} is writable (a probe file in {existing} written and synced)")


def write_probe(folder: Path) -> str | None:
    """Writes, fsyncs and removes a probe file in ``folder``; why that failed, or None."""
    probe = folder / f".kiosk-doctor-probe-{os.getpid()}"
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            written = os.write(fd, b"\0" * PROBE_BYTES)
            os.fsync(fd)
        finally:
            os.close(fd)
        if written != PROBE_BYTES:
            return f"only {written} of {PROBE_BYTES} bytes written"
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)  # the new entry itself reaches the disk, as SQLite's -wal must
        finally:
            os.close(dir_fd)
    except OSError as exc:
        return exc.strerror or str(exc)
    finally:
        probe.unlink(missing_ok=True)
    return None


def check_admin_pins(config: Config, limit_s: float = PIN_CHECK_LIMIT_S) -> Iterator[Finding]:
    hashes = {"pin_hash": config.admin.pin_hash} if config.admin.pin_hash else {}
    hashes |= {f"staff {number}": stored for number, stored in config.admin.staff.items()}
    weak = [owner for owner, stored in hashes.items() if needs_rehash(stored)]
    if weak:
        current = f"argon2id m={MEMORY_KIB} KiB, t={TIME_COST}"
        detail = f"{', '.join(weak)}: weaker than {current}; make new hashes with 'kiosk hash-pin'"
        yield Finding("admin PIN", Outcome.WARN, detail)
    else:
        yield Finding("admin PIN", Outcome.OK, f"{len(hashes)} PIN hash(es) at current argon2id parameters")
    # One check per distinct cost, timed on this kiosk's CPU: a sign-in must not keep one waiting.
    slowest = 0.0
    by_cost = {stored.split("$")[3]: (owner, stored) for owner, stored in hashes.items() if stored.count("$") >= 4}
    for cost, (owner, stored) in by_cost.items():
        started = time.perf_counter()
        verify_pin("0" * MIN_PIN_DIGITS, stored)
        took = time.perf_counter() - started
        slowest = max(slowest, took)
        if took > limit_s:
            detail = (
                f"{owner} ({cost}): checking a PIN takes {took:.2f} s here; make a cheaper hash with 'kiosk hash-pin'"
            )
            yield Finding("admin PIN", Outcome.FAIL, detail)
            return
    yield Finding("admin PIN", Outcome.OK, f"checking a PIN takes {slowest * 1000:.0f} ms on this kiosk")


def check_his(config: Config) -> Iterator[Finding]:
    if config.his.mode == "simulator":
        yield Finding("his", Outcome.WARN, "mode 'simulator': the embedded demo HIS, not a hospital's")
        return
    from kiosk.his.errors import HisError  # noqa: PLC0415 - requests is only needed here
    from kiosk.his.fhir import FhirHisGateway  # noqa: PLC0415

    try:
        gateway = FhirHisGateway(config.his)
    except ConfigurationError as exc:
        yield Finding("his", Outcome.FAIL, str(exc))
        return
    try:
        software = gateway.ping()
        capabilities = gateway.capabilities()  # read by ping: what the kiosk will rely on
    except HisError as exc:
        yield Finding("his", Outcome.FAIL, f"{config.his.base_url} does not answer: {type(exc).__name__} ({exc})")
    else:
        yield Finding("his", Outcome.OK, f"{config.his.base_url} answers ({software})")
        for degraded, line in capabilities.summary():
            yield Finding("his capabilities", Outcome.WARN if degraded else Outcome.OK, line)
    finally:
        gateway.close()


def check_payments(config: Config) -> Iterator[Finding]:
    """WeChat Pay providers: the key files load, and a query for an order that cannot exist is
    answered and correctly signed (a WARN when WeChat Pay cannot be reached from here)."""
    from kiosk.payments.options import PaymentCodeOptions, ScanToPayOptions, validate_options  # noqa: PLC0415

    for name, spec in config.payments.providers.items():
        options = validate_options(spec.kind, spec.options) if spec.kind in ("scan_to_pay", "payment_code") else None
        if not isinstance(options, ScanToPayOptions | PaymentCodeOptions) or options.wechat is None:
            continue
        from kiosk.payments.errors import ProviderUnavailable  # noqa: PLC0415 - cryptography only if used
        from kiosk.payments.wechatpay.client import UnverifiedAnswer  # noqa: PLC0415
        from kiosk.payments.wechatpay.setup import build_wechat_channel  # noqa: PLC0415

        check = f"payments.{name}"
        try:
            channel = build_wechat_channel(
                options.wechat, str(options.base_url), options.timeout_s, config.his.timezone
            )
        except ValueError as exc:
            yield Finding(check, Outcome.FAIL, str(exc))
            continue
        try:
            yield Finding(check, Outcome.OK, channel.probe())
        except UnverifiedAnswer as exc:
            yield Finding(check, Outcome.FAIL, str(exc))
        except ProviderUnavailable as exc:
            yield Finding(check, Outcome.WARN, f"WeChat Pay not reachable from here: {exc}")
        finally:
            channel.close_client()


def check_display() -> Iterator[Finding]:
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        yield Finding("display", Outcome.OK, "a display is available")
    else:
        yield Finding("display", Outcome.WARN, "no DISPLAY or WAYLAND_DISPLAY: 'kiosk run' needs the kiosk session")


def check_voice(config: Config) -> Iterator[Finding]:
    """Spoken guidance (engine, espeak-ng and its voices, an audio device) and the voice model."""
    import ctypes.util  # noqa: PLC0415
    import importlib.util  # noqa: PLC0415

    from kiosk.voice.asr import models_from_config  # noqa: PLC0415 - no Qt
    from kiosk.voice.tts import audio_output_problem, iter_voices  # noqa: PLC0415 - no Qt

    voice = config.voice
    models = models_from_config(voice, config.kiosk.locale)
    if not models:
        yield Finding("voice model", Outcome.WARN, "no voice.model_path or voice.models: no voice commands, no button")
    for locale, model in models.items():
        yield from check_voice_model(locale, model)
    if models:
        yield check_microphone()
    if not voice.enabled:
        yield Finding("speech", Outcome.WARN, "voice.enabled is false: the kiosk speaks no prompts")
        return
    if importlib.util.find_spec("pyttsx3") is None:
        yield Finding("speech", Outcome.FAIL, "pyttsx3 is not installed (pip install -e .)")
    if ctypes.util.find_library("espeak-ng") is None or shutil.which("espeak-ng") is None:
        yield Finding("speech", Outcome.FAIL, "espeak-ng is not installed (apt-get install espeak-ng)")
    else:
        installed = set(iter_voices())
        for locale, name in (("zh_CN", voice.voices.zh_CN), ("en", voice.voices.en)):
            wanted = name.lower()
            if wanted in installed or any(v.endswith("/" + wanted) for v in installed):
                yield Finding("speech", Outcome.OK, f"{locale} voice {name} is installed")
            else:
                yield Finding("speech", Outcome.FAIL, f"{locale} voice {name} is not among espeak-ng's voices")
    problem = audio_output_problem()
    if problem is None:
        yield Finding("speech", Outcome.OK, "an audio output device is present")
    else:
        yield Finding("speech", Outcome.WARN, f"{problem}: the kiosk works silently")


def check_voice_model(locale: str, model: Path) -> Iterator[Finding]:
    if not model.is_dir():
        yield Finding("voice model", Outcome.FAIL, f"{locale}: {model} is not a folder")
    elif not ((model / "am").is_dir() or (model / "conf").is_dir()):
        yield Finding("voice model", Outcome.FAIL, f"{locale}: {model} is not a vosk model (no am/ or conf/ inside)")
    else:
        yield Finding("voice model", Outcome.OK, f"{locale}: vosk model {model}")


def check_microphone(available: Callable[[], str | None] | None = None) -> Finding:
    """A model without a microphone shows no voice button: the technician should know why."""
    if available is None:
        from kiosk.voice.asr import MicrophoneSource  # noqa: PLC0415 - sounddevice: only when asked

        available = MicrophoneSource.available
    problem = available()
    if problem is None:
        return Finding("microphone", Outcome.OK, "a microphone (audio input device) is present")
    return Finding("microphone", Outcome.FAIL, f"{problem}: the voice button stays hidden")


# -- operations: journal integrity, disk space, devices (issue #8) ---------------------------------

DISK_WARN_BYTES = 1_000_000_000  # below this the journal's filesystem needs attention soon
DISK_FAIL_BYTES = 200_000_000  # below this SQLite may fail to commit a payment


def check_journal_integrity(config: Config) -> Iterator[Finding]:
    """``PRAGMA integrity_check`` and the schema version of the journal, opened read-only."""
    import sqlite3  # noqa: PLC0415

    from kiosk.journal import SCHEMA_VERSION, JournalLoss, mark_path, payment_events_in, read_mark  # noqa: PLC0415
    from kiosk.payments.errors import JournalError  # noqa: PLC0415

    path = config.journal_path
    try:
        expected = read_mark(path)  # before the journal: a commit meanwhile only raises what is found
    except JournalError as exc:
        yield Finding("journal integrity", Outcome.FAIL, str(exc))
        return
    if not path.exists() and expected is None:
        yield Finding("journal integrity", Outcome.OK, f"{path} does not exist yet (created at the first start)")
        return
    if not path.exists() or path.stat().st_size == 0:
        loss = JournalLoss(path, expected or 0, 0)
        yield Finding("journal integrity", Outcome.FAIL, f"{path} is missing or empty; {loss.describe()}")
        return
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        yield Finding("journal integrity", Outcome.FAIL, f"cannot open {path}: {exc}")
        return
    try:
        rows = [str(row[0]) for row in conn.execute("PRAGMA integrity_check(20)")]
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        has_payments = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'payment_events'").fetchone()
        found = payment_events_in(conn) if has_payments else 0
    except sqlite3.Error as exc:
        yield Finding("journal integrity", Outcome.FAIL, f"{path} cannot be read: {exc} (restore it from a backup)")
        return
    finally:
        conn.close()
    if rows != ["ok"]:
        yield Finding("journal integrity", Outcome.FAIL, f"{path} is damaged: {'; '.join(rows[:3])}")
    elif expected is not None and found < expected:
        yield Finding("journal integrity", Outcome.FAIL, JournalLoss(path, expected, found).describe())
    elif version > SCHEMA_VERSION:
        yield Finding(
            "journal integrity",
            Outcome.FAIL,
            f"{path} has schema version {version}, newer than this software's {SCHEMA_VERSION}",
        )
    elif version < SCHEMA_VERSION:
        yield Finding(
            "journal integrity", Outcome.WARN, f"{path} is at schema version {version}; the next start migrates it"
        )
    else:
        kept = f"; commit mark {mark_path(path).name} at {expected}" if expected is not None else ""
        yield Finding("journal integrity", Outcome.OK, f"{path} is intact (schema version {version}){kept}")


def check_disk(config: Config) -> Iterator[Finding]:
    """Free space on the journal's filesystem."""
    folder = config.journal_path.parent
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None:
        yield Finding("disk", Outcome.FAIL, f"no folder of {config.journal_path} exists")
        return
    free = shutil.disk_usage(existing).free
    text = f"{free / 1e9:.2f} GB free for the journal ({existing})"
    if free < DISK_FAIL_BYTES:
        yield Finding("disk", Outcome.FAIL, f"{text}: payments may fail to be written; free some space")
    elif free < DISK_WARN_BYTES:
        yield Finding("disk", Outcome.WARN, f"{text}: less than 1 GB")
    else:
        yield Finding("disk", Outcome.OK, text)


def check_device_options(config: Config, path: Path) -> Iterator[Finding]:
    """Each device's driver and profile, checked as the kiosk checks them at start, nothing opened.
    A wrong one is a configuration problem (exit 2, file, line and key), not a device failure."""
    from kiosk.devices.errors import DeviceOptionsError  # noqa: PLC0415 - the drivers: only for this check
    from kiosk.devices.manager import DeviceManager  # noqa: PLC0415

    lines: dict[tuple[str, ...], int] | None = None
    for role, device in config.devices.items():
        try:
            # A placeholder hub: building a device reads its options; only opening it needs the hub.
            DeviceManager({role: device}, lambda _event: None, sim_hub=object())
        except DeviceOptionsError as exc:
            text = str(exc)
            key, _, reason = text.partition(": ")
            if not key.startswith(f"devices.{role.value}") or not reason:
                key, reason = f"devices.{role.value}", text
            lines = key_lines(path) if lines is None else lines
            parts = tuple(key.split("."))
            line = next((lines[parts[:n]] for n in range(len(parts), 0, -1) if parts[:n] in lines), None)
            yield Finding("config", Outcome.FAIL, str(Problem(path, key, reason, line)))


def check_devices(config: Config, timeout: float = 5.0) -> Iterator[Finding]:
    """Each configured device's status. While the kiosk runs, its devices' ports are its own:
    the statuses then come from its metrics endpoint instead of opening them a second time."""
    if not config.devices:
        yield Finding("devices", Outcome.WARN, "no devices configured")
        return
    running = _running_kiosk_devices(config)
    if running is not None:
        for role in config.devices:
            state, paper = running.get(str(role), ("not reported", None))
            outcome = Outcome.OK if state == "ready" else Outcome.WARN if state in ("busy", "warning") else Outcome.FAIL
            detail = state + (f", paper {paper}" if paper not in (None, "ok") else "")
            yield Finding("devices", outcome, f"{role}: {detail} (from the running kiosk)")
        return
    yield from _open_devices(config, timeout)


def _open_devices(config: Config, timeout: float) -> Iterator[Finding]:
    from kiosk.devices.errors import DeviceError  # noqa: PLC0415 - the drivers: only for this check
    from kiosk.devices.manager import DeviceManager  # noqa: PLC0415
    from kiosk.devices.simulators.demo import build_demo_hub  # noqa: PLC0415
    from kiosk.devices.status import DeviceState  # noqa: PLC0415

    uses_sim = any(d.transport.lower().startswith("sim://") for d in config.devices.values())
    hub = build_demo_hub() if uses_sim else None
    try:
        manager = DeviceManager(config.devices, lambda _event: None, sim_hub=hub)
        try:
            manager.start()
            statuses = manager.wait_settled(timeout)
        finally:
            manager.stop()
    except DeviceError as exc:
        yield Finding("devices", Outcome.FAIL, str(exc))
        return
    finally:
        if hub is not None:
            hub.close()
    for role, status in statuses.items():
        if status.state is DeviceState.READY:
            outcome = Outcome.OK
        elif status.usable:
            outcome = Outcome.WARN
        else:
            outcome = Outcome.FAIL
        yield Finding("devices", outcome, f"{role}: {status.describe()}")


def _running_kiosk_devices(config: Config) -> dict[str, tuple[str, str | None]] | None:
    """Device state and paper by role from the running kiosk's ``/metrics``; None when it does not answer."""
    import urllib.error  # noqa: PLC0415
    import urllib.request  # noqa: PLC0415

    from prometheus_client.parser import text_string_to_metric_families  # noqa: PLC0415

    if not config.metrics.enabled:
        return None
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(config.metrics.bind, config.metrics.bind)  # noqa: S104
    url = f"http://{f'[{host}]' if ':' in host else host}:{config.metrics.port}/metrics"
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            text = response.read().decode("utf-8", "replace")
    except (OSError, urllib.error.URLError):
        return None
    found: dict[str, tuple[str, str | None]] = {}
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                role, state = sample.labels.get("role"), sample.labels.get("state")
                if sample.value != 1 or role is None or state is None:
                    continue
                if sample.name == "kiosk_device_state":
                    found[role] = (state, found.get(role, ("", None))[1])
                elif sample.name == "kiosk_printer_paper":
                    found[role] = (found.get(role, ("not reported", None))[0], state)
    except ValueError:
        return None
    return found


def run_checks(config_path: Path, resources: Path) -> tuple[list[Finding], bool]:
    """All findings, and whether the configuration itself was valid."""
    findings: list[Finding] = []
    config: Config | None = None
    device_problems: list[Finding] = []
    try:
        config = load_config(config_path)
        device_problems = list(check_device_options(config, config_path))
        findings.extend(device_problems or [Finding("config", Outcome.OK, f"{config_path} is valid")])
    except ConfigError as exc:
        findings.extend(Finding("config", Outcome.FAIL, str(p)) for p in exc.problems)
    findings.extend(check_translations(resources))
    findings.extend(check_cjk_font())
    findings.extend(check_display())
    if config is not None:
        findings.extend(check_journal(config))
        findings.extend(check_admin_pins(config))
        findings.extend(check_his(config))
        findings.extend(check_payments(config))
        findings.extend(check_journal_integrity(config))
        findings.extend(check_disk(config))
        if not device_problems:  # a device the kiosk would refuse is not opened either
            findings.extend(check_devices(config))
        findings.extend(check_voice(config))
    return findings, config is not None and not device_problems
