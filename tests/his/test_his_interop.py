"""The adapter against servers that are not our simulator: exact bytes on the wire.

Each case here was seen against a third-party FHIR R4 server (issue 14): lower-case header names,
a body dripped byte by byte, a huge Bundle, TLS failures of different kinds, a server that
ignores a search parameter, no ``$meta-add``, instants stored in UTC.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import time
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from his_world import fast_settings
from raw_server import Canned, fhir_json, serving

from kiosk.domain import Identifier, IdentifierKind, Report, ReportKind, ReportStatus
from kiosk.his import HisBadResponse, HisNotFound, HisTimeout, HisUnavailable
from kiosk.his.fhir import FhirHisGateway

Json = dict[str, Any]

CAPABILITIES: Json = {
    "resourceType": "CapabilityStatement",
    "status": "active",
    "kind": "instance",
    "fhirVersion": "4.0.1",
    "format": ["json"],
    "software": {"name": "plain test server"},
    "rest": [{"mode": "server", "resource": []}],
}


def _patient(pid: str, card: str) -> Json:
    return {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [{"system": "urn:hospital-kiosk:his:visit-card", "value": card}],
        "name": [{"text": "王小明"}],
    }


def _bundle(resources: list[Json], self_url: str = "") -> Json:
    bundle: Json = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources],
    }
    if self_url:
        bundle["link"] = [{"relation": "self", "url": self_url}]
    return bundle


def _gateway(base_url: str, **overrides: object) -> FhirHisGateway:
    values: dict[str, object] = {"mode": "fhir", "base_url": base_url}
    values.update(overrides)
    return FhirHisGateway(fast_settings(**values))


# ---- 1. header names are case-insensitive ---------------------------------------------------


def test_lower_case_header_names_are_understood() -> None:
    def reply(method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if path.startswith("/fhir/metadata"):
            return fhir_json(CAPABILITIES)
        if path.startswith("/fhir/Appointment/a1"):
            resource = {
                "resourceType": "Appointment",
                "id": "a1",
                "status": "booked",
                "start": "2026-12-08T08:00:00+08:00",
                "end": "2026-12-08T12:00:00+08:00",
                "participant": [{"actor": {"reference": "Patient/p1"}, "status": "accepted"}],
            }
            return fhir_json(resource, extra=[("etag", 'W/"7"')])
        return fhir_json({"resourceType": "OperationOutcome", "issue": []}, 404)

    with serving(reply) as server:
        gw = _gateway(server.base_url)
        try:
            assert gw.ping() == "plain test server"
            assert gw.appointment("a1").version == "7"  # from the lower-case etag header
        finally:
            gw.close()


# ---- 5. one deadline over the whole call, a cap on Bundles ----------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("headers_too", [False, True], ids=["body-dripped", "headers-dripped"])
def test_a_dripping_server_is_cut_off_at_the_call_deadline(headers_too: bool) -> None:
    big = _bundle([_patient(f"p{i}", f"card{i}") for i in range(30)])

    def reply(method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        canned = fhir_json(big)
        canned.drip_s = 0.05  # one byte every 50 ms: never a read timeout (0.5 s), never done
        canned.drip_headers = headers_too
        return canned

    with serving(reply) as server:
        gw = _gateway(server.base_url, read_timeout_s=0.5, call_deadline_s=1.5)
        try:
            started = time.monotonic()
            with pytest.raises(HisTimeout):
                gw.find_patient(Identifier(IdentifierKind.VISIT_CARD, "card1"))
            assert time.monotonic() - started < 2.5
        finally:
            gw.close()


def test_a_bundle_too_large_for_a_kiosk_is_refused() -> None:
    huge = _bundle([_patient(f"p{i}", "card1") for i in range(10_000)])

    def reply(method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        return fhir_json(huge)

    with serving(reply) as server:
        gw = _gateway(server.base_url)
        try:
            with pytest.raises(HisBadResponse, match="entries"):
                gw.find_patient(Identifier(IdentifierKind.VISIT_CARD, "card1"))
        finally:
            gw.close()


# ---- 5. TLS failures say which failure -------------------------------------------------------


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _ca(name: str) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = _key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey], host: str, *, expired: bool = False
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    ca_cert, ca_key = ca
    key = _key()
    now = dt.datetime.now(dt.UTC)
    start, end = (now - dt.timedelta(days=60), now - dt.timedelta(days=30)) if expired else (now, now)
    end = end if expired else now + dt.timedelta(days=30)
    start = start if expired else now - dt.timedelta(days=1)
    try:
        san: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        san = x509.DNSName(host)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectAlternativeName([san]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


def _server_context(tmp_path: Path, leaf: tuple[x509.Certificate, ec.EllipticCurvePrivateKey]) -> ssl.SSLContext:
    cert, key = leaf
    cert_file, key_file = tmp_path / "server.pem", tmp_path / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("good", ""),
        ("expired", "expired"),
        ("wrong-host", "another host"),
        ("unknown-ca", "not signed by a CA"),
    ],
)
def test_tls_failures_are_told_apart(tmp_path: Path, case: str, message: str) -> None:
    trusted = _ca("kiosk test CA")
    stranger = _ca("someone else's CA")
    leaf = {
        "good": lambda: _leaf(trusted, "127.0.0.1"),
        "expired": lambda: _leaf(trusted, "127.0.0.1", expired=True),
        "wrong-host": lambda: _leaf(trusted, "his.other-hospital.cn"),
        "unknown-ca": lambda: _leaf(stranger, "127.0.0.1"),
    }[case]()
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(trusted[0].public_bytes(serialization.Encoding.PEM))

    def reply(method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        return fhir_json(CAPABILITIES)

    with serving(reply, _server_context(tmp_path, leaf)) as server:
        gw = _gateway(server.base_url, ca_bundle=str(ca_file))
        try:
            if case == "good":
                assert gw.ping() == "plain test server"
                return
            with pytest.raises(HisUnavailable, match=message):
                gw.ping()
        finally:
            gw.close()


_ = (HisNotFound, Report, ReportKind, ReportStatus)
