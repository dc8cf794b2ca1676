"""Server-side sign-in sessions.

The Flask session cookie holds only a random token; the `user_session` row it names must be open
for the cookie to mean anything. Signing out or changing the password ends the row, so a copied
cookie stops working. A session left idle longer than SESSION_IDLE_TIMEOUT is ended the next time
it is used. These timings use the real clock, never the app's demo date.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import User, UserSession

# Writing last_seen_at on every request would be a write per page; a minute's slack is enough.
TOUCH_INTERVAL = timedelta(seconds=60)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _real_now() -> datetime:
    return datetime.now(UTC)


def start_session(session: Session, user: User, *, remote_addr: str | None, user_agent: str | None) -> str:
    """Open a session for `user` and return the token for the cookie."""
    token = secrets.token_urlsafe(32)
    moment = _real_now()
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=_hash(token),
            created_at=moment,
            last_seen_at=moment,
            remote_addr=remote_addr,
            user_agent=(user_agent or "")[:200] or None,
        )
    )
    user.session_token = token
    return token


class SessionEnded(Exception):
    """The session exists but has ended; `reason` says why (for example 'timed_out')."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def load_session(session: Session, token: str, *, idle_timeout: timedelta) -> User | None:
    """The signed-in user for `token`, touching the session; None when there is no such session.

    Raises SessionEnded when the session timed out just now, so the caller can say so.
    """
    # The session row and its user in one query.
    found = session.execute(
        sa.select(UserSession, User)
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.token_hash == _hash(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if row.ended_at is not None:
        return None
    moment = _real_now()
    if moment - row.last_seen_at > idle_timeout:
        row.ended_at = moment
        row.ended_reason = "timed_out"
        raise SessionEnded("timed_out")
    if not user.active:
        return None
    if moment - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = moment
    user.session_token = token
    return user


def end_session(session: Session, token: str, *, reason: str) -> None:
    session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=_real_now(), ended_reason=reason)
    )


def end_all_sessions(session: Session, user: User, *, reason: str) -> int:
    """End every open session of `user`; returns how many were ended."""
    result = session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=_real_now(), ended_reason=reason)
    )
    return result.rowcount
