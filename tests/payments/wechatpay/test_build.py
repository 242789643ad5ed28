"""config.yaml -> a WeChat Pay provider -> a payment settled end to end against the fake."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from kiosk.config import Config, ConfigError, load_config
from kiosk.doctor import Outcome, check_payments
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import HisSimulator
from kiosk.journal import Journal
from kiosk.payments.build import build_payments, build_providers
from kiosk.payments.errors import ProviderOptionsError
from kiosk.payments.providers import ScanToPayProvider
from kiosk.payments.service import OutcomeKind
from kiosk.payments.wechatpay.client import WechatPayChannel
from tests.conftest import ROOT
from tests.payments.wechatpay.conftest import APPID, MCHID, MERCHANT_SERIAL, PUBLIC_KEY_ID, Keys
from tests.payments.wechatpay.fake import FakeWechatPay
from tests.payments.world import new_bill


def _key_files(tmp_path: Path, keys: Keys) -> tuple[Path, Path]:
    private = tmp_path / "apiclient_key.pem"
    private.write_bytes(
        keys.merchant.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    public = tmp_path / "pub_key.pem"
    public.write_bytes(
        keys.platform.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return private, public


def _config(
    write_config: Callable[[str], Path],
    base_url: str,
    private: Path,
    public: Path,
    changes: dict[str, str] | None = None,
) -> Path:
    """config.yaml with one WeChat Pay provider; ``changes`` replaces fields of its wechat block
    (YAML text; a key written twice is itself a configuration error)."""
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    start = text.index("payments:")
    end = text.index("\n# Devices by role")
    fields = {
        "mchid": f"'{MCHID}'",
        "appid": str(APPID),
        "merchant_serial": str(MERCHANT_SERIAL),
        "private_key_file": str(private),
        "public_key_file": str(public),
        "public_key_id": str(PUBLIC_KEY_ID),
        "notify_url": "'https://hospital.example/n'",
    } | (changes or {})
    wechat = "{" + ", ".join(f"{key}: {value}" for key, value in fields.items()) + "}"
    block = (
        "payments:\n  providers:\n    wechat:\n      kind: scan_to_pay\n"
        f"      options: {{channel: wechat, base_url: '{base_url}', wechat: {wechat}}}\n"
    )
    return write_config(text[:start] + block + text[end:])


@pytest.fixture
def wechat_config(write_config: Callable[[str], Path], tmp_path: Path, keys: Keys, fake: FakeWechatPay) -> Config:
    private, public = _key_files(tmp_path, keys)
    config = load_config(_config(write_config, fake.base_url, private, public))
    return config.model_copy(update={"journal_path": tmp_path / "journal.sqlite"})


def test_a_configured_wechat_provider_settles_a_payment(
    wechat_config: Config, fake: FakeWechatPay, his_sim: HisSimulator, his: FhirHisGateway, patient: str
) -> None:
    config = wechat_config
    with Journal(config.journal_path) as journal:
        service = build_payments(config, his, None, journal)
        try:
            service.start()
            provider = service.providers["wechat"]
            assert isinstance(provider, ScanToPayProvider)
            assert isinstance(provider.channel, WechatPayChannel)
            ticket = service.open_payment("wechat", patient, [new_bill(his_sim, patient, 300)], 300)
            assert ticket.qr_payload.startswith("weixin://wxpay/bizpayurl?pr=")
            fake.pay(ticket.payment_id)  # the patient scans the code and pays
            assert service.await_payment(ticket.payment_id).kind is OutcomeKind.SETTLED
        finally:
            service.stop()
    assert fake.rejected_auth == 0


def test_a_key_file_that_does_not_load_is_named_without_its_content(
    write_config: Callable[[str], Path], tmp_path: Path, keys: Keys
) -> None:
    private, public = _key_files(tmp_path, keys)
    private.write_text("SECRET-NOT-A-KEY", encoding="utf-8")
    config = load_config(_config(write_config, "https://api.mch.weixin.qq.com", private, public))
    with pytest.raises(ProviderOptionsError) as info:
        build_providers(config, None, None)
    assert "private_key_file" in str(info.value)
    assert "SECRET" not in str(info.value)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"public_key_id": "null"}, "public_key_file and public_key_id go together"),
        ({"notify_url": "'http://hospital.example/n'"}, "notify_url must be https"),
        ({"mchid": "abc"}, "mchid"),
    ],
)
def test_wechat_options_are_checked_at_load(
    write_config: Callable[[str], Path], tmp_path: Path, keys: Keys, changes: dict[str, str], message: str
) -> None:
    private, public = _key_files(tmp_path, keys)
    with pytest.raises(ConfigError) as info:
        load_config(_config(write_config, "https://api.mch.weixin.qq.com", private, public, changes))
    assert message in info.value.problems[0].message


def test_doctor_checks_the_keys_and_a_signed_answer(wechat_config: Config, fake: FakeWechatPay) -> None:
    findings = list(check_payments(wechat_config))
    assert [(f.check, f.outcome) for f in findings] == [("payments.wechat", Outcome.OK)]
    fake.faults.bad_signature = 1
    (finding,) = check_payments(wechat_config)
    assert finding.outcome is Outcome.FAIL
    assert "not verified" in finding.detail


def test_doctor_warns_when_wechat_pay_cannot_be_reached(
    write_config: Callable[[str], Path], tmp_path: Path, keys: Keys
) -> None:
    private, public = _key_files(tmp_path, keys)
    config = load_config(_config(write_config, "http://127.0.0.1:9", private, public))
    (finding,) = check_payments(config)
    assert finding.outcome is Outcome.WARN


def test_key_files_are_relative_to_the_config_file(
    write_config: Callable[[str], Path], tmp_path: Path, keys: Keys
) -> None:
    _key_files(tmp_path, keys)
    config = load_config(
        _config(write_config, "https://api.mch.weixin.qq.com", Path("apiclient_key.pem"), Path("pub_key.pem"))
    )
    options = config.payments.providers["wechat"].options["wechat"]
    assert Path(options["private_key_file"]) == tmp_path / "apiclient_key.pem"
