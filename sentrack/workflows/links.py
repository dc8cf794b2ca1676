"""Emailed one-use links: an invitation to set a password, a link to reset a forgotten one.

A link's token is never stored. It is an HMAC, under the app's secret key, of a random nonce kept
on the link's row (`models.EmailedLink`); the database holds the nonce and the SHA-256 of the
token, so a copy of the database alone opens no account, while the outbox can still build the
link when it sends the email. A link works once, until it expires, and only while it has not been
replaced. Its expiry is a security timing: the real clock, never the app's demo date.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import User

# A token longer than any this module makes is not looked up at all.
LONGEST_TOKEN = 100


def now_utc() -> datetime:
    """The real moment (links expire by the real clock, never the app's demo date)."""
    return datetime.now(UTC)


def make_token(secret_key: str, purpose: str, nonce: str) -> str:
    """The token of a link for `purpose` ("invitation", "password-reset") made from `nonce`."""
    mac = hmac.new(secret_key.encode(), f"sentrack-{purpose}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_link(model, *, user: User, secret_key: str, purpose: str, moment: datetime, lifetime, **more):
    """A new row of `model` (an EmailedLink) for `user`, open from `moment` for `lifetime`."""
    nonce = secrets.token_hex(16)
    return model(
        user_id=user.id,
        nonce=nonce,
        token_hash=token_hash(make_token(secret_key, purpose, nonce)),
        created_at=moment,
        expires_at=moment + lifetime,
        **more,
    )


def is_open(link, moment: datetime) -> bool:
    return link.used_at is None and link.revoked_at is None and moment < link.expires_at


def revoke_open(session: Session, model, user: User, moment: datetime) -> None:
    """End every link of `model` of `user` still open (a newer one was sent, or it is not needed)."""
    session.execute(
        sa.update(model)
        .where(model.user_id == user.id, model.used_at.is_(None), model.revoked_at.is_(None))
        .values(revoked_at=moment)
        .execution_options(synchronize_session=False)
    )


def find_open(session: Session, model, token: str, moment: datetime):
    """The open link of `model` whose token is `token`, of an active account; else None."""
    if not token or len(token) > LONGEST_TOKEN:
        return None
    link = session.scalar(sa.select(model).where(model.token_hash == token_hash(token)))
    if link is None or not is_open(link, moment) or not link.user.active:
        return None
    return link


def use_up(session: Session, link, moment: datetime) -> bool:
    """Mark `link` used, if it is still open: one conditional UPDATE, so that of two posts of the
    same link (a second submit, two browsers) only one uses it. False when it was not open."""
    model = type(link)
    return (
        session.execute(
            sa.update(model)
            .where(model.id == link.id, model.used_at.is_(None), model.revoked_at.is_(None), model.expires_at > moment)
            .values(used_at=moment)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def set_password_through(session: Session, link, *, password: str, moment: datetime, revoke, reason: str) -> int:
    """Set the account's password through its emailed `link` (an invitation or a reset link),
    which is then used up with every other open link of its kind (`revoke(session, user,
    moment)`), and end every session of the account (`reason` says why). Returns how many
    sessions were ended.

    Raises RuleBroken for a password the one password rule refuses (the link still works), or
    when the link was used (by a second submit, say) or ended meanwhile."""
    # Imported here: the sign-in package imports this module (an invitation's link) as it loads.
    from sentrack.auth.passwords import hash_password, password_problem
    from sentrack.auth.sessions import end_all_sessions
    from sentrack.workflows import RuleBroken

    user = link.user
    problem = password_problem(password, email=user.email, names=[user.full_name])
    if problem:
        raise RuleBroken(problem, field="new_password")
    if not use_up(session, link, moment):
        raise RuleBroken("This link has already been used or has expired", field="new_password")
    revoke(session, user, moment)
    user.password_hash = hash_password(password)
    user.password_changed_at = moment
    user.must_change_password = False
    return end_all_sessions(session, user, reason=reason)
