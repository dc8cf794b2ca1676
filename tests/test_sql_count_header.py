"""The benchmark's X-SQL-Statements header: the bench configuration counts each request's SQL
statements; no other configuration says anything, and production never does."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import event

from sentrack import create_app
from sentrack.extensions import db

HEADER = "X-SQL-Statements"


@pytest.mark.no_transaction
def test_the_bench_configuration_counts_each_requests_statements(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("SENTRACK_TODAY", raising=False)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'bench.sqlite'}", "WTF_CSRF_ENABLED": False},
        config_name="bench",
    )
    with app.app_context():
        upgrade()
        seen = []

        def count(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count)
        try:
            # A failed sign-in looks the account up and audits the failure.
            response = app.test_client().post(
                "/sign-in", data={"email": "nobody@school.test", "password": "wrong-password"}
            )
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        db.engine.dispose()
    assert response.status_code == 200
    assert len(seen) >= 2
    assert response.headers[HEADER] == str(len(seen))


def test_other_configurations_say_nothing(client):
    assert HEADER not in client.get("/sign-in").headers


@pytest.mark.no_transaction
def test_production_never_adds_it(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://sentrack@db.example/sentrack")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")  # not reached by this request
    monkeypatch.delenv("SENTRACK_TODAY", raising=False)
    app = create_app({"SQL_COUNT_HEADER": True}, config_name="production")
    response = app.test_client().get("/sign-in")
    assert response.status_code == 200
    assert HEADER not in response.headers
