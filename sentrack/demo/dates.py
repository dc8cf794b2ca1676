"""Dates for the demo: the academic year, its first school day and terms, and random school days.

Everything is measured from the `today` the demo is built for, so nothing here reads the clock.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

DAY = timedelta(days=1)
YEAR = timedelta(days=365)


def academic_year_start(today: date) -> date:
    return date(today.year if today.month >= 9 else today.year - 1, 9, 1)


def first_school_day(year: int) -> date:
    day = date(year, 9, 1)
    while day.weekday() >= 5:
        day += DAY
    return day


def terms_of_year(year: int) -> list[tuple[str, date, date]]:
    """The default terms of the academic year starting in September of `year`."""
    return [
        (f"Autumn {year}", date(year, 9, 1), date(year, 12, 31)),
        (f"Spring {year + 1}", date(year + 1, 1, 1), date(year + 1, 3, 31)),
        (f"Summer {year + 1}", date(year + 1, 4, 1), date(year + 1, 8, 31)),
    ]


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
