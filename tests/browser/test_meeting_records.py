"""A meeting with parents as its own record, in Chromium: the class teacher records it on one page
with its actions, opens it from the pupil's record, corrects it (an action done, who attended),
sees the change in its history, and opens the record for parents to print. Every page is checked
with axe."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD
from tests.browser.test_senco_cycle import open_pupil


def _fill_date(group, day: int, month: int, year: int) -> None:
    for part, value in (("Day", day), ("Month", month), ("Year", year)):
        group.get_by_label(part).fill(str(value))


def test_teacher_records_a_meeting_on_one_page_corrects_it_and_prints_it(visitor, cast):
    page = visitor.page
    pupil = cast.session_pupils[0]  # one of the teacher's class, on SEN support
    visitor.sign_in(cast.teacher, PASSWORD)

    # From the home page: the pupil found from the pupil list, the form, then one page to fill in.
    open_pupil(visitor, pupil)
    visitor.click_link("Record a meeting with parents")
    visitor.heading("Record a meeting with parents")
    visitor.fill_date("Date of the meeting", 23, 11, 2026)
    visitor.fill("Who attended", "Mother, class teacher")
    visitor.fill("The pupil's views", "Reading with the group is fun")
    visitor.fill("What was discussed", "Reading at home since half-term")
    visitor.fill("What was agreed", "Carry on with the reading group")
    first, second = page.locator(".app-action-row").nth(0), page.locator(".app-action-row").nth(1)
    first.get_by_label("What is to be done").fill("Send home the phonics cards")
    first.get_by_label("Who will do it").select_option(label=cast.teacher_name)
    _fill_date(first.get_by_role("group", name="To be done by"), 25, 11, 2026)
    second.get_by_label("What is to be done").fill("Read together three evenings a week")
    second.get_by_label("Or, if it is not a member of staff, their name").fill("Mother")
    _fill_date(second.get_by_role("group", name="To be done by"), 18, 12, 2026)
    visitor.click_button("Save the meeting")
    visitor.heading(pupil)
    visitor.success("Meeting with parents saved")

    # The pupil's record lists it; its own page shows the whole record.
    page.get_by_text("23 November 2026: in person").click()
    visitor.click_link("Open the record")
    visitor.heading("Meeting with parents on 23 November 2026")
    actions = page.get_by_role("region", name="Actions agreed at the meeting")
    expect(actions.get_by_role("row").filter(has_text="Send home the phonics cards")).to_contain_text("Overdue")
    expect(actions.get_by_role("row").filter(has_text="Read together")).to_contain_text("To do")

    # The teacher led it, so corrects it: the cards went home, and the father came too.
    visitor.click_link("Correct the record")
    visitor.heading("Correct the record of the meeting of 23 November 2026")
    visitor.fill("Who attended", "Mother, father, class teacher")
    first = page.locator(".app-action-row").nth(0)
    done_on = first.get_by_role("group", name="Done on (optional)")
    _fill_date(done_on, 24, 11, 2026)
    # Enter in a field saves the corrections: it does not add another action row, the form's first button.
    with page.expect_navigation():
        done_on.get_by_label("Year").press("Enter")
    visitor.check()
    visitor.success("The record is corrected.")
    expect(actions.get_by_role("row").filter(has_text="Send home the phonics cards")).to_contain_text(
        "Done 24 November 2026"
    )
    history = page.locator("table").filter(has_text="version 2")
    expect(history.get_by_role("row").filter(has_text="Who attended")).to_contain_text("Mother, father, class teacher")

    # The record for parents, with whom it is copied to; the way back is not printed.
    visitor.click_link("Print the record for parents")
    visitor.heading(f"Our meeting about {pupil}")
    expect(page.get_by_text("Copy for:")).to_be_visible()
    expect(page.locator(".app-no-print").get_by_role("link", name="Back to the meeting's record")).to_be_visible()
    expect(page.get_by_role("region", name="Who will do what")).to_contain_text("Read together three evenings a week")
