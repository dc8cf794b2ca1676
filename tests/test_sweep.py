"""The daily sweep: each duty's rule on crafted data, nothing twice, catching up after a gap, the
unique constraints, tasks following the role, the command line and a query count that does not
grow with the number of pupils.

The world (tests.factories) is Oak Primary with a SENCO, head, teacher (of 4 Oak: Ada Brook on K,
Ben Cole not on the register), assistant and governor; Cara Dale (E) and Dev Ellis (K) are in 4 Elm,
which has no teacher. Its pupils' records were last touched on the app's date, 27 Nov 2026.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from sentrack.models import (
    Concern,
    ConcernStatus,
    CycleState,
    Duty,
    GroupKind,
    Notification,
    ParentLetter,
    Provision,
    Pupil,
    Role,
    RoleAssignment,
    SenStatus,
    Task,
    TaskStatus,
    TeachingGroup,
)
from sentrack.workflows.duty_catalogue import DUTIES
from sentrack.workflows.sweep import RULES, run_sweep
from tests.factories import REVIEW_DATE, drive_cycle, make_intervention, make_intervention_type, make_pupil, make_user

TODAY = date(2026, 11, 27)


def _tasks(session, code: str, **filters) -> list[Task]:
    session.expire_all()
    query = sa.select(Task).join(Duty).where(Duty.code == code)
    for name, value in filters.items():
        query = query.where(getattr(Task, name) == value)
    return list(session.scalars(query.order_by(Task.id)))


def _one(session, code: str, **filters) -> Task:
    found = _tasks(session, code, **filters)
    assert len(found) == 1, found
    return found[0]


def _sweep(session, today=TODAY, *codes):
    summary = run_sweep(session, today, codes=list(codes) or None)
    session.commit()
    return summary


def test_every_duty_in_the_catalogue_has_a_rule_and_every_rule_a_duty():
    assert {d.code for d in DUTIES} == set(RULES)


def test_the_catalogue_is_written_into_the_duty_table(session, world):
    _sweep(session, TODAY, "governors_publish_report")

    assert set(session.scalars(sa.select(Duty.code))) == {d.code for d in DUTIES}


# --- Each duty's rule -------------------------------------------------------------------------------


def test_class_teacher_meets_parents_of_each_pupil_on_the_register_each_term(session, world):
    _sweep(session, TODAY, "teacher_meets_parents")

    task = _one(session, "teacher_meets_parents", pupil_id=world.pupils["taught"].id)
    assert task.assigned_to_id == world.users["teacher"].id
    assert task.due_on == date(2026, 12, 31)
    assert task.period == "term:2026-autumn"
    assert _tasks(session, "teacher_meets_parents", pupil_id=world.pupils["taught_plain"].id) == []
    # 4 Elm has no teacher: the task waits for one, unassigned.
    assert _one(session, "teacher_meets_parents", pupil_id=world.pupils["untaught_k"].id).assigned_to_id is None


def test_the_parents_meeting_goes_to_the_form_teacher_not_a_set_teacher(session, world):
    pupil = world.pupils["taught"]
    # A maths set whose teacher's id sorts before the form teacher's.
    set_teacher = make_user(session, "set.teacher@oak.test", Role.TEACHER, school=world.school)
    form_teacher = make_user(session, "form.teacher@oak.test", Role.TEACHER, school=world.school)
    maths = TeachingGroup(school_id=world.school.id, name="Maths set 1", kind=GroupKind.TEACHING)
    maths.pupils.append(pupil)
    maths.teachers.append(set_teacher)
    session.add(maths)
    world.group.teachers[:] = [form_teacher]
    session.commit()

    _sweep(session, TODAY, "teacher_meets_parents", "teacher_acknowledges_passport")

    assert _one(session, "teacher_meets_parents", pupil_id=pupil.id).assigned_to_id == form_teacher.id
    # Both teach the pupil, so both are asked to read the passport.
    readers = {t.assigned_to_id for t in _tasks(session, "teacher_acknowledges_passport", pupil_id=pupil.id)}
    assert readers == {form_teacher.id, set_teacher.id}


def test_senco_tells_parents_when_sen_support_starts(session, world):
    pupil = world.pupils["taught"]
    status = session.scalar(sa.select(SenStatus).where(SenStatus.pupil_id == pupil.id))
    letter = ParentLetter(
        pupil_id=pupil.id, sen_status_id=status.id, kind="sen_support_notice", created_on=date(2026, 11, 20)
    )
    session.add(letter)
    session.commit()

    _sweep(session, TODAY, "senco_tells_parents")

    task = _one(session, "senco_tells_parents")
    assert (task.subject_type, task.subject_id) == ("parent_letter", letter.id)
    assert task.assigned_to_id == world.users["senco"].id
    assert task.due_on == date(2026, 12, 4)


def test_senco_liaises_with_designated_teacher_for_a_looked_after_pupil(session, world):
    world.pupils["untaught_k"].looked_after = True
    session.commit()

    _sweep(session, TODAY, "senco_liaises_designated_teacher")

    task = _one(session, "senco_liaises_designated_teacher")
    assert task.pupil_id == world.pupils["untaught_k"].id
    assert task.assigned_to_id == world.users["senco"].id
    assert task.due_on == date(2026, 9, 29)  # 28 days into the autumn term


@pytest.mark.parametrize(("year", "due"), [(6, date(2027, 2, 15)), (11, date(2027, 3, 31))])
def test_senco_supports_transition_in_year_6_and_year_11(session, world, year, due):
    pupil = make_pupil(session, world.school, first="Tom", last="Vale", year=year, provision=Provision.SEN_SUPPORT)
    make_pupil(session, world.school, first="Uma", last="West", year=year)  # not on the register
    session.commit()

    _sweep(session, TODAY, "senco_supports_transition")

    task = _one(session, "senco_supports_transition")
    assert (task.pupil_id, task.due_on, task.period) == (pupil.id, due, "year:2026")
    assert task.assigned_to_id == world.users["senco"].id


def test_senco_keeps_records_current_after_8_weeks_untouched(session, world):
    pupil = world.pupils["untaught_k"]
    pupil.updated_at = datetime(2026, 9, 1, 12, tzinfo=UTC)
    session.commit()

    _sweep(session, TODAY, "senco_keeps_records_current")

    task = _one(session, "senco_keeps_records_current")
    assert task.pupil_id == pupil.id
    assert task.period == "since:2026-09-01"  # 8 weeks on: stale from 27 October
    assert task.due_on == date(2026, 10, 27) + timedelta(days=14)
    assert _tasks(session, "senco_keeps_records_current", pupil_id=world.pupils["taught"].id) == []


def test_assistant_records_impact_when_an_intervention_ends(session, world):
    kind = make_intervention_type(session, actor=world.users["senco"])
    iv = make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=world.users["ta"],
        pupils=[world.pupils["taught"]],
        starts_on=date(2026, 9, 14),
        ends_on=date(2026, 11, 20),
    )
    session.commit()

    _sweep(session, TODAY, "assistant_records_impact")

    task = _one(session, "assistant_records_impact")
    assert (task.subject_type, task.subject_id) == ("intervention", iv.id)
    assert task.assigned_to_id == world.users["ta"].id
    assert task.due_on == date(2026, 12, 4)
    assert task.path == f"/interventions/{iv.id}/impact"


def test_senco_holds_review_when_it_falls_due(session, world):
    cycle = drive_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], to=CycleState.DO)
    session.commit()

    _sweep(session, REVIEW_DATE - timedelta(days=15), "senco_holds_review")
    assert _tasks(session, "senco_holds_review") == []

    _sweep(session, REVIEW_DATE - timedelta(days=14), "senco_holds_review")
    task = _one(session, "senco_holds_review")
    assert (task.subject_id, task.due_on, task.assigned_to_id) == (cycle.id, REVIEW_DATE, world.users["senco"].id)


def test_a_concern_is_decided_within_its_deadline(session, world):
    concern = Concern(
        pupil_id=world.pupils["taught_plain"].id,
        raised_on=date(2026, 11, 20),
        description="Struggles",
        deadline=date(2026, 12, 18),
        status=ConcernStatus.OPEN,
    )
    session.add(concern)
    session.commit()

    _sweep(session, TODAY, "senco_decides_concern")

    task = _one(session, "senco_decides_concern")
    assert (task.subject_type, task.subject_id, task.due_on) == ("concern", concern.id, date(2026, 12, 18))


def test_governors_publish_the_annual_report(session, world):
    _sweep(session, TODAY, "governors_publish_report")

    task = _one(session, "governors_publish_report", school_id=world.school.id)
    assert (task.assigned_to_id, task.due_on, task.period) == (
        world.users["governor"].id,
        date(2026, 10, 31),
        "year:2026",
    )


def test_each_teacher_of_the_pupil_acknowledges_the_passport(session, world):
    second = make_user(session, "second.teacher@oak.test", Role.TEACHER, school=world.school)
    world.group.teachers.append(second)
    session.commit()

    _sweep(session, TODAY, "teacher_acknowledges_passport")

    tasks = _tasks(session, "teacher_acknowledges_passport", pupil_id=world.pupils["taught"].id)
    assert {t.assigned_to_id for t in tasks} == {world.users["teacher"].id, second.id}
    assert {t.due_on for t in tasks} == {TODAY + timedelta(days=14)}


def test_each_ehc_plans_annual_review_is_convened_within_12_months(session, world):
    from tests.test_ehc_duties import ehc_plan

    pupil = make_pupil(
        session, world.school, first="Kit", last="Moss", provision=Provision.EHC_PLAN, since=date(2026, 1, 10)
    )
    ehc_plan(session, pupil, date(2026, 1, 10))
    ehc_plan(session, world.pupils["untaught"], date(2025, 9, 10))
    session.commit()

    _sweep(session, TODAY, "senco_convenes_ehc_review")

    # Due 10 January 2027: the invitations go two weeks before, to the SENCO, who convenes it.
    task = _one(session, "senco_convenes_ehc_review", pupil_id=pupil.id)
    assert (task.due_on, task.assigned_to_id, task.for_role) == (
        date(2026, 12, 27),
        world.users["senco"].id,
        Role.SENCO,
    )
    # Cara Dale's plan was issued 10 Sep 2025: its review was due 10 Sep 2026, and is overdue.
    assert _one(session, "senco_convenes_ehc_review", pupil_id=world.pupils["untaught"].id).due_on == date(2026, 8, 27)


def test_head_is_told_each_week_of_overdue_parent_engagement(session, world):
    engagement = pytest.importorskip("sentrack.workflows.engagement")
    # Ada Brook has been on SEN support since 10 Sep 2025: by 1 Apr 2027 autumn and spring have
    # ended without a parent meeting.
    day = date(2027, 4, 14)
    statuses = engagement.engagement_for_school(session, world.school, day)
    assert statuses[world.pupils["taught"].id].status == engagement.Engagement.OVERDUE

    _sweep(session, day, "head_told_engagement_overdue")

    task = _one(session, "head_told_engagement_overdue", school_id=world.school.id)
    assert (task.assigned_to_id, task.period) == (world.users["head"].id, "week:2027-W15")


# --- Nothing twice, catching up, constraints ---------------------------------------------------------


def test_a_second_sweep_on_the_same_day_creates_nothing(session, world):
    first = _sweep(session)
    tasks, notes = (
        session.scalar(sa.select(sa.func.count(Task.id))),
        session.scalar(sa.select(sa.func.count(Notification.id))),
    )

    second = _sweep(session)

    assert first.tasks_created > 0 and first.notifications_created > 0
    assert (second.tasks_created, second.notifications_created) == (0, 0)
    assert session.scalar(sa.select(sa.func.count(Task.id))) == tasks
    assert session.scalar(sa.select(sa.func.count(Notification.id))) == notes


def test_each_task_created_notifies_its_assignee_with_what_by_when_and_where(session, world):
    _sweep(session, TODAY, "teacher_meets_parents")
    task = _one(session, "teacher_meets_parents", pupil_id=world.pupils["taught"].id)

    note = session.scalar(
        sa.select(Notification).where(Notification.subject_type == "task", Notification.subject_id == task.id)
    )

    assert note.recipient_id == world.users["teacher"].id
    # The notification stores no pupil's name; the task names Ada as her record does when shown.
    assert "Ada" not in note.body + note.title and "Brook" not in note.body + note.title
    assert "Meet the parents of a pupil" in note.body and "31 December 2026" in note.body
    assert task.shown_title.startswith("Meet the parents of Ada Brook (")
    assert note.link == f"/pupils/{world.pupils['taught'].public_id}"
    assert note.email_status.value == "pending" and note.attempts == 0


def test_a_sweep_after_a_gap_catches_up(session, world):
    """No sweep ran between 1 Sep and 27 Nov: a concern raised and a letter created in that time
    still get their tasks, and the term's tasks are created."""
    concern = Concern(
        pupil_id=world.pupils["taught_plain"].id,
        raised_on=date(2026, 10, 1),
        description="Struggles",
        deadline=date(2026, 10, 29),
        status=ConcernStatus.OPEN,
    )
    session.add(concern)
    session.commit()
    _sweep(session, date(2026, 9, 1))
    before = len(_tasks(session, "senco_decides_concern"))

    _sweep(session, TODAY)

    assert before == 0
    assert _one(session, "senco_decides_concern").due_on == date(2026, 10, 29)
    assert _one(session, "teacher_meets_parents", pupil_id=world.pupils["taught"].id)


def test_a_new_term_brings_new_term_tasks(session, world):
    _sweep(session, TODAY, "teacher_meets_parents")
    _sweep(session, date(2027, 1, 4), "teacher_meets_parents")

    periods = [t.period for t in _tasks(session, "teacher_meets_parents", pupil_id=world.pupils["taught"].id)]

    assert periods == ["term:2026-autumn", "term:2026-spring"]


def test_the_task_unique_constraint_holds_without_the_sweep(session, world):
    _sweep(session, TODAY, "governors_publish_report")
    task = _one(session, "governors_publish_report", school_id=world.school.id)

    session.add(
        Task(
            school_id=task.school_id,
            duty_id=task.duty_id,
            subject_type=task.subject_type,
            subject_id=task.subject_id,
            period=task.period,
            for_role=task.for_role,
            title="Again",
            due_on=task.due_on,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_the_notification_unique_constraint_holds_without_the_sweep(session, world):
    recipient = world.users["senco"]
    for _ in range(2):
        session.add(
            Notification(
                recipient_id=recipient.id,
                kind="task_assigned",
                subject_type="task",
                subject_id=1,
                period="",
                title="T",
                body="B",
            )
        )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


# --- Following the role ------------------------------------------------------------------------------


def test_open_tasks_follow_the_senco_role_when_staff_change(session, world):
    concern = Concern(
        pupil_id=world.pupils["taught_plain"].id,
        raised_on=date(2026, 11, 20),
        description="Struggles",
        deadline=date(2026, 12, 18),
        status=ConcernStatus.OPEN,
    )
    session.add(concern)
    session.commit()
    _sweep(session, TODAY, "senco_decides_concern")
    old = world.users["senco"]
    new = make_user(session, "new.senco@oak.test", Role.SENCO, school=world.school)
    old.active = False
    session.commit()

    summary = _sweep(session, TODAY + timedelta(days=1), "senco_decides_concern")

    task = _one(session, "senco_decides_concern")
    assert task.assigned_to_id == new.id
    assert summary.tasks_moved == 1
    assert session.scalar(
        sa.select(Notification).where(Notification.recipient_id == new.id, Notification.subject_id == task.id)
    )


def test_a_task_follows_the_role_when_its_holder_gives_the_role_up(session, world):
    _sweep(session, TODAY, "governors_publish_report")
    governor = world.users["governor"]
    successor = make_user(session, "chair@oak.test", Role.GOVERNOR, school=world.school)
    session.execute(sa.delete(RoleAssignment).where(RoleAssignment.user_id == governor.id))
    session.commit()

    _sweep(session, TODAY, "governors_publish_report")

    assert _one(session, "governors_publish_report", school_id=world.school.id).assigned_to_id == successor.id


def test_a_task_reassigned_by_hand_stays_with_its_new_holder(session, world):
    _sweep(session, TODAY, "governors_publish_report")
    task = _one(session, "governors_publish_report", school_id=world.school.id)
    task.assigned_to_id, task.assigned_by_id = world.users["head"].id, world.users["head"].id
    session.commit()

    summary = _sweep(session, TODAY)

    assert summary.tasks_moved == 0
    assert _one(session, "governors_publish_report", school_id=world.school.id).assigned_to_id == world.users["head"].id


def test_done_tasks_do_not_move(session, world):
    _sweep(session, TODAY, "governors_publish_report")
    task = _one(session, "governors_publish_report", school_id=world.school.id)
    task.status, task.completed_on, task.closed_on, task.note = TaskStatus.DONE, TODAY, TODAY, "Published"
    world.users["governor"].active = False
    make_user(session, "chair@oak.test", Role.GOVERNOR, school=world.school)
    session.commit()

    assert _sweep(session, TODAY).tasks_moved == 0


# --- The command line and the query count ------------------------------------------------------------


def test_the_sweep_command_prints_a_json_summary(app, session, world):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["sweep", "--date", "2026-11-27", "--json"])
    second = runner.invoke(args=["sweep", "--date", "2026-11-27", "--json"])

    assert first.exit_code == 0, first.output
    summary = json.loads(first.output)
    assert summary["tasks_created"] > 0 and summary["notifications_created"] > 0
    assert json.loads(second.output)["tasks_created"] == 0
    assert json.loads(second.output)["notifications_created"] == 0


def test_the_sweep_command_refuses_a_date_it_cannot_read(app, world):
    result = app.test_cli_runner().invoke(args=["sweep", "--date", "27/11/2026"])

    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output


def _count_queries(session, today) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = session.get_bind().engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        run_sweep(session, today)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    session.rollback()
    return len(statements)


def test_the_query_count_does_not_grow_with_the_number_of_pupils(session, world):
    def add(n):
        for i in range(n):
            pupil = make_pupil(
                session,
                world.school,
                first=f"P{i}",
                last="Many",
                year=6,
                provision=Provision.EHC_PLAN,
                since=date(2025, 9, 10),
                group=world.group,
            )
            pupil.looked_after = True
        session.commit()

    add(2)
    few = _count_queries(session, TODAY)
    add(30)
    many = _count_queries(session, TODAY)

    assert many == few
    assert session.scalar(sa.select(sa.func.count(Pupil.id))) >= 39
