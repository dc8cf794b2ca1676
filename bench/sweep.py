"""Time the daily sweep over every pupil, then a second sweep straight after, for the day after the
demo's (the scheduler's next morning); both run in one transaction that is rolled back, so the
bench can run again on the same data. Prints one line of JSON.

Run by bench/run.py with the bench configuration and SENTRACK_TODAY set to the demo's date.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sentrack import create_app  # noqa: E402
from sentrack.clock import today
from sentrack.extensions import db
from sentrack.models import Notification, Pupil, Task
from sentrack.workflows.sweep import run_sweep


def timed_sweep(day) -> dict:
    started = time.perf_counter()
    summary = run_sweep(db.session, day)
    db.session.flush()
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "tasks_created": summary.tasks_created,
        "notifications_created": summary.notifications_created,
        "tasks_moved": summary.tasks_moved,
        "tasks_cancelled": summary.tasks_cancelled,
    }


def main() -> None:
    app = create_app()
    with app.app_context():
        day = today() + timedelta(days=1)
        pupils = db.session.scalar(sa.select(sa.func.count(Pupil.id)))
        tasks_before = db.session.scalar(sa.select(sa.func.count(Task.id)))
        notifications_before = db.session.scalar(sa.select(sa.func.count(Notification.id)))
        first = timed_sweep(day)
        second = timed_sweep(day)
        db.session.rollback()
        print(
            json.dumps(
                {
                    "date": day.isoformat(),
                    "pupils": pupils,
                    "tasks_before": tasks_before,
                    "notifications_before": notifications_before,
                    "first": first,
                    "second": second,
                }
            )
        )


if __name__ == "__main__":
    main()
