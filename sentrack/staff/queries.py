"""Page queries of the staff and class pages, each within the managing user's own school."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from sentrack import access
from sentrack.models import Pupil, Role, RoleProposal, TeachingGroup, User, group_pupils
from sentrack.workflows.register import on_roll
from sentrack.workflows.staff import pending_proposals


@dataclass(frozen=True)
class StaffPage:
    members: list[User]  # active first, then by name, with their classes
    proposals: list[RoleProposal]  # the school's proposed roles, oldest first
    proposed: dict[int, list[Role]]  # member id -> the roles proposed for them
    decidable: list[RoleProposal]  # the proposals the user may confirm or decline


@dataclass(frozen=True)
class ClassesPage:
    classes: list[TeachingGroup]  # with their teachers
    counts: dict[int, int]  # class id -> pupils of the class on the roll


def staff_page(session: Session, user: User) -> StaffPage:
    """The school's staff and the roles proposed for them."""
    members = session.scalars(
        sa.select(User)
        .where(User.school_id == user.school_id)
        .options(selectinload(User.groups))
        .order_by(User.active.desc(), User.full_name)
    ).all()
    proposals = pending_proposals(session, user.school_id)
    proposed: dict[int, list[Role]] = {}
    for proposal in proposals:
        proposed.setdefault(proposal.user_id, []).append(proposal.role)
    decidable = [p for p in proposals if access.may_decide_proposal(user, p.role)]
    return StaffPage(list(members), proposals, proposed, decidable)


def classes_page(session: Session, user: User, on: date) -> ClassesPage:
    """The school's classes with the number of their pupils on the roll on `on`."""
    counts = dict(
        session.execute(
            sa.select(group_pupils.c.group_id, sa.func.count())
            .join(TeachingGroup, TeachingGroup.id == group_pupils.c.group_id)
            .join(Pupil, Pupil.id == group_pupils.c.pupil_id)
            .where(TeachingGroup.school_id == user.school_id, TeachingGroup.ended_on.is_(None), on_roll(on))
            .group_by(group_pupils.c.group_id)
        ).all()
    )
    classes = session.scalars(access.school_groups(user).options(selectinload(TeachingGroup.teachers))).all()
    return ClassesPage(list(classes), counts)


def class_choices(session: Session, user: User) -> list[tuple[int, str]]:
    """The school's classes as the choices of a form: id, name."""
    return [(group.id, group.name) for group in session.scalars(access.school_groups(user))]


def teacher_choices(session: Session, user: User) -> list[tuple[int, str]]:
    """The school's active staff as the choices of a form: id, name."""
    return [
        (member.id, member.full_name)
        for member in session.scalars(
            sa.select(User).where(User.school_id == user.school_id, User.active).order_by(User.full_name)
        )
    ]


def school_class(session: Session, user: User, group_id: int) -> TeachingGroup | None:
    """A current class of the user's school, else None (a class ended at a year end is history)."""
    return session.scalar(
        sa.select(TeachingGroup).where(
            TeachingGroup.id == group_id, TeachingGroup.school_id == user.school_id, TeachingGroup.ended_on.is_(None)
        )
    )
