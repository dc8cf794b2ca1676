"""Small, valid PDF files for the demo's EHC documents, made in pure Python: one A4 page of
Helvetica text with a title line, a cross-reference table with each object's byte offset, and
nothing else (no fonts embedded, no compression), so each file is a few kilobytes.
"""

from __future__ import annotations

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 56
TITLE_SIZE, BODY_SIZE, LEADING = 16, 11, 15


def _escaped(text: str) -> str:
    """`text` as the inside of a PDF literal string: Latin-1, with backslashes and brackets escaped."""
    plain = text.encode("latin-1", errors="replace").decode("latin-1")
    return plain.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content(title: str, lines: list[str]) -> bytes:
    top = PAGE_HEIGHT - MARGIN
    parts = ["BT", f"/F1 {TITLE_SIZE} Tf", f"{MARGIN} {top} Td", f"({_escaped(title)}) Tj", f"/F1 {BODY_SIZE} Tf"]
    parts.append(f"0 -{2 * LEADING} Td")
    for line in lines:
        parts += [f"({_escaped(line)}) Tj", f"0 -{LEADING} Td"]
    parts.append("ET")
    return "\n".join(parts).encode("latin-1")


def pdf_document(title: str, lines: list[str]) -> bytes:
    """A one-page PDF showing `title` and then `lines` (each short enough for the page's width;
    the page holds about fifty)."""
    stream = _content(title, lines)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}]"
        " /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>".encode("latin-1"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Title (%s) /Producer (SEN Track demo) >>" % _escaped(title).encode("latin-1"),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, len(objects))
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)
