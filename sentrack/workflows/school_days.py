"""School days: which days an intervention's sessions fall on, and the weeks and terms they fill.

Sessions happen Monday to Friday (weekdays 0 to 4). These rules set up an intervention's default
days and dates, count the sessions it plans in a term, and find the school week holding a day.
A school day is a weekday within one of the school's terms, outside its half-term holiday, that
is not a bank holiday in England: what a time limit in school days counts. A working day is a
weekday that is not a bank holiday: what a time limit in calendar months lands on (the ICO's rule
for a subject access request). Bank holidays come from the `holidays` library (England's).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache

import holidays

from sentrack.workflows.terms import Term

# Days of the week a catalogue entry's sessions fall on by default, by sessions a week.
DEFAULT_WEEKDAYS = {1: [2], 2: [1, 3], 3: [0, 2, 4], 4: [0, 1, 2, 3], 5: [0, 1, 2, 3, 4]}


def next_school_day(day: date) -> date:
    """`day`, or the Monday after it when it falls at a weekend."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def default_end(starts_on: date, weeks: int) -> date:
    """The last school day of `weeks` whole weeks from `starts_on`: every weekday falls in them
    exactly `weeks` times."""
    end = starts_on + timedelta(weeks=weeks) - timedelta(days=1)
    while end.weekday() >= 5:
        end -= timedelta(days=1)
    return end


def default_days(sessions_per_week: int) -> list[int]:
    """The weekdays a catalogue entry's sessions fall on unless changed."""
    return list(DEFAULT_WEEKDAYS[sessions_per_week])


def week_of(day: date) -> tuple[date, date]:
    """Monday and Friday of the school week holding `day` (the next one at a weekend)."""
    monday = day - timedelta(days=day.weekday())
    if day.weekday() >= 5:
        monday += timedelta(days=7)
    return monday, monday + timedelta(days=4)


def sessions_between(weekdays: list[int], start: date, end: date) -> int:
    """How many of `weekdays` fall between `start` and `end` inclusive."""
    if end < start:
        return 0
    days = (end - start).days + 1
    weeks, extra = divmod(days, 7)
    count = weeks * len(weekdays)
    for offset in range(extra):
        if (start + timedelta(days=weeks * 7 + offset)).weekday() in weekdays:
            count += 1
    return count


def planned_in_week(weekdays: list[int], monday: date, starts_on: date, ends_on: date) -> int:
    """How many sessions on `weekdays` of the week from `monday` fall within `starts_on`..`ends_on`."""
    days = [monday + timedelta(days=d) for d in sorted(weekdays or [])]
    return sum(1 for day in days if starts_on <= day <= ends_on)


@cache
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.UK(subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    """Whether `day` is a bank holiday in England (a substitute day for one at a weekend included)."""
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Whether `day` is a weekday that is not a bank holiday in England."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def next_working_day(day: date) -> date:
    """`day` when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def is_school_day(day: date, terms: Iterable[Term]) -> bool:
    """Whether `day` is a weekday within one of `terms`, outside its half-term holiday, and not a
    bank holiday."""
    if not is_working_day(day):
        return False
    for term in terms:
        if term.holds(day):
            return term.half_term is None or not (term.half_term[0] <= day <= term.half_term[1])
    return False


def school_days_after(day: date, count: int, terms: list[Term]) -> date:
    """The `count`th school day after `day` (not counting `day`) by the school's `terms`, bank
    holidays skipped: the one count of school days every time limit uses. Past the last of `terms`
    every working day counts, so that a date is always found."""
    last = max((term.ends_on for term in terms), default=day)
    found = 0
    while found < count:
        day += timedelta(days=1)
        if day > last and is_working_day(day) or is_school_day(day, terms):
            found += 1
    return day
