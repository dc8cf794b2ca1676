"""Requests for an EHC needs assessment: the workflow (every step, their order, bad input stores
nothing, the clocks from the date functions, exceptions moving no date, the review decision opening
the request) and the pages (the SENCO and the LA officer, another school's pupil, bad input beside
the field).

The app's date is Friday 27 November 2026. The request of the examples was received on Monday
7 September 2026: the decision to assess is due 19 October, the notice of no plan (and the plan
decision) 28 December, the final plan 25 January 2027.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from sentrack.models import (
    AssessmentDecision,
    CycleState,
    EhcAdvice,
    EhcException,
    EhcPlan,
    EhcRequest,
    EhcRequester,
    ExceptionKind,
    NeedType,
    PlanDecision,
    Provision,
    ReviewDecision,
    SenStatus,
    TimelineEvent,
)
from sentrack.workflows import RuleBroken, ehc_clocks, ehc_dates
from sentrack.workflows import ehc_requests as flow
from sentrack.workflows.ehc_plans import OutcomeDetails, PlanDetails
from tests.factories import HELD_ON, drive_cycle
from tests.helpers import audit_events, count, date_parts
from tests.test_fuzz_forms import snapshot

TODAY = date(2026, 11, 27)
RECEIVED = date(2026, 9, 7)


# --- Helpers -----------------------------------------------------------------------------------


def _request(session, world, key="taught", **changes) -> EhcRequest:
    details = {"requested_by": EhcRequester.PARENT, "requester_detail": "Ada's mother", "received_on": RECEIVED}
    details.update(changes)
    request = flow.record_request(
        session,
        actor=world.users["senco"],
        pupil=world.pupils[key],
        details=flow.RequestDetails(**details),
        today=TODAY,
    )
    session.commit()
    return request


def _agree(session, world, request, on=date(2026, 10, 12)) -> EhcRequest:
    flow.decide_assessment(
        session,
        actor=world.users["la"],
        request=request,
        details=flow.AssessmentDetails(AssessmentDecision.AGREED, on, None),
        today=TODAY,
    )
    session.commit()
    return request


def _decide_issue(session, world, request, on=date(2026, 11, 2)) -> EhcRequest:
    flow.decide_plan(
        session,
        actor=world.users["la"],
        request=request,
        details=flow.PlanDecisionDetails(PlanDecision.ISSUE, on, None),
        today=TODAY,
    )
    session.commit()
    return request


def _draft(session, world, request, on=date(2026, 11, 9)) -> EhcRequest:
    flow.send_draft(session, actor=world.users["la"], request=request, draft_sent_on=on, today=TODAY)
    session.commit()
    return request


def _plan_details(**changes) -> PlanDetails:
    values = {
        "issued_on": date(2026, 11, 26),
        "named_setting": "Oak Primary",
        "primary_need": NeedType.SPLD,
        "secondary_need": None,
        "outcomes": (OutcomeDetails("Reads a book banded at the right level"),),
    }
    values.update(changes)
    return PlanDetails(**values)


def _refused(session, operation, field: str | None, **arguments) -> str:
    """Run `operation`, which must be refused (for `field`) and leave every table as it was."""
    before = snapshot(session)
    with pytest.raises(RuleBroken) as refused:
        operation(session, **arguments)
    session.rollback()
    assert refused.value.field == field, refused.value.message
    assert snapshot(session) == before
    return refused.value.message


def _clock(request, key):
    return next(clock for clock in ehc_clocks.request_clocks(request) if clock.key == key)


# --- Recording a request -------------------------------------------------------------------------


def test_a_request_made_directly_is_recorded_with_a_timeline_event_and_audit(session, world):
    request = _request(session, world)

    assert (request.requested_by, request.received_on, request.review_id) == (EhcRequester.PARENT, RECEIVED, None)
    assert request.assessment is AssessmentDecision.NOT_DECIDED
    event = session.scalar(sa.select(TimelineEvent).where(TimelineEvent.kind == "ehc_request_recorded"))
    assert (event.title, event.effective_on) == ("EHC needs assessment requested by a parent", RECEIVED)
    assert len(audit_events(session, "ehc_request_recorded")) == 1


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"requested_by": None}, "requested_by", "Select who asked"),
        ({"requested_by": EhcRequester.OTHER, "requester_detail": "  "}, "requester_detail", "which body"),
        ({"received_on": None}, "received_on", "Enter the date"),
        ({"received_on": TODAY + timedelta(days=1)}, "received_on", "cannot be in the future"),
        ({"received_on": date(2016, 1, 14)}, "received_on", "before the pupil was born"),
        ({"requester_detail": "x" * 201}, "requester_detail", "200 characters"),
    ],
)
def test_bad_details_refuse_the_request_beside_the_field_and_store_nothing(session, world, changes, field, words):
    details = {"requested_by": EhcRequester.SCHOOL, "requester_detail": None, "received_on": RECEIVED} | changes
    message = _refused(
        session,
        flow.record_request,
        field,
        actor=world.users["senco"],
        pupil=world.pupils["taught"],
        details=flow.RequestDetails(**details),
        today=TODAY,
    )
    assert words in message


def test_a_second_request_is_refused_while_one_is_in_progress_and_allowed_after_it_ends(session, world):
    first = _request(session, world)
    details = flow.RequestDetails(EhcRequester.SCHOOL, None, date(2026, 11, 20))

    message = _refused(
        session,
        flow.record_request,
        None,
        actor=world.users["senco"],
        pupil=world.pupils["taught"],
        details=details,
        today=TODAY,
    )
    assert "already has a request" in message and "7 September 2026" in message

    flow.withdraw(
        session,
        actor=world.users["senco"],
        request=first,
        details=flow.WithdrawalDetails(date(2026, 11, 19), "Parents moved out of the area"),
        today=TODAY,
    )
    second = flow.record_request(
        session, actor=world.users["senco"], pupil=world.pupils["taught"], details=details, today=TODAY
    )
    assert second.id != first.id


# --- The review's decision opens the request -----------------------------------------------------------


def test_a_review_deciding_to_request_an_assessment_opens_the_request_with_the_review_as_evidence(session, world):
    pupil = world.pupils["taught"]
    cycle = drive_cycle(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        to=CycleState.CLOSED,
        review={
            "decision": ReviewDecision.REQUEST_EHC,
            "ehc_requested_on": HELD_ON,
            "decision_reason": None,
        },
    )
    session.commit()

    [request] = session.scalars(sa.select(EhcRequest).where(EhcRequest.pupil_id == pupil.id)).all()
    assert request.requested_by is EhcRequester.SCHOOL
    assert (request.received_on, request.review_id) == (HELD_ON, cycle.review.id)
    assert len(audit_events(session, "ehc_request_opened")) == 1


def test_a_review_adds_its_evidence_to_a_request_a_parent_made_first(session, world):
    pupil = world.pupils["taught"]
    earlier = _request(session, world)
    cycle = drive_cycle(
        session,
        actor=world.users["senco"],
        pupil=pupil,
        to=CycleState.CLOSED,
        review={"decision": ReviewDecision.REQUEST_EHC, "ehc_requested_on": HELD_ON, "decision_reason": None},
    )
    session.commit()

    assert count(session, EhcRequest, EhcRequest.pupil_id == pupil.id) == 1
    session.refresh(earlier)
    assert earlier.review_id == cycle.review.id


# --- The authority's steps, in order -----------------------------------------------------------------


def test_a_request_goes_through_every_step_to_a_final_plan(session, world):
    request = _request(session, world)
    _agree(session, world, request)
    advice = flow.ask_advice(
        session,
        actor=world.users["la"],
        request=request,
        details=flow.AdviceDetails("Educational psychologist", date(2026, 10, 13)),
        today=TODAY,
    )
    flow.advice_received(
        session, actor=world.users["la"], request=request, advice=advice, received_on=date(2026, 11, 20), today=TODAY
    )
    _decide_issue(session, world, request)
    _draft(session, world, request)
    plan = flow.issue_final(session, actor=world.users["la"], request=request, details=_plan_details(), today=TODAY)
    session.commit()

    assert (plan.request_id, plan.issued_on, request.final_issued_on) == (
        request.id,
        date(2026, 11, 26),
        date(2026, 11, 26),
    )
    status = session.scalar(
        sa.select(SenStatus).where(SenStatus.pupil_id == request.pupil_id, SenStatus.end_date.is_(None))
    )
    assert (status.provision, status.primary_need) == (Provision.EHC_PLAN, NeedType.SPLD)
    assert ehc_clocks.open_clocks(request) == []
    assert ehc_clocks.issued_within_20_weeks(request) is True
    kinds = set(session.scalars(sa.select(TimelineEvent.kind).where(TimelineEvent.pupil_id == request.pupil_id)))
    assert {
        "ehc_request_recorded",
        "ehc_assessment_decided",
        "ehc_advice_asked",
        "ehc_advice_received",
        "ehc_plan_decided",
        "ehc_draft_sent",
        "ehc_final_issued",
    } <= kinds
    assert flow.step_problem(request, flow.Step.WITHDRAW).startswith("The final plan was issued on 26 November 2026")


def test_steps_out_of_order_are_refused_with_the_reason(session, world):
    la = world.users["la"]
    request = _request(session, world)
    decide = flow.PlanDecisionDetails(PlanDecision.ISSUE, date(2026, 11, 2), None)

    assert "decision whether to assess first" in _refused(
        session, flow.decide_plan, None, actor=la, request=request, details=decide, today=TODAY
    )
    assert "agreed to assess" in _refused(
        session,
        flow.ask_advice,
        None,
        actor=la,
        request=request,
        details=flow.AdviceDetails("Health", date(2026, 10, 1)),
        today=TODAY,
    )
    assert "decided to issue a plan" in _refused(
        session, flow.send_draft, None, actor=la, request=request, draft_sent_on=date(2026, 11, 9), today=TODAY
    )
    _agree(session, world, request)
    assert "was recorded on 12 October 2026" in _refused(
        session,
        flow.decide_assessment,
        None,
        actor=la,
        request=request,
        details=flow.AssessmentDetails(AssessmentDecision.REFUSED, date(2026, 10, 12), "No"),
        today=TODAY,
    )
    _decide_issue(session, world, request)
    assert "Send the draft plan first" in _refused(
        session, flow.issue_final, None, actor=la, request=request, details=_plan_details(), today=TODAY
    )


def test_nothing_is_recorded_after_the_request_ended(session, world):
    la = world.users["la"]
    request = _request(session, world)
    flow.decide_assessment(
        session,
        actor=la,
        request=request,
        details=flow.AssessmentDetails(AssessmentDecision.REFUSED, date(2026, 10, 12), "Needs met at SEN support"),
        today=TODAY,
    )
    session.commit()

    for step in flow.Step:
        assert "refused to assess on 12 October 2026" in flow.step_problem(request, step)
    assert flow.open_steps(request) == []
    _refused(
        session,
        flow.withdraw,
        None,
        actor=world.users["senco"],
        request=request,
        details=flow.WithdrawalDetails(date(2026, 11, 20), "Changed mind"),
        today=TODAY,
    )


@pytest.mark.parametrize(
    ("details", "field", "words"),
    [
        (flow.AssessmentDetails(None, date(2026, 10, 12), None), "decision", "Select whether"),
        (flow.AssessmentDetails(AssessmentDecision.AGREED, None, None), "decided_on", "Enter the date"),
        (flow.AssessmentDetails(AssessmentDecision.AGREED, TODAY + timedelta(days=1), None), "decided_on", "future"),
        (flow.AssessmentDetails(AssessmentDecision.AGREED, date(2026, 9, 6), None), "decided_on", "before the request"),
        (flow.AssessmentDetails(AssessmentDecision.REFUSED, date(2026, 10, 12), " "), "note", "reasons"),
    ],
)
def test_a_bad_decision_to_assess_is_refused_beside_its_field(session, world, details, field, words):
    request = _request(session, world)
    assert words in _refused(
        session, flow.decide_assessment, field, actor=world.users["la"], request=request, details=details, today=TODAY
    )


def test_no_plan_needs_the_date_the_parents_were_told_and_ends_the_request(session, world):
    la = world.users["la"]
    request = _agree(session, world, _request(session, world))
    no_plan = flow.PlanDecisionDetails(PlanDecision.NO_PLAN, date(2026, 11, 2), None)
    assert "parents were told" in _refused(
        session, flow.decide_plan, "parents_told_on", actor=la, request=request, details=no_plan, today=TODAY
    )
    early = flow.PlanDecisionDetails(PlanDecision.NO_PLAN, date(2026, 11, 2), date(2026, 11, 1))
    _refused(session, flow.decide_plan, "parents_told_on", actor=la, request=request, details=early, today=TODAY)

    flow.decide_plan(
        session,
        actor=la,
        request=request,
        details=flow.PlanDecisionDetails(PlanDecision.NO_PLAN, date(2026, 11, 2), date(2026, 11, 3)),
        today=TODAY,
    )
    session.commit()

    assert flow.ended_problem(request).startswith("The authority decided on 2 November 2026 not to issue a plan")
    [clock] = [c for c in ehc_clocks.request_clocks(request) if c.key == "no_plan_notice"]
    assert (clock.due_on, clock.done_on, clock.is_late(TODAY)) == (date(2026, 12, 28), date(2026, 11, 3), False)


def test_a_final_plan_dated_before_the_request_is_refused_and_stores_nothing(session, world):
    request = _draft(session, world, _decide_issue(session, world, _agree(session, world, _request(session, world))))

    message = _refused(
        session,
        flow.issue_final,
        "issued_on",
        actor=world.users["la"],
        request=request,
        details=_plan_details(issued_on=date(2026, 9, 1)),
        today=TODAY,
    )
    assert message == "The final plan cannot be dated before the request was received (7 September 2026)"
    assert count(session, EhcPlan) == 0
    _refused(
        session,
        flow.issue_final,
        "issued_on",
        actor=world.users["la"],
        request=request,
        details=_plan_details(issued_on=date(2026, 11, 8)),
        today=TODAY,
    )
    _refused(
        session,
        flow.issue_final,
        "named_setting",
        actor=world.users["la"],
        request=request,
        details=_plan_details(named_setting=" "),
        today=TODAY,
    )


def test_advice_received_is_recorded_once_and_not_before_it_was_asked(session, world):
    la = world.users["la"]
    request = _agree(session, world, _request(session, world))
    advice = flow.ask_advice(
        session, actor=la, request=request, details=flow.AdviceDetails("Health", date(2026, 10, 13)), today=TODAY
    )
    session.commit()

    _refused(
        session,
        flow.advice_received,
        "received_on",
        actor=la,
        request=request,
        advice=advice,
        received_on=date(2026, 10, 12),
        today=TODAY,
    )
    flow.advice_received(
        session,
        actor=la,
        request=request,
        advice=advice,
        received_on=date(2026, 11, 30) - timedelta(days=7),
        today=TODAY,
    )
    session.commit()
    assert "recorded as received on 23 November 2026" in _refused(
        session, flow.advice_received, None, actor=la, request=request, advice=advice, received_on=TODAY, today=TODAY
    )


# --- The clocks ----------------------------------------------------------------------------------------


def test_the_clocks_come_from_the_date_functions(session, world):
    request = _request(session, world)
    _agree(session, world, request)
    flow.ask_advice(
        session,
        actor=world.users["la"],
        request=request,
        details=flow.AdviceDetails("Educational psychologist", date(2026, 10, 13)),
        today=TODAY,
    )
    _draft(session, world, _decide_issue(session, world, request))

    assert _clock(request, "assessment").due_on == ehc_dates.decision_to_assess_due(RECEIVED) == date(2026, 10, 19)
    assert _clock(request, "plan_decision").due_on == ehc_dates.no_plan_notice_due(RECEIVED) == date(2026, 12, 28)
    assert _clock(request, "final_plan").due_on == ehc_dates.final_plan_due(RECEIVED) == date(2027, 1, 25)
    assert _clock(request, "comments").due_on == ehc_dates.draft_comments_until(date(2026, 11, 9)) == date(2026, 11, 23)
    advice = next(c for c in ehc_clocks.request_clocks(request) if c.key.startswith("advice:"))
    assert advice.due_on == ehc_dates.advice_due(date(2026, 10, 13)) == date(2026, 11, 24)
    assert advice.is_late(TODAY)  # asked 13 October, not received by 27 November
    assert ehc_clocks.weeks_gone(request, TODAY) == 11
    assert ehc_clocks.next_statutory_date(request) == date(2026, 11, 24)


@pytest.mark.parametrize("kind", list(ExceptionKind))
def test_an_exception_is_recorded_with_its_reason_and_moves_no_date(session, world, kind):
    la = world.users["la"]
    request = _agree(session, world, _request(session, world))
    flow.ask_advice(
        session, actor=la, request=request, details=flow.AdviceDetails("Health", date(2026, 10, 13)), today=TODAY
    )
    session.commit()
    before = [(c.key, c.due_on, c.done_on) for c in ehc_clocks.request_clocks(request)]

    exception = flow.record_exception(
        session,
        actor=la,
        request=request,
        details=flow.ExceptionDetails(kind, date(2026, 10, 19), date(2026, 11, 23), "  Family abroad for a funeral "),
        today=TODAY,
    )
    session.commit()

    assert [(c.key, c.due_on, c.done_on) for c in ehc_clocks.request_clocks(request)] == before
    assert exception.reason == "Family abroad for a funeral"
    assert ehc_clocks.has_time_limit_exception(request) is (kind is not ExceptionKind.MISSED_APPOINTMENT)
    assert ("regulation 8(2)" in ehc_clocks.exception_concerns(exception)) is (kind is ExceptionKind.MISSED_APPOINTMENT)
    assert len(audit_events(session, "ehc_exception_recorded")) == 1


def test_bad_exceptions_are_refused_beside_their_field(session, world):
    la = world.users["la"]
    request = _request(session, world)

    def refused(field, kind=ExceptionKind.PERSONAL, starts=date(2026, 10, 1), ends=None, reason="Illness"):
        return _refused(
            session,
            flow.record_exception,
            field,
            actor=la,
            request=request,
            details=flow.ExceptionDetails(kind, starts, ends, reason),
            today=TODAY,
        )

    assert "advice" in refused("kind", kind=ExceptionKind.MISSED_APPOINTMENT)
    refused("kind", kind=None)
    refused("starts_on", starts=None)
    refused("starts_on", starts=date(2026, 9, 6))
    refused("ends_on", ends=date(2026, 9, 30))
    assert "4 continuous weeks" in refused("ends_on", kind=ExceptionKind.AWAY, ends=date(2026, 10, 28))
    refused("reason", reason="   ")
    assert count(session, EhcException) == 0


def test_a_refused_assessment_ends_the_clocks_at_the_decision(session, world):
    request = _request(session, world)
    flow.decide_assessment(
        session,
        actor=world.users["la"],
        request=request,
        details=flow.AssessmentDetails(AssessmentDecision.REFUSED, date(2026, 10, 26), "Needs met"),
        today=TODAY,
    )
    session.commit()

    [clock] = ehc_clocks.request_clocks(request)
    assert (clock.key, clock.done_on, clock.is_late(TODAY)) == ("assessment", date(2026, 10, 26), True)
    assert ehc_clocks.next_statutory_date(request) is None


def test_a_withdrawn_request_keeps_its_clocks_none_of_them_due(session, world):
    request = _request(session, world)
    flow.withdraw(
        session,
        actor=world.users["la"],
        request=request,
        details=flow.WithdrawalDetails(date(2026, 10, 1), "Family moved away"),
        today=TODAY,
    )
    session.commit()

    assert [c.key for c in ehc_clocks.request_clocks(request)] == ["assessment", "plan_decision", "final_plan"]
    assert ehc_clocks.open_clocks(request) == [] and not ehc_clocks.is_at_risk(request, TODAY)
    assert count(session, EhcAdvice) == 0


# --- The pages -----------------------------------------------------------------------------------------


def test_the_senco_records_a_request_and_sees_its_clocks(client, session, world, login):
    pupil = world.pupils["taught"]
    login(world.users["senco"])
    url = f"/pupils/{pupil.public_id}/ehc/requests/new"
    client.page(url)

    response = client.post(
        url,
        data={"requested_by": "parent", "requester_detail": "Mother", "received_on": date_parts(RECEIVED)},
    )

    request = session.scalar(sa.select(EhcRequest).where(EhcRequest.pupil_id == pupil.id))
    assert response.headers["Location"] == f"/ehc/requests/{request.id}"
    page = client.page(f"/ehc/requests/{request.id}")
    assert "Request recorded" in page.flashes()[0]
    assert "11 weeks since the local authority received it" in page.text("#status")
    clocks = page.table("Statutory clocks")
    assert clocks[0][:5] == ["Decide whether to assess", "Regulation 5(1)", "19 October 2026", "Not yet", "11"]
    assert "Late" in clocks[0][5]
    assert [row[2] for row in clocks] == ["19 October 2026", "28 December 2026", "25 January 2027"]
    # The SENCO records the school's steps, not the authority's.
    assert page.links("#actions") == [
        f"/ehc/requests/{request.id}/exceptions/new",
        f"/ehc/requests/{request.id}/withdraw",
        f"/ehc/requests/{request.id}/documents/new",
    ]
    assert len(audit_events(session, "ehc_request_viewed")) == 1


def test_a_second_request_page_says_one_is_in_progress_and_stores_nothing(client, session, world, login):
    request = _request(session, world)
    login(world.users["senco"])
    url = f"/pupils/{world.pupils['taught'].public_id}/ehc/requests/new"

    page = client.post_page(url, data={"requested_by": "school", "received_on": date_parts(TODAY)})

    assert "already has a request" in page.text("#blocked")
    assert f"/ehc/requests/{request.id}" in page.links()
    assert count(session, EhcRequest) == 1


def test_bad_input_on_the_request_form_is_shown_beside_the_field(client, session, world, login):
    login(world.users["senco"])
    url = f"/pupils/{world.pupils['taught'].public_id}/ehc/requests/new"

    page = client.post_page(url, data={"requested_by": "school", "received_on": date_parts(date(2016, 1, 1))})

    assert page.field_error("received_on") == "The request cannot be before the pupil was born (15 January 2017)"
    page = client.post_page(url, data={"requested_by": "other", "received_on": date_parts(TODAY + timedelta(days=3))})
    assert page.field_error("received_on") == "The date the request was received cannot be in the future"
    assert count(session, EhcRequest) == 0


def test_the_la_officer_takes_the_request_through_its_steps_by_the_pages(client, session, world, login):
    request = _request(session, world)
    login(world.users["la"])
    base = f"/ehc/requests/{request.id}"

    page = client.page(base)
    assert page.links("#actions")[:2] == [f"{base}/assessment-decision", f"{base}/exceptions/new"]
    refused = client.post_page(
        f"{base}/assessment-decision", data={"decision": "refused", "decided_on": date_parts(date(2026, 10, 12))}
    )
    assert refused.field_error("note") == "Give the reasons for refusing to assess"
    agreed = client.post(
        f"{base}/assessment-decision", data={"decision": "agreed", "decided_on": date_parts(date(2026, 10, 5))}
    )
    assert agreed.headers["Location"] == base
    assert (
        client.post(
            f"{base}/advice/new",
            data={"adviser": "Educational psychologist", "asked_on": date_parts(date(2026, 10, 5))},
        ).headers["Location"]
        == base
    )
    advice = session.scalar(sa.select(EhcAdvice).where(EhcAdvice.request_id == request.id))
    assert (
        client.post(f"{base}/advice/{advice.id}", data={"received_on": date_parts(date(2026, 11, 20))}).headers[
            "Location"
        ]
        == base
    )
    assert (
        client.post(
            f"{base}/plan-decision", data={"decision": "issue", "decided_on": date_parts(date(2026, 11, 23))}
        ).headers["Location"]
        == base
    )
    assert (
        client.post(f"{base}/draft", data={"draft_sent_on": date_parts(date(2026, 11, 24))}).headers["Location"] == base
    )
    too_early = client.post_page(
        f"{base}/final-plan",
        data={"issued_on": date_parts(date(2026, 9, 1)), "named_setting": "Oak Primary", "primary_need": "SPLD"},
    )
    assert too_early.field_error("issued_on") == (
        "The final plan cannot be dated before the request was received (7 September 2026)"
    )
    assert count(session, EhcPlan) == 0
    final = client.post(
        f"{base}/final-plan",
        data={
            "issued_on": date_parts(TODAY),
            "named_setting": "Oak Primary",
            "primary_need": "SPLD",
            "secondary_need": "",
            "outcome_1": "Reads a book banded at the right level",
        },
    )

    assert final.status_code == 302
    plan = session.scalar(sa.select(EhcPlan).where(EhcPlan.request_id == request.id))
    assert [o.description for o in plan.outcomes] == ["Reads a book banded at the right level"]
    page = client.page(base)
    assert "The final plan was issued on 27 November 2026" in page.text("#ended")
    # Only a document can still be added: every step is recorded.
    assert page.links("#actions") == [f"{base}/documents/new"]
    statuses = [row[5] for row in page.table("Statutory clocks")]
    assert statuses[0] == "Done" and "Late" in statuses[1]  # advice asked 5 Oct, due 16 Nov, received 20 Nov
    blocked = client.page(f"{base}/draft")
    assert "The final plan was issued" in blocked.text("#blocked") and not blocked.has("form input[name=draft_sent_on]")


def test_a_step_out_of_order_shows_the_reason_in_place_of_the_form(client, session, world, login):
    request = _request(session, world)
    login(world.users["la"])

    page = client.page(f"/ehc/requests/{request.id}/draft")
    posted = client.post_page(f"/ehc/requests/{request.id}/plan-decision", data={"decision": "issue"})

    assert "decided to issue a plan" in page.text("#blocked")
    assert "agreed to assess" in posted.text("#blocked")
    assert (
        request.plan_decision is None and count(session, TimelineEvent, TimelineEvent.kind == "ehc_plan_decided") == 0
    )


def test_an_exception_is_listed_apart_with_the_clocks_it_concerns(client, session, world, login):
    request = _agree(session, world, _request(session, world))
    login(world.users["senco"])
    url = f"/ehc/requests/{request.id}/exceptions/new"

    bad = client.post_page(
        url,
        data={
            "kind": "away",
            "starts_on": date_parts(date(2026, 10, 1)),
            "ends_on": date_parts(date(2026, 10, 10)),
            "reason": "Abroad",
        },
    )
    assert "4 continuous weeks" in bad.field_error("ends_on")
    client.post(
        url,
        data={
            "kind": "personal",
            "starts_on": date_parts(date(2026, 10, 1)),
            "ends_on": ["", "", ""],
            "reason": "Bereavement",
        },
    )

    page = client.page(f"/ehc/requests/{request.id}")
    [row] = page.table("Exceptions to the time limits")
    assert row[0].startswith("Exceptional personal circumstances") and row[3:] == [
        "Bereavement",
        "The decisions and the final plan (regulation 10(4))",
    ]
    assert page.table("Statutory clocks")[2][2] == "25 January 2027"  # the final plan's date has not moved


def test_the_request_of_another_school_or_authority_is_not_found(client, session, world, login):
    foreign = flow.record_request(
        session,
        actor=world.users["foreign_senco"],
        pupil=world.pupils["foreign"],
        details=flow.RequestDetails(EhcRequester.SCHOOL, None, RECEIVED),
        today=TODAY,
    )
    session.commit()

    for role in ("senco", "la"):
        login(world.users[role])
        assert client.get(f"/ehc/requests/{foreign.id}").status_code == 404
        assert client.get(f"/ehc/requests/{foreign.id}/withdraw").status_code == 404
        assert client.post(f"/ehc/requests/{foreign.id}/withdraw", data={"reason": "x"}).status_code == 404
    login(world.users["senco"])
    assert client.get(f"/pupils/{world.pupils['foreign'].public_id}/ehc/requests/new").status_code == 404
    assert foreign.withdrawn_on is None


def test_a_review_deciding_to_request_an_assessment_leads_to_the_request(client, session, world, login):
    cycle = drive_cycle(session, actor=world.users["senco"], pupil=world.pupils["taught"], to=CycleState.REVIEW)
    session.commit()
    login(world.users["senco"])
    from tests.test_cycles_views import _review_form

    response = client.post(
        f"/pupils/{world.pupils['taught'].public_id}/cycles/1/review",
        data=_review_form(
            cycle,
            version=cycle.review.version,
            record=True,
            decision="request_ehc",
            ehc_requested_on=date_parts(HELD_ON),
        ),
    )

    request = session.scalar(sa.select(EhcRequest).where(EhcRequest.review_id == cycle.review.id))
    assert response.headers["Location"] == f"/ehc/requests/{request.id}"
    page = client.page(response.headers["Location"])
    assert page.links("#evidence + p + ul") == [f"/pupils/{world.pupils['taught'].public_id}/cycles/1"]
