"""Test fixtures: one migrated database per run, each test inside a transaction rolled back after.

The suite runs on SQLite (a file in a temporary folder) unless SENTRACK_TEST_DATABASE_URL names
another database, such as the PostgreSQL server CI uses.
"""

from __future__ import annotations

import os
from datetime import date

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from sqlalchemy.orm import Session, scoped_session, sessionmaker

import sentrack.commands as _c_tmp; _c_tmp.register = lambda app: None  # TMPPATCH
from sentrack import create_app
from sentrack.extensions import db, limiter
from tests import factories

TODAY = date(2026, 11, 27)


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
    if not url:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'sentrack-test.sqlite'}"
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "TODAY": TODAY})
    with app.app_context():
        _reset_database(db.engine)
        upgrade()
    return app


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
    limiter.reset()
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        transaction.rollback()
        connection.close()
        ctx.pop()


@pytest.fixture
def session() -> Session:
    return db.session


@pytest.fixture
def world(app):
    """Two schools in one authority and one in another, with a user for every role."""
    return factories.build_world(db.session)


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
