"""The demo's requests for pupils' data, at the demo school: one open and due within days, one
answered, one extended by two months with its reason. Recorded through the app's workflow (each
audited as the SENCO's), for pupils chosen by their order on the roll: no random draw, so the rest
of the demo is the same with or without them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.demo.context import DemoContext
from sentrack.models import AccessKind, AccessStatus, Contact, Pupil, Requester, SenStatus, User
from sentrack.workflows import subject_access as flow
from sentrack.workflows.register import on_roll


@dataclass(frozen=True)
class DemoRequest:
    received_days_ago: int
    kind: AccessKind
    extended_after: int | None = None  # days after it was received
    answered_after: int | None = None
    reason: str | None = None


REQUESTS = (
    DemoRequest(24, AccessKind.SUBJECT_ACCESS),  # open: due within the week
    DemoRequest(75, AccessKind.SUBJECT_ACCESS, answered_after=26),
    DemoRequest(
        40,
        AccessKind.SUBJECT_ACCESS,
        extended_after=20,
        reason="The record runs over five years and two schools, with an EHC needs assessment to gather.",
    ),
)


def _pupils(session: Session, school_id: int, today: date, count: int) -> list[Pupil]:
    """Pupils on the roll with an SEN record, who have a parent or carer and were at the school
    before the earliest request was received, in the roll's order."""
    earliest = today - timedelta(days=max(spec.received_days_ago for spec in REQUESTS))
    return list(
        session.scalars(
            sa.select(Pupil)
            .where(
                Pupil.school_id == school_id,
                on_roll(today),
                sa.exists().where(SenStatus.pupil_id == Pupil.id),
                sa.exists().where(Contact.pupil_id == Pupil.id),
                sa.or_(Pupil.admitted_on.is_(None), Pupil.admitted_on <= earliest),
            )
            .order_by(Pupil.id)
            .limit(count)
        )
    )


def add_subject_access(session: Session, context: DemoContext, school_id: int, senco_id: int) -> int:
    """The demo school's requests (`REQUESTS`); returns how many."""
    today = context.today
    senco = session.get(User, senco_id)
    made = 0
    for spec, pupil in zip(REQUESTS, _pupils(session, school_id, today, len(REQUESTS)), strict=False):
        received = today - timedelta(days=spec.received_days_ago)
        asker = pupil.contacts[0].name
        details = flow.RequestDetails(pupil, spec.kind, asker, Requester.PARENT, received)
        request = flow.record_request(session, actor=senco, details=details, today=received)
        if spec.extended_after is not None:
            on = received + timedelta(days=spec.extended_after)
            flow.extend_request(session, actor=senco, request=request, reason=spec.reason, today=on)
        if spec.answered_after is not None:
            on = received + timedelta(days=spec.answered_after)
            flow.close_request(session, actor=senco, request=request, status=AccessStatus.ANSWERED, on=on, today=today)
        made += 1
    return made
