"""EHC duties (issue 15): each step of a needs assessment request and of an annual review makes a
task for the right person (the SENCO convenes, holds and reports; the LA officer decides), on the
right day and not before, once; the record of the step closes it as done, naming the record, in the
same transaction (`settle_tasks`, as the operation that records the step calls it) or at the next
sweep; it closes as "no longer needed" when the request is withdrawn or ends, the plan ceases or
the pupil leaves. The dashboard's EHC figures and the SENCO's home page read each plan's real
review date (`ehc_schedule.review_schedule`).

The world (tests.factories): Oak Primary (Test Borough, whose officer is `la`); Cara Dale (Year 4,
on "E" since 10 Sep 2025, no plan record) and Dev Ellis (K) in 4 Elm. The records of each step are
written here directly, as the request, plan and review pages write them.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from sentrack.models import (
    AssessmentDecision,
    EhcAdvice,
    EhcPlan,
    EhcRequest,
    EhcRequester,
    EhcReview,
    NeedType,
    PlanDecision,
    Provision,
    ReviewKind,
    ReviewOutcome,
    Role,
    TaskStatus,
)
from sentrack.workflows import ehc_dates
from sentrack.workflows.compliance import compliance_figures
from sentrack.workflows.ehc_plans import PlanDetails, add_plan
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.sweep import run_sweep
from tests.factories import make_pupil
from tests.test_sweep import _one, _tasks

TODAY = date(2026, 11, 27)
DAY = timedelta(days=1)


def ehc_plan(session, pupil, issued_on: date, *, ceased_on: date | None = None) -> EhcPlan:
    plan = EhcPlan(
        pupil_id=pupil.id,
        local_authority_id=pupil.school.local_authority_id,
        issued_on=issued_on,
        named_setting=pupil.school.name,
        primary_need=NeedType.ASD,
        ceased_on=ceased_on,
    )
    session.add(plan)
    session.flush()
    return plan


def ehc_request(session, pupil, received_on: date, **fields) -> EhcRequest:
    request = EhcRequest(pupil_id=pupil.id, requested_by=EhcRequester.PARENT, received_on=received_on, **fields)
    session.add(request)
    session.flush()
    return request


def ehc_review(session, plan, meeting_on: date, **fields) -> EhcReview:
    review = EhcReview(plan_id=plan.id, meeting_on=meeting_on, **fields)
    session.add(review)
    session.flush()
    return review


def _sweep(session, day: date, *codes: str):
    summary = run_sweep(session, day, codes=list(codes))
    session.commit()
    return summary


def _settle(session, pupil, day: date = TODAY):
    """What the operation recording a step does at its end, in its transaction."""
    settle_tasks(session, day, pupil_ids=[pupil.id])


@pytest.fixture
def kit(session, world):
    """Kit Moss, Year 4 at Oak Primary, on "E"."""
    return make_pupil(session, world.school, first="Kit", last="Moss", provision=Provision.EHC_PLAN)


# --- The authority's steps on a request -------------------------------------------------------------


def test_the_decision_to_assess_is_asked_of_the_officer_from_the_day_the_request_is_received(session, world, kit):
    request = ehc_request(session, kit, date(2026, 11, 2))
    session.commit()
    _sweep(session, date(2026, 11, 1), "la_decides_assessment")
    assert _tasks(session, "la_decides_assessment", pupil_id=kit.id) == []

    _sweep(session, date(2026, 11, 2), "la_decides_assessment")
    _sweep(session, date(2026, 11, 3), "la_decides_assessment")  # once

    task = _one(session, "la_decides_assessment", pupil_id=kit.id)
    assert (task.subject_type, task.subject_id) == ("ehc_request", request.id)
    assert task.due_on == date(2026, 12, 14) == ehc_dates.decision_to_assess_due(request.received_on)
    assert (task.for_role, task.assigned_to_id) == (Role.LA_OFFICER, world.users["la"].id)
    assert task.title == "Decide whether to assess Kit Moss for an EHC plan"


def test_the_decision_recorded_closes_the_task_at_once_naming_it(session, world, kit):
    request = ehc_request(session, kit, date(2026, 11, 2))
    _sweep(session, TODAY, "la_decides_assessment")

    request.assessment, request.assessment_decided_on = AssessmentDecision.AGREED, date(2026, 11, 25)
    _settle(session, kit)

    task = _one(session, "la_decides_assessment", pupil_id=kit.id)
    assert task.status is TaskStatus.DONE
    assert (task.done_by_type, task.done_by_id) == ("ehc_request", request.id)
    assert (task.completed_on, task.closed_on) == (date(2026, 11, 25), TODAY)
    assert task.note == "Done: decision of 25 November 2026: assessment agreed."


def test_the_sweep_closes_a_step_recorded_any_other_way(session, world, kit):
    request = ehc_request(session, kit, date(2026, 11, 2))
    _sweep(session, TODAY, "la_decides_assessment")
    request.assessment, request.assessment_decided_on = AssessmentDecision.REFUSED, date(2026, 11, 26)
    session.commit()
    assert _one(session, "la_decides_assessment", pupil_id=kit.id).status is TaskStatus.OPEN

    _sweep(session, TODAY + DAY, "la_decides_assessment")

    task = _one(session, "la_decides_assessment", pupil_id=kit.id)
    assert task.status is TaskStatus.DONE and task.note == "Done: decision of 26 November 2026: assessment refused."


def test_a_request_withdrawn_ends_its_tasks_as_no_longer_needed(session, world, kit):
    request = ehc_request(session, kit, date(2026, 11, 2))
    _sweep(session, TODAY, "la_decides_assessment")
    request.withdrawn_on, request.withdrawn_reason = TODAY, "The parents asked to withdraw"
    _settle(session, kit)

    task = _one(session, "la_decides_assessment", pupil_id=kit.id)
    assert task.status is TaskStatus.CANCELLED and task.note == "No longer needed: the request was withdrawn."
    assert task.done_by_type is None
    _sweep(session, TODAY + DAY, "la_decides_assessment")
    assert len(_tasks(session, "la_decides_assessment", pupil_id=kit.id)) == 1  # no new task


def test_a_pupil_who_leaves_takes_their_request_tasks_with_them(session, world, kit):
    ehc_request(session, kit, date(2026, 11, 2))
    _sweep(session, TODAY, "la_decides_assessment")
    kit.left_on, kit.leaving_reason = TODAY + DAY, "Moved away"
    session.commit()

    _sweep(session, TODAY + DAY, "la_decides_assessment")

    task = _one(session, "la_decides_assessment", pupil_id=kit.id)
    assert task.status is TaskStatus.CANCELLED and "left the school" in task.note


def test_each_advice_asked_is_due_six_weeks_on_and_closes_when_received(session, world, kit):
    request = ehc_request(
        session, kit, date(2026, 9, 1), assessment=AssessmentDecision.AGREED, assessment_decided_on=date(2026, 10, 1)
    )
    ep = EhcAdvice(request_id=request.id, adviser="Educational psychologist", asked_on=date(2026, 10, 5))
    health = EhcAdvice(request_id=request.id, adviser="Health", asked_on=date(2026, 11, 28))
    session.add_all([ep, health])
    session.commit()

    _sweep(session, TODAY, "la_receives_advice")

    task = _one(session, "la_receives_advice", pupil_id=kit.id)  # the health advice is not asked yet
    assert (task.subject_type, task.subject_id, task.due_on) == ("ehc_advice", ep.id, date(2026, 11, 16))
    assert task.assigned_to_id == world.users["la"].id
    ep.received_on = date(2026, 11, 20)
    _settle(session, kit)
    task = _one(session, "la_receives_advice", pupil_id=kit.id)
    assert task.status is TaskStatus.DONE
    assert task.note == "Done: advice from Educational psychologist received on 20 November 2026."

    _sweep(session, date(2026, 11, 28), "la_receives_advice")
    later = _one(session, "la_receives_advice", subject_id=health.id)
    assert later.due_on == ehc_dates.advice_due(date(2026, 11, 28))
    request.plan_decision, request.plan_decided_on = PlanDecision.NO_PLAN, date(2026, 11, 29)
    _settle(session, kit, date(2026, 11, 29))
    later = _one(session, "la_receives_advice", subject_id=health.id)
    assert later.status is TaskStatus.CANCELLED and later.note == "No longer needed: the request has ended."


def test_the_plan_decision_is_due_at_16_weeks_and_a_decision_not_to_issue_waits_for_the_parents(session, world, kit):
    received = date(2026, 9, 1)
    request = ehc_request(session, kit, received)
    session.commit()
    _sweep(session, TODAY, "la_decides_plan")
    assert _tasks(session, "la_decides_plan", pupil_id=kit.id) == []  # not before the assessment is agreed

    request.assessment, request.assessment_decided_on = AssessmentDecision.AGREED, date(2026, 10, 1)
    session.commit()
    _sweep(session, TODAY, "la_decides_plan")
    task = _one(session, "la_decides_plan", pupil_id=kit.id)
    assert task.due_on == date(2026, 12, 22) == ehc_dates.no_plan_notice_due(received)

    request.plan_decision, request.plan_decided_on = PlanDecision.NO_PLAN, TODAY
    _settle(session, kit)
    assert _one(session, "la_decides_plan", pupil_id=kit.id).status is TaskStatus.OPEN  # the parents not told yet
    request.parents_told_on = TODAY + DAY
    _settle(session, kit, TODAY + DAY)
    task = _one(session, "la_decides_plan", pupil_id=kit.id)
    assert task.status is TaskStatus.DONE
    assert task.note == "Done: parents told on 28 November 2026 that no plan will be issued."


def test_the_final_plan_is_due_at_20_weeks_and_closes_when_issued(session, world, kit):
    received = date(2026, 8, 3)
    request = ehc_request(
        session,
        kit,
        received,
        assessment=AssessmentDecision.AGREED,
        assessment_decided_on=date(2026, 9, 1),
        plan_decision=PlanDecision.ISSUE,
        plan_decided_on=date(2026, 11, 2),
    )
    session.commit()
    _sweep(session, TODAY, "la_decides_plan", "la_issues_final_plan")
    assert _tasks(session, "la_decides_plan", pupil_id=kit.id) == []  # decided before it was asked
    task = _one(session, "la_issues_final_plan", pupil_id=kit.id)
    assert task.due_on == date(2026, 12, 21) == ehc_dates.final_plan_due(received)
    assert task.for_role is Role.LA_OFFICER

    request.final_issued_on = date(2026, 12, 18)
    _settle(session, kit, date(2026, 12, 18))
    task = _one(session, "la_issues_final_plan", pupil_id=kit.id)
    assert task.status is TaskStatus.DONE and task.note == "Done: final plan issued on 18 December 2026."


# --- The school's steps for the annual review -------------------------------------------------------


def test_the_senco_is_asked_to_convene_eight_weeks_before_the_review_is_due(session, world, kit):
    plan = ehc_plan(session, kit, date(2026, 1, 10))  # review due 10 January 2027
    session.commit()
    _sweep(session, date(2026, 11, 14), "senco_convenes_ehc_review")
    assert _tasks(session, "senco_convenes_ehc_review", pupil_id=kit.id) == []

    _sweep(session, date(2026, 11, 15), "senco_convenes_ehc_review")
    _sweep(session, TODAY, "senco_convenes_ehc_review")

    task = _one(session, "senco_convenes_ehc_review", pupil_id=kit.id)
    assert (task.subject_type, task.subject_id, task.period) == ("ehc_plan", plan.id, "since:2026-01-10")
    assert task.due_on == date(2026, 12, 27) == ehc_dates.invitations_due(date(2027, 1, 10))
    assert (task.for_role, task.assigned_to_id) == (Role.SENCO, world.users["senco"].id)


def test_convening_closes_the_task_and_holding_the_meeting_the_next(session, world, kit):
    plan = ehc_plan(session, kit, date(2026, 1, 10))
    _sweep(session, TODAY, "senco_convenes_ehc_review", "senco_holds_ehc_review")
    assert _tasks(session, "senco_holds_ehc_review", pupil_id=kit.id) == []  # two weeks before only

    review = ehc_review(session, plan, date(2027, 1, 5), convened_on=date(2026, 12, 1))
    _settle(session, kit, date(2026, 12, 1))
    task = _one(session, "senco_convenes_ehc_review", pupil_id=kit.id)
    assert task.status is TaskStatus.DONE and (task.done_by_type, task.done_by_id) == ("ehc_review", review.id)
    assert task.note == "Done: annual review convened on 1 December 2026 for 5 January 2027."

    _sweep(session, date(2026, 12, 27), "senco_convenes_ehc_review", "senco_holds_ehc_review")
    held = _one(session, "senco_holds_ehc_review", pupil_id=kit.id)
    assert (held.due_on, held.status) == (date(2027, 1, 10), TaskStatus.OPEN)
    review.held_on = date(2027, 1, 5)
    _settle(session, kit, date(2027, 1, 5))
    held = _one(session, "senco_holds_ehc_review", pupil_id=kit.id)
    assert held.status is TaskStatus.DONE and held.completed_on == date(2027, 1, 5)

    # The meeting held starts the next period: nothing more until 8 weeks before 5 January 2028.
    _sweep(session, date(2027, 11, 9), "senco_convenes_ehc_review", "senco_holds_ehc_review")
    assert len(_tasks(session, "senco_convenes_ehc_review", pupil_id=kit.id)) == 1
    _sweep(session, date(2027, 11, 10), "senco_convenes_ehc_review")
    assert [t.period for t in _tasks(session, "senco_convenes_ehc_review", pupil_id=kit.id)] == [
        "since:2026-01-10",
        "since:2027-01-05",
    ]


def test_an_interim_review_or_one_of_a_past_year_does_not_close_this_years_task(session, world, kit):
    plan = ehc_plan(session, kit, date(2025, 1, 10))
    ehc_review(session, plan, date(2025, 12, 1), convened_on=date(2025, 11, 1), held_on=date(2025, 12, 1))
    ehc_review(session, plan, date(2026, 11, 20), kind=ReviewKind.INTERIM, convened_on=date(2026, 11, 1))  # interim
    session.commit()

    _sweep(session, TODAY, "senco_convenes_ehc_review")  # due 1 December 2026

    task = _one(session, "senco_convenes_ehc_review", pupil_id=kit.id)
    assert task.period == "since:2025-12-01" and task.status is TaskStatus.OPEN


def test_a_ceased_plan_ends_its_review_tasks(session, world, kit):
    plan = ehc_plan(session, kit, date(2026, 1, 10))
    _sweep(session, TODAY, "senco_convenes_ehc_review")
    plan.ceased_on, plan.cease_reason = TODAY, "Needs met"
    _settle(session, kit)

    task = _one(session, "senco_convenes_ehc_review", pupil_id=kit.id)
    assert task.status is TaskStatus.CANCELLED and task.note == "No longer needed: the EHC plan has ceased."
    _sweep(session, TODAY + DAY, "senco_convenes_ehc_review")
    assert len(_tasks(session, "senco_convenes_ehc_review", pupil_id=kit.id)) == 1


def test_the_report_and_the_authoritys_decision_follow_the_meeting(session, world, kit):
    plan = ehc_plan(session, kit, date(2026, 1, 10))
    review = ehc_review(session, plan, date(2026, 11, 20), convened_on=date(2026, 11, 1))
    _sweep(session, TODAY, "senco_sends_ehc_review_report", "la_decides_ehc_review")
    assert _tasks(session, "senco_sends_ehc_review_report", pupil_id=kit.id) == []  # not held yet

    review.held_on = date(2026, 11, 20)
    _sweep(session, TODAY, "senco_sends_ehc_review_report", "la_decides_ehc_review")
    report = _one(session, "senco_sends_ehc_review_report", pupil_id=kit.id)
    assert (report.due_on, report.for_role) == (date(2026, 12, 4), Role.SENCO)
    decision = _one(session, "la_decides_ehc_review", pupil_id=kit.id)
    assert (decision.due_on, decision.assigned_to_id) == (date(2026, 12, 18), world.users["la"].id)
    assert (decision.subject_type, decision.subject_id) == ("ehc_review", review.id)

    review.report_sent_on = date(2026, 12, 2)
    _settle(session, kit)
    assert _one(session, "senco_sends_ehc_review_report", pupil_id=kit.id).note == (
        "Done: review report sent on 2 December 2026."
    )
    review.la_decision, review.la_decided_on = ReviewOutcome.KEEP, date(2026, 12, 10)
    _settle(session, kit)
    decision = _one(session, "la_decides_ehc_review", pupil_id=kit.id)
    assert decision.status is TaskStatus.DONE
    assert decision.note == "Done: decision of 10 December 2026: keep the plan as it is."


def test_an_amended_plan_is_due_eight_weeks_after_the_proposals(session, world, kit):
    plan = ehc_plan(session, kit, date(2026, 1, 10))
    review = ehc_review(
        session,
        plan,
        date(2026, 11, 2),
        convened_on=date(2026, 10, 1),
        held_on=date(2026, 11, 2),
        la_decision=ReviewOutcome.AMEND,
        la_decided_on=date(2026, 11, 20),
    )
    _sweep(session, TODAY, "la_finalises_amended_plan")
    assert _tasks(session, "la_finalises_amended_plan", pupil_id=kit.id) == []  # no proposals yet

    review.amendments_proposed_on = date(2026, 11, 20)
    _sweep(session, TODAY, "la_finalises_amended_plan")
    task = _one(session, "la_finalises_amended_plan", pupil_id=kit.id)
    assert task.due_on == date(2027, 1, 15) == ehc_dates.amended_plan_due(date(2026, 11, 20))

    review.amended_final_on = date(2027, 1, 12)
    _settle(session, kit, date(2027, 1, 12))
    task = _one(session, "la_finalises_amended_plan", pupil_id=kit.id)
    assert task.status is TaskStatus.DONE and task.note == "Done: amended plan final on 12 January 2027."


def test_a_decision_no_longer_to_amend_ends_the_amended_plan_task(session, world, kit):
    plan = ehc_plan(session, kit, date(2026, 1, 10))
    review = ehc_review(
        session,
        plan,
        date(2026, 11, 2),
        convened_on=date(2026, 10, 1),
        held_on=date(2026, 11, 2),
        la_decision=ReviewOutcome.AMEND,
        la_decided_on=date(2026, 11, 20),
        amendments_proposed_on=date(2026, 11, 20),
    )
    _sweep(session, TODAY, "la_finalises_amended_plan")
    review.la_decision, review.amendments_proposed_on = ReviewOutcome.KEEP, None
    _settle(session, kit)

    task = _one(session, "la_finalises_amended_plan", pupil_id=kit.id)
    assert task.status is TaskStatus.CANCELLED
    assert task.note == "No longer needed: the decision is no longer to amend the plan."


# --- A pupil on "E" without a plan record ------------------------------------------------------------


def test_the_senco_adds_the_plan_of_a_pupil_on_e_without_one_and_adding_it_closes_the_task(session, world):
    cara, senco = world.pupils["untaught"], world.users["senco"]
    _sweep(session, TODAY, "senco_adds_ehc_plan")
    _sweep(session, TODAY + DAY, "senco_adds_ehc_plan")

    task = _one(session, "senco_adds_ehc_plan", pupil_id=cara.id)
    assert (task.for_role, task.assigned_to_id) == (Role.SENCO, senco.id)
    assert task.due_on == TODAY + timedelta(days=28)  # recorded as "E" long ago: 28 days from the task
    assert _tasks(session, "senco_adds_ehc_plan", pupil_id=world.pupils["untaught_k"].id) == []  # on K

    plan = add_plan(
        session,
        actor=senco,
        pupil=cara,
        details=PlanDetails(issued_on=date(2025, 9, 10), named_setting="Oak Primary", primary_need=NeedType.ASD),
        today=TODAY,
    )

    task = _one(session, "senco_adds_ehc_plan", pupil_id=cara.id)
    assert task.status is TaskStatus.DONE and (task.done_by_type, task.done_by_id) == ("ehc_plan", plan.id)
    assert task.note == (
        f"Done: EHC plan issued on 10 September 2025, recorded on {TODAY.day} November 2026, "
        f"recorded by {senco.full_name}."
    )


def test_a_pupil_who_comes_off_e_needs_no_plan_record(session, world):
    cara = world.pupils["untaught"]
    _sweep(session, TODAY, "senco_adds_ehc_plan")
    cara.sen_statuses[0].end_date = TODAY - DAY
    session.commit()

    _sweep(session, TODAY, "senco_adds_ehc_plan")

    task = _one(session, "senco_adds_ehc_plan", pupil_id=cara.id)
    assert (
        task.status is TaskStatus.CANCELLED and task.note == 'No longer needed: the pupil is no longer recorded as "E".'
    )


# --- The figures and the SENCO's home page ---------------------------------------------------------


def test_the_dashboard_counts_reviews_by_the_plans_dates_not_the_status(session, world, kit):
    # Kit was placed on "E" on 10 September 2025 (an anniversary inside 8 weeks would be 10 Sep).
    ehc_plan(session, kit, date(2026, 1, 10))  # due 10 January 2027: within 8 weeks of TODAY
    cara = world.pupils["untaught"]
    late = ehc_plan(session, cara, date(2025, 6, 1))  # due 1 June 2026: overdue
    session.commit()
    figures = compliance_figures(session, world.school, TODAY)
    assert figures["ehc_reviews_due"].ids == (kit.id,)
    assert figures["ehc_reviews_overdue"].ids == (cara.id,)
    assert figures["ehc_reviews_due"].population == 2

    ehc_review(session, late, date(2026, 11, 20), convened_on=date(2026, 11, 1), held_on=date(2026, 11, 20))
    figures = compliance_figures(session, world.school, TODAY)
    assert figures["ehc_reviews_overdue"].ids == ()  # next due 20 November 2027


def test_the_drill_down_names_each_review_date_and_a_governor_sees_counts_only(session, world, kit, login, client):
    ehc_plan(session, world.pupils["untaught"], date(2025, 6, 1))
    session.commit()
    login(world.users["senco"])
    page = client.page("/dashboard/figures/ehc_reviews_overdue")
    assert "Cara Dale" in page.text() and "Annual review was due 1 Jun 2026" in page.text()

    login(world.users["governor"])
    assert "Cara Dale" not in client.page("/dashboard/").text()
    assert client.get("/dashboard/figures/ehc_reviews_overdue").status_code in (403, 404)


def test_the_senco_home_page_lists_reviews_due_and_pupils_without_a_plan_record(session, world, kit, login, client):
    ehc_plan(session, kit, date(2026, 1, 10))
    far = make_pupil(session, world.school, first="Lou", last="Nash", provision=Provision.EHC_PLAN)
    ehc_plan(session, far, date(2026, 6, 1))  # due June 2027: not listed
    session.commit()
    login(world.users["senco"])

    page = client.page("/")

    rows = page.table("Annual reviews overdue or due in the next 8 weeks")
    assert [row[0].split(" (")[0] for row in rows] == ["Kit Moss"]
    assert rows[0][2] == "10 January 2027"
    cara = world.pupils["untaught"]
    assert f"/pupils/{cara.public_id}/ehc/plans/new" in page.links()
    assert "Lou Nash" not in page.text()


def test_an_open_task_of_the_retired_anniversary_duty_closes_at_the_next_sweep(session, world):
    from sentrack.models import Duty, Task, TriggerKind

    duty = Duty(code="la_annual_review", active=True, role=Role.LA_OFFICER, title="Hold the EHC plan's annual review")
    duty.clause = duty.trigger = duty.due_rule = "From before EHC plans had their own records"
    duty.trigger_kind = TriggerKind.CALENDAR
    session.add(duty)
    session.flush()
    cara = world.pupils["untaught"]
    task = Task(
        school_id=world.school.id,
        duty_id=duty.id,
        subject_type="sen_status",
        subject_id=cara.sen_statuses[0].id,
        period="review:1",
        pupil_id=cara.id,
        for_role=Role.LA_OFFICER,
        title="Hold the annual review of Cara Dale's EHC plan",
        due_on=date(2026, 9, 10),
    )
    session.add(task)
    session.commit()

    _sweep(session, TODAY, "senco_adds_ehc_plan")

    session.expire_all()
    task = session.get(Task, task.id)
    assert task.status is TaskStatus.CANCELLED and task.done_by_type is None
    assert task.note.startswith("No longer needed: the EHC plan's annual review is now asked for by its own steps")
