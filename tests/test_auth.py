"""Signing in and out, server-side sessions, password changes, the throttle, CSRF and headers."""

from __future__ import annotations

import base64
import json
import zlib
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sentrack.auth.passwords import ADVICE, verify_password
from sentrack.models import Pupil, SessionValue, UserSession
from tests.factories import PASSWORD, make_upn
from tests.helpers import audit_events, count, date_parts
from tests.pages import Page

SIGN_IN_FAILED = "Enter a correct email address and password"
COOKIE = "sentrack_session"


def _copy_cookie(source, target) -> None:
    target.set_cookie(COOKIE, source.get_cookie(COOKIE).value)


def _is_signed_out(response) -> bool:
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


# --- Signing in ---------------------------------------------------------------------------------


def test_sign_in_redirects_home_and_signs_the_user_in(client, world, auth):
    response = auth.sign_in("senco@oak.test")

    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.page("/")
    assert "Senco" in home


def test_sign_in_ignores_the_case_of_the_email_address(client, world, auth):
    assert auth.sign_in("  SENCO@Oak.Test ").status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [("senco@oak.test", "wrong horse battery"), ("nobody@oak.test", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_failed_sign_in_shows_one_message_beside_both_fields(client, world, auth, email, password):
    response = auth.sign_in(email, password)

    page = Page(response)
    assert page.field_error("email") == SIGN_IN_FAILED
    assert page.field_error("password") == SIGN_IN_FAILED
    assert _is_signed_out(client.get("/"))


def test_an_inactive_account_cannot_sign_in(client, world, auth, session):
    world.users["teacher"].active = False
    session.commit()

    response = auth.sign_in("teacher@oak.test")

    assert Page(response).field_error("email") == SIGN_IN_FAILED
    assert count(session, UserSession, UserSession.user_id == world.users["teacher"].id) == 0


def test_signing_in_records_an_audit_event(world, auth, session):
    auth.sign_in("head@oak.test")

    events = audit_events(session, "signed_in", user_id=world.users["head"].id)
    assert len(events) == 1
    assert events[0].school_id == world.school.id
    assert events[0].remote_addr == "127.0.0.1"


def test_a_failed_sign_in_records_an_audit_event_against_the_account(world, auth, session):
    auth.sign_in("head@oak.test", "not the password")

    events = audit_events(session, "sign_in_failed", user_id=world.users["head"].id)
    assert len(events) == 1
    assert events[0].school_id == world.school.id


def test_a_sign_in_to_an_unknown_account_is_audited_without_the_address_typed(world, auth, session):
    auth.sign_in("someone.else@oak.test", "not the password")

    events = audit_events(session, "sign_in_failed")
    assert len(events) == 1
    assert events[0].user_id is None
    assert events[0].details == {"unknown_account": True}
    assert "someone.else" not in repr(events[0].details)


def test_signing_out_records_an_audit_event(world, auth, session):
    auth.sign_in("head@oak.test")
    auth.sign_out()

    assert len(audit_events(session, "signed_out", user_id=world.users["head"].id)) == 1


def test_sign_in_starts_a_new_cookie_session(app, client, world, auth):
    """Nothing set in the cookie before sign-in survives it (session fixation)."""
    with client.session_transaction() as cookie_session:
        cookie_session["csrf_token"] = "planted by an attacker"

    auth.sign_in("senco@oak.test")

    with client.session_transaction() as cookie_session:
        assert cookie_session.get("csrf_token") != "planted by an attacker"


# --- Where sign-in leads ------------------------------------------------------------------------


def test_sign_in_returns_to_the_page_asked_for(client, world):
    response = client.post("/sign-in?next=/pupils/", data={"email": "senco@oak.test", "password": PASSWORD})

    assert response.headers["Location"] == "/pupils/"


def test_a_page_that_needs_sign_in_sends_the_user_to_sign_in_and_back(client, world):
    response = client.get("/pupils/?year=4")

    assert response.status_code == 302
    assert response.headers["Location"] == "/sign-in?next=/pupils/?year%3D4"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t/evil.example/",
        "javascript:alert(1)",
        "evil.example",
        "/pupils/\r\nSet-Cookie: planted=1",
    ],
    ids=[
        "absolute",
        "scheme-relative",
        "slash-backslash",
        "backslashes",
        "tab",
        "javascript",
        "relative",
        "header-injection",
    ],
)
def test_sign_in_never_redirects_off_the_site(client, world, target):
    response = client.post(
        "/sign-in", query_string={"next": target}, data={"email": "senco@oak.test", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/"


# --- Server-side sessions -----------------------------------------------------------------------


def test_a_copied_cookie_works_while_the_session_is_open(app, client, world, auth):
    """The control for the tests below: copying the cookie does carry the session."""
    auth.sign_in("senco@oak.test")
    thief = app.test_client()
    _copy_cookie(client, thief)

    thief.page("/")


def test_signing_out_ends_the_session_on_the_server(app, client, world, auth, session):
    auth.sign_in("senco@oak.test")
    thief = app.test_client()
    _copy_cookie(client, thief)

    response = auth.sign_out()

    assert _is_signed_out(response)
    assert _is_signed_out(thief.get("/"))
    row = session.scalar(sa.select(UserSession).where(UserSession.user_id == world.users["senco"].id))
    assert row.ended_reason == "signed_out"


def test_a_signed_out_page_says_so(client, world, auth):
    auth.sign_in("senco@oak.test")

    page = auth.sign_out()

    assert client.page(page.headers["Location"]).flashes() == ["You have signed out."]


def test_sign_out_needs_a_post(client, world, login):
    login(world.users["senco"])

    assert client.get("/sign-out").status_code == 404
    client.page("/")


# --- Changing the password ----------------------------------------------------------------------

NEW_PASSWORD = "a different long passphrase"


def _change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(
        "/change-password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": confirm if confirm is not None else new,
        },
    )


def test_changing_the_password_ends_other_sessions_but_not_this_one(app, client, world, login, session):
    user = world.users["teacher"]
    login(user)
    elsewhere = login(user, app.test_client())
    thief = app.test_client()
    _copy_cookie(client, thief)

    response = _change_password(client)

    assert response.status_code == 302
    client.page("/")
    assert _is_signed_out(elsewhere.get("/"))
    assert _is_signed_out(thief.get("/"))
    session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert len(audit_events(session, "password_changed", user_id=user.id)) == 1


@pytest.mark.parametrize(
    ("fields", "field_id", "message"),
    [
        ({"current": "not my password"}, "current_password", "Your current password is incorrect"),
        ({"confirm": "something else entirely"}, "confirm_password", "The passwords do not match"),
        ({"new": "short", "confirm": "short"}, "new_password", f"Password must be 12 characters or more. {ADVICE}"),
        (
            {"new": "password12", "confirm": "password12"},
            "new_password",
            f"Password must be 12 characters or more. {ADVICE}",
        ),
        (
            {"new": "  eleven chr ", "confirm": "  eleven chr "},
            "new_password",
            f"Password must be 12 characters or more. {ADVICE}",
        ),
        ({"new": " " * 12, "confirm": " " * 12}, "new_password", f"Password must not be only spaces. {ADVICE}"),
        (
            {"new": "password1234", "confirm": "password1234"},
            "new_password",
            f"Password is too easy to guess (this is a very common password). {ADVICE}",
        ),
        (
            {"new": "qwertyuiop12", "confirm": "qwertyuiop12"},
            "new_password",
            f"Password is too easy to guess (this is similar to a commonly used password). {ADVICE}",
        ),
        (
            {"new": "aaaaaaaaaaaaaaaa", "confirm": "aaaaaaaaaaaaaaaa"},
            "new_password",
            f'Password is too easy to guess (repeats like "aaa" are easy to guess). {ADVICE}',
        ),
        (
            {"new": PASSWORD, "confirm": PASSWORD},
            "new_password",
            "The new password must be different from the current one",
        ),
        (
            {"new": "Teacher@Oak.Test", "confirm": "Teacher@Oak.Test"},
            "new_password",
            "Password must not be your email address",
        ),
    ],
    ids=[
        "wrong-current",
        "mismatch",
        "short",
        "password12",
        "eleven-after-trimming",
        "twelve-spaces",
        "common",
        "keyboard",
        "repeats",
        "unchanged",
        "email",
    ],
)
def test_change_password_refuses(client, world, login, session, fields, field_id, message):
    user = world.users["teacher"]
    login(user)
    before = user.password_hash

    response = _change_password(client, **fields)

    assert Page(response).field_error(field_id) == message
    session.refresh(user)
    assert user.password_hash == before
    client.page("/")


def test_wrong_current_passwords_are_throttled(app, client, world, login, session):
    """A stolen signed-in session cannot be used to guess the account's password."""
    user = world.users["teacher"]
    login(user)
    before = user.password_hash
    for n in range(5):
        response = _change_password(client, current=f"guess number {n}")
        assert Page(response).field_error("current_password") == "Your current password is incorrect"

    refused = _change_password(client)  # the right password, now refused for a while

    assert Page(refused, status=429).field_error("current_password") == (
        "Too many incorrect current passwords. Wait 15 minutes, then try again"
    )
    session.refresh(user)
    assert user.password_hash == before
    assert len(audit_events(session, "current_password_throttled", user_id=user.id)) == 1
    # Another account is not affected.
    login(world.users["senco"], other := app.test_client())
    assert _change_password(other).status_code == 302


def test_a_new_password_is_checked_against_the_persons_name(client, world, login, session):
    user = world.users["teacher"]
    user.full_name = "Nina Patelworth"
    session.commit()
    login(user)

    response = _change_password(client, new="Patelworth2026")

    assert Page(response).field_error("new_password") == f"Password is too easy to guess. {ADVICE}"


# --- Idle timeout -------------------------------------------------------------------------------


def _idle_for(session, user, idle: timedelta) -> None:
    for row in session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)):
        row.last_seen_at -= idle
    session.commit()


def test_an_idle_session_is_signed_out_with_a_message(app, client, world, login, session):
    user = world.users["senco"]
    login(user)
    _idle_for(session, user, app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1))

    response = client.get("/pupils/")

    assert _is_signed_out(response)
    page = client.page(response.headers["Location"])
    minutes = int(app.config["SESSION_IDLE_TIMEOUT"].total_seconds() // 60)
    assert page.flashes() == [f"You were signed out after {minutes} minutes without activity. Sign in again."]
    row = session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    assert row.ended_reason == "timed_out"


def test_a_refused_form_post_counts_as_activity(app, client, world, login, session):
    """A person whose post is refused (a field left empty) has been active: the session's last
    activity moves on, though nothing the post began is kept, so they are not signed out as idle
    while they put the form right."""
    user = world.users["senco"]
    login(user)
    _idle_for(session, user, app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=2))
    row = session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    before = row.last_seen_at
    pupil = world.pupils["taught_plain"]

    refused = client.post(f"/pupils/{pupil.public_id}/concerns/new", data={"description": "Reverses letters"})

    assert Page(refused).error_summary()  # refused beside its fields, nothing stored
    session.refresh(row)
    assert row.last_seen_at - before > app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=3)
    # Two minutes later the session is still open, and the form can be sent again.
    _idle_for(session, user, timedelta(minutes=2))
    assert client.page(f"/pupils/{pupil.public_id}/concerns/new").one("h1")


def test_a_session_used_within_the_idle_timeout_stays_open(app, client, world, login, session):
    user = world.users["senco"]
    login(user)
    _idle_for(session, user, app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1))

    client.page("/pupils/")


def _session_row(session, user) -> UserSession:
    return session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None)))


def test_with_a_short_idle_timeout_an_active_user_stays_signed_in(app, client, world, login, session, monkeypatch):
    """The last-seen time is refreshed well within the timeout: someone using the app every
    70 seconds under a 2-minute timeout is never signed out."""
    monkeypatch.setitem(app.config, "SESSION_IDLE_TIMEOUT", timedelta(minutes=2))
    user = world.users["senco"]
    login(user)
    _idle_for(session, user, timedelta(seconds=55))  # the last page was 55 seconds ago

    for _ in range(4):
        client.page("/pupils/")
        _idle_for(session, user, timedelta(seconds=70))  # then 70 seconds pass before the next

    client.page("/pupils/")


def test_activity_just_under_the_idle_timeout_keeps_the_session(app, client, world, login, session):
    user = world.users["senco"]
    login(user)
    gap = app.config["SESSION_IDLE_TIMEOUT"] - timedelta(seconds=5)

    for _ in range(3):
        _idle_for(session, user, gap)
        client.page("/pupils/")


def test_the_last_seen_time_is_refreshed_at_less_than_half_the_timeout():
    from sentrack.auth.sessions import touch_interval

    for minutes in (1, 2, 5, 30, 240):
        timeout = timedelta(minutes=minutes)
        assert touch_interval(timeout) < timeout / 2


def _opened_ago(session, user, age: timedelta) -> None:
    for row in session.scalars(sa.select(UserSession).where(UserSession.user_id == user.id)):
        row.created_at -= age
    session.commit()


def test_a_session_ends_twelve_hours_after_sign_in_however_active(app, client, world, login, session):
    assert app.config["SESSION_ABSOLUTE_LIFETIME"] == timedelta(hours=12)
    user = world.users["senco"]
    login(user)
    _opened_ago(session, user, timedelta(hours=12, minutes=1))  # last seen just now: active

    response = client.get("/pupils/")

    assert _is_signed_out(response)
    assert client.page(response.headers["Location"]).flashes() == [
        "You were signed out 12 hours after you signed in. Sign in again."
    ]
    row = session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    assert row.ended_reason == "expired"
    assert _is_signed_out(client.get("/"))


def test_a_session_just_under_twelve_hours_old_stays_open(app, client, world, login, session):
    user = world.users["senco"]
    login(user)
    _opened_ago(session, user, timedelta(hours=11, minutes=59))

    client.page("/pupils/")


def test_a_timed_out_session_stays_ended_when_used_again(app, client, world, login, session):
    user = world.users["senco"]
    login(user)
    _idle_for(session, user, app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1))
    client.get("/")

    assert _is_signed_out(client.get("/"))


# --- The sign-in throttle -----------------------------------------------------------------------

THROTTLED = "Too many failed attempts to sign in"


def _attempt(client, email, password="wrong password", address="192.0.2.1"):
    return client.post("/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def test_the_default_per_account_limit_is_five_in_fifteen_minutes(app):
    assert app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] == "5 per 15 minutes"


def test_after_the_per_account_limit_even_the_right_password_is_refused(client, world, session):
    for _ in range(5):
        assert _attempt(client, "senco@oak.test").status_code == 200

    response = _attempt(client, "senco@oak.test", PASSWORD)

    assert THROTTLED in Page(response, status=429).field_error("email")
    assert count(session, UserSession) == 0
    assert len(audit_events(session, "sign_in_throttled")) == 1


def test_the_per_account_limit_holds_from_any_address(client, world):
    for _ in range(5):
        _attempt(client, "senco@oak.test", address="192.0.2.1")

    assert _attempt(client, "senco@oak.test", PASSWORD, address="198.51.100.7").status_code == 429


def test_the_per_account_limit_leaves_other_accounts_alone(client, world):
    for _ in range(5):
        _attempt(client, "senco@oak.test")

    assert _attempt(client, "head@oak.test", PASSWORD, address="198.51.100.7").status_code == 302


def _make_address_busy(app, client, address="192.0.2.1"):
    limit = int(app.config["SIGN_IN_LIMIT_PER_ADDRESS"].split()[0])
    for n in range(limit):
        assert _attempt(client, f"guess{n}@oak.test", address=address).status_code == 200


def test_after_the_per_address_limit_a_right_password_still_signs_in(app, client, world):
    """A school's shared connection: guesses from it must not lock every member of staff out."""
    _make_address_busy(app, client)

    assert _attempt(client, "head@oak.test", PASSWORD).status_code == 302
    assert (
        app.test_client()
        .post(
            "/sign-in",
            data={"email": "senco@oak.test", "password": PASSWORD},
            environ_base={"REMOTE_ADDR": "192.0.2.1"},
        )
        .status_code
        == 302
    )


def test_after_the_per_address_limit_guessing_from_it_is_slowed(app, client, world):
    _make_address_busy(app, client)

    # From the busy address each account gets one wrong try, not five; then even its right
    # password is refused from there (but not from elsewhere).
    assert _attempt(client, "teacher@oak.test").status_code == 200
    refused = _attempt(client, "teacher@oak.test")
    assert THROTTLED in Page(refused, status=429).field_error("email")
    assert _attempt(client, "teacher@oak.test", PASSWORD).status_code == 429
    assert _attempt(client, "teacher@oak.test", PASSWORD, address="198.51.100.7").status_code == 302
    # Another account, not yet tried from the busy address, still signs in with its password.
    assert _attempt(client, "head@oak.test", PASSWORD).status_code == 302


def test_the_per_account_limit_still_holds_from_a_busy_address(app, client, world):
    for _ in range(5):
        _attempt(client, "senco@oak.test", address="198.51.100.7")
    _make_address_busy(app, client)

    assert _attempt(client, "senco@oak.test", PASSWORD).status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ACCOUNT", "2 per 15 minutes")
    for _ in range(3):
        assert (
            app.test_client().post("/sign-in", data={"email": "senco@oak.test", "password": PASSWORD}).status_code
            == 302
        )

    assert _attempt(client, "senco@oak.test").status_code == 200
    assert _attempt(client, "senco@oak.test").status_code == 200
    assert _attempt(client, "senco@oak.test").status_code == 429


# --- CSRF ---------------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def _new_pupil_form(upn: str) -> dict:
    return {
        "upn": upn,
        "first_name": "Ivy",
        "last_name": "Jones",
        "date_of_birth": date_parts(date(2020, 5, 1)),
        "year_group": "2",
    }


def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(client, world, login, session, csrf_on):
    login(world.users["senco"])
    before = count(session, Pupil)

    response = client.post("/pupils/new", data=_new_pupil_form(make_upn()))

    assert response.status_code == 400
    assert count(session, Pupil) == before


def test_a_post_with_the_csrf_token_is_accepted(client, world, login, session, csrf_on):
    """The control for the test above: the same post with the page's token goes through."""
    login(world.users["senco"])
    before = count(session, Pupil)
    token = client.page("/pupils/new").csrf_token()

    response = client.post("/pupils/new", data={**_new_pupil_form(make_upn()), "csrf_token": token})

    assert response.status_code == 302
    assert count(session, Pupil) == before + 1


def test_sign_out_without_the_csrf_token_is_refused(client, world, login, csrf_on):
    login(world.users["senco"])

    assert client.post("/sign-out").status_code == 400
    client.page("/")


def test_sign_in_without_the_csrf_token_is_refused(client, world, session, csrf_on):
    response = client.post("/sign-in", data={"email": "senco@oak.test", "password": PASSWORD})

    assert response.status_code == 400
    assert count(session, UserSession) == 0


# --- Cookies and headers ------------------------------------------------------------------------


def test_the_session_cookie_is_http_only_and_same_site_lax(client, world, auth):
    response = auth.sign_in("senco@oak.test")

    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE + "="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_session_cookie_holds_no_user_id(client, world, auth):
    """The cookie names a server-side session; the user's database id is not in it."""
    auth.sign_in("senco@oak.test")

    with client.session_transaction() as cookie_session:
        assert cookie_session["_user_id"] != str(world.users["senco"].id)


@pytest.mark.parametrize("path", ["/sign-in", "/accessibility"])
def test_security_headers_on_every_page(client, path):
    response = client.get(path)

    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("path", ["/", "/pupils/"])
def test_signed_in_pages_are_never_cached(client, world, login, path):
    login(world.users["senco"])

    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


# --- Nothing about pupils in the cookie --------------------------------------------------------


def _cookie_text(client) -> str:
    """What anyone holding the cookie can read: it is signed, not encrypted."""
    value = client.get_cookie(COOKIE).value
    payload = value.lstrip(".").split(".")[0]
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if value.startswith("."):
        data = zlib.decompress(data)
    return data.decode()


@pytest.mark.parametrize(
    ("search", "clear", "pupil"),
    [("/pupils/", "/pupils/clear-search", "taught"), ("/pupils/left", "/pupils/left/clear-search", "untaught")],
    ids=["pupil-list", "leavers"],
)
def test_the_search_text_is_kept_on_the_server_not_in_the_cookie(
    app, client, world, login, session, search, clear, pupil
):
    login(world.users["senco"])
    name = world.pupils[pupil].last_name

    assert client.post(search, data={"q": name}).status_code == 302

    cookie = _cookie_text(client)
    assert name.lower() not in cookie.lower()
    assert set(json.loads(cookie)) <= {"_user_id", "_fresh", "_id", "csrf_token", "_flashes"}
    # Still remembered on the next pages, in the search box.
    for _ in range(2):
        assert client.page(search).value("q") == name
    assert name.lower() not in _cookie_text(client).lower()
    stored = session.scalars(sa.select(SessionValue.value)).all()
    assert stored == [name]

    client.post(clear)

    assert f'value="{name}"' not in client.page(search).html
    assert session.scalars(sa.select(SessionValue)).all() == []


def test_the_search_text_belongs_to_one_signed_in_session_and_ends_with_it(app, client, world, login, session):
    senco = world.users["senco"]
    login(senco)
    other_device = login(senco, app.test_client())
    client.post("/pupils/", data={"q": "Brook"})

    assert 'value="Brook"' not in other_device.page("/pupils/").html
    assert count(session, SessionValue) == 1

    client.post("/sign-out")

    assert count(session, SessionValue) == 0


def test_a_search_text_left_on_a_timed_out_session_is_deleted(app, client, world, login, session):
    senco = world.users["senco"]
    login(senco)
    client.post("/pupils/", data={"q": "Brook"})
    _idle_for(session, senco, app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1))

    assert _is_signed_out(client.get("/pupils/"))
    assert count(session, SessionValue) == 0


def test_a_cookie_from_before_the_search_moved_to_the_server_loses_it(app, client, world, login):
    login(world.users["senco"])
    serializer = app.session_interface.get_signing_serializer(app)
    with client.session_transaction() as cookie_session:
        token = cookie_session["_user_id"]
    client.set_cookie(COOKIE, serializer.dumps({"_user_id": token, "_fresh": True, "pupil_search": "Brook"}))

    page = client.page("/pupils/")

    assert 'value="Brook"' not in page.html
    assert "brook" not in _cookie_text(client).lower()


def test_what_an_abandoned_session_remembered_is_deleted_at_the_next_sign_in(app, client, world, login, session, auth):
    senco = world.users["senco"]
    login(senco)
    client.post("/pupils/", data={"q": "Brook"})
    _idle_for(session, senco, timedelta(days=2))  # never used again, never signed out

    assert app.test_client().post("/sign-in", data={"email": senco.email, "password": PASSWORD}).status_code == 302

    assert count(session, SessionValue) == 0


def test_the_cookie_refuses_any_key_but_the_sign_in_token_csrf_and_messages(app):
    from flask import session as cookie_session

    from sentrack.auth.cookie import CookieHoldsNoDetails

    with app.test_request_context("/"):
        cookie_session["pupil_search"] = "Brook"
        with pytest.raises(CookieHoldsNoDetails, match="pupil_search"):
            app.session_interface.save_session(app, cookie_session, app.response_class())
