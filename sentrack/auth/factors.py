"""Second factors of sign-in: which a person has, the half-signed-in state, and resets.

After the right password, a person who has a second factor (or must enrol one:
`access.second_factor_required`) gets a session marked as awaiting it
(`UserSession.second_factor_pending`). Until they give it, every page but the second-factor pages,
sign-out and static files sends them to `/sign-in/second-factor`, or to enrolment when they must
enrol and have nothing enrolled (`gate`, in `factor_views`).

The methods are a registry: `METHOD_CHECKS` maps each method's name to "has this person enrolled
it", and `RESETTERS` removes each kind of factor when a person's second factor is reset. This module
registers the authenticator app ("totp") and recovery codes ("recovery"); other modules (security
keys) add theirs. Whichever method is given, its check calls `second_factor_passed` or
`second_factor_failed`, which audit it and keep the per-account throttle.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.auth import throttle
from sentrack.auth.sessions import end_all_sessions
from sentrack.models import Notification, RecoveryCode, TotpFactor, User, UserSession
from sentrack.models.factors import SECOND_FACTOR_RESET

# Method name -> whether the person has enrolled it. "recovery" only backs up the others.
METHOD_CHECKS: dict[str, Callable[[Session, User], bool]] = {}
# Each removes one kind of factor of the person (their authenticator, their codes, their keys).
RESETTERS: list[Callable[[Session, User], None]] = []
# The endpoints a session awaiting its second factor may still reach; other modules add theirs.
OPEN_WHILE_PENDING: set[str] = {
    "auth.second_factor",
    "auth.second_factor_recovery",
    "auth.sign_out",
    "static",
}
# ... and those it may reach while it must enrol a factor before going on.
OPEN_WHILE_ENROLLING: set[str] = {"auth.security", "auth.totp_enrol", "auth.recovery_codes"}
# Where a session that must enrol a factor, and has none, is sent (another method may point elsewhere).
ENROL_ENDPOINT = "auth.totp_enrol"
RECOVERY = "recovery"
METHOD_NAMES = {"totp": "authenticator app", RECOVERY: "recovery code"}
RESET_KIND = SECOND_FACTOR_RESET  # the notification (and email) telling the person of a reset


def _real_now() -> datetime:
    return datetime.now(UTC)


def _has_totp(session: Session, user: User) -> bool:
    return session.scalar(sa.select(sa.exists().where(TotpFactor.user_id == user.id))) or False


def _has_recovery_codes(session: Session, user: User) -> bool:
    unused = sa.exists().where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    return session.scalar(sa.select(unused)) or False


def _remove_totp(session: Session, user: User) -> None:
    session.execute(sa.delete(TotpFactor).where(TotpFactor.user_id == user.id))


def _remove_recovery_codes(session: Session, user: User) -> None:
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _totp_holders(session: Session, user_ids: list[int]) -> set[int]:
    return set(session.scalars(sa.select(TotpFactor.user_id).where(TotpFactor.user_id.in_(user_ids))))


def _recovery_holders(session: Session, user_ids: list[int]) -> set[int]:
    unused = sa.select(RecoveryCode.user_id).where(RecoveryCode.user_id.in_(user_ids), RecoveryCode.used_at.is_(None))
    return set(session.scalars(unused.distinct()))


# Optionally, for a method: which of many people have enrolled it, in one query (a page listing
# people uses it; a method without one is checked person by person through METHOD_CHECKS).
METHOD_HOLDERS: dict[str, Callable[[Session, list[int]], set[int]]] = {
    "totp": _totp_holders,
    RECOVERY: _recovery_holders,
}

METHOD_CHECKS["totp"] = _has_totp
METHOD_CHECKS[RECOVERY] = _has_recovery_codes
RESETTERS.extend([_remove_totp, _remove_recovery_codes])


def enrolled_methods(session: Session, user: User) -> list[str]:
    """The methods `user` has enrolled, in the registry's order: e.g. ["totp", "recovery"]."""
    return [name for name, check in METHOD_CHECKS.items() if check(session, user)]


def methods_of_many(session: Session, users: list[User]) -> dict[int, list[str]]:
    """The methods each of `users` has enrolled, by user id, in the registry's order: a query per
    method (`METHOD_HOLDERS`) where it has one."""
    ids = [user.id for user in users]
    held: dict[str, set[int]] = {}
    for name, check in METHOD_CHECKS.items():
        bulk = METHOD_HOLDERS.get(name)
        held[name] = bulk(session, ids) if bulk else {u.id for u in users if check(session, u)}
    return {user.id: [name for name in METHOD_CHECKS if user.id in held[name]] for user in users}


def has_second_factor(session: Session, user: User) -> bool:
    """Whether `user` has a second factor of their own (recovery codes alone are none)."""
    return any(name != RECOVERY for name in enrolled_methods(session, user))


def pending(user: User) -> bool:
    """Whether the signed-in session of `user` still awaits the second factor."""
    return bool(getattr(user, "second_factor_pending", False))


def mark_pending(session: Session, user: User) -> None:
    """The signed-in session of `user` awaits a second factor from now (one must be enrolled)."""
    if user.session_row_id is not None:
        session.execute(
            sa.update(UserSession).where(UserSession.id == user.session_row_id).values(second_factor_pending=True)
        )
    user.second_factor_pending = True


def throttled(user: User) -> bool:
    """Whether `user` has had too many wrong second factors lately to try another now."""
    return throttle.second_factor_refused(user.id)


def second_factor_passed(session: Session, user: User, method: str) -> None:
    """`user` gave the right second factor by `method`: their session is fully signed in, the
    event is audited, and their count of wrong tries starts again."""
    if user.session_row_id is not None:
        session.execute(
            sa.update(UserSession)
            .where(UserSession.id == user.session_row_id)
            .values(second_factor_pending=False, second_factor_at=_real_now())
        )
    user.second_factor_pending = False
    audit.record(
        session, "second_factor_passed", actor=user, object_type="user", object_id=user.id, details={"method": method}
    )
    throttle.second_factor_cleared(user.id)


def second_factor_failed(session: Session, user: User, method: str) -> None:
    """`user` gave a wrong (or reused) second factor by `method`: audited and counted."""
    audit.record(
        session, "second_factor_failed", actor=user, object_type="user", object_id=user.id, details={"method": method}
    )
    throttle.second_factor_failed(user.id)


def reset_second_factor(session: Session, member: User, *, actor: User | None, moment: datetime) -> None:
    """Remove every second factor of `member` (authenticator, recovery codes, security keys), end
    their sessions, audit the reset and email them about it. Who may do it is decided by the
    caller (`access.may_reset_second_factor`, or the operator's command with no actor)."""
    for resetter in RESETTERS:
        resetter(session, member)
    ended = end_all_sessions(session, member, reason="second_factor_reset")
    audit.record(
        session,
        "second_factor_reset",
        actor=actor,
        school_id=member.school_id,
        object_type="user",
        object_id=member.id,
        details={"by": "operator" if actor is None else "colleague", "sessions_ended": ended},
    )
    session.add(
        Notification(
            recipient_id=member.id,
            kind=RESET_KIND,
            subject_type="user",
            subject_id=member.id,
            period=moment.isoformat(timespec="microseconds"),
            title="Your second factor for signing in was reset",
            body=(
                "Your authenticator app, recovery codes and security keys were removed. Sign in with your "
                "password and set up a second factor again. If you did not ask for this, tell your head teacher."
            ),
            link="/account/security",
        )
    )
