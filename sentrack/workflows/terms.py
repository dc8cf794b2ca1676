"""Terms and the academic year (DESIGN section 6). The academic year runs 1 September to
31 August and always has three terms: autumn, spring and summer. A school's own dates for a term
(`SchoolTerm`, with its half-term holiday if recorded) replace the default dates of exactly that
term; the terms it has not set keep the defaults (autumn 1 September to 31 December, spring
1 January to 31 March, summer 1 April to 31 August).

`terms_of_schools` is the one reader of stored terms; `year_terms` (one academic year) and
`school_terms` (last, this and next academic year, "the terms around today") are built on it, and
the sweep, the parent-engagement rule, the dashboard and the home pages all read terms through
them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import School, SchoolTerm, Season


@dataclass(frozen=True)
class Term:
    name: str
    starts_on: date
    ends_on: date
    season: Season | None = None
    academic_year: int | None = None
    half_term: tuple[date, date] | None = None  # the half-term holiday's first and last day
    own: bool = False  # the school's own dates; False for the default ones
    id: int | None = None  # the SchoolTerm row of the school's own dates

    @property
    def key(self) -> str:
        return self.starts_on.isoformat()

    @property
    def period(self) -> str:
        """The term as a task's period ("2026-autumn"): the same whatever dates the school gives it."""
        return f"{self.academic_year}-{self.season.value}"

    @property
    def year_label(self) -> str:
        """ "2026 to 2027" for the academic year starting in 2026."""
        return year_label(self.academic_year) if self.academic_year is not None else ""

    def holds(self, day: date) -> bool:
        """Whether `day` falls between the term's first and last day (its half-term included)."""
        return self.starts_on <= day <= self.ends_on


def academic_year_of(today: date) -> int:
    """The calendar year in which the academic year holding `today` began."""
    return today.year if today.month >= 9 else today.year - 1


def academic_year_bounds(today: date) -> tuple[date, date]:
    """The first and last day of the academic year holding `today`."""
    year = academic_year_of(today)
    return date(year, 9, 1), date(year + 1, 8, 31)


def year_label(year: int) -> str:
    return f"{year} to {year + 1}"


def term_name(season: Season, year: int) -> str:
    """ "Autumn 2026", "Spring 2027", "Summer 2027" for the academic year starting in 2026."""
    return f"{season.label} {year if season is Season.AUTUMN else year + 1}"


DEFAULT_DATES: dict[Season, tuple[tuple[int, int, int], tuple[int, int, int]]] = {
    # season: ((year offset, month, day) of the first day, the same of the last day)
    Season.AUTUMN: ((0, 9, 1), (0, 12, 31)),
    Season.SPRING: ((1, 1, 1), (1, 3, 31)),
    Season.SUMMER: ((1, 4, 1), (1, 8, 31)),
}


def default_term(season: Season, year: int) -> Term:
    (so, sm, sd), (eo, em, ed) = DEFAULT_DATES[season]
    return Term(term_name(season, year), date(year + so, sm, sd), date(year + eo, em, ed), season, year)


def default_terms(year: int) -> list[Term]:
    """The default terms of the academic year starting 1 September `year` (DESIGN section 6)."""
    return [default_term(season, year) for season in Season]


def own_term(row: SchoolTerm) -> Term:
    half = (row.half_term_starts_on, row.half_term_ends_on) if row.half_term_starts_on else None
    return Term(
        term_name(row.season, row.academic_year),
        row.starts_on,
        row.ends_on,
        row.season,
        row.academic_year,
        half,
        own=True,
        id=row.id,
    )


def terms_of_schools(session: Session, school_ids: Iterable[int], years: Iterable[int]) -> dict[int, list[Term]]:
    """Each school's three terms of each of the academic `years`, earliest first: its own dates
    for the terms it set, the default dates for the others. One query for all the schools."""
    school_ids, years = list(school_ids), sorted(set(years))
    stored: dict[tuple[int, int, Season], SchoolTerm] = {}
    if school_ids and years:
        for row in session.scalars(
            sa.select(SchoolTerm).where(SchoolTerm.school_id.in_(school_ids), SchoolTerm.academic_year.in_(years))
        ):
            stored[(row.school_id, row.academic_year, row.season)] = row
    found: dict[int, list[Term]] = defaultdict(list)
    for school_id in school_ids:
        for year in years:
            for season in Season:
                row = stored.get((school_id, year, season))
                found[school_id].append(own_term(row) if row is not None else default_term(season, year))
    return found


def year_terms(session: Session, school: School, today: date) -> list[Term]:
    """The school's three terms of the academic year holding `today`. One query."""
    return terms_of_schools(session, [school.id], [academic_year_of(today)])[school.id]


def school_terms(session: Session, school: School, today: date) -> list[Term]:
    """The terms around `today`: the school's terms of last, this and next academic year. One query."""
    year = academic_year_of(today)
    return terms_of_schools(session, [school.id], [year - 1, year, year + 1])[school.id]


def current_term(terms: list[Term], today: date) -> Term:
    """The term `today` falls in, or in a holiday the nearest one."""
    for term in terms:
        if term.holds(today):
            return term
    return min(terms, key=lambda t: abs((t.starts_on - today).days))


def term_holding(terms: list[Term], today: date) -> Term | None:
    """The term `today` falls in; None in a holiday between terms."""
    return next((t for t in terms if t.holds(today)), None)


def date_in_academic_year(year: int, month: int, day: int) -> date:
    """The `day` of `month` in the academic year starting 1 September `year` (15 February of
    the year 2026/27 is 15 February 2027)."""
    return date(year if month >= 9 else year + 1, month, day)
