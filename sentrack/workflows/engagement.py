"""Parent engagement (DESIGN section 6, CoP 6.65): whether each pupil on the SEN register has had
the meetings with parents the year so far asks for.

The rule, with the school's settings (defaults 28 and 21 days):
- a term *counts* for a pupil if the pupil was on this school's roll and on the register (K or E)
  on the term's last day and, without a break, both for at least `parent_meeting_min_days` days by
  then (that day included; SEN status carried from a previous school counts from admission);
- `required` = counting terms of this academic year that have ended (before `today`);
- `held` = the days in this academic year, up to `today` and on this school's roll, on which a
  meeting with parents was held (two records of one day are one meeting);
- **overdue** if held < required; **due** if the current term would count (were the pupil still
  on the register on its last day), held < required + 1 and the term ends within
  `parent_due_window_days` days of `today`; otherwise **on track**.

A pupil on the register all year thus needs 3 by its end. The terms are the school's three terms
of the year (`sentrack.workflows.terms.year_terms`: its own dates where set, else the defaults).
`describe` puts the result in words for staff ("1 meeting held this year; 1 needed by
18 December"), the one wording used wherever engagement is shown. Set-based: three queries for a whole
school (its terms, the register's status periods, the meeting counts), whatever its size.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import ParentMeeting, Pupil, School, SenStatus
from sentrack.workflows.among import among
from sentrack.workflows.register import ON_REGISTER, on_roll, on_roll_part, register_status
from sentrack.workflows.terms import (
    Term,
    academic_year_bounds,
    academic_year_of,
    term_holding,
    terms_of_schools,
    year_terms,
)


class Engagement(enum.StrEnum):
    """A pupil's parent engagement, with its `label` ("On track", "Due", "Overdue") and its GOV.UK
    tag `colour`."""

    ON_TRACK = "on_track"
    DUE = "due"
    OVERDUE = "overdue"

    label = property(lambda self: self.value.replace("_", " ").capitalize())
    colour = property(lambda self: TAG_COLOURS[self])


TAG_COLOURS = {Engagement.ON_TRACK: "green", Engagement.DUE: "yellow", Engagement.OVERDUE: "red"}


@dataclass
class PupilEngagement:
    pupil_id: int
    status: Engagement
    required: int
    held: int
    term: Term | None  # the current term; None in a holiday
    term_counts: bool = False  # the current term will count if the pupil stays on the register
    # The last day of the term by which the next meeting owed (the `held + 1`th of the year) is
    # needed, were the pupil to stay on the register; in the past when overdue; None when no more
    # are needed this year.
    needed_by: date | None = None

    @property
    def words(self) -> str:
        return describe(self)


def _day(day: date) -> str:
    return f"{day.day} {day:%B}"


def describe(engagement: PupilEngagement) -> str:
    """What the pupil's parent engagement owes, in words a teacher understands: "No meetings held
    this year; 1 overdue, needed by 18 December", "1 meeting held this year; 1 needed by
    31 March", "2 meetings held this year; on track: the next is needed by 31 March"."""
    held = engagement.held
    said = "No meetings" if held == 0 else f"{held} meeting" if held == 1 else f"{held} meetings"
    said += " held this year"
    if engagement.status is Engagement.OVERDUE:
        missing = engagement.required - held
        if missing == 1:
            return f"{said}; 1 overdue, needed by {_day(engagement.needed_by)}"
        return f"{said}; {missing} overdue, the first needed by {_day(engagement.needed_by)}"
    if engagement.status is Engagement.DUE:
        return f"{said}; 1 needed by {_day(engagement.needed_by)}"
    if engagement.needed_by is None:
        return f"{said}; on track: no more needed this year"
    return f"{said}; on track: the next is needed by {_day(engagement.needed_by)}"


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
        1
        for term in terms
        if term.ends_on < today and _counts(_on_register_since(spells, term.ends_on), term, min_days)
    )
    current = term_holding(terms, today)
    # The terms still to end that would count were the pupil to stay on the register.
    since_today = _on_register_since(spells, today)
    ahead = [term.ends_on for term in terms if term.ends_on >= today and _counts(since_today, term, min_days)]
    deadlines = sorted(
        [
            term.ends_on
            for term in terms
            if term.ends_on < today and _counts(_on_register_since(spells, term.ends_on), term, min_days)
        ]
        + ahead
    )
    needed_by = deadlines[held] if held < len(deadlines) else None
    current_counts = current is not None and _counts(since_today, current, min_days)
    if held < required:
        status = Engagement.OVERDUE
    elif current_counts and held < required + 1 and (current.ends_on - today).days <= school.parent_due_window_days:
        status = Engagement.DUE
    else:
        status = Engagement.ON_TRACK
    return PupilEngagement(
        pupil_id=pupil_id,
        status=status,
        required=required,
        held=held,
        term=current,
        term_counts=current_counts,
        needed_by=needed_by,
    )


def engagement_for_school(
    session: Session,
    school: School,
    today: date,
    *,
    pupil_ids: list[int] | sa.Select | None = None,
    terms: list[Term] | None = None,
) -> dict[int, PupilEngagement]:
    """Every pupil of `school` on the register (K or E) at `today`, by pupil id; `pupil_ids` (a
    list or a query of ids) narrows it to those pupils; `terms`, the school's terms of the year
    when the caller has them, saves a query. Three queries, whatever the number of pupils."""
    if terms is None:
        terms = year_terms(session, school, today)
    return engagement_for_schools(session, [school], today, pupil_ids=pupil_ids, terms={school.id: terms})[school.id]


def _on_register_today(school_ids: list[int], today: date, pupil_ids: list[int] | sa.Select | None) -> sa.Select:
    """The ids of the schools' pupils on the roll and on the register at `today` (of `pupil_ids`
    when given), as a query. The statuses are read through the list of the schools' pupils
    (`among`), so a school's page reads its own pupils' statuses, not the authority's."""
    on_the_roll = sa.select(Pupil.id).where(Pupil.school_id.in_(school_ids), on_roll(today))
    if pupil_ids is not None:
        on_the_roll = on_the_roll.where(Pupil.id.in_(pupil_ids))
    return sa.select(SenStatus.pupil_id).where(among(SenStatus.pupil_id, on_the_roll), register_status(today))


def _register_periods(
    session: Session, pupils: sa.Select, today: date
) -> tuple[dict[int, list[tuple[date, date | None]]], dict[int, int]]:
    """Each of `pupils`' periods on the register up to `today` (only the days on this school's
    roll: SEN status carried from a previous school counts from admission here), in order, and
    each pupil's school."""
    periods: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    school_of: dict[int, int] = {}
    for pupil_id, school_id, start, end, admitted_on, left_on in session.execute(
        sa.select(
            SenStatus.pupil_id,
            Pupil.school_id,
            SenStatus.start_date,
            SenStatus.end_date,
            Pupil.admitted_on,
            Pupil.left_on,
        )
        .join(Pupil, Pupil.id == SenStatus.pupil_id)
        .where(
            among(SenStatus.pupil_id, pupils),
            SenStatus.provision.in_(ON_REGISTER),
            SenStatus.start_date <= today,
        )
        .order_by(SenStatus.pupil_id, SenStatus.start_date)
    ):
        start, end = on_roll_part(start, end, admitted_on, left_on)
        school_of[pupil_id] = school_id
        if end is None or start <= end:
            periods[pupil_id].append((start, end))
    return periods, school_of


def _days_met(session: Session, pupils: sa.Select, today: date) -> dict[int, int]:
    """For each of `pupils`, the days this academic year up to `today` on which a meeting with
    parents was held. Days, not records: two records of one day (a separate meeting with another
    parent, or a meeting recorded twice) are one meeting held. Only the days on this school's
    roll: a meeting before admission was the pupil's time elsewhere."""
    year_start, year_end = academic_year_bounds(today)
    return dict(
        session.execute(
            sa.select(ParentMeeting.pupil_id, sa.func.count(sa.distinct(ParentMeeting.held_on)))
            .join(Pupil, Pupil.id == ParentMeeting.pupil_id)
            .where(
                among(ParentMeeting.pupil_id, pupils),
                ParentMeeting.held_on.between(year_start, min(today, year_end)),
                on_roll(ParentMeeting.held_on),
            )
            .group_by(ParentMeeting.pupil_id)
        ).all()
    )


def engagement_for_schools(
    session: Session,
    schools: list[School],
    today: date,
    *,
    pupil_ids: list[int] | sa.Select | None = None,
    terms: dict[int, list[Term]] | None = None,
) -> dict[int, dict[int, PupilEngagement]]:
    """`engagement_for_school` for many schools at once (the daily sweep): by school id, then
    pupil id. Three queries, whatever the number of schools and pupils."""
    by_id = {school.id: school for school in schools}
    if terms is None:
        terms = terms_of_schools(session, list(by_id), [academic_year_of(today)])
    on_register_today = _on_register_today(list(by_id), today, pupil_ids)
    periods, school_of = _register_periods(session, on_register_today, today)
    found: dict[int, dict[int, PupilEngagement]] = {school_id: {} for school_id in by_id}
    if not periods:
        return found
    held = _days_met(session, on_register_today, today)
    for pupil_id, spells in periods.items():
        school_id = school_of[pupil_id]
        found[school_id][pupil_id] = assess(
            pupil_id=pupil_id,
            spells=_spells(spells),
            held=held.get(pupil_id, 0),
            terms=terms[school_id],
            school=by_id[school_id],
            today=today,
        )
    return found


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
    pupils = {p.id: p for p in session.scalars(sa.select(Pupil).where(Pupil.id.in_(listed)))} if listed else {}

    def named(status: Engagement) -> list[tuple[Pupil, PupilEngagement]]:
        rows = [(pupils[i.pupil_id], i) for i in by_status[status]]
        return sorted(rows, key=lambda r: (r[1].held - r[1].required, r[0].last_name, r[0].first_name, r[0].id))

    return EngagementSummary(
        on_track=len(by_status[Engagement.ON_TRACK]),
        due=len(by_status[Engagement.DUE]),
        overdue=len(by_status[Engagement.OVERDUE]),
        overdue_pupils=named(Engagement.OVERDUE),
        due_pupils=named(Engagement.DUE),
    )
