"""What the FHIR server says it can do (its CapabilityStatement), and the kiosk profile's features.

The adapter reads ``/metadata`` once (cached, refreshed by ``ping``) and chooses per interaction
from it: conditional create or a ``PUT`` with a client-assigned id, ``$meta-add`` or a ``PUT``
with ``If-Match``. The kiosk profile (docs/fhir-profile/) names three conventions a plain FHIR
server does not follow; a server declares each by listing its profile in
``rest.resource.supportedProfile``, or the configuration sets them (``his.profile_features``):

- ``fee-hold`` (Appointment profile ``kiosk-held-appointment``): a booking of a session with a
  registration fee is held (``pending``) with its fee Invoice until paid (锁号).
- ``queue-number`` (Appointment profile ``kiosk-queued-appointment``): a booked Appointment
  carries the HIS's queue number as an identifier.
- ``places`` (Slot profile ``kiosk-slot``): a Slot carries its capacity and places left.

Pure functions and frozen data: any thread.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

Feature = Literal["fee-hold", "queue-number", "places"]
FEATURES: tuple[Feature, ...] = ("fee-hold", "queue-number", "places")

# Profile (StructureDefinition) names under the configured extension_base.
FEATURE_PROFILES: dict[Feature, tuple[str, str]] = {
    "fee-hold": ("Appointment", "kiosk-held-appointment"),
    "queue-number": ("Appointment", "kiosk-queued-appointment"),
    "places": ("Slot", "kiosk-slot"),
}


@dataclass(frozen=True)
class ResourceCapabilities:
    interactions: frozenset[str] = frozenset()
    search_params: frozenset[str] = frozenset()
    operations: frozenset[str] = frozenset()
    conditional_create: bool = False
    update_create: bool = False
    versioned: bool = False  # versioning "versioned" or "versioned-update": ETags to send in If-Match
    profiles: frozenset[str] = frozenset()
    includes: frozenset[str] = frozenset()  # searchInclude: "Schedule:actor", or "*"


@dataclass(frozen=True)
class ServerCapabilities:
    software: str
    fhir_version: str
    resources: dict[str, ResourceCapabilities] = field(default_factory=dict)
    system_operations: frozenset[str] = frozenset()
    features: frozenset[Feature] = frozenset()
    features_from: str = "CapabilityStatement"  # or "configuration"

    def resource(self, rtype: str) -> ResourceCapabilities | None:
        return self.resources.get(rtype)

    def searchable(self, rtype: str, param: str) -> bool:
        found = self.resources.get(rtype)
        return found is not None and "search-type" in found.interactions and param in found.search_params

    def conditional_create(self, rtype: str, param: str = "identifier") -> bool:
        """Declared: create, conditionalCreate, and a search on ``param`` (the If-None-Exist query)."""
        found = self.resources.get(rtype)
        return (
            found is not None
            and "create" in found.interactions
            and found.conditional_create
            and self.searchable(rtype, param)
        )

    def include(self, rtype: str, include: str) -> bool:
        found = self.resources.get(rtype)
        return found is not None and ("*" in found.includes or include in found.includes)

    def operation(self, rtype: str, name: str) -> bool:
        found = self.resources.get(rtype)
        name = name.lstrip("$")
        return name in self.system_operations or (found is not None and name in found.operations)

    def has(self, feature: Feature) -> bool:
        return feature in self.features

    def summary(self) -> list[tuple[bool, str]]:
        """For ``kiosk doctor``: (degraded, what was found and what the kiosk does with it)."""
        lines = [(False, f"{self.software}, FHIR {self.fhir_version}")]
        if self.conditional_create("PaymentReconciliation"):
            lines.append(
                (False, "payments: conditional create (If-None-Exist on identifier), found by a verified search")
            )
        else:
            lines.append(
                (False, "payments: no verified identifier search; PUT under an id derived from the payment reference")
            )
        if self.operation("DiagnosticReport", "meta-add"):
            lines.append((False, "printed reports: tagged with $meta-add"))
        else:
            lines.append((False, "printed reports: no $meta-add; tag added by a PUT with If-Match"))
        source = f"(from the {self.features_from})"
        lines.append(
            (False, f"kiosk profile {source}: " + (", ".join(sorted(self.features)) if self.features else "none"))
        )
        if "fee-hold" not in self.features:
            lines.append((True, "no fee hold: sessions with a registration fee cannot be booked at the kiosk"))
        if "queue-number" not in self.features:
            lines.append((True, "no queue numbers: tickets say where to wait instead"))
        if "places" not in self.features:
            lines.append((False, "no places-left extension: a free Slot is one place, less its active Appointments"))
        return lines


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _names(entries: Iterable[dict[str, Any]], key: str) -> frozenset[str]:
    return frozenset(str(e[key]).lstrip("$") for e in entries if isinstance(e.get(key), str))


def parse_capabilities(
    data: dict[str, Any], extension_base: str, configured: Iterable[Feature] | None = None
) -> ServerCapabilities:
    """A CapabilityStatement (already checked to be one) → what the adapter may rely on.

    Anything malformed or missing counts as not offered: the adapter then takes the path that
    needs the least from the server.
    """
    software = data.get("software")
    name = software.get("name") if isinstance(software, dict) else None
    version = data.get("fhirVersion")
    resources: dict[str, ResourceCapabilities] = {}
    system_ops: set[str] = set()
    for rest in _dicts(data.get("rest")):
        if rest.get("mode") != "server":
            continue
        system_ops |= _names(_dicts(rest.get("operation")), "name")
        for entry in _dicts(rest.get("resource")):
            rtype = entry.get("type")
            if not isinstance(rtype, str):
                continue
            resources[rtype] = ResourceCapabilities(
                interactions=_names(_dicts(entry.get("interaction")), "code"),
                search_params=_names(_dicts(entry.get("searchParam")), "name"),
                operations=_names(_dicts(entry.get("operation")), "name"),
                conditional_create=entry.get("conditionalCreate") is True,
                update_create=entry.get("updateCreate") is True,
                versioned=entry.get("versioning") in ("versioned", "versioned-update"),
                profiles=frozenset(_strings(entry.get("supportedProfile"))),
                includes=frozenset(_strings(entry.get("searchInclude"))),
            )
    base = extension_base.rstrip("/")
    if configured is not None:
        features = frozenset(configured)
        source = "configuration"
    else:
        found: set[Feature] = set()
        for feature, (rtype, profile) in FEATURE_PROFILES.items():
            declared = resources.get(rtype)
            if declared is not None and f"{base}/{profile}" in declared.profiles:
                found.add(feature)
        features = frozenset(found)
        source = "CapabilityStatement"
    return ServerCapabilities(
        software=name if isinstance(name, str) else "unknown FHIR server",
        fhir_version=version if isinstance(version, str) else "unknown",
        resources=resources,
        system_operations=frozenset(system_ops),
        features=features,
        features_from=source,
    )
