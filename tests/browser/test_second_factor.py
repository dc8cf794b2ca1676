"""Setting up an authenticator app and signing in with its codes and with a recovery code, in
Chromium (axe checks each page)."""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import expect

from tests.browser.seed import PASSWORD


def test_set_up_an_authenticator_app_then_sign_in_with_a_code_and_with_a_recovery_code(visitor, cast):
    page = visitor.page
    visitor.sign_in(cast.second_factor, PASSWORD)
    visitor.click_link("Sign-in security")
    visitor.heading("Sign-in security")
    visitor.click_link("Set up an authenticator app")
    visitor.heading("Set up an authenticator app")
    expect(page.locator(".app-qr svg")).to_be_visible()
    secret = page.locator("#totp-key").inner_text().replace(" ", "")
    # A wrong code first: refused beside the field.
    visitor.fill("Code from your authenticator app", "000000")
    visitor.click_button("Set up authenticator app")
    expect(page.get_by_role("alert")).to_contain_text("Enter the 6-digit code your authenticator app shows now")
    totp = pyotp.TOTP(secret)
    visitor.fill("Code from your authenticator app", totp.now())
    visitor.click_button("Set up authenticator app")
    visitor.heading("Your recovery codes")
    codes = page.locator(".app-recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    visitor.click_link("I have saved my codes")
    visitor.heading("Sign-in security")
    visitor.sign_out()

    # The password alone no longer signs in: the code comes next, before any page.
    visitor.sign_in(cast.second_factor, PASSWORD)
    visitor.heading("Check it is you")
    visitor.goto("/pupils/")
    visitor.heading("Check it is you")
    visitor.fill("Code from your authenticator app", totp.at(time.time() + 30))
    visitor.click_button("Continue")
    visitor.heading("Pupils")  # the page asked for before the code
    visitor.sign_out()

    # Or a recovery code, once.
    visitor.sign_in(cast.second_factor, PASSWORD)
    visitor.click_link("Use a recovery code")
    visitor.heading("Use a recovery code")
    visitor.fill("Recovery code", codes[0])
    visitor.click_button("Continue")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
