"""Staff accounts, their roles and the classes they teach, managed by the head teacher or admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from sentrack import access, audit
from sentrack.auth.sessions import end_all_sessions
from sentrack.models import NO_PASSWORD, Notification, Role, RoleAssignment, RoleProposal, School, TeachingGroup, User
from sentrack.models.enums import GroupKind
from sentrack.workflows import RuleBroken
from sentrack.workflows.invitations import invite, now_utc, revoke_open_invitations
from sentrack.workflows.password_resets import revoke_open_resets
from sentrack.workflows.revisions import begin_edit, check_version, finish_edit

# Roles a school may give. LA officers are set up by the local authority, not by a school.
SCHOOL_ROLES = tuple(role for role in Role if role.is_school_role)
MANAGING_ROLES = frozenset({Role.HEAD, Role.SENCO, Role.ADMIN})
# The roles a school must always have someone active in.
KEPT_ROLES = (Role.HEAD, Role.SENCO)
# The same answer whichever account (of this school or another) holds the address: emails are
# sign-in names, unique across every school, and the answer must not say which school uses one.
EMAIL_UNAVAILABLE = (
    "This email address cannot be used for a new account. Check it, or use another address for this person"
)
ROLE_PROPOSED = "role_proposed"
# What an edit conflict lists of an account and of a class, with the labels their forms give.
STAFF_FIELDS = {
    "full_name": "Full name",
    "email": "Email address",
    "role_labels": "Roles",
    "class_names": "Classes they teach",
    "active": "Account is active",
}
# A class's pupils are changed many at once on their own page (sentrack/workflows/classes.py): a
# conflict either way says how many it holds.
GROUP_FIELDS = {
    "name": "Class name",
    "year_group": "Year group",
    "kind": "Kind of class",
    "teacher_names": "Teachers",
    "pupil_count": "Pupils in the class",
}


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
        raise RuleBroken(EMAIL_UNAVAILABLE, field="email")
    if not details.roles:
        raise RuleBroken("Select at least one role", field="roles")
    if not details.roles <= set(SCHOOL_ROLES):
        raise RuleBroken("Select roles from the list", field="roles")
    groups: list[TeachingGroup] = []
    if details.group_ids:
        groups = list(
            session.scalars(
                sa.select(TeachingGroup).where(
                    TeachingGroup.id.in_(details.group_ids),
                    TeachingGroup.school_id == school_id,
                    TeachingGroup.ended_on.is_(None),
                )
            )
        )
        if len(groups) != len(set(details.group_ids)):
            raise RuleBroken("Choose classes from this school", field="groups")
    return groups


def _who_decides(roles: set[Role] | frozenset[Role]) -> str:
    return "the head teacher" if Role.HEAD in roles else "the head teacher or SENCO"


@dataclass
class RolePlan:
    grant: set[Role]
    remove: set[Role]
    propose: set[Role]
    withdraw: set[Role]


def _plan_roles(actor: User, member: User | None, held: set[Role], proposed: set[Role], wanted: set[Role]) -> RolePlan:
    """What giving `member` the roles `wanted` means for `actor`: roles granted at once, taken
    away, proposed (for the head teacher or SENCO to confirm) and proposals withdrawn. Who may
    grant which role is decided in access.py; here the refusals."""
    grantable = access.roles_grantable_by(actor)
    proposable = access.roles_proposable_by(actor)
    added = wanted - held
    removed = held - wanted
    grant = added & grantable
    propose = (added - grantable) - proposed
    if (added - grantable) - proposable:
        raise RuleBroken("Select roles from the list", field="roles")
    if member is not None and member.id == actor.id and (grant | propose) and not access.may_give_self_roles(actor):
        raise RuleBroken("You cannot give yourself a new role: ask the head teacher", field="roles")
    if member is not None and (grant or propose or removed) and not access.may_control_account(actor, member):
        raise RuleBroken(
            f"Only {_who_decides(held)} can change the roles of someone who holds "
            f"{', '.join(sorted(r.label for r in held - grantable))}",
            field="roles",
        )
    if removed - grantable:
        raise RuleBroken(f"Only {_who_decides(removed)} can take away these roles", field="roles")
    return RolePlan(grant=grant, remove=removed, propose=propose, withdraw=proposed - wanted)


def _set_roles(member: User, roles: set[Role]) -> None:
    keep = [a for a in member.role_assignments if a.role in roles]
    have = {a.role for a in keep}
    member.role_assignments = keep + [RoleAssignment(role=r) for r in sorted(roles - have)]


def proposed_roles(session: Session, member: User) -> set[Role]:
    return set(session.scalars(sa.select(RoleProposal.role).where(RoleProposal.user_id == member.id)))


def _deciders(session: Session, school_id: int, role: Role) -> list[int]:
    """The active members of the school who may confirm a proposal of `role`."""
    deciding = sorted(access.roles_deciding_on(role))
    return list(
        session.scalars(
            sa.select(User.id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(User.school_id == school_id, User.active, RoleAssignment.role.in_(deciding))
            .distinct()
            .order_by(User.id)
        )
    )


def _propose(session: Session, *, actor: User, member: User, roles: set[Role]) -> None:
    for role in sorted(roles):
        proposal = RoleProposal(user_id=member.id, role=role, proposed_by_id=actor.id)
        session.add(proposal)
        session.flush()
        for decider_id in _deciders(session, member.school_id, role):
            if decider_id == member.id:
                continue
            session.add(
                Notification.once(
                    decider_id,
                    ROLE_PROPOSED,
                    proposal,
                    title="A role for a member of staff waits for your confirmation",
                    body=(
                        f"{actor.full_name} proposed a role that opens SEN records. "
                        "Confirm or decline it on the staff page."
                    ),
                    link="/staff/#proposals",
                )
            )
        audit.record(
            session, "role_proposed", actor=actor, object_type="user", object_id=member.id, details={"role": role.value}
        )


def _withdraw(session: Session, *, actor: User, member: User, roles: set[Role]) -> None:
    if not roles:
        return
    session.execute(sa.delete(RoleProposal).where(RoleProposal.user_id == member.id, RoleProposal.role.in_(roles)))
    audit.record(
        session,
        "role_proposal_withdrawn",
        actor=actor,
        object_type="user",
        object_id=member.id,
        details={"roles": sorted(r.value for r in roles)},
    )


def _lock_school(session: Session, school_id: int) -> None:
    """Changes to a school's staff one at a time (PostgreSQL), so two people cannot each remove
    one of the school's last two head teachers at once."""
    session.execute(sa.select(School.id).where(School.id == school_id).with_for_update())


def _keep_the_last(session: Session, member: User, *, roles_after: set[Role], active_after: bool) -> None:
    """Refuse to leave the school with no active head teacher or no active SENCO."""
    if not member.active:
        return
    for role in KEPT_ROLES:
        if role not in member.roles or (active_after and role in roles_after):
            continue
        others = session.scalar(
            sa.select(sa.func.count(sa.distinct(User.id)))
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(User.school_id == member.school_id, User.active, User.id != member.id, RoleAssignment.role == role)
        )
        if not others:
            field = "roles" if active_after else "active"
            named = role.label.lower() if role is Role.HEAD else role.label
            raise RuleBroken(
                f"{member.full_name} is the school's only active {named}. Give the role to someone else first",
                field=field,
            )


def add_staff_member(
    session: Session, *, actor: User, details: StaffDetails, secret_key: str, moment: datetime
) -> User:
    """Create an account at the actor's school and email its owner an invitation to set their own
    password. Roles the actor may not grant are proposed. Refused for a used email or no role."""
    groups = _check(session, actor.school_id, details, None)
    plan = _plan_roles(actor, None, set(), set(), details.roles)
    member = User(
        email=details.email,
        full_name=details.full_name,
        password_hash=NO_PASSWORD,
        school_id=actor.school_id,
        active=True,
    )
    _set_roles(member, plan.grant)
    member.groups = groups
    session.add(member)
    session.flush()
    audit.record(
        session,
        "staff_added",
        actor=actor,
        object_type="user",
        object_id=member.id,
        details={"roles": sorted(r.value for r in plan.grant), "proposed": sorted(r.value for r in plan.propose)},
    )
    _propose(session, actor=actor, member=member, roles=plan.propose)
    invite(session, actor=actor, member=member, secret_key=secret_key, moment=moment)
    session.flush()
    return member


def _refuse_own_loss(actor: User, member: User, details: StaffDetails) -> None:
    """Managers keep their own account active and their own managing role."""
    if member.id != actor.id:
        return
    if not details.active:
        raise RuleBroken("You cannot deactivate your own account", field="active")
    if not (details.roles & MANAGING_ROLES):
        raise RuleBroken("You cannot remove your own role as head teacher, SENCO or administrator", field="roles")


def _refuse_beyond_control(actor: User, member: User, details: StaffDetails, held: set[Role]) -> None:
    """Only whoever controls the account changes its email address, deactivates or reactivates it."""
    if details.email != member.email and not access.may_control_account(actor, member):
        raise RuleBroken(
            f"Only {_who_decides(held)} can change the email address of someone who holds this role", field="email"
        )
    if member.active and not details.active and not access.may_deactivate(actor, member):
        raise RuleBroken(f"Only {_who_decides(held)} can deactivate this account", field="active")
    if not member.active and details.active and not access.may_control_account(actor, member):
        raise RuleBroken(f"Only {_who_decides(held)} can reactivate this account", field="active")


def _apply_account(
    session: Session, member: User, details: StaffDetails, roles_after: set[Role], groups: list[TeachingGroup]
) -> list[str]:
    """Write the changed fields, roles and classes to the account; answer the names of those changed.
    A deactivated account's sessions end; a changed address's open invitation links stop working."""
    changed = [name for name in ("full_name", "email", "active") if getattr(member, name) != getattr(details, name)]
    for name in changed:
        setattr(member, name, getattr(details, name))
    if roles_after != set(member.roles):
        _set_roles(member, roles_after)
        changed.append("roles")
    if {g.id for g in member.current_groups} != {g.id for g in groups}:
        # The classes of past years keep their teachers: history.
        member.groups = groups + [g for g in member.groups if g.ended_on is not None]
        changed.append("groups")
    if "active" in changed and not member.active:
        end_all_sessions(session, member, reason="deactivated")
    if "email" in changed:
        # A link sent to the old address must not open the account any more.
        moment = now_utc()
        revoke_open_invitations(session, member, moment)
        revoke_open_resets(session, member, moment)
    return changed


def _settle_proposals(session: Session, *, actor: User, member: User, plan: RolePlan, proposed: set[Role]) -> None:
    """Withdraw the proposals no longer wanted, end those granted now, and propose the new ones."""
    _withdraw(session, actor=actor, member=member, roles=plan.withdraw - plan.grant)
    if plan.grant & proposed:
        session.execute(
            sa.delete(RoleProposal).where(
                RoleProposal.user_id == member.id, RoleProposal.role.in_(plan.grant & proposed)
            )
        )
    _propose(session, actor=actor, member=member, roles=plan.propose)


def update_staff_member(
    session: Session, *, actor: User, member: User, details: StaffDetails, expected_version: int | None = None
) -> None:
    """Change an account. Managers cannot take away their own managing role or deactivate
    themselves; nobody leaves the school without an active head teacher or SENCO; and an
    administrator neither grants, takes away nor revives access to SEN records. EditConflict when
    someone else saved the account after `expected_version`."""
    _lock_school(session, member.school_id)
    check_version(session, "user", member, STAFF_FIELDS, expected_version)
    groups = _check(session, member.school_id, details, member)
    _refuse_own_loss(actor, member, details)
    held = set(member.roles)
    proposed = proposed_roles(session, member)
    plan = _plan_roles(actor, member, held, proposed, details.roles)
    _refuse_beyond_control(actor, member, details, held)
    roles_after = (held | plan.grant) - plan.remove
    _keep_the_last(session, member, roles_after=roles_after, active_after=details.active)
    begin_edit(session, "user", member, STAFF_FIELDS, expected_version)
    changed = _apply_account(session, member, details, roles_after, groups)
    finish_edit(session, "user", member, STAFF_FIELDS, actor)
    if changed:
        audit.record(
            session,
            "staff_updated",
            actor=actor,
            object_type="user",
            object_id=member.id,
            details={"fields": changed, "roles": sorted(r.value for r in roles_after)},
        )
    _settle_proposals(session, actor=actor, member=member, plan=plan, proposed=proposed)
    session.flush()


def decide_proposal(session: Session, *, actor: User, proposal: RoleProposal, confirm: bool) -> None:
    """Confirm a proposed role (the member then holds it) or decline it; either way the proposal
    ends. Only whoever may grant the role decides, and nobody but the head confirms their own."""
    if not access.may_decide_proposal(actor, proposal.role):
        raise RuleBroken(f"Only {_who_decides({proposal.role})} can decide on this role")
    member = proposal.user
    if confirm and member.id == actor.id and not access.may_give_self_roles(actor):
        raise RuleBroken("You cannot give yourself a new role: ask the head teacher")
    role, proposed_by_id = proposal.role, proposal.proposed_by_id
    _lock_school(session, member.school_id)
    # One statement that two people deciding at once cannot both win.
    ended = session.execute(
        sa.delete(RoleProposal).where(RoleProposal.id == proposal.id).execution_options(synchronize_session=False)
    ).rowcount
    session.expunge(proposal)
    if ended != 1:
        raise RuleBroken("Someone else has decided on this role already")
    if confirm and role not in member.roles:
        # A new version of the account, so that an edit opened before the role was confirmed is told.
        begin_edit(session, "user", member, STAFF_FIELDS, None)
        member.role_assignments.append(RoleAssignment(role=role))
        finish_edit(session, "user", member, STAFF_FIELDS, actor)
    audit.record(
        session,
        "role_confirmed" if confirm else "role_declined",
        actor=actor,
        object_type="user",
        object_id=member.id,
        details={"role": role.value, "proposed_by": proposed_by_id},
    )
    session.flush()


def pending_proposals(session: Session, school_id: int) -> list[RoleProposal]:
    """The school's proposed roles, oldest first, with their member and proposer."""
    return list(
        session.scalars(
            sa.select(RoleProposal)
            .join(User, User.id == RoleProposal.user_id)
            .where(User.school_id == school_id)
            .options(joinedload(RoleProposal.user), joinedload(RoleProposal.proposed_by))
            .order_by(RoleProposal.proposed_at, RoleProposal.id)
        )
    )


@dataclass
class GroupDetails:
    name: str
    year_group: int | None
    teacher_ids: list[int]
    kind: GroupKind = GroupKind.REGISTRATION


def save_group(
    session: Session,
    *,
    actor: User,
    details: GroupDetails,
    group: TeachingGroup | None = None,
    expected_version: int | None = None,
) -> TeachingGroup:
    """Create or change a class of the actor's school. Changing one: EditConflict when someone else
    saved the class after `expected_version`."""
    if group is not None:
        check_version(session, "teaching_group", group, GROUP_FIELDS, expected_version)
    # A name clashes only with another current class: last year's "4 Oak" is history.
    clash = sa.select(TeachingGroup.id).where(
        TeachingGroup.school_id == actor.school_id,
        sa.func.lower(TeachingGroup.name) == details.name.lower(),
        TeachingGroup.ended_on.is_(None),
    )
    if group is not None:
        clash = clash.where(TeachingGroup.id != group.id)
    if session.scalar(clash) is not None:
        raise RuleBroken("There is already a class with this name", field="name")
    teachers = []
    if details.teacher_ids:
        teachers = list(
            session.scalars(sa.select(User).where(User.id.in_(details.teacher_ids), User.school_id == actor.school_id))
        )
        if len(teachers) != len(set(details.teacher_ids)):
            raise RuleBroken("Choose teachers from this school", field="teachers")
    created = group is None
    if group is None:
        group = TeachingGroup(school_id=actor.school_id, name=details.name)
        session.add(group)
    else:
        begin_edit(session, "teaching_group", group, GROUP_FIELDS, expected_version)
    group.name = details.name
    group.year_group = details.year_group
    group.kind = details.kind
    group.teachers = teachers
    session.flush()
    if not created:
        finish_edit(session, "teaching_group", group, GROUP_FIELDS, actor)
    action = "class_added" if created else "class_updated"
    audit.record(session, action, actor=actor, object_type="teaching_group", object_id=group.id)
    session.flush()
    return group
