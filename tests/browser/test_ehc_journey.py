"""An EHC plan from end to end in Chromium (issue 15): the SENCO's review of a support cycle
decides to request an EHC needs assessment; the LA officer takes the request through every step
to a final plan; the plan's annual review is convened, held and reported by the SENCO and decided
by the LA officer; and the officer's EHC caseload shows each figure move between the steps.

The suite's date is 27 November 2026. The cycle's review sits in September 2025 (tests/browser/
seed.py), so the request runs through the autumn of 2025, the plan is issued in January 2026
within the 20 weeks, and its annual review falls due in January 2027, within the next 8 weeks."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD
from tests.browser.test_senco_cycle import open_pupil

IN_PROGRESS = "Needs assessment requests in progress"
AT_RISK = "Requests with a statutory date at risk or passed"
ISSUED = "Final plans issued this calendar year"
LATE = "Final plans issued this year after 20 weeks"
DUE = "Annual reviews due in the next 8 weeks"
OVERDUE = "Annual reviews overdue"
WAITING = "Review decisions waiting past 4 weeks"


def caseload(officer) -> dict[str, int]:
    """The LA officer opens the EHC caseload and reads the figures of all the authority's schools."""
    officer.goto("/ehc/")
    officer.heading("EHC caseload")
    rows = officer.page.get_by_role("region", name="EHC figures of all schools").locator("tbody tr")
    figures = {}
    for row in rows.all():
        title, count = (cell.inner_text().strip() for cell in row.locator("td").all())
        figures[title] = int(count)
    assert {IN_PROGRESS, AT_RISK, ISSUED, LATE, DUE, OVERDUE, WAITING} <= figures.keys(), figures
    return figures


def moved(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The figures that changed, with by how much."""
    return {title: after[title] - before[title] for title in after if after[title] != before[title]}


def within_20_weeks(officer) -> dict[str, tuple[int, int]]:
    """This year's plans in all schools, without and with an exception recorded: (within 20 weeks,
    issued) from the cells reading "n of m (p%)"."""
    table = officer.page.get_by_role("region", name="Plans issued within 20 weeks")
    headers = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    cells = table.locator("tbody tr").filter(has_text="All schools").locator("th, td")
    shares = {}
    for part in ("no exception", "with exceptions"):
        text = cells.nth(headers.index(f"2026: {part}")).inner_text()
        within, issued = re.match(r"\s*(\d+) of (\d+)", text).groups()
        shares[part] = (int(within), int(issued))
    return shares


def test_a_review_asks_for_an_ehc_assessment_that_ends_in_a_plan_reviewed_a_year_on(new_visitor, cast):
    pupil = cast.ehc_pupil
    officer = new_visitor()
    senco = new_visitor()
    officer.sign_in(cast.la_officer, PASSWORD)
    start = caseload(officer)
    shares = within_20_weeks(officer)

    # The SENCO's review of the support cycle decides to request an EHC needs assessment.
    senco.sign_in(cast.senco, PASSWORD)
    open_pupil(senco, pupil)
    senco.click_link("Support cycle 1")
    senco.heading("Support cycle 1")
    senco.click_link("Complete the review")
    senco.heading("Review")
    senco.fill_date("Date of the review meeting", 15, 9, 2025)
    senco.fill("Who attended", "SENCO, class teacher, father, speech and language therapist")
    senco.page.get_by_label("A parent or carer attended the meeting").check()
    senco.choose("1. Follows a two-step instruction in class", "Not achieved")
    senco.fill("Impact of the provision", "Little change after a term of language group")
    senco.fill("The pupil's views", "I don't know what to do when everyone starts", exact=True)
    senco.fill("The parents' views", "Want the authority to assess", exact=True)
    senco.fill("Next steps", "Ask the local authority for an EHC needs assessment")
    senco.choose("What happens next", "Request an EHC needs assessment")
    senco.fill_date("Date the EHC needs assessment was requested", 15, 9, 2025)
    senco.click_button("Record the review and close the cycle")
    senco.heading("EHC needs assessment request")
    senco.success("The request for an EHC needs assessment is open")
    expect(senco.page.locator("#evidence ~ ul").first).to_contain_text("Support cycle 1")

    # The officer sees the request in progress, past its 6-week decision date.
    after_request = caseload(officer)
    assert moved(start, after_request) == {IN_PROGRESS: 1, AT_RISK: 1}
    officer.click_link("Requests in progress", exact=True)
    officer.heading("Needs assessment requests in progress")
    officer.page.get_by_role("row").filter(has_text=pupil).get_by_role("link", name="15 September 2025").click()
    officer.check()
    officer.heading("EHC needs assessment request")
    status = officer.page.locator("#status")
    expect(status).to_contain_text("since the local authority received it")
    expect(status).to_contain_text("At risk")

    # The decision to assess.
    officer.click_link("Record the decision whether to assess")
    officer.heading("Decide whether to assess")
    officer.choose("Will the local authority carry out an EHC needs assessment?", "Yes: assessment agreed")
    officer.fill_date("Date of the decision", 20, 10, 2025)
    officer.click_button("Record the decision")
    officer.heading("EHC needs assessment request")
    officer.success("The decision whether to assess is recorded")

    # Advice asked, then received.
    officer.click_link("Record advice asked")
    officer.heading("Record advice asked")
    officer.fill("Who was asked for advice", "Educational psychologist")
    officer.fill_date("Date the advice was asked for", 22, 10, 2025)
    officer.click_button("Record the advice asked")
    officer.success("Advice asked is recorded")
    officer.click_link("Record received from Educational psychologist")
    officer.heading("Record advice received")
    officer.fill_date("Date the advice was received", 28, 11, 2025)
    officer.click_button("Record the advice received")
    officer.success("The advice from Educational psychologist is recorded as received")

    # An exception to the time limits, recorded with its reason: it moves no date.
    officer.click_link("Record an exception to the time limits")
    officer.heading("Record an exception to the time limits")
    officer.choose("Which exception applies?", "Exceptional personal circumstances of the child or parent")
    officer.fill_date("From", 1, 12, 2025)
    officer.fill_date("To (optional)", 5, 1, 2026)
    officer.fill("Reason", "The family was in hospital with the pupil's younger brother")
    officer.click_button("Record the exception")
    officer.success("The exception is recorded")
    expect(officer.page.locator("main")).to_contain_text("The family was in hospital")

    # The decision to issue a plan, the draft sent, and the final plan.
    officer.click_link("Record the decision whether to issue a plan")
    officer.heading("Decide whether to issue a plan")
    officer.choose("Will the local authority issue an EHC plan?", "Yes: issue a plan")
    officer.fill_date("Date of the decision", 8, 12, 2025)
    officer.click_button("Record the decision")
    officer.success("The decision whether to issue a plan is recorded")
    officer.click_link("Record the draft plan sent")
    officer.heading("Record the draft plan sent")
    officer.fill_date("Date the draft plan was sent", 10, 12, 2025)
    officer.click_button("Record the draft sent")
    officer.success("The draft plan sent is recorded")
    officer.click_link("Record the final plan")
    officer.heading("Record the final plan")
    officer.fill_date("Date the final plan was issued", 12, 1, 2026)
    expect(officer.page.get_by_label("Named setting (section I)")).to_have_value(cast.school)
    officer.page.get_by_label("Primary type of need").select_option(
        label="Speech, language and communication needs (SLCN)"
    )
    officer.fill("Outcome 1 (optional)", "Follows a three-step instruction in class without a prompt")
    officer.click_button("Record the final plan")
    officer.heading("EHC plan")
    officer.success("The final plan is recorded")
    plan = officer.page.locator("main")
    expect(plan).to_contain_text(cast.school)
    expect(plan).to_contain_text("Speech, language and communication needs")
    expect(plan).to_contain_text("Follows a three-step instruction in class")

    # The request is done within 20 weeks (with an exception); the plan's first review is due in January.
    after_plan = caseload(officer)
    assert moved(start, after_plan) == {ISSUED: 1, DUE: 1}
    # Issued within 20 weeks, and counted among the plans whose request had an exception.
    within, issued = shares["with exceptions"]
    assert within_20_weeks(officer) == {**shares, "with exceptions": (within + 1, issued + 1)}
    # The figure leads to the pupil behind it.
    officer.click_link("Annual reviews due and overdue")
    officer.heading("Annual reviews due and overdue")
    due = (
        officer.page.get_by_role("region", name="Annual reviews", exact=True).locator("tbody tr").filter(has_text=pupil)
    )
    expect(due).to_contain_text("12 January 2027")
    expect(due).to_contain_text("Due soon")

    # The SENCO convenes the annual review from the pupil's record.
    open_pupil(senco, pupil)
    expect(senco.page.locator(".app-ehc-plan")).to_contain_text("next annual review due 12 January 2027")
    senco.click_link("EHC plan", exact=True)
    senco.heading("EHC plan")
    senco.click_link("Convene a review")
    senco.heading("Convene a review of the EHC plan")
    senco.choose("Which review is this?", "Annual review")
    senco.fill_date("Date of the review meeting", 23, 10, 2026)
    senco.fill_date("Date the invitations were sent and advice asked", 5, 10, 2026)
    senco.click_button("Convene the review")
    senco.heading("Annual review of the EHC plan")
    senco.success("The review is convened")
    assert moved(start, caseload(officer)) == {ISSUED: 1, DUE: 1}  # convened, not yet held

    # The meeting is held: the next review is a year on, and the authority's decision is awaited.
    senco.click_link("Record the meeting")
    senco.heading("Record the review meeting")
    senco.fill_date("Date the meeting was held", 23, 10, 2026)
    senco.fill("Who took part", "SENCO, class teacher, father, educational psychologist")
    senco.fill("The pupil's views", "I like the picture timetable", exact=True)
    senco.fill("Progress towards the outcomes and what was agreed", "Follows three-step instructions most days")
    senco.choose("What does the review recommend?", "Keep the plan as it is")
    senco.click_button("Save the meeting")
    senco.heading("Annual review of the EHC plan")
    senco.success("The review meeting is recorded")
    assert moved(start, caseload(officer)) == {ISSUED: 1, WAITING: 1}

    # The report is sent; the decision still waits.
    senco.click_link("Record the report as sent")
    senco.heading("Record the review report as sent")
    senco.fill_date("Date the report was sent", 30, 10, 2026)
    senco.click_button("Save the date")
    senco.success("The date the report was sent is saved")
    assert moved(start, caseload(officer)) == {ISSUED: 1, WAITING: 1}

    # The officer follows the figure to the review and records the authority's decision.
    officer.click_link(WAITING)
    officer.heading(WAITING)
    behind = officer.page.get_by_role("row").filter(has_text=pupil)
    behind.get_by_role("link", name="Review held 23 October 2026").click()
    officer.check()
    officer.heading("Annual review of the EHC plan")
    officer.click_link("Record the decision")
    officer.heading("Record the local authority's decision")
    officer.choose("The local authority's decision", "Keep the plan as it is")
    officer.fill_date("Date of the decision", 27, 11, 2026)
    officer.click_button("Save the decision")
    officer.heading("Annual review of the EHC plan")
    officer.success("The local authority's decision is saved")
    expect(officer.page.locator("main")).to_contain_text("Keep the plan as it is")
    assert moved(start, caseload(officer)) == {ISSUED: 1}
