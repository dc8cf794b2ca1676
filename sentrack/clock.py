"""The app's one clock.

Workflow code takes `today` as an argument; views and commands ask this module for it. Outside
production SENTRACK_TODAY (read into the TODAY setting) stands the app on another date, so that a
demo or a test can be run on any day of the school year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app

SCHOOL_TIME = ZoneInfo("Europe/London")
"""The zone English schools keep: a day, a deadline or a date on a page is a day in it."""


def today() -> date:
    """The date the app works to: the configured TODAY, else the real date in the school's zone."""
    fixed = current_app.config.get("TODAY")
    return fixed if fixed is not None else datetime.now(SCHOOL_TIME).date()


def now() -> datetime:
    """The moment an entry is made, in UTC, on the app's date.

    With a fixed TODAY the time of day is real but the date is the app's, so that what a demo
    records is entered on the day it stands on. The day is the school's: at 11:30pm UTC in
    summer it is already tomorrow in London, so the real time is read in the school's zone and
    set on the app's date there, and a moment made on TODAY always shows on TODAY. Security
    timings (sessions, throttles) use the real clock instead.
    """
    real = datetime.now(UTC)
    fixed = current_app.config.get("TODAY")
    return real if fixed is None else moved_to(fixed, real)


def moved_to(day: date, real: datetime) -> datetime:
    """The moment `real` would be at the same school time of day on `day`, in UTC."""
    local = real.astimezone(SCHOOL_TIME)
    return datetime.combine(day, local.time(), tzinfo=SCHOOL_TIME).astimezone(UTC)


def day_of(moment: datetime | date | str) -> date:
    """The school's day a moment fell on: its date in SCHOOL_TIME, the one way a recorded moment
    becomes a day (on a page, in a duty's rule, in a figure). A naive moment, or the text of one
    as SQLite's max() gives it, is UTC, as every moment is stored; a date is its own day."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        return aware.astimezone(SCHOOL_TIME).date()
    return moment
