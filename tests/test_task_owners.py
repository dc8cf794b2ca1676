"""Open tasks stay with someone who can act on them: the daily sweep moves a task whose assignee
can no longer reach its pupil to the person the duty is for, audited and notified."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from sentrack.models import AuditEvent, Notification, Role, TaskStatus, TeachingGroup
from tests.factories import make_user
from tests.test_sweep import TODAY, _one, _sweep, _tasks


def _moved_events(session, task_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.action == "task_moved_by_sweep", AuditEvent.object_id == str(task_id)
            )
        )
    )


def _new_class(session, world, pupil):
    """The pupil moves to a class of a new teacher, out of the class of world's teacher."""
    teacher = make_user(session, "new.teacher@oak.test", Role.TEACHER, school=world.school)
    group = TeachingGroup(school_id=world.school.id, name="5 Ash", year_group=5)
    session.add(group)
    group.teachers.append(teacher)
    world.group.pupils.remove(pupil)
    group.pupils.append(pupil)
    session.commit()
    return teacher


def test_a_class_teachers_task_moves_to_the_pupils_new_teacher(session, world):
    pupil = world.pupils["taught"]
    _sweep(session, TODAY, "teacher_meets_parents")
    assert _one(session, "teacher_meets_parents", pupil_id=pupil.id).assigned_to_id == world.users["teacher"].id
    teacher = _new_class(session, world, pupil)

    summary = _sweep(session, TODAY + timedelta(days=1), "teacher_meets_parents")

    task = _one(session, "teacher_meets_parents", pupil_id=pupil.id)
    assert task.assigned_to_id == teacher.id
    assert summary.tasks_moved == 1
    assert session.scalar(
        sa.select(Notification).where(Notification.recipient_id == teacher.id, Notification.subject_id == task.id)
    )
    [event] = _moved_events(session, task.id)
    assert (event.pupil_id, event.school_id, event.user_id) == (pupil.id, world.school.id, None)
    assert event.details == {"assigned_to_id": teacher.id}


def test_with_no_class_teacher_left_the_task_waits_unassigned(session, world):
    pupil = world.pupils["taught"]
    _sweep(session, TODAY, "teacher_meets_parents")
    world.group.pupils.remove(pupil)
    session.commit()

    _sweep(session, TODAY + timedelta(days=1), "teacher_meets_parents")

    assert _one(session, "teacher_meets_parents", pupil_id=pupil.id).assigned_to_id is None


def test_a_passport_to_acknowledge_is_cancelled_when_the_teacher_no_longer_teaches_the_pupil(session, world):
    pupil = world.pupils["taught"]
    _sweep(session, TODAY, "teacher_acknowledges_passport")
    [task] = _tasks(session, "teacher_acknowledges_passport", pupil_id=pupil.id)
    _new_class(session, world, pupil)

    _sweep(session, TODAY + timedelta(days=1), "teacher_acknowledges_passport")

    old = [t for t in _tasks(session, "teacher_acknowledges_passport", pupil_id=pupil.id) if t.id == task.id][0]
    assert old.status == TaskStatus.CANCELLED
    assert "no longer teaches" in old.note


def test_a_teacher_who_also_leads_keeps_a_class_task_given_by_hand(session, world):
    pupil = world.pupils["taught"]
    _sweep(session, TODAY, "teacher_meets_parents")
    task = _one(session, "teacher_meets_parents", pupil_id=pupil.id)
    task.assigned_to_id = task.assigned_by_id = world.users["senco"].id
    session.commit()

    summary = _sweep(session, TODAY + timedelta(days=1), "teacher_meets_parents")

    assert summary.tasks_moved == 0
    assert _one(session, "teacher_meets_parents", pupil_id=pupil.id).assigned_to_id == world.users["senco"].id


def test_a_task_moved_from_a_deactivated_senco_is_audited(session, world):
    from sentrack.models import Concern, ConcernStatus

    session.add(
        Concern(
            pupil_id=world.pupils["taught_plain"].id,
            raised_on=date(2026, 11, 20),
            description="Struggles",
            deadline=date(2026, 12, 18),
            status=ConcernStatus.OPEN,
        )
    )
    session.commit()
    _sweep(session, TODAY, "senco_decides_concern")
    new = make_user(session, "new.senco@oak.test", Role.SENCO, school=world.school)
    world.users["senco"].active = False
    session.commit()

    _sweep(session, TODAY + timedelta(days=1), "senco_decides_concern")

    task = _one(session, "senco_decides_concern")
    assert task.assigned_to_id == new.id
    assert [e.pupil_id for e in _moved_events(session, task.id)] == [world.pupils["taught_plain"].id]


def _impact_task(session, world):
    from tests.factories import make_intervention, make_intervention_type

    kind = make_intervention_type(session, actor=world.users["senco"])
    make_intervention(
        session,
        actor=world.users["senco"],
        kind=kind,
        deliverer=world.users["ta"],
        pupils=[world.pupils["taught"]],
        starts_on=date(2026, 9, 14),
        ends_on=date(2026, 11, 20),
    )
    world.school.assistant_access_weeks = 2
    session.commit()
    _sweep(session, TODAY, "assistant_records_impact")
    task = _one(session, "assistant_records_impact")
    assert task.assigned_to_id == world.users["ta"].id
    return task


def test_an_impact_task_moves_to_the_senco_when_the_assistants_access_ends(session, world):
    task = _impact_task(session, world)

    # Access lasts two weeks after the last day (20 November), that day included: to 4 December.
    assert _sweep(session, date(2026, 12, 4), "assistant_records_impact").tasks_moved == 0
    assert _one(session, "assistant_records_impact").assigned_to_id == world.users["ta"].id
    summary = _sweep(session, date(2026, 12, 5), "assistant_records_impact")

    senco = world.users["senco"]
    assert summary.tasks_moved == 1
    assert _one(session, "assistant_records_impact").assigned_to_id == senco.id
    assert session.scalar(
        sa.select(Notification).where(Notification.recipient_id == senco.id, Notification.subject_id == task.id)
    )
    assert len(_moved_events(session, task.id)) == 1


def test_an_impact_task_stays_with_a_teacher_who_delivered_it(session, world):
    task = _impact_task(session, world)
    task.assigned_to_id = task.assigned_by_id = world.users["teacher"].id
    session.commit()

    assert _sweep(session, TODAY + timedelta(days=60), "assistant_records_impact").tasks_moved == 0
    assert _one(session, "assistant_records_impact").assigned_to_id == world.users["teacher"].id


def test_a_task_given_by_hand_moves_on_when_its_holder_has_no_role_left(session, world):
    from sentrack.models import RoleAssignment

    _sweep(session, TODAY, "governors_publish_report")
    task = _one(session, "governors_publish_report", school_id=world.school.id)
    head = world.users["head"]
    task.assigned_to_id, task.assigned_by_id = head.id, head.id
    session.commit()
    session.execute(sa.delete(RoleAssignment).where(RoleAssignment.user_id == head.id))
    session.commit()

    summary = _sweep(session, TODAY + timedelta(days=1), "governors_publish_report")

    assert summary.tasks_moved == 1
    assert (
        _one(session, "governors_publish_report", school_id=world.school.id).assigned_to_id
        == world.users["governor"].id
    )
    assert len(_moved_events(session, task.id)) == 1
