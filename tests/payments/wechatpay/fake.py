"""A WeChat Pay API v3 protocol fake on 127.0.0.1, written from WeChat Pay's published documents.

It checks every request's ``WECHATPAY2-SHA256-RSA2048`` Authorization with the merchant's public
key, signs every answer with a test platform key (``Wechatpay-Timestamp/Nonce/Signature/Serial``),
keeps order and refund state, builds the daily trade bill (gzip CSV, SHA1 in the signed answer),
and injects the channel's real failure modes: ``USERPAYING`` for a while, ``SYSTEM_ERROR`` after
the charge was made, an answer lost after the action, a bad or missing signature, a tampered bill.

Time: ``fake.advance(s)`` moves the fake's order clock (a payer confirming on the phone) without
touching the signature clock, which stays real.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric import rsa

from kiosk.payments.wechatpay.signing import (
    SIGN_TEST_PREFIX,
    parse_authorization,
    request_message,
    response_message,
    rsa_sign,
    rsa_verify,
)

BEIJING = ZoneInfo("Asia/Shanghai")
BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
    "货币种类,应结订单总金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
    "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)


@dataclass
class FakeOrder:
    order_no: str
    kind: str  # NATIVE / MICROPAY
    amount: int
    created: float  # fake clock
    state: str = "NOTPAY"
    code_url: str = ""
    transaction_id: str = ""
    paid_at: datetime | None = None
    pay_after: float | None = None  # USERPAYING until this fake time, then SUCCESS
    refunded: int = 0


@dataclass
class FakeRefund:
    refund_no: str
    order_no: str
    amount: int
    total: int
    status: str
    refund_id: str


@dataclass
class Faults:
    userpaying_s: float = 0.0  # a payment-code order waits for the payer this long
    codepay_decline: str = ""  # e.g. NOTENOUGH: the next codepay is refused with it
    system_error_after_charge: int = 0  # next N codepay: charge, then answer 500 SYSTEM_ERROR
    lose_after_action: set[str] = field(default_factory=set)  # ops whose next answer is lost after acting
    bad_signature: int = 0  # next N answers signed with a key that is not the platform's
    unsigned: int = 0  # next N answers carry no signature headers
    tamper_bill: bool = False  # the downloaded bill differs from the signed hash
    refund_processing: bool = False  # refunds answer PROCESSING (then SUCCESS on query)


class LostAnswer(Exception):
    """The action was done; the connection is dropped before the answer."""


class FakeWechatPay:
    def __init__(
        self,
        *,
        mchid: str,
        appid: str,
        merchant_serial: str,
        merchant_public: rsa.RSAPublicKey,
        platform_key: rsa.RSAPrivateKey,
        platform_serial: str,
        wrong_key: rsa.RSAPrivateKey,
        certificates: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.mchid = mchid
        self.appid = appid
        self.merchant_serial = merchant_serial
        self.merchant_public = merchant_public
        self.platform_key = platform_key
        self.platform_serial = platform_serial
        self.wrong_key = wrong_key
        self.certificates = certificates
        self.faults = Faults()
        self.orders: dict[str, FakeOrder] = {}
        self.refunds: dict[str, FakeRefund] = {}
        self.events: list[tuple[datetime, str, str, int]] = []  # (when, state, order_no, refund fen)
        self.bills: dict[str, bytes] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path) of every authenticated request
        self.rejected_auth = 0
        self.scripts: dict[str, tuple[str, float]] = {}  # order_no -> (approve/decline/none, delay s)
        self._offset = 0.0
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-wechatpay", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeWechatPay:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- the world outside the API ------------------------------------------------------------

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def pay(self, order_no: str, at: datetime | None = None) -> None:
        """The payer scans the QR code and pays (``at``: when, for bills)."""
        with self._lock:
            order = self.orders[order_no]
            assert order.state == "NOTPAY", order.state
            self._charge(order, at)

    def seed(self, order_no: str, amount: int, paid_at: datetime, refunded_at: datetime | None = None) -> None:
        """An order paid (and perhaps fully refunded) in the past, for bills."""
        with self._lock:
            order = FakeOrder(order_no, "NATIVE", amount, paid_at.timestamp())
            self.orders[order_no] = order
            self._charge(order, paid_at)
            if refunded_at is not None:
                order.state, order.refunded = "REFUND", amount
                self.events.append((refunded_at, "REFUND", order_no, amount))

    def _charge(self, order: FakeOrder, at: datetime | None = None) -> None:
        order.state = "SUCCESS"
        order.transaction_id = "42000" + secrets.token_hex(8)
        order.paid_at = at or datetime.fromtimestamp(self.now(), BEIJING).replace(microsecond=0)
        self.events.append((order.paid_at, "SUCCESS", order.order_no, 0))

    def script(self, order_no: str, outcome: str, delay_s: float = 0.0) -> None:
        """What the payer of a future order will do (the crash harness posts it to /_sandbox/script):
        ``approve`` after ``delay_s``, ``decline`` (a payment code: NOTENOUGH), ``none`` (never pays)."""
        if outcome not in ("approve", "decline", "none"):
            raise ValueError(outcome)
        with self._lock:
            self.scripts[order_no] = (outcome, delay_s)

    def net(self, order_no: str) -> int:
        """What WeChat Pay holds of the payer's money for this order (paid minus refunded)."""
        with self._lock:
            order = self.orders.get(order_no)
            if order is None:
                return 0
            self._settle(order)
            return order.amount - order.refunded if order.state in ("SUCCESS", "REFUND") else 0

    def _settle(self, order: FakeOrder) -> None:
        waiting = order.state == "USERPAYING" or (order.state == "NOTPAY" and order.kind == "NATIVE")
        if waiting and order.pay_after is not None and self.now() >= order.pay_after:
            self._charge(order)

    # --- signatures ---------------------------------------------------------------------------

    def check_auth(self, method: str, target: str, body: str, header: str) -> bool:
        try:
            fields = parse_authorization(header)
        except ValueError:
            return False
        if fields.get("mchid") != self.mchid or fields.get("serial_no") != self.merchant_serial:
            return False
        try:
            if abs(time.time() - int(fields["timestamp"])) > 300:
                return False
        except (KeyError, ValueError):
            return False
        message = request_message(method, target, fields["timestamp"], fields.get("nonce_str", ""), body)
        return rsa_verify(self.merchant_public, message, fields.get("signature", ""))

    def sign_headers(self, body: str) -> dict[str, str]:
        with self._lock:
            if self.faults.unsigned:
                self.faults.unsigned -= 1
                return {}
            key = self.platform_key
            if self.faults.bad_signature:
                self.faults.bad_signature -= 1
                key = self.wrong_key
        timestamp = str(int(time.time()))
        nonce = secrets.token_hex(16)
        return {
            "Wechatpay-Timestamp": timestamp,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": rsa_sign(key, response_message(timestamp, nonce, body)),
            "Wechatpay-Serial": self.platform_serial,
            "Request-ID": secrets.token_hex(8),
        }

    # --- API ----------------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            if method == "POST" and path == "/v3/pay/transactions/native":
                return self._native(body)
            if method == "POST" and path == "/v3/pay/transactions/codepay":
                return self._codepay(body)
            prefix = "/v3/pay/transactions/out-trade-no/"
            if path.startswith(prefix):
                rest = path[len(prefix) :]
                if method == "GET" and "/" not in rest:
                    if query.get("mchid") != self.mchid:
                        return 400, _error("PARAM_ERROR", "mchid")
                    return self._query(unquote(rest))
                order_no, _, action = rest.partition("/")
                if method == "POST" and action == "close":
                    return self._close(unquote(order_no), body)
                if method == "POST" and action == "reverse":
                    return self._reverse(unquote(order_no), body)
            if method == "POST" and path == "/v3/refund/domestic/refunds":
                return self._refund(body)
            if method == "GET" and path.startswith("/v3/refund/domestic/refunds/"):
                return self._refund_query(unquote(path.rsplit("/", 1)[1]))
            if method == "GET" and path == "/v3/bill/tradebill":
                return self._tradebill(query)
            if method == "GET" and path == "/v3/certificates" and self.certificates is not None:
                return 200, self.certificates()
        return 404, _error("NOT_FOUND", "no such API")

    def _lose(self, op: str) -> None:
        if op in self.faults.lose_after_action:
            self.faults.lose_after_action.discard(op)
            raise LostAnswer(op)

    def _check_merchant(self, body: dict[str, Any], appid: bool = True) -> tuple[int, Any] | None:
        if body.get("mchid") != self.mchid or (appid and body.get("appid") != self.appid):
            return 403, _error("APPID_MCHID_NOT_MATCH", "appid and mchid do not match")
        return None

    def _new_order(self, body: dict[str, Any], kind: str) -> tuple[FakeOrder | None, tuple[int, Any] | None]:
        refused = self._check_merchant(body)
        if refused:
            return None, refused
        order_no = str(body.get("out_trade_no", ""))
        amount = body.get("amount", {}).get("total")
        if not (6 <= len(order_no) <= 32) or not isinstance(amount, int) or amount <= 0 or not body.get("description"):
            return None, (400, _error("PARAM_ERROR", "out_trade_no, description or amount"))
        existing = self.orders.get(order_no)
        if existing is not None:
            if existing.state in ("CLOSED", "REVOKED"):
                return None, (400, _error("ORDER_CLOSED", "order closed"))
            if existing.amount != amount or existing.kind != kind:
                return None, (403, _error("OUT_TRADE_NO_USED", "out_trade_no used with other parameters"))
            if existing.state in ("SUCCESS", "REFUND"):
                return None, (403, _error("ORDERPAID", "order paid"))
            return existing, None
        order = FakeOrder(order_no, kind, amount, self.now())
        self.orders[order_no] = order
        outcome, delay = self.scripts.get(order_no, ("", 0.0))
        if outcome == "approve":
            order.pay_after = order.created + delay
        return order, None

    def _native(self, body: dict[str, Any]) -> tuple[int, Any]:
        if not str(body.get("notify_url", "")).startswith("https://") or "time_expire" not in body:
            return 400, _error("PARAM_ERROR", "notify_url / time_expire")
        datetime.fromisoformat(body["time_expire"])  # rfc3339
        order, refused = self._new_order(body, "NATIVE")
        if refused:
            return refused
        assert order is not None
        if not order.code_url:
            order.code_url = "weixin://wxpay/bizpayurl?pr=" + secrets.token_urlsafe(6)
        self._lose("native")
        return 200, {"code_url": order.code_url}

    def _codepay(self, body: dict[str, Any]) -> tuple[int, Any]:
        code = str(body.get("payer", {}).get("auth_code", ""))
        if not (len(code) == 18 and code.isdigit() and 10 <= int(code[:2]) <= 15):
            return 400, _error("PARAM_ERROR", "auth_code is not a WeChat payment code")
        if not body.get("scene_info", {}).get("store_info", {}).get("out_id"):
            return 400, _error("PARAM_ERROR", "scene_info.store_info.out_id")
        order, refused = self._new_order(body, "MICROPAY")
        if refused:
            return refused
        assert order is not None
        scripted = self.scripts.get(order.order_no, ("", 0.0))[0]
        if order.state == "NOTPAY" and scripted:
            if scripted == "decline":
                order.state = "PAYERROR"
                return 403, _error("NOTENOUGH", "balance too low")
            order.state = "USERPAYING"  # approve: pay_after is set; none: the payer never confirms
        elif order.state == "NOTPAY":
            if self.faults.codepay_decline:
                code_name, self.faults.codepay_decline = self.faults.codepay_decline, ""
                order.state = "PAYERROR"
                return 403, _error(code_name, "declined")
            if self.faults.userpaying_s > 0:
                order.state = "USERPAYING"
                order.pay_after = self.now() + self.faults.userpaying_s
            else:
                self._charge(order)
        self._settle(order)
        if self.faults.system_error_after_charge:
            self.faults.system_error_after_charge -= 1
            if order.state == "USERPAYING":
                self._charge(order)
            return 500, _error("SYSTEM_ERROR", "system error, query later")
        self._lose("codepay")
        if order.state == "USERPAYING":
            return 202, _error("USERPAYING", "waiting for the payer's password")
        return 200, self._transaction(order)

    def _transaction(self, order: FakeOrder) -> dict[str, Any]:
        data: dict[str, Any] = {
            "appid": self.appid,
            "mchid": self.mchid,
            "out_trade_no": order.order_no,
            "trade_type": order.kind,
            "trade_state": order.state,
            "trade_state_desc": order.state,
            "amount": {"total": order.amount, "currency": "CNY"},
        }
        if order.transaction_id:
            data["transaction_id"] = order.transaction_id
            data["amount"]["payer_total"] = order.amount
        if order.paid_at is not None:
            data["success_time"] = order.paid_at.isoformat()
        return data

    def _query(self, order_no: str) -> tuple[int, Any]:
        order = self.orders.get(order_no)
        if order is None:
            return 404, _error("ORDER_NOT_EXIST", "order does not exist")
        self._settle(order)
        return 200, self._transaction(order)

    def _close(self, order_no: str, body: dict[str, Any]) -> tuple[int, Any]:
        refused = self._check_merchant(body, appid=False)
        if refused:
            return refused
        order = self.orders.get(order_no)
        if order is None:
            return 404, _error("ORDER_NOT_EXIST", "order does not exist")
        self._settle(order)
        if order.state in ("SUCCESS", "REFUND"):
            return 400, _error("ORDERPAID", "order paid")
        if order.state == "NOTPAY":
            order.state = "CLOSED"
        self._lose("close")
        return 204, None

    def _reverse(self, order_no: str, body: dict[str, Any]) -> tuple[int, Any]:
        refused = self._check_merchant(body)
        if refused:
            return refused
        order = self.orders.get(order_no)
        if order is None:
            return 404, _error("ORDER_NOT_EXIST", "order does not exist")
        self._settle(order)
        if order.kind != "MICROPAY":
            return 400, _error("INVALID_REQUEST", "only payment-code orders are reversed")
        if order.state == "REFUND":
            return 400, _error("INVALID_REQUEST", "refunded orders cannot be reversed")
        if order.state == "SUCCESS":
            assert order.paid_at is not None
            self.events.append(
                (datetime.fromtimestamp(self.now(), BEIJING).replace(microsecond=0), "REVOKED", order_no, order.amount)
            )
        order.state = "REVOKED"
        self._lose("reverse")
        return 200, {"appid": self.appid, "mchid": self.mchid, "out_trade_no": order_no}

    def _refund(self, body: dict[str, Any]) -> tuple[int, Any]:
        refund_no = str(body.get("out_refund_no", ""))
        existing = self.refunds.get(refund_no)
        if existing is not None:
            return 200, self._refund_data(existing)
        order = self.orders.get(str(body.get("out_trade_no", "")))
        if order is None:
            return 404, _error("RESOURCE_NOT_EXISTS", "order does not exist")
        amount = body.get("amount", {})
        refund, total = amount.get("refund"), amount.get("total")
        if order.state not in ("SUCCESS", "REFUND"):
            return 400, _error("INVALID_REQUEST", "order not paid")
        if (
            total != order.amount
            or not isinstance(refund, int)
            or refund <= 0
            or order.refunded + refund > order.amount
        ):
            return 400, _error("INVALID_REQUEST", "refund amount")
        status = "PROCESSING" if self.faults.refund_processing else "SUCCESS"
        record = FakeRefund(refund_no, order.order_no, refund, order.amount, status, "50300" + secrets.token_hex(8))
        self.refunds[refund_no] = record
        order.refunded += refund
        order.state = "REFUND"
        self.events.append(
            (datetime.fromtimestamp(self.now(), BEIJING).replace(microsecond=0), "REFUND", order.order_no, refund)
        )
        self._lose("refund")
        return 200, self._refund_data(record)

    def _refund_data(self, record: FakeRefund) -> dict[str, Any]:
        return {
            "refund_id": record.refund_id,
            "out_refund_no": record.refund_no,
            "out_trade_no": record.order_no,
            "status": record.status,
            "amount": {"refund": record.amount, "total": record.total, "currency": "CNY"},
        }

    def _refund_query(self, refund_no: str) -> tuple[int, Any]:
        record = self.refunds.get(refund_no)
        if record is None:
            return 404, _error("RESOURCE_NOT_EXISTS", "refund does not exist")
        record.status = "SUCCESS"  # a PROCESSING refund completes by the time it is queried
        return 200, self._refund_data(record)

    def bill_text(self, day: date) -> str:
        lines = [BILL_HEADER]
        count = total = refunds = 0
        for at, state, order_no, refund in sorted(self.events):
            if at.date() != day:
                continue
            order = self.orders[order_no]
            settled = order.amount if state == "SUCCESS" else 0
            values = [
                at.strftime("%Y-%m-%d %H:%M:%S"),
                self.appid,
                self.mchid,
                "0",
                "",
                order.transaction_id,
                order_no,
                "oUser",
                order.kind,
                state,
                "OTHERS",
                "CNY",
                _yuan(settled),
                "0.00",
                "",
                "",
                _yuan(refund),
                "0.00",
                "",
                "SUCCESS" if refund else "",
                "bills",
                "",
                "0.00",
                "0.60%",
                _yuan(order.amount),
                _yuan(refund),
                "",
            ]
            lines.append(",".join("`" + v for v in values))
            count += 1
            total += settled
            refunds += refund
        lines.append("总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额")
        lines.append(f"`{count},`{_yuan(total)},`{_yuan(refunds)},`0.00,`0.00,`{_yuan(total)},`{_yuan(refunds)}")
        return "\r\n".join(lines) + "\r\n"

    def _tradebill(self, query: dict[str, str]) -> tuple[int, Any]:
        day = date.fromisoformat(query.get("bill_date", ""))
        if query.get("tar_type") != "GZIP" or query.get("bill_type") not in ("ALL", None):
            return 400, _error("PARAM_ERROR", "bill_type / tar_type")
        if not any(at.date() == day for at, *_ in self.events):
            return 400, _error("NO_STATEMENT_EXIST", "no bill for that day")
        text = self.bill_text(day).encode("utf-8")
        token = secrets.token_urlsafe(12)
        served = text.replace(b"SUCCESS", b"SUCCESZ", 1) if self.faults.tamper_bill else text
        self.bills[token] = gzip.compress(served)
        return 200, {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(text, usedforsecurity=False).hexdigest(),
            "download_url": f"{self.base_url}/v3/billdownload/file?token={token}",
        }


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _error(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def _handler(fake: FakeWechatPay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, data: Any, *, raw: bytes | None = None, sign: bool = True) -> None:
            text = "" if data is None else json.dumps(data, ensure_ascii=False)
            body = raw if raw is not None else text.encode("utf-8")
            self.send_response(status)
            headers = fake.sign_headers(text) if sign else {}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/octet-stream" if raw is not None else "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            text = self.rfile.read(length).decode("utf-8") if length else ""
            split = urlsplit(self.path)
            # The crash harness's scripting call (the sandbox has the same one); not WeChat Pay's API.
            if method == "POST" and split.path == "/_sandbox/script":
                try:
                    data = json.loads(text)
                    fake.script(str(data["order_no"]), str(data["outcome"]), float(data.get("delay_s", 0.0)))
                except (ValueError, KeyError, TypeError):
                    self._answer(400, _error("PARAM_ERROR", "script"), sign=False)
                    return
                self._answer(204, None, sign=False)
                return
            if not fake.check_auth(method, self.path, text, self.headers.get("Authorization", "")):
                fake.rejected_auth += 1  # WeChat Pay signs answers only to requests it authenticated
                self._answer(401, _error("SIGN_ERROR", "signature check failed"), sign=False)
                return
            fake.requests.append((method, split.path))
            query = {k: v[0] for k, v in parse_qs(split.query).items()}
            if method == "GET" and split.path == "/v3/billdownload/file":
                bill = fake.bills.get(query.get("token", ""))
                if bill is None:
                    self._answer(404, _error("RESOURCE_NOT_EXISTS", "no such bill"))
                else:
                    self._answer(200, None, raw=bill, sign=False)  # bill files are not signed
                return
            try:
                body = json.loads(text) if text else {}
                status, data = fake.handle(method, split.path, query, body)
            except LostAnswer:
                self.close_connection = True
                self.connection.close()
                return
            except (ValueError, AttributeError, TypeError):
                status, data = 400, _error("PARAM_ERROR", "malformed request")
            self._answer(status, data)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

    return Handler


__all__ = ["SIGN_TEST_PREFIX", "FakeWechatPay", "Faults"]
