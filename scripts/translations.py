"""Refreshes resources/i18n/*.ts from the code and compiles them to .qm.

New strings arrive as "unfinished"; translate them in the .ts (Qt Linguist or any editor)
and run this again. tests/test_translations.py fails while any string is untranslated.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
I18N = ROOT / "resources" / "i18n"
# en is the source language; its file only holds plural forms ("1 second", "2 seconds").
LOCALES = ("zh_CN", "en")


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "kiosk").rglob("*.py"))


def tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def update(ts: Path, plural_only: bool) -> None:
    options = ["-no-obsolete", *(["-pluralonly"] if plural_only else [])]
    subprocess.run([tool("pyside6-lupdate"), *sources(), "-ts", str(ts), *options], cwd=ROOT, check=True)


def compile_qm(ts: Path, qm: Path) -> None:
    subprocess.run([tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], cwd=ROOT, check=True)


def main() -> int:
    for locale in LOCALES:
        ts = I18N / f"kiosk_{locale}.ts"
        update(ts, plural_only=locale == "en")
        compile_qm(ts, I18N / f"kiosk_{locale}.qm")
    return 0


if __name__ == "__main__":
    sys.exit(main())
