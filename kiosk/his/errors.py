"""Typed errors of the HIS gateway (codes 2000-2099).

Every failure of a HIS call reaches the flows as one of these, so a flow decides by type: a
:class:`HisNotFound` asks the patient to try another card, a :class:`HisConflict` offers another
slot, a :class:`HisRejected` shows the HIS's own reason, a :class:`HisUnavailable` (and its
subclasses) says "try again later". Messages are for technicians and logs: they never contain
names, ID numbers, phone numbers or URLs with query strings.
"""

from __future__ import annotations

from kiosk.errors import QT_TRANSLATE_NOOP, KioskError


class HisError(KioskError):
    """Base of every HIS gateway error."""

    code = 2000
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "Sorry, the hospital system could not complete your request. Please go to the service counter."
    )


class HisNotFound(HisError):
    """The patient, appointment, bill or report does not exist (or is not visible to the kiosk)."""

    code = 2001
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "We could not find your record. Please check your card or ask at the counter."
    )


class HisConflict(HisError):
    """The state changed under us: the slot was taken, the record was changed by someone else."""

    code = 2002
    patient_message = QT_TRANSLATE_NOOP("errors", "That choice was just taken or changed. Please choose again.")


class HisRejected(HisError):
    """The HIS refused the request by a business rule; ``reason`` is the HIS's own message."""

    code = 2003
    patient_message = QT_TRANSLATE_NOOP("errors", "The hospital system did not accept this request.")

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


class HisAmbiguous(HisRejected):
    """More than one patient matches an identifier: the kiosk never guesses which one."""

    code = 2004
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "More than one record matches your card. Please go to the service counter."
    )


class HisFeeNotCollectable(HisRejected):
    """The session has a registration fee but the HIS cannot hold a place while it is paid (it
    lacks the kiosk profile's fee hold): booking it would skip the fee, so the kiosk does not."""

    code = 2005
    patient_message = QT_TRANSLATE_NOOP(
        "errors",
        "Sessions with a registration fee cannot be booked at this kiosk. Please register at the counter.",
    )


class HisUnavailable(HisError):
    """The HIS could not be reached or failed (network, timeout, 5xx); trying later may work."""

    code = 2010
    patient_message = QT_TRANSLATE_NOOP(
        "errors", "The hospital system is not responding right now. Please try again in a few minutes."
    )


class HisTimeout(HisUnavailable):
    """The HIS did not answer within the configured timeout."""

    code = 2011


class HisBadResponse(HisUnavailable):
    """The HIS answered with something the kiosk cannot understand (bad JSON, missing fields...)."""

    code = 2012


class HisAuthError(HisUnavailable):
    """The HIS refused the kiosk's credentials (401/403): a configuration problem for a technician."""

    code = 2013
