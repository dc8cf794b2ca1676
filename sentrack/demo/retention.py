"""Retention at the demo school: two pupils who left long ago, one whose SEN file is past its
retention date (listed for destruction, with the SENCO's task from today's sweep) and one whose
record a legal hold keeps; and a destruction the SENCO approved earlier in the term, in the log.

Added by the demo command once the demo is built (`sentrack.demo.cli`), not by `build_demo`:
the built demo's pupils are all of this school year's roll and its leavers, as its tests check.
Fixed choices, no random draws: the demo's other records are drawn as before."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.demo.upn import UpnAllocator
from sentrack.models import (
    ContactMethod,
    DestructionLog,
    LegalHold,
    NeedType,
    Provision,
    Pupil,
    Role,
    RoleAssignment,
    School,
    SenStatus,
    User,
)
from sentrack.models.pupils import Contact
from sentrack.workflows.destruction import AUDIT_KEPT

FORMER_ESTABLISHMENT = 7999  # as if another school of the authority had allocated their UPNs
HOLD_REASON = (
    "A claim by the family's solicitor about the support given in Year 6: keep the whole file "
    "until the claim is settled."
)


def _former_pupil(session: Session, school_id: int, upns: UpnAllocator, first: str, last: str, born: date) -> Pupil:
    """A pupil who left at the end of Year 6, some twenty years ago, with a parent's contact."""
    left_on = date(born.year + 12, 7, 22)
    pupil = Pupil(
        school_id=school_id,
        upn=upns.allocate(FORMER_ESTABLISHMENT, born.year + 5),
        first_name=first,
        last_name=last,
        date_of_birth=born,
        year_group=6,
        admitted_on=date(born.year + 4, 9, 3),
        left_on=left_on,
        leaving_reason="Moved on to secondary school",
    )
    session.add(pupil)
    session.flush()
    session.add(
        Contact(
            pupil_id=pupil.id,
            name=f"Parent of {first}",
            relationship_to_pupil="Mother",
            parental_responsibility=True,
            phone="07700 900456",
            preferred_contact=ContactMethod.PHONE,
            priority=1,
        )
    )
    return pupil


def add_retention(session: Session, *, today: date, la_code: str) -> int:
    """At the demo school (the first), the two former pupils, the hold and the log entry, by its
    SENCO; returns how many pupils were added. Flushes."""
    school = session.scalar(sa.select(School).order_by(School.id).limit(1))
    senco = session.scalar(
        sa.select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(User.school_id == school.id, RoleAssignment.role == Role.SENCO)
        .order_by(User.id)
        .limit(1)
    )
    upns = UpnAllocator(la_code)
    # An SEN file: on SEN support in Years 4 to 6, born 33 years ago, so kept until two years ago.
    past = _former_pupil(session, school.id, upns, "Callum", "Whitfield", date(today.year - 33, 4, 12))
    session.add(
        SenStatus(
            pupil_id=past.id,
            provision=Provision.SEN_SUPPORT,
            primary_need=NeedType.SPLD,
            start_date=date(past.left_on.year - 2, 9, 10),
            end_date=past.left_on,
            reason="Reading well below age despite catch-up support",
            recorded_by_id=senco.id,
        )
    )
    # A record of a pupil never on the register, past its 25 years, held while a claim is open.
    held = _former_pupil(session, school.id, upns, "Megan", "Ashworth", date(today.year - 27, 1, 30))
    placed = datetime.combine(today - timedelta(days=40), time(11, 15), tzinfo=UTC)
    hold = LegalHold(pupil_id=held.id, reason=HOLD_REASON, placed_by_id=senco.id, placed_at=placed)
    session.add(hold)
    session.flush()
    audit.record(session, "legal_hold_placed", actor=senco, pupil=held, about=hold).occurred_at = placed
    _add_log_entry(session, school.id, senco, today)
    session.flush()
    return 2


def _add_log_entry(session: Session, school_id: int, senco: User, today: date) -> None:
    """A destruction approved three weeks ago: an SEN file past its date, named by no child."""
    destroyed_at = datetime.combine(today - timedelta(days=21), time(14, 5), tzinfo=UTC)
    log = DestructionLog(
        school_id=school_id,
        record_kind="sen_file",
        reason="retention_ended",
        kept_until=date(today.year - 1, 3, 2),
        counts={
            "Timeline": 14,
            "Support plan outcomes": 6,
            "Assessments": 2,
            "Support plans": 2,
            "Reviews": 2,
            "Cycles of SEN support": 2,
            "SEN status history": 2,
            "Parents and carers": 2,
            "The pupil's details": 1,
            AUDIT_KEPT: 23,
        },
        approved_by_id=senco.id,
        approved_by_name=senco.full_name,
        destroyed_at=destroyed_at,
    )
    session.add(log)
    session.flush()
    event = audit.record(session, "records_destroyed", actor=senco, school_id=school_id, about=log)
    event.occurred_at = destroyed_at
