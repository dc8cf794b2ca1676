"""The daily email: each morning one email per person, listing the notifications that came for them
since their last one and that they take in the daily email (the default: `workflows.notices`).

`gather` makes the day's daily email of each person with notifications waiting for one: one row
per (person, day), inserted so that a second scheduler, or a second run, makes none again; the
waiting notifications are tied to the email only by the run that made it. Notifications already
read in the app are left out (the person has seen them), and so are those of a kind the person
chose to have no email for: both are marked "skipped". `send_due_digests` then sends each daily
email as the outbox sends an email: claimed with a lease just before it is sent, its result
committed at once with its notifications (sent, or failed with the email's reason), retried
after a failure to reach the server with the outbox's waits. However many senders run, a daily
email goes once.

What the email says of each notification is the outbox's fixed wording (`outbox.email_what`: a
task's duty as the catalogue names it), never a stored title, which may hold text someone typed;
no pupil is named. Each line links to the notification in the app, which checks again, when the
link is followed, that the place to act is still the person's.
"""

from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage
from functools import partial

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from sentrack.models import EmailDelivery, EmailDigest, Task, User
from sentrack.models.duties import EmailStatus, Notification
from sentrack.outbox import (
    BATCH,
    HEADER_POLICY,
    SendSummary,
    _claim,
    _committed,
    _send_one,
    _tasks_of,
    email_what,
    header_text,
)
from sentrack.workflows.notices import delivery_of
from sentrack.workflows.sweep import _insert_ignoring_duplicates, path_for

# The hour (London time) the daily email goes, after the morning sweep (06:30), so that the day's
# reminders are in it.
DIGEST_HOUR = 7
# An email lists at most this many notifications, then says how many more there are.
LISTED = 50


def _waiting() -> sa.ColumnElement[bool]:
    """A notification whose email waits for its recipient's next daily email."""
    return sa.and_(
        Notification.email_status == EmailStatus.PENDING,
        Notification.digest_id.is_(None),
        delivery_of() == EmailDelivery.DIGEST.value,
    )


def skip_unwanted(session: Session) -> int:
    """Mark "skipped" every pending notification whose recipient chose no email for its kind.
    Answers how many."""
    return session.execute(
        sa.update(Notification)
        .where(
            Notification.email_status == EmailStatus.PENDING,
            Notification.digest_id.is_(None),
            delivery_of() == EmailDelivery.NONE.value,
        )
        .values(email_status=EmailStatus.SKIPPED, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount


def gather(session: Session, *, day: date, now: datetime) -> int:
    """Make `day`'s daily email for each active person with unread notifications waiting for one
    who has none for `day` yet, and tie those notifications to it; those already read wait no
    more ("skipped"). Safe to repeat and to run twice at once: the (person, day) row is inserted
    once, and only the run that inserted it ties notifications to it. Answers how many were made;
    the caller commits."""
    skip_unwanted(session)
    session.execute(
        sa.update(Notification)
        .where(_waiting(), Notification.read_at.is_not(None))
        .values(email_status=EmailStatus.SKIPPED, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    unread = sa.and_(_waiting(), Notification.read_at.is_(None))
    recipients = session.scalars(
        sa.select(Notification.recipient_id)
        .join(User, User.id == Notification.recipient_id)
        .where(unread, User.active)
        .distinct()
        .order_by(Notification.recipient_id)
    ).all()
    table = EmailDigest.__table__
    rows = [
        {"recipient_id": person, "day": day, "email_status": "pending", "attempts": 0, "created_at": now}
        for person in recipients
    ]
    made = [
        person
        for _, person in _insert_ignoring_duplicates(
            session, table, rows, ["recipient_id", "day"], [table.c.id, table.c.recipient_id]
        )
    ]
    if made:
        own = (
            sa.select(EmailDigest.id)
            .where(EmailDigest.recipient_id == Notification.recipient_id, EmailDigest.day == day)
            .scalar_subquery()
        )
        session.execute(
            sa.update(Notification)
            .where(unread, Notification.recipient_id.in_(made))
            .values(digest_id=own)
            .execution_options(synchronize_session=False)
        )
    return len(made)


def send_due_digests(session: Session, *, mailer, now: datetime, sender: str, base_url: str) -> SendSummary:
    """Send every daily email that is pending and due now (new, or to be tried again), each
    claimed just before it is sent and its result committed at once with its notifications."""
    summary = SendSummary()
    due = session.scalars(
        sa.select(EmailDigest)
        .join(User, User.id == EmailDigest.recipient_id)
        .where(
            EmailDigest.email_status == EmailStatus.PENDING,
            sa.or_(EmailDigest.next_attempt_at.is_(None), EmailDigest.next_attempt_at <= now),
            User.active,
        )
        .options(selectinload(EmailDigest.recipient))
        .order_by(EmailDigest.id)
        .limit(BATCH)
    ).all()
    with mailer:
        for digest in due:
            if not _committed(session, partial(_claim, session, digest.id, now, EmailDigest)):
                summary.taken_elsewhere += 1
                continue
            _count(summary, digest, _send_digest(session, mailer, digest, now, sender, base_url))
    return summary


def _send_digest(session: Session, mailer, digest: EmailDigest, now: datetime, sender: str, base_url: str) -> str:
    """Send one claimed daily email with the notifications still waiting in it: "sent",
    "retried", "failed", or "empty" when none is (then nothing is sent)."""
    notifications = session.scalars(
        sa.select(Notification)
        .where(Notification.digest_id == digest.id, Notification.email_status == EmailStatus.PENDING)
        .order_by(Notification.created_at, Notification.id)
    ).all()
    if not notifications:
        return _committed(session, partial(_empty, digest))
    tasks = _tasks_of(session, notifications)
    build = partial(compose_digest, digest, notifications, tasks, sender=sender, base_url=base_url)
    ids = [n.id for n in notifications]
    return _send_one(session, mailer, digest, build, now, also=partial(_settle, session, digest, ids, now))


def _empty(digest: EmailDigest) -> str:
    digest.email_status = EmailStatus.SKIPPED
    digest.next_attempt_at = None
    return "empty"


def _settle(session: Session, digest: EmailDigest, ids: list[int], now: datetime, result: str) -> None:
    """Mark the notifications the daily email carried as it went: sent with it, or failed with
    its reason once it is failed for good (the SENCO's email page shows them, and resends them)."""
    if result == "sent":
        values = {"email_status": EmailStatus.SENT, "sent_at": now, "last_error": None, "next_attempt_at": None}
    elif result == "failed":
        values = {
            "email_status": EmailStatus.FAILED,
            "last_error": f"The daily email could not be sent: {digest.last_error}"[:500],
            "next_attempt_at": None,
        }
    else:
        return
    session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(ids))
        .values(attempts=Notification.attempts + 1, **values)
        .execution_options(synchronize_session=False)
    )


def _count(summary: SendSummary, digest: EmailDigest, outcome: str) -> None:
    if outcome == "sent":
        summary.sent += 1
    elif outcome == "retried":
        summary.retried += 1
        summary.errors.append(digest.last_error)
    elif outcome == "failed":
        summary.failed += 1
        summary.errors.append(digest.last_error)


def _line(notification: Notification, task: Task | None, base: str) -> list[str]:
    what = header_text(email_what(notification, task))
    if task is not None:
        what += f" (due by {task.due_on.day} {task.due_on:%B %Y})"
    return [f"- {what}", f"  {base}{path_for('duties.follow', {'notification_id': notification.id})}", ""]


def compose_digest(
    digest: EmailDigest, notifications: list[Notification], tasks: dict[int, Task], *, sender: str, base_url: str
) -> EmailMessage:
    """The daily email: what each notification is about, in fixed words, and its link. It names
    no pupil and carries no text anyone typed."""
    base = base_url.rstrip("/")
    count = len(notifications)
    plural = "notification" if count == 1 else "notifications"
    message = EmailMessage(policy=HEADER_POLICY)
    message["From"] = sender
    message["To"] = digest.recipient.email
    message["Subject"] = f"SEN Track: your daily email, {count} new {plural}"
    lines = [
        f"Hello {header_text(digest.recipient.full_name)},",
        "",
        f"{count} new {plural} came for you in SEN Track since your last daily email:",
        "",
    ]
    for notification in notifications[:LISTED]:
        task = tasks.get(notification.subject_id) if notification.subject_type == "task" else None
        lines += _line(notification, task, base)
    if count > LISTED:
        lines += [f"And {count - LISTED} more: {base}{path_for('duties.notifications', {})}", ""]
    lines += [
        "Each link opens the notification once you have signed in. Emails name no pupil: the details are in SEN Track.",
        "",
        f"Choose how each kind of notification reaches you: {base}{path_for('duties.email_settings', {})}",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message
