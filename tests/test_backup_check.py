"""`flask backup-check` (sentrack/backups.py): a backup dumped with pg_dump, restored into a scratch
database and compared table by table. On PostgreSQL whatever database the suite runs on (a
database of the module's own on the server tests/helpers.py `postgresql_server` finds); it fails
when there is none."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from sentrack import create_app
from sentrack.backups import differences, dump, restored, snapshot
from sentrack.extensions import db
from tests import factories
from tests.helpers import own_postgresql_database, postgresql_server

pytestmark = pytest.mark.no_transaction


@pytest.fixture(scope="module")
def backed_up():
    """An app on a migrated database of its own holding the test world."""
    server = postgresql_server("The backup check")
    with own_postgresql_database(server, f"sentrack_backup_{os.getpid()}") as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            factories.build_world(db.session)
            db.session.commit()
            db.session.remove()
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


def test_the_check_restores_the_dump_and_finds_every_table_the_same(backed_up, tmp_path):
    kept = tmp_path / "sentrack.dump"
    with backed_up.app_context():
        with db.engine.connect() as connection:
            held = snapshot(connection)
        db.engine.dispose()  # the check's own connections only

    result = backed_up.test_cli_runner().invoke(args=["backup-check", "--file", str(kept)])

    assert result.exit_code == 0, result.output
    rows = sum(held.counts.values())
    assert f"{len(held.counts)} tables, {rows} rows, migration {held.version}, all the same" in result.output
    assert held.counts["pupil"] > 0 and held.version is not None
    assert kept.stat().st_size > 0


def test_a_restored_database_missing_a_table_or_its_migration_is_told_apart(backed_up, tmp_path):
    with backed_up.app_context():
        dumped = dump(db.engine, tmp_path / "sentrack.dump")
        with restored(db.engine, tmp_path / "sentrack.dump") as scratch:
            with scratch.begin() as connection:
                connection.execute(sa.text("DROP TABLE session_value"))
                connection.execute(sa.text("DELETE FROM alembic_version"))
            with scratch.connect() as connection:
                back = snapshot(connection)
        db.engine.dispose()

    assert differences(dumped, back) == [
        f"migration: {dumped.version} dumped, None restored",
        "alembic_version: 1 rows dumped, 0 rows restored",
        "session_value: 0 rows dumped, no table restored",
    ]
    assert differences(dumped, dumped) == []
