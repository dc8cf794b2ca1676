"""The authenticator app's codes (TOTP, RFC 6238: six digits every 30 seconds) and recovery codes.

A code is accepted within one step either side of now (clock drift), and only for a step later
than the last accepted one, so no code is accepted twice. Recovery codes are ten, each 80 random
bits written as four groups of four letters and digits; only their SHA-256 is kept, and each works
once. The operations here change records and audit; the caller commits."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import UTC, datetime

import pyotp
import segno
import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.auth import factors
from sentrack.auth.passwords import verify_password
from sentrack.models import RecoveryCode, TotpFactor, User
from sentrack.workflows import RuleBroken

ISSUER = "SEN Track"
STEP_SECONDS = 30
WINDOW = 1  # steps either side of now
RECOVERY_CODE_COUNT = 10
FEW_RECOVERY_CODES = 3  # at or under this many left, the person is warned to make new ones

WRONG_CODE = "Enter the 6-digit code your authenticator app shows now"
CODE_FORMAT = "Enter the code as 6 digits, like 123456"
REUSED_CODE = "That code has been used already. Wait for your app to show a new code, then enter it"
WRONG_RECOVERY = "Enter one of your recovery codes that has not been used, like ABCD-EFGH-JKLM-NPQR"
USED_RECOVERY = "That recovery code has been used already. Enter one you have not used"
WRONG_PASSWORD = "Enter your password or a current code from your authenticator app"


def _real_now() -> datetime:
    return datetime.now(UTC)


# --- The authenticator app -----------------------------------------------------------------------


def new_secret() -> str:
    """A new shared secret: 160 random bits in base32, as authenticator apps take it."""
    return pyotp.random_base32(32)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app on a computer."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, user: User) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_code(secret: str, user: User) -> Markup:
    """The QR code an app scans, as inline SVG (no image to fetch; the page's policy allows it)."""
    svg = segno.make(provisioning_uri(secret, user), error="m").svg_inline(
        scale=4, title="QR code to scan with your authenticator app", svgclass="app-qr-code"
    )
    return Markup(svg)


def _digits(code: str | None) -> str | None:
    cleaned = re.sub(r"[\s-]", "", code or "")
    return cleaned if re.fullmatch(r"\d{6}", cleaned) else None


def matching_step(secret: str, code: str | None, moment: datetime) -> int | None:
    """The step (within the window around `moment`) whose code `code` is, or None."""
    digits = _digits(code)
    if digits is None:
        return None
    totp = pyotp.TOTP(secret)
    now_step = int(moment.timestamp()) // STEP_SECONDS
    for step in range(now_step - WINDOW, now_step + WINDOW + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), digits):
            return step
    return None


def code_problem(code: str | None) -> str | None:
    """What is wrong with the shape of a typed code, or None."""
    return None if _digits(code) else CODE_FORMAT


def totp_factor(session: Session, user: User) -> TotpFactor | None:
    return session.scalar(sa.select(TotpFactor).where(TotpFactor.user_id == user.id))


def use_totp(session: Session, user: User, factor: TotpFactor, code: str, moment: datetime) -> None:
    """Accept `code` from `user`'s authenticator (later than the last one accepted), or raise
    RuleBroken for the `code` field. Neither passes nor fails the sign-in: see `sign_in_with_totp`."""
    step = matching_step(factor.secret, code, moment)
    if step is None:
        raise RuleBroken(code_problem(code) or WRONG_CODE, field="code")
    if step <= factor.last_used_step:
        raise RuleBroken(REUSED_CODE, field="code")
    factor.last_used_step = step
    factor.last_used_at = moment


def enrol_totp(session: Session, user: User, *, secret: str, code: str, moment: datetime | None = None) -> list[str]:
    """Save `user`'s authenticator with `secret` once `code` shows the app makes its codes, and
    return new recovery codes when the person has none (else an empty list). Raises RuleBroken."""
    moment = moment or _real_now()
    if totp_factor(session, user) is not None:
        raise RuleBroken("You already have an authenticator app. Remove it before you set up another", field="code")
    step = matching_step(secret, code, moment)
    if step is None:
        raise RuleBroken(code_problem(code) or WRONG_CODE, field="code")
    session.add(TotpFactor(user_id=user.id, secret=secret, last_used_step=step, last_used_at=moment))
    audit.record(
        session, "second_factor_enrolled", actor=user, object_type="user", object_id=user.id, details={"method": "totp"}
    )
    codes = [] if factors.METHOD_CHECKS[factors.RECOVERY](session, user) else new_recovery_codes(session, user)
    # Setting up a factor is giving it: a session awaiting one may go on.
    if factors.pending(user):
        factors.second_factor_passed(session, user, "totp")
    return codes


def remove_totp(session: Session, user: User, *, proof: str, moment: datetime | None = None) -> None:
    """Remove `user`'s authenticator, proved by their password or a current code. Without another
    factor, their recovery codes go too; if they must have one, they set one up next."""
    moment = moment or _real_now()
    factor = totp_factor(session, user)
    if factor is None:
        raise RuleBroken("You have no authenticator app to remove", field="proof")
    if not _proved(session, user, factor, proof, moment):  # the view counts the failure
        raise RuleBroken(WRONG_PASSWORD, field="proof")
    session.delete(factor)
    session.flush()
    audit.record(
        session, "second_factor_removed", actor=user, object_type="user", object_id=user.id, details={"method": "totp"}
    )
    if not factors.has_second_factor(session, user):
        session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


def _proved(session: Session, user: User, factor: TotpFactor, proof: str, moment: datetime) -> bool:
    if _digits(proof) is not None:
        try:
            use_totp(session, user, factor, proof, moment)
        except RuleBroken:
            return False
        return True
    return verify_password(user.password_hash, proof or "")


def sign_in_with_totp(session: Session, user: User, *, code: str, moment: datetime | None = None) -> None:
    """The second step of signing in, with a code from the authenticator app."""
    moment = moment or _real_now()
    factor = totp_factor(session, user)
    if factor is None:
        raise RuleBroken("You have no authenticator app. Use a recovery code", field="code")
    use_totp(session, user, factor, code, moment)
    factors.second_factor_passed(session, user, "totp")


# --- Recovery codes ------------------------------------------------------------------------------

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols, none read as another (no I, O, 0, 1)


def _normal(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "").upper()


def _hash(code: str) -> str:
    return hashlib.sha256(_normal(code).encode()).hexdigest()


def _one_code() -> str:
    raw = "".join(_ALPHABET[b % 32] for b in secrets.token_bytes(16))  # 16 symbols of 5 bits: 80 bits
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def new_recovery_codes(session: Session, user: User) -> list[str]:
    """Ten new recovery codes for `user`, replacing any they had (which stop working): returned to
    be shown once; only their hashes are kept."""
    session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_one_code() for _ in range(RECOVERY_CODE_COUNT)]
    session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    audit.record(
        session, "recovery_codes_made", actor=user, object_type="user", object_id=user.id, details={"count": len(codes)}
    )
    return codes


def regenerate_recovery_codes(session: Session, user: User) -> list[str]:
    if not factors.has_second_factor(session, user):
        raise RuleBroken("Set up an authenticator app or a security key first")
    return new_recovery_codes(session, user)


def recovery_codes_left(session: Session, user: User) -> int:
    return session.scalar(
        sa.select(sa.func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def sign_in_with_recovery_code(session: Session, user: User, *, code: str, moment: datetime | None = None) -> int:
    """The second step of signing in with a recovery code, which is used up; returns how many are
    left. Raises RuleBroken for a wrong or used code (the caller counts the failure)."""
    moment = moment or _real_now()
    if not re.fullmatch(r"[A-Z2-9]{16}", _normal(code)):
        raise RuleBroken(WRONG_RECOVERY, field="code")
    found = session.scalar(
        sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(code))
    )
    if found is None:
        raise RuleBroken(WRONG_RECOVERY, field="code")
    if found.used_at is not None:
        raise RuleBroken(USED_RECOVERY, field="code")
    found.used_at = moment
    session.flush()
    left = recovery_codes_left(session, user)
    audit.record(
        session, "recovery_code_used", actor=user, object_type="user", object_id=user.id, details={"left": left}
    )
    factors.second_factor_passed(session, user, factors.RECOVERY)
    return left
