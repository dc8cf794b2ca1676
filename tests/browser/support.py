"""What the browser journeys share: a visitor that checks every page it is shown with axe-core,
signing in and out as a person does, and the reflow checks.

axe-core is injected with `page.evaluate` of its source (node_modules/axe-core/axe.min.js),
which Chromium runs through the DevTools protocol, outside the page's Content-Security-Policy.
The browser contexts keep the app's CSP in force (no `bypass_csp`), so a page that needed an
inline script or style would show up as a console error, which the check also fails on.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# The WCAG 2.0, 2.1 and 2.2 A and AA rules (axe-core tags its WCAG 2.2 A rules wcag2a/wcag21a).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# Every page axe has checked in this run, as a URL pattern, with how many times.
CHECKED_PAGES: Counter[str] = Counter()

_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
  }));
}"""


def axe_source() -> str:
    if not AXE_SOURCE.is_file():
        raise FileNotFoundError(
            f"{AXE_SOURCE.relative_to(ROOT)} is missing: run `npm ci` (make test does) to install "
            "axe-core, which the browser tests inject into every page they visit."
        )
    return AXE_SOURCE.read_text(encoding="utf-8")


def url_pattern(url: str) -> str:
    """A page's address without the ids in it: /pupils/<pupil>/cycles/<n>/plan."""
    path = re.sub(r"^https?://[^/]+", "", url)
    path, _, query = path.partition("?")
    path = path.split("#")[0]
    path = re.sub(r"/pupils/[0-9a-f]{24}", "/pupils/<pupil>", path)
    path = re.sub(r"/\d+(?=/|$)", "/<n>", path)
    if query:
        path += "?" + "&".join(sorted(part.split("=")[0] + "=…" for part in query.split("&")))
    return path


def describe_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core found {len(violations)} WCAG violation(s) on {url_pattern(url)}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    at {node['target']}: {summary}")
    return "\n".join(lines)


@dataclass
class Visitor:
    """A browser page whose every document must be checked by `check()` before the test ends."""

    page: Page
    axe: str
    loads: list[str] = field(default_factory=list)
    checked: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("domcontentloaded", lambda page: self.loads.append(page.url))
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))

    def _console(self, message) -> None:
        if message.type != "error":
            return
        # The document's own status (a 404 or 429 page) is what a test asserts; anything else
        # failing to load (a stylesheet, a script) or refused by the CSP is an error.
        if message.text.startswith("Failed to load resource") and message.location.get("url") == self.page.url:
            return
        self.errors.append(message.text)

    def goto(self, path: str, *, check: bool = True):
        response = self.page.goto(path)
        if check:
            self.check()
        return response

    def check(self) -> None:
        """Run axe-core (WCAG 2.2 A and AA) on the page now shown; fail on any violation, and
        on any console error (such as a script or style the CSP refused)."""
        page = self.page
        page.wait_for_load_state("load")
        assert self.loads, "check() before any page was loaded"
        if page.evaluate("typeof window.axe") == "undefined":
            page.evaluate(self.axe)
        violations = page.evaluate(_RUN_AXE, AXE_TAGS)
        self.checked.add(len(self.loads) - 1)
        CHECKED_PAGES[url_pattern(page.url)] += 1
        assert not violations, describe_violations(page.url, violations)
        errors, self.errors[:] = list(self.errors), []
        assert not errors, f"errors in the browser console on {url_pattern(page.url)}: {errors}"

    def unchecked(self) -> list[str]:
        return [url_pattern(url) for index, url in enumerate(self.loads) if index not in self.checked]

    # --- as a person does ---------------------------------------------------------------------

    def click_button(self, name: str, *, exact: bool = False, check: bool = True) -> None:
        self.page.get_by_role("button", name=name, exact=exact).click()
        if check:
            self.check()

    def click_link(self, name: str, *, exact: bool = False, check: bool = True) -> None:
        self.page.get_by_role("link", name=name, exact=exact).click()
        if check:
            self.check()

    def fill(self, label: str, value: str, *, exact: bool = False) -> None:
        self.page.get_by_label(label, exact=exact).fill(value)

    def fill_date(self, legend: str, day: int, month: int, year: int) -> None:
        """A GOV.UK date field: three inputs labelled Day, Month and Year in a fieldset."""
        group = self.page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(day))
        group.get_by_label("Month").fill(str(month))
        group.get_by_label("Year").fill(str(year))

    def choose(self, group: str, option: str) -> None:
        self.page.get_by_role("group", name=group).get_by_label(option, exact=True).check()

    def heading(self, text: str) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_have_text(text)

    def success(self, text: str) -> None:
        expect(self.page.get_by_role("alert", name="Success")).to_contain_text(text)

    def sign_in(self, email: str, password: str) -> None:
        self.goto("/sign-in")
        self.fill("Email address", email)
        self.fill("Password", password, exact=True)
        self.click_button("Sign in", exact=True)

    def sign_out(self) -> None:
        self.click_button("Sign out")
        self.heading("Sign in to SEN Track")


def page_fits(page: Page) -> dict:
    """How the page sits in the viewport: the document's width against the viewport's, the
    innermost elements reaching past the viewport's right edge (outside any scrolling region),
    and whether the main heading is visible and inside the viewport."""
    return page.evaluate(
        """() => {
          const h1 = document.querySelector('h1');
          const box = h1 ? h1.getBoundingClientRect() : null;
          const clipped = (el) => {
            for (let up = el.parentElement; up && up !== document.documentElement; up = up.parentElement) {
              if (['auto', 'scroll'].includes(getComputedStyle(up).overflowX)) return true;
            }
            return false;
          };
          const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
            [...el.classList].map(c => '.' + c).join('') +
            ` (right edge ${Math.round(el.getBoundingClientRect().right)}px)`;
          const wide = [...document.body.querySelectorAll('*')].filter(el =>
            el.getBoundingClientRect().right > window.innerWidth + 0.5 && !clipped(el));
          const innermost = wide.filter(el => !wide.some(other => other !== el && el.contains(other)));
          return {
            overflowing: innermost.slice(0, 5).map(describe),
            viewport: window.innerWidth,
            scrollWidth: document.documentElement.scrollWidth,
            bodyScrollWidth: document.body.scrollWidth,
            heading: h1 ? h1.innerText : null,
            headingInside: !!box && box.width > 0 && box.left >= 0 && box.right <= window.innerWidth,
          };
        }"""
    )
