"""Every user-visible string in the code is translated, and the compiled files are current."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import ROOT

I18N = ROOT / "resources" / "i18n"
TOOLS = Path(sys.executable).parent


def _sources() -> list[str]:
    return sorted(str(p) for p in (ROOT / "kiosk").rglob("*.py"))


def _unfinished(ts: Path) -> list[str]:
    root = ET.parse(ts).getroot()
    missing = []
    for message in root.iter("message"):
        translation = message.find("translation")
        assert translation is not None
        forms = [f.text for f in translation.findall("numerusform")] or [translation.text]
        if translation.get("type") == "unfinished" or not all(forms):
            missing.append(message.findtext("source") or "")
    return missing


@pytest.mark.parametrize(("locale", "plural_only"), [("zh_CN", False), ("en", True)])
def test_no_string_in_the_code_lacks_a_translation(tmp_path: Path, locale: str, plural_only: bool) -> None:
    ts = tmp_path / f"kiosk_{locale}.ts"
    shutil.copy(I18N / ts.name, ts)
    options = ["-pluralonly"] if plural_only else []
    subprocess.run(
        [str(TOOLS / "pyside6-lupdate"), *_sources(), "-ts", str(ts), "-no-obsolete", *options],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert _unfinished(ts) == [], "run ./dev translations and translate these in " + ts.name


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_compiled_translations_match_their_sources(tmp_path: Path, locale: str) -> None:
    qm = tmp_path / f"kiosk_{locale}.qm"
    subprocess.run(
        [str(TOOLS / "pyside6-lrelease"), str(I18N / f"kiosk_{locale}.ts"), "-qm", str(qm)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert qm.read_bytes() == (I18N / qm.name).read_bytes(), "run ./dev translations"
