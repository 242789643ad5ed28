"""The payment sandbox: a small payment channel on 127.0.0.1 for the demo and the tests.

It behaves like a QR / payment-code channel (see :mod:`kiosk.payments.channel`): orders keyed by
the merchant's order number, query, close, reverse, idempotent refunds and a daily statement,
over JSON HTTP under ``/api/v1``. Every order has a page, ``/pay/<order_no>``, where a person
approves or declines the payment from a browser or a phone: the kiosk's QR code for a
scan-to-pay order is that page's URL. Tests script outcomes and delays per order or for the
next orders, inject faults (unavailable, reset, hang) per operation, and move its clock.

Threads: one server thread accepts connections, one thread serves each connection; the order
book is guarded by one lock. Control (``script``, ``add_fault``, ``set_time``) from any thread.
Create and ``start``/``stop`` on the owning thread (a test, the demo, the crash harness). Outcome
scripts apply lazily when an order is read, so no timer threads run.
"""

from __future__ import annotations

import contextlib
import html
import ipaddress
import json
import logging
import secrets
import socket
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from kiosk.domain import format_fen

log = logging.getLogger(__name__)

API = "/api/v1"
Outcome = Literal["approve", "decline", "none"]
FaultKind = Literal["unavailable", "reset", "hang"]
OPERATIONS = ("create", "query", "close", "reverse", "refund", "statement")
_MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Script:
    """What happens to an order without a person: ``approve`` or ``decline`` ``delay_s`` after it
    was opened, or ``none`` (it waits for the page). ``charge_fen`` charges another amount than
    ordered (a faulty channel), for tests."""

    outcome: Outcome = "none"
    delay_s: float = 0.0
    charge_fen: int | None = None

    def __post_init__(self) -> None:
        if self.outcome not in ("approve", "decline", "none") or self.delay_s < 0:
            raise ValueError("a script is approve/decline/none with delay_s >= 0")


@dataclass(frozen=True)
class Fault:
    """Makes the next ``times`` calls of ``operation`` (or "*") fail: 503, a reset connection, or a
    hang of ``seconds`` before a 503. ``after`` lets the call take effect first (the answer is lost)."""

    operation: str = "*"
    kind: FaultKind = "unavailable"
    times: int | None = 1
    seconds: float = 0.0
    after: bool = False

    def __post_init__(self) -> None:
        if self.operation not in (*OPERATIONS, "*") or self.kind not in ("unavailable", "reset", "hang"):
            raise ValueError(f"unknown fault {self.operation!r}/{self.kind!r}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1 or None")


@dataclass
class Order:
    order_no: str
    mode: Literal["qr", "code"]
    amount_fen: int
    subject: str
    created_at: float
    expires_at: float
    script: Script
    status: str = "waiting"
    paid_fen: int = 0
    refunded_fen: int = 0
    refunds: dict[str, int] = field(default_factory=dict)
    transaction_id: str = ""
    paid_at: float | None = None

    def public(self, zone: ZoneInfo, page_url: str) -> dict[str, Any]:
        return {
            "order_no": self.order_no,
            "mode": self.mode,
            "status": self.status,
            "amount_fen": self.amount_fen,
            "paid_fen": self.paid_fen,
            "refunded_fen": self.refunded_fen,
            "transaction_id": self.transaction_id,
            "created_at": datetime.fromtimestamp(self.created_at, zone).isoformat(),
            "paid_at": datetime.fromtimestamp(self.paid_at, zone).isoformat() if self.paid_at else None,
            "qr_payload": page_url if self.mode == "qr" else "",
        }


class SandboxError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class OrderBook:
    """The sandbox's orders: the channel's business rules. Thread-safe (one lock)."""

    def __init__(self, db_path: Path | None, zone: ZoneInfo, now: Any) -> None:
        self._lock = threading.RLock()
        self._orders: dict[str, Order] = {}
        self._tombstones: set[str] = set()  # numbers closed before they existed
        self._zone = zone
        self._now = now
        self._scripts: dict[str, Script] = {}
        self._next_scripts: list[Script] = []
        self.default_qr = Script("none")
        self.default_code = Script("approve", 2.0)
        self._db: sqlite3.Connection | None = None
        if db_path is not None:
            db_path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(db_path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS orders (order_no TEXT PRIMARY KEY, data TEXT NOT NULL)")
            for (data,) in self._db.execute("SELECT data FROM orders"):
                order = _order_from(json.loads(data))
                if order.status == "tombstone":
                    self._tombstones.add(order.order_no)
                else:
                    self._orders[order.order_no] = order

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def _save(self, order: Order) -> None:
        if self._db is not None:
            self._db.execute(
                "INSERT OR REPLACE INTO orders (order_no, data) VALUES (?, ?)",
                (order.order_no, json.dumps(asdict(order))),
            )

    # --- scripting ---------------------------------------------------------------------------

    def script(self, script: Script, order_no: str | None = None, times: int = 1) -> None:
        """Script one order by number, or the next ``times`` orders opened."""
        with self._lock:
            if order_no is not None:
                self._scripts[order_no] = script
                order = self._orders.get(order_no)
                if order is not None:
                    order.script = script
            else:
                self._next_scripts.extend([script] * times)

    def clear_scripts(self) -> None:
        with self._lock:
            self._scripts.clear()
            self._next_scripts.clear()

    # --- operations -----------------------------------------------------------------------------

    def create(self, order_no: str, mode: str, amount_fen: int, subject: str, expires_in_s: float) -> Order:
        if not order_no or len(order_no) > 32 or not order_no.replace("-", "").replace("_", "").isalnum():
            raise SandboxError(400, "INVALID_ORDER_NO", "order numbers are 1-32 letters, digits, - or _")
        if mode not in ("qr", "code"):
            raise SandboxError(400, "INVALID_MODE", "mode is qr or code")
        if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or not 0 < amount_fen < 10**10:
            raise SandboxError(400, "INVALID_AMOUNT", "amount_fen must be a positive integer")
        with self._lock:
            if order_no in self._tombstones:
                raise SandboxError(409, "ORDER_CLOSED", "this order number was closed")
            existing = self._orders.get(order_no)
            if existing is not None:
                if existing.amount_fen != amount_fen or existing.mode != mode:
                    raise SandboxError(409, "ORDER_MISMATCH", "this order number exists with another amount")
                return self._advance(existing)
            now = self._now()
            script = self._scripts.pop(order_no, None)
            if script is None and self._next_scripts:
                script = self._next_scripts.pop(0)
            if script is None:
                script = self.default_qr if mode == "qr" else self.default_code
            order = Order(order_no, mode, amount_fen, subject[:64], now, now + max(expires_in_s, 1.0), script)  # type: ignore[arg-type]
            self._orders[order_no] = order
            self._save(order)
            log.info("sandbox order %s opened (%s, %d fen)", order_no, mode, amount_fen)
            return self._advance(order)

    def get(self, order_no: str) -> Order:
        with self._lock:
            order = self._orders.get(order_no)
            if order is None:
                raise SandboxError(404, "ORDER_NOT_FOUND", "no such order")
            return self._advance(order)

    def _advance(self, order: Order) -> Order:
        """Applies the order's script and expiry as of now (lock held)."""
        if order.status != "waiting":
            return replace(order)
        now = self._now()
        if order.script.outcome != "none" and now >= order.created_at + order.script.delay_s:
            self._decide(order, order.script.outcome == "approve", order.script.charge_fen)
        elif now >= order.expires_at:
            order.status = "closed"
            self._save(order)
        return replace(order, refunds=dict(order.refunds))

    def _decide(self, order: Order, approve: bool, charge_fen: int | None = None) -> None:
        if approve:
            order.status = "paid"
            order.paid_fen = charge_fen if charge_fen is not None else order.amount_fen
            order.paid_at = self._now()
            order.transaction_id = f"SBX{secrets.token_hex(8)}"
        else:
            order.status = "failed"
        self._save(order)
        log.info("sandbox order %s %s", order.order_no, order.status)

    def decide(self, order_no: str, approve: bool) -> Order:
        """A person approved or declined on the page."""
        with self._lock:
            order = self._orders.get(order_no)
            if order is None:
                raise SandboxError(404, "ORDER_NOT_FOUND", "no such order")
            self._advance(order)
            if order.status != "waiting":
                raise SandboxError(409, "ORDER_NOT_WAITING", f"this order is {order.status}")
            self._decide(order, approve)
            return replace(order)

    def close_order(self, order_no: str) -> Order:
        with self._lock:
            order = self._orders.get(order_no)
            if order is None:
                self._tombstones.add(order_no)
                if self._db is not None:
                    self._save(Order(order_no, "qr", 1, "", 0, 0, Script(), status="tombstone"))
                return Order(order_no, "qr", 0, "", self._now(), self._now(), Script(), status="closed")
            self._advance(order)
            if order.status in {"paid", "refunded"}:
                raise SandboxError(409, "ORDER_PAID", "the order was paid; refund it instead")
            if order.status == "waiting":
                order.status = "closed"
                self._save(order)
            return replace(order)

    def reverse(self, order_no: str) -> Order:
        with self._lock:
            order = self._orders.get(order_no)
            if order is None:
                self.close_order(order_no)
                return Order(order_no, "code", 0, "", self._now(), self._now(), Script(), status="reversed")
            self._advance(order)
            if order.status in ("waiting", "paid", "failed", "closed"):
                order.refunded_fen = order.paid_fen
                order.status = "reversed"
                self._save(order)
            return replace(order)

    def refund(self, order_no: str, refund_no: str, amount_fen: int) -> Order:
        with self._lock:
            order = self._orders.get(order_no)
            if order is None:
                raise SandboxError(404, "ORDER_NOT_FOUND", "no such order")
            self._advance(order)
            if refund_no in order.refunds:
                return replace(order, refunds=dict(order.refunds))
            if order.status not in ("paid", "refunded") or order.paid_fen == 0:
                raise SandboxError(409, "NOT_PAID", f"the order is {order.status}")
            if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
                raise SandboxError(400, "INVALID_AMOUNT", "amount_fen must be a positive integer")
            if order.refunded_fen + amount_fen > order.paid_fen:
                raise SandboxError(409, "REFUND_TOO_LARGE", "more than was paid")
            order.refunds[refund_no] = amount_fen
            order.refunded_fen += amount_fen
            if order.refunded_fen == order.paid_fen:
                order.status = "refunded"
            self._save(order)
            log.info("sandbox order %s refunded %d fen", order_no, amount_fen)
            return replace(order, refunds=dict(order.refunds))

    def statement(self, day: date) -> list[Order]:
        with self._lock:
            orders = [self._advance(o) for o in list(self._orders.values())]
        return [
            o for o in orders if o.paid_at is not None and datetime.fromtimestamp(o.paid_at, self._zone).date() == day
        ]

    def all(self) -> list[Order]:
        with self._lock:
            return [self._advance(o) for o in self._orders.values()]


def _order_from(data: dict[str, Any]) -> Order:
    data = dict(data)
    data["script"] = Script(**data["script"])
    return Order(**data)


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A kiosk that died mid-request resets its connection: not worth a traceback.
        log.debug("sandbox connection from %s ended abnormally", client_address)

    def __init__(self, address: tuple[str, int], sandbox: SandboxServer) -> None:
        self.sandbox = sandbox
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "PaymentSandbox/1.0"
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        return  # request lines are not logged (payment codes could be in bodies; keep logs clean)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        length = self.headers.get("Content-Length", "0")
        if not length.isdigit() or int(length) > _MAX_BODY:
            self.close_connection = True
            self._send(413, b'{"code": "TOO_LARGE"}')
            return
        body = self.rfile.read(int(length)) if int(length) else b""
        url = urlsplit(self.path)
        self.server.sandbox.handle(self, self.command, url.path, parse_qs(url.query), body)

    def _send(
        self, status: int, body: bytes, content_type: str = "application/json", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        self.connection.close()


class SandboxServer:
    """The sandbox channel's HTTP service. ``start()`` returns its base URL."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        token: str | None = None,
        db_path: Path | None = None,
        timezone: str = "Asia/Shanghai",
        now: Any = None,
    ) -> None:
        self._host, self._port = host, port
        self._public_url = public_url.rstrip("/") if public_url else None
        self._token = token
        self.zone = ZoneInfo(timezone)
        self._time_lock = threading.Lock()
        self._fixed_time: float | None = None
        self._offset = 0.0
        self._clock = now or time.time
        self.orders = OrderBook(db_path, self.zone, self.now)
        self._faults: list[Fault] = []
        self._faults_lock = threading.Lock()
        self.calls: dict[str, int] = dict.fromkeys(OPERATIONS, 0)
        self.stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # --- clock and control (any thread) ---------------------------------------------------------

    def now(self) -> float:
        with self._time_lock:
            return self._fixed_time if self._fixed_time is not None else float(self._clock()) + self._offset

    def set_time(self, moment: datetime | float | None) -> None:
        """Freezes the sandbox's clock (None: back to real time)."""
        with self._time_lock:
            self._fixed_time = moment.timestamp() if isinstance(moment, datetime) else moment

    def advance(self, seconds: float) -> None:
        with self._time_lock:
            if self._fixed_time is not None:
                self._fixed_time += seconds
            else:
                self._offset += seconds

    def script(self, script: Script, order_no: str | None = None, times: int = 1) -> None:
        self.orders.script(script, order_no, times)

    def add_fault(self, fault: Fault) -> None:
        with self._faults_lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._faults_lock:
            self._faults.clear()

    def _take_fault(self, operation: str) -> Fault | None:
        with self._faults_lock:
            self.calls[operation] = self.calls.get(operation, 0) + 1
            for index, fault in enumerate(self._faults):
                if fault.operation in ("*", operation):
                    if fault.times is not None:
                        if fault.times > 1:
                            self._faults[index] = replace(fault, times=fault.times - 1)
                        else:
                            del self._faults[index]
                    return fault
        return None

    def page_url(self, order_no: str) -> str:
        return f"{self._public_url or self.base_url}/pay/{order_no}"

    # --- lifecycle (owning thread) ---------------------------------------------------------------

    def start(self) -> str:
        if self._server is not None:
            return self.base_url
        if not ipaddress.ip_address(socket.gethostbyname(self._host)).is_loopback:
            log.warning("payment sandbox listening on a non-loopback address: anyone on the network can approve")
        self.stopping.clear()
        self._server = _Server((self._host, self._port), self)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="payment-sandbox", daemon=True
        )
        self._thread.start()
        log.info(
            "payment sandbox serving at %s (order pages at %s/pay/...)",
            self.base_url,
            self._public_url or self.base_url,
        )
        return self.base_url

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self.stopping.set()
        try:
            server.shutdown()
            with server.connections_lock:
                open_connections = list(server.connections)
            for conn in open_connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        finally:
            server.server_close()
            if thread is not None:
                thread.join(timeout=5)
            self._server = None
            self._thread = None

    def close(self) -> None:
        self.stop()
        self.orders.close()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- requests (connection threads) ---------------------------------------------------------

    def handle(self, h: _Handler, method: str, path: str, query: dict[str, list[str]], body: bytes) -> None:
        try:
            if path.startswith(API + "/"):
                self._api(h, method, path[len(API) :], query, body)
            elif path.startswith("/pay/"):
                self._page(h, method, path[len("/pay/") :], body)
            elif path.startswith("/_sandbox/"):
                self._control(h, method, path, body)
            elif path == "/" and method == "GET":
                self._index(h)
            else:
                h._send(404, b'{"code": "NOT_FOUND"}')
        except SandboxError as exc:
            h._send(exc.status, json.dumps({"code": exc.code, "message": str(exc)}).encode())
        except (ValueError, KeyError, TypeError) as exc:
            h._send(400, json.dumps({"code": "BAD_REQUEST", "message": str(exc)}).encode())

    def _json(self, h: _Handler, data: Any, status: int = 200) -> None:
        h._send(status, json.dumps(data, ensure_ascii=False).encode("utf-8"))

    def _order_json(self, order: Order) -> dict[str, Any]:
        return order.public(self.zone, self.page_url(order.order_no))

    def _api(self, h: _Handler, method: str, path: str, query: dict[str, list[str]], body: bytes) -> None:
        if self._token is not None and h.headers.get("Authorization", "") != f"Bearer {self._token}":
            raise SandboxError(401, "UNAUTHORIZED", "merchant credentials missing or wrong")
        parts = [p for p in path.split("/") if p]
        data = json.loads(body) if body else {}
        if method == "POST" and parts == ["orders"]:
            op = "create"
        elif method == "GET" and len(parts) == 2 and parts[0] == "orders":
            op = "query"
        elif method == "POST" and len(parts) == 3 and parts[0] == "orders" and parts[2] in ("close", "reverse"):
            op = parts[2]
        elif method == "POST" and len(parts) == 3 and parts[0] == "orders" and parts[2] == "refunds":
            op = "refund"
        elif method == "GET" and parts == ["statement"]:
            op = "statement"
        else:
            raise SandboxError(404, "NOT_FOUND", "unknown API path")
        fault = self._take_fault(op)
        if fault is not None and not fault.after:
            self._fail(h, fault)
            return
        result: Any
        if op == "create":
            if data.get("mode") == "code" and not str(data.get("auth_code", "")).isdigit():
                raise SandboxError(400, "INVALID_AUTH_CODE", "a payment code is digits")
            order = self.orders.create(
                str(data["order_no"]),
                str(data["mode"]),
                data["amount_fen"],
                str(data.get("subject", "")),
                float(data.get("expires_in_s", 120)),
            )
            result = self._order_json(order)
        elif op == "query":
            result = self._order_json(self.orders.get(parts[1]))
        elif op == "close":
            result = self._order_json(self.orders.close_order(parts[1]))
        elif op == "reverse":
            result = self._order_json(self.orders.reverse(parts[1]))
        elif op == "refund":
            result = self._order_json(self.orders.refund(parts[1], str(data["refund_no"]), data["amount_fen"]))
        else:
            day = date.fromisoformat(query["date"][0])
            result = {"date": day.isoformat(), "orders": [self._order_json(o) for o in self.orders.statement(day)]}
        if fault is not None:
            self._fail(h, fault)  # the operation happened, the answer is lost
            return
        self._json(h, result)

    def _fail(self, h: _Handler, fault: Fault) -> None:
        if fault.kind == "reset":
            h.drop()
            return
        if fault.kind == "hang":
            self.stopping.wait(fault.seconds)
        h._send(503, b'{"code": "SYSTEM_ERROR", "message": "injected fault"}')

    def _control(self, h: _Handler, method: str, path: str, body: bytes) -> None:
        data = json.loads(body) if body else {}
        if path == "/_sandbox/health" and method == "GET":
            self._json(h, {"status": "ok", "now": self.now()})
        elif path == "/_sandbox/script" and method == "POST":
            script = Script(data.get("outcome", "none"), float(data.get("delay_s", 0.0)), data.get("charge_fen"))
            self.script(script, data.get("order_no"), int(data.get("times", 1)))
            self._json(h, {"ok": True})
        elif path == "/_sandbox/script" and method == "DELETE":
            self.orders.clear_scripts()
            self._json(h, {"ok": True})
        elif path == "/_sandbox/faults" and method == "POST":
            self.add_fault(Fault(**data))
            self._json(h, {"ok": True})
        elif path == "/_sandbox/faults" and method == "DELETE":
            self.clear_faults()
            self._json(h, {"ok": True})
        else:
            raise SandboxError(404, "NOT_FOUND", "unknown control endpoint")

    # --- the pages a person uses ----------------------------------------------------------------

    def _page(self, h: _Handler, method: str, rest: str, body: bytes) -> None:
        order_no = rest.strip("/")
        if method == "POST":
            form = parse_qs(body.decode("utf-8", "replace"))
            action = form.get("action", [""])[0]
            if action not in ("approve", "decline"):
                raise SandboxError(400, "BAD_ACTION", "approve or decline")
            try:
                self.orders.decide(order_no, action == "approve")
            except SandboxError as exc:
                if exc.status != 409:
                    raise
            h._send(303, b"", "text/plain", {"Location": f"/pay/{order_no}"})
            return
        try:
            order = self.orders.get(order_no)
        except SandboxError:
            h._send(
                404,
                _html_page("订单不存在 Order not found", "<p>订单不存在。Order not found.</p>"),
                "text/html; charset=utf-8",
            )
            return
        h._send(200, _order_page(order), "text/html; charset=utf-8")

    def _index(self, h: _Handler) -> None:
        rows = "".join(
            f'<li><a href="/pay/{html.escape(o.order_no)}">{html.escape(o.order_no)}</a> '
            f"¥{format_fen(o.amount_fen)} {html.escape(o.status)}</li>"
            for o in sorted(self.orders.all(), key=lambda o: o.created_at, reverse=True)[:50]
        )
        h._send(200, _html_page("支付沙箱 Payment sandbox", f"<ul>{rows}</ul>"), "text/html; charset=utf-8")


_STATUS_TEXT = {
    "waiting": "待支付 Waiting for payment",
    "paid": "已支付 Paid",
    "failed": "已拒绝 Declined",
    "closed": "已关闭 Closed",
    "reversed": "已撤销 Reversed",
    "refunded": "已退款 Refunded",
}


def _html_page(title: str, content: str, refresh: bool = False) -> bytes:
    meta = '<meta http-equiv="refresh" content="3">' if refresh else ""
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"{meta}<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:28em;margin:2em auto;padding:0 1em;text-align:center}"
        ".amount{font-size:2.5em;margin:.5em 0}button{font-size:1.3em;padding:.7em 1.5em;margin:.5em;"
        "border-radius:.4em;border:0;color:#fff}.ok{background:#1a7f37}.no{background:#b42318}"
        ".note{color:#666;font-size:.85em}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{content}"
        "<p class='note'>支付沙箱：仅用于演示和测试，不会产生真实扣款。Payment sandbox: no real money moves.</p>"
        "</body></html>"
    ).encode()


def _order_page(order: Order) -> bytes:
    status = _STATUS_TEXT.get(order.status, order.status)
    content = (
        f"<p>{html.escape(order.subject)}</p>"
        f"<p class='amount'>¥{format_fen(order.amount_fen)}</p>"
        f"<p>订单号 Order: {html.escape(order.order_no)}</p>"
        f"<p><strong>{html.escape(status)}</strong></p>"
    )
    if order.status == "waiting":
        content += (
            "<form method='post'>"
            "<button class='ok' name='action' value='approve'>确认支付 Pay</button>"
            "<button class='no' name='action' value='decline'>拒绝 Decline</button>"
            "</form>"
        )
    return _html_page("支付沙箱 Payment sandbox", content, refresh=order.status == "waiting")
