"""Page queries of the task and notification pages."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import User
from sentrack.models.duties import EmailStatus, Notification

# The notifications page shows the newest this many.
NOTIFICATIONS_SHOWN = 200


def notifications_of(session: Session, user: User) -> list[Notification]:
    """The user's notifications for their page: unread first, then newest first."""
    return list(
        session.scalars(
            sa.select(Notification)
            .where(Notification.recipient_id == user.id)
            .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(), Notification.id.desc())
            .limit(NOTIFICATIONS_SHOWN)
        )
    )


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
