"""Typed errors of the payment ledger, the providers and the journal (codes 4000-4099).

A flow decides by type: :class:`PaymentRejected` (the bills or amount are wrong, nothing was
charged), :class:`PaymentBusy` (an earlier payment of these bills or of the card terminal is
still being resolved), :class:`ProviderUnavailable` (the channel cannot be reached; offer another
way to pay). :class:`IllegalTransition` and :class:`JournalError` are programming or storage
faults: the kiosk goes out of service. Messages are for technicians and logs (payment references
and amounts only, never patient data).

The patient sentences reuse ones already translated in resources/i18n (context "errors").
"""

from __future__ import annotations

from kiosk.errors import QT_TRANSLATE_NOOP, ConfigurationError, KioskError


class PaymentError(KioskError):
    """Base of every payment error."""

    code = 4000
    patient_message = QT_TRANSLATE_NOOP(
        "errors",
        "Sorry, something went wrong and your session was ended. If you have paid, the payment "
        "is recorded and will be settled or refunded. Please try again or go to the service counter.",
    )


class PaymentRejected(PaymentError):
    """The payment was refused before any money moved (amount differs from the bills, no bills...)."""

    code = 4001
    patient_message = QT_TRANSLATE_NOOP("errors", "That choice was just taken or changed. Please choose again.")


class PaymentBusy(PaymentError):
    """An earlier payment of these bills (or the card terminal's last transaction) is still being
    resolved; a new payment must wait so nothing is charged twice."""

    code = 4002
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "An earlier payment for these bills is still being completed. Please wait a minute and try again."
    )


class UnknownPayment(PaymentError):
    """No payment with this reference is in the journal."""

    code = 4003


class UnknownProvider(PaymentError):
    """The flow named a provider that is not configured."""

    code = 4004


class IllegalTransition(PaymentError):
    """A ledger state change the transition table forbids (a bug, or a race the ledger refused)."""

    code = 4010

    def __init__(self, payment_id: str, current: str, target: str) -> None:
        super().__init__(f"payment {payment_id}: illegal transition {current} -> {target}")
        self.payment_id = payment_id
        self.current = current
        self.target = target


class ProviderError(PaymentError):
    """Base of the payment channel's errors."""

    code = 4020


class ProviderUnavailable(ProviderError):
    """The channel could not be reached or failed; the outcome of the call is unknown, asking again may work."""

    code = 4021
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "Sorry, this way of paying is not available right now. Please choose another way to pay."
    )


class ProviderRejected(ProviderError):
    """The channel refused the request by a business rule; ``reason`` is its code (ORDER_PAID...)."""

    code = 4022

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class ProviderOptionsError(PaymentError, ConfigurationError):
    """A provider's ``options`` in config are invalid (the message names the key)."""

    code = 4030
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "Sorry, this kiosk cannot continue. Please go to the service counter."
    )


class JournalError(PaymentError):
    """The journal (SQLite) cannot be opened, migrated or written: the kiosk must not take money."""

    code = 4050
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "Sorry, this kiosk cannot continue. Please go to the service counter."
    )


class PaymentsRefused(PaymentBusy):
    """The journal cannot vouch for its payments (committed payments were lost, or its commit
    mark cannot be written): the kiosk takes no money until a technician acts (README)."""

    code = 4051
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "Payments are not available at this kiosk right now. Please pay at the service counter."
    )
