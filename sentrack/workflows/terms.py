"""Terms and the academic year (DESIGN section 6): 1 September to 31 August, with each school's
own term dates where its SENCO set them, else the defaults (autumn 1 Sep to 31 Dec, spring
1 Jan to 31 Mar, summer 1 Apr to 31 Aug)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import School, SchoolTerm


@dataclass(frozen=True)
class Term:
    name: str
    starts_on: date
    ends_on: date

    @property
    def key(self) -> str:
        return self.starts_on.isoformat()


def academic_year_of(today: date) -> int:
    """The calendar year in which the academic year holding `today` began."""
    return today.year if today.month >= 9 else today.year - 1


def academic_year_bounds(today: date) -> tuple[date, date]:
    """The first and last day of the academic year holding `today`."""
    year = academic_year_of(today)
    return date(year, 9, 1), date(year + 1, 8, 31)


def default_terms(year: int) -> list[Term]:
    """The default terms of the academic year starting 1 September `year` (DESIGN section 6)."""
    return [
        Term(f"Autumn {year}", date(year, 9, 1), date(year, 12, 31)),
        Term(f"Spring {year + 1}", date(year + 1, 1, 1), date(year + 1, 3, 31)),
        Term(f"Summer {year + 1}", date(year + 1, 4, 1), date(year + 1, 8, 31)),
    ]


def school_terms(session: Session, school: School, today: date) -> list[Term]:
    """The school's terms of last, this and next academic year (its own dates where it set them)."""
    year = academic_year_of(today)
    stored = session.scalars(
        sa.select(SchoolTerm).where(
            SchoolTerm.school_id == school.id,
            SchoolTerm.starts_on >= date(year - 1, 9, 1),
            SchoolTerm.starts_on < date(year + 2, 9, 1),
        ).order_by(SchoolTerm.starts_on)
    ).all()
    if stored:
        return [Term(t.name, t.starts_on, t.ends_on) for t in stored]
    return [t for y in (year - 1, year, year + 1) for t in default_terms(y)]


def year_terms(session: Session, school: School, today: date) -> list[Term]:
    """The terms of the academic year holding `today`: the school's own where it set any for that
    year (terms are counted in the year they start), else the defaults. One query."""
    first, last = academic_year_bounds(today)
    stored = session.scalars(
        sa.select(SchoolTerm)
        .where(SchoolTerm.school_id == school.id, SchoolTerm.starts_on.between(first, last))
        .order_by(SchoolTerm.starts_on)
    ).all()
    if stored:
        return [Term(t.name, t.starts_on, t.ends_on) for t in stored]
    return default_terms(first.year)


def current_term(terms: list[Term], today: date) -> Term:
    """The term `today` falls in, or in a holiday the nearest one."""
    for term in terms:
        if term.starts_on <= today <= term.ends_on:
            return term
    return min(terms, key=lambda t: abs((t.starts_on - today).days))


def term_holding(terms: list[Term], today: date) -> Term | None:
    """The term `today` falls in; None in a holiday."""
    return next((t for t in terms if t.starts_on <= today <= t.ends_on), None)


def date_in_academic_year(year: int, month: int, day: int) -> date:
    """The `day` of `month` in the academic year starting 1 September `year` (15 February of
    the year 2026/27 is 15 February 2027)."""
    return date(year if month >= 9 else year + 1, month, day)
