"""Serve SEN Track on loopback for the browser journeys, in a process of its own.

    python -m tests.browser.serve DATABASE_URL [YYYY-MM-DD]

Binds a free port on 127.0.0.1, prints it on the first line of standard output, and serves the
app with werkzeug's threaded server until it is stopped. The app runs with the testing settings
(SQLite or PostgreSQL as given, no email, the clock stood on the suite's date, passwords hashed at
the suite's strength as the seeded ones are: tests/hashing.py) but as a real server would: CSRF
protection on, errors answered by the app's own error pages.
"""

from __future__ import annotations

import os
import sys
from datetime import date, timedelta

from werkzeug.serving import make_server

from sentrack import create_app
from tests.hashing import use_test_strength

TODAY = date(2026, 11, 27)  # the suite's date (tests/conftest.py)


def build_app(database_url: str, today: date = TODAY):
    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "TODAY": today, "TESTING": False, "WTF_CSRF_ENABLED": True}
    idle = os.environ.get("SENTRACK_IDLE_SECONDS")  # a server whose sessions time out in seconds
    if idle:
        settings["SESSION_IDLE_TIMEOUT"] = timedelta(seconds=int(idle))
    return create_app(settings, config_name="testing")


def main() -> None:
    database_url, *day = sys.argv[1:]
    use_test_strength()
    app = build_app(database_url, date.fromisoformat(day[0]) if day else TODAY)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
