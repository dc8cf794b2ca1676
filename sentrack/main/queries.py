"""The home page's queries: each list and count through the user's scope and the shared
definitions of `sentrack.workflows.register`, a fixed number of statements whatever the school's size."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from sentrack import access
from sentrack.models import (
    Concern,
    ConcernStatus,
    CycleState,
    DifferenceStatus,
    ParentLetter,
    Plan,
    Pupil,
    PupilTransfer,
    RoleProposal,
    School,
    SenDifference,
    SenStatus,
    SupportCycle,
    TeachingGroup,
    TransferStatus,
    User,
    group_teachers,
)
from sentrack.workflows.among import among
from sentrack.workflows.ehc_register import ehc_without_plan
from sentrack.workflows.ehc_schedule import ReviewDue, review_schedule
from sentrack.workflows.register import concern_past_deadline, on_roll, review_due_within, review_overdue

OVERDUE_CONCERNS_SHOWN = 20
REVIEWS_SHOWN = 30
LETTERS_SHOWN = 30


def visible_schools(session: Session, user: User) -> list[School]:
    """The schools the user's roles reach, by name."""
    return list(session.scalars(access.visible_schools(user).order_by(School.name)))


def open_statuses(session: Session, pupil_ids: list[int]) -> dict[int, SenStatus]:
    if not pupil_ids:
        return {}
    rows = session.scalars(sa.select(SenStatus).where(SenStatus.pupil_id.in_(pupil_ids), SenStatus.end_date.is_(None)))
    return {status.pupil_id: status for status in rows}


def pupils_in_sen_scope(user: User, on: date) -> sa.Select:
    """The ids of the pupils on the roll `on` whose SEN record the user may read, as a query: the
    lists below read their rows through `among`, so only the school's rows are read."""
    return sa.select(Pupil.id).where(access.sen_scope(user), on_roll(on))


def overdue_concerns(session: Session, user: User, on: date) -> list[Concern]:
    """The concerns past their deadline, the oldest first (the first 20)."""
    return list(
        session.scalars(
            sa.select(Concern)
            .join(Pupil, Concern.pupil_id == Pupil.id)
            .where(access.sen_scope(user), on_roll(on), concern_past_deadline(on))
            .options(contains_eager(Concern.pupil))
            .order_by(Concern.deadline)
            .limit(OVERDUE_CONCERNS_SHOWN)
        )
    )


def overdue_counts(user: User, on: date) -> dict[str, sa.ScalarSelect]:
    """How many reviews are overdue (`register.review_overdue`), how many concerns are past their
    deadline and how many are open, among the pupils in the user's scope, however many the lists
    show (`home_counts` asks them)."""
    reviews = (
        sa.select(sa.func.count(SupportCycle.id))
        .join(Plan, Plan.cycle_id == SupportCycle.id)
        .where(among(SupportCycle.pupil_id, pupils_in_sen_scope(user, on)), review_overdue(on))
        .scalar_subquery()
    )

    def concerns(*conditions) -> sa.ScalarSelect:
        return (
            sa.select(sa.func.count(Concern.id))
            .join(Pupil, Concern.pupil_id == Pupil.id)
            .where(access.sen_scope(user), on_roll(on), *conditions)
            .scalar_subquery()
        )

    return {
        "reviews_overdue_count": reviews,
        "overdue_concern_count": concerns(concern_past_deadline(on)),
        "open_concerns": concerns(Concern.status == ConcernStatus.OPEN),
    }


def reviews_due(session: Session, user: User, on: date, *, within_days: int = 14) -> list[tuple[SupportCycle, Plan]]:
    """Running plans whose review date has passed (overdue, by `register.review_overdue`) or falls
    within `within_days`, soonest first."""
    return list(
        session.execute(
            sa.select(SupportCycle, Plan)
            .join(Plan, Plan.cycle_id == SupportCycle.id)
            .join(Pupil, Pupil.id == SupportCycle.pupil_id)
            .where(among(SupportCycle.pupil_id, pupils_in_sen_scope(user, on)), review_due_within(on, within_days))
            .options(contains_eager(SupportCycle.pupil), contains_eager(SupportCycle.plan))
            .order_by(Plan.review_date)
            .limit(REVIEWS_SHOWN)
        ).tuples()
    )


def letters_to_send(session: Session, user: User, on: date) -> list[ParentLetter]:
    return list(
        session.scalars(
            sa.select(ParentLetter)
            .join(Pupil, ParentLetter.pupil_id == Pupil.id)
            .where(among(ParentLetter.pupil_id, pupils_in_sen_scope(user, on)), ParentLetter.sent_on.is_(None))
            .options(contains_eager(ParentLetter.pupil))
            .order_by(ParentLetter.created_on)
            .limit(LETTERS_SHOWN)
        )
    )


def teacher_classes(session: Session, user: User, on: date) -> tuple[list[TeachingGroup], dict[int, SenStatus]]:
    """The teacher's classes with the pupils on the roll `on` that day, and those pupils' open SEN
    statuses."""
    groups = list(
        session.scalars(
            sa.select(TeachingGroup)
            .join(group_teachers, group_teachers.c.group_id == TeachingGroup.id)
            .where(group_teachers.c.user_id == user.id, TeachingGroup.ended_on.is_(None))
            .options(selectinload(TeachingGroup.pupils.and_(on_roll(on))))
            .order_by(TeachingGroup.name)
        )
    )
    return groups, open_statuses(session, [pupil.id for group in groups for pupil in group.pupils])


def open_cycles(session: Session, pupil_ids: list[int]) -> dict[int, SupportCycle]:
    """Each pupil's open support cycle, with its plan."""
    if not pupil_ids:
        return {}
    return {
        cycle.pupil_id: cycle
        for cycle in session.scalars(
            sa.select(SupportCycle)
            .where(SupportCycle.pupil_id.in_(pupil_ids), SupportCycle.state != CycleState.CLOSED)
            .options(joinedload(SupportCycle.plan))
        )
    }


def school_counts(school_id: int, on: date) -> dict[str, sa.ScalarSelect]:
    """Active staff, pupils on the roll and current classes of the school (`home_counts` asks them)."""
    return {
        "staff_count": sa.select(sa.func.count(User.id))
        .where(User.school_id == school_id, User.active)
        .scalar_subquery(),
        "roll_count": sa.select(sa.func.count(Pupil.id))
        .where(Pupil.school_id == school_id, on_roll(on))
        .scalar_subquery(),
        "class_count": sa.select(sa.func.count(TeachingGroup.id))
        .where(TeachingGroup.school_id == school_id, TeachingGroup.ended_on.is_(None))
        .scalar_subquery(),
    }


def exchange_waiting(user: User) -> dict[str, sa.ScalarSelect]:
    """What the MIS and other schools leave waiting for the user: imported SEN histories that
    differ from the school's record, and other schools' requests for the records of the school's
    pupils (each counted only where the user's abilities reach the pupil)."""
    return {
        "differences_waiting": sa.select(sa.func.count(SenDifference.id))
        .join(Pupil, Pupil.id == SenDifference.pupil_id)
        .where(SenDifference.status == DifferenceStatus.OPEN, access.scope_for(user, access.Ability.RECONCILE_SEN))
        .scalar_subquery(),
        "transfers_waiting": sa.select(sa.func.count(PupilTransfer.id))
        .where(PupilTransfer.status == TransferStatus.AWAITING, access.transfers_to_decide(user))
        .scalar_subquery(),
    }


def roles_waiting(user: User) -> dict[str, sa.ScalarSelect]:
    """How many roles proposed for members of the user's school wait for this user to confirm
    or decline them (nothing to ask for anyone who decides on none)."""
    deciding = access.roles_grantable_by(user) & access.SEN_ROLES
    if not deciding:
        return {}
    return {
        "roles_waiting": sa.select(sa.func.count())
        .select_from(RoleProposal)
        .join(User, User.id == RoleProposal.user_id)
        .where(User.school_id == user.school_id, RoleProposal.role.in_(deciding))
        .scalar_subquery()
    }


def home_counts(session: Session, user: User, on: date, sections: frozenset[str]) -> dict[str, int]:
    """The counts the home page's sections show, by name, in one statement: the overdue reviews
    and concerns ("oversight"), what the MIS and other schools leave waiting ("exchange"), the
    school's staff, roll and classes ("school"), and the roles waiting for the user (0 for anyone
    who decides on none)."""
    asked: dict[str, sa.ScalarSelect] = {}
    if "oversight" in sections:
        asked |= overdue_counts(user, on)
    if "exchange" in sections:
        asked |= exchange_waiting(user)
    if "school" in sections:
        asked |= school_counts(user.school_id, on)
    asked |= roles_waiting(user)
    found = {"roles_waiting": 0}
    if asked:
        row = session.execute(sa.select(*(query.label(name) for name, query in asked.items()))).one()
        found |= {name: value or 0 for name, value in row._mapping.items()}
    return found


@dataclass(frozen=True)
class EhcWork:
    """The SENCO's EHC list: annual reviews due within 8 weeks or overdue (`ehc_schedule`), and
    pupils on "E" without a plan record (`ehc_register.ehc_without_plan`)."""

    reviews: list[tuple[ReviewDue, Pupil]]
    without_plan: list[Pupil]

    def __bool__(self) -> bool:
        return bool(self.reviews or self.without_plan)


def ehc_work(session: Session, user: User, on: date) -> EhcWork:
    """Two queries: the review schedule of the plans in the user's scope, then in one the pupils
    behind it and those on "E" without a plan record."""
    schedule = [
        due
        for due in review_schedule(session, on, access.sen_scope(user), on_roll(on))
        if due.is_overdue(on) or due.is_due_soon(on)
    ][:REVIEWS_SHOWN]
    without = ehc_without_plan(on)
    rows = session.execute(
        sa.select(Pupil, without)
        .where(
            access.sen_scope(user),
            on_roll(on),
            sa.or_(without, Pupil.id.in_({due.pupil_id for due in schedule})),
        )
        .order_by(Pupil.last_name, Pupil.first_name, Pupil.id)
    ).all()
    pupils = {pupil.id: pupil for pupil, _ in rows}
    without_plan = [pupil for pupil, flagged in rows if flagged][:REVIEWS_SHOWN]
    return EhcWork([(due, pupils[due.pupil_id]) for due in schedule], without_plan)
