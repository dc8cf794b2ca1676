"""Test fixtures: one migrated database per run, each test inside a transaction rolled back after.

The suite runs on SQLite (a file in a temporary folder) unless SENTRACK_TEST_DATABASE_URL names
another database, such as the PostgreSQL server CI uses.
"""

from __future__ import annotations

import hashlib
import os
from contextlib import ExitStack
from datetime import date

import pytest
import sqlalchemy as sa
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from sentrack import create_app, submissions
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
        yield app
        with app.app_context():
            db.engine.dispose()  # close pooled connections before the database is dropped


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
        ctx.pop()


@pytest.fixture(autouse=True)
def _app_day(app):
    """A test may stand the app on another day (`app.config["TODAY"] = day`, as the demo's
    SENTRACK_TODAY does): the next test stands on TODAY again."""
    yield
    app.config["TODAY"] = TODAY


@pytest.fixture
def session() -> Session:
    return db.session


@pytest.fixture
def world(app):
    """Two schools in one authority and one in another, with a user for every role.

    Committed (into the test's outer transaction, still rolled back after the test) so that an
    app request that rolls its session back cannot take the world with it.
    """
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
