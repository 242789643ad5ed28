"""The adapter against servers that are not our simulator: exact bytes on the wire.

Each case here was seen against a third-party FHIR R4 server (issue 14): lower-case header names,
a body dripped byte by byte, a huge Bundle, TLS failures of different kinds, a server that
ignores a search parameter, no ``$meta-add``, instants stored in UTC.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
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


# ---- 2. searches are verified; a payment is never someone else's ----------------------------


def _capabilities(**resources: Json) -> Json:
    return {**CAPABILITIES, "rest": [{"mode": "server", "resource": list(resources.values())}]}


PAYMENT_SEARCHABLE: Json = {
    "type": "PaymentReconciliation",
    "interaction": [{"code": "read"}, {"code": "create"}, {"code": "search-type"}],
    "conditionalCreate": True,
    "searchParam": [{"name": "identifier", "type": "token"}],
}


def _payment(pid: str, reference: str) -> Json:
    ident = {"system": "urn:hospital-kiosk:payment", "value": reference}
    return {
        "resourceType": "PaymentReconciliation",
        "id": pid,
        "status": "active",
        "identifier": [ident],
        "paymentAmount": {"value": 50, "currency": "CNY"},
        "detail": [{"type": {"text": "payment"}, "request": {"reference": "Invoice/i9"}}],
    }


def _lenient(capabilities: Json) -> Any:
    """A server that ignores ``identifier`` on PaymentReconciliation, as R4 allows (lenient)."""

    def reply(method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if path.startswith("/fhir/metadata"):
            return fhir_json(capabilities)
        if method == "GET" and path.startswith("/fhir/PaymentReconciliation?"):
            bundle = _bundle(
                [_payment("someone-elses", "pay-of-another-patient")], "http://x/fhir/PaymentReconciliation"
            )
            bundle["entry"].append(
                {
                    "resource": {
                        "resourceType": "OperationOutcome",
                        "issue": [
                            {"severity": "warning", "code": "not-supported", "diagnostics": "ignored: identifier"}
                        ],
                    },
                    "search": {"mode": "outcome"},
                }
            )
            return fhir_json(bundle)
        return fhir_json(
            {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]}, 404
        )

    return reply


def test_an_ignored_identifier_never_yields_another_patients_payment() -> None:
    """The server claims the search but ignores it: an error for money, never that payment."""
    with serving(_lenient(_capabilities(p=PAYMENT_SEARCHABLE))) as server:
        gw = _gateway(server.base_url)
        try:
            with pytest.raises(HisBadResponse, match="did not apply"):
                gw.find_settlement("never-used")
            sent = [(m, h.get("prefer", "")) for m, p, h, _ in server.requests if "PaymentReconciliation" in p]
            assert sent == [("GET", "handling=strict")]
        finally:
            gw.close()


def test_without_a_verified_search_payments_are_read_by_their_own_id() -> None:
    """No identifier search declared: the payment lives under an id derived from its reference."""
    with serving(_lenient(CAPABILITIES)) as server:
        gw = _gateway(server.base_url)
        try:
            assert gw.find_settlement("never-used") is None
            paths = [p for m, p, _, _ in server.requests if "PaymentReconciliation" in p]
            assert len(paths) == 1
            assert paths[0].startswith("/fhir/PaymentReconciliation/kiosk-pay-")
            assert "?" not in paths[0]  # a read, not a search
        finally:
            gw.close()


# ---- 3. $meta-add only where offered, never retried; PUT with If-Match otherwise -------------


REPORT: Json = {
    "resourceType": "DiagnosticReport",
    "id": "r1",
    "status": "final",
    "code": {"text": "血常规"},
    "subject": {"reference": "Patient/p1"},
    "meta": {"versionId": "3"},
}
LISTED = Report(id="r1", patient_id="p1", kind=ReportKind.LAB, title="血常规", status=ReportStatus.READY)


def _report_server(capabilities: Json, meta_add_status: int) -> Any:
    def reply(method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if path.startswith("/fhir/metadata"):
            return fhir_json(capabilities)
        if path == "/fhir/DiagnosticReport/r1/$meta-add":
            outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-supported"}]}
            return fhir_json(outcome, meta_add_status)
        if path == "/fhir/DiagnosticReport/r1" and method == "GET":
            return fhir_json(REPORT, extra=[("etag", 'W/"3"')])
        if path == "/fhir/DiagnosticReport/r1" and method == "PUT":
            return fhir_json({**json.loads(body), "meta": {"versionId": "4"}}, extra=[("etag", 'W/"4"')])
        return fhir_json({"resourceType": "OperationOutcome", "issue": []}, 404)

    return reply


def _with_meta_add() -> Json:
    report = {
        "type": "DiagnosticReport",
        "interaction": [{"code": "read"}, {"code": "update"}],
        "operation": [{"name": "meta-add", "definition": "http://hl7.org/fhir/OperationDefinition/Resource-meta-add"}],
    }
    return _capabilities(r=report)


def _put_bodies(server: Any) -> list[tuple[dict[str, str], Json]]:
    return [(h, json.loads(b)) for m, p, h, b in server.requests if m == "PUT"]


def test_without_meta_add_the_printed_tag_is_put_with_if_match() -> None:
    with serving(_report_server(CAPABILITIES, 404)) as server:
        gw = _gateway(server.base_url)
        try:
            assert gw.mark_printed(LISTED).printed
            assert not [p for _, p, _, _ in server.requests if "$meta-add" in p]
            [(headers, body)] = _put_bodies(server)
            assert headers["if-match"] == 'W/"3"'
            assert {"system": "urn:hospital-kiosk:tag", "code": "printed", "display": "printed at a kiosk"} in body[
                "meta"
            ]["tag"]
        finally:
            gw.close()


def test_a_404_for_meta_add_is_not_report_not_found() -> None:
    """Declared but answered 404: the report exists (a read says so), so the tag is PUT."""
    with serving(_report_server(_with_meta_add(), 404)) as server:
        gw = _gateway(server.base_url)
        try:
            assert gw.mark_printed(LISTED).printed
            assert len(_put_bodies(server)) == 1
        finally:
            gw.close()


def test_meta_add_is_never_retried() -> None:
    """Not idempotent by its own definition: a 503 is reported, not repeated."""
    with serving(_report_server(_with_meta_add(), 503)) as server:
        gw = _gateway(server.base_url)
        try:
            with pytest.raises(HisUnavailable):
                gw.mark_printed(LISTED)
            assert len([p for _, p, _, _ in server.requests if "$meta-add" in p]) == 1
        finally:
            gw.close()


def test_an_unknown_report_is_still_not_found() -> None:
    def reply(method: str, path: str, headers: dict[str, str], body: bytes) -> Canned:
        if path.startswith("/fhir/metadata"):
            return fhir_json(_with_meta_add())
        return fhir_json({"resourceType": "OperationOutcome", "issue": []}, 404)

    with serving(reply) as server:
        gw = _gateway(server.base_url)
        try:
            with pytest.raises(HisNotFound):
                gw.mark_printed(LISTED)
        finally:
            gw.close()
