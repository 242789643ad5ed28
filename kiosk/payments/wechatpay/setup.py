"""A :class:`WechatPayChannel` from config options: key files read and checked once, at build."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from kiosk.payments.options import WechatPayOptions
from kiosk.payments.wechatpay.client import WechatPayChannel, WechatPaySettings
from kiosk.payments.wechatpay.signing import MerchantSigner, PlatformKeys, load_private_key, load_public_key


def read_apiv3_key(path: Path) -> bytes:
    key = path.read_text(encoding="ascii").strip().encode("ascii")
    if len(key) != 32:
        raise ValueError("the API v3 key must be 32 characters")
    return key


def build_wechat_channel(options: WechatPayOptions, base_url: str, timeout_s: float, timezone: str) -> WechatPayChannel:
    """ValueError (naming the file, never its content) when a key does not load."""
    try:
        signer = MerchantSigner(
            options.mchid, options.merchant_serial.upper(), load_private_key(options.private_key_file.read_bytes())
        )
    except (OSError, ValueError, TypeError):
        raise ValueError(
            f"wechat private_key_file {options.private_key_file} is not an RSA private key (PEM)"
        ) from None
    keys = PlatformKeys()
    if options.public_key_file is not None and options.public_key_id is not None:
        try:
            keys.add(options.public_key_id, load_public_key(options.public_key_file.read_bytes()))
        except (OSError, ValueError):
            raise ValueError(
                f"wechat public_key_file {options.public_key_file} is not an RSA public key (PEM)"
            ) from None
    apiv3_key = None
    if options.apiv3_key_file is not None:
        try:
            apiv3_key = read_apiv3_key(options.apiv3_key_file)
        except (OSError, ValueError, UnicodeDecodeError):
            raise ValueError(
                f"wechat apiv3_key_file {options.apiv3_key_file} does not hold a 32-character key"
            ) from None
    settings = WechatPaySettings(
        mchid=options.mchid,
        appid=options.appid,
        notify_url=str(options.notify_url),
        store_id=options.store_id,
        base_url=base_url,
        # A call to WeChat Pay may take a few seconds; the whole call is bounded by this.
        timeout_s=timeout_s,
        timezone=ZoneInfo(timezone),
    )
    return WechatPayChannel(settings, signer, keys, apiv3_key=apiv3_key)
