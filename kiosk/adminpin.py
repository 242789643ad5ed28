"""Admin PIN hashing: argon2id (salted, memory-hard), so a leaked config file does not leak a PIN.

Hashes are standard PHC strings (``$argon2id$v=19$m=19456,t=2,p=1$salt$hash``) made with
argon2-cffi at OWASP's current parameters (about 45 ms on a kiosk CPU, once per attempt).
Plain functions, safe from any thread; call them off the UI thread (they are slow on purpose).
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError

MEMORY_KIB = 19_456  # OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1
TIME_COST = 2
PARALLELISM = 1
_PREFIX = "$argon2id$"

_HASHER = PasswordHasher(time_cost=TIME_COST, memory_cost=MEMORY_KIB, parallelism=PARALLELISM, type=Type.ID)


def hash_pin(pin: str, *, memory_kib: int = MEMORY_KIB, time_cost: int = TIME_COST) -> str:
    """The PHC string for ``pin`` (4 to 12 digits). Lower costs are for tests only."""
    if not (isinstance(pin, str) and pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("the PIN must be 4 to 12 digits")
    hasher = _HASHER
    if (memory_kib, time_cost) != (MEMORY_KIB, TIME_COST):
        hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=PARALLELISM, type=Type.ID)
    return hasher.hash(pin)


def verify_pin(pin: str, stored: str) -> bool:
    """Whether ``pin`` matches an argon2id hash (any parameters); never raises: anything else is False."""
    if not (isinstance(pin, str) and isinstance(stored, str) and stored.startswith(_PREFIX)):
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
