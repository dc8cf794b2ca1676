"""The demo's notifications as a newcomer should meet them in the middle of a term: the reminders of
the demo's one sweep dated over the fortnight before, as each morning's sweep would have made them
(an overdue task's reminder on a school day after it was first due to be made, the others this
morning), the older ones mostly read, each day's in that morning's daily email; and a SENCO and a
head teacher who chose otherwise for one kind each."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.clock import SCHOOL_TIME as LONDON
from sentrack.digest import DIGEST_HOUR
from sentrack.models import EmailDelivery, EmailDigest, NotificationPreference, Task, User
from sentrack.models.duties import EmailStatus, Notification
from sentrack.workflows.staff import ROLE_PROPOSED
from sentrack.workflows.sweep import TASK_ASSIGNED
from sentrack.workflows.transfers import TRANSFER_ASKED

SPREAD_DAYS = 10  # an overdue task's reminder came up to this many days ago
READ_SHARE = 0.7  # of the reminders two days old or more, this share has been read


def _morning(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON).astimezone(UTC)


def _school_day_before(today: date, days: int) -> date:
    day = today - timedelta(days=days)
    while day.weekday() >= 5:  # the sweep's reminders of a weekend are read on the Friday before
        day -= timedelta(days=1)
    return day


def spread_notifications(session: Session, *, today: date, seed: int) -> int:
    """Date the sweep's reminders (those emailed, not the failed ones) over the days before
    `today`, with their tasks, and give each person's each day a daily email sent that morning.
    Answers how many daily emails there are."""
    rng = random.Random(seed)
    rows = session.execute(
        sa.select(Notification, Task)
        .join(Task, sa.and_(Notification.subject_type == "task", Task.id == Notification.subject_id))
        .where(Notification.kind == TASK_ASSIGNED, Notification.email_status == EmailStatus.SENT)
        .where(Notification.created_at >= _morning(today, 0))
        .order_by(Notification.id)
    ).all()
    days: dict[tuple[int, date], list[Notification]] = {}
    for notification, task in rows:
        back = rng.randint(1, SPREAD_DAYS) if task.due_on < today else 0
        day = _school_day_before(today, back) if back else today
        notification.created_at = task.created_at = _morning(day, 6, 30)
        if (today - day).days >= 2 and rng.random() < READ_SHARE:
            notification.read_at = _morning(day, rng.randint(8, 16), rng.randint(0, 59))
        days.setdefault((notification.recipient_id, day), []).append(notification)
    digests = []
    for (recipient_id, day), notifications in sorted(days.items(), key=lambda item: (item[0][1], item[0][0])):
        sent_at = _morning(day, DIGEST_HOUR)
        digest = EmailDigest(
            recipient_id=recipient_id,
            day=day,
            email_status=EmailStatus.SENT,
            attempts=1,
            sent_at=sent_at,
            created_at=sent_at,
        )
        session.add(digest)
        digests.append((digest, sent_at, notifications))
    # One flush inserts the digests in the order added, giving their ids (one a digest made
    # thousands of flushes at a large authority).
    session.flush()
    for digest, sent_at, notifications in digests:
        for notification in notifications:
            notification.digest_id, notification.sent_at = digest.id, sent_at
    _choices(session)
    session.flush()
    return len(days)


def _choices(session: Session) -> None:
    """The demo SENCO has requests for a pupil's record as they happen; the demo head teacher has
    no email of roles waiting for confirmation (they look at the staff page each week)."""
    for email, kind, delivery in (
        ("senco@demo.test", TRANSFER_ASKED, EmailDelivery.IMMEDIATE),
        ("head@demo.test", ROLE_PROPOSED, EmailDelivery.NONE),
    ):
        user_id = session.scalar(sa.select(User.id).where(User.email == email))
        if user_id is not None:
            session.add(NotificationPreference(user_id=user_id, kind=kind, delivery=delivery))
