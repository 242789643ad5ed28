"""Text-to-first-audio latency of the speech engine, and the memory of its worker process.

Runs the real engine (libespeak-ng in its child process) and times, per language, how long a
prompt takes from text to a WAV file ready for the player: the moment audio can start. "cold"
includes starting the worker process (the kiosk does that after the first frame, so only a
restarted engine pays it while a patient waits). Prints figures; not a timed test.

    .venv/bin/python bench/tts.py [--runs 20] [--rate 170]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.voice.tts import EspeakEngine, Speaker, measure_first_audio

VOICES = {"zh_CN": "sit/cmn-latn-pinyin", "en": "en-us"}

PROMPTS = {
    "zh_CN": "请用手机钱包扫描二维码，并确认支付23.50元。",
    "en": "Scan the code with your wallet app and confirm the payment of 23.50 yuan.",
}


def say_to_player(locale: str, text: str, runs: int) -> list[float]:
    """Seconds from Speaker.say on the caller's thread to the player process running (a stand-in
    player that only marks that it started): thread hand-off, synthesis and process start."""
    with tempfile.TemporaryDirectory() as folder:
        marker = Path(folder) / "started"
        player = ["sh", "-c", f'touch "{marker}"']
        speaker = Speaker(lambda: EspeakEngine(VOICES, player=player, audio_check=lambda: None))
        speaker.start()
        try:
            speaker.say("warm up", "en")
            _wait(marker)
            times = []
            for _ in range(runs):
                marker.unlink(missing_ok=True)
                began = time.perf_counter()
                speaker.say(text, locale)
                _wait(marker)
                times.append(time.perf_counter() - began)
            return times
        finally:
            speaker.close()


def _wait(marker: Path) -> None:
    deadline = time.monotonic() + 20
    while not marker.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the player never started")
        time.sleep(0.0005)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rate", type=int, default=170, help="words a minute (130: elderly mode)")
    args = parser.parse_args()
    for locale, text in PROMPTS.items():
        figures = measure_first_audio({locale: text}, rate_wpm=args.rate, runs=args.runs)
        warm = sorted(figures.warm_s)
        p95 = warm[min(len(warm) - 1, round(0.95 * (len(warm) - 1)))]
        print(
            f"{locale:5}  cold {figures.cold_s * 1000:6.1f} ms   warm median {statistics.median(warm) * 1000:5.1f} ms"
            f"   p95 {p95 * 1000:5.1f} ms   max {warm[-1] * 1000:5.1f} ms   ({len(warm)} runs, {len(text)} chars)"
        )
        if figures.worker_rss_kb is not None:
            print(f"       worker process RSS {figures.worker_rss_kb / 1024:.1f} MB")
        whole = sorted(say_to_player(locale, text, args.runs))
        median = statistics.median(whole) * 1000
        print(f"       say() to player running: median {median:.1f} ms, max {whole[-1] * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
