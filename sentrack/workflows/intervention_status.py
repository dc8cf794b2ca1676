"""Where an intervention stands on a day: the one definition every list, page, map, passport and
home page shows, and the lists of current and ended interventions follow.

- *Ended early*: ended before its planned end (`planned_ends_on` kept); it reads "Ended early on
  3 December 2026" from the moment it is ended, its last day included.
- *Ended*: its last day is before the day.
- *Starts*: its first day is after the day.
- *Running*: otherwise.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from sentrack.models import Intervention


class Stage(enum.Enum):
    STARTS = "starts"
    RUNNING = "running"
    ENDED = "ended"
    ENDED_EARLY = "ended_early"


def has_ended(today: date) -> sa.ColumnElement[bool]:
    """Over `Intervention`: ended by `today` (early, or its last day passed)."""
    return sa.or_(Intervention.ends_on < today, Intervention.planned_ends_on.is_not(None))


def is_ended(intervention: Intervention, today: date) -> bool:
    return intervention.ends_on < today or intervention.planned_ends_on is not None


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Status:
    stage: Stage
    text: str  # "Ended early on 3 December 2026"
    colour: str  # of its tag

    @property
    def ended(self) -> bool:
        return self.stage in (Stage.ENDED, Stage.ENDED_EARLY)


def status(intervention: Intervention, today: date) -> Status:
    """Where `intervention` stands on `today`."""
    if intervention.planned_ends_on is not None:
        return Status(Stage.ENDED_EARLY, f"Ended early on {_long(intervention.ends_on)}", "orange")
    if intervention.ends_on < today:
        return Status(Stage.ENDED, f"Ended on {_long(intervention.ends_on)}", "grey")
    if intervention.starts_on > today:
        return Status(Stage.STARTS, f"Starts on {_long(intervention.starts_on)}", "light-blue")
    return Status(Stage.RUNNING, "Running", "green")
