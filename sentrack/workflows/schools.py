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

ESTAB_DIGITS = 4


def checked_estab_number(session: Session, school: School, value: str | None, authority_id: int) -> str | None:
    """The school's DfE establishment number as it is to be stored (None for none): exactly four
    digits, held by no other school of the authority with `authority_id`. Raises RuleBroken beside
    the field."""
    value = "".join((value or "").split()) or None
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and len(value) == ESTAB_DIGITS):
        raise RuleBroken("The establishment number must be 4 digits, for example 2345", field="estab_number")
    taken = session.scalar(
        sa.select(School.name).where(
            School.local_authority_id == authority_id, School.estab_number == value, School.id != school.id
        )
    )
    if taken is not None:
        raise RuleBroken(
            f"Another school of the local authority ({taken}) has this establishment number", field="estab_number"
        )
    return value


def school_numbered(session: Session, number: str) -> School | None:
    """The school with this URN (6 digits) or DfE number (its LA and establishment numbers, 7
    digits, as CTF file names write them), else None."""
    number = "".join(number.split())
    if len(number) == 7:
        return session.scalar(
            sa.select(School)
            .join(LocalAuthority, LocalAuthority.id == School.local_authority_id)
            .where(LocalAuthority.code == number[:3], School.estab_number == number[3:])
        )
    return session.scalar(sa.select(School).where(School.urn == number))


@dataclass
class SchoolMoved:
    tasks_moved: int
    officer_id: int | None  # the new authority's officer, or None when it has none yet


def move_school(
    session: Session,
    *,
    school: School,
    authority: LocalAuthority,
    actor: User | None = None,
    estab_number: str | None = None,
) -> SchoolMoved:
    """Move `school` to `authority`: its staff belong to the new authority too, and every open
    task of the authority's duties for the school goes to the new authority's officer (who is
    told), or waits unassigned when it has none. The old authority's officers keep nothing of the
    school. The school takes `estab_number`, its establishment number in the new authority, when
    given; else it keeps its own. Refused when the school is already the authority's, or when the
    establishment number is not 4 digits or another school of the authority has it. Flushes; the
    caller commits."""
    if school.local_authority_id == authority.id:
        raise RuleBroken("The school is already in this local authority", field="authority")
    estab = checked_estab_number(session, school, estab_number or school.estab_number, authority.id)
    before = session.get(LocalAuthority, school.local_authority_id)
    school.local_authority_id = authority.id
    school.estab_number = estab
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
        "estab_number": estab,
        "tasks_moved": len(moved),
        "officer": officer_id,
    }
    audit.record(session, "school_moved", actor=actor, school_id=school.id, about=school, details=details)
    reassigned = {"to": officer_id, "why": "school_moved"}
    for task in moved:
        audit.record(session, "task_reassigned", actor=actor, school_id=school.id, about=task, details=reassigned)
    session.flush()
    return SchoolMoved(tasks_moved=len(moved), officer_id=officer_id)
