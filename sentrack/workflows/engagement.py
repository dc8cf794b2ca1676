"""Parent engagement (DESIGN section 6, CoP 6.65): whether each pupil on the SEN register has had
the meetings with parents the year so far asks for.

The rule, with the school's settings (defaults 28 and 21 days):
- a term *counts* for a pupil if the pupil was on the register (K or E) on the term's last day
  and, without a break, for at least `parent_meeting_min_days` days by then (that day included);
- `required` = counting terms of this academic year that have ended (before `today`);
- `held` = the days in this academic year, up to `today`, on which a meeting with parents was
  held (two records of one day are one meeting);
- **overdue** if held < required; **due** if the current term would count (were the pupil still
  on the register on its last day), held < required + 1 and the term ends within
  `parent_due_window_days` days of `today`; otherwise **on track**.

A pupil on the register all year thus needs 3 by its end. Set-based: three queries for a whole
school (its terms, the register's status periods, the meeting counts), whatever its size.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import ParentMeeting, Provision, Pupil, School, SenStatus
from sentrack.workflows.terms import Term, academic_year_bounds, term_holding, year_terms

ON_REGISTER = (Provision.SEN_SUPPORT, Provision.EHC_PLAN)


class Engagement(enum.StrEnum):
    ON_TRACK = "on_track"
    DUE = "due"
    OVERDUE = "overdue"

    @property
    def label(self) -> str:
        return {"on_track": "On track", "due": "Due", "overdue": "Overdue"}[self.value]

    @property
    def colour(self) -> str:
        """The GOV.UK tag colour."""
        return {"on_track": "green", "due": "yellow", "overdue": "red"}[self.value]


@dataclass
class PupilEngagement:
    pupil_id: int
    status: Engagement
    required: int
    held: int
    term: Term | None  # the current term; None in a holiday


def _spells(periods: list[tuple[date, date | None]]) -> list[tuple[date, date | None]]:
    """Unbroken stretches on the register: periods (sorted by start) that follow on from each
    other day by day (K to E, or needs recorded again) are one stretch."""
    spells: list[list] = []
    for start, end in periods:
        if spells and spells[-1][1] is not None and start <= spells[-1][1] + timedelta(days=1):
            last = spells[-1]
            last[1] = None if end is None else max(last[1], end)
        else:
            spells.append([start, end])
    return [(s, e) for s, e in spells]


def _on_register_since(spells: list[tuple[date, date | None]], day: date) -> date | None:
    """When the unbroken stretch on the register holding `day` began; None if off it that day."""
    for start, end in spells:
        if start <= day and (end is None or end >= day):
            return start
    return None


def _counts(since: date | None, term: Term, min_days: int) -> bool:
    return since is not None and (term.ends_on - since).days + 1 >= min_days


def assess(
    *, pupil_id: int, spells: list[tuple[date, date | None]], held: int, terms: list[Term], school: School, today: date
) -> PupilEngagement:
    """The rule for one pupil on the register at `today`, from their stretches on the register."""
    min_days = school.parent_meeting_min_days
    required = sum(
        1 for term in terms if term.ends_on < today and _counts(_on_register_since(spells, term.ends_on), term, min_days)
    )
    current = term_holding(terms, today)
    if held < required:
        status = Engagement.OVERDUE
    elif (
        current is not None
        and _counts(_on_register_since(spells, today), current, min_days)
        and held < required + 1
        and (current.ends_on - today).days <= school.parent_due_window_days
    ):
        status = Engagement.DUE
    else:
        status = Engagement.ON_TRACK
    return PupilEngagement(pupil_id=pupil_id, status=status, required=required, held=held, term=current)


def engagement_for_school(
    session: Session, school: School, today: date, *, pupil_ids: list[int] | sa.Select | None = None,
    terms: list[Term] | None = None,
) -> dict[int, PupilEngagement]:
    """Every pupil of `school` on the register (K or E) at `today`, by pupil id; `pupil_ids` (a
    list or a query of ids) narrows it to those pupils; `terms`, the school's terms of the year
    when the caller has them, saves a query. Three queries, whatever the number of pupils."""
    if terms is None:
        terms = year_terms(session, school, today)
    year_start, year_end = academic_year_bounds(today)
    on_register_today = sa.select(SenStatus.pupil_id).join(Pupil, Pupil.id == SenStatus.pupil_id).where(
        Pupil.school_id == school.id,
        SenStatus.provision.in_(ON_REGISTER),
        SenStatus.start_date <= today,
        sa.or_(SenStatus.end_date.is_(None), SenStatus.end_date >= today),
    )
    if pupil_ids is not None:
        on_register_today = on_register_today.where(SenStatus.pupil_id.in_(pupil_ids))
    periods: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for pupil_id, start, end in session.execute(
        sa.select(SenStatus.pupil_id, SenStatus.start_date, SenStatus.end_date)
        .where(
            SenStatus.pupil_id.in_(on_register_today),
            SenStatus.provision.in_(ON_REGISTER),
            SenStatus.start_date <= today,
        )
        .order_by(SenStatus.pupil_id, SenStatus.start_date)
    ):
        periods[pupil_id].append((start, end))
    if not periods:
        return {}
    held = dict(
        session.execute(
            # Days, not records: two records of one day (a separate meeting with another parent,
            # or a meeting recorded twice) are one meeting held.
            sa.select(ParentMeeting.pupil_id, sa.func.count(sa.distinct(ParentMeeting.held_on)))
            .where(
                ParentMeeting.pupil_id.in_(on_register_today),
                ParentMeeting.held_on.between(year_start, min(today, year_end)),
            )
            .group_by(ParentMeeting.pupil_id)
        ).all()
    )
    return {
        pupil_id: assess(
            pupil_id=pupil_id, spells=_spells(found), held=held.get(pupil_id, 0), terms=terms, school=school, today=today
        )
        for pupil_id, found in periods.items()
    }


def engagement_for_pupil(session: Session, pupil: Pupil, today: date) -> PupilEngagement | None:
    """The pupil's engagement, or None when they are not on the register at `today`."""
    return engagement_for_school(session, pupil.school, today, pupil_ids=[pupil.id]).get(pupil.id)


@dataclass
class EngagementSummary:
    on_track: int
    due: int
    overdue: int
    overdue_pupils: list[tuple[Pupil, PupilEngagement]]
    due_pupils: list[tuple[Pupil, PupilEngagement]]

    @property
    def total(self) -> int:
        return self.on_track + self.due + self.overdue


def engagement_summary(session: Session, school: School, today: date) -> EngagementSummary:
    """Counts for the school, with the overdue and due pupils by name (one more query)."""
    found = engagement_for_school(session, school, today)
    by_status: dict[Engagement, list[PupilEngagement]] = defaultdict(list)
    for item in found.values():
        by_status[item.status].append(item)
    listed = [i.pupil_id for i in by_status[Engagement.OVERDUE] + by_status[Engagement.DUE]]
    pupils = {
        p.id: p
        for p in session.scalars(sa.select(Pupil).where(Pupil.id.in_(listed)))
    } if listed else {}

    def named(status: Engagement) -> list[tuple[Pupil, PupilEngagement]]:
        rows = [(pupils[i.pupil_id], i) for i in by_status[status]]
        return sorted(rows, key=lambda r: (r[1].held - r[1].required, r[0].last_name, r[0].first_name, r[0].id))

    return EngagementSummary(
        on_track=len(by_status[Engagement.ON_TRACK]), due=len(by_status[Engagement.DUE]),
        overdue=len(by_status[Engagement.OVERDUE]), overdue_pupils=named(Engagement.OVERDUE),
        due_pupils=named(Engagement.DUE),
    )
