"""Configuration read from the environment: production refuses to start on a bad one."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time

import pytest
import sqlalchemy as sa
from flask import Flask

import config
from sentrack import clock, create_app, engine_options
from sentrack.extensions import db

ENVIRONMENT = (
    "SECRET_KEY",
    "DATABASE_URL",
    "SENTRACK_TODAY",
    "SENTRACK_CONFIG",
    "SENTRACK_TEST_DATABASE_URL",
    "REDIS_URL",
    "PROXY_HOPS",
    "PROXY_FIX",
)
PRODUCTION_URL = "postgresql://sentrack@db.example/sentrack"


@pytest.fixture
def env(monkeypatch):
    """An environment with none of the app's variables set; tests set what they need."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def production_env(env):
    env.setenv("SECRET_KEY", "a-long-random-production-secret")
    env.setenv("DATABASE_URL", PRODUCTION_URL)
    env.setenv("REDIS_URL", "redis://cache.example:6379/0")
    return env


def test_production_starts_with_a_complete_environment(production_env):
    settings = config.config_from_environment("production")

    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://sentrack@db.example/sentrack"
    assert settings["SECRET_KEY"] == "a-long-random-production-secret"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["TODAY"] is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda env: env.delenv("SECRET_KEY"), "SECRET_KEY is not set"),
        (lambda env: env.delenv("DATABASE_URL"), "DATABASE_URL is not set"),
        (
            lambda env: env.setenv("DATABASE_URL", "sqlite:///sentrack.sqlite"),
            "DATABASE_URL must name a PostgreSQL database",
        ),
        (
            lambda env: env.setenv("DATABASE_URL", "mysql://sentrack@db/sentrack"),
            "DATABASE_URL must name a PostgreSQL database",
        ),
        (lambda env: env.setenv("SENTRACK_TODAY", "2026-01-05"), "production refuses it"),
        (lambda env: env.delenv("REDIS_URL"), "REDIS_URL is not set"),
        (lambda env: env.setenv("REDIS_URL", ""), "REDIS_URL is not set"),
        (lambda env: env.setenv("REDIS_URL", "memory://"), "REDIS_URL must name a Redis server"),
    ],
    ids=[
        "no-secret-key",
        "no-database-url",
        "sqlite-database",
        "mysql-database",
        "clock-set",
        "no-redis-url",
        "empty-redis-url",
        "memory-storage",
    ],
)
def test_production_refuses_to_start(production_env, change, message):
    change(production_env)

    with pytest.raises(config.ConfigError, match=message) as refused:
        create_app(config_name="production")

    assert "cannot start in production" in str(refused.value)


def test_production_names_every_problem_at_once(env):
    with pytest.raises(config.ConfigError) as refused:
        create_app(config_name="production")

    assert "SECRET_KEY is not set" in str(refused.value)
    assert "DATABASE_URL is not set" in str(refused.value)
    assert "REDIS_URL is not set" in str(refused.value)


def test_an_unknown_configuration_name_is_refused(env):
    env.setenv("SENTRACK_CONFIG", "staging")

    with pytest.raises(config.ConfigError, match="SENTRACK_CONFIG must be one of"):
        config.config_from_environment()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@db.example:5432/sen", "postgresql+psycopg://u:p@db.example:5432/sen"),
        ("postgresql://u@db.example/sen", "postgresql+psycopg://u@db.example/sen"),
        ("postgresql+psycopg://u@db.example/sen", "postgresql+psycopg://u@db.example/sen"),
        ("sqlite:////srv/sentrack/sen.sqlite", "sqlite:////srv/sentrack/sen.sqlite"),
    ],
)
def test_database_url_selects_the_database(env, url, expected):
    env.setenv("DATABASE_URL", url)

    assert config.config_from_environment("development")["SQLALCHEMY_DATABASE_URI"] == expected


def test_database_url_reaches_the_app(env, tmp_path):
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'chosen.sqlite'}")

    app = create_app(config_name="development")

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'chosen.sqlite'}"


def test_development_without_database_url_uses_sqlite_in_the_instance_folder(env, tmp_path):
    instance = tmp_path / "instance"
    # Stand the instance folder in a temporary place rather than create one in the repository.
    env.setattr(Flask, "auto_find_instance_path", lambda self: str(instance))

    app = create_app(config_name="development")

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{os.path.join(instance, 'sentrack.sqlite')}"
    assert instance.is_dir()


def test_sentrack_today_sets_the_app_clock(env, tmp_path):
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'clock.sqlite'}")
    env.setenv("SENTRACK_TODAY", "2025-03-04")

    app = create_app(config_name="development")

    with app.app_context():
        assert clock.today() == date(2025, 3, 4)
        assert clock.day_of(clock.now()) == date(2025, 3, 4)


def test_without_sentrack_today_the_clock_is_the_real_date(env, tmp_path):
    env.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'clock.sqlite'}")

    app = create_app(config_name="development")

    with app.app_context():
        assert clock.today() == datetime.now(clock.SCHOOL_TIME).date()


@pytest.mark.parametrize(
    ("real", "school_time"),
    [
        # Late evening UTC in summer is already the next morning in London: the entry still
        # falls on the app's day.
        (datetime(2026, 12, 6, 23, 40, tzinfo=UTC), time(23, 40)),
        (datetime(2027, 7, 21, 23, 40, tzinfo=UTC), time(0, 40)),
        (datetime(2027, 7, 21, 0, 10, tzinfo=UTC), time(1, 10)),
        (datetime(2027, 7, 20, 12, 0, tzinfo=UTC), time(13, 0)),
    ],
)
def test_a_fixed_date_keeps_the_school_time_of_day_and_stays_on_that_day(real, school_time):
    moment = clock.moved_to(date(2027, 7, 20), real)

    assert moment.tzinfo is UTC
    assert clock.day_of(moment) == date(2027, 7, 20)
    assert moment.astimezone(clock.SCHOOL_TIME).time() == school_time


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (datetime(2027, 7, 20, 23, 30, tzinfo=UTC), date(2027, 7, 21)),  # 00:30 BST
        (datetime(2027, 7, 20, 22, 59, tzinfo=UTC), date(2027, 7, 20)),
        (datetime(2027, 1, 20, 23, 30, tzinfo=UTC), date(2027, 1, 20)),  # GMT: the same day
        (datetime(2027, 7, 20, 23, 30), date(2027, 7, 21)),  # naive, as stored: UTC
        ("2027-07-20 23:30:00.000000", date(2027, 7, 21)),  # SQLite's max() of a timestamp
        (date(2027, 7, 20), date(2027, 7, 20)),
    ],
)
def test_the_day_of_a_moment_is_its_day_at_the_school(moment, day):
    assert clock.day_of(moment) == day


@pytest.mark.parametrize("value", ["04/03/2025", "2025-02-30", "tomorrow"])
def test_a_malformed_sentrack_today_is_refused(env, value):
    env.setenv("SENTRACK_TODAY", value)

    with pytest.raises(config.ConfigError, match="SENTRACK_TODAY must be a date as YYYY-MM-DD"):
        config.config_from_environment("development")


def test_production_keeps_the_sign_in_counts_in_redis(production_env):
    app = create_app(config_name="production")

    assert app.config["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6379/0"
    assert type(app.extensions["sentrack.throttle"].storage).__name__ == "RedisStorage"


def test_forwarded_addresses_are_trusted_for_no_proxy_unless_configured(production_env):
    assert config.config_from_environment("production")["PROXY_HOPS"] == 0

    production_env.setenv("PROXY_HOPS", "2")
    assert config.config_from_environment("production")["PROXY_HOPS"] == 2


def test_the_older_proxy_setting_means_one_proxy(production_env):
    production_env.setenv("PROXY_FIX", "1")

    assert config.config_from_environment("production")["PROXY_HOPS"] == 1


@pytest.mark.parametrize("value", ["-1", "one", "1.5", "99"])
def test_a_malformed_proxy_hops_is_refused(env, value):
    env.setenv("PROXY_HOPS", value)

    with pytest.raises(config.ConfigError, match="PROXY_HOPS must be the number of proxies"):
        config.config_from_environment("development")


def test_postgresql_connections_run_without_jit(app):
    """Every connection to PostgreSQL has JIT compilation off (it cost seconds on the sweep's queries
    over an authority); SQLite, which has none, is given no such option."""
    with app.app_context():
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        if db.engine.dialect.name == "postgresql":
            assert "-c jit=off" in options["connect_args"]["options"]
            assert db.session.execute(sa.text("SHOW jit")).scalar() == "off"
        else:
            assert "connect_args" not in options


def test_engine_options_keep_what_the_configuration_gives():
    given = {"pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=5000"}}
    options = engine_options(
        {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db/x", "SQLALCHEMY_ENGINE_OPTIONS": given}
    )
    assert options == {"pool_pre_ping": True, "connect_args": {"options": "-c statement_timeout=5000 -c jit=off"}}
    assert given["connect_args"]["options"] == "-c statement_timeout=5000"  # the configuration is not changed
    sqlite = engine_options({"SQLALCHEMY_DATABASE_URI": "sqlite:///x.sqlite", "SQLALCHEMY_ENGINE_OPTIONS": given})
    assert sqlite == given
