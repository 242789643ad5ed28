"""Who may open the admin screen: PIN checks, the lockout after wrong PINs, and their audit trail.

:class:`AdminGuard` checks a PIN (the shared maintenance PIN, or a staff number's personal PIN)
against the argon2id hashes in ``config.admin``. After ``lockout_after_failures`` wrong PINs in
a row the PIN pad locks for ``lockout_s`` seconds; each further series of wrong PINs before a
successful sign-in locks it twice as long as the last, up to a day (5 guesses, then 15 min, 30
min, 1 h ... 24 h: 35 guesses the first day and 5 a day after, so a 6-digit PIN holds for
centuries). Only a sign-in resets the count. The count and the lock live in the journal, so a
restart does not lift a lock or shorten the next. Every attempt is audited with the actor and what happened,
never the PIN (nor its length). An unknown staff number costs the same hash time as a known
one, so timing does not tell which staff numbers exist; it is audited as "unknown" (a PIN typed
into the staff number field must not land in the log).

Thread model: :meth:`AdminGuard.attempt` is slow on purpose (one argon2id hash, ~45 ms): call it
on a worker thread. The hash is checked under no lock at all (a lock held over it would stall
whoever waits for that lock: the screen, another attempt); the decision that follows is one
journal transaction, which re-reads the count, so concurrent attempts each count. Every method
is safe from any thread. The clock is wall time (seconds since the epoch), since a lock must survive a restart.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Literal

from kiosk.adminpin import verify_pin
from kiosk.config import AdminSection
from kiosk.journal import Journal

log = logging.getLogger(__name__)

MAINTENANCE = "maintenance"  # the actor of the shared maintenance PIN
UNKNOWN = "unknown"  # the actor of an attempt that names no known staff number
LogoutReason = Literal["button", "idle", "shutdown"]
MAX_LOCKOUT_S = 24 * 3600  # the longest lock (unless lockout_s itself is longer)


class Outcome(StrEnum):
    GRANTED = "granted"
    WRONG = "wrong"
    LOCKED = "locked"  # refused unchecked while locked, or the wrong PIN that set the lock


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    actor: str | None  # when granted: the staff number, or "maintenance"; otherwise None
    remaining: int  # wrong PINs left before the lock (0 when locked)
    locked_until: float | None  # seconds since the epoch while locked


@dataclass(frozen=True)
class GuardState:
    locked: bool
    locked_until: float | None
    failures: int  # wrong PINs since the last sign-in (lock after lock)
    needs_staff_number: bool  # the PIN pad asks the staff number first


class AdminGuard:
    def __init__(self, journal: Journal, admin: AdminSection, clock: Callable[[], float] = time.time) -> None:
        self._journal = journal
        self._admin = admin
        self._clock = clock
        hashes = [*admin.staff.values(), *([admin.pin_hash] if admin.pin_hash else [])]
        if not hashes:
            raise ValueError("admin has neither pin_hash nor staff: nobody could log in")
        # Verified, and its answer ignored, for an unknown staff number: the same hash time.
        self._decoy = hashes[0]

    def state(self) -> GuardState:
        failures, locked_until = self._load(self._clock())
        return GuardState(locked_until is not None, locked_until, failures, bool(self._admin.staff))

    def lockout_duration(self, lockouts: int) -> float:
        """Seconds of the ``lockouts``-th lock since the last sign-in: doubling, at most a day."""
        first = self._admin.lockout_s
        return float(min(first << min(max(lockouts, 1) - 1, 20), max(MAX_LOCKOUT_S, first)))

    def attempt(self, pin: str, staff: str | None = None) -> Attempt:
        number = staff.strip() if staff else None
        if number is None:
            actor, stored = MAINTENANCE, self._admin.pin_hash
        else:
            known = number in self._admin.staff
            actor, stored = (number, self._admin.staff[number]) if known else (UNKNOWN, None)
        audited = actor if stored is not None and number is not None else UNKNOWN
        _failures, locked_until = self._load(self._clock())
        if locked_until is not None:
            return self._refused(audited, locked_until)
        matches = verify_pin(pin, stored if stored is not None else self._decoy)  # under no lock
        granted = stored is not None and matches
        limit = self._admin.lockout_after_failures
        with self._journal.transaction():
            now = self._clock()
            failures, locked_until = self._load(now)  # as stored now, under the journal's lock
            if locked_until is not None:  # another attempt locked the pad meanwhile
                return self._refused(audited, locked_until)
            if granted:
                self._journal.put_guard_state(0, None)
                self._journal.audit(actor, "admin.login", f"after {failures} wrong PIN(s)" if failures else "")
                return Attempt(Outcome.GRANTED, actor, limit, None)
            failures += 1
            why = "wrong PIN" if stored is not None else "unknown staff number" if number else "no staff number"
            in_series = failures % limit or limit
            self._journal.audit(audited, "admin.pin_wrong", f"{why}; {in_series} of {limit} in a row")
            if failures % limit:
                self._journal.put_guard_state(failures, None)
                return Attempt(Outcome.WRONG, None, limit - in_series, None)
            lockouts = failures // limit
            duration = self.lockout_duration(lockouts)
            locked_until = now + duration
            self._journal.put_guard_state(failures, locked_until)
            self._journal.audit(
                audited,
                "admin.locked",
                f"{failures} wrong PINs since the last sign-in; lock {lockouts}, until {_when(locked_until)}",
            )
        log.warning("admin PIN pad locked for %d s (lock %d since the last sign-in)", duration, lockouts)
        return Attempt(Outcome.LOCKED, None, 0, locked_until)

    def _refused(self, audited: str, locked_until: float) -> Attempt:
        self._journal.audit(audited, "admin.pin_refused_locked", f"locked until {_when(locked_until)}")
        return Attempt(Outcome.LOCKED, None, 0, locked_until)

    def logout(self, actor: str, reason: LogoutReason) -> None:
        self._journal.audit(actor, "admin.logout", reason)

    def _load(self, now: float) -> tuple[int, float | None]:
        """(failures, locked_until) as they stand at ``now``: an expired lock is no lock, but its
        failures still count towards the length of the next one."""
        failures, locked_until = self._journal.guard_state()
        if locked_until is None:
            return failures, None
        if now >= locked_until:
            return failures, None
        longest = now + self.lockout_duration(failures // self._admin.lockout_after_failures)
        if locked_until > longest:  # the clock went back, or lockout_s shrank
            locked_until = longest
            self._journal.put_guard_state(failures, locked_until)
        return failures, locked_until


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds")
