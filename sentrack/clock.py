"""The app's one clock.

Workflow code takes `today` as an argument; views and commands ask this module for it. Outside
production SENTRACK_TODAY (read into the TODAY setting) stands the app on another date, so that a
demo or a test can be run on any day of the school year.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import current_app


def today() -> date:
    """The date the app works to: the configured TODAY, else the real date."""
    fixed = current_app.config.get("TODAY")
    return fixed if fixed is not None else date.today()


def now() -> datetime:
    """The moment an entry is made, in UTC, on the app's date.

    With a fixed TODAY the time of day is real but the date is the app's, so that what a demo
    records is entered on the day it stands on. Security timings (sessions, throttles) use the
    real clock instead.
    """
    real = datetime.now(UTC)
    fixed = current_app.config.get("TODAY")
    if fixed is None:
        return real
    return datetime.combine(fixed, real.timetz())
