"""Reading the census check for the pages: the user's own school only, in a fixed number of
queries whatever the roll."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.forms import page_count
from sentrack.models import Pupil, School, User
from sentrack.workflows.census_check import CensusCheck, CensusRow, census_check

Named = tuple[Pupil, CensusRow]


def school_census_check(session: Session, user: User, day: date) -> tuple[School, CensusCheck] | None:
    """The user's school and its census check on `day`; None for a user of no school."""
    if user.school_id is None:
        return None
    school = session.get(School, user.school_id)
    return school, census_check(session, user.school_id, day)


def census_pupils(session: Session, school_id: int, rows: list[CensusRow]) -> list[Named]:
    """Each of `rows` (of the school's check) with its pupil, in the order given: one query."""
    if not rows:
        return []
    found = session.scalars(
        sa.select(Pupil).where(Pupil.school_id == school_id, Pupil.id.in_([row.pupil_id for row in rows]))
    )
    pupils = {pupil.id: pupil for pupil in found}
    return [(pupils[row.pupil_id], row) for row in rows]


@dataclass(frozen=True)
class CensusPage:
    """What the page lists: every pupil with a problem, then one page of those without (none when
    only pupils with a problem are asked for), each with their pupil."""

    problems: list[Named]
    fine: list[Named]
    page: int
    pages: int

    @property
    def named(self) -> list[Named]:
        return self.problems + self.fine


def census_page(
    session: Session, school_id: int, check: CensusCheck, *, only_problems: bool, page: int, per_page: int
) -> CensusPage:
    """Every pupil of `check` with a problem, and the `page`th `per_page` of the pupils with none
    (a page past the last is the last), both in name order: one query for the pupils named."""
    pages = page_count(len(check.without_problems), per_page)
    page = min(max(1, page), pages)
    fine = [] if only_problems else check.without_problems[(page - 1) * per_page : page * per_page]
    named = census_pupils(session, school_id, check.with_problems + fine)
    problems = len(check.with_problems)
    return CensusPage(problems=named[:problems], fine=named[problems:], page=page, pages=pages)
