"""One tree of kiosk errors with stable numeric codes.

The code is what a technician reads off the out-of-service screen and searches the logs for;
the message is the plain sentence shown to the patient (translated in the UI, context "errors").
Codes never change meaning once released: add new ones, do not renumber.
"""

from __future__ import annotations

from typing import ClassVar


def QT_TRANSLATE_NOOP(context: str, text: str) -> str:
    """Marks a patient-facing sentence for translation without importing Qt.

    ``pyside6-lupdate`` collects these calls into the .ts files; the UI translates the same text
    with ``QCoreApplication.translate(context, text)``. Domain code uses context "errors".
    """
    return text


class KioskError(Exception):
    """Base of every error the kiosk raises on purpose."""

    code: ClassVar[int] = 1000
    patient_message: ClassVar[str] = QT_TRANSLATE_NOOP(
        "errors", "Sorry, this kiosk cannot continue. Please go to the service counter."
    )


class ConfigurationError(KioskError):
    code = 1100


class ServiceUnavailableError(KioskError):
    """A session ended because the service it needed failed in a way the flow did not expect."""

    code = 1200
    patient_message = QT_TRANSLATE_NOOP(
        "errors",
        "Sorry, something went wrong and your session was ended. If you have paid, the payment "
        "is recorded and will be settled or refunded. Please try again or go to the service counter.",
    )
