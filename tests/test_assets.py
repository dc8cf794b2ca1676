"""The committed stylesheet is built from the committed SCSS: a class the SCSS styles that the built
CSS lacks means `npm run build` was not run after a change (or a merge left the SCSS broken)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCSS = ROOT / "sentrack" / "assets" / "sentrack.scss"
CSS = ROOT / "sentrack" / "static" / "css" / "sentrack.css"


def test_every_class_the_scss_styles_is_in_the_built_css():
    styled = set(re.findall(r"\.(app-[a-z0-9_-]+)", SCSS.read_text(encoding="utf-8")))
    built = set(re.findall(r"\.(app-[a-z0-9_-]+)", CSS.read_text(encoding="utf-8")))

    assert styled, "the SCSS styles no app- class: the pattern above no longer matches it"
    assert sorted(styled - built) == []


def test_neither_file_holds_merge_conflict_markers():
    for path in (SCSS, CSS):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^(<{7}|>{7}|={7})( |$)", text, re.M), path.name
