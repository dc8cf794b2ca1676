"""Documents of a pupil's EHC work: the plan, advice reports, psychology reports, review reports.

No virus scanner can be installed where SEN Track runs (the operations notes say so), so a file is
checked by what it is, not by what it is called: its content is read with `filetype` (a pure-Python
library that knows a file by its first bytes, and an office file by the parts inside it) and must
be one of the kinds kept here, and the extension of its name must be one of that kind's. A file
that is not what its name says, an empty one, or one over the size limit, is refused with a clear
message, and nothing is stored. The content is kept in the database with its SHA-256.

Kinds kept: PDF; Word (DOC, DOCX); OpenDocument text (ODT); rich text (RTF); Excel workbooks
(XLSX); and PNG and JPEG images, for scans.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath, PureWindowsPath

import filetype
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import DocumentKind, EhcDocument, EhcPlan, EhcRequest, Pupil, User
from sentrack.workflows import RuleBroken
from sentrack.workflows import timeline as titles
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.timeline import add_event

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
TITLE_MAX = 200
FILENAME_MAX = 200


@dataclass(frozen=True)
class Accepted:
    media_type: str
    extensions: tuple[str, ...]
    name: str


# By the media type `filetype` finds in the content.
ACCEPTED: dict[str, Accepted] = {
    kind.media_type: kind
    for kind in (
        Accepted("application/pdf", ("pdf",), "PDF"),
        Accepted("application/msword", ("doc",), "Word document (DOC)"),
        Accepted(
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ("docx",),
            "Word document (DOCX)",
        ),
        Accepted("application/vnd.oasis.opendocument.text", ("odt",), "OpenDocument text (ODT)"),
        Accepted("application/rtf", ("rtf",), "rich text (RTF)"),
        Accepted(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",), "Excel workbook (XLSX)"
        ),
        Accepted("image/png", ("png",), "PNG image"),
        Accepted("image/jpeg", ("jpg", "jpeg"), "JPEG image"),
    )
}
KINDS_KEPT = "PDF, Word (DOC or DOCX), OpenDocument text (ODT), rich text (RTF), Excel (XLSX), PNG or JPEG"


def max_size_words(max_bytes: int) -> str:
    """The size limit as a person reads it: '10 MB', '512 KB'."""
    if max_bytes >= 1024 * 1024:
        return f"{max_bytes / (1024 * 1024):g} MB"
    return f"{max(1, max_bytes // 1024)} KB"


def safe_filename(name: str) -> str:
    """The file's own name without any folder, with only letters, digits, spaces, dots, dashes
    and underscores (others become '_'), at most FILENAME_MAX characters, keeping its extension."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"[^A-Za-z0-9 ._-]", "_", base).strip(" .")
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    extension = extension[:10]
    stem = stem[: FILENAME_MAX - len(extension) - 1] or "document"
    return f"{stem}.{extension}" if extension else stem


def _extension(filename: str) -> str:
    _, dot, extension = filename.rpartition(".")
    return extension.lower() if dot else ""


def check_file(filename: str, data: bytes, max_bytes: int) -> Accepted:
    """What the file is, by its content, if it may be kept; RuleBroken (on the field `file`) when
    it is empty, too large, of a kind not kept, or not what its name says."""
    if not data:
        raise RuleBroken("The file is empty: choose the file again", field="file")
    if len(data) > max_bytes:
        raise RuleBroken(f"The file must be {max_size_words(max_bytes)} or smaller", field="file")
    found = filetype.guess_mime(data)
    kind = ACCEPTED.get(found or "")
    if kind is None:
        raise RuleBroken(f"The file must be a {KINDS_KEPT}: this file is none of these", field="file")
    extension = _extension(filename)
    if extension not in kind.extensions:
        ends = f"its name ends .{extension}" if extension else "its name has no extension"
        raise RuleBroken(
            f"The file is not what its name says: it is a {kind.name}, but {ends}. Rename it to end"
            f" .{kind.extensions[0]}, or choose the right file",
            field="file",
        )
    return kind


@dataclass(frozen=True)
class DocumentDetails:
    """A document as the upload form gives it."""

    kind: DocumentKind | None
    title: str
    filename: str
    data: bytes


def _check_details(details: DocumentDetails) -> None:
    if details.kind is None:
        raise RuleBroken("Choose what kind of document this is", field="kind")
    if not details.title.strip():
        raise RuleBroken("Enter a title for the document", field="title")
    if len(details.title.strip()) > TITLE_MAX:
        raise RuleBroken(f"The title must be {TITLE_MAX} characters or fewer", field="title")


def add_document(
    session: Session,
    *,
    actor: User,
    pupil: Pupil,
    details: DocumentDetails,
    today: date,
    plan: EhcPlan | None = None,
    request: EhcRequest | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> EhcDocument:
    """Keep a document of `pupil`'s EHC `plan` or `request`, checked by its content
    (`check_file`); refused with a message beside its field, storing nothing."""
    if (plan is None) == (request is None):
        raise ValueError("A document belongs to a plan or to a request")
    owner_pupil_id = plan.pupil_id if plan is not None else request.pupil_id
    if owner_pupil_id != pupil.id:
        raise ValueError("The document's plan or request is another pupil's")
    _check_details(details)
    filename = safe_filename(details.filename)
    kind = check_file(filename, details.data, max_bytes)
    document = EhcDocument(
        pupil_id=pupil.id,
        plan_id=plan.id if plan is not None else None,
        request_id=request.id if request is not None else None,
        kind=details.kind,
        title=details.title.strip(),
        filename=filename,
        media_type=kind.media_type,
        size=len(details.data),
        sha256=hashlib.sha256(details.data).hexdigest(),
        content=details.data,
        uploaded_by_id=actor.id,
    )
    session.add(document)
    session.flush()
    what = f"{details.kind.label}: {document.title}"
    about = {"object_type": "ehc_document", "object_id": document.id}
    add_event(
        session,
        pupil=pupil,
        actor=actor,
        kind="ehc_document",
        title=titles.DOCUMENT_ADDED,
        detail=what,
        effective_on=today,
    )
    stored = {"size": document.size, "media_type": document.media_type}
    audit.record(session, "ehc_document_added", actor=actor, pupil=pupil, details=stored, **about)
    settle_tasks(session, today, pupil_ids=[pupil.id])
    return document
