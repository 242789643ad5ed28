"""What the journal keeps of a HIS failure: a code and a masked message, never patient data.

A real HIS fills its refusals (OperationOutcome text) with the patient's name, ID number and
phone ("患者张三(身份证...)的账单已作废"). The journal's ``reason``, ``last_error`` and event
``detail`` columns are technician text kept for years, so they get ``HIS<code>`` (the gateway's
error code) and either one of the gateway's own fixed reasons or the HIS's text with every run of
Chinese characters, every digit run and every capitalised word masked with the domain's
:func:`kiosk.domain.mask`.
"""

from __future__ import annotations

import re

from kiosk.domain import MaskKind, mask
from kiosk.his.errors import HisError
from kiosk.logs import scrub

# Reasons the FHIR gateway itself writes (kiosk/his/fhir.py): fixed English, no patient data.
_OWN_REASONS = frozenset(
    {
        "bill already paid",
        "bill not payable",
        "bill of another patient",
        "amount mismatch",
        "duplicate bill",
        "payment reference reused",
        "no bills or no payment reference",
    }
)
_OWN_PATTERN = re.compile(r"bill (draft|issued|balanced|cancelled|entered-in-error)")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_DIGITS = re.compile(r"\d{4,}")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+\b")
MAX_TEXT = 160


def his_reason(exc: HisError) -> str:
    """The gateway's reason of a refusal when it is one of its own fixed ones, else ""."""
    reason = str(getattr(exc, "reason", "") or "")
    return reason if reason in _OWN_REASONS or _OWN_PATTERN.fullmatch(reason) else ""


def masked_his_text(text: str) -> str:
    """``text`` from the HIS with anything that could identify a patient masked."""
    text = scrub(text)
    text = _HAN.sub(lambda m: mask(m.group(0), MaskKind.NAME), text)
    text = _DIGITS.sub(lambda m: mask(m.group(0), MaskKind.CARD_NUMBER), text)
    text = _CAPITALISED.sub(lambda m: mask(m.group(0), MaskKind.NAME), text)
    return text[:MAX_TEXT]


def his_failure(exc: HisError) -> str:
    """``HIS2003 bill cancelled`` or ``HIS2003 <masked text>``: what the journal may store."""
    own = his_reason(exc)
    return f"HIS{exc.code} {own or masked_his_text(str(getattr(exc, 'reason', '') or exc))}"
