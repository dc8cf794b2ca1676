"""Teachers and support assistants in Chromium: a teacher records a meeting with parents; a support
assistant records the impact of an intervention that has ended. (The register from the home page
is in test_registers.py.)"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD


def test_teacher_records_a_meeting_with_parents(visitor, cast):
    page = visitor.page
    pupil = cast.meeting_pupil
    visitor.sign_in(cast.teacher, PASSWORD)
    # The teacher's pupils are on the home page, each with a link to their record.
    page.get_by_text(pupil).first.click()
    visitor.click_link(f"{pupil}'s record")
    visitor.heading(pupil)
    meetings = page.get_by_role("heading", name="Meetings with parents")
    expect(meetings).to_be_visible()
    visitor.click_link("Record a meeting with parents")
    visitor.heading("Record a meeting with parents")
    visitor.fill_date("Date of the meeting", 24, 11, 2026)
    visitor.choose("How was it held?", "Phone")
    page.get_by_label("Led by").select_option(label=cast.teacher_name)
    visitor.fill("Who attended", "Father, class teacher")
    visitor.fill("The pupil's views", "Likes the new seat by the board")
    visitor.fill("What was agreed", "Visual timetable at home and in class")
    action = page.locator(".app-action-row").first
    action.get_by_label("What is to be done").fill("Send the timetable home")
    action.get_by_label("Who will do it").select_option(label=cast.teacher_name)
    to_be_done = action.get_by_role("group", name="To be done by")
    for part, value in (("Day", "27"), ("Month", "11"), ("Year", "2026")):
        to_be_done.get_by_label(part).fill(value)
    visitor.click_button("Save the meeting")
    visitor.heading(pupil)
    # The meeting is listed by its date, and opens to show what was agreed.
    expect(page.get_by_text("1 meeting held this year")).to_be_visible()
    page.get_by_text("24 November 2026: phone").click()
    expect(page.get_by_text("Visual timetable at home and in class")).to_be_visible()


def test_support_assistant_records_impact_when_the_intervention_has_ended(visitor, cast):
    page = visitor.page
    first, second = cast.ta_pupils
    visitor.sign_in(cast.ta, PASSWORD)
    visitor.click_link(cast.ta_intervention)  # under "Impact to record" on the home page
    visitor.heading("Impact")
    visitor.fill(f"Exit score for {first} (optional)", "34")
    visitor.choose(f"Impact for {first}", "+1: More progress than expected")
    visitor.fill(f"Comment on {first}'s progress (optional)", "Quick recall of bonds to 10")
    visitor.fill(f"Exit score for {second} (optional)", "22")
    # Saving without the second pupil's impact is refused, and says what is missing.
    visitor.click_button("Save the impact")
    expect(page.get_by_role("alert")).to_contain_text(f"Choose the impact for {second}")
    expect(page.get_by_label(f"Exit score for {first} (optional)")).to_have_value("34")
    visitor.choose(f"Impact for {second}", "0: Expected progress")
    visitor.click_button("Save the impact")
    visitor.heading(cast.ta_intervention)
    pupils = page.get_by_role("region", name="Pupils")
    expect(pupils.get_by_role("row", name=first)).to_contain_text("More progress than expected")
    expect(pupils.get_by_role("row", name=first)).to_contain_text("34")
    expect(pupils.get_by_role("row", name=second)).to_contain_text("Expected progress")
    expect(page.get_by_role("link", name="Change the impact")).to_be_visible()
