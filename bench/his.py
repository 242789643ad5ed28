"""HIS benchmark: gateway call overhead against the simulator, and the simulator's request rate.

    .venv/bin/python bench/his.py [--iterations 200] [--seconds 5] [--clients 4]

Per call kind it reports the wall time of a gateway call and the client's own share of it
(wall time minus the time the simulator spent handling the requests of that call), median and
p95. Goal: client overhead under 5 ms median. Then it drives the simulator with several clients
at once (a mix of searches and reads) and reports sustained requests per second; goal: at least
200 req/s on 2 cores (client and server share the machine here, so the figure is conservative).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests

from kiosk.config import HisSection
from kiosk.domain import Identifier, IdentifierKind
from kiosk.his.fhir import FhirHisGateway
from kiosk.his.simulator import HisSimulator
from kiosk.his.simulator.api import ApiRequest, ApiResponse


class ServerTimer:
    """Wraps the simulator's request handler to add up server time (single caller at a time)."""

    def __init__(self, sim: HisSimulator) -> None:
        self.total = 0.0
        self._handle = sim.api.handle
        sim.api.handle = self._timed  # type: ignore[method-assign]

    def _timed(self, request: ApiRequest) -> ApiResponse:
        started = time.perf_counter()
        try:
            return self._handle(request)
        finally:
            self.total += time.perf_counter() - started


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure(name: str, call: Callable[[int], Any], timer: ServerTimer, iterations: int) -> tuple[str, ...]:
    walls: list[float] = []
    clients: list[float] = []
    for index in range(iterations):
        timer.total = 0.0
        started = time.perf_counter()
        call(index)
        wall = time.perf_counter() - started
        walls.append(wall * 1000)
        clients.append((wall - timer.total) * 1000)
    return (
        name,
        f"{statistics.median(walls):.2f}",
        f"{percentile(walls, 0.95):.2f}",
        f"{statistics.median(clients):.2f}",
        f"{percentile(clients, 0.95):.2f}",
    )


def gateway_overhead(sim: HisSimulator, iterations: int) -> None:
    settings = HisSection(mode="simulator")
    gw = FhirHisGateway(settings, sim.base_url)
    timer = ServerTimer(sim)
    try:
        card = Identifier(IdentifierKind.VISIT_CARD, "8800000001")
        patient = gw.find_patient(card)
        day = sim.clock.now().date() + timedelta(days=1)
        departments = gw.departments()
        slots = [s for d in departments for s in gw.slots(d.id, day)]
        reports = [r for r in gw.reports(patient.id) if r.has_pdf]
        bill_patients = [f"pat-{n:04d}" for n in range(1, 201)]
        rows = [
            measure("find_patient", lambda i: gw.find_patient(card), timer, iterations),
            measure("departments", lambda i: gw.departments(), timer, iterations),
            measure("slots (2 requests)", lambda i: gw.slots(departments[i % 12].id, day), timer, iterations),
            measure(
                "book",
                lambda i: gw.book(f"pat-{i % 200 + 1:04d}", slots[i % len(slots)], f"bench-{time.time_ns()}-{i}"),
                timer,
                min(iterations, 150),
            ),
            measure("appointments_on", lambda i: gw.appointments_on(patient.id, day), timer, iterations),
            measure("unpaid_bills", lambda i: gw.unpaid_bills(bill_patients[i % 200]), timer, iterations),
            measure("reports", lambda i: gw.reports(patient.id), timer, iterations),
            measure("report_pdf (2 requests)", lambda i: gw.report_pdf(reports[0]), timer, iterations),
        ]
    finally:
        gw.close()
    header = ("call", "wall p50 ms", "wall p95 ms", "client p50 ms", "client p95 ms")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


def sustained_rate(sim: HisSimulator, seconds: float, clients: int) -> None:
    stop = threading.Event()
    counts = [0] * clients
    errors = [0] * clients
    day = (sim.clock.now().date() + timedelta(days=1)).isoformat()

    def worker(index: int) -> None:
        with requests.Session() as session:
            n = 0
            while not stop.is_set():
                n += 1
                kind = n % 3
                if kind == 0:
                    url, params = f"{sim.base_url}/Patient", {"identifier": f"|{8800000000 + n % 200 + 1:010d}"}
                elif kind == 1:
                    url, params = (
                        f"{sim.base_url}/Slot",
                        {"schedule": f"Schedule/sch-{n % 40 + 1:03d}", "start": f"ge{day}", "status": "free"},
                    )
                else:
                    url, params = f"{sim.base_url}/Invoice/inv-{n % 100 + 1:04d}-1", {}
                response = session.get(url, params=params, timeout=10)
                if response.status_code not in (200, 404):
                    errors[index] += 1
                counts[index] += 1
                response.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    total = sum(counts)
    print(
        f"simulator: {total} requests in {elapsed:.1f} s with {clients} clients = {total / elapsed:.0f} req/s "
        f"({sum(errors)} errors)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    with HisSimulator() as sim:
        gateway_overhead(sim, args.iterations)
        sustained_rate(sim, args.seconds, args.clients)


if __name__ == "__main__":
    main()
