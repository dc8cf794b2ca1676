"""Configuration classes, read from environment variables.

`SENTRACK_CONFIG` picks the class (development, testing, production); development is the
default. `DATABASE_URL` selects the database in every configuration; without it, development
uses SQLite in the instance folder and testing uses SQLite in memory.
"""

from __future__ import annotations

import os
from datetime import date, timedelta
from urllib.parse import urlsplit


class ConfigError(RuntimeError):
    """The environment does not describe a configuration the app can run with."""


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _normalise_database_url(url: str) -> str:
    # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _parse_today(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ConfigError(f"SENTRACK_TODAY must be a date as YYYY-MM-DD, not {value!r}.") from exc


def _parse_hops(value: str | None) -> int:
    if value is None or not value.strip():
        return 0
    if not value.strip().isdigit() or int(value) > 10:
        raise ConfigError(f"PROXY_HOPS must be the number of proxies in front of the app (0 to 10), not {value!r}.")
    return int(value)


class Config:
    """Settings shared by every configuration."""

    NAME = "base"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    # Sessions: the cookie only names a server-side session row (see sentrack/auth/sessions.py).
    SESSION_COOKIE_NAME = "sentrack_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    # Signed-in users who do nothing for this long must sign in again.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30")))
    # Every session ends this long after signing in, however active it has been.
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", "12")))

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the (idle-limited) session

    # Failed sign-ins allowed per account before the form refuses it for a while, whatever the
    # address (see sentrack/auth/throttle.py).
    SIGN_IN_LIMIT_PER_ACCOUNT = os.environ.get("SIGN_IN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    # Failed sign-ins from one address before guessing from it is slowed: past this, each account
    # gets only SIGN_IN_LIMIT_PER_ACCOUNT_FROM_BUSY_ADDRESS failed tries from that address. A right
    # password for an account that is not itself locked is never refused, so one school's shared
    # connection cannot lock all its staff out.
    SIGN_IN_LIMIT_PER_ADDRESS = os.environ.get("SIGN_IN_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    SIGN_IN_LIMIT_PER_ACCOUNT_FROM_BUSY_ADDRESS = os.environ.get(
        "SIGN_IN_LIMIT_PER_ACCOUNT_FROM_BUSY_ADDRESS", "1 per 15 minutes"
    )
    # Wrong current passwords on the change-password page, per account.
    CURRENT_PASSWORD_LIMIT = os.environ.get("CURRENT_PASSWORD_LIMIT", "5 per 15 minutes")
    # Account recovery: a link to reset a forgotten password ends this many minutes after it is
    # asked for; the requests allowed per email address asked about, and per network address,
    # before more are refused for a while (see sentrack/auth/throttle.py).
    PASSWORD_RESET_MINUTES = int(os.environ.get("PASSWORD_RESET_MINUTES", "60"))
    PASSWORD_RESET_LIMIT_PER_ACCOUNT = os.environ.get("PASSWORD_RESET_LIMIT_PER_ACCOUNT", "3 per 15 minutes")
    PASSWORD_RESET_LIMIT_PER_ADDRESS = os.environ.get("PASSWORD_RESET_LIMIT_PER_ADDRESS", "20 per 15 minutes")
    # The answer to a request for a reset link is never given sooner than this after it was asked,
    # so that how long it takes does not tell whether an account uses the address.
    PASSWORD_RESET_ANSWER_SECONDS = 0.5
    # Wrong second-factor codes (authenticator, recovery code, security key) per account.
    SECOND_FACTOR_LIMIT = os.environ.get("SECOND_FACTOR_LIMIT", "5 per 15 minutes")
    # The counts live here: Redis (REDIS_URL) so that every worker and server counts together;
    # production refuses to start without it.
    RATELIMIT_STORAGE_URI = "memory://"  # read from REDIS_URL by load()
    # The prefix of the throttle's keys in Redis: two installations sharing one Redis server give
    # each its own, so that neither counts the other's failures.
    THROTTLE_KEY_PREFIX = os.environ.get("THROTTLE_KEY_PREFIX", "sentrack-throttle")

    # Email. Without MAIL_SERVER, mail is printed instead of sent (development) and kept in the
    # outbox, where the notifications page lists it.
    MAIL_SERVER = os.environ.get("MAIL_SERVER")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "SEN Track <no-reply@sentrack.invalid>")
    MAIL_TIMEOUT = 10
    # Seconds between the scheduler's sends of the outbox (and its retries of the daily emails):
    # a minute, unless SCHEDULER_OUTBOX_SECONDS says otherwise (the tests of two schedulers wait less).
    SCHEDULER_OUTBOX_SECONDS = int(os.environ.get("SCHEDULER_OUTBOX_SECONDS", "60"))
    # The address links in emails start with, for example https://sentrack.school.sch.uk
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    # Security keys and passkeys (WebAuthn): the relying party is the host name the app is reached
    # at (never an IP address: browsers refuse one), and the origin its pages are served from. With
    # no WEBAUTHN_ORIGIN, the origin of the request is taken, on the relying party's host only
    # (development and tests serve on a free port of localhost); production takes both from
    # BASE_URL unless they are set.
    WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "localhost")
    WEBAUTHN_RP_NAME = os.environ.get("WEBAUTHN_RP_NAME", "SEN Track")
    WEBAUTHN_ORIGIN: str | None = os.environ.get("WEBAUTHN_ORIGIN") or None

    # The largest request body taken, in bytes (1 MB unless MAX_CONTENT_LENGTH says otherwise): no
    # form comes near it; a larger request is refused with a 413 page before it is read.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(1024 * 1024)))
    # The largest document of a pupil's EHC work taken (10 MB unless EHC_DOCUMENT_MAX_BYTES says
    # otherwise): the upload page alone takes a request this large (sentrack/ehc/plans.py).
    EHC_DOCUMENT_MAX_BYTES = int(os.environ.get("EHC_DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))

    PUPILS_PER_PAGE = 25
    # Busy pages kept by each web worker until their records change (sentrack/kept.py). Off
    # (KEEP_PAGES=0), every view writes the page again: for measuring what writing one costs.
    KEEP_PAGES = _env_bool("KEEP_PAGES", True)
    DEMO_BANNER = False
    # The app's clock: outside production SENTRACK_TODAY stands the app on another date.
    TODAY: date | None = None
    # How many proxies in front of the app add X-Forwarded-For/-Proto/-Host: their headers are
    # trusted for that many hops and no more (0, the default, trusts none: a client could write
    # any address there). The address found is checked (sentrack/proxies.py).
    PROXY_HOPS = 0  # read from the environment by load()
    # Add an X-SQL-Statements header (the request's SQL statement count) to every response: for
    # the benchmark only (`BenchConfig`); production never adds it.
    SQL_COUNT_HEADER = False

    @classmethod
    def load(cls) -> dict:
        """Return the settings as a mapping, reading the environment now."""
        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        database_url = os.environ.get("DATABASE_URL")
        if database_url:
            settings["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(database_url)
        if os.environ.get("SECRET_KEY"):
            settings["SECRET_KEY"] = os.environ["SECRET_KEY"]
        settings["TODAY"] = _parse_today(os.environ.get("SENTRACK_TODAY"))
        settings["RATELIMIT_STORAGE_URI"] = os.environ.get("REDIS_URL") or "memory://"
        settings["PROXY_HOPS"] = _parse_hops(os.environ.get("PROXY_HOPS"))
        if os.environ.get("PROXY_HOPS") is None and _env_bool("PROXY_FIX", False):
            settings["PROXY_HOPS"] = 1  # the setting's older name: one proxy
        return settings


class DevelopmentConfig(Config):
    NAME = "development"
    SECRET_KEY = "development-only-secret-key-not-for-production"
    DEMO_BANNER = True
    # SQLALCHEMY_DATABASE_URI is filled in by create_app: SQLite in the instance folder.


class TestingConfig(Config):
    NAME = "testing"
    TESTING = True
    MAIL_SERVER = None
    MAIL_USE_TLS = False
    SECRET_KEY = "testing-secret-key"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_STORAGE_URI = "memory://"
    WTF_CSRF_ENABLED = False  # request tests turn it on where CSRF is the point
    PASSWORD_RESET_ANSWER_SECONDS = 0.0  # the forms are fuzzed with many requests

    @classmethod
    def load(cls) -> dict:
        settings = super().load()
        test_url = os.environ.get("SENTRACK_TEST_DATABASE_URL")
        if test_url:
            settings["SQLALCHEMY_DATABASE_URI"] = _normalise_database_url(test_url)
        settings["RATELIMIT_STORAGE_URI"] = "memory://"
        return settings


class ProductionConfig(Config):
    NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True

    @classmethod
    def load(cls) -> dict:
        problems = []
        if not os.environ.get("SECRET_KEY"):
            problems.append("SECRET_KEY is not set: set it to a long random string.")
        database_url = os.environ.get("DATABASE_URL", "")
        if not database_url:
            problems.append("DATABASE_URL is not set: set it to the PostgreSQL database's URL.")
        elif not database_url.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
            problems.append("DATABASE_URL must name a PostgreSQL database in production.")
        if os.environ.get("SENTRACK_TODAY"):
            problems.append("SENTRACK_TODAY sets the clock for demos and tests; production refuses it.")
        redis_url = os.environ.get("REDIS_URL", "")
        if not redis_url:
            problems.append(
                "REDIS_URL is not set: set it to the Redis server's URL, where every worker keeps the "
                "sign-in throttle's counts (in each worker's memory, an attacker would get a full "
                "allowance of guesses per worker)."
            )
        elif not (redis_url.startswith(("redis://", "rediss://")) or redis_url.startswith("redis+")):
            problems.append("REDIS_URL must name a Redis server (redis://, rediss:// or redis+...://).")
        if problems:
            raise ConfigError("SEN Track cannot start in production:\n- " + "\n- ".join(problems))
        settings = super().load()
        base = urlsplit(settings["BASE_URL"])
        if not os.environ.get("WEBAUTHN_RP_ID") and base.hostname:
            settings["WEBAUTHN_RP_ID"] = base.hostname
        if not settings["WEBAUTHN_ORIGIN"] and base.scheme and base.netloc:
            settings["WEBAUTHN_ORIGIN"] = f"{base.scheme}://{base.netloc}"
        return settings


class BenchConfig(Config):
    """`make bench`: served by gunicorn like production, on loopback over plain HTTP, against the
    demo authority, with each response saying how many SQL statements it took."""

    NAME = "bench"
    SECRET_KEY = "bench-only-secret-key-not-for-production"
    SQL_COUNT_HEADER = True


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
    "bench": BenchConfig,
}


def config_from_environment(name: str | None = None) -> dict:
    """The settings for `name`, or for SENTRACK_CONFIG, or for development."""
    name = name or os.environ.get("SENTRACK_CONFIG", "development")
    try:
        cls = CONFIGS[name]
    except KeyError as exc:
        raise ConfigError(f"SENTRACK_CONFIG must be one of {', '.join(CONFIGS)}, not {name!r}.") from exc
    return cls.load()
