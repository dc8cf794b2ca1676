"""Concerns about a pupil. There is no monitoring list (guide, point 4): a concern must end in an
assessment or a reasoned 'no further action' within the school's deadline."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import AreaOfNeed, Concern, ConcernStatus, Pupil, User
from sentrack.workflows import RuleBroken


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
    audit.record(session, "concern_raised", actor=actor, pupil=pupil, object_type="concern", object_id=concern.id)
    session.flush()
    return concern
