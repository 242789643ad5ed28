"""Typed ``options`` of each payment provider kind in config.yaml (pydantic only: light to import).

Unknown keys are errors, and every error names the option key, e.g.
``payments.providers.wechat: payment_code option reverse_after_s: Input should be greater than or equal to 15``.
The bounds encode the channels' rules (FIELD-NOTES): scan-to-pay polls every 3-6 s for about a
minute; a payment-code order is reversed after ~30 s and never sooner than 15 s. The sandbox is a
test channel, so its timings may be short.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, FilePath, ValidationError, model_validator


class _Options(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SandboxOptions(_Options):
    # An external sandbox's URL (http://127.0.0.1:8765); omitted: the kiosk's embedded sandbox.
    base_url: AnyHttpUrl | None = None
    poll_interval_s: float = Field(default=2.0, ge=0.01, le=10)
    # An order unpaid this long is closed.
    deadline_s: float = Field(default=90.0, ge=0.1, le=600)
    timeout_s: float = Field(default=5.0, gt=0, le=30)  # per HTTP call


class WechatPayOptions(_Options):
    """A WeChat Pay direct merchant (API v3). Key files: service user only, never in config itself.
    WeChat Pay's answers are verified with its public key (``public_key_file`` + ``public_key_id``,
    the current scheme) or with platform certificates downloaded and decrypted with the API v3 key
    (``apiv3_key_file``, the older scheme); at least one of the two must be given."""

    mchid: str = Field(pattern=r"^[0-9]{6,32}$")
    appid: str = Field(min_length=1, max_length=32)
    merchant_serial: str = Field(pattern=r"^[0-9A-Fa-f]{8,64}$")  # the merchant API certificate's serial
    private_key_file: FilePath  # apiclient_key.pem
    public_key_file: FilePath | None = None  # pub_key.pem from the merchant platform
    public_key_id: str | None = Field(default=None, pattern=r"^PUB_KEY_ID_[0-9A-Za-z_]+$")
    apiv3_key_file: FilePath | None = None  # the 32-character API v3 key
    notify_url: AnyHttpUrl  # required by WeChat Pay (https); the kiosk itself polls
    store_id: str = Field(default="kiosk", min_length=1, max_length=32)  # payment-code scene_info

    @model_validator(mode="after")
    def _can_verify(self) -> WechatPayOptions:
        if (self.public_key_file is None) != (self.public_key_id is None):
            raise ValueError("public_key_file and public_key_id go together")
        if self.public_key_file is None and self.apiv3_key_file is None:
            raise ValueError("give public_key_file + public_key_id, or apiv3_key_file for platform certificates")
        if self.notify_url.scheme != "https":
            raise ValueError("notify_url must be https")
        return self


class _ChannelOptions(_Options):
    # The channel adapter: the sandbox, or WeChat Pay (``wechat`` options; base_url is WeChat Pay's
    # API, https://api.mch.weixin.qq.com, or the backup https://api2.mch.weixin.qq.com).
    channel: Literal["sandbox", "wechat"] = "sandbox"
    base_url: AnyHttpUrl
    wechat: WechatPayOptions | None = None

    @model_validator(mode="after")
    def _channel_settings(self) -> _ChannelOptions:
        if (self.channel == "wechat") != (self.wechat is not None):
            raise ValueError("channel wechat needs the wechat options, and only it takes them")
        return self


class ScanToPayOptions(_ChannelOptions):
    poll_interval_s: float = Field(default=3.0, ge=3, le=6)
    deadline_s: float = Field(default=60.0, ge=30, le=300)
    timeout_s: float = Field(default=5.0, gt=0, le=30)


class PaymentCodeOptions(_ChannelOptions):
    poll_interval_s: float = Field(default=5.0, ge=2, le=10)
    reverse_after_s: float = Field(default=30.0, ge=15, le=120)
    timeout_s: float = Field(default=5.0, gt=0, le=30)


class BankCardOptions(_Options):
    # Longest wait for one terminal command (query, cancel, refund).
    command_timeout_s: float = Field(default=20.0, ge=1, le=120)
    # A sale without an answer this long is resolved by querying the terminal's last transaction
    # (at least the terminal's own transaction_timeout_s).
    deadline_s: float = Field(default=150.0, ge=10, le=900)


OPTIONS_BY_KIND: dict[str, type[_Options]] = {
    "sandbox": SandboxOptions,
    "scan_to_pay": ScanToPayOptions,
    "payment_code": PaymentCodeOptions,
    "bank_card": BankCardOptions,
}


def validate_options(kind: str, options: dict[str, Any]) -> _Options:
    """The options as their kind's model; ValueError naming the key for anything wrong."""
    model = OPTIONS_BY_KIND[kind]
    try:
        return model.model_validate(options)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(options)"
            message = "unknown option" if err["type"] == "extra_forbidden" else str(err["msg"])
            problems.append(f"{kind} option {key}: {message}")
        raise ValueError("; ".join(problems)) from None
