"""The account operations behind sign-in, sign-out, a password change and ending one's own
sessions. Each changes the records, writes the audit and leaves the commit to the caller, as the
workflows do; the views only handle forms, the Flask session and redirects."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import access, audit
from sentrack.auth import factors
from sentrack.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from sentrack.auth.sessions import end_all_sessions, end_session, end_session_of, start_session
from sentrack.auth.sessions import end_other_sessions as end_sessions_elsewhere
from sentrack.auth.sessions import stay_signed_in as keep_session
from sentrack.clock import now
from sentrack.models import User
from sentrack.workflows import RuleBroken
from sentrack.workflows.links import now_utc as real_now
from sentrack.workflows.password_resets import revoke_open_resets

# An unknown address costs the same hashing time as a known one, so timing reveals no account.
_DUMMY_HASH = hash_password("no account has this password")


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active account with this email and password, or None (the failure is audited)."""
    user = session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))
    password_ok = verify_password(user.password_hash if user else _DUMMY_HASH, password)
    if user is not None and user.active and password_ok:
        return user
    audit.record(
        session,
        "sign_in_failed",
        actor=user,
        school_id=user.school_id if user else None,
        object_type="user",
        object_id=user.id if user else None,
        details=None if user else {"unknown_account": True},
    )
    return None


def sign_in(session: Session, user: User, password: str, *, remote_addr: str | None, user_agent: str | None) -> str:
    """Open a server-side session for `user` (whose `password` was just checked) and return its
    token; a hash made with older argon2 parameters is renewed on the way."""
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    pending = second_factor_awaited(session, user)
    token = start_session(session, user, remote_addr=remote_addr, user_agent=user_agent, second_factor_pending=pending)
    user.last_signed_in_at = now()
    details = {"second_factor": "awaited"} if pending else None
    audit.record(session, "signed_in", actor=user, object_type="user", object_id=user.id, details=details)
    return token


def second_factor_awaited(session: Session, user: User) -> bool:
    """Whether a session opened with the right password must still be given a second factor: the
    person has one, or must enrol one (`access.second_factor_required`)."""
    return factors.has_second_factor(session, user) or access.second_factor_required(user)


def sign_out(session: Session, user: User) -> None:
    end_session(session, user.session_token, reason="signed_out")
    audit.record(session, "signed_out", actor=user, object_type="user", object_id=user.id)


def stay_signed_in(session: Session, user: User) -> None:
    """The person answered the timeout warning: their session counts as active from now."""
    keep_session(session, user)
    audit.record(session, "session_kept", actor=user, object_type="user", object_id=user.id)


def change_password(
    session: Session, user: User, *, current: str, new: str, remote_addr: str | None, user_agent: str | None
) -> str:
    """Set a new password, end every session of the account (this one too, so that a cookie copied
    before the change stops working) and open a fresh one, whose token is returned.

    Raises RuleBroken for a wrong current password, a weak new one, or an unchanged one."""
    if not verify_password(user.password_hash, current):
        raise RuleBroken("Your current password is incorrect", field="current_password")
    problem = password_problem(new, email=user.email, names=[user.full_name])
    if problem:
        raise RuleBroken(problem, field="new_password")
    if new == current:
        raise RuleBroken("The new password must be different from the current one", field="new_password")
    user.password_hash = hash_password(new)
    user.password_changed_at = now()
    user.must_change_password = False
    end_all_sessions(session, user, reason="password_changed")
    # A reset link asked for earlier would otherwise still open the account.
    revoke_open_resets(session, user, real_now())
    token = start_session(session, user, remote_addr=remote_addr, user_agent=user_agent)
    audit.record(session, "password_changed", actor=user, object_type="user", object_id=user.id)
    return token


def end_own_session(session: Session, user: User, *, session_id: int) -> None:
    """End one of `user`'s own sessions, on another device. Raises RuleBroken for the session in
    use (signing out ends that) or one that has ended meanwhile."""
    if session_id == user.session_row_id:
        raise RuleBroken("This is the session you are using now. To end it, sign out")
    if not end_session_of(session, user, session_id, reason="ended_by_owner"):
        raise RuleBroken("That session has already ended")
    audit.record(session, "session_ended_by_owner", actor=user, object_type="user_session", object_id=session_id)


def end_other_sessions(session: Session, user: User) -> int:
    """End every session of `user` but the one in use; how many were ended (audited)."""
    ended = end_sessions_elsewhere(session, user, reason="ended_by_owner")
    audit.record(
        session, "other_sessions_ended", actor=user, object_type="user", object_id=user.id, details={"ended": ended}
    )
    return ended
