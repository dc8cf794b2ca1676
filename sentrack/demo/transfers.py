"""Pupils arriving at the demo school from another school of the demo authority: one waiting for
the previous school's SENCO to confirm, and (when the authority has another school of the demo
school's phase) one confirmed earlier, whose record at the demo school is linked to the old one,
with the SEN history copied.

The confirmed transfer's new record is one of the demo school's pupils, given the identity of a
pupil who left the other school for it (the same UPN, names and date of birth), so that the demo
holds exactly the pupils it was asked for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.demo.context import DemoContext
from sentrack.demo.mis import applied_at, import_days, school_admin
from sentrack.demo.roll import SchoolRoll, latest_records
from sentrack.models import Contact, Provision, Pupil, PupilTransfer, School, SenStatus, TransferStatus, User
from sentrack.workflows.roll import LEAVING_REASONS
from sentrack.workflows.transfers import copy_history

# The census code of each relationship the demo's contacts have.
RELATIONSHIP_CODES = {
    "Mother": "PAM",
    "Father": "PAF",
    "Step-mother": "STM",
    "Step-father": "STF",
    "Grandmother": "FAM",
    "Grandfather": "FAM",
    "Aunt": "FAM",
    "Carer": "CAR",
    "Foster carer": "CAR",
}
# The pupil's details copied from an arriving pupil's old record to their new one.
IDENTITY = ("upn", "first_name", "last_name", "preferred_name", "preferred_last_name", "sex", "date_of_birth")


@dataclass
class Arrivals:
    """The transfers made, for the imports that started them."""

    awaiting: PupilTransfer | None = None
    confirmed: PupilTransfer | None = None


def add_transfers(
    session: Session, context: DemoContext, rng: random.Random, rolls: list[SchoolRoll], schools: list[School]
) -> Arrivals:
    """The transfers to the demo school (`schools[0]`), from the other school of its phase where
    the authority has one, else from its second school."""
    demo_school = schools[0]
    others = [s for s in schools[1:] if s.phase is demo_school.phase] or schools[1:2]
    if not others:
        return Arrivals()
    previous = others[0]
    previous_senco = session.get(User, next(r.senco_id for r in rolls if r.school_id == previous.id))
    admin = school_admin(session, demo_school.id)
    earlier_day, recent_day = import_days(context.today)
    arrivals = Arrivals()
    if previous.phase is demo_school.phase:
        found_on = (earlier_day, recent_day)
        arrivals.confirmed = _confirmed(session, rng, previous, demo_school, (admin, previous_senco), found_on)
    arrivals.awaiting = _awaiting(session, rng, previous, demo_school, admin, recent_day)
    context.summary.transfers_confirmed += arrivals.confirmed is not None
    context.summary.transfers_awaiting += arrivals.awaiting is not None
    return arrivals


def details_of(session: Session, pupil: Pupil, *, admitted_on) -> dict:
    """The pupil's details as the receiving school's import holds them, to make the new record from."""
    contacts = session.scalars(sa.select(Contact).where(Contact.pupil_id == pupil.id).order_by(Contact.priority)).all()
    return {
        "upn": pupil.upn,
        "first_name": pupil.first_name,
        "last_name": pupil.last_name,
        "preferred_name": pupil.preferred_name,
        "preferred_last_name": pupil.preferred_last_name,
        "date_of_birth": pupil.date_of_birth.isoformat(),
        "sex": pupil.sex,
        "year_group": pupil.year_group,
        "admitted_on": admitted_on.isoformat(),
        "former_upn": pupil.former_upn,
        "contacts": [
            {
                "name": contact.name,
                "relationship_to_pupil": contact.relationship_to_pupil,
                "relationship_code": RELATIONSHIP_CODES.get(contact.relationship_to_pupil),
                "parental_responsibility": contact.parental_responsibility,
                "phones": [list(number) for number in contact.phone_numbers],
                "email": contact.email,
                "address": contact.address,
            }
            for contact in contacts
        ],
    }


def _awaiting(
    session: Session, rng: random.Random, previous: School, school: School, admin: User, day
) -> PupilTransfer | None:
    """A pupil still on the previous school's roll, in its youngest year (on SEN support where one
    is), whom the demo school's MIS admitted on the day of the latest import."""
    youngest = sa.select(sa.func.min(Pupil.year_group)).where(Pupil.school_id == previous.id).scalar_subquery()
    pupils = session.scalars(
        sa.select(Pupil)
        .where(Pupil.school_id == previous.id, Pupil.left_on.is_(None), Pupil.year_group == youngest)
        .order_by(Pupil.id)
    ).all()
    on_support = set(
        session.scalars(
            sa.select(SenStatus.pupil_id).where(
                SenStatus.end_date.is_(None), SenStatus.provision == Provision.SEN_SUPPORT
            )
        )
    )
    choices = [p for p in pupils if p.id in on_support] or list(pupils)
    if not choices:
        return None
    pupil = rng.choice(choices)
    transfer = PupilTransfer(
        from_pupil_id=pupil.id,
        to_school_id=school.id,
        details=details_of(session, pupil, admitted_on=day),
        status=TransferStatus.AWAITING,
        requested_by_id=admin.id,
        requested_at=applied_at(day),
    )
    session.add(transfer)
    return transfer


def _confirmed(
    session: Session,
    rng: random.Random,
    previous: School,
    school: School,
    people: tuple[User, User],
    found_on: tuple[date, date],
) -> PupilTransfer | None:
    """A pupil who left the previous school for another school, arrived at the demo school the
    day they left, was found by the first import after it (of the days `found_on`), and was
    confirmed by the previous school's SENCO the next morning: the new record takes a demo pupil
    of the same year with nothing recorded yet. `people` are the demo school's administrator and
    the previous school's SENCO."""
    admin, senco = people
    old = session.scalars(
        sa.select(Pupil)
        .where(
            Pupil.school_id == previous.id,
            Pupil.left_on <= found_on[-1],
            Pupil.leaving_reason.startswith(LEAVING_REASONS["moved_school"]),
            # Not on an EHC plan: the plan's records stay with the authority's plan, not copied.
            ~sa.exists().where(
                SenStatus.pupil_id == Pupil.id,
                SenStatus.end_date.is_(None),
                SenStatus.provision == Provision.EHC_PLAN,
            ),
        )
        .order_by(Pupil.id)
    ).first()
    if old is None:
        return None
    day = next(found for found in found_on if found >= old.left_on)
    recorded = latest_records(session, school.id)
    blank = session.scalars(
        sa.select(Pupil)
        .where(Pupil.school_id == school.id, Pupil.left_on.is_(None), Pupil.year_group == old.year_group)
        .order_by(Pupil.id)
    ).all()
    blank = [p for p in blank if p.id not in recorded]
    if not blank:
        return None
    new = rng.choice(blank)
    confirmed_at = datetime.combine(day + timedelta(days=1), time(10, 5), tzinfo=UTC)
    _take_identity(session, new, old, confirmed_at)
    copy_history(session, actor=senco, old=old, new=new, at=confirmed_at)
    old.destination_name, old.destination_urn = school.name, school.urn
    old.destination_la, old.destination_estab = school.local_authority.code, school.estab_number
    transfer = PupilTransfer(
        from_pupil_id=old.id,
        to_school_id=school.id,
        to_pupil_id=new.id,
        details=details_of(session, new, admitted_on=new.admitted_on),
        status=TransferStatus.CONFIRMED,
        requested_by_id=admin.id,
        requested_at=applied_at(day),
        decided_by_id=senco.id,
        decided_at=confirmed_at,
    )
    session.add(transfer)
    return transfer


def _take_identity(session: Session, new: Pupil, old: Pupil, at: datetime) -> None:
    """The new record as the transfer makes it: the old record's details and contacts, admitted
    on the day the pupil left the old school, linked to the old record."""
    for name in IDENTITY:
        setattr(new, name, getattr(old, name))
    new.former_upn = old.former_upn
    new.admitted_on = old.left_on
    new.previous_pupil_id = old.id
    new.created_at = new.updated_at = at
    theirs = session.scalars(sa.select(Contact).where(Contact.pupil_id == old.id).order_by(Contact.priority)).all()
    ours = session.scalars(sa.select(Contact).where(Contact.pupil_id == new.id).order_by(Contact.priority)).all()
    for mine, copied in zip(ours, theirs, strict=False):
        for name in ("name", "relationship_to_pupil", "parental_responsibility", "phone_numbers", "email", "address"):
            setattr(mine, name, getattr(copied, name))
