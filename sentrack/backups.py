"""The check that a backup restores (`flask --app sentrack backup-check`): the PostgreSQL database
dumped with pg_dump, the dump restored with pg_restore into a scratch database on the same server,
and the two compared, table by table, by their row counts and by the migration they stand at
(alembic_version). The counts of the live database are taken in the same snapshot pg_dump reads,
so that writes made meanwhile cannot make a good backup look wrong. The scratch database is
dropped afterwards; the dump is kept where --file says (a backup the check has proved), else
removed.

pg_dump and pg_restore must be of the server's major version or newer. Nothing here prints a
row: only table names and counts.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa


class BackupCheckFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Snapshot:
    """What a database holds, as the check compares it: each table's rows, and its migration."""

    counts: dict[str, int]
    version: str | None


def _libpq(url: sa.URL) -> tuple[str, dict[str, str]]:
    """`url` as pg_dump takes it, without its password, and the environment carrying the password
    (so that it is not in the command line, which any user of the machine can read)."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return plain, env


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupCheckFailed(f"{Path(command[0]).name} failed: {done.stderr.strip()[-2000:]}")


def snapshot(connection: sa.Connection) -> Snapshot:
    """Every table's row count in the public schema, and the migration the database stands at."""
    tables = connection.execute(
        sa.text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    ).scalars()
    counts = {}
    for table in tables:
        quoted = connection.dialect.identifier_preparer.quote(table)
        counts[table] = connection.execute(sa.text(f"SELECT count(*) FROM {quoted}")).scalar_one()
    version = None
    if "alembic_version" in counts:
        version = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    return Snapshot(counts, version)


def dump(engine: sa.Engine, path: Path) -> Snapshot:
    """Dump the database to `path` (pg_dump's custom format) and answer what the dump holds: the
    counts are read in the snapshot pg_dump reads."""
    url, env = _libpq(engine.url)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            exported = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            _run(["pg_dump", "--format=custom", f"--snapshot={exported}", f"--file={path}", url], env)
            return snapshot(connection)


@contextmanager
def restored(engine: sa.Engine, path: Path) -> Iterator[sa.Engine]:
    """The dump at `path` restored into a scratch database beside `engine`'s, dropped afterwards."""
    name = f"{engine.url.database}_restore_check_{secrets.token_hex(4)}"
    admin = sa.create_engine(engine.url, isolation_level="AUTOCOMMIT")
    scratch_url = engine.url.set(database=name)
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        url, env = _libpq(scratch_url)
        scratch = sa.create_engine(scratch_url)
        try:
            _run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url}", str(path)], env)
            yield scratch
        finally:
            scratch.dispose()
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def differences(live: Snapshot, back: Snapshot) -> list[str]:
    """What the restored database holds otherwise than the dumped one, in words; none when equal."""
    found = []
    if live.version != back.version:
        found.append(f"migration: {live.version} dumped, {back.version} restored")
    for table in sorted(set(live.counts) | set(back.counts)):
        dumped, restored_rows = live.counts.get(table), back.counts.get(table)
        if dumped != restored_rows:
            found.append(f"{table}: {_rows(dumped)} dumped, {_rows(restored_rows)} restored")
    return found


def _rows(count: int | None) -> str:
    return "no table" if count is None else f"{count} rows"


def check(engine: sa.Engine, path: Path) -> tuple[Snapshot, list[str]]:
    """Dump to `path`, restore into a scratch database, and answer what was dumped and every
    difference found. Raises BackupCheckFailed when pg_dump or pg_restore fails."""
    if engine.dialect.name != "postgresql":
        raise BackupCheckFailed("The backup check is for PostgreSQL: DATABASE_URL names another database.")
    live = dump(engine, path)
    with restored(engine, path) as scratch, scratch.connect() as connection:
        back = snapshot(connection)
    return live, differences(live, back)
