"""A school moving to another local authority: `flask move-school URN LA_CODE` moves it, and its
open tasks of the authority's duties pass to the new authority's officer, audited; the daily
sweep repairs any open authority task whose officer no longer covers the school (a school moved
by hand).

The test world: Oak Primary (900001) in Test Borough (999) with its officer; Elsewhere County
(998) with its own officer. Cara Dale, at Oak, has an EHC plan.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.access import pupil_scope
from sentrack.models import LocalAuthority, Notification, Pupil, Role, Task, TaskStatus
from sentrack.workflows.duty_catalogue import sync_catalogue
from sentrack.workflows.sweep import run_sweep
from tests.conftest import TODAY
from tests.helpers import audit_events


def _la_task(session, world, *, by_hand=False) -> Task:
    """The open task of the decision after Cara's EHC annual review (held on 20 November) the
    sweep gives Test Borough's officer."""
    from tests.test_ehc_duties import ehc_plan, ehc_review

    plan = ehc_plan(session, world.pupils["untaught"], date(2025, 12, 1))
    ehc_review(session, plan, date(2026, 11, 20), convened_on=date(2026, 11, 1), held_on=date(2026, 11, 20))
    run_sweep(session, TODAY, codes=["la_decides_ehc_review"])
    task = session.scalar(
        sa.select(Task).where(
            Task.pupil_id == world.pupils["untaught"].id,
            Task.for_role == Role.LA_OFFICER,
            Task.status == TaskStatus.OPEN,
        )
    )
    assert task.assigned_to_id == world.users["la"].id
    if by_hand:
        task.assigned_by_id = world.users["senco"].id
    session.commit()
    return task


def _closed_la_task(session, world) -> Task:
    duty = sync_catalogue(session)["la_decides_ehc_review"]
    task = Task(
        school_id=world.school.id,
        duty_id=duty.id,
        subject_type="ehc_review",
        subject_id=0,
        period="",
        pupil_id=world.pupils["untaught"].id,
        assigned_to_id=world.users["la"].id,
        for_role=Role.LA_OFFICER,
        title="Decide whether to keep, amend or cease Cara Dale's EHC plan",
        due_on=date(2026, 1, 15),
        status=TaskStatus.CANCELLED,
        closed_on=date(2026, 2, 1),
    )
    session.add(task)
    session.commit()
    return task


def _move(app, *args):
    return app.test_cli_runner().invoke(args=["move-school", *args])


def test_moving_a_school_passes_its_open_authority_tasks_to_the_new_officer_audited(app, session, world):
    open_task = _la_task(session, world, by_hand=True)
    done = _closed_la_task(session, world)
    old, new = world.users["la"], world.users["foreign_la"]
    cara = world.pupils["untaught"]

    result = _move(app, "900001", "998")

    assert result.exit_code == 0, result.output
    assert "1 open task of" in result.output
    session.expire_all()
    assert world.school.local_authority_id == world.other_la.id
    assert (open_task.assigned_to_id, open_task.assigned_by_id) == (new.id, None)
    assert done.assigned_to_id == old.id  # a closed task is history: left as it was
    told = session.scalars(sa.select(Notification.subject_id).where(Notification.recipient_id == new.id)).all()
    assert told.count(open_task.id) == 1
    assert world.users["senco"].local_authority_id == world.other_la.id
    # The old officer no longer reaches the school's pupils; the new one does.
    assert cara.id not in {p.id for p in session.scalars(sa.select(Pupil).where(pupil_scope(old)))}
    assert cara.id in {p.id for p in session.scalars(sa.select(Pupil).where(pupil_scope(new)))}
    [event] = audit_events(session, "school_moved")
    assert event.school_id == world.school.id and event.details["from"] == "999" and event.details["to"] == "998"
    assert event.details["tasks_moved"] == 1
    [moved] = audit_events(session, "task_reassigned", school_id=world.school.id)
    assert moved.object_id == str(open_task.id)


def test_a_school_moved_to_an_authority_without_an_officer_leaves_its_tasks_waiting_unassigned(app, session, world):
    task = _la_task(session, world)
    session.add(LocalAuthority(code="997", name="New Unitary"))
    session.commit()

    result = _move(app, "900001", "997")

    assert result.exit_code == 0, result.output
    session.expire_all()
    assert task.assigned_to_id is None


@pytest.mark.parametrize("args", [("999999", "998"), ("900001", "111"), ("900001", "999")])
def test_moving_a_school_refuses_an_unknown_school_or_authority_or_its_own(app, session, world, args):
    task = _la_task(session, world)

    result = _move(app, *args)

    assert result.exit_code != 0
    session.expire_all()
    assert world.school.local_authority_id == world.la.id and task.assigned_to_id == world.users["la"].id
    assert audit_events(session, "school_moved") == []


@pytest.mark.parametrize("by_hand", [False, True])
def test_the_sweep_moves_authority_tasks_of_a_school_moved_by_hand_to_the_new_officer(session, world, by_hand):
    task = _la_task(session, world, by_hand=by_hand)
    world.school.local_authority_id = world.other_la.id  # moved in the database, not through the app
    session.commit()

    summary = run_sweep(session, TODAY)
    session.commit()

    session.expire_all()
    assert task.status is TaskStatus.OPEN
    assert task.assigned_to_id == world.users["foreign_la"].id and summary.tasks_moved >= 1
    assert session.scalar(
        sa.select(Notification.id).where(
            Notification.recipient_id == world.users["foreign_la"].id, Notification.subject_id == task.id
        )
    )


def test_the_sweep_takes_an_authority_task_from_an_officer_of_another_authority_with_none_to_give_it(session, world):
    task = _la_task(session, world)
    world.users["la"].local_authority_id = world.other_la.id  # the officer moved; the borough has no other
    session.commit()

    run_sweep(session, TODAY)
    session.commit()

    session.expire_all()
    assert task.status is TaskStatus.OPEN and task.assigned_to_id is None  # Test Borough has no officer now


def test_an_authority_task_given_by_hand_to_the_school_s_senco_stays_with_them(session, world):
    task = _la_task(session, world)
    task.assigned_to_id, task.assigned_by_id = world.users["senco"].id, world.users["senco"].id
    session.commit()

    run_sweep(session, TODAY)
    session.commit()

    session.expire_all()
    assert task.assigned_to_id == world.users["senco"].id
