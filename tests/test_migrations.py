"""The migrations build exactly the schema the models describe, and can be undone and redone."""

from __future__ import annotations

import os
import pprint

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from sentrack import create_app
from sentrack.extensions import db
from sentrack.models import Base
from tests.helpers import own_postgresql_database

MIGRATION_CHECK_DATABASE = "sentrack_migration_check"


def _schema_diff(connection: sa.Connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


def _table_names(connection: sa.Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


def test_migrated_database_matches_the_models(session):
    diff = _schema_diff(session.connection())

    assert diff == [], "migrations and models disagree:\n" + pprint.pformat(diff)


@pytest.fixture
def sqlite_database(tmp_path):
    yield f"sqlite:///{tmp_path / 'migration-check.sqlite'}"


@pytest.fixture
def postgresql_database():
    """A new, empty PostgreSQL database beside the test database, dropped afterwards."""
    with own_postgresql_database(
        os.environ["SENTRACK_TEST_DATABASE_URL"], f"{MIGRATION_CHECK_DATABASE}_{os.getpid()}"
    ) as url:
        yield url


# PostgreSQL is checked too when the suite runs against it; the round trip always runs on SQLite.
DATABASES = ["sqlite_database"] + (["postgresql_database"] if os.environ.get("SENTRACK_TEST_DATABASE_URL") else [])


@pytest.mark.no_transaction
@pytest.mark.parametrize("database", DATABASES)
def test_downgrade_to_base_and_upgrade_to_head(request, database):
    url = request.getfixturevalue(database)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        try:
            upgrade()
            with db.engine.connect() as connection:
                assert "pupil" in _table_names(connection)

            downgrade(revision="base")
            with db.engine.connect() as connection:
                assert _table_names(connection) <= {"alembic_version"}

            upgrade()
            with db.engine.connect() as connection:
                diff = _schema_diff(connection)
            assert diff == [], "after a round trip the schema differs:\n" + pprint.pformat(diff)
        finally:
            db.engine.dispose()
