"""The simulator's HTTP server and its in-process API (start, stop, faults, clock).

:class:`HisSimulator` serves the FHIR subset at ``http://127.0.0.1:PORT/fhir`` from a
ThreadingHTTPServer: one server thread accepts connections, one thread per connection serves
keep-alive requests. Faults are applied here, between the socket and :class:`FhirApi`.
Control endpoints outside the FHIR base (never subject to faults) let the demo or a separate
process steer it: ``GET/POST/DELETE /_sim/faults``, ``POST/DELETE /_sim/clock``, ``GET /_sim/health``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import socket
import struct
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from kiosk.config import HisSection
from kiosk.his.simulator.api import REGISTRATION_HOLD, ApiRequest, ApiResponse, FhirApi, SimClock, operation_outcome
from kiosk.his.simulator.faults import Fault, FaultPlan
from kiosk.his.simulator.seed import Seeder, SeedSystems
from kiosk.his.simulator.store import ResourceStore, dump_json

log = logging.getLogger(__name__)

FHIR_BASE_PATH = "/fhir"
_MAX_BODY = 10 * 1024 * 1024
_DEFAULT_TIMEOUT_HANG = 30.0


def systems_from(settings: HisSection) -> SeedSystems:
    """The simulator speaks the identifier systems the client is configured with."""
    return SeedSystems(
        resident_id=settings.resident_id_system,
        visit_card=settings.visit_card_system,
        insurance_card=settings.insurance_card_system,
        health_card=settings.health_card_system,
        booking_key=settings.booking_key_system,
        payment_reference=settings.payment_reference_system,
        receipt_number=settings.receipt_number_system,
        queue_number=settings.queue_number_system,
        extension_base=settings.extension_base,
    )


class _Server(ThreadingHTTPServer):
    """Tracks open connections so stop() can wake their threads and join them."""

    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], simulator: HisSimulator) -> None:
        self.simulator = simulator
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    """Runs on one connection thread; serves requests until the client closes or the server stops."""

    protocol_version = "HTTP/1.1"
    server_version = "HisSimulator/1.0"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without NODELAY, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass  # the connection was reset on purpose (fault) or by the client
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        # The stdlib logs the request line, which carries identifiers in query strings: never log it.
        return

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self._send(ApiResponse(411, b"", headers={}))
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= _MAX_BODY:
            self.close_connection = True
            self._send(ApiResponse(413, dump_json(operation_outcome("too-costly", "body too large")).encode()))
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        sim = self.server.simulator
        body = self._read_body()
        if body is None:
            return
        url = urlsplit(self.path)
        if url.path.startswith("/_sim/"):
            self._send(sim.control(self.command, url.path, body))
            return
        if not (url.path == FHIR_BASE_PATH or url.path.startswith(FHIR_BASE_PATH + "/")):
            self._send(ApiResponse(404, dump_json(operation_outcome("not-found", "not a FHIR path")).encode()))
            return
        path = url.path[len(FHIR_BASE_PATH) :]
        segments = [s for s in path.split("/") if s]
        rtype = segments[0] if segments else ""
        latency, fault = sim.faults.take(self.command, rtype)
        if latency and sim.stopping.wait(latency):
            self._drop(reset=True)
            return
        if fault is not None and fault.kind in ("reset", "timeout"):
            if fault.kind == "timeout":
                sim.stopping.wait(fault.seconds or _DEFAULT_TIMEOUT_HANG)
            self._drop(reset=fault.kind == "reset")
            return
        if fault is not None and fault.kind == "status":
            default = dump_json(operation_outcome("transient", f"injected HTTP {fault.status}")).encode()
            self._send(ApiResponse(fault.status, fault.body if fault.body is not None else default, fault.content_type))
            return
        request = ApiRequest(
            method=self.command,
            path=path,
            query=parse_qsl(url.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        response = sim.api.handle(request)
        if fault is not None and fault.kind == "malformed":
            truncated = response.body[: max(len(response.body) // 2, 1)]
            response = ApiResponse(
                fault.status if fault.status != 500 else 200,
                fault.body if fault.body is not None else truncated,
                fault.content_type,
                {},
            )
        if fault is not None and fault.kind == "reset_mid_body":
            self._send_half_then_reset(response)
            return
        self._send(response)

    def _send(self, response: ApiResponse) -> None:
        headers = [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            *response.headers.items(),
        ]
        if self.close_connection:
            headers.append(("Connection", "close"))
        if self.server.simulator.plain:
            # As h11/uvicorn and HTTP/2 front ends send them: header names in lower case.
            self.log_request(response.status)
            self.send_response_only(response.status)
            headers = [(name.lower(), value) for name, value in headers]
        else:
            self.send_response(response.status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body)

    def _send_half_then_reset(self, response: ApiResponse) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body[: len(response.body) // 2])
        self.wfile.flush()
        self._drop(reset=True)

    def _drop(self, reset: bool) -> None:
        """Closes the connection without an answer; ``reset`` sends RST instead of FIN."""
        self.close_connection = True
        try:
            if reset:
                # Linger 0: close() discards unsent data and sends RST, like a crashed proxy.
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()


class HisSimulator:
    """The embedded HIS: a FHIR server on a loopback port, SQLite storage, faults and a clock.

    Created and controlled on one thread (a test, the demo's main thread); it serves on its own
    server thread plus one thread per client connection. ``start()`` returns the FHIR base URL;
    ``stop()`` closes the listening socket, wakes every connection thread and joins them.
    """

    def __init__(
        self,
        db_path: Path | str | None = None,
        *,
        seed: int = 20240501,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: HisSection | None = None,
        now: datetime | None = None,
        patients: int = 200,
        hold_time: timedelta = REGISTRATION_HOLD,
        plain: bool = False,
    ) -> None:
        self.settings = settings or HisSection(mode="simulator")
        self.zone = ZoneInfo(self.settings.timezone)
        self.clock = SimClock(self.zone)
        if now is not None:
            self.clock.set(now)
        self.faults = FaultPlan()
        self.stopping = threading.Event()
        self.systems = systems_from(self.settings)
        self._host, self._port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._base_url = ""
        self.store = ResourceStore(db_path, self.zone)
        try:
            if self.store.is_empty():
                Seeder(self.store, self.systems, self.clock.now(), seed).run(patients)
        except BaseException:
            self.store.close()
            raise
        # hold_time: how long a booking with a registration fee waits for its payment.
        self.plain = plain  # a plain FHIR server: see FhirApi
        self.api = FhirApi(self.store, self.systems, self.clock, lambda: self._base_url, hold_time, plain=plain)

    @property
    def base_url(self) -> str:
        """The FHIR base URL, e.g. http://127.0.0.1:54321/fhir (empty until started)."""
        return self._base_url

    def start(self) -> str:
        if self._server is not None:
            return self._base_url
        if not ipaddress.ip_address(socket.gethostbyname(self._host)).is_loopback:
            log.warning(
                "HIS simulator listening on a non-loopback address: it holds no real data, "
                "but anyone on the network can change it"
            )
        self.stopping.clear()
        self._server = _Server((self._host, self._port), self)
        host, port = self._server.server_address[:2]
        self._base_url = f"http://{host!s}:{port}{FHIR_BASE_PATH}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="his-simulator", daemon=True
        )
        self._thread.start()
        log.info("HIS simulator serving at %s", self._base_url)
        return self._base_url

    def stop(self) -> None:
        """Stops serving; the store stays open until close()."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self.stopping.set()  # wakes handlers sleeping in latency/timeout faults
        try:
            server.shutdown()
            with server.connections_lock:
                open_connections = list(server.connections)
            for conn in open_connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)  # unblocks keep-alive reads
        finally:
            server.server_close()  # joins the connection threads
            if thread is not None:
                thread.join(timeout=5)
            self._server = None
            self._thread = None
            log.info("HIS simulator stopped")

    def close(self) -> None:
        self.stop()
        self.store.close()

    def __enter__(self) -> HisSimulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- control ----------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> None:
        self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_now(self, moment: datetime | None) -> None:
        self.clock.set(moment)

    def control(self, method: str, path: str, body: bytes) -> ApiResponse:
        """The /_sim/ endpoints (JSON in, JSON out)."""
        try:
            data = json.loads(body) if body else None
            if path == "/_sim/health" and method == "GET":
                return self._ok({"status": "ok", "now": self.clock.now().isoformat()})
            if path == "/_sim/faults":
                if method == "GET":
                    return self._ok({"faults": [f.to_json() for f in self.faults.active()]})
                if method == "POST":
                    items = data if isinstance(data, list) else [data]
                    for item in items:
                        self.faults.add(Fault.from_json(item))
                    return self._ok({"faults": [f.to_json() for f in self.faults.active()]})
                if method == "DELETE":
                    self.faults.clear()
                    return self._ok({"faults": []})
            if path == "/_sim/clock":
                if method == "POST" and isinstance(data, dict) and isinstance(data.get("now"), str):
                    self.clock.set(datetime.fromisoformat(data["now"]))
                    return self._ok({"now": self.clock.now().isoformat()})
                if method == "DELETE":
                    self.clock.set(None)
                    return self._ok({"now": self.clock.now().isoformat()})
        except ValueError as exc:  # includes JSON errors and invalid faults
            return ApiResponse(400, json.dumps({"error": str(exc)}).encode(), "application/json")
        return ApiResponse(404, b'{"error": "unknown control endpoint"}', "application/json")

    @staticmethod
    def _ok(data: dict[str, Any]) -> ApiResponse:
        return ApiResponse(200, json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json")
