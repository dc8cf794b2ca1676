"""Small, valid PDF files made in pure Python: A4 pages of Helvetica text (the standard font every
reader has, so nothing is embedded), wrapped to the page's width and run on to as many pages as
the text needs, with a cross-reference table of each object's byte offset and no compression.

`pdf_pages` lays out documents of headed paragraphs (a letter to each of several parents, one
document a page or more each); `pdf_document` is one page of a title and short lines. Text is
written in Latin-1 (WinAnsi), escaped so that the file is ASCII: a character outside Latin-1
prints as "?"."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
MARGIN = 56
TITLE_SIZE, BODY_SIZE, LEADING = 16, 11, 15
TITLE_LEADING = 22

# Helvetica's advance widths (thousandths of the size) of the printable ASCII characters, from the
# font's metrics; any other character is taken as wide as a digit.
_WIDTHS = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
        (
            278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
            556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
            1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
            667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
            333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
            556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
        ),
        strict=True,
    )
)  # fmt: skip


def text_width(text: str, size: float) -> float:
    """The width in points of `text` set in Helvetica at `size`."""
    return sum(_WIDTHS.get(char, 556) for char in text) * size / 1000


def wrap(text: str, size: float, width: float) -> list[str]:
    """`text` (one line, no newline) broken at spaces into lines no wider than `width`; a word
    wider than the line is broken where it must be."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        tried = f"{current} {word}" if current else word
        if text_width(tried, size) <= width:
            current = tried
            continue
        if current:
            lines.append(current)
        while text_width(word, size) > width:
            cut = max(1, next(i for i in range(len(word), 0, -1) if text_width(word[:i], size) <= width))
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current or not lines:
        lines.append(current)
    return lines


def _escaped(text: str) -> str:
    """`text` as the inside of a PDF literal string, in ASCII: backslashes and brackets escaped,
    and each Latin-1 character beyond ASCII as its octal code ("é" as \\351), so the whole file
    is plain ASCII text."""
    plain = text.encode("latin-1", errors="replace").decode("latin-1")
    escaped = plain.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return "".join(char if ord(char) < 128 else f"\\{ord(char):03o}" for char in escaped)


@dataclass(frozen=True)
class Document:
    """A document that starts on a new page: a title, then paragraphs of lines (a paragraph's own
    line breaks kept, as in an address)."""

    title: str
    paragraphs: list[list[str]]


@dataclass(frozen=True)
class _Line:
    text: str
    size: int
    before: int  # points down from the line above


def _lines(document: Document) -> Iterator[_Line]:
    usable = PAGE_WIDTH - 2 * MARGIN
    for line in wrap(document.title, TITLE_SIZE, usable):
        yield _Line(line, TITLE_SIZE, TITLE_LEADING)
    gap = LEADING
    for paragraph in document.paragraphs:
        for typed in paragraph:
            for line in wrap(typed, BODY_SIZE, usable):
                yield _Line(line, BODY_SIZE, LEADING + gap)
                gap = 0
        gap = LEADING // 2


def _pages(documents: list[Document]) -> list[bytes]:
    """The content stream of each page: each document from the top of a new page."""
    pages: list[list[str]] = []
    for document in documents:
        page: list[str] = []
        pages.append(page)
        y = PAGE_HEIGHT - MARGIN
        for line in _lines(document):
            y -= line.before if page else 0
            if y < MARGIN:
                page = []
                pages.append(page)
                y = PAGE_HEIGHT - MARGIN
            page.append(f"BT /F1 {line.size} Tf {MARGIN} {y} Td ({_escaped(line.text)}) Tj ET")
    return ["\n".join(page).encode("latin-1") for page in pages]


def _file(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
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


def pdf_pages(title: str, documents: list[Document], *, producer: str = "SEN Track") -> bytes:
    """A PDF of `documents`, each starting on a new A4 page, called `title` in its properties."""
    streams = _pages(documents)
    # Objects: 1 catalogue, 2 pages, 3 font, then a page and its content for each page, then the info.
    first = 4
    kids = " ".join(f"{first + 2 * n} 0 R" for n in range(len(streams)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(streams)} >>".encode("latin-1"),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for n, stream in enumerate(streams):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH} {PAGE_HEIGHT}]"
            f" /Resources << /Font << /F1 3 0 R >> >> /Contents {first + 2 * n + 1} 0 R >>".encode("latin-1")
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    objects.append(b"<< /Title (%s) /Producer (%s) >>" % (_escaped(title).encode("latin-1"), producer.encode()))
    return _file(objects)


def pdf_document(title: str, lines: list[str], *, producer: str = "SEN Track") -> bytes:
    """A PDF showing `title` and then `lines`, one line each (wrapped if too wide)."""
    return pdf_pages(title, [Document(title, [lines])], producer=producer)
