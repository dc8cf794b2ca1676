"""New staff set their own password through an emailed invitation; a password someone else
chose is changed at the first sign-in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sentrack.auth.passwords import verify_password
from sentrack.extensions import db
from sentrack.models import NO_PASSWORD, Invitation, Role, User
from sentrack.models.duties import EmailStatus, Notification
from sentrack.outbox import SMTPMailer, send_due
from sentrack.workflows import invitations as flow
from tests.factories import make_user
from tests.helpers import audit_events, count, email_text, smtp_server, text
from tests.pages import Html, Page

SENDER = "SEN Track <no-reply@sentrack.invalid>"
BASE = "https://sentrack.example.sch.uk"
OWN_PASSWORD = "lantern meadow cobalt"


@pytest.fixture
def smtp():
    with smtp_server() as (port, inbox):
        yield port, inbox


def _send(session, port, now=None):
    mailer = SMTPMailer(host="127.0.0.1", port=port, username=None, password=None, use_tls=False, timeout=5)
    return send_due(session, mailer=mailer, now=now or datetime.now(UTC), sender=SENDER, base_url=BASE)


def _add_member(client, login, world, **changes) -> None:
    login(world.users["head"])
    form = {"full_name": "Nina Patel", "email": "nina.patel@oak.test", "roles": ["teacher"]} | changes
    assert client.post("/staff/new", data=form).status_code == 302


def _emailed_link(session, port, inbox) -> str:
    assert _send(session, port).sent == 1
    [message] = inbox.messages
    assert message.rcpt_tos == ["nina.patel@oak.test"]
    found = re.search(rf"{re.escape(BASE)}(/invitation/[A-Za-z0-9_-]+)", email_text(message))
    assert found, email_text(message)
    return found.group(1)


def test_the_invitation_goes_through_the_outbox_and_names_no_pupil(client, world, session, login, smtp):
    port, inbox = smtp
    _add_member(client, login, world)

    path = _emailed_link(session, port, inbox)

    body = email_text(inbox.messages[0])
    assert "Subject: SEN Track: set your password" in body
    for pupil in world.pupils.values():
        assert pupil.first_name not in body and pupil.last_name not in body and pupil.upn not in body
    token = path.rsplit("/", 1)[1]
    # Only a hash of the token is stored, in no table or column.
    for table in db.metadata.sorted_tables:
        for row in session.execute(sa.select(table)):
            assert not any(isinstance(value, str) and token in value for value in row), table.name
    note = session.scalar(sa.select(Notification).where(Notification.kind == "invitation"))
    assert note.email_status == EmailStatus.SENT and note.link is None
    assert len(audit_events(session, "invitation_sent", user_id=world.users["head"].id)) == 1


def test_the_link_sets_the_members_own_password_once(app, client, world, session, login, smtp):
    port, inbox = smtp
    _add_member(client, login, world)
    path = _emailed_link(session, port, inbox)
    visitor = app.test_client()

    visitor.page(path)
    response = visitor.post(path, data={"new_password": OWN_PASSWORD, "confirm_password": OWN_PASSWORD})

    assert response.status_code == 302, Html(text(response)).error_summary()
    assert response.headers["Location"] == "/sign-in"
    member = session.scalar(sa.select(User).where(User.email == "nina.patel@oak.test"))
    session.refresh(member)
    assert verify_password(member.password_hash, OWN_PASSWORD)
    assert len(audit_events(session, "invitation_accepted", user_id=member.id)) == 1
    signed_in = visitor.post("/sign-in", data={"email": "nina.patel@oak.test", "password": OWN_PASSWORD})
    assert signed_in.status_code == 302
    visitor.page("/")
    # Used once, the link is dead: nobody else (who saw the email later) can set the password.
    again = app.test_client()
    again.page(path, status=404)
    second = again.post(
        path, data={"new_password": "another long passphrase", "confirm_password": "another long passphrase"}
    )
    assert second.status_code == 404
    session.refresh(member)
    assert verify_password(member.password_hash, OWN_PASSWORD)


@pytest.mark.parametrize(
    ("new", "confirm", "field_id"),
    [
        ("short", "short", "new_password"),
        ("nina.patel@oak.test", "nina.patel@oak.test", "new_password"),
        (OWN_PASSWORD, "lantern meadow cobalt!", "confirm_password"),
        ("", "", "new_password"),
    ],
    ids=["weak", "the-email", "mismatched", "empty"],
)
def test_a_weak_or_mismatched_password_is_refused(app, client, world, session, login, smtp, new, confirm, field_id):
    port, inbox = smtp
    _add_member(client, login, world)
    path = _emailed_link(session, port, inbox)
    visitor = app.test_client()

    response = visitor.post(path, data={"new_password": new, "confirm_password": confirm})

    assert Page(response).field_error(field_id)
    member = session.scalar(sa.select(User).where(User.email == "nina.patel@oak.test"))
    session.refresh(member)
    assert member.password_hash == NO_PASSWORD
    assert session.scalar(sa.select(Invitation.used_at)) is None
    visitor.page(path)  # still usable


def test_the_link_expires_after_seven_days(app, world, session):
    member = make_user(session, "nina.patel@oak.test", Role.TEACHER, school=world.school)
    member.password_hash = NO_PASSWORD
    eight_days_ago = datetime.now(UTC) - timedelta(days=8)
    invitation = flow.invite(
        session, actor=world.users["head"], member=member, secret_key=app.config["SECRET_KEY"], moment=eight_days_ago
    )
    fresh = make_user(session, "sam.new@oak.test", Role.TEACHER, school=world.school)
    fresh.password_hash = NO_PASSWORD
    six_days_ago = datetime.now(UTC) - timedelta(days=6)
    open_one = flow.invite(
        session, actor=world.users["head"], member=fresh, secret_key=app.config["SECRET_KEY"], moment=six_days_ago
    )
    session.commit()
    visitor = app.test_client()

    expired = visitor.post(
        f"/invitation/{flow.token_for(invitation, app.config['SECRET_KEY'])}",
        data={"new_password": OWN_PASSWORD, "confirm_password": OWN_PASSWORD},
    )

    assert Page(expired, status=404).text("h1") == "This link does not work"
    session.refresh(member)
    assert member.password_hash == NO_PASSWORD
    visitor.page(f"/invitation/{flow.token_for(open_one, app.config['SECRET_KEY'])}")


@pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 500, "%00", "..", "<script>"])
def test_a_made_up_token_finds_nothing(app, world, session, token):
    assert app.test_client().get(f"/invitation/{token}").status_code == 404
    assert len(audit_events(session, "invitation_link_refused")) == 1
    # The refusal is in the trail, but what was typed into the address (a link's secret) never is.
    refused = audit_events(session, "access_refused")
    assert [(e.object_type, e.object_id) for e in refused] == [(None, None)]


def test_changing_the_address_ends_the_link_sent_to_the_old_one(app, client, world, session, login, smtp):
    port, inbox = smtp
    _add_member(client, login, world)
    path = _emailed_link(session, port, inbox)
    member = session.scalar(sa.select(User).where(User.email == "nina.patel@oak.test"))

    response = client.post(
        f"/staff/{member.id}",
        data={
            "full_name": "Nina Patel",
            "email": "nina.p@oak.test",
            "roles": ["teacher"],
            "active": "y",
            "version": str(member.version),
        },
    )

    assert response.status_code == 302
    assert app.test_client().get(path).status_code == 404


def test_a_new_invitation_ends_the_earlier_one(app, client, world, session, login, smtp):
    port, inbox = smtp
    _add_member(client, login, world)
    first = _emailed_link(session, port, inbox)
    member = session.scalar(sa.select(User).where(User.email == "nina.patel@oak.test"))

    assert client.post(f"/staff/{member.id}/invitation").status_code == 302

    assert _send(session, port).sent == 1
    second = re.search(r"(/invitation/[A-Za-z0-9_-]+)", email_text(inbox.messages[1])).group(1)
    visitor = app.test_client()
    visitor.page(first, status=404)
    visitor.page(second)


def test_an_invitation_used_before_its_email_went_is_not_sent(app, world, session, smtp):
    port, inbox = smtp
    member = make_user(session, "nina.patel@oak.test", Role.TEACHER, school=world.school)
    member.password_hash = NO_PASSWORD
    flow.invite(
        session, actor=world.users["head"], member=member, secret_key=app.config["SECRET_KEY"], moment=datetime.now(UTC)
    )
    flow.invite(
        session, actor=world.users["head"], member=member, secret_key=app.config["SECRET_KEY"], moment=datetime.now(UTC)
    )
    session.commit()

    summary = _send(session, port)

    assert (summary.sent, summary.failed) == (1, 1)
    assert len(inbox.messages) == 1


def test_no_invitation_for_an_account_with_a_password(client, world, session, login):
    login(world.users["head"])

    response = client.post(f"/staff/{world.users['teacher'].id}/invitation")

    assert response.status_code == 302
    assert count(session, Invitation) == 0


def test_the_staff_form_takes_no_password_chosen_for_someone_else(client, world, session, login):
    login(world.users["head"])

    page = client.page("/staff/new")
    client.post(
        "/staff/new",
        data={
            "full_name": "Nina Patel",
            "email": "nina.patel@oak.test",
            "roles": ["teacher"],
            "temporary_password": "chosen by the head",
        },
    )

    assert not page.has('input[type="password"]')
    member = session.scalar(sa.select(User).where(User.email == "nina.patel@oak.test"))
    assert member.password_hash == NO_PASSWORD
    assert not verify_password(member.password_hash, "chosen by the head")


# --- A password chosen by someone else -----------------------------------------------------------


def test_a_password_set_with_create_user_is_changed_at_first_sign_in(app, client, world, session):
    result = app.test_cli_runner().invoke(
        args=[
            "create-user",
            "--email",
            "first.head@oak.test",
            "--name",
            "First Head",
            "--role",
            "head",
            "--school",
            world.school.urn,
            "--password",
            "chosen by the installer",
        ]
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(sa.select(User).where(User.email == "first.head@oak.test"))
    assert user.must_change_password is True

    assert (
        client.post(
            "/sign-in", data={"email": "first.head@oak.test", "password": "chosen by the installer"}
        ).status_code
        == 302
    )
    for path in ("/", "/staff/", f"/pupils/{world.pupils['taught'].public_id}", "/settings"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"] == "/change-password"
    client.page("/change-password")

    changed = client.post(
        "/change-password",
        data={
            "current_password": "chosen by the installer",
            "new_password": OWN_PASSWORD,
            "confirm_password": OWN_PASSWORD,
        },
    )

    assert changed.status_code == 302
    session.refresh(user)
    assert user.must_change_password is False
    client.page("/staff/")
