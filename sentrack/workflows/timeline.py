"""The pupil's chronology: each operation adds a dated event, with its effective date kept apart
from the moment it was entered."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from sentrack.models import Pupil, User
from sentrack.models.cycles import SupportCycle, TimelineEvent


def add_event(
    session: Session,
    *,
    pupil: Pupil,
    kind: str,
    title: str,
    effective_on: date,
    actor: User | None,
    cycle: SupportCycle | None = None,
    detail: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
) -> TimelineEvent:
    event = TimelineEvent(
        pupil_id=pupil.id,
        cycle_id=cycle.id if cycle is not None else None,
        kind=kind,
        title=title,
        detail=detail,
        from_state=from_state,
        to_state=to_state,
        effective_on=effective_on,
        actor_id=actor.id if actor is not None else None,
    )
    session.add(event)
    return event
