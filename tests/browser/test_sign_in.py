"""Signing in and out, a wrong password, and the throttle, in Chromium."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD


def test_sign_in_reach_home_and_sign_out(visitor, cast):
    page = visitor.page
    visitor.goto("/pupils/")
    # Signed out, a page asks for sign-in first and returns there after it.
    visitor.heading("Sign in to SEN Track")
    visitor.fill("Email address", cast.senco)
    visitor.fill("Password", PASSWORD, exact=True)
    visitor.click_button("Sign in", exact=True)
    visitor.heading("Pupils")
    visitor.click_link("SEN Track", exact=True)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
    signed_in_cookies = page.context.cookies()
    visitor.sign_out()
    visitor.success("You have signed out.")
    visitor.goto("/pupils/")
    visitor.heading("Sign in to SEN Track")
    # The session has ended on the server: putting back the cookie from before does not sign in.
    page.context.add_cookies(signed_in_cookies)
    visitor.goto("/pupils/")
    visitor.heading("Sign in to SEN Track")


def test_wrong_password_is_refused_with_a_message_by_each_field(visitor, cast):
    page = visitor.page
    visitor.goto("/sign-in")
    visitor.fill("Email address", cast.teacher)
    visitor.fill("Password", "not the password", exact=True)
    visitor.click_button("Sign in", exact=True)
    expect(page).to_have_title("Error: Sign in to SEN Track – SEN Track")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a correct email address and password")
    # The error summary links to the field, and the field keeps the email typed.
    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Email address")).to_be_focused()
    expect(page.get_by_label("Email address")).to_have_value(cast.teacher)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    # The right password still works after one mistake.
    visitor.fill("Password", PASSWORD, exact=True)
    visitor.click_button("Sign in", exact=True)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")


def test_throttle_refuses_the_account_after_five_failures_even_with_the_right_password(visitor, cast):
    page = visitor.page
    visitor.goto("/sign-in")
    for attempt in range(5):
        visitor.fill("Email address", cast.throttled)
        visitor.fill("Password", f"guess {attempt}", exact=True)
        visitor.click_button("Sign in", exact=True)
        expect(page.get_by_role("alert")).to_contain_text("Enter a correct email address and password")
    visitor.fill("Email address", cast.throttled)
    visitor.fill("Password", PASSWORD, exact=True)
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        visitor.click_button("Sign in", exact=True)
    assert posted.value.status == 429
    expect(page.get_by_role("alert")).to_contain_text("Too many failed attempts to sign in")
    visitor.heading("Sign in to SEN Track")
    # Not signed in: the home page still asks for sign-in.
    visitor.goto("/")
    visitor.heading("Sign in to SEN Track")
