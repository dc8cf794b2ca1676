"""Second factors of sign-in: the authenticator app (TOTP), recovery codes, the half-signed-in
session, the throttle, the requirement, and the audit of each."""

from __future__ import annotations

import re
import time

import pyotp
import sqlalchemy as sa

from sentrack.auth import codes
from sentrack.models import RecoveryCode, TotpFactor, UserSession
from tests.helpers import audit_events, count
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
