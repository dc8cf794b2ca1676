"""Pupils leaving the school's roll: the leaving date (the first day the pupil is no longer on the
roll) and the reason, and undoing a leaving recorded by mistake.

From the leaving date the pupil drops off every list, register and figure (they all read
`register.on_roll`); their records stay, read-only (`access` refuses every write to a pupil who is
not on the roll), in the list of pupils who have left.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.clock import now
from sentrack.models import Pupil, TimelineEvent, User
from sentrack.workflows import RuleBroken, timeline
from sentrack.workflows.fulfilment import reopen_after_leaving_undone, settle_tasks
from sentrack.workflows.pupils import upn_on_roll_clash
from sentrack.workflows.timeline import add_event

# How far ahead a leaving may be recorded: a parent's notice of a move, not a guess at next year.
MOST_DAYS_AHEAD = 31

OTHER = "other"
LEAVING_REASONS: dict[str, str] = {
    "moved_school": "Moved to another school",
    "moved_away": "Moved away from the area",
    "specialist": "Moved to a special school or alternative provision",
    "home_education": "Educated at home",
    "finished": "Finished the last year at this school",
    "excluded": "Permanently excluded",
    OTHER: "Other reason",
}

LEFT_EVENT = "left_roll"
UNDONE_EVENT = "leaving_undone"


def latest_record_date(session: Session, pupil: Pupil) -> date | None:
    """The date of the latest entry in the pupil's chronology (a leaving and its undoing aside)."""
    return session.scalar(
        sa.select(sa.func.max(TimelineEvent.effective_on)).where(
            TimelineEvent.pupil_id == pupil.id, TimelineEvent.kind.not_in((LEFT_EVENT, UNDONE_EVENT))
        )
    )


def leaving_reason(choice: str | None, detail: str | None) -> str:
    """The reason as stored: the chosen reason, with the detail typed after it; for "other", the
    detail alone. Raises RuleBroken beside the field at fault."""
    detail = (detail or "").strip()
    if choice not in LEAVING_REASONS:
        raise RuleBroken("Select why the pupil left", field="reason")
    if choice == OTHER:
        if not detail:
            raise RuleBroken("Enter why the pupil left", field="detail")
        return detail
    return f"{LEAVING_REASONS[choice]}: {detail}" if detail else LEAVING_REASONS[choice]


def _audit(session: Session, action: str, actor: User, pupil: Pupil):
    """The audit of a change to the pupil's leaving: which fields changed, never their values."""
    return audit.record(
        session,
        action,
        actor=actor,
        pupil=pupil,
        object_type="pupil",
        object_id=pupil.id,
        details={"fields": ["left_on", "leaving_reason"]},
    )


@dataclass(frozen=True)
class LeavingDetails:
    """A leaving as the form gives it: the first day off the roll, the reason chosen and its detail."""

    left_on: date
    reason: str | None
    detail: str | None


def leave_roll(session: Session, *, actor: User, pupil: Pupil, details: LeavingDetails, today: date) -> None:
    """`record_leaving` with the details of the leaving form."""
    return record_leaving(session, actor=actor, pupil=pupil, today=today, **asdict(details))


def record_leaving(
    session: Session,
    *,
    actor: User,
    pupil: Pupil,
    left_on: date,
    reason: str | None,
    detail: str | None,
    today: date,
    entered: datetime | None = None,
) -> None:
    """Record that the pupil leaves the roll on `left_on` (their first day no longer on it);
    `entered` is when it was typed (now, unless the demo dates it).

    Refused (RuleBroken) when a leaving is already recorded; the date is on or before admission,
    on or before the date of the pupil's latest record, or more than 31 days ahead; or no reason
    is given.
    """
    if pupil.left_on is not None:
        raise RuleBroken(f"A leaving on {pupil.left_on:%d/%m/%Y} is already recorded", field="left_on")
    latest_day = today + timedelta(days=MOST_DAYS_AHEAD)
    if left_on > latest_day:
        raise RuleBroken(
            f"The leaving date can be at most {MOST_DAYS_AHEAD} days ahead ({latest_day:%d/%m/%Y})", field="left_on"
        )
    if pupil.admitted_on is not None and left_on <= pupil.admitted_on:
        raise RuleBroken(
            f"The leaving date must be after the pupil was admitted ({pupil.admitted_on:%d/%m/%Y})", field="left_on"
        )
    latest = latest_record_date(session, pupil)
    if latest is not None and left_on <= latest:
        raise RuleBroken(
            f"The pupil has a record dated {latest:%d/%m/%Y}: the leaving date must be after it", field="left_on"
        )
    text = leaving_reason(reason, detail)
    at = entered or now()
    pupil.left_on = left_on
    pupil.leaving_reason = text
    pupil.updated_at = at
    session.flush()
    event = add_event(
        session,
        pupil=pupil,
        kind=LEFT_EVENT,
        title=timeline.LEFT_THE_ROLL,
        effective_on=left_on,
        actor=actor,
        detail=text,
    )
    event.recorded_at = at
    _audit(session, "pupil_left", actor, pupil).occurred_at = at
    settle_tasks(session, today, pupil_ids=[pupil.id])  # from the leaving date, the pupil's tasks are no longer needed


def undo_leaving(session: Session, *, actor: User, pupil: Pupil, today: date) -> None:
    """Put the pupil back on the roll: the leaving was recorded by mistake. Refused when none is
    recorded, or when another pupil now on the school's roll holds the pupil's UPN."""
    if pupil.left_on is None:
        raise RuleBroken("No leaving is recorded for this pupil")
    if upn_on_roll_clash(session, school_id=pupil.school_id, upn=pupil.upn, pupil_id=pupil.id):
        raise RuleBroken("Another pupil on the school's roll has this pupil's UPN: correct that record first")
    was = pupil.left_on
    pupil.left_on = None
    pupil.leaving_reason = None
    pupil.updated_at = now()
    session.flush()
    add_event(
        session,
        pupil=pupil,
        kind=UNDONE_EVENT,
        title=timeline.LEAVING_UNDONE,
        effective_on=today,
        actor=actor,
        detail=f"The leaving on {was:%d/%m/%Y} was withdrawn",
    )
    _audit(session, "leaving_undone", actor, pupil)
    reopen_after_leaving_undone(session, pupil.id, today)
