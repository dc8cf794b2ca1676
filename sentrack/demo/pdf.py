"""Small, valid PDF files for the demo's EHC documents: A4 pages of Helvetica text made by the
app's own PDF writer (`sentrack.pdf`), so each file is a few kilobytes."""

from __future__ import annotations

from sentrack import pdf


def pdf_document(title: str, lines: list[str]) -> bytes:
    """A PDF showing `title` and then `lines`, one line each."""
    return pdf.pdf_document(title, lines, producer="SEN Track demo")
