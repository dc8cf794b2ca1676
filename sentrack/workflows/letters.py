"""Letters to parents: the formal notice that the school is making SEN provision (CFA 2014 s.68)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import ParentLetter, Pupil, User
from sentrack.workflows import RuleBroken, timeline
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.revisions import display
from sentrack.workflows.timeline import add_event


def mark_letter_sent(session: Session, *, actor: User, letter: ParentLetter, pupil: Pupil, today: date) -> None:
    """Record that the letter went to parents today. Refused when it was sent already."""
    if letter.sent_on is not None:
        raise RuleBroken(f"This letter was already sent on {display(letter.sent_on)}")
    letter.sent_on = today
    letter.sent_by_id = actor.id
    add_event(
        session,
        pupil=pupil,
        kind="letter_sent",
        title=timeline.LETTER_SENT,
        effective_on=today,
        actor=actor,
    )
    audit.record(session, "letter_sent", actor=actor, pupil=pupil, object_type="parent_letter", object_id=letter.id)
    settle_tasks(session, today, pupil_ids=[pupil.id])
