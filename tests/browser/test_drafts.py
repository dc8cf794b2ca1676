"""Nothing typed is lost, in Chromium, on a server whose sessions time out after 20 seconds idle:
the warning comes before the end and "Stay signed in" keeps the session; a SENCO typing a review
who lets the session end is signed out, signs in again and is offered what they typed, and
restores it. Every page shown, the warning open, is checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import _serve, _visitors
from tests.browser.seed import PASSWORD
from tests.browser.test_senco_cycle import open_pupil

IDLE_SECONDS = 20  # the warning opens 10 seconds before the end
TYPED = "Ola says talking in the small group is easier now; she wants to keep going with it."


@pytest.fixture(scope="module")
def short_sessions(tmp_path_factory):
    """(base URL, cast): a server of its own whose sessions end after IDLE_SECONDS idle."""
    folder = tmp_path_factory.mktemp("browser-drafts")
    with _serve(folder, "sentrack-browser-drafts", idle_seconds=IDLE_SECONDS) as found:
        yield found


@pytest.fixture
def senco(request, browser, short_sessions, axe):
    yield from _visitors(request, browser, short_sessions[0], axe)


def test_the_warning_keeps_the_session_and_a_review_typed_past_the_timeout_is_offered_back(senco, short_sessions):
    cast = short_sessions[1]
    visitor = senco()
    page = visitor.page
    visitor.sign_in(cast.senco, PASSWORD)
    open_pupil(visitor, cast.ehc_pupil)
    visitor.click_link("Support cycle 1")
    visitor.click_link("Complete the review")
    visitor.heading("Review")

    # Typing is kept as a draft a moment after it stops.
    page.get_by_label("The pupil's views").fill(TYPED)
    expect(page.locator("[data-draft-status]")).to_contain_text("Draft saved at")

    # The warning opens before the idle end, with the focus in it; staying keeps the session.
    dialog = page.get_by_role("dialog", name="You are about to be signed out")
    expect(dialog).to_be_visible(timeout=IDLE_SECONDS * 1000)
    expect(page.locator("#timeout-warning-title")).to_be_focused()
    expect(dialog).to_contain_text("unless you choose to stay signed in")
    visitor.check()
    dialog.get_by_role("button", name="Stay signed in").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_label("The pupil's views")).to_have_value(TYPED)

    # Left alone, the warning comes again and the session ends: the page goes to sign in.
    expect(dialog).to_be_visible(timeout=IDLE_SECONDS * 1000)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to SEN Track", timeout=IDLE_SECONDS * 1000)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("What you typed has been kept")
    visitor.check()

    # Signed in again, the review offers what was typed back.
    visitor.fill("Email address", cast.senco)
    visitor.fill("Password", PASSWORD, exact=True)
    visitor.click_button("Sign in", exact=True)
    visitor.heading("Review")
    expect(page.get_by_text("You have a draft of this form")).to_be_visible()
    expect(page.get_by_label("The pupil's views")).to_have_value("")
    page.get_by_role("link", name="Restore what you typed at").click()
    visitor.check()
    expect(page.get_by_label("The pupil's views")).to_have_value(TYPED)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is filled in below")
