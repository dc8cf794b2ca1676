"""A double click on Save in Chromium sends the form once and saves one record: the button is
disabled after the first click, and the server would answer a second post as the first anyway."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD
from tests.browser.test_senco_cycle import open_pupil


def test_a_double_click_on_save_raises_one_concern(visitor, cast):
    page = visitor.page
    pupil = cast.meeting_pupil
    visitor.sign_in(cast.teacher, PASSWORD)
    open_pupil(visitor, pupil)
    visitor.click_link("Raise a concern")
    visitor.heading("Raise a concern")
    visitor.fill_date("Date the concern was noticed", 26, 11, 2026)
    visitor.choose("Area of need", "Communication and interaction")
    visitor.fill("What have you noticed?", "Answers a different question from the one asked")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)

    page.get_by_role("button", name="Raise concern").dblclick()

    visitor.heading(pupil)
    visitor.check()
    expect(page.get_by_text("Answers a different question from the one asked")).to_have_count(1)
    assert len([url for url in posts if url.endswith("/concerns/new")]) == 1
