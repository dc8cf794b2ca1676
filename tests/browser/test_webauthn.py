"""Security keys and passkeys in Chromium, with a virtual authenticator (the DevTools protocol's
WebAuthn domain): a passkey is added on the security page, signs the person in after their
password, and once removed signs them in no more; the audit trail records each step.

WebAuthn needs a host name, never an address: this journey's server is reached at
http://localhost:PORT, the relying party of development and tests. It has a database of its own,
so that the keys added here touch no other journey's accounts.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.orm import Session

from sentrack.auth import webauthn as keys
from sentrack.models import AuditEvent, User
from tests.browser.conftest import SERVED_DATABASES, TIMEOUT_MS, _serve, _visitors
from tests.browser.seed import PASSWORD

KEY_NAME = "Laptop passkey"
SIGN_IN_WITH_KEY = "/sign-in/second-factor/key"


@pytest.fixture(scope="module")
def served_at_localhost(tmp_path_factory):
    """(base URL at localhost, cast, database URL) of a server of this journey's own."""
    with _serve(tmp_path_factory.mktemp("browser-webauthn"), "sentrack-webauthn") as (base, cast):
        yield base.replace("http://127.0.0.1:", "http://localhost:"), cast, SERVED_DATABASES[base]


@pytest.fixture
def key_visitor(request, browser, served_at_localhost, axe):
    yield from _visitors(request, browser, served_at_localhost[0], axe)


def _authenticator(page) -> tuple:
    """A virtual platform authenticator in `page`'s browser that makes passkeys and verifies the
    person (as a fingerprint would), answering at once: (the DevTools session, its id)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def _credentials(cdp, authenticator: str) -> list[dict]:
    return cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]


def _audit(database: str, email: str) -> list[tuple[str, dict | None]]:
    """The audit trail of the account with `email`, in order: (action, details)."""
    engine = sa.create_engine(database)
    try:
        with Session(engine) as session:
            return [
                (row.action, row.details)
                for row in session.execute(
                    sa.select(AuditEvent.action, AuditEvent.details)
                    .join(User, User.id == AuditEvent.user_id)
                    .where(User.email == email)
                    .order_by(AuditEvent.id)
                )
            ]
    finally:
        engine.dispose()


def _home(visitor) -> None:
    expect(visitor.page.get_by_role("heading", level=1)).to_contain_text("Good to see you")


def _add_passkey(visitor, cast) -> list[str]:
    """Sign in, add a passkey named KEY_NAME on the security page; the recovery codes shown."""
    visitor.sign_in(cast.teacher, PASSWORD)
    _home(visitor)
    visitor.click_link("Sign-in security")
    visitor.heading("Sign-in security")
    visitor.click_link("Add a security key or passkey")
    visitor.heading("Add a security key or passkey")
    visitor.fill("Name of the key", KEY_NAME)
    # The ceremony runs before the form is sent: the next page is checked once it is there.
    visitor.click_button("Add security key or passkey", check=False)
    visitor.heading("Your recovery codes")
    visitor.check()
    codes = visitor.page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    visitor.click_link("I have saved my codes")
    visitor.heading("Sign-in security")
    expect(visitor.page.locator(".govuk-summary-list").filter(has_text=KEY_NAME)).to_contain_text("not used yet")
    return codes


def _hold_the_answer(visitor) -> str:
    """Use the key on the second-factor page, but hold back the form the page would send with
    the key's answer: the form's body, to be sent later."""
    page = visitor.page
    page.evaluate(
        """() => {
          window.heldAnswer = null
          HTMLFormElement.prototype.submit = function () {
            window.heldAnswer = new URLSearchParams(new FormData(this)).toString()
          }
        }"""
    )
    visitor.click_button("Use your security key or passkey", check=False)
    # Polled from here: the page's policy refuses the eval that wait_for_function would use.
    for _ in range(TIMEOUT_MS // 100):
        held = page.evaluate("() => window.heldAnswer")
        if held:
            return held
        page.wait_for_timeout(100)
    raise AssertionError("the page sent no answer from the key")


def _remove_with_a_recovery_code(visitor, cast, code: str) -> None:
    """In another browser, sign in with a recovery code and remove the passkey."""
    visitor.sign_in(cast.teacher, PASSWORD)
    visitor.heading("Check it is you")
    visitor.click_link("Use a recovery code")
    visitor.fill("Recovery code", code)
    visitor.click_button("Continue")
    _home(visitor)
    visitor.click_link("Sign-in security")
    visitor.click_link(f"Remove {KEY_NAME}")
    visitor.heading(f"Remove your security key or passkey ‘{KEY_NAME}’")
    visitor.fill("Your password", PASSWORD)
    visitor.click_button("Remove security key or passkey")
    visitor.success("has been removed")
    expect(visitor.page.locator("main")).to_contain_text("You have no security key or passkey")


def test_a_passkey_is_added_signs_in_and_once_removed_signs_in_no_more(key_visitor, served_at_localhost):
    base, cast, database = served_at_localhost
    visitor = key_visitor()
    page = visitor.page
    cdp, authenticator = _authenticator(page)

    codes = _add_passkey(visitor, cast)
    assert len(codes) == 10
    [made] = _credentials(cdp, authenticator)
    assert made["rpId"] == "localhost" and made["isResidentCredential"]

    # Signed out, the password is not enough: the passkey finishes signing in.
    visitor.sign_out()
    visitor.sign_in(cast.teacher, PASSWORD)
    visitor.heading("Check it is you")
    visitor.click_button("Use your security key or passkey", check=False)
    _home(visitor)
    visitor.check()
    assert _credentials(cdp, authenticator)[0]["signCount"] > made["signCount"]
    visitor.click_link("Sign-in security")
    expect(page.locator(".govuk-summary-list").filter(has_text=KEY_NAME)).to_contain_text("last used")

    # The passkey signs a third sign-in, held back while the key is removed in another browser.
    visitor.sign_out()
    visitor.sign_in(cast.teacher, PASSWORD)
    visitor.heading("Check it is you")
    answer = _hold_the_answer(visitor)
    _remove_with_a_recovery_code(key_visitor(), cast, codes[0])

    sent = page.request.post(
        base + SIGN_IN_WITH_KEY, data=answer, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert keys.KEY_NOT_RECOGNISED in sent.text()
    visitor.goto("/")
    expect(page.get_by_role("heading", level=1)).not_to_contain_text("Good to see you")

    trail = _audit(database, cast.teacher)
    webauthn = {"method": "webauthn"}
    assert ("second_factor_enrolled", webauthn) in trail
    assert trail.count(("second_factor_passed", webauthn)) == 1
    assert ("second_factor_removed", webauthn) in trail
    assert trail.index(("second_factor_removed", webauthn)) < trail.index(
        ("webauthn_key_refused", {"reason": "unknown_key"})
    )
    assert ("second_factor_failed", webauthn) in trail


def test_without_webauthn_in_the_browser_the_page_says_so(key_visitor, served_at_localhost):
    _, cast, _ = served_at_localhost
    visitor = key_visitor()
    visitor.page.add_init_script("delete window.PublicKeyCredential")
    visitor.sign_in(cast.ta, PASSWORD)  # an assistant: no second factor asked of them here
    _home(visitor)

    visitor.goto("/account/security/keys/add")

    visitor.heading("Add a security key or passkey")
    expect(visitor.page.get_by_text("This browser cannot use security keys or passkeys")).to_be_visible()
    expect(visitor.page.get_by_role("button", name="Add security key or passkey")).to_be_hidden()
