"""Seeds what the contract suite needs through the plain FHIR REST API.

Works on any FHIR R4 server (the embedded simulator or one named by KIOSK_FHIR_URL): every
resource carries a fresh random tag in its identifiers and names, so runs never collide with
each other or with the server's own data.
"""

from __future__ import annotations

import base64
import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import requests

from kiosk.config import HisSection
from kiosk.domain import resident_id_check_char
from kiosk.his.mapping import FhirProfile
from kiosk.his.simulator.pdf import TextLine, render_pdf

Json = dict[str, Any]

ZONE = ZoneInfo("Asia/Shanghai")
# The simulator's frozen "now" in the tests: today's 08:00 sessions are still ahead.
SIM_NOW = datetime.combine(datetime.now(ZONE).date(), time(7, 30), ZONE)


def fast_settings(**overrides: object) -> HisSection:
    """Short timeouts and backoff so fault tests finish quickly."""
    values: dict[str, object] = {
        "mode": "simulator",
        "connect_timeout_s": 1.0,
        "read_timeout_s": 0.5,
        "call_deadline_s": 3.0,
        "retries": 2,
        "retry_backoff_s": 0.01,
    }
    values.update(overrides)
    return HisSection.model_validate(values)


def random_resident_id(rng: random.Random) -> str:
    birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 60 * 365))
    first17 = f"110101{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return first17 + resident_id_check_char(first17)


@dataclass
class World:
    """Resources created for one test module, and helpers to create more."""

    base_url: str
    settings: HisSection
    today: date
    session: requests.Session
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    rng: random.Random = field(default_factory=random.Random)
    ids: dict[str, str] = field(default_factory=dict)

    @property
    def profile(self) -> FhirProfile:
        return FhirProfile.from_settings(self.settings)

    def post(self, resource: Json) -> Json:
        response = self.session.post(
            f"{self.base_url}/{resource['resourceType']}",
            json=resource,
            headers={"Content-Type": "application/fhir+json", "Prefer": "return=representation"},
            timeout=10,
        )
        try:
            response.raise_for_status()
            created: Json = response.json()
        finally:
            response.close()
        return created

    def search_count(self, rtype: str, params: dict[str, str]) -> int:
        response = self.session.get(f"{self.base_url}/{rtype}", params=params, timeout=10)
        try:
            response.raise_for_status()
            return len(response.json().get("entry", []))
        finally:
            response.close()

    def ext(self, name: str) -> str:
        return self.profile.ext(name)

    def seed(self) -> World:
        zone = self.profile.zone
        dept = self.post(
            {
                "resourceType": "HealthcareService",
                "active": True,
                "name": f"测试内科-{self.tag}",
                "comment": "contract test department",
            }
        )
        doctor = self.post(
            {
                "resourceType": "Practitioner",
                "active": True,
                "name": [{"text": "李建国", "family": "李", "given": ["建国"]}],
                "qualification": [{"code": {"text": "副主任医师"}}],
            }
        )
        schedule = self.post(
            {
                "resourceType": "Schedule",
                "active": True,
                "actor": [
                    {"reference": f"Practitioner/{doctor['id']}", "display": "李建国"},
                    {"reference": f"HealthcareService/{dept['id']}", "display": dept["name"]},
                ],
                "extension": [{"url": self.ext("registration-fee"), "valueMoney": {"value": 30.00, "currency": "CNY"}}],
            }
        )
        # A free clinic (义诊) in a department of its own: no registration fee, so it books at once.
        free_dept = self.post({"resourceType": "HealthcareService", "active": True, "name": f"测试义诊-{self.tag}"})
        free_schedule = self.post(
            {
                "resourceType": "Schedule",
                "active": True,
                "actor": [
                    {"reference": f"Practitioner/{doctor['id']}", "display": "李建国"},
                    {"reference": f"HealthcareService/{free_dept['id']}", "display": free_dept["name"]},
                ],
            }
        )
        self.ids.update(
            dept=dept["id"],
            doctor=doctor["id"],
            schedule=schedule["id"],
            free_dept=free_dept["id"],
            free_schedule=free_schedule["id"],
        )
        patient = self.new_patient()
        self.ids["patient"] = patient["id"]
        self.ids["visit_card"] = next(
            i["value"] for i in patient["identifier"] if i["system"] == self.settings.visit_card_system
        )
        self.ids["resident_id"] = next(
            i["value"] for i in patient["identifier"] if i["system"] == self.settings.resident_id_system
        )
        _ = zone
        return self

    def new_patient(self) -> Json:
        return self.post(
            {
                "resourceType": "Patient",
                "active": True,
                "identifier": [
                    {"system": self.settings.resident_id_system, "value": random_resident_id(self.rng)},
                    {"system": self.settings.visit_card_system, "value": f"VC{uuid.uuid4().hex[:12]}"},
                ],
                "name": [{"use": "official", "text": "王小明", "family": "王", "given": ["小明"]}],
                "gender": "male",
                "birthDate": "1980-05-06",
                "telecom": [{"system": "phone", "value": "13800138000"}],
            }
        )

    def new_slot(
        self, day: date, start: time, end: time, capacity: int = 5, *, free: bool = False, utc: bool = False
    ) -> Json:
        """A slot of the 30-yuan schedule in ``dept``, or of the free one in ``free_dept``;
        ``utc``: its times written as UTC instants ("...Z"), as many servers store them."""
        zone = self.profile.zone

        def instant(moment: time) -> str:
            local = datetime.combine(day, moment, zone)
            return local.astimezone(UTC).isoformat().replace("+00:00", "Z") if utc else local.isoformat()

        return self.post(
            {
                "resourceType": "Slot",
                "schedule": {"reference": f"Schedule/{self.ids['free_schedule' if free else 'schedule']}"},
                "status": "free",
                "start": instant(start),
                "end": instant(end),
                "extension": [
                    {"url": self.ext("slot-capacity"), "valueInteger": capacity},
                    {"url": self.ext("slot-remaining"), "valueInteger": capacity},
                ],
            }
        )

    def new_invoice(self, patient_id: str, items: list[tuple[str, int, int]]) -> Json:
        """items: (name, quantity, unit price in fen)."""
        lines = []
        total = 0
        for sequence, (name, quantity, unit) in enumerate(items, start=1):
            total += quantity * unit
            lines.append(
                {
                    "sequence": sequence,
                    "chargeItemCodeableConcept": {"text": name},
                    "priceComponent": [
                        {
                            "type": "base",
                            "factor": quantity,
                            "amount": {"value": quantity * unit / 100, "currency": "CNY"},
                        }
                    ],
                }
            )
        return self.post(
            {
                "resourceType": "Invoice",
                "status": "issued",
                "subject": {"reference": f"Patient/{patient_id}"},
                "date": datetime.combine(self.today, time(9, 0), self.profile.zone).isoformat(),
                "lineItem": lines,
                "totalGross": {"value": total / 100, "currency": "CNY"},
                "totalNet": {"value": total / 100, "currency": "CNY"},
            }
        )

    def new_report(self, patient_id: str, *, final: bool, title: str = "血常规检验报告") -> Json:
        resource: Json = {
            "resourceType": "DiagnosticReport",
            "status": "final" if final else "preliminary",
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "LAB"}]}],
            "code": {"text": title},
            "subject": {"reference": f"Patient/{patient_id}"},
            "issued": datetime.combine(self.today, time(7, 0), self.profile.zone).isoformat(),
        }
        if final:
            pdf = render_pdf([TextLine(title, 16), TextLine(f"contract test {self.tag}")], title)
            binary = self.post(
                {
                    "resourceType": "Binary",
                    "contentType": "application/pdf",
                    "data": base64.b64encode(pdf).decode("ascii"),
                }
            )
            resource["presentedForm"] = [
                {
                    "contentType": "application/pdf",
                    "url": f"Binary/{binary['id']}",
                    "size": len(pdf),
                    "hash": base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii"),
                    "title": title,
                }
            ]
        return self.post(resource)
