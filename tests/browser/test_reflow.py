"""The pages the journeys use, at 320 CSS pixels wide and at 200% zoom, for each role.

- 320 px (WCAG 1.4.10 Reflow: the width of a 1280 px window at 400% zoom): a 320 x 640 viewport.
- 200% zoom (WCAG 1.4.4 Resize text): browser zoom halves the CSS pixels a window has, so a
  1280 x 800 window at 200% lays out as a 640 x 400 viewport with two device pixels per CSS
  pixel. The context emulates exactly that (viewport 640 x 400, device_scale_factor 2), which
  is what Chromium's own zoom does to layout, media queries included.

On each page: the document is no wider than the viewport (no horizontal scrolling of the page;
wide tables scroll inside their own region), the main heading is visible inside the viewport,
and axe-core finds no WCAG violation at that size either.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.seed import PASSWORD
from tests.browser.support import page_fits

SIZES = {
    "320px": {"viewport": {"width": 320, "height": 640}},
    "zoom200": {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2},
}

PAGES = {
    None: ["/sign-in", "/accessibility", "/privacy", "/cookies"],
    "senco": [
        "/",
        "/pupils/",
        "running pupil",
        "running cycle",
        "running plan",
        "new outcome",
        "new observation",
        "timeline",
        "new concern",
        "decide concern",
        "/interventions/",
        "ta intervention",
        "/interventions/catalogue",
        "/interventions/catalogue/new",
        "/provision-map",
        "/tasks",
        "/tasks/all",
        "/notifications",
        "/settings",
        "/settings/rules",
        "/settings/terms/new",
        "/duties",
        "/pupils/left",
        "leaving",
        "a senco task",
        "/change-password",
    ],
    "teacher": ["/", "meeting pupil", "new meeting", "teacher intervention", "new session"],
    "ta": ["/", "ta intervention", "impact"],
    "head": [
        "/",
        "/dashboard/",
        "/dashboard/figures/reviews_overdue",
        "/dashboard/figures/concerns_past_deadline",
        "/staff/",
        "/staff/classes",
    ],
    "governor": ["/", "/dashboard/"],
}


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("role", PAGES, ids=lambda role: role or "signed-out")
def test_pages_reflow_at_320px_and_200_percent_zoom(new_visitor, cast, role, size):
    visitor = new_visitor(**SIZES[size])
    page = visitor.page
    if role:
        visitor.sign_in(getattr(cast, role), PASSWORD)
    problems = []
    for name in PAGES[role]:
        path = cast.paths.get(name, name)
        response = visitor.goto(path)
        assert response.status == 200, f"{name}: {response.status}"
        fits = page_fits(page)
        if fits["scrollWidth"] > fits["viewport"]:
            problems.append(
                f"{name}: the page is {fits['scrollWidth']}px wide in a {fits['viewport']}px viewport; "
                f"past the edge: {', '.join(fits['overflowing'])}"
            )
        if not fits["headingInside"]:
            problems.append(f"{name}: the heading {fits['heading']!r} is not inside the viewport")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert not problems, "\n".join(problems)
