"""A person's own sessions: where their account is signed in (device, network address, started,
last active, this device marked), and ending any of the others, one or all at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from sentrack.auth.devices import device_name
from sentrack.auth.sessions import start_session
from sentrack.extensions import db
from sentrack.models import UserSession
from tests.helpers import audit_events

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)


@pytest.mark.parametrize(
    ("user_agent", "name"),
    [
        (CHROME_WINDOWS, "Chrome on Windows"),
        (SAFARI_IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/18.1 Safari/605.1.15",
            "Safari on macOS",
        ),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"),
        (CHROME_WINDOWS + " Edg/131.0.2903.86", "Edge on Windows"),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "CriOS/131.0 Mobile/15E148 Safari/604.1",
            "Chrome on iPad",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
            "Chrome on ChromeOS",
        ),
        ("curl/8.5.0", "Unknown device"),
        ("Mozilla/5.0 (Windows NT 10.0)", "A browser on Windows"),
        ("", "Unknown device"),
        (None, "Unknown device"),
    ],
)
def test_a_device_is_named_by_its_browser_and_system(user_agent, name):
    assert device_name(user_agent) == name


def _open_session(session, user, *, address="192.0.2.10", agent=CHROME_WINDOWS) -> int:
    start_session(session, user, remote_addr=address, user_agent=agent)
    session.commit()
    return session.scalar(sa.select(sa.func.max(UserSession.id)).where(UserSession.user_id == user.id))


def _session_row(session, session_id: int) -> UserSession:
    session.expire_all()
    return session.get(UserSession, session_id)


def test_the_page_lists_the_persons_own_open_sessions(client, world, session, login):
    teacher = world.users["teacher"]
    phone = _open_session(session, teacher, address="2001:db8::7", agent=SAFARI_IPHONE)
    ended = _open_session(session, teacher, address="198.51.100.1")
    _session_row(session, ended).ended_at = datetime.now(UTC)
    idle = _open_session(session, teacher, address="198.51.100.2")
    _session_row(session, idle).last_seen_at = datetime.now(UTC) - timedelta(hours=2)
    _open_session(session, world.users["senco"], address="198.51.100.3")
    session.commit()
    login(teacher)

    page = client.page("/account/sessions")

    rows = page.table("Open sessions")
    assert [row[:2] for row in rows] == [
        ["Unknown device This device", "127.0.0.1"],
        ["Safari on iPhone", "2001:db8::7"],
    ]
    assert rows[0][4] == "Sign out to end it"
    assert rows[1][4].startswith("End")
    assert page.links().count("/account/sessions") >= 1  # the account bar links to the page
    assert f"/account/sessions/{phone}/end" in {form["action"] for form in page.all("form")}
    assert "198.51.100" not in page.html  # neither ended, idle, nor another person's sessions


def test_ending_another_session_signs_that_device_out(app, client, world, session, login):
    teacher = world.users["teacher"]
    login(teacher)
    laptop = login(teacher, app.test_client())
    laptop_id = session.scalar(sa.select(sa.func.max(UserSession.id)).where(UserSession.user_id == teacher.id))

    response = client.post(f"/account/sessions/{laptop_id}/end")

    assert response.status_code == 302 and response.headers["Location"] == "/account/sessions"
    assert laptop.get("/").headers["Location"].startswith("/sign-in")
    assert _session_row(session, laptop_id).ended_reason == "ended_by_owner"
    [event] = audit_events(session, "session_ended_by_owner", user_id=teacher.id)
    assert (event.object_type, event.object_id) == ("user_session", str(laptop_id))
    assert "The session has ended" in client.page("/account/sessions").flashes()[0]


def test_the_session_in_use_is_ended_by_signing_out_not_by_end(client, world, session, login):
    teacher = world.users["teacher"]
    login(teacher)
    own = session.scalar(sa.select(sa.func.max(UserSession.id)).where(UserSession.user_id == teacher.id))

    response = client.post(f"/account/sessions/{own}/end")

    assert response.headers["Location"] == "/account/sessions"
    assert client.page("/account/sessions").flashes() == ["This is the session you are using now. To end it, sign out"]
    assert _session_row(session, own).ended_at is None
    assert audit_events(session, "session_ended_by_owner") == []


def test_another_persons_session_is_not_found(client, world, session, login):
    theirs = _open_session(session, world.users["senco"])
    login(world.users["teacher"])

    response = client.post(f"/account/sessions/{theirs}/end")

    assert response.status_code == 404
    assert _session_row(session, theirs).ended_at is None
    [refused] = audit_events(session, "access_refused", user_id=world.users["teacher"].id)
    assert (refused.object_type, refused.object_id) == ("session_id", str(theirs))
    assert audit_events(session, "session_ended_by_owner") == []


def test_an_ended_session_is_not_found_either(client, world, session, login):
    teacher = world.users["teacher"]
    gone = _open_session(session, teacher)
    _session_row(session, gone).ended_at = datetime.now(UTC)
    session.commit()
    login(teacher)

    assert client.post(f"/account/sessions/{gone}/end").status_code == 404


def test_ending_all_other_sessions_keeps_this_one(app, client, world, session, login):
    teacher = world.users["teacher"]
    others = [login(teacher, app.test_client()) for _ in range(2)]
    login(teacher)
    theirs = _open_session(session, world.users["senco"])

    response = client.post("/account/sessions/end-others")

    assert response.headers["Location"] == "/account/sessions"
    for other in others:
        assert other.get("/").headers["Location"].startswith("/sign-in")
    page = client.page("/account/sessions")
    assert [row[0] for row in page.table("Open sessions")] == ["Unknown device This device"]
    assert not page.has('form[action="/account/sessions/end-others"]')
    assert _session_row(session, theirs).ended_at is None
    [event] = audit_events(session, "other_sessions_ended", user_id=teacher.id)
    assert event.details == {"ended": 2}


def _statements(app, client, url: str) -> int:
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "SAVEPOINT" not in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        client.page(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def test_the_page_takes_as_many_statements_for_many_sessions_as_for_one(app, client, world, session, login):
    teacher = world.users["teacher"]
    login(teacher)
    one = _statements(app, client, "/account/sessions")
    for number in range(6):
        _open_session(session, teacher, address=f"192.0.2.{number + 20}")

    many = _statements(app, client, "/account/sessions")

    assert many == one
