"""Imports from the school's MIS, whatever the file: read it, plan each row against what SEN Track
holds, keep the plan as a preview, and apply it only when the person confirms.

Every kind of file (`ImportKind`) has a planner and an applier, registered in `PLANNERS` and
`APPLIERS` by its own module (`ctf_import`, `csv_import`):

- the planner reads the file's bytes and returns its header and one `RowPlan` per row, each new,
  changed (field by field), unchanged or in error (with the field and the reason), and stores
  nothing;
- the applier applies the stored rows of a confirmed preview. It plans each row again against the
  records as they are at that moment, so that a record saved by a colleague after the preview is
  not overwritten with what the preview saw, and applying the same file twice changes nothing.

A preview holds no file, only its SHA-256 digest and the planned rows.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.clock import now
from sentrack.models import ImportBatch, ImportKind, ImportStatus, School, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.ctf_format import MAX_FILE_BYTES

NEW = "new"
CHANGED = "changed"
UNCHANGED = "unchanged"
ERROR = "error"
STATUSES = {NEW: "New", CHANGED: "Changed", UNCHANGED: "Unchanged", ERROR: "In error"}

# How a row was matched to a record SEN Track holds, in the order they are tried, as the preview says it.
MATCHES = {
    "upn": "Matched by UPN",
    "former_upn": "Matched by former UPN",
    "name_dob": "Matched by name and date of birth",
    "name": "Matched by name",
}


@dataclass
class Change:
    """One field that the row would change: its label, and the values as the preview shows them."""

    field: str
    label: str
    was: str
    becomes: str


@dataclass
class RowPlan:
    """What one row of the file would do. `values` holds what the applier needs, as JSON values."""

    position: int  # the row's number in the file (the CSV line, or the CTF's nth <Pupil>)
    label: str  # what the row is, as the preview names it (a pupil's name, a class's name)
    status: str  # NEW, CHANGED, UNCHANGED or ERROR
    match: str | None = None  # a key of MATCHES
    record_id: int | None = None  # the matched record's id
    changes: list[Change] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (field, message)
    warnings: list[str] = field(default_factory=list)
    sen_differs: bool = False  # the file's SEN history differs from the school's (CTF only)
    transfer_from: int | None = None  # the pupil's record at another school of this SEN Track
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Planned:
    header: dict[str, Any] | None
    rows: list[RowPlan]


Planner = Callable[..., Planned]  # (session, *, school, data: bytes, file_name: str, today) -> Planned
Applier = Callable[..., None]  # (session, *, actor, batch, rows: list[RowPlan], today) -> None

PLANNERS: dict[ImportKind, Planner] = {}
APPLIERS: dict[ImportKind, Applier] = {}


def same_record(claimed: dict[int, tuple[int, str | None]], plan: RowPlan, *, word: str = "Row") -> str | None:
    """Why `plan` is in error when an earlier row of the same file matched the same record (one by
    UPN, the other by former UPN or by name and date of birth): the message names the first row
    (`word` and its position, as the preview numbers rows) and how it was matched. Otherwise the
    row claims its record in `claimed` (record id: the first row's position and match) and None
    is returned. The CTF and the pupils CSV both check their rows with this, at the preview and
    again when it is applied."""
    if plan.record_id is None:
        return None
    position, how = claimed.setdefault(plan.record_id, (plan.position, plan.match))
    if position == plan.position:
        return None
    matched = f" ({MATCHES[how][0].lower()}{MATCHES[how][1:]})" if how in MATCHES else ""
    return f"{word} {position} of this file is about the same pupil{matched}: only that row is applied"


def counts(rows: list[RowPlan]) -> dict[str, int]:
    """The preview's counts, as the page, the audit and `import-ctf --json` give them."""
    by_status = Counter(row.status for row in rows)
    return {
        "new": by_status[NEW],
        "changed": by_status[CHANGED],
        "unchanged": by_status[UNCHANGED],
        "errors": by_status[ERROR],
        "sen_differences": sum(row.sen_differs for row in rows),
        "transfers": sum(row.transfer_from is not None for row in rows),
    }


def refused_on_applying(batch: ImportBatch, refused: list[RowPlan]) -> None:
    """Rows the applier left out (planned again, they were in error; or their record refused
    them): the stored preview shows each in error with the reason, and its counts follow, so that
    the applied import's page and its audit say what was not applied and why."""
    if not refused:
        return
    by_position = {plan.position: plan for plan in refused}
    stored = []
    for row in batch.rows:
        plan = by_position.get(row["position"])
        if plan is not None:
            plan.status, plan.changes, plan.sen_differs, plan.transfer_from = ERROR, [], False, None
            row = asdict(plan)
        stored.append(row)
    batch.rows = stored
    batch.counts = counts(rows_of(batch))


def rows_of(batch: ImportBatch) -> list[RowPlan]:
    """The stored rows of a preview as `RowPlan`s."""
    plans = []
    for stored in batch.rows:
        row = RowPlan(**{**stored, "changes": [], "errors": []})
        row.changes = [Change(**change) for change in stored["changes"]]
        row.errors = [tuple(error) for error in stored["errors"]]
        plans.append(row)
    return plans


@dataclass(frozen=True)
class Upload:
    """A file as the upload form gives it: what kind it is, its name and its bytes."""

    kind: ImportKind
    file_name: str
    data: bytes


def preview_upload(session: Session, *, actor: User, school: School, details: Upload, today: date) -> ImportBatch:
    """`preview` of a file uploaded on the import page. Refused (RuleBroken on the file field) when
    the file is empty or larger than the largest file taken; on the kind when it cannot be imported."""
    if details.kind not in PLANNERS:
        raise RuleBroken("This kind of file cannot be imported", field="kind")
    if not details.data:
        raise RuleBroken(f"{details.file_name} is empty", field="file")
    if len(details.data) > MAX_FILE_BYTES:
        raise RuleBroken(f"{details.file_name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", field="file")
    return preview(
        session,
        actor=actor,
        school=school,
        kind=details.kind,
        file_name=details.file_name,
        data=details.data,
        today=today,
    )


def preview(
    session: Session,
    *,
    actor: User | None,
    school: School,
    kind: ImportKind,
    file_name: str,
    data: bytes,
    today: date,
) -> ImportBatch:
    """Plan the file and keep the plan as a preview for the person to confirm. Raises RuleBroken
    (on the file field) when the file as a whole cannot be read."""
    planned = PLANNERS[kind](session, school=school, data=data, file_name=file_name, today=today)
    batch = ImportBatch(
        school_id=school.id,
        kind=kind,
        file_name=file_name[:255],
        digest=hashlib.sha256(data).hexdigest(),
        header=planned.header,
        rows=[asdict(row) for row in planned.rows],
        counts=counts(planned.rows),
        uploaded_by_id=actor.id if actor is not None else None,
    )
    session.add(batch)
    session.flush()
    audit.record(
        session, "import_previewed", actor=actor, school_id=school.id, about=batch, details={"counts": batch.counts}
    )
    return batch


def confirm(session: Session, *, actor: User | None, batch: ImportBatch, today: date) -> None:
    """Apply a preview. Refused when it was already applied or set aside, by this person in another
    tab or by a colleague at the same moment: the preview is claimed by one conditional update."""
    _claim(session, batch, actor, ImportStatus.APPLIED)
    APPLIERS[batch.kind](session, actor=actor, batch=batch, rows=rows_of(batch), today=today)
    session.flush()
    audit.record(
        session, "import_applied", actor=actor, school_id=batch.school_id, about=batch, details={"counts": batch.counts}
    )


def discard(session: Session, *, actor: User, batch: ImportBatch) -> None:
    """Set a preview aside without applying it."""
    _claim(session, batch, actor, ImportStatus.DISCARDED)
    audit.record(session, "import_discarded", actor=actor, school_id=batch.school_id, about=batch)


def _claim(session: Session, batch: ImportBatch, actor: User | None, status: ImportStatus) -> None:
    claimed = session.execute(
        sa.update(ImportBatch)
        .where(ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.PREVIEW)
        .values(status=status, decided_by_id=actor.id if actor is not None else None, decided_at=now())
        .execution_options(synchronize_session=False)
    )
    session.refresh(batch)
    if claimed.rowcount != 1:
        _still_waiting(batch)


def _still_waiting(batch: ImportBatch) -> None:
    if batch.status is ImportStatus.APPLIED:
        raise RuleBroken("This import has already been applied")
    if batch.status is ImportStatus.DISCARDED:
        raise RuleBroken("This import was set aside: upload the file again to import it")


# The planners and appliers register themselves on import: the app imports this module.
from sentrack.workflows import ctf_import  # noqa: E402,F401
