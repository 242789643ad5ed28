"""``kiosk doctor``: checks a kiosk's set-up and prints every problem found, not only the first.

Plain Python (no Qt), so it runs over SSH on a kiosk whose screen is broken.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from kiosk.config import SUPPORTED_LOCALES, Config, ConfigError, load_config
from kiosk.errors import ConfigurationError


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


def check_journal(config: Config) -> Iterator[Finding]:
    folder = config.journal_path.parent
    existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
    if existing is None or not os.access(existing, os.W_OK):
        yield Finding("journal", Outcome.FAIL, f"cannot create or write {config.journal_path}")
    else:
        yield Finding("journal", Outcome.OK, f"{config.journal_path} is writable")


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
    except HisError as exc:
        yield Finding("his", Outcome.FAIL, f"{config.his.base_url} does not answer: {type(exc).__name__} ({exc})")
    else:
        yield Finding("his", Outcome.OK, f"{config.his.base_url} answers ({software})")
    finally:
        gateway.close()


def check_display() -> Iterator[Finding]:
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        yield Finding("display", Outcome.OK, "a display is available")
    else:
        yield Finding("display", Outcome.WARN, "no DISPLAY or WAYLAND_DISPLAY: 'kiosk run' needs the kiosk session")


def run_checks(config_path: Path, resources: Path) -> tuple[list[Finding], bool]:
    """All findings, and whether the configuration itself was valid."""
    findings: list[Finding] = []
    config: Config | None = None
    try:
        config = load_config(config_path)
        findings.append(Finding("config", Outcome.OK, f"{config_path} is valid"))
    except ConfigError as exc:
        findings.extend(Finding("config", Outcome.FAIL, str(p)) for p in exc.problems)
    findings.extend(check_translations(resources))
    findings.extend(check_cjk_font())
    findings.extend(check_display())
    if config is not None:
        findings.extend(check_journal(config))
        findings.extend(check_his(config))
    return findings, config is not None
