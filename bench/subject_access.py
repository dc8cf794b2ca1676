"""Time the subject access export of one pupil with five years of records: the demo school's
pupil with the most timeline events, given five years of history before the demo's (three closed
support cycles a year, each with an assessment, a plan, four outcomes, ten observations and a
review; three meetings with parents a year with their actions; thirty timeline events, two
concerns and three hundred audit rows a year). Built, timed and rolled back in one transaction,
so the bench can run again on the same data. Prints one line of JSON: counts, bytes and seconds,
never a pupil's details.

Run by bench/run.py with the bench configuration and SENTRACK_TODAY set to the demo's date.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sentrack import create_app  # noqa: E402
from sentrack.clock import today  # noqa: E402
from sentrack.extensions import db  # noqa: E402
from sentrack.models import (  # noqa: E402
    AreaOfNeed,
    Assessment,
    AuditEvent,
    Concern,
    CycleState,
    MeetingAction,
    MeetingMode,
    Observation,
    Outcome,
    ParentMeeting,
    Plan,
    Pupil,
    Review,
    ReviewDecision,
    School,
    SupportCycle,
    TimelineEvent,
)
from sentrack.workflows.pupil_data import PUPIL_TABLES  # noqa: E402
from sentrack.workflows.subject_access_export import build_export  # noqa: E402

YEARS = 5


def _cycle(pupil: Pupil, number: int, opened: date) -> None:
    cycle = SupportCycle(
        pupil_id=pupil.id, number=number, state=CycleState.CLOSED, opened_on=opened, closed_on=opened + timedelta(70)
    )
    db.session.add(cycle)
    db.session.flush()
    db.session.add(Assessment(cycle_id=cycle.id, strengths="S", difficulties="D", evidence="E", assessed_on=opened))
    db.session.add(Plan(cycle_id=cycle.id, starts_on=opened + timedelta(7), provision="Daily phonics"))
    db.session.add(
        Review(
            cycle_id=cycle.id,
            held_on=opened + timedelta(63),
            decision=ReviewDecision.CONTINUE,
            recorded_at=datetime.combine(opened + timedelta(63), datetime.min.time(), UTC),
        )
    )
    for n in range(4):
        db.session.add(
            Outcome(
                cycle_id=cycle.id,
                position=n + 1,
                description=f"Outcome {n + 1}",
                success_criteria="Criteria",
                area_of_need=AreaOfNeed.COGNITION,
                target_date=opened + timedelta(60),
            )
        )
    for n in range(10):
        db.session.add(Observation(cycle_id=cycle.id, observed_on=opened + timedelta(7 + 5 * n), note="Seen"))


def _year(pupil: Pupil, start: date, first_number: int) -> None:
    for n in range(3):
        _cycle(pupil, first_number + n, start + timedelta(days=90 * n))
    for n in range(3):
        meeting = ParentMeeting(
            pupil_id=pupil.id,
            mode=MeetingMode.IN_PERSON,
            held_on=start + timedelta(days=30 + 90 * n),
            pupil_views="Views",
            discussion="Discussed",
        )
        db.session.add(meeting)
        db.session.flush()
        for k in range(3):
            db.session.add(
                MeetingAction(meeting_id=meeting.id, position=k + 1, what="Act", owner_name="SENCO", due_on=start)
            )
    for n in range(30):
        db.session.add(
            TimelineEvent(pupil_id=pupil.id, kind="note", title="Note", effective_on=start + timedelta(days=10 * n))
        )
    for _ in range(2):
        db.session.add(
            Concern(pupil_id=pupil.id, raised_on=start, description="Concern", deadline=start + timedelta(days=28))
        )
    moment = datetime.combine(start, datetime.min.time(), UTC)
    db.session.add_all(
        AuditEvent(action="pupil_viewed", pupil_id=pupil.id, school_id=pupil.school_id, occurred_at=moment)
        for _ in range(300)
    )


def main() -> None:
    app = create_app()
    with app.app_context():
        school_id = db.session.scalar(sa.select(School.id).order_by(School.id).limit(1))
        pupil_id = db.session.scalar(
            sa.select(TimelineEvent.pupil_id)
            .join(Pupil, Pupil.id == TimelineEvent.pupil_id)
            .where(Pupil.school_id == school_id)
            .group_by(TimelineEvent.pupil_id)
            .order_by(sa.func.count().desc(), TimelineEvent.pupil_id)
            .limit(1)
        )
        pupil = db.session.get(Pupil, pupil_id)
        first = (
            db.session.scalar(sa.select(sa.func.max(SupportCycle.number)).where(SupportCycle.pupil_id == pupil_id)) or 0
        ) + 1
        for year in range(YEARS):
            _year(pupil, date(today().year - YEARS - 1 + year, 9, 10), first + 3 * year)
        db.session.flush()
        rows = sum(
            db.session.scalar(sa.select(sa.func.count()).select_from(entry.rows_of(pupil_id).subquery()))
            for entry in PUPIL_TABLES
        )
        started = time.perf_counter()
        content = build_export(db.session, pupil, made_on=today())
        seconds = round(time.perf_counter() - started, 2)
        db.session.rollback()
        print(json.dumps({"years": YEARS, "rows": rows, "bytes": len(content), "seconds": seconds}))


if __name__ == "__main__":
    main()
