"""The pupil's chronology: each operation adds a dated event, with its effective date kept apart
from the moment it was entered. The titles the events carry are worded here once, for the
workflows and for the demo, which writes the same events in bulk."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from sentrack.models import Provision, Pupil, User
from sentrack.models.cycles import SupportCycle, TimelineEvent
from sentrack.workflows.revisions import display

# --- Titles ----------------------------------------------------------------------------------------

ASSESSMENT_RECORDED = "Assessment recorded"
ASSESSMENT_FINISHED = "Assessment finished: planning begins"
PLAN_WRITTEN = "Plan written"
OBSERVATION_RECORDED = "Observation recorded"
REVIEW_STARTED = "Review started"
EHC_REQUESTED = "EHC needs assessment requested"
EHC_PLAN_ISSUED = "EHC plan issued"
EHC_PLAN_AMENDED = "EHC plan amended"
EHC_PLAN_CEASED = "EHC plan ceased"
DOCUMENT_ADDED = "Document added"
LETTER_SENT = "Parents told in writing that SEN support has started"
CONCERN_CLOSED = "Concern closed: no further action"
LEFT_THE_ROLL = "Left the school's roll"
LEAVING_UNDONE = "Leaving undone: recorded by mistake"
PARENTS_MET = "Parents met"
MEETING_PLANNED = "Meeting with parents planned"
PARENTS_MET_AT_REVIEW = "Parents met at the review"
# What a change of SEN status is called on the timeline; a change that keeps the provision
# records the needs again.
STATUS_TITLES = {
    Provision.SEN_SUPPORT: "Placed on SEN support",
    Provision.EHC_PLAN: "EHC plan in place",
    Provision.NONE: "Taken off the SEN register",
}
NEEDS_RECORDED_AGAIN = "Needs recorded again"
# EHC needs assessment requests (sentrack/workflows/ehc_requests.py).
EHC_ASSESSMENT_AGREED = "EHC needs assessment agreed by the local authority"
EHC_ASSESSMENT_REFUSED = "EHC needs assessment refused by the local authority"
EHC_FINAL_ISSUED = "Final EHC plan issued"
EHC_REQUEST_WITHDRAWN = "EHC needs assessment request withdrawn"


def cycle_opened(number: int) -> str:
    return f"Support cycle {number} opened: assessment begins"


def plan_started(review_date: date) -> str:
    return f"Plan started: review on {display(review_date)}"


def review_held(decision) -> str:
    """`decision`: the review's ReviewDecision."""
    return f"Review held: {decision.summary}"


def concern_raised(area_of_need) -> str:
    """`area_of_need`: the AreaOfNeed the concern is about, or None."""
    return "Concern raised" + (f": {area_of_need.label.lower()}" if area_of_need else "")


def intervention_starts(name: str) -> str:
    return f"Intervention starts: {name}"


def intervention_ended(name: str) -> str:
    return f"Intervention ended: {name}"


# --- EHC reviews ---


def ehc_review_convened(kind_label: str, meeting_on: date) -> str:
    return f"EHC plan {kind_label.lower()} convened: meeting on {meeting_on.day} {meeting_on:%B %Y}"


def ehc_review_held(kind_label: str, recommendation_label: str) -> str:
    return f"EHC plan {kind_label.lower()} meeting held: recommends to {recommendation_label.lower()}"


def ehc_review_decided(decision_label: str) -> str:
    return f"Local authority's decision after the EHC review: {decision_label.lower()}"


EHC_REVIEW_REPORT_SENT = "EHC review report sent to the local authority and everyone invited"
EHC_AMENDMENTS_PROPOSED = "Proposed amendments to the EHC plan sent to the family"
EHC_AMENDED_PLAN_ISSUED = "Amended EHC plan issued"


def ehc_request_received(requested_by) -> str:
    """`requested_by`: the EhcRequester who asked the local authority."""
    who = {"school": "the school", "parent": "a parent", "young_person": "the young person"}
    return f"EHC needs assessment requested by {who.get(requested_by.value, 'another body')}"


def ehc_advice_asked(adviser: str, due_on: date) -> str:
    return f"Advice for the EHC needs assessment asked of {adviser}: due {due_on.day} {due_on:%B %Y}"


def ehc_advice_received(adviser: str) -> str:
    return f"Advice for the EHC needs assessment received from {adviser}"


def ehc_exception(kind) -> str:
    """`kind`: the ExceptionKind recorded."""
    return f"Exception to the EHC time limits recorded: {kind.label[0].lower()}{kind.label[1:]}"


def ehc_plan_decided(decision, parents_told_on: date | None) -> str:
    """`decision`: the PlanDecision after the assessment."""
    if parents_told_on is None:
        return "Local authority decided to issue an EHC plan"
    return (
        f"Local authority decided not to issue an EHC plan: parents told {parents_told_on.day} {parents_told_on:%B %Y}"
    )


def ehc_draft_sent(comments_until: date) -> str:
    return f"Draft EHC plan sent: comments until {comments_until.day} {comments_until:%B %Y}"


# --- Events ----------------------------------------------------------------------------------------


def event_values(
    *,
    pupil_id: int,
    kind: str,
    title: str,
    effective_on: date,
    actor_id: int | None,
    cycle_id: int | None = None,
    detail: str | None = None,
    from_state: str | None = None,
    to_state: str | None = None,
    meeting_id: int | None = None,
) -> dict[str, Any]:
    """The columns of one timeline event, by id: what `add_event` stores, and what the demo
    writes in bulk with its own entry times."""
    return {
        "pupil_id": pupil_id,
        "cycle_id": cycle_id,
        "kind": kind,
        "title": title,
        "detail": detail,
        "from_state": from_state,
        "to_state": to_state,
        "effective_on": effective_on,
        "actor_id": actor_id,
        "meeting_id": meeting_id,
    }


def add_event(
    session: Session, *, pupil: Pupil, actor: User | None, cycle: SupportCycle | None = None, **event: Any
) -> TimelineEvent:
    """Add an event to `pupil`'s timeline, by `actor`, of `cycle` if any; `event`: its kind,
    title, effective date, and any detail and states (see `event_values`)."""
    row = TimelineEvent(
        **event_values(
            pupil_id=pupil.id,
            actor_id=actor.id if actor is not None else None,
            cycle_id=cycle.id if cycle is not None else None,
            **event,
        )
    )
    session.add(row)
    return row
