"""Pupils leaving the school's roll: the leaving date (the first day the pupil is no longer on the
roll), the reason and, where known, the destination school, and undoing a leaving recorded by
mistake.

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
from sentrack.models import Pupil, School, TimelineEvent, User
from sentrack.workflows import RuleBroken, timeline
from sentrack.workflows.fulfilment import reopen_after_leaving_undone, settle_tasks
from sentrack.workflows.pupils import PUPIL_LABELS, upn_on_roll_clash
from sentrack.workflows.revisions import begin_edit, check_version, display, finish_edit
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

MOVED_SCHOOL = "moved_school"
# A destination typed in: the school's numbers as the DfE gives them.
URN_DIGITS, LA_DIGITS, ESTAB_DIGITS = 6, 3, 4
DESTINATION_FIELDS = ["destination_name", "destination_urn", "destination_la", "destination_estab"]
# What a conflicting save of the next school lists, beside the pupil's details, with the form's labels.
DESTINATION_LABELS = {
    "destination_name": "Name of the school",
    "destination_urn": "URN",
    "destination_la": "LA number",
    "destination_estab": "Establishment number",
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


def _audit(session: Session, action: str, actor: User, pupil: Pupil, fields: list[str]):
    """The audit of a change to the pupil's leaving: which fields changed, never their values."""
    return audit.record(
        session, action, actor=actor, pupil=pupil, object_type="pupil", object_id=pupil.id, details={"fields": fields}
    )


@dataclass(frozen=True)
class Destination:
    """The school a pupil went to: its name and its URN or its LA and establishment numbers (any
    of them may be unknown)."""

    name: str | None = None
    urn: str | None = None
    la: str | None = None
    estab: str | None = None


@dataclass(frozen=True)
class TypedSchool:
    """A destination school as typed into the leaving form: a school of this SEN Track chosen by its
    id, or a name with its numbers typed in."""

    school_id: int | None = None
    name: str | None = None
    urn: str | None = None
    la: str | None = None
    estab: str | None = None

    @property
    def typed(self) -> bool:
        return any(_clean(value) for value in (self.name, self.urn, self.la, self.estab))


@dataclass(frozen=True)
class LeavingDetails:
    """A leaving as the form gives it: the first day off the roll, the reason chosen and its detail,
    and the destination school."""

    left_on: date
    reason: str | None
    detail: str | None
    destination: TypedSchool = TypedSchool()


def _clean(value: str | None) -> str | None:
    """A typed value without its spaces, or None when blank."""
    value = "".join((value or "").split())
    return value or None


def _digits(value: str | None, count: int, what: str, field: str) -> str | None:
    value = _clean(value)
    if value is not None and not (value.isascii() and value.isdigit() and len(value) == count):
        raise RuleBroken(f"{what} must be {count} digits", field=field)
    return value


def destination_of(session: Session, school_id: int, typed: TypedSchool) -> Destination | None:
    """The destination school of a pupil leaving the school with `school_id`: a school of this SEN
    Track chosen from the list (another school than theirs), or one typed in (its name, with a
    URN of 6 digits or an LA number of 3 digits and an establishment number of 4); None when not
    known. Raises RuleBroken beside the field at fault."""
    if typed.school_id is not None:
        if typed.typed:
            raise RuleBroken("Choose a school from the list or type its details, not both", field="destination_name")
        school = session.get(School, typed.school_id)
        if school is None or school.id == school_id:
            raise RuleBroken("Choose a school from the list", field="destination")
        return Destination(name=school.name, urn=school.urn, la=school.local_authority.code, estab=school.estab_number)
    if not typed.typed:
        return None
    name = " ".join((typed.name or "").split()) or None
    if name is None:
        raise RuleBroken("Enter the name of the school the pupil moved to", field="destination_name")
    urn = _digits(typed.urn, URN_DIGITS, "The URN", "destination_urn")
    la = _digits(typed.la, LA_DIGITS, "The LA number", "destination_la")
    estab = _digits(typed.estab, ESTAB_DIGITS, "The establishment number", "destination_estab")
    if la is not None and estab is None:
        raise RuleBroken("Enter the establishment number with the LA number", field="destination_estab")
    if estab is not None and la is None:
        raise RuleBroken("Enter the LA number with the establishment number", field="destination_la")
    return Destination(name=name, urn=urn, la=la, estab=estab)


def leave_roll(session: Session, *, actor: User, pupil: Pupil, details: LeavingDetails, today: date) -> None:
    """`record_leaving` with the details of the leaving form."""
    fields = asdict(details)
    fields.pop("destination")
    destination = destination_of(session, pupil.school_id, details.destination)
    return record_leaving(session, actor=actor, pupil=pupil, today=today, destination=destination, **fields)


def _set_destination(pupil: Pupil, destination: Destination) -> None:
    pupil.destination_name = destination.name
    pupil.destination_urn = destination.urn
    pupil.destination_la = destination.la
    pupil.destination_estab = destination.estab


def record_leaving(
    session: Session,
    *,
    actor: User,
    pupil: Pupil,
    left_on: date,
    reason: str | None,
    detail: str | None,
    today: date,
    destination: Destination | None = None,
    entered: datetime | None = None,
) -> None:
    """Record that the pupil leaves the roll on `left_on` (their first day no longer on it), to
    `destination` when it is known; `entered` is when it was typed (now, unless the demo dates it).

    Refused (RuleBroken) when a leaving is already recorded; the date is on or before admission,
    on or before the date of the pupil's latest record, or more than 31 days ahead; or no reason
    is given.
    """
    if pupil.left_on is not None:
        raise RuleBroken(f"A leaving on {display(pupil.left_on)} is already recorded", field="left_on")
    latest_day = today + timedelta(days=MOST_DAYS_AHEAD)
    if left_on > latest_day:
        raise RuleBroken(
            f"The leaving date can be at most {MOST_DAYS_AHEAD} days ahead ({display(latest_day)})", field="left_on"
        )
    if pupil.admitted_on is not None and left_on <= pupil.admitted_on:
        raise RuleBroken(
            f"The leaving date must be after the pupil was admitted ({display(pupil.admitted_on)})", field="left_on"
        )
    latest = latest_record_date(session, pupil)
    if latest is not None and left_on <= latest:
        raise RuleBroken(
            f"The pupil has a record dated {display(latest)}: the leaving date must be after it", field="left_on"
        )
    text = leaving_reason(reason, detail)
    at = entered or now()
    pupil.left_on = left_on
    pupil.leaving_reason = text
    _set_destination(pupil, destination or Destination())
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
    fields = ["left_on", "leaving_reason"] + (DESTINATION_FIELDS if destination else [])
    _audit(session, "pupil_left", actor, pupil, fields).occurred_at = at
    settle_tasks(session, today, pupil_ids=[pupil.id])  # from the leaving date, the pupil's tasks are no longer needed


def undo_leaving(session: Session, *, actor: User, pupil: Pupil, today: date) -> None:
    """Put the pupil back on the roll: the leaving was recorded by mistake, with its destination.
    Refused when none is recorded, or when another pupil now on the school's roll holds the
    pupil's UPN."""
    if pupil.left_on is None:
        raise RuleBroken("No leaving is recorded for this pupil")
    if upn_on_roll_clash(session, school_id=pupil.school_id, upn=pupil.upn, pupil_id=pupil.id):
        raise RuleBroken("Another pupil on the school's roll has this pupil's UPN: correct that record first")
    was = pupil.left_on
    pupil.left_on = None
    pupil.leaving_reason = None
    had_destination = any(getattr(pupil, field) for field in DESTINATION_FIELDS)
    _set_destination(pupil, Destination())
    pupil.updated_at = now()
    session.flush()
    add_event(
        session,
        pupil=pupil,
        kind=UNDONE_EVENT,
        title=timeline.LEAVING_UNDONE,
        effective_on=today,
        actor=actor,
        detail=f"The leaving on {display(was)} was withdrawn",
    )
    fields = ["left_on", "leaving_reason"] + (DESTINATION_FIELDS if had_destination else [])
    _audit(session, "leaving_undone", actor, pupil, fields)
    reopen_after_leaving_undone(session, pupil.id, today)


def record_destination(
    session: Session, *, actor: User, pupil: Pupil, details: TypedSchool, expected_version: int | None = None
) -> list[str]:
    """Record the school a pupil with a leaving recorded moved to, learnt after the leaving (so
    that their SEN file can be sent on): chosen from this SEN Track's schools or typed in, checked
    as the leaving form checks it (`destination_of`). The one change made to the record of a pupil
    who left, and only to the destination: versioned (EditConflict when someone else saved the
    pupil after `expected_version`) and audited with the fields that changed. Returns them.
    Refused (RuleBroken) for a pupil with no leaving recorded, or when no school is given."""
    if pupil.left_on is None:
        raise RuleBroken("No leaving is recorded for this pupil: record the leaving, with the school, first")
    labels = PUPIL_LABELS | DESTINATION_LABELS
    check_version(session, "pupil", pupil, labels, expected_version)
    destination = destination_of(session, pupil.school_id, details)
    if destination is None:
        raise RuleBroken("Choose the school the pupil moved to, or type its details", field="destination")
    changed = [field for field in DESTINATION_FIELDS if getattr(pupil, field) != getattr(destination, field[12:])]
    if not changed:
        return []
    begin_edit(session, "pupil", pupil, labels, expected_version)
    _set_destination(pupil, destination)
    pupil.updated_at = now()
    finish_edit(session, "pupil", pupil, labels, actor)
    _audit(session, "destination_recorded", actor, pupil, changed)
    session.flush()
    return changed
