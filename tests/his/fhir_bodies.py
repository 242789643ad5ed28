"""Every request body the adapter sends, validated against the FHIR structure definitions.

The models are ``fhir.resources`` (pydantic classes generated from HL7's StructureDefinitions),
its R4B package: R4B (4.3.0) changed none of the resources the kiosk writes (Patient,
Appointment, PaymentReconciliation, Invoice, DiagnosticReport, Parameters) from R4 (4.0.1), and
the library's R4 models need pydantic 1. They check element names, types and cardinality
(unknown elements, a missing ``paymentAmount``, a string where a number belongs); value-set
bindings of codes are not checked.
"""

from __future__ import annotations

import json
from typing import Any

from fhir.resources.R4B import get_fhir_model_class

from kiosk.his.fhir import FhirHisGateway


def validate_resource(body: bytes) -> str:
    """Validates one JSON resource; returns its type. Raises pydantic's ValidationError."""
    data = json.loads(body)
    rtype = data["resourceType"]
    get_fhir_model_class(rtype).model_validate_json(body)
    return str(rtype)


class BodyRecorder:
    """Records what ``gateway`` sends (wrapping its requests.Session) for :meth:`check`."""

    def __init__(self, gateway: FhirHisGateway) -> None:
        self.sent: list[tuple[str, str, bytes]] = []
        session = gateway._session
        original = session.request

        def recording(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
            data = kwargs.get("data")
            if isinstance(data, bytes) and data:
                self.sent.append((method, url.split("?", maxsplit=1)[0], data))
            return original(method, url, *args, **kwargs)

        session.request = recording  # type: ignore[method-assign]

    def check(self) -> list[str]:
        types = []
        for method, url, body in self.sent:
            try:
                types.append(validate_resource(body))
            except Exception as exc:
                raise AssertionError(f"{method} {url}: the body is not valid FHIR: {exc}") from exc
        return types
