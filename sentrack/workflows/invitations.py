"""Invitations: a new member of staff sets their own password through an emailed link, so nobody
chooses a password for someone else.

The link's token is never stored. It is an HMAC, under the app's secret key, of a random nonce
kept on the invitation; the database holds the nonce and the SHA-256 of the token, so a copy of
the database alone opens no account, while the outbox can still build the link when it sends the
email (through sentrack/outbox.py, like every other email). A link works once, until it expires,
and a new invitation (or a password set) ends the older ones.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.auth.passwords import hash_password, password_problem
from sentrack.auth.sessions import end_all_sessions
from sentrack.models import Invitation, Notification, User
from sentrack.workflows import RuleBroken

LIFETIME = timedelta(days=7)
INVITATION = "invitation"  # the notification kind and subject type of the email


def _token(secret_key: str, nonce: str) -> str:
    mac = hmac.new(secret_key.encode(), f"sentrack-invitation:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_for(invitation: Invitation, secret_key: str) -> str:
    """The token of the invitation's link (for the email; never stored)."""
    return _token(secret_key, invitation.nonce)


def is_open(invitation: Invitation, moment: datetime) -> bool:
    return invitation.used_at is None and invitation.revoked_at is None and moment < invitation.expires_at


def now_utc() -> datetime:
    """Invitations expire by the real clock (a security timing), never the app's demo date."""
    return datetime.now(UTC)


def revoke_open_invitations(session: Session, user: User, moment: datetime) -> None:
    """End every link of `user` still open (a new one was sent, the password was set, or the
    address changed)."""
    _revoke_open(session, user, moment)


def _revoke_open(session: Session, user: User, moment: datetime) -> None:
    session.execute(
        sa.update(Invitation)
        .where(Invitation.user_id == user.id, Invitation.used_at.is_(None), Invitation.revoked_at.is_(None))
        .values(revoked_at=moment)
        .execution_options(synchronize_session=False)
    )


def invite(session: Session, *, actor: User, member: User, secret_key: str, moment: datetime) -> Invitation:
    """Send `member` a new invitation (ending any earlier one). Refused once they have a password."""
    if member.has_password:
        raise RuleBroken(f"{member.full_name} has already set their password")
    if not member.active:
        raise RuleBroken("Reactivate the account before sending an invitation")
    _revoke_open(session, member, moment)
    nonce = secrets.token_hex(16)
    invitation = Invitation(
        user_id=member.id,
        invited_by_id=actor.id,
        nonce=nonce,
        token_hash=_hash(_token(secret_key, nonce)),
        created_at=moment,
        expires_at=moment + LIFETIME,
    )
    session.add(invitation)
    session.flush()
    # The email goes through the outbox. It names no pupil, and the link is built when it is sent.
    session.add(
        Notification.once(
            member.id,
            INVITATION,
            invitation,
            title="Set your password for SEN Track",
            body="An account has been made for you. Set your password from the link in your email.",
            link=None,
            read_at=moment,
        )
    )
    audit.record(
        session,
        "invitation_sent",
        actor=actor,
        object_type="user",
        object_id=member.id,
        details={"expires_at": invitation.expires_at.isoformat()},
    )
    session.flush()
    return invitation


def find_open(session: Session, token: str, moment: datetime) -> Invitation | None:
    """The open invitation whose link carries `token`, with its (active) user; else None."""
    if not token or len(token) > 100:
        return None
    invitation = session.scalar(sa.select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None or not is_open(invitation, moment) or not invitation.user.active:
        return None
    return invitation


def accept(session: Session, invitation: Invitation, *, password: str, moment: datetime) -> User:
    """Set the member's own password through their invitation, which is then used up. The
    password is checked by the one check every new password goes through. Raises RuleBroken for
    a weak password, or when the link was used (by a second submit, say) or ended meanwhile."""
    user = invitation.user
    problem = password_problem(password, email=user.email, names=[user.full_name])
    if problem:
        raise RuleBroken(problem, field="new_password")
    used = session.execute(
        sa.update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.used_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > moment,
        )
        .values(used_at=moment)
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        raise RuleBroken("This link has already been used or has expired", field="new_password")
    _revoke_open(session, user, moment)
    user.password_hash = hash_password(password)
    user.password_changed_at = moment
    user.must_change_password = False
    end_all_sessions(session, user, reason="password_set")
    audit.record(session, "invitation_accepted", actor=user, object_type="user", object_id=user.id)
    session.flush()
    return user
