"""When each EHC plan's next annual review is due: one definition for the sweep's tasks, the SENCO's
home page, the dashboard, the authority's caseload and the plan's own page.

The next review is due 12 months (6 for a child under five) after the plan was issued or after the
last annual review meeting held, whichever is later, brought forward when the pupil changes phase at
the end of that academic year (`sentrack.workflows.ehc_dates.review_due`). An interim review does
not move the date. A review is *due soon* from 8 weeks before its date, and *overdue* after it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import EhcPlan, EhcReview, Pupil, ReviewKind, School
from sentrack.workflows.ehc_dates import review_due
from sentrack.workflows.ehc_register import plan_in_force

DUE_SOON = timedelta(weeks=8)


class ReviewDue(NamedTuple):
    """A plan's next annual review (a named tuple: a schedule of an authority has thousands)."""

    plan_id: int
    pupil_id: int
    school_id: int
    issued_on: date
    last_meeting_on: date | None
    due_on: date

    def is_overdue(self, today: date) -> bool:
        return self.due_on < today

    def is_due_soon(self, today: date) -> bool:
        return today <= self.due_on <= today + DUE_SOON


def last_annual_meeting() -> sa.ScalarSelect:
    """The plan's latest annual review meeting held, or NULL (correlated to `EhcPlan`: each plan
    reads its own reviews through their index, rather than every plan of the authority's being
    grouped for the few a school's page shows)."""
    return (
        sa.select(sa.func.max(EhcReview.held_on))
        .where(EhcReview.plan_id == EhcPlan.id, EhcReview.kind == ReviewKind.ANNUAL, EhcReview.held_on.is_not(None))
        .correlate(EhcPlan)
        .scalar_subquery()
    )


def review_schedule(session: Session, today: date, *conditions: sa.ColumnElement[bool]) -> list[ReviewDue]:
    """The next review of every plan in force today among the pupils that `conditions` (on `Pupil`,
    `School` or `EhcPlan`) select, in one query, earliest due first."""
    rows = session.execute(
        sa.select(
            EhcPlan.id,
            EhcPlan.pupil_id,
            Pupil.school_id,
            EhcPlan.issued_on,
            last_annual_meeting(),
            Pupil.date_of_birth,
            Pupil.year_group,
            School.lowest_year,
            School.highest_year,
        )
        .join(Pupil, Pupil.id == EhcPlan.pupil_id)
        .join(School, School.id == Pupil.school_id)
        .where(plan_in_force(today), *conditions)
    )
    found = [
        ReviewDue(
            plan_id,
            pupil_id,
            school_id,
            issued_on,
            held_on,
            review_due(issued_on, held_on, born, year_group, today, lowest, highest),
        )
        for plan_id, pupil_id, school_id, issued_on, held_on, born, year_group, lowest, highest in rows
    ]
    return sorted(found, key=lambda row: (row.due_on, row.plan_id))
