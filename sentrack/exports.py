"""Spreadsheet downloads: CSV that spreadsheets open as UTF-8 and never run as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula is written as text."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_response(rows: Iterable[list], filename: str) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheets read the file as UTF-8
    csv.writer(buffer).writerows([safe_cell(value) for value in row] for row in rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
