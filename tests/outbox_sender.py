"""A sender of the outbox in a process of its own, for the tests that run several at once or kill
one part way (tests/test_outbox.py):

    python -m tests.outbox_sender DATABASE_URL SMTP_PORT NOW_ISO

sends every pending email due at NOW through the SMTP server on loopback SMTP_PORT, as the
scheduler's outbox job does, and prints how many it sent."""

from __future__ import annotations

import sys
from datetime import datetime


def main(url: str, port: int, now: datetime) -> None:
    from sentrack import create_app
    from sentrack.extensions import db
    from sentrack.outbox import SMTPMailer, send_due

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        mailer = SMTPMailer(host="127.0.0.1", port=port, username=None, password=None, use_tls=False, timeout=60)
        summary = send_due(
            db.session,
            mailer=mailer,
            now=now,
            sender="SEN Track <no-reply@sentrack.invalid>",
            base_url="https://sentrack.example.sch.uk",
        )
        db.session.remove()
    print(f"sent {summary.sent} taken elsewhere {summary.taken_elsewhere}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), datetime.fromisoformat(sys.argv[3]))
