"""Admin PIN hashing: argon2id (salted, memory-hard), so a leaked config file does not leak a PIN.

Hashes are standard PHC strings (``$argon2id$v=19$m=19456,t=2,p=1$salt$hash``) made with
argon2-cffi at OWASP's current parameters (about 45 ms on a kiosk CPU, once per attempt).
A stored hash's cost must lie within OWASP's range and stay verifiable well under a second
(:func:`cost_problem`): a huge ``t`` or ``m`` in a config file would otherwise make every sign-in
hang or fail. Plain functions, safe from any thread; call them off the UI thread (they are slow
on purpose).
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

MEMORY_KIB = 19_456  # OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1
TIME_COST = 2
PARALLELISM = 1
_PREFIX = "$argon2id$"

# A PIN pad's PINs: 6 digits at least (a million PINs; with the lengthening lockout, years of
# guessing), 12 at most.
MIN_PIN_DIGITS = 6
MAX_PIN_DIGITS = 12

# The range of argon2id costs accepted in a stored hash. The floor is OWASP's weakest equivalent
# setting (m=7 MiB with t=5, i.e. 35 840 KiB passes; m=19 MiB, t=2 is 38 912). The ceiling keeps
# one check under a second on a kiosk CPU: m*t = 262 144 KiB passes took 0.33 s on a 2-core
# 2026 build machine (m=19456, t=2: 31 ms), leaving room for a CPU three times slower, and
# m <= 256 MiB of memory. p is argon2-cffi's thread count: at most the kiosk's 4 cores.
MIN_MEMORY_KIB = 7_168
MAX_MEMORY_KIB = 262_144
MIN_COST_KIB_PASSES = 35_840
MAX_COST_KIB_PASSES = 262_144
MAX_PARALLELISM = 4

_HASHER = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM, type=Type.ID)


def pin_problem(pin: str) -> str | None:
    """Why ``pin`` cannot be a PIN, or None."""
    digits = isinstance(pin, str) and pin.isascii() and pin.isdigit()
    if not digits or not MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS:
        return f"the PIN must be {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits (shorter ones are guessed too soon)"
    return None


def cost_problem(memory_kib: int, time_cost: int, parallelism: int) -> str | None:
    """Why a hash with these argon2id costs must not be used, or None."""
    passes = memory_kib * time_cost
    if memory_kib < MIN_MEMORY_KIB or passes < MIN_COST_KIB_PASSES:
        return (
            f"m={memory_kib},t={time_cost} is below OWASP's minimum for argon2id "
            f"(m >= {MIN_MEMORY_KIB} KiB and m*t >= {MIN_COST_KIB_PASSES}, e.g. m={MEMORY_KIB},t={TIME_COST})"
        )
    if memory_kib > MAX_MEMORY_KIB or passes > MAX_COST_KIB_PASSES:
        return (
            f"m={memory_kib},t={time_cost} would take too long to check on a kiosk "
            f"(m <= {MAX_MEMORY_KIB} KiB and m*t <= {MAX_COST_KIB_PASSES} keep a check under a second)"
        )
    if not 1 <= parallelism <= MAX_PARALLELISM:
        return f"p={parallelism} must be 1 to {MAX_PARALLELISM} (the kiosk's cores)"
    return None


def stored_cost_problem(stored: str) -> str | None:
    """Why the stored hash must not be verified (unreadable, or its cost out of range), or None."""
    try:
        params = extract_parameters(stored)
    except (InvalidHashError, ValueError, TypeError, AttributeError):
        return "not an argon2id hash"
    if params.type is not Type.ID:
        return "not an argon2id hash"
    return cost_problem(params.memory_cost, params.time_cost, params.parallelism)


def hash_pin(pin: str, *, memory_kib: int = MEMORY_KIB, time_cost: int = TIME_COST) -> str:
    """The PHC string for ``pin`` (6 to 12 digits), at OWASP's parameters unless told otherwise."""
    problem = pin_problem(pin)
    if problem is not None:
        raise ValueError(problem)
    hasher = _HASHER
    if (memory_kib, time_cost) != (MEMORY_KIB, TIME_COST):
        hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=PARALLELISM, type=Type.ID)
    return hasher.hash(pin)


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches an argon2id hash whose cost is in range; never raises: anything else
    (a PIN too short to be one, a hash that would take minutes) is False, and costs no hash time."""
    if not (isinstance(pin, str) and isinstance(stored, str) and stored.startswith(_PREFIX)):
        return False
    if pin_problem(pin) is not None or stored_cost_problem(stored) is not None:
        return False
    try:
        return _HASHER.verify(stored, pin)
    except (VerificationError, InvalidHashError, ValueError, TypeError, MemoryError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether ``stored`` is weaker than the current parameters (or not an argon2id hash at all)."""
    try:
        params = extract_parameters(stored)
    except (InvalidHashError, ValueError, TypeError, AttributeError):
        return True
    return (
        params.type is not Type.ID
        or params.version < 19
        or params.memory_cost < MEMORY_KIB
        or params.time_cost < TIME_COST
        or params.salt_len < 16
        or params.hash_len < 32
    )
