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
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    save = page.get_by_role("button", name="Raise concern")
    box = save.bounding_box()
    # A slow connection: the first post is still on its way when the second click comes.
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 1500, "downloadThroughput": -1, "uploadThroughput": -1},
    )

    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)  # the first post is sent
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    visitor.heading(pupil)
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    visitor.check()
    expect(page.get_by_text("Answers a different question from the one asked")).to_have_count(1)
    concern_posts = [request for request in posts if request.url.endswith("/concerns/new")]
    assert len(concern_posts) == 1
    # The disabled button's name and value still went with the form.
    assert "submit=y" in concern_posts[0].post_data
