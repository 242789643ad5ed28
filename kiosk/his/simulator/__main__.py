"""``python -m kiosk.his.simulator`` (and ``kiosk his-sim``): run the HIS simulator until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from types import FrameType

from kiosk.his.simulator.server import HisSimulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk his-sim",
        description="Serve the simulated HIS (FHIR R4 subset, fictitious data) over HTTP.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free port, printed at start)")
    parser.add_argument("--db", type=Path, default=None, help="SQLite file (default: in memory, lost at exit)")
    parser.add_argument("--seed", type=int, default=20240501, help="seed of the generated hospital data")
    parser.add_argument("--patients", type=int, default=200, help="number of seeded patients")
    parser.add_argument("--now", default=None, help="freeze the simulator clock (ISO date-time, HIS time zone)")
    parser.add_argument(
        "--hold-minutes", type=int, default=15, help="minutes a booking is held for its registration fee (default 15)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if not 0 <= args.port <= 65535:
        print("error: --port must be 0-65535", file=sys.stderr)
        return 2
    if args.hold_minutes < 1:
        print("error: --hold-minutes must be at least 1", file=sys.stderr)
        return 2
    try:
        now = datetime.fromisoformat(args.now) if args.now else None
    except ValueError:
        print("error: --now must be an ISO date-time such as 2024-05-01T08:30", file=sys.stderr)
        return 2
    if args.db is not None:
        args.db.parent.mkdir(parents=True, exist_ok=True)
    done = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        done.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        with HisSimulator(
            args.db,
            seed=args.seed,
            host=args.host,
            port=args.port,
            now=now,
            patients=args.patients,
            hold_time=timedelta(minutes=args.hold_minutes),
        ) as sim:
            print(f"HIS simulator: FHIR base {sim.base_url}  (Ctrl-C to stop)", flush=True)
            try:
                while not done.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    except OSError as exc:
        print(f"error: cannot start the simulator: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
