"""Keys generated per test session (never committed), the protocol fake and a client of it."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

from kiosk.payments.wechatpay.client import WechatPayChannel, WechatPaySettings
from kiosk.payments.wechatpay.signing import MerchantSigner, PlatformKeys
from tests.payments.wechatpay.fake import FakeWechatPay

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092025010100000000000001"
APIV3_KEY = b"0123456789abcdef0123456789ABCDEF"  # 32 bytes, as the merchant platform sets it


@dataclass(frozen=True)
class Keys:
    merchant: rsa.RSAPrivateKey
    platform: rsa.RSAPrivateKey
    wrong: rsa.RSAPrivateKey


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys(*(rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)))


def platform_certificate(key: rsa.RSAPrivateKey, serial: int, *, days: int = 365) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def encrypted_certificates(pems: list[tuple[str, bytes]], apiv3_key: bytes = APIV3_KEY) -> dict[str, Any]:
    """The /v3/certificates answer: each certificate AES-256-GCM encrypted with the API v3 key."""
    data = []
    for serial, pem in pems:
        nonce = os.urandom(6).hex()
        ciphertext = AESGCM(apiv3_key).encrypt(nonce.encode(), pem, b"certificate")
        data.append(
            {
                "serial_no": serial,
                "effective_time": "2026-01-01T00:00:00+08:00",
                "expire_time": "2031-01-01T00:00:00+08:00",
                "encrypt_certificate": {
                    "algorithm": "AEAD_AES_256_GCM",
                    "nonce": nonce,
                    "associated_data": "certificate",
                    "ciphertext": base64.b64encode(ciphertext).decode(),
                },
            }
        )
    return {"data": data}


def make_fake(keys: Keys, platform_serial: str = PUBLIC_KEY_ID) -> FakeWechatPay:
    return FakeWechatPay(
        mchid=MCHID,
        appid=APPID,
        merchant_serial=MERCHANT_SERIAL,
        merchant_public=keys.merchant.public_key(),
        platform_key=keys.platform,
        platform_serial=platform_serial,
        wrong_key=keys.wrong,
    )


def make_client(
    fake: FakeWechatPay, keys: Keys, platform: PlatformKeys | None = None, **kwargs: Any
) -> WechatPayChannel:
    settings = WechatPaySettings(
        mchid=MCHID,
        appid=APPID,
        notify_url="https://hospital.example/wxpay/notify",
        base_url=fake.base_url,
        timeout_s=5,
    )
    signer = MerchantSigner(MCHID, MERCHANT_SERIAL, keys.merchant)
    if platform is None:
        platform = PlatformKeys({PUBLIC_KEY_ID: keys.platform.public_key()})
    return WechatPayChannel(settings, signer, platform, **kwargs)


@pytest.fixture
def fake(keys: Keys) -> Iterator[FakeWechatPay]:
    server = make_fake(keys).start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def client(fake: FakeWechatPay, keys: Keys) -> Iterator[WechatPayChannel]:
    channel = make_client(fake, keys)
    try:
        yield channel
    finally:
        channel.close_client()


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)
