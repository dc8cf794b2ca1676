"""Browser journeys: SEN Track served on loopback by a real server, driven by a real Chromium.

- The app runs in its own process (tests/browser/serve.py) against a database of its own,
  migrated and seeded here (tests/browser/seed.py) and committed: a SQLite file in a temporary
  folder, or, when SENTRACK_TEST_DATABASE_URL names a PostgreSQL server, a database created on
  it for this run and dropped afterwards.
- Chromium: SENTRACK_CHROMIUM (set by `make test` from scripts/find-chromium), else a `chromium`
  on the PATH, else Playwright's own download. Without one the tests fail, with what to do.
- Every page a journey is shown is checked with axe-core (tests/browser/support.py); a test
  that leaves a page unchecked fails.
- When a step fails, a screenshot and the HTML of each open page are saved in test-results/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date
from pathlib import Path

import pytest
from flask_migrate import upgrade
from playwright.sync_api import expect

from sentrack import create_app
from sentrack.extensions import db
from tests.browser import seed as seeding
from tests.browser.support import CHECKED_PAGES, ROOT, Visitor, axe_source
from tests.helpers import own_postgresql_database

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RESULTS = ROOT / "test-results"
_VISITORS = pytest.StashKey[list]()
_SERVER_LOG: list[Path] = []  # the served apps' logs, quoted in the report of a failed test
# The database each served app uses, by its base URL: a journey may read what the app recorded.
SERVED_DATABASES: dict[str, str] = {}
SUMMER_TERM_DAY = date(2027, 7, 20)  # the clock of the server on which the year end runs
# Generous waits: CI machines are shared, and a wait only costs time when a step fails.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(autouse=True)
def _isolated():
    """The suite's per-test transaction does not apply: the browser talks to another process,
    which sees only what is committed. The journeys each work on their own records instead."""
    yield


# --- Chromium ---------------------------------------------------------------------------------


def find_chromium() -> str:
    named = os.environ.get("SENTRACK_CHROMIUM")
    if named:
        if not (os.path.isfile(named) and os.access(named, os.X_OK)):
            pytest.fail(f"SENTRACK_CHROMIUM is {named!r}, which is not an executable file.", pytrace=False)
        return named
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        downloaded = playwright.chromium.executable_path
    if downloaded and os.path.isfile(downloaded):
        return downloaded
    pytest.fail(
        "The browser tests need Chromium and found none: no SENTRACK_CHROMIUM, no `chromium` on "
        "the PATH and no Playwright download. Run `make test` (scripts/find-chromium installs "
        "Debian's chromium when run as root, or Playwright's), or install one with "
        "`apt-get install chromium` or `.venv/bin/python -m playwright install chromium`.",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": find_chromium(), "args": CHROMIUM_ARGS}


# --- The app, served ----------------------------------------------------------------------------


def _database_url(stack: ExitStack, folder: Path, name: str) -> str:
    url = os.environ.get("SENTRACK_TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{folder / f'{name}.sqlite'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgresql"):
        url = stack.enter_context(own_postgresql_database(url, f"{name.replace('-', '_')}_{os.getpid()}"))
    return url


def _migrate_and_seed(url: str) -> seeding.Cast:
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
                connection.exec_driver_sql("CREATE SCHEMA public")
        upgrade()
        cast = seeding.seed(db.session)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return cast


@contextmanager
def _serve(
    folder: Path, name: str, today: date | None = None, idle_seconds: int | None = None
) -> Iterator[tuple[str, seeding.Cast]]:
    """(base URL, cast): the app serving a database of its own, migrated and seeded, on
    127.0.0.1, its clock on `today` (else the suite's date), its sessions timing out after
    `idle_seconds` when given; stopped on leaving."""
    with ExitStack() as stack:
        url = _database_url(stack, folder, name)
        cast = _migrate_and_seed(url)
        log_path = folder / f"{name}.log"
        log = stack.enter_context(open(log_path, "w+", encoding="utf-8"))
        _SERVER_LOG.append(log_path)
        server = subprocess.Popen(
            [sys.executable, "-m", "tests.browser.serve", url, *([today.isoformat()] if today else [])],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            env={
                **os.environ,
                "SENTRACK_CONFIG": "testing",
                **({"SENTRACK_IDLE_SECONDS": str(idle_seconds)} if idle_seconds else {}),
            },
        )
        try:
            port = server.stdout.readline().strip()
            if not port.isdigit():
                server.wait(timeout=10)
                log.seek(0)
                pytest.fail(f"the app did not start:\n{log.read()[-3000:]}", pytrace=False)
            SERVED_DATABASES[f"http://127.0.0.1:{port}"] = url
            yield f"http://127.0.0.1:{port}", cast
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            server.stdout.close()


@pytest.fixture(scope="session")
def served(tmp_path_factory):
    """(base URL, cast): the app serving its own seeded database on 127.0.0.1."""
    with _serve(tmp_path_factory.mktemp("browser"), "sentrack-browser") as found:
        yield found


@pytest.fixture(scope="session")
def served_in_july(tmp_path_factory):
    """(base URL, cast): another server, on another database seeded alike, whose clock stands on
    20 July 2027, in the last weeks of the summer term, when the year end may run. For the year-end
    journey alone: what it changes, no other journey sees."""
    with _serve(tmp_path_factory.mktemp("browser-july"), "sentrack-browser-july", SUMMER_TERM_DAY) as found:
        yield found


@pytest.fixture(scope="session")
def base_url(served) -> str:
    return served[0]


@pytest.fixture(scope="session")
def cast(served) -> seeding.Cast:
    return served[1]


@pytest.fixture(scope="session")
def axe() -> str:
    try:
        return axe_source()
    except FileNotFoundError as error:
        pytest.fail(str(error), pytrace=False)


# --- Visitors -----------------------------------------------------------------------------------


def _visitors(request, browser, base_url: str, axe: str):
    """`make(**context_options)` making visitors of the app at `base_url`; on leaving, the
    contexts closed and the test failed if any page shown was left unchecked."""
    visitors: list[Visitor] = request.node.stash.setdefault(_VISITORS, [])
    contexts = []

    def make(**options) -> Visitor:
        options = {"viewport": {"width": 1280, "height": 900}, **options}
        context = browser.new_context(base_url=base_url, locale="en-GB", **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        visitor = Visitor(context.new_page(), axe)
        visitors.append(visitor)
        return visitor

    yield make
    unchecked = [pattern for visitor in visitors for pattern in visitor.unchecked()]
    for context in contexts:
        context.close()
    assert not unchecked, f"pages shown but not checked with axe-core: {unchecked}"


@pytest.fixture
def new_visitor(request, browser, base_url, axe):
    """`new_visitor(**context_options)`: a page in a browser context of its own (its own
    cookies), at a desktop size unless the options say otherwise."""
    yield from _visitors(request, browser, base_url, axe)


@pytest.fixture
def july_visitor(request, browser, served_in_july, axe):
    """`july_visitor(**context_options)`: as `new_visitor`, of the server whose clock stands on
    20 July 2027 (`served_in_july`)."""
    yield from _visitors(request, browser, served_in_july[0], axe)


@pytest.fixture(scope="session")
def july_cast(served_in_july) -> seeding.Cast:
    return served_in_july[1]


@pytest.fixture
def visitor(new_visitor) -> Visitor:
    return new_visitor()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        folder = RESULTS / re.sub(r"[^A-Za-z0-9_.-]+", "-", item.nodeid).strip("-")
        for number, visitor in enumerate(item.stash.get(_VISITORS, []), start=1):
            page = visitor.page
            if page.is_closed():
                continue
            folder.mkdir(parents=True, exist_ok=True)
            try:
                page.screenshot(path=str(folder / f"page-{number}.png"), full_page=True)
                (folder / f"page-{number}.html").write_text(page.content(), encoding="utf-8")
            except Exception as error:  # the page may have crashed: report, do not hide the failure
                report.sections.append(("browser artifacts", f"could not save page {number}: {error}"))
            else:
                report.sections.append(
                    ("browser artifacts", f"saved {folder.relative_to(ROOT)}/page-{number}.png and .html")
                )
        for log in _SERVER_LOG:
            if log.is_file():
                tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]
                report.sections.append((f"served app's log {log.name} (last lines)", "\n".join(tail)))
    return report


def pytest_terminal_summary(terminalreporter):
    if not CHECKED_PAGES:
        return
    RESULTS.mkdir(exist_ok=True)
    lines = [f"{count:4}  {pattern}" for pattern, count in sorted(CHECKED_PAGES.items())]
    (RESULTS / "axe-pages.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    terminalreporter.write_sep(
        "-", f"axe-core checked {len(CHECKED_PAGES)} pages ({sum(CHECKED_PAGES.values())} checks)"
    )
    for line in lines:
        terminalreporter.write_line(line)
