"""The configuration as the admin screen shows it: effective values, secrets masked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kiosk.admin.config_view import MASK, is_secret_key, mask_secrets, masked_config_yaml
from kiosk.adminpin import hash_pin
from kiosk.config import Config


def _secret_file(folder: Path, name: str) -> str:
    path = folder / name
    path.write_text("s3cr3t-contents\n", encoding="utf-8")
    return str(path)


@pytest.fixture
def config(tmp_path: Path) -> Config:
    admin_hash = hash_pin("123456", memory_kib=7168, time_cost=5)
    staff_hash = hash_pin("654321", memory_kib=7168, time_cost=5)
    return Config.model_validate(
        {
            "kiosk": {"id": "OPD-LOBBY-03", "name": {"zh_CN": "门诊自助机", "en": "Outpatient kiosk"}},
            "his": {
                "mode": "fhir",
                "base_url": "https://his.example.org/fhir",
                "auth": {
                    "kind": "mtls",
                    "token_file": _secret_file(tmp_path, "his-bearer-token.txt"),
                    "client_cert": _secret_file(tmp_path, "kiosk-cert.pem"),
                    "client_key": _secret_file(tmp_path, "kiosk-private-key.pem"),
                },
            },
            "payments": {
                "providers": {
                    "sandbox": {
                        "kind": "sandbox",
                        "credentials_file": _secret_file(tmp_path, "merchant-credentials.json"),
                    }
                }
            },
            "admin": {"pin_hash": admin_hash, "staff": {"0427": staff_hash}},
            "journal_path": str(tmp_path / "journal.sqlite"),
        }
    )


def test_secrets_are_masked_and_the_rest_shown(config: Config) -> None:
    text = masked_config_yaml(config)
    data = yaml.safe_load(text)
    assert data["kiosk"]["id"] == "OPD-LOBBY-03"
    assert data["his"]["base_url"] == "https://his.example.org/fhir"
    assert data["his"]["auth"]["kind"] == "mtls"
    assert data["his"]["auth"]["client_cert"].endswith("kiosk-cert.pem")  # a certificate is public
    assert data["his"]["auth"]["token_file"] == MASK
    assert data["his"]["auth"]["client_key"] == MASK
    assert data["payments"]["providers"]["sandbox"]["credentials_file"] == MASK
    assert data["admin"]["pin_hash"] == MASK
    assert data["admin"]["staff"] == {"0427": MASK}  # the staff number stays, the hash does not
    assert data["admin"]["lockout_after_failures"] == config.admin.lockout_after_failures  # defaults shown
    assert data["timeouts"]["idle_s"] == config.timeouts.idle_s
    for hidden in ("his-bearer-token", "kiosk-private-key", "merchant-credentials", "$argon2id$"):
        assert hidden not in text
    assert config.admin.pin_hash is not None
    assert config.admin.pin_hash not in text


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("pin_hash", True),
        ("password", True),
        ("db_password", True),
        ("client_secret", True),
        ("token_file", True),
        ("access_token", True),
        ("credentials_file", True),
        ("client_key", True),
        ("api_key", True),
        ("apiKey", True),
        ("key", True),
        ("key_file", True),
        ("private_key_pem", True),
        ("keyboard", False),
        ("keyboard_wedge", False),
        ("pinyin", False),
        ("booking_key_system", False),
        ("id", False),
        ("client_cert", False),
        ("monkey", False),
    ],
)
def test_secret_key_names(name: str, secret: bool) -> None:
    assert is_secret_key(name) is secret


def test_unset_secrets_stay_visible_and_urls_lose_their_passwords() -> None:
    data: dict[str, Any] = {
        "auth": {"token_file": None, "client_key": "", "kind": "none"},
        "options": {
            "base_url": "https://merchant:hunter2@pay.example.org/api?app_key=abc123&lang=zh",
            "ports": ["socket://10.0.0.5:9100"],
            "secrets": {"zh_CN": "甲", "en": "b"},
        },
    }
    masked = mask_secrets(data)
    assert masked["auth"] == {"token_file": None, "client_key": "", "kind": "none"}
    url = masked["options"]["base_url"]
    assert "hunter2" not in url
    assert "abc123" not in url
    assert url.startswith("https://merchant:")
    assert "lang=zh" in url
    assert masked["options"]["ports"] == ["socket://10.0.0.5:9100"]
    assert masked["options"]["secrets"] == {"zh_CN": MASK, "en": MASK}
    assert data["options"]["base_url"].count("hunter2") == 1  # the input is not changed
