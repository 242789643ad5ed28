"""The Chinese and the English voice speak equally loud (espeak-ng's en-us was 2.4 dB quieter than
sit/cmn-latn-pinyin), the patient's volume scales both, and nothing is clipped to get there."""

from __future__ import annotations

import array
import math
import shutil

import pytest

from kiosk.voice.tts import PEAK_LIMIT, TARGET_DBFS, measure_loudness, normalised, speech_level_dbfs

RATE = 22050


def tone(amplitude: float, seconds: float = 0.5, silence_s: float = 0.5) -> bytes:
    """A 440 Hz tone then silence (speech has pauses: they must not count)."""
    samples = [round(amplitude * 32767 * math.sin(2 * math.pi * 440 * n / RATE)) for n in range(int(RATE * seconds))]
    return array.array("h", samples + [0] * int(RATE * silence_s)).tobytes()


def test_the_level_ignores_the_pauses() -> None:
    assert speech_level_dbfs(tone(0.5), RATE) == pytest.approx(20 * math.log10(0.5 / math.sqrt(2)), abs=0.1)
    assert speech_level_dbfs(tone(0.5, silence_s=3.0), RATE) == pytest.approx(speech_level_dbfs(tone(0.5), RATE))
    assert speech_level_dbfs(b"\0\0" * 1000, RATE) == -math.inf


def test_quiet_and_loud_come_out_at_the_target_times_the_volume() -> None:
    for amplitude in (0.05, 0.2):
        assert speech_level_dbfs(normalised(tone(amplitude), RATE, 1.0), RATE) == pytest.approx(TARGET_DBFS, abs=0.1)
        half = speech_level_dbfs(normalised(tone(amplitude), RATE, 0.5), RATE)
        assert half == pytest.approx(TARGET_DBFS - 6.02, abs=0.1)
    assert normalised(tone(0.2), RATE, 0.0) == array.array("h", [0] * len(array.array("h", tone(0.2)))).tobytes()


def test_peaks_are_never_clipped() -> None:
    # A click in a quiet phrase: the gain that would bring the phrase to the target is capped.
    samples = array.array("h", tone(0.01))
    samples[100] = 30000
    louder = array.array("h", normalised(samples.tobytes(), RATE, 1.0))
    assert max(abs(x) for x in louder) <= PEAK_LIMIT * 32767 + 1


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_the_chinese_and_english_voices_are_equally_loud() -> None:
    levels = measure_loudness(volume=0.8)
    zh, en = levels["sit/cmn-latn-pinyin"], levels["en-us"]
    assert abs(zh - en) <= 0.5, levels
    assert zh == pytest.approx(TARGET_DBFS + 20 * math.log10(0.8), abs=0.5)
