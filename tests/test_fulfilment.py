"""Tasks follow the records: the record that does a duty's work closes its task as done, in the
same transaction and naming the record; a task whose reason has gone closes as "no longer needed",
which is not done; only duties no record can prove are closed by hand; no task is made for a term
that can no longer count.

The world (tests.factories): Oak Primary; Ada Brook (K since 10 Sep 2025) is in 4 Oak, taught by
the teacher; Cara Dale (E) and Dev Ellis (K) are in 4 Elm, which has no teacher.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sentrack.models import (
    CycleState,
    MeetingMode,
    NeedType,
    Notification,
    ParentLetter,
    Provision,
    ReviewDecision,
    TaskStatus,
)
from sentrack.workflows import RuleBroken
from sentrack.workflows import cycles as flow
from sentrack.workflows.concerns import decide_no_further_action, raise_concern
from sentrack.workflows.duty_catalogue import DUTIES
from sentrack.workflows.fulfilment import FULFILLED, settle_tasks, settled_together
from sentrack.workflows.letters import mark_letter_sent
from sentrack.workflows.meetings import MeetingDetails, record_meeting
from sentrack.workflows.passports import mark_passport_read
from sentrack.workflows.sen_status import change_sen_status
from sentrack.workflows.sweep import run_sweep
from sentrack.workflows.tasks import complete_task
from tests.factories import HELD_ON, drive_cycle, make_pupil, review_details
from tests.test_sweep import _one, _tasks

TODAY = date(2026, 11, 27)


def _meeting(held_on: date, teacher) -> MeetingDetails:
    return MeetingDetails(
        held_on=held_on,
        mode=MeetingMode.IN_PERSON,
        led_by_id=teacher.id,
        attendees="Mother",
        pupil_views="Likes reading with a friend",
        outcomes="Keep the reading group",
        actions=None,
        shared_with_parents_on=None,
    )


def test_every_duty_says_how_it_closes_and_each_record_kind_has_a_rule():
    for spec in DUTIES:
        assert spec.closes_by.strip(), spec.code
        assert spec.fulfilled_by is None or spec.fulfilled_by in FULFILLED, spec.code
    # The duties no record can prove are the ones the issue names, and no other.
    assert {s.code for s in DUTIES if s.closed_by_hand} == {
        "head_told_engagement_overdue",
        "senco_liaises_designated_teacher",
        "senco_supports_transition",
        "governors_publish_report",
    }


# --- Done by the record, in the same transaction -----------------------------------------------


def test_a_meeting_held_in_the_term_closes_the_teachers_task_at_once_naming_it(session, world):
    ada, teacher = world.pupils["taught"], world.users["teacher"]
    run_sweep(session, TODAY, codes=["teacher_meets_parents"])
    task = _one(session, "teacher_meets_parents", pupil_id=ada.id)
    assert task.status is TaskStatus.OPEN

    meeting = record_meeting(
        session, actor=teacher, pupil=ada, details=_meeting(date(2026, 11, 25), teacher), today=TODAY
    )

    task = _one(session, "teacher_meets_parents", pupil_id=ada.id)
    assert task.status is TaskStatus.DONE
    assert (task.done_by_type, task.done_by_id) == ("parent_meeting", meeting.id)
    assert task.completed_on == date(2026, 11, 25)  # the meeting's date
    assert task.closed_on == TODAY
    assert task.completed_by_id == teacher.id
    assert task.note == f"Done: meeting with parents of 25 November 2026, recorded by {teacher.full_name}."


def test_records_made_settled_together_close_their_tasks_at_the_end_as_done_on_their_dates(session, world):
    ada, teacher = world.pupils["taught"], world.users["teacher"]
    run_sweep(session, TODAY, codes=["teacher_meets_parents"])

    with settled_together(session, TODAY):
        meeting = record_meeting(
            session, actor=teacher, pupil=ada, details=_meeting(date(2026, 11, 25), teacher), today=TODAY
        )
        assert _one(session, "teacher_meets_parents", pupil_id=ada.id).status is TaskStatus.OPEN  # waits

    task = _one(session, "teacher_meets_parents", pupil_id=ada.id)
    assert task.status is TaskStatus.DONE
    assert (task.done_by_type, task.done_by_id) == ("parent_meeting", meeting.id)
    assert task.completed_on == date(2026, 11, 25)
    # Outside the block, settling is at once again.
    assert settle_tasks(session, TODAY, pupil_ids=[ada.id]).done == 0
    assert "sentrack.fulfilment.waiting" not in session.info


def test_a_meeting_of_another_term_does_not_close_this_terms_task(session, world):
    ada, teacher = world.pupils["taught"], world.users["teacher"]
    run_sweep(session, TODAY, codes=["teacher_meets_parents"])
    # 31 August is the last day of last year's summer term; 1 September is this autumn's first.
    record_meeting(session, actor=teacher, pupil=ada, details=_meeting(date(2026, 8, 31), teacher), today=TODAY)
    assert _one(session, "teacher_meets_parents", pupil_id=ada.id).status is TaskStatus.OPEN

    record_meeting(session, actor=teacher, pupil=ada, details=_meeting(date(2026, 9, 1), teacher), today=TODAY)
    assert _one(session, "teacher_meets_parents", pupil_id=ada.id).status is TaskStatus.DONE


def test_a_meeting_before_the_pupil_was_admitted_does_not_close_the_terms_task(session, world):
    ada, teacher = world.pupils["taught"], world.users["teacher"]
    ada.admitted_on = date(2026, 9, 2)  # on SEN support from a previous school since 2025
    run_sweep(session, TODAY, codes=["teacher_meets_parents"])
    # In the autumn term, but the day before admission: the pupil's time elsewhere.
    record_meeting(session, actor=teacher, pupil=ada, details=_meeting(date(2026, 9, 1), teacher), today=TODAY)
    assert _one(session, "teacher_meets_parents", pupil_id=ada.id).status is TaskStatus.OPEN

    record_meeting(session, actor=teacher, pupil=ada, details=_meeting(date(2026, 9, 2), teacher), today=TODAY)
    assert _one(session, "teacher_meets_parents", pupil_id=ada.id).status is TaskStatus.DONE


def test_a_meeting_already_held_makes_the_task_done_at_once_and_nobody_is_told(session, world):
    ada, teacher = world.pupils["taught"], world.users["teacher"]
    record_meeting(session, actor=teacher, pupil=ada, details=_meeting(date(2026, 10, 5), teacher), today=TODAY)

    summary = run_sweep(session, TODAY, codes=["teacher_meets_parents"])

    task = _one(session, "teacher_meets_parents", pupil_id=ada.id)
    assert task.status is TaskStatus.DONE and task.done_by_type == "parent_meeting"
    assert summary.tasks_done >= 1
    told = session.scalars(
        sa.select(Notification).where(Notification.subject_type == "task", Notification.subject_id == task.id)
    ).all()
    assert told == []


def test_recording_the_review_closes_hold_the_review(session, world):
    senco, ada = world.users["senco"], world.pupils["taught"]
    cycle = drive_cycle(session, actor=senco, pupil=ada, to=CycleState.REVIEW)
    run_sweep(session, TODAY, codes=["senco_holds_review"])
    task = _one(session, "senco_holds_review", subject_id=cycle.id)
    assert task.status is TaskStatus.OPEN and task.due_on < TODAY  # overdue: the review date was 2 Nov

    flow.save_review(
        session,
        actor=senco,
        cycle=cycle,
        expected_version=None,
        today=HELD_ON,
        details=review_details(cycle, decision=ReviewDecision.CONTINUE),
    )
    flow.record_review(session, actor=senco, cycle=cycle, today=TODAY)

    task = _one(session, "senco_holds_review", subject_id=cycle.id)
    assert task.status is TaskStatus.DONE
    assert (task.done_by_type, task.done_by_id) == ("review", cycle.review.id)
    assert task.note.startswith(f"Done: review of {HELD_ON.day} {HELD_ON:%B %Y}, recorded by ")


def test_marking_the_letter_sent_closes_its_task(session, world):
    senco, dev = world.users["senco"], world.pupils["untaught_k"]
    change_sen_status(
        session,
        actor=senco,
        pupil=dev,
        provision=Provision.NONE,
        primary_need=None,
        secondary_need=None,
        start_date=date(2026, 10, 1),
        reason="Progress",
        today=TODAY,
    )
    change_sen_status(
        session,
        actor=senco,
        pupil=dev,
        provision=Provision.SEN_SUPPORT,
        primary_need=NeedType.SPLD,
        secondary_need=None,
        start_date=date(2026, 11, 2),
        reason="Needs again",
        today=date(2026, 11, 2),
    )
    letter = session.scalars(sa.select(ParentLetter).where(ParentLetter.pupil_id == dev.id)).one()
    run_sweep(session, TODAY, codes=["senco_tells_parents"])
    assert _one(session, "senco_tells_parents", subject_id=letter.id).status is TaskStatus.OPEN

    mark_letter_sent(session, actor=senco, letter=letter, pupil=dev, today=TODAY)

    task = _one(session, "senco_tells_parents", subject_id=letter.id)
    assert task.status is TaskStatus.DONE and task.done_by_type == "parent_letter"
    assert task.note == f"Done: letter sent on 27 November 2026, recorded by {senco.full_name}."


def test_deciding_the_concern_closes_its_task_and_a_decided_concern_gets_none(session, world):
    senco, ben = world.users["senco"], world.pupils["taught_plain"]
    concern = raise_concern(
        session,
        actor=senco,
        pupil=ben,
        raised_on=date(2026, 11, 2),
        area_of_need=None,
        description="Struggles to follow instructions",
        today=date(2026, 11, 2),
    )
    decided = raise_concern(
        session,
        actor=senco,
        pupil=ben,
        raised_on=date(2026, 11, 3),
        area_of_need=None,
        description="Reading",
        today=date(2026, 11, 3),
    )
    decide_no_further_action(
        session,
        actor=senco,
        concern=decided,
        reason="Caught up",
        decided_on=date(2026, 11, 10),
        today=date(2026, 11, 10),
    )
    run_sweep(session, TODAY, codes=["senco_decides_concern"])
    assert _tasks(session, "senco_decides_concern", subject_id=decided.id) == []
    assert _one(session, "senco_decides_concern", subject_id=concern.id).status is TaskStatus.OPEN

    decide_no_further_action(
        session, actor=senco, concern=concern, reason="Hearing checked", decided_on=TODAY, today=TODAY
    )

    task = _one(session, "senco_decides_concern", subject_id=concern.id)
    assert task.status is TaskStatus.DONE and (task.done_by_type, task.done_by_id) == ("concern", concern.id)


def test_reading_the_passport_closes_the_teachers_task(session, world):
    ada, teacher = world.pupils["taught"], world.users["teacher"]
    run_sweep(session, TODAY, codes=["teacher_acknowledges_passport"])
    assert _one(session, "teacher_acknowledges_passport", pupil_id=ada.id).status is TaskStatus.OPEN

    read = mark_passport_read(session, actor=teacher, pupil=ada, today=TODAY)
    again = mark_passport_read(session, actor=teacher, pupil=ada, today=TODAY)

    assert again.id == read.id  # a second "I have read it" is the first
    task = _one(session, "teacher_acknowledges_passport", pupil_id=ada.id)
    assert task.status is TaskStatus.DONE and (task.done_by_type, task.done_by_id) == ("passport_read", read.id)


def test_a_new_sen_status_asks_for_the_new_passport_and_the_old_task_goes(session, world):
    senco, ada = world.users["senco"], world.pupils["taught"]
    run_sweep(session, TODAY, codes=["teacher_acknowledges_passport"])
    old = _one(session, "teacher_acknowledges_passport", pupil_id=ada.id)

    change_sen_status(
        session,
        actor=senco,
        pupil=ada,
        provision=Provision.EHC_PLAN,
        primary_need=NeedType.SPLD,
        secondary_need=None,
        start_date=TODAY,
        reason="EHC plan issued",
        today=TODAY,
    )
    run_sweep(session, TODAY, codes=["teacher_acknowledges_passport"])

    tasks = _tasks(session, "teacher_acknowledges_passport", pupil_id=ada.id)
    assert tasks[0].id == old.id
    assert [t.status for t in tasks] == [TaskStatus.CANCELLED, TaskStatus.OPEN]
    assert "passport changed" in tasks[0].note


def test_a_pupil_off_the_register_has_no_passport_to_read(session, world):
    with pytest.raises(RuleBroken):
        mark_passport_read(session, actor=world.users["teacher"], pupil=world.pupils["taught_plain"], today=TODAY)


def test_the_passport_route_closes_the_task_and_answers_404_outside_scope(session, world, login):
    ada, cara = world.pupils["taught"], world.pupils["untaught"]
    run_sweep(session, TODAY, codes=["teacher_acknowledges_passport"])
    session.commit()
    client = login(world.users["teacher"])

    assert client.post(f"/pupils/{cara.public_id}/passport/read").status_code == 404
    response = client.post(f"/pupils/{ada.public_id}/passport/read")

    assert response.status_code == 302
    assert _one(session, "teacher_acknowledges_passport", pupil_id=ada.id).status is TaskStatus.DONE


def test_a_record_made_after_a_stale_record_task_closes_it(app, session, world, monkeypatch):
    senco, ada = world.users["senco"], world.pupils["taught"]
    later = TODAY + timedelta(weeks=9)
    monkeypatch.setitem(app.config, "TODAY", later)  # entries are recorded on the app's date
    run_sweep(session, later, codes=["senco_keeps_records_current"])
    assert _one(session, "senco_keeps_records_current", pupil_id=ada.id).status is TaskStatus.OPEN

    raise_concern(
        session, actor=senco, pupil=ada, raised_on=later, area_of_need=None, description="Anxious", today=later
    )
    settle_tasks(session, later, pupil_ids=[ada.id])  # as the next sweep does

    task = _one(session, "senco_keeps_records_current", pupil_id=ada.id)
    assert task.status is TaskStatus.DONE and task.done_by_type == "timeline_event"


# --- No longer needed --------------------------------------------------------------------------


def test_stepping_down_closes_the_register_tasks_as_no_longer_needed_not_done(session, world):
    senco, ada = world.users["senco"], world.pupils["taught"]
    run_sweep(session, TODAY, codes=["teacher_meets_parents", "teacher_acknowledges_passport"])

    change_sen_status(
        session,
        actor=senco,
        pupil=ada,
        provision=Provision.NONE,
        primary_need=None,
        secondary_need=None,
        start_date=TODAY,
        reason="Caught up",
        today=TODAY,
    )

    for code in ("teacher_meets_parents", "teacher_acknowledges_passport"):
        task = _one(session, code, pupil_id=ada.id)
        assert task.status is TaskStatus.CANCELLED and task.status.label == "No longer needed"
        assert task.completed_on is None and task.closed_on == TODAY
        assert "no longer on the SEN register" in task.note


def test_a_pupil_who_leaves_has_their_tasks_closed_as_no_longer_needed_from_the_leaving_date(session, world):
    ada = world.pupils["taught"]
    run_sweep(session, TODAY, codes=["teacher_meets_parents"])
    ada.admitted_on, ada.left_on, ada.leaving_reason = date(2025, 9, 1), TODAY + timedelta(days=1), "Moved away"
    session.flush()

    settle_tasks(session, TODAY, pupil_ids=[ada.id])  # the day before leaving: still needed
    assert _one(session, "teacher_meets_parents", pupil_id=ada.id).status is TaskStatus.OPEN
    run_sweep(session, TODAY + timedelta(days=1))  # the leaving date
    task = _one(session, "teacher_meets_parents", pupil_id=ada.id)
    assert task.status is TaskStatus.CANCELLED and "left the school" in task.note


def test_the_annual_review_task_goes_when_the_plan_ceases(session, world):
    from tests.test_ehc_duties import ehc_plan

    cara = world.pupils["untaught"]
    plan = ehc_plan(session, cara, date(2025, 12, 20))  # review due within eight weeks of 27 Nov 2026
    session.flush()
    run_sweep(session, TODAY, codes=["senco_convenes_ehc_review"])
    assert _one(session, "senco_convenes_ehc_review", pupil_id=cara.id).status is TaskStatus.OPEN

    plan.ceased_on, plan.cease_reason = TODAY, "Needs met without a plan"
    settle_tasks(session, TODAY, pupil_ids=[cara.id])  # as the operation ceasing the plan does

    task = _one(session, "senco_convenes_ehc_review", pupil_id=cara.id)
    assert task.status is TaskStatus.CANCELLED and "EHC plan has ceased" in task.note


# --- By hand only where no record can prove it -------------------------------------------------


def test_a_task_a_record_closes_cannot_be_ticked_off_by_hand(session, world):
    ada, teacher = world.pupils["taught"], world.users["teacher"]
    run_sweep(session, TODAY, codes=["teacher_meets_parents"])
    task = _one(session, "teacher_meets_parents", pupil_id=ada.id)

    with pytest.raises(RuleBroken, match="closes by itself"):
        complete_task(session, actor=teacher, task=task, note="Met them", today=TODAY)


def test_a_duty_no_record_proves_is_closed_by_hand_with_a_note(session, world):
    senco = world.users["senco"]
    make_pupil(session, world.school, first="Yan", last="Six", year=6, provision=Provision.SEN_SUPPORT)
    run_sweep(session, TODAY, codes=["senco_supports_transition"])
    task = _tasks(session, "senco_supports_transition")[0]

    complete_task(session, actor=senco, task=task, note="Met the secondary SENCO", today=TODAY)

    assert (task.status, task.completed_on, task.closed_on, task.done_by_type) == (TaskStatus.DONE, TODAY, TODAY, None)


# --- No task for a period that can no longer count ---------------------------------------------


@pytest.mark.parametrize(
    ("placed_on", "expected"),
    [
        (date(2026, 12, 3), True),  # 29 days to 31 December, the day counted: the autumn counts
        (date(2026, 12, 4), True),  # 28 days: still counts
        (date(2026, 12, 5), False),  # 27 days: the autumn cannot count
        (date(2026, 12, 26), False),
    ],
)
def test_a_pupil_placed_late_in_the_term_gets_no_task_for_it(session, world, placed_on, expected):
    senco = world.users["senco"]
    pupil = make_pupil(session, world.school, first="Late", last="Comer", group=world.group)
    change_sen_status(
        session,
        actor=senco,
        pupil=pupil,
        provision=Provision.SEN_SUPPORT,
        primary_need=NeedType.MLD,
        secondary_need=None,
        start_date=placed_on,
        reason="Assessed",
        today=placed_on,
    )
    run_sweep(session, placed_on, codes=["teacher_meets_parents"])

    assert bool(_tasks(session, "teacher_meets_parents", pupil_id=pupil.id)) is expected


def test_tasks_overdue_on_the_dashboard_leaves_out_work_done(session, world):
    from sentrack.workflows.compliance import compliance_figures

    ada, teacher = world.pupils["taught"], world.users["teacher"]
    run_sweep(session, date(2026, 12, 31), codes=["teacher_meets_parents"])
    after = date(2027, 1, 4)
    overdue_before = compliance_figures(session, world.school, after)["tasks_overdue"].count
    record_meeting(session, actor=teacher, pupil=ada, details=_meeting(date(2026, 12, 18), teacher), today=after)

    assert compliance_figures(session, world.school, after)["tasks_overdue"].count == overdue_before - 1


def test_every_operation_that_writes_on_a_timeline_settles_the_pupils_tasks():
    """A record kept current closes its task the day it is made: every workflow operation that
    adds a timeline event (and knows the day) settles tasks; the steps that add events for an
    operation are called by that operation, which does."""
    import ast
    import pathlib

    import sentrack.workflows as package

    called_within = {
        "meeting_from_review": "record_review",
        "meeting_from_plan": "save_plan",
        "_add_to_timeline": "change_sen_status",
        "_replace_places": "update_intervention",
    }
    missing = []
    bodies: dict[str, str] = {}
    for path in pathlib.Path(package.__file__).parent.glob("*.py"):
        source = path.read_text()
        bodies |= {
            node.name: ast.get_source_segment(source, node)
            for node in ast.parse(source).body
            if isinstance(node, ast.FunctionDef)
        }
        for node in ast.parse(source).body:
            if not isinstance(node, ast.FunctionDef) or node.name == "add_event":
                continue
            body = ast.get_source_segment(source, node)
            if "add_event(" not in body:
                continue
            arguments = {a.arg for a in node.args.args + node.args.kwonlyargs}
            if node.name in called_within:
                continue  # a step of its operation, checked below
            if "today" in arguments:
                if "settle_tasks(" not in body and "reopen_after_leaving_undone(" not in body:
                    missing.append(f"{path.name}:{node.name}")
            else:
                missing.append(f"{path.name}:{node.name} writes on a timeline without knowing the day")
    assert missing == []
    # Each of those is called by its operation, which settles the tasks.
    for step, operation in called_within.items():
        assert f"{step}(" in bodies[operation] and "settle_tasks(" in bodies[operation], (step, operation)


def test_a_terms_task_follows_the_dates_the_school_sets_for_the_term_after_it_was_made(session, world):
    from sentrack.models import Season
    from sentrack.workflows.settings import TermDetails, save_term

    ada, teacher, senco = world.pupils["taught"], world.users["teacher"], world.users["senco"]
    run_sweep(session, date(2026, 9, 7), codes=["teacher_meets_parents"])  # the default autumn: 1 Sep to 31 Dec
    task = _one(session, "teacher_meets_parents", pupil_id=ada.id)
    assert (task.period, task.due_on) == ("term:2026-autumn", date(2026, 12, 31))

    save_term(
        session,
        actor=senco,
        school=world.school,
        details=TermDetails(
            academic_year=2026, season=Season.AUTUMN, starts_on=date(2026, 9, 3), ends_on=date(2026, 12, 18)
        ),
    )
    run_sweep(session, date(2026, 9, 10), codes=["teacher_meets_parents"])

    task = _one(session, "teacher_meets_parents", pupil_id=ada.id)  # still one task for the autumn
    assert (task.period, task.due_on) == ("term:2026-autumn", date(2026, 12, 18))
    # A meeting held on 19 December is after the school's autumn: it does not close the task.
    record_meeting(
        session, actor=teacher, pupil=ada, details=_meeting(date(2026, 12, 19), teacher), today=date(2026, 12, 21)
    )
    assert _one(session, "teacher_meets_parents", pupil_id=ada.id).status is TaskStatus.OPEN
    record_meeting(
        session, actor=teacher, pupil=ada, details=_meeting(date(2026, 12, 18), teacher), today=date(2026, 12, 21)
    )
    assert _one(session, "teacher_meets_parents", pupil_id=ada.id).status is TaskStatus.DONE


@pytest.mark.parametrize(
    ("left_on", "needs_impact"),
    [
        (date(2026, 11, 19), False),  # left the day before the intervention's last day
        (date(2026, 11, 20), False),  # left on its last day: not on the roll that day
        (date(2026, 11, 21), True),  # left the day after it ended: took part to the end
    ],
)
def test_a_pupil_who_left_before_an_intervention_ended_has_no_impact_to_record(session, world, left_on, needs_impact):
    from sentrack.workflows import interventions as iflow
    from sentrack.workflows.compliance import compliance_figures
    from tests.factories import make_intervention, make_intervention_type

    senco, ada, dev = world.users["senco"], world.pupils["taught"], world.pupils["untaught_k"]
    kind = make_intervention_type(session, actor=senco)
    iv = make_intervention(
        session,
        actor=senco,
        kind=kind,
        deliverer=world.users["ta"],
        pupils=[ada, dev],
        starts_on=date(2026, 9, 14),
        ends_on=date(2026, 11, 20),
    )
    dev.admitted_on, dev.left_on, dev.leaving_reason = date(2025, 9, 1), left_on, "Moved away"
    session.flush()
    run_sweep(session, TODAY, codes=["assistant_records_impact"])

    assert {p.pupil_id for p in iflow.impact_places(iv)} == ({ada.id, dev.id} if needs_impact else {ada.id})
    ada_only = {ada.id: iflow.ImpactResult(None, 1, None)}
    if needs_impact:
        with pytest.raises(RuleBroken, match="every pupil"):
            iflow.record_impact(session, actor=world.users["ta"], intervention=iv, today=TODAY, results=ada_only)
    else:
        iflow.record_impact(session, actor=world.users["ta"], intervention=iv, today=TODAY, results=ada_only)

    task = _one(session, "assistant_records_impact", subject_id=iv.id)
    assert (task.status is TaskStatus.DONE) is not needs_impact
    figure = compliance_figures(session, world.school, TODAY)["interventions_without_impact"]
    assert (iv.id in figure.ids) is needs_impact


def test_the_check_for_a_leaver_reads_the_places_own_pupil_and_intervention_in_any_query(session):
    """`awaiting_impact` is correlated to the place alone: wherever it is used (a query of places,
    of tasks, of interventions), it never joins every pupil who has left with every intervention,
    which at a large authority read tens of millions of rows for one sweep's rule."""
    from sentrack.models import Intervention, InterventionPupil, Task
    from sentrack.workflows.register import awaiting_impact

    queries = [
        sa.select(InterventionPupil.intervention_id).where(awaiting_impact()),
        sa.select(Task.id).where(
            sa.select(InterventionPupil.id)
            .where(InterventionPupil.intervention_id == Task.subject_id, awaiting_impact())
            .exists()
        ),
        sa.select(Intervention.id).where(
            Intervention.id.in_(sa.select(InterventionPupil.intervention_id).where(awaiting_impact()))
        ),
    ]
    for query in queries:
        sql = " ".join(str(query.compile(session.get_bind())).split())
        assert sql.count("FROM intervention_pupil") == 1, sql  # the place is the query's own
        assert "FROM pupil WHERE pupil.id = intervention_pupil.pupil_id" in sql, sql
        assert "FROM pupil," not in sql and ", intervention_pupil" not in sql, sql
