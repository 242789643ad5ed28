"""The HIS gateway over FHIR R4 REST (JSON), on one ``requests.Session``.

Thread model: the gateway's methods block and are called from worker threads (the app's bounded
QThreadPool), possibly several at once. The shared Session is safe for that because it keeps no
per-call state: cookies are refused (FHIR REST is stateless) and the connection pool is
thread-safe.

Transport rules: a (connect, read) timeout on every request and a deadline over each gateway call
(``call_deadline_s``); retries with exponential backoff and jitter only for idempotent requests
(reads, conditional creates with If-None-Exist, updates with If-Match, $meta-add); TLS
verification always on, optional private CA, client certificate (mutual TLS) and bearer token;
no redirects (a token is never sent elsewhere); ``next`` links are followed only on the HIS's
own origin. Query strings carry identifiers, so URLs are never logged and requests' exceptions
(whose text contains the URL) are never chained into our errors.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import hashlib
import http.cookiejar
import logging
import random
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from typing import Any, Protocol
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from kiosk import __version__
from kiosk.config import HisSection
from kiosk.domain import (
    Appointment,
    AppointmentStatus,
    Bill,
    Department,
    Identifier,
    IdentifierKind,
    NewPatient,
    Patient,
    Report,
    ReportStatus,
    Settlement,
    Slot,
    is_valid_resident_id,
)
from kiosk.errors import ConfigurationError
from kiosk.his.capabilities import ServerCapabilities, parse_capabilities
from kiosk.his.errors import (
    HisAmbiguous,
    HisAuthError,
    HisBadResponse,
    HisConflict,
    HisError,
    HisFeeNotCollectable,
    HisNotFound,
    HisRejected,
    HisTimeout,
    HisUnavailable,
)
from kiosk.his.mapping import (
    EXT_PAYMENT,
    KIOSK_TAG_SYSTEM,
    MAX_BUNDLE_ENTRIES,
    ORG_TYPE_SYSTEM,
    TAG_COPY_PRINTED,
    TAG_PRINTED,
    BundlePage,
    FhirProfile,
    Json,
    ScheduleInfo,
    appointment_resource,
    bad,
    check_type,
    dump,
    extension,
    identifiers,
    is_registration_invoice,
    obj,
    opt_list,
    opt_str,
    outcome_message,
    parse_appointment,
    parse_bundle,
    parse_department,
    parse_invoice,
    parse_json,
    parse_patient,
    parse_payment,
    parse_report,
    parse_schedule,
    parse_slot,
    patient_resource,
    payment_resource,
    pdf_attachments,
    reference_id,
    version_of,
)

log = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
# The connection broke, before or during the answer (one list for the retry rule and the metric).
_BROKEN_CONNECTION = (
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)
_MAX_PAGES = 20  # a search needing more pages than this is not a kiosk-sized answer
_MAX_ENTRIES = MAX_BUNDLE_ENTRIES  # nor one with more resources than this, over all its pages
_MAX_STATUS_ATTEMPTS = 3  # read-modify-write loops on 412 before giving up with Conflict
_FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")  # FHIR R4 id; anything else cannot name a resource
# Search result parameters a server may adjust without changing which resources match.
_RESULT_PARAMS = frozenset({"_count", "_sort", "_include", "_revinclude", "_summary", "_elements", "_total"})
_ACTIVE_APPOINTMENT = "proposed,pending,booked,arrived,checked-in,waitlist"


class _RefuseCookies(http.cookiejar.DefaultCookiePolicy):
    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


@dataclass(frozen=True)
class _Reply:
    status: int
    headers: Mapping[str, str]  # case-insensitive: h11, uvicorn and HTTP/2 send lower-case names
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()


class _Watchdog:
    """Ends an exchange at the call deadline, whatever the server does.

    requests' read timeout applies to each socket read: a server that drips a byte a second
    never trips it. The watchdog shuts the socket down when the deadline passes, which wakes the
    blocked read (headers or body) on the worker thread.
    """

    def __init__(self, seconds: float) -> None:
        self._seconds = max(0.0, seconds)
        self._timer: threading.Timer | None = None
        self.fired = False

    def arm(self, sock: socket.socket | None) -> None:
        if sock is None or self._timer is not None:
            return
        self._timer = threading.Timer(self._seconds, self._fire, args=(sock,))
        self._timer.daemon = True
        self._timer.start()

    def _fire(self, sock: socket.socket) -> None:
        self.fired = True
        with contextlib.suppress(OSError):  # already closed: the exchange ended meanwhile
            sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()


_current = threading.local()  # the watchdog of the exchange running on this worker thread


def _arm_watchdog(sock: socket.socket | None) -> None:
    """Arms this thread's watchdog on the socket before the response is read."""
    watchdog: _Watchdog | None = getattr(_current, "watchdog", None)
    if watchdog is not None:
        watchdog.arm(sock)


class _WatchedHTTPConnection(urllib3.connection.HTTPConnection):
    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]  # as urllib3 does
        _arm_watchdog(self.sock)
        return super().getresponse()


class _WatchedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def getresponse(self) -> urllib3.response.HTTPResponse:  # type: ignore[override]  # as urllib3 does
        _arm_watchdog(self.sock)
        return super().getresponse()


class _WatchedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


class _WatchedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


# OpenSSL verification codes (X509_V_ERR_*) → what a technician should check.
_TLS_CAUSES = {
    9: "the HIS's TLS certificate is not valid yet (is the kiosk's clock right?)",
    10: "the HIS's TLS certificate has expired (or the kiosk's clock is wrong)",
    62: "the HIS's TLS certificate is for another host name than base_url",
    64: "the HIS's TLS certificate is for another host (IP address) than base_url",
    18: "the HIS's TLS certificate is self-signed, not signed by a CA the kiosk trusts (his.ca_bundle)",
    19: "the HIS's TLS certificate is not signed by a CA the kiosk trusts (his.ca_bundle)",
    20: "the HIS's TLS certificate is not signed by a CA the kiosk trusts (his.ca_bundle)",
    21: "the HIS's TLS certificate is not signed by a CA the kiosk trusts (his.ca_bundle)",
}


def _tls_cause(exc: BaseException) -> str:
    """Which TLS failure this was, from the ssl error inside requests' wrapping; never the URL."""
    seen: set[int] = set()
    stack: list[object] = [exc]
    while stack:
        current = stack.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            cause = _TLS_CAUSES.get(current.verify_code)
            if cause is not None:
                return cause
            return "the HIS's TLS certificate was refused (certificate verify failed)"
        stack.extend([current.__cause__, current.__context__, *current.args, getattr(current, "reason", None)])
    text = str(exc)
    if "certificate has expired" in text:
        return _TLS_CAUSES[10]
    if "mismatch" in text or "doesn't match" in text:
        return _TLS_CAUSES[62]
    if "unable to get local issuer" in text or "self-signed" in text or "self signed" in text:
        return _TLS_CAUSES[20]
    return "TLS handshake failed (protocol or cipher; is base_url really https?)"


class RequestObserver(Protocol):
    """Told about every HTTP attempt (the kiosk's metrics): the request's name (``op``, such as
    "search Patient"; never its URL), its duration and its outcome: ``ok`` (any answer the HIS
    meant, 404 and 409 included), ``auth`` (401/403), ``throttled`` (429), ``http_5xx``,
    ``timeout``, ``connection``, ``tls`` or ``bad_response``. Called on the worker thread; must be
    quick and must not raise."""

    def his_request(self, operation: str, seconds: float, outcome: str) -> None: ...


class _NoQueryStrings(logging.Filter):
    """urllib3 logs every request line at DEBUG, and FHIR searches carry identifiers (ID and card
    numbers) in their query strings: keep the method, path and status, drop the query."""

    _QUERY = re.compile(r"\?[^\s\"']*")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self._QUERY.sub("?…", message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def _keep_queries_out_of_logs() -> None:
    for name in ("urllib3.connectionpool", "urllib3.util.retry"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoQueryStrings) for f in logger.filters):
            logger.addFilter(_NoQueryStrings())


def _outcome_of_status(status: int) -> str:
    if status in (401, 403):
        return "auth"
    if status == 429:
        return "throttled"
    return "http_5xx" if status >= 500 else "ok"


class FhirHisGateway:
    """:class:`kiosk.his.gateway.HisGateway` over FHIR R4; call from worker threads only."""

    def __init__(
        self,
        settings: HisSection,
        base_url: str | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        observer: RequestObserver | None = None,
        wall: Callable[[], datetime] | None = None,
    ) -> None:
        self._wall = wall  # the HIS's clock when it is not the kiosk's (a simulator's fixed time)
        # Set before the first call (the composition root may attach it after building).
        self.observer = observer
        _keep_queries_out_of_logs()
        url = base_url or (str(settings.base_url) if settings.base_url is not None else "")
        if not url:
            raise ConfigurationError("the HIS base URL is not configured")
        self._base = url.rstrip("/")
        parts = urlsplit(self._base)
        self._origin = (parts.scheme, parts.netloc)
        self._settings = settings
        self._profile = FhirProfile.from_settings(settings)
        self._sleep = sleep
        self._monotonic = monotonic
        self._timeout = (settings.connect_timeout_s, settings.read_timeout_s)
        self._limit = int(settings.max_response_mb * 1024 * 1024)
        self._verify: bool | str = str(settings.ca_bundle) if settings.ca_bundle is not None else True
        self._session = self._make_session(settings)
        self._capabilities: ServerCapabilities | None = None
        self._capabilities_lock = threading.Lock()

    @staticmethod
    def _make_session(settings: HisSection) -> requests.Session:
        session = requests.Session()
        try:
            # Proxies and CA bundles come from config, never from the service's environment,
            # so what `kiosk doctor` checks is what runs.
            session.trust_env = False
            session.cookies.set_policy(_RefuseCookies())
            session.headers.update({"Accept": FHIR_JSON, "User-Agent": f"hospital-kiosk/{__version__}"})
            adapter = _WatchedAdapter(pool_connections=1, pool_maxsize=8, max_retries=0)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
            auth = settings.auth
            if auth.kind == "mtls" and auth.client_cert is not None and auth.client_key is not None:
                session.cert = (str(auth.client_cert), str(auth.client_key))
            if auth.kind == "bearer" and auth.token_file is not None:
                token = auth.token_file.read_text(encoding="utf-8").strip()
                if not token or any(ch.isspace() for ch in token):
                    raise ConfigurationError("the HIS token file is empty or holds more than one token")
                session.headers["Authorization"] = f"Bearer {token}"
        except (OSError, ConfigurationError) as exc:
            session.close()
            if isinstance(exc, ConfigurationError):
                raise
            raise ConfigurationError("the HIS token file cannot be read") from None
        return session

    def close(self) -> None:
        self._session.close()

    # ---- transport ------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else f"{self._base}/{path.lstrip('/')}"

    def _request(
        self,
        method: str,
        path: str,
        *,
        op: str,
        idempotent: bool,
        params: Sequence[tuple[str, str]] | None = None,
        body: Json | None = None,
        headers: Mapping[str, str] | None = None,
        deadline: float | None = None,
    ) -> _Reply:
        """One HTTP exchange with timeouts and, for idempotent requests, retries.

        ``op`` names the request in logs ("search Patient") instead of its URL. Returns any
        HTTP reply except retryable failures; raises HisUnavailable/HisTimeout/HisBadResponse.
        """
        if deadline is None:
            deadline = self._monotonic() + self._settings.call_deadline_s
        data = dump(body) if body is not None else None
        send_headers = dict(headers or {})
        if data is not None:
            send_headers["Content-Type"] = f"{FHIR_JSON}; charset=utf-8"
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - self._monotonic()
            if remaining <= 0:
                raise HisTimeout(f"HIS {op}: no answer within the call deadline")
            timeout = (min(self._timeout[0], remaining), min(self._timeout[1], remaining))
            started = self._monotonic()
            error: HisError
            retry_after = 0.0
            try:
                reply = self._observed_exchange(
                    op,
                    method,
                    path=path,
                    params=params,
                    data=data,
                    headers=send_headers,
                    timeout=timeout,
                    remaining=remaining,
                )
            except requests.exceptions.SSLError as exc:
                raise HisUnavailable(f"HIS {op}: {_tls_cause(exc)}") from None
            except requests.exceptions.ConnectTimeout:
                error = HisTimeout(f"HIS {op}: connect timeout")
                retryable = True  # nothing was sent, so even a non-idempotent call may be repeated
            except requests.exceptions.Timeout:
                error = HisTimeout(f"HIS {op}: read timeout")
                retryable = idempotent
            except _BROKEN_CONNECTION as exc:
                error = HisUnavailable(f"HIS {op}: connection failed ({type(exc).__name__})")
                retryable = idempotent
            except requests.exceptions.RequestException as exc:
                raise HisUnavailable(f"HIS {op}: request failed ({type(exc).__name__})") from None
            else:
                log.debug(
                    "HIS %s %s -> %d in %.1f ms (attempt %d)",
                    method,
                    op,
                    reply.status,
                    (self._monotonic() - started) * 1000,
                    attempt,
                )
                if reply.status not in _RETRY_STATUSES:
                    return reply
                error = HisUnavailable(f"HIS {op}: HTTP {reply.status}")
                retryable = idempotent
                retry_after = _retry_after(reply.headers.get("Retry-After"))
            if not retryable or attempt > self._settings.retries:
                log.warning("HIS %s %s failed after %d attempt(s): %s", method, op, attempt, error)
                raise error
            pause = max(retry_after, self._settings.retry_backoff_s * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))  # noqa: S311 - jitter, not crypto
            if self._monotonic() + pause >= deadline:
                log.warning("HIS %s %s failed, no time left to retry: %s", method, op, error)
                raise error
            log.warning("HIS %s %s failed (%s); retry %d in %.2f s", method, op, error, attempt, pause)
            self._sleep(pause)

    def _observed_exchange(self, op: str, method: str, **kwargs: Any) -> _Reply:
        """``_exchange``, timed and classified for the observer."""
        observer = self.observer
        if observer is None:
            return self._exchange(method, **kwargs)
        started = self._monotonic()
        outcome = "error"
        try:
            reply = self._exchange(method, **kwargs)
            outcome = _outcome_of_status(reply.status)
            return reply
        except requests.exceptions.SSLError:  # before ConnectionError, its base class
            outcome = "tls"
            raise
        except requests.exceptions.Timeout:  # ConnectTimeout too
            outcome = "timeout"
            raise
        except _BROKEN_CONNECTION:
            outcome = "connection"
            raise
        except HisTimeout:  # the call deadline's watchdog cut the exchange off
            outcome = "timeout"
            raise
        except HisBadResponse:
            outcome = "bad_response"
            raise
        finally:
            try:
                observer.his_request(op, self._monotonic() - started, outcome)
            except Exception:
                log.exception("the HIS request observer failed")

    def _exchange(
        self,
        method: str,
        *,
        path: str,
        params: Sequence[tuple[str, str]] | None,
        data: bytes | None,
        headers: Mapping[str, str],
        timeout: tuple[float, float],
        remaining: float,
    ) -> _Reply:
        """One request and its whole body, cut off when ``remaining`` seconds have passed."""
        watchdog = _Watchdog(remaining)
        _current.watchdog = watchdog
        try:
            response = self._session.request(
                method,
                self._url(path),
                params=list(params) if params else None,
                data=data,
                headers=dict(headers),
                timeout=timeout,
                verify=self._verify,
                allow_redirects=False,
                stream=True,
            )
            try:
                declared = response.headers.get("Content-Length")
                if declared is not None and declared.isdigit() and int(declared) > self._limit:
                    raise HisBadResponse("HIS response is larger than max_response_mb")
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_content(chunk_size=65536):
                    size += len(chunk)
                    if size > self._limit:
                        raise HisBadResponse("HIS response is larger than max_response_mb")
                    chunks.append(chunk)
                if watchdog.fired:  # cut off mid-headers: http.client takes the EOF as their end
                    raise HisTimeout("HIS: no complete answer within the call deadline")
                # requests' CaseInsensitiveDict, kept: a dict() of it would lose that.
                return _Reply(response.status_code, CaseInsensitiveDict(response.headers), b"".join(chunks))
            finally:
                response.close()
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError):
            if watchdog.fired:
                raise HisTimeout("HIS: no complete answer within the call deadline") from None
            raise
        finally:
            watchdog.cancel()
            _current.watchdog = None

    def _check(self, reply: _Reply, op: str, not_found: str = "") -> None:
        """Raises the typed error for a non-2xx reply."""
        status = reply.status
        if 200 <= status < 300:
            return
        message = ""
        if "json" in reply.content_type:
            try:
                message = outcome_message(parse_json(reply.body, op))
            except HisBadResponse:
                message = ""
        detail = f"HIS {op}: HTTP {status}" + (f": {message}" if message else "")
        if status in (404, 410):
            raise HisNotFound(not_found or detail)
        if status in (409, 412):
            raise HisConflict(detail)
        if status in (401, 403):
            raise HisAuthError(f"HIS {op}: HTTP {status} (credentials refused)")
        if status in (400, 405, 406, 415, 422, 428):
            raise HisRejected(detail, reason=message)
        if status == 429 or status >= 500:
            raise HisUnavailable(detail)
        raise HisBadResponse(f"HIS {op}: unexpected HTTP {status}")

    def _json(self, reply: _Reply, op: str) -> Any:
        if "json" not in reply.content_type:
            raise HisBadResponse(f"HIS {op}: expected FHIR JSON, got {reply.content_type or 'no content type'}")
        return parse_json(reply.body, op)

    def _get_json(
        self,
        path: str,
        op: str,
        params: Sequence[tuple[str, str]] | None = None,
        not_found: str = "",
        deadline: float | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        reply = self._request("GET", path, op=op, idempotent=True, params=params, deadline=deadline, headers=headers)
        self._check(reply, op, not_found)
        return self._json(reply, op)

    def _read(self, rtype: str, rid: str, deadline: float | None = None) -> tuple[Json, str | None]:
        """A resource and its version (from ETag or meta.versionId)."""
        op = f"read {rtype}"
        reply = self._request("GET", f"{rtype}/{rid}", op=op, idempotent=True, deadline=deadline)
        self._check(reply, op, f"{rtype} not found in the HIS")
        data = check_type(self._json(reply, op), rtype, rtype)
        return data, _etag_version(reply.headers.get("ETag")) or version_of(data, rtype)

    def _search(
        self,
        rtype: str,
        params: list[tuple[str, str]],
        includable: frozenset[str] = frozenset(),
        deadline: float | None = None,
        *,
        verified: bool = False,
    ) -> tuple[list[Json], list[Json]]:
        """All pages of a search: (matches, included resources).

        Asks for strict handling (R4: an error instead of silently ignoring a parameter). A server
        may still be lenient: it then says so with an OperationOutcome in the Bundle and leaves
        the parameter out of its ``self`` link. For a ``verified`` search (identity and money)
        either is an error; otherwise it is logged and the caller's own filtering applies.
        """
        op = f"search {rtype}"
        deadline = deadline or self._monotonic() + self._settings.call_deadline_s
        strict = {"Prefer": "handling=strict"}
        page = parse_bundle(self._get_json(rtype, op, params, deadline=deadline, headers=strict), rtype, includable)
        self._check_search_applied(page, params, op, verified)
        matches, included = list(page.matches), list(page.included)
        pages = 1
        while page.next_url is not None:
            next_url = urljoin(self._base + "/", page.next_url)
            parts = urlsplit(next_url)
            if (parts.scheme, parts.netloc) != self._origin:
                raise bad("Bundle.link(next)", "points outside the HIS")
            pages += 1
            if pages > _MAX_PAGES:
                raise bad("Bundle.link(next)", f"more than {_MAX_PAGES} pages")
            left = _MAX_ENTRIES - len(matches) - len(included)
            page = parse_bundle(
                self._get_json(next_url, op, deadline=deadline, headers=strict), rtype, includable, max(0, left)
            )
            matches.extend(page.matches)
            included.extend(page.included)
        return matches, included

    @staticmethod
    def _check_search_applied(page: BundlePage, params: list[tuple[str, str]], op: str, verified: bool) -> None:
        ignored: list[str] = []
        if page.self_url is not None:
            used = {name.split(":")[0] for name, _ in parse_qsl(urlsplit(page.self_url).query, keep_blank_values=True)}
            ignored = sorted({n for n, _ in params if n not in _RESULT_PARAMS and n.split(":")[0] not in used})
        warned = [code for severity, code in page.issues if severity in ("warning", "error", "fatal")]
        if not ignored and not warned:
            return
        # Parameter names and issue codes only: the values are identifiers.
        detail = f"parameters not applied: {', '.join(ignored) or '?'}; issues: {', '.join(warned) or 'none'}"
        if verified:
            raise HisBadResponse(f"HIS {op}: the server did not apply the whole search ({detail})")
        log.warning("HIS %s: the server did not apply the whole search (%s); filtering here", op, detail)

    def _create(
        self, rtype: str, resource: Json, condition: tuple[str, str], op: str, deadline: float
    ) -> tuple[Json, bool]:
        """Creates ``resource`` unless one with the identifier ``condition`` (system, value) exists:
        (the resource, True if it was created now).

        A conditional create (If-None-Exist) where the CapabilityStatement offers it with a search
        on identifier, else a verified search and a plain create, which is never retried.
        """
        system, value = condition
        query = [("identifier", f"{system}|{value}")]
        if self.capabilities().conditional_create(rtype):
            reply = self._request(
                "POST",
                rtype,
                op=op,
                idempotent=True,
                body=resource,
                deadline=deadline,
                headers={
                    "If-None-Exist": "&".join(f"{n}={_escape_query(v)}" for n, v in query),
                    "Prefer": "return=representation",
                },
            )
            if reply.status == 412:
                raise HisAmbiguous(f"HIS {op}: the If-None-Exist condition matches several resources")
        else:
            existing, _ = self._search(rtype, query, deadline=deadline, verified=True)
            if len(existing) > 1:
                raise HisAmbiguous(f"HIS {op}: several resources carry one identifier")
            if existing:
                found = check_type(existing[0], rtype, rtype)
                self._check_carries(found, rtype, system, value)
                return found, False
            reply = self._request(
                "POST",
                rtype,
                op=op,
                idempotent=False,  # not conditional: a repeat could create a second one
                body=resource,
                deadline=deadline,
                headers={"Prefer": "return=representation"},
            )
        self._check(reply, op)
        data = self._representation(reply, rtype, op, deadline)
        self._check_carries(data, rtype, system, value)
        return data, reply.status == 201

    def _representation(self, reply: _Reply, rtype: str, op: str, deadline: float) -> Json:
        """The resource a create or update answered with, or (a server that ignores Prefer) the
        one its Location names."""
        if reply.body.strip():
            return check_type(self._json(reply, op), rtype, rtype)
        location = reply.headers.get("Location") or reply.headers.get("Content-Location") or ""
        rid = _id_from_location(location, rtype)
        if rid is None:
            raise HisBadResponse(f"HIS {op}: answered without a body or a usable Location")
        data, _ = self._read(rtype, rid, deadline)
        return data

    @staticmethod
    def _check_carries(resource: Json, rtype: str, system: str, value: str) -> None:
        if (system, value) not in identifiers(resource, rtype):
            raise bad(f"{rtype}.identifier", "the HIS answered with a resource without the identifier asked for")

    def _put(self, rtype: str, resource: Json, version: str | None, op: str, deadline: float) -> _Reply:
        # Without a version (a server that keeps none) the update cannot be conditional.
        headers = {"Prefer": "return=representation"}
        if version:
            headers["If-Match"] = f'W/"{version}"'
        return self._request(
            "PUT",
            f"{rtype}/{resource['id']}",
            op=op,
            idempotent=True,
            body=resource,
            headers=headers,
            deadline=deadline,
        )

    def _deadline(self) -> float:
        return self._monotonic() + self._settings.call_deadline_s

    # ---- gateway calls --------------------------------------------------------------------

    def capabilities(self, refresh: bool = False) -> ServerCapabilities:
        """The server's CapabilityStatement, read once and cached (``ping`` refreshes it)."""
        with self._capabilities_lock:
            if self._capabilities is not None and not refresh:
                return self._capabilities
        data = obj(self._get_json("metadata", "read metadata"), "CapabilityStatement")
        if data.get("resourceType") != "CapabilityStatement":
            raise bad("metadata", "not a CapabilityStatement")
        version = data.get("fhirVersion")
        if not isinstance(version, str) or not version.startswith("4.0"):
            raise HisRejected("the HIS is not a FHIR R4 (4.0.x) server", reason="FHIR version mismatch")
        formats = [f for f in opt_list(data, "format", "CapabilityStatement") if isinstance(f, str)]
        if formats and not any("json" in f for f in formats):
            raise HisRejected("the HIS does not speak FHIR JSON", reason="no JSON format")
        if data.get("kind") == "requirements":
            raise bad("metadata", "a requirements statement, not what this server does")
        configured = self._settings.profile_features
        found = parse_capabilities(data, self._profile.extension_base, None if configured == "auto" else configured)
        with self._capabilities_lock:
            self._capabilities = found
        return found

    def ping(self) -> str:
        """Checks that the HIS answers as a FHIR R4 server speaking JSON; returns its software name.
        Reads the CapabilityStatement afresh (the kiosk chooses its requests from it)."""
        return self.capabilities(refresh=True).software

    def find_patient(self, identifier: Identifier) -> Patient:
        system = self._profile.systems[identifier.kind]
        matches, _ = self._search("Patient", [("identifier", f"{system}|{identifier.value}")], verified=True)
        for match in matches:
            if (system, identifier.value) not in identifiers(match, "Patient"):
                raise bad("Patient.identifier", "the search returned a patient without the identifier searched")
        active = [m for m in matches if m.get("active") is not False]
        if len(active) > 1:
            raise HisAmbiguous(f"{len(active)} patients match one {identifier.kind.value} identifier")
        if not active:
            if matches:
                raise HisRejected("the only matching patient record is inactive", reason="record inactive")
            raise HisNotFound(f"no patient with this {identifier.kind.value} identifier")
        return parse_patient(active[0], self._profile)

    def create_patient(self, card: NewPatient) -> Patient:
        if not is_valid_resident_id(card.resident_id):
            raise HisRejected("the resident ID number is invalid", reason="invalid resident ID number")
        if not card.name.strip():
            raise HisRejected("a patient needs a name", reason="missing name")
        system = self._profile.systems[IdentifierKind.RESIDENT_ID]
        resource = patient_resource(card, self._profile)
        data, created = self._create(
            "Patient",
            resource,
            (system, card.resident_id),
            "create Patient",
            self._deadline(),
        )
        log.info("HIS patient record %s %s", "created" if created else "already existed:", data["id"])
        return parse_patient(data, self._profile)

    def departments(self) -> list[Department]:
        rtype = self._profile.department_resource
        params = [("active", "true"), ("_count", "200")]
        if rtype == "Organization":
            params.append(("type", f"{ORG_TYPE_SYSTEM}|dept"))
        matches, _ = self._search(rtype, params)
        return [parse_department(m, self._profile) for m in matches]

    def slots(self, department_id: str, day: date, days: int = 1) -> list[Slot]:
        deadline = self._deadline()
        rtype = self._profile.department_resource
        params = [("actor", f"{rtype}/{department_id}"), ("active", "true"), ("_count", "200")]
        if self.capabilities().include("Schedule", "Schedule:actor"):
            params.append(("_include", "Schedule:actor"))  # the doctors' names and titles at once
        schedules, included = self._search(
            "Schedule", params, includable=frozenset({"Practitioner", rtype}), deadline=deadline
        )
        if not schedules:
            return []
        by_ref = {f"{r['resourceType']}/{r['id']}": r for r in included}
        by_ref.update(self._doctors_not_included(schedules, by_ref, deadline))
        infos: dict[str, ScheduleInfo] = {}
        for schedule in schedules:
            info = parse_schedule(schedule, self._profile, by_ref)
            if info.department_id == department_id:  # a lenient server may ignore the actor filter
                infos[info.id] = info
        if not infos:
            return []
        start = datetime.combine(day, dtime(0), self._profile.zone)
        end = start + timedelta(days=max(1, days))
        found, _ = self._search(
            "Slot",
            [
                ("schedule", ",".join(f"Schedule/{sid}" for sid in infos)),
                ("status", "free"),
                ("start", f"ge{start.isoformat()}"),
                ("start", f"lt{end.isoformat()}"),
                ("_sort", "start"),
                ("_count", "500"),
            ],
            deadline=deadline,
        )
        # A lenient server may have ignored the schedule filter: keep only the schedules asked for.
        found = [s for s in found if reference_id(s.get("schedule"), "Schedule", "Slot.schedule") in infos]
        places = self.capabilities().has("places")
        slots = [parse_slot(s, self._profile, infos, places=places) for s in found]
        if slots and not places:
            slots = self._without_booked(slots, deadline)
        last = day + timedelta(days=max(1, days) - 1)
        now = self._now()  # a session that is over cannot be booked, whatever its status says
        return sorted(
            (s for s in slots if s.remaining > 0 and day <= s.start.date() <= last and s.end > now),
            key=lambda s: (s.start, s.doctor.name if s.doctor else ""),
        )

    def _doctors_not_included(self, schedules: list[Json], by_ref: dict[str, Json], deadline: float) -> dict[str, Json]:
        """The Practitioners the Schedules name that no ``_include`` brought: one more search."""
        wanted: set[str] = set()
        for schedule in schedules:
            for raw in opt_list(schedule, "actor", "Schedule"):
                doctor = reference_id(raw, "Practitioner", "Schedule.actor")
                if doctor is not None and f"Practitioner/{doctor}" not in by_ref:
                    wanted.add(doctor)
        if not wanted:
            return {}
        found, _ = self._search(
            "Practitioner", [("_id", ",".join(sorted(wanted))), ("_count", "200")], deadline=deadline
        )
        return {f"Practitioner/{p['id']}": p for p in found if p["id"] in wanted}

    def _without_booked(self, slots: list[Slot], deadline: float) -> list[Slot]:
        """Places left on a server without the kiosk profile's ``places``: a free Slot holds one
        booking, and a plain server may leave it ``free`` after one (it only stores): a Slot that
        an active Appointment names has no place left."""
        wanted = {s.id for s in slots}
        taken: set[str] = set()
        appointments, _ = self._search(
            "Appointment",
            [
                ("slot", ",".join(f"Slot/{sid}" for sid in sorted(wanted))),
                ("status", _ACTIVE_APPOINTMENT),
                ("_count", "500"),
            ],
            deadline=deadline,
        )
        for appointment in appointments:
            if appointment.get("status") not in _ACTIVE_APPOINTMENT.split(","):
                continue  # a lenient server's extra: filtered here
            for ref in opt_list(appointment, "slot", "Appointment"):
                slot_id = reference_id(ref, "Slot", "Appointment.slot")
                if slot_id in wanted:
                    taken.add(slot_id)
        return [dataclasses.replace(s, remaining=0) if s.id in taken else s for s in slots]

    def book(self, patient_id: str, slot: Slot, booking_key: str) -> Appointment:
        if not booking_key:
            raise HisRejected("a booking needs a booking key", reason="missing booking key")
        if slot.fee_fen > 0 and not self.capabilities().has("fee-hold"):
            # A plain server books at once: the fee would never be collected (issue 14).
            raise HisFeeNotCollectable(
                "the HIS cannot hold a place while its fee is paid (no fee-hold in its profile)",
                reason="registration fee cannot be collected at the kiosk",
            )
        resource = appointment_resource(patient_id, slot, booking_key, self._profile, self._now())
        data, created = self._create(
            "Appointment",
            resource,
            (self._profile.booking_key_system, booking_key),
            "book Appointment",
            self._deadline(),
        )
        appointment = parse_appointment(data, self._profile)
        if appointment.patient_id != patient_id or appointment.slot_id not in (None, slot.id):
            # The key was already used for another booking: a bug in the caller, never a silent success.
            raise HisRejected("the booking key belongs to another booking", reason="booking key reused")
        if appointment.status is AppointmentStatus.PENDING and appointment.bill_id is None:
            # A hold the kiosk cannot pay for would only block the place until it lapses.
            raise bad("Appointment.extension(registration-invoice)", "a held booking names no fee invoice")
        log.info(
            "HIS appointment %s %s (%s)",
            appointment.id,
            "created" if created else "already existed",
            appointment.status,
        )
        return appointment

    def bill(self, bill_id: str) -> Bill:
        _check_id(bill_id, "bill")
        data, _ = self._read("Invoice", bill_id, self._deadline())
        status = opt_str(data, "status", "Invoice")
        if status == "balanced":
            raise HisRejected("the bill was already paid", reason="bill already paid")
        if status != "issued":
            raise HisRejected(f"the bill is {status}, not payable", reason=f"bill {status}")
        return parse_invoice(data, self._profile)

    def appointment(self, appointment_id: str) -> Appointment:
        _check_id(appointment_id, "appointment")
        data, version = self._read("Appointment", appointment_id, self._deadline())
        found = parse_appointment(data, self._profile)
        return found if found.version is not None else dataclasses.replace(found, version=version)

    def cancel_booking(self, appointment: Appointment) -> Appointment:
        return self._set_appointment_status(
            appointment,
            "cancelled",
            AppointmentStatus.CANCELLED,
            frozenset({AppointmentStatus.BOOKED, AppointmentStatus.PENDING}),
        )

    def check_in(self, appointment: Appointment) -> Appointment:
        return self._set_appointment_status(
            appointment, "arrived", AppointmentStatus.ARRIVED, frozenset({AppointmentStatus.BOOKED})
        )

    def _set_appointment_status(
        self, appointment: Appointment, code: str, target: AppointmentStatus, allowed: frozenset[AppointmentStatus]
    ) -> Appointment:
        """Read-modify-write with If-Match; a 412 re-reads, so a repeated call is harmless."""
        deadline = self._deadline()
        op = f"update Appointment ({code})"
        for _ in range(_MAX_STATUS_ATTEMPTS):
            data, version = self._read("Appointment", appointment.id, deadline)
            current = parse_appointment(data, self._profile)
            if current.status is target:
                return current
            if current.status not in allowed:
                raise HisRejected(
                    f"appointment is {current.status.value}, cannot become {target.value}",
                    reason=f"appointment already {current.status.value}",
                )
            updated = {**data, "status": code}
            if code == "cancelled":
                updated["cancelationReason"] = {"text": "cancelled by the patient at a self-service kiosk"}
            reply = self._put("Appointment", updated, version, op, deadline)
            if reply.status == 412:
                continue  # changed meanwhile (or our own earlier attempt landed): look again
            self._check(reply, op, "appointment not found in the HIS")
            return parse_appointment(check_type(self._json(reply, op), "Appointment", "Appointment"), self._profile)
        raise HisConflict(f"HIS {op}: the appointment keeps changing")

    def appointments_on(self, patient_id: str, day: date) -> list[Appointment]:
        start = datetime.combine(day, dtime(0), self._profile.zone)
        matches, _ = self._search(
            "Appointment",
            [
                ("patient", f"Patient/{patient_id}"),
                ("date", f"ge{start.isoformat()}"),
                ("date", f"lt{(start + timedelta(days=1)).isoformat()}"),
                ("status", "booked,arrived,checked-in"),
                ("_sort", "date"),
                ("_count", "100"),
            ],
        )
        found = [parse_appointment(m, self._profile) for m in matches]
        return sorted(
            (
                a
                for a in found
                if a.patient_id == patient_id and a.status in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED)
            ),
            key=lambda a: a.start,
        )

    def unpaid_bills(self, patient_id: str) -> list[Bill]:
        matches, _ = self._search(
            "Invoice", [("subject", f"Patient/{patient_id}"), ("status", "issued"), ("_count", "100")]
        )
        bills = []
        for match in matches:
            if match.get("status") != "issued":
                continue  # a lenient server ignored the status filter: not a bill to pay
            bill = parse_invoice(match, self._profile)
            if bill.patient_id != patient_id:
                raise bad("Invoice.subject", "search returned another patient's invoice")
            if is_registration_invoice(match, self._profile):
                continue  # a held booking's fee: paid only inside the registration flow
            bills.append(bill)
        return sorted(bills, key=lambda b: (b.visit_date or date.min, b.id))

    def find_settlement(self, payment_reference: str) -> Settlement | None:
        payment = self._find_payment(payment_reference, self._deadline())
        return parse_payment(payment, self._profile) if payment is not None else None

    def _payment_by_put(self) -> bool:
        """True when payments are recorded under an id derived from their reference: the server
        offers no conditional create with a search on PaymentReconciliation.identifier, so no
        search result could prove a payment is ours."""
        return not self.capabilities().conditional_create("PaymentReconciliation")

    def _payment_id(self, payment_reference: str) -> str:
        key = f"{self._profile.payment_reference_system}|{payment_reference}".encode()
        return "kiosk-pay-" + hashlib.sha256(key).hexdigest()[:48]

    def _find_payment(self, payment_reference: str, deadline: float) -> Json | None:
        system = self._profile.payment_reference_system
        if self._payment_by_put():
            try:
                found, _ = self._read("PaymentReconciliation", self._payment_id(payment_reference), deadline)
            except HisNotFound:
                return None
            matches = [found]
        else:
            matches, _ = self._search(
                "PaymentReconciliation",
                [("identifier", f"{system}|{payment_reference}")],
                deadline=deadline,
                verified=True,
            )
        for match in matches:
            # Never someone else's payment: each one must carry this very reference.
            if parse_payment(match, self._profile).payment_reference != payment_reference:
                raise bad("PaymentReconciliation.identifier", "a payment with another reference came back")
        if len(matches) > 1:
            raise HisAmbiguous("several HIS payments carry one payment reference")
        return matches[0] if matches else None

    def _record_payment(self, resource: Json, payment_reference: str, deadline: float) -> Json:
        op = "create PaymentReconciliation"
        system = self._profile.payment_reference_system
        if not self._payment_by_put():
            payment, _ = self._create("PaymentReconciliation", resource, (system, payment_reference), op, deadline)
            return payment
        rid = self._payment_id(payment_reference)
        # Update-as-create under an id only this reference yields: a repeat writes the same content.
        reply = self._put("PaymentReconciliation", {**resource, "id": rid}, None, op, deadline)
        self._check(reply, op)
        payment = self._representation(reply, "PaymentReconciliation", op, deadline)
        self._check_carries(payment, "PaymentReconciliation", system, payment_reference)
        return payment

    def settle(self, patient_id: str, bills: Sequence[Bill], payment_reference: str, amount_fen: int) -> Settlement:
        bills = list(bills)
        if not bills or not payment_reference:
            raise HisRejected("nothing to settle", reason="no bills or no payment reference")
        if len({b.id for b in bills}) != len(bills):
            raise HisRejected("a bill is listed twice", reason="duplicate bill")
        if sum(b.total_fen for b in bills) != amount_fen:
            raise HisRejected("the amount paid differs from the bills' total", reason="amount mismatch")
        deadline = self._deadline()
        payment = self._find_payment(payment_reference, deadline)
        if payment is None:
            for bill in bills:
                self._check_unpaid(bill, patient_id, deadline)
            resource = payment_resource(bills, payment_reference, amount_fen, self._profile, self._now())
            payment = self._record_payment(resource, payment_reference, deadline)
        settlement = parse_payment(payment, self._profile)
        if sorted(settlement.bill_ids) != sorted(b.id for b in bills) or settlement.amount_fen != amount_fen:
            raise HisRejected("this payment reference was recorded for other bills", reason="payment reference reused")
        for bill in bills:
            self._mark_invoice_paid(bill.id, settlement.id, deadline)
        log.info("HIS settlement %s recorded for %d bill(s)", settlement.id, len(bills))
        return settlement

    def _check_unpaid(self, bill: Bill, patient_id: str, deadline: float) -> None:
        data, _ = self._read("Invoice", bill.id, deadline)
        current = parse_invoice(data, self._profile)
        status = data.get("status")
        if current.patient_id != patient_id:
            raise HisRejected("a bill belongs to another patient", reason="bill of another patient")
        if status == "balanced":
            raise HisRejected("a bill was already paid", reason="bill already paid")
        if status != "issued":
            raise HisRejected(f"a bill is {status}, not payable", reason=f"bill {status}")
        if current.total_fen != bill.total_fen:
            raise HisConflict("a bill changed since it was shown")

    def _mark_invoice_paid(self, invoice_id: str, payment_id: str, deadline: float) -> None:
        op = "update Invoice (balanced)"
        link_url = self._profile.ext(EXT_PAYMENT)
        for _ in range(_MAX_STATUS_ATTEMPTS):
            data, version = self._read("Invoice", invoice_id, deadline)
            link = extension(data, link_url, "Invoice")
            linked = (
                reference_id(link.get("valueReference"), "PaymentReconciliation", "Invoice.extension(payment)")
                if link is not None and link.get("valueReference") is not None
                else None
            )
            if data.get("status") == "balanced":
                if linked not in (None, payment_id):
                    raise HisRejected("a bill was already paid by another payment", reason="bill already paid")
                return  # our earlier attempt, or the HIS settled it itself on receiving the payment
            if data.get("status") != "issued":
                raise HisRejected(f"a bill is {data.get('status')}, not payable", reason="bill not payable")
            others = [
                e for e in opt_list(data, "extension", "Invoice") if obj(e, "Invoice.extension").get("url") != link_url
            ]
            updated = {
                **data,
                "status": "balanced",
                "extension": [
                    *others,
                    {"url": link_url, "valueReference": {"reference": f"PaymentReconciliation/{payment_id}"}},
                ],
            }
            reply = self._put("Invoice", updated, version, op, deadline)
            if reply.status == 412:
                continue
            self._check(reply, op, "bill not found in the HIS")
            return
        raise HisConflict(f"HIS {op}: the bill keeps changing")

    def reports(self, patient_id: str) -> list[Report]:
        matches, _ = self._search(
            "DiagnosticReport", [("subject", f"Patient/{patient_id}"), ("_sort", "-issued"), ("_count", "100")]
        )
        reports = [parse_report(m, self._profile) for m in matches]
        visible = [r for r in reports if r.patient_id == patient_id and r.status is not ReportStatus.CANCELLED]
        return sorted(
            visible, key=lambda r: r.ready_at or datetime.min.replace(tzinfo=self._profile.zone), reverse=True
        )

    def report_pdf(self, report: Report) -> bytes:
        deadline = self._deadline()
        data, _ = self._read("DiagnosticReport", report.id, deadline)
        forms = pdf_attachments(data)
        if not forms:
            raise HisNotFound("the report has no PDF attachment")
        form = forms[0]
        where = "DiagnosticReport.presentedForm"
        if isinstance(form.get("data"), str):
            pdf = _b64(form["data"], f"{where}.data")
        elif isinstance(form.get("url"), str):
            pdf = self._fetch_attachment(form["url"], deadline)
        else:
            raise bad(where, "PDF attachment without data or url")
        if not pdf.startswith(b"%PDF-"):
            raise bad(where, "attachment is not a PDF")
        expected_hash = form.get("hash")
        if isinstance(expected_hash, str):
            digest = base64.b64encode(hashlib.sha1(pdf).digest()).decode("ascii")  # noqa: S324 - FHIR Attachment.hash is SHA-1
            if digest != expected_hash:
                raise bad(f"{where}.hash", "PDF does not match its hash")
        return pdf

    def _fetch_attachment(self, url: str, deadline: float) -> bytes:
        absolute = urljoin(self._base + "/", url)
        parts = urlsplit(absolute)
        if (parts.scheme, parts.netloc) != self._origin:
            raise bad("DiagnosticReport.presentedForm.url", "points outside the HIS")
        op = "read Binary"
        reply = self._request(
            "GET",
            absolute,
            op=op,
            idempotent=True,
            deadline=deadline,
            headers={"Accept": f"application/pdf, {FHIR_JSON};q=0.5"},
        )
        self._check(reply, op, "report PDF not found in the HIS")
        if reply.content_type == "application/pdf":
            return reply.body
        binary = check_type(self._json(reply, op), "Binary", "Binary")
        content_type = str(binary.get("contentType", "")).split(";")[0].strip().lower()
        if content_type != "application/pdf" or not isinstance(binary.get("data"), str):
            raise bad("Binary", "not a PDF")
        return _b64(binary["data"], "Binary.data")

    def mark_printed(self, report: Report) -> Report:
        # ``report`` is what the kiosk listed: printed already then, this print was the copy.
        tag = (
            {"system": KIOSK_TAG_SYSTEM, "code": TAG_COPY_PRINTED, "display": "copy printed at a kiosk"}
            if report.printed
            else {"system": KIOSK_TAG_SYSTEM, "code": TAG_PRINTED, "display": "printed at a kiosk"}
        )
        deadline = self._deadline()
        if not (
            self.capabilities().operation("DiagnosticReport", "meta-add") and self._meta_add(report, tag, deadline)
        ):
            self._tag_by_update(report, tag, deadline)
        return dataclasses.replace(report, printed=True, copy_printed=report.copy_printed or report.printed)

    def _meta_add(self, report: Report, tag: Json, deadline: float) -> bool:
        """``$meta-add`` (Trial Use in R4, and not idempotent by its definition: never retried).
        False when the server turns out not to have it after all."""
        op = "DiagnosticReport $meta-add"
        params: Json = {"resourceType": "Parameters", "parameter": [{"name": "meta", "valueMeta": {"tag": [tag]}}]}
        reply = self._request(
            "POST", f"DiagnosticReport/{report.id}/$meta-add", op=op, idempotent=False, body=params, deadline=deadline
        )
        if reply.status in (404, 405, 501):
            # A 404 here may mean "no such operation", not "no such report": the read tells.
            self._read("DiagnosticReport", report.id, deadline)
            log.warning("HIS %s: HTTP %d although declared; updating the report instead", op, reply.status)
            return False
        self._check(reply, op, "report not found in the HIS")
        result = obj(self._json(reply, op), "Parameters")
        if result.get("resourceType") != "Parameters":
            raise bad("Parameters", "expected Parameters")
        return True

    def _tag_by_update(self, report: Report, tag: Json, deadline: float) -> None:
        """Read-modify-write of meta.tag with If-Match (when the server keeps versions)."""
        op = "update DiagnosticReport (printed)"
        for _ in range(_MAX_STATUS_ATTEMPTS):
            data, version = self._read("DiagnosticReport", report.id, deadline)
            meta = obj(data.get("meta") or {}, "DiagnosticReport.meta")
            tags = [obj(t, "DiagnosticReport.meta.tag") for t in opt_list(meta, "tag", "DiagnosticReport.meta")]
            if any(t.get("system") == tag["system"] and t.get("code") == tag["code"] for t in tags):
                return  # our earlier attempt landed
            updated = {**data, "meta": {**meta, "tag": [*tags, tag]}}
            reply = self._put("DiagnosticReport", updated, version, op, deadline)
            if reply.status == 412:
                continue
            self._check(reply, op, "report not found in the HIS")
            return
        raise HisConflict(f"HIS {op}: the report keeps changing")

    def _now(self) -> datetime:
        if self._wall is not None:
            return self._wall().astimezone(self._profile.zone).replace(microsecond=0)
        return datetime.now(self._profile.zone).replace(microsecond=0)


def _check_id(rid: str, what: str) -> None:
    """An id from the caller goes into a URL path: one that cannot be a FHIR id names nothing."""
    if not _FHIR_ID.fullmatch(rid):
        raise HisNotFound(f"no {what} with such an id")


def _b64(text: str, where: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise bad(where, "not base64") from None


def _etag_version(etag: str | None) -> str | None:
    if not etag:
        return None
    value = etag.strip().removeprefix("W/").strip('"')
    return value or None


def _escape_query(value: str) -> str:
    """Percent-encodes what would break a query string (the If-None-Exist header value)."""
    return quote(value, safe="|:/.-_~")


def _id_from_location(location: str, rtype: str) -> str | None:
    parts = [p for p in urlsplit(location).path.split("/") if p]
    if "_history" in parts:
        parts = parts[: parts.index("_history")]
    if len(parts) >= 2 and parts[-2] == rtype:
        return parts[-1]
    return None


def _retry_after(value: str | None) -> float:
    if value is None:
        return 0.0
    try:
        return max(0.0, min(float(value), 30.0))
    except ValueError:
        return 0.0
