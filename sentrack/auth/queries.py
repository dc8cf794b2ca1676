"""The page queries of the account pages: the person's own open sessions, and what the account's
security pages show, each in a few statements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import access
from sentrack.auth import factors
from sentrack.auth.devices import device_name
from sentrack.auth.sessions import is_alive
from sentrack.models import User, UserSession


@dataclass(frozen=True)
class OwnSession:
    """One of the person's open sessions, as their sessions page lists it."""

    id: int
    device: str
    remote_addr: str | None
    started_at: datetime
    last_seen_at: datetime
    this_device: bool  # the session this page is shown in


def own_sessions(
    session: Session, user: User, *, idle_timeout: timedelta, absolute_timeout: timedelta
) -> list[OwnSession]:
    """The signed-in `user`'s open sessions: the one in use first, then the latest active."""
    rows = session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, is_alive(idle_timeout=idle_timeout, absolute_timeout=absolute_timeout))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()
    listed = [
        OwnSession(
            id=row.id,
            device=device_name(row.user_agent),
            remote_addr=row.remote_addr,
            started_at=row.created_at,
            last_seen_at=row.last_seen_at,
            this_device=row.id == user.session_row_id,
        )
        for row in rows
    ]
    return sorted(listed, key=lambda own: not own.this_device)


def own_open_session(
    session: Session, user: User, session_id: int, *, idle_timeout: timedelta, absolute_timeout: timedelta
) -> int | None:
    """The id of `user`'s open session `session_id`, or None (another person's, or ended)."""
    return session.scalar(
        sa.select(UserSession.id).where(
            UserSession.id == session_id,
            UserSession.user_id == user.id,
            is_alive(idle_timeout=idle_timeout, absolute_timeout=absolute_timeout),
        )
    )


@dataclass(frozen=True)
class Colleague:
    member: User
    methods: list[str]  # the second factors they have, by method name

    @property
    def described(self) -> str:
        return ", ".join(factors.METHOD_NAMES.get(name, name) for name in self.methods)


def resettable_colleagues(session: Session, user: User) -> list[Colleague]:
    """The people whose second factor `user` may reset and who have one, by name: a statement for
    the people and one per method, however many they are."""
    members = [
        m for m in session.scalars(access.second_factor_colleagues(user)) if access.may_reset_second_factor(user, m)
    ]
    methods = factors.methods_of_many(session, members)
    return [Colleague(member=m, methods=methods[m.id]) for m in members if methods[m.id]]
