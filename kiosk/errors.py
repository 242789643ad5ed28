"""One tree of kiosk errors with stable numeric codes.

The code is what a technician reads off the out-of-service screen and searches the logs for;
the message is the plain sentence shown to the patient (translated in the UI, context "errors").
Codes never change meaning once released: add new ones, do not renumber.
"""

from __future__ import annotations

from typing import ClassVar


def translatable(text: str) -> str:
    """Marks a patient-facing sentence for translation without importing Qt.

    The UI passes the same text to ``QCoreApplication.translate("errors", text)``;
    ``scripts/update_translations.py`` collects these strings into the .ts files.
    """
    return text


class KioskError(Exception):
    """Base of every error the kiosk raises on purpose."""

    code: ClassVar[int] = 1000
    patient_message: ClassVar[str] = translatable(
        "Sorry, this kiosk cannot continue. Please go to the service counter."
    )


class ConfigurationError(KioskError):
    code = 1100


class ServiceUnavailableError(KioskError):
    """A session ended because the service it needed failed in a way the flow did not expect."""

    code = 1200
    patient_message = translatable(
        "Sorry, something went wrong and your session was ended. Nothing was charged "
        "unless a receipt was printed. Please try again or go to the service counter."
    )


ALL_ERRORS: tuple[type[KioskError], ...] = (KioskError, ConfigurationError, ServiceUnavailableError)
