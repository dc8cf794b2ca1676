"""Meetings with parents: planned ahead, then recorded when held (CoP 6.65). Each operation checks
its rules, raises RuleBroken for the field at fault, writes the timeline and the audit, flushes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sentrack import audit
from sentrack.clock import now
from sentrack.models import MeetingMode, ParentMeeting, Pupil, Role, RoleAssignment, User
from sentrack.models.cycles import Review, SupportCycle
from sentrack.workflows import RuleBroken
from sentrack.workflows.fulfilment import settle_tasks
from sentrack.workflows.timeline import add_event

# Who may lead a meeting with parents: staff who know the pupil (not governors or admins).
LEADING_ROLES = (Role.SENCO, Role.HEAD, Role.TEACHER, Role.SUPPORT_ASSISTANT)


def staff_who_may_lead(session: Session, school_id: int) -> list[User]:
    """Active staff of the school who may lead a meeting, by name."""
    return list(
        session.scalars(
            sa.select(User)
            .where(
                User.school_id == school_id,
                User.active,
                User.id.in_(sa.select(RoleAssignment.user_id).where(RoleAssignment.role.in_(LEADING_ROLES))),
            )
            .order_by(User.full_name, User.id)
        )
    )


def _check_leader(session: Session, pupil: Pupil, led_by_id: int | None) -> None:
    if led_by_id is None:
        raise RuleBroken("Select who leads the meeting", field="led_by_id")
    if led_by_id not in {u.id for u in staff_who_may_lead(session, pupil.school_id)}:
        raise RuleBroken("Select a member of the school's staff to lead the meeting", field="led_by_id")


def pupil_meetings(session: Session, pupil: Pupil) -> tuple[list[ParentMeeting], list[ParentMeeting]]:
    """The pupil's meetings with parents, in one query: those held, newest first, and those
    planned, soonest first."""
    meetings = session.scalars(sa.select(ParentMeeting).where(ParentMeeting.pupil_id == pupil.id)).all()
    held = sorted((m for m in meetings if m.held_on is not None), key=lambda m: (m.held_on, m.id), reverse=True)
    planned = sorted((m for m in meetings if m.held_on is None), key=lambda m: (m.planned_for, m.id))
    return held, planned


@dataclass
class PlannedDetails:
    planned_for: date
    mode: MeetingMode
    led_by_id: int | None
    attendees: str | None


def plan_meeting(session: Session, *, actor: User, pupil: Pupil, details: PlannedDetails, today: date) -> ParentMeeting:
    """Plan a meeting ahead. Refused for a date before today or a leader who is not staff."""
    if details.planned_for < today:
        raise RuleBroken("The planned date cannot be in the past: record a meeting already held instead", field="planned_for")
    _check_leader(session, pupil, details.led_by_id)
    meeting = ParentMeeting(
        pupil_id=pupil.id, planned_for=details.planned_for, mode=details.mode, led_by_id=details.led_by_id,
        attendees=details.attendees, recorded_by_id=actor.id,
    )
    session.add(meeting)
    session.flush()
    add_event(session, pupil=pupil, kind="parent_meeting_planned", title="Meeting with parents planned",
              detail=f"For {details.planned_for:%d/%m/%Y}", effective_on=today, actor=actor)
    audit.record(session, "parent_meeting_planned", actor=actor, pupil=pupil, object_type="parent_meeting", object_id=meeting.id)
    session.flush()
    return meeting


@dataclass
class MeetingDetails:
    held_on: date
    mode: MeetingMode
    led_by_id: int | None
    attendees: str | None
    pupil_views: str | None
    outcomes: str | None
    actions: str | None
    shared_with_parents_on: date | None


def record_meeting(
    session: Session, *, actor: User, pupil: Pupil, details: MeetingDetails, today: date,
    planned: ParentMeeting | None = None,
) -> ParentMeeting:
    """Record a meeting held (a planned one becomes held). Refused (RuleBroken) for a meeting dated
    in the future or before the pupil was born, a leader who is not staff of the school, no
    outcomes, or a date shared with parents before the meeting or in the future."""
    if details.held_on > today:
        raise RuleBroken("The meeting cannot be recorded as held on a date in the future", field="held_on")
    if details.held_on < pupil.date_of_birth:
        raise RuleBroken("The meeting cannot be before the pupil was born", field="held_on")
    _check_leader(session, pupil, details.led_by_id)
    if not (details.outcomes or "").strip():
        raise RuleBroken("Record what was agreed at the meeting", field="outcomes")
    shared = details.shared_with_parents_on
    if shared is not None and shared < details.held_on:
        raise RuleBroken("The record cannot be shared with parents before the meeting was held", field="shared_with_parents_on")
    if shared is not None and shared > today:
        raise RuleBroken("The date shared with parents cannot be in the future", field="shared_with_parents_on")
    if planned is not None and (planned.pupil_id != pupil.id or planned.held_on is not None):
        raise RuleBroken("This meeting has already been recorded")
    meeting = planned or ParentMeeting(pupil_id=pupil.id)
    for name, value in vars(details).items():
        setattr(meeting, name, value)
    meeting.recorded_by_id = actor.id
    meeting.recorded_at = now()
    session.add(meeting)
    session.flush()
    leader = session.get(User, details.led_by_id)
    add_event(session, pupil=pupil, kind="parent_meeting", title="Parents met",
              detail=f"{details.mode.label}, led by {leader.full_name}", effective_on=details.held_on, actor=actor)
    audit.record(session, "parent_meeting_recorded", actor=actor, pupil=pupil, object_type="parent_meeting",
                 object_id=meeting.id, details={"planned": planned is not None})
    settle_tasks(session, today, pupil_ids=[pupil.id])
    return meeting


def meeting_from_review(session: Session, *, actor: User, cycle: SupportCycle, review: Review) -> ParentMeeting:
    """The held meeting that a review with a parent present stands for (its timeline event is
    the review's own 'Parents met at the review')."""
    meeting = ParentMeeting(
        pupil_id=cycle.pupil_id, held_on=review.held_on, mode=MeetingMode.IN_PERSON, led_by_id=actor.id,
        attendees=review.attendees, pupil_views=review.pupil_views,
        outcomes=f"Review of support cycle {cycle.number}: {review.decision.summary}",
        actions=review.next_steps, cycle_id=cycle.id, review_id=review.id, recorded_by_id=actor.id,
    )
    session.add(meeting)
    session.flush()
    audit.record(session, "parent_meeting_recorded", actor=actor, pupil=cycle.pupil, object_type="parent_meeting",
                 object_id=meeting.id, details={"review": review.id})
    return meeting
