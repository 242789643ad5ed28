"""The status model every device reports: a state plus flags a technician can act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DeviceState(StrEnum):
    READY = "ready"
    BUSY = "busy"
    WARNING = "warning"  # usable, but someone should look (paper near end)
    ERROR = "error"  # connected but not usable (paper out, cover open, no answer)
    DISCONNECTED = "disconnected"


class StatusFlag(StrEnum):
    PAPER_NEAR_END = "paper_near_end"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    NO_ANSWER = "no_answer"
    PRINTER_ERROR = "printer_error"
    BAD_REPLY = "bad_reply"
    DEPENDENCY_MISSING = "dependency_missing"
    NEEDS_RECOVERY = "needs_recovery"
    PENDING_REPRINTS = "pending_reprints"
    NOT_STARTED = "not_started"


@dataclass(frozen=True)
class DeviceStatus:
    """Immutable snapshot; ``detail`` is a technician's sentence, never patient data."""

    state: DeviceState
    flags: frozenset[StatusFlag] = field(default_factory=frozenset)
    detail: str = ""

    @property
    def usable(self) -> bool:
        """The device can take work now (a warning such as paper near end still prints)."""
        return self.state in (DeviceState.READY, DeviceState.BUSY, DeviceState.WARNING)

    def describe(self) -> str:
        parts = [self.state.value]
        if self.flags:
            parts.append(", ".join(sorted(f.value for f in self.flags)))
        if self.detail:
            parts.append(self.detail)
        return ": ".join(parts)


READY = DeviceStatus(DeviceState.READY)
NOT_STARTED = DeviceStatus(DeviceState.DISCONNECTED, frozenset({StatusFlag.NOT_STARTED}), "not started")


def disconnected(detail: str) -> DeviceStatus:
    return DeviceStatus(DeviceState.DISCONNECTED, frozenset(), detail)
