"""Hostile or broken configuration files: every one fails fast (well within a second) with exit
status 2, the file, line and key, and never a traceback or a hang. Each case runs with libyaml's
parser and with PyYAML's pure-Python one (a kiosk without libyaml gets the same protection)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import config as config_module
from kiosk.config import MAX_ALIASES, MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, Config, ConfigError, load_config
from tests.conftest import DEMO_CONFIG, ROOT

DEMO_TEXT = DEMO_CONFIG.read_text(encoding="utf-8")
LOADERS = {"libyaml": getattr(yaml, "CSafeLoader", yaml.SafeLoader), "pure-python": yaml.SafeLoader}

# "Billion laughs": nine levels of ten aliases each, 10^9 values from ten lines.
LAUGHS = "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 10)
)
# About a million values from 60 aliases (the issue measured one such file: 5 s and 282 MB).
MILLION = "a: &a [" + ", ".join(["x"] * 1000) + "]\nb: &b [" + ", ".join(["*a"] * 30) + "]\n"
MILLION += "c: [" + ", ".join(["*b"] * 30) + "]\n"


@pytest.fixture(params=sorted(LOADERS))
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(config_module, "_LOADER", LOADERS[request.param])
    return str(request.param)


def _fails_fast(path: Path) -> list[str]:
    started = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0, f"{elapsed:.2f} s"
    problems = [str(p) for p in caught.value.problems]
    assert all(p.startswith(str(path)) for p in problems)
    return problems


def _demo_plus(extra: str) -> str:
    return DEMO_TEXT + "\n" + extra


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_demo_plus(LAUGHS), f":\\d+: lol\\d.\\d+: expands to more than {MAX_VALUES} values through aliases"),
        (_demo_plus(MILLION), f":\\d+: [bc].\\d+: expands to more than {MAX_VALUES} values"),
        ("kiosk: &k\n  id: [*k]\n", ":2: kiosk.id.0: alias \\*k refers to a value that contains it"),
        ("a: &x {b: {c: *x}}\n", ":1: a.b.c: alias \\*x refers to a value that contains it"),
        ("a: &x x\nb: [" + ", ".join(["*x"] * (MAX_ALIASES + 1)) + "]\n", f":2: b.{MAX_ALIASES}: more than"),
        ("a:\n" + "- " * 10_000 + "x\n", f":2: a(.0)+: nested more than {MAX_DEPTH} levels deep"),
        ("a: " + "[" * 10_000 + "]" * 10_000 + "\n", ":1: (a(.0)+|\\(file\\)): (nested more than|invalid YAML)"),
        ("a: " + "{b: " * 10_000 + "1" + "}" * 10_000 + "\n", ":1: (a(.b)+|\\(file\\)): (nested more than|invalid)"),
    ],
    ids=[
        "billion-laughs",
        "million",
        "recursive-mapping",
        "recursive-flow",
        "aliases",
        "deep-block",
        "deep-flow-seq",
        "deep-flow-map",
    ],
)
def test_hostile_structures_fail_within_a_second(write_config, loader: str, text: str, expected: str) -> None:
    import re

    path = write_config(text)
    [problem] = _fails_fast(path)
    assert re.match(re.escape(str(path)) + expected, problem), problem


def test_duplicate_keys_are_refused_naming_both_lines(write_config, loader: str) -> None:
    # A second admin.pin_hash below the first, and a "ui.fullscreen: false" hidden under a true.
    lines = DEMO_TEXT.splitlines()
    hash_line = next(i for i, line in enumerate(lines) if line.startswith("  pin_hash: "))
    full_line = next(i for i, line in enumerate(lines) if line.startswith("  fullscreen: "))
    lines.insert(hash_line + 1, "  pin_hash: " + lines[hash_line].split(": ", 1)[1])
    lines.insert(full_line + 1, "  fullscreen: false")
    path = write_config("\n".join(lines) + "\n")
    problems = _fails_fast(path)
    # full_line comes first in the file; it shifted the pin_hash lines down by one.
    assert problems == [
        f"{path}:{full_line + 2}: ui.fullscreen: written twice, on line {full_line + 1} and line {full_line + 2}",
        f"{path}:{hash_line + 3}: admin.pin_hash: written twice, on line {hash_line + 2} and line {hash_line + 3}",
    ]


def test_duplicates_in_flow_style_and_at_the_top(write_config, loader: str) -> None:
    path = write_config("ui: {fullscreen: true, fullscreen: false}\nui: {}\n")
    assert _fails_fast(path) == [
        f"{path}:1: ui.fullscreen: written twice, on line 1 and line 1",
        f"{path}:2: ui: written twice, on line 1 and line 2",
    ]
    # "yes" (a boolean) and 'yes' (text) are different keys; aliases and merges are not duplicates.
    load = yaml.load
    fine = write_config("a: &d {x: 1}\nb: {<<: *d, y: 2}\nc: {yes: 1, 'yes': 2}\n", name="fine.yaml")
    problems = _fails_fast(fine)
    assert not any("written twice" in p for p in problems), problems
    assert load(fine.read_text(), Loader=yaml.SafeLoader)["b"] == {"x": 1, "y": 2}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: " + "1" * 5000 + "\n", "(file): invalid value: Exceeds the limit"),
        ("a: 2026-13-45\n", "(file): invalid value: month must be in 1..12"),
        ("a: !!timestamp x\n", "(file): invalid value: "),  # PyYAML itself fails with an AttributeError
        ("a: !!python/object/apply:os.system ['true']\n", "invalid YAML: could not determine a constructor"),
        ("a: *nowhere\n", "invalid YAML: found undefined alias"),
        ("--- {}\n--- {}\n", ":2: (file): invalid YAML: but found another document"),
        ("x: 1\n" * (MAX_FILE_BYTES // 5 + 1), f"(file): larger than {MAX_FILE_BYTES // 1024} KiB"),
    ],
)
def test_values_python_cannot_hold_are_config_errors(write_config, loader: str, text: str, expected: str) -> None:
    [problem] = _fails_fast(write_config(text))
    assert expected in problem, problem


def test_a_device_or_a_pipe_is_not_read(tmp_path: Path) -> None:
    zero = Path("/dev/zero")  # would never end
    assert [str(p) for p in _problems(zero)] == [f"{zero}: (file): is not a regular file"]
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # would block until a writer came
    assert [str(p) for p in _problems(fifo)] == [f"{fifo}: (file): is not a regular file"]


def _problems(path: Path) -> list[object]:
    started = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert time.perf_counter() - started < 1.0
    return list(caught.value.problems)


@pytest.mark.parametrize(
    "text",
    [_demo_plus(LAUGHS), "kiosk: &k\n  id: [*k]\n", "a:\n" + "- " * 10_000 + "x\n", _demo_plus("ui: {}\n")],
    ids=["billion-laughs", "recursive", "deep", "duplicate"],
)
@pytest.mark.parametrize("command", ["doctor", "run"])
def test_the_cli_exits_2_with_the_line_and_no_traceback(write_config, text: str, command: str) -> None:
    path = write_config(text)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", command, "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    assert f"{path}:" in output  # the file and its line
    assert time.monotonic() - started < 30  # a hang was killed at 20-30 s; a run here takes 1-3 s


# --- property: mutated configurations ----------------------------------------------------------

DEMO_LINES = DEMO_TEXT.splitlines()
HOSTILE_VALUES = [
    "*a",
    "&a [*a]",
    "&b {x: *b}",
    "1e999",
    "-1e999",
    ".nan",
    ".inf",
    "-1",
    "0",
    "4294967295",
    "9" * 5000,
    "2026-13-45",
    "2026-02-29T25:61:00",
    "~",
    "[",
    "{",
    "}",
    "'",
    '"\\x',
    "!!binary AAAA",
    "!!python/object:os.system",
    "!!set {a, b}",
    "!!timestamp x",
    "? [a]",
    "[" * 60 + "]" * 60,
    "- " * 60 + "x",
    "&c x",
    "*c",
    "<<: *c",
    "true",
    "no",
    "0x7FFFFFFFFFFFFFFF",
    "0o777",
    "1_000",
    "'" + "x" * 300 + "'",
    "\t",
    "\x00",
    "\ufeff",
    "一二三",
]


@st.composite
def mutated_configs(draw: st.DrawFn) -> str:
    lines = list(DEMO_LINES)
    for _ in range(draw(st.integers(1, 6))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        operation = draw(st.sampled_from(["value", "delete", "duplicate", "swap", "indent", "insert", "key"]))
        line = lines[index]
        if operation == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[index] = f"{key}: {draw(st.sampled_from(HOSTILE_VALUES))}"
        elif operation == "delete":
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, line)
        elif operation == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], line
        elif operation == "indent":
            lines[index] = " " * draw(st.integers(0, 6)) + line.lstrip()
        elif operation == "insert":
            lines.insert(index, draw(st.sampled_from(HOSTILE_VALUES)))
        elif operation == "key":
            lines.insert(index, f"{draw(st.text(min_size=1, max_size=8))}: {draw(st.sampled_from(HOSTILE_VALUES))}")
    return "\n".join(lines) + "\n"


@pytest.mark.slow
@pytest.mark.parametrize("loader_name", sorted(LOADERS))
def test_mutated_configs_never_raise_anything_else_and_never_hang(tmp_path: Path, loader_name: str) -> None:
    """Whatever the file holds: a Config or a ConfigError (exit 0 or 2), within a second."""
    path = tmp_path / "config.yaml"
    saved = config_module._LOADER
    config_module._LOADER = LOADERS[loader_name]
    outcomes = {"valid": 0, "refused": 0}

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(text=mutated_configs())
    def check(text: str) -> None:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        started = time.perf_counter()
        problems: tuple[object, ...] = ()
        try:
            loaded = load_config(path)
        except ConfigError as exc:
            problems = exc.problems
        else:
            assert isinstance(loaded, Config)
        outcomes["refused" if problems else "valid"] += 1
        assert all(str(p).startswith(f"{path}") for p in problems)
        assert time.perf_counter() - started < 1.0

    try:
        check()
    finally:
        config_module._LOADER = saved
    assert outcomes["refused"] > 0  # the mutations do reach the checks


def test_the_demo_config_is_far_within_the_bounds() -> None:
    lines = config_module.key_lines(DEMO_CONFIG)
    assert lines[("admin", "pin_hash")] > 1
    assert DEMO_CONFIG.stat().st_size < MAX_FILE_BYTES // 10
    events = list(yaml.parse(DEMO_TEXT, Loader=yaml.SafeLoader))
    assert len(events) < MAX_VALUES // 10


@pytest.fixture(autouse=True)
def _no_leftover_loader() -> Iterator[None]:
    yield
    assert config_module._LOADER in LOADERS.values()
