"""Second factors of sign-in: the authenticator app (TOTP), recovery codes, the half-signed-in
session, the throttle, the requirement, and the audit of each."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import sqlalchemy as sa

from sentrack.auth import codes, factors
from sentrack.extensions import db
from sentrack.models import Notification, RecoveryCode, Role, TotpFactor, UserSession
from sentrack.outbox import SMTPMailer, send_due
from sentrack.workflows import password_resets
from tests.helpers import audit_events, count, email_text, smtp_server
from tests.pages import Page

SECOND_FACTOR = "/sign-in/second-factor"


def _secret_from(page: Page) -> str:
    return page.text("#totp-key").replace(" ", "")


def _code(secret: str, steps_ahead: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps_ahead)


def enrol(client, login, user) -> tuple[str, list[str]]:
    """Set up `user`'s authenticator through the pages; returns its secret and recovery codes."""
    login(user)
    page = client.page("/account/security/authenticator")
    secret = _secret_from(page)
    response = client.post("/account/security/authenticator", data={"code": _code(secret)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/security/recovery-codes"
    shown = client.page("/account/security/recovery-codes")
    recovery = shown.texts(".app-recovery-codes code")
    client.post("/sign-out")
    return secret, recovery


def _signed_in_to_second_step(client, auth, email):
    response = auth.sign_in(email)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(SECOND_FACTOR)
    return response


# --- Enrolment ----------------------------------------------------------------------------------


def test_enrolment_shows_a_qr_code_as_inline_svg_and_the_key_in_groups(client, world, login):
    login(world.users["teacher"])

    page = client.page("/account/security/authenticator")

    assert page.has(".app-qr svg")
    assert not page.has(".app-qr img")
    key = page.text("#totp-key")
    assert re.fullmatch(r"([A-Z2-7]{4} ){7}[A-Z2-7]{4}", key)


def test_enrolment_needs_a_current_code_and_saves_nothing_without_one(client, world, login, session):
    teacher = world.users["teacher"]
    login(teacher)
    client.page("/account/security/authenticator")

    page = client.post_page("/account/security/authenticator", data={"code": "000000"})

    assert page.field_error("code") == codes.WRONG_CODE
    assert count(session, TotpFactor, TotpFactor.user_id == teacher.id) == 0
    page = client.post_page("/account/security/authenticator", data={"code": "12ab"})
    assert page.field_error("code") == codes.CODE_FORMAT


def test_enrolment_saves_the_app_and_shows_ten_recovery_codes_once(client, world, login, session):
    teacher = world.users["teacher"]

    secret, recovery = enrol(client, login, teacher)

    assert count(session, TotpFactor, TotpFactor.user_id == teacher.id) == 1
    assert len(recovery) == 10 and len(set(recovery)) == 10
    assert all(re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", code) for code in recovery)
    stored = session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == teacher.id)).all()
    assert len(stored) == 10 and not set(stored) & set(recovery)  # only hashes at rest
    login(teacher)
    assert client.get("/account/security/recovery-codes").status_code == 302  # shown once
    assert len(audit_events(session, "second_factor_enrolled", user_id=teacher.id)) == 1


# --- Signing in with the app --------------------------------------------------------------------


def test_sign_in_with_a_factor_asks_for_the_code_before_any_page(client, world, login, auth, session):
    teacher = world.users["teacher"]
    secret, _ = enrol(client, login, teacher)

    _signed_in_to_second_step(client, auth, "teacher@oak.test")

    assert client.get("/").headers["Location"].startswith(SECOND_FACTOR)
    assert client.get("/pupils/").headers["Location"].startswith(SECOND_FACTOR)
    response = client.post(SECOND_FACTOR, data={"code": _code(secret, 1)})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    row = session.scalars(
        sa.select(UserSession).where(UserSession.user_id == teacher.id).order_by(UserSession.id.desc())
    ).first()
    assert row.second_factor_pending is False and row.second_factor_at is not None
    events = audit_events(session, "second_factor_passed", user_id=teacher.id)
    assert [event.details for event in events] == [{"method": "totp"}]


def test_a_wrong_code_is_refused_beside_the_field_and_audited(client, world, login, auth, session):
    teacher = world.users["teacher"]
    enrol(client, login, teacher)
    _signed_in_to_second_step(client, auth, "teacher@oak.test")

    page = client.post_page(SECOND_FACTOR, data={"code": "123456"})

    assert page.field_error("code") == codes.WRONG_CODE
    assert client.get("/").headers["Location"].startswith(SECOND_FACTOR)
    assert len(audit_events(session, "second_factor_failed", user_id=teacher.id)) == 1


def test_a_code_is_never_accepted_twice(client, world, login, auth, session):
    teacher = world.users["teacher"]
    secret, _ = enrol(client, login, teacher)
    code = _code(secret, 1)
    _signed_in_to_second_step(client, auth, "teacher@oak.test")
    assert client.post(SECOND_FACTOR, data={"code": code}).status_code == 302
    client.post("/sign-out")

    _signed_in_to_second_step(client, auth, "teacher@oak.test")
    page = client.post_page(SECOND_FACTOR, data={"code": code})

    assert page.field_error("code") == codes.REUSED_CODE
    # Nor an older code than the last accepted one.
    page = client.post_page(SECOND_FACTOR, data={"code": _code(secret, 0)})
    assert page.field_error("code") == codes.REUSED_CODE


def test_five_wrong_codes_in_15_minutes_refuse_even_the_right_one(client, world, login, auth, session):
    teacher = world.users["teacher"]
    secret, _ = enrol(client, login, teacher)
    _signed_in_to_second_step(client, auth, "teacher@oak.test")
    for _ in range(5):
        client.post(SECOND_FACTOR, data={"code": "000000"})

    response = client.post(SECOND_FACTOR, data={"code": _code(secret, 1)})

    assert response.status_code == 429
    assert Page(response, status=429).field_error("code") == "Too many incorrect codes. Wait 15 minutes, then try again"
    assert client.get("/").headers["Location"].startswith(SECOND_FACTOR)
    assert len(audit_events(session, "second_factor_throttled", user_id=teacher.id)) == 1


# --- Recovery codes -----------------------------------------------------------------------------


def test_a_recovery_code_signs_in_once_and_is_refused_the_second_time(client, world, login, auth, session):
    teacher = world.users["teacher"]
    _, recovery = enrol(client, login, teacher)
    _signed_in_to_second_step(client, auth, "teacher@oak.test")

    response = client.post(SECOND_FACTOR + "/recovery", data={"code": recovery[0].lower().replace("-", " ")})

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    used = audit_events(session, "recovery_code_used", user_id=teacher.id)
    assert [event.details for event in used] == [{"left": 9}]
    assert audit_events(session, "second_factor_passed", user_id=teacher.id)[-1].details == {"method": "recovery"}
    client.post("/sign-out")
    _signed_in_to_second_step(client, auth, "teacher@oak.test")
    page = client.post_page(SECOND_FACTOR + "/recovery", data={"code": recovery[0]})
    assert page.field_error("code") == codes.USED_RECOVERY
    page = client.post_page(SECOND_FACTOR + "/recovery", data={"code": "ABCD-EFGH-JKLM-NPQR"})
    assert page.field_error("code") == codes.WRONG_RECOVERY
    assert len(audit_events(session, "second_factor_failed", user_id=teacher.id)) == 2


def test_few_recovery_codes_left_warn_and_new_ones_replace_the_old(client, world, login, auth, session):
    teacher = world.users["teacher"]
    _, recovery = enrol(client, login, teacher)
    session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == teacher.id, RecoveryCode.id.in_(sa.select(RecoveryCode.id).limit(7)))
        .values(used_at=sa.func.now())
    )
    session.commit()
    unused = [code for code in recovery if not _used(session, teacher, code)]
    _signed_in_to_second_step(client, auth, "teacher@oak.test")

    page = client.post_page(SECOND_FACTOR + "/recovery", data={"code": unused[0]}, follow_redirects=True)

    assert "You have 2 recovery codes left. Make new ones on your sign-in security page." in page.flashes()
    security = client.page("/account/security")
    assert "You have few recovery codes left. Make new ones." in security.text()
    response = client.post("/account/security/recovery-codes/new")
    assert response.headers["Location"] == "/account/security/recovery-codes"
    fresh = client.page("/account/security/recovery-codes").texts(".app-recovery-codes code")
    assert len(fresh) == 10 and not set(fresh) & set(recovery)
    assert count(session, RecoveryCode, RecoveryCode.user_id == teacher.id) == 10
    client.post("/sign-out")
    _signed_in_to_second_step(client, auth, "teacher@oak.test")
    page = client.post_page(SECOND_FACTOR + "/recovery", data={"code": unused[1]})
    assert page.field_error("code") == codes.WRONG_RECOVERY  # the old codes stopped working


def _used(session, user, code) -> bool:
    digest = codes._hash(code)
    return session.scalar(
        sa.select(RecoveryCode.used_at.is_not(None)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == digest
        )
    )


# --- Removing the app -----------------------------------------------------------------------------


def test_removing_the_app_asks_for_the_password_or_a_code(client, world, login, session):
    teacher = world.users["teacher"]
    secret, _ = enrol(client, login, teacher)
    login(teacher)

    page = client.post_page("/account/security/authenticator/remove", data={"proof": "not my password"})

    assert page.field_error("proof") == codes.WRONG_PASSWORD
    assert count(session, TotpFactor, TotpFactor.user_id == teacher.id) == 1
    response = client.post("/account/security/authenticator/remove", data={"proof": _code(secret, 1)})
    assert response.headers["Location"] == "/account/security"
    assert count(session, TotpFactor, TotpFactor.user_id == teacher.id) == 0
    assert count(session, RecoveryCode, RecoveryCode.user_id == teacher.id) == 0  # no factor left to back up
    assert len(audit_events(session, "second_factor_removed", user_id=teacher.id)) == 1


# --- The requirement ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["senco", "head", "admin", "la"])
def test_the_roles_that_must_are_made_to_set_up_a_factor_when_the_authority_requires_it(
    client, world, auth, session, role
):
    world.la.second_factor_required = True
    session.commit()
    user = world.users[role]

    response = auth.sign_in(user.email)

    assert response.headers["Location"].startswith(SECOND_FACTOR)
    for path in ("/", SECOND_FACTOR, "/change-password"):
        assert client.get(path).headers["Location"] == "/account/security/authenticator", path
    page = client.page("/account/security/authenticator")
    secret = _secret_from(page)
    client.post("/account/security/authenticator", data={"code": _code(secret)})
    assert client.get("/").status_code == 200


def test_a_teacher_need_not_unless_the_school_requires_it_of_everyone(client, world, auth, session):
    world.la.second_factor_required = True
    session.commit()
    assert auth.sign_in("teacher@oak.test").headers["Location"] == "/"
    client.post("/sign-out")

    world.school.second_factor_for_all = True
    session.commit()
    response = auth.sign_in("teacher@oak.test")
    assert response.headers["Location"].startswith(SECOND_FACTOR)
    assert client.get("/").headers["Location"] == "/account/security/authenticator"


def test_the_requirement_is_on_for_a_new_authority_and_off_in_the_tests_world(session, world):
    from sentrack import access
    from sentrack.models import LocalAuthority

    fresh = LocalAuthority(code="996", name="New Borough")
    session.add(fresh)
    session.flush()
    assert fresh.second_factor_required is True
    assert access.second_factor_required(world.users["senco"]) is False
    world.la.second_factor_required = True
    assert access.second_factor_required(world.users["senco"]) is True
    assert access.second_factor_required(world.users["teacher"]) is False


# --- The school's rule -------------------------------------------------------------------------


def test_the_senco_switches_the_rule_on_but_only_the_head_switches_it_off(client, world, login, session):
    login(world.users["senco"])
    response = client.post("/settings/second-factor", data={"for_all": "yes"})
    assert response.status_code == 302
    session.refresh(world.school)
    assert world.school.second_factor_for_all is True

    page = client.post_page("/settings/second-factor", data={"for_all": "no"})
    assert page.field_error("for_all") == "Only the head teacher can switch off the requirement"
    session.refresh(world.school)
    assert world.school.second_factor_for_all is True

    login(world.users["head"])
    assert client.post("/settings/second-factor", data={"for_all": "no"}).status_code == 302
    session.refresh(world.school)
    assert world.school.second_factor_for_all is False
    events = audit_events(session, "second_factor_rule_changed", school_id=world.school.id)
    assert [(e.user_id, e.details) for e in events] == [
        (world.users["senco"].id, {"for_all": True}),
        (world.users["head"].id, {"for_all": False}),
    ]


def test_the_settings_page_warns_when_the_authority_has_switched_the_requirement_off(client, world, login, session):
    login(world.users["senco"])
    page = client.page("/settings")
    assert "Test Borough has switched off the requirement of a second factor" in page.text("#main-content")
    world.la.second_factor_required = True
    session.commit()
    assert "has switched off the requirement" not in client.page("/settings").text("#main-content")


@pytest.mark.parametrize("role", ["teacher", "admin", "governor", "la"])
def test_only_the_senco_and_head_open_the_rule(client, world, login, role):
    login(world.users[role])
    assert client.get("/settings/second-factor").status_code == 403


# --- Resets -------------------------------------------------------------------------------------


def _has_factor(session, user) -> bool:
    return bool(factors.enrolled_methods(session, user))


def _reset_by(client, login, actor, member):
    login(actor)
    return client.post(f"/account/security/resets/{member.id}/reset")


def test_the_head_resets_a_colleagues_factor_which_ends_their_sessions_and_emails_them(client, world, login, session):
    teacher, head = world.users["teacher"], world.users["head"]
    enrol(client, login, teacher)
    other = client.application.test_client()
    login(teacher, other)
    login(head)
    listed = client.page("/account/security/resets")
    assert listed.table("People you can reset") == [
        ["Teacher", "authenticator app, recovery code", "Reset the second factor of Teacher"]
    ]

    assert "Reset second factor" in client.page(f"/account/security/resets/{teacher.id}").buttons()
    response = client.post(f"/account/security/resets/{teacher.id}/reset")

    assert response.headers["Location"] == "/account/security/resets"
    assert not _has_factor(session, teacher)
    assert other.get("/").status_code == 302  # signed out everywhere
    events = audit_events(session, "second_factor_reset", user_id=head.id)
    assert [(e.object_id, e.details["by"]) for e in events] == [(str(teacher.id), "colleague")]
    with smtp_server() as (port, inbox):
        mailer = SMTPMailer(host="127.0.0.1", port=port, username=None, password=None, use_tls=False, timeout=5)
        sent = send_due(
            session,
            mailer=mailer,
            now=datetime.now(UTC),
            sender="SEN Track <x@sentrack.invalid>",
            base_url="https://s.test",
        )
    assert sent.sent == 1
    [message] = inbox.messages
    assert message.rcpt_tos == ["teacher@oak.test"]
    mail = email_text(message)
    assert "Subject: SEN Track: Your second factor for signing in was reset" in mail
    assert "set up a second factor again" in mail and "https://s.test/account/security" in mail


def test_the_senco_resets_only_the_heads_factor(client, world, login, session):
    head, teacher, senco = world.users["head"], world.users["teacher"], world.users["senco"]
    enrol(client, login, head)
    enrol(client, login, teacher)

    assert _reset_by(client, login, senco, teacher).status_code == 404
    assert _has_factor(session, teacher)
    assert _reset_by(client, login, senco, head).status_code == 302
    assert not _has_factor(session, head)


def test_an_officer_resets_another_officer_of_the_same_authority_only(client, world, login, session):
    from tests.factories import make_user

    officer, foreign = world.users["la"], world.users["foreign_la"]
    colleague = make_user(session, "second.officer@borough.test", Role.LA_OFFICER, la=world.la)
    session.commit()
    enrol(client, login, officer)
    enrol(client, login, foreign)

    assert _reset_by(client, login, foreign, officer).status_code == 404
    assert _reset_by(client, login, world.users["head"], officer).status_code == 404
    assert _has_factor(session, officer)
    assert _reset_by(client, login, colleague, officer).status_code == 302
    assert not _has_factor(session, officer)


@pytest.mark.parametrize("role", ["teacher", "admin", "governor"])
def test_other_roles_reset_nobody(client, world, login, session, role):
    enrol(client, login, world.users["senco"])
    login(world.users[role])
    assert client.get("/account/security/resets").status_code == 403
    assert client.post(f"/account/security/resets/{world.users['senco'].id}/reset").status_code == 403
    assert _has_factor(session, world.users["senco"])


def test_nobody_resets_their_own_factor_through_the_page(client, world, login, session):
    head = world.users["head"]
    enrol(client, login, head)
    assert _reset_by(client, login, head, head).status_code == 404


def test_the_operator_resets_anyones_factor_with_a_command(app, client, world, login, session):
    senco = world.users["senco"]
    enrol(client, login, senco)

    result = app.test_cli_runner().invoke(args=["reset-second-factor", "SENCO@oak.test"])

    assert result.exit_code == 0, result.output
    assert not _has_factor(session, senco)
    [event] = audit_events(session, "second_factor_reset")
    assert event.user_id is None and event.details["by"] == "operator" and event.object_id == str(senco.id)
    assert event.actor_name == "Operator (reset-second-factor)"
    assert (
        count(session, Notification, Notification.recipient_id == senco.id, Notification.kind == "second_factor_reset")
        == 1
    )
    unknown = app.test_cli_runner().invoke(args=["reset-second-factor", "nobody@oak.test"])
    assert unknown.exit_code != 0 and "no account has this email address" in unknown.output


# --- After a forgotten password -----------------------------------------------------------------


def test_a_password_reset_by_link_still_asks_for_the_second_factor(app, client, auth, world, login, session):
    teacher = world.users["teacher"]
    secret, _ = enrol(client, login, teacher)
    reset = password_resets.request_reset(
        db.session,
        email=teacher.email,
        secret_key=app.config["SECRET_KEY"],
        moment=datetime.now(UTC),
        lifetime=timedelta(minutes=app.config["PASSWORD_RESET_MINUTES"]),
    )
    db.session.commit()
    link = f"/reset-password/{password_resets.token_for(reset, app.config['SECRET_KEY'])}"
    new_password = "saffron kettle harbour"

    response = client.post(link, data={"new_password": new_password, "confirm_password": new_password})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")

    response = auth.sign_in(teacher.email, new_password)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(SECOND_FACTOR)
    home = client.get("/")
    assert home.status_code == 302
    assert home.headers["Location"].startswith(SECOND_FACTOR)
    # The next step's code: the current one was used up setting the app up.
    response = client.post(SECOND_FACTOR, data={"code": _code(secret, 1)})
    assert response.status_code == 302
    assert not response.headers["Location"].startswith(SECOND_FACTOR)
    assert client.get("/").status_code == 200


def test_the_operator_switches_an_authoritys_requirement_with_a_command(app, world, session):
    runner = app.test_cli_runner()
    assert world.la.second_factor_required is False

    result = runner.invoke(args=["second-factor-requirement", world.la.code, "on"])

    assert result.exit_code == 0, result.output
    assert "a second factor is now required." in result.output
    session.expire_all()
    assert world.la.second_factor_required is True
    assert world.other_la.second_factor_required is False
    [event] = audit_events(session, "second_factor_requirement_changed")
    assert event.details == {"required": True} and event.object_id == str(world.la.id)
    assert event.actor_name == "Operator (second-factor-requirement)"
    again = runner.invoke(args=["second-factor-requirement", world.la.code, "on"])
    assert "(it already was so)" in again.output
    assert len(audit_events(session, "second_factor_requirement_changed")) == 1
    runner.invoke(args=["second-factor-requirement", world.la.code, "off"])
    session.expire_all()
    assert world.la.second_factor_required is False
    unknown = runner.invoke(args=["second-factor-requirement", "000", "on"])
    assert unknown.exit_code != 0 and "no local authority has this code" in unknown.output
