"""The printouts in Chromium, as paper shows them (print media emulated): the letter to parents, the
parents' copy of the plan and the dashboard, each without the account bar, the navigation, the
footer or the buttons; the staff-only notes of who is left out stay on screen. The SENCO changes
the letter's wording with a preview first. axe-core checks every page shown."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD

CHROME = (".app-account-bar", ".govuk-service-navigation", ".govuk-footer")


def _printed(visitor, path: str):
    """Open `path`, check it on screen, then show it as it prints."""
    page = visitor.page
    page.emulate_media(media="screen")
    visitor.goto(path)
    for selector in CHROME:
        expect(page.locator(selector).first).to_be_visible()
    page.emulate_media(media="print")
    for selector in CHROME:
        expect(page.locator(selector).first).to_be_hidden()
    visitor.check()  # axe-core on the page as printed too
    return page


def test_the_letter_and_the_parents_copy_of_the_plan_print_without_the_app_around_them(visitor, cast):
    visitor.sign_in(cast.senco, PASSWORD)

    page = _printed(visitor, cast.paths["letter"])
    letters = page.locator("article.app-letter")
    expect(letters).to_have_count(1)  # the father under a court order has none
    expect(letters.first).to_contain_text("Dear Parent of Dev,")
    expect(letters.first).to_contain_text("Children and Families Act 2014")
    expect(page.locator("#letter-left-out")).to_be_hidden()  # staff only: not on paper
    expect(page.get_by_role("button", name="Mark as sent today")).to_be_hidden()
    assert page.evaluate("getComputedStyle(document.querySelector('main p')).color") == "rgb(0, 0, 0)"
    page.emulate_media(media="screen")
    expect(page.locator("#letter-left-out")).to_contain_text("Rob Ellis (father): a court order")

    page = _printed(visitor, cast.paths["plan copy"])
    expect(page.locator("#copy-for")).to_have_text("Copy for: Parent of Dev (mother)")
    expect(page.locator("#copy-left-out")).to_be_hidden()
    expect(page.get_by_role("heading", name="What you told us")).to_be_visible()
    expect(page.locator(".app-ruled__line")).to_have_count(8)
    # The reply slip starts a sheet of its own; a section never splits across two.
    assert page.evaluate("getComputedStyle(document.querySelector('.app-reply')).breakBefore") == "page"
    assert page.evaluate("getComputedStyle(document.querySelector('.app-print-section')).breakInside") == "avoid"

    page = _printed(visitor, "/dashboard/print")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compliance figures")
    assert page.evaluate("getComputedStyle(document.querySelector('.app-card')).breakInside") == "avoid"


def test_the_senco_previews_and_saves_the_wording_of_the_letter(visitor, cast):
    page = visitor.page
    visitor.sign_in(cast.senco, PASSWORD)
    visitor.goto("/settings")
    visitor.click_link("Change the wording of the letters to parents")
    visitor.heading("Letters to parents")
    visitor.click_link("SEN support starts (section 68 notice)")

    visitor.fill("Letter", "Dear {parent_names},\n\n{pupil_first_name} now has SEN support from {whenever}.")
    visitor.click_button("Preview", exact=True)
    expect(page.locator("#body-error")).to_contain_text("{whenever} is not a placeholder")

    visitor.fill("Letter", "Dear {parent_names},\n\n{pupil_first_name} now has SEN support from {support_start}.")
    visitor.click_button("Preview", exact=True)
    expect(page.locator(".app-letter-preview")).to_contain_text("Sam now has SEN support from")

    visitor.click_button("Save template", exact=True)
    visitor.heading("Letters to parents")
    visitor.success("the letter's wording is saved")

    visitor.goto(cast.paths["letter"])
    expect(page.locator("article.app-letter")).to_contain_text("Dev now has SEN support from")
