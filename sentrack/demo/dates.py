"""Dates for the demo: the academic year, its first school day and terms, and random school days.

Everything is measured from the `today` the demo is built for, so nothing here reads the clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sentrack.models import Season
from sentrack.workflows.terms import academic_year_of, term_name

DAY = timedelta(days=1)
YEAR = timedelta(days=365)


def academic_year_start(today: date) -> date:
    return date(academic_year_of(today), 9, 1)


def first_school_day(year: int) -> date:
    day = date(year, 9, 1)
    while day.weekday() >= 5:
        day += DAY
    return day


@dataclass(frozen=True)
class DemoTerm:
    season: Season
    academic_year: int
    starts_on: date
    ends_on: date
    half_term: tuple[date, date]  # the half-term holiday's first and last day (Monday to Friday)

    @property
    def name(self) -> str:
        return term_name(self.season, self.academic_year)


def _friday_on_or_before(day: date) -> date:
    return day - (day.weekday() - 4) % 7 * DAY


def _monday_on_or_after(day: date) -> date:
    return day + (7 - day.weekday()) % 7 * DAY


def _week_of(monday: date) -> tuple[date, date]:
    return monday, monday + 4 * DAY


def school_year(year: int) -> list[DemoTerm]:
    """A realistic English school year starting in September of `year`, with weekday dates for
    any year: autumn from 3 September (or the Monday after, at a weekend) to 19 December (or
    the Friday before), with half-term in the week of October's last weekday; spring from 4 January
    (or the Monday after) to the Friday on or before 28 March, half-term in the week from the Monday
    on or after 13 February; after two weeks of Easter holiday, summer to 22 July (or the Friday
    before), half-term in the week of the last Monday of May."""
    autumn_start = weekday_on_or_after(date(year, 9, 3))
    autumn_end = weekday_on_or_before(date(year, 12, 19))
    october_last = weekday_on_or_before(date(year, 10, 31))
    autumn_half = _week_of(october_last - october_last.weekday() * DAY)
    spring_start = weekday_on_or_after(date(year + 1, 1, 4))
    spring_end = _friday_on_or_before(date(year + 1, 3, 28))
    spring_half = _week_of(_monday_on_or_after(date(year + 1, 2, 13)))
    summer_start = _monday_on_or_after(spring_end + 15 * DAY)  # after two weeks' holiday
    summer_end = weekday_on_or_before(date(year + 1, 7, 22))
    may_last = date(year + 1, 5, 31)
    summer_half = _week_of(may_last - may_last.weekday() * DAY)
    return [
        DemoTerm(Season.AUTUMN, year, autumn_start, autumn_end, autumn_half),
        DemoTerm(Season.SPRING, year, spring_start, spring_end, spring_half),
        DemoTerm(Season.SUMMER, year, summer_start, summer_end, summer_half),
    ]


def terms_of_year(year: int) -> list[tuple[str, date, date]]:
    """The demo school's terms of the academic year starting in September of `year`: name, first
    and last day."""
    return [(t.name, t.starts_on, t.ends_on) for t in school_year(year)]


def random_date(rng: random.Random, earliest: date, latest: date) -> date:
    if latest <= earliest:
        return earliest
    return earliest + timedelta(days=rng.randint(0, (latest - earliest).days))


def random_school_day(rng: random.Random, earliest: date, latest: date) -> date:
    """A random weekday between the two dates, or a weekend day if the range holds no other."""
    for _ in range(8):  # drawing again keeps the weekdays equally likely
        day = random_date(rng, earliest, latest)
        if day.weekday() < 5:
            return day
    monday = day + (7 - day.weekday()) * DAY
    friday = day - (day.weekday() - 4) * DAY
    if monday <= latest:
        return monday
    return friday if friday >= earliest else day


def moment(rng: random.Random, day: date) -> datetime:
    """A time in the school day of `day`, as an aware UTC datetime."""
    return datetime.combine(day, time(rng.randint(8, 16), rng.randrange(60)), tzinfo=UTC)


def weekday_on_or_before(day: date) -> date:
    """`day`, or the Friday before it when it falls at a weekend."""
    return day - max(0, day.weekday() - 4) * DAY


def weekday_on_or_after(day: date) -> date:
    """`day`, or the Monday after it when it falls at a weekend."""
    return day + (7 - day.weekday()) % 7 * DAY if day.weekday() >= 5 else day


def in_long_holiday(day: date) -> bool:
    """Whether `day` falls in the summer holiday (from 23 July) or the Christmas break, when
    schools hold no reviews: a rough rule, the same for every school."""
    month, dom = day.month, day.day
    return (month == 7 and dom >= 23) or month == 8 or (month == 12 and dom >= 20) or (month == 1 and dom <= 3)


def term_day_on_or_after(day: date) -> date:
    """The first weekday on or after `day` outside the summer and Christmas holidays."""
    if in_long_holiday(day):
        if day.month in (7, 8):
            day = first_school_day(day.year)
        else:
            day = date(day.year + 1 if day.month == 12 else day.year, 1, 4)
    return weekday_on_or_after(day)


def term_day_between(rng: random.Random, earliest: date, latest: date) -> date:
    """A random weekday between the two dates, outside the long holidays if a few draws find
    one."""
    for _ in range(4):
        day = random_school_day(rng, earliest, latest)
        if not in_long_holiday(day):
            return day
    return day


def term_day_on_or_before(day: date) -> date:
    """The last weekday on or before `day` outside the summer and Christmas holidays."""
    if in_long_holiday(day):
        if day.month in (7, 8):
            day = date(day.year, 7, 22)
        else:
            day = date(day.year if day.month == 12 else day.year - 1, 12, 19)
    return weekday_on_or_before(day)


def next_weekday(day: date) -> date:
    """`day` if it is a weekday, else the Monday after: the next day sessions could be held."""
    return weekday_on_or_after(day)


def is_term_day(day: date) -> bool:
    """Whether `day` is a school day of the demo's terms (`school_year`): a weekday in a term and
    outside its half-term holiday."""
    if day.weekday() >= 5:
        return False
    for term in school_year(academic_year_of(day)):
        if term.starts_on <= day <= term.ends_on:
            return not term.half_term[0] <= day <= term.half_term[1]
    return False


def school_days_before(day: date, count: int) -> date:
    """The `count`th school day before `day` by the demo's terms (not counting `day`)."""
    found = 0
    while found < count:
        day -= DAY
        found += is_term_day(day)
    return day


def school_days_after(day: date, count: int) -> date:
    """The `count`th school day after `day` by the demo's terms (not counting `day`)."""
    found = 0
    while found < count:
        day += DAY
        found += is_term_day(day)
    return day
