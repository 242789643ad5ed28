"""`kiosk doctor` on a kiosk's set-up: "writable" means a write reached the disk, a device the
kiosk would refuse is a configuration error (exit 2 with file, line and key), a PIN hash that
would keep a sign-in waiting fails; and the configuration's bounds say why they are there."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kiosk import cli, doctor
from kiosk.config import ConfigError, load_config
from tests.conftest import DEMO_CONFIG

DEMO_TEXT = DEMO_CONFIG.read_text(encoding="utf-8")
WriteConfig = Callable[..., Path]


def test_dev_full_is_not_a_writable_journal() -> None:
    config = load_config(DEMO_CONFIG).model_copy(update={"journal_path": Path("/dev/full")})
    [finding] = doctor.check_journal(config)
    assert finding.outcome is doctor.Outcome.FAIL
    assert "/dev/full is not a regular file" in finding.detail


def test_writable_means_a_probe_file_was_written_and_synced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(DEMO_CONFIG).model_copy(update={"journal_path": tmp_path / "state" / "journal.sqlite"})
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or real_fsync(fd))
    [finding] = doctor.check_journal(config)
    assert finding.outcome is doctor.Outcome.OK, finding
    assert "written and synced" in finding.detail
    assert len(synced) == 2  # the probe file and its folder
    assert list(tmp_path.iterdir()) == []  # no probe left behind


def test_a_full_or_read_only_filesystem_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(DEMO_CONFIG).model_copy(update={"journal_path": tmp_path / "journal.sqlite"})

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    [finding] = doctor.check_journal(config)
    assert finding.outcome is doctor.Outcome.FAIL
    assert "No space left on device" in finding.detail
    assert list(tmp_path.iterdir()) == []


def _device_config(write_config: WriteConfig, old: str, new: str) -> tuple[Path, int]:
    assert old in DEMO_TEXT
    text = DEMO_TEXT.replace(old, new, 1)
    line = text.splitlines().index(new.splitlines()[0]) + 1
    return write_config(text), line


DEVICE_CASES = {
    "driver": (
        "    driver: escpos",
        "    driver: epson-magic",
        "devices.receipt_printer.driver",
        "cannot serve this role",
    ),
    "profile": (
        "    profile: {system: visit_card}",
        "    profile: {system: visit_card, colour: red}",
        "devices.card_reader.profile.colour",
        "unknown key",
    ),
}


@pytest.mark.parametrize("case", sorted(DEVICE_CASES))
def test_an_unknown_driver_or_profile_key_exits_2(
    write_config: WriteConfig, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    old, new, key, reason = DEVICE_CASES[case]
    path, line = _device_config(write_config, old, new)
    assert cli.main(["doctor", "--config", str(path)]) == 2
    out = capsys.readouterr().out
    assert f"[FAIL] config: {path}:{line}: {key}: " in out, out
    assert reason in out
    assert f"[  ok] config: {path} is valid" not in out
    assert "[  ok] fonts" in out  # the other checks still ran


def test_a_pin_check_slower_than_the_limit_fails() -> None:
    config = load_config(DEMO_CONFIG)
    findings = list(doctor.check_admin_pins(config))
    assert findings[-1].outcome is doctor.Outcome.OK
    assert findings[-1].detail.startswith("checking a PIN takes ")
    slow = list(doctor.check_admin_pins(config, limit_s=0.0))
    assert slow[-1].outcome is doctor.Outcome.FAIL
    assert "pin_hash (m=19456,t=2,p=1): checking a PIN takes" in slow[-1].detail


# --- bounds and their reasons ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("  idle_s: 120", "  idle_s: 5", "timeouts.idle_s: Input should be greater than or equal to 45: a patient"),
        ("  port: 9471", "  port: 70000", "metrics.port: Input should be less than or equal to 65535: a TCP port"),
        ("  port: 9471", "  port: .nan", "metrics.port: Input should be a finite number"),
        (
            "  lockout_s: 900",
            "  lockout_s: 999999",
            "admin.lockout_s: Input should be less than or equal to 86400: the",
        ),
        ("  idle_s: 120", "  idle_s: .inf", "timeouts.idle_s: Input should be a finite number"),
    ],
)
def test_a_bound_says_why(write_config: WriteConfig, old: str, new: str, expected: str) -> None:
    assert old in DEMO_TEXT, old
    text = DEMO_TEXT.replace(old, new, 1)
    path = write_config(text)
    line = text.splitlines().index(new) + 1
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    first = str(caught.value.problems[0])
    assert first.startswith(f"{path}:{line}: {expected}")


def test_every_bounded_number_has_its_reason() -> None:
    """A technician who sets a number out of range reads why the range is what it is."""
    from annotated_types import Ge, Gt, Le, Lt
    from pydantic import BaseModel

    from kiosk.config import Config

    missing: list[str] = []
    unbounded: list[str] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            low = any(isinstance(m, Ge | Gt) for m in field.metadata)
            high = any(isinstance(m, Le | Lt) for m in field.metadata)
            if (low or high) and not field.description:
                missing.append(prefix + name)
            if field.annotation in (int, float, int | None, float | None) and not (low and high):
                unbounded.append(prefix + name)
            for inner in (field.annotation, *getattr(field.annotation, "__args__", ())):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    walk(inner, f"{prefix}{name}.")

    walk(Config, "")
    assert missing == []
    assert unbounded == []  # every number a technician can set has a floor and a ceiling
