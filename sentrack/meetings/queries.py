"""Page queries of meetings with parents and the settings: the records a page opens, within the
pupil or the school it was reached through."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import ParentMeeting, Pupil, School, SchoolTerm


def pupil_meeting(session: Session, pupil: Pupil, meeting_id: int, *, held: bool) -> ParentMeeting | None:
    """The pupil's meeting with parents `meeting_id`, held (or only planned); None otherwise."""
    return session.scalar(
        sa.select(ParentMeeting).where(
            ParentMeeting.id == meeting_id,
            ParentMeeting.pupil_id == pupil.id,
            ParentMeeting.held_on.is_not(None) if held else ParentMeeting.held_on.is_(None),
        )
    )


def school_term(session: Session, school: School, term_id: int) -> SchoolTerm | None:
    """The school's own dates for a term; None for another school's."""
    return session.scalar(sa.select(SchoolTerm).where(SchoolTerm.id == term_id, SchoolTerm.school_id == school.id))
