"""Account recovery: a person who has forgotten their password asks for an emailed link, which
works once, ends within the hour, says nothing about whether the address has an account, and
ends every session of the account when it is used."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sentrack.auth.passwords import verify_password
from sentrack.extensions import db
from sentrack.models import NO_PASSWORD, Notification, PasswordReset, User, UserSession
from sentrack.outbox import SMTPMailer, send_due
from sentrack.workflows import password_resets as flow
from tests.factories import PASSWORD
from tests.helpers import audit_events, count, email_text, smtp_server, text
from tests.pages import Html, Page

SENDER = "SEN Track <no-reply@sentrack.invalid>"
BASE = "https://sentrack.example.sch.uk"
NEW_PASSWORD = "saffron kettle harbour"
LINK = re.compile(rf"{re.escape(BASE)}(/reset-password/[A-Za-z0-9_-]+)")


@pytest.fixture
def smtp():
    with smtp_server() as (port, inbox):
        yield port, inbox


def _send(session, port):
    mailer = SMTPMailer(host="127.0.0.1", port=port, username=None, password=None, use_tls=False, timeout=5)
    return send_due(session, mailer=mailer, now=datetime.now(UTC), sender=SENDER, base_url=BASE)


def _ask(client, email: str, **kwargs):
    return client.post("/forgotten-password", data={"email": email}, **kwargs)


def _emailed_link(session, port, inbox) -> str:
    assert _send(session, port).sent == 1
    found = LINK.search(email_text(inbox.messages[-1]))
    assert found, email_text(inbox.messages[-1])
    return found.group(1)


def _answer(response) -> str:
    """The page's words, the address typed taken out."""
    return Page(response).text("main").replace("nobody@oak.test", "ADDRESS").replace("teacher@oak.test", "ADDRESS")


def _reset_at(app, user, moment) -> str:
    reset = flow.request_reset(
        db.session, email=user.email, secret_key=app.config["SECRET_KEY"], moment=moment, lifetime=timedelta(hours=1)
    )
    db.session.commit()
    return f"/reset-password/{flow.token_for(reset, app.config['SECRET_KEY'])}"


def test_the_sign_in_page_links_to_the_forgotten_password_page(client):
    page = client.page("/sign-in")

    assert page.link_texts()["Forgotten your password?"] == "/forgotten-password"
    assert client.page("/forgotten-password").text("h1") == "Reset your password"


def test_the_whole_journey_sets_the_password_and_ends_every_session(app, world, session, login, smtp):
    port, inbox = smtp
    teacher = world.users["teacher"]
    office, laptop = login(teacher, app.test_client()), login(teacher, app.test_client())
    visitor = app.test_client()

    answer = _ask(visitor, "Teacher@Oak.test ")
    assert "If an account uses" in Page(answer).text("main")
    path = _emailed_link(session, port, inbox)
    [message] = inbox.messages
    assert message.rcpt_tos == ["teacher@oak.test"]
    body = email_text(message)
    assert "Subject: SEN Track: reset your password" in body and "ends after 60 minutes" in body
    for pupil in world.pupils.values():
        assert pupil.first_name not in body and pupil.last_name not in body and pupil.upn not in body
    token = path.rsplit("/", 1)[1]
    for table in db.metadata.sorted_tables:  # only a hash of the token is stored, anywhere
        for row in session.execute(sa.select(table)):
            assert not any(isinstance(value, str) and token in value for value in row), table.name

    assert visitor.page(path).text("h1") == "Choose a new password"
    done = visitor.post(path, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})

    assert done.status_code == 302 and done.headers["Location"] == "/sign-in"
    assert done.headers["Referrer-Policy"] == "no-referrer"
    session.expire_all()
    assert verify_password(session.get(User, teacher.id).password_hash, NEW_PASSWORD)
    # Every session of the account ended: both devices are signed out, and nobody was signed in.
    for device in (office, laptop, visitor):
        assert device.get("/").headers["Location"].startswith("/sign-in")
    reasons = session.scalars(sa.select(UserSession.ended_reason).where(UserSession.user_id == teacher.id)).all()
    assert reasons == ["password_reset", "password_reset"]
    [reset_event] = audit_events(session, "password_reset", user_id=teacher.id)
    assert reset_event.details == {"sessions_ended": 2}
    [asked] = audit_events(session, "password_reset_requested", object_id=str(teacher.id))
    assert asked.details["sent"] is True and asked.user_id is None
    # The person is told by email that their password changed.
    assert _send(session, port).sent == 1
    changed = email_text(inbox.messages[1])
    assert "Subject: SEN Track: your password was changed" in changed
    assert inbox.messages[1].rcpt_tos == ["teacher@oak.test"]
    # Signing in again is the usual sign-in, with the new password.
    assert visitor.post("/sign-in", data={"email": teacher.email, "password": PASSWORD}).status_code == 200
    assert visitor.post("/sign-in", data={"email": teacher.email, "password": NEW_PASSWORD}).status_code == 302


def test_a_used_link_does_not_work_again(app, world, session, smtp):
    port, inbox = smtp
    visitor = app.test_client()
    _ask(visitor, "teacher@oak.test")
    path = _emailed_link(session, port, inbox)
    visitor.post(path, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})

    again = app.test_client()
    page = again.page(path, status=404)
    second = again.post(
        path, data={"new_password": "another long passphrase", "confirm_password": "another long passphrase"}
    )

    assert page.text("h1") == "This link does not work"
    assert "/forgotten-password" in page.links()
    assert second.status_code == 404
    session.expire_all()
    assert verify_password(session.get(User, world.users["teacher"].id).password_hash, NEW_PASSWORD)
    assert len(audit_events(session, "password_reset_link_refused")) == 2
    assert len(audit_events(session, "password_reset")) == 1


def test_the_link_ends_after_an_hour(app, world, session):
    now = datetime.now(UTC)
    ended = _reset_at(app, world.users["teacher"], now - timedelta(minutes=61))
    still_open = _reset_at(app, world.users["senco"], now - timedelta(minutes=59))
    visitor = app.test_client()

    response = visitor.post(ended, data={"new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})

    assert Page(response, status=404).text("h1") == "This link does not work"
    session.expire_all()
    assert verify_password(session.get(User, world.users["teacher"].id).password_hash, PASSWORD)
    assert len(audit_events(session, "password_reset_link_refused")) == 1
    visitor.page(still_open)


def test_asking_again_ends_the_earlier_link(app, world, session, smtp):
    port, inbox = smtp
    visitor = app.test_client()
    _ask(visitor, "teacher@oak.test")
    first = _emailed_link(session, port, inbox)

    _ask(visitor, "teacher@oak.test")
    second = _emailed_link(session, port, inbox)

    visitor.page(first, status=404)
    visitor.page(second)


def test_a_link_replaced_before_its_email_went_is_not_sent(app, world, session, smtp):
    port, inbox = smtp
    visitor = app.test_client()
    _ask(visitor, "teacher@oak.test")
    _ask(visitor, "teacher@oak.test")

    summary = _send(session, port)

    assert (summary.sent, summary.failed) == (1, 1)
    assert len(inbox.messages) == 1


def test_an_unknown_address_gets_the_same_answer_and_no_email(app, world, session, smtp):
    port, inbox = smtp

    unknown = _ask(app.test_client(), "nobody@oak.test")
    known = _ask(app.test_client(), "teacher@oak.test")

    assert unknown.status_code == known.status_code == 200
    assert _answer(unknown) == _answer(known)
    assert count(session, PasswordReset) == 1
    assert count(session, Notification) == 1
    assert _send(session, port).sent == 1
    assert [m.rcpt_tos for m in inbox.messages] == [["teacher@oak.test"]]
    [refused] = [e for e in audit_events(session, "password_reset_requested") if not e.details["sent"]]
    assert refused.details == {"sent": False, "reason": "unknown_account"} and refused.object_id is None


@pytest.mark.parametrize("state", ["inactive", "invited"])
def test_an_inactive_or_invited_account_gets_nothing(app, world, session, state):
    teacher = world.users["teacher"]
    if state == "inactive":
        teacher.active = False
    else:
        teacher.password_hash = NO_PASSWORD
    session.commit()

    response = _ask(app.test_client(), "teacher@oak.test")

    assert "If an account uses" in Page(response).text("main")
    assert count(session, PasswordReset) == 0 and count(session, Notification) == 0
    reason = {"inactive": "inactive", "invited": "no_password"}[state]
    assert audit_events(session, "password_reset_requested")[0].details == {"sent": False, "reason": reason}


@pytest.mark.parametrize("email", ["teacher@oak.test", "nobody@oak.test"])
def test_an_address_asked_about_too_often_is_refused_for_a_while(app, world, session, email):
    visitor = app.test_client()
    for _ in range(3):
        assert _ask(visitor, email).status_code == 200

    refused = _ask(app.test_client(), email.upper(), environ_base={"REMOTE_ADDR": "198.51.100.9"})

    page = Page(refused, status=429)
    assert page.field_error("email") == "Too many requests for a link. Wait 15 minutes, then try again"
    assert len(audit_events(session, "password_reset_throttled")) == 1
    assert count(session, PasswordReset) == (3 if email.startswith("teacher") else 0)
    # Another address is still answered.
    assert _ask(visitor, "senco@oak.test").status_code == 200


def test_a_network_address_asking_too_often_is_refused_for_a_while(app, world, session):
    busy = app.test_client()
    for number in range(20):
        assert _ask(busy, f"someone{number}@oak.test").status_code == 200

    refused = _ask(busy, "teacher@oak.test")
    elsewhere = _ask(app.test_client(), "teacher@oak.test", environ_base={"REMOTE_ADDR": "198.51.100.9"})

    assert refused.status_code == 429
    assert elsewhere.status_code == 200
    assert count(session, PasswordReset) == 1


@pytest.mark.parametrize(
    ("new", "confirm", "field_id"),
    [
        ("short", "short", "new_password"),
        ("teacher@oak.test", "teacher@oak.test", "new_password"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "confirm_password"),
        ("", "", "new_password"),
    ],
    ids=["weak", "the-email", "mismatched", "empty"],
)
def test_a_refused_password_changes_nothing_and_the_link_still_works(
    app, world, session, login, new, confirm, field_id
):
    teacher = world.users["teacher"]
    office = login(teacher, app.test_client())
    path = _reset_at(app, teacher, datetime.now(UTC))
    visitor = app.test_client()

    response = visitor.post(path, data={"new_password": new, "confirm_password": confirm})

    assert Page(response).field_error(field_id)
    session.expire_all()
    assert verify_password(session.get(User, teacher.id).password_hash, PASSWORD)
    assert session.scalar(sa.select(PasswordReset.used_at)) is None
    assert office.get("/").status_code == 200  # no session ended
    assert audit_events(session, "password_reset") == []
    visitor.page(path)


def test_changing_the_password_ends_an_open_reset_link(app, world, session, login):
    teacher = world.users["teacher"]
    path = _reset_at(app, teacher, datetime.now(UTC))
    client = login(teacher, app.test_client())

    changed = client.post(
        "/change-password",
        data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD},
    )

    assert changed.status_code == 302
    app.test_client().page(path, status=404)


def test_a_made_up_token_finds_nothing_and_is_not_written_down(app, world, session):
    response = app.test_client().get("/reset-password/" + "A" * 43)

    assert response.status_code == 404
    assert "Ask for a new link" in Html(text(response)).text("main")
    assert len(audit_events(session, "password_reset_link_refused")) == 1
    refused = audit_events(session, "access_refused")
    assert [(e.object_type, e.object_id) for e in refused] == [(None, None)]


def test_changing_the_address_ends_the_link_sent_to_the_old_one(app, client, world, session, login):
    teacher = world.users["teacher"]
    path = _reset_at(app, teacher, datetime.now(UTC))
    login(world.users["head"])

    response = client.post(
        f"/staff/{teacher.id}",
        data={
            "full_name": teacher.full_name,
            "email": "teacher.new@oak.test",
            "roles": ["teacher"],
            "active": "y",
            "version": str(teacher.version),
        },
    )

    assert response.status_code == 302
    app.test_client().page(path, status=404)
