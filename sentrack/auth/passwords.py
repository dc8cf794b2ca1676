"""Password hashing with argon2id, and the one strength rule every new password meets.

`password_problem` is called wherever a password is set (changing it, an account made from the
command line, a password chosen by its owner through an invitation); signing in with an existing
password never applies it, so an account whose password predates the rule still signs in.
"""

from __future__ import annotations

from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

MIN_LENGTH = 12
MAX_LENGTH = 128
# zxcvbn's score runs from 0 (guessed at once) to 4 (very hard to guess); 3 resists an offline
# attack on a stolen hash for a long time.
MIN_SCORE = 3

ADVICE = "Use 3 or 4 unrelated words, for example ‘plum ladder quiet river’"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str, *, email: str | None = None, names: Iterable[str] = ()) -> str | None:
    """Why a new password is not acceptable, or None. The message says what to do instead.

    `email` and `names` (the person's name, the school's) make a password built from them weak."""
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    if len(password.strip()) < MIN_LENGTH:
        if password and not password.strip():
            return f"Password must not be only spaces. {ADVICE}"
        return f"Password must be {MIN_LENGTH} characters or more. {ADVICE}"
    if email and password.strip().lower() == email.strip().lower():
        return "Password must not be your email address"
    hints = [part for value in (email, *names) if value for part in _words(value)]
    result = zxcvbn(password, user_inputs=hints, max_length=MAX_LENGTH)
    if result["score"] < MIN_SCORE:
        warning = (result.get("feedback") or {}).get("warning") or ""
        reason = f" ({warning.rstrip('.').lower()})" if warning else ""
        return f"Password is too easy to guess{reason}. {ADVICE}"
    return None


def _words(value: str) -> list[str]:
    """A value and its parts ('nina.patel@oak.test' gives 'nina', 'patel', 'oak'), for zxcvbn."""
    parts = [value.lower()]
    for separator in "@._- ":
        value = value.replace(separator, " ")
    parts.extend(word.lower() for word in value.split() if len(word) > 2)
    return parts
