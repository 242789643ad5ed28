"""Admin PIN hashing: salted PBKDF2-SHA256, so a leaked config file does not leak the PIN."""

from __future__ import annotations

import hashlib
import hmac
import secrets

_ITERATIONS = 310_000  # OWASP 2023 figure for PBKDF2-SHA256; ~0.2 s on a kiosk CPU, once per attempt


def hash_pin(pin: str, *, iterations: int = _ITERATIONS, salt: bytes | None = None) -> str:
    if not (pin.isdigit() and 4 <= len(pin) <= 12):
        raise ValueError("the PIN must be 4 to 12 digits")
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_pin(pin: str, stored: str) -> bool:
    """Constant-time comparison; a malformed stored hash never matches."""
    try:
        scheme, iterations, salt_hex, digest_hex = stored.split("$")
        if scheme != "pbkdf2_sha256":
            return False
        digest = hashlib.pbkdf2_hmac("sha256", pin.encode(), bytes.fromhex(salt_hex), int(iterations))
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)
