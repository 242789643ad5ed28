"""WECHATPAY2-SHA256-RSA2048 both ways, platform certificates and their rotation, the bill format."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from requests.structures import CaseInsensitiveDict

from kiosk.payments.channel import OrderStatus
from kiosk.payments.errors import ProviderUnavailable
from kiosk.payments.wechatpay.bill import BillError, parse_trade_bill, yuan_to_fen
from kiosk.payments.wechatpay.signing import (
    SIGN_TEST_PREFIX,
    MerchantSigner,
    PlatformKeys,
    SignatureError,
    parse_authorization,
    request_message,
    response_message,
    rsa_sign,
    rsa_verify,
)
from tests.payments.wechatpay.conftest import (
    APIV3_KEY,
    MCHID,
    MERCHANT_SERIAL,
    Keys,
    encrypted_certificates,
    make_client,
    make_fake,
    platform_certificate,
)
from tests.payments.wechatpay.fake import BEIJING, BILL_HEADER


def _signed(
    key: rsa.RSAPrivateKey, body: str, serial: str = "PUB_KEY_ID_1", at: float | None = None
) -> CaseInsensitiveDict[str]:
    timestamp = str(int(time.time() if at is None else at))
    signature = rsa_sign(key, response_message(timestamp, "n0nce", body))
    return CaseInsensitiveDict(
        {
            "wechatpay-timestamp": timestamp,
            "wechatpay-nonce": "n0nce",
            "wechatpay-signature": signature,
            "wechatpay-serial": serial,
        }
    )


def test_request_authorization_verifies_with_the_merchant_public_key(keys: Keys) -> None:
    header = MerchantSigner(MCHID, MERCHANT_SERIAL, keys.merchant).authorization(
        "POST", "/v3/pay/transactions/native", '{"a":1}'
    )
    assert header.startswith("WECHATPAY2-SHA256-RSA2048 ")
    fields = parse_authorization(header)
    assert (fields["mchid"], fields["serial_no"]) == (MCHID, MERCHANT_SERIAL)
    message = request_message(
        "POST", "/v3/pay/transactions/native", fields["timestamp"], fields["nonce_str"], '{"a":1}'
    )
    assert rsa_verify(keys.merchant.public_key(), message, fields["signature"])
    tampered = request_message(
        "POST", "/v3/pay/transactions/native", fields["timestamp"], fields["nonce_str"], '{"a":2}'
    )
    assert not rsa_verify(keys.merchant.public_key(), tampered, fields["signature"])


def test_answers_verify_only_with_the_platform_key_body_time_and_serial(keys: Keys) -> None:
    platform = PlatformKeys({"PUB_KEY_ID_1": keys.platform.public_key()})
    body = '{"trade_state":"SUCCESS"}'
    assert platform.verify(_signed(keys.platform, body), body) == "PUB_KEY_ID_1"
    with pytest.raises(SignatureError, match="does not verify"):
        platform.verify(_signed(keys.platform, body), body.replace("SUCCESS", "NOTPAY"))
    with pytest.raises(SignatureError, match="does not verify"):
        platform.verify(_signed(keys.wrong, body), body)
    with pytest.raises(SignatureError, match="unknown key"):
        platform.verify(_signed(keys.platform, body, serial="PUB_KEY_ID_2"), body)
    with pytest.raises(SignatureError, match="too far"):
        platform.verify(_signed(keys.platform, body, at=time.time() - 600), body)
    with pytest.raises(SignatureError, match="not signed"):
        platform.verify(CaseInsensitiveDict(), body)
    probe = _signed(keys.platform, body)
    probe["Wechatpay-Signature"] = SIGN_TEST_PREFIX + probe["Wechatpay-Signature"]
    with pytest.raises(SignatureError, match="probe"):
        platform.verify(probe, body)


def test_certificate_serials_compare_without_case_or_leading_zeros(keys: Keys) -> None:
    platform = PlatformKeys({"00ABCDEF": keys.platform.public_key()})
    assert platform.knows("abcdef")
    assert platform.knows("ABCDEF")
    assert not platform.knows("ABCDEE")


def test_platform_certificates_are_fetched_decrypted_and_rotated(keys: Keys) -> None:
    old_pem = platform_certificate(keys.platform, 0x1A2B)
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    new_pem = platform_certificate(new_key, 0x3C4D)
    fake = make_fake(keys, platform_serial="1A2B")
    fake.certificates = lambda: encrypted_certificates([("1A2B", old_pem)])
    fake.start()
    offset = [0.0]
    client = make_client(fake, keys, PlatformKeys(), apiv3_key=APIV3_KEY, clock=lambda: time.time() + offset[0])
    try:
        assert client.query("P20261207G1").status is OrderStatus.NOT_FOUND  # fetched 1A2B, then verified
        # WeChat Pay rotates: new answers are signed with the new certificate, listed next to the old.
        fake.platform_key, fake.platform_serial = new_key, "3C4D"
        fake.certificates = lambda: encrypted_certificates([("1A2B", old_pem), ("3C4D", new_pem)])
        offset[0] = 61  # certificate downloads are rate limited to one a minute
        assert client.query("P20261207G1").status is OrderStatus.NOT_FOUND
        # A certificate list not encrypted with our API v3 key is not trusted.
        fake.platform_serial = "5E6F"
        fake.certificates = lambda: encrypted_certificates([("5E6F", new_pem)], apiv3_key=b"x" * 32)
        offset[0] = 122
        with pytest.raises(ProviderUnavailable, match="API v3 key"):
            client.query("P20261207G1")
    finally:
        client.close_client()
        fake.close()


def test_amounts_in_yuan_become_exact_fen() -> None:
    assert [yuan_to_fen(t) for t in ("0.01", "12.30", "0.10", "1000.00", "0")] == [1, 1230, 10, 100000, 0]
    for bad in ("1.234", "-1.00", "abc", ""):
        with pytest.raises(BillError):
            yuan_to_fen(bad)


def _bill(rows: list[list[str]], header: str = BILL_HEADER) -> str:
    lines = [header] + [",".join("`" + v for v in row) for row in rows]
    return "\r\n".join([*lines, "总交易单数,应结订单总金额", "`1,`0.01"]) + "\r\n"


def _row(**values: Any) -> list[str]:
    names = BILL_HEADER.split(",")
    row = dict.fromkeys(names, "")
    row.update({k: str(v) for k, v in values.items()})
    return [row[name] for name in names]


def test_the_bill_is_read_by_column_name_and_an_earlier_days_refund_is_no_payment_today() -> None:
    rows = [
        _row(
            交易时间="2026-12-07 00:00:05",
            微信订单号="4200001",
            商户订单号="P1",
            交易状态="SUCCESS",
            应结订单总金额="33.00",
            订单金额="33.00",
        ),
        _row(
            交易时间="2026-12-07 09:00:00",
            微信订单号="4200002",
            商户订单号="P0",
            交易状态="REFUND",
            应结订单总金额="0.00",
            退款金额="5.00",
            订单金额="8.00",
        ),
    ]
    orders = parse_trade_bill(_bill(rows), BEIJING)
    assert [(o.order_no, o.status, o.net_fen) for o in orders] == [
        ("P1", OrderStatus.PAID, 3300),
        ("P0", OrderStatus.PAID, 300),  # paid 8.00 on an earlier day, 5.00 refunded today
    ]
    assert orders[0].paid_at == datetime(2026, 12, 7, 0, 0, 5, tzinfo=BEIJING)
    assert orders[1].paid_at is None  # not a payment of this day
    names = BILL_HEADER.split(",")
    reordered = ",".join(reversed(names))
    reversed_rows = [list(reversed(r)) for r in rows]
    assert parse_trade_bill(_bill(reversed_rows, reordered), BEIJING) == orders
    with pytest.raises(BillError, match="trade state"):
        parse_trade_bill(
            _bill([_row(交易时间="2026-12-07 01:00:00", 商户订单号="P2", 交易状态="WEIRD", 应结订单总金额="1.00")]),
            BEIJING,
        )
    with pytest.raises(BillError, match="header"):
        parse_trade_bill("a,b,c\r\n`1,`2,`3\r\n", BEIJING)
