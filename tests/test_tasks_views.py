"""Duty and task pages through the test client: the catalogue with its clauses, My tasks (due,
overdue, done), completing with a note, reassigning (and refusing someone of another school),
everyone's tasks for the SENCO and head, and notifications marked read.

The app's date is 27 Nov 2026.
"""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from sentrack.models import Notification, Role, Task, TaskStatus
from sentrack.workflows.duty_catalogue import DUTIES, sync_catalogue
from sentrack.workflows.tasks import ASSIGNEE_PROBLEM
from tests.factories import make_user
from tests.pages import Page

TODAY = date(2026, 11, 27)


def _task(
    session,
    world,
    *,
    assignee="senco",
    due=date(2026, 12, 18),
    title="Decide on the concern about Ada Brook",
    role=Role.SENCO,
    subject_id=1,
    status=TaskStatus.OPEN,
    pupil=None,
    code="senco_supports_transition",
) -> Task:
    # A duty no record can prove, so that a person closes it with a note.
    duty = sync_catalogue(session)[code]
    task = Task(
        school_id=world.school.id,
        duty_id=duty.id,
        subject_type="pupil",
        subject_id=subject_id,
        period="",
        pupil_id=pupil.id if pupil is not None else None,
        title_template=title.replace(pupil.full_name, "{pupil}") if pupil is not None else None,
        assigned_to_id=world.users[assignee].id,
        for_role=role,
        title=title,
        due_on=due,
        status=status,
        link_endpoint="duties.my_tasks",
        link_args={},
        completed_on=TODAY if status is TaskStatus.DONE else None,
        closed_on=TODAY if status is not TaskStatus.OPEN else None,
    )
    session.add(task)
    session.commit()
    return task


@pytest.fixture
def senco(client, world, login):
    return login(world.users["senco"])


def test_the_catalogue_shows_every_duty_with_its_clause(client, world, login):
    login(world.users["teacher"])

    duties = client.page("/duties").summary()

    for duty in DUTIES:
        assert duty.clause in duties[duty.title]


def test_my_tasks_lists_overdue_due_and_done(session, world, senco):
    _task(session, world, title="Late one", due=date(2026, 11, 1), subject_id=1)
    _task(session, world, title="Coming one", subject_id=2)
    _task(session, world, title="Finished one", subject_id=3, status=TaskStatus.DONE)
    _task(session, world, title="Someone else's", assignee="teacher", role=Role.TEACHER, subject_id=4)

    page = senco.page("/tasks")

    assert page.texts("caption") == ["Overdue", "Due", "Done"]
    assert [row[0] for row in page.table("Overdue")] == ["Late one"]
    assert [row[0] for row in page.table("Due")] == ["Coming one"]
    assert [row[0] for row in page.table("Done")] == ["Finished one"]
    assert "Someone else&#39;s" not in page.html


def test_completing_a_task_needs_a_note(session, world, senco):
    task = _task(session, world)

    page = senco.post_page(f"/tasks/{task.id}", data={"note": "  "})

    assert page.field_error("note") == "Say what was done"
    session.expire_all()
    assert session.get(Task, task.id).status is TaskStatus.OPEN


def test_completing_a_task_with_a_note(session, world, senco):
    task = _task(session, world)

    response = senco.post(f"/tasks/{task.id}", data={"note": "Assessment opened"})

    assert response.status_code == 302
    session.expire_all()
    done = session.get(Task, task.id)
    assert (done.status, done.note, done.completed_on, done.completed_by_id) == (
        TaskStatus.DONE,
        "Assessment opened",
        TODAY,
        world.users["senco"].id,
    )


def test_another_persons_task_is_not_found_for_a_teacher(session, world, client, login):
    task = _task(session, world)
    login(world.users["teacher"])

    assert client.post(f"/tasks/{task.id}", data={"note": "Mine now"}).status_code == 404
    session.expire_all()
    assert session.get(Task, task.id).status is TaskStatus.OPEN


def test_reassigning_to_a_colleague_tells_them(session, world, senco):
    task = _task(session, world, pupil=world.pupils["taught"])
    teacher = world.users["teacher"]

    response = senco.post(f"/tasks/{task.id}/reassign", data={"assign_to": teacher.id})

    assert response.status_code == 302
    session.expire_all()
    moved = session.get(Task, task.id)
    assert (moved.assigned_to_id, moved.assigned_by_id) == (teacher.id, world.users["senco"].id)
    assert session.scalar(
        sa.select(Notification).where(Notification.recipient_id == teacher.id, Notification.subject_id == task.id)
    )


def _offered(page: Page) -> set[str]:
    return set(page.texts('select[name="assign_to"] option'))


def test_reassigning_a_task_about_a_pupil_offers_only_those_whose_scope_holds_the_pupil(session, world, senco):
    """Cara is in the class the teacher does not teach: the teacher, the assistant (who delivers
    nothing to her), the governor and the administrator are not offered, nor anyone of another
    school or the authority; the SENCO and the head, whose scope holds her, are."""
    cara = world.pupils["untaught"]
    task = _task(session, world, pupil=cara, title="Plan Cara Dale's move to the next phase")
    taught = _task(session, world, pupil=world.pupils["taught"], title="Plan Ada Brook's move", subject_id=2)
    names = {key: world.users[key].full_name for key in world.users}

    offered = _offered(senco.page(f"/tasks/{task.id}/reassign"))
    offered_for_ada = _offered(senco.page(f"/tasks/{taught.id}/reassign"))

    assert offered == {names["senco"], names["head"]}
    assert offered_for_ada == {names["senco"], names["head"], names["teacher"]}


@pytest.mark.parametrize("who", ["teacher", "governor", "admin", "ta", "la", "foreign_senco"])
def test_reassigning_to_someone_whose_scope_does_not_hold_the_pupil_is_refused(session, world, senco, who):
    task = _task(session, world, pupil=world.pupils["untaught"], title="Plan Cara Dale's move to the next phase")

    page = senco.post_page(f"/tasks/{task.id}/reassign", data={"assign_to": world.users[who].id})

    assert page.field_error("assign_to") == ASSIGNEE_PROBLEM
    session.expire_all()
    assert session.get(Task, task.id).assigned_to_id == world.users["senco"].id
    assert session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_a_task_asking_for_a_review_goes_only_to_whoever_may_hold_one(session, world, senco):
    """The teacher teaches Ada but may not hold her review: the task asks what only the SENCO may do."""
    task = _task(
        session, world, pupil=world.pupils["taught"], code="senco_holds_review", title="Hold Ada Brook's review"
    )

    offered = _offered(senco.page(f"/tasks/{task.id}/reassign"))
    response = senco.post(f"/tasks/{task.id}/reassign", data={"assign_to": world.users["teacher"].id})

    assert offered == {world.users["senco"].full_name}
    assert Page(response).field_error("assign_to") == ASSIGNEE_PROBLEM


def test_a_task_about_no_pupil_goes_only_to_staff_whose_role_the_duty_is_for(session, world, senco):
    head_task = _task(
        session,
        world,
        code="head_told_engagement_overdue",
        role=Role.HEAD,
        assignee="head",
        title="Parent meetings are overdue for 3 pupils (week 48)",
    )
    other_head = make_user(session, "deputy@oak.test", Role.HEAD, school=world.school)
    session.commit()

    offered = _offered(senco.page(f"/tasks/{head_task.id}/reassign"))
    refused = senco.post(f"/tasks/{head_task.id}/reassign", data={"assign_to": world.users["teacher"].id})
    taken = senco.post(f"/tasks/{head_task.id}/reassign", data={"assign_to": other_head.id})

    assert offered == {world.users["head"].full_name, other_head.full_name}
    assert Page(refused).field_error("assign_to") == ASSIGNEE_PROBLEM
    assert taken.status_code == 302


def test_reassigning_to_a_colleague_who_has_left_is_refused(session, world, senco):
    task = _task(session, world)
    gone = make_user(session, "gone@oak.test", Role.SENCO, school=world.school)
    gone.active = False
    session.commit()

    response = senco.post(f"/tasks/{task.id}/reassign", data={"assign_to": gone.id})

    assert Page(response).field_error("assign_to") == ASSIGNEE_PROBLEM
    session.expire_all()
    assert session.get(Task, task.id).assigned_to_id == world.users["senco"].id


def test_everyone_s_tasks_filter_by_role_and_status(session, world, client, login):
    _task(session, world, title="For the SENCO", subject_id=1)
    _task(session, world, title="For the teacher", assignee="teacher", role=Role.TEACHER, subject_id=2)
    login(world.users["head"])

    page = client.page("/tasks/all?role=teacher&status=open")

    assert [row[0] for row in page.table("Tasks")] == ["For the teacher"]
    assert "For the SENCO" not in page.html


def test_a_notification_is_listed_and_marked_read(session, world, senco):
    note = Notification(
        recipient_id=world.users["senco"].id,
        kind="task_assigned",
        subject_type="task",
        subject_id=9,
        period="",
        title="Hold Ada Brook's review",
        body="Due by 2 December 2026.",
        link="/tasks/9",
    )
    session.add(note)
    session.commit()

    page = senco.page("/notifications")
    assert page.texts(".app-notification__title") == ["New Hold Ada Brook's review"]
    # The link goes through the notification, which checks the place to act again when followed.
    assert f"/notifications/{note.id}" in page.links(".app-notification")
    assert "Mark as read Hold Ada Brook's review" in page.buttons()

    assert senco.post(f"/notifications/{note.id}/read").status_code == 302
    session.expire_all()
    assert session.get(Notification, note.id).read_at is not None
    assert not any(b.startswith("Mark as read") for b in senco.page("/notifications").buttons())


def test_an_unknown_role_in_the_task_filter_gets_a_clear_message(client, world, login):
    login(world.users["senco"])

    page = client.page("/tasks/all?role=caretaker")

    assert page.field_error("role") == "There is no such role: choose one from the list"


def test_an_intervention_s_impact_task_goes_to_whoever_may_record_its_impact(session, world, senco):
    """The assistant delivers the intervention, and the teacher teaches a pupil in it: both may
    record its impact, and so may be given the task; the governor, the administrator and the
    head (who records nothing) may not."""
    from tests.factories import make_intervention, make_intervention_type

    kind = make_intervention_type(session, actor=world.users["senco"])
    intervention = make_intervention(
        session, actor=world.users["senco"], kind=kind, deliverer=world.users["ta"], pupils=[world.pupils["taught"]]
    )
    duty = sync_catalogue(session)["assistant_records_impact"]
    task = Task(
        school_id=world.school.id,
        duty_id=duty.id,
        subject_type="intervention",
        subject_id=intervention.id,
        period="",
        assigned_to_id=world.users["ta"].id,
        for_role=Role.SUPPORT_ASSISTANT,
        title="Record the impact of Lego group",
        due_on=date(2026, 12, 18),
        status=TaskStatus.OPEN,
    )
    session.add(task)
    session.commit()

    offered = _offered(senco.page(f"/tasks/{task.id}/reassign"))
    refused = senco.post(f"/tasks/{task.id}/reassign", data={"assign_to": world.users["head"].id})

    assert offered == {world.users[k].full_name for k in ("senco", "teacher", "ta")}
    assert Page(refused).field_error("assign_to") == ASSIGNEE_PROBLEM
