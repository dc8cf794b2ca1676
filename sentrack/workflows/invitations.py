"""Invitations: a new member of staff sets their own password through an emailed link, so nobody
chooses a password for someone else.

The link is an emailed one-use link (sentrack/workflows/links.py): its token is stored nowhere,
only its SHA-256 and the nonce it is made from with the app's secret key, so that the outbox can
build the link when it sends the email (through sentrack/outbox.py, like every other email). A
link works once, until it expires, and a new invitation (or a password set) ends the older ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import Invitation, Notification, User
from sentrack.workflows import RuleBroken, links
from sentrack.workflows.links import is_open, now_utc

LIFETIME = timedelta(days=7)
INVITATION = "invitation"  # the notification kind and subject type of the email

__all__ = [
    "INVITATION",
    "LIFETIME",
    "accept",
    "find_open",
    "invite",
    "is_open",
    "now_utc",
    "revoke_open_invitations",
    "token_for",
]


def token_for(invitation: Invitation, secret_key: str) -> str:
    """The token of the invitation's link (for the email; never stored)."""
    return links.make_token(secret_key, INVITATION, invitation.nonce)


def revoke_open_invitations(session: Session, user: User, moment: datetime) -> None:
    """End every link of `user` still open (a new one was sent, the password was set, or the
    address changed)."""
    links.revoke_open(session, Invitation, user, moment)


def invite(session: Session, *, actor: User, member: User, secret_key: str, moment: datetime) -> Invitation:
    """Send `member` a new invitation (ending any earlier one). Refused once they have a password."""
    if member.has_password:
        raise RuleBroken(f"{member.full_name} has already set their password")
    if not member.active:
        raise RuleBroken("Reactivate the account before sending an invitation")
    revoke_open_invitations(session, member, moment)
    invitation = links.new_link(
        Invitation,
        user=member,
        secret_key=secret_key,
        purpose=INVITATION,
        moment=moment,
        lifetime=LIFETIME,
        invited_by_id=actor.id,
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
    return links.find_open(session, Invitation, token, moment)


def accept(session: Session, invitation: Invitation, *, password: str, moment: datetime) -> User:
    """Set the member's own password through their invitation, which is then used up. The
    password is checked by the one check every new password goes through. Raises RuleBroken for
    a weak password, or when the link was used (by a second submit, say) or ended meanwhile."""
    user = invitation.user
    links.set_password_through(
        session, invitation, password=password, moment=moment, revoke=revoke_open_invitations, reason="password_set"
    )
    audit.record(session, "invitation_accepted", actor=user, object_type="user", object_id=user.id)
    session.flush()
    return user
