"""Every duty rule of the daily sweep at its boundaries: the day before, on and after each date that
matters (the day a task is first made, its due date, a term's first and last day, the 28 days a
term needs to count, the EHC anniversary less eight weeks, the phase transfer dates, 31 October,
14 days after an intervention ends, the weeks after which a record is stale), and the records that
must and must not count (a decided concern, a sent letter, a closed cycle, an ended SEN status, a
pupil who has left, an inactive member of staff). A task is made once per (duty, subject, period)
however often the sweep runs, and is overdue only from the day after its due date.

Expected dates are written out, not computed from the catalogue, so a wrong number there fails here.

The world (tests.factories): Oak Primary, with a SENCO, head, teacher (of 4 Oak), assistant and
governor; Ada Brook (K since 10 Sep 2025) in 4 Oak; Cara Dale (E) and Dev Ellis (K) in 4 Elm, which
has no teacher. Default terms: autumn 1 Sep to 31 Dec, spring 1 Jan to 31 Mar, summer 1 Apr to 31 Aug.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from sentrack.models import (
    AssessmentDecision,
    Concern,
    ConcernStatus,
    CycleState,
    Duty,
    EhcAdvice,
    MeetingMode,
    Notification,
    ParentLetter,
    PlanDecision,
    Provision,
    Pupil,
    ReviewKind,
    ReviewOutcome,
    Role,
    SchoolTerm,
    Season,
    SenStatus,
    Task,
    TaskStatus,
    TimelineEvent,
)
from sentrack.workflows.compliance import compliance_figures
from sentrack.workflows.interventions import ImpactResult, record_impact
from sentrack.workflows.meetings import MeetingDetails, record_meeting
from sentrack.workflows.sen_status import SEN_SUPPORT_LETTER
from sentrack.workflows.sweep import _insert_ignoring_duplicates, run_sweep
from sentrack.workflows.tasks import complete_task
from tests.factories import (
    REVIEW_DATE,
    drive_cycle,
    make_intervention,
    make_intervention_type,
    make_pupil,
    make_user,
)

TODAY = date(2026, 11, 27)
ONE = timedelta(days=1)
LONG_AGO = date(2025, 9, 10)  # the world's pupils were placed on the register then


# --- Helpers -----------------------------------------------------------------------------------------


def _sweep(session, day: date, *codes: str):
    summary = run_sweep(session, day, codes=list(codes))
    session.commit()
    return summary


def _tasks(session, code: str | None = None, **filters) -> list[Task]:
    session.expire_all()
    query = sa.select(Task).join(Duty, Duty.id == Task.duty_id)
    if code is not None:
        query = query.where(Duty.code == code)
    for name, value in filters.items():
        query = query.where(getattr(Task, name) == value)
    return list(session.scalars(query.order_by(Task.id)))


def _one(session, code: str, **filters) -> Task:
    found = _tasks(session, code, **filters)
    assert len(found) == 1, [(t.period, t.due_on, t.status) for t in found]
    return found[0]


def _codes_for(session, pupil: Pupil) -> set[str]:
    """The duties of every task about the pupil, whatever the task's status."""
    session.expire_all()
    return set(
        session.scalars(sa.select(Duty.code).join(Task, Task.duty_id == Duty.id).where(Task.pupil_id == pupil.id))
    )


def _stamp(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def _quiet_since(session, pupil: Pupil, day: date) -> None:
    """The pupil's record (row and timeline) last touched at noon on `day`."""
    session.execute(sa.update(TimelineEvent).where(TimelineEvent.pupil_id == pupil.id).values(recorded_at=_stamp(day)))
    session.execute(sa.update(Pupil).where(Pupil.id == pupil.id).values(updated_at=_stamp(day)))
    session.commit()


def _status(session, pupil: Pupil) -> SenStatus:
    return session.scalars(
        sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id).order_by(SenStatus.start_date)
    ).first()


def _letter(session, pupil: Pupil, created_on: date, sent_on: date | None = None) -> ParentLetter:
    letter = ParentLetter(
        pupil_id=pupil.id,
        sen_status_id=_status(session, pupil).id,
        kind=SEN_SUPPORT_LETTER,
        created_on=created_on,
        sent_on=sent_on,
    )
    session.add(letter)
    session.commit()
    return letter


def _concern(session, pupil: Pupil, raised_on: date, deadline: date, status=ConcernStatus.OPEN, decided_on=None):
    concern = Concern(
        pupil_id=pupil.id,
        raised_on=raised_on,
        description="Finds it hard to follow instructions",
        deadline=deadline,
        status=status,
        decided_on=decided_on,
    )
    session.add(concern)
    session.commit()
    return concern


# Every duty whose task is about one pupil on the register, and the ones the sweep can give the
# pupil of `_everything` below on 27 November 2026.
PUPIL_DUTIES = {
    "teacher_meets_parents",
    "teacher_acknowledges_passport",
    "senco_liaises_designated_teacher",
    "senco_supports_transition",
    "senco_keeps_records_current",
    "senco_holds_review",
    "senco_decides_concern",
    "senco_tells_parents",
}


def _everything(session, world) -> Pupil:
    """A pupil every pupil duty applies to on 27 November 2026: Year 6, looked after, on SEN support
    since 10 Sep 2025, in 4 Oak, with a plan whose review (2 Nov) is due, an open concern, an unsent
    letter to parents, and a record untouched since 1 Sep 2026."""
    pupil = make_pupil(
        session,
        world.school,
        first="Lee",
        last="Marsh",
        year=6,
        provision=Provision.SEN_SUPPORT,
        since=LONG_AGO,
        group=world.group,
    )
    pupil.looked_after = True
    pupil.admitted_on = date(2025, 9, 1)
    session.commit()
    drive_cycle(session, actor=world.users["senco"], pupil=pupil, to=CycleState.DO)
    session.commit()
    _concern(session, pupil, date(2026, 11, 20), date(2026, 12, 18))
    if not session.scalars(sa.select(ParentLetter).where(ParentLetter.pupil_id == pupil.id)).first():
        _letter(session, pupil, date(2026, 11, 20))
    _quiet_since(session, pupil, date(2026, 9, 1))
    return pupil


# --- Records that must and must not count, across every pupil duty ----------------------------------


def test_the_pupil_of_everything_gets_every_pupil_duty(session, world):
    """The control for the two tests after it: the same pupil, on the roll and on the register."""
    pupil = _everything(session, world)

    _sweep(session, TODAY, *PUPIL_DUTIES)

    assert _codes_for(session, pupil) == PUPIL_DUTIES
    assert all(t.status is TaskStatus.OPEN for t in _tasks(session, pupil_id=pupil.id))


@pytest.mark.parametrize(
    ("left_on", "expected"),
    [
        (TODAY + ONE, PUPIL_DUTIES),  # the day before leaving: still on the roll
        (TODAY, set()),  # the leaving date is the first day off the roll: nothing from that day
        (TODAY - ONE, set()),
    ],
)
def test_a_pupil_who_left_gets_nothing_from_the_leaving_date(session, world, left_on, expected):
    pupil = _everything(session, world)
    session.execute(sa.update(Pupil).where(Pupil.id == pupil.id).values(left_on=left_on, leaving_reason="Moved away"))
    session.commit()

    _sweep(session, TODAY, *PUPIL_DUTIES)

    assert _codes_for(session, pupil) == expected


@pytest.mark.parametrize(
    ("ended_on", "expected"),
    [
        (TODAY + ONE, PUPIL_DUTIES),
        (TODAY, PUPIL_DUTIES),  # the status covers its last day
        # The day after: off the register. The review and the concern are not about the register.
        (TODAY - ONE, {"senco_holds_review", "senco_decides_concern"}),
    ],
)
def test_an_ended_sen_status_is_not_on_the_register(session, world, ended_on, expected):
    pupil = _everything(session, world)
    session.execute(sa.update(SenStatus).where(SenStatus.pupil_id == pupil.id).values(end_date=ended_on))
    session.commit()

    _sweep(session, TODAY, *PUPIL_DUTIES)

    assert _codes_for(session, pupil) == expected


@pytest.mark.parametrize(("starts_on", "expected"), [(TODAY + ONE, False), (TODAY, True)])
def test_a_status_starting_tomorrow_is_not_on_the_register_today(session, world, starts_on, expected):
    pupil = make_pupil(
        session,
        world.school,
        first="Nia",
        last="Shaw",
        year=6,
        provision=Provision.SEN_SUPPORT,
        since=starts_on,
        group=world.group,
    )
    session.commit()

    _sweep(session, TODAY, "teacher_meets_parents", "teacher_acknowledges_passport", "senco_supports_transition")

    assert _codes_for(session, pupil) == (
        {"teacher_meets_parents", "teacher_acknowledges_passport", "senco_supports_transition"} if expected else set()
    )


# --- teacher_meets_parents: terms and the 28 days --------------------------------------------------


@pytest.mark.parametrize(
    ("day", "period", "due"),
    [
        (date(2026, 8, 31), "term:2025-summer", date(2026, 8, 31)),  # last day of last year's summer
        (date(2026, 9, 1), "term:2026-autumn", date(2026, 12, 31)),  # first day of the autumn
        (date(2026, 12, 31), "term:2026-autumn", date(2026, 12, 31)),  # its last day
        (date(2027, 1, 1), "term:2026-spring", date(2027, 3, 31)),  # first day of the spring
    ],
)
def test_meet_the_parents_belongs_to_the_term_the_day_falls_in(session, world, day, period, due):
    _sweep(session, day, "teacher_meets_parents")

    task = _one(session, "teacher_meets_parents", pupil_id=world.pupils["taught"].id)
    assert (task.period, task.due_on) == (period, due)
    assert task.assigned_to_id == world.users["teacher"].id


def _own_terms(session, world):
    for name, starts, ends in [
        ("Autumn 2026", date(2026, 9, 3), date(2026, 12, 18)),
        ("Spring 2027", date(2027, 1, 4), date(2027, 3, 26)),
        ("Summer 2027", date(2027, 4, 12), date(2027, 7, 21)),
    ]:
        session.add(
            SchoolTerm(
                school_id=world.school.id,
                academic_year=2026,
                season=Season(name.split()[0].lower()),
                starts_on=starts,
                ends_on=ends,
            )
        )
    session.commit()


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 9, 2), None),  # the holiday before the school's autumn
        (date(2026, 9, 3), ("term:2026-autumn", date(2026, 12, 18))),
        (date(2026, 12, 18), ("term:2026-autumn", date(2026, 12, 18))),
        (date(2026, 12, 19), None),  # the Christmas holiday
        (date(2027, 1, 3), None),
        (date(2027, 1, 4), ("term:2026-spring", date(2027, 3, 26))),
    ],
)
def test_meet_the_parents_follows_the_schools_own_term_dates(session, world, day, expected):
    _own_terms(session, world)

    _sweep(session, day, "teacher_meets_parents")

    found = [(t.period, t.due_on) for t in _tasks(session, "teacher_meets_parents", pupil_id=world.pupils["taught"].id)]
    assert found == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("admitted_on", "expected"),
    [
        (date(2026, 12, 3), True),  # 29 days on the roll by 31 December
        (date(2026, 12, 4), True),  # 28 days, the last day counted: the autumn counts
        (date(2026, 12, 5), False),  # 27 days: status carried from a previous school counts only from admission
    ],
)
def test_a_term_counts_only_from_admission_for_status_carried_from_another_school(
    session, world, admitted_on, expected
):
    pupil = make_pupil(
        session,
        world.school,
        first="Ola",
        last="Reed",
        provision=Provision.SEN_SUPPORT,
        since=LONG_AGO,
        group=world.group,
    )
    pupil.admitted_on = admitted_on
    session.commit()

    _sweep(session, admitted_on, "teacher_meets_parents")

    assert bool(_tasks(session, "teacher_meets_parents", pupil_id=pupil.id)) is expected


def test_a_pupil_whose_teacher_is_inactive_waits_for_a_teacher(session, world):
    world.users["teacher"].active = False
    session.commit()

    _sweep(session, TODAY, "teacher_meets_parents", "teacher_acknowledges_passport")

    assert _one(session, "teacher_meets_parents", pupil_id=world.pupils["taught"].id).assigned_to_id is None
    assert _tasks(session, "teacher_acknowledges_passport", pupil_id=world.pupils["taught"].id) == []


# --- teacher_acknowledges_passport: 14 days from joining the register, or from now ---------------

PLACED = date(2026, 11, 2)


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (PLACED - ONE, None),  # not yet on the register
        (PLACED, date(2026, 11, 16)),  # 14 days after joining
        (date(2026, 11, 16), date(2026, 11, 16)),  # a first sweep on that day: still those 14 days
        (date(2026, 11, 17), date(2026, 12, 1)),  # a later first sweep: 14 days from the task
    ],
)
def test_the_passport_is_due_14_days_after_the_pupil_joins_the_register(session, world, day, due):
    pupil = make_pupil(
        session,
        world.school,
        first="Pat",
        last="Quinn",
        provision=Provision.SEN_SUPPORT,
        since=PLACED,
        group=world.group,
    )
    session.commit()

    _sweep(session, day, "teacher_acknowledges_passport")

    found = [(t.due_on, t.assigned_to_id) for t in _tasks(session, "teacher_acknowledges_passport", pupil_id=pupil.id)]
    assert found == ([(due, world.users["teacher"].id)] if due else [])


def test_only_active_teachers_of_the_pupil_are_asked_to_read_the_passport(session, world):
    gone = make_user(session, "gone.teacher@oak.test", Role.TEACHER, school=world.school)
    world.group.teachers.append(gone)
    gone.active = False
    session.commit()

    _sweep(session, TODAY, "teacher_acknowledges_passport")

    tasks = _tasks(session, "teacher_acknowledges_passport", pupil_id=world.pupils["taught"].id)
    assert [t.assigned_to_id for t in tasks] == [world.users["teacher"].id]


# --- senco_liaises_designated_teacher: 28 days into the term or after joining, never after it ends ---


@pytest.mark.parametrize(
    ("placed_on", "due"),
    [
        (date(2026, 10, 1), date(2026, 10, 29)),  # 28 days after joining the register mid-term
        (date(2026, 12, 3), date(2026, 12, 31)),  # 28 days after joining is the term's last day
        (date(2026, 12, 4), date(2026, 12, 31)),  # would be 1 January: never after the term ends
        (date(2026, 12, 5), None),  # the autumn cannot count for the pupil
    ],
)
def test_liaison_is_due_28_days_after_joining_and_within_the_term(session, world, placed_on, due):
    pupil = make_pupil(
        session, world.school, first="Rae", last="Lowe", provision=Provision.SEN_SUPPORT, since=placed_on
    )
    pupil.looked_after = True
    session.commit()

    _sweep(session, placed_on, "senco_liaises_designated_teacher")

    found = [(t.period, t.due_on) for t in _tasks(session, "senco_liaises_designated_teacher", pupil_id=pupil.id)]
    assert found == ([("term:2026-autumn", due)] if due else [])


@pytest.mark.parametrize(
    ("day", "due"),
    [
        (date(2026, 9, 1), date(2026, 9, 29)),
        (date(2027, 1, 1), date(2027, 1, 29)),
    ],
)
def test_liaison_is_due_28_days_into_each_term(session, world, day, due):
    world.pupils["untaught_k"].looked_after = True
    session.commit()

    _sweep(session, day, "senco_liaises_designated_teacher")

    task = _one(session, "senco_liaises_designated_teacher", pupil_id=world.pupils["untaught_k"].id)
    assert (task.due_on, task.assigned_to_id) == (due, world.users["senco"].id)
    # Pupils who are not looked after get no liaison task.
    assert _tasks(session, "senco_liaises_designated_teacher", pupil_id=world.pupils["taught"].id) == []


# --- senco_supports_transition: Year 6 by 15 February, Year 11 by 31 March, each academic year ------


@pytest.mark.parametrize(
    ("year", "day", "period", "due"),
    [
        (6, date(2026, 8, 31), "year:2025", date(2026, 2, 15)),  # the last day of the academic year
        (6, date(2026, 9, 1), "year:2026", date(2027, 2, 15)),  # the first day of the next
        (11, date(2026, 8, 31), "year:2025", date(2026, 3, 31)),
        (11, date(2026, 9, 1), "year:2026", date(2027, 3, 31)),
    ],
)
def test_transition_is_due_on_the_phase_transfer_date_of_the_academic_year(session, world, year, day, period, due):
    pupil = make_pupil(session, world.school, first="Sol", last="Pike", year=year, provision=Provision.SEN_SUPPORT)
    session.commit()

    _sweep(session, day, "senco_supports_transition")

    task = _one(session, "senco_supports_transition", pupil_id=pupil.id)
    assert (task.period, task.due_on) == (period, due)


@pytest.mark.parametrize("year", [5, 7, 10, 12])
def test_no_transition_task_outside_year_6_and_year_11(session, world, year):
    pupil = make_pupil(session, world.school, first="Tia", last="Nash", year=year, provision=Provision.EHC_PLAN)
    session.commit()

    _sweep(session, TODAY, "senco_supports_transition")

    assert _tasks(session, "senco_supports_transition", pupil_id=pupil.id) == []


# --- senco_keeps_records_current: stale after the school's weeks, due 14 days later ------------------

QUIET = date(2026, 9, 1)  # stale 8 weeks on, from 27 October


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 10, 26), None),
        (date(2026, 10, 27), ("since:2026-09-01", date(2026, 11, 10))),
        (date(2026, 10, 28), ("since:2026-09-01", date(2026, 11, 10))),
    ],
)
def test_a_record_is_stale_eight_weeks_after_its_last_change(session, world, day, expected):
    pupil = world.pupils["untaught_k"]
    _quiet_since(session, pupil, QUIET)

    _sweep(session, day, "senco_keeps_records_current")

    found = [(t.period, t.due_on) for t in _tasks(session, "senco_keeps_records_current", pupil_id=pupil.id)]
    assert found == ([expected] if expected else [])


@pytest.mark.parametrize(("day", "expected"), [(date(2026, 9, 28), False), (date(2026, 9, 29), True)])
def test_the_schools_own_records_stale_weeks_count(session, world, day, expected):
    world.school.records_stale_weeks = 4
    pupil = world.pupils["untaught_k"]
    _quiet_since(session, pupil, QUIET)

    _sweep(session, day, "senco_keeps_records_current")

    assert bool(_tasks(session, "senco_keeps_records_current", pupil_id=pupil.id)) is expected


@pytest.mark.parametrize(("day", "expected"), [(date(2026, 11, 25), False), (date(2026, 11, 26), True)])
def test_a_later_timeline_entry_restarts_the_weeks(session, world, day, expected):
    pupil = world.pupils["untaught_k"]
    _quiet_since(session, pupil, QUIET)
    session.add(
        TimelineEvent(
            pupil_id=pupil.id,
            kind="note",
            title="Spoke to mother",
            effective_on=date(2026, 10, 1),
            recorded_at=_stamp(date(2026, 10, 1)),
        )
    )
    session.commit()

    _sweep(session, day, "senco_keeps_records_current")

    found = [t.period for t in _tasks(session, "senco_keeps_records_current", pupil_id=pupil.id)]
    assert found == (["since:2026-10-01"] if expected else [])


@pytest.mark.parametrize("day", [date(2026, 10, 26), date(2026, 10, 27), date(2026, 10, 28)])
def test_the_sweep_and_the_dashboard_agree_on_the_day_a_record_goes_stale(session, world, day):
    """One definition of 'records not updated': the day the sweep asks the SENCO to bring the record
    up to date is the day the dashboard first counts it stale."""
    pupil = world.pupils["untaught_k"]
    _quiet_since(session, pupil, QUIET)

    _sweep(session, day, "senco_keeps_records_current")

    asked = bool(_tasks(session, "senco_keeps_records_current", pupil_id=pupil.id))
    counted = pupil.id in compliance_figures(session, world.school, day)["records_stale"].ids
    assert asked == counted


# --- senco_holds_review: a running plan, two weeks before its review date ---------------------------


def test_a_cycle_at_review_with_no_review_recorded_gets_the_task(session, world):
    cycle = drive_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], to=CycleState.REVIEW)
    session.commit()

    _sweep(session, TODAY, "senco_holds_review")

    task = _one(session, "senco_holds_review", subject_id=cycle.id)
    assert (task.status, task.due_on) == (TaskStatus.OPEN, REVIEW_DATE)


def test_a_closed_cycle_gets_no_review_task(session, world):
    drive_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], to=CycleState.CLOSED)
    session.commit()

    _sweep(session, TODAY, "senco_holds_review")

    assert _tasks(session, "senco_holds_review") == []


def test_the_review_reminder_and_its_notification_come_on_the_notice_day(session, world):
    cycle = drive_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], to=CycleState.DO)
    session.commit()

    _sweep(session, date(2026, 10, 19), "senco_holds_review")  # 14 days before 2 November

    task = _one(session, "senco_holds_review", subject_id=cycle.id)
    assert task.due_on == date(2026, 11, 2)
    assert session.scalar(
        sa.select(Notification).where(
            Notification.subject_type == "task",
            Notification.subject_id == task.id,
            Notification.recipient_id == world.users["senco"].id,
        )
    )


# --- senco_decides_concern --------------------------------------------------------------------------

RAISED = date(2026, 11, 20)


@pytest.mark.parametrize(("day", "expected"), [(RAISED - ONE, False), (RAISED, True), (RAISED + ONE, True)])
def test_a_concern_gets_its_task_from_the_day_it_is_raised_due_by_its_deadline(session, world, day, expected):
    concern = _concern(session, world.pupils["taught_plain"], RAISED, date(2026, 12, 18))

    _sweep(session, day, "senco_decides_concern")

    found = [(t.subject_id, t.due_on) for t in _tasks(session, "senco_decides_concern")]
    assert found == ([(concern.id, date(2026, 12, 18))] if expected else [])


def test_a_concern_decided_by_opening_an_assessment_gets_no_task(session, world):
    _concern(
        session,
        world.pupils["taught_plain"],
        RAISED,
        date(2026, 12, 18),
        status=ConcernStatus.ASSESSED,
        decided_on=date(2026, 11, 24),
    )

    _sweep(session, TODAY, "senco_decides_concern")

    assert _tasks(session, "senco_decides_concern") == []


# --- senco_tells_parents: the letter, 14 days after it was created ----------------------------------

CREATED = date(2026, 11, 20)


@pytest.mark.parametrize(("day", "expected"), [(CREATED - ONE, False), (CREATED, True), (date(2026, 12, 4), True)])
def test_the_letter_task_is_made_the_day_the_letter_is_created_due_14_days_later(session, world, day, expected):
    letter = _letter(session, world.pupils["untaught_k"], CREATED)

    _sweep(session, day, "senco_tells_parents")

    found = [(t.subject_id, t.due_on) for t in _tasks(session, "senco_tells_parents")]
    assert found == ([(letter.id, date(2026, 12, 4))] if expected else [])
    if expected:  # the SENCO is told the same day
        task = _one(session, "senco_tells_parents")
        assert session.scalar(
            sa.select(Notification).where(
                Notification.subject_type == "task",
                Notification.subject_id == task.id,
                Notification.recipient_id == world.users["senco"].id,
            )
        )


def test_a_sent_letter_gets_no_task(session, world):
    _letter(session, world.pupils["untaught_k"], CREATED, sent_on=date(2026, 11, 23))

    _sweep(session, TODAY, "senco_tells_parents")

    assert _tasks(session, "senco_tells_parents") == []


# --- assistant_records_impact: the day after the intervention ends, due 14 days after its end -------

ENDED = date(2026, 11, 20)


def _intervention(session, world, pupils=None):
    kind = make_intervention_type(session, actor=world.users["senco"])
    iv = make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=world.users["ta"],
        pupils=pupils or [world.pupils["taught"]],
        starts_on=date(2026, 9, 14),
        ends_on=ENDED,
        today=date(2026, 9, 14),
    )
    session.commit()
    return iv


@pytest.mark.parametrize(("day", "expected"), [(ENDED, False), (ENDED + ONE, True), (date(2026, 12, 5), True)])
def test_impact_is_asked_for_once_the_intervention_has_ended(session, world, day, expected):
    iv = _intervention(session, world)

    _sweep(session, day, "assistant_records_impact")

    found = [(t.subject_id, t.due_on, t.assigned_to_id) for t in _tasks(session, "assistant_records_impact")]
    assert found == ([(iv.id, date(2026, 12, 4), world.users["ta"].id)] if expected else [])


def test_an_intervention_with_every_impact_recorded_gets_no_task(session, world):
    iv = _intervention(session, world)
    record_impact(
        session,
        actor=world.users["ta"],
        intervention=iv,
        results={world.pupils["taught"].id: ImpactResult("30", 1, None)},
        today=ENDED,
    )
    session.commit()

    _sweep(session, TODAY, "assistant_records_impact")

    assert _tasks(session, "assistant_records_impact") == []


def test_an_intervention_with_one_impact_missing_still_gets_the_task(session, world):
    iv = _intervention(session, world, pupils=[world.pupils["taught"], world.pupils["untaught_k"]])
    place = next(p for p in iv.places if p.pupil_id == world.pupils["taught"].id)
    place.impact, place.impact_recorded_on, place.impact_recorded_by_id = 1, ENDED, world.users["ta"].id
    session.commit()

    _sweep(session, TODAY, "assistant_records_impact")

    assert _one(session, "assistant_records_impact", subject_id=iv.id).status is TaskStatus.OPEN


def test_impact_of_an_inactive_assistants_intervention_goes_to_the_senco(session, world):
    iv = _intervention(session, world)
    world.users["ta"].active = False
    session.commit()

    _sweep(session, TODAY, "assistant_records_impact")

    assert _one(session, "assistant_records_impact", subject_id=iv.id).assigned_to_id == world.users["senco"].id


# --- senco_convenes_ehc_review: eight weeks before each plan's annual review is due ----------------


@pytest.mark.parametrize(
    ("issued", "held", "day", "expected"),
    [
        (date(2025, 12, 20), None, date(2026, 10, 24), []),  # 57 days before the review is due
        (date(2025, 12, 20), None, date(2026, 10, 25), [("since:2025-12-20", date(2026, 12, 6))]),  # 56 days: 8 weeks
        (date(2025, 12, 20), None, date(2026, 12, 21), [("since:2025-12-20", date(2026, 12, 6))]),
        (date(2024, 12, 20), None, date(2026, 10, 24), [("since:2024-12-20", date(2025, 12, 6))]),  # never reviewed
        # Reviewed on 20 December 2025: the next review, a year on from the meeting.
        (date(2024, 12, 20), date(2025, 12, 20), date(2026, 10, 24), []),
        (date(2024, 12, 20), date(2025, 12, 20), date(2026, 10, 25), [("since:2025-12-20", date(2026, 12, 6))]),
        (date(2024, 2, 29), None, date(2025, 1, 2), []),  # a plan issued on 29 February
        (date(2024, 2, 29), None, date(2025, 1, 3), [("since:2024-02-29", date(2025, 2, 14))]),  # 8 weeks before 28 Feb
    ],
)
def test_the_convening_task_comes_eight_weeks_before_each_review_is_due(session, world, issued, held, day, expected):
    from tests.test_ehc_duties import ehc_plan, ehc_review

    pupil = make_pupil(session, world.school, first="Uri", last="Kent", provision=Provision.EHC_PLAN, since=issued)
    plan = ehc_plan(session, pupil, issued)
    if held is not None:
        ehc_review(session, plan, held, convened_on=held - timedelta(weeks=3), held_on=held)
    session.commit()

    _sweep(session, day, "senco_convenes_ehc_review")

    found = [(t.period, t.due_on) for t in _tasks(session, "senco_convenes_ehc_review", pupil_id=pupil.id)]
    assert found == expected
    if expected:
        task = _one(session, "senco_convenes_ehc_review", pupil_id=pupil.id)
        assert (task.subject_type, task.subject_id) == ("ehc_plan", plan.id)
        assert task.assigned_to_id == world.users["senco"].id


@pytest.mark.parametrize(("ceased_on", "expected"), [(date(2026, 10, 26), True), (date(2026, 10, 25), False)])
def test_a_ceased_ehc_plan_gets_no_annual_review_task(session, world, ceased_on, expected):
    from tests.test_ehc_duties import ehc_plan

    pupil = make_pupil(
        session, world.school, first="Vic", last="Lund", provision=Provision.EHC_PLAN, since=date(2025, 12, 20)
    )
    ehc_plan(session, pupil, date(2025, 12, 20), ceased_on=ceased_on)  # a plan ceases on the day given
    session.commit()

    _sweep(session, date(2026, 10, 25), "senco_convenes_ehc_review")

    assert bool(_tasks(session, "senco_convenes_ehc_review", pupil_id=pupil.id)) is expected


def test_only_plans_get_annual_review_tasks(session, world):
    from tests.test_ehc_duties import ehc_plan

    ehc_plan(session, world.pupils["untaught"], date(2025, 9, 10))
    session.commit()
    _sweep(session, TODAY, "senco_convenes_ehc_review")

    assert _tasks(session, "senco_convenes_ehc_review", pupil_id=world.pupils["taught"].id) == []
    assert _tasks(session, "senco_convenes_ehc_review", pupil_id=world.pupils["untaught"].id)  # Cara Dale, on E


# --- governors_publish_report: each academic year, by 31 October -------------------------------------


@pytest.mark.parametrize(
    ("day", "period", "due"),
    [
        (date(2026, 8, 31), "year:2025", date(2025, 10, 31)),
        (date(2026, 9, 1), "year:2026", date(2026, 10, 31)),
        (date(2027, 8, 31), "year:2026", date(2026, 10, 31)),
    ],
)
def test_the_report_is_due_by_31_october_of_the_academic_year(session, world, day, period, due):
    _sweep(session, day, "governors_publish_report")

    task = _one(session, "governors_publish_report", school_id=world.school.id)
    assert (task.period, task.due_on, task.assigned_to_id) == (period, due, world.users["governor"].id)


def test_an_inactive_governor_is_not_given_the_report(session, world):
    world.users["governor"].active = False
    session.commit()

    _sweep(session, TODAY, "governors_publish_report")

    assert _one(session, "governors_publish_report", school_id=world.school.id).assigned_to_id is None


# --- head_told_engagement_overdue: the week after a counting term ends without a meeting ------------


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 31), []),  # the autumn's last day: nothing is overdue yet
        (date(2027, 1, 1), [("week:2026-W53", date(2027, 1, 3))]),  # Friday; the week ends Sunday 3 January
        (date(2027, 1, 3), [("week:2026-W53", date(2027, 1, 3))]),
        (date(2027, 1, 4), [("week:2027-W01", date(2027, 1, 10))]),  # a new week, a new task
    ],
)
def test_the_head_is_told_from_the_day_after_the_term_ends(session, world, day, expected):
    _sweep(session, day, "head_told_engagement_overdue")

    tasks = _tasks(session, "head_told_engagement_overdue", school_id=world.school.id)
    assert [(t.period, t.due_on) for t in tasks] == expected
    if expected:  # Ada Brook, Cara Dale and Dev Ellis had no meeting in the autumn
        assert tasks[0].title == f"Parent meetings are overdue for 3 pupils (week {expected[0][0][-2:].lstrip('0')})"
        assert tasks[0].assigned_to_id == world.users["head"].id


@pytest.mark.parametrize(("day", "expected"), [(date(2026, 12, 18), False), (date(2026, 12, 19), True)])
def test_the_head_is_told_from_the_day_after_the_schools_own_term_ends(session, world, day, expected):
    _own_terms(session, world)  # autumn 3 September to 18 December

    _sweep(session, day, "head_told_engagement_overdue")

    assert bool(_tasks(session, "head_told_engagement_overdue", school_id=world.school.id)) is expected


def test_the_head_is_not_told_when_every_counting_pupil_was_met(session, world):
    teacher = world.users["teacher"]
    for key in ("taught", "untaught", "untaught_k"):
        record_meeting(
            session,
            actor=teacher,
            pupil=world.pupils[key],
            today=TODAY,
            details=MeetingDetails(
                held_on=date(2026, 11, 20),
                mode=MeetingMode.IN_PERSON,
                led_by_id=teacher.id,
                attendees="Mother",
                pupil_views="Likes reading",
                outcomes="Keep going",
                actions=None,
                shared_with_parents_on=None,
            ),
        )
    session.commit()

    _sweep(session, date(2027, 1, 1), "head_told_engagement_overdue")

    assert _tasks(session, "head_told_engagement_overdue", school_id=world.school.id) == []


# --- Once per (duty, subject, period) ---------------------------------------------------------------


def test_two_sweeps_on_days_of_the_same_periods_make_each_task_once(session, world):
    _everything(session, world)
    _intervention(session, world)
    wyn = make_pupil(
        session, world.school, first="Wyn", last="Ford", provision=Provision.EHC_PLAN, since=date(2025, 12, 20)
    )
    from tests.test_ehc_duties import ehc_plan, ehc_request, ehc_review

    plan = ehc_plan(session, wyn, date(2025, 12, 20))
    ehc_review(session, plan, date(2026, 12, 15), kind=ReviewKind.INTERIM, held_on=date(2026, 12, 15))
    ehc_review(
        session,
        plan,
        date(2026, 11, 2),
        kind=ReviewKind.INTERIM,
        held_on=date(2026, 11, 2),
        la_decision=ReviewOutcome.AMEND,
        la_decided_on=date(2026, 11, 20),
        amendments_proposed_on=date(2026, 11, 20),
    )
    dev, ada = world.pupils["untaught_k"], world.pupils["taught"]
    ehc_request(session, dev, date(2026, 12, 1))
    agreed = {"assessment": AssessmentDecision.AGREED, "assessment_decided_on": date(2026, 11, 1)}
    assessing = ehc_request(session, ada, date(2026, 10, 1), **agreed)
    session.add(EhcAdvice(request_id=assessing.id, adviser="Health", asked_on=date(2026, 11, 2)))
    issuing = {"plan_decision": PlanDecision.ISSUE, "plan_decided_on": date(2026, 12, 1)}
    ehc_request(session, wyn, date(2026, 9, 1), **agreed, **issuing)
    session.commit()
    every = [
        "senco_convenes_ehc_review",
        "senco_holds_ehc_review",
        "senco_adds_ehc_plan",
        "senco_sends_ehc_review_report",
        "la_decides_assessment",
        "la_receives_advice",
        "la_decides_plan",
        "la_issues_final_plan",
        "la_decides_ehc_review",
        "la_finalises_amended_plan",
        "head_told_engagement_overdue",
        "senco_tells_parents",
        "senco_liaises_designated_teacher",
        "senco_supports_transition",
        "senco_keeps_records_current",
        "senco_holds_review",
        "senco_decides_concern",
        "teacher_meets_parents",
        "teacher_acknowledges_passport",
        "assistant_records_impact",
        "governors_publish_report",
    ]

    first = _sweep(session, date(2027, 1, 4), *every)
    second = _sweep(session, date(2027, 1, 5), *every)

    assert set(first.by_duty) == set(every) and all(first.by_duty[code] for code in every), first.by_duty
    assert second.tasks_created == 0 and second.notifications_created == 0, second.by_duty
    doubled = session.execute(
        sa.select(Task.duty_id, Task.subject_type, Task.subject_id, Task.period)
        .group_by(Task.duty_id, Task.subject_type, Task.subject_id, Task.period)
        .having(sa.func.count() > 1)
    ).all()
    assert doubled == []


def test_a_second_sweep_offers_the_database_no_task_it_already_has(session, world):
    """Tasks already made are left out before the insert (a sweep after a sweep must not be as slow
    as the first): the second sweep of the day sends no INSERT for tasks or notifications at all."""
    _everything(session, world)
    _sweep(session, TODAY, *PUPIL_DUTIES)
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.lstrip().upper())

    engine = session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", seen)
    try:
        summary = _sweep(session, TODAY, *PUPIL_DUTIES)
    finally:
        sa.event.remove(engine, "before_cursor_execute", seen)

    assert summary.tasks_created == 0
    assert [s for s in statements if s.startswith(("INSERT INTO TASK ", "INSERT INTO NOTIFICATION "))] == []


def test_a_task_already_inserted_by_another_sweep_is_skipped_by_the_insert_itself(session, world):
    """Two sweeps at once both read no task and both insert: the database's unique constraint, with
    ON CONFLICT DO NOTHING, keeps one and the second insert makes nothing (and raises nothing)."""
    _sweep(session, TODAY, "governors_publish_report")
    task = _one(session, "governors_publish_report", school_id=world.school.id)
    table = Task.__table__
    row = {
        "school_id": task.school_id,
        "duty_id": task.duty_id,
        "subject_type": task.subject_type,
        "subject_id": task.subject_id,
        "period": task.period,
        "pupil_id": None,
        "assigned_to_id": None,
        "for_role": task.for_role.value,
        "title": "Again",
        "link_endpoint": None,
        "link_args": None,
        "due_on": task.due_on,
        "status": TaskStatus.OPEN.value,
        "created_at": _stamp(TODAY),
    }

    inserted = _insert_ignoring_duplicates(
        session, table, [row], ["duty_id", "subject_type", "subject_id", "period"], [table.c.id]
    )

    assert inserted == []
    assert len(_tasks(session, "governors_publish_report", school_id=world.school.id)) == 1


def test_a_task_moving_back_to_someone_already_told_tells_them_nothing_twice(session, world):
    first, second = world.users["senco"], make_user(session, "new.senco@oak.test", Role.SENCO, school=world.school)
    _concern(session, world.pupils["taught_plain"], RAISED, date(2026, 12, 18))
    _sweep(session, TODAY, "senco_decides_concern")
    first.active = False
    session.commit()
    moved = _sweep(session, TODAY + ONE, "senco_decides_concern")
    first.active, second.active = True, False
    session.commit()

    back = _sweep(session, TODAY + 2 * ONE, "senco_decides_concern")

    task = _one(session, "senco_decides_concern")
    assert (moved.tasks_moved, back.tasks_moved, task.assigned_to_id) == (1, 1, first.id)
    assert back.notifications_created == 0
    told = session.scalars(
        sa.select(Notification.recipient_id)
        .where(Notification.subject_type == "task", Notification.subject_id == task.id)
        .order_by(Notification.id)
    ).all()
    assert told == [first.id, second.id]


# --- Overdue only from the day after the due date ----------------------------------------------------


def test_a_task_is_overdue_only_the_day_after_its_due_date(session, world):
    concern = _concern(session, world.pupils["taught_plain"], RAISED, date(2026, 12, 18))
    _sweep(session, TODAY, "senco_decides_concern")
    task = _one(session, "senco_decides_concern", subject_id=concern.id)
    due = date(2026, 12, 18)

    assert [task.is_overdue(d) for d in (due - ONE, due, due + ONE)] == [False, False, True]
    for day, expected in ((due, False), (due + ONE, True)):
        figures = compliance_figures(session, world.school, day)
        assert (task.id in figures["tasks_overdue"].ids) is expected
        assert (task.id in figures.tasks_overdue_by_role[Role.SENCO].ids) is expected


def test_a_closed_task_is_never_overdue(session, world):
    _sweep(session, TODAY, "governors_publish_report", "senco_supports_transition")
    report = _one(session, "governors_publish_report", school_id=world.school.id)  # due 31 October
    assert report.is_overdue(TODAY)
    assert report.id in compliance_figures(session, world.school, TODAY)["tasks_overdue"].ids

    complete_task(session, actor=world.users["governor"], task=report, note="On the website", today=TODAY)
    session.commit()

    assert not report.is_overdue(TODAY)
    figures = compliance_figures(session, world.school, TODAY)
    assert report.id not in figures["tasks_overdue"].ids
    assert Role.GOVERNOR not in figures.tasks_overdue_by_role


def test_a_task_no_longer_needed_is_not_overdue(session, world):
    pupil = make_pupil(session, world.school, first="Zoe", last="Hart", year=6, provision=Provision.SEN_SUPPORT)
    _sweep(session, date(2027, 2, 1), "senco_supports_transition")  # due 15 February 2027
    task = _one(session, "senco_supports_transition", pupil_id=pupil.id)
    session.execute(
        sa.update(Pupil)
        .where(Pupil.id == pupil.id)
        .values(admitted_on=date(2020, 9, 1), left_on=date(2027, 2, 10), leaving_reason="Moved away")
    )
    session.commit()

    _sweep(session, date(2027, 2, 16), "senco_supports_transition")

    task = _one(session, "senco_supports_transition", pupil_id=pupil.id)
    assert task.status is TaskStatus.CANCELLED
    assert not task.is_overdue(date(2027, 2, 16))
    assert task.id not in compliance_figures(session, world.school, date(2027, 2, 16))["tasks_overdue"].ids
