"""Page queries of the retention pages: the school's records due for destruction and those held,
one leaver's retention with what a destruction would remove, and the destruction log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from sentrack.models import DestructionLog, LegalHold, Pupil, School
from sentrack.workflows.destruction import what_goes
from sentrack.workflows.retention import Retention, due_or_held, retention_of

LOG_SHOWN = 200  # the latest destructions listed


@dataclass(frozen=True)
class RetentionPage:
    """The school's leavers whose records are past their date (or handed on): those due for
    destruction, and those a legal hold keeps."""

    due: list[Retention]
    held: list[Retention]

    @property
    def named_pupils(self) -> list[Pupil]:
        return [r.pupil for r in self.due + self.held]


def retention_page(session: Session, school: School, today: date) -> RetentionPage:
    found = due_or_held(session, school, today)
    return RetentionPage([r for r in found if r.hold is None], [r for r in found if r.hold is not None])


def due_count(session: Session, school: School | None, today: date) -> int:
    """How many of the school's leavers' records are due for destruction and not held (the home page)."""
    if school is None:
        return 0
    return sum(1 for r in due_or_held(session, school, today) if r.due)


@dataclass(frozen=True)
class ConfirmPage:
    """One leaver's retention, what destroying the records would remove (counts by kind, when
    due), and the legal holds placed on them, the standing one first."""

    retention: Retention
    goes: dict[str, int]
    holds: list[LegalHold]


def confirm_page(session: Session, pupil: Pupil, today: date) -> ConfirmPage | None:
    """None for a pupil not yet left by `today` (the page is then not found)."""
    retention = retention_of(session, [pupil], today).get(pupil.id)
    if retention is None:
        return None
    holds = list(
        session.scalars(
            sa.select(LegalHold)
            .where(LegalHold.pupil_id == pupil.id)
            .options(joinedload(LegalHold.placed_by), joinedload(LegalHold.lifted_by))
            .order_by(LegalHold.lifted_at.is_not(None), LegalHold.placed_at.desc(), LegalHold.id.desc())
        )
    )
    goes = what_goes(session, pupil) if retention.due else {}
    return ConfirmPage(retention, goes, holds)


def destruction_log(session: Session, school_id: int) -> list[DestructionLog]:
    return list(
        session.scalars(
            sa.select(DestructionLog)
            .where(DestructionLog.school_id == school_id)
            .order_by(DestructionLog.destroyed_at.desc(), DestructionLog.id.desc())
            .limit(LOG_SHOWN)
        )
    )
