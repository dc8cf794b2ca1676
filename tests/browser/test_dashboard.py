"""The compliance dashboard in Chromium: the head teacher reads it and opens the pupils behind a
figure; a governor reads the same figures without any pupil's name."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD


def card(page, title: str):
    return page.locator(".app-card").filter(has=page.get_by_role("heading", name=title, exact=True))


def test_head_teacher_reads_the_dashboard_and_opens_a_drill_down(visitor, cast):
    page = visitor.page
    visitor.sign_in(cast.head, PASSWORD)
    visitor.click_link("Dashboard", exact=True)
    visitor.heading("Dashboard")
    expect(page.get_by_text(cast.school).first).to_be_visible()
    expect(page.locator("main")).to_contain_text("As of 27 November 2026")
    expect(page.locator("main")).to_contain_text(re.compile(r"\d+ of \d+ checks need action"))

    # The seeded concern was raised on 21 September: past its 28-day deadline.
    concerns = card(page, "Concerns past their deadline")
    count = int(concerns.locator(".app-card__figure").inner_text())
    assert count >= 1
    concerns.get_by_role("link", name=f"See the {count} concern").click()
    visitor.check()
    visitor.heading("Concerns past their deadline")
    rows = page.get_by_role("region", name="Concerns past their deadline").locator("tbody tr")
    expect(rows).to_have_count(count)
    row = rows.filter(has_text="Ben Cole")
    expect(row).to_contain_text("Raised 21 Sep 2026")
    expect(row).to_contain_text("Decision was due 19 Oct 2026")

    # The drill-down leads to the pupil, where the concern waits for a decision.
    row.get_by_role("link", name="Ben Cole").click()
    visitor.check()
    visitor.heading("Ben Cole")
    expect(page.get_by_text("Finds it hard to settle after break")).to_be_visible()

    # Back on the dashboard, a filter narrows every figure to a class.
    page.go_back()
    visitor.check()
    visitor.click_link("Back to the dashboard")
    page.get_by_label("Class", exact=True).select_option(label="4 Elm")
    visitor.click_button("Show", exact=True)
    expect(page.locator("main")).to_contain_text("for class 4 Elm")
    # Ben Cole is in 4 Oak, so his concern is not counted for 4 Elm.
    expect(card(page, "Concerns past their deadline").locator(".app-card__figure")).to_have_text("0")
    # The review left running past its date is in 4 Elm.
    reviews = card(page, "Reviews overdue")
    expect(reviews.locator(".app-card__figure")).to_have_text("1")
    reviews.get_by_role("link", name="See the 1 pupil").click()
    visitor.check()
    visitor.heading("Reviews overdue")
    expect(page.get_by_role("region", name="Reviews overdue")).to_contain_text("Dev Ellis")


def test_governor_reads_figures_without_pupil_names(visitor, cast):
    page = visitor.page
    visitor.sign_in(cast.governor, PASSWORD)
    visitor.click_link("Dashboard", exact=True)
    visitor.heading("Dashboard")
    main = page.locator("main")
    expect(main).to_contain_text("These are the school's figures without pupils' names")
    expect(card(page, "Concerns past their deadline").locator(".app-card__figure")).not_to_have_text("0")
    # One overdue review: too few to show a governor without singling the pupil out.
    expect(card(page, "Reviews overdue").locator(".app-card__figure")).to_have_text("fewer than 5")
    expect(page.get_by_role("region", name="The figures term by term")).to_be_visible()
    # Figures only: no card leads to the pupils behind it, and no pupil is named anywhere.
    expect(page.get_by_role("link", name=re.compile(r"^See the \d+"))).to_have_count(0)
    text = main.inner_text()
    for name in ("Ben Cole", "Dev Ellis", "Ada Brook", cast.meeting_pupil, cast.keyboard_pupil, *cast.ta_pupils):
        assert name not in text
    # Nor does the address of a drill-down show them.
    response = visitor.goto("/dashboard/figures/concerns_past_deadline")
    assert response.status in (403, 404)
    assert "Ben Cole" not in page.content()
