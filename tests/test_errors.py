"""The error tree: stable, unique codes, and a translated sentence for every patient message."""

from __future__ import annotations

import importlib
import pkgutil
import xml.etree.ElementTree as ET

import kiosk
from kiosk.errors import KioskError
from tests.conftest import ROOT


def _all_errors() -> list[type[KioskError]]:
    for module in pkgutil.walk_packages(kiosk.__path__, "kiosk."):
        if ".simulators" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    found: dict[type[KioskError], None] = {}  # ordered set: a class may have two parents
    stack = [KioskError]
    while stack:
        cls = stack.pop()
        found[cls] = None
        stack.extend(cls.__subclasses__())
    return list(found)


def test_codes_are_unique_and_in_their_part_s_range() -> None:
    errors = _all_errors()
    assert len(errors) > 20  # HIS and device errors are found too
    by_code: dict[int, str] = {}
    for cls in errors:
        if "code" not in cls.__dict__:
            continue  # inherits its parent's code on purpose
        assert cls.code not in by_code, f"{cls.__name__} reuses code {cls.code} of {by_code[cls.code]}"
        by_code[cls.code] = cls.__name__
        part = cls.__module__.split(".")[1]
        expected = {"his": range(2000, 3000), "devices": range(3000, 4000), "payments": range(4000, 5000)}.get(
            part, range(1000, 2000)
        )
        assert cls.code in expected, f"{cls.__name__} ({cls.__module__}) has code {cls.code}"


def test_every_patient_message_has_a_chinese_translation() -> None:
    root = ET.parse(ROOT / "resources" / "i18n" / "kiosk_zh_CN.ts").getroot()
    translated = {
        m.findtext("source"): m.findtext("translation")
        for context in root.iter("context")
        if context.findtext("name") == "errors"
        for m in context.iter("message")
    }
    for cls in _all_errors():
        assert translated.get(cls.patient_message), f"{cls.__name__}: {cls.patient_message!r} untranslated"
