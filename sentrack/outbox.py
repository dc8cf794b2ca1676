"""Sending the outbox: notifications waiting for email go out through SMTP, after the sweep that
created them has committed. A failure to reach the server is retried with growing waits, capped
at RETRY_CAP, for at least three days (an outage over a weekend loses nothing); after the last try
the email is marked failed for the SENCO to see and resend. A message that cannot be built (an
address the server refuses to take, say) is marked failed with its reason at once, and the rest of
the outbox goes on: one bad message never stops the others.

Headers are built with a strict policy and from text cleaned of control characters, so that no
data (a name with a line break in it, say) can add a header.

Emails say what kind of thing is due and by when, and link to the place to do it; they name no
pupil, not even by initials, and carry no text typed by anyone (a title, an intervention's name),
since email leaves the school's systems. The pupil is one sign-in away.
"""

from __future__ import annotations

import contextlib
import logging
import re
import smtplib
import sys
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from functools import partial
from typing import TypeVar

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

from sentrack.models import EmailDelivery, Invitation, PasswordReset, Task, User
from sentrack.models.duties import EmailStatus, Notification
from sentrack.workflows import invitations, password_resets
from sentrack.workflows.invitations import INVITATION
from sentrack.workflows.links import is_open
from sentrack.workflows.password_resets import PASSWORD_RESET, PASSWORD_RESET_DONE

log = logging.getLogger(__name__)
T = TypeVar("T")

# Waits after the first, second, ... failed attempt, then RETRY_CAP between tries until the waits
# add up to RETRY_FOR; the try after that is the last, and if it fails the email is failed.
RETRY_WAITS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
RETRY_CAP = timedelta(hours=4)
RETRY_FOR = timedelta(days=3)
BATCH = 200
# How long a sender holds a message it has claimed: another sender takes it up only after this, so
# a sender that dies while sending loses nothing (the message may then go twice, but is never lost).
LEASE = timedelta(minutes=10)

# Headers: the default policy refuses a CR or LF in a header value (raising rather than folding
# it into a new header); the clean-up below makes sure no such value is handed to it.
HEADER_POLICY = policy.default.clone(raise_on_defect=True)


def retry_wait(attempts: int) -> timedelta | None:
    """The wait before the next try after `attempts` failed ones, or None once the waits so far
    add up to RETRY_FOR (then the email is failed)."""
    waited = sum(RETRY_WAITS[: attempts - 1], timedelta())
    if attempts - 1 > len(RETRY_WAITS):
        waited += RETRY_CAP * (attempts - 1 - len(RETRY_WAITS))
    if waited >= RETRY_FOR:
        return None
    return RETRY_WAITS[attempts - 1] if attempts <= len(RETRY_WAITS) else RETRY_CAP


MAX_ATTEMPTS = next(n for n in range(1, 1000) if retry_wait(n) is None)

_UNSAFE_IN_HEADER = re.compile(r"\s+")


def header_text(text: str) -> str:
    """`text` fit for a header: every control or format character (line breaks, NUL, bidirectional
    overrides, zero-width characters) and run of spaces becomes one space."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in text)
    return _UNSAFE_IN_HEADER.sub(" ", cleaned).strip()


class SMTPMailer:
    """Sends through an SMTP server, one connection per batch."""

    def __init__(
        self, *, host: str, port: int, username: str | None, password: str | None, use_tls: bool, timeout: float
    ):
        self.host, self.port, self.username, self.password = host, port, username, password
        self.use_tls, self.timeout = use_tls, timeout
        self._connection: smtplib.SMTP | None = None

    def __enter__(self) -> SMTPMailer:
        return self

    def __exit__(self, *exc) -> None:
        if self._connection is not None:
            with contextlib.suppress(smtplib.SMTPException):
                self._connection.quit()
            self._connection = None

    def _open(self) -> smtplib.SMTP:
        if self._connection is None:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.use_tls:
                connection.starttls()
            if self.username:
                connection.login(self.username, self.password or "")
            self._connection = connection
        return self._connection

    def send(self, message: EmailMessage) -> None:
        try:
            self._open().send_message(message)
        except (smtplib.SMTPServerDisconnected, ConnectionError):
            self._connection = None
            raise


class ConsoleMailer:
    """Development: prints each email instead of sending it."""

    def __enter__(self) -> ConsoleMailer:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def send(self, message: EmailMessage) -> None:
        print(f"--- email to {message['To']}: {message['Subject']}\n{message.get_content()}", file=sys.stdout)


def mailer_from_config(config) -> SMTPMailer | ConsoleMailer:
    if not config.get("MAIL_SERVER"):
        return ConsoleMailer()
    return SMTPMailer(
        host=config["MAIL_SERVER"],
        port=config["MAIL_PORT"],
        username=config.get("MAIL_USERNAME"),
        password=config.get("MAIL_PASSWORD"),
        use_tls=config.get("MAIL_USE_TLS", True),
        timeout=config.get("MAIL_TIMEOUT", 10),
    )


# What an email says a notification is about, by its kind: fixed wording that names no pupil.
# A task's email says which duty fell due (the catalogue's wording), never the task's title.
EMAIL_WHAT = {
    "wave3_off_register": "A pupil in a wave 3 intervention is not on the SEN register",
    "transfer_asked": "Another school asks for the SEN record of a pupil who joined it",
    "transfer_decided": "A pupil's previous school decided on their transfer",
    "role_proposed": "A role for a member of staff waits for your confirmation",
    "second_factor_reset": "Your second factor for signing in was reset",
}
EMAIL_WHAT_DEFAULT = "You have a new notification"


def email_what(notification: Notification, task: Task | None) -> str:
    """What the email is about, in words that name no pupil and hold no text typed by anyone
    (an intervention's name, a title): the duty's title from the catalogue for a task."""
    if task is not None:
        return f"A task for you: {task.duty.title}"
    return EMAIL_WHAT.get(notification.kind, EMAIL_WHAT_DEFAULT)


def compose(notification: Notification, *, sender: str, base_url: str, task: Task | None = None) -> EmailMessage:
    """The email for a notification: what is due and by when, and the link to it in the app. It
    names no pupil: the pupil, and the task's full title, are one sign-in away."""
    message = EmailMessage(policy=HEADER_POLICY)
    message["From"] = sender
    message["To"] = notification.recipient.email
    what = header_text(email_what(notification, task))
    message["Subject"] = f"SEN Track: {what}"[:200]
    lines = [f"Hello {header_text(notification.recipient.full_name)},", "", f"{what}."]
    if task is not None:
        lines.append(f"Due by: {task.due_on.day} {task.due_on:%B %Y}")
    link = f"{base_url.rstrip('/')}{notification.link or '/'}"
    if notification.kind == "second_factor_reset":
        lines += [
            "",
            "Your authenticator app, recovery codes and security keys were removed from your account, and you "
            "were signed out. Sign in with your password and set up a second factor again.",
            "",
            "If you did not ask for this, tell your head teacher (or your authority's SEN team) at once.",
        ]
    lines += ["", f"See it here (sign in first): {link}", "", "Emails name no pupil: the details are in SEN Track."]
    message.set_content("\n".join(lines) + "\n")
    return message


def compose_invitation(notification: Notification, *, sender: str, base_url: str, link: str) -> EmailMessage:
    """The email inviting a new member of staff to set their own password. It names no pupil."""
    message = EmailMessage(policy=HEADER_POLICY)
    message["From"] = sender
    message["To"] = notification.recipient.email
    message["Subject"] = "SEN Track: set your password"
    lines = [
        f"Hello {header_text(notification.recipient.full_name)},",
        "",
        "An account has been made for you in SEN Track. Set your own password with this link:",
        "",
        f"{base_url.rstrip('/')}{link}",
        "",
        "The link works once and ends after 7 days. If it has ended, ask your head teacher, SENCO or "
        "school administrator to send a new one. If you did not expect this email, ignore it.",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


def compose_password_reset(notification: Notification, *, sender: str, base_url: str, link: str) -> EmailMessage:
    """The email with a link to reset a forgotten password. It names no pupil."""
    message = EmailMessage(policy=HEADER_POLICY)
    message["From"] = sender
    message["To"] = notification.recipient.email
    message["Subject"] = "SEN Track: reset your password"
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    lines = [
        f"Hello {header_text(notification.recipient.full_name)},",
        "",
        "Someone asked to reset the password of your SEN Track account. Choose a new password with this link:",
        "",
        f"{base_url.rstrip('/')}{link}",
        "",
        f"The link works once and ends after {minutes} minutes. If you did not ask for it, ignore this "
        "email: your password stays as it is.",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


def compose_password_changed(notification: Notification, *, sender: str, base_url: str) -> EmailMessage:
    """The email telling a person their password was changed with a reset link. It names no pupil."""
    message = EmailMessage(policy=HEADER_POLICY)
    message["From"] = sender
    message["To"] = notification.recipient.email
    message["Subject"] = "SEN Track: your password was changed"
    lines = [
        f"Hello {header_text(notification.recipient.full_name)},",
        "",
        "The password of your SEN Track account was changed with a link emailed to you, and every "
        "session of the account was ended.",
        "",
        "If you did not do this, tell your head teacher, SENCO or school administrator at once.",
        "",
        f"Sign in: {base_url.rstrip('/')}/sign-in",
    ]
    message.set_content("\n".join(lines) + "\n")
    return message


# The emailed one-use links the outbox builds when it sends: the row's model, the link's path
# and how its token is made (sentrack/workflows/links.py).
LINKS = {
    INVITATION: (Invitation, "/invitation/", invitations.token_for),
    PASSWORD_RESET: (PasswordReset, "/reset-password/", password_resets.token_for),
}


def _emailed_links(
    session: Session, due: list[Notification], secret_key: str | None, now: datetime
) -> dict[tuple[str, int], str | None]:
    """The link of each invitation or reset email in the batch, by (kind, row id), built from
    the row's nonce and the app's secret key (the token itself is stored nowhere); None for a
    link that has been used, replaced or has expired since."""
    wanted = {(n.kind, n.subject_id) for n in due if n.kind in LINKS and n.subject_type == n.kind}
    if not wanted:
        return {}
    if secret_key is None:
        secret_key = current_app.config["SECRET_KEY"]
    built = {}
    for kind, (model, path, token_for) in LINKS.items():
        ids = [subject_id for wanted_kind, subject_id in wanted if wanted_kind == kind]
        if not ids:
            continue
        found = {row.id: row for row in session.scalars(sa.select(model).where(model.id.in_(ids)))}
        for row_id in ids:
            row = found.get(row_id)
            open_now = row is not None and is_open(row, now)
            built[(kind, row_id)] = f"{path}{token_for(row, secret_key)}" if open_now else None
    return built


@dataclass
class SendSummary:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    taken_elsewhere: int = 0
    errors: list[str] = field(default_factory=list)


def send_due(
    session: Session, *, mailer, now: datetime, sender: str, base_url: str, secret_key: str | None = None
) -> SendSummary:
    """Send every notification whose email is pending and due now, each claimed with a lease just
    before it is sent and its result committed at once: however many senders run, a message is
    sent once (a sender killed after the server took a message but before its result was
    committed leaves it to be sent again when the lease ends: at least once, never lost)."""
    summary = SendSummary()
    due = _due_notifications(session, now)
    tasks = _tasks_of(session, due)
    links = _emailed_links(session, due, secret_key, now)
    with mailer:
        for notification in due:
            if not _committed(session, partial(_claim, session, notification.id, now)):
                summary.taken_elsewhere += 1
                continue
            task = tasks.get(notification.subject_id) if notification.subject_type == "task" else None
            build = partial(_message, notification, sender, base_url, task, links)
            _count(summary, notification, _send_one(session, mailer, notification, build, now))
    return summary


def _due_notifications(session: Session, now: datetime) -> list[Notification]:
    """The next BATCH of pending emails due now, to active users who take them as they happen
    (`workflows.notices.delivery_of`; the rest wait for the daily email), oldest first."""
    from sentrack.workflows.notices import delivery_of

    return session.scalars(
        sa.select(Notification)
        .join(User, User.id == Notification.recipient_id)
        .where(
            Notification.email_status == EmailStatus.PENDING,
            sa.or_(Notification.next_attempt_at.is_(None), Notification.next_attempt_at <= now),
            User.active,
            Notification.digest_id.is_(None),
            delivery_of() == EmailDelivery.IMMEDIATE.value,
        )
        .options(selectinload(Notification.recipient))
        .order_by(Notification.id)
        .limit(BATCH)
    ).all()


def _tasks_of(session: Session, due: list[Notification]) -> dict[int, Task]:
    """The tasks the notifications are about, with their duties, fetched for the whole batch at once."""
    task_ids = [n.subject_id for n in due if n.subject_type == "task"]
    if not task_ids:
        return {}
    return {
        t.id: t for t in session.scalars(sa.select(Task).where(Task.id.in_(task_ids)).options(selectinload(Task.duty)))
    }


def _message(
    notification: Notification,
    sender: str,
    base_url: str,
    task: Task | None,
    links: dict[tuple[str, int], str | None],
) -> EmailMessage:
    """The email of `notification`: an invitation's or a reset link's (refused once the link is
    used, replaced or ended), a changed password's, or a notification's about its task."""
    if notification.kind in LINKS and notification.subject_type == notification.kind:
        link = links.get((notification.kind, notification.subject_id))
        if link is None:
            raise LookupError("the link was used, replaced or ended before it was sent")
        compose_with_link = compose_invitation if notification.kind == INVITATION else compose_password_reset
        return compose_with_link(notification, sender=sender, base_url=base_url, link=link)
    if notification.kind == PASSWORD_RESET_DONE:
        return compose_password_changed(notification, sender=sender, base_url=base_url)
    return compose(notification, sender=sender, base_url=base_url, task=task)


def _send_one(
    session: Session,
    mailer,
    notification,
    build: Callable[[], EmailMessage],
    now: datetime,
    also: Callable[[str], None] | None = None,
) -> str:
    """Build and send one claimed email (a notification's, or a daily email: `sentrack.digest`)
    and commit its result: "sent", "retried" or "failed". `also(result)`, when given, is made in
    the same commit (the daily email's notifications marked with it)."""
    try:
        message = build()
    except Exception as error:  # noqa: BLE001 - one message that cannot be built fails alone
        change = partial(_fail, notification, f"Could not be built: {type(error).__name__}")
    else:
        try:
            mailer.send(message)
        except (smtplib.SMTPException, OSError) as error:
            change = partial(_retry_or_fail, notification, f"{type(error).__name__}: {error}", now)
        except Exception as error:  # noqa: BLE001 - the server would never take it: fail it alone
            change = partial(_fail, notification, f"Could not be sent: {type(error).__name__}")
        else:
            change = partial(_sent, notification, now)
    return _committed(session, change if also is None else partial(_and_then, change, also))


def _and_then(change: Callable[[], str], then: Callable[[str], None]) -> str:
    result = change()
    then(result)
    return result


def _count(summary: SendSummary, notification: Notification, outcome: str) -> None:
    """Add one email's outcome to `summary` (a failure is logged by the notification's id only)."""
    if outcome == "sent":
        summary.sent += 1
        return
    summary.errors.append(notification.last_error)
    if outcome == "retried":
        summary.retried += 1
    else:
        summary.failed += 1
        log.warning("Email for notification %s failed: %s", notification.id, notification.last_error)


LOCKED_TRIES = 20


def _committed(session: Session, change: Callable[[], T]) -> T:
    """Make `change` and commit it; when the database is busy (SQLite's lock, held by another
    sender), roll back, wait a moment and make it again from the stored state."""
    for attempt in range(LOCKED_TRIES):
        try:
            result = change()
            session.commit()
            return result
        except sa.exc.OperationalError:
            session.rollback()
            if attempt == LOCKED_TRIES - 1:
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")


def _claim(session: Session, notification_id: int, now: datetime, model=Notification) -> bool:
    """Claim a pending, due email for this sender for LEASE: one conditional UPDATE, which two
    senders cannot both win. On PostgreSQL the row is locked with SKIP LOCKED first, so that a
    sender never waits on a row another sender is claiming: it passes over it at once (on SQLite,
    where one writer runs at a time, the lock clause is left out). False when another sender holds
    it or has sent it. `model` is Notification, or EmailDigest for a daily email."""
    due = sa.and_(
        model.email_status == EmailStatus.PENDING,
        sa.or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now),
    )
    free = (
        sa.select(model.id).where(model.id == notification_id, due).with_for_update(skip_locked=True).scalar_subquery()
    )
    return (
        session.execute(
            sa.update(model)
            .where(model.id == free, due)
            .values(next_attempt_at=now + LEASE)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def _sent(notification: Notification, now: datetime) -> str:
    notification.attempts += 1
    notification.email_status = EmailStatus.SENT
    notification.sent_at = now
    notification.next_attempt_at = None
    notification.last_error = None
    return "sent"


def _retry_or_fail(notification: Notification, reason: str, now: datetime) -> str:
    """After a failure to reach the server: try again after the next wait, or fail it once the
    waits add up to RETRY_FOR."""
    notification.attempts += 1
    notification.last_error = reason[:500]
    wait = retry_wait(notification.attempts)
    if wait is None:
        notification.email_status = EmailStatus.FAILED
        notification.next_attempt_at = None
        return "failed"
    notification.next_attempt_at = now + wait
    return "retried"


def _fail(notification: Notification, reason: str) -> str:
    """Mark `notification`'s email failed for good with `reason` (no pupil details: the reason is
    the error's kind, or the server's answer)."""
    notification.attempts += 1
    notification.email_status = EmailStatus.FAILED
    notification.last_error = reason[:500]
    notification.next_attempt_at = None
    return "failed"
