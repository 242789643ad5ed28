"""Flow benchmark: how fast the screens answer a tap, how long each flow keeps the machine busy,
and how many taps each flow needs. Not a test; it prints figures.

    .venv/bin/python bench/flows.py [--runs 10] [--latency-ms 0 50]

Runs each service's happy walk (kiosk/tour/walks.py HAPPY_PATHS) offscreen at 1920x1080, with
the tour's driver, each run in a fresh world (HIS simulator, simulated devices, payment sandbox),
once per HIS latency (the simulator's fault injection delays every request).

- Tap → next screen painted: from the patient's touch (before the mouse press is sent) to the
  first paint of the main window showing a different view: the spinner when the flow calls the
  HIS, the answer otherwise. Goal: p95 under 100 ms with the simulator at 0 ms.
- Tap → the step's screen painted: to the first paint of the screen the step waits for (the
  answer after the HIS's round trips).
- Machine time per flow, with instant simulators (HIS 0 ms, the sandbox polled every 20 ms and
  approved at once, the ID card reader polled every 50 ms, its fastest): the tile tap to the
  goodbye screen painted, and from "Yes, that is me" on.
- The first run of each walk warms up (imports, the first layout of each screen) and is not counted.
- Taps after identification: touches on buttons and list rows once the patient confirmed who they
  are (cards, scans and the phone's approval are not taps). Goals: registration at most 6,
  payment at most 3, reports at most 2.

Paints are seen through an application-wide event filter on QEvent.Paint: the offscreen platform
really paints (into its backing store), and the count is printed as a check.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QWidget

from kiosk.config import Config, load_config
from kiosk.flows.views import View
from kiosk.tour.driver import Tap
from kiosk.tour.run import run_walk
from kiosk.tour.walks import HAPPY_PATHS, Step, Walk
from kiosk.tour.world import DemoWorld

ROOT = Path(__file__).resolve().parent.parent
TAP_GOALS = {"registration": 6, "payment": 3, "reports": 2}  # taps after identification, at most
NEXT_SCREEN_GOAL_MS = 100.0


class PaintProbe(QObject):
    """Notes every paint of the kiosk's window: when, and which view the runner showed then."""

    def __init__(self, world: DemoWorld) -> None:
        super().__init__()
        self._window = world.kiosk.window
        self._runner = world.kiosk.runner
        self.paints: list[tuple[float, View | None]] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and isinstance(watched, QWidget) and watched.window() is self._window:
            self.paints.append((time.perf_counter(), self._runner.current_view))
        return False

    def first(self, after: float, accept: object) -> float | None:
        """When the first paint after ``after`` showing a view ``accept`` takes happened."""
        for at, view in self.paints:
            if at >= after and callable(accept) and accept(view):
                return at
        return None


@dataclass
class Figures:
    next_ms: list[float] = field(default_factory=list)
    step_ms: list[float] = field(default_factory=list)
    slow_steps: dict[str, list[float]] = field(default_factory=dict)
    flow_s: dict[str, list[float]] = field(default_factory=dict)
    after_id_s: dict[str, list[float]] = field(default_factory=dict)
    taps: dict[str, int] = field(default_factory=dict)
    paints: int = 0
    missing: int = 0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def one_walk(
    qapp: QApplication, workdir: Path, *, config: Config, service: str, walk: Walk, latency_s: float, figures: Figures
) -> None:
    with DemoWorld(config, qapp, workdir, his_latency_s=latency_s, poll_s=0.02, card_poll_s=0.05) as world:
        driver = world.driver
        probe = PaintProbe(world)
        qapp.installEventFilter(probe)
        try:
            seen = [0]

            def after(step: Step, view: View) -> None:
                taps: list[Tap] = driver.taps[seen[0] :]
                seen[0] = len(driver.taps)
                if not taps:
                    return
                driver.wait_until(lambda: probe.first(taps[-1].at, lambda v: v is view) is not None, 2, "a paint")
                for tap in taps:
                    changed = probe.first(tap.at, lambda v, before=tap.view_before: v is not before)
                    if changed is None:
                        figures.missing += 1
                    else:
                        figures.next_ms.append((changed - tap.at) * 1000)
                painted = probe.first(taps[-1].at, lambda v: v is view)
                if painted is not None:
                    ms = (painted - taps[-1].at) * 1000
                    figures.step_ms.append(ms)
                    figures.slow_steps.setdefault(f"{walk.name}/{step.name}", []).append(ms)

            run_walk(world, walk, after)
            ended = probe.paints[-1][0]
            figures.flow_s.setdefault(service, []).append(ended - driver.taps[0].at)
            identified = [i for i, tap in enumerate(driver.taps) if tap.identified]
            if identified and identified[0] > 0:
                yes_tap = driver.taps[identified[0] - 1]
                figures.after_id_s.setdefault(service, []).append(ended - yes_tap.at)
            figures.taps[service] = len(identified)
            figures.paints += len(probe.paints)
        finally:
            qapp.removeEventFilter(probe)


def row(values: list[float]) -> str:
    """p50, p95 and max in ms, aligned."""
    return f"{statistics.median(values):6.1f}   {percentile(values, 0.95):6.1f}   {max(values):6.1f}"


def report(latencies: list[int], results: dict[int, Figures], runs: int) -> None:
    print(f"\nTap → next screen painted (goal: p95 under {NEXT_SCREEN_GOAL_MS:.0f} ms with the HIS at 0 ms)")
    print("  HIS latency   taps   p50 ms   p95 ms   max ms")
    for latency in latencies:
        f = results[latency]
        p95 = percentile(f.next_ms, 0.95)
        verdict = ("  met" if p95 < NEXT_SCREEN_GOAL_MS else "  MISSED") if latency == 0 else ""
        print(f"  {latency:>4} ms     {len(f.next_ms):>5}   {row(f.next_ms)}{verdict}")
    print("\nTap → the step's screen painted (after the HIS's answers)")
    print("  HIS latency  steps   p50 ms   p95 ms   max ms")
    for latency in latencies:
        f = results[latency]
        print(f"  {latency:>4} ms     {len(f.step_ms):>5}   {row(f.step_ms)}")
    print("\n  slowest steps, median ms at " + ", ".join(f"{lat} ms" for lat in latencies) + " HIS latency:")
    first = results[latencies[0]]
    slowest = sorted(first.slow_steps, key=lambda k: statistics.median(first.slow_steps[k]), reverse=True)[:6]
    for name in slowest:
        cells = "  ".join(f"{statistics.median(results[lat].slow_steps.get(name, [0.0])):6.1f}" for lat in latencies)
        print(f"    {name:<32} {cells}")
    base = results[min(latencies)]
    print(f"\nMachine time per flow, instant simulators (HIS {min(latencies)} ms), median of {runs} runs")
    print("  flow           tile → goodbye s   yes → goodbye s")
    for service, times in base.flow_s.items():
        after = base.after_id_s.get(service, [float("nan")])
        print(f"  {service:<14} {statistics.median(times):>16.2f}   {statistics.median(after):>15.2f}")
    print("\nTaps after identification (buttons and list rows)")
    print("  flow           taps   goal")
    for service in dict.fromkeys([*base.taps, *TAP_GOALS]):
        goal = TAP_GOALS.get(service)
        if service not in base.taps:
            print(f"  {service:<14} {'-':>4}   at most {goal} (no walk yet: add it to HAPPY_PATHS)")
            continue
        taps = base.taps[service]
        verdict = "" if goal is None else f"at most {goal}: {'met' if taps <= goal else 'MISSED'}"
        print(f"  {service:<14} {taps:>4}   {verdict}")
    paints, missing = sum(f.paints for f in results.values()), sum(f.missing for f in results.values())
    print(f"\npaint events seen: {paints}; taps without a new screen painted: {missing}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10, help="runs of each walk per latency (default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each walk first (default: %(default)s)")
    parser.add_argument("--latency-ms", type=int, nargs="+", default=[0, 50], help="HIS latencies (default: 0 50)")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    args = parser.parse_args()
    qapp = QApplication(["bench-flows"])
    walks = ", ".join(f"{s} ({w.name})" for s, w in HAPPY_PATHS.items())
    print(f"bench/flows.py: {args.runs} runs of each happy walk per HIS latency: {walks}")
    config = load_config(args.config)
    results: dict[int, Figures] = {}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-flows-") as scratch:
        count = 0
        for _ in range(args.warmup):  # first use of each screen, the imports: not what a patient meets
            for service, walk in HAPPY_PATHS.items():
                count += 1
                workdir = Path(scratch) / str(count)
                one_walk(qapp, workdir, config=config, service=service, walk=walk, latency_s=0.0, figures=Figures())
        for latency in args.latency_ms:
            figures = results[latency] = Figures()
            for _ in range(args.runs):
                for service, walk in HAPPY_PATHS.items():
                    count += 1
                    workdir = Path(scratch) / str(count)
                    one_walk(
                        qapp,
                        workdir,
                        config=config,
                        service=service,
                        walk=walk,
                        latency_s=latency / 1000,
                        figures=figures,
                    )
    print(f"({count} walks, {args.warmup} warm-up run(s) of each untimed, in {time.monotonic() - started:.0f} s)")
    report(args.latency_ms, results, args.runs)


if __name__ == "__main__":
    main()
