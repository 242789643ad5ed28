"""Receipt layout and ESC/POS encoding: golden bytes, decoding back, wrapping, ¥, QR, raster."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.devices.escpos_printer import PrinterProfile
from kiosk.devices.receipt import (
    FULLWIDTH_YEN,
    LayoutProfile,
    Line,
    Receipt,
    ReceiptItem,
    ReceiptTotal,
    encode_chinese_text,
    format_fen,
    layout,
    render_receipt,
    text_width,
    two_columns,
    wrap,
)
from kiosk.devices.simulators.printer import PrinterSimulator

GOLDEN = Path(__file__).parent / "golden"

RECEIPT = Receipt(
    title="门诊缴费凭证",
    subtitle="示例市第一人民医院",
    patient_masked="张*明 110***********1234",
    fields=(("科室", "心血管内科"), ("医生", "王医生"), ("流水号", "20240501-000123")),
    items=(
        ReceiptItem("血常规检查（五分类）", 2500),
        ReceiptItem("心电图检查 Electrocardiogram examination", 4000),
        ReceiptItem("阿司匹林肠溶片 100mg×30片", 1580, quantity=2),
    ),
    totals=(ReceiptTotal("合计", 9660, emphasis=True), ReceiptTotal("医保支付", 5000), ReceiptTotal("自付", 4660)),
    qr="https://his.example.org/r/20240501-000123",
    qr_caption="扫码查看电子票据",
    footer=("请妥善保管本凭证 ¥", "Thank you"),
)


def profile(width: int, **changes: object) -> LayoutProfile:
    return PrinterProfile.model_validate({"paper_width_mm": width, **changes}).layout_profile()


def decode(data: bytes) -> PrinterSimulator:
    sim = PrinterSimulator()
    sim.on_host_bytes(data)
    return sim


EXPECTED_58 = [
    "门诊缴费凭证",
    "示例市第一人民医院",
    "-" * 32,
    "患者: 张*明 110***********1234",
    "科室: 心血管内科",
    "医生: 王医生",
    "流水号: 20240501-000123",
    "-" * 32,
    "血常规检查（五分类）     ￥25.00",
    "心电图检查               ￥40.00",
    "Electrocardiogram",
    "examination",
    "阿司匹林肠溶片 100mg×30 ￥15.80",
    "片 x2",
    "-" * 32,
    "合计                     ￥96.60",
    "医保支付                 ￥50.00",
    "自付                     ￥46.60",
    "-" * 32,
    "扫码查看电子票据",
    "-" * 32,
    "请妥善保管本凭证 ￥",
    "Thank you",
]


@pytest.mark.parametrize("width", [58, 80])
def test_golden_receipt_bytes(width: int) -> None:
    data = render_receipt(RECEIPT, profile(width))
    golden = GOLDEN / f"receipt_chinese_{width}mm.bin"
    if os.environ.get("KIOSK_UPDATE_GOLDEN") == "1":
        golden.write_bytes(data)
    assert data == golden.read_bytes()


def test_golden_58mm_decodes_to_expected_text() -> None:
    sim = decode(render_receipt(RECEIPT, profile(58)))
    pages = sim.cut_pages()
    assert len(pages) == 1
    assert pages[0].text == EXPECTED_58
    assert pages[0].qr_codes == ["https://his.example.org/r/20240501-000123"]
    assert pages[0].cut == "partial"
    assert pages[0].lines[0].big
    assert pages[0].lines[0].align == "center"
    assert pages[0].lines[15].bold  # the emphasised total
    assert sim.unknown_commands == 0


def test_golden_80mm_decodes_and_fits_48_columns() -> None:
    page = decode(render_receipt(RECEIPT, profile(80))).cut_pages()[0]
    assert "心电图检查 Electrocardiogram examination ￥40.00" in page.text
    assert "合计" + " " * 37 + "￥96.60" in page.text
    for line in page.lines:
        assert text_width(line.text) * (2 if line.big else 1) <= 48


def test_chinese_mode_and_yen_bytes() -> None:
    data = render_receipt(RECEIPT, profile(58))
    assert data.startswith(b"\x1b@\x1c&")  # init, then Chinese mode (python-escpos never sends FS &)
    assert b"\xa3\xa4" in data  # ￥ in GB18030/GBK
    assert b"\x81\x30\x84\x36" not in data  # the unprintable 4-byte GB18030 form of ¥
    assert b"\x1bt" not in data  # no code page switching
    assert data.endswith(b"\x1c.\x1bd\x04\x1dVB\x00")  # Chinese mode off, feed, partial cut
    assert "门诊".encode("gb18030") in data


def test_gbk_encoding_profile_and_unencodable_characters() -> None:
    assert encode_chinese_text("¥5 €", "gbk") == b"\xa3\xa45 ?"  # not in GBK: a visible ?
    assert encode_chinese_text("\U00020000", "gb18030") == b"?"  # 4-byte only: printers lack it
    assert encode_chinese_text("a\x1bb\x10", "gb18030") == b"a b "  # control bytes never reach the printer


def test_native_qr_and_image_fallback() -> None:
    native = render_receipt(RECEIPT, profile(58))
    assert b"\x1d(k" in native
    assert b"\x1dv0" not in native
    fallback = render_receipt(RECEIPT, profile(58, native_qr=False))
    assert b"\x1d(k" not in fallback
    page = decode(fallback).cut_pages()[0]
    assert page.qr_codes == []
    assert page.images
    assert all(w == 384 for w, _ in page.images)


@pytest.mark.parametrize("width", [58, 80])
def test_raster_text_mode(width: int) -> None:
    prof = profile(width, text_mode="raster", native_qr=False)
    data = render_receipt(RECEIPT, prof)
    assert b"\x1c&" not in data
    page = decode(data).cut_pages()[0]
    assert page.text == []  # no text bytes at all: everything is an image
    assert page.images
    assert all(w == prof.dots for w, _ in page.images)
    assert sum(h for _, h in page.images) > 30 * 20


def test_full_cut_and_no_cutter() -> None:
    assert render_receipt(RECEIPT, profile(80, cutter="full")).endswith(b"\x1dVA\x00")
    assert render_receipt(RECEIPT, profile(80, cutter="none")).endswith(b"\x1bd\x04")


def test_money_is_integer_fen() -> None:
    assert format_fen(9660) == f"{FULLWIDTH_YEN}96.60"
    assert format_fen(-5) == f"-{FULLWIDTH_YEN}0.05"
    with pytest.raises(TypeError):
        ReceiptItem("x", 12.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ReceiptTotal("x", True)


def test_wrap_cjk_double_width_and_words() -> None:
    assert wrap("一二三四五六", 7) == ["一二三", "四五六"]
    assert wrap("hello world again", 11) == ["hello world", "again"]
    assert wrap("", 10) == [""]
    assert two_columns("名称", "￥1.00", 12) == ["名称  ￥1.00"]


def test_reprint_note_heads_the_receipt() -> None:
    blocks = layout(RECEIPT, 32, reprint_note="** 补打 REPRINT **")
    assert blocks[0] == Line("** 补打 REPRINT **", blocks[0].align, bold=True)  # type: ignore[union-attr]


cjk_text = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0x20, max_codepoint=0x7E),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
        st.sampled_from("，。（）：¥￥×—“”é\t\n\x1b"),
    ),
    max_size=120,
)


@settings(max_examples=200)
@given(text=cjk_text, width=st.sampled_from([32, 48]))
def test_wrap_never_exceeds_width(text: str, width: int) -> None:
    for line in wrap(text, width):
        assert text_width(line) <= width


@settings(max_examples=100, deadline=None)
@given(title=cjk_text, name=cjk_text, amount=st.integers(-(10**9), 10**9), width=st.sampled_from([58, 80]))
def test_any_receipt_text_decodes_within_columns(title: str, name: str, amount: int, width: int) -> None:
    receipt = Receipt(title=title, patient_masked="*", items=(ReceiptItem(name, amount),))
    prof = profile(width)
    sim = decode(render_receipt(receipt, prof))
    pages = sim.cut_pages()
    assert len(pages) == 1
    assert sim.unknown_commands == 0
    for line in pages[0].lines:
        assert text_width(line.text) * (2 if line.big else 1) <= prof.columns


@pytest.mark.parametrize("width", [7, 13, 383, 576])
def test_raster_bytes_match_python_escpos(width: int) -> None:
    """Our fast raster encoder sends exactly what python-escpos's EscposImage would."""
    import random

    from escpos.image import EscposImage
    from PIL import Image

    from kiosk.devices.receipt import GS, raster_bytes

    image = Image.new("1", (width, 300), 1)
    pixels, rng = image.load(), random.Random(width)
    for _ in range(3000):
        pixels[rng.randrange(width), rng.randrange(300)] = 0
    expected = bytearray()
    for top in range(0, 300, 256):
        part = EscposImage(image.crop((0, top, width, min(top + 256, 300))))
        expected += GS + b"v0\x00" + part.width_bytes.to_bytes(2, "little") + part.height.to_bytes(2, "little")
        expected += part.to_raster_format()
    assert raster_bytes(image) == bytes(expected)
