"""Tasks and notifications on the user's side: completing a task with a note, reassigning it,
marking notifications read, resending failed emails, and the lists each page shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from sentrack import access, audit
from sentrack.clock import now
from sentrack.models import EmailDigest, Notification, Role, Task, TaskStatus, User
from sentrack.models.duties import EmailStatus
from sentrack.workflows import RuleBroken
from sentrack.workflows.duty_catalogue import BY_CODE
from sentrack.workflows.sweep import _unnamed, notify_assignees


def may_oversee(user: User) -> bool:
    """Whether the user sees and reassigns everyone's tasks at the school (`access` decides)."""
    return access.may_oversee_tasks(user)


ASSIGNEE_PROBLEM = "Choose someone from the list: a member of staff who can act on this task"


def complete_task(session: Session, *, actor: User, task: Task, note: str, today: date) -> None:
    """Mark an open task done by hand, with a note of what was done: only for a duty that no
    record can prove (the others close when their record is made, `workflows.fulfilment`).

    Refused when the task is not open, its duty closes by a record, or the note is empty."""
    if task.status is not TaskStatus.OPEN:
        raise RuleBroken("This task is already closed")
    spec = BY_CODE.get(task.duty.code)
    if spec is not None and not spec.closed_by_hand:
        raise RuleBroken(f"This task closes by itself: {spec.closes_by[0].lower()}{spec.closes_by[1:]}")
    if not (note or "").strip():
        raise RuleBroken("Say what was done", field="note")
    task.status = TaskStatus.DONE
    task.completed_on = task.closed_on = today
    task.completed_by_id = actor.id
    task.note = note.strip()
    audit.record(session, "task_completed", actor=actor, object_type="task", object_id=task.id)
    session.flush()


def reassign_task(session: Session, *, actor: User, task: Task, to: User | None) -> None:
    """Give an open task to another person who may be given it (`access.task_assignees`: an
    active member of the school whose access reaches the task's pupil for what the task asks), who
    is told.

    Refused when the actor may not oversee tasks, the task is closed, or the person may not be
    given the task (a governor, an administrator, a teacher of another class, someone who left)."""
    if not may_oversee(actor) or actor.school_id != task.school_id:
        raise RuleBroken("Only the SENCO or the head teacher can reassign a task")
    if task.status is not TaskStatus.OPEN:
        raise RuleBroken("This task is already closed")
    if not access.may_be_given_task(to, task):
        raise RuleBroken(ASSIGNEE_PROBLEM, field="assign_to")
    if to.id == task.assigned_to_id:
        raise RuleBroken("The task is already theirs", field="assign_to")
    task.assigned_to_id = to.id
    task.assigned_by_id = actor.id
    session.flush()
    notify_assignees(session, [task])
    audit.record(session, "task_reassigned", actor=actor, object_type="task", object_id=task.id, details={"to": to.id})
    session.flush()


def mark_read(session: Session, *, user: User, notification: Notification) -> None:
    if notification.recipient_id != user.id:
        raise RuleBroken("Not your notification")
    if notification.read_at is None:
        notification.read_at = now()
        session.flush()


def resend_failed_emails(session: Session, *, actor: User) -> int:
    """Put every failed email to an active member of the actor's school back in the outbox, with
    a fresh round of retries; the scheduler sends them on its next run. Audited per email.
    Answers how many; refused when there is none."""
    if not may_oversee(actor):
        raise RuleBroken("Only the SENCO or head teacher can resend emails")
    failed = session.scalars(
        sa.select(Notification)
        .join(User, User.id == Notification.recipient_id)
        .where(User.school_id == actor.school_id, User.active, Notification.email_status == EmailStatus.FAILED)
        .order_by(Notification.id)
    ).all()
    if not failed:
        raise RuleBroken("There are no failed emails to resend")
    for notification in failed:
        details = {"attempts": notification.attempts, "error": notification.last_error}
        audit.record(
            session, "email_resent", actor=actor, school_id=actor.school_id, about=notification, details=details
        )
        notification.email_status = EmailStatus.PENDING
        notification.attempts = 0
        notification.next_attempt_at = None
    # A notification that failed with its daily email goes again with that email (the email then
    # carries only the notifications put back).
    digest_ids = sorted({n.digest_id for n in failed if n.digest_id is not None})
    if digest_ids:
        session.execute(
            sa.update(EmailDigest)
            .where(EmailDigest.id.in_(digest_ids), EmailDigest.email_status == EmailStatus.FAILED)
            .values(email_status=EmailStatus.PENDING, attempts=0, next_attempt_at=None, last_error=None)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return len(failed)


@dataclass(frozen=True)
class NotificationTitles:
    titles: dict[int, str]  # by notification id: the title of its task as shown now
    named: dict[int, int]  # the pupils the titles name: pupil id -> their school's id (for the audit)


def notification_titles(session: Session, user: User, notifications: list[Notification]) -> NotificationTitles:
    """The title of each notification about a task the user may see, as the task is shown now
    (naming its pupil as their record names them today, while the user may still read that
    record; otherwise "a pupil"), by notification id, and the pupils named: two queries."""
    task_ids = {n.subject_id for n in notifications if n.subject_type == "task"}
    if not task_ids:
        return NotificationTitles({}, {})
    tasks = {
        task.id: task
        for task in session.scalars(
            sa.select(Task).where(Task.id.in_(task_ids)).options(joinedload(Task.pupil), joinedload(Task.duty))
        )
        if access.may_see_task(user, task)
    }
    in_reach = access.pupils_in_reach(user, {t.pupil_id for t in tasks.values() if t.pupil_id is not None})
    titles, named = {}, {}
    for n in notifications:
        task = tasks.get(n.subject_id) if n.subject_type == "task" else None
        if task is None:
            continue
        if task.pupil_id is None or task.pupil_id in in_reach:
            titles[n.id] = task.shown_title
            if task.pupil_id is not None:
                named[task.pupil_id] = task.school_id
        else:
            titles[n.id] = _unnamed(task)
    return NotificationTitles(titles, named)


def tasks_query(*, school_id: int) -> sa.Select:
    return (
        sa.select(Task)
        .where(Task.school_id == school_id)
        .options(joinedload(Task.assigned_to), joinedload(Task.duty), joinedload(Task.pupil))
    )


def my_tasks(session: Session, user: User, today: date) -> dict[str, list[Task]]:
    """The user's tasks: overdue, due (open, not yet overdue) and done (the latest 50)."""
    query = sa.select(Task).where(Task.assigned_to_id == user.id).options(joinedload(Task.duty), joinedload(Task.pupil))
    open_tasks = session.scalars(query.where(Task.status == TaskStatus.OPEN).order_by(Task.due_on, Task.id)).all()
    done = session.scalars(
        query.where(Task.status == TaskStatus.DONE).order_by(Task.completed_on.desc(), Task.id.desc()).limit(50)
    ).all()
    return {
        "overdue": [t for t in open_tasks if t.due_on < today],
        "due": [t for t in open_tasks if t.due_on >= today],
        "done": list(done),
    }


def school_tasks(session: Session, school_id: int, *, role: Role | None, status: TaskStatus | None) -> list[Task]:
    query = tasks_query(school_id=school_id)
    if role is not None:
        query = query.where(Task.for_role == role)
    if status is not None:
        query = query.where(Task.status == status)
    return list(session.scalars(query.order_by(Task.status, Task.due_on, Task.id).limit(500)))
