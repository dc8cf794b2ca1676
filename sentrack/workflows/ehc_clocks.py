"""The statutory clocks of one EHC needs assessment request: each step with the date it is due
(from `sentrack.workflows.ehc_dates`, the one source of each date), the date it was done, and
whether it is late or at risk. One definition for the request's page, the authority's caseload,
its figures and the sweep's tasks.

Every clock runs from the day the authority received the request (the advice clock from the day the
advice was asked). Exceptions (reg 10(4); a missed appointment, reg 8(2)) stop no clock: they are
listed beside the clocks and counted apart in the figures.

The clocks read a request's dates, decisions and advice, from the `EhcRequest` or from its
`RequestDates` (plain values of only those columns, `REQUEST_DATES` and `ADVICE_DATES`, the advice
as `AdviceDates`): a caseload of hundreds of requests runs the same clocks on those without loading
the records.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

import sqlalchemy as sa

from sentrack.models import AssessmentDecision, EhcAdvice, EhcException, EhcRequest, ExceptionKind, PlanDecision
from sentrack.workflows import ehc_dates
from sentrack.workflows.ehc_register import is_request_in_progress

AT_RISK = timedelta(weeks=2)  # a clock due within two weeks, not yet done, is at risk


class AdviceDates(NamedTuple):
    """What the clocks read of one advice asked for (`ADVICE_DATES`, in that order)."""

    id: int
    adviser: str
    asked_on: date
    received_on: date | None


class RequestDates(NamedTuple):
    """What the clocks read of a request (`REQUEST_DATES`, in that order), with its advice in the
    order of `EhcRequest.advice` (asked on, then id)."""

    received_on: date
    assessment: AssessmentDecision
    assessment_decided_on: date | None
    plan_decision: PlanDecision | None
    plan_decided_on: date | None
    parents_told_on: date | None
    draft_sent_on: date | None
    final_issued_on: date | None
    withdrawn_on: date | None
    advice: tuple[AdviceDates, ...] = ()


# The columns of `RequestDates` (before its advice) and of `AdviceDates`, for a query to select.
REQUEST_DATES = (
    EhcRequest.received_on,
    EhcRequest.assessment,
    EhcRequest.assessment_decided_on,
    EhcRequest.plan_decision,
    EhcRequest.plan_decided_on,
    EhcRequest.parents_told_on,
    EhcRequest.draft_sent_on,
    EhcRequest.final_issued_on,
    EhcRequest.withdrawn_on,
)
ADVICE_DATES = (EhcAdvice.id, EhcAdvice.adviser, EhcAdvice.asked_on, EhcAdvice.received_on)
ADVICE_ORDER = (EhcAdvice.asked_on, EhcAdvice.id)  # as `EhcRequest.advice`

Request = EhcRequest | RequestDates


class Clock(NamedTuple):
    """One step's clock. A named tuple rather than a dataclass: a caseload runs the clocks of
    hundreds of requests, and a tuple is made several times faster."""

    key: str  # "assessment", "advice:<id>", "plan_decision", "no_plan_notice", "final_plan", "comments"
    label: str
    regulation: str
    due_on: date
    done_on: date | None
    deadline: bool = True  # False for a date the family has (the draft's comment period)
    starts_on: date | None = None  # the day the clock started: receipt, or the day the advice was asked

    def is_late(self, today: date) -> bool:
        if not self.deadline:
            return False
        return self.done_on > self.due_on if self.done_on is not None else today > self.due_on

    def is_at_risk(self, today: date) -> bool:
        return self.deadline and self.done_on is None and today <= self.due_on <= today + AT_RISK

    def weeks_gone(self, today: date) -> int | None:
        """Whole weeks from the clock's start to the day it was done (or to `today`)."""
        if self.starts_on is None:
            return None
        return ehc_dates.weeks_gone(self.starts_on, self.done_on or today)


def _assessment_clocks(request: Request) -> list[Clock]:
    clocks = [
        Clock(
            "assessment",
            "Decide whether to assess",
            "regulation 5(1)",
            ehc_dates.decision_to_assess_due(request.received_on),
            request.assessment_decided_on,
            starts_on=request.received_on,
        )
    ]
    clocks += [
        Clock(
            f"advice:{advice.id}",
            f"Advice from {advice.adviser}",
            "regulation 8(1)",
            ehc_dates.advice_due(advice.asked_on),
            advice.received_on,
            starts_on=advice.asked_on,
        )
        for advice in request.advice
    ]
    return clocks


def _plan_clocks(request: Request) -> list[Clock]:
    received = request.received_on
    if request.plan_decision is PlanDecision.NO_PLAN:
        return [
            Clock(
                "no_plan_notice",
                "Tell the parents no plan will be issued",
                "regulation 10(1)",
                ehc_dates.no_plan_notice_due(received),
                request.parents_told_on,
                starts_on=received,
            )
        ]
    clocks = [
        Clock(
            "plan_decision",
            "Decide whether to issue a plan",
            "regulation 10(1)",
            ehc_dates.no_plan_notice_due(received),
            request.plan_decided_on,
            starts_on=received,
        )
    ]
    if request.draft_sent_on is not None:
        until = ehc_dates.draft_comments_until(request.draft_sent_on)
        clocks.append(
            Clock(
                "comments",
                "Parents comment on the draft and name a setting",
                "regulation 13(1)",
                until,
                None,
                False,
                request.draft_sent_on,
            )
        )
    clocks.append(
        Clock(
            "final_plan",
            "Issue the final plan",
            "regulation 13(2)",
            ehc_dates.final_plan_due(received),
            request.final_issued_on,
            starts_on=received,
        )
    )
    return clocks


def request_clocks(request: Request) -> list[Clock]:
    """The request's clocks in the order of the steps. A refused assessment ends the clocks at the
    decision; a request withdrawn keeps the clocks it had, none of them due any more."""
    clocks = _assessment_clocks(request)
    if request.assessment is AssessmentDecision.REFUSED:
        return clocks
    return clocks + _plan_clocks(request)


def open_clocks(request: Request) -> list[Clock]:
    """The clocks still running: none once the request has ended."""
    if not is_request_in_progress(request):
        return []
    return [clock for clock in request_clocks(request) if clock.deadline and clock.done_on is None]


def next_statutory_date(request: Request) -> date | None:
    """The earliest date still to meet, or None when the request has ended."""
    return min((clock.due_on for clock in open_clocks(request)), default=None)


def _at_risk(next_date: date | None, today: date) -> bool:
    # The earliest clock still running is the first to fall within two weeks or pass.
    return next_date is not None and next_date <= today + AT_RISK


def is_at_risk(request: Request, today: date) -> bool:
    """A clock still running is due within two weeks, or has passed."""
    return _at_risk(next_statutory_date(request), today)


def weeks_gone(request: Request, today: date) -> int:
    """Whole weeks since the authority received the request."""
    return ehc_dates.weeks_gone(request.received_on, today)


class Standing(NamedTuple):
    """Where a request stands on a day: `weeks_gone`, `next_statutory_date` and `is_at_risk`."""

    weeks_gone: int
    next_date: date | None
    at_risk: bool


def standing(request: Request, today: date) -> Standing:
    """The request's weeks gone, next statutory date and risk on `today`, its clocks run once."""
    next_date = next_statutory_date(request)
    return Standing(weeks_gone(request, today), next_date, _at_risk(next_date, today))


def issued_within_20_weeks(request: Request) -> bool | None:
    """Whether the final plan was issued within 20 weeks of the request (None until it is)."""
    if request.final_issued_on is None:
        return None
    return final_plan_in_time(request.received_on, request.final_issued_on)


def final_plan_in_time(received_on: date, issued_on: date) -> bool:
    """A final plan issued on `issued_on` for a request received on `received_on` was issued
    within the 20 weeks (reg 13(2)), its last day included."""
    return issued_on <= ehc_dates.final_plan_due(received_on)


# --- Exceptions (reg 10(4); reg 8(2)) ---------------------------------------------------------

# The exceptions to the time limits of the request as a whole (regs 5(4), 10(4), 13(3)); a missed
# appointment excuses only the 6-week limit for advice (reg 8(2)) and is reported apart.
TIME_LIMIT_EXCEPTIONS = frozenset({ExceptionKind.SETTING_CLOSED, ExceptionKind.PERSONAL, ExceptionKind.AWAY})


def exception_concerns(exception: EhcException) -> str:
    """The clocks an exception concerns, in words for the request page."""
    if exception.kind is ExceptionKind.MISSED_APPOINTMENT:
        return "Advice within 6 weeks (regulation 8(2)) only"
    return "The decisions and the final plan (regulation 10(4))"


def has_time_limit_exception(request: EhcRequest) -> bool:
    """Whether an exception of reg 10(4) is recorded on the request: SEN2 counts plans issued
    within 20 weeks with and without these. A missed appointment is not one of them."""
    return any(exception.kind in TIME_LIMIT_EXCEPTIONS for exception in request.exceptions)


def time_limit_exception_recorded(request=EhcRequest) -> sa.ColumnElement[bool]:
    """`has_time_limit_exception` in SQL, for figures read from the requests' columns."""
    return request.exceptions.any(EhcException.kind.in_(TIME_LIMIT_EXCEPTIONS))
