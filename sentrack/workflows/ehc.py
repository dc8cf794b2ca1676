"""EHC plan dates: the annual review falls on each anniversary of the plan (CoP 9.166), and the
school and the local authority are reminded eight weeks before it. One definition, for the sweep's
reminder and the dashboard's figures."""

from __future__ import annotations

from datetime import date, timedelta

EHC_REVIEW_NOTICE = timedelta(weeks=8)


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 28 February for 29 February in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def ehc_review_anniversary(start: date, today: date, notice: timedelta = EHC_REVIEW_NOTICE) -> tuple[int, date] | None:
    """(years, anniversary) of the latest anniversary of `start` whose notice period (eight weeks
    before it) has begun by `today`; None before the first."""
    found = None
    years = 1
    while add_years(start, years) - notice <= today:
        found = (years, add_years(start, years))
        years += 1
    return found
