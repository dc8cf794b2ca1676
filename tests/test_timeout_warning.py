"""The warning before a session ends: every signed-in page carries the dialog with the timings
its script counts from, and "Stay signed in" keeps the session, with or without the script."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from sentrack.models import UserSession
from tests.helpers import audit_events


@pytest.fixture
def senco(client, world, login):
    return login(world.users["senco"])


def _row(session) -> UserSession:
    session.expire_all()
    return session.scalars(sa.select(UserSession).where(UserSession.ended_at.is_(None))).one()


def test_a_signed_in_page_carries_the_warning_with_its_timings(senco, session):
    row = _row(session)
    row.created_at = datetime.now(UTC) - timedelta(hours=11, minutes=50)
    session.commit()

    dialog = senco.page("/").one("dialog#timeout-warning")

    idle = int(current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds())
    assert dialog["aria-labelledby"] == "timeout-warning-title"
    assert int(dialog["data-idle-timeout"]) == idle
    assert idle - 5 <= int(dialog["data-idle-left"]) <= idle
    assert 590 <= int(dialog["data-absolute-left"]) <= 600  # 12 hours from sign-in
    assert int(dialog["data-warn-before"]) == 120
    stay = dialog.select_one('form[action="/session/stay"]')
    assert stay.select_one("input[name=next]")["value"] == "/"
    assert [b.get_text(strip=True) for b in dialog.select("button")] == ["Stay signed in", "Carry on", "Sign out"]


def test_a_signed_out_page_has_no_warning(client):
    assert not client.page("/sign-in").has("dialog")


def test_staying_signed_in_without_the_script_goes_back_to_the_page(senco, session):
    row = _row(session)
    row.last_seen_at = datetime.now(UTC) - timedelta(minutes=28)
    session.commit()

    response = senco.post("/session/stay", data={"next": "/pupils/"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/pupils/"
    assert datetime.now(UTC) - _row(session).last_seen_at < timedelta(seconds=5)
    assert len(audit_events(session, "session_kept")) == 1


def test_staying_signed_in_from_the_script_answers_the_time_left(senco, session):
    response = senco.post("/session/stay", data={}, headers={"Accept": "application/json"})

    answer = response.get_json()
    idle = int(current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds())
    assert idle - 5 <= answer["idle_left"] <= idle
    assert answer["absolute_left"] > 11 * 3600


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_staying_signed_in_never_goes_to_another_site(senco, elsewhere):
    response = senco.post("/session/stay", data={"next": elsewhere})

    assert response.headers["Location"] == "/"


def test_a_session_already_ended_cannot_be_kept(senco, session):
    row = _row(session)
    row.last_seen_at = datetime.now(UTC) - current_app.config["SESSION_IDLE_TIMEOUT"] - timedelta(seconds=1)
    session.commit()

    response = senco.post("/session/stay", data={"next": "/pupils/"})

    assert response.headers["Location"].startswith("/sign-in")
    session.expire_all()
    assert session.scalars(sa.select(UserSession)).one().ended_reason == "timed_out"


def test_a_wide_idle_timeout_warns_two_minutes_before_and_a_short_one_at_half(app, senco, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_IDLE_TIMEOUT", timedelta(seconds=30))

    assert senco.page("/").one("dialog")["data-warn-before"] == "15"
