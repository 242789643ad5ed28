"""./dev mutate [TARGET...]: mutation testing where a silent bug costs money or privacy.

mutmut (configured in pyproject's [tool.mutmut]) changes one thing at a time in the functions
named below (`<` for `!=`, a dropped call, an off-by-one) and runs the tests that cover that
function; a change no test notices "survives". Each target is scored on its own functions:
killed / (all - equivalent). A survivor is either killed by a new test or written down in
tests/mutation/equivalent.txt with the reason it cannot change behaviour. Exit 1 when a target
scores under 90 %, or when the equivalents file names a mutant that no longer exists.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "tests" / "mutation" / "equivalent.txt"
GOAL = 0.90
KILLED = {"killed", "timeout", "caught by type check", "segfault"}


@dataclass(frozen=True)
class Target:
    name: str
    module: str  # dotted, as mutmut names its mutants
    functions: tuple[str, ...]  # "func" or "Class.method"; empty means the whole module

    def patterns(self) -> list[str]:
        if not self.functions:
            return [f"{self.module}.*"]
        return [f"{self.module}.{_mangled(f)}__mutmut_*" for f in self.functions]

    def owns(self, mutant: str) -> bool:
        if not mutant.startswith(self.module + "."):
            return False
        if not self.functions:
            return True
        return any(mutant.startswith(f"{self.module}.{_mangled(f)}__mutmut_") for f in self.functions)


def _mangled(function: str) -> str:
    """mutmut's name for a function: x_func, or xǁClassǁmethod for a method."""
    cls, _, method = function.rpartition(".")
    return f"xǁ{cls}ǁ{method}" if cls else f"x_{function}"


TARGETS = (
    Target(
        "privacy filter",
        "kiosk.logs",
        (
            "scrub",
            "_luhn_ok",
            "_mask_card",
            "_mask_keyed",
            "PrivacyFilter.filter",
            "TextFormatter.format",
            "JsonFormatter.format",
        ),
    ),
    Target(
        "masking",
        "kiosk.domain",
        ("_is_han", "mask", "split_chinese_name", "Identifier.masked", "Patient.masked_name"),
    ),
    Target(
        "receipt amounts",
        "kiosk.devices.receipt",
        (
            "format_fen",
            "_check_fen",
            "two_columns",
            "layout",
            "ReceiptItem.__post_init__",
            "ReceiptTotal.__post_init__",
        ),
    ),
    Target("domain money", "kiosk.domain", ("fen_from_decimal", "decimal_from_fen", "format_fen")),
    Target("payment ledger", "kiosk.payments.ledger", ()),
    Target(
        "payment service",
        "kiosk.payments.service",
        (
            "PaymentsService.open_payment",
            "PaymentsService._apply",
            "PaymentsService._finish_money",
            "PaymentsService._settle",
            "PaymentsService._to_refund",
            "PaymentsService._refund",
            "PaymentsService._age",
        ),
    ),
    Target("HIS retry and deadline", "kiosk.his.fhir", ("FhirHisGateway._request", "_retry_after", "_arm_watchdog")),
    Target("admin guard", "kiosk.admin.auth", ()),
)


def _results() -> dict[str, str]:
    out = subprocess.run(
        [_tool("mutmut"), "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    statuses = {}
    for line in out.splitlines():
        name, sep, status = line.strip().rpartition(": ")
        if sep and "__mutmut_" in name:
            statuses[name] = status
    return statuses


def _equivalents() -> dict[str, str]:
    known = {}
    for raw in EQUIVALENT.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            name, _, reason = line.partition(" ")
            if not reason.strip():
                raise SystemExit(f"{EQUIVALENT.name}: {name} has no reason")
            known[name] = reason.strip()
    return known


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help="target names (default: all): " + ", ".join(t.name for t in TARGETS))
    parser.add_argument("--score-only", action="store_true", help="score the last run without running mutmut")
    args = parser.parse_args()
    chosen = [t for t in TARGETS if not args.targets or t.name in args.targets]
    if not chosen:
        parser.error("no such target")
    if not args.score_only:
        env = os.environ | {"QT_QPA_PLATFORM": "offscreen"}
        patterns = [p for t in chosen for p in t.patterns()]
        # mutmut draws a progress line many times a second: keep only its summary.
        run = subprocess.run(
            [_tool("mutmut"), "run", *patterns], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        tail = re.sub(r"\x1b\[[0-9;]*[A-Za-z]|.*\r", "", run.stdout).strip().splitlines()[-2:]
        print("\n".join(tail))
        if run.returncode:
            print(run.stderr[-3000:], file=sys.stderr)
            return run.returncode
    statuses, equivalent = _results(), _equivalents()
    failed = False
    for stale in sorted(set(equivalent) - set(statuses)):
        print(f"{EQUIVALENT.name}: {stale} is not a mutant any more (remove it or rename it)")
        failed = True
    for target in chosen:
        mine = {name: status for name, status in statuses.items() if target.owns(name)}
        counted = {name: status for name, status in mine.items() if name not in equivalent}
        killed = sum(status in KILLED for status in counted.values())
        score = killed / len(counted) if counted else 1.0
        print(
            f"{target.name:24} {score:6.1%}  killed {killed} of {len(counted)} ({len(mine) - len(counted)} equivalent)"
        )
        for name, status in sorted(counted.items()):
            if status not in KILLED:
                print(f"    {status:10} {name}")
        failed |= score < GOAL
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
