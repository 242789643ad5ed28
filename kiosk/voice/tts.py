"""Spoken guidance: a ``Speaker`` the GUI thread tells what to say, and the engine that says it.

Threads and processes:

- The GUI thread calls ``Speaker.say / stop / set_volume / state / close``. They only set a few
  fields under a lock and wake the worker; none of them waits for the engine.
- The ``tts`` worker thread owns the ``SpeechEngine``: it takes the latest utterance (a newer one
  replaces and interrupts the older) and speaks it.
- The ``tts-watchdog`` thread kills an engine whose utterance runs far past its length. The
  worker then builds a fresh engine; a worker that does not come back at all is abandoned and
  replaced.
- ``EspeakEngine``: a child process owns libespeak-ng (through pyttsx3's binding) and only writes
  WAV files, so a hung synthesiser is killed with the process. The worker thread plays each file
  with ``aplay`` (or ``paplay``), a process it ends at once when the screen changes. pyttsx3's
  own ``say`` cannot be used: it plays through ``os.system("aplay")`` inside an espeak callback,
  which can be neither interrupted nor checked (no player: silence, no error); see _Synthesizer
  for why its Engine is not used either.

Spoken text may carry patient data (a masked name): it is never logged.
"""

from __future__ import annotations

import array
import contextlib
import ctypes
import json
import logging
import math
import os
import re
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import wave
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kiosk.config import VoiceSection

log = logging.getLogger(__name__)


class SpeechState(StrEnum):
    READY = "ready"
    SPEAKING = "speaking"
    SILENT = "silent-no-audio-device"
    RESTARTING = "failed-restarting"
    DISABLED = "disabled"


@dataclass(frozen=True)
class Utterance:
    text: str = field(repr=False)  # may name the patient (masked): kept out of reprs and logs
    locale: str
    rate_wpm: int
    volume: float


class NoAudioOutput(Exception):
    """Nothing can play sound here (no sound card, no player, or playback fails)."""


class SpeechFailed(Exception):
    """The engine failed or hung; the Speaker replaces it."""


class SpeechEngine(Protocol):
    """Says utterances. Created, prepared, used and closed on the Speaker's worker thread only;
    ``kill`` alone may be called from any thread."""

    def prepare(self) -> None:
        """Gets ready so the first prompt comes quickly; raises NoAudioOutput or SpeechFailed."""

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        """Blocks until spoken; returns soon after ``cancel`` is set. Raises NoAudioOutput when
        nothing can play, SpeechFailed (or anything) when the engine is broken or was killed."""

    def kill(self) -> None:
        """Never blocks: makes a running ``speak`` fail soon and frees the engine's resources."""

    def close(self) -> None:
        """Orderly end (may take a moment)."""


EngineFactory = Callable[[], SpeechEngine]


def speech_seconds(text: str, rate_wpm: int) -> float:
    """Roughly how long ``text`` takes to say (espeak-ng: a Han character ~0.8 of a word)."""
    han = sum(1 for char in text if _is_han(char))
    words = len(re.findall(r"[A-Za-z]+|\d", text))
    return (0.8 * han + words) * 60.0 / max(rate_wpm, 1)


def speech_budget_s(utterance: Utterance) -> float:
    """How long an utterance may take before the engine counts as hung: far longer than its
    length, so only a stuck synthesiser or player trips it."""
    return 5.0 + 2.0 * speech_seconds(utterance.text, utterance.rate_wpm)


class Speaker:
    """Speaks one utterance at a time; a new ``say`` interrupts the one being spoken.

    Public methods are for the GUI thread and never block on the engine (``close`` waits a
    moment for the worker). The engine lives on the ``tts`` worker thread.
    """

    def __init__(
        self,
        engine_factory: EngineFactory,
        *,
        rate_wpm: int = 170,
        elderly_rate_wpm: int = 130,
        volume: float = 0.8,
        enabled: bool = True,
        budget: Callable[[Utterance], float] = speech_budget_s,
        prepare_budget_s: float = 20.0,
        restart_backoff_s: tuple[float, float] = (0.5, 30.0),
        watchdog_interval_s: float = 0.2,
        abandon_after_s: float = 3.0,
    ) -> None:
        self._factory = engine_factory
        self._rate_wpm = rate_wpm
        self._elderly_rate_wpm = elderly_rate_wpm
        self._volume = _clamp(volume)
        self._budget = budget
        self._prepare_budget_s = prepare_budget_s
        self._backoff_first, self._backoff_max = restart_backoff_s
        self._watch_interval_s = watchdog_interval_s
        self._abandon_after_s = abandon_after_s
        self._cond = threading.Condition()
        self._state = SpeechState.READY if enabled else SpeechState.DISABLED
        self._enabled = enabled
        self._started = False
        self._closing = False
        self._generation = 0
        self._pending: Utterance | None = None
        self._cancel = threading.Event()
        # What the watchdog watches: the engine now in a call, and when that call is overdue.
        self._busy_engine: SpeechEngine | None = None
        self._busy_deadline: float | None = None
        self._killed_at: float | None = None
        self._threads: list[threading.Thread] = []
        self.restarts = 0  # engines replaced after a failure or a hang (for the admin screen, tests)

    # -- GUI thread ------------------------------------------------------------------------------

    @property
    def state(self) -> SpeechState:
        return self._state

    @property
    def volume(self) -> float:
        return self._volume

    def start(self) -> None:
        """Starts the worker and the watchdog (returns at once; the engine starts on the worker)."""
        with self._cond:
            if self._started or self._closing or not self._enabled:
                return
            self._started = True
            self._spawn_worker()
            watchdog = threading.Thread(target=self._watch, name="tts-watchdog", daemon=True)
            self._threads.append(watchdog)
        watchdog.start()

    def say(self, text: str, locale: str, *, slow: bool = False) -> None:
        """Interrupts whatever is being spoken and speaks ``text`` (in ``locale``'s voice)."""
        text = text.strip()
        if not text:
            self.stop()
            return
        rate = self._elderly_rate_wpm if slow else self._rate_wpm
        with self._cond:
            if not self._enabled or self._closing:
                return
            self._pending = Utterance(text, locale, rate, self._volume)
            self._cancel.set()
            self._cond.notify_all()

    def stop(self) -> None:
        """Stops speaking and forgets what was about to be said."""
        with self._cond:
            self._pending = None
            self._cancel.set()
            self._cond.notify_all()

    def set_volume(self, volume: float) -> None:
        """0..1, from the next utterance on."""
        self._volume = _clamp(volume)

    def close(self, timeout_s: float = 2.0) -> None:
        """Stops speaking, ends the engine and the threads; safe to call twice."""
        with self._cond:
            self._closing = True
            self._pending = None
            self._cancel.set()
            engine = self._busy_engine
            self._cond.notify_all()
            threads = list(self._threads)
        if engine is not None:
            engine.kill()  # the worker is in a call: end it now rather than at its end
        deadline = time.monotonic() + timeout_s
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                log.warning("speech thread %s did not stop in time", thread.name)

    # -- worker thread ---------------------------------------------------------------------------

    def _spawn_worker(self) -> None:
        """Called with the lock held."""
        self._generation += 1
        worker = threading.Thread(target=self._work, args=(self._generation,), name="tts", daemon=True)
        self._threads = [t for t in self._threads if t.is_alive()]
        self._threads.append(worker)
        worker.start()

    def _current(self, generation: int) -> bool:
        return not self._closing and generation == self._generation

    def _work(self, generation: int) -> None:
        engine: SpeechEngine | None = None
        failures = 0
        try:
            while True:
                if engine is None:
                    engine = self._new_engine(generation)
                    if engine is None:
                        failures += 1
                        if not self._back_off(generation, failures):
                            return
                        continue
                with self._cond:
                    while self._current(generation) and self._pending is None:
                        self._cond.wait()
                    if not self._current(generation):
                        return
                    utterance, self._pending = self._pending, None
                    cancel = self._cancel = threading.Event()
                if utterance is None:
                    continue
                if self._call(generation, engine, self._budget(utterance), _speaking(utterance, cancel)):
                    failures = 0
                    continue
                self._discard(engine)
                engine = None
                failures += 1
                if not self._back_off(generation, failures):
                    return
        finally:
            if engine is not None:
                self._close_engine(engine)

    def _new_engine(self, generation: int) -> SpeechEngine | None:
        try:
            engine = self._factory()
        except Exception as exc:
            self._failed(generation, "could not be created", exc)
            return None
        if self._call(generation, engine, self._prepare_budget_s, lambda e: e.prepare(), speaking=False):
            return engine
        self._discard(engine)
        return None

    def _call(
        self,
        generation: int,
        engine: SpeechEngine,
        budget_s: float,
        call: Callable[[SpeechEngine], None],
        *,
        speaking: bool = True,
    ) -> bool:
        """Runs one engine call under the watchdog; False when the engine must be replaced."""
        with self._cond:
            if not self._current(generation):
                return True  # closing: the finally of _work closes the engine
            self._busy_engine = engine
            self._busy_deadline = time.monotonic() + budget_s
            self._killed_at = None
            if speaking and self._state is not SpeechState.SILENT:
                self._state = SpeechState.SPEAKING
        try:
            call(engine)
        except NoAudioOutput as exc:
            self._set_state(generation, SpeechState.SILENT, str(exc))
            return True
        except Exception as exc:
            hung = self._killed_at is not None
            self._failed(generation, "hung and was killed" if hung else "failed", exc)
            return False
        finally:
            with self._cond:
                if generation == self._generation:
                    self._busy_engine = None
                    self._busy_deadline = None
        self._set_state(generation, SpeechState.READY)
        return True

    def _set_state(self, generation: int, state: SpeechState, reason: str = "") -> None:
        with self._cond:
            if generation != self._generation:
                return
            previous, self._state = self._state, state
        if state is SpeechState.SILENT and previous is not SpeechState.SILENT:
            log.warning("speech: no audio output, the kiosk speaks no more until one appears (%s)", reason)
        elif previous is SpeechState.SILENT and state is SpeechState.READY:
            log.info("speech: audio output is back")

    def _failed(self, generation: int, what: str, exc: BaseException) -> None:
        with self._cond:
            if not self._current(generation):
                return  # a worker left behind, or close() killed the engine on purpose
            self._state = SpeechState.RESTARTING
            self.restarts += 1
        # The type and the engine's own words only: never the text that was being spoken.
        log.warning("speech engine %s (%s: %s); restarting it", what, type(exc).__name__, exc)

    def _back_off(self, generation: int, failures: int) -> bool:
        """Waits before the next engine (interrupted by close); False when this worker must end."""
        pause = min(self._backoff_max, self._backoff_first * 2 ** (failures - 1))
        until = time.monotonic() + pause
        with self._cond:
            while self._current(generation) and (left := until - time.monotonic()) > 0:
                self._cond.wait(left)
            return self._current(generation)

    @classmethod
    def _discard(cls, engine: SpeechEngine) -> None:
        """A broken engine: killed first (a hung one would not close), then its resources freed."""
        with contextlib.suppress(Exception):
            engine.kill()
        cls._close_engine(engine)

    @staticmethod
    def _close_engine(engine: SpeechEngine) -> None:
        try:
            engine.close()
        except Exception:
            log.exception("speech engine did not close cleanly")

    # -- watchdog thread -------------------------------------------------------------------------

    def _watch(self) -> None:
        while True:
            overdue: SpeechEngine | None = None
            with self._cond:
                if self._closing:
                    return
                self._cond.wait(self._watch_interval_s)
                now = time.monotonic()
                engine, deadline = self._busy_engine, self._busy_deadline
                if self._closing or engine is None or deadline is None or now <= deadline:
                    continue
                if self._killed_at is None:
                    self._killed_at = now
                    overdue = engine
                    log.warning("speech engine overdue by %.1f s; killing it", now - deadline)
                elif now - self._killed_at > self._abandon_after_s:
                    # The worker is stuck inside the engine even after the kill: leave it behind.
                    log.error("speech worker stuck after the kill; starting a new one")
                    self._busy_engine = None
                    self._busy_deadline = None
                    self._state = SpeechState.RESTARTING
                    self.restarts += 1
                    self._spawn_worker()
            if overdue is not None:
                overdue.kill()  # outside the lock: say() and state never wait for an engine


def _speaking(utterance: Utterance, cancel: threading.Event) -> Callable[[SpeechEngine], None]:
    return lambda engine: engine.speak(utterance, cancel)


def _clamp(volume: float) -> float:
    if math.isnan(volume):
        return 0.0
    return min(1.0, max(0.0, float(volume)))


# -- languages --------------------------------------------------------------------------------


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def segments(text: str, locale: str) -> list[tuple[str, str]]:
    """``text`` cut into runs for each language's voice: Han characters for the Chinese voice,
    Latin words for the English one (a department name in an English prompt, "CT" in a Chinese
    one). Digits are read in the screen's language; spaces and punctuation stay in their run."""
    home = "zh_CN" if locale == "zh_CN" else "en"
    runs: list[list[str]] = []  # [language or "", text]
    for char in text:
        if _is_han(char):
            kind = "zh_CN"
        elif char.isascii() and char.isalpha():
            kind = "en"
        elif char.isdigit():
            kind = home
        else:
            kind = ""
        if runs and (not kind or not runs[-1][0] or runs[-1][0] == kind):
            runs[-1][1] += char
            runs[-1][0] = runs[-1][0] or kind
        else:
            runs.append([kind, char])
    result: list[tuple[str, str]] = []
    for kind, part in runs:
        language = kind or home
        if result and (result[-1][1] == language or not any(c.isalnum() for c in part)):
            result[-1] = (result[-1][0] + part, result[-1][1])  # punctuation alone is not a run
        elif part.strip():
            result.append((part, language))
    return [(part.strip(), language) for part, language in result if part.strip()]


# -- audio output -----------------------------------------------------------------------------


def _pulse_server() -> bool:
    if os.environ.get("PULSE_SERVER"):
        return True
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return runtime is not None and Path(runtime, "pulse", "native").exists()


def find_player() -> list[str] | None:
    """The command that plays a WAV file here: paplay with a PulseAudio/PipeWire server, else aplay."""
    if _pulse_server() and shutil.which("paplay"):
        return ["paplay"]
    if shutil.which("aplay"):
        return ["aplay", "-q"]
    return None


def audio_output_problem(cards: Path = Path("/proc/asound/cards")) -> str | None:
    """Why nothing can be heard here, or None when a device and a player are present. Cheap: the
    Speaker asks before every utterance, so a speaker plugged in later is used."""
    player = find_player()
    if player is None:
        return "no audio player (apt-get install alsa-utils for aplay)"
    if player[0] == "paplay":
        return None  # the sound server knows its sinks
    try:
        listing = cards.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return f"no sound card ({cards} does not exist)"
    if not listing.strip() or "no soundcards" in listing:
        return f"no sound card ({cards} lists none)"
    return None


# -- the espeak-ng engine ---------------------------------------------------------------------

_ROOT = Path(__file__).resolve().parent.parent.parent  # the folder holding the kiosk package
_WORKER_CODE = "from kiosk.voice.tts import synth_worker_main; synth_worker_main()"


def _private_dir() -> Path:
    """A folder only this user can read, in RAM where there is one: the WAVs may hold a name."""
    shm = Path("/dev/shm")  # noqa: S108 - mkdtemp below makes a private, randomly named folder
    parent = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="kiosk-tts-", dir=parent))


class EspeakEngine:
    """libespeak-ng in a child process that writes WAV files, played by aplay/paplay.

    Runs on the Speaker's worker thread; ``kill`` from any thread.
    """

    def __init__(
        self,
        voices: Mapping[str, str],
        *,
        player: Sequence[str] | None = None,
        audio_check: Callable[[], str | None] = audio_output_problem,
        start_timeout_s: float = 15.0,
        synth_timeout_s: float = 15.0,
    ) -> None:
        self._voices = dict(voices)
        self._player = list(player) if player is not None else None
        self._audio_check = audio_check
        self._start_timeout_s = start_timeout_s
        self._synth_timeout_s = synth_timeout_s
        self._lock = threading.Lock()  # guards the two processes against kill() from another thread
        self._child: subprocess.Popen[bytes] | None = None
        self._playing: subprocess.Popen[bytes] | None = None
        self._killed = False
        self._buffer = b""
        self._next_id = 0
        self._dir: Path | None = None

    @property
    def worker_pid(self) -> int | None:
        child = self._child
        return child.pid if child is not None else None

    # -- SpeechEngine ----------------------------------------------------------------------------

    def prepare(self) -> None:
        problem = self._audio_check()
        if problem is not None:
            raise NoAudioOutput(problem)
        self._ensure_child()

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        problem = self._audio_check()
        if problem is not None:
            raise NoAudioOutput(problem)
        player = self._player or find_player()
        if player is None:
            raise NoAudioOutput("no audio player")
        path = self._wav_path()
        try:
            seconds = self._synthesize(utterance, path, cancel)
            if seconds is not None and not cancel.is_set():
                self._play(player, path, seconds, cancel)
        finally:
            path.unlink(missing_ok=True)

    def kill(self) -> None:
        with self._lock:
            self._killed = True
            for process in (self._playing, self._child):
                if process is not None and process.poll() is None:
                    with contextlib.suppress(OSError):
                        process.kill()

    def close(self) -> None:
        with self._lock:
            child, self._child = self._child, None
            playing, self._playing = self._playing, None
        if playing is not None and playing.poll() is None:
            playing.kill()
            playing.wait(1)
        if child is not None:
            _end_child(child)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    # -- synthesis only (tests, measurements) ----------------------------------------------------

    def synthesize(self, utterance: Utterance, path: Path) -> float:
        """Writes ``utterance`` to the WAV file ``path``; returns its length in seconds."""
        seconds = self._synthesize(utterance, path, threading.Event())
        if seconds is None:  # pragma: no cover - only a cancel returns None
            raise SpeechFailed("synthesis cancelled")
        return seconds

    # -- the child -------------------------------------------------------------------------------

    def _wav_path(self) -> Path:
        if self._dir is None:
            self._dir = _private_dir()
        self._next_id += 1
        return self._dir / f"u{self._next_id}.wav"

    def _ensure_child(self) -> subprocess.Popen[bytes]:
        with self._lock:
            if self._killed:
                raise SpeechFailed("engine was killed")
            child = self._child
        if child is not None and child.poll() is None:
            return child
        if child is not None:
            raise SpeechFailed(f"synthesiser exited with status {child.returncode}")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), env.get("PYTHONPATH", "")) if p)
        child = subprocess.Popen(
            [sys.executable, "-c", _WORKER_CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        with self._lock:
            self._child = child
            killed = self._killed
        if killed:
            child.kill()
            raise SpeechFailed("engine was killed")
        reply = self._read_reply(child, None, threading.Event(), self._start_timeout_s)
        if reply is None or not reply.get("ready"):
            error = reply.get("error") if reply else "no answer"
            raise SpeechFailed(f"synthesiser did not start: {error}")
        return child

    def _synthesize(self, utterance: Utterance, path: Path, cancel: threading.Event) -> float | None:
        child = self._ensure_child()
        self._next_id += 1
        request_id = self._next_id
        request = {
            "id": request_id,
            "segments": [
                [part, self._voices[language]] for part, language in segments(utterance.text, utterance.locale)
            ],
            "rate": utterance.rate_wpm,
            "volume": utterance.volume,
            "path": str(path),
        }
        stdin = child.stdin
        if stdin is None:  # pragma: no cover - always a pipe
            raise SpeechFailed("synthesiser has no input")
        try:
            stdin.write(json.dumps(request, ensure_ascii=False).encode("utf-8") + b"\n")
            stdin.flush()
        except OSError as exc:
            raise SpeechFailed(f"synthesiser is gone ({exc})") from None
        reply = self._read_reply(child, request_id, cancel, self._synth_timeout_s)
        if reply is None:
            return None  # cancelled: its late reply is skipped by the next read
        if not reply.get("ok"):
            raise SpeechFailed(str(reply.get("error", "synthesis failed")))
        return float(reply["seconds"])

    def _read_reply(
        self, child: subprocess.Popen[bytes], request_id: int | None, cancel: threading.Event, timeout_s: float
    ) -> dict[str, Any] | None:
        """The child's answer to ``request_id`` (None: the ready line). None when cancelled."""
        stdout = child.stdout
        if stdout is None:  # pragma: no cover - always a pipe
            raise SpeechFailed("synthesiser has no output")
        fd = stdout.fileno()
        deadline = time.monotonic() + timeout_s
        while True:
            while b"\n" in self._buffer:
                line, self._buffer = self._buffer.split(b"\n", 1)
                reply = json.loads(line)
                if reply.get("id") == request_id:
                    return dict(reply)
                if reply.get("path"):  # the answer to a cancelled request: its file is not needed
                    Path(reply["path"]).unlink(missing_ok=True)
            if cancel.is_set() and request_id is not None:
                return None
            if time.monotonic() > deadline:
                self.kill()
                raise SpeechFailed(f"synthesiser gave no answer in {timeout_s:.0f} s")
            readable, _, _ = select.select([fd], [], [], 0.05)
            if readable:
                chunk = os.read(fd, 65536)
                if not chunk:
                    child.wait(1)
                    raise SpeechFailed(f"synthesiser exited (status {child.returncode})")
                self._buffer += chunk

    def _play(self, player: list[str], path: Path, seconds: float, cancel: threading.Event) -> None:
        with self._lock:
            if self._killed:
                raise SpeechFailed("engine was killed")
            process = subprocess.Popen(
                [*player, str(path)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            self._playing = process
        deadline = time.monotonic() + 3.0 + 1.5 * seconds
        try:
            while True:
                try:
                    status = process.wait(0.05)
                    break
                except subprocess.TimeoutExpired:
                    if cancel.is_set():
                        process.terminate()  # the screen changed: stop mid-word
                        process.wait(1)
                        return
                    if time.monotonic() > deadline:
                        process.kill()
                        process.wait(1)
                        raise SpeechFailed(f"{player[0]} hung") from None
            with self._lock:
                killed = self._killed
            if killed:
                raise SpeechFailed("engine was killed")
            if status != 0:
                error = process.stderr.read().decode("utf-8", "replace") if process.stderr else ""
                last = error.strip().splitlines()[-1] if error.strip() else f"status {status}"
                raise NoAudioOutput(f"{player[0]} failed: {last}")
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(1)
            if process.stderr is not None:
                process.stderr.close()
            with self._lock:
                self._playing = None


def _end_child(child: subprocess.Popen[bytes]) -> None:
    """Closes the child's input (it exits at end of input); kills it if it does not."""
    if child.stdin is not None:
        with contextlib.suppress(OSError):
            child.stdin.close()
    try:
        child.wait(1.0)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait(1.0)
    if child.stdout is not None:
        child.stdout.close()


class MuteEngine:
    """Says nothing, at once: for an offscreen kiosk (tests, screenshots, the demo tour), where a
    real voice would only talk over the developer."""

    def prepare(self) -> None:
        pass

    def speak(self, utterance: Utterance, cancel: threading.Event) -> None:
        pass

    def kill(self) -> None:
        pass

    def close(self) -> None:
        pass


def build_speaker(voice: VoiceSection, engine_factory: EngineFactory | None = None) -> Speaker:
    """The kiosk's Speaker from its ``voice:`` configuration (not started)."""
    voices = {"zh_CN": voice.voices.zh_CN, "en": voice.voices.en}
    factory = engine_factory if engine_factory is not None else (lambda: EspeakEngine(voices))
    return Speaker(
        factory,
        rate_wpm=voice.rate_wpm,
        elderly_rate_wpm=voice.elderly_rate_wpm,
        volume=voice.volume,
        enabled=voice.enabled,
    )


# -- the synthesiser child process -----------------------------------------------------------


class _Synthesizer:
    """libespeak-ng through pyttsx3's ctypes binding, in espeak's synchronous mode.

    Not pyttsx3's Engine: with espeak-ng it runs synthesis on espeak's own thread and races with
    it. ``runAndWait`` returns before the audio is written, callback errors are swallowed, and
    rate changes land out of order (measured: 130, 170 and 450 wpm requests gave identical
    lengths in about half of the runs). In synchronous mode every call takes effect at once and
    ``Synth`` returns with all samples delivered, on this one thread.
    """

    def __init__(self) -> None:
        from pyttsx3.drivers import _espeak  # noqa: PLC0415 - only the child process loads espeak

        self._espeak: Any = _espeak
        rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 500)
        if rate <= 0:
            raise SpeechFailed("libespeak-ng did not initialise")
        self.sample_rate = int(rate)
        self._samples: list[bytes] = []
        _espeak.SetSynthCallback(self._on_synth)
        self._known = {v.identifier.decode("utf-8").lower(): v.identifier for v in _espeak.ListVoices(None)}
        self._voice: bytes | None = None

    def _on_synth(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0:
            self._samples.append(ctypes.string_at(wav, count * 2))  # 16-bit mono
        return 0  # go on

    def voice_id(self, voice: str) -> bytes:
        wanted = voice.lower()
        if wanted in self._known:
            return bytes(self._known[wanted])
        matches = sorted(k for k in self._known if k.endswith("/" + wanted))
        if not matches:
            raise SpeechFailed(f"espeak-ng has no voice {voice!r}")
        return bytes(self._known[matches[0]])

    def to_wav(self, parts: list[tuple[str, str]], rate: int, volume: float, path: Path) -> float:
        espeak = self._espeak
        voiced: list[bytes] = []
        for text, voice in parts:
            voice_id = self.voice_id(voice)
            if voice_id != self._voice:
                if espeak.SetVoiceByName(voice_id) != 0:
                    raise SpeechFailed(f"espeak-ng refused voice {voice!r}")
                self._voice = voice_id
            self._samples = []
            espeak.SetParameter(espeak.RATE, int(rate), 0)
            espeak.SetParameter(espeak.VOLUME, 100, 0)  # espeak's own level; loudness is set below
            status = espeak.Synth(text, flags=espeak.CHARS_UTF8 | espeak.ENDPAUSE)
            if status != 0:
                raise SpeechFailed(f"espeak-ng synthesis failed (status {status})")
            # Each voice's part at the same loudness, then the patient's volume.
            voiced.append(normalised(b"".join(self._samples), self.sample_rate, volume))
        audio = b"".join(voiced)
        self._samples = []
        if not audio:
            raise SpeechFailed("espeak-ng wrote no audio")
        partial = path.with_name(path.name + ".part")
        with wave.open(str(partial), "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(self.sample_rate)
            writer.writeframes(audio)
        partial.replace(path)  # a player never sees half a file
        return len(audio) / 2 / self.sample_rate


# -- loudness ---------------------------------------------------------------------------------

# Every voice's speech at this level at full volume (dBFS: the RMS of its 20 ms frames within 30 dB
# of its loudest, i.e. speech without the pauses). espeak-ng's voices differ: measured at espeak
# volume 80, sit/cmn-latn-pinyin -20.1 dBFS and en-us -22.5 dBFS (three prompts each,
# measure_loudness), so English was 2.4 dB quieter than Chinese.
TARGET_DBFS = -18.0
PEAK_LIMIT = 0.97  # of full scale: louder is never bought with clipping
_FRAME_S = 0.02
_ACTIVE_DB = 30.0


def speech_level_dbfs(pcm: bytes, sample_rate: int) -> float:
    """The speech level of 16-bit mono ``pcm`` (see TARGET_DBFS); -inf for silence."""
    samples = array.array("h", pcm)
    width = max(1, int(sample_rate * _FRAME_S))
    energies = [
        sum(x * x for x in samples[i : i + width]) / width for i in range(0, max(1, len(samples) - width + 1), width)
    ]
    loudest = max(energies, default=0.0)
    if loudest <= 0:
        return -math.inf
    active = [e for e in energies if e >= loudest / 10 ** (_ACTIVE_DB / 10)]
    return 10 * math.log10(sum(active) / len(active) / 32768.0**2)


def normalised(pcm: bytes, sample_rate: int, volume: float) -> bytes:
    """``pcm`` brought to TARGET_DBFS, then scaled by ``volume`` (0..1), its peaks under PEAK_LIMIT."""
    level = speech_level_dbfs(pcm, sample_rate)
    samples = array.array("h", pcm)
    if not samples or math.isinf(level):
        return pcm
    gain = 10 ** ((TARGET_DBFS - level) / 20) * _clamp(volume)
    peak = max(abs(x) for x in samples)
    if peak:
        gain = min(gain, PEAK_LIMIT * 32767 / peak)
    return array.array("h", (round(x * gain) for x in samples)).tobytes()


def measure_loudness(
    texts: Mapping[str, Sequence[str]] | None = None, *, rate_wpm: int = 170, volume: float = 0.8
) -> dict[str, float]:
    """Each voice's speech level in dBFS as the kiosk writes it (in this process: loads espeak)."""
    texts = texts or {
        "sit/cmn-latn-pinyin": ("请将身份证放在读卡区。", "请用手机钱包扫描二维码，并确认支付二十三元五角。"),
        "en-us": ("Place your ID card on the reader.", "Scan the code with your wallet app and pay twenty yuan."),
    }
    synthesizer = _Synthesizer()
    levels: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="kiosk-loudness-") as folder:
        for voice, phrases in texts.items():
            measured = []
            for index, phrase in enumerate(phrases):
                path = Path(folder) / f"{index}.wav"
                synthesizer.to_wav([(phrase, voice)], rate_wpm, volume, path)
                with wave.open(str(path)) as reader:
                    measured.append(speech_level_dbfs(reader.readframes(reader.getnframes()), reader.getframerate()))
            levels[voice] = statistics.fmean(measured)
    return levels


def synth_worker_main() -> None:
    """The child process: one JSON request a line on stdin, one JSON answer a line on the
    original stdout; ends at end of input."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which ends this
    answers: IO[str] = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nothing the libraries print may corrupt the answers
    os.close(devnull)

    def answer(message: dict[str, Any]) -> None:
        answers.write(json.dumps(message, ensure_ascii=False) + "\n")

    try:
        synthesizer = _Synthesizer()
    except Exception as exc:
        answer({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return
    answer({"ready": True})
    for line in sys.stdin:
        request = json.loads(line)
        reply: dict[str, Any] = {"id": request["id"], "path": request["path"]}
        try:
            parts = [(str(text), str(voice)) for text, voice in request["segments"]]
            seconds = synthesizer.to_wav(parts, int(request["rate"]), float(request["volume"]), Path(request["path"]))
            reply.update(ok=True, seconds=seconds)
        except Exception as exc:
            reply.update(ok=False, error=f"{type(exc).__name__}: {exc}")
        answer(reply)


# -- measurement ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FirstAudio:
    """Text-to-first-audio figures of the real engine (seconds), and its worker's memory."""

    cold_s: float  # a fresh engine: child process start + first synthesis
    warm_s: tuple[float, ...]  # each later utterance: text in, WAV ready for the player
    worker_rss_kb: int | None

    @property
    def warm_median_s(self) -> float:
        return statistics.median(self.warm_s)


def _rss_kb(pid: int) -> int | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:
        return None
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) if match else None


def measure_first_audio(
    texts: Mapping[str, str] | None = None,
    *,
    voices: Mapping[str, str] | None = None,
    rate_wpm: int = 170,
    runs: int = 5,
    folder: Path | None = None,
) -> FirstAudio:
    """Times the real engine from text to a playable WAV (the moment the player would start)."""
    texts = texts or {
        "zh_CN": "请用手机钱包扫描二维码，并确认支付23.50元。",
        "en": "Scan the code with your wallet app and confirm the payment of 23.50 yuan.",
    }
    voices = voices or {"zh_CN": "sit/cmn-latn-pinyin", "en": "en-us"}
    engine = EspeakEngine(voices, audio_check=lambda: None)
    owned = folder is None
    out = folder if folder is not None else _private_dir()
    try:
        utterances = [Utterance(text, locale, rate_wpm, 0.8) for locale, text in texts.items()]
        began = time.perf_counter()
        engine.synthesize(utterances[0], out / "cold.wav")
        cold = time.perf_counter() - began
        warm = []
        for index in range(runs):
            for utterance in utterances:
                began = time.perf_counter()
                engine.synthesize(utterance, out / f"warm{index}.wav")
                warm.append(time.perf_counter() - began)
        pid = engine.worker_pid
        return FirstAudio(cold, tuple(warm), _rss_kb(pid) if pid is not None else None)
    finally:
        engine.close()
        if owned:
            shutil.rmtree(out, ignore_errors=True)


def wav_stats(path: Path) -> tuple[float, float]:
    """(seconds, RMS amplitude 0..1) of a 16-bit mono WAV: proof that it holds speech, not silence."""
    import array  # noqa: PLC0415

    with wave.open(str(path), "rb") as reader:
        rate = reader.getframerate()
        samples = array.array("h", reader.readframes(reader.getnframes()))
    if not samples:
        return 0.0, 0.0
    rms = math.sqrt(sum(s * s for s in samples) / len(samples)) / 32768.0
    return len(samples) / rate, rms


def iter_voices() -> Iterator[str]:
    """The espeak-ng voice files installed (``espeak-ng --voices``), lowercase; for kiosk doctor."""
    result = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, timeout=20, check=False)
    for line in result.stdout.splitlines()[1:]:
        columns = line.split()
        if len(columns) >= 5:
            yield columns[4].lower()
