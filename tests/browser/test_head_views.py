"""The head teacher's and LA officer's questions in one look, in Chromium: the dashboard class by
class and a drill-down naming who holds each task; the LA officer's schools side by side, the
school's name kept in view while the table scrolls, leading to a school's figures; and the SEN
information report drafted, written and published by the SENCO, then read by the head teacher and
a governor. axe-core checks every page shown."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from sentrack.workflows.sen_report import SECTIONS
from tests.browser.seed import PASSWORD


def test_head_reads_the_classes_and_who_holds_each_task(visitor, cast):
    page = visitor.page
    visitor.sign_in(cast.head, PASSWORD)
    visitor.click_link("Dashboard", exact=True)
    visitor.heading("Dashboard")

    classes = page.get_by_role("region", name="Parent meetings and reviews by class, worst first")
    expect(classes).to_be_visible()
    # The review left running past its date is in 4 Elm.
    expect(classes.get_by_role("rowheader")).to_have_text(["4 Elm", "4 Oak", "Not in a class"])
    classes.get_by_role("link", name="reviews overdue, 4 Elm").click()
    visitor.check()
    visitor.heading("Reviews overdue")
    expect(page.locator("main")).to_contain_text("for registration class 4 Elm")
    listed = page.get_by_role("region", name="Reviews overdue")
    expect(listed.locator("thead")).to_contain_text("Task held by")
    expect(listed.locator("tbody tr")).to_have_count(1)
    expect(listed).to_contain_text("Dev Ellis")

    # The concern past its deadline waits for the SENCO, who holds its task.
    visitor.goto("/dashboard/figures/concerns_past_deadline")
    row = (
        page.get_by_role("region", name="Concerns past their deadline").locator("tbody tr").filter(has_text="Ben Cole")
    )
    expect(row.locator("td").last).to_contain_text(re.compile(r"\(SENCO\), due \d+ \w+ 2026"))
    row.locator("td").last.get_by_role("link").click()
    visitor.check()
    expect(page.locator("main")).to_contain_text("Assigned to")


def test_la_officer_scrolls_the_schools_and_opens_one(visitor, cast):
    page = visitor.page
    page.set_viewport_size({"width": 640, "height": 900})
    visitor.sign_in(cast.la_officer, PASSWORD)
    visitor.goto("/dashboard/")
    visitor.heading("Schools side by side")
    region = page.get_by_role("region", name="Schools side by side")
    headings = region.locator("thead th")
    expect(headings.nth(1)).to_have_text("EHC annual reviews overdue")
    expect(headings.last).to_have_text("Counted on")

    # Scrolled to its far right, the table still shows each school's name at the left edge.
    region.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    assert region.evaluate("element => element.scrollLeft") > 0, "the table did not need to scroll"
    school = region.get_by_role("rowheader").filter(has_text=cast.school)
    left = region.bounding_box()["x"]
    assert abs(school.bounding_box()["x"] - left) < 2
    expect(school).to_be_in_viewport()

    school.get_by_role("link", name=cast.school).click()
    visitor.check()
    visitor.heading(cast.school)
    expect(page.locator("main")).to_contain_text("no pupil is named")
    visitor.click_link("Back to the schools side by side")
    visitor.heading("Schools side by side")


def test_senco_drafts_writes_and_publishes_the_report_for_the_head_and_governors(visitor, cast):
    page = visitor.page
    visitor.sign_in(cast.senco, PASSWORD)
    visitor.click_link("SEN report", exact=True)
    visitor.heading("SEN information report")
    visitor.click_link("The report for 2026 to 2027")
    visitor.heading("SEN information report 2026 to 2027")
    visitor.click_button("Draft the report from the figures")
    visitor.success("drafted from the school's figures")
    expect(page.locator("#section-figures + div")).to_contain_text("pupils on the school's roll")

    visitor.click_link("Change the report")
    visitor.heading("Write the SEN information report 2026 to 2027")
    for section in SECTIONS:
        field = page.get_by_label(section.heading, exact=True)
        if not field.input_value():
            field.fill(f"How Oak Primary works: {section.heading.lower()}.")
    visitor.click_button("Save the report", exact=True)
    visitor.success("The report is saved")
    expect(page.get_by_role("region", name="Every saved version of the report")).to_contain_text("Version 2")
    visitor.click_button("Publish the report")
    visitor.success("The report is published")
    visitor.click_link("Printable version")
    visitor.heading("SEN information report 2026 to 2027")
    visitor.sign_out()

    for reader in (cast.head, cast.governor):
        visitor.sign_in(reader, PASSWORD)
        visitor.click_link("SEN report", exact=True)
        visitor.click_link("2026 to 2027", exact=True)
        visitor.heading("SEN information report 2026 to 2027")
        expect(page.locator("main")).to_contain_text("Published 27 November 2026")
        expect(page.locator("#section-complaints + div")).to_have_text("How Oak Primary works: complaints.")
        expect(page.get_by_role("button", name="Publish the report")).to_have_count(0)
        visitor.sign_out()
