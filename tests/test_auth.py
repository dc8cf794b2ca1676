"""Signing in and out, server-side sessions, password changes, the throttle, CSRF and headers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sentrack.auth.passwords import verify_password
from sentrack.models import Pupil, UserSession
from tests.factories import PASSWORD, make_upn
from tests.helpers import audit_events, count, csrf_token, date_parts, field_error, text

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
    home = client.get("/")
    assert home.status_code == 200
    assert "Senco" in text(home)


def test_sign_in_ignores_the_case_of_the_email_address(client, world, auth):
    assert auth.sign_in("  SENCO@Oak.Test ").status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [("senco@oak.test", "wrong horse battery"), ("nobody@oak.test", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_failed_sign_in_shows_one_message_beside_both_fields(client, world, auth, email, password):
    response = auth.sign_in(email, password)

    assert response.status_code == 200
    assert field_error(text(response), "email") == SIGN_IN_FAILED
    assert field_error(text(response), "password") == SIGN_IN_FAILED
    assert _is_signed_out(client.get("/"))


def test_an_inactive_account_cannot_sign_in(client, world, auth, session):
    world.users["teacher"].active = False
    session.commit()

    response = auth.sign_in("teacher@oak.test")

    assert response.status_code == 200
    assert field_error(text(response), "email") == SIGN_IN_FAILED
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
        cookie_session["planted"] = "by an attacker"

    auth.sign_in("senco@oak.test")

    with client.session_transaction() as cookie_session:
        assert "planted" not in cookie_session


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
    ids=["absolute", "scheme-relative", "slash-backslash", "backslashes", "tab", "javascript", "relative", "header-injection"],
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

    assert thief.get("/").status_code == 200


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

    assert "You have signed out." in text(client.get(page.headers["Location"]))


def test_sign_out_needs_a_post(client, world, login):
    login(world.users["senco"])

    assert client.get("/sign-out").status_code == 404
    assert client.get("/").status_code == 200


# --- Changing the password ----------------------------------------------------------------------

NEW_PASSWORD = "a different long passphrase"


def _change_password(client, current=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post(
        "/change-password",
        data={"current_password": current, "new_password": new, "confirm_password": confirm if confirm is not None else new},
    )


def test_changing_the_password_ends_other_sessions_but_not_this_one(app, client, world, login, session):
    user = world.users["teacher"]
    login(user)
    elsewhere = login(user, app.test_client())
    thief = app.test_client()
    _copy_cookie(client, thief)

    response = _change_password(client)

    assert response.status_code == 302
    assert client.get("/").status_code == 200
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
        ({"new": "short", "confirm": "short"}, "new_password", "Password must be 10 characters or more"),
        ({"new": PASSWORD, "confirm": PASSWORD}, "new_password", "The new password must be different from the current one"),
        ({"new": "Teacher@Oak.Test", "confirm": "Teacher@Oak.Test"}, "new_password", "Password must not be your email address"),
    ],
    ids=["wrong-current", "mismatch", "short", "unchanged", "email"],
)
def test_change_password_refuses(client, world, login, session, fields, field_id, message):
    user = world.users["teacher"]
    login(user)
    before = user.password_hash

    response = _change_password(client, **fields)

    assert response.status_code == 200
    assert field_error(text(response), field_id) == message
    session.refresh(user)
    assert user.password_hash == before
    assert client.get("/").status_code == 200


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
    page = text(client.get(response.headers["Location"]))
    minutes = int(app.config["SESSION_IDLE_TIMEOUT"].total_seconds() // 60)
    assert f"You were signed out after {minutes} minutes without activity" in page
    row = session.scalar(sa.select(UserSession).where(UserSession.user_id == user.id))
    assert row.ended_reason == "timed_out"


def test_a_session_used_within_the_idle_timeout_stays_open(app, client, world, login, session):
    user = world.users["senco"]
    login(user)
    _idle_for(session, user, app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1))

    assert client.get("/pupils/").status_code == 200


def test_a_timed_out_session_stays_ended_when_used_again(app, client, world, login, session):
    user = world.users["senco"]
    login(user)
    _idle_for(session, user, app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1))
    client.get("/")

    assert _is_signed_out(client.get("/"))


# --- The sign-in throttle -----------------------------------------------------------------------

THROTTLED = "Too many failed attempts to sign in"


def _attempt(client, email, password="wrong password", address="192.0.2.1"):
    return client.post(
        "/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def test_the_default_per_account_limit_is_five_in_fifteen_minutes(app):
    assert app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] == "5 per 15 minutes"


def test_after_the_per_account_limit_even_the_right_password_is_refused(client, world, session):
    for _ in range(5):
        assert _attempt(client, "senco@oak.test").status_code == 200

    response = _attempt(client, "senco@oak.test", PASSWORD)

    assert response.status_code == 429
    assert THROTTLED in field_error(text(response), "email")
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


def test_after_the_per_address_limit_every_account_is_refused_from_that_address(app, client, world):
    limit = int(app.config["SIGN_IN_LIMIT_PER_ADDRESS"].split()[0])
    for n in range(limit):
        assert _attempt(client, f"guess{n}@oak.test").status_code == 200

    refused = _attempt(client, "head@oak.test", PASSWORD)

    assert refused.status_code == 429
    assert THROTTLED in text(refused)
    assert _attempt(client, "head@oak.test", PASSWORD, address="198.51.100.7").status_code == 302


def test_successful_sign_ins_do_not_count_towards_the_limit(app, client, world, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ACCOUNT", "2 per 15 minutes")
    for _ in range(3):
        assert app.test_client().post(
            "/sign-in", data={"email": "senco@oak.test", "password": PASSWORD}
        ).status_code == 302

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
        "date_of_birth": date_parts(date(2019, 5, 1)),
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
    token = csrf_token(text(client.get("/pupils/new")))

    response = client.post("/pupils/new", data={**_new_pupil_form(make_upn()), "csrf_token": token})

    assert response.status_code == 302
    assert count(session, Pupil) == before + 1


def test_sign_out_without_the_csrf_token_is_refused(client, world, login, csrf_on):
    login(world.users["senco"])

    assert client.post("/sign-out").status_code == 400
    assert client.get("/").status_code == 200


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
