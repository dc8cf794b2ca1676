"""Small helpers for reading pages and counting rows in request tests."""

from __future__ import annotations

import io
import os
import socket
import zipfile
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.models import AuditEvent
from tests.pages import Html


def text(response) -> str:
    """The response as text; a ZIP (a subject access export, say) as the text of every file in it,
    so that what the checks look for in a page they find in an archive too."""
    if response.mimetype == "application/zip":
        with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
            return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    return response.get_data(as_text=True)


def _parsed(page: str | Html) -> Html:
    return page if isinstance(page, Html) else Html(page)


def field_error(page: str | Html, field_id: str) -> str | None:
    """The GOV.UK error message shown beside the field with `field_id`, or None (see `Html.field_error`)."""
    return _parsed(page).field_error(field_id)


def pupil_links(page: str | Html) -> list[str]:
    """The public ids of the pupils linked from a page, in page order, without repeats."""
    return _parsed(page).pupil_links()


def date_parts(value: date) -> list[str]:
    """A date as the three inputs of a GOV.UK date field post it: day, month, year."""
    return [str(value.day), str(value.month), str(value.year)]


def rows(*fields: dict, start: int = 0) -> dict:
    """A form's rows of records as posted: `rows({"pupil": "12", "impact": "1"})` is
    `{"rows-0-pupil": "12", "rows-0-impact": "1"}`; each row names its record in `pupil`."""
    return {f"rows-{n}-{name}": value for n, row in enumerate(fields, start) for name, value in row.items()}


def row_of(page: str | Html, key: str) -> str:
    """The prefix of the fields of the row of record `key` on a page (`rows-3-`)."""
    names = [
        field["name"]
        for field in _parsed(page).all('input[type="hidden"][name^="rows-"][name$="-pupil"]')
        if field.get("value") == key
    ]
    assert names, f"no row of {key} on the page"
    return names[0].removesuffix("pupil")


def count(session: Session, model, *conditions) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))


def audit_events(session: Session, action: str, **filters) -> list[AuditEvent]:
    query = sa.select(AuditEvent).where(AuditEvent.action == action)
    for name, value in filters.items():
        query = query.where(getattr(AuditEvent, name) == value)
    return list(session.scalars(query.order_by(AuditEvent.id)))


def csrf_token(page: str | Html) -> str:
    return _parsed(page).csrf_token()


@contextmanager
def own_postgresql_database(url: str, name: str, template: str | None = None):
    """A new, empty database called `name` on the PostgreSQL server `url` names, dropped
    afterwards, so that two runs on one server (CI beside a developer) never touch each other.
    With `template` (a database of that server nobody is connected to), a copy of it instead."""
    server = sa.make_url(url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            copy = f' TEMPLATE "{template}"' if template else ""
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


# Where the tests that need PostgreSQL whatever the suite runs on (several servers, the backup
# check) make their database when SENTRACK_TEST_DATABASE_URL is not PostgreSQL.
POSTGRESQL_SERVER = "postgresql://postgres@127.0.0.1:5432/test"


def postgresql_server(needed_for: str) -> str:
    """The PostgreSQL server a test makes its own database on, whatever database the suite runs on:
    SENTRACK_CLUSTER_DATABASE_URL, else SENTRACK_TEST_DATABASE_URL when it is PostgreSQL, else
    POSTGRESQL_SERVER. Fails the test, saying what it was `needed_for`, when none answers: such a
    test never skips."""
    import psycopg
    import pytest

    url = os.environ.get("SENTRACK_CLUSTER_DATABASE_URL")
    if not url:
        suite = os.environ.get("SENTRACK_TEST_DATABASE_URL", "")
        url = suite if suite.startswith("postgres") else POSTGRESQL_SERVER
    url = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as error:
        pytest.fail(
            f"{needed_for} needs PostgreSQL, and none answers at {sa.make_url(url)!r} ({type(error).__name__}). "
            "Start it, or name another server in SENTRACK_CLUSTER_DATABASE_URL.",
            pytrace=False,
        )
    return url


class Inbox:
    """An SMTP handler that keeps every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    """A loopback port nothing listens on (at the moment of asking)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def smtp_server(handler=None):
    """A real SMTP server (aiosmtpd) on loopback for the length of the block: (port, handler), the
    handler being an `Inbox` unless one is given (one that holds or refuses messages, say)."""
    from aiosmtpd.controller import Controller

    handler = Inbox() if handler is None else handler
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


def email_text(envelope) -> str:
    """The decoded text of an email an SMTP test server received (headers and body)."""
    from email import message_from_bytes, policy

    message = message_from_bytes(envelope.content, policy=policy.default)
    return f"Subject: {message['Subject']}\n{message.get_content()}"


def submission_token(page: str | Html, action: str | None = None) -> str:
    """The one-time submission token of a form on `page`: the form posting to `action`, or the
    page's first form that carries one. Fails when the form has none."""
    return _parsed(page).submission_token(action)
