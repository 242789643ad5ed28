"""The admin PIN pad: config of the admin section, PIN checks, lockout (also across a restart), audit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from kiosk import doctor
from kiosk.admin import auth
from kiosk.admin.auth import MAINTENANCE, UNKNOWN, AdminGuard, Attempt, Outcome
from kiosk.adminpin import hash_pin, verify_pin
from kiosk.config import AdminSection, load_config
from kiosk.journal import AuditEvent, Journal
from tests.conftest import DEMO_CONFIG

FAST = {"memory_kib": 7168, "time_cost": 5}  # OWASP's cheapest argon2id setting (~25 ms)
MAINTENANCE_PIN, STAFF_PIN, OTHER_PIN, WRONG_PIN = "864209", "31415926", "27182818", "135797"
MAINTENANCE_HASH = hash_pin(MAINTENANCE_PIN, **FAST)
STAFF = {"1017": hash_pin(STAFF_PIN, **FAST), "0427": hash_pin(OTHER_PIN, **FAST)}
PBKDF2 = (  # the old demo hash
    "pbkdf2_sha256$310000$a02a2c339f33419236fdf340f19552f7$"
    "67e25cebe2f64595a510dc4682b984ba53c73402138fa000a00dcbf100375692"
)
ALL_PINS = (MAINTENANCE_PIN, STAFF_PIN, OTHER_PIN, WRONG_PIN)


class WallClock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def wall() -> WallClock:
    return WallClock()


@pytest.fixture
def journal(tmp_path: Path, wall: WallClock) -> Iterator[Journal]:
    with Journal(tmp_path / "journal.sqlite", clock=wall) as journal:
        yield journal


def section(**changes: Any) -> AdminSection:
    return AdminSection.model_validate({"pin_hash": MAINTENANCE_HASH} | changes)


def events(journal: Journal) -> list[AuditEvent]:
    return list(reversed(journal.audit_events(limit=1000)))


def trail(journal: Journal) -> list[tuple[str, str]]:
    return [(e.actor, e.action) for e in events(journal)]


# --- the admin section of config.yaml ----------------------------------------------------------


def _messages(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ValidationError) as info:
        AdminSection.model_validate(data)
    return [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in info.value.errors()]


def test_defaults() -> None:
    admin = section()
    assert (admin.lockout_after_failures, admin.lockout_s, admin.idle_s, admin.allow_desktop) == (5, 900, 120, False)
    assert admin.staff == {}
    assert (admin.gesture.corner, admin.gesture.taps, admin.gesture.within_s, admin.gesture.size_mm) == (
        "top_right",
        5,
        3.0,
        25,
    )


@pytest.mark.parametrize("pin_hash", ["123456", "246810", PBKDF2, "$argon2i$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA"])
def test_a_plain_pin_or_another_kind_of_hash_is_refused(pin_hash: str) -> None:
    [message] = _messages({"pin_hash": pin_hash})
    assert message.startswith("pin_hash: Value error, must be a salted PIN hash printed by 'kiosk hash-pin'")
    assert "never put a PIN here" in message
    assert pin_hash not in message
    if pin_hash == PBKDF2:
        assert "PBKDF2 hashes of older versions are no longer accepted" in message


def test_neither_pin_hash_nor_staff_is_refused() -> None:
    [message] = _messages({"lockout_s": 900})
    assert "give pin_hash (the maintenance PIN) or staff (personal PINs by staff number), or both" in message
    assert _messages({"staff": {}}) == [message]


def test_staff_numbers_and_their_hashes_are_checked() -> None:
    assert AdminSection.model_validate({"staff": STAFF}).pin_hash is None  # staff alone is enough
    [message] = _messages({"staff": {"10-17": STAFF["1017"]}})
    assert "staff number '10-17' must be 1 to 12 digits" in message
    assert "must be 1 to 12 digits" in _messages({"staff": {"9" * 13: STAFF["1017"]}})[0]
    [message] = _messages({"staff": {"1017": STAFF_PIN}})
    assert "staff 1017: must be a salted PIN hash" in message
    assert STAFF_PIN not in message
    [message] = _messages({"staff": {427: STAFF["1017"]}})  # YAML's reading of an unquoted 0427
    assert "staff number 427 must be written in quotes" in message


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"lockout_s": 59}, "lockout_s: Input should be greater than or equal to 60"),
        ({"lockout_s": 86401}, "lockout_s: Input should be less than or equal to 86400"),
        ({"lockout_after_failures": 2}, "lockout_after_failures: Input should be greater than or equal to 3"),
        ({"idle_s": 29}, "idle_s: Input should be greater than or equal to 30"),
        ({"gesture": {"corner": "middle"}}, "gesture.corner: Input should be 'top_left'"),
        ({"gesture": {"taps": 11}}, "gesture.taps: Input should be less than or equal to 10"),
        ({"gesture": {"within_s": 0.5}}, "gesture.within_s: Input should be greater than or equal to 1"),
        ({"gesture": {"size_mm": 61}}, "gesture.size_mm: Input should be less than or equal to 60"),
    ],
)
def test_ranges(changes: dict[str, Any], expected: str) -> None:
    [message] = _messages({"pin_hash": MAINTENANCE_HASH} | changes)
    assert message.startswith(expected)


def test_the_demo_pin_opens_the_demo_config() -> None:
    admin = load_config(DEMO_CONFIG).admin
    assert admin.pin_hash is not None
    assert admin.pin_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert verify_pin("246810", admin.pin_hash)  # the demo PIN in config.yaml's comment
    assert admin.lockout_s == 900


def test_doctor_warns_about_weak_hashes() -> None:
    demo = load_config(DEMO_CONFIG)
    [finding, _timing] = doctor.check_admin_pins(demo)
    assert finding.outcome is doctor.Outcome.OK
    weak = demo.model_copy(update={"admin": AdminSection(pin_hash=demo.admin.pin_hash, staff=STAFF)})
    [finding, _timing] = doctor.check_admin_pins(weak)
    assert finding.outcome is doctor.Outcome.WARN
    assert "staff 1017, staff 0427: weaker than argon2id" in finding.detail
    assert "pin_hash" not in finding.detail


# --- PIN checks, lockout, audit ----------------------------------------------------------------


def test_the_maintenance_pin_opens(journal: Journal) -> None:
    guard = AdminGuard(journal, section(), journal.clock)
    state = guard.state()
    assert (state.locked, state.locked_until, state.failures, state.needs_staff_number) == (False, None, 0, False)
    assert guard.attempt(MAINTENANCE_PIN) == Attempt(Outcome.GRANTED, MAINTENANCE, 5, None)
    assert trail(journal) == [(MAINTENANCE, "admin.login")]
    guard.logout(MAINTENANCE, "idle")
    assert [(e.actor, e.action, e.detail) for e in events(journal)][-1] == (MAINTENANCE, "admin.logout", "idle")


def test_five_wrong_pins_lock_the_pad(journal: Journal, wall: WallClock) -> None:
    guard = AdminGuard(journal, section(), journal.clock)
    results = [guard.attempt(WRONG_PIN) for _ in range(4)]
    assert [(a.outcome, a.remaining, a.actor) for a in results] == [(Outcome.WRONG, n, None) for n in (4, 3, 2, 1)]
    assert guard.state().failures == 4
    locking = guard.attempt(WRONG_PIN)
    assert locking == Attempt(Outcome.LOCKED, None, 0, wall.t + 900)
    state = guard.state()
    assert (state.locked, state.locked_until, state.failures) == (True, wall.t + 900, 5)
    assert trail(journal) == [(UNKNOWN, "admin.pin_wrong")] * 5 + [(UNKNOWN, "admin.locked")]
    assert events(journal)[-1].detail.startswith("5 wrong PINs since the last sign-in; lock 1, until ")


def test_while_locked_the_pin_is_not_even_checked(journal: Journal, monkeypatch: pytest.MonkeyPatch) -> None:
    guard = AdminGuard(journal, section(lockout_after_failures=3), journal.clock)
    for _ in range(3):
        guard.attempt(WRONG_PIN)
    checked: list[str] = []
    monkeypatch.setattr(auth, "verify_pin", lambda pin, stored: checked.append(stored) or True)
    refused = guard.attempt(MAINTENANCE_PIN)
    assert (refused.outcome, refused.actor, refused.remaining) == (Outcome.LOCKED, None, 0)
    assert checked == []
    assert trail(journal)[-1] == (UNKNOWN, "admin.pin_refused_locked")
    assert guard.state().failures == 3  # a refused attempt does not count


def test_a_lock_survives_a_restart_and_then_expires(tmp_path: Path, wall: WallClock) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path, clock=wall) as journal:
        guard = AdminGuard(journal, section(), journal.clock)
        for _ in range(5):
            last = guard.attempt(WRONG_PIN)
        assert last.outcome is Outcome.LOCKED
        locked_until = last.locked_until
    assert locked_until == wall.t + 900

    wall.t += 60  # the kiosk restarts a minute later
    with Journal(path, clock=wall) as journal:
        guard = AdminGuard(journal, section(), journal.clock)
        assert guard.state().locked
        assert guard.state().locked_until == locked_until
        assert guard.attempt(MAINTENANCE_PIN).outcome is Outcome.LOCKED

    wall.t = locked_until  # the lock has run out
    with Journal(path, clock=wall) as journal:
        guard = AdminGuard(journal, section(), journal.clock)
        state = guard.state()
        assert (state.locked, state.locked_until, state.failures) == (False, None, 5)  # counted on
        assert guard.attempt(WRONG_PIN).remaining == 4  # a new series of five
        assert guard.attempt(MAINTENANCE_PIN).outcome is Outcome.GRANTED
        assert guard.state().failures == 0


def test_success_resets_the_count(journal: Journal) -> None:
    guard = AdminGuard(journal, section(), journal.clock)
    for _ in range(4):
        guard.attempt(WRONG_PIN)
    assert guard.attempt(MAINTENANCE_PIN).outcome is Outcome.GRANTED
    assert events(journal)[-1].detail == "after 4 wrong PIN(s)"
    assert guard.attempt(WRONG_PIN) == Attempt(Outcome.WRONG, None, 4, None)


def test_a_clock_set_back_does_not_lock_for_ever(journal: Journal, wall: WallClock) -> None:
    guard = AdminGuard(journal, section(lockout_after_failures=3, lockout_s=60), journal.clock)
    for _ in range(3):
        guard.attempt(WRONG_PIN)
    wall.t -= 86_400  # the wall clock jumps back a day
    assert guard.state().locked_until == wall.t + 60
    wall.t += 60
    assert not guard.state().locked


def test_staff_pins_name_the_staff_member(journal: Journal) -> None:
    guard = AdminGuard(journal, section(pin_hash=None, staff=STAFF), journal.clock)
    assert guard.state().needs_staff_number
    assert guard.attempt(OTHER_PIN, staff="1017").outcome is Outcome.WRONG  # another member's PIN
    assert guard.attempt(STAFF_PIN, staff=" 1017 ") == Attempt(Outcome.GRANTED, "1017", 5, None)
    assert guard.attempt(OTHER_PIN, staff="0427").actor == "0427"
    guard.logout("0427", "button")
    assert trail(journal) == [
        ("1017", "admin.pin_wrong"),
        ("1017", "admin.login"),
        ("0427", "admin.login"),
        ("0427", "admin.logout"),
    ]
    # Without a maintenance PIN, no staff number opens nothing.
    assert guard.attempt(STAFF_PIN).outcome is Outcome.WRONG
    assert events(journal)[-1].detail.startswith("no staff number;")


def test_with_both_the_maintenance_pin_needs_no_staff_number(journal: Journal) -> None:
    guard = AdminGuard(journal, section(staff=STAFF), journal.clock)
    assert guard.state().needs_staff_number
    assert guard.attempt(MAINTENANCE_PIN, staff="").actor == MAINTENANCE
    assert guard.attempt(MAINTENANCE_PIN, staff="1017").outcome is Outcome.WRONG  # a staff number wants its PIN


def test_an_unknown_staff_number_is_a_failure_that_costs_a_hash(
    journal: Journal, monkeypatch: pytest.MonkeyPatch
) -> None:
    guard = AdminGuard(journal, section(pin_hash=None, staff=STAFF), journal.clock)
    checked: list[str] = []

    def spy(pin: str, stored: str) -> bool:
        checked.append(stored)
        return verify_pin(pin, stored)

    monkeypatch.setattr(auth, "verify_pin", spy)
    # Even the right PIN of someone else, under a staff number that does not exist:
    assert guard.attempt(STAFF_PIN, staff="B99") == Attempt(Outcome.WRONG, None, 4, None)
    assert guard.attempt(STAFF_PIN, staff="1017").outcome is Outcome.GRANTED
    assert len(checked) == 2
    assert all(stored in STAFF.values() for stored in checked)  # the same work as a real staff number
    [wrong, _login] = events(journal)
    assert (wrong.actor, wrong.action) == (UNKNOWN, "admin.pin_wrong")
    assert wrong.detail == "unknown staff number; 1 of 5 in a row"


def test_unknown_staff_numbers_lock_the_pad_too(journal: Journal) -> None:
    guard = AdminGuard(journal, section(pin_hash=None, staff=STAFF), journal.clock)
    for number in ("B1", "B2", "B3", "B4"):
        assert guard.attempt(STAFF_PIN, staff=number).outcome is Outcome.WRONG
    assert guard.attempt(STAFF_PIN, staff="B5").outcome is Outcome.LOCKED
    assert guard.attempt(STAFF_PIN, staff="1017").outcome is Outcome.LOCKED


def test_every_attempt_is_audited_and_no_pin_is_ever_written(tmp_path: Path, wall: WallClock) -> None:
    path = tmp_path / "journal.sqlite"
    with Journal(path, clock=wall) as journal:
        guard = AdminGuard(journal, section(staff=STAFF), journal.clock)
        attempts: list[tuple[str, str | None]] = [
            (WRONG_PIN, None),
            (MAINTENANCE_PIN, None),
            (STAFF_PIN, "1017"),
            (WRONG_PIN, "1017"),
            (OTHER_PIN, "0427"),
            (WRONG_PIN, WRONG_PIN),  # a PIN typed into the staff number field
            (WRONG_PIN, None),
            (WRONG_PIN, None),
            (WRONG_PIN, None),
            (WRONG_PIN, None),  # the fifth wrong one in a row locks
            (MAINTENANCE_PIN, None),  # refused while locked
        ]
        results = [guard.attempt(pin, staff) for pin, staff in attempts]
        assert [r.outcome for r in results] == [
            Outcome.WRONG,
            Outcome.GRANTED,
            Outcome.GRANTED,
            Outcome.WRONG,
            Outcome.GRANTED,
            Outcome.WRONG,
            Outcome.WRONG,
            Outcome.WRONG,
            Outcome.WRONG,
            Outcome.LOCKED,
            Outcome.LOCKED,
        ]
        assert trail(journal) == [
            (UNKNOWN, "admin.pin_wrong"),
            (MAINTENANCE, "admin.login"),
            ("1017", "admin.login"),
            ("1017", "admin.pin_wrong"),
            ("0427", "admin.login"),
            (UNKNOWN, "admin.pin_wrong"),
            (UNKNOWN, "admin.pin_wrong"),
            (UNKNOWN, "admin.pin_wrong"),
            (UNKNOWN, "admin.pin_wrong"),
            (UNKNOWN, "admin.pin_wrong"),
            (UNKNOWN, "admin.locked"),
            (UNKNOWN, "admin.pin_refused_locked"),
        ]
        for event in events(journal):
            text = f"{event.actor} {event.action} {event.detail}"
            assert not any(pin in text for pin in ALL_PINS), text
            assert "digit" not in text, text
            assert "length" not in text, text
    raw = b"".join(p.read_bytes() for p in tmp_path.iterdir())  # the database, WAL and all
    assert not any(pin.encode() in raw for pin in ALL_PINS)


def test_attempts_from_many_threads_count_exactly(journal: Journal) -> None:
    guard = AdminGuard(journal, section(), journal.clock)
    results: list[Attempt] = []
    gate = threading.Barrier(8)

    def work() -> None:
        gate.wait()
        results.append(guard.attempt(WRONG_PIN))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(r.remaining for r in results) == [0, 0, 0, 0, 1, 2, 3, 4]
    actions = [action for _, action in trail(journal)]
    assert [actions.count(a) for a in ("admin.pin_wrong", "admin.locked", "admin.pin_refused_locked")] == [5, 1, 3]
    assert guard.state().failures == 5


def test_each_lock_before_a_sign_in_is_twice_as_long_up_to_a_day_across_restarts(
    tmp_path: Path, wall: WallClock
) -> None:
    path = tmp_path / "journal.sqlite"
    lengths = []
    for _ in range(9):
        with Journal(path, clock=wall) as journal:  # a restart before every series
            guard = AdminGuard(journal, section(), journal.clock)
            results = [guard.attempt(WRONG_PIN) for _ in range(5)]
            assert [r.outcome for r in results] == [Outcome.WRONG] * 4 + [Outcome.LOCKED]
            assert results[-1].locked_until is not None
            lengths.append(results[-1].locked_until - wall.t)
        with Journal(path, clock=wall) as journal:  # and another while locked: still as long
            assert AdminGuard(journal, section(), journal.clock).state().locked_until == wall.t + lengths[-1]
        wall.t += lengths[-1]
    assert lengths == [900, 1800, 3600, 7200, 14400, 28800, 57600, 86400, 86400]
    # 45 guesses in the first 9 locks (over four days), then 5 a day: a 6-digit PIN holds for centuries.
    with Journal(path, clock=wall) as journal:
        guard = AdminGuard(journal, section(), journal.clock)
        assert guard.attempt(MAINTENANCE_PIN).outcome is Outcome.GRANTED  # only a sign-in resets
        results = [guard.attempt(WRONG_PIN) for _ in range(5)]
        assert results[-1].locked_until == wall.t + 900


def test_an_expired_lock_does_not_reset_the_count(journal: Journal, wall: WallClock) -> None:
    guard = AdminGuard(journal, section(lockout_after_failures=3, lockout_s=60), journal.clock)
    for _ in range(3):
        guard.attempt(WRONG_PIN)
    wall.t += 60
    assert [guard.attempt(WRONG_PIN).remaining for _ in range(2)] == [2, 1]
    second = guard.attempt(WRONG_PIN)
    assert second == Attempt(Outcome.LOCKED, None, 0, wall.t + 120)
    assert guard.state().failures == 6


def test_short_pins_are_refused_everywhere() -> None:
    for pin in ("1234", "12345"):
        with pytest.raises(ValueError, match="6 to 12 digits"):
            hash_pin(pin, **FAST)
    # A hash of a short PIN made by an older version never opens the pad.
    from argon2 import PasswordHasher, Type

    old = PasswordHasher(time_cost=5, memory_cost=7168, parallelism=1, type=Type.ID).hash("2468")
    assert not verify_pin("2468", old)
    assert verify_pin(MAINTENANCE_PIN, MAINTENANCE_HASH)


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ("m=64,t=1,p=1", "below OWASP's minimum"),
        ("m=7168,t=4,p=1", "below OWASP's minimum"),
        ("m=19456,t=4294967295,p=1", "would take too long to check"),
        ("m=4294967295,t=2,p=1", "would take too long to check"),
        ("m=262144,t=2,p=1", "would take too long to check"),
        ("m=19456,t=2,p=64", "p=64 must be 1 to 4"),
    ],
)
def test_hash_costs_outside_owasps_range_or_a_second_are_refused(params: str, reason: str) -> None:
    stored = MAINTENANCE_HASH.replace("m=7168,t=5,p=1", params)
    [message] = _messages({"pin_hash": stored})
    assert message.startswith("pin_hash: Value error, ")
    assert reason in message
    assert "kiosk hash-pin" in message
    [message] = _messages({"staff": {"1017": stored}})
    assert reason in message
    assert not verify_pin(MAINTENANCE_PIN, stored)  # and never checked, even when asked directly


def test_the_costliest_accepted_hash_checks_within_a_second() -> None:
    import time

    stored = hash_pin(MAINTENANCE_PIN, memory_kib=131_072, time_cost=2)
    assert AdminSection.model_validate({"pin_hash": stored}).pin_hash == stored
    started = time.thread_time()  # CPU time: other processes' load does not count (p=1: one thread)
    assert verify_pin(MAINTENANCE_PIN, stored)
    assert time.thread_time() - started < 1.0


def test_the_hash_check_holds_no_lock_anyone_waits_for(journal: Journal, monkeypatch: pytest.MonkeyPatch) -> None:
    """While one attempt's PIN is being hashed, everything else the screen calls answers at once."""
    guard = AdminGuard(journal, section(), journal.clock)
    hashing, release = threading.Event(), threading.Event()
    others: list[str] = []

    def slow_verify(pin: str, stored: str) -> bool:
        if threading.current_thread().name == "first":
            hashing.set()
            release.wait(30)
        return verify_pin(pin, stored)

    monkeypatch.setattr(auth, "verify_pin", slow_verify)
    first = threading.Thread(target=guard.attempt, args=(WRONG_PIN,), name="first")
    first.start()
    assert hashing.wait(10)

    def meanwhile() -> None:
        others.append("locked" if guard.state().locked else "open")
        others.append(guard.attempt(MAINTENANCE_PIN).outcome.value)
        guard.logout(MAINTENANCE, "button")
        journal.audit(MAINTENANCE, "admin.test", "")
        others.append("done")

    second = threading.Thread(target=meanwhile)
    second.start()
    second.join(timeout=5)
    stalled = second.is_alive()
    release.set()
    first.join(timeout=10)
    second.join(timeout=10)
    assert not stalled, "a call waited behind another attempt's hash check"
    assert others == ["open", "granted", "done"]
    assert guard.state().failures == 1  # the first attempt's wrong PIN, decided after the sign-in
