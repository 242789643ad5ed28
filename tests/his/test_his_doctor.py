"""`kiosk doctor` reports what the HIS's CapabilityStatement offers and what the kiosk does with it."""

from __future__ import annotations

from types import SimpleNamespace

from kiosk.config import HisSection
from kiosk.doctor import Outcome, check_his
from kiosk.his.simulator import HisSimulator


def _findings(base_url: str, **his: object) -> dict[str, Outcome]:
    settings = HisSection.model_validate({"mode": "fhir", "base_url": base_url, **his})
    findings = list(check_his(SimpleNamespace(his=settings)))  # type: ignore[arg-type]
    assert findings[0].check == "his"
    assert findings[0].outcome is Outcome.OK, findings[0]
    return {f.detail: f.outcome for f in findings[1:] if f.check == "his capabilities"}


def test_doctor_shows_a_plain_servers_capabilities_and_the_degraded_behaviour(plain_sim: HisSimulator) -> None:
    found = _findings(plain_sim.base_url)
    assert found["payments: no verified identifier search; PUT under an id derived from the payment reference"] is (
        Outcome.OK
    )
    assert found["printed reports: no $meta-add; tag added by a PUT with If-Match"] is Outcome.OK
    assert found["kiosk profile (from the CapabilityStatement): none"] is Outcome.OK
    assert found["no fee hold: sessions with a registration fee cannot be booked at the kiosk"] is Outcome.WARN
    assert found["no queue numbers: tickets say where to wait instead"] is Outcome.WARN


def test_doctor_shows_the_full_profile_of_the_simulator(sim: HisSimulator) -> None:
    found = _findings(sim.base_url)
    assert "payments: conditional create (If-None-Exist on identifier), found by a verified search" in found
    assert "printed reports: tagged with $meta-add" in found
    assert found["kiosk profile (from the CapabilityStatement): fee-hold, places, queue-number"] is Outcome.OK
    assert Outcome.WARN not in found.values()


def test_the_profile_can_be_set_in_the_configuration(plain_sim: HisSimulator) -> None:
    found = _findings(plain_sim.base_url, profile_features=["queue-number"])
    assert "kiosk profile (from the configuration): queue-number" in found
    assert "no queue numbers: tickets say where to wait instead" not in found
