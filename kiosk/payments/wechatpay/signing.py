"""WeChat Pay API v3 signatures, both ways (``WECHATPAY2-SHA256-RSA2048``).

Requests: SHA256-with-RSA (PKCS#1 v1.5) over ``METHOD\\nPATH?QUERY\\nTIMESTAMP\\nNONCE\\nBODY\\n`` with
the merchant's API private key, sent as the ``Authorization`` header naming the merchant's
certificate serial. Answers: the same algorithm over ``TIMESTAMP\\nNONCE\\nBODY\\n`` with WeChat Pay's
key, named by the ``Wechatpay-Serial`` header: either the WeChat Pay public key's id
(``PUB_KEY_ID_...``, the current scheme) or a platform certificate's serial (the older one,
certificates fetched from ``/v3/certificates`` and decrypted with the API v3 key). An answer that
does not verify is never believed: the caller treats it as "outcome unknown".
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCHEME = "WECHATPAY2-SHA256-RSA2048"
# WeChat Pay's probe: a deliberately wrong signature starting with this tests that merchants verify.
SIGN_TEST_PREFIX = "WECHATPAY/SIGNTEST/"
MAX_SKEW_S = 300  # an answer signed more than 5 minutes from our clock is refused (replay)


class SignatureError(Exception):
    """An answer's signature is missing, wrong, stale or made with a key we do not know."""


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the merchant API key is not an RSA private key")
    return key


def load_public_key(pem: bytes) -> rsa.RSAPublicKey:
    """A WeChat Pay public key (PEM ``PUBLIC KEY``) or a platform certificate (PEM ``CERTIFICATE``)."""
    key: object = (
        x509.load_pem_x509_certificate(pem).public_key()
        if b"CERTIFICATE" in pem
        else serialization.load_pem_public_key(pem)
    )
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the WeChat Pay key is not an RSA public key")
    return key


def rsa_sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def rsa_verify(key: rsa.RSAPublicKey, message: str, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def request_message(method: str, path_and_query: str, timestamp: str, nonce: str, body: str) -> str:
    return f"{method}\n{path_and_query}\n{timestamp}\n{nonce}\n{body}\n"


def response_message(timestamp: str, nonce: str, body: str) -> str:
    return f"{timestamp}\n{nonce}\n{body}\n"


def new_nonce() -> str:
    return secrets.token_hex(16).upper()


@dataclass(frozen=True)
class MerchantSigner:
    """Signs the kiosk's requests as merchant ``mchid`` with the API certificate ``serial_no``'s key."""

    mchid: str
    serial_no: str
    key: rsa.RSAPrivateKey

    def authorization(self, method: str, path_and_query: str, body: str, *, now: float | None = None) -> str:
        timestamp = str(int(time.time() if now is None else now))
        nonce = new_nonce()
        signature = rsa_sign(self.key, request_message(method, path_and_query, timestamp, nonce, body))
        return (
            f'{SCHEME} mchid="{self.mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{timestamp}",serial_no="{self.serial_no}"'
        )


def parse_authorization(header: str) -> dict[str, str]:
    """The fields of an ``Authorization`` header (used by the test fake and by diagnostics)."""
    scheme, _, rest = header.partition(" ")
    if scheme != SCHEME:
        raise ValueError("not a WECHATPAY2-SHA256-RSA2048 authorization")
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep or len(value) < 2 or value[0] != '"' or value[-1] != '"':
            raise ValueError("malformed authorization field")
        fields[name] = value[1:-1]
    return fields


def decrypt_resource(apiv3_key: bytes, nonce: str, ciphertext: str, associated_data: str) -> bytes:
    """AEAD_AES_256_GCM with the API v3 key (platform certificates, notifications). InvalidTag: not
    encrypted with our key."""
    return AESGCM(apiv3_key).decrypt(
        nonce.encode("utf-8"), base64.b64decode(ciphertext), associated_data.encode("utf-8")
    )


class PlatformKeys:
    """WeChat Pay's verifying keys by serial / public key id. Thread-safe; rotation adds keys
    (``add``), an expired certificate is dropped by ``add_certificate`` when it no longer applies."""

    def __init__(self, keys: Mapping[str, rsa.RSAPublicKey] | None = None) -> None:
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._lock = threading.Lock()
        for serial, key in (keys or {}).items():
            self.add(serial, key)

    def add(self, serial: str, key: rsa.RSAPublicKey) -> None:
        with self._lock:
            self._keys[_normal(serial)] = key

    def add_certificate(self, pem: bytes) -> str | None:
        """Adds a platform certificate if it is valid now; returns its serial (hex, upper case)."""
        cert = x509.load_pem_x509_certificate(pem)
        now = datetime.now(UTC)
        if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
            return None
        key = cert.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            return None
        serial = format(cert.serial_number, "X")
        self.add(serial, key)
        return serial

    def knows(self, serial: str) -> bool:
        with self._lock:
            return self._lookup(serial) is not None

    def _lookup(self, serial: str) -> rsa.RSAPublicKey | None:
        return self._keys.get(_normal(serial))

    def verify(self, headers: Mapping[str, str], body: str, *, now: float | None = None) -> str:
        """Checks an answer's ``Wechatpay-*`` headers against ``body``; returns the serial used.
        ``headers`` must look names up case-insensitively (requests' mapping does)."""
        signature = headers.get("Wechatpay-Signature", "")
        timestamp = headers.get("Wechatpay-Timestamp", "")
        nonce = headers.get("Wechatpay-Nonce", "")
        serial = headers.get("Wechatpay-Serial", "")
        kind = headers.get("Wechatpay-Signature-Type", SCHEME)
        if not (signature and timestamp and nonce and serial):
            raise SignatureError("answer is not signed")
        if kind != SCHEME:
            raise SignatureError(f"unsupported signature type {kind!r}")
        if signature.startswith(SIGN_TEST_PREFIX):
            raise SignatureError("WeChat Pay signature probe (deliberately invalid)")
        try:
            signed_at = int(timestamp)
        except ValueError:
            raise SignatureError("answer timestamp is not a number") from None
        current = time.time() if now is None else now
        if abs(current - signed_at) > MAX_SKEW_S:
            raise SignatureError("answer timestamp is too far from our clock")
        with self._lock:
            key = self._lookup(serial)
        if key is None:
            raise SignatureError("answer signed with an unknown key serial")
        if not rsa_verify(key, response_message(timestamp, nonce, body), signature):
            raise SignatureError("answer signature does not verify")
        return serial


def _normal(serial: str) -> str:
    """Certificate serials are hex (compare without case or leading zeros); public key ids as given."""
    if serial.startswith("PUB_KEY_ID_"):
        return serial
    return serial.upper().lstrip("0") or "0"


__all__ = [
    "SCHEME",
    "InvalidTag",
    "MerchantSigner",
    "PlatformKeys",
    "SignatureError",
    "decrypt_resource",
    "load_private_key",
    "load_public_key",
    "parse_authorization",
]
