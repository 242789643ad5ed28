"""Device errors: KioskError subclasses with stable codes in the 3000 range.

3000-3099 any device, 3100-3199 printers, 3200-3299 card and ID readers, 3300-3399 scanners,
3400-3499 the bank card terminal. Codes never change meaning once released.
"""

from __future__ import annotations

from kiosk.errors import QT_TRANSLATE_NOOP, ConfigurationError, KioskError


class DeviceError(KioskError):
    """A device could not do what was asked."""

    code = 3000
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "Sorry, a device in this kiosk is not working. Please go to the service counter."
    )


class DeviceUnavailableError(DeviceError):
    """The device is not configured, not connected, or its driver cannot run here."""

    code = 3001


class DeviceTimeoutError(DeviceError):
    """The device did not answer within its timeout."""

    code = 3002


class DeviceProtocolError(DeviceError):
    """The device answered with bytes that do not follow its protocol."""

    code = 3003


class CommandExpiredError(DeviceError):
    """A command waited in the queue past its expiry and was dropped without running."""

    code = 3004
    patient_message = QT_TRANSLATE_NOOP("errors", "Sorry, that took too long. Please try again.")


class DeviceBusyError(DeviceError):
    code = 3005
    patient_message = QT_TRANSLATE_NOOP("errors", "The device is busy. Please wait a moment and try again.")


class DeviceOptionsError(DeviceError, ConfigurationError):
    """A device's options in the configuration are wrong (names the role and the key)."""

    code = 3006


class DeviceStoppedError(DeviceError):
    """The device manager stopped before the command ran."""

    code = 3007


class UnknownCommandError(DeviceError):
    code = 3008


class MissingDependencyError(DeviceUnavailableError):
    """An optional dependency the configured driver needs is not installed (e.g. pyscard)."""

    code = 3009


class PrinterNotReadyError(DeviceError):
    """The printer reports paper out, cover open, offline, or does not answer."""

    code = 3100
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "Sorry, the receipt printer is not ready. Nothing has been charged. Please go to the service counter."
    )


class PrintFailedError(DeviceError):
    """Printing started but did not finish; the job is kept to be reprinted."""

    code = 3101
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "Sorry, your receipt could not be printed. It has been saved; the service counter can print it."
    )


class ReportPrintFailedError(DeviceError):
    code = 3102
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "Sorry, your report could not be printed. Please collect it at the service counter."
    )


class CardReadError(DeviceError):
    code = 3200
    patient_message = QT_TRANSLATE_NOOP("errors", "The card could not be read. Please remove it and try again.")


class TerminalError(DeviceError):
    code = 3400
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "Sorry, card payment is not available right now. Please choose another way to pay."
    )


class TerminalBusyError(TerminalError):
    """A transaction is already in progress: the terminal handles one at a time."""

    code = 3401


class TerminalTimeoutError(TerminalError):
    """The terminal gave no final answer: the outcome is unknown until the last transaction is queried."""

    code = 3402


class TerminalNeedsRecoveryError(TerminalError):
    """A previous transaction's outcome is unknown; query the last transaction before a new sale."""

    code = 3403
