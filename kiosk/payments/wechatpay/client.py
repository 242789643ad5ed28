"""WeChat Pay API v3 (direct merchant) as a :class:`kiosk.payments.channel.ChannelClient`.

Written on ``requests`` + ``cryptography`` rather than PyPI's ``wechatpayv3`` (MIT, read at
2.0.4): that library logs whole requests and answers (the Authorization header and payment data)
at debug level, downloads certificates over the network in its constructor, uses no session and
no bound on a call's total time, leaves 4xx answers unverified and bill hashes unchecked, and
raises bare ``Exception``. What the kiosk needs of it is ~200 lines; here every answer is verified
before a single field of it is believed.

Outcomes, as the port defines them: an answer that is unsigned, wrongly signed, stale, for
another order, 5xx, ``SYSTEM_ERROR`` / ``BANK_ERROR`` / ``FREQUENCY_LIMITED`` or a lost answer is
:class:`ProviderUnavailable` ("outcome unknown": ask again, every call is idempotent); the
channel's final business answers map to order states or :class:`ProviderRejected` reasons.
Nothing secret or patient-related is logged: order numbers and codes only, never bodies, keys,
payment codes or the Authorization header.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
import zlib
from dataclasses import dataclass, replace
from datetime import date, datetime, tzinfo
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

import requests

from kiosk.payments.channel import (
    NOT_PAID,
    ORDER_CLOSED,
    ORDER_MISMATCH,
    ORDER_PAID,
    ChannelOrder,
    OrderStatus,
)
from kiosk.payments.errors import ProviderRejected, ProviderUnavailable
from kiosk.payments.wechatpay.bill import BillError, parse_trade_bill
from kiosk.payments.wechatpay.signing import (
    InvalidTag,
    MerchantSigner,
    PlatformKeys,
    SignatureError,
    decrypt_resource,
)

log = logging.getLogger(__name__)

PRODUCTION_URL = "https://api.mch.weixin.qq.com"
BEIJING = ZoneInfo("Asia/Shanghai")

# Codes after which WeChat Pay may or may not have acted: ask again (query) before believing anything.
UNKNOWN_CODES = frozenset(
    {"SYSTEM_ERROR", "SYSTEMERROR", "BANK_ERROR", "BANKERROR", "FREQUENCY_LIMITED", "FREQUENCY_LIMIT_EXCEED"}
)
PAYER_PAYING = frozenset({"USERPAYING"})  # payment code: the payer confirms on the phone (password)
# Payment code refused for good; no money was taken (the payer may pay with another code / way).
PAYER_DECLINED = frozenset(
    {
        "NOTENOUGH",
        "NOT_ENOUGH",
        "PAYERROR",
        "AUTHCODEEXPIRE",
        "AUTH_CODE_EXPIRE",
        "AUTH_CODE_ERROR",
        "AUTH_CODE_INVALID",
        "BUYER_MISMATCH",
        "TRADE_ERROR",
    }
)
ALREADY_PAID = frozenset({"ORDERPAID", "ORDER_PAID"})
ALREADY_CLOSED = frozenset({"ORDERCLOSED", "ORDER_CLOSED", "ORDERREVERSED", "ORDER_REVERSED"})
NO_SUCH_ORDER = frozenset({"ORDERNOTEXIST", "ORDER_NOT_EXIST", "RESOURCE_NOT_EXISTS"})
NUMBER_USED = frozenset({"OUT_TRADE_NO_USED", "OUTTRADENOUSED"})
NO_BILL = frozenset({"NO_STATEMENT_EXIST", "NO_BILL_EXIST"})

_TRADE_STATE = {
    "SUCCESS": OrderStatus.PAID,
    "REFUND": OrderStatus.REFUNDED,
    "NOTPAY": OrderStatus.WAITING,
    "USERPAYING": OrderStatus.WAITING,
    "ACCEPT": OrderStatus.WAITING,  # accepted, debit pending
    "CLOSED": OrderStatus.CLOSED,
    "REVOKED": OrderStatus.REVERSED,
    "PAYERROR": OrderStatus.FAILED,
}

MAX_BODY = 64 * 1024 * 1024  # a day's bill of a busy hospital is a few MB


class UnverifiedAnswer(ProviderUnavailable):
    """WeChat Pay's answer could not be trusted (signature missing, wrong, stale, unknown key) or
    our own signature was refused (401): outcome unknown, and a set-up problem if it persists."""


@dataclass(frozen=True)
class WechatPaySettings:
    mchid: str
    appid: str
    notify_url: str  # required by WeChat Pay; the kiosk polls and does not need to receive it
    store_id: str = "kiosk"  # scene_info.store_info.out_id of payment-code orders
    base_url: str = PRODUCTION_URL
    timeout_s: float = 10.0  # whole call, not per socket read
    timezone: tzinfo = BEIJING


@dataclass(frozen=True)
class RefundResult:
    refund_no: str
    status: str  # SUCCESS / PROCESSING / CLOSED / ABNORMAL
    refund_fen: int
    total_fen: int
    refund_id: str = ""


@dataclass(frozen=True)
class _Answer:
    status: int
    data: dict[str, Any]

    @property
    def code(self) -> str:
        return str(self.data.get("code", "")) if self.status >= 300 else ""


class WechatPayChannel:
    """One merchant's WeChat Pay API v3. Thread-safe (one ``requests.Session``, a lock for keys)."""

    def __init__(
        self,
        settings: WechatPaySettings,
        signer: MerchantSigner,
        keys: PlatformKeys,
        *,
        apiv3_key: bytes | None = None,
        clock: Any = time.time,
    ) -> None:
        if signer.mchid != settings.mchid:
            raise ValueError("the signer's mchid differs from the merchant's")
        self.settings = settings
        self._signer = signer
        self._keys = keys
        self._apiv3_key = apiv3_key  # only needed to decrypt platform certificates
        self._clock = clock
        self._base = settings.base_url.rstrip("/")
        self._host = urlsplit(self._base).netloc
        self._session = requests.Session()
        self._session.trust_env = False
        self._lock = threading.Lock()
        self._refreshed_at = float("-inf")
        self._qr: dict[str, tuple[int, str]] = {}  # order_no -> (amount, code_url): repeats return it

    def close_client(self) -> None:
        self._session.close()

    # --- HTTP --------------------------------------------------------------------------------

    def _send(self, method: str, url: str, body: str, what: str) -> tuple[requests.Response, bytes]:
        split = urlsplit(url)
        path_and_query = split.path + (f"?{split.query}" if split.query else "")
        headers = {
            "Authorization": self._signer.authorization(method, path_and_query, body, now=self._clock()),
            "Accept": "application/json",
            "User-Agent": "hospital-kiosk",
        }
        if body:
            headers["Content-Type"] = "application/json"
        deadline = time.monotonic() + self.settings.timeout_s
        try:
            response = self._session.request(
                method,
                url,
                data=body.encode("utf-8") if body else None,
                headers=headers,
                timeout=(min(self.settings.timeout_s, 3.0), self.settings.timeout_s),
                stream=True,
                allow_redirects=False,
            )
            try:
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_content(65536):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > MAX_BODY or time.monotonic() > deadline:
                        raise ProviderUnavailable(f"wechatpay {what}: answer too large or too slow")
                return response, b"".join(chunks)
            finally:
                response.close()
        except requests.RequestException as exc:
            # The request may have reached WeChat Pay (a lost answer): outcome unknown.
            raise ProviderUnavailable(f"wechatpay {what}: {type(exc).__name__}") from None

    def _call(
        self, method: str, path: str, what: str, body: dict[str, Any] | None = None, query: dict[str, str] | None = None
    ) -> _Answer:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body is not None else ""
        url = self._base + path + (f"?{urlencode(query)}" if query else "")
        response, raw = self._send(method, url, text, what)
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailable(f"wechatpay {what}: HTTP {response.status_code}")
        if response.status_code == 401:  # WeChat Pay refused our signature; its answer is not signed
            raise UnverifiedAnswer(f"wechatpay {what}: HTTP 401 (check mchid, merchant_serial, private key)")
        try:
            answer = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ProviderUnavailable(f"wechatpay {what}: answer is not UTF-8") from None
        self._verify(response, answer, what)
        if not answer:
            return _Answer(response.status_code, {})
        try:
            data = json.loads(answer)
        except ValueError:
            raise ProviderUnavailable(f"wechatpay {what}: answer is not JSON") from None
        if not isinstance(data, dict):
            raise ProviderUnavailable(f"wechatpay {what}: answer is not an object")
        result = _Answer(response.status_code, data)
        if result.code in UNKNOWN_CODES:
            raise ProviderUnavailable(f"wechatpay {what}: {result.code}")
        return result

    def _verify(self, response: requests.Response, body: str, what: str) -> None:
        serial = response.headers.get("Wechatpay-Serial", "")
        if serial and not self._keys.knows(serial) and self._apiv3_key is not None:
            self.refresh_certificates()  # rotation: WeChat Pay signs with a certificate we lack
        try:
            self._keys.verify(response.headers, body, now=self._clock())
        except SignatureError as exc:
            log.warning("wechatpay %s: answer refused: %s", what, exc)
            raise UnverifiedAnswer(f"wechatpay {what}: answer not verified ({exc}); outcome unknown") from None

    def refresh_certificates(self) -> int:
        """Fetches WeChat Pay's platform certificates (the older verification scheme), at most once
        a minute; returns how many valid ones were added. Each is AES-GCM-encrypted with our API v3
        key, which authenticates it."""
        if self._apiv3_key is None:
            return 0
        with self._lock:
            if self._clock() - self._refreshed_at < 60:
                return 0
            self._refreshed_at = self._clock()
        response, raw = self._send("GET", self._base + "/v3/certificates", "", "certificates")
        if response.status_code != 200:
            raise ProviderUnavailable(f"wechatpay certificates: HTTP {response.status_code}")
        added = 0
        try:
            items = json.loads(raw.decode("utf-8")).get("data", [])
            for item in items:
                enc = item["encrypt_certificate"]
                if enc.get("algorithm") != "AEAD_AES_256_GCM":
                    continue
                pem = decrypt_resource(self._apiv3_key, enc["nonce"], enc["ciphertext"], enc["associated_data"])
                if self._keys.add_certificate(pem) is not None:
                    added += 1
        except InvalidTag:
            raise UnverifiedAnswer("wechatpay certificates: not encrypted with our API v3 key") from None
        except (ValueError, KeyError, TypeError, AttributeError):
            raise ProviderUnavailable("wechatpay certificates: malformed answer") from None
        return added

    def probe(self) -> str:
        """For ``kiosk doctor``: asks for an order that cannot exist; WeChat Pay must answer
        ORDER_NOT_EXIST, signed with a key we trust. UnverifiedAnswer / ProviderUnavailable if not."""
        order_no = "DOCTOR" + secrets.token_hex(8).upper()
        order = self.query(order_no)
        if order.status is not OrderStatus.NOT_FOUND:
            raise ProviderUnavailable(f"wechatpay probe: an order {order_no} exists?")
        return f"{self._base} answers, signed by a trusted WeChat Pay key"

    # --- orders --------------------------------------------------------------------------------

    def _order(self, order_no: str, data: dict[str, Any], what: str) -> ChannelOrder:
        """A transaction answer as an order, after checking it is ours and well formed."""
        try:
            if data.get("out_trade_no", order_no) != order_no or data.get("mchid", self.settings.mchid) != (
                self.settings.mchid
            ):
                raise ProviderUnavailable(f"wechatpay {what}: answer is about another order")
            state = str(data["trade_state"])
            status = _TRADE_STATE.get(state)
            if status is None:
                raise ProviderUnavailable(f"wechatpay {what}: unknown trade_state {state}")
            amount = data.get("amount") or {}
            total = int(amount.get("total", 0))
            paid = total if status in (OrderStatus.PAID, OrderStatus.REFUNDED) else 0
            if status is OrderStatus.PAID and total <= 0:
                raise ProviderUnavailable(f"wechatpay {what}: paid order without an amount")
            success = data.get("success_time")
            return ChannelOrder(
                order_no=order_no,
                status=status,
                amount_fen=total,
                paid_fen=paid,
                # The order query does not say how much was refunded: the kiosk refunds whole orders.
                refunded_fen=paid if status is OrderStatus.REFUNDED else 0,
                transaction_id=str(data.get("transaction_id", "")),
                paid_at=datetime.fromisoformat(success) if success else None,
                message=state,
            )
        except (KeyError, ValueError, TypeError, AttributeError):
            raise ProviderUnavailable(f"wechatpay {what}: answer is not a well-formed order") from None

    def _path(self, order_no: str, suffix: str = "") -> str:
        return f"/v3/pay/transactions/out-trade-no/{quote(order_no, safe='')}{suffix}"

    def _expire(self, seconds: float) -> str:
        at = datetime.fromtimestamp(self._clock() + seconds, self.settings.timezone).replace(microsecond=0)
        return at.isoformat()

    def create_qr_order(self, order_no: str, amount_fen: int, subject: str, expires_in_s: float) -> ChannelOrder:
        body = {
            "appid": self.settings.appid,
            "mchid": self.settings.mchid,
            "description": subject[:127],
            "out_trade_no": order_no,
            "time_expire": self._expire(expires_in_s),
            "notify_url": self.settings.notify_url,
            "amount": {"total": amount_fen, "currency": "CNY"},
        }
        answer = self._call("POST", "/v3/pay/transactions/native", "create", body)
        if answer.status == 200:
            code_url = str(answer.data.get("code_url", ""))
            if not code_url.startswith("weixin://"):
                raise ProviderUnavailable("wechatpay create: answer has no code_url")
            with self._lock:
                self._qr[order_no] = (amount_fen, code_url)
            return ChannelOrder(order_no, OrderStatus.WAITING, amount_fen=amount_fen, qr_payload=code_url)
        return self._create_refused(order_no, amount_fen, answer, "create")

    def _create_refused(self, order_no: str, amount_fen: int, answer: _Answer, what: str) -> ChannelOrder:
        code = answer.code
        if code in ALREADY_CLOSED:
            raise ProviderRejected(f"wechatpay {what}: {code}", reason=ORDER_CLOSED)
        if code in ALREADY_PAID or code in NUMBER_USED:
            order = self.query(order_no)  # a repeat of our own order: what state is it in?
            if order.amount_fen and order.amount_fen != amount_fen:
                raise ProviderRejected(f"wechatpay {what}: {code}", reason=ORDER_MISMATCH)
            if order.status is OrderStatus.WAITING:
                with self._lock:
                    cached = self._qr.get(order_no)
                if cached is not None and cached[0] == amount_fen:
                    order = replace(order, qr_payload=cached[1])
            if order.status is OrderStatus.NOT_FOUND:
                raise ProviderUnavailable(f"wechatpay {what}: {code} but the order is not found")
            return order
        raise ProviderRejected(f"wechatpay {what}: {code or answer.status}", reason=code or str(answer.status))

    def micropay(self, order_no: str, amount_fen: int, subject: str, auth_code: str) -> ChannelOrder:
        body = {
            "appid": self.settings.appid,
            "mchid": self.settings.mchid,
            "description": subject[:127],
            "out_trade_no": order_no,
            "payer": {"auth_code": auth_code},
            "amount": {"total": amount_fen, "currency": "CNY"},
            "scene_info": {"store_info": {"out_id": self.settings.store_id}},
        }
        answer = self._call("POST", "/v3/pay/transactions/codepay", "micropay", body)
        if answer.status in (200, 202) and "trade_state" in answer.data:
            # As charged: a different amount is the service's to refund, never to forget.
            return self._order(order_no, answer.data, "micropay")
        code = answer.code
        if answer.status == 202 or code in PAYER_PAYING:
            return ChannelOrder(order_no, OrderStatus.WAITING, amount_fen=amount_fen, message="USERPAYING")
        if code in PAYER_DECLINED:
            return ChannelOrder(order_no, OrderStatus.FAILED, amount_fen=amount_fen, message=code)
        if answer.status < 300:
            raise ProviderUnavailable("wechatpay micropay: answer has no trade_state")
        return self._create_refused(order_no, amount_fen, answer, "micropay")

    def query(self, order_no: str) -> ChannelOrder:
        answer = self._call("GET", self._path(order_no), "query", query={"mchid": self.settings.mchid})
        if answer.status == 200:
            return self._order(order_no, answer.data, "query")
        if answer.code in NO_SUCH_ORDER:
            return ChannelOrder(order_no, OrderStatus.NOT_FOUND)
        # Anything else (signature, auth, parameter errors) says nothing about the order.
        raise ProviderUnavailable(f"wechatpay query: {answer.code or answer.status}")

    def close(self, order_no: str) -> ChannelOrder:
        answer = self._call("POST", self._path(order_no, "/close"), "close", {"mchid": self.settings.mchid})
        code = answer.code
        if code in ALREADY_PAID:
            raise ProviderRejected(f"wechatpay close: {code}", reason=ORDER_PAID)
        if answer.status >= 300 and code not in ALREADY_CLOSED and code not in NO_SUCH_ORDER:
            raise ProviderRejected(f"wechatpay close: {code or answer.status}", reason=code or str(answer.status))
        # Closed (204) or already closed: confirm by query, so a payment that won the race is seen.
        order = self.query(order_no)
        if order.status in (OrderStatus.PAID, OrderStatus.REFUNDED):
            raise ProviderRejected("wechatpay close: the order was paid", reason=ORDER_PAID)
        if order.status is OrderStatus.NOT_FOUND:
            # WeChat Pay keeps no record of a number it never saw; our create (if it ever arrives)
            # carries a time_expire shortly after this, and the resolver queries it again.
            return ChannelOrder(order_no, OrderStatus.CLOSED, message="never reached the channel")
        if order.status is OrderStatus.WAITING:
            raise ProviderUnavailable("wechatpay close: the order is still open after close")
        return order

    def reverse(self, order_no: str) -> ChannelOrder:
        body = {"appid": self.settings.appid, "mchid": self.settings.mchid}
        answer = self._call("POST", self._path(order_no, "/reverse"), "reverse", body)
        if answer.status >= 300 and answer.code in PAYER_PAYING:
            raise ProviderUnavailable("wechatpay reverse: USERPAYING, reverse again")
        order = self.query(order_no)
        if order.status is OrderStatus.NOT_FOUND and answer.code in NO_SUCH_ORDER:
            return ChannelOrder(order_no, OrderStatus.REVERSED, message="never reached the channel")
        if order.status.final:
            return order
        if answer.status >= 300:
            raise ProviderRejected(f"wechatpay reverse: {answer.code or answer.status}", reason=answer.code)
        return order  # reverse accepted, not yet effective: the provider reverses again

    # --- refunds --------------------------------------------------------------------------------

    def refund(self, order_no: str, refund_no: str, amount_fen: int) -> ChannelOrder:
        order = self.query(order_no)
        if order.status is OrderStatus.REVERSED:
            return order  # the reverse already returned the money
        if order.status not in (OrderStatus.PAID, OrderStatus.REFUNDED):
            raise ProviderRejected(f"wechatpay refund: order is {order.status}", reason=NOT_PAID)
        body = {
            "out_trade_no": order_no,
            "out_refund_no": refund_no,
            "amount": {"refund": amount_fen, "total": order.amount_fen, "currency": "CNY"},
        }
        answer = self._call("POST", "/v3/refund/domestic/refunds", "refund", body)
        if answer.status >= 300:
            if answer.code in ("NOT_ENOUGH", "NOTENOUGH"):  # the merchant balance: try again later
                raise ProviderUnavailable("wechatpay refund: NOT_ENOUGH")
            if answer.code in NO_SUCH_ORDER:
                raise ProviderRejected("wechatpay refund: no such order", reason=NOT_PAID)
            raise ProviderRejected(f"wechatpay refund: {answer.code or answer.status}", reason=answer.code)
        result = self._refund_result(refund_no, answer.data, "refund")
        return self._refunded(order, result)

    def _refunded(self, order: ChannelOrder, result: RefundResult) -> ChannelOrder:
        if result.status in ("CLOSED", "ABNORMAL"):
            raise ProviderRejected(f"wechatpay refund: {result.status}", reason=f"REFUND_{result.status}")
        if result.status != "SUCCESS":  # PROCESSING: committed, not yet back with the payer
            return replace(order, status=OrderStatus.PAID, refunded_fen=0, message="PROCESSING")
        refunded = min(result.refund_fen, order.paid_fen)
        status = OrderStatus.REFUNDED if refunded == order.paid_fen else OrderStatus.PAID
        return replace(order, status=status, refunded_fen=refunded, message="SUCCESS")

    def _refund_result(self, refund_no: str, data: dict[str, Any], what: str) -> RefundResult:
        try:
            if data.get("out_refund_no") != refund_no:
                raise ProviderUnavailable(f"wechatpay {what}: answer is about another refund")
            amount = data["amount"]
            return RefundResult(
                refund_no=refund_no,
                status=str(data["status"]),
                refund_fen=int(amount["refund"]),
                total_fen=int(amount["total"]),
                refund_id=str(data.get("refund_id", "")),
            )
        except (KeyError, ValueError, TypeError):
            raise ProviderUnavailable(f"wechatpay {what}: answer is not a well-formed refund") from None

    def query_refund(self, refund_no: str) -> RefundResult | None:
        """The refund by our refund number; None when WeChat Pay has none with that number."""
        path = f"/v3/refund/domestic/refunds/{quote(refund_no, safe='')}"
        answer = self._call("GET", path, "refund query")
        if answer.status == 200:
            return self._refund_result(refund_no, answer.data, "refund query")
        if answer.code in NO_SUCH_ORDER:
            return None
        raise ProviderUnavailable(f"wechatpay refund query: {answer.code or answer.status}")

    # --- reconciliation -------------------------------------------------------------------------

    def statement(self, day: date) -> list[ChannelOrder]:
        query = {"bill_date": day.isoformat(), "bill_type": "ALL", "tar_type": "GZIP"}
        answer = self._call("GET", "/v3/bill/tradebill", "statement", query=query)
        if answer.code in NO_BILL:
            return []
        if answer.status != 200:
            raise ProviderUnavailable(f"wechatpay statement: {answer.code or answer.status}")
        url = str(answer.data.get("download_url", ""))
        hash_type = str(answer.data.get("hash_type", "")).upper()
        expected = str(answer.data.get("hash_value", "")).lower()
        split = urlsplit(url)
        # Our Authorization goes only to WeChat Pay's own host, over the same scheme as the API.
        if split.netloc != self._host or split.scheme != urlsplit(self._base).scheme:
            raise ProviderUnavailable("wechatpay statement: download URL is not WeChat Pay's")
        response, raw = self._send("GET", url, "", "bill download")
        if response.status_code != 200:
            raise ProviderUnavailable(f"wechatpay bill download: HTTP {response.status_code}")
        try:
            content = _gunzip(raw)
        except (OSError, EOFError, zlib.error):
            raise ProviderUnavailable("wechatpay bill download: not a gzip file") from None
        if hash_type not in ("SHA1", "SHA256") or not expected:
            raise ProviderUnavailable(f"wechatpay bill: cannot check hash type {hash_type!r}")
        # The file is not signed; the signed answer above carries its hash.
        if hashlib.new(hash_type.lower(), content).hexdigest() != expected:
            raise ProviderUnavailable("wechatpay bill: hash does not match; refused")
        try:
            return parse_trade_bill(content.decode("utf-8"), self.settings.timezone)
        except (BillError, UnicodeDecodeError) as exc:
            raise ProviderUnavailable(f"wechatpay bill: {exc}") from None


def _gunzip(raw: bytes) -> bytes:
    """Decompresses with a bound on the output (a bill is never hundreds of MB)."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = decompressor.decompress(raw, MAX_BODY)
    if decompressor.unconsumed_tail:
        raise OSError("bill too large")
    out += decompressor.flush()
    if not decompressor.eof:
        raise EOFError("truncated gzip")
    return out


__all__ = ["PRODUCTION_URL", "RefundResult", "UnverifiedAnswer", "WechatPayChannel", "WechatPaySettings"]
