"""The clocks of a request for an EHC needs assessment (`sentrack.workflows.ehc_clocks`), on
requests built in memory: worked examples counted by hand against the Regulations' numbers, a
refused assessment, no plan, a withdrawal, advice, and the exceptions, which move no date.

Request received Monday 7 September 2026: decision to assess by Monday 19 October (6 weeks, reg
5(1)); notice of no plan by Monday 28 December (16 weeks, reg 10(1)); final plan by Monday 25
January 2027 (20 weeks, reg 13(2)).
"""

from __future__ import annotations

from datetime import date

from sentrack.models import (
    AssessmentDecision,
    EhcAdvice,
    EhcException,
    EhcRequest,
    EhcRequester,
    ExceptionKind,
    PlanDecision,
)
from sentrack.workflows import ehc_clocks

RECEIVED = date(2026, 9, 7)


def _request(**values) -> EhcRequest:
    fields = {
        "requested_by": EhcRequester.SCHOOL,
        "received_on": RECEIVED,
        "assessment": AssessmentDecision.NOT_DECIDED,
        "advice": [],
        "exceptions": [],
    }
    fields.update(values)
    return EhcRequest(**fields)


def _by_key(request) -> dict[str, ehc_clocks.Clock]:
    return {clock.key: clock for clock in ehc_clocks.request_clocks(request)}


def test_a_new_request_has_the_three_clocks_of_the_regulations():
    clocks = _by_key(_request())

    assert {key: (c.due_on, c.regulation) for key, c in clocks.items()} == {
        "assessment": (date(2026, 10, 19), "regulation 5(1)"),
        "plan_decision": (date(2026, 12, 28), "regulation 10(1)"),
        "final_plan": (date(2027, 1, 25), "regulation 13(2)"),
    }
    assert all(c.starts_on == RECEIVED and c.done_on is None for c in clocks.values())


def test_late_at_risk_and_weeks_gone_on_the_days_around_a_due_date():
    request = _request()
    assessment = _by_key(request)["assessment"]

    assert not assessment.is_at_risk(date(2026, 10, 4)) and not assessment.is_late(date(2026, 10, 4))
    assert assessment.is_at_risk(date(2026, 10, 5))  # two weeks before
    assert assessment.is_at_risk(date(2026, 10, 19)) and not assessment.is_late(date(2026, 10, 19))
    assert assessment.is_late(date(2026, 10, 20)) and not assessment.is_at_risk(date(2026, 10, 20))
    assert (assessment.weeks_gone(date(2026, 10, 18)), assessment.weeks_gone(date(2026, 10, 19))) == (5, 6)
    assert ehc_clocks.is_at_risk(request, date(2026, 10, 20))  # a clock passed is at risk for the request
    assert ehc_clocks.weeks_gone(request, date(2027, 1, 25)) == 20


def test_a_decision_on_the_last_day_is_in_time_and_the_next_day_late():
    on_time = _by_key(_request(assessment=AssessmentDecision.AGREED, assessment_decided_on=date(2026, 10, 19)))
    late = _by_key(_request(assessment=AssessmentDecision.AGREED, assessment_decided_on=date(2026, 10, 20)))

    assert not on_time["assessment"].is_late(date(2027, 1, 1))
    assert late["assessment"].is_late(date(2026, 10, 20))
    assert late["assessment"].weeks_gone(date(2027, 1, 1)) == 6  # counted to the day it was done


def test_advice_runs_6_weeks_from_the_day_it_was_asked():
    advice = EhcAdvice(id=4, adviser="Educational psychologist", asked_on=date(2026, 10, 13), received_on=None)
    request = _request(assessment=AssessmentDecision.AGREED, assessment_decided_on=date(2026, 10, 12), advice=[advice])

    clock = _by_key(request)["advice:4"]

    assert (clock.label, clock.regulation, clock.due_on) == (
        "Advice from Educational psychologist",
        "regulation 8(1)",
        date(2026, 11, 24),
    )
    assert clock.weeks_gone(date(2026, 11, 24)) == 6 and clock.is_late(date(2026, 11, 25))
    assert ehc_clocks.next_statutory_date(request) == date(2026, 11, 24)


def test_the_draft_gives_the_family_15_days_counting_the_day_it_was_sent():
    request = _request(
        assessment=AssessmentDecision.AGREED,
        assessment_decided_on=date(2026, 10, 12),
        plan_decision=PlanDecision.ISSUE,
        plan_decided_on=date(2026, 12, 1),
        draft_sent_on=date(2026, 12, 2),
    )

    comments = _by_key(request)["comments"]

    assert (comments.due_on, comments.deadline) == (date(2026, 12, 16), False)
    assert not comments.is_late(date(2027, 2, 1)) and not comments.is_at_risk(date(2026, 12, 10))
    assert comments not in ehc_clocks.open_clocks(request)


def test_a_refused_assessment_ends_the_clocks_at_the_decision():
    request = _request(assessment=AssessmentDecision.REFUSED, assessment_decided_on=date(2026, 10, 12))

    assert list(_by_key(request)) == ["assessment"]
    assert ehc_clocks.open_clocks(request) == [] and ehc_clocks.next_statutory_date(request) is None
    assert ehc_clocks.issued_within_20_weeks(request) is None


def test_no_plan_is_told_to_the_parents_by_week_16():
    request = _request(
        assessment=AssessmentDecision.AGREED,
        assessment_decided_on=date(2026, 10, 12),
        plan_decision=PlanDecision.NO_PLAN,
        plan_decided_on=date(2026, 12, 20),
        parents_told_on=date(2026, 12, 29),
    )

    clocks = _by_key(request)

    assert list(clocks) == ["assessment", "no_plan_notice"]
    assert clocks["no_plan_notice"].due_on == date(2026, 12, 28) and clocks["no_plan_notice"].is_late(date(2027, 1, 1))
    assert ehc_clocks.open_clocks(request) == []


def test_a_withdrawn_request_keeps_its_clocks_and_none_is_due():
    request = _request(withdrawn_on=date(2026, 10, 1), withdrawn_reason="Moved away")

    assert list(_by_key(request)) == ["assessment", "plan_decision", "final_plan"]
    assert ehc_clocks.open_clocks(request) == [] and not ehc_clocks.is_at_risk(request, date(2027, 3, 1))


def test_a_final_plan_in_20_weeks_counts_and_a_day_more_does_not():
    def issued(on):
        return _request(
            assessment=AssessmentDecision.AGREED,
            assessment_decided_on=date(2026, 10, 12),
            plan_decision=PlanDecision.ISSUE,
            plan_decided_on=date(2026, 12, 1),
            draft_sent_on=date(2026, 12, 2),
            final_issued_on=on,
        )

    assert ehc_clocks.issued_within_20_weeks(issued(date(2027, 1, 25))) is True
    assert ehc_clocks.issued_within_20_weeks(issued(date(2027, 1, 26))) is False


def test_a_leap_year_is_counted_in_days():
    # Received 4 January 2028: 20 weeks (140 days, 29 February among them) is 23 May 2028.
    assert _by_key(_request(received_on=date(2028, 1, 4)))["final_plan"].due_on == date(2028, 5, 23)


def test_exceptions_move_no_date_and_only_those_of_regulation_10_4_count():
    plain = _request()
    personal = EhcException(kind=ExceptionKind.PERSONAL, starts_on=date(2026, 10, 1), reason="Illness")
    missed = EhcException(kind=ExceptionKind.MISSED_APPOINTMENT, starts_on=date(2026, 10, 1), reason="Missed")

    with_personal = _request(exceptions=[personal])
    with_missed = _request(exceptions=[missed])

    dates = [(c.key, c.due_on) for c in ehc_clocks.request_clocks(plain)]
    assert [(c.key, c.due_on) for c in ehc_clocks.request_clocks(with_personal)] == dates
    assert [(c.key, c.due_on) for c in ehc_clocks.request_clocks(with_missed)] == dates
    assert ehc_clocks.has_time_limit_exception(with_personal) and not ehc_clocks.has_time_limit_exception(with_missed)
    assert "regulation 8(2)" in ehc_clocks.exception_concerns(missed)
    assert "regulation 10(4)" in ehc_clocks.exception_concerns(personal)


def _dates(request: EhcRequest) -> ehc_clocks.RequestDates:
    """The request as a caseload reads it: its columns and its advice as plain values, in order."""
    values = [getattr(request, column.key) for column in ehc_clocks.REQUEST_DATES]
    advice = request.advice
    asked = tuple(ehc_clocks.AdviceDates(*(getattr(a, c.key) for c in ehc_clocks.ADVICE_DATES)) for a in advice)
    return ehc_clocks.RequestDates(*values, asked)


def test_the_clocks_run_the_same_on_the_dates_of_a_request_as_on_the_record():
    """A caseload runs the clocks on `RequestDates` (plain columns): every clock, the next date, the
    risk and the weeks are those of the record, at each stage."""
    asked = date(2026, 10, 26)
    stages = [
        _request(),
        _request(advice=[EhcAdvice(id=7, adviser="Health", asked_on=asked)]),
        _request(
            assessment=AssessmentDecision.AGREED,
            assessment_decided_on=date(2026, 10, 12),
            advice=[
                EhcAdvice(id=8, adviser="Educational psychologist", asked_on=asked, received_on=date(2026, 11, 20)),
                EhcAdvice(id=9, adviser="Social care", asked_on=asked),
            ],
            draft_sent_on=date(2026, 12, 14),
        ),
        _request(assessment=AssessmentDecision.REFUSED, assessment_decided_on=date(2026, 10, 12)),
        _request(
            assessment=AssessmentDecision.AGREED,
            assessment_decided_on=date(2026, 10, 12),
            plan_decision=PlanDecision.NO_PLAN,
            plan_decided_on=date(2026, 12, 1),
        ),
        _request(withdrawn_on=date(2026, 10, 1)),
    ]
    for request in stages:
        dates = _dates(request)
        assert ehc_clocks.request_clocks(dates) == ehc_clocks.request_clocks(request)
        for today in (date(2026, 10, 1), date(2026, 10, 6), date(2026, 12, 20), date(2027, 2, 1)):
            standing = ehc_clocks.standing(dates, today)
            assert standing.next_date == ehc_clocks.next_statutory_date(request)
            assert standing.at_risk is ehc_clocks.is_at_risk(request, today)
            assert standing.weeks_gone == ehc_clocks.weeks_gone(request, today)
