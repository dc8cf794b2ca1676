"""Staff accounts, their roles and the classes they teach, managed by the head teacher or admin."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.auth.passwords import hash_password, password_problem
from sentrack.auth.sessions import end_all_sessions
from sentrack.models import Role, RoleAssignment, TeachingGroup, User
from sentrack.workflows import RuleBroken

# Roles a school may give. LA officers are set up by the local authority, not by a school.
SCHOOL_ROLES = tuple(role for role in Role if role.is_school_role)
MANAGING_ROLES = frozenset({Role.HEAD, Role.ADMIN})
# Roles that open SEN records or run the school: only a head teacher gives or takes them away.
HEAD_ONLY_ROLES = frozenset({Role.HEAD, Role.SENCO})


@dataclass
class StaffDetails:
    full_name: str
    email: str
    roles: set[Role]
    group_ids: list[int]
    active: bool = True


def _check(session: Session, school_id: int, details: StaffDetails, member: User | None) -> list[TeachingGroup]:
    details.email = details.email.strip().lower()
    clash = sa.select(User.id).where(sa.func.lower(User.email) == details.email)
    if member is not None:
        clash = clash.where(User.id != member.id)
    if session.scalar(clash) is not None:
        raise RuleBroken("Another account already uses this email address", field="email")
    if not details.roles:
        raise RuleBroken("Select at least one role", field="roles")
    if not details.roles <= set(SCHOOL_ROLES):
        raise RuleBroken("Select roles from the list", field="roles")
    groups: list[TeachingGroup] = []
    if details.group_ids:
        groups = list(
            session.scalars(
                sa.select(TeachingGroup).where(
                    TeachingGroup.id.in_(details.group_ids), TeachingGroup.school_id == school_id
                )
            )
        )
        if len(groups) != len(set(details.group_ids)):
            raise RuleBroken("Choose classes from this school", field="groups")
    return groups


def _check_role_change(actor: User, member: User | None, before: set[Role], after: set[Role]) -> None:
    """An administrator manages accounts but cannot hand out SEN access or the headship, and
    nobody but a head teacher gives themselves a role they did not have."""
    changed = before ^ after
    if changed & HEAD_ONLY_ROLES and not actor.has_role(Role.HEAD):
        raise RuleBroken("Only the head teacher can give or take away the SENCO and head teacher roles", field="roles")
    if member is not None and member.id == actor.id and (after - before) and not actor.has_role(Role.HEAD):
        raise RuleBroken("You cannot give yourself a new role: ask the head teacher", field="roles")


def _set_roles(member: User, roles: set[Role]) -> None:
    keep = [a for a in member.role_assignments if a.role in roles]
    have = {a.role for a in keep}
    member.role_assignments = keep + [RoleAssignment(role=r) for r in sorted(roles - have)]


def add_staff_member(
    session: Session, *, actor: User, details: StaffDetails, temporary_password: str
) -> User:
    """Create an account at the actor's school. Refused for a used email, no role, a weak password."""
    groups = _check(session, actor.school_id, details, None)
    _check_role_change(actor, None, set(), details.roles)
    problem = password_problem(temporary_password, email=details.email)
    if problem:
        raise RuleBroken(problem, field="temporary_password")
    member = User(
        email=details.email,
        full_name=details.full_name,
        password_hash=hash_password(temporary_password),
        school_id=actor.school_id,
        active=True,
    )
    _set_roles(member, details.roles)
    member.groups = groups
    session.add(member)
    session.flush()
    audit.record(
        session,
        "staff_added",
        actor=actor,
        object_type="user",
        object_id=member.id,
        details={"roles": sorted(r.value for r in details.roles)},
    )
    session.flush()
    return member


def update_staff_member(session: Session, *, actor: User, member: User, details: StaffDetails) -> None:
    """Change an account. Managers cannot take away their own managing role or deactivate
    themselves, so a school is never left with nobody able to manage staff by accident."""
    groups = _check(session, member.school_id, details, member)
    if member.id == actor.id:
        if not details.active:
            raise RuleBroken("You cannot deactivate your own account", field="active")
        if not (details.roles & MANAGING_ROLES):
            raise RuleBroken("You cannot remove your own role as head teacher or administrator", field="roles")
    before_roles = {a.role for a in member.role_assignments}
    _check_role_change(actor, member, before_roles, details.roles)
    changed = [name for name in ("full_name", "email", "active") if getattr(member, name) != getattr(details, name)]
    for name in changed:
        setattr(member, name, getattr(details, name))
    if before_roles != details.roles:
        _set_roles(member, details.roles)
        changed.append("roles")
    if {g.id for g in member.groups} != {g.id for g in groups}:
        member.groups = groups
        changed.append("groups")
    if "active" in changed and not member.active:
        end_all_sessions(session, member, reason="deactivated")
    if changed:
        audit.record(
            session,
            "staff_updated",
            actor=actor,
            object_type="user",
            object_id=member.id,
            details={"fields": changed, "roles": sorted(r.value for r in details.roles)},
        )
    session.flush()


@dataclass
class GroupDetails:
    name: str
    year_group: int | None
    teacher_ids: list[int]


def save_group(
    session: Session, *, actor: User, details: GroupDetails, group: TeachingGroup | None = None
) -> TeachingGroup:
    """Create or change a class of the actor's school."""
    clash = sa.select(TeachingGroup.id).where(
        TeachingGroup.school_id == actor.school_id, sa.func.lower(TeachingGroup.name) == details.name.lower()
    )
    if group is not None:
        clash = clash.where(TeachingGroup.id != group.id)
    if session.scalar(clash) is not None:
        raise RuleBroken("There is already a class with this name", field="name")
    teachers = []
    if details.teacher_ids:
        teachers = list(
            session.scalars(
                sa.select(User).where(User.id.in_(details.teacher_ids), User.school_id == actor.school_id)
            )
        )
        if len(teachers) != len(set(details.teacher_ids)):
            raise RuleBroken("Choose teachers from this school", field="teachers")
    created = group is None
    if group is None:
        group = TeachingGroup(school_id=actor.school_id, name=details.name)
        session.add(group)
    group.name = details.name
    group.year_group = details.year_group
    group.teachers = teachers
    session.flush()
    audit.record(
        session,
        "class_added" if created else "class_updated",
        actor=actor,
        object_type="teaching_group",
        object_id=group.id,
    )
    session.flush()
    return group
