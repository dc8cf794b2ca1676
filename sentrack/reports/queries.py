"""Page queries of the SEN information report."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from sentrack.models import RecordRevision, School, SenReport
from sentrack.workflows.sen_report import Version, history


def school_of(session: Session, school_id: int | None) -> School | None:
    return session.get(School, school_id) if school_id is not None else None


def report_of(session: Session, school_id: int, academic_year: int) -> SenReport | None:
    """The school's report of `academic_year`, with who published it."""
    return session.scalar(
        sa.select(SenReport)
        .where(SenReport.school_id == school_id, SenReport.academic_year == academic_year)
        .options(selectinload(SenReport.published_by))
    )


def reports_of(session: Session, school_id: int) -> list[SenReport]:
    """Every report of the school, the latest year first."""
    return list(
        session.scalars(
            sa.select(SenReport).where(SenReport.school_id == school_id).order_by(SenReport.academic_year.desc())
        )
    )


def report_history(session: Session, report: SenReport) -> list[Version]:
    """The report's saved versions, newest first, each with who saved it and the sections it changed."""
    revisions = session.scalars(
        sa.select(RecordRevision)
        .where(RecordRevision.record_type == "sen_report", RecordRevision.record_id == report.id)
        .options(selectinload(RecordRevision.saved_by))
        .order_by(RecordRevision.version)
    ).all()
    return history(list(revisions))
