"""Start-up benchmark: process start to the first painted frame of the home screen, and memory.

Runs ``kiosk run`` offscreen with the demo configuration N times. For each run it takes the time
from spawning the process to the window's "first frame painted" log line, then lets the kiosk sit
idle, reads its resident memory (VmRSS), and stops it with SIGTERM (timing a clean shutdown).
Prints the median and spread; goals: median under 1.5 s, RSS under 200 MB.

    .venv/bin/python bench/startup.py [--runs 10] [--idle 3]
"""

from __future__ import annotations

import argparse
import os
import re
import selectors
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIRST_PAINT = re.compile(r"first_paint_unix=(\d+\.\d+)")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def one_run(idle_s: float) -> tuple[float, float, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    command = [sys.executable, "-m", "kiosk.cli", "run", "--config", str(ROOT / "config.yaml")]
    started = time.time()
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, env=env, text=True)
    try:
        assert proc.stderr is not None
        selector = selectors.DefaultSelector()
        selector.register(proc.stderr, selectors.EVENT_READ)
        painted = None
        deadline = time.monotonic() + 30
        while painted is None and time.monotonic() < deadline:
            if not selector.select(timeout=1):
                continue
            line = proc.stderr.readline()
            if not line:
                break
            match = FIRST_PAINT.search(line)
            if match:
                painted = float(match.group(1))
        selector.close()
        if painted is None:
            raise RuntimeError("the kiosk never reported its first frame")
        time.sleep(idle_s)
        memory = rss_mb(proc.pid)
        stop_started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=15)
        stop_s = time.monotonic() - stop_started
        if code != 0:
            raise RuntimeError(f"the kiosk exited with {code} after SIGTERM")
        return painted - started, memory, stop_s
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before reading memory")
    args = parser.parse_args()
    first_paint, memory, stop = [], [], []
    for n in range(args.runs):
        paint_s, rss, stop_s = one_run(args.idle)
        first_paint.append(paint_s)
        memory.append(rss)
        stop.append(stop_s)
        print(
            f"run {n + 1:2d}: first frame {paint_s * 1000:6.0f} ms   RSS {rss:5.1f} MB"
            f"   SIGTERM->exit {stop_s * 1000:4.0f} ms"
        )
    print()
    print(
        f"first frame: median {statistics.median(first_paint) * 1000:.0f} ms "
        f"(min {min(first_paint) * 1000:.0f}, max {max(first_paint) * 1000:.0f}) - goal < 1500 ms"
    )
    print(f"RSS at idle: median {statistics.median(memory):.1f} MB (max {max(memory):.1f}) - goal < 200 MB")
    print(f"shutdown:    median {statistics.median(stop) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
