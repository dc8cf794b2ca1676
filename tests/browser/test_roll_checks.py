"""The administrator's roll checks in Chromium: a pupil added with a year group their date of birth
does not give is saved only once the administrator confirms it, and a pupil joining a second
registration class is moved to it once the administrator says so. The journey sets up its own two
registration classes, so that no other journey's class changes."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD
from tests.factories import make_upn

ROWAN, HAZEL = "6 Rowan", "6 Hazel"
QUESTION = "Rosa's date of birth puts them in Year 2; you chose Year 6. Save anyway?"


def add_class(visitor, name: str) -> None:
    visitor.goto("/staff/classes")
    visitor.click_link("Add a class")
    visitor.heading("Add a class")
    visitor.fill("Class name", name)
    visitor.page.get_by_label("Year group").select_option(label="Year 6")
    visitor.choose("Kind of class", "Registration class (form or tutor group)")
    visitor.click_button("Save class")
    visitor.success(f"Class {name} saved.")


def test_admin_confirms_a_year_group_and_moves_a_pupil_to_another_registration_class(visitor, cast):
    page = visitor.page
    visitor.sign_in(cast.admin, PASSWORD)
    add_class(visitor, ROWAN)
    add_class(visitor, HAZEL)

    # Rosa, born in May 2020, is in Year 2 by her age; the administrator chooses Year 6.
    visitor.goto("/pupils/new")
    visitor.heading("Add a pupil to the roll")
    visitor.fill("Unique pupil number (UPN)", make_upn())
    visitor.fill("First name", "Rosa", exact=True)
    visitor.fill("Last name", "Field", exact=True)
    visitor.fill_date("Date of birth", 1, 5, 2020)
    page.get_by_label("Year group", exact=True).select_option(label="Year 6")
    page.get_by_role("group", name="Classes").get_by_label(ROWAN).check()
    visitor.click_button("Save pupil")

    # Asked, with nothing saved and everything typed kept.
    visitor.heading("Add a pupil to the roll")
    expect(page.locator(".govuk-error-summary")).to_contain_text(QUESTION)
    question = page.get_by_role("group", name="Save with this year group?")
    expect(question).to_contain_text(QUESTION)
    expect(page.get_by_label("First name", exact=True)).to_have_value("Rosa")
    expect(page.get_by_role("group", name="Classes").get_by_label(ROWAN)).to_be_checked()
    question.get_by_label("Yes, Rosa is in Year 6").check()
    visitor.click_button("Save pupil")
    visitor.success("Pupil added to the roll.")
    visitor.heading("Rosa Field")
    expect(page.locator("main .govuk-caption-l").first).to_have_text(f"Year 6, {ROWAN}")

    # 6 Hazel's pupils: ticking Rosa, already in 6 Rowan, is asked about.
    visitor.goto("/staff/classes")
    visitor.click_link(HAZEL, exact=True)
    visitor.click_link(f"Add or take out pupils of {HAZEL}, many at once")
    visitor.heading("Pupils of the class")
    page.get_by_label("Show pupils to add from").select_option(label="Year 6")
    visitor.click_button("Show", exact=True)
    page.get_by_role("group", name="Add to the class").get_by_label("Field, Rosa (Year 6)").check()
    visitor.click_button("Save the class's pupils")
    asked = page.get_by_role("group", name="Pupils already in another registration class")
    expect(asked).to_contain_text(f"Rosa Field is already in registration class {ROWAN}.")
    expect(page.get_by_role("group", name="Add to the class").get_by_label("Field, Rosa (Year 6)")).to_be_checked()
    visitor.choose(
        "Pupils already in another registration class",
        f"Move them to {HAZEL}: they leave their other registration class",
    )
    visitor.click_button("Save the class's pupils")
    visitor.success(f"Class {HAZEL} saved: 1 added, 0 taken out.")

    # The classes page counts her in 6 Hazel alone.
    visitor.goto("/staff/classes")
    expect(page.get_by_role("row").filter(has_text=HAZEL).get_by_role("cell").nth(3)).to_have_text("1")
    expect(page.get_by_role("row").filter(has_text=ROWAN).get_by_role("cell").nth(3)).to_have_text("0")
    expect(page.get_by_role("row").filter(has_text=HAZEL).get_by_role("cell").nth(4)).to_have_text("Registration class")
