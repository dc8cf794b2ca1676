"""Writing and reading the audit trail. Every sign-in, change to pupil data, export and view of a pupil's
record goes through `record`. Details hold identifiers and field names, never personal detail."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy.orm import Session, selectinload

from sentrack.clock import now
from sentrack.models import AuditEvent, Pupil, User


def record(
    session: Session,
    action: str,
    *,
    actor: User | None = None,
    pupil: Pupil | None = None,
    pupil_id: int | None = None,
    school_id: int | None = None,
    object_type: str | None = None,
    object_id: Any = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the session (flushed with the change it records). A caller that holds
    only the pupil's id (and gives the school) passes `pupil_id` instead of loading the pupil."""
    if school_id is None:
        school_id = pupil.school_id if pupil is not None else (actor.school_id if actor else None)
    event = AuditEvent(
        action=action,
        user_id=actor.id if actor is not None else None,
        school_id=school_id,
        pupil_id=pupil.id if pupil is not None else pupil_id,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        remote_addr=request.remote_addr if has_request_context() else None,
        details=details,
    )
    session.add(event)
    return event


def shown(session: Session, page, action: str, **event: Any):
    """Record that the user was shown `page` (a rendered page or a download) and commit; return
    `page`. Views render first and call this last: committing earlier would expire what the page
    had loaded, and the template would load it again row by row."""
    record(session, action, **event)
    session.commit()
    return page


def record_for_pupils(
    session: Session, action: str, *, actor: User, pupils: list[Pupil], object_type: str = "pupil", object_id: Any = None,
) -> None:
    """`record` for each of `pupils` (the object being the pupil, or `object_id` when given), in
    one INSERT statement whatever their number."""
    if not pupils:
        return
    remote_addr = request.remote_addr if has_request_context() else None
    session.execute(
        sa.insert(AuditEvent),
        [
            {
                "occurred_at": now(), "action": action, "user_id": actor.id, "school_id": pupil.school_id,
                "pupil_id": pupil.id, "object_type": object_type,
                "object_id": str(pupil.id if object_id is None else object_id),
                "remote_addr": remote_addr,
            }
            for pupil in pupils
        ],
    )


# --- Reading the trail ------------------------------------------------------------------------------
# What each action means, in words a SENCO or head teacher reads on a pupil's audit page. An
# action missing here is shown by its name, so a new one is never hidden.

DESCRIPTIONS: dict[str, str] = {
    "pupil_added": "Added the pupil to the roll",
    "pupil_updated": "Changed the pupil's details",
    "pupil_viewed": "Viewed the pupil's record",
    "pupil_left": "Recorded that the pupil left the school",
    "leaving_undone": "Undid a leaving recorded by mistake",
    "contact_added": "Added a parent or carer contact",
    "contact_updated": "Changed a parent or carer contact",
    "sen_status_changed": "Changed the SEN status",
    "concern_raised": "Raised a concern",
    "concern_decided": "Decided on a concern",
    "cycle_opened": "Opened a support cycle",
    "cycle_moved": "Moved the support cycle on",
    "cycle_viewed": "Viewed a support cycle",
    "assessment_saved": "Saved the assessment",
    "plan_saved": "Saved the SEN support plan",
    "plan_printed": "Printed the SEN support plan",
    "outcome_saved": "Saved an outcome of the plan",
    "outcome_removed": "Removed an outcome from the plan",
    "observation_added": "Recorded an observation",
    "review_saved": "Saved the review",
    "letter_sent": "Marked the letter to parents as sent",
    "letter_printed": "Opened the letter to parents for printing",
    "timeline_viewed": "Viewed the timeline",
    "parent_meeting_planned": "Planned a meeting with parents",
    "parent_meeting_recorded": "Recorded a meeting with parents",
    "parent_meeting_linked": "Linked a meeting with parents to the review or plan agreed at it",
    "parent_meeting_unlinked": "Unlinked a meeting with parents from a plan no longer agreed at it",
    "parent_meeting_shared": "Marked the record of a meeting with parents as shared with them",
    "intervention_started": "Added the pupil to an intervention",
    "intervention_place_added": "Added the pupil to an intervention",
    "intervention_place_removed": "Took the pupil out of an intervention",
    "intervention_place_changed": "Changed the pupil's place in an intervention",
    "intervention_place_ended": "Ended an intervention the pupil was in",
    "attendance_recorded": "Recorded the pupil's attendance at an intervention session",
    "impact_recorded": "Recorded the impact of an intervention",
    "intervention_viewed": "Viewed an intervention with the pupil in it",
    "intervention_form_viewed": "Opened the change form of an intervention with the pupil in it",
    "register_viewed": "Opened the register of an intervention with the pupil on it",
    "impact_viewed": "Opened the impact page of an intervention with the pupil in it",
    "passport_viewed": "Viewed the pupil's passport",
    "passport_read": "Said they have read the pupil's passport",
    "audit_viewed": "Viewed this audit trail",
}

_STATES = {"assess": "assess", "plan": "plan", "do": "do", "review": "review", "closed": "closed"}


def describe(event: AuditEvent) -> str:
    """A readable sentence for an audit event: the action, and which fields or states it touched."""
    text = DESCRIPTIONS.get(event.action, event.action.replace("_", " ").capitalize())
    details = event.details or {}
    fields = details.get("fields")
    if fields:
        text += ": " + ", ".join(str(name).replace("_", " ") for name in fields)
    if event.action == "cycle_moved" and details.get("from") and details.get("to"):
        text += f" from {_STATES.get(details['from'], details['from'])} to {_STATES.get(details['to'], details['to'])}"
    if event.action == "attendance_recorded" and "attended" in details:
        text += " (present)" if details["attended"] else " (absent)"
    return text


def pupil_trail(session: Session, pupil: Pupil, *, page: int, per_page: int) -> tuple[list[AuditEvent], int]:
    """One page of the audit events about `pupil`, newest first, with the total count."""
    total = session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.pupil_id == pupil.id))
    events = session.scalars(
        sa.select(AuditEvent)
        .where(AuditEvent.pupil_id == pupil.id)
        .options(selectinload(AuditEvent.user).selectinload(User.role_assignments))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(events), total or 0
