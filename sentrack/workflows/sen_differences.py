"""The SENCO's decision on an SEN history imported from a Common Transfer File that differs from
the school's own record: accept it (the school's open status is closed and one opened from the
file's values, through the SEN status workflow, so that every rule of a change of status holds),
or keep the school's record (the same values imported again are not set aside again). Once
decided, a difference is decided for good."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.clock import now
from sentrack.models import DifferenceStatus, SenDifference, SenStatus, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.sen_status import change_sen_status

ALREADY = {
    DifferenceStatus.ACCEPTED: "This difference was already accepted: the pupil's SEN status was taken from the file",
    DifferenceStatus.KEPT: "This difference was already decided: the school's record was kept",
}


def _claim(session: Session, actor: User, difference: SenDifference, status: DifferenceStatus) -> None:
    """Decide the difference with one conditional update, so that of two decisions made at once
    (a double click, or two SENCOs) one is taken and the other refused."""
    claimed = session.execute(
        sa.update(SenDifference)
        .where(SenDifference.id == difference.id, SenDifference.status == DifferenceStatus.OPEN)
        .values(status=status, decided_by_id=actor.id, decided_at=now())
        .execution_options(synchronize_session=False)
    )
    session.refresh(difference)
    if claimed.rowcount != 1:
        raise RuleBroken(ALREADY[difference.status])


def start_date_for(session: Session, difference: SenDifference, today: date) -> date:
    """When the file's status starts in SEN Track: the file's start date, unless that is not after
    the school's open status began (or the file gives none): then today."""
    begun = session.scalar(
        sa.select(SenStatus.start_date).where(SenStatus.pupil_id == difference.pupil_id, SenStatus.end_date.is_(None))
    )
    start = difference.start_date or today
    if begun is not None and start <= begun:
        start = today
    if difference.pupil.admitted_on is not None and start < difference.pupil.admitted_on:
        start = today
    return min(start, today)


def accept_difference(session: Session, *, actor: User, difference: SenDifference, today: date) -> SenStatus:
    """Take the file's SEN for the pupil: the open status closes the day before, and one opens with
    the file's provision and needs. Refused when already decided, or when the change breaks a rule
    of SEN status (`change_sen_status`: then nothing is decided)."""
    _claim(session, actor, difference, DifferenceStatus.ACCEPTED)
    status = change_sen_status(
        session,
        actor=actor,
        pupil=difference.pupil,
        provision=difference.provision,
        primary_need=difference.primary_need,
        secondary_need=difference.secondary_need,
        start_date=start_date_for(session, difference, today),
        reason=f"Taken from the Common Transfer File {difference.batch.file_name}",
        today=today,
    )
    audit.record(session, "sen_difference_accepted", actor=actor, pupil=difference.pupil, about=difference)
    return status


def keep_school_record(session: Session, *, actor: User, difference: SenDifference, today: date) -> None:
    """Keep the school's SEN record as it is: the file's values, imported again, are not set aside
    again. Refused when already decided."""
    _claim(session, actor, difference, DifferenceStatus.KEPT)
    audit.record(session, "sen_difference_kept", actor=actor, pupil=difference.pupil, about=difference)
