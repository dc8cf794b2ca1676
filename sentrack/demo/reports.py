"""The demo school's SEN information report for this year, in progress: its SENCO drafted it from
the school's figures some weeks ago and has written several of the other sections since, each
save a version in its history; the rest are still to write before it can be published. Written
through the report's own workflow (`sentrack.workflows.sen_report`), after the rest of the school."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack.demo.context import DemoContext
from sentrack.demo.roll import SchoolRoll
from sentrack.models import AuditEvent, RecordRevision, School, SenReport, User
from sentrack.workflows.sen_report import draft_report, save_report
from sentrack.workflows.terms import academic_year_bounds, academic_year_of

# The sections the SENCO has written so far, in the order written (one save each).
WRITTEN = (
    (
        "kinds_of_need",
        "We are a mainstream primary school and provide for pupils with needs in each of the four broad "
        "areas: communication and interaction (including autism and speech, language and communication "
        "needs); cognition and learning (including dyslexia and moderate learning difficulties); social, "
        "emotional and mental health; and sensory and physical needs.",
    ),
    (
        "identifying",
        "Class teachers raise a concern with the SENCO when a pupil is not making the progress expected, "
        "after high-quality teaching adapted to them. The SENCO decides within four weeks whether to "
        "assess the pupil's needs, with the parents, the pupil and any specialists who know them. There "
        "is no waiting list: a pupil having difficulties is assessed and helped.",
    ),
    (
        "pupils",
        "Pupils give their views before every review, in words, pictures or with an adult they trust, "
        "and their views are written into their plan. Older pupils come to their review meeting.",
    ),
    (
        "complaints",
        "Please speak first to your child's class teacher or to the SENCO. If you are not satisfied, "
        "the school's complaints policy, on our website, explains how to take it further, to the head "
        "teacher and then to the governing body.",
    ),
)


def _dated(session: Session, report: SenReport, days: list[date]) -> None:
    """Date the report's versions, and the audit of each, on the days the SENCO saved them (at a
    fixed time, drawing nothing from the build's generator) rather than at the moment the demo ran."""
    moments = [datetime.combine(day, time(15, 30 + number), tzinfo=UTC) for number, day in enumerate(days)]
    report.created_at = moments[0]
    for version, moment in enumerate(moments, start=1):
        session.execute(
            sa.update(RecordRevision)
            .where(
                RecordRevision.record_type == "sen_report",
                RecordRevision.record_id == report.id,
                RecordRevision.version == version,
            )
            .values(saved_at=moment)
        )
    events = session.scalars(
        sa.select(AuditEvent.id)
        .where(AuditEvent.object_type == "sen_report", AuditEvent.object_id == str(report.id))
        .order_by(AuditEvent.id)
    ).all()
    for event_id, moment in zip(events, moments, strict=True):
        session.execute(sa.update(AuditEvent).where(AuditEvent.id == event_id).values(occurred_at=moment))


def add_sen_report(session: Session, context: DemoContext, roll: SchoolRoll) -> None:
    """This year's report of the school, drafted from the figures three weeks ago (or on the first
    day of the year, if later) and written into since, up to today. Not published."""
    school = session.get(School, roll.school_id)
    senco = session.get(User, roll.senco_id)
    today = context.today
    drafted_on = max(today - timedelta(days=21), academic_year_bounds(today)[0])
    report = draft_report(
        session, school=school, academic_year=academic_year_of(today), report=None, today=drafted_on, actor=senco
    )
    session.flush()
    details = {key: getattr(report, key) for key in ("figures", "parents", "reviewing", "provision")}
    for key, text in WRITTEN:
        details[key] = text
        save_report(
            session,
            school=school,
            academic_year=report.academic_year,
            report=report,
            details=dict(details),
            expected_version=report.version,
            today=today,
            actor=senco,
        )
    step = (today - drafted_on) / (len(WRITTEN) + 1)
    _dated(session, report, [drafted_on] + [drafted_on + step * (n + 1) for n in range(len(WRITTEN))])
    session.flush()
    context.summary.sen_reports += 1
