"""Registers in Chromium, counting what a person does: a teacher takes today's register from the
home page in three interactions (a click, a choice for the absent pupil, a submit) and corrects it
with its history; the SENCO confirms a session dated on a weekend that did not take place, and
opens a pupil's one-page passport. Axe checks every page shown."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD


class Counted:
    """The visitor's clicks, choices and submits, counted as a person makes them."""

    def __init__(self, visitor):
        self.visitor, self.count = visitor, 0

    def click_link(self, name: str) -> None:
        self.count += 1
        self.visitor.click_link(name)

    def choose(self, group: str, option: str) -> None:
        self.count += 1
        self.visitor.choose(group, option)

    def click_button(self, name: str) -> None:
        self.count += 1
        self.visitor.click_button(name)


def test_a_teacher_takes_today_s_register_from_home_in_three_interactions_and_corrects_it(visitor, cast):
    page = visitor.page
    present, absent = cast.session_pupils
    visitor.sign_in(cast.teacher, PASSWORD)
    sessions = page.get_by_role("region", name="Sessions to record today")
    expect(sessions.get_by_role("heading", name=cast.teacher_intervention)).to_be_visible()

    person = Counted(visitor)
    person.click_link(f"Take the register of {cast.teacher_intervention}")
    visitor.heading("Take the register")
    # Today's date is filled in, the session took place, and everyone is present until changed.
    expect(page.get_by_role("group", name="Date of the session").get_by_label("Day")).to_have_value("27")
    expect(page.get_by_role("group", name="Did the session take place?").get_by_label("Yes")).to_be_checked()
    expect(page.get_by_role("group", name=present).get_by_label("Present")).to_be_checked()
    person.choose(absent, "Absent: ill")
    person.click_button("Save the register")

    assert person.count == 3
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")
    expect(sessions).to_contain_text("No session to record today")

    # The register, from the intervention's page, corrected by the teacher who took it.
    visitor.click_link(cast.teacher_intervention)
    row = page.get_by_role("region", name="Register").get_by_role("row").filter(has_text="27 Nov 2026")
    expect(row).to_contain_text("1 of 2")
    expect(row).to_contain_text(f"{absent} (Ill)")
    visitor.click_link("27 Nov 2026")
    visitor.heading("Register of 27 November 2026")
    visitor.click_link("Correct the register")
    visitor.choose(absent, "Absent: at an appointment")
    visitor.fill(f"Note on {absent}'s absence (optional)", "Dentist")
    visitor.click_button("Save the correction")
    visitor.success("is corrected")
    expect(page.get_by_role("row", name=absent)).to_contain_text("Absent: At an appointment (Dentist)")
    expect(page.get_by_text(f"{absent}: Absent: Ill to Absent: At an appointment (Dentist)")).to_be_visible()


def test_the_senco_confirms_a_weekend_session_that_did_not_take_place_and_opens_a_passport(visitor, cast):
    page = visitor.page
    visitor.sign_in(cast.senco, PASSWORD)
    visitor.goto(cast.paths["new session"])
    visitor.fill_date("Date of the session", 21, 11, 2026)  # a Saturday
    visitor.choose("Did the session take place?", "No: trip or school event")
    visitor.click_button("Save the register")
    # Nothing is stored until the date is confirmed; what was chosen is kept.
    visitor.heading("Confirm the date of the session")
    expect(page.get_by_role("alert").filter(has_text="21 November 2026 is a Saturday")).to_be_visible()
    expect(
        page.get_by_role("group", name="Did the session take place?").get_by_label("No: trip or school event")
    ).to_be_checked()
    visitor.click_button("Yes, save the register for 21 November 2026")
    visitor.success("did not take place on 21 November 2026")
    row = page.get_by_role("region", name="Register").get_by_role("row").filter(has_text="21 Nov 2026")
    expect(row).to_contain_text("Did not take place")

    visitor.goto(cast.paths["meeting pupil"] + "/passport")
    visitor.heading(cast.meeting_pupil)
    expect(page.get_by_role("heading", name="Current outcomes")).to_be_visible()
    expect(page.get_by_role("heading", name="Interventions this year")).to_be_visible()
