"""The queries of the import pages: the school's recent imports, a preview's rows by status, and
the SEN differences waiting for the SENCO with the school's record beside each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import access
from sentrack.access import Ability
from sentrack.models import (
    DifferenceStatus,
    ImportBatch,
    ImportKind,
    ImportStatus,
    Pupil,
    SenDifference,
    SenStatus,
    User,
)
from sentrack.templating import format_date
from sentrack.workflows.ctf_rows import current_sen
from sentrack.workflows.imports import STATUSES, RowPlan, rows_of

RECENT = 20


@dataclass(frozen=True)
class RecentImport:
    """One import as the list of recent imports shows it: not its rows, which hold the whole file."""

    id: int
    file_name: str
    kind: ImportKind
    status: ImportStatus
    counts: dict
    uploaded_at: datetime
    uploaded_by: str | None  # the uploader's name; None for the scheduled import


def recent_imports(session: Session, school_id: int) -> list[RecentImport]:
    """The school's latest imports, newest first, with who uploaded each: one query of the
    columns the list shows (a batch's rows are the whole file, a roll's worth of JSON)."""
    found = session.execute(
        sa.select(
            ImportBatch.id,
            ImportBatch.file_name,
            ImportBatch.kind,
            ImportBatch.status,
            ImportBatch.counts,
            ImportBatch.uploaded_at,
            User.full_name,
        )
        .outerjoin(User, User.id == ImportBatch.uploaded_by_id)
        .where(ImportBatch.school_id == school_id)
        .order_by(ImportBatch.uploaded_at.desc(), ImportBatch.id.desc())
        .limit(RECENT)
    )
    return [RecentImport(*row) for row in found]


@dataclass(frozen=True)
class PreviewGroup:
    status: str
    heading: str
    rows: list[RowPlan]


def preview_groups(batch: ImportBatch) -> list[PreviewGroup]:
    """The preview's rows by status, in the order the page shows them (errors first), each group
    in the file's order; groups with no row are left out."""
    plans = rows_of(batch)
    order = ("error", "new", "changed", "unchanged")
    return [
        PreviewGroup(status, STATUSES[status], [row for row in plans if row.status == status])
        for status in order
        if any(row.status == status for row in plans)
    ]


@dataclass(frozen=True)
class OpenDifference:
    difference: SenDifference
    pupil: Pupil
    school_record: SenStatus | None  # the pupil's open status, None meaning no SEN recorded
    imported_on: object  # when the import was uploaded


def open_differences(session: Session, user: User) -> list[OpenDifference]:
    """The open SEN differences of the pupils the user reconciles, by pupil name."""
    found = session.execute(
        sa.select(SenDifference, Pupil, SenStatus, ImportBatch.uploaded_at)
        .join(Pupil, Pupil.id == SenDifference.pupil_id)
        .join(ImportBatch, ImportBatch.id == SenDifference.batch_id)
        .outerjoin(SenStatus, sa.and_(SenStatus.pupil_id == Pupil.id, SenStatus.end_date.is_(None)))
        .where(SenDifference.status == DifferenceStatus.OPEN, access.scope_for(user, Ability.RECONCILE_SEN))
        .order_by(Pupil.last_name, Pupil.first_name, Pupil.id)
    )
    return [OpenDifference(difference, pupil, status, uploaded) for difference, pupil, status, uploaded in found]


def file_sen(row: RowPlan) -> str:
    """The file's current SEN for a row, in words, for the SENCO's eyes only: the provision, its
    needs by rank and when it started."""
    sen = current_sen(row.values)
    if sen is None:
        return "No SEN history in the file"
    words = sen.provision.label if sen.provision is not None else "A provision SEN Track does not record"
    needs = ", ".join(need.value for need in (sen.primary_need, sen.secondary_need) if need is not None)
    if needs:
        words += f" ({needs})"
    if sen.start_date is not None:
        words += f" from {format_date(sen.start_date)}"
    return words
