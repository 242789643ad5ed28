"""Configuration validation: every bad input gets the file, key path, line and reason."""

from __future__ import annotations

import os
import pwd
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kiosk.config import ConfigError, Service, load_config
from kiosk.doctor import Outcome, run_checks
from tests.conftest import DEMO_CONFIG, ROOT

WriteConfig = Callable[..., Path]


def _demo_with(demo_yaml: dict[str, object], **sections: object) -> str:
    data = dict(demo_yaml)
    data.update(sections)
    return yaml.safe_dump(data, allow_unicode=True)


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [str(p) for p in caught.value.problems]


def test_demo_config_is_valid() -> None:
    config = load_config(DEMO_CONFIG)
    assert config.kiosk.id == "DEMO-OPD-01"
    assert config.kiosk.services == list(Service)
    assert config.journal_path.is_absolute()  # resolved against the file's folder
    assert config.journal_path.parent == ROOT / "var"


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert _problems(missing) == [f"{missing}: (file): file not found"]


def test_invalid_yaml_names_the_line(write_config: WriteConfig) -> None:
    path = write_config("kiosk:\n  id: DEMO\n  name: {zh_CN: a, en: b\nhis:\n  mode: simulator\n")
    [problem] = _problems(path)
    assert problem.startswith(f"{path}:4: (file): invalid YAML")


def test_top_level_must_be_a_mapping(write_config: WriteConfig) -> None:
    path = write_config("- just\n- a list\n")
    assert _problems(path) == [f"{path}: (file): the top level must be a mapping of sections"]


def test_unknown_key_with_key_path_and_line(write_config: WriteConfig) -> None:
    text = DEMO_CONFIG.read_text(encoding="utf-8").replace("  fullscreen: true", "  fulscreen: true")
    path = write_config(text)
    line = text.splitlines().index("  fulscreen: true") + 1
    assert _problems(path) == [f"{path}:{line}: ui.fulscreen: unknown key (misspelt, or not supported by this version)"]


def test_wrong_type(write_config: WriteConfig, demo_yaml) -> None:
    path = write_config(_demo_with(demo_yaml, ui={"fullscreen": "sometimes"}))
    [problem] = _problems(path)
    assert "ui.fullscreen: Input should be a valid boolean" in problem


@pytest.mark.parametrize(
    ("timeouts", "expected"),
    [
        ({"idle_s": 5}, "timeouts.idle_s: Input should be greater than or equal to 45"),
        ({"idle_warning_s": 10}, "timeouts.idle_warning_s: Input should be greater than or equal to 20"),
        ({"idle_max_extensions": 3}, "timeouts.idle_max_extensions: Input should be greater than or equal to 10"),
        ({"idle_s": 60, "idle_warning_s": 50}, "timeouts: idle_s (60) must be at least idle_warning_s (50) + 15"),
    ],
)
def test_out_of_range_timeouts(write_config: WriteConfig, demo_yaml, timeouts, expected) -> None:
    path = write_config(_demo_with(demo_yaml, timeouts=timeouts))
    [problem] = _problems(path)
    assert expected in problem


def test_every_problem_is_reported_at_once(write_config: WriteConfig, demo_yaml) -> None:
    path = write_config(_demo_with(demo_yaml, timeouts={"idle_s": 5}, ui={"colour": "red"}, logging={"level": "LOUD"}))
    keys = sorted(p.split(": ")[1] for p in _problems(path))
    assert keys == ["logging.level", "timeouts.idle_s", "ui.colour"]


def test_missing_section_is_named(write_config: WriteConfig, demo_yaml) -> None:
    data = dict(demo_yaml)
    del data["admin"]
    path = write_config(yaml.safe_dump(data, allow_unicode=True))
    assert _problems(path) == [f"{path}: admin: Field required"]


def test_plain_pin_is_refused(write_config: WriteConfig, demo_yaml) -> None:
    path = write_config(_demo_with(demo_yaml, admin={"pin_hash": "123456"}))
    [problem] = _problems(path)
    assert "admin.pin_hash: must be a salted PIN hash" in problem


def test_missing_secret_file(write_config: WriteConfig, demo_yaml, tmp_path: Path) -> None:
    his = {"mode": "simulator", "auth": {"kind": "bearer", "token_file": "his-token"}}
    path = write_config(_demo_with(demo_yaml, his=his))
    [problem] = _problems(path)
    assert f"his.auth.token_file: file {tmp_path / 'his-token'} does not exist" in problem


def test_bearer_auth_needs_a_token_file(write_config: WriteConfig, demo_yaml) -> None:
    path = write_config(_demo_with(demo_yaml, his={"mode": "simulator", "auth": {"kind": "bearer"}}))
    [problem] = _problems(path)
    assert "his.auth: kind 'bearer' needs token_file" in problem


def test_unreadable_secret_file(demo_yaml) -> None:
    # A folder every user may enter (pytest's own temp root is private to its user).
    with tempfile.TemporaryDirectory() as folder:
        Path(folder).chmod(0o755)
        _check_unreadable_secret(Path(folder), demo_yaml)


def _check_unreadable_secret(folder: Path, demo_yaml: dict[str, object]) -> None:
    secret = folder / "his-token"
    secret.write_text("s3cret")
    secret.chmod(0o600)
    his = {"mode": "simulator", "auth": {"kind": "bearer", "token_file": str(secret)}}
    path = folder / "config.yaml"
    path.write_text(_demo_with(demo_yaml, his=his), encoding="utf-8")
    path.chmod(0o644)
    load_config(path)  # readable by its owner

    if os.geteuid() != 0:
        secret.chmod(0o000)
        [problem] = _problems(path)
        assert "is not readable by this user" in problem
        return
    # Root reads everything: check in a forked child that drops to the unprivileged user the
    # kiosk service runs as (the venv's interpreter may sit where that user cannot go).
    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns into pytest
        status = 0
        try:
            os.close(read_end)
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            try:
                load_config(path)
                message = "loaded"
            except ConfigError as exc:
                message = str(exc)
            os.write(write_end, message.encode())
        except BaseException:
            status = 1
        finally:
            os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        output = pipe.read().decode()
    _, status = os.waitpid(pid, 0)
    assert status == 0
    assert f"his.auth.token_file: file {secret} is not readable by this user" in output


def test_cli_reports_config_errors_with_status_2_and_no_traceback(write_config: WriteConfig, demo_yaml) -> None:
    path = write_config(_demo_with(demo_yaml, timeouts={"idle_s": 5}, ui={"colour": "red"}))
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "run", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "2 problem(s)" in result.stderr
    assert "timeouts.idle_s" in result.stderr
    assert "ui.colour" in result.stderr


def test_doctor_lists_every_problem(write_config: WriteConfig, demo_yaml) -> None:
    path = write_config(_demo_with(demo_yaml, timeouts={"idle_s": 5}, logging={"level": "LOUD"}))
    findings, config_ok = run_checks(path, ROOT / "resources")
    assert not config_ok
    failed = [f for f in findings if f.check == "config" and f.outcome is Outcome.FAIL]
    assert len(failed) == 2
    # The other checks still ran.
    assert {f.check for f in findings} >= {"config", "translations", "fonts", "display"}


def test_doctor_command_on_the_demo_config(write_config: WriteConfig) -> None:
    import socket

    with socket.socket() as probe:  # not 9471: a demo kiosk running here would answer for its devices
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    text = DEMO_CONFIG.read_text(encoding="utf-8")
    assert "  port: 9471\n" in text
    path = write_config(text.replace("  port: 9471\n", f"  port: {port}\n"))
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "doctor", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={**os.environ, "DISPLAY": ":99"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[  ok] config" in result.stdout
    assert "[  ok] fonts: Chinese fonts" in result.stdout


def test_doctor_pings_a_real_his(write_config: WriteConfig, demo_yaml) -> None:
    from kiosk.his.simulator import HisSimulator

    with HisSimulator(patients=3) as simulator:
        path = write_config(_demo_with(demo_yaml, his={"mode": "fhir", "base_url": simulator.base_url}))
        findings, _ = run_checks(path, ROOT / "resources")
    [his] = [f for f in findings if f.check == "his"]
    assert his.outcome is Outcome.OK, his
    # Nothing listens there any more: a clear failure, not a traceback.
    findings, _ = run_checks(path, ROOT / "resources")
    [his] = [f for f in findings if f.check == "his"]
    assert his.outcome is Outcome.FAIL
    assert "does not answer" in his.detail
