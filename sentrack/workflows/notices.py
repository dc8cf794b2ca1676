"""Notifications on the person's side: the kinds there are and how each person takes their emails,
marking them all read, following one to the place to act, and the days a page of them falls on.

Every notification is shown in the app; its email goes in the person's daily email unless they
chose otherwise for its kind (`EmailDelivery`). A kind that carries a duty of the roles guide, or
of the law, comes by email at least in the daily email: it cannot be switched off. An invitation
to set a password is no reminder: it always goes at once, since it is the way into the app; so do
a link to reset a forgotten password and the notice that a password was changed with one.

`delivery_of` is the one definition of how a notification's email goes, used by the outbox (which
sends those that go as it happens) and by the daily email (which gathers the rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import access, audit, changes
from sentrack.clock import day_of, now
from sentrack.models import EmailDelivery, Notification, NotificationPreference, Role, Task, User
from sentrack.models.factors import SECOND_FACTOR_RESET
from sentrack.workflows import RuleBroken
from sentrack.workflows.interventions import OFF_REGISTER_WAVE_3
from sentrack.workflows.invitations import INVITATION
from sentrack.workflows.password_resets import PASSWORD_RESET, PASSWORD_RESET_DONE
from sentrack.workflows.staff import ROLE_PROPOSED
from sentrack.workflows.sweep import TASK_ASSIGNED
from sentrack.workflows.transfers import TRANSFER_ASKED, TRANSFER_DECIDED


@dataclass(frozen=True)
class NoticeKind:
    """A kind of notification as the person choosing how its email reaches them sees it."""

    kind: str
    label: str  # what these notifications are, as the settings page names them
    hint: str
    sent_to: frozenset[Role]  # the roles whose holders are sent them (empty: anyone may be)
    required: bool  # a duty's: at least in the daily email, never switched off


NOTICE_KINDS: tuple[NoticeKind, ...] = (
    NoticeKind(
        TASK_ASSIGNED,
        "Tasks given to you",
        "A duty from the roles guide falls due for you, or someone passes a task to you. These are your "
        "duties, so they come by email at least once a day.",
        frozenset(),
        required=True,
    ),
    NoticeKind(
        TRANSFER_ASKED,
        "Another school asks for a pupil's SEN record",
        "The record must go to the pupil's new school within 15 school days of their leaving, so these "
        "come by email at least once a day.",
        frozenset({Role.SENCO}),
        required=True,
    ),
    NoticeKind(
        TRANSFER_DECIDED,
        "A previous school decided on a transfer you asked for",
        "The pupil's previous school confirmed or declined sending their SEN record.",
        frozenset({Role.SENCO}),
        required=False,
    ),
    NoticeKind(
        OFF_REGISTER_WAVE_3,
        "A pupil in a wave 3 intervention is not on the SEN register",
        "Someone set up SEN provision for a pupil who is not on SEN support.",
        frozenset({Role.SENCO}),
        required=False,
    ),
    NoticeKind(
        ROLE_PROPOSED,
        "A role for a member of staff waits for your confirmation",
        "The school administrator proposed a role that opens SEN records.",
        frozenset({Role.SENCO, Role.HEAD}),
        required=False,
    ),
)
BY_KIND = {notice.kind: notice for notice in NOTICE_KINDS}
REQUIRED_KINDS = frozenset(notice.kind for notice in NOTICE_KINDS if notice.required)
# Emailed at once whatever anyone chose: the way into the app, a password changed by a link, and a
# second factor reset by someone else.
ALWAYS_AT_ONCE = frozenset({INVITATION, PASSWORD_RESET, PASSWORD_RESET_DONE, SECOND_FACTOR_RESET})
REQUIRED_PROBLEM = "{label}: choose your daily email or an email as it happens, since these carry a duty"


def kinds_for(user: User) -> list[NoticeKind]:
    """The kinds of notification the user may be sent, in the catalogue's order."""
    return [notice for notice in NOTICE_KINDS if not notice.sent_to or access.holds_any(user, notice.sent_to)]


def delivery_of() -> sa.ColumnElement[str]:
    """How the email of a `Notification` row goes ("immediate", "digest" or "none"), as its
    recipient chose for its kind: by default in the daily email, never "none" for a required
    kind, and always at once for an invitation. The one definition the outbox and the daily
    email both use (a correlated subquery on the preference's unique index)."""
    chosen = (
        sa.select(sa.type_coerce(NotificationPreference.delivery, sa.String))
        .where(
            NotificationPreference.user_id == Notification.recipient_id,
            NotificationPreference.kind == Notification.kind,
        )
        .scalar_subquery()
    )
    return sa.case(
        (Notification.kind.in_(sorted(ALWAYS_AT_ONCE)), sa.literal(EmailDelivery.IMMEDIATE.value)),
        (
            sa.and_(Notification.kind.in_(sorted(REQUIRED_KINDS)), chosen == EmailDelivery.NONE.value),
            sa.literal(EmailDelivery.DIGEST.value),
        ),
        else_=sa.func.coalesce(chosen, sa.literal(EmailDelivery.DIGEST.value)),
    )


def email_choices(session: Session, user: User) -> dict[str, EmailDelivery]:
    """The user's choice for each kind offered to them (the daily email where they made none)."""
    stored = dict(
        session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.delivery).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {notice.kind: stored.get(notice.kind, EmailDelivery.DIGEST) for notice in kinds_for(user)}


def choose_emails(session: Session, *, actor: User, details: dict[str, EmailDelivery]) -> int:
    """Keep the actor's choice of how the email of each kind of notification reaches them, and
    audit what changed (the kinds and choices only). Answers how many choices changed.

    Refused when a kind is not one the actor may be sent, or "no email" is chosen for a kind that
    carries a duty (beside that kind's question)."""
    offered = {notice.kind: notice for notice in kinds_for(actor)}
    for kind, delivery in details.items():
        if kind not in offered:
            raise RuleBroken("Choose only for the notifications you may be sent")
        if delivery is EmailDelivery.NONE and offered[kind].required:
            raise RuleBroken(REQUIRED_PROBLEM.format(label=offered[kind].label), field=kind)
    rows = {
        row.kind: row
        for row in session.scalars(sa.select(NotificationPreference).where(NotificationPreference.user_id == actor.id))
    }
    changed = {}
    for kind, delivery in details.items():
        row = rows.get(kind)
        if (row.delivery if row is not None else EmailDelivery.DIGEST) is delivery:
            continue
        if row is None:
            session.add(NotificationPreference(user_id=actor.id, kind=kind, delivery=delivery))
        else:
            row.delivery, row.updated_at = delivery, now()
        changed[kind] = delivery.value
    if changed:
        audit.record(
            session, "notification_emails_chosen", actor=actor, object_type="user", object_id=actor.id, details=changed
        )
    session.flush()
    return len(changed)


def mark_all_read(session: Session, *, user: User, newest: int | None) -> int:
    """Mark read every unread notification of the user's own, up to `newest` (the newest the
    page showed them: one that came after it stays unread); audited with how many. Answers how
    many; refused when there is none."""
    unread = sa.and_(Notification.recipient_id == user.id, Notification.read_at.is_(None))
    if newest is not None:
        unread = sa.and_(unread, Notification.id <= newest)
    count = session.execute(
        sa.update(Notification)
        .where(unread)
        .values(read_at=now())
        .execution_options(synchronize_session=False, **changes.touching(user.school_id))
    ).rowcount
    if not count:
        raise RuleBroken("You have no unread notifications")
    audit.record(
        session,
        "notifications_marked_read",
        actor=user,
        object_type="user",
        object_id=user.id,
        details={"count": count},
    )
    session.flush()
    return count


def follow(session: Session, *, user: User, notification: Notification) -> str | None:
    """Open one of the user's notifications: it is marked read, and the answer is the path of the
    place to act, checked again now (`access.may_open_notice_link`): None when that place is no
    longer the user's (a pupil who left their classes, a task given to someone else), which is
    audited as a refusal of the notification, naming no pupil."""
    if notification.recipient_id != user.id:
        raise RuleBroken("Not your notification")
    if notification.read_at is None:
        notification.read_at = now()
    task = session.get(Task, notification.subject_id) if notification.subject_type == "task" else None
    path = _place(notification, task)
    reachable = path is not None and (task is None or access.may_see_task(user, task))
    if reachable:
        pupil_id = task.pupil_id if task is not None else None
        reachable = access.may_open_notice_link(user, urlsplit(path).path, pupil_id=pupil_id)
    if not reachable:
        audit.record(
            session,
            "notification_link_refused",
            actor=user,
            about=notification,
            details={"kind": notification.kind},
        )
    session.flush()
    return path if reachable else None


def _place(notification: Notification, task: Task | None) -> str | None:
    """Where a notification leads: its task's place, built from the task as it is now (its page
    when the task names no other), else the link it was made with."""
    if task is not None:
        return task.path or f"/tasks/{task.id}"
    return notification.link


@dataclass(frozen=True)
class Day:
    """The notifications of one day on a page of them, under the day's heading."""

    heading: str  # "Today", "Yesterday" or "3 December 2026"
    notifications: list[Notification]


def by_day(notifications: list[Notification], today: date) -> list[Day]:
    """`notifications` (newest first) under the London day each came on, newest day first."""
    days: list[Day] = []
    for notification in notifications:
        heading = day_heading(notification.created_at, today)
        if not days or days[-1].heading != heading:
            days.append(Day(heading, []))
        days[-1].notifications.append(notification)
    return days


def day_heading(moment: datetime, today: date) -> str:
    day = day_of(moment)
    if day == today:
        return "Today"
    if day == today - timedelta(days=1):
        return "Yesterday"
    return f"{day.day} {day:%B %Y}"
