"""Counting failed password checks and requests for reset links: the sign-in throttle, the
change-password throttle and the reset-link throttle; and wrong second-factor codes, per account
(SECOND_FACTOR_LIMIT, 5 in 15 minutes).

The counts live in the storage RATELIMIT_STORAGE_URI names: Redis in production (the app refuses
to start there without REDIS_URL), so that every worker and every server counts together; memory
only in development and tests. Each app has its own connection (`init_app`).

Signing in:
- an account with SIGN_IN_LIMIT_PER_ACCOUNT failures (5 in 15 minutes) is refused from anywhere,
  even with the right password, until its count falls;
- an address with SIGN_IN_LIMIT_PER_ADDRESS failures (20 in 15 minutes) is "busy": from it, each
  account gets only SIGN_IN_LIMIT_PER_ACCOUNT_FROM_BUSY_ADDRESS failed tries (1 in 15 minutes),
  which slows guessing many accounts from one place. The right password of an account that has
  not failed there since is still let in, so a school's shared connection never locks every
  member of staff out.
Asking for a link to reset a forgotten password: every request counts, whether or not an account
uses the address, so that a refusal tells nothing either. An email address asked about
PASSWORD_RESET_LIMIT_PER_ACCOUNT times (3 in 15 minutes), or a network address that asked
PASSWORD_RESET_LIMIT_PER_ADDRESS times (20 in 15 minutes), is refused until its count falls.
IPv6 addresses count by their /64 network, which one household or attacker usually holds whole.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging

from flask import Flask, current_app
from limits import parse, strategies
from limits.storage import storage_from_string
from redis.exceptions import RedisError

EXTENSION = "sentrack.throttle"
log = logging.getLogger(__name__)


class ThrottleUnavailable(Exception):
    """The throttle's storage cannot be reached: a password check it cannot count is refused."""


class Throttle:
    def __init__(self, uri: str, key_prefix: str | None = None):
        options = {"key_prefix": key_prefix} if key_prefix and not uri.startswith("memory") else {}
        self.storage = storage_from_string(uri, **options)
        self._strategy = strategies.MovingWindowRateLimiter(self.storage)

    def allows(self, limit: str, *keys: str) -> bool:
        """Whether one more failure would still be within `limit` for `keys`."""
        try:
            return self._strategy.test(parse(limit), *keys)
        except (RedisError, OSError) as error:
            raise self._unavailable(error) from error

    def count(self, limit: str, *keys: str) -> None:
        try:
            self._strategy.hit(parse(limit), *keys)
        except (RedisError, OSError) as error:
            raise self._unavailable(error) from error

    @staticmethod
    def _unavailable(error: Exception) -> ThrottleUnavailable:
        # The kind of fault only: never the keys (account digests, addresses).
        log.error("The sign-in throttle's storage is unreachable (%s)", type(error).__name__)
        return ThrottleUnavailable()

    def clear(self, limit: str, *keys: str) -> None:
        try:
            self._strategy.clear(parse(limit), *keys)
        except (RedisError, OSError) as error:
            raise self._unavailable(error) from error

    def reset(self) -> None:
        self.storage.reset()


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Throttle(app.config["RATELIMIT_STORAGE_URI"], app.config.get("THROTTLE_KEY_PREFIX"))


def _throttle() -> Throttle:
    return current_app.extensions[EXTENSION]


def reset() -> None:
    """Forget every count of the current app (tests start each case afresh)."""
    _throttle().reset()


def _account(email: str) -> str:
    # A digest, so that the storage holds no email address.
    return hashlib.sha256(email.strip().lower()[:254].encode()).hexdigest()


def _address(remote_addr: str | None) -> str:
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return "unknown"
    if address.version == 6:
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def sign_in_refused(email: str, remote_addr: str | None) -> bool:
    """Whether a sign-in to `email` from `remote_addr` is refused before its password is checked."""
    config, throttle = current_app.config, _throttle()
    account, address = _account(email), _address(remote_addr)
    if not throttle.allows(config["SIGN_IN_LIMIT_PER_ACCOUNT"], "sign-in-account", account):
        return True
    if not throttle.allows(config["SIGN_IN_LIMIT_PER_ADDRESS"], "sign-in-address", address):
        limit = config["SIGN_IN_LIMIT_PER_ACCOUNT_FROM_BUSY_ADDRESS"]
        return not throttle.allows(limit, "sign-in-busy-address", address, account)
    return False


def sign_in_failed(email: str, remote_addr: str | None) -> None:
    """Count a wrong password (or unknown account) for `email` from `remote_addr`."""
    config, throttle = current_app.config, _throttle()
    account, address = _account(email), _address(remote_addr)
    if not throttle.allows(config["SIGN_IN_LIMIT_PER_ADDRESS"], "sign-in-address", address):
        throttle.count(config["SIGN_IN_LIMIT_PER_ACCOUNT_FROM_BUSY_ADDRESS"], "sign-in-busy-address", address, account)
    throttle.count(config["SIGN_IN_LIMIT_PER_ACCOUNT"], "sign-in-account", account)
    throttle.count(config["SIGN_IN_LIMIT_PER_ADDRESS"], "sign-in-address", address)


def current_password_refused(user_id: int) -> bool:
    return not _throttle().allows(current_app.config["CURRENT_PASSWORD_LIMIT"], "current-password", str(user_id))


def current_password_failed(user_id: int) -> None:
    _throttle().count(current_app.config["CURRENT_PASSWORD_LIMIT"], "current-password", str(user_id))


def password_reset_refused(email: str, remote_addr: str | None) -> bool:
    """Whether a request for a reset link for `email` from `remote_addr` is refused for now."""
    config, throttle = current_app.config, _throttle()
    if not throttle.allows(config["PASSWORD_RESET_LIMIT_PER_ACCOUNT"], "reset-account", _account(email)):
        return True
    return not throttle.allows(config["PASSWORD_RESET_LIMIT_PER_ADDRESS"], "reset-address", _address(remote_addr))


def password_reset_asked(email: str, remote_addr: str | None) -> None:
    """Count a request for a reset link for `email` from `remote_addr`, whatever account it finds."""
    config, throttle = current_app.config, _throttle()
    throttle.count(config["PASSWORD_RESET_LIMIT_PER_ACCOUNT"], "reset-account", _account(email))
    throttle.count(config["PASSWORD_RESET_LIMIT_PER_ADDRESS"], "reset-address", _address(remote_addr))


def second_factor_refused(user_id: int) -> bool:
    """Whether the account has had too many wrong second-factor codes lately to try another."""
    return not _throttle().allows(current_app.config["SECOND_FACTOR_LIMIT"], "second-factor", str(user_id))


def second_factor_failed(user_id: int) -> None:
    _throttle().count(current_app.config["SECOND_FACTOR_LIMIT"], "second-factor", str(user_id))


def second_factor_cleared(user_id: int) -> None:
    """The right second factor was given: the account's count of wrong ones starts again."""
    _throttle().clear(current_app.config["SECOND_FACTOR_LIMIT"], "second-factor", str(user_id))
