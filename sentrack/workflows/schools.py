"""A school moving to another local authority: its record, its staff's authority and the open
tasks of the authority's duties, which pass to the new authority's officer (chosen as the daily
sweep chooses one, `sweep.la_officers`). Audited; run from `flask --app sentrack move-school`."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import LocalAuthority, Role, School, Task, TaskStatus, User
from sentrack.workflows import RuleBroken
from sentrack.workflows.sweep import la_officers, notify_assignees


@dataclass
class SchoolMoved:
    tasks_moved: int
    officer_id: int | None  # the new authority's officer, or None when it has none yet


def move_school(
    session: Session, *, school: School, authority: LocalAuthority, actor: User | None = None
) -> SchoolMoved:
    """Move `school` to `authority`: its staff belong to the new authority too, and every open
    task of the authority's duties for the school goes to the new authority's officer (who is
    told), or waits unassigned when it has none. The old authority's officers keep nothing of the
    school. Refused when the school is already the authority's. Flushes; the caller commits."""
    if school.local_authority_id == authority.id:
        raise RuleBroken("The school is already in this local authority", field="authority")
    before = session.get(LocalAuthority, school.local_authority_id)
    school.local_authority_id = authority.id
    session.execute(
        sa.update(User)
        .where(User.school_id == school.id)
        .values(local_authority_id=authority.id)
        .execution_options(synchronize_session="fetch")
    )
    officer_id = la_officers(session).get(authority.id)
    tasks = session.scalars(
        sa.select(Task)
        .where(Task.school_id == school.id, Task.for_role == Role.LA_OFFICER, Task.status == TaskStatus.OPEN)
        .order_by(Task.id)
    ).all()
    moved = []
    for task in tasks:
        if task.assigned_to_id != officer_id:
            task.assigned_to_id = officer_id
            task.assigned_by_id = None
            moved.append(task)
    session.flush()
    notify_assignees(session, moved)
    details = {
        "from": before.code if before else None,
        "to": authority.code,
        "tasks_moved": len(moved),
        "officer": officer_id,
    }
    audit.record(session, "school_moved", actor=actor, school_id=school.id, about=school, details=details)
    reassigned = {"to": officer_id, "why": "school_moved"}
    for task in moved:
        audit.record(session, "task_reassigned", actor=actor, school_id=school.id, about=task, details=reassigned)
    session.flush()
    return SchoolMoved(tasks_moved=len(moved), officer_id=officer_id)
