"""A pupil's passport read: the member of staff who teaches or supports a pupil on the SEN register
says "I have read it" (the needs are made known to everyone likely to teach or support the pupil),
which closes their task to read it."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import PassportRead, Pupil, SenStatus, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.register import register_status


def mark_passport_read(session: Session, *, actor: User, pupil: Pupil, today: date) -> PassportRead:
    """Record that `actor` has read the passport of `pupil` as it stands under the pupil's SEN
    status today. Reading it again answers with the first record. Refused when the pupil is not on
    the SEN register."""
    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id, register_status(today)))
    if status is None:
        raise RuleBroken("The pupil is not on the SEN register: there is no passport to read")
    found = session.scalar(
        sa.select(PassportRead).where(
            PassportRead.pupil_id == pupil.id, PassportRead.user_id == actor.id, PassportRead.sen_status_id == status.id
        )
    )
    if found is not None:
        return found
    found = PassportRead(pupil_id=pupil.id, user_id=actor.id, sen_status_id=status.id, read_on=today)
    session.add(found)
    session.flush()
    audit.record(session, "passport_read", actor=actor, pupil=pupil, object_type="passport_read", object_id=found.id)
    settle_tasks(session, today, pupil_ids=[pupil.id])
    return found
