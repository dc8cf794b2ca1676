"""Page queries of the EHC pages: each returns a small frozen dataclass or a list of them."""

from __future__ import annotations

# --- plans ---
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import EhcDocument, EhcPlan, EhcReview, User
from sentrack.workflows.ehc_schedule import ReviewDue, review_schedule


@dataclass(frozen=True)
class DocumentRow:
    id: int
    title: str
    kind_label: str
    filename: str
    size: int
    uploaded_at: datetime
    uploaded_by: str | None

    @property
    def size_words(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / (1024 * 1024):.1f} MB"
        if self.size >= 1024:
            return f"{self.size / 1024:.0f} KB"
        return f"{self.size} bytes"


@dataclass(frozen=True)
class ReviewRow:
    id: int
    kind_label: str
    meeting_on: date
    held_on: date | None


@dataclass(frozen=True)
class PlanPage:
    documents: list[DocumentRow]
    reviews: list[ReviewRow]
    next_review: ReviewDue | None


def documents_of(session: Session, *conditions: sa.ColumnElement[bool]) -> list[DocumentRow]:
    """The documents meeting `conditions` (of a plan, of a request), newest first, without their content."""
    rows = session.execute(
        sa.select(
            EhcDocument.id,
            EhcDocument.title,
            EhcDocument.kind,
            EhcDocument.filename,
            EhcDocument.size,
            EhcDocument.uploaded_at,
            User.full_name,
        )
        .outerjoin(User, User.id == EhcDocument.uploaded_by_id)
        .where(*conditions)
        .order_by(EhcDocument.uploaded_at.desc(), EhcDocument.id.desc())
    )
    return [
        DocumentRow(id=i, title=t, kind_label=k.label, filename=f, size=s, uploaded_at=at, uploaded_by=by)
        for i, t, k, f, s, at, by in rows
    ]


def plan_page(session: Session, plan: EhcPlan, *, today: date) -> PlanPage:
    """What the plan page shows beside the plan: its documents, its reviews and the next review due."""
    reviews = [
        ReviewRow(id=i, kind_label=k.label, meeting_on=m, held_on=h)
        for i, k, m, h in session.execute(
            sa.select(EhcReview.id, EhcReview.kind, EhcReview.meeting_on, EhcReview.held_on)
            .where(EhcReview.plan_id == plan.id)
            .order_by(EhcReview.meeting_on.desc(), EhcReview.id.desc())
        )
    ]
    due = review_schedule(session, today, EhcPlan.id == plan.id) if plan.ceased_on is None else []
    return PlanPage(
        documents=documents_of(session, EhcDocument.plan_id == plan.id),
        reviews=reviews,
        next_review=due[0] if due else None,
    )
