"""Server-side sign-in sessions.

The Flask session cookie holds only a random token; the `user_session` row it names must be open
for the cookie to mean anything. Signing out or changing the password ends the row, so a copied
cookie stops working. A session left idle longer than SESSION_IDLE_TIMEOUT, or opened longer than
SESSION_ABSOLUTE_LIFETIME ago whatever the activity, is ended the next time it is used. These timings
use the real clock, never the app's demo date.

What a session remembers from page to page (the pupil search text) is kept in `session_value` rows
of the session, never in the cookie, and deleted when the session ends.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import SessionValue, User, UserSession

# Writing last_seen_at on every request would be a write per page, so it is written only when it
# is older than the touch interval: at most a minute, and never more than a tenth of the idle
# timeout, so that someone active at any pace under 90% of the timeout is never signed out.
MAX_TOUCH_INTERVAL = timedelta(seconds=60)


# Longer than any session can last (SESSION_ABSOLUTE_LIFETIME, 12 hours by default).
ABANDONED_AFTER = timedelta(days=1)


def touch_interval(idle_timeout: timedelta) -> timedelta:
    return min(MAX_TOUCH_INTERVAL, idle_timeout / 10)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _real_now() -> datetime:
    return datetime.now(UTC)


def start_session(
    session: Session,
    user: User,
    *,
    remote_addr: str | None,
    user_agent: str | None,
    second_factor_pending: bool = False,
) -> str:
    """Open a session for `user` and return the token for the cookie. What the user's abandoned
    sessions (unused for longer than any session may last) still remember is deleted. A session
    `second_factor_pending` reaches only the second-factor pages until it is given."""
    token = secrets.token_urlsafe(32)
    moment = _real_now()
    _forget_all(
        session,
        sa.select(UserSession.id).where(
            UserSession.user_id == user.id, UserSession.last_seen_at < moment - ABANDONED_AFTER
        ),
    )
    session.add(
        UserSession(
            user_id=user.id,
            token_hash=_hash(token),
            created_at=moment,
            last_seen_at=moment,
            remote_addr=remote_addr,
            user_agent=(user_agent or "")[:200] or None,
            second_factor_pending=second_factor_pending,
        )
    )
    user.session_token = token
    user.second_factor_pending = second_factor_pending
    return token


class SessionEnded(Exception):
    """The session exists but has ended; `reason` says why (for example 'timed_out'), and
    `user_id` whose it was (what they were typing may be kept: `sentrack.drafts`)."""

    def __init__(self, reason: str, user_id: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.user_id = user_id


def load_session(
    session: Session, token: str, *, idle_timeout: timedelta, absolute_timeout: timedelta | None = None
) -> User | None:
    """The signed-in user for `token`, touching the session; None when there is no such session.

    Raises SessionEnded when the session ended just now, idle too long ('timed_out') or open
    longer than `absolute_timeout` ('expired'), so the caller can say so.
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
    reason = None
    if absolute_timeout is not None and moment - row.created_at > absolute_timeout:
        reason = "expired"
    elif moment - row.last_seen_at > idle_timeout:
        reason = "timed_out"
    if reason:
        row.ended_at = moment
        row.ended_reason = reason
        _forget_all(session, sa.select(UserSession.id).where(UserSession.id == row.id))
        raise SessionEnded(reason, row.user_id)
    if not user.active:
        return None
    if moment - row.last_seen_at > touch_interval(idle_timeout):
        row.last_seen_at = moment
        user.session_seen_at = moment  # kept by the request even if its work is rolled back
    user.session_token = token
    user.session_row_id = row.id
    user.second_factor_pending = row.second_factor_pending
    user.session_times = (row.created_at, row.last_seen_at)
    return user


def stay_signed_in(session: Session, user: User) -> None:
    """Note activity now, whatever the touch interval: the person asked to stay signed in."""
    moment = _real_now()
    session.execute(
        sa.update(UserSession)
        .where(UserSession.id == user.session_row_id, UserSession.ended_at.is_(None))
        .values(last_seen_at=moment)
    )
    user.session_times = (user.session_times[0], moment)


def time_left(user: User, *, idle_timeout: timedelta, absolute_timeout: timedelta) -> tuple[int, int]:
    """Whole seconds until the signed-in `user`'s session ends for being idle (if nothing more is
    done) and at its absolute end, by the real clock."""
    created_at, last_seen_at = user.session_times
    moment = _real_now()
    idle = (last_seen_at + idle_timeout - moment).total_seconds()
    absolute = (created_at + absolute_timeout - moment).total_seconds()
    return max(0, int(idle)), max(0, int(absolute))


# Sessions that ended for want of activity or at their absolute end, not by the person's choice.
TIMED_OUT = ("timed_out", "expired")


def timed_out_user(session: Session, token: str | None, *, within: timedelta) -> int | None:
    """The user whose session `token` named, when it ended by the idle timeout or its absolute
    end less than `within` ago: never one that was signed out or ended by a password change."""
    if not token:
        return None
    row = session.execute(
        sa.select(UserSession.user_id, UserSession.ended_reason, UserSession.ended_at).where(
            UserSession.token_hash == _hash(token)
        )
    ).first()
    if row is None or row.ended_reason not in TIMED_OUT or row.ended_at is None:
        return None
    return row.user_id if _real_now() - row.ended_at <= within else None


def keep_activity(session: Session, user: User) -> None:
    """Write the session's last activity noted by `load_session` again, in case the request rolled
    back what it did (a refused form, a repeated post): a person typing on a form whose post was
    refused has still been active, and must not be signed out as idle."""
    seen = getattr(user, "session_seen_at", None)
    if seen is None:
        return
    session.execute(
        sa.update(UserSession)
        .where(UserSession.id == user.session_row_id, UserSession.ended_at.is_(None), UserSession.last_seen_at < seen)
        .values(last_seen_at=seen)
    )


def end_session(session: Session, token: str, *, reason: str) -> None:
    _forget_all(session, sa.select(UserSession.id).where(UserSession.token_hash == _hash(token)))
    session.execute(
        sa.update(UserSession)
        .where(UserSession.token_hash == _hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=_real_now(), ended_reason=reason)
    )


def end_all_sessions(session: Session, user: User, *, reason: str) -> int:
    """End every open session of `user`; returns how many were ended."""
    _forget_all(session, sa.select(UserSession.id).where(UserSession.user_id == user.id))
    result = session.execute(
        sa.update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=_real_now(), ended_reason=reason)
    )
    return result.rowcount


def is_alive(*, idle_timeout: timedelta, absolute_timeout: timedelta) -> sa.ColumnElement[bool]:
    """Whether a `UserSession` row is still open now, by the real clock: not ended, and neither
    idle nor open too long (such a session is ended only when it is next used, so its row may
    still look open)."""
    moment = _real_now()
    return sa.and_(
        UserSession.ended_at.is_(None),
        UserSession.last_seen_at > moment - idle_timeout,
        UserSession.created_at > moment - absolute_timeout,
    )


def end_session_of(session: Session, user: User, session_id: int, *, reason: str) -> bool:
    """End `user`'s open session with the row id `session_id`; False when there is none open."""
    owned = sa.and_(UserSession.id == session_id, UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    _forget_all(session, sa.select(UserSession.id).where(owned))
    return (
        session.execute(sa.update(UserSession).where(owned).values(ended_at=_real_now(), ended_reason=reason)).rowcount
        == 1
    )


def end_other_sessions(session: Session, user: User, *, reason: str) -> int:
    """End every open session of the signed-in `user` but the one they are using; how many."""
    others = sa.and_(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.id != user.session_row_id
    )
    _forget_all(session, sa.select(UserSession.id).where(others))
    return session.execute(
        sa.update(UserSession).where(others).values(ended_at=_real_now(), ended_reason=reason)
    ).rowcount


# --- What a session remembers ---------------------------------------------------------------------


def remember(session: Session, user: User, name: str, value: str | None) -> None:
    """Keep `value` under `name` for the user's signed-in session (None or "" forgets it)."""
    if user.session_row_id is None:
        return
    if not value:
        forget(session, user, name)
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - the app runs on PostgreSQL and SQLite only
        raise RuntimeError(f"No upsert for {dialect}")
    statement = insert(SessionValue).values(user_session_id=user.session_row_id, name=name, value=value)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[SessionValue.user_session_id, SessionValue.name], set_={"value": value}
        )
    )


def recall(session: Session, user: User, name: str) -> str | None:
    """The value kept under `name` for the user's signed-in session, or None."""
    if user.session_row_id is None:
        return None
    return session.scalar(
        sa.select(SessionValue.value).where(
            SessionValue.user_session_id == user.session_row_id, SessionValue.name == name
        )
    )


def forget(session: Session, user: User, name: str) -> None:
    if user.session_row_id is None:
        return
    session.execute(
        sa.delete(SessionValue).where(SessionValue.user_session_id == user.session_row_id, SessionValue.name == name)
    )


def _forget_all(session: Session, session_ids: sa.Select) -> None:
    session.execute(sa.delete(SessionValue).where(SessionValue.user_session_id.in_(session_ids)))
