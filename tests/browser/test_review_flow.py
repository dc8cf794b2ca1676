"""A review that flows, in Chromium: from the SENCO's home page to a full review on one page with
the evidence shown beside each outcome, recorded to continue; the next cycle's assessment and
plan starting from the last; an outcome picked from the school's bank and tweaked; and removing
an outcome asking first. Every page is checked with axe.

The journey counts what the SENCO does, from the home page to the saved review: each click, each
answer chosen and each box typed in is one interaction."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD

# From the home page to a saved review: 2 clicks to the review page, 12 boxes typed in or answers
# chosen on it (a date is three boxes), and 1 click to record it.
INTERACTIONS_TO_A_SAVED_REVIEW = 15


class Counted:
    """The visitor's steps, counted."""

    def __init__(self, visitor):
        self.visitor, self.count = visitor, 0

    def __getattr__(self, name):
        step = getattr(self.visitor, name)

        def counted(*args, **kwargs):
            self.count += 1
            return step(*args, **kwargs)

        return counted


def test_a_full_review_on_one_page_then_the_next_cycle_from_where_it_left_off(visitor, cast):
    page = visitor.page
    visitor.sign_in(cast.senco, PASSWORD)
    steps = Counted(visitor)

    # Home page -> the pupil's cycle (reviews due are listed there) -> the review.
    steps.click_link(cast.review_pupil)
    visitor.heading("Support cycle 1")
    steps.click_link("Complete the review")
    visitor.heading("Review")

    # Beside outcome 1: the observation against it and the phonics group's impact.
    first = page.get_by_role("group", name="1. Outcome 1: reads a book banded at the right level")
    expect(first).to_contain_text("Sounded out 7 of 10 two-syllable words")
    expect(first).to_contain_text("Phonics boost")
    expect(first).to_contain_text("More progress than expected: Blends with confidence")
    second = page.get_by_role("group", name="2. Outcome 2: reads a book banded at the right level")
    expect(second).to_contain_text("None recorded against this outcome")

    steps.fill_date("Date of the review meeting", 27, 11, 2026)
    steps.count += 2  # its day, month and year
    steps.fill("Who attended", "SENCO, class teacher, father")
    page.get_by_label("A parent or carer attended the meeting").check()
    steps.count += 1
    steps.choose("1. Outcome 1: reads a book banded at the right level", "Partly achieved")
    steps.choose("2. Outcome 2: reads a book banded at the right level", "Achieved")
    steps.fill("Impact of the provision", "Phonics boost lifted blending; reading age up four months")
    steps.fill("The pupil's views", "Long words are easier now", exact=True)
    steps.fill("The parents' views", "Reading more at home", exact=True)
    steps.fill("Next steps", "Keep the boost going; add spelling of two-syllable words")
    steps.choose("What happens next", "Continue SEN support with a new cycle")
    steps.click_button("Record the review and close the cycle")
    visitor.success("its assessment and plan start from this cycle's")
    visitor.heading("Support cycle 2")
    assert steps.count == INTERACTIONS_TO_A_SAVED_REVIEW

    # The next cycle's assessment starts from the last one, with the views the review heard.
    expect(page.get_by_text("It starts from the assessment of support cycle 1")).to_be_visible()
    visitor.click_link("Record the assessment")
    visitor.heading("Assessment")
    expect(page.get_by_label("Strengths")).to_have_value("Loves stories read aloud")
    expect(page.get_by_label("The pupil's views")).to_have_value("Long words are easier now")
    visitor.fill("Difficulties", "Spelling words of two syllables")
    visitor.click_button("Save assessment")
    visitor.heading("Support cycle 2")
    visitor.click_button("Move on to planning")

    # The plan starts from the last plan's provision, with what the review decided beside it.
    visitor.click_link("Write the plan")
    visitor.heading("Write the plan")
    expect(page.get_by_label("Provision")).to_have_value("Daily phonics catch-up, 15 minutes")
    expect(page.get_by_text("Keep the boost going; add spelling")).to_be_visible()
    visitor.click_button("Save plan")
    visitor.heading("Support cycle 2")

    # An outcome from the school's bank, picked and tweaked.
    visitor.click_link("Add an outcome")
    visitor.heading("Add an outcome")
    bank = page.get_by_role("group", name="Wordings in the school's bank")
    bank.get_by_label("The pupil will spell the common exception words taught this term", exact=False).check()
    visitor.click_button("Use this wording")
    visitor.heading("Add an outcome")
    outcome = page.get_by_label("Outcome", exact=True)
    expect(outcome).to_have_value(
        "The pupil will spell the common exception words taught this term in their own writing."
    )
    expect(page.get_by_label("Success criteria")).to_contain_text("8 of 10")
    visitor.fill("Outcome", "Rhys will spell the common exception words taught this term in his own writing.")
    visitor.click_button("Save outcome")
    visitor.heading("Support cycle 2")
    expect(page.get_by_text("Rhys will spell the common exception words").first).to_be_visible()

    # Removing an outcome asks first; keeping it changes nothing.
    visitor.click_link("Remove outcome 2")
    visitor.heading("Remove outcome 2?")
    visitor.click_link("No, keep it")
    visitor.heading("Support cycle 2")
    expect(page.get_by_text("Rhys will spell the common exception words").first).to_be_visible()

    # The bank itself is the SENCO's to keep.
    visitor.goto("/outcome-bank/")
    visitor.heading("The bank of outcomes")
    visitor.click_link("The pupil will tell a trusted adult when something has worried them", exact=False)
    visitor.heading("Change a wording")
    expect(page.get_by_label("Offer this wording when writing a plan")).to_be_checked()
