"""Reading a CSV file from the school's MIS or a spreadsheet: its bytes as text, its header row as
the columns SEN Track knows, and its values (dates, year groups, sex) as SEN Track stores them.

Liberal in what it accepts: UTF-8 with or without a byte order mark, or Windows-1252 (what Excel
saves as "CSV (Comma delimited)"); column names in any case, with or without spaces and punctuation,
and the names the common MIS exports give them ("Legal Surname", "DOB", "NC Year", "Reg Group");
dates as DD/MM/YYYY (what English MIS exports write) or YYYY-MM-DD. A file that cannot be read as
a whole (too large, not text, not comma-separated, a required column missing) is refused with a
`RuleBroken` on the "file" field naming the file; a value that cannot be read is the row's error.
The rows read (`Incoming`) are what the pupils and classes planners plan, at the preview and
again, from the preview's stored rows, when it is confirmed.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath, PureWindowsPath

from sentrack.models.enums import YEAR_GROUP_MAX, YEAR_GROUP_MIN
from sentrack.workflows import RuleBroken
from sentrack.workflows.imports import CHANGED, NEW, RowPlan

MAX_BYTES = 2 * 1024 * 1024
FILE = "file"  # the upload form's field, where a refusal of the whole file is shown


@dataclass(frozen=True)
class Column:
    """A column SEN Track reads: its name in the template, and the other names it goes by."""

    key: str
    label: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    @property
    def names(self) -> set[str]:
        return {plain_name(self.label), *(plain_name(alias) for alias in self.aliases)}


@dataclass
class Table:
    """The file's rows, each as (line number, {column key: the cell as written, stripped}); a
    blank cell is left out. `headings` holds each known column's heading as the file writes it."""

    encoding: str
    headings: dict[str, str]
    ignored: list[str]
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    skipped_example: int | None = None  # the line of the template's example row, left out


def plain_name(heading: str) -> str:
    """A heading as compared: lower case, letters and digits only ("Legal Surname" -> "legalsurname")."""
    return re.sub(r"[^a-z0-9]", "", heading.lower())


def shown_name(file_name: str) -> str:
    """The file's name as messages give it: without any folder, and without control characters."""
    base = PureWindowsPath(PurePosixPath(file_name).name).name
    return " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f]", "", base).split()) or "The file"


def decode(data: bytes, file_name: str) -> tuple[str, str]:
    """The file's text and the encoding it was read in. Refuses (on the file field) a file over
    the size limit, empty, or not text."""
    if len(data) > MAX_BYTES:
        raise RuleBroken(f"{file_name} is larger than 2 MB: split it into smaller files", field=FILE)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise RuleBroken(
            f"{file_name} is saved as Unicode text: save it as CSV UTF-8 (comma delimited) and upload it again",
            field=FILE,
        )
    if data.startswith(b"PK\x03\x04"):
        raise RuleBroken(
            f"{file_name} is a spreadsheet workbook, not a CSV file: save it as CSV (comma delimited)", field=FILE
        )
    if data.startswith(codecs.BOM_UTF8):
        data, encodings = data[len(codecs.BOM_UTF8) :], ("utf-8",)
    else:
        encodings = ("utf-8", "cp1252")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text) is None:
            label = "UTF-8" if encoding == "utf-8" else "Windows-1252"
            return text, label
        break
    raise RuleBroken(f"{file_name} is not a text file: upload a CSV file", field=FILE)


def _records(text: str, file_name: str) -> list[tuple[int, list[str]]]:
    """The CSV records of `text` with the line each starts on, blank records left out."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    records, line = [], 1
    try:
        for record in reader:
            if any(cell.strip() for cell in record):
                records.append((line, record))
            line = reader.line_num + 1
    except csv.Error as error:
        raise RuleBroken(f"{file_name} cannot be read as CSV at line {reader.line_num}: {error}", field=FILE) from None
    return records


def _refuse_other_formats(text: str, first: list[str], file_name: str) -> None:
    if text.lstrip().startswith("<"):
        raise RuleBroken(
            f"{file_name} is XML or a web page, not CSV: a Common Transfer File is uploaded as a CTF", field=FILE
        )
    if len(first) == 1 and (";" in first[0] or "\t" in first[0]):
        raise RuleBroken(
            f"{file_name} separates its columns with semicolons or tabs: save it as CSV (comma delimited)",
            field=FILE,
        )


def _headings(header: list[str], columns: tuple[Column, ...], file_name: str) -> tuple[dict[int, str], dict, list]:
    """Which position holds which column; each column's heading as written; headings not known."""
    by_name = {name: column for column in columns for name in column.names}
    positions: dict[int, str] = {}
    headings: dict[str, str] = {}
    ignored: list[str] = []
    for position, heading in enumerate(header):
        column = by_name.get(plain_name(heading))
        if column is None:
            if heading.strip():
                ignored.append(heading.strip())
            continue
        if column.key in headings:
            raise RuleBroken(
                f"{file_name} has two columns for {column.label}: "
                f"“{headings[column.key]}” and “{heading.strip()}”. Keep one and upload it again",
                field=FILE,
            )
        positions[position] = column.key
        headings[column.key] = heading.strip()
    missing = [column.label for column in columns if column.required and column.key not in headings]
    if missing:
        raise RuleBroken(
            f"{file_name} has no {_and(missing)} column{'s' if len(missing) > 1 else ''}: "
            "the first row must name the columns, as the template does",
            field=FILE,
        )
    return positions, headings, ignored


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def read_table(data: bytes, file_name: str, columns: tuple[Column, ...], example: dict[str, str]) -> Table:
    """The file as a `Table` of the known `columns`. A row exactly like the template's `example`
    row is left out (its line kept in `skipped_example`), so that a template imports as nothing.
    Raises RuleBroken (on the file field) when the file as a whole cannot be read."""
    file_name = shown_name(file_name)
    text, encoding = decode(data, file_name)
    records = _records(text, file_name)
    if not records:
        raise RuleBroken(f"{file_name} is empty: the first row must name the columns", field=FILE)
    _refuse_other_formats(text, records[0][1], file_name)
    positions, headings, ignored = _headings(records[0][1], columns, file_name)
    table = Table(encoding=encoding, headings=headings, ignored=ignored)
    for line, record in records[1:]:
        cells = {
            positions[position]: cell.strip()
            for position, cell in enumerate(record)
            if position in positions and cell.strip()
        }
        if cells == example and table.skipped_example is None:
            table.skipped_example = line
            continue
        table.rows.append((line, cells))
    return table


# --- Values --------------------------------------------------------------------------------------

_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def read_date(text: str) -> date:
    """A date written DD/MM/YYYY or YYYY-MM-DD (a time after it, as spreadsheets add, is ignored).
    Raises ValueError with what is wrong, in words."""
    written = text.split()[0] if text.split() else text
    iso = _ISO.fullmatch(written)
    day_first = _DAY_FIRST.fullmatch(written)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif day_first:
        day, month, year = (int(part) for part in day_first.groups())
        if len(day_first.group(3)) == 2:
            raise ValueError(f"“{text}” has a two-digit year: write the year in full, as DD/MM/YYYY")
    else:
        raise ValueError(f"“{text}” is not a date: write it as DD/MM/YYYY or YYYY-MM-DD")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"“{text}” is not a date that exists") from None


_YEAR_WORDS = {"n": -1, "n1": -1, "n2": -1, "nursery": -1, "r": 0, "rec": 0, "reception": 0}


def read_year_group(text: str) -> int:
    """A National Curriculum year: N1, N2 or N (nursery, -1), R (reception, 0), or 1 to 14, with
    or without "Year" or "Y" before it. Raises ValueError with what is wrong."""
    plain = plain_name(text)
    if plain in _YEAR_WORDS:
        return _YEAR_WORDS[plain]
    number = re.fullmatch(r"(?:year|yr|y)?(-?\d{1,2})", text.strip().lower().replace(" ", ""))
    if number and YEAR_GROUP_MIN <= int(number.group(1)) <= YEAR_GROUP_MAX:
        return int(number.group(1))
    raise ValueError(f"“{text}” is not a year group: write N1, N2, R or a year from 1 to 14")


def read_sex(text: str) -> str:
    """M or F, as the census records it ("Male" and "Female" read too). Raises ValueError."""
    plain = plain_name(text)
    if plain in {"m", "male"}:
        return "M"
    if plain in {"f", "female"}:
        return "F"
    raise ValueError(f"“{text}” is not a sex the census records: write M or F")


def names_in(text: str) -> list[str]:
    """The names in a cell that lists several, separated by semicolons, each once, in order."""
    seen: dict[str, str] = {}
    for name in text.split(";"):
        name = " ".join(name.split())
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


# --- Rows -----------------------------------------------------------------------------------------


@dataclass
class Incoming:
    """A row as read: its line, its values as JSON values (dates ISO), and what could not be read
    as (the file's heading of the column, the reason)."""

    position: int
    values: dict
    errors: list[tuple[str, str]]


def read_cells(table: Table, columns: tuple[Column, ...], readers: dict) -> list[Incoming]:
    """Each row's values as `readers` read them (by column key), with what could not be read, and
    each required column left blank, as errors under the file's heading of the column."""
    labels = {column.key: column.label for column in columns}
    incoming = []
    for line, cells in table.rows:
        row = Incoming(line, {}, [])
        for key, text in cells.items():
            try:
                row.values[key] = readers[key](text)
            except ValueError as error:
                row.errors.append((table.headings[key], str(error)))
        for column in columns:
            if column.required and column.key not in cells:
                row.errors.append((table.headings[column.key], f"Enter the {labels[column.key].lower()}"))
        incoming.append(row)
    return incoming


def bounded_text(length: int):
    """A reader of text of at most `length` characters, its spaces made single."""

    def read(text: str) -> str:
        text = " ".join(text.split())
        if len(text) > length:
            raise ValueError(f"Write at most {length} characters")
        return text

    return read


def repeats(rows: list[Incoming], key: str, fold=lambda value: value) -> dict[object, list[int]]:
    """The values of `key` that more than one row gives, with the lines that give them."""
    lines: dict[object, list[int]] = defaultdict(list)
    for row in rows:
        if key in row.values:
            lines[fold(row.values[key])].append(row.position)
    return {value: found for value, found in lines.items() if len(found) > 1}


def also_on(lines: list[int], position: int) -> str:
    """The other lines of `lines` than `position`, as a message names them."""
    others = [str(line) for line in lines if line != position]
    return f"line{'s' if len(others) > 1 else ''} {', '.join(others)}"


def header_of(table: Table) -> dict:
    """What the preview says of the file as a whole."""
    return {
        "encoding": table.encoding,
        "columns": list(table.headings.values()),
        "ignored_columns": table.ignored,
        "example_row_skipped": table.skipped_example,
    }


def read_again(rows: list[RowPlan]) -> tuple[list[Incoming], dict[int, set[str] | None]]:
    """The rows a confirmed preview would add or change, read again; and for each row the preview
    showed as changed, the fields it showed (a field changed since by a colleague and not in the
    preview is left as they saved it). Headings are the keys: the file's are not kept."""
    wanted = [row for row in rows if row.status in (NEW, CHANGED)]
    shown = {row.position: ({c.field for c in row.changes} if row.status == CHANGED else None) for row in wanted}
    return [Incoming(row.position, dict(row.values), []) for row in wanted], shown
