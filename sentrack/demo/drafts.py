"""The demo's drafts: the SENCO of the demo school was typing a review yesterday afternoon and
did not save it, so the review form offers what they typed back (`sentrack.workflows.drafts`)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.clock import SCHOOL_TIME as LONDON
from sentrack.demo.context import DemoContext
from sentrack.models import CycleState, Draft, Pupil, Review, SupportCycle
from sentrack.workflows.drafts import form_key

TYPED_AT = time(16, 40)  # yesterday, after school
REVIEW_TYPED = {
    "attendees": ["SENCO, class teacher, mother"],
    "pupil_views": ["Likes the small group best. Finds the long writing tasks tiring by the afternoon."],
    "parent_views": ["Sees more confidence at home; would like the reading book sent home twice a week."],
    "provision_impact": ["Reading age up five months since the plan began; the spelling group"],
}


def add_drafts(session: Session, context: DemoContext, school_id: int, senco_id: int) -> int:
    """A draft of the review of one cycle at review at the school, the SENCO's; returns how many."""
    found = session.execute(
        sa.select(Pupil.public_id, SupportCycle.number, Review.version)
        .join(SupportCycle, SupportCycle.pupil_id == Pupil.id)
        .join(Review, Review.cycle_id == SupportCycle.id)
        .where(Pupil.school_id == school_id, SupportCycle.state == CycleState.REVIEW)
        .order_by(SupportCycle.id)
        .limit(1)
    ).first()
    if found is None:
        return 0
    yesterday = context.today - timedelta(days=1)
    held = [str(yesterday.day), str(yesterday.month), str(yesterday.year)]
    session.add(
        Draft(
            user_id=senco_id,
            form_key=form_key("cycles.review", {"public_id": found.public_id, "number": found.number}),
            # The version of the review it was typed over, as the form carries it.
            fields={"version": [str(found.version or 0)], "held_on": held, "parent_attended": ["y"], **REVIEW_TYPED},
            saved_at=datetime.combine(yesterday, TYPED_AT, tzinfo=LONDON),
        )
    )
    session.flush()
    return 1
