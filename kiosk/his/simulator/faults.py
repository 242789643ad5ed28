"""Fault injection for the simulator, switchable at run time per route.

A :class:`Fault` applies to requests whose route matches ``route`` ("GET Patient",
"POST Appointment", "* Slot", "GET *", "*"), for the next ``times`` matching requests or until
cleared. Latency faults add up and then let the request proceed; the first other fault decides
the outcome. Thread-safe: tests and the ``/_sim/faults`` control endpoint change the plan while
handler threads read it.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Literal

FaultKind = Literal["latency", "status", "reset", "reset_mid_body", "timeout", "malformed"]
FAULT_KINDS: tuple[FaultKind, ...] = ("latency", "status", "reset", "reset_mid_body", "timeout", "malformed")

HTML_ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>"
)


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    route: str = "*"
    times: int | None = None  # None: until cleared
    seconds: float = 0.0  # latency, or how long a timeout hangs before the connection is dropped
    status: int = 500  # for kind "status"; also the status sent with a malformed body
    body: bytes | None = None  # replacement body; None = an OperationOutcome / the real body truncated
    content_type: str = "application/fhir+json; charset=utf-8"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1 (or None for until cleared)")
        if self.seconds < 0 or not 100 <= self.status <= 599:
            raise ValueError("seconds must be >= 0 and status a valid HTTP status")
        if self.kind in ("latency", "timeout") and self.seconds <= 0:
            raise ValueError(f"a {self.kind} fault needs seconds > 0")

    def matches(self, method: str, rtype: str) -> bool:
        want_method, _, want_type = self.route.partition(" ")
        if not want_type:  # "*" or "Patient" alone
            want_method, want_type = ("*", want_method)
        return want_method in ("*", method) and want_type in ("*", rtype)

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """A fault from the control endpoint's JSON ({"kind": ..., "body": text...})."""
        if not isinstance(data, dict):
            raise ValueError("a fault is a JSON object")
        allowed = {"kind", "route", "times", "seconds", "status", "body", "content_type"}
        unknown = set(data) - allowed
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        body = data.get("body")
        if body is not None and not isinstance(body, str):
            raise ValueError("body must be text")
        try:
            return cls(
                kind=data["kind"],
                route=str(data.get("route", "*")),
                times=None if data.get("times") is None else int(data["times"]),
                seconds=float(data.get("seconds", 0.0)),
                status=int(data.get("status", 500)),
                body=body.encode("utf-8") if body is not None else None,
                content_type=str(data.get("content_type", cls.content_type)),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"invalid fault: {exc}") from None

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "route": self.route,
            "times": self.times,
            "seconds": self.seconds,
            "status": self.status,
            "body": self.body.decode("utf-8", "replace") if self.body is not None else None,
            "content_type": self.content_type,
        }


class FaultPlan:
    """The active faults and a count of requests seen per route."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._hits: Counter[str] = Counter()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def active(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def hits(self, route: str = "*") -> int:
        """How many FHIR requests matching ``route`` arrived (retries count separately)."""
        probe = Fault("status", route=route)
        with self._lock:
            total = 0
            for key, count in self._hits.items():
                method, _, rtype = key.partition(" ")
                if probe.matches(method, rtype):
                    total += count
            return total

    def reset_hits(self) -> None:
        with self._lock:
            self._hits.clear()

    def take(self, method: str, rtype: str) -> tuple[float, Fault | None]:
        """Records a request and returns (added latency, the deciding fault or None)."""
        with self._lock:
            self._hits[f"{method} {rtype}"] += 1
            latency = 0.0
            decisive: Fault | None = None
            kept: list[Fault] = []
            for fault in self._faults:
                applies = fault.matches(method, rtype) and (fault.kind == "latency" or decisive is None)
                if applies:
                    if fault.kind == "latency":
                        latency += fault.seconds
                    else:
                        decisive = fault
                    if fault.times is not None:
                        if fault.times > 1:
                            kept.append(replace(fault, times=fault.times - 1))
                        continue
                kept.append(fault)
            self._faults = kept
            return latency, decisive
