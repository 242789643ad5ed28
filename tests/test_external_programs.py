"""Every program the kiosk (or its test suite) runs comes from a package that the README's two
commands install. A fresh Debian 12 minbase system has no fc-match (fontconfig) and no kill
(procps); a developer's machine has both, which is how a missing package stays hidden. This
finds the programs in the source itself: argv[0] literals of subprocess calls (and of helpers
named like them: ``_run``, ``_spawn``), ``shutil.which("...")``, ``ctypes.util.find_library`` and
options named ``*_command`` (report_printer's ``lp_command: str = "lp"``)."""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import ROOT

SCANNED = ("kiosk", "tests", "bench", "scripts")
RUNNERS = re.compile(r"(run|popen|call|check_output|spawn|exec)", re.IGNORECASE)

# The Debian package that provides each program; a program found in the code but missing here
# fails the test below (add it, and its package to scripts/bootstrap.sh).
PROGRAM_PACKAGES = {
    "aplay": "alsa-utils",
    "bash": "bash",
    "cancel": "cups-client",
    "espeak-ng": "espeak-ng",
    "fc-list": "fontconfig",
    "fc-match": "fontconfig",
    "kill": "procps",
    "lp": "cups-client",
    "lpstat": "cups-client",
    "mktemp": "coreutils",
    "openbox": "openbox",
    "paplay": "pulseaudio-utils",
    "promtool": "prometheus",
    "sh": "dash",
    "systemd-analyze": "systemd",
    "Xvfb": "xvfb",
    "xdotool": "xdotool",
    "xprop": "x11-utils",
}
LIBRARY_PACKAGES = {"espeak-ng": "espeak-ng"}  # libespeak-ng1 comes with the espeak-ng package

# Essential packages: on every Debian system, minbase included (dpkg's "Essential: yes").
ESSENTIAL = frozenset({"bash", "coreutils", "dash", "debianutils", "findutils", "grep", "sed", "tar", "util-linux"})

# Programs the bootstrap takes out of a package's .deb instead of installing the package: promtool
# without the Prometheus server, which would be started as a service on a machine with systemd.
EXTRACTED = {"promtool": "apt-get download -qq prometheus"}


def _apt_packages(script: str) -> set[str]:
    text = (ROOT / "scripts" / script).read_text(encoding="utf-8")
    match = re.search(r"^APT_PACKAGES=\((.*?)^\)", text, re.MULTILINE | re.DOTALL)
    assert match, f"no APT_PACKAGES=( ... ) in scripts/{script}"
    words = " ".join(line.split("#", 1)[0] for line in match.group(1).splitlines()).split()
    return set(words)


def _literal_head(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.List | ast.Tuple) and node.elts:
        first = node.elts[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def _call_name(call: ast.Call) -> str:
    func = call.func
    if isinstance(func, ast.Attribute):
        owner = func.value.id if isinstance(func.value, ast.Name) else ""
        return f"{owner}.{func.attr}"
    return func.id if isinstance(func, ast.Name) else ""


def _command_option(node: ast.AST) -> str | None:
    """The default of an option such as ``lp_command: str = "lp"``."""
    if isinstance(node, ast.AnnAssign):
        target, value = node.target, node.value
    elif isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
    else:
        return None
    named = isinstance(target, ast.Name) and target.id.lower().endswith("_command")
    if named and isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value:
        return value.value.split()[0]
    return None


def find_programs(roots: tuple[str, ...] = SCANNED) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Programs and shared libraries named in the source: name -> files that name it."""
    programs: dict[str, set[str]] = {}
    libraries: dict[str, set[str]] = {}
    for root in roots:
        for path in sorted((ROOT / root).rglob("*.py")):
            where = str(path.relative_to(ROOT))
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=where)):
                if (command := _command_option(node)) is not None:
                    programs.setdefault(command, set()).add(where)
                if not isinstance(node, ast.Call):
                    continue
                name = _call_name(node)
                first = node.args[0] if node.args else None
                constant = first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else None
                if name in ("shutil.which", "which") and constant:
                    programs.setdefault(constant, set()).add(where)
                elif name.endswith("find_library") and constant:
                    libraries.setdefault(constant, set()).add(where)
                elif RUNNERS.search(name.rsplit(".", 1)[-1]) and (head := _literal_head(first)):
                    programs.setdefault(Path(head).name, set()).add(where)
    return programs, libraries


def test_the_scan_finds_what_is_known_to_be_there() -> None:
    programs, libraries = find_programs()
    # One of each kind of use: subprocess.run, a wrapper (report_printer's _run), shutil.which,
    # a test's kill, and ctypes.
    assert "kiosk/devices/receipt.py" in programs["fc-match"]
    assert "kiosk/devices/report_printer.py" in programs["lp"]
    assert "kiosk/voice/tts.py" in programs["aplay"]
    assert "tests/voice/test_tts.py" in programs["kill"]
    assert "kiosk/doctor.py" in libraries["espeak-ng"]


def test_every_program_the_code_runs_has_a_known_package() -> None:
    programs, libraries = find_programs()
    unknown = {name: sorted(files) for name, files in programs.items() if name not in PROGRAM_PACKAGES}
    assert unknown == {}, "add these programs and their Debian packages to PROGRAM_PACKAGES and the bootstrap"
    unknown = {name: sorted(files) for name, files in libraries.items() if name not in LIBRARY_PACKAGES}
    assert unknown == {}


def test_the_bootstrap_installs_every_program_the_code_and_its_tests_run() -> None:
    programs, libraries = find_programs()
    packages = _apt_packages("bootstrap.sh") | ESSENTIAL
    needed = {PROGRAM_PACKAGES[name]: name for name in programs if name not in EXTRACTED}
    needed |= {LIBRARY_PACKAGES[name]: name for name in libraries}
    missing = {package: program for package, program in needed.items() if package not in packages}
    assert missing == {}, "scripts/bootstrap.sh's APT_PACKAGES lacks these (package: program)"


def test_install_sh_installs_every_program_the_kiosk_itself_runs() -> None:
    programs, libraries = find_programs(("kiosk",))
    packages = _apt_packages("install.sh") | ESSENTIAL
    needed = {PROGRAM_PACKAGES[name]: name for name in programs}
    needed |= {LIBRARY_PACKAGES[name]: name for name in libraries}
    missing = {package: program for package, program in needed.items() if package not in packages}
    assert missing == {}, "scripts/install.sh's APT_PACKAGES lacks these (package: program)"


def test_programs_taken_out_of_a_package_are_taken_by_the_bootstrap() -> None:
    bootstrap = (ROOT / "scripts" / "bootstrap.sh").read_text(encoding="utf-8")
    programs, _ = find_programs()
    for name, command in EXTRACTED.items():
        assert name in programs, f"nothing runs {name} any more: drop it from EXTRACTED"
        assert command in bootstrap, f"scripts/bootstrap.sh must install {name} ({command})"
        assert all(where.startswith("tests/") for where in programs[name]), f"only tests may run {name}"


@pytest.mark.skipif(not Path("/var/lib/dpkg/info").is_dir(), reason="not a Debian system")
def test_the_package_table_is_true_where_the_programs_are_installed() -> None:
    """Checked against dpkg's own file lists wherever this machine has the program."""
    checked = 0
    for name, package in PROGRAM_PACKAGES.items():
        found = shutil.which(name)
        listing = Path("/var/lib/dpkg/info") / f"{package}.list"
        if found is None or not listing.is_file():
            continue
        files = set(listing.read_text(encoding="utf-8").split("\n"))
        candidates = {f"{folder}/{name}" for folder in ("/bin", "/sbin", "/usr/bin", "/usr/sbin")}
        assert files & candidates, f"{package} does not ship {name} here"
        checked += 1
    assert checked >= 5  # a Debian machine with the bootstrap's packages has most of them
