"""The sandbox channel's client: :class:`kiosk.payments.channel.ChannelClient` over its JSON API.

A real channel adapter (WeChat Pay, Alipay, UnionPay) has the same shape: signed requests with
the merchant's credentials, the same operations, the same error mapping. Safe from several
worker threads at once (one ``requests.Session``, no per-call state).
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

import requests

from kiosk.payments.channel import ChannelOrder, OrderStatus
from kiosk.payments.errors import ProviderRejected, ProviderUnavailable

log = logging.getLogger(__name__)

_STATUS = {
    "waiting": OrderStatus.WAITING,
    "paid": OrderStatus.PAID,
    "failed": OrderStatus.FAILED,
    "closed": OrderStatus.CLOSED,
    "reversed": OrderStatus.REVERSED,
    "refunded": OrderStatus.REFUNDED,
}


class SandboxChannel:
    """Talks to a :class:`kiosk.payments.sandbox.server.SandboxServer` at ``base_url``."""

    def __init__(self, base_url: str, *, token: str | None = None, timeout_s: float = 5.0) -> None:
        self._base = base_url.rstrip("/") + "/api/v1"
        self._timeout = (min(timeout_s, 3.0), timeout_s)
        self._session = requests.Session()
        self._session.trust_env = False
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"

    def close_client(self) -> None:
        self._session.close()

    def _call(self, method: str, path: str, what: str, body: dict[str, Any] | None = None, **params: str) -> Any:
        try:
            response = self._session.request(
                method, self._base + path, json=body, params=params or None, timeout=self._timeout
            )
        except requests.RequestException as exc:
            # The request may or may not have reached the channel: the caller asks again.
            raise ProviderUnavailable(f"sandbox {what}: {type(exc).__name__}") from None
        try:
            if response.status_code >= 500:
                raise ProviderUnavailable(f"sandbox {what}: HTTP {response.status_code}")
            try:
                data = response.json()
            except ValueError:
                raise ProviderUnavailable(f"sandbox {what}: answer is not JSON") from None
            if response.status_code == 404 and what == "query":
                return None
            if response.status_code >= 400:
                code = str(data.get("code", "")) if isinstance(data, dict) else ""
                raise ProviderRejected(f"sandbox {what}: {code or response.status_code}", reason=code)
            return data
        finally:
            response.close()

    def create_qr_order(self, order_no: str, amount_fen: int, subject: str, expires_in_s: float) -> ChannelOrder:
        body = {"order_no": order_no, "mode": "qr", "amount_fen": amount_fen, "subject": subject}
        body["expires_in_s"] = expires_in_s
        return _order(self._call("POST", "/orders", "create", body))

    def micropay(self, order_no: str, amount_fen: int, subject: str, auth_code: str) -> ChannelOrder:
        body = {"order_no": order_no, "mode": "code", "amount_fen": amount_fen, "subject": subject}
        body["auth_code"] = auth_code
        return _order(self._call("POST", "/orders", "create", body))

    def query(self, order_no: str) -> ChannelOrder:
        data = self._call("GET", f"/orders/{order_no}", "query")
        return _order(data) if data is not None else ChannelOrder(order_no, OrderStatus.NOT_FOUND)

    def close(self, order_no: str) -> ChannelOrder:
        return _order(self._call("POST", f"/orders/{order_no}/close", "close", {}))

    def reverse(self, order_no: str) -> ChannelOrder:
        return _order(self._call("POST", f"/orders/{order_no}/reverse", "reverse", {}))

    def refund(self, order_no: str, refund_no: str, amount_fen: int) -> ChannelOrder:
        body = {"refund_no": refund_no, "amount_fen": amount_fen}
        return _order(self._call("POST", f"/orders/{order_no}/refunds", "refund", body))

    def statement(self, day: date) -> list[ChannelOrder]:
        data = self._call("GET", "/statement", "statement", date=day.isoformat())
        return [_order(item) for item in data.get("orders", [])]


def _order(data: Any) -> ChannelOrder:
    if not isinstance(data, dict):
        raise ProviderUnavailable("sandbox answer is not an order")
    try:
        return ChannelOrder(
            order_no=str(data["order_no"]),
            status=_STATUS[str(data["status"])],
            amount_fen=int(data.get("amount_fen", 0)),
            paid_fen=int(data.get("paid_fen", 0)),
            refunded_fen=int(data.get("refunded_fen", 0)),
            transaction_id=str(data.get("transaction_id", "")),
            created_at=datetime.fromisoformat(data["created_at"]) if data.get("created_at") else None,
            paid_at=datetime.fromisoformat(data["paid_at"]) if data.get("paid_at") else None,
            qr_payload=str(data.get("qr_payload", "")),
        )
    except (KeyError, ValueError, TypeError):
        raise ProviderUnavailable("sandbox answer is not a well-formed order") from None
