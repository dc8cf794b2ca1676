"""EHC needs assessment requests (SEND Regulations 2014, regs 3 to 13; DESIGN section 1): opened
from a review's decision or recorded by the SENCO when a parent, the young person or another body
asked the local authority directly, then taken by the authority through its steps: the decision
whether to assess, advice asked and received, the decision whether to issue a plan, the draft and
the final plan. Either side may record that the request was withdrawn, and the exceptions to the
time limits (reg 10(4); a missed appointment, reg 8(2)) are recorded with their reason.

Each step is a pure function of a session and `today`: it checks the order of the steps
(`step_problem`, which the pages also ask), the dates and the text, changes the request at the
version it was loaded at (two people taking the same step at once: one wins, the other is told),
writes the timeline and the audit, and settles the step's tasks. No date is stored that a clock
could give: every due date comes from `sentrack.workflows.ehc_dates` through `ehc_clocks`, and an
exception changes none of them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.models import (
    AssessmentDecision,
    EhcAdvice,
    EhcException,
    EhcPlan,
    EhcRequest,
    EhcRequester,
    ExceptionKind,
    PlanDecision,
    Pupil,
    User,
)
from sentrack.models.cycles import Review
from sentrack.workflows import RuleBroken, ehc_dates, timeline
from sentrack.workflows.ehc_plans import PlanDetails, add_plan, plan_in_force_for
from sentrack.workflows.ehc_register import request_in_progress
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.revisions import begin_edit, finish_edit, take_step
from sentrack.workflows.timeline import add_event

REQUESTER_DETAIL_MAX = 200
ADVISER_MAX = 120
# Reg 10(4)(a), (b) and (d): a setting closed, or the family away, for at least 4 continuous weeks.
FOUR_WEEKS = timedelta(weeks=4)

# What a conflict lists (sentrack/workflows/revisions.py), with the words the pages use.
REQUEST_FIELDS = {
    "assessment": "Decision whether to assess",
    "assessment_decided_on": "Date of the decision to assess",
    "decision_note": "Reasons for the decision",
    "plan_decision": "Decision whether to issue a plan",
    "plan_decided_on": "Date of the decision whether to issue a plan",
    "parents_told_on": "Date the parents were told",
    "draft_sent_on": "Date the draft plan was sent",
    "final_issued_on": "Date the final plan was issued",
    "withdrawn_on": "Date the request was withdrawn",
    "withdrawn_reason": "Why the request was withdrawn",
}


def _d(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


# --- The order of the steps ------------------------------------------------------------------


class Step(enum.StrEnum):
    DECIDE_ASSESSMENT = "decide_assessment"
    ASK_ADVICE = "ask_advice"
    DECIDE_PLAN = "decide_plan"
    SEND_DRAFT = "send_draft"
    ISSUE_FINAL = "issue_final"
    WITHDRAW = "withdraw"
    RECORD_EXCEPTION = "record_exception"


def ended_problem(request: EhcRequest) -> str | None:
    """Why nothing more can be recorded on the request, or None while it is in progress."""
    if request.withdrawn_on is not None:
        return f"This request was withdrawn on {_d(request.withdrawn_on)}: nothing more can be recorded on it"
    if request.final_issued_on is not None:
        return (
            f"The final plan was issued on {_d(request.final_issued_on)} and the request has ended: "
            "changes are made to the plan"
        )
    if request.assessment is AssessmentDecision.REFUSED:
        return (
            f"The authority refused to assess on {_d(request.assessment_decided_on)} and the request has ended: "
            "a new request can be recorded"
        )
    if request.plan_decision is PlanDecision.NO_PLAN:
        return (
            f"The authority decided on {_d(request.plan_decided_on)} not to issue a plan and the request has ended: "
            "a new request can be recorded"
        )
    return None


def _assessment_problem(request: EhcRequest) -> str | None:
    if request.assessment is not AssessmentDecision.NOT_DECIDED:
        return f"The decision whether to assess was recorded on {_d(request.assessment_decided_on)}"
    return None


def _agreed_problem(request: EhcRequest, what: str) -> str | None:
    if request.assessment is not AssessmentDecision.AGREED:
        return f"{what} once the authority has agreed to assess: record the decision whether to assess first"
    return None


def _advice_problem(request: EhcRequest) -> str | None:
    problem = _agreed_problem(request, "Advice is asked for")
    if problem is None and request.plan_decision is not None:
        problem = (
            f"The decision whether to issue a plan was recorded on {_d(request.plan_decided_on)}: "
            "advice for the assessment is no longer asked"
        )
    return problem


def _plan_decision_problem(request: EhcRequest) -> str | None:
    problem = _agreed_problem(request, "The decision whether to issue a plan is made")
    if problem is None and request.plan_decision is not None:
        problem = f"The decision whether to issue a plan was recorded on {_d(request.plan_decided_on)}"
    return problem


def _draft_problem(request: EhcRequest) -> str | None:
    if request.plan_decision is not PlanDecision.ISSUE:
        return "A draft plan is sent once the authority has decided to issue a plan: record that decision first"
    if request.draft_sent_on is not None:
        return f"The draft plan was sent on {_d(request.draft_sent_on)}"
    return None


def _final_problem(request: EhcRequest) -> str | None:
    if request.plan_decision is not PlanDecision.ISSUE:
        return "The final plan is issued once the authority has decided to issue a plan: record that decision first"
    if request.draft_sent_on is None:
        return (
            "Send the draft plan first: the family has at least 15 days to comment on it and name a school "
            "or college (regulation 13(1))"
        )
    return None


_ORDER = {
    Step.DECIDE_ASSESSMENT: _assessment_problem,
    Step.ASK_ADVICE: _advice_problem,
    Step.DECIDE_PLAN: _plan_decision_problem,
    Step.SEND_DRAFT: _draft_problem,
    Step.ISSUE_FINAL: _final_problem,
    Step.WITHDRAW: lambda request: None,
    Step.RECORD_EXCEPTION: lambda request: None,
}


def step_problem(request: EhcRequest, step: Step) -> str | None:
    """Why `step` cannot be taken on the request now (None when it can): the steps come in the
    order of the Regulations, and nothing is recorded after the request ended."""
    return ended_problem(request) or _ORDER[step](request)


def open_steps(request: EhcRequest) -> list[Step]:
    """The steps the request may take now, in the order of the Regulations."""
    return [step for step in Step if step_problem(request, step) is None]


def _check_step(request: EhcRequest, step: Step) -> None:
    problem = step_problem(request, step)
    if problem is not None:
        raise RuleBroken(problem)


# --- Shared checks ---------------------------------------------------------------------------


# The dates the steps ask, by what they date: (field, the message when it is missing, what cannot
# be in the future).
_DATES = {
    "request": (
        "received_on",
        "Enter the date the local authority received the request",
        "date the request was received",
    ),
    "decision": ("decided_on", "Enter the date of the decision", "decision"),
    "advice_asked": ("asked_on", "Enter the date the advice was asked for", "date asked"),
    "advice_received": ("received_on", "Enter the date the advice was received", "date received"),
    "parents_told": (
        "parents_told_on",
        "Enter the date the parents were told no plan will be issued",
        "date the parents were told",
    ),
    "draft": ("draft_sent_on", "Enter the date the draft plan was sent", "date sent"),
    "withdrawn": ("withdrawn_on", "Enter the date the request was withdrawn", "date withdrawn"),
}


def _dated(what: str, day: date | None, today: date, earliest: date | None = None, too_early: str = "") -> date:
    """The date `what` (a key of `_DATES`): given, not in the future, and not before `earliest`
    (`too_early` says so, with that date)."""
    field, missing, words = _DATES[what]
    if day is None:
        raise RuleBroken(missing, field=field)
    if day > today:
        raise RuleBroken(f"The {words} cannot be in the future", field=field)
    if earliest is not None:
        _not_before(day, earliest, field, too_early)
    return day


def _not_before(day: date, earliest: date, field: str, message: str) -> None:
    if day < earliest:
        raise RuleBroken(f"{message} ({_d(earliest)})", field=field)


def _text(value: str | None, *, field: str, missing: str | None = None, longest: int | None = None) -> str | None:
    value = (value or "").strip() or None
    if value is None and missing:
        raise RuleBroken(missing, field=field)
    if value is not None and longest is not None and len(value) > longest:
        raise RuleBroken(f"This must be {longest} characters or fewer", field=field)
    return value


def _step_done(
    session: Session,
    actor: User,
    request: EhcRequest,
    kind: str,
    title: str,
    on: date,
    today: date,
    *,
    action: str | None = None,
    about: tuple[str, int] | None = None,
) -> None:
    """The timeline event (of `kind`), the audit (`action`, the same unless given; of the request
    unless `about` names another record) and the tasks of a step just recorded."""
    add_event(session, pupil=request.pupil, actor=actor, kind=kind, title=title, effective_on=on)
    object_type, object_id = about or ("ehc_request", request.id)
    audit.record(
        session, action or kind, actor=actor, pupil=request.pupil, object_type=object_type, object_id=object_id
    )
    settle_tasks(session, today, pupil_ids=[request.pupil_id])


def _audited(session: Session, action: str, actor: User, pupil: Pupil, request: EhcRequest) -> None:
    audit.record(session, action, actor=actor, pupil=pupil, object_type="ehc_request", object_id=request.id)


def _edit(session: Session, actor: User, request: EhcRequest, **values) -> None:
    """Change the request's `values` at the version it was loaded at, with its revision."""
    begin_edit(session, "ehc_request", request, REQUEST_FIELDS, None)
    for name, value in values.items():
        setattr(request, name, value)
    finish_edit(session, "ehc_request", request, REQUEST_FIELDS, actor)


def request_in_progress_for(session: Session, pupil: Pupil) -> EhcRequest | None:
    """The pupil's request in progress, if any (at most one is)."""
    return session.scalar(
        sa.select(EhcRequest)
        .where(EhcRequest.pupil_id == pupil.id, request_in_progress())
        .order_by(EhcRequest.received_on.desc(), EhcRequest.id.desc())
        .limit(1)
    )


# --- Opening a request -----------------------------------------------------------------------


@dataclass(frozen=True)
class RequestDetails:
    """A request as the SENCO records it: who asked, who they are, the day the authority received it."""

    requested_by: EhcRequester | None
    requester_detail: str | None
    received_on: date | None


def _check_pupil_free(session: Session, pupil: Pupil, today: date) -> None:
    existing = request_in_progress_for(session, pupil)
    if existing is not None:
        raise RuleBroken(
            f"The pupil already has a request for an EHC needs assessment in progress, received on "
            f"{_d(existing.received_on)}: record its steps there"
        )
    if plan_in_force_for(session, pupil, today) is not None:
        raise RuleBroken(
            "The pupil has an EHC plan in force: their needs are looked at again through the plan's review"
        )


def record_request(session: Session, *, actor: User, pupil: Pupil, details: RequestDetails, today: date) -> EhcRequest:
    """The SENCO records a request for an EHC needs assessment: one the school made, or one a
    parent, the young person or another body made to the authority directly. Refused while the
    pupil has one in progress (or a plan in force), dated in the future or before the pupil was born."""
    if details.requested_by is None:
        raise RuleBroken("Select who asked for the assessment", field="requested_by")
    detail = _text(details.requester_detail, field="requester_detail", longest=REQUESTER_DETAIL_MAX)
    if details.requested_by is EhcRequester.OTHER and detail is None:
        raise RuleBroken("Say which body asked for the assessment", field="requester_detail")
    born = pupil.date_of_birth
    received = _dated("request", details.received_on, today, born, "The request cannot be before the pupil was born")
    _check_pupil_free(session, pupil, today)
    request = EhcRequest(
        pupil_id=pupil.id,
        requested_by=details.requested_by,
        requester_detail=detail,
        received_on=received,
        recorded_by_id=actor.id,
    )
    session.add(request)
    session.flush()
    request.pupil = pupil
    title = timeline.ehc_request_received(details.requested_by)
    _step_done(session, actor, request, "ehc_request_recorded", title, received, today)
    return request


def open_from_review(session: Session, *, actor: User, review: Review, today: date) -> EhcRequest:
    """A review decided to request an EHC needs assessment: open the request, asked by the school,
    received on the date the review gives, with the review (and so the pupil's support cycles) as
    its evidence. A request already in progress (a parent asked first) takes the review as its
    evidence when it has none, rather than a second request being opened."""
    pupil = review.cycle.pupil
    existing = request_in_progress_for(session, pupil)
    if existing is not None:
        if existing.review_id is None:
            existing.review_id = review.id
            _audited(session, "ehc_request_evidence", actor, pupil, existing)
            session.flush()
        return existing
    opened = {"received_on": review.ehc_requested_on, "review_id": review.id, "recorded_by_id": actor.id}
    request = EhcRequest(pupil_id=pupil.id, requested_by=EhcRequester.SCHOOL, **opened)
    session.add(request)
    session.flush()
    _audited(session, "ehc_request_opened", actor, pupil, request)
    return request


# --- The authority's steps -------------------------------------------------------------------


@dataclass(frozen=True)
class AssessmentDetails:
    """The authority's decision whether to assess, its date and (for a refusal) its reasons."""

    decision: AssessmentDecision | None
    decided_on: date | None
    note: str | None = None  # needed for a refusal


@dataclass(frozen=True)
class PlanDecisionDetails:
    """The decision whether to issue a plan, its date, and when the parents were told of no plan."""

    decision: PlanDecision | None
    decided_on: date | None
    parents_told_on: date | None


def decide_assessment(
    session: Session, *, actor: User, request: EhcRequest, details: AssessmentDetails, today: date
) -> EhcRequest:
    """Whether the authority will assess (reg 5(1)): agreed or refused, dated on or after the day it
    received the request and not in the future; a refusal gives its reasons (reg 5(3))."""
    _check_step(request, Step.DECIDE_ASSESSMENT)
    if details.decision not in (AssessmentDecision.AGREED, AssessmentDecision.REFUSED):
        raise RuleBroken("Select whether the authority will assess", field="decision")
    too_early = "The decision cannot be before the request was received"
    decided = _dated("decision", details.decided_on, today, request.received_on, too_early)
    refused = details.decision is AssessmentDecision.REFUSED
    note = _text(details.note, field="note", missing="Give the reasons for refusing to assess" if refused else None)
    _edit(session, actor, request, assessment=details.decision, assessment_decided_on=decided, decision_note=note)
    title = timeline.EHC_ASSESSMENT_REFUSED if refused else timeline.EHC_ASSESSMENT_AGREED
    _step_done(session, actor, request, "ehc_assessment_decided", title, decided, today)
    return request


@dataclass(frozen=True)
class AdviceDetails:
    adviser: str | None
    asked_on: date | None


def ask_advice(session: Session, *, actor: User, request: EhcRequest, details: AdviceDetails, today: date) -> EhcAdvice:
    """Advice asked for the assessment (reg 6), due within 6 weeks of being asked (reg 8)."""
    _check_step(request, Step.ASK_ADVICE)
    adviser = _text(details.adviser, field="adviser", missing="Enter who was asked for advice", longest=ADVISER_MAX)
    too_early = "Advice cannot be asked before the request was received"
    asked = _dated("advice_asked", details.asked_on, today, request.received_on, too_early)
    advice = EhcAdvice(request_id=request.id, adviser=adviser, asked_on=asked)
    session.add(advice)
    session.flush()
    session.refresh(request, ["advice"])
    title = timeline.ehc_advice_asked(adviser, ehc_dates.advice_due(asked))
    _step_done(session, actor, request, "ehc_advice_asked", title, asked, today, about=("ehc_advice", advice.id))
    return advice


def advice_received(
    session: Session, *, actor: User, request: EhcRequest, advice: EhcAdvice, received_on: date | None, today: date
) -> EhcAdvice:
    """The advice arrived: on or after the day it was asked, not in the future, recorded once."""
    problem = ended_problem(request)
    if problem is not None:
        raise RuleBroken(problem)
    if advice.request_id != request.id:
        raise RuleBroken("This advice belongs to another request")
    if advice.received_on is not None:
        raise RuleBroken(f"The advice from {advice.adviser} was recorded as received on {_d(advice.received_on)}")
    too_early = "The advice cannot arrive before it was asked for"
    received = _dated("advice_received", received_on, today, advice.asked_on, too_early)
    if not take_step(session, advice, "received_on", {"received_on": received}):
        raise RuleBroken(f"Someone else recorded the advice from {advice.adviser} as received meanwhile")
    title = timeline.ehc_advice_received(advice.adviser)
    _step_done(session, actor, request, "ehc_advice_received", title, received, today, about=("ehc_advice", advice.id))
    return advice


@dataclass(frozen=True)
class ExceptionDetails:
    kind: ExceptionKind | None
    starts_on: date | None
    ends_on: date | None
    reason: str | None


def _check_exception(request: EhcRequest, details: ExceptionDetails) -> str:
    if details.kind is None:
        raise RuleBroken("Select which exception applies", field="kind")
    if details.kind is ExceptionKind.MISSED_APPOINTMENT and not request.advice:
        raise RuleBroken(
            "A missed appointment is an exception only to the 6-week limit for advice (regulation 8): "
            "record the advice asked first",
            field="kind",
        )
    if details.starts_on is None:
        raise RuleBroken("Enter the date the exception starts", field="starts_on")
    too_early = "An exception cannot start before the request was received"
    _not_before(details.starts_on, request.received_on, "starts_on", too_early)
    if details.ends_on is not None and details.ends_on < details.starts_on:
        raise RuleBroken("The end date cannot be before the start date", field="ends_on")
    long_enough = details.ends_on is None or details.ends_on - details.starts_on >= FOUR_WEEKS
    if details.kind in (ExceptionKind.SETTING_CLOSED, ExceptionKind.AWAY) and not long_enough:
        raise RuleBroken(
            "This exception needs at least 4 continuous weeks (regulation 10(4)): check the dates", field="ends_on"
        )
    return _text(details.reason, field="reason", missing="Give the reason the time limit could not be met")


def record_exception(
    session: Session, *, actor: User, request: EhcRequest, details: ExceptionDetails, today: date
) -> EhcException:
    """An exception to the time limits (reg 10(4); a missed appointment, reg 8(2), for advice only),
    with its reason. It is reported apart and stops no clock: no due date moves."""
    _check_step(request, Step.RECORD_EXCEPTION)
    reason = _check_exception(request, details)
    dates = {"starts_on": details.starts_on, "ends_on": details.ends_on}
    exception = EhcException(request_id=request.id, kind=details.kind, reason=reason, recorded_by_id=actor.id, **dates)
    session.add(exception)
    session.flush()
    session.refresh(request, ["exceptions"])
    about = ("ehc_exception", exception.id)
    title, action = timeline.ehc_exception(details.kind), "ehc_exception_recorded"
    _step_done(session, actor, request, "ehc_exception", title, details.starts_on, today, action=action, about=about)
    return exception


def decide_plan(
    session: Session, *, actor: User, request: EhcRequest, details: PlanDecisionDetails, today: date
) -> EhcRequest:
    """After the assessment, whether the authority issues a plan (reg 10): a decision not to issue
    one is told to the parents, by week 16, and ends the request."""
    _check_step(request, Step.DECIDE_PLAN)
    if details.decision is None:
        raise RuleBroken("Select whether the authority will issue a plan", field="decision")
    too_early = "The decision cannot be before the decision to assess"
    decided = _dated("decision", details.decided_on, today, request.assessment_decided_on, too_early)
    told = None
    if details.decision is PlanDecision.NO_PLAN:
        too_early = "The parents cannot be told before the decision"
        told = _dated("parents_told", details.parents_told_on, today, decided, too_early)
    _edit(session, actor, request, plan_decision=details.decision, plan_decided_on=decided, parents_told_on=told)
    title = timeline.ehc_plan_decided(details.decision, told)
    _step_done(session, actor, request, "ehc_plan_decided", title, decided, today)
    return request


def send_draft(
    session: Session, *, actor: User, request: EhcRequest, draft_sent_on: date | None, today: date
) -> EhcRequest:
    """The draft plan sent to the family, who then have at least 15 days to comment (reg 13(1))."""
    _check_step(request, Step.SEND_DRAFT)
    too_early = "The draft cannot be sent before the decision to issue a plan"
    sent = _dated("draft", draft_sent_on, today, request.plan_decided_on, too_early)
    _edit(session, actor, request, draft_sent_on=sent)
    title = timeline.ehc_draft_sent(ehc_dates.draft_comments_until(sent))
    _step_done(session, actor, request, "ehc_draft_sent", title, sent, today)
    return request


def issue_final(session: Session, *, actor: User, request: EhcRequest, details: PlanDetails, today: date) -> EhcPlan:
    """The final plan issued (reg 13(2)): the plan is added with its details (`ehc_plans.add_plan`,
    which places the pupil on "E") and the request ends. A plan dated before the request was
    received, or before its draft was sent, is refused."""
    _check_step(request, Step.ISSUE_FINAL)
    issued = details.issued_on
    if issued is None:
        raise RuleBroken("Enter the date the final plan was issued", field="issued_on")
    _not_before(
        issued, request.received_on, "issued_on", "The final plan cannot be dated before the request was received"
    )
    _not_before(issued, request.draft_sent_on, "issued_on", "The final plan cannot be dated before the draft was sent")
    plan = add_plan(session, actor=actor, pupil=request.pupil, details=details, today=today, request=request)
    _edit(session, actor, request, final_issued_on=issued)
    _step_done(session, actor, request, "ehc_final_issued", timeline.EHC_FINAL_ISSUED, issued, today)
    return plan


@dataclass(frozen=True)
class WithdrawalDetails:
    withdrawn_on: date | None
    reason: str | None


def withdraw(
    session: Session, *, actor: User, request: EhcRequest, details: WithdrawalDetails, today: date
) -> EhcRequest:
    """The request withdrawn (SEN2: withdrawn), on a date on or after it was received, with why."""
    _check_step(request, Step.WITHDRAW)
    too_early = "The request cannot be withdrawn before it was received"
    withdrawn = _dated("withdrawn", details.withdrawn_on, today, request.received_on, too_early)
    reason = _text(details.reason, field="reason", missing="Say why the request was withdrawn")
    _edit(session, actor, request, withdrawn_on=withdrawn, withdrawn_reason=reason)
    _step_done(session, actor, request, "ehc_request_withdrawn", timeline.EHC_REQUEST_WITHDRAWN, withdrawn, today)
    return request
