"""A class's pupils changed many at once, and the warnings when a class's teachers change: a class
left with no teacher, or one gaining a second teacher (a teacher moved from one class to another
often leaves one of each behind)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import access, audit
from sentrack.models import Pupil, TeachingGroup, User, group_pupils
from sentrack.workflows import RuleBroken
from sentrack.workflows.confirmations import Confirmed, answers
from sentrack.workflows.register import on_roll
from sentrack.workflows.registration import joining_question, registration_classes
from sentrack.workflows.revisions import begin_edit, check_version, finish_edit
from sentrack.workflows.staff import GROUP_FIELDS, GroupDetails, StaffDetails, save_group, update_staff_member

# What an edit conflict of a class lists, whether its details or its pupils were changed.
MEMBERSHIP_FIELDS = GROUP_FIELDS


def teacher_warnings(before: dict[TeachingGroup, set[int]], after: dict[TeachingGroup, set[int]]) -> list[str]:
    """What to tell the person who changed classes' teachers (each class's teachers' ids before
    and after): a class that had a teacher and now has none, and a class that had at most one and
    now has two or more. A new class (not in `before`) with no teacher is warned of too."""
    warnings = []
    for group, now in sorted(after.items(), key=lambda item: item[0].name.lower()):
        was = before.get(group)
        if not now and (was is None or was):
            warnings.append(f"Class {group.name} has no teacher now: its pupils are not on any teacher's list.")
        elif len(now) >= 2 and (was is None or len(was) < 2):
            warnings.append(f"Class {group.name} now has {len(now)} teachers. Check that this is meant.")
    return warnings


def _teacher_ids(groups: Iterable[TeachingGroup]) -> dict[TeachingGroup, set[int]]:
    return {group: {teacher.id for teacher in group.teachers} for group in groups}


def save_class(
    session: Session,
    *,
    actor: User,
    details: GroupDetails,
    group: TeachingGroup | None = None,
    expected_version: int | None = None,
) -> list[str]:
    """`save_group` (create or change a class), answering the warnings about its teachers."""
    before = _teacher_ids([group]) if group is not None else {}
    saved = save_group(session, actor=actor, details=details, group=group, expected_version=expected_version)
    return teacher_warnings(before, _teacher_ids([saved]))


def save_member(
    session: Session, *, actor: User, member: User, details: StaffDetails, expected_version: int | None = None
) -> list[str]:
    """`update_staff_member` (change an account, its classes among the rest), answering the
    warnings about the teachers of the classes the member joined or left."""
    was = {group.id: group for group in member.current_groups}
    before = _teacher_ids(was.values())
    update_staff_member(session, actor=actor, member=member, details=details, expected_version=expected_version)
    now = {group.id: group for group in member.current_groups}
    touched = [group for group_id, group in (was | now).items() if (group_id in was) != (group_id in now)]
    for group in touched:
        session.refresh(group, ["teachers"])
        before.setdefault(group, {teacher.id for teacher in group.teachers} ^ {member.id})
    return teacher_warnings({g: before[g] for g in touched}, _teacher_ids(touched))


@dataclass(frozen=True)
class MembershipDetails:
    """The pupils ticked on the class's pupils form: to add to the class, and to take out of it."""

    add_ids: list[int] = field(default_factory=list)
    remove_ids: list[int] = field(default_factory=list)
    confirmed: Confirmed = field(default_factory=Confirmed)  # the answer to the registration question


def _reachable(session: Session, actor: User, add: set[int], remove: set[int], today: date) -> dict[int, Pupil]:
    """The pupils with these ids whose classes the actor may change: on the roll of the actor's
    school today. Any other id (another school's pupil, one who left, none at all) is refused,
    beside the list it was ticked in."""
    pupil_ids = add | remove
    if not pupil_ids:
        return {}
    found = {
        pupil.id: pupil
        for pupil in session.scalars(
            sa.select(Pupil).where(Pupil.id.in_(pupil_ids), access.class_pupil_scope(actor), on_roll(today))
        )
    }
    beyond = pupil_ids - found.keys()
    if beyond:
        raise RuleBroken("Choose pupils on the school's roll", field="add_ids" if beyond & add else "remove_ids")
    return found


def _registration_left(
    session: Session, group: TeachingGroup, joining: list[Pupil], confirmed: Confirmed
) -> dict[TeachingGroup, set[int]]:
    """Pupils joining the registration class `group` while in another are asked about
    (`registration.joining_question`, NeedsConfirming until answered): the other registration
    classes they leave on a move, each with the pupils leaving it; none when they stay in both."""
    if not group.is_registration:
        return {}
    elsewhere = registration_classes(session, [pupil.id for pupil in joining], besides=group.id)
    question = joining_question(group, joining, elsewhere)
    if question is None or not answers(confirmed, [question])[question.field].startswith("move:"):
        return {}
    leaving: dict[TeachingGroup, set[int]] = {}
    for pupil_id, groups in elsewhere.items():
        for other in groups:
            leaving.setdefault(other, set()).add(pupil_id)
    return leaving


def _leave_classes(
    session: Session, actor: User, leaving: dict[TeachingGroup, set[int]], pupils: dict[int, Pupil]
) -> None:
    """Take pupils out of their other registration classes (each class moved to its next
    version, as a change of its pupils is), audited by field as the class's own changes are."""
    for other, pupil_ids in sorted(leaving.items(), key=lambda item: item[0].id):
        begin_edit(session, "teaching_group", other, MEMBERSHIP_FIELDS, None)
        session.execute(
            sa.delete(group_pupils).where(group_pupils.c.group_id == other.id, group_pupils.c.pupil_id.in_(pupil_ids))
        )
        session.expire(other, ["pupils"])
        finish_edit(session, "teaching_group", other, MEMBERSHIP_FIELDS, actor)
        audit.record_for_pupils(
            session,
            "class_pupil_removed",
            actor=actor,
            pupils=[pupils[i] for i in sorted(pupil_ids)],
            object_type="teaching_group",
            object_id=other.id,
            details={"fields": ["classes"]},
        )


def change_class_pupils(
    session: Session,
    *,
    actor: User,
    group: TeachingGroup,
    details: MembershipDetails,
    today: date,
    expected_version: int | None = None,
) -> tuple[int, int]:
    """Add the pupils `details.add_ids` to the class and take `details.remove_ids` out of it, as
    one change; answer how many were added and taken out. Refused (RuleBroken, nothing stored) for
    a class ended at a year end, a pupil not on the roll of the actor's school, a pupil both added
    and taken out, or nothing ticked; asks (NeedsConfirming) about pupils joining a registration
    class while in another, who move or stay in both; EditConflict when someone else saved the class (its details
    or its pupils) after `expected_version`. Audited for each pupil, by field, never by value."""
    if group.ended_on is not None:
        raise RuleBroken("This class ended at the year end: its pupils are kept as history")
    add, remove = set(details.add_ids), set(details.remove_ids)
    if add & remove:
        raise RuleBroken("A pupil cannot be both added to the class and taken out of it", field="add_ids")
    check_version(session, "teaching_group", group, MEMBERSHIP_FIELDS, expected_version)
    pupils = _reachable(session, actor, add, remove, today)
    members = set(session.scalars(sa.select(group_pupils.c.pupil_id).where(group_pupils.c.group_id == group.id)))
    add, remove = add - members, remove & members
    if not add and not remove:
        raise RuleBroken("Tick the pupils to add to the class or to take out of it", field="add_ids")
    leaving = _registration_left(session, group, [pupils[i] for i in sorted(add)], details.confirmed)
    begin_edit(session, "teaching_group", group, MEMBERSHIP_FIELDS, expected_version)
    if leaving:
        _leave_classes(session, actor, leaving, pupils)
    if add:
        session.execute(sa.insert(group_pupils), [{"group_id": group.id, "pupil_id": i} for i in sorted(add)])
    if remove:
        session.execute(
            sa.delete(group_pupils).where(group_pupils.c.group_id == group.id, group_pupils.c.pupil_id.in_(remove))
        )
    session.expire(group, ["pupils"])
    for pupil in pupils.values():
        session.expire(pupil, ["groups"])
    finish_edit(session, "teaching_group", group, MEMBERSHIP_FIELDS, actor)
    for action, ids in (("class_pupil_added", add), ("class_pupil_removed", remove)):
        audit.record_for_pupils(
            session,
            action,
            actor=actor,
            pupils=[pupils[i] for i in ids],
            object_type="teaching_group",
            object_id=group.id,
            details={"fields": ["classes"]},
        )
    session.flush()
    return len(add), len(remove)
