"""The subject access export: everything SEN Track holds about one pupil, gathered through the
pupil-data registry (`pupil_data.PUPIL_TABLES`), as one ZIP:

- `record.html`: a readable, printable document, one section per kind of record (the pupil's
  details first), each record with its number, and a last section listing what is withheld and why;
- `data/<table>.json`: each kind of record as machine-readable JSON (every column, dates as
  ISO 8601), with `data/withheld.json` listing what is withheld (its kind and the reason);
- `documents/`: the files kept with the pupil's EHC work, as stored.

Records marked withheld on the request (third-party information, say) are in neither the
document nor the files nor the folder of documents; only their kind and the reason are listed.
The audit of who saw and changed the record is one of the kinds of record.

It is built synchronously, when the SENCO or head teacher downloads it: SEN Track has no queue
of background jobs (the scheduler runs the daily sweep and the outbox on a clock), one pupil's
records are read with one query per kind of record, and a file kept for later download would be
a second copy of the pupil's data to secure and destroy. bench/subject_access.py measures it for
a pupil with five years of records.
"""

from __future__ import annotations

import enum
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import Pupil, SubjectAccessRequest
from sentrack.workflows.ehc_documents import safe_filename
from sentrack.workflows.pupil_data import PUPIL_TABLES, PupilTable
from sentrack.workflows.revisions import display

RECORD_NAME = "record.html"
DATA_FOLDER = "data"
DOCUMENTS_FOLDER = "documents"
WITHHELD_NAME = "withheld.json"
# Columns of a record the readable document leaves to the machine-readable files: identifiers
# that mean nothing to a reader, and the versions kept for editing.
HIDDEN = frozenset({"id", "version", "public_id", "content"})


@dataclass
class Section:
    entry: PupilTable
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.entry.label

    @property
    def name(self) -> str:
        return self.entry.name


@dataclass
class Withheld:
    kind: str
    reason: str


@dataclass
class Gathered:
    pupil: Pupil
    sections: list[Section]
    withheld: list[Withheld]
    documents: dict[str, bytes]  # path in the archive -> the file


def _withheld_marks(request: SubjectAccessRequest | None) -> dict[tuple[str, int], str]:
    return {(mark.table_name, mark.row_id): mark.reason for mark in (request.withheld if request else [])}


def gather(session: Session, pupil: Pupil, request: SubjectAccessRequest | None = None) -> Gathered:
    """Every record of the pupil in every table of the registry, the pupil's details first,
    without those withheld on `request`. One query per table."""
    marks = _withheld_marks(request)
    labels = {entry.name: entry.label for entry in PUPIL_TABLES}
    sections, documents = [], {}
    for entry in reversed(PUPIL_TABLES):
        section = Section(entry)
        for row in session.execute(entry.rows_of(pupil.id)).mappings():
            values = dict(row)
            if (entry.name, values.get("id")) in marks:
                continue
            if entry.name == "ehc_document":
                path = f"{DOCUMENTS_FOLDER}/{values['id']}-{safe_filename(values['filename'])}"
                documents[path] = values["content"]
                values["content"] = path
            section.rows.append(values)
        sections.append(section)
    withheld = [Withheld(labels.get(table, table), reason) for (table, _row), reason in sorted(marks.items())]
    return Gathered(pupil, sections, withheld, documents)


def plain(value: Any) -> Any:
    """A value as JSON holds it: dates in ISO 8601, codes by their value."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def shown(name: str, value: Any) -> tuple[str, str]:
    """A column as the readable document shows it: its name in words, its value as people read it."""
    words = name.removesuffix("_on").removesuffix("_at").replace("_", " ")
    return words[:1].upper() + words[1:], display(value)


def readable_fields(row: dict[str, Any]) -> list[tuple[str, str]]:
    return [shown(name, value) for name, value in row.items() if name not in HIDDEN and not name.endswith("_id")]


def render_record(found: Gathered, *, made_on: date, request: SubjectAccessRequest | None) -> str:
    template = current_app.jinja_env.get_template("access_requests/export.html")
    return template.render(found=found, made_on=made_on, request=request, fields=readable_fields)


def build_export(session: Session, request_or_pupil: SubjectAccessRequest | Pupil, *, made_on: date) -> bytes:
    """The ZIP of everything held about the pupil of a request (without what the request
    withholds), or about a pupil (nothing withheld)."""
    request = request_or_pupil if isinstance(request_or_pupil, SubjectAccessRequest) else None
    pupil = request.pupil if request is not None else request_or_pupil
    found = gather(session, pupil, request)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(RECORD_NAME, render_record(found, made_on=made_on, request=request))
        for section in found.sections:
            rows = [{name: plain(value) for name, value in row.items()} for row in section.rows]
            archive.writestr(f"{DATA_FOLDER}/{section.name}.json", json.dumps(rows, indent=1, ensure_ascii=False))
        withheld = [{"kind": item.kind, "reason": item.reason} for item in found.withheld]
        archive.writestr(f"{DATA_FOLDER}/{WITHHELD_NAME}", json.dumps(withheld, indent=1, ensure_ascii=False))
        for path, content in found.documents.items():
            archive.writestr(path, content)
    return buffer.getvalue()


def export_name(request: SubjectAccessRequest) -> str:
    """The archive's file name: the request's number, never the pupil's name."""
    return f"subject-access-{request.id}.zip"


@dataclass(frozen=True)
class Download:
    name: str
    content: bytes
    media_type: str = "application/zip"


def download(session: Session, *, actor, request: SubjectAccessRequest, today: date) -> Download:
    """The export of a request, as the SENCO or head teacher downloads it: built now, and audited
    (who, which request, how many records of each kind and how many withheld; never a detail)."""
    content = build_export(session, request, made_on=today)
    audit.record(
        session,
        "subject_access_exported",
        actor=actor,
        pupil=request.pupil,
        about=request,
        details={"withheld": len(request.withheld), "bytes": len(content)},
    )
    return Download(export_name(request), content)
