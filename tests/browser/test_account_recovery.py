"""Asking for a link to reset a forgotten password, and seeing and ending one's own sessions, in
Chromium (the emailed link itself is followed in tests/test_password_reset.py, through SMTP)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD


def test_a_forgotten_password_is_asked_for_from_the_sign_in_page(visitor, cast):
    visitor.goto("/sign-in")
    visitor.click_link("Forgotten your password?", exact=True)
    visitor.heading("Reset your password")
    visitor.fill("Email address", "not an address")
    visitor.click_button("Send the link", exact=True)
    expect(visitor.page.get_by_role("alert")).to_contain_text("Enter an email address in the correct format")
    visitor.fill("Email address", "nobody-here@example.test")
    visitor.click_button("Send the link", exact=True)
    visitor.heading("Check your email")
    expect(visitor.page.get_by_role("main")).to_contain_text("If an account uses nobody-here@example.test")


def test_a_person_sees_their_sessions_and_ends_the_others(new_visitor, cast):
    office, laptop = new_visitor(), new_visitor()
    for device in (office, laptop):
        device.sign_in(cast.governor, PASSWORD)
        expect(device.page.get_by_role("heading", level=1)).to_contain_text("Good to see you")

    office.click_link("Your sessions", exact=True)
    office.heading("Your sessions")
    rows = office.page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(3)  # the heading row, this device and the laptop
    expect(rows.nth(1)).to_contain_text("This device")
    office.click_button("End all other sessions", exact=True)
    office.success("Every other session has ended.")
    expect(office.page.get_by_role("table").get_by_role("row")).to_have_count(2)

    laptop.goto("/")
    laptop.heading("Sign in to SEN Track")
