"""Account recovery: a person who has forgotten their password asks for an emailed link and
chooses a new password with it.

The answer to the request is the same whether or not an account uses the address, so the page
tells nobody who has an account; the request is throttled per address and per network address
(sentrack/auth/throttle.py). Only an active account that has a password is sent a link: an
invited member sets theirs through their invitation. The link is an emailed one-use link
(sentrack/workflows/links.py): it works once, ends after PASSWORD_RESET_MINUTES, and a newer
request ends it. Using it sets the new password, ends every session of the account (whoever
held one), and emails the person that their password changed; it never signs anyone in, so
signing in afterwards asks for everything signing in always asks for.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import Notification, PasswordReset, User
from sentrack.workflows import links

PASSWORD_RESET = "password_reset"  # the notification kind and subject type of the link's email
PASSWORD_RESET_DONE = "password_reset_done"  # the email saying the password was changed with it
PURPOSE = "password-reset"


def token_for(reset: PasswordReset, secret_key: str) -> str:
    """The token of the reset link (for the email; never stored)."""
    return links.make_token(secret_key, PURPOSE, reset.nonce)


def revoke_open_resets(session: Session, user: User, moment: datetime) -> None:
    """End every reset link of `user` still open (a newer one was asked for, the password was
    changed, or the address the link went to changed)."""
    links.revoke_open(session, PasswordReset, user, moment)


def _account(session: Session, email: str) -> User | None:
    return session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))


def _why_no_link(user: User | None) -> str | None:
    """Why no link is sent to the account asked for (for the audit), or None to send one."""
    if user is None:
        return "unknown_account"
    if not user.active:
        return "inactive"
    if not user.has_password:
        return "no_password"
    return None


def request_reset(
    session: Session, *, email: str, secret_key: str, moment: datetime, lifetime: timedelta
) -> PasswordReset | None:
    """Send a reset link to the account using `email`, if it is active and has a password,
    ending any earlier link of it; the request is audited either way. Returns the new link's row,
    or None when nothing was sent (the page says the same in both cases)."""
    user = _account(session, email)
    reason = _why_no_link(user)
    if reason is not None:
        audit.record(
            session,
            "password_reset_requested",
            school_id=user.school_id if user else None,
            object_type="user" if user else None,
            object_id=user.id if user else None,
            details={"sent": False, "reason": reason},
        )
        return None
    revoke_open_resets(session, user, moment)
    reset = links.new_link(
        PasswordReset, user=user, secret_key=secret_key, purpose=PURPOSE, moment=moment, lifetime=lifetime
    )
    session.add(reset)
    session.flush()
    # The email goes through the outbox, at once whatever the person chose for other emails; it
    # names no pupil, and its link is built when it is sent.
    session.add(
        Notification.once(
            user.id,
            PASSWORD_RESET,
            reset,
            title="A link to reset your password was emailed to you",
            body="Someone asked to reset your password. If it was not you, you can ignore the email.",
            link=None,
            read_at=moment,
        )
    )
    audit.record(
        session,
        "password_reset_requested",
        school_id=user.school_id,
        object_type="user",
        object_id=user.id,
        details={"sent": True, "expires_at": reset.expires_at.isoformat()},
    )
    session.flush()
    return reset


def find_open(session: Session, token: str, moment: datetime) -> PasswordReset | None:
    """The open reset link whose token is `token`, of an active account; else None."""
    return links.find_open(session, PasswordReset, token, moment)


def reset_password(session: Session, reset: PasswordReset, *, password: str, moment: datetime) -> User:
    """Set the account's new password through its reset link, which is then used up; end every
    session of the account and email the person that their password changed.

    Raises RuleBroken for a password the one password rule refuses (the link still works), or
    when the link was used (by a second submit, say) or ended meanwhile."""
    user = reset.user
    ended = links.set_password_through(
        session, reset, password=password, moment=moment, revoke=revoke_open_resets, reason="password_reset"
    )
    session.add(
        Notification.once(
            user.id,
            PASSWORD_RESET_DONE,
            reset,
            title="Your password was changed",
            body="Your password was changed with a link emailed to you, and every session was ended.",
            link=None,
            read_at=moment,
        )
    )
    audit.record(
        session, "password_reset", actor=user, object_type="user", object_id=user.id, details={"sessions_ended": ended}
    )
    session.flush()
    return user
