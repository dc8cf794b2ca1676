"""Page queries of the task and notification pages."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import User
from sentrack.models.duties import Notification

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
