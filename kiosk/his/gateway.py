"""The HIS port: the domain-level calls the flows need, whatever the hospital's system speaks.

Every method blocks on network I/O, so it runs on a worker thread (the app's QThreadPool), never on
the GUI thread. Every method either returns domain objects or raises a
:class:`kiosk.his.errors.HisError` subclass; nothing else escapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from kiosk.domain import (
    Appointment,
    Bill,
    Department,
    Identifier,
    NewPatient,
    Patient,
    Report,
    Settlement,
    Slot,
)


class HisGateway(Protocol):
    def ping(self) -> str:
        """Checks the HIS answers (for `kiosk doctor` and start-up); returns its software name."""
        ...

    def find_patient(self, identifier: Identifier) -> Patient:
        """The one patient with this identifier. NotFound for none, HisAmbiguous for several."""
        ...

    def create_patient(self, card: NewPatient) -> Patient:
        """Creates the patient record (建档) flagged as created at a kiosk; returns the existing
        record when one with the same resident ID number already exists (safe to retry)."""
        ...

    def departments(self) -> list[Department]:
        """Active departments, in the HIS's order."""
        ...

    def slots(self, department_id: str, day: date, days: int = 1) -> list[Slot]:
        """Bookable (free) slots of a department from ``day`` for ``days`` days (hospital time),
        by start time. One round trip whatever ``days``: the registration flow asks for a week."""
        ...

    def book(self, patient_id: str, slot: Slot, booking_key: str) -> Appointment:
        """Books ``slot`` (锁号). ``booking_key`` is generated once per booking attempt by the kiosk:
        a retried call with the same key returns the first booking instead of booking twice.

        When the slot has a fee (``slot.fee_fen > 0``) the HIS holds the place for the patient:
        the appointment is PENDING and ``bill_id`` names the registration-fee Bill. Settling that
        bill makes it BOOKED; an unpaid hold lapses after the HIS's hold time (the simulator: 15
        minutes), which cancels the appointment and its bill and frees the place, after which the
        bill can no longer be settled. A free slot books straight to BOOKED (``bill_id`` None).
        Conflict when the slot is full, Rejected for business rules (already booked, ...)."""
        ...

    def bill(self, bill_id: str) -> Bill:
        """One unpaid bill by id (the registration fee of a held booking). NotFound when unknown;
        Rejected when it can no longer be paid (already paid, or cancelled with its hold)."""
        ...

    def appointment(self, appointment_id: str) -> Appointment:
        """The appointment's current state: after its fee is settled BOOKED, with its queue
        number; CANCELLED when the hold lapsed or was cancelled. NotFound when unknown."""
        ...

    def cancel_booking(self, appointment: Appointment) -> Appointment:
        """Cancels a booking, booked or held (PENDING); cancelling a held booking cancels its
        registration-fee bill too (HIS side). Cancelling a cancelled booking is a no-op."""
        ...

    def appointments_on(self, patient_id: str, day: date) -> list[Appointment]:
        """The patient's booked or arrived appointments on ``day`` (hospital time), by start."""
        ...

    def check_in(self, appointment: Appointment) -> Appointment:
        """Marks the patient arrived (签到); Rejected outside the HIS's check-in window."""
        ...

    def unpaid_bills(self, patient_id: str) -> list[Bill]:
        """Bills of the patient that are issued and not yet paid; registration fees of held
        bookings are not among them (they are paid only inside the registration flow)."""
        ...

    def settle(self, patient_id: str, bills: Sequence[Bill], payment_reference: str, amount_fen: int) -> Settlement:
        """Records that ``bills`` were paid by ``payment_reference`` (the ledger's idempotency key).

        Idempotent on ``payment_reference``: a repeat returns the same settlement. Conflict when
        the bills changed since they were shown (amount differs); Rejected when a bill was already
        paid by another payment.
        """
        ...

    def find_settlement(self, payment_reference: str) -> Settlement | None:
        """The settlement recorded for ``payment_reference``, if any (for payment recovery)."""
        ...

    def reports(self, patient_id: str) -> list[Report]:
        """The patient's lab and exam reports, newest first."""
        ...

    def report_pdf(self, report: Report) -> bytes:
        """The report's PDF document (validated to be a PDF)."""
        ...

    def mark_printed(self, report: Report) -> Report:
        """Records that the kiosk printed ``report`` (safe to repeat).

        ``report`` is the one the kiosk listed: if it was already printed then, this print was
        its copy, recorded as such (``copy_printed``); the kiosk allows one copy."""
        ...

    def close(self) -> None:
        """Releases connections; call once at shutdown."""
        ...
