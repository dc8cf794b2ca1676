"""Page queries of the task and notification pages."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import g
from sqlalchemy.orm import Session

from sentrack.forms import page_count
from sentrack.models import User
from sentrack.models.duties import EmailStatus, Notification

# The notifications page shows this many at a time.
NOTIFICATIONS_PER_PAGE = 25


@dataclass(frozen=True)
class NotificationPage:
    notifications: list[Notification]  # newest first
    total: int
    page: int
    pages: int


def notification_page(session: Session, user: User, page: int, per_page: int = NOTIFICATIONS_PER_PAGE):
    """One page of the user's own notifications, newest first (a page past the last is the last):
    two queries on the (recipient, created) index."""
    total = session.scalar(sa.select(sa.func.count(Notification.id)).where(Notification.recipient_id == user.id)) or 0
    pages = page_count(total, per_page)
    page = min(max(1, page), pages)
    rows = session.scalars(
        sa.select(Notification)
        .where(Notification.recipient_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return NotificationPage(list(rows), total, page, pages)


@dataclass(frozen=True)
class Unread:
    count: int
    newest: int | None  # the id of the newest unread notification


def unread_of(session: Session, user: User) -> Unread:
    """How many of the user's notifications are unread, and the newest of them: one count on the
    (recipient, read) index, asked at most once a request (the account bar shows it on every page)."""
    cached = g.get("unread_notifications")
    if cached is not None and cached[0] == user.id:
        return cached[1]
    count, newest = session.execute(
        sa.select(sa.func.count(Notification.id), sa.func.max(Notification.id)).where(
            Notification.recipient_id == user.id, Notification.read_at.is_(None)
        )
    ).one()
    found = Unread(count or 0, newest)
    g.unread_notifications = (user.id, found)
    return found


# The email log shows the newest this many, failures first.
EMAILS_SHOWN = 200


@dataclass(frozen=True)
class EmailLog:
    rows: list[tuple[Notification, User]]  # each email and its recipient: failures first, then newest first
    failed: int  # how many of them could not be sent


def own_notification(session: Session, user: User, notification_id: int) -> Notification | None:
    """One of the user's own notifications, else None."""
    return session.scalar(
        sa.select(Notification).where(Notification.id == notification_id, Notification.recipient_id == user.id)
    )


def email_log(session: Session, user: User) -> EmailLog:
    """The emails to the staff of the user's school, failures first, then the newest."""
    rows = (
        session.execute(
            sa.select(Notification, User)
            .join(User, User.id == Notification.recipient_id)
            .where(User.school_id == user.school_id)
            .order_by(
                (Notification.email_status == EmailStatus.FAILED).desc(),
                Notification.created_at.desc(),
                Notification.id.desc(),
            )
            .limit(EMAILS_SHOWN)
        )
        .tuples()
        .all()
    )
    failed = sum(1 for notification, _ in rows if notification.email_status is EmailStatus.FAILED)
    return EmailLog(list(rows), failed)


def person(session: Session, user_id: int | None) -> User | None:
    """The account with this id, if any: whether it may be given a task is the workflow's check."""
    return None if user_id is None else session.get(User, user_id)
