"""One vosk model per language in the configuration, and what `kiosk doctor` says about the
models and the microphone they need."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kiosk.config import ConfigError, load_config
from kiosk.doctor import Outcome, check_microphone, check_voice
from kiosk.voice.asr import models_from_config

WriteConfig = Callable[..., Path]


def _with_voice(demo_yaml: dict[str, object], voice: dict[str, object]) -> str:
    data = dict(demo_yaml)
    data["voice"] = voice
    return yaml.safe_dump(data, allow_unicode=True)


def _model(folder: Path) -> Path:
    (folder / "conf").mkdir(parents=True)
    return folder


def test_a_model_per_language_relative_to_the_file(write_config: WriteConfig, demo_yaml) -> None:
    config = load_config(write_config(_with_voice(demo_yaml, {"models": {"zh_CN": "models/cn", "en": "/opt/en"}})))
    models = models_from_config(config.voice, config.kiosk.locale)
    assert models["zh_CN"] == config.journal_path.parent.parent / "models" / "cn"  # next to the file
    assert models["en"] == Path("/opt/en")


def test_model_path_is_the_default_languages_model(write_config: WriteConfig, demo_yaml) -> None:
    config = load_config(write_config(_with_voice(demo_yaml, {"model_path": "/opt/cn"})))
    assert models_from_config(config.voice, "zh_CN") == {"zh_CN": Path("/opt/cn")}
    assert models_from_config(config.voice.model_copy(update={"model_path": None}), "zh_CN") == {}


@pytest.mark.parametrize(
    ("voice", "expected"),
    [
        ({"model_path": "/a", "models": {"en": "/b"}}, "not both"),
        ({"models": {"fr": "/b"}}, "voice.models.fr"),
    ],
)
def test_bad_model_settings_are_named(write_config: WriteConfig, demo_yaml, voice, expected) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(_with_voice(demo_yaml, voice)))
    assert expected in "\n".join(str(p) for p in caught.value.problems)


def test_doctor_checks_each_model_and_the_microphone(
    write_config: WriteConfig, demo_yaml, tmp_path: Path, monkeypatch
) -> None:
    good = _model(tmp_path / "vosk-model-small-cn")
    config = load_config(write_config(_with_voice(demo_yaml, {"models": {"zh_CN": str(good), "en": "/nowhere"}})))
    monkeypatch.setattr("kiosk.voice.asr.MicrophoneSource.available", staticmethod(lambda device=None: None))
    findings = [f for f in check_voice(config) if f.check in ("voice model", "microphone")]
    outcomes = {(f.check, f.outcome) for f in findings}
    assert ("voice model", Outcome.OK) in outcomes
    assert ("voice model", Outcome.FAIL) in outcomes
    assert any("en:" in f.detail and "/nowhere" in f.detail for f in findings if f.outcome is Outcome.FAIL)
    assert ("microphone", Outcome.OK) in outcomes


def test_no_model_is_a_warning_and_no_microphone_check(write_config: WriteConfig, demo_yaml) -> None:
    config = load_config(write_config(_with_voice(demo_yaml, {"enabled": True})))
    findings = [f for f in check_voice(config) if f.check in ("voice model", "microphone")]
    assert [(f.check, f.outcome) for f in findings] == [("voice model", Outcome.WARN)]


def test_a_missing_microphone_fails_with_the_reason() -> None:
    finding = check_microphone(lambda: "no microphone (Error querying device -1)")
    assert finding.outcome is Outcome.FAIL
    assert "Error querying device -1" in finding.detail
    assert "voice button" in finding.detail
