"""Security keys and passkeys (WebAuthn) on the server: the options it sends, the keys it adds,
and the answers it refuses. The answers are made by a software authenticator
(tests/soft_authenticator.py) with real key pairs and signatures, so py_webauthn's checks and
ours run as they do for a real key; the ceremony in Chromium is tests/browser/test_webauthn.py.

The test client's requests go to http://localhost/, the relying party of development and tests.
"""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa
from webauthn import base64url_to_bytes
from webauthn.helpers import bytes_to_base64url

from sentrack.auth import factors
from sentrack.auth import webauthn as keys
from sentrack.auth.webauthn_views import THROTTLED
from sentrack.clock import now
from sentrack.models import RecoveryCode, SessionValue, WebAuthnCredential
from tests.factories import PASSWORD
from tests.helpers import audit_events, count
from tests.pages import Page
from tests.soft_authenticator import SoftKey

OPTIONS = "/account/security/keys/options"
ADD = "/account/security/keys/add"
SIGN_IN_OPTIONS = "/sign-in/second-factor/key/options"
SIGN_IN = "/sign-in/second-factor/key"


def _options(client, name: str = "Blue key") -> dict:
    response = client.post(OPTIONS, data={"name": name}, headers={"Accept": "application/json"})
    assert response.status_code == 200 and "errors" not in response.get_json(), response.get_data(as_text=True)[:300]
    return response.get_json()


def _enrol(client, key: SoftKey, name: str = "Blue key", **answer):
    """Ask for the options, and post the key's answer to them: the response to the add form."""
    return client.post(ADD, data={"name": name, "credential": key.register(_options(client, name), **answer)})


def _keys(session, user=None) -> list[WebAuthnCredential]:
    query = sa.select(WebAuthnCredential).order_by(WebAuthnCredential.id)
    if user is not None:
        query = query.where(WebAuthnCredential.user_id == user.id)
    return list(session.scalars(query))


@pytest.fixture
def teacher(world):
    return world.users["teacher"]


@pytest.fixture
def enrolled(client, login, teacher, session):
    """The teacher, signed in on `client`, with one security key ("Blue key")."""
    login(teacher)
    key = SoftKey()
    assert _enrol(client, key).status_code == 302
    return key


def _half_signed_in(app, user):
    """A new client that has given `user`'s password on the sign-in form: it awaits the second factor."""
    other = app.test_client()
    response = other.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in/second-factor"), response.headers["Location"]
    return other


def _sign_in_options(client) -> dict:
    response = client.post(SIGN_IN_OPTIONS, data={}, headers={"Accept": "application/json"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_json()


def _refusals(session, reason: str | None = None) -> list:
    events = audit_events(session, "webauthn_key_refused")
    return [event for event in events if reason is None or event.details == {"reason": reason}]


# --- Options ------------------------------------------------------------------------------------


def test_registration_options_name_the_party_and_ask_for_user_verification(client, login, teacher, session):
    login(teacher)

    options = _options(client)

    assert options["rp"] == {"id": "localhost", "name": "SEN Track"}
    assert options["user"]["name"] == teacher.email
    assert options["user"]["displayName"] == teacher.full_name
    handle = base64url_to_bytes(options["user"]["id"])
    # The user handle is an opaque digest: neither the account's id nor its email address.
    assert len(handle) == 32 and handle != str(teacher.id).encode() and teacher.email.encode() not in handle
    assert len(base64url_to_bytes(options["challenge"])) == 32
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert options["attestation"] == "none"
    assert {"type": "public-key", "alg": -7} in options["pubKeyCredParams"]
    assert options["excludeCredentials"] == []
    # The challenge is kept with the session on the server, not in the cookie.
    kept = session.scalars(sa.select(SessionValue.value).where(SessionValue.name == keys.CHALLENGE_NAME)).all()
    assert [json.loads(value)["challenge"] for value in kept] == [options["challenge"]]
    assert options["challenge"] not in (client.get_cookie("sentrack_session").value or "")


def test_a_second_key_is_asked_for_with_the_first_excluded_and_the_same_user_handle(client, enrolled, session):
    first = _options(client, "Green key")

    assert [entry["id"] for entry in first["excludeCredentials"]] == [bytes_to_base64url(enrolled.credential_id)]
    assert _options(client, "Green key")["user"]["id"] == first["user"]["id"]
    assert _options(client, "Green key")["challenge"] != first["challenge"]


def test_the_name_is_checked_before_any_key_is_made(client, enrolled, session):
    empty = client.post(OPTIONS, data={"name": "  "}, headers={"Accept": "application/json"})
    taken = client.post(OPTIONS, data={"name": "blue KEY"}, headers={"Accept": "application/json"})

    assert empty.get_json() == {"errors": {"name": ["Enter a name for your security key or passkey"]}}
    assert taken.get_json() == {"errors": {"name": [keys.NAME_TAKEN]}}
    assert count(session, SessionValue, SessionValue.name == keys.CHALLENGE_NAME) == 0


# --- Adding a key -------------------------------------------------------------------------------


def test_a_key_is_added_under_its_name_with_recovery_codes_and_audited(client, login, teacher, session):
    login(teacher)
    key = SoftKey()

    response = _enrol(client, key, "Blue key")

    # The first second factor comes with recovery codes, shown once.
    assert response.headers["Location"] == "/account/security/recovery-codes"
    [added] = _keys(session, teacher)
    assert (added.name, added.credential_id, added.sign_count) == ("Blue key", key.credential_id, 0)
    assert added.transports == ["usb", "nfc"]
    assert count(session, RecoveryCode, RecoveryCode.user_id == teacher.id) == 10
    [event] = audit_events(session, "second_factor_enrolled")
    assert (event.user_id, event.object_type, event.details) == (
        teacher.id,
        "webauthn_credential",
        {"method": "webauthn"},
    )
    assert count(session, SessionValue, SessionValue.name == keys.CHALLENGE_NAME) == 0  # used up
    page = client.page("/account/security")
    assert page.summary()["Blue key"].startswith("Added 27 November 2026, not used yet")
    assert factors.enrolled_methods(session, teacher) == ["recovery", "webauthn"]


def test_a_second_key_keeps_the_recovery_codes(client, enrolled, teacher, session):
    codes = set(session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == teacher.id)))

    response = _enrol(client, SoftKey(), "Green key")

    assert response.headers["Location"] == "/account/security"
    assert [key.name for key in _keys(session, teacher)] == ["Blue key", "Green key"]
    assert set(session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == teacher.id))) == codes


@pytest.mark.parametrize(
    "answer",
    [{"origin": "http://evil.example"}, {"origin": "https://localhost"}, {"rp_id": "evil.example"}],
    ids=["another site", "another scheme", "another relying party"],
)
def test_an_answer_for_another_origin_or_relying_party_adds_nothing(client, login, teacher, session, answer):
    login(teacher)

    page = Page(_enrol(client, SoftKey(), **answer))

    assert page.error_summary() == [keys.KEY_NOT_ADDED]
    assert _keys(session) == []
    assert count(session, RecoveryCode) == 0
    [event] = audit_events(session, "webauthn_key_not_added")
    assert event.details == {"reason": "not_verified"}
    assert count(session, SessionValue, SessionValue.name == keys.CHALLENGE_NAME) == 0  # used up all the same


def test_an_answer_is_taken_once(client, login, teacher, session):
    login(teacher)
    key = SoftKey()
    answer = key.register(_options(client))
    assert client.post(ADD, data={"name": "Blue key", "credential": answer}).status_code == 302

    # The same answer again, under another name, as a new form: its challenge has been used.
    page = Page(client.post(ADD, data={"name": "Other key", "credential": answer}))

    assert page.error_summary() == [keys.CHALLENGE_GONE]
    assert [key.name for key in _keys(session)] == ["Blue key"]


def test_an_answer_without_options_asked_or_after_they_expired_adds_nothing(client, login, teacher, session):
    login(teacher)
    made_up = SoftKey().register({"challenge": bytes_to_base64url(b"x" * 32)})
    assert Page(client.post(ADD, data={"name": "Blue key", "credential": made_up})).error_summary() == [
        keys.CHALLENGE_GONE
    ]
    options = _options(client)
    kept = session.scalar(sa.select(SessionValue).where(SessionValue.name == keys.CHALLENGE_NAME))
    kept.value = json.dumps({**json.loads(kept.value), "expires": time.time() - 1})
    session.commit()

    page = Page(client.post(ADD, data={"name": "Blue key", "credential": SoftKey().register(options)}))

    assert page.error_summary() == [keys.CHALLENGE_GONE]
    assert _keys(session) == []


def test_an_answer_the_browser_never_gave_or_garbled_adds_nothing(client, login, teacher, session):
    login(teacher)
    _options(client)
    assert Page(client.post(ADD, data={"name": "Blue key", "credential": ""})).error_summary() == [keys.KEY_NOT_ADDED]
    _options(client)
    page = Page(client.post(ADD, data={"name": "Blue key", "credential": '{"id": "<script>", "response": []}'}))

    assert page.error_summary() == [keys.KEY_NOT_ADDED]
    assert _keys(session) == []


def test_a_key_added_to_one_account_is_refused_for_another(client, app, login, world, enrolled, session):
    other = app.test_client()
    login(world.users["senco"], other)

    page = Page(_enrol(other, enrolled, "Same key"))

    assert page.error_summary() == [keys.KEY_TAKEN]
    assert [key.user_id for key in _keys(session)] == [world.users["teacher"].id]


def test_a_name_in_use_is_refused_beside_the_field(client, enrolled, session):
    answer = SoftKey().register(_options(client, "Green key"))

    page = Page(client.post(ADD, data={"name": "Blue key", "credential": answer}))

    assert page.field_error("name") == keys.NAME_TAKEN
    assert len(_keys(session)) == 1


def test_keys_are_offered_only_at_the_relying_partys_host(app, client, login, teacher, monkeypatch):
    """Served at a host that is not the relying party's (here localhost, against a party named
    sentrack.example), browsers would refuse every ceremony: the pages say so instead."""
    monkeypatch.setitem(app.config, "WEBAUTHN_RP_ID", "sentrack.example")
    login(teacher)

    page = client.page(ADD)

    assert "work only when SEN Track is opened at its own address" in page.text()
    assert not page.has("form[data-webauthn-register]")
    assert "work only when SEN Track is opened at its own address" in client.page("/account/security").text()
    assert client.post(OPTIONS, data={"name": "Blue key"}).status_code == 404


def test_the_add_form_saves_one_key_when_sent_twice(client, login, teacher, session):
    """A double click (or Back then Add) sends the same form twice: one key, the same answer."""
    client.sends_submission_tokens = False
    login(teacher)
    token = client.page(ADD).submission_token()
    posted = {"name": "Blue key", "credential": SoftKey().register(_options(client)), "submission_token": token}

    first = client.post(ADD, data=posted)
    second = client.post(ADD, data=posted)

    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert len(_keys(session)) == 1
    assert audit_events(session, "webauthn_key_not_added") == []


# --- Signing in with a key -----------------------------------------------------------------------


def test_signing_in_with_a_key_after_the_password(app, enrolled, teacher, session):
    other = _half_signed_in(app, teacher)
    page = other.page("/sign-in/second-factor")
    assert "Use your security key or passkey" in page.buttons()
    assert other.get("/").headers["Location"].startswith("/sign-in/second-factor")

    options = _sign_in_options(other)
    assert [entry["id"] for entry in options["allowCredentials"]] == [bytes_to_base64url(enrolled.credential_id)]
    assert options["rpId"] == "localhost" and options["userVerification"] == "preferred"
    response = other.post(SIGN_IN, data={"credential": enrolled.sign_in(options)})

    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert other.get("/").status_code == 200
    [key] = _keys(session)
    session.refresh(key)
    assert key.sign_count == 1 and key.last_used_at is not None
    [passed] = audit_events(session, "second_factor_passed")
    assert (passed.user_id, passed.details) == (teacher.id, {"method": "webauthn"})


def _refused_sign_in(other, answer: str, message: str = keys.KEY_NOT_RECOGNISED) -> None:
    response = other.post(SIGN_IN, data={"credential": answer})
    assert response.headers["Location"].startswith("/sign-in/second-factor")
    assert message in other.page(response.headers["Location"]).flashes()
    assert other.get("/").headers["Location"].startswith("/sign-in/second-factor")  # still awaiting it


def test_a_sign_in_answer_from_another_origin_is_refused_and_counted(app, enrolled, teacher, session):
    other = _half_signed_in(app, teacher)

    _refused_sign_in(other, enrolled.sign_in(_sign_in_options(other), origin="http://evil.example"))

    assert len(_refusals(session, "not_verified")) == 1
    [failed] = audit_events(session, "second_factor_failed")
    assert failed.details == {"method": "webauthn"}


def test_a_key_not_the_persons_is_refused(app, client, login, world, enrolled, teacher, session):
    senco_client = app.test_client()
    login(world.users["senco"], senco_client)
    senco_key = SoftKey()
    _enrol(senco_client, senco_key, "Senco key")
    other = _half_signed_in(app, teacher)

    _refused_sign_in(other, SoftKey().sign_in(_sign_in_options(other)))
    _refused_sign_in(other, senco_key.sign_in(_sign_in_options(other)))

    assert len(_refusals(session, "unknown_key")) == 2
    assert len(audit_events(session, "second_factor_failed")) == 2


def test_a_sign_in_answer_is_taken_once(app, enrolled, teacher, session):
    other = _half_signed_in(app, teacher)
    answer = enrolled.sign_in(_sign_in_options(other))
    assert other.post(SIGN_IN, data={"credential": answer}).headers["Location"] == "/"

    # Replayed into another session that awaits its second factor: without its own options asked,
    # and with them asked (the old answer signs another challenge).
    again = _half_signed_in(app, teacher)
    _refused_sign_in(again, answer, keys.CHALLENGE_GONE)
    _sign_in_options(again)
    _refused_sign_in(again, answer)

    assert len(_refusals(session, "no_challenge")) == 1
    assert len(_refusals(session, "not_verified")) == 1


def test_a_copied_key_whose_count_does_not_go_up_is_refused(app, enrolled, teacher, session):
    other = _half_signed_in(app, teacher)
    assert other.post(SIGN_IN, data={"credential": enrolled.sign_in(_sign_in_options(other))}).status_code == 302
    again = _half_signed_in(app, teacher)

    _refused_sign_in(again, enrolled.sign_in(_sign_in_options(again), count=False))

    assert len(_refusals(session, "sign_count")) == 1
    [key] = _keys(session)
    session.refresh(key)
    assert key.sign_count == 1


def test_a_cancelled_ceremony_is_audited_but_not_counted(app, enrolled, teacher, session):
    other = _half_signed_in(app, teacher)
    _sign_in_options(other)

    _refused_sign_in(other, "", keys.NO_ANSWER)

    assert len(_refusals(session, "no_answer")) == 1
    assert audit_events(session, "second_factor_failed") == []


def test_too_many_refused_answers_refuse_even_the_right_key(app, enrolled, teacher, session):
    other = _half_signed_in(app, teacher)
    for _ in range(5):
        _refused_sign_in(other, SoftKey().sign_in(_sign_in_options(other)))

    assert other.post(SIGN_IN_OPTIONS, data={}).status_code == 429
    _refused_sign_in(other, enrolled.sign_in({"challenge": "AAAA"}), THROTTLED)

    assert len(audit_events(session, "second_factor_throttled")) == 1
    assert other.get("/").headers["Location"].startswith("/sign-in/second-factor")


def test_the_sign_in_steps_are_only_for_a_session_awaiting_its_second_factor(client, enrolled):
    assert client.post(SIGN_IN_OPTIONS, data={}).headers["Location"] == "/"
    assert client.post(SIGN_IN, data={"credential": "{}"}).headers["Location"] == "/"


def test_someone_who_must_have_a_second_factor_may_set_up_a_key_to_go_on(app, world, session):
    """The SENCO of an authority that requires a second factor, with none yet: after the password
    they reach only the pages that set one up, the key among them, and adding it lets them on."""
    world.la.second_factor_required = True
    session.commit()
    senco = world.users["senco"]
    other = _half_signed_in(app, senco)
    assert other.get("/").headers["Location"].startswith("/account/security/authenticator")
    assert "Add a security key or passkey" in other.page("/account/security").link_texts()

    response = _enrol(other, SoftKey(), "Desk key")

    assert response.headers["Location"] == "/account/security/recovery-codes"
    assert other.get("/").status_code == 200
    [passed] = audit_events(session, "second_factor_passed")
    assert (passed.user_id, passed.details) == (senco.id, {"method": "webauthn"})


# --- Removing keys ------------------------------------------------------------------------------


def test_a_key_is_removed_with_the_password_and_no_longer_signs_in(app, client, enrolled, teacher, session):
    _enrol(client, SoftKey(), "Green key")
    blue, green = _keys(session, teacher)
    other = _half_signed_in(app, teacher)
    url = f"/account/security/keys/{blue.id}/remove"

    wrong = client.post_page(url, data={"password": "not my password"})
    assert wrong.field_error("password") == keys.WRONG_PASSWORD
    removed = client.post(url, data={"password": PASSWORD})

    assert removed.headers["Location"] == "/account/security"
    assert [key.name for key in _keys(session, teacher)] == ["Green key"]
    [event] = audit_events(session, "second_factor_removed")
    assert (event.object_type, event.object_id, event.details) == (
        "webauthn_credential",
        str(blue.id),
        {"method": "webauthn"},
    )
    assert count(session, RecoveryCode, RecoveryCode.user_id == teacher.id) == 10  # another key is left
    options = _sign_in_options(other)
    assert [entry["id"] for entry in options["allowCredentials"]] == [bytes_to_base64url(green.credential_id)]
    _refused_sign_in(other, enrolled.sign_in(options))
    assert len(_refusals(session, "unknown_key")) == 1


def test_removing_the_last_key_takes_the_recovery_codes(client, enrolled, teacher, session):
    [key] = _keys(session, teacher)

    client.post(f"/account/security/keys/{key.id}/remove", data={"password": PASSWORD})

    assert _keys(session) == []
    assert count(session, RecoveryCode, RecoveryCode.user_id == teacher.id) == 0
    assert factors.enrolled_methods(session, teacher) == []


def test_another_persons_key_is_not_found(app, login, world, enrolled, session):
    [key] = _keys(session)
    senco = app.test_client()
    login(world.users["senco"], senco)

    assert senco.get(f"/account/security/keys/{key.id}/remove").status_code == 404
    assert senco.post(f"/account/security/keys/{key.id}/remove", data={"password": "x"}).status_code == 404
    assert len(_keys(session)) == 1


def test_a_reset_of_the_second_factor_removes_every_key(client, enrolled, world, teacher, session):
    _enrol(client, SoftKey(), "Green key")

    factors.reset_second_factor(session, teacher, actor=world.users["head"], moment=now())
    session.commit()

    assert _keys(session) == []
    assert factors.enrolled_methods(session, teacher) == []
