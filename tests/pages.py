"""Pages as a reader sees them: a response parsed once, with the questions tests ask of it.

`client.page(url)` and `client.post_page(url, data=...)` (see conftest) return a `Page` that has
already checked the status code, that the page has a title, and that no id is used twice. Tests
then ask for elements by CSS selector, a table's rows, a summary list, a field's error message or
the messages flashed at the top, instead of searching the HTML for substrings.
"""

from __future__ import annotations

import re
from collections import Counter

from bs4 import BeautifulSoup, Tag

_PUPIL_LINK = re.compile(r"/pupils/([0-9a-f]{24})")


def words(element: Tag | None) -> str:
    """The visible text of `element` with runs of white space as one space ("" for None)."""
    if element is None:
        return ""
    return " ".join(element.get_text(" ").split())


class Html:
    """HTML parsed once, with the questions tests ask of a page; nothing checked on the way in."""

    def __init__(self, html: str):
        self.html = html
        self.soup = BeautifulSoup(html, "html.parser")

    @property
    def title(self) -> str:
        return words(self.soup.title)

    def one(self, selector: str) -> Tag:
        """The one element `selector` matches; fails when it matches none or several."""
        found = self.soup.select(selector)
        assert len(found) == 1, f"{selector!r} matches {len(found)} elements, not 1"
        return found[0]

    def all(self, selector: str) -> list[Tag]:
        return self.soup.select(selector)

    def has(self, selector: str) -> bool:
        return self.soup.select_one(selector) is not None

    def text(self, selector: str | None = None) -> str:
        """The visible text of the one element `selector` matches, or of the whole page's body."""
        if selector is None:
            return words(self.soup.body or self.soup)
        return words(self.one(selector))

    def texts(self, selector: str) -> list[str]:
        """The visible text of every element `selector` matches, in page order."""
        return [words(element) for element in self.soup.select(selector)]

    def field_error(self, field_id: str) -> str | None:
        """The GOV.UK error message beside the field with `field_id` (without "Error:"), or None.

        GOV.UK Frontend writes it as `<p id="FIELD-error" class="govuk-error-message">`, which the
        field's aria-describedby names, so finding it by id is finding it beside that field."""
        element = self.soup.find(id=f"{field_id}-error")
        if element is None or "govuk-error-message" not in element.get("class", []):
            return None
        return " ".join(element.get_text().replace("Error:", "", 1).split())

    def error_summary(self) -> list[str]:
        """The messages listed in the error summary at the top of the page."""
        return self.texts(".govuk-error-summary__list li")

    def _table(self, caption_or_selector: str) -> Tag:
        by_caption = [table for table in self.soup.select("table") if words(table.caption) == caption_or_selector]
        if by_caption:
            assert len(by_caption) == 1, f"{len(by_caption)} tables have the caption {caption_or_selector!r}"
            return by_caption[0]
        element = self.one(caption_or_selector)
        return element if element.name == "table" else element.select_one("table")

    def table(self, caption_or_selector: str) -> list[list[str]]:
        """The body rows of the table with this caption (or matched by this selector), as cell texts."""
        table = self._table(caption_or_selector)
        rows = table.select("tbody tr") or [row for row in table.select("tr") if row.find_parent("thead") is None]
        return [[words(cell) for cell in row.find_all(["th", "td"])] for row in rows]

    def table_head(self, caption_or_selector: str) -> list[str]:
        """The column headings of the table with this caption (or matched by this selector)."""
        return [words(cell) for cell in self._table(caption_or_selector).select("thead th")]

    def summary(self, selector: str | None = None) -> dict[str, str]:
        """Key -> value text of the summary lists on the page (or inside the one element `selector` matches)."""
        scope = self.soup if selector is None else self.one(selector)
        return {
            words(row.select_one(".govuk-summary-list__key")): words(row.select_one(".govuk-summary-list__value"))
            for row in scope.select(".govuk-summary-list__row")
        }

    def flashes(self) -> list[str]:
        """The messages flashed at the top of the page, in order (banner title left out)."""
        return [
            words(banner.select_one(".govuk-notification-banner__content"))
            for banner in self.soup.select(".govuk-notification-banner")
            if str(banner.get("aria-labelledby", "")).startswith("flash-title-")
        ]

    def links(self, selector: str | None = None) -> list[str]:
        """The href of every link on the page (or inside the one element `selector` matches), in order."""
        scope = self.soup if selector is None else self.one(selector)
        return [link["href"] for link in scope.select("a[href]")]

    def link_texts(self) -> dict[str, str]:
        """Link text -> href for every link on the page (the last link wins when two share a text)."""
        return {words(link): link["href"] for link in self.soup.select("a[href]")}

    def csrf_token(self) -> str:
        """The CSRF token of the page's first form that carries one."""
        field = self.soup.select_one('input[name="csrf_token"]')
        assert field is not None, "no CSRF token on the page"
        return field["value"]

    def submission_token(self, action: str | None = None) -> str:
        """The one-time submission token of the form posting to `action`, or of the page's first
        form that carries one. Fails when there is none."""
        for form in self.soup.select("form"):
            if action is not None and form.get("action") != action:
                continue
            field = form.select_one('input[name="submission_token"]')
            if field is not None:
                return field["value"]
        raise AssertionError(f"no form{' posting to ' + action if action else ''} with a submission token on the page")

    def value(self, name: str) -> str:
        """The value of the one input named `name` (a hidden version, say)."""
        return self.one(f'input[name="{name}"]').get("value", "")

    def pupil_links(self) -> list[str]:
        """The public ids of the pupils linked from the page, in page order, without repeats."""
        seen: list[str] = []
        for href in self.links():
            match = _PUPIL_LINK.fullmatch(href)
            if match and match.group(1) not in seen:
                seen.append(match.group(1))
        return seen

    def form(self, action: str) -> Tag:
        """The one form that posts to `action`."""
        return self.one(f'form[action="{action}"]')

    def buttons(self) -> list[str]:
        """The text of every button (submit buttons and links drawn as buttons), in page order."""
        return self.texts("button, .govuk-button")

    def __contains__(self, text: str) -> bool:
        """Whether the visible text of the page contains `text`."""
        return text in self.text()


class Page(Html):
    """One HTML response, parsed and checked: its status, a non-empty <title>, no id used twice.
    `repeats_allowed`: ids a known defect repeats."""

    def __init__(self, response, status: int | None = 200, repeats_allowed: frozenset[str] = frozenset()):
        if status is not None:
            assert response.status_code == status, (
                f"expected {status}, got {response.status_code} from {response.request.path}"
            )
        self.response = response
        super().__init__(response.get_data(as_text=True))
        assert self.soup.title is not None and words(self.soup.title), "the page has no <title>"
        ids = Counter(tag["id"] for tag in self.soup.find_all(id=True))
        repeated = [key for key, times in ids.items() if times > 1 and key not in repeats_allowed]
        assert not repeated, f"ids used more than once: {repeated}"

    @property
    def status(self) -> int:
        return self.response.status_code
