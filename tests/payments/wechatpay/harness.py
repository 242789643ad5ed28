"""The WeChat Pay fake as the crash harness's channel (``bench/crash_payments.py --channel wechat``).

The parent process hosts the fake (it survives the kiosk's crashes, like WeChat Pay) with keys
generated into a temporary folder; each child kiosk builds its providers from those key files
through the same code path as config.yaml (``build_wechat_channel``).
"""

from __future__ import annotations

import random
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.payments.options import WechatPayOptions
from kiosk.payments.providers import PaymentCodeProvider, PollPolicy, Provider, ScanToPayProvider
from kiosk.payments.wechatpay.setup import build_wechat_channel
from tests.payments.wechatpay.fake import FakeWechatPay

MCHID = "1900000109"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000001092025010100000000000001"


def start_fake(folder: Path) -> FakeWechatPay:
    """Generates the keys (merchant key and WeChat Pay public key into ``folder``) and starts the fake."""
    merchant, platform, wrong = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3))
    (folder / "apiclient_key.pem").write_bytes(
        merchant.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (folder / "pub_key.pem").write_bytes(
        platform.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    fake = FakeWechatPay(
        mchid=MCHID,
        appid=APPID,
        merchant_serial=MERCHANT_SERIAL,
        merchant_public=merchant.public_key(),
        platform_key=platform,
        platform_serial=PUBLIC_KEY_ID,
        wrong_key=wrong,
    )
    return fake.start()


def wechat_providers(base_url: str, folder: Path, policy: PollPolicy, code_policy: PollPolicy) -> dict[str, Provider]:
    """The harness's two providers ("sandbox": scan-to-pay, "code": payment code) over WeChat Pay."""
    options = WechatPayOptions(
        mchid=MCHID,
        appid=APPID,
        merchant_serial=MERCHANT_SERIAL,
        private_key_file=folder / "apiclient_key.pem",
        public_key_file=folder / "pub_key.pem",
        public_key_id=PUBLIC_KEY_ID,
        notify_url="https://hospital.example/wechatpay/notify",  # type: ignore[arg-type]
    )
    channel = build_wechat_channel(options, base_url, 2.0, "Asia/Shanghai")
    return {
        "sandbox": ScanToPayProvider("sandbox", channel, policy),
        "code": PaymentCodeProvider("code", channel, code_policy),
    }


def inject_fault(fake: FakeWechatPay, rng: random.Random) -> None:
    """One of WeChat Pay's failure modes on the next call: an answer lost after the action, a
    forged or missing signature, SYSTEM_ERROR after the charge."""
    with fake._lock:
        choice = rng.choice(("lose", "bad_signature", "unsigned", "system_error"))
        if choice == "lose":
            fake.faults.lose_after_action.add(rng.choice(("native", "codepay", "close", "reverse", "refund")))
        elif choice == "bad_signature":
            fake.faults.bad_signature += 1
        elif choice == "unsigned":
            fake.faults.unsigned += 1
        else:
            fake.faults.system_error_after_charge += 1
