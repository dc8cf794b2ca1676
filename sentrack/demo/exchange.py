"""The demo's exchange with the school's MIS and with other schools, added once the leavers have
left: where the leavers went, the SEN files sent (or still to send) to their next school, the
CTFs imported from the demo school's MIS with the SEN provision they gave and the differences
waiting for the SENCO, pupils arriving from another school of the authority, and last July's
year-end rollover.

Rows are made directly with the exchange models (as the rest of the demo makes its records), from
a generator of their own seeded from the build's seed, so that the rest of the demo draws the same
data with them as without them. The leavings themselves go through the app's workflow
(`sentrack.demo.roll`, `sentrack.workflows.roll.record_leaving`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.demo.context import DemoContext
from sentrack.demo.dates import moment, school_days_after, school_days_before
from sentrack.demo.mis import add_mis_imports
from sentrack.demo.roll import SchoolRoll
from sentrack.demo.transfers import add_transfers
from sentrack.models import (
    CtfExport,
    ExportKind,
    Provision,
    Pupil,
    School,
    SenStatus,
    TeachingGroup,
    User,
    YearEnd,
)
from sentrack.workflows.ctf_format import file_name
from sentrack.workflows.roll import LEAVING_REASONS
from sentrack.workflows.upn import check_letter

# How many school days before today the demo school's SEN leavers left: the first has had its SEN
# file sent, the second is past the 15 school days the regulations allow, the third is due soon.
SEN_FILE_AIMS = (25, 17, 10)
EXPORTED_AFTER = 3  # school days after leaving that the SENCO downloaded the CTF; the pack a day later
FORMER_UPNS = 4  # pupils of the demo school whose temporary UPN the MIS still records

# Schools outside the demo authority, all made up: (name, LA number, establishment number, URN).
# LA numbers from 990 are given to no authority in England.
OUTSIDE_SCHOOLS = [
    ("Harbour View Primary School", "991", "2417", "990417"),
    ("St Aidan's Church of England Primary School", "992", "3306", "990306"),
    ("Northfield Community Primary School", "993", "2158", "990158"),
    ("Kingsmead Academy", "994", "4012", "990012"),
    ("Riverside Park School", "995", "7031", "990031"),  # a special school
]
SPECIAL_SCHOOL = OUTSIDE_SCHOOLS[-1]


@dataclass(frozen=True)
class Destination:
    name: str
    la: str
    estab: str
    urn: str

    @classmethod
    def of_school(cls, school: School) -> Destination:
        return cls(school.name, school.local_authority.code, school.estab_number or "", school.urn)

    def set_on(self, pupil: Pupil) -> None:
        pupil.destination_name = self.name
        pupil.destination_la, pupil.destination_estab, pupil.destination_urn = self.la, self.estab, self.urn


def add_exchange(session: Session, context: DemoContext, rolls: list[SchoolRoll]) -> None:
    """The exchange records of the authority whose schools are `rolls` (school 1 first)."""
    if not rolls:
        return
    rng = random.Random(f"{context.seed}-exchange")
    schools = [session.get(School, roll.school_id) for roll in rolls]
    for school in schools:
        context.summary.leavers_with_destination += _give_destinations(session, rng, school, schools)
    demo_school, demo_roll = schools[0], rolls[0]
    senco = session.get(User, demo_roll.senco_id)
    context.summary.ctf_exports += _add_exports(session, rng, demo_school, senco, context.today)
    _give_former_upns(session, rng, demo_school)
    arrivals = add_transfers(session, context, rng, rolls, schools)
    differences = add_mis_imports(session, context, rng, demo_school, senco, arrivals)
    context.summary.sen_differences_open += differences
    _add_year_end(session, context, demo_school, senco)
    session.flush()


def _give_destinations(session: Session, rng: random.Random, school: School, schools: list[School]) -> int:
    """Each leaver of `school` gets the next school where the reason names one and it is known:
    a school of the authority teaching the pupil's year for a move between schools, when there is
    one, else a school elsewhere; a special school; for a family that moved away, a school
    elsewhere, unknown for some who were not on the SEN register. Returns how many got one."""
    leavers = session.scalars(
        sa.select(Pupil).where(Pupil.school_id == school.id, Pupil.left_on.is_not(None)).order_by(Pupil.id)
    ).all()
    on_register = set(
        session.scalars(
            sa.select(SenStatus.pupil_id).where(
                SenStatus.pupil_id.in_([pupil.id for pupil in leavers]),
                SenStatus.end_date.is_(None),
                SenStatus.provision.in_((Provision.SEN_SUPPORT, Provision.EHC_PLAN)),
            )
        )
    )
    given = 0
    for pupil in leavers:
        destination = _destination(rng, pupil, schools, pupil.id in on_register)
        if destination is not None:
            destination.set_on(pupil)
            given += 1
    return given


def _destination(rng: random.Random, pupil: Pupil, schools: list[School], registered: bool) -> Destination | None:
    reason = pupil.leaving_reason or ""
    if reason.startswith(LEAVING_REASONS["specialist"]):
        return Destination(*SPECIAL_SCHOOL)
    if reason.startswith(LEAVING_REASONS["moved_school"]):
        nearby = [
            s
            for s in schools
            if s.id != pupil.school_id and s.lowest_year <= pupil.year_group <= s.highest_year and s.estab_number
        ]
        if nearby:
            return Destination.of_school(rng.choice(nearby))
        return Destination(*rng.choice(OUTSIDE_SCHOOLS[:-1]))
    if reason.startswith(LEAVING_REASONS["moved_away"]) and (registered or rng.random() < 0.5):
        return Destination(*rng.choice(OUTSIDE_SCHOOLS[:-1]))
    return None


def _add_exports(session: Session, rng: random.Random, school: School, senco: User, today: date) -> int:
    """The demo school's first SEN leaver with a known next school (the one who left
    `SEN_FILE_AIMS[0]` school days ago, where the build found one) had their CTF downloaded by the
    SENCO a few school days after leaving, and their transfer pack the next school day: sequence
    1 and 2 to that school. Returns how many exports were made (none when no leaver left long
    enough ago)."""
    leavers = _sen_leavers_with_destination(session, school)
    if not leavers or school.dfe_number is None:
        return 0
    pupil = leavers[0]
    ctf_day = school_days_after(pupil.left_on, EXPORTED_AFTER)
    pack_day = school_days_after(ctf_day, 1)
    if pack_day >= today:
        return 0
    destination = pupil.destination_la + pupil.destination_estab
    for sequence, (kind, day) in enumerate(((ExportKind.CTF, ctf_day), (ExportKind.PACK, pack_day)), start=1):
        session.add(
            CtfExport(
                pupil_id=pupil.id,
                school_id=school.id,
                destination=destination,
                sequence=sequence,
                kind=kind,
                file_name=file_name(school.dfe_number, destination, sequence),
                exported_by_id=senco.id,
                exported_at=moment(rng, day),
            )
        )
    return 2


def _sen_leavers_with_destination(session: Session, school: School) -> list[Pupil]:
    """The school's leavers on the SEN register when they left (a leaving ends no status), with the
    next school's LA and establishment numbers, those who left earliest first."""
    leavers = session.scalars(
        sa.select(Pupil)
        .join(SenStatus, SenStatus.pupil_id == Pupil.id)
        .where(
            Pupil.school_id == school.id,
            Pupil.left_on.is_not(None),
            Pupil.destination_estab.is_not(None),
            Pupil.destination_la.is_not(None),
            SenStatus.provision.in_((Provision.SEN_SUPPORT, Provision.EHC_PLAN)),
            SenStatus.end_date.is_(None),
        )
        .order_by(Pupil.left_on, Pupil.id)
    ).all()
    return list(leavers)


def _give_former_upns(session: Session, rng: random.Random, school: School) -> None:
    """A few pupils of the school whose MIS still records the temporary UPN they had before their
    permanent one: the same LA and school, and a letter as the thirteenth character."""
    pupils = session.scalars(
        sa.select(Pupil).where(Pupil.school_id == school.id, Pupil.left_on.is_(None)).order_by(Pupil.id)
    ).all()
    for serial, pupil in enumerate(rng.sample(pupils, min(FORMER_UPNS, len(pupils))), start=1):
        rest = f"{pupil.upn[1:10]}{serial:02d}T"
        pupil.former_upn = check_letter(rest) + rest


def _add_year_end(session: Session, context: DemoContext, school: School, senco: User) -> None:
    """Last July's rollover at the demo school, run by the SENCO on the last day of the summer
    term, with what it did in counts; this year's classes were opened by it."""
    year = context.year_start.year - 1
    run_on = school_days_before(date(year + 1, 7, 23), 1)
    classes = session.scalar(
        sa.select(sa.func.count(TeachingGroup.id)).where(
            TeachingGroup.school_id == school.id, TeachingGroup.ended_on.is_(None)
        )
    )
    returning = sa.select(Pupil.year_group).where(
        Pupil.school_id == school.id, sa.or_(Pupil.admitted_on.is_(None), Pupil.admitted_on < context.year_start)
    )
    years = session.scalars(returning).all()
    session.add(
        YearEnd(
            school_id=school.id,
            academic_year=year,
            summary={
                "pupils_moved": sum(y > school.lowest_year for y in years),
                # Last year's leavers are not kept: as many as this year's last year group.
                "finishing": sum(y == school.highest_year for y in years),
                "classes_ended": classes,
                "classes_opened": classes,
            },
            run_by_id=senco.id,
            run_at=datetime.combine(run_on, time(15, 40), tzinfo=UTC),
        )
    )
