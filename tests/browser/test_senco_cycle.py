"""The SENCO's graduated approach in Chromium: a concern, the decision to assess, the assessment,
the plan with its outcome, the plan running (an observation), and the review that closes the
cycle and opens the next."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD


def open_pupil(visitor, name: str) -> None:
    """Find a pupil from the pupil list's search, as a person would, and open their record."""
    visitor.click_link("Pupils", exact=True)
    visitor.fill("Name or UPN", name)
    visitor.click_button("Search and filter")
    first, last = name.split(" ", 1)
    visitor.click_link(f"{last}, {first}")  # the list is by surname
    visitor.heading(name)


def test_senco_takes_a_concern_through_assess_plan_do_review(visitor, cast):
    page = visitor.page
    pupil = cast.cycle_pupil
    visitor.sign_in(cast.senco, PASSWORD)
    open_pupil(visitor, pupil)

    # Raise a concern.
    visitor.click_link("Raise a concern")
    visitor.heading("Raise a concern")
    visitor.fill_date("Date the concern was noticed", 28, 9, 2026)
    visitor.choose("Area of need", "Cognition and learning")
    visitor.fill("What have you noticed?", "Struggles to decode unfamiliar words in guided reading")
    visitor.click_button("Raise concern")
    visitor.heading(pupil)
    expect(page.get_by_text("Struggles to decode unfamiliar words")).to_be_visible()

    # Decide: assess the pupil, which opens a support cycle.
    visitor.click_link("Decide on this concern")
    visitor.heading("Decide on the concern")
    visitor.choose("What is the decision?", "Assess the pupil: open a support cycle")
    visitor.click_button("Save decision")

    # Assess: the decision leads straight to the assessment of the new cycle.
    visitor.heading("Assessment")
    visitor.success("Support cycle 1 opened from the concern")
    page.get_by_role("group", name="Areas of need").get_by_label("Cognition and learning").check()
    visitor.fill("Strengths", "Loves stories read aloud; strong spoken vocabulary")
    visitor.fill("Difficulties", "Decoding words of more than one syllable")
    visitor.fill("Evidence and data used", "Phonics check 18 of 40; reading age 6y 2m")
    visitor.fill("The pupil's views", "Long words jump about")
    visitor.fill("The parents' views", "Reads at home most evenings")
    visitor.fill_date("Date of the assessment", 5, 10, 2026)
    visitor.click_button("Save assessment")
    visitor.heading("Support cycle 1")
    expect(page.locator("[aria-current=step]")).to_have_text("Assess")
    expect(page.locator("#assessment ~ dl").first).to_contain_text("Decoding words of more than one syllable")
    visitor.click_button("Move on to planning")
    expect(page.locator("[aria-current=step]")).to_have_text("Plan")

    # Plan, with an outcome.
    visitor.click_link("Write the plan")
    visitor.fill_date("Date the plan starts", 12, 10, 2026)
    visitor.fill("Strategies for everyone who teaches the pupil", "Pre-teach key words; one instruction at a time")
    visitor.fill("Provision", "Reading catch-up twice a week, 30 minutes")
    visitor.fill(
        "Expected impact on progress, development or behaviour", "Reads two-syllable words fluently by the review"
    )
    visitor.fill("Who does what", "Class teacher plans; assistant runs the group; SENCO checks each half term")
    visitor.fill_date("Review date", 23, 11, 2026)
    visitor.fill_date("Date the plan was agreed with parents", 12, 10, 2026)
    visitor.choose(
        "How was the plan agreed with parents?", "At a meeting with parents (recorded as their meeting of that day)"
    )
    visitor.click_button("Save plan")
    visitor.heading("Support cycle 1")
    visitor.click_link("Add an outcome")
    visitor.fill("Outcome", "Reads two-syllable words in a book at the right level", exact=True)
    visitor.fill("Success criteria", "Nine words in ten read correctly")
    visitor.choose("Area of need", "Cognition and learning")
    visitor.fill_date("Target date", 20, 11, 2026)
    visitor.click_button("Save outcome")
    visitor.heading("Support cycle 1")
    expect(page.get_by_role("heading", name="1. Reads two-syllable words")).to_be_visible()

    # Do: start the plan, placing the pupil on SEN support, and record what happens.
    visitor.click_link("Start the plan")
    page.get_by_label("Primary type of need").select_option(label="Specific learning difficulty (SPLD)")
    visitor.click_button("Start the plan")
    visitor.heading("Support cycle 1")
    expect(page.locator("[aria-current=step]")).to_have_text("Do")
    visitor.click_link("Add observation for outcome 1")
    visitor.fill_date("Date", 16, 11, 2026)
    visitor.fill("What was done and what you saw", "Read 8 of 10 two-syllable words in the group book")
    visitor.click_button("Save observation")
    visitor.heading("Support cycle 1")
    expect(page.get_by_text("Read 8 of 10 two-syllable words")).to_be_visible()

    # Review, with the parents, and continue into the next cycle.
    visitor.click_button("Start the review")
    visitor.success("The cycle is now at 'Review'")
    visitor.heading("Review")
    visitor.fill_date("Date of the review meeting", 27, 11, 2026)
    visitor.fill("Who attended", "SENCO, class teacher, mother")
    page.get_by_label("A parent or carer attended the meeting").check()
    visitor.choose("1. Reads two-syllable words in a book at the right level", "Partly achieved")
    visitor.fill("Impact of the provision", "Reading age up five months")
    visitor.fill("The pupil's views", "Reading group helps", exact=True)
    visitor.fill("The parents' views", "Pleased with the progress", exact=True)
    visitor.fill("Next steps", "Keep the group going; add spelling")
    visitor.choose("What happens next", "Continue SEN support with a new cycle")
    visitor.click_button("Record the review and close the cycle")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Support cycle")
    visitor.goto(page.url.split("/cycles/")[0] + "/cycles/1")
    expect(page.get_by_text("This cycle is locked.")).to_be_visible()
    expect(page.get_by_role("link", name="Cycle 2")).to_be_visible()
    # The next cycle carries the outcome that was only partly achieved.
    visitor.click_link("Cycle 2")
    expect(page.get_by_role("heading", name="1. Reads two-syllable words")).to_be_visible()
    expect(page.get_by_text("carried forward from the last cycle")).to_be_visible()

    # The timeline shows each step.
    visitor.click_link("Pupil record")
    visitor.click_link("Full timeline")
    timeline = page.locator("main")
    for event in (
        "Concern raised",
        "Support cycle 1 opened",
        "Parents met: plan agreed",
        "Parents met at the review",
        "Review",
    ):
        expect(timeline).to_contain_text(event)
