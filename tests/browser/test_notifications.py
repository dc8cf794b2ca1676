"""Notifications in Chromium: the SENCO sees the unread count in the account bar, opens one
notification (it leads to the place to act and is read), marks all as read (the count goes), and
chooses how two kinds of notification come by email; the choice is kept."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD


def _unread(page) -> int:
    """The count the account bar shows (0 when it shows none)."""
    link = page.get_by_role("link", name=re.compile(r"^\d+ unread notifications?$"))
    if link.count() == 0:
        return 0
    return int(link.inner_text().split()[0])


def test_senco_reads_notifications_marks_all_read_and_chooses_their_emails(visitor, cast):
    page = visitor.page
    visitor.sign_in(cast.senco, PASSWORD)
    before = _unread(page)
    assert before > 1

    visitor.click_link(re.compile(r"^\d+ unread notifications$"))
    visitor.heading("Notifications")
    expect(page.locator("h2.app-notifications__day").first).to_be_visible()
    expect(page.get_by_text(f"You have {before} unread notifications.")).to_be_visible()

    first = page.locator(".app-notification--unread .app-notification__title a").first
    first.click()  # on to the place to act
    visitor.check()
    assert "/notifications" not in page.url
    assert _unread(page) == before - 1

    visitor.goto("/notifications")
    visitor.click_button("Mark all as read")
    visitor.success("marked as read")
    assert _unread(page) == 0
    expect(page.get_by_text("You have read all your notifications.")).to_be_visible()

    visitor.click_link("Choose how notifications reach you by email")
    visitor.heading("Notification emails")
    tasks = page.get_by_role("group", name="Tasks given to you")
    expect(tasks.get_by_label("In my daily email")).to_be_checked()
    expect(tasks.get_by_label("No email: I will see it in SEN Track")).to_have_count(0)  # a duty
    visitor.choose("Tasks given to you", "In an email as it happens")
    visitor.choose(
        "A pupil in a wave 3 intervention is not on the SEN register", "No email: I will see it in SEN Track"
    )
    visitor.click_button("Save choices")
    visitor.success("Your choices for notification emails are saved")

    visitor.goto("/account/notifications")
    expect(tasks.get_by_label("In an email as it happens")).to_be_checked()
    wave3 = page.get_by_role("group", name="A pupil in a wave 3 intervention is not on the SEN register")
    expect(wave3.get_by_label("No email: I will see it in SEN Track")).to_be_checked()
