"""Page queries of the EHC pages: each returns a small frozen dataclass or a list of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from sentrack.models import EhcPlan, EhcReview, Pupil, School
from sentrack.workflows.ehc_reviews import ReviewCalendar, review_calendar

# --- reviews ---


@dataclass(frozen=True)
class ReviewPage:
    """A review (or, for a review not yet convened, None) of `plan` with its calendar."""

    plan: EhcPlan
    review: EhcReview | None
    pupil: Pupil
    school: School
    calendar: ReviewCalendar
    earlier: tuple[EhcReview, ...]  # the plan's other reviews, latest meeting first


def review_page(session: Session, plan: EhcPlan, review: EhcReview | None, today: date) -> ReviewPage:
    """The plan, its reviews, the pupil and the school, read at once; the calendar worked out."""
    plan = session.scalar(
        sa.select(EhcPlan)
        .where(EhcPlan.id == plan.id)
        .options(selectinload(EhcPlan.reviews), selectinload(EhcPlan.pupil).selectinload(Pupil.school))
    )
    pupil = plan.pupil
    others = [r for r in plan.reviews if r is not review]
    others.sort(key=lambda r: (r.held_on or r.meeting_on, r.id), reverse=True)
    return ReviewPage(
        plan=plan,
        review=review,
        pupil=pupil,
        school=pupil.school,
        calendar=review_calendar(plan, review, pupil, pupil.school, today),
        earlier=tuple(others),
    )
