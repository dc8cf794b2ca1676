"""The bank pages' queries: always of the signed-in SENCO's own school."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import OutcomeWording


def school_bank(session: Session, school_id: int) -> list[OutcomeWording]:
    """Every wording of the school's bank, offered ones first, by area of need and wording."""
    return list(
        session.scalars(
            sa.select(OutcomeWording)
            .where(OutcomeWording.school_id == school_id)
            .order_by(OutcomeWording.active.desc(), OutcomeWording.area_of_need, OutcomeWording.wording)
        )
    )


def wording_of(session: Session, school_id: int, wording_id: int) -> OutcomeWording | None:
    """The school's wording `wording_id`; None for one of another school."""
    return session.scalar(
        sa.select(OutcomeWording).where(OutcomeWording.id == wording_id, OutcomeWording.school_id == school_id)
    )
