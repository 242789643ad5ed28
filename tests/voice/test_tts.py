"""The Speaker with fake engines (interrupt, restart, silence, volume and rate), and the real
pyttsx3 + espeak-ng engine writing WAV files in both languages."""

from __future__ import annotations

import ctypes.util
import logging
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kiosk.config import VoiceSection
from kiosk.voice.tts import (
    EspeakEngine,
    NoAudioOutput,
    Speaker,
    SpeechFailed,
    SpeechState,
    Utterance,
    audio_output_problem,
    build_speaker,
    measure_first_audio,
    segments,
    speech_budget_s,
    wav_stats,
)

VOICES = {"zh_CN": "sit/cmn-latn-pinyin", "en": "en-us"}
WAIT_S = 5.0


def wait_for(condition: Callable[[], bool], timeout_s: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


class FakeEngine:
    """Records what it is asked to say. ``mode``: "quick" returns at once, "hold" speaks until
    cancelled, "hang" ignores cancel until killed, "stuck" ignores even kill, "raise" fails,
    "silent" has no audio device."""

    def __init__(self, mode: str = "quick") -> None:
        self.mode = mode
        self.spoken: queue.Queue[Utterance] = queue.Queue()
        self.started = threading.Event()
        self.cancelled = threading.Event()
        self.killed = threading.Event()
        self.closed = threading.Event()
        self.release = threading.Event()  # ends "stuck"

    def prepare(self) -> None:
        pass

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        self.started.set()
        if self.mode == "raise":
            raise RuntimeError("engine broke")
        if self.mode == "silent":
            raise NoAudioOutput("no sound card")
        if self.mode == "hold":
            if cancel.wait(WAIT_S):
                self.cancelled.set()
                return
        elif self.mode == "hang":
            self.killed.wait(WAIT_S)
            raise SpeechFailed("killed")
        elif self.mode == "stuck":
            self.release.wait(WAIT_S)
            return
        self.spoken.put(utterance)

    def kill(self) -> None:
        self.killed.set()

    def close(self) -> None:
        self.closed.set()


class Engines:
    """A factory that hands out the given engines in turn, then quick ones."""

    def __init__(self, *engines: FakeEngine) -> None:
        self.made: list[FakeEngine] = []
        self._queue = list(engines)

    def __call__(self) -> FakeEngine:
        engine = self._queue.pop(0) if self._queue else FakeEngine()
        self.made.append(engine)
        return engine


@pytest.fixture
def speakers() -> Iterator[Callable[..., Speaker]]:
    made: list[Speaker] = []

    def make(factory: Callable[[], FakeEngine], **options: object) -> Speaker:
        defaults: dict[str, object] = {"restart_backoff_s": (0.01, 0.05), "watchdog_interval_s": 0.01}
        speaker = Speaker(factory, **{**defaults, **options})  # type: ignore[arg-type]
        made.append(speaker)
        speaker.start()
        return speaker

    yield make
    for speaker in made:
        speaker.close()


def test_a_new_say_interrupts_the_one_being_spoken(speakers: Callable[..., Speaker]) -> None:
    holding = FakeEngine("hold")
    engines = Engines(holding)
    speaker = speakers(engines)
    speaker.say("first screen", "en")
    assert holding.started.wait(WAIT_S)
    wait_for(lambda: speaker.state is SpeechState.SPEAKING)
    holding.mode = "quick"
    speaker.say("second screen", "zh_CN")
    assert holding.cancelled.wait(WAIT_S), "the first utterance was not interrupted"
    spoken = holding.spoken.get(timeout=WAIT_S)
    assert (spoken.text, spoken.locale) == ("second screen", "zh_CN")
    wait_for(lambda: speaker.state is SpeechState.READY)
    assert len(engines.made) == 1  # an interrupt is not a restart


def test_stop_interrupts_and_forgets(speakers: Callable[..., Speaker]) -> None:
    holding = FakeEngine("hold")
    speaker = speakers(Engines(holding))
    speaker.say("something long", "en")
    assert holding.started.wait(WAIT_S)
    speaker.stop()
    assert holding.cancelled.wait(WAIT_S)
    time.sleep(0.05)
    assert holding.spoken.empty()


def test_say_never_blocks_even_while_the_engine_hangs(speakers: Callable[..., Speaker]) -> None:
    stuck = FakeEngine("stuck")
    speaker = speakers(Engines(stuck), budget=lambda _u: 60.0)
    speaker.say("one", "en")
    assert stuck.started.wait(WAIT_S)
    began = time.perf_counter()
    for index in range(100):
        speaker.say(f"screen {index}", "en")
        speaker.set_volume(0.5)
        _ = speaker.state
    assert time.perf_counter() - began < 0.1
    stuck.release.set()


def test_a_hung_engine_is_killed_and_replaced(
    speakers: Callable[..., Speaker], caplog: pytest.LogCaptureFixture
) -> None:
    hung = FakeEngine("hang")
    engines = Engines(hung)
    speaker = speakers(engines, budget=lambda _u: 0.2)
    with caplog.at_level(logging.WARNING, logger="kiosk.voice.tts"):
        speaker.say("the prompt that hangs", "en")
        assert hung.killed.wait(WAIT_S), "the watchdog did not kill the hung engine"
        wait_for(lambda: len(engines.made) == 2)
    speaker.say("next screen", "en")
    assert engines.made[1].spoken.get(timeout=WAIT_S).text == "next screen"
    wait_for(lambda: speaker.state is SpeechState.READY)
    assert speaker.restarts == 1
    assert "overdue" in caplog.text
    assert "the prompt that hangs" not in caplog.text  # spoken text is never logged


def test_a_failing_engine_is_replaced(speakers: Callable[..., Speaker]) -> None:
    broken = FakeEngine("raise")
    engines = Engines(broken)
    speaker = speakers(engines, restart_backoff_s=(0.3, 1.0))
    speaker.say("first", "en")
    wait_for(lambda: speaker.state is SpeechState.RESTARTING)
    wait_for(lambda: len(engines.made) == 2)
    assert broken.killed.is_set()
    speaker.say("again", "en")
    assert engines.made[1].spoken.get(timeout=WAIT_S).text == "again"


def test_a_worker_stuck_in_the_engine_is_left_behind(speakers: Callable[..., Speaker]) -> None:
    stuck = FakeEngine("stuck")  # ignores the kill too
    engines = Engines(stuck)
    speaker = speakers(engines, budget=lambda _u: 0.1, abandon_after_s=0.2)
    speaker.say("stuck", "en")
    assert stuck.killed.wait(WAIT_S)
    wait_for(lambda: len(engines.made) == 2)
    speaker.say("after", "en")
    assert engines.made[1].spoken.get(timeout=WAIT_S).text == "after"
    stuck.release.set()  # the old worker returns late and must not disturb the new one
    time.sleep(0.05)
    assert speaker.state is SpeechState.READY
    assert stuck.closed.wait(WAIT_S)


def test_no_audio_device_means_silent_not_an_error(
    speakers: Callable[..., Speaker], caplog: pytest.LogCaptureFixture
) -> None:
    silent = FakeEngine("silent")
    engines = Engines(silent)
    speaker = speakers(engines)
    with caplog.at_level(logging.WARNING, logger="kiosk.voice.tts"):
        speaker.say("hello", "en")
        wait_for(lambda: speaker.state is SpeechState.SILENT)
        speaker.say("hello again", "en")
        time.sleep(0.05)
    assert speaker.state is SpeechState.SILENT
    assert caplog.text.count("no audio output") == 1  # reported once, not per prompt
    assert len(engines.made) == 1  # silence is not a failure: no restart
    silent.mode = "quick"  # a speaker was plugged in
    speaker.say("back", "en")
    assert silent.spoken.get(timeout=WAIT_S).text == "back"
    wait_for(lambda: speaker.state is SpeechState.READY)


def test_rate_slow_and_volume_reach_the_engine(speakers: Callable[..., Speaker]) -> None:
    engine = FakeEngine()
    speaker = speakers(Engines(engine), rate_wpm=170, elderly_rate_wpm=130, volume=0.8)
    speaker.say("normal", "en")
    first = engine.spoken.get(timeout=WAIT_S)
    speaker.set_volume(0.3)
    speaker.say("slow", "zh_CN", slow=True)
    second = engine.spoken.get(timeout=WAIT_S)
    assert (first.rate_wpm, first.volume) == (170, 0.8)
    assert (second.rate_wpm, second.volume, second.locale) == (130, 0.3, "zh_CN")
    speaker.set_volume(7)
    assert speaker.volume == 1.0
    speaker.set_volume(-1)
    assert speaker.volume == 0.0


def test_disabled_speaker_never_builds_an_engine() -> None:
    engines = Engines()
    speaker = build_speaker(VoiceSection(enabled=False), engines)
    speaker.start()
    speaker.say("hello", "en")
    speaker.close()
    assert speaker.state is SpeechState.DISABLED
    assert engines.made == []


def test_close_ends_the_engine_and_the_threads(speakers: Callable[..., Speaker]) -> None:
    holding = FakeEngine("hold")
    speaker = speakers(Engines(holding))
    speaker.say("long", "en")
    assert holding.started.wait(WAIT_S)
    speaker.close()
    assert holding.closed.is_set()
    assert not any(t.name.startswith("tts") and t.is_alive() for t in threading.enumerate())


def test_budget_grows_with_the_text() -> None:
    short = Utterance("OK", "en", 170, 0.8)
    long = Utterance("请用手机钱包扫描二维码，并确认支付23.50元。" * 4, "zh_CN", 130, 0.8)
    assert 5 <= speech_budget_s(short) < 6
    assert speech_budget_s(long) > 5 + 2 * 10


@pytest.mark.parametrize(
    ("text", "locale", "expected"),
    [
        ("Hello, 张. Is this you?", "en", [("Hello,", "en"), ("张.", "zh_CN"), ("Is this you?", "en")]),
        ("您的号码是A 0 1 2号。", "zh_CN", [("您的号码是", "zh_CN"), ("A", "en"), ("0 1 2号。", "zh_CN")]),
        ("Pay 23.50 yuan.", "en", [("Pay 23.50 yuan.", "en")]),
        ("请支付23.50元。", "zh_CN", [("请支付23.50元。", "zh_CN")]),
    ],
)
def test_each_language_gets_its_voice(text: str, locale: str, expected: list[tuple[str, str]]) -> None:
    assert segments(text, locale) == expected


def test_no_sound_card_is_a_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kiosk.voice.tts.find_player", lambda: ["aplay", "-q"])
    cards = tmp_path / "cards"
    assert audio_output_problem(cards) is not None  # no /proc/asound at all
    cards.write_text("--- no soundcards ---\n")
    assert audio_output_problem(cards) is not None
    cards.write_text(" 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n")
    assert audio_output_problem(cards) is None
    monkeypatch.setattr("kiosk.voice.tts.find_player", lambda: None)
    assert "no audio player" in (audio_output_problem(cards) or "")


# -- the real engine ---------------------------------------------------------------------------

needs_espeak = pytest.mark.skipif(
    ctypes.util.find_library("espeak-ng") is None,
    reason="libespeak-ng is not installed (scripts/bootstrap.sh installs espeak-ng)",
)


@pytest.fixture
def engine() -> Iterator[EspeakEngine]:
    made = EspeakEngine(VOICES, audio_check=lambda: None)
    yield made
    made.close()


@needs_espeak
def test_real_engine_writes_speech_in_both_languages(engine: EspeakEngine, tmp_path: Path) -> None:
    zh = Utterance("请用手机钱包扫描二维码，并确认支付23.50元。", "zh_CN", 170, 0.8)
    en = Utterance("Scan the code with your wallet app and confirm the payment of 23.50 yuan.", "en", 170, 0.8)
    for utterance, name in ((zh, "zh.wav"), (en, "en.wav")):
        seconds = engine.synthesize(utterance, tmp_path / name)
        length, rms = wav_stats(tmp_path / name)
        assert seconds == pytest.approx(length)
        assert length > 2.0, f"{name}: {length:.2f} s is too short for the sentence"
        assert rms > 0.02, f"{name}: RMS {rms:.3f} is silence"
    # Slower in elderly mode, and quieter at a lower volume.
    slow = engine.synthesize(Utterance(zh.text, "zh_CN", 130, 0.8), tmp_path / "slow.wav")
    assert slow > wav_stats(tmp_path / "zh.wav")[0] * 1.15
    engine.synthesize(Utterance(zh.text, "zh_CN", 170, 0.2), tmp_path / "quiet.wav")
    assert wav_stats(tmp_path / "quiet.wav")[1] < wav_stats(tmp_path / "zh.wav")[1] * 0.5
    # A mixed prompt (a department name in an English sentence) is one file.
    assert engine.synthesize(Utterance("Department: 心血管内科.", "en", 170, 0.8), tmp_path / "mixed.wav") > 1.0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["en.wav", "mixed.wav", "quiet.wav", "slow.wav", "zh.wav"]


@needs_espeak
def test_real_engine_plays_through_the_player_and_stops_it(tmp_path: Path) -> None:
    copy = tmp_path / "played.wav"
    recorder = [sys.executable, "-c", f"import shutil, sys; shutil.copy(sys.argv[1], {str(copy)!r})"]
    engine = EspeakEngine(VOICES, player=recorder, audio_check=lambda: None)
    try:
        engine.speak(Utterance("Your number is 7.", "en", 170, 0.8), threading.Event())
        assert wav_stats(copy)[0] > 0.5
    finally:
        engine.close()

    sleeper = [sys.executable, "-c", "import time; time.sleep(30)"]
    engine = EspeakEngine(VOICES, player=sleeper, audio_check=lambda: None)
    cancel = threading.Event()
    try:
        timer = threading.Timer(0.5, cancel.set)
        timer.start()
        began = time.monotonic()
        engine.speak(Utterance("A long prompt", "en", 170, 0.8), cancel)
        assert time.monotonic() - began < 3, "the player was not stopped when the screen changed"
        timer.join()
    finally:
        engine.close()


@needs_espeak
def test_real_engine_reports_a_failing_player_as_no_audio(tmp_path: Path) -> None:
    failing = [sys.executable, "-c", "import sys; sys.exit('audio open error: No such file or directory')"]
    engine = EspeakEngine(VOICES, player=failing, audio_check=lambda: None)
    try:
        with pytest.raises(NoAudioOutput, match="audio open error"):
            engine.speak(Utterance("hello", "en", 170, 0.8), threading.Event())
    finally:
        engine.close()
    muted = EspeakEngine(VOICES, audio_check=lambda: "no sound card")
    with pytest.raises(NoAudioOutput):
        muted.prepare()
    assert muted.worker_pid is None  # no device: no synthesiser process either
    muted.close()


@needs_espeak
def test_killing_the_real_engine_ends_its_process(engine: EspeakEngine) -> None:
    engine.prepare()
    pid = engine.worker_pid
    assert pid is not None
    engine.kill()
    with pytest.raises(SpeechFailed):
        engine.speak(Utterance("hello", "en", 170, 0.8), threading.Event())
    engine.close()
    assert not Path(f"/proc/{pid}").exists() or "zombie" in _process_state(pid)


def _process_state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().splitlines()[2].lower()
    except OSError:
        return "zombie"


@needs_espeak
def test_speaker_with_the_real_engine_restarts_after_its_synthesiser_dies() -> None:
    recorded: list[EspeakEngine] = []
    copy_dir = Path(subprocess.check_output(["mktemp", "-d"], text=True).strip())
    recorder = [sys.executable, "-c", f"import shutil, sys; shutil.copy(sys.argv[1], {str(copy_dir)!r})"]

    def factory() -> EspeakEngine:
        engine = EspeakEngine(VOICES, player=recorder, audio_check=lambda: None)
        recorded.append(engine)
        return engine

    speaker = Speaker(factory, restart_backoff_s=(0.01, 0.05))
    try:
        speaker.start()
        wait_for(lambda: bool(recorded) and recorded[0].worker_pid is not None, 20)
        pid = recorded[0].worker_pid
        assert pid is not None
        subprocess.run(["kill", "-9", str(pid)], check=True)  # the synthesiser crashes
        speaker.say("hello", "en")
        wait_for(lambda: len(recorded) == 2, 20)
        speaker.say("hello again", "en")
        wait_for(lambda: any(copy_dir.iterdir()), 20)
    finally:
        speaker.close()
        shutil.rmtree(copy_dir, ignore_errors=True)


@needs_espeak
def test_first_audio_measurement() -> None:
    figures = measure_first_audio(runs=2)
    assert 0 < figures.warm_median_s < 1.0
    assert figures.cold_s >= figures.warm_median_s
    assert figures.worker_rss_kb is None or figures.worker_rss_kb < 200_000
