#!/usr/bin/env python3
"""The README's screenshots, taken from the demo: `make screenshots` runs this.

Builds the demo school year in a SQLite database in a temporary folder (`flask db upgrade` and
`flask demo`, as `make run` does, dated today or `SENTRACK_TODAY`), serves it on 127.0.0.1 in
this process, signs in with Playwright in Chromium (`SENTRACK_CHROMIUM`, else what
scripts/find-chromium gives) and writes one PNG per shot into docs/images/. The tests never run
it; tests/test_screenshots.py checks that each shot names a real page and that the PNGs stay small.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from any folder: the app's package is at the root
IMAGES = ROOT / "docs" / "images"
PASSWORD = "sentrack-demo"
VIEWPORT = {"width": 1280, "height": 860}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Shot:
    """One screenshot: the file it is written to, who signs in, the page (a route's endpoint;
    `cycles.show` is given the demo pupil whose plan is running) and what it shows, for the alt
    text."""

    file: str
    email: str
    endpoint: str
    alt: str


SHOTS = (
    Shot(
        "senco-home.png",
        "senco@demo.test",
        "main.home",
        "The SENCO's home page: concerns past their deadline, reviews due, letters to send and tasks",
    ),
    Shot(
        "support-cycle.png",
        "senco@demo.test",
        "cycles.show",
        "A pupil's support cycle at 'do' of assess, plan, do and review, with its next step",
    ),
    Shot(
        "head-dashboard.png",
        "head@demo.test",
        "dashboard.index",
        "The head teacher's compliance dashboard: what is on track, due and overdue",
    ),
)


def chromium() -> str:
    named = os.environ.get("SENTRACK_CHROMIUM")
    if named:
        return named
    return subprocess.run(
        [str(ROOT / "scripts" / "find-chromium")], check=True, capture_output=True, text=True
    ).stdout.strip()


def build_demo(database_url: str) -> None:
    """The database migrated and the demo loaded, by the commands a newcomer runs."""
    env = {**os.environ, "DATABASE_URL": database_url, "SENTRACK_CONFIG": "development"}
    for command in (["db", "upgrade"], ["demo"]):
        subprocess.run([sys.executable, "-m", "flask", "--app", "sentrack", *command], check=True, cwd=ROOT, env=env)


def serve(database_url: str):
    """The app on a free port of 127.0.0.1, in a thread; returns (base URL, app, server)."""
    from werkzeug.serving import make_server

    from sentrack import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, config_name="development")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", app, server


def running_cycle_path(app) -> str:
    """The address of a running support cycle (at 'do') of the demo school, a first cycle if any."""
    import sqlalchemy as sa
    from flask import url_for

    from sentrack.extensions import db
    from sentrack.models import CycleState, Pupil, SupportCycle

    with app.app_context():
        pupil, number = db.session.execute(
            sa.select(Pupil, SupportCycle.number)
            .join(SupportCycle, SupportCycle.pupil_id == Pupil.id)
            .where(SupportCycle.state == CycleState.DO, Pupil.left_on.is_(None))
            .order_by(Pupil.school_id, SupportCycle.number, Pupil.last_name, Pupil.id)
            .limit(1)
        ).one()
        with app.test_request_context():
            return url_for("cycles.show", public_id=pupil.public_id, number=number)


def page_path(app, shot: Shot) -> str:
    from flask import url_for

    if shot.endpoint == "cycles.show":
        return running_cycle_path(app)
    with app.test_request_context():
        return url_for(shot.endpoint)


def take(base_url: str, app, shots=SHOTS) -> list[Path]:
    from playwright.sync_api import sync_playwright

    IMAGES.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        for shot in shots:
            context = browser.new_context(base_url=base_url, viewport=VIEWPORT, locale="en-GB")
            page = context.new_page()
            page.goto("/sign-in")
            page.get_by_label("Email address").fill(shot.email)
            page.get_by_label("Password", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.wait_for_load_state("load")
            page.goto(page_path(app, shot))
            page.wait_for_load_state("networkidle")
            path = IMAGES / shot.file
            page.screenshot(path=str(path))
            written.append(path)
            context.close()
        browser.close()
    return written


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="sentrack-screenshots-") as folder:
        database_url = f"sqlite:///{Path(folder) / 'demo.sqlite'}"
        build_demo(database_url)
        base_url, app, server = serve(database_url)
        try:
            for path in take(base_url, app):
                print(f"{path.relative_to(ROOT)}: {path.stat().st_size // 1024} KB")
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
