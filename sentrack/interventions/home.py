"""What the home pages show of interventions: for the staff who deliver them, the sessions to
record today, their interventions this week and their pupils' passports; for the SENCO, the
interventions that ended without their impact recorded. Each a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from sentrack import access
from sentrack.models import (
    CycleState,
    Intervention,
    InterventionPupil,
    InterventionSession,
    Outcome,
    PassportRead,
    Provision,
    Pupil,
    SenStatus,
    SupportCycle,
    User,
    group_pupils,
    group_teachers,
)
from sentrack.models.organisation import current_group
from sentrack.workflows.among import among
from sentrack.workflows.intervention_status import has_ended
from sentrack.workflows.register import awaiting_impact, on_roll
from sentrack.workflows.registers import delivered, unusual_day
from sentrack.workflows.school_days import planned_in_week, week_of
from sentrack.workflows.terms import academic_year_bounds


@dataclass
class WeekRow:
    intervention: Intervention
    planned: int  # sessions planned this week
    recorded: int  # sessions delivered this week (`registers.delivered`)
    not_held: int = 0  # sessions this week that did not happen


@dataclass
class HomeInterventions:
    to_record_today: list[Intervention]
    this_week: list[WeekRow]
    impact_to_record: list[Intervention]


def home_interventions(session: Session, user: User, today: date) -> HomeInterventions:
    """For a teacher or support assistant: the sessions to record today (interventions they
    deliver running today without a register for today), their interventions this week, and
    those they deliver that ended without impact recorded. Four queries, one of them the
    school's terms (no session is due in the holidays)."""
    monday, friday = week_of(today)
    week = list(
        session.scalars(
            sa.select(Intervention)
            .where(access.own_interventions(user), Intervention.starts_on <= friday, Intervention.ends_on >= monday)
            .options(
                joinedload(Intervention.delivered_by).options(User.named_only()),
                # The places of pupils on the roll today: a pupil who left is on no register.
                selectinload(
                    Intervention.places.and_(InterventionPupil.pupil_id.in_(sa.select(Pupil.id).where(on_roll(today))))
                ).joinedload(InterventionPupil.pupil),
            )
            .order_by(Intervention.name)
        )
    )
    taken: dict[int, set[date]] = defaultdict(set)  # registers of the week, held or not
    held: dict[int, set[date]] = defaultdict(set)
    if week:
        for intervention_id, held_on, was_held in session.execute(
            sa.select(InterventionSession.intervention_id, InterventionSession.held_on, delivered()).where(
                InterventionSession.intervention_id.in_([i.id for i in week]),
                InterventionSession.held_on.between(monday, friday),
            )
        ):
            taken[intervention_id].add(held_on)
            if was_held:
                held[intervention_id].add(held_on)
    rows = []
    for intervention in week:
        planned = planned_in_week(intervention.weekdays, monday, intervention.starts_on, intervention.ends_on)
        not_held = len(taken[intervention.id]) - len(held[intervention.id])
        rows.append(WeekRow(intervention, planned, len(held[intervention.id]), not_held))
    to_record = [i for i in week if i.delivered_by_id == user.id and i.runs_on(today) and today not in taken[i.id]]
    if unusual_day(session, user.school, today) is not None:
        to_record = []  # a holiday: no session is due
    awaiting = sa.select(InterventionPupil.intervention_id).where(awaiting_impact())
    impact = list(
        session.scalars(
            sa.select(Intervention)
            .where(access.delivered_interventions(user), has_ended(today), Intervention.id.in_(awaiting))
            .order_by(Intervention.ends_on)
            .limit(20)
        )
    )
    return HomeInterventions(to_record, rows, impact)


@dataclass
class EndedRow:
    intervention: Intervention
    awaiting: int
    pupils: int


def ended_without_impact(session: Session, school_id: int, today: date, limit: int = 30) -> list[EndedRow]:
    """The school's interventions that have ended with a pupil's impact not yet recorded."""
    awaiting = (
        sa.select(sa.func.count(InterventionPupil.id))
        .where(InterventionPupil.intervention_id == Intervention.id, awaiting_impact())
        .scalar_subquery()
    )
    pupils = (
        sa.select(sa.func.count(InterventionPupil.id))
        .where(InterventionPupil.intervention_id == Intervention.id)
        .scalar_subquery()
    )
    rows = session.execute(
        sa.select(Intervention, awaiting, pupils)
        .where(Intervention.school_id == school_id, Intervention.ends_on < today, awaiting > 0)
        # The name of who delivered it, in the same statement; their roles are not shown.
        .options(joinedload(Intervention.delivered_by).options(User.named_only()))
        .order_by(Intervention.ends_on)
        .limit(limit)
    ).all()
    return [EndedRow(i, a, p) for i, a, p in rows]


@dataclass
class Passport:
    """What everyone working with a pupil needs to know: their needs, the strategies of their
    plan, and what helps (the strengths found at the assessment)."""

    pupil: Pupil
    status: SenStatus | None
    strategies: str | None
    strengths: str | None
    interventions: list[str]
    read_on: date | None = None  # when the user said "I have read it" for the current status


def _passport_pupils(session: Session, user: User, today: date) -> tuple[sa.Select | None, dict[int, list[str]]]:
    """The user's pupils, whose passports their home page shows, as a query of `Pupil` in the
    order shown (None when there are none): for a support assistant, the pupils of the
    interventions they deliver that have not ended; for a class teacher, the pupils of their
    classes on the SEN register and the pupils of the interventions they deliver. With the names
    of those interventions, by pupil (one query)."""
    delivering = (
        sa.select(InterventionPupil.pupil_id, Intervention.name)
        .join(Intervention, Intervention.id == InterventionPupil.intervention_id)
        .where(Intervention.delivered_by_id == user.id, Intervention.ends_on >= today)
    )
    names: dict[int, list[str]] = defaultdict(list)
    for pupil_id, name in session.execute(delivering):
        names[pupil_id].append(name)
    conditions = [Pupil.id.in_(list(names))] if names else []
    if access.teaches_classes(user):
        taught = (
            sa.select(group_pupils.c.pupil_id)
            .join(group_teachers, group_teachers.c.group_id == group_pupils.c.group_id)
            .where(group_teachers.c.user_id == user.id, current_group(group_pupils.c.group_id))
        )
        # Those of the taught pupils on the register, their statuses read through their ids
        # (`among`) rather than every open status of the authority.
        on_register = sa.select(SenStatus.pupil_id).where(
            among(SenStatus.pupil_id, taught), SenStatus.end_date.is_(None), SenStatus.provision != Provision.NONE
        )
        conditions.append(among(Pupil.id, on_register))
    if not conditions:
        return None, names
    pupils = (
        sa.select(Pupil)
        .where(sa.or_(*conditions), access.sen_scope(user), on_roll(today))
        .order_by(Pupil.last_name, Pupil.first_name)
    )
    return pupils, names


def passport_pupils(session: Session, user: User, today: date) -> tuple[list[Pupil], dict[int, list[str]]]:
    """The user's pupils whose passports their home page shows (`_passport_pupils`), with the
    names of the interventions they deliver to them, by pupil. Two queries."""
    pupils, names = _passport_pupils(session, user, today)
    return (list(session.scalars(pupils)) if pupils is not None else []), names


def passports(session: Session, user: User, today: date) -> list[Passport]:
    """The passports of the user's pupils (see `_passport_pupils`): two queries, whatever the
    number of pupils."""
    pupils_query, names = _passport_pupils(session, user, today)
    if pupils_query is None:
        return []
    pupils: dict[int, Pupil] = {}
    statuses: dict[int, SenStatus] = {}
    cycles: dict[int, SupportCycle] = {}
    read: dict[int, date] = {}
    # The pupils with each one's open SEN status and open cycle (with its plan and assessment),
    # and the user's "I have read it" of the passport under that status, in one query.
    pupils_query = pupils_query.subquery()
    pupil = aliased(Pupil, pupils_query)
    rows = session.execute(
        sa.select(pupil, SenStatus, SupportCycle, PassportRead.read_on)
        .outerjoin(SenStatus, sa.and_(SenStatus.pupil_id == pupil.id, SenStatus.end_date.is_(None)))
        .outerjoin(SupportCycle, sa.and_(SupportCycle.pupil_id == pupil.id, SupportCycle.state != CycleState.CLOSED))
        .outerjoin(
            PassportRead,
            sa.and_(
                PassportRead.pupil_id == pupil.id,
                PassportRead.sen_status_id == SenStatus.id,
                PassportRead.user_id == user.id,
            ),
        )
        .options(joinedload(SupportCycle.plan), joinedload(SupportCycle.assessment))
        .order_by(pupil.last_name, pupil.first_name)
    )
    for found_pupil, status, cycle, read_on in rows:
        pupils.setdefault(found_pupil.id, found_pupil)
        if status is not None:
            statuses[found_pupil.id] = status
        if cycle is not None:
            cycles[found_pupil.id] = cycle
        if read_on is not None:
            read[found_pupil.id] = read_on
    found = []
    for pupil_id, one in pupils.items():
        cycle = cycles.get(pupil_id)
        found.append(
            Passport(
                pupil=one,
                status=statuses.get(pupil_id),
                strategies=cycle.plan.strategies if cycle and cycle.plan else None,
                strengths=cycle.assessment.strengths if cycle and cycle.assessment else None,
                interventions=sorted(set(names.get(pupil_id, []))),
                read_on=read.get(pupil_id),
            )
        )
    return found


@dataclass
class PassportPage:
    """A pupil's one-page profile: their needs, what helps, the strategies and the current outcomes
    of their plan, and their interventions this academic year (as the user may read them)."""

    pupil: Pupil
    status: SenStatus | None
    cycle: SupportCycle | None
    outcomes: list
    interventions: list[Intervention]
    read_on: date | None


def passport_page(session: Session, user: User, pupil: Pupil, today: date) -> PassportPage:
    """The pupil's passport as `user` may read it: a fixed handful of queries."""
    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id, SenStatus.end_date.is_(None)))
    cycle = session.scalar(
        sa.select(SupportCycle)
        .where(SupportCycle.pupil_id == pupil.id, SupportCycle.state != CycleState.CLOSED)
        .options(joinedload(SupportCycle.plan), joinedload(SupportCycle.assessment))
    )
    outcomes = []
    if cycle is not None and cycle.plan is not None:
        outcomes = list(
            session.scalars(
                sa.select(Outcome).where(Outcome.cycle_id == cycle.id).order_by(Outcome.position, Outcome.id)
            )
        )
    year_start, _ = academic_year_bounds(today)
    interventions = list(
        session.scalars(
            sa.select(Intervention)
            .join(InterventionPupil, InterventionPupil.intervention_id == Intervention.id)
            .where(
                InterventionPupil.pupil_id == pupil.id,
                Intervention.ends_on >= year_start,
                access.intervention_scope(user, access.Ability.VIEW_SEN),
            )
            .options(joinedload(Intervention.delivered_by))
            .order_by(Intervention.starts_on.desc(), Intervention.id.desc())
        )
    )
    read_on = None
    if status is not None:
        read_on = session.scalar(
            sa.select(PassportRead.read_on).where(
                PassportRead.pupil_id == pupil.id,
                PassportRead.sen_status_id == status.id,
                PassportRead.user_id == user.id,
            )
        )
    return PassportPage(pupil, status, cycle, outcomes, interventions, read_on)
