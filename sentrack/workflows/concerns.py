"""Concerns about a pupil. There is no monitoring list (guide, point 4): a concern must end in an
assessment or a reasoned 'no further action' within the school's deadline."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import AreaOfNeed, Concern, ConcernStatus, Pupil, User
from sentrack.workflows import RuleBroken, timeline
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.revisions import begin_edit, check_version, display, finish_edit
from sentrack.workflows.timeline import add_event

# A concern is decided once: two people deciding it at once are told of each other.
CONCERN_FIELDS = {
    "status": "Decision",
    "decided_on": "Date of the decision",
    "decision_note": "Reason",
}


def raise_concern(
    session: Session,
    *,
    actor: User,
    pupil: Pupil,
    raised_on: date,
    area_of_need: AreaOfNeed | None,
    description: str,
    today: date,
) -> Concern:
    """Record a concern, due for a decision `concern_deadline_days` after it was raised.

    Refused when the date is in the future, or before the pupil was born.
    """
    if raised_on > today:
        raise RuleBroken("The date the concern was raised cannot be in the future", field="raised_on")
    if raised_on < pupil.date_of_birth:
        raise RuleBroken("The date cannot be before the pupil was born", field="raised_on")
    if not description.strip():
        raise RuleBroken("Describe the concern", field="description")
    concern = Concern(
        pupil=pupil,
        raised_by_id=actor.id,
        raised_on=raised_on,
        area_of_need=area_of_need,
        description=description.strip(),
        deadline=raised_on + timedelta(days=pupil.school.concern_deadline_days),
        status=ConcernStatus.OPEN,
    )
    session.add(concern)
    session.flush()
    add_event(
        session,
        pupil=pupil,
        kind="concern_raised",
        title=timeline.concern_raised(area_of_need),
        effective_on=raised_on,
        actor=actor,
        detail=f"Decision due by {display(concern.deadline)}",
    )
    audit.record(session, "concern_raised", actor=actor, pupil=pupil, object_type="concern", object_id=concern.id)
    settle_tasks(session, today, pupil_ids=[pupil.id])  # the record kept current
    return concern


def decide_no_further_action(
    session: Session,
    *,
    actor: User,
    concern: Concern,
    reason: str,
    decided_on: date,
    today: date,
    expected_version: int | None = None,
) -> None:
    """Close an open concern with a reasoned decision to take no further action.

    Refused when the concern is already decided, the reason is empty, or the date is in the
    future or before the concern was raised.
    """
    check_version(session, "concern", concern, CONCERN_FIELDS, expected_version)
    if concern.status is not ConcernStatus.OPEN:
        raise RuleBroken("This concern has already been decided")
    if not reason.strip():
        raise RuleBroken("Give the reason no further action is needed", field="reason")
    if decided_on > today:
        raise RuleBroken("The date of the decision cannot be in the future", field="decided_on")
    if decided_on < concern.raised_on:
        raise RuleBroken("The decision cannot be before the concern was raised", field="decided_on")
    begin_edit(session, "concern", concern, CONCERN_FIELDS, expected_version)
    concern.status = ConcernStatus.NO_FURTHER_ACTION
    concern.decided_on = decided_on
    concern.decided_by_id = actor.id
    concern.decision_note = reason.strip()
    finish_edit(session, "concern", concern, CONCERN_FIELDS, actor)
    add_event(
        session,
        pupil=concern.pupil,
        kind="concern_decided",
        title=timeline.CONCERN_CLOSED,
        effective_on=decided_on,
        actor=actor,
        detail=reason.strip(),
    )
    decision = {"decision": concern.status.value}
    audit.record(session, "concern_decided", actor=actor, pupil=concern.pupil, about=concern, details=decision)
    settle_tasks(session, today, pupil_ids=[concern.pupil_id])


@dataclass(frozen=True)
class ConcernDetails:
    """A concern as the form gives it: when it was noticed, the area of need if known, and what."""

    raised_on: date
    area_of_need: AreaOfNeed | None
    description: str


def record_concern(session: Session, *, actor: User, pupil: Pupil, details: ConcernDetails, today: date) -> Concern:
    """`raise_concern` with the details of the concern form."""
    return raise_concern(session, actor=actor, pupil=pupil, today=today, **asdict(details))
