"""Issue 5's proof: reminders go out exactly once through a real SMTP server, however often the
sweep and the scheduler run, a skipped week is caught up, and a pupil's parent engagement moves
through a school year on the demo data with the tasks reaching the right people."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from sentrack.demo import build_demo
from sentrack.digest import gather, send_due_digests
from sentrack.models import (
    Duty,
    Notification,
    Provision,
    Pupil,
    Role,
    SenStatus,
    Task,
    User,
    group_pupils,
    group_teachers,
)
from sentrack.models.meetings import MeetingMode
from sentrack.outbox import SMTPMailer
from sentrack.workflows.concerns import raise_concern
from sentrack.workflows.engagement import Engagement, engagement_for_school
from sentrack.workflows.meetings import MeetingDetails, record_meeting
from sentrack.workflows.sweep import run_sweep
from tests.conftest import TODAY
from tests.helpers import email_text, smtp_server

SENDER = "SEN Track <no-reply@sentrack.invalid>"


def _send(session, port, moment):
    mailer = SMTPMailer(host="127.0.0.1", port=port, username=None, password=None, use_tls=False, timeout=5)
    return send_due_digests(session, mailer=mailer, now=moment, sender=SENDER, base_url="https://sentrack.example")


def _task_keys(session) -> set[tuple]:
    return set(
        session.execute(
            sa.select(Duty.code, Task.subject_type, Task.subject_id, Task.period).join(Duty, Duty.id == Task.duty_id)
        ).all()
    )


def test_one_sweep_emails_each_reminder_exactly_once_and_repeats_send_nothing(session, world):
    """The sweep's reminders go in each person's daily email (the default): one email per person,
    listing each of their reminders once; a second sweep, a second run of the daily email and a
    restarted sender send nothing more."""
    moment = datetime(2026, 11, 27, 7, 0, tzinfo=UTC)
    swept = run_sweep(session, TODAY)
    reminders = session.execute(
        sa.select(User.email, Notification.id).join(Notification, Notification.recipient_id == User.id)
    ).all()
    expected = sorted({email for email, _ in reminders})
    assert swept.notifications_created == len(reminders) > len(expected) > 0

    with smtp_server() as (port, inbox):
        assert gather(session, day=TODAY, now=moment) == len(expected)
        first = _send(session, port, moment)
        second_sweep = run_sweep(session, TODAY)
        regathered = gather(session, day=TODAY, now=moment + timedelta(minutes=1))
        second_send = _send(session, port, moment + timedelta(minutes=1))
        restarted = _send(session, port, moment + timedelta(minutes=2))  # a new mailer, as after a restart

    assert first.sent == len(expected)
    assert sorted(message.rcpt_tos[0] for message in inbox.messages) == expected
    listed = [re.findall(r"/notifications/(\d+)\s", email_text(message)) for message in inbox.messages]
    assert sorted(int(n) for links in listed for n in links) == sorted(n for _, n in reminders)
    names = [f"{p.first_name} {p.last_name}" for p in world.pupils.values()]
    for message in inbox.messages:
        text = email_text(message)
        assert "(due by " in text and "once you have signed in" in text
        assert not any(name in text for name in names), text
    assert (second_sweep.tasks_created, second_sweep.notifications_created, regathered) == (0, 0, 0)
    assert (second_send.sent, restarted.sent) == (0, 0)


def test_the_scheduler_run_twice_sends_nothing_the_second_time(app, session, world):
    runner = app.test_cli_runner()
    saved = {key: app.config[key] for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    with smtp_server() as (port, inbox):
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
        try:
            first = runner.invoke(args=["scheduler", "--once"])
            count_after_first = len(inbox.messages)
            second = runner.invoke(args=["scheduler", "--once"])
        finally:
            app.config.update(saved)

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    recipients = session.scalar(sa.select(sa.func.count(sa.distinct(Notification.recipient_id))))
    assert count_after_first == recipients > 0  # one daily email each
    assert len(inbox.messages) == count_after_first
    assert "Outbox: {'sent': 0" in second.output and "Daily email: {'made': 0, 'sent': 0" in second.output


def test_a_skipped_week_is_caught_up_with_what_daily_sweeps_would_have_made(session, world):
    start = TODAY
    # A concern whose decision falls due in the middle of the week the scheduler misses.
    raise_concern(
        session,
        actor=world.users["teacher"],
        pupil=world.pupils["taught_plain"],
        raised_on=start - timedelta(days=25),
        area_of_need=None,
        description="Struggles to follow reading",
        today=start,
    )
    days = [start + timedelta(days=n) for n in range(8)]

    daily = session.begin_nested()
    for day in days:
        run_sweep(session, day)
    every_day = _task_keys(session)
    daily.rollback()

    run_sweep(session, days[0])
    run_sweep(session, days[-1])
    after_the_gap = _task_keys(session)

    assert after_the_gap == every_day
    assert any(code == "senco_decides_concern" for code, *_ in after_the_gap)


# --- A school year on the demo data -------------------------------------------------------------


@pytest.fixture
def demo_school(session):
    """The demo primary as it stands on the first day of the school year 2026/27."""
    build_demo(session, today=date(2026, 9, 1), seed=7, schools=1, pupils_per_school=140)
    session.flush()
    return session.scalar(sa.select(Pupil.school_id).limit(1))


def _pupil_on_support_with_a_teacher(session, school_id: int) -> tuple[Pupil, User]:
    row = session.execute(
        sa.select(Pupil, User)
        .join(SenStatus, sa.and_(SenStatus.pupil_id == Pupil.id, SenStatus.end_date.is_(None)))
        .join(group_pupils, group_pupils.c.pupil_id == Pupil.id)
        .join(group_teachers, group_teachers.c.group_id == group_pupils.c.group_id)
        .join(User, User.id == group_teachers.c.user_id)
        .where(
            Pupil.school_id == school_id,
            SenStatus.provision == Provision.SEN_SUPPORT,
            SenStatus.start_date < date(2026, 7, 1),
        )
        .order_by(Pupil.id)
        .limit(1)
    ).first()
    assert row is not None
    return row


def _status(session, school_id, pupil, on: date):
    from sentrack.models import School

    return engagement_for_school(session, session.get(School, school_id), on)[pupil.id]


def test_a_pupils_parent_engagement_through_the_year_and_the_tasks_it_gives(session, demo_school):
    pupil, teacher = _pupil_on_support_with_a_teacher(session, demo_school)
    head = session.scalar(
        sa.select(User)
        .join(User.role_assignments)
        .where(User.school_id == demo_school, User.active)
        .where(User.role_assignments.any(role=Role.HEAD))
    )

    # The demo school's autumn term (3 Sep to 18 Dec): nothing required yet, and the term ends more
    # than 21 days away.
    assert _status(session, demo_school, pupil, date(2026, 9, 15)).status is Engagement.ON_TRACK
    # Within 21 days of the end of a term that counts, with no meeting this year: due.
    december = _status(session, demo_school, pupil, date(2026, 12, 15))
    assert (december.status, december.required, december.held) == (Engagement.DUE, 0, 0)
    run_sweep(session, date(2026, 12, 15))
    meet = session.scalar(
        sa.select(Task)
        .join(Duty, Duty.id == Task.duty_id)
        .where(Duty.code == "teacher_meets_parents", Task.pupil_id == pupil.id)
    )
    assert (meet.assigned_to_id, meet.due_on) == (teacher.id, date(2026, 12, 18))

    # The autumn term ended without a meeting: overdue, and the head is told that week.
    january = _status(session, demo_school, pupil, date(2027, 1, 5))
    assert (january.status, january.required, january.held) == (Engagement.OVERDUE, 1, 0)
    run_sweep(session, date(2027, 1, 5))
    notice = session.scalar(
        sa.select(Task)
        .join(Duty, Duty.id == Task.duty_id)
        .where(Duty.code == "head_told_engagement_overdue", Task.school_id == demo_school)
    )
    assert notice.assigned_to_id == head.id and notice.period == "week:2027-W01"

    # The class teacher meets the parents: back on track.
    record_meeting(
        session,
        actor=teacher,
        pupil=pupil,
        today=date(2027, 1, 8),
        details=MeetingDetails(
            held_on=date(2027, 1, 8),
            mode=MeetingMode.IN_PERSON,
            led_by_id=teacher.id,
            attendees="Mother, class teacher",
            pupil_views="Likes the reading group",
            outcomes="Agreed reading at home",
            actions="Send home the word list",
            shared_with_parents_on=date(2027, 1, 8),
        ),
    )
    after = _status(session, demo_school, pupil, date(2027, 1, 10))
    assert (after.status, after.required, after.held) == (Engagement.ON_TRACK, 1, 1)
    # Near the end of the spring term the second meeting falls due.
    march = _status(session, demo_school, pupil, date(2027, 3, 20))
    assert (march.status, march.required, march.held) == (Engagement.DUE, 1, 1)
