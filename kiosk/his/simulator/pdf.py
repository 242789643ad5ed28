"""A minimal PDF writer for the simulator's report attachments, with Chinese text.

No font is embedded: Chinese lines use the standard Adobe-GB1 font STSong-Light through the
predefined UniGB-UCS2-H CMap (PDF 1.7, 9.7.5.2), which every mainstream viewer and CUPS filter
substitutes with an installed CJK font; pure ASCII lines use Helvetica. Offsets in the xref
table are computed from the bytes written, so the file is valid without repair. Pure function,
any thread.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

_PAGE_W, _PAGE_H = 595, 842  # A4 in points


@dataclass(frozen=True)
class TextLine:
    text: str
    size: float = 11.0
    x: float = 56.0
    gap_before: float = 6.0  # extra space above the line, in points


def _pdf_literal(text: str) -> bytes:
    """An ASCII string as a PDF literal string, with the delimiters escaped."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return b"(" + escaped.encode("ascii") + b")"


def _ucs2_hex(text: str) -> bytes:
    """Text as big-endian UCS-2 for UniGB-UCS2-H; characters outside the BMP become '?'."""
    units = [ord(ch) if ord(ch) <= 0xFFFF else ord("?") for ch in text]
    return b"<" + "".join(f"{unit:04X}" for unit in units).encode("ascii") + b">"


def _content_stream(lines: Sequence[TextLine]) -> bytes:
    parts: list[bytes] = []
    y = _PAGE_H - 64.0
    for line in lines:
        y -= line.size + line.gap_before
        if y < 48:
            break  # one page is enough for a simulated report; never draw below the margin
        if line.text.isascii():
            shown = _pdf_literal(line.text)
            font = b"/F1"
        else:
            shown = _ucs2_hex(line.text)
            font = b"/F2"
        parts.append(b"BT %s %.1f Tf %.1f %.1f Td %s Tj ET\n" % (font, line.size, line.x, y, shown))
    return b"".join(parts)


def render_pdf(lines: Sequence[TextLine], title: str = "Report") -> bytes:
    """A one-page A4 PDF showing ``lines`` from the top."""
    content = _content_stream(lines)
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 8 0 R >>" % (_PAGE_W, _PAGE_H),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [6 0 R] >>",
        # CIDs 1-95 are the half-width ASCII glyphs of Adobe-GB1; the rest are full width.
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 2 >> "
        b"/FontDescriptor 7 0 R /DW 1000 /W [1 95 500] >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 880 /StemV 93 >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Producer (hospital-kiosk HIS simulator) /Title " + _ucs2_title(title) + b" >>",
    ]
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f\r\n"
    for offset in offsets:
        out += b"%010d 00000 n\r\n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, len(objects))
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _ucs2_title(title: str) -> bytes:
    """A text string for the Info dictionary: UTF-16BE with a byte order mark, as hex."""
    data = "\ufeff".encode("utf-16-be") + title.encode("utf-16-be", errors="replace")
    return b"<" + data.hex().upper().encode("ascii") + b">"
