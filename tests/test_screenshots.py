"""The README's screenshots (`make screenshots`, scripts/screenshots.py): each shot names a page
the app serves, and the committed pictures exist and stay small. Taking them is never part of the
suite."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from sentrack.demo.staff import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 300 * 1024


def _script():
    spec = importlib.util.spec_from_file_location("screenshots", ROOT / "scripts" / "screenshots.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up by name
    spec.loader.exec_module(sys.modules[spec.name])
    module = sys.modules[spec.name]
    return module


def test_each_shot_is_of_a_page_the_app_serves(app):
    script = _script()
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}

    assert [shot.endpoint for shot in script.SHOTS if shot.endpoint not in endpoints] == []
    assert len({shot.file for shot in script.SHOTS}) == len(script.SHOTS)
    assert script.PASSWORD == DEMO_PASSWORD


def test_the_pictures_are_committed_small_and_shown_in_the_readme():
    script = _script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    for shot in script.SHOTS:
        picture = script.IMAGES / shot.file
        assert picture.is_file(), f"{shot.file}: run `make screenshots`"
        assert picture.stat().st_size < MAX_BYTES, shot.file
        assert f"](docs/images/{shot.file})" in readme, shot.file
