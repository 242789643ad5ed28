"""The kiosk profile's StructureDefinitions (docs/fhir-profile/) are valid FHIR and are the ones
the code uses: every extension the mapping reads or writes and every feature profile the adapter
looks for in a CapabilityStatement is published there, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

from fhir_bodies import validate_resource

from kiosk.config import HisSection
from kiosk.his import mapping
from kiosk.his.capabilities import FEATURE_PROFILES

PROFILE_DIR = Path(__file__).resolve().parents[2] / "docs" / "fhir-profile"
BASE = HisSection(mode="simulator").extension_base


def _definitions() -> dict[str, dict[str, object]]:
    found = {}
    for path in sorted(PROFILE_DIR.glob("StructureDefinition-*.json")):
        body = path.read_bytes()
        assert validate_resource(body) == "StructureDefinition", path.name
        data = json.loads(body)
        assert path.name == f"StructureDefinition-{data['id']}.json"
        assert data["url"] == f"{BASE}/{data['id']}"
        assert data["fhirVersion"] == "4.0.1"
        found[data["id"]] = data
    return found


def test_every_extension_and_feature_profile_is_published() -> None:
    definitions = _definitions()
    extensions = {value for name, value in vars(mapping).items() if name.startswith("EXT_")}
    profiles = {profile for _, profile in FEATURE_PROFILES.values()}
    assert set(definitions) == extensions | profiles
    for name in extensions:
        assert definitions[name]["type"] == "Extension"
    for feature, (rtype, profile) in FEATURE_PROFILES.items():
        assert definitions[profile]["type"] == rtype, feature


def test_feature_profiles_use_the_published_extensions() -> None:
    definitions = _definitions()
    for _, profile in FEATURE_PROFILES.values():
        differential = definitions[profile]["differential"]
        assert isinstance(differential, dict)
        for element in differential["element"]:
            for kind in element.get("type", []):
                for url in kind.get("profile", []):
                    assert url.removeprefix(f"{BASE}/") in definitions, url
