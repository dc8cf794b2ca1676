"""How each person takes the emails of their notifications, and the daily emails that gather them.

Every notification is shown in the app. Its email goes out as it happens, in the person's one
daily email (the default, so that the start of a term does not bring a SENCO hundreds of emails),
or not at all, as the person chose for its kind (`NotificationPreference`; no row is the default).
An `EmailDigest` is one person's daily email of one day: unique per (person, day), so that however
many schedulers run, it is made once, and sent once (claimed, retried and failed as the outbox's
emails are).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sentrack.clock import now
from sentrack.models.base import Base, UTCDateTime
from sentrack.models.duties import EmailStatus, Notification
from sentrack.models.enums import Labelled, enum_type
from sentrack.models.people import User


class EmailDelivery(Labelled):
    DIGEST = "digest", "In my daily email"
    IMMEDIATE = "immediate", "In an email as it happens"
    NONE = "none", "No email: I will see it in SEN Track"


class NotificationPreference(Base):
    """A person's choice of how the email of one kind of notification reaches them."""

    __tablename__ = "notification_preference"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))
    delivery: Mapped[EmailDelivery] = mapped_column(enum_type(EmailDelivery, "delivery"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())


class EmailDigest(Base):
    """One person's daily email of one day, and what the sender has done with it."""

    __tablename__ = "email_digest"
    __table_args__ = (
        sa.UniqueConstraint("recipient_id", "day"),
        sa.CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        sa.Index("ix_email_digest_due", "email_status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    day: Mapped[date]
    # Named as a notification's, so that the outbox's steps (claim, sent, retry, fail) serve both.
    email_status: Mapped[EmailStatus] = mapped_column(
        enum_type(EmailStatus, "digest_status"), default=EmailStatus.PENDING, server_default="pending"
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=lambda: now())

    recipient: Mapped[User] = relationship()
    notifications: Mapped[list[Notification]] = relationship(order_by=Notification.id, viewonly=True)
