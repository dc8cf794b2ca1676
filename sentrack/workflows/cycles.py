"""The support cycle of the graduated approach: assess -> plan -> do -> review -> closed.

The moves a cycle may make are one table, `MOVES`. Each move has a guard that says why it is
refused (`guard_problems`), and an operation that checks the guard, sets the state, writes a
dated timeline event and the audit, and flushes. Nothing else sets a cycle's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from sentrack import audit
from sentrack.access import may_hold_early_review
from sentrack.clock import now
from sentrack.models import Concern, ConcernStatus, NeedType, Provision, Pupil, User
from sentrack.models.cycles import (
    Assessment,
    CycleState,
    EarlyReviewReason,
    Observation,
    Outcome,
    OutcomeRating,
    Plan,
    Review,
    ReviewDecision,
    SupportCycle,
    TimelineEvent,
)
from sentrack.workflows import RuleBroken, refuse_if_any, timeline
from sentrack.workflows.concerns import CONCERN_FIELDS, decide_no_further_action
from sentrack.workflows.ehc_requests import open_from_review
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.meetings import meeting_from_plan, meeting_from_review, unlink_plan_meeting
from sentrack.workflows.revisions import (
    begin_edit,
    check_version,
    display,
    finish_edit,
    forget,
    insert_once,
    record_revision,
)
from sentrack.workflows.sen_status import change_sen_status, current_status
from sentrack.workflows.timeline import add_event


class Move(StrEnum):
    FINISH_ASSESSMENT = "finish_assessment"
    START_SUPPORT = "start_support"
    START_REVIEW = "start_review"
    RECORD_REVIEW = "record_review"

    @property
    def label(self) -> str:
        return {
            "finish_assessment": "Move on to planning",
            "start_support": "Start the plan",
            "start_review": "Start the review",
            "record_review": "Record the review and close the cycle",
        }[self.value]


# (state, move) -> new state: the only moves there are.
MOVES: dict[tuple[CycleState, Move], CycleState] = {
    (CycleState.ASSESS, Move.FINISH_ASSESSMENT): CycleState.PLAN,
    (CycleState.PLAN, Move.START_SUPPORT): CycleState.DO,
    (CycleState.DO, Move.START_REVIEW): CycleState.REVIEW,
    (CycleState.REVIEW, Move.RECORD_REVIEW): CycleState.CLOSED,
}

PLAN_FIELDS = {
    "starts_on": "Date the plan starts",
    "strategies": "Strategies for everyone who teaches the pupil",
    "provision": "Provision",
    "expected_impact": "Expected impact on progress, development or behaviour",
    "responsibilities": "Who does what",
    "review_date": "Review date",
    "agreed_with_parents_on": "Date agreed with parents",
}
OUTCOME_FIELDS = {
    "description": "Outcome",
    "success_criteria": "Success criteria",
    "area_of_need": "Area of need",
    "target_date": "Target date",
}
REVIEW_FIELDS = {
    "held_on": "Date of the review meeting",
    "ratings_summary": "Outcome ratings",
    "attendees": "Who attended",
    "parent_attended": "A parent or carer attended",
    "provision_impact": "Impact of the provision",
    "pupil_views": "The pupil's views",
    "parent_views": "The parents' views",
    "next_steps": "Next steps",
    "decision": "Decision",
    "decision_reason": "Reason for the decision",
    "ehc_requested_on": "Date of the EHC needs assessment request",
    "early_reason": "Reason for reviewing before the review date",
    "early_reason_detail": "Why the review is early",
}


# --- Reading ---------------------------------------------------------------------------------------


def open_cycle_of(session: Session, pupil: Pupil) -> SupportCycle | None:
    return session.scalar(
        sa.select(SupportCycle).where(SupportCycle.pupil_id == pupil.id, SupportCycle.state != CycleState.CLOSED)
    )


def allowed_moves(cycle: SupportCycle) -> list[Move]:
    return [move for (state, move) in MOVES if state is cycle.state]


@dataclass
class EarlyReview:
    """The SENCO's reason for a review before the agreed review date: a choice and text."""

    reason: EarlyReviewReason | None
    detail: str | None


def plan_started_on(cycle: SupportCycle) -> date | None:
    """The day the plan began: its start date, or the day it was agreed with parents when that
    came later. No review can be held before it."""
    plan = cycle.plan
    if plan is None:
        return None
    agreed = plan.agreed_with_parents_on
    return max(plan.starts_on, agreed) if agreed is not None else plan.starts_on


def early_review_problems(
    cycle: SupportCycle, on: date, *, early: EarlyReview | None, actor: User | None, field: str = "held_on"
) -> list[RuleBroken]:
    """Why a review on `on` cannot be held (empty when it can): never before the plan began;
    before the review date only by the SENCO (access decides), with a reason chosen and given."""
    plan = cycle.plan
    if plan is None or plan.review_date is None:
        return []
    started = plan_started_on(cycle)
    if on < started:
        return [RuleBroken(f"The review cannot be before the plan started ({display(started)})", field=field)]
    if on >= plan.review_date:
        return []
    due = display(plan.review_date)
    if actor is not None and not may_hold_early_review(actor):
        return [RuleBroken(f"The review is not due until {due}: only the SENCO can hold it earlier", field=field)]
    if early is None or early.reason is None:
        return [RuleBroken(f"The review is not due until {due}: to hold it earlier, choose why", field="early_reason")]
    if not (early.detail or "").strip():
        return [RuleBroken("Say why the review is held before the review date", field="early_reason_detail")]
    return []


def guard_problems(
    cycle: SupportCycle, move: Move, *, today: date, actor: User | None = None, early: EarlyReview | None = None
) -> list[RuleBroken]:
    """Why `move` cannot be made now (empty when it can). `actor` and `early` matter to a review
    before the review date: without an actor the SENCO-only rule is not asked (page display)."""
    if (cycle.state, move) not in MOVES:
        return [RuleBroken(f"A cycle at '{cycle.state.label}' cannot '{move.label.lower()}'")]
    if move is Move.FINISH_ASSESSMENT:
        return [] if cycle.assessment is not None else [RuleBroken("Record the assessment first", field="assessment")]
    if move is Move.START_SUPPORT:
        return _start_problems(cycle)
    if move is Move.START_REVIEW:
        return early_review_problems(cycle, today, early=early, actor=actor, field="review_date")
    return _review_problems(cycle, today=today, actor=actor)


def _start_problems(cycle: SupportCycle) -> list[RuleBroken]:
    """What the plan lacks before support can start, and whether it has outcomes."""
    plan = cycle.plan
    problems: list[RuleBroken] = []
    if plan is None:
        problems.append(RuleBroken("Write the plan first", field="plan"))
    else:
        if plan.review_date is None:
            problems.append(RuleBroken("Set a review date for the plan", field="review_date"))
        if plan.agreed_with_parents_on is None:
            problems.append(
                RuleBroken("Record the date the plan was agreed with parents", field="agreed_with_parents_on")
            )
        # CoP 6.48: the support to be provided and its expected impact are part of the plan.
        if not (plan.provision or "").strip():
            problems.append(RuleBroken("Describe the provision to be made", field="provision"))
        if not (plan.expected_impact or "").strip():
            problems.append(RuleBroken("Describe the expected impact of the support", field="expected_impact"))
    if not cycle.outcomes:
        problems.append(RuleBroken("Add at least one outcome to the plan", field="outcomes"))
    return problems


def _review_problems(cycle: SupportCycle, *, today: date, actor: User | None) -> list[RuleBroken]:
    review = cycle.review
    if review is None:
        return [RuleBroken("Record the review first", field="review")]
    problems = []
    if review.held_on is None:
        problems.append(RuleBroken("Enter the date of the review meeting", field="held_on"))
    elif review.held_on > today:
        problems.append(RuleBroken("The review cannot be recorded before the meeting has been held", field="held_on"))
    else:
        problems.extend(
            early_review_problems(
                cycle,
                review.held_on,
                early=EarlyReview(review.early_reason, review.early_reason_detail),
                actor=actor,
            )
        )
    for outcome in cycle.outcomes:
        if outcome.rating is None:
            problems.append(
                RuleBroken(f"Rate the outcome '{_short(outcome.description)}'", field=f"rating_{outcome.id}")
            )
    if review.decision is None:
        problems.append(RuleBroken("Choose what happens next", field="decision"))
    elif review.decision is ReviewDecision.STEP_DOWN and not (review.decision_reason or "").strip():
        problems.append(RuleBroken("Give the reason the pupil no longer needs SEN support", field="decision_reason"))
    elif review.decision is ReviewDecision.REQUEST_EHC and review.ehc_requested_on is None:
        problems.append(RuleBroken("Enter the date the EHC needs assessment was requested", field="ehc_requested_on"))
    if not (review.pupil_views or "").strip():
        problems.append(RuleBroken("Record the pupil's views", field="pupil_views"))
    if not (review.parent_views or "").strip():
        problems.append(RuleBroken("Record the parents' views", field="parent_views"))
    return problems


def _short(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _require_editable(cycle: SupportCycle, *states: CycleState, what: str) -> None:
    if cycle.state is CycleState.CLOSED:
        raise RuleBroken(
            f"This cycle was reviewed on {display(cycle.closed_on)} and is locked: {what} in the next cycle"
        )
    if cycle.state not in states:
        allowed = " or ".join(s.label.lower() for s in states)
        raise RuleBroken(f"The cycle is at '{cycle.state.label}': {what} only at {allowed}")


def _audit(session: Session, action: str, actor: User, cycle: SupportCycle, record: tuple, details=None) -> None:
    """An event about a record of `cycle` (`record`: its type and id) in the pupil's audit trail."""
    object_type, object_id = record
    audit.record(
        session, action, actor=actor, pupil=cycle.pupil, object_type=object_type, object_id=object_id, details=details
    )


def _on_cycle(cycle: SupportCycle, kind: str, title: str, effective_on: date, **more: object) -> dict[str, object]:
    """What `add_event` takes for an event of `cycle` on its pupil's timeline; `more`: its detail and states."""
    return {"pupil": cycle.pupil, "cycle": cycle, "kind": kind, "title": title, "effective_on": effective_on, **more}


def _move(
    session: Session,
    cycle: SupportCycle,
    move: Move,
    actor: User,
    today: date,
    effective_on: date,
    title: str,
    early: EarlyReview | None = None,
) -> None:
    """Move `cycle` by `move` (its guards allow it, or the first problem is raised), effective on
    `effective_on`, with the timeline event's `title`."""
    problems = guard_problems(cycle, move, today=today, actor=actor, early=early)
    refuse_if_any(problems)
    old = cycle.state
    cycle.state = MOVES[(old, move)]
    if cycle.state is CycleState.CLOSED:
        cycle.closed_on = effective_on
    event = _on_cycle(
        cycle, "cycle_" + move.value, title, effective_on, from_state=old.value, to_state=cycle.state.value
    )
    add_event(session, actor=actor, **event)
    moved = {"from": old.value, "to": cycle.state.value, "move": move.value}
    _audit(session, "cycle_moved", actor, cycle, ("support_cycle", cycle.id), moved)
    settle_tasks(session, today, pupil_ids=[cycle.pupil_id])


# --- Opening ---------------------------------------------------------------------------------------


def open_cycle(
    session: Session,
    *,
    actor: User,
    pupil: Pupil,
    concern: Concern | None = None,
    concern_version: int | None = None,
    continues: Review | None = None,
    today: date,
) -> SupportCycle:
    """Open a cycle at 'assess': today, or the day of the review of the cycle it `continues`.
    Refused when one is open already, or the pupil has an EHC plan (those are reviewed through the
    annual review)."""
    previous = continues.cycle if continues is not None else None
    opened_on = continues.held_on if continues is not None else today
    if open_cycle_of(session, pupil) is not None:
        raise RuleBroken("This pupil already has an open support cycle")
    if concern is not None:
        check_version(session, "concern", concern, CONCERN_FIELDS, concern_version)
    if concern is not None and concern.status is not ConcernStatus.OPEN:
        raise RuleBroken("This concern has already been decided")
    status = current_status(session, pupil)
    if status is not None and status.provision is Provision.EHC_PLAN:
        raise RuleBroken("Pupils with an EHC plan are reviewed through the plan's annual review")
    number = (
        session.scalar(sa.select(sa.func.max(SupportCycle.number)).where(SupportCycle.pupil_id == pupil.id)) or 0
    ) + 1
    cycle = SupportCycle(
        pupil=pupil,
        number=number,
        state=CycleState.ASSESS,
        opened_on=opened_on,
        opened_by_id=actor.id,
        concern_id=concern.id if concern else None,
        previous_cycle_id=previous.id if previous else None,
    )
    session.add(cycle)
    session.flush()
    if concern is not None:
        begin_edit(session, "concern", concern, CONCERN_FIELDS, concern_version)
        concern.status = ConcernStatus.ASSESSED
        concern.decided_on = today
        concern.decided_by_id = actor.id
        concern.decision_note = f"Assessment opened (support cycle {number})"
        finish_edit(session, "concern", concern, CONCERN_FIELDS, actor)
    detail = "Opened from a concern" if concern else ("Continues the previous cycle" if previous else None)
    title = timeline.cycle_opened(number)
    event = _on_cycle(cycle, "cycle_opened", title, opened_on, detail=detail, to_state=CycleState.ASSESS.value)
    add_event(session, actor=actor, **event)
    audit.record(session, "cycle_opened", actor=actor, pupil=pupil, object_type="support_cycle", object_id=cycle.id)
    settle_tasks(session, today, pupil_ids=[pupil.id])  # a concern decided by opening the assessment
    return cycle


# --- Assess ----------------------------------------------------------------------------------------


@dataclass
class AssessmentDetails:
    areas_of_need: list[str]
    strengths: str
    difficulties: str
    evidence: str
    pupil_views: str | None
    parent_views: str | None
    outside_agencies: str | None
    assessed_on: date


ASSESSMENT_FIELDS = {
    "areas_of_need": "Areas of need",
    "strengths": "Strengths",
    "difficulties": "Difficulties",
    "evidence": "Evidence and data used",
    "pupil_views": "The pupil's views",
    "parent_views": "The parents' views",
    "outside_agencies": "Outside agencies involved",
    "assessed_on": "Date of the assessment",
}


def assessment_starting_point(cycle: SupportCycle, today: date) -> AssessmentDetails | None:
    """What a new assessment's form starts from in a cycle that continues the last (None in a
    first cycle, or when the last had no assessment): the last assessment, with the pupil's and
    parents' views as its review heard them, dated today. Nothing is saved until the SENCO has
    checked it and saves it, so the cycle stays at 'assess' until then."""
    previous = cycle.previous_cycle
    before = previous.assessment if previous is not None else None
    if before is None:
        return None
    review = previous.review
    return AssessmentDetails(
        areas_of_need=list(before.areas_of_need or []),
        strengths=before.strengths,
        difficulties=before.difficulties,
        evidence=before.evidence,
        pupil_views=(review.pupil_views if review is not None else None) or before.pupil_views,
        parent_views=(review.parent_views if review is not None else None) or before.parent_views,
        outside_agencies=before.outside_agencies,
        assessed_on=today,
    )


# The cycle's one-off records, by the name of the cycle's attribute: the model, and its fields.
_RECORDS = {"assessment": (Assessment, ASSESSMENT_FIELDS), "plan": (Plan, PLAN_FIELDS)}


def _write_record(
    session: Session, cycle: SupportCycle, kind: str, actor: User, values: dict, expected_version: int | None
):
    """Write the cycle's one assessment or plan (`kind` names both it and the cycle's attribute):
    a first one is inserted, and of two people writing it at once the second is told; an existing
    one is changed as the person saw it at `expected_version`."""
    model, fields = _RECORDS[kind]
    record = getattr(cycle, kind)
    if record is None:
        record = model(cycle_id=cycle.id, **values)
        insert_once(
            session,
            kind,
            record,
            fields,
            actor,
            existing=lambda: session.scalar(sa.select(model).where(model.cycle_id == cycle.id)),
        )
        set_committed_value(cycle, kind, record)
        return record
    begin_edit(session, kind, record, fields, expected_version)
    for name, value in values.items():
        setattr(record, name, value)
    finish_edit(session, kind, record, fields, actor)
    return record


def _check_assessment(cycle: SupportCycle, details: AssessmentDetails, today: date) -> None:
    """Refuse an assessment with no area of need, or dated in the future, before the last
    cycle's review or before the pupil was born."""
    _require_editable(cycle, CycleState.ASSESS, CycleState.PLAN, what="the assessment can be changed")
    problems = []
    if not details.areas_of_need:
        problems.append(RuleBroken("Select at least one area of need", field="areas_of_need"))
    previous = cycle.previous_cycle
    if details.assessed_on > today:
        problems.append(RuleBroken("The assessment date cannot be in the future", field="assessed_on"))
    elif previous is not None and details.assessed_on < previous.closed_on:
        problems.append(
            RuleBroken(
                f"The assessment date cannot be before the last cycle's review ({display(previous.closed_on)})",
                field="assessed_on",
            )
        )
    elif details.assessed_on < cycle.pupil.date_of_birth:
        problems.append(RuleBroken("The assessment date cannot be before the pupil was born", field="assessed_on"))
    refuse_if_any(problems)


def _date_opening(session: Session, cycle: SupportCycle, on: date) -> None:
    """An assessment typed in after the event dates the cycle from when it really began."""
    cycle.opened_on = on
    session.execute(
        sa.update(TimelineEvent)
        .where(TimelineEvent.cycle_id == cycle.id, TimelineEvent.kind == "cycle_opened")
        .values(effective_on=on)
    )


def save_assessment(
    session: Session,
    *,
    actor: User,
    cycle: SupportCycle,
    details: AssessmentDetails,
    today: date,
    expected_version: int | None = None,
) -> Assessment:
    """Record or correct the assessment; open while the cycle is at assess or plan. Raises
    EditConflict when someone else saved it after `expected_version` (0: not yet written)."""
    _check_assessment(cycle, details, today)
    if details.assessed_on < cycle.opened_on:
        _date_opening(session, cycle, details.assessed_on)
    created = cycle.assessment is None
    values = {**vars(details), "assessed_by_id": actor.id}
    assessment = _write_record(session, cycle, "assessment", actor, values, expected_version)
    if created:
        event = _on_cycle(cycle, "assessment_recorded", timeline.ASSESSMENT_RECORDED, details.assessed_on)
        add_event(session, actor=actor, **event)
    _audit(session, "assessment_saved", actor, cycle, ("assessment", assessment.id))
    settle_tasks(session, today, pupil_ids=[cycle.pupil_id])  # the record kept current
    return assessment


def finish_assessment(session: Session, *, actor: User, cycle: SupportCycle, today: date) -> None:
    # Moves are dated by the fact behind them, so a record typed in late keeps its chronology.
    effective_on = cycle.assessment.assessed_on if cycle.assessment else today
    _move(session, cycle, Move.FINISH_ASSESSMENT, actor, today, effective_on, timeline.ASSESSMENT_FINISHED)


# --- Plan ------------------------------------------------------------------------------------------


@dataclass
class PlanDetails:
    starts_on: date
    strategies: str | None
    provision: str | None
    responsibilities: str | None
    review_date: date | None
    agreed_with_parents_on: date | None
    expected_impact: str | None = None
    # True: agreed at a meeting with parents (recorded, or linked to the one held that day);
    # False: by letter or phone, without a meeting; None: as before (callers that do not say).
    agreed_at_meeting: bool | None = None


def default_review_date(cycle: SupportCycle, starts_on: date) -> date:
    return starts_on + timedelta(weeks=cycle.pupil.school.review_interval_weeks)


def plan_starting_point(cycle: SupportCycle, today: date) -> PlanDetails:
    """What a new plan's form starts from: today, the default review date, and (in a cycle that
    continues the last) the last plan's strategies, provision, expected impact and who does what,
    to be changed as the review decided."""
    before = cycle.previous_cycle.plan if cycle.previous_cycle is not None else None
    return PlanDetails(
        starts_on=today,
        review_date=default_review_date(cycle, today),
        agreed_with_parents_on=None,
        strategies=before.strategies if before else None,
        provision=before.provision if before else None,
        responsibilities=before.responsibilities if before else None,
        expected_impact=before.expected_impact if before else None,
    )


def _check_plan(cycle: SupportCycle, details: PlanDetails, today: date) -> None:
    """Refuse a review date not after the start or before an outcome's target, a parent agreement
    in the future or at a meeting with no date, and a start before the cycle opened."""
    _require_editable(cycle, CycleState.PLAN, CycleState.DO, what="the plan can be changed")
    problems = []
    late = [o for o in cycle.outcomes if details.review_date is not None and o.target_date > details.review_date]
    if details.review_date is not None and details.review_date <= details.starts_on:
        problems.append(RuleBroken("The review date must be after the date the plan starts", field="review_date"))
    elif late:
        problems.append(
            RuleBroken(
                f"The outcome '{_short(late[0].description)}' has a target date of {display(late[0].target_date)}, "
                "after this review date: choose a later review date or change the outcome first",
                field="review_date",
            )
        )
    if details.agreed_with_parents_on is not None and details.agreed_with_parents_on > today:
        problems.append(
            RuleBroken("The date agreed with parents cannot be in the future", field="agreed_with_parents_on")
        )
    elif details.agreed_at_meeting and details.agreed_with_parents_on is None:
        problems.append(
            RuleBroken("Enter the date of the meeting at which the plan was agreed", field="agreed_with_parents_on")
        )
    if details.starts_on < cycle.opened_on:
        problems.append(
            RuleBroken(f"The plan cannot start before the cycle opened ({display(cycle.opened_on)})", field="starts_on")
        )
    refuse_if_any(problems)


def save_plan(
    session: Session,
    *,
    actor: User,
    cycle: SupportCycle,
    details: PlanDetails,
    expected_version: int | None,
    today: date,
) -> Plan:
    """Write or change the plan (at plan or do). Raises EditConflict when someone else saved it
    after `expected_version`; RuleBroken for a review date not after the start, or a parent
    agreement in the future."""
    _check_plan(cycle, details, today)
    values = {name: value for name, value in vars(details).items() if name != "agreed_at_meeting"}
    values |= {"updated_by_id": actor.id, "updated_at": now()}
    plan = _write_record(session, cycle, "plan", actor, values, expected_version)
    if plan.version == 1:
        detail = f"Review date {display(details.review_date)}" if details.review_date else None
        event = _on_cycle(cycle, "plan_written", timeline.PLAN_WRITTEN, min(today, details.starts_on), detail=detail)
        add_event(session, actor=actor, **event)
    _audit(session, "plan_saved", actor, cycle, ("plan", plan.id), {"version": plan.version})
    if details.agreed_at_meeting:
        meeting_from_plan(session, actor=actor, cycle=cycle, plan=plan)
    elif details.agreed_at_meeting is False:
        unlink_plan_meeting(session, actor=actor, cycle=cycle, plan=plan)
    settle_tasks(session, today, pupil_ids=[cycle.pupil_id])  # a meeting held, a record kept current
    return plan


@dataclass
class OutcomeDetails:
    description: str
    success_criteria: str
    area_of_need: object
    target_date: date


def save_outcome(
    session: Session,
    *,
    actor: User,
    cycle: SupportCycle,
    details: OutcomeDetails,
    outcome: Outcome | None = None,
    expected_version: int | None = None,
    today: date,
) -> Outcome:
    """Add or change an outcome (at plan or do)."""
    _require_editable(cycle, CycleState.PLAN, CycleState.DO, what="outcomes can be changed")
    if details.target_date <= cycle.opened_on:
        raise RuleBroken("The target date must be after the cycle opened", field="target_date")
    if cycle.plan is not None and cycle.plan.review_date is not None and details.target_date > cycle.plan.review_date:
        raise RuleBroken(
            f"The target date cannot be after the plan's review date ({display(cycle.plan.review_date)})",
            field="target_date",
        )
    if outcome is None:
        position = len(cycle.outcomes) + 1
        outcome = Outcome(cycle=cycle, position=position, version=1, **vars(details))
        session.add(outcome)
        session.flush()
        record_revision(session, "outcome", outcome, OUTCOME_FIELDS, actor)
    else:
        begin_edit(session, "outcome", outcome, OUTCOME_FIELDS, expected_version)
        for name, value in vars(details).items():
            setattr(outcome, name, value)
        finish_edit(session, "outcome", outcome, OUTCOME_FIELDS, actor)
    _audit(session, "outcome_saved", actor, cycle, ("outcome", outcome.id))
    session.flush()
    return outcome


def removal_problems(cycle: SupportCycle) -> list[RuleBroken]:
    """Why the cycle's outcomes cannot be removed now (empty when they can): only while the plan
    has not started."""
    try:
        _require_editable(cycle, CycleState.PLAN, what="outcomes can be removed")
    except RuleBroken as refused:
        return [refused]
    return []


def remove_outcome(session: Session, *, actor: User, cycle: SupportCycle, outcome: Outcome) -> None:
    """Take an outcome out of a plan that has not started; once support starts, outcomes stay."""
    _require_editable(cycle, CycleState.PLAN, what="outcomes can be removed")
    session.delete(outcome)
    forget(session, "outcome", outcome.id)
    _audit(session, "outcome_removed", actor, cycle, ("outcome", outcome.id))
    session.flush()


@dataclass(frozen=True)
class Needs:
    """The pupil's primary and secondary types of need, recorded when the plan places the pupil on
    SEN support."""

    primary: NeedType | None = None
    secondary: NeedType | None = None


def start_support(
    session: Session, *, actor: User, cycle: SupportCycle, today: date, needs: Needs | None = None
) -> None:
    """Plan -> do. A pupil not yet on SEN support is placed on it from the plan's start date, which
    creates the letter telling parents (s.68); that needs a primary need."""
    problems = guard_problems(cycle, Move.START_SUPPORT, today=today)
    refuse_if_any(problems)
    plan = cycle.plan
    if plan.starts_on > today:
        raise RuleBroken(
            f"The plan starts on {display(plan.starts_on)}: it can be started from then", field="starts_on"
        )
    status = current_status(session, cycle.pupil)
    if status is None or status.provision is Provision.NONE:
        needs = needs or Needs()
        if needs.primary is None:
            raise RuleBroken(
                "Select the pupil's primary type of need to place them on SEN support", field="primary_need"
            )
        change_sen_status(
            session,
            actor=actor,
            pupil=cycle.pupil,
            provision=Provision.SEN_SUPPORT,
            primary_need=needs.primary,
            secondary_need=needs.secondary,
            start_date=plan.starts_on if (status is None or plan.starts_on > status.start_date) else today,
            reason=f"Placed on SEN support: plan of support cycle {cycle.number} agreed with parents",
            today=today,
        )
    _move(session, cycle, Move.START_SUPPORT, actor, today, plan.starts_on, timeline.plan_started(plan.review_date))


def start_review(
    session: Session, *, actor: User, cycle: SupportCycle, today: date, early: EarlyReview | None = None
) -> Review:
    """Do -> review, on or after the review date, or before it when the SENCO gives the reason
    (`early`), which the draft review keeps. Opens a draft review."""
    due = cycle.plan.review_date if cycle.plan is not None and cycle.plan.review_date else today
    is_early = today < due
    problems = guard_problems(cycle, Move.START_REVIEW, today=today, actor=actor, early=early)
    refuse_if_any(problems)
    title = (
        f"Review started early: {early.reason.label[0].lower()}{early.reason.label[1:]}"
        if is_early
        else timeline.REVIEW_STARTED
    )
    _move(session, cycle, Move.START_REVIEW, actor, today, min(due, today), title, early=early)
    review = Review(cycle=cycle, version=0)
    if is_early:
        review.early_reason, review.early_reason_detail = early.reason, early.detail.strip()
    session.add(review)
    session.flush()
    # The empty draft is version 0: a conflict on the first save compares against it.
    record_revision(session, "review", review, REVIEW_FIELDS, actor)
    session.flush()
    return review


# --- Do --------------------------------------------------------------------------------------------


def add_observation(
    session: Session,
    *,
    actor: User,
    cycle: SupportCycle,
    observed_on: date,
    note: str,
    outcome: Outcome | None,
    today: date,
) -> Observation:
    """A dated note against an outcome, while the plan is running (do or review)."""
    _require_editable(cycle, CycleState.DO, CycleState.REVIEW, what="observations can be added")
    if observed_on > today:
        raise RuleBroken("The date cannot be in the future", field="observed_on")
    if cycle.plan is not None and observed_on < cycle.plan.starts_on:
        raise RuleBroken(
            f"The date cannot be before the plan started ({display(cycle.plan.starts_on)})", field="observed_on"
        )
    if outcome is not None and outcome.cycle_id != cycle.id:
        raise RuleBroken("Choose an outcome of this plan", field="outcome")
    if not note.strip():
        raise RuleBroken("Enter what you observed", field="note")
    observation = Observation(
        cycle=cycle, outcome=outcome, observed_on=observed_on, note=note.strip(), recorded_by_id=actor.id
    )
    session.add(observation)
    session.flush()
    event = _on_cycle(
        cycle, "observation", timeline.OBSERVATION_RECORDED, observed_on, detail=_short(note.strip(), 120)
    )
    add_event(session, actor=actor, **event)
    _audit(session, "observation_added", actor, cycle, ("observation", observation.id))
    settle_tasks(session, today, pupil_ids=[cycle.pupil_id])  # the record kept current
    return observation


# --- Review ----------------------------------------------------------------------------------------


@dataclass
class ReviewDetails:
    held_on: date | None
    attendees: str | None
    parent_attended: bool
    provision_impact: str | None
    pupil_views: str | None
    parent_views: str | None
    next_steps: str | None
    decision: ReviewDecision | None
    decision_reason: str | None
    ehc_requested_on: date | None
    ratings: dict[int, tuple[OutcomeRating | None, str | None]]
    early_reason: EarlyReviewReason | None = None
    early_reason_detail: str | None = None


def save_review(
    session: Session,
    *,
    actor: User,
    cycle: SupportCycle,
    details: ReviewDetails,
    expected_version: int | None,
    today: date,
) -> Review:
    """Save the review as a draft (at review). Raises EditConflict when someone else saved it
    after `expected_version`; RuleBroken for a meeting dated in the future."""
    _require_editable(cycle, CycleState.REVIEW, what="the review can be changed")
    review = cycle.review
    check_version(session, "review", review, REVIEW_FIELDS, expected_version)
    problems = []
    started = plan_started_on(cycle)
    if details.held_on is not None and details.held_on > today:
        problems.append(RuleBroken("The review meeting cannot be dated in the future", field="held_on"))
    elif details.held_on is not None and started is not None and details.held_on < started:
        before = f"The review cannot be before the plan started ({display(started)})"
        problems.append(RuleBroken(before, field="held_on"))
    if details.ehc_requested_on is not None and details.ehc_requested_on > today:
        problems.append(RuleBroken("The request date cannot be in the future", field="ehc_requested_on"))
    refuse_if_any(problems)
    values = {name: getattr(details, name) for name in REVIEW_FIELDS if name != "ratings_summary"}  # derived, set below
    if details.held_on is not None and cycle.plan.review_date is not None and details.held_on >= cycle.plan.review_date:
        # Held on or after the review date: not early, whatever was said before.
        values["early_reason"] = values["early_reason_detail"] = None
    if values["early_reason"] is not None and not may_hold_early_review(actor):
        raise RuleBroken("Only the SENCO can hold a review before the review date", field="early_reason")
    begin_edit(session, "review", review, REVIEW_FIELDS, expected_version)
    for name, value in values.items():
        setattr(review, name, value)
    for outcome in cycle.outcomes:
        if outcome.id in details.ratings:
            outcome.rating, outcome.rating_note = details.ratings[outcome.id]
    review.updated_by_id = actor.id
    review.updated_at = now()
    finish_edit(session, "review", review, REVIEW_FIELDS, actor)
    _audit(session, "review_saved", actor, cycle, ("review", review.id), {"version": review.version})
    session.flush()
    return review


def record_review(session: Session, *, actor: User, cycle: SupportCycle, today: date) -> SupportCycle | None:
    """Review -> closed, then act on the decision: `continue` opens the next cycle with the unmet
    outcomes carried forward (returned); `step_down` ends SEN support from the meeting date;
    `request_ehc` opens the EHC needs assessment request (`ehc_requests.open_from_review`)."""
    review = cycle.review
    problems = guard_problems(cycle, Move.RECORD_REVIEW, today=today, actor=actor)
    refuse_if_any(problems)
    review.recorded_at = now()
    _move(session, cycle, Move.RECORD_REVIEW, actor, today, review.held_on, timeline.review_held(review.decision))
    if review.parent_attended:
        # The review is a meeting with parents (CoP 6.65): it counts towards the three a year. The
        # meeting already recorded that day is linked rather than entered twice.
        meeting_from_review(session, actor=actor, cycle=cycle, review=review)
    following = None
    if review.decision is ReviewDecision.CONTINUE:
        following = _continue(session, actor=actor, cycle=cycle, review=review, today=today)
    elif review.decision is ReviewDecision.STEP_DOWN:
        _step_down(session, actor=actor, cycle=cycle, review=review, today=today)
    elif review.decision is ReviewDecision.REQUEST_EHC:
        event = _on_cycle(cycle, "ehc_requested", timeline.EHC_REQUESTED, review.ehc_requested_on)
        add_event(session, actor=actor, **event)
        # The request itself, with this review (and so the pupil's cycles) as its evidence.
        open_from_review(session, actor=actor, review=review, today=today)
    settle_tasks(session, today, pupil_ids=[cycle.pupil_id])
    return following


def _continue(session: Session, *, actor: User, cycle: SupportCycle, review: Review, today: date) -> SupportCycle:
    """Open the next cycle from the meeting date, with the unmet outcomes carried forward, aimed at
    the next cycle's default review date."""
    following = open_cycle(session, actor=actor, pupil=cycle.pupil, today=today, continues=review)
    next_target = default_review_date(following, review.held_on)
    unmet = (o for o in cycle.outcomes if o.rating is not None and not o.rating.met)
    carried = [
        Outcome(
            cycle=following,
            position=position,
            description=outcome.description,
            success_criteria=outcome.success_criteria,
            area_of_need=outcome.area_of_need,
            target_date=max(outcome.target_date, next_target),
            carried_from_id=outcome.id,
            version=1,
        )
        for position, outcome in enumerate(unmet, start=1)
    ]
    session.add_all(carried)
    session.flush()
    for outcome in carried:
        record_revision(session, "outcome", outcome, OUTCOME_FIELDS, actor)
    return following


def _step_down(session: Session, *, actor: User, cycle: SupportCycle, review: Review, today: date) -> None:
    """End SEN support from the meeting date (at the earliest the day after it began)."""
    status = current_status(session, cycle.pupil)
    if status is None or status.provision is not Provision.SEN_SUPPORT:
        return
    change_sen_status(
        session,
        actor=actor,
        pupil=cycle.pupil,
        provision=Provision.NONE,
        primary_need=None,
        secondary_need=None,
        start_date=max(review.held_on, status.start_date + timedelta(days=1)),
        reason=f"Stepped down from SEN support at the review: {review.decision_reason}",
        today=today,
    )


def submit_review(
    session: Session,
    *,
    actor: User,
    cycle: SupportCycle,
    details: ReviewDetails,
    expected_version: int | None,
    today: date,
) -> SupportCycle | None:
    """The review form sent to be recorded: save the draft and record the review (the cycle that
    follows, if one opens). Refused as a whole: a draft that cannot be recorded is not saved."""
    save_review(session, actor=actor, cycle=cycle, details=details, expected_version=expected_version, today=today)
    return record_review(session, actor=actor, cycle=cycle, today=today)


# --- Concerns --------------------------------------------------------------------------------------


@dataclass
class ConcernDecision:
    """What was decided about a concern: `assess` (open a support cycle) or no further action,
    with its reason and date."""

    assess: bool
    reason: str
    decided_on: date


def decide_concern(
    session: Session,
    *,
    actor: User,
    concern: Concern,
    decision: ConcernDecision,
    expected_version: int | None,
    today: date,
) -> SupportCycle | None:
    """Decide an open concern: open a support cycle from it (returned), or close it with no
    further action."""
    if decision.assess:
        return open_cycle(
            session, actor=actor, pupil=concern.pupil, today=today, concern=concern, concern_version=expected_version
        )
    decide_no_further_action(
        session,
        actor=actor,
        concern=concern,
        reason=decision.reason,
        decided_on=decision.decided_on,
        today=today,
        expected_version=expected_version,
    )
    return None
