"""Receipts: a plain model, laid out for 58/80 mm paper, encoded as ESC/POS bytes.

Layout happens in display cells (an ASCII character is one cell, a CJK character two), so
columns line up on a printer's Chinese mode and in raster text alike. Two encoders turn the
laid-out lines into bytes: Chinese mode (``FS &`` + GB18030/GBK, which python-escpos never
sends) or raster text drawn with Pillow for printers without a Chinese font. QR codes go out
natively (``GS ( k``, via python-escpos) or as a raster image. Amounts are integer fen.
Pure functions: safe on any thread; the printer driver calls them on its owner thread.
"""

from __future__ import annotations

import functools
import logging
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import qrcode
from PIL import Image, ImageDraw, ImageFont, ImageOps

log = logging.getLogger(__name__)

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
LF = b"\n"
INIT = ESC + b"@"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
YEN = "\u00a5"
FULLWIDTH_YEN = "\uffe5"  # GB18030/GBK A3 A4: the yen sign Chinese printers actually have


@dataclass(frozen=True)
class ReceiptItem:
    name: str
    amount_fen: int
    quantity: int = 1

    def __post_init__(self) -> None:
        _check_fen(self.amount_fen, "amount_fen")
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int) or self.quantity < 1:
            raise ValueError("quantity must be a positive integer")


@dataclass(frozen=True)
class ReceiptTotal:
    label: str
    amount_fen: int
    emphasis: bool = False

    def __post_init__(self) -> None:
        _check_fen(self.amount_fen, "amount_fen")


@dataclass(frozen=True)
class Receipt:
    """What a receipt says. ``patient_masked`` is already masked by the domain's helper."""

    title: str
    patient_masked: str
    subtitle: str = ""
    patient_label: str = "患者"
    fields: tuple[tuple[str, str], ...] = ()  # (label, value): department, doctor, time, serial no.
    items: tuple[ReceiptItem, ...] = ()
    totals: tuple[ReceiptTotal, ...] = ()
    qr: str | None = None
    qr_caption: str = ""
    footer: tuple[str, ...] = ()


def _check_fen(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be integer fen, not {type(value).__name__}")


def format_fen(fen: int, symbol: str = FULLWIDTH_YEN) -> str:
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{symbol}{yuan}.{cents:02d}"


# --- display cells and wrapping -------------------------------------------------------------


def cell_width(ch: str) -> int:
    if ch < "\x80":
        return 1
    if unicodedata.combining(ch):
        return 0
    # Wide, fullwidth and ambiguous characters are all double-byte on a Chinese printer.
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1


def text_width(text: str) -> int:
    return sum(cell_width(ch) for ch in text)


def clean_text(text: str) -> str:
    """Control and format characters would be taken as printer commands: make them spaces."""
    out = []
    for ch in text.replace(YEN, FULLWIDTH_YEN):
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def wrap(text: str, width: int) -> list[str]:
    """Wrap to ``width`` cells; breaks at a space inside Latin words, anywhere in CJK text."""
    if width < 2:
        raise ValueError("width must be at least 2 cells")
    text = clean_text(text)
    lines: list[str] = []
    current: list[str] = []
    used = 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width:
            head = "".join(current)
            cut = head.rfind(" ")
            if ch != " " and ch < "\x80" and cut > 0 and head[-1:] < "\x80" and head[-1:] != " ":
                lines.append(head[:cut].rstrip())
                rest = head[cut + 1 :]
                current, used = list(rest), text_width(rest)
            else:
                lines.append(head.rstrip())
                current, used = [], 0
            if ch == " " and not current:
                continue
        current.append(ch)
        used += w
    if current or not lines:
        lines.append("".join(current).rstrip())
    return lines


def two_columns(left: str, right: str, width: int) -> list[str]:
    """``left`` wrapped on the left, ``right`` flush right on the first line (or alone below)."""
    right = clean_text(right)
    rw = text_width(right)
    if rw + 3 > width:  # the name needs two cells (a CJK character) and a space before the amount
        return [*wrap(left, width), *wrap(right, width)]
    left_lines = wrap(left, width - rw - 1)
    first = left_lines[0]
    out = [first + " " * (width - text_width(first) - rw) + right]
    out.extend(left_lines[1:])
    return out


# --- layout: receipt -> lines and blocks ----------------------------------------------------


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"


@dataclass(frozen=True)
class Line:
    text: str
    align: Align = Align.LEFT
    big: bool = False  # double width and height
    bold: bool = False


@dataclass(frozen=True)
class QrBlock:
    payload: str


Block = Line | QrBlock


@dataclass(frozen=True)
class LayoutProfile:
    """The parts of a printer profile the layout needs (see escpos_printer.PrinterProfile)."""

    columns: int = 48
    dots: int = 576
    text_mode: Literal["chinese", "raster"] = "chinese"
    encoding: Literal["gb18030", "gbk"] = "gb18030"
    native_qr: bool = True
    qr_size: int = 6
    cutter: Literal["full", "partial", "none"] = "partial"
    feed_lines: int = 4
    font_path: str | None = None
    font_px: int = 24


def layout(receipt: Receipt, columns: int, *, reprint_note: str = "") -> list[Block]:
    half = max(columns // 2, 2)
    out: list[Block] = []
    if reprint_note:
        out.append(Line(reprint_note, Align.CENTER, bold=True))
    out.extend(Line(t, Align.CENTER, big=True) for t in wrap(receipt.title, half))
    if receipt.subtitle:
        out.extend(Line(t, Align.CENTER) for t in wrap(receipt.subtitle, columns))
    rule = Line("-" * columns)
    out.append(rule)
    pairs = [(receipt.patient_label, receipt.patient_masked), *receipt.fields]
    for label, value in pairs:
        out.extend(Line(t) for t in wrap(f"{label}: {value}", columns))
    if receipt.items:
        out.append(rule)
        for item in receipt.items:
            name = item.name if item.quantity == 1 else f"{item.name} x{item.quantity}"
            out.extend(Line(t) for t in two_columns(name, format_fen(item.amount_fen), columns))
    if receipt.totals:
        out.append(rule)
        for total in receipt.totals:
            lines = two_columns(total.label, format_fen(total.amount_fen), columns)
            out.extend(Line(t, bold=total.emphasis) for t in lines)
    if receipt.qr:
        out.append(rule)
        out.append(QrBlock(receipt.qr))
        if receipt.qr_caption:
            out.extend(Line(t, Align.CENTER) for t in wrap(receipt.qr_caption, columns))
    if receipt.footer:
        out.append(rule)
        for text in receipt.footer:
            out.extend(Line(t, Align.CENTER) for t in wrap(text, columns))
    return out


# --- encoding -------------------------------------------------------------------------------


@functools.cache
def _escpos_buffer_class() -> type[Any]:
    """python-escpos over a byte buffer: we use its native QR writer and nothing that encodes text.

    Built on first use: importing escpos.escpos loads its printer capability database (~0.3 s),
    which would otherwise delay the kiosk's first frame.
    """
    from escpos.escpos import Escpos  # noqa: PLC0415

    class EscposBuffer(Escpos):  # type: ignore[misc]  # python-escpos is untyped
        def __init__(self) -> None:
            super().__init__()
            self.buffer = bytearray()

        def _raw(self, msg: bytes) -> None:
            self.buffer += msg

        def close(self) -> None:
            """Nothing to release: the buffer is plain memory."""

    return EscposBuffer


def encode_chinese_text(text: str, encoding: str) -> bytes:
    """GB18030/GBK bytes a Chinese-mode printer prints: 1 byte ASCII, 2 bytes Hanzi; anything that
    needs GB18030's 4-byte form (printers lack those glyphs) or is not encodable becomes ``?``."""
    out = bytearray()
    for ch in clean_text(text):
        try:
            encoded = ch.encode(encoding)
        except UnicodeEncodeError:
            encoded = b"?"
        out += encoded if len(encoded) <= 2 else b"?"
    return bytes(out)


def _qr_native(payload: str, size: int) -> bytes:
    buf = _escpos_buffer_class()()
    buf.qr(payload, size=size, native=True)
    return bytes(buf.buffer)


def raster_bytes(image: Image.Image, fragment_rows: int = 256) -> bytes:
    """``GS v 0`` raster images, split so cheap printers with small buffers keep up."""
    # Dots are 1 bits, rows padded to whole bytes: exactly Pillow's packed "1" image once the
    # ink is inverted (3x faster than python-escpos's EscposImage, same bytes).
    ink = ImageOps.invert(image.convert("L")).convert("1")
    width_bytes = (ink.width + 7) // 8
    out = bytearray()
    for top in range(0, ink.height, fragment_rows):
        part = ink.crop((0, top, ink.width, min(top + fragment_rows, ink.height)))
        out += GS + b"v0\x00"
        out += width_bytes.to_bytes(2, "little") + part.height.to_bytes(2, "little")
        out += part.tobytes()
    return bytes(out)


def _qr_image(payload: str, dots: int, size: int) -> Image.Image:
    code = qrcode.QRCode(box_size=size, border=1, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(payload)
    code.make(fit=True)
    img = code.make_image().get_image().convert("1")
    if img.width > dots:
        img = img.resize((dots, dots))
    canvas = Image.new("1", (dots, img.height), 1)
    canvas.paste(img, ((dots - img.width) // 2, 0))
    return canvas


def _cut(profile: LayoutProfile) -> bytes:
    feed = ESC + b"d" + bytes([profile.feed_lines])
    if profile.cutter == "none":
        return feed
    # GS V m n, function B: feed to the cutter then cut; 65 full, 66 partial.
    return feed + GS + b"V" + (b"\x41" if profile.cutter == "full" else b"\x42") + b"\x00"


def encode_receipt(blocks: Sequence[Block], profile: LayoutProfile) -> bytes:
    if profile.text_mode == "raster":
        return _encode_raster(blocks, profile)
    return _encode_chinese(blocks, profile)


def _encode_chinese(blocks: Sequence[Block], profile: LayoutProfile) -> bytes:
    out = bytearray(INIT + CHINESE_ON)
    for block in blocks:
        if isinstance(block, QrBlock):
            out += ESC + b"a\x01"
            if profile.native_qr:
                out += _qr_native(block.payload, profile.qr_size)
            else:
                out += raster_bytes(_qr_image(block.payload, profile.dots, profile.qr_size))
            out += ESC + b"a\x00"
            continue
        if block.align is Align.CENTER:
            out += ESC + b"a\x01"
        if block.big:
            out += GS + b"!\x11"  # GS ! scales both ANK and Chinese characters
        if block.bold:
            out += ESC + b"E\x01"
        out += encode_chinese_text(block.text, profile.encoding) + LF
        if block.bold:
            out += ESC + b"E\x00"
        if block.big:
            out += GS + b"!\x00"
        if block.align is Align.CENTER:
            out += ESC + b"a\x00"
    out += CHINESE_OFF + _cut(profile)
    return bytes(out)


@functools.cache
def find_cjk_font() -> str:
    """A CJK font file from fontconfig (fonts-noto-cjk on the kiosk image)."""
    try:
        result = subprocess.run(
            ["fc-match", "-f", "%{file}", "sans:lang=zh-cn"], capture_output=True, text=True, timeout=5, check=True
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise FileNotFoundError(f"fc-match failed: {exc}") from exc
    path = result.stdout.strip()
    if not path or not Path(path).is_file():
        raise FileNotFoundError("no CJK font found by fc-match (install fonts-noto-cjk)")
    return path


@functools.lru_cache(maxsize=8)
def _font(path: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, px)


def _encode_raster(blocks: Sequence[Block], profile: LayoutProfile) -> bytes:
    font_path = profile.font_path or find_cjk_font()
    out = bytearray(INIT)
    text_run: list[Line] = []

    def flush() -> None:
        if text_run:
            out.extend(raster_bytes(render_lines(text_run, profile, font_path)))
            text_run.clear()

    for block in blocks:
        if isinstance(block, QrBlock):
            flush()
            if profile.native_qr:
                out += ESC + b"a\x01" + _qr_native(block.payload, profile.qr_size) + ESC + b"a\x00"
            else:
                out += raster_bytes(_qr_image(block.payload, profile.dots, profile.qr_size))
        else:
            text_run.append(block)
    flush()
    out += _cut(profile)
    return bytes(out)


@functools.lru_cache(maxsize=4096)
def _glyph(font_path: str, px: int, ch: str) -> tuple[Image.Image, int, int]:
    """One character drawn once and reused: a receipt repeats few glyphs, and pasting a cached
    mask is ~10x faster than laying the character out again."""
    font = _font(font_path, px)
    left, top, right, bottom = (int(v) for v in font.getbbox(ch))
    mask = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
    ImageDraw.Draw(mask).text((-left, -top), ch, font=font, fill=255)
    return mask.point(lambda v: 255 if v >= 128 else 0).convert("1"), left, top


def render_lines(lines: Iterable[Line], profile: LayoutProfile, font_path: str) -> Image.Image:
    """Draw lines on a monospace cell grid (CJK = 2 cells) so columns line up as in text mode."""
    cell = profile.dots // profile.columns
    row_h = profile.font_px + 6
    rows = list(lines)
    height = sum(row_h * (2 if line.big else 1) for line in rows)
    img = Image.new("1", (profile.dots, max(height, 1)), 1)
    y = 0
    for line in rows:
        scale = 2 if line.big else 1
        used = text_width(line.text) * cell * scale
        x = (profile.dots - used) // 2 if line.align is Align.CENTER else 0
        for ch in line.text:
            if ch != " ":
                mask, left, top = _glyph(font_path, profile.font_px * scale, ch)
                for dx in (0, 1) if line.bold else (0,):
                    img.paste(0, (x + left + dx, y + top), mask)
            x += cell_width(ch) * cell * scale
        y += row_h * scale
    return img


def render_receipt(receipt: Receipt, profile: LayoutProfile, *, reprint_note: str = "") -> bytes:
    """Receipt model to the exact bytes for the printer."""
    return encode_receipt(layout(receipt, profile.columns, reprint_note=reprint_note), profile)
