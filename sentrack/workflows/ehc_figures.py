"""The EHC figures of a local authority's schools (issue 15 point 4), set-based: four queries
whatever the number of schools and pupils, and each figure keeps the pupils behind it.

- *Requests in progress* (`ehc_register.request_in_progress`), with the weeks gone, the next
  statutory date and whether a clock is at risk (`ehc_clocks`), at-risk first.
- *Final plans issued within 20 weeks* of the request, by calendar year of issue (as the SEN2
  return counts them), by school and in all, in all and apart for requests with and without an
  exception recorded (reg 10(4); an exception stops no clock, it is reported apart).
- *Annual reviews* due in the next 8 weeks and overdue (`ehc_schedule.review_schedule`).
- *Review decisions waiting past 4 weeks*: a review meeting held, no decision of the authority,
  and today past `ehc_dates.la_decision_due(held_on)`.

`shown(...)` gives the counts as a viewer is shown them: small numbers suppressed for those who see
anonymised figures only (governors), through `sentrack.workflows.small_numbers`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import groupby
from operator import itemgetter
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import EhcAdvice, EhcException, EhcPlan, EhcRequest, EhcReview, Pupil
from sentrack.workflows import ehc_clocks, ehc_dates
from sentrack.workflows.ehc_register import plan_in_force, request_in_progress
from sentrack.workflows.ehc_schedule import ReviewDue, review_schedule
from sentrack.workflows.small_numbers import FEWER, SMALL, WITHHELD, Cell

# The rows are named tuples: an authority's figures make thousands of them for each page.


class RequestRow(NamedTuple):
    request_id: int
    pupil_id: int
    school_id: int
    received_on: date
    weeks_gone: int
    next_date: date | None
    at_risk: bool
    exceptions: int


class IssuedRow(NamedTuple):
    """A final plan issued from a request: when, and whether within 20 weeks of it."""

    request_id: int
    pupil_id: int
    school_id: int
    received_on: date
    issued_on: date
    weeks: int
    within_20_weeks: bool
    with_exceptions: bool


class WaitingRow(NamedTuple):
    """A review held whose decision the authority has not recorded, past its 4 weeks."""

    review_id: int
    plan_id: int
    pupil_id: int
    school_id: int
    held_on: date
    due_on: date


@dataclass(frozen=True)
class Timeliness:
    issued: int
    within: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.within / self.issued, 1) if self.issued else None


# The figures that lead to pupils, by key: their titles, and what each row says.
FIGURES: dict[str, str] = {
    "requests_in_progress": "Needs assessment requests in progress",
    "requests_at_risk": "Requests with a statutory date at risk or passed",
    "issued_this_year": "Final plans issued this calendar year",
    "late_this_year": "Final plans issued this year after 20 weeks",
    "issued_last_year": "Final plans issued last calendar year",
    "late_last_year": "Final plans issued last year after 20 weeks",
    "reviews_due_soon": "Annual reviews due in the next 8 weeks",
    "reviews_overdue": "Annual reviews overdue",
    "decisions_waiting": "Review decisions waiting past 4 weeks",
}


@dataclass(frozen=True)
class EhcFigures:
    today: date
    requests: list[RequestRow]  # at-risk first, then by next statutory date
    issued: list[IssuedRow]  # this calendar year and last
    reviews: list[ReviewDue]  # every plan in force, earliest due first
    waiting: list[WaitingRow]
    school_ids: list[int] = field(default_factory=list)

    @property
    def this_year(self) -> int:
        return self.today.year

    @cached_property
    def _by_key(self) -> dict[str, list]:
        """The rows behind each figure, picked out once for the page however often it asks."""
        this, last = self.this_year, self.this_year - 1
        return {
            "requests_in_progress": self.requests,
            "requests_at_risk": [r for r in self.requests if r.at_risk],
            "issued_this_year": [r for r in self.issued if r.issued_on.year == this],
            "issued_last_year": [r for r in self.issued if r.issued_on.year == last],
            "late_this_year": [r for r in self.issued if r.issued_on.year == this and not r.within_20_weeks],
            "late_last_year": [r for r in self.issued if r.issued_on.year == last and not r.within_20_weeks],
            "reviews_due_soon": [r for r in self.reviews if r.is_due_soon(self.today)],
            "reviews_overdue": [r for r in self.reviews if r.is_overdue(self.today)],
            "decisions_waiting": self.waiting,
        }

    @cached_property
    def _by_school(self) -> dict[str, dict[int, list]]:
        """The same rows by school, in the same order: a page of a hundred schools reads each
        school's rows rather than filtering every row of the authority for each of them."""
        grouped: dict[str, dict[int, list]] = {}
        for key, found in self._by_key.items():
            schools: dict[int, list] = grouped.setdefault(key, {})
            for row in found:
                schools.setdefault(row.school_id, []).append(row)
        return grouped

    def rows(self, key: str, school_id: int | None = None) -> list:
        """The rows behind the figure `key` (of one school, when given)."""
        if school_id is None:
            return list(self._by_key[key])
        return list(self._by_school[key].get(school_id, ()))

    def count(self, key: str, school_id: int | None = None) -> int:
        if school_id is None:
            return len(self._by_key[key])
        return len(self._by_school[key].get(school_id, ()))

    @cached_property
    def _timeliness(self) -> dict[tuple[int | None, int, bool], tuple[int, int]]:
        """(plans issued, of them within 20 weeks) by (school, year of issue, with exceptions), all
        the schools' under None: counted in one pass for a table of a hundred schools."""
        counted: dict[tuple[int | None, int, bool], list[int]] = {}
        for row in self.issued:
            for school_id in (row.school_id, None):
                cell = counted.setdefault((school_id, row.issued_on.year, row.with_exceptions), [0, 0])
                cell[0] += 1
                cell[1] += row.within_20_weeks
        return {key: (issued, within) for key, (issued, within) in counted.items()}

    def timeliness(self, year: int, school_id: int | None = None, exceptions: bool | None = None) -> Timeliness:
        """Plans issued in `year` and how many within 20 weeks: all (`exceptions` None), or only
        those whose request had an exception to the time limits recorded (True, reg 10(4):
        `ehc_clocks.has_time_limit_exception`; a missed appointment is not one) or had none (False)."""
        parts = (False, True) if exceptions is None else (exceptions,)
        cells = [self._timeliness.get((school_id, year, part), (0, 0)) for part in parts]
        return Timeliness(sum(issued for issued, _ in cells), sum(within for _, within in cells))

    def counts(self, school_id: int | None = None) -> dict[str, int]:
        return {key: self.count(key, school_id) for key in FIGURES}

    def to_json(self, school_id: int | None = None) -> dict:
        """Counts and shares only, no pupil: for `flask compliance --json`."""
        years = {}
        for label, year in (("this_year", self.this_year), ("last_year", self.this_year - 1)):
            years[label] = {"year": year}
            for part, exceptions in (("all", None), ("with_exceptions", True), ("without_exceptions", False)):
                t = self.timeliness(year, school_id, exceptions)
                years[label][part] = {"issued": t.issued, "within_20_weeks": t.within, "percent": t.percent}
        return {"counts": self.counts(school_id), "issued_within_20_weeks": years}


def _school_of(pupil_id: sa.ColumnElement[int]) -> sa.ScalarSelect:
    """The school of the row's pupil, read through the pupil's key for each row: the figures'
    requests are a few hundred of an authority's tens of thousands of pupils, whom a join would
    read every one of (and test against the list of schools) to find theirs."""
    return sa.select(Pupil.school_id).where(Pupil.id == pupil_id).scalar_subquery()


def _requests(session: Session, today: date, school_ids: list[int]) -> list[RequestRow]:
    """The requests in progress, their clocks run on their dates (`ehc_clocks.RequestDates`): one
    query of plain columns, each request beside each of its advice (once, with none), rather than
    the records."""
    school = _school_of(EhcRequest.pupil_id)
    exceptions = (
        sa.select(EhcException.request_id, sa.func.count().label("count")).group_by(EhcException.request_id).subquery()
    )
    found = session.execute(
        sa.select(
            EhcRequest.id,
            EhcRequest.pupil_id,
            school,
            sa.func.coalesce(exceptions.c.count, 0),
            *ehc_clocks.REQUEST_DATES,
            *ehc_clocks.ADVICE_DATES,
        )
        .outerjoin(exceptions, exceptions.c.request_id == EhcRequest.id)
        .outerjoin(EhcAdvice, EhcAdvice.request_id == EhcRequest.id)
        .where(request_in_progress(), school.in_(school_ids))
        .order_by(EhcRequest.id, *ehc_clocks.ADVICE_ORDER)
    )
    dates = slice(4, 4 + len(ehc_clocks.REQUEST_DATES))
    advice = slice(dates.stop, None)
    rows = []
    for request_id, lines in groupby(found, key=itemgetter(0)):
        first, *more = lines
        asked = tuple(
            ehc_clocks.AdviceDates(*line[advice]) for line in (first, *more) if line[advice.start] is not None
        )
        request = ehc_clocks.RequestDates(*first[dates], asked)
        weeks, next_date, at_risk = ehc_clocks.standing(request, today)
        _, pupil_id, school_id, excepted = first[:4]
        rows.append(
            RequestRow(request_id, pupil_id, school_id, request.received_on, weeks, next_date, at_risk, excepted)
        )
    return sorted(rows, key=lambda r: (not r.at_risk, r.next_date or date.max, r.received_on, r.request_id))


def _issued(session: Session, today: date, school_ids: list[int]) -> list[IssuedRow]:
    """The final plans issued last calendar year and this, from the requests' columns alone."""
    school = _school_of(EhcRequest.pupil_id)
    found = session.execute(
        sa.select(
            EhcRequest.id,
            EhcRequest.pupil_id,
            school,
            EhcRequest.received_on,
            EhcRequest.final_issued_on,
            ehc_clocks.time_limit_exception_recorded(),
        )
        .where(
            EhcRequest.final_issued_on >= date(today.year - 1, 1, 1),
            EhcRequest.final_issued_on <= date(today.year, 12, 31),
            school.in_(school_ids),
        )
        .order_by(EhcRequest.final_issued_on, EhcRequest.id)
    )
    return [
        IssuedRow(
            request_id,
            pupil_id,
            school_id,
            received,
            issued,
            ehc_dates.weeks_gone(received, issued),
            ehc_clocks.final_plan_in_time(received, issued),
            bool(excepted),
        )
        for request_id, pupil_id, school_id, received, issued, excepted in found
    ]


def _waiting(session: Session, today: date, schools: sa.ColumnElement[bool]) -> list[WaitingRow]:
    found = session.execute(
        sa.select(EhcReview.id, EhcReview.plan_id, EhcPlan.pupil_id, Pupil.school_id, EhcReview.held_on)
        .join(EhcPlan, EhcPlan.id == EhcReview.plan_id)
        .join(Pupil, Pupil.id == EhcPlan.pupil_id)
        .where(schools, plan_in_force(today), EhcReview.held_on.is_not(None), EhcReview.la_decision.is_(None))
        .order_by(EhcReview.held_on, EhcReview.id)
    )
    rows = [WaitingRow(*row, ehc_dates.la_decision_due(row[4])) for row in found]
    return [row for row in rows if today > row.due_on]


def ehc_figures(session: Session, today: date, school_ids: Iterable[int]) -> EhcFigures:
    """The EHC figures of the pupils of `school_ids` as of `today`."""
    ids = sorted(set(school_ids))
    schools = Pupil.school_id.in_(ids)
    return EhcFigures(
        today=today,
        requests=_requests(session, today, ids),
        issued=_issued(session, today, ids),
        reviews=review_schedule(session, today, schools),
        waiting=_waiting(session, today, schools),
        school_ids=ids,
    )


# --- As shown -------------------------------------------------------------------------------------


def _cell(value: int, suppress: bool) -> Cell:
    return Cell(value, FEWER if suppress and 0 < value < SMALL else None)


def shown(figures: EhcFigures, school_id: int | None, *, suppress: bool) -> dict[str, Cell]:
    """The counts of `figures` as the viewer is shown them: for those who see anonymised figures
    only (`not access.sees_small_numbers`), a count of 1 to 4 is "fewer than 5", and of the counts
    that split another (at risk within in progress, late within issued, due soon and overdue within
    the plans in force) the part beside a hidden one is withheld, so that no difference gives it
    away."""
    counts = figures.counts(school_id)
    cells = {key: _cell(value, suppress) for key, value in counts.items()}
    if not suppress:
        return cells
    pairs = [("requests_in_progress", "requests_at_risk"), ("issued_this_year", "late_this_year")]
    pairs.append(("issued_last_year", "late_last_year"))
    for total, part in pairs:
        rest = counts[total] - counts[part]
        if cells[total].shown and cells[part].shown and 0 < rest < SMALL:
            cells[part] = Cell(counts[part], WITHHELD)
    return cells
