"""A keyboard-only journey in Chromium: a teacher signs in, finds a pupil and records a meeting with
parents using only Tab, Shift+Tab, Enter, Space and typing. No mouse and no clicks: every
element is reached by moving focus, and each element reached shows a visible focus indicator."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.seed import PASSWORD

_FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const byLabels = el.labels && el.labels.length ? [...el.labels].map(l => l.innerText).join(' ') : '';
  const name = (el.getAttribute('aria-label') || byLabels || el.innerText || el.value || '')
    .replace(/\\s+/g, ' ').trim();
  const style = getComputedStyle(el);
  let ring = (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none';
  if (el.type === 'radio' || el.type === 'checkbox') {
    // GOV.UK draws the focus ring of a radio or checkbox around its label's ::before box.
    const box = getComputedStyle(el.labels[0], '::before');
    ring = box.boxShadow !== 'none' || (box.outlineStyle !== 'none' && box.outlineWidth !== '0px');
  }
  return {tag: el.tagName.toLowerCase(), type: el.type || '', name, ring};
}"""


class Keyboard:
    """Moves focus with Tab (or Shift+Tab) until an element with the given name is focused."""

    def __init__(self, visitor):
        self.visitor = visitor
        self.page = visitor.page

    def focused(self) -> dict | None:
        return self.page.evaluate(_FOCUSED)

    def tab_to(self, name: str, *, back: bool = False, limit: int = 60) -> dict:
        key = "Shift+Tab" if back else "Tab"
        seen = []
        for _ in range(limit):
            self.page.keyboard.press(key)
            element = self.focused()
            if element is None:
                continue
            seen.append(element["name"][:40])
            if element["name"] == name or element["name"].startswith(name):
                assert element["ring"], f"{name!r} has focus but no visible focus indicator"
                return element
        raise AssertionError(f"{key} never reached {name!r}; focus went through {seen}")

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)

    def follow(self, name: str) -> None:
        """Tab to a link or button, press Enter, and check the page it leads to."""
        self.tab_to(name)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
        self.visitor.check()


def test_keyboard_only_teacher_records_a_meeting_with_parents(visitor, cast):
    page = visitor.page
    keys = Keyboard(visitor)
    pupil = cast.keyboard_pupil
    first, last = pupil.split(" ", 1)

    visitor.goto("/sign-in")
    # The first Tab reaches the skip link, which moves focus to the main content.
    keys.press("Tab")
    assert keys.focused()["name"] == "Skip to main content"
    keys.press("Enter")
    expect(page.locator("#main-content")).to_be_focused()
    keys.tab_to("Email address")
    keys.type(cast.teacher)
    keys.tab_to("Password")
    keys.type(PASSWORD)
    keys.follow("Sign in")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Good to see you")

    keys.follow("Pupils")
    visitor.heading("Pupils")
    keys.tab_to("Name or UPN")
    keys.type(last)
    keys.follow("Search and filter")
    keys.follow(f"{last}, {first}")
    visitor.heading(pupil)

    keys.follow("Record a meeting with parents")
    visitor.heading("Record a meeting with parents")
    keys.tab_to("Day")
    keys.type("25")
    keys.tab_to("Month")
    keys.type("11")
    keys.tab_to("Year")
    keys.type("2026")
    keys.tab_to("In person")
    keys.press("Space")
    expect(page.get_by_label("In person")).to_be_checked()
    led_by = keys.tab_to("Led by")
    assert led_by["tag"] == "select"
    expect(page.get_by_label("Led by")).to_have_value(
        page.get_by_label("Led by").locator("option", has_text=cast.teacher_name).get_attribute("value")
    )
    keys.tab_to("Who attended")
    keys.type("Mother, class teacher")
    keys.tab_to("What was agreed")
    keys.type("Ear defenders for assemblies; a quiet space at lunch")
    # Back with Shift+Tab to the pupil's views, passed over on the way down.
    keys.tab_to("The pupil's views", back=True)
    keys.type("Assemblies are too loud")
    keys.tab_to("What is to be done")
    keys.type("Order ear defenders this week")
    assert keys.tab_to("Who will do it")["tag"] == "select"
    keys.type(cast.teacher_name)  # a closed select picks the option its name is typed of
    keys.tab_to("Day")  # the action's date, after the meeting's
    keys.type("4")
    keys.tab_to("Month")
    keys.type("12")
    keys.tab_to("Year")
    keys.type("2026")
    keys.follow("Save the meeting")

    visitor.heading(pupil)
    expect(page.get_by_text("1 meeting held this year")).to_be_visible()
    keys.tab_to("25 November 2026: in person")
    keys.press("Enter")  # a <summary> opens with Enter
    expect(page.get_by_text("Ear defenders for assemblies; a quiet space at lunch")).to_be_visible()
    expect(page.get_by_text("Assemblies are too loud")).to_be_visible()
