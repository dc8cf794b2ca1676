"""Test fixtures: one migrated database per run, each test inside a transaction rolled back after;
beside it a copy holding the test world, for the tests that use it (see `_world_database`).

The suite runs on SQLite (a file in a temporary folder) unless SENTRACK_TEST_DATABASE_URL names
another database, such as the PostgreSQL server CI uses.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, fields
from datetime import date

import pytest
import sqlalchemy as sa
from flask import current_app
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from sentrack import create_app, kept, submissions
from sentrack.auth import throttle
from sentrack.auth.sessions import start_session
from sentrack.extensions import db
from sentrack.models import TeachingGroup, User, UserSession
from tests import factories
from tests.helpers import own_postgresql_database
from tests.pages import Page

TODAY = date(2026, 11, 27)


def pytest_configure(config):
    config.addinivalue_line("markers", "no_transaction: the test manages its own database and app context")


class FreshGlobalsClient(FlaskClient):
    """A test client whose every request sees a fresh `flask.g`, as it would in production.

    Each test pushes one app context for the whole test (see `_isolated`), and Flask reuses an
    app context that is already pushed instead of pushing one per request. Without this, `g`
    would outlive a request: Flask-Login caches the signed-in user in `g._login_user` and
    Flask-WTF marks `g.csrf_valid`, so a second client would act as the first one's user and a
    request without a CSRF token could pass after one with it.
    """

    # Like a browser sending the form it was shown, each POST carries a one-time submission token
    # for the signed-in user unless the test sends its own (tests of the token itself turn this off).
    sends_submission_tokens = True

    def open(self, *args, **kwargs):
        if self.sends_submission_tokens and str(kwargs.get("method", "GET")).upper() == "POST":
            kwargs["data"] = self._with_submission_token(kwargs.get("data"))
        ctx = _cv_app.get(None)
        if ctx is None:
            return super().open(*args, **kwargs)
        saved = ctx.g
        ctx.g = ctx.app.app_ctx_globals_class()
        try:
            return super().open(*args, **kwargs)
        finally:
            ctx.g = saved

    def page(self, url: str, status: int | None = 200, **kwargs) -> Page:
        """GET `url` and read the answer as a page, having checked its status, title and ids."""
        return Page(self.get(url, **kwargs), status=status)

    def post_page(self, url: str, data=None, status: int | None = 200, **kwargs) -> Page:
        """POST `data` to `url` and read the answer as a page (follow_redirects=True for the next one)."""
        return Page(self.post(url, data=data, **kwargs), status=status)

    def _with_submission_token(self, data):
        if data is None:
            data = {}
        if not isinstance(data, dict) or submissions.FIELD in data:
            return data
        user_id = signed_in_user_id(self)
        if user_id is None:
            return data
        token = submissions.issue(user_id, secret_key=self.application.secret_key)
        return {**data, submissions.FIELD: token}


def signed_in_user_id(client: FlaskClient) -> int | None:
    """The id of the user signed in on `client`, read from its session cookie and session row."""
    cookie = client.get_cookie(client.application.config["SESSION_COOKIE_NAME"])
    if cookie is None:
        return None
    app = client.application
    try:
        token = app.session_interface.get_signing_serializer(app).loads(cookie.value).get("_user_id")
    except Exception:  # noqa: BLE001 - a cookie the test set by hand
        return None
    if not token:
        return None
    query = sa.select(UserSession.user_id).where(UserSession.token_hash == hashlib.sha256(token.encode()).hexdigest())
    if _cv_app.get(None) is not None:
        return db.session.scalar(query)
    with app.app_context():  # a test without the app context of its own (no_transaction)
        return db.session.scalar(query)


def _reset_database(engine: sa.Engine) -> None:
    """Start from an empty database, whatever an earlier run left behind."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
        else:
            metadata = sa.MetaData()
            metadata.reflect(connection)
            metadata.drop_all(connection)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = os.environ.get("SENTRACK_TEST_DATABASE_URL")
    with ExitStack() as stack:
        if not url:
            url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'sentrack-test.sqlite'}"
        else:
            if url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://") :]
            if url.startswith("postgresql"):
                url = stack.enter_context(own_postgresql_database(url, f"sentrack_test_{os.getpid()}"))
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "TODAY": TODAY})
        app.test_client_class = FreshGlobalsClient
        with app.app_context():
            _reset_database(db.engine)
            upgrade()
            app.extensions[_WORLD_DATABASE] = stack.enter_context(_world_database(app, tmp_path_factory))
        yield app
        with app.app_context():
            db.engine.dispose()  # close pooled connections before the database is dropped


# --- The world, built once per run --------------------------------------------------------------
# Most tests start from the same world (`factories.build_world`): building it in every test was a
# third of the suite's time. Instead each worker keeps a second database, a copy of the migrated
# one, holding the world committed once; a test that asks for `world` runs on that database (inside
# its own rolled-back transaction, as every test does), and the others on the empty one.

_WORLD_DATABASE = "sentrack-tests-world"


@dataclass
class WorldDatabase:
    engine: sa.Engine
    records: dict[str, object]  # the World's field (or "users:senco") -> its record, detached


@contextmanager
def _world_database(app, tmp_path_factory) -> Iterator[WorldDatabase]:
    """A copy of the migrated database with the world built and committed in it."""
    with ExitStack() as stack:
        url = db.engine.url
        db.engine.dispose()  # PostgreSQL copies a database only while nobody is connected to it
        if url.get_backend_name() == "postgresql":
            plain = url.render_as_string(hide_password=False)
            copy = own_postgresql_database(plain, f"{url.database}_world", template=url.database)
            world_url = stack.enter_context(copy)
        else:
            path = tmp_path_factory.mktemp("db-world") / "sentrack-test-world.sqlite"
            with closing(sqlite3.connect(url.database)) as source, closing(sqlite3.connect(path)) as target:
                source.backup(target)
            world_url = f"sqlite:///{path}"
        engine = sa.create_engine(world_url, **app.config["SQLALCHEMY_ENGINE_OPTIONS"])
        stack.callback(engine.dispose)
        with Session(engine) as session:
            world = factories.build_world(session)
            session.commit()  # every record expired: read again by each test that uses it
            records = dict(_world_records(world))
            session.expunge_all()
        yield WorldDatabase(engine, records)


def _world_records(world: factories.World) -> Iterator[tuple[str, object]]:
    for item in fields(world):
        value = getattr(world, item.name)
        if isinstance(value, dict):
            yield from ((f"{item.name}:{key}", record) for key, record in value.items())
        else:
            yield item.name, value


def _world_in(session: Session, records: dict[str, object]) -> factories.World:
    """The committed world as records of `session`, as the world built and committed in the test
    would be: in the session, expired, each read from the database when first used."""
    found: dict = {"users": {}, "pupils": {}}
    for name, record in records.items():
        merged = session.merge(record, load=False)
        field_name, _, key = name.partition(":")
        if key:
            found[field_name][key] = merged
        else:
            found[field_name] = merged
    return factories.World(**found)


@pytest.fixture(autouse=True)
def _isolated(request, app):
    """Bind db.session to one connection whose outer transaction is rolled back after the test.

    Flask-SQLAlchemy 3.1's session ignores a session-level `bind`, so the test session is a plain
    SQLAlchemy Session that joins the connection's transaction with savepoints: the app's commits
    release savepoints, and nothing reaches the database for the next test.
    """
    if "no_transaction" in request.keywords:
        yield
        return
    ctx = app.app_context()
    ctx.push()
    engines = db._app_engines[app]  # Flask-SQLAlchemy's engines of this app: {None: engine}
    plain = engines[None]
    if "world" in request.fixturenames:
        engines[None] = app.extensions[_WORLD_DATABASE].engine
    connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=True)
    )
    throttle.reset()
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        transaction.rollback()
        connection.close()
        engines[None] = plain
        ctx.pop()


@pytest.fixture(autouse=True)
def _app_day(app):
    """A test may stand the app on another day (`app.config["TODAY"] = day`, as the demo's
    SENTRACK_TODAY does): the next test stands on TODAY again. The pages one test kept (written
    under its configuration) are not the next one's."""
    yield
    app.config["TODAY"] = TODAY
    kept.forget(app)


@pytest.fixture
def session() -> Session:
    return db.session


def runs_on_the_committed_world() -> bool:
    """Whether the running test's session is on the world committed once for the worker (see
    `_world_database`), which every test using it finds the same."""
    return db.session.get_bind().engine is current_app.extensions[_WORLD_DATABASE].engine


@pytest.fixture
def world(app):
    """Two schools in one authority and one in another, with a user for every role.

    Committed, so that an app request that rolls its session back cannot take the world with it:
    the test runs on the database where it was built and committed once (see `_world_database`).
    A test that asks for the world only while it runs (`request.getfixturevalue`) is already on
    the empty database: the world is built there, into its outer transaction, as it once was.
    """
    world_database = app.extensions[_WORLD_DATABASE]
    if db.session.get_bind().engine is world_database.engine:
        return _world_in(db.session, world_database.records)
    world = factories.build_world(db.session)
    db.session.commit()
    return world


@pytest.fixture
def foreign_group(world, session):
    """A teaching group at the school in the other authority."""
    group = TeachingGroup(school_id=world.foreign.id, name="3 Far", year_group=3)
    session.add(group)
    session.commit()
    return group


@pytest.fixture
def client(app):
    return app.test_client()


class AuthActions:
    def __init__(self, client):
        self._client = client

    def sign_in(self, email: str, password: str = factories.PASSWORD):
        return self._client.post("/sign-in", data={"email": email, "password": password})

    def sign_out(self):
        return self._client.post("/sign-out")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login(app, client):
    """Sign a user in without the sign-in form: open a server-side session, as the sign-in
    endpoint does, and put its token in the client's cookie. Argon2 makes the form slow, so
    tests use this unless signing in is what they test. `login(user)` signs in on `client`;
    `login(user, other_client)` on another client. Returns the client."""

    def sign_in(user: User, on=None):
        on = on if on is not None else client
        token = start_session(db.session, user, remote_addr="127.0.0.1", user_agent="pytest")
        db.session.commit()
        with on.session_transaction() as cookie_session:
            cookie_session.clear()
            cookie_session["_user_id"] = token
            cookie_session["_fresh"] = True
        return on

    return sign_in
