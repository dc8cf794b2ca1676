"""Reading interventions for the pages: always inside the user's scope, and set-based (a fixed
number of queries whatever the number of pupils or interventions)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, selectinload

from sentrack import access
from sentrack.access import DELIVERING_ROLES, Ability
from sentrack.models import (
    CycleState,
    Intervention,
    InterventionPupil,
    InterventionSession,
    InterventionType,
    Outcome,
    Provision,
    Pupil,
    Role,
    RoleAssignment,
    SenStatus,
    SupportCycle,
    TeachingGroup,
    User,
    group_pupils,
    group_teachers,
)
from sentrack.models.organisation import current_group
from sentrack.workflows.intervention_status import has_ended
from sentrack.workflows.register import awaiting_impact, is_on_roll
from sentrack.workflows.registers import (  # noqa: F401 (what the pages count, defined once)
    Attendance,
    attendance,
    delivered_count,
    not_held_count,
    pupil_attendance,
)

# --- Choices for the forms -------------------------------------------------------------------------


def catalogue(session: Session, school_id: int, *, active_only: bool = False) -> list[InterventionType]:
    query = sa.select(InterventionType).where(InterventionType.school_id == school_id)
    if active_only:
        query = query.where(InterventionType.active)
    return list(session.scalars(query.order_by(InterventionType.wave, sa.func.lower(InterventionType.name))))


def catalogue_entry(session: Session, school_id: int, type_id: int) -> InterventionType | None:
    """The school's catalogue entry `type_id`, or None when the school has no such entry."""
    return session.scalar(
        sa.select(InterventionType).where(InterventionType.id == type_id, InterventionType.school_id == school_id)
    )


def year_groups(session: Session, school_id: int) -> list[int]:
    """The year groups the school's pupils are in, youngest first (the provision map's filter)."""
    return list(
        session.scalars(
            sa.select(Pupil.year_group).where(Pupil.school_id == school_id).distinct().order_by(Pupil.year_group)
        )
    )


def deliverers(session: Session, school_id: int) -> list[User]:
    """The school's active teachers, support assistants and SENCOs, who may deliver one."""
    holds = sa.select(RoleAssignment.user_id).where(RoleAssignment.role.in_(list(DELIVERING_ROLES)))
    return list(
        session.scalars(
            sa.select(User).where(User.school_id == school_id, User.active, User.id.in_(holds)).order_by(User.full_name)
        )
    )


def deliverer_label(user: User) -> str:
    roles = [role.label for role in (Role.SUPPORT_ASSISTANT, Role.TEACHER, Role.SENCO) if role in user.roles]
    return f"{user.full_name} ({', '.join(roles)})"


def pickable_groups(session: Session, user: User) -> list[TeachingGroup]:
    """The classes holding a pupil the user may set up an intervention for: a teacher's own
    classes, or every class of the school for the SENCO."""
    reachable = (
        sa.select(group_pupils.c.group_id)
        .join(Pupil, Pupil.id == group_pupils.c.pupil_id)
        .where(access.scope_for(user, Ability.SET_UP_INTERVENTION))
    )
    return list(
        session.scalars(
            sa.select(TeachingGroup)
            .where(
                TeachingGroup.school_id == user.school_id,
                TeachingGroup.ended_on.is_(None),
                TeachingGroup.id.in_(reachable),
            )
            .order_by(TeachingGroup.year_group, TeachingGroup.name)
        )
    )


@dataclass
class PupilChoice:
    pupil: Pupil
    provision: Provision | None = None
    outcomes: list[Outcome] = field(default_factory=list)


@dataclass
class ChoiceGroup:
    label: str
    choices: list[PupilChoice]


def pupil_choices(
    session: Session, user: User, group_ids: list[int], *, also: list[Pupil] = (), also_label: str = "Already chosen"
) -> list[ChoiceGroup]:
    """The pupils of the chosen classes whom the user may set up an intervention for, class by
    class, each pupil once; then `also` (pupils already in the intervention or already chosen)
    under `also_label` where no class listed them. With their SEN provision and the outcomes of
    their open plan."""
    rows = []
    if group_ids:
        rows = session.execute(
            sa.select(TeachingGroup, Pupil)
            .join(group_pupils, group_pupils.c.group_id == TeachingGroup.id)
            .join(Pupil, Pupil.id == group_pupils.c.pupil_id)
            .where(
                TeachingGroup.id.in_(group_ids),
                TeachingGroup.ended_on.is_(None),
                access.scope_for(user, Ability.SET_UP_INTERVENTION),
            )
            .order_by(TeachingGroup.year_group, TeachingGroup.name, Pupil.last_name, Pupil.first_name)
        ).all()
    groups: dict[int, ChoiceGroup] = {}
    seen: dict[int, PupilChoice] = {}
    for group, pupil in rows:
        if pupil.id in seen:
            continue
        seen[pupil.id] = choice = PupilChoice(pupil)
        groups.setdefault(group.id, ChoiceGroup(group.name, [])).choices.append(choice)
    result = list(groups.values())
    extra = [PupilChoice(p) for p in also if p.id not in seen]
    for choice in extra:
        seen[choice.pupil.id] = choice
    if extra:
        result.insert(0, ChoiceGroup(also_label, extra))
    statuses = open_statuses(session, list(seen))
    outcomes = open_outcomes(session, list(seen))
    for pupil_id, choice in seen.items():
        status = statuses.get(pupil_id)
        choice.provision = status.provision if status else None
        choice.outcomes = outcomes.get(pupil_id, [])
    return result


def pupils_in_scope(session: Session, user: User, public_ids: list[str], ability: Ability) -> dict[str, Pupil]:
    """Those of `public_ids` the ability reaches for the user, by public id (one query)."""
    if not public_ids:
        return {}
    found = session.scalars(sa.select(Pupil).where(Pupil.public_id.in_(public_ids), access.scope_for(user, ability)))
    return {pupil.public_id: pupil for pupil in found}


def open_statuses(session: Session, pupil_ids: list[int]) -> dict[int, SenStatus]:
    if not pupil_ids:
        return {}
    rows = session.scalars(sa.select(SenStatus).where(SenStatus.pupil_id.in_(pupil_ids), SenStatus.end_date.is_(None)))
    return {status.pupil_id: status for status in rows}


def open_outcomes(session: Session, pupil_ids: list[int]) -> dict[int, list[Outcome]]:
    """The outcomes of each pupil's open support cycle."""
    if not pupil_ids:
        return {}
    found: dict[int, list[Outcome]] = defaultdict(list)
    rows = session.execute(
        sa.select(SupportCycle.pupil_id, Outcome)
        .join(Outcome, Outcome.cycle_id == SupportCycle.id)
        .where(SupportCycle.pupil_id.in_(pupil_ids), SupportCycle.state != CycleState.CLOSED)
        .order_by(Outcome.position, Outcome.id)
    )
    for pupil_id, outcome in rows:
        found[pupil_id].append(outcome)
    return found


# --- One intervention ------------------------------------------------------------------------------


def load_intervention(session: Session, intervention: Intervention) -> Intervention:
    """The intervention with its type, deliverer, pupils and registers loaded in a few queries."""
    return session.scalar(
        sa.select(Intervention)
        .where(Intervention.id == intervention.id)
        .options(
            selectinload(Intervention.type),
            selectinload(Intervention.delivered_by),
            selectinload(Intervention.places).selectinload(InterventionPupil.pupil).selectinload(Pupil.groups),
            selectinload(Intervention.places).selectinload(InterventionPupil.outcome),
            selectinload(Intervention.sessions).selectinload(InterventionSession.attendance),
        )
        .execution_options(populate_existing=True)
    )


def responsible_teachers(session: Session, pupil_ids: list[int]) -> list[User]:
    """The class teachers of the pupils this year: they stay responsible for the pupils' progress."""
    if not pupil_ids:
        return []
    teaching = (
        sa.select(group_teachers.c.user_id)
        .join(group_pupils, group_pupils.c.group_id == group_teachers.c.group_id)
        .where(group_pupils.c.pupil_id.in_(pupil_ids), current_group(group_teachers.c.group_id))
    )
    return list(session.scalars(sa.select(User).where(User.id.in_(teaching)).order_by(User.full_name)))


def may(session: Session, user: User, ability: Ability, intervention: Intervention) -> bool:
    """Whether `ability` reaches this intervention for the user (one query)."""
    if ability not in access.abilities(user):
        return False
    return bool(
        session.scalar(
            sa.select(sa.literal(True)).where(
                Intervention.id == intervention.id, access.intervention_scope(user, ability)
            )
        )
    )


# --- Lists -----------------------------------------------------------------------------------------


def visible_places(session: Session, user: User, interventions: list[Intervention]) -> dict[int, frozenset[int]]:
    """For each of `interventions`, the ids of its pupils the user reaches on its pages
    (`access.place_scope`): the others are counted, never named. One query."""
    if not interventions:
        return {}
    found: dict[int, set[int]] = defaultdict(set)
    rows = session.execute(
        sa.select(InterventionPupil.intervention_id, InterventionPupil.pupil_id)
        .join(Pupil, Pupil.id == InterventionPupil.pupil_id)
        .join(Intervention, Intervention.id == InterventionPupil.intervention_id)
        .where(InterventionPupil.intervention_id.in_([i.id for i in interventions]), access.place_scope(user))
    )
    for intervention_id, pupil_id in rows:
        found[intervention_id].add(pupil_id)
    return {i.id: frozenset(found[i.id]) for i in interventions}


@dataclass(frozen=True)
class ListPage:
    """The list of interventions: its rows, the pupils (ids) of each the user reaches, the pupils
    it lists (those on the roll today, or everyone in an ended one) and those it names."""

    rows: list[ListRow]
    visible: dict[int, frozenset[int]]
    listed: set[int]
    named: list[Pupil]


def list_page(session: Session, user: User, *, ended: bool, today: date) -> ListPage:
    """The interventions the user may read, current or ended. Pupils outside the user's reach are
    counted, not named; a current intervention lists only the pupils on the roll today (one who
    has left is in no list from the leaving date), an ended one everyone who was in it."""
    rows = intervention_list(session, user, ended=ended, today=today)
    places = [place for row in rows for place in row.intervention.places]
    visible = visible_places(session, user, [row.intervention for row in rows])
    listed = {place.pupil_id for place in places if ended or is_on_roll(place.pupil, today)}
    named = [
        place.pupil
        for row in rows
        for place in row.intervention.places
        if place.pupil_id in listed and place.pupil_id in visible.get(row.intervention.id, ())
    ]
    return ListPage(rows=rows, visible=visible, listed=listed, named=named)


@dataclass
class ListRow:
    intervention: Intervention
    sessions_recorded: int  # delivered (`registers.delivered`)
    awaiting_impact: int
    sessions_not_held: int = 0


def intervention_list(session: Session, user: User, *, ended: bool, today: date, limit: int = 200) -> list[ListRow]:
    """The interventions the user may read, current or ended (`intervention_status.has_ended`)."""
    recorded = delivered_count(Intervention.id)
    not_held = not_held_count(Intervention.id)
    awaiting = (
        sa.select(sa.func.count(InterventionPupil.id))
        .where(InterventionPupil.intervention_id == Intervention.id, awaiting_impact())
        .scalar_subquery()
    )
    query = (
        sa.select(Intervention, recorded, awaiting, not_held)
        .where(access.intervention_scope(user, Ability.VIEW_SEN))
        .options(
            selectinload(Intervention.type),
            selectinload(Intervention.delivered_by),
            selectinload(Intervention.places).selectinload(InterventionPupil.pupil),
        )
        .limit(limit)
    )
    if ended:
        query = query.where(has_ended(today)).order_by(Intervention.ends_on.desc(), Intervention.name)
    else:
        query = query.where(~has_ended(today)).order_by(Intervention.starts_on, Intervention.name)
    return [ListRow(i, n, a, h) for i, n, a, h in session.execute(query).all()]


@dataclass
class PupilInterventionRow:
    place: InterventionPupil
    attendance: Attendance


def pupil_interventions(session: Session, user: User, pupil: Pupil) -> list[PupilInterventionRow]:
    """The pupil's interventions that the user may read, newest first, with their attendance."""
    places = list(
        session.scalars(
            sa.select(InterventionPupil)
            .join(Intervention, Intervention.id == InterventionPupil.intervention_id)
            .where(InterventionPupil.pupil_id == pupil.id, access.intervention_scope(user, Ability.VIEW_SEN))
            .options(
                # One query for the places with their interventions and programmes; the pupil
                # page loads who delivered them with the rest of the staff it names.
                contains_eager(InterventionPupil.intervention).joinedload(Intervention.type),
            )
            .order_by(Intervention.starts_on.desc(), Intervention.id.desc())
        )
    )
    tallies = pupil_attendance(session, pupil.id, [place.intervention_id for place in places])
    return [PupilInterventionRow(place, tallies[place.intervention_id]) for place in places]
